/*
 * natter: the whole program's vocabulary in one header, a paragraph per
 * file. Everything but ui.c is free of curses, and everything but
 * main.c, net.c and ui.c (client/libnatter.a) has Check tests, which
 * replace net.c with tests/net-stub.c. The pure parts take times and
 * random numbers from their callers, so those tests are deterministic.
 */
#ifndef NATTER_H
#define NATTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <wchar.h>

#include "irc.h"
#include "numeric.h"
#include "util.h"

/* Exit codes (sysexits.h): a bad flag or no terminal, a server we cannot reach. */
#define EXIT_USAGE 64
#define EXIT_NOINPUT 66
#define EXIT_UNAVAILABLE 69

/* main.c: flags, the poll loop. */

/* --background: which background the 256 colours must read on (color.c). */
enum background { BACKGROUND_ANY, BACKGROUND_DARK, BACKGROUND_LIGHT };

struct options {
	const char *host;	/* default "localhost" */
	const char *port;	/* default "6697", "6667" with --no-tls */
	const char *nick;	/* default $USER */
	const char *user;	/* default the nick */
	const char *real;	/* default the nick */
	const char *join;	/* channels to join after registering, comma-separated */
	const char *password_file;
	const char *config;	/* -c: the config file (config.c) */
	const char *log_dir;	/* --log-dir (logfile.c) */
	const char *highlight[32];	/* --highlight words */
	size_t nhighlight;
	bool no_color;		/* --no-color */
	enum background background;	/* --background */
	const char *time_format;	/* --time-format, strftime */
	bool mouse;		/* --mouse: wheel scrolling, no text selection */
	bool no_retry;		/* --no-retry: a failed first connection exits */
	bool no_topic;		/* --no-topic: no topic bar */
	bool pipe;		/* --pipe: line mode (pipe.c), no screen */
	bool discover;		/* --discover: pick a server on the LAN */
	bool host_given;	/* a host operand, --host or host in the file */
	const char *to;		/* --to: what --pipe says to, else the first -j */
	const char *format;	/* --format: how --pipe prints a message */
	int notify;		/* --notify: enum notify_mode (notify.c) */
	const char *notify_cmd;	/* --notify-cmd */
	char *password;		/* first line of password_file */
	bool sasl;		/* --sasl: log in with SASL */
	bool sasl_external;	/* EXTERNAL (the --tls-cert), not PLAIN */
	const char *sasl_mechanism;	/* --sasl-mechanism as given, or NULL */
	const char *account;	/* --account, default the nick */
	const char *sasl_password_file;
	char *sasl_password;	/* its first line, or the config's sasl-password */
	size_t scrollback;	/* lines kept per buffer */
	bool no_tls;		/* --no-tls: plain IRC */
	bool tls_insecure;	/* --tls-insecure: no verification at all */
	const char *tls_ca;	/* --tls-ca: trust this CA file, not the system's */
	const char *tls_cert;	/* --tls-cert: client certificate and key (PEM) */
	bool tls_pinned;	/* --tls-fingerprint given: */
	unsigned char tls_pin[FINGERPRINT_LEN];	/* the only certificate accepted */
};
extern struct options opt;

#define SCROLLBACK_DEFAULT 10000
#define SCROLLBACK_MIN 100
#define SCROLLBACK_MAX 1000000

/* utf.c: UTF-8 <-> wchar_t without the C library's locale. */

/* Decode the character at s[*i] (n bytes in all), advancing *i. Invalid
 * bytes read as Latin-1, like utf8_sanitize. */
wchar_t utf_next(const char *s, size_t n, size_t *i);
/* Decode s into out (cap wide characters); returns the count. */
size_t utf_decode(const char *s, size_t n, wchar_t *out, size_t cap);
/* Encode n wide characters into out (cap bytes, NUL-terminated, never
 * split mid-character); returns the bytes written. */
size_t utf_encode(const wchar_t *w, size_t n, char *out, size_t cap);
/* Columns of one character: wcwidth, with unprintable ones counted as 1
 * (they are drawn as a replacement) and combining marks as 0. */
int utf_width(wchar_t c);
/* Copy s (n bytes) into out (cap bytes, NUL-terminated, never split
 * mid-character) as text safe to print on a terminal outside curses:
 * C0 and C1 controls, DEL and bytes that are not UTF-8 are dropped, tab
 * becomes a space. out may be s (it never gets longer). Returns the
 * length. */
size_t utf_clean(char *out, size_t cap, const char *s, size_t n);

/* mirc.c: mIRC formatting codes into styled wide characters. */

#define MIRC_BOLD 0x01
#define MIRC_ITALIC 0x02
#define MIRC_UNDERLINE 0x04
#define MIRC_REVERSE 0x08
#define MIRC_DIM 0x10		/* not an mIRC code: natter's events */
#define MIRC_DEFAULT (-1)	/* default colour */

struct style {
	uint8_t attr;	/* MIRC_* */
	int8_t fg;	/* mIRC colour 0..98, or MIRC_DEFAULT */
	int8_t bg;
};

/* Decode UTF-8 text with mIRC codes (bold, italic, underline, reverse,
 * colours \3fg[,bg], reset \17) starting from style *st into wide
 * characters and a style for each; other control characters become
 * spaces (tab) or are dropped, never shown raw. *st ends as the style
 * after the text. Returns the number of characters (at most cap). */
size_t mirc_decode(const char *s, size_t n, struct style *st,
    wchar_t *out, struct style *styles, size_t cap);
/* Copy s without any formatting codes into out (cap bytes); returns length. */
size_t mirc_strip(char *out, size_t cap, const char *s);

/* wrap.c: word wrap by display columns, and the layout of a history line. */

/*
 * Break the n characters of w into rows of cols columns; every row after
 * the first starts after indent columns. Breaks after the last space that
 * fits, else before the character that does not fit; a wide character is
 * never split and a combining mark stays with its base. Stores the start
 * index of each row in starts (up to max) and returns the row count.
 */
size_t wrap_rows(const wchar_t *w, size_t n, int cols, int indent,
    size_t *starts, size_t max);

#define RENDER_MAX 8800	/* wide characters in a rendered line: a whole one */

struct line;
struct render {
	wchar_t w[RENDER_MAX];
	struct style st[RENDER_MAX];
	size_t n;
	int indent;	/* hanging indent: the prefix's columns, capped */
};
/* Lay out a history line: "HH:MM <nick> text" with the nick in its
 * colour, actions as "* nick text", events dimmed. cols caps the indent. */
void render_line(struct render *r, const struct line *l, int cols);

/* The time column: render_time_format (--time-format), strftime's. */
#define RENDER_TIME_FORMAT "%H:%M"
#define RENDER_STAMP_MAX 64	/* bytes of a time stamp */
#define RENDER_STAMP_COLS 32	/* columns a format may make */
extern const char *render_time_format;
/* A time (ms since the epoch) in fmt, local time; 0 when it makes
 * nothing or does not fit cap. */
size_t render_stamp(char *out, size_t cap, const char *fmt, int64_t ms);
/* Does fmt make a time column: 1 to RENDER_STAMP_COLS columns, no
 * control characters? If not, why in err. */
bool render_time_format_ok(const char *fmt, char *err, size_t cap);
/* Cut r to cols columns, "…" in the last when anything was cut (a nick
 * too long for the nick list); returns the characters kept. */
size_t render_fit(struct render *r, int cols);
/* Rows the line takes at cols columns. */
size_t render_rows(const struct line *l, int cols);
/* Stable colour (an mIRC colour index) for a nick. */
int render_nick_color(const char *nick);

/* edit.c: the line editor, a wchar_t buffer with a cursor and a kill buffer. */

#define EDIT_MAX 1024		/* wide characters in the input line */
#define EDIT_HIST_MAX 100	/* remembered lines per buffer */

enum edit_op {
	EDIT_LEFT, EDIT_RIGHT, EDIT_HOME, EDIT_END,
	EDIT_WORD_LEFT, EDIT_WORD_RIGHT,
	EDIT_BACKSPACE, EDIT_DELETE,
	EDIT_KILL_WORD_BACK,	/* Ctrl-W */
	EDIT_KILL_WORD_FWD,	/* Alt-D */
	EDIT_KILL_BOL,		/* Ctrl-U */
	EDIT_KILL_EOL,		/* Ctrl-K */
	EDIT_YANK,		/* Ctrl-Y */
	EDIT_HIST_PREV, EDIT_HIST_NEXT,
};

struct edit {
	wchar_t buf[EDIT_MAX];
	size_t len, pos;	/* characters, cursor index */
	size_t scroll;		/* first character shown (horizontal scroll) */
	char *hist[EDIT_HIST_MAX];	/* oldest first, UTF-8 */
	size_t nhist;
	size_t histpos;		/* nhist while editing a fresh line */
	char *draft;		/* the fresh line while browsing history */
};

void edit_free(struct edit *e);
/* Insert c at the cursor; false when the line is full. */
bool edit_insert(struct edit *e, wchar_t c);
void edit_op(struct edit *e, enum edit_op op);
/* Replace the line with UTF-8 s, cursor at the end (completion, history). */
void edit_set(struct edit *e, const char *s);
/* The line as UTF-8 into out (cap bytes); returns the length. */
size_t edit_get(const struct edit *e, char *out, size_t cap);
/* Take the line for sending: copy it out, remember it in the history,
 * empty the editor. Returns the length (0 for an empty line). */
size_t edit_take(struct edit *e, char *out, size_t cap);
/* Keep the cursor visible in cols columns: updates e->scroll and returns
 * the cursor's column relative to it. */
int edit_view(struct edit *e, int cols);

/*
 * window.c's kinds of line. They, and the paragraphs of msgid.c,
 * complete.c and logfile.c, come before window.c's: struct buffer holds
 * each of those modules' state for the buffer in a typed field.
 */
