/* logfile.c: --log-dir, plain-text logs a person can grep. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "natter.h"

static struct tm *
logfile_tm(int64_t time_ms, struct tm *tm)
{
	time_t t = (time_t)(time_ms / 1000);

	return localtime_r(&t, tm);
}

size_t
logfile_path(char *buf, size_t cap, const char *dir, const char *buffer,
    int64_t time_ms)
{
	char name[IRC_CHAN_MAX * 2 + 1];
	char day[16];
	struct tm tm;

	irc_casefold(name, buffer, sizeof(name));
	/* A buffer name comes from the network: never let it leave dir. */
	for (char *p = name; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f ||
		    (p == name && *p == '.'))
			*p = '_';
	if (name[0] == '\0')
		str_copy(name, "_", sizeof(name));
	strftime(day, sizeof(day), "%Y-%m-%d", logfile_tm(time_ms, &tm));
	int n = snprintf(buf, cap, "%s/%s-%s.log", dir, name, day);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t
logfile_line(char *buf, size_t cap, int64_t time_ms, const char *kind,
    const char *text)
{
	char stamp[16];
	struct tm tm;
	size_t n;

	strftime(stamp, sizeof(stamp), "%H:%M:%S", logfile_tm(time_ms, &tm));
	int k = snprintf(buf, cap, "[%s] %s%s", stamp, kind,
	    kind[0] != '\0' ? " " : "");
	if (k < 0 || (size_t)k >= cap)
		return 0;
	n = (size_t)k;
	n += mirc_strip(buf + n, cap - n, text);
	/* The nick and the text are the server's; a log is read with cat
	 * and less, so no control of theirs may reach a terminal that way. */
	n = utf_clean(buf, cap, buf, n);
	if (n + 2 > cap)
		n = cap - 2;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

/* FNV-1a over a log line without its newline. */
static uint64_t
logfile_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n && s[i] != '\n'; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* "[HH:MM:SS] ..." as seconds of the day, or -1. */
static long
logfile_sod(const char *s, size_t n)
{
	if (n < 10 || s[0] != '[' || s[3] != ':' || s[6] != ':' || s[9] != ']')
		return -1;
	for (size_t i = 1; i < 9; i++)
		if (i != 3 && i != 6 && (s[i] < '0' || s[i] > '9'))
			return -1;
	return ((s[1] - '0') * 10 + (s[2] - '0')) * 3600 +
	    ((s[4] - '0') * 10 + (s[5] - '0')) * 60 +
	    (s[7] - '0') * 10 + (s[8] - '0');
}

/* What the file already ends with: its last line's second, and the
 * lines stamped with it, which a replay may bring again. */
static void
logfile_read_tail(struct logfile *l, int fd)
{
	static char buf[LOGFILE_TAIL_BYTES];
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
	ssize_t n = end > 0 ? pread(fd, buf, (size_t)(end - from), from) : 0;
	size_t start = 0;

	l->last_sod = -1;
	l->ntail = 0;
	if (n <= 0)
		return;
	/* A tail read from the middle of the file starts mid-line. */
	if (from > 0) {
		const char *nl = memchr(buf, '\n', (size_t)n);
		if (nl == NULL)
			return;
		start = (size_t)(nl - buf) + 1;
	}
	for (size_t i = start; i < (size_t)n;) {
		const char *nl = memchr(buf + i, '\n', (size_t)n - i);
		size_t len = nl != NULL ? (size_t)(nl - (buf + i)) : (size_t)n - i;
		long sod = logfile_sod(buf + i, len);
		if (sod >= 0 && sod != l->last_sod) {
			l->last_sod = sod;
			l->ntail = 0;
		}
		if (sod >= 0 && l->ntail < LOGFILE_TAIL_MAX)
			l->tail[l->ntail++] = logfile_hash(buf + i, len);
		i += len + 1;
	}
}

/* Should this line (n bytes) be written after what the file holds? */
static bool
logfile_wanted(struct logfile *l, const char *line, size_t n)
{
	long sod = logfile_sod(line, n);

	if (sod < l->last_sod)
		return false;
	if (sod == l->last_sod) {
		uint64_t h = logfile_hash(line, n);
		for (size_t i = 0; i < l->ntail; i++)
			if (l->tail[i] == h) {
				/* Each line of the file matches one repeat. */
				l->tail[i] = l->tail[--l->ntail];
				return false;
			}
		return true;
	}
	/* A later second: the file's tail can no longer come again. */
	l->last_sod = sod;
	l->ntail = 0;
	return true;
}

int
logfile_write(struct logfile *l, const char *dir, const char *buffer,
    int64_t time_ms, const char *kind, const char *text)
{
	char day[16];
	char path[LOGFILE_NAME_MAX];
	/* Static: a whole line of text twice is too much for a stack. */
	static char part[LINE_TEXT_MAX + 1];
	static char line[LOGFILE_LINE_MAX];
	struct tm tm;

	strftime(day, sizeof(day), "%Y-%m-%d", logfile_tm(time_ms, &tm));
	if (l->fp == NULL || strcmp(l->day, day) != 0 || l->buffer == NULL ||
	    irc_casecmp(l->buffer, buffer) != 0) {
		logfile_close(l);
		if (logfile_path(path, sizeof(path), dir, buffer, time_ms) == 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		/* Conversations are private: 0600, whatever the umask. */
		int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
		    0600);
		if (fd < 0)
			return -1;
		logfile_read_tail(l, fd);
		if ((l->fp = fdopen(fd, "a")) == NULL) {
			close(fd);
			return -1;
		}
		l->buffer = xstrdup(buffer);
		str_copy(l->day, day, sizeof(l->day));
	}
	/* A multiline message is a log line per line, each with its time
	 * and kind, so grep finds any of them with who said it. */
	int ret = 1;
	for (;;) {
		const char *nl = strchr(text, '\n');
		size_t k = nl != NULL ? (size_t)(nl - text) : strlen(text);

		if (k > LINE_TEXT_MAX)
			k = utf8_truncate(text, k, LINE_TEXT_MAX);
		memcpy(part, text, k);
		part[k] = '\0';
		size_t n = logfile_line(line, sizeof(line), time_ms, kind, part);
		if (logfile_wanted(l, line, n)) {
			/* One flush per line: what was on screen is in the
			 * log if we die. */
			if (fwrite(line, 1, n, l->fp) != n || fflush(l->fp) != 0)
				return -1;
			ret = 0;
		}
		if (nl == NULL)
			return ret;
		text = nl + 1;
	}
}

void
logfile_close(struct logfile *l)
{
	if (l->fp != NULL)
		fclose(l->fp);
	l->fp = NULL;
	free(l->buffer);
	l->buffer = NULL;
	l->day[0] = '\0';
}

/* Log one line of b. */
static void
logfile_add(struct buffer *b, const struct line *l)
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
	if (logfile_write(&b->log, opt.log_dir, b->name, l->time, kind,
	    LINE_TEXT(l)) < 0 && b->log.fp == NULL) {
		/* Say it once per buffer, not once per line. */
		static char warned[IRC_CHAN_MAX + 1];
		if (strcmp(warned, b->name) != 0) {
			str_copy(warned, b->name, sizeof(warned));
			log_warn("cannot write the log of %s in %s", b->name,
			    opt.log_dir);
		}
	}
}

void
logfile_flush(struct buffer *b)
{
	/* The list buffer is a view of LIST's answer, not talk; search
	 * results are copies of lines logged where they were said. */
	if (opt.log_dir == NULL || b->kind == BUFFER_LIST ||
	    b->kind == BUFFER_SEARCH || b->hist.out)
		return;
	uint64_t oldest = b->seq - b->count;

	if (b->log.next_seq < oldest)
		b->log.next_seq = oldest;
	for (; b->log.next_seq < b->seq; b->log.next_seq++) {
		struct line *l = b->lines[(b->first + (b->log.next_seq -
		    oldest)) % b->cap];
		/* Done already: a merge may send the log back over lines it
		 * has written. */
		if (l->flags & LINE_LOGGED)
			continue;
		l->flags |= LINE_LOGGED;
		/* Day lines and gap marks are the screen's, not the talk's;
		 * notes are the server buffer's. */
		if (l->kind == LINE_DAY || l->kind == LINE_GAP ||
		    (b->kind != BUFFER_SERVER &&
		    (l->kind == LINE_INFO || l->kind == LINE_ERROR)))
			continue;
		logfile_add(b, l);
	}
}
