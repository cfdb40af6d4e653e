/*
 * draft/multiline through the real natterd: a batch relayed as a batch
 * to clients with the capability and as separate lines to the others,
 * echoed with its label on the opening BATCH, the FAIL codes and what
 * follows them, a batch that never ends, one stored message (one msgid)
 * served back by CHATHISTORY and replayed on JOIN, over memory and a
 * database across a restart.
 */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "irc.h"

#define T ND_TIMEOUT_MS
#define ML "draft/multiline batch message-tags"
#define ALL ML " server-time echo-message labeled-response"
#define PLAIN_TAGS "message-tags server-time"

static char tmpdir[256];

static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/check_multiline.XXXXXX",
	    base != NULL ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The next line of c matches re, or the test fails; the line is
 * returned (malloc'd). */
static char *
next_is(struct nd_conn *c, const char *re)
{
	regex_t rx;
	char *l = nd_line(c, T);

	ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(l != NULL && regexec(&rx, l, 0, NULL, 0) == 0,
	    "expected %s, got %s\n%s", re, l != NULL ? l : "(nothing)",
	    nd_recent(c));
	regfree(&rx);
	return l;
}

static void
next(struct nd_conn *c, const char *re)
{
	free(next_is(c, re));
}

/* Nothing arrives at c before the answer to a PING sent now. */
static void
nothing_more(struct nd_conn *c)
{
	static unsigned long seq;
	char re[64];

	nd_send(c, "PING :quiet%lu", ++seq);
	snprintf(re, sizeof(re), "PONG [^ ]+ :quiet%lu$", seq);
	next(c, re);
}

/* The value of tag key in a line (static buffer), "" when absent. */
static const char *
tag_of(const char *line, const char *key)
{
	static char v[128];
	size_t kl = strlen(key);
	const char *end = strchr(line, ' ');

	v[0] = '\0';
	if (line[0] != '@' || end == NULL)
		return v;
	for (const char *p = line + 1; p < end;) {
		size_t n = strcspn(p, "; ");
		if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			snprintf(v, sizeof(v), "%.*s", (int)(n - kl - 1),
			    p + kl + 1);
			return v;
		}
		p += n + 1;
	}
	return v;
}

/* alice's batch: "hello", a blank line, "how is " + concat "everyone?". */
static void
send_batch(struct nd_conn *a, const char *ref, const char *target)
{
	nd_send(a, "@label=L1;+draft/reply=abc BATCH +%s draft/multiline %s",
	    ref, target);
	nd_send(a, "@batch=%s PRIVMSG %s hello", ref, target);
	nd_send(a, "@batch=%s PRIVMSG %s :", ref, target);
	nd_send(a, "@batch=%s PRIVMSG %s :how is ", ref, target);
	nd_send(a, "@batch=%s;draft/multiline-concat PRIVMSG %s :everyone?",
	    ref, target);
	nd_send(a, "BATCH -%s", ref);
}

START_TEST(cap_value)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *c = nd_connect(&s);
	nd_send(c, "CAP LS 302");
	ND_EXPECT(c, "CAP \\* LS :.*draft/multiline=max-bytes=4096,"
	    "max-lines=100( |$)");
	nd_close(c);
	nd_finish(&s);
}
END_TEST

/* One message: a batch to bob, separate lines to carol and dave, the
 * echo to alice with the label on its opening BATCH. */
