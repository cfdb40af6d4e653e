/*
 * Check tests for natter's IRCv3 conversation features: read markers,
 * typing, multiline, reactions and replies, deletion, MONITOR, and the
 * server's INFO, HELP and WHOWAS shown where they were asked.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"
#include "net-stub.h"

struct options opt;

static void
setup(void)
{
	net_stub_reset();
	net_stub_fd = 3;
	opt.host = "irc.test";
	opt.port = "6667";
	opt.nick = opt.user = "alice";
	opt.real = "Alice";
	memset(&self, 0, sizeof(self));
	str_copy(self.nick, "alice", sizeof(self.nick));
	str_copy(self.prefix_chars, "@+", sizeof(self.prefix_chars));
	str_copy(self.prefix_modes, "ov", sizeof(self.prefix_modes));
	self.registered = true;
	self.caps = CAP_TAGS | CAP_ECHO | CAP_BATCH | CAP_SERVER_TIME;
	typing_send = true;
	monitor_clear();
	window_scrollback = 100;
	window_init("server");
}

static void
teardown(void)
{
	window_free_all();
}

/* A joined channel #t, not on screen (the server buffer is). */
static struct buffer *
joined(const char *name)
{
	struct buffer *b = window_open(name, BUFFER_CHANNEL);

	b->joined = true;
	return b;
}

static const struct line *
newest(const struct buffer *b)
{
	return buffer_line(b, b->seq - 1);
}

