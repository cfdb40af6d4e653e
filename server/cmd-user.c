/*
 * cmd-user.c: user queries and state: WHO (and WHOX), WHOIS, AWAY,
 * SETNAME, USERHOST, ISON and user MODE (+i, +w; +o only through OPER).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natterd.h"

#define WHO_MAX 500	/* replies to one mask WHO */

static bool
shares_channel(const struct client *a, const struct client *b)
{
	for (const struct member *m = a->chans; m != NULL; m = m->cnext)
		if (chan_member(m->chan, b) != NULL)
			return true;
	return false;
}

/*
 * The user modes, in 004's and 221's order: +B bot (IRCv3 bot-mode,
 * ISUPPORT BOT=B), +i invisible, +o operator (only OPER sets it), +w
 * wallops.
 */
static const struct {
	char letter;
	uint8_t bit;
} user_modes[] = {
	{ 'B', UMODE_BOT },
	{ 'i', UMODE_INVISIBLE },
	{ 'o', UMODE_OPER },
	{ 'w', UMODE_WALLOPS },
};

void
user_mode_letters(char *buf, size_t cap, uint8_t bits)
{
	size_t n = 0;

	for (size_t i = 0; i < nitems(user_modes) && n + 1 < cap; i++)
		if ((bits & user_modes[i].bit) != 0)
			buf[n++] = user_modes[i].letter;
	buf[n] = '\0';
}

void
user_mode(struct client *c, struct irc_msg *m)
{
	struct client *t = nick_find(m->params[0]);
	char applied[32];
	size_t n = 0;
	int sign = '+', last = 0;

	if (t == NULL) {
		conn_reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel",
		    conn_param(m->params[0]));
		return;
	}
	if (t != c) {
		conn_reply(c, ERR_USERSDONTMATCH,
		    ":Cant change mode for other users");
		return;
	}
	if (m->nparams < 2) {
		char letters[8];
		user_mode_letters(letters, sizeof(letters), c->umodes);
		conn_reply(c, RPL_UMODEIS, "+%s", letters);
		return;
	}
	for (const char *p = m->params[1]; *p != '\0' && n + 3 < sizeof(applied); p++) {
		uint8_t bit = 0;
		if (*p == '+' || *p == '-') {
			sign = *p;
			continue;
		}
		for (size_t i = 0; i < nitems(user_modes); i++)
			if (user_modes[i].letter == *p)
				bit = user_modes[i].bit;
		if (bit == 0) {
			conn_reply(c, ERR_UMODEUNKNOWNFLAG,
			    ":Unknown MODE flag");
			continue;
		}
		bool set = sign == '+';
		if (bit == UMODE_OPER && set)
			continue;	/* only OPER grants +o */
		if (((c->umodes & bit) != 0) == set)
			continue;
		c->umodes = set ? c->umodes | bit : c->umodes & ~bit;
		if (bit == UMODE_INVISIBLE)
			set ? conn_invisible++ : conn_invisible--;
		if (bit == UMODE_OPER)
			conn_opers--;
		if (sign != last)
			applied[n++] = last = sign;
		applied[n++] = *p;
	}
	applied[n] = '\0';
	if (n > 0)
		conn_sendf(c, ":%s MODE %s :%s", conn_prefix(c), c->nick,
		    applied);
}

/*
 * WHOX (ircv3.net/specs/extensions/whox): "WHO mask [flags]%fields[,token]"
 * asks for a 354 line holding only the fields named, always in the order
 * of WHOX_FIELDS whatever the order asked. 'a' is the account ("0" when
 * not logged in); natterd has no op levels ('o' is "n/a"), and shows the
 * address as 'i' too.
 */
#define WHOX_FIELDS "tcuihsnfdlaor"

struct whox {
	char fields[sizeof(WHOX_FIELDS)];	/* "" for a plain WHO (352) */
	char token[4];				/* 't': up to 3 digits */
};

