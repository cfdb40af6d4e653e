/*
 * hist-sqlite.c: the durable history store, an SQLite file (hist-store.h),
 * and its channel rows (chanstate.c, through history.c).
 *
 * Two connections, every statement prepared once at open on each: the
 * writer, used only by history.c's storage thread, and the reader, used
 * only by the loop thread (CHATHISTORY, replay, channel rows). WAL
 * journal, so the reader never waits for the writer, nor the writer for
 * the reader. The storage thread stores one or more loop passes' batches
 * in one transaction; their messages are relayed only once COMMIT has
 * returned.
 *
 * --sync full (synchronous=FULL, the default): COMMIT fsyncs the WAL, so
 * a message anyone has seen survives a power cut. --sync normal
 * (synchronous=NORMAL): COMMIT only writes the WAL, which survives a
 * kill -9 of natterd but not a power cut or kernel crash, which may lose
 * what came since the last checkpoint. Checkpoints are this file's (the
 * automatic one is off), on the storage thread when no batch waits, at
 * most once a second, or at once when the WAL has grown past
 * HSQL_WAL_FORCE pages under endless load.
 *
 * One natterd per database: a lock file beside it, held with flock(2)
 * and holding the owner's PID, which a second natterd names in its
 * refusal. A second server would store lines that its own clients see
 * and the first's never do.
 *
 * Order: messages are ordered by (time_ms, id), id being the insertion
 * order, so two messages of the same millisecond still have a fixed order
 * (chathistory, "Returned message notes"). Every query below is "the rows
 * of one target strictly between two such positions, the first or last
 * n of them", returned in ascending order.
 *
 * Layout (schema 6): messages is clustered by (target, time_ms, id), so
 * those rows lie together, a few pages of the file for a page of
 * history; targets and senders are numbers (targets, sources), and the
 * ids have an index of their own for SEARCH's words (msg_fts's rowids)
 * and for pruning in arrival order. A target's number goes with its
 * last message (hsql_delete_rows). A sender's stays: a few tens of bytes
 * for each nick!user@host that ever spoke, since knowing when its last
 * message goes would take an index on every row.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hist-store.h"

#define HSQL_BUSY_MS 100	/* longest a lock held by another process stalls a pass */
#define HSQL_SYNC_MS 1000	/* idle checkpoints (fsync) at most this often */
#define HSQL_WAL_FORCE 16384	/* WAL pages (64 MiB) that force a checkpoint */
#define HSQL_SCHEMA_VERSION 7
#define HSQL_SEARCH_STEPS 2000000	/* VM steps a SEARCH may take (tens of ms) */
#define HSQL_SEARCH_MS 50	/* and its time, reading the disk included */
#define HSQL_TARGETS_HELD 32	/* targets' latest messages held until COMMIT */
/* Segments of a level of the search index merged into one: each commit
 * writes a segment, and FTS5's 4 had a burst's commits rewrite the
 * index over and over (a third of the storage thread's commit time in a
 * fill through the wire); a search reads at most twice as many. */
#define HSQL_FTS_AUTOMERGE 8

static const char hsql_schema[] =
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
	 * TARGETS reads target_last instead, --history-days the arrival
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

/*
 * The steps from one schema version to the next: [v] takes version v - 1
 * to v. hsql_schema is version 1 (and makes what is missing of it); a
 * new database takes every step after it, one an older natterd wrote the
 * steps past its version. Appended to, never changed.
 */
static const char *const hsql_migrations[HSQL_SCHEMA_VERSION + 1] = {
	/* Each target's latest message, kept current on insert, for
	 * TARGETS: a row for each party of a conversation (who: a folded
	 * nick), one for a channel (who: ""), so a client's targets are one
	 * index range, in time order. Filled from what is stored; TAGMSG
	 * is no longer kept. */
	[2] = "CREATE TABLE target_last ("
	    " who TEXT NOT NULL,"
	    " tkey TEXT NOT NULL,"
	    " time_ms INTEGER NOT NULL,"
	    " source TEXT NOT NULL,"
	    " target TEXT NOT NULL,"
	    " PRIMARY KEY (who, tkey)) WITHOUT ROWID;"
	    "CREATE INDEX target_last_time ON target_last (who, time_ms, tkey);"
	    "DELETE FROM messages WHERE command = 'TAGMSG';"
	    "INSERT OR REPLACE INTO target_last"
	    " SELECT CASE instr(tkey, ' ') WHEN 0 THEN ''"
	    " ELSE substr(tkey, 1, instr(tkey, ' ') - 1) END,"
	    " tkey, max(time_ms), source, target FROM messages GROUP BY tkey;"
	    "INSERT OR REPLACE INTO target_last"
	    " SELECT substr(tkey, instr(tkey, ' ') + 1),"
	    " tkey, max(time_ms), source, target FROM messages"
	    " WHERE instr(tkey, ' ') > 0 GROUP BY tkey;",
	/* SEARCH's words: an FTS5 index of the text, the text itself left
	 * in messages (external content), rowids only (detail=none): a
	 * word costs a few bytes a message. Kept by triggers, pruning too;
	 * built from what is stored (a pass over every message, once). */
	[3] = "CREATE VIRTUAL TABLE msg_fts USING fts5(text,"
	    " content='messages', content_rowid='id', detail=none);"
	    "CREATE TRIGGER messages_fts_add AFTER INSERT ON messages"
	    " BEGIN INSERT INTO msg_fts (rowid, text) VALUES (new.id, new.text);"
	    " END;"
	    "CREATE TRIGGER messages_fts_del AFTER DELETE ON messages"
	    " BEGIN INSERT INTO msg_fts (msg_fts, rowid, text)"
	    " VALUES ('delete', old.id, old.text); END;"
	    "INSERT INTO msg_fts (msg_fts) VALUES ('rebuild');",
	/*
	 * History belongs to its owners: a private message is a row of
	 * each party's account or connection ("owner nick", target_last's
	 * who being the owner), so a msgid is unique in its target only.
	 * SQLite cannot drop the old UNIQUE: the rows move to a new table
	 * with the same ids, so msg_fts still indexes them, and its
	 * triggers are made again after the copy. The rows stay as they
	 * were: the conversations keyed by two nicks match no owner's key
	 * and are served to no one (natterd(8)). Channel rows gain their
	 * access state.
	 */
	[4] = "ALTER TABLE messages RENAME TO messages_v3;"
	    "DROP TRIGGER IF EXISTS messages_fts_add;"
	    "DROP TRIGGER IF EXISTS messages_fts_del;"
	    "DROP INDEX IF EXISTS messages_tkey_time;"
	    "CREATE TABLE messages ("
	    " id INTEGER PRIMARY KEY,"	/* insertion order: ties of time_ms */
	    " msgid TEXT NOT NULL,"	/* unique in its target */
	    " time_ms INTEGER NOT NULL,"
	    " source TEXT NOT NULL,"
	    " nick TEXT NOT NULL,"
	    " target TEXT NOT NULL,"
	    " tkey TEXT NOT NULL,"	/* a channel, or "owner nick" */
	    " command TEXT NOT NULL,"
	    " tags TEXT NOT NULL,"
	    " text TEXT NOT NULL);"
	    "CREATE INDEX messages_tkey_time ON messages (tkey, time_ms);"
	    "CREATE UNIQUE INDEX messages_tkey_msgid ON messages (tkey, msgid);"
	    "INSERT INTO messages (id, msgid, time_ms, source, nick, target,"
	    " tkey, command, tags, text) SELECT id, msgid, time_ms, source,"
	    " nick, target, tkey, command, tags, text FROM messages_v3;"
	    "DROP TABLE messages_v3;"
	    "CREATE TRIGGER messages_fts_add AFTER INSERT ON messages"
	    " BEGIN INSERT INTO msg_fts (rowid, text) VALUES (new.id, new.text);"
	    " END;"
	    "CREATE TRIGGER messages_fts_del AFTER DELETE ON messages"
	    " BEGIN INSERT INTO msg_fts (msg_fts, rowid, text)"
	    " VALUES ('delete', old.id, old.text); END;"
	    "ALTER TABLE channels ADD COLUMN bans TEXT NOT NULL DEFAULT '';"
	    "ALTER TABLE channels ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	    "ALTER TABLE channels ADD COLUMN opaccs TEXT NOT NULL DEFAULT '';",
	/*
	 * SEARCH's index, cheaper: hsql_add writes it itself, because an
	 * FTS5 table written by a trigger costs each message twice what
	 * the rest of its row does (about 20 us more, measured); and
	 * without the sizes of each text (columnsize=0), which only
	 * ranking reads and SEARCH does not rank: 10 bytes a message.
	 * Rebuilt from what is stored, once. And the msgid index led by
	 * the msgid, which grows (msgid_new's counter), so a commit
	 * writes its last pages, not a page for each target it touched:
	 * with --sync full every page written is one more for the fsync.
	 */
	[5] = "DROP INDEX IF EXISTS messages_tkey_msgid;"
	    "CREATE UNIQUE INDEX messages_msgid_tkey ON messages"
	    " (msgid, tkey);"
	    "DROP TRIGGER IF EXISTS messages_fts_add;"
	    "DROP TABLE msg_fts;"
	    "CREATE VIRTUAL TABLE msg_fts USING fts5(text,"
	    " content='messages', content_rowid='id', detail=none,"
	    " columnsize=0);"
	    "INSERT INTO msg_fts (msg_fts) VALUES ('rebuild');",
	/*
	 * Each target's rows together, so that a page of history is a few
	 * pages of the file rather than a page a row (with a cold cache,
	 * a disk seek each): messages becomes a table clustered by
	 * (target, time_ms, id), WITHOUT ROWID, its target a number
	 * (targets) instead of the key repeated in the row and in two
	 * indexes. Smaller rows too: the sender a number (sources, with
	 * the folded nick SEARCH's from= matches), the command a number
	 * (hsql_commands), natterd's own msgids their counter
	 * (msgid_parse; others stay text), and the target as sent left
	 * NULL when it is the key's own (hsql_key_target). The ids keep an
	 * index: msg_fts's rowids are ids, so the search index stays as it
	 * is, and pruning goes in arrival order. Copied in the table's
	 * order, the indexes made after.
	 */
	[6] = "CREATE TABLE targets (tid INTEGER PRIMARY KEY,"
	    " tkey TEXT NOT NULL UNIQUE);"
	    "INSERT INTO targets (tkey) SELECT DISTINCT tkey FROM messages"
	    " ORDER BY tkey;"
	    "CREATE TABLE sources (sid INTEGER PRIMARY KEY,"
	    " source TEXT NOT NULL UNIQUE, nick TEXT NOT NULL);"
	    "INSERT INTO sources (source, nick) SELECT source, min(nick)"
	    " FROM messages GROUP BY source;"
	    "DROP TRIGGER IF EXISTS messages_fts_del;"
	    "ALTER TABLE messages RENAME TO messages_v5;"
	    "CREATE TABLE messages ("
	    " tid INTEGER NOT NULL,"	/* targets */
	    " time_ms INTEGER NOT NULL,"
	    " id INTEGER NOT NULL,"	/* insertion order: ties of time_ms */
	    " msgid NOT NULL,"		/* no affinity: integer or text */
	    " sid INTEGER NOT NULL,"	/* sources */
	    " target TEXT,"		/* NULL: the key's */
	    " command NOT NULL,"	/* hsql_commands, or text */
	    " tags TEXT NOT NULL,"
	    " text TEXT NOT NULL,"
	    " PRIMARY KEY (tid, time_ms, id)) WITHOUT ROWID;"
	    "INSERT INTO messages SELECT t.tid, m.time_ms, m.id,"
	    " natter_msgid(m.msgid), s.sid,"
	    " CASE m.target WHEN CASE instr(m.tkey, ' ') WHEN 0 THEN m.tkey"
	    " ELSE substr(m.tkey, instr(m.tkey, ' ') + 1) END THEN NULL"
	    " ELSE m.target END,"
	    " CASE m.command WHEN 'PRIVMSG' THEN 0 WHEN 'NOTICE' THEN 1"
	    " WHEN 'TAGMSG' THEN 2 ELSE m.command END, m.tags, m.text"
	    " FROM messages_v5 m JOIN targets t ON t.tkey = m.tkey"
	    " JOIN sources s ON s.source = m.source"
	    " ORDER BY m.tkey, m.time_ms, m.id;"
	    "DROP TABLE messages_v5;"
	    "CREATE INDEX messages_id ON messages (id);"
	    "CREATE UNIQUE INDEX messages_msgid ON messages (msgid, tid);"
	    "CREATE TRIGGER messages_fts_del AFTER DELETE ON messages"
	    " BEGIN INSERT INTO msg_fts (msg_fts, rowid, text)"
	    " VALUES ('delete', old.id, old.text); END;",
	/* When its owner registered a channel with ChanServ: kept then
	 * whether or not it has history (chanstate.c). */
	[7] = "ALTER TABLE channels ADD COLUMN registered INTEGER NOT NULL"
	    " DEFAULT 0;",
};

