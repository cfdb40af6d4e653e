/*
 * service.c: natterd's pseudo-users, NickServ and ChanServ, as services
 * networks have them, so clients and habits made for those work. Each is
 * a nick no one may take, shown by WHOIS as a service, that answers a
 * PRIVMSG (or its command, /NS, /CS) with NOTICEs. What is said to one is
 * its command line: never stored, echoed or relayed (passwords).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "natterd.h"

static const struct service services[] = {
	{ NICKSERV_NICK, "NS", "Account services", nickserv_message },
	{ CHANSERV_NICK, "CS", "Channel services", chanserv_message },
};

const struct service *
service_find(const char *nick)
{
	for (size_t i = 0; i < nitems(services); i++)
		if (irc_casecmp(nick, services[i].nick) == 0)
			return &services[i];
	return NULL;
}

void
service_notice(struct client *c, const char *nick, const char *fmt, ...)
{
	char text[IRC_BODY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	conn_sendf(c, ":%s!%s@%s NOTICE %s :%s", nick, nick, cfg.name,
	    conn_nick(c), text);
}

/* Split a command line (buf, changed) at spaces: its first word into
 * *name (NULL: none), at most max of the rest into argv; returns their
 * count. */
static int
split(char *buf, const char **name, char **argv, int max)
{
	char *p = buf, *tok;
	int argc = 0;

	while ((tok = strsep(&p, " ")) != NULL && tok[0] == '\0')
		;
	*name = tok;
	while (argc < max && (tok = strsep(&p, " ")) != NULL)
		if (tok[0] != '\0')
			argv[argc++] = tok;
	return argc;
}

void
service_run(struct client *c, const char *nick,
    const struct service_command *cmds, size_t ncmds, const char *hint,
    const char *text)
{
	char buf[IRC_BODY_MAX], *argv[SERVICE_ARGS_MAX];
	const char *name;

	str_copy(buf, text, sizeof(buf));
	int argc = split(buf, &name, argv, SERVICE_ARGS_MAX);
	const struct service_command *cmd = NULL;
	for (size_t i = 0; i < ncmds && cmd == NULL; i++)
		if (strcasecmp(cmds[i].name, name != NULL ? name : "HELP")
		    == 0)
			cmd = &cmds[i];
	if (cmd == NULL)
		service_notice(c, nick, "Unknown command %s: try HELP",
		    conn_param(name));
	else if (argc < cmd->min_args)
		service_notice(c, nick, "Usage: %s", cmd->usage);
	else if (cmd->login && c->account == NULL)
		service_notice(c, nick, "You are not logged in: %s", hint);
	else
		cmd->fn(c, argv, argc);
	explicit_bzero(buf, sizeof(buf));
}

void
service_whois(struct client *c, const struct service *s)
{
	conn_reply(c, RPL_WHOISUSER, "%s %s %s * :%s", s->nick, s->nick,
	    cfg.name, s->about);
	conn_reply(c, RPL_WHOISSERVER, "%s %s :natter LAN chat server",
	    s->nick, cfg.name);
	conn_reply(c, RPL_WHOISOPERATOR, "%s :is a network service", s->nick);
	conn_reply(c, RPL_ENDOFWHOIS, "%s :End of /WHOIS list.", s->nick);
}

/* NICKSERV, NS, CHANSERV, CS: the parameters are the command line. */
void
cmd_service(struct client *c, struct irc_msg *m)
{
	const struct service *s = NULL;
	char text[IRC_BODY_MAX];
	size_t n = 0;

	for (size_t i = 0; i < nitems(services) && s == NULL; i++)
		if (strcasecmp(m->command, services[i].nick) == 0 ||
		    strcasecmp(m->command, services[i].alias) == 0)
			s = &services[i];
	if (s == NULL)
		return;
	text[0] = '\0';
	for (size_t i = 0; i < m->nparams; i++) {
		int w = snprintf(text + n, sizeof(text) - n, "%s%s",
		    n ? " " : "", m->params[i]);
		if (w < 0 || (size_t)w >= sizeof(text) - n)
			break;
		n += w;
	}
	s->message(c, text);
	explicit_bzero(text, sizeof(text));
}