enum line_kind {
	LINE_MSG,	/* <nick> text */
	LINE_ACTION,	/* * nick text */
	LINE_NOTICE,	/* -nick- text */
	LINE_EVENT,	/* joins, parts, quits, nick and topic changes: dimmed */
	LINE_INFO,	/* server replies and natter's own notes */
	LINE_ERROR,	/* errors */
	LINE_DAY,	/* "Friday 4 December 2026": lines below are of that day */
	LINE_GAP,	/* "3 missed lines": history merged in below */
};
#define LINE_SELF 0x01		/* we said it */
#define LINE_HIGHLIGHT 0x02	/* it mentions us */
#define LINE_DELETED 0x04	/* redacted: "(message deleted)", dimmed */
#define LINE_LOGGED 0x80	/* logfile.c is done with it (written or not) */

/*
 * msgid.c: de-duplication and the CHATHISTORY requests of a buffer.
 * A seen set remembers the last SEEN_MAX msgids (as 64-bit hashes, in a
 * ring indexed by a small open-addressing table), so history replayed
 * over what is already on screen is dropped. A hist_mark keeps the newest
 * and oldest message a buffer has shown, which is where the next
 * CHATHISTORY AFTER (after a reconnect) or BEFORE (scrolling past the
 * top) starts.
 */
#define SEEN_MAX 256
#define SEEN_SLOTS (2 * SEEN_MAX)	/* power of two, half full at most */
#define CHATHIST_LIMIT 100		/* when ISUPPORT CHATHISTORY says nothing */
#define CHATHIST_CMD_MAX 160		/* one CHATHISTORY line, no CRLF */

struct seen {
	uint64_t ring[SEEN_MAX];
	uint16_t slot[SEEN_SLOTS];	/* ring index + 1; 0 is empty */
	size_t head;			/* next ring entry to (over)write */
	size_t count;
};

struct hist_mark {
	char newest_id[IRC_MSGID_MAX + 1];	/* "" when unknown */
	int64_t newest_ms;			/* 0 when nothing seen */
	char oldest_id[IRC_MSGID_MAX + 1];
	int64_t oldest_ms;
};

enum chathist_kind {
	CHATHIST_LATEST, CHATHIST_AFTER, CHATHIST_BEFORE,
	CHATHIST_AROUND,	/* a /goto: put in front like BEFORE */
};

void seen_init(struct seen *s);
/* True when key was seen before; otherwise remembers it, forgetting the
 * oldest key once SEEN_MAX are held. */
bool seen_check(struct seen *s, const char *key);
/* True when key is held, without remembering it. */
bool seen_has(const struct seen *s, const char *key);

void mark_init(struct hist_mark *m);
/* A message with this msgid (NULL or "" if none) and time was shown. */
void mark_note(struct hist_mark *m, const char *msgid, int64_t time_ms);
/*
 * Write the CHATHISTORY line (no CRLF) for target into buf: LATEST asks
 * for the newest limit messages ("*"), AFTER starts from the newest
 * message shown, BEFORE from the oldest; msgid references are preferred,
 * timestamps are the fallback. Returns the length, or 0 when the mark
 * has no reference for AFTER/BEFORE or buf is too small.
 */
size_t chathist_cmd(char *buf, size_t cap, enum chathist_kind kind,
    const char *target, const struct hist_mark *m, int limit);
/* On (re)join: AFTER when the buffer has shown something, else LATEST. */
size_t chathist_join_cmd(char *buf, size_t cap, const char *target,
    const struct hist_mark *m, int limit);

/* A buffer's history: what it showed, the request out, the batch open. */
struct chathist_line {		/* a line of our batch, kept until its end */
	int64_t time;
	enum line_kind kind;
	unsigned flags;
	char *nick, *text;
	char *msgid;		/* NULL when the server gave none */
};
struct chathist_react {		/* a reaction in our batch (a TAGMSG) */
	char *nick, *msgid, *emoji;	/* who, to what, which */
};

struct chathist {
	struct seen seen;
	struct hist_mark mark;
	char batch[IRC_MSGID_MAX + 1];	/* our open chathistory batch, or "" */
	unsigned batch_got;	/* messages in it so far */
	bool out;		/* a CHATHISTORY request is out */
	enum chathist_kind asked;	/* which */
	int64_t joined_ms;	/* server time of our last JOIN, 0 never */
	bool exhausted;		/* BEFORE found nothing older */
	struct chathist_line *held;	/* our batch's lines, placed at its end */
	size_t nheld, heldlen;
	struct chathist_react *reacts;	/* its reactions, applied after them */
	size_t nreacts, reactslen;
};

struct buffer;
void chathist_init(struct chathist *h);
void chathist_free(struct chathist *h);
/* We joined b at time (server time): fetch LATEST, or AFTER what b
 * showed last (or its previous join) on a rejoin. */
void chathist_joined(struct buffer *b, int64_t time);
/* Scrolled past the top of b: fetch BEFORE the oldest line. */
void chathist_scrolled_top(struct buffer *b);
/* /goto a message older than b holds: fetch SEARCH_AROUND lines around
 * it (msgid, else its time), put in front of b with a note of the gap
 * if they do not reach b's oldest line; search_arrived at the end.
 * False when b has a request out or the server has no chathistory. */
bool chathist_around(struct buffer *b, const char *msgid, int64_t time);
/* The time of b's oldest message (not a note or a day line), 0 if none. */
int64_t chathist_oldest(const struct buffer *b);
/* The connection dropped: no request is out any more, and a batch cut
 * short is placed as far as it came. */
void chathist_lost(void);
/* FAIL CHATHISTORY: the requests waiting for a batch are over. */
void chathist_failed(void);
/* Registered again: ask for the gap of each query buffer. */
void chathist_registered(void);
/* BATCH +ref type target / BATCH -ref (type and target NULL). */
void chathist_batch(const char *ref, const char *type, const char *target);
/* Was this message (msgid may be NULL) already shown in b? If not, it
 * is remembered. batch is the message's batch tag or NULL. */
bool chathist_duplicate(struct buffer *b, const char *msgid,
    const char *batch, int64_t time);
/* A message of our batch: kept, and put in front of b's oldest line
 * (BEFORE) or merged into place by time (LATEST, AFTER) when the batch
 * ends, with its msgid (may be NULL) so it can be reacted to and deleted
 * like a live one. True when taken. */
bool chathist_collect(struct buffer *b, const char *batch, int64_t time,
    enum line_kind kind, unsigned flags, const char *nick, const char *text,
    const char *msgid);
/* The line of b's open batch with msgid, or NULL. */
const struct chathist_line *chathist_held(const struct buffer *b,
    const char *msgid);
/* A reaction (emoji from nick to msgid) in our batch: kept, and shown
 * beside its message once the batch's lines are in (dropped when that
 * message is not among them nor shown). True when taken. */
bool chathist_collect_react(struct buffer *b, const char *batch,
    const char *nick, const char *msgid, const char *emoji);

/*
 * complete.c: Tab completion on a wchar_t line. A comp_list is a most
 * recently used list of names (nicks of one channel, open channels);
 * comp_step replaces the word before the cursor with the next candidate
 * ("nick: " at line start, "nick " elsewhere, "/cmd ", "#chan "), and
 * repeated steps cycle through the candidates snapshotted on the first
 * one (dir +1 for Tab, -1 for Shift-Tab). Any other edit ends the cycle:
 * call comp_reset.
 */
#define COMP_CAND_MAX 64	/* candidates kept for one cycle */
#define COMP_WORD_MAX 64	/* longest word completed, in wide chars */

struct comp_list {
	char **names;
	size_t len, cap;
};

struct comp {
	bool active;
	size_t start;		/* where the completed word begins */
	size_t inserted;	/* wide chars of the current replacement */
	size_t idx;		/* current candidate */
	size_t ncand;
	wchar_t cand[COMP_CAND_MAX][COMP_WORD_MAX + 3];	/* with suffix */
};

void comp_list_free(struct comp_list *l);
/* name spoke or was opened: move (or add) it to the front. */
void comp_list_touch(struct comp_list *l, const char *name);
/* name is known but quiet (NAMES): add it at the back if absent. */
void comp_list_add(struct comp_list *l, const char *name);
void comp_list_remove(struct comp_list *l, const char *name);
void comp_list_rename(struct comp_list *l, const char *from, const char *to);
void comp_reset(struct comp *c);
/*
 * One Tab (dir 1) or Shift-Tab (dir -1) on buf[0..*len) (cap wide chars)
 * with the cursor at *pos. Words starting with '/' at line start complete
 * from cmds (NULL-terminated, with their '/'), '#' or '&' from chans,
 * the rest from nicks; matching is case-insensitive (IRC casemapping).
 * Returns false, changing nothing, when there is no candidate.
 */
bool comp_step(struct comp *c, wchar_t *buf, size_t *len, size_t cap,
    size_t *pos, int dir, const struct comp_list *nicks,
    const struct comp_list *chans, const char *const *cmds);
/* nick spoke in b: first in b's nick candidates. */
void complete_spoke(struct buffer *b, const char *nick);
/* Tab (dir 1) or Shift-Tab (-1) in b's input line: the next candidate
 * from b's speakers and nick list, the open channels and the commands. */
bool complete_tab(struct buffer *b, int dir);
/* After every key: one that was not Tab or Shift-Tab ends the cycle. */
void complete_key_done(void);

/*
 * logfile.c: --log-dir: one plain-text file per buffer per day,
 * "dir/<buffer>-YYYY-MM-DD.log", lines "[HH:MM:SS] <nick> text" in local
 * time with mIRC formatting removed. Buffer names are folded to lower
 * case and made safe for a file name ('/' and a leading '.' become '_').
 * Each line is written once and in time order, whatever is replayed: a
 * line older than the file's last is not written, and one of the same
 * second only if the file does not end with it already (read from the
 * file's tail when it is opened). Within a run the buffer drops repeats
 * by msgid first; a buffer waiting for its history writes nothing until
 * the history has been merged in, so the log follows the merged order.
 * A channel's or a conversation's log is the talk (server-stamped
 * messages and events); natter's own notes, stamped by the local clock
 * ("Disconnected", "Reconnected"), go only to the server buffer's, where
 * they cannot push a gap's older lines out of order.
 */
#define LOGFILE_NAME_MAX 4096
#define LOGFILE_TAIL_BYTES 16384	/* read at open to find the last line */
#define LOGFILE_TAIL_MAX 128	/* lines of the last second remembered: a
				   whole multiline message (max-lines=100) */
