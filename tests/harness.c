/* harness: run the real natterd and talk raw IRC to it (see harness.h). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "harness.h"
#include "irc.h"

#define ARGS_MAX 64

int nd_rcvbuf;
bool nd_untrusted;
const char *nd_source;

static int
left_ms(long long deadline)
{
	long long d = deadline - time_mono_ms();
	return d < 0 ? 0 : (int)d;
}

static bool
matches(const char *re, const char *s)
{
	regex_t rx;
	bool ok;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		ck_abort_msg("harness: bad regular expression '%s'", re);
	ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

/* Read what natterd wrote to stderr; false at EOF. */
static bool
drain_log(struct nd_server *s)
{
	char buf[4096];
	ssize_t n;

	if (s->errfd < 0)
		return false;
	n = read(s->errfd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		close(s->errfd);
		s->errfd = -1;
		return false;
	}
	sb_add(&s->log, buf, n);
	return true;
}

const char *
nd_log(struct nd_server *s)
{
	drain_log(s);
	return s->log.p != NULL ? s->log.p : "";
}

bool
nd_log_wait(struct nd_server *s, const char *re, int timeout_ms)
{
	long long deadline = time_mono_ms() + timeout_ms;

	for (;;) {
		if (s->log.p != NULL && matches(re, s->log.p))
			return true;
		if (s->errfd < 0)
			return false;
		struct pollfd p = { s->errfd, POLLIN, 0 };
		if (poll(&p, 1, left_ms(deadline)) == 0)
			return s->log.p != NULL && matches(re, s->log.p);
		drain_log(s);
	}
}

static bool
has_arg(const char *const *args, const char *a, const char *b)
{
	for (size_t i = 0; args != NULL && args[i] != NULL; i++)
		if (strcmp(args[i], a) == 0 &&
		    (b == NULL || (args[i + 1] != NULL &&
		    strcmp(args[i + 1], b) == 0)))
			return true;
	return false;
}

