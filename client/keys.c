/*
 * The keyboard's bytes into keys, without curses: curses hands over
 * characters and the function keys terminfo knows; this decodes what is
 * left (Alt as ESC before a key, CSI sequences terminfo does not name)
 * and collects bracketed pastes. All its state is in struct keys, so a
 * sequence split across reads continues where it stopped.
 */
#include <stdlib.h>
#include <string.h>

#include "natter.h"

#define ESC 0x1b

void
keys_init(struct keys *k)
{
	memset(k, 0, sizeof(*k));
}

void
keys_free(struct keys *k)
{
	free(k->paste);
	keys_init(k);
}

bool
keys_idle(const struct keys *k)
{
	return k->state == KEYS_GROUND && !k->pasting;
}

/* Surrogates and values past U+10FFFF are no characters at all. */
static bool
valid_char(wint_t ch)
{
	return ch <= 0x10ffff && (ch < 0xd800 || ch > 0xdfff);
}

static void
paste_add(struct keys *k, wint_t ch)
{
	wchar_t w = (wchar_t)ch;
	char mb[8];
	size_t n;

	if (!valid_char(ch))
		return;
	n = utf_encode(&w, 1, mb, sizeof(mb));
	/* A paste that never ends stops growing here; the rest is dropped
	 * until its end arrives. */
	if (n == 0 || k->pastelen + n > KEYS_PASTE_MAX)
		return;
	if (k->pastelen + n > k->pastecap) {
		k->pastecap = k->pastecap ? k->pastecap * 2 : 4096;
		if (k->pastecap > KEYS_PASTE_MAX)
			k->pastecap = KEYS_PASTE_MAX;
		k->paste = xrealloc(k->paste, k->pastecap);
	}
	memcpy(k->paste + k->pastelen, mb, n);
	k->pastelen += n;
}

/* A complete CSI sequence (k->csi): a paste's ends, or a key. */
static struct key
csi_done(struct keys *k)
{
	struct key out = { .kind = KEYS_NONE };

	if (strcmp(k->csi, "200~") == 0) {
		if (!k->pasting) {
			k->pasting = true;
			k->pastelen = 0;
		}
		return out;
	}
	if (strcmp(k->csi, "201~") == 0) {
		if (!k->pasting)
			return out;
		k->pasting = false;
		out.kind = KEYS_PASTE;
		out.text = k->paste;
		out.len = k->pastelen;
		return out;
	}
	/* Keys inside a paste are text that happened to look like keys:
	 * never act on them. */
	if (k->pasting)
		return out;
	/* xterm's focus reports; SS3 I is keypad Tab, not focus. */
	if (!k->ss3 && (strcmp(k->csi, "I") == 0 || strcmp(k->csi, "O") == 0)) {
		out.kind = KEYS_FOCUS;
		out.focus_in = k->csi[0] == 'I';
		return out;
	}
	out.kind = KEYS_CSI;
	out.csi = k->csi;
	return out;
}

struct key
keys_feed(struct keys *k, bool func, wint_t ch)
{
	struct key out = { .kind = KEYS_NONE, .func = func, .code = ch };

	switch (k->state) {
	case KEYS_GROUND:
		break;
	case KEYS_ESC:
		k->state = KEYS_GROUND;
		if (!func && (ch == '[' || ch == 'O')) {
			k->state = KEYS_IN_CSI;
			k->csilen = 0;
			k->csi_long = false;
			k->ss3 = ch == 'O';
			return out;
		}
		if (k->pasting || (!func && !valid_char(ch)))
			return out;
		out.kind = KEYS_META;
		return out;
	case KEYS_IN_CSI:
		if (func)
			break;	/* a key curses knew cuts the sequence short */
		/* ECMA-48: parameter and intermediate bytes, then one final
		 * byte; anything else means it was not a sequence. */
		if (ch >= 0x20 && ch <= 0x3f) {
			if (k->csilen + 2 < sizeof(k->csi))
				k->csi[k->csilen++] = (char)ch;
			else
				k->csi_long = true;
			return out;
		}
		k->state = KEYS_GROUND;
		if (ch >= 0x40 && ch <= 0x7e) {
			if (k->csi_long)
				return out;
			k->csi[k->csilen++] = (char)ch;
			k->csi[k->csilen] = '\0';
			return csi_done(k);
		}
		if (ch == ESC)
			k->state = KEYS_ESC;
		return out;
	}

	k->state = KEYS_GROUND;
	if (!func && ch == ESC) {
		k->state = KEYS_ESC;
		return out;
	}
	if (func) {
		out.kind = KEYS_FUNC;
		return out;
	}
	if (k->pasting) {
		paste_add(k, ch);
		return out;
	}
	if (valid_char(ch))
		out.kind = KEYS_CHAR;
	return out;
}
