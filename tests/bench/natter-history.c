/*
 * natter-history: make bench's figures for a long history (run.sh).
 *
 *   natter-history fill -d db -n messages [-t targets] [-c channels]
 *	Writes a history database as natterd writes it: through
 *	history.c and hist-sqlite.c themselves (hist_open, hist_key,
 *	hist_add, hist_commit), so the schema, the keys, the tag filter,
 *	the FTS index and the TARGETS summary are natterd's own, never a
 *	copy. Most messages go to the channels #c0 ... (one sender among
 *	a few hundred nicks each, 5 to 12 words of a made-up language);
 *	a tenth are private between the account bench and one of
 *	-t nicks (each stored for both parties, as natterd does), so
 *	bench has that many TARGETS. The messages are spread over the
 *	30 days before now. One word, "quokka", is rare (one message in
 *	ten thousand). Synchronous=NORMAL: a loader need not fsync every
 *	batch, what counts is what is on disk at the end.
 *
 *   natter-history query -p port -w password -c channels -- natterd args...
 *	Starts natterd (args, plus --ready-fd and -l 127.0.0.1:port) on a
 *	filled database, three times: the time from fork to its ready
 *	line and to a client's 001 is start-up. Then, on the third:
 *	CHATHISTORY LATEST, BEFORE and AROUND of 100 rows in random
 *	channels at random times, TARGETS (100) over all of bench's
 *	targets, SEARCH for a common and for the rare word, and JOIN with
 *	the replay of a client without chathistory; each -r times, one at
 *	a time, the time from the request's write to the reply's last
 *	line. Last, filling through the wire: 4 senders with echo-message
 *	send -m messages each as fast as natterd takes them, each to its
 *	own channel, timed until the last echo (an echo is sent once its
 *	batch is committed, with --sync full once it is fsynced), and
 *	natterd's CPU (all its threads) per message meanwhile.
 *
 *   natter-history wire -p port [-m messages] -- natterd args...
 *	The fill through the wire alone (as query's last step) on a
 *	natterd started with args, any store: make bench runs it with
 *	--db none beside the durable default. natterd's CPU a message is
 *	split by thread (the loop's and the storage thread's, from each
 *	one's /proc schedstat), the generator's own beside it.
 *
 *   natter-history floor -d dir [-r rows] [-k targets] [-c commits]
 *	What a durable commit costs on this disk, beside natterd's own:
 *	the floor under make bench's pairs. Each part writes -c commits
 *	of -r rows (default 52: what natterd's storage thread commits at
 *	once in pairs, 26 private messages of two rows each) over -k
 *	conversations (default 100, pairs' 50 pairs both ways), in WAL
 *	with synchronous=FULL, a passive checkpoint every 200 commits, on
 *	a fresh database in dir. "fsync": one 4 KiB pwrite and fdatasync
 *	a commit, no SQLite; "bare": a table of the same columns without
 *	any index; "indexed": the shape of natterd's messages (clustered by
 *	conversation, with its id and msgid indexes); "natterd":
 *	natterd's own store (history.c, hist-sqlite.c, its storage
 *	thread), the search index and the TARGETS summary too. CPU is the
 *	process's, every thread's (getrusage), per row and per pairs round
 *	trip (4 rows), system CPU apart.
 *
 * Each mode ends with one line "result workload=... key=value ...".
 * Figures to read, never assertions: the exit status only says whether
 * the run worked (64 bad usage, 1 could not run).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "natterd.h"
#include "testlib.h"

#define FILL_BATCH 10000	/* messages handed to the storage thread at once */
#define FILL_DAYS 30		/* the history spans this many days before now */
#define FILL_WORDS 4096		/* the made-up language's vocabulary */
#define FILL_RARE_EVERY 10000	/* one message in this many says "quokka" */
#define FILL_NICKS 300		/* senders in the channels */
#define REPLY_MS 30000		/* longest wait for any reply */
#define START_RUNS 3
#define WIRE_SENDERS 4
#define LINE_CAP 8192

static const char *const syllables[] = {
	"ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "en", "ar", "po",
	"li", "da", "ge", "fu", "zo", "ba", "te", "ri", "mo", "su", "han",
	"ver", "qua", "tol", "bri", "nek", "sam", "dor", "pel", "wi", "xe",
};

/* splitmix64: a reproducible stream, the same database every run. */
static uint64_t rng_state = 0x6e6174746572ULL;
static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: natter-history fill -d db -n messages"
	    " [-t targets] [-c channels]\n"
	    "       natter-history query -p port -w password -c channels"
	    " [-r reps] [-m wire-messages] -- natterd args...\n"
	    "       natter-history wire -p port [-m messages] --"
	    " natterd args...\n"
	    "       natter-history floor -d dir [-r rows] [-k targets]"
	    " [-c commits]\n");
	exit(64);
}