enum hsql_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_INSERT,
	ST_FTS_ADD,	/* its words, for SEARCH */
	ST_TID_GET,	/* a key's number */
	ST_TID_PUT,
	ST_TID_GONE,	/* a key without messages left */
	ST_SID_GET,	/* a sender's number */
	ST_SID_PUT,
	ST_MSGID,
	ST_FIRST,	/* the first n rows of a range */
	ST_LAST,	/* the last n rows of a range, ascending */
	ST_TGT_PUT,	/* a target's latest message */
	ST_TGT_ASC,	/* someone's targets in a window, oldest first */
	ST_TGT_DESC,	/* newest first */
	ST_CTGT_ASC,	/* the same, a second cursor for the channels */
	ST_CTGT_DESC,
	ST_TGT_OLD,	/* targets whose latest message is pruned */
	ST_BYTES,	/* the pages in use */
	ST_FIND_WORDS,	/* SEARCH with text=, newest first */
	ST_FIND_WORDS_UP,	/* oldest first */
	ST_FIND_KEY,	/* SEARCH in= without text= */
	ST_FIND_KEY_UP,
	ST_FIND_ALL,	/* SEARCH without in= or text= */
	ST_FIND_ALL_UP,
	ST_CHAN_PUT,
	ST_CHAN_GET,
	ST_CHAN_DEL,
	ST_OLD_ANY,
	ST_OLD_DEL,
	ST_KEY_NEXT,
	ST_KEY_CUTOFF,
	ST_KEY_DEL,
	ST_REDACT,
	ST_OWNER_DEL,	/* a dropped account's conversations */
	ST_OWNER_KEYS,
	ST_OWNER_TGT,
	ST_OWNER_CHAN,	/* ... and its channels */
	ST_OWNER_OPS,
	ST_COUNT
};

/*
 * A row's columns for hsql_row: its sender from sources. The command is
 * a number (hsql_commands: TAGMSG is 2); a target of NULL is the key's.
 * Each query names its target by key, looked up once (targets).
 */
#define HSQL_COLS "m.msgid, m.time_ms, s.source, m.target, m.command," \
	" m.tags, m.text"
#define HSQL_TID(p) "(SELECT tid FROM targets WHERE tkey = " p ")"
#define HSQL_TGT "SELECT tkey, time_ms, source, target FROM target_last" \
	" WHERE who = ?1 AND time_ms > ?2 AND time_ms < ?3 ORDER BY"
/* ?7: whether TAGMSG rows (reactions) are wanted. */
#define HSQL_RANGE \
	" FROM messages m CROSS JOIN sources s WHERE m.tid = " HSQL_TID("?1") \
	" AND (m.time_ms, m.id) > (?2, ?3) AND (m.time_ms, m.id) < (?4, ?5)" \
	" AND (?7 OR m.command IS NOT 2) AND s.sid = m.sid"
/* SEARCH: ?1 the FTS5 query, ?2 and ?3 the times, ?4 the key, ?5 the
 * sender's folded nick (NULL: any). CROSS JOIN keeps the order of the
 * tables, the first one read in the order wanted. */
#define HSQL_FIND_COLS "SELECT " HSQL_COLS ", t.tkey, m.id"
#define HSQL_FIND_JOIN " CROSS JOIN targets t CROSS JOIN sources s" \
	" WHERE t.tid = m.tid AND s.sid = m.sid" \
	" AND m.time_ms >= ?2 AND m.time_ms <= ?3" \
	" AND (?5 IS NULL OR s.nick = ?5)"
#define HSQL_FIND_WORDS HSQL_FIND_COLS " FROM msg_fts CROSS JOIN messages m" \
	HSQL_FIND_JOIN " AND msg_fts MATCH ?1 AND m.id = msg_fts.rowid" \
	" AND (?4 IS NULL OR t.tkey = ?4) ORDER BY msg_fts.rowid"
#define HSQL_FIND_KEY HSQL_FIND_COLS " FROM messages m" HSQL_FIND_JOIN \
	" AND m.tid = " HSQL_TID("?4") " AND m.command IS NOT 2" \
	" ORDER BY m.time_ms"
#define HSQL_FIND_ALL HSQL_FIND_COLS " FROM messages m" HSQL_FIND_JOIN \
	" AND m.command IS NOT 2 ORDER BY m.id"
