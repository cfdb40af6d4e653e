/*
 * sasl.c: SASL PLAIN (IRCv3 sasl 3.1, RFC 4616) while registering, when
 * --sasl asks for it: the account is --account or the nick, the password
 * the first line of --sasl-password-file or the config file's
 * sasl-password. 900/901, and account-notify's ACCOUNT about ourselves
 * (all Ergo says of a NickServ login), keep self.account for the status
 * line. A failure is an error line in the server buffer, and
 * registration goes on without an account: natter never falls back in
 * silence. Also NickServ's /register and /identify, which work on natterd,
 * Ergo and the services of other networks alike.
 */
#include <stdio.h>
#include <string.h>

#include "natter.h"

#define SASL_CHUNK 400

const char *
sasl_account(void)
{
	return opt.account != NULL ? opt.account : opt.nick;
}

void
sasl_start(void)
{
	net_sendf("AUTHENTICATE PLAIN");
}

void
sasl_unavailable(void)
{
	buffer_addf(window_server(), LINE_ERROR, "SASL: %s does not offer "
	    "it: not logged in as %s", opt.host, sasl_account());
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
		return;		/* PLAIN has no challenge */
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
		buffer_addf(srv, LINE_ERROR, "SASL login as %s failed: %s",
		    sasl_account(), text);
		return true;
	}
}