START_TEST(relay_and_fallback)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = nd_joined(&s, "alice", ALL, "#m");
	struct nd_conn *b = nd_joined(&s, "bob", ML, "#m");
	struct nd_conn *c = nd_joined(&s, "carol", PLAIN_TAGS, "#m");
	struct nd_conn *d = nd_joined(&s, "dave", NULL, "#m");
	nd_sync(a);
	nd_sync(b);
	nd_sync(c);
	nd_sync(d);
	send_batch(a, "x1", "#m");

	char *open = next_is(a, "^@label=L1;.*:alice!.* BATCH \\+([^ ]+) "
	    "draft/multiline #m$");
	char msgid[64], time[64];
	snprintf(msgid, sizeof(msgid), "%s", tag_of(open, "msgid"));
	snprintf(time, sizeof(time), "%s", tag_of(open, "time"));
	ck_assert_str_ne(msgid, "");
	ck_assert_str_ne(time, "");
	ck_assert_str_eq(tag_of(open, "+draft/reply"), "abc");
	free(open);
	next(a, "^@batch=[^ ;]+ :alice!\\S+ PRIVMSG #m :hello$");
	next(a, "^@batch=[^ ;]+ :alice!\\S+ PRIVMSG #m :$");
	next(a, "^@batch=[^ ;]+ :alice!\\S+ PRIVMSG #m :how is $");
	next(a, "^@batch=[^ ;]+;draft/multiline-concat :alice!\\S+ PRIVMSG #m"
	    " :everyone\\?$");
	next(a, "^:alice!\\S+ BATCH -");
	nothing_more(a);

	open = next_is(b, "^@.*:alice!\\S+ BATCH \\+([^ ]+) draft/multiline #m$");
	ck_assert_str_eq(tag_of(open, "msgid"), msgid);
	free(open);
	next(b, "^@batch=[^ ;]+ :alice!\\S+ PRIVMSG #m :hello$");
	next(b, "^@batch=[^ ;]+ :alice!\\S+ PRIVMSG #m :$");
	next(b, "^@batch=[^ ;]+ :alice!\\S+ PRIVMSG #m :how is $");
	next(b, "^@batch=[^ ;]+;draft/multiline-concat :alice!\\S+ PRIVMSG #m"
	    " :everyone\\?$");
	next(b, "^:alice!\\S+ BATCH -");
	nothing_more(b);

	/* No blank line, the msgid on the first line only, the time and
	 * the client tags on each. */
	char *l = next_is(c, "^@\\S+ :alice!\\S+ PRIVMSG #m :hello$");
	ck_assert_str_eq(tag_of(l, "msgid"), msgid);
	ck_assert_str_eq(tag_of(l, "time"), time);
	free(l);
	l = next_is(c, "^@\\S+ :alice!\\S+ PRIVMSG #m :how is $");
	ck_assert_str_eq(tag_of(l, "msgid"), "");
	ck_assert_str_eq(tag_of(l, "time"), time);
	ck_assert_str_eq(tag_of(l, "+draft/reply"), "abc");
	free(l);
	next(c, "^@\\S+ :alice!\\S+ PRIVMSG #m :everyone\\?$");
	nothing_more(c);

	next(d, "^:alice!\\S+ PRIVMSG #m :hello$");
	next(d, "^:alice!\\S+ PRIVMSG #m :how is $");
	next(d, "^:alice!\\S+ PRIVMSG #m :everyone\\?$");
	nothing_more(d);
	nd_close(a);
	nd_close(b);
	nd_close(c);
	nd_close(d);
	nd_finish(&s);
}
END_TEST

/* To a nick, without echo-message: the label is answered by ACK. A line
 * longer than a relayed line may be is cut into concat pieces. */
