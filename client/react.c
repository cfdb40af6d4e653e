/*
 * Reactions and replies: client tags that point at an earlier message
 * by its msgid (+draft/react, +draft/reply), and the selected line that
 * /react and /delete act on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

/* An emoji as shown: controls dropped, spaces (which separate the
 * note's groups) made no-break, cut at REACT_MAX. */
static void
react_clean(char *out, size_t cap, const char *emoji)
{
	size_t k = utf_clean(out, cap, emoji, strlen(emoji));

	for (size_t i = 0; i < k; i++)
		if (out[i] == ' ' || out[i] == ',')
			out[i] = '_';
}

/* Is nick in the ", "-separated list s[0..n)? */
static bool
nick_listed(const char *s, size_t n, const char *nick)
{
	size_t nl = strlen(nick);

	while (n > 0) {
		size_t k = 0;
		while (k < n && s[k] != ',')
			k++;
		if (k == nl && irc_ncasecmp(s, nick, nl) == 0)
			return true;
		if (k + 2 > n)
			break;
		s += k + 2;
		n -= k + 2;
	}
	return false;
}

size_t
react_note_add(char *out, size_t cap, const char *note, const char *emoji,
    const char *nick)
{
	size_t el = strlen(emoji), k = 0, n = strlen(note);
	bool done = false;
	char buf[LINE_NOTE_MAX * 2];

	if (el == 0 || nick[0] == '\0')
		return 0;
	/* Groups "emoji nick, nick" separated by two spaces. */
	for (const char *g = note; g < note + n;) {
		const char *end = strstr(g, "  ");
		size_t gl = end != NULL ? (size_t)(end - g) : strlen(g);
		const char *sp = memchr(g, ' ', gl);
		int w;

		if (!done && sp != NULL && (size_t)(sp - g) == el &&
		    memcmp(g, emoji, el) == 0) {
			done = true;
			if (nick_listed(sp + 1, gl - el - 1, nick))
				return 0;	/* said already */
			w = snprintf(buf + k, sizeof(buf) - k, "%s%.*s, %s",
			    k > 0 ? "  " : "", (int)gl, g, nick);
		} else
			w = snprintf(buf + k, sizeof(buf) - k, "%s%.*s",
			    k > 0 ? "  " : "", (int)gl, g);
		if (w < 0 || (size_t)w >= sizeof(buf) - k)
			return 0;
		k += (size_t)w;
		g += gl;
		while (*g == ' ')
			g++;
	}
	if (!done) {
		int w = snprintf(buf + k, sizeof(buf) - k, "%s%s %s",
		    k > 0 ? "  " : "", emoji, nick);
		if (w < 0 || (size_t)w >= sizeof(buf) - k)
			return 0;
		k += (size_t)w;
	}
	if (k >= cap || k > LINE_NOTE_MAX)
		return 0;
	memcpy(out, buf, k + 1);
	return k;
}

void
react_heard(struct buffer *b, const char *nick, const char *msgid,
    const char *emoji, int64_t time)
{
	char clean[REACT_MAX + 1], note[LINE_NOTE_MAX + 1];
	uint64_t seq;

	react_clean(clean, sizeof(clean), emoji);
	if (clean[0] == '\0')
		return;
	if (buffer_find_msgid(b, msgid, &seq)) {
		const struct line *l = buffer_line(b, seq);
		if (react_note_add(note, sizeof(note), LINE_NOTE(l), clean,
		    nick) > 0)
			buffer_line_edit(b, seq, NULL, note, 0);
		return;
	}
	char text[LINE_TEXT_MAX];
	snprintf(text, sizeof(text), "%s reacted %s to an earlier message",
	    nick, clean);
	buffer_add(b, time, LINE_EVENT, 0, "", text);
}

