/*
 * Check tests for natter's pure modules: utf, mirc, wrap (and the line
 * layout), edit, keys, window (scrollback, views, nick lists), command
 * and handle. tests/net-stub.c stands in for net.c and records what
 * would be sent.
 */
#include <check.h>
#include <fcntl.h>
#include <locale.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natter.h"
#include "net-stub.h"

/* Bytes the program has allocated: from the sanitizer's allocator when
 * there is one (malloc's own arena is not used then). */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_ASAN 1
#endif
#endif
#ifdef HEAP_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

static size_t
heap_used(void)
{
#ifdef HEAP_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

struct options opt;

static void
setup(void)
{
	net_stub_reset();
	net_stub_fd = 3;	/* connected */
	opt.host = "irc.test";
	opt.port = "6667";
	opt.nick = opt.user = "alice";
	opt.real = "Alice";
	opt.join = "#lan";
	memset(&self, 0, sizeof(self));
	str_copy(self.nick, "alice", sizeof(self.nick));
	str_copy(self.prefix_chars, "~&@%+", sizeof(self.prefix_chars));
	str_copy(self.prefix_modes, "qaohv", sizeof(self.prefix_modes));
	self.registered = true;
	window_scrollback = 100;
	window_init("server");
}

static void
teardown(void)
{
	window_free_all();
}

/* The newest line of b, or NULL. */
static const struct line *
last_line(const struct buffer *b)
{
	return b->seq == 0 ? NULL : buffer_line(b, b->seq - 1);
}

/* --- utf */

START_TEST(test_utf_roundtrip)
{
	const char *s = "héllo 日本 😀 e\xcc\x81";
	wchar_t w[64];
	char back[64];
	size_t n = utf_decode(s, strlen(s), w, 64);

	ck_assert_uint_eq(n, 13);
	ck_assert_int_eq(w[1], 0xe9);
	ck_assert_int_eq(w[6], 0x65e5);
	ck_assert_int_eq(w[9], 0x1f600);
	utf_encode(w, n, back, sizeof(back));
	ck_assert_str_eq(back, s);
	/* Too small: never a split character. */
	ck_assert_uint_eq(utf_encode(w, n, back, 3), 1);
	ck_assert_str_eq(back, "h");
}
END_TEST

START_TEST(test_utf_invalid_is_latin1)
{
	wchar_t w[8];
	size_t n = utf_decode("a\xe9z\xc3", 4, w, 8);

	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(w[1], 0xe9);
	ck_assert_int_eq(w[3], 0xc3);
}
END_TEST

START_TEST(test_utf_width)
{
	ck_assert_int_eq(utf_width(L'a'), 1);
	ck_assert_int_eq(utf_width(0x65e5), 2);
	ck_assert_int_eq(utf_width(0x301), 0);
	ck_assert_int_eq(utf_width(0x7), 1);	/* unprintable: drawn as one */
}
END_TEST

/* --- mirc */

static size_t
decode(const char *s, wchar_t *w, struct style *st)
{
	struct style cur = { 0, MIRC_DEFAULT, MIRC_DEFAULT };

	return mirc_decode(s, strlen(s), &cur, w, st, 128);
}

START_TEST(test_utf_clean)
{
	char out[64];

	/* An OSC title, an erase, C1 CSI (U+009B), a raw C1 byte, BEL, DEL
	 * and a stray 0xff: only the text is left. */
	const char *evil = "\033]0;t\007\033[2Jgo\xc2\x9b" "1m\x9bne\x7f \xff" "caf\xc3\xa9\ttea";
	ck_assert_uint_eq(utf_clean(out, sizeof(out), evil, strlen(evil)),
	    strlen("]0;t[2Jgo1mne café tea"));
	ck_assert_str_eq(out, "]0;t[2Jgo1mne café tea");
	/* Wide characters and U+00A0 and beyond stay. */
	ck_assert_uint_eq(utf_clean(out, sizeof(out), "日本\xc2\xa0x", 9), 9);
	/* Cut to fit, never inside a character. */
	ck_assert_uint_eq(utf_clean(out, 5, "ab日本", 8), 2);
	ck_assert_str_eq(out, "ab");
	ck_assert_uint_eq(utf_clean(out, 1, "abc", 3), 0);
	ck_assert_str_eq(out, "");
	/* A truncated sequence at the end is dropped too. */
	ck_assert_uint_eq(utf_clean(out, sizeof(out), "ok\xe6\x97", 4), 2);
	/* In place. */
	str_copy(out, "\033[1ma\xc2\x9b\xff" "b\tc", sizeof(out));
	ck_assert_uint_eq(utf_clean(out, sizeof(out), out, strlen(out)), 7);
	ck_assert_str_eq(out, "[1mab c");
}
END_TEST

START_TEST(test_mirc_attributes)
{
	wchar_t w[128];
	struct style st[128];
	size_t n = decode("a\x02" "b\x1d" "c\x1f" "d\x16" "e\x0f" "f", w, st);

	ck_assert_uint_eq(n, 6);
	ck_assert(wmemcmp(w, L"abcdef", 6) == 0);
	ck_assert_int_eq(st[0].attr, 0);
	ck_assert_int_eq(st[1].attr, MIRC_BOLD);
	ck_assert_int_eq(st[2].attr, MIRC_BOLD | MIRC_ITALIC);
	ck_assert_int_eq(st[3].attr, MIRC_BOLD | MIRC_ITALIC | MIRC_UNDERLINE);
	ck_assert_int_eq(st[4].attr,
	    MIRC_BOLD | MIRC_ITALIC | MIRC_UNDERLINE | MIRC_REVERSE);
	ck_assert_int_eq(st[5].attr, 0);
}
END_TEST

START_TEST(test_mirc_colors)
{
	wchar_t w[128];
	struct style st[128];
	size_t n = decode("\x03" "4,12red\x03" "x\x03" "7,y\x03" "99z", w, st);

	ck_assert_uint_eq(n, 7);
	ck_assert(wmemcmp(w, L"redx,yz", 7) == 0);
	ck_assert_int_eq(st[0].fg, 4);
	ck_assert_int_eq(st[0].bg, 12);
	ck_assert_int_eq(st[3].fg, MIRC_DEFAULT);	/* bare \3 resets */
	ck_assert_int_eq(st[3].bg, MIRC_DEFAULT);
	ck_assert_int_eq(st[4].fg, 7);		/* "," without a digit is text */
	ck_assert_int_eq(st[4].bg, MIRC_DEFAULT);
	ck_assert_int_eq(w[4], L',');
	ck_assert_int_eq(st[6].fg, MIRC_DEFAULT);	/* 99 is the default */
}
END_TEST

START_TEST(test_mirc_controls_never_raw)
{
	wchar_t w[128];
	struct style st[128];
	size_t n = decode("a\tb\x01\x07\x1b[31mc\x04" "ff00ff" "d\x7f", w, st);

	ck_assert_uint_eq(n, 9);
	ck_assert(wmemcmp(w, L"a b[31mcd", 9) == 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_ge(w[i], 0x20);
}
END_TEST

START_TEST(test_mirc_strip)
{
	char out[64];

	mirc_strip(out, sizeof(out), "\x02" "bold\x02 \x03" "4,1red\x03 \x1fu\x0f!");
	ck_assert_str_eq(out, "bold red u!");
	/* A cut never splits a character. */
	mirc_strip(out, 4, "ab\xc3\xa9");
	ck_assert_str_eq(out, "ab");
}
END_TEST

/* --- wrap */

static size_t
wrap(const wchar_t *w, int cols, int indent, size_t *starts)
{
	return wrap_rows(w, wcslen(w), cols, indent, starts, 32);
}

START_TEST(test_wrap_words)
{
	size_t s[32];

	ck_assert_uint_eq(wrap(L"hello world foo", 11, 0, s), 2);
	ck_assert_uint_eq(s[1], 12);	/* "foo" moves down whole */
	ck_assert_uint_eq(wrap(L"hello world", 20, 0, s), 1);
	/* Hanging indent: rows after the first have cols - indent. */
	ck_assert_uint_eq(wrap(L"aaaa bbbb cccc dddd", 10, 4, s), 3);
	ck_assert_uint_eq(s[1], 10);
	ck_assert_uint_eq(s[2], 15);
	/* No break inside the prefix: "ab cdefgh" with a 3-column prefix
	 * fills the first row rather than leaving "ab " alone. */
	ck_assert_uint_eq(wrap(L"ab cdefgh", 6, 3, s), 2);
	ck_assert_uint_eq(s[1], 6);
}
END_TEST

START_TEST(test_wrap_long_word)
{
	size_t s[32];

	ck_assert_uint_eq(wrap(L"abcdefghij", 4, 0, s), 3);
	ck_assert_uint_eq(s[1], 4);
	ck_assert_uint_eq(s[2], 8);
	/* Too narrow for the indent: it goes, and progress is made. */
	ck_assert_uint_eq(wrap(L"abcdef", 3, 2, s), 2);
	ck_assert_uint_eq(wrap(L"", 10, 0, s), 1);
}
END_TEST

START_TEST(test_wrap_wide_and_combining)
{
	size_t s[32];

	/* Six two-column characters in five columns: two per row. */
	ck_assert_uint_eq(wrap(L"日本語日本語", 5, 0, s), 3);
	ck_assert_uint_eq(s[1], 2);
	ck_assert_uint_eq(s[2], 4);
	/* e + combining acute, four times, three columns: the mark stays. */
	ck_assert_uint_eq(wrap(L"e\x301" L"e\x301" L"e\x301" L"e\x301", 3, 0, s), 2);
	ck_assert_uint_eq(s[1], 6);
	/* A wide character wider than the row still goes somewhere. */
	ck_assert_uint_eq(wrap(L"日本", 1, 0, s), 2);
}
END_TEST

START_TEST(test_render_layout)
{
	struct buffer *b = window_server();
	struct render r;
	char text[256];
	int64_t t = (13 * 3600 + 45 * 60) * 1000LL;	/* 13:45 UTC */

	buffer_add(b, t, LINE_MSG, 0, "bob", "hi \x02there\x02");
	render_line(&r, last_line(b), 80);
	utf_encode(r.w, r.n, text, sizeof(text));
	ck_assert_str_eq(text, "13:45 <bob> hi there");
	ck_assert_int_eq(r.indent, 12);
	ck_assert_int_eq(r.st[7].fg, render_nick_color("bob"));
	ck_assert_int_eq(r.st[17].attr & MIRC_BOLD, MIRC_BOLD);
	buffer_add(b, t, LINE_ACTION, 0, "bob", "waves");
	render_line(&r, last_line(b), 80);
	utf_encode(r.w, r.n, text, sizeof(text));
	ck_assert_str_eq(text, "13:45 * bob waves");
	buffer_add(b, t, LINE_EVENT, 0, "", "bob joined");
	render_line(&r, last_line(b), 80);
	ck_assert(r.st[8].attr & MIRC_DIM);
	/* The indent is capped so narrow screens still have room. */
	buffer_add(b, t, LINE_MSG, 0, "averyveryverylongnickname", "x");
	render_line(&r, last_line(b), 20);
	ck_assert_int_eq(r.indent, 10);
	ck_assert_int_eq(render_nick_color("Bob"), render_nick_color("bob"));
}
END_TEST

/* --- edit */

static void
type(struct edit *e, const wchar_t *s)
{
	while (*s != L'\0')
		ck_assert(edit_insert(e, *s++));
}

static const char *
line(const struct edit *e)
{
	static char buf[EDIT_MAX * 4 + 1];

	edit_get(e, buf, sizeof(buf));
	return buf;
}

START_TEST(test_edit_moves)
{
	struct edit e = { 0 };

	type(&e, L"one two three");
	edit_op(&e, EDIT_WORD_LEFT);
	ck_assert_uint_eq(e.pos, 8);
	edit_op(&e, EDIT_WORD_LEFT);
	ck_assert_uint_eq(e.pos, 4);
	edit_op(&e, EDIT_WORD_RIGHT);
	ck_assert_uint_eq(e.pos, 7);
	edit_op(&e, EDIT_HOME);
	edit_op(&e, EDIT_RIGHT);
	edit_insert(&e, L'X');
	ck_assert_str_eq(line(&e), "oXne two three");
	edit_op(&e, EDIT_BACKSPACE);
	edit_op(&e, EDIT_DELETE);
	ck_assert_str_eq(line(&e), "oe two three");
	edit_op(&e, EDIT_END);
	ck_assert_uint_eq(e.pos, e.len);
	edit_op(&e, EDIT_RIGHT);	/* at the end: nothing */
	ck_assert_uint_eq(e.pos, e.len);
	edit_free(&e);
}
END_TEST

START_TEST(test_edit_kill_yank)
{
	struct edit e = { 0 }, other = { 0 };

	type(&e, L"hello big world");
	edit_op(&e, EDIT_KILL_WORD_BACK);
	ck_assert_str_eq(line(&e), "hello big ");
	edit_op(&e, EDIT_YANK);
	ck_assert_str_eq(line(&e), "hello big world");
	edit_op(&e, EDIT_HOME);
	edit_op(&e, EDIT_KILL_WORD_FWD);
	ck_assert_str_eq(line(&e), " big world");
	edit_op(&e, EDIT_WORD_RIGHT);
	edit_op(&e, EDIT_KILL_EOL);
	ck_assert_str_eq(line(&e), " big");
	edit_op(&e, EDIT_KILL_BOL);
	ck_assert_str_eq(line(&e), "");
	/* The kill buffer is shared: yank into another buffer's line. */
	edit_op(&other, EDIT_YANK);
	ck_assert_str_eq(line(&other), " big");
	edit_free(&e);
	edit_free(&other);
}
END_TEST

START_TEST(test_edit_wide_and_combining)
{
	struct edit e = { 0 };

	type(&e, L"e\x301x日");
	edit_op(&e, EDIT_HOME);
	edit_op(&e, EDIT_RIGHT);	/* over e and its mark at once */
	ck_assert_uint_eq(e.pos, 2);
	edit_op(&e, EDIT_LEFT);
	ck_assert_uint_eq(e.pos, 0);
	edit_op(&e, EDIT_DELETE);	/* deletes the base with its mark */
	ck_assert_str_eq(line(&e), "x日");
	edit_free(&e);
}
END_TEST

START_TEST(test_edit_history)
{
	struct edit e = { 0 };
	char out[64];

	type(&e, L"first");
	ck_assert_uint_eq(edit_take(&e, out, sizeof(out)), 5);
	ck_assert_str_eq(out, "first");
	type(&e, L"second");
	edit_take(&e, out, sizeof(out));
	type(&e, L"draft");
	edit_op(&e, EDIT_HIST_PREV);
	ck_assert_str_eq(line(&e), "second");
	edit_op(&e, EDIT_HIST_PREV);
	ck_assert_str_eq(line(&e), "first");
	edit_op(&e, EDIT_HIST_PREV);	/* the oldest: stays */
	ck_assert_str_eq(line(&e), "first");
	edit_op(&e, EDIT_HIST_NEXT);
	edit_op(&e, EDIT_HIST_NEXT);
	ck_assert_str_eq(line(&e), "draft");	/* what was being typed */
	ck_assert_uint_eq(edit_take(&e, out, sizeof(out)), 5);
	ck_assert_uint_eq(edit_take(&e, out, sizeof(out)), 0);
	ck_assert_uint_eq(e.nhist, 3);
	edit_free(&e);
}
END_TEST

START_TEST(test_edit_history_cap)
{
	struct edit e = { 0 };
	char out[32];

	for (int i = 0; i < EDIT_HIST_MAX + 10; i++) {
		wchar_t w[16];
		swprintf(w, 16, L"line %d", i);
		type(&e, w);
		edit_take(&e, out, sizeof(out));
	}
	ck_assert_uint_eq(e.nhist, EDIT_HIST_MAX);
	ck_assert_str_eq(e.hist[0], "line 10");
	edit_free(&e);
}
END_TEST

START_TEST(test_edit_full)
{
	struct edit e = { 0 };

	for (int i = 0; i < EDIT_MAX; i++)
		ck_assert(edit_insert(&e, L'a'));
	ck_assert(!edit_insert(&e, L'b'));
	edit_free(&e);
}
END_TEST

START_TEST(test_edit_view)
{
	struct edit e = { 0 };

	type(&e, L"abcdefghij");
	ck_assert_int_eq(edit_view(&e, 20), 10);
	ck_assert_uint_eq(e.scroll, 0);
	/* Six columns: the cursor sits in the last one. */
	ck_assert_int_eq(edit_view(&e, 6), 5);
	ck_assert_uint_eq(e.scroll, 5);
	edit_op(&e, EDIT_HOME);
	ck_assert_int_eq(edit_view(&e, 6), 0);
	ck_assert_uint_eq(e.scroll, 0);
	edit_free(&e);
	/* Wide characters count two columns each. */
	type(&e, L"日本語日本");
	ck_assert_int_eq(edit_view(&e, 6), 4);
	ck_assert_uint_eq(e.scroll, 3);
	edit_free(&e);
}
END_TEST

/* --- window */

START_TEST(test_window_ring)
{
	struct buffer *b = window_open("#c", BUFFER_CHANNEL);
	char text[32];

	ck_assert_uint_eq(b->cap, 100);
	for (int i = 0; i < 250; i++) {
		snprintf(text, sizeof(text), "line %d", i);
		buffer_add(b, 0, LINE_MSG, 0, "bob", text);
	}
	ck_assert_uint_eq(b->count, 100);
	ck_assert_uint_eq(b->seq, 250);
	ck_assert_ptr_null(buffer_line(b, 149));
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, 150)), "line 150");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, 249)), "line 249");
	ck_assert_str_eq(LINE_NICK(buffer_line(b, 249)), "bob");
	ck_assert_ptr_null(buffer_line(b, 250));
	buffer_clear(b);
	ck_assert_uint_eq(b->count, 0);
	ck_assert_ptr_null(buffer_line(b, 249));
}
END_TEST

