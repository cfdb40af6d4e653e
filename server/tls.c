/*
 * tls.c: TLS on the --tls-listen ports, with OpenSSL, inside the one poll
 * loop. Nothing here blocks: OpenSSL's want-read and want-write become
 * poll events, the handshake has TLS_HANDSHAKE_MS to finish (loop.c's
 * timers close it after that), and conn.c calls tls_read and tls_writev
 * where a plain connection calls read and writev.
 *
 * The certificate is --tls-cert and --tls-key, or else one natterd makes
 * on first start (ECDSA P-256, self-signed, subject the server name) and
 * keeps beside its database as tls.crt and tls.key (mode 0600), so TLS
 * works with nothing set up and the fingerprint users pin stays the same
 * across restarts. SIGHUP reads the files again (tls_reload): new
 * connections get the new certificate, established ones keep theirs.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "natterd.h"

#define TLS_RECORD_MAX 16384	/* plaintext of one TLS record */
#define TLS_CERT_DAYS (20 * 365)	/* the generated certificate's life */
#define TLS_PATH_MAX 4096

static SSL_CTX *ctx;
static char cert_path[TLS_PATH_MAX], key_path[TLS_PATH_MAX];
static bool generated;		/* cert_path is the one natterd made */
static bool self_signed;
static char fingerprint[FINGERPRINT_STR_MAX];
static unsigned handshakes;	/* connections in the handshake */

/* The first queued OpenSSL error as text, and the queue emptied. */
static const char *
tls_error(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		str_copy(buf, "unknown error", sizeof(buf));
	else
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

static void
cert_fingerprint(X509 *x, char *buf, size_t cap)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (X509_digest(x, EVP_sha256(), md, &len) != 1 ||
	    len != FINGERPRINT_LEN) {
		str_copy(buf, "?", cap);
		return;
	}
	fingerprint_format(buf, cap, md);
}

/* Write data to path through a temporary file and rename, so a crash
 * never leaves half a key; mode applies from the first byte. */
static bool
write_file(const char *path, int mode, const char *data, size_t len,
    char *err, size_t errcap)
{
	char tmp[TLS_PATH_MAX + 8];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errcap, "cannot create %s: %s", tmp,
		    strerror(errno));
		return false;
	}
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errcap, "cannot write %s: %s", tmp,
			    strerror(errno));
			close(fd);
			unlink(tmp);
			return false;
		}
		p += n;
		left -= n;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errcap, "cannot write %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

/* A PEM object in memory, for write_file. */
static bool
pem_out(BIO *b, const char *path, int mode, char *err, size_t errcap)
{
	char *data;
	long len = BIO_get_mem_data(b, &data);

	return len > 0 && write_file(path, mode, data, len, err, errcap);
}

static bool
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return false;
	bool ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/*
 * A new ECDSA P-256 key and a self-signed certificate for name, valid
 * from a day ago (a box whose clock is behind) for TLS_CERT_DAYS. P-256
 * rather than Ed25519: every TLS client natter meets (irssi, WeeChat,
 * catgirl's LibreSSL, Android ones) takes it.
 */
static bool
cert_generate(const char *name, char *err, size_t errcap)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
	unsigned char serial[16];
	char san[IRC_HOST_MAX + 8];
	BIGNUM *bn = NULL;
	bool ok = false;

	if (pkey == NULL || x == NULL || kb == NULL || cb == NULL ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto done;
	serial[0] &= 0x7f;	/* a positive serial number (RFC 5280 4.1.2.2) */
	X509_NAME *subj = X509_get_subject_name(x);
	snprintf(san, sizeof(san), "DNS:%s", name);
	if (X509_set_version(x, 2) != 1 ||
	    (bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_CERT_DAYS, 0,
	    NULL) == NULL ||
	    X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8,
	    (const unsigned char *)name, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, subj) != 1 ||
	    X509_set_pubkey(x, pkey) != 1 ||
	    !add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(x, NID_ext_key_usage, "serverAuth") ||
	    !add_ext(x, NID_subject_key_identifier, "hash") ||
	    !add_ext(x, NID_subject_alt_name, san) ||
	    X509_sign(x, pkey, EVP_sha256()) == 0 ||
	    PEM_write_bio_PrivateKey(kb, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, x) != 1)
		goto done;
	/* The key first: a certificate without its key is useless, and
	 * tls_init makes both again when one is missing. */
	if (!pem_out(kb, key_path, 0600, err, errcap) ||
	    !pem_out(cb, cert_path, 0644, err, errcap))
		goto out;
	ok = true;
