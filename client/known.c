/*
 * known.c: known_servers, the certificates trusted on first use. The file
 * is meant to be read and edited by hand (a changed certificate is fixed
 * by deleting its line), so it is plain "host port fingerprint" lines in
 * the fingerprint's one spelling (common/fingerprint.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "natter.h"

bool
data_path(char *buf, size_t cap, const char *xdg, const char *home,
    const char *name)
{
	int n;

	/* XDG Base Directory: a relative $XDG_DATA_HOME is to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, cap, "%s/natter/%s", xdg, name);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(buf, cap, "%s/.local/share/natter/%s", home, name);
	else
		return false;
	return n > 0 && (size_t)n < cap;
}

bool
data_dir_make(const char *path, char *err, size_t cap)
{
	char dir[4096];

	if (str_copy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		snprintf(err, cap, "%s: path too long", path);
		return false;
	}
	for (char *s = strchr(dir + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			snprintf(err, cap, "%s: %s", dir, strerror(errno));
			return false;
		}
		*s = '/';
	}
	return true;
}

bool
known_path(char *buf, size_t cap, const char *xdg, const char *home)
{
	return data_path(buf, cap, xdg, home, "known_servers");
}

enum known_match
known_find(FILE *fp, const char *host, const char *port,
    const unsigned char *digest, unsigned *line,
    unsigned char old[FINGERPRINT_LEN])
{
	char buf[KNOWN_LINE_MAX];
	enum known_match m = KNOWN_NONE;
	unsigned lineno = 0;

	while (fgets(buf, sizeof(buf), fp) != NULL) {
		unsigned char d[FINGERPRINT_LEN];
		char *save = NULL, *h, *p, *f;

		lineno++;
		h = strtok_r(buf, " \t\r\n", &save);
		if (h == NULL || h[0] == '#')
			continue;
		p = strtok_r(NULL, " \t\r\n", &save);
		f = strtok_r(NULL, " \t\r\n", &save);
		/* Host names are case-insensitive (RFC 4343); a line that is
		 * not three words or has no fingerprint is not a match. */
		if (p == NULL || f == NULL || strcasecmp(h, host) != 0 ||
		    strcmp(p, port) != 0 || !fingerprint_parse(f, d))
			continue;
		if (memcmp(d, digest, FINGERPRINT_LEN) == 0)
			return KNOWN_SAME;
		if (m == KNOWN_NONE) {
			m = KNOWN_CHANGED;
			*line = lineno;
			memcpy(old, d, FINGERPRINT_LEN);
		}
	}
	return m;
}

bool
known_add(const char *path, const char *host, const char *port,
    const unsigned char *digest, char *err, size_t cap)
{
	char fp[FINGERPRINT_STR_MAX], line[KNOWN_LINE_MAX];
	int fd, n;

	if (!data_dir_make(path, err, cap))
		return false;
	fingerprint_format(fp, sizeof(fp), digest);
	n = snprintf(line, sizeof(line), "%s %s %s\n", host, port, fp);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		snprintf(err, cap, "%s: host name too long", path);
		return false;
	}
	/* O_APPEND: two natters trusting at once each add a whole line. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return false;
	}
	if (write(fd, line, (size_t)n) != n) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	if (close(fd) < 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return false;
	}
	return true;
}
