/*
 * chan.c: channels and membership. Channels live in a hash table keyed by
 * irc_casehash of the name (common/htab.c); each keeps its members in an
 * array (fan-out walks it), each client its memberships in a list (it is
 * in few).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natterd.h"

size_t chan_count;

static struct htab table;
static uint32_t visit;	/* stamp for once-per-client fan-out */

static bool
chan_same(const struct hlink *l, const char *name)
{
	return irc_casecmp(HLINK_ENTRY(l, struct chan, link)->name, name) == 0;
}

struct chan *
chan_find(const char *name)
{
	struct hlink *l = htab_find(&table, irc_casehash(name), name,
	    chan_same);
	return l != NULL ? HLINK_ENTRY(l, struct chan, link) : NULL;
}

struct chan *
chan_create(const char *name)
{
	struct chan *ch = xcalloc(1, sizeof(*ch));

	str_copy(ch->name, name, sizeof(ch->name));
	ch->link.hash = irc_casehash(ch->name);
	ch->created = time_now_ms() / 1000;
	ch->modes = CM_NOEXTERNAL | CM_TOPIC;
	htab_insert(&table, &ch->link);
	chan_count++;
	ch->restored = chanstate_restore(ch);
	return ch;
}

void
chan_discard(struct chan *ch)
{
	htab_remove(&table, &ch->link);
	chan_count--;
	for (size_t l = 0; l < CHAN_LISTS; l++) {
		for (uint32_t i = 0; i < ch->lists[l].n; i++) {
			free(ch->lists[l].v[i].mask);
			free(ch->lists[l].v[i].setter);
		}
		free(ch->lists[l].v);
	}
	free(ch->members);
	free(ch->topic);
	free(ch->topic_who);
	free(ch->opaccs);
	free(ch);
}

static void
chan_destroy(struct chan *ch)
{
	chanstate_leave(ch);
	chan_discard(ch);
}

