/*
 * natter-bench: the load generator behind `make bench` (tests/bench/run.sh).
 * One process, one ppoll(2) loop, non-blocking sockets to 127.0.0.1 only.
 * It speaks plain IRC (no CAPs), so it measures natterd and ngircd alike;
 * with -t over TLS (OpenSSL, no verification: the figure is the server's
 * cost, the certificate is beside the point).
 * Every workload is bounded in count and time and ends with one line
 *   result workload=... key=value ...
 * on stdout, which run.sh turns into the comparison table. Timings are
 * figures to read, never assertions: the exit status only says whether
 * the run itself worked (64 bad usage, 1 could not run, 0 otherwise).
 *
 * Workloads (-w):
 *   burst  C clients join one channel, S senders send M messages each as
 *          fast as the sockets take them; every other member must get all.
 *   paced  the same, but R messages per second in total, round robin;
 *          with -G, the last client joins nothing and sends a PING every
 *          G ms instead: how long another client waits while people chat
 *          (the slow-disk workload).
 *   idle   C connections register and stay; time to register them all and
 *          the server's RSS per connection.
 *   pairs  C/2 private pairs play ping-pong for D seconds.
 *   flood  one sender floods M messages into a channel where a screen
 *          client sits; the time from the last message's arrival (seen by
 *          a reference receiver) to it showing in the client's screen
 *          (-x command, e.g. tmux capture-pane) and the client's CPU and
 *          RSS growth.
 *   port   print a free TCP port on 127.0.0.1 and exit.
 *
 * Each message carries its send time (CLOCK_MONOTONIC, ns), so latency
 * is receive time minus send time in the same process.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "testlib.h"
#include "util.h"

#define TAIL_MAX 1024		/* longest server line kept across reads */
#define READ_CHUNK 65536	/* one read(2) per readable socket per pass */
#define OUT_LOW 4096		/* burst senders refill below this ... */
#define OUT_CHUNK 16384		/* ... up to about this much */
#define TEXT_PAD 64		/* message text padded to this many bytes */
#define NICK_LEN 16
#define SETTLE_NS (5 * NS_SEC)	/* no delivery for this long: the rest is lost */
#define NS_SEC 1000000000LL
#define NS_MS 1000000LL

enum conn_state {
	CS_IDLE,	/* not opened yet */
	CS_CONNECTING,
	CS_REGISTERING,	/* NICK/USER sent, waiting for the end of the MOTD */
	CS_WELCOMED,
	CS_JOINED,
	CS_DEAD,
};

struct conn {
	int fd;
	SSL *ssl;		/* -t: the TLS session, else NULL */
	bool handshaking;	/* -t: NICK/USER wait in out until it ends */
	int slot;		/* index in pfds, -1 while not polled */
	short events;		/* what to poll for */
	enum conn_state state;
	bool synced;		/* our PING came back: the server's queue is drained */
	unsigned idx;
	char nick[NICK_LEN];
	char tail[TAIL_MAX];	/* partial line left by the last read */
	size_t taillen;
	struct sb out;		/* queued output, written on POLLOUT */
	unsigned sent;		/* messages sent (fan-out sender, pairs pinger) */
	unsigned peer;		/* pairs: the other side */
	bool waiting;		/* pairs: a ping is out */
};

enum workload { W_BURST, W_PACED, W_IDLE, W_PAIRS, W_FLOOD, W_PORT };

static const char *const workload_names[] = {
	"burst", "paced", "idle", "pairs", "flood", "port",
};

/* Command line and run state; one workload per process. */
static struct {
	enum workload w;
	const char *label;	/* printed as server=... */
	int port;
	unsigned clients, senders, messages;
	double rate;		/* paced: messages per second, all senders */
	double duration;	/* pairs: seconds */
	double ping_ms;		/* paced: the last client PINGs this often; 0: no */
	double timeout;		/* whole run cap, seconds */
	unsigned window;	/* registrations in flight at once */
	pid_t server;		/* measured process, 0 for none */
	pid_t client;		/* flood: the screen client */
	const char *chan;
	const char *screen_cmd;	/* flood: prints the client's screen */
	const char *watch_nick;	/* flood: the screen client's nick */
	bool tls;		/* -t: every connection over TLS */
} opt = {
	.w = W_BURST, .label = "server", .clients = 100, .senders = 10,
	.messages = 500, .rate = 2000, .duration = 10, .timeout = 60,
	.window = 8, .chan = "#bench",
};

static struct conn *conns;
static SSL_CTX *tls_ctx;
/*
 * The poll set holds only the connections that need watching: 5 000 parked
 * idle connections in every ppoll would make the generator, not the
 * server, the slow part of the idle workload.
 */
static struct pollfd *pfds;
static unsigned *pconn;		/* pfds[k] belongs to conns[pconn[k]] */
static unsigned npoll;
static bool park_welcomed;	/* idle: stop polling registered connections */
static unsigned nopen, nwelcomed, njoined, nsynced, ndead;
static unsigned errors, overlong;
static char first_error[256];

/* fan-out accounting */
static uint64_t expected, received, misordered;
static uint32_t *lastseq;	/* [receiver * senders + sender] */
static int64_t *lat;		/* ns, one per delivery (or round trip) */
static uint64_t nlat, latcap;
static int64_t t_first_send, t_last_recv;
static uint64_t total_msgs, next_msg;	/* paced */
static bool sending;