/* Start natterd; its stdout goes to outfd when not -1. */
static void
spawn(struct nd_server *s, const char *const *args, int outfd)
{
	const char *bin = getenv("NATTERD");
	const char *argv[ARGS_MAX];
	char readyarg[16];
	size_t n = 0;
	int fds[2], ready[2];

	if (bin == NULL || bin[0] == '\0')
		ck_abort_msg("harness: NATTERD is not set (run under make check)");
	memset(s, 0, sizeof(*s));
	s->status = -1;
	argv[n++] = bin;
	if (!has_arg(args, "--listen", "none")) {
		argv[n++] = "-l";
		argv[n++] = "127.0.0.1:0";
	}
	/* No TLS unless a test asks (tests/check_tls.c): the default *:6697
	 * is wanted by every natterd under test at once, and its certificate
	 * would go to the state directory in the user's home. */
	if (!has_arg(args, "--tls-listen", NULL)) {
		argv[n++] = "--tls-listen";
		argv[n++] = "none";
	}
	argv[n++] = "--name";
	argv[n++] = ND_NAME;
	argv[n++] = "--flood";
	argv[n++] = "off";
	/* Never the user's own history; a test gives -d to keep one. */
	argv[n++] = "--db";
	argv[n++] = "none";
	/* The tests' many connections all come from loopback: exempt from
	 * the per-address limits unless a test is about them. */
	if (!nd_untrusted) {
		argv[n++] = "--trust";
		argv[n++] = "127.0.0.0/8";
	}
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	snprintf(readyarg, sizeof(readyarg), "%d", ready[1]);
	argv[n++] = "--ready-fd";
	argv[n++] = readyarg;
	for (size_t i = 0; args != NULL && args[i] != NULL && n + 1 < ARGS_MAX; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(fds[1], 2);
		if (outfd >= 0)
			dup2(outfd, 1);
		fcntl(ready[1], F_SETFD, 0);	/* the one descriptor it inherits */
		execv(bin, (char *const *)argv);
		dprintf(fds[1], "harness: exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	close(ready[1]);
	s->errfd = fds[0];
	fcntl(s->errfd, F_SETFL, O_NONBLOCK);
	s->readyfd = ready[0];
}

/* natterd's --ready-fd line into line (NUL-terminated, no newline);
 * false on EOF first or at the deadline. Drains stderr meanwhile. */
static bool
read_ready(struct nd_server *s, char *line, size_t cap, int timeout_ms)
{
	long long deadline = time_mono_ms() + timeout_ms;
	size_t len = 0;

	while (s->readyfd >= 0) {
		struct pollfd p[2] = {
			{ s->readyfd, POLLIN, 0 },
			{ s->errfd, POLLIN, 0 },
		};
		if (poll(p, s->errfd >= 0 ? 2 : 1, left_ms(deadline)) <= 0)
			break;
		if (p[1].revents != 0)
			drain_log(s);
		if (p[0].revents == 0)
			continue;
		ssize_t r = read(s->readyfd, line + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			len += r;
			line[len] = '\0';
			char *nl = strchr(line, '\n');
			if (nl != NULL) {
				*nl = '\0';
				return true;
			}
			if (len < cap - 1)
				continue;
		}
		break;
	}
	line[len] = '\0';
	return false;
}

struct nd_server *
nd_start(struct nd_server *s, const char *const *args)
{
	char line[512];
	const char *prefix = "listening on ";

	spawn(s, args, -1);
	bool ok = read_ready(s, line, sizeof(line), 10000);
	close(s->readyfd);
	s->readyfd = -1;
	if (!ok || strncmp(line, prefix, strlen(prefix)) != 0)
		ck_abort_msg("harness: natterd did not start (ready line '%s');"
		    " its stderr:\n%s", line, nd_log(s));
	/* "127.0.0.1:N" plain, "ircs://127.0.0.1:M" TLS; the first of each. */
	for (char *tok = strtok(line + strlen(prefix), " "); tok != NULL;
	    tok = strtok(NULL, " ")) {
		if (strncmp(tok, "127.0.0.1:", 10) == 0 && s->port == 0)
			s->port = atoi(tok + 10);
		else if (strncmp(tok, "ircs://127.0.0.1:", 17) == 0 &&
		    s->tls_port == 0)
			s->tls_port = atoi(tok + 17);
	}
	ck_assert_int_gt(s->port + s->tls_port, 0);
	return s;
}

int
nd_run(struct nd_server *s, const char *const *args, char *out, size_t cap)
{
	int fds[2];
	size_t len = 0;
	long long deadline = time_mono_ms() + 10000;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	spawn(s, args, fds[1]);
	close(fds[1]);
	close(s->readyfd);
	s->readyfd = -1;
	for (;;) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		if (poll(&p, 1, left_ms(deadline)) <= 0)
			break;
		ssize_t r = read(fds[0], out + len, cap - 1 - len);
		if (r <= 0)
			break;
		len += r;
		if (len == cap - 1)
			break;
	}
	out[len] = '\0';
	close(fds[0]);
	return nd_wait(s, left_ms(deadline));
}

int
nd_start_fail(struct nd_server *s, const char *const *args)
{
	spawn(s, args, -1);
	close(s->readyfd);
	s->readyfd = -1;
	return nd_wait(s, 10000);
}

void
nd_kill(struct nd_server *s, int sig)
{
	if (s->status == -1 && s->pid > 0)
		kill(s->pid, sig);
}

int
nd_wait(struct nd_server *s, int timeout_ms)
{
	long long deadline = time_mono_ms() + timeout_ms;
	int st;

	/* natterd's stderr reaches EOF when it exits: wait on that. */
	while (s->errfd >= 0) {
		struct pollfd p = { s->errfd, POLLIN, 0 };
		if (poll(&p, 1, left_ms(deadline)) == 0)
			break;
		drain_log(s);
	}
	if (s->status == -1) {
		pid_t r = waitpid(s->pid, &st, s->errfd < 0 ? 0 : WNOHANG);
		if (r != s->pid)
			return -1;
		s->status = st;
	}
	return WIFEXITED(s->status) ? WEXITSTATUS(s->status) : -1;
}

int
nd_stop(struct nd_server *s)
{
	int r;

	nd_kill(s, SIGTERM);
	r = nd_wait(s, 10000);
	if (s->status == -1) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->status = 0x100;	/* anything but exit 0 */
	}
	if (s->errfd >= 0) {
		close(s->errfd);
		s->errfd = -1;
	}
	sb_free(&s->log);
	return r;
}

