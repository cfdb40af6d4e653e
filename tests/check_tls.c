/*
 * TLS integration tests: the real natterd with its --tls-listen port,
 * driven by tests/harness.c's OpenSSL client side. Handshake, plain and
 * TLS clients together, the certificate made once and kept, SIGHUP
 * reload, hostile bytes on either port, a handshake that never ends, a
 * TLS reader that stops reading, client certificates in WHOIS and in
 * SASL EXTERNAL, sts.
 */
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define T ND_TIMEOUT_MS
#define FP_RE "[0-9a-f]{2}(:[0-9a-f]{2}){31}"

static char tmpdir[PATH_MAX];

static void
tmp_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/natterd-tls.XXXXXX",
	    base != NULL && base[0] == '/' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* --db none keeps the certificate in the state directory: never
	 * the user's own. */
	char state[PATH_MAX + 8];
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	setenv("XDG_STATE_HOME", state, 1);
}

static void
tmp_teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* tmpdir/name, in one of a few static buffers. */
static const char *
tmp(const char *name)
{
	static char bufs[8][PATH_MAX + 64];
	static size_t next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
	return b;
}

/* The fingerprint natterd logged at start ("SHA-256 fingerprint ..."). */
static void
logged_fingerprint(struct nd_server *s, char *fp, size_t cap)
{
	ck_assert(nd_log_wait(s, "SHA-256 fingerprint " FP_RE, T));
	const char *at = strstr(nd_log(s), "SHA-256 fingerprint ");
	ck_assert_ptr_nonnull(at);
	at += strlen("SHA-256 fingerprint ");
	ck_assert_uint_ge(cap, 96);
	memcpy(fp, at, 95);
	fp[95] = '\0';
}