/* paced with -G: the pinger, the last client, in no channel */
static unsigned joiners;	/* the clients that join: all but the pinger */
static int64_t *plat;		/* PING round trips, ns */
static uint64_t nplat, platcap;
static int64_t next_ping;

/* pairs */
static bool pairs_stop;
static uint64_t pings_sent, pongs_got;

/* flood */
static bool names_seen;
static int64_t t_flood_arrive;
static char end_marker[64];

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_SEC + ts.tv_nsec;
}

/* proc: CPU and memory of another process, for before/after deltas. */

/*
 * CPU time in ns. /proc/<pid>/task/<tid>/schedstat is the scheduler's
 * own ns count for each thread (/proc/<pid>/schedstat is the main
 * thread's alone, which would leave natterd's storage thread out);
 * utime+stime from /proc/<pid>/stat come in clock ticks (10 ms), too
 * coarse for a 100 ms burst, so they are only the fallback (and the
 * cross-check printed as cpu_stat_us).
 */
static int64_t
proc_cpu_sched_ns(pid_t pid)
{
	char path[PATH_MAX];
	unsigned long long ns;
	int64_t sum = 0;
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
		    (int)pid, d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;	/* the thread ended meanwhile */
		if (fscanf(f, "%llu", &ns) == 1)
			sum += (int64_t)ns;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

static int64_t
proc_cpu_stat_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces; fields restart after its ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) != 2)
		return -1;
	return (int64_t)(ut + st) * (NS_SEC / sysconf(_SC_CLK_TCK));
}

struct cpu_mark {
	int64_t sched, stat;
};

/* Our own CPU in ns: when it nears the wall time, the generator (not the
 * server) set the pace, and run.sh says so. */
static int64_t
self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NS_SEC +
	    ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static struct cpu_mark
cpu_mark(pid_t pid)
{
	struct cpu_mark m = { -1, -1 };

	if (pid > 0) {
		m.sched = proc_cpu_sched_ns(pid);
		m.stat = proc_cpu_stat_ns(pid);
	}
	return m;
}

/* Microseconds of CPU between a and b, per unit; -1 when unknown. */
static double
cpu_us_per(struct cpu_mark a, struct cpu_mark b, uint64_t units, bool stat)
{
	int64_t x = stat ? a.stat : a.sched, y = stat ? b.stat : b.sched;

	if (x < 0 || y < 0 || units == 0)
		return -1;
	return (double)(y - x) / 1e3 / (double)units;
}

/* conn: sockets, output queue, line splitting. */

static void
poll_add(struct conn *c)
{
	if (c->slot >= 0 || c->fd < 0)
		return;
	c->slot = (int)npoll;
	pfds[npoll].fd = c->fd;
	pfds[npoll].events = c->events;
	pfds[npoll].revents = 0;
	pconn[npoll++] = c->idx;
}

/* Swap-remove; loop_pass walks pfds backwards so this is safe in a pass. */
static void
poll_del(struct conn *c)
{
	unsigned last = npoll - 1;

	if (c->slot < 0)
		return;
	if ((unsigned)c->slot != last) {
		pfds[c->slot] = pfds[last];
		pconn[c->slot] = pconn[last];
		conns[pconn[last]].slot = c->slot;
	}
	npoll--;
	c->slot = -1;
}

static void
conn_events(struct conn *c, short events)
{
	c->events = events;
	if (c->slot >= 0)
		pfds[c->slot].events = events;
}

static void
conn_fail(struct conn *c, const char *why)
{
	if (c->state == CS_DEAD)
		return;
	if (first_error[0] == '\0')
		snprintf(first_error, sizeof(first_error), "%s: %s", c->nick, why);
	errors++;
	ndead++;
	c->state = CS_DEAD;
	SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0)
		close(c->fd);
	poll_del(c);
	c->fd = -1;
}

