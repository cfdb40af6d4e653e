/* search.c: find text in a buffer's scrollback, newest first. */
#include <string.h>
#include <wctype.h>

#include "natter.h"

#define SEARCH_NEEDLE_MAX 256	/* wide chars of a search text */
#define SEARCH_LINE_MAX 2048	/* bytes of a line searched */

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