/* fill */

/* Word w of the vocabulary: two or three syllables. */
static void
word(char *buf, size_t cap, unsigned w)
{
	unsigned n = nitems(syllables);
	snprintf(buf, cap, "%s%s%s", syllables[w % n], syllables[w / n % n],
	    w / n / n % 3 == 0 ? syllables[w / n / n % n] : "");
}

/* A line of 5 to 12 words; the lower words far more often (a word's
 * rank is the product of two uniform draws, roughly Zipf-like). */
static void
sentence(char *buf, size_t cap, bool rare)
{
	size_t n = 0;
	int words = 5 + (int)(rng() % 8);
	char w[32];

	buf[0] = '\0';
	for (int i = 0; i < words; i++) {
		uint64_t r = rng();
		unsigned rank = (unsigned)((r & 0xffff) * ((r >> 16) & 0xffff) /
		    (65536ULL * 65536ULL / FILL_WORDS));
		word(w, sizeof(w), rank);
		if (rare && i == words / 2)
			str_copy(w, "quokka", sizeof(w));
		int k = snprintf(buf + n, cap - n, "%s%s", i ? " " : "", w);
		if (k < 0 || (size_t)k >= cap - n)
			break;
		n += (size_t)k;
	}
}

/* A msgid as long as natterd's (11 base32 digits). */
static void
fill_msgid(char *buf, size_t cap, uint64_t v)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz234567";
	char tmp[16];
	size_t n = 0;

	v += (uint64_t)1 << 52;
	while (v != 0 && n < sizeof(tmp)) {
		tmp[n++] = digits[v & 31];
		v >>= 5;
	}
	size_t i = 0;
	while (n > 0 && i + 1 < cap)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
}

static void
add(const struct hist_msg *m, const char *key)
{
	struct hold *h = hist_add(m, key);
	if (h != NULL)
		hold_unref(h);
}

static int
fill(int argc, char **argv)
{
	const char *path = NULL;
	long long count = 0, targets = 200000, channels = 50;
	int ch;
	char err[512];

	while ((ch = getopt(argc, argv, "c:d:n:t:")) != -1) {
		switch (ch) {
		case 'c': channels = atoll(optarg); break;
		case 'd': path = optarg; break;
		case 'n': count = atoll(optarg); break;
		case 't': targets = atoll(optarg); break;
		default: usage();
		}
	}
	if (path == NULL || count <= 0 || channels <= 0 || targets < 0)
		usage();
	/* A tenth of the messages are private: no more targets than that. */
	if (targets > count / 10)
		targets = count / 10;
	log_init("natter-history", LOG_LEVEL_WARN, false);
	if (hist_open(path, false, err, sizeof(err)) == -1) {
		fprintf(stderr, "natter-history: %s\n", err);
		return 1;
	}
	hist_set_retention(0, 0, 0);

	int64_t end = time_now_ms() - 60000;
	int64_t span = (int64_t)FILL_DAYS * 86400000;
	int64_t first = end - span;
	char text[IRC_BODY_MAX], source[128], target[IRC_CHAN_MAX + 1];
	char key[HIST_KEY_MAX], owner[CONN_OWNER_MAX + 1], nick[24];
	long long rows = 0, priv = 0, rare = 0;
	double t0 = now_s();

	for (long long i = 0; i < count; i++) {
		struct hist_msg m = {
			.time_ms = first + (int64_t)((double)span * i / count),
			.command = "PRIVMSG", .tags = "", .source = source,
			.target = target, .text = text,
		};
		bool is_rare = rng() % FILL_RARE_EVERY == 0;
		rare += is_rare;
		sentence(text, sizeof(text), is_rare);
		fill_msgid(m.msgid, sizeof(m.msgid), (uint64_t)i);
		if (targets > 0 && i % 10 == 9) {
			/* bench and nick K, each way in turn. */
			long long k = priv++ % targets;
			snprintf(nick, sizeof(nick), "nick%lld", k);
			bool out = priv / targets % 2 == 1;
			snprintf(source, sizeof(source), "%s!~%s@192.0.2.%lld",
			    out ? "bench" : nick, out ? "bench" : nick,
			    k % 250 + 1);
			str_copy(target, out ? nick : "bench", sizeof(target));
			str_copy(owner, "@bench", sizeof(owner));
			hist_key(key, sizeof(key), owner, nick);
			add(&m, key);
			snprintf(owner, sizeof(owner), "@%s", nick);
			hist_key(key, sizeof(key), owner, "bench");
			add(&m, key);
			rows += 2;
		} else {
			unsigned s = (unsigned)(rng() % FILL_NICKS);
			snprintf(source, sizeof(source), "user%u!~user%u@192.0.2.%u",
			    s, s, s % 250 + 1);
			snprintf(target, sizeof(target), "#c%llu",
			    (unsigned long long)(rng() % (uint64_t)channels));
			hist_key(key, sizeof(key), NULL, target);
			add(&m, key);
			rows++;
		}
		if ((i + 1) % FILL_BATCH == 0 || i + 1 == count) {
			hist_commit();
			hist_sync();
		}
	}
	hist_close();
	double secs = now_s() - t0;

	struct stat sb;
	long long bytes = 0;
	if (stat(path, &sb) == 0)
		bytes = (long long)sb.st_size;
	char wal[PATH_MAX];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &sb) == 0)
		bytes += (long long)sb.st_size;
	printf("result workload=fill messages=%lld rows=%lld channels=%lld"
	    " targets=%lld rare=%lld first_ms=%" PRId64 " last_ms=%" PRId64
	    " secs=%.1f rows_per_s=%.0f disk_b=%lld disk_per_message_b=%.1f"
	    " disk_per_row_b=%.1f\n", count, rows, channels, targets, rare,
	    first, first + (int64_t)((double)span * (count - 1) / count),
	    secs, rows / secs, bytes, (double)bytes / count,
	    (double)bytes / rows);
	return 0;
}