done:
	if (!ok && err[0] == '\0')
		snprintf(err, errcap, "cannot make a TLS certificate: %s",
		    tls_error());
out:
	BN_free(bn);
	BIO_free(kb);
	BIO_free(cb);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ok;
}

/* Client certificates are optional and never verified: their
 * fingerprint is an identity (WHOIS, SASL EXTERNAL), not a CA's word. */
static int
accept_any_cert(int ok, X509_STORE_CTX *store)
{
	return 1;
}

/* A context for the certificate and key files; NULL with err set. */
static SSL_CTX *
ctx_load(char *fp, size_t fpcap, bool *selfsigned, char *err, size_t errcap)
{
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());

	if (c == NULL) {
		snprintf(err, errcap, "TLS: %s", tls_error());
		return NULL;
	}
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	/* Renegotiation would let a write want a read; nobody needs it. */
	SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Idle connections hold no TLS buffers; a write that would block
	 * is retried from a copy (tls_writev). */
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* No resumption: a LAN reconnect costs one full handshake, and no
	 * session cache or tickets are kept. */
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(c, 0);
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE,
	    accept_any_cert);
	if (SSL_CTX_use_certificate_chain_file(c, cert_path) != 1) {
		snprintf(err, errcap, "cannot load TLS certificate %s: %s",
		    cert_path, tls_error());
		SSL_CTX_free(c);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(c, key_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(c) != 1) {
		snprintf(err, errcap, "cannot load TLS key %s: %s", key_path,
		    tls_error());
		SSL_CTX_free(c);
		return NULL;
	}
	X509 *x = SSL_CTX_get0_certificate(c);
	cert_fingerprint(x, fp, fpcap);
	*selfsigned = X509_self_signed(x, 0) == 1;
	return c;
}

/* cert_path and key_path: the given files, or tls.crt and tls.key in
 * the state directory (made when missing). The key's privacy matters only
 * to serve with it (serving). */
static bool
find_files(char *err, size_t errcap, bool serving)
{
	if (cfg.tls_cert != NULL) {
		str_copy(cert_path, cfg.tls_cert, sizeof(cert_path));
		str_copy(key_path, cfg.tls_key, sizeof(key_path));
		generated = false;
		return true;
	}
	if (!path_beside_db(cert_path, sizeof(cert_path), cfg.db_path,
	    "tls.crt") || !path_beside_db(key_path, sizeof(key_path),
	    cfg.db_path, "tls.key")) {
		snprintf(err, errcap, "no directory for the TLS certificate "
		    "(no home directory): give --tls-cert and --tls-key, or "
		    "--tls-listen none");
		return false;
	}
	if (path_mkdirs(cert_path, err, errcap) < 0)
		return false;
	generated = true;
	bool have_cert = access(cert_path, F_OK) == 0;
	bool have_key = access(key_path, F_OK) == 0;
	if (have_cert && have_key) {
		/* A key others could read, or plant (a database in /tmp),
		 * would let them be this server. */
		struct stat st;
		if (serving && (stat(key_path, &st) < 0 ||
		    st.st_uid != geteuid() ||
		    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)) {
			snprintf(err, errcap, "%s is not private to this user "
			    "(chmod 600 it, or remove it and tls.crt to make "
			    "new ones)", key_path);
			return false;
		}
		return true;
	}
	if (have_cert || have_key)
		log_warn("%s without %s: making a new certificate and key",
		    have_cert ? cert_path : key_path,
		    have_cert ? key_path : cert_path);
	if (!cert_generate(cfg.name, err, errcap))
		return false;
	log_info("made a self-signed TLS certificate in %s", cert_path);
	return true;
}

