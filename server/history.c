/*
 * history.c: what history is, whichever store keeps it (hist-store.h):
 * the keys of targets, CHATHISTORY references and subcommands, TARGETS
 * and whose conversations it lists, and the retention policy. The store
 * (hist-sqlite.c, or hist-mem.c for --db none) keeps the rows; NULL when
 * history is closed.
 */
#include <stdlib.h>
#include <string.h>

#include "hist-store.h"

#define HIST_PRUNE_BATCH 500	/* rows deleted per hist_prune call */
#define HIST_AGE_CHECK_MS 60000	/* how often --history-days looks for old rows */
#define HIST_RETRY_MS 5000	/* pruning pauses this long after a failure */
#define HIST_DAY_MS INT64_C(86400000)

static const struct hist_pos hist_min = { INT64_MIN, INT64_MIN };
static const struct hist_pos hist_max = { INT64_MAX, INT64_MAX };

static const struct store *store;	/* NULL: closed */

/* Retention policy; the stores only delete what they are told to. */
static struct {
	int days, max_per_target;
	int64_t next_age_check;	/* monotonic ms */
	int64_t prune_pause;	/* monotonic ms: no pruning before */
} hist;

static int
hist_cmp(struct hist_pos a, struct hist_pos b)
{
	if (a.time_ms != b.time_ms)
		return a.time_ms < b.time_ms ? -1 : 1;
	if (a.id != b.id)
		return a.id < b.id ? -1 : 1;
	return 0;
}

/* open and close */

int
hist_open(const char *path, char *err, size_t errcap)
{
	if (errcap > 0)
		err[0] = '\0';
	hist_close();
	if (path == NULL || strcmp(path, "none") == 0)
		store = &hmem_store;
	else if (hsql_open(path, err, errcap) == 0)
		store = &hsql_store;
	else
		return -1;
	hist_set_retention(hist.days, hist.max_per_target);
	return 0;
}

void
hist_close(void)
{
	if (store == NULL)
		return;
	store->close();
	store = NULL;
}

void
hist_commit(void)
{
	if (store != NULL && store->commit != NULL)
		store->commit();
}

size_t
hist_key(char *buf, size_t cap, const char *me, const char *target)
{
	char a[IRC_NICK_MAX + 1], b[IRC_NICK_MAX + 1];

	if (irc_is_channel(target)) {
		irc_casefold(buf, target, cap);
		return strlen(buf);
	}
	irc_casefold(a, me, sizeof(a));
	irc_casefold(b, target, sizeof(b));
	/* Both parties must compute the same key: sort the two nicks. A space
	 * can be in neither a nick nor a channel name. */
	const char *lo = strcmp(a, b) <= 0 ? a : b, *hi = lo == a ? b : a;
	size_t ll = strlen(lo), hl = strlen(hi);
	/* Once per stored private message: copies, not snprintf. */
	if (ll + 1 + hl >= cap)
		return 0;
	memcpy(buf, lo, ll);
	buf[ll] = ' ';
	memcpy(buf + ll + 1, hi, hl);
	buf[ll + 1 + hl] = '\0';
	return ll + 1 + hl;
}

