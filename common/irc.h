/*
 * The natter wire format: IRC framing (RFC 1459 section 2.3, RFC 2812
 * section 2.3) with IRCv3 message tags (ircv3.net/specs/extensions/message-tags).
 * Shared by natterd, natter and the tests. Nothing here allocates per field,
 * touches a socket or knows about curses.
 */
#ifndef NATTER_IRC_H
#define NATTER_IRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Protocol limits, all in one place.
 * IRC_BODY_MAX is RFC 1459's 512 bytes for everything after the tags,
 * CRLF included. The tag section ('@' to the space before the source or
 * command) may be up to IRC_TAGS_MAX bytes; of that, what a client sends
 * may be at most IRC_CLIENT_TAGS_MAX (message-tags, "Size limit").
 */
#define IRC_BODY_MAX 512
#define IRC_TAGS_MAX 8191
#define IRC_CLIENT_TAGS_MAX 4094
#define IRC_LINE_MAX (IRC_TAGS_MAX + IRC_BODY_MAX) /* whole line with CRLF */
#define IRC_PARAMS_MAX 15
#define IRC_TAG_COUNT_MAX 64 /* tags kept per message; more is IRC_EBADTAG */

#define IRC_NICK_MAX 30      /* NICKLEN */
#define IRC_CHAN_MAX 50      /* CHANNELLEN, '#' included */
#define IRC_TOPIC_MAX 390    /* TOPICLEN */
#define IRC_USER_MAX 16      /* USERLEN */
#define IRC_HOST_MAX 63
#define IRC_KEY_MAX 23       /* KEYLEN */
#define IRC_AWAY_MAX 390     /* AWAYLEN */
#define IRC_KICK_MAX 390     /* KICKLEN */
#define IRC_REALNAME_MAX 256 /* NAMELEN: USER's and SETNAME's real name */
#define IRC_MSGID_MAX 32     /* our msgids are shorter; peers' are cut here */
#define IRC_TIME_LEN 24      /* "YYYY-MM-DDThh:mm:ss.sssZ" */

/* message: one parsed line; every pointer points into the caller's line. */

struct irc_tag {
	char *key;	/* with its '+' client prefix and vendor/ if any */
	char *value;	/* unescaped; "" for a key with no value or empty value */
};

struct irc_msg {
	struct irc_tag tags[IRC_TAG_COUNT_MAX];
	size_t ntags;
	char *source;	/* "nick!user@host" or "server.name", NULL if absent */
	char *command;	/* as sent: "PRIVMSG", "001"; callers compare case-insensitively */
	char *params[IRC_PARAMS_MAX];
	size_t nparams;
};

enum irc_err {
	IRC_OK = 0,
	IRC_EEMPTY,	/* nothing but spaces */
	IRC_ETOOLONG,	/* body past the limit (IRC_BODY_MAX), tags past IRC_TAGS_MAX */
	IRC_ENOCOMMAND,	/* tags or source with no command after them */
	IRC_EBADTAG,	/* empty key, bad key character, too many tags */
	IRC_ENUL,	/* a NUL byte inside the line */
	IRC_ETOOMANYPARAMS, /* more than IRC_PARAMS_MAX parameters */
	IRC_EBADCOMMAND, /* command neither letters nor three digits */
	IRC_EBADCHAR,	/* a CR or LF inside the line */
};

/*
 * Parse len bytes of line (no CR or LF; a trailing CR is tolerated and
 * dropped) into m, in place: separators become NULs and tag values are
 * unescaped where they stand. line[len] must be writable. Returns IRC_OK
 * or an irc_err; on error m is unspecified but nothing past line+len is read.
 * Every parameter is space-separated (a ':' one takes the rest of the line);
 * unlike RFC 2812's grammar, a 15th parameter without ':' does not swallow
 * the rest: anything after it is IRC_ETOOMANYPARAMS. A repeated tag key
 * keeps one slot with the last value. An empty source (": CMD") is NULL.
 */
