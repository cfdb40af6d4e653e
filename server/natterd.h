/*
 * natterd: the whole program's vocabulary in one header, a paragraph per
 * file. One process, one thread, one poll(2) loop.
 */
#ifndef NATTERD_H
#define NATTERD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irc.h"
#include "numeric.h"
#include "util.h"

/* history.c: durable history in SQLite (see natterd(8), "Durability") */

/* One stored message. Strings belong to the caller for hist_add and to the
 * history module (valid until the next hist_* call) for query results. */
struct hist_msg {
	char msgid[IRC_MSGID_MAX + 1];
	int64_t time_ms;	/* server-time, ms since the epoch, UTC */
	const char *source;	/* nick!user@host of the sender */
	const char *target;	/* channel, or the recipient's nick, as sent */
	const char *command;	/* "PRIVMSG", "NOTICE" or "TAGMSG" */
	const char *tags;	/* client-only tags in escaped wire form, or "" */
	const char *text;	/* "" for TAGMSG */
};

/* Open (creating if needed) the database at path; NULL or "none" keeps
 * history in memory only. On failure writes one clear line to *err and
 * returns -1; start-up then exits. */
int hist_open(const char *path, char *err, size_t errcap);
void hist_close(void);

/* Queue m in this loop pass's transaction (begun on the first add). */
void hist_add(const struct hist_msg *m);

/* Commit the pass's transaction. Called once per loop pass before any
 * output is written, so whatever a client saw is already on disk.
 * A failed commit is logged; the server keeps serving. */
void hist_commit(void);

/* Retention: --history-days and --history-max; hist_prune deletes one
 * small batch and returns true while more remains. */
void hist_set_retention(int days, int max_per_target);
bool hist_prune(void);

#endif
