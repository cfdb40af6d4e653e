/*
 * cmd-chan.c: JOIN, PART, TOPIC, NAMES, LIST, KICK, INVITE and channel
 * MODE with its ban list. Operators (OPER) may KICK, TOPIC and MODE in any
 * channel, and are exempt from bans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natterd.h"

static bool
is_oper(const struct client *c)
{
	return (c->umodes & UMODE_OPER) != 0;
}

static bool
invited(struct client *c, const struct chan *ch, bool consume)
{
	char folded[IRC_CHAN_MAX + 1];

	irc_casefold(folded, ch->name, sizeof(folded));
	for (size_t i = 0; i < c->ninvites; i++) {
		if (strcmp(c->invites[i], folded) == 0) {
			if (consume) {
				free(c->invites[i]);
				c->invites[i] = c->invites[--c->ninvites];
			}
			return true;
		}
	}
	return false;
}

static void
invite_add(struct client *c, const struct chan *ch)
{
	char folded[IRC_CHAN_MAX + 1];

	if (invited(c, ch, false))
		return;
	irc_casefold(folded, ch->name, sizeof(folded));
	if (c->ninvites == CONN_INVITES_MAX) {
		free(c->invites[0]);
		memmove(c->invites, c->invites + 1,
		    (CONN_INVITES_MAX - 1) * sizeof(*c->invites));
		c->ninvites--;
	}
	if (c->invites == NULL)
		c->invites = xcalloc(CONN_INVITES_MAX, sizeof(*c->invites));
	c->invites[c->ninvites++] = xstrdup(folded);
}

static void
relay_simple(struct chan *ch, struct client *c, const char *command,
    size_t nparams, const char *const *params)
{
	struct relay r;

	relay_init(&r, cmd_time_ms, NULL, NULL, conn_prefix(c), command,
	    nparams, params);
	r.account = c->account;
	chan_relay(ch, &r, NULL);
	relay_done(&r);
}

static void
send_topic(struct client *c, const struct chan *ch, bool none_reply)
{
	if (ch->topic == NULL) {
		if (none_reply)
			conn_reply(c, RPL_NOTOPIC, "%s :No topic is set",
			    ch->name);
		return;
	}
	conn_reply(c, RPL_TOPIC, "%s :%s", ch->name, ch->topic);
	conn_reply(c, RPL_TOPICWHOTIME, "%s %s %lld", ch->name, ch->topic_who,
	    (long long)ch->topic_time);
}

static void
send_names(struct client *c, struct chan *ch)
{
	bool multi = client_has_cap(c, CAP_MULTI_PREFIX);
	bool uhnames = client_has_cap(c, CAP_USERHOST_IN_NAMES);
	char line[IRC_BODY_MAX];
	size_t n = 0;
	/* Room for ":server 353 nick = #chan :" and CRLF. */
	size_t max = IRC_BODY_MAX - 2 - strlen(cfg.name) - strlen(c->nick) -
	    strlen(ch->name) - 12;
	const char *kind = (ch->modes & CM_SECRET) != 0 ? "@" : "=";

	for (uint32_t i = 0; i < ch->nmembers; i++) {
		const struct member *mb = ch->members[i];
		const struct client *o = mb->client;
		char item[IRC_NICK_MAX + IRC_USER_MAX + 64 + 8];
		int w;

		if (uhnames)
			w = snprintf(item, sizeof(item), "%s%s!%s@%s",
			    chan_prefix(mb, multi), o->nick, o->user, o->host);
		else
			w = snprintf(item, sizeof(item), "%s%s",
			    chan_prefix(mb, multi), o->nick);
		if (n > 0 && n + 1 + w > max) {
			conn_reply(c, RPL_NAMREPLY, "%s %s :%s", kind, ch->name,
			    line);
			n = 0;
		}
		n += snprintf(line + n, sizeof(line) - n, "%s%s", n ? " " : "",
		    item);
	}
	if (n > 0)
		conn_reply(c, RPL_NAMREPLY, "%s %s :%s", kind, ch->name, line);
	conn_reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list.", ch->name);
}

/*
 * c's JOIN to every member of ch, c included: with its account ("*" when
 * not logged in) and real name for those with extended-join. Members with
 * away-notify then learn that c is away, if it is, as they would have had
 * it been in the channel when it went away (away-notify spec).
 */
static void
join_announce(struct chan *ch, struct client *c)
{
	struct relay plain, ext, away;
	const char *params[] = { ch->name,
	    c->account != NULL ? c->account : "*",
	    c->realname != NULL ? c->realname : "" };
	const char *why[] = { c->away };

	relay_init(&plain, cmd_time_ms, NULL, NULL, conn_prefix(c), "JOIN", 1,
	    params);
	plain.account = c->account;
	relay_init(&ext, cmd_time_ms, NULL, NULL, conn_prefix(c), "JOIN", 3,
	    params);
	ext.account = c->account;
	if (c->away != NULL) {
		relay_init(&away, cmd_time_ms, NULL, NULL, conn_prefix(c),
		    "AWAY", 1, why);
		away.account = c->account;
	}
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct client *o = ch->members[i]->client;
		relay_send(client_has_cap(o, CAP_EXTENDED_JOIN) ? &ext : &plain,
		    o);
		if (c->away != NULL && o != c &&
		    client_has_cap(o, CAP_AWAY_NOTIFY))
			relay_send(&away, o);
	}
	relay_done(&plain);
	relay_done(&ext);
	if (c->away != NULL)
		relay_done(&away);
}