START_TEST(test_window_line_overhead)
{
	/* Per line: the header, one ring slot and malloc's own header must
	 * stay well under the 200 bytes per scrollback line of the README's
	 * client target (RSS growth per scrollback line). */
	ck_assert_uint_eq(sizeof(struct line), 16);
	ck_assert_uint_lt(sizeof(struct line) + sizeof(struct line *) + 16 +
	    IRC_NICK_MAX + 2, 200);
}
END_TEST

START_TEST(test_window_long_text_cut)
{
	struct buffer *b = window_server();
	char text[LINE_TEXT_MAX + 100];

	memset(text, 'a', sizeof(text) - 3);
	memcpy(text + LINE_TEXT_MAX - 1, "\xc3\xa9", 2);	/* straddles the cap */
	text[sizeof(text) - 1] = '\0';
	buffer_add(b, 0, LINE_INFO, 0, "", text);
	ck_assert_uint_eq(strlen(LINE_TEXT(last_line(b))), LINE_TEXT_MAX - 1);
}
END_TEST

START_TEST(test_window_activity)
{
	struct buffer *c = window_open("#c", BUFFER_CHANNEL);
	struct buffer *q = window_open("bob", BUFFER_QUERY);

	ck_assert_ptr_eq(window_current(), window_server());
	buffer_add(c, 0, LINE_EVENT, 0, "", "x joined");
	ck_assert_int_eq(c->activity, ACT_EVENT);
	ck_assert_uint_eq(c->unread, 0);
	buffer_add(c, 0, LINE_MSG, 0, "x", "hi");
	ck_assert_int_eq(c->activity, ACT_MSG);
	ck_assert_uint_eq(c->unread, 1);
	buffer_add(c, 0, LINE_MSG, LINE_HIGHLIGHT, "x", "alice: hi");
	ck_assert_int_eq(c->activity, ACT_HOT);
	buffer_add(q, 0, LINE_MSG, 0, "bob", "psst");
	ck_assert_int_eq(q->activity, ACT_HOT);	/* private: always hot */
	window_select(window_index(c));
	ck_assert_int_eq(c->activity, ACT_NONE);
	ck_assert_uint_eq(c->unread, 0);
	ck_assert_ptr_eq(window_find("#C"), c);
	ck_assert_ptr_eq(window_open("#c", BUFFER_CHANNEL), c);
	window_close(window_index(c));
	ck_assert_ptr_null(window_find("#c"));
	ck_assert_uint_eq(nwindows, 2);
	window_close(0);	/* the server buffer stays */
	ck_assert_uint_eq(nwindows, 2);
}
END_TEST

START_TEST(test_window_day_lines)
{
	struct buffer *b = window_open("#c", BUFFER_CHANNEL);
	const int64_t fri = 1796385600000LL;	/* 2026-12-04 12:00 UTC */
	const int64_t day = 24 * 3600 * 1000LL;
	char text[64];

	ck_assert_uint_eq(window_day_text(text, sizeof(text), fri), 22);
	ck_assert_str_eq(text, "Friday 4 December 2026");
	ck_assert_uint_eq(window_day_text(text, 10, fri), 0);
	ck_assert(window_same_day(fri, fri + 11 * 3600 * 1000LL));
	ck_assert(!window_same_day(fri, fri + 12 * 3600 * 1000LL));
	/* Old history: its day first; more of the day, no second line. */
	buffer_add(b, fri, LINE_MSG, 0, "bob", "old");
	buffer_add(b, fri + 1000, LINE_MSG, 0, "bob", "old too");
	ck_assert_uint_eq(b->count, 3);
	ck_assert_int_eq(buffer_line(b, 0)->kind, LINE_DAY);
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, 0)), "Friday 4 December 2026");
	/* The next day: a line between; lines without a time: none. */
	buffer_add(b, fri + day, LINE_MSG, 0, "bob", "next");
	ck_assert_int_eq(buffer_line(b, 3)->kind, LINE_DAY);
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, 3)), "Saturday 5 December 2026");
	buffer_add(b, 0, LINE_INFO, 0, "", "no time");
	buffer_add(b, fri + 2 * day, LINE_INFO, 0, "", "after a timeless line");
	ck_assert_uint_eq(b->count, 7);
	/* Day lines are not activity. */
	ck_assert_uint_eq(b->unread, 3);
	/* Today's first line has no day line above it. */
	struct buffer *q = window_open("bob", BUFFER_QUERY);
	buffer_add(q, time_now_ms(), LINE_MSG, 0, "bob", "now");
	ck_assert_uint_eq(q->count, 1);
	/* The rendering: the day alone, no time stamp. */
	static struct render r;
	render_line(&r, buffer_line(b, 3), 80);
	char out[128];
	size_t k = 0;
	for (size_t i = 0; i < r.n; i++)
		k += (size_t)wctomb(out + k, r.w[i]);
	out[k] = '\0';
	ck_assert_str_eq(out, "── Saturday 5 December 2026 ──");
}
END_TEST

/* History fetched after a rejoin goes above the rejoin, by time, under
 * a "missed lines" mark; the view stays on the line it showed. */
START_TEST(test_window_merge_by_time)
{
	struct buffer *b = window_open("#c", BUFFER_CHANNEL);
	const int64_t t = time_now_ms() - 60000;
	struct chathist_line gap[] = {
		{ t + 2000, LINE_MSG, 0, "bob", "missed one", "g1" },
		{ t + 3000, LINE_MSG, 0, "bob", "missed two", NULL },
		{ t + 9000, LINE_MSG, 0, "bob", "after the join", NULL },
	};
	const char *want[] = { "before", "3 missed lines", "missed one",
	    "missed two", "alice joined", "after the join", "live" };

	buffer_add(b, t, LINE_MSG, 0, "bob", "before");
	buffer_add(b, t + 5000, LINE_EVENT, 0, "", "alice joined");
	buffer_add(b, t + 10000, LINE_MSG, 0, "bob", "live");
	b->log.next_seq = b->seq;	/* all logged */
	buffer_scroll(b, 1, 80);	/* the view on "alice joined" */
	const struct line *shown = buffer_line(b, b->anchor);
	ck_assert_str_eq(LINE_TEXT(shown), "alice joined");
	uint64_t seq = b->seq;
	unsigned unread = b->unread;

	ck_assert_uint_eq(buffer_merge(b, gap, 3, true), 3);
	ck_assert_uint_eq(b->count, 7);
	ck_assert_uint_eq(b->seq, seq + 4);
	for (size_t i = 0; i < nitems(want); i++)
		ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - 7 + i)),
		    want[i]);
	ck_assert_int_eq(buffer_line(b, b->seq - 6)->kind, LINE_GAP);
	ck_assert_str_eq(LINE_MSGID(buffer_line(b, b->seq - 5)), "g1");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->anchor)), "alice joined");
	/* The log takes the merged lines from the first of them on. */
	ck_assert_uint_eq(b->log.next_seq, b->seq - 6);
	ck_assert_uint_eq(b->unread, unread + 3);

	/* Without a gap (the first join's LATEST) no mark; a day line goes
	 * above history of another day, and the join's day line below it. */
	struct buffer *c = window_open("#d", BUFFER_CHANNEL);
	const int64_t old = time_now_ms() - 3 * 24 * 3600 * 1000LL;
	struct chathist_line latest[] = {
		{ old, LINE_MSG, 0, "bob", "days ago", NULL },
	};
	buffer_add(c, time_now_ms(), LINE_EVENT, 0, "", "alice joined");
	ck_assert_uint_eq(buffer_merge(c, latest, 1, false), 1);
	ck_assert_uint_eq(c->count, 4);
	ck_assert_int_eq(buffer_line(c, c->seq - 4)->kind, LINE_DAY);
	ck_assert_str_eq(LINE_TEXT(buffer_line(c, c->seq - 3)), "days ago");
	ck_assert_int_eq(buffer_line(c, c->seq - 2)->kind, LINE_DAY);
	ck_assert_str_eq(LINE_TEXT(buffer_line(c, c->seq - 1)), "alice joined");
	ck_assert_uint_eq(buffer_merge(c, latest, 0, true), 0);
	ck_assert_uint_eq(c->count, 4);
}
END_TEST

