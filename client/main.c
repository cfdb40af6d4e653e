/*
 * natter: flags, then one poll(2) loop over the keyboard and the server.
 * Each pass reads all that is waiting from both, then draws once.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "natter.h"

struct options opt;

#define QUIT_GRACE_MS 2000	/* after /quit, wait this long for the server to close */
/* Server traffic redraws at most this often (about 60 a second): a flood
 * that arrives a line at a time then costs one redraw per interval, not
 * one per line. Keys and resizes draw at once. */
#define DRAW_INTERVAL_MS 16

/* $USER when it cannot be a nick, so the screen says why natter uses
 * another; NULL otherwise. */
static const char *user_not_nick;

static volatile sig_atomic_t sig_winch, sig_quit;
/* The self-pipe: a signal that lands between the flag checks and poll()
 * still wakes poll, so a resize is never left waiting for a key. */
static int sig_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		sig_winch = 1;
	else
		sig_quit = 1;
	int saved = errno;
	(void)!write(sig_pipe[1], "", 1);
	errno = saved;
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

/* A whole decimal number from min to max: no sign, no trailing text. */
static bool
number_in(const char *s, unsigned long min, unsigned long max,
    unsigned long *n)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*n = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *n >= min && *n <= max;
}

/* Set one option from a flag or a config file line (config.c's table). */
static int
set_option(int id, const char *value, void *arg, char *err, size_t errcap)
{
	const struct config_opt *o = config_by_id(id);
	const char *name = o != NULL ? o->name : "";
	unsigned long n;

	if (strcmp(name, "config") == 0)
		opt.config = value;
	else if (strcmp(name, "background") == 0) {
		int bg = color_background(value);
		if (bg < 0) {
			snprintf(err, errcap, "background is dark, light or any, "
			    "not %s", value);
			return -1;
		}
		opt.background = (enum background)bg;
	} else if (strcmp(name, "time-format") == 0) {
		if (!render_time_format_ok(value, err, errcap))
			return -1;
		opt.time_format = xstrdup(value);
	}
	else if (strcmp(name, "account") == 0) {
		if (!irc_nick_valid(value, IRC_NICK_MAX)) {
			snprintf(err, errcap, "not a valid account name: %s",
			    value);
			return -1;
		}
		opt.account = xstrdup(value);
	} else if (strcmp(name, "sasl") == 0)
		opt.sasl = true;
	else if (strcmp(name, "sasl-mechanism") == 0) {
		if (strcasecmp(value, "plain") != 0 &&
		    strcasecmp(value, "external") != 0) {
			snprintf(err, errcap, "SASL mechanisms are plain and "
			    "external, not %s", value);
			return -1;
		}
		opt.sasl_mechanism = xstrdup(value);
		opt.sasl = true;
	}
	else if (strcmp(name, "sasl-password") == 0) {
		free(opt.sasl_password);
		opt.sasl_password = xstrdup(value);
	} else if (strcmp(name, "sasl-password-file") == 0)
		opt.sasl_password_file = xstrdup(value);
	else if (strcmp(name, "highlight") == 0) {
		/* Comma-separated, and the option may come more than once. */
		char *list = xstrdup(value), *save = NULL;
		for (char *w = strtok_r(list, ",", &save); w != NULL;
		    w = strtok_r(NULL, ",", &save)) {
			if (opt.nhighlight == nitems(opt.highlight)) {
				snprintf(err, errcap, "more than %zu highlight words",
				    nitems(opt.highlight));
				free(list);
				return -1;
			}
			opt.highlight[opt.nhighlight++] = xstrdup(w);
		}
		free(list);
	} else if (strcmp(name, "discover") == 0)
		opt.discover = true;
	else if (strcmp(name, "host") == 0) {
		opt.host = xstrdup(value);
		opt.host_given = true;
	}
	else if (strcmp(name, "join") == 0) {
		if (strchr(value, ' ') != NULL) {
			snprintf(err, errcap, "channel list has a space: %s", value);
			return -1;
		}
		opt.join = xstrdup(value);
	} else if (strcmp(name, "log-dir") == 0)
		opt.log_dir = xstrdup(value);
	else if (strcmp(name, "nick") == 0) {
		char why[128];
		if (nick_problem(why, sizeof(why), value)) {
			snprintf(err, errcap, "not a valid nickname: %s (%s)",
			    value, why);
			return -1;
		}
		opt.nick = xstrdup(value);
		user_not_nick = NULL;
	} else if (strcmp(name, "mouse") == 0)
		opt.mouse = true;
	else if (strcmp(name, "no-color") == 0)
		opt.no_color = true;
	else if (strcmp(name, "no-mouse") == 0)
		opt.mouse = false;
	else if (strcmp(name, "no-retry") == 0)
		opt.no_retry = true;
	else if (strcmp(name, "no-topic") == 0)
		opt.no_topic = true;
	else if (strcmp(name, "no-tls") == 0)
		opt.no_tls = true;
	else if (strcmp(name, "format") == 0) {
		if (!pipe_format_check(value, err, errcap))
			return -1;
		opt.format = xstrdup(value);
	} else if (strcmp(name, "pipe") == 0)
		opt.pipe = true;
	else if (strcmp(name, "to") == 0) {
		if (value[0] == '\0' || strpbrk(value, " ,\r\n") != NULL) {
			snprintf(err, errcap, "not one nick or channel: %s", value);
			return -1;
		}
		opt.to = xstrdup(value);
	} else if (strcmp(name, "no-typing") == 0)
		typing_send = false;
	else if (strcmp(name, "notify") == 0) {
		enum notify_mode m;
		if (!notify_mode_parse(value, &m)) {
			snprintf(err, errcap, "--notify wants osc777, osc9 or "
			    "none, not %s", value);
			return -1;
		}
		opt.notify = (int)m;
	} else if (strcmp(name, "notify-cmd") == 0)
		opt.notify_cmd = xstrdup(value);
	else if (strcmp(name, "password-file") == 0)
		opt.password_file = xstrdup(value);
	else if (strcmp(name, "port") == 0) {
		if (!number_in(value, 1, 65535, &n)) {
			snprintf(err, errcap, "not a port number: %s", value);
			return -1;
		}
		opt.port = xstrdup(value);
	} else if (strcmp(name, "real") == 0)
		opt.real = xstrdup(value);
	else if (strcmp(name, "scrollback") == 0) {
		if (!number_in(value, SCROLLBACK_MIN, SCROLLBACK_MAX, &n)) {
			snprintf(err, errcap, "scrollback wants %d to %d lines, not %s",
			    SCROLLBACK_MIN, SCROLLBACK_MAX, value);
			return -1;
		}
		opt.scrollback = n;
	} else if (strcmp(name, "tls-ca") == 0)
		opt.tls_ca = xstrdup(value);
	else if (strcmp(name, "tls-cert") == 0)
		opt.tls_cert = xstrdup(value);
	else if (strcmp(name, "tls-fingerprint") == 0) {
		if (!fingerprint_parse(value, opt.tls_pin)) {
			snprintf(err, errcap, "not a SHA-256 fingerprint (64 hex "
			    "digits, colons allowed): %s", value);
			return -1;
		}
		opt.tls_pinned = true;
	} else if (strcmp(name, "tls-insecure") == 0)
		opt.tls_insecure = true;
	else if (strcmp(name, "user") == 0)
		opt.user = xstrdup(value);
	else {
		snprintf(err, errcap, "unknown option");
		return -1;
	}
	return 0;
}

