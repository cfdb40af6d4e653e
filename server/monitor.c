/*
 * monitor.c: MONITOR (ircv3.net/specs/extensions/monitor): a client asks
 * to be told (730, 731) when nicks come and go. The watched nicks are a
 * hash table (common/htab.c) keyed by irc_casehash, each entry with its
 * watchers, so a
 * registration, nick change or quit costs one lookup however many
 * clients monitor; each client keeps its own entries (struct monlist)
 * for MONITOR L, -, C and its own exit. Targets are nicks only: no
 * masks, so nobody follows a person across nick changes (the spec's
 * privacy point).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "natterd.h"

struct monitor {
	struct hlink link;	/* in the table, by irc_casehash(nick) */
	struct client **watchers;
	uint32_t nwatchers, cap;
	char nick[IRC_NICK_MAX + 1];	/* as its first watcher spelled it */
};

struct monlist {
	uint32_t n;
	struct monitor *ent[MONITOR_MAX];
};

static struct htab table;

static bool
same(const struct hlink *l, const char *nick)
{
	return irc_casecmp(HLINK_ENTRY(l, struct monitor, link)->nick,
	    nick) == 0;
}

static struct monitor *
find(const char *nick)
{
	struct hlink *l = htab_find(&table, irc_casehash(nick), nick, same);

	return l != NULL ? HLINK_ENTRY(l, struct monitor, link) : NULL;
}

static struct monitor *
entry_get(const char *nick)
{
	struct monitor *e = find(nick);

	if (e != NULL)
		return e;
	e = xcalloc(1, sizeof(*e));
	str_copy(e->nick, nick, sizeof(e->nick));
	e->link.hash = irc_casehash(nick);
	htab_insert(&table, &e->link);
	return e;
}

/* Drop c from e's watchers; e goes when no one watches it any more. */
static void
entry_unwatch(struct monitor *e, struct client *c)
{
	for (uint32_t i = 0; i < e->nwatchers; i++) {
		if (e->watchers[i] == c) {
			e->watchers[i] = e->watchers[--e->nwatchers];
			break;
		}
	}
	if (e->nwatchers > 0)
		return;
	htab_remove(&table, &e->link);
	free(e->watchers);
	free(e);
}

/*
 * 730 and 731 carry comma-separated lists; a list is sent as one line
 * while it fits and split where it would not.
 */
struct numlist {
	struct client *c;
	enum numeric num;
	size_t n;
	char buf[IRC_BODY_MAX];
};

static void
list_flush(struct numlist *l)
{
	if (l->n > 0)
		conn_reply(l->c, l->num, ":%s", l->buf);
	l->n = 0;
}

static void
list_add(struct numlist *l, const char *item)
{
	/* Room for ":server NNN nick :" and CRLF around the list. */
	size_t room = IRC_BODY_MAX - strlen(cfg.name) - IRC_NICK_MAX - 12;
	size_t len = strlen(item);

	if (l->n > 0 && l->n + 1 + len > room)
		list_flush(l);
	int w = snprintf(l->buf + l->n, sizeof(l->buf) - l->n, "%s%s",
	    l->n ? "," : "", item);
	if (w > 0 && (size_t)w < sizeof(l->buf) - l->n)
		l->n += w;
}

/* 730 or 731 for one target: online with its nick!user@host. */
static void
status_add(struct numlist *on, struct numlist *off, const char *nick)
{
	struct client *t = nick_find(nick);

	if (t != NULL && (t->reg & REG_DONE) != 0)
		list_add(on, conn_prefix(t));
	else
		list_add(off, nick);
}

static void
monitor_plus(struct client *c, char *targets)
{
	struct numlist on = { c, RPL_MONONLINE, 0, "" };
	struct numlist off = { c, RPL_MONOFFLINE, 0, "" };
	char *t;

	if (c->monitor == NULL)
		c->monitor = xcalloc(1, sizeof(*c->monitor));
	struct monlist *ml = c->monitor;
	while ((t = strsep(&targets, ",")) != NULL) {
		if (t[0] == '\0')
			continue;
		if (!irc_nick_valid(t, IRC_NICK_MAX)) {
			conn_reply(c, ERR_ERRONEUSNICKNAME,
			    "%s :Erroneous nickname", conn_param(t));
			continue;
		}
		struct monitor *e = find(t);
		bool have = false;
		for (uint32_t i = 0; e != NULL && i < ml->n && !have; i++)
			have = ml->ent[i] == e;
		if (!have) {
			if (ml->n == MONITOR_MAX) {
				/* The rest of the list is refused, named in
				 * 734, as Ergo and InspIRCd do. */
				list_flush(&on);
				list_flush(&off);
				conn_reply(c, ERR_MONLISTFULL,
				    "%d %s%s%s :Monitor list is full",
				    MONITOR_MAX, t, targets ? "," : "",
				    targets ? targets : "");
				return;
			}
			e = entry_get(t);
			if (e->nwatchers == e->cap) {
				e->cap = e->cap ? e->cap * 2 : 4;
				e->watchers = xreallocarray(e->watchers,
				    e->cap, sizeof(*e->watchers));
			}
			e->watchers[e->nwatchers++] = c;
			ml->ent[ml->n++] = e;
		}
		status_add(&on, &off, t);
	}
	list_flush(&on);
	list_flush(&off);
}

