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
#define WHOWAS_TEST 256		/* natterd's WHOWAS_MAX */

static struct nd_server srv;

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

/* Register nick with a user name and real name of our own. */
static struct nd_conn *
reg_as(const char *nick, const char *user, const char *real)
{
	struct nd_conn *c = nd_connect(&srv);

	nd_send(c, "NICK %s", nick);
	nd_send(c, "USER %s 0 * :%s", user, real);
	ND_EXPECT(c, "^:test\\.server (376|422) ");
	return c;
}

/* Register, QUIT and wait for the close. */
static void
visit(const char *nick, const char *user, const char *real)
{
	struct nd_conn *c = reg_as(nick, user, real);

	nd_send(c, "QUIT :bye");
	ck_assert(nd_wait_closed(c, T));
	nd_close(c);
}

/* --- WHOWAS */

/* RFC 2812 3.6.3: newest first, 314 then 312 for each, one 369. */
START_TEST(whowas_after_quit)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	visit("bob", "first", "Bob One");
	visit("Bob", "second", "Bob Two");
	nd_send(a, "WHOWAS BOB");
	next_is(a, "^:test\\.server 314 alice Bob second 127\\.0\\.0\\.1 \\* :Bob Two$");
	next_is(a, "^:test\\.server 312 alice Bob test\\.server :[0-9]{4}-.*Z$");
	next_is(a, "^:test\\.server 314 alice bob first 127\\.0\\.0\\.1 \\* :Bob One$");
	next_is(a, "^:test\\.server 312 alice bob test\\.server :");
	next_is(a, "^:test\\.server 369 alice BOB :End of WHOWAS$");
	nd_close(a);
}
END_TEST

/* A positive count limits the entries; zero or less asks for all. */
START_TEST(whowas_count)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	visit("bob", "first", "Bob One");
	visit("bob", "second", "Bob Two");
	nd_send(a, "WHOWAS bob 1");
	next_is(a, " 314 alice bob second ");
	next_is(a, " 312 alice bob ");
	next_is(a, " 369 alice bob ");
	for (int i = 0; i < 3; i++) {
		nd_send(a, "WHOWAS bob %s", (const char *[]){ "0", "-1", "2" }[i]);
		next_is(a, " 314 alice bob second ");
		next_is(a, " 312 alice bob ");
		next_is(a, " 314 alice bob first ");
		next_is(a, " 312 alice bob ");
		next_is(a, " 369 alice bob ");
	}
	/* Several nicks: each answered, known or not, then one 369. */
	nd_send(a, "WHOWAS nobody,bob 1");
	next_is(a, " 406 alice nobody :There was no such nickname$");
	next_is(a, " 314 alice bob second ");
	next_is(a, " 312 alice bob ");
	next_is(a, " 369 alice nobody,bob ");
	nd_close(a);
}
END_TEST

/* A nick left by NICK is recorded too; one still in use is not a 314. */
START_TEST(whowas_nick_change)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = reg_as("bob", "bobu", "Bob Real");

	nd_send(b, "NICK robert");
	ND_EXPECT(b, "^:bob!bobu@127\\.0\\.0\\.1 NICK robert$");
	nd_send(a, "WHOWAS bob");
	next_is(a, " 314 alice bob bobu 127\\.0\\.0\\.1 \\* :Bob Real$");
	next_is(a, " 312 alice bob ");
	next_is(a, " 369 alice bob ");
	nd_send(a, "WHOWAS robert");
	next_is(a, " 406 alice robert ");
	next_is(a, " 369 alice robert ");
	nd_close(b);
	nd_close(a);
}
END_TEST

/* The record is bounded: past WHOWAS_MAX departures the oldest is gone. */
START_TEST(whowas_bounded)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = reg_as("n0", "u", "R");

	for (int i = 1; i <= WHOWAS_TEST + 1; i++) {
		nd_send(b, "NICK n%d", i);
		if (i % 64 == 0)
			nd_sync(b);
	}
	nd_sync(b);
	nd_send(a, "WHOWAS n0");
	next_is(a, " 406 alice n0 ");
	next_is(a, " 369 alice n0 ");
	nd_send(a, "WHOWAS n1");
	next_is(a, " 314 alice n1 u ");
	nd_close(b);
	nd_close(a);
}
END_TEST

/* --- MONITOR (IRCv3 monitor) */

