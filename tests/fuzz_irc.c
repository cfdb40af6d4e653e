/*
 * libFuzzer target for the outside bytes common/ reads: framing, then
 * irc_parse on each line, with these invariants (abort on violation):
 * - a stream framed byte by byte gives the same lines as framed in chunks;
 * - no line is longer than the frame's max and none holds a LF;
 * - for every line that parses, irc_format's output parses again to the
 *   same tags, source, command and params, and is a well-formed wire line;
 * - tag escaping round-trips; utf8_sanitize output is valid UTF-8;
 *   time_parse never accepts what time_format would not print back;
 * - a fingerprint that parses prints back to one that parses the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irc.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static void
check_same(const struct irc_msg *a, const struct irc_msg *b)
{
	CHECK(a->ntags == b->ntags);
	for (size_t i = 0; i < a->ntags; i++) {
		const char *v = irc_tag_get(b, a->tags[i].key);
		CHECK(v != NULL && strcmp(v, a->tags[i].value) == 0);
	}
	CHECK((a->source == NULL) == (b->source == NULL));
	CHECK(a->source == NULL || strcmp(a->source, b->source) == 0);
	CHECK(strcmp(a->command, b->command) == 0);
	CHECK(a->nparams == b->nparams);
	for (size_t i = 0; i < a->nparams; i++)
		CHECK(strcmp(a->params[i], b->params[i]) == 0);
}

/* Format m into cap bytes: what comes out must be a well-formed line
 * whose tags are m's (some dropped) and whose last param is cut, never
 * mid-character when m's was valid UTF-8. */
static void
check_short(const struct irc_msg *m, size_t cap)
{
	static char buf[IRC_LINE_MAX + 1];
	struct irc_msg m2;
	size_t n, i;
	const char *last, *last2;

	CHECK(cap <= sizeof(buf));
	if ((n = irc_format(buf, cap, m)) == 0)
		return;
	CHECK(n < cap && buf[n] == '\0' && memcmp(buf + n - 2, "\r\n", 2) == 0);
	CHECK(irc_parse(&m2, buf, n - 2) == IRC_OK);
	CHECK(m2.ntags <= m->ntags);
	for (i = 0; i < m2.ntags; i++) {
		const char *v = irc_tag_get(m, m2.tags[i].key);
		CHECK(v != NULL && strcmp(v, m2.tags[i].value) == 0);
	}
	CHECK(strcmp(m->command, m2.command) == 0);
	CHECK(m->nparams == m2.nparams);
	for (i = 0; i + 1 < m->nparams; i++)
		CHECK(strcmp(m->params[i], m2.params[i]) == 0);
	if (m->nparams == 0)
		return;
	last = m->params[m->nparams - 1];
	last2 = m2.params[m2.nparams - 1];
	CHECK(strncmp(last, last2, strlen(last2)) == 0);
	CHECK(!utf8_valid(last, strlen(last)) ||
	    utf8_valid(last2, strlen(last2)));
}

static void
round_trip(const char *line, size_t len)
{
	static char b[IRC_LINE_MAX + 1], c[IRC_LINE_MAX + 1];
	static char d[IRC_LINE_MAX + 1];
	struct irc_msg m1, m2;
	size_t n;
	const char *sp;
	/* exactly len + 1 bytes, so ASan sees any read past line[len] */
	char *a = xmalloc(len + 1);
	int err;

	memcpy(a, line, len);
	err = irc_parse(&m1, a, len);
	/* 8191 tag bytes, 510 body bytes and CRLF is the longest legal line */
	CHECK(err != IRC_OK || len <= IRC_LINE_MAX);
	if (err != IRC_OK) {
		free(a);
		return;
	}
	n = irc_format(b, sizeof(b), &m1);
	CHECK(n > 2 && n <= IRC_LINE_MAX && b[n] == '\0');
	CHECK(memcmp(b + n - 2, "\r\n", 2) == 0);
	CHECK(memchr(b, '\0', n) == NULL);
	CHECK(memchr(b, '\n', n - 1) == NULL && memchr(b, '\r', n - 2) == NULL);
	/* the body, after any tag section, fits RFC 1459's 512 bytes */
	sp = b[0] == '@' ? memchr(b, ' ', n) : NULL;
	CHECK(b[0] != '@' || (sp != NULL && (size_t)(sp - b) + 1 <= IRC_TAGS_MAX));
	CHECK(n - (sp != NULL ? (size_t)(sp - b) + 1 : 0) <= IRC_BODY_MAX);
	memcpy(c, b, n + 1);
	CHECK(irc_parse(&m2, c, n - 2) == IRC_OK);
	check_same(&m1, &m2);

	/* formatting again gives the very same bytes */
	CHECK(irc_format(d, sizeof(d), &m2) == n && memcmp(d, b, n) == 0);

	/* a short cap: a line that fits, with a prefix of the last param */
	check_short(&m1, 3 + (len * 7 + n) % (n + 2));
	free(a);
}

struct framed {
	char *text;	/* lines joined by '\n', overlong reports as "\n!\n" */
	size_t len, cap;
};

static void
framed_add(struct framed *fr, const char *s, size_t n)
{
	if (fr->len + n + 1 > fr->cap) {
		fr->cap = (fr->len + n + 1) * 2;
		fr->text = xrealloc(fr->text, fr->cap);
	}
	memcpy(fr->text + fr->len, s, n);
	fr->len += n;
}

