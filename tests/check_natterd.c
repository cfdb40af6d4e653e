/*
 * Integration tests: the real natterd on a loopback port, driven by raw
 * IRC connections through tests/harness.c.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define T ND_TIMEOUT_MS
/* A server-time tag: millisecond UTC (IRCv3 server-time). */
#define TIME_RE "time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

static struct nd_server srv;

static void
start(void)
{
	nd_start(&srv, NULL);
}

static void
stop(void)
{
	ck_assert_int_eq(nd_stop(&srv), 0);
	free(srv.log);
}

/* --- registration */

START_TEST(register_welcome)
{
	struct nd_conn *c = nd_connect(&srv);

	nd_send(c, "NICK alice");
	nd_send(c, "USER al 0 * :Alice Liddell");
	ND_EXPECT(c, "^:test\\.server 001 alice :Welcome .* alice!al@127\\.0\\.0\\.1$");
	ND_EXPECT(c, "^:test\\.server 002 alice :Your host is test\\.server");
	ND_EXPECT(c, "^:test\\.server 003 alice ");
	ND_EXPECT(c, "^:test\\.server 004 alice test\\.server [^ ]+ iow [a-z]+");
	ND_EXPECT(c, "^:test\\.server 005 alice .*CASEMAPPING=rfc1459.*CHANTYPES=#&.*:are supported");
	ND_EXPECT(c, "^:test\\.server 005 alice .*TOPICLEN=390");
	ND_EXPECT(c, "^:test\\.server 251 alice :There are 1 users");
	ND_EXPECT(c, "^:test\\.server 254 alice 0 :channels formed");
	ND_EXPECT(c, "^:test\\.server 255 alice ");
	ND_EXPECT(c, "^:test\\.server 422 alice :MOTD File is missing$");
	nd_close(c);
}
END_TEST

START_TEST(register_isupport_tokens)
{
	struct nd_conn *c = nd_register(&srv, "alice", NULL);
	const char *tokens[] = { "PREFIX=(ov)@+", "CHANMODES=,k,l,imnst",
	    "NICKLEN=30", "CHANNELLEN=50", "NETWORK=test.server",
	    "CASEMAPPING=rfc1459", "CHANTYPES=#&", "TOPICLEN=390" };
	char **lines, all[8192] = "";
	size_t n;

	/* VERSION repeats the 005 lines: gather them up to the PONG. */
	nd_send(c, "VERSION");
	nd_send(c, "PING :end");
	n = nd_collect(c, &lines, 1000);
	for (size_t i = 0; i < n; i++) {
		strncat(all, lines[i], sizeof(all) - strlen(all) - 2);
		strcat(all, "\n");
	}
	nd_free_lines(lines, n);
	ck_assert_msg(strstr(all, " 351 alice natterd-") != NULL, "no 351:\n%s", all);
	for (size_t i = 0; i < sizeof(tokens) / sizeof(*tokens); i++)
		ck_assert_msg(strstr(all, tokens[i]) != NULL,
		    "005 lacks %s:\n%s", tokens[i], all);
	nd_close(c);
}
END_TEST

START_TEST(register_nick_errors)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *c = nd_connect(&srv);

	nd_send(c, "NICK");
	ND_EXPECT(c, "^:test\\.server 431 \\* :No nickname given$");
	nd_send(c, "NICK 1abc");
	ND_EXPECT(c, "^:test\\.server 432 \\* 1abc :Erroneous nickname$");
	nd_send(c, "NICK aaaaaaaaaabbbbbbbbbbccccccccccd");
	ND_EXPECT(c, "^:test\\.server 432 \\* aaaaaaaaaabbbbbbbbbbccccccccccd ");
	nd_send(c, "NICK ALICE");
	ND_EXPECT(c, "^:test\\.server 433 \\* ALICE :Nickname is already in use$");
	nd_send(c, "JOIN #x");
	ND_EXPECT(c, "^:test\\.server 451 \\* :You have not registered$");
	nd_send(c, "USER x");
	ND_EXPECT(c, "^:test\\.server 461 \\* USER :Not enough parameters$");
	/* 30 characters is fine. */
	nd_send(c, "NICK aaaaaaaaaabbbbbbbbbbcccccccccc");
	nd_send(c, "USER u 0 * :real");
	ND_EXPECT(c, "^:test\\.server 001 aaaaaaaaaabbbbbbbbbbcccccccccc ");
	ND_EXPECT(c, " 422 ");
	nd_send(c, "USER u 0 * :again");
	ND_EXPECT(c, " 462 aaaaaaaaaabbbbbbbbbbcccccccccc :You may not reregister$");
	nd_send(c, "PASS foo");
	ND_EXPECT(c, " 462 ");
	nd_send(c, "FROBNICATE now");
	ND_EXPECT(c, " 421 aaaaaaaaaabbbbbbbbbbcccccccccc FROBNICATE :Unknown command$");
	nd_close(c);
	nd_close(a);
}
END_TEST

