/*
 * hist-mem.c: the history store of --db none (hist-store.h), in memory and
 * gone at exit.
 *
 * SQLite's in-memory database did this job first, at about 6 us of CPU a
 * stored message (three b-tree inserts, a rollback journal, a malloc per
 * page): more than relaying the message to a private chat costs. Here a
 * message is one allocation, one array append and one hash insert.
 *
 * Each target (a hist_key) keeps its messages in an array sorted by
 * (time_ms, id), the order CHATHISTORY pages by. The id is the arrival
 * order, so a new message goes at the end, unless the wall clock was set
 * back: then it is moved into place. A hash of msgids serves msgid
 * references, one of keys finds a target (both common/htab.c). Retention
 * drops from the front of the arrays, --history-max as a target grows past
 * it, so this store has no trim to run later.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hist-store.h"

struct hmem_msg {
	struct hlink link;		/* in hmem.msgs, by msgid */
	struct hmem_target *t;
	int64_t time_ms, id;
	uint32_t size;			/* bytes it takes, all told */
	uint32_t source, target, command, tags, text;	/* offsets into s */
	bool tagmsg;
	char s[];			/* the msgid first, then the rest */
};

struct hmem_target {
	struct hlink link;		/* in hmem.targets, by key */
	struct hmem_msg **v;		/* live: v[head] to v[head + n - 1] */
	size_t head, n, cap;
	char key[];
};

static struct {
	struct htab msgs, targets;	/* common/htab.c */
	int64_t last_id;
	size_t max_per_target;	/* --history-max: trimmed on add */
	int64_t bytes;		/* what the messages take: --history-max-bytes */
} hmem;

static uint32_t
hmem_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static int
hmem_pos_cmp(const struct hmem_msg *m, struct hist_pos p)
{
	if (m->time_ms != p.time_ms)
		return m->time_ms < p.time_ms ? -1 : 1;
	if (m->id != p.id)
		return m->id < p.id ? -1 : 1;
	return 0;
}

static bool
hmem_target_same(const struct hlink *l, const char *key)
{
	return strcmp(HLINK_ENTRY(l, struct hmem_target, link)->key, key) == 0;
}

static struct hmem_target *
hmem_target_find(const char *key, uint32_t hash)
{
	struct hlink *l = htab_find(&hmem.targets, hash, key,
	    hmem_target_same);
	return l != NULL ? HLINK_ENTRY(l, struct hmem_target, link) : NULL;
}

static struct hmem_target *
hmem_target_get(const char *key)
{
	uint32_t hash = hmem_hash(key);
	struct hmem_target *t = hmem_target_find(key, hash);

	if (t != NULL)
		return t;
	size_t len = strlen(key);
	t = xcalloc(1, sizeof(*t) + len + 1);
	memcpy(t->key, key, len + 1);
	t->link.hash = hash;
	htab_insert(&hmem.targets, &t->link);
	return t;
}

static void
hmem_target_free(struct hmem_target *t)
{
	htab_remove(&hmem.targets, &t->link);
	free(t->v);
	free(t);
}

/* pair: the msgid, its NUL, then the target key. */
static bool
hmem_msg_same(const struct hlink *l, const char *pair)
{
	const struct hmem_msg *m = HLINK_ENTRY(l, struct hmem_msg, link);
	return strcmp(m->s, pair) == 0 &&
	    strcmp(m->t->key, pair + strlen(pair) + 1) == 0;
}

/* A private message is a row of each of its owners: a msgid is unique
 * within a target, and the copies share a hash (of the msgid). */
static struct hmem_msg *
hmem_msg_find(const char *key, const char *msgid, uint32_t hash)
{
	char pair[IRC_MSGID_MAX + 1 + HIST_KEY_MAX];
	size_t ml = strlen(msgid), kl = strlen(key);

	if (ml + 1 + kl + 1 > sizeof(pair))
		return NULL;
	memcpy(pair, msgid, ml + 1);
	memcpy(pair + ml + 1, key, kl + 1);
	struct hlink *l = htab_find(&hmem.msgs, hash, pair, hmem_msg_same);
	return l != NULL ? HLINK_ENTRY(l, struct hmem_msg, link) : NULL;
}

