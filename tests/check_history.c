/*
 * check_history: server/history.c over its two stores, on their own.
 * The files are compiled into this one so the tests can reach the SQLite
 * store's connection (to fill the disk, or to look at what is on it).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hist-mem.c"
#include "hist-sqlite.c"
#include "history.c"
#include "msgid.c"
#include "path.c"
#include "ready.c"

static char tmpdir[256];

static void
setup(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/check_history.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* The store's semantics, step by step on this thread: hist_commit
	 * stores at once and hist_prune does the upkeep. The storage
	 * thread's own tests turn it back on. */
	hq.no_thread = true;
	hist_set_retention(0, 0, 0);
}

static void
teardown(void)
{
	char cmd[PATH_MAX + 16];

	hist_close();
	ck_assert_int_lt(snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir),
	    (int)sizeof(cmd));
	ck_assert_int_eq(system(cmd), 0);
}

static const char *
tmppath(const char *name)
{
	static char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert(n > 0 && (size_t)n < sizeof(path));
	return path;
}

static void
open_ok(const char *path)
{
	char err[512];
	int rc = hist_open(path, true, err, sizeof(err));
	ck_assert_msg(rc == 0, "hist_open %s: %s", path ? path : "none", err);
}

/*
 * The query and retention tests run on both stores: the loop index says
 * which (0: memory, --db none; 1: a database file).
 */
static void
open_store(int i)
{
	open_ok(i == 0 ? NULL : tmppath("store.db"));
}

/* An owner for the tests: "@" and the folded nick, as if logged in to
 * an account of that name (static buffer). */
static const char *
owner(const char *nick)
{
	static char buf[IRC_NICK_MAX + 2];

	buf[0] = '@';
	irc_casefold(buf + 1, nick, sizeof(buf) - 1);
	return buf;
}

/* Store m as natterd does: a channel's row, or a private message's row
 * for each of its two owners (here "@" and each party's nick). */
static void
add_msg(const struct hist_msg *m)
{
	char nick[IRC_NICK_MAX + 1], key[HIST_KEY_MAX], other[HIST_KEY_MAX];

	if (irc_is_channel(m->target)) {
		ck_assert_uint_gt(hist_key(key, sizeof(key), NULL, m->target),
		    0);
		hold_unref(hist_add(m, key));
		return;
	}
	irc_source_split(m->source, nick, sizeof(nick), NULL, 0, NULL, 0);
	ck_assert_uint_gt(hist_key(key, sizeof(key), owner(nick), m->target),
	    0);
	hold_unref(hist_add(m, key));
	ck_assert_uint_gt(hist_key(other, sizeof(other), owner(m->target),
	    nick), 0);
	if (strcmp(key, other) != 0)
		hold_unref(hist_add(m, other));
}

static void
add(const char *source, const char *target, int64_t t, const char *msgid,
    const char *command, const char *text)
{
	struct hist_msg m = {
		.time_ms = t,
		.source = source,
		.target = target,
		.command = command,
		.tags = strcmp(command, "TAGMSG") == 0 ? "+typing=active" : "",
		.text = text,
	};
	str_copy(m.msgid, msgid, sizeof(m.msgid));
	add_msg(&m);
}

/* What a query returned, as "id id id". */
struct got {
	char ids[8192];
	int n;
	int64_t last_ms;
};

static void
collect(const struct hist_msg *m, void *arg)
{
	struct got *g = arg;
	size_t len = strlen(g->ids);
	snprintf(g->ids + len, sizeof(g->ids) - len, "%s%s",
	    len > 0 ? " " : "", m->msgid);
	g->n++;
	ck_assert_int_ge(m->time_ms, g->last_ms);	/* ascending */
	g->last_ms = m->time_ms;
}

static const char *
query(enum hist_sub sub, const char *key, const char *a, const char *b,
    int limit, bool tagmsg)
{
	static struct got g;
	struct hist_query q = { .sub = sub, .key = key, .limit = limit,
	    .tagmsg = tagmsg };

	memset(&g, 0, sizeof(g));
	g.last_ms = INT64_MIN;
	ck_assert(hist_ref_parse(a, &q.a, sub == HIST_LATEST));
	if (b != NULL)
		ck_assert(hist_ref_parse(b, &q.b, false));
	int n = hist_query(&q, collect, &g);
	ck_assert_int_eq(n, g.n);
	return g.ids;
}

/*
 * Channel #c: m1..m10 at t = 1000, 2000, ... but m4 and m5 share t=4000,
 * and m7 is a TAGMSG. "#other" holds x1 at t=4000.
 */
static void
fill(void)
{
	static const int64_t t[] = { 1000, 2000, 3000, 4000, 4000, 6000,
	    7000, 8000, 9000, 10000 };
	char id[8];

	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "m%d", i + 1);
		add("Alice!a@h", "#C", t[i], id, i == 6 ? "TAGMSG" : "PRIVMSG",
		    i == 6 ? "" : "hello");
	}
	add("bob!b@h", "#other", 4000, "x1", "PRIVMSG", "elsewhere");
	hist_commit();
}

#define TS(ms) "timestamp=1970-01-01T00:00:0" #ms "Z"

START_TEST(test_key)
{
	char a[HIST_KEY_MAX], b[HIST_KEY_MAX];

	ck_assert_uint_gt(hist_key(a, sizeof(a), NULL, "#Chan[1]"), 0);
	ck_assert_str_eq(a, "#chan{1}");
	/* One side each: the owner's, named for the other party. */
	ck_assert_uint_gt(hist_key(a, sizeof(a), "@alice", "BOB"), 0);
	ck_assert_str_eq(a, "@alice bob");
	hist_key(b, sizeof(b), "@bob", "alice");
	ck_assert_str_eq(b, "@bob alice");
	ck_assert_uint_gt(hist_key(b, sizeof(b), "!18c2f.1a", "Alice"), 0);
	ck_assert_str_eq(b, "!18c2f.1a alice");
	/* An owner is never a nick: the keys of nick-keyed history, from
	 * before owners, are out of anyone's reach. */
	ck_assert_uint_eq(hist_key(a, sizeof(a), "alice", "bob"), 0);
	ck_assert_uint_eq(hist_key(a, sizeof(a), NULL, "bob"), 0);
	ck_assert_uint_eq(hist_key(a, 4, "@alice", "bob"), 0);
}
END_TEST

START_TEST(test_ref_parse)
{
	struct hist_ref r;

	ck_assert(hist_ref_parse("*", &r, true));
	ck_assert_int_eq(r.type, HIST_REF_NONE);
	ck_assert(!hist_ref_parse("*", &r, false));
	ck_assert(hist_ref_parse("msgid=abc", &r, false));
	ck_assert_int_eq(r.type, HIST_REF_MSGID);
	ck_assert_str_eq(r.msgid, "abc");
	ck_assert(!hist_ref_parse("msgid=", &r, false));
	ck_assert(!hist_ref_parse(
	    "msgid=0123456789012345678901234567890123456789", &r, false));
	ck_assert(hist_ref_parse("timestamp=2019-01-04T14:33:26.123Z", &r,
	    false));
	ck_assert_int_eq(r.type, HIST_REF_TIME);
	ck_assert_int_eq(r.time_ms, INT64_C(1546612406123));
	ck_assert(!hist_ref_parse("timestamp=yesterday", &r, false));
	ck_assert(!hist_ref_parse("2019-01-04T14:33:26.123Z", &r, false));
	ck_assert(!hist_ref_parse("id=1", &r, true));
}
END_TEST

START_TEST(test_latest)
{
	open_store(_i);
	fill();
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 3, false),
	    "m8 m9 m10");
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 100, false),
	    "m1 m2 m3 m4 m5 m6 m8 m9 m10");
	/* m7, a TAGMSG, is not kept (its tags are of the moment). */
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 100, true),
	    "m1 m2 m3 m4 m5 m6 m8 m9 m10");
	/* Restricted to after the reference, still the newest first. */
	ck_assert_str_eq(query(HIST_LATEST, "#c", "msgid=m4", NULL, 100,
	    false), "m5 m6 m8 m9 m10");
	ck_assert_str_eq(query(HIST_LATEST, "#c", "msgid=m4", NULL, 2, false),
	    "m9 m10");
	ck_assert_str_eq(query(HIST_LATEST, "#c", TS(4), NULL, 100, false),
	    "m6 m8 m9 m10");
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 0, false), "");
	ck_assert_str_eq(query(HIST_LATEST, "#nothing", "*", NULL, 10, false),
	    "");
	ck_assert_str_eq(query(HIST_LATEST, "#other", "*", NULL, 10, false),
	    "x1");
}
END_TEST

