/*
 * caps.c: the IRCv3 capabilities offered (CAP LS), one fixed table, and
 * the ISUPPORT tokens (005), a registry other modules add to at start-up.
 */
#include <stdio.h>
#include <string.h>

#include "natterd.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define MODES_STR STR(MODE_PARAMS_MAX)

#define ISUPPORT_MAX 48
#define ISUPPORT_PER_LINE 13	/* RFC 2812 leaves room for 13 after the nick */

/*
 * In CAP LS order: alphabetical, then the two names of chathistory, then
 * the other drafts. A value is sent with CAP LS 302 ("name=value").
 * draft/account-registration is offered only while --registration is
 * open (its spec: a server that does not take registrations does not
 * advertise it).
 */
static const struct {
	const char *name;
	uint32_t bit;
	const char *value;	/* NULL: none */
} caps[] = {
	{ "account-notify", CAP_ACCOUNT_NOTIFY, NULL },
	{ "account-tag", CAP_ACCOUNT_TAG, NULL },
	{ "away-notify", CAP_AWAY_NOTIFY, NULL },
	{ "batch", CAP_BATCH, NULL },
	{ "cap-notify", CAP_CAP_NOTIFY, NULL },
	{ "echo-message", CAP_ECHO_MESSAGE, NULL },
	{ "extended-join", CAP_EXTENDED_JOIN, NULL },
	{ "extended-monitor", CAP_EXTENDED_MONITOR, NULL },
	{ "invite-notify", CAP_INVITE_NOTIFY, NULL },
	{ "labeled-response", CAP_LABELED_RESPONSE, NULL },
	{ "message-tags", CAP_MESSAGE_TAGS, NULL },
	{ "multi-prefix", CAP_MULTI_PREFIX, NULL },
	{ "sasl", CAP_SASL, NULL },	/* sasl_mechs: c's own */
	{ "server-time", CAP_SERVER_TIME, NULL },
	{ "setname", CAP_SETNAME, NULL },
	{ "standard-replies", CAP_STANDARD_REPLIES, NULL },
	{ "userhost-in-names", CAP_USERHOST_IN_NAMES, NULL },
	/* The draft name, and the final one for clients that already ask
	 * for it. */
	{ "draft/chathistory", CAP_DRAFT_CHATHISTORY, NULL },
	{ "chathistory", CAP_CHATHISTORY, NULL },
	/* REGISTER works before CAP END; the account is the nick. */
	{ "draft/account-registration", CAP_ACCOUNT_REGISTRATION,
	    "before-connect" },
	{ "draft/no-implicit-names", CAP_NO_IMPLICIT_NAMES, NULL },
	{ "draft/message-redaction", CAP_MESSAGE_REDACTION, NULL },
	/* Its limits, which clients must know before they send. */
	{ "draft/multiline", CAP_MULTILINE, MULTILINE_CAP_VALUE },
	{ "draft/read-marker", CAP_READ_MARKER, NULL },
	{ "soju.im/search", CAP_SEARCH, NULL },
};

static const char *isupport[ISUPPORT_MAX];
static size_t nisupport;

static bool
cap_offered(uint32_t bit)
{
	return bit != CAP_ACCOUNT_REGISTRATION || !cfg.registration_closed;
}

uint32_t
cap_bit(const char *name)
{
	for (size_t i = 0; i < nitems(caps); i++)
		if (strcmp(caps[i].name, name) == 0 &&
		    cap_offered(caps[i].bit))
			return caps[i].bit;
	return 0;
}

void
cap_list(char *buf, size_t cap, const struct client *c, bool values,
    uint32_t only)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nitems(caps); i++) {
		if ((only != 0 && (only & caps[i].bit) == 0) ||
		    !cap_offered(caps[i].bit))
			continue;
		const char *v = caps[i].bit == CAP_SASL ? sasl_mechs(c) :
		    caps[i].value;
		int w = snprintf(buf + n, cap - n, "%s%s%s%s", n ? " " : "",
		    caps[i].name, values && v ? "=" : "", values && v ? v : "");
		if (w < 0 || (size_t)w >= cap - n) {
			buf[n] = '\0';
			break;
		}
		n += w;
	}
}

/*
 * IRCv3 sts: never requested (CAP REQ sts is NAKed, it is not in the
 * table), only advertised, and only with a certificate clients verify
 * without asking, since an upgrade policy for a self-signed one would
 * lock clients out the day it changes. The duration is a month, as Ergo
 * sets it.
 */
#define STS_DURATION (30 * 24 * 3600)

void
cap_sts(char *buf, size_t cap, const struct client *c)
{
	size_t n = strlen(buf);
	int port = listen_tls_port();
	int w;

	if (!tls_sts_ok() || port == 0)
		return;
	if (c->tls != NULL)
		w = snprintf(buf + n, cap - n, "%ssts=duration=%d",
		    n ? " " : "", STS_DURATION);
	else
		w = snprintf(buf + n, cap - n, "%ssts=port=%d", n ? " " : "",
		    port);
	if (w < 0 || (size_t)w >= cap - n)
		buf[n] = '\0';
}

void
isupport_add(const char *token)
{
	if (nisupport == ISUPPORT_MAX)
		fatalx("too many ISUPPORT tokens (adding %s)", token);
	isupport[nisupport++] = token;
}

