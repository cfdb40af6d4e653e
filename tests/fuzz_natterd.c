/*
 * libFuzzer target for natterd's command handlers: hostile lines from a
 * few clients against a small in-process server (history and accounts in
 * memory, no listeners, no poll loop: the stubs below stand in for
 * loop.c). Each client is one end of a socketpair; after every line the
 * pass ends as loop.c ends it (conn_reap, hist_commit, a flush, the next
 * step of a long answer or a deferred long command), and what natterd wrote is read back from the
 * other end. A client natterd closes
 * is replaced by a fresh one. Invariants (abort on violation):
 * - every line natterd sends ends in CRLF, holds no NUL, CR or LF
 *   inside, and fits IRC_LINE_MAX;
 * - conn_queued is the sum of the clients' queued output (--max-output
 *   counts what is really queued);
 * - no client's queue passes its --sendq.
 * Input: lines separated by LF; each line's first byte picks the client.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "natterd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#define CLIENTS 3

/* main.c's configuration, small: the limits are reached quickly. */
struct config cfg = {
	.name = "fuzz.test",
	.max_clients = 16,
	.max_per_ip = 10,
	.max_unregistered = 5,
	.sendq = 16384,
	.max_output = 24576,
	.ping_timeout = 120,
	.replay = 5,
	.history_max = 50,
	.nick_grace = 30,
};

void
conf_reload(void)
{
}

static struct client *cl[CLIENTS];
static int peer[CLIENTS];

/* loop.c's part, for clients that are all flushed after every line. */
void loop_add_listener(int fd) { (void)fd; }
void loop_add_client(struct client *c) { (void)c; }
void loop_dirty(struct client *c) { (void)c; }
void loop_throttle(struct client *c, int64_t at) { (void)c; (void)at; }
void loop_want_read(struct client *c, bool on) { (void)c; (void)on; }
void loop_timer_at(int64_t at) { (void)at; }
void loop_hold(struct client *c) { (void)c; }
void loop_release(void) { }
void loop_more(struct client *c) { (void)c; }
void loop_defer(struct client *c) { (void)c; }
void loop_listener_events(int fd, short events) { (void)fd; (void)events; }
/* Never called: the memory store has no storage thread to be behind. */
void loop_wait_disk(struct client *c) { (void)c; }

/* The pass's budget of long answers, as loop.c keeps it. */
static uint32_t pass_long;
void loop_spend(uint32_t lines) { pass_long += lines; }
bool loop_spent(void) { return pass_long >= PASS_LONG_MAX; }

size_t
loop_count_host(const char *host, size_t *unreg)
{
	size_t n = 0;

	*unreg = 0;
	for (int i = 0; i < CLIENTS; i++) {
		if (cl[i] != NULL && cl[i]->state < CONN_DEAD &&
		    strcmp(cl[i]->host, host) == 0) {
			n++;
			*unreg += (cl[i]->reg & REG_DONE) == 0;
		}
	}
	return n;
}

struct client *
loop_most_output(void)
{
	struct client *most = NULL;

	for (int i = 0; i < CLIENTS; i++) {
		struct client *c = cl[i];
		if (c != NULL && c->state == CONN_OPEN &&
		    (c->io & IO_SENDQ) == 0 && c->outbytes > 0 &&
		    (most == NULL || c->outbytes > most->outbytes))
			most = c;
	}
	return most;
}

struct client *
loop_oldest_unregistered(void)
{
	struct client *old = NULL;

	for (int i = 0; i < CLIENTS; i++) {
		struct client *c = cl[i];
		if (c != NULL && c->state == CONN_OPEN &&
		    (c->reg & REG_DONE) == 0 &&
		    (old == NULL || c->accepted < old->accepted))
			old = c;
	}
	return old;
}

/* What natterd wrote to client i: whole lines, each well formed. */
static void
check_output(int i)
{
	static char buf[IRC_LINE_MAX * 4];
	static size_t len[CLIENTS];
	ssize_t n;

	while ((n = read(peer[i], buf + len[i],
	    sizeof(buf) / CLIENTS - len[i])) > 0) {
		size_t have = len[i] + n;
		char *p = buf, *end = buf + have, *nl;
		while ((nl = memchr(p, '\n', end - p)) != NULL) {
			CHECK(nl > p && nl[-1] == '\r');
			CHECK((size_t)(nl - p + 1) <= IRC_LINE_MAX);
			CHECK(memchr(p, '\0', nl - p) == NULL);
			CHECK(memchr(p, '\r', nl - 1 - p) == NULL);
			p = nl + 1;
		}
		CHECK((size_t)(end - p) <= IRC_LINE_MAX);
		memmove(buf, p, end - p);
		len[i] = end - p;
	}
}

static void
client_new(int i)
{
	int sv[2];
	char host[24];	/* "10.0.0." and any int */

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == 0);
	snprintf(host, sizeof(host), "10.0.0.%d", i + 1);
	cl[i] = conn_new(sv[0], host);
	peer[i] = sv[1];
}

/* The end of a loop pass: QUITs, history, then everyone's output. */
static void
pass_end(void)
{
	size_t queued = 0;

	conn_reap();
	hist_commit();
	conn_barrier(NULL);
	for (int i = 0; i < CLIENTS; i++) {
		struct client *c = cl[i];
		CHECK(c->outbytes <= cfg.sendq + IRC_LINE_MAX);
		queued += c->outbytes;
	}
	CHECK(queued == conn_queued);
	for (int i = 0; i < CLIENTS; i++) {
		struct client *c = cl[i];
		/* A socketpair's buffer is small: flush and read in turns. */
		for (int k = 0; k < 64; k++) {
			enum conn_flush f = conn_flush(c);
			check_output(i);
			if (f != FLUSH_AGAIN)
				break;
		}
		/* A long answer's steps, as loop.c runs them once the last
		 * is written, then the lines that waited for it; a long
		 * command left for the next pass. */
		pass_long = 0;
		if (c->deferred != NULL && c->state == CONN_OPEN) {
			conn_run_deferred(c);
			i--;
			continue;
		}
		if (c->more != NULL && c->state == CONN_OPEN) {
			if (cmd_list_step(c))
				conn_process(c);
			conn_reap();
			i--;
			continue;
		}
		if (c->state >= CONN_DEAD) {
			conn_drop_output(c);
			close(c->fd);
			conn_free(c);
			close(peer[i]);
			client_new(i);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	char err[256];

	if (!ready) {
		log_init("fuzz_natterd", LOG_LEVEL_ERROR, false);
		CHECK(hist_open(NULL, false, err, sizeof(err)) == 0);
		CHECK(account_open(NULL, err, sizeof(err)) == 0);
		hist_set_retention(0, 50, 1 << 20);
		chathistory_init();
		for (int i = 0; i < CLIENTS; i++)
			client_new(i);
		ready = true;
	}
	for (const uint8_t *p = data, *end = data + size; p < end;) {
		const uint8_t *nl = memchr(p, '\n', end - p);
		size_t len = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (len > 1) {
			struct client *c = cl[p[0] % CLIENTS];
			frame_push(&c->in, (const char *)p + 1, len - 1);
			if (nl == NULL)
				frame_push(&c->in, "\n", 1);
			conn_process(c);
			pass_end();
		}
		p += len;
	}
	/* Everyone leaves: the next input starts from no clients, no
	 * channels and no nicks (history stays, pruned to 50 a target). */
	for (int i = 0; i < CLIENTS; i++)
		conn_close(cl[i], "fuzz");
	pass_end();
	return 0;
}