/* query: a blocking IRC client */

struct irc {
	int fd;
	char buf[65536];
	size_t len;
};

static int port;
static pid_t server = -1;

static void
stop_server(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		server = -1;
	}
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "natter-history: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	stop_server();
	exit(1);
}

static int
tcp_connect(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void __attribute__((format(printf, 2, 3)))
irc_send(struct irc *c, const char *fmt, ...)
{
	char line[LINE_CAP];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		die("line too long");
	line[n++] = '\r';
	line[n++] = '\n';
	for (int off = 0; off < n;) {
		ssize_t w = write(c->fd, line + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write: %s", strerror(errno));
		off += (int)w;
	}
}

/* The next line (without CR LF) into out; PINGs are answered here. */
static void
irc_line(struct irc *c, char *out, size_t cap)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl != NULL) {
			size_t n = (size_t)(nl - c->buf);
			size_t k = n > 0 && c->buf[n - 1] == '\r' ? n - 1 : n;
			if (k >= cap)
				k = cap - 1;
			memcpy(out, c->buf, k);
			out[k] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			if (strncmp(out, "PING ", 5) == 0) {
				irc_send(c, "PONG %s", out + 5);
				continue;
			}
			return;
		}
		if (c->len == sizeof(c->buf))
			die("a line longer than %zu bytes", sizeof(c->buf));
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, REPLY_MS) != 1)
			die("no reply within %d ms", REPLY_MS);
		ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r <= 0)
			die("the server closed the connection");
		c->len += (size_t)r;
	}
}

/* The command of a line: past its tags and source; *rest: what follows. */
static const char *
command(char *line, char **rest)
{
	char *p = line;
	if (*p == '@')
		p = strchr(p, ' ') != NULL ? strchr(p, ' ') + 1 : p + strlen(p);
	if (*p == ':')
		p = strchr(p, ' ') != NULL ? strchr(p, ' ') + 1 : p + strlen(p);
	char *sp = strchr(p, ' ');
	if (sp != NULL)
		*sp++ = '\0';
	*rest = sp != NULL ? sp : p + strlen(p);
	return p;
}

/* Whether one of the parameters in rest starts with word. */
static bool
param_starts(const char *rest, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = rest; p != NULL; p = strchr(p, ' ')) {
		p += *p == ' ';
		p += *p == ':';
		if (strncmp(p, word, n) == 0)
			return true;
	}
	return false;
}

/* Read until a line whose command is cmd (and, if word, one of whose
 * parameters starts with it); the rows on the way (PRIVMSG, NOTICE, and
 * CHATHISTORY TARGETS lines) are counted in *rows. FAIL or an ERR numeric ends it as a failure. */
static bool
irc_until(struct irc *c, const char *cmd, const char *word, int *rows)
{
	char line[LINE_CAP], *rest;
	for (;;) {
		irc_line(c, line, sizeof(line));
		const char *k = command(line, &rest);
		if (strcmp(k, cmd) == 0 && (word == NULL ||
		    param_starts(rest, word)))
			return true;
		if (rows != NULL && (strcmp(k, "PRIVMSG") == 0 ||
		    strcmp(k, "NOTICE") == 0 || strcmp(k, "CHATHISTORY") == 0))
			(*rows)++;
		if (strcmp(k, "376") == 0 && strcmp(cmd, "422") == 0)
			return true;	/* the MOTD's end, whether there is one */
		if (strcmp(k, "FAIL") == 0 || strcmp(k, "ERROR") == 0 ||
		    (k[0] == '4' && strlen(k) == 3 && strcmp(k, "422") != 0)) {
			fprintf(stderr, "natter-history: %s %s\n", k, rest);
			return false;
		}
	}
}

