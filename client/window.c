/*
 * The model: buffers with their scrollback rings, views and nick lists.
 * Nothing here draws; it marks what changed in `dirty` for ui.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "natter.h"

struct self self;
unsigned dirty = DIRTY_ALL;
struct buffer *windows[WINDOW_MAX];
size_t nwindows;
size_t window_cur;
size_t window_scrollback = SCROLLBACK_DEFAULT;
char status_note[128];

static struct buffer *
buffer_new(const char *name, enum buffer_kind kind)
{
	struct buffer *b = xcalloc(1, sizeof(*b));

	str_copy(b->name, name, sizeof(b->name));
	b->kind = kind;
	b->cap = window_scrollback;
	chathist_init(&b->hist);
	b->search_at = -1;
	return b;
}

static void
buffer_free(struct buffer *b)
{
	chathist_free(&b->hist);
	comp_list_free(&b->spoke);
	logfile_close(&b->log);
	buffer_clear(b);
	free(b->lines);
	free(b->nicks);
	free(b->topic);
	edit_free(&b->edit);
	free(b);
}

void
window_init(const char *name)
{
	windows[0] = buffer_new(name, BUFFER_SERVER);
	nwindows = 1;
	window_cur = 0;
	dirty = DIRTY_ALL;
}

void
window_free_all(void)
{
	for (size_t i = 0; i < nwindows; i++)
		buffer_free(windows[i]);
	nwindows = window_cur = 0;
}

struct buffer *
window_server(void)
{
	return windows[0];
}

struct buffer *
window_current(void)
{
	return windows[window_cur];
}

struct buffer *
window_find(const char *name)
{
	for (size_t i = 0; i < nwindows; i++)
		if (irc_casecmp(windows[i]->name, name) == 0)
			return windows[i];
	return NULL;
}

struct buffer *
window_open(const char *name, enum buffer_kind kind)
{
	struct buffer *b = window_find(name);

	if (b != NULL)
		return b;
	if (nwindows == WINDOW_MAX)
		return windows[0];
	b = buffer_new(name, kind);
	windows[nwindows++] = b;
	dirty |= DIRTY_STATUS;
	return b;
}

size_t
window_index(const struct buffer *b)
{
	for (size_t i = 0; i < nwindows; i++)
		if (windows[i] == b)
			return i;
	return 0;
}

void
window_select(size_t i)
{
	if (i >= nwindows)
		return;
	if (window_cur < nwindows && window_cur != i)
		readmark_left(windows[window_cur]);
	window_cur = i;
	windows[i]->activity = ACT_NONE;
	windows[i]->unread = 0;
	dirty = DIRTY_ALL;
	if (!windows[i]->scrolled)
		readmark_selected(windows[i]);
}

void
window_close(size_t i)
{
	if (i == 0 || i >= nwindows)
		return;
	buffer_free(windows[i]);
	memmove(windows + i, windows + i + 1,
	    (nwindows - i - 1) * sizeof(windows[0]));
	nwindows--;
	if (window_cur >= i && window_cur > 0)
		window_cur--;
	window_select(window_cur);
}

const struct line *
buffer_line(const struct buffer *b, uint64_t seq)
{
	uint64_t oldest = b->seq - b->count;

	if (seq >= b->seq || seq < oldest)
		return NULL;
	return b->lines[(b->first + (seq - oldest)) % b->cap];
}

static struct line *
line_make(int64_t time, enum line_kind kind, unsigned flags, const char *nick,
    const char *text, const char *msgid, const char *note)
{
	size_t nl = strlen(nick), tl = strlen(text);
	size_t il = msgid != NULL ? strlen(msgid) : 0;
	size_t ol = note != NULL ? strlen(note) : 0;
	struct line *l;
	char *p;

	if (nl > 255)
		nl = utf8_truncate(nick, nl, 255);
	if (tl > LINE_TEXT_MAX)
		tl = utf8_truncate(text, tl, LINE_TEXT_MAX);
	if (il > IRC_MSGID_MAX)
		il = 0;		/* cut, it would match nothing */
	if (ol > LINE_NOTE_MAX)
		ol = utf8_truncate(note, ol, LINE_NOTE_MAX);
	l = xmalloc(sizeof(*l) + nl + tl + il + ol + 4);
	l->time = time;
	l->kind = (uint8_t)kind;
	l->flags = (uint8_t)flags;
	l->nicklen = (uint8_t)nl;
	l->textlen = (uint16_t)tl;
	l->idlen = (uint8_t)il;
	p = l->data;
	memcpy(p, nick, nl);
	p[nl] = '\0';
	p += nl + 1;
	memcpy(p, text, tl);
	p[tl] = '\0';
	p += tl + 1;
	if (il > 0)
		memcpy(p, msgid, il);
	p[il] = '\0';
	p += il + 1;
	if (ol > 0)
		memcpy(p, note, ol);
	p[ol] = '\0';
	return l;
}

