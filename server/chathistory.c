/*
 * chathistory.c: the stored history served to clients. The CHATHISTORY
 * command (IRCv3 draft/chathistory, ircv3.net/specs/extensions/chathistory)
 * and the last --replay lines on JOIN for clients that did not ask for it.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "natterd.h"

#define SEARCH_DEFAULT 100	/* SEARCH's limit when it gives none */
#define ROW_OVERHEAD 128	/* bytes a row's line adds to its fields (tags) */

/* How one client gets history lines. */
struct hist_out {
	struct client *c;
	const char *batch;	/* batch reference, NULL outside a batch */
	const char *replay;	/* JOIN replay of this channel: no CTCP
				 * queries, a batch only if a line comes */
	char ref[32];
};

/* A query's rows, kept until it is known which of them fit. */
struct rows {
	struct hist_msg *v;
	char **bufs;
	size_t *bytes;		/* each row's line, near enough */
	size_t n, cap;
};

/* Only ACTION among CTCPs: replaying a VERSION or PING query would make
 * clients answer it again. */
static bool
ctcp_query(const char *text)
{
	return text[0] == '\1' && strncmp(text, "\1ACTION ", 8) != 0;
}

/* Open a batch when c takes them; ref is filled or left NULL. */
static const char *
batch_open(struct client *c, char *ref, size_t cap, const char *type,
    const char *target)
{
	if (!client_has_cap(c, CAP_BATCH))
		return NULL;
	batch_ref(ref, cap);
	conn_sendf(c, ":%s BATCH +%s %s%s%s", cfg.name, ref, type,
	    target != NULL ? " " : "", target != NULL ? target : "");
	return ref;
}

static void
batch_close(struct client *c, const char *ref)
{
	if (ref != NULL)
		conn_sendf(c, ":%s BATCH -%s", cfg.name, ref);
}

/* "[12:34] ": a line's time in its text, for clients without
 * server-time, in local time as the people on the LAN read their
 * clocks. */
static void
stamp_text(char *buf, size_t cap, int64_t time_ms)
{
	time_t t = time_ms / 1000;
	struct tm tm;

	strftime(buf, cap, "[%H:%M] ", localtime_r(&t, &tm));
}

/* A multiline message's row: a draft/multiline batch inside the
 * reply's, or its lines one by one (multiline.c). */
static void
send_lines(struct hist_out *o, const struct hist_msg *m, const char *first,
    const char *each)
{
	struct client *c = o->c;
	char prefix[IRC_BODY_MAX], stamp[16] = "", ref[MULTILINE_REF_MAX + 1];
	struct ml_form f = { .prefix = prefix, .text = m->text,
	    .first = first, .each = each, .outer = o->batch, .stamp = stamp };
	int n = snprintf(prefix, sizeof(prefix), ":%s %s %s :", m->source,
	    m->command, m->target);
	size_t len;

	if (n < 0 || (size_t)n >= sizeof(prefix))
		return;
	f.prefixlen = n;
	if (!client_has_cap(c, CAP_SERVER_TIME))
		stamp_text(stamp, sizeof(stamp), m->time_ms);
	if (client_has_cap(c, CAP_MULTILINE) && client_has_cap(c, CAP_BATCH)) {
		batch_ref(ref, sizeof(ref));
		f.ref = ref;
	}
	char *lines = multiline_format(&f, &len);
	conn_write(c, lines, len);
	free(lines);
}

