/*
 * cmd-msg.c: PRIVMSG, NOTICE and TAGMSG to channels and nicks. Each
 * delivered message gets a msgid and the server-time of its receipt, is
 * handed to the history store (hist_add) once per target, a private one
 * once for each of its owners, and is formatted once per tag variant,
 * its relay held until it is stored.
 */
#include <stdio.h>
#include <string.h>

#include "natterd.h"

#define TARGETS_MAX 4	/* TARGMAX */

void
msg_client_tags(const struct irc_msg *m, char *buf, size_t cap)
{
	char esc[IRC_CLIENT_TAGS_MAX + 1];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->ntags; i++) {
		const struct irc_tag *t = &m->tags[i];
		if (t->key[0] != '+')
			continue;
		size_t kl = strlen(t->key);
		size_t el = irc_tag_escape(esc, sizeof(esc), t->value);
		if (el == 0 && t->value[0] != '\0')
			continue;
		if (n + kl + el + 3 > cap || n + kl + el + 3 > IRC_CLIENT_TAGS_MAX)
			break;
		if (n > 0)
			buf[n++] = ';';
		memcpy(buf + n, t->key, kl);
		n += kl;
		if (el > 0) {
			buf[n++] = '=';
			memcpy(buf + n, esc, el);
			n += el;
		}
		buf[n] = '\0';
	}
}

/*
 * What the sender is told, only if its message cannot be stored (and so
 * reaches nobody): a standard reply for IRCv3 clients (those with
 * standard-replies or message-tags), a server NOTICE for the rest, which
 * would not show a FAIL.
 */
static void
not_stored(struct client *c, const char *command, const char *target,
    struct hold *hold)
{
	char line[IRC_BODY_MAX];
	int n;

	if (client_has_cap(c, CAP_MESSAGE_TAGS) ||
	    client_has_cap(c, CAP_STANDARD_REPLIES))
		n = snprintf(line, sizeof(line), ":%s FAIL %s"
		    " TEMPORARILY_UNAVAILABLE %s :Not delivered: history"
		    " cannot be stored right now; try again soon", cfg.name,
		    command, target);
	else
		n = snprintf(line, sizeof(line), ":%s NOTICE %s :Your message"
		    " to %s was not delivered: history cannot be stored right"
		    " now; try again soon", cfg.name, conn_nick(c), target);
	if (n > 0 && (size_t)n < sizeof(line))
		conn_write_if_lost(c, hold, line);
}

/*
 * Keep h: a channel's row, or a private message's row for each of its two
 * owners, named for the other party (hist_key), so that each reads only
 * their own copy and a later holder of either nick reads neither. Both
 * rows are in this pass's batch: the first's hold stands for both.
 */
static struct hold *
store(const struct hist_msg *h, struct client *c, struct client *to)
{
	char key[HIST_KEY_MAX], other[HIST_KEY_MAX];
	struct hold *hold = NULL;

	if (to == NULL) {
		if (hist_key(key, sizeof(key), NULL, h->target) > 0)
			hold = hist_add(h, key);
		return hold;
	}
	if (hist_key(key, sizeof(key), conn_owner(c), to->nick) > 0)
		hold = hist_add(h, key);
	/* To oneself, or between two connections of one account under one
	 * nick: the one row. */
	if (hist_key(other, sizeof(other), conn_owner(to), c->nick) > 0 &&
	    strcmp(other, key) != 0) {
		struct hold *second = hist_add(h, other);
		if (hold == NULL)
			hold = second;
		else
			hold_unref(second);
	}
	return hold;
}

/* lines: a multiline message (text is then its lines, multiline.c's
 * form), stored as one row, relayed as a batch or separate lines. */