/* The tokens this server always has; honest about what it implements. */
static void
isupport_init(void)
{
	static char network[80], nicklen[32], chanlen[32], topiclen[32],
	    awaylen[32], kicklen[32], keylen[32], userlen[32], chanlimit[32],
	    maxlist[32], namelen[32], monitor[32], chanmodes[4 * CHAN_MODES_MAX + 16],
	    prefix[2 * CHAN_MODES_MAX + 16];
	char a[CHAN_MODES_MAX + 1], b[CHAN_MODES_MAX + 1],
	    c[CHAN_MODES_MAX + 1], d[CHAN_MODES_MAX + 1],
	    ov[CHAN_MODES_MAX + 1], at[CHAN_MODES_MAX + 1];

	snprintf(network, sizeof(network), "NETWORK=%s", cfg.name);
	snprintf(nicklen, sizeof(nicklen), "NICKLEN=%d", IRC_NICK_MAX);
	snprintf(chanlen, sizeof(chanlen), "CHANNELLEN=%d", IRC_CHAN_MAX);
	snprintf(topiclen, sizeof(topiclen), "TOPICLEN=%d", IRC_TOPIC_MAX);
	snprintf(awaylen, sizeof(awaylen), "AWAYLEN=%d", IRC_AWAY_MAX);
	snprintf(kicklen, sizeof(kicklen), "KICKLEN=%d", IRC_KICK_MAX);
	snprintf(keylen, sizeof(keylen), "KEYLEN=%d", IRC_KEY_MAX);
	snprintf(userlen, sizeof(userlen), "USERLEN=%d", IRC_USER_MAX);
	snprintf(chanlimit, sizeof(chanlimit), "CHANLIMIT=#&:%d",
	    CHAN_PER_CLIENT);
	snprintf(maxlist, sizeof(maxlist), "MAXLIST=b:%d,I:%d", CHAN_BANS_MAX,
	    CHAN_BANS_MAX);
	snprintf(namelen, sizeof(namelen), "NAMELEN=%d", IRC_REALNAME_MAX);
	snprintf(monitor, sizeof(monitor), "MONITOR=%d", MONITOR_MAX);
	/* The four CHANMODES classes, and PREFIX=(letters)prefixes. */
	chan_mode_letters(a, sizeof(a), CMK_LIST);
	chan_mode_letters(b, sizeof(b), CMK_PARAM);
	chan_mode_letters(c, sizeof(c), CMK_SETPARAM);
	chan_mode_letters(d, sizeof(d), CMK_FLAG);
	snprintf(chanmodes, sizeof(chanmodes), "CHANMODES=%s,%s,%s,%s", a, b,
	    c, d);
	chan_mode_letters(ov, sizeof(ov), CMK_PREFIX);
	chan_mode_prefixes(at, sizeof(at));
	snprintf(prefix, sizeof(prefix), "PREFIX=(%s)%s", ov, at);
	static const char *fixed[] = {
		"AWAYLEN", "BOT=B", "CASEMAPPING=rfc1459", "CHANLIMIT",
		"CHANMODES", "CHANNELLEN", "CHANTYPES=#&", "ELIST=CMNTU",
		"INVEX", "KEYLEN", "KICKLEN", "MAXLIST", ("MODES=" MODES_STR), "MONITOR", "NAMELEN",
		"NETWORK", "NICKLEN",
		"PREFIX", "STATUSMSG=@+", "TARGMAX=PRIVMSG:4,NOTICE:4,TAGMSG:4,JOIN:,PART:,KICK:4,NAMES:1,WHOIS:1",
		"TOPICLEN", "USERLEN", "UTF8ONLY", "WHOX",
	};
	const char *sized[] = {
		awaylen, chanlimit, chanlen, chanmodes, keylen, kicklen, maxlist,
		monitor, namelen, network, nicklen, prefix, topiclen, userlen,
	};
	/* Keep the registry's start in the fixed order above. */
	const char *all[ISUPPORT_MAX];
	size_t n = 0;
	for (size_t i = 0; i < nitems(fixed); i++) {
		const char *t = fixed[i];
		for (size_t j = 0; j < nitems(sized); j++) {
			size_t l = strlen(fixed[i]);
			if (strncmp(sized[j], fixed[i], l) == 0 &&
			    sized[j][l] == '=')
				t = sized[j];
		}
		all[n++] = t;
	}
	for (size_t i = 0; i < nisupport && n < ISUPPORT_MAX; i++)
		all[n++] = isupport[i];
	memcpy(isupport, all, n * sizeof(*all));
	nisupport = n;
}

void
isupport_send(struct client *c)
{
	/* The tokens are fixed once start-up is over: their lines are joined
	 * once, not for every registration. */
	static char lines[ISUPPORT_MAX / ISUPPORT_PER_LINE + 1][IRC_BODY_MAX];
	static size_t nlines;
	static bool ready;

	if (!ready) {
		isupport_init();
		for (size_t i = 0; i < nisupport && nlines < nitems(lines);) {
			char *line = lines[nlines++];
			size_t n = 0;
			line[0] = '\0';
			for (size_t k = 0; k < ISUPPORT_PER_LINE &&
			    i < nisupport; k++, i++) {
				int w = snprintf(line + n, IRC_BODY_MAX - n,
				    "%s%s", n ? " " : "", isupport[i]);
				if (w < 0 || (size_t)w >= IRC_BODY_MAX - n) {
					line[n] = '\0';
					break;
				}
				n += w;
			}
		}
		ready = true;
	}
	for (size_t i = 0; i < nlines; i++)
		conn_reply(c, RPL_ISUPPORT, "%s :are supported by this server",
		    lines[i]);
}
