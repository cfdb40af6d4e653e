/*
 * draft/read-marker through the real natterd: MARKREAD asked and moved,
 * only forward, its FAIL codes, the marker after JOIN, one account's
 * markers shared by its connections and kept in the database, a
 * connection's own without an account.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define T ND_TIMEOUT_MS
#define CAP "draft/read-marker"
#define TS1 "2020-01-02T03:04:05.678Z"
#define TS2 "2021-06-07T08:09:10.111Z"

/* Connect as nick and IDENTIFY to account (password as registered). */
static struct nd_conn *
identified(struct nd_server *s, const char *nick, const char *account,
    const char *caps)
{
	struct nd_conn *c = nd_register(s, nick, caps);

	nd_send(c, "PRIVMSG NickServ :IDENTIFY %s pw-%s", account, account);
	ND_EXPECT(c, " 900 ");
	return c;
}

START_TEST(cap_offered)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *c = nd_connect(&s);
	nd_send(c, "CAP LS 302");
	ND_EXPECT(c, "^:test\\.server CAP \\* LS :.*draft/read-marker");
	nd_close(c);
	nd_finish(&s);
}
END_TEST

/* Without an account: the connection's own markers, only forward. */
START_TEST(markread_connection)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = nd_register(&s, "alice", CAP);
	nd_send(a, "MARKREAD #c");
	ND_EXPECT(a, "^:test\\.server MARKREAD #c \\*$");
	nd_send(a, "MARKREAD #C timestamp=" TS2);
	ND_EXPECT(a, "^:test\\.server MARKREAD #C timestamp=" TS2 "$");
	/* Older: nothing moves, the sender hears the marker kept. */
	nd_send(a, "MARKREAD #c timestamp=" TS1);
	ND_EXPECT(a, "^:test\\.server MARKREAD #c timestamp=" TS2 "$");
	nd_send(a, "MARKREAD #c");
	ND_EXPECT(a, "^:test\\.server MARKREAD #c timestamp=" TS2 "$");
	/* A conversation's marker is the other nick's. */
	nd_send(a, "MARKREAD Bob timestamp=" TS1);
	ND_EXPECT(a, "^:test\\.server MARKREAD Bob timestamp=" TS1 "$");
	nd_send(a, "MARKREAD bob");
	ND_EXPECT(a, "^:test\\.server MARKREAD bob timestamp=" TS1 "$");

	/* Another connection has markers of its own. */
	struct nd_conn *b = nd_register(&s, "bob", CAP);
	nd_send(b, "MARKREAD #c");
	ND_EXPECT(b, "^:test\\.server MARKREAD #c \\*$");
	nd_quiet(a, " MARKREAD ");
	nd_close(b);
	nd_close(a);
	nd_finish(&s);
}
END_TEST

START_TEST(markread_fail)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = nd_register(&s, "alice", CAP);
	nd_send(a, "MARKREAD");
	ND_EXPECT(a, "^:test\\.server FAIL MARKREAD NEED_MORE_PARAMS :");
	nd_send(a, "MARKREAD #c 2020-01-02T03:04:05.678Z");
	ND_EXPECT(a, "^:test\\.server FAIL MARKREAD INVALID_PARAMS #c :");
	nd_send(a, "MARKREAD #c timestamp=2020-13-02T03:04:05.678Z");
	ND_EXPECT(a, "^:test\\.server FAIL MARKREAD INVALID_PARAMS #c :");
	nd_send(a, "MARKREAD #c timestamp=yesterday");
	ND_EXPECT(a, "^:test\\.server FAIL MARKREAD INVALID_PARAMS #c :");
	nd_send(a, "MARKREAD #c timestamp=2999-01-01T00:00:00.000Z");
	ND_EXPECT(a, "^:test\\.server FAIL MARKREAD INVALID_PARAMS #c :"
	    ".*future");
	nd_send(a, "MARKREAD #c :timestamp=" TS1 " x");
	ND_EXPECT(a, "^:test\\.server FAIL MARKREAD INVALID_PARAMS #c :");
	nd_send(a, "MARKREAD no,such timestamp=" TS1);
	ND_EXPECT(a, "^:test\\.server FAIL MARKREAD INVALID_PARAMS no,such :");
	/* None of those moved anything. */
	nd_send(a, "MARKREAD #c");
	ND_EXPECT(a, "^:test\\.server MARKREAD #c \\*$");
	nd_close(a);
	nd_finish(&s);
}
END_TEST

