/*
 * Accounts through the real natterd: NickServ, draft/account-registration,
 * SASL PLAIN, nick protection and REGAIN, account-tag, account-notify,
 * extended-join, WHOX %a, WHOIS 330, --add-account, the accounts table,
 * and the throttling of every kind of login (the OPER brute force).
 */
#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define T ND_TIMEOUT_MS
#define NS "^:NickServ!NickServ@test\\.server NOTICE "

static void
b64(const unsigned char *in, size_t n, char *out)
{
	static const char d[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = in[i] << 16;
		if (i + 1 < n)
			v |= in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = d[v >> 18 & 63];
		out[o++] = d[v >> 12 & 63];
		out[o++] = i + 1 < n ? d[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? d[v & 63] : '=';
	}
	out[o] = '\0';
}

/* base64 of "authzid\0authcid\0password" into out. */
static void
plain(const char *authzid, const char *authcid, const char *pass, char *out)
{
	unsigned char raw[1024];
	size_t n = 0;

	memcpy(raw + n, authzid, strlen(authzid) + 1);
	n += strlen(authzid) + 1;
	memcpy(raw + n, authcid, strlen(authcid) + 1);
	n += strlen(authcid) + 1;
	memcpy(raw + n, pass, strlen(pass));
	n += strlen(pass);
	b64(raw, n, out);
}

/* Register nick and its account through NickServ; logged in. */
static struct nd_conn *
ns_register(struct nd_server *s, const char *nick, const char *pass,
    const char *caps)
{
	struct nd_conn *c = nd_account(s, nick, pass, caps);

	ND_EXPECT(c, NS "[^ ]+ :Account [^ ]+ registered$");
	return c;
}

/* Connected, sasl requested, before CAP END. */
static struct nd_conn *
sasl_begin(struct nd_server *s)
{
	struct nd_conn *c = nd_connect(s);

	nd_send(c, "CAP LS 302");
	nd_send(c, "CAP REQ :sasl");
	ND_EXPECT(c, "^:test\\.server CAP \\* ACK :sasl$");
	return c;
}

/* SASL PLAIN as account, then registration as nick. */
static struct nd_conn *
sasl_login(struct nd_server *s, const char *nick, const char *account,
    const char *pass, const char *caps)
{
	struct nd_conn *c = sasl_begin(s);
	char b[1024];

	if (caps != NULL) {
		nd_send(c, "CAP REQ :%s", caps);
		ND_EXPECT(c, " ACK ");
	}
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	plain("", account, pass, b);
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, " 900 \\* \\*!\\*@127\\.0\\.0\\.1 [^ ]+ :You are now "
	    "logged in as ");
	ND_EXPECT(c, "^:test\\.server 903 \\* :SASL authentication "
	    "successful$");
	nd_send(c, "NICK %s", nick);
	nd_send(c, "USER u 0 * :R");
	nd_send(c, "CAP END");
	ND_EXPECT(c, " (376|422) ");
	return c;
}

/* Quit and wait until natterd has let go of the nick. */
static void
gone(struct nd_conn *c)
{
	nd_send(c, "QUIT");
	ck_assert(nd_wait_closed(c, T));
	nd_close(c);
}

/* --- SASL */

START_TEST(sasl_plain_success)
{
	struct nd_server s;
	char b64buf[1024];

	nd_start(&s, NULL);
	struct nd_conn *a = nd_connect(&s);
	nd_send(a, "CAP LS 302");
	ND_EXPECT(a, "^:test\\.server CAP \\* LS :.*(^| )sasl=PLAIN( |$)");
	nd_close(a);
	gone(ns_register(&s, "alice", "correct-horse", NULL));

	struct nd_conn *b = sasl_login(&s, "alice", "alice", "correct-horse",
	    NULL);
	/* Logged in before registering: no word about identifying. */
	nd_send(b, "WHOIS alice");
	char *l = nd_expect_not(b, "^:test\\.server 330 alice alice alice :is "
	    "logged in as$", "registered nick", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	/* The authzid may name the same account. */
	struct nd_conn *c = sasl_begin(&s);
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	plain("ALICE", "alice", "correct-horse", b64buf);
	nd_send(c, "AUTHENTICATE %s", b64buf);
	ND_EXPECT(c, " 903 ");
	/* Once logged in, no second login. */
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^:test\\.server 907 \\* :You have already "
	    "authenticated using SASL$");
	nd_close(b);
	nd_close(c);
	nd_finish(&s);
}
END_TEST

