/*
 * history.c: durable history in SQLite; with --db none, the same
 * functions over hist-mem.c's store in memory.
 *
 * One connection, WAL journal, every statement prepared once at open.
 * The writes of one loop pass share one transaction, begun on the first
 * write and committed by hist_commit before the loop writes any output:
 * the group commit the durability promise in natterd(8) rests on: once
 * COMMIT returns, the pass's messages are in the WAL file, and a kill -9
 * of natterd right after loses none of them.
 *
 * synchronous=NORMAL: COMMIT writes the WAL but does not fsync it; that
 * waits for a checkpoint, which this file runs itself (SQLite's automatic
 * one is off) when the loop is idle, at most once a second, or at once
 * when the WAL has grown past HIST_WAL_FORCE pages under endless load.
 * An fsync per pass, or a checkpoint in the middle of a burst, would cost
 * a disk flush (0.3 ms to 10 ms here) in a busy pass, past the whole
 * latency budget. So a power cut or kernel crash may lose the messages of
 * the last busy second or so; SQLite's WAL keeps the database itself
 * consistent either way.
 *
 * Order: messages are ordered by (time_ms, id), id being the insertion
 * order, so two messages of the same millisecond still have a fixed order
 * (chathistory, "Returned message notes"). Every query below is "the rows
 * of one target strictly between two such positions, the first or last
 * n of them", returned in ascending order.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "natterd.h"

#define HIST_BUSY_MS 100	/* longest a lock held by another process stalls a pass */
#define HIST_PRUNE_BATCH 500	/* rows deleted per hist_prune call */
#define HIST_AGE_CHECK_MS 60000	/* how often --history-days looks for old rows */
#define HIST_RETRY_MS 5000	/* pruning pauses this long after a failure */
#define HIST_SYNC_MS 1000	/* idle checkpoints (fsync) at most this often */
#define HIST_WAL_FORCE 16384	/* WAL pages (64 MiB) that force a checkpoint */
#define HIST_SCHEMA_VERSION 1

static const char hist_schema[] =
	"CREATE TABLE IF NOT EXISTS messages ("
	" id INTEGER PRIMARY KEY,"	/* insertion order: ties of time_ms */
	" msgid TEXT NOT NULL UNIQUE,"
	" time_ms INTEGER NOT NULL,"	/* server-time, ms since the epoch */
	" source TEXT NOT NULL,"	/* nick!user@host */
	" nick TEXT NOT NULL,"		/* sender's nick, case-folded */
	" target TEXT NOT NULL,"	/* as sent */
	" tkey TEXT NOT NULL,"		/* hist_key(): channel or conversation */
	" command TEXT NOT NULL,"
	" tags TEXT NOT NULL,"
	" text TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS messages_tkey_time"
	" ON messages (tkey, time_ms);"
	/* No index on time_ms alone: one b-tree less per stored message.
	 * TARGETS walks the targets instead, --history-days the arrival
	 * order. (Early builds made one.) */
	"DROP INDEX IF EXISTS messages_time;"
	"CREATE TABLE IF NOT EXISTS channels ("
	" folded TEXT PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" topic TEXT NOT NULL,"
	" topic_setter TEXT NOT NULL,"
	" topic_time INTEGER NOT NULL,"
	" modes TEXT NOT NULL,"
	" mode_key TEXT NOT NULL,"
	" mode_limit INTEGER NOT NULL,"
	" created INTEGER NOT NULL) WITHOUT ROWID;";

enum hist_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_INSERT,
	ST_MSGID,
	ST_FIRST,	/* the first n rows of a range */
	ST_LAST,	/* the last n rows of a range, ascending */
	ST_KEY_LATEST,	/* a target's latest row in a time window */
	ST_CHAN_PUT,
	ST_CHAN_GET,
	ST_CHAN_DEL,
	ST_OLD_ANY,
	ST_OLD_DEL,
	ST_KEY_NEXT,
	ST_KEY_CUTOFF,
	ST_KEY_DEL,
	ST_COUNT
};

#define HIST_COLS "msgid, time_ms, source, target, command, tags, text"
#define HIST_RANGE \
	" FROM messages WHERE tkey = ?1" \
	" AND (time_ms, id) > (?2, ?3) AND (time_ms, id) < (?4, ?5)" \
	" AND (?6 OR command <> 'TAGMSG')"
