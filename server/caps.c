/*
 * caps.c: the IRCv3 capabilities offered (CAP LS) and the ISUPPORT tokens
 * (005). Both are registries: other modules add theirs at start-up.
 */
#include <stdio.h>
#include <string.h>

#include "natterd.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define MODES_STR STR(MODE_PARAMS_MAX)

#define CAPS_MAX 32
#define ISUPPORT_MAX 48
#define ISUPPORT_PER_LINE 13	/* RFC 2812 leaves room for 13 after the nick */

struct cap {
	const char *name;
	const char *value;
	uint32_t bit;
};

static struct cap caps[CAPS_MAX] = {
	{ "away-notify", NULL, CAP_AWAY_NOTIFY },
	{ "batch", NULL, CAP_BATCH },
	{ "cap-notify", NULL, CAP_CAP_NOTIFY },
	{ "echo-message", NULL, CAP_ECHO_MESSAGE },
	{ "extended-join", NULL, CAP_EXTENDED_JOIN },
	{ "invite-notify", NULL, CAP_INVITE_NOTIFY },
	{ "labeled-response", NULL, CAP_LABELED_RESPONSE },
	{ "message-tags", NULL, CAP_MESSAGE_TAGS },
	{ "multi-prefix", NULL, CAP_MULTI_PREFIX },
	{ "server-time", NULL, CAP_SERVER_TIME },
	{ "setname", NULL, CAP_SETNAME },
	{ "userhost-in-names", NULL, CAP_USERHOST_IN_NAMES },
};
static size_t ncaps = 12;
static uint32_t next_bit = CAP_SETNAME << 1;

static const char *isupport[ISUPPORT_MAX];
static size_t nisupport;

uint32_t
cap_add(const char *name, const char *value)
{
	if (ncaps == CAPS_MAX || next_bit == 0)
		fatalx("too many capabilities (adding %s)", name);
	caps[ncaps].name = name;
	caps[ncaps].value = value;
	caps[ncaps].bit = next_bit;
	next_bit <<= 1;
	return caps[ncaps++].bit;
}

uint32_t
cap_bit(const char *name)
{
	for (size_t i = 0; i < ncaps; i++)
		if (strcmp(caps[i].name, name) == 0)
			return caps[i].bit;
	return 0;
}

void
cap_list(char *buf, size_t cap, bool values, uint32_t only)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ncaps; i++) {
		if (only != 0 && (only & caps[i].bit) == 0)
			continue;
		int w = snprintf(buf + n, cap - n, "%s%s%s%s", n ? " " : "",
		    caps[i].name, values && caps[i].value ? "=" : "",
		    values && caps[i].value ? caps[i].value : "");
		if (w < 0 || (size_t)w >= cap - n) {
			buf[n] = '\0';
			break;
		}
		n += w;
	}
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
	    maxlist[32], namelen[32], chanmodes[4 * CHAN_MODES_MAX + 16],
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
	snprintf(maxlist, sizeof(maxlist), "MAXLIST=b:%d", CHAN_BANS_MAX);
	snprintf(namelen, sizeof(namelen), "NAMELEN=%d", IRC_REALNAME_MAX);
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
		"AWAYLEN", "CASEMAPPING=rfc1459", "CHANLIMIT",
		"CHANMODES", "CHANNELLEN", "CHANTYPES=#&",
		"KEYLEN", "KICKLEN", "MAXLIST", ("MODES=" MODES_STR), "NAMELEN",
		"NETWORK", "NICKLEN",
		"PREFIX", "TARGMAX=PRIVMSG:4,NOTICE:4,TAGMSG:4,JOIN:,PART:,KICK:4,NAMES:1,WHOIS:1",
		"TOPICLEN", "USERLEN", "WHOX",
	};
	const char *sized[] = {
		awaylen, chanlimit, chanlen, chanmodes, keylen, kicklen, maxlist,
		namelen, network, nicklen, prefix, topiclen, userlen,
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
