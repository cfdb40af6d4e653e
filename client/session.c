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
	/* An outage is said once as it starts and once as it ends; an
	 * attempt's failure only when it reached a box that turned it away
	 * for a new reason (a certificate refused: another machine may be
	 * answering in the server's place, which must be read, not
	 * counted). The status line counts down meanwhile. */
	int64_t down_since;	/* monotonic ms it began; 0 while up */
	unsigned tries;		/* attempts that failed since */
	char said[NET_ERROR_MAX];	/* the reason said last */
	bool welcomed;		/* 001 seen once: "Reconnected", not "Connected" */
} rc;

static void session_note(int64_t now);

void
session_init(void)
{
	backoff_reset(&rc.backoff);
}

/* A line in the server buffer, and where the user is looking. */
static void
session_say(enum line_kind kind, const char *text)
{
	buffer_addf(window_server(), kind, "%s", text);
	if (window_current() != window_server())
		buffer_addf(window_current(), kind, "%s", text);
}

bool
session_lost(void)
{
	char text[NET_ERROR_MAX + 64];
	int64_t now = time_mono_ms(), delay;

	/* Leaving; or line mode, which leaves reconnecting to whatever runs
	 * it; or not registered yet and --no-retry asks to exit (69), or
	 * the server was reached and turned us away (a password, a
	 * certificate, TLS on a plain port), which it would only do again.
	 * A server that cannot be reached (a box still booting) is tried
	 * again, as irssi and WeeChat do. */
	if (self.quit || opt.pipe ||
	    (!rc.ever && (opt.no_retry || net_reached))) {
		snprintf(text, sizeof(text), rc.welcomed ? "Disconnected: %s" :
		    "%s", net_error);
		session_say(LINE_ERROR, text);
		say_drop();
		chathist_lost();
		search_lost();
		return false;
	}
	delay = rc.now ? 0 : backoff_next(&rc.backoff, arc4random());
	rc.now = false;
	rc.due = now + delay;
	if (rc.down_since == 0) {
		snprintf(text, sizeof(text), rc.welcomed ?
		    "Disconnected: %s; reconnecting in %llds" :
		    "%s; trying again in %llds",
		    net_error, (long long)(delay + 999) / 1000);
		session_say(LINE_ERROR, text);
		str_copy(rc.said, net_error, sizeof(rc.said));
		rc.down_since = now;
		rc.tries = 0;
	} else {
		rc.tries++;
		if (net_reached && strcmp(net_error, rc.said) != 0) {
			snprintf(text, sizeof(text), "%s; trying again in %llds",
			    net_error, (long long)(delay + 999) / 1000);
			session_say(LINE_ERROR, text);
			str_copy(rc.said, net_error, sizeof(rc.said));
		}
	}
	say_drop();
	chathist_lost();
	search_lost();
	session_note(now);
	return true;
}

bool
session_outage(void)
{
	return rc.down_since != 0;
}

bool
session_waiting(void)
{
	return rc.due != 0;
}

void
session_reconnect_now(void)
{
	/* Connected: QUIT, so the server lets go of our nick before we
	 * come back; the close it answers with reconnects at once. */
	if (net_fd() >= 0 && self.registered) {
		rc.now = true;
		readmark_flush();
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
	if (rc.down_since != 0) {
		char text[128];
		const char *verb = rc.welcomed ? "Reconnected" : "Connected";
		int64_t secs = (time_mono_ms() - rc.down_since + 500) / 1000;
		if (rc.tries == 0)
			snprintf(text, sizeof(text), "%s after %llds", verb,
			    (long long)secs);
		else
			snprintf(text, sizeof(text), "%s after %llds "
			    "(%u attempt%s failed)", verb, (long long)secs,
			    rc.tries, rc.tries == 1 ? "" : "s");
		session_say(LINE_INFO, text);
		rc.down_since = 0;
	}
	rc.welcomed = true;
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
		if (rc.tries > 0)
			snprintf(note + strlen(note), sizeof(note) - strlen(note),
			    " (%u failed)", rc.tries);
	} else if (say_queued() > 0)
		snprintf(note, sizeof(note), "sending, %zu to go", say_queued());
	if (strcmp(note, status_note) != 0) {
		str_copy(status_note, note, sizeof(status_note));
		dirty |= DIRTY_STATUS;
	}
}
