/*
 * Integration tests of natterd's history: durability across kill -9,
 * CHATHISTORY (every subcommand and reference type, errors, visibility),
 * retention, unusable databases, channel state across restarts and the
 * replay on JOIN, against the real natterd through tests/harness.c. And
 * whose history is whose: private history for its owners only, channels
 * that keep what guards them when they empty and across restarts,
 * INVITE, +s and --history-cutoff.
 */
#include <check.h>
#include <fcntl.h>
#include <regex.h>
#include <sqlite3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "irc.h"
#include "testlib.h"

#define T ND_TIMEOUT_MS
#define CAPS "batch draft/chathistory echo-message message-tags server-time"

static struct nd_server srv;
static char tmpdir[256];
static char dbpath[300];

static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/check_chathistory.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof(dbpath), "%s/state/history.db", tmpdir);
}

static void
teardown(void)
{
	char cmd[400];

	/* disk_full's tmpfs, should it have failed with it mounted. */
	snprintf(cmd, sizeof(cmd), "umount -q '%s/small' 2>/dev/null", tmpdir);
	if (system(cmd) != 0) {
		/* not mounted: the usual case */
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
start(const char *const *args)
{
	nd_start(&srv, args);
}

static void
stop(void)
{
	ck_assert_int_eq(nd_stop(&srv), 0);
}

/* kill -9, and make sure it is gone before the next start. */
static void
crash(void)
{
	nd_kill(&srv, SIGKILL);
	ck_assert_int_eq(nd_stop(&srv), -1);
}

/* The value of tag key in line (static buffer), "" when absent. */
static const char *
tag(const char *line, const char *key)
{
	static char val[128];
	size_t klen = strlen(key);

	val[0] = '\0';
	if (line[0] != '@')
		return val;
	const char *end = strchr(line, ' ');
	for (const char *p = line + 1; p != NULL && p < end;) {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, "; ");
			if (n >= sizeof(val))
				n = sizeof(val) - 1;
			memcpy(val, p + klen + 1, n);
			val[n] = '\0';
			return val;
		}
		p = strchr(p, ';');
		if (p != NULL)
			p++;
	}
	return val;
}

/* The text of a PRIVMSG line (after " :"), or the whole line. */
static const char *
text_of(const char *line)
{
	const char *p = strstr(line, " PRIVMSG ");
	if (p == NULL)
		return line;
	p = strstr(p, " :");
	return p != NULL ? p + 2 : line;
}

/* The msgid of the first line of the last batch history gathered. */
static char history_first[128];

/* Send a CHATHISTORY command and gather the batch that answers it: the
 * texts of its PRIVMSGs, space-separated, into out. Returns the count. */
static int
gather(struct nd_conn *c, char *out, size_t cap, const char *cmd,
    const char *type)
{
	char ref[64], end[80], re[80], *l;
	int n = 0;

	out[0] = '\0';
	nd_send(c, "%s", cmd);
	snprintf(re, sizeof(re), "BATCH \\+[^ ]+ %s", type);
	l = nd_expect_not(c, re, "FAIL", T);
	ck_assert_msg(l != NULL, "%s: no batch\n%s", cmd, nd_recent(c));
	sscanf(strstr(l, "BATCH +") + 7, "%63s", ref);
	free(l);
	snprintf(end, sizeof(end), "BATCH -%s", ref);
	while ((l = nd_line(c, T)) != NULL) {
		if (strstr(l, end) != NULL) {
			free(l);
			return n;
		}
		ck_assert_msg(strcmp(tag(l, "batch"), ref) == 0,
		    "line outside the batch: %s", l);
		ck_assert_msg(tag(l, "time")[0] != '\0', "no time: %s", l);
		ck_assert_msg(tag(l, "msgid")[0] != '\0', "no msgid: %s", l);
		if (n == 0)
			snprintf(history_first, sizeof(history_first), "%s",
			    tag(l, "msgid"));
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%s", len > 0 ? " " : "",
		    text_of(l));
		n++;
		free(l);
	}
	ck_abort_msg("%s: the batch never ended\n%s", cmd, nd_recent(c));
	return -1;
}

static int
history(struct nd_conn *c, char *out, size_t cap, const char *cmd)
{
	return gather(c, out, cap, cmd, "chathistory");
}

/* Send n PRIVMSGs "<prefix>i" to target and wait for every echo; the
 * msgids and times of the echoes go to ids and times when not NULL. */
static void
say(struct nd_conn *c, const char *target, const char *prefix, int n,
    char (*ids)[64], int64_t *times)
{
	char re[128];

	for (int i = 0; i < n; i += 100) {
		for (int j = i; j < n && j < i + 100; j++)
			nd_send(c, "PRIVMSG %s :%s%d", target, prefix, j);
		for (int j = i; j < n && j < i + 100; j++) {
			snprintf(re, sizeof(re), " PRIVMSG %s :%s%d$", target,
			    prefix, j);
			char *l = nd_expect(c, re, T);
			ck_assert_msg(l != NULL, "no echo of %s%d\n%s", prefix,
			    j, nd_recent(c));
			if (ids != NULL)
				snprintf(ids[j], sizeof(ids[j]), "%s",
				    tag(l, "msgid"));
			if (times != NULL)
				ck_assert(time_parse(tag(l, "time"),
				    &times[j]));
			free(l);
		}
	}
}

/* Every message whose echo its sender saw survives kill -9. */
START_TEST(durable_kill9)
{
	const char *args[] = { "-d", dbpath, NULL };
	char *got = malloc(16384), want[16384] = "";

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#d");
	say(a, "#d", "line", 1000, NULL, NULL);
	crash();
	nd_close(a);

	start(args);
	struct nd_conn *b = nd_joined(&srv, "bob", CAPS, "#d");
	ck_assert_int_eq(history(b, got, 16384,
	    "CHATHISTORY LATEST #d * 1000"), 1000);
	for (int i = 0; i < 1000; i++) {
		size_t len = strlen(want);
		snprintf(want + len, sizeof(want) - len, "%sline%d",
		    i ? " " : "", i);
	}
	ck_assert_str_eq(got, want);
	nd_close(b);
	stop();
	free(got);
}
END_TEST

/* Preload tests/fsync-shim.so into the next natterd, acting on files in
 * tmpdir, with one more setting (name=value); NULL takes it away. */
static void
shim(const char *setting)
{
	static char asan[512];
	const char *lib = getenv("FSYNC_SHIM");
	const char *old = getenv("ASAN_OPTIONS");

	ck_assert_msg(lib != NULL, "FSYNC_SHIM is not set (run under make"
	    " check)");
	unsetenv("SHIM_DURABLE");
	unsetenv("SHIM_GATE");
	if (setting == NULL) {
		unsetenv("LD_PRELOAD");
		unsetenv("SHIM_DIR");
		return;
	}
	setenv("LD_PRELOAD", lib, 1);
	setenv("SHIM_DIR", tmpdir, 1);
	/* The sanitizers' runtime wants to come first in the preload list;
	 * the shim has nothing for them to check. */
	if (old == NULL || strstr(old, "verify_asan_link_order") == NULL) {
		snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0",
		    old != NULL ? old : "", old != NULL && *old ? ":" : "");
		setenv("ASAN_OPTIONS", asan, 1);
	}
	char name[64];
	const char *eq = strchr(setting, '=');
	snprintf(name, sizeof(name), "%.*s", (int)(eq - setting), setting);
	setenv(name, eq + 1, 1);
}

/* What a power cut right now would leave of path: its content at its
 * last fsync (the shim's .durable copy), or nothing if it never had one. */
static void
power_cut(const char *path)
{
	char durable[400];

	snprintf(durable, sizeof(durable), "%s.durable", path);
	if (rename(durable, path) == -1)
		ck_assert_int_eq(truncate(path, 0), 0);
}

/* A pulled plug: every message whose echo its sender saw was fsynced
 * first (--sync full, the default), so it is there after the reboot. */
