/*
 * status.c: the status line's content, laid out without curses: who we
 * are, the buffers, what is below the view and the session's note.
 * When the buffers do not all fit, the current one always shows, and
 * markers say what is left out: "«2" for two before, "+3 more" after,
 * each drawn as the busiest buffer it stands for.
 * Our own nick is underlined, never bold or coloured like a buffer's
 * activity, so the two are not confused.
 */
#include <stdio.h>
#include <string.h>

#include "natter.h"

#define STATUS_LEFT_MAX 6	/* " «999" */
#define STATUS_RIGHT_MAX 10	/* " +999 more" */

struct style
status_style(enum status_part part, enum activity act)
{
	struct style st = { MIRC_REVERSE, MIRC_DEFAULT, MIRC_DEFAULT };

	switch (part) {
	case STATUS_SELF:
		st.attr |= MIRC_UNDERLINE;
		break;
	case STATUS_CURRENT:
		st.attr |= MIRC_BOLD;
		break;
	case STATUS_BUFFER:
		if (act >= ACT_MSG)
			st.attr |= MIRC_BOLD;
		if (act == ACT_EVENT)
			st.attr |= MIRC_DIM;
		if (act == ACT_HOT)
			st.fg = STATUS_HOT_COLOR;
		break;
	case STATUS_PLAIN:
		break;
	}
	return st;
}

void
status_fit(const int *widths, size_t n, size_t cur, int avail, size_t *first,
    size_t *last)
{
	int sum = 0;

	*first = 0;
	*last = n > 0 ? n - 1 : 0;
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		sum += widths[i];
	if (sum <= avail)
		return;
	/* From the first buffer, as far as fits with "+N more" after. */
	avail -= STATUS_RIGHT_MAX;
	sum = 0;
	size_t i = 0;
	while (i < n && sum + widths[i] <= avail)
		sum += widths[i++];
	if (i > cur) {
		*last = i > 0 ? i - 1 : 0;
		return;
	}
	/* The current one is further: around it, with "«N" before. */
	avail -= STATUS_LEFT_MAX;
	*first = *last = cur;
	sum = widths[cur];
	while (*first > 0 && sum + widths[*first - 1] <= avail)
		sum += widths[--*first];
	while (*last + 1 < n && sum + widths[*last + 1] <= avail)
		sum += widths[++*last];
}

/* Append UTF-8 s in style st; returns the columns it took. */
static int
put(struct render *r, const char *s, struct style st)
{
	size_t n = strlen(s), i = 0;
	int cols = 0;

	while (i < n && r->n < RENDER_MAX) {
		r->w[r->n] = utf_next(s, n, &i);
		cols += utf_width(r->w[r->n]);
		r->st[r->n++] = st;
	}
	return cols;
}

/* Columns of UTF-8 s. */
static int
cols_of(const char *s)
{
	size_t n = strlen(s), i = 0;
	int cols = 0;

	while (i < n)
		cols += utf_width(utf_next(s, n, &i));
	return cols;
}

static void
buffer_item(char *text, size_t cap, size_t i)
{
	const struct buffer *b = windows[i];

	if (i == window_cur)
		snprintf(text, cap, " [%zu:%s]", i + 1, b->name);
	else if (b->unread > 0)
		snprintf(text, cap, " %zu:%s(%u)", i + 1, b->name, b->unread);
	else
		snprintf(text, cap, " %zu:%s", i + 1, b->name);
}

/* The most activity among buffers [from, to). */
static enum activity
busiest(size_t from, size_t to)
{
	enum activity most = ACT_NONE;

	for (size_t i = from; i < to && i < nwindows; i++)
		if (windows[i]->activity > most)
			most = windows[i]->activity;
	return most;
}

void
status_render(struct render *r, int cols)
{
	struct style plain = status_style(STATUS_PLAIN, ACT_NONE);
	char text[256], tail[256], as[IRC_NICK_MAX + 16] = "";
	int widths[WINDOW_MAX], used;
	size_t first, last;

	r->n = 0;
	r->indent = 0;
	/* Logged in: "(logged in)", or "(as bob)" when the account is not
	 * the nick. */
	if (self.account[0] != '\0')
		snprintf(as, sizeof(as), irc_casecmp(self.account, self.nick) ==
		    0 ? " (logged in)" : " (as %s)", self.account);
	used = put(r, " ", plain);
	used += put(r, self.nick, status_style(STATUS_SELF, ACT_NONE));
	snprintf(text, sizeof(text), "%s%s on %s%s ", as,
	    self.away ? " (away)" : "", self.network,
	    self.connected ? "" : " (disconnected)");
	used += put(r, text, status_style(STATUS_CURRENT, ACT_NONE));
	/* What goes after the buffers is kept room for first. */
	tail[0] = '\0';
	if (window_current()->scrolled)
		snprintf(tail, sizeof(tail), "  -- MORE (%llu below) --",
		    (unsigned long long)buffer_unseen(window_current()));
	/* typing.c: who is typing here, until they send or stop. */
	char typing[128];
	if (typing_text(window_current(), typing, sizeof(typing)) > 0)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail),
		    "  %s", typing);
	if (status_note[0] != '\0')
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail),
		    "  %s", status_note);
	for (size_t i = 0; i < nwindows; i++) {
		buffer_item(text, sizeof(text), i);
		widths[i] = cols_of(text);
	}
	status_fit(widths, nwindows, window_cur, cols - used - cols_of(tail),
	    &first, &last);
	/* A marker is drawn as the busiest buffer it stands for, so a
	 * highlight out of sight still shows. */
	if (first > 0) {
		snprintf(text, sizeof(text), " «%zu", first);
		put(r, text, status_style(STATUS_BUFFER, busiest(0, first)));
	}
	for (size_t i = first; i <= last && i < nwindows; i++) {
		buffer_item(text, sizeof(text), i);
		put(r, text, i == window_cur ? status_style(STATUS_CURRENT,
		    ACT_NONE) : status_style(STATUS_BUFFER, windows[i]->activity));
	}
	if (last + 1 < nwindows) {
		snprintf(text, sizeof(text), " +%zu more", nwindows - last - 1);
		put(r, text, status_style(STATUS_BUFFER,
		    busiest(last + 1, nwindows)));
	}
	put(r, tail, status_style(STATUS_CURRENT, ACT_NONE));
	/* Narrower still (a long network name, a small terminal): what
	 * is cut off the end is marked too. */
	render_fit(r, cols);
}
