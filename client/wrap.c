/*
 * Word wrap by display columns (wcwidth), and the layout of one history
 * line: "HH:MM <nick> text" with a hanging indent under the text.
 */
#include <string.h>
#include <time.h>

#include "natter.h"

size_t
wrap_rows(const wchar_t *w, size_t n, int cols, int indent, size_t *starts,
    size_t max)
{
	size_t rows = 0, i = 0;

	if (cols < 1)
		cols = 1;
	/* A continuation row must have room for at least two columns (one
	 * wide character), or the indent goes. */
	if (indent < 0 || indent > cols - 2)
		indent = 0;
	for (;;) {
		size_t rowstart = i, brk = 0;
		int col = rows == 0 ? 0 : indent;

		if (rows < max)
			starts[rows] = i;
		rows++;
		while (i < n) {
			int cw;

			/* A line break of a multiline message ends the row;
			 * the next starts after it, indented. */
			if (w[i] == L'\n')
				break;
			cw = utf_width(w[i]);

			/* The first character always goes, so rows narrower
			 * than a wide character still make progress. */
			if (col + cw > cols && i > rowstart)
				break;
			col += cw;
			/* Spaces inside the prefix ("HH:MM <nick> ") are no
			 * place to break: that would leave the nick alone. */
			if (w[i] == L' ' && col > indent)
				brk = i + 1;
			i++;
		}
		if (i >= n)
			break;
		if (w[i] == L'\n') {
			i++;
			continue;
		}
		if (w[i] == L' ') {
			/* The space that did not fit is the break itself. */
			while (i < n && w[i] == L' ')
				i++;
			if (i >= n)
				break;
		} else if (brk > rowstart)
			i = brk;
		/* else: one long word, broken before the character that did
		 * not fit; combining marks are zero wide, so they stay. */
	}
	return rows;
}

int
render_nick_color(const char *nick)
{
	static const int8_t palette[] = { 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13 };

	return palette[irc_casehash(nick) % nitems(palette)];
}

/* Append UTF-8 s in style st (mIRC codes honoured when mirc). */
static void
render_put(struct render *r, const char *s, struct style st, bool mirc)
{
	size_t n = strlen(s);

	if (mirc) {
		r->n += mirc_decode(s, n, &st, r->w + r->n, r->st + r->n,
		    RENDER_MAX - r->n);
		return;
	}
	size_t i = 0;
	while (i < n && r->n < RENDER_MAX) {
		r->w[r->n] = utf_next(s, n, &i);
		if (r->w[r->n] < 0x20 || r->w[r->n] == 0x7f)
			r->w[r->n] = L'?';
		r->st[r->n++] = st;
	}
}

static int
render_cols(const struct render *r)
{
	int c = 0;

	for (size_t i = 0; i < r->n; i++)
		c += utf_width(r->w[i]);
	return c;
}

const char *render_time_format = RENDER_TIME_FORMAT;

size_t
render_stamp(char *out, size_t cap, const char *fmt, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (cap == 0)
		return 0;
	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	/* strftime's 0 is both "empty" and "too long": either way, none. */
	if ((n = strftime(out, cap, fmt, &tm)) == 0)
		out[0] = '\0';
	return n;
}

bool
render_time_format_ok(const char *fmt, char *err, size_t cap)
{
	char out[RENDER_STAMP_MAX];
	int cols = 0;

	/* 4 December 2026, 14:02:09: as long as any time gets, nearly. */
	size_t n = render_stamp(out, sizeof(out), fmt, 1796392929000LL);
	for (size_t i = 0; i < n;) {
		wchar_t c = utf_next(out, n, &i);
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, cap, "the time format makes a control "
			    "character: %s", fmt);
			return false;
		}
		cols += utf_width(c);
	}
	if (n == 0 || cols > RENDER_STAMP_COLS) {
		snprintf(err, cap, "the time format makes %s: %s", n == 0 ?
		    "nothing, or too much" : "more than 32 columns", fmt);
		return false;
	}
	return true;
}

