/*
 * conn.c: one client connection. Input is framed with common/'s struct
 * frame (its buffer exists only while a partial line is pending) and run
 * line by line under a token bucket. Output is only queued here, as
 * references to shared or private buffers; loop.c writes it with writev
 * once per pass, and a queue stops at a buffer held for the storage
 * thread (relay.c), so what a client sees is on disk.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natterd.h"

/* Longest line read: client tags, the space after them, then the body. */
#define CONN_LINE_MAX (IRC_CLIENT_TAGS_MAX + 2 + IRC_BODY_MAX)
#define CONN_IOV_MAX 1024	/* IOV_MAX on Linux */
#define CONN_READ_MAX 65536
#define OBUF_PRIVATE_MIN 2048
#define LABEL_MAX 64
#define SHED_RESCAN 65536	/* see shed */

size_t conn_queued;
size_t conn_count;
size_t conn_registered;
size_t conn_opers;
static uint64_t conn_serials;	/* connections accepted so far */
size_t conn_invisible;

/* Clients conn_close marked, waiting for conn_reap. */
static struct client **closing;
static size_t nclosing, closingcap;

/*
 * labeled-response: while one labeled command runs, its client's output
 * is collected here and sent afterwards with the label (one line), as an
 * ACK (none) or inside a labeled-response batch (several).
 */
static struct {
	struct client *c;
	char *buf;
	size_t len, cap;
	size_t lines;
	/* Where held output starts and ends in buf, so what capture_end
	 * writes of it waits for the same hold. */
	struct capseg {
		size_t off;
		struct hold *hold;	/* NULL: not held */
	} *segs;
	size_t nsegs, segcap;
} capture;

/* While set, what out_copy queues waits for this hold (capture_end). */
static struct hold *tie;

/* conn_barrier: the pass's barrier and its generation (client->barrier
 * says whether a client's queue has it already). */
static struct hold *barrier;
static uint64_t barrier_gen;

struct client *
conn_new(int fd, const char *host)
{
	struct client *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	frame_init(&c->in, CONN_LINE_MAX);
	c->last_read = c->accepted = time_mono_ms();
	c->flood_at = 0;
	c->signon = time_now_ms() / 1000;
	c->serial = ++conn_serials;
	str_copy(c->host, host, sizeof(c->host));
	conn_count++;
	log_info("connection from %s (fd %d)", host, fd);
	return c;
}

const char *
conn_nick(const struct client *c)
{
	return c->nick[0] != '\0' ? c->nick : "*";
}

const char *
conn_owner(const struct client *c)
{
	static char buf[CONN_OWNER_MAX + 1];
	/* This run's start names its connections' numbers: no connection
	 * of a later run, which starts at least a millisecond later, ever
	 * has the same owner. */
	static int64_t run;

	if (c->account != NULL) {
		buf[0] = '@';
		irc_casefold(buf + 1, c->account, sizeof(buf) - 1);
		return buf;
	}
	if (run == 0)
		run = time_now_ms();
	snprintf(buf, sizeof(buf), "!%llx.%llx", (unsigned long long)run,
	    (unsigned long long)c->serial);
	return buf;
}

const char *
conn_prefix(const struct client *c)
{
	static char buf[IRC_NICK_MAX + IRC_USER_MAX + sizeof(c->host) + 3];
	const char *nick = conn_nick(c);
	const char *user = c->user[0] != '\0' ? c->user : "*";
	size_t nl = strnlen(nick, IRC_NICK_MAX), ul = strnlen(user, IRC_USER_MAX);
	size_t hl = strnlen(c->host, sizeof(c->host) - 1);
	char *p = buf;

	/* Built for every relayed message (twice for a stored one): plain
	 * copies cost a tenth of what snprintf does. */
	memcpy(p, nick, nl);
	p += nl;
	*p++ = '!';
	memcpy(p, user, ul);
	p += ul;
	*p++ = '@';
	memcpy(p, c->host, hl);
	p[hl] = '\0';
	return buf;
}

/* Output queue */

