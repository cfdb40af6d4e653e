/*
 * Check tests for natter's features around the conversation: reconnect
 * back-off, msgid de-dup and CHATHISTORY lines, completion, highlights,
 * config, paste, logfile, search, colours, away.
 */
#include <check.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "natter.h"
#include "net-stub.h"

struct options opt;

/* backoff */

START_TEST(backoff_doubles_to_cap)
{
	static const int64_t want[] = { 1000, 2000, 4000, 8000, 16000, 32000,
	    60000, 60000, 60000 };
	struct backoff b;

	backoff_reset(&b);
	for (size_t i = 0; i < nitems(want); i++)
		ck_assert_int_eq(backoff_next(&b, 0), want[i]);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(backoff_next(&b, 0), BACKOFF_MAX_MS);
}
END_TEST

START_TEST(backoff_jitter_bounded)
{
	struct backoff b;
	uint32_t r = 12345;

	for (int round = 0; round < 50; round++) {
		backoff_reset(&b);
		int64_t nominal = BACKOFF_FIRST_MS;
		for (int i = 0; i < 10; i++) {
			r = r * 1103515245u + 12345u;
			int64_t d = backoff_next(&b, r);
			ck_assert_int_le(d, nominal);
			ck_assert_int_ge(d, nominal - nominal / 4);
			nominal = nominal * 2 > BACKOFF_MAX_MS ?
			    BACKOFF_MAX_MS : nominal * 2;
		}
	}
	/* The largest random number gives the largest cut, a quarter. */
	backoff_reset(&b);
	ck_assert_int_eq(backoff_next(&b, 250), 750);
}
END_TEST

START_TEST(backoff_reset_starts_over)
{
	struct backoff b;

	backoff_reset(&b);
	backoff_next(&b, 0);
	backoff_next(&b, 0);
	ck_assert_int_eq(backoff_next(&b, 0), 4000);
	backoff_reset(&b);
	ck_assert_int_eq(backoff_next(&b, 0), 1000);
}
END_TEST

/* msgid */

START_TEST(seen_drops_duplicates)
{
	struct seen s;

	seen_init(&s);
	ck_assert(!seen_check(&s, "a1"));
	ck_assert(!seen_check(&s, "a2"));
	ck_assert(seen_check(&s, "a1"));
	ck_assert(seen_check(&s, "a2"));
	ck_assert(!seen_check(&s, "a3"));
	ck_assert(seen_has(&s, "a3"));
	ck_assert(!seen_has(&s, "a4"));
}
END_TEST

