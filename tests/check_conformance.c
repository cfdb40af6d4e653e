/*
 * Integration tests of natterd's IRC conformance: the commands and
 * replies irctest (the conformance suite of Ergo, InspIRCd and others)
 * checks, at the wire level, through tests/harness.c.
 */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define T ND_TIMEOUT_MS

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

/* The next line must match want. */
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

/* --- replies irctest found wrong */

/* "KICK #a,#b u1,u2" pairs them (RFC 2812 3.2.8); each KICK line has
 * one channel and one nick; counts that do not pair are 461. */
START_TEST(kick_channel_list)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	struct nd_conn *c = nd_register(&srv, "carol", NULL);

	nd_send(a, "JOIN #k,#l");
	ND_EXPECT(a, " 366 alice #l ");
	nd_send(b, "JOIN #k,#l");
	ND_EXPECT(b, " 366 bob #l ");
	nd_send(c, "JOIN #k");
	ND_EXPECT(c, " 366 carol #k ");
	nd_send(a, "KICK #k,#k bob,carol :bye");
	next_is(a, "^:bob!.* JOIN #k$");
	next_is(a, "^:bob!.* JOIN #l$");
	next_is(a, "^:carol!.* JOIN #k$");
	next_is(a, "^:alice!alice@127\\.0\\.0\\.1 KICK #k bob :bye$");
	next_is(a, "^:alice!alice@127\\.0\\.0\\.1 KICK #k carol :bye$");
	nd_send(a, "KICK #l,#k bob,bob,dan");
	next_is(a, "^:test\\.server 461 alice KICK :Not enough parameters$");
	nd_send(a, "KICK #l,#nope bob,bob");
	next_is(a, "^:alice!.* KICK #l bob :alice$");
	next_is(a, "^:test\\.server 403 alice #nope :No such channel$");
	nd_close(c);
	nd_close(b);
	nd_close(a);
}
END_TEST

/* A message to oneself with echo-message comes twice, as Ergo and
 * InspIRCd send it: the copy received, unlabeled, and the echo, which
 * alone carries the label. */
START_TEST(labeled_message_to_self)
{
	struct nd_conn *a = nd_register(&srv, "alice",
	    "echo-message batch labeled-response message-tags");

	const char *cmds[] = { "PRIVMSG alice :hi", "NOTICE alice :hi",
	    "TAGMSG alice" };
	for (size_t i = 0; i < 3; i++) {
		nd_send(a, "@label=L%zu;+draft/reply=1 %s", i, cmds[i]);
		next_is(a, "^@(msgid=[^;]+;)?\\+draft/reply=1(;msgid=[^ ]+)? :alice!alice@127\\.0\\.0\\.1 [A-Z]+ alice");
		next_is(a, "^@label=L[0-9];");
	}
	/* Without echo-message, the one copy is the labeled answer. */
	struct nd_conn *b = nd_register(&srv, "bob", "batch labeled-response");
	nd_send(b, "@label=x PRIVMSG bob :hi");
	next_is(b, "^@label=x :bob!bob@127\\.0\\.0\\.1 PRIVMSG bob :hi$");
	nd_send(b, "PING :after");
	next_is(b, " PONG [^ ]+ :?after$");
	nd_close(b);
	nd_close(a);
}
END_TEST

/* A word that is no command is an unknown command (421), labeled. */
START_TEST(labeled_unknown_command)
{
	struct nd_conn *a = nd_register(&srv, "alice", "batch labeled-response");

	nd_send(a, "@label=deadbeef NONEXISTENT_COMMAND");
	next_is(a, "^@label=deadbeef :test\\.server 421 alice NONEXISTENT_COMMAND :Unknown command$");
	nd_send(a, "@label=x FOO");
	next_is(a, "^@label=x :test\\.server 421 alice FOO :Unknown command$");
	nd_close(a);
}
END_TEST

/* IRCv3 message-tags: a client's tags, '@' and space included, fit in
 * 4096 bytes; one more is 417 and nothing is relayed. */
START_TEST(client_tags_limit)
{
	struct nd_conn *a = nd_register(&srv, "alice", "message-tags echo-message");
	struct nd_conn *b = nd_register(&srv, "bob", "message-tags");
	static char tag[5000];

	nd_send(a, "JOIN #t");
	ND_EXPECT(a, " 366 ");
	nd_send(b, "JOIN #t");
	ND_EXPECT(b, " 366 ");
	/* "@foo=bar;+baz=" is 14 bytes: 4081 more and the space make 4096. */
	memset(tag, 'a', 4081);
	tag[4081] = '\0';
	nd_send(a, "@foo=bar;+baz=%s TAGMSG #t", tag);
	ND_EXPECT(b, "\\+baz=a{4081}[; ].*TAGMSG #t$");
	tag[4081] = 'a';
	tag[4082] = '\0';
	nd_send(a, "@foo=bar;+baz=%s TAGMSG #t", tag);
	ND_EXPECT(a, "^:test\\.server 417 alice :Input line was too long$");
	/* The same for a line whose tags alone are too long. */
	memset(tag, 'a', 4096);
	tag[4096] = '\0';
	nd_send(a, "@+example=%s PRIVMSG #t :hi", tag);
	next_is(a, "^:test\\.server 417 alice ");
	nd_send(b, "PING :after");
	next_is(b, " PONG [^ ]+ :?after$");
	nd_close(b);
	nd_close(a);
}
END_TEST

/* USER with an empty real name is 461 and registers nothing. */
START_TEST(user_empty_realname)
{
	struct nd_conn *a = nd_connect(&srv);

	nd_send(a, "NICK alice");
	nd_send(a, "USER alice * * :");
	next_is(a, "^:test\\.server 461 alice USER :Not enough parameters$");
	nd_send(a, "USER alice * * :Alice");
	ND_EXPECT(a, "^:test\\.server 001 alice ");
	nd_close(a);
}
END_TEST

static Suite *
conformance_suite(void)
{
	Suite *s = suite_create("conformance");
	TCase *tc;

	tc = tcase_create("replies");
	tcase_add_checked_fixture(tc, start, stop);
	tcase_add_test(tc, kick_channel_list);
	tcase_add_test(tc, labeled_message_to_self);
	tcase_add_test(tc, labeled_unknown_command);
	tcase_add_test(tc, client_tags_limit);
	tcase_add_test(tc, user_empty_realname);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conformance_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
