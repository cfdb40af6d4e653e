/*
 * draft/multiline (ircv3.net/specs/extensions/multiline): a message of
 * several lines as one BATCH, out and in. Out: each line a PRIVMSG of
 * the batch, a line too long for one continued by the next with
 * draft/multiline-concat. In: the batch's lines joined by '\n' and shown
 * as one message (wrap.c breaks its rows there).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

#define MULTILINE_REF_MAX 64

void
multiline_cap(const char *value)
{
	char copy[128], *save = NULL;

	self.multiline_bytes = self.multiline_lines = 0;
	str_copy(copy, value, sizeof(copy));
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		if (strncmp(t, "max-bytes=", 10) == 0)
			self.multiline_bytes = (size_t)strtoul(t + 10, NULL, 10);
		else if (strncmp(t, "max-lines=", 10) == 0)
			self.multiline_lines = (size_t)strtoul(t + 10, NULL, 10);
	}
}

static size_t
budget(const char *target)
{
	size_t b = say_budget(target, false);

	return b > 1 ? b - 1 : b;
}

bool
multiline_fits(const char *target, const char *text, size_t len)
{
	size_t lines;

	if ((self.caps & (CAP_MULTILINE | CAP_BATCH)) !=
	    (CAP_MULTILINE | CAP_BATCH))
		return false;
	/* One line, however long, is split as always: a client without the
	 * capability would get its pieces with the break's space kept. */
	if (paste_count(text, len, SIZE_MAX) < 2)
		return false;
	lines = paste_split(text, len, budget(target), true, NULL, NULL);
	return (self.multiline_lines == 0 ||
	    lines <= self.multiline_lines) && (self.multiline_bytes == 0 ||
	    len <= self.multiline_bytes);
}

struct send_ctx {
	const char *target;
	char ref[16];
};

static void
send_chunk(const char *chunk, size_t n, bool concat, void *arg)
{
	const struct send_ctx *c = arg;

	net_sendf("@batch=%s%s PRIVMSG %s :%.*s", c->ref,
	    concat ? ";draft/multiline-concat" : "", c->target, (int)n, chunk);
}

size_t
multiline_send(const char *target, const char *text, size_t len)
{
	static unsigned counter;
	struct send_ctx c = { target, "" };
	size_t n;

	snprintf(c.ref, sizeof(c.ref), "ml%u", ++counter);
	net_sendf("BATCH +%s draft/multiline %s", c.ref, target);
	n = paste_split(text, len, budget(target), true, send_chunk, &c);
	net_sendf("BATCH -%s", c.ref);
	return n;
}

/* Batches being received. */
static struct open_batch {
	bool used;
	bool notice;
	char ref[MULTILINE_REF_MAX + 1];
	char target[IRC_CHAN_MAX + 1];
	char source[IRC_NICK_MAX + IRC_USER_MAX + IRC_HOST_MAX + 3];
	char msgid[IRC_MSGID_MAX + 1];
	char outer[MULTILINE_REF_MAX + 1];
	char reply[IRC_MSGID_MAX + 1];
	bool has_outer, has_reply;
	int64_t time;
	char text[LINE_TEXT_MAX + 1];
	size_t len;
	unsigned lines;
} batches[MULTILINE_OPEN_MAX];

static struct open_batch *
find(const char *ref)
{
	for (size_t i = 0; i < MULTILINE_OPEN_MAX; i++)
		if (batches[i].used && strcmp(batches[i].ref, ref) == 0)
			return &batches[i];
	return NULL;
}

void
multiline_open(const char *ref, const char *target, const char *source,
    const char *msgid, int64_t time, const char *outer, const char *reply)
{
	struct open_batch *o = NULL;

	for (size_t i = 0; i < MULTILINE_OPEN_MAX && o == NULL; i++)
		if (!batches[i].used)
			o = &batches[i];
	if (o == NULL || source == NULL)
		return;		/* its lines will show one by one */
	memset(o, 0, sizeof(*o));
	o->used = true;
	str_copy(o->ref, ref, sizeof(o->ref));
	str_copy(o->target, target, sizeof(o->target));
	str_copy(o->source, source, sizeof(o->source));
	str_copy(o->msgid, msgid != NULL ? msgid : "", sizeof(o->msgid));
	o->has_outer = outer != NULL;
	str_copy(o->outer, outer != NULL ? outer : "", sizeof(o->outer));
	o->has_reply = reply != NULL;
	str_copy(o->reply, reply != NULL ? reply : "", sizeof(o->reply));
	o->time = time;
}

bool
multiline_line(const char *ref, const char *text, bool concat, bool notice)
{
	struct open_batch *o = find(ref);
	size_t n = strlen(text);

	if (o == NULL)
		return false;
	if (o->lines > 0 && !concat && o->len < LINE_TEXT_MAX)
		o->text[o->len++] = '\n';
	if (n > LINE_TEXT_MAX - o->len)
		n = utf8_truncate(text, n, LINE_TEXT_MAX - o->len);
	memcpy(o->text + o->len, text, n);
	o->len += n;
	o->text[o->len] = '\0';
	o->lines++;
	o->notice = notice;
	return true;
}

bool
multiline_close(const char *ref, struct multiline_msg *out)
{
	static struct open_batch done;
	struct open_batch *o = find(ref);

	if (o == NULL)
		return false;
	done = *o;
	o->used = false;
	if (done.lines == 0)
		return false;
	out->target = done.target;
	out->source = done.source;
	out->msgid = done.msgid[0] != '\0' ? done.msgid : NULL;
	out->outer = done.has_outer ? done.outer : NULL;
	out->reply = done.has_reply ? done.reply : NULL;
	out->text = done.text;
	out->time = done.time;
	out->notice = done.notice;
	return true;
}
