/*
 * sasl.c: AUTHENTICATE (ircv3.net/specs/extensions/sasl-3.1), mechanism
 * PLAIN (RFC 4616). The client's base64 arrives in lines of at most 400
 * bytes; a line of exactly 400 means more follows, "+" ends a payload
 * that filled its last line, "*" aborts. Before or after registration
 * alike (clients do it between CAP REQ and CAP END); a logged-in client
 * may not authenticate again (907).
 *
 * EXTERNAL (RFC 4422 appendix A) logs in the account whose NickServ CERT
 * list holds the fingerprint of the certificate the client presented on
 * the TLS port; its optional authzid names that account. It is offered
 * (in the sasl capability's value and in 908) only to a connection that
 * presented a certificate: Ergo lists it to everyone, but a mechanism
 * that cannot succeed is one a client configured for "whatever is
 * offered" would try in vain, and a plain connection sees the same list
 * as before TLS existed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "natterd.h"

#define SASL_CHUNK 400
/* The longest PLAIN payload, "authzid\0authcid\0password", is 362 bytes,
 * 484 in base64: four lines are more than any valid one needs. */
#define SASL_BUF_MAX (4 * SASL_CHUNK)

struct sasl {
	const struct sasl_mech *mech;
	size_t len;
	char buf[SASL_BUF_MAX + 1];	/* base64 received so far */
};

void
sasl_free(struct client *c)
{
	if (c->sasl == NULL)
		return;
	explicit_bzero(c->sasl, sizeof(*c->sasl));
	free(c->sasl);
	c->sasl = NULL;
}

void
sasl_abort(struct client *c)
{
	if (c->sasl == NULL)
		return;
	sasl_free(c);
	conn_reply(c, ERR_SASLABORTED, ":SASL authentication aborted");
}

static int
b64_value(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Decode base64 (padding optional) into out; its length, or -1. */
static long
b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	uint32_t acc = 0;
	size_t n = 0;
	int bits = 0;

	while (len > 0 && in[len - 1] == '=')
		len--;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (acc >> bits) & 0xff;
		}
	}
	return n;
}

static void
sasl_fail(struct client *c, const char *name)
{
	login_failed(c, name);
	conn_reply(c, ERR_SASLFAIL, ":SASL authentication failed");
	login_give_up(c);
}

/* RFC 4616: [authzid] NUL authcid NUL passwd. An authzid other than the
 * authcid would be logging in as someone else: refused. */
static void
sasl_plain(struct client *c, const char *b64, size_t len)
{
	unsigned char raw[SASL_BUF_MAX];
	long n = b64_decode(b64, len, raw, sizeof(raw) - 1);
	const char *authzid, *authcid, *pass;
	struct account *a;
	int wait;

	if (n < 0) {
		conn_reply(c, ERR_SASLFAIL,
		    ":SASL authentication failed: bad base64");
		return;
	}
	raw[n] = '\0';
	authzid = (const char *)raw;
	authcid = memchr(raw, '\0', n) != NULL ?
	    (const char *)raw + strlen(authzid) + 1 : NULL;
	if (authcid == NULL || authcid >= (const char *)raw + n ||
	    (pass = memchr(authcid, '\0', (const char *)raw + n - authcid))
	    == NULL || memchr(pass + 1, '\0', (const char *)raw + n -
	    (pass + 1)) != NULL) {
		conn_reply(c, ERR_SASLFAIL,
		    ":SASL authentication failed: not a PLAIN message");
		explicit_bzero(raw, sizeof(raw));
		return;
	}
	pass++;
	if (account_name_problem(authcid) != NULL ||
	    (authzid[0] != '\0' && irc_casecmp(authzid, authcid) != 0)) {
		sasl_fail(c, NULL);
	} else if ((wait = login_wait(c, authcid)) > 0) {
		conn_reply(c, ERR_SASLFAIL, ":SASL authentication failed: "
		    "too many failed attempts, try again in %d seconds", wait);
		login_give_up(c);
	} else if ((a = account_find(authcid)) == NULL ||
	    !account_check(a, pass)) {
		sasl_fail(c, authcid);
	} else {
		account_login(c, a);
		conn_reply(c, RPL_SASLSUCCESS,
		    ":SASL authentication successful");
	}
	explicit_bzero(raw, sizeof(raw));
}