static struct line *
line_new(int64_t time, enum line_kind kind, unsigned flags, const char *nick,
    const char *text)
{
	return line_make(time, kind, flags, nick, text, NULL, NULL);
}

bool
window_same_day(int64_t a_ms, int64_t b_ms)
{
	time_t a = (time_t)(a_ms / 1000), b = (time_t)(b_ms / 1000);
	struct tm ta, tb;

	if (localtime_r(&a, &ta) == NULL || localtime_r(&b, &tb) == NULL)
		return true;
	return ta.tm_year == tb.tm_year && ta.tm_yday == tb.tm_yday;
}

size_t
window_day_text(char *buf, size_t cap, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	char wday[32], month[64];
	struct tm tm;
	int n;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(wday, sizeof(wday), "%A", &tm) == 0 ||
	    strftime(month, sizeof(month), "%B %Y", &tm) == 0)
		return 0;
	n = snprintf(buf, cap, "%s %d %s", wday, tm.tm_mday, month);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static void buffer_heard(struct buffer *b, enum line_kind kind,
    unsigned flags, int64_t time);

static struct line *
day_line(int64_t ms)
{
	char text[128];

	window_day_text(text, sizeof(text), ms);
	return line_new(ms, LINE_DAY, 0, "", text);
}

/*
 * Lines go in front of the oldest one. The ring is rebuilt with first at
 * 0 and the size buffer_add's growth expects for the new count. Line
 * numbers start at 0, so every line already there moves up by as many
 * (seq and a scrolled view's anchor too), and the view stays where it is.
 * drop says how many of the oldest lines go first.
 */
static void
ring_prepend(struct buffer *b, struct line **add, size_t nadd, size_t drop)
{
	size_t n = b->count - drop + nadd, size = 64;
	struct line **lines;

	while (size < n)
		size *= 2;
	if (size > b->cap)
		size = b->cap;
	lines = xreallocarray(NULL, size, sizeof(*lines));
	for (size_t i = 0; i < nadd; i++)
		lines[i] = add[i];
	for (size_t i = 0; i < drop; i++)
		free(b->lines[(b->first + i) % b->cap]);
	for (size_t i = drop; i < b->count; i++)
		lines[nadd + i - drop] = b->lines[(b->first + i) % b->cap];
	free(b->lines);
	b->lines = lines;
	b->first = 0;
	b->count = n;
	b->seq += nadd - drop;
	b->log.next_seq += nadd - drop;
	if (b->scrolled)
		b->anchor += nadd - drop;
	/* Line numbers + 1, 0 for none: they move with their lines. */
	if (b->selected > 0)
		b->selected += nadd - drop;
	if (b->mark.first_new > 0)
		b->mark.first_new += nadd - drop;
	if (b == window_current())
		dirty |= DIRTY_HISTORY;
}

/*
 * Older history (CHATHISTORY BEFORE) goes in front of the oldest line,
 * with the day lines buffer_add would have put: one above it unless it
 * is today's, and one between it and the next line of another day (the
 * day line that headed the buffer moves up when it is the same day).
 */
bool
buffer_prepend(struct buffer *b, int64_t time, enum line_kind kind,
    unsigned flags, const char *nick, const char *text, const char *msgid)
{
	const struct line *f = buffer_line(b, b->seq - b->count);
	bool head = time > 0 && !window_same_day(time, time_now_ms());
	bool drop = f != NULL && f->kind == LINE_DAY &&
	    window_same_day(f->time, time);
	bool between = f != NULL && f->kind != LINE_DAY && f->time > 0 &&
	    time > 0 && !window_same_day(f->time, time);
	struct line *add[3];
	size_t nadd = 0;

	if (b->count - drop + head + 1 + between > b->cap)
		return false;
	if (head)
		add[nadd++] = day_line(time);
	add[nadd++] = line_make(time, kind, flags, nick, text, msgid, NULL);
	if (between)
		add[nadd++] = day_line(f->time);
	ring_prepend(b, add, nadd, drop);
	return true;
}

