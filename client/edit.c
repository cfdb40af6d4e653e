/*
 * The input line: a wchar_t buffer with a cursor, readline-like moves and
 * kills, one kill buffer shared by every buffer's line (so text cut in one
 * window can be yanked in another), and a history per buffer.
 * Words are runs of non-space characters.
 */
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "natter.h"

static wchar_t kill_buf[EDIT_MAX];
static size_t kill_len;

void
edit_free(struct edit *e)
{
	for (size_t i = 0; i < e->nhist; i++)
		free(e->hist[i]);
	free(e->draft);
	memset(e, 0, sizeof(*e));
}

bool
edit_insert(struct edit *e, wchar_t c)
{
	if (e->len >= EDIT_MAX)
		return false;
	wmemmove(e->buf + e->pos + 1, e->buf + e->pos, e->len - e->pos);
	e->buf[e->pos++] = c;
	e->len++;
	return true;
}

static void
edit_delete(struct edit *e, size_t from, size_t to, bool save)
{
	if (to <= from)
		return;
	if (save) {
		kill_len = to - from;
		wmemcpy(kill_buf, e->buf + from, kill_len);
	}
	wmemmove(e->buf + from, e->buf + to, e->len - to);
	e->len -= to - from;
	if (e->pos >= to)
		e->pos -= to - from;
	else if (e->pos > from)
		e->pos = from;
}

static size_t
word_left(const struct edit *e)
{
	size_t i = e->pos;

	while (i > 0 && iswspace((wint_t)e->buf[i - 1]))
		i--;
	while (i > 0 && !iswspace((wint_t)e->buf[i - 1]))
		i--;
	return i;
}

static size_t
word_right(const struct edit *e)
{
	size_t i = e->pos;

	while (i < e->len && iswspace((wint_t)e->buf[i]))
		i++;
	while (i < e->len && !iswspace((wint_t)e->buf[i]))
		i++;
	return i;
}

/* A character and the combining marks after it move and delete as one. */
static size_t
char_right(const struct edit *e, size_t i)
{
	if (i < e->len)
		i++;
	while (i < e->len && utf_width(e->buf[i]) == 0)
		i++;
	return i;
}

static size_t
char_left(const struct edit *e, size_t i)
{
	while (i > 0 && utf_width(e->buf[i - 1]) == 0)
		i--;
	if (i > 0)
		i--;
	return i;
}

static void
edit_load(struct edit *e, const char *s)
{
	e->len = utf_decode(s, strlen(s), e->buf, EDIT_MAX);
	e->pos = e->len;
	e->scroll = 0;
}

void
edit_set(struct edit *e, const char *s)
{
	edit_load(e, s);
}

void
edit_op(struct edit *e, enum edit_op op)
{
	char line[EDIT_MAX * 4 + 1];
	size_t i;

	switch (op) {
	case EDIT_LEFT: e->pos = char_left(e, e->pos); break;
	case EDIT_RIGHT: e->pos = char_right(e, e->pos); break;
	case EDIT_HOME: e->pos = 0; break;
	case EDIT_END: e->pos = e->len; break;
	case EDIT_WORD_LEFT: e->pos = word_left(e); break;
	case EDIT_WORD_RIGHT: e->pos = word_right(e); break;
	case EDIT_BACKSPACE:
		/* Backspace takes one code point: a combining mark typed last
		 * goes first, as in every terminal editor. */
		if (e->pos > 0)
			edit_delete(e, e->pos - 1, e->pos, false);
		break;
	case EDIT_DELETE:
		edit_delete(e, e->pos, char_right(e, e->pos), false);
		break;
	case EDIT_KILL_WORD_BACK: edit_delete(e, word_left(e), e->pos, true); break;
	case EDIT_KILL_WORD_FWD: edit_delete(e, e->pos, word_right(e), true); break;
	case EDIT_KILL_BOL: edit_delete(e, 0, e->pos, true); break;
	case EDIT_KILL_EOL: edit_delete(e, e->pos, e->len, true); break;
	case EDIT_YANK:
		for (i = 0; i < kill_len; i++)
			if (!edit_insert(e, kill_buf[i]))
				break;
		break;
	case EDIT_HIST_PREV:
		if (e->histpos == 0)
			break;
		if (e->histpos == e->nhist) {
			edit_get(e, line, sizeof(line));
			free(e->draft);
			e->draft = xstrdup(line);
		}
		edit_load(e, e->hist[--e->histpos]);
		break;
	case EDIT_HIST_NEXT:
		if (e->histpos >= e->nhist)
			break;
		if (++e->histpos == e->nhist) {
			edit_load(e, e->draft != NULL ? e->draft : "");
			free(e->draft);
			e->draft = NULL;
		} else
			edit_load(e, e->hist[e->histpos]);
		break;
	}
}

size_t
edit_get(const struct edit *e, char *out, size_t cap)
{
	return utf_encode(e->buf, e->len, out, cap);
}

size_t
edit_take(struct edit *e, char *out, size_t cap)
{
	size_t n = edit_get(e, out, cap);

	if (n > 0 && (e->nhist == 0 || strcmp(e->hist[e->nhist - 1], out) != 0)) {
		if (e->nhist == EDIT_HIST_MAX) {
			free(e->hist[0]);
			memmove(e->hist, e->hist + 1,
			    (EDIT_HIST_MAX - 1) * sizeof(e->hist[0]));
			e->nhist--;
		}
		e->hist[e->nhist++] = xstrdup(out);
	}
	e->histpos = e->nhist;
	free(e->draft);
	e->draft = NULL;
	e->len = e->pos = e->scroll = 0;
	return n;
}

static int
span_width(const struct edit *e, size_t from, size_t to)
{
	int w = 0;

	for (size_t i = from; i < to; i++)
		w += utf_width(e->buf[i]);
	return w;
}

int
edit_view(struct edit *e, int cols)
{
	int w;

	if (cols < 2)
		cols = 2;
	/* The cursor needs a cell of its own at the end: cols - 1. */
	if (span_width(e, 0, e->len) <= cols - 1)
		e->scroll = 0;
	if (e->scroll > e->pos)
		e->scroll = e->pos;
	w = span_width(e, e->scroll, e->pos);
	while (w > cols - 1 && e->scroll < e->pos)
		w -= utf_width(e->buf[e->scroll++]);
	/* Never start the view on a combining mark. */
	while (e->scroll < e->pos && utf_width(e->buf[e->scroll]) == 0)
		e->scroll++;
	return span_width(e, e->scroll, e->pos);
}
