/*
 * loop.c: the one poll(2) loop (pounce's shape: a growable pollfd array
 * paired with an owner array, swap-remove). Each pass:
 *   1. poll, with the timeout from the earliest timer or flood delay;
 *   2. the long commands the last pass had no room for (PASS_LONG_MAX),
 *      then accept, read and run every ready client's lines, then the
 *      next step of each long answer (LIST) whose client took the last;
 *   3. timers (registration and ping timeouts, --nick-grace);
 *   4. hist_commit: the pass's messages go to the storage thread;
 *      account_commit: the pass's account changes are written;
 *   5. flush every connection with output exactly once (coalesced
 *      writev), asking for POLLOUT only for what is left.
 * Nothing is written to a client socket anywhere else. A stored
 * message's buffers are tied to a hold (relay.c), so a queue stops
 * there until the storage thread has committed its batch: the history
 * descriptor wakes the loop, hist_collect resolves the holds and the
 * clients waiting on them (the held list) are flushed again. Nothing a
 * client sees can be lost by a crash after it was shown, and nobody
 * waits for a disk but those the message is for.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natterd.h"

#define REG_TIMEOUT_MS 60000
#define REG_TIMEOUT_BUSY_MS 10000	/* under pressure (reg_timeout_ms) */
#define SHUTDOWN_FLUSH_MS 2000
#define TIMER_IDLE_MS 60000
#define TIMER_GRAIN_MS 500
#define LINGER_MS 5000		/* a closed client's ERROR line gets this long */

static struct pollfd *pfds;
static struct client **owners;	/* NULL for a listener */
static size_t npfd, capfd;

/*
 * Lists of clients, each client on a list marked by the list's io bit,
 * so adding twice and removing what is not there cost nothing.
 */
struct clist {
	struct client **v;
	size_t n, cap;
	uint8_t bit;
};
static struct clist dirty = { .bit = IO_DIRTY };
static struct clist throttled = { .bit = IO_THROTTLED };
static struct clist held = { .bit = IO_HELD };	/* output waits for a hold */
static struct clist more = { .bit = IO_MORE };	/* long answers under way */
static struct clist deferred = { .bit = IO_DEFERRED };	/* c->deferred */
static struct clist disk = { .bit = IO_DISK };	/* c->deferred, for history */
static uint32_t pass_long;	/* see PASS_LONG_MAX */



static int hist_fd = -1;	/* readable: batches were committed */

static int64_t timer_next;

static volatile sig_atomic_t got_term, got_hup;
static sigset_t blocked, unblocked;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static size_t
slot_new(int fd, struct client *c)
{
	if (npfd == capfd) {
		capfd = capfd ? capfd * 2 : 64;
		pfds = xreallocarray(pfds, capfd, sizeof(*pfds));
		owners = xreallocarray(owners, capfd, sizeof(*owners));
	}
	pfds[npfd].fd = fd;
	pfds[npfd].events = POLLIN;
	pfds[npfd].revents = 0;
	owners[npfd] = c;
	return npfd++;
}

void
loop_add_listener(int fd)
{
	slot_new(fd, NULL);
}

void
loop_listener_events(int fd, short events)
{
	/* Listeners come first and are never removed, so this is short. */
	for (size_t i = 0; i < npfd; i++)
		if (owners[i] == NULL && pfds[i].fd == fd) {
			pfds[i].events = events;
			return;
		}
}

/*
 * 60 s to register (or the ping timeout, if shorter); 10 s once half
 * of --max-clients is in use, so sockets that never register cannot
 * keep the descriptors others need for long. A LAN client registers in
 * milliseconds.
 */
static int64_t
reg_timeout_ms(void)
{
	int64_t pt = (int64_t)cfg.ping_timeout * 1000;
	int64_t t = pt < REG_TIMEOUT_MS ? pt : REG_TIMEOUT_MS;

	if (cfg.max_clients > 0 && conn_count * 2 >= cfg.max_clients &&
	    t > REG_TIMEOUT_BUSY_MS)
		t = REG_TIMEOUT_BUSY_MS;
	return t;
}

void
loop_add_client(struct client *c)
{
	c->slot = slot_new(c->fd, c);
	loop_timer_at(c->accepted + reg_timeout_ms());
}

/*
 * A client whose next output waits for the disk (messages not stored
 * yet) is not the one holding output back: it has read all it was
 * sent. Only those whose released output sits unread are chosen.
 */
