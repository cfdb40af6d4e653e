/*
 * cmd-reg.c: connection registration (CAP, PASS, NICK, USER), the welcome
 * burst (001-005, LUSERS, MOTD), PING/PONG, QUIT and the server queries
 * MOTD, LUSERS, VERSION and TIME.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "natterd.h"

static size_t max_registered;

/* CAP (ircv3.net/specs/extensions/capability-negotiation) */

static void
cap_reply(struct client *c, const char *sub, const char *list)
{
	conn_sendf(c, ":%s CAP %s %s :%s", cfg.name, conn_nick(c), sub, list);
}

static void
cap_req(struct client *c, const char *list)
{
	char buf[IRC_BODY_MAX];
	uint32_t on = 0, off = 0;
	bool ok = true;

	str_copy(buf, list, sizeof(buf));
	for (char *tok, *p = buf; (tok = strsep(&p, " ")) != NULL;) {
		bool neg = tok[0] == '-';
		if (tok[0] == '\0')
			continue;
		uint32_t bit = cap_bit(tok + neg);
		if (bit == 0) {
			ok = false;
			break;
		}
		if (neg)
			off |= bit;
		else
			on |= bit;
	}
	if (!ok) {
		cap_reply(c, "NAK", list);
		return;
	}
	c->caps = (c->caps | on) & ~off;
	cap_reply(c, "ACK", list);
}

void
cmd_cap(struct client *c, struct irc_msg *m)
{
	const char *sub = m->params[0];
	char list[IRC_BODY_MAX];

	if (strcasecmp(sub, "LS") == 0) {
		bool v302 = m->nparams > 1 && atoi(m->params[1]) >= 302;
		if (v302) {
			c->reg |= REG_CAP302;
			c->caps |= CAP_CAP_NOTIFY;
		}
		if ((c->reg & REG_DONE) == 0)
			c->reg |= REG_CAPNEG;
		cap_list(list, sizeof(list), c, v302, 0);
		if (v302)
			cap_sts(list, sizeof(list), c);
		cap_reply(c, "LS", list);
	} else if (strcasecmp(sub, "LIST") == 0) {
		/* cap_list takes 0 as "every capability". */
		if (c->caps == 0)
			list[0] = '\0';
		else
			cap_list(list, sizeof(list), c, false, c->caps);
		cap_reply(c, "LIST", list);
	} else if (strcasecmp(sub, "REQ") == 0) {
		if (m->nparams < 2) {
			conn_reply(c, ERR_NEEDMOREPARAMS,
			    "CAP :Not enough parameters");
			return;
		}
		if ((c->reg & REG_DONE) == 0)
			c->reg |= REG_CAPNEG;
		cap_req(c, m->params[1]);
	} else if (strcasecmp(sub, "END") == 0) {
		if ((c->reg & REG_DONE) == 0) {
			c->reg &= ~REG_CAPNEG;
			sasl_abort(c);
			reg_try_finish(c);
		}
	} else {
		conn_reply(c, ERR_INVALIDCAPCMD, "%s :Invalid CAP command",
		    conn_param(sub));
	}
}

void
cmd_pass(struct client *c, struct irc_msg *m)
{
	if ((c->reg & REG_DONE) != 0) {
		conn_reply(c, ERR_ALREADYREGISTERED, ":You may not reregister");
		return;
	}
	if (cfg.password != NULL && str_secret_equal(m->params[0], cfg.password))
		c->reg |= REG_PASS;
	else
		c->reg &= ~REG_PASS;
}