START_TEST(seen_forgets_oldest)
{
	struct seen s;
	char key[32];

	seen_init(&s);
	/* Several laps of the ring: every eviction must keep the table
	 * consistent, so each of the last SEEN_MAX keys is still found. */
	for (int i = 0; i < SEEN_MAX * 5 + 17; i++) {
		snprintf(key, sizeof(key), "id%d", i);
		ck_assert(!seen_check(&s, key));
		ck_assert_uint_le(s.count, SEEN_MAX);
	}
	int last = SEEN_MAX * 5 + 16;
	for (int i = last; i > last - SEEN_MAX; i--) {
		snprintf(key, sizeof(key), "id%d", i);
		ck_assert_msg(seen_has(&s, key), "%s lost", key);
	}
	for (int i = last - SEEN_MAX; i > last - 2 * SEEN_MAX; i--) {
		snprintf(key, sizeof(key), "id%d", i);
		ck_assert_msg(!seen_has(&s, key), "%s kept", key);
	}
	/* Similar keys must spread over the table, not pile into one run
	 * of occupied slots that every lookup walks (a weak slot hash). */
	size_t run = 0, longest = 0;
	for (size_t i = 0; i < 2 * SEEN_SLOTS; i++) {
		run = s.slot[i % SEEN_SLOTS] != 0 ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	ck_assert_uint_lt(longest, SEEN_SLOTS / 8);
}
END_TEST

START_TEST(chathist_lines)
{
	struct hist_mark m;
	char buf[CHATHIST_CMD_MAX];

	mark_init(&m);
	ck_assert_uint_eq(chathist_cmd(buf, sizeof(buf), CHATHIST_AFTER, "#a",
	    &m, 50), 0);
	ck_assert_uint_gt(chathist_join_cmd(buf, sizeof(buf), "#a", &m, 0), 0);
	ck_assert_str_eq(buf, "CHATHISTORY LATEST #a * 100");

	mark_note(&m, "m2", 2000);
	mark_note(&m, "m3", 3000);
	mark_note(&m, "m1", 1000);	/* history arriving out of order */
	chathist_join_cmd(buf, sizeof(buf), "#a", &m, 50);
	ck_assert_str_eq(buf, "CHATHISTORY AFTER #a msgid=m3 50");
	chathist_cmd(buf, sizeof(buf), CHATHIST_BEFORE, "#a", &m, 20);
	ck_assert_str_eq(buf, "CHATHISTORY BEFORE #a msgid=m1 20");
	chathist_cmd(buf, sizeof(buf), CHATHIST_LATEST, "bob", &m, 5);
	ck_assert_str_eq(buf, "CHATHISTORY LATEST bob * 5");
	ck_assert_uint_eq(chathist_cmd(buf, 10, CHATHIST_LATEST, "#a", &m, 5),
	    0);
}
END_TEST

START_TEST(chathist_timestamp_fallback)
{
	struct hist_mark m;
	char buf[CHATHIST_CMD_MAX];

	mark_init(&m);
	mark_note(&m, NULL, 1763728271123);	/* a server without msgids */
	chathist_join_cmd(buf, sizeof(buf), "#a", &m, 10);
	ck_assert_str_eq(buf,
	    "CHATHISTORY AFTER #a timestamp=2025-11-21T12:31:11.123Z 10");
}
END_TEST

/* complete */

struct tline {
	wchar_t buf[128];
	size_t len, pos;
};

static void
line_set(struct tline *l, const wchar_t *s)
{
	wcscpy(l->buf, s);
	l->len = l->pos = wcslen(s);
}

static bool
line_is(const struct tline *l, const wchar_t *s)
{
	return l->len == wcslen(s) && wmemcmp(l->buf, s, l->len) == 0;
}

static bool
tab(struct comp *c, struct tline *l, int dir, const struct comp_list *nicks,
    const struct comp_list *chans, const char *const *cmds)
{
	return comp_step(c, l->buf, &l->len, nitems(l->buf), &l->pos, dir,
	    nicks, chans, cmds);
}

START_TEST(comp_recent_first_and_cycles)
{
	struct comp_list nicks = { 0 };
	struct comp c = { 0 };
	struct tline l;

	comp_list_add(&nicks, "alice");
	comp_list_add(&nicks, "albert");
	comp_list_add(&nicks, "bob");
	comp_list_add(&nicks, "Alfred");
	comp_list_touch(&nicks, "alfred");	/* spoke last, new case */
	comp_list_touch(&nicks, "bob");

	line_set(&l, L"al");
	ck_assert(tab(&c, &l, 1, &nicks, NULL, NULL));
	ck_assert(line_is(&l, L"alfred: "));
	ck_assert_uint_eq(l.pos, 8);
	ck_assert(tab(&c, &l, 1, &nicks, NULL, NULL));
	ck_assert(line_is(&l, L"alice: "));
	ck_assert(tab(&c, &l, 1, &nicks, NULL, NULL));
	ck_assert(line_is(&l, L"albert: "));
	ck_assert(tab(&c, &l, 1, &nicks, NULL, NULL));
	ck_assert(line_is(&l, L"alfred: "));	/* wrapped */
	ck_assert(tab(&c, &l, -1, &nicks, NULL, NULL));
	ck_assert(line_is(&l, L"albert: "));	/* Shift-Tab goes back */

	/* Not at line start: no colon; the text after the cursor stays. */
	comp_reset(&c);
	line_set(&l, L"hi B and more");
	l.pos = 4;
	ck_assert(tab(&c, &l, 1, &nicks, NULL, NULL));
	ck_assert(line_is(&l, L"hi bob  and more"));
	ck_assert_uint_eq(l.pos, 7);

	/* Shift-Tab first starts from the end of the cycle. */
	comp_reset(&c);
	line_set(&l, L"a");
	ck_assert(tab(&c, &l, -1, &nicks, NULL, NULL));
	ck_assert(line_is(&l, L"albert: "));

	comp_reset(&c);
	line_set(&l, L"zed");
	ck_assert(!tab(&c, &l, 1, &nicks, NULL, NULL));
	ck_assert(line_is(&l, L"zed"));
	comp_list_free(&nicks);
}
END_TEST

START_TEST(comp_commands_channels)
{
	static const char *const cmds[] = { "/join", "/jump", "/msg", NULL };
	struct comp_list chans = { 0 };
	struct comp c = { 0 };
	struct tline l;

	comp_list_touch(&chans, "#kids");
	comp_list_touch(&chans, "#home");
	line_set(&l, L"/j");
	ck_assert(tab(&c, &l, 1, NULL, &chans, cmds));
	ck_assert(line_is(&l, L"/join "));
	ck_assert(tab(&c, &l, 1, NULL, &chans, cmds));
	ck_assert(line_is(&l, L"/jump "));

	comp_reset(&c);
	line_set(&l, L"/join #");
	ck_assert(tab(&c, &l, 1, NULL, &chans, cmds));
	ck_assert(line_is(&l, L"/join #home "));
	ck_assert(tab(&c, &l, 1, NULL, &chans, cmds));
	ck_assert(line_is(&l, L"/join #kids "));

	/* A '/' word in mid-line is not a command. */
	comp_reset(&c);
	line_set(&l, L"see /j");
	ck_assert(!tab(&c, &l, 1, NULL, &chans, cmds));
	comp_list_free(&chans);
}
END_TEST

START_TEST(comp_list_edits)
{
	struct comp_list l = { 0 };
	struct comp c = { 0 };
	struct tline ln;

	comp_list_add(&l, "a1");
	comp_list_add(&l, "a2");
	comp_list_add(&l, "a3");
	comp_list_add(&l, "A2");	/* already there */
	ck_assert_uint_eq(l.len, 3);
	comp_list_remove(&l, "A1");
	ck_assert_uint_eq(l.len, 2);
	comp_list_rename(&l, "a3", "a2");	/* onto an existing name */
	ck_assert_uint_eq(l.len, 1);
	ck_assert_str_eq(l.names[0], "a2");
	comp_list_rename(&l, "a2", "\xc3\xa9t\xc3\xa9");	/* "été" */
	line_set(&ln, L"\u00e9");
	ck_assert(tab(&c, &ln, 1, &l, NULL, NULL));
	ck_assert(line_is(&ln, L"\u00e9t\u00e9: "));
	comp_list_free(&l);
}
END_TEST

/* The cycle in a buffer's input line, as ui.c drives it: complete_tab
 * for Tab and Shift-Tab, complete_key_done after every key. */
static bool
input_is(const struct buffer *b, const char *want)
{
	char got[EDIT_MAX * 4 + 1];

	edit_get(&b->edit, got, sizeof(got));
	return strcmp(got, want) == 0;
}

START_TEST(complete_cycle_in_buffer)
{
	str_copy(self.nick, "alice", sizeof(self.nick));
	window_scrollback = 100;
	window_init("server");
	struct buffer *b = window_open("#c", BUFFER_CHANNEL);
	nick_add(b, "alice", "");
	nick_add(b, "bob", "");
	nick_add(b, "bea", "@");
	complete_spoke(b, "bob");	/* speakers first */
	edit_set(&b->edit, "b");

	ck_assert(complete_tab(b, 1));
	complete_key_done();
	ck_assert(input_is(b, "bob: "));
	ck_assert(complete_tab(b, 1));
	complete_key_done();
	ck_assert(input_is(b, "bea: "));
	ck_assert(complete_tab(b, -1));	/* Shift-Tab goes back */
	complete_key_done();
	ck_assert(input_is(b, "bob: "));
	/* Any other key ends the cycle: Tab now completes a new word. */
	complete_key_done();
	ck_assert(complete_tab(b, 1));
	complete_key_done();
	ck_assert(input_is(b, "bob: bob "));
	/* Never ourselves; '#' completes the open channels, '/' commands. */
	edit_set(&b->edit, "a");
	ck_assert(!complete_tab(b, 1));
	complete_key_done();
	edit_set(&b->edit, "#");
	ck_assert(complete_tab(b, 1));
	complete_key_done();
	ck_assert(input_is(b, "#c "));
	complete_key_done();
	edit_set(&b->edit, "/reco");
	ck_assert(complete_tab(b, 1));
	ck_assert(input_is(b, "/reconnect "));
	window_free_all();
}
END_TEST

/* highlight */

START_TEST(hl_words)
{
	static const char *const words[] = { "pizza", "c++" };

	ck_assert(hl_match("alice: hi", "alice", NULL, 0));
	ck_assert(hl_match("hi ALICE!", "alice", NULL, 0));
	ck_assert(hl_match("ping (alice)?", "Alice", NULL, 0));
	/* [ and ] are nick characters (RFC 2812 2.3.1): no boundary */
	ck_assert(!hl_match("[alice]", "alice", NULL, 0));
	ck_assert(!hl_match("alicea hi", "alice", NULL, 0));
	ck_assert(!hl_match("malice", "alice", NULL, 0));
	ck_assert(!hl_match("alice_ is not me", "alice", NULL, 0));
	ck_assert(hl_match("\x02" "alice\x02 bold", "alice", NULL, 0));
	/* RFC 1459 casemapping: {} are the lower case of []. */
	ck_assert(hl_match("hey {x}", "[X]", NULL, 0));
	/* a non-ASCII letter makes it a longer word */
	ck_assert(!hl_match("\xc3\xa9lan", "lan", NULL, 0));
	ck_assert(hl_match("who wants PIZZA", "alice", words, 2));
	ck_assert(hl_match("I like c++.", "alice", words, 2));
	ck_assert(!hl_match("pizzas", "alice", words, 2));
	ck_assert(!hl_match("", "alice", words, 2));
	ck_assert(!hl_word("anything", ""));
}
END_TEST

/* config */

struct got {
	char text[1024];
};

static int
got_set(int id, const char *value, void *arg, char *err, size_t errcap)
{
	struct got *g = arg;
	const struct config_opt *o = config_by_id(id);
	size_t n = strlen(g->text);

	if (id == 'p' && strspn(value, "0123456789") != strlen(value)) {
		snprintf(err, errcap, "not a port number: %s", value);
		return -1;
	}
	snprintf(g->text + n, sizeof(g->text) - n, "%s=%s;", o->name,
	    value != NULL ? value : "(on)");
	return 0;
}

static int
parse_text(const char *text, const bool *skip, struct got *g, char *err,
    size_t errcap)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	ck_assert_ptr_nonnull(fp);
	g->text[0] = '\0';
	int rc = config_parse(fp, "cfg", skip, got_set, g, err, errcap);
	fclose(fp);
	return rc;
}

