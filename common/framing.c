/*
 * Whole lines out of a byte stream, with a hard cap. The buffer exists
 * only while bytes are pending: an idle connection holds no memory.
 * Empty lines (a bare LF or CRLF) are skipped here: RFC 2812 section
 * 2.3.1 says empty messages are silently ignored, so no caller wants them.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "irc.h"
#include "util.h"

void
frame_init(struct frame *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	f->max = max;
}

static void
frame_release(struct frame *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = f->pos = f->size = 0;
}

void
frame_free(struct frame *f)
{
	frame_release(f);
	f->skipping = f->report = false;
}

/*
 * The buffer is full (pos 0) and the caller wants more room without having
 * called frame_next. Without a LF it holds the head of an overlong line:
 * drop it and skip to the next LF. With one, while skipping, the head up to
 * that LF is the overlong line's rest; otherwise the caller has not taken
 * its lines and the first is dropped to make room (frame_push's contract).
 */
static void
frame_overflow(struct frame *f)
{
	char *lf = memchr(f->buf, '\n', f->len);

	if (lf != NULL) {
		size_t keep = f->len - (size_t)(lf + 1 - f->buf);
		memmove(f->buf, lf + 1, keep);
		f->len = keep;
		f->skipping = false;
		return;
	}
	if (!f->skipping)
		f->report = true;
	f->skipping = true;
	f->len = 0;
}

char *
frame_space(struct frame *f, size_t *avail)
{
	if (f->max == 0) {
		*avail = 0;
		return NULL;
	}
	if (f->buf == NULL) {
		f->buf = xmalloc(f->max);
		f->size = f->max;
		f->len = f->pos = 0;
	}
	if (f->pos > 0) {
		memmove(f->buf, f->buf + f->pos, f->len - f->pos);
		f->len -= f->pos;
		f->pos = 0;
	}
	if (f->len == f->size)
		frame_overflow(f);
	*avail = f->size - f->len;
	return f->buf + f->len;
}

void
frame_commit(struct frame *f, size_t n)
{
	f->len += n;
}

/*
 * Data that holds a LF may complete lines the caller will take right after:
 * the buffer grows to keep them all (bounded by what the caller already
 * holds) and frame_next skips those that are too long. Data without a LF
 * only extends the pending line, so it goes through the capped path.
 */
void
frame_push(struct frame *f, const char *data, size_t n)
{
	size_t pending = f->buf != NULL ? f->len - f->pos : 0, avail;
	char *p;

	if (n > 0 && f->max > 0 && pending + n > f->max &&
	    memchr(data, '\n', n) != NULL) {
		p = frame_space(f, &avail);
		if (avail < n) {
			f->buf = xrealloc(f->buf, f->len + n);
			f->size = f->len + n;
			p = f->buf + f->len;
		}
		memcpy(p, data, n);
		frame_commit(f, n);
		return;
	}
	while (n > 0) {
		size_t k;

		if ((p = frame_space(f, &avail)) == NULL)
			return;
		k = n < avail ? n : avail;
		memcpy(p, data, k);
		frame_commit(f, k);
		data += k;
		n -= k;
	}
}

enum frame_status
frame_next(struct frame *f, char **line, size_t *len)
{
	char *start, *lf;
	size_t n;

	if (f->report) {
		f->report = false;
		return FRAME_OVERLONG;
	}
	for (;;) {
		if (f->buf == NULL)
			return FRAME_NONE;
		if (f->pos == f->len) {
			frame_release(f);
			return FRAME_NONE;
		}
		start = f->buf + f->pos;
		lf = memchr(start, '\n', f->len - f->pos);
		if (f->skipping) {
			if (lf == NULL) {
				frame_release(f);
				return FRAME_NONE;
			}
			f->skipping = false;
			f->pos = (size_t)(lf + 1 - f->buf);
			continue;
		}
		if (lf == NULL) {
			if (f->len - f->pos < f->max)
				return FRAME_NONE;
			/* max bytes and no LF: the line is too long. */
			f->skipping = true;
			frame_release(f);
			return FRAME_OVERLONG;
		}
		f->pos = (size_t)(lf + 1 - f->buf);
		n = (size_t)(lf - start);
		if (n + 1 > f->max)	/* only in a buffer frame_push grew */
			return FRAME_OVERLONG;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		start[n] = '\0';
		*line = start;
		*len = n;
		return FRAME_LINE;
	}
}