/* An OpenSSL call's result as read(2) or write(2) would give it. */
static ssize_t
tls_result(struct conn *c, int n)
{
	if (n > 0)
		return n;
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

static ssize_t
conn_write(struct conn *c, const void *p, size_t len)
{
	if (c->ssl == NULL)
		return write(c->fd, p, len);
	return tls_result(c, SSL_write(c->ssl, p, len > INT_MAX ? INT_MAX :
	    (int)len));
}

/* Up to cap bytes: one read(2), or TLS records until there are no more
 * (OpenSSL without read-ahead takes one record from the socket at a time,
 * and poll says nothing of what it has already decrypted). */
static ssize_t
conn_recv(struct conn *c, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	if (c->ssl == NULL)
		return read(c->fd, buf, cap);
	while (got < cap) {
		n = tls_result(c, SSL_read(c->ssl, buf + got,
		    cap - got > INT_MAX ? INT_MAX : (int)(cap - got)));
		if (n <= 0)
			return got > 0 ? (ssize_t)got : n;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void conn_flush(struct conn *);

/* -t: drive the handshake; once done, what waits in out is sent. */
static void
conn_handshake(struct conn *c)
{
	int r = SSL_do_handshake(c->ssl);

	if (r == 1) {
		c->handshaking = false;
		conn_flush(c);
		return;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		conn_events(c, POLLIN);
		break;
	case SSL_ERROR_WANT_WRITE:
		conn_events(c, POLLIN | POLLOUT);
		break;
	default:
		ERR_clear_error();
		conn_fail(c, "TLS handshake failed");
	}
}

static void
conn_flush(struct conn *c)
{
	ssize_t n;

	if (c->handshaking)
		return;		/* conn_handshake flushes when it is done */
	while (c->out.len > 0) {
		n = conn_write(c, c->out.p, c->out.len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_fail(c, strerror(errno));
			return;
		}
		sb_drop(&c->out, (size_t)n);
	}
	conn_events(c, POLLIN | (c->out.len > 0 ? POLLOUT : 0));
}

static void conn_send(struct conn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Queue one formatted line (the caller writes the CRLF); written later. */
static void
conn_send(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->state == CS_DEAD)
		return;
	va_start(ap, fmt);
	sb_vprintf(&c->out, fmt, ap);
	va_end(ap);
	conn_events(c, c->events | POLLOUT);
}

static void
conn_open(struct conn *c)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		conn_fail(c, strerror(errno));
		return;
	}
	/*
	 * Without TCP_NODELAY a paced sender's second small write waits for
	 * the ACK of the first, and the server may delay that ACK by 40 ms:
	 * the latency figures would measure Nagle, not the server.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)opt.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = fd;
	c->events = POLLOUT;
	poll_add(c);
	nopen++;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno != EINPROGRESS) {
		conn_fail(c, strerror(errno));
		return;
	}
	c->state = CS_CONNECTING;
}

static void
conn_connected(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		conn_fail(c, strerror(err));
		return;
	}
	c->state = CS_REGISTERING;
	conn_events(c, POLLIN);
	conn_send(c, "NICK %s\r\nUSER b 0 * :natter-bench\r\n", c->nick);
	if (opt.tls) {
		if ((c->ssl = SSL_new(tls_ctx)) == NULL ||
		    SSL_set_fd(c->ssl, c->fd) != 1) {
			conn_fail(c, "SSL_new");
			return;
		}
		SSL_set_connect_state(c->ssl);
		c->handshaking = true;
		conn_handshake(c);
		return;
	}
	conn_flush(c);
}

/* Fast decimal parse; *pp is left after the digits and one space. */
static uint64_t
parse_u64(char **pp)
{
	char *p = *pp;
	uint64_t v = 0;

	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (*p == ' ')
		p++;
	*pp = p;
	return v;
}

static void
lat_add(int64_t ns)
{
	if (nlat == latcap) {
		latcap = latcap ? latcap * 2 : 65536;
		lat = xreallocarray(lat, latcap, sizeof(*lat));
	}
	lat[nlat++] = ns;
}

/* Sends one pairs ping from c to its peer. */
static void
pairs_ping(struct conn *c, int64_t t)
{
	c->sent++;
	c->waiting = true;
	pings_sent++;
	conn_send(c, "PRIVMSG %s :P %u %u %" PRId64 " %.*s\r\n",
	    conns[c->peer].nick, c->idx, c->sent, t, TEXT_PAD - 30,
	    "pairs-pairs-pairs-pairs-pairs-pairs-pairs");
	conn_flush(c);
}

/* A PRIVMSG text of ours: "K a b c ..." where K says which workload. */
static void
on_text(struct conn *c, char *text, int64_t t)
{
	char kind = text[0];
	char *p = text + 2;
	uint64_t a, b;
	int64_t sent;

	if (text[0] == '\0' || text[1] != ' ')
		return;
	a = parse_u64(&p);
	b = parse_u64(&p);
	sent = (int64_t)parse_u64(&p);
	switch (kind) {
	case 'B': {	/* fan-out: sender a, seq b */
		uint32_t *last;

		if (a >= opt.senders)
			return;
		received++;
		t_last_recv = t;
		lat_add(t - sent);
		last = &lastseq[(size_t)c->idx * opt.senders + a];
		if (b != (uint64_t)*last + 1)
			misordered++;
		if (b > *last)
			*last = (uint32_t)b;
		break;
	}
	case 'P':	/* pairs, answering side: send it back */
		conn_send(c, "PRIVMSG %s :R %" PRIu64 " %" PRIu64 " %" PRId64 " %.*s\r\n",
		    conns[c->peer].nick, a, b, sent, TEXT_PAD - 30,
		    "pairs-pairs-pairs-pairs-pairs-pairs-pairs");
		conn_flush(c);
		break;
	case 'R':	/* pairs, pinging side: one round trip done */
		if (!c->waiting)
			return;
		c->waiting = false;
		pongs_got++;
		lat_add(t - sent);
		t_last_recv = t;
		if (!pairs_stop)
			pairs_ping(c, t);
		break;
	case 'F':	/* flood reference receiver */
		received++;
		t_last_recv = t;
		if (b == opt.messages)
			t_flood_arrive = t;
		break;
	}
}

static bool
word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		bool start = p == list || p[-1] == ' ' || p[-1] == ':' ||
		    strchr("@+%~&", p[-1]) != NULL;
		if (start && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static void
on_line(struct conn *c, char *line, int64_t t)
{
	char *p = line, *cmd, *sp;

	if (*p == '@' && (p = strchr(p, ' ')) != NULL)
		p++;
	if (p == NULL)
		return;
	if (*p == ':') {
		if ((p = strchr(p, ' ')) == NULL)
			return;
		p++;
	}
	cmd = p;
	if ((sp = strchr(p, ' ')) != NULL) {
		*sp = '\0';
		p = sp + 1;
	} else
		p = cmd + strlen(cmd);

	if (strcmp(cmd, "PRIVMSG") == 0) {
		if ((p = strstr(p, " :")) != NULL)
			on_text(c, p + 2, t);
	} else if (strcmp(cmd, "PING") == 0) {
		conn_send(c, "PONG %s\r\n", p);
		conn_flush(c);
	} else if (strcmp(cmd, "PONG") == 0) {
		char *bp = strstr(p, "bench-p ");
		if (bp != NULL) {
			bp += 8;
			int64_t sent = (int64_t)parse_u64(&bp);
			if (nplat == platcap) {
				platcap = platcap ? platcap * 2 : 1024;
				plat = xreallocarray(plat, platcap, sizeof(*plat));
			}
			plat[nplat++] = t - sent;
		}
		if (!c->synced && strstr(p, "bench-sync") != NULL) {
			c->synced = true;
			nsynced++;
		}
	} else if (strcmp(cmd, "376") == 0 || strcmp(cmd, "422") == 0) {
		if (c->state == CS_REGISTERING) {
			c->state = CS_WELCOMED;
			nwelcomed++;
			if (park_welcomed && c->out.len == 0)
				poll_del(c);
		}
	} else if (strcmp(cmd, "366") == 0) {
		if (c->state == CS_WELCOMED) {
			c->state = CS_JOINED;
			njoined++;
		}
	} else if (strcmp(cmd, "353") == 0) {
		if (opt.watch_nick != NULL && word_in(p, opt.watch_nick))
			names_seen = true;
	} else if (strcmp(cmd, "ERROR") == 0 || strcmp(cmd, "432") == 0 ||
	    strcmp(cmd, "433") == 0 || strcmp(cmd, "471") == 0 ||
	    strcmp(cmd, "405") == 0 || strcmp(cmd, "404") == 0) {
		char why[200];

		snprintf(why, sizeof(why), "%s %s", cmd, p);
		conn_fail(c, why);
	}
}

static void
conn_read(struct conn *c)
{
	static char buf[TAIL_MAX + READ_CHUNK + 1];
	char *line, *end, *nl;
	ssize_t n;
	int64_t t;

again:
	memcpy(buf, c->tail, c->taillen);
	n = conn_recv(c, buf + c->taillen, READ_CHUNK);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_fail(c, strerror(errno));
		return;
	}
	if (n == 0) {
		conn_fail(c, "server closed the connection");
		return;
	}
	/* One clock read per read(2): those lines arrived together. */
	t = now_ns();
	end = buf + c->taillen + n;
	line = buf;
	while (line < end && (nl = memchr(line, '\n', (size_t)(end - line))) != NULL) {
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		on_line(c, line, t);
		if (c->state == CS_DEAD)
			return;
		line = nl + 1;
	}
	c->taillen = (size_t)(end - line);
	if (c->taillen >= TAIL_MAX) {
		overlong++;
		c->taillen = 0;
	}
	memcpy(c->tail, line, c->taillen);
	/* What OpenSSL decrypted beyond READ_CHUNK is no longer in the
	 * socket: poll would never say so. */
	if (c->ssl != NULL && SSL_pending(c->ssl) > 0)
		goto again;
}

/* loop: one ppoll pass over every socket, then the workload's tick. */

static void (*tick)(int64_t now);
static int64_t tick_due = INT64_MAX;	/* when tick wants to run next */

static void
loop_pass(int64_t deadline)
{
	struct timespec ts;
	int64_t t = now_ns(), wait;
	unsigned k;
	int n;

	wait = deadline < tick_due ? deadline : tick_due;
	wait -= t;
	if (wait < 0)
		wait = 0;
	if (wait > 100 * NS_MS)
		wait = 100 * NS_MS;
	ts.tv_sec = wait / NS_SEC;
	ts.tv_nsec = wait % NS_SEC;
	n = ppoll(pfds, npoll, &ts, NULL);
	if (n < 0) {
		if (errno == EINTR)
			return;
		fatal("ppoll");
	}
	for (k = npoll; n > 0 && k-- > 0;) {
		struct conn *c = &conns[pconn[k]];
		short re = pfds[k].revents;

		if (re == 0)
			continue;
		pfds[k].revents = 0;
		n--;
		if (c->state == CS_CONNECTING) {
			conn_connected(c);
			continue;
		}
		if (c->handshaking) {
			conn_handshake(c);
			continue;
		}
		if (re & (POLLIN | POLLHUP | POLLERR))
			conn_read(c);
		if (c->state != CS_DEAD && (re & POLLOUT))
			conn_flush(c);
	}
	if (tick != NULL)
		tick(now_ns());
}

/* Run passes until done() or the deadline; false on the deadline. */
static bool
loop_until(bool (*done)(void), int64_t deadline)
{
	while (!done()) {
		if (now_ns() >= deadline)
			return false;
		loop_pass(deadline);
	}
	return true;
}

/* phases shared by the workloads */

static int64_t run_deadline;

static bool
all_welcomed(void)
{
	return nwelcomed + ndead >= opt.clients;
}

static bool
all_joined(void)
{
	return njoined + ndead >= joiners;
}

static bool
all_synced(void)
{
	return nsynced + ndead >= opt.clients;
}

/* Opens connections, at most opt.window registrations in flight. */
static void
tick_connect(int64_t t)
{
	while (nopen < opt.clients && nopen - nwelcomed - ndead < opt.window)
		conn_open(&conns[nopen]);
}

static void
phase_register(void)
{
	tick = tick_connect;
	tick_connect(now_ns());
	if (!loop_until(all_welcomed, run_deadline))
		fatalx("%u of %u clients registered before the time limit",
		    nwelcomed, opt.clients);
	tick = NULL;
}

static void
phase_join(void)
{
	unsigned i;

	for (i = 0; i < joiners; i++) {
		conn_send(&conns[i], "JOIN %s\r\n", opt.chan);
		conn_flush(&conns[i]);
	}
	if (!loop_until(all_joined, run_deadline))
		fatalx("%u of %u clients joined before the time limit",
		    njoined, joiners);
}

/*
 * A PING on every connection: its PONG comes after everything the server
 * had queued for that connection (the JOIN echoes of later joiners, say),
 * so afterwards the server is idle and the CPU counters start clean.
 */
static void
phase_sync(void)
{
	unsigned i;

	nsynced = 0;
	park_welcomed = false;
	for (i = 0; i < opt.clients; i++) {
		poll_add(&conns[i]);
		conns[i].synced = false;
		conn_send(&conns[i], "PING :bench-sync\r\n");
		conn_flush(&conns[i]);
	}
	if (!loop_until(all_synced, run_deadline))
		fatalx("%u of %u clients synced before the time limit",
		    nsynced, opt.clients);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double
lat_pct_us(double pct)
{
	size_t i;

	if (nlat == 0)
		return -1;
	i = (size_t)(pct / 100.0 * (double)(nlat - 1) + 0.5);
	return (double)lat[i] / 1e3;
}

/* fan-out: burst and paced */

static const char fill[] = "lorem-ipsum-dolor-sit-amet-consectetur-adipiscing-elit-sed-do";

static void
fanout_send(struct conn *c, unsigned sender, int64_t t)
{
	int len;
	char head[64];

	c->sent++;
	len = snprintf(head, sizeof(head), "B %u %u %" PRId64 " ", sender,
	    c->sent, t);
	conn_send(c, "PRIVMSG %s :%s%.*s\r\n", opt.chan, head,
	    len < TEXT_PAD ? TEXT_PAD - len : 1, fill);
}

static void
tick_burst(int64_t t)
{
	unsigned s;

	for (s = 0; s < opt.senders; s++) {
		struct conn *c = &conns[s];

		if (c->state == CS_DEAD || c->sent >= opt.messages ||
		    c->out.len >= OUT_LOW)
			continue;
		while (c->sent < opt.messages && c->out.len < OUT_CHUNK)
			fanout_send(c, s, t);
		conn_flush(c);
	}
}

/* The pinger's PING, when one is due; the next one's time. */
static int64_t
tick_ping(int64_t t)
{
	struct conn *c = &conns[opt.clients - 1];

	if (opt.ping_ms <= 0 || next_msg >= total_msgs)
		return INT64_MAX;
	if (t >= next_ping) {
		conn_send(c, "PING :bench-p %" PRId64 "\r\n", now_ns());
		conn_flush(c);
		next_ping = t + (int64_t)(opt.ping_ms * NS_MS);
	}
	return next_ping;
}

static void
tick_paced(int64_t t)
{
	int64_t start = t_first_send;
	int64_t ping_due = tick_ping(t);

	while (next_msg < total_msgs) {
		int64_t due = start + (int64_t)((double)next_msg * 1e9 / opt.rate);
		unsigned s = (unsigned)(next_msg % opt.senders);

		if (due > t) {
			tick_due = due < ping_due ? due : ping_due;
			return;
		}
		fanout_send(&conns[s], s, now_ns());
		conn_flush(&conns[s]);
		next_msg++;
	}
	tick_due = INT64_MAX;
}

static bool
fanout_done(void)
{
	int64_t t = now_ns();

	if (received >= expected)
		return true;
	/* Everything sent and nothing arrived for a while: the rest is lost. */
	if (next_msg >= total_msgs && t - (t_last_recv > t_first_send ?
	    t_last_recv : t_first_send) > SETTLE_NS) {
		unsigned s;

		for (s = 0; s < opt.senders; s++)
			if (conns[s].out.len > 0 || (opt.w == W_BURST &&
			    conns[s].sent < opt.messages && conns[s].state != CS_DEAD))
				return false;
		return true;
	}
	return false;
}

static void
run_fanout(void)
{
	struct cpu_mark c0, c1;
	int64_t t0, treg, g0, g1;
	double secs;
	unsigned s;

	if (opt.senders > joiners)
		opt.senders = joiners;
	t0 = now_ns();
	phase_register();
	treg = now_ns();
	phase_join();
	phase_sync();

	total_msgs = (uint64_t)opt.senders * opt.messages;
	expected = total_msgs * (joiners - 1);
	lastseq = xcalloc((size_t)opt.clients * opt.senders, sizeof(*lastseq));
	latcap = expected;
	lat = xreallocarray(NULL, latcap, sizeof(*lat));

	c0 = cpu_mark(opt.server);
	g0 = self_cpu_ns();
	t_first_send = now_ns();
	t_last_recv = t_first_send;
	sending = true;
	if (opt.w == W_BURST) {
		next_msg = total_msgs;	/* burst senders track their own count */
		tick = tick_burst;
	} else {
		next_msg = 0;
		tick = tick_paced;
	}
	tick(t_first_send);
	loop_until(fanout_done, run_deadline);
	c1 = cpu_mark(opt.server);
	g1 = self_cpu_ns();
	tick = NULL;
	for (s = 0; s < opt.senders; s++)
		if (conns[s].sent < opt.messages)
			fprintf(stderr, "natter-bench: sender %u sent only %u\n",
			    s, conns[s].sent);

	secs = (double)(t_last_recv - t_first_send) / 1e9;
	qsort(lat, nlat, sizeof(*lat), cmp_i64);

	printf("result server=%s workload=%s clients=%u senders=%u messages=%u"
	    " rate=%.0f expected=%" PRIu64 " received=%" PRIu64
	    " lost=%" PRId64 " misordered=%" PRIu64 " secs=%.3f"
	    " deliveries_per_s=%.0f p50_us=%.1f p99_us=%.1f"
	    " cpu_us_per_delivery=%.4f cpu_stat_us_per_delivery=%.4f"
	    " register_s=%.3f gen_cpu_pct=%.0f errors=%u",
	    opt.label, workload_names[opt.w], opt.clients, opt.senders,
	    opt.messages, opt.w == W_PACED ? opt.rate : 0, expected, received,
	    (int64_t)(expected - received), misordered, secs,
	    secs > 0 ? (double)received / secs : 0, lat_pct_us(50),
	    lat_pct_us(99), cpu_us_per(c0, c1, received, false),
	    cpu_us_per(c0, c1, received, true), (double)(treg - t0) / 1e9,
	    secs > 0 ? (double)(g1 - g0) / 1e7 / secs : 0, errors);
	if (nplat > 0) {
		qsort(plat, nplat, sizeof(*plat), cmp_i64);
		printf(" pings=%" PRIu64 " ping_p50_us=%.1f ping_p99_us=%.1f"
		    " ping_max_us=%.1f", nplat, (double)plat[nplat / 2] / 1e3,
		    (double)plat[(size_t)((double)(nplat - 1) * 0.99)] / 1e3,
		    (double)plat[nplat - 1] / 1e3);
	}
	printf("\n");
}

/* idle: many registered connections */

static void
run_idle(void)
{
	struct cpu_mark c0, c1;
	long rss0, rss1;
	int64_t t0, t1;

	rss0 = opt.server > 0 ? proc_rss_kib(opt.server) : -1;
	c0 = cpu_mark(opt.server);
	park_welcomed = true;
	t0 = now_ns();
	phase_register();
	t1 = now_ns();
	phase_sync();
	c1 = cpu_mark(opt.server);
	rss1 = opt.server > 0 ? proc_rss_kib(opt.server) : -1;
	printf("result server=%s workload=idle clients=%u window=%u"
	    " register_s=%.3f rss_before_kib=%ld rss_after_kib=%ld"
	    " rss_per_conn_b=%.0f cpu_us_per_registration=%.1f errors=%u\n",
	    opt.label, opt.clients, opt.window, (double)(t1 - t0) / 1e9,
	    rss0, rss1, rss0 >= 0 && rss1 >= 0 ?
	    (double)(rss1 - rss0) * 1024.0 / opt.clients : -1,
	    cpu_us_per(c0, c1, opt.clients, false), errors);
}

/* pairs: private ping-pong */

static bool
pairs_done(void)
{
	unsigned i;

	if (!pairs_stop)
		return false;
	for (i = 0; i < opt.clients; i += 2)
		if (conns[i].waiting && conns[i].state != CS_DEAD)
			return false;
	return true;
}

static bool
never(void)
{
	return false;
}

static void
run_pairs(void)
{
	struct cpu_mark c0, c1;
	int64_t t0, t1, g0, g1;
	unsigned i;
	double secs;

	opt.clients &= ~1u;
	for (i = 0; i < opt.clients; i++)
		conns[i].peer = i ^ 1;
	phase_register();
	phase_sync();

	c0 = cpu_mark(opt.server);
	g0 = self_cpu_ns();
	t0 = now_ns();
	for (i = 0; i < opt.clients; i += 2)
		pairs_ping(&conns[i], t0);
	loop_until(never, t0 + (int64_t)(opt.duration * 1e9));
	pairs_stop = true;
	t1 = now_ns();
	/* The ones still out get a few seconds to come home, then are lost. */
	loop_until(pairs_done, t1 + SETTLE_NS);
	c1 = cpu_mark(opt.server);
	g1 = self_cpu_ns();
	secs = (double)(t_last_recv - t0) / 1e9;
	qsort(lat, nlat, sizeof(*lat), cmp_i64);
	printf("result server=%s workload=pairs clients=%u secs=%.3f"
	    " round_trips=%" PRIu64 " round_trips_per_s=%.0f"
	    " p50_us=%.1f p99_us=%.1f cpu_us_per_round_trip=%.3f"
	    " cpu_stat_us_per_round_trip=%.3f gen_cpu_pct=%.0f lost=%" PRIu64
	    " errors=%u\n",
	    opt.label, opt.clients, secs, pongs_got,
	    secs > 0 ? (double)pongs_got / secs : 0, lat_pct_us(50),
	    lat_pct_us(99), cpu_us_per(c0, c1, pongs_got, false),
	    cpu_us_per(c0, c1, pongs_got, true),
	    secs > 0 ? (double)(g1 - g0) / 1e7 / secs : 0,
	    pings_sent - pongs_got, errors);
}

/* flood: a screen client under a flood */

static bool
flood_names(void)
{
	return names_seen;
}

static bool
flood_arrived(void)
{
	return t_flood_arrive != 0;
}

static void
tick_flood(int64_t t)
{
	struct conn *c = &conns[0];

	if (c->sent >= opt.messages || c->out.len >= OUT_LOW)
		return;
	while (c->sent < opt.messages && c->out.len < OUT_CHUNK) {
		c->sent++;
		if (c->sent == opt.messages)
			conn_send(c, "PRIVMSG %s :F 0 %u %" PRId64 " %s\r\n",
			    opt.chan, c->sent, t, end_marker);
		else
			conn_send(c, "PRIVMSG %s :F 0 %u %" PRId64 " flood %.40s\r\n",
			    opt.chan, c->sent, t, fill);
	}
	conn_flush(c);
}

/* Whether the client's screen shows the marker now. */
static bool
screen_shows(const char *marker)
{
	char line[4096];
	bool found = false;
	FILE *f;

	if ((f = popen(opt.screen_cmd, "r")) == NULL)
		fatal("popen %s", opt.screen_cmd);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, marker) != NULL)
			found = true;
	pclose(f);
	return found;
}

static void
run_flood(void)
{
	struct cpu_mark c0, c1, c2;
	long rss0, rss1;
	int64_t t, t_screen = 0, deadline, capture = 0;
	int polls = 0;

	if (opt.screen_cmd == NULL || opt.watch_nick == NULL || opt.client <= 0)
		fatalx("flood needs -x screen-command, -k nick and -N client-pid");
	opt.clients = 2;	/* 0 floods, 1 is the reference receiver */
	snprintf(end_marker, sizeof(end_marker), "natter-bench-end-%d",
	    (int)getpid());
	phase_register();
	phase_join();
	/* The screen client must be in the channel before the flood starts. */
	deadline = now_ns() + 15 * NS_SEC;
	while (!names_seen && now_ns() < deadline) {
		conn_send(&conns[1], "NAMES %s\r\n", opt.chan);
		conn_flush(&conns[1]);
		loop_until(flood_names, now_ns() + 200 * NS_MS);
	}
	if (!names_seen)
		fatalx("%s never joined %s", opt.watch_nick, opt.chan);
	phase_sync();

	c0 = cpu_mark(opt.client);
	rss0 = proc_rss_kib(opt.client);
	t_first_send = now_ns();
	tick = tick_flood;
	tick(t_first_send);
	if (!loop_until(flood_arrived, run_deadline))
		fatalx("the reference receiver got %" PRIu64 " of %u messages",
		    received, opt.messages);
	tick = NULL;
	/*
	 * Poll the screen until the last message shows (or 30 s pass). The
	 * time is taken when the capture that shows it has returned: an upper
	 * bound, off by at most one capture (screen_capture_ms).
	 */
	deadline = t_flood_arrive + 30 * NS_SEC;
	while ((t = now_ns()) < deadline) {
		polls++;
		if (screen_shows(end_marker)) {
			t_screen = now_ns();
			capture = t_screen - t;
			break;
		}
	}
	c1 = cpu_mark(opt.client);
	/* Let the client finish whatever it still does with the flood. */
	deadline = now_ns() + 3 * NS_SEC;
	for (;;) {
		struct timespec ts = { 0, 100 * NS_MS };

		nanosleep(&ts, NULL);
		c2 = cpu_mark(opt.client);
		if (c2.sched == c1.sched || now_ns() >= deadline)
			break;
		c1 = c2;
	}
	rss1 = proc_rss_kib(opt.client);
	printf("result client=%s workload=flood messages=%u"
	    " flood_s=%.3f screen_lag_ms=%.1f screen_polls=%d"
	    " screen_capture_ms=%.1f"
	    " cpu_us_per_message=%.2f cpu_stat_us_per_message=%.2f"
	    " rss_before_kib=%ld rss_after_kib=%ld rss_per_line_b=%.0f"
	    " reference_received=%" PRIu64 " errors=%u\n",
	    opt.label, opt.messages, (double)(t_flood_arrive - t_first_send) / 1e9,
	    t_screen ? (double)(t_screen - t_flood_arrive) / 1e6 : -1.0, polls,
	    (double)capture / 1e6,
	    cpu_us_per(c0, c2, opt.messages, false),
	    cpu_us_per(c0, c2, opt.messages, true), rss0, rss1,
	    rss0 >= 0 && rss1 >= 0 ? (double)(rss1 - rss0) * 1024.0 /
	    opt.messages : -1, received, errors);
}

/* main */

static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		fatal("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		fatal("bind 127.0.0.1:0");
	close(fd);
	return ntohs(sin.sin_port);
}

/* Room for every socket: the soft limit up to the hard one. */
static void
raise_nofile(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		fatal("getrlimit");
	if (rl.rlim_cur < need + 16) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need + 16 ?
		    need + 16 : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			fatal("setrlimit");
	}
	if (rl.rlim_cur < need + 16)
		fatalx("%u connections need %u descriptors; the hard limit is %lu",
		    need, need + 16, (unsigned long)rl.rlim_max);
}