void
render_line(struct render *r, const struct line *l, int cols)
{
	struct style plain = { 0, MIRC_DEFAULT, MIRC_DEFAULT };
	struct style nick = plain, text = plain;
	char stamp[RENDER_STAMP_MAX + 1];

	r->n = 0;
	if (l->kind == LINE_DAY || l->kind == LINE_GAP) {
		struct style day = plain;
		day.attr = MIRC_BOLD;
		r->indent = 0;
		render_put(r, "── ", plain, false);
		render_put(r, LINE_TEXT(l), day, false);
		render_put(r, " ──", plain, false);
		return;
	}
	/* The indent below is measured after it, so a wider format moves
	 * the wrapped rows with it. */
	size_t n = render_stamp(stamp, sizeof(stamp) - 1, render_time_format,
	    l->time);
	stamp[n] = ' ';
	stamp[n + 1] = '\0';
	struct style dim = plain;
	dim.attr = MIRC_DIM;
	render_put(r, stamp, dim, false);

	nick.fg = (int8_t)render_nick_color(LINE_NICK(l));
	if (l->flags & LINE_SELF)
		nick.attr |= MIRC_BOLD;
	if (l->flags & LINE_HIGHLIGHT)
		text.attr |= MIRC_BOLD;
	switch (l->kind) {
	case LINE_MSG:
		render_put(r, "<", plain, false);
		render_put(r, LINE_NICK(l), nick, false);
		render_put(r, "> ", plain, false);
		break;
	case LINE_ACTION:
		render_put(r, "* ", nick, false);
		render_put(r, LINE_NICK(l), nick, false);
		render_put(r, " ", plain, false);
		break;
	case LINE_NOTICE:
		render_put(r, "-", plain, false);
		render_put(r, LINE_NICK(l), nick, false);
		render_put(r, "- ", plain, false);
		break;
	case LINE_EVENT:
		text.attr |= MIRC_DIM;
		break;
	case LINE_INFO:
		break;
	case LINE_ERROR:
		text.fg = 4;	/* red */
		break;
	case LINE_DAY:
	case LINE_GAP:
		break;
	}
	r->indent = render_cols(r);
	if (r->indent > cols / 2)
		r->indent = cols / 2;
	if (l->flags & LINE_DELETED) {
		text.attr |= MIRC_DIM;
		render_put(r, "(message deleted)", text, false);
		return;
	}
	/* The lines of a multiline message, each with the formatting it
	 * starts with, and L'\n' between them for wrap_rows. */
	const char *s = LINE_TEXT(l);
	for (;;) {
		const char *nl = strchr(s, '\n');
		char part[LINE_TEXT_MAX + 1];
		size_t k = nl != NULL ? (size_t)(nl - s) : strlen(s);

		memcpy(part, s, k);
		part[k] = '\0';
		render_put(r, part, text, true);
		if (nl == NULL || r->n >= RENDER_MAX)
			break;
		r->w[r->n] = L'\n';
		r->st[r->n++] = plain;
		s = nl + 1;
	}
	if (LINE_NOTE(l)[0] != '\0') {
		struct style faint = plain;
		faint.attr = MIRC_DIM;
		render_put(r, "  ", plain, false);
		render_put(r, LINE_NOTE(l), faint, false);
	}
}

size_t
render_fit(struct render *r, int cols)
{
	int used = 0;
	size_t i;

	if (render_cols(r) <= cols)
		return r->n;
	/* Keep what fits in cols - 1, then the ellipsis (one column). */
	for (i = 0; i < r->n; i++) {
		int w = utf_width(r->w[i]);
		if (used + w > cols - 1)
			break;
		used += w;
	}
	if (cols < 1) {
		r->n = 0;
		return 0;
	}
	r->st[i] = i > 0 ? r->st[i - 1] : r->st[0];
	r->w[i] = L'\u2026';
	r->n = i + 1;
	return r->n;
}

size_t
render_rows(const struct line *l, int cols)
{
	static struct render r;

	render_line(&r, l, cols);
	return wrap_rows(r.w, r.n, cols, r.indent, NULL, 0);
}