/* + answers with the status now; then arrivals, nick changes and quits. */
START_TEST(monitor_notifications)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *c = nd_register(&srv, "carol", NULL);

	nd_send(a, "MONITOR + bob,Carol");
	next_is(a, "^:test\\.server 730 alice :carol!carol@127\\.0\\.0\\.1$");
	next_is(a, "^:test\\.server 731 alice :bob$");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	next_is(a, "^:test\\.server 730 alice :bob!bob@127\\.0\\.0\\.1$");
	/* A change of case is the same nick: nothing. */
	nd_send(b, "NICK BOB");
	ND_EXPECT(b, " NICK BOB$");
	nd_send(b, "NICK robert");
	ND_EXPECT(b, " NICK robert$");
	next_is(a, "^:test\\.server 731 alice :BOB$");
	nd_send(b, "NICK bob");
	ND_EXPECT(b, " NICK bob$");
	next_is(a, "^:test\\.server 730 alice :bob!bob@127\\.0\\.0\\.1$");
	nd_send(c, "QUIT :bye");
	next_is(a, "^:test\\.server 731 alice :carol$");
	/* - is silent, and stops the notices. */
	nd_send(a, "MONITOR - BOB");
	nd_sync(a);
	nd_send(b, "QUIT :bye");
	ck_assert(nd_wait_closed(b, T));
	nd_send(a, "PING :after");
	next_is(a, " PONG [^ ]+ :?after$");
	nd_close(b);
	nd_close(c);
	nd_close(a);
}
END_TEST

/* L lists the targets, S their status, C clears silently. */
START_TEST(monitor_list_status_clear)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "MONITOR L");
	next_is(a, "^:test\\.server 733 alice :End of MONITOR list$");
	nd_send(a, "MONITOR + bob,dan");
	next_is(a, " 730 alice :bob!");
	next_is(a, " 731 alice :dan$");
	nd_send(a, "MONITOR + BOB");
	next_is(a, " 730 alice :bob!");
	nd_send(a, "MONITOR L");
	next_is(a, "^:test\\.server 732 alice :bob,dan$");
	next_is(a, " 733 alice ");
	nd_send(a, "MONITOR S");
	next_is(a, " 730 alice :bob!bob@127\\.0\\.0\\.1$");
	next_is(a, " 731 alice :dan$");
	nd_send(a, "MONITOR C");
	nd_send(a, "MONITOR L");
	next_is(a, " 733 alice ");
	/* Masks are not nicks (no following people across nick changes). */
	nd_send(a, "MONITOR + *!bob@127.0.0.1");
	next_is(a, " 432 alice \\*!bob@127\\.0\\.0\\.1 ");
	nd_send(a, "MONITOR +");
	next_is(a, " 461 alice MONITOR ");
	nd_send(a, "MONITOR");
	next_is(a, " 461 alice MONITOR ");
	nd_close(b);
	nd_close(a);
}
END_TEST

/* ISUPPORT MONITOR=100; the target past it, and the rest, get 734. */
START_TEST(monitor_limit)
{
	struct nd_conn *a = nd_connect(&srv);
	char line[512];
	size_t n = 0;

	nd_send(a, "NICK alice");
	nd_send(a, "USER alice 0 * :A");
	ND_EXPECT(a, "^:test\\.server 005 alice .*MONITOR=100");
	ND_EXPECT(a, " (376|422) ");
	for (int i = 0; i < 98; i++) {
		nd_send(a, "MONITOR + n%d", i);
		next_is(a, " 731 alice :n[0-9]+$");
	}
	for (int i = 98; i < 102; i++)
		n += snprintf(line + n, sizeof(line) - n, "%sn%d", n ? "," : "", i);
	nd_send(a, "MONITOR + %s", line);
	next_is(a, "^:test\\.server 731 alice :n98,n99$");
	next_is(a, "^:test\\.server 734 alice 100 n100,n101 :Monitor list is full$");
	/* Known ones are not counted twice. */
	nd_send(a, "MONITOR + n0");
	next_is(a, " 731 alice :n0$");
	nd_close(a);
}
END_TEST

/* A client that goes leaves no watcher behind for later arrivals. */
START_TEST(monitor_watcher_quits)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *w = nd_register(&srv, "wendy", NULL);

	nd_send(a, "MONITOR + bob");
	next_is(a, " 731 alice :bob$");
	nd_send(w, "MONITOR + bob");
	next_is(w, " 731 wendy :bob$");
	nd_send(w, "QUIT");
	ck_assert(nd_wait_closed(w, T));
	nd_close(w);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	next_is(a, " 730 alice :bob!");
	nd_close(b);
	next_is(a, " 731 alice :bob$");
	nd_close(a);
}
END_TEST

