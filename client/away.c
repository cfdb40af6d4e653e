/* away.c: show each away reply once, not on every message we send. */
#include <string.h>

#include "natter.h"

void
away_init(struct away_memo *a)
{
	seen_init(&a->seen);
}

bool
away_show(struct away_memo *a, const char *nick, const char *message)
{
	char key[IRC_NICK_MAX + 1 + IRC_AWAY_MAX + 1];

	/* A new message from the same nick is news; the same one is not. */
	irc_casefold(key, nick, IRC_NICK_MAX + 1);
	size_t n = strlen(key);
	key[n++] = ' ';
	str_copy(key + n, message, sizeof(key) - n);
	return !seen_check(&a->seen, key);
}

/* natter's one memo: away replies are per connection, not per buffer. */
static struct away_memo memo;

bool
away_note(const char *nick, const char *message)
{
	return away_show(&memo, nick, message);
}
