/*
 * fsync-shim: an LD_PRELOAD library around fsync(2) and fdatasync(2), for
 * natterd's storage tests and make bench. It acts only on files under
 * $SHIM_DIR (every file when unset), and does what the environment asks:
 *
 *   SHIM_DURABLE=1   copy the file to FILE.durable at each sync: what is
 *                    in the .durable copies is what a power cut at that
 *                    moment would leave on disk (tests/check_chathistory's
 *                    power cut puts them in place after a kill -9);
 *   SHIM_GATE=path   a sync waits while path exists (a disk that stalls
 *                    until the test says so);
 *   SHIM_DELAY_US=n  a sync takes n microseconds longer (a slow SD card,
 *                    as strace -e inject=fsync:delay_enter would).
 *
 * Directories are passed through untouched.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);

/* Whether fd is a regular file under $SHIM_DIR; its path into buf. */
static int
shim_wanted(int fd, char *buf, size_t cap)
{
	char link[64];
	struct stat sb;
	const char *dir = getenv("SHIM_DIR");

	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, cap - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return dir == NULL || strncmp(buf, dir, strlen(dir)) == 0;
}

/* Copy the file's whole content, as of now, to path.durable. */
static void
shim_snapshot(int fd, const char *path)
{
	char dst[PATH_MAX + 16], tmp[PATH_MAX + 16], buf[65536];
	off_t off = 0;
	ssize_t n;

	snprintf(dst, sizeof(dst), "%s.durable", path);
	snprintf(tmp, sizeof(tmp), "%s.durable-new", path);
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out == -1)
		return;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		if (write(out, buf, n) != n)
			break;
		off += n;
	}
	close(out);
	rename(tmp, dst);
}

static void
shim_before(int fd)
{
	char path[PATH_MAX];
	const char *gate = getenv("SHIM_GATE");
	const char *delay = getenv("SHIM_DELAY_US");

	if (!shim_wanted(fd, path, sizeof(path)))
		return;
	while (gate != NULL && access(gate, F_OK) == 0) {
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	if (delay != NULL) {
		long us = atol(delay);
		struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
		nanosleep(&ts, NULL);
	}
	if (getenv("SHIM_DURABLE") != NULL)
		shim_snapshot(fd, path);
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	shim_before(fd);
	return real(fd);
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	shim_before(fd);
	return real(fd);
}