/* Tags of the rows a query returns, as "[tags][tags]". */
static void
collect_tags(const struct hist_msg *m, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);
	snprintf(out + len, 512 - len, "[%s]", m->tags);
}

/* A TAGMSG is kept when it is a reaction, with its reply and without its
 * +typing, and returned only to a query that asks for TAGMSG rows. */
START_TEST(test_reactions)
{
	struct hist_msg m = { .time_ms = 1000, .source = "alice!a@h",
	    .target = "#c", .command = "PRIVMSG", .tags = "", .text = "hi" };
	char tags[512] = "";

	open_store(_i);
	str_copy(m.msgid, "m1", sizeof(m.msgid));
	add_msg(&m);
	m.time_ms = 2000;
	m.source = "bob!b@h";
	m.command = "TAGMSG";
	m.text = "";
	m.tags = "+typing=done;+draft/react=\\o/;+draft/reply=m1";
	str_copy(m.msgid, "r1", sizeof(m.msgid));
	add_msg(&m);
	m.time_ms = 3000;
	m.tags = "+typing=active;+draft/reply=m1";
	str_copy(m.msgid, "t1", sizeof(m.msgid));
	add_msg(&m);
	hist_commit();
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 10, false), "m1");
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 10, true),
	    "m1 r1");
	struct hist_query q = { .sub = HIST_LATEST, .key = "#c", .limit = 10,
	    .tagmsg = true };
	ck_assert_int_eq(hist_query(&q, collect_tags, tags), 2);
	ck_assert_str_eq(tags, "[][+draft/react=\\o/;+draft/reply=m1]");
}
END_TEST

START_TEST(test_before_after)
{
	open_store(_i);
	fill();
	ck_assert_str_eq(query(HIST_BEFORE, "#c", "msgid=m6", NULL, 3, false),
	    "m3 m4 m5");
	/* Same millisecond: the arrival order decides, and paging by msgid
	 * neither skips nor repeats. */
	ck_assert_str_eq(query(HIST_BEFORE, "#c", "msgid=m5", NULL, 1, false),
	    "m4");
	ck_assert_str_eq(query(HIST_AFTER, "#c", "msgid=m4", NULL, 1, false),
	    "m5");
	/* A timestamp excludes its own millisecond on both sides. */
	ck_assert_str_eq(query(HIST_BEFORE, "#c", TS(4), NULL, 10, false),
	    "m1 m2 m3");
	ck_assert_str_eq(query(HIST_AFTER, "#c", TS(4), NULL, 2, false),
	    "m6 m8");
	ck_assert_str_eq(query(HIST_AFTER, "#c", TS(4), NULL, 2, true),
	    "m6 m8");
	ck_assert_str_eq(query(HIST_BEFORE, "#c", "msgid=m1", NULL, 10,
	    false), "");
	ck_assert_str_eq(query(HIST_AFTER, "#c", "msgid=m10", NULL, 10,
	    false), "");
	/* A msgid from elsewhere, or unknown, selects nothing. */
	ck_assert_str_eq(query(HIST_BEFORE, "#c", "msgid=x1", NULL, 10,
	    false), "");
	ck_assert_str_eq(query(HIST_AFTER, "#c", "msgid=nope", NULL, 10,
	    false), "");
	/* Paging backwards by msgid visits everything once. */
	char all[256] = "", first[IRC_MSGID_MAX + 1] = "m10";
	const char *page;
	str_copy(all, "m10", sizeof(all));
	for (;;) {
		char ref[64];
		snprintf(ref, sizeof(ref), "msgid=%s", first);
		page = query(HIST_BEFORE, "#c", ref, NULL, 2, true);
		if (*page == '\0')
			break;
		char tmp[256];
		snprintf(tmp, sizeof(tmp), "%s %s", page, all);
		str_copy(all, tmp, sizeof(all));
		str_copy(first, page, strcspn(page, " ") + 1);
	}
	ck_assert_str_eq(all, "m1 m2 m3 m4 m5 m6 m8 m9 m10");
}
END_TEST

START_TEST(test_around)
{
	open_store(_i);
	fill();
	/* The message itself, (limit-1)/2 before, the rest after. */
	ck_assert_str_eq(query(HIST_AROUND, "#c", "msgid=m5", NULL, 1, false),
	    "m5");
	ck_assert_str_eq(query(HIST_AROUND, "#c", "msgid=m5", NULL, 3, false),
	    "m4 m5 m6");
	ck_assert_str_eq(query(HIST_AROUND, "#c", "msgid=m5", NULL, 4, false),
	    "m4 m5 m6 m8");
	ck_assert_str_eq(query(HIST_AROUND, "#c", "msgid=m1", NULL, 5, false),
	    "m1 m2 m3");
	/* A timestamp: limit/2 before it, the rest at or after it. */
	ck_assert_str_eq(query(HIST_AROUND, "#c", TS(4), NULL, 4, false),
	    "m2 m3 m4 m5");
	ck_assert_str_eq(query(HIST_AROUND, "#c", TS(5), NULL, 2, false),
	    "m5 m6");
	ck_assert_str_eq(query(HIST_AROUND, "#c", "msgid=nope", NULL, 4,
	    false), "");
}
END_TEST

START_TEST(test_between)
{
	open_store(_i);
	fill();
	ck_assert_str_eq(query(HIST_BETWEEN, "#c", "msgid=m2", "msgid=m6", 10,
	    false), "m3 m4 m5");
	/* Counted from the first reference, returned ascending. */
	ck_assert_str_eq(query(HIST_BETWEEN, "#c", "msgid=m2", "msgid=m10", 2,
	    false), "m3 m4");
	ck_assert_str_eq(query(HIST_BETWEEN, "#c", "msgid=m10", "msgid=m2", 2,
	    false), "m8 m9");
	ck_assert_str_eq(query(HIST_BETWEEN, "#c", TS(1), TS(6), 10, false),
	    "m2 m3 m4 m5");
	ck_assert_str_eq(query(HIST_BETWEEN, "#c", TS(6), TS(1), 3, false),
	    "m3 m4 m5");
	/* Mixed reference types. */
	ck_assert_str_eq(query(HIST_BETWEEN, "#c", "msgid=m3", TS(6), 10,
	    false), "m4 m5");
	ck_assert_str_eq(query(HIST_BETWEEN, "#c", TS(9), "msgid=m6", 10,
	    true), "m8");
	ck_assert_str_eq(query(HIST_BETWEEN, "#c", "msgid=m4", "msgid=m5", 10,
	    false), "");
	ck_assert_str_eq(query(HIST_BETWEEN, "#c", "msgid=m4", "msgid=nope",
	    10, false), "");
}
END_TEST

START_TEST(test_private)
{
	char ab[HIST_KEY_MAX], ca[HIST_KEY_MAX];

	open_store(_i);
	add("Alice!a@h", "bob", 1000, "p1", "PRIVMSG", "hi bob");
	add("Bob!b@h", "ALICE", 2000, "p2", "PRIVMSG", "hi alice");
	add("carol!c@h", "alice", 3000, "p3", "PRIVMSG", "psst");
	add("alice!a@h", "Bob", 4000, "p4", "NOTICE", "bye");
	hist_commit();
	hist_key(ab, sizeof(ab), "@bob", "alice");
	ck_assert_str_eq(query(HIST_LATEST, ab, "*", NULL, 10, false),
	    "p1 p2 p4");
	hist_key(ab, sizeof(ab), "@alice", "BOB");
	ck_assert_str_eq(query(HIST_LATEST, ab, "*", NULL, 10, false),
	    "p1 p2 p4");
	hist_key(ca, sizeof(ca), "@carol", "alice");
	ck_assert_str_eq(query(HIST_LATEST, ca, "*", NULL, 10, false), "p3");
	hist_key(ca, sizeof(ca), "@alice", "carol");
	ck_assert_str_eq(query(HIST_LATEST, ca, "*", NULL, 10, false), "p3");
	/* The same msgid in each owner's copy, and paging by it. */
	ck_assert_str_eq(query(HIST_AFTER, ab, "msgid=p1", NULL, 10, false),
	    "p2 p4");
	/* Bob cannot page into Alice and Carol's talk with its msgid. */
	hist_key(ab, sizeof(ab), "@bob", "carol");
	ck_assert_str_eq(query(HIST_AROUND, ab, "msgid=p3", NULL, 10, false),
	    "");
}
END_TEST

