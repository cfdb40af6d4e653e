/*
 * main.c: natterd's flags, its configuration files (MOTD, server password,
 * operators; re-read on SIGHUP) and start-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
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

/*
 * The limits' defaults suit a LAN box (natterd(8), LIMITS): a household
 * or a class is a few dozen people with a device or two each.
 */
#define MAX_PER_IP_DEFAULT 10
#define MAX_UNREGISTERED_DEFAULT 5
#define MAX_CLIENTS_AUTO SIZE_MAX	/* not given: from RLIMIT_NOFILE */

struct config cfg = {
	.max_clients = MAX_CLIENTS_AUTO,
	.max_per_ip = MAX_PER_IP_DEFAULT,
	.max_unregistered = MAX_UNREGISTERED_DEFAULT,
	.sendq = 1024 * 1024,
	.max_output = 24 * 1024 * 1024,
	.flood_rate = 50,
	.flood_burst = 200,
	.ping_timeout = 120,
	.replay = 20,
	.sync_full = true,
	.history_max_bytes = (size_t)1 << 30,
	.nick_grace = 30,
};

static void usage_error(const char *, const char *)
    __attribute__((noreturn));

static void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "natterd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see natterd --help)\n");
	exit(EX_USAGE);
}

/* What the flags set besides cfg: start-up's own choices. */
static struct {
	const char *listens[32];
	size_t nlistens;
	int level;
	bool syslog;
	int ready_fd;		/* --ready-fd, -1 when none */
	const char *add_account;	/* --add-account: add it and exit */
	const char *tls_listens[32];
	size_t ntls_listens;
	bool fingerprint;	/* --fingerprint: print it and exit */
	bool no_announce;	/* --no-announce: not on the LAN by DNS-SD */
} start = { .level = LOG_LEVEL_INFO, .ready_fd = -1 };

static void flag_add_account(const char *);
static void flag_fingerprint(const char *);
static void flag_flood(const char *);
static void flag_help(const char *);
static void flag_history_cutoff(const char *);
static void flag_listen(const char *);
static void flag_no_announce(const char *);
static void flag_name(const char *);
static void flag_quiet(const char *);
static void flag_sync(const char *);
static void flag_registration(const char *);
static void flag_syslog(const char *);
static void flag_trust(const char *);
static void flag_tls_listen(const char *);
static void flag_verbose(const char *);
static void flag_version(const char *);

/*
 * Every flag, once: getopt_long's tables, --help and the checks all come
 * from here. A flag sets a path (kept as given), a number (size or num,
 * checked against min and max), or calls set; one with none of them is
 * accepted and does nothing.
 */
struct flag {
	const char *name;	/* the long name, without "--" */
	int letter;		/* the short flag, 0 when none */
	const char *arg;	/* the argument's name in --help; NULL: none */
	const char *help;	/* --help's text; '\n' starts a line below */
	bool repeat;		/* may be given again (the usage line's "...") */
	const char **path;
	size_t *size;
	int *num;
	size_t min, max;
	bool suffix;		/* a number may end in k, m or g */
	const char *below;	/* the error under min, with the argument */
	void (*set)(const char *arg);
};