static void
usage(void)
{
	fprintf(stderr, "usage: natter-bench -w workload -p port [options]"
	    " (see --help)\n");
	exit(64);
}

static void
help(void)
{
	printf("usage: natter-bench -w workload -p port [options]\n"
	    "The load generator of make bench (tests/bench/run.sh); 127.0.0.1 only.\n"
	    "  -w burst|paced|idle|pairs|flood|port   workload (port: print a free port)\n"
	    "  -p port          server port on 127.0.0.1\n"
	    "  -c clients       connections (default 100; pairs: 2 per pair)\n"
	    "  -s senders       fan-out senders among the clients (default 10)\n"
	    "  -m messages      per sender; flood: in all (default 500)\n"
	    "  -r rate          paced: messages per second, all senders (default 2000)\n"
	    "  -d seconds       pairs: how long to play ping-pong (default 10)\n"
	    "  -G ms            paced: the last client joins nothing and PINGs\n"
	    "                   this often (how long others wait for a PONG)\n"
	    "  -t               connect over TLS (no certificate check)\n"
	    "  -T seconds       cap on the whole run (default 60)\n"
	    "  -W window        registrations in flight at once (default 8)\n"
	    "  -P pid           server to measure (CPU, RSS) from /proc\n"
	    "  -L label         name printed as server=/client= (default server)\n"
	    "  -j channel       channel (default #bench)\n"
	    "  -x command       flood: prints the client's screen (tmux capture-pane)\n"
	    "  -k nick          flood: the screen client's nick, awaited in NAMES\n"
	    "  -N pid           flood: the screen client, measured from /proc\n"
	    "  -h, --help       this help\n"
	    "Prints one line: result key=value ...; exit 64 on bad usage.\n");
}