static size_t
chan_joined(const struct client *c)
{
	size_t n = 0;

	for (const struct member *m = c->chans; m != NULL; m = m->cnext)
		n++;
	return n;
}

/*
 * Whether ch's modes let c in; if not, the numeric that says why. An
 * INVITE counts only from an operator (invite_add), so it overrides +i,
 * +k, +l and +b only when one of them asked.
 */
static bool
join_allowed(struct client *c, struct chan *ch, const char *key)
{
	bool inv = invited(c, ch, false);

	if (inv)
		return true;
	if (chan_listed(ch, CHAN_BANS, c)) {
		conn_reply(c, ERR_BANNEDFROMCHAN,
		    "%s :Cannot join channel (+b)", ch->name);
		return false;
	}
	if ((ch->modes & CM_KEY) != 0 &&
	    (key == NULL || strcmp(key, ch->key) != 0)) {
		conn_reply(c, ERR_BADCHANNELKEY,
		    "%s :Cannot join channel (+k)", ch->name);
		return false;
	}
	if ((ch->modes & CM_LIMIT) != 0 && ch->nmembers >= ch->limit) {
		conn_reply(c, ERR_CHANNELISFULL,
		    "%s :Cannot join channel (+l)", ch->name);
		return false;
	}
	if ((ch->modes & CM_INVITE) != 0 && !chan_listed(ch, CHAN_INVEX, c)) {
		conn_reply(c, ERR_INVITEONLYCHAN,
		    "%s :Cannot join channel (+i)", ch->name);
		return false;
	}
	return true;
}

static void
join_one(struct client *c, const char *name, const char *key)
{
	struct chan *ch;

	if (!irc_chan_valid(name, IRC_CHAN_MAX)) {
		if (irc_is_channel(name))
			conn_reply(c, ERR_BADCHANMASK, "%s :Bad Channel Mask",
			    conn_param(name));
		else
			conn_reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel",
			    conn_param(name));
		return;
	}
	ch = chan_find(name);
	if (ch != NULL && chan_member(ch, c) != NULL)
		return;
	if (chan_joined(c) >= CHAN_PER_CLIENT) {
		conn_reply(c, ERR_TOOMANYCHANNELS,
		    "%s :You have joined too many channels", name);
		return;
	}
	/*
	 * A channel that emptied but has history comes back with what
	 * guarded it (chanstate.c) before anyone is let in: whoever brings
	 * it back meets its modes, key, limit and bans like any joiner.
	 */
	bool created = ch == NULL;
	if (created)
		ch = chan_create(name);
	bool opacc = chan_opacc_client(ch, c);
	if (!is_oper(c) && !opacc && !join_allowed(c, ch, key)) {
		if (created)
			chan_discard(ch);
		return;
	}
	invited(c, ch, true);
	if (created)
		log_info("%s %s %s", conn_prefix(c), ch->restored ?
		    "brought back" : "created", ch->name);
	struct member *mb = chan_add(ch, c);
	/*
	 * Operator status: the channel's owner and operators by account,
	 * and the first joiner of a channel that is new. A channel brought
	 * back from its saved state has its operators: a nick that comes
	 * first is not one of them.
	 */
	if (opacc || (created && !ch->restored))
		mb->modes |= MM_OP;
	if (created && !ch->restored && c->account != NULL) {
		/* A logged-in user's new channel is their account's. */
		irc_casefold(ch->owner, c->account, sizeof(ch->owner));
		chanstate_save(ch);
	}
	join_announce(ch, c);
	readmark_join(c, ch);
	send_topic(c, ch, false);
	if (!client_has_cap(c, CAP_NO_IMPLICIT_NAMES))
		send_names(c, ch);
	chathistory_replay(c, ch);
}

void
chan_part_all(struct client *c, const char *reason)
{
	while (c->chans != NULL) {
		struct chan *ch = c->chans->chan;
		const char *params[] = { ch->name, reason };
		relay_simple(ch, c, "PART", reason != NULL ? 2 : 1, params);
		chan_remove(ch, c);
	}
}

void
cmd_join(struct client *c, struct irc_msg *m)
{
	char names[IRC_BODY_MAX], keys[IRC_BODY_MAX];
	char *np = names, *kp = keys, *name;

	if (strcmp(m->params[0], "0") == 0) {
		chan_part_all(c, NULL);
		return;
	}
	str_copy(names, m->params[0], sizeof(names));
	str_copy(keys, m->nparams > 1 ? m->params[1] : "", sizeof(keys));
	if (m->nparams < 2)
		kp = NULL;
	/*
	 * Reaping between channels may close c itself (its replies overran
	 * its sendq): stop there, or the channels after would take in a
	 * client that has already left everything and is freed at the end
	 * of the pass.
	 */
	while ((name = strsep(&np, ",")) != NULL &&
	    c->state == CONN_OPEN) {
		char *key = kp != NULL ? strsep(&kp, ",") : NULL;
		if (name[0] != '\0')
			join_one(c, name, key);
		conn_reap();
	}
}

