/*
 * Check tests for natter in daily use: nicks a server refuses, what an
 * outage says, Ctrl-C, lines typed while disconnected, /whois blocks,
 * /ignore, /list, the status line's and nick list's markers, the
 * palette's contrast, --time-format. tests/net-stub.c stands in for
 * net.c.
 */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natter.h"
#include "net-stub.h"

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
	opt.join = NULL;
	memset(&self, 0, sizeof(self));
	str_copy(self.nick, "alice", sizeof(self.nick));
	str_copy(self.prefix_chars, "@+", sizeof(self.prefix_chars));
	str_copy(self.prefix_modes, "ov", sizeof(self.prefix_modes));
	self.registered = true;
	window_scrollback = 100;
	window_init("server");
}

static void
teardown(void)
{
	window_free_all();
}

static const char *
last_text(const struct buffer *b)
{
	return b->seq == 0 ? "" : LINE_TEXT(buffer_line(b, b->seq - 1));
}

static const char *
last_sent(void)
{
	return net_nsent == 0 ? "" : net_sent[net_nsent - 1];
}

/* Lines of b containing text. */
static size_t
count_lines(const struct buffer *b, const char *text)
{
	size_t n = 0;

	for (uint64_t seq = b->seq - b->count; seq < b->seq; seq++)
		if (strstr(LINE_TEXT(buffer_line(b, seq)), text) != NULL)
			n++;
	return n;
}

/* --- nickname */

START_TEST(nick_problems)
{
	char why[128];

	ck_assert(!nick_problem(why, sizeof(why), "alice"));
	ck_assert(!nick_problem(why, sizeof(why), "[a]-b_c`9"));
	ck_assert(nick_problem(why, sizeof(why), ""));
	ck_assert_str_eq(why, "a nickname cannot be empty");
	ck_assert(nick_problem(why, sizeof(why), "9lives"));
	ck_assert_str_eq(why, "a nickname cannot start with 9");
	ck_assert(nick_problem(why, sizeof(why), "-dash"));
	ck_assert_str_eq(why, "a nickname cannot start with -");
	ck_assert(nick_problem(why, sizeof(why), "a.b"));
	ck_assert_str_eq(why, "a nickname cannot have . in it, only letters, "
	    "digits and []\\`_^{|}-");
	/* A space is named: "cannot have   in it" reads as nothing. */
	ck_assert(nick_problem(why, sizeof(why), "jo smith"));
	ck_assert_str_eq(why, "a nickname cannot have a space in it, only "
	    "letters, digits and []\\`_^{|}-");
	ck_assert(nick_problem(why, sizeof(why), "jos\xc3\xa9"));
	ck_assert(nick_problem(why, sizeof(why),
	    "abcdefghijabcdefghijabcdefghij1"));
	ck_assert(strstr(why, "longer than 30") != NULL);
}
END_TEST

START_TEST(nick_alternatives)
{
	char out[IRC_NICK_MAX + 1];

	/* First what is left of it, at 9 characters. */
	ck_assert_uint_eq(nick_alternative(out, sizeof(out), "jo.smith", 0), 7);
	ck_assert_str_eq(out, "josmith");
	nick_alternative(out, sizeof(out), "averyverylongnick", 0);
	ck_assert_str_eq(out, "averyvery");
	nick_alternative(out, sizeof(out), "42-x", 0);
	ck_assert_str_eq(out, "x");
	/* Nothing left, or nothing changed: natter's own. */
	nick_alternative(out, sizeof(out), "1234", 0);
	ck_assert_str_eq(out, "natter");
	nick_alternative(out, sizeof(out), "bob", 0);
	ck_assert_str_eq(out, "natter");
	nick_alternative(out, sizeof(out), "x", 1);
	ck_assert_str_eq(out, "natter");
	nick_alternative(out, sizeof(out), "natter", 2);
	ck_assert_str_eq(out, "natter2");
	ck_assert_uint_eq(nick_alternative(out, 3, "natter", 1), 0);
}
END_TEST

START_TEST(nick_refused_registering)
{
	struct buffer *s = window_server();

	self.registered = false;
	str_copy(self.nick, "jo.smith", sizeof(self.nick));
	handle_connected();
	net_stub_reset();
	net_stub_receive(":irc.test 432 * jo.smith :Erroneous Nickname");
	ck_assert_str_eq(last_sent(), "NICK josmith");
	ck_assert_str_eq(self.nick, "josmith");
	ck_assert_str_eq(last_text(s), "The server refuses the nickname "
	    "jo.smith (Erroneous Nickname); trying josmith instead, /nick "
	    "picks another once connected");
	net_stub_receive(":irc.test 432 * josmith :Erroneous Nickname");
	ck_assert_str_eq(last_sent(), "NICK natter");
	net_stub_receive(":irc.test 432 * natter :Erroneous Nickname");
	ck_assert_str_eq(last_sent(), "NICK natter2");
	/* A new connection starts from the first alternative again. */
	str_copy(self.nick, "a.b", sizeof(self.nick));
	handle_connected();
	net_stub_receive(":irc.test 432 * a.b :Erroneous Nickname");
	ck_assert_str_eq(last_sent(), "NICK ab");
}
END_TEST

START_TEST(nick_refused_registered)
{
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);

	window_select(window_index(c));
	command_run(c, "/nick 9lives");
	ck_assert_uint_eq(net_nsent, 0);
	ck_assert_str_eq(last_text(c), "Not a valid nickname: a nickname "
	    "cannot start with 9");
	command_run(c, "/nick bob|away");
	ck_assert_str_eq(last_sent(), "NICK bob|away");
	net_stub_receive(":irc.test 432 alice bob|away :Erroneous Nickname");
	ck_assert_str_eq(last_text(c), "The server refuses the nickname "
	    "bob|away (Erroneous Nickname); you are still alice");
	ck_assert_str_eq(self.nick, "alice");
	net_stub_receive(":irc.test 433 alice bob :Nickname is already in use");
	ck_assert_str_eq(last_text(c), "Nickname bob is already in use; you "
	    "are still alice");
	ck_assert_uint_eq(net_nsent, 1);
}
END_TEST

/* --- session: one line as an outage starts, one as it ends */