/* Was a line starting with prefix sent? */
static bool
sent(const char *prefix)
{
	for (size_t i = 0; i < net_nsent && i < NET_STUB_MAX; i++)
		if (strncmp(net_sent[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* reactions and replies */

START_TEST(react_note_groups)
{
	char note[LINE_NOTE_MAX + 1] = "";

	ck_assert_uint_gt(react_note_add(note, sizeof(note), "", "👍", "bob"), 0);
	ck_assert_str_eq(note, "👍 bob");
	ck_assert_uint_gt(react_note_add(note, sizeof(note), note, "❤", "carol"), 0);
	ck_assert_str_eq(note, "👍 bob  ❤ carol");
	ck_assert_uint_gt(react_note_add(note, sizeof(note), note, "👍", "dan"), 0);
	ck_assert_str_eq(note, "👍 bob, dan  ❤ carol");
	/* The same reaction again from the same nick changes nothing. */
	ck_assert_uint_eq(react_note_add(note, sizeof(note), note, "👍", "DAN"), 0);
	ck_assert_str_eq(note, "👍 bob, dan  ❤ carol");
	/* Too long for the note: kept as it was. */
	char full[LINE_NOTE_MAX + 1];
	memset(full, 'x', LINE_NOTE_MAX - 4);
	full[LINE_NOTE_MAX - 4] = '\0';
	str_copy(note, full, sizeof(note));
	ck_assert_uint_eq(react_note_add(note, sizeof(note), note, "🎉", "bob"), 0);
	ck_assert_str_eq(note, full);
}
END_TEST

START_TEST(react_tagmsg_beside_line)
{
	struct buffer *b = joined("#t");

	net_stub_receive("@msgid=m1;time=2026-12-06T10:00:00.000Z :bob!b@h PRIVMSG #t :lunch?");
	net_stub_receive("@msgid=m2;+draft/reply=m1;+draft/react=👍 :carol!c@h TAGMSG #t");
	ck_assert_str_eq(LINE_TEXT(newest(b)), "lunch?");
	ck_assert_str_eq(LINE_MSGID(newest(b)), "m1");
	ck_assert_str_eq(LINE_NOTE(newest(b)), "👍 carol");
	/* Not in the scrollback: a short line says so. */
	net_stub_receive("@+draft/reply=gone;+draft/react=🎉 :carol!c@h TAGMSG #t");
	ck_assert_str_eq(LINE_TEXT(newest(b)),
	    "carol reacted 🎉 to an earlier message");
	/* A reaction with spaces or controls cannot break the note. */
	net_stub_receive("@+draft/reply=m1;+draft/react=a\\sb\x01 :dan!d@h TAGMSG #t");
	ck_assert_str_eq(LINE_NOTE(buffer_line(b, b->seq - 2)),
	    "👍 carol  a_b dan");
}
END_TEST

START_TEST(react_reply_reference)
{
	struct buffer *b = joined("#t");

	net_stub_receive("@msgid=m1 :bob!b@h PRIVMSG #t :\x02who\x02 wants soup today?");
	net_stub_receive("@msgid=m2;+draft/reply=m1 :carol!c@h PRIVMSG #t :me");
	ck_assert_str_eq(LINE_TEXT(newest(b)),
	    "\x1d↪ bob: who wants soup today?\x1d me");
	net_stub_receive("@msgid=m3;+draft/reply=zz :carol!c@h PRIVMSG #t :and me");
	ck_assert_str_eq(LINE_TEXT(newest(b)),
	    "\x1d↪ (an earlier message)\x1d and me");
}
END_TEST

START_TEST(react_send_last_or_selected)
{
	struct buffer *b = joined("#t");

	net_stub_receive("@msgid=m1 :bob!b@h PRIVMSG #t :one");
	net_stub_receive("@msgid=m2 :bob!b@h PRIVMSG #t :two");
	net_stub_receive(":server 333 alice #t bob 1");	/* not a message */
	net_stub_reset();
	command_run(b, "/react 👍");
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "@+draft/react=👍;+draft/reply=m2 TAGMSG #t");
	/* Shift-Up twice: the first message. */
	react_select(b, -1);
	react_select(b, -1);
	ck_assert_uint_eq(b->selected, 1);
	ck_assert_str_eq(LINE_MSGID(buffer_line(b, b->selected - 1)), "m1");
	net_stub_reset();
	command_run(b, "/react 🎉");
	ck_assert_str_eq(net_sent[0], "@+draft/react=🎉;+draft/reply=m1 TAGMSG #t");
	ck_assert_uint_eq(b->selected, 0);	/* used up */
	/* Down past the newest ends the selection. */
	react_select(b, -1);
	react_select(b, 1);
	ck_assert_uint_eq(b->selected, 0);
	/* Without message-tags nothing goes. */
	self.caps &= ~CAP_TAGS;
	net_stub_reset();
	command_run(b, "/react 👍");
	ck_assert_uint_eq(net_nsent, 0);
	ck_assert_int_eq(newest(b)->kind, LINE_ERROR);
}
END_TEST

/* Lines that came from history (a LATEST page merged in by time, an
 * AFTER page filling the gap of a reconnect, a BEFORE page in front)
 * keep their msgids: they can be selected, reacted to and deleted. */
START_TEST(react_history_lines)
{
	self.caps |= CAP_CHATHISTORY | CAP_REDACT;
	net_stub_receive(":alice!a@h JOIN #t");
	struct buffer *b = window_find("#t");
	ck_assert(sent("CHATHISTORY LATEST #t * "));
	net_stub_receive(":irc.test BATCH +h1 chathistory #t");
	net_stub_receive("@batch=h1;msgid=m1;time=2026-12-06T10:00:00.000Z :bob!b@h PRIVMSG #t :one");
	net_stub_receive("@batch=h1;msgid=a1;time=2026-12-06T10:01:00.000Z :alice!a@h PRIVMSG #t :mine");
	net_stub_receive(":irc.test BATCH -h1");
	uint64_t seq;
	ck_assert(buffer_find_msgid(b, "m1", &seq));
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, seq)), "one");
	ck_assert(buffer_find_msgid(b, "a1", &seq));

	/* A reconnect: the gap is filled AFTER the newest shown. */
	unsigned caps = self.caps;
	str_copy(net_error, "gone", sizeof(net_error));
	handle_disconnected();
	handle_connected();
	self.caps = caps;	/* as CAP would give them again */
	net_stub_receive(":irc.test 001 alice :Welcome back");
	net_stub_reset();
	net_stub_receive(":alice!a@h JOIN #t");
	ck_assert(sent("CHATHISTORY AFTER #t msgid=a1 "));
	net_stub_receive(":irc.test BATCH +h2 chathistory #t");
	net_stub_receive("@batch=h2;msgid=m2;time=2026-12-06T10:02:00.000Z :bob!b@h PRIVMSG #t :missed");
	net_stub_receive("@batch=h2;msgid=a2;time=2026-12-06T10:03:00.000Z :alice!a@h PRIVMSG #t :mine too");
	net_stub_receive(":irc.test BATCH -h2");
	ck_assert(buffer_find_msgid(b, "m2", &seq));
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, seq)), "missed");
	/* Shift-Up until "missed" is selected: it can be, and reacted to. */
	while (b->selected == 0 || strcmp(LINE_MSGID(buffer_line(b,
	    b->selected - 1)), "m2") != 0) {
		uint64_t was = b->selected;
		react_select(b, -1);
		ck_assert_uint_ne(b->selected, was);
	}
	net_stub_reset();
	command_run(b, "/react 👍");
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "@+draft/react=👍;+draft/reply=m2 TAGMSG #t");
	/* And alice's own gap-filled line deleted. */
	net_stub_reset();
	command_run(b, "/delete");
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "REDACT #t a2");

	/* A BEFORE page (scrolled to the top) keeps them too. */
	net_stub_reset();
	chathist_scrolled_top(b);
	ck_assert(sent("CHATHISTORY BEFORE #t msgid=m1 "));
	net_stub_receive(":irc.test BATCH +h3 chathistory #t");
	net_stub_receive("@batch=h3;msgid=m0;time=2026-12-06T09:00:00.000Z :bob!b@h PRIVMSG #t :older");
	net_stub_receive(":irc.test BATCH -h3");
	ck_assert(buffer_find_msgid(b, "m0", &seq));
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, seq)), "older");
}
END_TEST

/* Reactions replayed in a history batch find their message, which is
 * held with the batch until its end: they are held too, and applied
 * once the lines are in. */
START_TEST(react_in_history)
{
	self.caps |= CAP_CHATHISTORY;
	net_stub_receive(":alice!a@h JOIN #t");
	struct buffer *b = window_find("#t");
	net_stub_receive(":irc.test BATCH +h1 chathistory #t");
	net_stub_receive("@batch=h1;msgid=m1;time=2026-12-06T10:00:00.000Z :bob!b@h PRIVMSG #t :lunch?");
	net_stub_receive("@batch=h1;msgid=r1;time=2026-12-06T10:00:01.000Z;+draft/reply=m1;+draft/react=👍 :carol!c@h TAGMSG #t");
	net_stub_receive(":irc.test BATCH -h1");
	uint64_t seq;
	ck_assert(buffer_find_msgid(b, "m1", &seq));
	ck_assert_str_eq(LINE_NOTE(buffer_line(b, seq)), "👍 carol");
	for (uint64_t s = b->seq - b->count; s < b->seq; s++)
		ck_assert_ptr_null(strstr(LINE_TEXT(buffer_line(b, s)),
		    "reacted"));
}
END_TEST

/* A reply in a history batch to a message earlier in the same batch
 * names it, though neither is on screen until the batch ends. */
