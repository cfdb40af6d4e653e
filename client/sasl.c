/*
 * sasl.c: SASL PLAIN (IRCv3 sasl 3.1, RFC 4616) while registering, when
 * --sasl asks for it: the account is --account or the nick, the password
 * the first line of --sasl-password-file or the config file's
 * sasl-password. Or EXTERNAL (RFC 4422 appendix A): the server knows the
 * account by the --tls-cert presented in the handshake, and only
 * --account, if given, is sent, as the authzid. --sasl with a certificate
 * and no password means EXTERNAL: irssi and WeeChat make one name the
 * mechanism, but here there is nothing else it could mean, and
 * --sasl-mechanism settles the case where both are given. 900/901, and account-notify's ACCOUNT about ourselves
 * (all Ergo says of a NickServ login), keep self.account for the status
 * line. A failure is an error line in the server buffer, and
 * registration goes on without an account: natter never falls back in
 * silence. Also NickServ's /register and /identify, which work on natterd,
 * Ergo and the services of other networks alike.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "natter.h"

#define SASL_CHUNK 400

const char *
sasl_account(void)
{
	return opt.account != NULL ? opt.account : opt.nick;
}

const char *
sasl_configure(void)
{
	if (!opt.sasl)
		return NULL;
	if (opt.sasl_mechanism != NULL)
		opt.sasl_external = strcasecmp(opt.sasl_mechanism,
		    "external") == 0;
	else
		opt.sasl_external = opt.tls_cert != NULL &&
		    opt.sasl_password == NULL;
	if (opt.sasl_external && (opt.tls_cert == NULL || opt.no_tls))
		return "SASL EXTERNAL needs a client certificate: --tls-cert, "
		    "and no --no-tls";
	if (!opt.sasl_external && opt.sasl_password == NULL)
		return "--sasl needs a password: --sasl-password-file, or "
		    "sasl-password in the config file (or --tls-cert for "
		    "EXTERNAL)";
	return NULL;
}

/* Who the failure lines are about: EXTERNAL without --account names no
 * one, the server picks the account by the certificate. */
static const char *
sasl_who(void)
{
	return opt.sasl_external && opt.account == NULL ?
	    "with the certificate" : sasl_account();
}

void
sasl_start(void)
{
	net_sendf("AUTHENTICATE %s", opt.sasl_external ? "EXTERNAL" :
	    "PLAIN");
}

void
sasl_unavailable(void)
{
	buffer_addf(window_server(), LINE_ERROR, "SASL: %s does not offer "
	    "it: not logged in %s%s", opt.host,
	    opt.sasl_external && opt.account == NULL ? "" : "as ",
	    sasl_who());
}

static void
b64(const unsigned char *in, size_t n, char *out)
{
	static const char d[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = d[v >> 18 & 63];
		out[o++] = d[v >> 12 & 63];
		out[o++] = i + 1 < n ? d[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? d[v & 63] : '=';
	}
	out[o] = '\0';
}

void
sasl_continue(const char *data)
{
	unsigned char raw[2 * IRC_NICK_MAX + 2 + 512];
	char enc[sizeof(raw) * 4 / 3 + 4];
	const char *account = sasl_account();
	const char *pass = opt.sasl_password != NULL ? opt.sasl_password : "";
	size_t al = strlen(account), pl = strlen(pass), n = 0, len;

	if (strcmp(data, "+") != 0)
		return;		/* PLAIN and EXTERNAL have no challenge */
	if (opt.sasl_external) {
		/* The authzid, or "+" for none; an account name is far
		 * shorter than one line. */
		if (opt.account == NULL) {
			net_sendf("AUTHENTICATE +");
			return;
		}
		b64((const unsigned char *)opt.account, strlen(opt.account),
		    enc);
		net_sendf("AUTHENTICATE %s", enc);
		return;
	}
	if (2 * al + 2 + pl > sizeof(raw)) {
		net_sendf("AUTHENTICATE *");
		return;
	}
	/* authzid, authcid: the account both times. */
	memcpy(raw, account, al);
	raw[al] = '\0';
	memcpy(raw + al + 1, account, al);
	raw[2 * al + 1] = '\0';
	memcpy(raw + 2 * al + 2, pass, pl);
	b64(raw, 2 * al + 2 + pl, enc);
	len = strlen(enc);
	/* Lines of 400; a last line of exactly 400 is followed by "+". */
	for (; len - n >= SASL_CHUNK; n += SASL_CHUNK)
		net_sendf("AUTHENTICATE %.*s", SASL_CHUNK, enc + n);
	if (n < len)
		net_sendf("AUTHENTICATE %s", enc + n);
	else
		net_sendf("AUTHENTICATE +");
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(enc, sizeof(enc));
}

void
sasl_logged_in(const char *account)
{
	if (strcmp(account, "*") == 0)
		account = "";
	if (strcmp(self.account, account) == 0)
		return;		/* 900 and ACCOUNT both say it */
	str_copy(self.account, account, sizeof(self.account));
	dirty |= DIRTY_STATUS;
	if (account[0] != '\0')
		buffer_addf(window_server(), LINE_INFO, "Logged in as %s",
		    account);
	else
		buffer_addf(window_server(), LINE_INFO, "Logged out");
}

bool
sasl_numeric(int num, const char *account, const char *text)
{
	struct buffer *srv = window_server();

	switch (num) {
	case 900:
		sasl_logged_in(account);
		return false;
	case 901:
		sasl_logged_in("");
		return false;
	case 903:
		return true;
	case 907:
		buffer_addf(srv, LINE_INFO, "SASL: %s", text);
		return true;
	case 908:
		/* 904 follows. */
		buffer_addf(srv, LINE_ERROR, "SASL: the server knows only %s",
		    account);
		return false;
	default:	/* 902, 904, 905, 906 */
		buffer_addf(srv, LINE_ERROR, "SASL login %s%s failed: %s",
		    opt.sasl_external && opt.account == NULL ? "" : "as ",
		    sasl_who(), text);
		return true;
	}
}
