/*
 * The connection: getaddrinfo, then a non-blocking connect to each address
 * in turn, all driven by the main poll loop so the screen never waits.
 * Output is written at once when the socket takes it; only what is left
 * waits in the send queue for POLLOUT.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natter.h"

char net_error[256];

static struct {
	int fd;
	bool connecting;
	struct addrinfo *ais, *ai;	/* all addresses, the one being tried */
	char host[256], port[32];
	char *q;			/* send queue */
	size_t qlen, qcap;
	struct frame in;
} net = { .fd = -1 };

static void
net_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
net_fail(const char *fmt, ...)
{
	va_list ap;

	/* The first reason wins: a server's ERROR line says more than the
	 * closed socket that follows it. */
	if (net_error[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(net_error, sizeof(net_error), fmt, ap);
		va_end(ap);
	}
	net_close();
	handle_disconnected();
}

/* Try addresses from net.ai on until one connects or is in progress. */
static void
net_try(int lasterr)
{
	int err = lasterr;

	for (; net.ai != NULL; net.ai = net.ai->ai_next) {
		int fd = socket(net.ai->ai_family,
		    net.ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    net.ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, net.ai->ai_addr, net.ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			net.fd = fd;
			net.connecting = true;
			return;
		}
		err = errno;
		close(fd);
	}
	freeaddrinfo(net.ais);
	net.ais = NULL;
	net_fail("cannot connect to %s:%s: %s", net.host, net.port,
	    strerror(err != 0 ? err : ECONNREFUSED));
}

void
net_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int rc;

	net_close();
	net_error[0] = '\0';
	str_copy(net.host, host, sizeof(net.host));
	str_copy(net.port, port, sizeof(net.port));
	frame_init(&net.in, IRC_LINE_MAX);
	/* getaddrinfo may block on DNS; on a LAN with numeric or local
	 * names it returns at once, which is what natter is for. */
	rc = getaddrinfo(host, port, &hints, &net.ais);
	if (rc != 0) {
		net_fail("cannot connect to %s:%s: %s", host, port,
		    gai_strerror(rc));
		return;
	}
	net.ai = net.ais;
	net_try(0);
}

int
net_fd(void)
{
	return net.fd;
}

short
net_events(void)
{
	if (net.fd < 0)
		return 0;
	if (net.connecting || net.qlen > 0)
		return POLLIN | POLLOUT;
	return POLLIN;
}

bool
net_pending(void)
{
	return net.qlen > 0;
}

void
net_close(void)
{
	if (net.fd >= 0)
		close(net.fd);
	net.fd = -1;
	net.connecting = false;
	if (net.ais != NULL)
		freeaddrinfo(net.ais);
	net.ais = net.ai = NULL;
	net.qlen = 0;
	frame_free(&net.in);
	self.connected = false;
	self.registered = false;
	dirty |= DIRTY_STATUS;
}

/* Write what the socket takes now; false if the connection failed. */
static bool
net_flush(void)
{
	while (net.qlen > 0) {
		ssize_t n = write(net.fd, net.q, net.qlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			net_fail("write to %s:%s: %s", net.host, net.port,
			    strerror(errno));
			return false;
		}
		memmove(net.q, net.q + n, net.qlen - (size_t)n);
		net.qlen -= (size_t)n;
	}
	return true;
}

void
net_sendf(const char *fmt, ...)
{
	char line[IRC_BODY_MAX + 1];
	va_list ap;
	int n;
	size_t len;

	if (net.fd < 0 || net.connecting)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n;
	/* Cut at a character boundary so CRLF fits in IRC_BODY_MAX; a
	 * line break inside a parameter would be a second command. */
	if (len > IRC_BODY_MAX - 2)
		len = utf8_truncate(line, IRC_BODY_MAX - 2, IRC_BODY_MAX - 2);
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\r' || line[i] == '\n' || line[i] == '\0')
			len = i;
	log_debug(">> %.*s", (int)len, line);
	if (net.qlen + len + 2 > SENDQ_MAX) {
		net_fail("send queue to %s:%s full", net.host, net.port);
		return;
	}
	if (net.qlen + len + 2 > net.qcap) {
		net.qcap = (net.qlen + len + 2) * 2;
		net.q = xrealloc(net.q, net.qcap);
	}
	memcpy(net.q + net.qlen, line, len);
	memcpy(net.q + net.qlen + len, "\r\n", 2);
	net.qlen += len + 2;
	net_flush();
}

static void
net_read(void)
{
	size_t total = 0;

	/* Read all that is there (up to NET_READ_MAX a pass, so keys still
	 * get their turn), handle every line, and let the loop draw once. */
	while (net.fd >= 0 && total < NET_READ_MAX) {
		size_t avail;
		char *p = frame_space(&net.in, &avail);
		ssize_t n = read(net.fd, p, avail);
		char *line;
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				net_fail("read from %s:%s: %s", net.host,
				    net.port, strerror(errno));
			return;
		}
		if (n == 0) {
			net_fail("%s:%s closed the connection", net.host,
			    net.port);
			return;
		}
		frame_commit(&net.in, (size_t)n);
		total += (size_t)n;
		for (;;) {
			enum frame_status fs = frame_next(&net.in, &line, &len);
			if (fs == FRAME_NONE)
				break;
			if (fs == FRAME_OVERLONG)
				continue;
			log_debug("<< %s", line);
			handle_line(line, len);
			if (net.fd < 0)
				return;
		}
	}
}

void
net_ready(short revents)
{
	if (net.fd < 0)
		return;
	if (net.connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		if (getsockopt(net.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			close(net.fd);
			net.fd = -1;
			net.ai = net.ai->ai_next;
			net_try(err);
			return;
		}
		net.connecting = false;
		freeaddrinfo(net.ais);
		net.ais = net.ai = NULL;
		self.connected = true;
		dirty |= DIRTY_STATUS;
		handle_connected();
		return;
	}
	if ((revents & POLLOUT) && !net_flush())
		return;
	if (revents & (POLLIN | POLLERR | POLLHUP))
		net_read();
}
