/*
 * cmd.c: the command table and its dispatch (the ngircd way). The
 * generic code answers 421, 451, 461 and 481, so handlers never check
 * registration, parameter counts or operator status themselves, and it
 * wraps the replies
 * of a labeled command (IRCv3 labeled-response).
 */
#include <string.h>
#include <strings.h>

#include "natterd.h"

#define LABEL_MAX 64

int64_t cmd_time_ms;

/*
 * To add a command (CHATHISTORY, say): a line here and a cmd_fn
 * prototype in natterd.h. min_params is checked before the call.
 */
static const struct command commands[] = {
	{ "PRIVMSG", cmd_privmsg, 0, CMD_REGONLY },
	{ "NOTICE", cmd_notice, 0, CMD_REGONLY },
	{ "TAGMSG", cmd_tagmsg, 1, CMD_REGONLY },
	{ "PING", cmd_ping, 0, CMD_PREREG },
	{ "PONG", cmd_pong, 0, CMD_PREREG },
	{ "AWAY", cmd_away, 0, CMD_REGONLY },
	{ "CAP", cmd_cap, 1, CMD_PREREG },
	{ "CHATHISTORY", cmd_chathistory, 0, CMD_REGONLY },
	{ "INVITE", cmd_invite, 2, CMD_REGONLY },
	{ "ISON", cmd_ison, 1, CMD_REGONLY },
	{ "JOIN", cmd_join, 1, CMD_REGONLY },
	{ "KICK", cmd_kick, 2, CMD_REGONLY },
	{ "KILL", cmd_kill, 1, CMD_REGONLY | CMD_OPER },
	{ "LIST", cmd_list, 0, CMD_REGONLY },
	{ "LUSERS", cmd_lusers, 0, CMD_REGONLY },
	{ "MODE", cmd_mode, 1, CMD_REGONLY },
	{ "MOTD", cmd_motd, 0, CMD_REGONLY },
	{ "NAMES", cmd_names, 0, CMD_REGONLY },
	{ "NICK", cmd_nick, 0, CMD_PREREG },
	{ "OPER", cmd_oper, 2, CMD_REGONLY },
	{ "PART", cmd_part, 1, CMD_REGONLY },
	{ "PASS", cmd_pass, 1, CMD_PREREG },
	{ "QUIT", cmd_quit, 0, CMD_PREREG },
	{ "SETNAME", cmd_setname, 1, CMD_REGONLY },
	{ "TIME", cmd_time, 0, CMD_REGONLY },
	{ "TOPIC", cmd_topic, 1, CMD_REGONLY },
	{ "USER", cmd_user, 4, CMD_PREREG },
	{ "USERHOST", cmd_userhost, 1, CMD_REGONLY },
	{ "VERSION", cmd_version, 0, CMD_REGONLY },
	{ "WALLOPS", cmd_wallops, 1, CMD_REGONLY | CMD_OPER },
	{ "WHO", cmd_who, 0, CMD_REGONLY },
	{ "WHOIS", cmd_whois, 1, CMD_REGONLY },
	{ "WHOWAS", cmd_whowas, 1, CMD_REGONLY },
};

void
cmd_dispatch(struct client *c, struct irc_msg *m, int64_t time_ms)
{
	const struct command *cmd = NULL;
	const char *label = NULL;

	for (size_t i = 0; i < nitems(commands); i++) {
		if (strcasecmp(commands[i].name, m->command) == 0) {
			cmd = &commands[i];
			break;
		}
	}
	if (client_has_cap(c, CAP_LABELED_RESPONSE)) {
		label = irc_tag_get(m, "label");
		if (label != NULL && (label[0] == '\0' ||
		    strlen(label) > LABEL_MAX))
			label = NULL;
	}
	if (label != NULL)
		conn_capture_begin(c);
	cmd_time_ms = time_ms;
	if (cmd == NULL) {
		if ((c->reg & REG_DONE) != 0)
			conn_reply(c, ERR_UNKNOWNCOMMAND, "%s :Unknown command",
			    m->command);
		else
			conn_reply(c, ERR_NOTREGISTERED,
			    ":You have not registered");
	} else if ((c->reg & REG_DONE) == 0 &&
	    (cmd->flags & CMD_PREREG) == 0) {
		conn_reply(c, ERR_NOTREGISTERED, ":You have not registered");
	} else if (m->nparams < cmd->min_params) {
		conn_reply(c, ERR_NEEDMOREPARAMS, "%s :Not enough parameters",
		    cmd->name);
	} else if ((cmd->flags & CMD_OPER) != 0 &&
	    (c->umodes & UMODE_OPER) == 0) {
		conn_reply(c, ERR_NOPRIVILEGES,
		    ":Permission Denied- You're not an IRC operator");
	} else {
		cmd->fn(c, m);
	}
	if (label != NULL)
		conn_capture_end(c, label);
}