void
react_reply_ref(const struct buffer *b, const char *msgid, char *out,
    size_t cap)
{
	uint64_t seq;
	const struct line *l;
	const struct chathist_line *h;
	const char *nick, *text;
	char words[REACT_REF_MAX];
	size_t n;

	/* In history, what it answers may be in the same batch, held. */
	if (buffer_find_msgid(b, msgid, &seq) &&
	    (l = buffer_line(b, seq)) != NULL && !(l->flags & LINE_DELETED)) {
		nick = LINE_NICK(l);
		text = LINE_TEXT(l);
	} else if ((h = chathist_held(b, msgid)) != NULL) {
		nick = h->nick;
		text = h->text;
	} else {
		/* Italic, so the reference is not read as the message. */
		snprintf(out, cap, "\x1d↪ (an earlier message)\x1d");
		return;
	}
	n = mirc_strip(words, sizeof(words), text);
	n = strcspn(words, "\n");
	words[n] = '\0';
	if (n > 40) {
		n = utf8_truncate(words, n, 40);
		snprintf(words + n, sizeof(words) - n, "…");
	}
	snprintf(out, cap, "\x1d↪ %s: %s\x1d", nick, words);
}

static bool
reactable(const struct line *l, bool own)
{
	return l != NULL && l->idlen > 0 && !(l->flags & LINE_DELETED) &&
	    (l->kind == LINE_MSG || l->kind == LINE_ACTION ||
	    l->kind == LINE_NOTICE) && (!own || (l->flags & LINE_SELF));
}

bool
react_target(const struct buffer *b, bool own, uint64_t *seq)
{
	if (b->selected > 0) {
		*seq = b->selected - 1;
		return buffer_line(b, *seq) != NULL;
	}
	for (uint64_t s = b->seq; s-- > b->seq - b->count;)
		if (reactable(buffer_line(b, s), own)) {
			*seq = s;
			return true;
		}
	return false;
}

void
react_select(struct buffer *b, int dir)
{
	uint64_t oldest = b->seq - b->count;
	uint64_t s = b->selected > 0 ? b->selected - 1 : b->seq;

	if (b == window_current())
		dirty |= DIRTY_HISTORY | DIRTY_STATUS;
	for (;;) {
		if (dir < 0 ? s <= oldest : s + 1 >= b->seq) {
			/* Past the newest: no selection. Past the oldest:
			 * the oldest stays selected. */
			if (dir > 0)
				b->selected = 0;
			return;
		}
		s = dir < 0 ? s - 1 : s + 1;
		if (reactable(buffer_line(b, s), false)) {
			b->selected = s + 1;
			return;
		}
	}
}

void
react_send(struct buffer *b, const char *emoji)
{
	char clean[REACT_MAX + 1], esc[REACT_MAX * 2 + 1];
	char id[IRC_MSGID_MAX * 2 + 1];
	uint64_t seq;
	const struct line *l;

	if (!(self.caps & CAP_TAGS)) {
		buffer_addf(b, LINE_ERROR,
		    "This server does not pass reactions on (no message-tags)");
		return;
	}
	react_clean(clean, sizeof(clean), emoji);
	if (clean[0] == '\0' || irc_tag_escape(esc, sizeof(esc), clean) == 0) {
		buffer_addf(b, LINE_ERROR, "Usage: /react emoji");
		return;
	}
	if (!react_target(b, false, &seq) ||
	    (l = buffer_line(b, seq)) == NULL || l->idlen == 0 ||
	    irc_tag_escape(id, sizeof(id), LINE_MSGID(l)) == 0) {
		buffer_addf(b, LINE_ERROR, "No message to react to here");
		return;
	}
	net_sendf("@+draft/react=%s;+draft/reply=%s TAGMSG %s", esc, id,
	    b->name);
	b->selected = 0;
	dirty |= DIRTY_HISTORY;
	/* With echo-message the server's copy comes back like anyone's. */
	if (!(self.caps & CAP_ECHO))
		react_heard(b, self.nick, LINE_MSGID(l), clean, time_now_ms());
}