/* A clock set back, and a msgid used twice: both stores keep the
 * (time, arrival) order and the first of the two. */
START_TEST(test_order)
{
	open_store(_i);
	add("x!x@h", "#o", 5000, "o1", "PRIVMSG", "t");
	add("x!x@h", "#o", 3000, "o2", "PRIVMSG", "t");
	add("x!x@h", "#o", 4000, "o3", "PRIVMSG", "t");
	add("x!x@h", "#o", 4000, "o4", "PRIVMSG", "t");
	add("x!x@h", "#o", 9000, "o1", "PRIVMSG", "again");
	hist_commit();
	ck_assert_str_eq(query(HIST_LATEST, "#o", "*", NULL, 10, false),
	    "o2 o3 o4 o1");
	ck_assert_str_eq(query(HIST_AFTER, "#o", "msgid=o3", NULL, 10, false),
	    "o4 o1");
	ck_assert_str_eq(query(HIST_BEFORE, "#o", TS(5), NULL, 2, false),
	    "o3 o4");
}
END_TEST

struct targets {
	char list[1024];
	const char *member_of;	/* the one channel "we" are in */
};

static bool
visible(const char *channel, void *arg)
{
	struct targets *t = arg;
	return irc_casecmp(channel, t->member_of) == 0;
}

static void
target(const char *name, int64_t last_ms, void *arg)
{
	struct targets *t = arg;
	size_t len = strlen(t->list);
	snprintf(t->list + len, sizeof(t->list) - len, "%s%s@%lld",
	    len > 0 ? " " : "", name, (long long)last_ms);
}

START_TEST(test_targets)
{
	struct targets t = { .member_of = "#a" };

	open_store(_i);
	add("x!x@h", "#A", 1000, "a1", "PRIVMSG", "1");
	add("x!x@h", "#A", 5000, "a2", "PRIVMSG", "2");
	add("x!x@h", "#secret", 2000, "s1", "PRIVMSG", "3");
	add("Alice!a@h", "Bob", 3000, "p1", "PRIVMSG", "4");
	add("bob!b@h", "alice", 3500, "p2", "PRIVMSG", "5");
	add("me!m@h", "Carol", 4000, "p3", "PRIVMSG", "6");
	add("Dave!d@h", "ME", 4500, "p4", "PRIVMSG", "7");
	hist_commit();

	ck_assert_int_eq(hist_targets("@me", 0, 10000, 10, visible, target,
	    &t), 3);
	ck_assert_str_eq(t.list, "Carol@4000 Dave@4500 #A@5000");
	t.list[0] = '\0';
	/* A target counts by its latest message: #A's is past the window. */
	hist_targets("@me", 0, 4600, 10, visible, target, &t);
	ck_assert_str_eq(t.list, "Carol@4000 Dave@4500");
	t.list[0] = '\0';
	hist_targets("@me", 0, 10000, 2, visible, target, &t);
	ck_assert_str_eq(t.list, "Carol@4000 Dave@4500");
	t.list[0] = '\0';
	hist_targets("@me", 10000, 0, 2, visible, target, &t);
	ck_assert_str_eq(t.list, "Dave@4500 #A@5000");
	t.list[0] = '\0';
	hist_targets("@bob", 0, 10000, 10, visible, target, &t);
	ck_assert_str_eq(t.list, "alice@3500 #A@5000");
}
END_TEST

static int64_t
count_rows(const char *where)
{
	char sql[256];
	sqlite3_stmt *st;
	int64_t n = -1;

	/* The rows with their key and command as text. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT t.tkey,"
	    " CASE m.command WHEN 0 THEN 'PRIVMSG' WHEN 1 THEN 'NOTICE'"
	    " WHEN 2 THEN 'TAGMSG' ELSE m.command END AS command, m.msgid"
	    " FROM messages m JOIN targets t USING (tid)) WHERE %s", where);
	ck_assert_int_eq(sqlite3_prepare_v2(hsql.db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The search index is sound (FTS5's own integrity-check). */
static void
fts_sound(void)
{
	ck_assert_int_eq(sqlite3_exec(hsql.db, "INSERT INTO msg_fts (msg_fts)"
	    " VALUES ('integrity-check')", NULL, NULL, NULL), SQLITE_OK);
}

/* The rows the search index finds for word. */
static int
fts_count(const char *word)
{
	char sql[128];
	sqlite3_stmt *st;
	int n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM msg_fts"
	    " WHERE msg_fts MATCH '%s'", word);
	ck_assert_int_eq(sqlite3_prepare_v2(hsql.db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Rows of one target, through the store's own query. */
static int
count_key(const char *key)
{
	struct got g;
	struct hist_query q = { .sub = HIST_LATEST, .key = key,
	    .limit = 1000000, .tagmsg = true };

	memset(&g, 0, sizeof(g));
	g.last_ms = INT64_MIN;
	return hist_query(&q, collect, &g);
}

/* Whether message msgid is in target key. */
static bool
has(const char *key, const char *msgid)
{
	char ref[64];

	snprintf(ref, sizeof(ref), "msgid=%s", msgid);
	return strcmp(query(HIST_AROUND, key, ref, NULL, 1, true), msgid) == 0;
}

static int
prune_all(void)
{
	int calls = 0;
	while (hist_prune())
		ck_assert_int_lt(++calls, 10000);
	return calls;
}

START_TEST(test_retention_max)
{
	char id[16];

	open_store(_i);
	for (int i = 0; i < 1234; i++) {
		snprintf(id, sizeof(id), "a%d", i);
		add("x!x@h", "#a", 1000 + i / 3, id, "PRIVMSG", "t");
	}
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "b%d", i);
		add("x!x@h", "#b", 1000 + i, id, "PRIVMSG", "t");
	}
	hist_commit();
	ck_assert(!hist_prune());	/* no retention set */
	hist_set_retention(0, 100, 0);
	/* The file store deletes in small batches: several calls for 1134
	 * rows of one target. The memory store trims at once. */
	if (_i == 1)
		ck_assert_int_ge(prune_all(), 3);
	ck_assert_int_eq(count_key("#a"), 100);
	ck_assert_int_eq(count_key("#b"), 10);
	/* The newest stay. */
	ck_assert(has("#a", "a1134") && has("#a", "a1233"));
	ck_assert(!has("#a", "a1133"));
	/* Nothing added: nothing to do. */
	ck_assert(!hist_prune());
	add("x!x@h", "#a", 9999, "new", "PRIVMSG", "t");
	hist_commit();
	prune_all();
	ck_assert_int_eq(count_key("#a"), 100);
	ck_assert(!has("#a", "a1134") && has("#a", "new"));
}
END_TEST

START_TEST(test_retention_days)
{
	char id[16];
	int64_t now = time_now_ms(), day = 86400000;

	open_store(_i);
	for (int i = 0; i < 1200; i++) {
		snprintf(id, sizeof(id), "old%d", i);
		add("x!x@h", i % 2 ? "#a" : "#b", now - 3 * day + i, id,
		    "PRIVMSG", "t");
	}
	add("x!x@h", "#a", now - day / 2, "recent", "PRIVMSG", "t");
	add("x!x@h", "#b", now, "now", "PRIVMSG", "t");
	hist_commit();
	hist_set_retention(2, 0, 0);
	ck_assert_int_ge(prune_all(), 2);
	ck_assert_int_eq(count_key("#a") + count_key("#b"), 2);
	ck_assert(has("#a", "recent") && has("#b", "now"));
	hist_set_retention(1, 0, 0);
	prune_all();
	ck_assert_int_eq(count_key("#a") + count_key("#b"), 2);	/* 12 h old */
}
END_TEST

/* --history-max-bytes: past the size, the oldest messages go until
 * history takes 9/10 of it; the newest stay. */
START_TEST(test_retention_bytes)
{
	char id[16], text[256];

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	open_store(_i);
	for (int i = 0; i < 4000; i++) {
		snprintf(id, sizeof(id), "b%d", i);
		add("x!x@h", i % 2 ? "#a" : "#b", 1000 + i, id, "PRIVMSG",
		    text);
		if (i % 100 == 99)
			hist_commit();
	}
	hist_commit();
	int64_t full = store->bytes();
	ck_assert_int_gt(full, 4000 * 256);
	hist_set_retention(0, 0, full / 2);
	ck_assert_int_ge(prune_all(), 2);	/* in steps */
	int64_t now = store->bytes();
	ck_assert_msg(now <= full / 2 / 10 * 9 && now > full / 4,
	    "%lld bytes of %lld", (long long)now, (long long)full);
	ck_assert(has("#a", "b3999") && has("#b", "b3998"));
	ck_assert(!has("#b", "b0") && !has("#a", "b1"));
	/* Oldest first: what is left is the newest, with no gap. */
	int left = count_key("#a") + count_key("#b");
	snprintf(id, sizeof(id), "b%d", 4000 - left);
	ck_assert(has(4000 - left == 0 ? "#b" : (4000 - left) % 2 ? "#a" :
	    "#b", id));
	snprintf(id, sizeof(id), "b%d", 4000 - left - 1);
	ck_assert(!has((4000 - left - 1) % 2 ? "#a" : "#b", id));
	/* Under the limit: nothing more to do. */
	ck_assert(!hist_prune());
	/* The search index lost the same rows. */
	if (_i == 1)
		fts_sound();
}
END_TEST

START_TEST(test_persistence)
{
	struct hist_chan c = {
		.name = "#Home", .topic = "dinner at 8",
		.topic_setter = "alice!a@h", .topic_time = 1700000000,
		.modes = "ntk", .key = "s3cret", .limit = 0,
		.created = 1690000000,
		.bans = "b *!*@10.0.0.9 alice!a@h 1700000001\n"
		    "I mallory!*@* alice!a@h 1700000002",
		.owner = "alice", .opaccs = "bob carol",
	};
	const char *path = tmppath("deep/er/history.db");
	struct stat sb;

	open_ok(path);
	fill();
	hold_unref(hist_chan_save(&c));
	c.name = "#gone";
	hold_unref(hist_chan_save(&c));
	hist_commit();
	hold_unref(hist_chan_forget("#GONE"));
	hist_commit();
	hist_close();
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);	/* private messages inside */

	open_ok(path);
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 100, true),
	    "m1 m2 m3 m4 m5 m6 m8 m9 m10");
	ck_assert(hist_chan_get("#home", &c));
	ck_assert_str_eq(c.name, "#Home");
	ck_assert_str_eq(c.topic, "dinner at 8");
	ck_assert_str_eq(c.topic_setter, "alice!a@h");
	ck_assert_int_eq(c.topic_time, 1700000000);
	ck_assert_str_eq(c.modes, "ntk");
	ck_assert_str_eq(c.key, "s3cret");
	ck_assert_int_eq(c.limit, 0);
	ck_assert_int_eq(c.created, 1690000000);
	ck_assert_str_eq(c.bans, "b *!*@10.0.0.9 alice!a@h 1700000001\n"
	    "I mallory!*@* alice!a@h 1700000002");
	ck_assert_str_eq(c.owner, "alice");
	ck_assert_str_eq(c.opaccs, "bob carol");
	ck_assert(!hist_chan_get("#gone", &c));
	ck_assert(!hist_chan_get("#never", &c));
	/* A duplicate msgid loses that row only. */
	add("x!x@h", "#c", 20000, "m1", "PRIVMSG", "again");
	add("x!x@h", "#c", 20000, "m11", "PRIVMSG", "new");
	hist_commit();
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 2, false),
	    "m10 m11");
}
END_TEST