static const char *const hist_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_INSERT] = "INSERT INTO messages"
	    " (msgid, time_ms, source, nick, target, tkey, command, tags, text)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_MSGID] = "SELECT time_ms, id FROM messages"
	    " WHERE msgid = ?1 AND tkey = ?2",
	[ST_FIRST] = "SELECT " HIST_COLS HIST_RANGE
	    " ORDER BY time_ms, id LIMIT ?7",
	[ST_LAST] = "SELECT " HIST_COLS " FROM (SELECT id, " HIST_COLS
	    HIST_RANGE " ORDER BY time_ms DESC, id DESC LIMIT ?7)"
	    " ORDER BY time_ms, id",
	[ST_KEY_LATEST] = "SELECT time_ms, source, target FROM messages"
	    " WHERE tkey = ?1 AND time_ms > ?2 AND time_ms < ?3"
	    " ORDER BY time_ms DESC, id DESC LIMIT 1",
	[ST_CHAN_PUT] = "INSERT OR REPLACE INTO channels (folded, name, topic,"
	    " topic_setter, topic_time, modes, mode_key, mode_limit, created)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_CHAN_GET] = "SELECT name, topic, topic_setter, topic_time, modes,"
	    " mode_key, mode_limit, created FROM channels WHERE folded = ?1",
	[ST_CHAN_DEL] = "DELETE FROM channels WHERE folded = ?1",
	[ST_OLD_ANY] = "SELECT time_ms FROM messages ORDER BY id LIMIT 1",
	[ST_OLD_DEL] = "DELETE FROM messages WHERE id IN (SELECT id FROM messages"
	    " ORDER BY id LIMIT ?2) AND time_ms < ?1",
	[ST_KEY_NEXT] = "SELECT tkey FROM messages WHERE tkey > ?1"
	    " ORDER BY tkey LIMIT 1",
	[ST_KEY_CUTOFF] = "SELECT time_ms, id FROM messages WHERE tkey = ?1"
	    " ORDER BY time_ms DESC, id DESC LIMIT 1 OFFSET ?2",
	[ST_KEY_DEL] = "DELETE FROM messages WHERE id IN (SELECT id FROM messages"
	    " WHERE tkey = ?1 AND (time_ms, id) <= (?2, ?3)"
	    " ORDER BY time_ms, id LIMIT ?4)",
};

static const struct hist_pos hist_min = { INT64_MIN, INT64_MIN };
static const struct hist_pos hist_max = { INT64_MAX, INT64_MAX };

static struct {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	bool in_txn;		/* this pass's transaction is open */
	bool pass_failed;	/* a write of this pass failed: skip the rest */
	size_t pass_writes;	/* writes queued in this pass */
	unsigned long lost;	/* writes lost since the last good commit */
	bool failing;		/* the failure is logged; quiet until it heals */
	bool memory;		/* --db none */
	int wal_pages;		/* in the WAL since the last checkpoint */
	int wal_force;		/* HIST_WAL_FORCE (tests lower it) */
	int64_t next_sync;	/* monotonic ms: no checkpoint before */

	int days, max_per_target;
	bool prune_keys;	/* a --history-max sweep is due */
	bool prune_dirty;	/* messages were added during the sweep */
	char prune_cursor[HIST_KEY_MAX];
	int64_t next_age_check;	/* monotonic ms */
	int64_t prune_pause;	/* monotonic ms: no pruning before */

	/* hist_chan_get's strings: name, topic, setter, modes, key */
	char chanbuf[IRC_CHAN_MAX + IRC_TOPIC_MAX + IRC_NICK_MAX +
	    IRC_USER_MAX + IRC_HOST_MAX + 64 + IRC_KEY_MAX + 16];
} hist;

static int
hist_cmp(struct hist_pos a, struct hist_pos b)
{
	if (a.time_ms != b.time_ms)
		return a.time_ms < b.time_ms ? -1 : 1;
	if (a.id != b.id)
		return a.id < b.id ? -1 : 1;
	return 0;
}

/* The one line the log shows for a database failure. */
static void
hist_fail(const char *what)
{
	if (!hist.failing)
		log_error("history write failed: %s: %s; messages are relayed"
		    " but not stored until the database works again", what,
		    sqlite3_errmsg(hist.db));
	hist.failing = true;
}

/* Run a statement with no result rows; true on success. */
static bool
hist_exec(enum hist_stmt s)
{
	sqlite3_stmt *st = hist.st[s];
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

/* Copy the WAL into the database, fsyncing both (synchronous=NORMAL). */
static void
hist_checkpoint(int64_t now)
{
	int rc = sqlite3_wal_checkpoint_v2(hist.db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK)
		log_warn("history: checkpoint: %s", sqlite3_errmsg(hist.db));
	hist.wal_pages = 0;
	hist.next_sync = now + HIST_SYNC_MS;
}

/* After each commit: replaces SQLite's automatic checkpoint. */
static int
hist_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	hist.wal_pages = pages;
	return SQLITE_OK;
}

