/*
 * ChanServ through the real natterd: REGISTER and its refusals, a
 * registered channel kept across emptying and restarts with or without
 * history, OP, DROP, INFO (a +s channel tells an outsider nothing), and
 * what is said to ChanServ is neither stored nor relayed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define T ND_TIMEOUT_MS
#define CS "^:ChanServ!ChanServ@test\\.server NOTICE "

static char dir[256];

static const char *
db_path(void)
{
	static char path[300];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/check_chanserv.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(dir));
	}
	snprintf(path, sizeof(path), "%s/history.db", dir);
	return path;
}

static void
db_cleanup(void)
{
	char cmd[300];

	if (dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	dir[0] = '\0';
}

/* Register nick, log in to its account with pass (made when new). */
static struct nd_conn *
logged_in(struct nd_server *s, const char *nick, const char *pass, bool new)
{
	struct nd_conn *c = nd_register(s, nick, NULL);

	nd_send(c, "PRIVMSG NickServ :%s %s", new ? "REGISTER" : "IDENTIFY",
	    pass);
	ND_EXPECT(c, " 900 ");
	return c;
}

static void
join(struct nd_conn *c, const char *chan)
{
	nd_send(c, "JOIN %s", chan);
	ND_EXPECT(c, " 366 ");
}

static void
gone(struct nd_conn *c)
{
	nd_send(c, "QUIT");
	ck_assert(nd_wait_closed(c, T));
	nd_close(c);
}

START_TEST(register_refused)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = logged_in(&s, "alice", "alice-pw", true);
	nd_send(a, "JOIN #own");
	ND_EXPECT(a, "^:test\\.server 353 alice = #own :@alice$");

	/* Not logged in, then logged in but not a channel operator. */
	struct nd_conn *b = nd_joined(&s, "bob", NULL, "#own");
	nd_send(b, "PRIVMSG ChanServ :REGISTER #own");
	ND_EXPECT(b, CS "bob :You are not logged in: identify with NickServ "
	    "first$");
	nd_send(b, "PRIVMSG NickServ :REGISTER bob-pw");
	ND_EXPECT(b, " 900 ");
	nd_send(b, "CS REGISTER #own");
	ND_EXPECT(b, CS "bob :You must be a channel operator on #own to "
	    "register it$");
	/* An operator of a channel another account owns. */
	nd_send(a, "MODE #own +o bob");
	ND_EXPECT(b, " MODE #own \\+o bob$");
	nd_send(b, "CHANSERV REGISTER #own");
	ND_EXPECT(b, CS "bob :#own belongs to the account alice: only it may "
	    "register the channel$");
	nd_send(b, "CS REGISTER #nowhere");
	ND_EXPECT(b, CS "bob :No such channel #nowhere$");

	/* The owner may; once. */
	nd_send(a, "PRIVMSG ChanServ :REGISTER #own");
	ND_EXPECT(a, CS "alice :Channel #own successfully registered$");
	nd_send(a, "PRIVMSG ChanServ :register #OWN");
	ND_EXPECT(a, CS "alice :Channel #own is already registered$");
	nd_send(b, "CS INFO #own");
	ND_EXPECT(b, CS "bob :Channel #own is registered$");
	ND_EXPECT(b, CS "bob :Founder: alice$");
	ND_EXPECT(b, CS "bob :Registered at: [0-9]{4}-[0-9]{2}-[0-9]{2} ");
	ND_EXPECT(b, CS "bob :Operator accounts: 1$");

	/* A channel without an owner (made by someone not logged in) is
	 * its operator's to register once logged in. */
	struct nd_conn *c = nd_joined(&s, "carol", NULL, "#free");
	nd_send(c, "CS INFO #free");
	ND_EXPECT(c, CS "carol :Channel #free is not registered$");
	nd_send(c, "PRIVMSG NickServ :REGISTER carol-pw");
	ND_EXPECT(c, " 900 ");
	nd_send(c, "CS REGISTER #free");
	ND_EXPECT(c, CS "carol :Channel #free successfully registered$");

	nd_send(c, "CS HELP");
	ND_EXPECT(c, CS "carol :DROP #channel");
	nd_send(c, "CS");
	ND_EXPECT(c, CS "carol :DROP #channel");
	nd_send(c, "CS bogus");
	ND_EXPECT(c, CS "carol :Unknown command bogus: try HELP$");
	nd_send(c, "CS OP");
	ND_EXPECT(c, CS "carol :Usage: OP #channel \\[nick\\]");

	/* The founder's account dropped: the registration goes with it. */
	nd_send(a, "PRIVMSG NickServ :DROP");
	ND_EXPECT(a, " 901 alice ");
	nd_send(c, "CS INFO #own");
	ND_EXPECT(c, CS "carol :Channel #own is not registered$");
	nd_quiet(c, "Founder");
	nd_close(a);
	nd_close(b);
	nd_close(c);
	nd_finish(&s);
}
END_TEST

