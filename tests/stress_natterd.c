/*
 * stress_natterd: hostile protocol traffic against the real natterd.
 *
 *	stress_natterd [-v] [-c clients] [-o trace] [-s seed] [-t seconds]
 *	    [-w wait-seconds] [-x natterd-flags]
 *
 * Starts natterd three times (memory history, the smallest sendq, a
 * per-address limit; then SQLite history, a small sendq, flood control, a
 * short ping timeout, a client limit; then the defaults, stopped by
 * SIGTERM under load; a SIGHUP now and then), connects up to -c clients
 * that register (some with CAP LS 302 and every capability, some never
 * finishing) and then send random lines from a grammar of every command
 * natterd knows, often aimed at themselves, mixed with garbage: overlong
 * lines, NULs, invalid UTF-8, too many parameters, bare tags, CR/LF mixes,
 * byte-by-byte writes, half lines and abrupt closes. Some clients stop
 * reading for a while (a small receive buffer: sendq).
 *
 * After every round a clean observer connection must get its PONG within
 * -w seconds, natterd must still run and its stderr must hold no
 * sanitizer report. It also checks that:
 *   - every line natterd sends is CRLF-terminated, parses, is valid UTF-8
 *     and fits 512 bytes after its tags;
 *   - every labeled command (labeled-response and batch on) is answered
 *     before the PONG of a PING sent after it, and only once;
 *   - tags and batches come only to clients that enabled them, batches
 *     are balanced, and a connection natterd ends cleanly ends with an
 *     ERROR line;
 *   - the LUSERS counters stay consistent, and when everyone has gone
 *     they are back to the observer alone, no channel left, no operator,
 *     every nick free again and no descriptor kept open;
 *   - natterd exits 0 on SIGTERM (LeakSanitizer runs then).
 *
 * The seed fixes the traffic, not the timing. With no flags (make check)
 * the seed is 1 and the run lasts about 16 seconds. On a failure the last
 * lines sent are printed; -o writes every line sent to a file; -x adds
 * flags to natterd's; -v prints what each phase did. NATTERD may name a
 * wrapper that runs natterd under valgrind: its reports fail the run too.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "irc.h"

#define CLIENTS_MAX 200
#define LABELS_MAX 256
#define INBUF_MAX (IRC_LINE_MAX + 2)
#define OUTBUF_MAX (64 * 1024)	/* unsent bytes before a client pauses */
#define TRAIL_MAX 48		/* sent lines kept for failure messages */
#define DRAIN_MS 15		/* reading time per round before the sync */

static unsigned long opt_seed = 1;
static double opt_seconds = 16;
static int opt_clients = 30;
static int opt_wait = 15;
static int opt_verbose;
static const char *opt_trace;
static const char *opt_extra;	/* -x "flags": more for natterd */

/* --- random numbers: xorshift64*, seeded from -s */

static uint64_t rng;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static unsigned
rn(unsigned n)
{
	return n > 0 ? (unsigned)(rnd() % n) : 0;
}

static bool
chance(unsigned percent)
{
	return rn(100) < percent;
}

#define PICK(a) ((a)[rn(sizeof(a) / sizeof(*(a)))])

/* --- the grammar's vocabulary */

/* Nicks, with pairs equal under RFC 1459 casemapping. */
static const char *const nicks[] = {
	"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9",
	"N1", "N2", "Ab", "aB", "[x]", "{x}", "x|", "x\\", "z^", "z~",
	"opa", "OPA", "dup", "Dup",
};
static const char *const bad_nicks[] = {
	"1abc", "-x", "a!b", "a@b", "#chan", "\xc3\xbc", "a,b", "*",
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", "a\x01", "0",
};
static const char *const chans[] = {
	"#a", "#A", "#b", "#chan", "#Chan", "&loc", "#{x}", "#[x]",
	"#\xc3\xbc\xc3\xb1", "#x|", "#x\\",
	"#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};
static const char *const bad_chans[] = {
	"#", "&", "a", "#bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	"#\x07", "#\xff\xfe", "#a:b", "0", "*", "##", "#\xe2\x82",
};
static const char *const keys[] = {
	"k", "key", "x", "KEY", "0", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
	"\xc3\xa9t\xc3\xa9", "a:b",
};
static const char *const numbers[] = {
	"0", "1", "2", "10", "-1", "-2147483648", "2147483647",
	"2147483648", "4294967295", "4294967296", "99999999999999999999",
	"100000", "100001", "1e3", "0x10", " 5", "5 ", "abc", "", "+5",
};
static const char *const caps[] = {
	"message-tags", "server-time", "echo-message", "batch",
	"multi-prefix", "away-notify", "userhost-in-names", "invite-notify",
	"cap-notify", "labeled-response", "draft/chathistory", "chathistory",
	"extended-monitor", "draft/no-implicit-names",
	"sasl", "account-tag", "account-notify", "extended-join",
};
#define ALL_CAPS "message-tags server-time echo-message batch " \
	"multi-prefix away-notify userhost-in-names invite-notify " \
	"cap-notify labeled-response draft/chathistory sasl account-tag " \
	"account-notify extended-join"

/* The nick of the client whose line is being made ("" if none yet). */
static char self_nick[IRC_NICK_MAX + 1];

/* A nick; now and then the sender's own (KICK, MODE, INVITE, PRIVMSG,
 * KILL of oneself). */
static const char *
pick_nick(void)
{
	if (self_nick[0] != '\0' && chance(8))
		return self_nick;
	return chance(92) ? PICK(nicks) : PICK(bad_nicks);
}

static void
add_chan(struct sb *b)
{
	if (chance(8))
		sb_printf(b, "#c%u", rn(400));	/* many channels */
	else if (chance(92))
		sb_str(b, PICK(chans));
	else
		sb_str(b, PICK(bad_chans));
}

static void
add_target(struct sb *b)
{
	if (chance(50))
		add_chan(b);
	else
		sb_str(b, pick_nick());
}

/* A comma list of 1..max items, with duplicates and empty items. */
static void
add_list(struct sb *b, void (*item)(struct sb *), unsigned max)
{
	unsigned n = 1 + rn(max);

	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			sb_str(b, ",");
		if (chance(5))
			continue;	/* an empty item */
		item(b);
	}
}

static void
add_nick(struct sb *b)
{
	sb_str(b, pick_nick());
}

static void
add_key(struct sb *b)
{
	sb_str(b, PICK(keys));
}

/* Text for a trailing parameter: no CR, LF or NUL. */
static void
add_text(struct sb *b)
{
	static const char *const words[] = {
		"hello", "h\xc3\xa9llo w\xc3\xb6rld", "\xe2\x9c\x93",
		"\xe6\x97\xa5\xe6\x9c\xac", ":colon", "a b  c", "\x02" "bold",
		"\x03" "4,5col", "\x01" "ACTION waves\x01", "\x01VERSION\x01",
		"\x01PING 1\x01", "\\backslash", ";semi", "@at", "!bang",
		"\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xc3", "\xff\xfe",
		"\xe2\x82\xac", "\xc0\xaf",
	};
	unsigned n = rn(4);

	if (chance(6)) {
		/* Long: near or over what fits in 512 bytes. */
		size_t len = 300 + rn(260);
		for (size_t i = 0; i < len; i++)
			sb_str(b, chance(10) ? "\xc3\xa9" : "w");
		return;
	}
	if (chance(4)) {
		/* Raw high bytes. */
		for (unsigned i = 0, m = 1 + rn(40); i < m; i++) {
			char ch = (char)(0x80 + rn(128));
			sb_add(b, &ch, 1);
		}
		return;
	}
	sb_str(b, PICK(words));
	for (unsigned i = 0; i < n; i++) {
		sb_str(b, " ");
		sb_str(b, PICK(words));
	}
}

/* A tag value, escaped on the wire (and sometimes badly). */
static void
add_tag_value(struct sb *b)
{
	static const char *const values[] = {
		"v", "a\\sb", "x\\:y", "\\\\", "\\", "trail\\", "\\n\\r",
		"\\q", "\xc3\xa9", "\xff", "=", "a=b", "",
	};

	sb_str(b, PICK(values));
}

