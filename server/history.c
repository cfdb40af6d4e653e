/*
 * history.c: what history is, whichever store keeps it (hist-store.h):
 * the keys of targets, CHATHISTORY references and subcommands, TARGETS
 * and whose conversations it lists, the retention policy, and the
 * storage thread. The store (hist-sqlite.c, or hist-mem.c for --db none)
 * keeps the rows; NULL when history is closed.
 *
 * The storage thread (a batched store only) writes; the loop thread
 * reads. Each loop pass's messages and channel rows form a batch that
 * hist_commit hands over; the messages are relayed when their batch is
 * committed (their holds), so "stored before anyone sees it" holds and
 * nobody waits for someone else's disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hist-store.h"

#define HIST_PRUNE_BATCH 500	/* rows deleted per upkeep step */
#define HIST_AGE_CHECK_MS 60000	/* how often --history-days looks for old rows */
#define HIST_RETRY_MS 5000	/* after a failure: no pruning, no storing */
#define HIST_UPKEEP_MS 1000	/* the thread looks for upkeep this often */
#define HIST_DAY_MS INT64_C(86400000)
#define HIST_BACKLOG_MAX 1000	/* messages waiting behind the commit under way */
#define HIST_LINE_EXTRA 128	/* a relayed line's prefix and server tags */
#define HIST_COMMIT_BUCKETS 12	/* messages a commit: 1, 2-3, ..., 2048 and up */

static const struct hist_pos hist_min = { INT64_MIN, INT64_MIN };
static const struct hist_pos hist_max = { INT64_MAX, INT64_MAX };

static const struct store *store;	/* NULL: closed */

/* Retention policy; the stores only delete what they are told to. Set
 * by the loop, used by the storage thread: under hq.mu while it runs. */
static struct {
	int days, max_per_target;
	int64_t max_bytes;	/* --history-max-bytes; 0: no limit */
	bool max_changed;	/* store->set_max is due (on the thread) */
	/* The writer's own (the thread's while it runs): */
	bool grew;		/* stored since the size was last looked at */
	bool shrinking;		/* over max_bytes: pruning to 9/10 of it */
	int64_t next_age_check;	/* monotonic ms */
	int64_t prune_pause;	/* monotonic ms: no pruning before */
	int64_t last_id;	/* the last row's id (hist_add gives them) */
} hist;

/* One write of a batch. */
struct hist_op {
	enum { OP_MSG, OP_CHAN_SAVE, OP_CHAN_FORGET, OP_REDACT,
	    OP_FORGET_OWNER } kind;
	struct hist_msg m;	/* OP_MSG; OP_REDACT: its msgid */
	struct hist_chan c;	/* OP_CHAN_SAVE */
	const char *key;	/* OP_MSG, OP_REDACT: target key;
				 * OP_FORGET_OWNER: the owner (its account
				 * in c.owner); else the folded name */
	struct hold *hold;	/* OP_MSG, OP_REDACT: what its relay waits for */
	char *strs;		/* the strings above point here */
};

/* The writes of one loop pass. */
struct hist_batch {
	struct hist_batch *next;	/* in hq.todo: the thread's */
	struct hist_batch *lnext;	/* in the loop's in-flight list */
	struct hist_op *ops;
	size_t n, cap;
	struct hold *chan_hold;	/* channel rows: resolved stored either way */
	size_t bytes;		/* its messages' lines as relayed */
	bool stored;		/* set by the thread before it counts it */
};

/*
 * The storage thread and the batches between it and the loop. The loop
 * fills cur, hands it over (todo, handed) and keeps it in its in-flight
 * list; the thread stores what is in todo, all at once in one
 * transaction (group commit), counts it finished and writes a byte to
 * the wake pipe; the loop then resolves the holds of the finished
 * batches, oldest first, and frees them. A batch's ops are never changed
 * once handed over, so the loop may read them (hist_chan_get). While
 * the thread commits, the loop reads and hands over the next batches
 * (waiting), up to HIST_BACKLOG_MAX messages: the two work at once.
 */
static struct {
	bool no_thread;		/* tests: store and prune on the caller */
	bool running;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, done;	/* todo or stop; finished moved */
	struct hist_batch *todo, **todo_tail;
	uint64_t finished;	/* batches stored or lost */
	size_t waiting;		/* messages in todo */
	size_t waiting_bytes;	/* their bytes (hist_batch's) */
	bool stop;
	int wake[2];		/* thread -> loop */

	/* The loop's */
	struct hist_batch *cur;		/* being filled */
	struct hist_batch *inflight, **inflight_tail;
	uint64_t handed, collected;

	/* The writer's (the thread, or the caller with no thread) */
	bool failing;		/* the failure is logged; quiet until it heals */
	int64_t retry_at;	/* monotonic ms: no write tried before */
	unsigned long lost;	/* messages lost since the last good commit */
	/* Commits by their messages (bucket b: 2^b to 2^(b+1) - 1; a
	 * private message counts once for each party, as it is stored),
	 * logged at close with -v: how much group commit groups. */
	unsigned long per_commit[HIST_COMMIT_BUCKETS];
} hq = { .wake = { -1, -1 } };

static bool hist_upkeep(int64_t now, int days, int max_per_target,
    int64_t max_bytes);