struct nd_conn *
nd_connect(struct nd_server *s)
{
	return nd_connect_port(s, s->port);
}

struct nd_conn *
nd_connect_port(struct nd_server *s, int port)
{
	struct sockaddr_in sin;
	struct nd_conn *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	c->server = s;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(c->fd, 0);
	if (nd_rcvbuf > 0)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &nd_rcvbuf,
		    sizeof(nd_rcvbuf));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (nd_source != NULL) {
		ck_assert_int_eq(inet_pton(AF_INET, nd_source, &sin.sin_addr),
		    1);
		if (bind(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			ck_abort_msg("harness: bind %s: %s", nd_source,
			    strerror(errno));
	}
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		ck_abort_msg("harness: connect to port %d: %s", port,
		    strerror(errno));
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	return c;
}

/* Wait for what OpenSSL asked for (r its return value); false when it
 * failed instead, or at the deadline. */
static bool
tls_wait(struct nd_conn *c, int r, long long deadline)
{
	struct pollfd p = { c->fd, 0, 0 };

	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		p.events = POLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		p.events = POLLOUT;
		break;
	default:
		return false;
	}
	return poll(&p, 1, left_ms(deadline)) > 0;
}

bool
nd_tls_start(struct nd_conn *c, const char *cert, const char *key)
{
	static SSL_CTX *ctx;
	long long deadline = time_mono_ms() + ND_TIMEOUT_MS;
	int r;

	if (ctx == NULL) {
		ctx = SSL_CTX_new(TLS_client_method());
		ck_assert_ptr_nonnull(ctx);
		/* Any certificate: the tests compare fingerprints. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	}
	c->ssl = SSL_new(ctx);
	ck_assert_ptr_nonnull(c->ssl);
	if (cert != NULL &&
	    (SSL_use_certificate_chain_file(c->ssl, cert) != 1 ||
	    SSL_use_PrivateKey_file(c->ssl, key, SSL_FILETYPE_PEM) != 1))
		ck_abort_msg("harness: cannot load %s and %s", cert, key);
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_connect_state(c->ssl);
	while ((r = SSL_do_handshake(c->ssl)) != 1)
		if (!tls_wait(c, r, deadline)) {
			ERR_clear_error();
			return false;
		}
	return true;
}

struct nd_conn *
nd_connect_tls(struct nd_server *s, const char *cert, const char *key)
{
	ck_assert_int_gt(s->tls_port, 0);
	struct nd_conn *c = nd_connect_port(s, s->tls_port);
	if (!nd_tls_start(c, cert, key))
		ck_abort_msg("harness: TLS handshake with natterd failed; its "
		    "stderr:\n%s", nd_log(s));
	return c;
}

void
nd_peer_fingerprint(struct nd_conn *c, char *buf, size_t cap)
{
	X509 *x = SSL_get0_peer_certificate(c->ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_digest(x, EVP_sha256(), md, &len), 1);
	ck_assert_uint_eq(len, FINGERPRINT_LEN);
	ck_assert_uint_gt(fingerprint_format(buf, cap, md), 0);
}

bool
nd_send_raw(struct nd_conn *c, const void *data, size_t len)
{
	const char *p = data;
	long long deadline = time_mono_ms() + ND_TIMEOUT_MS;

	while (len > 0 && c->ssl != NULL) {
		int r = SSL_write(c->ssl, p, len);
		if (r > 0) {
			p += r;
			len -= r;
		} else if (!tls_wait(c, r, deadline)) {
			ERR_clear_error();
			return false;
		}
	}
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = { c->fd, POLLOUT, 0 };
			if (poll(&pf, 1, left_ms(deadline)) == 0)
				return false;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

void
nd_send(struct nd_conn *c, const char *fmt, ...)
{
	char buf[16384];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	ck_assert_int_lt(n, (int)sizeof(buf) - 2);
	buf[n++] = '\r';
	buf[n++] = '\n';
	if (!nd_send_raw(c, buf, n))
		ck_abort_msg("harness: send failed: %s", strerror(errno));
}

static void
remember(struct nd_conn *c, const char *line)
{
	if (c->nlast == 8) {
		memmove(c->last, c->last + 1, sizeof(c->last[0]) * 7);
		c->nlast = 7;
	}
	snprintf(c->last[c->nlast++], sizeof(c->last[0]), "%s", line);
}

const char *
nd_recent(struct nd_conn *c)
{
	static char buf[sizeof(c->last) + 16];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->nlast; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "  %s\n", c->last[i]);
	return c->nlast ? buf : "  (nothing)\n";
}

/* Read what TLS has; true when something came (bytes or the end),
 * false when it waits for the socket. */
static bool
tls_read(struct nd_conn *c)
{
	int r = SSL_read(c->ssl, c->buf + c->len, sizeof(c->buf) - c->len);

	if (r > 0) {
		c->len += r;
		return true;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return false;
	case SSL_ERROR_SYSCALL:
		c->reset = errno == ECONNRESET;
		break;
	default:
		break;
	}
	ERR_clear_error();
	c->eof = true;
	return true;
}

char *
nd_line(struct nd_conn *c, int timeout_ms)
{
	long long deadline = time_mono_ms() + timeout_ms;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl != NULL) {
			size_t len = nl - c->buf;
			char *line = malloc(len + 1);
			ck_assert_ptr_nonnull(line);
			memcpy(line, c->buf, len);
			line[len] = '\0';
			if (len > 0 && line[len - 1] == '\r')
				line[len - 1] = '\0';
			c->len -= len + 1;
			memmove(c->buf, nl + 1, c->len);
			remember(c, line);
			return line;
		}
		if (c->eof)
			return NULL;
		if (c->len == sizeof(c->buf))
			ck_abort_msg("harness: a line longer than %zu bytes",
			    sizeof(c->buf));
		if (c->ssl != NULL && tls_read(c))
			continue;
		struct pollfd p[2] = {
			{ c->fd, POLLIN, 0 },
			{ c->server->errfd, POLLIN, 0 },
		};
		int n = poll(p, c->server->errfd >= 0 ? 2 : 1,
		    left_ms(deadline));
		if (n == 0)
			return NULL;
		if (n < 0 && errno == EINTR)
			continue;
		if (c->server->errfd >= 0 && p[1].revents != 0)
			drain_log(c->server);
		if (p[0].revents == 0 || c->ssl != NULL)
			continue;
		ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			c->eof = true;
			c->reset = r < 0 && errno == ECONNRESET;
			continue;
		}
		c->len += r;
	}
}

