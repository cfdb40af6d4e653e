/*
 * Integration tests: the real natterd on a loopback port, driven by raw
 * IRC connections through tests/harness.c.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "testlib.h"

#define T ND_TIMEOUT_MS
/* natterd's BAN_MASK_MAX and IRC_CHAN_MAX, as a client sees them. */
#define BAN_MASK_TEST 120
#define IRC_CHAN_TEST 50
/* A server-time tag: millisecond UTC (IRCv3 server-time). */
#define TIME_RE "time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

static struct nd_server srv;

/* The next line is exactly want (a regular expression). */
static void
next_is(struct nd_conn *c, const char *want)
{
	char *l = nd_line(c, T);
	regex_t re;

	ck_assert_msg(l != NULL, "nothing came, wanted %s:\n%s", want,
	    nd_recent(c));
	ck_assert_int_eq(regcomp(&re, want, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&re, l, 0, NULL, 0) == 0, "got %s, wanted %s",
	    l, want);
	regfree(&re);
	free(l);
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
	/* User modes, channel modes, channel modes with a parameter. */
	ND_EXPECT(c, "^:test\\.server 004 alice test\\.server natterd-[^ ]+ Biow Ibiklmnostv Ibklov$");
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
	const char *tokens[] = { "PREFIX=(ov)@+", "CHANMODES=Ib,k,l,imnst", "MAXLIST=b:100,I:100", "INVEX",
	    "NICKLEN=30", "CHANNELLEN=50", "NETWORK=test.server",
	    "CASEMAPPING=rfc1459", "CHANTYPES=#&", "TOPICLEN=390", "MODES=4" };
	char all[8192] = "";

	/* VERSION repeats the 005 lines: gather them up to the PONG. */
	nd_send(c, "VERSION");
	nd_send(c, "PING :end");
	for (;;) {
		char *l = nd_line(c, T);
		ck_assert_msg(l != NULL, "no PONG after VERSION:\n%s", all);
		bool end = strstr(l, "PONG") != NULL;
		strncat(all, l, sizeof(all) - strlen(all) - 2);
		strcat(all, "\n");
		free(l);
		if (end)
			break;
	}
	ck_assert_msg(strstr(all, " 351 alice natterd-") != NULL, "no 351:\n%s", all);
	/* Whole tokens: each is followed by another or by the trailer. */
	for (size_t i = 0; i < sizeof(tokens) / sizeof(*tokens); i++) {
		char tok[128];
		snprintf(tok, sizeof(tok), " %s ", tokens[i]);
		ck_assert_msg(strstr(all, tok) != NULL,
		    "005 lacks %s:\n%s", tokens[i], all);
	}
	nd_close(c);
}
END_TEST

/*
 * A connection that has not registered holds its nick only until someone
 * asks for it: sockets that never register cannot squat the nicks of the
 * people who use them. The squatter is told (433) and may pick another.
 */
START_TEST(unregistered_nick_gives_way)
{
	struct nd_conn *sq = nd_connect(&srv);
	struct nd_conn *sq2 = nd_connect(&srv);

	nd_send(sq, "NICK alice");
	nd_send(sq2, "NICK dave");
	nd_sync(sq);
	nd_sync(sq2);
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	ND_EXPECT(sq, "^:test\\.server 433 \\* alice :Nickname overruled$");
	struct nd_conn *c = nd_register(&srv, "carol", NULL);
	nd_send(c, "NICK dave");
	ND_EXPECT(c, "^:carol!.* NICK :?dave$");
	ND_EXPECT(sq2, "^:test\\.server 433 \\* dave :Nickname overruled$");
	/* The squatter may register under another nick. */
	nd_send(sq, "NICK alice2");
	nd_send(sq, "USER u 0 * :real");
	ND_EXPECT(sq, "^:test\\.server 001 alice2 ");
	/* A registered nick is not taken from its holder. */
	nd_send(sq2, "NICK alice");
	ND_EXPECT(sq2, "^:test\\.server 433 \\* alice :Nickname is already in use$");
	nd_send(a, "PRIVMSG alice :still mine");
	ND_EXPECT(a, "^:alice!.* PRIVMSG alice :still mine$");
	nd_close(sq);
	nd_close(sq2);
	nd_close(a);
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
	/* CAP LS 302 implies cap-notify (capability-negotiation, 3.2). */
	nd_send(c, "CAP LIST");
	ND_EXPECT(c, "^:test\\.server CAP carol LIST :.*cap-notify");
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

/* A target named twice in one message gets it once (casemapped), and
 * counts once towards TARGMAX. */
START_TEST(message_duplicate_targets)
{
	struct nd_conn *a = nd_register(&srv, "alice", "echo-message");
	struct nd_conn *b = nd_register(&srv, "Bob[1]", NULL);
	char *l;

	nd_send(a, "JOIN #dup");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #dup");
	ND_EXPECT(b, " 366 ");
	nd_sync(a);
	nd_send(a, "PRIVMSG Bob[1],BOB{1},bob[1] :once");
	ND_EXPECT(b, "^:alice!.* PRIVMSG Bob\\[1\\] :once$");
	ND_EXPECT(a, "^:alice!.* PRIVMSG Bob\\[1\\] :once$");
	nd_send(a, "PRIVMSG #dup,#DUP :once to the channel");
	ND_EXPECT(b, "^:alice!.* PRIVMSG #dup :once to the channel$");
	ND_EXPECT(a, "^:alice!.* PRIVMSG #dup :once to the channel$");
	nd_send(a, "NOTICE #Dup,#dup,Bob[1],bob{1} :noticed once");
	ND_EXPECT(b, "^:alice!.* NOTICE #dup :noticed once$");
	ND_EXPECT(b, "^:alice!.* NOTICE Bob\\[1\\] :noticed once$");
	ND_EXPECT(a, "^:alice!.* NOTICE #dup :noticed once$");
	ND_EXPECT(a, "^:alice!.* NOTICE Bob\\[1\\] :noticed once$");
	/* The second copies would come before the marker. */
	nd_send(a, "PRIVMSG Bob[1] :marker");
	l = nd_expect_not(b, " PRIVMSG Bob\\[1\\] :marker$", "once", T);
	ck_assert_msg(l != NULL, "a duplicate came:\n%s", nd_recent(b));
	free(l);
	l = nd_expect_not(a, " PRIVMSG Bob\\[1\\] :marker$", "once", T);
	ck_assert_msg(l != NULL, "a duplicate echo came:\n%s", nd_recent(a));
	free(l);
	/* Errors once too; repeats are not more targets (TARGMAX=4). */
	nd_send(a, "PRIVMSG nobody,NOBODY,nobody,nobody,nobody,#dup :x");
	ND_EXPECT(a, " 401 alice nobody ");
	l = nd_expect_not(a, "^:alice!.* PRIVMSG #dup :x$", " 40[17] ", T);
	ck_assert_msg(l != NULL, "a second error came:\n%s", nd_recent(a));
	free(l);
	nd_send(a, "PRIVMSG a1,a2,a3,a4,A1,a5 :x");
	ND_EXPECT(a, " 401 alice a4 ");
	ND_EXPECT(a, "^:test\\.server 407 alice a5 :Too many targets$");
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

/* --- channel commands */

START_TEST(topic_commands)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "JOIN #t");
	ND_EXPECT(a, " 366 ");
	nd_send(a, "TOPIC #t");
	ND_EXPECT(a, " 331 alice #t :No topic is set$");
	nd_send(a, "TOPIC #t :the topic here");
	ND_EXPECT(a, "^:alice!alice@127\\.0\\.0\\.1 TOPIC #t :the topic here$");
	nd_send(b, "TOPIC #t :not a member");
	ND_EXPECT(b, " 442 bob #t :You're not on that channel$");
	nd_send(b, "JOIN #t");
	ND_EXPECT(b, " 332 bob #t :the topic here$");
	ND_EXPECT(b, " 333 bob #t alice!alice@127\\.0\\.0\\.1 [0-9]+$");
	ND_EXPECT(b, " 366 ");
	nd_send(b, "TOPIC #t :bob's topic");
	ND_EXPECT(b, " 482 bob #t :You're not channel operator$");
	nd_send(b, "TOPIC #nope");
	ND_EXPECT(b, " 403 bob #nope :No such channel$");
	nd_send(b, "TOPIC");
	ND_EXPECT(b, " 461 bob TOPIC :Not enough parameters$");
	/* -t lets anyone on the channel set it. */
	nd_send(a, "MODE #t -t");
	ND_EXPECT(b, "^:alice!.* MODE #t -t$");
	nd_send(b, "TOPIC #t :bob's topic");
	ND_EXPECT(a, "^:bob!.* TOPIC #t :bob's topic$");
	nd_send(b, "TOPIC #t");
	ND_EXPECT(b, " 332 bob #t :bob's topic$");
	ND_EXPECT(b, " 333 bob #t bob!");
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(names_list_who)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob",
	    "multi-prefix userhost-in-names");

	nd_send(a, "JOIN #one");
	nd_send(a, "TOPIC #one :first");
	nd_send(a, "JOIN #two");
	nd_send(a, "MODE #two +s");
	ND_EXPECT(a, "MODE #two \\+s$");
	nd_send(b, "JOIN #one");
	ND_EXPECT(b, " 366 ");
	nd_send(a, "MODE #one +v bob");
	ND_EXPECT(b, "^:alice!.* MODE #one \\+v bob$");
	nd_send(a, "MODE #one +v alice");
	ND_EXPECT(b, "^:alice!.* MODE #one \\+v alice$");
	nd_send(b, "NAMES #one");
	ND_EXPECT(b, "^:test\\.server 353 bob = #one :(@\\+alice!alice@127\\.0\\.0\\.1 \\+bob!bob@127\\.0\\.0\\.1|\\+bob!bob@127\\.0\\.0\\.1 @\\+alice!alice@127\\.0\\.0\\.1)$");
	ND_EXPECT(b, "^:test\\.server 366 bob #one :End of /NAMES list\\.$");
	nd_send(a, "NAMES #one");
	ND_EXPECT(a, "^:test\\.server 353 alice = #one :(@alice \\+bob|\\+bob @alice)$");
	/* A secret channel is hidden from outsiders. */
	nd_send(b, "NAMES #two");
	char *l = nd_expect_not(b, " 366 bob #two ", " 353 ", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_send(b, "LIST");
	ND_EXPECT(b, "^:test\\.server 321 bob Channel :Users  Name$");
	l = nd_expect_not(b, " 322 bob #one 2 :first$", "#two", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	ND_EXPECT(b, "^:test\\.server 323 bob :End of /LIST$");
	nd_send(a, "LIST #two");
	ND_EXPECT(a, " 322 alice #two 1 :$");
	ND_EXPECT(a, " 323 ");
	nd_send(b, "WHO #one");
	ND_EXPECT(b, "^:test\\.server 352 bob #one (alice|bob) 127\\.0\\.0\\.1 test\\.server (alice|bob) H[@+]+ :0 (alice|bob)'s real name$");
	ND_EXPECT(b, "^:test\\.server 352 bob #one ");
	ND_EXPECT(b, "^:test\\.server 315 bob #one :End of /WHO list\\.$");
	nd_send(b, "WHO alice");
	ND_EXPECT(b, "^:test\\.server 352 bob \\* alice 127\\.0\\.0\\.1 test\\.server alice H :0 alice's real name$");
	ND_EXPECT(b, " 315 bob alice :End of /WHO list\\.$");
	nd_send(b, "WHO al*");
	ND_EXPECT(b, " 352 bob \\* alice ");
	ND_EXPECT(b, " 315 bob al\\* ");
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(whois_away)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", "away-notify");

	nd_send(a, "JOIN #w");
	nd_send(b, "JOIN #w");
	ND_EXPECT(b, " 366 ");
	nd_send(b, "WHOIS alice");
	ND_EXPECT(b, "^:test\\.server 311 bob alice alice 127\\.0\\.0\\.1 \\* :alice's real name$");
	ND_EXPECT(b, "^:test\\.server 319 bob alice :@#w$");
	ND_EXPECT(b, "^:test\\.server 312 bob alice test\\.server :");
	ND_EXPECT(b, "^:test\\.server 317 bob alice [0-9]+ [0-9]+ :seconds idle, signon time$");
	ND_EXPECT(b, "^:test\\.server 318 bob alice :End of /WHOIS list\\.$");
	nd_send(b, "WHOIS nobody");
	ND_EXPECT(b, " 401 bob nobody :No such nick/channel$");
	ND_EXPECT(b, " 318 bob nobody ");
	nd_send(b, "WHOIS");
	ND_EXPECT(b, " 461 bob WHOIS ");
	nd_send(a, "AWAY :gone fishing");
	ND_EXPECT(a, " 306 alice :You have been marked as being away$");
	ND_EXPECT(b, "^:alice!alice@127\\.0\\.0\\.1 AWAY :gone fishing$");
	nd_send(b, "PRIVMSG alice :are you there");
	ND_EXPECT(b, " 301 bob alice :gone fishing$");
	nd_send(b, "WHOIS alice");
	ND_EXPECT(b, " 301 bob alice :gone fishing$");
	ND_EXPECT(b, " 318 ");
	nd_send(b, "USERHOST alice bob nobody");
	ND_EXPECT(b, " 302 bob :alice=-alice@127\\.0\\.0\\.1 bob=\\+bob@127\\.0\\.0\\.1$");
	nd_send(b, "ISON nobody ALICE bob");
	ND_EXPECT(b, " 303 bob :alice bob$");
	nd_send(a, "AWAY");
	ND_EXPECT(a, " 305 alice :You are no longer marked as being away$");
	ND_EXPECT(b, "^:alice!alice@127\\.0\\.0\\.1 AWAY$");
	nd_send(b, "USERHOST");
	ND_EXPECT(b, " 461 bob USERHOST ");
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(channel_modes)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	struct nd_conn *c = nd_register(&srv, "carl", NULL);

	nd_send(a, "JOIN #m");
	ND_EXPECT(a, " 366 ");
	nd_send(a, "MODE #m");
	ND_EXPECT(a, "^:test\\.server 324 alice #m \\+nt$");
	ND_EXPECT(a, "^:test\\.server 329 alice #m [0-9]+$");
	nd_send(a, "MODE #m +kl secret 2");
	ND_EXPECT(a, "^:alice!.* MODE #m \\+kl secret 2$");
	nd_send(a, "MODE #m");
	ND_EXPECT(a, " 324 alice #m \\+klnt secret 2$");
	nd_send(b, "JOIN #m");
	ND_EXPECT(b, " 475 bob #m :Cannot join channel \\(\\+k\\)$");
	nd_send(b, "JOIN #m secret");
	ND_EXPECT(b, "JOIN #m$");
	nd_send(b, "MODE #m");
	ND_EXPECT(b, " 324 bob #m \\+klnt secret 2$");
	nd_send(c, "MODE #m");
	ND_EXPECT(c, " 324 carl #m \\+klnt \\* 2$");
	nd_send(c, "JOIN #m secret");
	ND_EXPECT(c, " 471 carl #m :Cannot join channel \\(\\+l\\)$");
	nd_send(b, "MODE #m +i");
	ND_EXPECT(b, " 482 bob #m :You're not channel operator$");
	nd_send(a, "MODE #m -kl+i secret");
	ND_EXPECT(a, "^:alice!.* MODE #m -kl\\+i \\*$");
	nd_send(c, "JOIN #m");
	ND_EXPECT(c, " 473 carl #m :Cannot join channel \\(\\+i\\)$");
	/* INVITE lets carl in; invite-notify is not asked for by bob. */
	nd_send(b, "INVITE carl #m");
	ND_EXPECT(b, " 482 bob #m ");
	nd_send(a, "INVITE carl #m");
	ND_EXPECT(a, "^:test\\.server 341 alice carl #m$");
	ND_EXPECT(c, "^:alice!alice@127\\.0\\.0\\.1 INVITE carl #m$");
	nd_send(a, "INVITE bob #m");
	ND_EXPECT(a, " 443 alice bob #m :is already on channel$");
	nd_send(a, "INVITE nobody #m");
	ND_EXPECT(a, " 401 alice nobody ");
	nd_send(c, "JOIN #m");
	ND_EXPECT(c, "^:carl!.* JOIN #m$");
	/* +m: only voiced or ops speak. */
	nd_send(a, "MODE #m +m");
	ND_EXPECT(b, "MODE #m \\+m$");
	nd_send(b, "PRIVMSG #m :muted");
	ND_EXPECT(b, " 404 bob #m :Cannot send to channel$");
	nd_send(a, "MODE #m +v bob");
	ND_EXPECT(b, "MODE #m \\+v bob$");
	nd_send(b, "PRIVMSG #m :voiced");
	ND_EXPECT(c, "^:bob!.* PRIVMSG #m :voiced$");
	/* +o hands over operator status. */
	nd_send(a, "MODE #m +o carl");
	ND_EXPECT(c, "^:alice!.* MODE #m \\+o carl$");
	nd_send(c, "MODE #m -o alice");
	ND_EXPECT(a, "^:carl!.* MODE #m -o alice$");
	nd_send(a, "MODE #m +t");
	ND_EXPECT(a, " 482 alice #m ");
	nd_send(c, "MODE #m +x");
	ND_EXPECT(c, " 472 carl x :is unknown mode char to me for #m$");
	nd_send(c, "MODE #m +o nobody");
	ND_EXPECT(c, " 401 carl nobody ");
	nd_send(c, "MODE #m +l nonsense");
	ND_EXPECT(c, " 696 carl #m l nonsense ");
	nd_send(c, "MODE #nope +n");
	ND_EXPECT(c, " 403 carl #nope ");
	nd_send(c, "MODE #m -n+s");
	ND_EXPECT(b, "^:carl!.* MODE #m -n\\+s$");
	/* MODES=4: a fifth change with a parameter is not applied. */
	nd_send(c, "MODE #m +lllll 3 4 5 6 7");
	ND_EXPECT(b, "^:carl!.* MODE #m \\+llll 3 4 5 6$");
	nd_send(c, "MODE #m");
	ND_EXPECT(c, " 324 carl #m \\+[a-z]+ 6$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

/* CAP LIST: what this client enabled, nothing when it enabled nothing. */
START_TEST(cap_list_enabled_only)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	nd_send(a, "CAP LIST");
	ND_EXPECT(a, "^:test\\.server CAP alice LIST :$");
	nd_send(a, "CAP REQ :echo-message");
	ND_EXPECT(a, " CAP alice ACK :echo-message$");
	nd_send(a, "CAP LIST");
	ND_EXPECT(a, "^:test\\.server CAP alice LIST :echo-message$");
	nd_close(a);
}
END_TEST

/*
 * Every capability CAP LS offers can be enabled alone and is then the only
 * one CAP LIST shows: no two share a bit, and CAP REQ knows every name CAP
 * LS gives.
 */
START_TEST(cap_each_alone)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	char *names[32], *sp, *tok;
	size_t n = 0;

	/* Not 302: that would enable cap-notify by itself. */
	nd_send(a, "CAP LS");
	char *ls = nd_expect(a, " CAP alice LS :", T);
	ck_assert_ptr_nonnull(ls);
	for (char *p = strstr(ls, " LS :") + 5; (tok = strtok_r(p, " ", &sp));
	    p = NULL) {
		ck_assert_uint_lt(n, 32);
		names[n++] = tok;
	}
	ck_assert_uint_eq(n, 25);
	for (size_t i = 0; i < n; i++) {
		char re[128];
		ck_assert_ptr_null(strchr(names[i], '='));
		nd_send(a, "CAP REQ :%s", names[i]);
		snprintf(re, sizeof(re), "^:test\\.server CAP alice ACK :%s$",
		    names[i]);
		next_is(a, re);
		nd_send(a, "CAP LIST");
		snprintf(re, sizeof(re), "^:test\\.server CAP alice LIST :%s$",
		    names[i]);
		next_is(a, re);
		nd_send(a, "CAP REQ :-%s", names[i]);
		next_is(a, " CAP alice ACK :-");
	}
	nd_send(a, "CAP LIST");
	next_is(a, "^:test\\.server CAP alice LIST :$");
	free(ls);
	nd_close(a);
}
END_TEST

/* irssi sends WHOWAS by itself after a WHOIS that found no one. */
START_TEST(whowas_empty)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	nd_send(a, "WHOWAS gone");
	ND_EXPECT(a, "^:test\\.server 406 alice gone :There was no such nickname$");
	ND_EXPECT(a, "^:test\\.server 369 alice gone :End of WHOWAS$");
	nd_send(a, "WHOWAS x,y 2");
	ND_EXPECT(a, " 406 alice x ");
	ND_EXPECT(a, " 406 alice y ");
	ND_EXPECT(a, " 369 alice x,y ");
	nd_send(a, "WHOWAS");
	ND_EXPECT(a, " 461 alice WHOWAS ");
	nd_close(a);
}
END_TEST