int irc_parse(struct irc_msg *m, char *line, size_t len);
/* irc_parse with a body (all but the tags) of up to body_max bytes, CRLF
 * counted: a client takes longer lines from a server that allows them. */
int irc_parse_max(struct irc_msg *m, char *line, size_t len,
    size_t body_max);

/* A short English description of an irc_err, for logs and ERROR lines. */
const char *irc_strerror(int err);

/* The value of tag key in m, or NULL when absent. */
const char *irc_tag_get(const struct irc_msg *m, const char *key);

/*
 * Format m into buf as one wire line ending in CRLF, NUL-terminated.
 * Tag values are escaped. The body is cut to IRC_BODY_MAX (CRLF included)
 * by shortening the last parameter at a UTF-8 code point boundary; tags
 * that would not fit IRC_TAGS_MAX are dropped whole. The last parameter is
 * sent as a trailing (":" form) when it is empty, has a space or starts
 * with ':'; middle parameters that cannot be sent are an error.
 * Returns the length written (CRLF included, NUL excluded), or 0 if cap is
 * too small for even the command or a middle parameter is unsendable.
 */
size_t irc_format(char *buf, size_t cap, const struct irc_msg *m);

/* Escape value per message-tags into out; returns length or 0 on overflow
 * (an empty value also returns 0 with out[0] == '\0'). */
size_t irc_tag_escape(char *out, size_t cap, const char *value);

/* Unescape a tag value in place; a lone trailing backslash is dropped and
 * an unknown escape "\x" becomes "x" (message-tags, "Escaping values"). */
void irc_tag_unescape(char *value);

/* Split "nick!user@host" into its parts, copying into the given buffers
 * (any may be NULL). A source without '!' is a server name: all goes to nick. */
void irc_source_split(const char *source, char *nick, size_t nickcap,
    char *user, size_t usercap, char *host, size_t hostcap);

/*
 * framing: whole lines out of a byte stream. The buffer is allocated only
 * while a partial line is pending, so an idle connection costs nothing.
 */

enum frame_status {
	FRAME_LINE,	/* a whole line, CR/LF stripped, NUL-terminated */
	FRAME_OVERLONG,	/* a line longer than max was skipped (reported once) */
	FRAME_NONE,	/* no whole line buffered */
};

struct frame {
	char *buf;
	size_t len;	/* bytes buffered */
	size_t pos;	/* start of the unconsumed bytes */
	size_t max;	/* longest line accepted, LF included */
	bool skipping;	/* discarding the rest of an overlong line */
	bool report;	/* an overlong line is still to be reported */
	size_t size;	/* bytes allocated: max, more only while frame_push
			   holds complete lines a caller has not taken yet */
};

void frame_init(struct frame *f, size_t max);
void frame_free(struct frame *f);

/*
 * Free space to read into: allocates the buffer if needed and moves any
 * pending tail to the front. *avail is never 0 while max > 0. Call
 * frame_next until FRAME_NONE first: a buffer full of lines nobody took
 * loses the oldest one to make room.
 */
char *frame_space(struct frame *f, size_t *avail);

/* n bytes were written at the pointer frame_space returned. */
void frame_commit(struct frame *f, size_t n);

/*
 * Copy n bytes in (frame_space + memcpy + frame_commit until all fit,
 * skipping overlong lines). For callers that already hold the bytes.
 * Only call when frame_next has returned FRAME_NONE, or bytes may be dropped.
 */
void frame_push(struct frame *f, const char *data, size_t n);

/*
 * The next line. On FRAME_LINE, *line points into the frame's buffer and
 * stays valid until the next frame_* call; *len excludes the NUL. Accepts
 * CRLF and bare LF; empty lines are skipped (RFC 2812 section 2.3.1 has
 * them ignored). A NUL byte stays in the line for irc_parse to refuse.
 * Releases the buffer when nothing is pending.
 */
enum frame_status frame_next(struct frame *f, char **line, size_t *len);

/* names: RFC 1459 casemapping ({}|^ are the lower case of []\~). */