static int
hist_cmp(struct hist_pos a, struct hist_pos b)
{
	if (a.time_ms != b.time_ms)
		return a.time_ms < b.time_ms ? -1 : 1;
	if (a.id != b.id)
		return a.id < b.id ? -1 : 1;
	return 0;
}

/* holds */

static struct hold *
hold_new(void)
{
	struct hold *h = xmalloc(sizeof(*h));

	h->refs = 1;
	h->state = HOLD_PENDING;
	return h;
}

struct hold *
hold_ref(struct hold *h)
{
	h->refs++;
	return h;
}

void
hold_unref(struct hold *h)
{
	if (h != NULL && --h->refs == 0)
		free(h);
}

/* batches */

static struct hist_op *
batch_op(int kind)
{
	if (hq.cur == NULL)
		hq.cur = xcalloc(1, sizeof(*hq.cur));
	struct hist_batch *b = hq.cur;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->ops = xreallocarray(b->ops, b->cap, sizeof(*b->ops));
	}
	struct hist_op *op = &b->ops[b->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	return op;
}

/* Copy n strings into one allocation (op->strs); *dst[i] points at each. */
static void
op_strings(struct hist_op *op, size_t n, const char **const dst[],
    const char *const src[])
{
	size_t size = 0, at = 0;

	for (size_t i = 0; i < n; i++)
		size += strlen(src[i] != NULL ? src[i] : "") + 1;
	op->strs = xmalloc(size);
	for (size_t i = 0; i < n; i++) {
		const char *v = src[i] != NULL ? src[i] : "";
		size_t len = strlen(v) + 1;
		memcpy(op->strs + at, v, len);
		*dst[i] = op->strs + at;
		at += len;
	}
}

/* The loop: the batch's messages are stored (or lost): show them (or
 * their senders' FAIL), then free the batch. */
static void
batch_resolve(struct hist_batch *b, bool stored)
{
	for (size_t i = 0; i < b->n; i++) {
		struct hist_op *op = &b->ops[i];
		if (op->hold != NULL) {
			op->hold->state = stored ? HOLD_STORED : HOLD_LOST;
			hold_unref(op->hold);
		}
		free(op->strs);
	}
	if (b->chan_hold != NULL) {
		b->chan_hold->state = HOLD_STORED;
		hold_unref(b->chan_hold);
	}
	free(b->ops);
	free(b);
}

static bool
op_apply(const struct hist_op *op)
{
	switch (op->kind) {
	case OP_MSG:
		return store->add(&op->m, op->key);
	case OP_CHAN_SAVE:
		return store->chan_save(op->key, &op->c);
	case OP_CHAN_FORGET:
		return store->chan_forget(op->key);
	case OP_REDACT:
		return store->redact(op->key, op->m.msgid);
	case OP_FORGET_OWNER:
		return store->forget_owner(op->key, op->c.owner);
	}
	return false;
}

/*
 * The writer: store the batches from b on (linked by next) in one
 * transaction. After a failure nothing is tried for HIST_RETRY_MS, so a
 * full disk costs each message a quick refusal, not a wait; the first
 * batch after that tries again, and the server recovers by itself.
 */
static bool
batches_store(struct hist_batch *b)
{
	int64_t now = time_mono_ms();
	unsigned long msgs = 0;
	bool ok = !(hq.failing && now < hq.retry_at);

	for (struct hist_batch *x = b; x != NULL; x = x->next)
		for (size_t i = 0; i < x->n; i++)
			msgs += x->ops[i].kind == OP_MSG;
	if (ok)
		ok = store->begin();
	for (; ok && b != NULL; b = b->next)
		for (size_t i = 0; ok && i < b->n; i++)
			ok = op_apply(&b->ops[i]);
	if (ok)
		ok = store->commit();
	else if (!(hq.failing && now < hq.retry_at))
		store->rollback();
	if (!ok) {
		if (!hq.failing)
			log_error("history: cannot store messages: %s; they are"
			    " refused (FAIL TEMPORARILY_UNAVAILABLE) and"
			    " storing is tried again every %d s",
			    store->error(), HIST_RETRY_MS / 1000);
		if (!hq.failing || now >= hq.retry_at)
			hq.retry_at = now + HIST_RETRY_MS;
		hq.failing = true;
		hq.lost += msgs;
		return false;
	}
	if (msgs > 0) {
		int bucket = 0;
		while (msgs >> (bucket + 1) != 0 &&
		    bucket < HIST_COMMIT_BUCKETS - 1)
			bucket++;
		hq.per_commit[bucket]++;
	}
	if (hq.failing)
		log_warn("history: the database works again; %lu messages"
		    " were refused meanwhile", hq.lost);
	hq.failing = false;
	hq.lost = 0;
	return true;
}

/*
 * The storage thread. It owns the store's write connection: every
 * write, commit (with its fsync), checkpoint and prune runs here and
 * nowhere else. It waits for batches; it stores everything waiting at
 * once (batches that came during the last commit share the next one);
 * it tells the loop by the wake pipe; when nothing waits it does upkeep
 * a step at a time, looking for new batches between steps. It touches
 * nothing of the loop's but the queue under hq.mu and the pipe, and
 * stops once everything handed over is stored (hist_close).
 */
