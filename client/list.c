/*
 * list.c: /list into a buffer of its own. The server's 322 lines are
 * collected until 323, then shown sorted (most users first, then by
 * name), numbered, and filtered: by /list's -min and mask, which go to
 * the server as ELIST conditions when it offers them (and are applied
 * here either way), and by text typed in the list buffer (an empty
 * line takes it away). There a number or a channel name and Enter
 * joins it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

struct list_entry {
	char name[IRC_CHAN_MAX + 1];
	unsigned users;
	char *topic;
};

static struct {
	struct list_entry *e;
	size_t n, cap;
	size_t dropped;		/* past LIST_MAX */
	bool collecting;	/* between the first 321/322 and 323 */
	unsigned min;		/* -min */
	char mask[IRC_CHAN_MAX + 1];	/* /list's mask, "" none */
	char filter[LIST_FILTER_MAX + 1];	/* typed in the buffer */
	size_t *shown;		/* entries on screen, in order */
	size_t nshown;
} lst;

bool
list_match(const char *name, unsigned users, const char *topic,
    unsigned min, const char *mask, const char *filter)
{
	char plain[IRC_BODY_MAX];

	if (users < min)
		return false;
	if (mask[0] != '\0' && !irc_match(mask, name))
		return false;
	if (filter[0] == '\0')
		return true;
	mirc_strip(plain, sizeof(plain), topic);
	return search_match(name, filter) || search_match(plain, filter);
}

