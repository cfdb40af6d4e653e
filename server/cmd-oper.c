/*
 * cmd-oper.c: server operators: OPER (names and passwords, or accounts,
 * from --oper-file), KILL and WALLOPS.
 */
#include <string.h>
#include <strings.h>

#include "natterd.h"

/*
 * OPER name [password]. An unknown name and a wrong password get the same
 * 464, so names cannot be probed, and attempts are throttled per address
 * and per name (login.c). An operator tied to an account (account=NAME in
 * --oper-file) needs only to be logged in to it: "OPER name" will do.
 */
void
cmd_oper(struct client *c, struct irc_msg *m)
{
	const char *name = m->params[0];
	const char *pass = m->nparams > 1 ? m->params[1] : NULL;
	const struct oper *o = NULL;
	bool ok = false;
	int wait;

	for (size_t i = 0; i < cfg.nopers; i++)
		if (strcmp(cfg.opers[i].name, name) == 0)
			o = &cfg.opers[i];
	if (o != NULL && o->account != NULL)
		ok = c->account != NULL &&
		    irc_casecmp(c->account, o->account) == 0;
	if (!ok && pass == NULL) {
		conn_reply(c, ERR_NEEDMOREPARAMS, "OPER :Not enough parameters");
		return;
	}
	if ((wait = login_wait(c, name)) > 0) {
		conn_reply(c, ERR_PASSWDMISMATCH, ":Too many failed attempts: "
		    "try again in %d seconds", wait);
		login_give_up(c);
		return;
	}
	if (!ok && o != NULL && o->pass != NULL)
		ok = str_secret_equal(pass, o->pass);
	if (!ok) {
		log_warn("failed OPER as %s from %s", conn_param(name),
		    conn_prefix(c));
		login_failed(c, name);
		conn_reply(c, ERR_PASSWDMISMATCH, ":Password incorrect");
		login_give_up(c);
		return;
	}
	login_succeeded(c, name);
	if ((c->umodes & UMODE_OPER) == 0) {
		c->umodes |= UMODE_OPER;
		conn_opers++;
	}
	log_info("%s is now an operator (%s)", conn_prefix(c), o->name);
	conn_reply(c, RPL_YOUREOPER, ":You are now an IRC operator");
	conn_sendf(c, ":%s MODE %s :+o", conn_prefix(c), c->nick);
}

void
cmd_kill(struct client *c, struct irc_msg *m)
{
	const char *reason = m->nparams > 1 ? m->params[1] : c->nick;
	struct client *t;

	if (strcasecmp(m->params[0], cfg.name) == 0) {
		conn_reply(c, ERR_CANTKILLSERVER, ":You can't kill a server!");
		return;
	}
	t = nick_find(m->params[0]);
	if (t == NULL || (t->reg & REG_DONE) == 0) {
		conn_reply(c, ERR_NOSUCHNICK, "%s :No such nick/channel",
		    conn_param(m->params[0]));
		return;
	}
	log_info("%s killed %s: %s", c->nick, t->nick, reason);
	conn_close(t, "Killed (%s (%s))", c->nick, reason);
}

static void
wallops_each(struct client *t, void *arg)
{
	if ((t->umodes & (UMODE_WALLOPS | UMODE_OPER)) != 0)
		relay_send(arg, t);
}

void
cmd_wallops(struct client *c, struct irc_msg *m)
{
	struct relay r;
	const char *params[] = { m->params[0] };

	relay_init(&r, cmd_time_ms, NULL, NULL, conn_prefix(c), "WALLOPS", 1,
	    params);
	r.account = c->account;
	nick_each(wallops_each, &r);
	relay_done(&r);
}