START_TEST(reply_in_history)
{
	self.caps |= CAP_CHATHISTORY;
	net_stub_receive(":alice!a@h JOIN #t");
	struct buffer *b = window_find("#t");
	net_stub_receive(":irc.test BATCH +h1 chathistory #t");
	net_stub_receive("@batch=h1;msgid=m1;time=2026-12-06T10:00:00.000Z :bob!b@h PRIVMSG #t :lunch?");
	net_stub_receive("@batch=h1;msgid=m2;time=2026-12-06T10:00:01.000Z;+draft/reply=m1 :carol!c@h PRIVMSG #t :yes");
	net_stub_receive(":irc.test BATCH -h1");
	uint64_t seq;
	ck_assert(buffer_find_msgid(b, "m2", &seq));
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, seq)),
	    "\x1d↪ bob: lunch?\x1d yes");
}
END_TEST

/* deletion */

START_TEST(redact_own_last_and_heard)
{
	struct buffer *b = joined("#t");

	self.caps |= CAP_REDACT;
	net_stub_receive("@msgid=a1 :alice!a@h PRIVMSG #t :oops");
	net_stub_receive("@msgid=b1 :bob!b@h PRIVMSG #t :ha");
	net_stub_reset();
	command_run(b, "/delete typo");
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "REDACT #t a1 :typo");
	net_stub_receive(":alice!a@h REDACT #t a1 :typo");
	const struct line *l = buffer_line(b, b->seq - 2);
	ck_assert(l->flags & LINE_DELETED);
	struct render r;
	render_line(&r, l, 80);
	char text[256];
	utf_encode(r.w, r.n, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "(message deleted)"));
	ck_assert_ptr_null(strstr(text, "oops"));
	/* A private message's REDACT comes with the other party as target. */
	net_stub_receive("@msgid=q1 :bob!b@h PRIVMSG alice :secret");
	net_stub_receive(":bob!b@h REDACT alice q1");
	ck_assert(newest(window_find("bob"))->flags & LINE_DELETED);
	/* Without the capability, /delete says why. */
	self.caps &= ~CAP_REDACT;
	net_stub_reset();
	command_run(b, "/delete");
	ck_assert_uint_eq(net_nsent, 0);
	ck_assert_int_eq(newest(b)->kind, LINE_ERROR);
}
END_TEST

/* Delete on a selected line: asks first (y/n in the input line), and
 * only for one's own message. */
START_TEST(redact_key_asks)
{
	struct buffer *b = joined("#t");

	self.caps |= CAP_REDACT;
	net_stub_receive("@msgid=a1 :alice!a@h PRIVMSG #t :\x02oops\x02 wrong window");
	net_stub_receive("@msgid=b1 :bob!b@h PRIVMSG #t :ha");
	net_stub_reset();
	/* Nothing selected: Delete is the input line's. */
	ck_assert(!redact_ask(b));
	ck_assert_ptr_null(redact_prompt());
	/* bob's: not ours, said so, nothing asked. */
	react_select(b, -1);
	ck_assert_str_eq(LINE_MSGID(buffer_line(b, b->selected - 1)), "b1");
	uint64_t lines = b->seq;
	ck_assert(redact_ask(b));
	ck_assert_ptr_null(redact_prompt());
	ck_assert_uint_eq(b->seq, lines + 1);
	ck_assert_int_eq(newest(b)->kind, LINE_ERROR);
	/* Ours: a question naming it, plainly; n keeps it. */
	react_select(b, -1);
	ck_assert_str_eq(LINE_MSGID(buffer_line(b, b->selected - 1)), "a1");
	ck_assert(redact_ask(b));
	ck_assert_ptr_nonnull(redact_prompt());
	ck_assert_str_eq(redact_prompt(),
	    "Delete your message \"oops wrong window\"? (y/n)");
	redact_answer(false);
	ck_assert_ptr_null(redact_prompt());
	ck_assert_uint_eq(net_nsent, 0);
	ck_assert_uint_ne(b->selected, 0);
	/* y sends REDACT for it, even if the selection moved meanwhile. */
	ck_assert(redact_ask(b));
	react_select(b, 1);
	redact_answer(true);
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "REDACT #t a1");
	ck_assert_uint_eq(b->selected, 0);
	ck_assert_ptr_null(redact_prompt());
}
END_TEST

START_TEST(redact_fail_shown)
{
	struct buffer *b = joined("#t");

	window_select(window_index(b));
	net_stub_receive(":server FAIL REDACT REDACT_FORBIDDEN #t x1 :You may not delete that");
	ck_assert_int_eq(newest(window_server())->kind, LINE_ERROR);
	ck_assert_str_eq(LINE_TEXT(newest(window_server())),
	    "REDACT failed: You may not delete that");
}
END_TEST

/* read markers */