/* The VM steps the reader's statements have taken since the last call:
 * what a query cost in rows visited, without timing anything. */
static int
reader_steps(void)
{
	int n = 0;
	for (int i = 0; i < ST_COUNT; i++)
		if (hsql.rst[i] != NULL)
			n += sqlite3_stmt_status(hsql.rst[i],
			    SQLITE_STMTSTATUS_VM_STEP, 1);
	return n;
}

/*
 * Queries cost what they return, not what is stored: TARGETS with
 * thousands of other people's conversations, LATEST after thousands of
 * TAGMSGs (typing notifications), each within a small bound of steps
 * that the stored distractors do not move.
 */
START_TEST(test_bounded_rows)
{
	struct targets t = { .member_of = "#a" };
	char id[32], src[32], dst[32];

	open_ok(tmppath("bounded.db"));
	for (int i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "o%d", i);
		snprintf(src, sizeof(src), "u%d!u@h", i);
		snprintf(dst, sizeof(dst), "v%d", i);
		add(src, dst, 1000 + i, id, "PRIVMSG", "not yours");
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "t%d", i);
		add("x!x@h", "#a", 5000 + i, id, "TAGMSG", "");
	}
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "a%d", i);
		add("x!x@h", "#a", 4000 + i, id, "PRIVMSG", "said");
	}
	add("me!m@h", "carol", 3000, "c1", "PRIVMSG", "hi");
	add("dave!d@h", "me", 3500, "d1", "PRIVMSG", "hi");
	hist_commit();

	reader_steps();
	ck_assert_int_eq(hist_targets("@me", 0, 100000, 10, visible, target,
	    &t), 3);
	ck_assert_str_eq(t.list, "carol@3000 dave@3500 #a@4004");
	int steps = reader_steps();
	ck_assert_msg(steps < 300, "TARGETS took %d steps", steps);

	ck_assert_str_eq(query(HIST_LATEST, "#a", "*", NULL, 5, true),
	    "a0 a1 a2 a3 a4");
	steps = reader_steps();
	ck_assert_msg(steps < 300, "LATEST took %d steps", steps);
	ck_assert_int_eq(count_rows("command = 'TAGMSG'"), 0);
}
END_TEST

/*
 * What a batch writes: each target's summary once, however many of its
 * messages the batch holds (a burst into one channel is one row), also
 * past the HSQL_TARGETS_HELD held at once; and each message's words in
 * the search index, written by the store itself (a trigger would write
 * them at twice the cost).
 */
START_TEST(test_batch_writes)
{
	struct targets t = { .member_of = "#big" };
	char id[16], nick[16];

	open_ok(tmppath("w.db"));
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "b%d", i);
		add("x!x@h", "#big", 1000 + i, id, "PRIVMSG",
		    i == 500 ? "a quokka here" : "plain words");
	}
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "p%d", i);
		snprintf(nick, sizeof(nick), "n%02d", i);
		add("me!m@h", nick, 3000 + i, id, "PRIVMSG", "psst");
		snprintf(id, sizeof(id), "q%d", i);
		add("me!m@h", nick, 2500 + i, id, "PRIVMSG", "older, later");
	}
	hist_commit();
	hist_sync();
	/* 1120 messages, 81 targets: a few more writes when the held rows
	 * were written out between a target's two messages. */
	int runs = sqlite3_stmt_status(hsql.st[ST_TGT_PUT],
	    SQLITE_STMTSTATUS_RUN, 0);
	ck_assert_msg(runs >= 81 && runs <= 84, "%d summary writes", runs);
	ck_assert_int_eq(hist_targets("@me", 0, 100000, 3, visible, target,
	    &t), 3);
	ck_assert_str_eq(t.list, "#big@1999 n00@3000 n01@3001");
	t.list[0] = '\0';
	ck_assert_int_eq(hist_targets("@n39", 0, 100000, 5, NULL, target,
	    &t), 2);
	ck_assert_str_eq(t.list, "#big@1999 me@3039");

	ck_assert_int_eq(fts_count("quokka"), 1);
	fts_sound();
	/* A failed batch leaves no summary behind for the next one. */
	ck_assert(hsql_store.begin());
	struct hist_msg m = { .time_ms = 9000, .source = "x!x@h",
	    .target = "#big", .command = "PRIVMSG", .tags = "", .text = "x" };
	str_copy(m.msgid, "gone", sizeof(m.msgid));
	ck_assert(hsql_store.add(&m, "#big"));
	hsql_store.rollback();
	ck_assert(hsql_store.begin());
	ck_assert(hsql_store.commit());
	t.list[0] = '\0';
	hist_targets("@me", 0, 100000, 1, visible, target, &t);
	ck_assert_str_eq(t.list, "#big@1999");
}
END_TEST

/* A database from before target_last, TAGMSG's leaving and owners:
 * opening it migrates it, once. */
