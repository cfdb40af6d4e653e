/*
 * libFuzzer target for the outside bytes natter reads: a server's lines,
 * framed as net.c frames them and handled by handle.c into the model,
 * then every buffer's lines laid out and wrapped as ui.c would draw them.
 * Invariants (abort on violation):
 * - nothing a server sends puts a control character on the screen;
 * - wrap_rows covers the line in order, every row fits its width unless
 *   it is a single character (with its marks) wider than the row;
 * - a nick list never holds the same nick twice.
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"
#include "net-stub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* No socket here: tests/net-stub.c stands in for net.c. */
struct options opt;

static void
check_wrap(const struct render *r, int cols)
{
	static size_t starts[RENDER_MAX + 1];
	size_t n = wrap_rows(r->w, r->n, cols, r->indent, starts, nitems(starts));
	int indent = r->indent < 0 || r->indent > cols - 2 ? 0 : r->indent;

	CHECK(n >= 1 && n <= nitems(starts));
	CHECK(starts[0] == 0);
	for (size_t k = 0; k < n; k++) {
		size_t end = k + 1 < n ? starts[k + 1] : r->n;
		int width = k == 0 ? 0 : indent;
		size_t chars = 0;

		CHECK(k == 0 || starts[k] > starts[k - 1]);
		CHECK(end <= r->n);
		for (size_t i = starts[k]; i < end; i++) {
			width += utf_width(r->w[i]);
			if (utf_width(r->w[i]) > 0)
				chars++;
		}
		/* Trailing spaces at a break may hang past the edge; they
		 * are not the row's characters either. */
		size_t e = end;
		while (e > starts[k] && r->w[e - 1] == L' ') {
			e--;
			width--;
			chars--;
		}
		CHECK(width <= (cols < 1 ? 1 : cols) || chars <= 1);
	}
}

static void
check_model(void)
{
	static struct render r;

	for (size_t i = 0; i < nwindows; i++) {
		const struct buffer *b = windows[i];

		for (size_t j = 0; j < b->nnicks; j++)
			for (size_t k = j + 1; k < b->nnicks; k++)
				CHECK(irc_casecmp(b->nicks[j].name,
				    b->nicks[k].name) != 0);
		for (uint64_t s = b->seq - b->count; s < b->seq; s++) {
			const struct line *l = buffer_line(b, s);

			CHECK(l != NULL);
			render_line(&r, l, 80);
			for (size_t c = 0; c < r.n; c++)
				CHECK(r.w[c] >= 0x20 && r.w[c] != 0x7f);
			check_wrap(&r, 80);
			check_wrap(&r, 7);
			check_wrap(&r, 1);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;
	struct frame f;
	char *line;
	size_t len;

	if (!once) {
		setlocale(LC_CTYPE, "C.UTF-8");
		log_init("fuzz_client", LOG_LEVEL_ERROR, false);
		once = true;
	}
	opt.host = "irc.test";
	opt.port = "6667";
	opt.nick = opt.user = opt.real = "alice";
	opt.join = "#lan";
	memset(&self, 0, sizeof(self));
	window_scrollback = 100;
	window_init("irc.test");
	handle_connected();

	/* As net.c reads: into the frame's space, then every whole line. */
	frame_init(&f, IRC_LINE_MAX);
	for (size_t off = 0; off < size;) {
		size_t avail, n;
		char *p = frame_space(&f, &avail);
		enum frame_status st;

		n = size - off < avail ? size - off : avail;
		memcpy(p, data + off, n);
		frame_commit(&f, n);
		off += n;
		while ((st = frame_next(&f, &line, &len)) != FRAME_NONE)
			if (st == FRAME_LINE)
				handle_line(line, len);
	}
	frame_free(&f);
	check_model();
	window_free_all();
	return 0;
}
