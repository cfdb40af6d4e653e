/*
 * What the user types: a table of /commands. The generic code checks
 * arguments, the connection and the buffer kind, so handlers do not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "natter.h"

size_t
command_chans(char *out, size_t cap, const char *list)
{
	char copy[IRC_BODY_MAX], *save = NULL;
	size_t k = 0;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	str_copy(copy, list, sizeof(copy));
	for (char *c = strtok_r(copy, ",", &save); c != NULL;
	    c = strtok_r(NULL, ",", &save)) {
		int n = snprintf(out + k, cap - k, "%s%s%s", k > 0 ? "," : "",
		    irc_is_channel(c) ? "" : "#", c);
		if (n < 0 || (size_t)n >= cap - k) {
			out[k] = '\0';	/* whole names only */
			break;
		}
		k += (size_t)n;
	}
	return k;
}

/* Split off the first word of *args; returns it ("" when none). */
static char *
word(char **args)
{
	char *w = *args;

	*args += strcspn(*args, " ");
	if (**args != '\0')
		*(*args)++ = '\0';
	*args += strspn(*args, " ");
	return w;
}

static void
c_join(struct buffer *b, char *args)
{
	char list[IRC_BODY_MAX], first[IRC_CHAN_MAX + 1];

	/* "/join lan,kids" means #lan,#kids. */
	if (command_chans(list, sizeof(list), word(&args)) == 0)
		return;
	str_copy(first, list, sizeof(first));
	first[strcspn(first, ",")] = '\0';
	handle_join_select(first);
	net_sendf("JOIN %s%s%s", list, args[0] != '\0' ? " " : "", args);
}

static void
c_part(struct buffer *b, char *args)
{
	const char *chan = b->name;

	if (irc_is_channel(args))
		chan = word(&args);
	else if (b->kind != BUFFER_CHANNEL) {
		buffer_addf(b, LINE_ERROR, "Usage: /part [#channel] [reason]");
		return;
	}
	if (args[0] != '\0')
		net_sendf("PART %s :%s", chan, args);
	else
		net_sendf("PART %s", chan);
}

static void
c_msg(struct buffer *b, char *args)
{
	char *target = word(&args);
	struct buffer *to;

	if (args[0] == '\0') {
		buffer_addf(b, LINE_ERROR, "Usage: /msg target text");
		return;
	}
	to = window_find(target);
	if (to == NULL && !irc_is_channel(target))
		to = window_open(target, BUFFER_QUERY);
	say(to != NULL ? to : b, target, args, strlen(args), false);
}

static void
c_query(struct buffer *b, char *args)
{
	char *nick = word(&args);
	struct buffer *to;

	if (irc_is_channel(nick) || !irc_nick_valid(nick, IRC_NICK_MAX)) {
		buffer_addf(b, LINE_ERROR, "Not a nickname: %s", nick);
		return;
	}
	to = window_open(nick, BUFFER_QUERY);
	window_select(window_index(to));
	if (args[0] != '\0')
		say(to, to->name, args, strlen(args), false);
}

static void
c_me(struct buffer *b, char *args)
{
	say(b, b->name, args, strlen(args), true);
}

static void
c_nick(struct buffer *b, char *args)
{
	net_sendf("NICK %s", word(&args));
}

static void
c_topic(struct buffer *b, char *args)
{
	if (b->kind != BUFFER_CHANNEL) {
		buffer_addf(b, LINE_ERROR, "/topic works in a channel buffer");
		return;
	}
	if (args[0] == '\0')
		net_sendf("TOPIC %s", b->name);
	else
		net_sendf("TOPIC %s :%s", b->name, args);
}

static void
c_names(struct buffer *b, char *args)
{
	const char *chan = args[0] != '\0' ? word(&args) : b->name;
	struct buffer *cb = window_find(chan);

	if (!irc_is_channel(chan)) {
		buffer_addf(b, LINE_ERROR, "Usage: /names [#channel]");
		return;
	}
	if (cb != NULL)
		cb->names_show = true;
	net_sendf("NAMES %s", chan);
}

static void
c_whois(struct buffer *b, char *args)
{
	net_sendf("WHOIS %s", word(&args));
}

static void
c_away(struct buffer *b, char *args)
{
	if (args[0] == '\0')
		net_sendf("AWAY");
	else
		net_sendf("AWAY :%s", args);
}

static void
c_quit(struct buffer *b, char *args)
{
	self.quit = true;
	net_sendf("QUIT :%s", args[0] != '\0' ? args : "natter");
}