START_TEST(test_window_scroll)
{
	struct buffer *b = window_server();
	char text[32];

	for (int i = 0; i < 50; i++) {
		snprintf(text, sizeof(text), "line %d", i);
		buffer_add(b, 0, LINE_INFO, 0, "", text);
	}
	buffer_scroll(b, -5, 80);	/* down at the bottom: nothing */
	ck_assert(!b->scrolled);
	buffer_scroll(b, 10, 80);	/* one row per line at 80 columns */
	ck_assert(b->scrolled);
	ck_assert_uint_eq(b->anchor, 39);
	ck_assert_uint_eq(buffer_unseen(b), 10);
	/* New lines keep the view where it is. */
	buffer_add(b, 0, LINE_INFO, 0, "", "new");
	ck_assert_uint_eq(b->anchor, 39);
	ck_assert_uint_eq(buffer_unseen(b), 11);
	buffer_scroll(b, -4, 80);
	ck_assert_uint_eq(b->anchor, 43);
	buffer_scroll(b, -100, 80);
	ck_assert(!b->scrolled);
	ck_assert_uint_eq(buffer_unseen(b), 0);
	buffer_scroll_top(b, 80);
	ck_assert_uint_eq(b->anchor, 0);
	buffer_scroll(b, 1000, 80);	/* past the top: stays at the top */
	ck_assert_uint_eq(b->anchor, 0);
	buffer_scroll_bottom(b);
	ck_assert(!b->scrolled);
}
END_TEST

START_TEST(test_window_scroll_wrapped_rows)
{
	struct buffer *b = window_server();

	/* "HH:MM " + 30 characters in 20 columns: 3 rows (14 + 14 + 2). */
	buffer_add(b, 0, LINE_INFO, 0, "", "short");
	buffer_add(b, 0, LINE_INFO, 0, "", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ck_assert_uint_eq(render_rows(last_line(b), 20), 3);
	buffer_scroll(b, 1, 20);
	ck_assert_uint_eq(b->anchor, 1);
	ck_assert_uint_eq(b->skip, 1);
	buffer_scroll(b, 2, 20);	/* the last row of "short" */
	ck_assert_uint_eq(b->anchor, 0);
	ck_assert_uint_eq(b->skip, 0);
	buffer_scroll(b, -3, 20);
	ck_assert(!b->scrolled);
}
END_TEST

START_TEST(test_nick_list)
{
	struct buffer *b = window_open("#c", BUFFER_CHANNEL);

	nick_add(b, "zed", "");
	nick_add(b, "Bob", "+");
	nick_add(b, "carol", "@");
	nick_add(b, "amy", "");
	nick_add(b, "dan", "@+");
	ck_assert_uint_eq(b->nnicks, 5);
	ck_assert_str_eq(b->nicks[0].name, "carol");	/* ops first, by name */
	ck_assert_str_eq(b->nicks[1].name, "dan");
	ck_assert_str_eq(b->nicks[2].name, "Bob");	/* then voice */
	ck_assert_str_eq(b->nicks[3].name, "amy");
	ck_assert_str_eq(b->nicks[4].name, "zed");
	nick_set_prefix(b, "zed", '@', true);
	ck_assert_str_eq(b->nicks[2].name, "zed");
	nick_set_prefix(b, "dan", '@', false);
	ck_assert_str_eq(nick_find(b, "DAN")->prefix, "+");
	ck_assert(nick_rename(b, "amy", "aaron"));
	ck_assert_ptr_nonnull(nick_find(b, "aaron"));
	ck_assert_ptr_null(nick_find(b, "amy"));
	ck_assert(nick_remove(b, "bob"));
	ck_assert(!nick_remove(b, "bob"));
	nick_add(b, "aaron", "@");	/* an update, not a duplicate */
	ck_assert_uint_eq(b->nnicks, 4);
	/* A hostile server renames onto a listed nick: still one entry. */
	ck_assert(nick_rename(b, "zed", "CAROL"));
	ck_assert_uint_eq(b->nnicks, 3);
	ck_assert_str_eq(nick_find(b, "carol")->name, "CAROL");
	/* Overlong nicks are kept cut, and found again as cut. */
	nick_add(b, "n234567890123456789012345678901234567890", "");
	nick_add(b, "n234567890123456789012345678901234567890", "+");
	ck_assert_uint_eq(b->nnicks, 4);
	nick_clear(b);
	ck_assert_uint_eq(b->nnicks, 0);
}
END_TEST

/* --- command */

START_TEST(test_command_find)
{
	bool amb;

	ck_assert_str_eq(command_find("join", &amb)->name, "join");
	ck_assert_str_eq(command_find("JOIN", &amb)->name, "join");
	ck_assert_str_eq(command_find("j", &amb)->name, "join");
	ck_assert_str_eq(command_find("me", &amb)->name, "me");	/* exact wins */
	ck_assert_str_eq(command_find("who", &amb)->name, "who");
	ck_assert_ptr_null(command_find("wh", &amb));	/* who, whois, whowas */
	ck_assert(amb);
	ck_assert_ptr_null(command_find("de", &amb));	/* delete, deop, devoice */
	ck_assert(amb);
	/* The short names irssi and WeeChat both give commands. */
	ck_assert_str_eq(command_find("q", &amb)->name, "query");
	ck_assert_str_eq(command_find("w", &amb)->name, "who");
	ck_assert_str_eq(command_find("wi", &amb)->name, "whois");
	ck_assert_str_eq(command_find("ww", &amb)->name, "whowas");
	ck_assert_str_eq(command_find("m", &amb)->name, "msg");
	ck_assert_str_eq(command_find("n", &amb)->name, "names");
	ck_assert_str_eq(command_find("c", &amb)->name, "clear");
	ck_assert_str_eq(command_find("CL", &amb)->name, "clear");
	ck_assert_str_eq(command_find("k", &amb)->name, "kick");
	ck_assert_str_eq(command_find("t", &amb)->name, "topic");
	ck_assert_str_eq(command_find("leave", &amb)->name, "part");
	ck_assert_str_eq(command_find("bye", &amb)->name, "quit");
	ck_assert_str_eq(command_find("exit", &amb)->name, "quit");
	ck_assert_ptr_null(command_find("frob", &amb));
	ck_assert(!amb);
	/* The table is sorted, as /help lists it. */
	for (size_t i = 1; i < ncommands; i++)
		ck_assert_int_lt(strcmp(commands[i - 1].name, commands[i].name), 0);
}
END_TEST

START_TEST(test_command_text)
{
	struct buffer *c = window_open("#c", BUFFER_CHANNEL);

	command_run(c, "hello there");
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "PRIVMSG #c :hello there");
	/* Without echo-message our line shows at once. */
	ck_assert_str_eq(LINE_TEXT(last_line(c)), "hello there");
	ck_assert_int_eq(last_line(c)->flags, LINE_SELF);
	command_run(c, "//etc/motd is /literal");
	ck_assert_str_eq(net_sent[1], "PRIVMSG #c :/etc/motd is /literal");
	/* With echo-message the server's copy is shown instead. */
	self.caps |= CAP_ECHO;
	uint64_t seq = c->seq;
	command_run(c, "echoed");
	ck_assert_str_eq(net_sent[2], "PRIVMSG #c :echoed");
	ck_assert_uint_eq(c->seq, seq);
	/* Text in the server buffer goes nowhere. */
	command_run(window_server(), "hello");
	ck_assert_uint_eq(net_nsent, 3);
	ck_assert_int_eq(last_line(window_server())->kind, LINE_ERROR);
}
END_TEST

START_TEST(test_command_split_long)
{
	struct buffer *c = window_open("#c", BUFFER_CHANNEL);
	char text[2000], joined[2100] = "";
	size_t k = 0;

	for (size_t i = 0; i < sizeof(text) - 1; i++)
		text[i] = i % 7 == 6 ? ' ' : (char)('a' + i % 26);
	text[sizeof(text) - 1] = '\0';
	command_run(c, text);
	ck_assert_uint_gt(net_nsent, 3);
	for (size_t i = 0; i < net_nsent; i++) {
		/* Fits once relayed as ":alice!~user@host " + line + CRLF. */
		ck_assert_uint_le(1 + strlen("alice") + 2 + IRC_USER_MAX + 1 +
		    IRC_HOST_MAX + 1 + strlen(net_sent[i]) + 2, IRC_BODY_MAX);
		ck_assert(strncmp(net_sent[i], "PRIVMSG #c :", 12) == 0);
		if (i > 0)
			joined[k++] = ' ';	/* each break took a space */
		k += str_copy(joined + k, net_sent[i] + 12, sizeof(joined) - k);
	}
	ck_assert_str_eq(joined, text);	/* nothing else lost or added */
}
END_TEST

START_TEST(test_command_split_utf8)
{
	struct buffer *c = window_open("#c", BUFFER_CHANNEL);
	char text[1200] = "";

	for (int i = 0; i < 300; i++)
		strcat(text, "é");	/* no spaces: split on characters */
	command_run(c, text);
	ck_assert_uint_eq(net_nsent, 2);
	for (size_t i = 0; i < net_nsent; i++)
		ck_assert(utf8_valid(net_sent[i], strlen(net_sent[i])));
}
END_TEST

START_TEST(test_command_commands)
{
	struct buffer *c = window_open("#c", BUFFER_CHANNEL);

	command_run(c, "/join lan");
	ck_assert_str_eq(net_sent[0], "JOIN #lan");
	command_run(c, "/j #a,b,&c key");
	ck_assert_str_eq(net_sent[1], "JOIN #a,#b,&c key");
	command_run(c, "/me waves  hello");
	ck_assert_str_eq(net_sent[2], "PRIVMSG #c :\1ACTION waves  hello\1");
	ck_assert_int_eq(last_line(c)->kind, LINE_ACTION);
	command_run(c, "/msg bob hi there");
	ck_assert_str_eq(net_sent[3], "PRIVMSG bob :hi there");
	ck_assert_ptr_nonnull(window_find("bob"));
	ck_assert_str_eq(LINE_TEXT(last_line(window_find("bob"))), "hi there");
	command_run(c, "/topic new topic");
	ck_assert_str_eq(net_sent[4], "TOPIC #c :new topic");
	command_run(c, "/topic");
	ck_assert_str_eq(net_sent[5], "TOPIC #c");
	command_run(c, "/part bye now");
	ck_assert_str_eq(net_sent[6], "PART #c :bye now");
	command_run(c, "/part #other");
	ck_assert_str_eq(net_sent[7], "PART #other");
	command_run(c, "/names");
	ck_assert_str_eq(net_sent[8], "NAMES #c");
	ck_assert(c->names_show);
	command_run(c, "/whois bob");
	ck_assert_str_eq(net_sent[9], "WHOIS bob");
	command_run(c, "/away lunch");
	ck_assert_str_eq(net_sent[10], "AWAY :lunch");
	command_run(c, "/away");
	ck_assert_str_eq(net_sent[11], "AWAY");
	command_run(c, "/nick alice2");
	ck_assert_str_eq(net_sent[12], "NICK alice2");
	command_run(c, "/quote MODE #c +m");
	ck_assert_str_eq(net_sent[13], "MODE #c +m");
	command_run(c, "/quit see you");
	ck_assert_str_eq(net_sent[14], "QUIT :see you");
	ck_assert(self.quit);
	ck_assert_uint_eq(net_nsent, 15);
}
END_TEST