START_TEST(test_migration)
{
	const char *path = tmppath("v1.db");
	sqlite3 *db;
	struct targets t = { .member_of = "#a" };

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
	    "CREATE TABLE messages (id INTEGER PRIMARY KEY,"
	    " msgid TEXT NOT NULL UNIQUE, time_ms INTEGER NOT NULL,"
	    " source TEXT NOT NULL, nick TEXT NOT NULL, target TEXT NOT NULL,"
	    " tkey TEXT NOT NULL, command TEXT NOT NULL, tags TEXT NOT NULL,"
	    " text TEXT NOT NULL);"
	    "CREATE INDEX messages_tkey_time ON messages (tkey, time_ms);"
	    "INSERT INTO messages VALUES"
	    " (1, 'a1', 1000, 'x!x@h', 'x', '#a', '#a', 'PRIVMSG', '', 'one'),"
	    " (2, 't1', 2000, 'x!x@h', 'x', '#a', '#a', 'TAGMSG', '', ''),"
	    " (3, 'a2', 1500, 'x!x@h', 'x', '#A', '#a', 'PRIVMSG', '', 'two'),"
	    " (4, 'p1', 1200, 'Me!m@h', 'me', 'Bob', 'bob me', 'PRIVMSG', '',"
	    " 'hi');"
	    "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	open_ok(path);
	ck_assert_int_eq(count_rows("command = 'TAGMSG'"), 0);
	ck_assert_int_eq(count_rows("1"), 3);
	/* The conversation keyed by the two nicks is no owner's. */
	ck_assert_int_eq(hist_targets("@me", 0, 100000, 10, visible, target,
	    &t), 1);
	ck_assert_str_eq(t.list, "#A@1500");
	t.list[0] = '\0';
	hist_targets("@bob", 0, 100000, 10, NULL, target, &t);
	ck_assert_str_eq(t.list, "#A@1500");
	/* The search index, rebuilt without a trigger, finds the old rows. */
	ck_assert_int_eq(fts_count("two"), 1);
	fts_sound();
	hist_close();
	open_ok(path);	/* once: now at the current version */
	ck_assert_int_eq(count_rows("1"), 3);
}
END_TEST

/* Closing leaves an empty WAL even while another connection has the
 * file open (natterd's accounts): the next start need not read it. */
START_TEST(test_close_empties_wal)
{
	const char *path = tmppath("wal.db");
	char wal[PATH_MAX], id[16];
	struct stat sb;
	sqlite3 *other;

	open_ok(path);
	ck_assert_int_eq(sqlite3_open(path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "SELECT count(*) FROM messages",
	    NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "w%d", i);
		add("x!x@h", "#w", 1000 + i, id, "PRIVMSG", "some words");
	}
	hist_commit();
	hist_sync();
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert_int_eq(stat(wal, &sb), 0);
	ck_assert_int_gt(sb.st_size, 0);
	hist_close();
	ck_assert_int_eq(stat(wal, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
	sqlite3_close(other);
	open_ok(path);
	ck_assert_int_eq(count_rows("tkey = '#w'"), 100);
}
END_TEST

/* With -v, closing the store logs how many messages each commit held,
 * as a histogram: how much group commit groups. */
START_TEST(test_commit_histogram)
{
	static const int batches[] = { 1, 3, 2, 20 };
	char log[PATH_MAX], id[16], buf[4096];
	int k = 0;

	str_copy(log, tmppath("log"), sizeof(log));
	log_to_file(log);
	log_set_level(LOG_LEVEL_DEBUG);
	open_ok(tmppath("h.db"));
	for (size_t b = 0; b < nitems(batches); b++) {
		for (int i = 0; i < batches[b]; i++, k++) {
			snprintf(id, sizeof(id), "h%d", k);
			add("x!x@h", "#h", 1000 + k, id, "PRIVMSG", "t");
		}
		hist_commit();
	}
	hist_close();
	FILE *f = fopen(log, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "history: 4 commits; messages per"
	    " commit: 1: 1, 2-3: 2, 16-31: 1\n"));
}
END_TEST

/* With --sync full the writer's WAL is written a run of frames at a
 * time, not two writes a page (the frame's header, then the page), and
 * all of it is there for the reader once the commit returns. */
START_TEST(test_wal_gathered)
{
	char id[16], nick[16];

	open_ok(tmppath("g.db"));
	unsigned long writes = hvfs.writes;
	int pages = hsql.wal_pages;
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "g%d", i);
		snprintf(nick, sizeof(nick), "n%d", i);
		add("me!m@h", nick, 1000 + i, id, "PRIVMSG", "a private word");
	}
	hist_commit();
	ck_assert(!hq.failing);
	pages = hsql.wal_pages - pages;
	writes = hvfs.writes - writes;
	ck_assert_msg(pages >= 10 && writes <= (unsigned long)pages / 8,
	    "%lu writes for %d pages", writes, pages);
	/* What another connection reads from the files. */
	sqlite3 *other;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open(tmppath("g.db"), &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(other, "SELECT count(*) FROM"
	    " messages", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 200);
	sqlite3_finalize(st);
	sqlite3_close(other);
}
END_TEST

/* A row is on disk as soon as hist_commit returns: a process killed right
 * after loses nothing; before the commit a second reader sees nothing. */
START_TEST(test_kill_after_commit)
{
	const char *path = tmppath("k.db");
	char id[16];
	int status;

	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		open_ok(path);
		for (int i = 0; i < 1000; i++) {
			snprintf(id, sizeof(id), "k%d", i);
			add("x!x@h", "#k", 1000 + i, id, "PRIVMSG", "t");
			if (i % 7 == 6)
				hist_commit();
		}
		hist_commit();
		add("x!x@h", "#k", 5000, "uncommitted", "PRIVMSG", "t");
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	open_ok(path);
	ck_assert_int_eq(count_rows("tkey = '#k'"), 1000);
	ck_assert_int_eq(count_rows("msgid = natter_msgid('uncommitted')"), 0);
	struct hist_query q = { .sub = HIST_LATEST, .key = "#k", .limit = 1000 };
	struct got g = { .last_ms = INT64_MIN };
	hist_ref_parse("*", &q.a, true);
	ck_assert_int_eq(hist_query(&q, collect, &g), 1000);
	ck_assert(strncmp(g.ids, "k0 k1 k2 ", 9) == 0);
}
END_TEST

START_TEST(test_disk_full)
{
	char id[32];

	open_ok(tmppath("full.db"));
	ck_assert_int_eq(sqlite3_exec(hsql.db,
	    "PRAGMA max_page_count = 1", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "lost%d", i);
		add("x!x@h", "#f", 1000 + i, id, "PRIVMSG",
		    "a line long enough to need a new page soon enough");
	}
	hist_commit();	/* must not abort */
	ck_assert(hq.failing);
	ck_assert_uint_eq(hq.lost, 200);
	ck_assert_int_eq(sqlite3_exec(hsql.db,
	    "PRAGMA max_page_count = 1000000", NULL, NULL, NULL), SQLITE_OK);
	/* Until the retry time, refused without trying. */
	add("x!x@h", "#f", 5000, "refused", "PRIVMSG", "t");
	hist_commit();
	ck_assert(hq.failing);
	ck_assert_uint_eq(hq.lost, 201);
	hq.retry_at = 0;	/* the pause is over */
	add("x!x@h", "#f", 6000, "kept", "PRIVMSG", "t");
	hist_commit();
	ck_assert(!hq.failing);
	ck_assert_str_eq(query(HIST_LATEST, "#f", "*", NULL, 10, false),
	    "kept");
}
END_TEST

/* Checkpoints wait for an idle hist_prune, not for SQLite's own
 * automatic one in the middle of a busy pass. */
START_TEST(test_checkpoint)
{
	char id[16];

	open_ok(tmppath("wal.db"));
	for (int i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "w%d", i);
		add("x!x@h", "#w", 1000 + i, id, "PRIVMSG",
		    "a line of text to fill some pages with");
		if (i % 10 == 9)
			hist_commit();	/* 300 passes, past 1000 WAL pages */
	}
	ck_assert_int_gt(hsql.wal_pages, 1000);
	ck_assert(!hist_prune());
	ck_assert_int_eq(hsql.wal_pages, 0);
	/* At most once a second when idle. */
	add("x!x@h", "#w", 9000, "again", "PRIVMSG", "t");
	hist_commit();
	ck_assert_int_gt(hsql.wal_pages, 0);
	hist_prune();
	ck_assert_int_gt(hsql.wal_pages, 0);
	/* Under endless load a big WAL is checkpointed anyway. */
	hsql.wal_force = hsql.wal_pages;
	add("x!x@h", "#w", 9001, "forced", "PRIVMSG", "t");
	hist_commit();
	ck_assert_int_eq(hsql.wal_pages, 0);
	ck_assert_int_eq(count_rows("tkey = '#w'"), 3002);
}
END_TEST