/* Begin the pass's transaction on its first write; false if the pass is
 * already lost. */
static bool
hist_begin(void)
{
	if (hist.db == NULL)
		return false;
	if (hist.in_txn) {
		hist.pass_writes++;
		return !hist.pass_failed;
	}
	hist.in_txn = true;
	hist.pass_writes = 1;
	hist.pass_failed = !hist_exec(ST_BEGIN);
	if (hist.pass_failed)
		hist_fail("cannot begin a transaction");
	return !hist.pass_failed;
}

/* A write inside the pass failed. SQLite may have rolled the whole
 * transaction back (SQLITE_FULL, SQLITE_IOERR...); either way the pass
 * counts as lost. A duplicate msgid loses only that row. */
static void
hist_write_failed(int rc, const char *what)
{
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		log_warn("history: %s: %s", what, sqlite3_errmsg(hist.db));
		return;
	}
	hist_fail(what);
	hist.pass_failed = true;
}

void
hist_commit(void)
{
	if (!hist.in_txn)
		return;
	hist.in_txn = false;
	bool ok = !hist.pass_failed;
	if (!sqlite3_get_autocommit(hist.db)) {
		if (ok && !hist_exec(ST_COMMIT)) {
			hist_fail("commit");
			ok = false;
		}
		if (!sqlite3_get_autocommit(hist.db))
			hist_exec(ST_ROLLBACK);
	} else
		ok = false;
	if (!ok) {
		hist.lost += hist.pass_writes;
		return;
	}
	if (hist.failing)
		log_warn("history: the database works again; %lu writes were"
		    " not stored", hist.lost);
	hist.failing = false;
	hist.lost = 0;
	if (hist.wal_pages > hist.wal_force)
		hist_checkpoint(time_mono_ms());
}

/* Bind a possibly NULL string as text. */
static void
hist_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_STATIC);
}

size_t
hist_key(char *buf, size_t cap, const char *me, const char *target)
{
	char a[IRC_NICK_MAX + 1], b[IRC_NICK_MAX + 1];

	if (irc_is_channel(target)) {
		irc_casefold(buf, target, cap);
		return strlen(buf);
	}
	irc_casefold(a, me, sizeof(a));
	irc_casefold(b, target, sizeof(b));
	/* Both parties must compute the same key: sort the two nicks. A space
	 * can be in neither a nick nor a channel name. */
	const char *lo = strcmp(a, b) <= 0 ? a : b, *hi = lo == a ? b : a;
	size_t ll = strlen(lo), hl = strlen(hi);
	/* Once per stored private message: copies, not snprintf. */
	if (ll + 1 + hl >= cap)
		return 0;
	memcpy(buf, lo, ll);
	buf[ll] = ' ';
	memcpy(buf + ll + 1, hi, hl);
	buf[ll + 1 + hl] = '\0';
	return ll + 1 + hl;
}

void
hist_add(const struct hist_msg *m)
{
	char nick[IRC_NICK_MAX + 1], folded[IRC_NICK_MAX + 1];
	char key[HIST_KEY_MAX];

	if (!hist.memory && !hist_begin())
		return;
	irc_source_split(m->source, nick, sizeof(nick), NULL, 0, NULL, 0);
	if (hist_key(key, sizeof(key), nick, m->target) == 0)
		return;
	if (hist.memory) {
		hmem_add(m, key);
		return;
	}
	irc_casefold(folded, nick, sizeof(folded));

	sqlite3_stmt *st = hist.st[ST_INSERT];
	hist_bind_text(st, 1, m->msgid);
	sqlite3_bind_int64(st, 2, m->time_ms);
	hist_bind_text(st, 3, m->source);
	hist_bind_text(st, 4, folded);
	hist_bind_text(st, 5, m->target);
	hist_bind_text(st, 6, key);
	hist_bind_text(st, 7, m->command);
	hist_bind_text(st, 8, m->tags);
	hist_bind_text(st, 9, m->text);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		hist_write_failed(rc, "storing a message");
	if (hist.max_per_target > 0) {
		hist.prune_keys = true;
		hist.prune_dirty = true;
	}
}

/* queries */