START_TEST(test_command_errors)
{
	struct buffer *s = window_server(), *c = window_open("#c", BUFFER_CHANNEL);

	command_run(s, "/frobnicate now");
	ck_assert_str_eq(LINE_TEXT(last_line(s)), "Unknown command /frobnicate (try /help)");
	command_run(s, "/de");
	ck_assert_str_eq(LINE_TEXT(last_line(s)), "Ambiguous command /de: /delete /deop /devoice");
	command_run(s, "/join");
	ck_assert_str_eq(LINE_TEXT(last_line(s)), "Usage: /join #channel[,#channel] [key]");
	command_run(s, "/me hi");
	ck_assert_int_eq(last_line(s)->kind, LINE_ERROR);
	command_run(s, "/msg bob");
	ck_assert_str_eq(LINE_TEXT(last_line(s)), "Usage: /msg target text");
	self.registered = false;
	command_run(c, "hello");
	ck_assert(strncmp(LINE_TEXT(last_line(c)), "Not connected", 13) == 0);
	command_run(c, "/join #x");
	ck_assert(strncmp(LINE_TEXT(last_line(c)), "Not connected", 13) == 0);
	ck_assert_uint_eq(net_nsent, 0);
}
END_TEST

START_TEST(test_command_operator)
{
	struct buffer *c = window_open("#c", BUFFER_CHANNEL);
	struct buffer *s = window_server();

	self.modes_max = 3;
	command_run(c, "/invite bob");
	ck_assert_str_eq(net_sent[0], "INVITE bob #c");
	command_run(s, "/invite bob #other");
	ck_assert_str_eq(net_sent[1], "INVITE bob #other");
	command_run(c, "/kick bob go away now");
	ck_assert_str_eq(net_sent[2], "KICK #c bob :go away now");
	command_run(s, "/kick #other bob");
	ck_assert_str_eq(net_sent[3], "KICK #other bob");
	/* Three a line, as MODES says; the rest in a second line. */
	command_run(c, "/op bob carol dan erin");
	ck_assert_str_eq(net_sent[4], "MODE #c +ooo bob carol dan");
	ck_assert_str_eq(net_sent[5], "MODE #c +o erin");
	command_run(c, "/deop bob");
	ck_assert_str_eq(net_sent[6], "MODE #c -o bob");
	command_run(c, "/voice #other bob");
	ck_assert_str_eq(net_sent[7], "MODE #other +v bob");
	command_run(c, "/devoice bob carol");
	ck_assert_str_eq(net_sent[8], "MODE #c -vv bob carol");
	command_run(c, "/ban troll *!*@bad.host");
	ck_assert_str_eq(net_sent[9], "MODE #c +bb troll!*@* *!*@bad.host");
	command_run(c, "/ban");
	ck_assert_str_eq(net_sent[10], "MODE #c +b");
	command_run(c, "/unban troll");
	ck_assert_str_eq(net_sent[11], "MODE #c -b troll!*@*");
	command_run(c, "/mode +m");
	ck_assert_str_eq(net_sent[12], "MODE #c +m");
	command_run(c, "/mode");
	ck_assert_str_eq(net_sent[13], "MODE #c");
	command_run(s, "/mode #other +k secret");
	ck_assert_str_eq(net_sent[14], "MODE #other +k secret");
	command_run(s, "/mode +i");
	ck_assert_str_eq(net_sent[15], "MODE alice +i");
	command_run(c, "/notice bob hi there");
	ck_assert_str_eq(net_sent[16], "NOTICE bob :hi there");
	ck_assert_int_eq(last_line(c)->kind, LINE_NOTICE);
	command_run(c, "/ctcp bob version");
	ck_assert_str_eq(net_sent[17], "PRIVMSG bob :\1VERSION\1");
	command_run(c, "/ctcp bob ping");
	ck_assert(strncmp(net_sent[18], "PRIVMSG bob :\1PING ", 19) == 0);
	command_run(c, "/who");
	ck_assert_str_eq(net_sent[19], "WHO #c");
	command_run(c, "/who #home");	/* not /whois */
	ck_assert_str_eq(net_sent[20], "WHO #home");
	command_run(c, "/whowas bob");
	ck_assert_str_eq(net_sent[21], "WHOWAS bob");
	command_run(c, "/whoi bob");	/* a unique prefix */
	ck_assert_str_eq(net_sent[22], "WHOIS bob");
	ck_assert_uint_eq(net_nsent, 23);
	/* Without a channel to act on, nothing is sent. */
	command_run(s, "/op bob");
	command_run(s, "/kick bob");
	command_run(s, "/invite bob");
	command_run(s, "/who");
	command_run(c, "/kick #c");
	command_run(c, "/notice bob");
	command_run(c, "/ctcp bob");
	ck_assert_uint_eq(net_nsent, 23);
	ck_assert_int_eq(last_line(s)->kind, LINE_ERROR);
	ck_assert_int_eq(last_line(c)->kind, LINE_ERROR);
}
END_TEST

START_TEST(test_command_windows)
{
	struct buffer *c = window_open("#c", BUFFER_CHANNEL);

	c->joined = true;
	window_open("bob", BUFFER_QUERY);
	command_run(window_current(), "/window 2");
	ck_assert_ptr_eq(window_current(), c);
	command_run(c, "/window bob");
	ck_assert_str_eq(window_current()->name, "bob");
	command_run(window_current(), "/window 9");
	ck_assert_int_eq(last_line(window_current())->kind, LINE_ERROR);
	command_run(window_current(), "/query carol hi");
	ck_assert_str_eq(window_current()->name, "carol");
	ck_assert_str_eq(net_sent[0], "PRIVMSG carol :hi");
	buffer_add(c, 0, LINE_MSG, 0, "x", "y");
	command_run(c, "/clear");
	ck_assert_uint_eq(c->count, 0);
	command_run(window_current(), "/close 2");	/* parts the channel */
	ck_assert_str_eq(net_sent[1], "PART #c");
	ck_assert_ptr_null(window_find("#c"));
	command_run(window_server(), "/close");
	ck_assert_uint_eq(nwindows, 3);
	command_run(window_server(), "/help");
	/* Every key, a line each, not a sentence of some of them. */
	bool ctrl_r = false, word = false;
	struct buffer *sv = window_server();
	for (uint64_t seq = sv->seq - sv->count; seq < sv->seq; seq++) {
		const char *t = LINE_TEXT(buffer_line(sv, seq));
		ctrl_r |= strncmp(t, "  Ctrl-R ", 9) == 0;
		word |= strstr(t, "Alt-B, Alt-F, Ctrl-Left, Ctrl-Right") != NULL;
	}
	ck_assert(ctrl_r && word);
	command_run(window_server(), "/help join");
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())),
	    "/join #channel[,#channel] [key]: join channels");
}
END_TEST


/* --- keys: the keyboard decoder and bracketed paste */

/* Feed the characters of s (a plain string: ESC is \033) one by one and
 * return the last key; *count says how many keys were complete. */
static struct key
feed_str(struct keys *k, const char *s, size_t *count)
{
	struct key last = { .kind = KEYS_NONE }, got;

	if (count != NULL)
		*count = 0;
	for (; *s != '\0'; s++) {
		got = keys_feed(k, false, (unsigned char)*s);
		if (got.kind != KEYS_NONE) {
			last = got;
			if (count != NULL)
				(*count)++;
		}
	}
	return last;
}

START_TEST(test_keys_plain)
{
	struct keys k;
	struct key got;

	keys_init(&k);
	got = keys_feed(&k, false, 'a');
	ck_assert_int_eq(got.kind, KEYS_CHAR);
	ck_assert_int_eq(got.code, 'a');
	got = keys_feed(&k, false, 0x01);	/* Ctrl-A */
	ck_assert_int_eq(got.kind, KEYS_CHAR);
	ck_assert_int_eq(got.code, 0x01);
	got = keys_feed(&k, false, L'é');
	ck_assert_int_eq(got.kind, KEYS_CHAR);
	ck_assert_int_eq(got.code, L'é');
	/* A function key curses decoded passes through as one. */
	got = keys_feed(&k, true, 0404);
	ck_assert_int_eq(got.kind, KEYS_FUNC);
	ck_assert(got.func);
	ck_assert_int_eq(got.code, 0404);
	ck_assert(keys_idle(&k));
	keys_free(&k);
}
END_TEST

START_TEST(test_keys_escape_and_alt)
{
	struct keys k;
	struct key got;
	size_t n;

	keys_init(&k);
	/* ESC alone is not a key yet: it waits for the next one. */
	got = keys_feed(&k, false, 0x1b);
	ck_assert_int_eq(got.kind, KEYS_NONE);
	ck_assert(!keys_idle(&k));
	/* ESC then a key is Alt and that key, even from another read. */
	got = keys_feed(&k, false, 'b');
	ck_assert_int_eq(got.kind, KEYS_META);
	ck_assert_int_eq(got.code, 'b');
	ck_assert(!got.func);
	ck_assert(keys_idle(&k));
	/* Alt-arrow on terminals that send ESC before the arrow's code. */
	keys_feed(&k, false, 0x1b);
	got = keys_feed(&k, true, 0404);
	ck_assert_int_eq(got.kind, KEYS_META);
	ck_assert(got.func);
	/* ESC ESC is Alt-ESC, bound to nothing; the key after is plain. */
	got = feed_str(&k, "\033\033", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got.kind, KEYS_META);
	ck_assert_int_eq(got.code, 0x1b);
	got = keys_feed(&k, false, 'x');
	ck_assert_int_eq(got.kind, KEYS_CHAR);
	ck_assert_int_eq(got.code, 'x');
	keys_free(&k);
}
END_TEST

START_TEST(test_keys_csi)
{
	struct keys k;
	struct key got;
	size_t n;

	keys_init(&k);
	got = feed_str(&k, "\033[1;5D", &n);	/* Ctrl-Left */
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got.kind, KEYS_CSI);
	ck_assert_str_eq(got.csi, "1;5D");
	got = feed_str(&k, "\033[6;5~", &n);
	ck_assert_str_eq(got.csi, "6;5~");
	got = feed_str(&k, "\033[Z", &n);	/* Shift-Tab */
	ck_assert_str_eq(got.csi, "Z");
	got = feed_str(&k, "\033OA", &n);	/* SS3, as CSI */
	ck_assert_str_eq(got.csi, "A");
	/* Split across reads: the state waits in struct keys. */
	got = feed_str(&k, "\033[1", &n);
	ck_assert_uint_eq(n, 0);
	ck_assert(!keys_idle(&k));
	got = feed_str(&k, ";3", &n);
	ck_assert_uint_eq(n, 0);
	got = feed_str(&k, "Cq", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(got.kind, KEYS_CHAR);
	ck_assert_int_eq(got.code, 'q');
	feed_str(&k, "\033[1;3", NULL);
	got = keys_feed(&k, false, 'C');
	ck_assert_int_eq(got.kind, KEYS_CSI);
	ck_assert_str_eq(got.csi, "1;3C");
	/* A decoder in one struct does not see another's state. */
	struct keys other;
	keys_init(&other);
	feed_str(&k, "\033[", NULL);
	got = keys_feed(&other, false, 'D');
	ck_assert_int_eq(got.kind, KEYS_CHAR);
	got = keys_feed(&k, false, 'D');
	ck_assert_int_eq(got.kind, KEYS_CSI);
	keys_free(&other);
	keys_free(&k);
}
END_TEST