START_TEST(sasl_failure)
{
	struct nd_server s;
	char b[1024];

	nd_start(&s, NULL);
	gone(ns_register(&s, "alice", "secret", NULL));
	struct nd_conn *c = sasl_begin(&s);
	/* A wrong password and an unknown account: the same answer. */
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	plain("", "alice", "guess", b);
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, "^:test\\.server 904 \\* :SASL authentication failed$");
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	plain("", "nobody", "secret", b);
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, "^:test\\.server 904 \\* :SASL authentication failed$");
	/* Someone else's authzid. */
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	plain("bob", "alice", "secret", b);
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, " 904 ");
	/* Not PLAIN's shape, not base64. */
	nd_send(c, "AUTHENTICATE PLAIN");
	nd_send(c, "AUTHENTICATE %s", "YWxpY2U=");
	ND_EXPECT(c, " 904 \\* :SASL authentication failed: not a PLAIN "
	    "message$");
	nd_send(c, "AUTHENTICATE PLAIN");
	nd_send(c, "AUTHENTICATE %s", "!!!!");
	ND_EXPECT(c, " 904 \\* :SASL authentication failed: bad base64$");
	/* A failure is no login: registration goes on without one. */
	nd_send(c, "NICK carol");
	nd_send(c, "USER u 0 * :R");
	nd_send(c, "CAP END");
	ND_EXPECT(c, " 001 carol ");
	nd_send(c, "WHOIS carol");
	char *l = nd_expect_not(c, " 318 ", " 330 ", T);
	ck_assert_ptr_nonnull(l);
	free(l);
	nd_close(c);
	ck_assert(strstr(nd_log(&s), "secret") == NULL);
	nd_finish(&s);
}
END_TEST

START_TEST(sasl_abort_and_order)
{
	struct nd_server s;
	char b[1024];

	nd_start(&s, NULL);
	gone(ns_register(&s, "alice", "secret", NULL));
	/* Without the capability. */
	struct nd_conn *c = nd_connect(&s);
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^:test\\.server 904 \\* :SASL authentication failed: "
	    "the sasl capability is not enabled$");
	nd_close(c);

	c = sasl_begin(&s);
	nd_send(c, "AUTHENTICATE");
	ND_EXPECT(c, " 461 \\* AUTHENTICATE ");
	nd_send(c, "AUTHENTICATE *");
	ND_EXPECT(c, "^:test\\.server 906 \\* :SASL authentication aborted$");
	nd_send(c, "AUTHENTICATE EXTERNAL");
	ND_EXPECT(c, "^:test\\.server 908 \\* PLAIN :are available SASL "
	    "mechanisms$");
	ND_EXPECT(c, " 904 ");
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	nd_send(c, "AUTHENTICATE *");
	ND_EXPECT(c, " 906 ");
	/* Aborted: what follows starts a new exchange. */
	plain("", "alice", "secret", b);
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, " 908 ");
	/* CAP END in the middle of an exchange aborts it. */
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	nd_send(c, "NICK carol");
	nd_send(c, "USER u 0 * :R");
	nd_send(c, "CAP END");
	ND_EXPECT(c, " 906 ");
	ND_EXPECT(c, " 001 carol ");
	/* After registration, SASL still works (re-auth is what is refused). */
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, " 900 carol carol!u@127\\.0\\.0\\.1 alice ");
	ND_EXPECT(c, " 903 carol ");
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, " 907 carol ");
	nd_close(c);
	nd_finish(&s);
}
END_TEST

START_TEST(sasl_chunked)
{
	struct nd_server s;
	char b[1024], name[40], pass[320];

	nd_start(&s, NULL);
	/* 22 + 1 + 22 + 1 + 254 = 300 bytes: exactly 400 of base64, so a
	 * lone "+" must follow. */
	memset(name, 'a', 22);
	name[22] = '\0';
	memset(pass, 'p', 254);
	pass[254] = '\0';
	gone(ns_register(&s, name, pass, NULL));
	struct nd_conn *c = sasl_begin(&s);
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	plain(name, name, pass, b);
	ck_assert_uint_eq(strlen(b), 400);
	nd_send(c, "AUTHENTICATE %s", b);
	nd_sync(c);		/* nothing yet: more may follow */
	nd_send(c, "AUTHENTICATE +");
	ND_EXPECT(c, " 903 ");
	nd_close(c);

	/* 30 + 1 + 30 + 1 + 300 = 362 bytes, the longest: 484 of base64,
	 * 400 + 84. */
	memset(name, 'b', 30);
	name[30] = '\0';
	memset(pass, 'q', 300);
	pass[300] = '\0';
	gone(ns_register(&s, name, pass, NULL));
	c = sasl_begin(&s);
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	plain(name, name, pass, b);
	ck_assert_uint_eq(strlen(b), 484);
	nd_send(c, "AUTHENTICATE %.400s", b);
	nd_send(c, "AUTHENTICATE %s", b + 400);
	ND_EXPECT(c, " 903 ");
	nd_close(c);

	/* A line over 400 bytes, and too many full lines: 905. */
	c = sasl_begin(&s);
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	memset(b, 'A', 401);
	b[401] = '\0';
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, "^:test\\.server 905 \\* :SASL message too long$");
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	b[400] = '\0';
	for (int i = 0; i < 4; i++)
		nd_send(c, "AUTHENTICATE %s", b);
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, " 905 ");
	nd_close(c);
	nd_finish(&s);
}
END_TEST

/* --- registration */