static void
send_row(const struct hist_msg *m, void *arg)
{
	struct hist_out *o = arg;
	struct client *c = o->c;
	/* first: the message's tags; each: those of a multiline message's
	 * later lines (no msgid); tags: first in the reply's batch. */
	char first[IRC_TAGS_MAX], each[IRC_TAGS_MAX], tags[IRC_TAGS_MAX];
	char stamp[IRC_TIME_LEN + 1], text[IRC_BODY_MAX + 16];
	size_t n = 0, e = 0;

	if (o->replay != NULL) {
		if (ctcp_query(m->text))
			return;
		if (o->batch == NULL)
			o->batch = batch_open(c, o->ref, sizeof(o->ref),
			    "chathistory", o->replay);
	}
	first[0] = each[0] = '\0';
	if (client_has_cap(c, CAP_SERVER_TIME)) {
		time_format(stamp, sizeof(stamp), m->time_ms);
		n += snprintf(first + n, sizeof(first) - n, "time=%s", stamp);
		e += snprintf(each + e, sizeof(each) - e, "time=%s", stamp);
	}
	if (client_has_cap(c, CAP_MESSAGE_TAGS)) {
		n += snprintf(first + n, sizeof(first) - n, "%smsgid=%s",
		    n > 0 ? ";" : "", m->msgid);
		if (m->tags[0] != '\0' && n + strlen(m->tags) + 2 <
		    sizeof(first) - 16) {
			snprintf(first + n, sizeof(first) - n, ";%s", m->tags);
			if (strlen(m->tags) <= MULTILINE_EACH_TAGS_MAX)
				snprintf(each + e, sizeof(each) - e, "%s%s",
				    e > 0 ? ";" : "", m->tags);
		}
	}
	if (strcmp(m->command, "PRIVMSG") == 0 && multiline_text(m->text)) {
		send_lines(o, m, first, each);
		return;
	}
	snprintf(tags, sizeof(tags), "%s%s%s%s", o->batch != NULL ? "batch=" :
	    "", o->batch != NULL ? o->batch : "",
	    o->batch != NULL && first[0] != '\0' ? ";" : "", first);
	if (strcmp(m->command, "TAGMSG") == 0) {
		conn_send_tagged(c, tags, ":%s TAGMSG %s", m->source,
		    m->target);
		return;
	}
	if (client_has_cap(c, CAP_SERVER_TIME))
		str_copy(text, m->text, sizeof(text));
	else {
		/* No server-time: the time goes into the text, after an
		 * ACTION's verb so the CTCP stays whole. */
		char hhmm[16];
		bool action = strncmp(m->text, "\1ACTION ", 8) == 0;
		stamp_text(hhmm, sizeof(hhmm), m->time_ms);
		snprintf(text, sizeof(text), "%s%s%s",
		    action ? "\1ACTION " : "", hhmm, m->text + (action ? 8 : 0));
	}
	conn_send_tagged(c, tags, ":%s %s %s :%s", m->source, m->command,
	    m->target, text);
}

/* Standard replies (ircv3.net/specs/extensions/standard-replies). */
static void
fail(struct client *c, const char *code, const char *context,
    const char *desc)
{
	conn_sendf(c, ":%s FAIL CHATHISTORY %s %s :%s", cfg.name, code,
	    context, desc);
}

/* A limit: 1 or more, capped at CHATHISTORY_MAX. */
static bool
parse_limit(const char *s, int *limit)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < 1)
		return false;
	*limit = v > CHATHISTORY_MAX ? CHATHISTORY_MAX : (int)v;
	return true;
}

static bool
member_of(const char *channel, void *arg)
{
	struct hist_out *o = arg;
	struct chan *ch = chan_find(channel);
	return ch != NULL && chan_member(ch, o->c) != NULL;
}

/* SEARCH reads a channel as CHATHISTORY does: a member, from where
 * chathistory_since says. */
static bool
search_readable(const char *channel, void *arg, int64_t *since_ms,
    int64_t *since_id)
{
	struct hist_out *o = arg;
	struct chan *ch = chan_find(channel);
	struct hist_query q;

	if (ch == NULL || chan_member(ch, o->c) == NULL)
		return false;
	chathistory_since(o->c, ch, &q);
	*since_ms = q.since_ms;
	*since_id = q.since_id;
	return true;
}

static void
send_target(const char *target, int64_t last_ms, void *arg)
{
	struct hist_out *o = arg;
	char stamp[IRC_TIME_LEN + 1], tags[48] = "";

	if (o->batch != NULL)
		snprintf(tags, sizeof(tags), "batch=%s", o->batch);
	time_format(stamp, sizeof(stamp), last_ms);
	conn_send_tagged(o->c, tags, ":%s CHATHISTORY TARGETS %s %s",
	    cfg.name, target, stamp);
}

