/*
 * fingerprint.c: the one way natterd prints a certificate's SHA-256
 * fingerprint and natter reads one back, so a fingerprint copied off the
 * server's console (or its log, or WHOIS) pins the same certificate.
 * The digest itself is OpenSSL's; this file only spells it.
 */
#include <string.h>

#include "irc.h"

static const char hexdigits[] = "0123456789abcdef";

size_t
fingerprint_format(char *buf, size_t cap, const unsigned char *digest)
{
	char *p = buf;

	if (cap < FINGERPRINT_STR_MAX) {
		if (cap > 0)
			buf[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < FINGERPRINT_LEN; i++) {
		if (i > 0)
			*p++ = ':';
		*p++ = hexdigits[digest[i] >> 4];
		*p++ = hexdigits[digest[i] & 0x0f];
	}
	*p = '\0';
	return p - buf;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
fingerprint_parse(const char *s, unsigned char *digest)
{
	/* Colons either between every pair or nowhere: "ab:cdef" is more
	 * likely a paste gone wrong than a fingerprint. */
	bool colons = strchr(s, ':') != NULL;

	for (size_t i = 0; i < FINGERPRINT_LEN; i++) {
		if (i > 0 && colons && *s++ != ':')
			return false;
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (hi < 0 || lo < 0)
			return false;
		digest[i] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	return *s == '\0';
}
