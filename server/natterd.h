/*
 * natterd: the whole program's vocabulary in one header, a paragraph per
 * file. One process, one poll(2) loop on one thread; only history's
 * writes have a thread of their own (history.c).
 */
#ifndef NATTERD_H
#define NATTERD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "irc.h"
#include "numeric.h"
#include "util.h"

struct client;

#define NATTERD_VERSION "natterd-" PACKAGE_VERSION

/*
 * main.c: the flags (one table: getopt_long, --help, checks), the
 * configuration files, start-up.
 */

/*
 * --history-cutoff, Ergo's query cutoff: how far back a channel's member
 * may read lines said before they could have seen them.
 */
enum hist_cutoff {
	HC_NONE,	/* all of it: the LAN's default */
	HC_JOIN,	/* from when they joined, this time */
	HC_REGISTRATION,	/* from their account's registration or
				 * their JOIN, whichever came first */
};

/* An --oper-file line: "name password", or "name account=NAME" for an
 * operator tied to an account (pass NULL), who needs no password. */
struct oper {
	char *name;
	char *pass;
	char *account;
};

/* --trust: a network exempt from the per-address limits. */
struct trust {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network byte order; 4 bytes for AF_INET */
	unsigned prefix;	/* bits that must match */
};
#define TRUST_MAX 16

/*
 * Descriptors kept out of --max-clients' default: standard streams,
 * listeners, the database (file, WAL, shared memory, lock), the storage
 * thread's wake-up, the spare descriptor listen.c keeps for EMFILE, syslog.
 */
#define NOFILE_RESERVED 32

struct config {
	const char *name;	/* server name in replies (--name) */
	const char *motd_path;
	const char *password_path;
	const char *oper_path;
	const char *db_path;	/* --db, handed to hist_open */
	const char *tls_cert;	/* --tls-cert; NULL: natterd's own */
	const char *tls_key;	/* --tls-key, given with --tls-cert */
	size_t max_clients;	/* 0: no limit; default from RLIMIT_NOFILE */
	size_t max_per_ip;	/* 0: no limit */
	size_t max_unregistered;	/* per address, not registered; 0: none */
	struct trust trust[TRUST_MAX];	/* exempt from the per-address limits */
	size_t ntrust;
	size_t sendq;		/* bytes queued per client before SendQ exceeded */
	size_t max_output;	/* bytes queued for all clients; 0: no limit */
	int flood_rate;		/* lines per second; 0: flood control off */
	int flood_burst;	/* lines accepted at once before delaying */
	int ping_timeout;	/* seconds */
	int history_days;	/* --history-days, 0: forever */
	int history_max;	/* --history-max per target, 0: no limit */
	size_t history_max_bytes;	/* --history-max-bytes, 0: no limit */
	bool sync_full;		/* --sync full: fsync each batch (default) */
	int replay;		/* --replay: lines replayed on JOIN */
	bool registration_closed;	/* --registration closed */
	int nick_grace;		/* --nick-grace: seconds to identify */
	enum hist_cutoff history_cutoff;	/* --history-cutoff */
	/* Re-read on SIGHUP (conf_reload). */
	char **motd;		/* lines, NULL-terminated; NULL when none */
	char *password;		/* server password; NULL when none */
	struct oper *opers;
	size_t nopers;
	char created[64];	/* for 003 */
};
extern struct config cfg;

/* Read the MOTD, password and oper files again; errors are logged. */
void conf_reload(void);

/*
 * relay.c: refcounted output buffers. A line sent to many clients is
 * formatted once into a shared buffer; every recipient's queue holds a
 * reference. Private buffers (refs == 1, growable) take direct replies.
 */

struct hold;

struct obuf {
	uint32_t refs;
	uint32_t len;
	uint32_t cap;
	bool if_lost;		/* with hold: sent only if its message is lost */
	struct hold *hold;	/* NULL: send at once */
	char data[];
};

struct obuf *obuf_new(size_t cap);
struct obuf *obuf_ref(struct obuf *b);
void obuf_unref(struct obuf *b);

/*
 * relay.c (continued): buffers tied to a hold (history.c). A client's
 * queue stops at a buffer whose hold is pending, so its order is kept;
 * other clients never wait for it.
 */
enum obuf_show { OB_SEND, OB_WAIT, OB_SKIP };

/* Tie b to h (a reference); b goes out when h is stored, or if_lost when
 * it is lost. */
void obuf_tie(struct obuf *b, struct hold *h, bool if_lost);
/* Whether b may be written now, must wait, or is never to be written. */
enum obuf_show obuf_show(const struct obuf *b);

#define MULTILINE_REF_MAX 32	/* bytes of a batch reference we keep */

/*
 * relay.c (continued): a message relayed from a source to many clients. Its body is
 * formatted once; each tag variant (server-time, message-tags: msgid and
 * client tags) is built lazily the first time a recipient needs it.
 */

enum {
	RV_TIME = 1 << 0,	/* recipient has server-time */
	RV_TAGS = 1 << 1,	/* recipient has message-tags */
	RV_ACCOUNT = 1 << 2,	/* recipient has account-tag */
	RV_MULTILINE = 1 << 3,	/* recipient takes draft/multiline batches */
	RV_COUNT = 16,
};

struct relay {
	int64_t time_ms;	/* when the server received it */
	char msgid[IRC_MSGID_MAX + 1];	/* "" when the message has none */
	const char *ctags;	/* escaped client tags, "" when none */
	bool tags_only;		/* TAGMSG: only for message-tags clients */
	struct hold *hold;	/* its variants wait for this; NULL: none */
	const char *account;	/* the source's account (account-tag), or NULL */
	/* draft/multiline: the message's lines (multiline.c's form), body
	 * then being their prefix ":source PRIVMSG target :" and CRLF;
	 * NULL: body is the message. */
	const char *lines;
	char ref[MULTILINE_REF_MAX + 1];	/* its batch reference, once made */
	char body[IRC_BODY_MAX + 1];	/* ":source CMD params\r\n" */
	size_t bodylen;
	struct obuf *variant[RV_COUNT];
};

/*
 * Start a relay: ":source command params..." (the last param as trailing
 * when needed, cut to IRC_BODY_MAX at a code point). msgid may be NULL.
 * A relay from a client sets r->account = c->account after this.
 */
void relay_init(struct relay *r, int64_t time_ms, const char *msgid,
    const char *ctags, const char *source, const char *command,
    size_t nparams, const char *const *params);
/* Queue r to one client (the variant its caps ask for). */
void relay_send(struct relay *r, struct client *c);
/* Drop the relay's own references; queues keep theirs. */
void relay_done(struct relay *r);
/*
 * msgid.c: natterd's msgids, base32 of a 64-bit counter seeded from the
 * clock, and the counter back from one (what the history store keeps).
 */
void msgid_new(char *buf, size_t cap);
void msgid_format(int64_t v, char *buf, size_t cap);
/* false: not one of natterd's (stored as text). */
bool msgid_parse(const char *msgid, int64_t *v);

/*
 * conn.c: one client connection: read framing, the output queue, sendq,
 * closing. Output is only queued here; the loop writes it out once per
 * pass (the end-of-pass flush in loop.c), after hist_commit.
 */

/* Where a connection is in its life; each state only moves forward. */
enum conn_state {
	CONN_OPEN,		/* reading and running commands */
	CONN_CLOSING,		/* conn_close called; conn_reap runs its QUIT */
	CONN_DEAD,		/* gone from nicks and channels; fd closes at pass end */
	CONN_LINGER,		/* dead, its last lines still leaving until linger_until */
};