/* irssi and WeeChat ask for the ban list on join and wait for its end. */
START_TEST(mode_list_queries)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "JOIN #l");
	ND_EXPECT(a, " 366 ");
	nd_send(a, "MODE #l b");
	ND_EXPECT(a, "^:test\\.server 368 alice #l :End of channel ban list$");
	nd_send(b, "MODE #l +b");
	ND_EXPECT(b, "^:test\\.server 368 bob #l ");
	nd_send(b, "MODE #l e");
	ND_EXPECT(b, "^:test\\.server 349 bob #l ");
	nd_send(b, "MODE #l I");
	ND_EXPECT(b, "^:test\\.server 347 bob #l ");
	nd_send(a, "MODE #l x");
	ND_EXPECT(a, " 472 alice x ");
	nd_close(a);
	nd_close(b);
}
END_TEST

/* Letters natterd does not know get 472 each; the rest of the line applies. */
START_TEST(mode_unknown_letters)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	const char *unknown = "eqahjcCxZ";

	nd_send(a, "JOIN #u");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #u");
	ND_EXPECT(b, " 366 ");
	ND_EXPECT(a, " JOIN #u$");
	nd_send(a, "MODE #u +%s", unknown);
	for (const char *p = unknown; *p != '\0'; p++) {
		char re[80];
		snprintf(re, sizeof(re), "^:test\\.server 472 alice %c :is "
		    "unknown mode char to me for #u$", *p);
		next_is(a, re);
	}
	nd_sync(a);
	/* An unknown letter takes no parameter: the mask goes to +b. */
	nd_send(a, "MODE #u +xmeb y z");
	next_is(a, "^:test\\.server 472 alice x ");
	next_is(a, "^:test\\.server 472 alice e ");
	next_is(a, "^:alice!alice@127\\.0\\.0\\.1 MODE #u \\+mb y!\\*@\\*$");
	/* Operator status is checked first. */
	nd_send(b, "MODE #u +x");
	next_is(b, "^:alice!.* MODE #u \\+mb y!\\*@\\*$");
	next_is(b, "^:test\\.server 482 bob #u :You're not channel operator$");
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(mode_key_edges)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	char key[32];

	nd_send(a, "JOIN #k");
	ND_EXPECT(a, " 366 ");
	nd_send(a, "MODE #k +k");
	next_is(a, "^:test\\.server 461 alice MODE :Not enough parameters$");
	nd_send(a, "MODE #k +k a,b");
	next_is(a, "^:test\\.server 525 alice #k :Key is not well-formed$");
	memset(key, 'k', sizeof(key));
	key[24] = '\0';		/* KEYLEN=23 */
	nd_send(a, "MODE #k +k %s", key);
	next_is(a, " 525 alice #k ");
	key[23] = '\0';
	nd_send(a, "MODE #k +k %s", key);
	next_is(a, "^:alice!.* MODE #k \\+k k{23}$");
	/* A key replaces the key, and is echoed again. */
	nd_send(a, "MODE #k +k two");
	next_is(a, "^:alice!.* MODE #k \\+k two$");
	nd_send(a, "MODE #k");
	next_is(a, " 324 alice #k \\+knt two$");
	next_is(a, " 329 alice #k ");
	/* -k takes a key, ignores it and shows "*"; without one it works too. */
	nd_send(a, "MODE #k -k wrong");
	next_is(a, "^:alice!.* MODE #k -k \\*$");
	nd_send(a, "MODE #k -k");
	nd_send(a, "MODE #k +k three");
	next_is(a, "^:alice!.* MODE #k \\+k three$");
	nd_send(a, "MODE #k -k");
	next_is(a, "^:alice!.* MODE #k -k \\*$");
	/* -k consumes its parameter: the limit takes the next one. */
	nd_send(a, "MODE #k +k four");
	next_is(a, "^:alice!.* MODE #k \\+k four$");
	nd_send(a, "MODE #k -k+l four 9");
	next_is(a, "^:alice!.* MODE #k -k\\+l \\* 9$");
	nd_send(a, "MODE #k");
	next_is(a, " 324 alice #k \\+lnt 9$");
	nd_close(a);
}
END_TEST

START_TEST(mode_limit_edges)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	nd_send(a, "JOIN #l");
	ND_EXPECT(a, " 366 ");
	nd_send(a, "MODE #l +l");
	next_is(a, "^:test\\.server 461 alice MODE :Not enough parameters$");
	nd_send(a, "MODE #l +l 0");
	next_is(a, "^:test\\.server 696 alice #l l 0 :Invalid limit$");
	nd_send(a, "MODE #l +l -3");
	next_is(a, " 696 alice #l l -3 ");
	nd_send(a, "MODE #l +l 100001");
	next_is(a, " 696 alice #l l 100001 ");
	nd_send(a, "MODE #l +l 5x");
	next_is(a, " 696 alice #l l 5x ");
	/* Nothing to lift: nothing said. */
	nd_send(a, "MODE #l -l");
	nd_send(a, "MODE #l +l 100000");
	next_is(a, "^:alice!.* MODE #l \\+l 100000$");
	nd_send(a, "MODE #l +l 0005");
	next_is(a, "^:alice!.* MODE #l \\+l 5$");
	/* -l takes no parameter: the key takes the next one. */
	nd_send(a, "MODE #l -l+k 7");
	next_is(a, "^:alice!.* MODE #l -l\\+k 7$");
	nd_send(a, "MODE #l");
	next_is(a, " 324 alice #l \\+knt 7$");
	nd_close(a);
}
END_TEST

START_TEST(mode_member_edges)
{
	struct nd_conn *a = nd_register(&srv, "alice", "multi-prefix");
	struct nd_conn *b = nd_register(&srv, "Bob", NULL);
	struct nd_conn *c = nd_register(&srv, "carl", NULL);

	nd_send(a, "JOIN #o");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #o");
	ND_EXPECT(b, " 366 ");
	ND_EXPECT(a, " JOIN #o$");
	nd_send(a, "MODE #o +o");
	next_is(a, "^:test\\.server 461 alice MODE :Not enough parameters$");
	nd_send(a, "MODE #o +v carl");
	next_is(a, "^:test\\.server 441 alice carl #o :They aren't on that channel$");
	nd_send(a, "MODE #o +v nobody");
	next_is(a, "^:test\\.server 401 alice nobody :No such nick/channel$");
	/* Already so, or not so: nothing said. */
	nd_send(a, "MODE #o +o alice");
	nd_send(a, "MODE #o -v bob");
	/* The nick is echoed as its owner spells it. */
	nd_send(a, "MODE #o +vv BOB alice");
	next_is(a, "^:alice!.* MODE #o \\+vv Bob alice$");
	nd_send(a, "NAMES #o");
	next_is(a, "^:test\\.server 353 alice = #o :(@\\+alice \\+Bob|\\+Bob @\\+alice)$");
	nd_sync(a);
	nd_send(b, "NAMES #o");
	ND_EXPECT(b, "^:test\\.server 353 Bob = #o :(@alice \\+Bob|\\+Bob @alice)$");
	nd_send(a, "MODE #o -o+o alice bob");
	next_is(a, "^:alice!.* MODE #o -o\\+o alice Bob$");
	nd_send(a, "NAMES #o");
	next_is(a, "^:test\\.server 353 alice = #o :(\\+alice @\\+Bob|@\\+Bob \\+alice)$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

/*
 * MODES=4: every change but a flag counts, lifting the limit included;
 * the fifth and all after it (flags too) are not applied. Listing the
 * bans does not count.
 */
START_TEST(mode_param_limit)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "JOIN #p");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #p");
	ND_EXPECT(b, " 366 ");
	ND_EXPECT(a, " JOIN #p$");
	nd_send(a, "MODE #p +l 9");
	next_is(a, "^:alice!.* MODE #p \\+l 9$");
	nd_send(a, "MODE #p +v-l+k-v+om bob key bob bob");
	next_is(a, "^:alice!.* MODE #p \\+v-l\\+k-v bob key bob$");
	nd_send(a, "MODE #p");
	next_is(a, " 324 alice #p \\+knt key$");
	next_is(a, " 329 alice #p ");
	nd_send(a, "MODE #p +vvvvb bob bob bob bob");
	next_is(a, "^:test\\.server 368 alice #p :End of channel ban list$");
	next_is(a, "^:alice!.* MODE #p \\+v bob$");
	nd_send(a, "NAMES #p");
	next_is(a, "^:test\\.server 353 alice = #p :(@alice \\+bob|\\+bob @alice)$");
	nd_close(a);
	nd_close(b);
}
END_TEST

/* --- bans */

