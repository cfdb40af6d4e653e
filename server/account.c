/*
 * account.c: accounts, held in memory and kept in natterd's database.
 *
 * Passwords are hashed with yescrypt through libxcrypt (crypt_gensalt_rn,
 * crypt_rn): the hash /etc/shadow uses on Debian, in a library every
 * Debian system already has (libcrypt1), with its salt from the kernel's
 * random source and libxcrypt's default cost, which tracks what its
 * maintainers consider safe. libsodium's Argon2id would be as strong but
 * one more library to install on the LAN box. A password is never stored,
 * logged or kept after the call that hashes or checks it.
 *
 * The accounts table lives in the history database, on a connection of
 * the loop thread's own (history's are the storage thread's). Changes
 * wait in a list of dirty names until account_commit, once per pass before
 * any output is written, in one transaction; SQLite lets one writer in at
 * a time, so that may wait (ACCOUNT_BUSY_MS at most) for a history batch
 * to commit, which happens only when accounts change. The tables are
 * created when missing, which is
 * the whole migration: a database from an older natterd gains them on the
 * first start, and an older natterd ignores them. (read_markers came
 * later than accounts, and needed nothing more: a new table starts empty,
 * so there is nothing for a step of hist-sqlite.c's migration table to
 * carry over.)
 *
 * A LAN server has tens of accounts: an array searched in order is
 * enough, and cheaper than the NICK it is searched for.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natterd.h"

#define ACCOUNT_BUSY_MS 1000	/* another process (--add-account) may hold the lock */

static const char account_schema[] =
	"CREATE TABLE IF NOT EXISTS accounts ("
	" folded TEXT PRIMARY KEY,"	/* the name case-folded (rfc1459) */
	" name TEXT NOT NULL,"
	" hash TEXT NOT NULL,"		/* crypt(3) string, yescrypt */
	" registered INTEGER NOT NULL,"	/* seconds since the epoch */
	" certs TEXT NOT NULL DEFAULT '')"	/* fingerprints, space-separated */
	" WITHOUT ROWID;"
	/* draft/read-marker: an account's markers (readmark.c). */
	"CREATE TABLE IF NOT EXISTS read_markers ("
	" account TEXT NOT NULL,"	/* accounts.folded */
	" target TEXT NOT NULL,"	/* channel or nick, case-folded */
	" time_ms INTEGER NOT NULL,"	/* server-time read up to */
	" PRIMARY KEY (account, target)) WITHOUT ROWID;";

/* The statements of one account_commit. */
struct db_stmts {
	sqlite3_stmt *put, *del;	/* an account row */
	sqlite3_stmt *mark_put;		/* one read marker */
	sqlite3_stmt *mark_del;		/* all of an account's markers */
};

static struct {
	sqlite3 *db;		/* NULL: memory only */
	struct account **list;
	size_t n, cap;
	char (*dirty)[IRC_NICK_MAX + 1];	/* folded names to write */
	size_t ndirty, dirtycap;
} acc;

static void
fold(char *out, const char *name)
{
	irc_casefold(out, name, IRC_NICK_MAX + 1);
}

static void
mark_dirty(const char *name)
{
	char f[IRC_NICK_MAX + 1];

	if (acc.db == NULL)
		return;
	fold(f, name);
	for (size_t i = 0; i < acc.ndirty; i++)
		if (strcmp(acc.dirty[i], f) == 0)
			return;
	if (acc.ndirty == acc.dirtycap) {
		acc.dirtycap = acc.dirtycap ? acc.dirtycap * 2 : 8;
		acc.dirty = xreallocarray(acc.dirty, acc.dirtycap,
		    sizeof(*acc.dirty));
	}
	memcpy(acc.dirty[acc.ndirty++], f, sizeof(f));
}

struct account *
account_find(const char *name)
{
	for (size_t i = 0; i < acc.n; i++)
		if (irc_casecmp(acc.list[i]->name, name) == 0)
			return acc.list[i];
	return NULL;
}

static struct account *
account_insert(const char *name, const char *hash, int64_t registered)
{
	struct account *a = xcalloc(1, sizeof(*a));

	str_copy(a->name, name, sizeof(a->name));
	a->hash = xstrdup(hash);
	a->registered = registered;
	if (acc.n == acc.cap) {
		acc.cap = acc.cap ? acc.cap * 2 : 16;
		acc.list = xreallocarray(acc.list, acc.cap, sizeof(*acc.list));
	}
	acc.list[acc.n++] = a;
	return a;
}