bool
hist_ref_parse(const char *s, struct hist_ref *r, bool star_ok)
{
	memset(r, 0, sizeof(*r));
	if (strcmp(s, "*") == 0) {
		r->type = HIST_REF_NONE;
		return star_ok;
	}
	if (strncmp(s, "timestamp=", 10) == 0) {
		r->type = HIST_REF_TIME;
		return time_parse(s + 10, &r->time_ms);
	}
	if (strncmp(s, "msgid=", 6) == 0) {
		r->type = HIST_REF_MSGID;
		s += 6;
		return *s != '\0' &&
		    str_copy(r->msgid, s, sizeof(r->msgid)) < sizeof(r->msgid);
	}
	return false;
}

/* The position of message msgid in target key, or false if unknown. */
static bool
hist_find(const char *key, const char *msgid, struct hist_pos *p)
{
	if (hist.memory)
		return hmem_find(key, msgid, p);
	sqlite3_stmt *st = hist.st[ST_MSGID];
	hist_bind_text(st, 1, msgid);
	hist_bind_text(st, 2, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->time_ms = sqlite3_column_int64(st, 0);
		p->id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/*
 * Where a reference bounds a range. A msgid stands for its message; a
 * timestamp excludes every message of that millisecond from both sides
 * ("before and excluding", "after and excluding"), so its lower bound
 * sorts after and its upper bound before all of them.
 */
static bool
hist_resolve(const char *key, const struct hist_ref *r,
    struct hist_pos *lower, struct hist_pos *upper)
{
	switch (r->type) {
	case HIST_REF_NONE:
		*lower = hist_min;
		*upper = hist_max;
		return true;
	case HIST_REF_TIME:
		lower->time_ms = upper->time_ms = r->time_ms;
		lower->id = INT64_MAX;
		upper->id = 0;	/* ids start at 1 */
		return true;
	case HIST_REF_MSGID:
		if (!hist_find(key, r->msgid, lower))
			return false;
		*upper = *lower;
		return true;
	}
	return false;
}

/* Call fn on the first (or last) n rows strictly between lo and hi. */
static int
hist_range(const struct hist_query *q, struct hist_pos lo, struct hist_pos hi,
    int n, bool last, hist_row_fn *fn, void *arg)
{
	sqlite3_stmt *st = hist.st[last ? ST_LAST : ST_FIRST];
	struct hist_msg m;
	int count = 0, rc;

	if (n <= 0)
		return 0;
	if (hist.memory)
		return hmem_range(q->key, lo, hi, n, last, q->tagmsg, fn, arg);
	hist_bind_text(st, 1, q->key);
	sqlite3_bind_int64(st, 2, lo.time_ms);
	sqlite3_bind_int64(st, 3, lo.id);
	sqlite3_bind_int64(st, 4, hi.time_ms);
	sqlite3_bind_int64(st, 5, hi.id);
	sqlite3_bind_int(st, 6, q->tagmsg);
	sqlite3_bind_int(st, 7, n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&m, 0, sizeof(m));
		str_copy(m.msgid, (const char *)sqlite3_column_text(st, 0),
		    sizeof(m.msgid));
		m.time_ms = sqlite3_column_int64(st, 1);
		m.source = (const char *)sqlite3_column_text(st, 2);
		m.target = (const char *)sqlite3_column_text(st, 3);
		m.command = (const char *)sqlite3_column_text(st, 4);
		m.tags = (const char *)sqlite3_column_text(st, 5);
		m.text = (const char *)sqlite3_column_text(st, 6);
		fn(&m, arg);
		count++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_error("history: reading %s: %s", q->key,
		    sqlite3_errmsg(hist.db));
		return -1;
	}
	return count;
}

int
hist_query(const struct hist_query *q, hist_row_fn *fn, void *arg)
{
	struct hist_pos alo, ahi, blo, bhi;
	int before, after, n = q->limit;

	if (hist.db == NULL && !hist.memory)
		return 0;
	if (!hist_resolve(q->key, &q->a, &alo, &ahi))
		return 0;	/* an unknown msgid: nothing to show */
	switch (q->sub) {
	case HIST_LATEST:
		return hist_range(q, alo, hist_max, n, true, fn, arg);
	case HIST_BEFORE:
		if (q->a.type == HIST_REF_NONE)
			return 0;
		return hist_range(q, hist_min, ahi, n, true, fn, arg);
	case HIST_AFTER:
		if (q->a.type == HIST_REF_NONE)
			return 0;
		return hist_range(q, alo, hist_max, n, false, fn, arg);
	case HIST_AROUND:
		if (q->a.type == HIST_REF_NONE || n <= 0)
			return 0;
		/*
		 * Half before, the rest from the reference on: a msgid's own
		 * message comes first in that second half, so AROUND msgid=x 1
		 * is x itself. Lowering the lower bound by one id makes it
		 * inclusive.
		 */
		before = n / 2;
		if (q->a.type == HIST_REF_MSGID)
			before = (n - 1) / 2;
		after = n - before;
		int got = hist_range(q, hist_min, ahi, before, true, fn, arg);
		if (got < 0)
			return -1;
		ahi.id--;
		int more = hist_range(q, ahi, hist_max, after, false, fn, arg);
		return more < 0 ? -1 : got + more;
	case HIST_BETWEEN:
		if (q->a.type == HIST_REF_NONE || q->b.type == HIST_REF_NONE)
			return 0;
		if (!hist_resolve(q->key, &q->b, &blo, &bhi))
			return 0;
		/* Counted from the first reference, which may be the later. */
		if (hist_cmp(alo, bhi) <= 0)
			return hist_range(q, alo, bhi, n, false, fn, arg);
		return hist_range(q, blo, ahi, n, true, fn, arg);
	}
	return 0;
}

/* Is key the conversation of folded nick me? */
static bool
hist_key_has(const char *key, const char *me)
{
	const char *sp = strchr(key, ' ');
	size_t n = strlen(me);

	if (sp == NULL)
		return false;
	return ((size_t)(sp - key) == n && strncmp(key, me, n) == 0) ||
	    strcmp(sp + 1, me) == 0;
}

struct hist_found {
	char key[HIST_KEY_MAX];
	char name[IRC_CHAN_MAX + 1];
	int64_t time_ms;
};

/* TARGETS' findings so far, and what decides which count. */
struct hist_found_list {
	struct hist_found *v;
	size_t n, cap;
	char me[IRC_NICK_MAX + 1];	/* folded */
	hist_visible_fn *visible;
	void *arg;
};

static int
hist_found_cmp(const void *a, const void *b)
{
	const struct hist_found *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* A target and its latest message in the window: listed if the asker may
 * read it. (hmem_latest_fn, and the SQLite walk's step.) */
static void
hist_found_add(const char *key, int64_t time_ms, const char *source,
    const char *target, void *arg)
{
	struct hist_found_list *l = arg;
	char nick[IRC_NICK_MAX + 1], folded[IRC_NICK_MAX + 1];
	const char *name = target;
	bool chan = irc_is_channel(key);

	if (!chan && !hist_key_has(key, l->me))
		return;
	if (!chan) {
		/* A conversation is named for the other party. */
		irc_source_split(source, nick, sizeof(nick), NULL, 0, NULL, 0);
		irc_casefold(folded, nick, sizeof(folded));
		if (strcmp(folded, l->me) != 0)
			name = nick;
	} else if (l->visible != NULL && !l->visible(name, l->arg))
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	struct hist_found *f = &l->v[l->n++];
	str_copy(f->key, key, sizeof(f->key));
	str_copy(f->name, name, sizeof(f->name));
	f->time_ms = time_ms;
}

/*
 * Walk the targets in key order (an index seek each), and look up the
 * latest message in the window of those the asker may read. Cheaper than
 * a scan of the window when history is long, and it spares every insert
 * an index on time alone. False on a database error.
 */
static bool
hist_targets_walk(struct hist_found_list *l, int64_t lo_ms, int64_t hi_ms)
{
	char key[HIST_KEY_MAX] = "";
	int rc;

	for (;;) {
		sqlite3_stmt *st = hist.st[ST_KEY_NEXT];
		hist_bind_text(st, 1, key);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			str_copy(key, (const char *)sqlite3_column_text(st, 0),
			    sizeof(key));
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			break;
		if (!irc_is_channel(key) && !hist_key_has(key, l->me))
			continue;

		st = hist.st[ST_KEY_LATEST];
		hist_bind_text(st, 1, key);
		sqlite3_bind_int64(st, 2, lo_ms);
		sqlite3_bind_int64(st, 3, hi_ms);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			hist_found_add(key, sqlite3_column_int64(st, 0),
			    (const char *)sqlite3_column_text(st, 1),
			    (const char *)sqlite3_column_text(st, 2), l);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
	}
	if (rc == SQLITE_DONE)
		return true;
	log_error("history: listing targets: %s", sqlite3_errmsg(hist.db));
	return false;
}

int
hist_targets(const char *me, int64_t from_ms, int64_t to_ms, int limit,
    hist_visible_fn *visible, hist_target_fn *fn, void *arg)
{
	struct hist_found_list l = { .visible = visible, .arg = arg };
	bool last = from_ms > to_ms;
	int64_t lo = last ? to_ms : from_ms, hi = last ? from_ms : to_ms;

	if ((hist.db == NULL && !hist.memory) || limit <= 0)
		return 0;
	irc_casefold(l.me, me, sizeof(l.me));
	if (hist.memory)
		hmem_latest_each(lo, hi, hist_found_add, &l);
	else if (!hist_targets_walk(&l, lo, hi)) {
		free(l.v);
		return -1;
	}
	if (l.n > 0)
		qsort(l.v, l.n, sizeof(*l.v), hist_found_cmp);
	/* Counted from the first timestamp, handed out ascending. */
	size_t count = l.n < (size_t)limit ? l.n : (size_t)limit;
	size_t first = last ? l.n - count : 0;
	for (size_t i = first; i < first + count; i++)
		fn(l.v[i].name, l.v[i].time_ms, arg);
	free(l.v);
	return (int)count;
}

/* channels */

void
hist_chan_save(const struct hist_chan *c)
{
	char folded[IRC_CHAN_MAX + 1];

	if (!hist_begin())
		return;
	irc_casefold(folded, c->name, sizeof(folded));
	sqlite3_stmt *st = hist.st[ST_CHAN_PUT];
	hist_bind_text(st, 1, folded);
	hist_bind_text(st, 2, c->name);
	hist_bind_text(st, 3, c->topic);
	hist_bind_text(st, 4, c->topic_setter);
	sqlite3_bind_int64(st, 5, c->topic_time);
	hist_bind_text(st, 6, c->modes);
	hist_bind_text(st, 7, c->key);
	sqlite3_bind_int(st, 8, c->limit);
	sqlite3_bind_int64(st, 9, c->created);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		hist_write_failed(rc, "saving a channel");
}

void
hist_chan_forget(const char *name)
{
	char folded[IRC_CHAN_MAX + 1];

	if (!hist_begin())
		return;
	irc_casefold(folded, name, sizeof(folded));
	sqlite3_stmt *st = hist.st[ST_CHAN_DEL];
	hist_bind_text(st, 1, folded);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		hist_write_failed(rc, "forgetting a channel");
}

/* Copy column i of st into hist.chanbuf at *pos; returns the copy. */
static const char *
hist_chan_str(sqlite3_stmt *st, int i, size_t *pos)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	char *dst = hist.chanbuf + *pos;
	size_t cap = sizeof(hist.chanbuf) - *pos;

	if (s == NULL || cap == 0)
		return "";
	*pos += utf8_truncate(s, strlen(s), cap - 1) + 1;
	str_copy(dst, s, hist.chanbuf + *pos - dst);
	return dst;
}

bool
hist_chan_get(const char *name, struct hist_chan *c)
{
	char folded[IRC_CHAN_MAX + 1];
	size_t pos = 0;

	memset(c, 0, sizeof(*c));
	if (hist.db == NULL)
		return false;
	irc_casefold(folded, name, sizeof(folded));
	sqlite3_stmt *st = hist.st[ST_CHAN_GET];
	hist_bind_text(st, 1, folded);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->name = hist_chan_str(st, 0, &pos);
		c->topic = hist_chan_str(st, 1, &pos);
		c->topic_setter = hist_chan_str(st, 2, &pos);
		c->topic_time = sqlite3_column_int64(st, 3);
		c->modes = hist_chan_str(st, 4, &pos);
		c->key = hist_chan_str(st, 5, &pos);
		c->limit = sqlite3_column_int(st, 6);
		c->created = sqlite3_column_int64(st, 7);
	} else if (rc != SQLITE_DONE)
		log_error("history: reading channel %s: %s", name,
		    sqlite3_errmsg(hist.db));
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/* retention */

void
hist_set_retention(int days, int max_per_target)
{
	hist.days = days > 0 ? days : 0;
	hist.max_per_target = max_per_target > 0 ? max_per_target : 0;
	hist.prune_keys = hist.max_per_target > 0 && !hist.memory;
	hist.prune_dirty = false;
	if (hist.memory)
		hmem_set_max((size_t)hist.max_per_target);
	hist.prune_cursor[0] = '\0';
	hist.next_age_check = 0;
}

/* Run a pruning DELETE; the rows it removed, or -1. */
static int
hist_delete(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warn("history: pruning: %s", sqlite3_errmsg(hist.db));
		hist.prune_pause = time_mono_ms() + HIST_RETRY_MS;
		return -1;
	}
	return sqlite3_changes(hist.db);
}

/*
 * One batch of messages older than --history-days; true if more may
 * remain. They go in arrival order, which is time order unless the clock
 * was set back: so a message goes once it is old and so is every message
 * that arrived before it.
 */
static bool
hist_prune_old(int64_t now)
{
	int64_t cutoff = time_now_ms() - (int64_t)hist.days * 86400000;
	sqlite3_stmt *st;

	if (now < hist.next_age_check)
		return false;
	if (hist.memory) {
		if (hmem_prune_old(cutoff, HIST_PRUNE_BATCH) == HIST_PRUNE_BATCH)
			return true;
		hist.next_age_check = now + HIST_AGE_CHECK_MS;
		return false;
	}
	st = hist.st[ST_OLD_ANY];
	int rc = sqlite3_step(st);
	bool old = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) < cutoff;
	sqlite3_reset(st);
	if (!old) {
		hist.next_age_check = now + HIST_AGE_CHECK_MS;
		return false;
	}
	st = hist.st[ST_OLD_DEL];
	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_int(st, 2, HIST_PRUNE_BATCH);
	int n = hist_delete(st);
	if (n <= 0)
		hist.next_age_check = now + HIST_AGE_CHECK_MS;
	return n > 0;
}

