/*
 * htab.c: the chained hash table under natterd's nick, channel and
 * history-target tables. Entries embed a struct hlink and bring their own
 * hash; buckets are a power of two, doubled past one entry per bucket on
 * average, so chains stay short without a resize per insert.
 */
#include <stdlib.h>

#include "util.h"

#define HTAB_MIN 64

static void
htab_grow(struct htab *tb)
{
	size_t cap = tb->cap ? tb->cap * 2 : HTAB_MIN;
	struct hlink **nb = xcalloc(cap, sizeof(*nb));

	for (size_t i = 0; i < tb->cap; i++) {
		struct hlink *l = tb->bucket[i], *next;
		for (; l != NULL; l = next) {
			next = l->next;
			l->next = nb[l->hash & (cap - 1)];
			nb[l->hash & (cap - 1)] = l;
		}
	}
	free(tb->bucket);
	tb->bucket = nb;
	tb->cap = cap;
}

struct hlink *
htab_find(const struct htab *tb, uint32_t hash, const char *key,
    bool (*same)(const struct hlink *l, const char *key))
{
	if (tb->cap == 0)
		return NULL;
	for (struct hlink *l = tb->bucket[hash & (tb->cap - 1)]; l != NULL;
	    l = l->next)
		if (l->hash == hash && same(l, key))
			return l;
	return NULL;
}

void
htab_insert(struct htab *tb, struct hlink *l)
{
	if (tb->count >= tb->cap)
		htab_grow(tb);
	struct hlink **slot = &tb->bucket[l->hash & (tb->cap - 1)];
	l->next = *slot;
	*slot = l;
	tb->count++;
}

void
htab_remove(struct htab *tb, struct hlink *l)
{
	struct hlink **pp = &tb->bucket[l->hash & (tb->cap - 1)];

	while (*pp != l)
		pp = &(*pp)->next;
	*pp = l->next;
	l->next = NULL;
	tb->count--;
}

static struct hlink *
htab_from(const struct htab *tb, size_t i)
{
	for (; i < tb->cap; i++)
		if (tb->bucket[i] != NULL)
			return tb->bucket[i];
	return NULL;
}

struct hlink *
htab_first(const struct htab *tb)
{
	return htab_from(tb, 0);
}

struct hlink *
htab_next(const struct htab *tb, const struct hlink *l)
{
	if (l->next != NULL)
		return l->next;
	return htab_from(tb, (l->hash & (tb->cap - 1)) + 1);
}

void
htab_free(struct htab *tb)
{
	free(tb->bucket);
	tb->bucket = NULL;
	tb->cap = tb->count = 0;
}