/*
 * NickServ's REGISTER and IDENTIFY, which natterd, Ergo and the usual
 * services programs all take. The password is sent, never shown.
 */
static void
c_register(struct buffer *b, char *args)
{
	const char *pass = word(&args);

	buffer_addf(window_server(), LINE_INFO, "Registering %s with NickServ",
	    self.nick);
	net_sendf("PRIVMSG NickServ :REGISTER %s", pass);
}

static void
c_identify(struct buffer *b, char *args)
{
	const char *first = word(&args), *second = word(&args);
	const char *account = second[0] != '\0' ? first : sasl_account();
	const char *pass = second[0] != '\0' ? second : first;

	/* Alone, it uses the password --sasl would (a server without SASL,
	 * or a login that failed and was fixed since). */
	if (pass[0] == '\0')
		pass = opt.sasl_password != NULL ? opt.sasl_password : "";
	if (pass[0] == '\0') {
		buffer_addf(b, LINE_ERROR, "Usage: /identify [[account] "
		    "password] (no sasl-password or --sasl-password-file set)");
		return;
	}
	buffer_addf(window_server(), LINE_INFO, "Identifying as %s to NickServ",
	    account);
	net_sendf("PRIVMSG NickServ :IDENTIFY %s %s", account, pass);
}

static void
c_quote(struct buffer *b, char *args)
{
	net_sendf("%s", args);
}

static void
c_help(struct buffer *b, char *args)
{
	const struct command *c;
	bool amb;

	if (args[0] != '\0') {
		if (args[0] == '/')
			args++;
		if ((c = command_find(args, &amb)) == NULL) {
			buffer_addf(b, LINE_ERROR, "No command /%s", args);
			return;
		}
		buffer_addf(b, LINE_INFO, "%s: %s", c->usage, c->help);
		return;
	}
	buffer_addf(b, LINE_INFO, "Commands (/help name for one; // sends a line starting with /):");
	for (size_t i = 0; i < ncommands; i++)
		buffer_addf(b, LINE_INFO, "  %-28s %s", commands[i].usage,
		    commands[i].help);
	buffer_addf(b, LINE_INFO, "Keys: Alt-1..9, Alt-Left/Right, Ctrl-P/N switch buffers; "
	    "PageUp/PageDown scroll; Home/End on an empty line go to the top/bottom");
}

static void
c_window(struct buffer *b, char *args)
{
	char *end;
	long n = strtol(args, &end, 10);
	struct buffer *to;

	if (*end == '\0' && n >= 1 && (size_t)n <= nwindows) {
		window_select((size_t)n - 1);
		return;
	}
	if ((to = window_find(args)) != NULL) {
		window_select(window_index(to));
		return;
	}
	buffer_addf(b, LINE_ERROR, "No window %s (1 to %zu)", args, nwindows);
}

static void
c_close(struct buffer *b, char *args)
{
	size_t i = window_index(b);

	if (args[0] != '\0') {
		char *end;
		long n = strtol(args, &end, 10);
		struct buffer *to = window_find(args);
		if (*end == '\0' && n >= 1 && (size_t)n <= nwindows)
			i = (size_t)n - 1;
		else if (to != NULL)
			i = window_index(to);
		else {
			buffer_addf(b, LINE_ERROR, "No window %s", args);
			return;
		}
	}
	if (i == 0) {
		buffer_addf(b, LINE_ERROR, "The server buffer stays; /quit to leave");
		return;
	}
	if (windows[i]->kind == BUFFER_CHANNEL && windows[i]->joined)
		net_sendf("PART %s", windows[i]->name);
	window_close(i);
}

static void
c_clear(struct buffer *b, char *args)
{
	buffer_clear(b);
}

/* Alphabetical: the order /help lists them and prefixes are matched in. */
static void
c_reconnect(struct buffer *b, char *args)
{
	session_reconnect_now();
}

static void
c_search(struct buffer *b, char *args)
{
	if (!search_buffer(b, args[0] != '\0' ? args : NULL))
		buffer_addf(b, LINE_INFO, "No %smatch for %s",
		    args[0] != '\0' ? "" : "further ", args);
}

