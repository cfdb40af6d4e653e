/*
 * tls.c: OpenSSL under net.c's non-blocking socket, and the decision
 * whether a server's certificate may be talked to.
 *
 * OpenSSL because natterd uses it too (one library to keep patched on the
 * box, one fingerprint spelling). The handshake never fails on an
 * unverified certificate by itself (SSL_VERIFY_NONE): the chain and the
 * host name are still checked, and tls_trust reads the result, so that a
 * self-signed certificate can be offered to the user once, as SSH does,
 * instead of being a dead end.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "natter.h"

static SSL_CTX *ctx;
static SSL *ssl;
static char errbuf[256];
static char known_file[4096];		/* "" when there is no home */
static unsigned char peer[FINGERPRINT_LEN];	/* the last handshake's */

/* The user's answer about one certificate, kept for the run. */
struct answer {
	char host[256], port[32];
	unsigned char digest[FINGERPRINT_LEN];
	bool set;
};

/* Trusted in this run: reconnects need not ask again even when
 * known_servers could not be written. Refused in this run: a box that
 * keeps answering in the server's place is asked about once, not at
 * every reconnect; the real server's certificate is still taken. */
static struct answer accepted, refused;

static void
answer_set(struct answer *a, const char *host, const char *port)
{
	str_copy(a->host, host, sizeof(a->host));
	str_copy(a->port, port, sizeof(a->port));
	memcpy(a->digest, peer, FINGERPRINT_LEN);
	a->set = true;
}

static bool
answer_is(const struct answer *a, const char *host, const char *port)
{
	return a->set && strcasecmp(a->host, host) == 0 &&
	    strcmp(a->port, port) == 0 &&
	    memcmp(a->digest, peer, FINGERPRINT_LEN) == 0;
}

/* OpenSSL's first queued error, or fallback; the queue is emptied. */
static void
tls_set_error(const char *fallback)
{
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, errbuf, sizeof(errbuf));
	else
		str_copy(errbuf, fallback, sizeof(errbuf));
	ERR_clear_error();
}

static void __attribute__((noreturn))
tls_setup_fail(const char *what, const char *path)
{
	tls_set_error("unusable");
	fprintf(stderr, "natter: %s %s: %s\n", what, path, errbuf);
	exit(EXIT_NOINPUT);
}

void
tls_setup(void)
{
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		fatalx("SSL_CTX_new failed");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* A server that closes without close_notify (most IRC servers) has
	 * closed the connection, not been cut: IRC lines carry their own
	 * ends, so a truncation loses nothing a plain close would keep. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* net.c's send queue moves and is written in parts; the buffers go
	 * back while the connection is idle. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (opt.tls_ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, opt.tls_ca, NULL) != 1)
			tls_setup_fail("CA file", opt.tls_ca);
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		tls_set_error("no system CAs");	/* then nothing verifies */
	/* One PEM file with the certificate (and its chain) and the key,
	 * as catgirl and pounce take it. */
	if (opt.tls_cert != NULL) {
		if (SSL_CTX_use_certificate_chain_file(ctx, opt.tls_cert) != 1)
			tls_setup_fail("certificate", opt.tls_cert);
		if (SSL_CTX_use_PrivateKey_file(ctx, opt.tls_cert,
		    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)
			tls_setup_fail("private key in", opt.tls_cert);
	}
	if (!known_path(known_file, sizeof(known_file),
	    getenv("XDG_DATA_HOME"), getenv("HOME")))
		known_file[0] = '\0';
}

void
tls_start(int fd, const char *host)
{
	unsigned char addr[16];
	X509_VERIFY_PARAM *param;
	bool literal = inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;

	tls_end();
	ERR_clear_error();
	ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1)
		fatalx("SSL_new failed");
	SSL_set_connect_state(ssl);
	param = SSL_get0_param(ssl);
	/* The certificate must name the host natter was given: an address
	 * as an IP SAN, a name as a DNS one (then also sent as SNI, which
	 * RFC 6066 forbids for addresses). */
	if (literal)
		X509_VERIFY_PARAM_set1_ip_asc(param, host);
	else {
		SSL_set_tlsext_host_name(ssl, host);
		X509_VERIFY_PARAM_set1_host(param, host, 0);
	}
}

/* The result of an SSL call that returned r. */
static enum tls_io
tls_result(int r)
{
	int saved = errno;

	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return TLS_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_IO_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (saved == 0)
				return TLS_IO_EOF;
			str_copy(errbuf, strerror(saved), sizeof(errbuf));
			return TLS_IO_ERROR;
		}
		break;
	default:
		break;
	}
	tls_set_error("TLS error");
	return TLS_IO_ERROR;
}

