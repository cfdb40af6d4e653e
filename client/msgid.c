/*
 * msgid.c: what a buffer has already shown, so history fetched after a
 * join or a reconnect neither repeats nor skips anything, and the
 * CHATHISTORY requests and batches of each buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

/* FNV-1a, 64 bits: msgids are short and collisions among 256 of them
 * are about one in 2^48, so the set keeps hashes, not strings. */
static uint64_t
seen_hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* FNV's low and high bits barely change with the last byte of similar
 * msgids ("...a1", "...a2"), so mix before taking a slot (the 64-bit
 * finaliser of MurmurHash3), or the table degenerates into one cluster. */
static size_t
seen_home(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (size_t)h & (SEEN_SLOTS - 1);
}

void
seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
}

static size_t
seen_find(const struct seen *s, uint64_t h)
{
	size_t i = seen_home(h);

	while (s->slot[i] != 0 && s->ring[s->slot[i] - 1] != h)
		i = (i + 1) & (SEEN_SLOTS - 1);
	return i;
}

/* Linear probing delete by backward shift: no tombstones to clean up. */
static void
seen_delete(struct seen *s, size_t i)
{
	size_t j = i;

	for (;;) {
		j = (j + 1) & (SEEN_SLOTS - 1);
		if (s->slot[j] == 0)
			break;
		size_t k = seen_home(s->ring[s->slot[j] - 1]);
		/* Move j's entry back to i unless its home lies in (i, j]. */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			s->slot[i] = s->slot[j];
			i = j;
		}
	}
	s->slot[i] = 0;
}

bool
seen_has(const struct seen *s, const char *key)
{
	return s->slot[seen_find(s, seen_hash(key))] != 0;
}

bool
seen_check(struct seen *s, const char *key)
{
	uint64_t h = seen_hash(key);
	size_t i = seen_find(s, h);

	if (s->slot[i] != 0)
		return true;
	if (s->count == SEEN_MAX) {
		size_t old = seen_find(s, s->ring[s->head]);
		seen_delete(s, old);
		s->count--;
		i = seen_find(s, h);	/* the shift may have opened a nearer slot */
	}
	s->ring[s->head] = h;
	s->slot[i] = (uint16_t)(s->head + 1);
	s->head = (s->head + 1) % SEEN_MAX;
	s->count++;
	return false;
}

void
mark_init(struct hist_mark *m)
{
	memset(m, 0, sizeof(*m));
}

void
mark_note(struct hist_mark *m, const char *msgid, int64_t time_ms)
{
	if (msgid == NULL)
		msgid = "";
	/* Ties go to the later arrival: same-millisecond messages come in
	 * the server's order. */
	if (m->newest_ms == 0 || time_ms >= m->newest_ms) {
		m->newest_ms = time_ms;
		str_copy(m->newest_id, msgid, sizeof(m->newest_id));
	}
	if (m->oldest_ms == 0 || time_ms < m->oldest_ms) {
		m->oldest_ms = time_ms;
		str_copy(m->oldest_id, msgid, sizeof(m->oldest_id));
	}
}

/* "msgid=..." or "timestamp=YYYY-MM-DDThh:mm:ss.sssZ" into ref. */
static bool
chathist_ref(char *ref, size_t cap, const char *id, int64_t ms)
{
	if (id[0] != '\0')
		return (size_t)snprintf(ref, cap, "msgid=%s", id) < cap;
	if (ms <= 0)
		return false;
	char stamp[IRC_TIME_LEN + 1];
	time_format(stamp, sizeof(stamp), ms);
	return (size_t)snprintf(ref, cap, "timestamp=%s", stamp) < cap;
}