/* "[HH:MM:SS] <nick> " and a whole line's text */
#define LOGFILE_LINE_MAX (LINE_TEXT_MAX + IRC_NICK_MAX + 32)

struct logfile {
	char *buffer;		/* folded buffer name */
	char day[11];		/* "YYYY-MM-DD" of the open file */
	FILE *fp;
	long last_sod;		/* second of the day of its last line, -1 */
	uint64_t tail[LOGFILE_TAIL_MAX];	/* hashes of the lines the file */
	size_t ntail;		/* held at open stamped last_sod */
	uint64_t next_seq;	/* first line of the buffer not yet logged */
};

/* The file name for buffer on the local day of time_ms. */
size_t logfile_path(char *buf, size_t cap, const char *dir,
    const char *buffer, int64_t time_ms);
/* Format one log line (with '\n') into buf; kind is "<nick>" for a
 * message, "* nick" for an action, "-nick-" for a notice, or "" for an
 * event already phrased in text. */
size_t logfile_line(char *buf, size_t cap, int64_t time_ms, const char *kind,
    const char *text);
/* Append a line to buffer's log for the day of time_ms, opening or
 * switching the file as needed; each line of a multiline text is a log
 * line. Returns 0 when written, 1 when all was left out (the file has
 * it, or has a later line), -1 (errno set) on failure. */
int logfile_write(struct logfile *l, const char *dir, const char *buffer,
    int64_t time_ms, const char *kind, const char *text);
void logfile_close(struct logfile *l);
/* Lines were added to b: log those not yet logged when --log-dir is
 * set, unless b waits for its history (they are logged once it is in). */
void logfile_flush(struct buffer *b);

/*
 * readmark.c: draft/read-marker. The server keeps, per target, the time
 * of the newest message read (on any of our devices). A buffer shows a
 * "new since you last read" line above its first message after that
 * time when it was not on screen; MARKREAD goes out when a buffer is
 * looked at (selected, or followed at the bottom), and a marker moved
 * by another device recounts the unread messages and the activity.
 * MARKREAD goes at most once a READMARK_INTERVAL_MS a buffer: a flood
 * read as it comes, or buffers switched back and forth, would otherwise
 * send one a line; the newest time waits for its turn (readmark_tick),
 * even once the buffer is left, and /quit sends what waits first.
 */
#define READMARK_TEXT "new since you last read"
#define READMARK_INTERVAL_MS 1000

/* Activity of a buffer not on screen, for the status line; ordered. */
enum activity { ACT_NONE, ACT_EVENT, ACT_MSG, ACT_HOT };

struct readmark {
	int64_t read_ms;	/* the marker: read up to here; 0 unknown */
	uint64_t first_new;	/* line number + 1 of the first unread, 0 none */
	int64_t sent_ms;	/* the newest time we sent (or heard) */
	int64_t looked_ms;	/* since when it is on screen; 0 when not */
	int64_t waiting_ms;	/* a newer time to send at due_mono, or 0 */
	int64_t due_mono;	/* when the next MARKREAD may go (monotonic) */
};

/* MARKREAD's value ("timestamp=..." or "*") for b, from the server. */
void readmark_heard(struct buffer *b, const char *value);
/* A message line was added to b at seq, with time and LINE_* flags. */
void readmark_added(struct buffer *b, uint64_t seq, int64_t time,
    unsigned flags);
/* b is on screen at its bottom: tell the server it is read. */
void readmark_looked(struct buffer *b);
/* The user leaves b: its marker line goes, to come back above what is
 * new when b is not on screen. */
void readmark_left(struct buffer *b);
/* The user switched to b. */
void readmark_selected(struct buffer *b);
/* History was merged into b: its lines have new numbers. */
void readmark_renumbered(struct buffer *b);
/* The line number + 1 above which the marker line shows, 0 none. */
uint64_t readmark_line(const struct buffer *b);
/* Send the MARKREADs whose turn has come. */
void readmark_tick(int64_t now_mono);
/* ms until readmark_tick has work, or -1. */
int readmark_timeout(int64_t now_mono);
/* Send every MARKREAD still waiting (before QUIT). */
void readmark_flush(void);
/* Lines of b after time read_ms: unread messages (not ours) and the
 * activity they make (ACT_HOT for a highlight or in a query). */
unsigned readmark_count(const struct buffer *b, int64_t read_ms,
    enum activity *act);

/*
 * typing.c: +typing (ircv3.net/specs/client-tags/typing). We send
 * "active" at most every TYPING_ACTIVE_MS while the input line has text
 * for a channel or nick, "paused" after TYPING_PAUSE_MS without a key,
 * "done" when the line is emptied or sent; only with message-tags, and
 * not with --no-typing or a CLIENTTAGDENY that refuses it. Who is typing
 * here shows in the status line until "done", a message, or the spec's
 * expiry (6 s after "active", 30 s after "paused").
 */
#define TYPING_ACTIVE_MS 3000
#define TYPING_PAUSE_MS 5000
#define TYPING_ACTIVE_TTL_MS 6000
#define TYPING_PAUSED_TTL_MS 30000
#define TYPING_PEERS_MAX 4	/* typists remembered per buffer */

enum typing_state { TYPING_NONE, TYPING_ACTIVE, TYPING_PAUSED };

struct typing_peers {
	struct {
		char nick[IRC_NICK_MAX + 1];
		enum typing_state state;
		int64_t expires;	/* monotonic ms */
	} who[TYPING_PEERS_MAX];
};

struct typing_self {
	enum typing_state state;	/* what we last sent */
	int64_t sent_ms;		/* when (monotonic) */
	int64_t key_ms;			/* the last key in the line */
};

/* Does a CLIENTTAGDENY value refuse +typing? */
bool typing_denied(const char *deny);
/* nick's +typing value in b (NULL: a message from nick, which ends it). */
void typing_heard(struct buffer *b, const char *nick, const char *state,
    int64_t now);
/* b's input line changed at now; empty says whether it is now empty. */
void typing_input(struct buffer *b, bool empty, int64_t now);
/* b's line was sent (or abandoned): "done" if we said anything. */
void typing_done(struct buffer *b, int64_t now);
/* Each loop pass: "paused" when due, typists expire. */
void typing_tick(int64_t now);
/* ms until typing_tick has work, or -1. */
int typing_timeout(int64_t now);
/* "bob is typing", "bob and carol are typing"... for b into buf; 0 if
 * nobody is. */
size_t typing_text(const struct buffer *b, char *buf, size_t cap);
/* Whether we send typing notifications at all (--no-typing). */
extern bool typing_send;

/*
 * react.c: what points at another message by its msgid: reactions
 * (+draft/react) beside the message they react to, replies
 * (+draft/reply) shown with a reference to what they answer, /react,
 * and the selected line (Shift-Up, Shift-Down) that /react and /delete
 * act on instead of the newest.
 */
#define REACT_MAX 32		/* bytes of one reaction kept */
#define REACT_REF_MAX 96	/* "↪ nick: words…" */

/* nick reacted with emoji to msgid in b: noted beside the line, or a
 * short line when it is not in the scrollback. */
void react_heard(struct buffer *b, const char *nick, const char *msgid,
    const char *emoji, int64_t time);
/* The note of a line with nick's emoji added: "👍 bob, carol  ❤ dan".
 * Returns the length, or 0 (out unchanged) when it does not fit. */
size_t react_note_add(char *out, size_t cap, const char *note,
    const char *emoji, const char *nick);
/* The reference a reply to msgid starts with, into out. */
void react_reply_ref(const struct buffer *b, const char *msgid, char *out,
    size_t cap);
/* The line /react and /delete act on: the selected one, else the newest
 * message with a msgid (ours only when own is true). false if none. */
bool react_target(const struct buffer *b, bool own, uint64_t *seq);
/* Move the selection dir lines (-1 older, 1 newer) among b's messages
 * with a msgid; past the newest it ends. */
void react_select(struct buffer *b, int dir);
/* /react emoji in b. */
void react_send(struct buffer *b, const char *emoji);

/* redact.c: draft/message-redaction: /delete, and deleted lines. */

/* /delete in b: REDACT the selected line, else our newest message. */
void redact_send(struct buffer *b, const char *reason);
/* REDACT for msgid in b: the line shows "(message deleted)". */
void redact_heard(struct buffer *b, const char *msgid);
/* Delete with a line selected in b: ask whether to delete it when it is
 * our own (an error line says why not otherwise). False when nothing is
 * selected: the key is the input line's. */
bool redact_ask(struct buffer *b);
/* The question asked ("Delete your message ...? (y/n)"), or NULL. */
const char *redact_prompt(void);
/* Its answer: y deletes the message asked about, anything else keeps it. */
void redact_answer(bool yes);
#define REDACT_QUOTE_MAX 40	/* bytes of the message quoted in the question */

/*
 * monitor.c: /notify, through MONITOR (ircv3.net/specs/extensions/monitor).
 * The list is natter's, kept across reconnects and sent again once the
 * welcome burst says the server has MONITOR; 730 and 731 say who came
 * and went, in the buffer on screen.
 */
#define MONITOR_MAX 100		/* nicks on the list */

enum monitor_state { MONITOR_UNKNOWN, MONITOR_ONLINE, MONITOR_OFFLINE };

/* /notify add|del|list [nick...] in b. */
void monitor_command(struct buffer *b, char *args);
/* Registered, ISUPPORT known: MONITOR + the list. */
void monitor_registered(void);
/* 730 (online true) or 731: a comma-separated list of nick[!user@host]. */
void monitor_heard(char *list, bool online);
/* 734: the server's list is full; list is what it refused. */
void monitor_full(const char *list);
/* The state of nick, for tests and /notify list. */
enum monitor_state monitor_state(const char *nick);
/* Forget the whole list (tests). */
void monitor_clear(void);

/*
 * multiline.c: draft/multiline (ircv3.net/specs/extensions/multiline).
 * Text of several lines (a confirmed paste, Alt-Enter in the input)
 * goes out as one BATCH when the server offers the capability and it
 * fits max-bytes and max-lines, lines longer than a message continued
 * with draft/multiline-concat; received batches are put together and
 * shown as one message of several lines.
 */
