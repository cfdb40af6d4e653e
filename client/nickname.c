/*
 * nickname.c: nicks that cannot be used. One typed with /nick is
 * checked before it is sent, with the reason; one the server refuses
 * while registering (432) is replaced by an alternative, said aloud,
 * since natter cannot register without some nick.
 */
#include <stdio.h>
#include <string.h>

#include "natter.h"

/* RFC 2812 section 2.3.1: letters and []\`_^{|} anywhere, digits and
 * '-' after the first character. */
static bool
nick_char(int c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c != '\0' && strchr("[]\\`_^{|}", c) != NULL))
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '-');
}

bool
nick_problem(char *out, size_t cap, const char *nick)
{
	size_t n = strlen(nick);

	if (n == 0)
		snprintf(out, cap, "a nickname cannot be empty");
	else if (!nick_char((unsigned char)nick[0], true) &&
	    nick_char((unsigned char)nick[0], false))
		snprintf(out, cap, "a nickname cannot start with %c", nick[0]);
	else if (n > IRC_NICK_MAX)
		snprintf(out, cap, "%s is longer than %d characters", nick,
		    IRC_NICK_MAX);
	else {
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)nick[i];
			if (nick_char(c, i == 0))
				continue;
			if (c < 0x20 || c >= 0x7f)
				snprintf(out, cap, "a nickname has only letters, "
				    "digits and []\\`_^{|}-");
			else {
				char what[2] = { (char)c, '\0' };
				snprintf(out, cap, "a nickname cannot have %s in "
				    "it, only letters, digits and []\\`_^{|}-",
				    c == ' ' ? "a space" : what);
			}
			return true;
		}
		return false;
	}
	return true;
}

size_t
nick_alternative(char *out, size_t cap, const char *refused, unsigned attempt)
{
	size_t k = 0;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (attempt == 0) {
		/* What is left of it once the characters no server takes are
		 * gone, at RFC 1459's 9, which every server allows. */
		for (const char *p = refused; *p != '\0' && k < NICK_SAFE_LEN &&
		    k + 1 < cap; p++)
			if (nick_char((unsigned char)*p, k == 0))
				out[k++] = *p;
		out[k] = '\0';
		if (k > 0 && strcmp(out, refused) != 0)
			return k;
		attempt = 1;
	}
	int n = attempt == 1 ? snprintf(out, cap, "natter") :
	    snprintf(out, cap, "natter%u", attempt);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return 0;
	}
	return (size_t)n;
}
