/*
 * What the user types: a table of /commands. The generic code checks
 * arguments, the connection and the buffer kind, so handlers do not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "natter.h"

/* Said when a line cannot go: it stays in the input line meanwhile. */
#define NOT_CONNECTED "Not connected: the line stays in the input; " \
	"Enter sends it once connected again"

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

/* A nick no server takes is refused here, with the reason, rather
 * than sent for a bare 432. */
static void
c_nick(struct buffer *b, char *args)
{
	char *nick = word(&args), why[128];

	if (nick_problem(why, sizeof(why), nick)) {
		buffer_addf(b, LINE_ERROR, "Not a valid nickname: %s", why);
		return;
	}
	net_sendf("NICK %s", nick);
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
	const char *nick = word(&args);

	whois_asked(b, nick);
	net_sendf("WHOIS %s", nick);
}

static void
c_whowas(struct buffer *b, char *args)
{
	const char *nick = word(&args);

	whois_asked(b, nick);
	net_sendf("WHOWAS %s", nick);
}

/* "/who" alone asks about the current channel. */
static void
c_who(struct buffer *b, char *args)
{
	if (args[0] != '\0')
		net_sendf("WHO %s", word(&args));
	else if (b->kind == BUFFER_SERVER || b->kind == BUFFER_LIST)
		buffer_addf(b, LINE_ERROR, "Usage: /who [#channel|mask]");
	else
		net_sendf("WHO %s", b->name);
}

/*
 * The channel an operator command acts on: a channel named first
 * (taken off args), else the current buffer's. NULL, with an error
 * line, when there is neither.
 */
static const char *
op_chan(struct buffer *b, char **args)
{
	if (irc_is_channel(*args))
		return word(args);
	if (b->kind == BUFFER_CHANNEL)
		return b->name;
	buffer_addf(b, LINE_ERROR, "Name a channel, or use this in a channel buffer");
	return NULL;
}

/* irssi's and WeeChat's order: the nick first, the channel after. */
static void
c_invite(struct buffer *b, char *args)
{
	char *nick = word(&args);
	const char *chan = args[0] != '\0' ? word(&args) : NULL;

	if (chan == NULL) {
		if (b->kind != BUFFER_CHANNEL) {
			buffer_addf(b, LINE_ERROR, "Usage: /invite nick [#channel]");
			return;
		}
		chan = b->name;
	}
	net_sendf("INVITE %s %s", nick, chan);
}

static void
c_kick(struct buffer *b, char *args)
{
	const char *chan = op_chan(b, &args);
	char *nick;

	if (chan == NULL)
		return;
	if ((nick = word(&args))[0] == '\0') {
		buffer_addf(b, LINE_ERROR, "Usage: /kick [#channel] nick [reason]");
		return;
	}
	if (args[0] != '\0')
		net_sendf("KICK %s %s :%s", chan, nick, args);
	else
		net_sendf("KICK %s %s", chan, nick);
}

/*
 * MODE chan +xxx arg arg ...: the letter once per argument, at most
 * modes_max arguments a line (ISUPPORT MODES) so a server applies all.
 * A bare nick is banned as nick!*@*: irssi's host bans need a WHOIS
 * first, and a nick ban works on every server.
 */
static void
mode_each(struct buffer *b, char *args, char sign, char letter, bool mask)
{
	const char *chan = op_chan(b, &args);
	char letters[MODES_LINE_MAX + 1], params[IRC_BODY_MAX];
	size_t n = 0, k = 0;

	if (chan == NULL)
		return;
	if (args[0] == '\0') {
		buffer_addf(b, LINE_ERROR, "Name at least one %s",
		    mask ? "nick or mask" : "nick");
		return;
	}
	while (args[0] != '\0') {
		char *w = word(&args);
		int len;

		char full[IRC_BODY_MAX];

		if (mask && irc_mask_normalize(full, sizeof(full), w) > 0)
			w = full;
		len = snprintf(params + k, sizeof(params) - k, " %s", w);
		if (len < 0 || (size_t)len >= sizeof(params) - k)
			break;
		k += (size_t)len;
		letters[n++] = letter;
		if (n == self.modes_max || n == MODES_LINE_MAX || args[0] == '\0') {
			letters[n] = '\0';
			net_sendf("MODE %s %c%s%s", chan, sign, letters, params);
			n = k = 0;
		}
	}
}

