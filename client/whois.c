/*
 * whois.c: WHOIS and WHOWAS answers as one readable block in the buffer
 * the question was asked from (else where the user is looking), instead
 * of the numerics' raw parameters:
 *
 *	carol (~carol@host): Carol
 *	  channels: @#home #lan
 *	  server: lanbox (natter LAN chat server)
 *	  idle 2m 13s, signed on Fri 4 Dec 14:02
 *
 * An away reply (301) inside the block is a line of it; outside one, it
 * is away.c's business.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "natter.h"

/* The nick whose block is open: from 311/314 to 318/369, and the buffer
 * it goes to. */
static char open_nick[IRC_NICK_MAX + 1];
static char open_buffer[IRC_CHAN_MAX + 1];

/* The questions under way: who was asked about, from which buffer. A
 * server may take seconds to answer (ngircd holds a busy client's
 * commands); the answer belongs where it was asked, not wherever the
 * user has gone since. The oldest is forgotten past WHOIS_ASKED_MAX. */
static struct {
	char nick[IRC_NICK_MAX + 1];
	char buffer[IRC_CHAN_MAX + 1];
} asked[WHOIS_ASKED_MAX];
static size_t nasked;

void
whois_asked(const struct buffer *b, const char *nick)
{
	if (nasked == WHOIS_ASKED_MAX) {
		memmove(&asked[0], &asked[1], (WHOIS_ASKED_MAX - 1) *
		    sizeof(asked[0]));
		nasked--;
	}
	str_copy(asked[nasked].nick, nick, sizeof(asked[nasked].nick));
	str_copy(asked[nasked].buffer, b->name, sizeof(asked[nasked].buffer));
	nasked++;
}

/* The buffer nick was asked about from, forgotten once told ("" when
 * it was not asked about). */
static void
asked_take(const char *nick, char *buffer, size_t cap)
{
	buffer[0] = '\0';
	for (size_t i = 0; i < nasked; i++) {
		if (irc_casecmp(asked[i].nick, nick) != 0)
			continue;
		str_copy(buffer, asked[i].buffer, cap);
		memmove(&asked[i], &asked[i + 1], (nasked - i - 1) *
		    sizeof(asked[0]));
		nasked--;
		return;
	}
}

size_t
whois_duration(char *out, size_t cap, long long secs)
{
	static const struct {
		long long secs;
		char unit;
	} units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};
	size_t i = 0;
	int w;

	if (cap == 0)
		return 0;
	if (secs < 0)
		secs = 0;
	/* The largest unit and the next are enough to read: "3d 4h",
	 * "2m 13s", "1h". */
	while (i + 1 < nitems(units) && secs < units[i].secs)
		i++;
	long long big = secs / units[i].secs;
	long long small = i + 1 < nitems(units) ?
	    secs % units[i].secs / units[i + 1].secs : 0;
	if (small > 0)
		w = snprintf(out, cap, "%lld%c %lld%c", big, units[i].unit,
		    small, units[i + 1].unit);
	else
		w = snprintf(out, cap, "%lld%c", big, units[i].unit);
	if (w < 0 || (size_t)w >= cap) {
		out[0] = '\0';
		return 0;
	}
	return (size_t)w;
}

size_t
whois_signon(char *out, size_t cap, long long when)
{
	time_t t = (time_t)when;
	struct tm tm;

	if (cap == 0 || localtime_r(&t, &tm) == NULL)
		return 0;
	return strftime(out, cap, "%a %-d %b %H:%M", &tm);
}

static bool
all_digits(const char *s)
{
	return s[0] != '\0' && s[strspn(s, "0123456789")] == '\0';
}

size_t
whois_format(char *out, size_t cap, int num, const char *const *params,
    size_t n)
{
	const char *last = n > 2 ? params[n - 1] : "";
	char a[64], b[64], rest[IRC_BODY_MAX];
	int w;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	switch (num) {
	case RPL_WHOISUSER:
	case RPL_WHOWASUSER:
		if (n < 6)
			return 0;
		w = snprintf(out, cap, "%s%s (%s@%s): %s", params[1],
		    num == RPL_WHOWASUSER ? " was" : "", params[2], params[3],
		    params[5]);
		break;
	case RPL_WHOISSERVER:
		if (n < 3)
			return 0;
		w = n > 3 ? snprintf(out, cap, "  server: %s (%s)", params[2],
		    params[3]) : snprintf(out, cap, "  server: %s", params[2]);
		break;
	case RPL_WHOISIDLE:
		if (n < 3 || !all_digits(params[2]))
			return 0;
		whois_duration(a, sizeof(a), strtoll(params[2], NULL, 10));
		if (n > 4 && all_digits(params[3]) &&
		    whois_signon(b, sizeof(b), strtoll(params[3], NULL, 10)) > 0)
			w = snprintf(out, cap, "  idle %s, signed on %s", a, b);
		else
			w = snprintf(out, cap, "  idle %s", a);
		break;
	case RPL_WHOISCHANNELS:
		w = snprintf(out, cap, "  channels: %s", last);
		break;
	case RPL_WHOISACCOUNT:
		if (n < 4)
			return 0;
		w = snprintf(out, cap, "  account: %s", params[2]);
		break;
	case RPL_AWAY:
		w = snprintf(out, cap, "  away: %s", last);
		break;
	case RPL_WHOISSECURE:
		w = snprintf(out, cap, "  connected over TLS");
		break;
	case RPL_ENDOFWHOIS:
	case RPL_ENDOFWHOWAS:
		return 0;
	default:
		/* 313, 276, 335, 378 and the rest say it in words already
		 * ("is an IRC operator"); numbers before them come first. */
		irc_join(rest, sizeof(rest), params, 2, n);
		w = snprintf(out, cap, "  %s", rest);
		break;
	}
	return utf8_fit(out, cap, w);
}

void
whois_reply(int num, const char *const *params, size_t n)
{
	char text[LINE_TEXT_MAX];
	struct buffer *b = NULL;

	if (n < 2)
		return;
	if (num == RPL_WHOISUSER || num == RPL_WHOWASUSER) {
		str_copy(open_nick, params[1], sizeof(open_nick));
		asked_take(params[1], open_buffer, sizeof(open_buffer));
	}
	if (open_buffer[0] != '\0' && whois_open(params[1]))
		b = window_find(open_buffer);
	if (whois_format(text, sizeof(text), num, params, n) > 0)
		buffer_addf(b != NULL ? b : window_current(), LINE_INFO, "%s",
		    text);
	if (num == RPL_ENDOFWHOIS || num == RPL_ENDOFWHOWAS) {
		/* No block (no such nick): the question is answered. */
		if (!whois_open(params[1]))
			asked_take(params[1], text, sizeof(text));
		open_nick[0] = open_buffer[0] = '\0';
	}
}

bool
whois_open(const char *nick)
{
	return open_nick[0] != '\0' && irc_casecmp(open_nick, nick) == 0;
}