static void
account_free(struct account *a)
{
	if (a->hash != NULL)
		explicit_bzero(a->hash, strlen(a->hash));
	free(a->hash);
	readmark_free(&a->marks);
	free(a);
}

static void
accounts_clear(void)
{
	for (size_t i = 0; i < acc.n; i++)
		account_free(acc.list[i]);
	acc.n = 0;
}

const char *
account_name_problem(const char *name)
{
	/* The account is the nick it protects: the same syntax, and never
	 * the pseudo-user's. Anything else (non-ASCII, which is how bytes
	 * that are not UTF-8 arrive) is refused, not folded into a name. */
	if (!irc_nick_valid(name, IRC_NICK_MAX))
		return "account names are nicknames: a letter or one of "
		    "[]\\`_^{|} first, then those, digits or '-', at most 30";
	if (service_find(name) != NULL)
		return "that name is reserved";
	return NULL;
}

const char *
account_password_problem(const char *password)
{
	size_t len = strlen(password);

	if (len == 0)
		return "the password is empty";
	if (len > ACCOUNT_PASS_MAX)
		return "the password is longer than 300 bytes";
	for (const char *p = password; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return "the password holds a control character";
	return NULL;
}

/* A yescrypt hash of password, or NULL (logged) if libxcrypt fails. */
static char *
hash_password(const char *password)
{
	static struct crypt_data cd;	/* 32 KiB: not on the stack */
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char *out = NULL;

	/* count 0: libxcrypt's default cost; NULL: salt from getrandom. */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL) {
		log_error("cannot make a password salt");
		return NULL;
	}
	memset(&cd, 0, sizeof(cd));
	const char *h = crypt_rn(password, salt, &cd, sizeof(cd));
	if (h == NULL || h[0] != '$')
		log_error("cannot hash a password");
	else
		out = xstrdup(h);
	explicit_bzero(&cd, sizeof(cd));
	return out;
}

bool
account_check(const struct account *a, const char *password)
{
	static struct crypt_data cd;
	bool ok = false;

	if (strlen(password) > ACCOUNT_PASS_MAX)
		return false;
	memset(&cd, 0, sizeof(cd));
	const char *h = crypt_rn(password, a->hash, &cd, sizeof(cd));
	if (h != NULL && h[0] == '$') {
		size_t hl = strlen(h), al = strlen(a->hash);
		unsigned char d = hl != al;
		/* Constant time over the stored hash's length. */
		for (size_t i = 0; i < al; i++)
			d |= (unsigned char)a->hash[i] ^
			    (unsigned char)h[i < hl ? i : 0];
		ok = d == 0;
	}
	explicit_bzero(&cd, sizeof(cd));
	return ok;
}

struct account *
account_create(const char *name, const char *password)
{
	char *h = hash_password(password);

	if (h == NULL)
		return NULL;
	struct account *a = account_insert(name, h, time_now_ms() / 1000);
	free(h);
	mark_dirty(name);
	log_info("account %s registered", a->name);
	return a;
}

void
account_set_password(struct account *a, const char *password)
{
	char *h = hash_password(password);

	if (h == NULL)
		return;
	explicit_bzero(a->hash, strlen(a->hash));
	free(a->hash);
	a->hash = h;
	mark_dirty(a->name);
	log_info("account %s: password changed", a->name);
}

void
account_save(struct account *a)
{
	mark_dirty(a->name);
}

void
account_drop(struct account *a)
{
	for (size_t i = 0; i < acc.n; i++) {
		if (acc.list[i] == a) {
			acc.list[i] = acc.list[--acc.n];
			break;
		}
	}
	mark_dirty(a->name);
	log_info("account %s dropped", a->name);
	account_free(a);
}

bool
account_cert_add(struct account *a, const char *fp)
{
	for (size_t i = 0; i < a->ncerts; i++)
		if (strcmp(a->certs[i], fp) == 0)
			return false;
	if (a->ncerts == ACCOUNT_CERTS_MAX)
		return false;
	str_copy(a->certs[a->ncerts++], fp, sizeof(a->certs[0]));
	mark_dirty(a->name);
	return true;
}

