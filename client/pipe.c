/*
 * pipe.c: natter --pipe, line mode for scripts and bots. No curses: each
 * line of standard input is said to one target, on say.c's paced path,
 * and each message heard is one line of standard output in --format.
 * handle.c does all the IRC, as for the screen. At the end of input,
 * once the queue is sent, a PING's PONG proves the server has handled
 * every message before it; only then does natter quit, 0 if the server
 * refused nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "natter.h"

#define PIPE_TOKEN "natter-pipe-done"

static struct {
	char target[IRC_CHAN_MAX + 1];
	bool target_chan;	/* wait for its JOIN before saying anything */
	char in[PIPE_LINE_MAX];	/* a line of input not yet ended */
	size_t inlen;
	bool eof;		/* standard input ended */
	bool barrier;		/* the PING is out */
	bool done;		/* its PONG came back */
	bool failed;		/* the server refused something */
} pp;

bool
pipe_format_check(const char *fmt, char *err, size_t cap)
{
	for (const char *p = fmt; *p != '\0'; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == '\0' || strchr(PIPE_FORMAT_CODES, *p) == NULL) {
			snprintf(err, cap, "--format: %%%s is not one of %%t %%d "
			    "%%T %%c %%n %%N %%m %%%%", *p == '\0' ? "" :
			    (char[]){ *p, '\0' });
			return false;
		}
	}
	return true;
}

/* Append n bytes of s; false once out is full (the line is cut). */
static bool
put(char *out, size_t cap, size_t *k, const char *s, size_t n)
{
	if (*k + n + 1 > cap)
		n = cap - *k - 1;
	memcpy(out + *k, s, n);
	*k += n;
	out[*k] = '\0';
	return *k + 1 < cap;
}

size_t
pipe_format(char *out, size_t cap, const char *fmt, int64_t time_ms,
    enum line_kind kind, const char *target, const char *nick,
    const char *text)
{
	char buf[IRC_BODY_MAX + 64];
	struct tm tm;
	time_t secs = (time_t)(time_ms / 1000);
	size_t k = 0;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	localtime_r(&secs, &tm);
	for (const char *p = fmt; *p != '\0'; p++) {
		const char *s = buf;
		size_t n;
		if (*p != '%' || p[1] == '\0') {
			s = p;
			n = 1;
		} else {
			switch (*++p) {
			case 't':
				n = strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
				break;
			case 'd':
				n = strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
				break;
			case 'T':
				n = time_format(buf, sizeof(buf), time_ms);
				break;
			case 'c':
				n = str_copy(buf, target, sizeof(buf));
				break;
			case 'n':
				n = str_copy(buf, nick, sizeof(buf));
				break;
			case 'N':
				n = (size_t)snprintf(buf, sizeof(buf),
				    kind == LINE_ACTION ? "* %s" :
				    kind == LINE_NOTICE ? "-%s-" : "<%s>", nick);
				break;
			case 'm':
				n = mirc_strip(buf, sizeof(buf), text);
				break;
			default:	/* %% and, past pipe_format_check, nothing else */
				s = p;
				n = 1;
				break;
			}
			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
		}
		if (!put(out, cap, &k, s, n))
			break;
	}
	/* Everything but the format is the server's: no control of theirs
	 * (a newline least of all: one message, one line) gets out. */
	return utf_clean(out, cap, out, k);
}

void
pipe_heard(const struct buffer *b, int64_t time_ms, enum line_kind kind,
    const char *nick, const char *text)
{
	char line[PIPE_LINE_MAX + 2];

	if (!opt.pipe || b->kind == BUFFER_SERVER)
		return;
	size_t n = pipe_format(line, sizeof(line) - 1, opt.format, time_ms,
	    kind, b->name, nick, text);
	line[n++] = '\n';
	fwrite(line, 1, n, stdout);
	fflush(stdout);
}

void
pipe_error(const char *text)
{
	char clean[LINE_TEXT_MAX];

	/* After our QUIT, the server's ERROR and the close are the end
	 * we asked for. */
	if (!opt.pipe || self.quit)
		return;
	utf_clean(clean, sizeof(clean), text, strlen(text));
	fprintf(stderr, "natter: %s\n", clean);
	pp.failed = true;
}

void
pipe_pong(const char *token)
{
	if (opt.pipe && pp.barrier && strcmp(token, PIPE_TOKEN) == 0)
		pp.done = true;
}

bool
pipe_target(char *out, size_t cap, const char *to, const char *join)
{
	char chans[512];

	if (to != NULL)
		return str_copy(out, to, cap) < cap && to[0] != '\0';
	if (join == NULL || command_chans(chans, sizeof(chans), join) == 0)
		return false;
	chans[strcspn(chans, ",")] = '\0';
	return str_copy(out, chans, cap) < cap;
}

/* May lines be said yet? The target channel is joined, or a nick's
 * server has registered us. */