void
cmd_part(struct client *c, struct irc_msg *m)
{
	char names[IRC_BODY_MAX];
	char *np = names, *name;
	const char *reason = m->nparams > 1 ? m->params[1] : NULL;

	str_copy(names, m->params[0], sizeof(names));
	while ((name = strsep(&np, ",")) != NULL) {
		if (name[0] == '\0')
			continue;
		struct chan *ch = chan_find_visible(name, c);
		if (ch == NULL) {
			conn_reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel",
			    conn_param(name));
			continue;
		}
		if (chan_member(ch, c) == NULL) {
			conn_reply(c, ERR_NOTONCHANNEL,
			    "%s :You're not on that channel", ch->name);
			continue;
		}
		const char *params[] = { ch->name, reason };
		relay_simple(ch, c, "PART", reason != NULL ? 2 : 1, params);
		chan_remove(ch, c);
	}
}

void
cmd_topic(struct client *c, struct irc_msg *m)
{
	/* A +s channel is no such channel to those outside it, as in
	 * NAMES and LIST: 442 would say that it exists. */
	struct chan *ch = chan_find_visible(m->params[0], c);
	struct member *mb;

	if (ch == NULL) {
		conn_reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel",
		    conn_param(m->params[0]));
		return;
	}
	mb = chan_member(ch, c);
	if (m->nparams < 2) {
		send_topic(c, ch, true);
		return;
	}
	if (!is_oper(c)) {
		if (mb == NULL) {
			conn_reply(c, ERR_NOTONCHANNEL,
			    "%s :You're not on that channel", ch->name);
			return;
		}
		if ((ch->modes & CM_TOPIC) != 0 && (mb->modes & MM_OP) == 0) {
			conn_reply(c, ERR_CHANOPRIVSNEEDED,
			    "%s :You're not channel operator", ch->name);
			return;
		}
	}
	char topic[IRC_TOPIC_MAX + 1];
	size_t tl = strlen(m->params[1]);
	tl = utf8_truncate(m->params[1], tl, IRC_TOPIC_MAX);
	memcpy(topic, m->params[1], tl);
	topic[tl] = '\0';
	chan_set_topic(ch, topic, conn_prefix(c), cmd_time_ms / 1000);
	const char *params[] = { ch->name, topic };
	relay_simple(ch, c, "TOPIC", 2, params);
}

void
cmd_names(struct client *c, struct irc_msg *m)
{
	char names[IRC_BODY_MAX];
	char *np = names, *name;

	if (m->nparams == 0) {
		conn_reply(c, RPL_ENDOFNAMES, "* :End of /NAMES list.");
		return;
	}
	str_copy(names, m->params[0], sizeof(names));
	while ((name = strsep(&np, ",")) != NULL) {
		struct chan *ch = chan_find(name);
		if (ch != NULL && chan_visible(ch, c))
			send_names(c, ch);
		else
			conn_reply(c, RPL_ENDOFNAMES, "%s :End of /NAMES list.",
			    conn_param(name));
	}
}

static void
list_one(struct client *c, const struct chan *ch)
{
	conn_reply(c, RPL_LIST, "%s %u :%s", ch->name, ch->nmembers,
	    ch->topic != NULL ? ch->topic : "");
}

/*
 * LIST's ELIST filters (modern.ircdocs.horse "ELIST"): masks (M), masks
 * to leave out (N, "!mask"), member counts (U, "<n" ">n"), and the
 * channel's age and its topic's in minutes (C, T: "C<n" is created less
 * than n minutes ago, as InspIRCd and Solanum read it).
 */
#define LIST_FILTERS_MAX 8

struct list_filter {
	char kind;		/* 'M', 'N', 'U', 'C', 'T' */
	char op;		/* '<' or '>' for U, C, T */
	long n;
	const char *mask;
};

struct list_query {
	struct client *c;
	struct list_filter f[LIST_FILTERS_MAX];
	size_t nf;
	bool any_mask;		/* some M filter: a channel must match one */
	int64_t now;		/* wall clock seconds */
	/* A step's pick: the first LIST_STEP channels after `after` that
	 * pass, in case-folded order. */
	const char *after;	/* "": from the start */
	const struct chan *pick[LIST_STEP];
	size_t npick;
};

static bool
list_cmp(char op, long have, long n)
{
	return op == '<' ? have < n : have > n;
}