bool
account_cert_has(const struct account *a, const char *fp)
{
	for (size_t i = 0; i < a->ncerts; i++)
		if (strcmp(a->certs[i], fp) == 0)
			return true;
	return false;
}

struct account *
account_find_cert(const char *fp)
{
	for (size_t i = 0; i < acc.n; i++)
		if (account_cert_has(acc.list[i], fp))
			return acc.list[i];
	return NULL;
}

bool
account_cert_del(struct account *a, const char *fp)
{
	for (size_t i = 0; i < a->ncerts; i++) {
		if (strcmp(a->certs[i], fp) == 0) {
			memmove(a->certs[i], a->certs[i + 1],
			    (a->ncerts - i - 1) * sizeof(a->certs[0]));
			a->ncerts--;
			mark_dirty(a->name);
			return true;
		}
	}
	return false;
}

/* The database */

static bool
db_exec(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(acc.db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return true;
	log_error("accounts: %s", msg != NULL ? msg : "database error");
	sqlite3_free(msg);
	return false;
}

static bool
db_load(void)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(acc.db, "SELECT name, hash, registered, certs"
	    " FROM accounts", -1, &st, NULL) != SQLITE_OK)
		return false;
	accounts_clear();
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *hash = (const char *)sqlite3_column_text(st, 1);
		const char *certs = (const char *)sqlite3_column_text(st, 3);
		if (name == NULL || hash == NULL || account_find(name) != NULL)
			continue;
		struct account *a = account_insert(name, hash,
		    sqlite3_column_int64(st, 2));
		char buf[ACCOUNT_CERTS_MAX * FINGERPRINT_STR_MAX + 1];
		str_copy(buf, certs != NULL ? certs : "", sizeof(buf));
		for (char *t, *p = buf; (t = strsep(&p, " ")) != NULL;)
			if (t[0] != '\0' && a->ncerts < ACCOUNT_CERTS_MAX)
				str_copy(a->certs[a->ncerts++], t,
				    sizeof(a->certs[0]));
	}
	if (sqlite3_finalize(st) != SQLITE_OK)
		return false;
	if (sqlite3_prepare_v2(acc.db, "SELECT account, target, time_ms"
	    " FROM read_markers", -1, &st, NULL) != SQLITE_OK)
		return false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *target = (const char *)sqlite3_column_text(st, 1);
		struct account *a = name != NULL ? account_find(name) : NULL;
		if (a != NULL && target != NULL &&
		    strlen(target) <= IRC_CHAN_MAX)
			readmark_set(&a->marks, target,
			    sqlite3_column_int64(st, 2));
	}
	for (size_t i = 0; i < acc.n; i++)
		readmark_clean(&acc.list[i]->marks);
	if (sqlite3_finalize(st) != SQLITE_OK)
		return false;
	/* The channels each registered (history.c's rows), for ChanServ's
	 * cap; none in a file hist_open has not made yet (--add-account). */
	if (sqlite3_prepare_v2(acc.db, "SELECT owner, count(*) FROM channels"
	    " WHERE registered > 0 GROUP BY owner", -1, &st, NULL) !=
	    SQLITE_OK)
		return true;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		struct account *a = name != NULL ? account_find(name) : NULL;
		if (a != NULL)
			a->nchans = sqlite3_column_int(st, 1);
	}
	return sqlite3_finalize(st) == SQLITE_OK;
}

int
account_open(const char *path, char *err, size_t errcap)
{
	account_close();
	if (path == NULL || strcmp(path, "none") == 0)
		return 0;
	/* hist_open, or account_add_offline, made the file (mode 0600). */
	if (sqlite3_open_v2(path, &acc.db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errcap, "cannot open accounts in %s: %s", path,
		    acc.db != NULL ? sqlite3_errmsg(acc.db) : "out of memory");
		account_close();
		return -1;
	}
	sqlite3_busy_timeout(acc.db, ACCOUNT_BUSY_MS);
	if (!db_exec(account_schema) || !db_load()) {
		snprintf(err, errcap, "cannot read accounts in %s: %s", path,
		    sqlite3_errmsg(acc.db));
		account_close();
		return -1;
	}
	return 0;
}