static void
capture_add(const char *data, size_t len, struct hold *h)
{
	struct hold *last = capture.nsegs > 0 ?
	    capture.segs[capture.nsegs - 1].hold : NULL;
	if (h != last) {
		if (capture.nsegs == capture.segcap) {
			capture.segcap = capture.segcap ? capture.segcap * 2 : 4;
			capture.segs = xreallocarray(capture.segs,
			    capture.segcap, sizeof(*capture.segs));
		}
		capture.segs[capture.nsegs].off = capture.len;
		capture.segs[capture.nsegs].hold = h != NULL ? hold_ref(h) :
		    NULL;
		capture.nsegs++;
	}
	if (capture.len + len + 1 > capture.cap) {
		capture.cap = (capture.len + len + 1) * 2;
		capture.buf = xrealloc(capture.buf, capture.cap);
	}
	memcpy(capture.buf + capture.len, data, len);
	capture.len += len;
	capture.buf[capture.len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (data[i] == '\n')
			capture.lines++;
}

static struct oent *out_slot(struct client *);

static void
sendq_exceeded(struct client *c)
{
	log_info("%s (%s): SendQ exceeded (%zu bytes queued)",
	    conn_nick(c), c->host, c->outbytes);
	/* The socket may hold the start of the head entry: keep its rest,
	 * so the ERROR line that follows starts a line of its own. */
	struct oent head = { NULL, 0 };
	if (c->outhead < c->outn && c->outq[c->outhead].off > 0) {
		head = c->outq[c->outhead];
		obuf_ref(head.b);
	}
	conn_drop_output(c);
	if (head.b != NULL) {
		*out_slot(c) = head;
		c->outbytes = head.b->len - head.off;
		conn_queued += c->outbytes;
	}
	c->io |= IO_SENDQ;
	conn_close(c, "SendQ exceeded");
}

/*
 * --max-output: once all queues together pass it, the clients holding
 * the most are dropped as if past their own sendq, whoever they are,
 * until the total is back under it. Checked as output is queued, so a
 * pass never ends far above it; each call queues at most a line or a
 * shared buffer more. Output that waits for the disk is no one's doing
 * (bounded by the history's backlog instead): it may stay over.
 */
static void
shed(void)
{
	static bool shedding;	/* sendq_exceeded's ERROR is queued too */
	/* Over the cap with no one to drop (what is queued waits for the
	 * disk, loop_most_output): look again only once SHED_RESCAN more
	 * is queued, not at every line. */
	static size_t none_at;
	struct client *c;

	if (cfg.max_output == 0 || conn_queued <= cfg.max_output) {
		none_at = 0;
		return;
	}
	if (shedding || (none_at != 0 && conn_queued < none_at + SHED_RESCAN))
		return;
	shedding = true;
	for (bool logged = false; conn_queued > cfg.max_output &&
	    (c = loop_most_output()) != NULL; logged = true) {
		if (!logged)
			log_info("--max-output reached (%zu bytes queued): "
			    "dropping the clients with the most", conn_queued);
		sendq_exceeded(c);
	}
	none_at = conn_queued > cfg.max_output ? conn_queued : 0;
	shedding = false;
}

static struct oent *
out_slot(struct client *c)
{
	if (c->outn == c->outcap) {
		if (c->outhead > 0) {
			memmove(c->outq, c->outq + c->outhead,
			    (c->outn - c->outhead) * sizeof(*c->outq));
			c->outn -= c->outhead;
			c->outhead = 0;
		} else {
			c->outcap = c->outcap ? c->outcap * 2 : 8;
			c->outq = xreallocarray(c->outq, c->outcap,
			    sizeof(*c->outq));
		}
	}
	return &c->outq[c->outn++];
}

void
conn_barrier(struct hold *h)
{
	hold_unref(barrier);
	barrier = h != NULL ? hold_ref(h) : NULL;
	barrier_gen++;
}

/* Before the first output a client gets after conn_barrier in a pass:
 * an empty entry tied to the barrier, which the queue cannot pass
 * until it is resolved. */
static void
out_barrier(struct client *c)
{
	if (barrier == NULL || c->barrier == barrier_gen)
		return;
	c->barrier = barrier_gen;
	struct obuf *b = obuf_new(0);
	obuf_tie(b, barrier, false);
	struct oent *e = out_slot(c);
	e->b = b;
	e->off = 0;
}

/* Append bytes to the private tail buffer, whatever the client's state. */
static void
out_copy(struct client *c, const char *data, size_t len)
{
	struct obuf *b = NULL;

	out_barrier(c);
	if (c->outn > c->outhead && tie == NULL) {
		b = c->outq[c->outn - 1].b;
		if (b->refs != 1 || b->hold != NULL || b->cap - b->len < len)
			b = NULL;
	}
	if (b == NULL) {
		b = obuf_new(len > OBUF_PRIVATE_MIN ? len : OBUF_PRIVATE_MIN);
		if (tie != NULL)
			obuf_tie(b, tie, false);
		struct oent *e = out_slot(c);
		e->b = b;
		e->off = 0;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	c->outbytes += len;
	conn_queued += len;
	loop_dirty(c);
	shed();
}

void
conn_write(struct client *c, const char *data, size_t len)
{
	for (const char *p = data, *end = data + len;
	    (p = memchr(p, '\n', end - p)) != NULL; p++)
		c->lines_out++;
	if (c == capture.c) {
		capture_add(data, len, NULL);
		return;
	}
	if ((c->state != CONN_OPEN || (c->io & IO_SENDQ) != 0))
		return;
	if (c->outbytes + len > cfg.sendq) {
		sendq_exceeded(c);
		return;
	}
	out_copy(c, data, len);
}

void
conn_push(struct client *c, struct obuf *b)
{
	c->lines_out++;
	if (c == capture.c) {
		capture_add(b->data, b->len, b->hold);
		return;
	}
	if ((c->state != CONN_OPEN || (c->io & IO_SENDQ) != 0))
		return;
	if (c->outbytes + b->len > cfg.sendq) {
		sendq_exceeded(c);
		return;
	}
	/* Small lines into a private buffer with room: fewer iovecs. A
	 * held line keeps its own buffer, the one its hold decides on. */
	if (c->outn > c->outhead && b->hold == NULL) {
		struct obuf *t = c->outq[c->outn - 1].b;
		if (t->refs == 1 && t->hold == NULL &&
		    t->cap - t->len >= b->len) {
			out_copy(c, b->data, b->len);
			return;
		}
	}
	out_barrier(c);
	struct oent *e = out_slot(c);
	e->b = obuf_ref(b);
	e->off = 0;
	c->outbytes += b->len;
	conn_queued += b->len;
	loop_dirty(c);
	shed();
}

void
conn_write_if_lost(struct client *c, struct hold *h, const char *line)
{
	size_t len = strlen(line);

	/* Not captured: a labeled command's reply is its echo or ACK; this
	 * line comes later, and only if the message is lost. */
	if (c->state != CONN_OPEN || (c->io & IO_SENDQ) != 0)
		return;
	if (c->outbytes + len + 2 > cfg.sendq) {
		sendq_exceeded(c);
		return;
	}
	struct obuf *b = obuf_new(len + 2);
	memcpy(b->data, line, len);
	memcpy(b->data + len, "\r\n", 2);
	b->len = len + 2;
	obuf_tie(b, h, true);
	out_barrier(c);
	struct oent *e = out_slot(c);
	e->b = b;
	e->off = 0;
	c->outbytes += b->len;
	conn_queued += b->len;
	loop_dirty(c);
	shed();
}

/* Cut a formatted line to the body limit at a code point and add CRLF. */
static size_t
line_finish(char *buf, int n, size_t max)
{
	size_t len = n < 0 ? 0 : (size_t)n;

	if (len > max)
		len = utf8_truncate(buf, len, max);
	buf[len++] = '\r';
	buf[len++] = '\n';
	return len;
}

void
conn_sendf(struct client *c, const char *fmt, ...)
{
	char buf[IRC_BODY_MAX * 2];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	conn_write(c, buf, line_finish(buf, n, IRC_BODY_MAX - 2));
}

const char *
conn_param(const char *s)
{
	return s[0] == '\0' || s[0] == ':' || strchr(s, ' ') != NULL ? "*" : s;
}

/* ":server NNN nick " into the first half of buf (cap bytes, at least
 * 16); its length. Every numeric reply starts so and a registration
 * sends a score of them: copied, as snprintf cost more than the rest of
 * most replies. */
static int
reply_head(char *buf, size_t cap, enum numeric num, const char *nick)
{
	size_t room = (cap - 8) / 4;
	size_t sl = strlen(cfg.name), nl = strlen(nick);
	unsigned v = (unsigned)num % 1000;
	char *p = buf;

	if (sl > room)
		sl = room;
	if (nl > room)
		nl = room;
	*p++ = ':';
	memcpy(p, cfg.name, sl);
	p += sl;
	*p++ = ' ';
	*p++ = '0' + v / 100;
	*p++ = '0' + v / 10 % 10;
	*p++ = '0' + v % 10;
	*p++ = ' ';
	memcpy(p, nick, nl);
	p += nl;
	*p++ = ' ';
	return p - buf;
}

void
conn_reply(struct client *c, enum numeric num, const char *fmt, ...)
{
	char buf[IRC_BODY_MAX * 2];
	va_list ap;
	int n, m;

	n = reply_head(buf, sizeof(buf), num, conn_nick(c));
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - 2 - n, fmt, ap);
	va_end(ap);
	if (m > (int)(sizeof(buf) - 3 - n))
		m = sizeof(buf) - 3 - n;
	conn_write(c, buf, line_finish(buf, n + m, IRC_BODY_MAX - 2));
}

/*
 * How much of tags (escaped, without '@') fits in a tag section of
 * IRC_TAGS_MAX bytes with its '@' and space: all of it, or the whole
 * tags before the last ';' that fits, so the server's own tags, which
 * come first, survive a stored row's long client tags.
 */
static size_t
tags_fit(const char *tags)
{
	size_t max = IRC_TAGS_MAX - 2, tl = strnlen(tags, max + 1);

	if (tl <= max)
		return tl;
	while (tl > 0 && tags[tl] != ';')
		tl--;
	return tl;
}

void
conn_send_tagged(struct client *c, const char *tags, const char *fmt, ...)
{
	/* The tag section, then room for twice a body: what is formatted
	 * past that is cut anyway. Every size below comes from sizeof. */
	char buf[IRC_TAGS_MAX + IRC_BODY_MAX * 2];
	size_t tl = tags_fit(tags), room;
	va_list ap;
	int n;

	if (tl > 0) {
		buf[0] = '@';
		memcpy(buf + 1, tags, tl);
		buf[tl + 1] = ' ';
		tl += 2;
	}
	room = sizeof(buf) - tl;
	va_start(ap, fmt);
	n = vsnprintf(buf + tl, room, fmt, ap);
	va_end(ap);
	if (n > (int)room - 1)
		n = (int)room - 1;
	/* line_finish cuts at a code point well inside room. */
	conn_write(c, buf, tl + line_finish(buf + tl, n, IRC_BODY_MAX - 2));
}

void
conn_drop_output(struct client *c)
{
	for (uint32_t i = c->outhead; i < c->outn; i++)
		obuf_unref(c->outq[i].b);
	free(c->outq);
	c->outq = NULL;
	c->outn = c->outhead = c->outcap = 0;
	conn_queued -= c->outbytes;
	c->outbytes = 0;
}

enum conn_flush
conn_flush(struct client *c)
{
	struct iovec iov[CONN_IOV_MAX];

	/* The queue may be empty while a TLS record that would have blocked
	 * still waits in OpenSSL: tls_writev with nothing new writes it. */
	while (c->outhead < c->outn || c->tls_retry != NULL) {
		/* A line not to be sent (a stored message's FAIL, kept
		 * beside its echo in case the batch is lost) goes with the
		 * write as an empty entry: stopping there made a burst's
		 * echoes a system call each. */
		int n = 0;
		for (uint32_t i = c->outhead; i < c->outn && n < CONN_IOV_MAX;
		    i++, n++) {
			enum obuf_show show = obuf_show(c->outq[i].b);
			if (show == OB_WAIT || (show == OB_SKIP && n == 0))
				break;
			iov[n].iov_base = c->outq[i].b->data + c->outq[i].off;
			iov[n].iov_len = show == OB_SEND ?
			    c->outq[i].b->len - c->outq[i].off : 0;
		}
		if (n == 0 && c->outhead < c->outn) {
			/* The head waits for its hold, or is not to be sent. */
			struct oent *e = &c->outq[c->outhead];
			if (obuf_show(e->b) == OB_WAIT)
				return FLUSH_HELD;
			c->outbytes -= e->b->len - e->off;
			conn_queued -= e->b->len - e->off;
			obuf_unref(e->b);
			c->outhead++;
			continue;
		}
		ssize_t w = c->tls != NULL ? tls_writev(c, iov, n) :
		    writev(c->fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return FLUSH_AGAIN;
			if (c->state < CONN_DEAD)
				conn_close(c, "Write error: %s", strerror(errno));
			conn_drop_output(c);
			return FLUSH_DONE;
		}
		c->outbytes -= w;
		conn_queued -= w;
		/* Empty entries (barriers, lines not sent) go with what was
		 * written. */
		for (int k = 0; k < n; k++) {
			struct oent *e = &c->outq[c->outhead];
			size_t left = iov[k].iov_len;
			if ((size_t)w < left) {
				e->off += w;
				break;
			}
			w -= left;
			if (left < e->b->len - e->off) {
				c->outbytes -= e->b->len - e->off;
				conn_queued -= e->b->len - e->off;
			}
			obuf_unref(e->b);
			c->outhead++;
		}
	}
	conn_drop_output(c);
	return FLUSH_DONE;
}

/* labeled-response */

void
conn_capture_begin(struct client *c)
{
	capture.c = c;
	capture.len = 0;
	capture.lines = 0;
}

bool
conn_capturing(const struct client *c)
{
	return capture.c == c;
}

struct client *
conn_capture_suspend(void)
{
	struct client *c = capture.c;

	capture.c = NULL;
	return c;
}

void
conn_capture_resume(struct client *c)
{
	capture.c = c;
}

/* Insert tag (escaped "k=v") into one wire line. */
static void
write_with_tag(struct client *c, const char *tag, const char *line,
    size_t len)
{
	char buf[IRC_TAGS_MAX + IRC_BODY_MAX + 80];
	size_t tl = strlen(tag);
	int n;

	if (line[0] == '@')
		n = snprintf(buf, sizeof(buf), "@%s;%.*s", tag,
		    (int)(len - 1), line + 1);
	else
		n = snprintf(buf, sizeof(buf), "@%s %.*s", tag, (int)len, line);
	if (n < 0 || (size_t)n >= sizeof(buf) || tl > IRC_TAGS_MAX / 2)
		conn_write(c, line, len);
	else
		conn_write(c, buf, n);
}

/* Held output in the capture waits for its hold when written: tie to
 * the hold of the segment that holds offset off. */
static void
capture_tie(size_t off)
{
	tie = NULL;
	for (size_t i = 0; i < capture.nsegs && capture.segs[i].off <= off;
	    i++)
		tie = capture.segs[i].hold;
}

static void
capture_reset(void)
{
	for (size_t i = 0; i < capture.nsegs; i++)
		hold_unref(capture.segs[i].hold);
	capture.nsegs = 0;
	tie = NULL;
}

/* The length of the first line of s (to its LF), and whether it is a
 * BATCH command, opening (+) or closing (-), whose reference then goes
 * to ref. */
static size_t
batch_line(const char *s, size_t len, char sign, char *ref, size_t cap)
{
	const char *nl = memchr(s, '\n', len), *p = s;
	size_t n = nl != NULL ? (size_t)(nl - s + 1) : len;

	ref[0] = '\0';
	if (*p == '@' && (p = memchr(p, ' ', n)) != NULL)
		p++;
	if (p != NULL && *p == ':' && (p = memchr(p, ' ', n - (p - s))) != NULL)
		p++;
	if (p == NULL || strncmp(p, "BATCH ", 6) != 0 || p[6] != sign)
		return n;
	size_t rl = strcspn(p + 7, " \r\n");
	if (rl < cap) {
		memcpy(ref, p + 7, rl);
		ref[rl] = '\0';
	}
	return n;
}

/*
 * Whether the capture is one batch and nothing else (the echo of a
 * multiline message): the label then goes on its opening line alone
 * (draft/multiline: "only on the opening BATCH command").
 */
static bool
capture_one_batch(void)
{
	char open[MULTILINE_REF_MAX + 1], close[MULTILINE_REF_MAX + 1];
	const char *end = capture.buf + capture.len, *last = end - 1;

	if (capture.len == 0)
		return false;
	batch_line(capture.buf, capture.len, '+', open, sizeof(open));
	while (last > capture.buf && last[-1] != '\n')
		last--;
	batch_line(last, end - last, '-', close, sizeof(close));
	return open[0] != '\0' && strcmp(open, close) == 0;
}

void
conn_capture_end(struct client *c, const char *label)
{
	char tag[LABEL_MAX * 2 + 16], esc[LABEL_MAX * 2 + 1], ref[16];
	const char *p, *end;

	capture.c = NULL;
	if (c->state != CONN_OPEN ||
	    (irc_tag_escape(esc, sizeof(esc), label) == 0 &&
	    label[0] != '\0')) {
		capture_reset();
		return;
	}
	snprintf(tag, sizeof(tag), "label=%s", esc);
	if (capture.lines == 0) {
		conn_send_tagged(c, tag, ":%s ACK", cfg.name);
		capture_reset();
		return;
	}
	if (capture.lines == 1 || capture_one_batch()) {
		size_t n = (const char *)memchr(capture.buf, '\n',
		    capture.len) - capture.buf + 1;
		capture_tie(0);
		write_with_tag(c, tag, capture.buf, n);
		for (p = capture.buf + n, end = capture.buf + capture.len;
		    p < end;) {
			const char *nl = memchr(p, '\n', end - p);
			size_t len = nl != NULL ? (size_t)(nl - p + 1) :
			    (size_t)(end - p);
			capture_tie(p - capture.buf);
			conn_write(c, p, len);
			p += len;
		}
		tie = NULL;
		capture_reset();
		return;
	}
	if (!client_has_cap(c, CAP_BATCH)) {
		for (p = capture.buf, end = capture.buf + capture.len; p < end;) {
			const char *nl = memchr(p, '\n', end - p);
			size_t len = nl != NULL ? (size_t)(nl - p + 1) :
			    (size_t)(end - p);
			capture_tie(p - capture.buf);
			conn_write(c, p, len);
			p += len;
		}
		capture_reset();
		return;
	}
	batch_ref(ref, sizeof(ref));
	conn_send_tagged(c, tag, ":%s BATCH +%s labeled-response", cfg.name, ref);
	snprintf(tag, sizeof(tag), "batch=%s", ref);
	for (p = capture.buf, end = capture.buf + capture.len; p < end;) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = nl != NULL ? (size_t)(nl - p + 1) : (size_t)(end - p);
		capture_tie(p - capture.buf);
		/* Lines of a nested batch already carry its tag. */
		if (strncmp(p, "@batch=", 7) == 0 || len < 3)
			conn_write(c, p, len);
		else
			write_with_tag(c, tag, p, len);
		p += len;
	}
	tie = NULL;
	conn_sendf(c, ":%s BATCH -%s", cfg.name, ref);
	capture_reset();
}

