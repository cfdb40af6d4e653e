/*
 * What the server says, dispatched by a table of commands and numerics.
 * Handlers only change the model (window.c) and answer the server; the
 * screen follows from the dirty bits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

/* One incoming message with its source split out and its time decided. */
struct in {
	struct irc_msg *m;
	char nick[IRC_NICK_MAX + 1];
	char uh[IRC_USER_MAX + IRC_HOST_MAX + 2];	/* user@host, or "" */
	int64_t time;	/* server-time tag, else arrival */
	bool me;	/* the source is us */
};

static struct irc_msg msg;	/* 64 tags make it big: not on the stack */

/* in's nick, user@host and me, from a nick!user@host source. */
static void
in_source(struct in *in, const char *source)
{
	char user[IRC_USER_MAX + 1], host[IRC_HOST_MAX + 1];

	irc_source_split(source, in->nick, sizeof(in->nick),
	    user, sizeof(user), host, sizeof(host));
	if (strchr(source, '!') != NULL)
		snprintf(in->uh, sizeof(in->uh), "%s@%s", user, host);
	in->me = irc_casecmp(in->nick, self.nick) == 0;
}

/* Capabilities natter asks for, and how it knows it got them. */
static const struct {
	const char *name;
	unsigned bit;
} cap_table[] = {
	{ "account-notify", CAP_ACCOUNT_NOTIFY },	/* our own logins */
	{ "away-notify", CAP_AWAY_NOTIFY },
	{ "batch", CAP_BATCH },
	{ "draft/chathistory", CAP_CHATHISTORY },
	{ "draft/message-redaction", CAP_REDACT },	/* /delete */
	{ "draft/multiline", CAP_MULTILINE },	/* multiline.c */
	{ "draft/read-marker", CAP_READ_MARKER },	/* readmark.c */
	{ "echo-message", CAP_ECHO },
	{ "message-tags", CAP_TAGS },
	{ "multi-prefix", CAP_MULTI_PREFIX },
	{ "sasl", CAP_SASL },		/* only with --sasl */
	{ "server-time", CAP_SERVER_TIME },
	{ "soju.im/search", CAP_SEARCH },
	{ "userhost-in-names", CAP_USERHOST_NAMES },
};

static unsigned cap_wanted;	/* offered by the server and wanted */
static bool cap_ended;		/* CAP END sent on this connection */
/* The welcome burst, up to the end of the MOTD: its ISUPPORT and LUSERS
 * lines are for natter, not the user. Later ones answer /quote and show. */
static bool in_burst;
/* A reconnect's burst: its welcome text and MOTD were read once already
 * and are not shown again. */
static bool burst_seen;
static bool hinted;		/* HINT_HELP shown in a channel */
static unsigned nick_tries;	/* nicks refused (432) while registering */
static char join_select[IRC_CHAN_MAX + 1];	/* show this channel when joined */

void
handle_join_select(const char *chan)
{
	str_copy(join_select, chan, sizeof(join_select));
}

static void
isupport_defaults(void)
{
	str_copy(self.prefix_modes, "ov", sizeof(self.prefix_modes));
	str_copy(self.prefix_chars, "@+", sizeof(self.prefix_chars));
	str_copy(self.chanmodes[0], "beI", sizeof(self.chanmodes[0]));
	str_copy(self.chanmodes[1], "k", sizeof(self.chanmodes[1]));
	str_copy(self.chanmodes[2], "l", sizeof(self.chanmodes[2]));
	str_copy(self.chanmodes[3], "imnpst", sizeof(self.chanmodes[3]));
	self.modes_max = 3;	/* RFC 1459 section 4.2.3's limit */
	self.elist[0] = '\0';
}

void
handle_connected(void)
{
	self.caps = 0;
	self.account[0] = '\0';
	self.away = false;
	self.monitor_max = 0;
	self.tagdeny_typing = false;
	cap_wanted = 0;
	cap_ended = false;
	in_burst = true;
	nick_tries = 0;
	isupport_defaults();
	if (self.nick[0] == '\0')
		str_copy(self.nick, opt.nick, sizeof(self.nick));
	if (self.network[0] == '\0')
		str_copy(self.network, opt.host, sizeof(self.network));
	/* In an outage, "Reconnected" says it once registered. */
	if (!session_outage())
		buffer_addf(window_server(), LINE_INFO, "Connected to %s:%s",
		    opt.host, opt.port);
	/* CAP LS before NICK/USER holds registration until CAP END
	 * (ircv3.net/specs/extensions/capability-negotiation). */
	net_sendf("CAP LS 302");
	if (opt.password != NULL)
		net_sendf("PASS :%s", opt.password);
	net_sendf("NICK %s", self.nick);
	net_sendf("USER %s 0 * :%s", opt.user, opt.real);
}

void
handle_disconnected(void)
{
	self.caps = 0;
	for (size_t i = 1; i < nwindows; i++) {
		windows[i]->joined = false;
		nick_clear(windows[i]);
	}
	session_lost();
}

/* params[from..] joined by spaces: how numerics are shown. */
static void
params_join(const struct irc_msg *m, size_t from, char *out, size_t cap)
{
	irc_join(out, cap, (const char *const *)m->params, from, m->nparams);
}

static const char *
param(const struct in *in, size_t i)
{
	return i < in->m->nparams ? in->m->params[i] : "";
}

static void
h_ping(struct in *in)
{
	net_sendf("PONG :%s", param(in, 0));
}

/* PONG server :token; --pipe's barrier. */
static void
h_pong(struct in *in)
{
	if (in->m->nparams > 0)
		pipe_pong(in->m->params[in->m->nparams - 1]);
}

