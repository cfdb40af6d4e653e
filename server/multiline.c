/*
 * multiline.c: draft/multiline (ircv3.net/specs/extensions/multiline).
 * A client's BATCH +ref draft/multiline target, its PRIVMSG lines and
 * BATCH -ref are collected here, within MULTILINE_MAX_BYTES and
 * MULTILINE_MAX_LINES, then delivered as one message (cmd-msg.c): one
 * msgid, one stored row. The row's text keeps the sender's lines, each
 * after a '\n' or, joined to the one before (draft/multiline-concat),
 * a '\r': bytes no IRC line can carry, so a plain message never looks
 * like one. multiline_format writes such a text back out, as a batch or
 * as separate lines, for relays and for history alike.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "natterd.h"

#define BATCH_TYPE "draft/multiline"
#define CONCAT_TAG "draft/multiline-concat"
#define LABEL_MAX 64

/* A batch a client has open, or one that failed whose lines are still
 * coming (dropped without a word until its BATCH -). */
struct mlbatch {
	char ref[MULTILINE_REF_MAX + 1];	/* the client's reference */
	char target[IRC_CHAN_MAX + 1];		/* as given on BATCH + */
	char label[LABEL_MAX + 1];		/* labeled-response, or "" */
	char ctags[IRC_CLIENT_TAGS_MAX + 1];	/* client tags of BATCH + */
	bool failed;
	uint32_t lines;
	size_t bytes;		/* the combined message's, as max-bytes counts */
	int64_t last_ms;	/* time_mono_ms of its last line */
	char *text;		/* the encoded lines; NULL once failed */
	size_t len;
};

bool
multiline_text(const char *text)
{
	return strpbrk(text, "\n\r") != NULL;
}