int
tls_init(char *err, size_t errcap)
{
	err[0] = '\0';
	if (!find_files(err, errcap, true))
		return -1;
	if ((ctx = ctx_load(fingerprint, sizeof(fingerprint), &self_signed,
	    err, errcap)) == NULL)
		return -1;
	return 0;
}

void
tls_log(void)
{
	if (ctx == NULL)
		return;
	log_info("TLS certificate %s%s, SHA-256 fingerprint %s", cert_path,
	    self_signed ? " (self-signed)" : "", fingerprint);
}

bool
tls_sts_ok(void)
{
	/* The sts spec: a policy only for a certificate clients can verify
	 * without asking the user; never for a self-signed one. */
	return ctx != NULL && !generated && !self_signed;
}

void
tls_reload(void)
{
	char fp[FINGERPRINT_STR_MAX], err[TLS_PATH_MAX + 256];
	bool ss;
	SSL_CTX *c;

	if (ctx == NULL)
		return;
	err[0] = '\0';
	if ((c = ctx_load(fp, sizeof(fp), &ss, err, sizeof(err))) == NULL) {
		log_error("%s: keeping the certificate loaded before", err);
		return;
	}
	/* Each connection's SSL holds a reference to the context it was
	 * made with; only new connections see this one. */
	SSL_CTX_free(ctx);
	ctx = c;
	self_signed = ss;
	if (strcmp(fp, fingerprint) != 0) {
		str_copy(fingerprint, fp, sizeof(fingerprint));
		log_info("TLS certificate %s reloaded, SHA-256 fingerprint %s",
		    cert_path, fingerprint);
	}
}

void
tls_free_all(void)
{
	SSL_CTX_free(ctx);
	ctx = NULL;
}

/* Connections */

bool
tls_accept(struct client *c)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL || SSL_set_fd(ssl, c->fd) != 1) {
		log_warn("TLS: %s", tls_error());
		SSL_free(ssl);
		return false;
	}
	SSL_set_accept_state(ssl);
	c->tls = ssl;
	c->tls_state = TLS_HANDSHAKING;
	if (++handshakes == TLS_INFLIGHT_MAX) {
		listen_tls_pause(true);
		/* The oldest may now be past the shorter deadline. */
		loop_timer_at(c->accepted);
	}
	loop_timer_at(c->accepted + tls_handshake_ms());
	return true;
}

/*
 * A crowd of handshakes at once leaves its freed buffers as holes between
 * the sessions that stay (1 000 at once: 17 KiB per idle connection, 15.5
 * at 64), so at most TLS_INFLIGHT_MAX run at once and the rest wait in
 * the listen backlog, the kernel's memory. A few stalled handshakes must
 * not hold up everyone behind them for TLS_HANDSHAKE_MS: while the limit
 * is reached a handshake has TLS_HANDSHAKE_FULL_MS (a LAN handshake takes
 * milliseconds), and --max-unregistered bounds what one address holds.
 */
bool
tls_room(void)
{
	return handshakes < TLS_INFLIGHT_MAX;
}

int64_t
tls_handshake_ms(void)
{
	return tls_room() ? TLS_HANDSHAKE_MS : TLS_HANDSHAKE_FULL_MS;
}

/* After an error OpenSSL must not send close_notify (SSL_shutdown(3)). */
static void
broken(struct client *c, const char *what)
{
	log_debug("%s (fd %d): TLS %s: %s", c->host, c->fd, what, tls_error());
	SSL_set_quiet_shutdown(c->tls, 1);
	c->tls_state |= TLS_BROKEN;
}

/*
 * A handshake's buffers (its records, the key exchange, the transcript)
 * are far larger than what an established session keeps (about 14 KiB in
 * OpenSSL 3.0: the SSL object, two AES-GCM contexts, the session). After
 * a crowd of handshakes, glibc keeps their freed memory in holes between
 * the sessions that stay, and RSS stays as high as at the peak: 5 000
 * clients arriving 1 000 at a time left 21 KiB per idle connection, 17
 * KiB once the holes go back to the kernel. So they go back when the last
 * handshake in flight ends; with none under way there is little to walk.
 */
