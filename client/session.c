/*
 * session.c: what keeps a conversation whole across the network's
 * moods, glued to the model: reconnecting with back-off, rejoining,
 * fetching the gap with CHATHISTORY and dropping what was already shown,
 * highlights and the bell, logs, paced sending, paste confirmation,
 * /search and away replies. The decisions live in the pure modules
 * (backoff.c, msgid.c, highlight.c, paste.c, logfile.c, search.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

bool session_bell;

/* Per buffer, hung on buffer->ext. */
struct bufx {
	struct seen seen;
	struct hist_mark mark;
	struct comp_list spoke;	/* who spoke, most recent first */
	struct logfile log;
	char batch[IRC_MSGID_MAX + 1];	/* open chathistory batch */
	unsigned batch_got;	/* messages in it so far */
	bool hist_asked;	/* a CHATHISTORY request is out */
	int64_t joined_ms;	/* server time of our last JOIN, 0 never */
	enum chathist_kind asked;	/* which */
	bool exhausted;		/* BEFORE found nothing older */
	struct older {		/* a BEFORE batch, prepended at its end */
		int64_t time;
		enum line_kind kind;
		unsigned flags;
		char *nick, *text;
	} *older;
	size_t nolder, olderlen;
	long search_at;		/* line index of the last match, -1 none */
};

static struct {
	struct backoff backoff;
	int64_t due;		/* monotonic ms of the next attempt; 0 none */
	bool ever;		/* registered at least once */
	bool now;		/* /reconnect: no waiting once it is closed */
} rc;

/* Paced output: one PRIVMSG per token, the rest waits here. */
static struct {
	char **lines;
	size_t head, len, cap;
	struct pace pace;
} outq;

/* A paste waiting for y/n. */
static struct {
	char *text;
	size_t len, count;
	char target[IRC_CHAN_MAX + 1];
	char prompt[128];
} pending;

static struct away_memo away;
static char search_text[256];

static void session_note(int64_t now);

static uint32_t
session_random(void)
{
	return arc4random();
}

static void
older_free(struct bufx *x)
{
	for (size_t i = 0; i < x->nolder; i++) {
		free(x->older[i].nick);
		free(x->older[i].text);
	}
	free(x->older);
	x->older = NULL;
	x->nolder = x->olderlen = 0;
}

static struct bufx *
session_bufx(struct buffer *b)
{
	if (b->ext == NULL) {
		struct bufx *x = xcalloc(1, sizeof(*x));
		seen_init(&x->seen);
		mark_init(&x->mark);
		x->search_at = -1;
		b->ext = x;
	}
	return b->ext;
}

void
session_buffer_free(struct buffer *b)
{
	struct bufx *x = b->ext;

	if (x == NULL)
		return;
	comp_list_free(&x->spoke);
	logfile_close(&x->log);
	older_free(x);
	free(x);
	b->ext = NULL;
}

/* --- reconnect */

void
session_init(void)
{
	backoff_reset(&rc.backoff);
	pace_init(&outq.pace);
	away_init(&away);
	if (opt.log_dir != NULL)
		buffer_hook = session_log;
}

static void
outq_drop(void)
{
	if (outq.len > 0)
		buffer_addf(window_server(), LINE_ERROR,
		    "%zu queued message%s not sent", outq.len,
		    outq.len == 1 ? "" : "s");
	while (outq.len > 0) {
		free(outq.lines[outq.head]);
		outq.head = (outq.head + 1) % outq.cap;
		outq.len--;
	}
}

bool
session_lost(void)
{
	outq_drop();
	for (size_t i = 0; i < nwindows; i++)
		if (windows[i]->ext != NULL)
			((struct bufx *)windows[i]->ext)->hist_asked = false;
	/* Never connected at all: the caller reports and exits (69). */
	if (!rc.ever || self.quit)
		return false;
	int64_t delay = rc.now ? 0 : backoff_next(&rc.backoff, session_random());
	rc.now = false;
	rc.due = time_mono_ms() + delay;
	session_note(time_mono_ms());
	return true;
}

void
session_reconnect_now(void)
{
	/* Connected: QUIT, so the server lets go of our nick before we
	 * come back; the close it answers with reconnects at once. */
	if (net_fd() >= 0 && self.registered) {
		rc.now = true;
		net_sendf("QUIT :reconnecting");
		return;
	}
	if (net_fd() >= 0)
		net_close();
	backoff_reset(&rc.backoff);
	rc.due = 0;
	rc.ever = true;
	net_error[0] = '\0';
	buffer_addf(window_server(), LINE_INFO, "Reconnecting to %s:%s",
	    opt.host, opt.port);
	net_connect(opt.host, opt.port);
	dirty |= DIRTY_STATUS;
}

static void hist_request(struct buffer *b, enum chathist_kind kind);

