/*
 * chanserv.c: the ChanServ pseudo-user, as Ergo's, for those who type
 * "/msg ChanServ REGISTER #chan" out of habit. It works on the ownership
 * natterd keeps anyway (chanstate.c): a logged-in user's new channel is
 * already their account's, and +o given to a logged-in member adds an
 * operator account. REGISTER marks the channel so it is kept when it
 * empties, history or not, across restarts; DROP forgets its owner,
 * operator accounts and, once empty, its kept state; OP gives an owner's
 * or operator account's connection its +o back; INFO tells who owns it,
 * except a +s channel's to an outsider, who hears what a missing
 * channel's would be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "natterd.h"

#define cs_reply(c, ...) service_notice((c), CHANSERV_NICK, __VA_ARGS__)

/* A channel's ownership: the live channel's, or an emptied one's kept
 * state. */
struct owned {
	struct chan *ch;	/* NULL: emptied */
	const char *name;
	const char *owner;	/* folded account, "" when none */
	const char *opaccs;	/* folded, space-separated */
	int64_t registered;
};

/* Whether account (folded) is a word of the space-separated list. */
static bool
listed(const char *list, const char *account)
{
	size_t n = strlen(account);

	for (const char *p = list; *p != '\0';) {
		size_t len = strcspn(p, " ");
		if (len == n && strncmp(p, account, n) == 0)
			return true;
		p += len;
		p += strspn(p, " ");
	}
	return false;
}

/* The account name as registered ("Alice"), or the folded one. */
static const char *
shown(const char *folded)
{
	const struct account *a = account_find(folded);

	return a != NULL ? a->name : folded;
}

/* c's account, folded, into buf; false when c is not logged in. */
static bool
folded_account(const struct client *c, char *buf, size_t cap)
{
	if (c->account == NULL)
		return false;
	irc_casefold(buf, c->account, cap);
	return true;
}

/*
 * name's ownership, when c may learn of the channel: false for a channel
 * with neither members nor kept state, and for a +s one c is not in,
 * unless c is an IRC operator or logged in to its owner or one of its
 * operator accounts.
 */
static bool
find_owned(const struct client *c, const char *name, struct owned *o)
{
	struct hist_chan hc;
	char acc[IRC_NICK_MAX + 1];
	bool secret;

	if (!irc_chan_valid(name, IRC_CHAN_MAX))
		return false;
	if ((o->ch = chan_find(name)) != NULL) {
		o->name = o->ch->name;
		o->owner = o->ch->owner;
		o->opaccs = o->ch->opaccs != NULL ? o->ch->opaccs : "";
		o->registered = o->ch->registered;
		secret = !chan_visible(o->ch, c);
	} else if (chanstate_kept(name, &hc)) {
		o->name = hc.name;
		o->owner = hc.owner;
		o->opaccs = hc.opaccs;
		o->registered = hc.owner[0] != '\0' ? hc.registered : 0;
		secret = strchr(hc.modes, 's') != NULL &&
		    (c->umodes & UMODE_OPER) == 0;
	} else
		return false;
	if (secret && folded_account(c, acc, sizeof(acc)))
		secret = strcmp(o->owner, acc) != 0 && !listed(o->opaccs, acc);
	return !secret;
}

static unsigned
count_words(const char *list)
{
	unsigned n = 0;

	for (const char *p = list; *p != '\0';) {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		n++;
		p += strcspn(p, " ");
	}
	return n;
}

/* ChanServ's commands */

static void
cs_register(struct client *c, char **argv, int argc)
{
	char acc[IRC_NICK_MAX + 1];
	struct chan *ch = chan_find(argv[0]);
	struct member *mb;

	folded_account(c, acc, sizeof(acc));
	if (ch == NULL || !chan_visible(ch, c)) {
		cs_reply(c, "No such channel %s", conn_param(argv[0]));
		return;
	}
	if ((mb = chan_member(ch, c)) == NULL || (mb->modes & MM_OP) == 0) {
		cs_reply(c, "You must be a channel operator on %s to register "
		    "it", ch->name);
		return;
	}
	if (ch->owner[0] != '\0' && strcmp(ch->owner, acc) != 0) {
		cs_reply(c, "%s belongs to the account %s: only it may "
		    "register the channel", ch->name, shown(ch->owner));
		return;
	}
	if (ch->registered != 0) {
		cs_reply(c, "Channel %s is already registered", ch->name);
		return;
	}
	struct account *a = account_find(acc);
	if (a == NULL)
		return;
	if (a->nchans >= CHANSERV_PER_ACCOUNT &&
	    (c->umodes & UMODE_OPER) == 0) {
		cs_reply(c, "You have already registered %d channels: drop one "
		    "first", CHANSERV_PER_ACCOUNT);
		return;
	}
	a->nchans++;
	str_copy(ch->owner, acc, sizeof(ch->owner));
	ch->registered = time_now_ms() / 1000;
	chanstate_save(ch);
	log_info("%s registered %s", conn_prefix(c), ch->name);
	cs_reply(c, "Channel %s successfully registered", ch->name);
}