/* Under hq.mu: everything waiting, now the thread's. */
static struct hist_batch *
hist_take(void)
{
	struct hist_batch *list = hq.todo;

	hq.todo = NULL;
	hq.todo_tail = &hq.todo;
	hq.waiting = 0;
	hq.waiting_bytes = 0;
	return list;
}

static void *
hist_thread(void *arg)
{
	struct hist_batch *list = NULL;

	(void)arg;
	pthread_mutex_lock(&hq.mu);
	for (;;) {
		if (list == NULL && hq.todo != NULL)
			list = hist_take();
		if (list != NULL) {
			pthread_mutex_unlock(&hq.mu);
			bool ok = batches_store(list);
			hist.grew = true;
			uint64_t n = 0;
			for (struct hist_batch *b = list, *next; b != NULL;
			    b = next) {
				next = b->next;	/* the loop may free b after */
				b->stored = ok;
				n++;
			}
			pthread_mutex_lock(&hq.mu);
			hq.finished += n;
			pthread_cond_broadcast(&hq.done);
			/* What waits is taken before the loop wakes, so the
			 * loop, paused behind it, finds room and reads on
			 * while this thread stores it. */
			list = hq.todo != NULL ? hist_take() : NULL;
			ssize_t w;
			do
				w = write(hq.wake[1], "", 1);
			while (w == -1 && errno == EINTR);
			continue;	/* a full pipe already wakes the loop */
		}
		if (hq.stop)
			break;
		if (hist.max_changed) {
			hist.max_changed = false;
			hist.next_age_check = 0;
			hist.grew = true;	/* look at the size again */
			if (store->set_max != NULL)
				store->set_max(hist.max_per_target);
		}
		int days = hist.days, max = hist.max_per_target;
		int64_t max_bytes = hist.max_bytes;
		bool busy = days > 0 || (store->busy != NULL && store->busy()) ||
		    (max_bytes > 0 && (hist.grew || hist.shrinking));
		pthread_mutex_unlock(&hq.mu);
		bool more = busy && hist_upkeep(time_mono_ms(), days, max,
		    max_bytes);
		pthread_mutex_lock(&hq.mu);
		if (more || hq.todo != NULL || hq.stop)
			continue;
		if (!busy) {
			pthread_cond_wait(&hq.work, &hq.mu);
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += HIST_UPKEEP_MS / 1000;
		pthread_cond_timedwait(&hq.work, &hq.mu, &ts);
	}
	pthread_mutex_unlock(&hq.mu);
	return NULL;
}

static int
hist_thread_start(char *err, size_t errcap)
{
	pthread_condattr_t ca;

	if (pipe2(hq.wake, O_NONBLOCK | O_CLOEXEC) == -1) {
		snprintf(err, errcap, "cannot start storing: pipe: %s",
		    strerror(errno));
		return -1;
	}
	pthread_mutex_init(&hq.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hq.work, &ca);
	pthread_cond_init(&hq.done, &ca);
	pthread_condattr_destroy(&ca);
	hq.todo = NULL;
	hq.todo_tail = &hq.todo;
	hq.waiting = 0;
	hq.waiting_bytes = 0;
	hq.stop = false;
	hq.handed = hq.collected = hq.finished = 0;
	int rc = pthread_create(&hq.thread, NULL, hist_thread, NULL);
	if (rc != 0) {
		snprintf(err, errcap, "cannot start storing: %s", strerror(rc));
		close(hq.wake[0]);
		close(hq.wake[1]);
		hq.wake[0] = hq.wake[1] = -1;
		return -1;
	}
	hq.running = true;
	return 0;
}

static void
hist_thread_stop(void)
{
	if (!hq.running)
		return;
	pthread_mutex_lock(&hq.mu);
	hq.stop = true;
	pthread_cond_signal(&hq.work);
	pthread_mutex_unlock(&hq.mu);
	pthread_join(hq.thread, NULL);
	hq.running = false;
	hist_collect();
	close(hq.wake[0]);
	close(hq.wake[1]);
	hq.wake[0] = hq.wake[1] = -1;
	pthread_cond_destroy(&hq.work);
	pthread_cond_destroy(&hq.done);
	pthread_mutex_destroy(&hq.mu);
}

/* The writer's histogram of messages per commit, as a debug line:
 * "1: 10, 2-3: 4" is ten commits of one message and four of two or
 * three. */
static void
hist_log_commits(void)
{
	char buf[512];
	size_t n = 0;
	unsigned long commits = 0;

	buf[0] = '\0';
	for (int b = 0; b < HIST_COMMIT_BUCKETS; b++) {
		unsigned long lo = 1UL << b, hi = (1UL << (b + 1)) - 1;
		const char *sep = n > 0 ? ", " : " ";
		int k;
		commits += hq.per_commit[b];
		if (hq.per_commit[b] == 0 || n >= sizeof(buf))
			continue;
		if (b == HIST_COMMIT_BUCKETS - 1)
			k = snprintf(buf + n, sizeof(buf) - n, "%s%lu+: %lu",
			    sep, lo, hq.per_commit[b]);
		else if (lo == hi)
			k = snprintf(buf + n, sizeof(buf) - n, "%s%lu: %lu",
			    sep, lo, hq.per_commit[b]);
		else
			k = snprintf(buf + n, sizeof(buf) - n,
			    "%s%lu-%lu: %lu", sep, lo, hi, hq.per_commit[b]);
		if (k > 0)
			n += (size_t)k;
	}
	if (commits > 0)
		log_debug("history: %lu commits; messages per commit:%s",
		    commits, buf);
	memset(hq.per_commit, 0, sizeof(hq.per_commit));
}

/* open and close */

int
hist_open(const char *path, bool sync_full, char *err, size_t errcap)
{
	if (errcap > 0)
		err[0] = '\0';
	hist_close();
	if (path == NULL || strcmp(path, "none") == 0)
		store = &hmem_store;
	else if (hsql_open(path, sync_full, err, errcap) == 0)
		store = &hsql_store;
	else
		return -1;
	hist.last_id = store->last_id();
	hq.inflight = NULL;
	hq.inflight_tail = &hq.inflight;
	hq.failing = false;
	hq.lost = 0;
	if (store->batched && !hq.no_thread &&
	    hist_thread_start(err, errcap) == -1) {
		store->close();
		store = NULL;
		return -1;
	}
	hist_set_retention(hist.days, hist.max_per_target,
	    (size_t)hist.max_bytes);
	return 0;
}

void
hist_close(void)
{
	if (store == NULL)
		return;
	hist_commit();
	hist_thread_stop();
	hist_log_commits();
	store->close();
	store = NULL;
}

void
hist_commit(void)
{
	struct hist_batch *b = hq.cur;

	if (b == NULL)
		return;
	hq.cur = NULL;
	if (!hq.running) {
		b->next = NULL;
		batch_resolve(b, batches_store(b));
		return;
	}
	b->next = b->lnext = NULL;
	size_t msgs = 0;
	for (size_t i = 0; i < b->n; i++)
		msgs += b->ops[i].kind == OP_MSG;
	*hq.inflight_tail = b;
	hq.inflight_tail = &b->lnext;
	hq.handed++;
	pthread_mutex_lock(&hq.mu);
	*hq.todo_tail = b;
	hq.todo_tail = &b->next;
	hq.waiting += msgs;
	hq.waiting_bytes += b->bytes;
	pthread_cond_signal(&hq.work);
	pthread_mutex_unlock(&hq.mu);
}

int
hist_wake_fd(void)
{
	return hq.running ? hq.wake[0] : -1;
}

bool
hist_collect(void)
{
	char junk[256];
	uint64_t finished;
	bool any = false;

	if (hq.wake[0] == -1)
		return false;
	while (read(hq.wake[0], junk, sizeof(junk)) > 0)
		;
	pthread_mutex_lock(&hq.mu);
	finished = hq.finished;
	pthread_mutex_unlock(&hq.mu);
	while (hq.collected < finished) {
		struct hist_batch *b = hq.inflight;
		hq.inflight = b->lnext;
		if (hq.inflight == NULL)
			hq.inflight_tail = &hq.inflight;
		hq.collected++;
		batch_resolve(b, b->stored);
		any = true;
	}
	return any;
}

bool
hist_backlogged(size_t bytes_max)
{
	if (!hq.running)
		return false;
	size_t cur = hq.cur != NULL ? hq.cur->bytes : 0;
	pthread_mutex_lock(&hq.mu);
	bool full = hq.waiting >= HIST_BACKLOG_MAX ||
	    hq.waiting_bytes + cur >= bytes_max;
	pthread_mutex_unlock(&hq.mu);
	return full;
}

uint64_t
hist_batch(void)
{
	return hq.running ? hq.handed + 1 : 0;
}

bool
hist_unstored(uint64_t n)
{
	return hq.running && n > hq.collected;
}

void
hist_sync(void)
{
	hist_commit();
	if (!hq.running)
		return;
	pthread_mutex_lock(&hq.mu);
	while (hq.finished < hq.handed)
		pthread_cond_wait(&hq.done, &hq.mu);
	pthread_mutex_unlock(&hq.mu);
	hist_collect();
}

size_t
hist_key(char *buf, size_t cap, const char *owner, const char *target)
{
	char b[IRC_NICK_MAX + 1];

	if (irc_is_channel(target)) {
		irc_casefold(buf, target, cap);
		return strlen(buf);
	}
	/* The owner starts with '@' or '!', which no nick or channel does,
	 * and a space is in neither: keys of nick-keyed history (before
	 * owners) and of channels never look like one. */
	if (owner == NULL || (owner[0] != '@' && owner[0] != '!'))
		return 0;
	irc_casefold(b, target, sizeof(b));
	size_t ol = strlen(owner), bl = strlen(b);
	/* Twice per stored private message: copies, not snprintf. */
	if (ol + 1 + bl >= cap)
		return 0;
	memcpy(buf, owner, ol);
	buf[ol] = ' ';
	memcpy(buf + ol + 1, b, bl);
	buf[ol + 1 + bl] = '\0';
	return ol + 1 + bl;
}

/*
 * The client tags history keeps: those that say what a message is to
 * others (a reply, a reaction, the channel a private message is about),
 * which a reader of history needs. Others, such as +typing, are of the
 * moment; and all of them together are capped, so that no sender can
 * make each stored line 4 KiB longer for every reader of history.
 */
static const char *const hist_kept_tags[] = {
	"+draft/channel-context", "+draft/react", "+draft/reply",
	"+channel-context", "+react", "+reply",
};

/* The kept tags of escaped client tags in, into out (HIST_TAGS_MAX). */
static void
hist_tags_filter(char *out, const char *in)
{
	size_t n = 0;

	out[0] = '\0';
	while (in != NULL && *in != '\0') {
		size_t len = strcspn(in, ";"), klen = strcspn(in, "=;");
		for (size_t i = 0; i < nitems(hist_kept_tags); i++) {
			const char *k = hist_kept_tags[i];
			if (strlen(k) != klen || strncmp(in, k, klen) != 0)
				continue;
			if (n + (n > 0) + len < HIST_TAGS_MAX) {
				if (n > 0)
					out[n++] = ';';
				memcpy(out + n, in, len);
				n += len;
				out[n] = '\0';
			}
			break;
		}
		in += len;
		if (*in == ';')
			in++;
	}
}

/* Whether kept tags hold a reaction. */
static bool
hist_reaction(const char *tags)
{
	for (const char *p = tags; *p != '\0';) {
		size_t klen = strcspn(p, "=;");
		if ((klen == 12 && strncmp(p, "+draft/react", 12) == 0) ||
		    (klen == 6 && strncmp(p, "+react", 6) == 0))
			return true;
		p += strcspn(p, ";");
		if (*p == ';')
			p++;
	}
	return false;
}

struct hold *
hist_add(const struct hist_msg *m, const char *key)
{
	char tags[HIST_TAGS_MAX];

	if (store == NULL || key == NULL || key[0] == '\0')
		return NULL;
	const char *orig_tags = m->tags;
	hist_tags_filter(tags, m->tags);
	/* A TAGMSG is kept only as a reaction, which belongs with the
	 * message it names (its +draft/reply) for every later reader;
	 * others (+typing) are of the moment. */
	if (strcmp(m->command, "TAGMSG") == 0 && !hist_reaction(tags))
		return NULL;
	struct hist_msg kept = *m;
	kept.tags = tags;
	/* Ids in the order rows are handed over, not as the store inserts
	 * them: a JOIN's hist_last_id divides what came before it from what
	 * came after, even in one millisecond, before either is stored. */
	kept.id = ++hist.last_id;
	m = &kept;
	if (!store->batched) {
		store->add(m, key);
		return NULL;
	}
	struct hist_op *op = batch_op(OP_MSG);
	/* The line readers hold has the sender's tags whole, not only the
	 * kept ones. */
	const char *const parts[] = { m->source, m->target, orig_tags,
	    m->text };
	hq.cur->bytes += HIST_LINE_EXTRA;
	for (size_t i = 0; i < nitems(parts); i++)
		hq.cur->bytes += parts[i] != NULL ? strlen(parts[i]) : 0;
	op->m = *m;
	const char **const dst[] = { &op->m.source, &op->m.target,
	    &op->m.command, &op->m.tags, &op->m.text, &op->key };
	const char *const src[] = { m->source, m->target, m->command,
	    m->tags, m->text, key };
	op_strings(op, nitems(src), dst, src);
	op->hold = hold_new();
	return hold_ref(op->hold);
}

int64_t
hist_last_id(void)
{
	return hist.last_id;
}

struct hold *
hist_redact(const char *key, const char *msgid)
{
	if (store == NULL)
		return NULL;
	if (!store->batched) {
		store->redact(key, msgid);
		return NULL;
	}
	struct hist_op *op = batch_op(OP_REDACT);
	str_copy(op->m.msgid, msgid, sizeof(op->m.msgid));
	const char **const dst[] = { &op->key };
	const char *const src[] = { key };
	op_strings(op, 1, dst, src);
	op->hold = hold_new();
	return hold_ref(op->hold);
}

void
hist_forget_owner(const char *owner, const char *account)
{
	if (store == NULL)
		return;
	if (!store->batched) {
		store->forget_owner(owner, account);
		return;
	}
	struct hist_op *op = batch_op(OP_FORGET_OWNER);
	const char **const dst[] = { &op->key, &op->c.owner };
	const char *const src[] = { owner, account };
	op_strings(op, nitems(src), dst, src);
}

static void
hist_count(const struct hist_msg *m, void *arg)
{
	(*(int *)arg)++;
}

/* Whether batch b has a message of key. */
static bool
batch_has(const struct hist_batch *b, const char *key)
{
	for (size_t i = 0; b != NULL && i < b->n; i++)
		if (b->ops[i].kind == OP_MSG && strcmp(b->ops[i].key, key) == 0)
			return true;
	return false;
}

bool
hist_has(const char *key)
{
	int n = 0;

	if (store == NULL)
		return false;
	/* A channel may empty in the pass its last lines were said in, or
	 * before their batch is stored. */
	if (batch_has(hq.cur, key))
		return true;
	for (const struct hist_batch *b = hq.inflight; b != NULL; b = b->lnext)
		if (batch_has(b, key))
			return true;
	return store->range(key, hist_min, hist_max, 1, true, true,
	    hist_count, &n) != 0;
}

/* channel rows */

bool
hist_chan_kept(void)
{
	return store != NULL && store->batched;
}

/* The current batch's channel hold, for one more channel row. */
static struct hold *
chan_hold(void)
{
	if (hq.cur->chan_hold == NULL)
		hq.cur->chan_hold = hold_new();
	return hold_ref(hq.cur->chan_hold);
}

struct hold *
hist_chan_save(const struct hist_chan *c)
{
	char folded[IRC_CHAN_MAX + 1];

	if (store == NULL || !store->batched)
		return NULL;
	irc_casefold(folded, c->name, sizeof(folded));
	struct hist_op *op = batch_op(OP_CHAN_SAVE);
	op->c = *c;
	const char **const dst[] = { &op->key, &op->c.name, &op->c.topic,
	    &op->c.topic_setter, &op->c.modes, &op->c.key, &op->c.bans,
	    &op->c.owner, &op->c.opaccs };
	const char *const src[] = { folded, c->name, c->topic,
	    c->topic_setter, c->modes, c->key, c->bans, c->owner, c->opaccs };
	op_strings(op, nitems(src), dst, src);
	return chan_hold();
}

struct hold *
hist_chan_forget(const char *name)
{
	char folded[IRC_CHAN_MAX + 1];

	if (store == NULL || !store->batched)
		return NULL;
	irc_casefold(folded, name, sizeof(folded));
	struct hist_op *op = batch_op(OP_CHAN_FORGET);
	const char **const dst[] = { &op->key };
	const char *const src[] = { folded };
	op_strings(op, 1, dst, src);
	return chan_hold();
}

/* The latest save or forget of folded in batch b, or NULL. */
static const struct hist_op *
batch_chan(const struct hist_batch *b, const char *folded)
{
	const struct hist_op *found = NULL;

	for (size_t i = 0; b != NULL && i < b->n; i++)
		if ((b->ops[i].kind == OP_CHAN_SAVE ||
		    b->ops[i].kind == OP_CHAN_FORGET) &&
		    strcmp(b->ops[i].key, folded) == 0)
			found = &b->ops[i];
	return found;
}

bool
hist_chan_get(const char *name, struct hist_chan *c)
{
	char folded[IRC_CHAN_MAX + 1];
	const struct hist_op *op = NULL, *o;

	memset(c, 0, sizeof(*c));
	if (store == NULL || store->chan_get == NULL)
		return false;
	irc_casefold(folded, name, sizeof(folded));
	/* What is not stored yet is newer than what is. */
	for (const struct hist_batch *b = hq.inflight; b != NULL; b = b->lnext)
		if ((o = batch_chan(b, folded)) != NULL)
			op = o;
	if ((o = batch_chan(hq.cur, folded)) != NULL)
		op = o;
	if (op != NULL) {
		if (op->kind == OP_CHAN_FORGET)
			return false;
		*c = op->c;
		return true;
	}
	return store->chan_get(folded, c);
}

/* queries */

bool
hist_ref_parse(const char *s, struct hist_ref *r, bool star_ok)
{
	memset(r, 0, sizeof(*r));
	if (strcmp(s, "*") == 0) {
		r->type = HIST_REF_NONE;
		return star_ok;
	}
	if (strncmp(s, "timestamp=", 10) == 0) {
		r->type = HIST_REF_TIME;
		return time_parse(s + 10, &r->time_ms);
	}
	if (strncmp(s, "msgid=", 6) == 0) {
		r->type = HIST_REF_MSGID;
		s += 6;
		return *s != '\0' &&
		    str_copy(r->msgid, s, sizeof(r->msgid)) < sizeof(r->msgid);
	}
	return false;
}

/*
 * Where a reference bounds a range. A msgid stands for its message; a
 * timestamp excludes every message of that millisecond from both sides
 * ("before and excluding", "after and excluding"), so its lower bound
 * sorts after and its upper bound before all of them.
 */
static bool
hist_resolve(const char *key, const struct hist_ref *r,
    struct hist_pos *lower, struct hist_pos *upper)
{
	switch (r->type) {
	case HIST_REF_NONE:
		*lower = hist_min;
		*upper = hist_max;
		return true;
	case HIST_REF_TIME:
		lower->time_ms = upper->time_ms = r->time_ms;
		lower->id = INT64_MAX;
		upper->id = 0;	/* ids start at 1 */
		return true;
	case HIST_REF_MSGID:
		if (!store->find(key, r->msgid, lower))
			return false;
		*upper = *lower;
		return true;
	}
	return false;
}

/* Call fn on the first (or last) n rows strictly between lo and hi. */
static int
hist_range(const struct hist_query *q, struct hist_pos lo, struct hist_pos hi,
    int n, bool last, hist_row_fn *fn, void *arg)
{
	if (n <= 0)
		return 0;
	/* --history-cutoff: an exclusive bound at since_ms and since_id
	 * (ids start at 1: 0 takes all of since_ms). */
	struct hist_pos since = { q->since_ms, q->since_id };
	if (q->since_ms != 0 && hist_cmp(lo, since) < 0)
		lo = since;
	if (hist_cmp(lo, hi) >= 0)
		return 0;
	return store->range(q->key, lo, hi, n, last, q->tagmsg, fn, arg);
}

int
hist_query(const struct hist_query *q, hist_row_fn *fn, void *arg)
{
	struct hist_pos alo, ahi, blo, bhi;
	int before, after, n = q->limit;

	if (store == NULL)
		return 0;
	if (!hist_resolve(q->key, &q->a, &alo, &ahi))
		return 0;	/* an unknown msgid: nothing to show */
	switch (q->sub) {
	case HIST_LATEST:
		return hist_range(q, alo, hist_max, n, true, fn, arg);
	case HIST_BEFORE:
		if (q->a.type == HIST_REF_NONE)
			return 0;
		return hist_range(q, hist_min, ahi, n, true, fn, arg);
	case HIST_AFTER:
		if (q->a.type == HIST_REF_NONE)
			return 0;
		return hist_range(q, alo, hist_max, n, false, fn, arg);
	case HIST_AROUND:
		if (q->a.type == HIST_REF_NONE || n <= 0)
			return 0;
		/*
		 * Half before, the rest from the reference on: a msgid's own
		 * message comes first in that second half, so AROUND msgid=x 1
		 * is x itself. Lowering the lower bound by one id makes it
		 * inclusive.
		 */
		before = n / 2;
		if (q->a.type == HIST_REF_MSGID)
			before = (n - 1) / 2;
		after = n - before;
		int got = hist_range(q, hist_min, ahi, before, true, fn, arg);
		if (got < 0)
			return -1;
		ahi.id--;
		int more = hist_range(q, ahi, hist_max, after, false, fn, arg);
		return more < 0 ? -1 : got + more;
	case HIST_BETWEEN:
		if (q->a.type == HIST_REF_NONE || q->b.type == HIST_REF_NONE)
			return 0;
		if (!hist_resolve(q->key, &q->b, &blo, &bhi))
			return 0;
		/* Counted from the first reference, which may be the later. */
		if (hist_cmp(alo, bhi) <= 0)
			return hist_range(q, alo, bhi, n, false, fn, arg);
		return hist_range(q, blo, ahi, n, true, fn, arg);
	}
	return 0;
}

struct hist_found {
	char name[IRC_CHAN_MAX + 1];
	int64_t time_ms;
};

/* TARGETS' findings so far, and what decides which count. */
struct hist_found_list {
	struct hist_found *v;
	size_t n, limit;
	char owner[CONN_OWNER_MAX + 1];
	hist_visible_fn *visible;
	void *arg;
};

/* A target and its latest message: listed if the asker may read it;
 * false once the limit is reached. */
static bool
hist_found_add(const char *key, int64_t time_ms, const char *source,
    const char *target, void *arg)
{
	struct hist_found_list *l = arg;
	char nick[IRC_NICK_MAX + 1], folded[IRC_NICK_MAX + 1];
	const char *name = target;

	if (!irc_is_channel(key)) {
		/* A conversation is named for the other party, the nick in
		 * its key, spelled as the latest row did. */
		irc_source_split(source, nick, sizeof(nick), NULL, 0, NULL, 0);
		irc_casefold(folded, nick, sizeof(folded));
		if (strcmp(folded, strchr(key, ' ') + 1) == 0)
			name = nick;
	} else if (l->visible != NULL && !l->visible(name, l->arg))
		return true;
	struct hist_found *f = &l->v[l->n++];
	str_copy(f->name, name, sizeof(f->name));
	f->time_ms = time_ms;
	return l->n < l->limit;
}

/*
 * A target is listed when its latest message falls in the window: the
 * store keeps each target's latest message (a summary row kept current
 * on insert), so TARGETS costs what it returns, not what is stored.
 */
int
hist_targets(const char *owner, int64_t from_ms, int64_t to_ms, int limit,
    hist_visible_fn *visible, hist_target_fn *fn, void *arg)
{
	struct hist_found_list l = { .visible = visible, .arg = arg };
	bool last = from_ms > to_ms;
	int64_t lo = last ? to_ms : from_ms, hi = last ? from_ms : to_ms;

	if (store == NULL || limit <= 0)
		return 0;
	str_copy(l.owner, owner, sizeof(l.owner));
	l.limit = (size_t)limit;
	l.v = xreallocarray(NULL, l.limit, sizeof(*l.v));
	/* Counted from the first timestamp, handed out ascending. */
	if (!store->targets(l.owner, lo, hi, last, hist_found_add, &l)) {
		free(l.v);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct hist_found *f = &l.v[last ? l.n - 1 - i : i];
		fn(f->name, f->time_ms, arg);
	}
	free(l.v);
	return (int)l.n;
}

/* search */

/* What SEARCH collects, to hand out in ascending order. */
struct hist_found_rows {
	struct hist_msg *v;
	char **strs;
	size_t n, cap;
};

static void
hist_found_row(const struct hist_msg *m, void *arg)
{
	struct hist_found_rows *r = arg;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
		r->strs = xreallocarray(r->strs, r->cap, sizeof(*r->strs));
	}
	struct hist_op op;
	op.m = *m;
	const char **const dst[] = { &op.m.source, &op.m.target,
	    &op.m.command, &op.m.tags, &op.m.text };
	const char *const src[] = { m->source, m->target, m->command,
	    m->tags, m->text };
	op_strings(&op, nitems(src), dst, src);
	r->v[r->n] = op.m;
	r->strs[r->n] = op.strs;
	r->n++;
}