struct client *
loop_most_output(void)
{
	struct client *most = NULL;

	for (size_t i = 0; i < npfd; i++) {
		struct client *c = owners[i];
		if (c == NULL || c->state != CONN_OPEN ||
		    (c->io & IO_SENDQ) != 0 || c->outbytes == 0 ||
		    (most != NULL && c->outbytes <= most->outbytes))
			continue;
		if (c->outhead < c->outn &&
		    obuf_show(c->outq[c->outhead].b) == OB_WAIT)
			continue;
		most = c;
	}
	return most;
}

size_t
loop_count_host(const char *host, size_t *unreg)
{
	size_t n = 0;

	*unreg = 0;
	for (size_t i = 0; i < npfd; i++) {
		const struct client *c = owners[i];
		if (c != NULL && c->state < CONN_DEAD &&
		    strcmp(c->host, host) == 0) {
			n++;
			if ((c->reg & REG_DONE) == 0)
				(*unreg)++;
		}
	}
	return n;
}

struct client *
loop_oldest_unregistered(void)
{
	struct client *old = NULL;

	for (size_t i = 0; i < npfd; i++) {
		struct client *c = owners[i];
		if (c != NULL && c->state == CONN_OPEN &&
		    (c->reg & REG_DONE) == 0 &&
		    (old == NULL || c->accepted < old->accepted))
			old = c;
	}
	return old;
}

static void
slot_remove(struct client *c)
{
	size_t i = c->slot;

	npfd--;
	if (i != npfd) {
		pfds[i] = pfds[npfd];
		owners[i] = owners[npfd];
		if (owners[i] != NULL)
			owners[i]->slot = i;
	}
}

void
loop_timer_at(int64_t at)
{
	if (timer_next == 0 || at < timer_next)
		timer_next = at;
}

/* Put c on l and set l's bit; false when it was on l already. */
static bool
clist_add(struct clist *l, struct client *c)
{
	if ((c->io & l->bit) != 0)
		return false;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = c;
	c->io |= l->bit;
	return true;
}

/* Take c off l (swap-remove) and clear l's bit; false when it was not on l. */
static bool
clist_del(struct clist *l, struct client *c)
{
	if ((c->io & l->bit) == 0)
		return false;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i] == c) {
			l->v[i] = l->v[--l->n];
			break;
		}
	}
	c->io &= ~l->bit;
	return true;
}

void
loop_dirty(struct client *c)
{
	clist_add(&dirty, c);
}

void
loop_want_read(struct client *c, bool on)
{
	if (on && (c->io & (IO_MORE | IO_DEFERRED | IO_DISK)) == 0)
		pfds[c->slot].events |= POLLIN;
	else
		pfds[c->slot].events &= ~POLLIN;
}

void
loop_throttle(struct client *c, int64_t at)
{
	if (at == 0) {
		if (clist_del(&throttled, c))
			loop_want_read(c, true);
		return;
	}
	if (!clist_add(&throttled, c))
		return;
	/* Leave the rest in the kernel's buffer until tokens come back. */
	loop_want_read(c, false);
}

void
loop_hold(struct client *c)
{
	clist_add(&held, c);
}

void
loop_release(void)
{
	for (size_t i = 0; i < held.n; i++) {
		held.v[i]->io &= ~IO_HELD;
		loop_dirty(held.v[i]);
	}
	held.n = 0;
}

static void
unhold(struct client *c)
{
	clist_del(&held, c);
}

void
loop_spend(uint32_t lines)
{
	pass_long += lines;
}

bool
loop_spent(void)
{
	return pass_long >= PASS_LONG_MAX;
}

void
loop_defer(struct client *c)
{
	clist_add(&deferred, c);
	/* Like flood control: the rest waits in the kernel's buffer. */
	pfds[c->slot].events &= ~POLLIN;
}

/*
 * The long commands left over from the last pass, before this pass's
 * input, so a client that waited once is not passed over again; each
 * as long as the pass's budget lasts, then the lines after it.
 */
static void
run_deferred(void)
{
	struct client *due[64];
	size_t n = 0;

	for (size_t i = 0; i < deferred.n && n < nitems(due); i++)
		due[n++] = deferred.v[i];
	for (size_t i = 0; i < n && !loop_spent(); i++) {
		struct client *c = due[i];
		clist_del(&deferred, c);
		if ((c->io & IO_THROTTLED) == 0)
			loop_want_read(c, true);
		conn_run_deferred(c);
	}
}

void
loop_wait_disk(struct client *c)
{
	clist_add(&disk, c);
	pfds[c->slot].events &= ~POLLIN;
}