int irc_tolower(int c);
void irc_casefold(char *dst, const char *src, size_t cap);
int irc_casecmp(const char *a, const char *b);
int irc_ncasecmp(const char *a, const char *b, size_t n);
uint32_t irc_casehash(const char *s);	/* hash of the folded string */

/* RFC 2812 section 2.3.1 nickname, at most max bytes (IRC_NICK_MAX). */
bool irc_nick_valid(const char *nick, size_t max);
/* '#' or '&' then at least one byte, none of space, comma, BEL, colon,
 * CR or LF; valid UTF-8 (it ends up on screens); at most max bytes. */
bool irc_chan_valid(const char *chan, size_t max);
bool irc_is_channel(const char *target);	/* starts with '#' or '&' */

/*
 * Whether s matches the glob mask: '*' is any run of bytes, '?' any one
 * byte, everything else compares under RFC 1459 casemapping. There is no
 * escape character (RFC 2812 quotes wildcards with a backslash; like
 * ngircd, natter does not).
 */
bool irc_match(const char *mask, const char *s);
/*
 * A ban mask in its full nick!user@host form, into dst: "nick" becomes
 * "nick!*@*", "user@host" "*!user@host", "nick!user" "nick!user@*", and an
 * empty part "*". Returns the length, or 0 when it does not fit cap.
 */
size_t irc_mask_normalize(char *dst, size_t cap, const char *mask);

/* time: IRCv3 server-time, "YYYY-MM-DDThh:mm:ss.sssZ" in UTC. */

int64_t time_now_ms(void);	/* wall clock, ms since the epoch */
int64_t time_mono_ms(void);	/* monotonic clock, ms; for timers only */
/* Format ms into buf (cap >= IRC_TIME_LEN + 1); returns IRC_TIME_LEN. */
size_t time_format(char *buf, size_t cap, int64_t ms);
/* Parse a server-time stamp (fraction optional, 1-9 digits; 'Z' required). */
bool time_parse(const char *s, int64_t *ms);

/*
 * fingerprint: a TLS certificate's SHA-256 digest as natterd prints it
 * (log, --fingerprint, WHOIS 276) and natter pins it (--tls-fingerprint,
 * known_servers): lowercase hex pairs joined by colons, "ab:01:...".
 */

#define FINGERPRINT_LEN 32	/* bytes of a SHA-256 digest */
#define FINGERPRINT_STR_MAX (FINGERPRINT_LEN * 3)	/* text and its NUL */

/* digest (FINGERPRINT_LEN bytes) into buf; returns the length (95), or 0
 * (and "") when cap is below FINGERPRINT_STR_MAX. */
size_t fingerprint_format(char *buf, size_t cap, const unsigned char *digest);
/* Read a fingerprint written in either case, with a colon between every
 * pair or none at all, into digest; false for anything else. */
bool fingerprint_parse(const char *s, unsigned char *digest);

/* utf8 */

bool utf8_valid(const char *s, size_t n);
/* Longest prefix of s[0..n) of at most max bytes that does not split a
 * code point (invalid bytes count as one-byte characters). */
size_t utf8_truncate(const char *s, size_t n, size_t max);
/* What snprintf(out, cap, ...) left, given what it returned (w): its
 * length, cut back to before a character it cut in two when it did not
 * fit (0 for an output error). */
size_t utf8_fit(char *out, size_t cap, int w);
/* params[from..to) joined by spaces into out, what does not fit cut off
 * at a character boundary (how a numeric's words are shown). Returns the
 * length written; out is always terminated. */
size_t irc_join(char *out, size_t cap, const char *const *params,
    size_t from, size_t to);
/*
 * Copy src to dst as valid UTF-8: invalid bytes are read as Latin-1
 * (what IRC clients do for legacy peers). Returns the length written;
 * dst is always NUL-terminated and never split mid-character.
 */
size_t utf8_sanitize(char *dst, size_t cap, const char *src, size_t n);

#endif
