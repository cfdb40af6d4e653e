/*
 * Read markers (draft/read-marker): the time of the newest message read
 * in each buffer, shared through the server by all of our devices. The
 * marker is kept without the capability too, for this run only, so the
 * "new since you last read" line works on any server.
 */
#include <stdio.h>
#include <string.h>

#include "natter.h"

static bool
is_message(const struct line *l)
{
	return l->kind == LINE_MSG || l->kind == LINE_ACTION ||
	    l->kind == LINE_NOTICE;
}

unsigned
readmark_count(const struct buffer *b, int64_t read_ms, enum activity *act)
{
	unsigned n = 0;

	*act = ACT_NONE;
	for (uint64_t s = b->seq; s-- > b->seq - b->count;) {
		const struct line *l = buffer_line(b, s);
		if (l->time > 0 && l->time <= read_ms)
			break;
		if (!is_message(l)) {
			if (*act < ACT_EVENT && l->kind == LINE_EVENT)
				*act = ACT_EVENT;
			continue;
		}
		if (l->flags & LINE_SELF)
			break;	/* we spoke: we had read what came before */
		n++;
		if ((l->flags & LINE_HIGHLIGHT) || b->kind == BUFFER_QUERY)
			*act = ACT_HOT;
		else if (*act < ACT_MSG)
			*act = ACT_MSG;
	}
	return n;
}

/* The first message after read_ms at or after line from, or 0. */
static uint64_t
first_after(const struct buffer *b, uint64_t from, int64_t read_ms)
{
	for (uint64_t s = from; s < b->seq; s++) {
		const struct line *l = buffer_line(b, s);
		if (l != NULL && is_message(l) && !(l->flags & LINE_SELF) &&
		    l->time > read_ms)
			return s + 1;
	}
	return 0;
}

/* Does the server know us in b, to keep its marker? */
static bool
may_send(const struct buffer *b)
{
	return (self.caps & CAP_READ_MARKER) && self.registered &&
	    (b->kind == BUFFER_QUERY ||
	    (b->kind == BUFFER_CHANNEL && b->joined));
}

static void
send_mark(struct buffer *b, int64_t t, int64_t now_mono)
{
	struct readmark *m = &b->mark;
	char stamp[IRC_TIME_LEN + 1];

	m->sent_ms = t;
	m->waiting_ms = 0;
	m->due_mono = now_mono + READMARK_INTERVAL_MS;
	time_format(stamp, sizeof(stamp), t);
	net_sendf("MARKREAD %s timestamp=%s", b->name, stamp);
}

void
readmark_heard(struct buffer *b, const char *value)
{
	struct readmark *m = &b->mark;
	enum activity act;
	int64_t t;

	if (strncmp(value, "timestamp=", 10) != 0 ||
	    !time_parse(value + 10, &t) || t <= m->read_ms)
		return;		/* "*": nothing read yet; or older news */
	m->read_ms = t;
	if (m->sent_ms < t)
		m->sent_ms = t;
	if (m->waiting_ms <= t)
		m->waiting_ms = 0;	/* another device read further */
	if (m->first_new > 0)
		m->first_new = first_after(b, m->first_new - 1, t);
	if (b != window_current()) {
		/* Read on another device: what it read is not unread here. */
		b->unread = readmark_count(b, t, &act);
		if (act < b->activity)
			b->activity = act;
		dirty |= DIRTY_STATUS;
	} else
		dirty |= DIRTY_HISTORY;
}

void
readmark_added(struct buffer *b, uint64_t seq, int64_t time, unsigned flags)
{
	struct readmark *m = &b->mark;
	bool seen = b == window_current() && !b->scrolled &&
	    time >= m->looked_ms;

	if (flags & LINE_SELF) {
		/* Our own word: all before it was read. */
		if (time > m->read_ms)
			m->read_ms = time;
		return;
	}
	if (m->first_new == 0 && !seen && time > m->read_ms && m->read_ms > 0)
		m->first_new = seq + 1;
}

void
readmark_looked(struct buffer *b)
{
	struct readmark *m = &b->mark;
	int64_t newest = 0;

	if (m->looked_ms == 0)
		m->looked_ms = time_now_ms();
	for (uint64_t s = b->seq; s-- > b->seq - b->count;) {
		const struct line *l = buffer_line(b, s);
		if (is_message(l) && l->time > 0) {
			newest = l->time;
			break;
		}
	}
	if (newest <= m->read_ms && newest <= m->sent_ms)
		return;
	if (newest > m->read_ms)
		m->read_ms = newest;
	/* Only for a target the server knows us in, never for a time
	 * already said; within a second of the last, the newest waits. */
	if (newest <= m->sent_ms || newest <= m->waiting_ms || !may_send(b))
		return;
	int64_t now = time_mono_ms();
	if (now >= m->due_mono)
		send_mark(b, newest, now);
	else
		m->waiting_ms = newest;
}

void
readmark_tick(int64_t now_mono)
{
	for (size_t i = 0; i < nwindows; i++) {
		struct readmark *m = &windows[i]->mark;
		if (m->waiting_ms == 0 || now_mono < m->due_mono)
			continue;
		/* Gone from the channel or the server meanwhile: the marker
		 * goes the next time the buffer is looked at. */
		if (m->waiting_ms > m->sent_ms && may_send(windows[i]))
			send_mark(windows[i], m->waiting_ms, now_mono);
		else
			m->waiting_ms = 0;
	}
}

int
readmark_timeout(int64_t now_mono)
{
	int64_t next = -1;

	for (size_t i = 0; i < nwindows; i++) {
		const struct readmark *m = &windows[i]->mark;
		if (m->waiting_ms != 0 && (next < 0 || m->due_mono < next))
			next = m->due_mono;
	}
	if (next < 0)
		return -1;
	return next <= now_mono ? 0 : (int)(next - now_mono);
}

void
readmark_flush(void)
{
	int64_t now = time_mono_ms();

	for (size_t i = 0; i < nwindows; i++) {
		struct readmark *m = &windows[i]->mark;
		if (m->waiting_ms > m->sent_ms && may_send(windows[i]))
			send_mark(windows[i], m->waiting_ms, now);
		m->waiting_ms = 0;
	}
}

void
readmark_renumbered(struct buffer *b)
{
	struct readmark *m = &b->mark;

	/* Only a marker already shown moves; merged history seen on
	 * screen gets none (its own gap line says what is new). */
	m->first_new = m->first_new > 0 && m->read_ms > 0 ?
	    first_after(b, b->seq - b->count, m->read_ms) : 0;
}

void
readmark_left(struct buffer *b)
{
	b->mark.first_new = 0;
	b->mark.looked_ms = 0;
}

void
readmark_selected(struct buffer *b)
{
	b->mark.looked_ms = time_now_ms();
	readmark_looked(b);
}

uint64_t
readmark_line(const struct buffer *b)
{
	uint64_t s = b->mark.first_new;

	return s >= b->seq - b->count + 1 && s <= b->seq ? s : 0;
}