const struct command commands[] = {
	{ "away", c_away, CMD_CONNECTED, "/away [message]", "mark yourself away, or back without a message" },
	{ "clear", c_clear, 0, "/clear", "empty this buffer's scrollback" },
	{ "close", c_close, 0, "/close [n|name]", "close a buffer (parting a channel)" },
	{ "help", c_help, 0, "/help [command]", "list commands, or explain one" },
	{ "identify", c_identify, CMD_CONNECTED, "/identify [[account] password]", "log in to your account with NickServ (alone: with the SASL password)" },
	{ "join", c_join, CMD_ARGS | CMD_CONNECTED, "/join #channel[,#channel] [key]", "join channels" },
	{ "me", c_me, CMD_ARGS | CMD_CONNECTED | CMD_TARGET, "/me action", "send an action" },
	{ "msg", c_msg, CMD_ARGS | CMD_CONNECTED, "/msg target text", "send a message to a nick or channel" },
	{ "names", c_names, CMD_CONNECTED, "/names [#channel]", "list who is in a channel" },
	{ "nick", c_nick, CMD_ARGS | CMD_CONNECTED, "/nick name", "change your nickname" },
	{ "part", c_part, CMD_CONNECTED, "/part [#channel] [reason]", "leave a channel" },
	{ "query", c_query, CMD_ARGS, "/query nick [text]", "open a private conversation" },
	{ "quit", c_quit, 0, "/quit [message]", "disconnect and exit" },
	{ "quote", c_quote, CMD_ARGS | CMD_CONNECTED, "/quote line", "send a raw IRC line" },
	{ "reconnect", c_reconnect, 0, "/reconnect", "connect again now" },
	{ "register", c_register, CMD_ARGS | CMD_CONNECTED, "/register password", "register your nick as an account with NickServ" },
	{ "search", c_search, 0, "/search [text]", "find text in this buffer, further back each time" },
	{ "topic", c_topic, CMD_CONNECTED | CMD_TARGET, "/topic [text]", "show or set the channel topic" },
	{ "whois", c_whois, CMD_ARGS | CMD_CONNECTED, "/whois nick", "ask about a user" },
	{ "window", c_window, CMD_ARGS, "/window n|name", "switch to a buffer" },
};
const size_t ncommands = nitems(commands);

const struct command *
command_find(const char *name, bool *ambiguous)
{
	const struct command *found = NULL;
	size_t n = strlen(name);

	*ambiguous = false;
	if (n == 0)
		return NULL;
	for (size_t i = 0; i < ncommands; i++) {
		if (strcasecmp(commands[i].name, name) == 0)
			return &commands[i];
		if (strncasecmp(commands[i].name, name, n) == 0) {
			if (found != NULL)
				*ambiguous = true;
			found = &commands[i];
		}
	}
	return *ambiguous ? NULL : found;
}

void
command_run(struct buffer *b, const char *line)
{
	char buf[EDIT_MAX * 4 + 1];
	char *args, *name;
	const struct command *c;
	bool amb;

	str_copy(buf, line, sizeof(buf));
	if (buf[0] != '/' || buf[1] == '/') {
		/* Text; "//" sends the line from its second slash on. */
		const char *text = buf[0] == '/' ? buf + 1 : buf;
		if (text[0] == '\0')
			return;
		if (b->kind == BUFFER_SERVER) {
			buffer_addf(b, LINE_ERROR,
			    "This is the server buffer: use /join, /msg or /quote");
			return;
		}
		if (!self.registered) {
			buffer_addf(b, LINE_ERROR, "Not connected");
			return;
		}
		buffer_scroll_bottom(b);
		say(b, b->name, text, strlen(text), false);
		return;
	}
	args = buf + 1;
	name = word(&args);
	/* Trailing spaces are not arguments. */
	for (size_t n = strlen(args); n > 0 && args[n - 1] == ' '; n--)
		args[n - 1] = '\0';
	if ((c = command_find(name, &amb)) == NULL) {
		if (amb)
			buffer_addf(b, LINE_ERROR, "Ambiguous command /%s", name);
		else
			buffer_addf(b, LINE_ERROR,
			    "Unknown command /%s (try /help)", name);
		return;
	}
	if ((c->flags & CMD_ARGS) && args[0] == '\0')
		buffer_addf(b, LINE_ERROR, "Usage: %s", c->usage);
	else if ((c->flags & CMD_CONNECTED) && !self.registered)
		buffer_addf(b, LINE_ERROR, "Not connected");
	else if ((c->flags & CMD_TARGET) && b->kind == BUFFER_SERVER)
		buffer_addf(b, LINE_ERROR, "/%s works in a channel or query buffer",
		    c->name);
	else
		c->fn(b, args);
}