/* History has caught up: the messages that waited for it, in turn,
 * until it is behind again, and the queries whose senders' messages are
 * now stored. */
static void
run_disk(void)
{
	struct client *due[64];
	size_t n = 0;

	for (size_t i = 0; i < disk.n && n < nitems(due); i++)
		if (conn_disk_ready(disk.v[i]))
			due[n++] = disk.v[i];
	for (size_t i = 0; i < n; i++) {
		struct client *c = due[i];
		/* Those before it may have put history behind again. */
		if (!conn_disk_ready(c))
			continue;
		clist_del(&disk, c);
		if ((c->io & IO_THROTTLED) == 0)
			loop_want_read(c, true);
		conn_run_deferred(c);
	}
}

void
loop_more(struct client *c)
{
	clist_add(&more, c);
	pfds[c->slot].events &= ~POLLIN;
}

/* A step of c's long answer is due: little of the last is left queued. */
static bool
more_due(const struct client *c)
{
	return c->state == CONN_OPEN && c->outbytes < MORE_QUEUED_MAX;
}

/*
 * The next step of every long answer whose client has taken most of the
 * last one; each costs flood tokens by its lines, as the first did in
 * cmd_dispatch. One that ends lets the client's waiting lines run.
 */
static void
run_more(void)
{
	struct client *due[64];
	size_t n = 0;

	for (size_t i = 0; i < more.n && n < nitems(due); i++)
		if (more_due(more.v[i]) || more.v[i]->state != CONN_OPEN)
			due[n++] = more.v[i];
	for (size_t i = 0; i < n; i++) {
		struct client *c = due[i];
		if (c->state != CONN_OPEN) {
			clist_del(&more, c);
			continue;
		}
		if (loop_spent())
			break;
		uint32_t before = c->lines_out;
		bool done = cmd_list_step(c);
		conn_flood_charge(c, (c->lines_out - before) /
		    CMD_LINES_PER_TOKEN);
		loop_spend(c->lines_out - before);
		if (!done)
			continue;
		clist_del(&more, c);
		if ((c->io & IO_THROTTLED) == 0)
			loop_want_read(c, true);
		conn_process(c);
		conn_reap();
	}
}

static int64_t
flood_wake(const struct client *c)
{
	int64_t cost = cfg.flood_rate > 0 ? 1000 / cfg.flood_rate : 0;
	return c->flood_at - cost * cfg.flood_burst;
}

static void
run_throttled(int64_t now)
{
	struct client *due[64];
	size_t n = 0;

	for (size_t i = 0; i < throttled.n && n < nitems(due); i++)
		if (flood_wake(throttled.v[i]) <= now)
			due[n++] = throttled.v[i];
	for (size_t i = 0; i < n; i++) {
		struct client *c = due[i];
		if (c->state != CONN_OPEN)
			continue;
		loop_throttle(c, 0);
		conn_process(c);
	}
}

static void
run_timers(int64_t now)
{
	int64_t pt = (int64_t)cfg.ping_timeout * 1000;
	int64_t rt = reg_timeout_ms();
	int64_t next = now + TIMER_IDLE_MS;

	for (size_t i = 0; i < npfd; i++) {
		struct client *c = owners[i];
		int64_t d;

		if (c != NULL && c->state == CONN_LINGER) {
			if (now >= c->linger_until)
				loop_dirty(c);	/* flush_dirty drops it */
			else if (c->linger_until < next)
				next = c->linger_until;
			continue;
		}
		if (c == NULL || c->state != CONN_OPEN)
			continue;
		if ((c->tls_state & TLS_HANDSHAKING) != 0) {
			d = c->accepted + tls_handshake_ms();
			if (now >= d) {
				conn_close(c, "TLS handshake timed out");
				continue;
			}
			if (d < next)
				next = d;
		}
		if ((c->reg & REG_DONE) == 0) {
			d = c->accepted + rt;
			if (now >= d)
				conn_close(c, "Registration timed out");
			else if (d < next)
				next = d;
			continue;
		}
		/* A draft/multiline batch whose end never came. */
		if ((d = multiline_deadline(c)) != 0) {
			if (now >= d)
				multiline_expire(c);
			else if (d < next)
				next = d;
		}
		/* --nick-grace: a registered nick held without logging in. */
		if (c->guard_at != 0) {
			if (now >= c->guard_at)
				nickserv_expire(c);
			else if (c->guard_at < next)
				next = c->guard_at;
		}
		if (c->ping_sent == 0) {
			d = c->last_read + pt;
			if (now >= d) {
				conn_sendf(c, "PING :%s", cfg.name);
				c->ping_sent = now;
				d = now + pt;
			}
			if (d < next)
				next = d;
		} else {
			/* A full timeout from the PING, however late it went. */
			d = c->ping_sent + pt;
			if (now >= d)
				conn_close(c, "Ping timeout: %d seconds",
				    cfg.ping_timeout);
			else if (d < next)
				next = d;
		}
	}
	/* Timeouts need no millisecond precision: scanning every client at
	 * most once per grain keeps thousands of staggered deadlines from
	 * costing a scan each. */
	timer_next = next > now + TIMER_GRAIN_MS ? next : now + TIMER_GRAIN_MS;
}