START_TEST(bans_set_list_remove)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	struct nd_conn *c = nd_register(&srv, "carl", NULL);

	nd_send(a, "JOIN #b");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #b");
	ND_EXPECT(b, " 366 ");
	ND_EXPECT(a, "^:bob!.* JOIN #b$");
	/* Set: every form of mask is relayed in its full form. */
	nd_send(a, "MODE #b +b dave");
	ND_EXPECT(a, "^:alice!alice@127\\.0\\.0\\.1 MODE #b \\+b dave!\\*@\\*$");
	ND_EXPECT(b, "^:alice!alice@127\\.0\\.0\\.1 MODE #b \\+b dave!\\*@\\*$");
	nd_send(a, "MODE #b +bbb al@10.0.0.1 erin!e @10.0.0.9");
	ND_EXPECT(b, "^:alice!.* MODE #b \\+bbb \\*!al@10\\.0\\.0\\.1 erin!e@\\* \\*!\\*@10\\.0\\.0\\.9$");
	nd_sync(a);
	/* The list, oldest first, with setter and time; to a non-member too. */
	nd_send(c, "MODE #b +b");
	next_is(c, "^:test\\.server 367 carl #b dave!\\*@\\* alice!alice@127\\.0\\.0\\.1 [0-9]{9,}$");
	next_is(c, "^:test\\.server 367 carl #b \\*!al@10\\.0\\.0\\.1 alice!alice@127\\.0\\.0\\.1 [0-9]+$");
	next_is(c, "^:test\\.server 367 carl #b erin!e@\\* alice!");
	next_is(c, "^:test\\.server 367 carl #b \\*!\\*@10\\.0\\.0\\.9 alice!");
	next_is(c, "^:test\\.server 368 carl #b :End of channel ban list$");
	/* Setting a mask again (in any case, in any form) or lifting one
	 * that is not there changes nothing and is not echoed. */
	nd_send(a, "MODE #b +b DAVE");
	nd_send(a, "MODE #b +b Dave!*@*");
	nd_send(a, "MODE #b -b frank");
	nd_quiet(b, " MODE #b ");
	nd_quiet(a, " MODE #b | 4[0-9][0-9] ");
	/* Lifting one echoes the mask as it was set. */
	nd_send(a, "MODE #b -b DAVE!*");
	ND_EXPECT(b, "^:alice!.* MODE #b -b dave!\\*@\\*$");
	nd_send(a, "MODE #b -bb al@10.0.0.1 ERIN!E");
	ND_EXPECT(b, "^:alice!.* MODE #b -bb \\*!al@10\\.0\\.0\\.1 erin!e@\\*$");
	nd_sync(a);
	nd_send(a, "MODE #b b");
	next_is(a, "^:test\\.server 367 alice #b \\*!\\*@10\\.0\\.0\\.9 ");
	next_is(a, "^:test\\.server 368 alice #b ");
	/* Mixed with other modes, and "b" with no mask left lists. */
	nd_send(a, "MODE #b +bm-b x *!*@10.0.0.9");
	ND_EXPECT(b, "^:alice!.* MODE #b \\+bm-b x!\\*@\\* \\*!\\*@10\\.0\\.0\\.9$");
	nd_send(a, "MODE #b -mb");
	ND_EXPECT(a, "^:test\\.server 367 alice #b x!\\*@\\* ");
	ND_EXPECT(a, "^:test\\.server 368 alice #b ");
	ND_EXPECT(b, "^:alice!.* MODE #b -m$");
	/* Only channel operators change the list; anyone may read it. */
	nd_send(b, "MODE #b +b y");
	ND_EXPECT(b, "^:test\\.server 482 bob #b :You're not channel operator$");
	nd_send(c, "MODE #b -b x");
	ND_EXPECT(c, "^:test\\.server 442 carl #b ");
	nd_send(b, "MODE #b b");
	ND_EXPECT(b, "^:test\\.server 367 bob #b x!\\*@\\* ");
	/* ... except a secret channel's: to those outside it, there is no
	 * such channel. */
	nd_send(a, "MODE #b +s");
	ND_EXPECT(a, "MODE #b \\+s$");
	nd_send(c, "MODE #b b");
	next_is(c, "^:test\\.server 403 carl #b :No such channel$");
	/* Masks that could not be sent back are refused. */
	nd_send(a, "MODE #b +b :a b");
	ND_EXPECT(a, "^:test\\.server 696 alice #b b \\* :Invalid ban mask$");
	nd_send(a, "MODE #b +b ::x");
	ND_EXPECT(a, "^:test\\.server 696 alice #b b \\* :Invalid ban mask$");
	nd_send(a, "MODE #b +b :");
	ND_EXPECT(a, " 696 alice #b b \\* ");
	nd_send(a, "MODE #b +b \x01x");
	ND_EXPECT(a, " 696 alice #b b \\* ");
	char big[200];
	memset(big, 'h', sizeof(big));
	memcpy(big, "n!u@", 4);
	big[BAN_MASK_TEST + 1] = '\0';
	nd_send(a, "MODE #b +b %s", big);
	ND_EXPECT(a, " 696 alice #b b n!u@h+ :Invalid ban mask$");
	big[BAN_MASK_TEST] = '\0';
	nd_send(a, "MODE #b +b %s", big);
	ND_EXPECT(b, "^:alice!.* MODE #b \\+b n!u@h+$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

START_TEST(bans_join_and_speak)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "Bob[1]", "message-tags");
	struct nd_conn *c = nd_register(&srv, "carl", NULL);

	nd_send(a, "JOIN #j");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #j");
	ND_EXPECT(b, " 366 ");
	nd_send(c, "JOIN #j");
	ND_EXPECT(c, " 366 ");
	/* Matched under the server's casemapping: {} are []'s lower case. */
	nd_send(a, "MODE #j +b bob{?}!*@127.0.0.*");
	ND_EXPECT(b, "^:alice!.* MODE #j \\+b bob\\{\\?\\}!\\*@127\\.0\\.0\\.\\*$");
	/* A banned member is silenced: PRIVMSG and TAGMSG get 404, NOTICE
	 * nothing, and no one sees any of them. */
	nd_send(b, "PRIVMSG #j :let me speak");
	ND_EXPECT(b, "^:test\\.server 404 Bob\\[1\\] #j :Cannot send to channel \\(\\+b\\)$");
	nd_send(b, "@+typing=active TAGMSG #j");
	ND_EXPECT(b, " 404 Bob\\[1\\] #j ");
	nd_send(b, "NOTICE #j :noticed?");
	nd_quiet(b, " 404 ");
	nd_quiet(c, "Bob\\[1\\]!");
	/* Private messages still go through. */
	nd_send(b, "PRIVMSG carl :psst");
	ND_EXPECT(c, "^:Bob\\[1\\]!.* PRIVMSG carl :psst$");
	/* Voice (or op) lets a banned member speak. */
	nd_send(a, "MODE #j +v Bob[1]");
	ND_EXPECT(b, "MODE #j \\+v Bob\\[1\\]$");
	nd_send(b, "PRIVMSG #j :voiced now");
	ND_EXPECT(c, "^:Bob\\[1\\]!.* PRIVMSG #j :voiced now$");
	nd_send(a, "MODE #j -v+o Bob[1] Bob[1]");
	ND_EXPECT(b, "MODE #j -v\\+o Bob\\[1\\] Bob\\[1\\]$");
	nd_send(b, "PRIVMSG #j :as op");
	ND_EXPECT(c, "^:Bob\\[1\\]!.* PRIVMSG #j :as op$");
	/* A banned user cannot come back in... */
	nd_send(b, "PART #j");
	ND_EXPECT(b, " PART #j$");
	nd_send(b, "JOIN #j");
	ND_EXPECT(b, "^:test\\.server 474 Bob\\[1\\] #j :Cannot join channel \\(\\+b\\)$");
	/* ... nor speak from outside once +n is off. */
	nd_send(a, "MODE #j -n");
	ND_EXPECT(a, "MODE #j -n$");
	nd_send(b, "PRIVMSG #j :from outside");
	ND_EXPECT(b, " 404 Bob\\[1\\] #j :Cannot send to channel \\(\\+b\\)$");
	/* An INVITE lets them in, once. */
	nd_send(a, "INVITE Bob[1] #j");
	ND_EXPECT(b, " INVITE Bob\\[1\\] #j$");
	nd_send(b, "JOIN #j");
	ND_EXPECT(c, "^:Bob\\[1\\]!.* JOIN #j$");
	nd_send(b, "PART #j");
	ND_EXPECT(c, "^:Bob\\[1\\]!.* PART #j$");
	nd_send(b, "JOIN #j");
	ND_EXPECT(b, " 474 Bob\\[1\\] #j ");
	/* Lifted, the ban stops applying. */
	nd_send(a, "MODE #j -b BOB[?]!*@127.0.0.*");
	ND_EXPECT(c, "MODE #j -b bob\\{\\?\\}!\\*@127\\.0\\.0\\.\\*$");
	nd_send(b, "JOIN #j");
	ND_EXPECT(c, "^:Bob\\[1\\]!.* JOIN #j$");
	nd_send(b, "PRIVMSG #j :back");
	ND_EXPECT(c, "^:Bob\\[1\\]!.* PRIVMSG #j :back$");
	/* A ban on someone else's mask leaves this one alone. */
	nd_send(a, "MODE #j +b *!*@10.*");
	ND_EXPECT(b, "MODE #j \\+b \\*!\\*@10\\.\\*$");
	nd_send(b, "PRIVMSG #j :still here");
	ND_EXPECT(c, "^:Bob\\[1\\]!.* PRIVMSG #j :still here$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

START_TEST(bans_limits)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "JOIN #f");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #f");
	ND_EXPECT(b, " 366 ");
	/* MODES=4: a fifth mask on the line is not set. */
	nd_send(a, "MODE #f +bbbbb m0 m1 m2 m3 m4");
	ND_EXPECT(b, "^:alice!.* MODE #f \\+bbbb m0!\\*@\\* m1!\\*@\\* m2!\\*@\\* m3!\\*@\\*$");
	nd_send(a, "MODE #f -b+bl m0 m4 5 6");
	ND_EXPECT(b, "^:alice!.* MODE #f -b\\+bl m0!\\*@\\* m4!\\*@\\* 5$");
	nd_sync(a);
	nd_send(a, "MODE #f b");
	for (int i = 1; i <= 4; i++) {
		char re[64];
		snprintf(re, sizeof(re), "^:test\\.server 367 alice #f m%d!", i);
		next_is(a, re);
	}
	next_is(a, "^:test\\.server 368 alice #f ");
	/* MAXLIST=b:100: 96 more fill the list, the next gets 478. */
	for (int i = 0; i < 24; i++) {
		nd_send(a, "MODE #f +bbbb n%d n%d n%d n%d", 4 * i, 4 * i + 1,
		    4 * i + 2, 4 * i + 3);
		char re[64];
		snprintf(re, sizeof(re), " MODE #f \\+bbbb n%d!\\*@\\* ", 4 * i);
		ND_EXPECT(b, re);
	}
	nd_send(a, "MODE #f +bb n1000 n1001");
	ND_EXPECT(a, "^:test\\.server 478 alice #f n1000!\\*@\\* :Channel ban list is full$");
	ND_EXPECT(a, "^:test\\.server 478 alice #f n1001!\\*@\\* :Channel ban list is full$");
	nd_quiet(b, " MODE #f ");
	/* Room again after a removal. */
	nd_send(a, "MODE #f -b+b m1 n1000");
	ND_EXPECT(b, " MODE #f -b\\+b m1!\\*@\\* n1000!\\*@\\*$");
	nd_send(a, "MODE #f +b");
	size_t n = 0;
	for (;;) {
		char *l = nd_line(a, T);
		ck_assert_ptr_nonnull(l);
		bool end = strstr(l, " 368 alice #f ") != NULL;
		if (strstr(l, " 367 alice #f ") != NULL)
			n++;
		free(l);
		if (end)
			break;
	}
	ck_assert_uint_eq(n, 100);
	nd_close(a);
	nd_close(b);
}
END_TEST

/*
 * Long masks: a MODE line whose relay would pass 512 bytes (the source
 * prefix makes it longer than what the client sent) is relayed as two, no
 * mask cut; a line of toggles is split too, not overflowed.
 */