void
hist_add(const struct hist_msg *m)
{
	char nick[IRC_NICK_MAX + 1], key[HIST_KEY_MAX];

	if (store == NULL)
		return;
	irc_source_split(m->source, nick, sizeof(nick), NULL, 0, NULL, 0);
	if (hist_key(key, sizeof(key), nick, m->target) == 0)
		return;
	store->add(m, key);
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

/* Is key the conversation of folded nick me? */
static bool
hist_key_has(const char *key, const char *me)
{
	const char *sp = strchr(key, ' ');
	size_t n = strlen(me);

	if (sp == NULL)
		return false;
	return ((size_t)(sp - key) == n && strncmp(key, me, n) == 0) ||
	    strcmp(sp + 1, me) == 0;
}

struct hist_found {
	char key[HIST_KEY_MAX];
	char name[IRC_CHAN_MAX + 1];
	int64_t time_ms;
};

/* TARGETS' findings so far, and what decides which count. */
struct hist_found_list {
	struct hist_found *v;
	size_t n, cap;
	char me[IRC_NICK_MAX + 1];	/* folded */
	hist_visible_fn *visible;
	void *arg;
};

static int
hist_found_cmp(const void *a, const void *b)
{
	const struct hist_found *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Whether TARGETS looks at key at all: a channel (visible decides later),
 * or a conversation of the asker. */
static bool
hist_found_want(const char *key, void *arg)
{
	const struct hist_found_list *l = arg;

	return irc_is_channel(key) || hist_key_has(key, l->me);
}

/* A target and its latest message in the window: listed if the asker may
 * read it. */
static void
hist_found_add(const char *key, int64_t time_ms, const char *source,
    const char *target, void *arg)
{
	struct hist_found_list *l = arg;
	char nick[IRC_NICK_MAX + 1], folded[IRC_NICK_MAX + 1];
	const char *name = target;

	if (!irc_is_channel(key)) {
		/* A conversation is named for the other party. */
		irc_source_split(source, nick, sizeof(nick), NULL, 0, NULL, 0);
		irc_casefold(folded, nick, sizeof(folded));
		if (strcmp(folded, l->me) != 0)
			name = nick;
	} else if (l->visible != NULL && !l->visible(name, l->arg))
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	struct hist_found *f = &l->v[l->n++];
	str_copy(f->key, key, sizeof(f->key));
	str_copy(f->name, name, sizeof(f->name));
	f->time_ms = time_ms;
}

int
hist_targets(const char *me, int64_t from_ms, int64_t to_ms, int limit,
    hist_visible_fn *visible, hist_target_fn *fn, void *arg)
{
	struct hist_found_list l = { .visible = visible, .arg = arg };
	bool last = from_ms > to_ms;
	int64_t lo = last ? to_ms : from_ms, hi = last ? from_ms : to_ms;

	if (store == NULL || limit <= 0)
		return 0;
	irc_casefold(l.me, me, sizeof(l.me));
	if (!store->latest(lo, hi, hist_found_want, hist_found_add, &l)) {
		free(l.v);
		return -1;
	}
	if (l.n > 0)
		qsort(l.v, l.n, sizeof(*l.v), hist_found_cmp);
	/* Counted from the first timestamp, handed out ascending. */
	size_t count = l.n < (size_t)limit ? l.n : (size_t)limit;
	size_t first = last ? l.n - count : 0;
	for (size_t i = first; i < first + count; i++)
		fn(l.v[i].name, l.v[i].time_ms, arg);
	free(l.v);
	return (int)count;
}

/* retention */

void
hist_set_retention(int days, int max_per_target)
{
	hist.days = days > 0 ? days : 0;
	hist.max_per_target = max_per_target > 0 ? max_per_target : 0;
	hist.next_age_check = 0;
	if (store != NULL)
		store->set_max(hist.max_per_target);
}

bool
hist_idle_work(void)
{
	if (store == NULL)
		return false;
	return hist.days > 0 || (store->busy != NULL && store->busy());
}

/*
 * Messages older than --history-days go first, a batch a call, then a
 * step of trimming targets to --history-max. Old messages are looked for
 * once a minute once none are left; after a failure the store is left
 * alone for a while.
 */
bool
hist_prune(void)
{
	int64_t now = time_mono_ms();

	if (store == NULL)
		return false;
	if (store->idle != NULL)
		store->idle(now);
	if (now < hist.prune_pause)
		return false;
	if (hist.days > 0 && now >= hist.next_age_check) {
		int more = store->prune_old(time_now_ms() -
		    hist.days * HIST_DAY_MS, HIST_PRUNE_BATCH);
		if (more > 0)
			return true;
		if (more < 0)
			hist.prune_pause = now + HIST_RETRY_MS;
		hist.next_age_check = now + HIST_AGE_CHECK_MS;
	}
	if (hist.max_per_target > 0 && store->trim != NULL) {
		int more = store->trim(HIST_PRUNE_BATCH);
		if (more < 0)
			hist.prune_pause = now + HIST_RETRY_MS;
		return more != 0;
	}
	return false;
}