/* --- INFO and HELP */

/* RFC 2812 3.4.10: 371 lines, then 374. */
START_TEST(info_lines)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	nd_send(a, "INFO");
	next_is(a, "^:test\\.server 371 alice :natterd-[^ ]+, natter's LAN chat server$");
	next_is(a, " 371 alice :IRC ");
	next_is(a, " 371 alice :Running since [0-9]{4}-");
	next_is(a, " 371 alice :History: in memory$");
	next_is(a, "^:test\\.server 374 alice :End of INFO list$");
	nd_close(a);
}
END_TEST

/* HELP and HELPOP: 704, 705, 706 naming the subject, or 524 alone. */
START_TEST(help_subjects)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);

	nd_send(a, "HELP privmsg");
	next_is(a, "^:test\\.server 704 alice PRIVMSG :PRIVMSG <target>\\[,<target>\\.\\.\\.\\] <text>$");
	next_is(a, "^:test\\.server 705 alice PRIVMSG :send a message to channels or users$");
	next_is(a, "^:test\\.server 706 alice PRIVMSG :End of /HELP$");
	nd_send(a, "HELPOP MONITOR");
	next_is(a, " 704 alice MONITOR :MONITOR \\+ <nicks>");
	next_is(a, " 705 alice MONITOR :");
	next_is(a, " 706 alice MONITOR ");
	nd_send(a, "HELP NOSUCHTHING");
	next_is(a, "^:test\\.server 524 alice NOSUCHTHING :No help available on this topic$");
	/* The index names every command, the new ones too. */
	nd_send(a, "HELP");
	next_is(a, "^:test\\.server 704 alice \\* :");
	next_is(a, "^:test\\.server 705 alice \\* :PRIVMSG NOTICE TAGMSG .* HELP HELPOP INFO .* MONITOR .* WHOWAS$");
	next_is(a, "^:test\\.server 706 alice \\* :End of /HELP$");
	nd_close(a);
}
END_TEST

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

/* --- STATUSMSG, ELIST, UTF8ONLY, draft/no-implicit-names */

/* ISUPPORT has the tokens these tests rely on. */
START_TEST(isupport_tokens)
{
	struct nd_conn *a = nd_connect(&srv);
	char all[4096] = "";

	nd_send(a, "NICK alice");
	nd_send(a, "USER alice 0 * :A");
	for (;;) {
		char *l = nd_line(a, T);
		ck_assert_msg(l != NULL, "no end of burst:\n%s", all);
		bool end = strstr(l, " 422 ") != NULL || strstr(l, " 376 ") != NULL;
		if (strstr(l, " 005 ") != NULL)
			strncat(all, l, sizeof(all) - strlen(all) - 1);
		free(l);
		if (end)
			break;
	}
	const char *want[] = { " ELIST=CMNTU ", " STATUSMSG=@+ ",
	    " UTF8ONLY ", " MONITOR=100 " };
	for (size_t i = 0; i < 4; i++)
		ck_assert_msg(strstr(all, want[i]) != NULL, "no%s in:\n%s",
		    want[i], all);
	nd_close(a);
}
END_TEST

/* "@#chan" reaches its operators, "+#chan" its voiced too; both keep
 * the prefix; neither reaches anyone else, nor the history. */
