/*
 * nick.c: registered and reserved nicks in a hash table keyed by
 * irc_casehash (common/htab.c), so NICK and PRIVMSG lookups stay O(1) with
 * thousands of clients.
 */
#include <stdlib.h>

#include "natterd.h"

static struct htab table;

struct client *
nick_find(const char *nick)
{
	if (nick[0] == '\0')
		return NULL;
	uint32_t h = irc_casehash(nick);
	for (struct hlink *l = htab_chain(&table, h); l != NULL; l = l->next) {
		struct client *c = HLINK_ENTRY(l, struct client, nlink);
		if (l->hash == h && irc_casecmp(c->nick, nick) == 0)
			return c;
	}
	return NULL;
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