static void c_op(struct buffer *b, char *args) { mode_each(b, args, '+', 'o', false); }
static void c_deop(struct buffer *b, char *args) { mode_each(b, args, '-', 'o', false); }
static void c_voice(struct buffer *b, char *args) { mode_each(b, args, '+', 'v', false); }
static void c_devoice(struct buffer *b, char *args) { mode_each(b, args, '-', 'v', false); }
static void c_unban(struct buffer *b, char *args) { mode_each(b, args, '-', 'b', true); }

/* "/ban" alone lists the channel's bans (367, 368). */
static void
c_ban(struct buffer *b, char *args)
{
	char *rest = args;
	const char *chan = op_chan(b, &rest);

	if (chan == NULL)
		return;
	if (rest[0] == '\0')
		net_sendf("MODE %s +b", chan);
	else
		mode_each(b, args, '+', 'b', true);
}

/* "/mode +m" is the current channel's; "/mode" alone asks for it. */
static void
c_mode(struct buffer *b, char *args)
{
	const char *target = NULL;

	if (args[0] != '\0' && args[0] != '+' && args[0] != '-')
		target = word(&args);
	else if (b->kind == BUFFER_CHANNEL)
		target = b->name;
	else if (args[0] != '\0')
		target = self.nick;	/* user modes, as irssi does */
	if (target == NULL) {
		buffer_addf(b, LINE_ERROR, "Usage: /mode [target] [+|-modes [args]]");
		return;
	}
	if (args[0] != '\0')
		net_sendf("MODE %s %s", target, args);
	else
		net_sendf("MODE %s", target);
}

static void
c_notice(struct buffer *b, char *args)
{
	char *target = word(&args);
	struct buffer *to = window_find(target);

	if (args[0] == '\0') {
		buffer_addf(b, LINE_ERROR, "Usage: /notice target text");
		return;
	}
	net_sendf("NOTICE %s :%s", target, args);
	/* With echo-message the server's copy is shown instead. */
	if (!(self.caps & CAP_ECHO))
		buffer_add(to != NULL ? to : b, 0, LINE_NOTICE, LINE_SELF,
		    self.nick, args);
}

