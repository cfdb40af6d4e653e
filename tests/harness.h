/*
 * harness: drive the real natterd over loopback from Check tests.
 *
 *	struct nd_server s;
 *	nd_start(&s, (const char *[]){ "--flood", "off", NULL });
 *	struct nd_conn *a = nd_register(&s, "alice", "server-time echo-message");
 *	nd_send(a, "JOIN #x");
 *	ND_EXPECT(a, "^:alice!.* JOIN #x$");
 *	nd_close(a);
 *	ck_assert_int_eq(nd_stop(&s), 0);
 *
 * natterd comes from $NATTERD and listens on 127.0.0.1 port 0 (and for
 * TLS where a test says: --tls-listen 127.0.0.1:0); nd_start learns the
 * ports it got from the line natterd writes to --ready-fd ("listening on
 * 127.0.0.1:N ircs://127.0.0.1:M") once it is ready. nd_connect_tls is the TLS client side (OpenSSL): it trusts any
 * certificate and lets the test compare fingerprints. Its stderr is kept
 * (nd_log, until nd_stop) and drained while tests wait, so it never
 * blocks on a full pipe. Patterns are POSIX extended regular expressions
 * matched against one line without its CRLF. Every wait has
 * a deadline (ND_TIMEOUT_MS unless given); nothing sleeps blindly.
 * natterd gets PR_SET_PDEATHSIG, so a failing test never leaves it behind.
 */
#ifndef NATTER_HARNESS_H
#define NATTER_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "testlib.h"

#define ND_TIMEOUT_MS 15000	/* only a failing wait waits this long */
#define ND_NAME "test.server"	/* --name given to natterd */

struct ssl_st;
struct Suite;
struct TCase;

struct nd_server {
	pid_t pid;
	int port;		/* plain; 0 with --listen none */
	int tls_port;		/* 0 with --tls-listen none */
	int errfd;		/* natterd's stderr, -1 once at EOF */
	int readyfd;		/* natterd's --ready-fd, -1 once read */
	struct sb log;		/* all of natterd's stderr so far */
	int status;		/* wait status once reaped, -1 before */
};

struct nd_conn {
	struct nd_server *server;
	int fd;
	struct ssl_st *ssl;	/* NULL: plain */
	bool eof;
	bool reset;		/* the end came as a RST, not a FIN */
	char buf[16384];	/* received, not yet returned as lines */
	size_t len;
	char last[8][600];	/* the last lines read, for failure messages */
	size_t nlast;
};

/* Start natterd with -l 127.0.0.1:0 --tls-listen none --name ND_NAME
 * --flood off --db none (--trust 127.0.0.0/8 unless nd_untrusted) plus
 * args (NULL-terminated, may be NULL; a "--listen none" or a --tls-listen
 * there replaces the harness's own); fails the test if it does not come
 * up. Returns s. */
struct nd_server *nd_start(struct nd_server *s, const char *const *args);
/* Start natterd expecting it to exit during start-up; returns its exit
 * status (-1 if killed by a signal or still running after the deadline). */
int nd_start_fail(struct nd_server *s, const char *const *args);
/* Run natterd with args to its exit (natterd --fingerprint): its stdout
 * into out (NUL-terminated), its exit status returned. */
int nd_run(struct nd_server *s, const char *const *args, char *out,
    size_t cap);
/* SIGTERM, then wait for the exit; returns the exit status (or -1 when
 * killed by a signal or still running after the deadline). Every
 * nd_start or nd_start_fail ends with it, also once natterd has exited:
 * it frees the captured stderr, so read nd_log before. */
int nd_stop(struct nd_server *s);
/* Send a signal without waiting. */
void nd_kill(struct nd_server *s, int sig);
/* Wait for natterd to exit on its own; returns as nd_stop. */
int nd_wait(struct nd_server *s, int timeout_ms);
/* Wait until natterd's stderr holds re; returns true if it did in time. */
bool nd_log_wait(struct nd_server *s, const char *re, int timeout_ms);
/* natterd's stderr so far (NUL-terminated). */
const char *nd_log(struct nd_server *s);

/* SO_RCVBUF for the next connections (0: the kernel's default); small
 * values make a client that never reads hit natterd's sendq sooner. */
extern int nd_rcvbuf;

/* natterd is started with --trust 127.0.0.0/8 (its per-address limits
 * do not apply to the tests' connections) unless this is set. */
extern bool nd_untrusted;
/* The local address of the next connections, "127.0.0.2" say (NULL:
 * the kernel's choice, 127.0.0.1): a test's peers on other addresses. */
extern const char *nd_source;

/* A raw TCP connection to natterd (fails the test on error). */
struct nd_conn *nd_connect(struct nd_server *s);
/* The same to one of its ports (s->port or s->tls_port). */
struct nd_conn *nd_connect_port(struct nd_server *s, int port);
/* A TLS handshake on c, presenting cert and key when not NULL; false if
 * it fails or does not finish in ND_TIMEOUT_MS. From then on everything
 * on c goes through TLS. */