/* Input */

/*
 * Invalid UTF-8 in parameters and tag values is read as Latin-1, the way
 * IRC clients treat legacy peers, so all we relay and store is UTF-8.
 */
static bool
sanitize(struct irc_msg *m)
{
	static char scratch[IRC_LINE_MAX * 2 + 64];
	size_t used = 0;
	bool repaired = false;

	for (size_t i = 0; i < m->nparams + m->ntags; i++) {
		char **pp = i < m->nparams ? &m->params[i] :
		    &m->tags[i - m->nparams].value;
		size_t len = strlen(*pp);
		if (utf8_valid(*pp, len))
			continue;
		if (used + len * 2 + 1 > sizeof(scratch))
			break;
		size_t n = utf8_sanitize(scratch + used, len * 2 + 1, *pp, len);
		*pp = scratch + used;
		used += n + 1;
		repaired = true;
	}
	return repaired;
}

static bool
printable_word(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    *s == ':')
			return false;
	return true;
}

static void
conn_line(struct client *c, char *line, size_t len)
{
	struct irc_msg m;
	const char *sp = line[0] == '@' ? memchr(line, ' ', len) : NULL;

	/* IRCv3 message-tags: a client's tag section, '@' and the space
	 * after it included, is at most 4096 bytes; the rest of the tag
	 * room is the server's. */
	if (line[0] == '@' &&
	    (sp != NULL ? (size_t)(sp - line) + 1 : len) > IRC_CLIENT_TAGS_MAX + 2) {
		conn_reply(c, ERR_INPUTTOOLONG, ":Input line was too long");
		return;
	}
	int err = irc_parse(&m, line, len);

	switch (err) {
	case IRC_OK:
		break;
	case IRC_EEMPTY:
		return;	/* RFC 1459 2.3.1: silently ignored */
	case IRC_ETOOLONG:
		conn_reply(c, ERR_INPUTTOOLONG, ":Input line was too long");
		return;
	case IRC_EBADCOMMAND:
		/* A printable word that is no command ("NO_SUCH"): an
		 * unknown command, answered (and labeled) by the table. */
		if (printable_word(m.command)) {
			m.nparams = 0;
			cmd_dispatch(c, &m, time_now_ms(), sanitize(&m));
			return;
		}
		/* FALLTHROUGH */
	default:
		conn_reply(c, ERR_UNKNOWNCOMMAND, "* :Malformed message: %s",
		    irc_strerror(err));
		return;
	}
	bool repaired = sanitize(&m);
	int64_t now = time_now_ms();
	if (multiline_take(c, &m, now))
		return;
	cmd_dispatch(c, &m, now, repaired);
}