void
session_registered(void)
{
	rc.ever = true;
	backoff_reset(&rc.backoff);
	rc.due = 0;
	dirty |= DIRTY_STATUS;
	/* Private conversations have no JOIN to hang the gap on: ask
	 * now for what came while we were away. */
	for (size_t i = 0; i < nwindows; i++) {
		struct bufx *x = windows[i]->ext;
		if (windows[i]->kind == BUFFER_QUERY && x != NULL &&
		    (x->mark.newest_id[0] != '\0' || x->mark.newest_ms > 0))
			hist_request(windows[i], CHATHIST_AFTER);
	}
}

int
session_timeout(int64_t now)
{
	int64_t t = -1;

	if (rc.due != 0) {
		/* Wake each second too, for the countdown. */
		t = rc.due - now;
		int64_t tick = (rc.due - now) % 1000;
		if (tick > 0 && tick < t)
			t = tick;
	}
	if (outq.len > 0 && net_fd() >= 0 && self.registered) {
		int64_t w = pace_wait(&outq.pace, now);
		if (t < 0 || w < t)
			t = w;
	}
	if (t < 0)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}

static void outq_flush(int64_t now);

void
session_tick(int64_t now)
{
	if (rc.due != 0 && now >= rc.due) {
		rc.due = 0;
		net_error[0] = '\0';
		net_connect(opt.host, opt.port);
	}
	outq_flush(now);
	session_note(now);
}

/* The status line's note: the countdown, or the paced queue's length. */
static void
session_note(int64_t now)
{
	char note[sizeof(status_note)] = "";

	if (rc.due != 0) {
		int64_t secs = (rc.due - now + 999) / 1000;
		snprintf(note, sizeof(note), "reconnecting in %llds",
		    (long long)(secs > 0 ? secs : 0));
	} else if (outq.len > 0)
		snprintf(note, sizeof(note), "sending, %zu to go", outq.len);
	if (strcmp(note, status_note) != 0) {
		str_copy(status_note, note, sizeof(status_note));
		dirty |= DIRTY_STATUS;
	}
}

/* --- paced sending */

void
session_sendf(const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		fatal("vasprintf");
	va_end(ap);
	if (outq.len == outq.cap) {
		size_t ncap = outq.cap ? outq.cap * 2 : 16;
		char **n = xreallocarray(NULL, ncap, sizeof(*n));
		for (size_t i = 0; i < outq.len; i++)
			n[i] = outq.lines[(outq.head + i) % outq.cap];
		free(outq.lines);
		outq.lines = n;
		outq.cap = ncap;
		outq.head = 0;
	}
	outq.lines[(outq.head + outq.len) % outq.cap] = line;
	outq.len++;
	outq_flush(time_mono_ms());
}

static void
outq_flush(int64_t now)
{
	if (net_fd() < 0 || !self.registered)
		return;
	while (outq.len > 0 && pace_wait(&outq.pace, now) == 0) {
		net_sendf("%s", outq.lines[outq.head]);
		free(outq.lines[outq.head]);
		outq.head = (outq.head + 1) % outq.cap;
		outq.len--;
		pace_take(&outq.pace, now);
		dirty |= DIRTY_STATUS;
	}
}

/* --- history and de-duplication */

static void
hist_request(struct buffer *b, enum chathist_kind kind)
{
	struct bufx *x = session_bufx(b);
	char line[CHATHIST_CMD_MAX];

	if (!(self.caps & CAP_CHATHISTORY) || x->hist_asked)
		return;
	/* Older lines only fit while the ring has room. */
	if (kind == CHATHIST_BEFORE && (x->exhausted || b->count >= b->cap))
		return;
	size_t n = kind == CHATHIST_LATEST ?
	    chathist_join_cmd(line, sizeof(line), b->name, &x->mark, 0) :
	    chathist_cmd(line, sizeof(line), kind, b->name, &x->mark, 0);
	if (n == 0)
		return;
	x->hist_asked = true;
	x->asked = kind == CHATHIST_LATEST && x->mark.newest_ms > 0 ?
	    CHATHIST_AFTER : kind;
	net_sendf("%s", line);
}

void
session_joined(struct buffer *b, int64_t time)
{
	struct bufx *x = session_bufx(b);

	/* A rejoin of a channel that showed no message yet: what was said
	 * since the last join is the gap, not just the latest page. */
	if (x->joined_ms != 0 && x->mark.newest_ms == 0)
		mark_note(&x->mark, NULL, x->joined_ms);
	x->joined_ms = time;
	/* LATEST on the first join, AFTER the newest shown on a rejoin. */
	hist_request(b, CHATHIST_LATEST);
}

void
session_scrolled_top(struct buffer *b)
{
	hist_request(b, CHATHIST_BEFORE);
}