static const char *const hsql_sql[ST_COUNT] = {
	[ST_FIND_WORDS] = HSQL_FIND_WORDS " DESC",
	[ST_FIND_WORDS_UP] = HSQL_FIND_WORDS,
	[ST_FIND_KEY] = HSQL_FIND_KEY " DESC, m.id DESC",
	[ST_FIND_KEY_UP] = HSQL_FIND_KEY ", m.id",
	[ST_FIND_ALL] = HSQL_FIND_ALL " DESC",
	[ST_FIND_ALL_UP] = HSQL_FIND_ALL,
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_INSERT] = "INSERT INTO messages"
	    " (tid, time_ms, id, msgid, sid, target, command, tags, text)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_FTS_ADD] = "INSERT INTO msg_fts (rowid, text) VALUES (?1, ?2)",
	[ST_TID_GET] = "SELECT tid FROM targets WHERE tkey = ?1",
	[ST_TID_PUT] = "INSERT INTO targets (tkey) VALUES (?1)",
	[ST_TID_GONE] = "DELETE FROM targets WHERE tid = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM messages WHERE tid = ?1)",
	[ST_SID_GET] = "SELECT sid FROM sources WHERE source = ?1",
	[ST_SID_PUT] = "INSERT INTO sources (source, nick) VALUES (?1, ?2)",
	[ST_MSGID] = "SELECT time_ms, id FROM messages"
	    " WHERE msgid = ?1 AND tid = " HSQL_TID("?2"),
	[ST_FIRST] = "SELECT " HSQL_COLS HSQL_RANGE
	    " ORDER BY m.time_ms, m.id LIMIT ?6",
	[ST_LAST] = "SELECT msgid, time_ms, source, target, command, tags,"
	    " text FROM (SELECT " HSQL_COLS ", m.id" HSQL_RANGE
	    " ORDER BY m.time_ms DESC, m.id DESC LIMIT ?6)"
	    " ORDER BY time_ms, id",
	[ST_TGT_PUT] = "INSERT INTO target_last (who, tkey, time_ms, source,"
	    " target) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (who, tkey)"
	    " DO UPDATE SET time_ms = excluded.time_ms,"
	    " source = excluded.source, target = excluded.target"
	    " WHERE excluded.time_ms >= target_last.time_ms",
	[ST_TGT_ASC] = HSQL_TGT " time_ms, tkey",
	[ST_TGT_DESC] = HSQL_TGT " time_ms DESC, tkey DESC",
	[ST_CTGT_ASC] = HSQL_TGT " time_ms, tkey",
	[ST_CTGT_DESC] = HSQL_TGT " time_ms DESC, tkey DESC",
	[ST_TGT_OLD] = "DELETE FROM target_last WHERE time_ms < ?1",
	[ST_BYTES] = "SELECT (p.page_count - f.freelist_count) * s.page_size"
	    " FROM pragma_page_count() p, pragma_freelist_count() f,"
	    " pragma_page_size() s",
	[ST_CHAN_PUT] = "INSERT OR REPLACE INTO channels (folded, name, topic,"
	    " topic_setter, topic_time, modes, mode_key, mode_limit, created,"
	    " bans, owner, opaccs, registered)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[ST_CHAN_GET] = "SELECT name, topic, topic_setter, topic_time, modes,"
	    " mode_key, mode_limit, created, bans, owner, opaccs, registered"
	    " FROM channels WHERE folded = ?1",
	[ST_CHAN_DEL] = "DELETE FROM channels WHERE folded = ?1",
	[ST_OLD_ANY] = "SELECT time_ms FROM messages ORDER BY id LIMIT 1",
	[ST_OLD_DEL] = "DELETE FROM messages WHERE id IN (SELECT id FROM messages"
	    " ORDER BY id LIMIT ?2) AND time_ms < ?1 RETURNING tid",
	[ST_KEY_NEXT] = "SELECT tid FROM targets WHERE tid > ?1"
	    " ORDER BY tid LIMIT 1",
	[ST_KEY_CUTOFF] = "SELECT time_ms, id FROM messages WHERE tid = ?1"
	    " ORDER BY time_ms DESC, id DESC LIMIT 1 OFFSET ?2",
	[ST_KEY_DEL] = "DELETE FROM messages WHERE tid = ?1 AND (time_ms, id)"
	    " IN (SELECT time_ms, id FROM messages WHERE tid = ?1"
	    " AND (time_ms, id) <= (?2, ?3) ORDER BY time_ms, id LIMIT ?4)",
	[ST_REDACT] = "DELETE FROM messages WHERE msgid = ?1"
	    " AND tid = " HSQL_TID("?2") " RETURNING tid",
	/* "owner nick" keys sort from "owner " to just before "owner!". */
	[ST_OWNER_DEL] = "DELETE FROM messages WHERE tid IN (SELECT tid"
	    " FROM targets WHERE tkey >= ?1 || ' ' AND tkey < ?1 || '!')",
	[ST_OWNER_KEYS] = "DELETE FROM targets WHERE tkey >= ?1 || ' '"
	    " AND tkey < ?1 || '!'",
	[ST_OWNER_TGT] = "DELETE FROM target_last WHERE who = ?1",
	[ST_OWNER_CHAN] = "UPDATE channels SET owner = '', registered = 0"
	    " WHERE owner = ?2",
	[ST_OWNER_OPS] = "UPDATE channels SET opaccs ="
	    " trim(replace(' ' || opaccs || ' ', ' ' || ?2 || ' ', ' '))"
	    " WHERE instr(' ' || opaccs || ' ', ' ' || ?2 || ' ') > 0",
};

/*
 * The writer's recent keys and senders with their numbers (targets'
 * tid, sources' sid), so that most messages look neither up: a slot
 * each, by hash. Emptied when a transaction that may have made one is
 * given up, or deleted one.
 */
#define HSQL_NAMES 64
#define HSQL_NAME_MAX 128	/* longer ones are looked up each time */
enum { HSQL_TARGETS, HSQL_SOURCES };
struct hsql_name {
	int64_t id;		/* 0: empty */
	char s[HSQL_NAME_MAX];
};

/* The commands a row holds as a number, its index here: TAGMSG, 2, is
 * in the SQL above. Any other is kept as text. */
static const char *const hsql_commands[] = { "PRIVMSG", "NOTICE", "TAGMSG" };

/* A target's latest message in this transaction, written at its end. */
struct hsql_target {
	char who[CONN_OWNER_MAX + 1];
	char key[HIST_KEY_MAX];
	int64_t time_ms;
	char source[IRC_NICK_MAX + IRC_USER_MAX + IRC_HOST_MAX + 3];
	char target[IRC_CHAN_MAX + 1];
};

static struct {
	sqlite3 *db;		/* the writer; NULL: this store is closed */
	sqlite3 *rd;		/* the reader */
	sqlite3_stmt *st[ST_COUNT];	/* on db */
	sqlite3_stmt *rst[ST_COUNT];	/* on rd */
	int lock_fd;		/* flock'ed: this process's database */
	char error[256];	/* why the last write failed */
	int wal_pages;		/* in the WAL since the last checkpoint */
	/* target_last's rows to be: one write per target a transaction,
	 * not one per message (a burst into one channel is one row). */
	struct hsql_target held[HSQL_TARGETS_HELD];
	int nheld;
	int wal_force;		/* HSQL_WAL_FORCE (tests lower it) */
	int64_t next_sync;	/* monotonic ms: no checkpoint before */

	/* The --history-max sweep: targets in key order, one per step. */
	int max_per_target;
	bool sweep_due;		/* a sweep is wanted */
	bool sweep_dirty;	/* messages were added during the sweep */
	int64_t sweep_tid;	/* the target swept last (0: none yet) */

	struct hsql_name names[2][HSQL_NAMES];	/* HSQL_TARGETS, _SOURCES */

	/* hsql_chan_get's strings: name, topic, setter, modes, key */
	char chanbuf[IRC_CHAN_MAX + IRC_TOPIC_MAX + IRC_NICK_MAX +
	    IRC_USER_MAX + IRC_HOST_MAX + 64 + IRC_KEY_MAX + 16 +
	    CHAN_LISTS * CHAN_BANS_MAX * (BAN_MASK_MAX + IRC_NICK_MAX +
	    IRC_USER_MAX + IRC_HOST_MAX + 28) +
	    (CHAN_OPACCS_MAX + 1) * (IRC_NICK_MAX + 1)];
} hsql = { .lock_fd = -1 };

/* Remember why a write failed, for history.c's one log line. */
static void
hsql_fail(const char *what)
{
	snprintf(hsql.error, sizeof(hsql.error), "%s: %s", what,
	    sqlite3_errmsg(hsql.db));
}

static const char *
hsql_error(void)
{
	return hsql.error;
}

/* Run a statement with no result rows; true on success. */
static bool
hsql_exec(enum hsql_stmt s)
{
	sqlite3_stmt *st = hsql.st[s];
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

/* Bind a possibly NULL string as text. */
static void
hsql_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_STATIC);
}

/* natterd's own msgids (msgid.c) are stored as their counter; any other
 * msgid stays text, which no integer equals. */
static void
hsql_bind_msgid(sqlite3_stmt *st, int i, const char *msgid)
{
	int64_t v;

	if (msgid_parse(msgid, &v))
		sqlite3_bind_int64(st, i, v);
	else
		hsql_bind_text(st, i, msgid);
}