START_TEST(readmark_other_device_clears_unread)
{
	struct buffer *b = joined("#t");

	self.caps |= CAP_READ_MARKER;
	net_stub_receive("@time=2026-12-06T10:00:00.000Z :server MARKREAD #t timestamp=2026-12-06T10:00:00.000Z");
	net_stub_receive("@time=2026-12-06T09:59:00.000Z;msgid=o :bob!b@h PRIVMSG #t :old");
	ck_assert_uint_eq(b->unread, 0);	/* read already */
	net_stub_receive("@time=2026-12-06T10:01:00.000Z :bob!b@h PRIVMSG #t :alice: new");
	net_stub_receive("@time=2026-12-06T10:02:00.000Z :bob!b@h PRIVMSG #t :newer");
	ck_assert_uint_eq(b->unread, 2);
	ck_assert_int_eq(b->activity, ACT_HOT);
	/* The marker line goes above the first unread. */
	ck_assert_uint_eq(readmark_line(b), b->seq - 1);
	/* Another device read up to the first: one left, no highlight. */
	net_stub_receive(":server MARKREAD #t timestamp=2026-12-06T10:01:00.000Z");
	ck_assert_uint_eq(b->unread, 1);
	ck_assert_int_eq(b->activity, ACT_MSG);
	ck_assert_uint_eq(readmark_line(b), b->seq);
	net_stub_receive(":server MARKREAD #t timestamp=2026-12-06T10:02:00.000Z");
	ck_assert_uint_eq(b->unread, 0);
	ck_assert_int_eq(b->activity, ACT_NONE);
	ck_assert_uint_eq(readmark_line(b), 0);
	/* An older marker never moves it back. */
	net_stub_receive(":server MARKREAD #t timestamp=2026-12-06T09:00:00.000Z");
	ck_assert_int_eq(b->mark.read_ms, 1796551320000LL);
}
END_TEST

START_TEST(readmark_sent_when_looked_at)
{
	struct buffer *b = joined("#t");

	self.caps |= CAP_READ_MARKER;
	net_stub_receive("@time=2026-12-06T10:01:00.000Z :bob!b@h PRIVMSG #t :hi");
	net_stub_reset();
	window_select(window_index(b));
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "MARKREAD #t timestamp=2026-12-06T10:01:00.000Z");
	/* Live at the bottom: each new message is read as it comes, told
	 * to the server at most once a second. */
	int64_t later = time_mono_ms() + READMARK_INTERVAL_MS;
	net_stub_receive("@time=2026-12-06T10:02:00.000Z :bob!b@h PRIVMSG #t :again");
	ck_assert_uint_le(net_nsent, 2);
	readmark_tick(later);
	ck_assert_uint_eq(net_nsent, 2);
	ck_assert_str_eq(net_sent[1], "MARKREAD #t timestamp=2026-12-06T10:02:00.000Z");
	ck_assert_int_eq(readmark_timeout(later), -1);
	/* Scrolled up, it is not read until the bottom comes back. */
	buffer_scroll(b, 1, 80);
	net_stub_receive("@time=2026-12-06T10:03:00.000Z :bob!b@h PRIVMSG #t :more");
	readmark_tick(later + READMARK_INTERVAL_MS);
	ck_assert_uint_eq(net_nsent, 2);
	buffer_scroll_bottom(b);
	readmark_tick(later + 2 * READMARK_INTERVAL_MS);
	ck_assert_uint_eq(net_nsent, 3);
	/* Nothing new: nothing sent on selecting again. */
	window_select(0);
	window_select(window_index(b));
	ck_assert_uint_eq(net_nsent, 3);
	/* Without the capability the marker is natter's own. */
	self.caps &= ~CAP_READ_MARKER;
	window_select(0);
	net_stub_receive("@time=2026-12-06T10:04:00.000Z :bob!b@h PRIVMSG #t :x");
	ck_assert_uint_eq(readmark_line(b), b->seq);
	window_select(window_index(b));
	ck_assert_uint_eq(net_nsent, 3);
	ck_assert_uint_eq(readmark_line(b), b->seq);	/* shown while here */
	window_select(0);
	ck_assert_uint_eq(readmark_line(b), 0);		/* gone once left */
}
END_TEST

/* How many MARKREADs for target were sent; the last in *last. */
static size_t
markreads(const char *target, const char **last)
{
	char prefix[64];
	size_t n = 0;

	snprintf(prefix, sizeof(prefix), "MARKREAD %s ", target);
	for (size_t i = 0; i < net_nsent && i < NET_STUB_MAX; i++)
		if (strncmp(net_sent[i], prefix, strlen(prefix)) == 0) {
			n++;
			*last = net_sent[i];
		}
	return n;
}

/* A flood while looking, and switching buffers back and forth: at most
 * one MARKREAD a buffer a second, the newest time, and the last one
 * always: when its second is up (also after leaving), or at /quit. */