/* Register nick with the capabilities caps (NULL: none). */
static void
irc_register(struct irc *c, const char *nick, const char *caps)
{
	for (int i = 0; (c->fd = tcp_connect()) == -1; i++) {
		if (i == 5000)
			die("cannot connect to port %d", port);
		usleep(1000);
	}
	c->len = 0;
	if (caps != NULL)
		irc_send(c, "CAP REQ :%s", caps);
	irc_send(c, "NICK %s", nick);
	irc_send(c, "USER %s 0 * :natter-history", nick);
	if (caps != NULL) {
		if (!irc_until(c, "CAP", "ACK", NULL))
			die("CAP REQ %s refused", caps);
		irc_send(c, "CAP END");
	}
	if (!irc_until(c, "422", NULL, NULL))
		die("%s could not register", nick);
}

/* Start natterd with args; the seconds until its ready line and until a
 * client is welcomed. */
static void
start(char **args, int nargs, double *ready_s, double *welcome_s)
{
	int p[2];
	char fdarg[16], listen[32];
	char **av = xcalloc((size_t)nargs + 6, sizeof(*av));

	if (pipe(p) == -1)
		die("pipe: %s", strerror(errno));
	snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	memcpy(av, args, (size_t)nargs * sizeof(*av));
	av[nargs] = "--ready-fd";
	av[nargs + 1] = fdarg;
	av[nargs + 2] = "-l";
	av[nargs + 3] = listen;
	double t0 = now_s();
	server = fork();
	if (server == -1)
		die("fork: %s", strerror(errno));
	if (server == 0) {
		close(p[0]);
		execvp(av[0], av);
		_exit(127);
	}
	free(av);
	close(p[1]);
	char buf[256];
	ssize_t n = read(p[0], buf, sizeof(buf));
	close(p[0]);
	if (n <= 0)
		die("%s did not start", args[0]);
	*ready_s = now_s() - t0;
	struct irc c;
	irc_register(&c, "starter", NULL);
	*welcome_s = now_s() - t0;
	close(c.fd);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The figures of n timings in us: median and p99 into the result. */
static void
report(struct sb *out, const char *name, double *t, int n, long rows)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	int i99 = (n * 99 + 99) / 100 - 1;
	sb_printf(out, " %s_p50_us=%.0f %s_p99_us=%.0f %s_rows=%.1f", name,
	    t[n / 2] * 1e6, name, t[i99 < n ? i99 : n - 1] * 1e6, name,
	    (double)rows / n);
}

/*
 * natterd's CPU in us so far, from the scheduler's ns count of each of
 * its threads (/proc/PID/task/TID/schedstat): the loop thread's (TID is
 * the PID) and the others' (the storage thread) apart.
 */
struct wire_cpu {
	double loop_us, store_us;
};

static void
server_cpu(struct wire_cpu *c)
{
	char path[PATH_MAX], buf[128];
	unsigned long long ns;

	c->loop_us = c->store_us = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)server);
	DIR *d = opendir(path);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
		    (int)server, e->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		if (sscanf(buf, "%llu", &ns) != 1)
			continue;
		if (atoi(e->d_name) == (int)server)
			c->loop_us += (double)ns / 1e3;
		else
			c->store_us += (double)ns / 1e3;
	}
	closedir(d);
}

/* This process's CPU in us so far: the generator's. */
static double
self_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Wire fill: each sender its own channel; the time until every echo.
 * The lines come from a pool made beforehand, so the generator's own
 * CPU stays small beside natterd's. Appends its figures to res. */
