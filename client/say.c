/*
 * say.c: the one path for what we say to a channel or a nick, typed or
 * pasted. Text is split into messages the server accepts, queued in the
 * order it was said, sent as fast as the token bucket allows (flood
 * control: natterd delays, ngircd may disconnect), and shown as said
 * when it is sent, not before. net_sendf is for protocol lines only.
 */
#include <stdlib.h>
#include <string.h>

#include "natter.h"

/* One message waiting for the bucket. */
struct said {
	char *target;	/* whom the PRIVMSG is for */
	char *shown;	/* the buffer that shows it (a /msg may be elsewhere) */
	char *text;
	bool action;
	bool multi;	/* several lines, one draft/multiline batch */
};

static struct {
	struct said *q;	/* a ring of cap entries, the oldest at head */
	size_t head, len, cap;
	struct pace pace;
} out;

struct say_ctx {
	const char *target, *shown;
	bool action, multi;
};

static void
say_free(struct said *s)
{
	free(s->target);
	free(s->shown);
	free(s->text);
}

static void
say_push(const char *chunk, size_t n, bool concat, void *arg)
{
	const struct say_ctx *ctx = arg;

	if (out.len == out.cap) {
		size_t ncap = out.cap ? out.cap * 2 : 16;
		struct said *q = xreallocarray(NULL, ncap, sizeof(*q));
		for (size_t i = 0; i < out.len; i++)
			q[i] = out.q[(out.head + i) % out.cap];
		free(out.q);
		out.q = q;
		out.cap = ncap;
		out.head = 0;
	}
	out.q[(out.head + out.len) % out.cap] = (struct said){
		xstrdup(ctx->target), xstrdup(ctx->shown), xstrndup(chunk, n),
		ctx->action, ctx->multi };
	out.len++;
}

size_t
say_budget(const char *target, bool action)
{
	size_t budget = paste_budget("PRIVMSG", target,
	    paste_prefix_len(self.nick, NULL, NULL));
	size_t ctcp = strlen("\1ACTION \1");

	if (action)
		budget = budget > ctcp ? budget - ctcp : 0;
	return budget;
}

void
say(struct buffer *b, const char *target, const char *text, size_t len,
    bool action)
{
	struct say_ctx ctx = { target, b->name, action, false };

	/* Several lines go as one message where the server takes them so. */
	if (!action && multiline_fits(target, text, len)) {
		ctx.multi = true;
		say_push(text, len, false, &ctx);
	} else
		paste_split(text, len, say_budget(target, action), false,
		    say_push, &ctx);
	say_flush(time_mono_ms());
}

/* Shown as received: lines joined by '\n', empty ones dropped. */
static void
say_lines(char *text)
{
	size_t k = 0;

	for (size_t i = 0; text[i] != '\0'; i++) {
		char c = text[i] == '\r' ? '\n' : text[i];
		if (c == '\n' && (k == 0 || text[k - 1] == '\n'))
			continue;
		text[k++] = c;
	}
	while (k > 0 && text[k - 1] == '\n')
		k--;
	text[k] = '\0';
}

void
say_flush(int64_t now)
{
	if (net_fd() < 0 || !self.registered)
		return;
	while (out.len > 0 && pace_wait(&out.pace, now) == 0) {
		struct said *s = &out.q[out.head];
		if (s->multi) {
			multiline_send(s->target, s->text, strlen(s->text));
			say_lines(s->text);
		} else if (s->action)
			net_sendf("PRIVMSG %s :\1ACTION %s\1", s->target, s->text);
		else
			net_sendf("PRIVMSG %s :%s", s->target, s->text);
		pace_take(&out.pace, now);
		/* With echo-message the server's copy is what we show, so
		 * every client sees the same order. */
		struct buffer *b = window_find(s->shown);
		if (!(self.caps & CAP_ECHO) && b != NULL)
			buffer_add(b, time_now_ms(),
			    s->action ? LINE_ACTION : LINE_MSG, LINE_SELF,
			    self.nick, s->text);
		say_free(s);
		out.head = (out.head + 1) % out.cap;
		out.len--;
		dirty |= DIRTY_STATUS;
	}
}

int64_t
say_wait(int64_t now)
{
	if (out.len == 0 || net_fd() < 0 || !self.registered)
		return -1;
	return pace_wait(&out.pace, now);
}

size_t
say_queued(void)
{
	return out.len;
}

void
say_drop(void)
{
	if (out.len > 0)
		buffer_addf(window_server(), LINE_ERROR,
		    "%zu queued message%s not sent", out.len,
		    out.len == 1 ? "" : "s");
	while (out.len > 0) {
		say_free(&out.q[out.head]);
		out.head = (out.head + 1) % out.cap;
		out.len--;
	}
}

/*
 * A token bucket written as its "full again" time: each message pushes
 * it PACE_INTERVAL_MS later; sending is allowed while it is at most
 * PACE_BURST - 1 intervals ahead of now.
 */
int64_t
pace_wait(const struct pace *p, int64_t now_ms)
{
	int64_t ahead = p->ready_ms - now_ms -
	    (int64_t)(PACE_BURST - 1) * PACE_INTERVAL_MS;

	return ahead > 0 ? ahead : 0;
}

void
pace_init(struct pace *p)
{
	p->ready_ms = 0;
}

void
pace_take(struct pace *p, int64_t now_ms)
{
	p->ready_ms = (p->ready_ms > now_ms ? p->ready_ms : now_ms) +
	    PACE_INTERVAL_MS;
}
