/*
 * nick.c: registered and reserved nicks in a hash table keyed by
 * irc_casehash, so NICK and PRIVMSG lookups stay O(1) with thousands of
 * clients. Chains go through client->hnext; the table doubles at load 1.
 */
#include <stdlib.h>

#include "natterd.h"

static struct client **table;
static size_t tablecap, count;

static void
grow(void)
{
	size_t ncap = tablecap ? tablecap * 2 : 256;
	struct client **nt = xcalloc(ncap, sizeof(*nt));

	for (size_t i = 0; i < tablecap; i++) {
		struct client *c = table[i], *next;
		for (; c != NULL; c = next) {
			next = c->hnext;
			c->hnext = nt[c->hash & (ncap - 1)];
			nt[c->hash & (ncap - 1)] = c;
		}
	}
	free(table);
	table = nt;
	tablecap = ncap;
}

struct client *
nick_find(const char *nick)
{
	if (tablecap == 0 || nick[0] == '\0')
		return NULL;
	uint32_t h = irc_casehash(nick);
	for (struct client *c = table[h & (tablecap - 1)]; c; c = c->hnext)
		if (c->hash == h && irc_casecmp(c->nick, nick) == 0)
			return c;
	return NULL;
}

void
nick_add(struct client *c)
{
	if (count + 1 > tablecap)
		grow();
	c->hash = irc_casehash(c->nick);
	c->hnext = table[c->hash & (tablecap - 1)];
	table[c->hash & (tablecap - 1)] = c;
	c->flags |= CL_NICK;
	count++;
}

void
nick_remove(struct client *c)
{
	if ((c->flags & CL_NICK) == 0 || tablecap == 0)
		return;
	struct client **pp = &table[c->hash & (tablecap - 1)];
	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			c->hnext = NULL;
			count--;
			break;
		}
	}
	c->flags &= ~CL_NICK;
}

void
nick_each(void (*fn)(struct client *, void *), void *arg)
{
	for (size_t i = 0; i < tablecap; i++) {
		struct client *c = table[i], *next;
		for (; c != NULL; c = next) {
			next = c->hnext;
			if ((c->flags & CL_REG) != 0)
				fn(c, arg);
		}
	}
}