#define MULTILINE_OPEN_MAX 4	/* multiline batches open at once */

/* The capability's value ("max-bytes=4096,max-lines=100"). */
void multiline_cap(const char *value);
/* Can text[0..len) go to target as one batch? */
bool multiline_fits(const char *target, const char *text, size_t len);
/* Send it (the caller checked multiline_fits); returns the lines sent. */
size_t multiline_send(const char *target, const char *text, size_t len);
/* BATCH +ref draft/multiline target: start collecting; the BATCH line's
 * own tags (msgid, time, batch) and source come with it. */
void multiline_open(const char *ref, const char *target, const char *source,
    const char *msgid, int64_t time, const char *outer, const char *reply);
/* A PRIVMSG or NOTICE in batch ref: true when taken. */
bool multiline_line(const char *ref, const char *text, bool concat,
    bool notice);
/* BATCH -ref: true with the message put together in *out when ref was a
 * multiline batch; out's strings live until the next call. */
struct multiline_msg {
	const char *target, *source, *msgid, *outer, *reply;
	char *text;		/* lines joined by '\n' */
	int64_t time;
	bool notice;
};
bool multiline_close(const char *ref, struct multiline_msg *out);

/* window.c: the model. Buffers (server, channels, queries), their
 * scrollback rings and nick lists, and who we are. */


/* One history line in one allocation: 16 bytes of header, then the nick,
 * the text, the msgid (reactions and deletion find a line by it) and a
 * note shown dimmed after the text (the reactions), each NUL-terminated. */
struct line {
	int64_t time;	/* ms since the epoch, UTC */
	uint8_t kind;	/* enum line_kind */
	uint8_t flags;	/* LINE_* */
	uint8_t nicklen;
	uint8_t idlen;	/* msgid, "" when the server gave none */
	uint16_t textlen;
	char data[];	/* nick, NUL, text, NUL, msgid, NUL, note, NUL */
};
#define LINE_NICK(l) ((l)->data)
#define LINE_TEXT(l) ((l)->data + (l)->nicklen + 1)
#define LINE_MSGID(l) (LINE_TEXT(l) + (l)->textlen + 1)
#define LINE_NOTE(l) (LINE_MSGID(l) + (l)->idlen + 1)
/*
 * A line's text is on the heap in its own allocation, as long as it is, so
 * the cap costs ordinary traffic nothing; it is sized from draft/multiline:
 * natterd and Ergo offer max-bytes=4096 and max-lines=100, 4195 bytes with
 * the line breaks, and one line read whole (IRC_LINE_MAX, for a server
 * with a longer line limit than 512) carries up to about 8 K. Longer text
 * is cut at a character boundary, so what a hostile server can make natter
 * hold is bounded: about 8.8 KB a line (nick, text, msgid, note), times
 * --scrollback lines a buffer, times WINDOW_MAX buffers.
 */
#define LINE_TEXT_MAX 8192
#define LINE_NOTE_MAX 256	/* reactions beyond this are not shown */
/* A rendered line holds the time, the nick, the whole text and the note. */
_Static_assert(RENDER_MAX >= RENDER_STAMP_MAX + 255 + 8 + LINE_TEXT_MAX +
    2 + LINE_NOTE_MAX, "RENDER_MAX holds a whole line");

/* BUFFER_LIST is /list's (list.c): no conversation, nothing sent there. */
enum buffer_kind {
	BUFFER_SERVER, BUFFER_CHANNEL, BUFFER_QUERY, BUFFER_LIST,
	BUFFER_SEARCH,		/* search.c's results */
};

struct nick {
	char prefix[8];		/* multi-prefix: every status, highest first */
	char name[IRC_NICK_MAX + 1];
	bool away;
};

struct buffer {
	char name[IRC_CHAN_MAX + 1];
	enum buffer_kind kind;
	/* Scrollback: a ring of cap lines, the oldest at lines[first]. */
	struct line **lines;
	size_t cap, first, count;
	uint64_t seq;		/* lines ever added; the newest is seq - 1 */
	/* View: following the bottom, or scrolled so that the view's last
	 * row is row `skip` counted up from the end of line number anchor. */
	bool scrolled;
	uint64_t anchor;
	size_t skip;
	/* Channel state. */
	struct nick *nicks;	/* sorted: by highest prefix, then by name */
	size_t nnicks, nickcap;
	size_t nickscroll;	/* first nick shown */
	bool names_pending;	/* a 353 list is arriving; 366 ends it */
	bool names_show;	/* /names asked: print the list at 366 */
	bool joined;
	bool rejoin;		/* we joined and did not leave: rejoin on reconnect */
	char *topic;		/* NULL when none; the topic bar shows it */
	/* Status line. */
	enum activity activity;
	unsigned unread;
	struct edit edit;	/* each buffer keeps its own input and history */
	struct chathist hist;	/* msgid.c: history fetched and shown */
	struct comp_list spoke;	/* complete.c: who spoke, most recent first */
	struct logfile log;	/* logfile.c: the open log file */
	long search_at;		/* search.c: line index of the last match, -1 */
	uint64_t selected;	/* react.c: line number + 1 selected, 0 none */
	struct readmark mark;	/* readmark.c: what was read, where new starts */
	struct typing_peers typing;	/* typing.c: who is typing here */
	struct typing_self typed;	/* typing.c: what we told them */
};

/* Who we are and what the server agreed to. */
#define CAP_SERVER_TIME 0x01
#define CAP_ECHO 0x02
#define CAP_TAGS 0x04
#define CAP_BATCH 0x08
#define CAP_MULTI_PREFIX 0x10
#define CAP_AWAY_NOTIFY 0x20
#define CAP_USERHOST_NAMES 0x40
#define CAP_CHATHISTORY 0x80
#define CAP_SASL 0x100
#define CAP_ACCOUNT_NOTIFY 0x200
#define CAP_SEARCH 0x400	/* soju.im/search */
#define CAP_READ_MARKER 0x800
#define CAP_REDACT 0x1000
#define CAP_MULTILINE 0x2000

struct self {
	char nick[IRC_NICK_MAX + 1];
	char network[64];	/* ISUPPORT NETWORK, else the host */
	unsigned caps;		/* CAP_* acknowledged */
	bool connected;		/* TCP up */
	bool registered;	/* 001 seen */
	bool was_registered;	/* 001 seen on some connection */
	bool joined_once;	/* -j was sent: later registrations rejoin instead */
	bool quit;		/* /quit given: leave when the server closes */
	char prefix_modes[8];	/* ISUPPORT PREFIX=(ov)@+ */
	char prefix_chars[8];
	char chanmodes[4][32];	/* ISUPPORT CHANMODES, types A to D */
	unsigned modes_max;	/* ISUPPORT MODES: changes with an argument a line */
	char elist[16];		/* ISUPPORT ELIST: LIST's filters, "" none */
	bool away;		/* 306 seen, 305 not since */
	char account[IRC_NICK_MAX + 1];	/* logged in as (900), "" when not */
	unsigned monitor_max;	/* ISUPPORT MONITOR, 0 when none */
	bool tagdeny_typing;	/* ISUPPORT CLIENTTAGDENY refuses +typing */
	size_t multiline_bytes;	/* draft/multiline max-bytes */
	size_t multiline_lines;	/* and max-lines */
};
extern struct self self;
#define MODES_LINE_MAX 12	/* /op etc. send at most this many a line */

/* natter's first words on the server buffer and in the first channel:
 * a new user's way in. */
#define HINT_HELP "Type /help for the commands and keys, /quit to leave"

/* Dirty bits: what ui_draw must redraw. Set by the model, cleared by ui. */
#define DIRTY_HISTORY 0x01
#define DIRTY_NICKS 0x02
#define DIRTY_STATUS 0x04
#define DIRTY_INPUT 0x08
#define DIRTY_ALL 0x0f
extern unsigned dirty;

/* Shown at the right of the status line (the reconnect countdown). */
extern char status_note[128];

#define WINDOW_MAX 100	/* buffers open at once */
extern struct buffer *windows[WINDOW_MAX];
extern size_t nwindows;
extern size_t window_cur;

/* Lines kept per buffer (--scrollback); set before window_init. */
extern size_t window_scrollback;

/* Create the server buffer (named name); call once at start. */
void window_init(const char *name);
void window_free_all(void);
struct buffer *window_server(void);
struct buffer *window_current(void);
/* The buffer called name (IRC case-insensitive), or NULL. */
struct buffer *window_find(const char *name);
/* Find or open a buffer; past WINDOW_MAX the server buffer is returned. */
struct buffer *window_open(const char *name, enum buffer_kind kind);
size_t window_index(const struct buffer *b);
void window_select(size_t i);
/* Close buffer i (never the server buffer, index 0). */
void window_close(size_t i);

/* Append a line; evicts the oldest past the scrollback size. Updates
 * activity and unread counts of buffers not on screen. */
void buffer_add(struct buffer *b, int64_t time, enum line_kind kind,
    unsigned flags, const char *nick, const char *text);
/* The same for a message with its msgid (NULL or "" when none). */
void buffer_add_msg(struct buffer *b, int64_t time, enum line_kind kind,
    unsigned flags, const char *nick, const char *text, const char *msgid);
/* The line number of the newest line with this msgid; false if none. */
bool buffer_find_msgid(const struct buffer *b, const char *msgid,
    uint64_t *seq);
/* Change line seq in place: its text (NULL keeps it), its note (NULL
 * keeps it) and flags (added). False when the line is gone. */
bool buffer_line_edit(struct buffer *b, uint64_t seq, const char *text,
    const char *note, unsigned flags);
/* Do two times fall on the same local day? */
bool window_same_day(int64_t a_ms, int64_t b_ms);
/* The text of a day line, "Friday 4 December 2026" (local time); returns
 * its length, 0 when it does not fit cap. */
size_t window_day_text(char *buf, size_t cap, int64_t ms);
/*
 * Merge lines fetched after a reconnect or a rejoin (add, oldest first)
 * into b by time, with the day lines that then fall between them; with
 * gap, a LINE_GAP line ("3 missed lines") goes above the first. The view
 * stays on the line it showed, the oldest lines go past the scrollback,
 * and the log takes the new lines in their place. Returns nadd.
 */