static void
rows_add(const struct hist_msg *m, void *arg)
{
	struct rows *r = arg;
	const char *src[] = { m->source, m->target, m->command, m->tags,
	    m->text };
	size_t len[5], size = 0;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
		r->bufs = xreallocarray(r->bufs, r->cap, sizeof(*r->bufs));
		r->bytes = xreallocarray(r->bytes, r->cap, sizeof(*r->bytes));
	}
	for (size_t i = 0; i < nitems(src); i++)
		size += len[i] = strlen(src[i]) + 1;
	char *p = r->bufs[r->n] = xmalloc(size);
	struct hist_msg *c = &r->v[r->n];
	*c = *m;
	const char **dst[] = { &c->source, &c->target, &c->command, &c->tags,
	    &c->text };
	for (size_t i = 0; i < nitems(src); i++) {
		memcpy(p, src[i], len[i]);
		*dst[i] = p;
		p += len[i];
	}
	/* A multiline message is a wire line per line of it. */
	size_t lines = 1;
	for (const char *t = m->text; (t = strpbrk(t, "\n\r")) != NULL; t++)
		lines++;
	r->bytes[r->n] = size + ROW_OVERHEAD * lines;
	r->n++;
}

/*
 * Send what of rows fits in half of the room c's sendq has left, so a
 * reply never costs a reader its connection (rows with long client tags,
 * a large LATEST). What is cut is the end the client pages towards:
 * the oldest rows when it pages back (newest), else the newest; it asks
 * again from the last row it got. Returns the number sent.
 */
static int
rows_send(struct rows *r, struct hist_out *o, bool newest)
{
	size_t room = cfg.sendq > o->c->outbytes ?
	    (cfg.sendq - o->c->outbytes) / 2 : 0;
	size_t used = 0, k = 0;

	while (k < r->n) {
		size_t b = r->bytes[newest ? r->n - 1 - k : k];
		if (used + b > room)
			break;
		used += b;
		k++;
	}
	size_t first = newest ? r->n - k : 0;
	for (size_t i = first; i < first + k; i++)
		send_row(&r->v[i], o);
	for (size_t i = 0; i < r->n; i++)
		free(r->bufs[i]);
	free(r->v);
	free(r->bufs);
	free(r->bytes);
	return (int)k;
}

/* CHATHISTORY TARGETS timestamp=a timestamp=b limit */
static void
targets(struct client *c, struct irc_msg *m)
{
	struct hist_ref from, to;
	struct hist_out o = { .c = c };
	int limit;

	if (m->nparams < 4) {
		fail(c, "NEED_MORE_PARAMS", "TARGETS", "Missing parameters");
		return;
	}
	if (m->nparams > 4) {
		fail(c, "INVALID_PARAMS", "TARGETS", "Too many parameters");
		return;
	}
	/* Only timestamps: a msgid belongs to one target. */
	if (!hist_ref_parse(m->params[1], &from, false) ||
	    from.type != HIST_REF_TIME ||
	    !hist_ref_parse(m->params[2], &to, false) ||
	    to.type != HIST_REF_TIME || !parse_limit(m->params[3], &limit)) {
		fail(c, "INVALID_PARAMS", "TARGETS", "Invalid parameters");
		return;
	}
	cmd_rows_asked = limit;
	o.batch = batch_open(c, o.ref, sizeof(o.ref),
	    "draft/chathistory-targets", NULL);
	int n = hist_targets(conn_owner(c), from.time_ms, to.time_ms, limit,
	    member_of, send_target, &o);
	batch_close(c, o.batch);
	if (n < 0)
		fail(c, "MESSAGE_ERROR", "TARGETS",
		    "Messages could not be retrieved");
}

void
chathistory_since(const struct client *c, const struct chan *ch,
    struct hist_query *q)
{
	const struct member *mb = chan_member(ch, c);
	const struct account *a = c->account != NULL ?
	    account_find(c->account) : NULL;

	q->since_ms = q->since_id = 0;
	/* Its operators by account read all of their channel's history. */
	if (mb == NULL || chan_opacc_client(ch, c) ||
	    ((ch->modes & (CM_INVITE | CM_SECRET)) == 0 &&
	    cfg.history_cutoff == HC_NONE))
		return;
	/* An account's registration, when it came first, opens a public
	 * channel's history from then on. */
	if ((ch->modes & (CM_INVITE | CM_SECRET)) == 0 &&
	    cfg.history_cutoff == HC_REGISTRATION && a != NULL &&
	    a->registered * 1000 < mb->joined_ms) {
		q->since_ms = a->registered * 1000;
		return;
	}
	/* Else the JOIN: its time, and the last row that came before it,
	 * so a line said in the same millisecond is on its right side. What
	 * a +i or +s channel said was for those in it then. */
	q->since_ms = mb->joined_ms;
	q->since_id = mb->joined_id;
}