START_TEST(outage_said_once)
{
	struct buffer *s = window_server(), *c = window_open("#lan", BUFFER_CHANNEL);

	window_select(window_index(c));
	session_init();
	self.registered = false;
	handle_connected();
	net_stub_receive(":irc.test 001 alice :Welcome");
	ck_assert(!session_outage());
	/* It drops, and three attempts fail. */
	str_copy(net_error, "irc.test:6667: Connection reset by peer",
	    sizeof(net_error));
	net_stub_fd = -1;
	self.registered = false;
	handle_disconnected();
	ck_assert(session_outage());
	ck_assert_str_eq(last_text(c), "Disconnected: irc.test:6667: "
	    "Connection reset by peer; reconnecting in 1s");
	for (int i = 0; i < 3; i++) {
		str_copy(net_error, "irc.test:6667: Connection refused",
		    sizeof(net_error));
		handle_disconnected();
	}
	ck_assert_uint_eq(count_lines(s, "Disconnected"), 1);
	ck_assert_uint_eq(count_lines(c, "Disconnected"), 1);
	ck_assert_uint_eq(count_lines(s, "refused"), 0);
	session_tick(time_mono_ms());
	ck_assert_msg(strstr(status_note, "reconnecting in") != NULL &&
	    strstr(status_note, "(3 failed)") != NULL, "%s", status_note);
	/* Back: no "Connected to" for the attempt, one "Reconnected". */
	net_stub_fd = 3;
	handle_connected();
	ck_assert_uint_eq(count_lines(s, "Connected to"), 1);
	net_stub_receive(":irc.test 001 alice :Welcome");
	ck_assert(!session_outage());
	ck_assert(strncmp(last_text(c), "Reconnected after ", 18) == 0);
	ck_assert(strstr(last_text(c), "(3 attempts failed)") != NULL);
	ck_assert_uint_eq(count_lines(s, "Reconnected"), 1);
	/* The next outage is said again. */
	net_stub_fd = -1;
	self.registered = false;
	handle_disconnected();
	ck_assert_uint_eq(count_lines(s, "Disconnected"), 2);
	self.quit = true;	/* no reconnect is left scheduled */
}
END_TEST

/* A server not up yet at start-up: natter was never connected, so the
 * lines say so, not "Disconnected" and "Reconnected". */
START_TEST(startup_outage_said_as_connecting)
{
	struct buffer *s = window_server();

	session_init();
	self.registered = false;
	net_reached = false;
	str_copy(net_error, "cannot connect to irc.test:6667: Connection "
	    "refused", sizeof(net_error));
	net_stub_fd = -1;
	handle_disconnected();
	ck_assert(session_outage());
	ck_assert_str_eq(last_text(s), "cannot connect to irc.test:6667: "
	    "Connection refused; trying again in 1s");
	handle_disconnected();
	ck_assert_uint_eq(count_lines(s, "Disconnected"), 0);
	net_stub_fd = 3;
	handle_connected();
	net_stub_receive(":irc.test 001 alice :Welcome");
	ck_assert(!session_outage());
	ck_assert_uint_eq(count_lines(s, "Connected after "), 1);
	ck_assert_uint_eq(count_lines(s, "(1 attempt failed)"), 1);
	ck_assert_uint_eq(count_lines(s, "Reconnected"), 0);
	self.quit = true;
}
END_TEST

/* An attempt that reaches a box and is turned away (a certificate
 * refused: another machine answering in the server's place) is said,
 * once per reason, amid attempts that reach nothing and are not. */
START_TEST(outage_says_a_refused_certificate)
{
	struct buffer *s = window_server();
	const char *changed = "the certificate of irc.test:6697 has changed";

	session_init();
	self.registered = false;
	handle_connected();
	net_stub_receive(":irc.test 001 alice :Welcome");
	str_copy(net_error, "irc.test:6697: Connection reset by peer",
	    sizeof(net_error));
	net_stub_fd = -1;
	self.registered = false;
	handle_disconnected();
	for (int i = 0; i < 6; i++) {
		net_reached = i % 2 == 1;
		str_copy(net_error, net_reached ? changed :
		    "cannot connect to irc.test:6697: Connection refused",
		    sizeof(net_error));
		handle_disconnected();
	}
	ck_assert_uint_eq(count_lines(s, "Connection refused"), 0);
	ck_assert_uint_eq(count_lines(s, "has changed"), 1);
	ck_assert(strstr(last_text(s), "has changed; trying again in ") != NULL);
	net_reached = false;
	self.quit = true;
}
END_TEST

/* Line mode does not reconnect, so it does not say it will. */
START_TEST(pipe_outage_said_as_final)
{
	struct buffer *s = window_server();

	session_init();
	opt.pipe = true;
	self.registered = false;
	net_reached = false;
	str_copy(net_error, "cannot connect to irc.test:6667: Connection "
	    "refused", sizeof(net_error));
	net_stub_fd = -1;
	handle_disconnected();
	ck_assert(!session_waiting());
	ck_assert_str_eq(last_text(s), "cannot connect to irc.test:6667: "
	    "Connection refused");
	/* Nor after it was connected. */
	net_stub_fd = 3;
	handle_connected();
	net_stub_receive(":irc.test 001 alice :Welcome");
	str_copy(net_error, "irc.test:6667: Connection reset by peer",
	    sizeof(net_error));
	net_stub_fd = -1;
	self.registered = false;
	handle_disconnected();
	ck_assert(!session_waiting());
	ck_assert_str_eq(last_text(s), "Disconnected: irc.test:6667: "
	    "Connection reset by peer");
	opt.pipe = false;
}
END_TEST

/* A welcome burst as ngircd sends it. */
static void
burst(void)
{
	self.registered = false;
	handle_connected();
	net_stub_receive(":irc.test 001 alice :Welcome to the test network alice");
	net_stub_receive(":irc.test 002 alice :Your host is irc.test");
	net_stub_receive(":irc.test 003 alice :This server has been started today");
	net_stub_receive(":irc.test 005 alice NETWORK=Test :are supported");
	net_stub_receive(":irc.test 251 alice :There are 7 users and 0 invisible on 1 servers");
	net_stub_receive(":irc.test 265 alice 7 7 :Current local users 7, max 7");
	net_stub_receive(":irc.test 375 alice :- irc.test message of the day");
	net_stub_receive(":irc.test 372 alice :- be kind");
	net_stub_receive(":irc.test 376 alice :End of MOTD command");
}