static void
parse_flags(int argc, char **argv)
{
	static struct option longopts[CONFIG_ID_MAX];
	static bool given[CONFIG_ID_MAX];
	char shortopts[128] = ":", err[CONFIG_ERR_MAX], path[4096];
	const char *user = getenv("USER");
	FILE *fp;
	int c;

	opt.host = "localhost";
	opt.nick = "natter";
	if (user != NULL && irc_nick_valid(user, IRC_NICK_MAX))
		opt.nick = user;
	else if (user != NULL)
		user_not_nick = user;
	opt.scrollback = SCROLLBACK_DEFAULT;
	config_getopt(longopts, shortopts + 1, sizeof(shortopts) - 1);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h') {
			config_usage(stdout, "natter");
			exit(0);
		}
		if (c == 'V') {
			printf("natter %s\n", PACKAGE_VERSION);
			exit(0);
		}
		if (c == ':') {
			if (optopt >= CONFIG_LONG_ID || optopt == 0)
				usage_error("option %s needs a value", argv[optind - 1]);
			usage_error("option -%c needs a value", optopt);
		}
		if (c == '?') {
			if (optopt != 0)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
		if (set_option(c, optarg, NULL, err, sizeof(err)) < 0)
			usage_error("%s", err);
		if (c >= 0 && c < CONFIG_ID_MAX)
			given[c] = true;
	}
	/* --mouse and --no-mouse are one setting: either flag beats both
	 * of the file's keys. */
	const struct config_opt *on = config_by_name("mouse"),
	    *off = config_by_name("no-mouse");
	if (given[config_opt_id(on)] || given[config_opt_id(off)])
		given[config_opt_id(on)] = given[config_opt_id(off)] = true;
	if (argc - optind > 1)
		usage_error("one host at most, not \"%s\" too", argv[optind + 1]);
	if (argc - optind == 1) {
		opt.host = argv[optind];
		opt.host_given = true;
		const struct config_opt *h = config_by_name("host");
		if (h != NULL)
			given[CONFIG_LONG_ID + (h - config_opts)] = true;
	}

	/* The config file: -c's must exist; the default one may not. */
	if (config_path(path, sizeof(path), opt.config, getenv("XDG_CONFIG_HOME"),
	    getenv("HOME"))) {
		if ((fp = fopen(path, "r")) != NULL) {
			if (config_parse(fp, path, given, set_option, NULL, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "natter: %s\n", err);
				exit(EXIT_USAGE);
			}
			fclose(fp);
		} else if (opt.config != NULL) {
			fprintf(stderr, "natter: %s: %s\n", path, strerror(errno));
			exit(EXIT_NOINPUT);
		}
	}
	/* The IANA ports: 6697 for IRC over TLS (RFC 7194), 6667 plain. */
	if (opt.port == NULL)
		opt.port = opt.no_tls ? "6667" : "6697";
	if (opt.user == NULL)
		opt.user = opt.nick;
	if (opt.real == NULL)
		opt.real = opt.nick;
	if (opt.password_file != NULL)
		opt.password = read_password(opt.password_file);
	if (opt.sasl_password_file != NULL) {
		free(opt.sasl_password);
		opt.sasl_password = read_password(opt.sasl_password_file);
	}
	if (opt.format == NULL)
		opt.format = PIPE_FORMAT_DEFAULT;
	if (opt.pipe && opt.to == NULL && opt.join == NULL)
		usage_error("--pipe needs -j channel or --to target");
	const char *problem = sasl_configure();
	if (problem != NULL)
		usage_error("%s", problem);
}

