/*
 * One IRC line to a struct irc_msg and back: RFC 1459 section 2.3.1,
 * RFC 2812 section 2.3.1, IRCv3 message-tags. Parsing is in place:
 * separators become NULs and tag values are unescaped where they stand.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "irc.h"

static bool
is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Letters only, or exactly three digits (RFC 1459 section 2.3.1). */
static bool
command_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	if (n == 3 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]))
		return true;
	for (i = 0; i < n; i++)
		if (!is_alpha(s[i]))
			return false;
	return true;
}

/*
 * message-tags: <key> ::= [ '+' ] [ <vendor> '/' ] <key_name>, the name
 * letters, digits and '-', the vendor a host name (letters, digits, '-', '.').
 */
static bool
tag_key_valid(const char *k, size_t n)
{
	const char *slash, *name;
	size_t i, vn;

	if (n > 0 && k[0] == '+') {
		k++;
		n--;
	}
	name = k;
	if ((slash = memchr(k, '/', n)) != NULL) {
		vn = (size_t)(slash - k);
		if (vn == 0)
			return false;
		for (i = 0; i < vn; i++)
			if (!is_alpha(k[i]) && !is_digit(k[i]) &&
			    k[i] != '-' && k[i] != '.')
				return false;
		name = slash + 1;
		n -= vn + 1;
	}
	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!is_alpha(name[i]) && !is_digit(name[i]) && name[i] != '-')
			return false;
	return true;
}

void
irc_tag_unescape(char *value)
{
	char *r = value, *w = value;

	while (*r != '\0') {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case '\0':	/* a lone trailing backslash is dropped */
			continue;
		case ':': *w++ = ';'; break;
		case 's': *w++ = ' '; break;
		case '\\': *w++ = '\\'; break;
		case 'r': *w++ = '\r'; break;
		case 'n': *w++ = '\n'; break;
		default: *w++ = *r; break;	/* unknown: drop the backslash */
		}
		r++;
	}
	*w = '\0';
}

size_t
irc_tag_escape(char *out, size_t cap, const char *value)
{
	size_t o = 0;

	if (cap == 0)
		return 0;
	for (; *value != '\0'; value++) {
		const char *esc = NULL;
		switch (*value) {
		case ';': esc = "\\:"; break;
		case ' ': esc = "\\s"; break;
		case '\\': esc = "\\\\"; break;
		case '\r': esc = "\\r"; break;
		case '\n': esc = "\\n"; break;
		}
		if (o + (esc != NULL ? 2 : 1) >= cap) {
			out[0] = '\0';
			return 0;
		}
		if (esc != NULL) {
			out[o++] = esc[0];
			out[o++] = esc[1];
		} else
			out[o++] = *value;
	}
	out[o] = '\0';
	return o;
}

/*
 * The tag section without its '@' and trailing space, NUL-terminated.
 * A repeated key keeps its first slot and takes the last value
 * (message-tags: "the last one wins").
 */
static int
parse_tags(struct irc_msg *m, char *s)
{
	while (s != NULL) {
		char *next = strchr(s, ';'), *eq, *value;
		size_t i;

		if (next != NULL)
			*next++ = '\0';
		if ((eq = strchr(s, '=')) != NULL) {
			*eq = '\0';
			value = eq + 1;
			irc_tag_unescape(value);
		} else
			value = s + strlen(s);	/* the key's own NUL: "" */
		if (!tag_key_valid(s, strlen(s)))
			return IRC_EBADTAG;
		for (i = 0; i < m->ntags; i++)
			if (strcmp(m->tags[i].key, s) == 0)
				break;
		if (i == m->ntags) {
			if (m->ntags == IRC_TAG_COUNT_MAX)
				return IRC_EBADTAG;
			m->tags[m->ntags++].key = s;
		}
		m->tags[i].value = value;
		s = next;
	}
	return IRC_OK;
}

/*
 * Parameters: RFC 2812's grammar lets a 15th parameter take the rest of the
 * line without ':'; we do not, following modern.ircdocs.horse and most
 * servers: every parameter is space-separated, a ':' one takes the rest,
 * and anything after the 15th is IRC_ETOOMANYPARAMS rather than being
 * silently glued onto it. Runs of spaces separate like one space.
 */
int
irc_parse(struct irc_msg *m, char *line, size_t len)
{
	return irc_parse_max(m, line, len, IRC_BODY_MAX);
}

