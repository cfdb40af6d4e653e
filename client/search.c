/*
 * search.c: /search. On a server offering soju.im/search, the server
 * searches the whole history and the results fill the results buffer,
 * from which /goto shows one in its own buffer, fetching the history
 * around it when it is not loaded; elsewhere, and for Ctrl-R, the
 * text is found in the buffer's scrollback, newest first.
 */
#include <stdio.h>
#include <string.h>
#include <wctype.h>

#include "natter.h"

#define SEARCH_NEEDLE_MAX 256	/* wide chars of a search text */
#define SEARCH_LINE_MAX (LINE_TEXT_MAX + 1)	/* bytes of a line searched: all */

/* Decode s into lower-case wide characters; invalid bytes stay as bytes. */
static size_t
search_lower(wchar_t *out, size_t cap, const char *s)
{
	mbstate_t ps;
	size_t n = 0;

	memset(&ps, 0, sizeof(ps));
	while (*s != '\0' && n < cap) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, strlen(s), &ps);
		if (k == (size_t)-1 || k == (size_t)-2) {
			memset(&ps, 0, sizeof(ps));
			wc = (unsigned char)*s;
			k = 1;
		}
		out[n++] = (wchar_t)towlower((wint_t)wc);
		s += k;
	}
	return n;
}

bool
search_match(const char *line, const char *needle)
{
	char plain[SEARCH_LINE_MAX];
	wchar_t hay[SEARCH_LINE_MAX];
	wchar_t pin[SEARCH_NEEDLE_MAX];

	size_t m = search_lower(pin, nitems(pin), needle);
	if (m == 0)
		return false;
	mirc_strip(plain, sizeof(plain), line);
	size_t n = search_lower(hay, nitems(hay), plain);
	for (size_t i = 0; i + m <= n; i++)
		if (wmemcmp(hay + i, pin, m) == 0)
			return true;
	return false;
}

long
search_back(long from, const char *needle,
    const char *(*line_at)(long i, void *arg), void *arg)
{
	for (long i = from - 1; i >= 0; i--) {
		const char *text = line_at(i, arg);
		if (text != NULL && search_match(text, needle))
			return i;
	}
	return -1;
}

static char search_text[256];	/* the last text searched for */

static const char *
search_line(long i, void *arg)
{
	struct buffer *b = arg;
	const struct line *l = buffer_line(b, b->seq - b->count + (uint64_t)i);

	/* natter's own notes ("No match for x") are not conversation. */
	if (l == NULL || l->kind == LINE_INFO || l->kind == LINE_ERROR ||
	    l->kind == LINE_DAY || l->kind == LINE_GAP)
		return NULL;
	return LINE_TEXT(l);
}

bool
search_buffer(struct buffer *b, const char *text)
{
	long from = (long)b->count;

	/* The same text again steps further back; new text starts over. */
	if (text != NULL && text[0] != '\0' && strcmp(text, search_text) != 0) {
		str_copy(search_text, text, sizeof(search_text));
		b->search_at = -1;
	}
	if (search_text[0] == '\0')
		return false;
	if (b->search_at >= 0 && b->search_at < from)
		from = b->search_at;
	long i = search_back(from, search_text, search_line, b);
	if (i < 0) {
		b->search_at = -1;
		return false;
	}
	b->search_at = i;
	b->scrolled = true;
	b->anchor = b->seq - b->count + (uint64_t)i;
	b->skip = 0;
	dirty |= DIRTY_HISTORY | DIRTY_STATUS;
	return true;
}

/* --- the server's search (soju.im/search) */

/* The last search's results, in the order shown; the pending jump. */
static struct {
	char batch[IRC_MSGID_MAX + 1];	/* our soju.im/search batch, or "" */
	bool out;			/* a SEARCH is out */
	char text[256];
	struct search_result results[SEARCH_RESULTS_MAX];
	size_t n;
	struct search_result jump;	/* waiting for AROUND; buffer "" if none */
} srv;

size_t
search_attr(char *out, size_t cap, const char *value)
{
	size_t n = 0;

	if (cap == 0)
		return 0;
	for (const char *p = value; *p != '\0'; p++) {
		const char *esc = *p == ';' ? "\\:" : *p == ' ' ? "\\s" :
		    *p == '\\' ? "\\\\" : *p == '\r' ? "\\r" :
		    *p == '\n' ? "\\n" : NULL;
		size_t k = esc != NULL ? 2 : 1;
		if (n + k >= cap)
			break;
		if (esc != NULL)
			memcpy(out + n, esc, 2);
		else
			out[n] = *p;
		n += k;
	}
	out[n] = '\0';
	return n;
}

const char *
search_conversation(const char *nick, const char *target, const char *me)
{
	if (irc_is_channel(target) || irc_casecmp(nick, me) == 0)
		return target;
	return nick;
}

