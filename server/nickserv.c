/*
 * nickserv.c: the NickServ pseudo-user, built in as Ergo does it, so a LAN
 * needs no services program. It answers "PRIVMSG NickServ :command ..."
 * (and /NS, /NICKSERV) with NOTICEs, a pseudo-user of service.c's. Also IRCv3 draft/account-registration's REGISTER, which
 * shares NickServ REGISTER's rules, and the protection of registered
 * nicks: whoever holds one without being logged in to it is told to
 * identify and renamed to a guest nick after --nick-grace seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "natterd.h"

#define ns_reply(c, ...) service_notice((c), NICKSERV_NICK, __VA_ARGS__)

/* Registration, both routes */

enum reg_result {
	REG_OK,
	REG_CLOSED,
	REG_LOGGED_IN,
	REG_BAD_NAME,
	REG_EXISTS,
	REG_BAD_PASSWORD,
	REG_THROTTLED,
	REG_FAILED,
};

/* draft/account-registration's FAIL codes, by result. */
static const char *const reg_codes[] = {
	[REG_CLOSED] = "TEMPORARILY_UNAVAILABLE",
	[REG_LOGGED_IN] = "ALREADY_AUTHENTICATED",
	[REG_BAD_NAME] = "BAD_ACCOUNT_NAME",
	[REG_EXISTS] = "ACCOUNT_EXISTS",
	[REG_BAD_PASSWORD] = "UNACCEPTABLE_PASSWORD",
	[REG_THROTTLED] = "TEMPORARILY_UNAVAILABLE",
	[REG_FAILED] = "TEMPORARILY_UNAVAILABLE",
};

/*
 * Register name with password for c and log c in, or say why not in why.
 * --registration closed leaves it to operators (and --add-account).
 */
static enum reg_result
try_register(struct client *c, const char *name, const char *password,
    char *why, size_t cap)
{
	const char *problem;
	struct account *a;
	int wait;

	if (cfg.registration_closed && (c->umodes & UMODE_OPER) == 0) {
		snprintf(why, cap, "Registration is closed on this server: "
		    "ask its administrator for an account");
		return REG_CLOSED;
	}
	if (c->account != NULL) {
		snprintf(why, cap, "You are already logged in as %s",
		    c->account);
		return REG_LOGGED_IN;
	}
	if ((problem = account_name_problem(name)) != NULL) {
		snprintf(why, cap, "%s cannot be an account: %s",
		    conn_param(name), problem);
		return REG_BAD_NAME;
	}
	if (account_find(name) != NULL) {
		snprintf(why, cap, "%s is already registered", name);
		return REG_EXISTS;
	}
	if ((problem = account_password_problem(password)) != NULL) {
		snprintf(why, cap, "Unacceptable password: %s", problem);
		return REG_BAD_PASSWORD;
	}
	if ((wait = login_register_wait(c)) > 0) {
		snprintf(why, cap, "Too many registrations from your address: "
		    "try again in %d seconds", wait);
		return REG_THROTTLED;
	}
	if ((a = account_create(name, password)) == NULL) {
		snprintf(why, cap, "Registration failed: server error");
		return REG_FAILED;
	}
	login_registered(c);
	snprintf(why, cap, "Account %s registered", a->name);
	account_login(c, a);
	return REG_OK;
}

/*
 * REGISTER <account> <email> <password> (draft/account-registration):
 * the account is the nick ("*" or the nick itself); the email is not
 * used. Works before CAP END (before-connect).
 */
void
cmd_register(struct client *c, struct irc_msg *m)
{
	const char *name = m->params[0], *password = m->params[2];
	char why[IRC_BODY_MAX / 2];

	if ((c->reg & REG_NICK) == 0) {
		conn_sendf(c, ":%s FAIL REGISTER NEED_NICK * :Send NICK first",
		    cfg.name);
		return;
	}
	if (strcmp(name, "*") == 0)
		name = c->nick;
	else if (irc_casecmp(name, c->nick) != 0) {
		conn_sendf(c, ":%s FAIL REGISTER ACCOUNT_NAME_MUST_BE_NICK %s "
		    ":The account name must be your nick", cfg.name,
		    conn_param(name));
		return;
	}
	enum reg_result r = try_register(c, name, password, why, sizeof(why));
	if (r == REG_OK)
		conn_sendf(c, ":%s REGISTER SUCCESS %s :%s", cfg.name,
		    c->account, why);
	else
		conn_sendf(c, ":%s FAIL REGISTER %s %s :%s", cfg.name,
		    reg_codes[r], r == REG_LOGGED_IN ? c->account :
		    conn_param(name), why);
	if (r == REG_THROTTLED)
		login_give_up(c);
}