static struct buffer *
pipe_ready(void)
{
	if (!self.registered)
		return NULL;
	if (pp.target_chan) {
		struct buffer *b = window_find(pp.target);
		return b != NULL && b->joined ? b : NULL;
	}
	return window_open(pp.target, BUFFER_QUERY);
}

/* Say each whole line read so far; at the end, the rest too. */
static void
pipe_say(struct buffer *b, bool all)
{
	size_t start = 0;

	for (size_t i = 0; i < pp.inlen; i++) {
		if (pp.in[i] != '\n')
			continue;
		say(b, pp.target, pp.in + start, i - start, false);
		start = i + 1;
	}
	if (all && start < pp.inlen) {
		say(b, pp.target, pp.in + start, pp.inlen - start, false);
		start = pp.inlen;
	}
	memmove(pp.in, pp.in + start, pp.inlen - start);
	pp.inlen -= start;
}

/* Read what standard input has into b's queue; false at its end. */
static bool
pipe_read(struct buffer *b)
{
	ssize_t n;

	if (pp.inlen == sizeof(pp.in)) {
		/* A line longer than any message: say what we have, less a
		 * character the read may have cut (kept for the next); say.c
		 * splits it as it would a long typed line. */
		size_t cut = utf8_truncate(pp.in, pp.inlen, pp.inlen - 4);
		say(b, pp.target, pp.in, cut, false);
		memmove(pp.in, pp.in + cut, pp.inlen - cut);
		pp.inlen -= cut;
	}
	n = read(STDIN_FILENO, pp.in + pp.inlen, sizeof(pp.in) - pp.inlen);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	pp.inlen += (size_t)n;
	return true;
}

int
pipe_run(void)
{
	if (!pipe_target(pp.target, sizeof(pp.target), opt.to, opt.join)) {
		fprintf(stderr, "natter: --pipe needs -j channel or --to target\n");
		return EXIT_USAGE;
	}
	pp.target_chan = irc_is_channel(pp.target);
	/* --to #chan without -j: said to without joining, as /msg does. */
	if (pp.target_chan && opt.join != NULL) {
		char chans[512];
		command_chans(chans, sizeof(chans), opt.join);
		bool listed = false;
		for (char *save = NULL, *c = strtok_r(chans, ",", &save);
		    c != NULL; c = strtok_r(NULL, ",", &save))
			listed |= irc_casecmp(c, pp.target) == 0;
		pp.target_chan = listed;
	} else
		pp.target_chan = false;
	signal(SIGPIPE, SIG_IGN);
	net_connect(opt.host, opt.port);
	int64_t quit_deadline = 0;
	for (;;) {
		int64_t now = time_mono_ms();
		struct buffer *b = pipe_ready();

		net_tick(now);
		session_tick(now);
		if (net_prompt() != NULL) {
			/* Nobody to ask: a certificate natter does not know
			 * is refused (trust it once on the screen, or pin it). */
			fprintf(stderr, "natter: %s: no\n", net_prompt());
			net_answer(false);
		}
		/* pipe_error has said why (handle_disconnected's line). */
		if (net_fd() < 0)
			return self.quit ? (pp.failed ? 1 : 0) : EXIT_UNAVAILABLE;
		/* A JOIN refused (banned, invite only, a key): nothing will
		 * ever be said. */
		if (pp.failed && b == NULL && self.registered)
			return 1;
		if (pp.done && !self.quit) {
			self.quit = true;
			readmark_flush();
			net_sendf("QUIT :natter");
			quit_deadline = now + PIPE_QUIT_MS;
		}
		if (quit_deadline != 0 && now >= quit_deadline)
			return pp.failed ? 1 : 0;
		if (b != NULL && pp.inlen > 0)
			pipe_say(b, pp.eof);
		if (b != NULL && pp.eof && pp.inlen == 0 && say_queued() == 0 &&
		    !pp.barrier) {
			pp.barrier = true;
			net_sendf("PING :%s", PIPE_TOKEN);
		}
		/* Read on only while the queue is short: a long file waits in
		 * the pipe, not in natter's memory. */
		bool want_in = !pp.eof && b != NULL &&
		    say_queued() < PIPE_QUEUE_MAX;
		struct pollfd fds[2] = {
			{ .fd = want_in ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = net_fd(), .events = net_events() },
		};
		int timeout = session_timeout(now);
		int nt = net_timeout(now);
		if (nt >= 0 && (timeout < 0 || nt < timeout))
			timeout = nt;
		if (quit_deadline != 0 && (timeout < 0 ||
		    quit_deadline - now < timeout))
			timeout = (int)(quit_deadline - now);
		if (poll(fds, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (fds[0].revents && !pipe_read(b))
			pp.eof = true;
		if (fds[1].revents)
			net_ready(fds[1].revents);
	}
}