#define WIRE_POOL 1024
static void
wire(int messages, struct sb *res)
{
	struct irc s[WIRE_SENDERS];
	int sent[WIRE_SENDERS] = { 0 }, echoed[WIRE_SENDERS] = { 0 };
	struct sb out[WIRE_SENDERS];
	char nick[32], line[LINE_CAP], text[IRC_BODY_MAX];
	struct wire_cpu c0, c1;

	memset(out, 0, sizeof(out));
	for (int i = 0; i < WIRE_SENDERS; i++) {
		snprintf(nick, sizeof(nick), "filler%d", i);
		irc_register(&s[i], nick, "echo-message");
		irc_send(&s[i], "JOIN #fill%d", i);
		if (!irc_until(&s[i], "366", NULL, NULL))
			die("JOIN #fill%d", i);
	}
	static char pool[WIRE_POOL][IRC_BODY_MAX + 8];
	for (int k = 0; k < WIRE_POOL; k++) {
		sentence(text, sizeof(text), false);
		snprintf(pool[k], sizeof(pool[k]), " :%s\r\n", text);
	}
	server_cpu(&c0);
	double t0 = now_s(), g0 = self_cpu_us();
	int done = 0;
	while (done < WIRE_SENDERS) {
		struct pollfd p[WIRE_SENDERS];
		for (int i = 0; i < WIRE_SENDERS; i++) {
			while (out[i].len < 16384 && sent[i] < messages) {
				sb_printf(&out[i], "PRIVMSG #fill%d", i);
				sb_str(&out[i], pool[(sent[i] * 7 + i) % WIRE_POOL]);
				sent[i]++;
			}
			p[i].fd = s[i].fd;
			p[i].events = POLLIN | (out[i].len > 0 ? POLLOUT : 0);
		}
		if (poll(p, WIRE_SENDERS, REPLY_MS) <= 0)
			die("wire fill: nothing for %d ms", REPLY_MS);
		for (int i = 0; i < WIRE_SENDERS; i++) {
			if (p[i].revents & POLLOUT) {
				ssize_t w = write(s[i].fd, out[i].p, out[i].len);
				if (w > 0)
					sb_drop(&out[i], (size_t)w);
			}
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(s[i].fd, s[i].buf + s[i].len,
			    sizeof(s[i].buf) - s[i].len);
			if (r <= 0)
				die("wire fill: the server closed filler%d", i);
			s[i].len += (size_t)r;
			char *nl;
			while ((nl = memchr(s[i].buf, '\n', s[i].len)) != NULL) {
				size_t n = (size_t)(nl - s[i].buf) + 1;
				memcpy(line, s[i].buf, n < sizeof(line) ? n :
				    sizeof(line) - 1);
				line[n < sizeof(line) ? n - 1 : sizeof(line) - 1] = '\0';
				memmove(s[i].buf, nl + 1, s[i].len - n);
				s[i].len -= n;
				char *rest;
				const char *k = command(line, &rest);
				if (strcmp(k, "PRIVMSG") == 0 &&
				    ++echoed[i] == messages)
					done++;
				else if (strcmp(k, "PING") == 0)
					irc_send(&s[i], "PONG %s", rest);
				else if (strcmp(k, "FAIL") == 0 ||
				    strcmp(k, "ERROR") == 0)
					die("wire fill: %s %s", k, rest);
			}
		}
	}
	double secs = now_s() - t0, gen = self_cpu_us() - g0;
	server_cpu(&c1);
	for (int i = 0; i < WIRE_SENDERS; i++) {
		close(s[i].fd);
		sb_free(&out[i]);
	}
	double total = (double)messages * WIRE_SENDERS;
	double loop = c1.loop_us - c0.loop_us, st = c1.store_us - c0.store_us;
	sb_printf(res, " wire_messages=%.0f wire_secs=%.2f"
	    " wire_msgs_per_s=%.0f wire_cpu_us_per_message=%.1f"
	    " wire_loop_us_per_message=%.1f wire_store_us_per_message=%.1f"
	    " wire_gen_us_per_message=%.1f wire_loop_pct=%.0f"
	    " wire_store_pct=%.0f wire_gen_pct=%.0f",
	    total, secs, total / secs, (loop + st) / total, loop / total,
	    st / total, gen / total, loop / secs / 1e4, st / secs / 1e4,
	    gen / secs / 1e4);
}