/* Append l to b's ring, the oldest line going when it is full. */
static void
ring_push(struct buffer *b, struct line *l)
{
	if (b->count == b->cap) {
		free(b->lines[b->first]);
		b->lines[b->first] = l;
		b->first = (b->first + 1) % b->cap;
	} else {
		/* The ring only wraps once full, so first is 0 while it
		 * grows and a plain realloc keeps the order. */
		size_t alloc = b->count == 0 ? 0 : b->count;
		if (b->lines == NULL || (alloc & (alloc - 1)) == 0) {
			size_t n = alloc < 64 ? 64 : alloc * 2;
			if (n > b->cap)
				n = b->cap;
			b->lines = xreallocarray(b->lines, n, sizeof(*b->lines));
		}
		b->lines[(b->first + b->count) % b->cap] = l;
		b->count++;
	}
	b->seq++;
}

void
buffer_add(struct buffer *b, int64_t time, enum line_kind kind,
    unsigned flags, const char *nick, const char *text)
{
	buffer_add_msg(b, time, kind, flags, nick, text, NULL);
}

bool
buffer_find_msgid(const struct buffer *b, const char *msgid, uint64_t *seq)
{
	if (msgid == NULL || msgid[0] == '\0')
		return false;
	for (uint64_t s = b->seq; s-- > b->seq - b->count;) {
		const struct line *l = buffer_line(b, s);
		if (l->idlen > 0 && strcmp(LINE_MSGID(l), msgid) == 0) {
			*seq = s;
			return true;
		}
	}
	return false;
}

bool
buffer_line_edit(struct buffer *b, uint64_t seq, const char *text,
    const char *note, unsigned flags)
{
	const struct line *old = buffer_line(b, seq);
	struct line *l;
	size_t at;

	if (old == NULL)
		return false;
	l = line_make(old->time, old->kind, old->flags | flags, LINE_NICK(old),
	    text != NULL ? text : LINE_TEXT(old), LINE_MSGID(old),
	    note != NULL ? note : LINE_NOTE(old));
	at = (b->first + (seq - (b->seq - b->count))) % b->cap;
	free(b->lines[at]);
	b->lines[at] = l;
	if (b == window_current())
		dirty |= DIRTY_HISTORY;
	return true;
}

void
buffer_add_msg(struct buffer *b, int64_t time, enum line_kind kind,
    unsigned flags, const char *nick, const char *text, const char *msgid)
{
	struct line *l = line_make(time, kind, flags, nick, text, msgid, NULL);
	const struct line *prev = buffer_line(b, b->seq - 1);

	/* A day line between lines of different local days, and above a
	 * first line that is not today's (old history). Lines without a
	 * time (0) are left alone. */
	if (time > 0 && (prev == NULL ? !window_same_day(time, time_now_ms()) :
	    prev->time > 0 && !window_same_day(prev->time, time)))
		ring_push(b, day_line(time));
	ring_push(b, l);
	logfile_flush(b);
	/* Line mode has no screen: its errors go to standard error. */
	if (kind == LINE_ERROR)
		pipe_error(text);
	if (kind == LINE_MSG || kind == LINE_ACTION || kind == LINE_NOTICE)
		readmark_added(b, b->seq - 1, time, flags);
	buffer_heard(b, kind, flags, time);
}

/* A line arrived in b: redraw it, or count it for the status line. */
static void
buffer_heard(struct buffer *b, enum line_kind kind, unsigned flags,
    int64_t time)
{
	bool message = kind == LINE_MSG || kind == LINE_ACTION ||
	    kind == LINE_NOTICE;
	if (b == window_current()) {
		dirty |= b->scrolled ? DIRTY_STATUS : DIRTY_HISTORY;
		if (message && !b->scrolled)
			readmark_looked(b);
		return;
	}
	/* Read already (history older than the read marker): no news. */
	if (message && time > 0 && time <= b->mark.read_ms)
		return;
	enum activity act = ACT_EVENT;
	if (message) {
		act = ACT_MSG;
		if ((flags & LINE_HIGHLIGHT) || b->kind == BUFFER_QUERY)
			act = ACT_HOT;
		if (!(flags & LINE_SELF))
			b->unread++;
	}
	if (act > b->activity)
		b->activity = act;
	dirty |= DIRTY_STATUS;
}