/* NickServ's commands */

static void
ns_register(struct client *c, char **argv, int argc)
{
	char why[IRC_BODY_MAX / 2];

	enum reg_result r = try_register(c, c->nick, argv[0], why,
	    sizeof(why));
	ns_reply(c, "%s", why);
	if (r == REG_THROTTLED)
		login_give_up(c);
}

static void
ns_identify(struct client *c, char **argv, int argc)
{
	const char *name = argc > 1 ? argv[0] : c->nick;
	const char *password = argv[argc > 1 ? 1 : 0];
	struct account *a;
	int wait;

	if (c->account != NULL) {
		ns_reply(c, "You are already logged in as %s", c->account);
		return;
	}
	if ((wait = login_wait(c, name)) > 0) {
		ns_reply(c, "Too many failed attempts: try again in %d "
		    "seconds", wait);
		login_give_up(c);
		return;
	}
	/* One answer for an unknown account and a wrong password. */
	if ((a = account_find(name)) == NULL || !account_check(a, password)) {
		login_failed(c, name);
		ns_reply(c, "Invalid account name or password");
		login_give_up(c);
		return;
	}
	account_login(c, a);
	ns_reply(c, "You are now logged in as %s", a->name);
}

static void
logout_each(struct client *t, void *arg)
{
	if (t->account != NULL && irc_casecmp(t->account, arg) == 0)
		account_logout(t);
}

static void
ns_drop(struct client *c, char **argv, int argc)
{
	const char *name = argc > 0 ? argv[0] : c->account;
	bool oper = (c->umodes & UMODE_OPER) != 0;
	char dropped[IRC_NICK_MAX + 1];
	struct account *a;

	/* An operator may drop any account, logged in or not. */
	if (name == NULL) {
		ns_reply(c, "You are not logged in: IDENTIFY first");
		return;
	}
	if (!oper && (c->account == NULL || irc_casecmp(name, c->account) != 0)) {
		ns_reply(c, "You may drop only your own account");
		return;
	}
	if ((a = account_find(name)) == NULL) {
		ns_reply(c, "%s is not registered", conn_param(name));
		return;
	}
	str_copy(dropped, a->name, sizeof(dropped));
	/* What the account owned goes with it: a new account of the same
	 * name starts with no private history and no channel. */
	char folded[IRC_NICK_MAX + 1], owner[IRC_NICK_MAX + 2];
	irc_casefold(folded, a->name, sizeof(folded));
	snprintf(owner, sizeof(owner), "@%s", folded);
	hist_forget_owner(owner, folded);
	chanstate_forget_account(folded);
	account_drop(a);
	/* Gone first, so the nick protection each logout re-checks is
	 * gone too. */
	nick_each(logout_each, dropped);
	ns_reply(c, "Account %s dropped", dropped);
}

static void
ns_info(struct client *c, char **argv, int argc)
{
	const char *name = argc > 0 ? argv[0] :
	    c->account != NULL ? c->account : c->nick;
	const struct account *a = account_find(name);
	char when[64];
	time_t t;
	struct tm tm;

	if (a == NULL) {
		ns_reply(c, "%s is not registered", conn_param(name));
		return;
	}
	t = a->registered;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
	    gmtime_r(&t, &tm));
	ns_reply(c, "Account %s, registered %s", a->name, when);
	if ((c->account != NULL && irc_casecmp(c->account, a->name) == 0) ||
	    (c->umodes & UMODE_OPER) != 0)
		ns_reply(c, "%u certificate fingerprint(s)", a->ncerts);
}

/* Whether c (logged in) may take nick from its holder t: the nick is the
 * account's own, or t is logged in to the same account (a ghost). */
