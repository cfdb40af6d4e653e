/*
 * ready.c: telling whoever started natterd that it listens. Two ways, both
 * optional: a line on a descriptor the parent gave with --ready-fd (what
 * quickstart.sh and the tests wait on, instead of probing a port that
 * another server may hold), and READY=1 to systemd's $NOTIFY_SOCKET for a
 * Type=notify unit.
 *
 * The sd_notify protocol is one datagram on a unix socket, so it is done
 * here rather than by linking libsystemd: natterd keeps building, and the
 * package keeps installing, on boxes without it.
 *
 * Before it listens, a start that takes long (history upgraded to a new
 * schema: minutes for millions of messages) asks systemd for more time,
 * so the unit's start timeout does not kill it halfway and start it again
 * forever.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "natterd.h"

#define READY_LINE_MAX 1024

static int
notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	size_t len;
	int fd;

	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	/* A path, or '@' for a name in the abstract namespace (sd_notify(3)). */
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path)) {
		log_warn("NOTIFY_SOCKET %s: not a socket path; not notifying",
		    path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		log_warn("NOTIFY_SOCKET %s: socket: %s", path, strerror(errno));
		return -1;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun,
	    offsetof(struct sockaddr_un, sun_path) + len) < 0) {
		log_warn("NOTIFY_SOCKET %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void
ready_announce(int fd, const char *addrs)
{
	char buf[READY_LINE_MAX + 64];

	if (fd >= 0) {
		int n = snprintf(buf, sizeof(buf), "listening on %s\n", addrs);
		if (n < 0 || (size_t)n >= sizeof(buf) ||
		    write(fd, buf, n) != n)
			log_warn("--ready-fd %d: %s", fd,
			    n < 0 || (size_t)n >= sizeof(buf) ?
			    "line too long" : strerror(errno));
		/* Closed, so a reader that waits for EOF instead sees it too. */
		close(fd);
	}
	snprintf(buf, sizeof(buf), "READY=1\nSTATUS=listening on %s", addrs);
	notify_systemd(buf);
}

void
ready_extend(int seconds, const char *status)
{
	char buf[READY_LINE_MAX];

	snprintf(buf, sizeof(buf), "EXTEND_TIMEOUT_USEC=%lld\nSTATUS=%s",
	    (long long)seconds * 1000000, status);
	notify_systemd(buf);
}

void
ready_stopping(void)
{
	notify_systemd("STOPPING=1");
}
