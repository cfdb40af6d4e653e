/*
 * The connection: getaddrinfo, then a non-blocking connect to each address
 * in turn, all driven by the main poll loop so the screen never waits.
 * Output is written at once when the socket takes it; only what is left
 * waits in the send queue for POLLOUT. Over TLS (tls.c) the handshake is
 * one more step of the same loop, and a certificate natter cannot vouch
 * for waits, with nothing sent, for the user's y or n (net_prompt).
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

char net_error[NET_ERROR_MAX];
bool net_reached;

enum net_state {
	NET_CLOSED,
	NET_CONNECTING,		/* connect(2) in progress */
	NET_HANDSHAKE,		/* TLS handshake in progress */
	NET_ASKING,		/* the certificate waits for the user's word */
	NET_UP,			/* IRC flows */
};

static struct {
	int fd;
	enum net_state state;
	bool tls;
	short want;		/* TLS: what the last blocked call waits for */
	int64_t deadline;	/* connect and handshake end by then (mono ms); 0 none */
	struct addrinfo *ais, *ai;	/* all addresses, the one being tried */
	char host[256], port[32];
	char *q;			/* send queue */
	size_t qlen, qcap;
	struct frame in;
	char prompt[320];	/* the question while NET_ASKING */
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
			net.state = NET_CONNECTING;
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
	net_reached = false;
	str_copy(net.host, host, sizeof(net.host));
	str_copy(net.port, port, sizeof(net.port));
	net.deadline = time_mono_ms() + NET_CONNECT_MS;
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
	switch (net.state) {
	case NET_CONNECTING:
		return POLLIN | POLLOUT;
	case NET_HANDSHAKE:
		return net.want;
	case NET_ASKING:
		return 0;	/* POLLHUP still says if it hangs up */
	default:
		break;
	}
	/* A TLS read or write may wait for the other direction. */
	if (net.qlen > 0 || net.want == POLLOUT)
		return POLLIN | POLLOUT;
	return POLLIN;
}

int
net_timeout(int64_t now)
{
	if (net.deadline == 0)
		return -1;
	return net.deadline <= now ? 0 : (int)(net.deadline - now);
}

void
net_tick(int64_t now)
{
	if (net.deadline == 0 || now < net.deadline)
		return;
	if (net.state == NET_HANDSHAKE)
		net_fail("no TLS handshake with %s:%s within %d s (is it a "
		    "plain port? then --no-tls)", net.host, net.port,
		    NET_CONNECT_MS / 1000);
	else
		net_fail("cannot connect to %s:%s: no answer within %d s",
		    net.host, net.port, NET_CONNECT_MS / 1000);
}

const char *
net_prompt(void)
{
	return net.state == NET_ASKING ? net.prompt : NULL;
}

bool
net_pending(void)
{
	return net.qlen > 0;
}

void
net_close(void)
{
	if (net.tls)
		tls_end();
	net.tls = false;
	if (net.fd >= 0)
		close(net.fd);
	net.fd = -1;
	if (net.state == NET_ASKING)
		dirty |= DIRTY_INPUT;
	net.state = NET_CLOSED;
	net.want = 0;
	net.deadline = 0;
	if (net.ais != NULL)
		freeaddrinfo(net.ais);
	net.ais = net.ai = NULL;
	net.qlen = 0;
	frame_free(&net.in);
	self.connected = false;
	self.registered = false;
	dirty |= DIRTY_STATUS;
}

/* One read or write on the socket, plain or TLS, as tls.c's results;
 * *n is the bytes moved. A plain failure's text goes in errtext. */
static enum tls_io
net_io(bool writing, char *buf, size_t len, size_t *n, const char **errtext)
{
	if (net.tls) {
		enum tls_io r = writing ? tls_write(buf, len, n) :
		    tls_read(buf, len, n);
		net.want = r == TLS_IO_WANT_READ ? POLLIN :
		    r == TLS_IO_WANT_WRITE ? POLLOUT : 0;
		*errtext = tls_error();
		return r;
	}
	for (;;) {
		ssize_t got = writing ? write(net.fd, buf, len) :
		    read(net.fd, buf, len);
		if (got > 0 || (got == 0 && !writing)) {
			*n = (size_t)got;
			return got > 0 ? TLS_IO_OK : TLS_IO_EOF;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN)
			return writing ? TLS_IO_WANT_WRITE : TLS_IO_WANT_READ;
		*errtext = strerror(got < 0 ? errno : EIO);
		return TLS_IO_ERROR;
	}
}

/* Write what the socket takes now; false if the connection failed. */
static bool
net_flush(void)
{
	while (net.qlen > 0) {
		const char *why = "";
		size_t n = 0;
		switch (net_io(true, net.q, net.qlen, &n, &why)) {
		case TLS_IO_OK:
			break;
		case TLS_IO_WANT_READ:
		case TLS_IO_WANT_WRITE:
			return true;
		case TLS_IO_EOF:
			net_fail("%s:%s closed the connection", net.host,
			    net.port);
			return false;
		case TLS_IO_ERROR:
			net_fail("write to %s:%s: %s", net.host, net.port, why);
			return false;
		}
		memmove(net.q, net.q + n, net.qlen - n);
		net.qlen -= n;
	}
	return true;
}