static void
whox_parse(struct whox *x, const char *flags)
{
	const char *p = strchr(flags, '%');
	size_t n = 0, tl;

	x->fields[0] = '\0';
	str_copy(x->token, "0", sizeof(x->token));
	if (p == NULL)
		return;
	for (p++; *p != '\0' && *p != ','; p++)
		if (strchr(WHOX_FIELDS, *p) != NULL &&
		    memchr(x->fields, *p, n) == NULL)
			x->fields[n++] = *p;
	x->fields[n] = '\0';
	if (*p == ',' && (tl = strlen(p + 1)) >= 1 && tl <= 3 &&
	    strspn(p + 1, "0123456789") == tl)
		str_copy(x->token, p + 1, sizeof(x->token));
}

static void
who_reply(struct client *c, const struct client *t, const char *chan,
    const struct member *mb, const struct whox *x)
{
	char flags[8], line[IRC_BODY_MAX];
	size_t n = 0;

	snprintf(flags, sizeof(flags), "%s%s%s%s", t->away != NULL ? "G" : "H",
	    (t->umodes & UMODE_OPER) ? "*" : "",
	    (t->umodes & UMODE_BOT) ? "B" : "",
	    mb != NULL ? chan_prefix(mb, client_has_cap(c, CAP_MULTI_PREFIX)) :
	    "");
	if (x == NULL || x->fields[0] == '\0') {
		conn_reply(c, RPL_WHOREPLY, "%s %s %s %s %s %s :0 %s",
		    chan, t->user, t->host, cfg.name, t->nick, flags,
		    t->realname != NULL ? t->realname : "");
		return;
	}
	line[0] = '\0';
	for (const char *f = WHOX_FIELDS; *f != '\0'; f++) {
		char idle[24];
		const char *v;

		if (strchr(x->fields, *f) == NULL)
			continue;
		switch (*f) {
		case 't': v = x->token; break;
		case 'c': v = chan; break;
		case 'u': v = t->user; break;
		case 'i': case 'h': v = t->host; break;
		case 's': v = cfg.name; break;
		case 'n': v = t->nick; break;
		case 'f': v = flags; break;
		case 'd': v = "0"; break;
		case 'l':
			snprintf(idle, sizeof(idle), "%lld", (long long)
			    ((time_mono_ms() - t->last_read) / 1000));
			v = idle;
			break;
		case 'a': v = t->account != NULL ? t->account : "0"; break;
		case 'o': v = "n/a"; break;
		default:	/* 'r', last: the only one that may hold spaces */
			v = t->realname != NULL ? t->realname : "";
			break;
		}
		int w = snprintf(line + n, sizeof(line) - n, "%s%s%s",
		    n > 0 ? " " : "", *f == 'r' ? ":" : "", v);
		if (w < 0 || (size_t)w >= sizeof(line) - n)
			break;
		n += w;
	}
	conn_reply(c, RPL_WHOSPCRPL, "%s", line);
}

struct who_ctx {
	struct client *c;
	const char *mask;
	size_t n;
	bool opers;		/* "WHO mask o": IRC operators only */
	const struct whox *x;
};

static void
who_each(struct client *t, void *arg)
{
	struct who_ctx *w = arg;
	bool all = strcmp(w->mask, "*") == 0 || strcmp(w->mask, "0") == 0;

	if (w->n >= WHO_MAX)
		return;
	if (w->opers && (t->umodes & UMODE_OPER) == 0)
		return;
	if ((t->umodes & UMODE_INVISIBLE) != 0 && t != w->c &&
	    !shares_channel(w->c, t) && (w->c->umodes & UMODE_OPER) == 0)
		return;
	if (!all && !irc_match(w->mask, t->nick) &&
	    !irc_match(w->mask, t->host) &&
	    !(t->realname != NULL && irc_match(w->mask, t->realname)))
		return;
	who_reply(w->c, t, "*", NULL, w->x);
	w->n++;
}

