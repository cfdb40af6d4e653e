/*
 * hist-store.h: the seam between history.c and its two stores,
 * hist-sqlite.c (a database file) and hist-mem.c (--db none). Private to
 * those three files: the rest of natterd sees only natterd.h's hist_*.
 *
 * A store keeps rows and finds them; history.c does what is the same for
 * both (keys, references, the subcommands, TARGETS and who may see what,
 * retention policy). Closed is no store at all. A table of functions
 * because there are two real stores, and the next one (storage off the
 * loop thread) wraps them.
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

/* Whether latest looks at target key at all. */
typedef bool store_want_fn(const char *key, void *arg);
/* A target and its latest message in the window: time, source and target
 * as sent. */
typedef void store_latest_fn(const char *key, int64_t time_ms,
    const char *source, const char *target, void *arg);

/* An entry that is NULL means the store has nothing of that kind to do. */
struct store {
	/* Keep m as a row of target key (in the pass's transaction). */
	void (*add)(const struct hist_msg *m, const char *key);
	/* The position of msgid if it is in target key. */
	bool (*find)(const char *key, const char *msgid, struct hist_pos *p);
	/* fn on the first (last: the last) n rows of key strictly between lo
	 * and hi, ascending, TAGMSG rows only if tagmsg; the count, or -1 on
	 * an error (logged). */
	int (*range)(const char *key, struct hist_pos lo, struct hist_pos hi,
	    int n, bool last, bool tagmsg, hist_row_fn *fn, void *arg);
	/* fn on every target want accepts with a message strictly between
	 * the two times, with the latest such message. False on an error
	 * (logged). */
	bool (*latest)(int64_t lo_ms, int64_t hi_ms, store_want_fn *want,
	    store_latest_fn *fn, void *arg);
	/* Drop at most batch rows older than cutoff_ms, the first to arrive
	 * first: 1 if more may remain, 0 if not, -1 on an error (logged). */
	int (*prune_old)(int64_t cutoff_ms, int batch);
	/* --history-max from now on: at most max rows a target (0: all). */
	void (*set_max)(int max);
	/* One batch of trimming targets down to that max; as prune_old. */
	int (*trim)(int batch);
	/* The end of a loop pass: its writes become durable. */
	void (*commit)(void);
	/* Upkeep on an idle pass at monotonic time now (a checkpoint). */
	void (*idle)(int64_t now);
	/* Whether idle or trim has work waiting. */
	bool (*busy)(void);
	/* Let go of everything; the store may be opened again. */
	void (*close)(void);
};

/* hist-sqlite.c: open (creating it and its directory) the database at
 * path, or write why not to err and return -1. */
int hsql_open(const char *path, char *err, size_t errcap);
extern const struct store hsql_store;

/* hist-mem.c: always open; empty after close. */
extern const struct store hmem_store;

#endif
