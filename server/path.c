/*
 * path.c: where natterd keeps its files: the XDG state directory, and
 * making the directories a file goes in.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "natterd.h"

const char *
path_default_db(void)
{
	static char path[PATH_MAX];
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;

	/* XDG base directories: a relative value is to be ignored. */
	if (state != NULL && state[0] == '/')
		n = snprintf(path, sizeof(path), "%s/natterd/history.db",
		    state);
	else if (home != NULL && home[0] == '/')
		n = snprintf(path, sizeof(path),
		    "%s/.local/state/natterd/history.db", home);
	else
		return NULL;
	return n > 0 && (size_t)n < sizeof(path) ? path : NULL;
}

int
path_mkdirs(const char *path, char *err, size_t errcap)
{
	char dir[PATH_MAX];

	if (str_copy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		snprintf(err, errcap, "path too long");
		return -1;
	}
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		/* 0700: the directory holds private messages. */
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errcap, "cannot create directory %s: %s",
			    dir, strerror(errno));
			return -1;
		}
		if (c == '\0')
			break;
		*p = c;
	}
	return 0;
}

bool
path_beside_db(char *buf, size_t cap, const char *db, const char *name)
{
	if (db == NULL || strcmp(db, "none") == 0)
		db = path_default_db();
	if (db == NULL)
		return false;
	const char *slash = strrchr(db, '/');
	int n = slash == NULL ? snprintf(buf, cap, "%s", name) :
	    snprintf(buf, cap, "%.*s/%s", (int)(slash - db), db, name);
	return n > 0 && (size_t)n < cap;
}