/* Tags before a command; *labeled set when a tracked label went in. */
static void
add_tags(struct sb *b, const char *label)
{
	static const char *const tkeys[] = {
		"+draft/react", "+typing", "+x", "+example.com/foo",
		"+draft/reply", "time", "msgid", "batch", "+a-b", "+",
		"+/x", "a_b", "+\xc3\xa9", "", "+x/", "account",
	};
	unsigned n = rn(4);
	bool first = true;

	if (label == NULL && n == 0 && !chance(10))
		return;
	sb_str(b, "@");
	if (label != NULL) {
		sb_printf(b, "label=%s", label);
		first = false;
	}
	if (chance(3))
		n = 70;	/* more than IRC_TAG_COUNT_MAX */
	for (unsigned i = 0; i < n; i++) {
		if (!first)
			sb_str(b, ";");
		first = false;
		sb_str(b, n > 8 ? "+k" : PICK(tkeys));
		if (n > 8)
			sb_printf(b, "%u", i);
		if (chance(70)) {
			sb_str(b, "=");
			add_tag_value(b);
		}
	}
	if (chance(2)) {
		/* A tag section near and past the limits. */
		sb_str(b, first ? "+big=" : ";+big=");
		sb_fill(b, 'v', 3000 + rn(6000));
	}
	sb_str(b, " ");
}

/* --- one command line per generator (no tags, no line ending) */

static void
g_join(struct sb *b)
{
	if (chance(4)) {
		sb_str(b, "JOIN 0");
		return;
	}
	sb_str(b, "JOIN ");
	if (chance(5)) {
		/* More channels than CHANLIMIT in one line. */
		for (unsigned i = 0; i < 60; i++)
			sb_printf(b, "%s#j%u", i ? "," : "", rn(100));
	} else {
		add_list(b, add_chan, 5);
	}
	if (chance(30)) {
		sb_str(b, " ");
		add_list(b, add_key, 5);
	}
}

static void
g_part(struct sb *b)
{
	sb_str(b, "PART ");
	add_list(b, add_chan, 4);
	if (chance(40)) {
		sb_str(b, " :");
		add_text(b);
	}
}

static void
g_message(struct sb *b)
{
	static const char *const cmds[] = { "PRIVMSG", "NOTICE", "privmsg" };

	sb_str(b, PICK(cmds));
	if (chance(3))
		return;		/* no recipient */
	sb_str(b, " ");
	add_list(b, add_target, chance(10) ? 8 : 3);
	if (chance(3))
		return;		/* no text */
	sb_str(b, chance(90) ? " :" : " ");
	add_text(b);
}

static void
g_tagmsg(struct sb *b)
{
	sb_str(b, "TAGMSG ");
	add_list(b, add_target, 3);
}

static void
add_ban_mask(struct sb *b)
{
	static const char *const masks[] = {
		"*!*@*", "n*!*@*", "*!*@127.0.0.1", "*!u1*@*", "n1", "u@h",
		"!", "@", "!@", "*", "?", ":x", "a!b!c@d@e", "*!*@*\xc3\xa9",
		"\xff!*@*", "[x]!*@*", "{X}", "**********!**********@*******",
	};

	if (chance(5)) {
		sb_fill(b, '*', 100 + rn(200));	/* past BAN_MASK_MAX */
		return;
	}
	if (chance(20)) {
		sb_printf(b, "m%u!*@*", rn(150));	/* fill the list */
		return;
	}
	sb_str(b, PICK(masks));
}

static void
g_mode(struct sb *b)
{
	static const char letters[] = "iklmnostvbeIqaxyzwO+-+-";
	unsigned len, np;

	sb_str(b, "MODE ");
	if (chance(25)) {
		/* User modes, on oneself or someone else. */
		sb_str(b, pick_nick());
		if (chance(80)) {
			sb_str(b, " ");
			for (unsigned i = 0, n = rn(10); i < n; i++)
				sb_add(b, &"+-iwoxsB"[rn(8)], 1);
		}
		return;
	}
	add_chan(b);
	if (chance(10))
		return;		/* a query */
	sb_str(b, " ");
	if (chance(5)) {
		/* Alternating signs: every letter a change. */
		for (unsigned i = 0, n = 20 + rn(200); i < n; i++)
			sb_str(b, i % 2 ? "-i" : "+i");
	} else if (chance(4)) {
		for (unsigned i = 0, n = 20 + rn(200); i < n; i++)
			sb_add(b, &"imnst"[rn(5)], 1);
	} else {
		if (chance(70))
			sb_str(b, chance(70) ? "+" : "-");
		len = 1 + rn(chance(20) ? 30 : 6);
		for (unsigned i = 0; i < len; i++)
			sb_add(b, &letters[rn(sizeof(letters) - 1)], 1);
	}
	np = chance(10) ? 14 : rn(5);
	for (unsigned i = 0; i < np; i++) {
		sb_str(b, " ");
		switch (rn(5)) {
		case 4: add_ban_mask(b); break;
		case 0: sb_str(b, pick_nick()); break;
		case 1: sb_str(b, PICK(numbers)); break;
		case 2: sb_str(b, PICK(keys)); break;
		default: sb_printf(b, "%u", rn(100000)); break;
		}
	}
}

static void
g_kick(struct sb *b)
{
	sb_str(b, "KICK ");
	add_chan(b);
	sb_str(b, " ");
	add_list(b, add_nick, chance(10) ? 8 : 3);
	if (chance(50)) {
		sb_str(b, " :");
		add_text(b);
	}
}

static void
g_invite(struct sb *b)
{
	sb_printf(b, "INVITE %s ", pick_nick());
	add_chan(b);
}

static void
g_topic(struct sb *b)
{
	sb_str(b, "TOPIC ");
	add_chan(b);
	if (chance(60)) {
		sb_str(b, " :");
		if (chance(10))
			return;		/* clear it */
		add_text(b);
	}
}

static void
g_nick(struct sb *b)
{
	sb_str(b, "NICK");
	if (self_nick[0] != '\0' && chance(25)) {
		/* The same nick in another case (RFC 1459 casemapping). */
		sb_str(b, " ");
		for (const char *p = self_nick; *p != '\0'; p++) {
			char ch = *p;
			if (chance(50))
				ch = ch >= 'a' && ch <= 'z' ? ch - 32 :
				    ch >= 'A' && ch <= 'Z' ? ch + 32 :
				    ch == '[' ? '{' : ch == '{' ? '[' :
				    ch == '|' ? '\\' : ch == '\\' ? '|' : ch;
			sb_add(b, &ch, 1);
		}
		return;
	}
	if (chance(97))
		sb_printf(b, " %s", pick_nick());
}

static void
g_who(struct sb *b)
{
	static const char *const masks[] = {
		"*", "0", "n*", "*?*", "?", "*x*", "***********************a",
		"127.0.0.1", "*.0.0.*", "", "[x]", "{X}",
	};

	sb_str(b, "WHO");
	if (chance(90)) {
		sb_str(b, " ");
		if (chance(40))
			add_chan(b);
		else
			sb_str(b, PICK(masks));
	}
	if (chance(20))
		sb_str(b, " o");
}

static void
g_whois(struct sb *b)
{
	static const char *const cmds[] = { "WHOIS", "WHOWAS" };

	sb_str(b, PICK(cmds));
	if (chance(5))
		return;
	if (chance(20))
		sb_str(b, " test.server");
	sb_str(b, " ");
	add_list(b, add_nick, 3);
	if (chance(20))
		sb_printf(b, " %s", PICK(numbers));
}

static void
g_list_names(struct sb *b)
{
	static const char *const cmds[] = { "LIST", "NAMES" };

	sb_str(b, PICK(cmds));
	if (chance(60)) {
		sb_str(b, " ");
		add_list(b, add_chan, 6);
	}
	if (chance(10))
		sb_str(b, " test.server");
}

static void
g_away(struct sb *b)
{
	sb_str(b, "AWAY");
	if (chance(70)) {
		sb_str(b, " :");
		add_text(b);
	}
}

static void
g_oper(struct sb *b)
{
	static const char *const lines[] = {
		"OPER op secret", "OPER op wrong", "OPER nobody secret",
		"OPER op", "OPER op :secret", "OPER op secre",
	};

	sb_str(b, PICK(lines));
}

