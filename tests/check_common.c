/* Check tests for common/: message, framing, names, time, fingerprint,
 * utf8, helpers. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irc.h"
#include "util.h"

/* Parse a copy of s (the parser writes into its line). */
static char pbuf[IRC_LINE_MAX + 20000];

static int
parse(struct irc_msg *m, const char *s)
{
	size_t n = strlen(s);

	ck_assert_uint_lt(n, sizeof(pbuf));
	memcpy(pbuf, s, n + 1);
	return irc_parse(m, pbuf, n);
}

/* --- message: parsing */

START_TEST(parse_basic)
{
	struct irc_msg m;

	ck_assert_int_eq(parse(&m, ":nick!user@host PRIVMSG #chan :hello world"), IRC_OK);
	ck_assert_uint_eq(m.ntags, 0);
	ck_assert_str_eq(m.source, "nick!user@host");
	ck_assert_str_eq(m.command, "PRIVMSG");
	ck_assert_uint_eq(m.nparams, 2);
	ck_assert_str_eq(m.params[0], "#chan");
	ck_assert_str_eq(m.params[1], "hello world");
}
END_TEST

START_TEST(parse_tags)
{
	struct irc_msg m;

	ck_assert_int_eq(parse(&m, "@time=2026-01-01T00:00:00.000Z;+example.com/x=a\\sb;flag "
	    ":srv 001 me :Welcome"), IRC_OK);
	ck_assert_uint_eq(m.ntags, 3);
	ck_assert_str_eq(irc_tag_get(&m, "time"), "2026-01-01T00:00:00.000Z");
	ck_assert_str_eq(irc_tag_get(&m, "+example.com/x"), "a b");
	ck_assert_str_eq(irc_tag_get(&m, "flag"), "");
	ck_assert_ptr_null(irc_tag_get(&m, "nope"));
	ck_assert_str_eq(m.command, "001");
	ck_assert_str_eq(m.params[1], "Welcome");
}
END_TEST

START_TEST(parse_every_escape)
{
	struct irc_msg m;

	ck_assert_int_eq(parse(&m, "@a=\\:\\s\\\\\\r\\n;b=x\\;c=\\q\\ PING"), IRC_OK);
	ck_assert_str_eq(irc_tag_get(&m, "a"), "; \\\r\n");
	ck_assert_str_eq(irc_tag_get(&m, "b"), "x");	/* lone trailing backslash */
	ck_assert_str_eq(irc_tag_get(&m, "c"), "q");	/* unknown escape, then lone '\' */
}
END_TEST

START_TEST(parse_tag_edge_cases)
{
	struct irc_msg m;

	/* empty value is the same as no value */
	ck_assert_int_eq(parse(&m, "@a=;b PING"), IRC_OK);
	ck_assert_str_eq(irc_tag_get(&m, "a"), "");
	ck_assert_str_eq(irc_tag_get(&m, "b"), "");
	/* duplicate: the last one wins, one slot */
	ck_assert_int_eq(parse(&m, "@a=1;b=2;a=3 PING"), IRC_OK);
	ck_assert_uint_eq(m.ntags, 2);
	ck_assert_str_eq(irc_tag_get(&m, "a"), "3");
	ck_assert_int_eq(parse(&m, "@ PING"), IRC_EBADTAG);
	ck_assert_int_eq(parse(&m, "@;a PING"), IRC_EBADTAG);
	ck_assert_int_eq(parse(&m, "@a; PING"), IRC_EBADTAG);
	ck_assert_int_eq(parse(&m, "@=x PING"), IRC_EBADTAG);
	ck_assert_int_eq(parse(&m, "@+ PING"), IRC_EBADTAG);
	ck_assert_int_eq(parse(&m, "@a_b PING"), IRC_EBADTAG);
	ck_assert_int_eq(parse(&m, "@/a PING"), IRC_EBADTAG);
	ck_assert_int_eq(parse(&m, "@v/ PING"), IRC_EBADTAG);
	ck_assert_int_eq(parse(&m, "@v/w/x PING"), IRC_EBADTAG);
	ck_assert_int_eq(parse(&m, "@a"), IRC_ENOCOMMAND);
	ck_assert_int_eq(parse(&m, "@a=b   "), IRC_ENOCOMMAND);
	ck_assert_int_eq(parse(&m, "@a=b :src"), IRC_ENOCOMMAND);
}
END_TEST