/* A pseudo-user: its nick is reserved, WHOIS says what it is, and what
 * is said to it goes nowhere else. */
START_TEST(service_user)
{
	struct nd_server s;

	nd_start(&s, (const char *[]){ "--db", db_path(), NULL });
	struct nd_conn *a = logged_in(&s, "alice", "alice-pw", true);
	nd_send(a, "CAP REQ :echo-message draft/chathistory");
	ND_EXPECT(a, " ACK ");
	join(a, "#room");
	struct nd_conn *w = nd_joined(&s, "watcher", NULL, "#room");
	nd_send(a, "NICK chanserv");
	ND_EXPECT(a, " 433 alice chanserv ");
	nd_send(w, "NICK ChanServ");
	ND_EXPECT(w, " 433 watcher ChanServ ");
	nd_send(a, "WHOIS ChanServ");
	ND_EXPECT(a, " 311 alice ChanServ ChanServ test\\.server \\* "
	    ":Channel services$");
	ND_EXPECT(a, " 313 alice ChanServ :is a network service$");
	ND_EXPECT(a, " 318 alice ChanServ ");
	nd_send(a, "WHOIS NickServ");
	ND_EXPECT(a, " 311 alice NickServ NickServ test\\.server \\* ");
	ND_EXPECT(a, " 318 alice NickServ ");

	nd_send(a, "PRIVMSG ChanServ :REGISTER #room secret-word");
	ND_EXPECT(a, CS "alice :Channel #room successfully registered$");
	nd_send(a, "NOTICE ChanServ :INFO #room secret-word");
	nd_send(a, "TAGMSG ChanServ");
	nd_quiet(a, "secret-word|PRIVMSG ChanServ|NOTICE ChanServ");
	nd_send(a, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
	    "timestamp=2100-01-01T00:00:00.000Z 10");
	nd_quiet(a, "ChanServ|chanserv");
	nd_send(a, "CHATHISTORY LATEST ChanServ * 10");
	nd_quiet(a, "secret-word");
	nd_quiet(w, "secret-word|ChanServ (PRIVMSG|NOTICE)");
	ck_assert(strstr(nd_log(&s), "secret-word") == NULL);
	nd_close(a);
	nd_close(w);
	nd_finish(&s);
	db_cleanup();
}
END_TEST

/*
 * Registered channels keep their state when they empty without history
 * and across restarts; OP gives the owner's and operator accounts'
 * connections their +o back; DROP forgets them.
 */