START_TEST(private_and_long_line)
{
	struct nd_server s;
	char longtext[496];

	/* "PRIVMSG bob :" and 495 bytes: a whole line from alice, too long
	 * once her source is in front. */
	memset(longtext, 'x', 495);
	longtext[495] = '\0';
	nd_start(&s, NULL);
	struct nd_conn *a = nd_register(&s, "alice",
	    ML " labeled-response");
	struct nd_conn *b = nd_register(&s, "bob", ML);
	struct nd_conn *c = nd_register(&s, "carol", NULL);
	nd_send(a, "@label=L2 BATCH +p draft/multiline bob");
	nd_send(a, "@batch=p PRIVMSG bob :one");
	nd_send(a, "@batch=p PRIVMSG bob :%s", longtext);
	nd_send(a, "BATCH -p");
	next(a, "^@label=L2 :test\\.server ACK$");
	next(b, "^@\\S+ :alice!\\S+ BATCH \\+\\S+ draft/multiline bob$");
	next(b, "^@batch=\\S+ :alice!\\S+ PRIVMSG bob :one$");
	char *l = next_is(b, "^@batch=\\S+ :alice!\\S+ PRIVMSG bob :x+$");
	ck_assert_int_le(strlen(strchr(l, ' ') + 1), 510);
	size_t first = strlen(strstr(l, " :x") + 2);
	free(l);
	l = next_is(b, "^@batch=\\S+;draft/multiline-concat :alice!\\S+ "
	    "PRIVMSG bob :x+$");
	ck_assert_uint_eq(first + strlen(strstr(l, " :x") + 2), 495);
	free(l);
	next(b, "BATCH -");

	nd_send(a, "BATCH +q draft/multiline carol");
	nd_send(a, "@batch=q PRIVMSG carol :a");
	nd_send(a, "@batch=q PRIVMSG carol :b");
	nd_send(a, "BATCH -q");
	next(c, "^:alice!\\S+ PRIVMSG carol :a$");
	next(c, "^:alice!\\S+ PRIVMSG carol :b$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	nd_finish(&s);
}
END_TEST

/* Each FAIL, and after it the batch's lines go nowhere. */
START_TEST(failures)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = nd_joined(&s, "alice", ML " labeled-response", "#m");
	struct nd_conn *b = nd_joined(&s, "bob", ML, "#m");
	nd_sync(b);
	ND_EXPECT(a, ":bob!\\S+ JOIN #m$");

	nd_send(a, "@label=F1 BATCH +1 draft/multiline #m");
	nd_send(a, "@batch=1 PRIVMSG #other :hi");
	next(a, "^@label=F1 :test\\.server FAIL BATCH MULTILINE_INVALID_TARGET"
	    " #m #other :");
	nd_send(a, "@batch=1 PRIVMSG #m :dropped");
	nd_send(a, "BATCH -1");
	nothing_more(a);

	nd_send(a, "BATCH +2 draft/multiline #m");
	for (int i = 0; i < 101; i++)
		nd_send(a, "@batch=2 PRIVMSG #m :line %d", i);
	next(a, "^:test\\.server FAIL BATCH MULTILINE_MAX_LINES 100 :");
	nd_send(a, "BATCH -2");
	nothing_more(a);

	nd_send(a, "BATCH +3 draft/multiline #m");
	for (int i = 0; i < 11; i++)
		nd_send(a, "@batch=3 PRIVMSG #m :%0400d", i);
	next(a, "^:test\\.server FAIL BATCH MULTILINE_MAX_BYTES 4096 :");
	nd_send(a, "BATCH -3");
	nothing_more(a);

	nd_send(a, "BATCH +4 draft/multiline #m");
	nd_send(a, "@batch=4 PRIVMSG #m :hi");
	nd_send(a, "@batch=4;draft/multiline-concat PRIVMSG #m :");
	next(a, "^:test\\.server FAIL BATCH MULTILINE_INVALID :");
	nd_send(a, "BATCH -4");

	nd_send(a, "BATCH +5 draft/multiline #m");
	nd_send(a, "@batch=6 PRIVMSG #m :hi");
	next(a, "^:test\\.server FAIL BATCH MULTILINE_INVALID :");

	/* Only blank lines: nothing to say. */
	nd_send(a, "BATCH +7 draft/multiline #m");
	nd_send(a, "@batch=7 PRIVMSG #m :");
	nd_send(a, "BATCH -7");
	next(a, "^:test\\.server FAIL BATCH MULTILINE_INVALID :");

	/* Another command breaks a batch, and is run. */
	nd_send(a, "BATCH +8 draft/multiline #m");
	nd_send(a, "@batch=8 PRIVMSG #m :hi");
	nd_send(a, "TOPIC #m");
	next(a, "^:test\\.server FAIL BATCH MULTILINE_INVALID :");
	next(a, " 331 alice #m ");
	nd_send(a, "BATCH -8");
	next(a, "^:test\\.server FAIL BATCH MULTILINE_INVALID :");
	/* A PING does not. */
	nd_send(a, "BATCH +9 draft/multiline #m");
	nd_send(a, "@batch=9 PRIVMSG #m :still");
	nd_send(a, "PING :crossing");
	next(a, "PONG \\S+ :crossing$");
	nd_send(a, "@batch=9 PRIVMSG #m :here");
	nd_send(a, "BATCH -9");

	/* bob saw only the one message that was whole. */
	next(b, "BATCH \\+\\S+ draft/multiline #m$");
	next(b, "PRIVMSG #m :still$");
	next(b, "PRIVMSG #m :here$");
	next(b, "BATCH -");
	nothing_more(b);
	nd_close(a);
	nd_close(b);
	nd_finish(&s);
}
END_TEST

