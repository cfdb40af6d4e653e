/*
 * testlib: what the harness, stress_natterd and the bench programs
 * (natter-bench, natter-null) share: a growable byte string and what
 * /proc says about another process. No Check in here, so the bench
 * programs link it too; allocation failures end the program (xrealloc).
 */
#ifndef NATTER_TESTLIB_H
#define NATTER_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

/* sb: a growable byte string, appended at the end and consumed from the
 * front; p stays NUL-terminated once anything was added. Zeroed is
 * empty. */
struct sb {
	char *p;
	size_t len, cap;
};

/* Append n bytes of data. */
void sb_add(struct sb *b, const void *data, size_t n);
/* Append a string without its NUL. */
void sb_str(struct sb *b, const char *s);
/* Append formatted text, however long. */
void sb_printf(struct sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct sb *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* n copies of ch. */
void sb_fill(struct sb *b, char ch, size_t n);
/* Drop the first n bytes (all when n >= len): what was sent. */
void sb_drop(struct sb *b, size_t n);
/* Release the memory; b is empty again. */
void sb_free(struct sb *b);

/* proc: another process, by pid; -1 when /proc cannot say. */

/* Resident set size in KiB (VmRSS). */
long proc_rss_kib(pid_t pid);
/* Open file descriptors. */
int proc_fd_count(pid_t pid);

#endif