/* Someone else holds the write lock (say the sqlite3 shell): the pass
 * gives up after the busy timeout, and the next one after the lock goes
 * works. */
START_TEST(test_locked)
{
	const char *path = tmppath("lock.db");
	sqlite3 *other;

	open_ok(path);
	ck_assert_int_eq(sqlite3_open(path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	add("x!x@h", "#l", 1000, "l1", "PRIVMSG", "t");
	add("x!x@h", "#l", 1001, "l2", "PRIVMSG", "t");
	hist_commit();
	ck_assert(hq.failing);
	ck_assert_uint_eq(hq.lost, 2);
	hq.retry_at = 0;
	ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	/* A reader never blocks us (WAL). */
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN; SELECT count(*) FROM"
	    " messages", NULL, NULL, NULL), SQLITE_OK);
	add("x!x@h", "#l", 1002, "l3", "PRIVMSG", "t");
	hist_commit();
	ck_assert(!hq.failing);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	ck_assert_str_eq(query(HIST_LATEST, "#l", "*", NULL, 10, false), "l3");
}
END_TEST

/* A prune that fails (another process holds the write lock) leaves the
 * store alone for a while, then the next try deletes what it could not. */
START_TEST(test_prune_locked)
{
	const char *path = tmppath("plock.db");
	int64_t now = time_now_ms(), day = 86400000;
	sqlite3 *other;
	char id[16];

	open_ok(path);
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "old%d", i);
		add("x!x@h", "#p", now - 3 * day + i, id, "PRIVMSG", "t");
	}
	add("x!x@h", "#p", now, "now", "PRIVMSG", "t");
	hist_commit();
	ck_assert_int_eq(sqlite3_open(path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	hist_set_retention(2, 0, 0);
	ck_assert(!hist_prune());
	ck_assert_int_gt(hist.prune_pause, time_mono_ms());
	ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	ck_assert(!hist_prune());	/* paused */
	ck_assert_int_eq(count_key("#p"), 11);
	hist.prune_pause = hist.next_age_check = 0;	/* the pause is over */
	prune_all();
	ck_assert_int_eq(count_key("#p"), 1);
}
END_TEST

/* Expect hist_open(path) to fail with one line mentioning path and why. */
static void
open_fails(const char *path, const char *why)
{
	char err[512];

	ck_assert_int_eq(hist_open(path, true, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why) != NULL, "%s: want \"%s\"", err, why);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_ptr_null(hsql.db);
}

START_TEST(test_unusable)
{
	FILE *f;
	/* A directory. */
	open_fails(tmpdir, "is a directory");
	/* A regular file where a directory should be. */
	f = fopen(tmppath("file"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("x\n", f);
	fclose(f);
	open_fails(tmppath("file/history.db"), "Not a directory");
	open_fails(tmppath("file/sub/history.db"), "cannot create directory");
	/* Not a database. */
	f = fopen(tmppath("junk.db"), "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database, it is a text file\n", f);
	fclose(f);
	open_fails(tmppath("junk.db"), "not a database");
	/* From a newer natterd. */
	open_ok(tmppath("new.db"));
	sqlite3_exec(hsql.db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	hist_close();
	open_fails(tmppath("new.db"), "newer natterd");
	/* Still usable after all that. */
	open_ok(tmppath("ok.db"));
}
END_TEST

/*
 * A version 1 database (msgid unique in the whole table, conversations
 * keyed by the two nicks, channel rows without access state) opens as
 * version 2 with its rows: the channels' and their channel rows are
 * served as before, the nick-keyed conversations to no owner's key.
 */
START_TEST(test_migrate_v1)
{
	const char *path = tmppath("v1.db");
	sqlite3 *db;
	struct hist_chan c;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
	    "CREATE TABLE messages (id INTEGER PRIMARY KEY,"
	    " msgid TEXT NOT NULL UNIQUE, time_ms INTEGER NOT NULL,"
	    " source TEXT NOT NULL, nick TEXT NOT NULL, target TEXT NOT NULL,"
	    " tkey TEXT NOT NULL, command TEXT NOT NULL, tags TEXT NOT NULL,"
	    " text TEXT NOT NULL);"
	    "CREATE INDEX messages_tkey_time ON messages (tkey, time_ms);"
	    "CREATE TABLE channels (folded TEXT PRIMARY KEY, name TEXT NOT NULL,"
	    " topic TEXT NOT NULL, topic_setter TEXT NOT NULL,"
	    " topic_time INTEGER NOT NULL, modes TEXT NOT NULL,"
	    " mode_key TEXT NOT NULL, mode_limit INTEGER NOT NULL,"
	    " created INTEGER NOT NULL) WITHOUT ROWID;"
	    "INSERT INTO messages VALUES (1, 'c1', 1000, 'alice!a@h', 'alice',"
	    " '#c', '#c', 'PRIVMSG', '', 'hi');"
	    "INSERT INTO messages VALUES (2, 'p1', 2000, 'alice!a@h', 'alice',"
	    " 'bob', 'alice bob', 'PRIVMSG', '', 'psst');"
	    "INSERT INTO channels VALUES ('#c', '#C', 't', 's', 5, 'int', '',"
	    " 0, 4);"
	    "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	open_ok(path);
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 10, false), "c1");
	ck_assert(hist_chan_get("#c", &c));
	ck_assert_str_eq(c.modes, "int");
	ck_assert_str_eq(c.bans, "");
	ck_assert_str_eq(c.opaccs, "");
	char key[HIST_KEY_MAX];
	hist_key(key, sizeof(key), "@bob", "alice");
	ck_assert_str_eq(query(HIST_LATEST, key, "*", NULL, 10, false), "");
	hist_key(key, sizeof(key), "@alice", "bob");
	ck_assert_str_eq(query(HIST_LATEST, key, "*", NULL, 10, false), "");
	/* A msgid is now unique per target: both owners' copies fit. */
	add("alice!a@h", "bob", 3000, "p2", "PRIVMSG", "new");
	hist_commit();
	hist_sync();
	ck_assert_str_eq(query(HIST_LATEST, key, "*", NULL, 10, false), "p2");
	hist_key(key, sizeof(key), "@bob", "alice");
	ck_assert_str_eq(query(HIST_LATEST, key, "*", NULL, 10, false), "p2");
	hist_close();
	/* And it stays version 2, its rows and all, when opened again. */
	open_ok(path);
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 10, false), "c1");
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM messages",
	    -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 4);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

/*
 * natterd's own msgids (base32 digits, no leading 'a') are kept as their
 * counter, any other as text: each comes back as it was, and a msgid of
 * either kind finds its row, beside rows of the other kind.
 */
START_TEST(test_msgid_forms)
{
	static const struct { const char *id; bool num; } forms[] = {
		{ "bn2ak7pqzxe", true }, { "b", true }, { "z77777777777", true },
		{ "z777777777777", false },	/* 13 digits: past 60 bits */
		{ "abc", false },		/* a leading zero */
		{ "a", false }, { "B2", false }, { "m1", false },
		{ "b-c", false }, { "", false },
	};
	char buf[32], ref[40];
	int64_t v;

	for (size_t i = 0; i < nitems(forms); i++) {
		ck_assert_msg(msgid_parse(forms[i].id, &v) == forms[i].num,
		    "%s", forms[i].id);
		if (!forms[i].num)
			continue;
		msgid_format(v, buf, sizeof(buf));
		ck_assert_str_eq(buf, forms[i].id);
	}
	/* What natterd makes is what the store keeps as a number. */
	for (int i = 0; i < 3; i++) {
		char made[32];
		msgid_new(made, sizeof(made));
		ck_assert_msg(msgid_parse(made, &v), "%s", made);
		msgid_format(v, buf, sizeof(buf));
		ck_assert_str_eq(buf, made);
	}
	open_ok(tmppath("ids.db"));
	for (size_t i = 0; i + 1 < nitems(forms); i++)
		add("x!x@h", "#ids", 1000 + (int64_t)i, forms[i].id, "PRIVMSG",
		    "x");
	hist_commit();
	ck_assert_str_eq(query(HIST_LATEST, "#ids", "*", NULL, 100, false),
	    "bn2ak7pqzxe b z77777777777 z777777777777 abc a B2 m1 b-c");
	ck_assert_int_eq(count_rows("typeof(msgid) = 'integer'"), 3);
	for (size_t i = 0; i + 1 < nitems(forms); i++) {
		snprintf(ref, sizeof(ref), "msgid=%s", forms[i].id);
		ck_assert_str_eq(query(HIST_AROUND, "#ids", ref, NULL, 1,
		    false), forms[i].id);
	}
	/* The same counter twice in a target is a duplicate, as text was. */
	add("x!x@h", "#ids", 5000, "b", "PRIVMSG", "again");
	hist_commit();
	ck_assert_int_eq(count_rows("tkey = '#ids'"), 9);
	hold_unref(hist_redact("#ids", "b"));
	hold_unref(hist_redact("#ids", "abc"));
	hist_commit();
	ck_assert_str_eq(query(HIST_LATEST, "#ids", "*", NULL, 100, false),
	    "bn2ak7pqzxe z77777777777 z777777777777 a B2 m1 b-c");
}
END_TEST