/* In --help's order: short flags by letter, then long ones by name. */
static const struct flag flags[] = {
	{ "db", 'd', "path", "history database (\"none\": memory only;\n"
	    "default $XDG_STATE_HOME/natterd/history.db\n"
	    "or ~/.local/state/natterd/history.db)", .path = &cfg.db_path },
	{ "foreground", 'f', NULL, "stay in the foreground (always the case)",
	    .set = NULL },
	{ "help", 'h', NULL, "show this help and exit", .set = flag_help },
	{ "listen", 'l', "addr[:port]", "listen there (repeatable; [v6addr]:port,\n"
	    "*:port for all; \"none\": no plain IRC); default\n"
	    "all IPv4 and IPv6 addresses, port 6667", .repeat = true,
	    .set = flag_listen },
	{ "quiet", 'q', NULL, "log warnings and errors only (twice: errors)",
	    .set = flag_quiet },
	{ "version", 'V', NULL, "show the version and exit",
	    .set = flag_version },
	{ "verbose", 'v', NULL, "log debugging detail too",
	    .set = flag_verbose },
	{ "add-account", 0, "name", "add an account, its password read from\n"
	    "standard input, and exit", .set = flag_add_account },
	{ "fingerprint", 0, NULL, "print the TLS certificate's SHA-256\n"
	    "fingerprint and exit (with the same --db or\n"
	    "--tls-cert as the server; makes it if needed)",
	    .set = flag_fingerprint },
	{ "flood", 0, "rate:burst|off", "lines per second and burst per client\n"
	    "before input is delayed (default 50:200)", .set = flag_flood },
	{ "history-cutoff", 0, "none|join|registration", "what members read of a\n"
	    "channel's history: all (default), from their JOIN,\n"
	    "or from their account's registration when it came\n"
	    "first; in +i and +s channels from their JOIN always",
	    .set = flag_history_cutoff },
	{ "history-days", 0, "n", "delete messages older than n days (0: never)",
	    .num = &cfg.history_days, .max = 1000000 },
	{ "history-max", 0, "n", "keep at most n messages per target (0: all)",
	    .num = &cfg.history_max, .max = INT_MAX },
	{ "history-max-bytes", 0, "bytes", "history kept in at most this much, the\n"
	    "oldest deleted first (default 1g; k/m/g\n"
	    "suffixes; 0: no limit)", .size = &cfg.history_max_bytes,
	    .max = (size_t)1 << 50, .suffix = true },
	{ "max-clients", 0, "n", "connections at most (0: no limit; default:\n"
	    "the descriptor limit less 32)",
	    .size = &cfg.max_clients, .max = 1000000 },
	{ "max-output", 0, "bytes", "output queued for all clients before those\n"
	    "with the most are dropped (0: no limit;\n"
	    "default 24m; k/m suffixes)", .size = &cfg.max_output,
	    .max = 64UL * 1024 * 1024 * 1024, .suffix = true },
	{ "max-per-ip", 0, "n",
	    "connections per address (0: no limit; default 10)",
	    .size = &cfg.max_per_ip, .max = 1000000 },
	{ "max-unregistered", 0, "n", "connections per address not registered yet\n"
	    "(0: no limit; default 5)",
	    .size = &cfg.max_unregistered, .max = 1000000 },
	{ "motd", 0, "file", "message of the day, re-read on SIGHUP",
	    .path = &cfg.motd_path },
	{ "name", 0, "name", "server name in replies (default: host name)",
	    .set = flag_name },
	{ "nick-grace", 0, "seconds", "time to identify before a registered nick\n"
	    "is taken away (default 30; 0: at once)", .num = &cfg.nick_grace,
	    .max = 86400 },
	{ "no-announce", 0, NULL, "do not announce natterd on the LAN\n"
	    "(DNS-SD through the Avahi daemon)", .set = flag_no_announce },
	{ "oper-file", 0, "file", "operators, \"name password\" or \"name\n"
	    "account=NAME\" per line; must not be\n"
	    "readable by group or others", .path = &cfg.oper_path },
	{ "password-file", 0, "file",
	    "server password (first line), re-read on SIGHUP;\n"
	    "must not be readable by group or others",
	    .path = &cfg.password_path },
	{ "ping-timeout", 0, "seconds", "PING after this much silence, close after\n"
	    "as much again (default 120)", .num = &cfg.ping_timeout,
	    .min = 1, .max = 86400, .below = "--ping-timeout %s: at least 1" },
	{ "ready-fd", 0, "n", "write \"listening on ADDRS\" to descriptor n\n"
	    "once listening, then close it", .num = &start.ready_fd,
	    .max = INT_MAX },
	/* Its argument fills the column: the text starts below. */
	{ "registration", 0, "open|closed", "\nwhether anyone may register an account\n"
	    "(default open; closed: operators and\n--add-account only)",
	    .set = flag_registration },
	{ "replay", 0, "n", "lines replayed on JOIN to clients without\n"
	    "chathistory (default 20; 0: none)", .num = &cfg.replay,
	    .max = 1000 },
	{ "sendq", 0, "bytes", "output queued per client before it is\n"
	    "dropped (default 1048576; k/m suffixes)", .size = &cfg.sendq,
	    .min = 4096, .max = 1024UL * 1024 * 1024, .suffix = true,
	    .below = "--sendq %s is below 4096 bytes" },
	{ "sync", 0, "normal|full", "full: a message is on disk (fsync) before\n"
	    "anyone sees it; normal: it survives a crash\n"
	    "of natterd, not a power cut (default full)", .set = flag_sync },
	{ "syslog", 0, NULL, "log to syslog instead of stderr",
	    .set = flag_syslog },
	{ "trust", 0, "addr[/prefix]", "exempt a network from the per-address\n"
	    "limits (repeatable)", .repeat = true, .set = flag_trust },
	{ "tls-cert", 0, "file", "TLS certificate chain (PEM), re-read on\n"
	    "SIGHUP; default a self-signed one natterd\n"
	    "makes in the database's directory (tls.crt)",
	    .path = &cfg.tls_cert },
	{ "tls-key", 0, "file", "the private key of --tls-cert (PEM),\n"
	    "re-read on SIGHUP", .path = &cfg.tls_key },
	{ "tls-listen", 0, "addr[:port]", "listen for TLS there (repeatable, as\n"
	    "--listen; \"none\": no TLS); default all IPv4\n"
	    "and IPv6 addresses, port 6697", .repeat = true,
	    .set = flag_tls_listen },
};

