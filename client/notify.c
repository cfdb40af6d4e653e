/*
 * notify.c: desktop notifications for a highlight or a private message
 * while the terminal is not in front. The terminal is asked for focus
 * reports (CSI ? 1004 h); keys.c decodes CSI I and CSI O. A notification
 * is an OSC the terminal turns into a desktop notification, and/or a
 * program run with the title and the text as two arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "natter.h"

#define ESC "\033"
#define ST ESC "\\"

static struct {
	enum notify_mode mode;
	const char *cmd;	/* --notify-cmd, or NULL */
	int fd;			/* the terminal; -1 before notify_init */
	bool tmux;		/* wrap the OSC for tmux's passthrough */
	enum notify_focus focus;
	int64_t ready_ms;	/* the bucket is full again at this time */
} nt = { .mode = NOTIFY_OSC777, .fd = -1 };

/* Names for --notify, in enum notify_mode's order. */
static const char *const mode_names[] = { "osc777", "osc9", "none" };

bool
notify_mode_parse(const char *s, enum notify_mode *mode)
{
	for (size_t i = 0; i < nitems(mode_names); i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*mode = (enum notify_mode)i;
			return true;
		}
	return false;
}

/* Append s to out[*n..cap), keeping room for the NUL; false when cut. */
static bool
put(char *out, size_t cap, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (*n + len + 1 > cap)
		return false;
	memcpy(out + *n, s, len + 1);
	*n += len;
	return true;
}

/* Text fit for an OSC parameter: no formatting codes, no controls
 * (ESC or BEL would end the sequence early and let a sender write its
 * own escapes), and, for a field that is not the last, no ';'. */
static void
osc_text(char *out, size_t cap, const char *s, bool field)
{
	size_t n = mirc_strip(out, cap, s);

	utf_clean(out, cap, out, n);
	if (field)
		for (char *p = out; (p = strchr(p, ';')) != NULL; p++)
			*p = ',';
}

size_t
notify_osc(char *out, size_t cap, enum notify_mode mode, bool tmux,
    const char *title, const char *body)
{
	char t[NOTIFY_TEXT_MAX], b[NOTIFY_TEXT_MAX], seq[NOTIFY_SEQ_MAX];
	size_t n = 0, k = 0;

	if (cap == 0 || mode == NOTIFY_NONE)
		return 0;
	osc_text(t, sizeof(t), title, true);
	osc_text(b, sizeof(b), body, false);
	/* OSC 777 (urxvt, VTE, foot, WezTerm, Ghostty) has a title; OSC 9
	 * (iTerm2, kitty, WezTerm, Windows Terminal) one text only. */
	if (mode == NOTIFY_OSC777) {
		if (!put(seq, sizeof(seq), &n, ESC "]777;notify;") ||
		    !put(seq, sizeof(seq), &n, t) ||
		    !put(seq, sizeof(seq), &n, ";"))
			return out[0] = '\0', 0;
	} else if (!put(seq, sizeof(seq), &n, ESC "]9;") ||
	    !put(seq, sizeof(seq), &n, t) || !put(seq, sizeof(seq), &n, ": "))
		return out[0] = '\0', 0;
	if (!put(seq, sizeof(seq), &n, b) || !put(seq, sizeof(seq), &n, ST))
		return out[0] = '\0', 0;
	if (!tmux) {
		if (n + 1 > cap)
			return out[0] = '\0', 0;
		memcpy(out, seq, n + 1);
		return n;
	}
	/* tmux hands a DCS "tmux;" sequence's body to the outer terminal,
	 * with each ESC in it doubled, when allow-passthrough is on. */
	out[0] = '\0';
	if (!put(out, cap, &k, ESC "Ptmux;"))
		return out[0] = '\0', 0;
	for (size_t i = 0; i < n; i++) {
		char c[3] = { seq[i], seq[i], '\0' };
		if (seq[i] != '\033')
			c[1] = '\0';
		if (!put(out, cap, &k, c))
			return out[0] = '\0', 0;
	}
	if (!put(out, cap, &k, ST))
		return out[0] = '\0', 0;
	return k;
}

void
notify_init(enum notify_mode mode, const char *cmd, int fd, bool tmux)
{
	nt.mode = mode;
	nt.cmd = cmd;
	nt.fd = fd;
	nt.tmux = tmux;
	nt.focus = NOTIFY_FOCUS_UNKNOWN;
	nt.ready_ms = 0;
}

bool
notify_enabled(void)
{
	return nt.fd >= 0 && (nt.mode != NOTIFY_NONE || nt.cmd != NULL);
}

void
notify_focus(bool in)
{
	nt.focus = in ? NOTIFY_FOCUS_IN : NOTIFY_FOCUS_OUT;
}

enum notify_focus
notify_focus_state(void)
{
	return nt.focus;
}

/* The token bucket: NOTIFY_BURST at once, then one per interval. A
 * flood of private messages is a few notifications, not a storm of
 * them or of processes. */
static bool
notify_take(int64_t now)
{
	int64_t full = (int64_t)(NOTIFY_BURST - 1) * NOTIFY_INTERVAL_MS;

	if (nt.ready_ms - now > full)
		return false;
	if (nt.ready_ms < now)
		nt.ready_ms = now;
	nt.ready_ms += NOTIFY_INTERVAL_MS;
	return true;
}

void
notify_run(const char *cmd, const char *title, const char *body)
{
	char t[NOTIFY_TEXT_MAX], b[NOTIFY_TEXT_MAX];
	pid_t pid;

	osc_text(t, sizeof(t), title, false);
	osc_text(b, sizeof(b), body, false);
	/* Twice forked, so the program is init's child and natter has no
	 * zombie to reap; never a shell, so the text is only ever text. */
	if ((pid = fork()) < 0) {
		log_warn("notify: fork");
		return;
	}
	if (pid == 0) {
		if (fork() != 0)
			_exit(0);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		closefrom(STDERR_FILENO + 1);
		signal(SIGPIPE, SIG_DFL);
		execlp(cmd, cmd, t, b, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		continue;
}

bool
notify_message(const struct buffer *b, const char *nick, const char *text,
    int64_t now)
{
	char title[NOTIFY_TEXT_MAX], seq[NOTIFY_SEQ_MAX * 2];
	size_t n;

	/* Without focus reports (a terminal that has none, tmux without
	 * focus-events) natter cannot tell, and notifies every time, as
	 * the bell rings every time. */
	if (!notify_enabled() || nt.focus == NOTIFY_FOCUS_IN)
		return false;
	if (!notify_take(now))
		return false;
	if (b->kind == BUFFER_QUERY)
		snprintf(title, sizeof(title), "%s", nick);
	else
		snprintf(title, sizeof(title), "%s in %s", nick, b->name);
	n = notify_osc(seq, sizeof(seq), nt.mode, nt.tmux, title, text);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(nt.fd, seq + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (nt.cmd != NULL)
		notify_run(nt.cmd, title, text);
	return true;
}
