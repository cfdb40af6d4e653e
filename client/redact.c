/*
 * Deleting messages: draft/message-redaction's REDACT, sent by /delete
 * and heard from the server, which tells every client with the
 * capability once the message has left history.
 */
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
