/*
 * hist-store.h: the seam between history.c and its two stores,
 * hist-sqlite.c (a database file) and hist-mem.c (--db none). Private to
 * those three files: the rest of natterd sees only natterd.h's hist_*.
 *
 * A store keeps rows and finds them; history.c does what is the same for
 * both (keys, references, the subcommands, TARGETS and who may see what,
 * retention policy, the storage thread and its batches). Closed is no
 * store at all. A table of functions because there are two real stores.
 *
 * Rows are ordered by (time_ms, id), id being the arrival order; a
 * hist_pos is a point in that order.
 */
#ifndef HIST_STORE_H
#define HIST_STORE_H

#include "natterd.h"

struct hist_pos {
	int64_t time_ms;
	int64_t id;
};

/* A target and its latest message: time, source and target as sent.
 * False stops the listing. */
typedef bool store_target_fn(const char *key, int64_t time_ms,
    const char *source, const char *target, void *arg);

/* Whether SEARCH may show a target's rows, and which: those after *since
 * (--history-cutoff, +i and +s; {0, 0}: all). */
typedef bool store_keep_fn(const char *key, void *arg, struct hist_pos *since);

/* Whether a row at time_ms, id comes after a store_keep_fn's since. */
static inline bool
store_after(struct hist_pos since, int64_t time_ms, int64_t id)
{
	return since.time_ms == 0 || time_ms > since.time_ms ||
	    (time_ms == since.time_ms && id > since.id);
}

/*
 * An entry that is NULL means the store has nothing of that kind to do.
 * A batched store's writes (add to busy) run on the storage thread and
 * its reads (find to chan_get) on the loop thread, each on its own
 * connection; the memory store does everything on the loop thread.
 */
struct store {
	/* Writes come in batches on the storage thread, between begin and
	 * commit, and may fail; false: each add is kept at once. */
	bool batched;

	/* Open a transaction for one or more batches; false on an error. */
	bool (*begin)(void);
	/* Keep m as a row of target key; false on an error (a duplicate
	 * msgid is not one: that row alone is dropped). */
	bool (*add)(const struct hist_msg *m, const char *key);
	/* Channel rows, by folded name. */
	bool (*chan_save)(const char *folded, const struct hist_chan *c);
	bool (*chan_forget)(const char *folded);
	/* Delete the message msgid of target key (REDACT); none there is
	 * no error. False on an error. */
	bool (*redact)(const char *key, const char *msgid);
	/* A dropped account: delete the rows of owner's sides of
	 * conversations (keys "owner nick") and take account (folded) out of
	 * the channel rows' owner and operators. False on an error. */
	bool (*forget_owner)(const char *owner, const char *account);
	/* Make the transaction durable (as --sync says); false on an error,
	 * after which nothing of it is kept. */
	bool (*commit)(void);
	/* Give the transaction up (after a failed write). */
	void (*rollback)(void);
	/* Why the last write failed. */
	const char *(*error)(void);
	/* Drop at most batch rows older than cutoff_ms, the oldest first
	 * (INT64_MAX: the oldest rows, whatever their age): 1 if more may
	 * remain, 0 if not, -1 on an error (logged). */
	int (*prune_old)(int64_t cutoff_ms, int batch);
	/* What history takes, in bytes; -1 on an error (logged). */
	int64_t (*bytes)(void);
	/* --history-max from now on: at most max rows a target (0: all). */
	void (*set_max)(int max);
	/* One batch of trimming targets down to that max; as prune_old. */
	int (*trim)(int batch);
	/* Upkeep when no batch waits, at monotonic time now (a checkpoint). */
	void (*idle)(int64_t now);
	/* Whether idle or trim has work waiting. */
	bool (*busy)(void);

	/* The highest id a row has (0: none), for the ids hist_add gives. */
	int64_t (*last_id)(void);
	/* The position of msgid if it is in target key. */
	bool (*find)(const char *key, const char *msgid, struct hist_pos *p);
	/* fn on the first (last: the last) n rows of key strictly between lo
	 * and hi, ascending, TAGMSG rows only if tagmsg; the count, or -1 on
	 * an error (logged). */
	int (*range)(const char *key, struct hist_pos lo, struct hist_pos hi,
	    int n, bool last, bool tagmsg, hist_row_fn *fn, void *arg);
	/* fn on every channel, and every side of a conversation that owner
	 * has (a key "owner nick"), whose latest message is strictly
	 * between the two times, in the order of (time, key), descending if
	 * desc, until fn says stop. False on an error (logged). */
	bool (*targets)(const char *owner, int64_t lo_ms, int64_t hi_ms,
	    bool desc, store_target_fn *fn, void *arg);
	/* fn on the rows matching q (key, from: the folded nick, the time
	 * bounds, text) of targets keep accepts, newest first if desc, until
	 * q->limit: the count, or -1 on an error (logged). A budget of rows
	 * looked at ends it early. */
	int (*search)(const struct hist_search *q, const char *from, bool desc,
	    store_keep_fn *keep, void *karg, hist_row_fn *fn, void *arg);
	/* The saved row of a folded channel name; its strings last until
	 * the next call. */
	bool (*chan_get)(const char *folded, struct hist_chan *c);

	/* Let go of everything; the store may be opened again. */
	void (*close)(void);
};

/* hist-sqlite.c: open (creating it and its directory) the database at
 * path, fsyncing each commit if sync_full, or write why not to err and
 * return -1. Only one process may have it open (a lock file). */
int hsql_open(const char *path, bool sync_full, char *err, size_t errcap);
extern const struct store hsql_store;

/* hist-mem.c: always open; empty after close. */
extern const struct store hmem_store;

#endif