static int
query(int argc, char **argv)
{
	const char *password = NULL;
	int channels = 50, reps = 200, wire_msgs = 250000, ch;
	int64_t first = 0, last = 0;

	while ((ch = getopt(argc, argv, "a:b:c:m:p:r:w:")) != -1) {
		switch (ch) {
		case 'a': first = atoll(optarg); break;
		case 'b': last = atoll(optarg); break;
		case 'c': channels = atoi(optarg); break;
		case 'm': wire_msgs = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 'r': reps = atoi(optarg); break;
		case 'w': password = optarg; break;
		default: usage();
		}
	}
	if (port <= 0 || password == NULL || channels <= 0 || reps <= 0 ||
	    last <= first || optind >= argc)
		usage();
	signal(SIGPIPE, SIG_IGN);

	double ready[START_RUNS], welcome[START_RUNS];
	for (int i = 0; i < START_RUNS; i++) {
		if (i > 0)
			stop_server();
		start(argv + optind, argc - optind, &ready[i], &welcome[i]);
	}
	struct sb res = { 0 };
	sb_printf(&res, "result workload=history");
	qsort(ready, START_RUNS, sizeof(double), cmp_double);
	qsort(welcome, START_RUNS, sizeof(double), cmp_double);
	sb_printf(&res, " start_ready_ms=%.1f start_welcome_ms=%.1f",
	    ready[START_RUNS / 2] * 1e3, welcome[START_RUNS / 2] * 1e3);

	struct irc a, b;
	irc_register(&a, "bench", "batch server-time message-tags"
	    " draft/chathistory soju.im/search");
	irc_send(&a, "PRIVMSG NickServ :IDENTIFY bench %s", password);
	if (!irc_until(&a, "900", NULL, NULL))
		die("cannot log in as bench");
	for (int i = 0; i < channels; i++) {
		irc_send(&a, "JOIN #c%d", i);
		if (!irc_until(&a, "366", NULL, NULL))
			die("JOIN #c%d", i);
	}
	irc_register(&b, "joiner", NULL);

	double *t = xcalloc((size_t)reps, sizeof(*t));
	char ts[64];
	static const char *const subs[] = { "latest", "before", "around" };
	for (size_t k = 0; k < nitems(subs); k++) {
		long rows = 0;
		for (int i = 0; i < reps; i++) {
			int chan = (int)(rng() % (uint64_t)channels);
			int64_t at = first + (int64_t)(rng() %
			    (uint64_t)(last - first));
			time_format(ts, sizeof(ts), at);
			double t0 = now_s();
			if (k == 0)
				irc_send(&a, "CHATHISTORY LATEST #c%d * 100", chan);
			else
				irc_send(&a, "CHATHISTORY %s #c%d timestamp=%s 100",
				    k == 1 ? "BEFORE" : "AROUND", chan, ts);
			int n = 0;
			if (!irc_until(&a, "BATCH", "-", &n))
				die("CHATHISTORY %s failed", subs[k]);
			t[i] = now_s() - t0;
			rows += n;
		}
		report(&res, subs[k], t, reps, rows);
	}

	char lo[64], hi[64];
	time_format(lo, sizeof(lo), first - 1);
	time_format(hi, sizeof(hi), last + 1);
	long rows = 0;
	for (int i = 0; i < reps; i++) {
		double t0 = now_s();
		irc_send(&a, "CHATHISTORY TARGETS timestamp=%s timestamp=%s 100",
		    hi, lo);
		int n = 0;
		if (!irc_until(&a, "BATCH", "-", &n))
			die("CHATHISTORY TARGETS failed");
		t[i] = now_s() - t0;
		rows += n;
	}
	report(&res, "targets", t, reps, rows);

	/* A common word (the commonest of the language) and the rare one. */
	char common[32];
	word(common, sizeof(common), 0);
	const char *const words[] = { common, "quokka" };
	const char *const names[] = { "search_common", "search_rare" };
	for (size_t k = 0; k < nitems(words); k++) {
		rows = 0;
		for (int i = 0; i < reps; i++) {
			double t0 = now_s();
			irc_send(&a, "SEARCH text=%s", words[k]);
			int n = 0;
			if (!irc_until(&a, "BATCH", "-", &n))
				die("SEARCH %s failed", words[k]);
			t[i] = now_s() - t0;
			rows += n;
		}
		report(&res, names[k], t, reps, rows);
	}

	rows = 0;
	for (int i = 0; i < reps; i++) {
		int chan = (int)(rng() % (uint64_t)channels);
		double t0 = now_s();
		/* The replay follows the names: a PING after the JOIN is
		 * answered once all of it is out. */
		irc_send(&b, "JOIN #c%d", chan);
		irc_send(&b, "PING :replayed");
		int n = 0;
		if (!irc_until(&b, "PONG", "replayed", &n))
			die("JOIN #c%d failed", chan);
		t[i] = now_s() - t0;
		rows += n;
		irc_send(&b, "PART #c%d", chan);
		if (!irc_until(&b, "PART", NULL, NULL))
			die("PART #c%d failed", chan);
	}
	report(&res, "join_replay", t, reps, rows);
	close(a.fd);
	close(b.fd);
	free(t);

	if (wire_msgs > 0)
		wire(wire_msgs, &res);
	stop_server();
	printf("%s\n", res.p);
	sb_free(&res);
	return 0;
}

/* wire: the fill through the wire alone, on a natterd started with
 * args (any store: --db none for the ratio). */