START_TEST(test_keys_focus)
{
	struct keys k;
	struct key got;

	keys_init(&k);
	got = feed_str(&k, "\033[O", NULL);
	ck_assert_int_eq(got.kind, KEYS_FOCUS);
	ck_assert(!got.focus_in);
	got = feed_str(&k, "\033[I", NULL);
	ck_assert_int_eq(got.kind, KEYS_FOCUS);
	ck_assert(got.focus_in);
	/* SS3 I is the keypad's Tab in application mode, not focus. */
	got = feed_str(&k, "\033OI", NULL);
	ck_assert_int_eq(got.kind, KEYS_CSI);
	/* A parameter makes it some other key. */
	got = feed_str(&k, "\033[1I", NULL);
	ck_assert_int_eq(got.kind, KEYS_CSI);
	/* Inside a paste it is pasted text, dropped like any sequence. */
	feed_str(&k, "\033[200~ab\033[Ocd", NULL);
	got = feed_str(&k, "\033[201~", NULL);
	ck_assert_int_eq(got.kind, KEYS_PASTE);
	ck_assert_uint_eq(got.len, 4);
	ck_assert(memcmp(got.text, "abcd", 4) == 0);
	keys_free(&k);
}
END_TEST

START_TEST(test_keys_invalid)
{
	struct keys k;
	struct key got;
	size_t n;

	keys_init(&k);
	/* A sequence broken by a control or a non-ASCII character was not
	 * a sequence: dropped, and the decoder is ready again. */
	got = feed_str(&k, "\033[1\001", &n);
	ck_assert_uint_eq(n, 0);
	ck_assert(keys_idle(&k));
	feed_str(&k, "\033[", NULL);
	got = keys_feed(&k, false, 0xe9);
	ck_assert_int_eq(got.kind, KEYS_NONE);
	ck_assert(keys_idle(&k));
	/* ESC inside a sequence starts a new one. */
	got = feed_str(&k, "\033[1\033[B", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(got.csi, "B");
	/* Too long a sequence is dropped whole, not cut into another key. */
	got = feed_str(&k, "\033[1;1;1;1;1;1;1;1;1;1;5D", &n);
	ck_assert_uint_eq(n, 0);
	ck_assert(keys_idle(&k));
	/* No character at all: surrogates, past U+10FFFF. */
	got = keys_feed(&k, false, 0xd800);
	ck_assert_int_eq(got.kind, KEYS_NONE);
	got = keys_feed(&k, false, 0x110000);
	ck_assert_int_eq(got.kind, KEYS_NONE);
	keys_feed(&k, false, 0x1b);
	got = keys_feed(&k, false, 0xdfff);
	ck_assert_int_eq(got.kind, KEYS_NONE);
	ck_assert(keys_idle(&k));
	keys_free(&k);
}
END_TEST

START_TEST(test_keys_paste)
{
	struct keys k;
	struct key got;
	size_t n;

	keys_init(&k);
	got = feed_str(&k, "\033[200~", &n);
	ck_assert_uint_eq(n, 0);
	ck_assert(!keys_idle(&k));
	/* Inside, everything is text: controls, and keys that would act. */
	got = feed_str(&k, "line one\rtwo\033[1;3D\033b", &n);
	ck_assert_uint_eq(n, 0);
	keys_feed(&k, false, L'日');
	keys_feed(&k, false, 0xd800);	/* not a character: dropped */
	got = feed_str(&k, "\033[201", &n);
	ck_assert_uint_eq(n, 0);
	got = keys_feed(&k, false, '~');
	ck_assert_int_eq(got.kind, KEYS_PASTE);
	ck_assert_uint_eq(got.len, strlen("line one\rtwo日"));
	ck_assert(memcmp(got.text, "line one\rtwo日", got.len) == 0);
	ck_assert(keys_idle(&k));
	/* An end without a start is nothing; so is a second start. */
	got = feed_str(&k, "\033[201~", &n);
	ck_assert_uint_eq(n, 0);
	got = feed_str(&k, "\033[200~ab\033[200~c\033[201~", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(got.len, 3);
	ck_assert(memcmp(got.text, "abc", 3) == 0);
	/* The end split across reads still ends it. */
	got = feed_str(&k, "\033[200~x\033", &n);
	ck_assert_uint_eq(n, 0);
	got = feed_str(&k, "[201~", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got.kind, KEYS_PASTE);
	ck_assert_uint_eq(got.len, 1);
	keys_free(&k);
}
END_TEST

START_TEST(test_keys_paste_capped)
{
	struct keys k;
	struct key got;

	keys_init(&k);
	feed_str(&k, "\033[200~", NULL);
	/* A paste that never ends: memory stops at the cap. */
	for (size_t i = 0; i < KEYS_PASTE_MAX + 5000; i++)
		keys_feed(&k, false, 'a' + (wint_t)(i % 26));
	ck_assert_uint_eq(k.pastelen, KEYS_PASTE_MAX);
	ck_assert_uint_le(k.pastecap, KEYS_PASTE_MAX);
	/* A character that would cross the cap is not cut in half. */
	keys_free(&k);
	feed_str(&k, "\033[200~", NULL);
	for (size_t i = 0; i < KEYS_PASTE_MAX - 1; i++)
		keys_feed(&k, false, 'a');
	keys_feed(&k, false, L'é');
	got = feed_str(&k, "\033[201~", NULL);
	ck_assert_int_eq(got.kind, KEYS_PASTE);
	ck_assert_uint_eq(got.len, KEYS_PASTE_MAX - 1);
	/* After it, keys are keys again. */
	got = keys_feed(&k, false, 'z');
	ck_assert_int_eq(got.kind, KEYS_CHAR);
	keys_free(&k);
}
END_TEST

/* --- say: what we say goes through one paced queue */

/* Paste n lines "p1".."pn" into b and confirm it. */
static void
paste_lines(struct buffer *b, int n)
{
	char text[256];
	size_t k = 0;

	for (int i = 1; i <= n; i++)
		k += (size_t)snprintf(text + k, sizeof(text) - k, "p%d\n", i);
	ck_assert(paste_offer(b, text, k));
	paste_answer(true);
}

/* Lines of b we said, oldest first, joined by spaces. */
static void
said(const struct buffer *b, char *out, size_t cap)
{
	size_t k = 0;

	out[0] = '\0';
	for (uint64_t s = b->seq - b->count; s < b->seq; s++) {
		const struct line *l = buffer_line(b, s);
		if (l->flags & LINE_SELF)
			k += (size_t)snprintf(out + k, cap - k, "%s%s",
			    k > 0 ? " " : "", LINE_TEXT(l));
	}
}

START_TEST(test_say_typed_keeps_order)
{
	struct buffer *c = window_open("#c", BUFFER_CHANNEL);

	paste_lines(c, PACE_BURST + 3);
	ck_assert_uint_eq(net_nsent, PACE_BURST);
	/* A line typed while the paste is paced waits behind it. */
	command_run(c, "typed");
	ck_assert_uint_eq(net_nsent, PACE_BURST);
	session_tick(time_mono_ms() + 60000);
	ck_assert_uint_eq(net_nsent, PACE_BURST + 4);
	for (int i = 0; i < PACE_BURST + 3; i++) {
		char want[32];
		snprintf(want, sizeof(want), "PRIVMSG #c :p%d", i + 1);
		ck_assert_str_eq(net_sent[i], want);
	}
	ck_assert_str_eq(net_sent[PACE_BURST + 3], "PRIVMSG #c :typed");
}
END_TEST

START_TEST(test_say_shown_when_sent)
{
	struct buffer *c = window_open("#c", BUFFER_CHANNEL);
	char text[256];

	paste_lines(c, PACE_BURST + 2);
	command_run(c, "/me waves");
	/* Only what went to the server is shown as said. */
	said(c, text, sizeof(text));
	ck_assert_str_eq(text, "p1 p2 p3 p4 p5");
	session_tick(time_mono_ms() + 60000);
	said(c, text, sizeof(text));
	ck_assert_str_eq(text, "p1 p2 p3 p4 p5 p6 p7 waves");
	ck_assert_int_eq(last_line(c)->kind, LINE_ACTION);
	/* The bucket is empty until a minute from now: a paste now waits,
	 * and when the connection drops it is never shown, and said so. */
	paste_lines(c, 2);
	ck_assert_uint_eq(net_nsent, PACE_BURST + 3);
	net_stub_fd = -1;
	self.registered = false;
	handle_disconnected();
	said(c, text, sizeof(text));
	ck_assert_str_eq(text, "p1 p2 p3 p4 p5 p6 p7 waves");
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())),
	    "2 queued messages not sent");
}
END_TEST


/* --- handle: server lines into the model */

static bool
was_sent(const char *line)
{
	for (size_t i = 0; i < net_nsent && i < NET_STUB_MAX; i++)
		if (strcmp(net_sent[i], line) == 0)
			return true;
	return false;
}

START_TEST(test_handle_register)
{
	self.registered = false;
	self.nick[0] = '\0';
	opt.join = "lan,#kids";
	handle_connected();
	ck_assert(was_sent("CAP LS 302"));
	ck_assert(was_sent("NICK alice"));
	ck_assert(was_sent("USER alice 0 * :Alice"));
	net_nsent = 0;
	/* A multi-line LS waits for its last line before asking. */
	net_stub_receive(":irc.test CAP * LS * :server-time echo-message sasl");
	ck_assert_uint_eq(net_nsent, 0);
	net_stub_receive(":irc.test CAP * LS :multi-prefix draft/chathistory batch=x");
	ck_assert(was_sent("CAP REQ :batch draft/chathistory echo-message multi-prefix server-time"));
	net_stub_receive(":irc.test CAP * ACK :echo-message multi-prefix server-time");
	ck_assert(was_sent("CAP END"));
	ck_assert_int_eq(self.caps, CAP_ECHO | CAP_MULTI_PREFIX | CAP_SERVER_TIME);
	net_stub_receive(":irc.test CAP * NAK :batch draft/chathistory");
	/* An answer in several lines still ends negotiation once. */
	size_t ends = 0;
	for (size_t i = 0; i < net_nsent; i++)
		ends += strcmp(net_sent[i], "CAP END") == 0;
	ck_assert_uint_eq(ends, 1);
	/* Nick in use while registering: add '_', retry, and say so. */
	net_stub_receive(":irc.test 433 * alice :Nickname is already in use");
	ck_assert(was_sent("NICK alice_"));
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())),
	    "Nickname alice is in use; trying alice_");
	net_stub_receive(":irc.test 001 alice_ :Welcome to the test network");
	ck_assert(self.registered);
	ck_assert_str_eq(self.nick, "alice_");
	ck_assert(was_sent("JOIN #lan,#kids"));	/* "lan" means #lan */
	ck_assert_uint_eq(self.modes_max, 3);
	net_stub_receive(":irc.test 005 alice_ NETWORK=TestNet PREFIX=(ov)@+ MODES=4 :are supported");
	ck_assert_str_eq(self.network, "TestNet");
	ck_assert_uint_eq(self.modes_max, 4);
	ck_assert_str_eq(self.prefix_chars, "@+");
	/* After registration a taken nick is only an error. */
	net_nsent = 0;
	net_stub_receive(":irc.test 433 alice_ bob :Nickname is already in use");
	ck_assert_uint_eq(net_nsent, 0);
	ck_assert_int_eq(last_line(window_current())->kind, LINE_ERROR);
	net_stub_receive("PING :token 1");
	ck_assert(was_sent("PONG :token 1"));
}
END_TEST

/* --sasl: PLAIN before CAP END, its payload in 400-byte lines, the
 * outcome on the screen and the status line's account. */