START_TEST(reconnect_burst_quiet)
{
	struct buffer *s = window_server(), *c = window_open("#lan", BUFFER_CHANNEL);

	session_init();
	burst();
	ck_assert_uint_eq(count_lines(s, "be kind"), 1);
	ck_assert_uint_eq(count_lines(s, "Your host is"), 1);
	ck_assert_uint_eq(count_lines(s, "Current local users"), 0);
	ck_assert_uint_eq(count_lines(s, "7 users on this server now"), 1);
	window_select(window_index(c));
	net_stub_fd = -1;
	self.registered = false;
	handle_disconnected();
	net_stub_fd = 3;
	burst();
	/* Neither again in the server buffer, nor in the channel. */
	ck_assert_uint_eq(count_lines(s, "be kind"), 1);
	ck_assert_uint_eq(count_lines(s, "Your host is"), 1);
	ck_assert_uint_eq(count_lines(s, "Welcome to the test"), 1);
	ck_assert_uint_eq(count_lines(c, "be kind"), 0);
	ck_assert_uint_eq(count_lines(c, "message of the day"), 0);
	/* Asked for later (/motd), it shows. */
	net_stub_receive(":irc.test 372 alice :- be kind");
	ck_assert_uint_eq(count_lines(s, "be kind"), 2);
	self.quit = true;
}
END_TEST

/* --- interrupt and typing while disconnected */

START_TEST(ctrl_c_twice)
{
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);

	edit_set(&c->edit, "half a thought");
	ck_assert(!interrupt_key(c, 10000));
	ck_assert_uint_eq(c->edit.len, 0);
	ck_assert(strstr(last_text(c), "Ctrl-C again within 2s quits") != NULL);
	ck_assert(strstr(last_text(c), "Ctrl-Y") != NULL);
	edit_op(&c->edit, EDIT_YANK);
	ck_assert_uint_eq(c->edit.len, strlen("half a thought"));
	/* Too late for a second press: it counts as a first again. */
	ck_assert(!interrupt_key(c, 12001));
	ck_assert(strstr(last_text(c), "Ctrl-C again") != NULL);
	ck_assert(interrupt_key(c, 14000));
	/* After quitting was answered, the next press starts over. */
	ck_assert(!interrupt_key(c, 14100));
}
END_TEST

START_TEST(typed_while_disconnected)
{
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);

	self.registered = false;
	ck_assert(!command_run(c, "are you there?"));
	ck_assert(!command_run(c, "/join #x"));
	ck_assert(strncmp(last_text(c), "Not connected: the line stays", 29) == 0);
	ck_assert_uint_eq(net_nsent, 0);
	/* What needs no connection runs. */
	ck_assert(command_run(c, "/clear"));
	ck_assert(command_run(c, "/frobnicate"));
	self.registered = true;
	ck_assert(command_run(c, "are you there?"));
}
END_TEST

/* --- whois: a block, not numerics */

START_TEST(whois_durations)
{
	char out[32];

	whois_duration(out, sizeof(out), 0);
	ck_assert_str_eq(out, "0s");
	whois_duration(out, sizeof(out), 59);
	ck_assert_str_eq(out, "59s");
	whois_duration(out, sizeof(out), 133);
	ck_assert_str_eq(out, "2m 13s");
	whois_duration(out, sizeof(out), 3600);
	ck_assert_str_eq(out, "1h");
	whois_duration(out, sizeof(out), 3 * 86400 + 4 * 3600 + 59);
	ck_assert_str_eq(out, "3d 4h");
	whois_duration(out, sizeof(out), 1796530682);
	ck_assert_str_eq(out, "20793d 4h");
	ck_assert_uint_eq(whois_duration(out, 3, 133), 0);
	/* Fri 4 Dec 2026 14:02 UTC */
	whois_signon(out, sizeof(out), 1796392920);
	ck_assert_str_eq(out, "Fri 4 Dec 14:02");
}
END_TEST

START_TEST(whois_block)
{
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);
	struct buffer *q = window_open("carol", BUFFER_QUERY);
	struct buffer *s = window_server();
	uint64_t before;

	window_select(window_index(c));
	before = c->seq;
	net_stub_receive(":irc.test 311 alice carol ~carol host.lan * :Carol Smith");
	net_stub_receive(":irc.test 319 alice carol :@#home #lan");
	net_stub_receive(":irc.test 312 alice carol irc.test :natter LAN chat server");
	net_stub_receive(":irc.test 330 alice carol carol :is logged in as");
	net_stub_receive(":irc.test 301 alice carol :at lunch");
	net_stub_receive(":irc.test 671 alice carol :is using a secure connection");
	net_stub_receive(":irc.test 313 alice carol :is an IRC operator");
	net_stub_receive(":irc.test 317 alice carol 133 1796392920 :seconds idle, signon time");
	net_stub_receive(":irc.test 318 alice carol :End of /WHOIS list.");
	static const char *const want[] = {
		"carol (~carol@host.lan): Carol Smith",
		"  channels: @#home #lan",
		"  server: irc.test (natter LAN chat server)",
		"  account: carol",
		"  away: at lunch",
		"  connected over TLS",
		"  is an IRC operator",
		"  idle 2m 13s, signed on Fri 4 Dec 14:02",
	};
	ck_assert_uint_eq(c->seq - before, nitems(want));
	for (size_t i = 0; i < nitems(want); i++)
		ck_assert_str_eq(LINE_TEXT(buffer_line(c, before + i)), want[i]);
	/* The away line was the block's, not a note in the query. */
	ck_assert_uint_eq(count_lines(q, "away"), 0);
	ck_assert_uint_eq(count_lines(s, "carol"), 0);
	/* Outside a block, 301 is a note in the query, as before. */
	net_stub_receive(":irc.test 301 alice carol :at lunch");
	ck_assert_str_eq(last_text(q), "carol is away: at lunch");
	/* The block goes where /whois was typed, though the user moved on
	 * before the answer came (ngircd holds a busy client's commands). */
	command_run(c, "/whois dan");
	ck_assert_str_eq(last_sent(), "WHOIS dan");
	window_select(window_index(q));
	before = c->seq;
	net_stub_receive(":irc.test 311 alice dan ~dan lan * :Dan");
	net_stub_receive(":irc.test 318 alice dan :End of /WHOIS list.");
	ck_assert_uint_eq(c->seq - before, 1);
	ck_assert_str_eq(last_text(c), "dan (~dan@lan): Dan");
	ck_assert_uint_eq(count_lines(q, "dan (~dan@lan)"), 0);
	/* Unasked (another client's /quote), it is where the user is. */
	net_stub_receive(":irc.test 311 alice dan ~dan lan * :Dan");
	net_stub_receive(":irc.test 318 alice dan :End of /WHOIS list.");
	ck_assert_str_eq(last_text(q), "dan (~dan@lan): Dan");
	window_select(window_index(c));
	/* WHOWAS */
	before = c->seq;
	net_stub_receive(":irc.test 314 alice dan ~dan old.lan * :Dan");
	net_stub_receive(":irc.test 312 alice dan irc.test :Fri Dec  4 13:00:00 2026");
	net_stub_receive(":irc.test 369 alice dan :End of WHOWAS");
	ck_assert_uint_eq(c->seq - before, 2);
	ck_assert_str_eq(LINE_TEXT(buffer_line(c, before)), "dan was (~dan@old.lan): Dan");
	ck_assert_str_eq(last_text(c), "  server: irc.test (Fri Dec  4 13:00:00 2026)");
}
END_TEST