#define FLAG_LONG_ID 256	/* getopt_long's value for flags[i]: 256 + i */
#define USAGE_WIDTH 76
#define USAGE_INDENT "               "	/* under "usage: natterd " */

/* "[-d path]", "[--syslog]", "[-l addr[:port]]...": one usage item. */
static size_t
flag_synopsis(char *buf, size_t cap, const struct flag *f)
{
	char name[40];

	if (f->letter != 0)
		snprintf(name, sizeof(name), "-%c", f->letter);
	else
		snprintf(name, sizeof(name), "--%s", f->name);
	snprintf(buf, cap, "[%s%s%s]%s", name, f->arg ? " " : "",
	    f->arg ? f->arg : "", f->repeat ? "..." : "");
	return strlen(buf);
}

static void
flag_help(const char *arg)
{
	char item[80], bundle[nitems(flags) + 1];
	size_t nb = 0, col;

	(void)arg;
	for (size_t i = 0; i < nitems(flags); i++)
		if (flags[i].letter != 0 && flags[i].arg == NULL)
			bundle[nb++] = (char)flags[i].letter;
	bundle[nb] = '\0';
	col = printf("usage: natterd [-%s]", bundle);
	for (size_t i = 0; i < nitems(flags); i++) {
		const struct flag *f = &flags[i];
		if (f->letter != 0 && f->arg == NULL)
			continue;
		size_t n = flag_synopsis(item, sizeof(item), f);
		if (col + 1 + n > USAGE_WIDTH)
			col = printf("\n%s%s", USAGE_INDENT, item) - 1;
		else
			col += printf(" %s", item);
	}
	printf("\n\n");
	for (size_t i = 0; i < nitems(flags); i++) {
		const struct flag *f = &flags[i];
		char left[64];
		const char *h = f->help, *nl;
		if (f->letter != 0)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", f->letter,
			    f->name, f->arg ? " " : "", f->arg ? f->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", f->name,
			    f->arg ? " " : "", f->arg ? f->arg : "");
		while ((nl = strchr(h, '\n')) != NULL) {
			printf("  %-26s %.*s\n", left, (int)(nl - h), h);
			left[0] = '\0';
			h = nl + 1;
		}
		printf("  %-26s %s\n", left, h);
	}
	exit(0);
}

static void
flag_version(const char *arg)
{
	(void)arg;
	puts(NATTERD_VERSION);
	exit(0);
}

static void
flag_listen(const char *arg)
{
	if (start.nlistens == nitems(start.listens))
		usage_error("too many %s", "--listen");
	start.listens[start.nlistens++] = arg;
}

static void
flag_no_announce(const char *arg)
{
	(void)arg;
	start.no_announce = true;
}