static void
h_error(struct in *in)
{
	snprintf(net_error, sizeof(net_error), "%s:%s: %s", opt.host,
	    opt.port, param(in, 0));
	buffer_addf(window_server(), LINE_ERROR, "%s", param(in, 0));
}

/* Once per connection: a server may split its ACK over several lines. */
static void
cap_end(void)
{
	if (cap_ended || self.registered)
		return;
	cap_ended = true;
	net_sendf("CAP END");
}

static void
cap_request(void)
{
	char list[256];
	size_t k = 0;

	list[0] = '\0';
	for (size_t i = 0; i < nitems(cap_table); i++) {
		if (!(cap_wanted & cap_table[i].bit))
			continue;
		k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s",
		    k > 0 ? " " : "", cap_table[i].name);
	}
	if (k > 0)
		net_sendf("CAP REQ :%s", list);
	else
		cap_end();
}

/* Apply fn to each capability in a space-separated list. */
static unsigned
cap_bits(char *list, bool *off)
{
	unsigned bits = 0;

	for (char *tok = strtok(list, " "); tok != NULL; tok = strtok(NULL, " ")) {
		bool minus = tok[0] == '-';
		char *eq = strchr(tok, '=');
		if (minus)
			tok++;
		if (eq != NULL) {
			*eq = '\0';
			if (strcmp(tok, "draft/multiline") == 0)
				multiline_cap(eq + 1);
		}
		for (size_t i = 0; i < nitems(cap_table); i++)
			if (strcmp(tok, cap_table[i].name) == 0) {
				bits |= cap_table[i].bit;
				if (minus && off != NULL)
					*off = true;
			}
	}
	return bits;
}

static void
h_cap(struct in *in)
{
	const char *sub = param(in, 1);
	bool more = in->m->nparams > 3 && strcmp(in->m->params[2], "*") == 0;
	char *list;
	bool off = false;
	unsigned bits;

	if (in->m->nparams < 3)
		return;
	list = in->m->params[in->m->nparams - 1];
	if (strcmp(sub, "LS") == 0) {
		cap_wanted |= cap_bits(list, NULL);
		if (!opt.sasl)
			cap_wanted &= ~CAP_SASL;
		/* A script hears what is said from now on, not the past. */
		if (opt.pipe)
			cap_wanted &= ~CAP_CHATHISTORY;
		if (!more && !self.registered && opt.sasl &&
		    (cap_wanted & CAP_SASL) == 0)
			sasl_unavailable();
		if (!more && !self.registered)
			cap_request();
	} else if (strcmp(sub, "ACK") == 0) {
		bits = cap_bits(list, &off);
		if (off)
			self.caps &= ~bits;
		else
			self.caps |= bits;
		/* SASL comes before CAP END; its 903 or 904 ends it. */
		if (!off && (bits & CAP_SASL) != 0 && !self.registered)
			sasl_start();
		else
			cap_end();
	} else if (strcmp(sub, "NAK") == 0) {
		cap_end();
	}
}

/* account-notify: only our own account matters to natter. */
static void
h_account(struct in *in)
{
	if (in->me)
		sasl_logged_in(param(in, 0));
}

static void
h_authenticate(struct in *in)
{
	sasl_continue(param(in, 0));
}

/* 900-908: the last parameter is the text; 908's second the mechanisms. */
static void
h_sasl(struct in *in)
{
	int num = atoi(in->m->command);

	if (sasl_numeric(num, param(in, num == 908 ? 1 : 2),
	    in->m->params[in->m->nparams - 1]))
		cap_end();
}

static void
h_welcome(struct in *in)
{
	char chans[512];
	size_t k = 0;

	burst_seen = self.was_registered;
	self.registered = self.was_registered = true;
	session_registered();
	str_copy(self.nick, param(in, 0), sizeof(self.nick));
	dirty |= DIRTY_STATUS;
	if (!burst_seen)
		buffer_addf(window_server(), LINE_INFO, "%s", param(in, 1));
	/* Rejoin what we were in; the first time, what -j asked for
	 * ("lan" meaning #lan, as with /join). */
	chans[0] = '\0';
	for (size_t i = 1; i < nwindows; i++) {
		if (windows[i]->kind != BUFFER_CHANNEL || !windows[i]->rejoin)
			continue;
		if (k + strlen(windows[i]->name) + 2 >= sizeof(chans))
			break;
		k += (size_t)snprintf(chans + k, sizeof(chans) - k, "%s%s",
		    k > 0 ? "," : "", windows[i]->name);
	}
	if (k == 0 && !self.joined_once && opt.join != NULL)
		k = command_chans(chans, sizeof(chans), opt.join);
	self.joined_once = true;
	if (k > 0)
		net_sendf("JOIN %s", chans);
}

/* A line for machines (004, 005, LUSERS): shown only outside the burst,
 * as an answer to /quote. */
static void
h_burst_quiet(struct in *in)
{
	char text[512];

	if (in_burst)
		return;
	params_join(in->m, 1, text, sizeof(text));
	buffer_addf(window_server(), LINE_INFO, "%s", text);
}

