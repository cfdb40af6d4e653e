/*
 * readmark.c: draft/read-marker (ircv3.net/specs/extensions/read-marker):
 * MARKREAD says up to when a user has read a channel or a conversation,
 * so the devices of one user agree on what is new.
 *
 * A logged-in client's markers are its account's (struct account), so
 * every connection of that account shares them and they outlive the
 * connection (account.c keeps them in the database); a client without an
 * account has markers of its own connection, gone when it quits. A marker
 * only moves forward: an older timestamp changes nothing and is answered
 * with the one kept. Each list holds READMARK_MAX targets; past that the
 * one read longest ago gives way.
 */
#include <stdlib.h>
#include <string.h>

#include "natterd.h"

/* A marker ahead of the server's clock by more than this is refused: it
 * would mark messages read that nobody has sent yet. The slack covers a
 * client echoing a server-time from just before a clock step. */
#define READMARK_AHEAD_MS (60 * 1000)

static struct readmark *
find(const struct readmarks *l, const char *folded)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].target, folded) == 0)
			return &l->v[i];
	return NULL;
}

int64_t
readmark_get(const struct readmarks *l, const char *folded)
{
	const struct readmark *m = find(l, folded);

	return m != NULL ? m->time_ms : 0;
}

bool
readmark_set(struct readmarks *l, const char *folded, int64_t time_ms)
{
	struct readmark *m = find(l, folded);

	if (m != NULL) {
		if (time_ms <= m->time_ms)
			return false;
		m->time_ms = time_ms;
		m->dirty = true;
		l->dirty = true;
		return true;
	}
	if (l->n == READMARK_MAX) {
		/* Full: the target read longest ago makes room. */
		m = &l->v[0];
		for (uint32_t i = 1; i < l->n; i++)
			if (l->v[i].time_ms < m->time_ms)
				m = &l->v[i];
		l->rewrite = true;
	} else {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 8;
			l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
		}
		m = &l->v[l->n++];
	}
	str_copy(m->target, folded, sizeof(m->target));
	m->time_ms = time_ms;
	m->dirty = true;
	l->dirty = true;
	return true;
}

void
readmark_clean(struct readmarks *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		l->v[i].dirty = false;
	l->dirty = l->rewrite = false;
}

void
readmark_free(struct readmarks *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The markers c reads and moves: its account's, or its connection's. */
static struct readmarks *
marks_of(struct client *c, struct account **ap)
{
	struct account *a = c->account != NULL ? account_find(c->account) :
	    NULL;

	*ap = a;
	return a != NULL ? &a->marks : &c->marks;
}

/* "MARKREAD target timestamp=..." ("*": none) to one client. */
static void
send_marker(struct client *c, const char *target, int64_t time_ms)
{
	char ts[IRC_TIME_LEN + 1];

	if (time_ms > 0 && time_format(ts, sizeof(ts), time_ms) > 0)
		conn_sendf(c, ":%s MARKREAD %s timestamp=%s", cfg.name, target,
		    ts);
	else
		conn_sendf(c, ":%s MARKREAD %s *", cfg.name, target);
}

void
readmark_join(struct client *c, const struct chan *ch)
{
	struct account *a;
	char folded[IRC_CHAN_MAX + 1];

	if (!client_has_cap(c, CAP_READ_MARKER))
		return;
	irc_casefold(folded, ch->name, sizeof(folded));
	send_marker(c, ch->name, readmark_get(marks_of(c, &a), folded));
}

struct moved {
	const struct client *from;
	const char *account;
	const char *target;
	int64_t time_ms;
};

static void
moved_each(struct client *t, void *arg)
{
	const struct moved *mv = arg;

	if (t != mv->from && t->account != NULL &&
	    irc_casecmp(t->account, mv->account) == 0 &&
	    client_has_cap(t, CAP_READ_MARKER))
		send_marker(t, mv->target, mv->time_ms);
}

static void
fail(struct client *c, const char *code, const char *target,
    const char *text)
{
	conn_sendf(c, ":%s FAIL MARKREAD %s%s%s :%s", cfg.name, code,
	    target != NULL ? " " : "", target != NULL ? target : "", text);
}

/* MARKREAD <target> [timestamp=YYYY-MM-DDThh:mm:ss.sssZ] */
void
cmd_markread(struct client *c, struct irc_msg *m)
{
	const char *target = m->nparams > 0 ? m->params[0] : NULL;
	char folded[IRC_CHAN_MAX + 1];
	struct account *a;
	int64_t ms;

	if (target == NULL || target[0] == '\0') {
		fail(c, "NEED_MORE_PARAMS", NULL, "MARKREAD needs a target");
		return;
	}
	if (!irc_chan_valid(target, IRC_CHAN_MAX) &&
	    !irc_nick_valid(target, IRC_NICK_MAX)) {
		fail(c, "INVALID_PARAMS", conn_param(target),
		    "Not a channel or a nick");
		return;
	}
	irc_casefold(folded, target, sizeof(folded));
	struct readmarks *l = marks_of(c, &a);
	if (m->nparams < 2) {
		send_marker(c, target, readmark_get(l, folded));
		return;
	}
	if (strncmp(m->params[1], "timestamp=", 10) != 0 ||
	    !time_parse(m->params[1] + 10, &ms) || ms <= 0) {
		fail(c, "INVALID_PARAMS", target,
		    "The timestamp is not timestamp=YYYY-MM-DDThh:mm:ss.sssZ");
		return;
	}
	if (ms > time_now_ms() + READMARK_AHEAD_MS) {
		fail(c, "INVALID_PARAMS", target,
		    "The timestamp is in the future");
		return;
	}
	if (readmark_set(l, folded, ms) && a != NULL) {
		struct moved mv = { c, a->name, target, ms };
		account_save(a);
		nick_each(moved_each, &mv);
	}
	/* The sender hears the marker kept, moved or not. */
	send_marker(c, target, readmark_get(l, folded));
}
