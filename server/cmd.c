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
int cmd_rows_asked;

/*
 * To add a command (CHATHISTORY, say): a row here and a cmd_fn
 * prototype in natterd.h. min_params is checked before the call; the
 * usage and summary are what HELP says. CMD_LONG marks those whose
 * answers can run to many lines: they cost flood tokens by them.
 * CMD_STORES those that add to history: while it is behind the disk,
 * their sender's lines wait (loop_wait_disk); CMD_READS those that read
 * it: they wait for their sender's own messages to be stored, so a
 * client finds what it has just said. The busiest commands come
 * first.
 */
static const struct command commands[] = {
	{ "PRIVMSG", cmd_privmsg, 0, CMD_REGONLY | CMD_STORES,
	    "<target>[,<target>...] <text>", "send a message to channels or users" },
	{ "NOTICE", cmd_notice, 0, CMD_REGONLY | CMD_STORES,
	    "<target>[,<target>...] <text>", "send a notice, never answered automatically" },
	{ "TAGMSG", cmd_tagmsg, 1, CMD_REGONLY | CMD_STORES,
	    "<target>", "send only tags (message-tags)" },
	{ "PING", cmd_ping, 0, CMD_PREREG,
	    "<token>", "ask for a PONG with the token" },
	{ "PONG", cmd_pong, 0, CMD_PREREG,
	    "<token>", "answer the server's PING" },
	{ "AUTHENTICATE", cmd_authenticate, 1, CMD_PREREG,
	    "<mechanism> | <base64> | * | +", "log in with SASL (PLAIN)" },
	{ "AWAY", cmd_away, 0, CMD_REGONLY,
	    "[<message>]", "mark yourself away, or back without a message" },
	{ "CAP", cmd_cap, 1, CMD_PREREG,
	    "LS [302] | LIST | REQ <caps> | END", "negotiate IRCv3 capabilities" },
	{ "CHANSERV", cmd_service, 0, CMD_REGONLY,
	    "<command> [<args>...]", "talk to ChanServ (channel ownership)" },
	{ "CS", cmd_service, 0, CMD_REGONLY,
	    "<command> [<args>...]", "the same as CHANSERV" },
	{ "CHATHISTORY", cmd_chathistory, 0, CMD_REGONLY | CMD_LONG | CMD_READS,
	    "<subcommand> <target> <refs> <limit>", "fetch stored messages" },
	{ "SEARCH", cmd_search, 0, CMD_REGONLY | CMD_LONG | CMD_READS,
	    "in=<target>;from=<nick>;after=<time>;before=<time>;text=<words>;limit=<n>",
	    "find stored messages (soju.im/search)" },
	{ "HELP", cmd_help, 0, CMD_REGONLY | CMD_LONG,
	    "[<command>]", "this help" },
	{ "HELPOP", cmd_help, 0, CMD_REGONLY | CMD_LONG,
	    "[<command>]", "the same as HELP" },
	{ "INFO", cmd_info, 0, CMD_REGONLY,
	    "", "about this server" },
	{ "INVITE", cmd_invite, 2, CMD_REGONLY,
	    "<nick> <channel>", "invite a user to a channel" },
	{ "ISON", cmd_ison, 1, CMD_REGONLY,
	    "<nick> ...", "which of the nicks are online" },
	{ "JOIN", cmd_join, 1, CMD_REGONLY | CMD_LONG,
	    "<channel>[,<channel>...] [<key>[,<key>...]] | 0", "join channels (0: leave all)" },
	{ "KICK", cmd_kick, 2, CMD_REGONLY,
	    "<channel>[,<channel>...] <nick>[,<nick>...] [<reason>]", "remove users from channels" },
	{ "KILL", cmd_kill, 1, CMD_REGONLY | CMD_OPER,
	    "<nick> [<reason>]", "disconnect a user (operators)" },
	{ "LIST", cmd_list, 0, CMD_REGONLY | CMD_LONG,
	    "[<channel>[,<channel>...]]", "channels with their user counts and topics" },
	{ "LUSERS", cmd_lusers, 0, CMD_REGONLY,
	    "", "how many users and channels" },
	{ "MARKREAD", cmd_markread, 0, CMD_REGONLY,
	    "<target> [timestamp=<time>]", "show or move your read marker (draft/read-marker)" },
	{ "MODE", cmd_mode, 1, CMD_REGONLY | CMD_LONG,
	    "<target> [<modes> [<args>...]]", "show or change channel or user modes" },
	{ "MONITOR", cmd_monitor, 1, CMD_REGONLY | CMD_LONG,
	    "+ <nicks> | - <nicks> | C | L | S", "be told when nicks come and go" },
	{ "MOTD", cmd_motd, 0, CMD_REGONLY | CMD_LONG,
	    "", "the message of the day" },
	{ "NAMES", cmd_names, 0, CMD_REGONLY | CMD_LONG,
	    "[<channel>]", "the members of a channel" },
	{ "NICK", cmd_nick, 0, CMD_PREREG,
	    "<nick>", "choose or change your nick" },
	{ "NICKSERV", cmd_service, 0, CMD_REGONLY,
	    "<command> [<args>...]", "talk to NickServ (accounts)" },
	{ "NS", cmd_service, 0, CMD_REGONLY,
	    "<command> [<args>...]", "the same as NICKSERV" },
	{ "OPER", cmd_oper, 1, CMD_REGONLY,
	    "<name> [<password>]", "become an IRC operator (no password: tied to your account)" },
	{ "PART", cmd_part, 1, CMD_REGONLY,
	    "<channel>[,<channel>...] [<message>]", "leave channels" },
	{ "PASS", cmd_pass, 1, CMD_PREREG,
	    "<password>", "the server password, before NICK and USER" },
	{ "QUIT", cmd_quit, 0, CMD_PREREG,
	    "[<message>]", "disconnect" },
	{ "REDACT", cmd_redact, 2, CMD_REGONLY,
	    "<target> <msgid> [<reason>]", "delete a message of yours, or as a channel operator any (draft/message-redaction)" },
	{ "REGISTER", cmd_register, 3, CMD_PREREG,
	    "<account>|* <email>|* <password>", "register an account (draft/account-registration)" },
	{ "SETNAME", cmd_setname, 1, CMD_REGONLY,
	    "<realname>", "change your real name" },
	{ "TIME", cmd_time, 0, CMD_REGONLY,
	    "", "the server's time" },
	{ "TOPIC", cmd_topic, 1, CMD_REGONLY,
	    "<channel> [<topic>]", "show or set a channel's topic" },
	{ "USER", cmd_user, 4, CMD_PREREG,
	    "<user> <mode> <unused> <realname>", "register your user and real name" },
	{ "USERHOST", cmd_userhost, 1, CMD_REGONLY,
	    "<nick> ...", "the user@host of up to 5 nicks" },
	{ "VERSION", cmd_version, 0, CMD_REGONLY,
	    "", "the server's version and features" },
	{ "WALLOPS", cmd_wallops, 1, CMD_REGONLY | CMD_OPER,
	    "<text>", "a message to users with +w (operators)" },
	{ "WHO", cmd_who, 0, CMD_REGONLY | CMD_LONG,
	    "[<mask> [o][%<fields>[,<token>]]]", "list users matching a mask or in a channel" },
	{ "WHOIS", cmd_whois, 1, CMD_REGONLY | CMD_LONG,
	    "<nick>", "who a user is" },
	{ "WHOWAS", cmd_whowas, 1, CMD_REGONLY | CMD_LONG,
	    "<nick>[,<nick>...] [<count>]", "who had a nick that has been left" },
};

