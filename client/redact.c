/*
 * Deleting messages: draft/message-redaction's REDACT, sent by /delete
 * or by Delete on a selected line, and heard from the server, which tells
 * every client with the capability once the message has left history.
 */
#include <stdio.h>
#include <string.h>

#include "natter.h"

void
redact_send(struct buffer *b, const char *reason)
{
	uint64_t seq;
	const struct line *l;

	if (!(self.caps & CAP_REDACT)) {
		buffer_addf(b, LINE_ERROR, "This server cannot delete messages "
		    "(no draft/message-redaction)");
		return;
	}
	if (!react_target(b, true, &seq) ||
	    (l = buffer_line(b, seq)) == NULL || l->idlen == 0) {
		buffer_addf(b, LINE_ERROR, "No message of yours to delete here");
		return;
	}
	if (reason[0] != '\0')
		net_sendf("REDACT %s %s :%s", b->name, LINE_MSGID(l), reason);
	else
		net_sendf("REDACT %s %s", b->name, LINE_MSGID(l));
	b->selected = 0;
	dirty |= DIRTY_HISTORY;
}

void
redact_heard(struct buffer *b, const char *msgid)
{
	uint64_t seq;

	if (buffer_find_msgid(b, msgid, &seq))
		buffer_line_edit(b, seq, NULL, "", LINE_DELETED);
}

/* Delete's question, until it is answered. The message is kept by buffer
 * and msgid, not line number: lines move while the question waits. */
static struct {
	bool open;
	char buffer[IRC_CHAN_MAX + 1];
	char msgid[IRC_MSGID_MAX + 1];
	char text[REDACT_QUOTE_MAX * 2 + 64];
} ask;

bool
redact_ask(struct buffer *b)
{
	const struct line *l;

	if (b->selected == 0 || (l = buffer_line(b, b->selected - 1)) == NULL)
		return false;
	/* A key that deletes others' words by accident is worse than one
	 * that does nothing: theirs need /delete, which the server judges
	 * (a channel operator may). */
	if (!(l->flags & LINE_SELF) || l->idlen == 0 ||
	    (l->flags & LINE_DELETED)) {
		buffer_addf(b, LINE_ERROR, "Delete removes only your own "
		    "messages (/delete asks the server for others')");
		return true;
	}
	if (!(self.caps & CAP_REDACT)) {
		buffer_addf(b, LINE_ERROR, "This server cannot delete messages "
		    "(no draft/message-redaction)");
		return true;
	}
	/* Its first words, plain: the question is drawn as it is. */
	static char first[LINE_TEXT_MAX + 1], plain[LINE_TEXT_MAX + 1];
	const char *text = LINE_TEXT(l);
	size_t n = strcspn(text, "\n");
	bool cut = text[n] != '\0';
	memcpy(first, text, n);
	first[n] = '\0';
	mirc_strip(plain, sizeof(plain), first);
	n = utf_clean(first, sizeof(first), plain, strlen(plain));
	if (n > REDACT_QUOTE_MAX) {
		n = utf8_truncate(first, n, REDACT_QUOTE_MAX);
		first[n] = '\0';
		cut = true;
	}
	str_copy(ask.buffer, b->name, sizeof(ask.buffer));
	str_copy(ask.msgid, LINE_MSGID(l), sizeof(ask.msgid));
	snprintf(ask.text, sizeof(ask.text), "Delete your message \"%.*s%s\"? "
	    "(y/n)", (int)n, first, cut ? "\u2026" : "");
	ask.open = true;
	dirty |= DIRTY_INPUT;
	return true;
}

const char *
redact_prompt(void)
{
	return ask.open ? ask.text : NULL;
}

void
redact_answer(bool yes)
{
	struct buffer *b;
	uint64_t seq;

	ask.open = false;
	dirty |= DIRTY_INPUT;
	if (!yes || (b = window_find(ask.buffer)) == NULL)
		return;
	if (!buffer_find_msgid(b, ask.msgid, &seq)) {
		buffer_addf(b, LINE_ERROR, "That message is no longer here");
		return;
	}
	net_sendf("REDACT %s %s", b->name, ask.msgid);
	b->selected = 0;
	dirty |= DIRTY_HISTORY;
}