/* Unlink m from the msgid hash and free it (its target still lists it). */
static void
hmem_msg_free(struct hmem_msg *m)
{
	htab_remove(&hmem.msgs, &m->link);
	hmem.bytes -= m->size;
	free(m);
}

/* Call fn on every target; fn may free the one it is given. */
static void
hmem_each_target(void (*fn)(struct hmem_target *, void *), void *arg)
{
	struct hlink *l, *next;

	for (l = htab_first(&hmem.targets); l != NULL; l = next) {
		next = htab_next(&hmem.targets, l);
		fn(HLINK_ENTRY(l, struct hmem_target, link), arg);
	}
}

/* Drop the k oldest messages of t; frees t once it is empty. */
static void
hmem_drop_front(struct hmem_target *t, size_t k)
{
	for (size_t i = 0; i < k; i++)
		hmem_msg_free(t->v[t->head + i]);
	t->head += k;
	t->n -= k;
	if (t->n == 0)
		hmem_target_free(t);
}

/* Make room for one more at the end, sliding the live part down first
 * when the dead front is at least half the array. */
static void
hmem_reserve(struct hmem_target *t)
{
	if (t->head + t->n < t->cap)
		return;
	if (t->head >= t->cap / 2 && t->head > 0) {
		memmove(t->v, t->v + t->head, t->n * sizeof(*t->v));
		t->head = 0;
		return;
	}
	t->cap = t->cap ? t->cap * 2 : 8;
	t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
}

/* The index in t (from head) of the first message at or past p (strict:
 * past p). */