size_t
chathist_cmd(char *buf, size_t cap, enum chathist_kind kind,
    const char *target, const struct hist_mark *m, int limit)
{
	static const char *const names[] = {
		[CHATHIST_LATEST] = "LATEST",
		[CHATHIST_AFTER] = "AFTER",
		[CHATHIST_BEFORE] = "BEFORE",
	};
	char ref[IRC_MSGID_MAX + IRC_TIME_LEN + 16] = "*";

	if (limit <= 0)
		limit = CHATHIST_LIMIT;
	if (kind == CHATHIST_AFTER &&
	    !chathist_ref(ref, sizeof(ref), m->newest_id, m->newest_ms))
		return 0;
	if (kind == CHATHIST_BEFORE &&
	    !chathist_ref(ref, sizeof(ref), m->oldest_id, m->oldest_ms))
		return 0;
	int n = snprintf(buf, cap, "CHATHISTORY %s %s %s %d", names[kind],
	    target, ref, limit);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

size_t
chathist_join_cmd(char *buf, size_t cap, const char *target,
    const struct hist_mark *m, int limit)
{
	bool shown = m->newest_id[0] != '\0' || m->newest_ms > 0;

	return chathist_cmd(buf, cap, shown ? CHATHIST_AFTER : CHATHIST_LATEST,
	    target, m, limit);
}

/* --- a buffer's history: requests, batches, de-duplication */

void
chathist_init(struct chathist *h)
{
	memset(h, 0, sizeof(*h));
	seen_init(&h->seen);
	mark_init(&h->mark);
}

static void
held_free(struct chathist *h)
{
	for (size_t i = 0; i < h->nheld; i++) {
		free(h->held[i].nick);
		free(h->held[i].text);
		free(h->held[i].msgid);
	}
	free(h->held);
	h->held = NULL;
	h->nheld = h->heldlen = 0;
}

static void
reacts_free(struct chathist *h)
{
	for (size_t i = 0; i < h->nreacts; i++) {
		free(h->reacts[i].nick);
		free(h->reacts[i].msgid);
		free(h->reacts[i].emoji);
	}
	free(h->reacts);
	h->reacts = NULL;
	h->nreacts = h->reactslen = 0;
}

void
chathist_free(struct chathist *h)
{
	held_free(h);
	reacts_free(h);
}

static void chathist_batch_end(struct buffer *b);

static void
chathist_request(struct buffer *b, enum chathist_kind kind)
{
	struct chathist *h = &b->hist;
	char line[CHATHIST_CMD_MAX];

	if (!(self.caps & CAP_CHATHISTORY) || h->out)
		return;
	/* Older lines only fit while the ring has room. */
	if (kind == CHATHIST_BEFORE && (h->exhausted || b->count >= b->cap))
		return;
	size_t n = kind == CHATHIST_LATEST ?
	    chathist_join_cmd(line, sizeof(line), b->name, &h->mark, 0) :
	    chathist_cmd(line, sizeof(line), kind, b->name, &h->mark, 0);
	if (n == 0)
		return;
	h->out = true;
	h->asked = kind == CHATHIST_LATEST && h->mark.newest_ms > 0 ?
	    CHATHIST_AFTER : kind;
	net_sendf("%s", line);
}

void
chathist_lost(void)
{
	/* A batch cut short is shown as far as it came. */
	for (size_t i = 0; i < nwindows; i++)
		if (windows[i]->hist.batch[0] != '\0')
			chathist_batch_end(windows[i]);
		else {
			windows[i]->hist.out = false;
			logfile_flush(windows[i]);
		}
}

void
chathist_failed(void)
{
	/* FAIL CHATHISTORY names no batch: end every request still
	 * waiting for one, so the buffers ask again later and log. */
	for (size_t i = 0; i < nwindows; i++) {
		struct chathist *h = &windows[i]->hist;
		if (h->out && h->batch[0] == '\0') {
			h->out = false;
			logfile_flush(windows[i]);
		}
	}
}

void
chathist_registered(void)
{
	/* Private conversations have no JOIN to hang the gap on: ask
	 * now for what came while we were away. */
	for (size_t i = 0; i < nwindows; i++) {
		const struct hist_mark *m = &windows[i]->hist.mark;
		if (windows[i]->kind == BUFFER_QUERY &&
		    (m->newest_id[0] != '\0' || m->newest_ms > 0))
			chathist_request(windows[i], CHATHIST_AFTER);
	}
}

void
chathist_joined(struct buffer *b, int64_t time)
{
	struct chathist *h = &b->hist;

	/* A rejoin of a channel that showed no message yet: what was said
	 * since the last join is the gap, not just the latest page. */
	if (h->joined_ms != 0 && h->mark.newest_ms == 0)
		mark_note(&h->mark, NULL, h->joined_ms);
	h->joined_ms = time;
	/* LATEST on the first join, AFTER the newest shown on a rejoin. */
	chathist_request(b, CHATHIST_LATEST);
}

void
chathist_scrolled_top(struct buffer *b)
{
	chathist_request(b, CHATHIST_BEFORE);
}

bool
chathist_around(struct buffer *b, const char *msgid, int64_t time)
{
	struct chathist *h = &b->hist;
	char ref[IRC_MSGID_MAX + IRC_TIME_LEN + 16];

	if (!(self.caps & CAP_CHATHISTORY) || h->out ||
	    !chathist_ref(ref, sizeof(ref), msgid != NULL ? msgid : "", time))
		return false;
	h->out = true;
	h->asked = CHATHIST_AROUND;
	net_sendf("CHATHISTORY AROUND %s %s %d", b->name, ref, SEARCH_AROUND);
	return true;
}

int64_t
chathist_oldest(const struct buffer *b)
{
	for (uint64_t i = b->seq - b->count; i < b->seq; i++) {
		const struct line *l = buffer_line(b, i);
		if (l != NULL && l->kind != LINE_DAY && l->kind != LINE_INFO &&
		    l->kind != LINE_ERROR)
			return l->time;
	}
	return 0;
}

/*
 * An AROUND page: what is older than b's oldest message goes in front,
 * newest first. When none of it reached that message, messages between
 * were not fetched: a note says so, between the two. Scrolling past the
 * top goes on from the page's oldest (mark_note saw it).
 */
static void
chathist_around_end(struct buffer *b)
{
	struct chathist *h = &b->hist;
	int64_t oldest = chathist_oldest(b);
	bool reached = oldest == 0;

	/* Lines shown already were dropped by their msgids; one later than
	 * the oldest shown means the page met it. Several may share its
	 * millisecond (a burst): those are older by arrival, and go in. */
	for (size_t k = 0; k < h->nheld; k++)
		if (h->held[k].time > oldest)
			reached = true;
	size_t k = h->nheld;
	while (k > 0 && oldest != 0 && h->held[k - 1].time > oldest)
		k--;
	if (!reached && k > 0)
		buffer_prepend(b, h->held[k - 1].time, LINE_INFO, 0, "",
		    "(later messages not fetched)", NULL);
	while (k-- > 0) {
		struct chathist_line *o = &h->held[k];
		buffer_prepend(b, o->time, o->kind, o->flags, o->nick, o->text,
		    o->msgid);
	}
	h->exhausted = false;
	b->search_at = -1;	/* line indices moved */
	held_free(h);
	search_arrived(b);
}

/* A batch of ours ended in b: put a BEFORE page in front (an AROUND
 * page too, with a note of a gap), or merge a
 * LATEST or AFTER page into place by time (marking the gap an AFTER
 * filled), asking for the rest of a gap that filled a whole page. */
static void
chathist_batch_end(struct buffer *b)
{
	struct chathist *h = &b->hist;

	h->batch[0] = '\0';
	h->out = false;
	if (h->asked == CHATHIST_AROUND)
		chathist_around_end(b);
	else if (h->asked != CHATHIST_BEFORE) {
		/* The history comes after the JOIN that asked for it but is
		 * older: it goes above the JOIN, and a gap is marked so the
		 * eye finds where it was filled. */
		buffer_merge(b, h->held, h->nheld, h->asked == CHATHIST_AFTER);
		held_free(h);
		if (h->asked == CHATHIST_AFTER && h->batch_got >= CHATHIST_LIMIT)
			chathist_request(b, CHATHIST_AFTER);
	} else {
		/* Newest first, each in front of the one before. */
		for (size_t k = h->nheld; k-- > 0;) {
			struct chathist_line *o = &h->held[k];
			buffer_prepend(b, o->time, o->kind, o->flags, o->nick,
			    o->text, o->msgid);
		}
		h->exhausted = h->nheld == 0;
		if (h->nheld > 0)
			b->search_at = -1;	/* line indices moved */
		held_free(h);
	}
	/* Reactions replayed with their messages: beside them now that
	 * they are in. One to a message neither fetched nor shown is old
	 * news, not worth a line of its own at the bottom. */
	for (size_t i = 0; i < h->nreacts; i++) {
		const struct chathist_react *r = &h->reacts[i];
		uint64_t seq;
		if (buffer_find_msgid(b, r->msgid, &seq))
			react_heard(b, r->nick, r->msgid, r->emoji, 0);
	}
	reacts_free(h);
	logfile_flush(b);
}

void
chathist_batch(const char *ref, const char *type, const char *target)
{
	if (ref[0] == '+') {
		if (type == NULL || target == NULL ||
		    (strcmp(type, "chathistory") != 0 &&
		    strcmp(type, "draft/chathistory") != 0))
			return;
		struct buffer *b = window_find(target);
		if (b == NULL)
			return;
		str_copy(b->hist.batch, ref + 1, sizeof(b->hist.batch));
		b->hist.batch_got = 0;
		return;
	}
	for (size_t i = 0; i < nwindows; i++) {
		const char *open = windows[i]->hist.batch;
		if (open[0] != '\0' && strcmp(open, ref + 1) == 0)
			chathist_batch_end(windows[i]);
	}
}

/* Is batch the CHATHISTORY batch open for h? */
static bool
chathist_ours(const struct chathist *h, const char *batch)
{
	return batch != NULL && h->batch[0] != '\0' &&
	    strcmp(batch, h->batch) == 0;
}

bool
chathist_duplicate(struct buffer *b, const char *msgid, const char *batch,
    int64_t time)
{
	struct chathist *h = &b->hist;

	if (chathist_ours(h, batch))
		h->batch_got++;
	if (msgid != NULL && msgid[0] != '\0' && seen_check(&h->seen, msgid))
		return true;
	mark_note(&h->mark, msgid, time);
	return false;
}

bool
chathist_collect(struct buffer *b, const char *batch, int64_t time,
    enum line_kind kind, unsigned flags, const char *nick, const char *text,
    const char *msgid)
{
	struct chathist *h = &b->hist;

	if (!chathist_ours(h, batch))
		return false;
	/* A batch that never ends must not grow without bound: past what
	 * the scrollback keeps, the rest is dropped. */
	if (h->nheld >= window_scrollback)
		return true;
	if (h->nheld == h->heldlen) {
		h->heldlen = h->heldlen ? h->heldlen * 2 : 32;
		h->held = xreallocarray(h->held, h->heldlen,
		    sizeof(*h->held));
	}
	h->held[h->nheld++] = (struct chathist_line){ time, kind, flags,
	    xstrdup(nick), xstrdup(text),
	    msgid != NULL && msgid[0] != '\0' ? xstrdup(msgid) : NULL };
	return true;
}

bool
chathist_collect_react(struct buffer *b, const char *batch, const char *nick,
    const char *msgid, const char *emoji)
{
	struct chathist *h = &b->hist;

	if (!chathist_ours(h, batch) || msgid == NULL)
		return false;
	/* Bounded as the lines are. */
	if (h->nreacts >= window_scrollback)
		return true;
	if (h->nreacts == h->reactslen) {
		h->reactslen = h->reactslen ? h->reactslen * 2 : 16;
		h->reacts = xreallocarray(h->reacts, h->reactslen,
		    sizeof(*h->reacts));
	}
	h->reacts[h->nreacts++] = (struct chathist_react){ xstrdup(nick),
	    xstrdup(msgid), xstrdup(emoji) };
	return true;
}

const struct chathist_line *
chathist_held(const struct buffer *b, const char *msgid)
{
	const struct chathist *h = &b->hist;

	if (msgid == NULL || msgid[0] == '\0')
		return NULL;
	for (size_t i = h->nheld; i-- > 0;)
		if (h->held[i].msgid != NULL &&
		    strcmp(h->held[i].msgid, msgid) == 0)
			return &h->held[i];
	return NULL;
}