void
conn_flood_charge(struct client *c, int lines)
{
	int64_t cost = cfg.flood_rate > 0 ? 1000 / cfg.flood_rate : 0;
	int64_t now = time_mono_ms();

	if (cost > 0 && lines > 0)
		c->flood_at = (c->flood_at > now ? c->flood_at : now) +
		    cost * lines;
}

void
conn_run_deferred(struct client *c)
{
	char *line = c->deferred;

	c->deferred = NULL;
	if (c->state == CONN_OPEN)
		conn_line(c, line, c->deferred_len);
	free(line);
	conn_reap();
	conn_process(c);
}

bool
conn_disk_ready(const struct client *c)
{
	int flags = cmd_line_flags(c->deferred, c->deferred_len);

	if ((flags & CMD_READS) != 0)
		return !hist_unstored(c->stored_in);
	return !hist_backlogged(HIST_HELD_MAX);
}

void
conn_process(struct client *c)
{
	int64_t now = time_mono_ms();
	int64_t cost = cfg.flood_rate > 0 ? 1000 / cfg.flood_rate : 0;
	int64_t burst = cost * cfg.flood_burst;
	char *line;
	size_t len;

	/* A long answer under way (c->more) holds the next lines: they are
	 * answered in order, after it. */
	while (c->state == CONN_OPEN && c->more == NULL &&
	    c->deferred == NULL) {
		/* Token bucket as a virtual clock: each line moves it on by
		 * one token; past now + burst the rest waits. */
		if (cost > 0 && c->flood_at > now + burst) {
			loop_throttle(c, c->flood_at - burst);
			return;
		}
		enum frame_status st = frame_next(&c->in, &line, &len);
		if (st == FRAME_NONE)
			break;
		if (cost > 0)
			c->flood_at = (c->flood_at > now ? c->flood_at : now) + cost;
		/* A line flood control held back is input too: a client whose
		 * backlog runs past the ping timeout is busy, not idle (the
		 * PONG to a PING would only come after the backlog). */
		c->last_read = now;
		c->ping_sent = 0;
		int flags = st == FRAME_LINE ? cmd_line_flags(line, len) : 0;
		bool spent = (flags & CMD_LONG) != 0 && loop_spent();
		/* A message while the disk is behind waits, and only its
		 * sender with it: what readers hold for messages not yet
		 * stored stays bounded (hist_backlogged), and everyone
		 * else's PINGs are answered meanwhile. */
		bool disk = !spent && (flags & CMD_STORES) != 0 &&
		    hist_backlogged(HIST_HELD_MAX);
		/* A history query waits for what its sender said before it
		 * to be stored: the store answers from the disk, and a
		 * message on its way there would be missing (its relay
		 * waits for the same commit). */
		disk = disk || (!spent && (flags & CMD_READS) != 0 &&
		    hist_unstored(c->stored_in));
		if (spent || disk) {
			c->deferred = xmalloc(len + 1);
			memcpy(c->deferred, line, len + 1);
			c->deferred_len = len;
			if (spent)
				loop_defer(c);
			else
				loop_wait_disk(c);
			break;
		}
		if (st == FRAME_OVERLONG)
			conn_reply(c, ERR_INPUTTOOLONG,
			    ":Input line was too long");
		else
			conn_line(c, line, len);
		conn_reap();
	}
	if ((c->io & IO_THROTTLED) != 0)
		loop_throttle(c, 0);
}