/*
 * While a schema upgrade copies rows (minutes at millions of messages on
 * a small box), every HSQL_UPGRADE_OPS virtual machine steps: at most
 * every HSQL_UPGRADE_EVERY_MS, systemd is asked for HSQL_UPGRADE_GRACE_S
 * more seconds, so a unit's start timeout does not kill natterd halfway
 * (the transaction would roll back, and the next start would begin
 * again). arg: the version upgraded from. Never interrupts.
 */
#define HSQL_UPGRADE_OPS 100000
#define HSQL_UPGRADE_EVERY_MS 10000
#define HSQL_UPGRADE_GRACE_S 60

static int64_t hsql_upgrade_next;	/* monotonic ms */

static int
hsql_upgrade_tick(void *arg)
{
	char status[64];

	int64_t now = time_mono_ms();
	if (now < hsql_upgrade_next)
		return 0;
	hsql_upgrade_next = now + HSQL_UPGRADE_EVERY_MS;
	snprintf(status, sizeof(status),
	    "upgrading history from schema %d to %d", *(int *)arg,
	    HSQL_SCHEMA_VERSION);
	ready_extend(HSQL_UPGRADE_GRACE_S, status);
	return 0;
}

/* natter_msgid(msgid), for the migration to schema 6: as stored. */
static void
hsql_msgid_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = sqlite3_value_type(argv[0]) == SQLITE_TEXT ?
	    (const char *)sqlite3_value_text(argv[0]) : NULL;
	int64_t v;

	(void)argc;
	if (s != NULL && msgid_parse(s, &v))
		sqlite3_result_int64(ctx, v);
	else
		sqlite3_result_value(ctx, argv[0]);
}

/* The target a row of key leaves out (NULL): a channel's key is its
 * folded name, and "owner nick" ends with the other party's. */
static const char *
hsql_key_target(const char *key)
{
	const char *sp = strchr(key, ' ');
	return sp != NULL ? sp + 1 : key;
}

/* Copy the WAL into the database, fsyncing both. */
static void
hsql_checkpoint(int64_t now)
{
	int rc = sqlite3_wal_checkpoint_v2(hsql.db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK)
		log_warn("history: checkpoint: %s", sqlite3_errmsg(hsql.db));
	hsql.wal_pages = 0;
	hsql.next_sync = now + HSQL_SYNC_MS;
}

/* After each commit: replaces SQLite's automatic checkpoint. */
static int
hsql_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	hsql.wal_pages = pages;
	return SQLITE_OK;
}

static bool
hsql_begin(void)
{
	if (hsql_exec(ST_BEGIN))
		return true;
	hsql_fail("cannot begin a transaction");
	return false;
}

/* A write failed: a duplicate msgid loses only that row; anything else
 * (SQLITE_FULL, SQLITE_IOERR, a lock) the whole transaction. */
static bool
hsql_write_failed(int rc, const char *what)
{
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		log_warn("history: %s: %s", what, sqlite3_errmsg(hsql.db));
		return true;
	}
	hsql_fail(what);
	return false;
}

static void
hsql_rollback(void)
{
	hsql.nheld = 0;
	memset(hsql.names, 0, sizeof(hsql.names));
	if (!sqlite3_get_autocommit(hsql.db))
		hsql_exec(ST_ROLLBACK);
}

/* Write the targets' latest messages held so far. */
static bool
hsql_targets_write(void)
{
	for (int i = 0; i < hsql.nheld; i++) {
		const struct hsql_target *t = &hsql.held[i];
		sqlite3_stmt *st = hsql.st[ST_TGT_PUT];
		hsql_bind_text(st, 1, t->who);
		hsql_bind_text(st, 2, t->key);
		sqlite3_bind_int64(st, 3, t->time_ms);
		hsql_bind_text(st, 4, t->source);
		hsql_bind_text(st, 5, t->target);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			hsql.nheld = 0;
			return hsql_write_failed(rc, "storing a target");
		}
	}
	hsql.nheld = 0;
	return true;
}

/* m is key's latest message so far in this transaction. */
static bool
hsql_target_hold(const struct hist_msg *m, const char *key)
{
	struct hsql_target *t = NULL;

	for (int i = 0; i < hsql.nheld && t == NULL; i++)
		if (strcmp(hsql.held[i].key, key) == 0)
			t = &hsql.held[i];
	if (t != NULL && m->time_ms < t->time_ms)
		return true;
	if (t == NULL) {
		if (hsql.nheld == HSQL_TARGETS_HELD && !hsql_targets_write())
			return false;
		t = &hsql.held[hsql.nheld++];
		/* One row for a channel, one for the owner of a side of a
		 * conversation ("owner nick"). */
		const char *sp = strchr(key, ' ');
		size_t len = sp != NULL ? (size_t)(sp - key) : 0;
		if (len >= sizeof(t->who))
			len = sizeof(t->who) - 1;
		memcpy(t->who, key, len);
		t->who[len] = '\0';
		str_copy(t->key, key, sizeof(t->key));
	}
	t->time_ms = m->time_ms;
	str_copy(t->source, m->source != NULL ? m->source : "",
	    sizeof(t->source));
	str_copy(t->target, m->target != NULL ? m->target : "",
	    sizeof(t->target));
	return true;
}

static bool
hsql_commit(void)
{
	if (!hsql_targets_write()) {
		hsql_rollback();
		return false;
	}
	if (!hsql_exec(ST_COMMIT)) {
		hsql_fail("commit");
		hsql_rollback();
		return false;
	}
	if (hsql.wal_pages > hsql.wal_force)
		hsql_checkpoint(time_mono_ms());
	return true;
}

/* The number of key (HSQL_TARGETS) or of a source (HSQL_SOURCES),
 * made if new; -1 on an error. */
static int64_t
hsql_name(int kind, const char *str)
{
	static const enum hsql_stmt get[] = { ST_TID_GET, ST_SID_GET };
	static const enum hsql_stmt put[] = { ST_TID_PUT, ST_SID_PUT };
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const char *p = str; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	struct hsql_name *slot = &hsql.names[kind][h % HSQL_NAMES];
	if (slot->id != 0 && strcmp(slot->s, str) == 0)
		return slot->id;

	sqlite3_stmt *st = hsql.st[get[kind]];
	hsql_bind_text(st, 1, str);
	int rc = sqlite3_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		char nick[IRC_NICK_MAX + 1], folded[IRC_NICK_MAX + 1];
		st = hsql.st[put[kind]];
		hsql_bind_text(st, 1, str);
		if (kind == HSQL_SOURCES) {
			irc_source_split(str, nick, sizeof(nick), NULL, 0,
			    NULL, 0);
			irc_casefold(folded, nick, sizeof(folded));
			hsql_bind_text(st, 2, folded);
		}
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(hsql.db);
	}
	if (id == 0) {
		hsql_fail(kind == HSQL_TARGETS ? "storing a target" :
		    "storing a sender");
		return -1;
	}
	if (strlen(str) < sizeof(slot->s)) {
		slot->id = id;
		str_copy(slot->s, str, sizeof(slot->s));
	}
	return id;
}

static bool
hsql_add(const struct hist_msg *m, const char *key)
{
	int64_t tid = hsql_name(HSQL_TARGETS, key);
	int64_t sid = tid < 0 ? -1 : hsql_name(HSQL_SOURCES,
	    m->source != NULL ? m->source : "");
	if (sid < 0)
		return false;

	sqlite3_stmt *st = hsql.st[ST_INSERT];
	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_int64(st, 2, m->time_ms);
	sqlite3_bind_int64(st, 3, m->id);
	hsql_bind_msgid(st, 4, m->msgid);
	sqlite3_bind_int64(st, 5, sid);
	if (m->target == NULL ||
	    strcmp(m->target, hsql_key_target(key)) == 0)
		sqlite3_bind_null(st, 6);
	else
		hsql_bind_text(st, 6, m->target);
	size_t c = 0;
	while (c < nitems(hsql_commands) && (m->command == NULL ||
	    strcmp(m->command, hsql_commands[c]) != 0))
		c++;
	if (c < nitems(hsql_commands))
		sqlite3_bind_int(st, 7, (int)c);
	else
		hsql_bind_text(st, 7, m->command);
	hsql_bind_text(st, 8, m->tags);
	hsql_bind_text(st, 9, m->text);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (hsql.max_per_target > 0) {
		hsql.sweep_due = true;
		hsql.sweep_dirty = true;
	}
	if (rc != SQLITE_DONE)
		return hsql_write_failed(rc, "storing a message");
	st = hsql.st[ST_FTS_ADD];
	sqlite3_bind_int64(st, 1, m->id);
	hsql_bind_text(st, 2, m->text);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return hsql_write_failed(rc, "indexing a message");
	return hsql_target_hold(m, key);
}

