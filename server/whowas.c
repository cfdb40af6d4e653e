/*
 * whowas.c: WHOWAS (RFC 2812 3.6.3), a bounded record of nicks that were
 * left, by QUIT or by NICK. A ring of WHOWAS_MAX fixed entries: the
 * oldest is overwritten, nothing is allocated, and nothing outlives a
 * restart (the record is for "who was that a moment ago").
 */
#include <stdlib.h>
#include <string.h>

#include "natterd.h"

struct whowas {
	int64_t time;		/* wall clock seconds when the nick was left */
	char nick[IRC_NICK_MAX + 1];	/* "" for an unused slot */
	char user[IRC_USER_MAX + 1];
	char host[46];
	char realname[IRC_REALNAME_MAX + 1];
};

static struct whowas ring[WHOWAS_MAX];
static size_t next;		/* the slot the next departure takes */

void
whowas_add(const struct client *c)
{
	struct whowas *w = &ring[next];

	if ((c->reg & REG_DONE) == 0 || c->nick[0] == '\0')
		return;
	w->time = time_now_ms() / 1000;
	str_copy(w->nick, c->nick, sizeof(w->nick));
	str_copy(w->user, c->user, sizeof(w->user));
	str_copy(w->host, c->host, sizeof(w->host));
	str_copy(w->realname, c->realname != NULL ? c->realname : "",
	    sizeof(w->realname));
	next = (next + 1) % WHOWAS_MAX;
}

/* Reply for one nick, newest first, at most count entries (0: all). */
static void
whowas_one(struct client *c, const char *nick, long count)
{
	long found = 0;

	for (size_t i = 1; i <= WHOWAS_MAX; i++) {
		const struct whowas *w =
		    &ring[(next + WHOWAS_MAX - i) % WHOWAS_MAX];
		if (w->nick[0] == '\0')
			break;
		if (irc_casecmp(w->nick, nick) != 0)
			continue;
		conn_reply(c, RPL_WHOWASUSER, "%s %s %s * :%s", w->nick,
		    w->user, w->host, w->realname);
		char when[IRC_TIME_LEN + 1];
		time_format(when, sizeof(when), w->time * 1000);
		conn_reply(c, RPL_WHOISSERVER, "%s %s :%s", w->nick, cfg.name,
		    when);
		if (++found == count)
			break;
	}
	if (found == 0)
		conn_reply(c, ERR_WASNOSUCHNICK,
		    "%s :There was no such nickname", conn_param(nick));
}

/*
 * "WHOWAS nick[,nick] [count [server]]": a count that is not positive
 * asks for everything (RFC 1459 4.5.3), as does none.
 */
void
cmd_whowas(struct client *c, struct irc_msg *m)
{
	char nicks[IRC_BODY_MAX], *np = nicks, *nick;
	long count = m->nparams > 1 ? strtol(m->params[1], NULL, 10) : 0;

	if (count < 0)
		count = 0;
	str_copy(nicks, m->params[0], sizeof(nicks));
	while ((nick = strsep(&np, ",")) != NULL) {
		if (nick[0] != '\0')
			whowas_one(c, nick, count);
	}
	conn_reply(c, RPL_ENDOFWHOWAS, "%s :End of WHOWAS",
	    conn_param(m->params[0]));
}