START_TEST(test_handle_sasl)
{
	char pw[301];

	self.registered = false;
	opt.sasl = true;
	opt.account = NULL;
	opt.sasl_password = "correct-horse";
	handle_connected();
	net_nsent = 0;
	net_stub_receive(":irc.test CAP * LS :server-time sasl=PLAIN,EXTERNAL");
	ck_assert(was_sent("CAP REQ :sasl server-time"));
	net_stub_receive(":irc.test CAP * ACK :sasl server-time");
	ck_assert(was_sent("AUTHENTICATE PLAIN"));
	ck_assert(!was_sent("CAP END"));
	net_stub_receive("AUTHENTICATE +");
	/* base64 of "alice\0alice\0correct-horse" */
	ck_assert(was_sent("AUTHENTICATE YWxpY2UAYWxpY2UAY29ycmVjdC1ob3JzZQ=="));
	net_stub_receive(":irc.test 900 * *!*@h alice :You are now logged in as alice");
	ck_assert_str_eq(self.account, "alice");
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())),
	    "Logged in as alice");
	net_stub_receive(":irc.test 903 * :SASL authentication successful");
	ck_assert(was_sent("CAP END"));

	/* A failure: said in the server buffer, and registration goes on. */
	handle_connected();
	ck_assert_str_eq(self.account, "");
	net_nsent = 0;
	opt.account = "bob";
	net_stub_receive(":irc.test CAP * LS :sasl");
	net_stub_receive(":irc.test CAP * ACK :sasl");
	net_stub_receive("AUTHENTICATE +");
	ck_assert(was_sent("AUTHENTICATE Ym9iAGJvYgBjb3JyZWN0LWhvcnNl"));
	net_stub_receive(":irc.test 904 * :SASL authentication failed");
	ck_assert_int_eq(last_line(window_server())->kind, LINE_ERROR);
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())),
	    "SASL login as bob failed: SASL authentication failed");
	ck_assert(was_sent("CAP END"));

	/* 3 * 100 bytes of payload: exactly 400 of base64, then "+". */
	handle_connected();
	net_nsent = 0;
	opt.account = "ab";
	memset(pw, 'p', 294);
	pw[294] = '\0';
	opt.sasl_password = pw;
	net_stub_receive(":irc.test CAP * LS :sasl");
	net_stub_receive(":irc.test CAP * ACK :sasl");
	net_stub_receive("AUTHENTICATE +");
	ck_assert_uint_eq(strlen(net_sent[net_nsent - 2]), 13 + 400);
	ck_assert_str_eq(net_sent[net_nsent - 1], "AUTHENTICATE +");
	net_stub_receive(":irc.test 906 * :SASL authentication aborted");

	/* A server without SASL: said, not skipped in silence. */
	handle_connected();
	net_nsent = 0;
	net_stub_receive(":irc.test CAP * LS :server-time");
	ck_assert_int_eq(last_line(window_server())->kind, LINE_ERROR);
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())),
	    "SASL: irc.test does not offer it: not logged in as ab");
	net_stub_receive(":irc.test CAP * ACK :server-time");
	ck_assert(was_sent("CAP END"));

	/* NickServ's way: /register and /identify, the password not shown. */
	net_stub_receive(":irc.test 001 alice :Welcome");
	net_nsent = 0;
	opt.sasl_password = "correct-horse";
	command_run(window_server(), "/register s3cret");
	ck_assert(was_sent("PRIVMSG NickServ :REGISTER s3cret"));
	ck_assert(strstr(LINE_TEXT(last_line(window_server())), "s3cret") ==
	    NULL);
	command_run(window_server(), "/identify");
	ck_assert(was_sent("PRIVMSG NickServ :IDENTIFY ab correct-horse"));
	command_run(window_server(), "/identify carol pw2");
	ck_assert(was_sent("PRIVMSG NickServ :IDENTIFY carol pw2"));
	net_stub_receive(":irc.test 900 alice alice!a@h carol :You are now logged in as carol");
	ck_assert_str_eq(self.account, "carol");
	net_stub_receive(":irc.test 901 alice alice!a@h :You are now logged out");
	ck_assert_str_eq(self.account, "");
	/* account-notify: Ergo's only word of a NickServ login. Someone
	 * else's is not ours; 900 and ACCOUNT together say it once. */
	net_stub_receive(":bob!b@h ACCOUNT bob");
	ck_assert_str_eq(self.account, "");
	net_stub_receive(":alice!a@h ACCOUNT alice");
	ck_assert_str_eq(self.account, "alice");
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())),
	    "Logged in as alice");
	size_t seq = window_server()->seq;
	net_stub_receive(":irc.test 900 alice alice!a@h alice :You are now logged in as alice");
	ck_assert_uint_eq(window_server()->seq, seq);
	net_stub_receive(":alice!a@h ACCOUNT *");
	ck_assert_str_eq(self.account, "");
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())), "Logged out");
	/* WHOIS's 330 is a line of the reply's block. */
	net_stub_receive(":irc.test 330 alice bob bob :is logged in as");
	ck_assert_str_eq(LINE_TEXT(last_line(window_current())),
	    "  account: bob");
	opt.sasl = false;
	opt.account = NULL;
	opt.sasl_password = NULL;
}
END_TEST

/* --sasl with --tls-cert and no password: EXTERNAL, its authzid --account
 * or none; the settling of flags, and the failure line naming no one. */
START_TEST(test_handle_sasl_external)
{
	opt.sasl = true;
	opt.account = NULL;
	opt.sasl_password = NULL;
	opt.sasl_mechanism = NULL;
	opt.tls_cert = NULL;
	ck_assert_ptr_nonnull(sasl_configure());	/* nothing to log in with */
	opt.tls_cert = "me.pem";
	ck_assert_ptr_null(sasl_configure());
	ck_assert(opt.sasl_external);
	opt.sasl_password = "pw";
	ck_assert_ptr_null(sasl_configure());
	ck_assert(!opt.sasl_external);		/* a password: PLAIN */
	opt.sasl_mechanism = "EXTERNAL";
	ck_assert_ptr_null(sasl_configure());
	ck_assert(opt.sasl_external);
	opt.no_tls = true;
	ck_assert_ptr_nonnull(sasl_configure());
	opt.no_tls = false;
	opt.sasl_password = NULL;

	self.registered = false;
	handle_connected();
	net_nsent = 0;
	net_stub_receive(":irc.test CAP * LS :sasl=PLAIN,EXTERNAL");
	net_stub_receive(":irc.test CAP * ACK :sasl");
	ck_assert(was_sent("AUTHENTICATE EXTERNAL"));
	net_stub_receive("AUTHENTICATE +");
	ck_assert_str_eq(net_sent[net_nsent - 1], "AUTHENTICATE +");
	net_stub_receive(":irc.test 904 * :SASL authentication failed: no account "
	    "has this certificate (NickServ CERT ADD)");
	ck_assert_int_eq(last_line(window_server())->kind, LINE_ERROR);
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())),
	    "SASL login with the certificate failed: SASL authentication "
	    "failed: no account has this certificate (NickServ CERT ADD)");
	ck_assert(was_sent("CAP END"));

	/* --account is the authzid, "alice" in base64. */
	handle_connected();
	net_nsent = 0;
	opt.account = "alice";
	net_stub_receive(":irc.test CAP * LS :sasl");
	net_stub_receive(":irc.test CAP * ACK :sasl");
	net_stub_receive("AUTHENTICATE +");
	ck_assert_str_eq(net_sent[net_nsent - 1], "AUTHENTICATE YWxpY2U=");
	net_stub_receive(":irc.test 900 * *!*@h alice :You are now logged in as alice");
	net_stub_receive(":irc.test 903 * :SASL authentication successful");
	ck_assert_str_eq(self.account, "alice");
	opt.sasl = false;
	opt.sasl_external = false;
	opt.sasl_mechanism = NULL;
	opt.account = NULL;
	opt.tls_cert = NULL;
}
END_TEST

/* Does a line of b contain text? */
static bool
buffer_has(const struct buffer *b, const char *text)
{
	for (uint64_t seq = b->seq - b->count; seq < b->seq; seq++)
		if (strstr(LINE_TEXT(buffer_line(b, seq)), text) != NULL)
			return true;
	return false;
}

START_TEST(test_handle_welcome_burst)
{
	struct buffer *s = window_server(), *b;

	self.registered = false;
	handle_connected();
	net_stub_receive(":irc.test 001 alice :Welcome to the test network alice");
	net_stub_receive(":irc.test 004 alice irc.test natterd-0.1.0 iow biklmnostv bklov");
	net_stub_receive(":irc.test 005 alice CHANTYPES=# NETWORK=TestNet :are supported by this server");
	net_stub_receive(":irc.test 251 alice :There are 7 users and 0 invisible on 1 servers");
	net_stub_receive(":irc.test 254 alice 3 :channels formed");
	net_stub_receive(":irc.test 255 alice :I have 7 clients and 0 servers");
	net_stub_receive(":irc.test 265 alice 7 9 :Current local users 7, max 9");
	net_stub_receive(":irc.test 266 alice 7 9 :Current global users 7, max 9");
	net_stub_receive(":irc.test 375 alice :- irc.test Message of the day -");
	net_stub_receive(":irc.test 372 alice :- be kind");
	net_stub_receive(":irc.test 376 alice :End of /MOTD command.");
	/* ISUPPORT is used, not shown; LUSERS comes down to one line. */
	ck_assert_str_eq(self.network, "TestNet");
	ck_assert(!buffer_has(s, "CHANTYPES"));
	ck_assert(!buffer_has(s, "biklmnostv"));
	ck_assert(!buffer_has(s, "invisible"));
	ck_assert(!buffer_has(s, "channels formed"));
	ck_assert(!buffer_has(s, "Current"));
	ck_assert(buffer_has(s, "7 users on this server now (9 at most)"));
	ck_assert(buffer_has(s, "Welcome to the test network"));
	ck_assert(buffer_has(s, "- be kind"));
	/* Later, as answers to /quote, they show as the server says them. */
	net_stub_receive(":irc.test 266 alice 7 9 :Current global users 7, max 9");
	ck_assert_str_eq(LINE_TEXT(last_line(s)), "7 9 Current global users 7, max 9");
	net_stub_receive(":irc.test 005 alice CHANTYPES=# :are supported by this server");
	ck_assert_str_eq(LINE_TEXT(last_line(s)), "CHANTYPES=# are supported by this server");
	/* The first channel natter opens on says how to get help. */
	net_stub_receive(":alice!a@h JOIN #lan");
	b = window_find("#lan");
	ck_assert_ptr_nonnull(b);
	ck_assert(buffer_has(b, HINT_HELP));
	net_stub_receive(":alice!a@h JOIN #kids");
	ck_assert(!buffer_has(window_find("#kids"), HINT_HELP));
}
END_TEST

START_TEST(test_handle_channel)
{
	struct buffer *b;

	net_stub_receive(":alice!a@h JOIN #lan");
	b = window_find("#lan");
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_eq(window_current(), b);	/* our join shows it */
	ck_assert(b->joined);
	/* multi-prefix and userhost-in-names */
	net_stub_receive(":irc.test 353 alice = #lan :@alice +bob ~@carol!c@h dave!d@h");
	net_stub_receive(":irc.test 366 alice #lan :End of /NAMES list.");
	ck_assert_uint_eq(b->nnicks, 4);
	ck_assert_str_eq(b->nicks[0].name, "carol");
	ck_assert_str_eq(b->nicks[0].prefix, "~@");
	ck_assert_str_eq(b->nicks[1].name, "alice");
	ck_assert_str_eq(b->nicks[2].name, "bob");
	ck_assert_str_eq(b->nicks[3].name, "dave");
	/* A second NAMES replaces the list rather than adding to it. */
	net_stub_receive(":irc.test 353 alice = #lan :@alice bob");
	net_stub_receive(":irc.test 366 alice #lan :End of /NAMES list.");
	ck_assert_uint_eq(b->nnicks, 2);
	net_stub_receive(":erin!e@host JOIN #lan");
	ck_assert_ptr_nonnull(nick_find(b, "erin"));
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "erin (e@host) joined #lan");
	ck_assert_int_eq(last_line(b)->kind, LINE_EVENT);
	net_stub_receive(":alice!a@h MODE #lan +ov-o erin bob alice");
	ck_assert_str_eq(nick_find(b, "erin")->prefix, "@");
	ck_assert_str_eq(nick_find(b, "bob")->prefix, "+");
	ck_assert_str_eq(nick_find(b, "alice")->prefix, "");
	ck_assert_str_eq(b->nicks[0].name, "erin");
	net_stub_receive(":alice!a@h MODE #lan +k-l+v key bob");	/* k takes a key */
	ck_assert_str_eq(nick_find(b, "bob")->prefix, "+");
	net_stub_receive(":erin!e@host NICK :erika");
	ck_assert_ptr_null(nick_find(b, "erin"));
	ck_assert_str_eq(nick_find(b, "erika")->prefix, "@");
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "erin is now known as erika");
	net_stub_receive(":bob!b@h PART #lan :gone");
	ck_assert_ptr_null(nick_find(b, "bob"));
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "bob left #lan (gone)");
	net_stub_receive(":erika!e@host QUIT :bye");
	ck_assert_uint_eq(b->nnicks, 1);
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "erika quit (bye)");
	net_stub_receive(":alice!a@h AWAY :lunch");	/* away-notify */
	ck_assert(nick_find(b, "alice")->away);
	net_stub_receive(":alice!a@h AWAY");
	ck_assert(!nick_find(b, "alice")->away);
	net_stub_receive(":irc.test 332 alice #lan :the \x02old\x02 topic");
	ck_assert_str_eq(b->topic, "the \x02old\x02 topic");
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "Topic: the \x02old\x02 topic");
	net_stub_receive(":irc.test 333 alice #lan carol!c@h 1700000000");
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "Topic set by carol");
	net_stub_receive(":carol!c@h TOPIC #lan :new topic");
	ck_assert_str_eq(b->topic, "new topic");
	net_stub_receive(":alice!a@h NICK alice2");
	ck_assert_str_eq(self.nick, "alice2");
	net_stub_receive(":op!o@h KICK #lan alice2 :out");
	ck_assert(!b->joined);
	ck_assert_uint_eq(b->nnicks, 0);
}
END_TEST