static bool
list_passes(const struct list_query *q, const struct chan *ch)
{
	bool matched = !q->any_mask;

	if (!chan_visible(ch, q->c))
		return false;
	for (size_t i = 0; i < q->nf; i++) {
		const struct list_filter *f = &q->f[i];
		switch (f->kind) {
		case 'M':
			matched = matched || irc_match(f->mask, ch->name);
			break;
		case 'N':
			if (irc_match(f->mask, ch->name))
				return false;
			break;
		case 'U':
			if (!list_cmp(f->op, ch->nmembers, f->n))
				return false;
			break;
		case 'C':
			if (!list_cmp(f->op, (long)(q->now - ch->created),
			    f->n * 60))
				return false;
			break;
		case 'T':
			if (ch->topic == NULL || !list_cmp(f->op,
			    (long)(q->now - ch->topic_time), f->n * 60))
				return false;
			break;
		}
	}
	return matched;
}

/* One comma item of LIST into a filter (a mask when nothing else). */
static void
list_parse(struct list_filter *f, char *item)
{
	char *end;

	f->kind = 'M';
	f->mask = item;
	if ((item[0] == 'C' || item[0] == 'T') &&
	    (item[1] == '<' || item[1] == '>')) {
		f->kind = item[0];
		item++;
	} else if (item[0] == '<' || item[0] == '>') {
		f->kind = 'U';
	} else if (item[0] == '!') {
		f->kind = 'N';
		f->mask = item + 1;
		return;
	} else {
		return;
	}
	f->op = item[0];
	f->n = strtol(item + 1, &end, 10);
	if (end == item + 1 || *end != '\0')
		f->kind = 'M';	/* not a number: a mask that matches little */
}

/* Keep ch among the step's pick if it comes after q->after, passes, and
 * is among the first LIST_STEP such in case-folded order. */
static void
list_pick(struct chan *ch, void *arg)
{
	struct list_query *q = arg;
	size_t i;

	if (q->after[0] != '\0' && irc_casecmp(ch->name, q->after) <= 0)
		return;
	if (q->npick == LIST_STEP &&
	    irc_casecmp(ch->name, q->pick[LIST_STEP - 1]->name) >= 0)
		return;
	if (!list_passes(q, ch))
		return;
	if (q->npick < LIST_STEP)
		q->npick++;
	for (i = q->npick - 1; i > 0 &&
	    irc_casecmp(ch->name, q->pick[i - 1]->name) < 0; i--)
		q->pick[i] = q->pick[i - 1];
	q->pick[i] = ch;
}

bool
cmd_list_step(struct client *c)
{
	struct more *mo = c->more;
	struct list_query q = { .c = c, .after = mo->after,
	    .now = time_now_ms() / 1000 };
	char filters[IRC_BODY_MAX];
	char *fp = filters, *item;

	str_copy(filters, mo->filters, sizeof(filters));
	while ((item = strsep(&fp, ",")) != NULL && q.nf < LIST_FILTERS_MAX) {
		if (item[0] == '\0')
			continue;
		list_parse(&q.f[q.nf], item);
		q.any_mask = q.any_mask || q.f[q.nf].kind == 'M';
		q.nf++;
	}
	chan_each(list_pick, &q);
	for (size_t i = 0; i < q.npick; i++) {
		list_one(c, q.pick[i]);
		str_copy(mo->after, q.pick[i]->name, sizeof(mo->after));
		if (i + 1 < q.npick && c->outbytes >= MORE_QUEUED_MAX)
			return false;
	}
	if (q.npick == LIST_STEP)
		return false;
	conn_reply(c, RPL_LISTEND, ":End of /LIST");
	free(c->more);
	c->more = NULL;
	return true;
}

/*
 * Channels named outright are answered at once (a line holds few). Any
 * filter or mask, or none, looks at every channel, names then being
 * masks that match themselves: that answer can be every channel on the
 * server, so it comes in steps of LIST_STEP channels, each once the
 * client has taken most of the one before (loop.c's more list), and
 * the client's next lines wait for its end.
 */
void
cmd_list(struct client *c, struct irc_msg *m)
{
	const char *arg = m->nparams > 0 ? m->params[0] : "";
	char names[IRC_BODY_MAX];
	char *np = names, *name;
	bool filtered = arg[0] == '\0';

	conn_reply(c, RPL_LISTSTART, "Channel :Users  Name");
	for (const char *p = arg; *p != '\0'; p++)
		filtered = filtered || strchr("*?!<>", *p) != NULL ||
		    ((*p == 'C' || *p == 'T') && (p[1] == '<' || p[1] == '>') &&
		    (p == arg || p[-1] == ','));
	if (filtered) {
		c->more = xcalloc(1, sizeof(*c->more));
		str_copy(c->more->filters, arg, sizeof(c->more->filters));
		/* A labeled response is one batch, written whole. */
		if (conn_capturing(c)) {
			while (!cmd_list_step(c))
				continue;
		} else if (!cmd_list_step(c))
			loop_more(c);
		return;
	}
	str_copy(names, arg, sizeof(names));
	while ((name = strsep(&np, ",")) != NULL) {
		struct chan *ch = chan_find(name);
		if (ch != NULL && chan_visible(ch, c))
			list_one(c, ch);
	}
	conn_reply(c, RPL_LISTEND, ":End of /LIST");
}