static void
drain(struct frame *f, struct framed *fr, bool parse)
{
	enum frame_status st;
	char *line;
	size_t len;

	while ((st = frame_next(f, &line, &len)) != FRAME_NONE) {
		if (st == FRAME_OVERLONG) {
			framed_add(fr, "\n!\n", 3);
			continue;
		}
		CHECK(st == FRAME_LINE);
		CHECK(len > 0 && len + 1 <= f->max && line[len] == '\0');
		CHECK(memchr(line, '\n', len) == NULL);
		framed_add(fr, line, len);
		framed_add(fr, "\n", 1);
		if (parse)
			round_trip(line, len);
	}
	/* idle means no buffer */
	CHECK(f->buf == NULL || f->len > f->pos);
}

static void
frame_both_ways(const uint8_t *data, size_t size, size_t max, size_t step,
    bool parse)
{
	struct framed one = { 0 }, many = { 0 };
	struct frame f;
	size_t avail;
	char *p;

	/* byte by byte through frame_space/frame_commit */
	frame_init(&f, max);
	for (size_t i = 0; i < size; i++) {
		p = frame_space(&f, &avail);
		CHECK(p != NULL && avail > 0);
		*p = (char)data[i];
		frame_commit(&f, 1);
		drain(&f, &one, false);
	}
	frame_free(&f);

	/* in chunks of step bytes through frame_push */
	frame_init(&f, max);
	for (size_t i = 0; i < size; i += step) {
		frame_push(&f, (const char *)data + i, size - i < step ? size - i : step);
		drain(&f, &many, parse);
	}
	frame_free(&f);

	CHECK(one.len == many.len);
	CHECK(one.len == 0 || memcmp(one.text, many.text, one.len) == 0);
	free(one.text);
	free(many.text);
}

static void
check_misc(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1), *e = NULL, *out;
	size_t n, cap;
	int64_t ms;

	memcpy(s, data, size);
	s[size] = '\0';
	n = strlen(s);

	/* escaping: unescape(escape(v)) == v */
	cap = 2 * n + 1;
	e = xmalloc(cap);
	CHECK(irc_tag_escape(e, cap, s) == strlen(e));
	CHECK(strpbrk(e, "; \r\n") == NULL);
	irc_tag_unescape(e);
	CHECK(strcmp(e, s) == 0);
	irc_tag_unescape(s);		/* arbitrary input: must not crash */
	CHECK(strlen(s) <= n);

	/* UTF-8 */
	memcpy(s, data, size);
	cap = 2 * size + 1;
	out = xmalloc(cap);
	n = utf8_sanitize(out, cap, s, size);
	CHECK(n < cap && utf8_valid(out, n));
	CHECK(utf8_valid(s, size) == (n == size && memcmp(out, s, size) == 0));
	for (size_t max = 0; max <= size && max < 8; max++) {
		n = utf8_truncate(s, size, max);
		CHECK(n <= max);
		CHECK(!utf8_valid(s, size) || utf8_valid(s, n));
	}
	free(out);

	/* server-time: what parses formats back to a stamp that parses alike */
	s[size] = '\0';
	if (time_parse(s, &ms)) {
		char buf[IRC_TIME_LEN + 1];
		int64_t ms2;
		CHECK(time_format(buf, sizeof(buf), ms) == IRC_TIME_LEN);
		CHECK(time_parse(buf, &ms2) && ms2 == ms);
	}

	/* fingerprints: what parses prints back to the same digest */
	{
		unsigned char d[FINGERPRINT_LEN], d2[FINGERPRINT_LEN];
		char buf[FINGERPRINT_STR_MAX];
		if (fingerprint_parse(s, d)) {
			CHECK(fingerprint_format(buf, sizeof(buf), d) ==
			    FINGERPRINT_STR_MAX - 1);
			CHECK(fingerprint_parse(buf, d2) &&
			    memcmp(d, d2, sizeof(d)) == 0);
		}
	}

	/* names: must not crash; a valid nick never holds a space */
	if (irc_nick_valid(s, IRC_NICK_MAX))
		CHECK(strchr(s, ' ') == NULL && strlen(s) <= IRC_NICK_MAX);
	if (irc_chan_valid(s, IRC_CHAN_MAX))
		CHECK(irc_is_channel(s) && strpbrk(s, " ,\a:") == NULL);
	(void)irc_casehash(s);
	{
		char nick[4], user[3], host[2], fold[5];
		irc_source_split(s, nick, sizeof(nick), user, sizeof(user),
		    host, sizeof(host));
		CHECK(strlen(nick) < sizeof(nick) && strlen(user) < sizeof(user));
		CHECK(strlen(host) < sizeof(host));
		irc_casefold(fold, s, sizeof(fold));
		CHECK(strlen(fold) < sizeof(fold));
		CHECK(irc_ncasecmp(fold, s, strlen(fold)) == 0);
	}
	free(e);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t small, step;

	/* the whole input as one line, as a caller with its own framing would */
	round_trip((const char *)data, size);

	/* framing at the real line limit, chunk size from the first byte */
	step = size > 0 ? 1 + data[0] % 97 : 1;
	frame_both_ways(data, size, IRC_LINE_MAX, step, true);
	/* and with a tiny limit, so overlong lines are common */
	small = size > 1 ? 2 + data[1] % 30 : 8;
	frame_both_ways(data, size, small, step, false);

	check_misc(data, size);
	return 0;
}