static int
wire_main(int argc, char **argv)
{
	int wire_msgs = 250000, ch;
	double ready, welcome;

	while ((ch = getopt(argc, argv, "m:p:")) != -1) {
		switch (ch) {
		case 'm': wire_msgs = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		default: usage();
		}
	}
	if (port <= 0 || wire_msgs <= 0 || optind >= argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	start(argv + optind, argc - optind, &ready, &welcome);
	struct sb res = { 0 };
	sb_printf(&res, "result workload=wire");
	wire(wire_msgs, &res);
	stop_server();
	printf("%s\n", res.p);
	sb_free(&res);
	return 0;
}

/* floor */

#define FLOOR_CHECKPOINT 200	/* commits between passive checkpoints */
#define FLOOR_TEXT "lo mita verka shine rutavo enar pelidage"

/* This process's CPU so far, every thread's, and the system's part. */
static void
floor_cpu(double *all_us, double *sys_us)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*sys_us = (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
	*all_us = *sys_us + (double)ru.ru_utime.tv_sec * 1e6 +
	    (double)ru.ru_utime.tv_usec;
}

/* A fresh path in dir: name, its -wal, -shm and .lock gone. */
static void
floor_path(char *buf, size_t cap, const char *dir, const char *name)
{
	static const char *const tails[] = { "", "-wal", "-shm", ".lock" };
	char p[PATH_MAX];

	snprintf(buf, cap, "%s/%s", dir, name);
	for (size_t i = 0; i < nitems(tails); i++) {
		snprintf(p, sizeof(p), "%s%s", buf, tails[i]);
		unlink(p);
	}
}

struct floor_run {
	double cpu_us, sys_us, wall_s;
};

static void
floor_start(struct floor_run *r)
{
	floor_cpu(&r->cpu_us, &r->sys_us);
	r->wall_s = now_s();
}

static void
floor_stop(struct floor_run *r)
{
	double c, s;

	floor_cpu(&c, &s);
	r->cpu_us = c - r->cpu_us;
	r->sys_us = s - r->sys_us;
	r->wall_s = now_s() - r->wall_s;
}

/* Row i's conversation key, as natterd keys a private message's side. */
static void
floor_key(char *buf, size_t cap, long i, int targets)
{
	snprintf(buf, cap, "@nick%ld nick%ld", i % targets,
	    (i % targets) ^ 1);
}

/* fdatasync alone: one page written and synced a commit. */
static bool
floor_fsync(const char *dir, int commits, struct floor_run *r)
{
	char path[PATH_MAX], page[4096];

	floor_path(path, sizeof(path), dir, "fsync.dat");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return false;
	memset(page, 'x', sizeof(page));
	floor_start(r);
	for (int i = 0; i < commits; i++)
		if (pwrite(fd, page, sizeof(page), (off_t)(i % 256) *
		    (off_t)sizeof(page)) != (ssize_t)sizeof(page) ||
		    fdatasync(fd) == -1) {
			close(fd);
			return false;
		}
	floor_stop(r);
	close(fd);
	unlink(path);
	return true;
}

/*
 * SQLite alone: a plain table without any index ("bare"), or the shape
 * of natterd's messages (schema 6: clustered by conversation and time,
 * with its indexes on the arrival order and the msgid), without the
 * search index, the TARGETS summary and the numbering of names.
 */
static bool
floor_sqlite(const char *dir, bool indexed, int rows, int targets,
    int commits, struct floor_run *r)
{
	static const char bare[] = "CREATE TABLE messages (tid INTEGER"
	    " NOT NULL, time_ms INTEGER NOT NULL, id INTEGER PRIMARY KEY,"
	    " msgid NOT NULL, sid INTEGER NOT NULL, target TEXT, command"
	    " NOT NULL, tags TEXT NOT NULL, text TEXT NOT NULL)";
	static const char natterd[] = "CREATE TABLE messages (tid INTEGER"
	    " NOT NULL, time_ms INTEGER NOT NULL, id INTEGER NOT NULL,"
	    " msgid NOT NULL, sid INTEGER NOT NULL, target TEXT, command"
	    " NOT NULL, tags TEXT NOT NULL, text TEXT NOT NULL,"
	    " PRIMARY KEY (tid, time_ms, id)) WITHOUT ROWID;"
	    "CREATE INDEX messages_id ON messages (id);"
	    "CREATE UNIQUE INDEX messages_msgid ON messages (msgid, tid)";
	char path[PATH_MAX];
	sqlite3 *db;
	sqlite3_stmt *ins = NULL, *begin = NULL, *commit = NULL;
	bool ok = false;

	floor_path(path, sizeof(path), dir, "floor.db");
	if (sqlite3_open(path, &db) != SQLITE_OK)
		goto out;
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, indexed ? natterd : bare, NULL, NULL,
	    NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT INTO messages VALUES (?1, ?2, ?3,"
	    " ?4, ?5, NULL, 0, '', '" FLOOR_TEXT "')", -1, &ins,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "BEGIN", -1, &begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK)
		goto out;
	int64_t t = time_now_ms();
	long id = 0;
	floor_start(r);
	for (int c = 0; c < commits; c++) {
		sqlite3_step(begin);
		sqlite3_reset(begin);
		for (int i = 0; i < rows; i++, id++) {
			/* A message's two rows share a msgid and a time; each
			 * is its party's side of a conversation. */
			long a = id % targets;
			sqlite3_bind_int64(ins, 1, a + 1);
			sqlite3_bind_int64(ins, 2, t + id / 2);
			sqlite3_bind_int64(ins, 3, id + 1);
			sqlite3_bind_int64(ins, 4, id / 2);
			sqlite3_bind_int64(ins, 5, (a ^ 1) + 1);
			int rc = sqlite3_step(ins);
			sqlite3_reset(ins);
			if (rc != SQLITE_DONE)
				goto out;
		}
		if (sqlite3_step(commit) != SQLITE_DONE)
			goto out;
		sqlite3_reset(commit);
		if (c % FLOOR_CHECKPOINT == FLOOR_CHECKPOINT - 1)
			sqlite3_wal_checkpoint_v2(db, NULL,
			    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	floor_stop(r);
	ok = true;
out:
	if (!ok)
		fprintf(stderr, "natter-history: floor: %s\n",
		    sqlite3_errmsg(db));
	sqlite3_finalize(ins);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_close(db);
	floor_path(path, sizeof(path), dir, "floor.db");
	return ok;
}

/* natterd's store: each commit handed to its storage thread and waited
 * for, as the loop's batch is. */
static bool
floor_natterd(const char *dir, int rows, int targets, int commits,
    struct floor_run *r)
{
	char path[PATH_MAX], err[512], key[64], source[64], target[32];
	long id = 0;

	floor_path(path, sizeof(path), dir, "natterd.db");
	if (hist_open(path, true, err, sizeof(err)) == -1) {
		fprintf(stderr, "natter-history: %s\n", err);
		return false;
	}
	hist_set_retention(0, 0, 0);
	int64_t t = time_now_ms();
	floor_start(r);
	for (int c = 0; c < commits; c++) {
		for (int i = 0; i < rows; i++, id++) {
			long a = id % targets, b = a ^ 1;
			struct hist_msg m = { .time_ms = t + id / 2,
			    .command = "PRIVMSG", .tags = "", .source = source,
			    .target = target, .text = FLOOR_TEXT };
			snprintf(source, sizeof(source), "nick%ld!~nick%ld@"
			    "192.0.2.1", b, b);
			snprintf(target, sizeof(target), "nick%ld", a);
			fill_msgid(m.msgid, sizeof(m.msgid), (uint64_t)(id / 2));
			floor_key(key, sizeof(key), id, targets);
			add(&m, key);
		}
		hist_sync();
	}
	floor_stop(r);
	hist_close();
	floor_path(path, sizeof(path), dir, "natterd.db");
	return true;
}

static int
floor_main(int argc, char **argv)
{
	const char *dir = NULL;
	int rows = 52, targets = 100, commits = 2000, ch;
	struct floor_run f, bare, idx, nd;

	while ((ch = getopt(argc, argv, "c:d:k:r:")) != -1) {
		switch (ch) {
		case 'c': commits = atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 'k': targets = atoi(optarg); break;
		case 'r': rows = atoi(optarg); break;
		default: usage();
		}
	}
	if (dir == NULL || rows <= 0 || targets < 2 || commits <= 0)
		usage();
	log_init("natter-history", LOG_LEVEL_WARN, false);
	if (!floor_fsync(dir, commits, &f) ||
	    !floor_sqlite(dir, false, rows, targets, commits, &bare) ||
	    !floor_sqlite(dir, true, rows, targets, commits, &idx) ||
	    !floor_natterd(dir, rows, targets, commits, &nd))
		return 1;
	double n = (double)rows * commits;
	printf("result workload=floor rows_per_commit=%d targets=%d commits=%d"
	    " fsync_cpu_us=%.1f fsync_sys_us=%.1f fsync_wall_us=%.0f",
	    rows, targets, commits, f.cpu_us / commits, f.sys_us / commits,
	    f.wall_s * 1e6 / commits);
	const struct { const char *name; struct floor_run *r; } parts[] = {
		{ "bare", &bare }, { "indexed", &idx }, { "natterd", &nd },
	};
	for (size_t i = 0; i < nitems(parts); i++) {
		const struct floor_run *r = parts[i].r;
		printf(" %s_us_per_row=%.1f %s_sys_us_per_row=%.1f"
		    " %s_us_per_round_trip=%.1f %s_commit_wall_us=%.0f",
		    parts[i].name, r->cpu_us / n, parts[i].name, r->sys_us / n,
		    parts[i].name, 4 * r->cpu_us / n, parts[i].name,
		    r->wall_s * 1e6 / commits);
	}
	printf("\n");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	optind = 2;
	if (strcmp(argv[1], "fill") == 0)
		return fill(argc, argv);
	if (strcmp(argv[1], "query") == 0)
		return query(argc, argv);
	if (strcmp(argv[1], "floor") == 0)
		return floor_main(argc, argv);
	if (strcmp(argv[1], "wire") == 0)
		return wire_main(argc, argv);
	usage();
}