const struct command *
cmd_find(const char *name)
{
	for (size_t i = 0; i < nitems(commands); i++)
		if (strcasecmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void
cmd_each(void (*fn)(const struct command *, void *), void *arg)
{
	for (size_t i = 0; i < nitems(commands); i++)
		fn(&commands[i], arg);
}

int
cmd_line_flags(const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	char word[16];
	size_t n = 0;

	for (int skip = 0; skip < 2 && p < end; skip++) {
		if (*p != (skip == 0 ? '@' : ':'))
			continue;
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	while (p < end && *p != ' ' && n < sizeof(word) - 1)
		word[n++] = *p++;
	word[n] = '\0';
	const struct command *cmd = cmd_find(word);
	return cmd != NULL ? cmd->flags : 0;
}

void
cmd_dispatch(struct client *c, struct irc_msg *m, int64_t time_ms,
    bool repaired)
{
	const struct command *cmd = cmd_find(m->command);
	const char *label = NULL;

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
		/* UTF8ONLY: text that is not UTF-8 is not refused but read
		 * as Latin-1, which the sender is told, as the spec allows. */
		if (repaired)
			conn_sendf(c, ":%s WARN %s INVALID_UTF8 :Your text was not"
			    " UTF-8; it was read as Latin-1", cfg.name, cmd->name);
		uint32_t before = c->lines_out;
		cmd_rows_asked = 0;
		cmd->fn(c, m);
		if ((cmd->flags & CMD_LONG) != 0) {
			uint32_t lines = c->lines_out - before;
			if ((uint32_t)cmd_rows_asked > lines)
				lines = cmd_rows_asked;
			conn_flood_charge(c, lines / CMD_LINES_PER_TOKEN);
			loop_spend(lines);
		}
	}
	if (label != NULL)
		conn_capture_end(c, label);
}