void
account_close(void)
{
	account_commit();
	accounts_clear();
	free(acc.list);
	free(acc.dirty);
	acc.list = NULL;
	acc.dirty = NULL;
	acc.cap = acc.dirtycap = acc.ndirty = 0;
	if (acc.db != NULL)
		sqlite3_close(acc.db);
	acc.db = NULL;
}

void
account_reload(void)
{
	if (acc.db == NULL)
		return;
	account_commit();
	if (!db_load())
		log_error("accounts: cannot read: %s", sqlite3_errmsg(acc.db));
	else
		log_info("%zu account(s)", acc.n);
}

static bool
step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE;
}

/* a's changed markers; all of them, the old ones deleted, if one gave
 * way to another (its row would stay behind). */
static bool
db_write_marks(const struct db_stmts *s, const char *folded,
    const struct readmarks *l)
{
	if (l->rewrite) {
		sqlite3_bind_text(s->mark_del, 1, folded, -1, SQLITE_STATIC);
		if (!step(s->mark_del))
			return false;
	}
	for (uint32_t i = 0; i < l->n; i++) {
		if (!l->v[i].dirty && !l->rewrite)
			continue;
		sqlite3_bind_text(s->mark_put, 1, folded, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->mark_put, 2, l->v[i].target, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(s->mark_put, 3, l->v[i].time_ms);
		if (!step(s->mark_put))
			return false;
	}
	return true;
}

static bool
db_write(const struct db_stmts *s, const char *folded)
{
	struct account *a = NULL;
	sqlite3_stmt *st;

	for (size_t i = 0; i < acc.n && a == NULL; i++) {
		char f[IRC_NICK_MAX + 1];
		fold(f, acc.list[i]->name);
		if (strcmp(f, folded) == 0)
			a = acc.list[i];
	}
	if (a == NULL) {
		/* Dropped: its markers go with it. */
		sqlite3_bind_text(s->mark_del, 1, folded, -1, SQLITE_STATIC);
		if (!step(s->mark_del))
			return false;
		st = s->del;
		sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
	} else {
		char certs[ACCOUNT_CERTS_MAX * FINGERPRINT_STR_MAX + 1];
		size_t n = 0;
		certs[0] = '\0';
		for (size_t i = 0; i < a->ncerts; i++)
			n += snprintf(certs + n, sizeof(certs) - n, "%s%s",
			    n ? " " : "", a->certs[i]);
		if (a->marks.dirty && !db_write_marks(s, folded, &a->marks))
			return false;
		st = s->put;
		sqlite3_bind_text(st, 1, folded, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, a->hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, a->registered);
		sqlite3_bind_text(st, 5, certs, -1, SQLITE_TRANSIENT);
	}
	return step(st);
}

void
account_commit(void)
{
	struct db_stmts s = { NULL, NULL, NULL, NULL };
	bool ok;

	if (acc.ndirty == 0 || acc.db == NULL)
		return;
	ok = sqlite3_prepare_v2(acc.db, "INSERT OR REPLACE INTO accounts"
	    " (folded, name, hash, registered, certs) VALUES (?, ?, ?, ?, ?)",
	    -1, &s.put, NULL) == SQLITE_OK && sqlite3_prepare_v2(acc.db,
	    "DELETE FROM accounts WHERE folded = ?", -1, &s.del, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(acc.db, "INSERT OR REPLACE INTO"
	    " read_markers (account, target, time_ms) VALUES (?, ?, ?)", -1,
	    &s.mark_put, NULL) == SQLITE_OK && sqlite3_prepare_v2(acc.db,
	    "DELETE FROM read_markers WHERE account = ?", -1, &s.mark_del,
	    NULL) == SQLITE_OK && db_exec("BEGIN IMMEDIATE");
	for (size_t i = 0; ok && i < acc.ndirty; i++)
		ok = db_write(&s, acc.dirty[i]);
	if (ok)
		ok = db_exec("COMMIT");
	else
		sqlite3_exec(acc.db, "ROLLBACK", NULL, NULL, NULL);
	if (!ok)
		log_error("accounts: %zu change(s) not saved: %s", acc.ndirty,
		    sqlite3_errmsg(acc.db));
	sqlite3_finalize(s.put);
	sqlite3_finalize(s.del);
	sqlite3_finalize(s.mark_put);
	sqlite3_finalize(s.mark_del);
	/* Saved, or logged as lost: either way not tried again. */
	for (size_t i = 0; i < acc.n; i++)
		readmark_clean(&acc.list[i]->marks);
	acc.ndirty = 0;
}

int
account_add_offline(const char *path, const char *name)
{
	char pass[ACCOUNT_PASS_MAX + 3], err[256] = "";
	const char *why;

	if ((why = account_name_problem(name)) != NULL) {
		fprintf(stderr, "natterd: --add-account %s: %s\n", name, why);
		return 1;
	}
	if (path == NULL || strcmp(path, "none") == 0) {
		fprintf(stderr, "natterd: --add-account needs a database "
		    "(--db none keeps accounts only while natterd runs)\n");
		return 1;
	}
	if (fgets(pass, sizeof(pass), stdin) == NULL) {
		fprintf(stderr, "natterd: --add-account: no password on "
		    "standard input\n");
		return 1;
	}
	pass[strcspn(pass, "\r\n")] = '\0';
	if ((why = account_password_problem(pass)) != NULL) {
		explicit_bzero(pass, sizeof(pass));
		fprintf(stderr, "natterd: --add-account %s: %s\n", name, why);
		return 1;
	}
	/* Not hist_open: natterd may be running (it holds the history's
	 * lock), and a row written through SQLite's own locking is safe
	 * beside it. The file is made private, as hist_open makes it. */
	int fd = -1;
	if (path_mkdirs(path, err, sizeof(err)) == -1 ||
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    account_open(path, err, sizeof(err)) < 0) {
		if (fd == -1 && err[0] == '\0')
			snprintf(err, sizeof(err), "%s: %s", path,
			    strerror(errno));
		if (fd != -1)
			close(fd);
		explicit_bzero(pass, sizeof(pass));
		fprintf(stderr, "natterd: %s\n", err);
		return 1;
	}
	close(fd);
	int status = 0;
	if (account_find(name) != NULL) {
		fprintf(stderr, "natterd: account %s already exists\n", name);
		status = 1;
	} else if (account_create(name, pass) == NULL) {
		status = 1;
	} else {
		account_commit();
		/* account_commit logs a failure; the row is there if not. */
		if (!db_load() || account_find(name) == NULL)
			status = 1;
		else
			printf("account %s added (a running natterd sees it "
			    "after SIGHUP)\n", name);
	}
	explicit_bzero(pass, sizeof(pass));
	account_close();
	return status;
}

/* Logging in and out */

static void
notify_each(struct client *t, void *arg)
{
	struct relay *r = arg;

	if (client_has_cap(t, CAP_ACCOUNT_NOTIFY))
		relay_send(r, t);
}

/* account-notify: ":nick!user@host ACCOUNT name" ("*": logged out) to
 * those who share a channel with c and to c itself, if they asked. */
static void
account_notify(struct client *c)
{
	struct relay r;
	const char *params[] = { c->account != NULL ? c->account : "*" };

	if ((c->reg & REG_DONE) == 0)
		return;
	relay_init(&r, cmd_time_ms, NULL, NULL, conn_prefix(c), "ACCOUNT", 1,
	    params);
	r.account = c->account;
	chan_relay_common(c, &r, CAP_ACCOUNT_NOTIFY);
	notify_each(c, &r);
	relay_done(&r);
}

void
account_login(struct client *c, const struct account *a)
{
	free(c->account);
	c->account = xstrdup(a->name);
	login_succeeded(c, a->name);
	log_info("%s (%s) logged in as %s", conn_nick(c), c->host, a->name);
	conn_reply(c, RPL_LOGGEDIN, "%s %s :You are now logged in as %s",
	    conn_prefix(c), a->name, a->name);
	account_notify(c);
	if ((c->reg & REG_DONE) != 0)
		nickserv_guard(c);
}

void
account_logout(struct client *c)
{
	if (c->account == NULL)
		return;
	log_info("%s (%s) logged out of %s", conn_nick(c), c->host,
	    c->account);
	free(c->account);
	c->account = NULL;
	conn_reply(c, RPL_LOGGEDOUT, "%s :You are now logged out",
	    conn_prefix(c));
	account_notify(c);
	if ((c->reg & REG_DONE) != 0)
		nickserv_guard(c);
}