/* The keys the store has numbers for (schema 6's targets). */
static int64_t
count_keys(void)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(hsql.db, "SELECT count(*) FROM"
	    " targets", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * No key outlives its messages: a conversation pruned by age, or a
 * target whose last message is deleted, leaves no "owner nick" (who
 * talked with whom) behind; the key comes back with a new message.
 */
START_TEST(test_keys_go)
{
	int64_t now = time_now_ms(), day = 86400000;

	open_ok(tmppath("keys.db"));
	add("alice!a@h", "bob", now - 3 * day, "p1", "PRIVMSG", "old");
	add("x!x@h", "#a", now - 3 * day, "a1", "PRIVMSG", "old");
	add("x!x@h", "#b", now, "b1", "PRIVMSG", "new");
	hist_commit();
	ck_assert_int_eq(count_keys(), 4);	/* two for the conversation */
	hist_set_retention(1, 0, 0);
	prune_all();
	ck_assert_int_eq(count_keys(), 1);
	ck_assert_int_eq(count_rows("tkey = '#b'"), 1);
	hold_unref(hist_redact("#b", "b1"));
	hist_commit();
	ck_assert_int_eq(count_keys(), 0);
	add("x!x@h", "#b", now, "b2", "PRIVMSG", "again");
	hist_commit();
	ck_assert_str_eq(query(HIST_LATEST, "#b", "*", NULL, 10, false), "b2");
	ck_assert_int_eq(count_keys(), 1);
}
END_TEST

/* Each row as "msgid source>target command [tags] text;". */
static void
collect_rows(const struct hist_msg *m, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);
	snprintf(out + len, 1024 - len, "%s %s>%s %s [%s] %s;", m->msgid,
	    m->source, m->target, m->command, m->tags, m->text);
}

static bool
readable_a(const char *channel, void *arg, int64_t *since_ms,
    int64_t *since_id)
{
	(void)arg;
	*since_ms = *since_id = 0;
	return strcmp(channel, "#a") == 0;
}

/* The msgids SEARCH finds for owner (who reads #a), as "id id". */
static const char *
search(const char *owner, const char *from, const char *text)
{
	static struct got g;
	struct hist_search q = { .owner = owner, .from = from, .text = text,
	    .after_ms = INT64_MIN, .before_ms = INT64_MAX, .limit = 10,
	    .readable = readable_a };

	memset(&g, 0, sizeof(g));
	g.last_ms = INT64_MIN;
	ck_assert_int_eq(hist_search(&q, collect, &g), g.n);
	return g.ids;
}

/*
 * A database of schema 5, rows keyed by text in one table, moves to
 * schema 6 (a table clustered by target, senders and targets by number,
 * natterd's msgids by their counter) and serves the same rows: their
 * fields, paging by msgid (natterd's and others), both owners' copies of
 * a private message, SEARCH's words and from=, TARGETS, redaction, and
 * the next message after them.
 */