START_TEST(register_nickserv)
{
	struct nd_server s;

	nd_start(&s, (const char *[]){ "-v", NULL });
	struct nd_conn *a = nd_register(&s, "alice", "echo-message");
	/* Not a nick anyone may take, nor a target that stores. */
	nd_send(a, "NICK nickserv");
	ND_EXPECT(a, " 433 alice nickserv ");
	nd_send(a, "PRIVMSG NickServ :HELP");
	ND_EXPECT(a, NS "alice :CERT ADD");
	nd_send(a, "PRIVMSG NickServ :REGISTER hunter22");
	ND_EXPECT(a, "^:test\\.server 900 alice alice!alice@127\\.0\\.0\\.1 "
	    "alice :You are now logged in as alice$");
	ND_EXPECT(a, NS "alice :Account alice registered$");
	nd_send(a, "PRIVMSG NickServ :REGISTER again");
	ND_EXPECT(a, NS "alice :You are already logged in as alice$");
	nd_send(a, "NS INFO");
	ND_EXPECT(a, NS "alice :Account alice, registered [0-9]{4}-");
	ND_EXPECT(a, NS "alice :0 certificate fingerprint\\(s\\)$");
	nd_send(a, "PRIVMSG NickServ :bogus");
	ND_EXPECT(a, NS "alice :Unknown command bogus: try HELP$");
	/* Neither echo-message nor history gave the password back. */
	nd_send(a, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
	    "timestamp=2100-01-01T00:00:00.000Z 10");
	nd_quiet(a, "hunter22|NickServ PRIVMSG|PRIVMSG NickServ");

	/* IDENTIFY from another connection, by nick or by account. */
	struct nd_conn *b = nd_register(&s, "bob", NULL);
	nd_send(b, "PRIVMSG NickServ :IDENTIFY alice wrong");
	ND_EXPECT(b, NS "bob :Invalid account name or password$");
	nd_send(b, "PRIVMSG NickServ :IDENTIFY alice hunter22");
	ND_EXPECT(b, " 900 bob bob!bob@127\\.0\\.0\\.1 alice ");
	ND_EXPECT(b, NS "bob :You are now logged in as alice$");
	/* SET PASSWORD, then the old one no longer works. */
	nd_send(b, "PRIVMSG NickServ :SET PASSWORD newpass");
	ND_EXPECT(b, NS "bob :Password changed$");
	struct nd_conn *c = nd_register(&s, "carol", NULL);
	nd_send(c, "PRIVMSG NickServ :IDENTIFY alice hunter22");
	ND_EXPECT(c, NS "carol :Invalid account name or password$");
	nd_send(c, "PRIVMSG NickServ :IDENTIFY alice newpass");
	ND_EXPECT(c, NS "carol :You are now logged in as alice$");
	/* DROP logs out every connection of the account. */
	nd_send(c, "PRIVMSG NickServ :DROP bob");
	ND_EXPECT(c, NS "carol :You may drop only your own account$");
	nd_send(a, "PRIVMSG NickServ :DROP");
	ND_EXPECT(a, " 901 alice alice!alice@127\\.0\\.0\\.1 :You are now "
	    "logged out$");
	ND_EXPECT(a, NS "alice :Account alice dropped$");
	ND_EXPECT(b, " 901 bob ");
	ND_EXPECT(c, " 901 carol ");
	nd_send(c, "PRIVMSG NickServ :INFO alice");
	ND_EXPECT(c, NS "carol :alice is not registered$");
	nd_send(c, "PRIVMSG NickServ :SET PASSWORD x");
	ND_EXPECT(c, NS "carol :You are not logged in: IDENTIFY first$");
	/* Passwords are never logged. */
	ck_assert(strstr(nd_log(&s), "hunter22") == NULL);
	ck_assert(strstr(nd_log(&s), "newpass") == NULL);
	nd_close(a);
	nd_close(b);
	nd_close(c);
	nd_finish(&s);
}
END_TEST

