/*
 * libFuzzer target for the keyboard's bytes, which a paste fills with
 * anything at all: keys_feed (client/keys.c) on a stream of characters
 * and curses function keys. The input is UTF-8 (a byte that is not reads
 * as Latin-1, as from a terminal that sends it); 0xfe then a byte is a
 * function key, 0xfd then three bytes a raw code point, valid or not.
 * Invariants (abort on violation):
 * - a paste never holds more than KEYS_PASTE_MAX bytes, and is UTF-8;
 * - a CSI key is parameters and intermediates then one final byte, NUL-
 *   terminated within KEYS_CSI_MAX, and never comes from inside a paste;
 * - a character key is a character: no surrogate, nothing past U+10FFFF,
 *   never the ESC that starts a sequence.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static void
check_key(const struct keys *k, const struct key *key, bool was_pasting)
{
	CHECK(k->pastelen <= KEYS_PASTE_MAX);
	CHECK(k->pastelen <= k->pastecap || k->pastecap == 0);
	CHECK(k->csilen < KEYS_CSI_MAX);
	switch (key->kind) {
	case KEYS_CSI: {
		size_t n = strnlen(key->csi, KEYS_CSI_MAX);
		CHECK(n > 0 && n < KEYS_CSI_MAX);
		CHECK(key->csi[n - 1] >= 0x40 && key->csi[n - 1] <= 0x7e);
		for (size_t i = 0; i + 1 < n; i++)
			CHECK(key->csi[i] >= 0x20 && key->csi[i] <= 0x3f);
		CHECK(!was_pasting && !k->pasting);
		break;
	}
	case KEYS_PASTE:
		CHECK(was_pasting && !k->pasting);
		CHECK(key->len <= KEYS_PASTE_MAX);
		CHECK(key->len == 0 || utf8_valid(key->text, key->len));
		break;
	case KEYS_CHAR:
		CHECK(!key->func && key->code != 0x1b);
		CHECK(key->code <= 0x10ffff &&
		    (key->code < 0xd800 || key->code > 0xdfff));
		CHECK(!k->pasting);
		break;
	case KEYS_FOCUS:
		CHECK(!was_pasting && !k->pasting);
		break;
	case KEYS_META:
	case KEYS_FUNC:
	case KEYS_NONE:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct keys k;
	size_t i = 0;

	keys_init(&k);
	while (i < size) {
		bool func = false, was_pasting = k.pasting;
		wint_t ch;

		if (data[i] == 0xfe && i + 1 < size) {
			func = true;
			ch = 0400 + data[i + 1];
			i += 2;
		} else if (data[i] == 0xfd && i + 3 < size) {
			ch = (wint_t)data[i + 1] << 16 | (wint_t)data[i + 2] << 8 |
			    data[i + 3];
			i += 4;
		} else
			ch = (wint_t)utf_next(s, size, &i);
		struct key key = keys_feed(&k, func, ch);
		check_key(&k, &key, was_pasting);
	}
	keys_free(&k);
	return 0;
}