START_TEST(register_cap_negotiation)
{
	struct nd_conn *c = nd_connect(&srv);

	nd_send(c, "CAP LS 302");
	nd_send(c, "NICK carol");
	nd_send(c, "USER c 0 * :Carol");
	ND_EXPECT(c, "^:test\\.server CAP \\* LS :.*server-time");
	nd_send(c, "CAP REQ :server-time bogus-cap");
	ND_EXPECT(c, "^:test\\.server CAP carol NAK :server-time bogus-cap$");
	nd_send(c, "CAP REQ :server-time echo-message");
	ND_EXPECT(c, "^:test\\.server CAP carol ACK :server-time echo-message$");
	nd_send(c, "CAP LIST");
	ND_EXPECT(c, "^:test\\.server CAP carol LIST :.*echo-message");
	nd_send(c, "CAP REQ :-echo-message");
	ND_EXPECT(c, "CAP carol ACK :-echo-message$");
	nd_send(c, "CAP FOO");
	ND_EXPECT(c, " 410 carol FOO :Invalid CAP command$");
	/* Registration waits for CAP END. */
	nd_send(c, "PING :before-end");
	char *l = nd_expect_not(c, "PONG .*before-end", " 001 ", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_send(c, "CAP END");
	ND_EXPECT(c, "^:test\\.server 001 carol ");
	nd_send(c, "CAP LIST");
	ND_EXPECT(c, "CAP carol LIST :.*server-time");
	nd_close(c);
}
END_TEST

START_TEST(register_timeout)
{
	struct nd_server s;
	nd_start(&s, (const char *[]){ "--ping-timeout", "1", NULL });
	struct nd_conn *c = nd_connect(&s);
	nd_send(c, "NICK slow");
	ND_EXPECT(c, "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Registration timed out\\)$");
	ck_assert(nd_wait_closed(c, T));
	nd_close(c);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(ping_timeout)
{
	struct nd_server s;
	nd_start(&s, (const char *[]){ "--ping-timeout", "1", NULL });
	struct nd_conn *c = nd_register(&s, "sleepy", NULL);
	struct nd_conn *d = nd_register(&s, "watcher", NULL);
	nd_send(c, "JOIN #p");
	nd_send(d, "JOIN #p");
	ND_EXPECT(c, "^(:test\\.server )?PING :test\\.server$");
	ND_EXPECT(d, "^(:test\\.server )?PING :test\\.server$");
	nd_send(d, "PONG :test.server");
	/* sleepy stays silent: closed after another second. */
	ND_EXPECT(c, "^ERROR :Closing link: .*\\(Ping timeout: 1 seconds\\)$");
	ND_EXPECT(d, "^:sleepy!.* QUIT :Ping timeout: 1 seconds$");
	nd_close(c);
	nd_close(d);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/* --- channels and messages */

START_TEST(join_privmsg_part)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "JOIN #room");
	ND_EXPECT(a, "^:alice!alice@127\\.0\\.0\\.1 JOIN #room$");
	ND_EXPECT(a, "^:test\\.server 353 alice = #room :@alice$");
	ND_EXPECT(a, "^:test\\.server 366 alice #room :End of /NAMES list\\.$");
	nd_send(b, "JOIN #ROOM");
	ND_EXPECT(b, "^:bob!bob@127\\.0\\.0\\.1 JOIN #room$");
	ND_EXPECT(b, "^:test\\.server 353 bob = #room :(@alice bob|bob @alice)$");
	ND_EXPECT(a, "^:bob!bob@127\\.0\\.0\\.1 JOIN #room$");
	nd_send(a, "PRIVMSG #room :hello, bob");
	ND_EXPECT(b, "^:alice!alice@127\\.0\\.0\\.1 PRIVMSG #room :hello, bob$");
	nd_send(b, "NOTICE #room :notice to all");
	ND_EXPECT(a, "^:bob!bob@127\\.0\\.0\\.1 NOTICE #room :notice to all$");
	nd_send(b, "PRIVMSG alice :private");
	ND_EXPECT(a, "^:bob!bob@127\\.0\\.0\\.1 PRIVMSG alice :private$");
	nd_send(b, "PRIVMSG alice,#room :two targets");
	ND_EXPECT(a, "^:bob!.* PRIVMSG alice :two targets$");
	ND_EXPECT(a, "^:bob!.* PRIVMSG #room :two targets$");
	nd_send(b, "PART #room :see you");
	ND_EXPECT(a, "^:bob!bob@127\\.0\\.0\\.1 PART #room :see you$");
	ND_EXPECT(b, "^:bob!bob@127\\.0\\.0\\.1 PART #room :see you$");
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(message_errors)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "PRIVMSG");
	ND_EXPECT(a, " 411 alice :No recipient given \\(PRIVMSG\\)$");
	nd_send(a, "PRIVMSG bob");
	ND_EXPECT(a, " 412 alice :No text to send$");
	nd_send(a, "PRIVMSG nobody :hi");
	ND_EXPECT(a, " 401 alice nobody :No such nick/channel$");
	nd_send(a, "PRIVMSG #nowhere :hi");
	ND_EXPECT(a, " 403 alice #nowhere :No such channel$");
	nd_send(b, "JOIN #closed");
	ND_EXPECT(b, " 366 ");
	nd_send(a, "PRIVMSG #closed :from outside");
	ND_EXPECT(a, " 404 alice #closed :Cannot send to channel$");
	nd_send(a, "PRIVMSG a,b,c,d,e :many");
	ND_EXPECT(a, " 407 alice e :Too many targets$");
	/* NOTICE never answers with an error. */
	nd_send(a, "NOTICE nobody :hi");
	nd_send(a, "NOTICE #closed :hi");
	nd_send(a, "PING :after-notice");
	char *l = nd_expect_not(a, "PONG .*after-notice", " 40[134] ", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_send(a, "PART #closed");
	ND_EXPECT(a, " 442 alice #closed :You're not on that channel$");
	nd_send(a, "PART #gone");
	ND_EXPECT(a, " 403 alice #gone :No such channel$");
	nd_send(a, "JOIN bad");
	ND_EXPECT(a, " 403 alice bad :No such channel$");
	nd_send(a, "JOIN");
	ND_EXPECT(a, " 461 alice JOIN :Not enough parameters$");
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(server_time_and_echo)
{
	struct nd_conn *a = nd_register(&srv, "alice",
	    "server-time echo-message message-tags");
	struct nd_conn *b = nd_register(&srv, "bob", "server-time");
	struct nd_conn *c = nd_register(&srv, "carl", NULL);

	nd_send(a, "JOIN #t");
	ND_EXPECT(a, "^@" TIME_RE " :alice!alice@127\\.0\\.0\\.1 JOIN #t$");
	nd_send(b, "JOIN #t");
	ND_EXPECT(b, " 366 ");
	nd_send(c, "JOIN #t");
	ND_EXPECT(c, " 366 ");
	nd_sync(a);
	nd_send(a, "PRIVMSG #t :stamped");
	/* The sender's echo carries msgid (message-tags) and the time. */
	ND_EXPECT(a, "^@" TIME_RE ";msgid=[a-z2-7]+ :alice!alice@127\\.0\\.0\\.1 PRIVMSG #t :stamped$");
	ND_EXPECT(b, "^@" TIME_RE " :alice!alice@127\\.0\\.0\\.1 PRIVMSG #t :stamped$");
	ND_EXPECT(c, "^:alice!alice@127\\.0\\.0\\.1 PRIVMSG #t :stamped$");
	/* Private: echoed to the sender too. */
	nd_send(a, "PRIVMSG bob :direct");
	ND_EXPECT(b, "^@" TIME_RE " :alice!.* PRIVMSG bob :direct$");
	ND_EXPECT(a, "^@" TIME_RE ";msgid=[a-z2-7]+ :alice!.* PRIVMSG bob :direct$");
	/* No echo without the cap: bob's next line is the PONG. */
	nd_send(b, "PRIVMSG #t :no echo");
	nd_send(b, "PING :x1");
	char *l = nd_expect_not(b, "PONG .*x1$", "PRIVMSG #t :no echo", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

START_TEST(server_time_wellformed)
{
	struct nd_conn *a = nd_register(&srv, "alice", "server-time");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	time_t before = time(NULL);

	nd_send(a, "JOIN #t");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #t");
	nd_send(b, "PRIVMSG #t :when");
	char *l = nd_expect(a, "PRIVMSG #t :when$", T);
	ck_assert_ptr_nonnull(l);
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	int ms = -1;
	ck_assert_int_eq(sscanf(l, "@time=%4d-%2d-%2dT%2d:%2d:%2d.%3dZ ",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec, &ms), 7);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	ck_assert_int_ge(ms, 0);
	ck_assert_int_le(ms, 999);
	/* Within the test's own run (no clock assertions finer than that). */
	ck_assert_int_ge((long long)t, (long long)before - 1);
	ck_assert_int_le((long long)t, (long long)time(NULL) + 1);
	free(l);
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(tags_end_to_end)
{
	struct nd_conn *a = nd_register(&srv, "alice", "message-tags");
	struct nd_conn *b = nd_register(&srv, "bob", "message-tags");
	struct nd_conn *c = nd_register(&srv, "carl", NULL);

	nd_send(a, "JOIN #t");
	nd_send(b, "JOIN #t");
	nd_send(c, "JOIN #t");
	ND_EXPECT(c, " 366 ");
	nd_sync(a);
	nd_sync(b);
	/* Client tags with every escape survive the trip; server-only
	 * tags from a client are not relayed. */
	nd_send(a, "@+example/x=semi\\:space\\sback\\\\cr\\rlf\\n;+flag;bogus=1 PRIVMSG #t :tagged");
	ND_EXPECT(b, "^@msgid=[a-z2-7]+;\\+example/x=semi\\\\:space\\\\sback\\\\\\\\cr\\\\rlf\\\\n;\\+flag :alice!.* PRIVMSG #t :tagged$");
	ND_EXPECT(c, "^:alice!.* PRIVMSG #t :tagged$");
	/* TAGMSG reaches only message-tags clients. */
	nd_send(a, "@+typing=active TAGMSG #t");
	ND_EXPECT(b, "^@msgid=[a-z2-7]+;\\+typing=active :alice!.* TAGMSG #t$");
	nd_send(a, "PRIVMSG #t :after");
	char *l = nd_expect_not(c, "PRIVMSG #t :after$", "TAGMSG", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

START_TEST(labeled_response)
{
	struct nd_conn *a = nd_register(&srv, "alice",
	    "labeled-response batch echo-message");

	nd_send(a, "@label=one PING :x");
	ND_EXPECT(a, "^@label=one :test\\.server PONG test\\.server :x$");
	nd_send(a, "@label=two PONG :x");
	ND_EXPECT(a, "^@label=two :test\\.server ACK$");
	nd_send(a, "@label=three JOIN #lr");
	ND_EXPECT(a, "^@label=three :test\\.server BATCH \\+([^ ]+) labeled-response$");
	ND_EXPECT(a, "^@batch=[^ ]+ :alice!.* JOIN #lr$");
	ND_EXPECT(a, "^@batch=[^ ]+ :test\\.server 353 ");
	ND_EXPECT(a, "^@batch=[^ ]+ :test\\.server 366 ");
	ND_EXPECT(a, "^:test\\.server BATCH -");
	nd_send(a, "@label=four PRIVMSG #lr :echoed");
	ND_EXPECT(a, "^@label=four :alice!.* PRIVMSG #lr :echoed$");
	nd_close(a);
}
END_TEST

static Suite *
natterd_suite(void)
{
	Suite *s = suite_create("natterd");
	TCase *tc;

	tc = tcase_create("registration");
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, register_welcome);
	tcase_add_test(tc, register_isupport_tokens);
	tcase_add_test(tc, register_nick_errors);
	tcase_add_test(tc, register_cap_negotiation);
	tcase_add_test(tc, register_timeout);
	tcase_add_test(tc, ping_timeout);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, join_privmsg_part);
	tcase_add_test(tc, message_errors);
	tcase_add_test(tc, server_time_and_echo);
	tcase_add_test(tc, server_time_wellformed);
	tcase_add_test(tc, tags_end_to_end);
	tcase_add_test(tc, labeled_response);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(natterd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