static void
handshake_ended(void)
{
	if (handshakes-- == TLS_INFLIGHT_MAX)
		listen_tls_pause(false);
	if (handshakes == 0)
		malloc_trim(0);
}

static void
handshake_done(struct client *c)
{
	X509 *peer = SSL_get0_peer_certificate(c->tls);
	char fp[FINGERPRINT_STR_MAX];

	c->tls_state &= ~TLS_HANDSHAKING;
	handshake_ended();
	if (peer != NULL) {
		cert_fingerprint(peer, fp, sizeof(fp));
		c->certfp = xstrdup(fp);
	}
	log_debug("%s (fd %d): %s %s%s%s", c->host, c->fd,
	    SSL_get_version(c->tls), SSL_get_cipher_name(c->tls),
	    peer != NULL ? ", client certificate " : "",
	    peer != NULL ? c->certfp : "");
}

/*
 * Plain text where a TLS handshake should start (a plain client, or
 * someone trying nc on the TLS port): told in words, in plain text, as
 * the plain port tells a TLS client, then closed. A handshake's first
 * byte is 0x16; looked at before OpenSSL has read anything.
 */
static bool
plain_on_tls_port(struct client *c)
{
	static const char msg[] = "ERROR :Closing link: this is the TLS "
	    "port; plain IRC is on the plain port\r\n";
	unsigned char first;

	if (BIO_number_read(SSL_get_rbio(c->tls)) != 0 ||
	    recv(c->fd, &first, 1, MSG_PEEK | MSG_DONTWAIT) != 1 ||
	    first == 0x16)
		return false;
	log_debug("%s (fd %d): plain text on the TLS port", c->host, c->fd);
	/* Best effort: the socket is new and empty, so it takes the line. */
	if (send(c->fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("%s (fd %d): %s", c->host, c->fd, strerror(errno));
	broken(c, "plain text on the TLS port");
	errno = EPROTO;
	return true;
}

/* One OpenSSL call's result as read(2) would give it. */
static ssize_t
map_error(struct client *c, int r, const char *what)
{
	switch (SSL_get_error(c->tls, r)) {
	case SSL_ERROR_WANT_READ:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		/* Only a handshake writes while reading: wait for POLLOUT,
		 * then read again (loop.c). */
		c->tls_state |= TLS_READ_WANTS_WRITE;
		loop_dirty(c);
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == 0 || errno == EAGAIN)
			errno = ECONNRESET;
		broken(c, what);
		return -1;
	default:
		broken(c, what);
		errno = EPROTO;
		return -1;
	}
}

ssize_t
tls_read(struct client *c, char *buf, size_t cap)
{
	size_t got = 0;
	int r;

	c->tls_state &= ~TLS_READ_WANTS_WRITE;
	ERR_clear_error();
	if ((c->tls_state & TLS_HANDSHAKING) != 0) {
		if (plain_on_tls_port(c))
			return -1;
		if ((r = SSL_do_handshake(c->tls)) != 1)
			return map_error(c, r, "handshake failed");
		handshake_done(c);
	}
	/*
	 * Whole records only (cap - got >= TLS_RECORD_MAX), so nothing is
	 * left inside OpenSSL for poll(2) not to see; a few records per call,
	 * like the one large read of a plain connection.
	 */
	while (cap - got >= TLS_RECORD_MAX) {
		r = SSL_read(c->tls, buf + got, cap - got);
		if (r > 0) {
			got += r;
			continue;
		}
		if (got > 0) {
			/* Keep what came; a WANT_WRITE still asks for POLLOUT,
			 * an end or an error shows again on the next read. */
			if (SSL_get_error(c->tls, r) == SSL_ERROR_WANT_WRITE) {
				c->tls_state |= TLS_READ_WANTS_WRITE;
				loop_dirty(c);
			}
			ERR_clear_error();
			break;
		}
		return map_error(c, r, "read failed");
	}
	return got;
}

/* A failed SSL_write as writev(2) would report it. */
static ssize_t
write_error(struct client *c, int r)
{
	switch (SSL_get_error(c->tls, r)) {
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_SYSCALL:
		if (errno == 0 || errno == EAGAIN)
			errno = EPIPE;
		break;
	default:
		/* WANT_READ too: only renegotiation asks for it, and that
		 * is off. */
		errno = EPROTO;
		break;
	}
	broken(c, "write failed");
	return -1;
}

ssize_t
tls_writev(struct client *c, const struct iovec *iov, int n)
{
	static char gather[TLS_RECORD_MAX];
	size_t len = 0;
	int r;

	if ((c->tls_state & (TLS_HANDSHAKING | TLS_BROKEN)) != 0) {
		/* Nothing may go to a client that never finished its
		 * handshake: plain text would only be garbage to it. */
		errno = EPIPE;
		return -1;
	}
	ERR_clear_error();
	/* A record that would have blocked: OpenSSL has it encrypted and
	 * wants the same call again before anything new. */
	if (c->tls_retry != NULL) {
		r = SSL_write(c->tls, c->tls_retry, c->tls_retry_len);
		if (r <= 0)
			return write_error(c, r);
		free(c->tls_retry);
		c->tls_retry = NULL;
		c->tls_retry_len = 0;
	}
	/* One record from as many queued lines as fit: a write(2) per
	 * line would cost a record and a system call each. */
	for (int i = 0; i < n && len < sizeof(gather); i++) {
		size_t take = iov[i].iov_len;
		if (take > sizeof(gather) - len)
			take = sizeof(gather) - len;
		memcpy(gather + len, iov[i].iov_base, take);
		len += take;
	}
	if (len == 0)
		return 0;
	r = SSL_write(c->tls, gather, len);
	if (r > 0)
		return r;
	if (SSL_get_error(c->tls, r) == SSL_ERROR_WANT_WRITE) {
		/* The record holds all len bytes (len is at most one
		 * record): they count as sent, and the call is repeated
		 * from a copy of them until the socket takes it. */
		c->tls_retry = xmalloc(len);
		memcpy(c->tls_retry, gather, len);
		c->tls_retry_len = len;
		return len;
	}
	return write_error(c, r);
}

void
tls_close(struct client *c)
{
	/* close_notify, once and without waiting: the peer learns the
	 * stream ended on purpose, not truncated. */
	if (c->tls != NULL && (c->tls_state & (TLS_HANDSHAKING | TLS_BROKEN)) == 0 &&
	    c->tls_retry == NULL) {
		ERR_clear_error();
		SSL_shutdown(c->tls);
		ERR_clear_error();
	}
}

void
tls_free(struct client *c)
{
	bool handshaking = c->tls != NULL &&
	    (c->tls_state & TLS_HANDSHAKING) != 0;

	SSL_free(c->tls);
	if (handshaking)
		handshake_ended();
	c->tls = NULL;
	free(c->tls_retry);
	c->tls_retry = NULL;
	free(c->certfp);
	c->certfp = NULL;
}

/*
 * The fingerprint is the certificate's alone: the key is neither loaded
 * nor checked, so "sudo natterd --fingerprint" reads the certificate of a
 * service whose own user holds the key (systemd's DynamicUser), which
 * root's natterd would refuse to serve with as not its own.
 */
int
tls_fingerprint_main(void)
{
	char err[TLS_PATH_MAX + 256];
	FILE *f;
	X509 *x = NULL;

	if (!find_files(err, sizeof(err), false)) {
		log_error("%s", err);
		return 1;
	}
	if ((f = fopen(cert_path, "r")) == NULL) {
		log_error("cannot read TLS certificate %s: %s", cert_path,
		    strerror(errno));
		return 1;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		log_error("cannot load TLS certificate %s: %s", cert_path,
		    tls_error());
		return 1;
	}
	cert_fingerprint(x, fingerprint, sizeof(fingerprint));
	X509_free(x);
	printf("%s\n", fingerprint);
	return fflush(stdout) == 0 ? 0 : 1;
}