START_TEST(config_good)
{
	struct got g;
	char err[CONFIG_ERR_MAX] = "";
	const char *text =
	    "# natter config\n"
	    "\n"
	    "nick alice\n"
	    "  join   #home,#kids  \r\n"
	    "real Alice Liddell\n"
	    "no-color\n"
	    "host lanbox\n"
	    "highlight pizza\n"
	    "highlight cake\n"
	    "no-color no\n"
	    "sasl\n"
	    "sasl-password two words\n"
	    "port 6697";	/* no final newline */

	ck_assert_int_eq(parse_text(text, NULL, &g, err, sizeof(err)), 0);
	ck_assert_str_eq(g.text, "nick=alice;join=#home,#kids;"
	    "real=Alice Liddell;no-color=(on);host=lanbox;highlight=pizza;"
	    "highlight=cake;sasl=(on);sasl-password=two words;port=6697;");
}
END_TEST

START_TEST(config_flags_win)
{
	struct got g;
	char err[CONFIG_ERR_MAX];
	bool skip[CONFIG_ID_MAX] = { 0 };

	skip['n'] = true;
	skip[config_by_name("highlight") - config_opts + CONFIG_LONG_ID] = true;
	ck_assert_int_eq(parse_text("nick file\nhighlight x\nuser u\n", skip,
	    &g, err, sizeof(err)), 0);
	ck_assert_str_eq(g.text, "user=u;");
}
END_TEST

START_TEST(config_bad)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "nick a\nbogus 1\n", "cfg:2: unknown option: bogus" },
		{ "nick\n", "cfg:1: nick needs a value" },
		{ "\n\nconfig other\n", "cfg:3: config cannot be set in a config file" },
		{ "help\n", "cfg:1: help cannot be set in a config file" },
		{ "no-color maybe\n", "cfg:1: no-color takes no value, or yes or no" },
		{ "port http\n", "cfg:1: not a port number: http" },
		{ "nick a\0b\n", "cfg:1: NUL byte in line" },
	};
	struct got g;
	char err[CONFIG_ERR_MAX];

	for (size_t i = 0; i < nitems(cases); i++) {
		err[0] = '\0';
		const char *t = cases[i].text;
		size_t n = strlen(t);
		if (i == nitems(cases) - 1)
			n = 9;	/* the NUL case: strlen stops early */
		FILE *fp = fmemopen((void *)t, n, "r");
		g.text[0] = '\0';
		ck_assert_int_eq(config_parse(fp, "cfg", NULL, got_set, &g, err,
		    sizeof(err)), -1);
		fclose(fp);
		ck_assert_str_eq(err, cases[i].err);
	}

	char *big = xmalloc(CONFIG_LINE_MAX + 20);
	memset(big, 'x', CONFIG_LINE_MAX + 10);
	memcpy(big, "\nnick ", 6);
	big[CONFIG_LINE_MAX + 10] = '\0';
	ck_assert_int_eq(parse_text(big, NULL, &g, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "cfg:2: line longer than 1024 bytes");
	free(big);
}
END_TEST