/* Registration: what the client has sent so far (struct client's reg). */
enum {
	REG_NICK = 1 << 0,	/* NICK given (the nick is in the nick table) */
	REG_USER = 1 << 1,	/* USER given */
	REG_PASS = 1 << 2,	/* correct PASS given */
	REG_CAPNEG = 1 << 3,	/* CAP LS/REQ seen, no CAP END yet */
	REG_CAP302 = 1 << 4,	/* CAP LS 302: cap-notify implied */
	REG_DONE = 1 << 5,	/* registered: the welcome burst went out */
};

/* User modes (struct client's umodes). Away is the away message. */
enum {
	UMODE_INVISIBLE = 1 << 0,	/* +i */
	UMODE_OPER = 1 << 1,		/* +o, granted only by OPER */
	UMODE_WALLOPS = 1 << 2,		/* +w */
	UMODE_BOT = 1 << 3,		/* +B: a bot (IRCv3 bot-mode) */
};

/* The loop's bookkeeping of a connection's I/O (struct client's io). */
enum {
	IO_DIRTY = 1 << 0,	/* on the flush list */
	IO_THROTTLED = 1 << 1,	/* input delayed by flood control */
	IO_SENDQ = 1 << 2,	/* sendq exceeded: queue dropped, no more output */
	IO_HELD = 1 << 3,	/* output waits for a hold (loop's held list) */
	IO_MORE = 1 << 4,	/* a long answer under way (loop's more list) */
	IO_DEFERRED = 1 << 5,	/* a long command waits for the next pass */
	IO_DISK = 1 << 6,	/* a message waits for history (loop's disk list) */
};

/* TLS progress (struct client's tls_state), only on a TLS connection. */
enum {
	TLS_HANDSHAKING = 1 << 0,	/* no application data yet */
	TLS_BROKEN = 1 << 1,		/* failed: no close_notify, no more I/O */
	TLS_READ_WANTS_WRITE = 1 << 2,	/* read again once writable */
};
struct monlist;
struct mlbatch;

/*
 * A long answer under way: LIST over every channel, answered in steps
 * (cmd_list_step), LIST_STEP channels at most, each once less than
 * MORE_QUEUED_MAX is queued for the client. Its next lines wait for the
 * end. The channels are listed in case-folded order, so one made or gone
 * between steps is listed at most once, and one there throughout once.
 */
struct more {
	char filters[IRC_BODY_MAX];	/* LIST's parameter ("": all) */
	char after[IRC_CHAN_MAX + 1];	/* the last channel listed, or "" */
};
#define LIST_STEP 64
/* A quarter of the sendq: a client reading its answer is never near it. */
#define MORE_QUEUED_MAX (cfg.sendq / 4)

struct oent {
	struct obuf *b;
	uint32_t off;
};

struct ssl_st;

struct member;

/*
 * readmark.c: draft/read-marker (MARKREAD): up to when a user has read
 * each channel or conversation, an account's shared by its connections
 * and kept in the database, a connection's own without one.
 */

#define READMARK_MAX 512	/* targets a list remembers */

struct readmark {
	char target[IRC_CHAN_MAX + 1];	/* folded channel name or nick */
	int64_t time_ms;	/* read up to this server-time */
	bool dirty;		/* changed since the last save */
};

struct readmarks {
	struct readmark *v;
	uint32_t n, cap;
	bool dirty;		/* some marker changed since the last save */
	bool rewrite;		/* one gave way: save the whole list */
};

/* The marker of a folded target; 0: none. */
int64_t readmark_get(const struct readmarks *l, const char *folded);
/* Move the marker of a folded target to time_ms; false if it was there
 * or later already. */
bool readmark_set(struct readmarks *l, const char *folded, int64_t time_ms);
/* Everything is saved (account.c, after writing the list). */
void readmark_clean(struct readmarks *l);
void readmark_free(struct readmarks *l);
struct chan;
/* c joined ch: its marker there, if c has the capability (the spec sends
 * it after the JOIN, before the names). */
void readmark_join(struct client *c, const struct chan *ch);

struct client {
	int fd;
	uint32_t slot;		/* index in the loop's pollfd array */
	enum conn_state state;
	uint8_t reg;		/* REG_* */
	uint8_t umodes;		/* UMODE_* */
	uint8_t io;		/* IO_* */
	uint8_t tls_state;	/* TLS_* */
	uint32_t caps;		/* CAP_* bits */
	uint32_t mark;		/* visit stamp for "once per client" fan-out */
	struct hlink nlink;	/* in the nick table, by irc_casehash(nick) */
	struct frame in;
	struct oent *outq;	/* allocated only while output is queued */
	uint32_t outn, outhead, outcap;
	size_t outbytes;	/* unsent bytes, for --sendq */
	struct member *chans;	/* this client's memberships */
	int64_t accepted;	/* time_mono_ms at accept: the registration deadline */
	int64_t last_read;	/* time_mono_ms of the last input */
	int64_t ping_sent;	/* time_mono_ms of the idle PING; 0: none awaited */
	int64_t linger_until;	/* time_mono_ms when CONN_LINGER gives up */
	int64_t flood_at;	/* token bucket as a virtual clock (ms) */
	int64_t signon;		/* wall clock seconds */
	uint64_t barrier;	/* conn_barrier generation its queue has */
	uint32_t lines_out;	/* lines queued for it, ever (wraps): CMD_LONG */
	char *realname;
	char *away;		/* NULL when here */
	char *quit_reason;	/* set by conn_close */
	char *account;		/* logged-in account's name; NULL when not */
	struct sasl *sasl;	/* an AUTHENTICATE exchange under way, or NULL */
	int64_t guard_at;	/* time_mono_ms when an unidentified holder
				 * of a registered nick is renamed; 0: none */
	uint8_t login_fails;	/* failed or refused logins on this connection */
	struct ssl_st *tls;	/* OpenSSL's connection; NULL: plain */
	char *tls_retry;	/* a TLS record's bytes to write again */
	uint32_t tls_retry_len;
	char *certfp;		/* client certificate's SHA-256 fingerprint */
	uint64_t serial;	/* this connection's number in this run */
	char **invites;		/* folded channel names this client may enter */
	struct monlist *monitor;	/* MONITOR targets; NULL when none */
	struct more *more;	/* a long answer under way; NULL when none */
	char *deferred;		/* a CMD_LONG line left for the next pass,
				 * or a CMD_STORES or CMD_READS one left for
				 * the disk */
	size_t deferred_len;
	uint64_t stored_in;	/* the history batch its last message went
				 * into (hist_batch), 0: none */
	struct readmarks marks;	/* read markers while not logged in */
	struct mlbatch *ml;	/* a draft/multiline batch being sent, or NULL */
	uint8_t ninvites;
	char nick[IRC_NICK_MAX + 1];
	char user[IRC_USER_MAX + 1];
	char host[46];		/* numeric address, INET6_ADDRSTRLEN */
};

#define CONN_INVITES_MAX 16

/* Make a client for an accepted fd (already non-blocking). */
struct client *conn_new(int fd, const char *host);
/* Read once and run the complete lines flood control lets through. */
void conn_read(struct client *c);
/* Run lines already buffered (after a flood delay ended). */
void conn_process(struct client *c);
/* Run c->deferred (a CMD_LONG line a pass had no room for), then the
 * lines buffered after it. */
void conn_run_deferred(struct client *c);
/* Whether c's line left for the disk may run now: a message once history
 * is no longer behind, a history query once c's own messages are stored. */
bool conn_disk_ready(const struct client *c);
/* A command that costs as much as lines more lines of flood tokens. */
void conn_flood_charge(struct client *c, int lines);
/* "nick!user@host" (static buffer, valid until the next call). */
const char *conn_prefix(const struct client *c);
/* The nick or "*" before one is set, for numerics. */
const char *conn_nick(const struct client *c);
/*
 * Who c is to history (static buffer, valid until the next call): "@" and
 * the folded account when logged in, else "!" and a number no other
 * connection of this or any run has. Never a nick, which anyone may take
 * next: private history is stored under the owners of its two sides.
 */