START_TEST(register_draft)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *a = nd_connect(&s);
	nd_send(a, "CAP LS 302");
	ND_EXPECT(a, " LS :.*draft/account-registration=before-connect");
	nd_send(a, "CAP REQ :draft/account-registration");
	ND_EXPECT(a, " ACK ");
	nd_send(a, "REGISTER * * pw");
	ND_EXPECT(a, "^:test\\.server FAIL REGISTER NEED_NICK \\* ");
	nd_send(a, "NICK alice");
	nd_send(a, "REGISTER bob * pw");
	ND_EXPECT(a, "^:test\\.server FAIL REGISTER ACCOUNT_NAME_MUST_BE_NICK "
	    "bob ");
	nd_send(a, "REGISTER * *");
	ND_EXPECT(a, " 461 alice REGISTER ");
	char big[400];
	memset(big, 'x', 301);
	big[301] = '\0';
	nd_send(a, "REGISTER * * %s", big);
	ND_EXPECT(a, "^:test\\.server FAIL REGISTER UNACCEPTABLE_PASSWORD alice "
	    ":Unacceptable password: the password is longer than 300 bytes$");
	/* Before CAP END (before-connect). */
	nd_send(a, "REGISTER * * :two words");
	ND_EXPECT(a, "^:test\\.server 900 alice \\S+ alice ");
	ND_EXPECT(a, "^:test\\.server REGISTER SUCCESS alice :Account alice "
	    "registered$");
	nd_send(a, "REGISTER * * again");
	ND_EXPECT(a, "^:test\\.server FAIL REGISTER ALREADY_AUTHENTICATED "
	    "alice ");
	nd_send(a, "USER u 0 * :R");
	nd_send(a, "CAP END");
	ND_EXPECT(a, " 001 alice ");
	nd_send(a, "QUIT");
	ck_assert(nd_wait_closed(a, T));
	nd_close(a);

	struct nd_conn *b = nd_register(&s, "ALICE", NULL);
	nd_send(b, "REGISTER * * pw");
	ND_EXPECT(b, "^:test\\.server FAIL REGISTER ACCOUNT_EXISTS ALICE ");
	/* The password with a space works for SASL. */
	nd_close(b);
	gone(sasl_login(&s, "alice", "alice", "two words", NULL));
	nd_finish(&s);

	/* --registration closed: not offered, refused both ways. */
	nd_start(&s, (const char *[]){ "--registration", "closed", NULL });
	a = nd_connect(&s);
	nd_send(a, "CAP LS 302");
	char *l = nd_expect(a, " LS :", T);
	ck_assert_ptr_nonnull(l);
	ck_assert_msg(strstr(l, "account-registration") == NULL, "%s", l);
	ck_assert_msg(strstr(l, "sasl=PLAIN") != NULL, "%s", l);
	free(l);
	nd_send(a, "CAP REQ :draft/account-registration");
	ND_EXPECT(a, " NAK ");
	nd_send(a, "NICK alice");
	nd_send(a, "REGISTER * * pw");
	ND_EXPECT(a, "^:test\\.server FAIL REGISTER TEMPORARILY_UNAVAILABLE "
	    "alice :Registration is closed");
	nd_send(a, "USER u 0 * :R");
	nd_send(a, "CAP END");
	ND_EXPECT(a, " 001 alice ");
	nd_send(a, "PRIVMSG NickServ :REGISTER pw");
	ND_EXPECT(a, NS "alice :Registration is closed");
	nd_send(a, "PRIVMSG NickServ :INFO");
	ND_EXPECT(a, NS "alice :alice is not registered$");
	nd_close(a);
	nd_finish(&s);
}
END_TEST

/* Bad input: clear answers, nothing stored, natterd still up. */
START_TEST(register_bad_input)
{
	struct nd_server s;
	char b[1024];

	nd_start(&s, NULL);
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	nd_send(a, "PRIVMSG NickServ :REGISTER a\x01" "b");
	ND_EXPECT(a, NS "alice :Unacceptable password: the password holds "
	    "a control character$");
	nd_send(a, "PRIVMSG NickServ :REGISTER");
	ND_EXPECT(a, NS "alice :Usage: REGISTER <password>");
	nd_send(a, "PRIVMSG NickServ :INFO");
	ND_EXPECT(a, NS "alice :alice is not registered$");
	/* A name that is not UTF-8 (read as Latin-1) is no account. */
	struct nd_conn *c = sasl_begin(&s);
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	plain("", "\xe9lise", "pw", b);
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, " 904 ");
	nd_send(a, "PRIVMSG NickServ :IDENTIFY \xe9lise pw");
	ND_EXPECT(a, NS "alice :Invalid account name or password$");
	nd_send(a, "PRIVMSG NickServ :INFO \xe9lise");
	ND_EXPECT(a, NS "alice :\xc3\xa9lise is not registered$");
	nd_send(a, "PRIVMSG NickServ :CERT ADD 12:34");
	ND_EXPECT(a, NS "alice :You are not logged in: IDENTIFY first$");
	nd_close(c);
	nd_close(a);
	nd_finish(&s);
}
END_TEST

/* A REGISTER flood from one address: a few accounts, then refusals
 * (nothing stored), and the flooder's connections closed. */
START_TEST(register_flood)
{
	struct nd_server s;
	struct nd_conn *c[12];
	bool ok[12];
	int nok = 0;

	nd_start(&s, NULL);
	for (int i = 0; i < 12; i++) {
		char nick[16];
		snprintf(nick, sizeof(nick), "flood%d", i);
		c[i] = nd_register(&s, nick, NULL);
		for (int j = 0; j < 3; j++)
			nd_send(c[i], "PRIVMSG NickServ :REGISTER pw%d", j);
		char *l = nd_expect(c[i], NS "flood[0-9]+ :(Account|Too many)",
		    T);
		ck_assert_ptr_nonnull(l);
		ok[i] = strstr(l, ":Account") != NULL;
		nok += ok[i];
		free(l);
	}
	/* Three free, then a wait of 5 s that this loop does not outlast. */
	ck_assert_int_eq(nok, 3);
	/* A refused connection is closed after its fifth refusal. */
	for (int i = 0; i < 12; i++) {
		if (ok[i])
			continue;
		for (int j = 0; j < 3; j++)
			nd_send(c[i], "PRIVMSG NickServ :REGISTER pw%d", j);
		ck_assert_msg(nd_wait_closed(c[i], T), "flood%d open", i);
	}
	struct nd_conn *q = nd_register(&s, "quiet", NULL);
	for (int i = 0; i < 12; i++) {
		nd_send(q, "PRIVMSG NickServ :INFO flood%d", i);
		if (ok[i])
			ND_EXPECT(q, NS "quiet :Account flood");
		else
			ND_EXPECT(q, NS "quiet :flood[0-9]+ is not registered$");
	}
	for (int i = 0; i < 12; i++)
		nd_close(c[i]);
	nd_close(q);
	nd_finish(&s);
}
END_TEST