size_t buffer_merge(struct buffer *b, const struct chathist_line *add,
    size_t nadd, bool gap);
/* Put a line (msgid may be NULL) before the oldest (older history), with
 * its day lines; false when the ring is too full. Not logged, not counted
 * as unread. */
bool buffer_prepend(struct buffer *b, int64_t time, enum line_kind kind,
    unsigned flags, const char *nick, const char *text, const char *msgid);
/* The channel's topic changed (TOPIC, 332; "" for none, 331). */
void buffer_set_topic(struct buffer *b, const char *topic);
/* An informational line stamped now. */
void buffer_addf(struct buffer *b, enum line_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Line number seq (see struct buffer), or NULL if evicted or not yet there. */
const struct line *buffer_line(const struct buffer *b, uint64_t seq);
void buffer_clear(struct buffer *b);
void buffer_rename(struct buffer *b, const char *name);
/* Rows line seq takes at cols columns, the marker line above it too. */
size_t buffer_line_rows(const struct buffer *b, uint64_t seq, int cols);
/* Scroll the view by rows at cols columns: positive up, negative down. */
void buffer_scroll(struct buffer *b, long rows, int cols);
void buffer_scroll_top(struct buffer *b, int cols);
void buffer_scroll_bottom(struct buffer *b);
/* Lines below the view while scrolled up (0 at the bottom). */
uint64_t buffer_unseen(const struct buffer *b);

/* Nick list. Prefix chars are ranked by self.prefix_chars. */
struct nick *nick_find(struct buffer *b, const char *name);
/* Add or update name with its status prefixes (from NAMES or JOIN). */
void nick_add(struct buffer *b, const char *name, const char *prefix);
bool nick_remove(struct buffer *b, const char *name);
bool nick_rename(struct buffer *b, const char *old, const char *name);
/* Give (add true) or take a status prefix char such as '@'. */
void nick_set_prefix(struct buffer *b, const char *name, char c, bool add);
void nick_clear(struct buffer *b);

/* net.c: the connection, a non-blocking socket with a send queue. */

#define SENDQ_MAX (1024 * 1024)
#define NET_READ_MAX (256 * 1024)	/* bytes read per loop pass */
/* Connecting and the TLS handshake together take at most this long: a
 * host that drops packets, or a port that never answers a ClientHello
 * (a plain server waiting for NICK), fails instead of hanging. The
 * certificate question is not counted. */
#define NET_CONNECT_MS 15000

/* Start connecting to host:port (getaddrinfo, then non-blocking connect
 * to each address in turn). Progress and errors come through the loop. */
void net_connect(const char *host, const char *port);
/* The socket to poll and the events wanted, or -1. */
int net_fd(void);
short net_events(void);
/* ms until net_tick has work (the connect deadline), or -1. */
int net_timeout(int64_t now_mono);
/* Each loop pass: fail a connect or handshake past its deadline. */
void net_tick(int64_t now_mono);
/* Act on poll's revents: finish connecting, write, read and dispatch. */
void net_ready(short revents);
/* Queue one raw line (CRLF added; cut at IRC_BODY_MAX on a character). */
void net_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void net_close(void);
/* Whether anything is still queued for the server. */
bool net_pending(void);
/* The question asked before trusting a server's certificate ("Trust
 * ...? (y/n)"), or NULL; net_answer gives the user's answer. */
const char *net_prompt(void);
void net_answer(bool yes);
/* Why the connection failed or ended, once it has ("" while fine); room
 * for a changed certificate's two fingerprints and the file to edit. */
#define NET_ERROR_MAX 1024
extern char net_error[NET_ERROR_MAX];
/* The last attempt reached the server (TCP connected): a failure after
 * that is the server's answer (a password, a certificate, a handshake),
 * not its absence. */
extern bool net_reached;

/*
 * tls.c: OpenSSL under net.c. One context for the whole run, made from
 * the flags before the screen starts; one session per connection, driven
 * by net.c's non-blocking socket. Nothing here blocks or reads the
 * keyboard: a certificate that needs the user's word is net.c's question.
 */
enum tls_io {
	TLS_IO_OK,		/* done (or some bytes moved) */
	TLS_IO_WANT_READ,	/* poll for POLLIN and call again */
	TLS_IO_WANT_WRITE,	/* poll for POLLOUT and call again */
	TLS_IO_EOF,		/* the peer closed */
	TLS_IO_ERROR,		/* tls_error() says why */
};

enum tls_trust {
	TLS_TRUSTED,		/* verified, pinned, known, or --tls-insecure */
	TLS_ASK,		/* not verified and not known: ask the user */
	TLS_REFUSED,		/* a pin or a known_servers line does not match */
};

/* Build the context from opt (CA file, client certificate); exits with
 * a message on stderr when a file is unusable. */
void tls_setup(void);
/* A new session on a connected socket; host names the certificate. */
void tls_start(int fd, const char *host);
enum tls_io tls_handshake(void);
/* Read into buf; *n is the bytes read (TLS_IO_OK only). */
enum tls_io tls_read(char *buf, size_t cap, size_t *n);
/* Write from buf; *n is the bytes taken (TLS_IO_OK only). */
enum tls_io tls_write(const char *buf, size_t len, size_t *n);
/* Bytes already decrypted and waiting: poll would not report them. */
size_t tls_pending(void);
void tls_end(void);
/* The last failure, for a message. */
const char *tls_error(void);
/* known_servers' path, or "" when there is no home to keep it in. */
const char *tls_known_file(void);
/*
 * After the handshake: may natter talk to host:port? Writes the server's
 * fingerprint into fp, why it is not verified (TLS_ASK) or why it is
 * refused (TLS_REFUSED) into why.
 */
enum tls_trust tls_trust(const char *host, const char *port,
    char fp[FINGERPRINT_STR_MAX], char *why, size_t cap);
/* The user said yes: remember this certificate for host:port, for this
 * run and in known_servers (false, with err, when the file cannot be
 * written; the run still remembers). */
bool tls_remember(const char *host, const char *port, char *err, size_t cap);
/* The user said no: refuse this certificate for host:port until natter
 * exits, without asking again. */
void tls_refuse(const char *host, const char *port);

/*
 * known.c: $XDG_DATA_HOME/natter/known_servers, the certificates the user
 * trusted on first use, as SSH's known_hosts: a line "host port
 * fingerprint" each, '#' comments. A host may have several lines (a
 * certificate and its successor); any one matching is a match.
 */
#define KNOWN_LINE_MAX 1024

enum known_match {
	KNOWN_NONE,		/* no line for host:port */
	KNOWN_SAME,		/* a line with this fingerprint */
	KNOWN_CHANGED,		/* lines for host:port, none with it */
};

/* The path of natter's data file name, under $XDG_DATA_HOME/natter (xdg,
 * used only when absolute) or ~/.local/share/natter; false when neither
 * gives one. */
bool data_path(char *buf, size_t cap, const char *xdg, const char *home,
    const char *name);
/* Make every missing directory up to path's file, private (0700). */
bool data_dir_make(const char *path, char *err, size_t cap);
/* The file's path from $XDG_DATA_HOME (xdg, used only when absolute) or
 * $HOME; false when neither gives one. */
bool known_path(char *buf, size_t cap, const char *xdg, const char *home);
/* Look host:port up in fp for digest; on KNOWN_CHANGED, *line and old
 * are the first line for host:port and its fingerprint. */
enum known_match known_find(FILE *fp, const char *host, const char *port,
    const unsigned char *digest, unsigned *line,
    unsigned char old[FINGERPRINT_LEN]);
/* Append a line for host:port to path, making its directory (0700) and
 * the file (0600) if need be. false with err on failure. */
bool known_add(const char *path, const char *host, const char *port,
    const unsigned char *digest, char *err, size_t cap);

/* handle.c: what the server says, by table. CTCP requests (VERSION,
 * PING) are answered at most CTCP_REPLY_BURST at once, then one per
 * CTCP_REPLY_INTERVAL_MS, and never from a batch (history): a channel
 * full of them must not make natter flood the server. */
#define CTCP_REPLY_BURST 3
#define CTCP_REPLY_INTERVAL_MS 2000

/* The connection is up: negotiate capabilities and register. */
void handle_connected(void);
/* The connection ended (error text in net_error). */
void handle_disconnected(void);
/* One received line, without CR LF. */
void handle_line(char *line, size_t len);
/* Bring chan's buffer to the screen when our JOIN for it comes back. */
void handle_join_select(const char *chan);

/*
 * sasl.c: logging in with SASL PLAIN or EXTERNAL while registering
 * (--sasl), the account's numerics, and NickServ's /register and
 * /identify.
 */

/* The account SASL logs in as: --account, else the nick. */
const char *sasl_account(void);
/* Settle --sasl-mechanism against the other flags: NULL, or why not. */
const char *sasl_configure(void);
/* The server acknowledged the sasl capability: start (AUTHENTICATE). */
void sasl_start(void);
/* CAP LS is complete and has no sasl although --sasl asks for it. */
void sasl_unavailable(void);
/* The server's AUTHENTICATE line ("+": send the payload). */
void sasl_continue(const char *data);
/* Now logged in as account ("" or "*": logged out): from 900 and 901, and
 * from account-notify's ACCOUNT about ourselves, which is how Ergo tells a
 * NickServ login. Said once in the server buffer. */
void sasl_logged_in(const char *account);
/* 900-908: logged in or out, SASL done or failed; text is the last
 * parameter. Returns true when the exchange is over (CAP END may go). */
bool sasl_numeric(int num, const char *account, const char *text);

/*
 * nickname.c: nicks that cannot be used: why not (for /nick and $USER),
 * and what to try instead when the server refuses one while registering
 * (432), where natter cannot go on without a nick.
 */
#define NICK_SAFE_LEN 9	/* RFC 1459's NICKLEN: every server takes this many */

/* Why nick is not a valid nickname, into out; false when it is valid. */
bool nick_problem(char *out, size_t cap, const char *nick);
/* The nick to try after the server refused refused: the first attempt
 * (0) is refused without the characters no server takes, cut to
 * NICK_SAFE_LEN; later ones "natter", "natter2", ... Returns the length. */
size_t nick_alternative(char *out, size_t cap, const char *refused,
    unsigned attempt);

/*
 * interrupt.c: Ctrl-C clears the input line and says how to leave; a
 * second press within INTERRUPT_AGAIN_MS quits.
 */
#define INTERRUPT_AGAIN_MS 2000

/* Ctrl-C pressed in b at now (monotonic ms): true when natter should
 * quit (the second press in time). */
bool interrupt_key(struct buffer *b, int64_t now);

/*
 * whois.c: WHOIS and WHOWAS answers as one block in the buffer asked from,
 * "carol (~carol@host): Carol" then indented lines (channels, server,
 * idle and sign-on, account, TLS, away), not the numerics' parameters.
 */

#define WHOIS_ASKED_MAX 8	/* questions remembered until answered */

/* "2m 13s", "3d 4h", "1h", "0s": the largest unit and the next. */
size_t whois_duration(char *out, size_t cap, long long secs);
/* A sign-on time (seconds since the epoch) as "Fri 4 Dec 14:02", local. */
size_t whois_signon(char *out, size_t cap, long long when);
/* The block's line for numeric num with params[0..n) (params[0] is us),
 * or 0 when it shows nothing (the ends of the block). */
size_t whois_format(char *out, size_t cap, int num, const char *const *params,
    size_t n);
/* /whois or /whowas nick was typed in b: the answer goes there. */
void whois_asked(const struct buffer *b, const char *nick);
/* A WHOIS or WHOWAS reply: its line in the buffer it was asked from,
 * else the current one. */
void whois_reply(int num, const char *const *params, size_t n);
/* Is a WHOIS or WHOWAS answer about nick under way (its 301 is a line of
 * the block then)? */
bool whois_open(const char *nick);

/*
 * reply.c: numeric replies no other module takes, as sentences: WHO's
 * lines in the server buffer, a channel's modes and ban, exception and
 * invite lists in its buffer, an invitation sent, and errors with what
 * they are about first ("nobody: There was no such nickname").
 */

/* The line for numeric num with params[0..n) (params[0] is us), or 0
 * when there is none; rows is how many entries the WHO or mask list
 * that num ends had. */
size_t reply_format(char *out, size_t cap, int num, const char *const *params,
    size_t n, unsigned rows);
/* A reply's line in the buffer it concerns. */
void reply_show(int num, const char *const *params, size_t n);

/*
 * ignore.c: /ignore nick|mask, /unignore, kept in $XDG_DATA_HOME/natter/
 * ignore. A match's messages, notices, CTCP and invites are hidden, live
 * and in history; with -all its joins, parts, quits and nick changes.
 */
#define IGNORE_MAX 64
#define IGNORE_MASK_MAX (IRC_NICK_MAX + IRC_USER_MAX + IRC_HOST_MAX + 2)
#define IGNORE_MSGS 0x01	/* PRIVMSG, NOTICE, CTCP, INVITE */
#define IGNORE_EVENTS 0x02	/* JOIN, PART, QUIT, NICK (-all) */
#define IGNORE_ALL (IGNORE_MSGS | IGNORE_EVENTS)

struct ignore {
	char mask[IGNORE_MASK_MAX + 1];	/* nick!user@host, * and ? */
	unsigned what;			/* IGNORE_* */
};
struct ignores {
	struct ignore list[IGNORE_MAX];
	size_t n;
};
extern struct ignores ignores;

/* Add mask (a nick alone is nick!*@*) or change what an equal one hides;
 * returns its index, or -1 when the list is full or it is not a mask. */
int ignore_add(struct ignores *l, const char *mask, unsigned what);
/* Remove a mask, or the entry numbered as /ignore lists it (1 first);
 * what was removed goes to *gone unless it is NULL. */
bool ignore_remove(struct ignores *l, const char *which, struct ignore *gone);
/* Does a mask of l hiding any of what match nick!uh ("" uh: the server,
 * never hidden)? */
bool ignore_matches(const struct ignores *l, const char *nick, const char *uh,
    unsigned what);
/* Add the "mask [all]" lines of fp; '#' starts a comment. */
void ignore_read(struct ignores *l, FILE *fp);
/* Write l to path whole (through path.new and a rename). */
bool ignore_write(const struct ignores *l, const char *path, char *err,
    size_t cap);
/* Load natter's list from its file under xdg or home. */
void ignore_init(const char *xdg, const char *home);
/* Does natter's list hide this? */
bool ignore_hides(const char *nick, const char *uh, unsigned what);
/* The /ignore and /unignore commands. */
void ignore_cmd(struct buffer *b, char *args);
void unignore_cmd(struct buffer *b, char *args);

/*
 * list.c: /list [-min N] [mask] into the list buffer LIST_BUFFER: the
 * channels sorted by users then name, numbered; -min and the mask go to
 * the server as ELIST conditions when it offers them and are applied
 * here anyway. In the buffer a number or a #channel and Enter joins;
 * other text filters by name and topic.
 */
#define LIST_BUFFER "*list*"	/* no nick or channel can be called so */
#define LIST_MAX 5000		/* channels kept from one answer */
#define LIST_FILTER_MAX 64

/* Does a channel pass: at least min users, its name matching mask ("":
 * any), filter ("": any) in its name or topic (any case, no colours)? */
bool list_match(const char *name, unsigned users, const char *topic,
    unsigned min, const char *mask, const char *filter);
/* The LIST line for ISUPPORT ELIST elist ("" when none) and the filters;
 * returns its length. */
size_t list_request(char *out, size_t cap, const char *elist, unsigned min,
    const char *mask);
/* The /list command. */
void list_cmd(struct buffer *b, char *args);
/* 321, 322, 323. */
void list_start(void);
void list_add(const char *name, const char *users, const char *topic);
void list_end(void);
/* Text typed in the list buffer. */
void list_input(struct buffer *b, const char *text);
void list_free(void);

/* command.c: what the user types, by table. */

/* Run one input line typed in buffer b: a /command, or text to send.
 * False when it could not go for want of a connection: the caller keeps
 * it in the input line, to be sent with Enter once reconnected. */
bool command_run(struct buffer *b, const char *line);
/* The entry for /name: exact, else irssi's and WeeChat's short name for
 * it ("q" is query), else a unique prefix; NULL otherwise, and
 * *ambiguous tells which. */
const struct command *command_find(const char *name, bool *ambiguous);
/* A comma-separated channel list with '#' put before each name that
 * is not a channel ("lan,&x" is "#lan,&x"), as /join and -j take it;
 * whole names only. Returns the length. */
size_t command_chans(char *out, size_t cap, const char *list);

struct command {
	const char *name;
	void (*fn)(struct buffer *b, char *args);
	unsigned flags;
	const char *usage;
	const char *help;
};
#define CMD_ARGS 0x01		/* needs arguments */
#define CMD_CONNECTED 0x02	/* needs a registered connection */
#define CMD_TARGET 0x04		/* needs a channel or query buffer */
extern const struct command commands[];
extern const size_t ncommands;

/*
 * keys.c: what the keyboard sends, decoded without curses. curses gives
 * characters and the function keys terminfo names; keys_feed turns the
 * rest into keys: ESC then a key is Alt (ESC ESC is nothing), ESC [ or
 * ESC O starts a CSI sequence whose parameters and final byte name the
 * key ("1;5D"), and CSI 200~ ... CSI 201~ is a bracketed paste, whose
 * text is collected (at most KEYS_PASTE_MAX bytes, the rest dropped) and
 * handed over whole at its end. CSI I and CSI O (not ESC O I, ESC O O)
 * are the terminal's focus reports (CSI ? 1004 h). A sequence may be
 * split across reads.
 */
#define KEYS_CSI_MAX 16			/* a longer CSI sequence is dropped */
#define KEYS_PASTE_MAX (1024 * 1024)	/* bytes of one paste kept */

enum keys_state { KEYS_GROUND, KEYS_ESC, KEYS_IN_CSI };

struct keys {
	enum keys_state state;
	char csi[KEYS_CSI_MAX];		/* parameters so far, then the final */
	size_t csilen;
	bool csi_long;			/* past KEYS_CSI_MAX: drop it */
	bool ss3;			/* it began ESC O, not ESC [ */
	bool pasting;			/* between CSI 200~ and 201~ */
	char *paste;			/* the paste so far, UTF-8 */
	size_t pastelen, pastecap;
};

enum keys_kind {
	KEYS_NONE,	/* nothing complete: a sequence or paste goes on */
	KEYS_CHAR,	/* a character, control keys included (code) */
	KEYS_FUNC,	/* a curses function key (code) */
	KEYS_META,	/* Alt: ESC then a character or function key (code, func) */
	KEYS_CSI,	/* a CSI sequence curses did not know (csi) */
	KEYS_PASTE,	/* a bracketed paste ended (text, len) */
	KEYS_FOCUS,	/* the terminal gained (focus_in) or lost focus */
};

struct key {
	enum keys_kind kind;
	bool func;		/* code is a curses function key */
	wint_t code;
	const char *csi;	/* KEYS_CSI: "1;5D"; valid until the next feed */
	const char *text;	/* KEYS_PASTE: not NUL-terminated; the same */
	size_t len;
	bool focus_in;		/* KEYS_FOCUS */
};

void keys_init(struct keys *k);
void keys_free(struct keys *k);
/* One character from the keyboard, or a function key when func is set;
 * returns the key it completes, if any. Invalid code points are dropped. */
struct key keys_feed(struct keys *k, bool func, wint_t ch);
/* Between keys: no sequence and no paste under way. */
bool keys_idle(const struct keys *k);

/*
 * say.c: what we say to a channel or nick, typed or pasted, on one path:
 * split into messages (paste_split), one queue in the order said, sent
 * as a token bucket allows, shown as said (unless the server echoes)
 * when sent. net_sendf is for protocol lines only.
 */
#define PACE_BURST 5		/* messages sent at once */
#define PACE_INTERVAL_MS 1000	/* then one per interval */

struct pace {
	int64_t ready_ms;	/* the bucket is full again at this time */
};

/* Say text[0..len) (lines split at LF, CRLF or CR) to target as PRIVMSG,
 * or as CTCP ACTION; b shows it. */
void say(struct buffer *b, const char *target, const char *text, size_t len,
    bool action);
/* Bytes of text one message to target may carry. */
size_t say_budget(const char *target, bool action);
/* Send what the bucket allows at now (monotonic ms). */
void say_flush(int64_t now);
/* ms until the next queued message may go, or -1 when none can. */
int64_t say_wait(int64_t now);
/* Messages still queued. */
size_t say_queued(void);
/* The connection dropped: forget the queue, and say how much. */
void say_drop(void);

void pace_init(struct pace *p);
/* ms to wait before the next message may be sent at now_ms (0: now). */
int64_t pace_wait(const struct pace *p, int64_t now_ms);
/* A message was sent at now_ms. */
void pace_take(struct pace *p, int64_t now_ms);

/*
 * status.c: the status line laid out without curses: our nick (in its
 * own style, never an activity's), the buffers (the current one always;
 * "«2" and "+3 more" for those that do not fit), what is below the view
 * and the session's note.
 */
enum status_part { STATUS_PLAIN, STATUS_SELF, STATUS_CURRENT, STATUS_BUFFER };
#define STATUS_HOT_COLOR 6	/* mIRC purple (magenta): a buffer that mentions us */

/* The style of a part; act matters for STATUS_BUFFER. */
struct style status_style(enum status_part part, enum activity act);
/* Which of n buffers (widths[i] columns each) fit in avail columns with
 * cur among them, leaving room for the markers: first..last. */
void status_fit(const int *widths, size_t n, size_t cur, int avail,
    size_t *first, size_t *last);
/* The whole status line for cols columns. */
void status_render(struct render *r, int cols);

/* ui.c: curses. Draws the model once per loop pass; reads keys. */

void ui_init(void);
void ui_end(void);
/* The terminal changed size (SIGWINCH). */
void ui_resize(void);
/* Read and act on every key waiting. */
void ui_keys(void);
/* Redraw what is dirty and update the terminal once. */
void ui_draw(void);
/* Colour is used when the terminal has it and this is true (NO_COLOR). */
extern bool ui_color;


/*
 * backoff.c: the reconnect schedule. 1 s, doubling per failed attempt up
 * to 60 s, each delay shortened by up to a quarter at random (jitter), so
 * a LAN full of laptops waking up does not reconnect in lock step.
 * A successful registration (001) resets it.
 */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000

struct backoff {
	unsigned attempts;	/* failed attempts since the last reset */
};

void backoff_reset(struct backoff *b);
/* The delay before the next attempt, in ms; r is any random 32-bit number. */
int64_t backoff_next(struct backoff *b, uint32_t r);

/*
 * highlight.c: does a message mention me? A match is the nick or a
 * --highlight word, case-insensitive (RFC 1459 casemapping), standing
 * alone: the characters around it are not nick characters (letters,
 * digits, []\`_^{|}-; bytes of non-ASCII letters count as word
 * characters, so "lan" does not match inside "élan").
 */
bool hl_match(const char *text, const char *nick, const char *const *words,
    size_t nwords);
/* One word: the same rule for a single needle. */
bool hl_word(const char *text, const char *word);
/* A message shown in b with these LINE_* flags: a highlight or a private
 * message rings the bell (at the next draw), unless it is history; true
 * when it does (and is worth a notification, notify.c). */
bool hl_heard(const struct buffer *b, unsigned flags, bool history);
extern bool hl_bell;

/*
 * config.c: the options table shared by getopt_long, --help and the
 * config file. Every option with CONFIG_FILE may be a "key value" line in
 * the file ($XDG_CONFIG_HOME/natter/config, else ~/.config/natter/config,
 * or -c file); '#' starts a comment line; flags win over the file.
 * An option's id is its short flag, or CONFIG_LONG_ID + its table index.
 */
#define CONFIG_LONG_ID 256
#define CONFIG_LINE_MAX 1024
#define CONFIG_ERR_MAX 512
#define CONFIG_ID_MAX (CONFIG_LONG_ID + 64)	/* size of a skip array */

enum config_flags {
	CONFIG_ARG = 1 << 0,	/* takes a value */
	CONFIG_FILE = 1 << 1,	/* allowed in the config file */
	CONFIG_MULTI = 1 << 2,	/* may be given more than once */
	CONFIG_NOFLAG = 1 << 3,	/* a config file key only: a secret on the
				 * command line would show in ps */
};

struct config_opt {
	const char *name;	/* long flag and config file key */
	int flag;		/* short flag, or 0 */
	int flags;		/* enum config_flags */
	const char *metavar;	/* "nick" in "-n nick", for --help */
	const char *help;
};

struct option;	/* <getopt.h> */

extern const struct config_opt config_opts[];
extern const size_t config_nopts;

/*
 * Called for each option set by a flag or a file line: id as above, the
 * value (NULL for an option without one). Returns 0, or -1 with a short
 * problem ("not a port number: x") in err.
 */
typedef int config_set_fn(int id, const char *value, void *arg, char *err,
    size_t errcap);

/* The id of an entry of config_opts. */
int config_opt_id(const struct config_opt *o);
/* The option with this id or name, or NULL. */
const struct config_opt *config_by_id(int id);
const struct config_opt *config_by_name(const char *name);
/* getopt_long's tables: longopts needs config_nopts + 1 entries,
 * shortopts 3 bytes per option + 2. */
void config_getopt(struct option *longopts, char *shortopts, size_t cap);
/* The usage text, one line per option, for --help. */
void config_usage(FILE *fp, const char *progname);
/*
 * The config file path: explicit if not NULL, else from xdg (may be NULL
 * or "") or home. Returns false when none can be formed.
 */
bool config_path(char *buf, size_t cap, const char *explicit,
    const char *xdg, const char *home);
/*
 * Read the file fp (named path in messages) line by line and call set
 * for each "key value" whose id is not in skip (the ids given as flags,
 * indexed by id, may be NULL; CONFIG_MULTI options given as flags are
 * skipped too). On a bad line writes "path:line: problem" to err and
 * returns -1 (the caller exits 64).
 */
int config_parse(FILE *fp, const char *path, const bool *skip,
    config_set_fn *set, void *arg, char *err, size_t errcap);

/*
 * paste.c: long input made safe. A line is split into messages that fit
 * RFC 1459's 512 bytes once the server has prefixed ":nick!user@host ",
 * at a UTF-8 boundary, preferring the last space; a paste is split into
 * lines first, and one of several messages waits for a y/n.
 */
#define PASTE_CONFIRM_LINES 2	/* this many messages or more: ask first */

/* Bytes of text one "cmd target :text" message may carry when relayed
 * with a prefix of prefix_len bytes (see paste_prefix_len). */
size_t paste_budget(const char *cmd, const char *target, size_t prefix_len);
/* ":nick!user@host " length; unknown user or host count as the maximum. */
size_t paste_prefix_len(const char *nick, const char *user, const char *host);
/*
 * The length of the first chunk of text[0..len) that fits budget bytes:
 * all of it, else up to the last space in its second half (*next skips
 * that space), else the longest prefix that does not split a UTF-8
 * character. *next is where the rest starts. Never 0 while len > 0 and
 * budget >= 4.
 */
size_t paste_chunk(const char *text, size_t len, size_t budget, size_t *next);
/* Messages that text (lines split at LF, CRLF or CR; empty lines are
 * skipped) becomes with this budget. */
size_t paste_count(const char *text, size_t len, size_t budget);
/*
 * Call fn for each message of text, in order, with a chunk that is not
 * NUL-terminated; concat: it continues the line the chunk before began.
 * keep_space keeps the space a break drops at the chunk's end (pieces
 * joined as they are, as draft/multiline-concat does). Returns the
 * number of messages.
 */
size_t paste_split(const char *text, size_t len, size_t budget, bool keep_space,
    void (*fn)(const char *chunk, size_t n, bool concat, void *arg),
    void *arg);
/* A bracketed paste in b: true when it needs a y/n (see paste_prompt),
 * false when the caller should insert it as typed. */
bool paste_offer(struct buffer *b, const char *text, size_t len);
/* The pending question ("Paste 5 messages to #home? (y/n)") or NULL. */
const char *paste_prompt(void);
/* The answer: y says the paste (say.c); anything else puts it in the
 * input line instead (paste_insert). */
void paste_answer(bool yes);
/* Insert text at e's cursor as one line: a space where its lines broke,
 * none for a break at the end, unprintable characters dropped. False
 * when the line filled up first. */
bool paste_insert(struct edit *e, const char *text, size_t len);
/* Keys that arrived together (within PASTE_GAP_MS of each other) as
 * text: a paste when a line break has text before and after it, which
 * no one types that fast; for terminals without bracketed paste. */
bool paste_burst(const char *text, size_t len);
#define PASTE_GAP_MS 10		/* keys this close together came at once */

/*
 * search.c: /search, /goto and Ctrl-R. A server offering soju.im/search
 * searches its history for /search text (in the channel or conversation
 * typed in, else in all of them): the results fill the results buffer
 * (SEARCH_BUFFER), numbered, and /goto n scrolls message n's buffer to
 * it, first fetching CHATHISTORY AROUND it when it is older than what the
 * buffer holds. Otherwise, and for Ctrl-R: a case-insensitive substring
 * search over a buffer's lines (mIRC formatting ignored), newest first:
 * each repeat steps further back.
 */
#define SEARCH_BUFFER "*search"	/* no nick or channel starts with '*' */
#define SEARCH_RESULTS_MAX 100	/* the server's default limit */
#define SEARCH_AROUND 50	/* lines fetched around an unloaded result */

/* A result: where it belongs, and what finds its line there. */
struct search_result {
	char buffer[IRC_CHAN_MAX + 1];	/* the channel or the other party */
	char msgid[IRC_MSGID_MAX + 1];
	char nick[IRC_NICK_MAX + 1];
	int64_t time;
};

/* Does line contain needle, ignoring case (towlower) and formatting? */
bool search_match(const char *line, const char *needle);
/*
 * The newest line index below from (from itself excluded; pass the
 * line count to start at the newest) whose text matches needle, or -1.
 * line_at(i, arg) returns line i's text (0 oldest).
 */
long search_back(long from, const char *needle,
    const char *(*line_at)(long i, void *arg), void *arg);
/* /search text, or text NULL to search again further back than b's
 * last match; scrolls b there. False when nothing (more) matches. */
bool search_buffer(struct buffer *b, const char *text);
/* value in message-tag form (SEARCH's attributes) into out; its length. */
size_t search_attr(char *out, size_t cap, const char *value);
/* The buffer a message from nick to target belongs in, we being me. */
const char *search_conversation(const char *nick, const char *target,
    const char *me);
/* /search text typed in b: ask the server, if it searches (false if not:
 * search b's scrollback instead). */
bool search_server(struct buffer *b, const char *text);
/* BATCH +ref type / BATCH -ref (type NULL): our search's batch. */
void search_batch(const char *ref, const char *type);
/* A message of batch: true when it is a result of ours (then taken). */
bool search_result(const char *batch, const char *msgid, int64_t time,
    enum line_kind kind, const char *nick, const char *target,
    const char *text);
/* /goto n: show result n (1 the first) in its buffer. */
bool search_goto(size_t n);
/* History around a result arrived in b (chathist_around's batch ended). */
void search_arrived(struct buffer *b);
/* The connection dropped: no search or jump is pending. */
void search_lost(void);

/*
 * color.c: colour or not, and how many. NO_COLOR set to anything
 * (no-color.org) or --no-color: monochrome, structure kept with bold and
 * reverse. Otherwise 256 colours when the terminal has them, else 8.
 */
enum color_mode { COLOR_NONE, COLOR_8, COLOR_256 };

/* no_color_env is getenv("NO_COLOR"); colors is curses' COLORS
 * (0 or less when the terminal has no colour). */
enum color_mode color_mode(const char *no_color_env, bool no_color_flag,
    int colors);

/* "any", "dark" or "light" as a background, or -1. */
int color_background(const char *name);
/* mIRC colour 0..15 as a 256-colour index, 3:1 or more against bg (any:
 * black and white both); -1 (the default colour) for others. */
int color_256(int mirc, enum background bg);

/*
 * notify.c: desktop notifications. A highlight or a private message (not
 * history, not our own) while the terminal is not focused writes an OSC
 * 777 (default) or OSC 9 sequence, which many terminals show as a desktop
 * notification, wrapped for tmux's passthrough under tmux, and runs
 * --notify-cmd with the title ("nick" or "nick in #chan") and the text as
 * its two arguments. Focus comes from the terminal's focus reports (CSI I,
 * CSI O); until one arrives natter cannot tell, and notifies. At most
 * NOTIFY_BURST at once, then one per NOTIFY_INTERVAL_MS.
 */
#define NOTIFY_BURST 3
#define NOTIFY_INTERVAL_MS 10000
#define NOTIFY_TEXT_MAX 256	/* bytes of a title or text, cleaned */
#define NOTIFY_SEQ_MAX 600	/* one OSC, before tmux's doubling */

enum notify_mode { NOTIFY_OSC777, NOTIFY_OSC9, NOTIFY_NONE };
enum notify_focus { NOTIFY_FOCUS_UNKNOWN, NOTIFY_FOCUS_IN, NOTIFY_FOCUS_OUT };

/* "osc777", "osc9" or "none" (--notify). */
bool notify_mode_parse(const char *s, enum notify_mode *mode);
/* The sequence for title and body (formatting and controls removed, ';'
 * kept out of the title) into out; 0 when it does not fit cap. */
size_t notify_osc(char *out, size_t cap, enum notify_mode mode, bool tmux,
    const char *title, const char *body);
/* Write sequences to fd (the terminal) and run cmd (or NULL). */
void notify_init(enum notify_mode mode, const char *cmd, int fd, bool tmux);
/* Is there anything to notify with? (Focus reports are asked for then.) */
bool notify_enabled(void);
/* The terminal gained (true) or lost focus. */
void notify_focus(bool in);
enum notify_focus notify_focus_state(void);
/* Run cmd with title and body (cleaned) as its arguments, detached,
 * without a shell, its output to /dev/null. */
void notify_run(const char *cmd, const char *title, const char *body);
/* nick said text in b, worth a bell: notify unless focused or over the
 * rate (now is monotonic ms). True when it notified. */
bool notify_message(const struct buffer *b, const char *nick,
    const char *text, int64_t now);

/*
 * pipe.c: natter --pipe, for scripts and bots. Each line of standard
 * input is said (say.c, paced) to --to or the first -j channel, once it
 * is joined; each message heard (not history, not our own) is a line of
 * standard output in --format: %t local time HH:MM:SS, %d local date,
 * %T server time (ISO 8601, UTC), %c the channel or the nick of a
 * private message, %n the nick, %N "<nick>", "* nick" for an action or
 * "-nick-" for a notice, %m the text without formatting, %% a '%'. No
 * control character of the server's is printed. At the end of input the
 * queue is sent, then a PING whose PONG proves the server handled it
 * all, then QUIT: 0, or 1 when the server refused something (its error
 * on standard error), 69 when the connection failed or dropped.
 */
#define PIPE_FORMAT_DEFAULT "[%t] %N %m"
#define PIPE_FORMAT_CODES "tdTcnNm%"
#define PIPE_LINE_MAX 4096	/* bytes of input held before saying them */
#define PIPE_QUEUE_MAX 64	/* messages queued before input waits */
#define PIPE_QUIT_MS 2000	/* after QUIT, wait this long for the close */

/* Is fmt a --format? If not, a problem in err. */
bool pipe_format_check(const char *fmt, char *err, size_t cap);
/* One output line (no newline) into out (cap bytes); returns its length. */
size_t pipe_format(char *out, size_t cap, const char *fmt, int64_t time_ms,
    enum line_kind kind, const char *target, const char *nick,
    const char *text);
/* The target: to, else the first channel of join (with its '#'). */
bool pipe_target(char *out, size_t cap, const char *to, const char *join);
/* handle.c heard nick say text in b, live: print it (--pipe only). */
void pipe_heard(const struct buffer *b, int64_t time_ms, enum line_kind kind,
    const char *nick, const char *text);
/* An error line (window.c): on standard error, and the status is 1. */
void pipe_error(const char *text);
/* A PONG with this token arrived. */
void pipe_pong(const char *token);
/* The line mode's loop; returns the exit status. */
int pipe_run(void);

/*
 * discover.c: the IRC servers announced on the LAN (DNS-SD _ircs._tcp and
 * _irc._tcp, browsed by mdns.c), for natter --discover, and when no host
 * is given and nothing answers on localhost: one entry per service name
 * and kind (an IPv4 address preferred) and per address and port, sorted
 * by name with TLS first,
 * shown as a numbered list to pick from before the screen starts.
 */
#define DISC_MAX 32
#define DISC_NAME_MAX 64	/* a DNS-SD instance name is at most 63 bytes */
#define DISC_HOST_MAX 256
#define DISC_ADDR_MAX 64	/* an IPv6 address and its %interface */
#define DISCOVER_MS 3000	/* browsing takes at most this long */
#define PROBE_MS 500		/* is anything on localhost? */

struct disc_entry {
	char name[DISC_NAME_MAX];	/* "lanbox" */
	char host[DISC_HOST_MAX];	/* "lanbox.local" */
	char addr[DISC_ADDR_MAX];	/* what natter connects to */
	uint16_t port;
	bool tls;			/* _ircs._tcp */
	bool ipv6;
};

struct disc_list {
	struct disc_entry e[DISC_MAX];
	size_t n;
};

/* Add a service found; false when the list is full. */
bool disc_add(struct disc_list *l, const struct disc_entry *e);
/* Entry i as a line of the list (no newline), cleaned for the terminal. */
size_t disc_line(char *buf, size_t cap, size_t i, const struct disc_entry *e);
/* The answer to "which?" among n: an index ("" is the first), -1 to
 * quit, -2 when it is not understood. */
int disc_choose(const char *answer, size_t n);
/* Print the list to out; when ask, read the choice from in (again until
 * understood). Returns the index, or -1 (quit, end of input, not asked). */
int discover_pick(FILE *out, FILE *in, const struct disc_list *l, bool ask);

/* mdns.c: browse the LAN for at most timeout_ms (less once all is
 * resolved); false with the reason in err when there is no browsing
 * (built without Avahi, no Avahi daemon). */
bool mdns_browse(struct disc_list *l, int timeout_ms, char *err, size_t cap);

/*
 * away.c: away replies (301) shown once per nick and message, not on
 * every message sent to someone who is away.
 */
struct away_memo {
	struct seen seen;
};

void away_init(struct away_memo *a);
/* True when this away reply for nick should be shown (first time). */
bool away_show(struct away_memo *a, const char *nick, const char *message);
/* The same against natter's one memo: show this 301? */
bool away_note(const char *nick, const char *message);

/*
 * session.c: the connection's life: reconnect with back-off and a
 * countdown, what is reset when it drops or registers, the status note.
 */
void session_init(void);
/* The connection dropped: true when a reconnect is scheduled (false
 * after /quit, and before the first registration when the server was
 * reached and refused us, or with --no-retry). The first loss of an
 * outage is said ("Disconnected: why; reconnecting in 1s"), the
 * attempts that fail after it only counted in the status line, and
 * the 001 that ends it said once ("Reconnected after 42s"). */
bool session_lost(void);
/* Between a loss and the registration that ends it. */
bool session_outage(void);
/* A reconnect is scheduled. */
bool session_waiting(void);
/* /reconnect: drop any connection and connect at once. */
void session_reconnect_now(void);
/* 001 arrived: the back-off starts over. */
void session_registered(void);
/* ms until session_tick has work (reconnect, countdown, paced output),
 * or -1; for the poll timeout. */
int session_timeout(int64_t now_mono);
/* Each loop pass: reconnect when due, send what the pace allows, and
 * keep status_note ("reconnecting in 3s", "sending, 4 to go") current. */
void session_tick(int64_t now_mono);

#endif