/*
 * Read away what a dead client sent and nobody will run: closing a
 * socket with unread input makes the kernel answer with a RST, and a RST
 * can destroy the ERROR line still waiting in the peer's receive queue.
 * Bounded, so a client that never stops sending cannot hold the loop.
 */
static void
drain_input(struct client *c)
{
	char junk[4096];

	for (int i = 0; i < 16; i++) {
		ssize_t n = read(c->fd, junk, sizeof(junk));
		if (n == 0)	/* end of input: no use polling for more */
			pfds[c->slot].events &= ~POLLIN;
		if (n <= 0)
			break;
	}
}

static void
drop_client(struct client *c)
{
	if ((c->io & IO_THROTTLED) != 0)
		loop_throttle(c, 0);
	unhold(c);
	clist_del(&more, c);
	clist_del(&deferred, c);
	clist_del(&disk, c);
	drain_input(c);
	slot_remove(c);
	tls_close(c);
	close(c->fd);
	conn_free(c);
}

/*
 * Step 5: one flush per connection with output, then the dead go. A dead
 * client whose last lines (its ERROR, after a SendQ drop say) do not fit
 * in the socket lingers for LINGER_MS, its input read and dropped, so a
 * client that was merely slow still learns why it was closed.
 */
static void
flush_dirty(int64_t now)
{
	for (size_t i = 0; i < dirty.n; i++) {
		struct client *c = dirty.v[i];
		enum conn_flush f = conn_flush(c);
		bool done = f == FLUSH_DONE;

		c->io &= ~IO_DIRTY;
		if (f == FLUSH_HELD)
			loop_hold(c);
		if (c->state >= CONN_DEAD) {
			if (done || (c->state == CONN_LINGER &&
			    now >= c->linger_until)) {
				drop_client(c);
				continue;
			}
			if (c->state != CONN_LINGER) {
				c->state = CONN_LINGER;
				c->linger_until = now + LINGER_MS;
				loop_timer_at(c->linger_until);
			}
			pfds[c->slot].events = f == FLUSH_AGAIN ?
			    POLLIN | POLLOUT : POLLIN;
			continue;
		}
		if (f == FLUSH_AGAIN ||
		    (c->tls_state & TLS_READ_WANTS_WRITE) != 0)
			pfds[c->slot].events |= POLLOUT;
		else
			pfds[c->slot].events &= ~POLLOUT;
	}
	dirty.n = 0;
}

static int
poll_timeout(int64_t now, bool prune_more)
{
	int64_t next = timer_next;

	if (dirty.n > 0 || prune_more || deferred.n > 0)
		return 0;
	for (size_t i = 0; i < more.n; i++)
		if (more_due(more.v[i]))
			return 0;
	/* A batch collected last pass may have let a waiter go: no other
	 * event need come for it to run. */
	for (size_t i = 0; i < disk.n; i++)
		if (conn_disk_ready(disk.v[i]))
			return 0;
	for (size_t i = 0; i < throttled.n; i++) {
		int64_t w = flood_wake(throttled.v[i]);
		if (w < next)
			next = w;
	}
	if (next == 0)
		return -1;
	if (next <= now)
		return 0;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

static void
shutdown_all(void)
{
	int64_t deadline = time_mono_ms() + SHUTDOWN_FLUSH_MS;

	log_info("shutting down: %zu connection(s)", conn_count);
	ready_stopping();
	for (size_t i = 0; i < npfd; i++)
		if (owners[i] != NULL)
			conn_shutdown(owners[i], "Server shutting down");
	/* What was said is stored, or its senders told, before anyone's
	 * last lines go. */
	hist_commit();
	hist_sync();
	conn_barrier(NULL);
	held.n = 0;
	account_commit();
	for (;;) {
		size_t pending = 0;
		for (size_t i = 0; i < npfd; i++) {
			pfds[i].events = 0;
			if (owners[i] == NULL || pfds[i].fd == hist_fd)
				continue;
			if (conn_flush(owners[i]) == FLUSH_AGAIN) {
				pfds[i].events = POLLOUT;
				pending++;
			}
		}
		int64_t now = time_mono_ms();
		if (pending == 0 || now >= deadline)
			break;
		if (poll(pfds, npfd, deadline - now) < 0 && errno != EINTR)
			break;
	}
	for (size_t i = 0; i < npfd; i++) {
		if (pfds[i].fd == hist_fd)
			continue;	/* history's own, closed by hist_close */
		if (owners[i] != NULL)
			tls_close(owners[i]);
		close(pfds[i].fd);
		if (owners[i] != NULL)
			conn_free(owners[i]);
	}
	npfd = 0;
}

void
loop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Blocked except inside ppoll, so a signal can never land between
	 * the flag checks and the wait (and be noticed only much later). */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGHUP);
	sigprocmask(SIG_BLOCK, &blocked, &unblocked);
	sigdelset(&unblocked, SIGTERM);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGHUP);
}