START_TEST(config_tables)
{
	struct option longopts[64];
	char shortopts[64];
	char buf[256];

	ck_assert_uint_lt(config_nopts + 1, nitems(longopts));
	config_getopt(longopts, shortopts, sizeof(shortopts));
	ck_assert_str_eq(shortopts, "c:hj:n:p:r:u:V");
	size_t k = 0;
	for (size_t i = 0; i < config_nopts; i++) {
		if (i > 0)	/* sorted, as --help promises */
			ck_assert_int_lt(strcmp(config_opts[i - 1].name,
			    config_opts[i].name), 0);
		/* A config-file-only key (a secret) is no flag. */
		if (config_opts[i].flags & CONFIG_NOFLAG)
			continue;
		ck_assert_str_eq(longopts[k].name, config_opts[i].name);
		ck_assert_ptr_eq(config_by_id(longopts[k].val), &config_opts[i]);
		ck_assert_int_eq(config_opt_id(&config_opts[i]), longopts[k].val);
		ck_assert_int_lt(longopts[k].val, CONFIG_ID_MAX);
		k++;
	}
	ck_assert_uint_lt(k, config_nopts);
	ck_assert_ptr_null(longopts[k].name);
	ck_assert_ptr_nonnull(config_by_name("host"));

	ck_assert(config_path(buf, sizeof(buf), "x.conf", "/x", "/h"));
	ck_assert_str_eq(buf, "x.conf");
	ck_assert(config_path(buf, sizeof(buf), NULL, "/x", "/h"));
	ck_assert_str_eq(buf, "/x/natter/config");
	ck_assert(config_path(buf, sizeof(buf), NULL, "rel", "/h"));
	ck_assert_str_eq(buf, "/h/.config/natter/config");
	ck_assert(config_path(buf, sizeof(buf), NULL, NULL, "/h"));
	ck_assert(!config_path(buf, sizeof(buf), NULL, "", NULL));

	char *usage;
	size_t ulen;
	FILE *fp = open_memstream(&usage, &ulen);
	config_usage(fp, "natter");
	fclose(fp);
	for (size_t i = 0; i < config_nopts; i++) {
		snprintf(buf, sizeof(buf), "--%s ", config_opts[i].name);
		if (config_opts[i].flags & CONFIG_NOFLAG)
			ck_assert_msg(strstr(usage, buf) == NULL, "%s in --help",
			    buf);
		else
			ck_assert_msg(strstr(usage, buf) != NULL,
			    "%s not in --help", buf);
	}
	free(usage);
}
END_TEST

/* paste */

struct chunks {
	char out[8][600];
	size_t n;
};

static void
chunk_keep(const char *chunk, size_t n, bool concat, void *arg)
{
	struct chunks *c = arg;

	ck_assert_uint_lt(c->n, nitems(c->out));
	memcpy(c->out[c->n], chunk, n);
	c->out[c->n][n] = '\0';
	c->n++;
}

START_TEST(paste_budgets)
{
	/* ":alice!~al@host " is 16 bytes; "PRIVMSG #home :" 15; CRLF 2 */
	ck_assert_uint_eq(paste_prefix_len("alice", "al", "host"), 16);
	ck_assert_uint_eq(paste_budget("PRIVMSG", "#home", 16), 512 - 16 - 15 - 2);
	ck_assert_uint_eq(paste_prefix_len("a", NULL, NULL),
	    1 + 1 + 1 + IRC_USER_MAX + 1 + 1 + IRC_HOST_MAX + 1);
	ck_assert_uint_eq(paste_budget("PRIVMSG", "#x", 600), 0);
}
END_TEST

START_TEST(paste_splits)
{
	struct chunks c = { .n = 0 };
	const char *five = "one\ntwo\r\nthree\rfour\n\nfive\n";

	ck_assert_uint_eq(paste_count(five, strlen(five), 400), 5);
	ck_assert_uint_eq(paste_split(five, strlen(five), 400, false, chunk_keep, &c), 5);
	ck_assert_str_eq(c.out[0], "one");
	ck_assert_str_eq(c.out[2], "three");
	ck_assert_str_eq(c.out[4], "five");

	/* Prefer the last space in the second half, and drop it. */
	c.n = 0;
	ck_assert_uint_eq(paste_split("aaaa bbbb cccc", 14, 10, false, chunk_keep, &c), 2);
	ck_assert_str_eq(c.out[0], "aaaa bbbb");
	ck_assert_str_eq(c.out[1], "cccc");

	/* No space: never split a UTF-8 character ("é" is 2 bytes). */
	char text[64];
	strcpy(text, "abc\xc3\xa9\xc3\xa9\xc3\xa9");
	c.n = 0;
	ck_assert_uint_eq(paste_split(text, strlen(text), 4, false, chunk_keep, &c), 3);
	ck_assert_str_eq(c.out[0], "abc");
	ck_assert_str_eq(c.out[1], "\xc3\xa9\xc3\xa9");
	ck_assert_str_eq(c.out[2], "\xc3\xa9");

	/* A 1000-byte line at the real budget: every piece fits, all kept. */
	char big[1001];
	for (int i = 0; i < 1000; i++)
		big[i] = i % 7 == 6 ? ' ' : 'a' + i % 26;
	big[1000] = '\0';
	size_t budget = paste_budget("PRIVMSG", "#home",
	    paste_prefix_len("alice", NULL, NULL));
	c.n = 0;
	size_t n = paste_split(big, 1000, budget, false, chunk_keep, &c);
	ck_assert_uint_eq(n, 3);
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_le(strlen(c.out[i]), budget);
		total += strlen(c.out[i]) + 1;
	}
	ck_assert_uint_eq(total, 1000 + 1);	/* only the break spaces went */
}
END_TEST

/* Keys that came together are a paste when a line break has text on
 * both sides; a paste goes into the input line as one line. */
START_TEST(paste_bursts_and_insert)
{
	struct edit e = { 0 };
	char out[64], big[EDIT_MAX + 16];

	ck_assert(paste_burst("a\nb", 3));
	ck_assert(paste_burst("one\r\ntwo\r\n", 10));
	ck_assert(!paste_burst("typed\r", 6));
	ck_assert(!paste_burst("\rb", 2));
	ck_assert(!paste_burst("abc", 3));
	ck_assert(paste_insert(&e, "one\r\ntwo\nthree\n", 15));
	edit_get(&e, out, sizeof(out));
	ck_assert_str_eq(out, "one two three");
	edit_free(&e);
	memset(&e, 0, sizeof(e));
	memset(big, 'x', sizeof(big));
	ck_assert(!paste_insert(&e, big, sizeof(big)));
	ck_assert_uint_gt(e.len, EDIT_MAX - 2);
	edit_free(&e);
}
END_TEST

START_TEST(pace_bucket)
{
	struct pace p;
	int64_t now = 1000000;

	pace_init(&p);
	for (int i = 0; i < PACE_BURST; i++) {
		ck_assert_int_eq(pace_wait(&p, now), 0);
		pace_take(&p, now);
	}
	ck_assert_int_eq(pace_wait(&p, now), PACE_INTERVAL_MS);
	ck_assert_int_eq(pace_wait(&p, now + 400), PACE_INTERVAL_MS - 400);
	now += PACE_INTERVAL_MS;
	ck_assert_int_eq(pace_wait(&p, now), 0);
	pace_take(&p, now);
	ck_assert_int_eq(pace_wait(&p, now), PACE_INTERVAL_MS);
	/* A long quiet spell refills the whole burst, no more. */
	now += 60000;
	for (int i = 0; i < PACE_BURST; i++) {
		ck_assert_int_eq(pace_wait(&p, now), 0);
		pace_take(&p, now);
	}
	ck_assert_int_gt(pace_wait(&p, now), 0);
}
END_TEST

