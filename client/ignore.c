/*
 * ignore.c: /ignore. A mask nick!user@host with * and ? (a bare nick is
 * nick!*@*) hides what its matches say: messages, notices, CTCP and
 * invites, live and in history alike since both come through handle.c;
 * with -all their joins, parts, quits and nick changes too, while the
 * nick list still follows them. The list is kept in $XDG_DATA_HOME/
 * natter/ignore ("mask [all]" lines, editable by hand), rewritten
 * whole on each change, so it survives restarts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natter.h"

struct ignores ignores;
static char ignore_file[4096];	/* "" when there is no home for it */

int
ignore_add(struct ignores *l, const char *mask, unsigned what)
{
	char full[IGNORE_MASK_MAX + 1];

	if (mask[0] == '\0' || strpbrk(mask, " \t\r\n") != NULL ||
	    irc_mask_normalize(full, sizeof(full), mask) == 0)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (irc_casecmp(l->list[i].mask, full) == 0) {
			l->list[i].what = what;
			return (int)i;
		}
	if (l->n == IGNORE_MAX)
		return -1;
	str_copy(l->list[l->n].mask, full, sizeof(l->list[l->n].mask));
	l->list[l->n].what = what;
	return (int)l->n++;
}

bool
ignore_remove(struct ignores *l, const char *which, struct ignore *gone)
{
	char full[IGNORE_MASK_MAX + 1];
	char *end;
	long n = strtol(which, &end, 10);
	size_t i;

	if (which[0] >= '0' && which[0] <= '9' && *end == '\0') {
		if (n < 1 || (size_t)n > l->n)
			return false;
		i = (size_t)n - 1;
	} else {
		if (irc_mask_normalize(full, sizeof(full), which) == 0)
			return false;
		for (i = 0; i < l->n; i++)
			if (irc_casecmp(l->list[i].mask, full) == 0)
				break;
		if (i == l->n)
			return false;
	}
	if (gone != NULL)
		*gone = l->list[i];
	memmove(&l->list[i], &l->list[i + 1], (l->n - i - 1) * sizeof(l->list[0]));
	l->n--;
	return true;
}

bool
ignore_matches(const struct ignores *l, const char *nick, const char *uh,
    unsigned what)
{
	char full[IGNORE_MASK_MAX + 1];

	/* The server's own lines have no user@host: never hidden. */
	if (l->n == 0 || nick[0] == '\0' || uh[0] == '\0')
		return false;
	if (snprintf(full, sizeof(full), "%s!%s", nick, uh) >= (int)sizeof(full))
		return false;
	for (size_t i = 0; i < l->n; i++)
		if ((l->list[i].what & what) != 0 &&
		    irc_match(l->list[i].mask, full))
			return true;
	return false;
}

void
ignore_read(struct ignores *l, FILE *fp)
{
	char line[IGNORE_MASK_MAX + 64];

	while (fgets(line, sizeof(line), fp) != NULL) {
		char *save = NULL, *mask, *flag;
		mask = strtok_r(line, " \t\r\n", &save);
		if (mask == NULL || mask[0] == '#')
			continue;
		flag = strtok_r(NULL, " \t\r\n", &save);
		ignore_add(l, mask, flag != NULL && strcmp(flag, "all") == 0 ?
		    IGNORE_ALL : IGNORE_MSGS);
	}
}

bool
ignore_write(const struct ignores *l, const char *path, char *err, size_t cap)
{
	char tmp[sizeof(ignore_file) + 8];
	FILE *fp;

	if (!data_dir_make(path, err, cap))
		return false;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((fp = fopen(tmp, "w")) == NULL) {
		snprintf(err, cap, "%s: %s", tmp, strerror(errno));
		return false;
	}
	fprintf(fp, "# natter's /ignore list: a mask a line, \"all\" after "
	    "it for joins and parts too\n");
	for (size_t i = 0; i < l->n; i++)
		fprintf(fp, "%s%s\n", l->list[i].mask,
		    l->list[i].what & IGNORE_EVENTS ? " all" : "");
	/* Written whole, then renamed: a crash leaves the old list. */
	if (fflush(fp) != 0 || ferror(fp) || fclose(fp) != 0) {
		snprintf(err, cap, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return false;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

void
ignore_init(const char *xdg, const char *home)
{
	FILE *fp;

	ignores.n = 0;
	if (!data_path(ignore_file, sizeof(ignore_file), xdg, home, "ignore")) {
		ignore_file[0] = '\0';
		return;
	}
	if ((fp = fopen(ignore_file, "r")) != NULL) {
		ignore_read(&ignores, fp);
		fclose(fp);
	}
}

bool
ignore_hides(const char *nick, const char *uh, unsigned what)
{
	return ignore_matches(&ignores, nick, uh, what);
}

static void
ignore_save(struct buffer *b)
{
	char err[512];

	if (ignore_file[0] == '\0')
		buffer_addf(b, LINE_ERROR, "No $HOME or $XDG_DATA_HOME: the "
		    "ignore list lasts until natter quits");
	else if (!ignore_write(&ignores, ignore_file, err, sizeof(err)))
		buffer_addf(b, LINE_ERROR, "Not saved: %s", err);
}

/* "/ignore" lists; "/ignore [-all] nick|mask" adds. */
void
ignore_cmd(struct buffer *b, char *args)
{
	unsigned what = IGNORE_MSGS;
	char *mask;
	int i;

	if (args[0] == '\0') {
		if (ignores.n == 0)
			buffer_addf(b, LINE_INFO, "Ignoring no one");
		for (size_t k = 0; k < ignores.n; k++)
			buffer_addf(b, LINE_INFO, "Ignoring %zu: %s%s", k + 1,
			    ignores.list[k].mask, ignores.list[k].what &
			    IGNORE_EVENTS ? " (all, joins and parts too)" : "");
		return;
	}
	mask = strtok(args, " ");
	if (strcmp(mask, "-all") == 0) {
		what = IGNORE_ALL;
		mask = strtok(NULL, " ");
	}
	if (mask == NULL) {
		buffer_addf(b, LINE_ERROR, "Usage: /ignore [-all] nick|mask");
		return;
	}
	if ((i = ignore_add(&ignores, mask, what)) < 0) {
		if (ignores.n == IGNORE_MAX)
			buffer_addf(b, LINE_ERROR, "The ignore list is full "
			    "(%d masks)", IGNORE_MAX);
		else
			buffer_addf(b, LINE_ERROR, "Not a mask: %s", mask);
		return;
	}
	buffer_addf(b, LINE_INFO, "Ignoring %s%s", ignores.list[i].mask,
	    what & IGNORE_EVENTS ? " (all, joins and parts too)" : "");
	ignore_save(b);
}

/* "/unignore mask|number". */
void
unignore_cmd(struct buffer *b, char *args)
{
	char *which = strtok(args, " ");
	struct ignore gone;

	if (which == NULL || !ignore_remove(&ignores, which, &gone)) {
		buffer_addf(b, LINE_ERROR, "Not ignored: %s (/ignore lists)",
		    which != NULL ? which : "");
		return;
	}
	buffer_addf(b, LINE_INFO, "No longer ignoring %s", gone.mask);
	ignore_save(b);
}