/* poll(2) with the signals unblocked only while waiting. */
static int
wait_events(int timeout_ms)
{
	struct timespec ts, *tsp = NULL;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	return ppoll(pfds, npfd, tsp, &unblocked);
}

int
loop_run(void)
{
	bool prune_more = false;

	loop_timer_at(time_mono_ms() + TIMER_IDLE_MS);
	hist_fd = hist_wake_fd();
	if (hist_fd != -1)
		slot_new(hist_fd, NULL);

	while (!got_term) {
		/* The disk behind a burst holds back only the messages'
		 * senders (loop_wait_disk), woken by hist_fd. */
		int n = wait_events(poll_timeout(time_mono_ms(), prune_more));
		if (n < 0 && errno != EINTR)
			fatal("poll");
		if (got_hup) {
			got_hup = 0;
			log_info("SIGHUP: reloading files");
			conf_reload();
		}
		if (got_term)
			break;
		pass_long = 0;
		if (deferred.n > 0)
			run_deferred();
		/* Those who waited for the disk before this pass's input. */
		if (disk.n > 0)
			run_disk();

		/* Entries accepted during the pass are appended with no events;
		 * stop once all n ready ones are seen. */
		size_t count = npfd, ready = n > 0 ? (size_t)n : 0;
		for (size_t i = 0, seen = 0; i < count && seen < ready; i++) {
			short re = pfds[i].revents;
			struct client *c = owners[i];

			if (re == 0)
				continue;
			seen++;
			pfds[i].revents = 0;
			if (c == NULL) {
				if (pfds[i].fd == hist_fd) {
					if (hist_collect())
						loop_release();
				} else
					listen_accept(pfds[i].fd);
				continue;
			}
			if (c->state == CONN_LINGER) {
				/* Writable, or hung up: flush_dirty decides. */
				if ((re & POLLIN) != 0)
					drain_input(c);
				loop_dirty(c);
				continue;
			}
			if (c->state != CONN_OPEN)
				continue;
			if ((re & POLLOUT) != 0)
				loop_dirty(c);
			/* A TLS read (the handshake) that had to wait to write. */
			if ((c->tls_state & TLS_READ_WANTS_WRITE) != 0 &&
			    (re & POLLOUT) != 0 && (c->io & IO_THROTTLED) == 0)
				re |= POLLIN;
			if ((re & (POLLIN | POLLHUP | POLLERR)) == 0)
				continue;
			if ((c->io & IO_THROTTLED) == 0)
				conn_read(c);
			else if ((re & (POLLHUP | POLLERR)) != 0)
				conn_close(c, "Connection reset");
		}

		int64_t now = time_mono_ms();
		if (throttled.n > 0)
			run_throttled(now);
		if (more.n > 0)
			run_more();
		if (timer_next != 0 && now >= timer_next)
			run_timers(now);
		conn_reap();
		hist_commit();
		conn_barrier(NULL);
		account_commit();
		bool busy = n > 0 || dirty.n > 0;
		flush_dirty(now);
		conn_reap();
		/* After a busy pass, one more poll without waiting: if it
		 * finds nothing, that idle pass prunes (and syncs) history,
		 * so retention runs whenever traffic pauses, not only at
		 * the next timer. With nothing for it to do (--db none, no
		 * retention) that poll, a scan of every descriptor, is
		 * skipped. */
		prune_more = (busy && hist_idle_work()) || hist_prune();
	}
	shutdown_all();
	hist_close();
	tls_free_all();
	return 0;
}