/* Is anything listening on host:port? A connect within PROBE_MS. */
static bool
probe(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	bool up = false;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return false;
	for (ai = res; ai != NULL && !up; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			up = true;
		else if (errno == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int e = 0;
			socklen_t len = sizeof(e);
			up = poll(&p, 1, PROBE_MS) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 &&
			    e == 0;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return up;
}

/*
 * --discover (asked), or no host given and nothing on localhost: browse
 * the LAN and take the server picked (or the only one, when not asked).
 * Asked, a failure exits; not asked, natter goes on with localhost.
 */
static void
discover(bool asked)
{
	static struct disc_list l;
	static char port[8];
	char err[256];
	int k;

	if (!mdns_browse(&l, DISCOVER_MS, err, sizeof(err))) {
		if (!asked)
			return;
		fprintf(stderr, "natter: %s\n", err);
		exit(EXIT_UNAVAILABLE);
	}
	if (l.n == 0) {
		if (!asked)
			return;
		fprintf(stderr, "natter: no IRC server announced on the LAN\n");
		exit(EXIT_UNAVAILABLE);
	}
	if (!asked)
		fprintf(stderr, "natter: nothing answers on %s port %s; on the "
		    "LAN:\n", opt.host, opt.port);
	/* Not on a terminal: the list is the answer. */
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (!asked && l.n == 1) {
		discover_pick(stderr, stdin, &l, false);
		k = 0;
	} else {
		k = discover_pick(asked ? stdout : stderr, stdin, &l, tty);
		if (k < 0)
			exit(asked && !tty ? 0 : EXIT_UNAVAILABLE);
	}
	opt.host = l.e[k].addr;
	snprintf(port, sizeof(port), "%u", (unsigned)l.e[k].port);
	opt.port = port;
	opt.no_tls = !l.e[k].tls;
}

/* The sooner of two poll timeouts in ms, -1 being none. */
static int
timeout_min(int a, int b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	int64_t quit_deadline = 0;
	int tty = STDIN_FILENO;	/* -1 once the terminal has hung up */
	int64_t last_draw = 0;
	bool draw_now = true;	/* a key or a resize: no waiting */
	int status = 0;

	setlocale(LC_CTYPE, "");
	log_init("natter", LOG_LEVEL_INFO, false);
	parse_flags(argc, argv);
	if (opt.discover)
		discover(true);
	if (opt.pipe) {
		if (!opt.no_tls)
			tls_setup();
		window_scrollback = SCROLLBACK_MIN;
		window_init(opt.host);
		str_copy(self.nick, opt.nick, sizeof(self.nick));
		str_copy(self.network, opt.host, sizeof(self.network));
		session_init();
		status = pipe_run();
		net_close();
		window_free_all();
		return status;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "natter: standard input and output must be a terminal\n");
		return EXIT_USAGE;
	}
	if (!opt.discover && !opt.host_given && !probe(opt.host, opt.port))
		discover(false);
	/* A bad certificate or CA file is said before curses takes over. */
	if (!opt.no_tls)
		tls_setup();
	/* The terminal is curses'; logs go to $NATTER_LOG or nowhere. */
	log_to_file(getenv("NATTER_LOG"));
	ui_color = color_mode(getenv("NO_COLOR"), opt.no_color, 256) != COLOR_NONE;
	if (getenv("NATTER_LOG") != NULL)
		log_set_level(LOG_LEVEL_DEBUG);

	/* Under tmux an OSC reaches the real terminal only through its
	 * passthrough (set -g allow-passthrough on). */
	const char *tmux = getenv("TMUX");
	notify_init((enum notify_mode)opt.notify, opt.notify_cmd, STDOUT_FILENO,
	    tmux != NULL && tmux[0] != '\0');
	ignore_init(getenv("XDG_DATA_HOME"), getenv("HOME"));
	if (opt.time_format != NULL)
		render_time_format = opt.time_format;
	window_scrollback = opt.scrollback;
	window_init(opt.host);
	str_copy(self.nick, opt.nick, sizeof(self.nick));
	str_copy(self.network, opt.host, sizeof(self.network));
	session_init();
	ui_init();

	memset(&sa, 0, sizeof(sa));
	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		ui_end();
		fatal("pipe");
	}
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	buffer_addf(window_server(), LINE_INFO, "%s", HINT_HELP);
	if (user_not_nick != NULL && strcmp(opt.nick, "natter") == 0) {
		char why[128], clean[128];
		nick_problem(why, sizeof(why), user_not_nick);
		utf_clean(clean, sizeof(clean), user_not_nick,
		    strlen(user_not_nick));
		buffer_addf(window_server(), LINE_ERROR, "Your login name %s "
		    "cannot be a nickname (%s): you are natter; -n or /nick "
		    "picks another", clean, why);
	}
	buffer_addf(window_server(), LINE_INFO, "Connecting to %s:%s as %s%s",
	    opt.host, opt.port, opt.nick, opt.no_tls ? " (plain, no TLS)" :
	    " over TLS");
	net_connect(opt.host, opt.port);

	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = tty, .events = POLLIN },
			{ .fd = net_fd(), .events = net_events() },
			{ .fd = sig_pipe[0], .events = POLLIN },
		};
		int timeout = -1;

		if (sig_winch) {
			sig_winch = 0;
			ui_resize();
			draw_now = true;
		}
		if (sig_quit && !self.quit) {
			self.quit = true;
			readmark_flush();
			net_sendf("QUIT :natter");
		}
		if (self.quit && quit_deadline == 0)
			quit_deadline = time_mono_ms() + QUIT_GRACE_MS;
		if (net_fd() < 0) {
			if (self.quit)
				break;
			if (!self.was_registered && !session_waiting()) {
				/* net_error may quote the server (ERROR): no
				 * escapes of its own reach the terminal. */
				char clean[sizeof(net_error)];
				utf_clean(clean, sizeof(clean), net_error,
				    strlen(net_error));
				ui_end();
				fprintf(stderr, "natter: %s\n", clean);
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
		/* Connect deadline, reconnect timer, countdown, paced output. */
		int64_t now = time_mono_ms();
		net_tick(now);
		session_tick(now);
		typing_tick(now);
		readmark_tick(now);
		if (fds[1].fd != net_fd())
			continue;	/* it connected: poll the new socket */
		timeout = timeout_min(timeout, session_timeout(now));
		timeout = timeout_min(timeout, net_timeout(now));
		timeout = timeout_min(timeout, typing_timeout(now));
		timeout = timeout_min(timeout, readmark_timeout(now));
		if (dirty == 0 || draw_now || now - last_draw >= DRAW_INTERVAL_MS) {
			if (dirty != 0)
				last_draw = now;
			ui_draw();
			draw_now = false;
		} else {
			timeout = timeout_min(timeout,
			    (int)(last_draw + DRAW_INTERVAL_MS - now));
			/* Leave the server's lines in the socket until then:
			 * one wake-up reads them all, instead of one each. */
			fds[1].events &= (short)~POLLIN;
		}
		if (poll(fds, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			ui_end();
			fatal("poll");
		}
		if (fds[2].revents) {
			char drain[64];
			while (read(sig_pipe[0], drain, sizeof(drain)) > 0)
				continue;
		}
		/* The terminal went away: leave as if /quit, not spin on it. */
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			sig_quit = 1;
			tty = -1;
		} else if (fds[0].revents) {
			ui_keys();
			draw_now = true;
		}
		if (fds[1].fd >= 0 && fds[1].fd == net_fd() && fds[1].revents)
			net_ready(fds[1].revents);
	}
	ui_end();
	net_close();
	window_free_all();
	free(opt.password);
	free(opt.sasl_password);
	return status;
}