/* Does a day line go above a line at time t after one at prev (0: the
 * first line)? Lines without a time (0) are left alone. */
static bool
day_between(int64_t prev, int64_t t)
{
	if (t <= 0)
		return false;
	return prev == 0 ? !window_same_day(t, time_now_ms()) :
	    prev > 0 && !window_same_day(prev, t);
}

/* The sequence number line l has in b now, or b->seq if it is gone. */
static uint64_t
ring_find(const struct buffer *b, const struct line *l)
{
	for (size_t i = 0; i < b->count; i++)
		if (b->lines[(b->first + i) % b->cap] == l)
			return b->seq - b->count + i;
	return b->seq;
}

size_t
buffer_merge(struct buffer *b, const struct chathist_line *add, size_t nadd,
    bool gap)
{
	size_t nold = b->count, n = 0, i = 0, j = 0, size = 64;
	struct line **old = xreallocarray(NULL, nold + 1, sizeof(*old));
	struct line **lines;
	const struct line *anchor = NULL, *logged = NULL;
	uint64_t first_new = UINT64_MAX;

	if (nadd == 0) {
		free(old);
		return 0;
	}
	/* What the view and the log point at, by line, not by number:
	 * numbers change below. A day line is made again, so its next
	 * line stands for it. */
	for (size_t k = 0; k < nold; k++)
		old[k] = b->lines[(b->first + k) % b->cap];
	old[nold] = NULL;
	if (b->scrolled && b->anchor >= b->seq - nold && b->anchor < b->seq) {
		size_t k = (size_t)(b->anchor - (b->seq - nold));
		while (k < nold && old[k]->kind == LINE_DAY)
			k++;
		anchor = old[k];
	}
	if (b->log.next_seq >= b->seq - nold && b->log.next_seq < b->seq)
		logged = old[b->log.next_seq - (b->seq - nold)];

	/* Merge by time, the buffer's lines first on a tie; the old day
	 * lines go and are made again where the days now change. */
	lines = xreallocarray(NULL, 2 * (nold + nadd) + 2, sizeof(*lines));
	int64_t prev = 0;
	while (i < nold || j < nadd) {
		struct line *l;
		if (i < nold && old[i]->kind == LINE_DAY) {
			if (old[i] == logged)
				logged = old[i + 1];
			free(old[i++]);
			continue;
		}
		bool take_new = j < nadd &&
		    (i == nold || add[j].time < old[i]->time);
		if (take_new && j == 0 && gap) {
			char text[64];
			snprintf(text, sizeof(text), "%zu missed line%s", nadd,
			    nadd == 1 ? "" : "s");
			if (day_between(prev, add[0].time)) {
				lines[n++] = day_line(add[0].time);
				prev = add[0].time;
			}
			lines[n++] = line_new(add[0].time, LINE_GAP, 0, "", text);
			if (first_new == UINT64_MAX)
				first_new = n - 1;
		}
		if (take_new) {
			const struct chathist_line *a = &add[j++];
			/* With its msgid: a gap-filled line is reacted to
			 * and deleted like one that came live. */
			l = line_make(a->time, a->kind, a->flags, a->nick,
			    a->text, a->msgid, NULL);
			if (first_new == UINT64_MAX)
				first_new = n;
			buffer_heard(b, a->kind, a->flags, a->time);
		} else
			l = old[i++];
		if (day_between(prev, l->time))
			lines[n++] = day_line(l->time);
		if (l->time > 0)
			prev = l->time;
		lines[n++] = l;
	}
	free(old);

	/* Past the scrollback, the oldest go. */
	size_t drop = n > b->cap ? n - b->cap : 0;
	for (size_t k = 0; k < drop; k++)
		free(lines[k]);
	while (size < n - drop)
		size *= 2;
	if (size > b->cap)
		size = b->cap;
	free(b->lines);
	b->lines = xreallocarray(NULL, size, sizeof(*b->lines));
	memcpy(b->lines, lines + drop, (n - drop) * sizeof(*lines));
	free(lines);
	b->first = 0;
	b->seq += n - drop - nold;
	b->count = n - drop;
	/* Lines moved: the selection goes, the marker is found again. */
	b->selected = 0;
	readmark_renumbered(b);
	if (anchor != NULL) {
		uint64_t at = ring_find(b, anchor);
		b->anchor = at < b->seq ? at : b->seq - b->count;
	}
	b->search_at = -1;
	/* The log goes on from its first unwritten line, or from the first
	 * merged one if that is earlier. */
	uint64_t base = b->seq - b->count;
	b->log.next_seq = logged != NULL ? ring_find(b, logged) : b->seq;
	if (first_new != UINT64_MAX && first_new >= drop &&
	    base + (first_new - drop) < b->log.next_seq)
		b->log.next_seq = base + (first_new - drop);
	else if (first_new != UINT64_MAX && first_new < drop &&
	    base < b->log.next_seq)
		b->log.next_seq = base;
	if (b == window_current())
		dirty |= DIRTY_HISTORY | DIRTY_STATUS;
	return nadd;
}