int
irc_parse_max(struct irc_msg *m, char *line, size_t len, size_t body_max)
{
	char *p, *end, *sp;
	int err;

	m->ntags = 0;
	m->source = NULL;
	m->command = NULL;
	m->nparams = 0;

	if (memchr(line, '\0', len) != NULL)
		return IRC_ENUL;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	/* A CR or LF left inside would end the line early at some peer. */
	if (memchr(line, '\r', len) != NULL || memchr(line, '\n', len) != NULL)
		return IRC_EBADCHAR;
	line[len] = '\0';
	p = line;
	end = line + len;

	if (*p == '@') {
		size_t scan = len < IRC_TAGS_MAX ? len : IRC_TAGS_MAX;
		/* The space must be within IRC_TAGS_MAX bytes, '@' included. */
		if ((sp = memchr(p, ' ', scan)) == NULL)
			return len >= IRC_TAGS_MAX ? IRC_ETOOLONG : IRC_ENOCOMMAND;
		*sp = '\0';
		if ((err = parse_tags(m, p + 1)) != IRC_OK)
			return err;
		p = sp + 1;
	}
	if ((size_t)(end - p) + 2 > body_max)
		return IRC_ETOOLONG;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return m->ntags > 0 ? IRC_ENOCOMMAND : IRC_EEMPTY;
	if (*p == ':') {
		char *src = p + 1;
		if ((sp = strchr(src, ' ')) == NULL)
			return IRC_ENOCOMMAND;
		*sp = '\0';
		m->source = *src != '\0' ? src : NULL;	/* ":" alone: ignored */
		p = sp + 1;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return IRC_ENOCOMMAND;
	}

	m->command = p;
	if ((sp = strchr(p, ' ')) != NULL) {
		*sp = '\0';
		p = sp + 1;
	} else
		p = end;
	if (!command_valid(m->command, strlen(m->command)))
		return IRC_EBADCOMMAND;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (m->nparams == IRC_PARAMS_MAX)
			return IRC_ETOOMANYPARAMS;
		if (*p == ':') {
			m->params[m->nparams++] = p + 1;
			break;
		}
		m->params[m->nparams++] = p;
		if ((sp = strchr(p, ' ')) == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	return IRC_OK;
}

const char *
irc_strerror(int err)
{
	switch (err) {
	case IRC_OK: return "no error";
	case IRC_EEMPTY: return "empty message";
	case IRC_ETOOLONG: return "message too long";
	case IRC_ENOCOMMAND: return "no command";
	case IRC_EBADTAG: return "malformed message tags";
	case IRC_ENUL: return "NUL byte in message";
	case IRC_ETOOMANYPARAMS: return "too many parameters";
	case IRC_EBADCOMMAND: return "malformed command";
	case IRC_EBADCHAR: return "CR or LF inside message";
	default: return "unknown error";
	}
}

const char *
irc_tag_get(const struct irc_msg *m, const char *key)
{
	for (size_t i = 0; i < m->ntags; i++)
		if (strcmp(m->tags[i].key, key) == 0)
			return m->tags[i].value;
	return NULL;
}

/* A bounded writer: overflow is remembered, never written past. */
struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void
out_put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* A middle parameter: non-empty, no ':' first, no space, CR or LF. */
static bool
middle_ok(const char *s)
{
	return s[0] != '\0' && s[0] != ':' && strpbrk(s, " \r\n") == NULL;
}

/*
 * The body (source, command, params, no CRLF) into body, at most limit
 * bytes, the last parameter cut to fit. Returns its length or 0.
 */
static size_t
format_body(char *body, size_t limit, const struct irc_msg *m)
{
	struct out o = { body, 0, limit, false };
	size_t i, n, room;
	const char *last;

	if (m->command == NULL ||
	    !command_valid(m->command, strlen(m->command)))
		return 0;
	if (m->nparams > IRC_PARAMS_MAX)
		return 0;
	if (m->source != NULL && m->source[0] != '\0') {
		if (strpbrk(m->source, " \r\n") != NULL)
			return 0;
		out_put(&o, ":", 1);
		out_str(&o, m->source);
		out_put(&o, " ", 1);
	}
	out_str(&o, m->command);
	for (i = 0; i < m->nparams; i++)
		if (m->params[i] == NULL)
			return 0;
	for (i = 0; i + 1 < m->nparams; i++) {
		if (!middle_ok(m->params[i]))
			return 0;
		out_put(&o, " ", 1);
		out_str(&o, m->params[i]);
	}
	if (o.full)
		return 0;
	if (m->nparams == 0)
		return o.len;

	/* The last parameter stops at a CR or LF: it must not end the line. */
	last = m->params[m->nparams - 1];
	n = strcspn(last, "\r\n");
	if (o.len + 2 > limit)
		return 0;
	/* Cut for the middle form first; fall back to the ':' form. */
	room = limit - o.len - 1;
	if (n > room)
		n = utf8_truncate(last, n, room);
	if (n == 0 || last[0] == ':' || memchr(last, ' ', n) != NULL) {
		if (n > room - 1)
			n = utf8_truncate(last, n, room - 1);
		out_put(&o, " :", 2);
	} else
		out_put(&o, " ", 1);
	out_put(&o, last, n);
	return o.full ? 0 : o.len;
}

size_t
irc_format(char *buf, size_t cap, const struct irc_msg *m)
{
	char body[IRC_BODY_MAX];
	char val[IRC_TAGS_MAX];
	size_t blen, limit, tagmax, i;
	struct out o;

	if (cap < 3)
		return 0;
	limit = cap - 3 < IRC_BODY_MAX - 2 ? cap - 3 : IRC_BODY_MAX - 2;
	if ((blen = format_body(body, limit, m)) == 0)
		return 0;

	/* Tags get what the body leaves, up to IRC_TAGS_MAX with '@' and ' '. */
	tagmax = cap - 3 - blen;
	if (tagmax > IRC_TAGS_MAX)
		tagmax = IRC_TAGS_MAX;
	o = (struct out){ buf, 0, tagmax, false };
	for (i = 0; i < m->ntags; i++) {
		const struct irc_tag *t = &m->tags[i];
		size_t klen, vlen = 0, need;

		if (t->key == NULL ||
		    !tag_key_valid(t->key, klen = strlen(t->key)))
			continue;
		if (t->value != NULL && t->value[0] != '\0' &&
		    (vlen = irc_tag_escape(val, sizeof(val), t->value)) == 0)
			continue;
		/* separator ('@' or ';'), key, '=' value, and the final space */
		need = 1 + klen + (vlen > 0 ? 1 + vlen : 0) + 1;
		if (need > tagmax - o.len)
			continue;
		out_put(&o, o.len == 0 ? "@" : ";", 1);
		out_put(&o, t->key, klen);
		if (vlen > 0) {
			out_put(&o, "=", 1);
			out_put(&o, val, vlen);
		}
	}
	if (o.len > 0)
		buf[o.len++] = ' ';
	memcpy(buf + o.len, body, blen);
	o.len += blen;
	memcpy(buf + o.len, "\r\n", 3);
	return o.len + 2;
}

/* Copy n bytes of src into dst (cap bytes, NUL-terminated, cut to fit). */
static void
copy_part(char *dst, size_t cap, const char *src, size_t n)
{
	if (dst == NULL || cap == 0)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
irc_source_split(const char *source, char *nick, size_t nickcap,
    char *user, size_t usercap, char *host, size_t hostcap)
{
	const char *bang = strchr(source, '!'), *at;

	if (bang == NULL) {
		copy_part(nick, nickcap, source, strlen(source));
		copy_part(user, usercap, "", 0);
		copy_part(host, hostcap, "", 0);
		return;
	}
	copy_part(nick, nickcap, source, (size_t)(bang - source));
	if ((at = strchr(bang + 1, '@')) == NULL) {
		copy_part(user, usercap, bang + 1, strlen(bang + 1));
		copy_part(host, hostcap, "", 0);
		return;
	}
	copy_part(user, usercap, bang + 1, (size_t)(at - bang - 1));
	copy_part(host, hostcap, at + 1, strlen(at + 1));
}

size_t
irc_join(char *out, size_t cap, const char *const *params, size_t from,
    size_t to)
{
	size_t k = 0;

	if (cap == 0)
		return 0;
	for (size_t i = from; i < to; i++) {
		if (i > from) {
			if (k + 1 >= cap)
				break;
			out[k++] = ' ';
		}
		size_t len = strlen(params[i]);
		size_t fit = utf8_truncate(params[i], len, cap - 1 - k);
		memcpy(out + k, params[i], fit);
		k += fit;
		if (fit < len) {
			/* Nothing of it fitted: no space before nothing. */
			if (fit == 0 && i > from)
				k--;
			break;
		}
	}
	out[k] = '\0';
	return k;
}
