/*
 * Helpers shared by natterd and natter: logging that never garbles a
 * terminal it does not own, and allocators that never return NULL.
 */
#ifndef NATTER_UTIL_H
#define NATTER_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* log */

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Log to stderr with the program name, or to syslog when use_syslog. */
void log_init(const char *progname, enum log_level level, bool use_syslog);
/* Send log lines to path instead (natter, whose terminal is curses'), or
 * nowhere when path is NULL. */
void log_to_file(const char *path);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log with ": strerror(errno)" appended and exit 1. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Log and exit 1. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* xmalloc: abort with a logged message instead of returning NULL. */

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
int xasprintf(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copy src to dst (cap bytes, always NUL-terminated); returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t cap);
/*
 * Whether two secrets (passwords) are equal, in a time that depends on
 * their lengths only, not on where they first differ.
 */
bool str_secret_equal(const char *a, const char *b);

/*
 * htab.c: a chained hash table of entries that embed a struct hlink and
 * set its hash before htab_insert; HLINK_ENTRY gets the entry back from
 * its link.
 */

struct hlink {
	struct hlink *next;
	uint32_t hash;
};

struct htab {
	struct hlink **bucket;
	size_t cap, count;	/* count: entries in the table */
};

#define HLINK_ENTRY(l, type, field) \
	((type *)(void *)((char *)(l) - offsetof(type, field)))

/* The entry with this hash for which same(link, key) holds, or NULL. */
struct hlink *htab_find(const struct htab *tb, uint32_t hash, const char *key,
    bool (*same)(const struct hlink *l, const char *key));
void htab_insert(struct htab *tb, struct hlink *l);
/* Remove l, which is in tb. */
void htab_remove(struct htab *tb, struct hlink *l);
/* Every entry: take htab_next before removing the current one. */
struct hlink *htab_first(const struct htab *tb);
struct hlink *htab_next(const struct htab *tb, const struct hlink *l);
/* Free the buckets (not the entries); tb is empty again. */
void htab_free(struct htab *tb);

#endif
