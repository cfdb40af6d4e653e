/*
 * relay.c: shared output buffers and the relay of one message to many
 * clients. The body is formatted once, each tag variant once, and every
 * recipient's queue takes a reference: no copy per recipient.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natterd.h"

struct obuf *
obuf_new(size_t cap)
{
	struct obuf *b = xmalloc(sizeof(*b) + cap);

	b->refs = 1;
	b->len = 0;
	b->cap = cap;
	b->hold = NULL;
	b->if_lost = false;
	return b;
}

struct obuf *
obuf_ref(struct obuf *b)
{
	b->refs++;
	return b;
}

void
obuf_unref(struct obuf *b)
{
	if (b != NULL && --b->refs == 0) {
		hold_unref(b->hold);
		free(b);
	}
}

void
obuf_tie(struct obuf *b, struct hold *h, bool if_lost)
{
	b->hold = hold_ref(h);
	b->if_lost = if_lost;
}

enum obuf_show
obuf_show(const struct obuf *b)
{
	if (b->hold == NULL)
		return OB_SEND;
	switch (b->hold->state) {
	case HOLD_PENDING:
		return OB_WAIT;
	case HOLD_STORED:
		return b->if_lost ? OB_SKIP : OB_SEND;
	case HOLD_LOST:
		break;
	}
	return b->if_lost ? OB_SEND : OB_SKIP;
}

/* A middle parameter cannot hold a space or start with ':' (RFC 2812 2.3.1). */
static bool
needs_trailing(const char *p)
{
	return *p == '\0' || *p == ':' || strchr(p, ' ') != NULL;
}

/* Commands whose last parameter is text: always sent in ':' form, as
 * clients and the RFC examples expect. at: the index the text has. */
static bool
text_param(const char *command, size_t index)
{
	static const struct { const char *cmd; size_t at; } text[] = {
		{ "AWAY", 0 }, { "JOIN", 2 }, { "KICK", 2 }, { "NOTICE", 1 },
		{ "PART", 1 }, { "PRIVMSG", 1 }, { "QUIT", 0 },
		{ "SETNAME", 0 }, { "TOPIC", 1 }, { "WALLOPS", 0 },
	};

	for (size_t i = 0; i < nitems(text); i++)
		if (strcmp(command, text[i].cmd) == 0)
			return index == text[i].at;
	return false;
}

/* Copy what fits of s before end - 1 (room counts from p); its length. */
static size_t
relay_put(char *p, size_t room, const char *s)
{
	size_t len = strlen(s);

	if (room == 0)
		return 0;
	if (len > room - 1)
		len = room - 1;
	memcpy(p, s, len);
	return len;
}

void
relay_init(struct relay *r, int64_t time_ms, const char *msgid,
    const char *ctags, const char *source, const char *command,
    size_t nparams, const char *const *params)
{
	char *p = r->body, *end = r->body + IRC_BODY_MAX - 2;

	memset(r->variant, 0, sizeof(r->variant));
	r->time_ms = time_ms;
	str_copy(r->msgid, msgid != NULL ? msgid : "", sizeof(r->msgid));
	r->ctags = ctags != NULL ? ctags : "";
	r->tags_only = false;
	r->hold = NULL;
	r->account = NULL;
	r->lines = NULL;
	r->ref[0] = '\0';

	/* ":source command", copied (snprintf here cost as much as the rest
	 * of the line); source and command are short, the cap a safeguard. */
	if (source != NULL) {
		*p++ = ':';
		p += relay_put(p, end - p, source);
		if (p < end - 1)
			*p++ = ' ';
	}
	p += relay_put(p, end - p, command);
	for (size_t i = 0; i < nparams && p < end - 1; i++) {
		bool last = i + 1 == nparams;
		const char *v = params[i];
		size_t room = end - p, len = strlen(v);

		*p++ = ' ';
		room--;
		if (last && (text_param(command, i) || needs_trailing(v)) &&
		    room > 0) {
			*p++ = ':';
			room--;
		}
		if (len > room)
			len = utf8_truncate(v, len, room);
		memcpy(p, v, len);
		p += len;
	}
	*p++ = '\r';
	*p++ = '\n';
	*p = '\0';
	r->bodylen = p - r->body;
}

/* The tags of variant v, msgid among them only if with_msgid, the
 * client tags only if they are at most ctags_max bytes; their length. */