START_TEST(test_migrate_v5)
{
	const char *path = tmppath("v5.db");
	const char *nid = "bn2ak7pqzxe";	/* as msgid_new makes them */
	struct targets t = { .member_of = "#a" };
	char rows[1024] = "", ref[32];
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
	    "PRAGMA journal_mode = WAL;"
	    "CREATE TABLE messages (id INTEGER PRIMARY KEY,"
	    " msgid TEXT NOT NULL, time_ms INTEGER NOT NULL,"
	    " source TEXT NOT NULL, nick TEXT NOT NULL, target TEXT NOT NULL,"
	    " tkey TEXT NOT NULL, command TEXT NOT NULL, tags TEXT NOT NULL,"
	    " text TEXT NOT NULL);"
	    "CREATE INDEX messages_tkey_time ON messages (tkey, time_ms);"
	    "CREATE UNIQUE INDEX messages_msgid_tkey ON messages (msgid, tkey);"
	    "CREATE VIRTUAL TABLE msg_fts USING fts5(text,"
	    " content='messages', content_rowid='id', detail=none,"
	    " columnsize=0);"
	    "CREATE TRIGGER messages_fts_del AFTER DELETE ON messages"
	    " BEGIN INSERT INTO msg_fts (msg_fts, rowid, text)"
	    " VALUES ('delete', old.id, old.text); END;"
	    "CREATE TABLE target_last (who TEXT NOT NULL, tkey TEXT NOT NULL,"
	    " time_ms INTEGER NOT NULL, source TEXT NOT NULL,"
	    " target TEXT NOT NULL, PRIMARY KEY (who, tkey)) WITHOUT ROWID;"
	    "CREATE INDEX target_last_time ON target_last"
	    " (who, time_ms, tkey);"
	    "CREATE TABLE channels (folded TEXT PRIMARY KEY, name TEXT NOT NULL,"
	    " topic TEXT NOT NULL, topic_setter TEXT NOT NULL,"
	    " topic_time INTEGER NOT NULL, modes TEXT NOT NULL,"
	    " mode_key TEXT NOT NULL, mode_limit INTEGER NOT NULL,"
	    " created INTEGER NOT NULL, bans TEXT NOT NULL DEFAULT '',"
	    " owner TEXT NOT NULL DEFAULT '', opaccs TEXT NOT NULL DEFAULT '')"
	    " WITHOUT ROWID;"
	    "INSERT INTO messages VALUES"
	    " (1, 'bn2ak7pqzxe', 1000, 'Alice!a@h', 'alice', '#A', '#a',"
	    " 'PRIVMSG', '', 'hello quokka'),"
	    " (2, 'm2', 1500, 'Bob!b@h', 'bob', '#a', '#a', 'NOTICE', '',"
	    " 'second line'),"
	    " (3, 'r1', 1600, 'Bob!b@h', 'bob', '#a', '#a', 'TAGMSG',"
	    " '+draft/react=x;+draft/reply=m2', ''),"
	    " (4, 'p1', 2000, 'Alice!a@h', 'alice', 'Bob', '@alice bob',"
	    " 'PRIVMSG', '', 'psst quokka'),"
	    " (5, 'p1', 2000, 'Alice!a@h', 'alice', 'Bob', '@bob alice',"
	    " 'PRIVMSG', '', 'psst quokka'),"
	    " (6, 'p2', 2100, 'Bob!b@h', 'bob', 'alice', '@alice bob',"
	    " 'PRIVMSG', '', 'what'),"
	    " (7, 'p2', 2100, 'Bob!b@h', 'bob', 'alice', '@bob alice',"
	    " 'PRIVMSG', '', 'what'),"
	    " (8, 'm3', 2500, 'Alice!a@h', 'alice', '#a', '#a', 'FOO', '',"
	    " 'third');"
	    "INSERT INTO msg_fts (msg_fts) VALUES ('rebuild');"
	    "INSERT INTO target_last VALUES"
	    " ('', '#a', 2500, 'Alice!a@h', '#a'),"
	    " ('@alice', '@alice bob', 2100, 'Bob!b@h', 'alice'),"
	    " ('@bob', '@bob alice', 2100, 'Bob!b@h', 'alice');"
	    "PRAGMA user_version = 5;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* systemd (NOTIFY_SOCKET) is asked for time before rows are copied,
	 * so a unit's start timeout does not kill a long upgrade. */
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(sock, sizeof(sock), "%s", tmppath("notify"));
	path = tmppath("v5.db");	/* tmppath's buffer is its own */
	int nfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	ck_assert_int_eq(bind(nfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setenv("NOTIFY_SOCKET", sock, 1);
	open_ok(path);
	unsetenv("NOTIFY_SOCKET");
	char dgram[256];
	ssize_t dn = recv(nfd, dgram, sizeof(dgram) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(dn, 0);
	dgram[dn] = '\0';
	ck_assert_str_eq(dgram, "EXTEND_TIMEOUT_USEC=60000000\n"
	    "STATUS=upgrading history from schema 5 to 7");
	close(nfd);
	unlink(sock);

	struct hist_query q = { .sub = HIST_LATEST, .key = "#a", .limit = 10,
	    .tagmsg = true };
	ck_assert_int_eq(hist_query(&q, collect_rows, rows), 4);
	ck_assert_str_eq(rows,
	    "bn2ak7pqzxe Alice!a@h>#A PRIVMSG [] hello quokka;"
	    "m2 Bob!b@h>#a NOTICE [] second line;"
	    "r1 Bob!b@h>#a TAGMSG [+draft/react=x;+draft/reply=m2] ;"
	    "m3 Alice!a@h>#a FOO [] third;");
	snprintf(ref, sizeof(ref), "msgid=%s", nid);
	ck_assert_str_eq(query(HIST_AFTER, "#a", ref, NULL, 10, false),
	    "m2 m3");
	ck_assert_str_eq(query(HIST_BEFORE, "#a", "msgid=m3", NULL, 10, true),
	    "bn2ak7pqzxe m2 r1");
	rows[0] = '\0';
	q.key = "@bob alice";
	ck_assert_int_eq(hist_query(&q, collect_rows, rows), 2);
	ck_assert_str_eq(rows, "p1 Alice!a@h>Bob PRIVMSG [] psst quokka;"
	    "p2 Bob!b@h>alice PRIVMSG [] what;");
	ck_assert_str_eq(query(HIST_AROUND, "@alice bob", "msgid=p2", NULL, 10,
	    false), "p1 p2");

	ck_assert_str_eq(search("@alice", NULL, "quokka"), "bn2ak7pqzxe p1");
	ck_assert_str_eq(search("@carol", NULL, "quokka"), "bn2ak7pqzxe");
	ck_assert_str_eq(search("@bob", "bob", NULL), "m2 p2");
	hist_targets("@alice", 0, 100000, 10, visible, target, &t);
	ck_assert_str_eq(t.list, "Bob@2100 #a@2500");

	/* Redaction by either kind of msgid; the words go with the rows. */
	hold_unref(hist_redact("#a", nid));
	hold_unref(hist_redact("#a", "m2"));
	hist_commit();
	ck_assert_str_eq(query(HIST_LATEST, "#a", "*", NULL, 10, true),
	    "r1 m3");
	ck_assert_str_eq(search("@alice", NULL, "quokka"), "p1");
	fts_sound();
	/* A new message comes after the old ones, in time and arrival. */
	add("Alice!a@h", "#a", 2500, "m4", "PRIVMSG", "fourth");
	hist_commit();
	ck_assert_str_eq(query(HIST_LATEST, "#a", "*", NULL, 2, false),
	    "m3 m4");
	hist_close();
	open_ok(path);	/* once */
	ck_assert_str_eq(query(HIST_LATEST, "#a", "*", NULL, 10, true),
	    "r1 m3 m4");
}
END_TEST

/* Permissions, as an unprivileged user (root ignores file modes). */
START_TEST(test_no_permission)
{
	int status;

	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	ck_assert_int_eq(mkdir(tmppath("locked"), 0555), 0);
	FILE *f = fopen(tmppath("ro.db"), "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(chmod(tmppath("ro.db"), 0444), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char err[512];
		if (getuid() == 0 && setuid(65534) == -1)
			_exit(3);
		if (hist_open(tmppath("locked/sub/h.db"), true, err,
		    sizeof(err)) != -1 || strstr(err, "Permission") == NULL)
			_exit(1);
		if (hist_open(tmppath("ro.db"), true, err, sizeof(err)) != -1 ||
		    strstr(err, "ro.db") == NULL)
			_exit(2);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static void
no_target(const char *name, int64_t last_ms, void *arg)
{
	ck_abort_msg("a target from a closed store: %s", name);
}

/* Closing: the memory store forgets, the file keeps; in between, with no
 * store, every call is harmless; retention outlives the reopening. */
START_TEST(test_close)
{
	struct hist_chan c = { .name = "#c", .topic = "t", .topic_setter = "",
	    .modes = "nt", .key = "" };
	char id[16];

	open_store(_i);
	fill();
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 2, false),
	    "m9 m10");
	hist_set_retention(0, 5, 0);
	hist_close();
	ck_assert(!hist_idle_work());
	add("x!x@h", "#c", 1, "z", "PRIVMSG", "t");
	hold_unref(hist_chan_save(&c));
	hist_commit();
	ck_assert(!hist_prune());
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 2, false), "");
	ck_assert_int_eq(hist_targets("@alice", 0, 100000, 10, NULL, no_target,
	    NULL), 0);
	ck_assert(!hist_chan_get("#c", &c));
	hist_close();

	open_store(_i);
	ck_assert_str_eq(query(HIST_LATEST, "#c", "*", NULL, 100, true),
	    _i == 0 ? "" : "m1 m2 m3 m4 m5 m6 m8 m9 m10");
	ck_assert(!hist_chan_get("#c", &c));
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		add("x!x@h", "#r", 20000 + i, id, "PRIVMSG", "t");
	}
	hist_commit();
	prune_all();
	ck_assert_str_eq(query(HIST_LATEST, "#r", "*", NULL, 100, true),
	    "r5 r6 r7 r8 r9");
	ck_assert_int_eq(count_key("#c"), _i == 0 ? 0 : 5);
}
END_TEST

/* What an idle pass may find to do: old messages to look for under
 * --history-days in both stores; in the file, a checkpoint and a
 * --history-max sweep (the memory store trims as it adds). */
START_TEST(test_idle_work)
{
	open_store(_i);
	ck_assert(!hist_idle_work());
	add("x!x@h", "#i", time_now_ms(), "i1", "PRIVMSG", "t");
	hist_commit();
	ck_assert(hist_idle_work() == (_i == 1));	/* the WAL */
	ck_assert(!hist_prune());
	ck_assert(!hist_idle_work());
	hist_set_retention(0, 1, 0);
	ck_assert(hist_idle_work() == (_i == 1));	/* the sweep */
	prune_all();
	ck_assert(!hist_idle_work() || hsql.wal_pages > 0);
	hist_set_retention(3, 0, 0);
	ck_assert(hist_idle_work());
	prune_all();
	ck_assert(hist_idle_work());	/* it looks again later */
	ck_assert_int_eq(count_key("#i"), 1);
}
END_TEST

static Suite *
history_suite(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_key);
	tcase_add_test(tc, test_ref_parse);
	tcase_add_loop_test(tc, test_latest, 0, 2);
	tcase_add_loop_test(tc, test_reactions, 0, 2);
	tcase_add_loop_test(tc, test_before_after, 0, 2);
	tcase_add_loop_test(tc, test_around, 0, 2);
	tcase_add_loop_test(tc, test_between, 0, 2);
	tcase_add_loop_test(tc, test_private, 0, 2);
	tcase_add_loop_test(tc, test_targets, 0, 2);
	tcase_add_loop_test(tc, test_order, 0, 2);
	tcase_add_loop_test(tc, test_retention_max, 0, 2);
	tcase_add_loop_test(tc, test_retention_days, 0, 2);
	tcase_add_loop_test(tc, test_retention_bytes, 0, 2);
	tcase_add_test(tc, test_persistence);
	tcase_add_test(tc, test_bounded_rows);
	tcase_add_test(tc, test_batch_writes);
	tcase_add_test(tc, test_migration);
	tcase_add_test(tc, test_kill_after_commit);
	tcase_add_test(tc, test_close_empties_wal);
	tcase_add_test(tc, test_commit_histogram);
	tcase_add_test(tc, test_wal_gathered);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_checkpoint);
	tcase_add_test(tc, test_locked);
	tcase_add_test(tc, test_prune_locked);
	tcase_add_test(tc, test_unusable);
	tcase_add_test(tc, test_migrate_v1);
	tcase_add_test(tc, test_migrate_v5);
	tcase_add_test(tc, test_msgid_forms);
	tcase_add_test(tc, test_keys_go);
	tcase_add_test(tc, test_no_permission);
	tcase_add_loop_test(tc, test_close, 0, 2);
	tcase_add_loop_test(tc, test_idle_work, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(history_suite());
	log_init("check_history", LOG_LEVEL_ERROR, false);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