START_TEST(statusmsg_targets)
{
	struct nd_conn *a = nd_register(&srv, "alice", "echo-message");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	struct nd_conn *c = nd_register(&srv, "carol", NULL);
	struct nd_conn *d = nd_register(&srv, "dan", NULL);

	nd_send(a, "JOIN #s");
	ND_EXPECT(a, " 366 alice #s ");
	nd_send(b, "JOIN #s");
	ND_EXPECT(b, " 366 bob #s ");
	nd_send(c, "JOIN #s");
	ND_EXPECT(c, " 366 carol #s ");
	nd_send(d, "JOIN #s");
	ND_EXPECT(d, " 366 dan #s ");
	nd_send(a, "MODE #s +o bob");
	ND_EXPECT(b, " MODE #s \\+o bob$");
	nd_send(a, "MODE #s +v carol");
	ND_EXPECT(c, " MODE #s \\+v carol$");
	nd_sync(d);
	nd_send(d, "PRIVMSG @#s :ops only");
	ND_EXPECT(a, "^:dan!dan@127\\.0\\.0\\.1 PRIVMSG @#s :ops only$");
	ND_EXPECT(b, "^:dan!dan@127\\.0\\.0\\.1 PRIVMSG @#s :ops only$");
	nd_send(a, "PRIVMSG +#s :voiced and ops");
	next_is(a, "^:alice!alice@127\\.0\\.0\\.1 PRIVMSG \\+#s :voiced and ops$");
	next_is(b, "^:alice!.* PRIVMSG \\+#s :voiced and ops$");
	char *l = nd_expect_not(c, "^:alice!.* PRIVMSG \\+#s :voiced and ops$",
	    "ops only", T);
	ck_assert_msg(l != NULL, "carol:\n%s", nd_recent(c));
	free(l);
	nd_send(d, "PING :after");
	next_is(d, " PONG [^ ]+ :?after$");
	nd_send(c, "PING :after");
	next_is(c, " PONG [^ ]+ :?after$");
	nd_send(d, "PRIVMSG @#nope :x");
	next_is(d, " 403 dan @#nope ");
	nd_close(d);
	nd_close(c);
	nd_close(b);
	nd_close(a);
}
END_TEST

/* Collect the channels of one LIST reply, space-separated, in buf. */
static void
list_names(struct nd_conn *c, char *buf, size_t cap)
{
	buf[0] = '\0';
	next_is(c, " 321 ");
	for (;;) {
		char *l = nd_line(c, T);
		ck_assert_msg(l != NULL, "no 323:\n%s", nd_recent(c));
		if (strstr(l, " 323 ") != NULL) {
			free(l);
			return;
		}
		char *p = strstr(l, " 322 ");
		ck_assert_ptr_nonnull(p);
		p = strchr(p + 5, ' ') + 1;
		size_t n = strcspn(p, " ");
		if (strlen(buf) + n + 2 < cap) {
			strncat(buf, p, n);
			strcat(buf, " ");
		}
		free(l);
	}
}

/* ELIST=CMNTU: masks, masks left out, member counts, ages in minutes. */
START_TEST(list_elist_filters)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	char got[256];

	nd_send(a, "JOIN #chan1,#chan2,#other");
	ND_EXPECT(a, " 366 alice #other ");
	nd_send(b, "JOIN #chan2");
	ND_EXPECT(b, " 366 bob #chan2 ");
	nd_send(a, "TOPIC #chan1 :first");
	ND_EXPECT(a, " TOPIC #chan1 :first$");
	const struct { const char *q, *want; } cases[] = {
		{ "*an1", "#chan1 " }, { "#C*N2", "#chan2 " },
		{ "*an3", "" }, { "!#ch*", "#other " },
		{ "#ch*,!*2", "#chan1 " }, { ">1", "#chan2 " },
		{ "<2", "#chan1 #other " }, { "C<1", "#chan1 #chan2 #other " },
		{ "C>1", "" }, { "T<1", "#chan1 " }, { "T>1", "" },
		{ "#chan2", "#chan2 " }, { "#chan2,#chan1", "#chan2 #chan1 " },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		nd_send(b, "LIST %s", cases[i].q);
		list_names(b, got, sizeof(got));
		if (strchr(cases[i].q, '*') != NULL || strchr(cases[i].q, '<') ||
		    strchr(cases[i].q, '>')) {
			/* A scan lists in table order: compare as sets. */
			for (char *t, *sp, *p = strdup(cases[i].want);
			    p != NULL; free(p), p = NULL)
				for (char *q = p; (t = strtok_r(q, " ", &sp)) != NULL; q = NULL)
					ck_assert_msg(strstr(got, t) != NULL,
					    "LIST %s: got '%s', wanted '%s'", cases[i].q,
					    got, cases[i].want);
			ck_assert_msg(strlen(got) == strlen(cases[i].want),
			    "LIST %s: got '%s', wanted '%s'", cases[i].q, got,
			    cases[i].want);
		} else {
			ck_assert_str_eq(got, cases[i].want);
		}
	}
	nd_close(b);
	nd_close(a);
}
END_TEST

/* UTF8ONLY: text that is not UTF-8 is read as Latin-1, and its sender
 * is told with WARN INVALID_UTF8 (labeled with the rest). */
