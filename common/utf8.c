/* UTF-8 validation, truncation at code point boundaries, Latin-1 repair. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irc.h"

/*
 * Length of the well-formed sequence at s[0..n), or 0 if the bytes there
 * are not one (RFC 3629 section 4: no overlongs, no surrogates, nothing
 * past U+10FFFF).
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return 0;
	if (n < len)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;

	while (i < n) {
		if ((l = utf8_seq(p + i, n - i)) == 0)
			return false;
		i += l;
	}
	return true;
}

size_t
utf8_truncate(const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;

	if (n <= max)
		return n;
	while (i < n) {
		if ((l = utf8_seq(p + i, n - i)) == 0)
			l = 1;
		if (i + l > max)
			break;
		i += l;
	}
	return i;
}

size_t
utf8_fit(char *out, size_t cap, int w)
{
	if (w < 0 || cap == 0)
		return 0;
	if ((size_t)w < cap)
		return (size_t)w;
	/* snprintf may have cut a character: what is left of it, its
	 * first byte and up to three after, goes too. */
	const unsigned char *p = (const unsigned char *)out;
	size_t k = cap - 1, j = k;
	while (j > 0 && k - j < 3 && (p[j - 1] & 0xc0) == 0x80)
		j--;
	if (j > 0 && p[j - 1] >= 0xc0 && utf8_seq(p + j - 1, k - j + 1) == 0)
		k = j - 1;
	out[k] = '\0';
	return k;
}

size_t
utf8_sanitize(char *dst, size_t cap, const char *src, size_t n)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t i = 0, o = 0, l;

	if (cap == 0)
		return 0;
	while (i < n) {
		if ((l = utf8_seq(p + i, n - i)) != 0) {
			if (o + l >= cap)
				break;
			for (size_t k = 0; k < l; k++)
				dst[o++] = (char)p[i + k];
			i += l;
		} else {
			/* An invalid byte is a Latin-1 character: U+0080..U+00FF. */
			if (o + 2 >= cap)
				break;
			dst[o++] = (char)(0xc0 | (p[i] >> 6));
			dst[o++] = (char)(0x80 | (p[i] & 0x3f));
			i++;
		}
	}
	dst[o] = '\0';
	return o;
}