/* The caller may act as operator of ch: 442/482 otherwise. */
static struct member *
need_op(struct client *c, struct chan *ch, bool *ok)
{
	struct member *mb = chan_member(ch, c);

	*ok = true;
	if (is_oper(c))
		return mb;
	if (mb == NULL) {
		conn_reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel",
		    ch->name);
		*ok = false;
	} else if ((mb->modes & MM_OP) == 0) {
		conn_reply(c, ERR_CHANOPRIVSNEEDED,
		    "%s :You're not channel operator", ch->name);
		*ok = false;
	}
	return mb;
}

/* Items in a comma list, empty ones included ("a,,b" is 3). */
static size_t
list_count(const char *s)
{
	size_t n = 1;

	for (; *s != '\0'; s++)
		n += *s == ',';
	return n;
}

/*
 * "KICK chan nick[,nick]" or "KICK chan1,chan2 nick1,nick2", each
 * channel with the nick in its place (RFC 2812 3.2.8); other shapes are
 * 461. Each kick is its own KICK line with one channel and one nick.
 */
void
cmd_kick(struct client *c, struct irc_msg *m)
{
	char chans[IRC_BODY_MAX], nicks[IRC_BODY_MAX];
	char *cp = chans, *np = nicks, *nick, *chname = chans;
	size_t nchans = list_count(m->params[0]);
	const char *reason = m->nparams > 2 && m->params[2][0] != '\0' ?
	    m->params[2] : c->nick;
	struct chan *ch;
	size_t n = 0;
	bool ok;

	if (nchans != 1 && nchans != list_count(m->params[1])) {
		conn_reply(c, ERR_NEEDMOREPARAMS, "KICK :Not enough parameters");
		return;
	}
	str_copy(chans, m->params[0], sizeof(chans));
	str_copy(nicks, m->params[1], sizeof(nicks));
	if (nchans == 1) {
		/* One channel: refused once, not once per nick. */
		if ((ch = chan_find_visible(chname, c)) == NULL) {
			conn_reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel",
			    conn_param(chname));
			return;
		}
		need_op(c, ch, &ok);
		if (!ok)
			return;
	}
	while ((nick = strsep(&np, ",")) != NULL) {
		if (nchans > 1)
			chname = strsep(&cp, ",");
		if (nick[0] == '\0' || chname[0] == '\0' || ++n > 4)
			continue;
		if ((ch = chan_find_visible(chname, c)) == NULL) {
			/* A lone channel emptied by the kicks so far has
			 * nothing left to refuse in. */
			if (nchans == 1)
				break;
			conn_reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel",
			    conn_param(chname));
			continue;
		}
		if (nchans > 1) {
			need_op(c, ch, &ok);
			if (!ok)
				continue;
		}
		struct client *t = nick_find(nick);
		if (t == NULL || (t->reg & REG_DONE) == 0) {
			conn_reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel",
			    conn_param(nick));
			continue;
		}
		if (chan_member(ch, t) == NULL) {
			conn_reply(c, ERR_USERNOTINCHANNEL,
			    "%s %s :They aren't on that channel", t->nick,
			    ch->name);
			continue;
		}
		char why[IRC_KICK_MAX + 1];
		size_t wl = utf8_truncate(reason, strlen(reason), IRC_KICK_MAX);
		memcpy(why, reason, wl);
		why[wl] = '\0';
		const char *params[] = { ch->name, t->nick, why };
		relay_simple(ch, c, "KICK", 3, params);
		chan_remove(ch, t);
		if (t == c && !is_oper(c)) {
			/* Kicking oneself ends one's say there: the rest of
			 * the list is refused as from any non-member. */
			if (np != NULL && (ch = chan_find(chname)) != NULL)
				conn_reply(c, ERR_NOTONCHANNEL,
				    "%s :You're not on that channel", ch->name);
			break;
		}
	}
}

void
cmd_invite(struct client *c, struct irc_msg *m)
{
	struct client *t = nick_find(m->params[0]);
	struct chan *ch = chan_find_visible(m->params[1], c);

	if (t == NULL || (t->reg & REG_DONE) == 0) {
		conn_reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel",
		    conn_param(m->params[0]));
		return;
	}
	if (ch == NULL) {
		conn_reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel",
		    conn_param(m->params[1]));
		return;
	}
	struct member *mb = chan_member(ch, c);
	if (mb == NULL && !is_oper(c)) {
		conn_reply(c, ERR_NOTONCHANNEL, "%s :You're not on that channel",
		    ch->name);
		return;
	}
	if ((ch->modes & CM_INVITE) != 0 && !is_oper(c) &&
	    (mb->modes & MM_OP) == 0) {
		conn_reply(c, ERR_CHANOPRIVSNEEDED,
		    "%s :You're not channel operator", ch->name);
		return;
	}
	if (chan_member(ch, t) != NULL) {
		conn_reply(c, ERR_USERONCHANNEL, "%s %s :is already on channel",
		    t->nick, ch->name);
		return;
	}
	/*
	 * Only an operator's INVITE lets t past +i, +k, +l and +b: anyone
	 * else's is only the message, or any member could open a locked
	 * channel to anyone, a banned user included.
	 */
	if (is_oper(c) || (mb->modes & MM_OP) != 0)
		invite_add(t, ch);
	conn_reply(c, RPL_INVITING, "%s %s", t->nick, ch->name);
	if (t->away != NULL)
		conn_reply(c, RPL_AWAY, "%s :%s", t->nick, t->away);

	struct relay r;
	const char *params[] = { t->nick, ch->name };
	relay_init(&r, cmd_time_ms, NULL, NULL, conn_prefix(c), "INVITE", 2,
	    params);
	r.account = c->account;
	relay_send(&r, t);
	/* invite-notify: the channel's operators who asked for it. */
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct member *o = ch->members[i];
		if (o->client != c && (o->modes & MM_OP) != 0 &&
		    client_has_cap(o->client, CAP_INVITE_NOTIFY))
			relay_send(&r, o->client);
	}
	relay_done(&r);
}

