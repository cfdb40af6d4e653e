/*
 * login.c: throttling of login attempts (SASL, NickServ IDENTIFY, PASS,
 * OPER) and of registrations, so a password cannot be guessed faster than
 * a person types, however many connections the guesser opens.
 *
 * Failures are counted per address ("a" records) and per name ("n":
 * an account or an operator name, known or not, so the delay says nothing
 * about which names exist); registrations per address ("r"), apart, so a
 * household that registers four accounts can still log in. The first
 * LOGIN_FREE failures cost nothing; after that the next attempt waits
 * LOGIN_WAIT_MIN seconds, doubled by each further failure up to
 * LOGIN_WAIT_MAX (Ergo's default is 3 attempts a minute). An attempt
 * during the wait is refused unchecked, even
 * with the right password: otherwise the wait would not slow a guesser.
 * A connection with LOGIN_FAILS_MAX failed or refused attempts is closed.
 * A record is forgotten LOGIN_FORGET_MS after its last failure, and a
 * success clears its name's record (not its address's, or one good
 * account would reset a guesser's clock).
 *
 * The table is fixed: when full, the record idle the longest goes.
 */
#include <stdio.h>
#include <string.h>

#include "natterd.h"

#define LOGIN_FREE 3		/* failures before any wait */
#define LOGIN_WAIT_MIN 5	/* seconds after LOGIN_FREE failures */
#define LOGIN_WAIT_MAX 60	/* seconds: 5, 10, 20, 40, then 60 */
#define LOGIN_FORGET_MS (10 * 60 * 1000)
#define LOGIN_RECORDS 1024

struct login_record {
	char key[IRC_NICK_MAX + 48];	/* "a 127.0.0.1", "n alice" (folded), "r ..." */
	uint32_t fails;
	int64_t last;		/* time_mono_ms of the last failure; 0: free */
};

static struct login_record records[LOGIN_RECORDS];

static void
make_key(char *buf, size_t cap, char kind, const char *s)
{
	buf[0] = kind;
	buf[1] = ' ';
	irc_casefold(buf + 2, s, cap - 2);
}

static struct login_record *
record_find(const char *key, bool create, int64_t now)
{
	struct login_record *oldest = &records[0];

	for (size_t i = 0; i < LOGIN_RECORDS; i++) {
		struct login_record *r = &records[i];
		if (r->last != 0 && now - r->last > LOGIN_FORGET_MS)
			r->last = 0;
		if (r->last != 0 && strcmp(r->key, key) == 0)
			return r;
		if (r->last < oldest->last)
			oldest = r;
	}
	if (!create)
		return NULL;
	str_copy(oldest->key, key, sizeof(oldest->key));
	oldest->fails = 0;
	oldest->last = now;
	return oldest;
}

/* Milliseconds until r allows another attempt. */
static int64_t
record_wait(const struct login_record *r, int64_t now)
{
	if (r == NULL || r->fails < LOGIN_FREE)
		return 0;
	uint32_t shift = r->fails - LOGIN_FREE;
	int64_t wait = shift >= 4 ? LOGIN_WAIT_MAX :
	    (int64_t)LOGIN_WAIT_MIN << shift;
	if (wait > LOGIN_WAIT_MAX)
		wait = LOGIN_WAIT_MAX;
	int64_t left = r->last + wait * 1000 - now;
	return left > 0 ? left : 0;
}

static int64_t
key_wait(char kind, const char *s, int64_t now)
{
	char key[sizeof(records[0].key)];

	make_key(key, sizeof(key), kind, s);
	return record_wait(record_find(key, false, now), now);
}

/* A refusal: counted on the connection; the seconds to wait. */
static int
refuse(struct client *c, const char *what, const char *name, int64_t wait)
{
	c->login_fails++;
	log_info("%s (%s): %s%s%s refused for %lld s more", conn_nick(c),
	    c->host, what, name != NULL ? " as " : "",
	    name != NULL ? conn_param(name) : "",
	    (long long)(wait + 999) / 1000);
	return (wait + 999) / 1000;
}

int
login_wait(struct client *c, const char *name)
{
	int64_t now = time_mono_ms();
	int64_t wait = key_wait('a', c->host, now);

	if (name != NULL) {
		int64_t w = key_wait('n', name, now);
		if (w > wait)
			wait = w;
	}
	return wait == 0 ? 0 : refuse(c, "login", name, wait);
}

int
login_register_wait(struct client *c)
{
	int64_t wait = key_wait('r', c->host, time_mono_ms());

	return wait == 0 ? 0 : refuse(c, "registration", NULL, wait);
}

static void
record_fail(char kind, const char *s, int64_t now)
{
	char key[sizeof(records[0].key)];

	make_key(key, sizeof(key), kind, s);
	struct login_record *r = record_find(key, true, now);
	r->fails++;
	r->last = now;
}

void
login_failed(struct client *c, const char *name)
{
	int64_t now = time_mono_ms();

	c->login_fails++;
	record_fail('a', c->host, now);
	if (name != NULL)
		record_fail('n', name, now);
}

void
login_registered(struct client *c)
{
	record_fail('r', c->host, time_mono_ms());
}

void
login_succeeded(struct client *c, const char *name)
{
	char key[sizeof(records[0].key)];
	struct login_record *r;

	make_key(key, sizeof(key), 'n', name);
	if ((r = record_find(key, false, time_mono_ms())) != NULL)
		r->last = 0;
}

bool
login_give_up(struct client *c)
{
	if (c->login_fails < LOGIN_FAILS_MAX)
		return false;
	log_warn("%s (%s): closed after %u failed logins", conn_nick(c),
	    c->host, c->login_fails);
	conn_close(c, "Too many failed login attempts");
	return true;
}