/* Accounts: NickServ, REGISTER and SASL, in and out of order. */
static void
g_account(struct sb *b)
{
	static const char *const ns[] = {
		"REGISTER pw", "IDENTIFY pw", "IDENTIFY wrong", "INFO", "DROP",
		"SET PASSWORD new", "CERT LIST", "CERT ADD 12:34",
		"CERT ADD 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"CERT DEL 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"HELP", "", "bogus", "REGISTER", "SET", "SET PASSWORD",
	};
	static const char *const auth[] = {
		"PLAIN", "EXTERNAL", "*", "+", "AGFsaWNlAHB3", "!!!!", "=",
		"AGFsaWNlAHB3AGV4dHJh",
	};

	switch (rn(6)) {
	case 0:
		sb_printf(b, "PRIVMSG NickServ :%s", PICK(ns));
		break;
	case 1:
		sb_printf(b, "%s %s %s", chance(50) ? "NS" : "NICKSERV",
		    chance(50) ? "GHOST" : "REGAIN", pick_nick());
		break;
	case 2:
		sb_printf(b, "NS IDENTIFY %s pw", pick_nick());
		break;
	case 3:
		sb_printf(b, "REGISTER %s * pw", chance(50) ? "*" : pick_nick());
		break;
	case 4:
		sb_str(b, "AUTHENTICATE ");
		if (chance(20))
			sb_fill(b, 'A', chance(50) ? 400 : 401);
		else
			sb_str(b, PICK(auth));
		break;
	default:
		sb_printf(b, "PRIVMSG NickServ :%s", chance(50) ? "IDENTIFY" :
		    "REGISTER");
		sb_str(b, " ");
		add_text(b);
		break;
	}
}

static void
g_kill(struct sb *b)
{
	sb_printf(b, "KILL %s", chance(5) ? "test.server" : pick_nick());
	if (chance(70)) {
		sb_str(b, " :");
		add_text(b);
	}
}

static void
g_wallops(struct sb *b)
{
	sb_str(b, "WALLOPS :");
	add_text(b);
}

/* msgids and server-times natterd sent, for CHATHISTORY references. */
#define SEEN_MAX 64
static char seen_ids[SEEN_MAX][IRC_MSGID_MAX + 1];
static char seen_times[SEEN_MAX][IRC_TIME_LEN + 1];
static unsigned long nseen_ids, nseen_times;

static void
add_seen_time(struct sb *b)
{
	if (nseen_times == 0 || chance(10))
		sb_str(b, chance(50) ? "timestamp=2000-01-01T00:00:00.000Z" :
		    "timestamp=2100-01-01T00:00:00.000Z");
	else
		sb_printf(b, "timestamp=%s", seen_times[rn(nseen_times <
		    SEEN_MAX ? nseen_times : SEEN_MAX)]);
}

static void
add_seen_ref(struct sb *b)
{
	if (nseen_ids == 0 || chance(30))
		add_seen_time(b);
	else
		sb_printf(b, "msgid=%s", seen_ids[rn(nseen_ids < SEEN_MAX ?
		    nseen_ids : SEEN_MAX)]);
}

static void
g_chathistory(struct sb *b)
{
	static const char *const subs[] = {
		"LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN", "TARGETS",
		"latest", "FOO", "",
	};
	static const char *const refs[] = {
		"*", "msgid=abc", "msgid=", "msgid", "timestamp=2024-01-01T00:00:00.000Z",
		"timestamp=2099-12-31T23:59:59.999Z", "timestamp=1970-01-01T00:00:00Z",
		"timestamp=garbage", "timestamp=9999-99-99T99:99:99.999Z",
		"timestamp=-1", "timestamp=", "x=y", "msgid=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"timestamp=2024-02-30T25:61:61.1234567890Z",
	};
	unsigned n = rn(6);

	if (chance(50)) {
		/* Well formed, with references natterd really gave out. */
		static const char *const good[] = {
			"LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN",
		};
		const char *sub = PICK(good);
		sb_printf(b, "CHATHISTORY %s ", sub);
		add_target(b);
		sb_str(b, " ");
		if (sub[0] == 'L' && chance(50))
			sb_str(b, "*");
		else
			add_seen_ref(b);
		if (sub[1] == 'E' && sub[0] == 'B' && sub[2] == 'T') {
			sb_str(b, " ");
			add_seen_ref(b);
		}
		sb_printf(b, " %u", chance(80) ? 1 + rn(50) : 1000);
		return;
	}
	if (chance(10)) {
		sb_str(b, "CHATHISTORY TARGETS ");
		add_seen_time(b);
		sb_str(b, " ");
		add_seen_time(b);
		sb_printf(b, " %u", 1 + rn(100));
		return;
	}
	sb_printf(b, "CHATHISTORY %s", PICK(subs));
	for (unsigned i = 0; i < n; i++) {
		sb_str(b, " ");
		if (i == 0 && chance(80))
			add_target(b);
		else if (i == n - 1 && chance(70))
			sb_printf(b, "%u", rn(3) == 0 ? rn(2000) : 1 + rn(20));
		else if (chance(70))
			sb_str(b, PICK(refs));
		else
			sb_str(b, PICK(numbers));
	}
}

static void
g_cap(struct sb *b)
{
	static const char *const subs[] = { "LS", "LS 302", "LIST", "END", "FOO", "LS 9999999999", "REQ" };

	sb_printf(b, "CAP %s", PICK(subs));
}

static void
g_cap_req(struct sb *b)
{
	sb_str(b, "CAP REQ :");
	for (unsigned i = 0, n = 1 + rn(4); i < n; i++)
		sb_printf(b, "%s%s%s", i ? " " : "", chance(20) ? "-" : "",
		    chance(90) ? PICK(caps) : "bogus-cap");
}

static void
g_misc(struct sb *b)
{
	static const char *const lines[] = {
		"PING", "PING :", "PING x", "PONG x", "PONG", "LUSERS", "MOTD",
		"VERSION", "TIME", "ISON n0 n1 N2 [x] nobody", "ISON",
		"USERHOST n0 n1 n2 n3 n4 n5 n6", "USERHOST", "PASS x",
		"USER a b c d", "FOO bar", "001 x", "privmsg", "Join #a",
		"WHOWAS", "TOPIC", "KICK", "INVITE", "MODE", "PART", "JOIN",
		"JOIN ,,,,,", "PART ,,,", "PRIVMSG ,,, :x", "KICK #a ,,,",
		"NAMES ,,,", "LIST ,,,", "WHO :", "MODE #a +",
		"MODE #a -", "MODE #a +-+-", "MODE #a +kkkk a b c d",
		"MODE #a +llll 1 2 3 4", "MODE #a +oooo n0 n1 n2 n3",
		"MODE #a +ovovovov n0 n0 n0 n0 n0 n0 n0 n0",
		"MODE #a +l 4294967297", "MODE #a +l 0", "MODE #a +l -1",
		"MODE #a -l", "MODE #a -k", "MODE #a -k x", "MODE #a +k :",
		"MODE #a b", "MODE #a +b", "MODE #a e", "MODE #a I", "MODE #a +b n0!*@*",
		"MODE #a -b n0!*@*", "MODE #a bbbbbbbb", "TAGMSG", "CHATHISTORY",
		/* What irctest checks: MONITOR across nick changes and
		 * quits, WHOWAS, HELP, INFO, +I, +B, ELIST, STATUSMSG. */
		"MONITOR + n0,n1,N2,n3,x|", "MONITOR - n1,nobody", "MONITOR C",
		"MONITOR L", "MONITOR S", "MONITOR + *!*@*", "MONITOR",
		"MONITOR +", "MONITOR X", "WHOWAS n0,n1 2", "WHOWAS n2 -1",
		"HELP", "HELP privmsg", "HELPOP x", "INFO", "MODE #a +I n1",
		"MODE #a -I n1", "MODE #a I", "MODE #a +IIII a b c d",
		"LIST >0,<5,#a*,!#b*,C<1,T>0", "LIST C>", "LIST !",
		"PRIVMSG @#a :x", "NOTICE +#a :x", "PRIVMSG @ :x",
		"KICK #a,#b n0,n1", "KICK #a,#b n0",
	};

	sb_str(b, PICK(lines));
}

static void
g_quit(struct sb *b)
{
	sb_str(b, "QUIT");
	if (chance(50)) {
		sb_str(b, " :");
		add_text(b);
	}
}

/*
 * Whether a command may be labeled and its answer tracked: not CAP REQ,
 * which may turn labeled-response off. One that closes the sender (QUIT,
 * KILL of oneself) is fine: no PONG comes after it either.
 */