/* Each line of a batch counts for flood control: 40 lines at 20 a second
 * after a burst of 10 take at least 1.5 s to get through, and the batch,
 * held back line by line, still arrives whole. */
START_TEST(flood_counted)
{
	struct nd_server s;
	const char *args[] = { "--flood", "20:10", NULL };

	nd_start(&s, args);
	struct nd_conn *a = nd_joined(&s, "alice", ML, "#m");
	struct nd_conn *b = nd_joined(&s, "bob", ML, "#m");
	nd_sync(b);
	int64_t t0 = time_mono_ms();
	nd_send(a, "BATCH +f draft/multiline #m");
	for (int i = 0; i < 40; i++)
		nd_send(a, "@batch=f PRIVMSG #m :line %d", i);
	nd_send(a, "BATCH -f");
	next(b, "BATCH \\+\\S+ draft/multiline #m$");
	for (int i = 0; i < 40; i++) {
		char re[64];
		snprintf(re, sizeof(re), "PRIVMSG #m :line %d$", i);
		next(b, re);
	}
	next(b, "BATCH -");
	ck_assert_int_ge(time_mono_ms() - t0, 1500);
	nd_close(a);
	nd_close(b);
	nd_finish(&s);
}
END_TEST

/* A batch that never ends is dropped MULTILINE_IDLE_MS after its last
 * line; the connection goes on. */
START_TEST(never_ends)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = nd_joined(&s, "alice", ML, "#m");
	struct nd_conn *b = nd_joined(&s, "bob", ML, "#m");
	nd_sync(b);
	nd_send(a, "BATCH +z draft/multiline #m");
	nd_send(a, "@batch=z PRIVMSG #m :hanging");
	char *l = nd_expect(a, "FAIL BATCH MULTILINE_INVALID :.*timed out",
	    15000);
	ck_assert_msg(l != NULL, "no timeout:\n%s", nd_recent(a));
	free(l);
	nd_send(a, "PRIVMSG #m :after");
	next(b, ":alice!\\S+ PRIVMSG #m :after$");
	nd_close(a);
	nd_close(b);
	nd_finish(&s);
}
END_TEST

/* Stored as one message: CHATHISTORY gives it back as a batch in its
 * batch, or as lines; the replay on JOIN as lines. over: natterd's
 * arguments. */