/* --- nick protection */

START_TEST(nick_protection)
{
	struct nd_server s;

	nd_start(&s, (const char *[]){ "--nick-grace", "1", NULL });
	gone(ns_register(&s, "alice", "secret", NULL));
	/* Unregistered nicks are untouched. */
	struct nd_conn *w = nd_register(&s, "watcher", NULL);
	nd_send(w, "JOIN #x");
	/* mallory takes alice and does not identify: renamed. */
	struct nd_conn *m = nd_register(&s, "alice", NULL);
	ND_EXPECT(m, NS "alice :alice is a registered nick: identify with "
	    "/msg NickServ IDENTIFY <password> within 1 seconds, or you "
	    "will be renamed$");
	nd_send(m, "JOIN #x");
	ND_EXPECT(w, "^:alice!alice@127\\.0\\.0\\.1 JOIN #x$");
	ND_EXPECT(m, "^:alice!alice@127\\.0\\.0\\.1 NICK :?Guest[0-9]{5}$");
	ND_EXPECT(m, NS "Guest[0-9]+ :alice is registered and you did not "
	    "identify: you are now Guest[0-9]+$");
	ND_EXPECT(w, "^:alice!alice@127\\.0\\.0\\.1 NICK :?Guest[0-9]{5}$");
	/* Taking it by NICK later: the same. */
	nd_send(m, "NICK ALICE");
	ND_EXPECT(m, NS "ALICE :ALICE is a registered nick");
	ND_EXPECT(m, " NICK :?Guest[0-9]{5}$");
	/* Identifying in time keeps it. */
	nd_send(m, "NICK alice");
	ND_EXPECT(m, NS "alice :alice is a registered nick");
	nd_send(m, "PRIVMSG NickServ :IDENTIFY secret");
	ND_EXPECT(m, NS "alice :You are now logged in as alice$");
	/* Its deadline passes before that of someone who takes another
	 * registered nick now: once that one is renamed, m's would have
	 * been. */
	gone(ns_register(&s, "bob", "pw", NULL));
	struct nd_conn *z = nd_register(&s, "bob", NULL);
	ND_EXPECT(z, " NICK :?Guest[0-9]{5}$");
	nd_quiet(m, "NICK");
	nd_close(z);
	nd_close(m);
	nd_close(w);
	nd_finish(&s);
}
END_TEST

START_TEST(regain_and_ghost)
{
	struct nd_server s;

	nd_start(&s, NULL);
	/* A ghost: alice's old connection, logged in, still there. */
	struct nd_conn *old = ns_register(&s, "alice", "secret", NULL);
	struct nd_conn *a = sasl_login(&s, "alice2", "alice", "secret", NULL);
	nd_send(a, "PRIVMSG NickServ :REGAIN alice");
	ND_EXPECT(a, "^:alice2!u@127\\.0\\.0\\.1 NICK :?alice$");
	ND_EXPECT(a, NS "alice :You have regained alice$");
	ND_EXPECT(old, "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Killed "
	    "\\(NickServ \\(REGAIN command used by alice2\\)\\)\\)$");
	nd_close(old);

	/* A squatter who did not identify (within its grace) is renamed. */
	nd_send(a, "NICK alice_");
	ND_EXPECT(a, " NICK :?alice_$");
	struct nd_conn *m = nd_register(&s, "alice", NULL);
	ND_EXPECT(m, NS "alice :alice is a registered nick");
	nd_send(a, "PRIVMSG NickServ :REGAIN alice");
	ND_EXPECT(m, "^:alice!alice@127\\.0\\.0\\.1 NICK :?Guest[0-9]+$");
	ND_EXPECT(m, NS "Guest[0-9]+ :alice was taken back by its owner");
	ND_EXPECT(a, " NICK :?alice$");
	nd_send(m, "NICK alice");
	ND_EXPECT(m, " 433 Guest[0-9]+ alice ");
	/* Not someone else's nick. */
	nd_send(m, "NICK mallory");
	ND_EXPECT(m, " NICK :?mallory$");
	nd_send(a, "PRIVMSG NickServ :REGAIN mallory");
	ND_EXPECT(a, NS "alice :mallory is neither your account's nick nor "
	    "logged in to your account$");
	nd_send(a, "PRIVMSG NickServ :GHOST mallory");
	ND_EXPECT(a, NS "alice :mallory is neither");
	nd_send(m, "PRIVMSG NickServ :GHOST alice");
	ND_EXPECT(m, NS "mallory :You are not logged in: IDENTIFY first$");
	/* GHOST: a second connection of the account goes. */
	struct nd_conn *b = sasl_login(&s, "phone", "alice", "secret", NULL);
	nd_send(a, "PRIVMSG NickServ :GHOST phone");
	ND_EXPECT(a, NS "alice :phone has been ghosted$");
	ND_EXPECT(b, "^ERROR :Closing link: .*GHOST command used by alice");
	nd_close(b);
	nd_close(m);
	nd_close(a);
	nd_finish(&s);
}
END_TEST