static const struct gen {
	void (*fn)(struct sb *);
	unsigned weight;
	bool track;
} gens[] = {
	{ g_join, 12, true }, { g_part, 6, true }, { g_message, 20, true },
	{ g_tagmsg, 4, true }, { g_mode, 14, true }, { g_kick, 5, true },
	{ g_invite, 3, true }, { g_topic, 5, true }, { g_nick, 5, true },
	{ g_who, 3, true }, { g_whois, 3, true }, { g_list_names, 3, true },
	{ g_away, 3, true }, { g_oper, 2, true }, { g_kill, 2, true },
	{ g_wallops, 2, true }, { g_chathistory, 6, true },
	{ g_account, 3, true },
	{ g_cap, 1, true }, { g_cap_req, 1, false }, { g_misc, 6, true },
	{ g_quit, 1, true },
};

static const struct gen *
pick_gen(void)
{
	unsigned total = 0, r;

	for (size_t i = 0; i < sizeof(gens) / sizeof(*gens); i++)
		total += gens[i].weight;
	r = rn(total);
	for (size_t i = 0; i < sizeof(gens) / sizeof(*gens); i++) {
		if (r < gens[i].weight)
			return &gens[i];
		r -= gens[i].weight;
	}
	return &gens[0];
}

/* Garbage: a line (or not even that) no command grammar makes. */
static void
add_garbage(struct sb *b)
{
	char ch;

	switch (rn(16)) {
	case 0:		/* overlong, with and without an end */
		sb_fill(b, 'A', 5000 + rn(70000));
		break;
	case 1:
		sb_fill(b, ' ', 1 + rn(600));
		break;
	case 2:
		sb_fill(b, ':', 1 + rn(600));
		break;
	case 3:		/* a NUL inside */
		sb_str(b, "PRIVMSG n0 :a");
		sb_add(b, "\0", 1);
		sb_str(b, "b");
		break;
	case 4:		/* random bytes, no line ends */
		for (unsigned i = 0, n = 1 + rn(300); i < n; i++) {
			ch = (char)(1 + rn(255));
			if (ch != '\n' && ch != '\r')
				sb_add(b, &ch, 1);
		}
		break;
	case 5:		/* more than 15 parameters */
		sb_str(b, "PRIVMSG");
		for (unsigned i = 0, n = 15 + rn(30); i < n; i++)
			sb_printf(b, " p%u", i);
		break;
	case 6:
		sb_str(b, PICK(((const char *const[]){ "@", "@ ", "@a", "@a=b ",
		    "@a=b  ", ":src", ":src ", ": ", ":", "@a :src", "@=x CMD",
		    "@;;; CMD", "@a;a;a;a CMD", "@+a=\\ CMD" })));
		break;
	case 7:		/* a huge tag section alone, or before a command */
		sb_str(b, "@+t=");
		sb_fill(b, 'x', 4000 + rn(9000));
		if (chance(50))
			sb_str(b, " PING :x");
		break;
	case 8:		/* a command of symbols or digits */
		sb_str(b, PICK(((const char *const[]){ "12", "1234", "PRIV-MSG",
		    "\xc3\xa9", "PING\x7f", "#JOIN", "P1NG x" })));
		break;
	case 9:		/* a body just at and past 512 bytes */
		sb_str(b, "PRIVMSG n0 :");
		sb_fill(b, 'b', 490 + rn(40));
		break;
	case 10:	/* a CR in the middle */
		sb_str(b, "PRIVMSG n0 :a\rb");
		break;
	case 11:	/* invalid UTF-8 everywhere */
		sb_str(b, "PRIVMSG #\xff\xfe :\xc3\x28\xa0\xa1 \xe2\x28\xa1");
		break;
	case 12:
		sb_str(b, "NICK \xff\xfe\xfd");
		break;
	case 13:	/* many empty parameters through spaces */
		sb_str(b, "JOIN");
		sb_fill(b, ' ', 200);
		sb_str(b, "#a");
		break;
	case 14:
		sb_str(b, "TOPIC #a :");
		sb_fill(b, 't', 480);
		break;
	default:	/* a lone line end, or several */
		break;
	}
}

/* --- clients */

enum { ST_OFF, ST_NEW, ST_LIVE };

struct label {
	char name[16];
	unsigned long epoch;	/* pings sent before it */
};

struct sc {
	int id;
	int fd;
	int state;
	bool track;		/* labeled-response and batch on: check labels */
	bool observer;
	int sleep;		/* rounds left without reading */
	struct sb out;		/* not yet sent */
	char in[INBUF_MAX];
	size_t inlen;
	struct label labels[LABELS_MAX];
	size_t nlabels;
	unsigned long label_seq;
	unsigned long pings;	/* sync PINGs sent */
	unsigned long pongs;	/* and answered */
	char nick[IRC_NICK_MAX + 1];
	bool open_line;		/* the last byte sent was no LF */
	char got[4][200];	/* the last lines received, for failures */
	unsigned ngot;
	unsigned caps;		/* CAP_* as natterd's ACKs said */
	char batches[8][24];	/* batch references open */
	size_t nbatches;
};

/* The capabilities whose effects are checked. */
enum {
	CAP_TAGS = 1 << 0, CAP_TIME = 1 << 1, CAP_BATCH = 1 << 2,
	CAP_LABEL = 1 << 3, CAP_ACCOUNT = 1 << 4,
};

static struct nd_server srv;
static struct sc clients[CLIENTS_MAX + 1];	/* [0] is the observer */
static int nclients;
static unsigned long round_no;
static const char *phase;
static bool stopping;	/* SIGTERM sent: every connection ends */

/* The observer's LUSERS answer. */
static struct {
	long users, invisible, opers, unknown, channels, me;
	bool done;
} lusers;

/* What a run did, for -v. */
static struct {
	unsigned long lines, garbage, labels, closed_by_server, closed_by_us;
	unsigned long replayed;	/* history lines in batches */
	unsigned long resets;	/* reset by natterd before its ERROR came */
} stats;

static char trail[TRAIL_MAX][160];
static size_t ntrail;
static FILE *trace;

static void
remember(const struct sc *c, const char *data, size_t len)
{
	char *t = trail[ntrail++ % TRAIL_MAX];
	size_t n = 0;

	n = snprintf(t, sizeof(trail[0]), "[%d] ", c->id);
	for (size_t i = 0; i < len && n + 5 < sizeof(trail[0]); i++) {
		unsigned char ch = data[i];
		if (ch >= ' ' && ch < 0x7f && ch != '\\')
			t[n++] = ch;
		else
			n += snprintf(t + n, sizeof(trail[0]) - n, "\\x%02x", ch);
	}
	if (len > 100 && n + 16 < sizeof(trail[0]))
		snprintf(t + n, sizeof(trail[0]) - n, "... (%zu bytes)", len);
	else
		t[n] = '\0';
	if (trace != NULL) {
		fprintf(trace, "%s %lu %d ", phase, round_no, c->id);
		fwrite(data, 1, len, trace);
		if (len == 0 || data[len - 1] != '\n')
			fputc('\n', trace);
	}
}

static const char *
trail_text(void)
{
	static char buf[TRAIL_MAX * 170];
	size_t n = 0;
	size_t first = ntrail > TRAIL_MAX ? ntrail - TRAIL_MAX : 0;

	buf[0] = '\0';
	for (size_t i = first; i < ntrail; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "  %s\n",
		    trail[i % TRAIL_MAX]);
	return buf;
}

#define FAIL(...) fail_now(__FILE__, __LINE__, __VA_ARGS__)

static void __attribute__((format(printf, 3, 4), noreturn))
fail_now(const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (trace != NULL)
		fflush(trace);
	/* Check's message is short: the details go to stderr first. */
	const char *log = nd_log(&srv);
	fprintf(stderr, "%s:%d: seed %lu, %s round %lu: %s\nlast lines sent:"
	    "\n%snatterd's stderr (tail):\n%s\n", file, line, opt_seed, phase,
	    round_no, msg, trail_text(), log + (srv.log.len > 6000 ?
	    srv.log.len - 6000 : 0));
	ck_abort_msg("%s:%d: seed %lu, %s round %lu: %.1000s", file, line,
	    opt_seed, phase, round_no, msg);
	abort();	/* not reached */
}

static void
sanitizer_check(void)
{
	const char *log = nd_log(&srv);

	/* ASan, UBSan and LSan; valgrind's memcheck when NATTERD runs
	 * natterd under it. */
	if (strstr(log, "Sanitizer") != NULL ||
	    strstr(log, "runtime error:") != NULL ||
	    strstr(log, "==ERROR") != NULL ||
	    strstr(log, "Invalid read") != NULL ||
	    strstr(log, "Invalid write") != NULL ||
	    strstr(log, "Invalid free") != NULL ||
	    strstr(log, "uninitialised") != NULL)
		FAIL("natterd's stderr has a sanitizer report");
}