START_TEST(readmark_throttled)
{
	struct buffer *t = joined("#t"), *u = joined("#u");
	const char *last = NULL;
	char line[128];

	self.caps |= CAP_READ_MARKER;
	window_select(window_index(t));
	net_stub_reset();
	int64_t start = time_mono_ms();
	for (int i = 0; i < 50; i++) {
		snprintf(line, sizeof(line), "@time=2026-12-06T10:00:%02d.000Z "
		    ":bob!b@h PRIVMSG #t :flood %d", i, i);
		net_stub_receive(line);
	}
	int64_t took = time_mono_ms() - start;
	ck_assert_uint_ge(markreads("#t", &last), 1);
	ck_assert_uint_le(markreads("#t", &last),
	    1 + (size_t)(took / READMARK_INTERVAL_MS));
	/* The newest goes when the second is up, once. */
	int64_t due = readmark_timeout(time_mono_ms());
	ck_assert_int_ge(due, 0);
	ck_assert_int_le(due, READMARK_INTERVAL_MS);
	readmark_tick(time_mono_ms() + READMARK_INTERVAL_MS);
	size_t n = markreads("#t", &last);
	ck_assert_str_eq(last, "MARKREAD #t timestamp=2026-12-06T10:00:49.000Z");
	readmark_tick(time_mono_ms() + 10 * READMARK_INTERVAL_MS);
	ck_assert_uint_eq(markreads("#t", &last), n);

	/* Back and forth between #t and #u, both busy. */
	net_stub_reset();
	start = time_mono_ms();
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "@time=2026-12-06T10:01:%02d.000Z "
		    ":bob!b@h PRIVMSG #t :t %d", i, i);
		net_stub_receive(line);
		snprintf(line, sizeof(line), "@time=2026-12-06T10:01:%02d.000Z "
		    ":bob!b@h PRIVMSG #u :u %d", i, i);
		net_stub_receive(line);
		window_select(window_index(i % 2 ? t : u));
	}
	took = time_mono_ms() - start;
	ck_assert_uint_le(markreads("#t", &last),
	    1 + (size_t)(took / READMARK_INTERVAL_MS));
	ck_assert_uint_le(markreads("#u", &last),
	    1 + (size_t)(took / READMARK_INTERVAL_MS));
	/* Left now (the server buffer): each one's last still goes. */
	window_select(0);
	readmark_tick(time_mono_ms() + 20 * READMARK_INTERVAL_MS);
	markreads("#t", &last);
	ck_assert_str_eq(last, "MARKREAD #t timestamp=2026-12-06T10:01:19.000Z");
	markreads("#u", &last);
	ck_assert_str_eq(last, "MARKREAD #u timestamp=2026-12-06T10:01:19.000Z");

	/* /quit sends what is waiting first, then QUIT. */
	window_select(window_index(t));
	net_stub_receive("@time=2026-12-06T10:02:00.000Z :bob!b@h PRIVMSG #t :bye");
	net_stub_receive("@time=2026-12-06T10:02:01.000Z :bob!b@h PRIVMSG #t :bye!");
	net_stub_reset();
	command_run(t, "/quit");
	ck_assert_uint_eq(net_nsent, 2);
	ck_assert_str_eq(net_sent[0], "MARKREAD #t timestamp=2026-12-06T10:02:01.000Z");
	ck_assert_str_eq(net_sent[1], "QUIT :natter");
}
END_TEST

START_TEST(readmark_row_counted)
{
	struct buffer *b = joined("#t");

	net_stub_receive(":server MARKREAD #t timestamp=2026-12-06T10:00:00.000Z");
	net_stub_receive("@time=2026-12-06T10:01:00.000Z :bob!b@h PRIVMSG #t :hi");
	ck_assert_uint_eq(buffer_line_rows(b, b->seq - 1, 80), 2);
	ck_assert_uint_eq(render_rows(newest(b), 80), 1);
}
END_TEST

/* typing */

START_TEST(typing_throttled)
{
	struct buffer *b = joined("#t");

	typing_input(b, false, 1000);
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "@+typing=active TAGMSG #t");
	typing_input(b, false, 2000);
	typing_input(b, false, 3999);
	ck_assert_uint_eq(net_nsent, 1);	/* at most every 3 s */
	typing_input(b, false, 4000);
	ck_assert_uint_eq(net_nsent, 2);
	/* 5 s without a key: paused, once. */
	ck_assert_int_eq(typing_timeout(4000), TYPING_PAUSE_MS);
	typing_tick(8999);
	ck_assert_uint_eq(net_nsent, 2);
	typing_tick(9000);
	typing_tick(9500);
	ck_assert_uint_eq(net_nsent, 3);
	ck_assert_str_eq(net_sent[2], "@+typing=paused TAGMSG #t");
	/* Typing again is active at once; emptying the line is done. */
	typing_input(b, false, 9600);
	ck_assert_str_eq(net_sent[3], "@+typing=active TAGMSG #t");
	typing_input(b, true, 9700);
	ck_assert_str_eq(net_sent[4], "@+typing=done TAGMSG #t");
	typing_input(b, true, 9800);
	ck_assert_uint_eq(net_nsent, 5);
}
END_TEST

START_TEST(typing_only_where_allowed)
{
	struct buffer *b = joined("#t");

	typing_send = false;	/* --no-typing */
	typing_input(b, false, 1000);
	typing_send = true;
	self.caps &= ~CAP_TAGS;	/* no message-tags */
	typing_input(b, false, 5000);
	self.caps |= CAP_TAGS;
	typing_input(window_server(), false, 9000);
	ck_assert_uint_eq(net_nsent, 0);
	ck_assert(typing_denied("*"));
	ck_assert(!typing_denied("*,-typing"));
	ck_assert(typing_denied("draft/react,typing"));
	ck_assert(!typing_denied("draft/react"));
	net_stub_receive(":server 005 alice CLIENTTAGDENY=* :are supported");
	typing_input(b, false, 13000);
	ck_assert_uint_eq(net_nsent, 0);
}
END_TEST

START_TEST(typing_shown_and_expires)
{
	struct buffer *b = joined("#t");
	char text[128];

	ck_assert_uint_eq(typing_text(b, text, sizeof(text)), 0);
	typing_heard(b, "bob", "active", 1000);
	typing_text(b, text, sizeof(text));
	ck_assert_str_eq(text, "bob is typing");
	typing_heard(b, "carol", "active", 1000);
	typing_text(b, text, sizeof(text));
	ck_assert_str_eq(text, "bob and carol are typing");
	typing_heard(b, "carol", "done", 1500);
	typing_heard(b, "bob", "paused", 2000);
	typing_text(b, text, sizeof(text));
	ck_assert_str_eq(text, "bob stopped typing");
	/* A message from bob ends it. */
	net_stub_receive(":bob!b@h PRIVMSG #t :hello");
	ck_assert_uint_eq(typing_text(b, text, sizeof(text)), 0);
	/* Active expires after 6 s, paused after 30 s. */
	typing_heard(b, "dan", "active", 10000);
	typing_tick(15999);
	ck_assert_uint_gt(typing_text(b, text, sizeof(text)), 0);
	typing_tick(16000);
	ck_assert_uint_eq(typing_text(b, text, sizeof(text)), 0);
	typing_heard(b, "dan", "paused", 20000);
	typing_tick(49999);
	ck_assert_uint_gt(typing_text(b, text, sizeof(text)), 0);
	typing_tick(50000);
	ck_assert_uint_eq(typing_text(b, text, sizeof(text)), 0);
	/* TAGMSG from the server: the same. */
	net_stub_receive("@+typing=active :erin!e@h TAGMSG #t");
	typing_text(b, text, sizeof(text));
	ck_assert_str_eq(text, "erin is typing");
}
END_TEST