START_TEST(parse_tag_count)
{
	struct irc_msg m;
	char line[2048];
	size_t o = 0;

	line[o++] = '@';
	for (int i = 0; i < IRC_TAG_COUNT_MAX; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%sk%d=v", i ? ";" : "", i);
	snprintf(line + o, sizeof(line) - o, " PING");
	ck_assert_int_eq(parse(&m, line), IRC_OK);
	ck_assert_uint_eq(m.ntags, IRC_TAG_COUNT_MAX);
	snprintf(line + o, sizeof(line) - o, ";one PING");
	ck_assert_int_eq(parse(&m, line), IRC_EBADTAG);
}
END_TEST

/* A tag section of exactly n bytes, '@' and the final space included. */
static char *
tags_of(size_t n, const char *rest)
{
	char *s = xmalloc(n + strlen(rest) + 1);

	s[0] = '@';
	memcpy(s + 1, "k=", 2);
	memset(s + 3, 'v', n - 4);
	s[n - 1] = ' ';
	strcpy(s + n, rest);
	return s;
}

START_TEST(parse_tag_limit)
{
	struct irc_msg m;
	char *s;

	s = tags_of(IRC_TAGS_MAX, "PING x");
	ck_assert_int_eq(parse(&m, s), IRC_OK);
	ck_assert_uint_eq(strlen(irc_tag_get(&m, "k")), IRC_TAGS_MAX - 4);
	free(s);
	s = tags_of(IRC_TAGS_MAX + 1, "PING x");
	ck_assert_int_eq(parse(&m, s), IRC_ETOOLONG);
	free(s);
	/* 8 KiB of tags with no space at all */
	s = tags_of(8192, "");
	s[8191] = 'v';
	ck_assert_int_eq(parse(&m, s), IRC_ETOOLONG);
	free(s);
}
END_TEST

/* "PRIVMSG #c :" and a trailing param making a body of n bytes. */
static char *
body_of(size_t n)
{
	char *s = xmalloc(n + 1);
	const char *head = "PRIVMSG #c :";

	memcpy(s, head, strlen(head));
	memset(s + strlen(head), 'x', n - strlen(head));
	s[n] = '\0';
	return s;
}

START_TEST(parse_body_limit)
{
	struct irc_msg m;
	char *s;

	s = body_of(510);
	ck_assert_int_eq(parse(&m, s), IRC_OK);
	free(s);
	s = body_of(511);
	ck_assert_int_eq(parse(&m, s), IRC_ETOOLONG);
	free(s);
	/* tags do not count against the body */
	char *b = body_of(510);
	s = tags_of(4000, b);
	ck_assert_int_eq(parse(&m, s), IRC_OK);
	free(s);
	free(b);
	/* a trailing CR is not body */
	char line[600];
	b = body_of(510);
	snprintf(line, sizeof(line), "%s\r", b);
	ck_assert_int_eq(parse(&m, line), IRC_OK);
	ck_assert_uint_eq(strlen(m.params[1]), 510 - 12);
	free(b);
}
END_TEST

START_TEST(parse_params)
{
	struct irc_msg m;

	ck_assert_int_eq(parse(&m, "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"), IRC_OK);
	ck_assert_uint_eq(m.nparams, 15);
	ck_assert_str_eq(m.params[14], "15");
	ck_assert_int_eq(parse(&m, "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 and more"), IRC_OK);
	ck_assert_uint_eq(m.nparams, 15);
	ck_assert_str_eq(m.params[14], "15 and more");
	ck_assert_int_eq(parse(&m, "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"),
	    IRC_ETOOMANYPARAMS);
	ck_assert_int_eq(parse(&m, "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 :16"),
	    IRC_ETOOMANYPARAMS);
	/* trailing spaces after the 15th are not a 16th */
	ck_assert_int_eq(parse(&m, "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15   "), IRC_OK);
	ck_assert_uint_eq(m.nparams, 15);
}
END_TEST

START_TEST(parse_ten_thousand_params)
{
	struct irc_msg m;
	char *s = xmalloc(4 + 2 * 10000 + 1);

	memcpy(s, "CMD", 3);
	for (int i = 0; i < 10000; i++)
		memcpy(s + 3 + 2 * i, " x", 2);
	s[3 + 2 * 10000] = '\0';
	ck_assert_int_eq(parse(&m, s), IRC_ETOOLONG);
	/* within the body limit, too many params is its own error */
	s[3 + 2 * 200] = '\0';
	ck_assert_int_eq(parse(&m, s), IRC_ETOOMANYPARAMS);
	free(s);
}
END_TEST

START_TEST(parse_spaces)
{
	struct irc_msg m;

	ck_assert_int_eq(parse(&m, "   :src   PRIVMSG    #c    :a  b  "), IRC_OK);
	ck_assert_str_eq(m.source, "src");
	ck_assert_uint_eq(m.nparams, 2);
	ck_assert_str_eq(m.params[0], "#c");
	ck_assert_str_eq(m.params[1], "a  b  ");
	ck_assert_int_eq(parse(&m, "PING :"), IRC_OK);
	ck_assert_uint_eq(m.nparams, 1);
	ck_assert_str_eq(m.params[0], "");
	ck_assert_int_eq(parse(&m, ": PING x"), IRC_OK);	/* empty source */
	ck_assert_ptr_null(m.source);
	ck_assert_str_eq(m.command, "PING");
	ck_assert_int_eq(parse(&m, "QUIT"), IRC_OK);
	ck_assert_uint_eq(m.nparams, 0);
	ck_assert_ptr_null(m.source);
}
END_TEST

START_TEST(parse_errors)
{
	struct irc_msg m;
	char nul[] = "PRIVMSG #c :a\0b";

	ck_assert_int_eq(parse(&m, ""), IRC_EEMPTY);
	ck_assert_int_eq(parse(&m, "    "), IRC_EEMPTY);
	ck_assert_int_eq(parse(&m, "\r"), IRC_EEMPTY);
	ck_assert_int_eq(parse(&m, ":src"), IRC_ENOCOMMAND);
	ck_assert_int_eq(parse(&m, ":src   "), IRC_ENOCOMMAND);
	ck_assert_int_eq(parse(&m, "PRIV1 x"), IRC_EBADCOMMAND);
	ck_assert_int_eq(parse(&m, "01 x"), IRC_EBADCOMMAND);
	ck_assert_int_eq(parse(&m, "0001 x"), IRC_EBADCOMMAND);
	ck_assert_int_eq(parse(&m, ":x ! y"), IRC_EBADCOMMAND);
	ck_assert_int_eq(irc_parse(&m, nul, sizeof(nul) - 1), IRC_ENUL);
	ck_assert_int_eq(parse(&m, "PRIVMSG #c :a\rb"), IRC_EBADCHAR);
	ck_assert_int_eq(parse(&m, "PRIVMSG #c :a\nb"), IRC_EBADCHAR);
	ck_assert_int_eq(parse(&m, "PRIVMSG #c :a\r\r"), IRC_EBADCHAR);
	for (int e = IRC_OK; e <= IRC_EBADCHAR; e++)
		ck_assert_str_ne(irc_strerror(e), irc_strerror(-1));
}
END_TEST

START_TEST(parse_cr_lf_endings)
{
	struct irc_msg m;

	ck_assert_int_eq(parse(&m, "PING :x\r"), IRC_OK);
	ck_assert_str_eq(m.params[0], "x");
	ck_assert_int_eq(parse(&m, "PING :x\r\n"), IRC_OK);
	ck_assert_str_eq(m.params[0], "x");
	ck_assert_int_eq(parse(&m, "PING :x\n"), IRC_OK);
	ck_assert_str_eq(m.params[0], "x");
}
END_TEST

START_TEST(parse_no_overread)
{
	/* A heap buffer of exactly len + 1 bytes: ASan catches any overread. */
	static const char *lines[] = {
		"@", "@a", "@a=\\", ":", ":x", "PING", "PING ", "@a=b ", "PING :",
		"P", "\\", "@+", "@a=b;",
	};
	struct irc_msg m;

	for (size_t i = 0; i < nitems(lines); i++) {
		size_t n = strlen(lines[i]);
		char *s = xmalloc(n + 1);
		memcpy(s, lines[i], n);
		s[n] = 'Z';	/* not a NUL: the parser must not rely on one */
		irc_parse(&m, s, n);
		free(s);
	}
	/* len 0 of a one-byte buffer */
	char *s = xmalloc(1);
	s[0] = 'x';
	ck_assert_int_eq(irc_parse(&m, s, 0), IRC_EEMPTY);
	free(s);
}
END_TEST

START_TEST(parse_nul_anywhere)
{
	const char *line = "@a=b;c :n!u@h PRIVMSG #c :hi there";
	size_t n = strlen(line);
	struct irc_msg m;
	char buf[64];

	for (size_t i = 0; i < n; i++) {
		memcpy(buf, line, n + 1);
		buf[i] = '\0';
		ck_assert_int_eq(irc_parse(&m, buf, n), IRC_ENUL);
	}
}
END_TEST

START_TEST(parse_max_line)
{
	struct irc_msg m;
	char *b = body_of(510), *s = tags_of(IRC_TAGS_MAX, b);
	char *line = xmalloc(IRC_LINE_MAX + 1);

	/* the longest legal line: 8191 tag bytes, 510 body bytes, CRLF */
	ck_assert_uint_eq(strlen(s), IRC_LINE_MAX - 2);
	snprintf(line, IRC_LINE_MAX + 1, "%s\r\n", s);
	ck_assert_int_eq(irc_parse(&m, line, IRC_LINE_MAX), IRC_OK);
	ck_assert_uint_eq(strlen(m.params[1]), 510 - 12);
	free(b);
	free(s);
	free(line);
}
END_TEST

START_TEST(parse_utf8_passthrough)
{
	struct irc_msg m;

	/* the parser does not judge encodings: invalid UTF-8 is kept as is */
	ck_assert_int_eq(parse(&m, "@+x=caf\xc3\xa9\xff PRIVMSG #caf\xc3\xa9 :\xff\xfe \xe2\x82"), IRC_OK);
	ck_assert_str_eq(irc_tag_get(&m, "+x"), "caf\xc3\xa9\xff");
	ck_assert_str_eq(m.params[0], "#caf\xc3\xa9");
	ck_assert_str_eq(m.params[1], "\xff\xfe \xe2\x82");
}
END_TEST

START_TEST(format_param_count)
{
	char buf[600];
	struct irc_msg m = { .command = "CMD", .nparams = IRC_PARAMS_MAX };
	struct irc_msg m2;

	for (int i = 0; i < IRC_PARAMS_MAX; i++)
		m.params[i] = "p";
	m.params[IRC_PARAMS_MAX - 1] = "last one";
	ck_assert_uint_gt(irc_format(buf, sizeof(buf), &m), 0);
	ck_assert_int_eq(irc_parse(&m2, buf, strlen(buf)), IRC_OK);
	ck_assert_uint_eq(m2.nparams, IRC_PARAMS_MAX);
	ck_assert_str_eq(m2.params[IRC_PARAMS_MAX - 1], "last one");
	m.nparams = IRC_PARAMS_MAX + 1;
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 0);
	m.nparams = 0;
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 5);
	ck_assert_str_eq(buf, "CMD\r\n");
	ck_assert_uint_eq(irc_format(buf, 6, &m), 5);
	ck_assert_uint_eq(irc_format(buf, 5, &m), 0);
}
END_TEST