static void
monitor_minus(struct client *c, char *targets)
{
	struct monlist *ml = c->monitor;
	char *t;

	while (ml != NULL && (t = strsep(&targets, ",")) != NULL) {
		struct monitor *e = t[0] ? find(t) : NULL;
		for (uint32_t i = 0; e != NULL && i < ml->n; i++) {
			if (ml->ent[i] == e) {
				ml->ent[i] = ml->ent[--ml->n];
				entry_unwatch(e, c);
				break;
			}
		}
	}
}

void
monitor_clear(struct client *c)
{
	struct monlist *ml = c->monitor;

	if (ml == NULL)
		return;
	for (uint32_t i = 0; i < ml->n; i++)
		entry_unwatch(ml->ent[i], c);
	free(ml);
	c->monitor = NULL;
}

/* "MONITOR + a,b", "- a,b", "C", "L", "S"; + and - need targets (461). */
void
cmd_monitor(struct client *c, struct irc_msg *m)
{
	const char *sub = m->params[0];
	char targets[IRC_BODY_MAX];

	if ((strcmp(sub, "+") == 0 || strcmp(sub, "-") == 0) &&
	    (m->nparams < 2 || m->params[1][0] == '\0')) {
		conn_reply(c, ERR_NEEDMOREPARAMS, "MONITOR :Not enough parameters");
		return;
	}
	if (strcmp(sub, "+") == 0) {
		str_copy(targets, m->params[1], sizeof(targets));
		monitor_plus(c, targets);
	} else if (strcmp(sub, "-") == 0) {
		str_copy(targets, m->params[1], sizeof(targets));
		monitor_minus(c, targets);
	} else if (strcasecmp(sub, "C") == 0) {
		monitor_clear(c);
	} else if (strcasecmp(sub, "L") == 0) {
		struct numlist l = { c, RPL_MONLIST, 0, "" };
		for (uint32_t i = 0; c->monitor && i < c->monitor->n; i++)
			list_add(&l, c->monitor->ent[i]->nick);
		list_flush(&l);
		conn_reply(c, RPL_ENDOFMONLIST, ":End of MONITOR list");
	} else if (strcasecmp(sub, "S") == 0) {
		struct numlist on = { c, RPL_MONONLINE, 0, "" };
		struct numlist off = { c, RPL_MONOFFLINE, 0, "" };
		for (uint32_t i = 0; c->monitor && i < c->monitor->n; i++)
			status_add(&on, &off, c->monitor->ent[i]->nick);
		list_flush(&on);
		list_flush(&off);
	} else {
		conn_reply(c, ERR_UNKNOWNCOMMAND, "MONITOR :Unknown subcommand");
	}
}

/* Tell everyone watching c's nick: 730 with its mask, or 731. */
static void
notify(struct client *c, bool online)
{
	struct monitor *e = find(c->nick);

	for (uint32_t i = 0; e != NULL && i < e->nwatchers; i++) {
		struct client *w = e->watchers[i];
		if (w->state != CONN_OPEN)
			continue;
		if (online)
			conn_reply(w, RPL_MONONLINE, ":%s", conn_prefix(c));
		else
			conn_reply(w, RPL_MONOFFLINE, ":%s", c->nick);
	}
}

void
monitor_online(struct client *c)
{
	notify(c, true);
}

void
monitor_offline(struct client *c)
{
	notify(c, false);
}

void
monitor_relay(struct client *c, struct relay *r, uint32_t need,
    uint32_t stamp)
{
	struct monitor *e = (c->reg & REG_DONE) != 0 ? find(c->nick) : NULL;

	for (uint32_t i = 0; e != NULL && i < e->nwatchers; i++) {
		struct client *w = e->watchers[i];
		if (w->mark == stamp || w->state != CONN_OPEN ||
		    !client_has_cap(w, CAP_EXTENDED_MONITOR) ||
		    !client_has_cap(w, need))
			continue;
		w->mark = stamp;
		relay_send(r, w);
	}
}