/* multiline */

START_TEST(multiline_cap_and_fits)
{
	net_stub_receive(":server CAP * LS :draft/multiline=max-bytes=40,max-lines=3 batch message-tags");
	ck_assert_uint_eq(self.multiline_bytes, 40);
	ck_assert_uint_eq(self.multiline_lines, 3);
	self.caps |= CAP_MULTILINE;
	ck_assert(multiline_fits("#t", "a\nb", 3));
	ck_assert(!multiline_fits("#t", "one line", 8));	/* one: plain */
	char longline[1200];
	memset(longline, 'w', sizeof(longline));
	ck_assert(!multiline_fits("#t", longline, sizeof(longline)));
	ck_assert(!multiline_fits("#t", "a\nb\nc\nd", 7));	/* max-lines */
	ck_assert(!multiline_fits("#t", "aaaaaaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbbbbb", 43));
	self.caps &= ~CAP_BATCH;
	ck_assert(!multiline_fits("#t", "a\nb", 3));
}
END_TEST

START_TEST(multiline_sent_as_batch)
{
	struct buffer *b = joined("#t");
	char text[900];

	self.caps |= CAP_MULTILINE;
	self.multiline_bytes = 4096;
	self.multiline_lines = 10;
	memset(text, 'x', sizeof(text));
	memcpy(text, "first\r\nsecond\n", 14);
	text[sizeof(text) - 1] = '\0';
	command_run(b, "first\nsecond");
	ck_assert_uint_eq(net_nsent, 4);
	ck_assert_str_eq(net_sent[0], "BATCH +ml1 draft/multiline #t");
	ck_assert_str_eq(net_sent[1], "@batch=ml1 PRIVMSG #t :first");
	ck_assert_str_eq(net_sent[2], "@batch=ml1 PRIVMSG #t :second");
	ck_assert_str_eq(net_sent[3], "BATCH -ml1");
	/* A line longer than a message goes on with multiline-concat. */
	net_stub_reset();
	say(b, "#t", text, strlen(text), false);
	ck_assert_uint_eq(net_nsent, 7);
	ck_assert_str_eq(net_sent[1], "@batch=ml2 PRIVMSG #t :first");
	ck_assert_str_eq(net_sent[2], "@batch=ml2 PRIVMSG #t :second");
	ck_assert_ptr_nonnull(strstr(net_sent[3], "@batch=ml2 PRIVMSG #t :xxx"));
	ck_assert_ptr_nonnull(strstr(net_sent[4],
	    "@batch=ml2;draft/multiline-concat PRIVMSG #t :xxx"));
	/* Without echo-message it shows as one message at once. */
	self.caps &= ~CAP_ECHO;
	net_stub_reset();
	paste_offer(b, "p1\np2\np3", 8);
	ck_assert_str_eq(paste_prompt(), "Paste 3 lines to #t as one message? (y/n)");
	paste_answer(true);
	ck_assert_uint_eq(net_nsent, 5);
	ck_assert_str_eq(LINE_TEXT(newest(b)), "p1\np2\np3");
	/* Declined, it is said as it was asked: lines, not messages. */
	paste_offer(b, "p1\np2\np3", 8);
	paste_answer(false);
	ck_assert_str_eq(LINE_TEXT(newest(b)), "Paste of 3 lines not sent; "
	    "it is in the input line");
}
END_TEST

START_TEST(multiline_received_as_one)
{
	struct buffer *b = joined("#t");

	net_stub_receive("@msgid=ML;time=2026-12-06T10:00:00.000Z :bob!b@h BATCH +x draft/multiline #t");
	net_stub_receive("@batch=x :bob!b@h PRIVMSG #t :roses are red");
	net_stub_receive("@batch=x :bob!b@h PRIVMSG #t :violets are ");
	net_stub_receive("@batch=x;draft/multiline-concat :bob!b@h PRIVMSG #t :blue");
	uint64_t before = b->seq;
	net_stub_receive(":bob!b@h BATCH -x");
	ck_assert_uint_eq(b->seq, before + 1);
	ck_assert_str_eq(LINE_NICK(newest(b)), "bob");
	ck_assert_str_eq(LINE_TEXT(newest(b)), "roses are red\nviolets are blue");
	ck_assert_str_eq(LINE_MSGID(newest(b)), "ML");
	/* One block: a row per line, the second under the first's text. */
	struct render r;
	size_t starts[8];
	render_line(&r, newest(b), 80);
	ck_assert_uint_eq(wrap_rows(r.w, r.n, 80, r.indent, starts, 8), 2);
	ck_assert(r.w[starts[1] - 1] == L'\n');
	ck_assert(r.w[starts[1]] == L'v');
}
END_TEST

/* long messages: a multiline message as big as the servers allow, and a
 * long line from a server with a bigger line limit, kept and shown whole */

