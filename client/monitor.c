/*
 * /notify: who to watch, through MONITOR. The list is natter's own: it
 * outlives connections and is given to each server that has MONITOR
 * (ISUPPORT), which then says when those nicks come and go (730, 731).
 * A server without MONITOR keeps the list unwatched; natter does not
 * poll with ISON, which costs a line a minute for a late answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

static struct {
	char nick[IRC_NICK_MAX + 1];
	enum monitor_state state;
} list[MONITOR_MAX];
static size_t nlist;

static size_t
find(const char *nick)
{
	for (size_t i = 0; i < nlist; i++)
		if (irc_casecmp(list[i].nick, nick) == 0)
			return i;
	return nlist;
}

enum monitor_state
monitor_state(const char *nick)
{
	size_t i = find(nick);

	return i < nlist ? list[i].state : MONITOR_UNKNOWN;
}

void
monitor_clear(void)
{
	nlist = 0;
}

static bool
server_has(void)
{
	return self.registered && self.monitor_max > 0;
}

/* MONITOR +|- with the nicks of names (comma-separated), in lines that
 * fit a message. */
static void
send_list(char sign, const char *const *names, size_t n)
{
	char line[IRC_BODY_MAX];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		if (k > 0 && k + 1 + len > IRC_BODY_MAX - 16) {
			net_sendf("MONITOR %c %s", sign, line);
			k = 0;
		}
		k += (size_t)snprintf(line + k, sizeof(line) - k, "%s%s",
		    k > 0 ? "," : "", names[i]);
	}
	if (k > 0)
		net_sendf("MONITOR %c %s", sign, line);
}

void
monitor_registered(void)
{
	const char *names[MONITOR_MAX];
	size_t n = 0;

	for (size_t i = 0; i < nlist; i++) {
		list[i].state = MONITOR_UNKNOWN;
		if (n < self.monitor_max)
			names[n++] = list[i].nick;
	}
	if (server_has())
		send_list('+', names, n);
}

static const char *
state_word(enum monitor_state st)
{
	return st == MONITOR_ONLINE ? "online" : st == MONITOR_OFFLINE ?
	    "offline" : "not known yet";
}

static void
show_list(struct buffer *b)
{
	char text[LINE_TEXT_MAX];
	size_t k = 0;

	if (nlist == 0) {
		buffer_addf(b, LINE_INFO, "Nobody on the notify list "
		    "(/notify add nick)");
		return;
	}
	text[0] = '\0';
	for (size_t i = 0; i < nlist && k < sizeof(text); i++)
		k += (size_t)snprintf(text + k, sizeof(text) - k, "%s%s (%s)",
		    i > 0 ? ", " : "", list[i].nick, state_word(list[i].state));
	buffer_addf(b, LINE_INFO, "Notify list: %s", text);
	if (!server_has())
		buffer_addf(b, LINE_INFO, "%s", self.registered ?
		    "This server has no MONITOR: nobody is watched" :
		    "Watched once connected");
}

void
monitor_command(struct buffer *b, char *args)
{
	char *save = NULL, *verb = strtok_r(args, " ", &save), *nick;
	const char *names[MONITOR_MAX];
	size_t n = 0;
	bool add;

	if (verb == NULL || strcmp(verb, "list") == 0) {
		show_list(b);
		return;
	}
	if (strcmp(verb, "add") != 0 && strcmp(verb, "del") != 0) {
		buffer_addf(b, LINE_ERROR, "Usage: /notify add|del|list [nick...]");
		return;
	}
	add = verb[0] == 'a';
	if (save == NULL || save[strspn(save, " ,")] == '\0') {
		buffer_addf(b, LINE_ERROR, "Usage: /notify %s nick...", verb);
		return;
	}
	while ((nick = strtok_r(NULL, " ,", &save)) != NULL) {
		size_t i = find(nick);
		if (!irc_nick_valid(nick, IRC_NICK_MAX)) {
			buffer_addf(b, LINE_ERROR, "Not a nickname: %s", nick);
			continue;
		}
		if (add && i == nlist) {
			if (nlist == MONITOR_MAX || (self.monitor_max > 0 &&
			    nlist >= self.monitor_max)) {
				buffer_addf(b, LINE_ERROR, "The notify list is "
				    "full (%zu)", nlist);
				break;
			}
			str_copy(list[nlist].nick, nick, sizeof(list[nlist].nick));
			list[nlist].state = MONITOR_UNKNOWN;
			names[n++] = list[nlist++].nick;
		} else if (!add && i < nlist) {
			names[n++] = nick;
			list[i] = list[--nlist];
		}
	}
	if (n == 0)
		return;
	if (server_has())
		send_list(add ? '+' : '-', names, n);
	buffer_addf(b, LINE_INFO, "%s %zu nick%s %s the notify list%s",
	    add ? "Added" : "Removed", n, n == 1 ? "" : "s",
	    add ? "to" : "from", server_has() || !self.registered ? "" :
	    " (this server has no MONITOR: not watched)");
}

void
monitor_heard(char *nicks, bool online)
{
	char *save = NULL;
	struct buffer *cur = window_current();

	for (char *t = strtok_r(nicks, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		t[strcspn(t, "!")] = '\0';
		size_t i = find(t);
		enum monitor_state st = online ? MONITOR_ONLINE : MONITOR_OFFLINE;
		if (i == nlist || list[i].state == st)
			continue;
		/* The first answer after MONITOR + is the state, not news. */
		bool news = list[i].state != MONITOR_UNKNOWN;
		list[i].state = st;
		buffer_addf(cur, news ? LINE_INFO : LINE_EVENT, "%s %s%s",
		    list[i].nick, news ? (online ? "came online" :
		    "went offline") : "is", news ? "" : online ? " online" :
		    " offline");
	}
}

void
monitor_full(const char *nicks)
{
	buffer_addf(window_current(), LINE_ERROR,
	    "The server's notify list is full (%u): %s not watched",
	    self.monitor_max, nicks);
}