/* Channel MODE */

/* Each list mode's replies: an entry, the end. */
static const struct {
	enum numeric item, end;
	const char *name;	/* "channel <name>" in the end line and 478 */
} list_replies[CHAN_LISTS] = {
	[CHAN_BANS] = { RPL_BANLIST, RPL_ENDOFBANLIST, "ban list" },
	[CHAN_INVEX] = { RPL_INVITELIST, RPL_ENDOFINVITELIST, "invite list" },
};

/*
 * A list (367 and 368 for bans, 346 and 347 for invite exceptions).
 * Members, operators and anyone when the channel is not secret see it;
 * others get only its end, which clients wait for.
 */
static void
send_list(struct client *c, const struct chan *ch, enum chan_list l)
{
	if (chan_visible(ch, c)) {
		for (uint32_t i = 0; i < ch->lists[l].n; i++) {
			const struct ban *b = &ch->lists[l].v[i];
			conn_reply(c, list_replies[l].item, "%s %s %s %lld",
			    ch->name, b->mask, b->setter, (long long)b->time);
		}
	}
	conn_reply(c, list_replies[l].end, "%s :End of channel %s", ch->name,
	    list_replies[l].name);
}

/*
 * "MODE #chan b" (or I, e) with no mask asks for a list. natterd keeps no
 * exception list, but clients ask for it on join and wait for the end
 * numeric, so that is answered with an empty list, to anyone.
 */
static bool
mode_list_query(struct client *c, struct irc_msg *m, struct chan *ch)
{
	const char *p = m->params[1];
	const struct chan_mode *md;

	if (m->nparams != 2)
		return false;
	if (*p == '+')
		p++;
	if (p[0] == '\0' || p[1] != '\0')
		return false;
	if ((md = chan_mode_find(*p)) != NULL && md->kind == CMK_LIST) {
		send_list(c, ch, md->bit);
		return true;
	}
	if (*p == 'e') {
		conn_reply(c, RPL_ENDOFEXCEPTLIST,
		    "%s :End of channel exception list", ch->name);
		return true;
	}
	return false;
}

/*
 * param as a normalised ban mask in mask (BAN_MASK_MAX + 1 bytes), or 696
 * and false. A mask must be sendable as a middle parameter of the MODE
 * line and of 367 (no space or control byte, no leading ':') and valid
 * UTF-8, since it ends up on screens.
 */