static size_t
hmem_bound(const struct hmem_target *t, struct hist_pos p, bool strict)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = hmem_pos_cmp(t->v[t->head + mid], p);
		if (c < 0 || (strict && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t
hmem_put(char *s, size_t *at, const char *str)
{
	size_t len = strlen(str);
	uint32_t off = (uint32_t)*at;

	memcpy(s + *at, str, len + 1);
	*at += len + 1;
	return off;
}

static bool
hmem_add(const struct hist_msg *m, const char *key)
{
	const char *strs[] = { m->msgid, m->source, m->target, m->command,
	    m->tags != NULL ? m->tags : "", m->text != NULL ? m->text : "" };
	uint32_t hash = hmem_hash(m->msgid);
	size_t size = 0, at = 0;

	/* The msgid is unique in a target, as the database's index makes it. */
	if (hmem_msg_find(key, m->msgid, hash) != NULL) {
		log_warn("history: duplicate msgid %s not stored", m->msgid);
		return true;
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		size += strlen(strs[i]) + 1;
	struct hmem_msg *e = xmalloc(sizeof(*e) + size);
	/* The message, and its place in the hash and its target's array. */
	e->size = sizeof(*e) + size + 2 * sizeof(void *);
	hmem.bytes += e->size;
	hmem_put(e->s, &at, strs[0]);
	e->source = hmem_put(e->s, &at, strs[1]);
	e->target = hmem_put(e->s, &at, strs[2]);
	e->command = hmem_put(e->s, &at, strs[3]);
	e->tags = hmem_put(e->s, &at, strs[4]);
	e->text = hmem_put(e->s, &at, strs[5]);
	e->tagmsg = strcmp(m->command, "TAGMSG") == 0;
	e->time_ms = m->time_ms;
	e->id = m->id;
	if (e->id > hmem.last_id)
		hmem.last_id = e->id;
	e->link.hash = hash;
	htab_insert(&hmem.msgs, &e->link);

	struct hmem_target *t = hmem_target_get(key);
	e->t = t;
	hmem_reserve(t);
	size_t i = t->n;
	if (i > 0 && t->v[t->head + i - 1]->time_ms > e->time_ms) {
		/* The clock went back: keep the (time, id) order. */
		i = hmem_bound(t, (struct hist_pos){ e->time_ms, e->id }, false);
		memmove(t->v + t->head + i + 1, t->v + t->head + i,
		    (t->n - i) * sizeof(*t->v));
	}
	t->v[t->head + i] = e;
	t->n++;
	if (hmem.max_per_target > 0 && t->n > hmem.max_per_target)
		hmem_drop_front(t, t->n - hmem.max_per_target);
	return true;
}

static bool
hmem_redact(const char *key, const char *msgid)
{
	struct hmem_msg *m = hmem_msg_find(key, msgid, hmem_hash(msgid));

	if (m == NULL)
		return true;
	struct hmem_target *t = m->t;
	size_t i = hmem_bound(t, (struct hist_pos){ m->time_ms, m->id },
	    false);
	memmove(t->v + t->head + i, t->v + t->head + i + 1,
	    (t->n - i - 1) * sizeof(*t->v));
	t->n--;
	hmem_msg_free(m);
	if (t->n == 0)
		hmem_target_free(t);
	return true;
}

/* Channel rows are chanstate.c's with --db none: only the messages. */
static bool
hmem_forget_owner(const char *owner, const char *account)
{
	size_t ol = strlen(owner);
	struct hlink *l, *next;

	(void)account;
	for (l = htab_first(&hmem.targets); l != NULL; l = next) {
		struct hmem_target *t = HLINK_ENTRY(l, struct hmem_target, link);
		next = htab_next(&hmem.targets, l);
		if (strncmp(t->key, owner, ol) != 0 || t->key[ol] != ' ')
			continue;
		for (size_t i = 0; i < t->n; i++)
			hmem_msg_free(t->v[t->head + i]);
		hmem_target_free(t);
	}
	return true;
}

static int64_t
hmem_last_id(void)
{
	return hmem.last_id;
}

static bool
hmem_find(const char *key, const char *msgid, struct hist_pos *p)
{
	struct hmem_msg *m = hmem_msg_find(key, msgid, hmem_hash(msgid));

	if (m == NULL)
		return false;
	p->time_ms = m->time_ms;
	p->id = m->id;
	return true;
}

static void
hmem_emit(const struct hmem_msg *e, hist_row_fn *fn, void *arg)
{
	struct hist_msg m;

	str_copy(m.msgid, e->s, sizeof(m.msgid));
	m.time_ms = e->time_ms;
	m.source = e->s + e->source;
	m.target = e->s + e->target;
	m.command = e->s + e->command;
	m.tags = e->s + e->tags;
	m.text = e->s + e->text;
	fn(&m, arg);
}

static int
hmem_range(const char *key, struct hist_pos lo, struct hist_pos hi, int n,
    bool last, bool tagmsg, hist_row_fn *fn, void *arg)
{
	struct hmem_target *t = hmem_target_find(key, hmem_hash(key));
	int count = 0;

	if (t == NULL)
		return 0;
	struct hmem_msg **v = t->v + t->head;
	size_t start = hmem_bound(t, lo, true), end = hmem_bound(t, hi, false);
	if (last) {
		/* Back from the end to the first of the last n. */
		size_t i = end;
		for (int k = 0; i > start && k < n; ) {
			i--;
			if (tagmsg || !v[i]->tagmsg)
				k++;
		}
		start = i;
	}
	for (size_t i = start; i < end && count < n; i++) {
		if (!tagmsg && v[i]->tagmsg)
			continue;
		hmem_emit(v[i], fn, arg);
		count++;
	}
	return count;
}

/* TARGETS' candidates: a target and its latest message. */
struct hmem_found {
	const struct hmem_target *t;
	const struct hmem_msg *last;
};

struct hmem_targets {
	const char *owner;
	int64_t lo_ms, hi_ms;
	struct hmem_found *v;
	size_t n, cap;
};

/* Is key a channel, or a side of a conversation that owner has? */
static bool
hmem_key_for(const char *key, const char *owner)
{
	const char *sp = strchr(key, ' ');
	size_t n = strlen(owner);

	if (sp == NULL)
		return true;
	return (size_t)(sp - key) == n && strncmp(key, owner, n) == 0;
}

static void
hmem_targets_one(struct hmem_target *t, void *arg)
{
	struct hmem_targets *q = arg;

	if (t->n == 0 || !hmem_key_for(t->key, q->owner))
		return;
	const struct hmem_msg *e = t->v[t->head + t->n - 1];
	if (e->time_ms <= q->lo_ms || e->time_ms >= q->hi_ms)
		return;
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->v = xreallocarray(q->v, q->cap, sizeof(*q->v));
	}
	q->v[q->n].t = t;
	q->v[q->n].last = e;
	q->n++;
}

static int
hmem_found_cmp(const void *a, const void *b)
{
	const struct hmem_found *x = a, *y = b;

	if (x->last->time_ms != y->last->time_ms)
		return x->last->time_ms < y->last->time_ms ? -1 : 1;
	return strcmp(x->t->key, y->t->key);
}

/* Every target is looked at: memory is small and quick to walk; the
 * file store has a summary to seek in instead. */
static bool
hmem_targets(const char *owner, int64_t lo_ms, int64_t hi_ms, bool desc,
    store_target_fn *fn, void *arg)
{
	struct hmem_targets q = { .owner = owner, .lo_ms = lo_ms, .hi_ms = hi_ms };

	hmem_each_target(hmem_targets_one, &q);
	if (q.n > 0)
		qsort(q.v, q.n, sizeof(*q.v), hmem_found_cmp);
	for (size_t i = 0; i < q.n; i++) {
		const struct hmem_found *f = &q.v[desc ? q.n - 1 - i : i];
		const struct hmem_msg *e = f->last;
		if (!fn(f->t->key, e->time_ms, e->s + e->source,
		    e->s + e->target, arg))
			break;
	}
	free(q.v);
	return true;
}

/* Whether every word of words (spaces between) is a whole word of text,
 * ASCII letters in any case: the file store's FTS5 matching, near
 * enough. */
static bool
hmem_words_in(const char *text, const char *words)
{
	for (const char *w = words; *w != '\0';) {
		w += strspn(w, " ");
		size_t wl = strcspn(w, " ");
		if (wl == 0)
			break;
		bool found = false;
		for (const char *t = text; *t != '\0' && !found;) {
			while (*t != '\0' && !isalnum((unsigned char)*t) &&
			    (unsigned char)*t < 0x80)
				t++;
			size_t tl = 0;
			while (t[tl] != '\0' && (isalnum((unsigned char)t[tl]) ||
			    (unsigned char)t[tl] >= 0x80))
				tl++;
			found = tl == wl && strncasecmp(t, w, wl) == 0;
			t += tl;
		}
		if (!found)
			return false;
		w += wl;
	}
	return true;
}

struct hmem_search {
	const struct hist_search *q;
	const char *from;
	store_keep_fn *keep;
	void *karg;
	const struct hmem_msg **v;
	size_t n, cap;
};

static void
hmem_search_one(struct hmem_target *t, void *arg)
{
	struct hmem_search *s = arg;
	const struct hist_search *q = s->q;
	char nick[IRC_NICK_MAX + 1], folded[IRC_NICK_MAX + 1];

	struct hist_pos since;

	if ((q->key != NULL && strcmp(t->key, q->key) != 0) ||
	    !s->keep(t->key, s->karg, &since))
		return;
	for (size_t i = 0; i < t->n; i++) {
		const struct hmem_msg *e = t->v[t->head + i];
		if (e->tagmsg || e->time_ms < q->after_ms ||
		    e->time_ms > q->before_ms ||
		    !store_after(since, e->time_ms, e->id))
			continue;
		if (q->text != NULL && !hmem_words_in(e->s + e->text, q->text))
			continue;
		if (s->from != NULL) {
			irc_source_split(e->s + e->source, nick, sizeof(nick),
			    NULL, 0, NULL, 0);
			irc_casefold(folded, nick, sizeof(folded));
			if (strcmp(folded, s->from) != 0)
				continue;
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
		}
		s->v[s->n++] = e;
	}
}

static int
hmem_id_cmp(const void *a, const void *b)
{
	const struct hmem_msg *x = *(const struct hmem_msg *const *)a;
	const struct hmem_msg *y = *(const struct hmem_msg *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Every message of every target it may read: memory is quick to walk. */
static int
hmem_search(const struct hist_search *q, const char *from, bool desc,
    store_keep_fn *keep, void *karg, hist_row_fn *fn, void *arg)
{
	struct hmem_search s = { q, from, keep, karg, NULL, 0, 0 };
	size_t count = 0;

	hmem_each_target(hmem_search_one, &s);
	if (s.n > 0)
		qsort(s.v, s.n, sizeof(*s.v), hmem_id_cmp);
	for (size_t i = 0; i < s.n && count < (size_t)q->limit; i++) {
		hmem_emit(s.v[desc ? s.n - 1 - i : i], fn, arg);
		count++;
	}
	free(s.v);
	return (int)count;
}

struct hmem_prune {
	int64_t cutoff;
	size_t left;		/* of the batch */
};

static void
hmem_prune_one(struct hmem_target *t, void *arg)
{
	struct hmem_prune *p = arg;
	size_t k = 0;

	while (k < t->n && k < p->left && t->v[t->head + k]->time_ms <
	    p->cutoff)
		k++;
	p->left -= k;
	if (k > 0)
		hmem_drop_front(t, k);
}

static void
hmem_oldest_one(struct hmem_target *t, void *arg)
{
	int64_t *oldest = arg;

	if (t->n > 0 && t->v[t->head]->time_ms < *oldest)
		*oldest = t->v[t->head]->time_ms;
}

static int
hmem_prune_old(int64_t cutoff, int batch)
{
	struct hmem_prune p = { cutoff, (size_t)batch };

	/* The oldest, whatever their age: those of the oldest millisecond
	 * there is, then the next, until the batch is done. */
	if (cutoff == INT64_MAX) {
		while (p.left > 0 && hmem.bytes > 0) {
			int64_t oldest = INT64_MAX;
			hmem_each_target(hmem_oldest_one, &oldest);
			if (oldest == INT64_MAX)
				break;
			p.cutoff = oldest + 1;
			hmem_each_target(hmem_prune_one, &p);
		}
		return p.left == 0;
	}
	hmem_each_target(hmem_prune_one, &p);
	return p.left == 0;
}

static int64_t
hmem_bytes(void)
{
	return hmem.bytes;
}

static void
hmem_trim_one(struct hmem_target *t, void *arg)
{
	(void)arg;
	if (t->n > hmem.max_per_target)
		hmem_drop_front(t, t->n - hmem.max_per_target);
}

static void
hmem_set_max(int max)
{
	hmem.max_per_target = (size_t)max;
	if (max > 0)
		hmem_each_target(hmem_trim_one, NULL);
}

static void
hmem_free_one(struct hmem_target *t, void *arg)
{
	(void)arg;
	for (size_t k = 0; k < t->n; k++)
		free(t->v[t->head + k]);
	free(t->v);
	free(t);
}

static void
hmem_close(void)
{
	hmem_each_target(hmem_free_one, NULL);
	htab_free(&hmem.targets);
	htab_free(&hmem.msgs);
	memset(&hmem, 0, sizeof(hmem));
}

const struct store hmem_store = {
	.add = hmem_add,
	.redact = hmem_redact,
	.forget_owner = hmem_forget_owner,
	.last_id = hmem_last_id,
	.find = hmem_find,
	.range = hmem_range,
	.targets = hmem_targets,
	.search = hmem_search,
	.prune_old = hmem_prune_old,
	.bytes = hmem_bytes,
	.set_max = hmem_set_max,
	.close = hmem_close,
};