START_TEST(utf8only_warn)
{
	struct nd_conn *a = nd_register(&srv, "alice", "batch labeled-response");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(a, "PRIVMSG bob :hi\xaa");
	next_is(a, "^:test\\.server WARN PRIVMSG INVALID_UTF8 :");
	next_is(b, "^:alice!.* PRIVMSG bob :hi\xc2\xaa$");
	nd_send(a, "@label=w PRIVMSG bob :caf\xe9");
	next_is(a, "^@label=w :test\\.server WARN PRIVMSG INVALID_UTF8 :");
	nd_send(a, "PRIVMSG bob :fine \xc3\xa9");
	next_is(b, "^:alice!.* PRIVMSG bob :caf\xc3\xa9$");
	next_is(b, "^:alice!.* PRIVMSG bob :fine \xc3\xa9$");
	nd_send(a, "PING :after");
	next_is(a, " PONG [^ ]+ :?after$");
	nd_close(b);
	nd_close(a);
}
END_TEST

/* draft/no-implicit-names: JOIN without its 353/366; NAMES still works. */
START_TEST(no_implicit_names)
{
	struct nd_conn *a = nd_register(&srv, "alice",
	    "draft/no-implicit-names standard-replies");

	nd_send(a, "JOIN #n");
	next_is(a, "^:alice!alice@127\\.0\\.0\\.1 JOIN #n$");
	nd_send(a, "PING :after");
	next_is(a, " PONG [^ ]+ :?after$");
	nd_send(a, "NAMES #n");
	next_is(a, " 353 alice = #n :@alice$");
	next_is(a, " 366 alice #n ");
	nd_close(a);
}
END_TEST

/* --- invite exceptions (+I) */

/* +I lets a matching user into a +i channel without INVITE; its list is
 * 346/347; it lets no one past a ban or a key. */
START_TEST(invex_join_and_list)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	struct nd_conn *b = nd_register(&srv, "bob", NULL);
	struct nd_conn *c = nd_register(&srv, "carol", NULL);

	nd_send(a, "JOIN #i");
	ND_EXPECT(a, " 366 alice #i ");
	nd_send(a, "MODE #i +i");
	ND_EXPECT(a, " MODE #i \\+i$");
	nd_send(b, "JOIN #i");
	next_is(b, "^:test\\.server 473 bob #i :Cannot join channel \\(\\+i\\)$");
	nd_send(a, "MODE #i +I Bob");
	next_is(a, "^:alice!alice@127\\.0\\.0\\.1 MODE #i \\+I Bob!\\*@\\*$");
	nd_send(a, "MODE #i I");
	next_is(a, "^:test\\.server 346 alice #i Bob!\\*@\\* alice!alice@127\\.0\\.0\\.1 [0-9]+$");
	next_is(a, "^:test\\.server 347 alice #i :End of channel invite list$");
	nd_send(b, "JOIN #i");
	next_is(b, "^:bob!bob@127\\.0\\.0\\.1 JOIN #i$");
	nd_send(c, "JOIN #i");
	next_is(c, " 473 carol #i ");
	/* A ban still keeps a listed user out. */
	nd_send(a, "MODE #i +I carol");
	ND_EXPECT(a, " MODE #i \\+I carol!\\*@\\*$");
	nd_send(a, "MODE #i +b carol");
	ND_EXPECT(a, " MODE #i \\+b carol!\\*@\\*$");
	nd_send(c, "JOIN #i");
	next_is(c, " 474 carol #i ");
	/* Lifting it echoes the mask as set; the list empties. */
	nd_send(a, "MODE #i -I bob!*@*");
	ND_EXPECT(a, " MODE #i -I Bob!\\*@\\*$");
	nd_send(a, "MODE #i +I");
	next_is(a, " 346 alice #i carol!\\*@\\* ");
	next_is(a, " 347 alice #i ");
	nd_close(c);
	nd_close(b);
	nd_close(a);
}
END_TEST

/* --- bot mode (+B, IRCv3 bot-mode) */

/* A bot sets +B itself; WHOIS says so (335), WHO flags it, and its
 * messages carry the bot tag for clients with message-tags. */