char *
nd_expect_not(struct nd_conn *c, const char *re, const char *bad,
    int timeout_ms)
{
	long long deadline = time_mono_ms() + timeout_ms;
	char *line;

	while ((line = nd_line(c, left_ms(deadline))) != NULL) {
		if (matches(re, line))
			return line;
		if (bad != NULL && matches(bad, line))
			ck_abort_msg("harness: got '%s' while waiting for '%s'",
			    line, re);
		free(line);
	}
	return NULL;
}

char *
nd_expect(struct nd_conn *c, const char *re, int timeout_ms)
{
	return nd_expect_not(c, re, NULL, timeout_ms);
}

void
nd_must(struct nd_conn *c, const char *re, const char *file, int lineno)
{
	char *line = nd_expect(c, re, ND_TIMEOUT_MS);

	if (line == NULL)
		ck_abort_msg("%s:%d: no line matching '%s'%s; last lines:\n%s",
		    file, lineno, re, c->eof ? " (connection closed)" : "",
		    nd_recent(c));
	free(line);
}

bool
nd_wait_closed(struct nd_conn *c, int timeout_ms)
{
	long long deadline = time_mono_ms() + timeout_ms;
	char *line;

	while (!c->eof) {
		line = nd_line(c, left_ms(deadline));
		if (line == NULL && !c->eof)
			return false;
		free(line);
	}
	return true;
}