enum tls_io
tls_handshake(void)
{
	ERR_clear_error();
	errno = 0;
	int r = SSL_do_handshake(ssl);
	return r == 1 ? TLS_IO_OK : tls_result(r);
}

enum tls_io
tls_read(char *buf, size_t cap, size_t *n)
{
	ERR_clear_error();
	errno = 0;
	return SSL_read_ex(ssl, buf, cap, n) == 1 ? TLS_IO_OK :
	    tls_result(0);
}

enum tls_io
tls_write(const char *buf, size_t len, size_t *n)
{
	ERR_clear_error();
	errno = 0;
	return SSL_write_ex(ssl, buf, len, n) == 1 ? TLS_IO_OK :
	    tls_result(0);
}

size_t
tls_pending(void)
{
	return ssl != NULL ? (size_t)SSL_pending(ssl) : 0;
}

void
tls_end(void)
{
	/* No close_notify: the socket is closed next, and a shutdown that
	 * waits for the peer's would block or need its own state. */
	SSL_free(ssl);
	ssl = NULL;
}

const char *
tls_error(void)
{
	return errbuf;
}

const char *
tls_known_file(void)
{
	return known_file;
}

enum tls_trust
tls_trust(const char *host, const char *port, char fp[FINGERPRINT_STR_MAX],
    char *why, size_t cap)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	unsigned int len = 0;
	long v;

	fp[0] = '\0';
	if (cert == NULL || X509_digest(cert, EVP_sha256(), peer, &len) != 1 ||
	    len != FINGERPRINT_LEN) {
		snprintf(why, cap, "%s:%s sent no certificate", host, port);
		return TLS_REFUSED;
	}
	fingerprint_format(fp, FINGERPRINT_STR_MAX, peer);
	/* A pin is the whole policy: neither a CA nor the user's earlier
	 * answers can stand in for it. */
	if (opt.tls_pinned) {
		char want[FINGERPRINT_STR_MAX];
		if (memcmp(peer, opt.tls_pin, FINGERPRINT_LEN) == 0)
			return TLS_TRUSTED;
		fingerprint_format(want, sizeof(want), opt.tls_pin);
		snprintf(why, cap, "the certificate of %s:%s has the "
		    "fingerprint %s, not %s as --tls-fingerprint says",
		    host, port, fp, want);
		return TLS_REFUSED;
	}
	if (opt.tls_insecure)
		return TLS_TRUSTED;
	v = SSL_get_verify_result(ssl);
	if (v == X509_V_OK)
		return TLS_TRUSTED;
	if (answer_is(&accepted, host, port))
		return TLS_TRUSTED;
	FILE *f = known_file[0] != '\0' ? fopen(known_file, "r") : NULL;
	if (f != NULL) {
		unsigned char old[FINGERPRINT_LEN];
		char was[FINGERPRINT_STR_MAX];
		unsigned line = 0;
		enum known_match m = known_find(f, host, port, peer, &line,
		    old);
		fclose(f);
		if (m == KNOWN_SAME)
			return TLS_TRUSTED;
		if (m == KNOWN_CHANGED) {
			fingerprint_format(was, sizeof(was), old);
			snprintf(why, cap, "the certificate of %s:%s has "
			    "changed: it was %s and is now %s. Another machine "
			    "may be answering for the server. If its "
			    "certificate was replaced on purpose, delete "
			    "line %u of %s", host, port, was, fp, line,
			    known_file);
			return TLS_REFUSED;
		}
	}
	if (answer_is(&refused, host, port)) {
		snprintf(why, cap, "the certificate of %s:%s (%s) was refused "
		    "earlier; natter asks again at its next start", host, port,
		    fp);
		return TLS_REFUSED;
	}
	snprintf(why, cap, "%s", X509_verify_cert_error_string(v));
	return TLS_ASK;
}

void
tls_refuse(const char *host, const char *port)
{
	answer_set(&refused, host, port);
}

bool
tls_remember(const char *host, const char *port, char *err, size_t cap)
{
	answer_set(&accepted, host, port);
	if (known_file[0] == '\0') {
		snprintf(err, cap, "neither XDG_DATA_HOME nor HOME is set");
		return false;
	}
	return known_add(known_file, host, port, peer, err, cap);
}