START_TEST(bot_mode)
{
	struct nd_conn *b = nd_register(&srv, "botnick", NULL);
	struct nd_conn *u = nd_register(&srv, "usernick", "message-tags");
	struct nd_conn *p = nd_register(&srv, "plain", NULL);

	nd_send(b, "MODE botnick +B");
	next_is(b, "^:botnick!botnick@127\\.0\\.0\\.1 MODE botnick :\\+B$");
	nd_send(b, "MODE botnick");
	next_is(b, "^:test\\.server 221 botnick \\+B$");
	nd_send(u, "WHOIS botnick");
	ND_EXPECT(u, "^:test\\.server 335 usernick botnick :is a bot$");
	ND_EXPECT(u, " 318 usernick botnick ");
	nd_send(b, "JOIN #bots");
	ND_EXPECT(b, " 366 ");
	nd_send(u, "JOIN #bots");
	ND_EXPECT(u, " 366 ");
	nd_send(p, "JOIN #bots");
	ND_EXPECT(p, " 366 ");
	nd_send(u, "WHO #bots");
	ND_EXPECT(u, "^:test\\.server 352 usernick #bots botnick [^ ]+ test\\.server botnick HB@ :0 ");
	nd_send(b, "PRIVMSG #bots :beep");
	ND_EXPECT(u, "^@(.*;)?bot(;.*)? :botnick!botnick@127\\.0\\.0\\.1 PRIVMSG #bots :beep$");
	ND_EXPECT(p, "^:botnick!botnick@127\\.0\\.0\\.1 PRIVMSG #bots :beep$");
	nd_send(b, "@+draft/reply=x PRIVMSG usernick :boop");
	ND_EXPECT(u, "^@(.*;)?bot;\\+draft/reply=x(;.*)? :botnick!.* PRIVMSG usernick :boop$");
	/* -B: an ordinary user again. */
	nd_send(b, "MODE botnick -B");
	ND_EXPECT(b, " MODE botnick :-B$");
	nd_send(b, "PRIVMSG usernick :human");
	char *l = nd_expect(u, "PRIVMSG usernick :human$", T);
	ck_assert_ptr_nonnull(l);
	ck_assert_msg(strstr(l, "bot") == NULL || strstr(l, "bot") > strstr(l, " :"),
	    "still tagged: %s", l);
	free(l);
	nd_close(p);
	nd_close(u);
	nd_close(b);
}
END_TEST

/* extended-monitor: a watcher with it is told what a channel peer with
 * the same capabilities would be (AWAY, SETNAME), once, and only with
 * those capabilities. */
START_TEST(monitor_extended)
{
	struct nd_conn *w = nd_register(&srv, "wendy",
	    "extended-monitor away-notify");
	struct nd_conn *p = nd_register(&srv, "pat", "extended-monitor");
	struct nd_conn *b = nd_register(&srv, "bob", NULL);

	nd_send(w, "MONITOR + bob");
	next_is(w, " 730 wendy :bob!");
	nd_send(p, "MONITOR + bob");
	next_is(p, " 730 pat :bob!");
	nd_send(b, "AWAY :lunch");
	ND_EXPECT(b, " 306 bob ");
	next_is(w, "^:bob!bob@127\\.0\\.0\\.1 AWAY :lunch$");
	/* Sharing a channel too: still once. */
	nd_send(w, "JOIN #e");
	ND_EXPECT(w, " 366 wendy #e ");
	nd_send(b, "JOIN #e");
	ND_EXPECT(w, "^:bob!.* JOIN #e$");
	ND_EXPECT(w, "^:bob!.* AWAY :lunch$");
	nd_send(b, "AWAY");
	ND_EXPECT(b, " 305 bob ");
	next_is(w, "^:bob!bob@127\\.0\\.0\\.1 AWAY$");
	nd_send(w, "PING :after");
	next_is(w, " PONG [^ ]+ :?after$");
	/* Without away-notify, nothing. */
	nd_send(p, "PING :after");
	next_is(p, " PONG [^ ]+ :?after$");
	nd_close(b);
	nd_close(p);
	nd_close(w);
}
END_TEST

/* Every command of the index has its help: a row added to the command
 * table without usage and summary fails here. */
START_TEST(help_every_command)
{
	struct nd_conn *a = nd_register(&srv, "alice", NULL);
	char names[2048] = "";

	nd_send(a, "HELP");
	next_is(a, " 704 alice \\* :");
	for (;;) {
		char *l = nd_line(a, T);
		ck_assert_msg(l != NULL, "no 706:\n%s", nd_recent(a));
		bool end = strstr(l, " 706 ") != NULL;
		char *p = strstr(l, " 705 alice * :");
		if (p != NULL)
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
			    "%s ", p + 14);
		free(l);
		if (end)
			break;
	}
	size_t count = 0;
	for (char *sp, *t, *q = names; (t = strtok_r(q, " ", &sp)) != NULL; q = NULL) {
		nd_send(a, "HELP %s", t);
		char re[80];
		snprintf(re, sizeof(re), "^:test\\.server 704 alice %s :%s", t, t);
		next_is(a, re);
		char *l = nd_line(a, T);
		ck_assert_ptr_nonnull(l);
		ck_assert_msg(strstr(l, " 705 ") != NULL &&
		    strstr(l, "(no help yet)") == NULL && l[strlen(l) - 1] != ':',
		    "HELP %s: %s", t, l);
		free(l);
		next_is(a, " 706 ");
		count++;
	}
	ck_assert_uint_ge(count, 30);
	nd_close(a);
}
END_TEST