static bool
may_take(const struct client *c, const struct client *t)
{
	return irc_casecmp(t->nick, c->account) == 0 ||
	    (t->account != NULL && irc_casecmp(t->account, c->account) == 0);
}

/* A free guest nick, "Guest12345". */
static void
guest_nick(char *buf, size_t cap)
{
	static unsigned next;

	if (next == 0)
		next = (unsigned)(time_now_ms() % 90000);
	do {
		snprintf(buf, cap, "Guest%u", 10000 + next++ % 90000);
	} while (nick_find(buf) != NULL || account_find(buf) != NULL);
}

static void
ns_ghost(struct client *c, char **argv, int argc)
{
	struct client *t = nick_find(argv[0]);

	if (t == NULL || t == c) {
		ns_reply(c, "%s is not in use%s", conn_param(argv[0]),
		    t == c ? " by anyone else" : "");
		return;
	}
	if (!may_take(c, t)) {
		ns_reply(c, "%s is neither your account's nick nor logged in "
		    "to your account", t->nick);
		return;
	}
	ns_reply(c, "%s has been ghosted", t->nick);
	log_info("%s ghosted %s", c->nick, t->nick);
	conn_close(t, "Killed (%s (GHOST command used by %s))", NICKSERV_NICK,
	    c->nick);
}

static void
ns_regain(struct client *c, char **argv, int argc)
{
	struct client *t = nick_find(argv[0]);
	char nick[IRC_NICK_MAX + 1], guest[IRC_NICK_MAX + 1];

	if (t == c) {
		ns_reply(c, "You already have %s", c->nick);
		return;
	}
	if (t != NULL && !may_take(c, t)) {
		ns_reply(c, "%s is neither your account's nick nor logged in "
		    "to your account", t->nick);
		return;
	}
	if (t == NULL && (account_find(argv[0]) == NULL ||
	    irc_casecmp(argv[0], c->account) != 0)) {
		ns_reply(c, "%s is not in use", conn_param(argv[0]));
		return;
	}
	str_copy(nick, t != NULL ? t->nick : argv[0], sizeof(nick));
	if (t != NULL) {
		/* The holder moves aside at once (its QUIT comes later), so
		 * the nick is free now; a ghost of the same account goes. */
		bool ghost = t->account != NULL &&
		    irc_casecmp(t->account, c->account) == 0;
		guest_nick(guest, sizeof(guest));
		nick_change(t, guest);
		t->guard_at = 0;
		if (ghost || (t->reg & REG_DONE) == 0)
			conn_close(t, "Killed (%s (REGAIN command used by "
			    "%s))", NICKSERV_NICK, c->nick);
		else
			ns_reply(t, "%s was taken back by its owner: you are "
			    "now %s", nick, guest);
		log_info("%s regained %s", c->nick, nick);
	}
	nick_change(c, nick);
	nickserv_guard(c);
	ns_reply(c, "You have regained %s", nick);
}

static void
ns_set(struct client *c, char **argv, int argc)
{
	const char *problem;
	struct account *a = account_find(c->account);

	if (strcasecmp(argv[0], "PASSWORD") != 0 || argc < 2) {
		ns_reply(c, "Usage: SET PASSWORD <new password>");
		return;
	}
	if (a == NULL)
		return;
	if ((problem = account_password_problem(argv[1])) != NULL) {
		ns_reply(c, "Unacceptable password: %s", problem);
		return;
	}
	account_set_password(a, argv[1]);
	ns_reply(c, "Password changed");
}