/*
 * Step a DELETE of messages that returns their targets' numbers, and
 * forget each of those targets left without a message, so that no key
 * ("owner nick": who talked with whom) outlives its history. The rows
 * deleted, or -1 (*rc says why).
 */
static int
hsql_delete_rows(sqlite3_stmt *st, int *rc)
{
	int n = 0;
	int64_t last = 0;
	bool forgot = false;

	while ((*rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t tid = sqlite3_column_int64(st, 0);
		n++;
		if (tid == last)
			continue;
		last = tid;
		/* The DELETE is done by its first step: only the rows it
		 * returns are still to come. */
		sqlite3_stmt *gone = hsql.st[ST_TID_GONE];
		sqlite3_bind_int64(gone, 1, tid);
		*rc = sqlite3_step(gone);
		sqlite3_reset(gone);
		if (*rc != SQLITE_DONE)
			break;
		forgot |= sqlite3_changes(hsql.db) > 0;
	}
	sqlite3_reset(st);
	if (forgot)
		memset(hsql.names[HSQL_TARGETS], 0,
		    sizeof(hsql.names[HSQL_TARGETS]));
	return *rc == SQLITE_DONE ? n : -1;
}

/* target_last keeps a redacted message's time: the target still had a
 * message then, and TARGETS only orders by it. */
static bool
hsql_redact(const char *key, const char *msgid)
{
	sqlite3_stmt *st = hsql.st[ST_REDACT];

	hsql_bind_msgid(st, 1, msgid);
	hsql_bind_text(st, 2, key);
	int rc;
	if (hsql_delete_rows(st, &rc) < 0)
		return hsql_write_failed(rc, "deleting a message");
	return true;
}

static bool
hsql_forget_owner(const char *owner, const char *account)
{
	static const int sts[] = { ST_OWNER_DEL, ST_OWNER_KEYS, ST_OWNER_TGT,
	    ST_OWNER_CHAN, ST_OWNER_OPS };

	memset(hsql.names[HSQL_TARGETS], 0, sizeof(hsql.names[HSQL_TARGETS]));

	for (size_t i = 0; i < nitems(sts); i++) {
		sqlite3_stmt *st = hsql.st[sts[i]];
		/* Each statement names the parameters it uses. */
		if (sqlite3_bind_parameter_index(st, "?1") > 0)
			hsql_bind_text(st, 1, owner);
		if (sqlite3_bind_parameter_index(st, "?2") > 0)
			hsql_bind_text(st, 2, account);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return hsql_write_failed(rc, "forgetting an account");
	}
	return true;
}

static int64_t
hsql_last_id(void)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (sqlite3_prepare_v2(hsql.rd, "SELECT max(id) FROM messages", -1,
	    &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static bool
hsql_find(const char *key, const char *msgid, struct hist_pos *p)
{
	sqlite3_stmt *st = hsql.rst[ST_MSGID];
	hsql_bind_msgid(st, 1, msgid);
	hsql_bind_text(st, 2, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->time_ms = sqlite3_column_int64(st, 0);
		p->id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/* A message from a row of key of the range and search statements, whose
 * first columns are HSQL_COLS; its strings last until the statement
 * steps again, or key changes. */
static void
hsql_row(sqlite3_stmt *st, const char *key, struct hist_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		msgid_format(sqlite3_column_int64(st, 0), m->msgid,
		    sizeof(m->msgid));
	else
		str_copy(m->msgid, (const char *)sqlite3_column_text(st, 0),
		    sizeof(m->msgid));
	m->time_ms = sqlite3_column_int64(st, 1);
	m->source = (const char *)sqlite3_column_text(st, 2);
	m->target = sqlite3_column_type(st, 3) == SQLITE_NULL ?
	    hsql_key_target(key) : (const char *)sqlite3_column_text(st, 3);
	int64_t c = sqlite3_column_type(st, 4) == SQLITE_INTEGER ?
	    sqlite3_column_int64(st, 4) : -1;
	if (c >= 0 && c < (int64_t)nitems(hsql_commands))
		m->command = hsql_commands[c];
	else
		m->command = (const char *)sqlite3_column_text(st, 4);
	m->tags = (const char *)sqlite3_column_text(st, 5);
	m->text = (const char *)sqlite3_column_text(st, 6);
}

static int
hsql_range(const char *key, struct hist_pos lo, struct hist_pos hi, int n,
    bool last, bool tagmsg, hist_row_fn *fn, void *arg)
{
	sqlite3_stmt *st = hsql.rst[last ? ST_LAST : ST_FIRST];
	struct hist_msg m;
	int count = 0, rc;

	hsql_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, lo.time_ms);
	sqlite3_bind_int64(st, 3, lo.id);
	sqlite3_bind_int64(st, 4, hi.time_ms);
	sqlite3_bind_int64(st, 5, hi.id);
	sqlite3_bind_int(st, 6, n);
	sqlite3_bind_int(st, 7, tagmsg);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		hsql_row(st, key, &m);
		fn(&m, arg);
		count++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_error("history: reading %s: %s", key,
		    sqlite3_errmsg(hsql.rd));
		return -1;
	}
	return count;
}

/* Start stepping someone's targets (who) in a window. */
static sqlite3_stmt *
hsql_targets_open(sqlite3_stmt *st, const char *who, int64_t lo_ms,
    int64_t hi_ms)
{
	hsql_bind_text(st, 1, who);
	sqlite3_bind_int64(st, 2, lo_ms);
	sqlite3_bind_int64(st, 3, hi_ms);
	return st;
}

/*
 * Two index ranges of target_last, owner's sides of conversations and
 * the channels, merged in (time, key) order; each row is read only when the one before
 * it is handed out, so what TARGETS reads is what it lists (and the
 * channels the asker may not see).
 */
static bool
hsql_targets(const char *owner, int64_t lo_ms, int64_t hi_ms, bool desc,
    store_target_fn *fn, void *arg)
{
	sqlite3_stmt *a = hsql_targets_open(hsql.rst[desc ? ST_TGT_DESC :
	    ST_TGT_ASC], owner, lo_ms, hi_ms);
	sqlite3_stmt *b = hsql_targets_open(hsql.rst[desc ? ST_CTGT_DESC :
	    ST_CTGT_ASC], "", lo_ms, hi_ms);
	int ra = sqlite3_step(a), rb = sqlite3_step(b);
	bool go = true;

	while (go && (ra == SQLITE_ROW || rb == SQLITE_ROW)) {
		sqlite3_stmt *st;
		if (ra != SQLITE_ROW)
			st = b;
		else if (rb != SQLITE_ROW)
			st = a;
		else {
			int64_t ta = sqlite3_column_int64(a, 1);
			int64_t tb = sqlite3_column_int64(b, 1);
			int c = ta != tb ? (ta < tb ? -1 : 1) :
			    strcmp((const char *)sqlite3_column_text(a, 0),
			    (const char *)sqlite3_column_text(b, 0));
			st = (c <= 0) != desc ? a : b;
		}
		go = fn((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), arg);
		if (st == a)
			ra = sqlite3_step(a);
		else
			rb = sqlite3_step(b);
	}
	sqlite3_reset(a);
	sqlite3_reset(b);
	if ((ra == SQLITE_ROW || ra == SQLITE_DONE) &&
	    (rb == SQLITE_ROW || rb == SQLITE_DONE))
		return true;
	log_error("history: listing targets: %s", sqlite3_errmsg(hsql.rd));
	return false;
}

/* search */

/* text= as an FTS5 query: each word a quoted string (a quote in it
 * doubled), all of them required; false if there is no word. */
static bool
hsql_fts_query(char *out, size_t cap, const char *text)
{
	size_t n = 0;
	bool any = false;

	for (const char *w = text; *w != '\0';) {
		w += strspn(w, " ");
		size_t wl = strcspn(w, " ");
		if (wl == 0)
			break;
		if (n + 2 * wl + 4 >= cap)
			break;
		out[n++] = any ? ' ' : '"';
		if (any)
			out[n++] = '"';
		for (size_t i = 0; i < wl; i++) {
			if (w[i] == '"')
				out[n++] = '"';
			out[n++] = w[i];
		}
		out[n++] = '"';
		any = true;
		w += wl;
	}
	out[n] = '\0';
	return any;
}

static int hsql_steps;	/* progress calls left for this SEARCH */
static int64_t hsql_search_end;	/* monotonic ms: and its deadline */

/* Every 1000 VM steps of a SEARCH: stop it once its budget is spent.
 * Steps alone do not bound it: matches the asker may not see (channels
 * it is not in) are rows read from the disk, which a cold cache makes
 * a hundred times slower than the steps they take. */
static int
hsql_progress(void *arg)
{
	(void)arg;
	return --hsql_steps < 0 || time_mono_ms() > hsql_search_end;
}

/*
 * A word query walks msg_fts by rowid (arrival order, which is time
 * order unless the clock was set back) and stops at limit matches; so do
 * the others, on the key's index or the arrival order. The budget keeps
 * a search for something rare in a long history from holding the loop.
 */
static int
hsql_search(const struct hist_search *q, const char *from, bool desc,
    store_keep_fn *keep, void *karg, hist_row_fn *fn, void *arg)
{
	char words[IRC_BODY_MAX * 2 + 8];
	bool text = q->text != NULL &&
	    hsql_fts_query(words, sizeof(words), q->text);
	enum hsql_stmt which = text ? ST_FIND_WORDS : q->key != NULL ?
	    ST_FIND_KEY : ST_FIND_ALL;
	sqlite3_stmt *st = hsql.rst[which + !desc];
	struct hist_msg m;
	int count = 0, rc = SQLITE_DONE;

	if (text)
		hsql_bind_text(st, 1, words);
	sqlite3_bind_int64(st, 2, q->after_ms);
	sqlite3_bind_int64(st, 3, q->before_ms);
	if (q->key != NULL)
		hsql_bind_text(st, 4, q->key);
	else
		sqlite3_bind_null(st, 4);
	if (from != NULL)
		hsql_bind_text(st, 5, from);
	else
		sqlite3_bind_null(st, 5);
	hsql_steps = HSQL_SEARCH_STEPS / 1000;
	hsql_search_end = time_mono_ms() + HSQL_SEARCH_MS;
	sqlite3_progress_handler(hsql.rd, 1000, hsql_progress, NULL);
	while (count < q->limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 7);
		struct hist_pos since;
		/* in= was checked by the caller, but its cutoff is here. */
		if (!keep(key, karg, &since) ||
		    !store_after(since, sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 8)))
			continue;
		hsql_row(st, key, &m);
		fn(&m, arg);
		count++;
	}
	sqlite3_progress_handler(hsql.rd, 0, NULL, NULL);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (count < q->limit && rc != SQLITE_DONE && rc != SQLITE_INTERRUPT) {
		log_error("history: searching: %s", sqlite3_errmsg(hsql.rd));
		return -1;
	}
	return count;
}

/* retention */

/* Run a pruning DELETE; the rows it removed, or -1. */
static int
hsql_delete(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warn("history: pruning: %s", sqlite3_errmsg(hsql.db));
		return -1;
	}
	return sqlite3_changes(hsql.db);
}

