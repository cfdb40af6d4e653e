/*
 * color.c: whether to draw in colour, with how many, and which of the
 * 256 for each mIRC colour. xterm's own choices for mIRC 2 and 12 (19
 * and 21) are dark blues at 1.6:1 and 2.4:1 on black, unreadable; the
 * tables below keep every colour at 3:1 or more (WCAG 2's contrast
 * ratio, which tests/check_client_usage.c computes) against black and
 * white alike by default, or against the background --background names,
 * which lets them be truer there.
 */
#include <string.h>

#include "natter.h"

static const short palette[3][16] = {
	/* white, black, navy, green, red, maroon, purple, orange,
	 * yellow, light green, teal, cyan, light blue, pink, grey,
	 * light grey */
	[BACKGROUND_ANY] = { 246, 241, 26, 28, 196, 130, 127, 166, 136, 64,
	    30, 31, 33, 201, 243, 245 },
	[BACKGROUND_DARK] = { 231, 243, 63, 34, 196, 130, 164, 208, 226, 46,
	    37, 51, 75, 201, 244, 250 },
	[BACKGROUND_LIGHT] = { 245, 16, 18, 28, 160, 88, 127, 166, 136, 64,
	    30, 31, 21, 163, 243, 246 },
};

static const char *const background_names[] = {
	[BACKGROUND_ANY] = "any",
	[BACKGROUND_DARK] = "dark",
	[BACKGROUND_LIGHT] = "light",
};

int
color_background(const char *name)
{
	for (size_t i = 0; i < nitems(background_names); i++)
		if (strcmp(name, background_names[i]) == 0)
			return (int)i;
	return -1;
}

int
color_256(int mirc, enum background bg)
{
	if (mirc < 0 || mirc > 15 || (unsigned)bg >= nitems(palette))
		return -1;
	return palette[bg][mirc];
}

enum color_mode
color_mode(const char *no_color_env, bool no_color_flag, int colors)
{
	/* no-color.org: set to anything, even "", means no colour. */
	if (no_color_env != NULL || no_color_flag || colors < 8)
		return COLOR_NONE;
	return colors >= 256 ? COLOR_256 : COLOR_8;
}
