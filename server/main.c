/*
 * main.c: natterd's flags, its configuration files (MOTD, server password,
 * operators; re-read on SIGHUP) and start-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "natterd.h"

#define EX_USAGE 64
#define MOTD_LINES_MAX 200
#define MOTD_LINE_MAX 400

struct config cfg = {
	.sendq = 1024 * 1024,
	.flood_rate = 50,
	.flood_burst = 200,
	.ping_timeout = 120,
	.replay = 20,
};

static const char usage_text[] =
"usage: natterd [-fhqVv] [-d path] [-l addr[:port]]... [--name name]\n"
"               [--motd file] [--password-file file] [--oper-file file]\n"
"               [--max-clients n] [--max-per-ip n] [--sendq bytes]\n"
"               [--flood rate:burst|off] [--ping-timeout seconds]\n"
"               [--history-days n] [--history-max n] [--replay n]\n"
"               [--ready-fd n] [--syslog]\n"
"\n"
"  -d, --db path              history database (\"none\": memory only;\n"
"                             default $XDG_STATE_HOME/natterd/history.db\n"
"                             or ~/.local/state/natterd/history.db)\n"
"  -f, --foreground           stay in the foreground (always the case)\n"
"  -h, --help                 show this help and exit\n"
"  -l, --listen addr[:port]   listen there (repeatable; [v6addr]:port,\n"
"                             *:port for all); default all IPv4 and IPv6\n"
"                             addresses, port 6667\n"
"  -q, --quiet                log warnings and errors only (twice: errors)\n"
"  -V, --version              show the version and exit\n"
"  -v, --verbose              log debugging detail too\n"
"      --flood rate:burst|off lines per second and burst per client\n"
"                             before input is delayed (default 50:200)\n"
"      --history-days n       delete messages older than n days (0: never)\n"
"      --history-max n        keep at most n messages per target (0: all)\n"
"      --max-clients n        connections at most (0: no limit; default 0)\n"
"      --max-per-ip n         connections per address (0: no limit; default 0)\n"
"      --motd file            message of the day, re-read on SIGHUP\n"
"      --name name            server name in replies (default: host name)\n"
"      --oper-file file       operators, \"name password\" per line; must\n"
"                             not be readable by group or others\n"
"      --password-file file   server password (first line), re-read on SIGHUP\n"
"      --ping-timeout seconds PING after this much silence, close after\n"
"                             as much again (default 120)\n"
"      --ready-fd n           write \"listening on ADDRS\" to descriptor n\n"
"                             once listening, then close it\n"
"      --replay n             lines replayed on JOIN to clients without\n"
"                             chathistory (default 20; 0: none)\n"
"      --sendq bytes          output queued per client before it is\n"
"                             dropped (default 1048576; k/m suffixes)\n"
"      --syslog               log to syslog instead of stderr\n";

static void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "natterd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see natterd --help)\n");
	exit(EX_USAGE);
}

static size_t
parse_size(const char *flag, const char *s, size_t max, bool suffix)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (s[0] == '-' || s[0] == '\0')
		usage_error("bad number for %s", flag);
	v = strtoull(s, &end, 10);
	if (suffix && (*end == 'k' || *end == 'K')) {
		v *= 1024;
		end++;
	} else if (suffix && (*end == 'm' || *end == 'M')) {
		v *= 1024 * 1024;
		end++;
	}
	if (errno != 0 || *end != '\0' || v > max)
		usage_error("bad number for %s", flag);
	return v;
}

static void
parse_flood(const char *s)
{
	char *end;
	long rate, burst;

	if (strcmp(s, "off") == 0) {
		cfg.flood_rate = 0;
		return;
	}
	rate = strtol(s, &end, 10);
	if (end == s || *end != ':' || rate <= 0 || rate > 1000)
		usage_error("bad --flood '%s': use rate:burst (1-1000:1-100000) or off", s);
	burst = strtol(end + 1, &end, 10);
	if (*end != '\0' || burst <= 0 || burst > 100000)
		usage_error("bad --flood '%s': use rate:burst (1-1000:1-100000) or off", s);
	cfg.flood_rate = rate;
	cfg.flood_burst = burst;
}

/* Lines of a file, CR/LF stripped; NULL with errno on failure. */
static char **
read_lines(const char *path, size_t max_lines)
{
	FILE *f = fopen(path, "r");
	char **lines, buf[MOTD_LINE_MAX + 2];
	size_t n = 0;

	if (f == NULL)
		return NULL;
	lines = xcalloc(max_lines + 1, sizeof(*lines));
	while (n < max_lines && fgets(buf, sizeof(buf), f) != NULL) {
		size_t len = strcspn(buf, "\r\n");
		/* A longer line's rest is dropped, not split. */
		if (buf[len] == '\0' && !feof(f)) {
			int ch;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
		}
		char clean[MOTD_LINE_MAX * 2 + 1];
		utf8_sanitize(clean, sizeof(clean), buf, len);
		lines[n++] = xstrdup(clean);
	}
	fclose(f);
	return lines;
}