/*
 * They go in arrival order, which is time order unless the clock was set
 * back: so a message goes once it is old and so is every message that
 * arrived before it.
 */
static int
hsql_prune_old(int64_t cutoff_ms, int batch)
{
	sqlite3_stmt *st = hsql.st[ST_OLD_ANY];
	int rc = sqlite3_step(st);
	bool old = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) < cutoff_ms;
	sqlite3_reset(st);
	if (!old) {
		/* The targets whose every message is gone now. */
		st = hsql.st[ST_TGT_OLD];
		sqlite3_bind_int64(st, 1, cutoff_ms);
		return hsql_delete(st) < 0 ? -1 : 0;
	}
	st = hsql.st[ST_OLD_DEL];
	sqlite3_bind_int64(st, 1, cutoff_ms);
	sqlite3_bind_int(st, 2, batch);
	int n = hsql_delete_rows(st, &rc);
	if (n < 0)
		log_warn("history: pruning: %s", sqlite3_errmsg(hsql.db));
	return n < 0 ? -1 : n > 0;
}

/* The database's pages in use: its size but for the free pages the next
 * messages will take. */
static int64_t
hsql_bytes(void)
{
	sqlite3_stmt *st = hsql.st[ST_BYTES];
	int64_t n = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		log_warn("history: size: %s", sqlite3_errmsg(hsql.db));
	sqlite3_reset(st);
	return n;
}

static void
hsql_set_max(int max)
{
	hsql.max_per_target = max;
	hsql.sweep_due = max > 0;
	hsql.sweep_dirty = false;
	hsql.sweep_tid = 0;
}

/*
 * One step of the --history-max sweep, which visits the targets in the
 * order of their numbers, one per call: one batch of the current target's oldest rows past
 * the limit.
 */
static int
hsql_trim(int batch)
{
	sqlite3_stmt *st = hsql.st[ST_KEY_CUTOFF];
	struct hist_pos cut;

	if (!hsql.sweep_due)
		return 0;
	if (hsql.sweep_tid != 0) {
		sqlite3_bind_int64(st, 1, hsql.sweep_tid);
		sqlite3_bind_int(st, 2, hsql.max_per_target);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			cut.time_ms = sqlite3_column_int64(st, 0);
			cut.id = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (rc == SQLITE_ROW) {
			st = hsql.st[ST_KEY_DEL];
			sqlite3_bind_int64(st, 1, hsql.sweep_tid);
			sqlite3_bind_int64(st, 2, cut.time_ms);
			sqlite3_bind_int64(st, 3, cut.id);
			sqlite3_bind_int(st, 4, batch);
			int n = hsql_delete(st);
			if (n < 0)
				return -1;	/* stay on this target */
			if (n == batch)
				return 1;
		}
	}
	st = hsql.st[ST_KEY_NEXT];
	sqlite3_bind_int64(st, 1, hsql.sweep_tid);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		hsql.sweep_tid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	/* Swept every target; again only if something was added meanwhile. */
	hsql.sweep_tid = 0;
	hsql.sweep_due = hsql.sweep_dirty;
	hsql.sweep_dirty = false;
	return hsql.sweep_due;
}

static void
hsql_idle(int64_t now)
{
	if (hsql.wal_pages > 0 && now >= hsql.next_sync)
		hsql_checkpoint(now);
}

static bool
hsql_busy(void)
{
	return hsql.wal_pages > 0 ||
	    (hsql.max_per_target > 0 && hsql.sweep_due);
}

/* channel rows */

static bool
hsql_chan_save(const char *folded, const struct hist_chan *c)
{
	sqlite3_stmt *st = hsql.st[ST_CHAN_PUT];
	hsql_bind_text(st, 1, folded);
	hsql_bind_text(st, 2, c->name);
	hsql_bind_text(st, 3, c->topic);
	hsql_bind_text(st, 4, c->topic_setter);
	sqlite3_bind_int64(st, 5, c->topic_time);
	hsql_bind_text(st, 6, c->modes);
	hsql_bind_text(st, 7, c->key);
	sqlite3_bind_int(st, 8, c->limit);
	sqlite3_bind_int64(st, 9, c->created);
	hsql_bind_text(st, 10, c->bans);
	hsql_bind_text(st, 11, c->owner);
	hsql_bind_text(st, 12, c->opaccs);
	sqlite3_bind_int64(st, 13, c->registered);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || hsql_write_failed(rc, "saving a channel");
}

static bool
hsql_chan_forget(const char *folded)
{
	sqlite3_stmt *st = hsql.st[ST_CHAN_DEL];
	hsql_bind_text(st, 1, folded);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ||
	    hsql_write_failed(rc, "forgetting a channel");
}

/* Copy column i of st into hsql.chanbuf at *pos; returns the copy. */
static const char *
hsql_chan_str(sqlite3_stmt *st, int i, size_t *pos)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	char *dst = hsql.chanbuf + *pos;
	size_t cap = sizeof(hsql.chanbuf) - *pos;

	if (s == NULL || cap == 0)
		return "";
	*pos += utf8_truncate(s, strlen(s), cap - 1) + 1;
	str_copy(dst, s, hsql.chanbuf + *pos - dst);
	return dst;
}

static bool
hsql_chan_get(const char *folded, struct hist_chan *c)
{
	size_t pos = 0;

	memset(c, 0, sizeof(*c));
	sqlite3_stmt *st = hsql.rst[ST_CHAN_GET];
	hsql_bind_text(st, 1, folded);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->name = hsql_chan_str(st, 0, &pos);
		c->topic = hsql_chan_str(st, 1, &pos);
		c->topic_setter = hsql_chan_str(st, 2, &pos);
		c->topic_time = sqlite3_column_int64(st, 3);
		c->modes = hsql_chan_str(st, 4, &pos);
		c->key = hsql_chan_str(st, 5, &pos);
		c->limit = sqlite3_column_int(st, 6);
		c->created = sqlite3_column_int64(st, 7);
		c->bans = hsql_chan_str(st, 8, &pos);
		c->owner = hsql_chan_str(st, 9, &pos);
		c->opaccs = hsql_chan_str(st, 10, &pos);
		c->registered = sqlite3_column_int64(st, 11);
	} else if (rc != SQLITE_DONE)
		log_error("history: reading channel %s: %s", folded,
		    sqlite3_errmsg(hsql.rd));
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/*
 * The writer's WAL through a buffer. SQLite writes each page of a commit
 * to the WAL with two write calls (the frame's 24-byte header, then the
 * page): some 170 for a commit of pairs' size, whose system calls cost
 * five times the copying (measured on this VM: 270 us of CPU for 170
 * writes, 48 us for the same bytes in one). The writer's connection
 * opens its files through this VFS, which passes everything to the
 * default one but gathers a run of writes that follow each other in the
 * -wal file and writes the run at once before anything else reaches the
 * files: above all the commit's sync, so with --sync full the frames are
 * in the file before it is fsynced and before any reader is told of them
 * (the wal-index is updated after the sync). Only with --sync full: with
 * normal SQLite publishes a commit without a sync, where nothing could
 * report a failed write. The writer is used by one thread at a time, so
 * the run is the VFS's, not the file's: a lock of the shared memory (on
 * the database file) writes it too, so no other connection ever writes
 * the WAL after a write of ours not yet made.
 */