/* --- ignore: masks, the list, the file, what is hidden */

START_TEST(ignore_masks)
{
	struct ignores l = { .n = 0 };

	ck_assert_int_eq(ignore_add(&l, "bob", IGNORE_MSGS), 0);
	ck_assert_str_eq(l.list[0].mask, "bob!*@*");
	ck_assert_int_eq(ignore_add(&l, "*!*@*.spam.example", IGNORE_ALL), 1);
	ck_assert_int_eq(ignore_add(&l, "tr?ll*!~x@*", IGNORE_MSGS), 2);
	ck_assert_int_eq(ignore_add(&l, "BOB", IGNORE_ALL), 0);	/* the same */
	ck_assert_uint_eq(l.list[0].what, IGNORE_ALL);
	ck_assert_int_eq(ignore_add(&l, "a b", IGNORE_MSGS), -1);
	ck_assert_int_eq(ignore_add(&l, "", IGNORE_MSGS), -1);
	ck_assert_uint_eq(l.n, 3);

	ck_assert(ignore_matches(&l, "bob", "b@lan", IGNORE_MSGS));
	ck_assert(ignore_matches(&l, "Bob", "b@lan", IGNORE_EVENTS));
	ck_assert(ignore_matches(&l, "{bob}", "b@lan", IGNORE_MSGS) == false);
	ck_assert(ignore_matches(&l, "x", "y@a.spam.example", IGNORE_MSGS));
	ck_assert(!ignore_matches(&l, "x", "y@spam.example.org", IGNORE_MSGS));
	ck_assert(ignore_matches(&l, "troll42", "~x@h", IGNORE_MSGS));
	ck_assert(ignore_matches(&l, "trxll", "~x@h", IGNORE_MSGS));
	ck_assert(!ignore_matches(&l, "trll", "~x@h", IGNORE_MSGS));
	ck_assert(!ignore_matches(&l, "troll42", "x@h", IGNORE_MSGS));
	ck_assert(!ignore_matches(&l, "troll42", "~x@h", IGNORE_EVENTS));
	/* The server's own lines (no user@host) are never hidden. */
	ck_assert(!ignore_matches(&l, "bob", "", IGNORE_MSGS));

	struct ignore gone;
	ck_assert(ignore_remove(&l, "2", &gone));
	ck_assert_str_eq(gone.mask, "*!*@*.spam.example");
	ck_assert_str_eq(l.list[1].mask, "tr?ll*!~x@*");
	ck_assert(ignore_remove(&l, "BOB", NULL));
	ck_assert(!ignore_remove(&l, "bob", NULL));
	ck_assert(!ignore_remove(&l, "9", NULL));
	ck_assert_uint_eq(l.n, 1);
	for (int i = 0; i < IGNORE_MAX; i++) {
		char m[16];
		snprintf(m, sizeof(m), "n%d", i);
		ignore_add(&l, m, IGNORE_MSGS);
	}
	ck_assert_uint_eq(l.n, IGNORE_MAX);
	ck_assert_int_eq(ignore_add(&l, "one-more", IGNORE_MSGS), -1);
}
END_TEST

