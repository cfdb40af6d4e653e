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

int
logfile_write(struct logfile *l, const char *dir, const char *buffer,
    int64_t time_ms, const char *kind, const char *text)
{
	char day[16];
	char path[LOGFILE_NAME_MAX];
	char line[IRC_BODY_MAX * 2];
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
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0600);
		if (fd < 0)
			return -1;
		if ((l->fp = fdopen(fd, "a")) == NULL) {
			close(fd);
			return -1;
		}
		l->buffer = xstrdup(buffer);
		str_copy(l->day, day, sizeof(l->day));
	}
	size_t n = logfile_line(line, sizeof(line), time_ms, kind, text);
	/* One flush per line: what was on screen is in the log if we die. */
	if (fwrite(line, 1, n, l->fp) != n || fflush(l->fp) != 0)
		return -1;
	return 0;
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

void
logfile_add(struct buffer *b, const struct line *l)
{
	char kind[IRC_NICK_MAX + 4];

	if (opt.log_dir == NULL || b->kind == BUFFER_LIST)
		return;
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