/* Receive a draft/multiline batch of n lines of 39 bytes from bob to #t,
 * in batch outer when not NULL; *len is the joined text's length. */
static void
receive_long_batch(const char *outer, unsigned n, size_t *len)
{
	char line[256];

	snprintf(line, sizeof(line), "@msgid=LONG;time=2026-12-06T10:00:00.000Z%s%s "
	    ":bob!b@h BATCH +ml draft/multiline #t", outer != NULL ? ";batch=" : "",
	    outer != NULL ? outer : "");
	net_stub_receive(line);
	*len = 0;
	for (unsigned i = 1; i <= n; i++) {
		snprintf(line, sizeof(line), "@batch=ml :bob!b@h PRIVMSG #t "
		    ":line %03u xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i);
		net_stub_receive(line);
		*len += 39 + (i > 1);
	}
	net_stub_receive(":bob!b@h BATCH -ml");
}

START_TEST(long_multiline_whole)
{
	struct buffer *b = joined("#t");
	static struct render r;
	static size_t starts[RENDER_MAX + 1];
	size_t len;
	char row[256];

	net_stub_receive("@time=2026-12-06T09:59:00.000Z :bob!b@h PRIVMSG #t :hi");
	receive_long_batch(NULL, 100, &len);
	ck_assert_uint_eq(len, 3999);
	ck_assert_uint_eq(strlen(LINE_TEXT(newest(b))), len);
	ck_assert_ptr_nonnull(strstr(LINE_TEXT(newest(b)),
	    "\nline 100 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	/* Every line of the block on a row of its own, the last one too. */
	render_line(&r, newest(b), 80);
	size_t rows = wrap_rows(r.w, r.n, 80, r.indent, starts, nitems(starts));
	ck_assert_uint_eq(rows, 100);
	ck_assert_uint_eq(render_rows(newest(b), 80), 100);
	utf_encode(r.w + starts[99], r.n - starts[99], row, sizeof(row));
	ck_assert_str_eq(row, "line 100 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	/* Scrolling goes through it a row at a time. */
	window_select(window_index(b));
	uint64_t seq = b->seq - 1;
	ck_assert_uint_eq(buffer_line_rows(b, seq, 80), 100);
	buffer_scroll(b, 1, 80);
	ck_assert_uint_eq(b->anchor, seq);
	ck_assert_uint_eq(b->skip, 1);
	buffer_scroll(b, 98, 80);
	ck_assert_uint_eq(b->anchor, seq);
	ck_assert_uint_eq(b->skip, 99);
	buffer_scroll(b, 1, 80);
	ck_assert_uint_eq(b->anchor, seq - 1);
	buffer_scroll(b, -1, 80);
	ck_assert_uint_eq(b->anchor, seq);
	ck_assert_uint_eq(b->skip, 99);
}
END_TEST

START_TEST(long_single_line_whole)
{
	struct buffer *b = joined("#t");
	char line[4096], text[3001];

	/* 3000 bytes in one PRIVMSG: more than RFC 1459's 512, as a server
	 * with a bigger line limit sends them. */
	for (size_t i = 0; i < 3000; i++)
		text[i] = (char)('a' + i % 26);
	text[2999] = 'Z';
	text[3000] = '\0';
	snprintf(line, sizeof(line), ":bob!b@h PRIVMSG #t :%s", text);
	net_stub_receive(line);
	ck_assert_str_eq(LINE_NICK(newest(b)), "bob");
	ck_assert_str_eq(LINE_TEXT(newest(b)), text);
	static struct render r;
	render_line(&r, newest(b), 80);
	ck_assert(r.w[r.n - 1] == L'Z');
	/* Wrapped at 80 columns under the text: about 3000 / 68 rows. */
	ck_assert_uint_ge(render_rows(newest(b), 80), 3000 / 68);
	/* Ctrl-R finds its end. */
	ck_assert(search_match(LINE_TEXT(newest(b)), text + 2980));
}
END_TEST

START_TEST(long_multiline_capped)
{
	struct buffer *b = joined("#t");
	size_t len;

	/* A server that lets through far more than it offered: kept up to
	 * LINE_TEXT_MAX, cut on a character. */
	receive_long_batch(NULL, 1000, &len);
	ck_assert_uint_gt(len, LINE_TEXT_MAX);
	ck_assert_uint_le(strlen(LINE_TEXT(newest(b))), LINE_TEXT_MAX);
	ck_assert_uint_ge(strlen(LINE_TEXT(newest(b))), LINE_TEXT_MAX - 40);
}
END_TEST

START_TEST(long_multiline_history)
{
	struct buffer *b = joined("#t");
	size_t len;

	self.caps |= CAP_CHATHISTORY;
	net_stub_receive(":irc.test BATCH +h chathistory #t");
	receive_long_batch("h", 60, &len);
	net_stub_receive(":irc.test BATCH -h");
	ck_assert_str_eq(LINE_MSGID(newest(b)), "LONG");
	ck_assert_uint_eq(strlen(LINE_TEXT(newest(b))), len);
	ck_assert_uint_eq(render_rows(newest(b), 80), 60);
}
END_TEST

/* MONITOR */

START_TEST(monitor_notify)
{
	struct buffer *b = window_server();

	net_stub_receive(":server 005 alice MONITOR=2 :are supported");
	command_run(b, "/notify add bob carol");
	ck_assert_uint_eq(net_nsent, 1);
	ck_assert_str_eq(net_sent[0], "MONITOR + bob,carol");
	command_run(b, "/notify add dan");
	ck_assert_uint_eq(net_nsent, 1);	/* the server's limit */
	ck_assert_int_eq(newest(b)->kind, LINE_ERROR);
	net_stub_receive(":server 730 alice :bob!b@h");
	net_stub_receive(":server 731 alice :carol");
	ck_assert_int_eq(monitor_state("bob"), MONITOR_ONLINE);
	ck_assert_int_eq(monitor_state("carol"), MONITOR_OFFLINE);
	ck_assert_str_eq(LINE_TEXT(newest(b)), "carol is offline");
	net_stub_receive(":server 730 alice :carol!c@h");
	ck_assert_str_eq(LINE_TEXT(newest(b)), "carol came online");
	net_stub_receive(":server 731 alice :bob");
	ck_assert_str_eq(LINE_TEXT(newest(b)), "bob went offline");
	command_run(b, "/notify list");
	ck_assert_str_eq(LINE_TEXT(newest(b)),
	    "Notify list: bob (offline), carol (online)");
	command_run(b, "/notify del bob");
	ck_assert_str_eq(net_sent[1], "MONITOR - bob");
	/* A new connection: the list again once the burst is over. */
	net_stub_reset();
	net_stub_receive(":server 376 alice :End of MOTD");
	ck_assert_uint_eq(net_nsent, 0);	/* not in a burst: no */
	handle_connected();
	self.registered = true;
	net_stub_reset();
	net_stub_receive(":server 005 alice MONITOR=10 :are supported");
	net_stub_receive(":server 376 alice :End of MOTD");
	ck_assert(sent("MONITOR + carol"));
}
END_TEST

START_TEST(monitor_without_server_support)
{
	struct buffer *b = window_server();

	command_run(b, "/notify add bob");
	ck_assert_uint_eq(net_nsent, 0);
	ck_assert_ptr_nonnull(strstr(LINE_TEXT(newest(b)), "no MONITOR"));
	command_run(b, "/notify add b@d");
	ck_assert_int_eq(newest(b)->kind, LINE_ERROR);
}
END_TEST

/* INFO, HELP, WHOWAS */

START_TEST(server_text_blocks_here)
{
	struct buffer *b = joined("#t");

	window_select(window_index(b));
	command_run(b, "/info");
	ck_assert_str_eq(net_sent[net_nsent - 1], "INFO");
	net_stub_receive(":server 371 alice :natterd 1.0");
	net_stub_receive(":server 371 alice :a LAN chat server");
	net_stub_receive(":server 374 alice :End of INFO");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - 2)), "natterd 1.0");
	ck_assert_str_eq(LINE_TEXT(newest(b)), "a LAN chat server");
	/* /help for one of natter's commands is natter's; else the server's. */
	net_stub_reset();
	command_run(b, "/help react");
	ck_assert_uint_eq(net_nsent, 0);
	command_run(b, "/help privmsg");
	ck_assert_str_eq(net_sent[0], "HELP privmsg");
	net_stub_receive(":server 704 alice PRIVMSG :PRIVMSG <target> :<text>");
	net_stub_receive(":server 705 alice PRIVMSG :Sends a message.");
	net_stub_receive(":server 706 alice PRIVMSG :End of /HELP");
	ck_assert_str_eq(LINE_TEXT(buffer_line(b, b->seq - 2)),
	    "PRIVMSG <target> :<text>");
	ck_assert_str_eq(LINE_TEXT(newest(b)), "Sends a message.");
	net_stub_receive(":server 314 alice dan d host.lan * :Dan Smith");
	net_stub_receive(":server 369 alice dan :End of WHOWAS");
	ck_assert_str_eq(LINE_TEXT(newest(b)), "dan was (d@host.lan): Dan Smith");
	ck_assert_uint_eq(window_server()->count, 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("client_modern");
	TCase *tc;

	tc = tcase_create("react");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, react_note_groups);
	tcase_add_test(tc, react_tagmsg_beside_line);
	tcase_add_test(tc, react_reply_reference);
	tcase_add_test(tc, react_send_last_or_selected);
	tcase_add_test(tc, react_history_lines);
	tcase_add_test(tc, react_in_history);
	tcase_add_test(tc, reply_in_history);
	suite_add_tcase(s, tc);

	tc = tcase_create("redact");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, redact_own_last_and_heard);
	tcase_add_test(tc, redact_fail_shown);
	tcase_add_test(tc, redact_key_asks);
	suite_add_tcase(s, tc);

	tc = tcase_create("readmark");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, readmark_other_device_clears_unread);
	tcase_add_test(tc, readmark_sent_when_looked_at);
	tcase_add_test(tc, readmark_row_counted);
	tcase_add_test(tc, readmark_throttled);
	suite_add_tcase(s, tc);

	tc = tcase_create("typing");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, typing_throttled);
	tcase_add_test(tc, typing_only_where_allowed);
	tcase_add_test(tc, typing_shown_and_expires);
	suite_add_tcase(s, tc);

	tc = tcase_create("multiline");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, multiline_cap_and_fits);
	tcase_add_test(tc, multiline_sent_as_batch);
	tcase_add_test(tc, multiline_received_as_one);
	suite_add_tcase(s, tc);

	tc = tcase_create("long");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, long_multiline_whole);
	tcase_add_test(tc, long_single_line_whole);
	tcase_add_test(tc, long_multiline_capped);
	tcase_add_test(tc, long_multiline_history);
	suite_add_tcase(s, tc);

	tc = tcase_create("monitor");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, monitor_notify);
	tcase_add_test(tc, monitor_without_server_support);
	suite_add_tcase(s, tc);

	tc = tcase_create("server_text");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, server_text_blocks_here);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