/* What the notification pipe holds now ("" if nothing). */
static void
pipe_read(int fd, char *buf, size_t cap)
{
	ssize_t n = read(fd, buf, cap - 1);

	buf[n > 0 ? n : 0] = '\0';
}

START_TEST(test_handle_notify)
{
	int p[2];
	char got[1024];

	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	notify_init(NOTIFY_OSC777, NULL, p[1], false);
	net_stub_receive(":alice!a@h JOIN #lan");
	/* No focus report yet: a highlight notifies. */
	net_stub_receive(":bob!b@h PRIVMSG #lan :alice: \x02lunch\x02?");
	pipe_read(p[0], got, sizeof(got));
	ck_assert_str_eq(got, "\033]777;notify;bob in #lan;alice: lunch?\033\\");
	/* A message that is no highlight does not. */
	net_stub_receive(":bob!b@h PRIVMSG #lan :nothing for you");
	pipe_read(p[0], got, sizeof(got));
	ck_assert_str_eq(got, "");
	/* Focused: nothing; unfocused: a private message does. */
	notify_focus(true);
	net_stub_receive(":bob!b@h PRIVMSG alice :seen?");
	pipe_read(p[0], got, sizeof(got));
	ck_assert_str_eq(got, "");
	notify_focus(false);
	net_stub_receive(":bob!b@h PRIVMSG alice :\033]0;pwned\007 hi");
	pipe_read(p[0], got, sizeof(got));
	/* The sender's ESC and BEL are gone: its OSC cannot reach the
	 * terminal, nor end ours early. */
	ck_assert_str_eq(got, "\033]777;notify;bob;]0;pwned hi\033\\");
	/* History and our own lines are no news. */
	net_stub_receive("@batch=h1 :bob!b@h PRIVMSG alice :old");
	net_stub_receive(":alice!a@h PRIVMSG bob :mine");
	pipe_read(p[0], got, sizeof(got));
	ck_assert_str_eq(got, "");
	notify_init(NOTIFY_NONE, NULL, -1, false);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_handle_messages)
{
	struct buffer *c, *q;
	int64_t ms;

	net_stub_receive(":alice!a@h JOIN #lan");
	c = window_find("#lan");
	net_stub_receive("@time=2026-01-02T03:04:05.678Z;msgid=x1 :bob!b@h PRIVMSG #lan :hi \x02there");
	ck_assert(time_parse("2026-01-02T03:04:05.678Z", &ms));
	ck_assert_int_eq(last_line(c)->time, ms);	/* server-time wins */
	ck_assert_str_eq(LINE_NICK(last_line(c)), "bob");
	ck_assert_str_eq(LINE_TEXT(last_line(c)), "hi \x02there");
	ck_assert_int_eq(last_line(c)->flags, 0);
	net_stub_receive(":bob!b@h PRIVMSG #lan :\1ACTION waves\1");
	ck_assert_int_eq(last_line(c)->kind, LINE_ACTION);
	ck_assert_str_eq(LINE_TEXT(last_line(c)), "waves");
	net_stub_receive(":bob!b@h PRIVMSG #lan :Alice: look here");
	ck_assert(last_line(c)->flags & LINE_HIGHLIGHT);
	net_stub_receive(":bob!b@h PRIVMSG #lan :malice is no mention");
	ck_assert(!(last_line(c)->flags & LINE_HIGHLIGHT));
	/* echo-message: our own line comes back and is ours. */
	net_stub_receive(":alice!a@h PRIVMSG #lan :mine");
	ck_assert_int_eq(last_line(c)->flags, LINE_SELF);
	/* A private message opens a query named for the sender... */
	net_stub_receive(":bob!b@h PRIVMSG alice :psst");
	q = window_find("bob");
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(q->kind, BUFFER_QUERY);
	ck_assert_int_eq(q->activity, ACT_HOT);
	/* ... and our echoed reply goes there too, not to a buffer "bob"'s
	 * recipient would call "alice". */
	net_stub_receive(":alice!a@h PRIVMSG bob :reply");
	ck_assert_str_eq(LINE_TEXT(last_line(q)), "reply");
	ck_assert_uint_eq(nwindows, 3);
	/* Server notices go to the server buffer. */
	net_stub_receive(":irc.test NOTICE alice :server says");
	ck_assert_str_eq(LINE_TEXT(last_line(window_server())), "server says");
	/* CTCP VERSION is answered, and noted, never shown raw. */
	net_nsent = 0;
	net_stub_receive(":bob!b@h PRIVMSG alice :\1VERSION\1");
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert(strncmp(net_sent[0], "NOTICE bob :\1VERSION natter ", 25) == 0);
	/* A CTCP request from a stranger, or our own, opens no buffer. */
	net_stub_receive(":zed!z@h PRIVMSG alice :\1VERSION\1");
	net_stub_receive(":alice!a@h PRIVMSG zed :\1PING 1\1");
	ck_assert_ptr_null(window_find("zed"));
	/* Our echoed notice to a nick without a buffer: where we are. */
	net_stub_receive(":alice!a@h NOTICE zed :psst");
	ck_assert_str_eq(LINE_TEXT(last_line(window_current())), "psst");
	ck_assert_ptr_null(window_find("zed"));
	/* An error numeric shows where the user is looking. */
	window_select(window_index(c));
	net_stub_receive(":irc.test 404 alice #lan :Cannot send to channel");
	ck_assert_int_eq(last_line(c)->kind, LINE_ERROR);
	ck_assert_str_eq(LINE_TEXT(last_line(c)), "#lan: Cannot send to channel");
}
END_TEST

START_TEST(test_handle_history)
{
	struct buffer *b;

	self.caps |= CAP_CHATHISTORY | CAP_BATCH | CAP_TAGS | CAP_SERVER_TIME;
	net_stub_receive(":alice!a@h JOIN #lan");
	b = window_find("#lan");
	ck_assert(was_sent("CHATHISTORY LATEST #lan * 100"));
	/* One request at a time. */
	net_stub_reset();
	chathist_scrolled_top(b);
	ck_assert_uint_eq(net_nsent, 0);
	net_stub_receive(":irc.test BATCH +h1 chathistory #lan");
	net_stub_receive("@batch=h1;msgid=m1;time=2026-12-01T10:00:00.000Z "
	    ":bob!b@h PRIVMSG #lan :one");
	net_stub_receive("@batch=h1;msgid=m2;time=2026-12-01T10:01:00.000Z "
	    ":bob!b@h PRIVMSG #lan :two");
	net_stub_receive(":irc.test BATCH -h1");
	/* Older than the JOIN that asked for it: above the JOIN, under
	 * their day's line, and today's line between (no gap mark: this
	 * is the first join's history, not a gap). */
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "alice (a@h) joined #lan");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - 2)), HINT_HELP);
	ck_assert_int_eq(buffer_line(b, b->seq - 3)->kind, LINE_DAY);
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - 4)), "two");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - 5)), "one");
	/* Shown already: the same msgid live is dropped. */
	uint64_t seq = b->seq;
	net_stub_receive("@msgid=m2 :bob!b@h PRIVMSG #lan :two");
	ck_assert_uint_eq(b->seq, seq);
	/* Past the top: BEFORE the oldest, put in front at the batch's end. */
	chathist_scrolled_top(b);
	ck_assert(was_sent("CHATHISTORY BEFORE #lan msgid=m1 100"));
	net_stub_receive(":irc.test BATCH +h2 chathistory #lan");
	net_stub_receive("@batch=h2;msgid=m0;time=2026-12-01T09:00:00.000Z "
	    ":bob!b@h PRIVMSG #lan :zero");
	ck_assert_uint_eq(b->seq, seq);	/* held until the batch ends */
	net_stub_receive(":irc.test BATCH -h2");
	/* Old history: its day heads it, once (not once per line). */
	ck_assert_int_eq(buffer_line(b, b->seq - b->count)->kind, LINE_DAY);
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - b->count)),
	    "Tuesday 1 December 2026");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - b->count + 1)), "zero");
	/* An empty BEFORE page: nothing older, so no more asking. */
	chathist_scrolled_top(b);
	net_stub_receive(":irc.test BATCH +h3 chathistory #lan");
	net_stub_receive(":irc.test BATCH -h3");
	net_stub_reset();
	chathist_scrolled_top(b);
	ck_assert_uint_eq(net_nsent, 0);
	/* /search finds history too, newest first, then further back. */
	ck_assert(search_buffer(b, "o"));
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->anchor)),
	    "alice (a@h) joined #lan");
	ck_assert(search_buffer(b, NULL));
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->anchor)), "two");
	ck_assert(search_buffer(b, NULL));
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->anchor)), "one");
}
END_TEST

/* /search on a server with soju.im/search, and /goto to a result. */
START_TEST(test_handle_server_search)
{
	char esc[64];

	ck_assert_uint_eq(search_attr(esc, sizeof(esc), "a b;c\\"), 9);
	ck_assert_str_eq(esc, "a\\sb\\:c\\\\");
	ck_assert_str_eq(search_conversation("bob", "#lan", "alice"), "#lan");
	ck_assert_str_eq(search_conversation("bob", "alice", "alice"), "bob");
	ck_assert_str_eq(search_conversation("Alice", "bob", "alice"), "bob");

	/* Without the capability: this buffer's lines, as before. */
	net_stub_receive(":alice!a@h JOIN #lan");
	struct buffer *b = window_find("#lan");
	net_stub_reset();
	command_run(b, "/search pizza");
	ck_assert_uint_eq(net_nsent, 0);
	ck_assert_ptr_null(window_find(SEARCH_BUFFER));

	self.caps |= CAP_SEARCH | CAP_CHATHISTORY | CAP_BATCH | CAP_TAGS |
	    CAP_SERVER_TIME;
	net_stub_receive("@time=2026-12-01T10:00:00.000Z;msgid=new1 "
	    ":bob!b@h PRIVMSG #lan :recent pizza");
	command_run(b, "/search pizza time");
	ck_assert(was_sent("SEARCH in=#lan;text=pizza\\stime"));
	struct buffer *r = window_find(SEARCH_BUFFER);
	ck_assert_ptr_nonnull(r);
	ck_assert(window_current() == r);
	net_stub_receive(":irc.test BATCH +s1 soju.im/search");
	net_stub_receive("@batch=s1;msgid=old1;time=2026-11-01T10:00:00.000Z "
	    ":bob!b@h PRIVMSG #lan :old pizza time");
	net_stub_receive("@batch=s1;msgid=new1;time=2026-12-01T10:00:00.000Z "
	    ":bob!b@h PRIVMSG #lan :recent pizza");
	net_stub_receive(":irc.test BATCH -s1");
	/* The results are the results buffer's, not the channel's. */
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "recent pizza");
	/* Then today's day line and the count, stamped now. */
	ck_assert_str_eq(LINE_TEXT(buffer_line(r, r->seq - 3)),
	    "2. #lan: recent pizza");
	ck_assert(strstr(LINE_TEXT(last_line(r)), "2 found") != NULL);
	/* Typing there sends nothing. */
	net_stub_reset();
	command_run(r, "hello");
	ck_assert_uint_eq(net_nsent, 0);

	/* A loaded result: its buffer, scrolled to it. */
	ck_assert(search_goto(2));
	ck_assert(window_current() == b);
	ck_assert(b->scrolled);
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->anchor)), "recent pizza");
	ck_assert(!search_goto(3));

	/* An older one: the history around it, put in front, with a note
	 * of the messages between that were not fetched. */
	net_stub_reset();
	command_run(b, "/goto 1");
	ck_assert(was_sent("CHATHISTORY AROUND #lan msgid=old1 50"));
	net_stub_receive(":irc.test BATCH +h1 chathistory #lan");
	net_stub_receive("@batch=h1;msgid=old0;time=2026-11-01T09:59:00.000Z "
	    ":carol!c@h PRIVMSG #lan :before it");
	net_stub_receive("@batch=h1;msgid=old1;time=2026-11-01T10:00:00.000Z "
	    ":bob!b@h PRIVMSG #lan :old pizza time");
	net_stub_receive(":irc.test BATCH -h1");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->anchor)),
	    "old pizza time");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->anchor + 1)),
	    "(later messages not fetched)");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->anchor - 1)),
	    "before it");
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "No result 3 (1 to 2)");
	/* Further up goes on from the oldest fetched. */
	net_stub_reset();
	chathist_scrolled_top(b);
	ck_assert(was_sent("CHATHISTORY BEFORE #lan msgid=old0 100"));
}
END_TEST