void
cmd_chathistory(struct client *c, struct irc_msg *m)
{
	static const struct {
		const char *name;
		enum hist_sub sub;
		size_t nparams;	/* with the subcommand */
	} subs[] = {
		{ "LATEST", HIST_LATEST, 4 },
		{ "BEFORE", HIST_BEFORE, 4 },
		{ "AFTER", HIST_AFTER, 4 },
		{ "AROUND", HIST_AROUND, 4 },
		{ "BETWEEN", HIST_BETWEEN, 5 },
	};
	struct hist_query q = { 0 };
	struct hist_out o = { .c = c };
	char key[HIST_KEY_MAX];
	const char *sub, *target;
	size_t i;

	if (m->nparams < 1) {
		fail(c, "NEED_MORE_PARAMS", "*", "Missing parameters");
		return;
	}
	sub = m->params[0];
	if (strcasecmp(sub, "TARGETS") == 0) {
		targets(c, m);
		return;
	}
	for (i = 0; i < nitems(subs); i++)
		if (strcasecmp(sub, subs[i].name) == 0)
			break;
	if (i == nitems(subs)) {
		fail(c, "UNKNOWN_COMMAND", conn_param(sub), "Unknown command");
		return;
	}
	sub = subs[i].name;
	if (m->nparams < subs[i].nparams) {
		fail(c, "NEED_MORE_PARAMS", sub, "Missing parameters");
		return;
	}
	if (m->nparams > subs[i].nparams) {
		fail(c, "INVALID_PARAMS", sub, "Too many parameters");
		return;
	}
	q.sub = subs[i].sub;
	target = m->params[1];
	if (!hist_ref_parse(m->params[2], &q.a, q.sub == HIST_LATEST) ||
	    (q.sub == HIST_BETWEEN &&
	    !hist_ref_parse(m->params[3], &q.b, false)) ||
	    !parse_limit(m->params[subs[i].nparams - 1], &q.limit)) {
		fail(c, "INVALID_PARAMS", sub, "Invalid parameters");
		return;
	}

	/* A channel's history is for its members, from when the cutoff
	 * says; a conversation's key holds the asker's owner (conn_owner),
	 * so each party reaches only its own copy. */
	if (irc_is_channel(target)) {
		struct chan *ch = chan_find(target);
		if (ch == NULL || chan_member(ch, c) == NULL) {
			conn_sendf(c, ":%s FAIL CHATHISTORY INVALID_TARGET %s"
			    " %s :Messages could not be retrieved", cfg.name,
			    sub, conn_param(target));
			return;
		}
		target = ch->name;
		chathistory_since(c, ch, &q);
	} else if (!irc_nick_valid(target, IRC_NICK_MAX)) {
		conn_sendf(c, ":%s FAIL CHATHISTORY INVALID_TARGET %s %s"
		    " :Messages could not be retrieved", cfg.name, sub,
		    conn_param(target));
		return;
	}
	/* A nick stays as asked, in the batch too (as Ergo does): its key
	 * is folded, and whoever had it may have left. */
	if (hist_key(key, sizeof(key), conn_owner(c), target) == 0) {
		conn_sendf(c, ":%s FAIL CHATHISTORY INVALID_TARGET %s %s"
		    " :Messages could not be retrieved", cfg.name, sub,
		    target);
		return;
	}
	q.key = key;
	/* Reactions (stored TAGMSG) for those who take tags; the replay on
	 * JOIN and SEARCH are of lines. */
	q.tagmsg = client_has_cap(c, CAP_MESSAGE_TAGS);
	/* The store looks for every row asked for, there or not: they
	 * cost as lines of the answer would (cmd_dispatch). */
	cmd_rows_asked = q.limit;
	struct rows rows = { 0 };
	int n = hist_query(&q, rows_add, &rows);
	o.batch = batch_open(c, o.ref, sizeof(o.ref), "chathistory", target);
	rows_send(&rows, &o, q.sub == HIST_LATEST || q.sub == HIST_BEFORE);
	batch_close(c, o.batch);
	if (n < 0)
		conn_sendf(c, ":%s FAIL CHATHISTORY MESSAGE_ERROR %s %s"
		    " :Messages could not be retrieved", cfg.name, sub,
		    target);
}