void
nd_sync(struct nd_conn *c)
{
	static unsigned long seq;
	char re[64];

	nd_send(c, "PING :sync%lu", ++seq);
	snprintf(re, sizeof(re), "PONG [^ ]+ :sync%lu$", seq);
	nd_must(c, re, __FILE__, __LINE__);
}

void
nd_quiet(struct nd_conn *c, const char *bad)
{
	static unsigned long seq;
	char re[64];

	nd_send(c, "PING :quiet%lu", ++seq);
	snprintf(re, sizeof(re), "PONG [^ ]+ :quiet%lu$", seq);
	char *l = nd_expect_not(c, re, bad, ND_TIMEOUT_MS);
	ck_assert_msg(l != NULL, "%s came before %s:\n%s", bad, re,
	    nd_recent(c));
	free(l);
}

void
nd_finish(struct nd_server *s)
{
	ck_assert_int_eq(nd_stop(s), 0);
	nd_cleanup_files();
}

struct nd_conn *
nd_joined(struct nd_server *s, const char *nick, const char *caps,
    const char *chan)
{
	char re[128];
	struct nd_conn *c = nd_register(s, nick, caps);

	nd_send(c, "JOIN %s", chan);
	snprintf(re, sizeof(re), " 366 %s ", nick);
	ND_EXPECT(c, re);
	return c;
}

struct nd_conn *
nd_account(struct nd_server *s, const char *nick, const char *pass,
    const char *caps)
{
	struct nd_conn *c = nd_register(s, nick, caps);

	nd_send(c, "PRIVMSG NickServ :REGISTER %s", pass);
	ND_EXPECT(c, " 900 ");
	return c;
}

struct nd_conn *
nd_register_nonreader(struct nd_server *s, const char *nick)
{
	int was = nd_rcvbuf;

	nd_rcvbuf = ND_NONREADER_RCVBUF;
	struct nd_conn *c = nd_register(s, nick, NULL);
	nd_rcvbuf = was;
	return c;
}

