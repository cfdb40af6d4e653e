/* UTF-8 to wchar_t and back, independent of the C library's locale. */
#include <string.h>
#include <wchar.h>

#include "natter.h"

wchar_t
utf_next(const char *s, size_t n, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	size_t left = n - *i, len;
	uint32_t c;

	if (p[0] < 0x80) {
		*i += 1;
		return p[0];
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		goto latin1;
	if (len > left)
		goto latin1;
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			goto latin1;
		c = c << 6 | (p[k] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not UTF-8. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		goto latin1;
	*i += len;
	return (wchar_t)c;
latin1:
	*i += 1;
	return p[0];
}

size_t
utf_decode(const char *s, size_t n, wchar_t *out, size_t cap)
{
	size_t i = 0, k = 0;

	while (i < n && k < cap)
		out[k++] = utf_next(s, n, &i);
	return k;
}

size_t
utf_encode(const wchar_t *w, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = (uint32_t)w[i];
		char b[4];
		size_t len;

		if (c < 0x80) {
			b[0] = (char)c;
			len = 1;
		} else if (c < 0x800) {
			b[0] = (char)(0xc0 | c >> 6);
			b[1] = (char)(0x80 | (c & 0x3f));
			len = 2;
		} else if (c < 0x10000) {
			b[0] = (char)(0xe0 | c >> 12);
			b[1] = (char)(0x80 | (c >> 6 & 0x3f));
			b[2] = (char)(0x80 | (c & 0x3f));
			len = 3;
		} else {
			b[0] = (char)(0xf0 | c >> 18);
			b[1] = (char)(0x80 | (c >> 12 & 0x3f));
			b[2] = (char)(0x80 | (c >> 6 & 0x3f));
			b[3] = (char)(0x80 | (c & 0x3f));
			len = 4;
		}
		if (k + len >= cap)
			break;
		for (size_t j = 0; j < len; j++)
			out[k++] = b[j];
	}
	out[k] = '\0';
	return k;
}

int
utf_width(wchar_t c)
{
	int w;

	/* Printable ASCII is most text: skip the locale tables. */
	if (c >= 0x20 && c < 0x7f)
		return 1;
	w = wcwidth(c);

	return w < 0 ? 1 : w;
}

size_t
utf_clean(char *out, size_t cap, const char *s, size_t n)
{
	size_t i = 0, k = 0;

	if (cap == 0)
		return 0;
	while (i < n) {
		size_t at = i;
		wchar_t w = utf_next(s, n, &i);
		char mb[8];
		size_t len;

		/* utf_next reads a byte that is not UTF-8 as Latin-1: drop it. */
		if (i - at == 1 && (unsigned char)s[at] >= 0x80)
			continue;
		if (w == L'\t')
			w = L' ';
		/* C0, DEL and C1: a terminal acts on them (ESC, BEL, CSI). */
		if (w < 0x20 || (w >= 0x7f && w <= 0x9f))
			continue;
		len = utf_encode(&w, 1, mb, sizeof(mb));
		if (k + len >= cap)
			break;
		memcpy(out + k, mb, len);
		k += len;
	}
	out[k] = '\0';
	return k;
}