static void
free_lines(char **lines)
{
	if (lines == NULL)
		return;
	for (char **l = lines; *l != NULL; l++)
		free(*l);
	free(lines);
}

/* Returns false (and logs) when a file named on the command line fails. */
static bool
load_files(void)
{
	bool ok = true;
	char **lines;

	if (cfg.motd_path != NULL) {
		if ((lines = read_lines(cfg.motd_path, MOTD_LINES_MAX)) == NULL) {
			log_error("cannot read MOTD file %s: %s",
			    cfg.motd_path, strerror(errno));
			ok = false;
		} else {
			free_lines(cfg.motd);
			cfg.motd = lines;
		}
	}
	if (cfg.password_path != NULL) {
		if ((lines = read_lines(cfg.password_path, 1)) == NULL ||
		    lines[0] == NULL || lines[0][0] == '\0') {
			log_error("cannot read a password from %s: %s",
			    cfg.password_path,
			    lines == NULL ? strerror(errno) : "empty file");
			free_lines(lines);
			ok = false;
		} else {
			free(cfg.password);
			cfg.password = xstrdup(lines[0]);
			free_lines(lines);
		}
	}
	if (cfg.oper_path != NULL) {
		struct stat st;
		if (stat(cfg.oper_path, &st) < 0 ||
		    (lines = read_lines(cfg.oper_path, 1000)) == NULL) {
			log_error("cannot read oper file %s: %s",
			    cfg.oper_path, strerror(errno));
			return false;
		}
		for (size_t i = 0; i < cfg.nopers; i++) {
			free(cfg.opers[i].name);
			free(cfg.opers[i].pass);
		}
		free(cfg.opers);
		cfg.opers = NULL;
		cfg.nopers = 0;
		if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
			/* Passwords anyone may read are no passwords. */
			log_error("oper file %s is readable by group or others "
			    "(chmod 600 it): OPER refused", cfg.oper_path);
			free_lines(lines);
			return ok;
		}
		size_t n = 0;
		for (char **l = lines; *l != NULL; l++)
			n++;
		cfg.opers = xcalloc(n + 1, sizeof(*cfg.opers));
		for (char **l = lines; *l != NULL; l++) {
			char *p = *l, *name, *pass;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '#' || *p == '\0')
				continue;
			name = strsep(&p, " \t");
			while (p != NULL && (*p == ' ' || *p == '\t'))
				p++;
			pass = p != NULL ? strsep(&p, " \t") : NULL;
			if (pass == NULL || *pass == '\0') {
				log_warn("%s: line for %s has no password",
				    cfg.oper_path, name);
				continue;
			}
			cfg.opers[cfg.nopers].name = xstrdup(name);
			cfg.opers[cfg.nopers].pass = xstrdup(pass);
			cfg.nopers++;
		}
		free_lines(lines);
	}
	return ok;
}

void
conf_reload(void)
{
	load_files();
}