void
cmd_who(struct client *c, struct irc_msg *m)
{
	const char *mask = m->nparams > 0 && m->params[0][0] != '\0' ?
	    m->params[0] : "*";
	/* RFC 2812 section 3.6.1: with "o", only operators are listed. The
	 * flags end at a '%' (WHOX fields). */
	bool opers = m->nparams > 1 &&
	    memchr(m->params[1], 'o', strcspn(m->params[1], "%")) != NULL;
	struct whox x;

	whox_parse(&x, m->nparams > 1 ? m->params[1] : "");

	if (irc_is_channel(mask)) {
		struct chan *ch = chan_find(mask);
		if (ch != NULL && ((ch->modes & CM_SECRET) == 0 ||
		    chan_member(ch, c) != NULL || (c->umodes & UMODE_OPER) != 0)) {
			bool in = chan_member(ch, c) != NULL;
			for (uint32_t i = 0; i < ch->nmembers; i++) {
				const struct member *mb = ch->members[i];
				if (!in && (mb->client->umodes & UMODE_INVISIBLE))
					continue;
				if (opers && (mb->client->umodes & UMODE_OPER) == 0)
					continue;
				who_reply(c, mb->client, ch->name, mb, &x);
			}
		}
	} else {
		struct client *t = nick_find(mask);
		if (t != NULL && (t->reg & REG_DONE) != 0) {
			if (!opers || (t->umodes & UMODE_OPER) != 0)
				who_reply(c, t, "*", NULL, &x);
		} else {
			struct who_ctx w = { c, mask, 0, opers, &x };
			nick_each(who_each, &w);
		}
	}
	conn_reply(c, RPL_ENDOFWHO, "%s :End of /WHO list.", conn_param(mask));
}

void
cmd_whois(struct client *c, struct irc_msg *m)
{
	/* "WHOIS server nick": the nick is the last parameter. */
	const char *nick = m->params[m->nparams - 1];
	struct client *t = nick_find(nick);
	char line[IRC_BODY_MAX];
	size_t n = 0;
	size_t max = IRC_BODY_MAX - 2 - strlen(cfg.name) - 2 * IRC_NICK_MAX - 12;
	const struct service *svc = service_find(nick);

	if (svc != NULL) {
		service_whois(c, svc);
		return;
	}
	if (t == NULL || (t->reg & REG_DONE) == 0) {
		conn_reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel",
		    conn_param(nick));
		conn_reply(c, RPL_ENDOFWHOIS, "%s :End of /WHOIS list.",
		    conn_param(nick));
		return;
	}
	conn_reply(c, RPL_WHOISUSER, "%s %s %s * :%s", t->nick, t->user,
	    t->host, t->realname != NULL ? t->realname : "");
	for (const struct member *mb = t->chans; mb != NULL; mb = mb->cnext) {
		const struct chan *ch = mb->chan;
		if ((ch->modes & CM_SECRET) != 0 && chan_member(ch, c) == NULL &&
		    (c->umodes & UMODE_OPER) == 0)
			continue;
		if (n > 0 && n + strlen(ch->name) + 4 > max) {
			conn_reply(c, RPL_WHOISCHANNELS, "%s :%s", t->nick, line);
			n = 0;
		}
		n += snprintf(line + n, sizeof(line) - n, "%s%s%s",
		    n ? " " : "", chan_prefix(mb, client_has_cap(c,
		    CAP_MULTI_PREFIX)), ch->name);
	}
	if (n > 0)
		conn_reply(c, RPL_WHOISCHANNELS, "%s :%s", t->nick, line);
	conn_reply(c, RPL_WHOISSERVER, "%s %s :natter LAN chat server",
	    t->nick, cfg.name);
	if ((t->umodes & UMODE_OPER) != 0)
		conn_reply(c, RPL_WHOISOPERATOR, "%s :is an IRC operator",
		    t->nick);
	if ((t->umodes & UMODE_BOT) != 0)
		conn_reply(c, RPL_WHOISBOT, "%s :is a bot", t->nick);
	if (t->account != NULL)
		conn_reply(c, RPL_WHOISACCOUNT, "%s %s :is logged in as",
		    t->nick, t->account);
	if (t->away != NULL)
		conn_reply(c, RPL_AWAY, "%s :%s", t->nick, t->away);
	if (t->tls != NULL)
		conn_reply(c, RPL_WHOISSECURE, "%s :is using a secure connection",
		    t->nick);
	/* A certificate fingerprint follows its owner from network to
	 * network: only they and operators see it (InspIRCd and Ergo do
	 * the same). */
	if (t->certfp != NULL && (t == c || (c->umodes & UMODE_OPER) != 0))
		conn_reply(c, RPL_WHOISCERTFP,
		    "%s :has client certificate fingerprint %s", t->nick,
		    t->certfp);
	conn_reply(c, RPL_WHOISIDLE, "%s %lld %lld :seconds idle, signon time",
	    t->nick, (long long)((time_mono_ms() - t->last_read) / 1000),
	    (long long)t->signon);
	conn_reply(c, RPL_ENDOFWHOIS, "%s :End of /WHOIS list.", t->nick);
}