static void
deliver(struct client *c, const char *command, const char *target,
    const char *text, const char *ctags, bool tagmsg, bool lines)
{
	bool notice = command[0] == 'N';
	bool echo = client_has_cap(c, CAP_ECHO_MESSAGE);
	struct client *to = NULL;
	struct chan *ch = NULL;
	const struct service *svc;
	struct relay r;
	char msgid[IRC_MSGID_MAX + 1], status[IRC_CHAN_MAX + 2];
	uint8_t need = 0;	/* STATUSMSG: the member modes that receive it */
	const char *asked = target;

	/* "@#chan" to its operators, "+#chan" to its voiced and operators
	 * (ISUPPORT STATUSMSG=@+); sent as any message to the channel is. */
	if ((target[0] == '@' || target[0] == '+') &&
	    irc_is_channel(target + 1)) {
		need = target[0] == '@' ? MM_OP : MM_OP | MM_VOICE;
		target++;
	}
	if (irc_is_channel(target)) {
		ch = chan_find(target);
		if (ch == NULL) {
			if (!notice)
				conn_reply(c, ERR_NOSUCHCHANNEL,
				    "%s :No such channel", conn_param(asked));
			return;
		}
		struct member *mb = chan_member(ch, c);
		bool oper = (c->umodes & UMODE_OPER) != 0;
		if ((mb == NULL && (ch->modes & CM_NOEXTERNAL) != 0 && !oper) ||
		    ((ch->modes & CM_MODERATED) != 0 && !oper &&
		    (mb == NULL || mb->modes == 0))) {
			if (!notice)
				conn_reply(c, ERR_CANNOTSENDTOCHAN,
				    "%s :Cannot send to channel", ch->name);
			return;
		}
		/* A banned user is silenced unless voiced or op. */
		if (!oper && (mb == NULL || mb->modes == 0) &&
		    chan_listed(ch, CHAN_BANS, c)) {
			if (!notice)
				conn_reply(c, ERR_CANNOTSENDTOCHAN,
				    "%s :Cannot send to channel (+b)", ch->name);
			return;
		}
		target = ch->name;
		if (need != 0) {
			snprintf(status, sizeof(status), "%c%s",
			    need == MM_OP ? '@' : '+', ch->name);
			target = status;
		}
	} else if ((svc = service_find(target)) != NULL) {
		/* Passwords: never stored, echoed or relayed. */
		if (lines)
			conn_sendf(c, ":%s FAIL BATCH MULTILINE_INVALID_TARGET"
			    " %s %s :%s takes one line at a time",
			    cfg.name, target, target, svc->nick);
		else if (!notice && !tagmsg)
			svc->message(c, text);
		return;
	} else {
		to = nick_find(target);
		if (to == NULL || (to->reg & REG_DONE) == 0) {
			if (!notice)
				conn_reply(c, ERR_NOSUCHNICK,
				    "%s :No such nick/channel", conn_param(target));
			return;
		}
		target = to->nick;
	}

	msgid_new(msgid, sizeof(msgid));
	/* Stored first: the relay waits for the store (its hold). A TAGMSG
	 * only if it is a reaction (history.c decides): other client tags
	 * (+typing) are of the moment. */
	struct hold *hold = NULL;
	/* A status message is not: the channel's history is every
	 * member's to read. */
	if (need == 0) {
		struct hist_msg h;
		str_copy(h.msgid, msgid, sizeof(h.msgid));
		h.time_ms = cmd_time_ms;
		h.source = conn_prefix(c);
		h.target = target;
		h.command = command;
		h.tags = ctags;
		h.text = text;
		hold = store(&h, c, to);
		/* Its sender's next history query waits for this batch. */
		if (hold != NULL)
			c->stored_in = hist_batch();
	}
	/* A bot's messages carry the bot tag (IRCv3 bot-mode), for the
	 * recipients that take tags; it is the server's, not stored. */
	char tags[IRC_CLIENT_TAGS_MAX + 8];
	if ((c->umodes & UMODE_BOT) != 0) {
		snprintf(tags, sizeof(tags), "bot%s%s", ctags[0] ? ";" : "",
		    ctags);
		ctags = tags;
	}
	const char *params[] = { target, lines ? "" : text };
	relay_init(&r, cmd_time_ms, msgid, ctags, conn_prefix(c), command,
	    tagmsg ? 1 : 2, params);
	r.lines = lines ? text : NULL;
	r.account = c->account;
	r.tags_only = tagmsg;
	r.hold = hold;
	if (ch != NULL && need != 0) {
		for (uint32_t i = 0; i < ch->nmembers; i++) {
			const struct member *mb = ch->members[i];
			if (mb->client != c && (mb->modes & need) != 0)
				relay_send(&r, mb->client);
		}
		if (echo)
			relay_send(&r, c);
	} else if (ch != NULL) {
		chan_relay(ch, &r, c);
		if (echo)
			relay_send(&r, c);
	} else {
		if (echo && to == c) {
			/* To oneself with echo-message: the copy received
			 * as the recipient, then the echo, which alone
			 * answers a labeled command (as Ergo and InspIRCd). */
			struct client *held = conn_capture_suspend();
			relay_send(&r, to);
			conn_capture_resume(held);
		} else {
			relay_send(&r, to);
		}
		if (echo)
			relay_send(&r, c);
		if (to->away != NULL && !notice && !tagmsg)
			conn_reply(c, RPL_AWAY, "%s :%s", to->nick, to->away);
	}
	relay_done(&r);
	if (hold != NULL) {
		not_stored(c, command, target, hold);
		hold_unref(hold);
	}
}

static void
message(struct client *c, struct irc_msg *m, const char *command)
{
	bool notice = command[0] == 'N', tagmsg = command[0] == 'T';
	char ctags[IRC_CLIENT_TAGS_MAX + 1];
	char targets[IRC_BODY_MAX];
	const char *seen[TARGETS_MAX];
	size_t n = 0;

	if (m->nparams < 1 || m->params[0][0] == '\0') {
		if (!notice)
			conn_reply(c, ERR_NORECIPIENT,
			    ":No recipient given (%s)", command);
		return;
	}
	if (!tagmsg && (m->nparams < 2 || m->params[1][0] == '\0')) {
		if (!notice)
			conn_reply(c, ERR_NOTEXTTOSEND, ":No text to send");
		return;
	}
	msg_client_tags(m, ctags, sizeof(ctags));
	str_copy(targets, m->params[0], sizeof(targets));
	for (char *t, *p = targets; (t = strsep(&p, ",")) != NULL;) {
		if (t[0] == '\0')
			continue;
		/* "a,A" or "#c,#C": one delivery per target, as in ngircd;
		 * a repeat is not another target for TARGMAX either. */
		size_t i;
		for (i = 0; i < n && i < TARGETS_MAX; i++)
			if (irc_casecmp(seen[i], t) == 0)
				break;
		if (i < n && i < TARGETS_MAX)
			continue;
		if (++n > TARGETS_MAX) {
			if (!notice)
				conn_reply(c, ERR_TOOMANYTARGETS,
				    "%s :Too many targets", conn_param(t));
			continue;
		}
		seen[n - 1] = t;
		deliver(c, command, t, tagmsg ? "" : m->params[1], ctags,
		    tagmsg, false);
	}
}

void
msg_multiline(struct client *c, const char *target, const char *lines,
    const char *ctags)
{
	deliver(c, "PRIVMSG", target, lines, ctags, false, true);
}

void
cmd_privmsg(struct client *c, struct irc_msg *m)
{
	message(c, m, "PRIVMSG");
}

void
cmd_notice(struct client *c, struct irc_msg *m)
{
	message(c, m, "NOTICE");
}

void
cmd_tagmsg(struct client *c, struct irc_msg *m)
{
	message(c, m, "TAGMSG");
}