const char *conn_owner(const struct client *c);
#define CONN_OWNER_MAX (IRC_NICK_MAX + 1)	/* bytes of an owner, NUL excluded */

/* Queue len bytes (whole CRLF lines) copied into c's private buffer. */
void conn_write(struct client *c, const char *data, size_t len);
/* Queue a shared buffer (takes a reference). */
void conn_push(struct client *c, struct obuf *b);
/* Queue one line from a format, CRLF added, cut at IRC_BODY_MAX. */
void conn_sendf(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * s echoed as a middle parameter of a reply, or "*" when it cannot be one
 * (empty, a leading ':', a space: a name taken from a trailing parameter),
 * so a client's odd input never shifts a numeric's fields.
 */
const char *conn_param(const char *s);
/* Queue ":server NNN nick " + format: the way to send any numeric. */
void conn_reply(struct client *c, enum numeric num, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * Queue one line with a tag section: tags is escaped "k=v;k2" without the
 * '@' (or "" for none), then the formatted body. For batches and replays.
 */
void conn_send_tagged(struct client *c, const char *tags, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* labeled-response: collect c's output while a labeled command runs,
 * then send it labeled (one line), as ACK (none) or in a batch. */
void conn_capture_begin(struct client *c);
/* c's output is being captured (a labeled command is running). */
bool conn_capturing(const struct client *c);
void conn_capture_end(struct client *c, const char *label);
/* Stop capturing until conn_capture_resume(the client returned): for what
 * the client gets as a recipient, not as the answer to its command. */
struct client *conn_capture_suspend(void);
void conn_capture_resume(struct client *c);
/* A fresh batch reference ("nb1", "nb2" ...). */
void batch_ref(char *buf, size_t cap);

/*
 * Close c: it leaves its channels (QUIT with reason to those who shared
 * them) at the next safe point, is sent "ERROR :Closing link" and its fd
 * is closed after the pass's flush. Safe to call from anywhere, any times.
 */
void conn_close(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Finish pending closes (the QUIT fan-out); called between commands. */
void conn_reap(void);
/* Write queued output: all of it went out (FLUSH_DONE), the socket is
 * full (FLUSH_AGAIN), or the rest waits for a hold (FLUSH_HELD). */
enum conn_flush { FLUSH_DONE, FLUSH_AGAIN, FLUSH_HELD };
enum conn_flush conn_flush(struct client *c);
/* Queue a line (CRLF added) that is sent only when h is lost: the
 * sender's word that its message was not stored. */
void conn_write_if_lost(struct client *c, struct hold *h, const char *line);
/* Until the next call (NULL: none), output queued for anyone waits for
 * h: what follows a change of channel state is seen once it is stored.
 * The loop ends it after each pass. */
void conn_barrier(struct hold *h);
/* Free a dead client (after its fd is out of the loop). */
void conn_free(struct client *c);
/* Queue a final ERROR line and mark c dead, without any fan-out. */
void conn_shutdown(struct client *c, const char *reason);
/* Drop everything queued (SendQ exceeded, shutdown). */
void conn_drop_output(struct client *c);

extern size_t conn_queued;	/* every client's outbytes, for --max-output */
extern size_t conn_count;	/* connected, registered or not */
extern size_t conn_registered;
extern size_t conn_opers;
extern size_t conn_invisible;	/* registered with +i */

/*
 * nick.c: the nick table, a hash (common/htab.c) on irc_casehash of the nick.
 */

struct client *nick_find(const char *nick);
void nick_add(struct client *c);
void nick_remove(struct client *c);
/* Give c the nick (free: checked by the caller), announcing it to c and
 * those who share a channel with it once c is registered. */
void nick_change(struct client *c, const char *nick);
/* Call fn for every registered client. */
void nick_each(void (*fn)(struct client *, void *), void *arg);

/*
 * chan.c: channels, membership and modes. A channel exists while it has
 * members; what guards it outlives that while it has history
 * (chanstate.c). Members are an array for fast fan-out.
 */

enum {
	CM_INVITE = 1 << 0,	/* +i */
	CM_KEY = 1 << 1,	/* +k */
	CM_LIMIT = 1 << 2,	/* +l */
	CM_MODERATED = 1 << 3,	/* +m */
	CM_NOEXTERNAL = 1 << 4,	/* +n */
	CM_SECRET = 1 << 5,	/* +s */
	CM_TOPIC = 1 << 6,	/* +t */
};
enum { MM_OP = 1 << 0, MM_VOICE = 1 << 1 };

/*
 * How a channel mode takes its parameter: the four classes of ISUPPORT
 * CHANMODES (A,B,C,D), and the member status modes of PREFIX. Bits, so a
 * set of kinds can be asked for at once.
 */
enum chan_mode_kind {
	CMK_LIST = 1 << 0,	/* A: a mask to add or remove; none lists */
	CMK_PARAM = 1 << 1,	/* B: a parameter both ways (the key) */
	CMK_SETPARAM = 1 << 2,	/* C: a parameter only when set (the limit) */
	CMK_FLAG = 1 << 3,	/* D: no parameter */
	CMK_PREFIX = 1 << 4,	/* a member's status: a nick */
};
/* The kinds kept as CM_* bits in chan->modes (and saved with it). */
#define CMK_CHANNEL (CMK_PARAM | CMK_SETPARAM | CMK_FLAG)
#define CMK_ALL (CMK_LIST | CMK_CHANNEL | CMK_PREFIX)

/*
 * One channel mode. Every place that names channel modes (MODE's parsing,
 * 324, 004, CHANMODES= and PREFIX=, NAMES prefixes, the saved mode
 * string) reads chan.c's one table of these through the functions below.
 */
struct chan_mode {
	char letter;
	enum chan_mode_kind kind;
	uint32_t bit;		/* CM_* (CMK_CHANNEL), MM_* (CMK_PREFIX), or 0 */
	char prefix;		/* CMK_PREFIX: '@', '+' in NAMES and WHO */
};
#define CHAN_MODES_MAX 16	/* modes in the table: a string of letters */

/* The mode of letter, or NULL: unknown (472). */
const struct chan_mode *chan_mode_find(char letter);
/* The letters of the modes of the given kinds, in table order ("bklov"). */
void chan_mode_letters(char *buf, size_t cap, unsigned kinds);
/* The prefix characters of the CMK_PREFIX modes, in rank order ("@+"). */
void chan_mode_prefixes(char *buf, size_t cap);
/* The letters of the CM_* bits set in modes, without '+' ("klnt"). */
void chan_mode_flags(uint32_t modes, char *buf, size_t cap);
/* The CM_* bits of the letters in s; letters of other kinds are ignored. */
uint32_t chan_mode_parse(const char *s);

struct chan;

/*
 * An entry of a list mode: a nick!user@host glob in the form
 * irc_mask_normalize gives. Kept with the channel's state (chanstate.c).
 */
struct ban {
	char *mask;
	char *setter;		/* nick!user@host of whoever set it, for 367 */
	int64_t time;		/* wall clock seconds */
};

/* The lists of the list modes (a CMK_LIST mode's bit names its list). */
enum chan_list {
	CHAN_BANS,		/* +b: kept out (474) and silenced (404) */
	CHAN_INVEX,		/* +I: let into a +i channel without INVITE */
	CHAN_LISTS,
};

struct banlist {
	struct ban *v;		/* in the order they were set */
	uint32_t n, cap;
};

#define CHAN_BANS_MAX 100	/* per list: ISUPPORT MAXLIST; past it 478 */
#define BAN_MASK_MAX 120	/* bytes of a normalised mask; past it 696 */

struct member {
	struct client *client;
	struct chan *chan;
	struct member *cnext;	/* next of the client's memberships */
	uint32_t idx;		/* index in chan->members */
	uint8_t modes;		/* MM_* */
	int64_t joined_ms;	/* server-time of the JOIN */
	int64_t joined_id;	/* hist_last_id then: what arrived before it */
};

struct chan {
	struct hlink link;	/* in the channel table, by irc_casehash(name) */
	struct member **members;
	uint32_t nmembers, cap;
	uint32_t modes;		/* CM_* */
	uint32_t limit;
	int64_t created;	/* wall clock seconds, for 329 */
	char *topic;		/* NULL when unset */
	char *topic_who;
	int64_t topic_time;
	struct banlist lists[CHAN_LISTS];
	/*
	 * Who the channel belongs to, by account: its owner (the account
	 * that created it) and the accounts that were given +o in it,
	 * folded, space-separated ("" when none). A member logged in to one
	 * of them is made operator on joining, and reads history from before
	 * it joined in +i and +s channels.
	 */
	char owner[IRC_NICK_MAX + 1];
	char *opaccs;		/* NULL when none */
	/* When the owner registered it with ChanServ (wall clock seconds),
	 * 0 if not: kept when it empties, history or not. */
	int64_t registered;
	bool restored;		/* came back from saved state when created */
	char key[IRC_KEY_MAX + 1];
	char name[IRC_CHAN_MAX + 1];
};

#define CHAN_PER_CLIENT 50	/* CHANLIMIT */

struct chan *chan_find(const char *name);
struct chan *chan_create(const char *name);
struct member *chan_member(const struct chan *ch, const struct client *c);
struct member *chan_add(struct chan *ch, struct client *c);
/* Remove c from ch; destroys ch when it empties. */
void chan_remove(struct chan *ch, struct client *c);
void chan_set_topic(struct chan *ch, const char *topic, const char *who,
    int64_t when);
/* Queue r to every member of ch except one (NULL: all). */
void chan_relay(struct chan *ch, struct relay *r, const struct client *except);
/* Queue r once to every client sharing a channel with c (not c itself),
 * and only to those with cap bit need (0: all). */
void chan_relay_common(struct client *c, struct relay *r, uint32_t need);
/* The entry of list l whose mask is mask under casemapping, or NULL. */
struct ban *chan_ban_find(const struct chan *ch, enum chan_list l,
    const char *mask);
/* Append to list l; the caller checked it is new and CHAN_BANS_MAX. */
void chan_ban_add(struct chan *ch, enum chan_list l, const char *mask,
    const char *setter, int64_t when);
/* Remove b, which is in ch's list l. */
void chan_ban_del(struct chan *ch, enum chan_list l, struct ban *b);
/* Whether c's nick!user@host matches an entry of ch's list l. */
bool chan_listed(const struct chan *ch, enum chan_list l,
    const struct client *c);
#define CHAN_OPACCS_MAX 32	/* operator accounts a channel keeps */
/* Whether account (folded) is ch's owner or one of its operators. */
bool chan_opacc_has(const struct chan *ch, const char *account);
/* Add account (folded) to ch's operator accounts, or remove it; true
 * when that changed the list. */
bool chan_opacc_set(struct chan *ch, const char *account, bool on);
/* Whether c is logged in to an account that is an operator of ch. */
bool chan_opacc_client(const struct chan *ch, const struct client *c);
/* Whether c may learn that ch exists: not +s, or c is in it or an
 * operator (a +s channel is "no such channel" to others). */
bool chan_visible(const struct chan *ch, const struct client *c);
/* A channel c may learn of by name, or NULL. */
struct chan *chan_find_visible(const char *name, const struct client *c);
/* Free ch, which has no members, without touching its saved state (a JOIN
 * that re-created it was refused). */
void chan_discard(struct chan *ch);
/* 324's "+klnt key limit" into buf (the key as "*" unless show_key). */
void chan_mode_string(const struct chan *ch, bool show_key, char *buf,
    size_t cap);
/* "@", "+", "@+" (multi) or "" for a member (static buffer, valid until
 * the next call). */
const char *chan_prefix(const struct member *m, bool multi);
void chan_each(void (*fn)(struct chan *, void *), void *arg);
extern size_t chan_count;

/*
 * caps.c: IRCv3 capabilities, one fixed table of names and these bits,
 * and ISUPPORT tokens, a registry other modules extend at start-up
 * (isupport_add).
 */

enum {
	CAP_MESSAGE_TAGS = 1 << 0,
	CAP_SERVER_TIME = 1 << 1,
	CAP_ECHO_MESSAGE = 1 << 2,
	CAP_BATCH = 1 << 3,
	CAP_MULTI_PREFIX = 1 << 4,
	CAP_AWAY_NOTIFY = 1 << 5,
	CAP_USERHOST_IN_NAMES = 1 << 6,
	CAP_INVITE_NOTIFY = 1 << 7,
	CAP_CAP_NOTIFY = 1 << 8,
	CAP_LABELED_RESPONSE = 1 << 9,
	CAP_EXTENDED_JOIN = 1 << 10,
	CAP_SETNAME = 1 << 11,
	CAP_DRAFT_CHATHISTORY = 1 << 12,	/* draft/chathistory */
	CAP_CHATHISTORY = 1 << 13,	/* its final name, same meaning */
	CAP_STANDARD_REPLIES = 1 << 14,	/* FAIL/WARN/NOTE rather than NOTICE */
	CAP_NO_IMPLICIT_NAMES = 1 << 15,	/* draft/no-implicit-names */
	CAP_SASL = 1 << 16,
	CAP_ACCOUNT_TAG = 1 << 17,
	CAP_ACCOUNT_NOTIFY = 1 << 18,
	CAP_ACCOUNT_REGISTRATION = 1 << 19,	/* draft/account-registration */
	CAP_EXTENDED_MONITOR = 1 << 20,	/* MONITOR watchers as channel peers */
	CAP_READ_MARKER = 1 << 21,	/* draft/read-marker */
	CAP_SEARCH = 1 << 22,	/* soju.im/search: SEARCH */
	CAP_MESSAGE_REDACTION = 1 << 23,	/* draft/message-redaction */
	CAP_MULTILINE = 1 << 24,	/* draft/multiline */
};
/* The bit of a capability by name, 0 if unknown. */
uint32_t cap_bit(const char *name);
static inline bool
client_has_cap(const struct client *c, uint32_t bit)
{
	return (c->caps & bit) != 0;
}
/* Add an ISUPPORT token ("CHATHISTORY=100"). */
void isupport_add(const char *token);
/* Send the 005 lines. */
void isupport_send(struct client *c);
/* CAP LS value list into buf (302: with values, c's own for sasl), only
 * the bits of only (0: every capability). */
void cap_list(char *buf, size_t cap, const struct client *c, bool values,
    uint32_t only);
/* Append " sts=..." to a CAP LS 302 list for c when the certificate is
 * real: the TLS port on a plain connection, the duration on TLS. */
void cap_sts(char *buf, size_t cap, const struct client *c);

/*
 * cmd.c: the command table and dispatch. The table checks registration,
 * parameter counts and operator status (451, 461, 481) and answers
 * unknown commands (421), so handlers never do. It also wraps a labeled command's replies
 * (labeled-response: label tag, ACK, or a labeled-response batch).
 */

enum {
	CMD_PREREG = 1 << 0,	/* allowed before registration */
	CMD_REGONLY = 1 << 1,	/* only after registration (451) */
	CMD_OPER = 1 << 2,	/* only for IRC operators (481) */
	CMD_LONG = 1 << 3,	/* a long answer: costs flood tokens by its lines */
	CMD_STORES = 1 << 4,	/* adds to history: waits while it is behind */
	CMD_READS = 1 << 5,	/* reads history: waits for its sender's own
				 * messages to be stored, so it finds them */
};
/* A CMD_LONG command costs one more flood token per this many lines of
 * its answer, so asking for long answers again and again is paced like
 * sending that many lines. A history query counts the rows it asked for
 * (cmd_rows_asked) when they are more: the store looks for them all. */
#define CMD_LINES_PER_TOKEN 10

typedef void cmd_fn(struct client *c, struct irc_msg *m);

struct command {
	const char *name;
	cmd_fn *fn;
	uint8_t min_params;
	uint8_t flags;
	const char *usage;	/* parameters, for HELP */
	const char *summary;	/* what it does, for HELP */
};

/* The table's row for a command name (any case), or NULL. */
const struct command *cmd_find(const char *name);
/* Call fn on every row, in the table's order. */
void cmd_each(void (*fn)(const struct command *, void *), void *arg);

/* Run one parsed line from c; time_ms is when it was read; repaired:
 * some of its text was not UTF-8 and was read as Latin-1 (a WARN). */
void cmd_dispatch(struct client *c, struct irc_msg *m, int64_t time_ms,
    bool repaired);
/* When the line being run was received (server-time for what it relays). */
extern int64_t cmd_time_ms;
/* Rows the history query being run asks for (0 before it runs). */
extern int cmd_rows_asked;
/* The CMD_* flags of the raw line's command (tags, source and all); 0
 * when it is none. */
int cmd_line_flags(const char *line, size_t len);

cmd_fn cmd_away, cmd_cap, cmd_invite, cmd_ison, cmd_join, cmd_kick,
    cmd_kill, cmd_list, cmd_lusers, cmd_mode, cmd_motd, cmd_names,
    cmd_nick, cmd_notice, cmd_oper, cmd_part, cmd_pass, cmd_ping, cmd_pong,
    cmd_privmsg, cmd_quit, cmd_setname, cmd_tagmsg, cmd_time, cmd_topic,
    cmd_user,
    cmd_userhost, cmd_version, cmd_wallops, cmd_who, cmd_whois,
    cmd_whowas, cmd_chathistory, cmd_monitor, cmd_help, cmd_info,
    cmd_markread, cmd_search, cmd_redact;

/* cmd-msg.c: PRIVMSG, NOTICE, TAGMSG. */

/* The client-only tags of m, escaped, into buf ("" when none). */
void msg_client_tags(const struct irc_msg *m, char *buf, size_t cap);
/* A draft/multiline message (multiline.c's lines) from c to target,
 * delivered, stored and echoed as one PRIVMSG is. */
void msg_multiline(struct client *c, const char *target, const char *lines,
    const char *ctags);

/*
 * multiline.c: draft/multiline. A client's batch is collected within
 * these limits (Ergo's defaults; the cap's value says them), then sent on
 * as one message; a batch left open MULTILINE_IDLE_MS after its last line
 * is dropped.
 */
#define MULTILINE_MAX_BYTES 4096
#define MULTILINE_MAX_LINES 100
#define MULTILINE_IDLE_MS 10000
#define MULTILINE_ROOM_MIN 64	/* text per wire line, at the least */
/* Client tags repeated on every line sent to a client without the
 * capability only up to this size (else on the first alone), so that a
 * message costs a recipient tens of KiB, not 100 times 4 KiB of tags. */
#define MULTILINE_EACH_TAGS_MAX 256
#define MULTILINE_CAP_VALUE "max-bytes=4096,max-lines=100"

/* Take m if it belongs to c's multiline batch (BATCH, its lines, what
 * breaks it); false: run it as any command. */
bool multiline_take(struct client *c, struct irc_msg *m, int64_t time_ms);
/* When c's open batch times out; 0: none open. */
int64_t multiline_deadline(const struct client *c);
/* It did: FAIL, and the batch is dropped. */
void multiline_expire(struct client *c);
void multiline_free(struct client *c);
/* Whether a stored text is a multiline message's lines. */
bool multiline_text(const char *text);

/* How multiline_format writes a message's lines for one recipient. */
struct ml_form {
	const char *prefix;	/* ":source PRIVMSG target :" */
	size_t prefixlen;
	const char *text;	/* the lines */
	const char *first;	/* tags of BATCH +, or of the first fallback line */
	const char *each;	/* tags of the other fallback lines */
	const char *outer;	/* the batch it is in (CHATHISTORY), or NULL */
	const char *ref;	/* its own batch's reference; NULL: separate
				 * lines, without the blank ones */
	const char *stamp;	/* before a fallback line's text ("[12:34] ") */
};
/* The wire lines, CRLF-ended (malloc'd; their length in *len). */
char *multiline_format(const struct ml_form *f, size_t *len);

/* cmd-reg.c: registration, welcome burst, LUSERS, MOTD. */
void reg_try_finish(struct client *c);
void reg_send_lusers(struct client *c);
void reg_send_motd(struct client *c);

/* cmd-user.c: MODE on a nick (cmd_mode passes non-channels here). */
void user_mode(struct client *c, struct irc_msg *m);
/* The letters of the user modes whose UMODE_* bit is in bits ("Biow"). */
void user_mode_letters(char *buf, size_t cap, uint8_t bits);

/* cmd-chan.c: the next step of c's LIST (c->more); true once it has
 * ended (323 sent, c->more freed). */
bool cmd_list_step(struct client *c);

#define MODE_PARAMS_MAX 4	/* ISUPPORT MODES: changes with a parameter per MODE */

/* Part c from every channel (JOIN 0). */
void chan_part_all(struct client *c, const char *reason);

/*
 * monitor.c: MONITOR, nicks a client is told about as they come and go.
 */

#define MONITOR_MAX 100	/* ISUPPORT MONITOR: targets per client; past it 734 */

/* c registered or took a new nick: 730 to those watching it. */
void monitor_online(struct client *c);
/* c is leaving its nick (QUIT, NICK): 731 to those watching it. */
void monitor_offline(struct client *c);
/* Forget c's own targets (MONITOR C, and when c goes). */
void monitor_clear(struct client *c);
/* extended-monitor: queue r to c's watchers that have it and cap bit need
 * and whose mark is not stamp (chan_relay_common's, so none gets r twice). */
void monitor_relay(struct client *c, struct relay *r, uint32_t need,
    uint32_t stamp);

/*
 * whowas.c: WHOWAS, the last WHOWAS_MAX nicks left by QUIT or NICK.
 */

#define WHOWAS_MAX 256

/* Remember c's nick, user, host and real name as it leaves them. */
void whowas_add(const struct client *c);

/*
 * account.c: accounts (a name, a password hash, certificate fingerprints)
 * in memory, kept in natterd's database (its own table and connection)
 * unless --db none. Changes are written by account_commit after the pass's
 * hist_commit and before any output, so a client told "registered" is.
 */

#define ACCOUNT_PASS_MAX 300	/* bytes of a password (irctest sends 300) */
#define ACCOUNT_CERTS_MAX 8	/* fingerprints per account */

struct account {
	char name[IRC_NICK_MAX + 1];	/* as registered; compared folded */
	char *hash;		/* crypt(3) yescrypt string */
	int64_t registered;	/* wall clock seconds */
	/* TLS client certificates, as fingerprint_format writes them */
	char certs[ACCOUNT_CERTS_MAX][FINGERPRINT_STR_MAX];
	uint8_t ncerts;
	struct readmarks marks;	/* shared by the account's connections */
	unsigned nchans;	/* channels it registered (ChanServ) */
};

/* Write a's changed read markers at the next account_commit. */
void account_save(struct account *a);
/* Load the accounts of the database at path (NULL or "none": memory
 * only), creating their table. On failure one clear line in err, -1. */
int account_open(const char *path, char *err, size_t errcap);
void account_close(void);
/* Read the accounts again (SIGHUP: one added by --add-account). */
void account_reload(void);
struct account *account_find(const char *name);
/* Why name or password cannot be an account's, or NULL if they can. */
const char *account_name_problem(const char *name);
const char *account_password_problem(const char *password);
/* A new account (its name and password checked by the caller). */
struct account *account_create(const char *name, const char *password);
/* Whether password is a's, compared in constant time. */
bool account_check(const struct account *a, const char *password);
void account_set_password(struct account *a, const char *password);
/* Forget a (pointers to it become invalid). */
void account_drop(struct account *a);
/* Add or remove a fingerprint (fingerprint_format's); false if it
 * cannot. */
bool account_cert_add(struct account *a, const char *fp);
bool account_cert_del(struct account *a, const char *fp);
bool account_cert_has(const struct account *a, const char *fp);
/* The account that lists fingerprint fp (SASL EXTERNAL), or NULL. */
struct account *account_find_cert(const char *fp);
/* Write the pass's changes; failures are logged. */
void account_commit(void);
/* --add-account: name with the password on the first line of stdin;
 * the exit status. */
int account_add_offline(const char *path, const char *name);

/* Log c in to a (900, account-notify, nick protection lifted). */
void account_login(struct client *c, const struct account *a);
/* Log c out (901, account-notify). */
void account_logout(struct client *c);

/*
 * login.c: every kind of login attempt (SASL, IDENTIFY, PASS, OPER) is
 * throttled per address and per name with a growing delay, and a
 * connection is closed after LOGIN_FAILS_MAX failed or refused attempts.
 */

#define LOGIN_FAILS_MAX 5

/* Seconds before c may try name (NULL: the address only); 0: now. A
 * refusal counts towards LOGIN_FAILS_MAX. */
int login_wait(struct client *c, const char *name);
/* A failed attempt at name (NULL: the address only). */
void login_failed(struct client *c, const char *name);
/* A success: name's failures are forgotten (the address's are not). */
void login_succeeded(struct client *c, const char *name);
/* Seconds before c may register an account; 0: now. */
int login_register_wait(struct client *c);
/* c registered an account: counted per address like a failure, so a
 * flood of registrations (each a slow hash) meets the same delays. */
void login_registered(struct client *c);
/* Close c if it has had LOGIN_FAILS_MAX; true if it was. */
bool login_give_up(struct client *c);

/*
 * sasl.c: AUTHENTICATE (IRCv3 sasl 3.1): PLAIN, and EXTERNAL on a TLS
 * connection with a client certificate, in 400-byte chunks.
 */

/* The sasl capability's value for c: its mechanisms ("PLAIN,EXTERNAL"). */
const char *sasl_mechs(const struct client *c);
cmd_fn cmd_authenticate;
/* Registration ends (CAP END) with an exchange unfinished: 906. */
void sasl_abort(struct client *c);
void sasl_free(struct client *c);

/*
 * service.c: the pseudo-users NickServ and ChanServ: reserved nicks,
 * shown by WHOIS as services, answering in NOTICEs what is said to them
 * (a PRIVMSG, or their commands NICKSERV/NS and CHANSERV/CS), which is
 * never stored, echoed or relayed.
 */

struct service {
	const char *nick;
	const char *alias;	/* its short command: "NS" */
	const char *about;	/* WHOIS's real name */
	/* A PRIVMSG to it: text is the command line. */
	void (*message)(struct client *c, const char *text);
};

/* The service whose nick is nick (no one may take it), or NULL. */
const struct service *service_find(const char *nick);
/* A NOTICE from the service named nick to c. */
void service_notice(struct client *c, const char *nick, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A service's command: NAME and at least min_args words after it. */
struct service_command {
	const char *name;
	void (*fn)(struct client *c, char **argv, int argc);
	int min_args;
	bool login;		/* only when logged in */
	const char *usage;	/* its line of HELP */
};
#define SERVICE_ARGS_MAX 4
/*
 * Run text, a command line said to the service nick, from its table
 * cmds: a wrong count gets the usage, a command that needs a login and
 * has none gets "You are not logged in: " and hint, no command runs HELP,
 * an unknown one is told to try HELP. The line is wiped after (it may
 * hold a password).
 */
void service_run(struct client *c, const char *nick,
    const struct service_command *cmds, size_t ncmds, const char *hint,
    const char *text);
/* WHOIS of a service: 311, 312, 313 and 318. */
void service_whois(struct client *c, const struct service *s);
cmd_fn cmd_service;

/*
 * nickserv.c: the NickServ pseudo-user, draft/account-registration's
 * REGISTER, and nick protection.
 */

#define NICKSERV_NICK "NickServ"

void nickserv_message(struct client *c, const char *text);
cmd_fn cmd_register;
/*
 * c now holds its nick (NICK, registration, logout): if the nick is a
 * registered account other than c's, tell c to identify and start the
 * --nick-grace clock; otherwise stop it.
 */
void nickserv_guard(struct client *c);
/* The clock ran out: rename c to a guest nick. */
void nickserv_expire(struct client *c);

/*
 * chanserv.c: the ChanServ pseudo-user: REGISTER, DROP, OP and INFO on
 * the channel ownership chanstate.c keeps.
 */

#define CHANSERV_NICK "ChanServ"
/* Channels an account may register: each is kept on disk for good. */
#define CHANSERV_PER_ACCOUNT 15

void chanserv_message(struct client *c, const char *text);

/*
 * listen.c: listening sockets and accept.
 */

/* Bind "addr[:port]", "[v6]:port" or ":port"; exits 1 on failure. */
void listen_add(const char *spec, bool tls);
/* Default: all IPv4 and IPv6 addresses, port 6667. */
void listen_default(bool tls);
/* The port of the first TLS listener (for sts), 0 when none. */
int listen_tls_port(void);
/* The port of the first listener of this kind that others on the LAN
 * can reach (not loopback), for the announcement; 0 when none. */
int listen_lan_port(bool tls);
/* Accept until EAGAIN from listener fd (a TLS one: until TLS is full). */
void listen_accept(int fd);
/* Stop or start polling the TLS listeners (tls.c, at TLS_INFLIGHT_MAX). */
void listen_tls_pause(bool paused);
void listen_log(void);
/* The bound addresses, "127.0.0.1:6667 [::1]:6667", as many as fit. */
size_t listen_describe(char *buf, size_t cap);

/*
 * tls.c: TLS with OpenSSL, non-blocking inside the loop. conn.c calls
 * tls_read and tls_writev where a plain connection reads and writes.
 */

#define TLS_HANDSHAKE_MS 10000	/* a handshake unfinished by then is closed */
#define TLS_INFLIGHT_MAX 64	/* handshakes at once; the rest wait in the backlog */
#define TLS_HANDSHAKE_FULL_MS 2000	/* TLS_HANDSHAKE_MS while that is reached */

/* Load --tls-cert/--tls-key, or natterd's own tls.crt and tls.key beside
 * the database (made on first use); on failure writes why to err. */
int tls_init(char *err, size_t errcap);
/* Log the certificate and its fingerprint. */
void tls_log(void);
/* natterd --fingerprint: tls_init, print the fingerprint; exit status. */
int tls_fingerprint_main(void);
/* SIGHUP: the files again, for new connections; errors keep the old. */
void tls_reload(void);
void tls_free_all(void);
/* Whether sts may be advertised: a certificate that is not self-signed. */
bool tls_sts_ok(void);
/* Make c (just accepted on a TLS port) a TLS connection; false on error. */
bool tls_accept(struct client *c);
/* May another handshake start (fewer than TLS_INFLIGHT_MAX under way)? */
bool tls_room(void);
/* How long a handshake may take now: TLS_HANDSHAKE_MS, or
 * TLS_HANDSHAKE_FULL_MS while handshakes are at TLS_INFLIGHT_MAX. */
int64_t tls_handshake_ms(void);
/* As read(2) and writev(2): the handshake first, then records. */
ssize_t tls_read(struct client *c, char *buf, size_t cap);
ssize_t tls_writev(struct client *c, const struct iovec *iov, int n);
/* close_notify, when the connection is in a state to send it. */
void tls_close(struct client *c);
void tls_free(struct client *c);

/*
 * ready.c: telling the parent (--ready-fd) and systemd (NOTIFY_SOCKET)
 * that natterd listens.
 */

/* "listening on ADDRS" on fd (closed after; -1: none), READY=1 to systemd. */
void ready_announce(int fd, const char *addrs);
/* Before READY=1: a start that is slow on purpose asks systemd for this
 * many more seconds (EXTEND_TIMEOUT_USEC), saying why in STATUS. */
void ready_extend(int seconds, const char *status);
/* STOPPING=1 to systemd, as shutdown begins. */
void ready_stopping(void);

/*
 * announce.c: natterd on the LAN by DNS-SD, through the Avahi daemon
 * (libavahi-client, when built with it): _irc._tcp and _ircs._tcp under
 * the server's name, for the ports others can reach (a natterd listening
 * on loopback only is not announced), from Avahi's own thread so the
 * loop never waits on it. A daemon that is not running yet is waited
 * for; one that restarts gets the services again; a name taken on the
 * LAN becomes "name #2". Withdrawn at exit. --no-announce: none of it.
 */

/* Start announcing (logs what it does, or why it cannot). */
void announce_start(const char *name);
/* Withdraw and stop Avahi's thread. */
void announce_stop(void);

/*
 * loop.c: the poll loop. Each pass: poll, accept, read and run commands,
 * timers, hist_commit, then flush every dirty connection once.
 */

void loop_add_listener(int fd);
/* Poll listener fd for connections (POLLIN) or not (0). */
void loop_listener_events(int fd, short events);
void loop_add_client(struct client *c);
/* c has output to flush at the end of this pass. */
void loop_dirty(struct client *c);
/* c's input is delayed until mono time at (0: no longer delayed). */
void loop_throttle(struct client *c, int64_t at);
/* c may read again (or not: flood or full frame). */
void loop_want_read(struct client *c, bool on);
/* The open client with the most output queued that has not exceeded
 * its sendq yet (for --max-output), or NULL when none holds any. */
struct client *loop_most_output(void);
/* Live connections from host (for --max-per-ip); *unreg gets how many
 * of them have not registered yet (for --max-unregistered). */
size_t loop_count_host(const char *host, size_t *unreg);
/* The open connection accepted longest ago that has not registered, or
 * NULL (when the server is full, it makes room). */
struct client *loop_oldest_unregistered(void);
/* Signals only set flags the loop reads; installed before listening so a
 * SIGTERM right after start-up still exits cleanly. */
void loop_signals(void);
/* Run until SIGTERM/SIGINT; returns the exit status. */
int loop_run(void);
/* Mark the timer scan due no later than mono time at. */
void loop_timer_at(int64_t at);
/* c's output waits for a hold; flushed again at the next loop_release. */
void loop_hold(struct client *c);
/* Holds were resolved: every waiting client is flushed this pass. */
void loop_release(void);
/* c->more is under way: its next steps come as its output drains, its
 * input waits until the answer ends. */
void loop_more(struct client *c);
/*
 * Long answers made in this pass, in lines (or rows asked for): past
 * PASS_LONG_MAX, the next CMD_LONG line waits for the next pass (as
 * c->deferred), so a burst of history queries from many clients is
 * spread over passes and everyone else's lines are answered between.
 */
#define PASS_LONG_MAX 1000
void loop_spend(uint32_t lines);
bool loop_spent(void);
/* c->deferred is set: run it, and c's lines after it, next pass. */
void loop_defer(struct client *c);
/* c->deferred is set, a message while history is backlogged: run it,
 * and c's lines after it, once history has caught up. Only its sender
 * waits; everyone else's lines are read and answered meanwhile. */
void loop_wait_disk(struct client *c);

/*
 * history.c: stored messages, whichever store keeps them: an SQLite file
 * (hist-sqlite.c; see natterd(8), "Durability") or memory for --db none
 * (hist-mem.c). The stores sit behind hist-store.h, which only those
 * three files include.
 */

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
	int64_t id;		/* its place in arrival order (hist_add's) */
};

/*
 * Open (creating if needed) the database at path; NULL or "none" keeps
 * history in memory only. sync_full: fsync every batch before its
 * messages are shown (--sync full); else only at checkpoints. On failure
 * writes one clear line to *err and returns -1; start-up then exits.
 * Closed (before hist_open, after hist_close), storing, queries and
 * pruning do nothing. hist_close first stores everything handed over.
 */
int hist_open(const char *path, bool sync_full, char *err, size_t errcap);
void hist_close(void);

/*
 * A hold: the promise that a message is shown to nobody before it is
 * stored. Buffers carrying the message are tied to it (obuf_tie); the
 * history module resolves it when the message's batch is committed
 * (HOLD_STORED) or cannot be (HOLD_LOST).
 */
enum hold_state { HOLD_PENDING, HOLD_STORED, HOLD_LOST };
struct hold {
	uint32_t refs;
	enum hold_state state;
};
struct hold *hold_ref(struct hold *h);
void hold_unref(struct hold *h);

/* Client tags kept with a stored message, at most (history.c keeps a
 * few that matter to readers of history: +draft/reply and the like). */
#define HIST_TAGS_MAX 512

/*
 * Store m as a row of key (hist_key) in this loop pass's batch (a TAGMSG
 * only if it is a reaction: +draft/react or +react among its tags). Returns the hold its relay must be tied to
 * (a reference the caller drops), or NULL when there is nothing to wait
 * for: the memory store keeps it at once, and closed history keeps
 * nothing.
 */
struct hold *hist_add(const struct hist_msg *m, const char *key);
/* The id of the last row handed to hist_add: a point in arrival order
 * (hist_query's since_id), the one from which a JOIN reads. */
int64_t hist_last_id(void);
/* Whether key has any history, stored or on its way (a database error
 * counts as yes). */
bool hist_has(const char *key);
/* Delete message msgid of target key (hist_key) from history
 * (REDACT), in the pass's batch as hist_add; the hold as its. */
struct hold *hist_redact(const char *key, const char *msgid);

/* An account was dropped: its side of every conversation (owner: its
 * conn_owner) is deleted and its ownership of channel rows (account:
 * folded) given up, in the pass's batch, so that a new account of the
 * same name inherits neither. */
void hist_forget_owner(const char *owner, const char *account);

/* End of a loop pass: hand its batch to the storage thread (or, with no
 * thread, store it now). Called before any output is written. */
void hist_commit(void);
/* The descriptor that becomes readable when batches were committed (-1:
 * no storage thread); then hist_collect. */
int hist_wake_fd(void);
/* Resolve the holds of every batch the storage thread has finished;
 * true if any was (waiting output may go now). */
bool hist_collect(void);
/* The batch the pass's messages go into: a number that batches count up
 * from 1 (0: nothing with a storage thread to wait for). */
uint64_t hist_batch(void);
/* Whether batch n is still on its way to the disk (not yet collected). */
bool hist_unstored(uint64_t n);
/* Wait until everything handed over is stored (or lost), and collect. */
void hist_sync(void);
/* Whether the storage thread is so far behind (a burst faster than the
 * disk) that the loop should take no more messages until it catches up:
 * HIST_BACKLOG_MAX messages, or bytes_max bytes of their lines as
 * relayed, already wait behind the commit under way. The held output of
 * what is in flight stays bounded, as an inline commit once bounded it. */
bool hist_backlogged(size_t bytes_max);
/*
 * The bytes_max the loop asks with: what every reader of those messages
 * holds until they are stored (client tags and all). What waits and what
 * is in the commit under way are each at most this plus a line, so a
 * member who reads is never near its own --sendq for output that only
 * waits for the disk, whatever the senders' tags.
 */
#define HIST_HELD_MAX (cfg.sendq / 4)

/* Retention: --history-days, --history-max and --history-max-bytes (0:
 * keep forever). With a storage thread, it prunes (and checkpoints) when
 * no batch waits; else hist_prune deletes one small batch and returns
 * true while more remains. */
void hist_set_retention(int days, int max_per_target, size_t max_bytes);
bool hist_prune(void);
/* Whether an idle pass's hist_prune may have work (a checkpoint or
 * retention): if not, a busy pass need not be followed by a poll that
 * looks for that idle pass. Never with a storage thread. */
bool hist_idle_work(void);

/*
 * Which history a target names: a channel's folded name, or for a nick
 * owner's side of the conversation with it: owner (conn_owner), a space
 * and the folded nick. A private message is stored once for each of its
 * owners, so each reads their own copy and no one else either (a later
 * holder of either nick has another owner). Returns the key's length, 0 if
 * it does not fit.
 */
#define HIST_KEY_MAX (CONN_OWNER_MAX + IRC_NICK_MAX + 2)
size_t hist_key(char *buf, size_t cap, const char *owner, const char *target);

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
	int64_t since_ms;	/* no row from before this server-time (0: any), */
	int64_t since_id;	/* ... nor one that arrived by this id there */
	bool tagmsg;		/* include TAGMSG rows (reactions) */
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
/* Whether SEARCH may show a channel's rows, and from where on: after
 * *since_ms and *since_id, as hist_query's (both 0: all of them). */
typedef bool hist_readable_fn(const char *channel, void *arg,
    int64_t *since_ms, int64_t *since_id);
typedef void hist_target_fn(const char *target, int64_t last_ms, void *arg);
/*
 * CHATHISTORY TARGETS: the channels (those visible accepts) and owner's
 * sides of conversations whose latest message is strictly between the
 * two times, with its time; at most limit, counted from from_ms (which
 * may be the later time), given to fn in ascending time. Returns the
 * count, or -1 on a database error.
 */
int hist_targets(const char *owner, int64_t from_ms, int64_t to_ms, int limit,
    hist_visible_fn *visible, hist_target_fn *fn, void *arg);

/*
 * soju.im/search: the messages a SEARCH asks for. Those of one target
 * (key, which the caller has checked the asker may read), or of every
 * target the asker may read: the channels readable accepts, from where
 * it says, and owner's sides of conversations.
 */
struct hist_search {
	const char *key;	/* in=: from hist_key; NULL: every target */
	const char *owner;	/* the asker's conn_owner */
	const char *from;	/* from=: the sender's nick; NULL: anyone */
	int64_t after_ms;	/* after=, inclusive; INT64_MIN: open */
	int64_t before_ms;	/* before=, inclusive; INT64_MAX: open */
	const char *text;	/* text=: words all in the text; NULL: any */
	int limit;
	hist_readable_fn *readable;
	void *arg;
};
/*
 * Call fn on the matches in ascending order: the first limit from
 * after_ms when it is given, else the last limit up to before_ms. Words
 * match whole, in any case. A search is bounded in the rows it may look
 * at (HSQL_SEARCH_STEPS in hist-sqlite.c; the memory store has no such
 * bound): past that it ends with what it found. Returns
 * the count, or -1 on an error.
 */
int hist_search(const struct hist_search *q, hist_row_fn *fn, void *arg);

/*
 * history.c (continued): channel rows that chanstate.c saves. Only the
 * file store keeps them, so with --db none (or closed) they are not kept
 * and hist_chan_get finds none. Saves join the pass's batch, like
 * messages; hist_chan_get sees those not yet committed.
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
	const char *bans;	/* list modes, "letter mask setter time" lines, or "" */
	const char *owner;	/* folded account, "" when none */
	const char *opaccs;	/* folded accounts, space-separated, or "" */
	int64_t registered;	/* ChanServ REGISTER, seconds; 0: not */
};
/* Whether channel rows are kept (a database file is open). */
bool hist_chan_kept(void);
/* Both return the pass's channel hold (a reference), resolved when its
 * batch is done, whether stored or not (the channel is as it is either
 * way): what follows the change may wait for it (conn_barrier). NULL: no
 * need to wait. */
struct hold *hist_chan_save(const struct hist_chan *c);
struct hold *hist_chan_forget(const char *name);
/* The saved state of name; its strings last until the next hist_chan_get
 * or loop pass. */
bool hist_chan_get(const char *name, struct hist_chan *c);

/*
 * path.c: where natterd's files go.
 */

/* The database when no --db is given: $XDG_STATE_HOME/natterd/history.db,
 * else ~/.local/state/natterd/history.db; NULL without a home. */
const char *path_default_db(void);
/* mkdir -p the directory part of path (mode 0700); on failure writes why
 * to err and returns -1. */
int path_mkdirs(const char *path, char *err, size_t errcap);
/* name in the database's directory (db: --db; the default database's
 * directory when NULL or "none") into buf; false without a home. */
bool path_beside_db(char *buf, size_t cap, const char *db, const char *name);

/*
 * chathistory.c: history served to clients: CHATHISTORY (cmd_chathistory)
 * and the --replay lines on JOIN for clients without draft/chathistory.
 */

#define CHATHISTORY_MAX 1000	/* ISUPPORT CHATHISTORY: lines per request */

/* Add the ISUPPORT tokens. */
void chathistory_init(void);
/* Where c, a member of ch, may read its history from (q's since_ms and
 * since_id; 0: all): --history-cutoff, and for +i and +s channels the
 * JOIN, unless c is logged in to one of its operator accounts. */
void chathistory_since(const struct client *c, const struct chan *ch,
    struct hist_query *q);
/* c joined ch, its JOIN, topic and NAMES queued: the last --replay lines,
 * unless c can ask for history itself. */
void chathistory_replay(struct client *c, const struct chan *ch);

/*
 * chanstate.c: a channel's access state (modes, key, limit, bans, owner
 * and operator accounts) and topic, kept while the channel has history
 * or is registered (ChanServ): across restarts in history.c's channel
 * rows, and for --db none in memory once it empties. chan.c and
 * cmd-chan.c call these after the change, with output still only queued.
 */

/* ch's topic, modes, key, limit, bans or operator accounts changed. */
void chanstate_save(const struct chan *ch);
/* ch was just created by a JOIN (before its first member is added): bring
 * back its saved state and return true, or remember when it was made. */
bool chanstate_restore(struct chan *ch);
/* ch is about to be destroyed (its last member left): its state is kept
 * if it has history, else forgotten. */
void chanstate_leave(const struct chan *ch);
/* Account (folded) was dropped: no channel, live or kept, has it as
 * owner or operator any more. */
void chanstate_forget_account(const char *account);
/* The kept state of name, a channel that does not exist now (emptied):
 * false if none. Its strings last until the next call or loop pass. */
bool chanstate_kept(const char *name, struct hist_chan *hc);
/* Forget the kept state of name, a channel that does not exist now. */
void chanstate_drop(const char *name);

#endif