char *
nd_talk_until_sendq(struct nd_conn *talker, struct nd_conn *watcher,
    const char *chan, int max_lines)
{
	char text[400];
	char *quit = NULL;

	memset(text, 'q', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* Every 50 lines, wait for watcher to see the last one, so the
	 * talker never outruns natterd's reading of it. */
	for (int i = 0; i < max_lines && quit == NULL; i++) {
		nd_send(talker, "PRIVMSG %s :%d %s", chan, i, text);
		char *l;
		while ((l = nd_line(watcher, i % 50 == 49 ? 2000 : 0)) != NULL) {
			bool seen = strstr(l, " PRIVMSG ") != NULL;
			if (quit == NULL &&
			    strstr(l, " QUIT :SendQ exceeded") != NULL) {
				quit = l;
				break;
			}
			free(l);
			if (seen && i % 50 == 49)
				break;
		}
	}
	return quit;
}

void
nd_sendq_drop(struct nd_conn *slow, const char *slow_nick,
    struct nd_conn *talker, struct nd_conn *watcher,
    const char *watcher_nick, const char *chan)
{
	char from[64], heard[160];

	nd_send(slow, "JOIN %s", chan);
	nd_send(talker, "JOIN %s", chan);
	nd_send(watcher, "JOIN %s", chan);
	ND_EXPECT(watcher, " 366 ");
	nd_sync(talker);
	/* slow never reads: the kernel buffers fill, then its sendq. */
	char *quit = nd_talk_until_sendq(talker, watcher, chan, 4000);
	ck_assert_msg(quit != NULL, "%s was never dropped for SendQ",
	    slow_nick);
	snprintf(from, sizeof(from), ":%s!", slow_nick);
	ck_assert_msg(strncmp(quit, from, strlen(from)) == 0, "%s", quit);
	free(quit);
	ck_assert(nd_log_wait(talker->server, "SendQ exceeded",
	    ND_TIMEOUT_MS));
	/* Everyone else carries on. */
	nd_send(watcher, "PRIVMSG %s :still here", chan);
	snprintf(heard, sizeof(heard), "^:%s!.* PRIVMSG %s :still here$",
	    watcher_nick, chan);
	ND_EXPECT(talker, heard);
}

static struct nd_server *fixture;

static void
fixture_start(void)
{
	nd_start(fixture, NULL);
}

static void
fixture_stop(void)
{
	nd_finish(fixture);
}

void
nd_fixture(TCase *tc, struct nd_server *s)
{
	/* Called while the suite is built, outside any test. */
	if (fixture != NULL && fixture != s) {
		fputs("harness: one fixture server per program\n", stderr);
		abort();
	}
	fixture = s;
	tcase_add_checked_fixture(tc, fixture_start, fixture_stop);
}

void
nd_small_quarantine(void)
{
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[512];

	snprintf(opts, sizeof(opts), "%s%squarantine_size_mb=4",
	    asan != NULL ? asan : "", asan != NULL && *asan != '\0' ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
}

long
nd_ping_ms(struct nd_conn *c)
{
	long long t0 = time_mono_ms();

	nd_sync(c);
	return (long)(time_mono_ms() - t0);
}

int
nd_run_suite(Suite *suite)
{
	SRunner *sr = srunner_create(suite);

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

struct nd_conn *
nd_register(struct nd_server *s, const char *nick, const char *caps)
{
	return nd_register_on(nd_connect(s), nick, caps);
}

struct nd_conn *
nd_register_on(struct nd_conn *c, const char *nick, const char *caps)
{
	if (caps != NULL) {
		nd_send(c, "CAP LS 302");
		nd_send(c, "CAP REQ :%s", caps);
	}
	nd_send(c, "NICK %s", nick);
	nd_send(c, "USER %s 0 * :%s's real name", nick, nick);
	if (caps != NULL) {
		ND_EXPECT(c, "^:[^ ]+ CAP [^ ]+ ACK :");
		nd_send(c, "CAP END");
	}
	ND_EXPECT(c, "^:[^ ]+ (376|422) ");
	return c;
}

void
nd_close(struct nd_conn *c)
{
	if (c == NULL)
		return;
	SSL_free(c->ssl);
	close(c->fd);
	free(c);
}

void
nd_close_rst(struct nd_conn *c)
{
	struct linger l = { 1, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	nd_close(c);
}

static char tmpdir[256];
static char paths[8][320];
static size_t npaths;

const char *
nd_file(const char *name, const char *content, int mode)
{
	const char *base = getenv("TMPDIR");
	char *path;
	FILE *f;

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "%s/natterd-test.XXXXXX",
		    base != NULL && base[0] != '\0' ? base : "/tmp");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	ck_assert_uint_lt(npaths, sizeof(paths) / sizeof(*paths));
	path = paths[npaths++];
	snprintf(path, sizeof(paths[0]), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

void
nd_cleanup_files(void)
{
	for (size_t i = 0; i < npaths; i++)
		unlink(paths[i]);
	npaths = 0;
	if (tmpdir[0] != '\0')
		rmdir(tmpdir);
	tmpdir[0] = '\0';
}