bool nd_tls_start(struct nd_conn *c, const char *cert, const char *key);
/* nd_connect_port to the TLS port and nd_tls_start (fails the test). */
struct nd_conn *nd_connect_tls(struct nd_server *s, const char *cert,
    const char *key);
/* The SHA-256 fingerprint of the server's certificate, as natterd
 * prints them (at least 96 bytes). */
void nd_peer_fingerprint(struct nd_conn *c, char *buf, size_t cap);
/*
 * Connect and register: CAP LS 302 / CAP REQ caps / CAP END when caps is
 * not NULL, NICK, USER; waits for the end of the welcome burst (376 or
 * 422) and fails the test otherwise.
 */
struct nd_conn *nd_register(struct nd_server *s, const char *nick,
    const char *caps);
/* The same on a connection already made (a TLS one); returns c. */
struct nd_conn *nd_register_on(struct nd_conn *c, const char *nick,
    const char *caps);
/* Send one line; CRLF is added. */
void nd_send(struct nd_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Send bytes as they are (no CRLF added); false if the peer is gone. */
bool nd_send_raw(struct nd_conn *c, const void *data, size_t len);
/* The next line (malloc'd, no CRLF), or NULL on timeout or EOF. */
char *nd_line(struct nd_conn *c, int timeout_ms);
/* Read lines until one matches re; returns it (malloc'd) or NULL on
 * timeout or EOF. Lines before it are dropped. */
char *nd_expect(struct nd_conn *c, const char *re, int timeout_ms);
/* Like nd_expect, but fails if a line matching bad comes first. */
char *nd_expect_not(struct nd_conn *c, const char *re, const char *bad,
    int timeout_ms);
/* Read and drop until EOF; true if the server closed in time. */
bool nd_wait_closed(struct nd_conn *c, int timeout_ms);
/* PING with a token and wait for its PONG: everything sent before it has
 * been processed and answered. Fails the test on timeout. */
void nd_sync(struct nd_conn *c);
/* PING and wait for its PONG, failing the test if a line matching bad
 * comes first: nothing like bad was sent to c before now. */
void nd_quiet(struct nd_conn *c, const char *bad);
/* Register nick (with caps) and JOIN chan; waits for its 366. */
struct nd_conn *nd_joined(struct nd_server *s, const char *nick,
    const char *caps, const char *chan);
/* Register nick and its account (NickServ REGISTER pass); logged in. */
struct nd_conn *nd_account(struct nd_server *s, const char *nick,
    const char *pass, const char *caps);
/* Register nick on a connection with a small receive window: one that
 * never reads fills the kernel's buffers in a few KB, then its sendq. */
#define ND_NONREADER_RCVBUF 4096
struct nd_conn *nd_register_nonreader(struct nd_server *s, const char *nick);
/*
 * talker says up to max_lines lines of 400 bytes in chan, where watcher
 * reads, until watcher sees someone QUIT with "SendQ exceeded" (a member
 * that does not read); returns that QUIT line (malloc'd), or NULL if it
 * never came.
 */
char *nd_talk_until_sendq(struct nd_conn *talker, struct nd_conn *watcher,
    const char *chan, int max_lines);
/*
 * slow (a connection that never reads, registered as slow_nick), talker
 * and watcher (registered as watcher_nick) join chan; talker talks until
 * slow is dropped for its sendq (watcher sees slow's QUIT, the log says
 * so), and watcher is still heard by talker after it.
 */
void nd_sendq_drop(struct nd_conn *slow, const char *slow_nick,
    struct nd_conn *talker, struct nd_conn *watcher,
    const char *watcher_nick, const char *chan);
/* Milliseconds for a PING from c to be answered (nd_sync). */
long nd_ping_ms(struct nd_conn *c);
/* ASan keeps freed memory in quarantine (256 MiB by default), which is
 * not natterd's: natterds started from now on keep 4 MiB, so their RSS
 * is natterd's own. */
void nd_small_quarantine(void);
/* Close the socket (abruptly when rst: SO_LINGER 0) and free c. */
void nd_close(struct nd_conn *c);
void nd_close_rst(struct nd_conn *c);
/* The last lines c read, one per line, for failure messages. */
const char *nd_recent(struct nd_conn *c);

/* Write content to a new file in a private temporary directory (removed
 * with nd_cleanup_files) with the given mode; returns its path (static
 * storage, one per name). */
const char *nd_file(const char *name, const char *content, int mode);
void nd_cleanup_files(void);

/* nd_stop, failing the test unless natterd exits 0, then
 * nd_cleanup_files. */
void nd_finish(struct nd_server *s);
/* Every test of tc runs against s, started with no arguments of its own
 * before the test and nd_finish'ed after it (one s per program). */
void nd_fixture(struct TCase *tc, struct nd_server *s);
/* Run a Check suite; main's exit status. */
int nd_run_suite(struct Suite *suite);

/* Expect a line or fail the test showing what did come. Frees the line. */
#define ND_EXPECT(c, re) nd_must((c), (re), __FILE__, __LINE__)
void nd_must(struct nd_conn *c, const char *re, const char *file, int line);

#endif