/* logfile */

START_TEST(logfile_names_lines)
{
	char buf[512];
	int64_t t = 1763728271123;	/* 2025-11-21 12:31:11 UTC */

	ck_assert_uint_gt(logfile_path(buf, sizeof(buf), "/l", "#Home", t), 0);
	ck_assert_str_eq(buf, "/l/#home-2025-11-21.log");
	logfile_path(buf, sizeof(buf), "/l", "../../etc/passwd", t);
	ck_assert_str_eq(buf, "/l/_._.._etc_passwd-2025-11-21.log");
	logfile_path(buf, sizeof(buf), "/l", "..", t);
	ck_assert_ptr_null(strstr(buf + 3, ".."));
	ck_assert_ptr_null(strchr(buf + 3, '/'));

	logfile_line(buf, sizeof(buf), t, "<bob>",
	    "\x02" "bold\x02 \x03" "4,12red\x03 \x0f" "plain");
	ck_assert_str_eq(buf, "[12:31:11] <bob> bold red plain\n");
	logfile_line(buf, sizeof(buf), t, "", "bob joined");
	ck_assert_str_eq(buf, "[12:31:11] bob joined\n");
	/* A log is read with cat and less: a server's escapes, C1 controls
	 * and bytes that are not UTF-8, in the nick or the text, stay out. */
	logfile_line(buf, sizeof(buf), t, "<b\033]0;x\007ob>",
	    "hi \xc2\x9b" "2J\x9b\xff caf\xc3\xa9");
	ck_assert_str_eq(buf, "[12:31:11] <b]0;xob> hi 2J café\n");
}
END_TEST

START_TEST(logfile_writes_per_day)
{
	char dir[] = "/tmp/check_client_features.XXXXXX";
	char path[512], text[256];
	struct logfile l = { 0 };
	int64_t t = 1763728271123;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	char logs[600];
	snprintf(logs, sizeof(logs), "%s/logs", dir);
	ck_assert_int_eq(logfile_write(&l, logs, "#home", t, "<a>", "one"), 0);
	ck_assert_int_eq(logfile_write(&l, logs, "#home", t + 1000, "<b>", "two"), 0);
	ck_assert_int_eq(logfile_write(&l, logs, "#home", t + 86400000, "<a>",
	    "next day"), 0);
	logfile_close(&l);

	logfile_path(path, sizeof(path), logs, "#home", t);
	FILE *fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(text, "[12:31:11] <a> one\n[12:31:12] <b> two\n");
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	unlink(path);
	logfile_path(path, sizeof(path), logs, "#home", t + 86400000);
	ck_assert_int_eq(stat(path, &st), 0);
	unlink(path);
	rmdir(logs);
	rmdir(dir);
}
END_TEST

/* A multiline message is a log line per line, each with its time and
 * nick, for grep; a long line is written whole. A replay leaves all of
 * them out again. */
START_TEST(logfile_long_and_multiline)
{
	char dir[] = "/tmp/check_client_features.XXXXXX";
	char path[512];
	static char text[8192], want[16384], got[16384];
	struct logfile l = { 0 };
	int64_t t = 1763728271123;
	size_t k = 0, w = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (unsigned i = 1; i <= 100; i++) {
		k += (size_t)snprintf(text + k, sizeof(text) - k, "%sline %03u "
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i > 1 ? "\n" : "", i);
		w += (size_t)snprintf(want + w, sizeof(want) - w, "[12:31:11] "
		    "<bob> line %03u xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", i);
	}
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t, "<bob>", text), 0);
	char one[3001];
	memset(one, 'y', 3000);
	one[3000] = '\0';
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t, "<bob>", one), 0);
	w += (size_t)snprintf(want + w, sizeof(want) - w, "[12:31:11] <bob> %s\n",
	    one);
	logfile_close(&l);
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t, "<bob>", text), 1);
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t, "<bob>", one), 1);
	logfile_close(&l);

	logfile_path(path, sizeof(path), dir, "#home", t);
	FILE *fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	size_t n = fread(got, 1, sizeof(got) - 1, fp);
	got[n] = '\0';
	fclose(fp);
	/* Compared by hand: Check cannot carry a message this long. */
	ck_assert_uint_eq(n, strlen(want));
	ck_assert(memcmp(got, want, n) == 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Each line once and in order, whatever a restart replays: what the
 * file holds is read back at open; a line of the file's last second is
 * left out once per copy the file has, a later one written, an earlier
 * one left out. */
START_TEST(logfile_dedupe_replay)
{
	char dir[] = "/tmp/check_client_features.XXXXXX";
	char path[512], text[512];
	struct logfile l = { 0 };
	int64_t t = 1763728271123;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t, "<a>", "one"), 0);
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t + 1000, "<b>", "ok"), 0);
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t + 1100, "<b>", "ok"), 0);
	logfile_close(&l);

	/* The next run replays the same, then goes on. */
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t, "<a>", "one"), 1);
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t + 1000, "<b>", "ok"), 1);
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t + 1100, "<b>", "ok"), 1);
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t + 1200, "<c>", "new"), 0);
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t + 1300, "<b>", "ok"), 0);
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t + 5000, "<a>", "two"), 0);
	/* Older than the last line: out of order, left out. */
	ck_assert_int_eq(logfile_write(&l, dir, "#home", t + 3000, "<a>", "late"), 1);
	logfile_close(&l);

	logfile_path(path, sizeof(path), dir, "#home", t);
	FILE *fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(text, "[12:31:11] <a> one\n[12:31:12] <b> ok\n"
	    "[12:31:12] <b> ok\n[12:31:12] <c> new\n[12:31:12] <b> ok\n"
	    "[12:31:16] <a> two\n");
	unlink(path);
	rmdir(dir);
}
END_TEST

/* known_servers */

