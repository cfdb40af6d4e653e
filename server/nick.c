/*
 * nick.c: registered and reserved nicks in a hash table keyed by
 * irc_casehash (common/htab.c), so NICK and PRIVMSG lookups stay O(1) with
 * thousands of clients.
 */
#include <stdlib.h>
#include <string.h>

#include "natterd.h"

static struct htab table;

static bool
nick_same(const struct hlink *l, const char *nick)
{
	return irc_casecmp(HLINK_ENTRY(l, struct client, nlink)->nick,
	    nick) == 0;
}

struct client *
nick_find(const char *nick)
{
	if (nick[0] == '\0')
		return NULL;
	struct hlink *l = htab_find(&table, irc_casehash(nick), nick, nick_same);
	return l != NULL ? HLINK_ENTRY(l, struct client, nlink) : NULL;
}

void
nick_add(struct client *c)
{
	c->nlink.hash = irc_casehash(c->nick);
	htab_insert(&table, &c->nlink);
	c->reg |= REG_NICK;
}

void
nick_remove(struct client *c)
{
	if ((c->reg & REG_NICK) == 0)
		return;
	htab_remove(&table, &c->nlink);
	c->reg &= ~REG_NICK;
}

void
nick_each(void (*fn)(struct client *, void *), void *arg)
{
	struct hlink *l, *next;

	for (l = htab_first(&table); l != NULL; l = next) {
		struct client *c = HLINK_ENTRY(l, struct client, nlink);
		next = htab_next(&table, l);
		if ((c->reg & REG_DONE) != 0)
			fn(c, arg);
	}
}

void
nick_change(struct client *c, const char *nick)
{
	if (strcmp(c->nick, nick) == 0)
		return;
	if ((c->reg & REG_DONE) != 0) {
		struct relay r;
		const char *params[] = { nick };

		relay_init(&r, cmd_time_ms, NULL, NULL, conn_prefix(c), "NICK",
		    1, params);
		r.account = c->account;
		relay_send(&r, c);
		chan_relay_common(c, &r, 0);
		relay_done(&r);
		whowas_add(c);
	}
	/* A change of case only keeps the nick: no 731/730 (monitor). */
	bool renamed = (c->reg & REG_DONE) != 0 &&
	    irc_casecmp(c->nick, nick) != 0;
	if (renamed)
		monitor_offline(c);
	nick_remove(c);
	str_copy(c->nick, nick, sizeof(c->nick));
	nick_add(c);
	if (renamed)
		monitor_online(c);
}