#define HSQL_VFS "natterd-writer"
/* Bytes gathered before a write: SQLite's unix VFS writes at most
 * 128 KiB - 1 at a time (seekAndWrite), and 16 frames a write is most
 * of the gain. */
#define HSQL_WAL_RUN 65536

/* A file of the writer's: ours, then the default VFS's right after. */
struct hsql_file {
	sqlite3_file base;
	bool wal;		/* a -wal file */
	bool gather;		/* the -wal file, with --sync full */
};
#define HSQL_FILE_SIZE ((sizeof(struct hsql_file) + 15) & ~(size_t)15)
#define HSQL_REAL(f) ((sqlite3_file *)((char *)(f) + HSQL_FILE_SIZE))

static struct {
	sqlite3_vfs vfs;	/* the default's, but for its name and xOpen */
	sqlite3_vfs *real;
	bool gather;		/* --sync full: a -wal opened now gathers */
	struct hsql_file *wal;	/* where the run goes; NULL: none open */
	char *run;
	size_t len;
	sqlite3_int64 at;	/* the run's offset in the file */
	unsigned long writes;	/* writes that reached the WAL (tests) */
} hvfs;

/* Write the run, if any. */
static int
hvfs_flush(void)
{
	if (hvfs.len == 0)
		return SQLITE_OK;
	sqlite3_file *r = HSQL_REAL(hvfs.wal);
	int rc = r->pMethods->xWrite(r, hvfs.run, (int)hvfs.len, hvfs.at);
	hvfs.len = 0;
	hvfs.writes++;
	return rc;
}

static int
hvfs_close(sqlite3_file *f)
{
	int rc = hvfs_flush();
	if (hvfs.wal == (struct hsql_file *)f)
		hvfs.wal = NULL;
	sqlite3_file *r = HSQL_REAL(f);
	int rc2 = r->pMethods->xClose(r);
	return rc != SQLITE_OK ? rc : rc2;
}

static int
hvfs_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	int rc = hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	return rc != SQLITE_OK ? rc : r->pMethods->xRead(r, buf, amt, off);
}

static int
hvfs_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	sqlite3_file *r = HSQL_REAL(f);

	if (!((struct hsql_file *)f)->gather || amt > HSQL_WAL_RUN) {
		int rc = hvfs_flush();
		hvfs.writes += ((struct hsql_file *)f)->wal;
		return rc != SQLITE_OK ? rc :
		    r->pMethods->xWrite(r, buf, amt, off);
	}
	if (hvfs.len > 0 && (off != hvfs.at + (sqlite3_int64)hvfs.len ||
	    hvfs.len + (size_t)amt > HSQL_WAL_RUN)) {
		int rc = hvfs_flush();
		if (rc != SQLITE_OK)
			return rc;
	}
	if (hvfs.len == 0)
		hvfs.at = off;
	memcpy(hvfs.run + hvfs.len, buf, (size_t)amt);
	hvfs.len += (size_t)amt;
	return SQLITE_OK;
}

static int
hvfs_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	return rc != SQLITE_OK ? rc : r->pMethods->xTruncate(r, size);
}

static int
hvfs_sync(sqlite3_file *f, int flags)
{
	int rc = hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	return rc != SQLITE_OK ? rc : r->pMethods->xSync(r, flags);
}

static int
hvfs_size(sqlite3_file *f, sqlite3_int64 *size)
{
	int rc = hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	return rc != SQLITE_OK ? rc : r->pMethods->xFileSize(r, size);
}

static int
hvfs_lock(sqlite3_file *f, int level)
{
	int rc = hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	return rc != SQLITE_OK ? rc : r->pMethods->xLock(r, level);
}

/* Unlocks go through whatever happened to the run: a lock left held
 * would stop every other connection. */
static int
hvfs_unlock(sqlite3_file *f, int level)
{
	hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	return r->pMethods->xUnlock(r, level);
}

static int
hvfs_reserved(sqlite3_file *f, int *out)
{
	sqlite3_file *r = HSQL_REAL(f);
	return r->pMethods->xCheckReservedLock(r, out);
}

static int
hvfs_control(sqlite3_file *f, int op, void *arg)
{
	int rc = hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	return rc != SQLITE_OK ? rc : r->pMethods->xFileControl(r, op, arg);
}

static int
hvfs_sector(sqlite3_file *f)
{
	sqlite3_file *r = HSQL_REAL(f);
	return r->pMethods->xSectorSize(r);
}

static int
hvfs_device(sqlite3_file *f)
{
	sqlite3_file *r = HSQL_REAL(f);
	return r->pMethods->xDeviceCharacteristics(r);
}

static int
hvfs_shm_map(sqlite3_file *f, int page, int size, int extend,
    void volatile **out)
{
	sqlite3_file *r = HSQL_REAL(f);
	return r->pMethods->xShmMap(r, page, size, extend, out);
}

static int
hvfs_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	int rc = hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	if (rc != SQLITE_OK && !(flags & SQLITE_SHM_UNLOCK))
		return rc;
	return r->pMethods->xShmLock(r, offset, n, flags);
}

static void
hvfs_shm_barrier(sqlite3_file *f)
{
	hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	r->pMethods->xShmBarrier(r);
}

static int
hvfs_shm_unmap(sqlite3_file *f, int delete)
{
	sqlite3_file *r = HSQL_REAL(f);
	return r->pMethods->xShmUnmap(r, delete);
}

static int
hvfs_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out)
{
	int rc = hvfs_flush();
	sqlite3_file *r = HSQL_REAL(f);
	return rc != SQLITE_OK ? rc : r->pMethods->xFetch(r, off, amt, out);
}

static int
hvfs_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	sqlite3_file *r = HSQL_REAL(f);
	return r->pMethods->xUnfetch(r, off, p);
}

static const sqlite3_io_methods hvfs_methods = {
	.iVersion = 3,
	.xClose = hvfs_close,
	.xRead = hvfs_read,
	.xWrite = hvfs_write,
	.xTruncate = hvfs_truncate,
	.xSync = hvfs_sync,
	.xFileSize = hvfs_size,
	.xLock = hvfs_lock,
	.xUnlock = hvfs_unlock,
	.xCheckReservedLock = hvfs_reserved,
	.xFileControl = hvfs_control,
	.xSectorSize = hvfs_sector,
	.xDeviceCharacteristics = hvfs_device,
	.xShmMap = hvfs_shm_map,
	.xShmLock = hvfs_shm_lock,
	.xShmBarrier = hvfs_shm_barrier,
	.xShmUnmap = hvfs_shm_unmap,
	.xFetch = hvfs_fetch,
	.xUnfetch = hvfs_unfetch,
};

static int
hvfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f,
    int flags, int *out)
{
	struct hsql_file *hf = (struct hsql_file *)f;
	(void)vfs;

	hf->base.pMethods = NULL;
	int rc = hvfs.real->xOpen(hvfs.real, name, HSQL_REAL(f), flags, out);
	if (rc != SQLITE_OK)
		return rc;
	/* The default VFS's files are version 3; anything less would have
	 * methods ours would call and it lacks. */
	if (HSQL_REAL(f)->pMethods == NULL ||
	    HSQL_REAL(f)->pMethods->iVersion < 3) {
		if (HSQL_REAL(f)->pMethods != NULL)
			HSQL_REAL(f)->pMethods->xClose(HSQL_REAL(f));
		return SQLITE_CANTOPEN;
	}
	hf->base.pMethods = &hvfs_methods;
	hf->wal = (flags & SQLITE_OPEN_WAL) != 0;
	hf->gather = hf->wal && hvfs.gather && hvfs.wal == NULL;
	if (hf->gather) {
		if (hvfs.run == NULL)
			hvfs.run = xmalloc(HSQL_WAL_RUN);
		hvfs.wal = hf;
		hvfs.len = 0;
	}
	return SQLITE_OK;
}

/* Register the writer's VFS, once: the default one's, but for its files. */
static void
hvfs_register(void)
{
	if (hvfs.real != NULL)
		return;
	hvfs.real = sqlite3_vfs_find(NULL);
	hvfs.vfs = *hvfs.real;
	hvfs.vfs.zName = HSQL_VFS;
	hvfs.vfs.szOsFile = (int)HSQL_FILE_SIZE + hvfs.real->szOsFile;
	hvfs.vfs.xOpen = hvfs_open;
	hvfs.vfs.pNext = NULL;
	sqlite3_vfs_register(&hvfs.vfs, 0);
}