/* Is key one of owner's sides of a conversation ("owner nick")? */
static bool
hist_key_has(const char *key, const char *owner)
{
	size_t n = strlen(owner);

	return strncmp(key, owner, n) == 0 && key[n] == ' ';
}

/* Whether the asker may see target key's rows, and from where: a
 * channel readable accepts, or its own side of a conversation (all). */
static bool
hist_search_keep(const char *key, void *arg, struct hist_pos *since)
{
	const struct hist_search *q = arg;

	since->time_ms = since->id = 0;
	if (strchr(key, ' ') == NULL)
		return q->readable != NULL &&
		    q->readable(key, q->arg, &since->time_ms, &since->id);
	return hist_key_has(key, q->owner);
}

int
hist_search(const struct hist_search *q, hist_row_fn *fn, void *arg)
{
	struct hist_found_rows r = { 0 };
	char from[IRC_NICK_MAX + 1];
	/* From after= on if given, else back from before=. */
	bool desc = q->after_ms == INT64_MIN;

	if (store == NULL || store->search == NULL || q->limit <= 0)
		return 0;
	if (q->from != NULL)
		irc_casefold(from, q->from, sizeof(from));
	int n = store->search(q, q->from != NULL ? from : NULL, desc,
	    hist_search_keep, (void *)q, hist_found_row, &r);
	for (size_t i = 0; i < r.n; i++)
		fn(&r.v[desc ? r.n - 1 - i : i], arg);
	for (size_t i = 0; i < r.n; i++)
		free(r.strs[i]);
	free(r.v);
	free(r.strs);
	return n < 0 ? -1 : (int)r.n;
}

