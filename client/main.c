/*
 * natter: flags, then one poll(2) loop over the keyboard and the server.
 * Each pass reads all that is waiting from both, then draws once.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natter.h"

struct options opt;

#define QUIT_GRACE_MS 2000	/* after /quit, wait this long for the server to close */

static volatile sig_atomic_t sig_winch, sig_quit;

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		sig_winch = 1;
	else
		sig_quit = 1;
}

static void
usage_line(FILE *f)
{
	fprintf(f, "usage: natter [-n nick] [-j chan[,chan]] [-p port] [-u user] "
	    "[-r realname] [--password-file file] [-c config] [--scrollback n] [host]\n");
}

static void
help(void)
{
	usage_line(stdout);
	printf("\n"
	    "  -n, --nick nick           nickname (default $USER)\n"
	    "  -j, --join chan[,chan]    channels to join once connected\n"
	    "  -p, --port port           server port (default 6667)\n"
	    "  -u, --user user           user name (default the nick)\n"
	    "  -r, --real name           real name (default the nick)\n"
	    "      --password-file file  send the file's first line as PASS\n"
	    "  -c, --config file         configuration file\n"
	    "      --scrollback n        lines kept per buffer (default %d)\n"
	    "  -h, --help                this help\n"
	    "  -V, --version             the version\n"
	    "\n"
	    "host defaults to localhost. Type /help inside natter for commands.\n",
	    SCROLLBACK_DEFAULT);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "natter: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see natter --help)\n");
	exit(EXIT_USAGE);
}

/* The first line of path, for PASS. */
static char *
read_password(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (f == NULL) {
		fprintf(stderr, "natter: %s: %s\n", path, strerror(errno));
		exit(EXIT_NOINPUT);
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0') {
		fprintf(stderr, "natter: %s: no password on the first line\n", path);
		exit(EXIT_NOINPUT);
	}
	return xstrdup(line);
}

static void
parse_flags(int argc, char **argv)
{
	enum { OPT_PASSWORD_FILE = 256, OPT_SCROLLBACK };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "join", required_argument, NULL, 'j' },
		{ "nick", required_argument, NULL, 'n' },
		{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
		{ "port", required_argument, NULL, 'p' },
		{ "real", required_argument, NULL, 'r' },
		{ "scrollback", required_argument, NULL, OPT_SCROLLBACK },
		{ "user", required_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = getenv("USER");
	char *end;
	unsigned long n;
	int c;

	opt.host = "localhost";
	opt.port = "6667";
	opt.nick = user != NULL && user[0] != '\0' ? user : "natter";
	opt.scrollback = SCROLLBACK_DEFAULT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:hj:n:p:r:u:V", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt.config = optarg; break;
		case 'h': help(); exit(0);
		case 'j': opt.join = optarg; break;
		case 'n': opt.nick = optarg; break;
		case 'p': opt.port = optarg; break;
		case 'r': opt.real = optarg; break;
		case 'u': opt.user = optarg; break;
		case 'V': printf("natter %s\n", PACKAGE_VERSION); exit(0);
		case OPT_PASSWORD_FILE: opt.password_file = optarg; break;
		case OPT_SCROLLBACK:
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    n < SCROLLBACK_MIN || n > SCROLLBACK_MAX)
				usage_error("--scrollback wants %d to %d lines, not %s",
				    SCROLLBACK_MIN, SCROLLBACK_MAX, optarg);
			opt.scrollback = n;
			break;
		case ':':
			if (optopt != 0)
				usage_error("option -%c needs an argument", optopt);
			usage_error("option %s needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		usage_error("one host at most, not \"%s\" too", argv[optind + 1]);
	if (argc - optind == 1)
		opt.host = argv[optind];
	errno = 0;
	n = strtoul(opt.port, &end, 10);
	if (errno != 0 || *end != '\0' || opt.port[0] == '\0' || n < 1 || n > 65535)
		usage_error("bad port %s", opt.port);
	if (!irc_nick_valid(opt.nick, IRC_NICK_MAX))
		usage_error("bad nickname %s", opt.nick);
	for (const char *p = opt.join; p != NULL && *p != '\0'; p++)
		if (*p == ' ')
			usage_error("channel list has a space: %s", opt.join);
	if (opt.user == NULL)
		opt.user = opt.nick;
	if (opt.real == NULL)
		opt.real = opt.nick;
	if (opt.password_file != NULL)
		opt.password = read_password(opt.password_file);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	int64_t quit_deadline = 0;
	int status = 0;

	setlocale(LC_CTYPE, "");
	log_init("natter", LOG_LEVEL_INFO, false);
	parse_flags(argc, argv);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "natter: standard input and output must be a terminal\n");
		return EXIT_USAGE;
	}
	/* The terminal is curses'; logs go to $NATTER_LOG or nowhere. */
	log_to_file(getenv("NATTER_LOG"));
	if (getenv("NATTER_LOG") != NULL)
		log_set_level(LOG_LEVEL_DEBUG);

	window_scrollback = opt.scrollback;
	window_init(opt.host);
	str_copy(self.nick, opt.nick, sizeof(self.nick));
	str_copy(self.network, opt.host, sizeof(self.network));
	ui_init();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	buffer_addf(window_server(), LINE_INFO, "Connecting to %s:%s as %s",
	    opt.host, opt.port, opt.nick);
	net_connect(opt.host, opt.port);

	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = net_fd(), .events = net_events() },
		};
		int timeout = -1;

		if (sig_winch) {
			sig_winch = 0;
			ui_resize();
		}
		if (sig_quit && !self.quit) {
			self.quit = true;
			net_sendf("QUIT :natter");
		}
		if (self.quit && quit_deadline == 0)
			quit_deadline = time_mono_ms() + QUIT_GRACE_MS;
		if (net_fd() < 0) {
			if (self.quit)
				break;
			if (!self.was_registered) {
				ui_end();
				fprintf(stderr, "natter: %s\n", net_error);
				status = EXIT_UNAVAILABLE;
				break;
			}
		}
		if (quit_deadline != 0) {
			int64_t left = quit_deadline - time_mono_ms();
			if (left <= 0)
				break;
			timeout = (int)left;
		}
		ui_draw();
		if (poll(fds, fds[1].fd >= 0 ? 2 : 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			ui_end();
			fatal("poll");
		}
		if (fds[0].revents)
			ui_keys();
		if (fds[1].fd >= 0 && fds[1].fd == net_fd() && fds[1].revents)
			net_ready(fds[1].revents);
	}
	ui_end();
	net_close();
	window_free_all();
	free(opt.password);
	return status;
}
