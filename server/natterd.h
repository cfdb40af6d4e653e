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

/* One stored message. Strings belong to the caller for hist_add; in query
 * results they belong to the history module and last until the callback
 * returns. */
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

/* Retention: --history-days and --history-max (0: keep forever);
 * hist_prune deletes one small batch and returns true while more remains. */
void hist_set_retention(int days, int max_per_target);
bool hist_prune(void);

/*
 * Which history a target names: a channel's folded name, or for a nick the
 * conversation of the two folded nicks (me and target), the same for both
 * parties and for no one else. Returns the key's length, 0 if it does not
 * fit.
 */
#define HIST_KEY_MAX (2 * IRC_NICK_MAX + 2)
size_t hist_key(char *buf, size_t cap, const char *me, const char *target);

/* A CHATHISTORY reference: "*", "msgid=..." or "timestamp=...". */
enum hist_ref_type { HIST_REF_NONE, HIST_REF_MSGID, HIST_REF_TIME };
struct hist_ref {
	enum hist_ref_type type;
	int64_t time_ms;
	char msgid[IRC_MSGID_MAX + 1];
};
/* Parse s; "*" is accepted only when star_ok (LATEST). */
bool hist_ref_parse(const char *s, struct hist_ref *r, bool star_ok);

enum hist_sub { HIST_LATEST, HIST_BEFORE, HIST_AFTER, HIST_AROUND, HIST_BETWEEN };
struct hist_query {
	enum hist_sub sub;
	const char *key;	/* from hist_key */
	struct hist_ref a;	/* the reference; "*" only for LATEST */
	struct hist_ref b;	/* BETWEEN's second reference */
	int limit;		/* at most this many rows (the caller caps it) */
	bool tagmsg;		/* include TAGMSG rows (draft/event-playback) */
};
typedef void hist_row_fn(const struct hist_msg *m, void *arg);
/*
 * Call fn on each row of q in ascending (time, arrival) order, the order
 * msgid references page by. References exclude what they name, except
 * AROUND msgid=, whose message is included. BETWEEN counts its limit from
 * the first reference, which may be the later one. A msgid unknown in this
 * target selects nothing. Returns the number of rows, or -1 on a database
 * error (logged).
 */
int hist_query(const struct hist_query *q, hist_row_fn *fn, void *arg);

/* Whether a channel's history may be shown (membership is the server's). */
typedef bool hist_visible_fn(const char *channel, void *arg);
typedef void hist_target_fn(const char *target, int64_t last_ms, void *arg);
/*
 * CHATHISTORY TARGETS: the channels (those visible accepts) and the
 * conversations of nick me with messages strictly between the two times,
 * with the time of the latest one there; at most limit, counted from
 * from_ms (which may be the later time), given to fn in ascending time.
 * Returns the count, or -1 on a database error.
 */
int hist_targets(const char *me, int64_t from_ms, int64_t to_ms, int limit,
    hist_visible_fn *visible, hist_target_fn *fn, void *arg);

/*
 * Channel state that outlives a restart. The server saves a channel when
 * its topic or modes change (in the pass's transaction, like messages),
 * forgets it when the channel empties, and asks for it when a JOIN creates
 * the channel, so a channel that had people in it when natterd stopped
 * comes back as it was.
 */
struct hist_chan {
	const char *name;
	const char *topic;	/* "" when none */
	const char *topic_setter;
	int64_t topic_time;	/* seconds since the epoch */
	const char *modes;	/* mode letters without '+', e.g. "nt" */
	const char *key;	/* +k, "" when none */
	int limit;		/* +l, 0 when none */
	int64_t created;	/* seconds since the epoch */
};
void hist_chan_save(const struct hist_chan *c);
void hist_chan_forget(const char *name);
/* The saved state of name; its strings last until the next hist_chan_get. */
bool hist_chan_get(const char *name, struct hist_chan *c);

#endif