/* Thousands of clients need thousands of descriptors. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char *argv[])
{
	enum {
		OPT_NAME = 256, OPT_MOTD, OPT_PASSWORD, OPT_MAXCLIENTS,
		OPT_MAXPERIP, OPT_SENDQ, OPT_FLOOD, OPT_PING, OPT_OPER,
		OPT_SYSLOG, OPT_HISTDAYS, OPT_HISTMAX, OPT_REPLAY, OPT_READYFD,
	};
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "motd", required_argument, NULL, OPT_MOTD },
		{ "password-file", required_argument, NULL, OPT_PASSWORD },
		{ "max-clients", required_argument, NULL, OPT_MAXCLIENTS },
		{ "max-per-ip", required_argument, NULL, OPT_MAXPERIP },
		{ "sendq", required_argument, NULL, OPT_SENDQ },
		{ "flood", required_argument, NULL, OPT_FLOOD },
		{ "ping-timeout", required_argument, NULL, OPT_PING },
		{ "oper-file", required_argument, NULL, OPT_OPER },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "history-days", required_argument, NULL, OPT_HISTDAYS },
		{ "history-max", required_argument, NULL, OPT_HISTMAX },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "ready-fd", required_argument, NULL, OPT_READYFD },
		{ NULL, 0, NULL, 0 },
	};
	const char *listens[32];
	size_t nlistens = 0;
	int level = LOG_LEVEL_INFO, ch, ready_fd = -1;
	bool use_syslog = false;
	static char hostname[HOST_NAME_MAX + 1];
	char err[256];

#ifdef NATTER_DEBUG
	level = LOG_LEVEL_DEBUG;
#endif
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "d:fhl:qvV", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (nlistens == nitems(listens))
				usage_error("too many %s", "--listen");
			listens[nlistens++] = optarg;
			break;
		case 'd':
			cfg.db_path = optarg;
			break;
		case 'f':
			break;
		case 'q':
			level = level > LOG_LEVEL_ERROR ? level - 1 : level;
			break;
		case 'v':
			level = LOG_LEVEL_DEBUG;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			puts(NATTERD_VERSION);
			return 0;
		case OPT_NAME:
			if (optarg[0] == '\0' || strpbrk(optarg, " :!@,") != NULL ||
			    strlen(optarg) > IRC_HOST_MAX)
				usage_error("bad --name '%s'", optarg);
			cfg.name = optarg;
			break;
		case OPT_MOTD:
			cfg.motd_path = optarg;
			break;
		case OPT_PASSWORD:
			cfg.password_path = optarg;
			break;
		case OPT_OPER:
			cfg.oper_path = optarg;
			break;
		case OPT_MAXCLIENTS:
			cfg.max_clients = parse_size("--max-clients", optarg,
			    1000000, false);
			break;
		case OPT_MAXPERIP:
			cfg.max_per_ip = parse_size("--max-per-ip", optarg,
			    1000000, false);
			break;
		case OPT_SENDQ:
			cfg.sendq = parse_size("--sendq", optarg,
			    1024UL * 1024 * 1024, true);
			if (cfg.sendq < 4096)
				usage_error("--sendq %s is below 4096 bytes",
				    optarg);
			break;
		case OPT_FLOOD:
			parse_flood(optarg);
			break;
		case OPT_PING:
			cfg.ping_timeout = parse_size("--ping-timeout", optarg,
			    86400, false);
			if (cfg.ping_timeout < 1)
				usage_error("--ping-timeout %s: at least 1",
				    optarg);
			break;
		case OPT_SYSLOG:
			use_syslog = true;
			break;
		case OPT_HISTDAYS:
			cfg.history_days = parse_size("--history-days", optarg,
			    1000000, false);
			break;
		case OPT_HISTMAX:
			cfg.history_max = parse_size("--history-max", optarg,
			    INT_MAX, false);
			break;
		case OPT_REPLAY:
			cfg.replay = parse_size("--replay", optarg, 1000, false);
			break;
		case OPT_READYFD:
			ready_fd = parse_size("--ready-fd", optarg, INT_MAX,
			    false);
			if (fcntl(ready_fd, F_SETFD, FD_CLOEXEC) < 0)
				usage_error("--ready-fd %s: not an open "
				    "descriptor", optarg);
			break;
		default:
			/* Not getopt's message: it names the path natterd was
			 * run by, and gives no hint. */
			usage_error("unknown option or missing value: '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	log_init("natterd", level, use_syslog);
	loop_signals();
	/* Ports before files: a natterd that cannot listen (the port is
	 * taken) must leave no database, WAL or state directory behind. */
	if (nlistens == 0)
		listen_default();
	for (size_t i = 0; i < nlistens; i++)
		listen_add(listens[i]);
	if (cfg.name == NULL) {
		if (gethostname(hostname, sizeof(hostname)) < 0 ||
		    hostname[0] == '\0')
			str_copy(hostname, "natterd", sizeof(hostname));
		hostname[IRC_HOST_MAX] = '\0';
		cfg.name = hostname;
	}
	time_t now = time(NULL);
	struct tm tm;
	strftime(cfg.created, sizeof(cfg.created), "%Y-%m-%d %H:%M:%S UTC",
	    gmtime_r(&now, &tm));
	if (!load_files())
		return 1;
	raise_nofile();

	if (cfg.db_path == NULL && (cfg.db_path = path_default_db()) == NULL)
		log_warn("no home directory: history is kept in memory only"
		    " (give --db)");
	if (hist_open(cfg.db_path, err, sizeof(err)) < 0) {
		log_error("%s", err[0] != '\0' ? err : "cannot open history");
		return 1;
	}
	hist_set_retention(cfg.history_days, cfg.history_max);
	chathistory_init();
	listen_log();
	log_info("%s ready as %s", NATTERD_VERSION, cfg.name);
	/* Last: whoever reads this connects at once. */
	ready_announce(ready_fd);
	return loop_run();
}