/* --- what others see of an account */

START_TEST(account_visible)
{
	struct nd_server s;

	nd_start(&s, NULL);
	struct nd_conn *o = nd_register(&s, "obs", "account-notify "
	    "account-tag extended-join message-tags");
	nd_send(o, "JOIN #x");
	ND_EXPECT(o, " 366 ");
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	nd_send(a, "JOIN #x");
	ND_EXPECT(o, "^:alice!alice@127\\.0\\.0\\.1 JOIN #x \\* :alice's real "
	    "name$");
	nd_send(a, "PRIVMSG NickServ :REGISTER pw");
	ND_EXPECT(o, "^@account=alice :alice!alice@127\\.0\\.0\\.1 ACCOUNT "
	    "alice$");
	nd_send(a, "PRIVMSG #x :hi");
	ND_EXPECT(o, "^@account=alice;msgid=[^ ]+ :alice!alice@127\\.0\\.0\\.1 "
	    "PRIVMSG #x :hi$");
	nd_send(a, "PART #x");
	nd_send(a, "JOIN #x");
	ND_EXPECT(o, "^@account=alice :alice!alice@127\\.0\\.0\\.1 JOIN #x "
	    "alice :alice's real name$");
	nd_send(o, "WHO #x %s", "%tna,42");
	ND_EXPECT(o, "^:test\\.server 354 obs 42 obs 0$");
	ND_EXPECT(o, "^:test\\.server 354 obs 42 alice alice$");
	nd_send(o, "WHOIS alice");
	ND_EXPECT(o, " 330 obs alice alice :is logged in as$");
	/* A client without the capabilities sees none of it. */
	struct nd_conn *p = nd_register(&s, "plain", NULL);
	nd_send(p, "JOIN #x");
	ND_EXPECT(p, " 366 ");
	nd_send(a, "PRIVMSG #x :again");
	ND_EXPECT(p, "^:alice!alice@127\\.0\\.0\\.1 PRIVMSG #x :again$");
	nd_send(a, "PRIVMSG NickServ :DROP");
	ND_EXPECT(o, "^:alice!alice@127\\.0\\.0\\.1 ACCOUNT \\*$");
	nd_quiet(p, "ACCOUNT|account=");
	nd_close(p);
	nd_close(a);
	nd_close(o);
	nd_finish(&s);
}
END_TEST

START_TEST(cert_fingerprints)
{
	struct nd_server s;
	const char *fp = "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
	    "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";

	nd_start(&s, NULL);
	struct nd_conn *a = ns_register(&s, "alice", "pw", NULL);
	nd_send(a, "PRIVMSG NickServ :CERT ADD 1234");
	ND_EXPECT(a, NS "alice :1234 is not a SHA-256 fingerprint");
	nd_send(a, "PRIVMSG NickServ :CERT ADD %s", fp);
	ND_EXPECT(a, NS "alice :ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:"
	    "89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89 added to "
	    "alice's fingerprints$");
	nd_send(a, "PRIVMSG NickServ :CERT ADD %s", fp);
	ND_EXPECT(a, NS "alice :[0-9a-f:]+ is already there");
	nd_send(a, "PRIVMSG NickServ :CERT LIST");
	ND_EXPECT(a, NS "alice :ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:"
	    "89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89$");
	ND_EXPECT(a, NS "alice :1 fingerprint\\(s\\) for alice$");
	nd_send(a, "PRIVMSG NickServ :CERT DEL %s",
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	ND_EXPECT(a, NS "alice :[0-9a-f:]+ removed from alice's fingerprints$");
	nd_send(a, "PRIVMSG NickServ :CERT LIST");
	ND_EXPECT(a, NS "alice :0 fingerprint\\(s\\) for alice$");
	nd_close(a);
	nd_finish(&s);
}
END_TEST

/* --- the database */

static char dir[256];

static const char *
db_path(void)
{
	static char path[300];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/check_accounts.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(dir));
	}
	snprintf(path, sizeof(path), "%s/history.db", dir);
	return path;
}

static void
db_cleanup(void)
{
	char cmd[300];

	if (dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	dir[0] = '\0';
}

/* Whether the file at path holds the bytes of s anywhere. */
static bool
file_holds(const char *path, const char *s)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 22];
	size_t n;

	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return memmem(buf, n, s, strlen(s)) != NULL;
}