void
conn_read(struct client *c)
{
	/* One large read into a shared buffer, then into the frame (which
	 * holds complete lines however many): a sender's burst costs one
	 * system call per 64 KiB, not per line. */
	static char rbuf[CONN_READ_MAX];
	ssize_t n = c->tls != NULL ? tls_read(c, rbuf, sizeof(rbuf)) :
	    read(c->fd, rbuf, sizeof(rbuf));

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		conn_close(c, "Read error: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		conn_close(c, "Connection closed");
		return;
	}
	/* 0x16 starting a line is a TLS handshake record, never IRC: a TLS
	 * client on the plain port. Told in words (whoever reads the log or
	 * tries nc learns why), then closed, not left to time out. */
	if (c->tls == NULL && c->reg == 0 && c->in.len == c->in.pos &&
	    (unsigned char)rbuf[0] == 0x16) {
		conn_close(c, "TLS on the plain IRC port: use the TLS port");
		return;
	}
	frame_push(&c->in, rbuf, n);
	c->last_read = time_mono_ms();
	c->ping_sent = 0;
	conn_process(c);
}

/* Closing */

void
conn_close(struct client *c, const char *fmt, ...)
{
	va_list ap;

	if (c->state != CONN_OPEN)
		return;
	c->state = CONN_CLOSING;
	free(c->quit_reason);
	va_start(ap, fmt);
	if (vasprintf(&c->quit_reason, fmt, ap) < 0)
		c->quit_reason = NULL;
	va_end(ap);
	if (nclosing == closingcap) {
		closingcap = closingcap ? closingcap * 2 : 16;
		closing = xreallocarray(closing, closingcap, sizeof(*closing));
	}
	closing[nclosing++] = c;
}