START_TEST(known_path_and_lookup)
{
	char buf[256];
	unsigned char a[FINGERPRINT_LEN], b[FINGERPRINT_LEN], old[FINGERPRINT_LEN];
	unsigned line = 0;

	ck_assert(known_path(buf, sizeof(buf), "/x", "/h"));
	ck_assert_str_eq(buf, "/x/natter/known_servers");
	ck_assert(known_path(buf, sizeof(buf), "rel", "/h"));
	ck_assert_str_eq(buf, "/h/.local/share/natter/known_servers");
	ck_assert(!known_path(buf, sizeof(buf), NULL, ""));

	memset(a, 0xab, sizeof(a));
	memset(b, 0x01, sizeof(b));
	/* Comments, junk, another port and a name in another case. */
	FILE *fp = tmpfile();
	ck_assert_ptr_nonnull(fp);
	fputs("# trusted\n"
	    "lanbox 6697 not-a-fingerprint\n"
	    "lanbox 6698 " "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\n"
	    "LanBox 6697 01:01:01:01:01:01:01:01:01:01:01:01:01:01:01:01:"
	    "01:01:01:01:01:01:01:01:01:01:01:01:01:01:01:01\n", fp);
	rewind(fp);
	ck_assert_int_eq(known_find(fp, "lanbox", "6697", b, &line, old),
	    KNOWN_SAME);
	rewind(fp);
	ck_assert_int_eq(known_find(fp, "lanbox", "6698", a, &line, old),
	    KNOWN_SAME);
	rewind(fp);
	ck_assert_int_eq(known_find(fp, "lanbox", "6697", a, &line, old),
	    KNOWN_CHANGED);
	ck_assert_uint_eq(line, 4);
	ck_assert_mem_eq(old, b, sizeof(b));
	rewind(fp);
	ck_assert_int_eq(known_find(fp, "otherbox", "6697", a, &line, old),
	    KNOWN_NONE);
	fclose(fp);
}
END_TEST

START_TEST(known_add_makes_dirs)
{
	char dir[] = "/tmp/check_client_features.XXXXXX";
	char path[512], err[256], text[512];
	unsigned char d[FINGERPRINT_LEN], old[FINGERPRINT_LEN];
	unsigned line = 0;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/natter/known_servers", dir);
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (unsigned char)i;
	ck_assert(known_add(path, "lanbox", "6697", d, err, sizeof(err)));
	FILE *fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), fp));
	ck_assert_str_eq(text, "lanbox 6697 00:01:02:03:04:05:06:07:08:09:0a:"
	    "0b:0c:0d:0e:0f:10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f\n");
	rewind(fp);
	ck_assert_int_eq(known_find(fp, "lanbox", "6697", d, &line, old),
	    KNOWN_SAME);
	fclose(fp);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a/natter", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", dir);
	rmdir(path);
	/* A file where a directory should be: an error naming it. */
	snprintf(path, sizeof(path), "%s/f", dir);
	fclose(fopen(path, "w"));
	snprintf(text, sizeof(text), "%s/f/known_servers", dir);
	ck_assert(!known_add(text, "lanbox", "6697", d, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/f"));
	unlink(path);
	rmdir(dir);
}
END_TEST

/* search */

static const char *const lines[] = {
	"hello world",
	"\x02Pizza\x02 tonight?",
	"nothing here",
	"who wants PIZZA",
	"\xc3\x89T\xc3\x89 is summer",	/* "ÉTÉ" */
};

static const char *
line_at(long i, void *arg)
{
	(void)arg;
	return lines[i];
}

START_TEST(search_steps_back)
{
	long n = (long)nitems(lines);

	long i = search_back(n, "pizza", line_at, NULL);
	ck_assert_int_eq(i, 3);
	i = search_back(i, "pizza", line_at, NULL);
	ck_assert_int_eq(i, 1);	/* bold codes ignored */
	ck_assert_int_eq(search_back(i, "pizza", line_at, NULL), -1);
	ck_assert_int_eq(search_back(n, "\xc3\xa9t\xc3\xa9", line_at, NULL), 4);
	ck_assert_int_eq(search_back(n, "", line_at, NULL), -1);
	ck_assert(search_match("a b c", "B C"));
}
END_TEST

/* colours, away */

START_TEST(colors)
{
	ck_assert_int_eq(color_mode(NULL, false, 256), COLOR_256);
	ck_assert_int_eq(color_mode(NULL, false, 88), COLOR_8);
	ck_assert_int_eq(color_mode(NULL, false, 8), COLOR_8);
	ck_assert_int_eq(color_mode(NULL, false, 0), COLOR_NONE);
	ck_assert_int_eq(color_mode(NULL, false, -1), COLOR_NONE);
	ck_assert_int_eq(color_mode("", false, 256), COLOR_NONE);
	ck_assert_int_eq(color_mode("1", false, 256), COLOR_NONE);
	ck_assert_int_eq(color_mode(NULL, true, 256), COLOR_NONE);
}
END_TEST

START_TEST(away_once)
{
	struct away_memo a;

	away_init(&a);
	ck_assert(away_show(&a, "bob", "lunch"));
	ck_assert(!away_show(&a, "BOB", "lunch"));
	ck_assert(away_show(&a, "bob", "gone home"));
	ck_assert(away_show(&a, "carol", "lunch"));
}
END_TEST

/* notify */

START_TEST(notify_sequences)
{
	char out[NOTIFY_SEQ_MAX * 2];
	enum notify_mode m;

	ck_assert(notify_mode_parse("osc9", &m));
	ck_assert_int_eq(m, NOTIFY_OSC9);
	ck_assert(notify_mode_parse("none", &m));
	ck_assert_int_eq(m, NOTIFY_NONE);
	ck_assert(!notify_mode_parse("OSC777", &m));
	ck_assert_uint_gt(notify_osc(out, sizeof(out), NOTIFY_OSC777, false,
	    "bob in #a;b", "x;y"), 0);
	/* The title is a field: its ';' would start the body early. */
	ck_assert_str_eq(out, "\033]777;notify;bob in #a,b;x;y\033\\");
	notify_osc(out, sizeof(out), NOTIFY_OSC9, false, "bob", "\x03" "4red\x0f!");
	ck_assert_str_eq(out, "\033]9;bob: red!\033\\");
	/* tmux: a DCS passthrough, each ESC inside doubled. */
	notify_osc(out, sizeof(out), NOTIFY_OSC9, true, "bob", "hi");
	ck_assert_str_eq(out, "\033Ptmux;\033\033]9;bob: hi\033\033\\\033\\");
	ck_assert_uint_eq(notify_osc(out, sizeof(out), NOTIFY_NONE, false,
	    "bob", "hi"), 0);
	/* Too small: nothing, never half a sequence. */
	ck_assert_uint_eq(notify_osc(out, 10, NOTIFY_OSC777, false, "bob",
	    "hello"), 0);
	ck_assert_str_eq(out, "");
	/* A long text is cut, the sequence still ends. */
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	size_t n = notify_osc(out, sizeof(out), NOTIFY_OSC777, false, "bob", big);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, NOTIFY_SEQ_MAX);
	ck_assert_str_eq(out + n - 2, "\033\\");
}
END_TEST