static void
h_isupport(struct in *in)
{
	for (size_t i = 1; i + 1 < in->m->nparams; i++) {
		const char *t = in->m->params[i];
		if (strncmp(t, "NETWORK=", 8) == 0) {
			str_copy(self.network, t + 8, sizeof(self.network));
			dirty |= DIRTY_STATUS;
		} else if (strncmp(t, "PREFIX=(", 8) == 0) {
			const char *close = strchr(t, ')');
			size_t n = close != NULL ? (size_t)(close - t - 8) : 0;
			if (close == NULL || n >= sizeof(self.prefix_modes) ||
			    strlen(close + 1) != n)
				continue;
			memcpy(self.prefix_modes, t + 8, n);
			self.prefix_modes[n] = '\0';
			str_copy(self.prefix_chars, close + 1,
			    sizeof(self.prefix_chars));
		} else if (strncmp(t, "MODES", 5) == 0 &&
		    (t[5] == '=' || t[5] == '\0')) {
			char *end;
			unsigned long n = strtoul(t[5] == '=' ? t + 6 : t + 5,
			    &end, 10);
			/* "MODES" without a value means no limit. */
			self.modes_max = *end != '\0' || n == 0 ||
			    n > MODES_LINE_MAX ? MODES_LINE_MAX : (unsigned)n;
		} else if (strncmp(t, "ELIST=", 6) == 0) {
			str_copy(self.elist, t + 6, sizeof(self.elist));
		} else if (strncmp(t, "MONITOR", 7) == 0 &&
		    (t[7] == '=' || t[7] == '\0')) {
			/* No value: no limit. */
			long n = t[7] == '=' ? atol(t + 8) : 0;
			self.monitor_max = n > 0 && n < MONITOR_MAX ? (unsigned)n :
			    MONITOR_MAX;
		} else if (strncmp(t, "CLIENTTAGDENY=", 14) == 0) {
			self.tagdeny_typing = typing_denied(t + 14);
		} else if (strncmp(t, "CHANMODES=", 10) == 0) {
			const char *p = t + 10;
			for (int k = 0; k < 4; k++) {
				size_t n = strcspn(p, ",");
				if (n >= sizeof(self.chanmodes[k]))
					n = sizeof(self.chanmodes[k]) - 1;
				memcpy(self.chanmodes[k], p, n);
				self.chanmodes[k][n] = '\0';
				p += strcspn(p, ",");
				if (*p == ',')
					p++;
			}
		}
	}
	h_burst_quiet(in);
}

/* LUSERS (RFC 2812 5.1): in the burst, only the local user count,
 * 265 "me current max :text", said once in words. */
static void
h_lusers(struct in *in)
{
	if (!in_burst) {
		h_burst_quiet(in);
		return;
	}
	const char *now = param(in, 1);
	if (strcmp(in->m->command, "265") != 0 || in->m->nparams < 4 ||
	    now[0] == '\0' || now[strspn(now, "0123456789")] != '\0')
		return;
	buffer_addf(window_server(), LINE_INFO,
	    "%s user%s on this server now (%s at most)", now,
	    strcmp(now, "1") == 0 ? "" : "s", param(in, 2));
}

/* 002, 003 and the MOTD: in the server buffer, once; a reconnect's
 * copy is the same text again. /motd (outside a burst) shows it. */
static void
h_motd(struct in *in)
{
	char text[512];

	if (in_burst && burst_seen)
		return;
	params_join(in->m, 1, text, sizeof(text));
	buffer_addf(window_server(), LINE_INFO, "%s", text);
}

/* 376 or 422: the end of the MOTD, and of the welcome burst. */
static void
h_endofmotd(struct in *in)
{
	h_motd(in);
	/* ISUPPORT is known by now: watch the /notify list again. */
	if (in_burst)
		monitor_registered();
	in_burst = false;
}

static void
h_nick_in_use(struct in *in)
{
	char next[IRC_NICK_MAX + 1];
	size_t n;

	if (self.registered) {
		buffer_addf(window_current(), LINE_ERROR,
		    "Nickname %s is already in use; you are still %s",
		    param(in, 1), self.nick);
		return;
	}
	/* Still registering: try again with an underscore, and say so. */
	n = str_copy(next, self.nick, sizeof(next) - 1);
	if (n >= sizeof(next) - 1)
		n = sizeof(next) - 2;
	next[n] = '_';
	next[n + 1] = '\0';
	buffer_addf(window_server(), LINE_INFO,
	    "Nickname %s is in use; trying %s", self.nick, next);
	str_copy(self.nick, next, sizeof(self.nick));
	net_sendf("NICK %s", next);
}

/*
 * 432: the server's rules are its own (a shorter NICKLEN, no '|'). Once
 * registered, the user hears it and keeps the old nick; while
 * registering, natter needs some nick, so it tries another and says
 * which, as irssi does, rather than stalling or quietly becoming one.
 */
static void
h_erroneous_nick(struct in *in)
{
	char next[IRC_NICK_MAX + 1];
	const char *why = in->m->nparams > 2 ? in->m->params[in->m->nparams - 1] :
	    "erroneous nickname";

	if (self.registered) {
		buffer_addf(window_current(), LINE_ERROR,
		    "The server refuses the nickname %s (%s); you are still %s",
		    param(in, 1), why, self.nick);
		return;
	}
	if (nick_alternative(next, sizeof(next), self.nick, nick_tries++) == 0)
		return;
	buffer_addf(window_server(), LINE_ERROR,
	    "The server refuses the nickname %s (%s); trying %s instead, "
	    "/nick picks another once connected", self.nick, why, next);
	str_copy(self.nick, next, sizeof(self.nick));
	net_sendf("NICK %s", next);
}