void
buffer_set_topic(struct buffer *b, const char *topic)
{
	free(b->topic);
	b->topic = topic[0] != '\0' ? xstrdup(topic) : NULL;
	if (b == window_current())
		dirty |= DIRTY_STATUS;
}

void
buffer_addf(struct buffer *b, enum line_kind kind, const char *fmt, ...)
{
	char text[LINE_TEXT_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	buffer_add(b, time_now_ms(), kind, 0, "", text);
}

void
buffer_clear(struct buffer *b)
{
	for (size_t i = 0; i < b->count; i++)
		free(b->lines[(b->first + i) % b->cap]);
	free(b->lines);
	b->lines = NULL;
	b->first = b->count = 0;
	b->scrolled = false;
	if (b == window_current())
		dirty |= DIRTY_HISTORY | DIRTY_STATUS;
}

void
buffer_rename(struct buffer *b, const char *name)
{
	str_copy(b->name, name, sizeof(b->name));
	dirty |= DIRTY_STATUS;
}

size_t
buffer_line_rows(const struct buffer *b, uint64_t seq, int cols)
{
	return render_rows(buffer_line(b, seq), cols) +
	    (readmark_line(b) == seq + 1);
}

/* Moving the view is counted in rows; lines are as tall as they wrap. */
void
buffer_scroll(struct buffer *b, long rows, int cols)
{
	uint64_t oldest = b->seq - b->count;
	size_t h;

	if (b->count == 0 || rows == 0)
		return;
	if (!b->scrolled) {
		if (rows < 0)
			return;
		b->anchor = b->seq - 1;
		b->skip = 0;
	}
	if (b->anchor < oldest) {
		b->anchor = oldest;
		b->skip = 0;
	}
	if (b == window_current())
		dirty |= DIRTY_HISTORY | DIRTY_STATUS;
	b->scrolled = true;
	while (rows > 0) {
		h = buffer_line_rows(b, b->anchor, cols);
		if (b->skip > h - 1)
			b->skip = h - 1;	/* the width changed */
		if (b->skip + (size_t)rows <= h - 1) {
			b->skip += (size_t)rows;
			return;
		}
		if (b->anchor == oldest) {
			b->skip = h - 1;
			return;
		}
		rows -= (long)(h - b->skip);
		b->anchor--;
		b->skip = 0;
	}
	while (rows < 0) {
		if ((size_t)-rows <= b->skip) {
			b->skip -= (size_t)-rows;
			break;
		}
		rows += (long)b->skip + 1;
		if (++b->anchor >= b->seq) {
			buffer_scroll_bottom(b);
			return;
		}
		b->skip = buffer_line_rows(b, b->anchor, cols) - 1;
	}
	if (b->anchor == b->seq - 1 && b->skip == 0)
		buffer_scroll_bottom(b);
}

void
buffer_scroll_top(struct buffer *b, int cols)
{
	if (b->count == 0)
		return;
	b->scrolled = true;
	b->anchor = b->seq - b->count;
	b->skip = buffer_line_rows(b, b->anchor, cols) - 1;
	if (b == window_current())
		dirty |= DIRTY_HISTORY | DIRTY_STATUS;
}

void
buffer_scroll_bottom(struct buffer *b)
{
	bool was = b->scrolled;

	b->scrolled = false;
	b->skip = 0;
	if (b == window_current()) {
		dirty |= DIRTY_HISTORY | DIRTY_STATUS;
		if (was)
			readmark_looked(b);
	}
}

uint64_t
buffer_unseen(const struct buffer *b)
{
	return b->scrolled ? b->seq - 1 - b->anchor : 0;
}

/* Rank of a prefix string: the position of its first char in PREFIX. */
static size_t
nick_rank(const struct nick *n)
{
	const char *p = n->prefix[0] != '\0' ?
	    strchr(self.prefix_chars, n->prefix[0]) : NULL;

	return p != NULL ? (size_t)(p - self.prefix_chars) : sizeof(self.prefix_chars);
}

static int
nick_cmp(const struct nick *a, const struct nick *b)
{
	size_t ra = nick_rank(a), rb = nick_rank(b);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return irc_casecmp(a->name, b->name);
}

static size_t
nick_index(const struct buffer *b, const char *name)
{
	for (size_t i = 0; i < b->nnicks; i++)
		/* Names are kept cut to IRC_NICK_MAX: compare as kept, or a
		 * server's overlong nick would be listed once per mention. */
		if (irc_ncasecmp(b->nicks[i].name, name, IRC_NICK_MAX) == 0)
			return i;
	return b->nnicks;
}

struct nick *
nick_find(struct buffer *b, const char *name)
{
	size_t i = nick_index(b, name);

	return i < b->nnicks ? &b->nicks[i] : NULL;
}

/* Put n in its sorted place (it is not in the list). */
static void
nick_insert(struct buffer *b, const struct nick *n)
{
	size_t lo = 0, hi = b->nnicks;

	if (b->nnicks == b->nickcap) {
		b->nickcap = b->nickcap == 0 ? 16 : b->nickcap * 2;
		b->nicks = xreallocarray(b->nicks, b->nickcap, sizeof(*b->nicks));
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (nick_cmp(&b->nicks[mid], n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(b->nicks + lo + 1, b->nicks + lo,
	    (b->nnicks - lo) * sizeof(*b->nicks));
	b->nicks[lo] = *n;
	b->nnicks++;
	if (b == window_current())
		dirty |= DIRTY_NICKS;
}

static void
nick_take(struct buffer *b, size_t i, struct nick *out)
{
	*out = b->nicks[i];
	memmove(b->nicks + i, b->nicks + i + 1,
	    (b->nnicks - i - 1) * sizeof(*b->nicks));
	b->nnicks--;
	if (b == window_current())
		dirty |= DIRTY_NICKS;
}

void
nick_add(struct buffer *b, const char *name, const char *prefix)
{
	struct nick n;
	size_t i = nick_index(b, name);

	if (i < b->nnicks)
		nick_take(b, i, &n);
	else
		memset(&n, 0, sizeof(n));
	str_copy(n.name, name, sizeof(n.name));
	str_copy(n.prefix, prefix, sizeof(n.prefix));
	nick_insert(b, &n);
}

bool
nick_remove(struct buffer *b, const char *name)
{
	struct nick n;
	size_t i = nick_index(b, name);

	if (i == b->nnicks)
		return false;
	nick_take(b, i, &n);
	return true;
}

bool
nick_rename(struct buffer *b, const char *old, const char *name)
{
	struct nick n;
	size_t i = nick_index(b, old);

	if (i == b->nnicks)
		return false;
	nick_take(b, i, &n);
	/* Renamed onto a nick already listed (only a confused or hostile
	 * server says so): that entry is stale; a nick is listed once. */
	nick_remove(b, name);
	str_copy(n.name, name, sizeof(n.name));
	nick_insert(b, &n);
	return true;
}

void
nick_set_prefix(struct buffer *b, const char *name, char c, bool add)
{
	struct nick n;
	size_t i = nick_index(b, name), k = 0;
	char prefix[sizeof(n.prefix)];

	if (i == b->nnicks)
		return;
	nick_take(b, i, &n);
	/* Rebuild in PREFIX order, so the highest status comes first. */
	for (const char *p = self.prefix_chars; *p != '\0'; p++) {
		bool has = strchr(n.prefix, *p) != NULL;
		if (*p == c)
			has = add;
		if (has && k + 1 < sizeof(prefix))
			prefix[k++] = *p;
	}
	prefix[k] = '\0';
	memcpy(n.prefix, prefix, sizeof(prefix));
	nick_insert(b, &n);
}

void
nick_clear(struct buffer *b)
{
	b->nnicks = 0;
	b->nickscroll = 0;
	if (b == window_current())
		dirty |= DIRTY_NICKS;
}
