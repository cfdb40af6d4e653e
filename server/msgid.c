/*
 * msgid.c: natterd's message ids. A 64-bit counter seeded from the wall
 * clock in microseconds at start-up, so ids are unique across restarts
 * too, written in base32 without leading zeros ('a' is zero). The history
 * store keeps such an id as its counter (8 bytes, not 11 and a length),
 * so the writing and the reading back live here, together.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "natterd.h"

#define MSGID_DIGITS 12	/* 60 bits: always a positive int64 */

static const char msgid_b32[] = "abcdefghijklmnopqrstuvwxyz234567";

void
msgid_format(int64_t v, char *buf, size_t cap)
{
	char tmp[16];
	size_t n = 0, i = 0;
	uint64_t u = (uint64_t)v;

	do {
		tmp[n++] = msgid_b32[u & 31];
		u >>= 5;
	} while (u != 0 && n < sizeof(tmp));
	while (n > 0 && i + 1 < cap)
		buf[i++] = tmp[--n];
	if (cap > 0)
		buf[i] = '\0';
}

bool
msgid_parse(const char *msgid, int64_t *v)
{
	size_t n = strlen(msgid);
	int64_t x = 0;

	if (n == 0 || n > MSGID_DIGITS || msgid[0] == 'a')
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *d = strchr(msgid_b32, msgid[i]);
		if (d == NULL || *d == '\0')
			return false;
		x = x * 32 + (d - msgid_b32);
	}
	*v = x;
	return true;
}

void
msgid_new(char *buf, size_t cap)
{
	static uint64_t counter;

	if (counter == 0)
		counter = (uint64_t)time_now_ms() * 1000;
	msgid_format((int64_t)++counter, buf, cap);
}