static void
history(const char *const *args, bool restart)
{
	struct nd_server s;

	nd_start(&s, args);
	struct nd_conn *a = nd_joined(&s, "alice", ALL, "#m");
	send_batch(a, "h", "#m");
	char *open = nd_expect(a, "BATCH \\+\\S+ draft/multiline #m$", T);
	ck_assert_ptr_nonnull(open);
	char msgid[64];
	snprintf(msgid, sizeof(msgid), "%s", tag_of(open, "msgid"));
	free(open);
	ND_EXPECT(a, "BATCH -");
	nd_send(a, "PRIVMSG #m :plain after");
	ND_EXPECT(a, "PRIVMSG #m :plain after$");
	if (restart) {
		nd_close(a);
		nd_finish(&s);
		nd_start(&s, args);
		a = nd_joined(&s, "alice", ALL, "#m");
	}

	struct nd_conn *b = nd_joined(&s, "bob", ML " draft/chathistory "
	    "server-time", "#m");
	nd_sync(b);
	nd_send(b, "CHATHISTORY LATEST #m * 10");
	char *outer = next_is(b, "^:test\\.server BATCH \\+(\\S+) chathistory #m$");
	char oref[32];
	sscanf(outer, ":test.server BATCH +%31s", oref);
	free(outer);
	char re[256];
	snprintf(re, sizeof(re), "^@batch=%s;time=\\S+;msgid=%s;"
	    "\\+draft/reply=abc :alice!\\S+ BATCH \\+\\S+ draft/multiline #m$",
	    oref, msgid);
	next(b, re);
	next(b, "^@batch=\\S+ :alice!\\S+ PRIVMSG #m :hello$");
	next(b, "^@batch=\\S+ :alice!\\S+ PRIVMSG #m :$");
	next(b, "^@batch=\\S+ :alice!\\S+ PRIVMSG #m :how is $");
	next(b, "^@batch=\\S+;draft/multiline-concat :alice!\\S+ PRIVMSG #m"
	    " :everyone\\?$");
	snprintf(re, sizeof(re), "^@batch=%s :alice!\\S+ BATCH -", oref);
	next(b, re);
	next(b, "PRIVMSG #m :plain after$");
	snprintf(re, sizeof(re), "^:test\\.server BATCH -%s$", oref);
	next(b, re);

	struct nd_conn *c = nd_joined(&s, "carol", "draft/chathistory batch "
	    PLAIN_TAGS, "#m");
	nd_sync(c);
	nd_send(c, "CHATHISTORY LATEST #m * 10");
	next(c, "BATCH \\+\\S+ chathistory #m$");
	snprintf(re, sizeof(re), "^@batch=\\S+;time=\\S+;msgid=%s;"
	    "\\+draft/reply=abc :alice!\\S+ PRIVMSG #m :hello$", msgid);
	next(c, re);
	next(c, "^@batch=\\S+;time=\\S+;\\+draft/reply=abc :alice!\\S+ "
	    "PRIVMSG #m :how is $");
	next(c, "^@batch=\\S+;time=\\S+;\\+draft/reply=abc :alice!\\S+ "
	    "PRIVMSG #m :everyone\\?$");
	next(c, "PRIVMSG #m :plain after$");
	next(c, "BATCH -");

	/* No capabilities: the replay on JOIN, each line with its time. */
	struct nd_conn *d = nd_register(&s, "dave", NULL);
	nd_send(d, "JOIN #m");
	next(d, "JOIN #m$");
	ND_EXPECT(d, " 366 dave #m ");
	next(d, "^:alice!\\S+ PRIVMSG #m :\\[[0-9:]+\\] hello$");
	next(d, "^:alice!\\S+ PRIVMSG #m :\\[[0-9:]+\\] how is $");
	next(d, "^:alice!\\S+ PRIVMSG #m :\\[[0-9:]+\\] everyone\\?$");
	next(d, "PRIVMSG #m :\\[[0-9:]+\\] plain after$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	nd_close(d);
	nd_finish(&s);
}

START_TEST(history_memory)
{
	history(NULL, false);
}
END_TEST

START_TEST(history_database)
{
	char db[300];

	snprintf(db, sizeof(db), "%s/history.db", tmpdir);
	const char *args[] = { "--db", db, NULL };
	history(args, true);
}
END_TEST

static Suite *
multiline_suite(void)
{
	Suite *s = suite_create("multiline");
	TCase *tc = tcase_create("multiline");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cap_value);
	tcase_add_test(tc, relay_and_fallback);
	tcase_add_test(tc, private_and_long_line);
	tcase_add_test(tc, failures);
	tcase_add_test(tc, flood_counted);
	tcase_add_test(tc, never_ends);
	tcase_add_test(tc, history_memory);
	tcase_add_test(tc, history_database);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return nd_run_suite(multiline_suite());
}