bool
search_server(struct buffer *b, const char *text)
{
	char in[IRC_CHAN_MAX * 2 + 8] = "", what[512];

	if (!(self.caps & CAP_SEARCH) || !self.registered)
		return false;
	/* In a channel or a conversation, that one; elsewhere, all. */
	if (b->kind == BUFFER_CHANNEL || b->kind == BUFFER_QUERY) {
		size_t n = str_copy(in, "in=", sizeof(in));
		n += search_attr(in + n, sizeof(in) - n - 1, b->name);
		in[n++] = ';';
		in[n] = '\0';
	}
	search_attr(what, sizeof(what), text);
	net_sendf("SEARCH %stext=%s", in, what);
	str_copy(srv.text, text, sizeof(srv.text));
	srv.out = true;
	srv.n = 0;
	struct buffer *r = window_open(SEARCH_BUFFER, BUFFER_SEARCH);
	buffer_clear(r);
	buffer_addf(r, LINE_INFO, "Searching %s for %s", in[0] != '\0' ?
	    b->name : "every channel and conversation", text);
	window_select(window_index(r));
	return true;
}

void
search_batch(const char *ref, const char *type)
{
	if (ref[0] == '+') {
		if (srv.out && type != NULL &&
		    strcmp(type, "soju.im/search") == 0) {
			str_copy(srv.batch, ref + 1, sizeof(srv.batch));
			srv.out = false;
		}
		return;
	}
	if (srv.batch[0] == '\0' || strcmp(srv.batch, ref + 1) != 0)
		return;
	srv.batch[0] = '\0';
	struct buffer *r = window_find(SEARCH_BUFFER);
	if (r == NULL)
		return;
	if (srv.n == 0)
		buffer_addf(r, LINE_INFO, "Nothing found for %s", srv.text);
	else
		buffer_addf(r, LINE_INFO, "%zu found for %s: /goto n shows"
		    " message n in its buffer", srv.n, srv.text);
}

bool
search_result(const char *batch, const char *msgid, int64_t time,
    enum line_kind kind, const char *nick, const char *target,
    const char *text)
{
	char line[LINE_TEXT_MAX + IRC_CHAN_MAX + 16];

	if (batch == NULL || srv.batch[0] == '\0' ||
	    strcmp(batch, srv.batch) != 0)
		return false;
	struct buffer *r = window_find(SEARCH_BUFFER);
	if (r == NULL || srv.n == SEARCH_RESULTS_MAX)
		return true;
	struct search_result *res = &srv.results[srv.n++];
	str_copy(res->buffer, search_conversation(nick, target, self.nick),
	    sizeof(res->buffer));
	str_copy(res->msgid, msgid != NULL ? msgid : "", sizeof(res->msgid));
	str_copy(res->nick, nick, sizeof(res->nick));
	res->time = time;
	snprintf(line, sizeof(line), "%zu. %s: %s", srv.n, res->buffer, text);
	buffer_add(r, time, kind, 0, nick, line);
	return true;
}

/* Scroll b to the line of res if it is loaded. */
static bool
search_show(struct buffer *b, const struct search_result *res)
{
	for (uint64_t i = 0; i < b->count; i++) {
		uint64_t seq = b->seq - 1 - i;
		const struct line *l = buffer_line(b, seq);
		if (l == NULL || l->time != res->time ||
		    (l->kind != LINE_MSG && l->kind != LINE_ACTION &&
		    l->kind != LINE_NOTICE) ||
		    irc_casecmp(LINE_NICK(l), res->nick) != 0)
			continue;
		b->scrolled = true;
		b->anchor = seq;
		b->skip = 0;
		dirty |= DIRTY_HISTORY | DIRTY_STATUS;
		return true;
	}
	return false;
}

bool
search_goto(size_t n)
{
	struct buffer *cur = window_current();

	if (n == 0 || n > srv.n) {
		buffer_addf(cur, LINE_ERROR, srv.n == 0 ? "No search results:"
		    " /search text first" : "No result %zu (1 to %zu)", n,
		    srv.n);
		return false;
	}
	const struct search_result *res = &srv.results[n - 1];
	struct buffer *b = window_find(res->buffer);
	if (b == NULL)
		b = window_open(res->buffer, irc_is_channel(res->buffer) ?
		    BUFFER_CHANNEL : BUFFER_QUERY);
	window_select(window_index(b));
	if (search_show(b, res))
		return true;
	int64_t oldest = chathist_oldest(b);
	if (oldest != 0 && res->time >= oldest) {
		buffer_addf(b, LINE_INFO, "Result %zu is no longer in this"
		    " buffer's scrollback", n);
		return false;
	}
	if (!chathist_around(b, res->msgid, res->time)) {
		buffer_addf(b, LINE_ERROR, "Cannot fetch the history of %s"
		    " now: try /goto %zu again", b->name, n);
		return false;
	}
	srv.jump = *res;
	return true;
}

void
search_arrived(struct buffer *b)
{
	if (srv.jump.buffer[0] == '\0' ||
	    irc_casecmp(srv.jump.buffer, b->name) != 0)
		return;
	if (!search_show(b, &srv.jump))
		buffer_addf(b, LINE_INFO, "The server no longer has that"
		    " message");
	srv.jump.buffer[0] = '\0';
}

void
search_lost(void)
{
	srv.out = false;
	srv.batch[0] = '\0';
	srv.jump.buffer[0] = '\0';
}
