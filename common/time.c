/* Clocks and IRCv3 server-time stamps ("YYYY-MM-DDThh:mm:ss.sssZ", UTC). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "irc.h"

int64_t
time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Years outside 0000..9999 do not fit the format: buf gets "" and 0. */
size_t
time_format(char *buf, size_t cap, int64_t ms)
{
	int64_t sec = ms / 1000, frac = ms % 1000;
	struct tm tm;
	time_t t;
	int n;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	if (frac < 0) {		/* round toward the past before the epoch */
		frac += 1000;
		sec--;
	}
	t = (time_t)sec;
	if (cap < IRC_TIME_LEN + 1 || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return 0;
	n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)frac);
	if (n != IRC_TIME_LEN) {
		buf[0] = '\0';
		return 0;
	}
	return IRC_TIME_LEN;
}

/* n decimal digits at s into *v; false if any is not a digit. */
static bool
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool
time_parse(const char *s, int64_t *ms)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, mon, day, hour, min, sec, frac = 0, nfrac = 0, dim;
	const char *p;
	struct tm tm = { 0 };
	time_t t;

	/* Each digits() call stops at the first non-digit, so a short
	 * string fails there before anything past its NUL is read. */
	if (!digits(s, 4, &year) || s[4] != '-' ||
	    !digits(s + 5, 2, &mon) || s[7] != '-' ||
	    !digits(s + 8, 2, &day) || s[10] != 'T' ||
	    !digits(s + 11, 2, &hour) || s[13] != ':' ||
	    !digits(s + 14, 2, &min) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return false;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++) {
			if (nfrac >= 9)
				return false;
			if (nfrac < 3)
				frac = frac * 10 + (*p - '0');
		}
		if (nfrac == 0)
			return false;
		for (int i = nfrac; i < 3; i++)
			frac *= 10;
	}
	if (p[0] != 'Z' || p[1] != '\0')
		return false;
	if (mon < 1 || mon > 12 || hour > 23 || min > 59 || sec > 59)
		return false;
	dim = mdays[mon - 1];
	if (mon == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		dim = 29;
	if (day < 1 || day > dim)
		return false;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ms = (int64_t)t * 1000 + frac;
	return true;
}