/* --- draft/message-redaction */

#define REDACT_CAPS "message-tags echo-message draft/message-redaction"

/* The msgid tag of the next line matching re, into out. */
static void
msgid_of(struct nd_conn *c, const char *re, char *out, size_t cap)
{
	char *l = nd_expect(c, re, T);

	ck_assert_msg(l != NULL, "no %s:\n%s", re, nd_recent(c));
	const char *p = strstr(l, "msgid=");
	ck_assert_ptr_nonnull(p);
	p += 6;
	size_t n = strcspn(p, "; ");
	ck_assert_uint_lt(n, cap);
	memcpy(out, p, n);
	out[n] = '\0';
	free(l);
}

/* Whether CHATHISTORY LATEST target shows text, from c (with batch,
 * draft/chathistory). */
static bool
history_has(struct nd_conn *c, const char *target, const char *text)
{
	bool seen = false;
	char *l;

	nd_send(c, "CHATHISTORY LATEST %s * 100", target);
	while ((l = nd_line(c, T)) != NULL) {
		bool end = strstr(l, "BATCH -") != NULL;
		if (strstr(l, text) != NULL)
			seen = true;
		free(l);
		if (end)
			return seen;
	}
	ck_abort_msg("no end of the CHATHISTORY batch:\n%s", nd_recent(c));
	return seen;
}

/* The sender, or a channel operator, deletes; members with the cap are
 * told, the others not; history forgets it. */
static void
redact_channel(void)
{
	char m1[64], m2[64], m3[64];
	struct nd_conn *a = nd_register(&srv, "alice",
	    REDACT_CAPS " batch draft/chathistory");
	struct nd_conn *b = nd_register(&srv, "bob", REDACT_CAPS);
	struct nd_conn *c = nd_register(&srv, "carol", "message-tags");

	nd_send(a, "JOIN #r");
	ND_EXPECT(a, " 366 alice #r ");
	nd_send(b, "JOIN #r");
	ND_EXPECT(b, " 366 bob #r ");
	nd_send(c, "JOIN #r");
	ND_EXPECT(c, " 366 carol #r ");
	nd_send(b, "PRIVMSG #r :first of bob");
	msgid_of(a, " PRIVMSG #r :first of bob$", m1, sizeof(m1));
	nd_send(b, "PRIVMSG #r :second of bob");
	msgid_of(a, " PRIVMSG #r :second of bob$", m2, sizeof(m2));
	nd_send(a, "PRIVMSG #r :alice says");
	msgid_of(b, " PRIVMSG #r :alice says$", m3, sizeof(m3));
	nd_sync(c);

	/* The sender, with a reason. */
	nd_send(b, "REDACT #r %s :typo", m1);
	char re[160];
	snprintf(re, sizeof(re), "bob!bob@127\\.0\\.0\\.1 REDACT #r %s "
	    ":?typo$", m1);
	ND_EXPECT(b, re);
	ND_EXPECT(a, re);
	/* A channel operator, another's message. */
	nd_send(a, "REDACT #R %s", m2);
	snprintf(re, sizeof(re), "alice!alice@127\\.0\\.0\\.1 REDACT #r %s$",
	    m2);
	ND_EXPECT(a, re);
	ND_EXPECT(b, re);
	/* Not an operator, not the sender. */
	nd_send(b, "REDACT #r %s", m3);
	snprintf(re, sizeof(re), "^:test\\.server FAIL REDACT REDACT_FORBIDDEN "
	    "#r %s :", m3);
	ND_EXPECT(b, re);
	/* Already gone, never there, another channel. */
	nd_send(b, "REDACT #r %s", m1);
	snprintf(re, sizeof(re), "^:test\\.server FAIL REDACT UNKNOWN_MSGID "
	    "#r %s :", m1);
	ND_EXPECT(b, re);
	nd_send(b, "REDACT #r nosuchmsgid");
	ND_EXPECT(b, "^:test\\.server FAIL REDACT UNKNOWN_MSGID #r "
	    "nosuchmsgid :");
	nd_send(b, "REDACT #elsewhere %s", m3);
	ND_EXPECT(b, "^:test\\.server FAIL REDACT INVALID_TARGET #elsewhere :");
	nd_send(b, "REDACT #r");
	ND_EXPECT(b, " 461 bob REDACT ");
	/* Carol has no draft/message-redaction. */
	nd_quiet(c, " REDACT ");

	ck_assert(!history_has(a, "#r", "first of bob"));
	ck_assert(!history_has(a, "#r", "second of bob"));
	ck_assert(history_has(a, "#r", "alice says"));
	nd_close(c);
	nd_close(b);
	nd_close(a);
}