static void
flag_tls_listen(const char *arg)
{
	if (start.ntls_listens == nitems(start.tls_listens))
		usage_error("too many %s", "--tls-listen");
	start.tls_listens[start.ntls_listens++] = arg;
}

static void
flag_fingerprint(const char *arg)
{
	(void)arg;
	start.fingerprint = true;
}

/* "none" alone turns a kind of listener off; beside addresses it is a
 * mistake. Returns whether that kind is off. */
static bool
listens_off(const char *flag, const char *const *specs, size_t n)
{
	bool none = false;

	for (size_t i = 0; i < n; i++)
		if (strcmp(specs[i], "none") == 0)
			none = true;
	if (none && n > 1)
		usage_error("%s none with addresses beside it", flag);
	return none;
}

static void
flag_quiet(const char *arg)
{
	(void)arg;
	if (start.level > LOG_LEVEL_ERROR)
		start.level--;
}

static void
flag_verbose(const char *arg)
{
	(void)arg;
	start.level = LOG_LEVEL_DEBUG;
}

static void
flag_syslog(const char *arg)
{
	(void)arg;
	start.syslog = true;
}

static void
flag_sync(const char *arg)
{
	if (strcmp(arg, "full") == 0)
		cfg.sync_full = true;
	else if (strcmp(arg, "normal") == 0)
		cfg.sync_full = false;
	else
		usage_error("bad --sync '%s': use normal or full", arg);
}

static void
flag_trust(const char *arg)
{
	char addr[INET6_ADDRSTRLEN + 1];
	struct trust t = { 0 };
	const char *slash = strchr(arg, '/');
	size_t len = slash != NULL ? (size_t)(slash - arg) : strlen(arg);
	unsigned max;

	if (cfg.ntrust == TRUST_MAX)
		usage_error("too many %s", "--trust");
	if (len >= sizeof(addr))
		usage_error("bad --trust '%s': use addr or addr/prefix", arg);
	memcpy(addr, arg, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, t.addr) == 1) {
		t.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, t.addr) == 1) {
		t.family = AF_INET6;
		max = 128;
	} else
		usage_error("bad --trust '%s': use addr or addr/prefix", arg);
	t.prefix = max;
	if (slash != NULL) {
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || p > max)
			usage_error("bad --trust '%s': use addr or addr/prefix",
			    arg);
		t.prefix = p;
	}
	cfg.trust[cfg.ntrust++] = t;
}

static void
flag_history_cutoff(const char *arg)
{
	if (strcmp(arg, "none") == 0)
		cfg.history_cutoff = HC_NONE;
	else if (strcmp(arg, "join") == 0)
		cfg.history_cutoff = HC_JOIN;
	else if (strcmp(arg, "registration") == 0)
		cfg.history_cutoff = HC_REGISTRATION;
	else
		usage_error("bad --history-cutoff '%s': use none, join or "
		    "registration", arg);
}

static void
flag_name(const char *arg)
{
	if (arg[0] == '\0' || strpbrk(arg, " :!@,") != NULL ||
	    strlen(arg) > IRC_HOST_MAX)
		usage_error("bad --name '%s'", arg);
	cfg.name = arg;
}

static void
flag_add_account(const char *arg)
{
	start.add_account = arg;
}

static void
flag_registration(const char *arg)
{
	if (strcmp(arg, "open") == 0)
		cfg.registration_closed = false;
	else if (strcmp(arg, "closed") == 0)
		cfg.registration_closed = true;
	else
		usage_error("bad --registration '%s': use open or closed", arg);
}

static void
flag_flood(const char *s)
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