static void
conn_quit(struct client *c)
{
	const char *reason = c->quit_reason != NULL ? c->quit_reason : "Quit";
	char buf[IRC_BODY_MAX];

	if ((c->reg & REG_DONE) != 0) {
		struct relay r;
		const char *params[] = { reason };

		relay_init(&r, time_now_ms(), NULL, NULL, conn_prefix(c),
		    "QUIT", 1, params);
		r.account = c->account;
		chan_relay_common(c, &r, 0);
		relay_done(&r);
		conn_registered--;
		log_info("%s quit: %s", conn_prefix(c), reason);
	} else if (c->tls != NULL && (c->tls_state & TLS_HANDSHAKING) != 0) {
		/* Scanners and plain clients on the TLS port: debug only. */
		log_debug("%s (fd %d) left in the TLS handshake: %s", c->host,
		    c->fd, reason);
	} else {
		log_info("%s (fd %d) left before registering: %s", c->host,
		    c->fd, reason);
	}
	while (c->chans != NULL)
		chan_remove(c->chans->chan, c);
	if ((c->reg & REG_DONE) != 0)
		monitor_offline(c);
	monitor_clear(c);
	whowas_add(c);
	if ((c->reg & REG_NICK) != 0)
		nick_remove(c);
	if ((c->umodes & UMODE_OPER) != 0)
		conn_opers--;
	if ((c->umodes & UMODE_INVISIBLE) != 0)
		conn_invisible--;
	c->umodes &= ~(UMODE_OPER | UMODE_INVISIBLE);
	if (capture.c == c) {
		capture.c = NULL;
		capture_reset();
	}
	/* The sendq case keeps the bare wording operators grep logs for. */
	int n = (c->io & IO_SENDQ) != 0 ?
	    snprintf(buf, sizeof(buf), "ERROR :SendQ exceeded") :
	    snprintf(buf, sizeof(buf), "ERROR :Closing link: %s (%s)",
	    c->host, reason);
	out_copy(c, buf, line_finish(buf, n, IRC_BODY_MAX - 2));
	c->state = CONN_DEAD;
}

void
conn_reap(void)
{
	while (nclosing > 0) {
		struct client *c = closing[--nclosing];
		conn_quit(c);
	}
}

void
conn_free(struct client *c)
{
	conn_drop_output(c);
	tls_free(c);
	frame_free(&c->in);
	for (size_t i = 0; i < c->ninvites; i++)
		free(c->invites[i]);
	free(c->invites);
	monitor_clear(c);
	free(c->more);
	free(c->deferred);
	free(c->realname);
	free(c->away);
	free(c->quit_reason);
	free(c->account);
	readmark_free(&c->marks);
	multiline_free(c);
	sasl_free(c);
	free(c);
	conn_count--;
}

void
conn_shutdown(struct client *c, const char *reason)
{
	char buf[IRC_BODY_MAX];
	int n;

	if (c->state >= CONN_DEAD)
		return;
	n = snprintf(buf, sizeof(buf), "ERROR :Closing link: %s (%s)",
	    c->host, reason);
	out_copy(c, buf, line_finish(buf, n, IRC_BODY_MAX - 2));
	c->state = CONN_DEAD;
}