void
cmd_nick(struct client *c, struct irc_msg *m)
{
	const char *nick = m->nparams > 0 ? m->params[0] : "";
	struct client *other;

	if (nick[0] == '\0') {
		conn_reply(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
		return;
	}
	if (!irc_nick_valid(nick, IRC_NICK_MAX)) {
		conn_reply(c, ERR_ERRONEUSNICKNAME, "%s :Erroneous nickname",
		    conn_param(nick));
		return;
	}
	other = nick_find(nick);
	/* A connection that has not registered holds its nick only until
	 * someone else asks for it (as InspIRCd does): sockets that never
	 * register cannot keep nicks from the people who use them. */
	if (other != NULL && other != c && (other->reg & REG_DONE) == 0) {
		nick_remove(other);
		other->nick[0] = '\0';
		conn_reply(other, ERR_NICKNAMEINUSE,
		    "%s :Nickname overruled", nick);
		other = NULL;
	}
	if ((other != NULL && other != c) || service_find(nick) != NULL) {
		conn_reply(c, ERR_NICKNAMEINUSE,
		    "%s :Nickname is already in use", nick);
		return;
	}
	if (strcmp(c->nick, nick) == 0)
		return;
	nick_change(c, nick);
	if ((c->reg & REG_DONE) != 0)
		nickserv_guard(c);
	reg_try_finish(c);
}

void
cmd_user(struct client *c, struct irc_msg *m)
{
	const char *u = m->params[0];
	size_t n = 0;

	if ((c->reg & REG_DONE) != 0) {
		conn_reply(c, ERR_ALREADYREGISTERED, ":You may not reregister");
		return;
	}
	/* An empty real name is a missing parameter, as in Ergo and
	 * InspIRCd (modern.ircdocs.horse: USER). */
	if (m->params[3][0] == '\0') {
		conn_reply(c, ERR_NEEDMOREPARAMS, "USER :Not enough parameters");
		return;
	}
	/* Keep the user name usable inside nick!user@host. */
	for (; *u != '\0' && n < IRC_USER_MAX; u++)
		if ((unsigned char)*u > ' ' && *u != '@' && *u != '!' &&
		    *u != ':' && (unsigned char)*u < 0x7f)
			c->user[n++] = *u;
	c->user[n] = '\0';
	if (n == 0)
		str_copy(c->user, "user", sizeof(c->user));
	free(c->realname);
	c->realname = xstrndup(m->params[3], utf8_truncate(m->params[3],
	    strlen(m->params[3]), IRC_REALNAME_MAX));
	c->reg |= REG_USER;
	reg_try_finish(c);
}

void
reg_try_finish(struct client *c)
{
	const uint8_t need = REG_NICK | REG_USER;

	if ((c->reg & REG_DONE) != 0 || (c->reg & need) != need ||
	    (c->reg & REG_CAPNEG) != 0)
		return;
	if (cfg.password != NULL) {
		/* The server password is a login too: throttled per address,
		 * and refused unchecked while the address must wait. */
		int wait = login_wait(c, NULL);
		if (wait > 0) {
			conn_reply(c, ERR_PASSWDMISMATCH, ":Too many failed "
			    "attempts: try again in %d seconds", wait);
			conn_close(c, "Too many failed login attempts");
			return;
		}
		if ((c->reg & REG_PASS) == 0) {
			login_failed(c, NULL);
			conn_reply(c, ERR_PASSWDMISMATCH,
			    ":Password incorrect");
			conn_close(c, "Bad password");
			return;
		}
	}
	c->reg |= REG_DONE;
	c->signon = time_now_ms() / 1000;
	if (++conn_registered > max_registered)
		max_registered = conn_registered;
	log_info("%s registered", conn_prefix(c));
	conn_reply(c, RPL_WELCOME, ":Welcome to the %s IRC network %s",
	    cfg.name, conn_prefix(c));
	conn_reply(c, RPL_YOURHOST, ":Your host is %s, running version %s",
	    cfg.name, NATTERD_VERSION);
	conn_reply(c, RPL_CREATED, ":This server was created %s",
	    cfg.created);
	char umodes[8], modes[CHAN_MODES_MAX + 1], params[CHAN_MODES_MAX + 1];
	user_mode_letters(umodes, sizeof(umodes), UINT8_MAX);
	chan_mode_letters(modes, sizeof(modes), CMK_ALL);
	chan_mode_letters(params, sizeof(params), CMK_ALL & ~CMK_FLAG);
	conn_reply(c, RPL_MYINFO, "%s %s %s %s %s", cfg.name,
	    NATTERD_VERSION, umodes, modes, params);
	isupport_send(c);
	reg_send_lusers(c);
	reg_send_motd(c);
	monitor_online(c);
	nickserv_guard(c);
}

void
reg_send_lusers(struct client *c)
{
	size_t unknown = conn_count - conn_registered;

	conn_reply(c, RPL_LUSERCLIENT,
	    ":There are %zu users and %zu invisible on 1 servers",
	    conn_registered - conn_invisible, conn_invisible);
	if (conn_opers > 0)
		conn_reply(c, RPL_LUSEROP, "%zu :operator(s) online",
		    conn_opers);
	if (unknown > 0)
		conn_reply(c, RPL_LUSERUNKNOWN, "%zu :unknown connection(s)",
		    unknown);
	conn_reply(c, RPL_LUSERCHANNELS, "%zu :channels formed", chan_count);
	conn_reply(c, RPL_LUSERME, ":I have %zu clients and 0 servers",
	    conn_registered);
	conn_reply(c, RPL_LOCALUSERS, "%zu %zu :Current local users %zu, max %zu",
	    conn_registered, max_registered, conn_registered, max_registered);
	conn_reply(c, RPL_GLOBALUSERS,
	    "%zu %zu :Current global users %zu, max %zu", conn_registered,
	    max_registered, conn_registered, max_registered);
}

void
reg_send_motd(struct client *c)
{
	if (cfg.motd == NULL) {
		conn_reply(c, ERR_NOMOTD, ":MOTD File is missing");
		return;
	}
	conn_reply(c, RPL_MOTDSTART, ":- %s Message of the day - ", cfg.name);
	for (char **l = cfg.motd; *l != NULL; l++)
		conn_reply(c, RPL_MOTD, ":- %s", *l);
	conn_reply(c, RPL_ENDOFMOTD, ":End of /MOTD command.");
}

void
cmd_motd(struct client *c, struct irc_msg *m)
{
	reg_send_motd(c);
}

void
cmd_lusers(struct client *c, struct irc_msg *m)
{
	reg_send_lusers(c);
}

void
cmd_version(struct client *c, struct irc_msg *m)
{
	conn_reply(c, RPL_VERSION, "%s. %s :natter LAN chat server",
	    NATTERD_VERSION, cfg.name);
	isupport_send(c);
}

void
cmd_time(struct client *c, struct irc_msg *m)
{
	char stamp[IRC_TIME_LEN + 1];

	time_format(stamp, sizeof(stamp), time_now_ms());
	conn_reply(c, RPL_TIME, "%s :%s", cfg.name, stamp);
}

void
cmd_ping(struct client *c, struct irc_msg *m)
{
	if (m->nparams == 0 || m->params[0][0] == '\0') {
		conn_reply(c, ERR_NOORIGIN, ":No origin specified");
		return;
	}
	conn_sendf(c, ":%s PONG %s :%s", cfg.name, cfg.name, m->params[0]);
}

void
cmd_pong(struct client *c, struct irc_msg *m)
{
	/* conn_read already counted it as activity. */
}

void
cmd_quit(struct client *c, struct irc_msg *m)
{
	if (m->nparams > 0 && m->params[0][0] != '\0')
		conn_close(c, "Quit: %s", m->params[0]);
	else
		conn_close(c, "Quit");
}