/*
 * One step of the --history-max sweep, which visits the targets in key
 * order, one per call: one batch of the current target's oldest rows past
 * the limit. False when the sweep is over.
 */
static bool
hist_prune_key(void)
{
	sqlite3_stmt *st = hist.st[ST_KEY_CUTOFF];
	struct hist_pos cut;

	if (hist.prune_cursor[0] != '\0') {
		hist_bind_text(st, 1, hist.prune_cursor);
		sqlite3_bind_int(st, 2, hist.max_per_target);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			cut.time_ms = sqlite3_column_int64(st, 0);
			cut.id = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (rc == SQLITE_ROW) {
			st = hist.st[ST_KEY_DEL];
			hist_bind_text(st, 1, hist.prune_cursor);
			sqlite3_bind_int64(st, 2, cut.time_ms);
			sqlite3_bind_int64(st, 3, cut.id);
			sqlite3_bind_int(st, 4, HIST_PRUNE_BATCH);
			int n = hist_delete(st);
			if (n < 0 || n == HIST_PRUNE_BATCH)
				return true;	/* stay on this target */
		}
	}
	st = hist.st[ST_KEY_NEXT];
	hist_bind_text(st, 1, hist.prune_cursor);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		str_copy(hist.prune_cursor,
		    (const char *)sqlite3_column_text(st, 0),
		    sizeof(hist.prune_cursor));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return true;
	/* Swept every target; again only if something was added meanwhile. */
	hist.prune_cursor[0] = '\0';
	hist.prune_keys = hist.prune_dirty;
	hist.prune_dirty = false;
	return hist.prune_keys;
}

