/* Nick and channel names: RFC 1459 casemapping and RFC 2812 validity. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "irc.h"

/* RFC 1459 section 2.2: {}| are the lower case of []\, and ^ of ~. */
int
irc_tolower(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	switch (c) {
	case '[': return '{';
	case ']': return '}';
	case '\\': return '|';
	case '~': return '^';
	default: return c;
	}
}

void
irc_casefold(char *dst, const char *src, size_t cap)
{
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; i + 1 < cap && src[i] != '\0'; i++)
		dst[i] = (char)irc_tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

int
irc_ncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ca = irc_tolower((unsigned char)a[i]);
		int cb = irc_tolower((unsigned char)b[i]);
		if (ca != cb)
			return ca - cb;
		if (ca == '\0')
			break;
	}
	return 0;
}

int
irc_casecmp(const char *a, const char *b)
{
	return irc_ncasecmp(a, b, SIZE_MAX);
}

/* FNV-1a over the folded bytes, so equal names under casemapping collide. */
uint32_t
irc_casehash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (uint32_t)irc_tolower((unsigned char)*s);
		h *= 16777619u;
	}
	return h;
}

static bool
is_letter(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
is_special(int c)
{
	return c != '\0' && strchr("[]\\`_^{|}", c) != NULL;
}

bool
irc_nick_valid(const char *nick, size_t max)
{
	size_t i;

	if (nick == NULL || !(is_letter(nick[0]) || is_special(nick[0])))
		return false;
	for (i = 1; nick[i] != '\0'; i++) {
		int c = (unsigned char)nick[i];
		if (!is_letter(c) && !is_special(c) && c != '-' &&
		    !(c >= '0' && c <= '9'))
			return false;
	}
	return i <= max;
}

/*
 * RFC 2812 section 1.3 forbids NUL, BEL, CR, LF, space and comma; the colon
 * is a channel mask separator there, so we refuse it too. The name must be
 * valid UTF-8 since it ends up on screens.
 */
bool
irc_chan_valid(const char *chan, size_t max)
{
	size_t n;

	if (chan == NULL || !irc_is_channel(chan))
		return false;
	n = strlen(chan);
	if (n < 2 || n > max)
		return false;
	if (strpbrk(chan, "\a\r\n ,:") != NULL)
		return false;
	return utf8_valid(chan, n);
}

bool
irc_is_channel(const char *target)
{
	return target != NULL && (target[0] == '#' || target[0] == '&');
}

/*
 * One star remembered: on a mismatch the last '*' takes one more byte and
 * matching resumes after it. Earlier stars never need to be revisited, so
 * this is O(strlen(mask) * strlen(s)) at worst, without recursion.
 */
bool
irc_match(const char *mask, const char *s)
{
	const char *star = NULL, *back = NULL;

	while (*s != '\0') {
		if (*mask == '*') {
			star = ++mask;
			back = s;
		} else if (*mask != '\0' && (*mask == '?' ||
		    irc_tolower((unsigned char)*mask) ==
		    irc_tolower((unsigned char)*s))) {
			mask++;
			s++;
		} else if (star != NULL) {
			mask = star;
			s = ++back;
		} else {
			return false;
		}
	}
	while (*mask == '*')
		mask++;
	return *mask == '\0';
}

size_t
irc_mask_normalize(char *dst, size_t cap, const char *mask)
{
	const char *bang = strchr(mask, '!');
	const char *at = strchr(bang != NULL ? bang + 1 : mask, '@');
	const char *nick = mask, *user = "", *host = "";
	size_t nl, ul;
	int w;

	if (bang != NULL) {
		nl = bang - mask;
		user = bang + 1;
		ul = at != NULL ? (size_t)(at - user) : strlen(user);
	} else if (at != NULL) {
		nl = 0;		/* "user@host" */
		user = mask;
		ul = at - mask;
	} else {
		nl = strlen(mask);	/* a bare nick */
		ul = 0;
	}
	if (at != NULL)
		host = at + 1;
	w = snprintf(dst, cap, "%.*s!%.*s@%s",
	    nl > 0 ? (int)nl : 1, nl > 0 ? nick : "*",
	    ul > 0 ? (int)ul : 1, ul > 0 ? user : "*",
	    host[0] != '\0' ? host : "*");
	if (w < 0 || (size_t)w >= cap) {
		if (cap > 0)
			dst[0] = '\0';
		return 0;
	}
	return w;
}