static int
add_account(const char *db, const char *name, const char *input)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "'%s' --db '%s' --add-account '%s' "
	    ">/dev/null 2>&1", getenv("NATTERD"), db, name);
	FILE *p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	fputs(input, p);
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(accounts_on_disk)
{
	struct nd_server s;
	const char *db = db_path();
	char wal[320];

	/* Offline, by an administrator. */
	ck_assert_int_eq(add_account(db, "admin", "s3cret-admin\n"), 0);
	ck_assert_int_eq(add_account(db, "admin", "other\n"), 1);
	ck_assert_int_eq(add_account(db, "bad name", "pw\n"), 1);
	ck_assert_int_eq(add_account(db, "empty", "\n"), 1);
	ck_assert_int_eq(add_account("none", "x", "pw\n"), 1);

	nd_start(&s, (const char *[]){ "--db", db, NULL });
	gone(sasl_login(&s, "admin", "admin", "s3cret-admin", NULL));
	gone(ns_register(&s, "alice", "pa55word", NULL));
	/* One added while natterd runs: seen after SIGHUP. */
	ck_assert_int_eq(add_account(db, "bob", "bobs-pw\n"), 0);
	nd_kill(&s, SIGHUP);
	ck_assert(nd_log_wait(&s, "3 account\\(s\\)", T));
	gone(sasl_login(&s, "bob", "bob", "bobs-pw", NULL));
	nd_finish(&s);

	/* Across a restart; no password in clear anywhere. */
	snprintf(wal, sizeof(wal), "%s-wal", db);
	ck_assert(!file_holds(db, "pa55word") && !file_holds(wal, "pa55word"));
	ck_assert(file_holds(db, "$y$") || file_holds(wal, "$y$"));
	nd_start(&s, (const char *[]){ "--db", db, NULL });
	struct nd_conn *a = sasl_login(&s, "alice", "alice", "pa55word", NULL);
	nd_send(a, "PRIVMSG NickServ :DROP");
	ND_EXPECT(a, NS "alice :Account alice dropped$");
	nd_close(a);
	nd_finish(&s);
	nd_start(&s, (const char *[]){ "--db", db, NULL });
	a = nd_register(&s, "alice", NULL);
	nd_send(a, "PRIVMSG NickServ :INFO");
	ND_EXPECT(a, NS "alice :alice is not registered$");
	nd_close(a);
	nd_finish(&s);

	/* A database from before accounts: the table appears, history stays. */
	sqlite3 *h;
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "DROP TABLE accounts", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(h);
	nd_start(&s, (const char *[]){ "--db", db, NULL });
	gone(ns_register(&s, "carol", "pw", NULL));
	nd_finish(&s);
	db_cleanup();
}
END_TEST

/* --- throttling */

/*
 * The OPER brute force: 10 connections send 2 000 guesses at once. Every
 * guesser is disconnected, the right password among the guesses is never
 * accepted, and an unknown name and a wrong password get the same 464.
 */
START_TEST(oper_brute_force)
{
	struct nd_server s;
	const char *ops = nd_file("opers", "boss hunter2\n", 0600);
	struct nd_conn *c[10];
	static char burst[200 * 40];

	nd_start(&s, (const char *[]){ "--oper-file", ops, NULL });
	struct nd_conn *a = nd_register(&s, "alice", NULL);
	nd_send(a, "OPER nobody hunter2");
	ND_EXPECT(a, "^:test\\.server 464 alice :Password incorrect$");
	nd_send(a, "OPER boss wrong");
	ND_EXPECT(a, "^:test\\.server 464 alice :Password incorrect$");
	for (int i = 0; i < 10; i++) {
		char nick[16];
		snprintf(nick, sizeof(nick), "guess%d", i);
		c[i] = nd_register(&s, nick, NULL);
	}
	for (int i = 0; i < 10; i++) {
		size_t n = 0;
		for (int j = 0; j < 200; j++)
			n += snprintf(burst + n, sizeof(burst) - n,
			    "OPER boss %s\r\n", j == 150 ? "hunter2" :
			    "guess");
		ck_assert(nd_send_raw(c[i], burst, n));
	}
	for (int i = 0; i < 10; i++) {
		char *l = nd_expect_not(c[i], "^ERROR :Closing link: .*Too many "
		    "failed login attempts", " 381 ", T);
		ck_assert_msg(l != NULL, "guess%d: %s", i, nd_recent(c[i]));
		free(l);
		ck_assert(nd_wait_closed(c[i], T));
		nd_close(c[i]);
	}
	/* The address waits, even with the right password. */
	nd_send(a, "OPER boss hunter2");
	ND_EXPECT(a, "^:test\\.server 464 alice :Too many failed attempts: "
	    "try again in [0-9]+ seconds$");
	nd_close(a);
	nd_finish(&s);
}
END_TEST

/* Logins of each kind, from one address: after a few failures the
 * address waits, a connection is closed after 5, and the wait grows. */
