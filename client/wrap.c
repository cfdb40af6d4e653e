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
			int cw = utf_width(w[i]);

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

void
render_line(struct render *r, const struct line *l, int cols)
{
	struct style plain = { 0, MIRC_DEFAULT, MIRC_DEFAULT };
	struct style nick = plain, text = plain;
	char stamp[16];
	time_t t = (time_t)(l->time / 1000);
	struct tm tm;

	r->n = 0;
	if (l->kind == LINE_DAY) {
		struct style day = plain;
		day.attr = MIRC_BOLD;
		r->indent = 0;
		render_put(r, "── ", plain, false);
		render_put(r, LINE_TEXT(l), day, false);
		render_put(r, " ──", plain, false);
		return;
	}
	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(stamp, sizeof(stamp), "%H:%M ", &tm);
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
		break;
	}
	r->indent = render_cols(r);
	if (r->indent > cols / 2)
		r->indent = cols / 2;
	render_put(r, LINE_TEXT(l), text, true);
}

size_t
render_rows(const struct line *l, int cols)
{
	static struct render r;

	render_line(&r, l, cols);
	return wrap_rows(r.w, r.n, cols, r.indent, NULL, 0);
}
