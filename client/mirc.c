/*
 * mIRC formatting: the control codes people put in IRC text, turned into
 * a style per character so that nothing raw ever reaches the screen.
 * The codes as clients use them: modern.ircdocs.horse/formatting.
 */
#include <string.h>

#include "natter.h"

enum {
	MIRC_C_BOLD = 0x02,
	MIRC_C_COLOR = 0x03,
	MIRC_C_HEX = 0x04,
	MIRC_C_RESET = 0x0f,
	MIRC_C_MONO = 0x11,
	MIRC_C_REVERSE = 0x16,
	MIRC_C_ITALIC = 0x1d,
	MIRC_C_STRIKE = 0x1e,
	MIRC_C_UNDERLINE = 0x1f,
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Up to two digits at s[*i]: a colour number, or -2 when there are none. */
static int
color_number(const char *s, size_t n, size_t *i)
{
	int v = -2;

	for (int k = 0; k < 2 && *i < n && is_digit(s[*i]); k++, (*i)++)
		v = (v < 0 ? 0 : v * 10) + (s[*i] - '0');
	return v;
}

static void
color_set(int8_t *slot, int v)
{
	/* 99 is "default"; 16..98 are the extended palette. */
	*slot = (int8_t)(v == 99 ? MIRC_DEFAULT : v);
}

/* Skip one code at s[*i] (which is a control character), updating st;
 * false when s[*i] is not a formatting code. */
static bool
mirc_code(const char *s, size_t n, size_t *i, struct style *st)
{
	size_t j;
	int fg, bg;

	switch (s[*i]) {
	case MIRC_C_BOLD: st->attr ^= MIRC_BOLD; break;
	case MIRC_C_ITALIC: st->attr ^= MIRC_ITALIC; break;
	case MIRC_C_UNDERLINE: st->attr ^= MIRC_UNDERLINE; break;
	case MIRC_C_REVERSE: st->attr ^= MIRC_REVERSE; break;
	case MIRC_C_STRIKE: case MIRC_C_MONO: break;
	case MIRC_C_RESET:
		st->attr &= MIRC_DIM;
		st->fg = st->bg = MIRC_DEFAULT;
		break;
	case MIRC_C_COLOR:
		j = *i + 1;
		fg = color_number(s, n, &j);
		if (fg < 0) {
			st->fg = st->bg = MIRC_DEFAULT;
			break;
		}
		color_set(&st->fg, fg);
		/* A comma belongs to the code only when a digit follows. */
		if (j + 1 < n && s[j] == ',' && is_digit(s[j + 1])) {
			j++;
			bg = color_number(s, n, &j);
			color_set(&st->bg, bg);
		}
		*i = j;
		return true;
	case MIRC_C_HEX:
		/* Hex colours (\4RRGGBB[,RRGGBB]) are skipped, not drawn. */
		j = *i + 1;
		for (int k = 0; k < 6 && j < n && is_hex(s[j]); k++)
			j++;
		if (j + 1 < n && s[j] == ',' && is_hex(s[j + 1])) {
			j++;
			for (int k = 0; k < 6 && j < n && is_hex(s[j]); k++)
				j++;
		}
		*i = j;
		return true;
	default:
		return false;
	}
	(*i)++;
	return true;
}

size_t
mirc_decode(const char *s, size_t n, struct style *st, wchar_t *out,
    struct style *styles, size_t cap)
{
	size_t i = 0, k = 0;

	while (i < n && k < cap) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			if (mirc_code(s, n, &i, st))
				continue;
			i++;
			if (c != '\t')
				continue;	/* other controls are dropped */
			out[k] = L' ';
		} else
			out[k] = utf_next(s, n, &i);
		styles[k++] = *st;
	}
	return k;
}

size_t
mirc_strip(char *out, size_t cap, const char *s)
{
	struct style st = { 0, MIRC_DEFAULT, MIRC_DEFAULT };
	size_t n = strlen(s), i = 0, k = 0;

	if (cap == 0)
		return 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			if (mirc_code(s, n, &i, &st))
				continue;
			i++;
			if (c == '\t' && k + 1 < cap)
				out[k++] = ' ';
			continue;
		}
		/* Whole characters only, so a cut never splits one. */
		size_t j = i;
		utf_next(s, n, &j);
		if (k + (j - i) >= cap)
			break;
		memcpy(out + k, s + i, j - i);
		k += j - i;
		i = j;
	}
	out[k] = '\0';
	return k;
}