static size_t
relay_tags(const struct relay *r, unsigned v, bool with_msgid,
    size_t ctags_max, char *tags, size_t cap)
{
	size_t tl = 0;

	tags[0] = '\0';
	if ((v & RV_TIME) != 0) {
		char ts[IRC_TIME_LEN + 1];

		time_format(ts, sizeof(ts), r->time_ms);
		tl += snprintf(tags + tl, cap - tl, "%stime=%s",
		    tl ? ";" : "", ts);
	}
	if ((v & RV_ACCOUNT) != 0) {
		char esc[2 * IRC_NICK_MAX + 1];

		irc_tag_escape(esc, sizeof(esc), r->account);
		tl += snprintf(tags + tl, cap - tl, "%saccount=%s",
		    tl ? ";" : "", esc);
	}
	if ((v & RV_TAGS) != 0 && r->msgid[0] != '\0' && with_msgid)
		tl += snprintf(tags + tl, cap - tl, "%smsgid=%s",
		    tl ? ";" : "", r->msgid);
	size_t cl = strlen(r->ctags);
	if ((v & RV_TAGS) != 0 && cl > 0 && cl <= ctags_max &&
	    tl + 1 + cl < IRC_TAGS_MAX - 1)
		tl += snprintf(tags + tl, cap - tl, "%s%s",
		    tl ? ";" : "", r->ctags);
	return tl;
}

/* A multiline message's variant: one buffer with all its lines, as a
 * batch or as separate lines (multiline.c). */
static struct obuf *
relay_lines(struct relay *r, unsigned v)
{
	char first[IRC_TAGS_MAX + 2], each[IRC_TAGS_MAX + 2];
	struct ml_form f = { .prefix = r->body, .prefixlen = r->bodylen - 2,
	    .text = r->lines, .first = first, .each = each, .stamp = "" };
	size_t len;

	relay_tags(r, v, true, IRC_TAGS_MAX, first, sizeof(first));
	relay_tags(r, v, false, MULTILINE_EACH_TAGS_MAX, each, sizeof(each));
	if ((v & RV_MULTILINE) != 0) {
		/* One reference for every recipient: each sees it once. */
		if (r->ref[0] == '\0')
			batch_ref(r->ref, sizeof(r->ref));
		f.ref = r->ref;
	}
	char *lines = multiline_format(&f, &len);
	struct obuf *b = obuf_new(len);
	memcpy(b->data, lines, len);
	b->len = len;
	free(lines);
	return b;
}

static struct obuf *
relay_variant(struct relay *r, unsigned v)
{
	char tags[IRC_TAGS_MAX + 2];
	size_t tl;
	struct obuf *b;

	if (r->variant[v] != NULL)
		return r->variant[v];
	if (r->lines != NULL) {
		b = relay_lines(r, v);
	} else {
		tl = relay_tags(r, v, true, IRC_TAGS_MAX, tags, sizeof(tags));
		b = obuf_new(r->bodylen + tl + 2);
		if (tl > 0) {
			b->data[0] = '@';
			memcpy(b->data + 1, tags, tl);
			b->data[tl + 1] = ' ';
			b->len = tl + 2;
		}
		memcpy(b->data + b->len, r->body, r->bodylen);
		b->len += r->bodylen;
	}
	if (r->hold != NULL)
		obuf_tie(b, r->hold, false);
	r->variant[v] = b;
	return b;
}

void
relay_send(struct relay *r, struct client *c)
{
	unsigned v = 0;

	if ((c->state != CONN_OPEN || (c->io & IO_SENDQ) != 0))
		return;
	if (r->tags_only && !client_has_cap(c, CAP_MESSAGE_TAGS))
		return;
	if (client_has_cap(c, CAP_SERVER_TIME))
		v |= RV_TIME;
	if (r->account != NULL && client_has_cap(c, CAP_ACCOUNT_TAG))
		v |= RV_ACCOUNT;
	if (client_has_cap(c, CAP_MESSAGE_TAGS) &&
	    (r->msgid[0] != '\0' || r->ctags[0] != '\0'))
		v |= RV_TAGS;
	if (r->lines != NULL && client_has_cap(c, CAP_MULTILINE) &&
	    client_has_cap(c, CAP_BATCH))
		v |= RV_MULTILINE;
	conn_push(c, relay_variant(r, v));
}

void
relay_done(struct relay *r)
{
	for (size_t i = 0; i < RV_COUNT; i++) {
		obuf_unref(r->variant[i]);
		r->variant[i] = NULL;
	}
}

void
batch_ref(char *buf, size_t cap)
{
	static unsigned long next;

	snprintf(buf, cap, "nb%lu", ++next);
}