START_TEST(kept_and_op)
{
	struct nd_server s;
	const char *db = db_path();

	nd_start(&s, (const char *[]){ "--db", db, NULL });
	struct nd_conn *a = logged_in(&s, "alice", "alice-pw", true);
	struct nd_conn *o = logged_in(&s, "oscar", "oscar-pw", true);
	join(a, "#keep");
	nd_send(a, "MODE #keep +i");
	ND_EXPECT(a, " MODE #keep \\+i$");
	nd_send(a, "INVITE oscar #keep");
	ND_EXPECT(o, " INVITE oscar #keep$");
	join(o, "#keep");
	nd_send(a, "MODE #keep +o oscar");
	ND_EXPECT(o, " MODE #keep \\+o oscar$");
	nd_send(a, "CS REGISTER #keep");
	ND_EXPECT(a, CS "alice :Channel #keep successfully registered$");
	/* Emptied without a line said: no history, yet kept. */
	gone(a);
	gone(o);
	struct nd_conn *m = nd_register(&s, "mallory", NULL);
	nd_send(m, "JOIN #keep");
	ND_EXPECT(m, " 473 mallory #keep ");
	gone(m);
	nd_finish(&s);

	/* Across a restart: alice comes back, joins before identifying. */
	nd_start(&s, (const char *[]){ "--db", db, NULL });
	m = nd_register(&s, "mallory", NULL);
	nd_send(m, "JOIN #keep");
	ND_EXPECT(m, " 473 mallory #keep ");
	nd_send(m, "CS INFO #keep");
	ND_EXPECT(m, CS "mallory :Channel #keep is registered$");
	ND_EXPECT(m, CS "mallory :Founder: alice$");
	ND_EXPECT(m, CS "mallory :Registered at: ");
	ND_EXPECT(m, CS "mallory :Operator accounts: 1$");
	nd_send(m, "PRIVMSG NickServ :REGISTER mallory-pw");
	ND_EXPECT(m, " 900 ");
	nd_send(m, "CS OP #keep");
	ND_EXPECT(m, CS "mallory :No such channel #keep$");
	nd_send(m, "CS DROP #keep");
	ND_EXPECT(m, CS "mallory :Only the founder of #keep may do that$");

	o = logged_in(&s, "oscar", "oscar-pw", false);
	nd_send(o, "JOIN #keep");
	ND_EXPECT(o, " 353 oscar [=@*] #keep :@oscar$");
	nd_send(o, "MODE #keep -o oscar");
	ND_EXPECT(o, " MODE #keep -o oscar$");
	nd_send(o, "CS OP #keep");
	ND_EXPECT(o, CS "oscar :You have no operator access to #keep$");
	nd_send(o, "MODE #keep -i");
	ND_EXPECT(o, " 482 oscar #keep ");

	a = nd_register(&s, "alice", NULL);
	nd_send(a, "PRIVMSG NickServ :IDENTIFY alice-pw");
	ND_EXPECT(a, " 900 ");
	/* Not yet in: the channel is +i. */
	nd_send(a, "CS OP #keep");
	ND_EXPECT(a, CS "alice :You are not on #keep$");
	nd_send(a, "JOIN #keep");
	ND_EXPECT(a, " 353 alice [=@*] #keep :");
	nd_send(a, "MODE #keep -o alice");
	ND_EXPECT(o, ":alice![^ ]+ MODE #keep -o alice$");
	nd_send(a, "CS OP #keep");
	ND_EXPECT(o, "^:ChanServ!ChanServ@test\\.server MODE #keep \\+o "
	    "alice$");
	ND_EXPECT(a, CS "alice :Successfully granted operator privileges$");
	nd_send(a, "CS OP #keep oscar");
	ND_EXPECT(o, "^:ChanServ!ChanServ@test\\.server MODE #keep \\+o "
	    "oscar$");
	ND_EXPECT(a, CS "alice :Successfully granted operator privileges$");
	nd_send(a, "CS OP #keep nobody");
	ND_EXPECT(a, CS "alice :No such nick nobody on #keep$");
	nd_send(o, "CS OP #keep alice");
	ND_EXPECT(o, CS "oscar :Only the founder of #keep may op others$");

	/* DROP: the accounts go; the live channel stays as it is. */
	nd_send(a, "CS DROP #keep");
	ND_EXPECT(a, CS "alice :Channel #keep is now unregistered$");
	nd_send(a, "CS INFO #keep");
	ND_EXPECT(a, CS "alice :Channel #keep is not registered$");
	ND_EXPECT(a, CS "alice :Operator accounts: 0$");
	gone(a);
	gone(o);
	gone(m);
	/* No history, not registered: forgotten once empty; anyone's now. */
	m = nd_register(&s, "mallory", NULL);
	nd_send(m, "JOIN #keep");
	ND_EXPECT(m, " 353 mallory [=@*] #keep :@mallory$");
	gone(m);
	nd_finish(&s);
	db_cleanup();
}
END_TEST

/* DROP of a registered channel that is empty forgets its kept state. */
START_TEST(drop_empty)
{
	struct nd_server s;

	nd_start(&s, (const char *[]){ "--db", db_path(), NULL });
	struct nd_conn *a = logged_in(&s, "alice", "alice-pw", true);
	join(a, "#gone");
	nd_send(a, "MODE #gone +k sesame");
	ND_EXPECT(a, " MODE #gone \\+k sesame$");
	nd_send(a, "PRIVMSG #gone :a line of history");
	nd_send(a, "CS REGISTER #gone");
	ND_EXPECT(a, CS "alice :Channel #gone successfully registered$");
	nd_send(a, "PART #gone");
	ND_EXPECT(a, " PART #gone");
	struct nd_conn *m = nd_register(&s, "mallory", NULL);
	nd_send(m, "JOIN #gone");
	ND_EXPECT(m, " 475 mallory #gone ");
	nd_send(m, "CS DROP #gone");
	ND_EXPECT(m, CS "mallory :You are not logged in: identify with "
	    "NickServ first$");
	nd_send(a, "CS DROP #gone");
	ND_EXPECT(a, CS "alice :Channel #gone is now unregistered$");
	nd_send(a, "CS INFO #gone");
	ND_EXPECT(a, CS "alice :Channel #gone is not registered$");
	nd_quiet(a, "Founder");
	nd_send(m, "JOIN #gone");
	ND_EXPECT(m, " 353 mallory [=@*] #gone :@mallory$");
	nd_close(a);
	nd_close(m);
	nd_finish(&s);
	db_cleanup();
}
END_TEST