/* retention */

void
hist_set_retention(int days, int max_per_target, size_t max_bytes)
{
	if (hq.running)
		pthread_mutex_lock(&hq.mu);
	hist.days = days > 0 ? days : 0;
	hist.max_per_target = max_per_target > 0 ? max_per_target : 0;
	hist.max_bytes = max_bytes < INT64_MAX ? (int64_t)max_bytes : INT64_MAX;
	if (hq.running) {
		hist.max_changed = true;
		pthread_cond_signal(&hq.work);
		pthread_mutex_unlock(&hq.mu);
		return;
	}
	hist.next_age_check = 0;
	hist.grew = true;
	if (store != NULL && store->set_max != NULL)
		store->set_max(hist.max_per_target);
}

bool
hist_idle_work(void)
{
	if (store == NULL || hq.running)
		return false;
	return hist.days > 0 || (store->busy != NULL && store->busy()) ||
	    (hist.max_bytes > 0 && (hist.grew || hist.shrinking));
}

bool
hist_prune(void)
{
	if (store == NULL || hq.running)
		return false;
	return hist_upkeep(time_mono_ms(), hist.days, hist.max_per_target,
	    hist.max_bytes);
}

/*
 * --history-max-bytes: once history takes more than max_bytes, the
 * oldest messages go, a batch a step, until it takes 9/10 of it (so it
 * is not at the limit again at the next message). A database file does
 * not shrink: its free pages take the next messages.
 */
