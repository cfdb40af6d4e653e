/*
 * history.c: durable history. PLACEHOLDER until the SQLite store lands:
 * keeps nothing. The history helper owns and replaces this file.
 */
#include <string.h>

#include "natterd.h"

int
hist_open(const char *path, char *err, size_t errcap)
{
	(void)path;
	if (errcap > 0)
		err[0] = '\0';
	return 0;
}

void
hist_close(void)
{
}

void
hist_add(const struct hist_msg *m)
{
	(void)m;
}

void
hist_commit(void)
{
}

void
hist_set_retention(int days, int max_per_target)
{
	(void)days;
	(void)max_per_target;
}

bool
hist_prune(void)
{
	return false;
}