static void
ns_cert(struct client *c, char **argv, int argc)
{
	struct account *a = account_find(c->account);
	unsigned char digest[FINGERPRINT_LEN];
	char fp[FINGERPRINT_STR_MAX];

	if (a == NULL)
		return;
	if (strcasecmp(argv[0], "LIST") == 0) {
		for (size_t i = 0; i < a->ncerts; i++)
			ns_reply(c, "%s", a->certs[i]);
		ns_reply(c, "%u fingerprint(s) for %s", a->ncerts, a->name);
		return;
	}
	bool add = strcasecmp(argv[0], "ADD") == 0;
	if ((!add && strcasecmp(argv[0], "DEL") != 0) || argc < 2) {
		ns_reply(c, "Usage: CERT ADD|DEL <SHA-256 fingerprint>, "
		    "CERT LIST");
		return;
	}
	/* One spelling of a fingerprint, whichever the user typed. */
	if (!fingerprint_parse(argv[1], digest)) {
		ns_reply(c, "%s is not a SHA-256 fingerprint (64 hex digits)",
		    conn_param(argv[1]));
		return;
	}
	fingerprint_format(fp, sizeof(fp), digest);
	/* SASL EXTERNAL without an authzid finds the account by its
	 * certificate: one certificate, one account. */
	struct account *holder = account_find_cert(fp);
	if (add && holder != NULL && holder != a)
		ns_reply(c, "%s is another account's fingerprint", fp);
	else if (add && !account_cert_add(a, fp))
		ns_reply(c, "%s is already there, or %s has %d fingerprints",
		    fp, a->name, ACCOUNT_CERTS_MAX);
	else if (!add && !account_cert_del(a, fp))
		ns_reply(c, "%s is not one of %s's fingerprints", fp, a->name);
	else
		ns_reply(c, "%s %s %s's fingerprints", fp,
		    add ? "added to" : "removed from", a->name);
}

static void ns_help(struct client *, char **, int);

static const struct service_command ns_commands[] = {
	{ "CERT", ns_cert, 1, true,
	    "CERT ADD|DEL <fingerprint>, CERT LIST: TLS client certificates" },
	{ "DROP", ns_drop, 0, false, "DROP [account]: delete your account" },
	{ "GHOST", ns_ghost, 1, true,
	    "GHOST <nick>: disconnect whoever holds your nick" },
	{ "HELP", ns_help, 0, false, "HELP: this list" },
	{ "IDENTIFY", ns_identify, 1, false,
	    "IDENTIFY [account] <password>: log in" },
	{ "INFO", ns_info, 0, false, "INFO [account]: about an account" },
	{ "REGAIN", ns_regain, 1, true,
	    "REGAIN <nick>: take your nick back from whoever holds it" },
	{ "REGISTER", ns_register, 1, false,
	    "REGISTER <password>: register your nick as an account" },
	{ "SET", ns_set, 1, true,
	    "SET PASSWORD <password>: change your password" },
};

static void
ns_help(struct client *c, char **argv, int argc)
{
	for (size_t i = 0; i < nitems(ns_commands); i++)
		ns_reply(c, "%s", ns_commands[i].usage);
}

void
nickserv_message(struct client *c, const char *text)
{
	service_run(c, NICKSERV_NICK, ns_commands, nitems(ns_commands),
	    "IDENTIFY first", text);
}

/* Nick protection */

void
nickserv_guard(struct client *c)
{
	const struct account *a = account_find(c->nick);

	if (a == NULL || (c->account != NULL &&
	    irc_casecmp(c->account, a->name) == 0)) {
		c->guard_at = 0;
		return;
	}
	if (cfg.nick_grace == 0) {
		nickserv_expire(c);
		return;
	}
	/* Moving from one registered nick to another does not restart the
	 * clock. */
	int64_t now = time_mono_ms();
	if (c->guard_at == 0)
		c->guard_at = now + (int64_t)cfg.nick_grace * 1000;
	loop_timer_at(c->guard_at);
	ns_reply(c, "%s is a registered nick: identify with /msg %s "
	    "IDENTIFY <password> within %lld seconds, or you will be renamed",
	    c->nick, NICKSERV_NICK, (long long)(c->guard_at - now + 999) / 1000);
}

void
nickserv_expire(struct client *c)
{
	const struct account *a = account_find(c->nick);
	char old[IRC_NICK_MAX + 1], guest[IRC_NICK_MAX + 1];

	c->guard_at = 0;
	if (a == NULL || (c->account != NULL &&
	    irc_casecmp(c->account, a->name) == 0))
		return;
	str_copy(old, c->nick, sizeof(old));
	guest_nick(guest, sizeof(guest));
	log_info("%s (%s) did not identify for %s: renamed %s", old, c->host,
	    old, guest);
	nick_change(c, guest);
	ns_reply(c, "%s is registered and you did not identify: you are now "
	    "%s", old, guest);
}
