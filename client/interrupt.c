/*
 * interrupt.c: Ctrl-C. A chat client that vanishes on a stray Ctrl-C
 * (copying text, a habit from the shell) loses the conversation on
 * screen, so the first press only clears the input line (into the kill
 * buffer, Ctrl-Y brings it back) and says how to leave; a second within
 * INTERRUPT_AGAIN_MS quits. A SIGINT sent from elsewhere still quits at
 * once: the terminal no longer turns the key into one (ui.c).
 */
#include "natter.h"

static int64_t last_press;	/* monotonic ms of the last Ctrl-C; 0 none */

bool
interrupt_key(struct buffer *b, int64_t now)
{
	if (last_press != 0 && now - last_press <= INTERRUPT_AGAIN_MS) {
		last_press = 0;
		return true;
	}
	last_press = now;
	if (b->edit.len > 0) {
		edit_op(&b->edit, EDIT_END);
		edit_op(&b->edit, EDIT_KILL_BOL);
		dirty |= DIRTY_INPUT;
		buffer_addf(b, LINE_INFO, "Input cleared (Ctrl-Y brings it "
		    "back); Ctrl-C again within %ds quits, or /quit",
		    INTERRUPT_AGAIN_MS / 1000);
	} else
		buffer_addf(b, LINE_INFO, "Ctrl-C again within %ds quits, "
		    "or /quit", INTERRUPT_AGAIN_MS / 1000);
	return false;
}
