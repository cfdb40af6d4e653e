/*
 * natter-null: the least an IRC relay can do, as make bench's floor.
 *
 * It speaks just enough IRC for natter-bench's workloads (registration
 * ends at once with 376, JOIN answers 366, PING gets its PONG, PRIVMSG
 * goes to a channel's other members or to one nick) and checks nothing:
 * no tags, no server-time, no history, no flood control, no limits. Its
 * loop has natterd's shape (poll, read every ready socket, then one
 * write(2) per connection with output), so what it costs per delivery is
 * about what the kernel's loopback TCP costs on the machine, and natterd's
 * figures minus these are natterd's own work. A benchmark tool only: it
 * trusts its peers and listens on 127.0.0.1 alone.
 *
 * usage: natter-null port
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testlib.h"
#include "util.h"

#define LINE_MAX_ 1024
#define NICK_MAX 32

struct peer {
	int fd;
	bool joined, dirty;
	char nick[NICK_MAX];
	char in[LINE_MAX_];	/* a partial line */
	size_t inlen;
	struct sb out;		/* written at the end of the pass */
};

static struct pollfd *pfds;	/* [0] is the listener */
static struct peer *peers;	/* peers[i] goes with pfds[i] */
static size_t npeer, cappeer;
static size_t *dirty;		/* peers with output, once each */
static size_t ndirty;

/* Put peer i on this pass's flush list, once. */
static void
mark_dirty(size_t i)
{
	if (!peers[i].dirty) {
		peers[i].dirty = true;
		dirty[ndirty++] = i;
	}
}

static void
queue(size_t i, const char *s, size_t n)
{
	sb_add(&peers[i].out, s, n);
	mark_dirty(i);
}

static void
reply(size_t i, const char *s)
{
	queue(i, s, strlen(s));
}

static void
drop(size_t i)
{
	close(peers[i].fd);
	peers[i].fd = -1;
	pfds[i].fd = -1;
	peers[i].joined = false;
	peers[i].nick[0] = '\0';
}

static void
on_line(size_t i, char *line)
{
	struct peer *p = &peers[i];
	char buf[LINE_MAX_ + NICK_MAX + 16];
	char *sp = strchr(line, ' '), *arg = sp != NULL ? sp + 1 : "";

	if (sp != NULL)
		*sp = '\0';
	if (strcmp(line, "NICK") == 0) {
		str_copy(p->nick, arg, sizeof(p->nick));
	} else if (strcmp(line, "USER") == 0) {
		snprintf(buf, sizeof(buf), ":null 376 %s :End\r\n", p->nick);
		reply(i, buf);
	} else if (strcmp(line, "JOIN") == 0) {
		p->joined = true;
		snprintf(buf, sizeof(buf), ":null 366 %s %s :End\r\n", p->nick,
		    arg);
		reply(i, buf);
	} else if (strcmp(line, "PING") == 0) {
		snprintf(buf, sizeof(buf), ":null PONG null %s\r\n", arg);
		reply(i, buf);
	} else if (strcmp(line, "PRIVMSG") == 0) {
		char *target = arg, *end = strchr(arg, ' ');
		if (end == NULL)
			return;
		*end = '\0';
		int n = snprintf(buf, sizeof(buf), ":%s PRIVMSG %s %s\r\n",
		    p->nick, target, end + 1);
		if (n <= 0 || (size_t)n >= sizeof(buf))
			return;
		for (size_t k = 1; k < npeer; k++) {
			if (peers[k].fd < 0 || k == i)
				continue;
			if (target[0] == '#' ? peers[k].joined :
			    strcmp(peers[k].nick, target) == 0)
				queue(k, buf, (size_t)n);
		}
	}
}

static void
on_read(size_t i)
{
	struct peer *p = &peers[i];
	char buf[65536];
	ssize_t n = read(p->fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop(i);
		return;
	}
	for (ssize_t k = 0; k < n; k++) {
		if (buf[k] == '\n') {
			if (p->inlen > 0 && p->in[p->inlen - 1] == '\r')
				p->inlen--;
			p->in[p->inlen] = '\0';
			on_line(i, p->in);
			p->inlen = 0;
		} else if (p->inlen + 1 < sizeof(p->in))
			p->in[p->inlen++] = buf[k];
	}
}

static void
on_accept(int lfd)
{
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (npeer == cappeer) {
			cappeer *= 2;
			pfds = xreallocarray(pfds, cappeer, sizeof(*pfds));
			peers = xreallocarray(peers, cappeer, sizeof(*peers));
			dirty = xreallocarray(dirty, cappeer, sizeof(*dirty));
		}
		memset(&peers[npeer], 0, sizeof(peers[npeer]));
		peers[npeer].fd = fd;
		pfds[npeer].fd = fd;
		pfds[npeer].events = POLLIN;
		npeer++;
	}
}

static void
flush(void)
{
	for (size_t d = 0; d < ndirty; d++) {
		struct peer *p = &peers[dirty[d]];
		p->dirty = false;
		if (p->fd < 0) {
			sb_drop(&p->out, p->out.len);
			continue;
		}
		ssize_t n = write(p->fd, p->out.p, p->out.len);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			drop(dirty[d]);
			n = (ssize_t)p->out.len;
		}
		if (n > 0)
			sb_drop(&p->out, (size_t)n);
		pfds[dirty[d]].events = p->out.len > 0 ? POLLIN | POLLOUT :
		    POLLIN;
	}
	ndirty = 0;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	int lfd, one = 1;

	if (argc != 2 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
		fprintf(stderr, "usage: natter-null port\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
		fatal("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 1024) < 0)
		fatal("port %s", argv[1]);
	cappeer = 1024;
	pfds = xcalloc(cappeer, sizeof(*pfds));
	peers = xcalloc(cappeer, sizeof(*peers));
	dirty = xcalloc(cappeer, sizeof(*dirty));
	pfds[0].fd = lfd;
	pfds[0].events = POLLIN;
	peers[0].fd = lfd;
	npeer = 1;

	for (;;) {
		int n = poll(pfds, npeer, -1);
		if (n < 0 && errno != EINTR)
			fatal("poll");
		size_t count = npeer;
		for (size_t i = 0; i < count && n > 0; i++) {
			short re = pfds[i].revents;
			if (re == 0)
				continue;
			n--;
			if (i == 0)
				on_accept(lfd);
			else if (re & POLLOUT)
				mark_dirty(i);
			if (i > 0 && (re & (POLLIN | POLLHUP | POLLERR)) &&
			    peers[i].fd >= 0)
				on_read(i);
		}
		flush();
	}
}