/* After the JOIN, before the names; only for clients with the cap. */
START_TEST(markread_on_join)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = nd_register(&s, "alice", CAP);
	nd_send(a, "JOIN #new");
	ND_EXPECT(a, "^:alice!.* JOIN #new$");
	ND_EXPECT(a, "^:test\\.server MARKREAD #new \\*$");
	ND_EXPECT(a, " 366 alice #new ");
	nd_send(a, "MARKREAD #c timestamp=" TS1);
	ND_EXPECT(a, " MARKREAD #c timestamp=");
	nd_send(a, "JOIN #C");
	ND_EXPECT(a, "^:alice!.* JOIN #C$");
	ND_EXPECT(a, "^:test\\.server MARKREAD #C timestamp=" TS1 "$");
	ND_EXPECT(a, " 366 alice #C ");

	struct nd_conn *b = nd_register(&s, "bob", NULL);
	nd_send(b, "JOIN #c");
	ND_EXPECT(b, "^:bob!.* JOIN #C$");
	char *l = nd_expect_not(b, " 366 bob #C ", " MARKREAD ", T);
	ck_assert_msg(l != NULL, "%s", nd_recent(b));
	free(l);
	nd_close(b);
	nd_close(a);
	nd_finish(&s);
}
END_TEST

/* Every connection of an account shares its markers and hears them move;
 * one without the capability, or of another account, does not. */
START_TEST(markread_account_shared)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = nd_account(&s, "alice", "pw-alice", CAP);
	struct nd_conn *a2 = identified(&s, "alice_phone", "alice", CAP);
	struct nd_conn *a3 = identified(&s, "alice_old", "alice", NULL);
	struct nd_conn *b = nd_account(&s, "bob", "pw-bob", CAP);

	nd_send(a, "MARKREAD #c timestamp=" TS1);
	ND_EXPECT(a, "^:test\\.server MARKREAD #c timestamp=" TS1 "$");
	ND_EXPECT(a2, "^:test\\.server MARKREAD #c timestamp=" TS1 "$");
	nd_send(a2, "MARKREAD #c timestamp=" TS2);
	ND_EXPECT(a2, "^:test\\.server MARKREAD #c timestamp=" TS2 "$");
	ND_EXPECT(a, "^:test\\.server MARKREAD #c timestamp=" TS2 "$");
	/* Backwards: only the sender is answered. */
	nd_send(a2, "MARKREAD #c timestamp=" TS1);
	ND_EXPECT(a2, "^:test\\.server MARKREAD #c timestamp=" TS2 "$");
	nd_quiet(a, " MARKREAD ");
	nd_quiet(a3, " MARKREAD ");
	nd_quiet(b, " MARKREAD ");
	nd_send(b, "MARKREAD #c");
	ND_EXPECT(b, "^:test\\.server MARKREAD #c \\*$");

	/* A new connection of the account finds it on JOIN. */
	struct nd_conn *a4 = identified(&s, "alice_tab", "alice", CAP);
	nd_send(a4, "JOIN #c");
	ND_EXPECT(a4, "^:test\\.server MARKREAD #c timestamp=" TS2 "$");
	nd_close(a4);
	nd_close(b);
	nd_close(a3);
	nd_close(a2);
	nd_close(a);
	nd_finish(&s);
}
END_TEST

/* An account's markers outlive natterd; a dropped account's go. */
START_TEST(markread_kept_in_db)
{
	struct nd_server s;
	char dir[] = "/tmp/check_readmark.XXXXXX", db[64], cmd[80];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/history.db", dir);
	nd_start(&s, (const char *[]){ "--db", db, NULL });
	struct nd_conn *a = nd_account(&s, "alice", "pw-alice", CAP);
	nd_send(a, "MARKREAD #c timestamp=" TS1);
	ND_EXPECT(a, " MARKREAD #c timestamp=" TS1 "$");
	nd_send(a, "MARKREAD carol timestamp=" TS2);
	ND_EXPECT(a, " MARKREAD carol timestamp=" TS2 "$");
	nd_close(a);
	nd_finish(&s);

	nd_start(&s, (const char *[]){ "--db", db, NULL });
	a = identified(&s, "alice", "alice", CAP);
	nd_send(a, "JOIN #C");
	ND_EXPECT(a, "^:test\\.server MARKREAD #C timestamp=" TS1 "$");
	nd_send(a, "MARKREAD Carol");
	ND_EXPECT(a, "^:test\\.server MARKREAD Carol timestamp=" TS2 "$");
	nd_send(a, "PRIVMSG NickServ :DROP");
	ND_EXPECT(a, " NOTICE alice :Account alice dropped$");
	nd_close(a);
	nd_finish(&s);

	nd_start(&s, (const char *[]){ "--db", db, NULL });
	a = nd_account(&s, "alice", "pw-alice", CAP);
	nd_send(a, "MARKREAD #c");
	ND_EXPECT(a, "^:test\\.server MARKREAD #c \\*$");
	nd_close(a);
	nd_finish(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *
readmark_suite(void)
{
	Suite *s = suite_create("readmark");
	TCase *tc = tcase_create("markread");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, cap_offered);
	tcase_add_test(tc, markread_connection);
	tcase_add_test(tc, markread_fail);
	tcase_add_test(tc, markread_on_join);
	tcase_add_test(tc, markread_account_shared);
	tcase_add_test(tc, markread_kept_in_db);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return nd_run_suite(readmark_suite());
}