void
session_batch(const char *ref, const char *type, const char *target)
{
	if (ref[0] == '+') {
		if (type == NULL || target == NULL ||
		    (strcmp(type, "chathistory") != 0 &&
		    strcmp(type, "draft/chathistory") != 0))
			return;
		struct buffer *b = window_find(target);
		if (b == NULL)
			return;
		struct bufx *x = session_bufx(b);
		str_copy(x->batch, ref + 1, sizeof(x->batch));
		x->batch_got = 0;
		return;
	}
	for (size_t i = 0; i < nwindows; i++) {
		struct bufx *x = windows[i]->ext;
		if (x == NULL || x->batch[0] == '\0' ||
		    strcmp(x->batch, ref + 1) != 0)
			continue;
		x->batch[0] = '\0';
		x->hist_asked = false;
		if (x->asked == CHATHIST_BEFORE) {
			/* Newest first, each in front of the one before. */
			for (size_t k = x->nolder; k-- > 0;) {
				struct older *o = &x->older[k];
				buffer_prepend(windows[i], o->time, o->kind,
				    o->flags, o->nick, o->text);
			}
			x->exhausted = x->nolder == 0;
			if (x->nolder > 0)
				x->search_at = -1;	/* line indices moved */
			older_free(x);
		} else if (x->asked == CHATHIST_AFTER &&
		    x->batch_got >= CHATHIST_LIMIT)
			/* A full page: there may be more of the gap. */
			hist_request(windows[i], CHATHIST_AFTER);
	}
}

bool
session_duplicate(struct buffer *b, const char *msgid, const char *batch,
    int64_t time)
{
	struct bufx *x = session_bufx(b);

	if (batch != NULL && x->batch[0] != '\0' && strcmp(batch, x->batch) == 0)
		x->batch_got++;
	if (msgid != NULL && msgid[0] != '\0' && seen_check(&x->seen, msgid))
		return true;
	mark_note(&x->mark, msgid, time);
	return false;
}

bool
session_collect(struct buffer *b, const char *batch, int64_t time,
    enum line_kind kind, unsigned flags, const char *nick, const char *text)
{
	struct bufx *x = session_bufx(b);

	if (batch == NULL || x->batch[0] == '\0' ||
	    strcmp(batch, x->batch) != 0 || x->asked != CHATHIST_BEFORE)
		return false;
	if (x->nolder == x->olderlen) {
		x->olderlen = x->olderlen ? x->olderlen * 2 : 32;
		x->older = xreallocarray(x->older, x->olderlen,
		    sizeof(*x->older));
	}
	x->older[x->nolder++] = (struct older){ time, kind, flags,
	    xstrdup(nick), xstrdup(text) };
	return true;
}

/* --- highlights */

void
session_heard(struct buffer *b, const char *nick, unsigned flags,
    bool history)
{
	if (flags & LINE_SELF)
		return;
	if (nick[0] != '\0')
		comp_list_touch(&session_bufx(b)->spoke, nick);
	/* History is news only in the unread counts, not worth a bell. */
	if (!history && ((flags & LINE_HIGHLIGHT) || b->kind == BUFFER_QUERY))
		session_bell = true;
}

bool
session_away(const char *nick, const char *message)
{
	return away_show(&away, nick, message);
}

/* --- logs */

void
session_log(struct buffer *b, const struct line *l)
{
	char kind[IRC_NICK_MAX + 4];

	switch (l->kind) {
	case LINE_MSG:
		snprintf(kind, sizeof(kind), "<%s>", LINE_NICK(l));
		break;
	case LINE_ACTION:
		snprintf(kind, sizeof(kind), "* %s", LINE_NICK(l));
		break;
	case LINE_NOTICE:
		snprintf(kind, sizeof(kind), "-%s-", LINE_NICK(l));
		break;
	default:
		kind[0] = '\0';
	}
	struct bufx *x = session_bufx(b);
	if (logfile_write(&x->log, opt.log_dir, b->name, l->time, kind,
	    LINE_TEXT(l)) < 0 && x->log.fp == NULL) {
		/* Say it once per buffer, not once per line. */
		static char warned[IRC_CHAN_MAX + 1];
		if (strcmp(warned, b->name) != 0) {
			str_copy(warned, b->name, sizeof(warned));
			log_warn("cannot write the log of %s in %s", b->name,
			    opt.log_dir);
		}
	}
}

/* --- completion */

/* Speakers first, most recent first, then everyone else in the list. */
static void
comp_nicks(struct buffer *b, struct comp_list *out)
{
	struct bufx *x = session_bufx(b);

	for (size_t i = 0; i < x->spoke.len; i++)
		if (b->kind != BUFFER_CHANNEL || nick_find(b, x->spoke.names[i]))
			comp_list_add(out, x->spoke.names[i]);
	for (size_t i = 0; i < b->nnicks; i++)
		if (irc_casecmp(b->nicks[i].name, self.nick) != 0)
			comp_list_add(out, b->nicks[i].name);
	if (b->kind == BUFFER_QUERY)
		comp_list_add(out, b->name);
}

