/* Logging for both programs: stderr, syslog, or a file for the client. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "util.h"

static const char *log_name = "natter";
static enum log_level log_level = LOG_LEVEL_INFO;
static bool log_syslog;
static FILE *log_file;
static bool log_quiet;	/* log_to_file(NULL): drop everything */

void
log_init(const char *progname, enum log_level level, bool use_syslog)
{
	log_name = progname;
	log_level = level;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_to_file(const char *path)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	log_quiet = path == NULL;
	if (path != NULL && (log_file = fopen(path, "a")) != NULL)
		setvbuf(log_file, NULL, _IOLBF, 0);
	else
		log_quiet = true;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

static void
log_vwrite(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *label[] = { "error", "warning", "info", "debug" };
	char msg[1024];

	if (level > log_level || (log_quiet && log_file == NULL))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));
	}
	if (log_syslog) {
		syslog(prio[level], "%s", msg);
		return;
	}
	FILE *out = log_file != NULL ? log_file : stderr;
	if (log_file != NULL) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S",
		    localtime_r(&now, &tm));
		fprintf(out, "%s %s: %s\n", stamp, label[level], msg);
	} else if (level == LOG_LEVEL_INFO)
		fprintf(out, "%s: %s\n", log_name, msg);
	else
		fprintf(out, "%s: %s: %s\n", log_name, label[level], msg);
}

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
	va_start(ap, fmt);					\
	log_vwrite(level, 0, fmt, ap);				\
	va_end(ap);						\
}

LOG_FN(log_error, LOG_LEVEL_ERROR)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)

void
fatal(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, errnum, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
