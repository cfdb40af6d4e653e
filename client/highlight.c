/* highlight.c: whether a message mentions me. */
#include <string.h>

#include "natter.h"

bool hl_bell;

/*
 * RFC 2812 section 2.3.1 nick characters, plus bytes of multibyte UTF-8
 * characters: a non-ASCII letter next to the word means the word is part
 * of a longer one.
 */
static bool
hl_wordchar(unsigned char c)
{
	if (c == '\0')
		return false;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("[]\\`_^{|}-", c) != NULL ||
	    c >= 0x80;
}

bool
hl_word(const char *text, const char *word)
{
	size_t n = strlen(word);

	if (n == 0)
		return false;
	/* c | 0x20 folds ASCII letters and RFC 1459's []\~ onto {}|^: a
	 * cheap test that lets only possible starts reach irc_ncasecmp. */
	unsigned char first = (unsigned char)word[0] | 0x20;

	for (const char *p = text; *p; p++) {
		if (((unsigned char)*p | 0x20) != first)
			continue;
		if (p != text && hl_wordchar((unsigned char)p[-1]))
			continue;
		if (irc_ncasecmp(p, word, n) != 0)
			continue;
		/* The end of the text is a boundary too. */
		if (!hl_wordchar((unsigned char)p[n]))
			return true;
	}
	return false;
}

bool
hl_match(const char *text, const char *nick, const char *const *words,
    size_t nwords)
{
	if (nick != NULL && hl_word(text, nick))
		return true;
	for (size_t i = 0; i < nwords; i++)
		if (hl_word(text, words[i]))
			return true;
	return false;
}

bool
hl_heard(const struct buffer *b, unsigned flags, bool history)
{
	/* History is news only in the unread counts, not worth a bell. */
	if (!history && !(flags & LINE_SELF) &&
	    ((flags & LINE_HIGHLIGHT) || b->kind == BUFFER_QUERY)) {
		hl_bell = true;
		return true;
	}
	return false;
}