START_TEST(format_truncates_invalid_utf8)
{
	char buf[IRC_LINE_MAX + 1], text[700];
	struct irc_msg m = { .command = "PRIVMSG", .nparams = 2 };
	size_t n;

	/* invalid bytes count as one-byte characters when cutting */
	memset(text, 0xff, sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	m.params[0] = "#c";
	m.params[1] = text;
	n = irc_format(buf, sizeof(buf), &m);
	ck_assert_uint_eq(n, IRC_BODY_MAX);
	/* a space inside the cut piece needs the ':' form, one byte less */
	text[5] = ' ';
	n = irc_format(buf, sizeof(buf), &m);
	ck_assert_uint_eq(n, IRC_BODY_MAX);
	ck_assert_mem_eq(buf, "PRIVMSG #c :", 12);
}
END_TEST

START_TEST(source_split)
{
	char n[8], u[8], h[8];

	irc_source_split("nick!user@host", n, sizeof(n), u, sizeof(u), h, sizeof(h));
	ck_assert_str_eq(n, "nick");
	ck_assert_str_eq(u, "user");
	ck_assert_str_eq(h, "host");
	irc_source_split("irc.example.org", n, sizeof(n), u, sizeof(u), h, sizeof(h));
	ck_assert_str_eq(n, "irc.exa");	/* cut to the buffer */
	ck_assert_str_eq(u, "");
	ck_assert_str_eq(h, "");
	irc_source_split("a!b", n, sizeof(n), NULL, 0, h, sizeof(h));
	ck_assert_str_eq(n, "a");
	ck_assert_str_eq(h, "");
	irc_source_split("a!b@c@d", n, sizeof(n), u, sizeof(u), h, sizeof(h));
	ck_assert_str_eq(u, "b");
	ck_assert_str_eq(h, "c@d");
	irc_source_split("", n, sizeof(n), u, sizeof(u), h, sizeof(h));
	ck_assert_str_eq(n, "");
}
END_TEST

/* --- message: formatting */

/* parse(format(parse(s))) must equal parse(s). */
static void
assert_round_trip(const char *s)
{
	static char a[IRC_LINE_MAX + 1], b[IRC_LINE_MAX + 1];
	struct irc_msg m1, m2;
	size_t n;

	ck_assert_uint_lt(strlen(s), sizeof(a));
	strcpy(a, s);
	ck_assert_int_eq(irc_parse(&m1, a, strlen(a)), IRC_OK);
	n = irc_format(b, sizeof(b), &m1);
	ck_assert_uint_gt(n, 2);
	ck_assert_uint_eq(n, strlen(b));
	ck_assert_mem_eq(b + n - 2, "\r\n", 2);
	ck_assert_int_eq(irc_parse(&m2, b, n - 2), IRC_OK);
	ck_assert_uint_eq(m1.ntags, m2.ntags);
	for (size_t i = 0; i < m1.ntags; i++) {
		const char *v = irc_tag_get(&m2, m1.tags[i].key);
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v, m1.tags[i].value);
	}
	if (m1.source == NULL)
		ck_assert_ptr_null(m2.source);
	else
		ck_assert_str_eq(m1.source, m2.source);
	ck_assert_str_eq(m1.command, m2.command);
	ck_assert_uint_eq(m1.nparams, m2.nparams);
	for (size_t i = 0; i < m1.nparams; i++)
		ck_assert_str_eq(m1.params[i], m2.params[i]);
}

START_TEST(format_round_trips)
{
	assert_round_trip(":nick!u@h PRIVMSG #c :hello world");
	assert_round_trip("@a=\\:\\s\\\\\\r\\n;+v.example/k=x;flag :s 001 me :hi");
	assert_round_trip("PING :");
	assert_round_trip("PING ::colon");
	assert_round_trip("MODE #c +o nick");
	assert_round_trip("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 and more");
	assert_round_trip("@a=1;a=2 QUIT");
	assert_round_trip("@a=\\q\\ PRIVMSG x :\xc3\xa9t\xc3\xa9");
}
END_TEST

START_TEST(format_exact)
{
	char buf[IRC_LINE_MAX + 1];
	struct irc_msg m = { .command = "PRIVMSG", .nparams = 2 };

	m.params[0] = "#c";
	m.params[1] = "hi";
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 15);
	ck_assert_str_eq(buf, "PRIVMSG #c hi\r\n");
	m.params[1] = "hi there";
	m.source = "n!u@h";
	m.ntags = 2;
	m.tags[0] = (struct irc_tag){ "time", "2026-01-01T00:00:00.000Z" };
	m.tags[1] = (struct irc_tag){ "+x", "a;b c" };
	irc_format(buf, sizeof(buf), &m);
	ck_assert_str_eq(buf, "@time=2026-01-01T00:00:00.000Z;+x=a\\:b\\sc "
	    ":n!u@h PRIVMSG #c :hi there\r\n");
	m.ntags = 0;
	m.source = NULL;
	m.params[1] = "";
	irc_format(buf, sizeof(buf), &m);
	ck_assert_str_eq(buf, "PRIVMSG #c :\r\n");
	m.params[1] = ":)";
	irc_format(buf, sizeof(buf), &m);
	ck_assert_str_eq(buf, "PRIVMSG #c ::)\r\n");
}
END_TEST

START_TEST(format_unsendable)
{
	char buf[600];
	struct irc_msg m = { .command = "PRIVMSG", .nparams = 2 };

	m.params[1] = "x";
	m.params[0] = "a b";
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 0);
	m.params[0] = "";
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 0);
	m.params[0] = ":a";
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 0);
	m.params[0] = "a\rb";
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 0);
	m.params[0] = "#c";
	m.command = "BAD CMD";
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 0);
	m.command = "12";
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 0);
	m.command = "PRIVMSG";
	m.source = "a b";
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 0);
	m.source = "";	/* empty: left out */
	ck_assert_uint_gt(irc_format(buf, sizeof(buf), &m), 0);
	ck_assert_str_eq(buf, "PRIVMSG #c x\r\n");
	m.source = NULL;
	m.command = "PRIVMSG";
	ck_assert_uint_eq(irc_format(buf, 5, &m), 0);
	/* a CR or LF in the last parameter ends it: no line injection */
	m.params[1] = "hi\r\nQUIT :bye";
	ck_assert_uint_gt(irc_format(buf, sizeof(buf), &m), 0);
	ck_assert_str_eq(buf, "PRIVMSG #c hi\r\n");
}
END_TEST