START_TEST(redact_in_memory)
{
	redact_channel();
}
END_TEST

/* The database store: gone after a restart too; a conversation's message
 * only by its sender. */
START_TEST(redact_in_database)
{
	char dir[] = "/tmp/check_conformance.XXXXXX", db[64], cmd[80], m[64];
	char re[160];

	nd_finish(&srv);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/history.db", dir);
	nd_start(&srv, (const char *[]){ "--db", db, NULL });
	redact_channel();

	struct nd_conn *a = nd_register(&srv, "dave",
	    REDACT_CAPS " batch draft/chathistory");
	struct nd_conn *b = nd_register(&srv, "erin", REDACT_CAPS);
	nd_send(a, "PRIVMSG erin :psst");
	msgid_of(b, " PRIVMSG erin :psst$", m, sizeof(m));
	nd_send(b, "REDACT dave %s", m);
	snprintf(re, sizeof(re), "FAIL REDACT REDACT_FORBIDDEN dave %s :", m);
	ND_EXPECT(b, re);
	nd_send(a, "REDACT erin %s", m);
	snprintf(re, sizeof(re), "dave!dave@127\\.0\\.0\\.1 REDACT erin %s$",
	    m);
	ND_EXPECT(a, re);
	ND_EXPECT(b, re);
	ck_assert(!history_has(a, "erin", "psst"));
	nd_close(b);
	nd_close(a);
	nd_finish(&srv);

	nd_start(&srv, (const char *[]){ "--db", db, NULL });
	a = nd_register(&srv, "frank", "batch draft/chathistory");
	nd_send(a, "JOIN #r");
	ND_EXPECT(a, " 366 frank #r ");
	nd_sync(a);
	ck_assert(!history_has(a, "#r", "of bob"));
	ck_assert(history_has(a, "#r", "alice says"));
	nd_close(a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *
conformance_suite(void)
{
	Suite *s = suite_create("conformance");
	TCase *tc;

	tc = tcase_create("whowas");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, whowas_after_quit);
	tcase_add_test(tc, whowas_count);
	tcase_add_test(tc, whowas_nick_change);
	tcase_add_test(tc, whowas_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("monitor");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, monitor_notifications);
	tcase_add_test(tc, monitor_list_status_clear);
	tcase_add_test(tc, monitor_limit);
	tcase_add_test(tc, monitor_watcher_quits);
	tcase_add_test(tc, monitor_extended);
	suite_add_tcase(s, tc);

	tc = tcase_create("info");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, info_lines);
	tcase_add_test(tc, help_subjects);
	tcase_add_test(tc, help_every_command);
	suite_add_tcase(s, tc);

	tc = tcase_create("replies");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, kick_channel_list);
	tcase_add_test(tc, labeled_message_to_self);
	tcase_add_test(tc, labeled_unknown_command);
	tcase_add_test(tc, client_tags_limit);
	tcase_add_test(tc, user_empty_realname);
	suite_add_tcase(s, tc);

	tc = tcase_create("isupport");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, isupport_tokens);
	tcase_add_test(tc, statusmsg_targets);
	tcase_add_test(tc, list_elist_filters);
	tcase_add_test(tc, utf8only_warn);
	tcase_add_test(tc, no_implicit_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("modes");
	nd_fixture(tc, &srv);
	tcase_add_test(tc, invex_join_and_list);
	tcase_add_test(tc, bot_mode);
	suite_add_tcase(s, tc);

	tc = tcase_create("redaction");
	tcase_set_timeout(tc, 30);
	nd_fixture(tc, &srv);
	tcase_add_test(tc, redact_in_memory);
	tcase_add_test(tc, redact_in_database);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return nd_run_suite(conformance_suite());
}