/*
 * RFC 4422 appendix A: the message is the authzid, possibly empty ("+").
 * The identity is the certificate's, so no password is guessed here, but
 * a failure still counts for the address like any other login.
 */
static void
sasl_external(struct client *c, const char *b64, size_t len)
{
	char authzid[IRC_NICK_MAX + 2];
	long n = b64_decode(b64, len, (unsigned char *)authzid,
	    sizeof(authzid) - 1);
	struct account *a;

	if (n < 0 || memchr(authzid, '\0', n) != NULL) {
		sasl_fail(c, NULL);
		return;
	}
	authzid[n] = '\0';
	a = n > 0 ? account_find(authzid) : account_find_cert(c->certfp);
	if (a == NULL || !account_cert_has(a, c->certfp)) {
		login_failed(c, NULL);
		conn_reply(c, ERR_SASLFAIL, ":SASL authentication failed: "
		    "no account has this certificate (NickServ CERT ADD)");
		login_give_up(c);
		return;
	}
	account_login(c, a);
	conn_reply(c, RPL_SASLSUCCESS, ":SASL authentication successful");
}

static const struct sasl_mech {
	const char *name;
	void (*fn)(struct client *, const char *, size_t);
	bool cert;		/* only on a connection with a client certificate */
} mechs[] = {
	{ "PLAIN", sasl_plain, false },
	{ "EXTERNAL", sasl_external, true },
};

static const struct sasl_mech *
mech_find(const struct client *c, const char *name)
{
	for (size_t i = 0; i < nitems(mechs); i++)
		if (strcasecmp(mechs[i].name, name) == 0 &&
		    (!mechs[i].cert || c->certfp != NULL))
			return &mechs[i];
	return NULL;
}

const char *
sasl_mechs(const struct client *c)
{
	static char buf[32];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nitems(mechs); i++)
		if (!mechs[i].cert || c->certfp != NULL)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s",
			    n ? "," : "", mechs[i].name);
	return buf;
}

void
cmd_authenticate(struct client *c, struct irc_msg *m)
{
	const char *p = m->params[0];
	size_t len = strlen(p);

	if (!client_has_cap(c, CAP_SASL)) {
		conn_reply(c, ERR_SASLFAIL, ":SASL authentication failed: "
		    "the sasl capability is not enabled");
		return;
	}
	if (c->account != NULL) {
		sasl_free(c);
		conn_reply(c, ERR_SASLALREADY,
		    ":You have already authenticated using SASL");
		return;
	}
	if (c->sasl == NULL) {
		const struct sasl_mech *mech = mech_find(c, p);
		if (strcmp(p, "*") == 0) {
			conn_reply(c, ERR_SASLABORTED,
			    ":SASL authentication aborted");
		} else if (mech == NULL) {
			conn_reply(c, RPL_SASLMECHS,
			    "%s :are available SASL mechanisms",
			    sasl_mechs(c));
			conn_reply(c, ERR_SASLFAIL, ":SASL authentication "
			    "failed: %s", strcasecmp(p, "EXTERNAL") == 0 ?
			    "no TLS client certificate" : "unknown mechanism");
		} else {
			c->sasl = xcalloc(1, sizeof(*c->sasl));
			c->sasl->mech = mech;
			conn_sendf(c, "AUTHENTICATE +");
		}
		return;
	}
	if (strcmp(p, "*") == 0) {
		sasl_abort(c);
		return;
	}
	if (len > SASL_CHUNK || c->sasl->len + len > SASL_BUF_MAX) {
		sasl_free(c);
		conn_reply(c, ERR_SASLTOOLONG, ":SASL message too long");
		return;
	}
	if (strcmp(p, "+") != 0) {
		memcpy(c->sasl->buf + c->sasl->len, p, len);
		c->sasl->len += len;
		if (len == SASL_CHUNK)
			return;		/* more to come */
	}
	c->sasl->mech->fn(c, c->sasl->buf, c->sasl->len);
	sasl_free(c);
}