START_TEST(format_truncates_utf8)
{
	char buf[IRC_LINE_MAX + 1], text[1200];
	struct irc_msg m = { .command = "PRIVMSG", .nparams = 2 }, m2;
	size_t n;

	/* 600 two-byte characters: cut to the body limit, never mid-character */
	for (int i = 0; i < 600; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	text[1200 - 1] = '\0';
	text[1198] = '\0';
	m.params[0] = "#c";
	m.params[1] = text;
	n = irc_format(buf, sizeof(buf), &m);
	ck_assert_uint_le(n, IRC_BODY_MAX);
	ck_assert_uint_ge(n, IRC_BODY_MAX - 2);
	ck_assert(utf8_valid(buf, n));
	ck_assert_int_eq(irc_parse(&m2, buf, n - 2), IRC_OK);
	ck_assert_uint_eq(strlen(m2.params[1]) % 2, 0);
	/* a small cap cuts the same way */
	n = irc_format(buf, 20, &m);
	ck_assert_uint_le(n, 19);
	ck_assert(utf8_valid(buf, n));
	ck_assert_str_eq(buf + n - 2, "\r\n");
}
END_TEST

START_TEST(format_body_exact_limit)
{
	char buf[IRC_LINE_MAX + 1];
	struct irc_msg m;
	char *s = body_of(510);

	ck_assert_int_eq(parse(&m, s), IRC_OK);
	/* the parsed form has no ':' need: the formatter writes it shorter */
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), 511);
	free(s);
	m = (struct irc_msg){ .command = "PRIVMSG", .nparams = 2 };
	char text[600];
	memset(text, 'y', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	m.params[0] = "#c";
	m.params[1] = text;
	ck_assert_uint_eq(irc_format(buf, sizeof(buf), &m), IRC_BODY_MAX);
}
END_TEST

START_TEST(format_drops_big_tags)
{
	static char big[IRC_TAGS_MAX + 10], buf[IRC_LINE_MAX + 1];
	struct irc_msg m = { .command = "PING", .nparams = 0 }, m2;
	size_t n;

	memset(big, 'v', sizeof(big) - 1);
	m.ntags = 3;
	m.tags[0] = (struct irc_tag){ "a", "1" };
	m.tags[1] = (struct irc_tag){ "big", big };
	m.tags[2] = (struct irc_tag){ "c", "3" };
	n = irc_format(buf, sizeof(buf), &m);
	ck_assert_str_eq(buf, "@a=1;c=3 PING\r\n");
	/* a small cap keeps the body and drops the tags that do not fit */
	ck_assert_uint_eq(irc_format(buf, 12, &m), 11);
	ck_assert_str_eq(buf, "@a=1 PING\r\n");
	ck_assert_uint_eq(irc_format(buf, 11, &m), 6);
	ck_assert_str_eq(buf, "PING\r\n");
	/* exactly at the budget: "@k=" + value + " " == IRC_TAGS_MAX */
	big[IRC_TAGS_MAX - 4] = '\0';
	m.ntags = 1;
	m.tags[0] = (struct irc_tag){ "k", big };
	n = irc_format(buf, sizeof(buf), &m);
	ck_assert_uint_eq(n, IRC_TAGS_MAX + strlen("PING\r\n"));
	ck_assert_int_eq(irc_parse(&m2, buf, n - 2), IRC_OK);
	ck_assert_str_eq(irc_tag_get(&m2, "k"), big);
	big[IRC_TAGS_MAX - 4] = 'v';
	big[IRC_TAGS_MAX - 3] = '\0';
	n = irc_format(buf, sizeof(buf), &m);
	ck_assert_str_eq(buf, "PING\r\n");
	/* bad keys are never sent */
	m.tags[0] = (struct irc_tag){ "bad key", "x" };
	irc_format(buf, sizeof(buf), &m);
	ck_assert_str_eq(buf, "PING\r\n");
}
END_TEST

