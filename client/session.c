/*
 * session.c: the connection's life as the user sees it: reconnecting
 * with back-off after it drops (and at once on /reconnect), what is
 * reset when it drops or registers, and the status line's note (the
 * countdown, or the messages still to send).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

static struct {
	struct backoff backoff;
	int64_t due;		/* monotonic ms of the next attempt; 0 none */
	bool ever;		/* registered at least once */
	bool now;		/* /reconnect: no waiting once it is closed */
} rc;

static void session_note(int64_t now);

void
session_init(void)
{
	backoff_reset(&rc.backoff);
}

bool
session_lost(void)
{
	say_drop();
	chathist_lost();
	/* Never connected at all: the caller reports and exits (69). */
	if (!rc.ever || self.quit)
		return false;
	int64_t delay = rc.now ? 0 : backoff_next(&rc.backoff, arc4random());
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

void
session_registered(void)
{
	rc.ever = true;
	backoff_reset(&rc.backoff);
	rc.due = 0;
	dirty |= DIRTY_STATUS;
	chathist_registered();
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
	int64_t w = say_wait(now);
	if (w >= 0 && (t < 0 || w < t))
		t = w;
	if (t < 0)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}

void
session_tick(int64_t now)
{
	if (rc.due != 0 && now >= rc.due) {
		rc.due = 0;
		net_error[0] = '\0';
		net_connect(opt.host, opt.port);
	}
	say_flush(now);
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
	} else if (say_queued() > 0)
		snprintf(note, sizeof(note), "sending, %zu to go", say_queued());
	if (strcmp(note, status_note) != 0) {
		str_copy(status_note, note, sizeof(status_note));
		dirty |= DIRTY_STATUS;
	}
}
