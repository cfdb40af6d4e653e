/*
 * cmd-info.c: the commands that describe the server to a person: INFO
 * and HELP (with HELPOP, its other name). HELP reads the command table,
 * so every command has its help and none is described twice.
 */
#include <stdio.h>
#include <string.h>

#include "natterd.h"

/* RFC 2812 3.4.10: some 371 lines, then 374. */
void
cmd_info(struct client *c, struct irc_msg *m)
{
	conn_reply(c, RPL_INFO, ":%s, natter's LAN chat server", NATTERD_VERSION);
	conn_reply(c, RPL_INFO, ":IRC (RFC 1459, RFC 2812) with IRCv3 extensions;"
	    " see natter-protocol(7)");
	conn_reply(c, RPL_INFO, ":Running since %s", cfg.created);
	conn_reply(c, RPL_INFO, ":History: %s", cfg.db_path == NULL ||
	    strcmp(cfg.db_path, "none") == 0 ? "in memory" : "SQLite on disk");
	conn_reply(c, RPL_ENDOFINFO, ":End of INFO list");
}

struct help_index {
	struct client *c;
	size_t n;
	char line[IRC_BODY_MAX];
};

/* The index: command names, as many to a 705 line as fit. */
static void
help_name(const struct command *cmd, void *arg)
{
	struct help_index *h = arg;
	size_t room = IRC_BODY_MAX - strlen(cfg.name) - IRC_NICK_MAX - 16;

	if (h->n > 0 && h->n + 1 + strlen(cmd->name) > room) {
		conn_reply(h->c, RPL_HELPTXT, "* :%s", h->line);
		h->n = 0;
	}
	int w = snprintf(h->line + h->n, sizeof(h->line) - h->n, "%s%s",
	    h->n ? " " : "", cmd->name);
	if (w > 0 && (size_t)w < sizeof(h->line) - h->n)
		h->n += w;
}

/*
 * modern.ircdocs.horse "HELP": 704, 705 lines, 706, all naming the
 * subject ("*" for the index); an unknown subject is 524 alone.
 */
void
cmd_help(struct client *c, struct irc_msg *m)
{
	const char *subject = m->nparams > 0 ? m->params[0] : "";

	if (subject[0] == '\0') {
		struct help_index h = { c, 0, "" };
		conn_reply(c, RPL_HELPSTART, "* :%s commands; HELP <command>"
		    " for one", NATTERD_VERSION);
		cmd_each(help_name, &h);
		if (h.n > 0)
			conn_reply(c, RPL_HELPTXT, "* :%s", h.line);
		conn_reply(c, RPL_ENDOFHELP, "* :End of /HELP");
		return;
	}
	const struct command *cmd = cmd_find(subject);
	if (cmd == NULL) {
		conn_reply(c, ERR_HELPNOTFOUND, "%s :No help available on this"
		    " topic", conn_param(subject));
		return;
	}
	/* A row added without its help still answers (check_conformance
	 * fails on it). */
	const char *usage = cmd->usage != NULL ? cmd->usage : "";
	conn_reply(c, RPL_HELPSTART, "%s :%s%s%s", cmd->name, cmd->name,
	    usage[0] ? " " : "", usage);
	conn_reply(c, RPL_HELPTXT, "%s :%s", cmd->name,
	    cmd->summary != NULL ? cmd->summary : "(no help yet)");
	conn_reply(c, RPL_ENDOFHELP, "%s :End of /HELP", cmd->name);
}