START_TEST(notify_rate_and_focus)
{
	int p[2];
	char got[4096];
	struct buffer *b;

	ck_assert_int_eq(pipe(p), 0);
	window_scrollback = 100;
	window_init("server");
	b = window_open("bob", BUFFER_QUERY);
	notify_init(NOTIFY_OSC9, NULL, p[1], false);
	ck_assert(notify_enabled());
	ck_assert_int_eq(notify_focus_state(), NOTIFY_FOCUS_UNKNOWN);
	/* A burst of NOTIFY_BURST, then one per interval. */
	for (int i = 0; i < NOTIFY_BURST; i++)
		ck_assert(notify_message(b, "bob", "hi", 1000));
	ck_assert(!notify_message(b, "bob", "hi", 1000));
	ck_assert(!notify_message(b, "bob", "hi", 1000 + NOTIFY_INTERVAL_MS - 1));
	ck_assert(notify_message(b, "bob", "hi", 1000 + NOTIFY_INTERVAL_MS));
	ssize_t n = read(p[0], got, sizeof(got) - 1);
	ck_assert_int_eq(n, (NOTIFY_BURST + 1) *
	    (ssize_t)strlen("\033]9;bob: hi\033\\"));
	/* Focused: nothing, and nothing taken from the bucket. */
	notify_focus(true);
	ck_assert(!notify_message(b, "bob", "hi", 100000));
	notify_focus(false);
	ck_assert_int_eq(notify_focus_state(), NOTIFY_FOCUS_OUT);
	ck_assert(notify_message(b, "bob", "hi", 100000));
	notify_init(NOTIFY_NONE, NULL, p[1], false);
	ck_assert(!notify_enabled());
	ck_assert(!notify_message(b, "bob", "hi", 200000));
	notify_init(NOTIFY_NONE, NULL, -1, false);
	window_free_all();
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(notify_cmd_arguments)
{
	char dir[] = "/tmp/check-notify.XXXXXX", prog[256], out[256];
	char got[512] = "";
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(prog, sizeof(prog), "%s/notify", dir);
	snprintf(out, sizeof(out), "%s/args", dir);
	fp = fopen(prog, "w");
	ck_assert_ptr_nonnull(fp);
	/* Written to a temporary name, then renamed: the test never reads
	 * half a file. */
	fprintf(fp, "#!/bin/sh\nprintf '%%s|%%s|%%s\\n' \"$#\" \"$1\" \"$2\" "
	    ">\"%s.tmp\" && mv \"%s.tmp\" \"%s\"\n", out, out, out);
	fclose(fp);
	ck_assert_int_eq(chmod(prog, 0700), 0);
	/* No shell sees the text: $(...) and ; stay text; controls go. */
	notify_run(prog, "bob in #lan", "$(touch x); \033[31mred\a `id`");
	for (int i = 0; i < 500; i++) {	/* 5 s at most */
		if ((fp = fopen(out, "r")) != NULL) {
			if (fgets(got, sizeof(got), fp) == NULL)
				got[0] = '\0';
			fclose(fp);
			break;
		}
		usleep(10000);
	}
	ck_assert_str_eq(got, "2|bob in #lan|$(touch x); [31mred `id`\n");
	unlink(out);
	unlink(prog);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* pipe */

START_TEST(pipe_formats)
{
	char out[PIPE_LINE_MAX], err[CONFIG_ERR_MAX];
	int64_t ms;

	ck_assert(pipe_format_check(PIPE_FORMAT_DEFAULT, err, sizeof(err)));
	ck_assert(pipe_format_check("%T %d %c %n: %m 100%%", err, sizeof(err)));
	ck_assert(!pipe_format_check("%m %x", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "%x"));
	ck_assert(!pipe_format_check("trailing %", err, sizeof(err)));
	ck_assert(time_parse("2026-12-04T09:08:07.006Z", &ms));
	pipe_format(out, sizeof(out), PIPE_FORMAT_DEFAULT, ms, LINE_MSG,
	    "#lan", "bob", "hi \x02there\x02");
	ck_assert_str_eq(out, "[09:08:07] <bob> hi there");
	pipe_format(out, sizeof(out), "%N %m", ms, LINE_ACTION, "#lan", "bob",
	    "waves");
	ck_assert_str_eq(out, "* bob waves");
	pipe_format(out, sizeof(out), "%N|%c|%n|%d|%T|100%%", ms, LINE_NOTICE,
	    "#lan", "bob", "x");
	ck_assert_str_eq(out, "-bob-|#lan|bob|2026-12-04|2026-12-04T09:08:07.006Z|100%");
	/* One message, one line: the server's newlines and escapes go. */
	pipe_format(out, sizeof(out), "%n: %m", ms, LINE_MSG, "#lan",
	    "b\033ob", "two\nlines \033[31mred\a");
	ck_assert_str_eq(out, "bob: twolines [31mred");
	/* Cut to the space given, never past it. */
	ck_assert_uint_eq(pipe_format(out, 8, "%m", ms, LINE_MSG, "#lan",
	    "bob", "0123456789"), 7);
	ck_assert_str_eq(out, "0123456");
}
END_TEST

START_TEST(pipe_targets)
{
	char t[IRC_CHAN_MAX + 1];

	ck_assert(pipe_target(t, sizeof(t), "bob", "#lan"));
	ck_assert_str_eq(t, "bob");
	ck_assert(pipe_target(t, sizeof(t), NULL, "builds,#lan"));
	ck_assert_str_eq(t, "#builds");
	ck_assert(!pipe_target(t, sizeof(t), NULL, NULL));
}
END_TEST

/* discover */

static struct disc_entry
disc_entry(const char *name, const char *addr, uint16_t port, bool tls,
    bool ipv6)
{
	struct disc_entry e;

	memset(&e, 0, sizeof(e));
	str_copy(e.name, name, sizeof(e.name));
	str_copy(e.host, "box.local", sizeof(e.host));
	str_copy(e.addr, addr, sizeof(e.addr));
	e.port = port;
	e.tls = tls;
	e.ipv6 = ipv6;
	return e;
}

START_TEST(discover_list)
{
	static struct disc_list l;
	struct disc_entry e;
	char line[512];

	memset(&l, 0, sizeof(l));
	/* Found over IPv6 first, then IPv4: one entry, the IPv4 address. */
	e = disc_entry("lanbox", "fe80::1%eth0", 6697, true, true);
	ck_assert(disc_add(&l, &e));
	e = disc_entry("lanbox", "192.168.1.5", 6697, true, false);
	ck_assert(disc_add(&l, &e));
	e = disc_entry("LANBOX", "fe80::1%eth0", 6697, true, true);
	ck_assert(disc_add(&l, &e));
	e = disc_entry("lanbox", "192.168.1.5", 6667, false, false);
	ck_assert(disc_add(&l, &e));
	e = disc_entry("attic", "192.168.1.9", 6667, false, false);
	ck_assert(disc_add(&l, &e));
	/* The same address and port under another name (a static Avahi
	 * file beside natterd's own announcement): the same server. */
	e = disc_entry("natterd on lanbox", "192.168.1.5", 6667, false, false);
	ck_assert(disc_add(&l, &e));
	ck_assert_uint_eq(l.n, 3);
	/* By name, TLS before plain. */
	ck_assert_str_eq(l.e[0].name, "attic");
	ck_assert_str_eq(l.e[1].addr, "192.168.1.5");
	ck_assert(l.e[1].tls);
	ck_assert(!l.e[2].tls);
	disc_line(line, sizeof(line), 1, &l.e[1]);
	ck_assert_str_eq(line, " 2) lanbox: 192.168.1.5 port 6697, TLS (box.local)");
	/* A name from the network cannot write escapes. */
	e = disc_entry("evil\033]0;x\007", "10.0.0.1", 6667, false, false);
	disc_line(line, sizeof(line), 0, &e);
	ck_assert_str_eq(line, " 1) evil]0;x: 10.0.0.1 port 6667, plain (box.local)");
	/* Full: refused, nothing overwritten. */
	memset(&l, 0, sizeof(l));
	for (int i = 0; i < DISC_MAX; i++) {
		char name[16], addr[16];
		snprintf(name, sizeof(name), "box%02d", i);
		snprintf(addr, sizeof(addr), "10.0.1.%d", i);
		e = disc_entry(name, addr, 6667, false, false);
		ck_assert(disc_add(&l, &e));
	}
	e = disc_entry("one-more", "10.0.0.2", 6667, false, false);
	ck_assert(!disc_add(&l, &e));
	ck_assert_uint_eq(l.n, DISC_MAX);
}
END_TEST

START_TEST(discover_choose)
{
	static struct disc_list l;
	struct disc_entry e;
	char out[1024];
	FILE *fo, *fi;

	ck_assert_int_eq(disc_choose("", 3), 0);
	ck_assert_int_eq(disc_choose("\n", 3), 0);
	ck_assert_int_eq(disc_choose("2\n", 3), 1);
	ck_assert_int_eq(disc_choose(" 3 \n", 3), 2);
	ck_assert_int_eq(disc_choose("4\n", 3), -2);
	ck_assert_int_eq(disc_choose("0\n", 3), -2);
	ck_assert_int_eq(disc_choose("2x\n", 3), -2);
	ck_assert_int_eq(disc_choose("-1\n", 3), -2);
	ck_assert_int_eq(disc_choose("q\n", 3), -1);
	ck_assert_int_eq(disc_choose("\n", 0), -2);
	/* Asked again until understood. */
	memset(&l, 0, sizeof(l));
	e = disc_entry("a", "10.0.0.1", 6667, false, false);
	disc_add(&l, &e);
	e = disc_entry("b", "10.0.0.2", 6697, true, false);
	disc_add(&l, &e);
	fi = fmemopen((char[]){ "9\nb\n2\n" }, 6, "r");
	fo = fmemopen(out, sizeof(out), "w");
	ck_assert_int_eq(discover_pick(fo, fi, &l, true), 1);
	fclose(fo);
	ck_assert_ptr_nonnull(strstr(out, " 2) b: 10.0.0.2 port 6697, TLS"));
	ck_assert_ptr_nonnull(strstr(out, "Connect to which? [1-2"));
	fclose(fi);
	/* The end of input is no answer. */
	fi = fmemopen((char[]){ "x" }, 1, "r");
	fo = fmemopen(out, sizeof(out), "w");
	ck_assert_int_eq(discover_pick(fo, fi, &l, true), -1);
	fclose(fo);
	fclose(fi);
}
END_TEST

int
main(void)
{
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");
	setenv("TZ", "UTC", 1);

	Suite *s = suite_create("client_features");
	TCase *tc = tcase_create("features");
	tcase_add_test(tc, backoff_doubles_to_cap);
	tcase_add_test(tc, backoff_jitter_bounded);
	tcase_add_test(tc, backoff_reset_starts_over);
	tcase_add_test(tc, seen_drops_duplicates);
	tcase_add_test(tc, seen_forgets_oldest);
	tcase_add_test(tc, chathist_lines);
	tcase_add_test(tc, chathist_timestamp_fallback);
	tcase_add_test(tc, comp_recent_first_and_cycles);
	tcase_add_test(tc, comp_commands_channels);
	tcase_add_test(tc, comp_list_edits);
	tcase_add_test(tc, complete_cycle_in_buffer);
	tcase_add_test(tc, hl_words);
	tcase_add_test(tc, config_good);
	tcase_add_test(tc, config_flags_win);
	tcase_add_test(tc, config_bad);
	tcase_add_test(tc, config_tables);
	tcase_add_test(tc, paste_budgets);
	tcase_add_test(tc, paste_splits);
	tcase_add_test(tc, paste_bursts_and_insert);
	tcase_add_test(tc, pace_bucket);
	tcase_add_test(tc, logfile_names_lines);
	tcase_add_test(tc, logfile_writes_per_day);
	tcase_add_test(tc, logfile_long_and_multiline);
	tcase_add_test(tc, logfile_dedupe_replay);
	tcase_add_test(tc, known_path_and_lookup);
	tcase_add_test(tc, known_add_makes_dirs);
	tcase_add_test(tc, search_steps_back);
	tcase_add_test(tc, colors);
	tcase_add_test(tc, away_once);
	tcase_add_test(tc, notify_sequences);
	tcase_add_test(tc, notify_rate_and_focus);
	tcase_add_test(tc, notify_cmd_arguments);
	tcase_add_test(tc, pipe_formats);
	tcase_add_test(tc, pipe_targets);
	tcase_add_test(tc, discover_list);
	tcase_add_test(tc, discover_choose);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