static void
cs_drop(struct client *c, char **argv, int argc)
{
	char acc[IRC_NICK_MAX + 1], name[IRC_CHAN_MAX + 1];
	struct owned o;

	folded_account(c, acc, sizeof(acc));
	/* A channel that is owned but not registered (its creator's) may
	 * be dropped too: the ownership is the same. */
	if (!find_owned(c, argv[0], &o) || o.owner[0] == '\0') {
		cs_reply(c, "Channel %s is not registered",
		    conn_param(argv[0]));
		return;
	}
	str_copy(name, o.name, sizeof(name));
	if (strcmp(o.owner, acc) != 0 && (c->umodes & UMODE_OPER) == 0) {
		cs_reply(c, "Only the founder of %s may do that", name);
		return;
	}
	struct account *a = account_find(o.owner);
	if (o.registered != 0 && a != NULL && a->nchans > 0)
		a->nchans--;
	if (o.ch != NULL) {
		/* Live, it stays as it is, without its accounts; what is kept
		 * of it when it empties is then as for any channel. */
		o.ch->owner[0] = '\0';
		free(o.ch->opaccs);
		o.ch->opaccs = NULL;
		o.ch->registered = 0;
		chanstate_save(o.ch);
	} else
		chanstate_drop(name);
	log_info("%s dropped %s", conn_prefix(c), name);
	cs_reply(c, "Channel %s is now unregistered", name);
}

static void
cs_op(struct client *c, char **argv, int argc)
{
	char acc[IRC_NICK_MAX + 1];
	struct owned o;
	struct client *t = c;
	struct member *tm;

	folded_account(c, acc, sizeof(acc));
	if (!find_owned(c, argv[0], &o) || o.ch == NULL) {
		cs_reply(c, "No such channel %s", conn_param(argv[0]));
		return;
	}
	struct chan *ch = o.ch;
	if (chan_member(ch, c) == NULL) {
		cs_reply(c, "You are not on %s", ch->name);
		return;
	}
	bool owner = strcmp(ch->owner, acc) == 0;
	if (argc > 1 && irc_casecmp(argv[1], c->nick) != 0) {
		if (!owner) {
			cs_reply(c, "Only the founder of %s may op others",
			    ch->name);
			return;
		}
		t = nick_find(argv[1]);
	} else if (!chan_opacc_has(ch, acc)) {
		cs_reply(c, "You have no operator access to %s", ch->name);
		return;
	}
	if (t == NULL || (tm = chan_member(ch, t)) == NULL) {
		cs_reply(c, "No such nick %s on %s", conn_param(argv[1]),
		    ch->name);
		return;
	}
	if ((tm->modes & MM_OP) == 0) {
		tm->modes |= MM_OP;
		/* As MODE +o does: a logged-in member's account becomes
		 * one of the channel's operators. Saved first, so the MODE
		 * line waits for it. */
		char tacc[IRC_NICK_MAX + 1];
		if (t != c && folded_account(t, tacc, sizeof(tacc)) &&
		    chan_opacc_set(ch, tacc, true))
			chanstate_save(ch);
		char source[IRC_NICK_MAX * 2 + IRC_HOST_MAX + 3];
		snprintf(source, sizeof(source), "%s!%s@%s", CHANSERV_NICK,
		    CHANSERV_NICK, cfg.name);
		const char *params[] = { ch->name, "+o", t->nick };
		struct relay r;
		relay_init(&r, cmd_time_ms, NULL, NULL, source, "MODE",
		    nitems(params), params);
		chan_relay(ch, &r, NULL);
		relay_done(&r);
		log_info("%s opped %s in %s through %s", conn_prefix(c),
		    t->nick, ch->name, CHANSERV_NICK);
	}
	cs_reply(c, "Successfully granted operator privileges");
}

static void
cs_info(struct client *c, char **argv, int argc)
{
	struct owned o;
	char when[64];
	struct tm tm;

	if (!find_owned(c, argv[0], &o)) {
		cs_reply(c, "Channel %s is not registered",
		    conn_param(argv[0]));
		return;
	}
	cs_reply(c, "Channel %s is %sregistered", o.name,
	    o.registered != 0 ? "" : "not ");
	if (o.owner[0] != '\0')
		cs_reply(c, "Founder: %s", shown(o.owner));
	if (o.registered != 0) {
		time_t t = o.registered;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
		    gmtime_r(&t, &tm));
		cs_reply(c, "Registered at: %s", when);
	}
	cs_reply(c, "Operator accounts: %u", count_words(o.opaccs));
}

static void cs_help(struct client *, char **, int);

static const struct service_command cs_commands[] = {
	{ "DROP", cs_drop, 1, true,
	    "DROP #channel: forget its founder and operator accounts" },
	{ "HELP", cs_help, 0, false, "HELP: this list" },
	{ "INFO", cs_info, 1, false,
	    "INFO #channel: its founder and operator accounts" },
	{ "OP", cs_op, 1, true,
	    "OP #channel [nick]: +o for you, or (founder) for nick" },
	{ "REGISTER", cs_register, 1, true,
	    "REGISTER #channel: make a channel you operate your account's, "
	    "kept when it empties" },
	/* Ergo's name for DROP. */
	{ "UNREGISTER", cs_drop, 1, true, "UNREGISTER #channel: as DROP" },
};

static void
cs_help(struct client *c, char **argv, int argc)
{
	for (size_t i = 0; i < nitems(cs_commands); i++)
		cs_reply(c, "%s", cs_commands[i].usage);
}

void
chanserv_message(struct client *c, const char *text)
{
	service_run(c, CHANSERV_NICK, cs_commands, nitems(cs_commands),
	    "identify with " NICKSERV_NICK " first", text);
}