static int
hist_shrink(int64_t max_bytes)
{
	if (max_bytes <= 0 || store->bytes == NULL ||
	    (!hist.grew && !hist.shrinking))
		return 0;
	hist.grew = false;
	int64_t used = store->bytes();
	if (used < 0)
		return -1;
	if (used > max_bytes && !hist.shrinking) {
		log_info("history: %lld bytes, past --history-max-bytes:"
		    " deleting the oldest messages", (long long)used);
		hist.shrinking = true;
	}
	if (!hist.shrinking)
		return 0;
	if (used <= max_bytes / 10 * 9) {
		hist.shrinking = false;
		return 0;
	}
	int more = store->prune_old(INT64_MAX, HIST_PRUNE_BATCH);
	if (more <= 0)
		hist.shrinking = false;	/* nothing left, or failing */
	return more;
}

/*
 * One step of upkeep, by the writer: a checkpoint if one is due, then
 * messages older than --history-days, a batch a call, then a batch past
 * --history-max-bytes, then a step of trimming targets to --history-max.
 * Old messages are looked for once a minute once none are left; after a
 * failure the store is left alone for a while. True while more is to do
 * at once.
 */
static bool
hist_upkeep(int64_t now, int days, int max_per_target, int64_t max_bytes)
{
	if (store->idle != NULL)
		store->idle(now);
	if (now < hist.prune_pause)
		return false;
	if (days > 0 && now >= hist.next_age_check) {
		int more = store->prune_old(time_now_ms() -
		    days * HIST_DAY_MS, HIST_PRUNE_BATCH);
		if (more > 0)
			return true;
		if (more < 0)
			hist.prune_pause = now + HIST_RETRY_MS;
		hist.next_age_check = now + HIST_AGE_CHECK_MS;
	}
	int more = hist_shrink(max_bytes);
	if (more < 0)
		hist.prune_pause = now + HIST_RETRY_MS;
	if (more > 0)
		return true;
	if (max_per_target > 0 && store->trim != NULL) {
		more = store->trim(HIST_PRUNE_BATCH);
		if (more < 0)
			hist.prune_pause = now + HIST_RETRY_MS;
		return more != 0;
	}
	return false;
}