void
cmd_away(struct client *c, struct irc_msg *m)
{
	struct relay r;
	const char *text = m->nparams > 0 ? m->params[0] : "";
	char away[IRC_AWAY_MAX + 1];

	free(c->away);
	c->away = NULL;
	if (text[0] != '\0') {
		size_t n = utf8_truncate(text, strlen(text), IRC_AWAY_MAX);
		memcpy(away, text, n);
		away[n] = '\0';
		c->away = xstrdup(away);
		conn_reply(c, RPL_NOWAWAY, ":You have been marked as being away");
	} else {
		conn_reply(c, RPL_UNAWAY,
		    ":You are no longer marked as being away");
	}
	const char *params[] = { c->away };
	relay_init(&r, cmd_time_ms, NULL, NULL, conn_prefix(c), "AWAY",
	    c->away != NULL ? 1 : 0, params);
	r.account = c->account;
	chan_relay_common(c, &r, CAP_AWAY_NOTIFY);
	relay_done(&r);
}

/*
 * SETNAME (ircv3.net/specs/extensions/setname): a new real name, told to
 * the members of the sender's channels that have the setname capability,
 * and to the sender if it has it. Too long or empty: FAIL, nothing changes.
 */
void
cmd_setname(struct client *c, struct irc_msg *m)
{
	const char *name = m->params[0];
	size_t len = strlen(name);
	struct relay r;

	/* Input is UTF-8 already: conn.c reads invalid bytes as Latin-1. */
	if (len == 0 || len > IRC_REALNAME_MAX) {
		conn_sendf(c, ":%s FAIL SETNAME INVALID_REALNAME :%s", cfg.name,
		    len == 0 ? "Real name is empty" : "Real name is too long");
		return;
	}
	free(c->realname);
	c->realname = xstrdup(name);
	const char *params[] = { c->realname };
	relay_init(&r, cmd_time_ms, NULL, NULL, conn_prefix(c), "SETNAME", 1,
	    params);
	r.account = c->account;
	if (client_has_cap(c, CAP_SETNAME))
		relay_send(&r, c);
	chan_relay_common(c, &r, CAP_SETNAME);
	relay_done(&r);
}

void
cmd_userhost(struct client *c, struct irc_msg *m)
{
	char line[IRC_BODY_MAX];
	size_t n = 0;

	line[0] = '\0';
	for (size_t i = 0; i < m->nparams && i < 5; i++) {
		struct client *t = nick_find(m->params[i]);
		if (t == NULL || (t->reg & REG_DONE) == 0)
			continue;
		n += snprintf(line + n, sizeof(line) - n, "%s%s%s=%c%s@%s",
		    n ? " " : "", t->nick, (t->umodes & UMODE_OPER) ? "*" : "",
		    t->away != NULL ? '-' : '+', t->user, t->host);
		if (n >= sizeof(line))
			break;
	}
	conn_reply(c, RPL_USERHOST, ":%s", line);
}

void
cmd_ison(struct client *c, struct irc_msg *m)
{
	char line[IRC_BODY_MAX];
	size_t n = 0;

	line[0] = '\0';
	for (size_t i = 0; i < m->nparams; i++) {
		char buf[IRC_BODY_MAX];
		str_copy(buf, m->params[i], sizeof(buf));
		for (char *t, *p = buf; (t = strsep(&p, " ")) != NULL;) {
			struct client *o = t[0] ? nick_find(t) : NULL;
			if (o == NULL || (o->reg & REG_DONE) == 0)
				continue;
			int w = snprintf(line + n, sizeof(line) - n, "%s%s",
			    n ? " " : "", o->nick);
			if (w < 0 || (size_t)w >= sizeof(line) - n)
				break;
			n += w;
		}
	}
	conn_reply(c, RPL_ISON, ":%s", line);
}
