/*
 * Typing notifications (+typing, ircv3.net/specs/client-tags/typing):
 * what we tell a channel or nick while the input line has text for it,
 * throttled as the spec asks, and who is typing in each buffer.
 */
#include <stdio.h>
#include <string.h>

#include "natter.h"

bool typing_send = true;

bool
typing_denied(const char *deny)
{
	char copy[256], *save = NULL;
	bool all = false, except = false, named = false;

	str_copy(copy, deny, sizeof(copy));
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "*") == 0)
			all = true;
		else if (strcmp(t, "-typing") == 0)
			except = true;
		else if (strcmp(t, "typing") == 0)
			named = true;
	}
	return named || (all && !except);
}

static bool
may_send(const struct buffer *b)
{
	return typing_send && (self.caps & CAP_TAGS) && !self.tagdeny_typing &&
	    self.registered && (b->kind == BUFFER_QUERY ||
	    (b->kind == BUFFER_CHANNEL && b->joined));
}

static void
send_state(struct buffer *b, enum typing_state st, const char *word,
    int64_t now)
{
	net_sendf("@+typing=%s TAGMSG %s", word, b->name);
	b->typed.state = st;
	b->typed.sent_ms = now;
}

void
typing_input(struct buffer *b, bool empty, int64_t now)
{
	struct typing_self *t = &b->typed;

	if (empty) {
		typing_done(b, now);
		return;
	}
	if (!may_send(b))
		return;
	t->key_ms = now;
	if (t->state != TYPING_ACTIVE || now - t->sent_ms >= TYPING_ACTIVE_MS)
		send_state(b, TYPING_ACTIVE, "active", now);
}

void
typing_done(struct buffer *b, int64_t now)
{
	if (b->typed.state == TYPING_NONE)
		return;
	if (may_send(b))
		send_state(b, TYPING_NONE, "done", now);
	b->typed.state = TYPING_NONE;
}

void
typing_heard(struct buffer *b, const char *nick, const char *state,
    int64_t now)
{
	struct typing_peers *p = &b->typing;
	size_t slot = TYPING_PEERS_MAX, oldest = TYPING_PEERS_MAX;
	enum typing_state st = TYPING_NONE;

	if (state != NULL && strcmp(state, "active") == 0)
		st = TYPING_ACTIVE;
	else if (state != NULL && strcmp(state, "paused") == 0)
		st = TYPING_PAUSED;
	for (size_t i = 0; i < TYPING_PEERS_MAX; i++) {
		if (p->who[i].state != TYPING_NONE &&
		    irc_casecmp(p->who[i].nick, nick) == 0)
			slot = i;
		/* A free slot, else the one that would expire first. */
		if (oldest == TYPING_PEERS_MAX ||
		    (p->who[oldest].state != TYPING_NONE &&
		    (p->who[i].state == TYPING_NONE ||
		    p->who[i].expires < p->who[oldest].expires)))
			oldest = i;
	}
	if (slot == TYPING_PEERS_MAX) {
		if (st == TYPING_NONE)
			return;
		slot = oldest;
		str_copy(p->who[slot].nick, nick, sizeof(p->who[slot].nick));
	}
	p->who[slot].state = st;
	p->who[slot].expires = now + (st == TYPING_ACTIVE ?
	    TYPING_ACTIVE_TTL_MS : TYPING_PAUSED_TTL_MS);
	if (b == window_current())
		dirty |= DIRTY_STATUS;
}

void
typing_tick(int64_t now)
{
	for (size_t i = 0; i < nwindows; i++) {
		struct buffer *b = windows[i];
		if (b->typed.state == TYPING_ACTIVE &&
		    now - b->typed.key_ms >= TYPING_PAUSE_MS) {
			if (may_send(b))
				send_state(b, TYPING_PAUSED, "paused", now);
			else
				b->typed.state = TYPING_NONE;
		}
		for (size_t k = 0; k < TYPING_PEERS_MAX; k++) {
			if (b->typing.who[k].state == TYPING_NONE ||
			    b->typing.who[k].expires > now)
				continue;
			b->typing.who[k].state = TYPING_NONE;
			if (b == window_current())
				dirty |= DIRTY_STATUS;
		}
	}
}

int
typing_timeout(int64_t now)
{
	int64_t next = -1;

	for (size_t i = 0; i < nwindows; i++) {
		const struct buffer *b = windows[i];
		if (b->typed.state == TYPING_ACTIVE) {
			int64_t t = b->typed.key_ms + TYPING_PAUSE_MS;
			if (next < 0 || t < next)
				next = t;
		}
		for (size_t k = 0; k < TYPING_PEERS_MAX; k++) {
			int64_t t = b->typing.who[k].expires;
			if (b->typing.who[k].state != TYPING_NONE &&
			    (next < 0 || t < next))
				next = t;
		}
	}
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

size_t
typing_text(const struct buffer *b, char *buf, size_t cap)
{
	const char *names[TYPING_PEERS_MAX];
	size_t n = 0, paused = 0;
	int w = 0;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < TYPING_PEERS_MAX; k++)
			if (b->typing.who[k].state ==
			    (pass == 0 ? TYPING_ACTIVE : TYPING_PAUSED)) {
				names[n++] = b->typing.who[k].nick;
				paused += pass;
			}
	if (n == 0)
		return 0;
	if (paused == n)
		w = snprintf(buf, cap, "%s%s stopped typing", names[0],
		    n > 1 ? " and others" : "");
	else if (n - paused == 1)
		w = snprintf(buf, cap, "%s is typing", names[0]);
	else if (n - paused == 2)
		w = snprintf(buf, cap, "%s and %s are typing", names[0],
		    names[1]);
	else
		w = snprintf(buf, cap, "%s, %s and others are typing",
		    names[0], names[1]);
	if (w < 0)
		return 0;
	return (size_t)w < cap ? (size_t)w : cap - 1;
}
