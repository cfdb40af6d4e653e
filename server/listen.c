/*
 * listen.c: listening sockets and accept. Refusals (server full, too many
 * from one address, out of descriptors) get an ERROR line written at once,
 * the only writes outside the loop's flush.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "natterd.h"

#define LISTEN_BACKLOG 1024
#define LISTEN_MAX 16
#define LISTEN_SNDBUF (128 * 1024)
#define FULL_EVICT_MAX 8	/* closed to make room, not freed yet (over_limit) */

static int listeners[LISTEN_MAX];
static bool listener_tls[LISTEN_MAX];	/* listeners[i] takes TLS */
static size_t nlisteners;
/* Kept open so that on EMFILE one descriptor can be freed to refuse. */
static int reserve_fd = -1;

static void
addr_string(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap,
    bool with_port)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		str_copy(buf, "?", cap);
		return;
	}
	/* An IPv4 peer on a dual-stack socket: show it as IPv4. */
	const char *h = strncmp(host, "::ffff:", 7) == 0 &&
	    strchr(host + 7, ':') == NULL ? host + 7 : host;
	if (!with_port)
		str_copy(buf, h, cap);
	else if (strchr(h, ':') != NULL)
		snprintf(buf, cap, "[%s]:%s", h, port);
	else
		snprintf(buf, cap, "%s:%s", h, port);
}

static void
bind_one(const char *spec, const char *host, const char *port, bool optional,
    bool tls)
{
	struct addrinfo hints, *res, *ai;
	int err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	err = getaddrinfo(host, port, &hints, &res);
	if (err != 0) {
		log_error("cannot listen on %s: %s", spec, gai_strerror(err));
		exit(1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int one = 1, fd;

		if (nlisteners == LISTEN_MAX)
			fatalx("too many listening addresses (at most %d)",
			    LISTEN_MAX);
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			if (optional && (errno == EAFNOSUPPORT ||
			    errno == EPROTONOSUPPORT))
				continue;
			fatal("cannot listen on %s: socket", spec);
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			    sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			int e = errno;
			close(fd);
			if (optional && (e == EADDRNOTAVAIL ||
			    e == EAFNOSUPPORT))
				continue;
			char a[NI_MAXHOST + NI_MAXSERV + 4];
			addr_string(ai->ai_addr, ai->ai_addrlen, a, sizeof(a),
			    true);
			log_error("cannot listen on %s: %s", a,
			    e == EADDRINUSE ? "address already in use" :
			    strerror(e));
			exit(1);
		}
		if (listen(fd, LISTEN_BACKLOG) < 0)
			fatal("cannot listen on %s: listen", spec);
		listener_tls[nlisteners] = tls;
		listeners[nlisteners++] = fd;
		loop_add_listener(fd);
	}
	freeaddrinfo(res);
}

void
listen_add(const char *spec, bool tls)
{
	char host[256], port[16];

	str_copy(port, tls ? "6697" : "6667", sizeof(port));
	const char *colon;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':') ||
		    (size_t)(close - spec - 1) >= sizeof(host)) {
			log_error("bad listen address '%s': use [addr]:port",
			    spec);
			exit(64);
		}
		memcpy(host, spec + 1, close - spec - 1);
		host[close - spec - 1] = '\0';
		if (close[1] == ':')
			str_copy(port, close + 2, sizeof(port));
	} else if ((colon = strchr(spec, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		if ((size_t)(colon - spec) >= sizeof(host)) {
			log_error("bad listen address '%s'", spec);
			exit(64);
		}
		memcpy(host, spec, colon - spec);
		host[colon - spec] = '\0';
		str_copy(port, colon + 1, sizeof(port));
	} else {
		str_copy(host, spec, sizeof(host));	/* bare address */
	}
	char *end;
	long p = strtol(port, &end, 10);
	if (port[0] == '\0' || *end != '\0' || p < 0 || p > 65535) {
		log_error("bad port in listen address '%s'", spec);
		exit(64);
	}
	if (host[0] == '\0' || strcmp(host, "*") == 0) {
		bind_one(spec, "0.0.0.0", port, false, tls);
		bind_one(spec, "::", port, true, tls);
	} else {
		bind_one(spec, host, port, false, tls);
	}
}

void
listen_default(bool tls)
{
	/* 6697 for TLS: RFC 7194. */
	const char *port = tls ? "6697" : "6667";

	bind_one(tls ? "*:6697" : "*:6667", "0.0.0.0", port, false, tls);
	bind_one(tls ? "[::]:6697" : "[::]:6667", "::", port, true, tls);
}

int
listen_lan_port(bool tls)
{
	for (size_t i = 0; i < nlisteners; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		if (listener_tls[i] != tls || getsockname(listeners[i],
		    (struct sockaddr *)&ss, &len) < 0)
			continue;
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
			    (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
			    s6->sin6_addr.s6_addr[12] == 127))
				continue;
			return ntohs(s6->sin6_port);
		}
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		if ((ntohl(s4->sin_addr.s_addr) >> 24) == 127)
			continue;
		return ntohs(s4->sin_port);
	}
	return 0;
}

int
listen_tls_port(void)
{
	for (size_t i = 0; i < nlisteners; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		if (!listener_tls[i] || getsockname(listeners[i],
		    (struct sockaddr *)&ss, &len) < 0)
			continue;
		return ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	}
	return 0;
}