/* open and close */

static void
hsql_close(void)
{
	/* An empty WAL for the next start, which would otherwise read all
	 * of it first (other connections to the file, the accounts', keep
	 * SQLite from doing so as the last one closes). */
	if (hsql.db != NULL && hsql.rd != NULL)
		sqlite3_wal_checkpoint_v2(hsql.db, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(hsql.st[i]);
		sqlite3_finalize(hsql.rst[i]);
		hsql.st[i] = hsql.rst[i] = NULL;
	}
	sqlite3_close(hsql.rd);
	sqlite3_close(hsql.db);
	hsql.rd = hsql.db = NULL;
	if (hsql.lock_fd != -1)
		close(hsql.lock_fd);	/* the lock goes with it */
	hsql.lock_fd = -1;
	hsql.wal_pages = 0;
	hsql.error[0] = '\0';
	hsql.sweep_tid = 0;
	memset(hsql.names, 0, sizeof(hsql.names));
}

static int
hsql_open_fail(const char *path, const char *why, char *err, size_t errcap)
{
	snprintf(err, errcap, "cannot open database %s: %s", path, why);
	hsql_close();
	return -1;
}

/*
 * Take path.lock, or say who has it: the PID the holder wrote there.
 * flock, not SQLite's locking_mode=EXCLUSIVE, because the loop's reader
 * connection shares the file, and a lock a crash releases by itself.
 */
static int
hsql_lock(const char *path, char *why, size_t cap)
{
	char lpath[PATH_MAX], buf[32];

	if ((size_t)snprintf(lpath, sizeof(lpath), "%s.lock", path) >=
	    sizeof(lpath)) {
		snprintf(why, cap, "path too long");
		return -1;
	}
	int fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(why, cap, "%s: %s", lpath, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int e = errno;
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (e == EWOULDBLOCK)
			snprintf(why, cap, "in use by another natterd (pid %s;"
			    " %s)", buf[0] != '\0' ? buf : "unknown", lpath);
		else
			snprintf(why, cap, "%s: %s", lpath, strerror(e));
		close(fd);
		return -1;
	}
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, n, 0) != n)
		log_warn("history: %s: cannot write our pid", lpath);
	hsql.lock_fd = fd;
	return 0;
}

/* Open a connection to path with the settings both share; vfs NULL is
 * the default one. */
static int
hsql_connect(const char *path, sqlite3 **db, const char *vfs)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX;

	if (sqlite3_open_v2(path, db, flags, vfs) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(*db, HSQL_BUSY_MS);
	sqlite3_extended_result_codes(*db, 1);
	return 0;
}

int
hsql_open(const char *path, bool sync_full, char *err, size_t errcap)
{
	struct stat sb;
	char why[PATH_MAX + 128], *msg = NULL;

	/* Each connection is used by one thread only (the writer by the
	 * storage thread, the reader by the loop): SQLite's per-connection
	 * mutexes and its malloc statistics (a global lock around every
	 * allocation) are pure cost, a tenth of a stored message. Only
	 * possible before SQLite starts; later calls fail harmlessly. */
	static bool configured;
	if (!configured) {
		sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = true;
	}
	hvfs_register();
	hsql_close();
	if (path_mkdirs(path, why, sizeof(why)) == -1)
		return hsql_open_fail(path, why, err, errcap);
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return hsql_open_fail(path, "is a directory", err, errcap);
	if (hsql_lock(path, why, sizeof(why)) == -1)
		return hsql_open_fail(path, why, err, errcap);
	/* Private messages live here: create it unreadable by others before
	 * SQLite does (its journals inherit the mode). */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return hsql_open_fail(path, strerror(errno), err, errcap);
	close(fd);
	hvfs.gather = sync_full;
	if (hsql_connect(path, &hsql.db, HSQL_VFS) == -1) {
		if (hsql.db == NULL)
			return hsql_open_fail(path, "out of memory", err,
			    errcap);
		return hsql_open_fail(path, sqlite3_errmsg(hsql.db), err,
		    errcap);
	}
	/* SQLite quietly opens a file it may not write read-only. */
	if (sqlite3_db_readonly(hsql.db, "main") == 1)
		return hsql_open_fail(path, "read-only", err, errcap);

	/* The first read tells a file that is not a database; the version
	 * write probes that we may write it and its WAL. */
	int version = -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(hsql.db, "PRAGMA user_version", -1, &st,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (version < 0)
		return hsql_open_fail(path, sqlite3_errmsg(hsql.db), err,
		    errcap);
	if (version > HSQL_SCHEMA_VERSION)
		return hsql_open_fail(path, "written by a newer natterd", err,
		    errcap);
	if (sqlite3_prepare_v2(hsql.db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK)
		return hsql_open_fail(path, sqlite3_errmsg(hsql.db), err,
		    errcap);
	int rc = sqlite3_step(st);
	bool wal = rc == SQLITE_ROW && strcmp((const char *)
	    sqlite3_column_text(st, 0), "wal") == 0;
	sqlite3_finalize(st);
	if (!wal)
		return hsql_open_fail(path, rc == SQLITE_ROW ?
		    "cannot use a write-ahead log" : sqlite3_errmsg(hsql.db),
		    err, errcap);
	/* The schema (version 1, or what is missing of it: a database of
	 * version 2 on has it all, and schema 6's messages has no tkey for
	 * its index), then the steps from the version found, in one
	 * transaction: a database is at one version or the next. */
	char sql[sizeof(hsql_schema) + 128];
	snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s;"
	    "BEGIN IMMEDIATE; %s", sync_full ? "FULL" : "NORMAL",
	    version < 2 ? hsql_schema : "");
	rc = sqlite3_create_function(hsql.db, "natter_msgid", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, hsql_msgid_fn, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(hsql.db, sql, NULL, NULL, &msg);
	/* An upgrade copies every row: ask systemd for time as it goes. */
	if (version > 0 && version < HSQL_SCHEMA_VERSION) {
		hsql_upgrade_next = 0;
		hsql_upgrade_tick(&version);
		sqlite3_progress_handler(hsql.db, HSQL_UPGRADE_OPS,
		    hsql_upgrade_tick, &version);
	}
	for (int v = (version > 1 ? version : 1) + 1; rc == SQLITE_OK &&
	    v <= HSQL_SCHEMA_VERSION; v++) {
		if (version > 0)
			log_info("history: %s: schema version %d to %d", path,
			    v - 1, v);
		rc = sqlite3_exec(hsql.db, hsql_migrations[v], NULL, NULL,
		    &msg);
	}
	sqlite3_progress_handler(hsql.db, 0, NULL, NULL);
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;"
		    " INSERT INTO msg_fts (msg_fts, rank) VALUES"
		    " ('automerge', %d); COMMIT;", HSQL_SCHEMA_VERSION,
		    HSQL_FTS_AUTOMERGE);
		rc = sqlite3_exec(hsql.db, sql, NULL, NULL, &msg);
	}
	if (rc != SQLITE_OK) {
		str_copy(why, msg != NULL ? msg : "cannot write", sizeof(why));
		sqlite3_free(msg);
		return hsql_open_fail(path, why, err, errcap);
	}
	if (hsql_connect(path, &hsql.rd, NULL) == -1)
		return hsql_open_fail(path, hsql.rd != NULL ?
		    sqlite3_errmsg(hsql.rd) : "out of memory", err, errcap);
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(hsql.db, hsql_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &hsql.st[i], NULL) != SQLITE_OK)
			return hsql_open_fail(path, sqlite3_errmsg(hsql.db),
			    err, errcap);
		if (sqlite3_prepare_v3(hsql.rd, hsql_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &hsql.rst[i], NULL) != SQLITE_OK)
			return hsql_open_fail(path, sqlite3_errmsg(hsql.rd),
			    err, errcap);
	}
	sqlite3_wal_hook(hsql.db, hsql_wal_hook, NULL);
	hsql.wal_force = HSQL_WAL_FORCE;
	return 0;
}

const struct store hsql_store = {
	.batched = true,
	.begin = hsql_begin,
	.add = hsql_add,
	.chan_save = hsql_chan_save,
	.chan_forget = hsql_chan_forget,
	.redact = hsql_redact,
	.forget_owner = hsql_forget_owner,
	.commit = hsql_commit,
	.rollback = hsql_rollback,
	.error = hsql_error,
	.prune_old = hsql_prune_old,
	.bytes = hsql_bytes,
	.set_max = hsql_set_max,
	.trim = hsql_trim,
	.idle = hsql_idle,
	.busy = hsql_busy,
	.last_id = hsql_last_id,
	.find = hsql_find,
	.range = hsql_range,
	.targets = hsql_targets,
	.search = hsql_search,
	.chan_get = hsql_chan_get,
	.close = hsql_close,
};