START_TEST(test_handle_rejoin)
{
	net_stub_receive(":irc.test 001 alice :Welcome");
	ck_assert(was_sent("JOIN #lan"));
	net_stub_receive(":alice!a@h JOIN #lan");
	net_stub_receive(":alice!a@h JOIN #kids");
	net_stub_receive(":alice!a@h JOIN #old");
	net_stub_receive(":alice!a@h PART #old");	/* open, but left */
	str_copy(net_error, "gone", sizeof(net_error));
	handle_disconnected();
	handle_disconnected();	/* a failed retry: nothing forgotten */
	ck_assert(!window_find("#lan")->joined);
	net_nsent = 0;
	handle_connected();
	net_stub_receive(":irc.test 001 alice :Welcome back");
	ck_assert(was_sent("JOIN #lan,#kids"));
}
END_TEST

START_TEST(test_handle_ctcp_history)
{
	/* Seeded history full of CTCP requests: replayed in a batch, none
	 * is answered, or every natter joining would send a burst. */
	net_stub_receive(":alice!a@h JOIN #lan");
	net_nsent = 0;
	net_stub_receive(":irc.test BATCH +h1 chathistory #lan");
	net_stub_receive("@batch=h1 :bob!b@h PRIVMSG #lan :\1VERSION\1");
	net_stub_receive("@batch=h1 :bob!b@h PRIVMSG alice :\1PING 123\1");
	net_stub_receive(":irc.test BATCH -h1");
	net_stub_receive("@batch=other :bob!b@h PRIVMSG alice :\1VERSION\1");
	ck_assert_uint_eq(net_nsent, 0);
	/* Outside a batch it is answered. */
	net_stub_receive(":bob!b@h PRIVMSG alice :\1PING 123\1");
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "NOTICE bob :\1PING 123\1");
}
END_TEST

START_TEST(test_handle_ctcp_rate)
{
	/* A flood of requests gets a few answers, not one each (one more
	 * per interval that passed, should this machine be that slow). */
	int64_t start = time_mono_ms();
	net_nsent = 0;
	for (int i = 0; i < 50; i++) {
		char line[64];
		snprintf(line, sizeof(line), ":m%d!b@h PRIVMSG alice :\1PING %d\1",
		    i, i);
		net_stub_receive(line);
	}
	int64_t took = time_mono_ms() - start;
	ck_assert_uint_ge(net_nsent, CTCP_REPLY_BURST);
	ck_assert_uint_le(net_nsent, CTCP_REPLY_BURST + took / CTCP_REPLY_INTERVAL_MS);
	ck_assert_str_eq(net_sent[0], "NOTICE m0 :\1PING 0\1");
	/* Each is still noted where the user can see it. */
	ck_assert(strstr(LINE_TEXT(last_line(window_server())),
	    "CTCP PING request from m49") != NULL);
}
END_TEST

START_TEST(test_handle_away)
{
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);
	struct buffer *q = window_open("bob", BUFFER_QUERY);

	/* In bob's query when there is one, once per message. */
	window_select(window_index(c));
	net_stub_receive(":irc.test 301 alice bob :at lunch");
	ck_assert_str_eq(LINE_TEXT(last_line(q)), "bob is away: at lunch");
	uint64_t seq = q->seq;
	net_stub_receive(":irc.test 301 alice bob :at lunch");
	ck_assert_uint_eq(q->seq, seq);
	/* Else where the user is, not the server buffer. */
	net_stub_receive(":irc.test 301 alice carol :gone");
	ck_assert_str_eq(LINE_TEXT(last_line(c)), "carol is away: gone");
	/* Our own away: 306 sets it, 305 clears it, a new connection too. */
	net_stub_receive(":irc.test 306 alice :You have been marked as being away");
	ck_assert(self.away);
	ck_assert_str_eq(LINE_TEXT(last_line(c)), "You are marked away");
	net_stub_receive(":irc.test 305 alice :You are no longer marked as being away");
	ck_assert(!self.away);
	net_stub_receive(":irc.test 306 alice :away");
	handle_connected();
	ck_assert(!self.away);
}
END_TEST

START_TEST(test_handle_batch_capped)
{
	struct buffer *b;
	char line[IRC_LINE_MAX + 1], text[301];
	size_t before;

	self.caps = CAP_CHATHISTORY | CAP_BATCH | CAP_TAGS | CAP_SERVER_TIME;
	net_stub_receive(":alice!a@h JOIN #lan");
	b = window_find("#lan");
	ck_assert(was_sent("CHATHISTORY LATEST #lan * 100"));
	net_stub_receive(":irc.test BATCH +l chathistory #lan");
	net_stub_receive("@batch=l;msgid=m1;time=2026-01-02T03:04:05.000Z :bob!b@h PRIVMSG #lan :newest");
	net_stub_receive(":irc.test BATCH -l");
	/* Scrolled to the top: older lines are asked for, and a rogue
	 * server's batch of them never ends. */
	net_nsent = 0;
	chathist_scrolled_top(b);
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert(strncmp(net_sent[0], "CHATHISTORY BEFORE #lan msgid=m1", 32) == 0);
	net_stub_receive(":irc.test BATCH +old chathistory #lan");
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	before = heap_used();
	for (int i = 0; i < 20000; i++) {
		snprintf(line, sizeof(line),
		    "@batch=old;msgid=o%d;time=2026-01-01T00:00:00.000Z :bob!b@h PRIVMSG #lan :%s",
		    i, text);
		net_stub_receive(line);
	}
	/* Kept: the scrollback's worth (100 lines of ~350 bytes), not all
	 * 20000 (several megabytes). */
	ck_assert_uint_lt(heap_used() - before, 200 * 1000);
	net_stub_receive(":irc.test BATCH -old");
	/* What was kept went in front, up to the scrollback's size. */
	ck_assert_uint_eq(b->count, window_scrollback);
	ck_assert_str_eq(LINE_TEXT(last_line(b)), "alice (a@h) joined #lan");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - 4)), "newest");
	ck_assert_int_eq(buffer_line(b, b->seq - b->count)->kind, LINE_DAY);
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - b->count + 1)), text);
	ck_assert_int_eq(buffer_line(b, b->seq - 5)->kind, LINE_DAY);
}
END_TEST

START_TEST(test_handle_hostile)
{
	static const char *const lines[] = {
		"", " ", ":", "@", "@a", ":x", "001", ":srv 001", ":srv 353 a",
		":srv 353 a = #nochan :x y", ":srv 366 a", ":srv 332 a #lan",
		":a!b@c JOIN", ":a!b@c PRIVMSG", ":a!b@c PRIVMSG #lan",
		":a!b@c PRIVMSG #lan :\1", ":a!b@c PRIVMSG #lan :\1ACTION",
		":a!b@c NICK", ":a!b@c MODE #lan +oooo", ":a!b@c KICK #lan",
		":srv CAP * LS", ":srv CAP", ":srv 005 a PREFIX=(ov)@", ":srv 005 a PREFIX=(",
		":srv 999 a b c", ":a!b@c PART #nowhere", ":a!b@c TOPIC #nowhere :x",
		":srv 433", ":srv 432 a", "PING", ":\xff\xfe PRIVMSG #lan :\xff",
		":alice!a@h NICK :", ":alice!a@h NICK",
	};

	net_stub_receive(":alice!a@h JOIN #lan");
	for (size_t i = 0; i < nitems(lines); i++)
		net_stub_receive(lines[i]);
	ck_assert_ptr_nonnull(window_find("#lan"));
	ck_assert_str_eq(self.nick, "alice");
}
END_TEST

static Suite *
client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc;

	tc = tcase_create("utf");
	tcase_add_test(tc, test_utf_roundtrip);
	tcase_add_test(tc, test_utf_invalid_is_latin1);
	tcase_add_test(tc, test_utf_width);
	tcase_add_test(tc, test_utf_clean);
	suite_add_tcase(s, tc);

	tc = tcase_create("mirc");
	tcase_add_test(tc, test_mirc_attributes);
	tcase_add_test(tc, test_mirc_colors);
	tcase_add_test(tc, test_mirc_controls_never_raw);
	tcase_add_test(tc, test_mirc_strip);
	suite_add_tcase(s, tc);

	tc = tcase_create("wrap");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_wrap_words);
	tcase_add_test(tc, test_wrap_long_word);
	tcase_add_test(tc, test_wrap_wide_and_combining);
	tcase_add_test(tc, test_render_layout);
	suite_add_tcase(s, tc);

	tc = tcase_create("edit");
	tcase_add_test(tc, test_edit_moves);
	tcase_add_test(tc, test_edit_kill_yank);
	tcase_add_test(tc, test_edit_wide_and_combining);
	tcase_add_test(tc, test_edit_history);
	tcase_add_test(tc, test_edit_history_cap);
	tcase_add_test(tc, test_edit_full);
	tcase_add_test(tc, test_edit_view);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_test(tc, test_keys_plain);
	tcase_add_test(tc, test_keys_escape_and_alt);
	tcase_add_test(tc, test_keys_csi);
	tcase_add_test(tc, test_keys_focus);
	tcase_add_test(tc, test_keys_invalid);
	tcase_add_test(tc, test_keys_paste);
	tcase_add_test(tc, test_keys_paste_capped);
	suite_add_tcase(s, tc);

	tc = tcase_create("window");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_window_ring);
	tcase_add_test(tc, test_window_line_overhead);
	tcase_add_test(tc, test_window_long_text_cut);
	tcase_add_test(tc, test_window_activity);
	tcase_add_test(tc, test_window_day_lines);
	tcase_add_test(tc, test_window_merge_by_time);
	tcase_add_test(tc, test_window_scroll);
	tcase_add_test(tc, test_window_scroll_wrapped_rows);
	tcase_add_test(tc, test_nick_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("command");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_command_find);
	tcase_add_test(tc, test_command_text);
	tcase_add_test(tc, test_command_split_long);
	tcase_add_test(tc, test_command_split_utf8);
	tcase_add_test(tc, test_command_commands);
	tcase_add_test(tc, test_command_errors);
	tcase_add_test(tc, test_command_operator);
	tcase_add_test(tc, test_command_windows);
	suite_add_tcase(s, tc);

	tc = tcase_create("say");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_say_typed_keeps_order);
	tcase_add_test(tc, test_say_shown_when_sent);
	suite_add_tcase(s, tc);

	tc = tcase_create("handle");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_handle_register);
	tcase_add_test(tc, test_handle_welcome_burst);
	tcase_add_test(tc, test_handle_channel);
	tcase_add_test(tc, test_handle_messages);
	tcase_add_test(tc, test_handle_notify);
	tcase_add_test(tc, test_handle_history);
	tcase_add_test(tc, test_handle_rejoin);
	tcase_add_test(tc, test_handle_server_search);
	tcase_add_test(tc, test_handle_hostile);
	tcase_add_test(tc, test_handle_ctcp_history);
	tcase_add_test(tc, test_handle_ctcp_rate);
	tcase_add_test(tc, test_handle_away);
	tcase_add_test(tc, test_handle_batch_capped);
	tcase_add_test(tc, test_handle_sasl);
	tcase_add_test(tc, test_handle_sasl_external);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	/* wcwidth needs a UTF-8 locale; times are shown in UTC. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		return 99;
	setenv("TZ", "UTC", 1);
	log_init("check_client", LOG_LEVEL_ERROR, false);	/* hostile lines warn */
	sr = srunner_create(client_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