/* Where account is in the space-separated list s, or NULL. */
static const char *
opacc_find(const char *s, const char *account)
{
	size_t n = strlen(account);

	for (const char *p = s; p != NULL && *p != '\0';) {
		if (strncmp(p, account, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return p;
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	return NULL;
}

bool
chan_opacc_has(const struct chan *ch, const char *account)
{
	return account[0] != '\0' && (strcmp(ch->owner, account) == 0 ||
	    opacc_find(ch->opaccs, account) != NULL);
}

bool
chan_opacc_set(struct chan *ch, const char *account, bool on)
{
	const char *at = opacc_find(ch->opaccs, account);
	size_t n = strlen(account), len = ch->opaccs ? strlen(ch->opaccs) : 0;

	if (account[0] == '\0' || on == (at != NULL))
		return false;
	if (on) {
		/* The oldest is dropped past the cap, as INVITEs are. */
		size_t count = len > 0;
		for (const char *p = ch->opaccs; p && *p; p++)
			count += *p == ' ';
		if (count >= CHAN_OPACCS_MAX) {
			char *sp = strchr(ch->opaccs, ' ');
			memmove(ch->opaccs, sp + 1, strlen(sp + 1) + 1);
			len = strlen(ch->opaccs);
		}
		ch->opaccs = xrealloc(ch->opaccs, len + n + 2);
		snprintf(ch->opaccs + len, n + 2, "%s%s", len > 0 ? " " : "",
		    account);
		return true;
	}
	char *p = ch->opaccs + (at - ch->opaccs);
	size_t drop = p[n] == ' ' ? n + 1 : n;
	if (p[n] == '\0' && p > ch->opaccs)
		p--, drop++;	/* the last one: its leading space goes */
	memmove(p, p + drop, strlen(p + drop) + 1);
	return true;
}

bool
chan_opacc_client(const struct chan *ch, const struct client *c)
{
	char folded[IRC_NICK_MAX + 1];

	if (c->account == NULL)
		return false;
	irc_casefold(folded, c->account, sizeof(folded));
	return chan_opacc_has(ch, folded);
}

bool
chan_visible(const struct chan *ch, const struct client *c)
{
	return (ch->modes & CM_SECRET) == 0 || chan_member(ch, c) != NULL ||
	    (c->umodes & UMODE_OPER) != 0;
}

struct chan *
chan_find_visible(const char *name, const struct client *c)
{
	struct chan *ch = chan_find(name);

	return ch != NULL && chan_visible(ch, c) ? ch : NULL;
}

struct member *
chan_member(const struct chan *ch, const struct client *c)
{
	for (struct member *m = c->chans; m != NULL; m = m->cnext)
		if (m->chan == ch)
			return m;
	return NULL;
}

struct member *
chan_add(struct chan *ch, struct client *c)
{
	struct member *m = xcalloc(1, sizeof(*m));

	if (ch->nmembers == ch->cap) {
		ch->cap = ch->cap ? ch->cap * 2 : 4;
		ch->members = xreallocarray(ch->members, ch->cap,
		    sizeof(*ch->members));
	}
	m->client = c;
	m->chan = ch;
	m->idx = ch->nmembers;
	m->joined_ms = cmd_time_ms;
	m->joined_id = hist_last_id();
	ch->members[ch->nmembers++] = m;
	m->cnext = c->chans;
	c->chans = m;
	return m;
}

void
chan_remove(struct chan *ch, struct client *c)
{
	struct member **pp, *m = NULL;

	for (pp = &c->chans; *pp != NULL; pp = &(*pp)->cnext) {
		if ((*pp)->chan == ch) {
			m = *pp;
			*pp = m->cnext;
			break;
		}
	}
	if (m == NULL)
		return;
	ch->members[m->idx] = ch->members[--ch->nmembers];
	ch->members[m->idx]->idx = m->idx;
	free(m);
	if (ch->nmembers == 0)
		chan_destroy(ch);
}

void
chan_set_topic(struct chan *ch, const char *topic, const char *who,
    int64_t when)
{
	free(ch->topic);
	free(ch->topic_who);
	ch->topic = topic != NULL && topic[0] != '\0' ? xstrdup(topic) : NULL;
	ch->topic_who = xstrdup(who);
	ch->topic_time = when;
	chanstate_save(ch);
}

void
chan_relay(struct chan *ch, struct relay *r, const struct client *except)
{
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct client *c = ch->members[i]->client;
		if (c != except)
			relay_send(r, c);
	}
}

void
chan_relay_common(struct client *c, struct relay *r, uint32_t need)
{
	visit++;
	c->mark = visit;
	for (struct member *m = c->chans; m != NULL; m = m->cnext) {
		struct chan *ch = m->chan;
		for (uint32_t i = 0; i < ch->nmembers; i++) {
			struct client *o = ch->members[i]->client;
			if (o->mark == visit)
				continue;
			o->mark = visit;
			if (need == 0 || client_has_cap(o, need))
				relay_send(r, o);
		}
	}
	/* What a capability announces (AWAY, SETNAME, ACCOUNT) also goes
	 * to extended-monitor watchers; NICK and QUIT are 730 and 731. */
	if (need != 0)
		monitor_relay(c, r, need, visit);
}

struct ban *
chan_ban_find(const struct chan *ch, enum chan_list l, const char *mask)
{
	const struct banlist *bl = &ch->lists[l];

	for (uint32_t i = 0; i < bl->n; i++)
		if (irc_casecmp(bl->v[i].mask, mask) == 0)
			return &bl->v[i];
	return NULL;
}

void
chan_ban_add(struct chan *ch, enum chan_list l, const char *mask,
    const char *setter, int64_t when)
{
	struct banlist *bl = &ch->lists[l];

	if (bl->n == bl->cap) {
		bl->cap = bl->cap ? bl->cap * 2 : 4;
		bl->v = xreallocarray(bl->v, bl->cap, sizeof(*bl->v));
	}
	bl->v[bl->n].mask = xstrdup(mask);
	bl->v[bl->n].setter = xstrdup(setter);
	bl->v[bl->n].time = when;
	bl->n++;
}

void
chan_ban_del(struct chan *ch, enum chan_list l, struct ban *b)
{
	struct banlist *bl = &ch->lists[l];
	size_t i = b - bl->v;

	free(b->mask);
	free(b->setter);
	/* Keep the order: 367 lists bans oldest first, as they were set. */
	memmove(b, b + 1, (bl->n - i - 1) * sizeof(*b));
	bl->n--;
}

bool
chan_listed(const struct chan *ch, enum chan_list l, const struct client *c)
{
	const struct banlist *bl = &ch->lists[l];

	if (bl->n == 0)
		return false;
	const char *who = conn_prefix(c);
	for (uint32_t i = 0; i < bl->n; i++)
		if (irc_match(bl->v[i].mask, who))
			return true;
	return false;
}

/*
 * Alphabetical, the order of 004's lists and of 324's letters; the prefix
 * modes are also in rank order among themselves (o above v), the order of
 * PREFIX= and of a multi-prefix "@+".
 */
static const struct chan_mode chan_modes[] = {
	{ 'I', CMK_LIST, CHAN_INVEX, 0 },
	{ 'b', CMK_LIST, CHAN_BANS, 0 },
	{ 'i', CMK_FLAG, CM_INVITE, 0 },
	{ 'k', CMK_PARAM, CM_KEY, 0 },
	{ 'l', CMK_SETPARAM, CM_LIMIT, 0 },
	{ 'm', CMK_FLAG, CM_MODERATED, 0 },
	{ 'n', CMK_FLAG, CM_NOEXTERNAL, 0 },
	{ 'o', CMK_PREFIX, MM_OP, '@' },
	{ 's', CMK_FLAG, CM_SECRET, 0 },
	{ 't', CMK_FLAG, CM_TOPIC, 0 },
	{ 'v', CMK_PREFIX, MM_VOICE, '+' },
};
_Static_assert(nitems(chan_modes) <= CHAN_MODES_MAX, "CHAN_MODES_MAX");

const struct chan_mode *
chan_mode_find(char letter)
{
	for (size_t i = 0; i < nitems(chan_modes); i++)
		if (chan_modes[i].letter == letter)
			return &chan_modes[i];
	return NULL;
}

/* The letter (or prefix) of each mode of kinds whose bit is set in bits
 * (a list mode has none; UINT32_MAX: every one), in table order. */
static void
mode_chars(char *buf, size_t cap, unsigned kinds, uint32_t bits,
    bool prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < nitems(chan_modes) && n + 1 < cap; i++) {
		const struct chan_mode *md = &chan_modes[i];
		if ((md->kind & kinds) != 0 &&
		    (md->bit & ~bits) == 0)
			buf[n++] = prefix ? md->prefix : md->letter;
	}
	buf[n] = '\0';
}

void
chan_mode_letters(char *buf, size_t cap, unsigned kinds)
{
	mode_chars(buf, cap, kinds, UINT32_MAX, false);
}

void
chan_mode_prefixes(char *buf, size_t cap)
{
	mode_chars(buf, cap, CMK_PREFIX, UINT32_MAX, true);
}

void
chan_mode_flags(uint32_t modes, char *buf, size_t cap)
{
	mode_chars(buf, cap, CMK_CHANNEL, modes, false);
}

uint32_t
chan_mode_parse(const char *s)
{
	uint32_t modes = 0;

	for (; *s != '\0'; s++) {
		const struct chan_mode *md = chan_mode_find(*s);
		if (md != NULL && (md->kind & CMK_CHANNEL) != 0)
			modes |= md->bit;
	}
	return modes;
}

void
chan_mode_string(const struct chan *ch, bool show_key, char *buf, size_t cap)
{
	size_t n;

	buf[0] = '+';
	chan_mode_flags(ch->modes, buf + 1, cap - 1);
	n = strlen(buf);
	if ((ch->modes & CM_KEY) != 0)
		n += snprintf(buf + n, cap - n, " %s",
		    show_key ? ch->key : "*");
	if ((ch->modes & CM_LIMIT) != 0 && n < cap)
		snprintf(buf + n, cap - n, " %u", ch->limit);
}

const char *
chan_prefix(const struct member *m, bool multi)
{
	static char buf[8];

	/* Without multi-prefix only the highest status shows. */
	mode_chars(buf, multi ? sizeof(buf) : 2, CMK_PREFIX, m->modes, true);
	return buf;
}

void
chan_each(void (*fn)(struct chan *, void *), void *arg)
{
	struct hlink *l, *next;

	for (l = htab_first(&table); l != NULL; l = next) {
		next = htab_next(&table, l);
		fn(HLINK_ENTRY(l, struct chan, link), arg);
	}
}