static void
event(struct buffer *b, struct in *in, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
event(struct buffer *b, struct in *in, const char *fmt, ...)
{
	char text[LINE_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	buffer_add(b, in->time, LINE_EVENT, 0, "", text);
}

/* Which buffer a message to target from in->nick belongs in. */
static struct buffer *
msg_buffer(struct in *in, const char *target, bool notice)
{
	/* STATUSMSG targets ("@#chan") go to the channel. */
	while (target[0] != '\0' && strchr(self.prefix_chars, target[0]) &&
	    irc_is_channel(target + 1))
		target++;
	if (irc_is_channel(target))
		return window_open(target, BUFFER_CHANNEL);
	if (notice && (in->uh[0] == '\0' || !self.registered))
		return window_server();
	const char *peer = in->me ? target : in->nick;
	/* Our own notice (echo-message) stays where /notice was typed. */
	if (notice) {
		struct buffer *b = window_find(peer);
		return b != NULL ? b : in->me ? window_current() : window_server();
	}
	return window_open(peer, BUFFER_QUERY);
}

/* A token bucket for CTCP replies, kept as the time it is full again:
 * each reply pushes it one interval later, and replying is allowed while
 * that is at most burst - 1 intervals ahead (as pace_wait does). */
static int64_t ctcp_full_ms;

static bool
ctcp_may_reply(void)
{
	int64_t now = time_mono_ms();

	if (ctcp_full_ms < now)
		ctcp_full_ms = now;
	if (ctcp_full_ms - now >
	    (int64_t)(CTCP_REPLY_BURST - 1) * CTCP_REPLY_INTERVAL_MS)
		return false;
	ctcp_full_ms += CTCP_REPLY_INTERVAL_MS;
	return true;
}

/* A CTCP reply answers a /ctcp typed where the user still is, so it is
 * shown there; PING's, when it carries the milliseconds /ctcp sent,
 * as the round trip. */
static void
ctcp_reply(const char *nick, const char *what, const char *arg)
{
	struct buffer *b = window_current();
	char *end;
	long long sent;

	if (strcmp(what, "PING") == 0 && arg != NULL && arg[0] >= '0' &&
	    arg[0] <= '9' && (sent = strtoll(arg, &end, 10), *end == '\0') &&
	    sent <= time_now_ms()) {
		long long ms = time_now_ms() - sent;
		buffer_addf(b, LINE_INFO, "CTCP PING reply from %s: %lld.%03lld s",
		    nick, ms / 1000, ms % 1000);
		return;
	}
	buffer_addf(b, LINE_INFO, "CTCP %s reply from %s%s%s", what, nick,
	    arg != NULL ? ": " : "", arg != NULL ? arg : "");
}

/*
 * A message to target shown in its buffer: a PRIVMSG or NOTICE, or a
 * multiline batch put together (multiline.c). msgid and reply (the
 * +draft/reply tag) may be NULL; batch is the batch the message came
 * in (history), or NULL.
 */
static void
message(struct in *in, const char *target, char *text, bool notice,
    const char *msgid, const char *reply, const char *batch)
{
	enum line_kind kind = notice ? LINE_NOTICE : LINE_MSG;
	struct buffer *b;
	char shown[REACT_REF_MAX + LINE_TEXT_MAX + 2];

	/* Ignored: nothing shown, no query opened, no CTCP answered. */
	if (!in->me && ignore_hides(in->nick, in->uh, IGNORE_MSGS))
		return;
	/* CTCP (a \1-quoted first word): ACTION is /me; others are noted. */
	if (text[0] == '\1') {
		char *end = strchr(text + 1, '\1');
		if (end != NULL)
			*end = '\0';
		text++;
		if (strncmp(text, "ACTION", 6) == 0 &&
		    (text[6] == ' ' || text[6] == '\0')) {
			kind = LINE_ACTION;
			text += text[6] == ' ' ? 7 : 6;
		} else {
			char *arg = strchr(text, ' ');
			if (arg != NULL)
				*arg++ = '\0';
			/* A batch is history (or a replay): old requests
			 * are neither news nor to be answered. */
			if (in->me || batch != NULL)
				return;
			if (notice) {
				ctcp_reply(in->nick, text, arg);
				return;
			}
			buffer_addf(window_server(), LINE_INFO,
			    "CTCP %s request from %s%s%s", text, in->nick,
			    arg != NULL ? ": " : "", arg != NULL ? arg : "");
			if (!ctcp_may_reply())
				return;
			if (strcmp(text, "VERSION") == 0)
				net_sendf("NOTICE %s :\1VERSION natter %s\1",
				    in->nick, PACKAGE_VERSION);
			else if (strcmp(text, "PING") == 0 && arg != NULL)
				net_sendf("NOTICE %s :\1PING %s\1", in->nick, arg);
			return;
		}
	}
	/* Our /search's results go to the results buffer only. */
	if (search_result(irc_tag_get(in->m, "batch"), irc_tag_get(in->m,
	    "msgid"), in->time, kind, in->nick, param(in, 0), text))
		return;
	/* Only now: a CTCP request opens no query buffer. */
	b = msg_buffer(in, target, notice);
	/* History fetched after a (re)join overlaps what is shown. */
	if (chathist_duplicate(b, msgid, batch, in->time))
		return;
	unsigned flags = in->me ? LINE_SELF : 0;
	if (!in->me && in->uh[0] != '\0' &&
	    hl_match(text, self.nick, opt.highlight, opt.nhighlight))
		flags |= LINE_HIGHLIGHT;
	/* A reply names what it answers, as a dimmed reference first. */
	if (reply != NULL && reply[0] != '\0') {
		char ref[REACT_REF_MAX];
		react_reply_ref(b, reply, ref, sizeof(ref));
		snprintf(shown, sizeof(shown), "%s %s", ref, text);
		text = shown;
	}
	if (chathist_collect(b, batch, in->time, kind, flags, in->nick, text,
	    msgid))
		return;
	if (!(flags & LINE_SELF)) {
		bool history = irc_tag_get(in->m, "batch") != NULL;
		complete_spoke(b, in->nick);
		if (hl_heard(b, flags, history))
			notify_message(b, in->nick, text, time_mono_ms());
		if (!history)
			pipe_heard(b, in->time, kind, in->nick, text);
	}
	typing_heard(b, in->nick, NULL, time_mono_ms());
	buffer_add_msg(b, in->time, kind, flags, in->nick, text, msgid);
}

static void
h_privmsg(struct in *in)
{
	const struct irc_msg *m = in->m;
	const char *react = irc_tag_get(m, "+draft/react");
	const char *batch = irc_tag_get(m, "batch");

	if (batch != NULL && multiline_line(batch, m->params[1],
	    irc_tag_get(m, "draft/multiline-concat") != NULL,
	    irc_casecmp(m->command, "NOTICE") == 0))
		return;
	message(in, param(in, 0), m->params[1],
	    irc_casecmp(m->command, "NOTICE") == 0, irc_tag_get(m, "msgid"),
	    react == NULL ? irc_tag_get(m, "+draft/reply") : NULL,
	    irc_tag_get(m, "batch"));
	if (react != NULL)
		react_heard(msg_buffer(in, param(in, 0), false), in->nick,
		    irc_tag_get(m, "+draft/reply"), react, in->time);
}

/* TAGMSG: typing notifications and reactions (client tags). */
static void
h_tagmsg(struct in *in)
{
	const struct irc_msg *m = in->m;
	const char *typing = irc_tag_get(m, "+typing");
	const char *react = irc_tag_get(m, "+draft/react");
	struct buffer *b;

	if (in->uh[0] == '\0' || (typing == NULL && react == NULL))
		return;
	b = msg_buffer(in, param(in, 0), false);
	/* In our history batch, held until its lines are in. */
	if (react != NULL && !chathist_duplicate(b, irc_tag_get(m, "msgid"),
	    irc_tag_get(m, "batch"), in->time) &&
	    !chathist_collect_react(b, irc_tag_get(m, "batch"), in->nick,
	    irc_tag_get(m, "+draft/reply"), react))
		react_heard(b, in->nick, irc_tag_get(m, "+draft/reply"), react,
		    in->time);
	/* Our own (echo-message), or history, says nothing about now. */
	if (typing != NULL && !in->me && irc_tag_get(m, "batch") == NULL)
		typing_heard(b, in->nick, typing, time_mono_ms());
}

/* REDACT target msgid [reason]: a message was deleted. */
static void
h_redact(struct in *in)
{
	const char *target = param(in, 0);
	struct buffer *b = irc_is_channel(target) ? window_find(target) :
	    window_find(in->me ? target : in->nick);

	if (b != NULL)
		redact_heard(b, param(in, 1));
}

/* FAIL, WARN and NOTE (standard replies): the description, where the
 * user is looking. */
static void
h_standard_reply(struct in *in)
{
	bool fail = irc_casecmp(in->m->command, "FAIL") == 0;

	buffer_addf(self.registered ? window_current() : window_server(),
	    fail ? LINE_ERROR : LINE_INFO, "%s %s: %s", param(in, 0),
	    fail ? "failed" : "says", in->m->params[in->m->nparams - 1]);
}

static void
h_join(struct in *in)
{
	const char *chan = param(in, 0);
	struct buffer *b;

	if (in->me) {
		b = window_open(chan, BUFFER_CHANNEL);
		/* The server's spelling of the name wins. */
		buffer_rename(b, chan);
		b->joined = b->rejoin = true;
		nick_clear(b);
		b->names_pending = false;
		if (irc_casecmp(join_select, chan) == 0 ||
		    window_current() == window_server()) {
			window_select(window_index(b));
			join_select[0] = '\0';
		}
		/* The history is asked for first: the lines below wait for
		 * it in the log, so the log keeps the merged order. */
		chathist_joined(b, in->time);
		if (!hinted) {
			/* natter opens on this buffer (-j): say it here too. */
			buffer_addf(b, LINE_INFO, "%s", HINT_HELP);
			hinted = true;
		}
	} else {
		b = window_find(chan);
		if (b == NULL)
			return;
		nick_add(b, in->nick, "");
	}
	if (in->me || !ignore_hides(in->nick, in->uh, IGNORE_EVENTS))
		event(b, in, "%s (%s) joined %s", in->nick, in->uh, chan);
}


static void
h_part(struct in *in)
{
	const char *chan = param(in, 0), *reason = param(in, 1);
	struct buffer *b = window_find(chan);

	if (b == NULL)
		return;
	if (in->me) {
		b->joined = b->rejoin = false;
		nick_clear(b);
	} else
		nick_remove(b, in->nick);
	if (in->me || !ignore_hides(in->nick, in->uh, IGNORE_EVENTS))
		event(b, in, "%s left %s%s%s%s", in->nick, chan,
	    reason[0] != '\0' ? " (" : "", reason, reason[0] != '\0' ? ")" : "");
}

static void
h_kick(struct in *in)
{
	const char *chan = param(in, 0), *victim = param(in, 1);
	const char *reason = param(in, 2);
	struct buffer *b = window_find(chan);

	if (b == NULL)
		return;
	if (irc_casecmp(victim, self.nick) == 0) {
		b->joined = b->rejoin = false;
		nick_clear(b);
	} else
		nick_remove(b, victim);
	event(b, in, "%s was kicked from %s by %s (%s)", victim, chan,
	    in->nick, reason);
}

static void
h_quit(struct in *in)
{
	const char *reason = param(in, 0);
	bool quiet = ignore_hides(in->nick, in->uh, IGNORE_EVENTS);

	for (size_t i = 1; i < nwindows; i++) {
		struct buffer *b = windows[i];
		if ((nick_remove(b, in->nick) || (b->kind == BUFFER_QUERY &&
		    irc_casecmp(b->name, in->nick) == 0)) && !quiet)
			event(b, in, "%s quit (%s)", in->nick, reason);
	}
}

static void
h_nick(struct in *in)
{
	const char *name = param(in, 0);
	bool quiet = !in->me && ignore_hides(in->nick, in->uh, IGNORE_EVENTS);

	/* "NICK :" from a broken or hostile server would leave us nameless. */
	if (name[0] == '\0')
		return;
	if (in->me) {
		str_copy(self.nick, name, sizeof(self.nick));
		dirty |= DIRTY_STATUS;
		event(window_server(), in, "You are now known as %s", name);
	}
	for (size_t i = 1; i < nwindows; i++) {
		struct buffer *b = windows[i];
		bool query = b->kind == BUFFER_QUERY &&
		    irc_casecmp(b->name, in->nick) == 0;
		if (query && window_find(name) == NULL)
			buffer_rename(b, name);
		if ((nick_rename(b, in->nick, name) || query) && !quiet)
			event(b, in, "%s is now known as %s", in->nick, name);
	}
}

static void
h_topic(struct in *in)
{
	struct buffer *b = window_find(param(in, 0));

	if (b == NULL)
		return;
	buffer_set_topic(b, param(in, 1));
	event(b, in, "%s changed the topic to: %s", in->nick, param(in, 1));
}

static void
h_away(struct in *in)
{
	bool away = in->m->nparams > 0;

	for (size_t i = 1; i < nwindows; i++) {
		struct nick *n = nick_find(windows[i], in->nick);
		if (n != NULL) {
			n->away = away;
			if (windows[i] == window_current())
				dirty |= DIRTY_NICKS;
		}
	}
}

/* Channel MODE: show it, and follow status changes in the nick list. */
static void
h_mode(struct in *in)
{
	const char *target = param(in, 0);
	struct buffer *b = window_find(target);
	char text[512];
	size_t arg = 2;
	bool add = true;

	params_join(in->m, 1, text, sizeof(text));
	if (!irc_is_channel(target) || b == NULL) {
		buffer_addf(window_server(), LINE_INFO, "Mode %s %s", target, text);
		return;
	}
	for (const char *p = param(in, 1); *p != '\0'; p++) {
		const char *pm;
		if (*p == '+' || *p == '-') {
			add = *p == '+';
			continue;
		}
		if ((pm = strchr(self.prefix_modes, *p)) != NULL) {
			if (arg < in->m->nparams)
				nick_set_prefix(b, in->m->params[arg++],
				    self.prefix_chars[pm - self.prefix_modes], add);
		} else if (strchr(self.chanmodes[0], *p) ||
		    strchr(self.chanmodes[1], *p) ||
		    (add && strchr(self.chanmodes[2], *p)))
			arg++;	/* a mode with a parameter that is not a nick */
	}
	event(b, in, "%s sets mode %s", in->nick, text);
}

static void
h_invite(struct in *in)
{
	if (ignore_hides(in->nick, in->uh, IGNORE_MSGS))
		return;
	buffer_addf(window_current(), LINE_INFO, "%s invites you to %s",
	    in->nick, param(in, 1));
}

/* 332 RPL_TOPIC, 333 RPL_TOPICWHOTIME, 331 RPL_NOTOPIC: in the channel's
 * buffer, or where the user is looking for a channel we are not in. */
static void
h_rpl_topic(struct in *in)
{
	struct buffer *b = window_find(param(in, 1));
	int num = atoi(in->m->command);

	if (num == RPL_TOPIC && b != NULL)
		buffer_set_topic(b, param(in, 2));
	else if (num == RPL_NOTOPIC && b != NULL)
		buffer_set_topic(b, "");
	if (b == NULL)
		b = window_current();
	if (num == RPL_NOTOPIC)
		event(b, in, "No topic is set");
	else if (num == RPL_TOPICWHOTIME) {
		char nick[IRC_NICK_MAX + 1];
		irc_source_split(param(in, 2), nick, sizeof(nick), NULL, 0,
		    NULL, 0);
		event(b, in, "Topic set by %s", nick);
	} else
		event(b, in, "Topic: %s", param(in, 2));
}

static void
h_names(struct in *in)
{
	size_t np = in->m->nparams;
	struct buffer *b;
	char *list, *tok;

	if (np < 3)
		return;
	b = window_find(in->m->params[np - 2]);
	list = in->m->params[np - 1];
	if (b == NULL || b->kind != BUFFER_CHANNEL) {
		buffer_addf(window_current(), LINE_INFO, "Names %s: %s",
		    in->m->params[np - 2], list);
		return;
	}
	if (!b->names_pending) {
		nick_clear(b);
		b->names_pending = true;
	}
	for (tok = strtok(list, " "); tok != NULL; tok = strtok(NULL, " ")) {
		char prefix[8];
		size_t k = 0;
		while (*tok != '\0' && strchr(self.prefix_chars, *tok) != NULL) {
			if (k + 1 < sizeof(prefix))
				prefix[k++] = *tok;
			tok++;
		}
		prefix[k] = '\0';
		tok[strcspn(tok, "!")] = '\0';	/* userhost-in-names */
		if (*tok != '\0')
			nick_add(b, tok, prefix);
	}
}

static void
h_endofnames(struct in *in)
{
	struct buffer *b = window_find(param(in, 1));
	char text[LINE_TEXT_MAX];
	size_t k = 0;

	if (b == NULL)
		return;
	b->names_pending = false;
	if (!b->names_show)
		return;
	b->names_show = false;
	text[0] = '\0';
	for (size_t i = 0; i < b->nnicks && k + 1 < sizeof(text); i++)
		k += (size_t)snprintf(text + k, sizeof(text) - k, "%s%.1s%s",
		    i > 0 ? " " : "", b->nicks[i].prefix, b->nicks[i].name);
	if (k >= sizeof(text))
		text[utf8_truncate(text, sizeof(text) - 1, sizeof(text) - 1)] = '\0';
	buffer_addf(b, LINE_INFO, "Names (%zu): %s", b->nnicks, text);
}

/* WHOIS and WHOWAS replies: whois.c's block where the user is. */
static void
h_whois(struct in *in)
{
	whois_reply(atoi(in->m->command), (const char *const *)in->m->params,
	    in->m->nparams);
}

/* WHO, a channel's modes and mask lists, an invitation: reply.c's. */
static void
h_reply(struct in *in)
{
	reply_show(atoi(in->m->command), (const char *const *)in->m->params,
	    in->m->nparams);
}

static void
h_ignore(struct in *in)
{
}

/* LIST's answer: list.c's buffer. */
static void
h_list(struct in *in)
{
	switch (atoi(in->m->command)) {
	case RPL_LISTSTART:
		list_start();
		break;
	case RPL_LIST:
		list_add(param(in, 1), param(in, 2), param(in, 3));
		break;
	default:
		list_end();
		break;
	}
}

/* FAIL command code [context...] :description (IRCv3 standard replies):
 * a CHATHISTORY request that failed is over. */
static void
h_fail(struct in *in)
{
	if (irc_casecmp(param(in, 0), "CHATHISTORY") == 0)
		chathist_failed();
	buffer_addf(window_server(), LINE_ERROR, "%s failed: %s", param(in, 0),
	    in->m->params[in->m->nparams - 1]);
}

/* BATCH +ref type [params] or BATCH -ref: CHATHISTORY and SEARCH
 * answers come so. */
static void
h_batch(struct in *in)
{
	const char *ref = param(in, 0);
	struct multiline_msg mm;

	if (ref[0] == '+' && strcmp(param(in, 1), "draft/multiline") == 0 &&
	    in->m->nparams > 2)
		multiline_open(ref + 1, param(in, 2), in->m->source,
		    irc_tag_get(in->m, "msgid"), in->time,
		    irc_tag_get(in->m, "batch"),
		    irc_tag_get(in->m, "+draft/reply"));
	else if (ref[0] == '-' && multiline_close(ref + 1, &mm)) {
		/* The batch is one message from its BATCH line's source. */
		struct in one = { .m = in->m, .time = mm.time };
		in_source(&one, mm.source);
		message(&one, mm.target, mm.text, mm.notice, mm.msgid,
		    mm.reply, mm.outer);
		return;
	}
	chathist_batch(ref, in->m->nparams > 1 ? param(in, 1) : NULL,
	    in->m->nparams > 2 ? param(in, 2) : NULL);
	search_batch(param(in, 0), in->m->nparams > 1 ? param(in, 1) : NULL);
}

/* RPL_AWAY comes with every message to someone away: show it once, in
 * the conversation with them when there is one, else where the user is
 * (a /whois, a /msg), never in the server buffer out of sight. */
static void
h_away_reply(struct in *in)
{
	struct buffer *b = window_find(param(in, 1));

	if (whois_open(param(in, 1))) {
		h_whois(in);
		return;
	}
	if (away_note(param(in, 1), param(in, 2)))
		buffer_addf(b != NULL ? b : window_current(), LINE_INFO,
		    "%s is away: %s", param(in, 1), param(in, 2));
}

/* RPL_UNAWAY, RPL_NOWAWAY: the status line says "(away)" meanwhile. */
static void
h_self_away(struct in *in)
{
	self.away = strcmp(in->m->command, "306") == 0;
	dirty |= DIRTY_STATUS;
	buffer_addf(window_current(), LINE_INFO, "%s", self.away ?
	    "You are marked away" : "You are no longer marked away");
}

/* INFO and HELP answers (371, 704, 705): their text as a block where
 * the user asked, without the nick and topic in front. */
static void
h_text_block(struct in *in)
{
	buffer_addf(window_current(), LINE_INFO, "%s",
	    in->m->params[in->m->nparams - 1]);
}

/* MONITOR: 730 and 731 list who came and went, 734 is a full list. */
static void
h_monitor(struct in *in)
{
	int num = atoi(in->m->command);

	if (num == RPL_MONONLINE || num == RPL_MONOFFLINE)
		monitor_heard(in->m->params[in->m->nparams - 1],
		    num == RPL_MONONLINE);
	else if (num == ERR_MONLISTFULL)
		monitor_full(param(in, 2));
}

/* MARKREAD target timestamp=...|*: where we (any of our devices) read. */
static void
h_markread(struct in *in)
{
	struct buffer *b = window_find(param(in, 0));

	if (b != NULL)
		readmark_heard(b, param(in, 1));
}

static const struct handler {
	const char *cmd;
	void (*fn)(struct in *in);
	size_t min;	/* parameters needed */
} handlers[] = {
	{ "001", h_welcome, 1 },
	{ "002", h_motd, 1 },
	{ "003", h_motd, 1 },
	{ "004", h_burst_quiet, 1 },
	{ "005", h_isupport, 1 },
	{ "251", h_lusers, 1 },
	{ "252", h_lusers, 1 },
	{ "253", h_lusers, 1 },
	{ "254", h_lusers, 1 },
	{ "255", h_lusers, 1 },
	{ "265", h_lusers, 1 },
	{ "266", h_lusers, 1 },
	{ "276", h_whois, 2 },
	{ "301", h_away_reply, 3 },
	{ "305", h_self_away, 0 },
	{ "306", h_self_away, 0 },
	{ "307", h_whois, 2 },
	{ "311", h_whois, 2 },
	{ "312", h_whois, 2 },
	{ "313", h_whois, 2 },
	{ "314", h_whois, 2 },
	{ "315", h_reply, 2 },
	{ "317", h_whois, 2 },
	{ "318", h_whois, 2 },
	{ "319", h_whois, 2 },
	{ "320", h_whois, 2 },
	{ "321", h_list, 0 },
	{ "322", h_list, 3 },
	{ "323", h_list, 0 },
	{ "324", h_reply, 2 },
	{ "329", h_ignore, 0 },
	{ "330", h_whois, 2 },
	{ "335", h_whois, 2 },
	{ "338", h_whois, 2 },
	{ "331", h_rpl_topic, 2 },
	{ "332", h_rpl_topic, 3 },
	{ "333", h_rpl_topic, 3 },
	{ "341", h_reply, 3 },
	{ "346", h_reply, 3 },
	{ "347", h_reply, 2 },
	{ "348", h_reply, 3 },
	{ "349", h_reply, 2 },
	{ "352", h_reply, 7 },
	{ "353", h_names, 3 },
	{ "366", h_endofnames, 2 },
	{ "367", h_reply, 3 },
	{ "368", h_reply, 2 },
	{ "371", h_text_block, 2 },
	{ "372", h_motd, 1 },
	{ "373", h_text_block, 2 },
	{ "374", h_ignore, 0 },
	{ "375", h_motd, 1 },
	{ "376", h_endofmotd, 1 },
	{ "369", h_whois, 2 },
	{ "378", h_whois, 2 },
	{ "422", h_endofmotd, 1 },
	{ "432", h_erroneous_nick, 2 },
	{ "433", h_nick_in_use, 2 },
	{ "671", h_whois, 2 },
	{ "704", h_text_block, 3 },
	{ "705", h_text_block, 3 },
	{ "706", h_ignore, 0 },
	{ "730", h_monitor, 2 },
	{ "731", h_monitor, 2 },
	{ "732", h_text_block, 2 },
	{ "733", h_ignore, 0 },
	{ "734", h_monitor, 3 },
	{ "900", h_sasl, 2 },
	{ "901", h_sasl, 2 },
	{ "902", h_sasl, 2 },
	{ "903", h_sasl, 2 },
	{ "904", h_sasl, 2 },
	{ "905", h_sasl, 2 },
	{ "906", h_sasl, 2 },
	{ "907", h_sasl, 2 },
	{ "908", h_sasl, 2 },
	{ "ACCOUNT", h_account, 1 },
	{ "AUTHENTICATE", h_authenticate, 1 },
	{ "AWAY", h_away, 0 },
	{ "BATCH", h_batch, 1 },
	{ "CAP", h_cap, 2 },
	{ "ERROR", h_error, 0 },
	{ "FAIL", h_fail, 2 },
	{ "INVITE", h_invite, 2 },
	{ "JOIN", h_join, 1 },
	{ "KICK", h_kick, 2 },
	{ "MARKREAD", h_markread, 2 },
	{ "MODE", h_mode, 2 },
	{ "NICK", h_nick, 1 },
	{ "NOTE", h_standard_reply, 3 },
	{ "NOTICE", h_privmsg, 2 },
	{ "PART", h_part, 1 },
	{ "PING", h_ping, 0 },
	{ "PONG", h_pong, 0 },
	{ "PRIVMSG", h_privmsg, 2 },
	{ "QUIT", h_quit, 0 },
	{ "REDACT", h_redact, 2 },
	{ "TAGMSG", h_tagmsg, 1 },
	{ "TOPIC", h_topic, 2 },
	{ "WARN", h_standard_reply, 3 },
};

/* Any other numeric: errors where the user is looking (reply.c words
 * them), the rest in the server buffer. */
static void
h_numeric(struct in *in)
{
	int num = atoi(in->m->command);
	char text[512];

	if (num >= 400 && num < 600) {
		reply_show(num, (const char *const *)in->m->params,
		    in->m->nparams);
		return;
	}
	params_join(in->m, 1, text, sizeof(text));
	buffer_addf(window_server(), LINE_INFO, "%s", text);
}

void
handle_line(char *line, size_t len)
{
	struct in in = { .m = &msg };
	const char *t;
	int err;

	/* Any body the frame let through (IRC_LINE_MAX): a server with a
	 * longer line limit than RFC 1459's 512 sends longer messages. */
	if ((err = irc_parse_max(&msg, line, len, IRC_LINE_MAX)) != IRC_OK) {
		log_warn("unparsable line from server: %s", irc_strerror(err));
		return;
	}
	in.time = 0;
	if ((t = irc_tag_get(&msg, "time")) == NULL || !time_parse(t, &in.time))
		in.time = time_now_ms();
	if (msg.source != NULL)
		in_source(&in, msg.source);
	for (size_t i = 0; i < nitems(handlers); i++) {
		if (irc_casecmp(msg.command, handlers[i].cmd) != 0)
			continue;
		if (msg.nparams >= handlers[i].min)
			handlers[i].fn(&in);
		return;
	}
	if (msg.command[0] >= '0' && msg.command[0] <= '9')
		h_numeric(&in);
}