/*
 * SEARCH in=...;from=...;after=...;before=...;text=...;limit=...
 * (soju.im/search, the attributes in message-tag form). What CHATHISTORY
 * shows, SEARCH finds: one target the asker may read (in=), or all of
 * them. The reply is a soju.im/search batch, as CHATHISTORY's.
 */
void
cmd_search(struct client *c, struct irc_msg *m)
{
	char owner[CONN_OWNER_MAX + 1];
	struct hist_search q = { .owner = owner, .after_ms = INT64_MIN,
	    .before_ms = INT64_MAX, .limit = SEARCH_DEFAULT,
	    .readable = search_readable };
	struct hist_out o = { .c = c };
	char attrs[IRC_BODY_MAX], key[HIST_KEY_MAX], *a, *p;
	const char *in = NULL;

	str_copy(owner, conn_owner(c), sizeof(owner));
	q.arg = &o;
	if (m->nparams < 1) {
		conn_sendf(c, ":%s FAIL SEARCH NEED_MORE_PARAMS :Missing"
		    " parameters", cfg.name);
		return;
	}
	str_copy(attrs, m->params[0], sizeof(attrs));
	for (p = attrs; (a = strsep(&p, ";")) != NULL;) {
		char *v = strchr(a, '=');
		if (a[0] == '\0')
			continue;
		if (v != NULL)
			*v++ = '\0';
		else
			v = a + strlen(a);
		irc_tag_unescape(v);
		bool ok = true;
		if (strcmp(a, "in") == 0)
			in = v;
		else if (strcmp(a, "from") == 0)
			q.from = v;
		else if (strcmp(a, "after") == 0)
			ok = time_parse(v, &q.after_ms);
		else if (strcmp(a, "before") == 0)
			ok = time_parse(v, &q.before_ms);
		else if (strcmp(a, "text") == 0)
			q.text = v;
		else if (strcmp(a, "limit") == 0)
			ok = parse_limit(v, &q.limit);
		/* Others are ignored: the spec may grow. */
		if (!ok) {
			conn_sendf(c, ":%s FAIL SEARCH INVALID_PARAMS %s"
			    " :Invalid parameters", cfg.name, conn_param(a));
			return;
		}
	}
	if (in != NULL) {
		const char *target = in;
		if (irc_is_channel(in)) {
			struct chan *ch = chan_find(in);
			if (ch == NULL || chan_member(ch, c) == NULL) {
				/* Nothing to find where one may not look. */
				target = NULL;
			} else
				target = ch->name;
		} else if (!irc_nick_valid(in, IRC_NICK_MAX))
			target = NULL;
		if (target == NULL ||
		    hist_key(key, sizeof(key), owner, target) == 0) {
			conn_sendf(c, ":%s FAIL SEARCH INVALID_PARAMS in"
			    " :Invalid parameters", cfg.name);
			return;
		}
		q.key = key;
	}
	cmd_rows_asked = q.limit;
	struct rows rows = { 0 };
	int n = hist_search(&q, rows_add, &rows);
	o.batch = batch_open(c, o.ref, sizeof(o.ref), "soju.im/search", NULL);
	rows_send(&rows, &o, q.after_ms == INT64_MIN);
	batch_close(c, o.batch);
	if (n < 0)
		conn_sendf(c, ":%s FAIL SEARCH INTERNAL_ERROR :The search could"
		    " not be run", cfg.name);
}

void
chathistory_replay(struct client *c, const struct chan *ch)
{
	struct hist_query q = { .sub = HIST_LATEST, .limit = cfg.replay };
	struct hist_out o = { .c = c, .replay = ch->name };
	char key[HIST_KEY_MAX];

	if (cfg.replay <= 0 || client_has_cap(c,
	    CAP_DRAFT_CHATHISTORY | CAP_CHATHISTORY))
		return;
	hist_key(key, sizeof(key), NULL, ch->name);
	q.key = key;
	chathistory_since(c, ch, &q);
	q.a.type = HIST_REF_NONE;
	struct rows rows = { 0 };
	hist_query(&q, rows_add, &rows);
	rows_send(&rows, &o, true);
	batch_close(c, o.batch);
}

void
chathistory_init(void)
{
	char token[32];

	snprintf(token, sizeof(token), "CHATHISTORY=%d", CHATHISTORY_MAX);
	isupport_add(xstrdup(token));
	isupport_add("MSGREFTYPES=msgid,timestamp");
}