size_t
list_request(char *out, size_t cap, const char *elist, unsigned min,
    const char *mask)
{
	int n;
	bool users = min > 1 && strchr(elist, 'U') != NULL;
	bool masks = mask[0] != '\0' && strchr(elist, 'M') != NULL;

	/* ">n" is more than n users. */
	if (users && masks)
		n = snprintf(out, cap, "LIST >%u,%s", min - 1, mask);
	else if (users)
		n = snprintf(out, cap, "LIST >%u", min - 1);
	else if (masks)
		n = snprintf(out, cap, "LIST %s", mask);
	else
		n = snprintf(out, cap, "LIST");
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			out[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

static void
list_forget(void)
{
	for (size_t i = 0; i < lst.n; i++)
		free(lst.e[i].topic);
	lst.n = 0;
	lst.dropped = 0;
	lst.nshown = 0;
}

void
list_free(void)
{
	list_forget();
	free(lst.e);
	free(lst.shown);
	memset(&lst, 0, sizeof(lst));
}

static int
list_order(const void *a, const void *b)
{
	const struct list_entry *x = a, *y = b;

	if (x->users != y->users)
		return x->users > y->users ? -1 : 1;
	return irc_casecmp(x->name, y->name);
}

static struct buffer *
list_buffer(void)
{
	struct buffer *b = window_find(LIST_BUFFER);

	return b != NULL ? b : window_open(LIST_BUFFER, BUFFER_LIST);
}

/* Fill the list buffer from the entries, as filtered now. */
static void
list_show(void)
{
	struct buffer *b = list_buffer();
	char what[128 + LIST_FILTER_MAX + IRC_CHAN_MAX];
	size_t k = 0;

	buffer_clear(b);
	free(lst.shown);
	lst.shown = xcalloc(lst.n + 1, sizeof(*lst.shown));
	lst.nshown = 0;
	for (size_t i = 0; i < lst.n; i++)
		if (list_match(lst.e[i].name, lst.e[i].users, lst.e[i].topic,
		    lst.min, lst.mask, lst.filter))
			lst.shown[lst.nshown++] = i;
	what[0] = '\0';
	if (lst.min > 1)
		k += (size_t)snprintf(what + k, sizeof(what) - k, ", %u users "
		    "or more", lst.min);
	if (lst.mask[0] != '\0' && k < sizeof(what))
		k += (size_t)snprintf(what + k, sizeof(what) - k, ", matching %s",
		    lst.mask);
	if (lst.filter[0] != '\0' && k < sizeof(what))
		snprintf(what + k, sizeof(what) - k, ", with \"%s\"", lst.filter);
	buffer_addf(b, LINE_INFO, "%zu of %zu channel%s%s%s", lst.nshown,
	    lst.n, lst.n == 1 ? "" : "s", what, lst.dropped > 0 ?
	    " (more than natter keeps)" : "");
	for (size_t i = 0; i < lst.nshown; i++) {
		const struct list_entry *e = &lst.e[lst.shown[i]];
		buffer_addf(b, LINE_INFO, "%3zu. %-20s %4u  %s", i + 1, e->name,
		    e->users, e->topic);
	}
	buffer_addf(b, LINE_INFO, "Type a number or a #channel and Enter to "
	    "join; other text filters by name and topic%s; /list again to "
	    "refresh", lst.filter[0] != '\0' ? ", an empty line shows all" :
	    "");
	buffer_scroll_bottom(b);
}

void
list_cmd(struct buffer *b, char *args)
{
	char line[IRC_BODY_MAX], *w, *save = NULL;
	unsigned min = 0;
	const char *mask = "";

	for (w = strtok_r(args, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "-min") == 0) {
			char *n = strtok_r(NULL, " ", &save), *end;
			unsigned long v = n != NULL ? strtoul(n, &end, 10) : 0;
			if (n == NULL || *end != '\0' || v > 100000) {
				buffer_addf(b, LINE_ERROR,
				    "Usage: /list [-min users] [mask]");
				return;
			}
			min = (unsigned)v;
		} else
			mask = w;
	}
	lst.min = min;
	str_copy(lst.mask, mask, sizeof(lst.mask));
	lst.filter[0] = '\0';
	lst.collecting = false;
	if (list_request(line, sizeof(line), self.elist, min, mask) == 0)
		return;
	net_sendf("%s", line);
	window_select(window_index(list_buffer()));
	buffer_clear(list_buffer());
	buffer_addf(list_buffer(), LINE_INFO, "Asking %s for its channels...",
	    self.network);
}

void
list_start(void)
{
	list_forget();
	lst.collecting = true;
}

void
list_add(const char *name, const char *users, const char *topic)
{
	char *end;
	unsigned long u = strtoul(users, &end, 10);

	if (!lst.collecting)
		list_start();	/* servers may leave 321 out */
	if (!irc_is_channel(name))
		return;
	if (lst.n == LIST_MAX) {
		lst.dropped++;
		return;
	}
	if (lst.n == lst.cap) {
		lst.cap = lst.cap != 0 ? lst.cap * 2 : 64;
		lst.e = xreallocarray(lst.e, lst.cap, sizeof(*lst.e));
	}
	struct list_entry *e = &lst.e[lst.n++];
	str_copy(e->name, name, sizeof(e->name));
	e->users = *end == '\0' && u < 1000000 ? (unsigned)u : 0;
	e->topic = xstrdup(topic);
}

void
list_end(void)
{
	lst.collecting = false;
	qsort(lst.e, lst.n, sizeof(*lst.e), list_order);
	list_show();
}

void
list_input(struct buffer *b, const char *text)
{
	char *end, chan[IRC_CHAN_MAX + 2];
	unsigned long n = strtoul(text, &end, 10);

	if (text[0] >= '0' && text[0] <= '9' && *end == '\0') {
		if (n < 1 || n > lst.nshown) {
			buffer_addf(b, LINE_ERROR, "No line %s here", text);
			return;
		}
		str_copy(chan, lst.e[lst.shown[n - 1]].name, sizeof(chan));
	} else if (irc_is_channel(text) && strchr(text, ' ') == NULL)
		str_copy(chan, text, sizeof(chan));
	else {
		str_copy(lst.filter, text, sizeof(lst.filter));
		list_show();
		return;
	}
	if (!self.registered) {
		buffer_addf(b, LINE_ERROR, "Not connected");
		return;
	}
	handle_join_select(chan);
	net_sendf("JOIN %s", chan);
}
