/*
 * paste.c: long lines and pastes become messages the server accepts;
 * a paste of several messages waits for a y/n first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "natter.h"

size_t
paste_prefix_len(const char *nick, const char *user, const char *host)
{
	/* ":nick!~user@host ": servers without ident add the '~'. */
	size_t u = user != NULL ? strlen(user) + 1 : IRC_USER_MAX + 1;
	size_t h = host != NULL ? strlen(host) : IRC_HOST_MAX;

	return 1 + strlen(nick) + 1 + u + 1 + h + 1;
}

size_t
paste_budget(const char *cmd, const char *target, size_t prefix_len)
{
	/* prefix "cmd target :" text CRLF */
	size_t fixed = prefix_len + strlen(cmd) + 1 + strlen(target) + 2 + 2;

	return fixed < IRC_BODY_MAX ? IRC_BODY_MAX - fixed : 0;
}

size_t
paste_chunk(const char *text, size_t len, size_t budget, size_t *next)
{
	if (len <= budget) {
		*next = len;
		return len;
	}
	size_t cut = budget;
	/* Back off continuation bytes so no character is split. */
	while (cut > 0 && budget - cut < 4 &&
	    ((unsigned char)text[cut] & 0xc0) == 0x80)
		cut--;
	if (cut == 0 || ((unsigned char)text[cut] & 0xc0) == 0x80)
		cut = budget > 0 ? budget : 1;	/* not UTF-8: cut anywhere */
	/* A space in the second half: break there, and drop the space. */
	for (size_t i = cut; i > budget / 2; i--) {
		if (text[i] == ' ') {
			*next = i + 1;
			return i;
		}
	}
	*next = cut;
	return cut;
}

size_t
paste_split(const char *text, size_t len, size_t budget, bool keep_space,
    void (*fn)(const char *chunk, size_t n, bool concat, void *arg),
    void *arg)
{
	size_t count = 0;
	const char *end = text + len;

	while (text < end) {
		const char *eol = text;
		while (eol < end && *eol != '\n' && *eol != '\r')
			eol++;
		size_t left = (size_t)(eol - text);
		bool concat = false;
		while (left > 0) {
			size_t next, n = paste_chunk(text, left, budget, &next);
			if (fn != NULL)
				fn(text, keep_space ? next : n, concat, arg);
			count++;
			concat = true;
			text += next;
			left -= next;
		}
		text = eol;
		if (text < end && *text == '\r')
			text++;
		if (text < end && *text == '\n')
			text++;
	}
	return count;
}

size_t
paste_count(const char *text, size_t len, size_t budget)
{
	return paste_split(text, len, budget, false, NULL, NULL);
}

bool
paste_insert(struct edit *e, const char *text, size_t len)
{
	bool brk = false;

	for (size_t i = 0; i < len;) {
		wchar_t w = utf_next(text, len, &i);
		if (w == L'\r' || w == L'\n') {
			brk = true;
			continue;
		}
		/* One space where lines broke, none for a final break. */
		if (brk && e->len > 0 && !edit_insert(e, L' '))
			return false;
		brk = false;
		if (wcwidth(w) < 0)
			continue;
		if (!edit_insert(e, w))
			return false;
	}
	return true;
}

bool
paste_burst(const char *text, size_t len)
{
	const char *brk = NULL;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r' || text[i] == '\n') {
			if (i > 0 && brk == NULL)
				brk = text + i;
		} else if (brk != NULL)
			return true;
	}
	return false;
}

/* A paste waiting for y/n. */
static struct {
	char *text;
	size_t len, count;
	bool one;		/* asked as one message of count lines */
	char target[IRC_CHAN_MAX + 1];
	char prompt[128];
} pending;

bool
paste_offer(struct buffer *b, const char *text, size_t len)
{
	size_t count = paste_count(text, len, say_budget(b->name, false));

	if (count < PASTE_CONFIRM_LINES || b->kind == BUFFER_SERVER ||
	    b->kind == BUFFER_LIST)
		return false;	/* one message: into the input line */
	free(pending.text);
	pending.text = xstrndup(text, len);
	pending.len = len;
	pending.count = count;
	str_copy(pending.target, b->name, sizeof(pending.target));
	pending.one = multiline_fits(b->name, text, len);
	if (pending.one)
		snprintf(pending.prompt, sizeof(pending.prompt),
		    "Paste %zu lines to %s as one message? (y/n)", count,
		    b->name);
	else
		snprintf(pending.prompt, sizeof(pending.prompt),
		    "Paste %zu messages to %s? (y/n)", count, b->name);
	dirty |= DIRTY_INPUT | DIRTY_STATUS;
	return true;
}

const char *
paste_prompt(void)
{
	return pending.text != NULL ? pending.prompt : NULL;
}

void
paste_answer(bool yes)
{
	struct buffer *b = window_find(pending.target);

	if (pending.text == NULL)
		return;
	if (yes && b != NULL)
		say(b, b->name, pending.text, pending.len, false);
	else if (b != NULL) {
		/* Declined is not thrown away: the text waits in the input
		 * line, to be cut down or sent as one long line. */
		bool whole = paste_insert(&b->edit, pending.text, pending.len);
		buffer_addf(b, LINE_INFO, "Paste of %zu %s not sent; %s",
		    pending.count, pending.one ? "lines" : "messages", whole ?
		    "it is in the input line" :
		    "the input line holds its start");
	}
	free(pending.text);
	pending.text = NULL;
	dirty |= DIRTY_INPUT | DIRTY_STATUS;
}