START_TEST(bans_long_lines)
{
	const char *nick = "n23456789012345678901234567890";
	enum { LEN = 110 };	/* four fit a client's line, not the relay */
	char chan[IRC_CHAN_TEST + 1], masks[4][LEN + 1];
	struct nd_conn *a = nd_register(&srv, nick, NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	char re[1024];

	memset(chan, 'c', sizeof(chan));
	chan[0] = '#';
	chan[IRC_CHAN_TEST] = '\0';
	for (int i = 0; i < 4; i++) {
		memset(masks[i], 'h', LEN);
		memcpy(masks[i], "n!u@", 4);
		masks[i][4] = '0' + i;
		masks[i][LEN] = '\0';
	}
	nd_send(a, "JOIN %s", chan);
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN %s", chan);
	ND_EXPECT(b, " 366 ");
	nd_send(a, "MODE %s +bbbb %s %s %s %s", chan, masks[0], masks[1],
	    masks[2], masks[3]);
	snprintf(re, sizeof(re), "^:%s!.* MODE %s \\+bbb %s %s %s$", nick,
	    chan, masks[0], masks[1], masks[2]);
	ND_EXPECT(b, re);
	snprintf(re, sizeof(re), "^:%s!.* MODE %s \\+b %s$", nick, chan,
	    masks[3]);
	ND_EXPECT(b, re);
	/* 150 real changes in one line: more letters than one MODE holds. */
	char toggles[400] = "";
	for (int i = 0; i < 75; i++)
		strcat(toggles, "+s-s");
	nd_send(a, "MODE %s %s", chan, toggles);
	size_t changes = 0;
	snprintf(re, sizeof(re), " MODE %s ", chan);
	while (changes < 150) {
		char *l = nd_expect(b, re, T);
		ck_assert_msg(l != NULL, "%zu changes seen", changes);
		char *m = strstr(l, re) + strlen(re);
		for (; *m != '\0'; m++)
			changes += *m == 's';
		free(l);
	}
	ck_assert_uint_eq(changes, 150);
	/* Lifting them splits the same way, each line with its sign. */
	nd_send(a, "MODE %s -bbbb %s %s %s %s", chan, masks[0], masks[1],
	    masks[2], masks[3]);
	snprintf(re, sizeof(re), "^:%s!.* MODE %s -bbb %s %s %s$", nick,
	    chan, masks[0], masks[1], masks[2]);
	ND_EXPECT(b, re);
	snprintf(re, sizeof(re), "^:%s!.* MODE %s -b %s$", nick, chan,
	    masks[3]);
	ND_EXPECT(b, re);
	nd_send(a, "MODE %s", chan);
	snprintf(re, sizeof(re), " 324 %s %s \\+nt$", nick, chan);
	ND_EXPECT(a, re);
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(kick_and_empty_channel)
{
	struct nd_conn *a = nd_register(&srv, "alice", "invite-notify");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	struct nd_conn *c = nd_register(&srv, "carl", NULL);

	nd_send(a, "JOIN #k");
	nd_send(b, "JOIN #k");
	ND_EXPECT(b, " 366 ");
	nd_send(b, "KICK #k alice");
	ND_EXPECT(b, " 482 bob #k :You're not channel operator$");
	nd_send(a, "KICK #k carl");
	ND_EXPECT(a, " 441 alice carl #k :They aren't on that channel$");
	nd_send(a, "KICK #nope bob");
	ND_EXPECT(a, " 403 alice #nope ");
	nd_send(c, "KICK #k bob");
	ND_EXPECT(c, " 442 carl #k ");
	/* invite-notify: ops who asked see invitations by others. */
	nd_send(a, "MODE #k +o bob");
	ND_EXPECT(b, "MODE #k \\+o bob$");
	nd_send(b, "INVITE carl #k");
	ND_EXPECT(a, "^:bob!.* INVITE carl #k$");
	nd_send(a, "KICK #k bob :behave");
	ND_EXPECT(b, "^:alice!alice@127\\.0\\.0\\.1 KICK #k bob :behave$");
	ND_EXPECT(a, "^:alice!alice@127\\.0\\.0\\.1 KICK #k bob :behave$");
	nd_send(b, "PRIVMSG #k :still here?");
	ND_EXPECT(b, " 404 bob #k ");
	/* The last member leaves: the channel is gone. */
	nd_send(a, "PART #k");
	ND_EXPECT(a, "PART #k$");
	nd_send(a, "LIST #k");
	char *l = nd_expect_not(a, " 323 ", " 322 ", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_send(a, "LUSERS");
	ND_EXPECT(a, " 254 alice 0 :channels formed$");
	/* A new channel's first member is op again. */
	nd_send(c, "JOIN #k");
	ND_EXPECT(c, " 353 carl = #k :@carl$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

START_TEST(join_several_and_zero)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "JOIN #a,#b");
	nd_send(a, "MODE #b +k kb");
	ND_EXPECT(a, "MODE #b \\+k kb$");
	nd_send(b, "JOIN #a,#b x,kb");
	ND_EXPECT(b, "^:bob!.* JOIN #a$");
	ND_EXPECT(b, "^:bob!.* JOIN #b$");
	nd_send(b, "JOIN 0");
	ND_EXPECT(a, "^:bob!.* PART #[ab]$");
	ND_EXPECT(a, "^:bob!.* PART #[ab]$");
	nd_send(b, "JOIN #bad,chan");
	ND_EXPECT(b, "JOIN #bad$");
	ND_EXPECT(b, " 403 bob chan ");
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(nick_change_and_quit)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "JOIN #n,#m");
	nd_send(b, "JOIN #n,#m");
	ND_EXPECT(b, "366 bob #m ");
	nd_send(a, "NICK Alicia");
	ND_EXPECT(a, "^:alice!alice@127\\.0\\.0\\.1 NICK :?Alicia$");
	/* Once, though they share two channels. */
	char *l = nd_expect(b, "NICK :?Alicia$", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_send(b, "PING :n1");
	l = nd_expect_not(b, "PONG .*:n1$", "NICK", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_send(b, "NICK alicia");
	ND_EXPECT(b, " 433 bob alicia ");
	nd_send(b, "PRIVMSG alicia :new name");
	ND_EXPECT(a, "^:bob!.* PRIVMSG Alicia :new name$");
	nd_send(a, "QUIT :so long");
	ND_EXPECT(a, "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Quit: so long\\)$");
	ck_assert(nd_wait_closed(a, T));
	ND_EXPECT(b, "^:Alicia!alice@127\\.0\\.0\\.1 QUIT :Quit: so long$");
	/* The nick is free again. */
	struct nd_conn *c = nd_register(&srv, "alice", NULL);
	nd_close(c);
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(server_queries)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	nd_send(a, "TIME");
	ND_EXPECT(a, "^:test\\.server 391 alice test\\.server :[0-9]{4}-[0-9]{2}-[0-9]{2}T");
	nd_send(a, "LUSERS");
	ND_EXPECT(a, " 251 alice :There are 1 users and 0 invisible on 1 servers$");
	ND_EXPECT(a, " 255 alice :I have 1 clients and 0 servers$");
	ND_EXPECT(a, " 266 alice ");
	nd_send(a, "MOTD");
	ND_EXPECT(a, " 422 alice :MOTD File is missing$");
	nd_send(a, "PING");
	ND_EXPECT(a, " 409 alice :No origin specified$");
	nd_send(a, "MODE alice");
	ND_EXPECT(a, "^:test\\.server 221 alice \\+$");
	nd_send(a, "MODE alice +iw");
	ND_EXPECT(a, "^:alice!alice@127\\.0\\.0\\.1 MODE alice :\\+iw$");
	nd_send(a, "MODE alice");
	ND_EXPECT(a, " 221 alice \\+iw$");
	nd_send(a, "LUSERS");
	ND_EXPECT(a, " 251 alice :There are 0 users and 1 invisible on 1 servers$");
	nd_send(a, "MODE alice +z");
	ND_EXPECT(a, " 501 alice :Unknown MODE flag$");
	nd_send(a, "MODE alice +o");
	nd_send(a, "MODE alice");
	ND_EXPECT(a, " 221 alice \\+iw$");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	nd_send(b, "MODE alice -i");
	ND_EXPECT(b, " 502 bob :Cant change mode for other users$");
	nd_send(b, "MODE nobody");
	ND_EXPECT(b, " 401 bob nobody ");
	nd_close(a);
	nd_close(b);
}
END_TEST

/* --- hostile input */

START_TEST(hostile_overlong)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	static char big[20000];

	nd_send(a, "JOIN #h");
	nd_send(b, "JOIN #h");
	ND_EXPECT(b, " 366 ");
	/* A body past 512 bytes: 417, and the next line still works. */
	memset(big, 'x', 600);
	big[600] = '\0';
	nd_send(a, "PRIVMSG #h :%s", big);
	ND_EXPECT(a, " 417 alice :Input line was too long$");
	/* Past the whole line limit, in pieces. */
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(nd_send_raw(a, "PRIVMSG #h :", 12));
	ck_assert(nd_send_raw(a, big, strlen(big)));
	ck_assert(nd_send_raw(a, "\r\n", 2));
	ND_EXPECT(a, " 417 alice :Input line was too long$");
	/* Tags past the client limit. */
	memset(big, 'z', 5000);
	big[5000] = '\0';
	nd_send(a, "@+t=%s PRIVMSG #h :tags", big);
	ND_EXPECT(a, " 417 alice ");
	nd_send(a, "PRIVMSG #h :still fine");
	ND_EXPECT(b, "^:alice!.* PRIVMSG #h :still fine$");
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(hostile_bytes)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	unsigned char junk[4096];
	unsigned seed = 12345;

	nd_send(a, "JOIN #h");
	nd_send(b, "JOIN #h");
	ND_EXPECT(b, " 366 ");
	/* A NUL inside a line. */
	ck_assert(nd_send_raw(a, "PRIVMSG #h :nul\0here\r\n", 22));
	ND_EXPECT(a, " 421 alice \\* :Malformed message");
	/* Invalid UTF-8 is relayed as UTF-8 (read as Latin-1). */
	ck_assert(nd_send_raw(a, "PRIVMSG #h :caf\xe9 \xff\r\n", 20));
	ND_EXPECT(b, "^:alice!.* PRIVMSG #h :caf\xc3\xa9 \xc3\xbf$");
	/* Random bytes, CR and LF included: whatever they parse into,
	 * the server answers and stays up. */
	for (size_t i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245 + 12345;
		junk[i] = seed >> 16;
	}
	ck_assert(nd_send_raw(b, junk, sizeof(junk)));
	ck_assert(nd_send_raw(b, "\r\n", 2));
	/* Only lines starting with a command letter could do anything;
	 * a QUIT or NICK in the noise is possible, so check alice. */
	nd_send(a, "PRIVMSG #h :after the noise");
	nd_sync(a);
	nd_send(a, "@+bad\\ =\\ TAGMSG #h");
	nd_send(a, "@ PRIVMSG #h :empty tags");
	nd_send(a, ":onlysource");
	nd_send(a, "   ");
	nd_send(a, "123");
	ND_EXPECT(a, " 421 alice ");
	nd_sync(a);
	struct nd_conn *c = nd_register(&srv, "carl", NULL);
	nd_close(c);
	nd_close(a);
	nd_close(b);
}
END_TEST

/*
 * A name taken from a trailing parameter may hold spaces, or be empty or
 * start with ':'. Echoed as it is, it would shift the fields of the reply
 * (past 15 parameters, no parser took the line): such a name comes back
 * as "*".
 */
START_TEST(hostile_reply_fields)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	nd_send(a, "WHOIS :no such person");
	ND_EXPECT(a, "^:test\\.server 401 alice \\* :No such nick/channel$");
	ND_EXPECT(a, "^:test\\.server 318 alice \\* :End of /WHOIS list\\.$");
	nd_send(a, "TAGMSG :a b c");
	ND_EXPECT(a, "^:test\\.server 401 alice \\* :No such nick/channel$");
	nd_send(a, "JOIN :#a b");
	ND_EXPECT(a, "^:test\\.server 476 alice \\* :Bad Channel Mask$");
	nd_send(a, "PART :#x y");
	ND_EXPECT(a, "^:test\\.server 403 alice \\* :No such channel$");
	nd_send(a, "NICK :a b");
	ND_EXPECT(a, "^:test\\.server 432 alice \\* :Erroneous nickname$");
	nd_send(a, "NICK ::x");
	ND_EXPECT(a, "^:test\\.server 432 alice \\* :Erroneous nickname$");
	nd_send(a, "CAP :FOO BAR");
	ND_EXPECT(a, "^:test\\.server 410 alice \\* :Invalid CAP command$");
	nd_send(a, "WHO :a b");
	ND_EXPECT(a, "^:test\\.server 315 alice \\* :End of /WHO list\\.$");
	nd_send(a, "WHOWAS :a b");
	ND_EXPECT(a, "^:test\\.server 406 alice \\* :There was no such nickname$");
	ND_EXPECT(a, "^:test\\.server 369 alice \\* :End of WHOWAS$");
	nd_send(a, "CHATHISTORY :a b");
	ND_EXPECT(a, "^:test\\.server FAIL CHATHISTORY UNKNOWN_COMMAND \\* :");
	nd_send(a, "JOIN #a");
	ND_EXPECT(a, " 366 alice #a ");
	/* The stress test's case: a nick of sixteen words. */
	nd_send(a, "MODE #a +o :x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15");
	ND_EXPECT(a, "^:test\\.server 401 alice \\* :No such nick/channel$");
	nd_send(a, "MODE #a +l :1 2");
	ND_EXPECT(a, "^:test\\.server 696 alice #a l \\* :Invalid limit$");
	/* A space and a colon as mode letters. */
	nd_send(a, "MODE #a :+i :x");
	ND_EXPECT(a, "^:test\\.server 472 alice \\* :is unknown mode char to me for #a$");
	ND_EXPECT(a, "^:test\\.server 472 alice \\* :is unknown mode char to me for #a$");
	ND_EXPECT(a, "^:test\\.server 472 alice x :is unknown mode char to me for #a$");
	ND_EXPECT(a, "^:alice!.* MODE #a \\+i$");
	nd_close(a);
}
END_TEST

/* An operator who kicks themself first is no longer one for the rest of
 * the list. */
START_TEST(kick_self_first)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "JOIN #k");
	ND_EXPECT(a, " 366 alice #k ");
	nd_send(b, "JOIN #k");
	ND_EXPECT(b, " 366 bob #k ");
	nd_send(a, "KICK #k alice,bob :out");
	ND_EXPECT(b, "^:alice!.* KICK #k alice :out$");
	ND_EXPECT(a, "^:test\\.server 442 alice #k :You're not on that channel$");
	nd_send(b, "NAMES #k");
	ND_EXPECT(b, "^:test\\.server 353 bob = #k :bob$");
	/* Alone, kicking oneself empties the channel: nothing is left to
	 * refuse in. */
	nd_send(b, "JOIN #m");
	ND_EXPECT(b, " 366 bob #m ");
	nd_send(b, "KICK #m bob,alice");
	ND_EXPECT(b, "^:bob!.* KICK #m bob :bob$");
	nd_send(b, "LUSERS");
	ND_EXPECT(b, " 254 bob 1 :channels formed$");
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(hostile_half_lines)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	const char *msg = "PRIVMSG bob :assembled from pieces\r\n";

	/* One byte at a time, with syncs through another connection. */
	for (const char *p = msg; *p != '\0'; p++) {
		ck_assert(nd_send_raw(a, p, 1));
		if ((p - msg) % 8 == 0)
			nd_sync(b);
	}
	ND_EXPECT(b, "^:alice!.* PRIVMSG bob :assembled from pieces$");
	/* Bare LF ends a line too. */
	ck_assert(nd_send_raw(a, "PRIVMSG bob :lf only\n", 21));
	ND_EXPECT(b, "PRIVMSG bob :lf only$");
	/* A half line, then the connection drops: bob sees the QUIT only. */
	nd_send(a, "JOIN #half");
	nd_send(b, "JOIN #half");
	ND_EXPECT(b, " 366 ");
	ck_assert(nd_send_raw(a, "PRIVMSG #half :never fin", 24));
	nd_close(a);
	char *l = nd_expect_not(b, "^:alice!.* QUIT :", "never fin", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_close(b);
}
END_TEST

START_TEST(abrupt_disconnects)
{
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(b, "JOIN #ab");
	ND_EXPECT(b, " 366 ");
	for (int i = 0; i < 10; i++) {
		char nick[16];
		snprintf(nick, sizeof(nick), "gone%d", i);
		struct nd_conn *a = nd_register(&srv, nick, NULL);
		nd_send(a, "JOIN #ab");
		nd_send(a, "PRIVMSG #ab :bye");
		ND_EXPECT(b, "PRIVMSG #ab :bye$");
		if (i % 2 == 0)
			nd_close_rst(a);
		else
			nd_close(a);
		ND_EXPECT(b, "^:gone[0-9]!.* QUIT :");
	}
	/* Connections that never register, some mid-CAP. */
	for (int i = 0; i < 10; i++) {
		struct nd_conn *a = nd_connect(&srv);
		if (i % 2)
			nd_send(a, "CAP LS 302");
		nd_close_rst(a);
	}
	nd_send(b, "LUSERS");
	ND_EXPECT(b, " 251 bob :There are 1 users ");
	nd_close(b);
}
END_TEST

/*
 * A client that pipelines lines after its QUIT: closing with that input
 * unread would make the kernel end the connection with a RST, which some
 * stacks let destroy what the client has not read yet (the ERROR line),
 * and which Linux reports as ECONNRESET. natterd reads the rest away
 * first, so the client reads its ERROR line and then a clean end.
 */
START_TEST(quit_with_input_pending)
{
	struct nd_server s;
	nd_start(&s, (const char *[]){ "--flood", "off", NULL });
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	static char burst[96 * 1024];
	size_t len = 0;

	nd_send(a, "JOIN #r");
	nd_send(b, "JOIN #r");
	ND_EXPECT(b, " 366 ");
	len += snprintf(burst, sizeof(burst), "QUIT :bye\r\n");
	while (len + 32 < sizeof(burst))
		len += snprintf(burst + len, sizeof(burst) - len,
		    "PING :after-the-quit\r\n");
	ck_assert(nd_send_raw(a, burst, len));
	ND_EXPECT(b, "^:alice!.* QUIT :Quit: bye$");
	/* A later pass: alice's socket is closed by now. */
	nd_sync(b);
	char *l, *last = NULL;
	while ((l = nd_line(a, T)) != NULL) {
		ck_assert_msg(strstr(l, "after-the-quit") == NULL,
		    "a line after QUIT was run: %s", l);
		free(last);
		last = l;
	}
	ck_assert_ptr_nonnull(last);
	ck_assert_msg(strncmp(last, "ERROR :Closing link", 19) == 0,
	    "the last line was %s", last);
	ck_assert_msg(a->eof && !a->reset, "the connection ended with a RST");
	free(last);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(sendq_slow_reader)
{
	struct nd_server s;
	nd_start(&s, (const char *[]){ "--sendq", "65536", NULL });
	/* A small receive window, so the kernel does not soak up megabytes. */
	struct nd_conn *slow = nd_register_nonreader(&s, "slow");
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);

	nd_sendq_drop(slow, "slow", a, b, "bob", "#q");
	/* Reading again, slow gets what the kernel held, then the reason
	 * (natterd lingers a few seconds to deliver it), then the close. */
	char *l, *last = NULL;
	while ((l = nd_line(slow, T)) != NULL) {
		free(last);
		last = l;
	}
	ck_assert_ptr_nonnull(last);
	ck_assert_str_eq(last, "ERROR :SendQ exceeded");
	free(last);
	ck_assert(nd_wait_closed(slow, 10000));
	nd_close(slow);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * A JOIN of many channels whose replies overflow the sender's own sendq
 * closes it part way; the channels after that point must not take the
 * closed client in (it was freed at the end of the pass, and the next
 * JOIN there relayed to freed memory).
 */
/*
 * --max-output: two members that never read hold more than the cap
 * between them, each well under its own sendq. The one holding more goes
 * first, and only as many as needed; readers are never the ones closed.
 */
START_TEST(max_output)
{
	struct nd_server s;
	nd_start(&s, (const char *[]){ "--max-output", "256k", NULL });
	struct nd_conn *big = nd_register_nonreader(&s, "big");
	struct nd_conn *small = nd_register_nonreader(&s, "small");
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	char text[400];

	memset(text, 'q', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	nd_send(big, "JOIN #q,#big");
	nd_send(small, "JOIN #q");
	nd_send(a, "JOIN #q,#big");
	nd_send(b, "JOIN #q");
	ND_EXPECT(b, " 366 ");
	nd_sync(big);
	nd_sync(small);
	nd_sync(a);
	/* #big goes to big alone: it holds more than small from the start. */
	for (int i = 0; i < 100; i++)
		nd_send(a, "PRIVMSG #big :%d %s", i, text);
	char *quit = nd_talk_until_sendq(a, b, "#q", 1000);
	ck_assert_msg(quit != NULL, "big was never dropped");
	ck_assert_msg(strncmp(quit, ":big!", 5) == 0, "%s", quit);
	free(quit);
	ck_assert(nd_log_wait(&s, "--max-output reached", T));
	nd_sync(b);
	ck_assert_msg(strstr(nd_log(&s), "small (") == NULL, "%s", nd_log(&s));
	/* Everyone else carries on; small still gets what is said. */
	nd_send(b, "PRIVMSG #q :still here");
	ND_EXPECT(a, "^:bob!.* PRIVMSG #q :still here$");
	nd_close(big);
	nd_close(small);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * The memory attack: #big holds 1000 messages with a few hundred bytes
 * of client tags each; 200 connections (10 from each of 20 addresses,
 * what the per-address default lets in) with small receive windows ask
 * for all of it and never read. With default flags natterd grows by at
 * most 64 MiB (--max-output, 24 MiB, drops the biggest holders), and an
 * observer's PING is answered within a second throughout.
 */
START_TEST(memory_attack)
{
	enum { ATTACKERS = 200, PER_ADDR = 10, ROWS = 1000 };
	struct nd_server s;
	static struct nd_conn *att[ATTACKERS];
	char react[201], reply[101];
	long worst = 0;

	nd_small_quarantine();
	nd_untrusted = true;
	nd_start(&s, (const char *[]){ "--flood", "50:200", NULL });
	memset(react, 'r', sizeof(react) - 1);
	react[sizeof(react) - 1] = '\0';
	memset(reply, 'p', sizeof(reply) - 1);
	reply[sizeof(reply) - 1] = '\0';
	struct nd_conn *seed = nd_register(&s, "seed", "message-tags");
	nd_send(seed, "JOIN #big");
	for (int i = 0; i < ROWS; i++) {
		nd_send(seed, "@+draft/reply=%s;+draft/react=%s PRIVMSG #big "
		    ":message %d of the big channel, long enough to matter "
		    "when a thousand of them are asked for at once", reply,
		    react, i);
		if (i % 100 == 99)
			nd_sync(seed);	/* within the flood burst */
	}
	nd_sync(seed);
	struct nd_conn *obs = nd_register(&s, "observer", NULL);
	nd_sync(obs);
	long before = proc_rss_kib(s.pid);
	ck_assert_int_gt(before, 0);

	nd_rcvbuf = 4096;
	for (int i = 0; i < ATTACKERS; i++) {
		char addr[16], nick[16];
		snprintf(addr, sizeof(addr), "127.0.0.%d", 2 + i / PER_ADDR);
		snprintf(nick, sizeof(nick), "att%d", i);
		nd_source = addr;
		att[i] = nd_register(&s, nick, "batch draft/chathistory "
		    "message-tags server-time");
		nd_send(att[i], "JOIN #big");
		nd_send(att[i], "CHATHISTORY LATEST #big * %d", ROWS);
		if (i % 20 == 19) {
			long ms = nd_ping_ms(obs);
			worst = ms > worst ? ms : worst;
		}
	}
	nd_source = NULL;
	nd_rcvbuf = 0;
	long peak = 0;
	for (int i = 0; i < 10; i++) {
		long ms = nd_ping_ms(obs);
		worst = ms > worst ? ms : worst;
		long rss = proc_rss_kib(s.pid);
		peak = rss > peak ? rss : peak;
	}
	size_t dropped = 0;
	for (const char *p = nd_log(&s); (p = strstr(p, "SendQ exceeded (")) !=
	    NULL; p++)
		dropped++;
	fprintf(stderr, "memory_attack: RSS %ld KiB before, %ld KiB peak "
	    "after (+%ld KiB); %zu of %d dropped; slowest PING %ld ms\n",
	    before, peak, peak - before, dropped, ATTACKERS, worst);
	ck_assert_msg(peak - before <= 64 * 1024, "natterd grew by %ld KiB",
	    peak - before);
	ck_assert_msg(worst < 1000, "a PING took %ld ms", worst);
	for (int i = 0; i < ATTACKERS; i++)
		nd_close_rst(att[i]);
	nd_close(obs);
	nd_close(seed);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * LIST over 2000 channels with long topics (about 700 KB) is answered in
 * steps that give the loop back. The lister does not read, and its
 * kernel buffers (a 4 KB window, natterd's 256 KB send buffer) and a
 * 16 KB sendq hold far less than the answer; so when the observer's
 * PING, sent after the LIST, is answered, the LIST is still being made.
 * Then the lister reads it all, closed for nothing, and its own PING,
 * sent behind the LIST, comes after the end of it.
 */
START_TEST(list_in_steps)
{
	struct nd_server s;
	char topic[301];
	int makers = 40;

	nd_start(&s, (const char *[]){ "--sendq", "16384", NULL });
	memset(topic, 't', sizeof(topic) - 1);
	topic[sizeof(topic) - 1] = '\0';
	struct nd_conn **mk = calloc(makers, sizeof(*mk));
	for (int i = 0; i < makers; i++) {
		char nick[16];
		snprintf(nick, sizeof(nick), "maker%d", i);
		mk[i] = nd_register(&s, nick, NULL);
		for (int k = 0; k < 50; k++) {
			nd_send(mk[i], "JOIN #list-%d-%d", i, k);
			nd_send(mk[i], "TOPIC #list-%d-%d :%s", i, k, topic);
			if (k % 10 == 9)	/* within the 16 KB sendq */
				nd_sync(mk[i]);
		}
	}
	struct nd_conn *lister = nd_register_nonreader(&s, "lister");
	struct nd_conn *obs = nd_register(&s, "obs", NULL);
	nd_send(lister, "LIST");
	nd_send(lister, "PING :behind");
	nd_sync(obs);
	ck_assert_msg(strstr(nd_log(&s), "SendQ") == NULL, "%s", nd_log(&s));

	int listed = 0;
	char *l;
	while ((l = nd_line(lister, T)) != NULL) {
		ck_assert_msg(strncmp(l, "ERROR", 5) != 0, "%s", l);
		bool end = strstr(l, " 323 lister ") != NULL;
		listed += strstr(l, " 322 lister #list-") != NULL;
		free(l);
		if (end)
			break;
	}
	ck_assert_int_eq(listed, makers * 50);
	ND_EXPECT(lister, "^:test\\.server PONG test\\.server :behind$");
	nd_close(lister);
	nd_close(obs);
	for (int i = 0; i < makers; i++)
		nd_close(mk[i]);
	free(mk);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * A LIST in steps (more than LIST_STEP channels pass its filter) lists
 * each channel once, in case-folded order, with the filter applied in
 * every step; a labeled one is answered whole.
 */
START_TEST(list_steps_order)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	struct nd_conn *c = nd_register(&s, "carol", NULL);
	for (int i = 0; i < 50; i++) {
		nd_send(a, "JOIN #s%03d", i);
		nd_send(b, "JOIN #S%03d", 100 + i);
		nd_send(c, "JOIN #s%03d", 150 + i);
	}
	nd_sync(a);
	nd_sync(b);
	nd_sync(c);
	nd_send(a, "LIST #s*,!#s0*");
	char *l, prev[64] = "";
	int n = 0;
	while ((l = nd_line(a, T)) != NULL) {
		char name[64];
		bool end = strstr(l, " 323 alice ") != NULL;
		if (sscanf(l, ":test.server 322 alice %63s", name) == 1) {
			ck_assert_msg(strcasecmp(prev, name) < 0, "%s after %s",
			    name, prev);
			ck_assert_msg(strncasecmp(name, "#s0", 3) != 0, "%s",
			    name);
			snprintf(prev, sizeof(prev), "%s", name);
			n++;
		}
		free(l);
		if (end)
			break;
	}
	ck_assert_int_eq(n, 100);
	/* Labeled, the whole answer is one batch, made at once. */
	struct nd_conn *d = nd_register(&s, "dave", "batch labeled-response");
	nd_send(d, "@label=L1 LIST");
	ND_EXPECT(d, "^@label=L1 :test\\.server BATCH \\+[^ ]+ labeled-response$");
	n = 0;
	while ((l = nd_line(d, T)) != NULL) {
		bool end = strstr(l, " 323 dave ") != NULL;
		n += strstr(l, " 322 dave #") != NULL;
		free(l);
		if (end)
			break;
	}
	ck_assert_int_eq(n, 150);
	ND_EXPECT(d, "^:test\\.server BATCH -");
	nd_close(d);
	nd_close(a);
	nd_close(b);
	nd_close(c);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * Long commands share a pass (PASS_LONG_MAX, 1000 lines or rows): a
 * client's 40 requests for 1000 rows are run one a pass, so an
 * observer's PING, sent once the first has been answered, is answered
 * before the line the client sent after the 40 (in one pass they would
 * all have been run before the PING was read).
 */
START_TEST(long_commands_share_passes)
{
	struct nd_server s;
	enum { ASKS = 40 };
	char *asks = malloc(ASKS * 64), *p = asks;

	nd_start(&s, (const char *[]){ "--sendq", "16m", "--max-output",
	    "64m", NULL });
	struct nd_conn *seed = nd_joined(&s, "seed", NULL, "#h");
	for (int i = 0; i < 1000; i++) {
		nd_send(seed, "PRIVMSG #h :line %d", i);
		if (i % 100 == 99)
			nd_sync(seed);
	}
	struct nd_conn *obs = nd_register(&s, "obs", NULL);
	struct nd_conn *heavy = nd_joined(&s, "heavy",
	    "batch draft/chathistory", "#h");
	for (int i = 0; i < ASKS; i++)
		p += sprintf(p, "CHATHISTORY LATEST #h * 1000\r\n");
	p += sprintf(p, "PRIVMSG obs :done\r\n");
	ck_assert(nd_send_raw(heavy, asks, p - asks));
	ND_EXPECT(heavy, " BATCH \\+[^ ]+ chathistory #h$");
	nd_send(obs, "PING :first");
	ND_EXPECT(obs, "^:test\\.server PONG test\\.server :first$");
	ND_EXPECT(obs, "^:heavy!.* PRIVMSG obs :done$");
	/* Delayed, not dropped: heavy gets all 40. */
	int batches = 0;
	char *l;
	while (batches < ASKS && (l = nd_line(heavy, T)) != NULL) {
		batches += strstr(l, "BATCH -") != NULL;
		free(l);
	}
	ck_assert_int_eq(batches, ASKS);
	free(asks);
	nd_close(heavy);
	nd_close(obs);
	nd_close(seed);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(sendq_mid_join)
{
	struct nd_server s;
	nd_start(&s, (const char *[]){ "--sendq", "4096", NULL });
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	char list[512], re[64];
	size_t n = 0;

	/* About 130 bytes of replies each: the sendq is full by the 32nd. */
	for (int i = 0; i < 48; i++)
		n += snprintf(list + n, sizeof(list) - n, "%s#c%d",
		    i ? "," : "", i);
	nd_send(a, "JOIN %s", list);
	ND_EXPECT(a, "^ERROR :SendQ exceeded$");
	ck_assert(nd_wait_closed(a, T));
	nd_close(a);

	/* Every channel alice was in went with her. */
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	nd_send(b, "LUSERS");
	ND_EXPECT(b, " 254 bob 0 :channels formed$");
	for (int i = 0; i < 48; i += 3) {
		nd_send(b, "JOIN #c%d", i);
		snprintf(re, sizeof(re), " 353 bob = #c%d :@bob$", i);
		ND_EXPECT(b, re);
		nd_send(b, "PRIVMSG #c%d :anyone?", i);
	}
	nd_sync(b);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/* --- process: flags, signals, limits, files */

START_TEST(sigterm_shutdown)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_connect(&srv);

	nd_send(a, "JOIN #bye");
	ND_EXPECT(a, " 366 ");
	nd_kill(&srv, SIGTERM);
	ND_EXPECT(a, "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Server shutting down\\)$");
	ND_EXPECT(b, "^ERROR :.*Server shutting down");
	ck_assert(nd_wait_closed(a, T));
	ck_assert_int_eq(nd_wait(&srv, 10000), 0);
	nd_close(a);
	nd_close(b);
	nd_stop(&srv);
	/* Restart so the fixture's teardown has a server to stop. */
	nd_start(&srv, NULL);
}
END_TEST

START_TEST(bad_flags)
{
	struct nd_server s;
	/* The arguments, then what the one line must name. */
	const char *bad[][4] = {
		{ "--no-such-flag", NULL, NULL, "'--no-such-flag'" },
		{ "-qz", NULL, NULL, "'-z'" },
		{ "--db", NULL, NULL, "--db" },
		{ "--max-clients", "lots", NULL, "--max-clients" },
		{ "--flood", "5", NULL, "--flood" },
		{ "--sendq", "-1", NULL, "--sendq" },
		{ "--sendq", "4095", NULL, "--sendq 4095" },
		{ "--ping-timeout", "0", NULL, "--ping-timeout" },
		{ "-l", "[::1", NULL, "[::1" },
		{ "--ready-fd", "999", NULL, "--ready-fd 999" },
		{ "extra-argument", NULL, NULL, "'extra-argument'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ck_assert_int_eq(nd_start_fail(&s, bad[i]), 64);
		/* One line on stderr, naming the flag, without the program's
		 * path (getopt's own messages start with argv[0]). */
		const char *log = nd_log(&s);
		const char *nl = strchr(log, '\n');
		ck_assert_msg(nl != NULL && nl[1] == '\0',
		    "%s: not one line: '%s'", bad[i][0], log);
		ck_assert_msg(strncmp(log, "natterd: ", 9) == 0 &&
		    strstr(log, bad[i][3]) != NULL, "%s: '%s'", bad[i][0], log);
		nd_stop(&s);
	}
	/* The port the fixture's server holds is in use. */
	char spec[32];
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", srv.port);
	ck_assert_int_eq(nd_start_fail(&s, (const char *[]){ "-l", spec, NULL }), 1);
	ck_assert_msg(strstr(nd_log(&s), "address already in use") != NULL &&
	    strstr(nd_log(&s), spec) != NULL, "%s", nd_log(&s));
	nd_stop(&s);
}
END_TEST

START_TEST(unknown_flag_hint)
{
	struct nd_server s;

	ck_assert_int_eq(nd_start_fail(&s, (const char *[]){ "--bogus", NULL }),
	    64);
	/* Like natterd's other usage errors: its name, not the path it was
	 * run by, and where to look. */
	ck_assert_msg(strncmp(nd_log(&s), "natterd: ", 9) == 0 &&
	    strstr(nd_log(&s), "--bogus") != NULL &&
	    strstr(nd_log(&s), "natterd --help") != NULL, "%s", nd_log(&s));
	nd_stop(&s);
}
END_TEST

START_TEST(port_in_use_leaves_no_files)
{
	struct nd_server s;
	char dir[] = "/tmp/natterd-noport.XXXXXX", db[96], state[64], spec[32];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(db, sizeof(db), "%s/history.db", state);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", srv.port);
	ck_assert_int_eq(nd_start_fail(&s,
	    (const char *[]){ "-l", spec, "--db", db, NULL }), 1);
	ck_assert_msg(strstr(nd_log(&s), "address already in use") != NULL,
	    "%s", nd_log(&s));
	/* Neither the database, its -wal and -shm, nor their directory. */
	ck_assert_msg(access(state, F_OK) == -1, "%s was created", state);
	ck_assert_int_eq(rmdir(dir), 0);
	nd_stop(&s);
}
END_TEST

/* A unix datagram socket standing in for systemd's; name starts with '@'
 * for the abstract namespace. */
static int
notify_listener(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(len, sizeof(sun.sun_path));
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun,
	    offsetof(struct sockaddr_un, sun_path) + len), 0);
	return fd;
}

/* The next datagram must hold want, and want2 unless NULL. */
static void
notify_expect(int fd, const char *want, const char *want2)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char buf[512];
	ssize_t n;

	ck_assert_msg(poll(&p, 1, T) == 1, "no datagram (wanted %s)", want);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strstr(buf, want) != NULL, "'%s' lacks '%s'", buf, want);
	ck_assert_msg(want2 == NULL || strstr(buf, want2) != NULL,
	    "'%s' lacks '%s'", buf, want2);
}

START_TEST(ready_notify_socket)
{
	char dir[] = "/tmp/natterd-notify.XXXXXX", path[64], abstract[64];
	char status[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(abstract, sizeof(abstract), "@natterd-notify-%d", getpid());
	const char *names[] = { path, abstract };
	for (size_t i = 0; i < 2; i++) {
		struct nd_server s;
		int fd = notify_listener(names[i]);

		setenv("NOTIFY_SOCKET", names[i], 1);
		nd_start(&s, NULL);
		unsetenv("NOTIFY_SOCKET");
		snprintf(status, sizeof(status),
		    "STATUS=listening on 127.0.0.1:%d", s.port);
		notify_expect(fd, "READY=1\n", status);
		nd_kill(&s, SIGTERM);
		notify_expect(fd, "STOPPING=1", NULL);
		ck_assert_int_eq(nd_wait(&s, 10000), 0);
		close(fd);
		nd_stop(&s);
	}
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(log_info_lines)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_connect(&srv);

	nd_send(a, "JOIN #fresh");
	ND_EXPECT(a, " 366 ");
	nd_send(a, "QUIT :off to bed");
	ck_assert(nd_wait_closed(a, T));
	nd_send(b, "QUIT :never mind");
	ck_assert(nd_wait_closed(b, T));
	/* One line each at the default level, so journalctl -f shows them. */
	const char *want[] = {
		"natterd: connection from 127\\.0\\.0\\.1 \\(fd [0-9]+\\)\n",
		"natterd: alice!alice@127\\.0\\.0\\.1 registered\n",
		"natterd: alice!alice@127\\.0\\.0\\.1 created #fresh\n",
		"natterd: alice!alice@127\\.0\\.0\\.1 quit: Quit: off to bed\n",
		"natterd: 127\\.0\\.0\\.1 \\(fd [0-9]+\\) left before "
		    "registering: Quit: never mind\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		ck_assert_msg(nd_log_wait(&srv, want[i], T), "no '%s' in:\n%s",
		    want[i], nd_log(&srv));
	nd_close(a);
	nd_close(b);
}
END_TEST

START_TEST(client_limits)
{
	struct nd_server s;
	nd_untrusted = true;
	nd_start(&s, (const char *[]){ "--max-clients", "3", "--max-per-ip",
	    "2", NULL });
	struct nd_conn *a = nd_register(&s, "a1", NULL);
	struct nd_conn *b = nd_register(&s, "a2", NULL);
	struct nd_conn *c = nd_connect(&s);
	ND_EXPECT(c, "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Too many connections from your address\\)$");
	ck_assert(nd_wait_closed(c, T));
	nd_close(c);
	nd_close(b);
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);

	nd_start(&s, (const char *[]){ "--max-clients", "2", NULL });
	a = nd_register(&s, "a1", NULL);
	b = nd_register(&s, "a2", NULL);
	c = nd_connect(&s);
	ND_EXPECT(c, "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Server is full\\)$");
	nd_close(c);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/* --- configuration files and operators */

START_TEST(motd_and_sighup)
{
	struct nd_server s;
	const char *motd = nd_file("motd", "Welcome to the LAN\nsecond line\n", 0644);

	nd_start(&s, (const char *[]){ "--motd", motd, NULL });
	struct nd_conn *a = nd_connect(&s);
	nd_send(a, "NICK alice");
	nd_send(a, "USER a 0 * :A");
	ND_EXPECT(a, "^:test\\.server 375 alice :- test\\.server Message of the day - $");
	ND_EXPECT(a, "^:test\\.server 372 alice :- Welcome to the LAN$");
	ND_EXPECT(a, "^:test\\.server 372 alice :- second line$");
	ND_EXPECT(a, "^:test\\.server 376 alice :End of /MOTD command\\.$");
	nd_file("motd", "Changed\n", 0644);
	nd_kill(&s, SIGHUP);
	ck_assert(nd_log_wait(&s, "SIGHUP", T));
	nd_send(a, "MOTD");
	ND_EXPECT(a, " 372 alice :- Changed$");
	ND_EXPECT(a, " 376 ");
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);
	nd_cleanup_files();
}
END_TEST

START_TEST(server_password)
{
	struct nd_server s;
	const char *pw = nd_file("password", "sesame\n", 0600);

	nd_start(&s, (const char *[]){ "--password-file", pw, NULL });
	struct nd_conn *a = nd_connect(&s);
	nd_send(a, "NICK alice");
	nd_send(a, "USER a 0 * :A");
	ND_EXPECT(a, "^:test\\.server 464 alice :Password incorrect$");
	ND_EXPECT(a, "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Bad password\\)$");
	ck_assert(nd_wait_closed(a, T));
	nd_close(a);
	a = nd_connect(&s);
	nd_send(a, "PASS wrong");
	nd_send(a, "NICK alice");
	nd_send(a, "USER a 0 * :A");
	ND_EXPECT(a, " 464 ");
	nd_close(a);
	a = nd_connect(&s);
	nd_send(a, "PASS sesame");
	nd_send(a, "NICK alice");
	nd_send(a, "USER a 0 * :A");
	ND_EXPECT(a, " 001 alice ");
	/* SIGHUP re-reads the password: new connections need the new one. */
	nd_file("password", "open sesame\n", 0600);
	nd_kill(&s, SIGHUP);
	ck_assert(nd_log_wait(&s, "SIGHUP", T));
	nd_sync(a);
	struct nd_conn *b = nd_connect(&s);
	nd_send(b, "PASS :open sesame");
	nd_send(b, "NICK bob");
	nd_send(b, "USER b 0 * :B");
	ND_EXPECT(b, " 001 bob ");
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
	nd_cleanup_files();
}
END_TEST

START_TEST(oper_kill_wallops)
{
	struct nd_server s;
	const char *ops = nd_file("opers", "# name password\nboss hunter2\n", 0600);

	nd_start(&s, (const char *[]){ "--oper-file", ops, NULL });
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	struct nd_conn *c = nd_register(&s, "carl", NULL);

	nd_send(b, "KILL carl :nope");
	ND_EXPECT(b, " 481 bob :Permission Denied- You're not an IRC operator$");
	nd_send(b, "WALLOPS :hi");
	ND_EXPECT(b, " 481 bob ");
	nd_send(a, "OPER nobody hunter2");
	ND_EXPECT(a, " 464 alice :Password incorrect$");
	nd_send(a, "OPER boss wrong");
	ND_EXPECT(a, " 464 alice :Password incorrect$");
	nd_send(a, "OPER boss");
	ND_EXPECT(a, " 461 alice OPER ");
	nd_send(a, "OPER boss hunter2");
	ND_EXPECT(a, "^:test\\.server 381 alice :You are now an IRC operator$");
	ND_EXPECT(a, "^:alice!.* MODE alice :\\+o$");
	nd_send(b, "WHOIS alice");
	ND_EXPECT(b, " 313 bob alice :is an IRC operator$");
	/* Operators act in any channel. */
	nd_send(c, "JOIN #c");
	nd_send(b, "JOIN #c");
	ND_EXPECT(b, " 366 ");
	nd_send(a, "TOPIC #c :set by an oper");
	ND_EXPECT(b, "^:alice!.* TOPIC #c :set by an oper$");
	nd_send(a, "MODE #c +m");
	ND_EXPECT(b, "^:alice!.* MODE #c \\+m$");
	/* Bans do not hold operators back. */
	nd_send(a, "MODE #c +b alice");
	ND_EXPECT(b, "^:alice!.* MODE #c \\+b alice!\\*@\\*$");
	nd_send(a, "PRIVMSG #c :from outside, banned");
	ND_EXPECT(b, "^:alice!.* PRIVMSG #c :from outside, banned$");
	nd_send(a, "JOIN #c");
	ND_EXPECT(b, "^:alice!.* JOIN #c$");
	nd_send(a, "PART #c");
	ND_EXPECT(b, "^:alice!.* PART #c$");
	nd_send(a, "KICK #c bob :oper says");
	ND_EXPECT(b, "^:alice!.* KICK #c bob :oper says$");
	nd_send(b, "MODE bob +w");
	ND_EXPECT(b, "MODE bob :\\+w$");
	nd_send(a, "WALLOPS :attention");
	ND_EXPECT(b, "^:alice!alice@127\\.0\\.0\\.1 WALLOPS :attention$");
	nd_send(a, "KILL test.server");
	ND_EXPECT(a, " 483 alice :You can't kill a server!$");
	nd_send(a, "KILL nobody :x");
	ND_EXPECT(a, " 401 alice nobody ");
	nd_send(a, "KILL carl :enough");
	ND_EXPECT(c, "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Killed \\(alice \\(enough\\)\\)\\)$");
	ck_assert(nd_wait_closed(c, T));
	nd_send(a, "LUSERS");
	ND_EXPECT(a, " 252 alice 1 :operator\\(s\\) online$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	ck_assert_int_eq(nd_stop(&s), 0);
	nd_cleanup_files();
}
END_TEST

/* RFC 2812 section 3.6.1: "WHO mask o" lists only IRC operators. */
START_TEST(who_opers_only)
{
	struct nd_server s;
	const char *ops = nd_file("opers", "boss hunter2\n", 0600);

	nd_start(&s, (const char *[]){ "--oper-file", ops, NULL });
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	struct nd_conn *c = nd_register(&s, "carl", NULL);

	nd_send(a, "OPER boss hunter2");
	ND_EXPECT(a, " 381 alice ");
	nd_send(c, "JOIN #w");
	ND_EXPECT(c, " 366 ");
	nd_send(a, "JOIN #w");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #w");
	ND_EXPECT(b, " 366 ");
	nd_sync(b);
	nd_send(b, "WHO #w o");
	next_is(b, "^:test\\.server 352 bob #w alice 127\\.0\\.0\\.1 test\\.server alice H\\* :0 ");
	next_is(b, "^:test\\.server 315 bob #w :End of /WHO list\\.$");
	nd_send(b, "WHO * o");
	next_is(b, "^:test\\.server 352 bob \\* alice .* alice H\\* :0 ");
	next_is(b, "^:test\\.server 315 bob \\* ");
	nd_send(b, "WHO alice o");
	next_is(b, " 352 bob \\* alice ");
	next_is(b, " 315 bob alice ");
	nd_send(b, "WHO carl o");
	next_is(b, "^:test\\.server 315 bob carl ");
	nd_send(b, "WHO c* o");
	next_is(b, "^:test\\.server 315 bob c\\* ");
	/* Without the flag, everyone. */
	nd_send(b, "WHO #w");
	for (int i = 0; i < 3; i++)
		next_is(b, "^:test\\.server 352 bob #w ");
	next_is(b, " 315 bob #w ");
	/* An operator who drops +o drops out of the list. */
	nd_send(a, "MODE alice -o");
	ND_EXPECT(a, "MODE alice :-o$");
	nd_send(b, "WHO * o");
	next_is(b, "^:test\\.server 315 bob \\* ");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	ck_assert_int_eq(nd_stop(&s), 0);
	nd_cleanup_files();
}
END_TEST

START_TEST(password_file_readable)
{
	struct nd_server s;
	const char *pw = nd_file("password", "sesame\n", 0640);

	/* Start-up fails rather than run without the password. */
	ck_assert_int_eq(nd_start_fail(&s, (const char *[]){
	    "--password-file", pw, NULL }), 1);
	ck_assert_msg(strstr(nd_log(&s), "is readable by group or others "
	    "(chmod 600 it)") != NULL, "%s", nd_log(&s));
	nd_stop(&s);
	/* SIGHUP keeps the password it had when the file becomes readable. */
	pw = nd_file("password", "sesame\n", 0600);
	nd_start(&s, (const char *[]){ "--password-file", pw, NULL });
	nd_file("password", "open\n", 0644);
	nd_kill(&s, SIGHUP);
	ck_assert(nd_log_wait(&s, "readable by group or others", T));
	struct nd_conn *a = nd_connect(&s);
	nd_send(a, "PASS open");
	nd_send(a, "NICK alice");
	nd_send(a, "USER a 0 * :A");
	ND_EXPECT(a, " 464 alice ");
	nd_close(a);
	a = nd_connect(&s);
	nd_send(a, "PASS sesame");
	nd_send(a, "NICK alice");
	nd_send(a, "USER a 0 * :A");
	ND_EXPECT(a, " 001 alice ");
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);
	nd_cleanup_files();
}
END_TEST

START_TEST(oper_file_readable)
{
	struct nd_server s;
	const char *ops = nd_file("opers", "boss hunter2\n", 0644);

	nd_start(&s, (const char *[]){ "--oper-file", ops, NULL });
	ck_assert(nd_log_wait(&s, "readable by group or others", T));
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	nd_send(a, "OPER boss hunter2");
	ND_EXPECT(a, " 464 alice :Password incorrect$");
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);
	nd_cleanup_files();
}
END_TEST

START_TEST(flood_delays)
{
	struct nd_server s;
	nd_start(&s, (const char *[]){ "--flood", "20:5", NULL });
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	char buf[40 * 32];
	size_t n = 0;

	/* 40 lines at once: 5 pass, the rest trickle at 20 a second;
	 * none is lost and alice stays connected. */
	for (int i = 0; i < 40; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "PRIVMSG bob :%d\r\n", i);
	ck_assert(nd_send_raw(a, buf, n));
	for (int i = 0; i < 40; i++) {
		char re[32];
		snprintf(re, sizeof(re), "PRIVMSG bob :%d$", i);
		ND_EXPECT(b, re);
	}
	nd_sync(a);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * Long answers cost flood tokens by their lines: asking for a channel's
 * 60 bans five times at once is paced like sending 35 lines, while the
 * MODE lines that set them, answered in a line each, cost one each.
 */
START_TEST(long_answers_cost)
{
	struct nd_server s;
	struct timespec t0, t1;

	nd_start(&s, (const char *[]){ "--flood", "10:20", NULL });
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	nd_send(a, "JOIN #b");
	ND_EXPECT(a, " 366 ");
	for (int i = 0; i < 15; i++)
		nd_send(a, "MODE #b +bbbb a%d!*@* b%d!*@* c%d!*@* d%d!*@*",
		    i, i, i, i);
	nd_sync(a);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 5; i++)
		nd_send(a, "MODE #b b");
	nd_sync(a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(secs >= 1.5, "five ban lists answered in %.2f s", secs);
	/* Delayed, not dropped: alice is still answered. */
	nd_send(a, "MODE #b b");
	ND_EXPECT(a, " 368 alice #b ");
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * Lines held back by flood control are not idleness: a client whose
 * pipelined lines take longer than the ping timeout to run is not closed
 * for "Ping timeout" while they run (the PONG to any PING natterd sent
 * would only come after them).
 */
START_TEST(flood_backlog_not_idle)
{
	struct nd_server s;
	nd_start(&s, (const char *[]){ "--flood", "10:5", "--ping-timeout",
	    "1", NULL });
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	char buf[45 * 32];
	size_t n = 0;

	/* 45 lines at once: 5 pass, the rest take 4 s at 10 a second; idle
	 * for 1 s means a PING, 1 s more without an answer a close. */
	for (int i = 0; i < 45; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "PRIVMSG bob :%d\r\n", i);
	ck_assert(nd_send_raw(a, buf, n));
	for (int i = 0; i < 45; i++) {
		char re[32];
		snprintf(re, sizeof(re), "PRIVMSG bob :%d$", i);
		ND_EXPECT(b, re);
		/* bob is idle: he answers natterd's PINGs. */
		nd_send(b, "PONG :test.server");
	}
	nd_sync(a);
	ck_assert_msg(strstr(nd_log(&s), "Ping timeout") == NULL,
	    "a client was closed for Ping timeout:\n%s", nd_log(&s));
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(out_of_descriptors)
{
	struct nd_server s;
	struct rlimit rl = { 32, 32 };
	struct nd_conn *c[40];
	size_t n = 0;
	bool refused = false;

	/* natterd inherits 32 descriptors at most; so does this test. No
	 * --max-clients: the default would refuse them all before the
	 * descriptors run out. */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	nd_start(&s, (const char *[]){ "--max-clients", "0", NULL });
	while (n < 28 && !refused) {
		c[n] = nd_connect(&s);
		nd_send(c[n], "PING :fd%zu", n);
		char *l = nd_expect(c[n], "PONG|ERROR", T);
		ck_assert_ptr_nonnull(l);
		refused = strstr(l, "ERROR :Closing link: client (Server out of file descriptors)") != NULL;
		free(l);
		n++;
	}
	ck_assert_msg(refused, "never refused after %zu connections", n);
	/* It keeps going: after a close, a new client is served. */
	nd_close(c[--n]);
	nd_close(c[--n]);
	nd_close(c[0]);
	/* Once a later PING is answered, natterd has seen those closes. */
	nd_sync(c[1]);
	c[0] = nd_register(&s, "after", NULL);
	for (size_t i = 0; i < n; i++)
		nd_close(c[i]);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * The defaults, from one address: 5 connections that have not
 * registered, 10 in all; another address is counted on its own, and a
 * --trust network not at all.
 */
START_TEST(per_address_defaults)
{
	struct nd_server s;
	struct nd_conn *c[12];

	nd_untrusted = true;
	nd_start(&s, NULL);
	for (int i = 0; i < 5; i++) {
		c[i] = nd_connect(&s);
		nd_send(c[i], "PING :u%d", i);
		ND_EXPECT(c[i], "PONG");
	}
	c[5] = nd_connect(&s);
	ND_EXPECT(c[5], "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Too many "
	    "unregistered connections from your address\\)$");
	nd_close(c[5]);
	for (int i = 0; i < 5; i++)
		nd_close(c[i]);
	/* Once a later PING is answered, natterd has seen those closes. */
	nd_source = "127.0.0.2";
	struct nd_conn *other = nd_register(&s, "other", NULL);
	nd_source = NULL;
	nd_sync(other);
	for (int i = 0; i < 10; i++) {
		char nick[16];
		snprintf(nick, sizeof(nick), "u%d", i);
		c[i] = nd_register(&s, nick, NULL);
	}
	c[10] = nd_connect(&s);
	ND_EXPECT(c[10], "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Too many "
	    "connections from your address\\)$");
	nd_close(c[10]);
	nd_source = "127.0.0.2";
	c[10] = nd_register(&s, "other2", NULL);
	nd_source = NULL;
	for (int i = 0; i <= 10; i++)
		nd_close(c[i]);
	nd_close(other);
	ck_assert_int_eq(nd_stop(&s), 0);

	nd_start(&s, (const char *[]){ "--trust", "127.0.0.1/32", NULL });
	for (int i = 0; i < 12; i++) {
		c[i] = nd_connect(&s);
		nd_send(c[i], "PING :t%d", i);
		ND_EXPECT(c[i], "PONG");
	}
	for (int i = 0; i < 12; i++)
		nd_close(c[i]);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * Idle sockets that never register, as many as one address can open,
 * against a 64-descriptor limit: the address is refused long before the
 * descriptors run out, and people on other addresses still get in.
 */
START_TEST(idle_sockets)
{
	struct nd_server s;
	struct rlimit rl = { 64, 64 };
	struct nd_conn *c[50];
	size_t n = 0;
	bool refused = false;

	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	nd_untrusted = true;
	nd_start(&s, NULL);
	while (n < sizeof(c) / sizeof(*c) && !refused) {
		c[n] = nd_connect(&s);
		nd_send(c[n], "PING :fd%zu", n);
		char *l = nd_expect(c[n], "PONG|ERROR", T);
		ck_assert_ptr_nonnull(l);
		refused = strstr(l, "ERROR") != NULL;
		ck_assert_msg(!refused || strstr(l, "Too many unregistered") !=
		    NULL, "%s", l);
		free(l);
		if (refused)
			nd_close(c[n]);
		else
			n++;
	}
	ck_assert_msg(refused, "never refused after %zu connections", n);
	struct nd_conn *users[5];
	for (int i = 0; i < 5; i++) {
		char addr[16], nick[16];
		snprintf(addr, sizeof(addr), "127.0.0.%d", i + 2);
		snprintf(nick, sizeof(nick), "user%d", i);
		nd_source = addr;
		users[i] = nd_register(&s, nick, NULL);
	}
	nd_source = NULL;
	ck_assert_msg(strstr(nd_log(&s), "out of file descriptors") == NULL,
	    "%s", nd_log(&s));
	for (int i = 0; i < 5; i++)
		nd_close(users[i]);
	for (size_t i = 0; i < n; i++)
		nd_close(c[i]);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * Idle sockets that never register, one from each of many addresses,
 * more than a 64-descriptor limit lets in (--max-clients 32): once
 * natterd is full, a new connection takes the place of the one that has
 * waited longest without registering, so people still get in and the
 * history database still works; no one is told "Server out of file
 * descriptors".
 */
START_TEST(idle_sockets_many_addresses)
{
	enum { IDLE = 44, USERS = 5 };	/* and this test's own descriptors */
	struct nd_server s;
	struct rlimit rl = { 64, 64 };
	static struct nd_conn *c[IDLE];
	const char *db = nd_file("full.db", "", 0600);

	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	nd_untrusted = true;
	nd_start(&s, (const char *[]){ "--db", db, NULL });
	for (int i = 0; i < IDLE; i++) {
		char addr[16];
		snprintf(addr, sizeof(addr), "127.0.5.%d", i + 1);
		nd_source = addr;
		c[i] = nd_connect(&s);
		nd_send(c[i], "PING :idle%d", i);
		char *l = nd_expect(c[i], "PONG|ERROR", T);
		ck_assert_ptr_nonnull(l);
		ck_assert_msg(strstr(l, "PONG") != NULL ||
		    strstr(l, "(Server is full)") != NULL, "%s", l);
		free(l);
	}
	nd_source = NULL;
	struct nd_conn *users[USERS];
	for (int i = 0; i < USERS; i++) {
		char addr[16], nick[16];
		snprintf(addr, sizeof(addr), "127.0.6.%d", i + 1);
		snprintf(nick, sizeof(nick), "user%d", i);
		nd_source = addr;
		users[i] = nd_register(&s, nick, "batch draft/chathistory "
		    "server-time");
		nd_source = NULL;
		nd_send(users[i], "JOIN #full");
		nd_send(users[i], "PRIVMSG #full :hello from %s", nick);
		nd_sync(users[i]);
	}
	/* What the first said was stored, and is read back. */
	nd_send(users[USERS - 1], "CHATHISTORY LATEST #full * 10");
	ND_EXPECT(users[USERS - 1], " PRIVMSG #full :hello from user0$");
	/* The first idle sockets made room, and were told why. */
	ND_EXPECT(c[0], "^ERROR :Closing link: 127\\.0\\.5\\.1 \\(Server is "
	    "full\\)$");
	ck_assert_msg(strstr(nd_log(&s), "out of file descriptors") == NULL,
	    "%s", nd_log(&s));
	for (int i = 0; i < USERS; i++)
		nd_close(users[i]);
	for (int i = 0; i < IDLE; i++)
		nd_close(c[i]);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * Once half of --max-clients is taken, a connection gets 10 s to
 * register, not the usual 60 (or the ping timeout).
 */
START_TEST(registration_pressure)
{
	struct nd_server s;
	struct timespec t0, t1;

	nd_start(&s, (const char *[]){ "--max-clients", "4", "--ping-timeout",
	    "30", NULL });
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct nd_conn *a = nd_connect(&s);
	struct nd_conn *b = nd_connect(&s);
	nd_send(b, "NICK squat");
	char *l = nd_expect(a, "^ERROR :Closing link: .*Registration timed "
	    "out", 20000);
	ck_assert_ptr_nonnull(l);
	free(l);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(secs >= 9 && secs < 20, "closed after %.1f s", secs);
	ND_EXPECT(b, "Registration timed out");
	/* Its nick is free again. */
	struct nd_conn *c = nd_register(&s, "squat", NULL);
	nd_close(c);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/* --- interop: what irssi, WeeChat and catgirl ask of natterd */

/*
 * WHOX: irssi syncs a channel with "WHO #chan %tcuhnfdar,743" once 005
 * says WHOX. The fields come in the spec's order whatever the order asked,
 * the real name last as a trailing parameter.
 */
START_TEST(interop_whox)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", "multi-prefix");

	/* Both tokens, on whichever 005 lines they fall. */
	char all[4096] = "";
	nd_send(a, "VERSION");
	nd_send(a, "PING :end");
	for (;;) {
		char *l = nd_line(a, T);
		ck_assert_msg(l != NULL, "no PONG after VERSION:\n%s", all);
		bool end = strstr(l, "PONG") != NULL;
		if (strstr(l, " 005 ") != NULL)
			strncat(all, l, sizeof(all) - strlen(all) - 1);
		free(l);
		if (end)
			break;
	}
	ck_assert_msg(strstr(all, " NAMELEN=256 ") != NULL, "%s", all);
	ck_assert_msg(strstr(all, " WHOX ") != NULL, "%s", all);
	nd_send(a, "JOIN #w");
	ND_EXPECT(a, " 366 alice #w ");
	nd_send(a, "AWAY :out");
	ND_EXPECT(a, " 306 alice ");
	nd_send(b, "JOIN #w");
	ND_EXPECT(b, " 366 bob #w ");
	nd_sync(b);
	nd_send(b, "WHO #w %%tcuhnfdar,743");
	next_is(b, "^:test\\.server 354 bob 743 #w alice 127\\.0\\.0\\.1 alice G@ 0 0 :alice's real name$");
	next_is(b, "^:test\\.server 354 bob 743 #w bob 127\\.0\\.0\\.1 bob H 0 0 :bob's real name$");
	next_is(b, "^:test\\.server 315 bob #w :End of /WHO list\\.$");
	/* Order asked does not matter; i, s, l, o and a token-less t. */
	nd_send(b, "WHO alice %%oslnit");
	next_is(b, "^:test\\.server 354 bob 0 127\\.0\\.0\\.1 test\\.server alice [0-9]+ n/a$");
	next_is(b, "^:test\\.server 315 bob alice ");
	/* irssi's account chase: nick and account ("0": none). */
	nd_send(b, "WHO alice %%tna,745");
	next_is(b, "^:test\\.server 354 bob 745 alice 0$");
	next_is(b, " 315 bob alice ");
	/* A token that is not 1-3 digits is not echoed. */
	nd_send(b, "WHO al* %%tn,1234");
	next_is(b, "^:test\\.server 354 bob 0 alice$");
	next_is(b, " 315 bob al\\* ");
	/* Flags before the '%' still count: o, and nobody is an operator. */
	nd_send(b, "WHO #w o%%n");
	next_is(b, "^:test\\.server 315 bob #w ");
	/* No known field: a plain WHO. */
	nd_send(b, "WHO bob %%zz");
	next_is(b, "^:test\\.server 352 bob \\* bob 127\\.0\\.0\\.1 test\\.server bob H :0 bob's real name$");
	next_is(b, " 315 bob bob ");
	nd_close(a);
	nd_close(b);
}
END_TEST

/*
 * extended-join: the JOIN carries the account ("*": natterd has none) and
 * the real name for those who asked; the others get the plain JOIN.
 */
START_TEST(interop_extended_join)
{
	struct nd_conn *a = nd_register(&srv, "alice", "extended-join");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	struct nd_conn *c = nd_register(&srv, "carl", "extended-join");

	nd_send(a, "JOIN #x");
	next_is(a, "^:alice!alice@127\\.0\\.0\\.1 JOIN #x \\* :alice's real name$");
	ND_EXPECT(a, " 366 alice #x ");
	nd_send(b, "JOIN #x");
	next_is(b, "^:bob!bob@127\\.0\\.0\\.1 JOIN #x$");
	ND_EXPECT(b, " 366 bob #x ");
	next_is(a, "^:bob!bob@127\\.0\\.0\\.1 JOIN #x \\* :bob's real name$");
	nd_send(c, "JOIN #x");
	ND_EXPECT(c, " 366 carl #x ");
	next_is(a, "^:carl!carl@127\\.0\\.0\\.1 JOIN #x \\* :carl's real name$");
	next_is(b, "^:carl!carl@127\\.0\\.0\\.1 JOIN #x$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

/*
 * away-notify: someone who joins while away is announced as away to the
 * members who asked, right after the JOIN; nothing to the others.
 */
START_TEST(interop_away_on_join)
{
	struct nd_conn *a = nd_register(&srv, "alice", "away-notify");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	struct nd_conn *c = nd_register(&srv, "carl", "away-notify");

	nd_send(a, "JOIN #y");
	ND_EXPECT(a, " 366 alice #y ");
	nd_send(b, "JOIN #y");
	ND_EXPECT(b, " 366 bob #y ");
	next_is(a, "^:bob!bob@127\\.0\\.0\\.1 JOIN #y$");
	nd_send(c, "AWAY :gone fishing");
	ND_EXPECT(c, " 306 carl ");
	nd_send(c, "JOIN #y");
	next_is(c, "^:carl!carl@127\\.0\\.0\\.1 JOIN #y$");
	ND_EXPECT(c, " 366 carl #y ");
	next_is(a, "^:carl!carl@127\\.0\\.0\\.1 JOIN #y$");
	next_is(a, "^:carl!carl@127\\.0\\.0\\.1 AWAY :gone fishing$");
	next_is(b, "^:carl!carl@127\\.0\\.0\\.1 JOIN #y$");
	nd_quiet(b, " AWAY ");
	/* Back, and joining another channel: no AWAY. */
	nd_send(c, "AWAY");
	ND_EXPECT(c, " 305 carl ");
	next_is(a, "^:carl!carl@127\\.0\\.0\\.1 AWAY$");
	nd_send(c, "PART #y");
	next_is(a, "^:carl!.* PART #y$");
	nd_send(c, "JOIN #y");
	next_is(a, "^:carl!carl@127\\.0\\.0\\.1 JOIN #y$");
	nd_quiet(a, " AWAY");
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

/*
 * SETNAME (catgirl's and WeeChat's /setname): the new real name goes to the
 * sender and its channels' members that have the setname capability, WHOIS
 * and WHO show it; empty or over NAMELEN is a FAIL.
 */
START_TEST(interop_setname)
{
	struct nd_conn *a = nd_register(&srv, "alice", "setname");
	struct nd_conn *b = nd_register(&srv, "bob", "setname");
	struct nd_conn *c = nd_register(&srv, "carl", NULL);
	char name[300];

	nd_send(a, "JOIN #z");
	ND_EXPECT(a, " 366 alice #z ");
	nd_send(b, "JOIN #z");
	ND_EXPECT(b, " 366 bob #z ");
	nd_send(c, "JOIN #z");
	ND_EXPECT(c, " 366 carl #z ");
	nd_sync(a);
	nd_sync(b);
	nd_send(a, "SETNAME :Alice Liddell");
	next_is(a, "^:alice!alice@127\\.0\\.0\\.1 SETNAME :Alice Liddell$");
	next_is(b, "^:alice!alice@127\\.0\\.0\\.1 SETNAME :Alice Liddell$");
	nd_quiet(c, " SETNAME ");
	nd_send(c, "WHOIS alice");
	ND_EXPECT(c, "^:test\\.server 311 carl alice alice 127\\.0\\.0\\.1 \\* :Alice Liddell$");
	/* Without the capability it still works; only the others hear. */
	nd_send(c, "SETNAME :Carl");
	next_is(a, "^:carl!carl@127\\.0\\.0\\.1 SETNAME :Carl$");
	next_is(b, "^:carl!carl@127\\.0\\.0\\.1 SETNAME :Carl$");
	nd_send(c, "WHO carl");
	ND_EXPECT(c, " 352 carl \\* carl .* :0 Carl$");
	/* Errors change nothing. */
	nd_send(a, "SETNAME :");
	next_is(a, "^:test\\.server FAIL SETNAME INVALID_REALNAME :");
	memset(name, 'n', 257);
	name[257] = '\0';
	nd_send(a, "SETNAME :%s", name);
	next_is(a, "^:test\\.server FAIL SETNAME INVALID_REALNAME :");
	/* An invalid byte was read as Latin-1, like all input, and the
	 * sender is warned (UTF8ONLY). */
	nd_send(a, "SETNAME :bad \xff byte");
	next_is(a, "^:test\\.server WARN SETNAME INVALID_UTF8 :");
	next_is(a, "^:alice!.* SETNAME :bad \xc3\xbf byte$");
	next_is(b, "^:alice!.* SETNAME :bad \xc3\xbf byte$");
	nd_send(a, "SETNAME");
	next_is(a, " 461 alice SETNAME ");
	name[256] = '\0';
	nd_send(a, "SETNAME :%s", name);
	next_is(a, "^:alice!.* SETNAME :n{256}$");
	next_is(b, "^:alice!.* SETNAME :n{256}$");
	nd_close(a);
	nd_close(b);
	nd_close(c);
}
END_TEST

/* USER's real name is cut at NAMELEN, on a character boundary. */
START_TEST(interop_user_realname_cut)
{
	struct nd_conn *c = nd_connect(&srv);
	char name[400];
	size_t n = 0;

	/* 'x' then "é" (2 bytes) repeatedly: byte 256 falls inside an "é". */
	name[n++] = 'x';
	while (n < 300) {
		memcpy(name + n, "\xc3\xa9", 2);
		n += 2;
	}
	name[n] = '\0';
	nd_send(c, "NICK rn");
	nd_send(c, "USER rn 0 * :%s", name);
	ND_EXPECT(c, " 422 rn ");
	nd_send(c, "WHOIS rn");
	char *l = nd_expect(c, " 311 rn ", T);
	ck_assert_ptr_nonnull(l);
	const char *real = strstr(l, " * :");
	ck_assert_ptr_nonnull(real);
	real += 4;
	ck_assert_uint_eq(strlen(real), 255);
	ck_assert_int_eq(strncmp(real, name, 255), 0);
	free(l);
	nd_close(c);
}
END_TEST

/*
 * A client on IPv6 loopback is "::1", which as a parameter of its own
 * (311, 352, 354) would read as the trailing parameter: natterd writes it
 * "0::1". Passes with a note where the machine has no IPv6 loopback.
 */
START_TEST(interop_ipv6_host)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		printf("interop_ipv6_host: no IPv6 loopback; not tested\n");
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);

	struct nd_server s;
	nd_start(&s, (const char *[]){ "-l", "[::1]:0", NULL });
	ck_assert(nd_log_wait(&s, "listening on \\[::1\\]:[0-9]+", T));
	const char *at = strstr(nd_log(&s), "listening on [::1]:");
	ck_assert_ptr_nonnull(at);
	sa.sin6_port = htons(atoi(at + strlen("listening on [::1]:")));
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, len), 0);
	struct nd_conn *c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	c->server = &s;
	c->fd = fd;

	nd_send(c, "NICK six");
	nd_send(c, "USER six 0 * :Six Users");
	ND_EXPECT(c, "^:test\\.server 001 six :Welcome .* six!six@0::1$");
	ND_EXPECT(c, " 422 six ");
	nd_send(c, "WHOIS six");
	ND_EXPECT(c, "^:test\\.server 311 six six six 0::1 \\* :Six Users$");
	nd_send(c, "WHO six");
	ND_EXPECT(c, "^:test\\.server 352 six \\* six 0::1 test\\.server six H :0 Six Users$");
	nd_send(c, "WHO six %%uhn");
	ND_EXPECT(c, "^:test\\.server 354 six six 0::1 six$");
	nd_close(c);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/*
 * The key is a middle parameter of 324, which catgirl and others split by
 * CHANMODES: one starting with ':' would swallow the limit after it.
 */
START_TEST(interop_key_colon)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	nd_send(a, "JOIN #k");
	ND_EXPECT(a, " 366 alice #k ");
	nd_send(a, "MODE #k +lk 5 ::x");
	next_is(a, "^:test\\.server 525 alice #k :Key is not well-formed$");
	next_is(a, "^:alice!alice@127\\.0\\.0\\.1 MODE #k \\+l 5$");
	nd_send(a, "MODE #k");
	next_is(a, "^:test\\.server 324 alice #k \\+lnt 5$");
	nd_close(a);
}
END_TEST

static Suite *
natterd_suite(void)
{
	Suite *s = suite_create("natterd");
	TCase *tc;

	tc = tcase_create("registration");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, register_welcome);
	tcase_add_test(tc, register_isupport_tokens);
	tcase_add_test(tc, register_nick_errors);
	tcase_add_test(tc, unregistered_nick_gives_way);
	tcase_add_test(tc, register_cap_negotiation);
	tcase_add_test(tc, register_timeout);
	tcase_add_test(tc, ping_timeout);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, join_privmsg_part);
	tcase_add_test(tc, message_errors);
	tcase_add_test(tc, message_duplicate_targets);
	tcase_add_test(tc, server_time_and_echo);
	tcase_add_test(tc, server_time_wellformed);
	tcase_add_test(tc, tags_end_to_end);
	tcase_add_test(tc, labeled_response);
	suite_add_tcase(s, tc);

	tc = tcase_create("commands");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, topic_commands);
	tcase_add_test(tc, names_list_who);
	tcase_add_test(tc, whois_away);
	tcase_add_test(tc, channel_modes);
	tcase_add_test(tc, mode_list_queries);
	tcase_add_test(tc, mode_unknown_letters);
	tcase_add_test(tc, mode_key_edges);
	tcase_add_test(tc, mode_limit_edges);
	tcase_add_test(tc, mode_member_edges);
	tcase_add_test(tc, mode_param_limit);
	tcase_add_test(tc, whowas_empty);
	tcase_add_test(tc, cap_list_enabled_only);
	tcase_add_test(tc, cap_each_alone);
	tcase_add_test(tc, kick_and_empty_channel);
	tcase_add_test(tc, join_several_and_zero);
	tcase_add_test(tc, nick_change_and_quit);
	tcase_add_test(tc, server_queries);
	suite_add_tcase(s, tc);

	tc = tcase_create("bans");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, bans_set_list_remove);
	tcase_add_test(tc, bans_join_and_speak);
	tcase_add_test(tc, bans_limits);
	tcase_add_test(tc, bans_long_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, hostile_overlong);
	tcase_add_test(tc, hostile_bytes);
	tcase_add_test(tc, hostile_half_lines);
	tcase_add_test(tc, hostile_reply_fields);
	tcase_add_test(tc, kick_self_first);
	tcase_add_test(tc, abrupt_disconnects);
	tcase_add_test(tc, sendq_slow_reader);
	tcase_add_test(tc, quit_with_input_pending);
	tcase_add_test(tc, sendq_mid_join);
	tcase_add_test(tc, max_output);
	tcase_add_test(tc, memory_attack);
	tcase_add_test(tc, list_in_steps);
	tcase_add_test(tc, list_steps_order);
	tcase_add_test(tc, long_commands_share_passes);
	suite_add_tcase(s, tc);

	tc = tcase_create("process");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, sigterm_shutdown);
	tcase_add_test(tc, bad_flags);
	tcase_add_test(tc, unknown_flag_hint);
	tcase_add_test(tc, port_in_use_leaves_no_files);
	tcase_add_test(tc, ready_notify_socket);
	tcase_add_test(tc, log_info_lines);
	tcase_add_test(tc, client_limits);
	tcase_add_test(tc, motd_and_sighup);
	tcase_add_test(tc, server_password);
	tcase_add_test(tc, oper_kill_wallops);
	tcase_add_test(tc, who_opers_only);
	tcase_add_test(tc, oper_file_readable);
	tcase_add_test(tc, password_file_readable);
	tcase_add_test(tc, flood_delays);
	tcase_add_test(tc, flood_backlog_not_idle);
	tcase_add_test(tc, long_answers_cost);
	tcase_add_test(tc, out_of_descriptors);
	tcase_add_test(tc, per_address_defaults);
	tcase_add_test(tc, idle_sockets);
	tcase_add_test(tc, idle_sockets_many_addresses);
	tcase_add_test(tc, registration_pressure);
	suite_add_tcase(s, tc);

	tc = tcase_create("interop");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, interop_whox);
	tcase_add_test(tc, interop_extended_join);
	tcase_add_test(tc, interop_away_on_join);
	tcase_add_test(tc, interop_setname);
	tcase_add_test(tc, interop_user_realname_cut);
	tcase_add_test(tc, interop_ipv6_host);
	tcase_add_test(tc, interop_key_colon);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return nd_run_suite(natterd_suite());
}