START_TEST(durable_power_cut)
{
	const char *args[] = { "-d", dbpath, NULL };
	char *got = malloc(16384), want[16384] = "", path[400];

	shim("SHIM_DURABLE=1");
	start(args);
	shim(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#p");
	say(a, "#p", "line", 300, NULL, NULL);
	crash();
	nd_close(a);
	power_cut(dbpath);
	snprintf(path, sizeof(path), "%s-wal", dbpath);
	power_cut(path);
	snprintf(path, sizeof(path), "%s-shm", dbpath);
	unlink(path);	/* memory, rebuilt from the WAL */

	start(args);
	struct nd_conn *b = nd_joined(&srv, "bob", CAPS, "#p");
	ck_assert_int_eq(history(b, got, 16384,
	    "CHATHISTORY LATEST #p * 1000"), 300);
	for (int i = 0; i < 300; i++) {
		size_t len = strlen(want);
		snprintf(want + len, sizeof(want) - len, "%sline%d",
		    i ? " " : "", i);
	}
	ck_assert_str_eq(got, want);
	nd_close(b);
	stop();
	free(got);
}
END_TEST

/*
 * A disk that does not answer: the message waits, unseen, for its
 * commit, while the server goes on serving everyone else; once the disk
 * answers, it reaches its channel, before what its readers asked later.
 */
START_TEST(stalled_disk)
{
	const char *args[] = { "-d", dbpath, NULL };
	char gate[300], setting[320];

	snprintf(gate, sizeof(gate), "%s/gate", tmpdir);
	snprintf(setting, sizeof(setting), "SHIM_GATE=%s", gate);
	shim(setting);
	start(args);
	shim(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#s");
	struct nd_conn *b = nd_joined(&srv, "bob", CAPS, "#s");
	struct nd_conn *c = nd_register(&srv, "carol", "message-tags");
	FILE *f = fopen(gate, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);

	nd_send(a, "PRIVMSG #s :waits for the disk");
	/* Not stored, so carol gets it at once: alice's PRIVMSG, before it,
	 * has been run and its pass flushed. */
	nd_send(a, "@+typing=active TAGMSG carol");
	ND_EXPECT(c, "typing=active :alice![^ ]+ TAGMSG carol$");
	char *l = nd_line(b, 0);
	ck_assert_msg(l == NULL, "relayed before it was stored: %s", l);
	nd_send(b, "PING :after");
	nd_sync(c);	/* everyone else is served */
	nd_sync(c);

	ck_assert_int_eq(unlink(gate), 0);
	l = nd_expect_not(b, " PRIVMSG #s :waits for the disk$", "PONG", T);
	ck_assert_msg(l != NULL, "%s", nd_recent(b));
	free(l);
	ND_EXPECT(b, "PONG .*after");
	ND_EXPECT(a, " PRIVMSG #s :waits for the disk$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	stop();
}
END_TEST

/* A labeled message's echo waits for the store like any other copy of
 * it, and still carries its label. */
START_TEST(labeled_echo)
{
	const char *args[] = { "-d", dbpath, NULL };

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS " labeled-response", "#l");
	struct nd_conn *b = nd_joined(&srv, "bob", "labeled-response", "#l");
	nd_send(a, "@label=one PRIVMSG #l :hi");
	ND_EXPECT(a, "^@label=one;[^ ]* :alice![^ ]+ PRIVMSG #l :hi$");
	nd_send(b, "@label=two PRIVMSG #l :yo");
	ND_EXPECT(b, "^@label=two :test\\.server ACK$");
	ND_EXPECT(a, " PRIVMSG #l :yo$");
	nd_close(a);
	nd_close(b);
	stop();
}
END_TEST

/*
 * History that would be turned against its readers: a hundred lines with
 * 4 KiB of client tags each, then a hundred long lines, with a small
 * sendq. Only the tags history keeps are stored (+draft/reply), and a
 * reply takes what the reader's sendq can hold, the newest first, so
 * LATEST drops nobody; the reader pages back for the rest.
 */
START_TEST(poisoned_tags)
{
	const char *args[] = { "-d", dbpath, "--sendq", "65536", NULL };
	static char big[4001], line[8192];
	char got[65536], ref[160], *l;

	memset(big, 'A', sizeof(big) - 1);
	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", NULL, "#z");
	for (int i = 0; i < 100; i++)
		nd_send(a, "@+x=%s;+draft/reply=r%d PRIVMSG #z :tagged%d",
		    big, i, i);
	nd_sync(a);
	struct nd_conn *b = nd_joined(&srv, "bob", CAPS, "#z");
	ck_assert_int_eq(history(b, got, sizeof(got),
	    "CHATHISTORY LATEST #z * 100"), 100);
	nd_send(b, "CHATHISTORY LATEST #z * 1");
	l = nd_expect(b, " PRIVMSG #z :tagged99$", T);
	ck_assert_ptr_nonnull(l);
	ck_assert_msg(strstr(l, "+draft/reply=r99") != NULL, "%s", l);
	ck_assert_msg(strstr(l, "+x=") == NULL, "%s", l);
	free(l);
	ND_EXPECT(b, "BATCH -");

	/* Long lines: more than half the sendq in one reply. */
	memset(line, 'L', 400);
	line[400] = '\0';
	for (int i = 0; i < 100; i++)
		nd_send(a, "PRIVMSG #z :long%d %s", i, line);
	nd_sync(a);
	int n = 0, pages = 0;
	for (;;) {
		char cmd[256];
		if (pages == 0)
			snprintf(cmd, sizeof(cmd), "CHATHISTORY LATEST #z * 100");
		else
			snprintf(cmd, sizeof(cmd), "CHATHISTORY BEFORE #z %s 100",
			    ref);
		int k = history(b, got, sizeof(got), cmd);
		ck_assert_int_gt(k, 0);
		ck_assert_int_lt(k, 100);	/* cut short: half of 64 KiB */
		if (pages == 0)
			ck_assert_ptr_nonnull(strstr(got, "long99 "));
		/* The long lines of this page, oldest first: no gap. */
		const char *p = strstr(got, "long");
		int oldest = -1, longs = 0;
		if (p != NULL)
			ck_assert_int_eq(sscanf(p, "long%d", &oldest), 1);
		for (; p != NULL; p = strstr(p + 4, " long"))
			longs++;
		n += longs;
		if (oldest >= 0)
			ck_assert_int_eq(oldest, 100 - n);
		snprintf(ref, sizeof(ref), "msgid=%s", history_first);
		ck_assert_int_lt(++pages, 20);
		if (n == 100 || longs < k)
			break;	/* back at the tagged lines */
	}
	ck_assert_int_eq(n, 100);
	nd_send(b, "PING :alive");
	ND_EXPECT(b, "PONG .*alive");
	nd_close(a);
	nd_close(b);
	stop();
}
END_TEST

/* CHATHISTORY costs flood tokens by its limit: a 1000-row request
 * under --flood 100:5 (10 ms a token) holds the next line back for
 * about a second (100 tokens). Only a lower bound: load can only add. */
START_TEST(chathistory_tokens)
{
	const char *args[] = { "--flood", "100:5", NULL };

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#k");
	int64_t t0 = time_mono_ms();
	nd_send(a, "CHATHISTORY LATEST #k * 1000");
	nd_send(a, "PING :held");
	ND_EXPECT(a, "PONG .*held");
	int64_t waited = time_mono_ms() - t0;
	ck_assert_msg(waited >= 800, "the next line waited %lld ms",
	    (long long)waited);
	nd_close(a);
	stop();
}
END_TEST

/*
 * SEARCH (soju.im/search) finds only what its asker may read: channels
 * it is in, its own conversations; in both stores.
 */
START_TEST(search_visibility)
{
	const char *file[] = { "-d", dbpath, NULL };
	char got[1024];

	start(_i == 0 ? NULL : file);
	const char *caps = CAPS " soju.im/search";
	struct nd_conn *a = nd_joined(&srv, "alice", caps, "#a");
	struct nd_conn *b = nd_joined(&srv, "bob", caps, "#a");
	struct nd_conn *c = nd_joined(&srv, "carol", caps, "#b");
	struct nd_conn *d = nd_register(&srv, "dave", caps);
	say(b, "#a", "apple pie ", 1, NULL, NULL);
	say(c, "#b", "apple tart ", 1, NULL, NULL);
	say(b, "alice", "Apple crumble ", 1, NULL, NULL);
	say(c, "dave", "apple juice ", 1, NULL, NULL);
	say(b, "#a", "banana ", 1, NULL, NULL);
	say(b, "#a", "pineapple ", 1, NULL, NULL);

#define FIND(who, want, ...) do { \
	char cmd_[256]; \
	snprintf(cmd_, sizeof(cmd_), __VA_ARGS__); \
	gather(who, got, sizeof(got), cmd_, "soju\\.im/search"); \
	ck_assert_msg(strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", \
	    cmd_, got, want); \
} while (0)
	/* Whole words, any case; #b and carol's conversations are not
	 * alice's to search. */
	FIND(a, "apple pie 0 Apple crumble 0", "SEARCH text=apple");
	FIND(a, "apple pie 0 banana 0 pineapple 0", "SEARCH in=#a");
	FIND(a, "Apple crumble 0", "SEARCH text=APPLE;from=Bob;limit=1");
	FIND(a, "Apple crumble 0", "SEARCH in=bob;text=crumble");
	FIND(a, "", "SEARCH text=tart");
	FIND(a, "", "SEARCH text=juice");
	FIND(a, "", "SEARCH in=dave");
	FIND(c, "apple tart 0 apple juice 0", "SEARCH text=apple");
	FIND(d, "apple juice 0", "SEARCH text=apple");
	FIND(a, "", "SEARCH text=apple;before=2000-01-01T00:00:00.000Z");
	FIND(a, "apple pie 0", "SEARCH text=apple\\spie");
	nd_send(a, "SEARCH in=#b;text=apple");
	ND_EXPECT(a, "FAIL SEARCH INVALID_PARAMS in ");
	nd_send(a, "SEARCH after=yesterday");
	ND_EXPECT(a, "FAIL SEARCH INVALID_PARAMS after ");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	nd_close(d);
	stop();
}
END_TEST

/*
 * SEARCH reads a channel from where CHATHISTORY does: under
 * --history-cutoff join, and in a +i channel whatever the flag, a member
 * finds nothing said before its JOIN, with in= or without.
 */
START_TEST(search_cutoff)
{
	const char *mem[] = { "--history-cutoff", "join", NULL };
	const char *file[] = { "--history-cutoff", "join", "-d", dbpath, NULL };
	const char *caps = CAPS " soju.im/search";
	char got[1024];

	start(_i == 0 ? mem : file);
	struct nd_conn *a = nd_joined(&srv, "alice", caps, "#pub");
	say(a, "#pub", "apple before ", 1, NULL, NULL);
	struct nd_conn *b = nd_joined(&srv, "bob", caps, "#pub");
	say(a, "#pub", "apple after ", 1, NULL, NULL);
	FIND(b, "apple after 0", "SEARCH text=apple");
	FIND(b, "apple after 0", "SEARCH in=#pub");
	FIND(b, "apple after 0", "SEARCH in=#pub;text=apple;from=alice");
	FIND(a, "apple before 0 apple after 0", "SEARCH text=apple");
	nd_close(a);
	nd_close(b);
	stop();

	start(_i == 0 ? NULL : file + 2);
	a = nd_joined(&srv, "alice", caps, "#inv");
	nd_send(a, "MODE #inv +i");
	ND_EXPECT(a, " MODE #inv \\+i$");
	say(a, "#inv", "pear before ", 1, NULL, NULL);
	b = nd_register(&srv, "bob", caps);
	nd_send(a, "INVITE bob #inv");
	ND_EXPECT(b, " INVITE bob #inv$");
	nd_send(b, "JOIN #inv");
	ND_EXPECT(b, " 366 bob #inv ");
	say(a, "#inv", "pear after ", 1, NULL, NULL);
	FIND(b, "pear after 0", "SEARCH text=pear");
	FIND(b, "pear after 0", "SEARCH in=#inv");
	nd_close(a);
	nd_close(b);
	stop();
}
END_TEST

/*
 * A burst faster than the disk (each fsync 20 ms longer): natterd stops
 * reading while a thousand messages wait for it, so what waits in each
 * reader's queue stays far below the sendq, and nobody is dropped.
 */
START_TEST(burst_backpressure)
{
	const char *args[] = { "-d", dbpath, NULL };
	static char line[512];

	shim("SHIM_DELAY_US=20000");
	start(args);
	shim(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", NULL, "#s");
	struct nd_conn *b = nd_joined(&srv, "bob", NULL, "#s");
	memset(line, 'x', 400);
	for (int i = 0; i < 3000; i++)
		nd_send(a, "PRIVMSG #s :%d %s", i, line);
	for (int i = 0; i < 3000; i++) {
		char re[32];
		snprintf(re, sizeof(re), "PRIVMSG #s :%d x", i);
		char *l = nd_expect(b, re, 15000);
		ck_assert_msg(l != NULL, "%d: %s", i, nd_recent(b));
		free(l);
	}
	ck_assert_ptr_null(strstr(nd_log(&srv), "SendQ"));
	nd_close(a);
	nd_close(b);
	stop();
}
END_TEST

/*
 * A slow disk (each fsync 200 ms longer) under senders faster than it:
 * eight members send 150 messages each, with 4000 bytes of client tags,
 * all at once. Only they wait for the disk (the held output of messages
 * not stored yet is bounded in bytes, not only in messages): an
 * observer's PINGs are answered in less than one fsync all along; a
 * member who reads with message-tags, holding each message until it is
 * stored, is never near its sendq and gets all 1200; and natterd grows
 * by a few MiB, not by what was sent.
 */
START_TEST(slow_disk_flood)
{
	enum { SENDERS = 8, EACH = 150, PING_MAX_MS = 200 };
	const char *args[] = { "-d", dbpath, NULL };
	static char tags[4001];
	struct nd_conn *snd[SENDERS];

	nd_small_quarantine();
	shim("SHIM_DELAY_US=200000");
	start(args);
	shim(NULL);
	memset(tags, 't', sizeof(tags) - 1);
	struct nd_conn *rd = nd_joined(&srv, "reader", "message-tags", "#s");
	struct nd_conn *obs = nd_register(&srv, "observer", NULL);
	for (int i = 0; i < SENDERS; i++) {
		char nick[16];
		snprintf(nick, sizeof(nick), "sender%d", i);
		snd[i] = nd_joined(&srv, nick, NULL, "#s");
	}
	nd_sync(rd);
	long before = proc_rss_kib(srv.pid), peak = before, worst = 0;
	for (int k = 0; k < EACH; k++)
		for (int i = 0; i < SENDERS; i++)
			nd_send(snd[i], "@+draft/reply=%s PRIVMSG #s :m%d", tags,
			    i * EACH + k);
	int got = 0;
	long long deadline = time_mono_ms() + 60000;
	while (got < SENDERS * EACH && time_mono_ms() < deadline) {
		char *l;
		while ((l = nd_line(rd, 0)) != NULL) {
			got += strstr(l, " PRIVMSG #s :m") != NULL;
			free(l);
		}
		ck_assert_msg(!rd->eof, "the reader was closed: %s\n%s",
		    nd_recent(rd), nd_log(&srv));
		for (int i = 0; i < SENDERS; i++)
			while ((l = nd_line(snd[i], 0)) != NULL)
				free(l);
		long ms = nd_ping_ms(obs);
		worst = ms > worst ? ms : worst;
		long rss = proc_rss_kib(srv.pid);
		peak = rss > peak ? rss : peak;
	}
	fprintf(stderr, "slow_disk_flood: %d of %d; slowest PING %ld ms; "
	    "RSS %ld KiB, peak %ld (+%ld)\n", got, SENDERS * EACH, worst,
	    before, peak, peak - before);
	ck_assert_int_eq(got, SENDERS * EACH);
	ck_assert_ptr_null(strstr(nd_log(&srv), "SendQ"));
	ck_assert_msg(worst < PING_MAX_MS, "a PING took %ld ms", worst);
	ck_assert_msg(peak - before < 32 * 1024, "natterd grew by %ld KiB",
	    peak - before);
	for (int i = 0; i < SENDERS; i++)
		nd_close(snd[i]);
	nd_close(rd);
	nd_close(obs);
	stop();
}
END_TEST

/*
 * --max-output counts what waits for the disk too, but those who read
 * are not dropped for it: four members who read with message-tags each
 * hold about 1 MiB of long-tagged messages, half of it waiting for slow
 * commits, far over a 256 KiB --max-output; none is dropped and each
 * gets every message. One that never reads is, once what it was sent
 * sits unread.
 */
START_TEST(max_output_held)
{
	enum { READERS = 4, MSGS = 250 };
	const char *args[] = { "-d", dbpath, "--max-output", "256k", NULL };
	static char tags[4001];
	struct nd_conn *rd[READERS];
	int got[READERS] = { 0 }, all = 0;

	shim("SHIM_DELAY_US=200000");
	start(args);
	shim(NULL);
	memset(tags, 't', sizeof(tags) - 1);
	for (int i = 0; i < READERS; i++) {
		char nick[16];
		snprintf(nick, sizeof(nick), "reader%d", i);
		rd[i] = nd_joined(&srv, nick, "message-tags", "#s");
	}
	struct nd_conn *idle = nd_register_nonreader(&srv, "idle");
	nd_send(idle, "CAP REQ message-tags");
	nd_send(idle, "JOIN #s");
	nd_sync(idle);
	struct nd_conn *a = nd_joined(&srv, "alice", NULL, "#s");
	for (int k = 0; k < MSGS; k++)
		nd_send(a, "@+draft/reply=%s PRIVMSG #s :m%d", tags, k);
	long long deadline = time_mono_ms() + 60000;
	while (all < READERS * MSGS && time_mono_ms() < deadline) {
		for (int i = 0; i < READERS; i++) {
			char *l = nd_line(rd[i], 20);
			for (; l != NULL; l = nd_line(rd[i], 0)) {
				if (strstr(l, " PRIVMSG #s :m") != NULL) {
					got[i]++;
					all++;
				}
				free(l);
			}
			ck_assert_msg(!rd[i]->eof, "reader%d was closed: %s",
			    i, nd_log(&srv));
		}
		char *l;
		while ((l = nd_line(a, 0)) != NULL)
			free(l);
	}
	for (int i = 0; i < READERS; i++)
		ck_assert_int_eq(got[i], MSGS);
	ck_assert_msg(nd_log_wait(&srv, "idle \\(127\\.0\\.0\\.1\\): SendQ exceeded",
	    T), "%s", nd_log(&srv));
	for (int i = 0; i < READERS; i++) {
		char who[32];
		snprintf(who, sizeof(who), "reader%d (", i);
		ck_assert_msg(strstr(nd_log(&srv), who) == NULL, "%s",
		    nd_log(&srv));
		nd_close(rd[i]);
	}
	nd_close(idle);
	nd_close(a);
	stop();
}
END_TEST

/* One server per database: the second names the first. */
START_TEST(second_instance)
{
	const char *args[] = { "-d", dbpath, NULL };
	struct nd_server other;
	char want[64];

	start(args);
	ck_assert_int_eq(nd_start_fail(&other, args), 1);
	snprintf(want, sizeof(want), "in use by another natterd (pid %d",
	    (int)srv.pid);
	ck_assert_msg(strstr(nd_log(&other), want) != NULL, "%s",
	    nd_log(&other));
	nd_stop(&other);
	/* The first goes on storing. */
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#i");
	say(a, "#i", "still", 1, NULL, NULL);
	char got[64];
	ck_assert_int_eq(history(a, got, sizeof(got),
	    "CHATHISTORY LATEST #i * 10"), 1);
	nd_close(a);
	stop();
	/* And once it is gone, the next one starts. */
	start(args);
	stop();
}
END_TEST

/*
 * A full disk (a small tmpfs): messages are refused, not relayed unstored;
 * IRCv3 senders get a FAIL, others a NOTICE; the cause is logged once;
 * when space returns the server recovers by itself. Mounting needs root.
 */
START_TEST(disk_full)
{
	char dir[300], db[340], filler[340], cmd[400];
	const char *args[] = { "-d", db, NULL };

	if (geteuid() != 0) {
		fprintf(stderr, "disk_full: skipped, mounting a tmpfs needs"
		    " root\n");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/small", tmpdir);
	snprintf(db, sizeof(db), "%s/history.db", dir);
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(cmd, sizeof(cmd), "mount -t tmpfs -o size=2m tmpfs '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#f");
	struct nd_conn *b = nd_joined(&srv, "bob", CAPS, "#f");
	struct nd_conn *c = nd_joined(&srv, "carol", NULL, "#f");
	say(a, "#f", "before", 10, NULL, NULL);
	/* Fill what is left. */
	int fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	static char block[65536];
	while (write(fd, block, sizeof(block)) > 0)
		;
	close(fd);

	/* What room is left in the database's own files (free pages, the
	 * WAL) still takes messages, as much as the last write left: say
	 * lines one at a time until the first is refused. */
	int room = 0;
	char *l;
	for (;; room++) {
		ck_assert_msg(room < 5000, "never refused");
		nd_send(a, "PRIVMSG #f :room%d %0400d", room, 0);
		l = nd_expect(a, " PRIVMSG #f :room| FAIL PRIVMSG", T);
		ck_assert_ptr_nonnull(l);
		bool refused = strstr(l, " FAIL ") != NULL;
		free(l);
		if (refused)
			break;
	}
	/* Now the disk is full: every message is refused. */
	for (int i = 0; i < 50; i++)
		nd_send(a, "PRIVMSG #f :refused %d %0400d", i, 0);
	ND_EXPECT(a, "^:test\\.server FAIL PRIVMSG TEMPORARILY_UNAVAILABLE"
	    " #f :");
	nd_send(c, "PRIVMSG #f :refused too");
	ND_EXPECT(c, "^:test\\.server NOTICE carol :Your message to #f was"
	    " not delivered");
	/* One FAIL a message. */
	for (int i = 1; i < 50; i++)
		ND_EXPECT(a, " FAIL PRIVMSG TEMPORARILY_UNAVAILABLE #f :");
	/* What was stored was relayed, what was refused was not. */
	if (room > 0) {
		char re[32];
		snprintf(re, sizeof(re), "PRIVMSG #f :room%d ", room - 1);
		l = nd_expect(b, re, T);
		ck_assert_msg(l != NULL, "%s", nd_recent(b));
		free(l);
	}
	nd_send(b, "PING :barrier");
	l = nd_expect_not(b, "PONG .*barrier", "refused", T);
	ck_assert_msg(l != NULL, "%s", nd_recent(b));
	free(l);
	const char *log = nd_log(&srv);
	const char *first = strstr(log, "cannot store messages");
	ck_assert_msg(first != NULL, "%s", log);
	ck_assert_ptr_null(strstr(first + 1, "cannot store messages"));

	/* Space returns: within the retry pause messages are refused
	 * without trying, so ask at most twice a second. */
	ck_assert_int_eq(unlink(filler), 0);
	bool back = false;
	for (int i = 0; i < 40 && !back; i++) {
		nd_send(a, "PRIVMSG #f :back");
		l = nd_expect(a, " PRIVMSG #f :back$| FAIL PRIVMSG", T);
		ck_assert_ptr_nonnull(l);
		back = strstr(l, "FAIL") == NULL;
		free(l);
		if (!back)
			nd_log_wait(&srv, "works again", 500);
	}
	ck_assert_msg(back, "never recovered\n%s", nd_log(&srv));
	ND_EXPECT(b, " PRIVMSG #f :back$");
	ck_assert(nd_log_wait(&srv, "works again", T));
	char got[1024], want[64];
	history(b, got, sizeof(got), "CHATHISTORY LATEST #f * 2");
	if (room > 0)
		snprintf(want, sizeof(want), "room%d ", room - 1);
	else
		snprintf(want, sizeof(want), "before9 back");
	ck_assert_msg(strncmp(got, want, strlen(want)) == 0 &&
	    strcmp(got + strlen(got) - 5, " back") == 0, "%s", got);
	nd_close(a);
	nd_close(b);
	nd_close(c);
	stop();
	snprintf(cmd, sizeof(cmd), "umount '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static void
ts(char *buf, size_t cap, int64_t ms)
{
	char stamp[IRC_TIME_LEN + 1];
	time_format(stamp, sizeof(stamp), ms);
	snprintf(buf, cap, "timestamp=%s", stamp);
}

/*
 * A client finds what it has just said: a history query on the heels of
 * its own message (no echo-message to wait for) waits for that message's
 * commit, a slow one here, rather than answer without it. A private
 * message and a SEARCH alike; and so does a REDACT's deletion.
 */
START_TEST(reads_own_writes)
{
	const char *args[] = { "-d", dbpath, NULL };
	const char *caps = "batch draft/chathistory message-tags server-time"
	    " soju.im/search draft/message-redaction";
	char got[256];

	shim("SHIM_DELAY_US=200000");
	start(args);
	shim(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", caps, "#r");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	nd_send(a, "PRIVMSG #r :first words");
	history(a, got, sizeof(got), "CHATHISTORY LATEST #r * 10");
	ck_assert_str_eq(got, "first words");
	nd_send(a, "PRIVMSG bob :psst");
	history(a, got, sizeof(got), "CHATHISTORY LATEST bob * 10");
	ck_assert_str_eq(got, "psst");
	nd_send(a, "PRIVMSG #r :second words");
	gather(a, got, sizeof(got), "SEARCH in=#r;text=second",
	    "soju\\.im/search");
	ck_assert_str_eq(got, "second words");
	/* bob read nothing he was not sent, and got what he was. */
	ND_EXPECT(b, " PRIVMSG bob :psst$");
	history(a, got, sizeof(got), "CHATHISTORY LATEST #r * 1");
	nd_send(a, "REDACT #r %s", history_first);
	history(a, got, sizeof(got), "CHATHISTORY LATEST #r * 10");
	ck_assert_str_eq(got, "first words");
	nd_close(a);
	nd_close(b);
	stop();
}
END_TEST

START_TEST(subcommands)
{
	char ids[10][64], cmd[256], got[1024], lo[64], hi[64];
	int64_t times[10];

	start(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#c");
	say(a, "#c", "m", 10, ids, times);
	ts(lo, sizeof(lo), times[0] - 1);
	ts(hi, sizeof(hi), times[9] + 1);
#define Q(want, ...) do { \
	snprintf(cmd, sizeof(cmd), __VA_ARGS__); \
	history(a, got, sizeof(got), cmd); \
	ck_assert_msg(strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", \
	    cmd, got, want); \
} while (0)
	Q("m7 m8 m9", "CHATHISTORY LATEST #c * 3");
	Q("m6 m7 m8 m9", "CHATHISTORY LATEST #c msgid=%s 10", ids[5]);
	Q("m8 m9", "CHATHISTORY LATEST #c msgid=%s 2", ids[5]);
	Q("m8 m9", "CHATHISTORY LATEST #C %s 2", lo);
	Q("m3 m4", "CHATHISTORY BEFORE #c msgid=%s 2", ids[5]);
	Q("m7 m8 m9", "CHATHISTORY BEFORE #c %s 3", hi);
	Q("", "CHATHISTORY BEFORE #c %s 3", lo);
	Q("m6 m7", "CHATHISTORY AFTER #c msgid=%s 2", ids[5]);
	Q("m0 m1", "CHATHISTORY AFTER #c %s 2", lo);
	Q("", "CHATHISTORY AFTER #c %s 2", hi);
	Q("m4 m5 m6", "CHATHISTORY AROUND #c msgid=%s 3", ids[5]);
	Q("m5", "CHATHISTORY AROUND #c msgid=%s 1", ids[5]);
	Q("m9", "CHATHISTORY AROUND #c %s 2", hi);
	Q("m0", "CHATHISTORY AROUND #c %s 2", lo);
	Q("m2 m3 m4", "CHATHISTORY BETWEEN #c msgid=%s msgid=%s 10", ids[1],
	    ids[5]);
	Q("m6 m7", "CHATHISTORY BETWEEN #c msgid=%s msgid=%s 2", ids[8],
	    ids[2]);
	Q("m0 m1 m2 m3 m4 m5 m6 m7 m8 m9",
	    "CHATHISTORY BETWEEN #c %s %s 100", lo, hi);
	Q("m8 m9", "CHATHISTORY BETWEEN #c %s %s 2", hi, lo);
	Q("m1 m2 m3 m4 m5 m6 m7 m8 m9",
	    "CHATHISTORY BETWEEN #c msgid=%s %s 100", ids[0], hi);
	/* An unknown msgid selects nothing: an empty batch. */
	Q("", "CHATHISTORY BEFORE #c msgid=nosuchid 10");
	/* Lower-case subcommands too; limits past the maximum are capped. */
	Q("m9", "chathistory latest #c * 1");
	Q("m0 m1 m2 m3 m4 m5 m6 m7 m8 m9", "CHATHISTORY LATEST #c * 99999");

	/* TARGETS: the channel with its latest time, in a targets batch. */
	snprintf(cmd, sizeof(cmd), "CHATHISTORY TARGETS %s %s 10", lo, hi);
	nd_send(a, "%s", cmd);
	ND_EXPECT(a, "BATCH \\+[^ ]+ draft/chathistory-targets$");
	char re[128], stamp[IRC_TIME_LEN + 1];
	time_format(stamp, sizeof(stamp), times[9]);
	snprintf(re, sizeof(re), "^@batch=[^ ]+ :test\\.server CHATHISTORY"
	    " TARGETS #c %s$", stamp);
	ND_EXPECT(a, re);
	ND_EXPECT(a, "BATCH -");
	nd_close(a);
	stop();
#undef Q
}
END_TEST

START_TEST(advertised)
{
	start(NULL);
	struct nd_conn *c = nd_connect(&srv);
	nd_send(c, "CAP LS 302");
	ND_EXPECT(c, "CAP \\* LS :.*draft/chathistory");
	nd_send(c, "CAP END");
	nd_send(c, "NICK zed");
	nd_send(c, "USER z 0 * :Zed");
	ND_EXPECT(c, " 005 zed .*CHATHISTORY=1000");
	nd_close(c);
	c = nd_register(&srv, "yan", NULL);
	nd_send(c, "VERSION");
	ND_EXPECT(c, " 005 yan .*MSGREFTYPES=msgid,timestamp");
	nd_close(c);
	stop();
}
END_TEST

START_TEST(errors)
{
	start(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#c");
#define FAILS(re, ...) do { \
	nd_send(a, __VA_ARGS__); \
	ND_EXPECT(a, "^:test\\.server FAIL CHATHISTORY " re); \
} while (0)
	FAILS("NEED_MORE_PARAMS \\* :", "CHATHISTORY");
	FAILS("UNKNOWN_COMMAND FOO :Unknown command$",
	    "CHATHISTORY FOO #c * 10");
	FAILS("NEED_MORE_PARAMS LATEST :", "CHATHISTORY LATEST #c *");
	FAILS("NEED_MORE_PARAMS BETWEEN :", "CHATHISTORY BETWEEN #c * 10");
	FAILS("INVALID_PARAMS LATEST :", "CHATHISTORY LATEST #c * 10 11");
	FAILS("INVALID_PARAMS BEFORE :", "CHATHISTORY BEFORE #c * 10");
	FAILS("INVALID_PARAMS LATEST :", "CHATHISTORY LATEST #c * ten");
	FAILS("INVALID_PARAMS LATEST :", "CHATHISTORY LATEST #c * 0");
	FAILS("INVALID_PARAMS AFTER :",
	    "CHATHISTORY AFTER #c timestamp=yesterday 10");
	FAILS("INVALID_PARAMS AFTER :", "CHATHISTORY AFTER #c id=1 10");
	FAILS("INVALID_PARAMS TARGETS :",
	    "CHATHISTORY TARGETS msgid=a timestamp=2020-01-01T00:00:00.000Z 5");
	FAILS("NEED_MORE_PARAMS TARGETS :", "CHATHISTORY TARGETS *");
	FAILS("INVALID_TARGET LATEST #nowhere :Messages could not be"
	    " retrieved$", "CHATHISTORY LATEST #nowhere * 10");
	FAILS("INVALID_TARGET LATEST b,c :", "CHATHISTORY LATEST b,c * 10");
	/* Still fine afterwards. */
	char got[64];
	ck_assert_int_eq(history(a, got, sizeof(got),
	    "CHATHISTORY LATEST #c * 10"), 0);
	nd_close(a);
	stop();
#undef FAILS
}
END_TEST

/* Random mixes of good and bad pieces: every line gets one answer (a
 * batch or a FAIL), and the server stays up. */
START_TEST(hostile)
{
	static const char *const subs[] = { "LATEST", "BEFORE", "AFTER",
	    "AROUND", "BETWEEN", "TARGETS", "latest", "", "X", "BEFORE\001" };
	static const char *const targets[] = { "#h", "#H", "bob", "*", "#",
	    "nobody", ",", "#h,#h", "\xff\xfe", "a:b" };
	static const char *const refs[] = { "*", "msgid=", "msgid=x",
	    "timestamp=", "timestamp=2020-13-45T99:99:99.999Z",
	    "timestamp=2020-01-01T00:00:00.000Z", "timestamp=-1",
	    "msgid=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "timestamp=9999-12-31T23:59:59.999Z", "=" };
	static const char *const limits[] = { "1", "0", "-1", "1000000000000",
	    "2147483648", "x", "", "5 6", "1000", "010" };
	unsigned seed = 1;
	char got[8192];

	start(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#h");
	say(a, "#h", "h", 20, NULL, NULL);
	for (int i = 0, answered = 0; i < 300; i++) {
		int r[5];
		for (int j = 0; j < 5; j++)
			r[j] = rand_r(&seed) % 10;
		nd_send(a, "CHATHISTORY %s %s %s %s %s", subs[r[0]],
		    targets[r[1]], refs[r[2]], r[4] < 5 ? refs[r[3]] : "",
		    limits[r[3]]);
		if (i % 50 != 49)
			continue;
		nd_send(a, "PING :round%d", i);
		char *l, pong[32];
		snprintf(pong, sizeof(pong), "PONG .*round%d", i);
		regex_t rx;
		ck_assert_int_eq(regcomp(&rx, pong, REG_EXTENDED | REG_NOSUB),
		    0);
		while ((l = nd_line(a, T)) != NULL &&
		    regexec(&rx, l, 0, NULL, 0) != 0) {
			if (strstr(l, " FAIL CHATHISTORY ") != NULL ||
			    strstr(l, " BATCH +") != NULL)
				answered++;
			free(l);
		}
		regfree(&rx);
		ck_assert_msg(l != NULL, "no PONG\n%s", nd_recent(a));
		free(l);
		ck_assert_int_eq(answered, i + 1);
	}
	ck_assert_int_eq(history(a, got, sizeof(got),
	    "CHATHISTORY LATEST #h * 2"), 2);
	ck_assert_str_eq(got, "h18 h19");
	nd_close(a);
	stop();
}
END_TEST

/* A conversation for its two parties, a channel for its members. */
START_TEST(visibility)
{
	char got[1024], cmd[128], ids[1][64];

	start(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#priv");
	struct nd_conn *b = nd_register(&srv, "bob", CAPS);
	struct nd_conn *c = nd_register(&srv, "carol", CAPS);
	say(a, "#priv", "chan", 1, NULL, NULL);
	say(a, "bob", "secret", 1, ids, NULL);
	say(b, "alice", "reply", 1, NULL, NULL);

	history(a, got, sizeof(got), "CHATHISTORY LATEST BOB * 10");
	ck_assert_str_eq(got, "secret0 reply0");
	history(b, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "secret0 reply0");
	history(c, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "");
	history(c, got, sizeof(got), "CHATHISTORY LATEST bob * 10");
	ck_assert_str_eq(got, "");
	snprintf(cmd, sizeof(cmd), "CHATHISTORY AROUND alice msgid=%s 10",
	    ids[0]);
	history(c, got, sizeof(got), cmd);
	ck_assert_str_eq(got, "");
	nd_send(c, "CHATHISTORY LATEST #priv * 10");
	ND_EXPECT(c, "FAIL CHATHISTORY INVALID_TARGET LATEST #priv ");
	nd_send(b, "CHATHISTORY LATEST #priv * 10");
	ND_EXPECT(b, "FAIL CHATHISTORY INVALID_TARGET LATEST #priv ");

	/* TARGETS lists only what the asker may read. */
	nd_send(c, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z"
	    " timestamp=2100-01-01T00:00:00.000Z 10");
	ND_EXPECT(c, "BATCH \\+[^ ]+ draft/chathistory-targets$");
	char *l = nd_expect_not(c, "BATCH -", "CHATHISTORY TARGETS", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_send(a, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z"
	    " timestamp=2100-01-01T00:00:00.000Z 10");
	/* Both, in either order: their latest lines may share a ms. */
	ND_EXPECT(a, "CHATHISTORY TARGETS (#priv|bob) ");
	ND_EXPECT(a, "CHATHISTORY TARGETS (#priv|bob) ");
	ND_EXPECT(a, "BATCH -");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	stop();
}
END_TEST

START_TEST(retention)
{
	const char *args[] = { "-d", dbpath, "--history-max", "5", NULL };
	char got[1024];

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#r");
	say(a, "#r", "r", 20, NULL, NULL);
	/* Pruning runs on the storage thread: ask until it is done. */
	for (int64_t end = time_mono_ms() + T; ; ) {
		if (history(a, got, sizeof(got), "CHATHISTORY LATEST #r * 100")
		    == 5)
			break;
		ck_assert_msg(time_mono_ms() < end, "never pruned: %s", got);
		nd_sync(a);
	}
	ck_assert_str_eq(got, "r15 r16 r17 r18 r19");
	nd_close(a);
	stop();
}
END_TEST

/* --history-days: rows older than that go, in batches, while idle. */
START_TEST(retention_days)
{
	const char *args[] = { "-d", dbpath, NULL };
	const char *days[] = { "-d", dbpath, "--history-days", "2", NULL };
	char sql[512], got[1024];
	sqlite3 *db;

	start(args);	/* creates the schema */
	stop();
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN;"
	    "INSERT INTO targets (tkey) VALUES ('#old');"
	    "INSERT INTO sources (source, nick) VALUES ('x!x@h', 'x')",
	    NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 1200; i++) {
		/* Three days old, well before now and any clock skew. */
		snprintf(sql, sizeof(sql), "INSERT INTO messages (tid,"
		    " time_ms, id, msgid, sid, target, command, tags, text)"
		    " VALUES ((SELECT tid FROM targets WHERE tkey = '#old'),"
		    " (strftime('%%s', 'now') - 3 * 86400) * 1000 + %d, %d,"
		    " 'old%d', (SELECT sid FROM sources WHERE source = 'x!x@h'),"
		    " NULL, 0, '', 'old%d');"
		    /* natterd indexes each message's words itself */
		    "INSERT INTO msg_fts (rowid, text) VALUES (%d, 'old%d')",
		    i, i + 1, i, i, i + 1, i);
		ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
	}
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	start(days);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#old");
	say(a, "#old", "new", 1, NULL, NULL);
	for (int64_t end = time_mono_ms() + T; ; ) {
		if (history(a, got, sizeof(got),
		    "CHATHISTORY LATEST #old * 100") == 1)
			break;
		ck_assert_msg(time_mono_ms() < end, "never pruned: %.60s", got);
		nd_sync(a);
	}
	ck_assert_str_eq(got, "new0");
	nd_close(a);
	stop();
}
END_TEST

/*
 * A stored row whose tags fill most of the tag section and whose source
 * is longer than a line (a database written by another program, or by
 * hand): the line goes out with its body cut at the line limit, and
 * nothing is written past natterd's line buffer.
 */
START_TEST(long_stored_tags)
{
	const char *args[] = { "-d", dbpath, NULL };
	char sql[9800], tags[7800], source[1001];
	sqlite3 *db;

	start(args);	/* creates the schema */
	stop();
	/* Valid client tags, escaped as stored: "+a=xxxx...". */
	memcpy(tags, "+a=", 3);
	memset(tags + 3, 'x', sizeof(tags) - 4);
	tags[sizeof(tags) - 1] = '\0';
	memset(source, 'x', sizeof(source) - 1);
	source[sizeof(source) - 1] = '\0';
	snprintf(sql, sizeof(sql), "INSERT INTO targets (tkey) VALUES ('#big');"
	    "INSERT INTO sources (source, nick) VALUES ('%s!x@h', 'x');"
	    "INSERT INTO messages (tid, time_ms, id, msgid, sid, target,"
	    " command, tags, text) VALUES ((SELECT tid FROM targets),"
	    " strftime('%%s', 'now') * 1000, 1, 'big1', (SELECT sid FROM"
	    " sources), NULL, 0, '%s', 'hello')", source, tags);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#big");
	nd_send(a, "CHATHISTORY LATEST #big * 10");
	ND_EXPECT(a, "^@[^ ]*msgid=big1[^ ]* :x{500,510}$");
	nd_sync(a);
	nd_close(a);
	stop();
}
END_TEST

/* The log holds exactly one line, and it says re. */
static void
one_line(const char *re)
{
	const char *log = nd_log(&srv);
	regex_t rx;

	ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&rx, log, 0, NULL, 0) == 0, "log: %s", log);
	regfree(&rx);
	const char *nl = strchr(log, '\n');
	ck_assert_msg(nl != NULL && nl[1] == '\0', "not one line: %s", log);
}

START_TEST(unusable_db)
{
	char path[320];
	FILE *f;

	const char *dir[] = { "-d", tmpdir, NULL };
	ck_assert_int_eq(nd_start_fail(&srv, dir), 1);
	one_line("cannot open database .*: is a directory");
	nd_stop(&srv);

	snprintf(path, sizeof(path), "%s/junk.db", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (int i = 0; i < 100; i++)
		fputs("not a database, only words, words and more words\n", f);
	fclose(f);
	const char *junk[] = { "-d", path, NULL };
	ck_assert_int_eq(nd_start_fail(&srv, junk), 1);
	one_line("cannot open database .*junk\\.db: file is not a database");
	nd_stop(&srv);

	snprintf(path, sizeof(path), "%s/junk.db/sub/history.db", tmpdir);
	const char *under[] = { "--db", path, NULL };
	ck_assert_int_eq(nd_start_fail(&srv, under), 1);
	one_line("cannot open database .*: cannot create directory");
	nd_stop(&srv);
}
END_TEST

/* The write calls natterd's loop thread has made (/proc, syscw). */
static long
loop_writes(pid_t pid)
{
	char path[64], line[128];
	long n = -1;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/io", (int)pid,
	    (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "syscw: %ld", &n) == 1)
			break;
	fclose(f);
	ck_assert_int_ge(n, 0);
	return n;
}

/*
 * A burst's echoes, held until their batch is committed, go out in a
 * few writes: a sender's queue holds each echo beside the FAIL that
 * replaces it if the batch is lost, and the flush stopped at each
 * FAIL not sent, a system call a line.
 */
START_TEST(held_echoes_together)
{
	const char *args[] = { "-d", dbpath, NULL };
	char buf[200 * 32];
	size_t n = 0;

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#w");
	nd_sync(a);
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "PRIVMSG #w :line %d\r\n", i);
	long w0 = loop_writes(srv.pid);
	ck_assert(nd_send_raw(a, buf, n));
	ND_EXPECT(a, "PRIVMSG #w :line 199$");
	long w = loop_writes(srv.pid) - w0;
	ck_assert_msg(w <= 20, "200 echoes took %ld writes", w);
	nd_close(a);
	stop();
}
END_TEST

/*
 * A reaction (TAGMSG with +draft/react) is stored with the message it
 * names, in a channel and in a conversation, and CHATHISTORY serves it
 * to another device after a restart; +typing never is, and a client
 * without message-tags gets the lines alone.
 */
START_TEST(reactions)
{
	const char *args[] = { "-d", dbpath, NULL };
	char re[256], id[64], pid[64];

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#r");
	struct nd_conn *b = nd_account(&srv, "bob", "pw-bob", CAPS);
	nd_send(b, "JOIN #r");
	ND_EXPECT(b, " 366 bob #r ");
	nd_send(a, "PRIVMSG #r :lunch?");
	char *l = nd_expect(a, "PRIVMSG #r :lunch\\?$", T);
	ck_assert_ptr_nonnull(l);
	snprintf(id, sizeof(id), "%s", tag(l, "msgid"));
	free(l);
	nd_send(b, "@+draft/react=\xf0\x9f\x91\x8d;+draft/reply=%s;"
	    "+typing=done TAGMSG #r", id);
	nd_send(b, "@+typing=active TAGMSG #r");
	snprintf(re, sizeof(re), "^@[^ ]*\\+draft/react=\xf0\x9f\x91\x8d;"
	    "\\+draft/reply=%s;\\+typing=done :bob!\\S+ TAGMSG #r$", id);
	ND_EXPECT(a, re);
	ND_EXPECT(a, "\\+typing=active :bob!\\S+ TAGMSG #r$");
	nd_send(a, "PRIVMSG bob :psst");
	l = nd_expect(b, "PRIVMSG bob :psst$", T);
	ck_assert_ptr_nonnull(l);
	snprintf(pid, sizeof(pid), "%s", tag(l, "msgid"));
	free(l);
	nd_send(b, "@+draft/react=ok;+draft/reply=%s TAGMSG alice", pid);
	ND_EXPECT(a, "\\+draft/react=ok;.* :bob!\\S+ TAGMSG alice$");
	nd_close(a);
	nd_close(b);
	stop();

	start(args);
	/* alice's other device, which did not see the reactions. */
	a = nd_joined(&srv, "alice", CAPS, "#r");
	nd_send(a, "CHATHISTORY LATEST #r * 10");
	ND_EXPECT(a, "BATCH \\+\\S+ chathistory #r$");
	ND_EXPECT(a, "PRIVMSG #r :lunch\\?$");
	snprintf(re, sizeof(re), "^@batch=[^ ]+;time=[^ ]+;msgid=[^ ;]+;"
	    "\\+draft/react=\xf0\x9f\x91\x8d;\\+draft/reply=%s "
	    ":bob!\\S+ TAGMSG #r$", id);
	ND_EXPECT(a, re);
	l = nd_expect(a, "BATCH -", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_quiet(a, "typing");
	/* A private one is bob's (his account's) on another device too. */
	struct nd_conn *c = nd_register(&srv, "bob2", CAPS);
	nd_send(c, "PRIVMSG NickServ :IDENTIFY bob pw-bob");
	ND_EXPECT(c, " 900 bob2 ");
	nd_send(c, "CHATHISTORY LATEST alice * 10");
	ND_EXPECT(c, "PRIVMSG bob :psst$");
	snprintf(re, sizeof(re), "\\+draft/react=ok;\\+draft/reply=%s "
	    ":bob!\\S+ TAGMSG alice$", pid);
	ND_EXPECT(c, re);
	nd_close(c);
	/* No message-tags: no TAGMSG. */
	struct nd_conn *d = nd_joined(&srv, "dave", "batch draft/chathistory",
	    "#r");
	nd_send(d, "CHATHISTORY LATEST #r * 10");
	ND_EXPECT(d, "PRIVMSG #r :\\[[0-9:]+\\] lunch\\?$");
	nd_quiet(d, "TAGMSG");
	nd_close(d);
	nd_close(a);
	stop();
}
END_TEST

/* Topic, modes and creation time come back after a crash. */
START_TEST(channel_state)
{
	const char *args[] = { "-d", dbpath, NULL };
	char re[128];
	long created = 0;

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#t");
	nd_send(a, "TOPIC #t :kept across restarts");
	ND_EXPECT(a, " TOPIC #t :kept across restarts$");
	nd_send(a, "MODE #t +mkl sekrit 7");
	ND_EXPECT(a, " MODE #t \\+mkl sekrit 7$");
	nd_send(a, "MODE #t");
	char *l = nd_expect(a, " 329 alice #t [0-9]+", T);
	ck_assert_ptr_nonnull(l);
	created = atol(strrchr(l, ' ') + 1);
	free(l);
	/* An emptied channel is forgotten; a live one is kept. The PART
	 * went out before the channel was forgotten; the message after it
	 * comes back only once that is stored too. */
	nd_send(a, "JOIN #gone");
	nd_send(a, "TOPIC #gone :not kept");
	ND_EXPECT(a, " TOPIC #gone :not kept$");
	nd_send(a, "PART #gone");
	ND_EXPECT(a, " PART :?#gone");
	say(a, "#t", "after", 1, NULL, NULL);
	crash();
	nd_close(a);

	start(args);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	/* The key came back too, and guards the first joiner. */
	nd_send(b, "JOIN #t");
	ND_EXPECT(b, " 475 bob #t ");
	nd_send(b, "JOIN #t sekrit");
	ND_EXPECT(b, " 332 bob #t :kept across restarts$");
	ND_EXPECT(b, " 333 bob #t alice");
	nd_send(b, "MODE #t");
	ND_EXPECT(b, " 324 bob #t \\+klmnt [^ ]+ 7$");
	snprintf(re, sizeof(re), " 329 bob #t %ld$", created);
	ND_EXPECT(b, re);
	nd_send(b, "JOIN #gone");
	l = nd_expect_not(b, " 366 bob #gone", " 332 bob #gone", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_close(b);
	stop();
}
END_TEST

/* Expect the replayed lines r7..r24 and the ACTION, then the PONG. */
static void
expect_replay(struct nd_conn *c, bool stamped)
{
	char re[160];

	for (int i = 7; i < 25; i++) {
		if (stamped)
			snprintf(re, sizeof(re), "^@[^ ]*time=[^ ]+ "
			    ":alice![^ ]+ PRIVMSG #j :r%d$", i);
		else
			snprintf(re, sizeof(re), "^:alice![^ ]+ PRIVMSG #j "
			    ":\\[[0-9]{2}:[0-9]{2}\\] r%d$", i);
		ND_EXPECT(c, re);
	}
	if (stamped)
		ND_EXPECT(c, " PRIVMSG #j :\001ACTION waves\001$");
	else
		ND_EXPECT(c, " PRIVMSG #j :\001ACTION \\[[0-9]{2}:[0-9]{2}\\]"
		    " waves\001$");
	nd_send(c, "PING :replayed");
	char *l = nd_expect_not(c, "PONG .*replayed", "VERSION", T);
	ck_assert_ptr_nonnull(l);
	free(l);
}

START_TEST(replay_on_join)
{
	start(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", "echo-message", "#j");
	say(a, "#j", "r", 25, NULL, NULL);
	nd_send(a, "PRIVMSG #j :\001ACTION waves\001");
	nd_send(a, "PRIVMSG #j :\001VERSION\001");
	nd_sync(a);

	/* No caps: the time goes into the text. */
	struct nd_conn *c = nd_joined(&srv, "carol", NULL, "#j");
	expect_replay(c, false);
	/* server-time: a tag instead. */
	struct nd_conn *d = nd_joined(&srv, "dave", "server-time", "#j");
	expect_replay(d, true);
	/* batch: wrapped in a chathistory batch. */
	struct nd_conn *f = nd_joined(&srv, "frank", "batch server-time", "#j");
	ND_EXPECT(f, "^:test\\.server BATCH \\+[^ ]+ chathistory #j$");
	ND_EXPECT(f, "^@batch=[^ ]+;time=[^ ]+ :alice![^ ]+ PRIVMSG #j :r7$");
	ND_EXPECT(f, "^:test\\.server BATCH -");
	/* draft/chathistory: the client asks for what it wants. */
	struct nd_conn *e = nd_joined(&srv, "eve", "draft/chathistory", "#j");
	nd_send(e, "PING :none");
	char *l = nd_expect_not(e, "PONG .*none", "PRIVMSG", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_close(a);
	nd_close(c);
	nd_close(d);
	nd_close(e);
	nd_close(f);
	stop();

	const char *off[] = { "--replay", "0", NULL };
	start(off);
	a = nd_joined(&srv, "alice", NULL, "#j");
	nd_send(a, "PRIVMSG #j :hello");
	c = nd_joined(&srv, "carol", NULL, "#j");
	nd_send(c, "PING :none");
	l = nd_expect_not(c, "PONG .*none", "PRIVMSG", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_close(a);
	nd_close(c);
	stop();
}
END_TEST

/* Quit and wait until natterd has let go of the nick. */
static void
gone(struct nd_conn *c)
{
	nd_send(c, "QUIT");
	ck_assert(nd_wait_closed(c, T));
	nd_close(c);
}

/* TARGETS over all time lists nothing for c. */
static void
no_targets(struct nd_conn *c)
{
	nd_send(c, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z"
	    " timestamp=2100-01-01T00:00:00.000Z 10");
	ND_EXPECT(c, "BATCH \\+[^ ]+ draft/chathistory-targets$");
	char *l = nd_expect_not(c, "BATCH -", "CHATHISTORY TARGETS", T);
	ck_assert_ptr_nonnull(l);
	free(l);
}

/* Connect as nick and log in to account (its password "pw-account"). */
static struct nd_conn *
identified(const char *nick, const char *account)
{
	struct nd_conn *c = nd_register(&srv, nick, CAPS);
	char re[64];

	nd_send(c, "PRIVMSG NickServ :IDENTIFY %s pw-%s", account, account);
	snprintf(re, sizeof(re), " 900 %s ", nick);
	ND_EXPECT(c, re);
	return c;
}

/*
 * One account on two connections shares its private history: both read
 * the conversation, under the nick as asked (the batch names it so), and
 * a third nick reads nothing. A channel's operator by account is its
 * operator again after a restart, and the first joiner is not.
 */
START_TEST(account_devices)
{
	const char *args[] = { "-d", dbpath, NULL };
	char got[1024];

	start(args);
	struct nd_conn *a = nd_account(&srv, "alice", "pw-alice", CAPS);
	struct nd_conn *b = nd_account(&srv, "bob", "pw-bob", CAPS);
	struct nd_conn *a2 = identified("laptop", "alice");
	say(b, "alice", "hi", 2, NULL, NULL);
	say(a, "bob", "hey", 1, NULL, NULL);
	history(a2, got, sizeof(got), "CHATHISTORY LATEST bob * 10");
	ck_assert_str_eq(got, "hi0 hi1 hey0");
	nd_send(a2, "CHATHISTORY LATEST BOB * 10");
	ND_EXPECT(a2, "^:test\\.server BATCH \\+[^ ]+ chathistory BOB$");
	nd_sync(a2);
	history(a, got, sizeof(got), "CHATHISTORY LATEST bob * 10");
	ck_assert_str_eq(got, "hi0 hi1 hey0");
	struct nd_conn *c = nd_register(&srv, "carol", CAPS);
	history(c, got, sizeof(got), "CHATHISTORY LATEST bob * 10");
	ck_assert_str_eq(got, "");
	history(c, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "");
	no_targets(c);

	nd_send(a, "JOIN #own");
	ND_EXPECT(a, " 366 alice #own ");
	say(a, "#own", "mine", 1, NULL, NULL);
	nd_close(a);
	nd_close(a2);
	nd_close(b);
	nd_close(c);
	stop();

	start(args);
	c = nd_register(&srv, "carol", CAPS);
	nd_send(c, "JOIN #own");
	ND_EXPECT(c, " 353 carol [=@*] #own :carol$");
	a = identified("alice", "alice");
	nd_send(a, "JOIN #own");
	ND_EXPECT(a, " 353 alice [=@*] #own :(@alice carol|carol @alice)$");
	nd_close(a);
	nd_close(c);
	stop();
}
END_TEST

/*
 * DROP takes what the account owned with it: a new account of the same
 * name reads none of its private history and is no operator of its
 * channel, after a restart too. run: 0 over memory, 1 over a database.
 */
START_TEST(drop_forgets)
{
	const char *db[] = { "-d", dbpath, NULL };
	const char *const *args = _i == 0 ? NULL : db;
	char got[1024];

	start(args);
	struct nd_conn *a = nd_account(&srv, "alice", "pw-alice", CAPS);
	struct nd_conn *b = nd_register(&srv, "bob", CAPS);
	say(a, "bob", "private", 2, NULL, NULL);
	nd_send(a, "JOIN #drop");
	ND_EXPECT(a, " 366 alice #drop ");
	say(a, "#drop", "said", 1, NULL, NULL);
	nd_send(a, "PART #drop");
	ND_EXPECT(a, " PART #drop");
	nd_send(a, "PRIVMSG NickServ :DROP");
	ND_EXPECT(a, "NOTICE alice :Account alice dropped");
	gone(a);

	a = nd_account(&srv, "alice", "pw-alice", CAPS);
	history(a, got, sizeof(got), "CHATHISTORY LATEST bob * 10");
	ck_assert_str_eq(got, "");
	no_targets(a);
	nd_send(a, "JOIN #drop");
	ND_EXPECT(a, " 353 alice [=@*] #drop :alice$");
	/* bob's own copy is his. */
	history(b, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "private0 private1");
	nd_close(a);
	nd_close(b);
	if (_i == 1) {
		stop();
		start(args);
		a = identified("alice", "alice");
		history(a, got, sizeof(got), "CHATHISTORY LATEST bob * 10");
		ck_assert_str_eq(got, "");
		nd_send(a, "JOIN #drop");
		ND_EXPECT(a, " 353 alice [=@*] #drop :alice$");
		nd_close(a);
	}
	stop();
}
END_TEST

/*
 * A private conversation belongs to the connections (or accounts) that
 * had it, not to the nicks: a rename keeps it, and another connection
 * that takes either nick, now or after a restart, reads none of it and
 * is not told it exists.
 */
START_TEST(nick_reuse)
{
	const char *args[] = { "-d", dbpath, NULL };
	char got[1024];

	start(args);
	struct nd_conn *a = nd_register(&srv, "alice", CAPS);
	struct nd_conn *b = nd_register(&srv, "bob", CAPS);
	say(a, "bob", "secret", 2, NULL, NULL);
	say(b, "alice", "reply", 1, NULL, NULL);
	history(b, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "secret0 secret1 reply0");

	/* bob moves to bob2 and a newcomer takes "bob": nothing for it;
	 * bob2's conversation is still his. */
	nd_send(b, "NICK bob2");
	ND_EXPECT(b, " NICK :?bob2$");
	struct nd_conn *m = nd_register(&srv, "bob", CAPS);
	history(m, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "");
	no_targets(m);
	history(b, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "secret0 secret1 reply0");
	/* alice's own copy is hers, under the name she wrote to. */
	history(a, got, sizeof(got), "CHATHISTORY LATEST bob * 10");
	ck_assert_str_eq(got, "secret0 secret1 reply0");
	gone(m);

	/* Everyone leaves; the next "bob" and "alice" read nothing. */
	gone(a);
	gone(b);
	m = nd_register(&srv, "bob", CAPS);
	history(m, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "");
	no_targets(m);
	nd_close(m);
	stop();
	start(args);
	m = nd_register(&srv, "bob", CAPS);
	history(m, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "");
	no_targets(m);
	struct nd_conn *n = nd_register(&srv, "alice", CAPS);
	history(n, got, sizeof(got), "CHATHISTORY LATEST bob * 10");
	ck_assert_str_eq(got, "");
	no_targets(n);
	nd_close(m);
	nd_close(n);
	stop();
}
END_TEST

/*
 * An emptied channel with history keeps what guarded it: whoever brings
 * it back meets its modes, key and bans, is not made operator, and is
 * replayed nothing from a +s channel. On both stores (0: --db none).
 */
START_TEST(recreate)
{
	const char *args[] = { "-d", dbpath, NULL };

	start(_i == 0 ? NULL : args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#vault");
	nd_send(a, "MODE #vault +iks hunter2");
	ND_EXPECT(a, " MODE #vault \\+iks hunter2$");
	say(a, "#vault", "v", 3, NULL, NULL);
	nd_send(a, "JOIN #open,#hush");
	ND_EXPECT(a, " 366 alice #hush ");
	nd_send(a, "MODE #hush +s");
	ND_EXPECT(a, " MODE #hush \\+s$");
	say(a, "#open", "o", 1, NULL, NULL);
	say(a, "#hush", "h", 1, NULL, NULL);
	/* A channel without history is forgotten, as ever. */
	nd_send(a, "JOIN #plain");
	nd_send(a, "MODE #plain +i");
	ND_EXPECT(a, " MODE #plain \\+i$");
	nd_send(a, "PART #vault,#open,#hush,#plain");
	ND_EXPECT(a, " PART :?#plain$");

	struct nd_conn *m = nd_register(&srv, "mallory", NULL);
	nd_send(m, "JOIN #vault");
	ND_EXPECT(m, " 475 mallory #vault ");
	nd_send(m, "JOIN #vault hunter2");
	ND_EXPECT(m, " 473 mallory #vault ");
	nd_send(m, "MODE #vault");
	ND_EXPECT(m, " 403 mallory #vault ");
	/* A public channel: in, its history replayed, but not operator. */
	nd_send(m, "JOIN #open");
	ND_EXPECT(m, " 353 mallory = #open :mallory$");
	ND_EXPECT(m, " PRIVMSG #open :\\[[0-9:]+\\] o0$");
	nd_send(m, "MODE #open +i");
	ND_EXPECT(m, " 482 mallory #open ");
	/* A secret one: in, not operator, nothing from before. */
	nd_send(m, "JOIN #hush");
	ND_EXPECT(m, " 353 mallory @ #hush :mallory$");
	nd_quiet(m, "PRIVMSG");
	nd_send(m, "CHATHISTORY LATEST #hush * 10");
	nd_quiet(m, "PRIVMSG");
	/* A channel without history: anyone's, as it always was. */
	nd_send(m, "JOIN #plain");
	ND_EXPECT(m, " 353 mallory = #plain :@mallory$");
	nd_close(m);
	nd_close(a);
	stop();
}
END_TEST

/*
 * After a restart the restored +b, +k, +l and +i are enforced on the
 * first joiner, who is not made operator and so never reads the key of
 * a channel it cannot enter.
 */
START_TEST(restart_enforced)
{
	const char *args[] = { "-d", dbpath, NULL };

	start(args);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#vault");
	nd_send(a, "MODE #vault +ikb hunter2 mallory!*@*");
	ND_EXPECT(a, " MODE #vault \\+ikb hunter2 mallory!\\*@\\*$");
	say(a, "#vault", "v", 1, NULL, NULL);
	nd_send(a, "JOIN #full");
	nd_send(a, "MODE #full +l 1");
	ND_EXPECT(a, " MODE #full \\+l 1$");
	say(a, "#full", "f", 1, NULL, NULL);
	crash();
	nd_close(a);

	start(args);
	struct nd_conn *m = nd_register(&srv, "mallory", NULL);
	nd_send(m, "JOIN #vault hunter2");
	ND_EXPECT(m, " 474 mallory #vault ");
	struct nd_conn *c = nd_register(&srv, "carol", NULL);
	nd_send(c, "JOIN #vault");
	ND_EXPECT(c, " 475 carol #vault ");
	nd_send(c, "JOIN #vault hunter2");
	ND_EXPECT(c, " 473 carol #vault ");
	nd_send(c, "MODE #vault");
	ND_EXPECT(c, " 403 carol #vault ");
	/* The limit counts from the first joiner on, who is no operator. */
	nd_send(c, "JOIN #full");
	ND_EXPECT(c, " 353 carol = #full :carol$");
	nd_send(m, "JOIN #full");
	ND_EXPECT(m, " 471 mallory #full ");
	nd_send(c, "MODE #full -l");
	ND_EXPECT(c, " 482 carol #full ");
	nd_close(c);
	nd_close(m);
	/* A new "alice" is no one there either: the nick was never it. */
	a = nd_register(&srv, "alice", NULL);
	nd_send(a, "JOIN #vault hunter2");
	ND_EXPECT(a, " 473 alice #vault ");
	nd_close(a);
	stop();
}
END_TEST

/* An INVITE lets past +b, +k and +l only when an operator sent it. */
START_TEST(invite_by_op)
{
	start(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", NULL, "#inv");
	struct nd_conn *b = nd_joined(&srv, "bob", NULL, "#inv");
	nd_send(a, "MODE #inv +kb door mallory!*@*");
	ND_EXPECT(b, " MODE #inv \\+kb door mallory!\\*@\\*$");
	struct nd_conn *m = nd_register(&srv, "mallory", NULL);
	struct nd_conn *d = nd_register(&srv, "dave", NULL);

	/* bob is a member, not an operator: his INVITE is only a message. */
	nd_send(b, "INVITE mallory #inv");
	ND_EXPECT(b, " 341 bob mallory #inv$");
	ND_EXPECT(m, "^:bob![^ ]+ INVITE mallory #inv$");
	nd_send(m, "JOIN #inv door");
	ND_EXPECT(m, " 474 mallory #inv ");
	nd_send(b, "INVITE dave #inv");
	ND_EXPECT(d, " INVITE dave #inv$");
	nd_send(d, "JOIN #inv");
	ND_EXPECT(d, " 475 dave #inv ");
	nd_send(d, "JOIN #inv door");
	ND_EXPECT(d, " 366 dave #inv ");
	nd_send(a, "MODE #inv +l 3");
	ND_EXPECT(d, " MODE #inv \\+l 3$");
	struct nd_conn *e = nd_register(&srv, "erin", NULL);
	nd_send(b, "INVITE erin #inv");
	ND_EXPECT(e, " INVITE erin #inv$");
	nd_send(e, "JOIN #inv door");
	ND_EXPECT(e, " 471 erin #inv ");

	/* The operator's INVITE does. */
	nd_send(a, "INVITE mallory #inv");
	ND_EXPECT(m, "^:alice![^ ]+ INVITE mallory #inv$");
	nd_send(m, "JOIN #inv");
	ND_EXPECT(m, " 366 mallory #inv ");
	nd_send(a, "INVITE erin #inv");
	ND_EXPECT(e, "^:alice![^ ]+ INVITE erin #inv$");
	nd_send(e, "JOIN #inv");
	ND_EXPECT(e, " 366 erin #inv ");
	nd_close(a);
	nd_close(b);
	nd_close(d);
	nd_close(e);
	nd_close(m);
	stop();
}
END_TEST

/* A +s channel is "no such channel" (403) to outsiders, whatever they ask. */
START_TEST(secret_hidden)
{
	start(NULL);
	struct nd_conn *a = nd_joined(&srv, "alice", NULL, "#s");
	nd_send(a, "MODE #s +sb x!*@*");
	ND_EXPECT(a, " MODE #s \\+sb x!\\*@\\*$");
	nd_send(a, "TOPIC #s :hidden");
	ND_EXPECT(a, " TOPIC #s :hidden$");
	struct nd_conn *m = nd_register(&srv, "mallory", NULL);
	static const char *const asks[] = { "TOPIC %s", "TOPIC %s :mine",
	    "MODE %s", "MODE %s b", "MODE %s +i", "PART %s", "KICK %s alice",
	    "INVITE alice %s" };
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		const char *const chans[] = { "#s", "#missing" };
		for (size_t j = 0; j < 2; j++) {
			char re[64];
			nd_send(m, asks[i], chans[j]);
			snprintf(re, sizeof(re), "^:test\\.server 403 mallory %s"
			    " :No such channel$", chans[j]);
			char *l = nd_expect_not(m, re, " (324|329|331|332|367|368"
			    "|442|482) ", T);
			ck_assert_msg(l != NULL, "%s %s\n%s", asks[i], chans[j],
			    nd_recent(m));
			free(l);
		}
	}
	nd_close(m);
	nd_close(a);
	stop();
}
END_TEST

/*
 * --history-cutoff join: members read a channel's lines from their JOIN
 * on; none (the default) all of them, except in +i and +s channels. No
 * test waits for the clock to move between a line and a JOIN: the JOIN
 * is a place in the order lines arrive, not a millisecond.
 */
START_TEST(cutoff)
{
	const char *join[] = { "--history-cutoff", "join", NULL };
	const char *bad[] = { "--history-cutoff", "registration-ish", NULL };
	char got[1024];

	ck_assert_int_eq(nd_start_fail(&srv, bad), 64);
	ck_assert_ptr_nonnull(strstr(nd_log(&srv), "--history-cutoff"));
	nd_stop(&srv);

	start(join);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#pub");
	say(a, "#pub", "before", 1, NULL, NULL);
	struct nd_conn *b = nd_joined(&srv, "bob", CAPS, "#pub");
	history(b, got, sizeof(got), "CHATHISTORY LATEST #pub * 10");
	ck_assert_str_eq(got, "");
	say(a, "#pub", "after", 1, NULL, NULL);
	history(b, got, sizeof(got), "CHATHISTORY LATEST #pub * 10");
	ck_assert_str_eq(got, "after0");
	/* The replay on JOIN follows it too. */
	struct nd_conn *c = nd_joined(&srv, "carol", NULL, "#pub");
	nd_quiet(c, "PRIVMSG");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	stop();

	start(NULL);
	a = nd_joined(&srv, "alice", CAPS, "#pub");
	say(a, "#pub", "before", 1, NULL, NULL);
	nd_send(a, "JOIN #inv");
	nd_send(a, "MODE #inv +i");
	ND_EXPECT(a, " MODE #inv \\+i$");
	say(a, "#inv", "before", 1, NULL, NULL);
	b = nd_joined(&srv, "bob", CAPS, "#pub");
	history(b, got, sizeof(got), "CHATHISTORY LATEST #pub * 10");
	ck_assert_str_eq(got, "before0");
	nd_send(a, "INVITE bob #inv");
	ND_EXPECT(b, " INVITE bob #inv$");
	nd_send(b, "JOIN #inv");
	ND_EXPECT(b, " 366 bob #inv ");
	history(b, got, sizeof(got), "CHATHISTORY LATEST #inv * 10");
	ck_assert_str_eq(got, "");
	say(a, "#inv", "after", 1, NULL, NULL);
	history(b, got, sizeof(got), "CHATHISTORY LATEST #inv * 10");
	ck_assert_str_eq(got, "after0");
	nd_close(a);
	nd_close(b);
	stop();
}
END_TEST

/* A line, a JOIN and a line in one write, most likely one millisecond:
 * the JOIN still divides them. */
START_TEST(cutoff_same_millisecond)
{
	const char *join[] = { "--history-cutoff", "join", NULL };
	static const char burst[] = "PRIVMSG #ms :before\r\nPART #ms\r\n"
	    "JOIN #ms\r\nPRIVMSG #ms :after\r\n";
	char got[1024];

	start(join);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#ms");
	struct nd_conn *b = nd_joined(&srv, "bob", CAPS, "#ms");
	for (int i = 0; i < 20; i++) {
		ck_assert(nd_send_raw(b, burst, sizeof(burst) - 1));
		ND_EXPECT(b, " 366 bob #ms ");
		ND_EXPECT(b, " PRIVMSG #ms :after$");
		history(b, got, sizeof(got), "CHATHISTORY LATEST #ms * 1");
		ck_assert_str_eq(got, "after");
		history(b, got, sizeof(got), "CHATHISTORY LATEST #ms * 10");
		ck_assert_str_eq(got, "after");
	}
	nd_close(a);
	nd_close(b);
	stop();
}
END_TEST

/*
 * --history-cutoff registration: a logged-in member reads a public
 * channel from when its account was registered, if that came before its
 * JOIN; a member without an account from its JOIN. Private conversations
 * are their owners' whatever the cutoff.
 */
START_TEST(cutoff_registration)
{
	const char *reg[] = { "--history-cutoff", "registration", NULL };
	char got[1024];

	start(reg);
	struct nd_conn *a = nd_joined(&srv, "alice", CAPS, "#reg");
	say(a, "#reg", "old", 1, NULL, NULL);
	/* Registered one second later, so "old" is before it by the
	 * second the account keeps. */
	int64_t t0 = time_now_ms() / 1000;
	while (time_now_ms() / 1000 == t0)
		ck_assert_int_lt(time_now_ms(), (t0 + 2) * 1000);
	struct nd_conn *b = nd_account(&srv, "bob", "pw-bob", CAPS);
	say(a, "#reg", "new", 1, NULL, NULL);
	say(a, "bob", "private", 1, NULL, NULL);
	nd_send(b, "JOIN #reg");
	ND_EXPECT(b, " 366 bob #reg ");
	say(a, "#reg", "joined", 1, NULL, NULL);
	history(b, got, sizeof(got), "CHATHISTORY LATEST #reg * 10");
	ck_assert_str_eq(got, "new0 joined0");
	history(b, got, sizeof(got), "CHATHISTORY LATEST alice * 10");
	ck_assert_str_eq(got, "private0");
	/* Without an account: from the JOIN. */
	struct nd_conn *c = nd_joined(&srv, "carol", CAPS, "#reg");
	say(a, "#reg", "last", 1, NULL, NULL);
	history(c, got, sizeof(got), "CHATHISTORY LATEST #reg * 10");
	ck_assert_str_eq(got, "last0");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	stop();
}
END_TEST

static Suite *
chathistory_suite(void)
{
	Suite *s = suite_create("chathistory");
	TCase *tc = tcase_create("history");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, durable_kill9);
	tcase_add_test(tc, durable_power_cut);
	tcase_add_test(tc, stalled_disk);
	tcase_add_test(tc, second_instance);
	tcase_add_test(tc, burst_backpressure);
	tcase_add_test(tc, slow_disk_flood);
	tcase_add_test(tc, max_output_held);
	tcase_add_test(tc, labeled_echo);
	tcase_add_test(tc, held_echoes_together);
	tcase_add_test(tc, poisoned_tags);
	tcase_add_test(tc, chathistory_tokens);
	tcase_add_loop_test(tc, search_visibility, 0, 2);
	tcase_add_loop_test(tc, search_cutoff, 0, 2);
	tcase_add_test(tc, disk_full);
	tcase_add_test(tc, reads_own_writes);
	tcase_add_test(tc, subcommands);
	tcase_add_test(tc, advertised);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, visibility);
	tcase_add_test(tc, retention);
	tcase_add_test(tc, retention_days);
	tcase_add_test(tc, long_stored_tags);
	tcase_add_test(tc, unusable_db);
	tcase_add_test(tc, channel_state);
	tcase_add_test(tc, reactions);
	tcase_add_test(tc, replay_on_join);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nick_reuse);
	tcase_add_test(tc, account_devices);
	tcase_add_loop_test(tc, drop_forgets, 0, 2);
	tcase_add_loop_test(tc, recreate, 0, 2);
	tcase_add_test(tc, restart_enforced);
	tcase_add_test(tc, invite_by_op);
	tcase_add_test(tc, secret_hidden);
	tcase_add_test(tc, cutoff);
	tcase_add_test(tc, cutoff_same_millisecond);
	tcase_add_test(tc, cutoff_registration);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(chathistory_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
