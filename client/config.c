/*
 * config.c: one table of options for getopt_long, --help and the config
 * file, so a new flag is a config key the moment it exists.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "natter.h"

/* Keep sorted by long name: --help lists them in this order. */
const struct config_opt config_opts[] = {
	{ "account", 0, CONFIG_ARG | CONFIG_FILE, "name",
	    "SASL account (default: the nick)" },
	{ "background", 0, CONFIG_ARG | CONFIG_FILE, "dark|light",
	    "the terminal's background, for truer colours (default: any)" },
	{ "config", 'c', CONFIG_ARG, "file",
	    "read this config file instead of the default" },
	{ "discover", 0, 0, NULL,
	    "list the IRC servers on the LAN and connect to one" },
	{ "format", 0, CONFIG_ARG | CONFIG_FILE, "format",
	    "--pipe prints messages so (default: \"[%t] %N %m\")" },
	{ "help", 'h', 0, NULL, "show this help and exit" },
	{ "highlight", 0, CONFIG_ARG | CONFIG_FILE | CONFIG_MULTI, "word[,word]",
	    "also highlight messages containing these words" },
	/* Also the operand, which wins over --host. */
	{ "host", 0, CONFIG_ARG | CONFIG_FILE, "host",
	    "server to connect to (default: localhost)" },
	{ "join", 'j', CONFIG_ARG | CONFIG_FILE, "chan[,chan]",
	    "channels to join" },
	{ "log-dir", 0, CONFIG_ARG | CONFIG_FILE, "dir",
	    "write one log file per buffer per day in dir" },
	{ "mouse", 0, CONFIG_FILE, NULL,
	    "take the mouse: the wheel scrolls (default: off)" },
	{ "nick", 'n', CONFIG_ARG | CONFIG_FILE, "nick",
	    "nickname (default: $USER)" },
	{ "no-color", 0, CONFIG_FILE, NULL,
	    "no colours, as when NO_COLOR is set" },
	{ "no-mouse", 0, CONFIG_FILE, NULL,
	    "leave the mouse to the terminal, to select text (default)" },
	{ "no-retry", 0, CONFIG_FILE, NULL,
	    "exit (69) when the first connection fails, not retry" },
	{ "no-tls", 0, CONFIG_FILE, NULL,
	    "plain IRC, no TLS (default port 6667 then)" },
	{ "no-topic", 0, CONFIG_FILE, NULL,
	    "no topic bar at the top of a channel" },
	{ "no-typing", 0, CONFIG_FILE, NULL,
	    "do not tell others when you are typing (+typing)" },
	{ "notify", 0, CONFIG_ARG | CONFIG_FILE, "osc777|osc9|none",
	    "desktop notifications by terminal escape (default: osc777)" },
	{ "notify-cmd", 0, CONFIG_ARG | CONFIG_FILE, "program",
	    "also run program with title and text on a notification" },
	{ "password-file", 0, CONFIG_ARG | CONFIG_FILE, "file",
	    "send the server password read from file" },
	{ "pipe", 0, 0, NULL,
	    "line mode: say each input line, print each message heard" },
	{ "port", 'p', CONFIG_ARG | CONFIG_FILE, "port",
	    "server port (default: 6697, 6667 with --no-tls)" },
	{ "real", 'r', CONFIG_ARG | CONFIG_FILE, "realname",
	    "real name (default: the nick)" },
	{ "sasl", 0, CONFIG_FILE, NULL,
	    "log in with SASL; a failure is shown, not hidden" },
	{ "sasl-mechanism", 0, CONFIG_ARG | CONFIG_FILE, "plain|external",
	    "with --sasl: PLAIN, or EXTERNAL with --tls-cert" },
	{ "sasl-password", 0, CONFIG_ARG | CONFIG_FILE | CONFIG_NOFLAG,
	    "password", "the SASL password (config file only)" },
	{ "sasl-password-file", 0, CONFIG_ARG | CONFIG_FILE, "file",
	    "read the SASL password from file's first line" },
	{ "scrollback", 0, CONFIG_ARG | CONFIG_FILE, "n",
	    "lines kept per buffer (default: 10000)" },
	{ "time-format", 0, CONFIG_ARG | CONFIG_FILE, "format",
	    "strftime format of the time column (default: %H:%M)" },
	{ "tls-ca", 0, CONFIG_ARG | CONFIG_FILE, "file",
	    "verify the server against these CAs, not the system's" },
	{ "tls-cert", 0, CONFIG_ARG | CONFIG_FILE, "file",
	    "present this client certificate (PEM, with its key)" },
	{ "tls-fingerprint", 0, CONFIG_ARG | CONFIG_FILE, "sha256",
	    "accept only the certificate with this fingerprint" },
	{ "tls-insecure", 0, CONFIG_FILE, NULL,
	    "accept any certificate without asking (unsafe)" },
	{ "to", 0, CONFIG_ARG, "target",
	    "--pipe says its input to target (default: the first -j)" },
	{ "user", 'u', CONFIG_ARG | CONFIG_FILE, "user",
	    "user name (default: the nick)" },
	{ "version", 'V', 0, NULL, "show the version and exit" },
};
const size_t config_nopts = nitems(config_opts);

static int
config_id(size_t i)
{
	return config_opts[i].flag != 0 ? config_opts[i].flag :
	    CONFIG_LONG_ID + (int)i;
}

int
config_opt_id(const struct config_opt *o)
{
	return config_id((size_t)(o - config_opts));
}