bool
hist_idle_work(void)
{
	if (hist.memory)
		return hist.days > 0;
	if (hist.db == NULL)
		return false;
	return hist.wal_pages > 0 || hist.days > 0 ||
	    (hist.max_per_target > 0 && hist.prune_keys);
}

bool
hist_prune(void)
{
	int64_t now = time_mono_ms();

	if (hist.db == NULL && !hist.memory)
		return false;
	if (hist.wal_pages > 0 && now >= hist.next_sync)
		hist_checkpoint(now);
	if (now < hist.prune_pause)
		return false;
	if (hist.days > 0 && hist_prune_old(now))
		return true;
	if (hist.max_per_target > 0 && hist.prune_keys)
		return hist_prune_key();
	return false;
}

/* open and close */

/* mkdir -p the directory part of path. */
static int
hist_mkdirs(const char *path, char *err, size_t errcap)
{
	char dir[PATH_MAX];

	if (str_copy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		snprintf(err, errcap, "cannot open database %s: path too long",
		    path);
		return -1;
	}
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errcap, "cannot open database %s: cannot"
			    " create directory %s: %s", path, dir,
			    strerror(errno));
			return -1;
		}
		if (c == '\0')
			break;
		*p = c;
	}
	return 0;
}

static int
hist_open_fail(const char *path, const char *why, char *err, size_t errcap)
{
	snprintf(err, errcap, "cannot open database %s: %s", path, why);
	hist_close();
	return -1;
}

