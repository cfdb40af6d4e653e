/*
 * reply.c: the server's numeric replies that no other module takes, as
 * sentences where they belong instead of their raw parameters: WHO's
 * lines, a channel's modes and its ban, exception and invite lists in
 * its buffer (a list's time as a date, its end as a count), an
 * invitation sent, and errors with what they are about set apart
 * ("nobody: There was no such nickname").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

/* A channel's mask lists: entry and end numerics, and their words. */
static const struct mask_list {
	int entry, end;
	const char *label;	/* an entry's */
	const char *one, *many;	/* the count's */
} mask_lists[] = {
	{ RPL_BANLIST, RPL_ENDOFBANLIST, "Ban", "ban", "bans" },
	{ RPL_EXCEPTLIST, RPL_ENDOFEXCEPTLIST, "Ban exception",
	    "ban exception", "ban exceptions" },
	{ RPL_INVITELIST, RPL_ENDOFINVITELIST, "Invite exception",
	    "invite exception", "invite exceptions" },
};

static const struct mask_list *
mask_list(int num)
{
	for (size_t i = 0; i < nitems(mask_lists); i++)
		if (mask_lists[i].entry == num || mask_lists[i].end == num)
			return &mask_lists[i];
	return NULL;
}

/* 352: me chan user host server nick flags :hops realname. The flags
 * are H (here) or G (gone, away), then '*' for an IRC operator and the
 * channel prefix, of which the first is shown before the nick. */
static int
who_line(char *out, size_t cap, const char *const *params, size_t n)
{
	const char *flags = params[6], *real = n > 7 ? params[7] : "";
	char prefix[2] = "";

	real += strspn(real, "0123456789");
	real += strspn(real, " ");
	for (const char *f = flags + (flags[0] != '\0'); *f != '\0'; f++)
		if (*f != '*' && strchr(self.prefix_chars, *f) != NULL) {
			prefix[0] = *f;
			break;
		}
	return snprintf(out, cap, "%s%s%s%s (%s@%s): %s%s",
	    strcmp(params[1], "*") != 0 ? params[1] : "",
	    strcmp(params[1], "*") != 0 ? " " : "", prefix, params[5],
	    params[2], params[3], real, flags[0] == 'G' ? " (away)" : "");
}

/* 367, 348, 346: me chan mask [setter [time]]. */
static int
mask_line(char *out, size_t cap, const struct mask_list *l,
    const char *const *params, size_t n)
{
	char when[64];

	if (n > 4 && params[4][0] != '\0' &&
	    params[4][strspn(params[4], "0123456789")] == '\0' &&
	    whois_signon(when, sizeof(when), strtoll(params[4], NULL, 10)) > 0)
		return snprintf(out, cap, "%s: %s (set by %s, %s)", l->label,
		    params[2], params[3], when);
	if (n > 3)
		return snprintf(out, cap, "%s: %s (set by %s)", l->label,
		    params[2], params[3]);
	return snprintf(out, cap, "%s: %s", l->label, params[2]);
}

size_t
reply_format(char *out, size_t cap, int num, const char *const *params,
    size_t n, unsigned rows)
{
	const struct mask_list *l = mask_list(num);
	char rest[IRC_BODY_MAX];
	int w;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (n < 2)
		return 0;
	if (num == RPL_WHOREPLY) {
		if (n < 7)
			return 0;
		w = who_line(out, cap, params, n);
	} else if (num == RPL_ENDOFWHO) {
		if (rows == 0)
			w = snprintf(out, cap, "End of /WHO list for %s: no one",
			    params[1]);
		else
			w = snprintf(out, cap, "End of /WHO list for %s: %u "
			    "user%s", params[1], rows, rows == 1 ? "" : "s");
	} else if (num == RPL_CHANNELMODEIS) {
		if (n < 3)
			return 0;
		irc_join(rest, sizeof(rest), params, 2, n);
		w = snprintf(out, cap, "Modes of %s: %s", params[1], rest);
	} else if (l != NULL && num == l->entry) {
		if (n < 3)
			return 0;
		w = mask_line(out, cap, l, params, n);
	} else if (l != NULL) {
		if (rows == 0)
			w = snprintf(out, cap, "No %s on %s", l->many, params[1]);
		else
			w = snprintf(out, cap, "%u %s on %s", rows,
			    rows == 1 ? l->one : l->many, params[1]);
	} else if (num == RPL_INVITING) {
		if (n < 3)
			return 0;
		w = snprintf(out, cap, "Inviting %s to %s", params[1], params[2]);
	} else if (n == 2) {
		w = snprintf(out, cap, "%s", params[1]);
	} else {
		/* What it is about (a nick, a channel, a command), then
		 * the server's words. */
		irc_join(rest, sizeof(rest), params, 1, n - 1);
		w = snprintf(out, cap, "%s: %s", rest, params[n - 1]);
	}
	return utf8_fit(out, cap, w);
}

/* Rows of the WHO or mask list under way, for the count at its end. */
static unsigned who_rows, list_rows;

void
reply_show(int num, const char *const *params, size_t n)
{
	const struct mask_list *l = mask_list(num);
	struct buffer *b;
	char text[LINE_TEXT_MAX];
	unsigned rows = num == RPL_ENDOFWHO ? who_rows : list_rows;
	enum line_kind kind = LINE_INFO;

	if (reply_format(text, sizeof(text), num, params, n, rows) == 0)
		return;
	if (num == RPL_WHOREPLY || num == RPL_ENDOFWHO) {
		/* The server buffer, as irssi's and WeeChat's. */
		b = window_server();
		who_rows = num == RPL_WHOREPLY ? who_rows + 1 : 0;
	} else if (num == RPL_CHANNELMODEIS || l != NULL) {
		b = window_find(params[1]);
		if (b == NULL)
			b = window_current();
		if (l != NULL)
			list_rows = num == l->entry ? list_rows + 1 : 0;
	} else if (num >= 400 && num < 600) {
		b = self.registered ? window_current() : window_server();
		kind = LINE_ERROR;
	} else if (num == RPL_INVITING)
		b = window_current();
	else
		b = window_server();
	buffer_addf(b, kind, "%s", text);
}