/* A number flag's argument: digits, a k/m/g suffix if allowed, min..max. */
static size_t
flag_number(const struct flag *f, const char *s)
{
	char *end, name[40];
	unsigned long long v;

	snprintf(name, sizeof(name), "--%s", f->name);
	errno = 0;
	if (s[0] == '-' || s[0] == '\0')
		usage_error("bad number for %s", name);
	v = strtoull(s, &end, 10);
	if (f->suffix && (*end == 'k' || *end == 'K')) {
		v *= 1024;
		end++;
	} else if (f->suffix && (*end == 'm' || *end == 'M')) {
		v *= 1024 * 1024;
		end++;
	} else if (f->suffix && (*end == 'g' || *end == 'G')) {
		v = v > ULLONG_MAX >> 30 ? ULLONG_MAX : v << 30;
		end++;
	}
	if (errno != 0 || *end != '\0' || v > f->max)
		usage_error("bad number for %s", name);
	if (v < f->min)
		usage_error(f->below, s);
	return v;
}

static void
flag_apply(const struct flag *f, const char *arg)
{
	if (f->path != NULL)
		*f->path = arg;
	else if (f->size != NULL)
		*f->size = flag_number(f, arg);
	else if (f->num != NULL)
		*f->num = (int)flag_number(f, arg);
	else if (f->set != NULL)
		f->set(arg);
}

/* Read the flags into cfg and start; a bad one is one line and exit 64. */
static void
flags_parse(int argc, char *argv[])
{
	struct option longopts[nitems(flags) + 1];
	char shortopts[2 * nitems(flags) + 2] = ":";	/* ':': we report */
	size_t ns = 1;
	int ch;

	for (size_t i = 0; i < nitems(flags); i++) {
		const struct flag *f = &flags[i];
		longopts[i] = (struct option){ f->name,
		    f->arg ? required_argument : no_argument, NULL,
		    FLAG_LONG_ID + (int)i };
		if (f->letter != 0) {
			shortopts[ns++] = (char)f->letter;
			if (f->arg != NULL)
				shortopts[ns++] = ':';
		}
	}
	longopts[nitems(flags)] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[ns] = '\0';
	opterr = 0;	/* getopt's own message names argv[0], a build path */
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct flag *f = NULL;
		if (ch >= FLAG_LONG_ID && ch < FLAG_LONG_ID + (int)nitems(flags))
			f = &flags[ch - FLAG_LONG_ID];
		for (size_t i = 0; f == NULL && i < nitems(flags); i++)
			if (flags[i].letter != 0 &&
			    flags[i].letter == (ch == ':' ? optopt : ch))
				f = &flags[i];
		if (ch == ':') {
			if (optopt >= FLAG_LONG_ID)
				f = &flags[optopt - FLAG_LONG_ID];
			usage_error("--%s needs an argument",
			    f != NULL ? f->name : "?");
		}
		if (ch == '?' || f == NULL) {
			char spelled[3] = { '-', (char)optopt, '\0' };
			usage_error("unknown flag '%s'", optopt != 0 ?
			    spelled : argv[optind - 1]);
		}
		flag_apply(f, optarg);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL))
		usage_error("%s: give --tls-cert and --tls-key together",
		    cfg.tls_cert != NULL ? "--tls-cert" : "--tls-key");
	if (start.ready_fd >= 0 &&
	    fcntl(start.ready_fd, F_SETFD, FD_CLOEXEC) < 0) {
		char fd[16];
		snprintf(fd, sizeof(fd), "%d", start.ready_fd);
		usage_error("--ready-fd %s: not an open descriptor", fd);
	}
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
	struct stat pst;
	if (cfg.password_path != NULL && stat(cfg.password_path, &pst) == 0 &&
	    (pst.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		/* As for the oper file; but a password ignored would open
		 * the server to all, so start-up fails and SIGHUP keeps
		 * the password it had. */
		log_error("password file %s is readable by group or others "
		    "(chmod 600 it)", cfg.password_path);
		ok = false;
	} else if (cfg.password_path != NULL) {
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
			free(cfg.opers[i].account);
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
			struct oper *o = &cfg.opers[cfg.nopers++];
			o->name = xstrdup(name);
			/* "account=NAME": tied to an account, no password. */
			if (strncmp(pass, "account=", 8) == 0)
				o->account = xstrdup(pass + 8);
			else
				o->pass = xstrdup(pass);
		}
		free_lines(lines);
	}
	return ok;
}

void
conf_reload(void)
{
	load_files();
	account_reload();
	tls_reload();
}