/* A FAIL BATCH about c's batch, with the label the batch came with. */
static void
ml_fail(struct client *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ml_fail(struct client *c, const char *code, const char *fmt, ...)
{
	char tail[IRC_BODY_MAX], tag[LABEL_MAX * 2 + 8] = "";
	struct mlbatch *b = c->ml;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	if (b != NULL && b->label[0] != '\0') {
		char esc[LABEL_MAX * 2 + 1];
		if (irc_tag_escape(esc, sizeof(esc), b->label) > 0)
			snprintf(tag, sizeof(tag), "label=%s", esc);
	}
	conn_send_tagged(c, tag, ":%s FAIL BATCH %s %s", cfg.name, code,
	    tail);
}

/* The batch failed: its text goes now, its lines are dropped until its
 * end (or its deadline). */
static void
ml_drop(struct client *c)
{
	free(c->ml->text);
	c->ml->text = NULL;
	c->ml->failed = true;
}

void
multiline_free(struct client *c)
{
	if (c->ml != NULL)
		free(c->ml->text);
	free(c->ml);
	c->ml = NULL;
}

static void
ml_open(struct client *c, struct irc_msg *m)
{
	const char *ref = m->params[0] + 1;
	const char *label = irc_tag_get(m, "label");

	multiline_free(c);
	if (m->nparams != 3 || strcmp(m->params[1], BATCH_TYPE) != 0 ||
	    ref[0] == '\0' || strlen(ref) > MULTILINE_REF_MAX ||
	    strchr(m->params[2], ',') != NULL ||
	    strlen(m->params[2]) > IRC_CHAN_MAX) {
		ml_fail(c, "MULTILINE_INVALID", ":Invalid multiline batch");
		return;
	}
	struct mlbatch *b = c->ml = xcalloc(1, sizeof(*b));
	str_copy(b->ref, ref, sizeof(b->ref));
	str_copy(b->target, m->params[2], sizeof(b->target));
	if (label != NULL && client_has_cap(c, CAP_LABELED_RESPONSE) &&
	    strlen(label) <= LABEL_MAX)
		str_copy(b->label, label, sizeof(b->label));
	msg_client_tags(m, b->ctags, sizeof(b->ctags));
	b->text = xmalloc(MULTILINE_MAX_BYTES + MULTILINE_MAX_LINES + 1);
	b->text[0] = '\0';
	b->last_ms = time_mono_ms();
	loop_timer_at(b->last_ms + MULTILINE_IDLE_MS);
}

/* One PRIVMSG of the open batch. */
static void
ml_add(struct client *c, struct irc_msg *m)
{
	struct mlbatch *b = c->ml;
	bool concat = irc_tag_get(m, CONCAT_TAG) != NULL;

	if (strcasecmp(m->command, "PRIVMSG") != 0 || m->nparams != 2 ||
	    (concat && m->params[1][0] == '\0')) {
		ml_fail(c, "MULTILINE_INVALID", ":Invalid multiline batch");
		ml_drop(c);
		return;
	}
	if (irc_casecmp(m->params[0], b->target) != 0) {
		ml_fail(c, "MULTILINE_INVALID_TARGET", "%s %s :Invalid"
		    " multiline target", conn_param(b->target),
		    conn_param(m->params[0]));
		ml_drop(c);
		return;
	}
	size_t tl = strlen(m->params[1]);
	/* A line feed joins each line to the one before, except a concat. */
	size_t bytes = b->bytes + tl + (b->lines > 0 && !concat);
	if (b->lines == MULTILINE_MAX_LINES) {
		ml_fail(c, "MULTILINE_MAX_LINES", "%d :Multiline batch max-lines"
		    " exceeded", MULTILINE_MAX_LINES);
		ml_drop(c);
		return;
	}
	if (bytes > MULTILINE_MAX_BYTES) {
		ml_fail(c, "MULTILINE_MAX_BYTES", "%d :Multiline batch max-bytes"
		    " exceeded", MULTILINE_MAX_BYTES);
		ml_drop(c);
		return;
	}
	/* bytes + separators stay within the buffer: at most one per line. */
	if (b->lines > 0)
		b->text[b->len++] = concat ? '\r' : '\n';
	memcpy(b->text + b->len, m->params[1], tl);
	b->len += tl;
	b->text[b->len] = '\0';
	b->bytes = bytes;
	b->lines++;
}

/* BATCH -ref: the message is whole; deliver it as one. */
static void
ml_close(struct client *c, int64_t time_ms)
{
	struct mlbatch *b = c->ml;

	/* Nothing to say: no lines, or only blank ones (the spec forbids
	 * clients both, and a fallback would show nothing). */
	if (strspn(b->text, "\n") == b->len) {
		ml_fail(c, "MULTILINE_INVALID", ":Invalid multiline batch");
		multiline_free(c);
		return;
	}
	/* The replies are the command's, labeled as one would be; the
	 * echo is a batch of its own, which carries the label. */
	if (b->label[0] != '\0')
		conn_capture_begin(c);
	cmd_time_ms = time_ms;
	msg_multiline(c, b->target, b->text, b->ctags);
	if (b->label[0] != '\0')
		conn_capture_end(c, b->label);
	multiline_free(c);
}

bool
multiline_take(struct client *c, struct irc_msg *m, int64_t time_ms)
{
	struct mlbatch *b = c->ml;
	const char *tag = irc_tag_get(m, "batch");
	bool batch = strcasecmp(m->command, "BATCH") == 0;

	if ((c->reg & REG_DONE) == 0)
		return false;
	if (b == NULL) {
		if (!client_has_cap(c, CAP_MULTILINE))
			return false;
		if (batch && m->nparams >= 1 && m->params[0][0] == '+') {
			ml_open(c, m);
			return true;
		}
		if (batch || tag != NULL) {
			ml_fail(c, "MULTILINE_INVALID", ":No such batch open");
			return true;
		}
		return false;
	}
	b->last_ms = time_mono_ms();
	loop_timer_at(b->last_ms + MULTILINE_IDLE_MS);
	if (batch && m->nparams >= 1 && m->params[0][0] == '-' &&
	    strcmp(m->params[0] + 1, b->ref) == 0) {
		if (b->failed)
			multiline_free(c);
		else
			ml_close(c, time_ms);
		return true;
	}
	if (tag != NULL && strcmp(tag, b->ref) == 0) {
		if (!b->failed)
			ml_add(c, m);
		return true;
	}
	if (b->failed) {
		/* Whatever came after a failed batch ends it. */
		multiline_free(c);
		return multiline_take(c, m, time_ms);
	}
	/* A keepalive may cross a long paste; anything else breaks the
	 * batch ("clients MUST NOT send messages other than PRIVMSG while
	 * a multiline batch is open"), and is then run as it stands. */
	if (tag == NULL && (strcasecmp(m->command, "PING") == 0 ||
	    strcasecmp(m->command, "PONG") == 0))
		return false;
	ml_fail(c, "MULTILINE_INVALID", ":Invalid multiline batch");
	multiline_free(c);
	if (batch && m->nparams >= 1 && m->params[0][0] == '+') {
		ml_open(c, m);
		return true;
	}
	return tag != NULL || batch;
}

int64_t
multiline_deadline(const struct client *c)
{
	return c->ml != NULL ? c->ml->last_ms + MULTILINE_IDLE_MS : 0;
}

void
multiline_expire(struct client *c)
{
	if (!c->ml->failed)
		ml_fail(c, "MULTILINE_INVALID", ":Multiline batch timed out");
	multiline_free(c);
}

/*
 * Writing a message's lines back out.
 */

struct mlout {
	char *buf;
	size_t len, cap;
};

static void
put(struct mlout *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->buf = xrealloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void
put_str(struct mlout *o, const char *s)
{
	put(o, s, strlen(s));
}

/* "@a;b " from tag lists that may be empty, or nothing. */
static void
put_tags(struct mlout *o, const char *a, const char *b)
{
	if (a[0] == '\0' && b[0] == '\0')
		return;
	put(o, "@", 1);
	put_str(o, a);
	if (a[0] != '\0' && b[0] != '\0')
		put(o, ";", 1);
	put_str(o, b);
	put(o, " ", 1);
}

char *
multiline_format(const struct ml_form *f, size_t *lenp)
{
	struct mlout o = { 0 };
	char outer[MULTILINE_REF_MAX + 16] = "", own[MULTILINE_REF_MAX + 48];
	/* ":source CMD target :": the source ends at the first space, the
	 * target starts after the second. */
	const char *sp1 = strchr(f->prefix, ' ');
	const char *tgt = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
	size_t srclen = sp1 != NULL ? (size_t)(sp1 - f->prefix) : 0;
	size_t tgtlen = tgt != NULL ? f->prefixlen - (tgt + 1 - f->prefix) - 2 :
	    0;
	size_t stl = strlen(f->stamp);
	/* Text per wire line: the rest of a body after the prefix and CRLF. */
	long fit = (long)IRC_BODY_MAX - 2 - (long)f->prefixlen - (long)stl;
	/* A prefix near the limit (a long source and target) still leaves
	 * some text per line, the line then a little past the limit. */
	size_t room = fit < MULTILINE_ROOM_MIN ? MULTILINE_ROOM_MIN : fit;
	bool first = true;

	if (f->outer != NULL)
		snprintf(outer, sizeof(outer), "batch=%s", f->outer);
	if (f->ref != NULL) {
		put_tags(&o, outer, f->first);
		put(&o, f->prefix, srclen);
		put_str(&o, " BATCH +");
		put_str(&o, f->ref);
		put_str(&o, " " BATCH_TYPE " ");
		if (tgt != NULL)
			put(&o, tgt + 1, tgtlen);
		put(&o, "\r\n", 2);
	}
	for (const char *p = f->text, *end;; p = end + 1) {
		end = p + strcspn(p, "\n\r");
		bool concat = p > f->text && p[-1] == '\r';
		size_t left = end - p;
		/* A line longer than a wire line once the prefix is added is
		 * cut at code points into pieces joined by concat: nothing of
		 * it is lost. Blank lines are for batches only. */
		do {
			size_t n = left > room ? utf8_truncate(p, left, room) :
			    left;
			if (n == 0)
				n = left > room ? room : left;
			if (f->ref != NULL) {
				snprintf(own, sizeof(own), "batch=%s%s",
				    f->ref, concat ? ";" CONCAT_TAG : "");
				put_tags(&o, own, "");
			} else if (n > 0) {
				put_tags(&o, outer, first ? f->first : f->each);
			}
			if (f->ref != NULL || n > 0) {
				put(&o, f->prefix, f->prefixlen);
				if (first || f->ref == NULL)
					put(&o, f->stamp, stl);
				put(&o, p, n);
				put(&o, "\r\n", 2);
				first = false;
			}
			p += n;
			left -= n;
			concat = true;
		} while (left > 0);
		if (*end == '\0')
			break;
	}
	if (f->ref != NULL) {
		put_tags(&o, outer, "");
		put(&o, f->prefix, srclen);
		put_str(&o, " BATCH -");
		put_str(&o, f->ref);
		put(&o, "\r\n", 2);
	}
	*lenp = o.len;
	return o.buf;
}