static unsigned
num(const char *s, const char *what, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max) {
		fprintf(stderr, "natter-bench: bad %s: %s\n", what, s);
		exit(64);
	}
	return (unsigned)v;
}

static double
real(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v > 0) || v > 1e7) {
		fprintf(stderr, "natter-bench: bad %s: %s\n", what, s);
		exit(64);
	}
	return v;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned i;
	int ch;
	size_t w;

	log_init("natter-bench", LOG_LEVEL_INFO, false);
	opterr = 0;	/* one line of our own for a bad option */
	while ((ch = getopt_long(argc, argv, "c:d:G:hj:k:L:m:N:p:P:r:s:tT:W:w:x:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': opt.clients = num(optarg, "client count", 100000); break;
		case 'd': opt.duration = real(optarg, "duration"); break;
		case 'G': opt.ping_ms = real(optarg, "ping interval"); break;
		case 'j': opt.chan = optarg; break;
		case 'k': opt.watch_nick = optarg; break;
		case 'L': opt.label = optarg; break;
		case 'm': opt.messages = num(optarg, "message count", 10000000); break;
		case 'N': opt.client = (pid_t)num(optarg, "client pid", INT_MAX); break;
		case 'p': opt.port = (int)num(optarg, "port", 65535); break;
		case 'P': opt.server = (pid_t)num(optarg, "server pid", INT_MAX); break;
		case 'r': opt.rate = real(optarg, "rate"); break;
		case 's': opt.senders = num(optarg, "sender count", 100000); break;
		case 't': opt.tls = true; break;
		case 'T': opt.timeout = real(optarg, "timeout"); break;
		case 'W': opt.window = num(optarg, "window", 100000); break;
		case 'w':
			for (w = 0; w < nitems(workload_names); w++)
				if (strcmp(optarg, workload_names[w]) == 0)
					break;
			if (w == nitems(workload_names)) {
				fprintf(stderr, "natter-bench: unknown workload: %s\n",
				    optarg);
				exit(64);
			}
			opt.w = (enum workload)w;
			break;
		case 'x': opt.screen_cmd = optarg; break;
		case 'h':
			help();
			return 0;
		case '?':
			fprintf(stderr, "natter-bench: bad option %s (see --help)\n",
			    argv[optind - 1]);
			exit(64);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (opt.w == W_PORT) {
		printf("%d\n", free_port());
		return 0;
	}
	if (opt.port == 0 || opt.clients == 0 || opt.senders == 0 ||
	    opt.messages == 0 || opt.window == 0) {
		fprintf(stderr, "natter-bench: -p port and nonzero counts needed\n");
		exit(64);
	}
	if (opt.w == W_FLOOD)
		opt.clients = 2;
	if (opt.w == W_PAIRS && opt.clients < 2)
		opt.clients = 2;
	if (opt.w != W_PACED)
		opt.ping_ms = 0;
	if (opt.ping_ms > 0 && opt.clients < 3)
		opt.clients = 3;	/* two to chat, one to PING */
	joiners = opt.clients - (opt.ping_ms > 0);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(opt.clients);
	if (opt.tls) {
		if ((tls_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
			fatalx("SSL_CTX_new failed");
		SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
		/* 5 000 idle sessions: the generator keeps no buffers
		 * either while they are quiet. */
		SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
		    SSL_MODE_RELEASE_BUFFERS);
	}

	conns = xcalloc(opt.clients, sizeof(*conns));
	pfds = xcalloc(opt.clients, sizeof(*pfds));
	pconn = xcalloc(opt.clients, sizeof(*pconn));
	for (i = 0; i < opt.clients; i++) {
		conns[i].fd = -1;
		conns[i].slot = -1;
		conns[i].idx = i;
		snprintf(conns[i].nick, sizeof(conns[i].nick), "b%u", i);
	}
	run_deadline = now_ns() + (int64_t)(opt.timeout * 1e9);

	switch (opt.w) {
	case W_BURST:
	case W_PACED:
		run_fanout();
		break;
	case W_IDLE:
		run_idle();
		break;
	case W_PAIRS:
		run_pairs();
		break;
	case W_FLOOD:
		run_flood();
		break;
	case W_PORT:
		break;
	}
	if (first_error[0] != '\0')
		fprintf(stderr, "natter-bench: first error: %s\n", first_error);
	if (overlong > 0)
		fprintf(stderr, "natter-bench: %u overlong lines skipped\n", overlong);
	fflush(stdout);
	/* The server sees every connection close at once; no need to QUIT. */
	return 0;
}