static void
alive_check(void)
{
	int st;

	if (srv.status != -1)
		FAIL("natterd has exited (status %#x)", srv.status);
	if (waitpid(srv.pid, &st, WNOHANG) == srv.pid) {
		srv.status = st;
		sanitizer_check();
		FAIL("natterd died: %s %d", WIFSIGNALED(st) ? "signal" :
		    "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
}

static void
sc_close(struct sc *c, bool rst)
{
	if (c->fd < 0)
		return;
	if (rst) {
		struct linger l = { 1, 0 };
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(c->fd);
	c->fd = -1;
	c->state = ST_OFF;
	c->track = false;
	c->sleep = 0;
	c->nlabels = 0;
	c->inlen = 0;
	c->out.len = 0;
	c->nick[0] = '\0';
}

static void
sc_connect(struct sc *c, bool small_rcvbuf)
{
	struct sockaddr_in sin;
	int one = 1, small = 4096;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(c->fd, 0);
	if (small_rcvbuf)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(srv.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		FAIL("connect to natterd: %s", strerror(errno));
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	c->state = ST_NEW;
	c->inlen = 0;
	c->out.len = 0;
	c->nlabels = 0;
	c->pings = c->pongs = 0;
	c->track = false;
	c->open_line = false;
	c->caps = 0;
	c->nbatches = 0;
	c->ngot = 0;
	memset(c->got, 0, sizeof(c->got));
}

/* Send what is queued; false when the peer is gone. */
static bool
sc_flush(struct sc *c)
{
	while (c->fd >= 0 && c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0) {
			if (c->observer)
				FAIL("observer: send: %s", strerror(errno));
			sc_close(c, false);
			return false;
		}
		sb_drop(&c->out, n);
	}
	return true;
}

static void
sc_queue(struct sc *c, const char *data, size_t len)
{
	remember(c, data, len);
	sb_add(&c->out, data, len);
	if (len > 0)
		c->open_line = data[len - 1] != '\n';
}

static void __attribute__((format(printf, 2, 3)))
sc_sendf(struct sc *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	buf[n++] = '\r';
	buf[n++] = '\n';
	sc_queue(c, buf, n);
}

/* Bytes one at a time, each its own write. */
static void
sc_trickle(struct sc *c, const char *data, size_t len)
{
	remember(c, data, len);
	if (len > 0)
		c->open_line = data[len - 1] != '\n';
	if (c->out.len > 0) {
		sb_add(&c->out, data, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		ssize_t n = send(c->fd, data + i, 1, MSG_NOSIGNAL);
		if (n == 1)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			sb_add(&c->out, data + i, len - i);
			return;
		}
		sc_close(c, false);
		return;
	}
}

/* --- what natterd sends */

static long
num_at(const char *s)
{
	return s != NULL ? strtol(s, NULL, 10) : -1;
}

static void
observer_line(struct sc *c, struct irc_msg *m)
{
	const char *cmd = m->command;
	const char *last = m->nparams > 0 ? m->params[m->nparams - 1] : "";

	if (strcmp(cmd, "251") == 0) {
		memset(&lusers, 0, sizeof(lusers));
		lusers.opers = lusers.unknown = 0;
		if (sscanf(last, "There are %ld users and %ld invisible",
		    &lusers.users, &lusers.invisible) != 2)
			FAIL("observer: bad 251: %s", last);
	} else if (strcmp(cmd, "252") == 0 && m->nparams > 1) {
		lusers.opers = num_at(m->params[1]);
	} else if (strcmp(cmd, "253") == 0 && m->nparams > 1) {
		lusers.unknown = num_at(m->params[1]);
	} else if (strcmp(cmd, "254") == 0 && m->nparams > 1) {
		lusers.channels = num_at(m->params[1]);
	} else if (strcmp(cmd, "255") == 0) {
		if (sscanf(last, "I have %ld clients", &lusers.me) != 1)
			FAIL("observer: bad 255: %s", last);
	} else if (strcmp(cmd, "266") == 0) {
		long total = nclients + 1;
		lusers.done = true;
		if (lusers.users < 0 || lusers.invisible < 0 ||
		    lusers.users + lusers.invisible != lusers.me ||
		    lusers.me < 1 || lusers.me > total ||
		    lusers.opers > lusers.me || lusers.unknown > total ||
		    lusers.unknown < 0 ||
		    lusers.channels > (long)total * 50 + 50)
			FAIL("observer: LUSERS counters inconsistent: users %ld"
			    " invisible %ld opers %ld unknown %ld channels %ld"
			    " registered %ld", lusers.users, lusers.invisible,
			    lusers.opers, lusers.unknown, lusers.channels,
			    lusers.me);
	} else if (strcmp(cmd, "KILL") == 0 ||
	    (strcmp(cmd, "ERROR") == 0 && !stopping)) {
		FAIL("observer got %s", cmd);
	}
}

static void
label_answered(struct sc *c, const char *label)
{
	if (label[0] != 't')
		return;		/* an untracked label */
	for (size_t i = 0; i < c->nlabels; i++) {
		if (strcmp(c->labels[i].name, label) == 0) {
			stats.labels++;
			c->labels[i] = c->labels[--c->nlabels];
			return;
		}
	}
	FAIL("client %d: label %s answered twice (or never sent)", c->id,
	    label);
}

static void
pong(struct sc *c, const char *token)
{
	unsigned long k;

	if (token[0] != 'p' || (k = strtoul(token + 1, NULL, 10)) == 0)
		return;
	c->pongs = k;
	if (c->nbatches > 0)
		FAIL("client %d: batch %s still open at PONG %lu", c->id,
		    c->batches[0], k);
	for (size_t i = 0; i < c->nlabels; i++)
		if (c->labels[i].epoch < k)
			FAIL("client %d: labeled command %s got no answer "
			    "before PONG %lu", c->id, c->labels[i].name, k);
}

static unsigned
cap_flag(const char *name)
{
	if (strcmp(name, "message-tags") == 0)
		return CAP_TAGS;
	if (strcmp(name, "server-time") == 0)
		return CAP_TIME;
	if (strcmp(name, "batch") == 0)
		return CAP_BATCH;
	if (strcmp(name, "labeled-response") == 0)
		return CAP_LABEL;
	if (strcmp(name, "account-tag") == 0)
		return CAP_ACCOUNT;
	return 0;
}

/*
 * Tags and batches only for clients that asked for them (natterd's ACKs
 * say which, in order with everything else it sends), and batches that
 * open before their lines and close.
 */
static void
caps_check(struct sc *c, struct irc_msg *m, const char *line)
{
	/* An ACK's own tags follow the capabilities before it (a labeled
	 * REQ that turns labeled-response off is still answered with its
	 * label). */
	for (size_t i = 0; i < m->ntags; i++) {
		const char *k = m->tags[i].key;
		unsigned need = strcmp(k, "time") == 0 ? CAP_TIME :
		    strcmp(k, "batch") == 0 ? CAP_BATCH :
		    strcmp(k, "label") == 0 ? CAP_LABEL :
		    strcmp(k, "account") == 0 ? CAP_ACCOUNT : CAP_TAGS;
		if ((c->caps & need) == 0)
			FAIL("client %d got tag %s without its capability: %s",
			    c->id, k, line);
	}
	if (strcmp(m->command, "CAP") == 0 && m->nparams >= 3 &&
	    strcmp(m->params[1], "ACK") == 0) {
		char list[IRC_BODY_MAX];
		snprintf(list, sizeof(list), "%s", m->params[2]);
		for (char *t, *p = list; (t = strsep(&p, " ")) != NULL;) {
			if (t[0] == '-')
				c->caps &= ~cap_flag(t + 1);
			else
				c->caps |= cap_flag(t);
		}
	}
	const char *ref = irc_tag_get(m, "batch");
	if (ref != NULL && (strcmp(m->command, "PRIVMSG") == 0 ||
	    strcmp(m->command, "NOTICE") == 0))
		stats.replayed++;
	if (ref != NULL) {
		size_t i;
		for (i = 0; i < c->nbatches; i++)
			if (strcmp(c->batches[i], ref) == 0)
				break;
		if (i == c->nbatches)
			FAIL("client %d: a line in batch %s, which is not open:"
			    " %s", c->id, ref, line);
	}
	if (strcmp(m->command, "BATCH") != 0)
		return;
	if ((c->caps & CAP_BATCH) == 0)
		FAIL("client %d got BATCH without the capability: %s", c->id,
		    line);
	if (m->nparams < 1 || (m->params[0][0] != '+' && m->params[0][0] != '-'))
		FAIL("client %d: a malformed BATCH: %s", c->id, line);
	ref = m->params[0] + 1;
	if (m->params[0][0] == '+') {
		for (size_t i = 0; i < c->nbatches; i++)
			if (strcmp(c->batches[i], ref) == 0)
				FAIL("client %d: batch %s opened twice", c->id,
				    ref);
		if (c->nbatches == 8 || strlen(ref) >= sizeof(c->batches[0]))
			FAIL("client %d: batches nested too deep or a long "
			    "reference: %s", c->id, line);
		snprintf(c->batches[c->nbatches++], sizeof(c->batches[0]),
		    "%s", ref);
		return;
	}
	for (size_t i = 0; i < c->nbatches; i++) {
		if (strcmp(c->batches[i], ref) == 0) {
			memmove(c->batches + i, c->batches + i + 1,
			    (c->nbatches - i - 1) * sizeof(c->batches[0]));
			c->nbatches--;
			return;
		}
	}
	FAIL("client %d: batch %s closed but not open", c->id, ref);
}

/* One line from natterd to c, CRLF already checked and cut. */
static void
server_line(struct sc *c, char *line, size_t len)
{
	char copy[INBUF_MAX];
	struct irc_msg m;
	size_t body = len;
	int err;

	if (memchr(line, '\0', len) != NULL)
		FAIL("client %d got a NUL byte from natterd", c->id);
	if (memchr(line, '\r', len) != NULL)
		FAIL("client %d got a bare CR from natterd: %s", c->id, line);
	if (!utf8_valid(line, len))
		FAIL("client %d got invalid UTF-8 from natterd: %s", c->id,
		    line);
	if (line[0] == '@') {
		const char *sp = memchr(line, ' ', len);
		if (sp == NULL)
			FAIL("client %d: tags and no command: %s", c->id, line);
		body = len - (size_t)(sp + 1 - line);
	}
	if (body + 2 > IRC_BODY_MAX)
		FAIL("client %d: a line of %zu bytes after its tags: %.600s",
		    c->id, body + 2, line);
	memcpy(copy, line, len);
	copy[len] = '\0';
	if ((err = irc_parse(&m, copy, len)) != IRC_OK)
		FAIL("client %d: natterd sent a line that does not parse (%s):"
		    " %s", c->id, irc_strerror(err), line);
	if (opt_verbose > 1 && c->observer)
		fprintf(stderr, "observer< %s\n", line);
	snprintf(c->got[c->ngot++ % 4], sizeof(c->got[0]), "%s", line);

	caps_check(c, &m, line);
	const char *v;
	if ((v = irc_tag_get(&m, "msgid")) != NULL && strlen(v) <= IRC_MSGID_MAX)
		snprintf(seen_ids[nseen_ids++ % SEEN_MAX], sizeof(seen_ids[0]),
		    "%s", v);
	if ((v = irc_tag_get(&m, "time")) != NULL && strlen(v) <= IRC_TIME_LEN)
		snprintf(seen_times[nseen_times++ % SEEN_MAX],
		    sizeof(seen_times[0]), "%s", v);
	const char *label = irc_tag_get(&m, "label");
	if (label != NULL && !(strcmp(m.command, "BATCH") == 0 &&
	    m.nparams > 0 && m.params[0][0] == '-'))
		label_answered(c, label);
	if (strcmp(m.command, "001") == 0) {
		c->state = ST_LIVE;
		if (m.nparams > 0)
			snprintf(c->nick, sizeof(c->nick), "%s", m.params[0]);
	} else if (strcmp(m.command, "PONG") == 0 && m.nparams > 0) {
		pong(c, m.params[m.nparams - 1]);
	} else if (strcmp(m.command, "NICK") == 0 && m.source != NULL &&
	    m.nparams > 0) {
		char nick[IRC_NICK_MAX + 1];
		irc_source_split(m.source, nick, sizeof(nick), NULL, 0, NULL, 0);
		if (irc_casecmp(nick, c->nick) == 0)
			snprintf(c->nick, sizeof(c->nick), "%s", m.params[0]);
	}
	if (c->observer)
		observer_line(c, &m);
}

/* -v: a close that came as a reset before any ERROR line (-vvv: with
 * the end of natterd's log, which -x -v makes detailed). */
static void
reset_report(const struct sc *c)
{
	const char *log;
	size_t len;

	fprintf(stderr, "client %d (%s) reset (%s) before an ERROR line; "
	    "last: %s\n", c->id, c->nick, strerror(errno),
	    c->got[(c->ngot + 3) % 4]);
	if (opt_verbose < 3 || c->nick[0] == '\0')
		return;
	/* natterd logs the quit a little later: wait for it. */
	char re[64];
	snprintf(re, sizeof(re), "%s!.*quit", c->nick);
	for (char *p = re; *p != '\0'; p++)
		if (strchr("[]{}|\\^", *p) != NULL)
			*p = '.';
	nd_log_wait(&srv, re, 2000);
	log = nd_log(&srv);
	len = strlen(log);
	fprintf(stderr, "%s\n", log + (len > 1500 ? len - 1500 : 0));
}

/* Read what natterd sent c; false when the connection ended. */
static bool
sc_read(struct sc *c)
{
	for (;;) {
		ssize_t n = read(c->fd, c->in + c->inlen,
		    sizeof(c->in) - c->inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0) {
			if (c->observer && !stopping)
				FAIL("natterd closed the observer's "
				    "connection (%s)", n < 0 ? strerror(errno) :
				    "EOF");
			stats.closed_by_server++;
			if (n < 0 && strncmp(c->got[(c->ngot + 3) % 4],
			    "ERROR :", 7) != 0) {
				stats.resets++;
				if (opt_verbose > 0 && stats.resets < 5)
					reset_report(c);
			}
			/* A clean close ends with an ERROR line (a reset may
			 * lose it: natterd closed with input unread). */
			if (n == 0 && c->inlen > 0)
				FAIL("client %d: the connection ended inside "
				    "a line", c->id);
			if (n == 0 && strncmp(c->got[(c->ngot + 3) % 4],
			    "ERROR :", 7) != 0)
				FAIL("client %d: closed without an ERROR line"
				    " (last: %s)", c->id,
				    c->got[(c->ngot + 3) % 4]);
			sc_close(c, false);
			return false;
		}
		c->inlen += n;
		char *p = c->in, *end = c->in + c->inlen, *lf;
		while ((lf = memchr(p, '\n', end - p)) != NULL) {
			if (lf == p || lf[-1] != '\r')
				FAIL("client %d: a line not ended by CRLF",
				    c->id);
			server_line(c, p, lf - 1 - p);
			p = lf + 1;
		}
		c->inlen = end - p;
		memmove(c->in, p, c->inlen);
		if (c->inlen == sizeof(c->in))
			FAIL("client %d: natterd sent a line over %zu bytes",
			    c->id, sizeof(c->in));
	}
}

/*
 * Poll every connection (and natterd's stderr) until done() or the
 * deadline; reads, flushes, notices closed connections.
 */
static bool
pump(long long deadline, bool (*done)(void))
{
	struct pollfd pfd[CLIENTS_MAX + 2];
	int owner[CLIENTS_MAX + 2];

	for (;;) {
		size_t n = 0;
		long long now = time_mono_ms();

		if (done != NULL && done())
			return true;
		if (now >= deadline)
			return done == NULL;
		for (int i = 0; i <= nclients; i++) {
			struct sc *c = &clients[i];
			if (c->fd < 0)
				continue;
			pfd[n].fd = c->fd;
			pfd[n].events = (c->sleep > 0 ? 0 : POLLIN) |
			    (c->out.len > 0 ? POLLOUT : 0);
			pfd[n].revents = 0;
			owner[n++] = i;
		}
		if (srv.errfd >= 0) {
			pfd[n].fd = srv.errfd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			owner[n++] = -1;
		}
		int r = poll(pfd, n, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_int_ge(r, 0);
		for (size_t k = 0; k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (owner[k] < 0) {
				nd_log(&srv);
				continue;
			}
			struct sc *c = &clients[owner[k]];
			if ((pfd[k].revents & POLLOUT) != 0 && !sc_flush(c))
				continue;
			if ((pfd[k].revents & (POLLHUP | POLLERR)) != 0)
				c->sleep = 0;
			if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
			    c->fd >= 0 && c->sleep == 0)
				sc_read(c);
		}
	}
}

static unsigned long sync_want;

static bool
observer_synced(void)
{
	return clients[0].pongs >= sync_want;
}

/* PING from the observer; its PONG must come within -w seconds. */
static void
observer_sync(void)
{
	struct sc *o = &clients[0];

	sync_want = ++o->pings;
	sc_sendf(o, "PING :p%lu", sync_want);
	sc_flush(o);
	if (!pump(time_mono_ms() + opt_wait * 1000LL, observer_synced))
		FAIL("no PONG to the observer within %d s: natterd hangs",
		    opt_wait);
}

static bool
lusers_done(void)
{
	return lusers.done;
}

static void
observer_lusers(void)
{
	lusers.done = false;
	sc_sendf(&clients[0], "LUSERS");
	sc_flush(&clients[0]);
	if (!pump(time_mono_ms() + opt_wait * 1000LL, lusers_done))
		FAIL("no LUSERS answer within %d s", opt_wait);
}

/* --- a client's turn in a round */

static void
register_client(struct sc *c)
{
	struct sb b = { 0 };
	bool all_caps = chance(60);

	sc_connect(c, chance(15));
	if (chance(5))
		sb_str(&b, "PASS :whatever\r\n");
	if (all_caps || chance(10))
		sb_str(&b, "CAP LS 302\r\n");
	if (all_caps)
		sb_printf(&b, "CAP REQ :%s\r\n", ALL_CAPS);
	else if (chance(20))
		sb_printf(&b, "CAP REQ :%s bogus\r\n", PICK(caps));
	if (chance(5))
		add_garbage(&b), sb_str(&b, "\r\n");
	sb_printf(&b, "NICK %s\r\n", pick_nick());
	if (chance(95))
		sb_printf(&b, "USER u%d 0 * :stress client %d\r\n", c->id, c->id);
	if (chance(10))
		sb_printf(&b, "NICK %s\r\n", pick_nick());
	if (all_caps && chance(95))
		sb_str(&b, "CAP END\r\n");
	else if (!all_caps && chance(50))
		sb_str(&b, "CAP END\r\n");
	/* Only a client whose REQ asked for both, once: the ACK is sure. */
	c->track = all_caps;
	sc_queue(c, b.p, b.len);
	sb_free(&b);
}

/* One generated line into b, tagged; true if its label is tracked. */
static bool
make_line(struct sc *c, struct sb *b)
{
	const struct gen *g;
	char label[16] = "";
	bool tracked;
	size_t start = b->len;

	stats.lines++;
	snprintf(self_nick, sizeof(self_nick), "%s", c->nick);
	if (chance(8)) {
		stats.garbage++;
		add_garbage(b);
		return false;
	}
	g = pick_gen();
	tracked = c->track && c->state == ST_LIVE && g->track &&
	    c->nlabels < LABELS_MAX && chance(40);
	if (tracked) {
		snprintf(label, sizeof(label), "t%d.%lu", c->id, ++c->label_seq);
		/* After a lone CR the line would not start here. */
		if (b->len > 0 ? b->p[b->len - 1] != '\n' : c->open_line) {
			sb_str(b, "\n");
			start = b->len;
		}
	}
	else if (chance(5))
		snprintf(label, sizeof(label), "u%lu", rnd() % 1000);
	if (tracked || chance(20))
		add_tags(b, tracked || label[0] == 'u' ? label : NULL);
	g->fn(b);
	if (!g->track)
		c->track = false;	/* a CAP REQ came */
	if (!tracked)
		return false;

	/* Only what natterd will parse and dispatch has to be answered. */
	char copy[IRC_LINE_MAX + 64];
	struct irc_msg m;
	size_t len = b->len - start;
	if (len + 2 > IRC_CLIENT_TAGS_MAX + 2 + IRC_BODY_MAX ||
	    len >= sizeof(copy))
		return false;
	memcpy(copy, b->p + start, len);
	copy[len] = '\0';
	/* A client's tag section, '@' and space included, past 4096 bytes
	 * is an unlabeled 417 (IRCv3 message-tags). */
	const char *sp = copy[0] == '@' ? strchr(copy, ' ') : NULL;
	if (sp != NULL && (size_t)(sp - copy) + 1 > IRC_CLIENT_TAGS_MAX + 2)
		return false;
	if (irc_parse(&m, copy, len) != IRC_OK ||
	    irc_tag_get(&m, "label") == NULL ||
	    strcmp(irc_tag_get(&m, "label"), label) != 0)
		return false;
	snprintf(c->labels[c->nlabels].name, sizeof(c->labels[0].name), "%s",
	    label);
	c->labels[c->nlabels++].epoch = c->pings;
	return true;
}

static void
client_turn(struct sc *c)
{
	struct sb b = { 0 };
	unsigned n;

	if (c->fd < 0) {
		if (chance(40))
			register_client(c);
		return;
	}
	if (c->sleep > 0) {
		c->sleep--;
		return;
	}
	if (c->out.len > OUTBUF_MAX)
		return;		/* natterd reads slowly: let it catch up */
	switch (rn(100)) {
	case 0: case 1:		/* abrupt close */
		stats.closed_by_us++;
		sc_close(c, chance(50));
		return;
	case 2:			/* half a line, then close */
		sb_str(&b, "PRIVMSG #a :half a li");
		sc_queue(c, b.p, b.len);
		sc_flush(c);
		sc_close(c, chance(30));
		sb_free(&b);
		return;
	case 3:			/* shut the writing side only */
		sc_flush(c);
		shutdown(c->fd, SHUT_WR);
		return;
	case 4:			/* stop reading for a while */
		c->sleep = 3 + rn(30);
		break;
	}
	n = 1 + rn(chance(10) ? 40 : 8);
	for (unsigned i = 0; i < n; i++) {
		bool tracked = make_line(c, &b);
		/* Line ends: CRLF mostly; LF, CR CR LF, a lone CR. */
		unsigned e = tracked ? rn(90) : rn(100);
		sb_str(&b, e < 80 ? "\r\n" : e < 90 ? "\n" : e < 95 ?
		    "\r\r\n" : e < 98 ? "\r" : "\n\n\r\n");
	}
	if (c->track && c->state == ST_LIVE) {
		/* Answers to every label sent so far come before this. */
		if (b.len > 0 && b.p[b.len - 1] != '\n')
			sb_str(&b, "\n");
		sb_printf(&b, "PING :p%lu\r\n", ++c->pings);
	}
	if (chance(3) && b.len < 6000)
		sc_trickle(c, b.p, b.len);
	else
		sc_queue(c, b.p, b.len);
	sc_flush(c);
	sb_free(&b);
}

/* --- a phase: one natterd, rounds until the time is up */

static bool
all_closed(void)
{
	for (int i = 1; i <= nclients; i++)
		if (clients[i].fd >= 0)
			return false;
	return true;
}

static bool
everyone_closed(void)
{
	return clients[0].fd < 0 && all_closed();
}

/*
 * SIGTERM in the middle of the traffic: natterd must exit 0 and every
 * connection end with natterd's ERROR line.
 */
static void
stop_under_load(void)
{
	for (int i = 0; i <= nclients; i++)
		clients[i].sleep = 0;
	stopping = true;
	nd_kill(&srv, SIGTERM);
	if (!pump(time_mono_ms() + opt_wait * 1000LL, everyone_closed))
		FAIL("connections still open %d s after SIGTERM", opt_wait);
	stopping = false;
}

/*
 * One natterd and rounds until the time is up; a SIGHUP every so often.
 * Then either everyone leaves and the server must be as before they
 * came, or (term) it is stopped under load.
 */
static void
run_phase(const char *name, const char *const *args, double seconds,
    bool term)
{
	struct sc *o = &clients[0];
	long long end;
	int base_fds;

	/* -x: more flags for natterd, after (and so over) the phase's. */
	const char *all[48];
	size_t na = 0;
	static char extra[512];
	for (; args[na] != NULL && na < 32; na++)
		all[na] = args[na];
	snprintf(extra, sizeof(extra), "%s", opt_extra != NULL ? opt_extra :
	    "");
	for (char *t, *p = extra; (t = strsep(&p, " ")) != NULL && na < 47;)
		if (t[0] != '\0')
			all[na++] = t;
	all[na] = NULL;

	phase = name;
	round_no = 0;
	nd_start(&srv, all);
	for (int i = 0; i <= nclients; i++) {
		clients[i].id = i;
		clients[i].fd = -1;
		clients[i].observer = i == 0;
	}
	sc_connect(o, false);
	sc_sendf(o, "NICK watcher");
	sc_sendf(o, "USER watcher 0 * :observer");
	observer_sync();
	if (o->state != ST_LIVE)
		FAIL("observer did not register");
	base_fds = proc_fd_count(srv.pid);
	long base_rss = proc_rss_kib(srv.pid), end_rss = -1;

	end = time_mono_ms() + (long long)(seconds * 1000);
	while (time_mono_ms() < end) {
		round_no++;
		for (int i = 1; i <= nclients; i++)
			client_turn(&clients[i]);
		pump(time_mono_ms() + DRAIN_MS, NULL);
		observer_sync();
		if (round_no % 8 == 0)
			observer_lusers();
		if (round_no % 50 == 0)
			nd_kill(&srv, SIGHUP);	/* re-read the files */
		alive_check();
		sanitizer_check();
	}

	if (term) {
		stop_under_load();
		goto stopped;
	}

	/* Everyone leaves; then only the observer may be left. */
	for (int i = 1; i <= nclients; i++) {
		struct sc *c = &clients[i];
		if (c->fd < 0)
			continue;
		c->sleep = 0;
		if (chance(50)) {
			c->out.len = 0;
			sc_close(c, chance(50));
		} else {
			if (c->open_line)
				sc_queue(c, "\n", 1);
			sc_sendf(c, "QUIT :bye");
			sc_flush(c);
		}
	}
	if (!pump(time_mono_ms() + opt_wait * 1000LL, all_closed)) {
		for (int i = 1; i <= nclients; i++)
			if (clients[i].fd >= 0)
				FAIL("client %d was not closed after QUIT "
				    "(%zu bytes unsent; last received: %s | %s |"
				    " %s | %s)", i, clients[i].out.len,
				    clients[i].got[(clients[i].ngot + 0) % 4],
				    clients[i].got[(clients[i].ngot + 1) % 4],
				    clients[i].got[(clients[i].ngot + 2) % 4],
				    clients[i].got[(clients[i].ngot + 3) % 4]);
	}
	long long deadline = time_mono_ms() + opt_wait * 1000LL;
	for (;;) {
		observer_lusers();
		if (lusers.me == 1 && lusers.unknown == 0)
			break;
		if (time_mono_ms() > deadline)
			FAIL("clients still counted after all left: registered"
			    " %ld unknown %ld", lusers.me, lusers.unknown);
		pump(time_mono_ms() + 50, NULL);
	}
	if (lusers.users != 1 || lusers.invisible != 0 || lusers.opers != 0 ||
	    lusers.channels != 0)
		FAIL("after all left: users %ld invisible %ld opers %ld "
		    "channels %ld (want 1 0 0 0)", lusers.users,
		    lusers.invisible, lusers.opers, lusers.channels);
	/* Every nick is free again. */
	for (size_t i = 0; i < sizeof(nicks) / sizeof(*nicks); i += 2) {
		sc_sendf(o, "NICK %s", nicks[i]);
		observer_sync();
		if (irc_casecmp(o->nick, nicks[i]) != 0)
			FAIL("nick %s is still taken after everyone left",
			    nicks[i]);
	}
	end_rss = proc_rss_kib(srv.pid);
	int fds = proc_fd_count(srv.pid);
	if (base_fds >= 0 && fds != base_fds)
		FAIL("natterd holds %d descriptors, %d before the clients came",
		    fds, base_fds);
	sc_close(o, false);
	alive_check();
	sanitizer_check();
stopped:;
	/* LeakSanitizer reports at exit, and nd_stop frees the log: wait
	 * for the exit and check the log first. */
	nd_kill(&srv, SIGTERM);
	int st = nd_wait(&srv, 10000);
	sanitizer_check();
	if (st != 0)
		FAIL("natterd exited %d after SIGTERM", st);
	nd_stop(&srv);
	if (opt_verbose)
		fprintf(stderr, "%s: seed %lu, %lu rounds, %lu lines (%lu "
		    "garbage), %lu labels answered, %lu closed by natterd, "
		    "%lu by clients, %lu resets before ERROR, %lu history lines; natterd's "
		    "RSS %ld KiB, %ld at the start\n", name, opt_seed,
		    round_no, stats.lines, stats.garbage, stats.labels,
		    stats.closed_by_server, stats.closed_by_us, stats.resets,
		    stats.replayed, end_rss, base_rss);
	memset(&stats, 0, sizeof(stats));
}

START_TEST(stress)
{
	const char *oper = nd_file("opers", "op secret\n", 0600);
	const char *motd = nd_file("motd", "Welcome, stress.\n\n"
	    "\xc3\xa9t\xc3\xa9 \xff\xfe invalid UTF-8\n", 0644);
	const char *db;
	char dbpath[512];

	rng = opt_seed * 0x9e3779b97f4a7c15ULL + 1;
	nclients = opt_clients;
	if (opt_trace != NULL && (trace = fopen(opt_trace, "w")) == NULL)
		ck_abort_msg("%s: %s", opt_trace, strerror(errno));

	/* A little fewer connections allowed than come. */
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", nclients - nclients / 8);

	/* Memory history, the smallest sendq (many a reply overruns it),
	 * no flood control, fewer connections allowed per address than
	 * come. */
	nd_untrusted = true;
	run_phase("memory", (const char *const[]){ "--sendq", "4096",
	    "--oper-file", oper, "--motd", motd, "--replay", "3",
	    "--max-per-ip", limit, "--max-unregistered", limit, NULL },
	    opt_seconds * 0.5, false);
	nd_untrusted = false;

	/* SQLite history, flood control, a short ping timeout (the
	 * registration timeout follows it), fewer clients allowed than
	 * come. */
	db = nd_file("history.db", "", 0600);
	snprintf(dbpath, sizeof(dbpath), "%s", db);
	unlink(dbpath);
	run_phase("sqlite", (const char *const[]){ "--db", dbpath,
	    "--sendq", "65536", "--flood", "200:30", "--ping-timeout", "3",
	    "--oper-file", oper, "--motd", motd, "--history-max", "50",
	    "--max-clients", limit, NULL }, opt_seconds * 0.4, false);

	/* The default sendq and SQLite again, stopped in the middle. */
	run_phase("shutdown", (const char *const[]){ "--db", dbpath,
	    "--oper-file", oper, NULL }, opt_seconds * 0.1, true);
	unlink(dbpath);
	for (const char *const *ext = (const char *const[]){ "-wal", "-shm",
	    "-journal", NULL }; *ext != NULL; ext++) {
		char p[600];
		snprintf(p, sizeof(p), "%s%s", dbpath, *ext);
		unlink(p);
	}
	nd_cleanup_files();
	if (trace != NULL)
		fclose(trace);
}
END_TEST

static void
usage(void)
{
	fprintf(stderr, "usage: stress_natterd [-v] [-c clients] [-o trace] "
	    "[-s seed] [-t seconds] [-w wait-seconds] [-x natterd-flags]\n");
	exit(64);
}

int
main(int argc, char *argv[])
{
	int ch, failed;

	while ((ch = getopt(argc, argv, "c:ho:s:t:vw:x:")) != -1) {
		switch (ch) {
		case 'c':
			opt_clients = atoi(optarg);
			if (opt_clients < 1 || opt_clients > CLIENTS_MAX)
				usage();
			break;
		case 'o':
			opt_trace = optarg;
			break;
		case 's':
			opt_seed = strtoul(optarg, NULL, 0);
			break;
		case 't':
			opt_seconds = atof(optarg);
			if (opt_seconds <= 0)
				usage();
			break;
		case 'v':
			opt_verbose++;
			break;
		case 'w':
			opt_wait = atoi(optarg);
			if (opt_wait < 1)
				usage();
			break;
		case 'x':
			opt_extra = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	printf("stress_natterd: seed %lu, %.1f s, %d clients\n", opt_seed,
	    opt_seconds, opt_clients);
	fflush(stdout);

	Suite *s = suite_create("stress_natterd");
	TCase *tc = tcase_create("stress");
	tcase_add_test(tc, stress);
	tcase_set_timeout(tc, opt_seconds + 4.0 * opt_wait + 60);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