void
net_sendf(const char *fmt, ...)
{
	char line[IRC_CLIENT_TAGS_MAX + 2 + IRC_BODY_MAX + 1];
	va_list ap;
	int n;
	size_t len, tags = 0;

	if (net.state != NET_UP)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	/* Client tags ("@+typing=active ") have their own limit; the rest
	 * is cut at a character boundary so CRLF fits in IRC_BODY_MAX. A
	 * line break inside a parameter would be a second command. */
	if (line[0] == '@') {
		tags = strcspn(line, " ") + 1;
		if (tags > IRC_CLIENT_TAGS_MAX + 1 || tags > len)
			return;
	}
	if (len - tags > IRC_BODY_MAX - 2)
		len = tags + utf8_truncate(line + tags, IRC_BODY_MAX - 2,
		    IRC_BODY_MAX - 2);
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
	 * get their turn), handle every line, and let the loop draw once.
	 * What TLS has already decrypted is read too: poll would never say
	 * it is there. */
	while (net.fd >= 0 && (total < NET_READ_MAX || tls_pending() > 0)) {
		size_t avail, n = 0;
		char *p = frame_space(&net.in, &avail);
		const char *why = "";
		char *line;
		size_t len;

		switch (net_io(false, p, avail, &n, &why)) {
		case TLS_IO_OK:
			break;
		case TLS_IO_WANT_READ:
		case TLS_IO_WANT_WRITE:
			return;
		case TLS_IO_EOF:
			net_fail("%s:%s closed the connection", net.host,
			    net.port);
			return;
		case TLS_IO_ERROR:
			net_fail("read from %s:%s: %s", net.host, net.port,
			    why);
			return;
		}
		frame_commit(&net.in, n);
		total += n;
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

/* Past connect and any handshake and question: IRC may start. */
static void
net_up(void)
{
	net.state = NET_UP;
	net.deadline = 0;
	self.connected = true;
	dirty |= DIRTY_STATUS;
	handle_connected();
}

/* One step of the TLS handshake, then the certificate's verdict. */
static void
net_handshake(void)
{
	char fp[FINGERPRINT_STR_MAX], why[NET_ERROR_MAX];
	struct buffer *s = window_server();

	switch (tls_handshake()) {
	case TLS_IO_OK:
		break;
	case TLS_IO_WANT_READ:
		net.want = POLLIN;
		return;
	case TLS_IO_WANT_WRITE:
		net.want = POLLOUT;
		return;
	case TLS_IO_EOF:
		net_fail("%s:%s closed the connection during the TLS "
		    "handshake (is it a plain port? then --no-tls)", net.host,
		    net.port);
		return;
	case TLS_IO_ERROR:
		net_fail("TLS handshake with %s:%s failed: %s (is it a plain "
		    "port? then --no-tls)", net.host, net.port, tls_error());
		return;
	}
	net.want = 0;
	switch (tls_trust(net.host, net.port, fp, why, sizeof(why))) {
	case TLS_TRUSTED:
		net_up();
		return;
	case TLS_REFUSED:
		net_fail("%s", why);
		return;
	case TLS_ASK:
		break;
	}
	/* Trust on first use: nothing is sent (not even a password) until
	 * the user has compared the fingerprint and said y. */
	buffer_addf(s, LINE_ERROR, "The certificate of %s:%s is not "
	    "verified: %s", net.host, net.port, why);
	buffer_addf(s, LINE_INFO, "Its SHA-256 fingerprint is %s", fp);
	buffer_addf(s, LINE_INFO, "Compare it with what the server's "
	    "console says (natterd --fingerprint). y trusts it from now on "
	    "and remembers it in %s; n refuses it until natter is started "
	    "again.", tls_known_file()[0] != '\0' ?
	    tls_known_file() : "memory only");
	snprintf(net.prompt, sizeof(net.prompt),
	    "Trust the certificate of %s:%s? (y/n)", net.host, net.port);
	net.state = NET_ASKING;
	net.deadline = 0;	/* the user takes the time they need */
	dirty |= DIRTY_INPUT | DIRTY_STATUS;
}

void
net_answer(bool yes)
{
	char err[512];

	if (net.state != NET_ASKING)
		return;
	dirty |= DIRTY_INPUT;
	if (!yes) {
		tls_refuse(net.host, net.port);
		net_fail("the certificate of %s:%s was not trusted", net.host,
		    net.port);
		return;
	}
	if (tls_remember(net.host, net.port, err, sizeof(err)))
		buffer_addf(window_server(), LINE_INFO, "Trusted; remembered "
		    "in %s", tls_known_file());
	else
		buffer_addf(window_server(), LINE_ERROR, "Trusted for this run "
		    "only: %s", err);
	net_up();
}

void
net_ready(short revents)
{
	if (net.fd < 0)
		return;
	switch (net.state) {
	case NET_CONNECTING: {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		if (getsockopt(net.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			close(net.fd);
			net.fd = -1;
			net.state = NET_CLOSED;
			net.ai = net.ai->ai_next;
			net_try(err);
			return;
		}
		freeaddrinfo(net.ais);
		net.ais = net.ai = NULL;
		net_reached = true;
		if (opt.no_tls) {
			net_up();
			return;
		}
		tls_start(net.fd, net.host);
		net.tls = true;
		net.state = NET_HANDSHAKE;
		net_handshake();
		return;
	}
	case NET_HANDSHAKE:
		net_handshake();
		return;
	case NET_ASKING:
		/* Only a hang-up wakes us here: the server gave up. */
		net_fail("%s:%s closed the connection while natter asked",
		    net.host, net.port);
		return;
	default:
		break;
	}
	/* TLS: a write that waited for a read goes on at any wake-up. */
	if ((revents & POLLOUT || net.tls) && net.qlen > 0 && !net_flush())
		return;
	if (revents & (POLLIN | POLLERR | POLLHUP) ||
	    ((revents & POLLOUT) && net.want == POLLOUT && net.qlen == 0))
		net_read();
}