/* nd_start with a TLS listener on a port of natterd's choosing. */
static void
tls_start(struct nd_server *s, const char *const *args)
{
	const char *argv[16] = { "--tls-listen", "127.0.0.1:0" };
	size_t n = 2;

	for (size_t i = 0; args != NULL && args[i] != NULL; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	nd_start(s, argv);
}

/* natterd --fingerprint with args; its output line, exit status 0. */
static void
fingerprint_cmd(const char *const *args, char *out, size_t cap)
{
	struct nd_server s;
	const char *argv[16] = { "--fingerprint" };
	size_t n = 1;

	for (size_t i = 0; args != NULL && args[i] != NULL; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	ck_assert_int_eq(nd_run(&s, argv, out, cap), 0);
	out[strcspn(out, "\n")] = '\0';
	nd_stop(&s);
}

START_TEST(tls_handshake)
{
	struct nd_server s;
	char fp[128], seen[128];

	tls_start(&s, NULL);
	ck_assert_int_gt(s.tls_port, 0);
	logged_fingerprint(&s, fp, sizeof(fp));
	struct nd_conn *a = nd_connect_tls(&s, NULL, NULL);
	/* What the client was shown is what natterd logged. */
	nd_peer_fingerprint(a, seen, sizeof(seen));
	ck_assert_str_eq(seen, fp);
	nd_register_on(a, "alice", "server-time");
	nd_send(a, "JOIN #tls");
	ND_EXPECT(a, " 366 alice #tls ");
	nd_sync(a);
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(tls_and_plain_in_one_channel)
{
	struct nd_server s;

	tls_start(&s, NULL);
	struct nd_conn *a = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	nd_send(a, "JOIN #mix");
	ND_EXPECT(a, " 366 alice #mix ");
	nd_send(b, "JOIN #mix");
	ND_EXPECT(b, " 366 bob #mix ");
	ND_EXPECT(a, "^:bob!.* JOIN #mix$");
	nd_send(a, "PRIVMSG #mix :over TLS, ça va");
	ND_EXPECT(b, "^:alice!.* PRIVMSG #mix :over TLS, ça va$");
	nd_send(b, "PRIVMSG #mix :in the clear");
	ND_EXPECT(a, "^:bob!.* PRIVMSG #mix :in the clear$");
	/* A long burst crosses several TLS records intact. */
	for (int i = 0; i < 300; i++)
		nd_send(b, "PRIVMSG #mix :line %d %0400d", i, i);
	for (int i = 0; i < 300; i++) {
		char re[64];
		snprintf(re, sizeof(re), "PRIVMSG #mix :line %d 0+%d$", i, i);
		ND_EXPECT(a, re);
	}
	/* 671 for the TLS user, to anyone; none for the plain one. */
	nd_send(b, "WHOIS alice");
	ND_EXPECT(b, " 671 bob alice :is using a secure connection");
	nd_send(a, "WHOIS bob");
	char *l = nd_expect_not(a, " 318 alice bob ", " 671 ", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(tls_certificate_made_once)
{
	struct nd_server s;
	char fp1[128], fp2[128], printed[256];
	const char *db = tmp("box/history.db");
	struct stat st;

	tls_start(&s, (const char *[]){ "--db", db, NULL });
	logged_fingerprint(&s, fp1, sizeof(fp1));
	ck_assert(nd_log_wait(&s, "made a self-signed TLS certificate", T));
	ck_assert_int_eq(nd_stop(&s), 0);

	/* Beside the database; the key for its owner only. */
	ck_assert_int_eq(stat(tmp("box/tls.key"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(tmp("box/tls.crt"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0077 & ~0044, 0);

	/* Reused: the same fingerprint, and nothing made again. */
	tls_start(&s, (const char *[]){ "--db", db, NULL });
	logged_fingerprint(&s, fp2, sizeof(fp2));
	ck_assert_str_eq(fp1, fp2);
	ck_assert(strstr(nd_log(&s), "made a self-signed") == NULL);
	struct nd_conn *a = nd_connect_tls(&s, NULL, NULL);
	nd_peer_fingerprint(a, fp2, sizeof(fp2));
	ck_assert_str_eq(fp1, fp2);
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);

	/* A key others may read is refused, not used. */
	ck_assert_int_eq(chmod(tmp("box/tls.key"), 0644), 0);
	ck_assert_int_eq(nd_start_fail(&s, (const char *[]){ "--tls-listen",
	    "127.0.0.1:0", "--db", db, NULL }), 1);
	ck_assert_msg(strstr(nd_log(&s), "is not private") != NULL, "%s",
	    nd_log(&s));
	nd_stop(&s);
	ck_assert_int_eq(chmod(tmp("box/tls.key"), 0600), 0);

	/* natterd --fingerprint with the same --db prints it, alone. */
	fingerprint_cmd((const char *[]){ "--db", db, NULL }, printed,
	    sizeof(printed));
	ck_assert_str_eq(printed, fp1);
}
END_TEST

START_TEST(tls_certificate_in_state_dir)
{
	struct nd_server s;
	char fp[128], printed[256];
	struct stat st;

	/* --db none: $XDG_STATE_HOME/natterd/, made 0700. */
	tls_start(&s, NULL);
	logged_fingerprint(&s, fp, sizeof(fp));
	ck_assert_int_eq(nd_stop(&s), 0);
	ck_assert_int_eq(stat(tmp("state/natterd/tls.key"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(tmp("state/natterd"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	fingerprint_cmd((const char *[]){ "--db", "none", NULL }, printed,
	    sizeof(printed));
	ck_assert_str_eq(printed, fp);
}
END_TEST

START_TEST(tls_fingerprint_before_first_start)
{
	struct nd_server s;
	char printed[256], fp[128];
	const char *db = tmp("fresh/history.db");

	/* Read off the console before natterd ever ran: the certificate
	 * is made then, and the server uses that one. */
	fingerprint_cmd((const char *[]){ "--db", db, NULL }, printed,
	    sizeof(printed));
	ck_assert_int_eq(access(tmp("fresh/tls.key"), F_OK), 0);
	/* No database: --fingerprint opens nothing else. */
	ck_assert_int_eq(access(db, F_OK), -1);
	tls_start(&s, (const char *[]){ "--db", db, NULL });
	logged_fingerprint(&s, fp, sizeof(fp));
	ck_assert_str_eq(printed, fp);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/* natterd(8)'s "sudo natterd --fingerprint" on a box whose service user
 * holds the key: the certificate is read, the key is not, so a key that
 * is not root's own (another user's as root; readable by others when not
 * root, where chown is not allowed) still gives the fingerprint, while
 * serving with it is refused. */
START_TEST(tls_fingerprint_key_not_ours)
{
	struct nd_server s;
	char made[256], again[256];
	const char *db = tmp("box/history.db");

	fingerprint_cmd((const char *[]){ "--db", db, NULL }, made,
	    sizeof(made));
	if (geteuid() == 0)
		ck_assert_int_eq(chown(tmp("box/tls.key"), 65534, 65534), 0);
	else
		ck_assert_int_eq(chmod(tmp("box/tls.key"), 0640), 0);
	fingerprint_cmd((const char *[]){ "--db", db, NULL }, again,
	    sizeof(again));
	ck_assert_str_eq(again, made);
	const char *args[] = { "--tls-listen", "127.0.0.1:0", "--db", db,
	    NULL };
	ck_assert_int_eq(nd_start_fail(&s, args), 1);
	ck_assert_msg(strstr(nd_log(&s), "is not private to this user") !=
	    NULL, "%s", nd_log(&s));
	nd_stop(&s);
}
END_TEST

START_TEST(tls_sighup_reload)
{
	struct nd_server s;
	char fpa[256], fpb[256], seen[128];

	/* Two certificates, made by natterd itself in two directories. */
	fingerprint_cmd((const char *[]){ "--db", tmp("a/x.db"), NULL }, fpa,
	    sizeof(fpa));
	fingerprint_cmd((const char *[]){ "--db", tmp("b/x.db"), NULL }, fpb,
	    sizeof(fpb));
	ck_assert_str_ne(fpa, fpb);
	ck_assert_int_eq(link(tmp("a/tls.crt"), tmp("server.crt")), 0);
	ck_assert_int_eq(link(tmp("a/tls.key"), tmp("server.key")), 0);
	tls_start(&s, (const char *[]){ "--tls-cert", tmp("server.crt"),
	    "--tls-key", tmp("server.key"), NULL });
	struct nd_conn *a = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "alice", NULL);
	nd_peer_fingerprint(a, seen, sizeof(seen));
	ck_assert_str_eq(seen, fpa);
	nd_send(a, "JOIN #keep");
	ND_EXPECT(a, " 366 alice #keep ");

	/* A renewed certificate, then SIGHUP. */
	ck_assert_int_eq(rename(tmp("b/tls.crt"), tmp("server.crt")), 0);
	ck_assert_int_eq(rename(tmp("b/tls.key"), tmp("server.key")), 0);
	nd_kill(&s, SIGHUP);
	ck_assert(nd_log_wait(&s, "reloaded, SHA-256 fingerprint", T));
	struct nd_conn *b = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "bob", NULL);
	nd_peer_fingerprint(b, seen, sizeof(seen));
	ck_assert_str_eq(seen, fpb);
	/* alice kept her connection and talks with bob. */
	nd_send(b, "JOIN #keep");
	ND_EXPECT(a, "^:bob!.* JOIN #keep$");
	nd_send(a, "PRIVMSG #keep :still here");
	ND_EXPECT(b, "^:alice!.* PRIVMSG #keep :still here$");

	/* A broken file: the loaded certificate stays. */
	ck_assert_int_eq(truncate(tmp("server.key"), 10), 0);
	nd_kill(&s, SIGHUP);
	ck_assert(nd_log_wait(&s, "keeping the certificate loaded before", T));
	struct nd_conn *c = nd_connect_tls(&s, NULL, NULL);
	nd_peer_fingerprint(c, seen, sizeof(seen));
	ck_assert_str_eq(seen, fpb);
	nd_close(c);
	nd_sync(a);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(tls_plain_irc_on_tls_port)
{
	struct nd_server s;

	tls_start(&s, (const char *[]){ "-v", NULL });
	struct nd_conn *c = nd_connect_port(&s, s.tls_port);
	nd_send(c, "NICK plain");
	nd_send(c, "USER plain 0 * :plain");
	/* Told in plain text why, as the plain port tells a TLS client. */
	char *l = nd_line(c, T);
	ck_assert_ptr_nonnull(l);
	ck_assert_msg(strstr(l, "ERROR :Closing link: this is the TLS port")
	    == l, "%s", l);
	free(l);
	ck_assert(nd_wait_closed(c, T));
	ck_assert(!c->reset);
	ck_assert(nd_log_wait(&s, "plain text on the TLS port", T));
	nd_close(c);
	/* The server is fine, on both ports. */
	struct nd_conn *a = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(tls_garbage_on_both_ports)
{
	struct nd_server s;
	unsigned char junk[3000];
	unsigned x = 12345;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245 + 12345;
		junk[i] = x >> 16;
	}
	/* A TLS record header, then noise. */
	junk[0] = 0x16;
	junk[1] = 0x03;
	junk[2] = 0x01;
	tls_start(&s, (const char *[]){ "-v", NULL });

	struct nd_conn *c = nd_connect_port(&s, s.tls_port);
	nd_send_raw(c, junk, sizeof(junk));
	ck_assert(nd_wait_closed(c, T));
	nd_close(c);

	/* A real ClientHello on the plain port: told in plain text, then
	 * closed; the TLS client's handshake fails. */
	c = nd_connect_port(&s, s.port);
	ck_assert(!nd_tls_start(c, NULL, NULL));
	nd_close(c);
	ck_assert(nd_log_wait(&s, "TLS on the plain IRC port", T));
	c = nd_connect_port(&s, s.port);
	nd_send_raw(c, junk, sizeof(junk));
	char *l = nd_line(c, T);
	ck_assert_ptr_nonnull(l);
	ck_assert_msg(strstr(l, "ERROR :Closing link") == l, "%s", l);
	free(l);
	ck_assert(nd_wait_closed(c, T));
	ck_assert(!c->reset);
	nd_close(c);

	struct nd_conn *a = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	nd_sync(a);
	nd_sync(b);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(tls_handshake_timeout)
{
	struct nd_server s;

	tls_start(&s, (const char *[]){ "-v", NULL });
	/* Half a ClientHello, then silence. */
	struct nd_conn *c = nd_connect_port(&s, s.tls_port);
	nd_send_raw(c, "\x16\x03\x01\x02\x00\x01", 6);
	struct nd_conn *idle = nd_connect_port(&s, s.tls_port);
	/* Closed after the 10 s deadline, before the registration one. */
	ck_assert(nd_wait_closed(c, 15000));
	ck_assert(nd_wait_closed(idle, 5000));
	ck_assert(nd_log_wait(&s, "TLS handshake timed out", T));
	nd_close(c);
	nd_close(idle);
	struct nd_conn *a = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "alice", NULL);
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

/* The nth occurrence of what in text (n from 1), or NULL. */
static const char *
nth(const char *text, const char *what, unsigned n)
{
	const char *at = text;

	for (unsigned i = 0; at != NULL && i < n; i++)
		if ((at = strstr(i == 0 ? at : at + 1, what)) == NULL)
			return NULL;
	return at;
}

#define INFLIGHT_MAX 64	/* natterd.h's TLS_INFLIGHT_MAX */
#define HANDSHAKE_MS 10000	/* natterd.h's TLS_HANDSHAKE_MS */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * At most TLS_INFLIGHT_MAX handshakes at once, the rest in the backlog
 * (a crowd's buffers leave holes in the heap), and stalled ones do not
 * hold up those behind them for the 10 s: while the limit is reached a
 * handshake has 2 s.
 */
START_TEST(tls_inflight_limited)
{
	struct nd_server s;
	struct nd_conn *stalled[INFLIGHT_MAX];

	tls_start(&s, (const char *[]){ "-v", "--max-per-ip", "0",
	    "--max-unregistered", "0", NULL });
	int64_t t0 = mono_ms();
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		stalled[i] = nd_connect_port(&s, s.tls_port);
	/* Waits in the backlog until a stalled one is closed. */
	struct nd_conn *a = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "alice", NULL);
	int64_t took = mono_ms() - t0;
	ck_assert_msg(took < HANDSHAKE_MS, "alice waited %lld ms",
	    (long long)took);
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		nd_close(stalled[i]);
	/* The whole log up to alice (nd_log reads only what is there). */
	ck_assert(nd_log_wait(&s, "alice!.* registered", T));
	const char *log = nd_log(&s);
	const char *first_close = strstr(log, "TLS handshake timed out");
	const char *alice_in = nth(log, "connection from", INFLIGHT_MAX + 1);
	ck_assert_ptr_nonnull(first_close);
	ck_assert_ptr_nonnull(alice_in);
	ck_assert_msg(alice_in > first_close, "accepted with %d handshakes "
	    "under way", INFLIGHT_MAX);
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(tls_sendq_slow_reader)
{
	struct nd_server s;

	tls_start(&s, (const char *[]){ "--sendq", "65536", NULL });
	nd_rcvbuf = ND_NONREADER_RCVBUF;
	struct nd_conn *slow = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "slow", NULL);
	nd_rcvbuf = 0;
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	struct nd_conn *b = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "bob", NULL);

	nd_sendq_drop(slow, "slow", a, b, "bob", "#q");
	/* Reading again, slow gets what was on its way, then the end. */
	char *l;
	while ((l = nd_line(slow, T)) != NULL)
		free(l);
	ck_assert(slow->eof);
	nd_close(slow);
	nd_close(a);
	nd_close(b);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(tls_client_certificate_in_whois)
{
	struct nd_server s;
	char fp[256], re[400];

	/* A client certificate: any will do, natterd does not verify it. */
	fingerprint_cmd((const char *[]){ "--db", tmp("client/x.db"), NULL },
	    fp, sizeof(fp));
	tls_start(&s, (const char *[]){ "--oper-file",
	    nd_file("opers", "boss hunter2\n", 0600), NULL });
	struct nd_conn *a = nd_register_on(nd_connect_tls(&s,
	    tmp("client/tls.crt"), tmp("client/tls.key")), "alice", NULL);
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	struct nd_conn *o = nd_register(&s, "boss", NULL);
	nd_send(o, "OPER boss hunter2");
	ND_EXPECT(o, " 381 ");

	/* Shown to its owner and to operators, as other servers do. */
	snprintf(re, sizeof(re), " 276 alice alice :has client certificate "
	    "fingerprint %s$", fp);
	nd_send(a, "WHOIS alice");
	ND_EXPECT(a, re);
	snprintf(re, sizeof(re), " 276 boss alice :has client certificate "
	    "fingerprint %s$", fp);
	nd_send(o, "WHOIS alice");
	ND_EXPECT(o, re);
	/* Not to anyone else: it would follow her everywhere. */
	nd_send(b, "WHOIS alice");
	char *l = nd_expect_not(b, " 318 bob alice ", " 276 ", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	/* A TLS client without a certificate has no 276. */
	struct nd_conn *c = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "carol", NULL);
	nd_send(c, "WHOIS carol");
	l = nd_expect_not(c, " 318 carol carol ", " 276 ", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_close(a);
	nd_close(b);
	nd_close(c);
	nd_close(o);
	nd_cleanup_files();
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

#define NS "^:NickServ!NickServ@test\\.server NOTICE "

/* CAP LS 302 on c: the sasl capability's value must be mechs. */
static void
sasl_offered(struct nd_conn *c, const char *mechs)
{
	char re[128];

	snprintf(re, sizeof(re), "^:test\\.server CAP \\* LS :.*(^| )sasl=%s"
	    "( |$)", mechs);
	nd_send(c, "CAP LS 302");
	ND_EXPECT(c, re);
}

/* CAP REQ sasl, AUTHENTICATE EXTERNAL with authzid (base64, "+" for
 * none) on c; the 90x reply that ends it must match re. */
static void
sasl_external(struct nd_conn *c, const char *authzid, const char *re)
{
	nd_send(c, "CAP REQ :sasl");
	ND_EXPECT(c, " CAP \\* ACK :sasl$");
	nd_send(c, "AUTHENTICATE EXTERNAL");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	nd_send(c, "AUTHENTICATE %s", authzid);
	ND_EXPECT(c, re);
}

START_TEST(tls_sasl_external)
{
	struct nd_server s;
	char fp[256], other[256];

	/* Two client certificates, made by natterd in two directories. */
	fingerprint_cmd((const char *[]){ "--db", tmp("c1/x.db"), NULL },
	    fp, sizeof(fp));
	fingerprint_cmd((const char *[]){ "--db", tmp("c2/x.db"), NULL },
	    other, sizeof(other));
	tls_start(&s, NULL);

	/* alice registers and lists her certificate (no colons: CERT
	 * takes either spelling); bob has an account without one. */
	struct nd_conn *a = nd_register_on(nd_connect_tls(&s, NULL, NULL),
	    "alice", NULL);
	nd_send(a, "PRIVMSG NickServ :REGISTER correct-horse");
	ND_EXPECT(a, NS "alice :Account alice registered$");
	char bare[128];
	size_t n = 0;
	for (const char *p = fp; *p != '\0'; p++)
		if (*p != ':')
			bare[n++] = *p;
	bare[n] = '\0';
	nd_send(a, "PRIVMSG NickServ :CERT ADD %s", bare);
	ND_EXPECT(a, NS "alice :[0-9a-f:]+ added to alice's fingerprints$");
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	nd_send(b, "PRIVMSG NickServ :REGISTER battery-staple");
	ND_EXPECT(b, NS "bob :Account bob registered$");
	/* One certificate, one account. */
	nd_send(b, "PRIVMSG NickServ :CERT ADD %s", fp);
	ND_EXPECT(b, NS "bob :[0-9a-f:]+ is another account's fingerprint$");
	nd_send(a, "QUIT");
	ck_assert(nd_wait_closed(a, T));
	nd_close(a);

	/* Offered only where a certificate was presented. */
	struct nd_conn *p = nd_connect(&s);
	sasl_offered(p, "PLAIN");
	struct nd_conn *t = nd_connect_tls(&s, NULL, NULL);
	sasl_offered(t, "PLAIN");
	struct nd_conn *c = nd_connect_tls(&s, tmp("c1/tls.crt"),
	    tmp("c1/tls.key"));
	sasl_offered(c, "PLAIN,EXTERNAL");

	/* No authzid: the account that lists the certificate. */
	sasl_external(c, "+", " 900 \\* \\*!\\*@127\\.0\\.0\\.1 alice :You "
	    "are now logged in as alice$");
	ND_EXPECT(c, "^:test\\.server 903 \\* :SASL authentication "
	    "successful$");
	nd_send(c, "NICK alice");
	nd_send(c, "USER u 0 * :R");
	nd_send(c, "CAP END");
	ND_EXPECT(c, " (376|422) ");
	nd_send(c, "WHOIS alice");
	ND_EXPECT(c, " 330 alice alice alice :is logged in as$");

	/* An authzid must name that account: "alice" is YWxpY2U=. */
	struct nd_conn *c2 = nd_connect_tls(&s, tmp("c1/tls.crt"),
	    tmp("c1/tls.key"));
	sasl_external(c2, "YWxpY2U=", " 903 ");
	/* "bob" (Ym9i) does not list it. */
	struct nd_conn *c3 = nd_connect_tls(&s, tmp("c1/tls.crt"),
	    tmp("c1/tls.key"));
	sasl_external(c3, "Ym9i", "^:test\\.server 904 \\* :SASL "
	    "authentication failed: no account has this certificate");
	/* A certificate no account lists. */
	struct nd_conn *d = nd_connect_tls(&s, tmp("c2/tls.crt"),
	    tmp("c2/tls.key"));
	sasl_external(d, "+", "^:test\\.server 904 \\* :SASL authentication "
	    "failed: no account has this certificate");
	/* No certificate at all: 908 says what there is. */
	nd_send(t, "CAP REQ :sasl");
	ND_EXPECT(t, " ACK :sasl$");
	nd_send(t, "AUTHENTICATE EXTERNAL");
	ND_EXPECT(t, "^:test\\.server 908 \\* PLAIN :are available SASL "
	    "mechanisms$");
	ND_EXPECT(t, "^:test\\.server 904 \\* :SASL authentication failed: "
	    "no TLS client certificate$");
	nd_send(p, "CAP REQ :sasl");
	ND_EXPECT(p, " ACK :sasl$");
	nd_send(p, "AUTHENTICATE EXTERNAL");
	ND_EXPECT(p, " 904 \\* :SASL authentication failed: no TLS client "
	    "certificate$");

	/* CERT DEL: the certificate logs no one in any more. */
	nd_send(c, "PRIVMSG NickServ :CERT DEL %s", fp);
	ND_EXPECT(c, NS "alice :[0-9a-f:]+ removed from alice's "
	    "fingerprints$");
	struct nd_conn *e = nd_connect_tls(&s, tmp("c1/tls.crt"),
	    tmp("c1/tls.key"));
	sasl_external(e, "+", " 904 ");
	nd_close(b);
	nd_close(c);
	nd_close(c2);
	nd_close(c3);
	nd_close(d);
	nd_close(e);
	nd_close(p);
	nd_close(t);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(tls_no_sts_when_self_signed)
{
	struct nd_server s;

	tls_start(&s, NULL);
	struct nd_conn *p = nd_connect(&s);
	nd_send(p, "CAP LS 302");
	char *l = nd_expect(p, " CAP \\* LS ", T);
	ck_assert_ptr_nonnull(l);
	ck_assert_msg(strstr(l, "sts") == NULL, "%s", l);
	free(l);
	nd_close(p);
	ck_assert_int_eq(nd_stop(&s), 0);
}
END_TEST

START_TEST(tls_listen_none)
{
	struct nd_server s;

	/* No TLS: no listener, and no certificate made. */
	nd_start(&s, (const char *[]){ "--tls-listen", "none", NULL });
	ck_assert_int_eq(s.tls_port, 0);
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);
	ck_assert_int_eq(access(tmp("state"), F_OK), -1);

	/* No plain: TLS only. */
	tls_start(&s, (const char *[]){ "--listen", "none", NULL });
	ck_assert_int_eq(s.port, 0);
	ck_assert_int_gt(s.tls_port, 0);
	a = nd_register_on(nd_connect_tls(&s, NULL, NULL), "alice", NULL);
	nd_close(a);
	ck_assert_int_eq(nd_stop(&s), 0);

	/* Both off is nothing to serve. */
	ck_assert_int_eq(nd_start_fail(&s, (const char *[]){ "--listen",
	    "none", "--tls-listen", "none", NULL }), 64);
	nd_stop(&s);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tls_handshake);
	tcase_add_test(tc, tls_and_plain_in_one_channel);
	tcase_add_test(tc, tls_certificate_made_once);
	tcase_add_test(tc, tls_certificate_in_state_dir);
	tcase_add_test(tc, tls_fingerprint_before_first_start);
	tcase_add_test(tc, tls_fingerprint_key_not_ours);
	tcase_add_test(tc, tls_sighup_reload);
	tcase_add_test(tc, tls_plain_irc_on_tls_port);
	tcase_add_test(tc, tls_garbage_on_both_ports);
	tcase_add_test(tc, tls_handshake_timeout);
	tcase_add_test(tc, tls_inflight_limited);
	tcase_add_test(tc, tls_sendq_slow_reader);
	tcase_add_test(tc, tls_client_certificate_in_whois);
	tcase_add_test(tc, tls_sasl_external);
	tcase_add_test(tc, tls_no_sts_when_self_signed);
	tcase_add_test(tc, tls_listen_none);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return nd_run_suite(tls_suite());
}