START_TEST(ignore_file_kept)
{
	char dir[] = "/tmp/natter-ignore.XXXXXX", path[256], err[256];
	struct ignores l = { .n = 0 }, back = { .n = 0 };
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert(data_path(path, sizeof(path), dir, NULL, "ignore"));
	ck_assert(strstr(path, "/natter/ignore") != NULL);
	ignore_add(&l, "bob", IGNORE_MSGS);
	ignore_add(&l, "*!*@spam", IGNORE_ALL);
	ck_assert_msg(ignore_write(&l, path, err, sizeof(err)), "%s", err);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	ignore_read(&back, fp);
	fclose(fp);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(back.list[0].mask, "bob!*@*");
	ck_assert_uint_eq(back.list[0].what, IGNORE_MSGS);
	ck_assert_uint_eq(back.list[1].what, IGNORE_ALL);
	/* natter's own list, through the commands, survives a restart. */
	ignore_init(dir, NULL);
	ck_assert_uint_eq(ignores.n, 2);
	struct buffer *s = window_server();
	char args[] = "carol";
	ignore_cmd(s, args);
	ck_assert_str_eq(last_text(s), "Ignoring carol!*@*");
	char which[] = "1";
	unignore_cmd(s, which);
	ignore_init(dir, NULL);
	ck_assert_uint_eq(ignores.n, 2);
	ck_assert_str_eq(ignores.list[0].mask, "*!*@spam");
	ck_assert_str_eq(ignores.list[1].mask, "carol!*@*");
	char none[] = "";
	ignore_cmd(s, none);
	ck_assert_str_eq(last_text(s), "Ignoring 2: carol!*@*");
	unlink(path);
	snprintf(path, sizeof(path), "%s/natter", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

START_TEST(ignore_hides_lines)
{
	char dir[] = "/tmp/natter-ignore.XXXXXX", args[64];
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ignore_init(dir, NULL);
	window_select(window_index(c));
	net_stub_receive(":alice!a@h JOIN #lan");
	net_stub_receive(":bob!b@lan JOIN #lan");
	ck_assert_ptr_nonnull(nick_find(c, "bob"));
	str_copy(args, "bob", sizeof(args));
	ignore_cmd(c, args);
	net_stub_receive(":bob!b@lan PRIVMSG #lan :hidden words");
	net_stub_receive(":bob!b@lan NOTICE #lan :hidden notice");
	net_stub_receive(":bob!b@lan PRIVMSG #lan :\1ACTION hides\1");
	net_stub_receive(":bob!b@lan PRIVMSG alice :psst");
	net_stub_receive(":bob!b@lan PRIVMSG alice :\1VERSION\1");
	net_stub_receive(":bob!b@lan INVITE alice #trap");
	/* In history too: a chathistory batch's lines. */
	net_stub_receive("@batch=h1;time=2026-12-04T10:00:00.000Z;msgid=x1 :bob!b@lan PRIVMSG #lan :old hidden");
	ck_assert_uint_eq(count_lines(c, "hidden"), 0);
	ck_assert_uint_eq(count_lines(c, "hides"), 0);
	ck_assert_uint_eq(count_lines(c, "trap"), 0);
	ck_assert_ptr_null(window_find("bob"));	/* no query opened */
	ck_assert_uint_eq(net_nsent, 0);	/* no CTCP reply */
	/* Joins still show, and the nick list follows. */
	net_stub_receive(":bob!b@lan PART #lan");
	ck_assert_uint_eq(count_lines(c, "bob left"), 1);
	ck_assert_ptr_null(nick_find(c, "bob"));
	/* -all: the events go too, the nick list still follows. */
	str_copy(args, "-all bob", sizeof(args));
	ignore_cmd(c, args);
	net_stub_receive(":bob!b@lan JOIN #lan");
	net_stub_receive(":bob!b@lan NICK bobby");
	ck_assert_uint_eq(count_lines(c, "bob (b@lan) joined"), 1);	/* before */
	ck_assert_uint_eq(count_lines(c, "bobby"), 0);
	ck_assert_ptr_nonnull(nick_find(c, "bobby"));
	/* Others are not touched. */
	net_stub_receive(":carol!c@lan PRIVMSG #lan :visible");
	ck_assert_str_eq(last_text(c), "visible");
	str_copy(args, "1", sizeof(args));
	unignore_cmd(c, args);
	net_stub_receive(":bob!b@lan PRIVMSG #lan :heard again");
	ck_assert_str_eq(last_text(c), "heard again");
	char path[256];
	data_path(path, sizeof(path), dir, NULL, "ignore");
	unlink(path);
	snprintf(path, sizeof(path), "%s/natter", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

/* --- replies natter has words for: WHO, channel lists, errors */

START_TEST(who_lines)
{
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);
	struct buffer *s = window_server();

	window_select(window_index(c));
	net_stub_receive(":irc.test 352 alice #lan ~bob host.lan irc.test bob H@ :0 Bob Smith");
	net_stub_receive(":irc.test 352 alice #lan carol c.lan irc.test carol G :2 Carol");
	net_stub_receive(":irc.test 315 alice #lan :End of /WHO list.");
	/* In the server buffer, as irssi's and WeeChat's are; one line a
	 * user, with no hop count, server or flag letters. */
	ck_assert_uint_eq(count_lines(s, "#lan @bob (~bob@host.lan): Bob Smith"), 1);
	ck_assert_uint_eq(count_lines(s, "#lan carol (carol@c.lan): Carol (away)"), 1);
	ck_assert_str_eq(last_text(s), "End of /WHO list for #lan: 2 users");
	ck_assert_uint_eq(count_lines(c, "bob"), 0);
	net_stub_receive(":irc.test 315 alice nobody :End of /WHO list.");
	ck_assert_str_eq(last_text(s), "End of /WHO list for nobody: no one");
}
END_TEST

START_TEST(channel_lists)
{
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);
	struct buffer *q = window_open("bob", BUFFER_QUERY);
	struct buffer *s = window_server();
	uint64_t before = s->seq;

	window_select(window_index(q));
	net_stub_receive(":irc.test 324 alice #lan +nt");
	ck_assert_str_eq(last_text(c), "Modes of #lan: +nt");
	net_stub_receive(":irc.test 324 alice #lan +lk 10 :secret");
	ck_assert_str_eq(last_text(c), "Modes of #lan: +lk 10 secret");
	/* Bans in the channel's buffer, the time as a date, counted. */
	net_stub_receive(":irc.test 367 alice #lan troll!*@* bob 1796392920");
	net_stub_receive(":irc.test 367 alice #lan *!*@spam.example irc.test");
	net_stub_receive(":irc.test 368 alice #lan :End of channel ban list");
	ck_assert_uint_eq(count_lines(c, "Ban: troll!*@* (set by bob, Fri 4 Dec 14:02)"), 1);
	ck_assert_uint_eq(count_lines(c, "Ban: *!*@spam.example (set by irc.test)"), 1);
	ck_assert_str_eq(last_text(c), "2 bans on #lan");
	net_stub_receive(":irc.test 368 alice #lan :End of channel ban list");
	ck_assert_str_eq(last_text(c), "No bans on #lan");
	net_stub_receive(":irc.test 348 alice #lan friend!*@* bob 1796392920");
	net_stub_receive(":irc.test 349 alice #lan :End of channel exception list");
	ck_assert_uint_eq(count_lines(c, "Ban exception: friend!*@*"), 1);
	ck_assert_str_eq(last_text(c), "1 ban exception on #lan");
	net_stub_receive(":irc.test 347 alice #lan :End of channel invite list");
	ck_assert_str_eq(last_text(c), "No invite exceptions on #lan");
	/* An invitation that went out is said where it was typed. */
	net_stub_receive(":irc.test 341 alice carol #lan");
	ck_assert_str_eq(last_text(q), "Inviting carol to #lan");
	ck_assert_uint_eq(s->seq, before);
}
END_TEST

/* An error names what it is about, apart from the server's words. */
START_TEST(error_numerics_named)
{
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);

	window_select(window_index(c));
	net_stub_receive(":irc.test 406 alice nobody :There was no such nickname");
	ck_assert_str_eq(last_text(c), "nobody: There was no such nickname");
	net_stub_receive(":irc.test 482 alice #lan :You're not channel operator");
	ck_assert_str_eq(last_text(c), "#lan: You're not channel operator");
	net_stub_receive(":irc.test 443 alice bob #lan :is already on channel");
	ck_assert_str_eq(last_text(c), "bob #lan: is already on channel");
	net_stub_receive(":irc.test 481 alice :Permission Denied");
	ck_assert_str_eq(last_text(c), "Permission Denied");
}
END_TEST

/* A CTCP reply answers what was typed where it was typed; PING's says
 * how long it took. */
START_TEST(ctcp_reply_here)
{
	struct buffer *q = window_open("bob", BUFFER_QUERY);
	char line[128];

	window_select(window_index(q));
	net_stub_receive(":bob!b@lan NOTICE alice :\1VERSION irssi 1.4\1");
	ck_assert_str_eq(last_text(q), "CTCP VERSION reply from bob: irssi 1.4");
	snprintf(line, sizeof(line), ":bob!b@lan NOTICE alice :\1PING %lld\1",
	    (long long)time_now_ms() - 1500);
	net_stub_receive(line);
	ck_assert_msg(strncmp(last_text(q), "CTCP PING reply from bob: 1.5", 29) == 0,
	    "%s", last_text(q));
	/* A request is the server buffer's business. */
	net_stub_receive(":bob!b@lan PRIVMSG alice :\1TIME\1");
	ck_assert_uint_eq(count_lines(window_server(), "CTCP TIME request from bob"), 1);
}
END_TEST

/* An ambiguous prefix says what it could be. */
START_TEST(ambiguous_named)
{
	struct buffer *s = window_server();

	command_run(s, "/wh");
	ck_assert_str_eq(last_text(s), "Ambiguous command /wh: /who /whois /whowas");
	command_run(s, "/qu");
	ck_assert_str_eq(last_text(s), "Ambiguous command /qu: /query /quit /quote");
}
END_TEST

/* /unignore says which mask went, also when it was named by number. */
START_TEST(unignore_names_mask)
{
	char dir[] = "/tmp/natter-ignore.XXXXXX", args[64], path[256];
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ignore_init(dir, NULL);
	str_copy(args, "*!*@spam.example", sizeof(args));
	ignore_cmd(c, args);
	str_copy(args, "1", sizeof(args));
	unignore_cmd(c, args);
	ck_assert_str_eq(last_text(c), "No longer ignoring *!*@spam.example");
	data_path(path, sizeof(path), dir, NULL, "ignore");
	unlink(path);
	snprintf(path, sizeof(path), "%s/natter", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

/* --- list: a buffer of channels */

START_TEST(list_filters_and_requests)
{
	char line[128];

	ck_assert(list_match("#lan", 7, "home", 0, "", ""));
	ck_assert(!list_match("#lan", 1, "home", 2, "", ""));
	ck_assert(list_match("#lan", 7, "home", 0, "#l*", ""));
	ck_assert(!list_match("#kids", 7, "home", 0, "#l*", ""));
	ck_assert(list_match("#kids", 2, "\2Home\2work", 0, "", "homework"));
	ck_assert(list_match("#LAN", 2, "", 0, "", "lan"));
	ck_assert(!list_match("#kids", 2, "games", 0, "", "lan"));
	/* ELIST: U for user counts (">n" is more than n), M for masks. */
	list_request(line, sizeof(line), "", 3, "#l*");
	ck_assert_str_eq(line, "LIST");
	list_request(line, sizeof(line), "MNU", 3, "");
	ck_assert_str_eq(line, "LIST >2");
	list_request(line, sizeof(line), "CMNTU", 3, "#l*");
	ck_assert_str_eq(line, "LIST >2,#l*");
	list_request(line, sizeof(line), "M", 3, "#l*");
	ck_assert_str_eq(line, "LIST #l*");
}
END_TEST

START_TEST(list_buffer_sorted)
{
	struct buffer *c = window_open("#lan", BUFFER_CHANNEL), *l;
	char args[64];

	window_select(window_index(c));
	str_copy(self.elist, "MU", sizeof(self.elist));
	str_copy(args, "-min 2", sizeof(args));
	command_run(c, "/list -min 2");
	ck_assert_str_eq(net_sent[net_nsent - 1], "LIST >1");
	l = window_find(LIST_BUFFER);
	ck_assert_ptr_nonnull(l);
	ck_assert_ptr_eq(window_current(), l);
	net_stub_receive(":irc.test 321 alice Channel :Users  Name");
	net_stub_receive(":irc.test 322 alice #kids 3 :games");
	net_stub_receive(":irc.test 322 alice #lan 7 :\2home\2 network");
	net_stub_receive(":irc.test 322 alice #alone 1 :nobody");	/* -min applies here too */
	net_stub_receive(":irc.test 322 alice #books 3 :reading");
	net_stub_receive(":irc.test 323 alice :End of /LIST");
	ck_assert(strncmp(LINE_TEXT(buffer_line(l, l->seq - l->count)),
	    "3 of 4 channels, 2 users or more", 32) == 0);
	ck_assert_uint_eq(count_lines(l, "#alone"), 0);
	/* Most users first, then by name. */
	ck_assert(strstr(LINE_TEXT(buffer_line(l, l->seq - l->count + 1)), "1. #lan") != NULL);
	ck_assert(strstr(LINE_TEXT(buffer_line(l, l->seq - l->count + 2)), "2. #books") != NULL);
	ck_assert(strstr(LINE_TEXT(buffer_line(l, l->seq - l->count + 3)), "3. #kids") != NULL);
	/* Text typed there filters; a number joins that line's channel. */
	ck_assert(command_run(l, "read"));
	ck_assert_uint_eq(count_lines(l, "#kids"), 0);
	ck_assert(strstr(LINE_TEXT(buffer_line(l, l->seq - l->count + 1)), "1. #books") != NULL);
	net_stub_reset();
	command_run(l, "1");
	ck_assert_str_eq(net_sent[0], "JOIN #books");
	command_run(l, "#kids");
	ck_assert_str_eq(net_sent[1], "JOIN #kids");
	command_run(l, "9");
	ck_assert_str_eq(last_text(l), "No line 9 here");
	/* An empty line takes the filter away. */
	command_run(l, "");
	ck_assert_uint_eq(count_lines(l, "3. #kids"), 1);
	/* It is no conversation: /me and the like are refused there. */
	net_stub_reset();
	command_run(l, "/me waves");
	ck_assert_uint_eq(net_nsent, 0);
	list_free();
}
END_TEST

/* --- status line: markers where it cuts, our nick apart */

START_TEST(status_fits_current)
{
	int w[10] = { 8, 8, 8, 8, 8, 8, 8, 8, 8, 8 };
	size_t first, last;

	status_fit(w, 10, 2, 200, &first, &last);
	ck_assert_uint_eq(first, 0);
	ck_assert_uint_eq(last, 9);
	status_fit(w, 10, 2, 50, &first, &last);
	ck_assert_uint_eq(first, 0);
	ck_assert_uint_eq(last, 4);	/* 40 columns and "+5 more" */
	status_fit(w, 10, 8, 50, &first, &last);
	ck_assert(first <= 8 && last >= 8);
	ck_assert_uint_gt(first, 0);
	ck_assert_int_le((int)(last - first + 1) * 8, 50 - 16);
}
END_TEST

/* The status line's text. */
static void
status_text(char *out, size_t cap, int cols)
{
	static struct render r;

	status_render(&r, cols);
	utf_encode(r.w, r.n, out, cap);
}

START_TEST(status_markers)
{
	char text[1024];

	str_copy(self.network, "TestNet", sizeof(self.network));
	self.connected = true;
	for (int i = 0; i < 12; i++) {
		char name[16];
		snprintf(name, sizeof(name), "#channel%d", i);
		window_open(name, BUFFER_CHANNEL);
	}
	window_select(0);
	status_text(text, sizeof(text), 200);
	ck_assert(strstr(text, "13:#channel11") != NULL);
	ck_assert(strstr(text, "more") == NULL);
	status_text(text, sizeof(text), 80);
	ck_assert_msg(strstr(text, " more") != NULL, "%s", text);
	ck_assert(strstr(text, "[1:server]") != NULL);
	window_select(11);
	status_text(text, sizeof(text), 80);
	ck_assert_msg(strstr(text, "[12:#channel10]") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "«") != NULL, "%s", text);
	/* A marker is drawn as the busiest buffer it stands for: a
	 * highlight out of sight is seen, as irssi's activity list shows. */
	struct render r;
	size_t at;
	windows[1]->activity = ACT_HOT;
	windows[2]->activity = ACT_MSG;
	status_render(&r, 80);
	for (at = 0; at < r.n && r.w[at] != L'«'; at++)
		;
	ck_assert(at < r.n);
	ck_assert_int_eq(r.st[at].fg, STATUS_HOT_COLOR);
	windows[1]->activity = ACT_NONE;
	status_render(&r, 80);
	ck_assert(r.st[at].fg != STATUS_HOT_COLOR && (r.st[at].attr & MIRC_BOLD));
	window_select(0);
	windows[12]->activity = ACT_HOT;
	status_render(&r, 80);
	for (at = 0; at + 1 < r.n && !(r.w[at] == L'+' && r.w[at + 1] != L' '); at++)
		;
	ck_assert(at + 1 < r.n);
	ck_assert_int_eq(r.st[at].fg, STATUS_HOT_COLOR);
	window_select(11);
	/* Our nick is drawn unlike any activity. */
	struct style me = status_style(STATUS_SELF, ACT_NONE);
	for (int a = ACT_NONE; a <= ACT_HOT; a++) {
		struct style st = status_style(STATUS_BUFFER, (enum activity)a);
		ck_assert(memcmp(&me, &st, sizeof(me)) != 0);
	}
	/* Too narrow even for the current buffer: the end is marked. */
	str_copy(status_note, "reconnecting in 8s (3 failed)", sizeof(status_note));
	status_text(text, sizeof(text), 40);
	ck_assert_msg(strstr(text, "…") != NULL, "%s", text);
	status_note[0] = '\0';
	struct style cur = status_style(STATUS_CURRENT, ACT_NONE);
	ck_assert(memcmp(&me, &cur, sizeof(me)) != 0);
}
END_TEST

START_TEST(nick_list_cut_marked)
{
	struct render r;
	const char *s = "averyveryverylongnickname";

	r.n = utf_decode(s, strlen(s), r.w, RENDER_MAX);
	ck_assert_uint_eq(render_fit(&r, 10), 10);
	ck_assert(r.w[9] == L'…');
	ck_assert(wcsncmp(r.w, L"averyvery", 9) == 0);
	r.n = utf_decode("bob", 3, r.w, RENDER_MAX);
	ck_assert_uint_eq(render_fit(&r, 10), 3);
	/* A wide character is never split by the marker. */
	r.n = utf_decode("日本語の名前", strlen("日本語の名前"), r.w, RENDER_MAX);
	render_fit(&r, 6);
	ck_assert_uint_eq(r.n, 3);	/* 日本 and … : 5 columns */
	ck_assert(r.w[2] == L'…');
}
END_TEST

/* --- colours: readable on dark and light backgrounds */

/* xterm's 256-colour palette entry i (16..255) as RGB. */
static void
xterm_rgb(int i, double rgb[3])
{
	static const int level[6] = { 0, 95, 135, 175, 215, 255 };

	if (i >= 232) {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (i - 232);
		return;
	}
	i -= 16;
	rgb[0] = level[i / 36];
	rgb[1] = level[i / 6 % 6];
	rgb[2] = level[i % 6];
}

/* WCAG 2 relative luminance and contrast ratio. */
static double
luminance(int i)
{
	double rgb[3], l[3];

	xterm_rgb(i, rgb);
	for (int k = 0; k < 3; k++) {
		double c = rgb[k] / 255;
		l[k] = c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}

static double
contrast(double a, double b)
{
	return a > b ? (a + 0.05) / (b + 0.05) : (b + 0.05) / (a + 0.05);
}

START_TEST(palette_contrast)
{
	const double black = 0, white = 1;

	for (int m = 0; m < 16; m++) {
		int any = color_256(m, BACKGROUND_ANY);
		int dark = color_256(m, BACKGROUND_DARK);
		int light = color_256(m, BACKGROUND_LIGHT);
		ck_assert(any >= 16 && dark >= 16 && light >= 16);
		ck_assert_msg(contrast(luminance(any), black) >= 3 &&
		    contrast(luminance(any), white) >= 3,
		    "mIRC %d as %d: %.2f on black, %.2f on white", m, any,
		    contrast(luminance(any), black), contrast(luminance(any), white));
		ck_assert_msg(contrast(luminance(dark), black) >= 3,
		    "mIRC %d as %d on black: %.2f", m, dark,
		    contrast(luminance(dark), black));
		ck_assert_msg(contrast(luminance(light), white) >= 3,
		    "mIRC %d as %d on white: %.2f", m, light,
		    contrast(luminance(light), white));
	}
	/* Navy and light blue are no dark blues on black (19 and 21 were
	 * 1.6:1 and 2.4:1). */
	ck_assert(contrast(luminance(color_256(2, BACKGROUND_DARK)), black) >= 4.5);
	ck_assert(contrast(luminance(color_256(12, BACKGROUND_DARK)), black) >= 4.5);
	ck_assert(contrast(luminance(color_256(2, BACKGROUND_ANY)), black) >= 3.5);
	ck_assert(contrast(luminance(color_256(12, BACKGROUND_ANY)), black) >= 4.5);
	/* Out of range: the default colour. */
	ck_assert_int_eq(color_256(16, BACKGROUND_ANY), -1);
	ck_assert_int_eq(color_256(-1, BACKGROUND_ANY), -1);
	/* Nick colours differ among themselves per background. */
	ck_assert_int_eq(color_background("dark"), BACKGROUND_DARK);
	ck_assert_int_eq(color_background("light"), BACKGROUND_LIGHT);
	ck_assert_int_eq(color_background("any"), BACKGROUND_ANY);
	ck_assert_int_eq(color_background("blue"), -1);
}
END_TEST

/* --- --time-format */

START_TEST(time_formats)
{
	char out[64], err[128];
	struct render r;
	struct line *l = xcalloc(1, sizeof(*l) + 16);

	ck_assert(render_time_format_ok("%H:%M:%S", err, sizeof(err)));
	ck_assert(!render_time_format_ok("", err, sizeof(err)));
	ck_assert(!render_time_format_ok("%Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S",
	    err, sizeof(err)));
	ck_assert(!render_time_format_ok("a\tb", err, sizeof(err)));
	/* Fri 4 Dec 2026 14:02:09 UTC */
	render_stamp(out, sizeof(out), "%H:%M:%S", 1796392929000LL);
	ck_assert_str_eq(out, "14:02:09");
	render_stamp(out, sizeof(out), "%a %H:%M", 1796392929000LL);
	ck_assert_str_eq(out, "Fri 14:02");
	/* The hanging indent follows the stamp's width. */
	l->time = 1796392929000LL;
	l->kind = LINE_INFO;
	l->nicklen = 0;
	memcpy(l->data, "\0hello", 7);
	render_time_format = "%H:%M";
	render_line(&r, l, 80);
	ck_assert_int_eq(r.indent, 6);
	render_time_format = "%H:%M:%S";
	render_line(&r, l, 80);
	ck_assert_int_eq(r.indent, 9);
	ck_assert(wcsncmp(r.w, L"14:02:09 hello", 14) == 0);
	render_time_format = RENDER_TIME_FORMAT;
	free(l);
}
END_TEST

static Suite *
usage_suite(void)
{
	Suite *s = suite_create("client-usage");
	TCase *tc;

	tc = tcase_create("nickname");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nick_problems);
	tcase_add_test(tc, nick_alternatives);
	tcase_add_test(tc, nick_refused_registering);
	tcase_add_test(tc, nick_refused_registered);
	suite_add_tcase(s, tc);

	tc = tcase_create("session");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, outage_said_once);
	tcase_add_test(tc, startup_outage_said_as_connecting);
	tcase_add_test(tc, outage_says_a_refused_certificate);
	tcase_add_test(tc, pipe_outage_said_as_final);
	tcase_add_test(tc, reconnect_burst_quiet);
	suite_add_tcase(s, tc);

	tc = tcase_create("whois");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, whois_durations);
	tcase_add_test(tc, whois_block);
	suite_add_tcase(s, tc);

	tc = tcase_create("ignore");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ignore_masks);
	tcase_add_test(tc, ignore_file_kept);
	tcase_add_test(tc, ignore_hides_lines);
	tcase_add_test(tc, unignore_names_mask);
	suite_add_tcase(s, tc);

	tc = tcase_create("replies");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, who_lines);
	tcase_add_test(tc, channel_lists);
	tcase_add_test(tc, error_numerics_named);
	tcase_add_test(tc, ctcp_reply_here);
	tcase_add_test(tc, ambiguous_named);
	suite_add_tcase(s, tc);

	tc = tcase_create("list");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, list_filters_and_requests);
	tcase_add_test(tc, list_buffer_sorted);
	suite_add_tcase(s, tc);

	tc = tcase_create("screen");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, status_fits_current);
	tcase_add_test(tc, status_markers);
	tcase_add_test(tc, nick_list_cut_marked);
	tcase_add_test(tc, palette_contrast);
	tcase_add_test(tc, time_formats);
	suite_add_tcase(s, tc);

	tc = tcase_create("input");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ctrl_c_twice);
	tcase_add_test(tc, typed_while_disconnected);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		return 99;
	setenv("TZ", "UTC", 1);
	log_init("check_client_usage", LOG_LEVEL_ERROR, false);
	sr = srunner_create(usage_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