/* The request word upper-cased, as CTCP's are; PING carries the time. */
static void
c_ctcp(struct buffer *b, char *args)
{
	char *target = word(&args), *what = word(&args);

	if (what[0] == '\0') {
		buffer_addf(b, LINE_ERROR, "Usage: /ctcp target command [args]");
		return;
	}
	for (char *p = what; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if (strcmp(what, "PING") == 0 && args[0] == '\0')
		net_sendf("PRIVMSG %s :\1PING %lld\1", target,
		    (long long)time_now_ms());
	else if (args[0] != '\0')
		net_sendf("PRIVMSG %s :\1%s %s\1", target, what, args);
	else
		net_sendf("PRIVMSG %s :\1%s\1", target, what);
	buffer_addf(b, LINE_INFO, "CTCP %s sent to %s", what, target);
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
	readmark_flush();	/* what was read, before we go */
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

/* The short names irssi's and WeeChat's default aliases both give, so
 * their users' fingers work here: "/q bob", "/w", "/wi bob". */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{ "bye", "quit" }, { "c", "clear" }, { "cl", "clear" },
	{ "exit", "quit" }, { "k", "kick" }, { "leave", "part" },
	{ "m", "msg" }, { "n", "names" }, { "q", "query" },
	{ "signoff", "quit" }, { "t", "topic" }, { "w", "who" },
	{ "wi", "whois" }, { "ww", "whowas" },
};

/* The keys, for /help: the same as natter(1)'s KEY BINDINGS and the
 * README's Keys table (tests/man-flags.test compares them). */
static const struct {
	const char *keys, *what;
} help_keys[] = {
	{ "Alt-1 ... Alt-9, Alt-0",
	    "switch to buffer 1 to 9, or 10" },
	{ "Alt-Left/Right, Alt-Up/Down, Ctrl-P/N",
	    "previous or next buffer" },
	{ "PageUp, PageDown",
	    "scroll the history by a page" },
	{ "Home, End (input line empty)",
	    "top or bottom of the history" },
	{ "Ctrl-PageUp, Ctrl-PageDown",
	    "scroll the nick list" },
	{ "mouse wheel (with --mouse)",
	    "scroll the history, or the nick list under the pointer" },
	{ "Tab, Shift-Tab",
	    "complete a nick, channel or command; again for the next" },
	{ "Up, Down",
	    "earlier and later input of this buffer" },
	{ "Ctrl-R",
	    "search the scrollback for the input line's text; again for further back" },
	{ "Ctrl-A, Ctrl-E, Ctrl-W, Ctrl-U, Ctrl-K, Ctrl-Y",
	    "Emacs-style editing: start, end, kill word, kill to start or end, yank" },
	{ "Left, Right, Ctrl-B, Ctrl-F",
	    "move back or forward a character" },
	{ "Alt-B, Alt-F, Ctrl-Left, Ctrl-Right",
	    "move back or forward a word" },
	{ "Backspace, Delete, Ctrl-D",
	    "delete the character before or under the cursor" },
	{ "Alt-Backspace, Alt-D",
	    "kill the word before or after the cursor" },
	{ "Enter",
	    "send the line" },
	{ "Ctrl-L",
	    "redraw the screen" },
	{ "Ctrl-C",
	    "clear the input line (Ctrl-Y brings it back); twice within 2 s quits" },
	{ "Alt-Enter",
	    "a new line in the input: the text goes as one message of several lines" },
	{ "Shift-Up, Shift-Down",
	    "select a message for /react and /delete" },
	{ "Delete (a message selected)",
	    "delete your selected message, after a y/n question" },
};

static void
c_help(struct buffer *b, char *args)
{
	const struct command *c;
	bool amb;

	if (args[0] != '\0') {
		if (args[0] == '/')
			args++;
		if ((c = command_find(args, &amb)) == NULL) {
			/* Not one of ours: a topic of the server's HELP. */
			if (self.registered && !amb)
				net_sendf("HELP %s", args);
			else
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
	buffer_addf(b, LINE_INFO, "Keys:");
	for (size_t i = 0; i < nitems(help_keys); i++)
		buffer_addf(b, LINE_INFO, "  %-28s %s", help_keys[i].keys,
		    help_keys[i].what);
	/* The short names, each with what it stands for. */
	char text[LINE_TEXT_MAX];
	size_t k = 0;
	int w = snprintf(text, sizeof(text), "Short names, as in irssi and "
	    "WeeChat:");
	k = w > 0 ? (size_t)w : 0;
	for (size_t i = 0; i < nitems(aliases) && k < sizeof(text); i++) {
		w = snprintf(text + k, sizeof(text) - k, " /%s=/%s%s",
		    aliases[i].alias, aliases[i].name,
		    i + 1 < nitems(aliases) ? "," : "");
		if (w < 0 || (size_t)w >= sizeof(text) - k)
			break;
		k += (size_t)w;
	}
	buffer_addf(b, LINE_INFO, "%s", text);
	buffer_addf(b, LINE_INFO, "The server's own help: /help topic for a "
	    "topic that is not a natter command");
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
c_goto(struct buffer *b, char *args)
{
	char *end;
	unsigned long n = strtoul(args, &end, 10);

	if (*end != '\0' || args[0] == '-') {
		buffer_addf(b, LINE_ERROR, "Usage: /goto n");
		return;
	}
	search_goto(n);
}

/* The server searches when it can (search.c); "/search" alone, Ctrl-R
 * and a server without search look in this buffer. */
static void
c_search(struct buffer *b, char *args)
{
	if (args[0] != '\0' && search_server(b, args))
		return;
	if (!search_buffer(b, args[0] != '\0' ? args : NULL))
		buffer_addf(b, LINE_INFO, "No %smatch for %s",
		    args[0] != '\0' ? "" : "further ", args);
}

static void
c_info(struct buffer *b, char *args)
{
	net_sendf("INFO");
}

static void
c_notify(struct buffer *b, char *args)
{
	monitor_command(b, args);
}

static void
c_react(struct buffer *b, char *args)
{
	react_send(b, word(&args));
}

static void
c_delete(struct buffer *b, char *args)
{
	redact_send(b, args);
}

const struct command commands[] = {
	{ "away", c_away, CMD_CONNECTED, "/away [message]", "mark yourself away, or back without a message" },
	{ "ban", c_ban, CMD_CONNECTED, "/ban [#channel] [nick|mask...]", "ban users (a nick as nick!*@*), or list the bans" },
	{ "clear", c_clear, 0, "/clear", "empty this buffer's scrollback" },
	{ "close", c_close, 0, "/close [n|name]", "close a buffer (parting a channel)" },
	{ "ctcp", c_ctcp, CMD_ARGS | CMD_CONNECTED, "/ctcp target command [args]", "send a CTCP request (VERSION, PING, TIME...)" },
	{ "delete", c_delete, CMD_CONNECTED | CMD_TARGET, "/delete [reason]", "delete your last message here, or the selected one (Shift-Up)" },
	{ "deop", c_deop, CMD_ARGS | CMD_CONNECTED, "/deop [#channel] nick...", "take channel operator status" },
	{ "devoice", c_devoice, CMD_ARGS | CMD_CONNECTED, "/devoice [#channel] nick...", "take voice" },
	{ "goto", c_goto, CMD_ARGS, "/goto n", "show /search's result n in its buffer, fetching the history around it" },
	{ "help", c_help, 0, "/help [command|topic]", "list commands, explain one, or ask the server about a topic" },
	{ "identify", c_identify, CMD_CONNECTED, "/identify [[account] password]", "log in to your account with NickServ (alone: with the SASL password)" },
	{ "ignore", ignore_cmd, 0, "/ignore [[-all] nick|mask]", "hide what a nick or nick!user@host mask says (-all: joins and parts too), or list" },
	{ "info", c_info, CMD_CONNECTED, "/info", "show the server's information" },
	{ "invite", c_invite, CMD_ARGS | CMD_CONNECTED, "/invite nick [#channel]", "invite a user to a channel" },
	{ "join", c_join, CMD_ARGS | CMD_CONNECTED, "/join #channel[,#channel] [key]", "join channels" },
	{ "kick", c_kick, CMD_ARGS | CMD_CONNECTED, "/kick [#channel] nick [reason]", "remove a user from a channel" },
	{ "list", list_cmd, CMD_CONNECTED, "/list [-min users] [mask]", "list the server's channels in a buffer of their own (a number there joins)" },
	{ "me", c_me, CMD_ARGS | CMD_CONNECTED | CMD_TARGET, "/me action", "send an action" },
	{ "mode", c_mode, CMD_CONNECTED, "/mode [target] [+|-modes [args]]", "show or change channel or user modes" },
	{ "msg", c_msg, CMD_ARGS | CMD_CONNECTED, "/msg target text", "send a message to a nick or channel" },
	{ "names", c_names, CMD_CONNECTED, "/names [#channel]", "list who is in a channel" },
	{ "nick", c_nick, CMD_ARGS | CMD_CONNECTED, "/nick name", "change your nickname" },
	{ "notice", c_notice, CMD_ARGS | CMD_CONNECTED, "/notice target text", "send a notice" },
	{ "notify", c_notify, 0, "/notify [add|del|list] [nick...]", "be told when nicks come online and go (MONITOR)" },
	{ "op", c_op, CMD_ARGS | CMD_CONNECTED, "/op [#channel] nick...", "give channel operator status" },
	{ "part", c_part, CMD_CONNECTED, "/part [#channel] [reason]", "leave a channel" },
	{ "query", c_query, CMD_ARGS, "/query nick [text]", "open a private conversation" },
	{ "quit", c_quit, 0, "/quit [message]", "disconnect and exit" },
	{ "quote", c_quote, CMD_ARGS | CMD_CONNECTED, "/quote line", "send a raw IRC line" },
	{ "react", c_react, CMD_ARGS | CMD_CONNECTED | CMD_TARGET, "/react emoji", "react to the last message here, or the selected one (Shift-Up)" },
	{ "reconnect", c_reconnect, 0, "/reconnect", "connect again now" },
	{ "register", c_register, CMD_ARGS | CMD_CONNECTED, "/register password", "register your nick as an account with NickServ" },
	{ "search", c_search, 0, "/search [text]", "search the server's history (else this buffer, further back each time)" },
	{ "topic", c_topic, CMD_CONNECTED | CMD_TARGET, "/topic [text]", "show or set the channel topic" },
	{ "unban", c_unban, CMD_ARGS | CMD_CONNECTED, "/unban [#channel] nick|mask...", "lift bans" },
	{ "unignore", unignore_cmd, CMD_ARGS, "/unignore nick|mask|n", "stop ignoring (n as /ignore lists)" },
	{ "voice", c_voice, CMD_ARGS | CMD_CONNECTED, "/voice [#channel] nick...", "give voice" },
	{ "who", c_who, CMD_CONNECTED, "/who [#channel|mask]", "list users (the channel's by default)" },
	{ "whois", c_whois, CMD_ARGS | CMD_CONNECTED, "/whois nick", "ask about a user" },
	{ "whowas", c_whowas, CMD_ARGS | CMD_CONNECTED, "/whowas nick", "ask about a user who has left" },
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
	/* A command's own name, then an alias, then a unique prefix. */
	for (size_t i = 0; i < ncommands; i++)
		if (strcasecmp(commands[i].name, name) == 0)
			return &commands[i];
	for (size_t i = 0; i < nitems(aliases); i++)
		if (strcasecmp(aliases[i].alias, name) == 0)
			name = aliases[i].name, n = strlen(name);
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

/* An ambiguous prefix answered with what it could be: "/wh" is /who,
 * /whois or /whowas, so the user sees which to type. */
static void
ambiguous(struct buffer *b, const char *name)
{
	char text[LINE_TEXT_MAX];
	size_t n = strlen(name), k;
	int w;

	w = snprintf(text, sizeof(text), "Ambiguous command /%s:", name);
	k = w > 0 && (size_t)w < sizeof(text) ? (size_t)w : 0;
	for (size_t i = 0; i < ncommands && k + 1 < sizeof(text); i++) {
		if (strncasecmp(commands[i].name, name, n) != 0)
			continue;
		w = snprintf(text + k, sizeof(text) - k, " /%s",
		    commands[i].name);
		if (w < 0 || (size_t)w >= sizeof(text) - k)
			break;
		k += (size_t)w;
	}
	text[k] = '\0';
	buffer_addf(b, LINE_ERROR, "%s", text);
}

bool
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
		/* In *list*, an empty line is an empty filter: all again. */
		if (b->kind == BUFFER_LIST) {
			list_input(b, text);
			return true;
		}
		if (text[0] == '\0')
			return true;
		if (b->kind == BUFFER_SERVER) {
			buffer_addf(b, LINE_ERROR,
			    "This is the server buffer: use /join, /msg or /quote");
			return true;
		}
		/* As in *list*: a number typed there is that result. */
		if (b->kind == BUFFER_SEARCH) {
			char *end;
			unsigned long n = strtoul(text, &end, 10);
			if (*end == '\0' && text[0] >= '0' && text[0] <= '9')
				search_goto(n);
			else
				buffer_addf(b, LINE_ERROR, "These are search"
				    " results: a number (or /goto n) shows one");
			return true;
		}
		if (!self.registered) {
			buffer_addf(b, LINE_ERROR, "%s", NOT_CONNECTED);
			return false;
		}
		buffer_scroll_bottom(b);
		say(b, b->name, text, strlen(text), false);
		return true;
	}
	args = buf + 1;
	name = word(&args);
	/* Trailing spaces are not arguments. */
	for (size_t n = strlen(args); n > 0 && args[n - 1] == ' '; n--)
		args[n - 1] = '\0';
	if ((c = command_find(name, &amb)) == NULL) {
		if (amb)
			ambiguous(b, name);
		else
			buffer_addf(b, LINE_ERROR,
			    "Unknown command /%s (try /help)", name);
		return true;
	}
	if ((c->flags & CMD_ARGS) && args[0] == '\0')
		buffer_addf(b, LINE_ERROR, "Usage: %s", c->usage);
	else if ((c->flags & CMD_CONNECTED) && !self.registered) {
		buffer_addf(b, LINE_ERROR, "%s", NOT_CONNECTED);
		return false;
	} else if ((c->flags & CMD_TARGET) && (b->kind == BUFFER_SERVER ||
	    b->kind == BUFFER_LIST || b->kind == BUFFER_SEARCH))
		buffer_addf(b, LINE_ERROR, "/%s works in a channel or query buffer",
		    c->name);
	else
		c->fn(b, args);
	return true;
}
