/*
 * redact.c: draft/message-redaction (ircv3.net/specs/extensions/
 * message-redaction): REDACT deletes a stored message. Its sender may, and
 * in a channel so may the channel's operators. The message leaves history
 * (CHATHISTORY and the replay on JOIN no longer show it), and the clients
 * with the capability that could have seen it, the one who asked
 * included, are told with the same REDACT; the others are told nothing,
 * as the spec allows: what they showed stays on their screens.
 *
 * The sender is who the stored message names, nick!user@host all three:
 * a nick alone would let whoever takes it later delete what its previous
 * holder said. There is no time window: on a LAN's history a message
 * may be taken back as long as it is kept.
 */
#include <stdio.h>
#include <string.h>

#include "natterd.h"

#define REDACT_REASON_MAX 300	/* bytes of a reason relayed */

struct found {
	const char *msgid;
	bool found;
	char source[IRC_NICK_MAX + IRC_USER_MAX + 64];
};

static void
found_row(const struct hist_msg *m, void *arg)
{
	struct found *f = arg;

	if (strcmp(m->msgid, f->msgid) != 0)
		return;
	f->found = true;
	str_copy(f->source, m->source, sizeof(f->source));
}

/* Whether source, a stored nick!user@host, is c as it is now. */
static bool
sent_by(const char *source, struct client *c)
{
	char nick[IRC_NICK_MAX + 1], user[IRC_USER_MAX + 1], host[64];

	irc_source_split(source, nick, sizeof(nick), user, sizeof(user), host,
	    sizeof(host));
	return irc_casecmp(nick, c->nick) == 0 && strcmp(user, c->user) == 0 &&
	    strcmp(host, c->host) == 0;
}

static void
fail(struct client *c, const char *code, const char *target,
    const char *msgid, const char *text)
{
	conn_sendf(c, ":%s FAIL REDACT %s %s%s%s :%s", cfg.name, code,
	    conn_param(target), msgid != NULL ? " " : "",
	    msgid != NULL ? conn_param(msgid) : "", text);
}

static void
tell(struct relay *r, struct client *t)
{
	if (client_has_cap(t, CAP_MESSAGE_REDACTION))
		relay_send(r, t);
}

/* REDACT <target> <msgid> [<reason>] */
void
cmd_redact(struct client *c, struct irc_msg *m)
{
	const char *target = m->params[0], *msgid = m->params[1];
	char key[HIST_KEY_MAX], reason[REDACT_REASON_MAX + 1];
	struct chan *ch = NULL;
	struct client *to = NULL;

	if (irc_chan_valid(target, IRC_CHAN_MAX)) {
		ch = chan_find(target);
		if (ch == NULL || chan_member(ch, c) == NULL) {
			fail(c, "INVALID_TARGET", target, NULL,
			    "You are not in that channel");
			return;
		}
		target = ch->name;
	} else if (!irc_nick_valid(target, IRC_NICK_MAX) ||
	    service_find(target) != NULL) {
		fail(c, "INVALID_TARGET", target, NULL,
		    "Not a channel or a nick");
		return;
	} else if ((to = nick_find(target)) != NULL)
		target = to->nick;
	if (hist_key(key, sizeof(key), conn_owner(c), target) == 0) {
		fail(c, "INVALID_TARGET", target, NULL, "No history there");
		return;
	}

	struct found f = { .msgid = msgid };
	struct hist_query q = {
		.sub = HIST_AROUND, .key = key, .limit = 1,
		.a = { .type = HIST_REF_MSGID },
	};
	if (str_copy(q.a.msgid, msgid, sizeof(q.a.msgid)) < sizeof(q.a.msgid))
		hist_query(&q, found_row, &f);
	if (!f.found) {
		fail(c, "UNKNOWN_MSGID", target, msgid,
		    "No such message in that target's history");
		return;
	}
	const struct member *mb = ch != NULL ? chan_member(ch, c) : NULL;
	if (!sent_by(f.source, c) &&
	    (mb == NULL || (mb->modes & MM_OP) == 0)) {
		fail(c, "REDACT_FORBIDDEN", target, msgid,
		    ch != NULL ? "Only its sender or a channel operator may "
		    "delete that message" : "Only its sender may delete that "
		    "message");
		return;
	}

	struct hold *hold = hist_redact(key, msgid);
	if (hold != NULL)
		c->stored_in = hist_batch();
	/* A private message is also the other party's copy (hist_key):
	 * found under its owner while it is connected. */
	char other[HIST_KEY_MAX];
	if (to != NULL && hist_key(other, sizeof(other), conn_owner(to),
	    c->nick) > 0 && strcmp(other, key) != 0)
		hold_unref(hist_redact(other, msgid));
	if (hold != NULL) {
		char line[IRC_BODY_MAX];
		int n = snprintf(line, sizeof(line), ":%s FAIL REDACT "
		    "TEMPORARILY_UNAVAILABLE %s %s :Not deleted: history "
		    "cannot be written right now; try again soon", cfg.name,
		    target, msgid);
		if (n > 0 && (size_t)n < sizeof(line))
			conn_write_if_lost(c, hold, line);
	}
	const char *params[] = { target, msgid, reason };
	size_t np = 2;
	if (m->nparams > 2 && m->params[2][0] != '\0') {
		str_copy(reason, m->params[2], sizeof(reason));
		np = 3;
	}
	struct relay r;
	relay_init(&r, cmd_time_ms, NULL, NULL, conn_prefix(c), "REDACT", np,
	    params);
	r.account = c->account;
	r.hold = hold;
	if (ch != NULL) {
		for (uint32_t i = 0; i < ch->nmembers; i++)
			tell(&r, ch->members[i]->client);
	} else {
		tell(&r, c);
		if (to != NULL && to != c)
			tell(&r, to);
	}
	relay_done(&r);
	if (hold != NULL)
		hold_unref(hold);
	log_info("%s deleted %s in %s", conn_prefix(c), msgid, target);
}