int
hist_open(const char *path, char *err, size_t errcap)
{
	struct stat sb;
	bool memory = path == NULL || strcmp(path, "none") == 0;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX;
	char *msg = NULL;

	if (errcap > 0)
		err[0] = '\0';
	/* natterd has one thread: SQLite's mutexes and its malloc statistics
	 * (a global lock around every allocation) are pure cost, a tenth of
	 * a stored message. Only possible before SQLite starts; later calls
	 * fail harmlessly. */
	static bool configured;
	if (!configured) {
		sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = true;
	}
	hist_close();
	if (memory) {
		hist.memory = true;
		hist_set_retention(hist.days, hist.max_per_target);
		return 0;
	}
	if (hist_mkdirs(path, err, errcap) == -1)
		return -1;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return hist_open_fail(path, "is a directory", err, errcap);
	/* Private messages live here: create it unreadable by others before
	 * SQLite does (its journals inherit the mode). */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return hist_open_fail(path, strerror(errno), err, errcap);
	close(fd);
	if (sqlite3_open_v2(path, &hist.db, flags, NULL) != SQLITE_OK) {
		if (hist.db == NULL)
			return hist_open_fail(path, "out of memory", err,
			    errcap);
		return hist_open_fail(path, sqlite3_errmsg(hist.db), err,
		    errcap);
	}
	/* SQLite quietly opens a file it may not write read-only. */
	if (sqlite3_db_readonly(hist.db, "main") == 1)
		return hist_open_fail(path, "read-only", err, errcap);
	sqlite3_busy_timeout(hist.db, HIST_BUSY_MS);
	sqlite3_extended_result_codes(hist.db, 1);

	/* The first read tells a file that is not a database; the version
	 * write probes that we may write it and its WAL. */
	int version = -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(hist.db, "PRAGMA user_version", -1, &st,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (version < 0)
		return hist_open_fail(path, sqlite3_errmsg(hist.db), err,
		    errcap);
	if (version > HIST_SCHEMA_VERSION)
		return hist_open_fail(path, "written by a newer natterd", err,
		    errcap);
	if (sqlite3_prepare_v2(hist.db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK)
		return hist_open_fail(path, sqlite3_errmsg(hist.db), err,
		    errcap);
	int rc = sqlite3_step(st);
	bool wal = rc == SQLITE_ROW && strcmp((const char *)
	    sqlite3_column_text(st, 0), "wal") == 0;
	sqlite3_finalize(st);
	if (!wal)
		return hist_open_fail(path, rc == SQLITE_ROW ?
		    "cannot use a write-ahead log" : sqlite3_errmsg(hist.db),
		    err, errcap);
	char sql[sizeof(hist_schema) + 128];
	snprintf(sql, sizeof(sql), "PRAGMA synchronous = NORMAL;"
	    "BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
	    hist_schema, HIST_SCHEMA_VERSION);
	if (sqlite3_exec(hist.db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		char why[256];
		str_copy(why, msg != NULL ? msg : "cannot write", sizeof(why));
		sqlite3_free(msg);
		return hist_open_fail(path, why, err, errcap);
	}
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(hist.db, hist_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &hist.st[i], NULL) != SQLITE_OK)
			return hist_open_fail(path, sqlite3_errmsg(hist.db),
			    err, errcap);
	}
	sqlite3_wal_hook(hist.db, hist_wal_hook, NULL);
	hist.wal_force = HIST_WAL_FORCE;
	hist_set_retention(hist.days, hist.max_per_target);
	return 0;
}

void
hist_close(void)
{
	if (hist.memory) {
		hmem_clear();
		hist.memory = false;
	}
	if (hist.db == NULL)
		return;
	hist_commit();
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(hist.st[i]);
		hist.st[i] = NULL;
	}
	sqlite3_close(hist.db);
	hist.db = NULL;
	hist.in_txn = false;
	hist.failing = false;
	hist.wal_pages = 0;
	hist.lost = 0;
}

const char *
hist_default_path(void)
{
	static char path[PATH_MAX];
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;

	/* XDG base directories: a relative value is to be ignored. */
	if (state != NULL && state[0] == '/')
		n = snprintf(path, sizeof(path), "%s/natterd/history.db",
		    state);
	else if (home != NULL && home[0] == '/')
		n = snprintf(path, sizeof(path),
		    "%s/.local/state/natterd/history.db", home);
	else
		return NULL;
	return n > 0 && (size_t)n < sizeof(path) ? path : NULL;
}