START_TEST(login_throttle)
{
	struct nd_server s;
	char b[1024];

	nd_start(&s, NULL);
	gone(ns_register(&s, "alice", "secret", NULL));
	struct nd_conn *m = nd_register(&s, "mallory", NULL);
	for (int i = 0; i < 3; i++) {
		nd_send(m, "PRIVMSG NickServ :IDENTIFY alice guess%d", i);
		ND_EXPECT(m, NS "mallory :Invalid account name or password$");
	}
	nd_send(m, "PRIVMSG NickServ :IDENTIFY alice secret");
	ND_EXPECT(m, NS "mallory :Too many failed attempts: try again in "
	    "[0-9]+ seconds$");
	nd_send(m, "PRIVMSG NickServ :IDENTIFY alice secret");
	ND_EXPECT(m, NS "mallory :Too many failed attempts");
	ND_EXPECT(m, "^ERROR :Closing link: 127\\.0\\.0\\.1 \\(Too many "
	    "failed login attempts\\)$");
	ck_assert(nd_wait_closed(m, T));
	nd_close(m);
	/* SASL from the same address meets the same wait. */
	struct nd_conn *c = sasl_begin(&s);
	nd_send(c, "AUTHENTICATE PLAIN");
	ND_EXPECT(c, "^AUTHENTICATE \\+$");
	plain("", "alice", "secret", b);
	nd_send(c, "AUTHENTICATE %s", b);
	ND_EXPECT(c, " 904 \\* :SASL authentication failed: too many failed "
	    "attempts, try again in [0-9]+ seconds$");
	nd_close(c);
	ck_assert(nd_log_wait(&s, "login as alice refused", T));
	ck_assert(strstr(nd_log(&s), "secret") == NULL);
	nd_finish(&s);
}
END_TEST

START_TEST(server_password_throttle)
{
	struct nd_server s;
	const char *pw = nd_file("password", "sesame\n", 0600);

	nd_start(&s, (const char *[]){ "--password-file", pw, NULL });
	for (int i = 0; i < 3; i++) {
		struct nd_conn *c = nd_connect(&s);
		nd_send(c, "PASS wrong%d", i);
		nd_send(c, "NICK alice");
		nd_send(c, "USER a 0 * :A");
		ND_EXPECT(c, " 464 alice :Password incorrect$");
		nd_close(c);
	}
	struct nd_conn *c = nd_connect(&s);
	nd_send(c, "PASS sesame");
	nd_send(c, "NICK alice");
	nd_send(c, "USER a 0 * :A");
	ND_EXPECT(c, " 464 alice :Too many failed attempts: try again in "
	    "[0-9]+ seconds$");
	ND_EXPECT(c, "^ERROR :.*Too many failed login attempts");
	nd_close(c);
	nd_finish(&s);
}
END_TEST

START_TEST(oper_by_account)
{
	struct nd_server s;
	const char *ops = nd_file("opers", "boss account=alice\n", 0600);

	nd_start(&s, (const char *[]){ "--oper-file", ops, NULL });
	struct nd_conn *m = nd_register(&s, "mallory", NULL);
	nd_send(m, "OPER boss");
	ND_EXPECT(m, " 461 mallory OPER ");
	nd_send(m, "OPER boss account=alice");
	ND_EXPECT(m, " 464 mallory :Password incorrect$");
	struct nd_conn *a = ns_register(&s, "alice", "pw", NULL);
	nd_send(a, "OPER boss");
	ND_EXPECT(a, "^:test\\.server 381 alice :You are now an IRC operator$");
	/* Only an operator drops someone else's account. */
	gone(ns_register(&s, "carol", "pw", NULL));
	nd_send(m, "NS DROP");
	ND_EXPECT(m, NS "mallory :You are not logged in: IDENTIFY first$");
	nd_send(m, "NS DROP carol");
	ND_EXPECT(m, NS "mallory :You may drop only your own account$");
	nd_send(a, "NS DROP carol");
	ND_EXPECT(a, NS "alice :Account carol dropped$");
	nd_close(a);
	nd_close(m);
	nd_finish(&s);
}
END_TEST

static Suite *
accounts_suite(void)
{
	Suite *s = suite_create("accounts");
	TCase *tc;

	tc = tcase_create("sasl");
	tcase_add_test(tc, sasl_plain_success);
	tcase_add_test(tc, sasl_failure);
	tcase_add_test(tc, sasl_abort_and_order);
	tcase_add_test(tc, sasl_chunked);
	suite_add_tcase(s, tc);

	tc = tcase_create("registration");
	tcase_add_test(tc, register_nickserv);
	tcase_add_test(tc, register_draft);
	tcase_add_test(tc, register_bad_input);
	tcase_add_test(tc, register_flood);
	tcase_add_test(tc, cert_fingerprints);
	tcase_add_test(tc, accounts_on_disk);
	suite_add_tcase(s, tc);

	tc = tcase_create("nicks");
	tcase_add_test(tc, nick_protection);
	tcase_add_test(tc, regain_and_ghost);
	tcase_add_test(tc, account_visible);
	suite_add_tcase(s, tc);

	tc = tcase_create("throttle");
	tcase_add_test(tc, oper_brute_force);
	tcase_add_test(tc, login_throttle);
	tcase_add_test(tc, server_password_throttle);
	tcase_add_test(tc, oper_by_account);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return nd_run_suite(accounts_suite());
}
