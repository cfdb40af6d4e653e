/*
 * msgid.c: what a buffer has already shown, so history fetched after a
 * join or a reconnect neither repeats nor skips anything.
 */
#include <stdio.h>
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