/* With --db none a registered channel is kept in memory until exit. */
START_TEST(kept_in_memory)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = logged_in(&s, "alice", "alice-pw", true);
	join(a, "#mem");
	nd_send(a, "MODE #mem +i");
	ND_EXPECT(a, " MODE #mem \\+i$");
	nd_send(a, "CS REGISTER #mem");
	ND_EXPECT(a, CS "alice :Channel #mem successfully registered$");
	nd_send(a, "PART #mem");
	ND_EXPECT(a, " PART #mem");
	struct nd_conn *m = nd_register(&s, "mallory", NULL);
	nd_send(m, "JOIN #mem");
	ND_EXPECT(m, " 473 mallory #mem ");
	nd_send(a, "JOIN #mem");
	ND_EXPECT(a, " 353 alice [=@*] #mem :@alice$");
	nd_close(a);
	nd_close(m);
	nd_finish(&s);
}
END_TEST

/* INFO on a +s channel: an outsider hears what a missing channel gets. */
START_TEST(info_secret)
{
	struct nd_server s;

	nd_start(&s, (const char *[]){ "--db", db_path(), NULL });
	struct nd_conn *a = logged_in(&s, "alice", "alice-pw", true);
	join(a, "#hide");
	nd_send(a, "MODE #hide +s");
	ND_EXPECT(a, " MODE #hide \\+s$");
	nd_send(a, "CS REGISTER #hide");
	ND_EXPECT(a, CS "alice :Channel #hide successfully registered$");
	struct nd_conn *e = logged_in(&s, "eve", "eve-pw", true);
	nd_send(e, "CS INFO #hide");
	ND_EXPECT(e, CS "eve :Channel #hide is not registered$");
	nd_quiet(e, "Founder|Operator accounts|Registered at");
	nd_send(e, "CS OP #hide");
	ND_EXPECT(e, CS "eve :No such channel #hide$");
	nd_send(e, "CS REGISTER #hide");
	ND_EXPECT(e, CS "eve :No such channel #hide$");
	nd_send(e, "CS DROP #hide");
	ND_EXPECT(e, CS "eve :Channel #hide is not registered$");
	/* Emptied, the same; its founder, outside, is told. */
	nd_send(a, "PART #hide");
	ND_EXPECT(a, " PART #hide");
	nd_send(e, "CS INFO #hide");
	ND_EXPECT(e, CS "eve :Channel #hide is not registered$");
	nd_quiet(e, "Founder|Operator accounts|Registered at");
	nd_send(a, "CS INFO #hide");
	ND_EXPECT(a, CS "alice :Channel #hide is registered$");
	ND_EXPECT(a, CS "alice :Founder: alice$");
	nd_close(a);
	nd_close(e);
	nd_finish(&s);
	db_cleanup();
}
END_TEST

/* An account registers CHANSERV_PER_ACCOUNT (15) channels at most,
 * counted again from the database after a restart. */
START_TEST(register_cap)
{
	struct nd_server s;
	const char *db = db_path();

	nd_start(&s, (const char *[]){ "--db", db, NULL });
	struct nd_conn *a = logged_in(&s, "alice", "alice-pw", true);
	for (int i = 0; i < 16; i++) {
		nd_send(a, "JOIN #c%d", i);
		ND_EXPECT(a, " 366 ");
	}
	for (int i = 0; i < 16; i++)
		nd_send(a, "CS REGISTER #c%d", i);
	for (int i = 0; i < 15; i++)
		ND_EXPECT(a, CS "alice :Channel #c[0-9]+ successfully "
		    "registered$");
	ND_EXPECT(a, CS "alice :You have already registered 15 channels: "
	    "drop one first$");
	nd_send(a, "CS DROP #c0");
	ND_EXPECT(a, CS "alice :Channel #c0 is now unregistered$");
	nd_send(a, "CS REGISTER #c15");
	ND_EXPECT(a, CS "alice :Channel #c15 successfully registered$");
	gone(a);
	nd_finish(&s);

	nd_start(&s, (const char *[]){ "--db", db, NULL });
	a = logged_in(&s, "alice", "alice-pw", false);
	join(a, "#c0");
	nd_send(a, "CS REGISTER #c0");
	ND_EXPECT(a, CS "alice :You have already registered 15 channels: "
	    "drop one first$");
	nd_close(a);
	nd_finish(&s);
	db_cleanup();
}
END_TEST

static Suite *
chanserv_suite(void)
{
	Suite *s = suite_create("chanserv");
	TCase *tc = tcase_create("chanserv");

	tcase_add_test(tc, register_refused);
	tcase_add_test(tc, service_user);
	tcase_add_test(tc, kept_and_op);
	tcase_add_test(tc, drop_empty);
	tcase_add_test(tc, kept_in_memory);
	tcase_add_test(tc, info_secret);
	tcase_add_test(tc, register_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return nd_run_suite(chanserv_suite());
}