/*
 * Thousands of clients need thousands of descriptors: the soft limit
 * goes up to the hard one. --max-clients defaults to what that allows
 * with NOFILE_RESERVED kept for natterd's own files, so the last
 * client is refused with "Server is full" rather than the database
 * failing to open a file; a larger --max-clients is lowered to it
 * (0, no limit, is left to the operator).
 */
static void
raise_nofile(void)
{
	struct rlimit rl;
	size_t fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	fit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000 ?
	    1000000 : (size_t)rl.rlim_cur;
	fit = fit > NOFILE_RESERVED + 1 ? fit - NOFILE_RESERVED : 1;
	if (cfg.max_clients == MAX_CLIENTS_AUTO)
		cfg.max_clients = fit;
	else if (cfg.max_clients > fit) {
		log_warn("--max-clients %zu is more than the descriptor limit "
		    "allows: %zu", cfg.max_clients, fit);
		cfg.max_clients = fit;
	}
}

int
main(int argc, char *argv[])
{
	static char hostname[HOST_NAME_MAX + 1];
	char err[PATH_MAX + 256];

#ifdef NATTER_DEBUG
	start.level = LOG_LEVEL_DEBUG;
#endif
	flags_parse(argc, argv);
	log_init("natterd", start.level, start.syslog);
	if (start.add_account != NULL) {
		if (cfg.db_path == NULL &&
		    (cfg.db_path = path_default_db()) == NULL)
			usage_error("%s needs --db: no home directory",
			    "--add-account");
		return account_add_offline(cfg.db_path, start.add_account);
	}
	if (cfg.name == NULL) {
		if (gethostname(hostname, sizeof(hostname)) < 0 ||
		    hostname[0] == '\0')
			str_copy(hostname, "natterd", sizeof(hostname));
		hostname[IRC_HOST_MAX] = '\0';
		cfg.name = hostname;
	}
	if (cfg.db_path == NULL)
		cfg.db_path = path_default_db();
	if (start.fingerprint)
		return tls_fingerprint_main();
	bool plain_off = listens_off("--listen", start.listens, start.nlistens);
	bool tls_off = listens_off("--tls-listen", start.tls_listens,
	    start.ntls_listens);
	if (plain_off && tls_off)
		usage_error("%s: nothing left to listen on",
		    "--listen none --tls-listen none");
	loop_signals();
	/* Ports before files: a natterd that cannot listen (the port is
	 * taken) must leave no database, WAL, certificate or state
	 * directory behind. */
	if (start.nlistens == 0)
		listen_default(false);
	for (size_t i = 0; i < start.nlistens && !plain_off; i++)
		listen_add(start.listens[i], false);
	if (start.ntls_listens == 0)
		listen_default(true);
	for (size_t i = 0; i < start.ntls_listens && !tls_off; i++)
		listen_add(start.tls_listens[i], true);
	time_t now = time(NULL);
	struct tm tm;
	strftime(cfg.created, sizeof(cfg.created), "%Y-%m-%d %H:%M:%S UTC",
	    gmtime_r(&now, &tm));
	if (!load_files())
		return 1;
	raise_nofile();

	if (!tls_off && tls_init(err, sizeof(err)) < 0) {
		log_error("%s", err);
		return 1;
	}
	if (cfg.db_path == NULL)
		log_warn("no home directory: history is kept in memory only"
		    " (give --db)");
	if (hist_open(cfg.db_path, cfg.sync_full, err, sizeof(err)) < 0) {
		log_error("%s", err[0] != '\0' ? err : "cannot open history");
		return 1;
	}
	if (account_open(cfg.db_path, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return 1;
	}
	hist_set_retention(cfg.history_days, cfg.history_max,
	    cfg.history_max_bytes);
	chathistory_init();
	listen_log();
	tls_log();
	log_info("%s ready as %s", NATTERD_VERSION, cfg.name);
	/* Last: whoever reads this connects at once. */
	char addrs[1024];
	listen_describe(addrs, sizeof(addrs));
	ready_announce(start.ready_fd, addrs);
	if (!start.no_announce)
		announce_start(cfg.name);
	int status = loop_run();
	announce_stop();
	return status;
}