size_t
listen_describe(char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nlisteners; i++) {
		struct sockaddr_storage ss;
		socklen_t sslen = sizeof(ss);
		char a[NI_MAXHOST + NI_MAXSERV + 4];

		if (getsockname(listeners[i], (struct sockaddr *)&ss,
		    &sslen) < 0)
			continue;
		addr_string((struct sockaddr *)&ss, sslen, a, sizeof(a), true);
		/* TLS ones as ircs:// URLs: the plain form stays what
		 * readers of the line before TLS parse. */
		int n = snprintf(buf + len, cap - len, "%s%s%s",
		    len > 0 ? " " : "", listener_tls[i] ? "ircs://" : "", a);
		if (n < 0 || (size_t)n >= cap - len) {
			buf[len] = '\0';	/* whole addresses only */
			break;
		}
		len += n;
	}
	return len;
}

void
listen_log(void)
{
	for (size_t i = 0; i < nlisteners; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char a[NI_MAXHOST + NI_MAXSERV + 4];

		if (getsockname(listeners[i], (struct sockaddr *)&ss, &len) < 0)
			continue;
		addr_string((struct sockaddr *)&ss, len, a, sizeof(a), true);
		log_info("listening on %s%s", listener_tls[i] ? "ircs://" : "",
		    a);
	}
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void
refuse(int fd, const char *host, const char *why)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "ERROR :Closing link: %s (%s)\r\n",
	    host, why);

	log_info("refused %s: %s", host, why);
	if (n > 0)
		(void)!send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* Whether the peer's address is in a --trust network (an IPv4 peer on
 * an IPv6 socket, ::ffff:a.b.c.d, counts as IPv4). */
static bool
trusted(const struct sockaddr_storage *ss)
{
	const uint8_t *a;
	int family = ss->ss_family;

	if (family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	} else if (family == AF_INET6) {
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)ss)->sin6_addr;
		a = a6->s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			family = AF_INET;
			a += 12;
		}
	} else
		return false;
	for (size_t i = 0; i < cfg.ntrust; i++) {
		const struct trust *t = &cfg.trust[i];
		unsigned bytes = t->prefix / 8, bits = t->prefix % 8;
		if (t->family != family || memcmp(a, t->addr, bytes) != 0)
			continue;
		if (bits == 0 ||
		    ((a[bytes] ^ t->addr[bytes]) & (0xff00 >> bits)) == 0)
			return true;
	}
	return false;
}

/*
 * Why a new connection from host must go, or NULL: it may stay. When
 * the server is full, the connection that has waited longest without
 * registering gives its place up: sockets that never register, from as
 * many addresses as it takes to fill the server, keep no one out (a
 * client registers in milliseconds, so to be the oldest it must not be
 * trying). Those closed stay counted until their descriptors are freed,
 * at the end of the pass; FULL_EVICT_MAX bounds them within the
 * descriptors NOFILE_RESERVED keeps.
 */
static const char *
over_limit(const char *host, bool trust)
{
	size_t n, unreg;

	if (!trust && (cfg.max_per_ip > 0 || cfg.max_unregistered > 0)) {
		n = loop_count_host(host, &unreg);
		if (cfg.max_per_ip > 0 && n >= cfg.max_per_ip)
			return "Too many connections from your address";
		if (cfg.max_unregistered > 0 && unreg >= cfg.max_unregistered)
			return "Too many unregistered connections from your "
			    "address";
	}
	if (cfg.max_clients == 0 || conn_count < cfg.max_clients)
		return NULL;
	struct client *old = conn_count < cfg.max_clients + FULL_EVICT_MAX ?
	    loop_oldest_unregistered() : NULL;
	if (old == NULL)
		return "Server is full";
	conn_close(old, "Server is full");
	return NULL;
}

static bool
accept_emfile(int lfd)
{
	if (reserve_fd < 0)
		return false;
	close(reserve_fd);
	int fd = accept(lfd, NULL, NULL);
	if (fd >= 0)
		refuse(fd, "client", "Server out of file descriptors");
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd >= 0;
}

void
listen_tls_pause(bool paused)
{
	for (size_t i = 0; i < nlisteners; i++)
		if (listener_tls[i])
			loop_listener_events(listeners[i], paused ? 0 : POLLIN);
}

void
listen_accept(int lfd)
{
	bool tls = false;

	for (size_t i = 0; i < nlisteners; i++)
		if (listeners[i] == lfd)
			tls = listener_tls[i];
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char host[NI_MAXHOST];
		int fd, one = 1;

		if (tls && !tls_room())
			return;	/* the rest wait in the backlog */
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("accept: out of file descriptors");
				if (accept_emfile(lfd))
					continue;
				return;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		addr_string((struct sockaddr *)&ss, len, host, sizeof(host),
		    false);
		/* The host is a parameter of its own in 311, 352 and 354: one
		 * that starts with ':' ("::1") would read as the trailing
		 * parameter. "0::1" is the same address, as other ircds write. */
		size_t hl = strlen(host);
		if (host[0] == ':' && hl + 2 <= sizeof(host)) {
			memmove(host + 1, host, hl + 1);
			host[0] = '0';
		}
		const char *why = over_limit(host, trusted(&ss));
		if (why != NULL) {
			refuse(fd, host, why);
			continue;
		}
		/* We coalesce writes ourselves; Nagle would only add delay. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* Bound what the kernel holds for a client that stops reading
		 * (autotuning goes to megabytes), so --sendq means something. */
		int sndbuf = LISTEN_SNDBUF;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		struct client *c = conn_new(fd, host);
		if (tls && !tls_accept(c)) {
			close(fd);
			conn_free(c);
			continue;
		}
		loop_add_client(c);
		/* A client's first lines are often there by the time it is
		 * accepted: reading now saves a whole pass (a poll over every
		 * descriptor) per registration. */
		conn_read(c);
	}
}