const struct config_opt *
config_by_id(int id)
{
	for (size_t i = 0; i < config_nopts; i++)
		if (config_id(i) == id)
			return &config_opts[i];
	return NULL;
}

const struct config_opt *
config_by_name(const char *name)
{
	for (size_t i = 0; i < config_nopts; i++)
		if (strcmp(config_opts[i].name, name) == 0)
			return &config_opts[i];
	return NULL;
}

void
config_getopt(struct option *longopts, char *shortopts, size_t cap)
{
	size_t n = 0;

	size_t k = 0;

	for (size_t i = 0; i < config_nopts; i++) {
		const struct config_opt *o = &config_opts[i];
		if (o->flags & CONFIG_NOFLAG)
			continue;
		longopts[k++] = (struct option){ o->name,
		    (o->flags & CONFIG_ARG) ? required_argument : no_argument,
		    NULL, config_id(i) };
		if (o->flag != 0 && n + 3 < cap) {
			shortopts[n++] = (char)o->flag;
			if (o->flags & CONFIG_ARG)
				shortopts[n++] = ':';
		}
	}
	longopts[k] = (struct option){ NULL, 0, NULL, 0 };
	if (cap > 0)
		shortopts[n < cap ? n : cap - 1] = '\0';
}

void
config_usage(FILE *fp, const char *progname)
{
	fprintf(fp, "usage: %s [options] [host]\n", progname);
	for (size_t i = 0; i < config_nopts; i++) {
		const struct config_opt *o = &config_opts[i];
		char left[64];
		if (o->flags & CONFIG_NOFLAG)
			continue;
		int n = o->flag != 0 ?
		    snprintf(left, sizeof(left), "-%c, --%s", o->flag, o->name) :
		    snprintf(left, sizeof(left), "    --%s", o->name);
		if (o->metavar != NULL && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s",
			    o->metavar);
		fprintf(fp, "  %-30s %s\n", left, o->help);
	}
	fprintf(fp, "Options may also be lines \"option value\" in "
	    "$XDG_CONFIG_HOME/natter/config;\nflags win over the file. "
	    "\"sasl-password password\" may only be a line there.\n");
}

bool
config_path(char *buf, size_t cap, const char *explicit, const char *xdg,
    const char *home)
{
	int n;

	if (explicit != NULL)
		n = snprintf(buf, cap, "%s", explicit);
	/* XDG Base Directory: a relative $XDG_CONFIG_HOME is to be ignored. */
	else if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, cap, "%s/natter/config", xdg);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(buf, cap, "%s/.config/natter/config", home);
	else
		return false;
	return n > 0 && (size_t)n < cap;
}

static bool
config_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* yes/no for an option without a value: 1, 0, or -1 when neither. */
static int
config_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < nitems(yes); i++) {
		if (strcmp(v, yes[i]) == 0)
			return 1;
		if (strcmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* One line, already trimmed and not a comment. 0, or -1 with err set. */
static int
config_line(char *line, const bool *skip, config_set_fn *set, void *arg,
    char *err, size_t errcap)
{
	char *value = line;

	while (*value != '\0' && !config_space(*value))
		value++;
	if (*value != '\0') {
		*value++ = '\0';
		while (config_space(*value))
			value++;
	}
	const struct config_opt *o = config_by_name(line);
	if (o == NULL) {
		snprintf(err, errcap, "unknown option: %s", line);
		return -1;
	}
	if (!(o->flags & CONFIG_FILE)) {
		snprintf(err, errcap, "%s cannot be set in a config file",
		    o->name);
		return -1;
	}
	int id = config_id((size_t)(o - config_opts));
	if (o->flags & CONFIG_ARG) {
		if (*value == '\0') {
			snprintf(err, errcap, "%s needs a value", o->name);
			return -1;
		}
	} else if (*value != '\0') {
		int b = config_bool(value);
		if (b < 0) {
			snprintf(err, errcap, "%s takes no value, or yes or no",
			    o->name);
			return -1;
		}
		if (b == 0)
			return 0;
		value = NULL;
	} else
		value = NULL;
	if (skip != NULL && id < CONFIG_ID_MAX && skip[id])
		return 0;	/* a flag said so: flags win */
	return set(id, value, arg, err, errcap);
}

int
config_parse(FILE *fp, const char *path, const bool *skip,
    config_set_fn *set, void *arg, char *err, size_t errcap)
{
	char *line = NULL;
	size_t linecap = 0;
	char problem[CONFIG_ERR_MAX];
	unsigned lineno = 0;
	ssize_t got;
	int rc = 0;

	while (rc == 0 && (got = getline(&line, &linecap, fp)) >= 0) {
		size_t n = (size_t)got;
		lineno++;
		problem[0] = '\0';
		if (n > CONFIG_LINE_MAX)
			snprintf(problem, sizeof(problem),
			    "line longer than %d bytes", CONFIG_LINE_MAX);
		else if (memchr(line, '\0', n) != NULL)
			snprintf(problem, sizeof(problem), "NUL byte in line");
		else {
			while (n > 0 && config_space(line[n - 1]))
				line[--n] = '\0';
			char *p = line;
			while (config_space(*p))
				p++;
			/* Only whole-line comments: '#' also starts channels. */
			if (*p == '\0' || *p == '#')
				continue;
			if (config_line(p, skip, set, arg, problem,
			    sizeof(problem)) == 0)
				continue;
			if (problem[0] == '\0')
				str_copy(problem, "bad value", sizeof(problem));
		}
		snprintf(err, errcap, "%s:%u: %s", path, lineno, problem);
		rc = -1;
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	return rc;
}