static bool
ban_mask(struct client *c, const struct chan *ch, char letter,
    const char *param, char *mask)
{
	bool sendable = param[0] != '\0' && param[0] != ':' &&
	    utf8_valid(param, strlen(param));

	for (const char *q = param; sendable && *q != '\0'; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			sendable = false;
	if (sendable && irc_mask_normalize(mask, BAN_MASK_MAX + 1, param) > 0 &&
	    mask[0] != ':')
		return true;
	conn_reply(c, ERR_INVALIDMODEPARAM, "%s %c %s :Invalid ban mask",
	    ch->name, letter, sendable ? param : "*");
	return false;
}

/*
 * The MODE line being built from the changes applied. Masks make long
 * parameters: a change that would take the relayed line past
 * IRC_BODY_MAX, or the letters past their buffer (a line of "+i-i+i-i"
 * toggles), first sends what was built as a line of its own.
 */
struct mode_out {
	struct client *c;
	struct chan *ch;
	size_t fixed;		/* ":prefix MODE #chan " and CRLF */
	char modes[64];
	char args[IRC_BODY_MAX];
	size_t mn, an;
	int lastsign;
};

static void
mode_out_init(struct mode_out *o, struct client *c, struct chan *ch)
{
	o->c = c;
	o->ch = ch;
	o->fixed = 1 + strlen(conn_prefix(c)) + 6 + strlen(ch->name) + 1 + 2;
	o->mn = o->an = 0;
	o->args[0] = '\0';
	o->lastsign = 0;
}

static void
mode_out_flush(struct mode_out *o)
{
	const char *params[IRC_PARAMS_MAX];
	size_t np = 0;

	if (o->mn == 0)
		return;
	o->modes[o->mn] = '\0';
	params[np++] = o->ch->name;
	params[np++] = o->modes;
	/* args is " a b c": split in place (at most MODE_PARAMS_MAX). */
	for (char *t, *q = o->an > 0 ? o->args + 1 : NULL;
	    (t = strsep(&q, " ")) != NULL && np < IRC_PARAMS_MAX;)
		params[np++] = t;
	relay_simple(o->ch, o->c, "MODE", np, params);
	o->mn = o->an = 0;
	o->args[0] = '\0';
	o->lastsign = 0;
}

static void
mode_out_add(struct mode_out *o, bool set, char letter, const char *param)
{
	int sign = set ? '+' : '-';
	size_t pl = param != NULL ? 1 + strlen(param) : 0;

	/* One byte to spare: relay_init may send the last one as ":x". */
	if (o->mn + 3 > sizeof(o->modes) ||
	    o->fixed + o->mn + 2 + o->an + pl + 1 > IRC_BODY_MAX)
		mode_out_flush(o);
	if (sign != o->lastsign)
		o->modes[o->mn++] = o->lastsign = sign;
	o->modes[o->mn++] = letter;
	if (param != NULL) {
		int w = snprintf(o->args + o->an, sizeof(o->args) - o->an,
		    " %s", param);
		o->an = w > 0 && (size_t)w < sizeof(o->args) - o->an ?
		    o->an + w : strlen(o->args);
	}
}

/*
 * One MODE line being applied: what the appliers below share. Each
 * applier takes one change of its kind, answers its errors, and returns
 * true when the channel changed, with *param set to what the MODE line
 * echoes (NULL: no parameter).
 */
struct mode_run {
	struct client *c;
	struct chan *ch;
	bool saved;		/* the stored channel state changed */
	char param[IRC_BODY_MAX];	/* an echoed parameter rewritten */
};

/* D: a flag; also lifting a B or C mode, which is just its bit. */
static bool
apply_flag(struct mode_run *r, const struct chan_mode *md, bool set)
{
	struct chan *ch = r->ch;

	if (((ch->modes & md->bit) != 0) == set)
		return false;
	ch->modes = set ? ch->modes | md->bit : ch->modes & ~md->bit;
	r->saved = true;
	return true;
}

/* A: a list (bans, invite exceptions), part of the kept channel state
 * (chanstate.c). */
static bool
apply_list(struct mode_run *r, const struct chan_mode *md, bool set,
    const char **param)
{
	struct chan *ch = r->ch;
	enum chan_list l = md->bit;
	struct ban *b;

	if (!ban_mask(r->c, ch, md->letter, *param, r->param))
		return false;
	b = chan_ban_find(ch, l, r->param);
	/* Setting a ban twice or lifting one that is not there changes
	 * nothing and says nothing. */
	if (set == (b != NULL))
		return false;
	if (set) {
		if (ch->lists[l].n >= CHAN_BANS_MAX) {
			conn_reply(r->c, ERR_BANLISTFULL,
			    "%s %s :Channel %s is full", ch->name, r->param,
			    list_replies[l].name);
			return false;
		}
		chan_ban_add(ch, l, r->param, conn_prefix(r->c),
		    cmd_time_ms / 1000);
	} else {
		/* Echo the mask as it was set. */
		str_copy(r->param, b->mask, sizeof(r->param));
		chan_ban_del(ch, l, b);
	}
	r->saved = true;
	*param = r->param;
	return true;
}

/* B: set the key. */
static bool
apply_key(struct mode_run *r, const struct chan_mode *md, const char *key)
{
	struct chan *ch = r->ch;

	/* A key is a middle parameter of 324: it cannot start with ':'. */
	if (key[0] == '\0' || key[0] == ':' || strlen(key) > IRC_KEY_MAX ||
	    strpbrk(key, " ,") != NULL) {
		conn_reply(r->c, ERR_INVALIDKEY, "%s :Key is not well-formed",
		    ch->name);
		return false;
	}
	str_copy(ch->key, key, sizeof(ch->key));
	ch->modes |= md->bit;
	r->saved = true;
	return true;
}

/* C: set the member limit. */
static bool
apply_limit(struct mode_run *r, const struct chan_mode *md,
    const char **param)
{
	struct chan *ch = r->ch;
	char *end;
	long v = strtol(*param, &end, 10);

	if (*end != '\0' || v <= 0 || v > 100000) {
		conn_reply(r->c, ERR_INVALIDMODEPARAM, "%s l %s :Invalid limit",
		    ch->name, conn_param(*param));
		return false;
	}
	ch->limit = v;
	ch->modes |= md->bit;
	r->saved = true;
	/* As a number: "+l 0005" is relayed as 5. */
	snprintf(r->param, sizeof(r->param), "%ld", v);
	*param = r->param;
	return true;
}

/*
 * A member's status (o, v). +o and -o on a member logged in to an account
 * also add that account to the channel's operators or take it off, which
 * is kept (chanstate.c); the status of a member without one is not.
 */
static bool
apply_member(struct mode_run *r, const struct chan_mode *md, bool set,
    const char **param)
{
	struct client *t = nick_find(*param);
	struct member *tm = t != NULL ? chan_member(r->ch, t) : NULL;

	if (t == NULL) {
		conn_reply(r->c, ERR_NOSUCHNICK, "%s :No such nick/channel",
		    conn_param(*param));
		return false;
	}
	if (tm == NULL) {
		conn_reply(r->c, ERR_USERNOTINCHANNEL,
		    "%s %s :They aren't on that channel", t->nick,
		    r->ch->name);
		return false;
	}
	if (md->bit == MM_OP && t->account != NULL) {
		char folded[IRC_NICK_MAX + 1];
		irc_casefold(folded, t->account, sizeof(folded));
		if (chan_opacc_set(r->ch, folded, set))
			r->saved = true;
	}
	if (((tm->modes & md->bit) != 0) == set)
		return false;
	tm->modes = set ? tm->modes | md->bit : tm->modes & ~md->bit;
	*param = t->nick;
	return true;
}

static bool
mode_apply(struct mode_run *r, const struct chan_mode *md, bool set,
    const char **param)
{
	switch (md->kind) {
	case CMK_LIST:
		return apply_list(r, md, set, param);
	case CMK_PARAM:
		if (set)
			return apply_key(r, md, *param);
		if (!apply_flag(r, md, false))
			return false;
		/* B takes a parameter both ways: the key given is ignored,
		 * the one lifted not shown. */
		r->ch->key[0] = '\0';
		*param = "*";
		return true;
	case CMK_SETPARAM:
		return set ? apply_limit(r, md, param) :
		    apply_flag(r, md, false);
	case CMK_FLAG:
		return apply_flag(r, md, set);
	case CMK_PREFIX:
		return apply_member(r, md, set, param);
	}
	return false;
}

static void
mode_channel(struct client *c, struct irc_msg *m, struct chan *ch)
{
	struct mode_run run = { .c = c, .ch = ch };
	struct mode_out out;
	size_t arg = 2, withparam = 0;
	int sign = '+';
	bool ok;
	unsigned listed = 0;	/* the lists sent, by bit */

	if (m->nparams < 2) {
		chan_mode_string(ch, chan_member(ch, c) != NULL || is_oper(c),
		    run.param, sizeof(run.param));
		conn_reply(c, RPL_CHANNELMODEIS, "%s %s", ch->name, run.param);
		conn_reply(c, RPL_CREATIONTIME, "%s %lld", ch->name,
		    (long long)ch->created);
		return;
	}
	if (mode_list_query(c, m, ch))
		return;
	need_op(c, ch, &ok);
	if (!ok)
		return;
	mode_out_init(&out, c, ch);
	/*
	 * At most MODE_PARAMS_MAX changes other than flags per line, as
	 * ISUPPORT MODES says (an unset limit counts though it takes no
	 * parameter); like other servers, the rest of the line is ignored.
	 * Flags are bounded by the line's length.
	 */
	for (const char *p = m->params[1]; *p != '\0'; p++) {
		const struct chan_mode *md;
		const char *param = NULL;
		bool set = sign != '-';

		if (*p == '+' || *p == '-') {
			sign = *p;
			continue;
		}
		if ((md = chan_mode_find(*p)) == NULL) {
			char letter[2] = { *p, '\0' };
			conn_reply(c, ERR_UNKNOWNMODE,
			    "%s :is unknown mode char to me for %s",
			    conn_param(letter), ch->name);
			continue;
		}
		if (md->kind != CMK_FLAG) {
			/* A list letter with no mask left lists (once). */
			if (md->kind == CMK_LIST && arg >= m->nparams) {
				if ((listed & 1u << md->bit) == 0)
					send_list(c, ch, md->bit);
				listed |= 1u << md->bit;
				continue;
			}
			if (withparam++ == MODE_PARAMS_MAX)
				break;
			if (md->kind == CMK_PARAM && !set) {
				if (arg < m->nparams)
					arg++;	/* ignored: see mode_apply */
			} else if (md->kind != CMK_SETPARAM || set) {
				if (arg >= m->nparams) {
					conn_reply(c, ERR_NEEDMOREPARAMS,
					    "MODE :Not enough parameters");
					continue;
				}
				param = m->params[arg++];
			}
		}
		if (mode_apply(&run, md, set, &param))
			mode_out_add(&out, set, md->letter, param);
	}
	/* Saved first, so the MODE line waits for it (conn_barrier). */
	if (run.saved)
		chanstate_save(ch);
	mode_out_flush(&out);
}

void
cmd_mode(struct client *c, struct irc_msg *m)
{
	if (irc_is_channel(m->params[0])) {
		struct chan *ch = chan_find_visible(m->params[0], c);
		if (ch == NULL)
			conn_reply(c, ERR_NOSUCHCHANNEL, "%s :No such channel",
			    conn_param(m->params[0]));
		else
			mode_channel(c, m, ch);
		return;
	}
	user_mode(c, m);
}
