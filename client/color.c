/* color.c: whether to draw in colour, and with how many. */
#include "natter.h"

enum color_mode
color_mode(const char *no_color_env, bool no_color_flag, int colors)
{
	/* no-color.org: set to anything, even "", means no colour. */
	if (no_color_env != NULL || no_color_flag || colors < 8)
		return COLOR_NONE;
	return colors >= 256 ? COLOR_256 : COLOR_8;
}