bool
session_complete(struct buffer *b, struct comp *c, int dir)
{
	struct comp_list nicks = { 0 }, chans = { 0 };
	const char *cmds[128];
	size_t n = 0;
	char name[64];

	for (size_t i = 0; i < ncommands && n + 1 < nitems(cmds); i++) {
		snprintf(name, sizeof(name), "/%s", commands[i].name);
		cmds[n++] = xstrdup(name);
	}
	cmds[n] = NULL;
	if (!c->active) {
		comp_nicks(b, &nicks);
		for (size_t i = 0; i < nwindows; i++)
			if (windows[i]->kind == BUFFER_CHANNEL)
				comp_list_add(&chans, windows[i]->name);
	}
	bool ok = comp_step(c, b->edit.buf, &b->edit.len, EDIT_MAX,
	    &b->edit.pos, dir, &nicks, &chans, cmds);
	for (size_t i = 0; i < n; i++)
		free((char *)cmds[i]);
	comp_list_free(&nicks);
	comp_list_free(&chans);
	dirty |= DIRTY_INPUT;
	return ok;
}

/* --- paste */

bool
session_paste(struct buffer *b, const char *text, size_t len)
{
	size_t budget = paste_budget("PRIVMSG", b->name,
	    paste_prefix_len(self.nick, NULL, NULL));
	size_t count = paste_count(text, len, budget);

	if (count < PASTE_CONFIRM_LINES || b->kind == BUFFER_SERVER)
		return false;	/* one message: into the input line */
	free(pending.text);
	pending.text = xstrndup(text, len);
	pending.len = len;
	pending.count = count;
	str_copy(pending.target, b->name, sizeof(pending.target));
	snprintf(pending.prompt, sizeof(pending.prompt),
	    "Paste %zu messages to %s? (y/n)", count, b->name);
	dirty |= DIRTY_INPUT | DIRTY_STATUS;
	return true;
}

const char *
session_prompt(void)
{
	return pending.text != NULL ? pending.prompt : NULL;
}

struct paste_ctx {
	struct buffer *b;
};

static void
paste_one(const char *chunk, size_t n, void *arg)
{
	struct paste_ctx *p = arg;
	char text[IRC_BODY_MAX];

	memcpy(text, chunk, n);
	text[n] = '\0';
	session_sendf("PRIVMSG %s :%s", p->b->name, text);
	if (!(self.caps & CAP_ECHO))
		buffer_add(p->b, time_now_ms(), LINE_MSG, LINE_SELF, self.nick,
		    text);
}

void
session_answer(bool yes)
{
	struct buffer *b = window_find(pending.target);

	if (pending.text == NULL)
		return;
	if (yes && b != NULL) {
		struct paste_ctx p = { b };
		paste_split(pending.text, pending.len, paste_budget("PRIVMSG",
		    b->name, paste_prefix_len(self.nick, NULL, NULL)),
		    paste_one, &p);
	} else if (b != NULL)
		buffer_addf(b, LINE_INFO, "Paste of %zu messages not sent",
		    pending.count);
	free(pending.text);
	pending.text = NULL;
	dirty |= DIRTY_INPUT | DIRTY_STATUS;
}

/* --- search */

static const char *
search_line(long i, void *arg)
{
	struct buffer *b = arg;
	const struct line *l = buffer_line(b, b->seq - b->count + (uint64_t)i);

	/* natter's own notes ("No match for x") are not conversation. */
	if (l == NULL || l->kind == LINE_INFO || l->kind == LINE_ERROR)
		return NULL;
	return LINE_TEXT(l);
}

/*
 * Find text (NULL: the last search again) further back than the last
 * match in b and scroll there. Returns false when nothing (more) matches.
 */
bool
session_search(struct buffer *b, const char *text)
{
	struct bufx *x = session_bufx(b);
	long from = (long)b->count;

	/* The same text again steps further back; new text starts over. */
	if (text != NULL && text[0] != '\0' && strcmp(text, search_text) != 0) {
		str_copy(search_text, text, sizeof(search_text));
		x->search_at = -1;
	}
	if (search_text[0] == '\0')
		return false;
	if (x->search_at >= 0 && x->search_at < from)
		from = x->search_at;
	long i = search_back(from, search_text, search_line, b);
	if (i < 0) {
		x->search_at = -1;
		return false;
	}
	x->search_at = i;
	b->scrolled = true;
	b->anchor = b->seq - b->count + (uint64_t)i;
	b->skip = 0;
	dirty |= DIRTY_HISTORY | DIRTY_STATUS;
	return true;
}