START_TEST(tag_escape_unescape)
{
	char out[64], v[64];

	ck_assert_uint_eq(irc_tag_escape(out, sizeof(out), "; \\\r\n"), 10);
	ck_assert_str_eq(out, "\\:\\s\\\\\\r\\n");
	strcpy(v, out);
	irc_tag_unescape(v);
	ck_assert_str_eq(v, "; \\\r\n");
	ck_assert_uint_eq(irc_tag_escape(out, sizeof(out), ""), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(irc_tag_escape(out, 3, "abc"), 0);
	ck_assert_uint_eq(irc_tag_escape(out, 4, "abc"), 3);
	ck_assert_uint_eq(irc_tag_escape(out, 4, "ab;"), 0);
	strcpy(v, "a\\");
	irc_tag_unescape(v);
	ck_assert_str_eq(v, "a");
	strcpy(v, "\\a\\b\\0");
	irc_tag_unescape(v);
	ck_assert_str_eq(v, "ab0");
	strcpy(v, "\\\\\\");
	irc_tag_unescape(v);
	ck_assert_str_eq(v, "\\");
}
END_TEST

/* --- framing */

/* Feed s in pieces of step bytes; collect lines joined by '|'. */
static int
frame_collect(const char *s, size_t n, size_t max, size_t step, char *out, size_t cap)
{
	struct frame f;
	int overlong = 0;
	char *line;
	size_t len, o = 0;
	enum frame_status st;

	frame_init(&f, max);
	out[0] = '\0';
	for (size_t i = 0; i < n; i += step) {
		size_t k = n - i < step ? n - i : step;
		frame_push(&f, s + i, k);
		while ((st = frame_next(&f, &line, &len)) != FRAME_NONE) {
			if (st == FRAME_OVERLONG) {
				overlong++;
				continue;
			}
			ck_assert_uint_eq(strlen(line), len);
			o += (size_t)snprintf(out + o, cap - o, "%s|", line);
			ck_assert_uint_lt(o, cap);
		}
		ck_assert(f.buf == NULL || f.len > f.pos);	/* idle: no buffer */
	}
	frame_free(&f);
	return overlong;
}

START_TEST(frame_lines_any_split)
{
	const char *s = "PING a\r\nPING b\n\r\nPING c\r\n\n\nPING\r\rd\r\n";
	char out[256];

	for (size_t step = 1; step <= strlen(s); step++) {
		ck_assert_int_eq(frame_collect(s, strlen(s), 64, step, out, sizeof(out)), 0);
		ck_assert_str_eq(out, "PING a|PING b|PING c|PING\r\rd|");
	}
}
END_TEST

START_TEST(frame_overlong_then_good)
{
	char s[100], out[256];

	memset(s, 'x', 40);
	strcpy(s + 40, "\r\nok\nyyyyyyyyyyyyyyyyyy\nfine\n");
	for (size_t step = 1; step <= strlen(s); step++) {
		ck_assert_int_eq(frame_collect(s, strlen(s), 16, step, out, sizeof(out)), 2);
		ck_assert_str_eq(out, "ok|fine|");
	}
}
END_TEST

START_TEST(frame_exact_max)
{
	char out[256];

	/* max 8: seven bytes and LF fit; eight bytes and LF do not */
	ck_assert_int_eq(frame_collect("1234567\n", 8, 8, 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "1234567|");
	ck_assert_int_eq(frame_collect("12345678\nab\n", 12, 8, 3, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "ab|");
	/* with CRLF the CR counts */
	ck_assert_int_eq(frame_collect("1234567\r\nab\n", 12, 8, 12, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "ab|");
}
END_TEST

START_TEST(frame_buffer_released)
{
	struct frame f;
	char *line, *p;
	size_t len, avail;

	frame_init(&f, IRC_LINE_MAX);
	ck_assert_ptr_null(f.buf);
	frame_push(&f, "PING", 4);
	ck_assert_int_eq(frame_next(&f, &line, &len), FRAME_NONE);
	ck_assert_ptr_nonnull(f.buf);	/* partial line pending */
	p = frame_space(&f, &avail);
	ck_assert_uint_eq(avail, IRC_LINE_MAX - 4);
	memcpy(p, " x\r\n", 4);
	frame_commit(&f, 4);
	ck_assert_int_eq(frame_next(&f, &line, &len), FRAME_LINE);
	ck_assert_str_eq(line, "PING x");
	ck_assert_uint_eq(len, 6);
	ck_assert_int_eq(frame_next(&f, &line, &len), FRAME_NONE);
	ck_assert_ptr_null(f.buf);	/* idle: no memory */
	frame_free(&f);
}
END_TEST

START_TEST(frame_full_without_next)
{
	struct frame f;
	char *line;
	size_t len, avail;
	char junk[64];

	/* frame_space on a full buffer never reports zero room */
	frame_init(&f, 8);
	memset(junk, 'x', sizeof(junk));
	frame_push(&f, junk, sizeof(junk));
	frame_space(&f, &avail);
	ck_assert_uint_gt(avail, 0);
	frame_push(&f, "\nok\n", 4);
	ck_assert_int_eq(frame_next(&f, &line, &len), FRAME_OVERLONG);
	ck_assert_int_eq(frame_next(&f, &line, &len), FRAME_LINE);
	ck_assert_str_eq(line, "ok");
	ck_assert_int_eq(frame_next(&f, &line, &len), FRAME_NONE);
	frame_free(&f);
}
END_TEST

START_TEST(frame_push_many_lines)
{
	char s[2000], out[2000], want[2000];
	size_t o = 0, w = 0;

	/* 150 lines in one push, far more than max: none may be lost */
	for (int i = 0; i < 150; i++) {
		o += (size_t)snprintf(s + o, sizeof(s) - o, "L%03d\r\n", i);
		w += (size_t)snprintf(want + w, sizeof(want) - w, "L%03d|", i);
	}
	ck_assert_int_eq(frame_collect(s, o, 16, o, out, sizeof(out)), 0);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(frame_collect(s, o, 16, 7, out, sizeof(out)), 0);
	ck_assert_str_eq(out, want);
}
END_TEST

START_TEST(frame_nul_kept)
{
	struct frame f;
	char *line;
	size_t len;
	struct irc_msg m;

	/* a NUL is passed up with the line so the parser can refuse it */
	frame_init(&f, 64);
	frame_push(&f, "PING a\0b\r\n", 10);
	ck_assert_int_eq(frame_next(&f, &line, &len), FRAME_LINE);
	ck_assert_uint_eq(len, 8);
	ck_assert_int_eq(irc_parse(&m, line, len), IRC_ENUL);
	ck_assert_int_eq(frame_next(&f, &line, &len), FRAME_NONE);
	frame_free(&f);
}
END_TEST

START_TEST(frame_overlong_reported_once)
{
	struct frame f;
	char *line, junk[1000];
	size_t len;
	int overlong = 0, lines = 0;
	enum frame_status st;

	/* 100 KB without a LF, in 1000-byte reads: one report, bounded memory */
	memset(junk, 'x', sizeof(junk));
	frame_init(&f, IRC_LINE_MAX);
	for (int i = 0; i < 100; i++) {
		frame_push(&f, junk, sizeof(junk));
		ck_assert(f.buf == NULL || f.size <= IRC_LINE_MAX);
		while ((st = frame_next(&f, &line, &len)) != FRAME_NONE)
			st == FRAME_OVERLONG ? overlong++ : lines++;
	}
	frame_push(&f, "\nPING\n", 6);
	while ((st = frame_next(&f, &line, &len)) != FRAME_NONE)
		st == FRAME_OVERLONG ? overlong++ : lines++;
	ck_assert_int_eq(overlong, 1);
	ck_assert_int_eq(lines, 1);
	ck_assert_ptr_null(f.buf);
	frame_free(&f);
}
END_TEST

/* --- names */

START_TEST(names_casemapping)
{
	char buf[16];

	ck_assert_int_eq(irc_tolower('['), '{');
	ck_assert_int_eq(irc_tolower(']'), '}');
	ck_assert_int_eq(irc_tolower('\\'), '|');
	ck_assert_int_eq(irc_tolower('~'), '^');
	ck_assert_int_eq(irc_tolower('A'), 'a');
	ck_assert_int_eq(irc_tolower(0xc9), 0xc9);
	irc_casefold(buf, "Nick[A]\\~", sizeof(buf));
	ck_assert_str_eq(buf, "nick{a}|^");
	irc_casefold(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 5);
	ck_assert_str_eq(buf, "abcd");
	ck_assert_int_eq(irc_casecmp("Foo[]", "fOO{}"), 0);
	ck_assert_int_lt(irc_casecmp("a", "b"), 0);
	ck_assert_int_gt(irc_casecmp("ab", "a"), 0);
	ck_assert_int_eq(irc_ncasecmp("abcX", "ABCy", 3), 0);
	ck_assert_int_ne(irc_ncasecmp("abcX", "ABCy", 4), 0);
	ck_assert_uint_eq(irc_casehash("#Chan[x]"), irc_casehash("#chan{X}"));
	ck_assert_uint_ne(irc_casehash("#chan"), irc_casehash("#chan2"));
}
END_TEST

START_TEST(names_nick_valid)
{
	ck_assert(irc_nick_valid("alice", IRC_NICK_MAX));
	ck_assert(irc_nick_valid("[x]`_^{|}-9", IRC_NICK_MAX));
	ck_assert(irc_nick_valid("a", 1));
	ck_assert(!irc_nick_valid("ab", 1));
	ck_assert(!irc_nick_valid("", IRC_NICK_MAX));
	ck_assert(!irc_nick_valid("9lives", IRC_NICK_MAX));
	ck_assert(!irc_nick_valid("-x", IRC_NICK_MAX));
	ck_assert(!irc_nick_valid("a b", IRC_NICK_MAX));
	ck_assert(!irc_nick_valid("a!b", IRC_NICK_MAX));
	ck_assert(!irc_nick_valid("a@b", IRC_NICK_MAX));
	ck_assert(!irc_nick_valid("#a", IRC_NICK_MAX));
	ck_assert(!irc_nick_valid("\xc3\xa9", IRC_NICK_MAX));
	ck_assert(irc_nick_valid("abcdefghijabcdefghijabcdefghij", IRC_NICK_MAX));
	ck_assert(!irc_nick_valid("abcdefghijabcdefghijabcdefghijk", IRC_NICK_MAX));
}
END_TEST

START_TEST(names_chan_valid)
{
	char name[IRC_CHAN_MAX + 2];

	ck_assert(irc_chan_valid("#natter", IRC_CHAN_MAX));
	ck_assert(irc_chan_valid("&local", IRC_CHAN_MAX));
	ck_assert(irc_chan_valid("#caf\xc3\xa9", IRC_CHAN_MAX));
	ck_assert(!irc_chan_valid("#", IRC_CHAN_MAX));
	ck_assert(!irc_chan_valid("natter", IRC_CHAN_MAX));
	ck_assert(!irc_chan_valid("#a b", IRC_CHAN_MAX));
	ck_assert(!irc_chan_valid("#a,b", IRC_CHAN_MAX));
	ck_assert(!irc_chan_valid("#a\ab", IRC_CHAN_MAX));
	ck_assert(!irc_chan_valid("#a:b", IRC_CHAN_MAX));
	ck_assert(!irc_chan_valid("#a\xff", IRC_CHAN_MAX));
	memset(name, 'c', sizeof(name));
	name[0] = '#';
	name[IRC_CHAN_MAX] = '\0';
	ck_assert(irc_chan_valid(name, IRC_CHAN_MAX));
	name[IRC_CHAN_MAX] = 'c';
	name[IRC_CHAN_MAX + 1] = '\0';
	ck_assert(!irc_chan_valid(name, IRC_CHAN_MAX));
	ck_assert(irc_is_channel("#x"));
	ck_assert(irc_is_channel("&x"));
	ck_assert(!irc_is_channel("x"));
	ck_assert(!irc_is_channel(""));
}
END_TEST

START_TEST(names_match)
{
	ck_assert(irc_match("*", ""));
	ck_assert(irc_match("*", "anything"));
	ck_assert(irc_match("", ""));
	ck_assert(!irc_match("", "a"));
	ck_assert(!irc_match("?", ""));
	ck_assert(irc_match("?", "x"));
	ck_assert(!irc_match("?", "xy"));
	ck_assert(irc_match("a*b", "ab"));
	ck_assert(irc_match("a*b", "aXXb"));
	ck_assert(!irc_match("a*b", "aXXbc"));
	ck_assert(irc_match("a*b*", "aXXbc"));
	ck_assert(irc_match("*ab", "aab"));
	ck_assert(irc_match("*a?c*", "xxabxabcxx"));
	ck_assert(!irc_match("*a?c", "xxabxabcxx"));
	ck_assert(irc_match("a**?", "ab"));
	ck_assert(!irc_match("a**?", "a"));
	/* Under RFC 1459 casemapping, both ways round. */
	ck_assert(irc_match("NICK[x]", "nick{X}"));
	ck_assert(irc_match("nick{x}", "NICK[X]"));
	ck_assert(irc_match("a\\b~", "A|B^"));
	ck_assert(irc_match("*!*@127.0.0.1", "alice!al@127.0.0.1"));
	ck_assert(!irc_match("*!*@127.0.0.1", "alice!al@127.0.0.10"));
	ck_assert(irc_match("*!*@127.0.0.?", "alice!al@127.0.0.1"));
	ck_assert(irc_match("bob!*@*", "Bob!b@10.0.0.2"));
	ck_assert(!irc_match("bob!*@*", "bobby!b@10.0.0.2"));
	/* A backslash is an ordinary byte, not an escape. */
	ck_assert(irc_match("a\\*", "a|x"));
	ck_assert(!irc_match("a\\*", "a*"));
	ck_assert(irc_match("\xc3\xa9*", "\xc3\xa9t\xc3\xa9"));
}
END_TEST

START_TEST(names_mask_normalize)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "bob", "bob!*@*" },
		{ "al@127.0.0.1", "*!al@127.0.0.1" },
		{ "bob!b", "bob!b@*" },
		{ "bob!b@host", "bob!b@host" },
		{ "*!*@*", "*!*@*" },
		{ "@host", "*!*@host" },
		{ "bob!", "bob!*@*" },
		{ "bob!@", "bob!*@*" },
		{ "!u@", "*!u@*" },
		{ "", "*!*@*" },
		{ "a!b!c@d@e", "a!b!c@d@e" },
		{ "u@h!x", "u@h!x@*" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t n = irc_mask_normalize(buf, sizeof(buf), cases[i].in);
		ck_assert_msg(strcmp(buf, cases[i].out) == 0, "%s -> %s, not %s",
		    cases[i].in, buf, cases[i].out);
		ck_assert_uint_eq(n, strlen(cases[i].out));
	}
	/* Exactly fitting, then one byte short. */
	ck_assert_uint_eq(irc_mask_normalize(buf, 8, "bob"), 7);
	ck_assert_str_eq(buf, "bob!*@*");
	ck_assert_uint_eq(irc_mask_normalize(buf, 7, "bob"), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* --- time */

START_TEST(time_format_known)
{
	char buf[IRC_TIME_LEN + 1];

	ck_assert_uint_eq(time_format(buf, sizeof(buf), 0), IRC_TIME_LEN);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
	time_format(buf, sizeof(buf), 1700000000123LL);
	ck_assert_str_eq(buf, "2023-11-14T22:13:20.123Z");
	time_format(buf, sizeof(buf), -1);
	ck_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
	time_format(buf, sizeof(buf), 951782400000LL);	/* leap day 2000 */
	ck_assert_str_eq(buf, "2000-02-29T00:00:00.000Z");
	ck_assert_uint_eq(time_format(buf, IRC_TIME_LEN, 0), 0);
	ck_assert_uint_eq(time_format(buf, sizeof(buf), 400000000000000LL), 0);
}
END_TEST

START_TEST(time_parse_valid)
{
	int64_t ms;
	char buf[IRC_TIME_LEN + 1];

	ck_assert(time_parse("2023-11-14T22:13:20.123Z", &ms));
	ck_assert_int_eq(ms, 1700000000123LL);
	ck_assert(time_parse("2023-11-14T22:13:20Z", &ms));
	ck_assert_int_eq(ms, 1700000000000LL);
	ck_assert(time_parse("2023-11-14T22:13:20.1Z", &ms));
	ck_assert_int_eq(ms, 1700000000100LL);
	ck_assert(time_parse("2023-11-14T22:13:20.123456789Z", &ms));
	ck_assert_int_eq(ms, 1700000000123LL);
	ck_assert(time_parse("2024-02-29T00:00:00Z", &ms));
	for (int64_t t = -86400000LL * 400; t < 86400000LL * 365 * 60; t += 86400000LL * 7 + 12345) {
		time_format(buf, sizeof(buf), t);
		ck_assert(time_parse(buf, &ms));
		ck_assert_int_eq(ms, t);
	}
}
END_TEST

START_TEST(time_parse_invalid)
{
	static const char *bad[] = {
		"", "2023", "2023-11-14T22:13:20", "2023-11-14T22:13:20.Z",
		"2023-11-14T22:13:20.1234567890Z", "2023-11-14 22:13:20Z",
		"2023-13-01T00:00:00Z", "2023-00-01T00:00:00Z", "2023-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "2023-04-31T00:00:00Z", "2023-01-00T00:00:00Z",
		"2023-01-01T24:00:00Z", "2023-01-01T00:60:00Z", "2023-01-01T00:00:60Z",
		"2023-01-01T00:00:00Zx", "2023-01-01T00:00:00z", "+023-01-01T00:00:00Z",
		"2023-1-01T00:00:00Z", "2023-01-01T00:00:00+01:00",
	};
	int64_t ms;

	for (size_t i = 0; i < nitems(bad); i++)
		ck_assert_msg(!time_parse(bad[i], &ms), "accepted %s", bad[i]);
}
END_TEST

START_TEST(time_clocks)
{
	int64_t a = time_mono_ms(), b = time_mono_ms();

	ck_assert_int_le(a, b);
	ck_assert_int_gt(time_now_ms(), 1600000000000LL);	/* after 2020 */
}
END_TEST

/* --- fingerprint */

START_TEST(fingerprint_format_known)
{
	unsigned char d[FINGERPRINT_LEN];
	char buf[FINGERPRINT_STR_MAX];

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (unsigned char)(i * 0x11 + 0x0a);
	ck_assert_uint_eq(fingerprint_format(buf, sizeof(buf), d), 95);
	ck_assert_str_eq(buf, "0a:1b:2c:3d:4e:5f:70:81:92:a3:b4:c5:d6:e7:f8:09:"
	    "1a:2b:3c:4d:5e:6f:80:91:a2:b3:c4:d5:e6:f7:08:19");
	/* One byte short of room: nothing, not a cut fingerprint. */
	ck_assert_uint_eq(fingerprint_format(buf, sizeof(buf) - 1, d), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(fingerprint_parse_forms)
{
	unsigned char d[FINGERPRINT_LEN], back[FINGERPRINT_LEN];
	char buf[FINGERPRINT_STR_MAX], plain[FINGERPRINT_LEN * 2 + 1];
	size_t j = 0;

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (unsigned char)(0xff - i * 7);
	fingerprint_format(buf, sizeof(buf), d);
	/* Exactly as printed. */
	ck_assert(fingerprint_parse(buf, back));
	ck_assert_mem_eq(back, d, sizeof(d));
	/* Upper case, as openssl x509 -fingerprint prints it. */
	for (char *p = buf; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = *p - 'a' + 'A';
	memset(back, 0, sizeof(back));
	ck_assert(fingerprint_parse(buf, back));
	ck_assert_mem_eq(back, d, sizeof(d));
	/* Without colons, as sha256sum prints it. */
	for (char *p = buf; *p != '\0'; p++)
		if (*p != ':')
			plain[j++] = *p;
	plain[j] = '\0';
	ck_assert_uint_eq(j, 64);
	memset(back, 0, sizeof(back));
	ck_assert(fingerprint_parse(plain, back));
	ck_assert_mem_eq(back, d, sizeof(d));
}
END_TEST

START_TEST(fingerprint_parse_refuses)
{
	unsigned char d[FINGERPRINT_LEN];
	static const char *const bad[] = {
		"",
		"ab",
		/* 31 bytes, then 33 */
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
		/* a non-hex digit */
		"g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
		/* colons in some places only */
		"00:0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		/* a trailing colon, a leading one, a space */
		"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:15:"
		"16:17:18:19:1a:1b:1c:1d:1e:1f:",
		":00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:"
		"15:16:17:18:19:1a:1b:1c:1d:1e:1f",
		"00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:15:"
		"16:17:18:19:1a:1b:1c:1d:1e:1f ",
		/* a half pair split by a colon */
		"0:001:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:15:"
		"16:17:18:19:1a:1b:1c:1d:1e:1f",
	};

	for (size_t i = 0; i < nitems(bad); i++)
		ck_assert_msg(!fingerprint_parse(bad[i], d), "accepted '%s'",
		    bad[i]);
	ck_assert(fingerprint_parse("00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:"
	    "0e:0f:10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f", d));
	ck_assert_uint_eq(d[31], 0x1f);
}
END_TEST

/* --- utf8 */

START_TEST(utf8_validation)
{
	ck_assert(utf8_valid("", 0));
	ck_assert(utf8_valid("plain", 5));
	ck_assert(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	ck_assert(utf8_valid("\xf4\x8f\xbf\xbf", 4));		/* U+10FFFF */
	ck_assert(utf8_valid("\xed\x9f\xbf", 3));		/* U+D7FF */
	ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4));		/* past U+10FFFF */
	ck_assert(!utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	ck_assert(!utf8_valid("\xc0\xaf", 2));			/* overlong '/' */
	ck_assert(!utf8_valid("\xe0\x80\xaf", 3));		/* overlong */
	ck_assert(!utf8_valid("\xf0\x80\x80\xaf", 4));		/* overlong */
	ck_assert(!utf8_valid("\x80", 1));			/* lone continuation */
	ck_assert(!utf8_valid("\xc3", 1));			/* truncated */
	ck_assert(!utf8_valid("\xe2\x82", 2));
	ck_assert(!utf8_valid("\xff", 1));
	ck_assert(!utf8_valid("\xc3\x28", 2));
	ck_assert(utf8_valid("a\0b", 3));
}
END_TEST

START_TEST(utf8_fitting)
{
	char out[6];
	/* Unknown to the compiler, which would warn of the cuts made on
	 * purpose here. */
	volatile size_t room = sizeof(out);
	size_t cap = room;
	const char *abc = "abc", *euro = "abc\xe2\x82\xac";
	const char *two = "ab\xe2\x82\xac";

	ck_assert_uint_eq(utf8_fit(out, cap,
	    snprintf(out, cap, "%s", abc)), 3);
	ck_assert_str_eq(out, "abc");
	/* snprintf keeps "abc" and two bytes of the euro sign: they go. */
	ck_assert_uint_eq(utf8_fit(out, cap,
	    snprintf(out, cap, "%s!", euro)), 3);
	ck_assert_str_eq(out, "abc");
	/* A whole character at the end stays. */
	ck_assert_uint_eq(utf8_fit(out, cap,
	    snprintf(out, cap, "%s!", two)), 5);
	ck_assert_str_eq(out, two);
	ck_assert_uint_eq(utf8_fit(out, cap, -1), 0);
}
END_TEST

START_TEST(join_params)
{
	const char *p[] = { "a", "bc", "d", "x", "\xc3\xa9\xe2\x82\xac" };
	char out[16];

	ck_assert_uint_eq(irc_join(out, sizeof(out), p, 0, 3), 6);
	ck_assert_str_eq(out, "a bc d");
	ck_assert_uint_eq(irc_join(out, sizeof(out), p, 1, 3), 4);
	ck_assert_str_eq(out, "bc d");
	ck_assert_uint_eq(irc_join(out, sizeof(out), p, 2, 2), 0);
	ck_assert_str_eq(out, "");
	/* Cut where it no longer fits: not inside a character, and no
	 * space left before nothing. */
	ck_assert_uint_eq(irc_join(out, 5, p, 3, 5), 4);
	ck_assert_str_eq(out, "x \xc3\xa9");
	ck_assert_uint_eq(irc_join(out, 4, p, 3, 5), 1);
	ck_assert_str_eq(out, "x");
	ck_assert_uint_eq(irc_join(out, 3, p, 0, 2), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(irc_join(out, 4, p, 0, 2), 3);
	ck_assert_str_eq(out, "a b");
	ck_assert_uint_eq(irc_join(out, 1, p, 0, 2), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(utf8_truncation)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";	/* 1+2+3+4 */

	ck_assert_uint_eq(utf8_truncate(s, 10, 100), 10);
	ck_assert_uint_eq(utf8_truncate(s, 10, 10), 10);
	ck_assert_uint_eq(utf8_truncate(s, 10, 9), 6);
	ck_assert_uint_eq(utf8_truncate(s, 10, 6), 6);
	ck_assert_uint_eq(utf8_truncate(s, 10, 5), 3);
	ck_assert_uint_eq(utf8_truncate(s, 10, 2), 1);
	ck_assert_uint_eq(utf8_truncate(s, 10, 0), 0);
	/* invalid bytes are one-byte characters */
	ck_assert_uint_eq(utf8_truncate("\xff\xfe\xc3", 3, 2), 2);
	ck_assert_uint_eq(utf8_truncate("\xc3\xc3\xa9", 3, 2), 1);
}
END_TEST

START_TEST(utf8_sanitizing)
{
	char out[16];

	ck_assert_uint_eq(utf8_sanitize(out, sizeof(out), "caf\xe9", 4), 5);
	ck_assert_str_eq(out, "caf\xc3\xa9");
	ck_assert_uint_eq(utf8_sanitize(out, sizeof(out), "\xc3\xa9", 2), 2);
	ck_assert_str_eq(out, "\xc3\xa9");
	ck_assert_uint_eq(utf8_sanitize(out, sizeof(out), "\xed\xa0\x80", 3), 6);
	ck_assert(utf8_valid(out, 6));
	/* never split when the output is short */
	ck_assert_uint_eq(utf8_sanitize(out, 4, "ab\xe9", 3), 2);
	ck_assert_str_eq(out, "ab");
	ck_assert_uint_eq(utf8_sanitize(out, 3, "\xe2\x82\xac", 3), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(utf8_sanitize(out, 0, "x", 1), 0);
}
END_TEST

/* --- util */

START_TEST(util_helpers)
{
	char buf[4], *s;

	ck_assert_uint_eq(str_copy(buf, "hello", sizeof(buf)), 5);
	ck_assert_str_eq(buf, "hel");
	s = xstrdup("abc");
	ck_assert_str_eq(s, "abc");
	free(s);
	s = xstrndup("abcdef", 2);
	ck_assert_str_eq(s, "ab");
	free(s);
	ck_assert_int_eq(xasprintf(&s, "%d-%s", 42, "x"), 4);
	ck_assert_str_eq(s, "42-x");
	free(s);
	s = xcalloc(3, 5);
	for (int i = 0; i < 15; i++)
		ck_assert_int_eq(s[i], 0);
	s = xreallocarray(s, 10, 10);
	free(s);
	log_set_level(LOG_LEVEL_DEBUG);
	ck_assert_int_eq(log_get_level(), LOG_LEVEL_DEBUG);
	log_set_level(LOG_LEVEL_ERROR);
	log_info("not shown");
	ck_assert_int_eq(log_get_level(), LOG_LEVEL_ERROR);
}
END_TEST

START_TEST(util_secret_equal)
{
	ck_assert(str_secret_equal("hunter2", "hunter2"));
	ck_assert(str_secret_equal("", ""));
	ck_assert(!str_secret_equal("hunter2", "hunter3"));
	ck_assert(!str_secret_equal("hunter2", "hunter"));
	ck_assert(!str_secret_equal("hunter", "hunter2"));
	/* a repeated b must not pass for a longer a */
	ck_assert(!str_secret_equal("abab", "ab"));
	ck_assert(!str_secret_equal("a", ""));
	ck_assert(!str_secret_equal("", "a"));
}
END_TEST

struct htab_item {
	int key;
	struct hlink link;	/* not first: HLINK_ENTRY must subtract */
};

static bool
htab_item_same(const struct hlink *l, const char *key)
{
	return HLINK_ENTRY(l, struct htab_item, link)->key == atoi(key);
}

static struct htab_item *
htab_item_find(const struct htab *tb, int key)
{
	char s[16];
	struct hlink *l;

	snprintf(s, sizeof(s), "%d", key);
	l = htab_find(tb, (uint32_t)key * 2654435761u, s, htab_item_same);
	return l != NULL ? HLINK_ENTRY(l, struct htab_item, link) : NULL;
}

START_TEST(util_htab)
{
	enum { N = 1000 };
	static struct htab_item items[N];
	static bool seen[N];
	struct htab tb = { 0 };
	struct hlink *l, *next;
	size_t n;

	ck_assert_ptr_null(htab_first(&tb));
	ck_assert_ptr_null(htab_item_find(&tb, 1));
	for (int i = 0; i < N; i++) {
		items[i].key = i;
		items[i].link.hash = (uint32_t)i * 2654435761u;
		htab_insert(&tb, &items[i].link);
	}
	ck_assert_uint_eq(tb.count, N);
	ck_assert_uint_ge(tb.cap, N);	/* grown past one per bucket */
	for (int i = 0; i < N; i++)
		ck_assert_ptr_eq(htab_item_find(&tb, i), &items[i]);
	/* Remove the odd ones while walking: the walk still sees each once. */
	n = 0;
	for (l = htab_first(&tb); l != NULL; l = next) {
		struct htab_item *it = HLINK_ENTRY(l, struct htab_item, link);
		next = htab_next(&tb, l);
		ck_assert(!seen[it->key]);
		seen[it->key] = true;
		n++;
		if (it->key % 2 != 0)
			htab_remove(&tb, l);
	}
	ck_assert_uint_eq(n, N);
	ck_assert_uint_eq(tb.count, N / 2);
	for (int i = 0; i < N; i++)
		ck_assert_ptr_eq(htab_item_find(&tb, i),
		    i % 2 == 0 ? &items[i] : NULL);
	htab_free(&tb);
	ck_assert_uint_eq(tb.count, 0);
	ck_assert_ptr_null(htab_first(&tb));
}
END_TEST

START_TEST(util_log_to_file)
{
	char path[] = "/tmp/check_common_log.XXXXXX", line[256];
	int fd = mkstemp(path);
	FILE *fp;

	ck_assert_int_ge(fd, 0);
	close(fd);
	log_set_level(LOG_LEVEL_INFO);
	log_to_file(path);
	log_error("boom %d", 7);
	log_debug("hidden");
	log_to_file(NULL);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp));
	ck_assert_ptr_nonnull(strstr(line, "error: boom 7"));
	ck_assert_ptr_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	unlink(path);
}
END_TEST

START_TEST(util_fatal_exits)
{
	log_to_file(NULL);
	errno = ENOENT;
	fatal("gone");
}
END_TEST

START_TEST(util_fatalx_exits)
{
	log_to_file(NULL);
	fatalx("bye %d", 1);
}
END_TEST

static Suite *
common_suite(void)
{
	Suite *s = suite_create("common");
	TCase *tc;

	tc = tcase_create("message");
	tcase_add_test(tc, parse_basic);
	tcase_add_test(tc, parse_tags);
	tcase_add_test(tc, parse_every_escape);
	tcase_add_test(tc, parse_tag_edge_cases);
	tcase_add_test(tc, parse_tag_count);
	tcase_add_test(tc, parse_tag_limit);
	tcase_add_test(tc, parse_body_limit);
	tcase_add_test(tc, parse_params);
	tcase_add_test(tc, parse_ten_thousand_params);
	tcase_add_test(tc, parse_spaces);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, parse_cr_lf_endings);
	tcase_add_test(tc, parse_no_overread);
	tcase_add_test(tc, parse_nul_anywhere);
	tcase_add_test(tc, parse_max_line);
	tcase_add_test(tc, parse_utf8_passthrough);
	tcase_add_test(tc, source_split);
	tcase_add_test(tc, format_round_trips);
	tcase_add_test(tc, format_exact);
	tcase_add_test(tc, format_unsendable);
	tcase_add_test(tc, format_truncates_utf8);
	tcase_add_test(tc, format_body_exact_limit);
	tcase_add_test(tc, format_drops_big_tags);
	tcase_add_test(tc, format_param_count);
	tcase_add_test(tc, format_truncates_invalid_utf8);
	tcase_add_test(tc, tag_escape_unescape);
	suite_add_tcase(s, tc);

	tc = tcase_create("framing");
	tcase_add_test(tc, frame_lines_any_split);
	tcase_add_test(tc, frame_overlong_then_good);
	tcase_add_test(tc, frame_exact_max);
	tcase_add_test(tc, frame_buffer_released);
	tcase_add_test(tc, frame_full_without_next);
	tcase_add_test(tc, frame_push_many_lines);
	tcase_add_test(tc, frame_nul_kept);
	tcase_add_test(tc, frame_overlong_reported_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, names_casemapping);
	tcase_add_test(tc, names_nick_valid);
	tcase_add_test(tc, names_chan_valid);
	tcase_add_test(tc, names_match);
	tcase_add_test(tc, names_mask_normalize);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_test(tc, time_format_known);
	tcase_add_test(tc, time_parse_valid);
	tcase_add_test(tc, time_parse_invalid);
	tcase_add_test(tc, time_clocks);
	suite_add_tcase(s, tc);

	tc = tcase_create("fingerprint");
	tcase_add_test(tc, fingerprint_format_known);
	tcase_add_test(tc, fingerprint_parse_forms);
	tcase_add_test(tc, fingerprint_parse_refuses);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_test(tc, utf8_validation);
	tcase_add_test(tc, utf8_truncation);
	tcase_add_test(tc, join_params);
	tcase_add_test(tc, utf8_fitting);
	tcase_add_test(tc, utf8_sanitizing);
	suite_add_tcase(s, tc);

	tc = tcase_create("util");
	tcase_add_test(tc, util_helpers);
	tcase_add_test(tc, util_secret_equal);
	tcase_add_test(tc, util_htab);
	tcase_add_test(tc, util_log_to_file);
	tcase_add_exit_test(tc, util_fatal_exits, 1);
	tcase_add_exit_test(tc, util_fatalx_exits, 1);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(common_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
