/*
 * complete.c: Tab completion. The candidates are snapshotted on the first
 * Tab so that a nick speaking while you cycle does not reorder the cycle.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natter.h"

void
comp_list_free(struct comp_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->len = l->cap = 0;
}

static long
comp_list_find(const struct comp_list *l, const char *name)
{
	for (size_t i = 0; i < l->len; i++)
		if (irc_casecmp(l->names[i], name) == 0)
			return (long)i;
	return -1;
}

static void
comp_list_insert(struct comp_list *l, size_t at, char *name)
{
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->names = xreallocarray(l->names, l->cap, sizeof(*l->names));
	}
	memmove(&l->names[at + 1], &l->names[at],
	    (l->len - at) * sizeof(*l->names));
	l->names[at] = name;
	l->len++;
}

void
comp_list_touch(struct comp_list *l, const char *name)
{
	long i = comp_list_find(l, name);

	if (i < 0) {
		comp_list_insert(l, 0, xstrdup(name));
		return;
	}
	char *s = l->names[i];
	memmove(&l->names[1], &l->names[0], (size_t)i * sizeof(*l->names));
	if (strcmp(s, name) != 0) {
		/* Same nick in a new case: keep the spelling last seen. */
		free(s);
		s = xstrdup(name);
	}
	l->names[0] = s;
}

void
comp_list_add(struct comp_list *l, const char *name)
{
	if (comp_list_find(l, name) < 0)
		comp_list_insert(l, l->len, xstrdup(name));
}

void
comp_list_remove(struct comp_list *l, const char *name)
{
	long i = comp_list_find(l, name);

	if (i < 0)
		return;
	free(l->names[i]);
	memmove(&l->names[i], &l->names[i + 1],
	    (l->len - (size_t)i - 1) * sizeof(*l->names));
	l->len--;
}

void
comp_list_rename(struct comp_list *l, const char *from, const char *to)
{
	long i = comp_list_find(l, from);
	long j = comp_list_find(l, to);

	if (i < 0)
		return;
	if (j >= 0 && j != i) {
		comp_list_remove(l, to);
		if (j < i)
			i--;
	}
	free(l->names[i]);
	l->names[i] = xstrdup(to);
}

void
comp_reset(struct comp *c)
{
	c->active = false;
	c->ncand = 0;
}

/* Add name + suffix as a wide candidate if it starts with prefix. */
static void
comp_offer(struct comp *c, const char *name, const char *prefix,
    const wchar_t *suffix)
{
	size_t plen = strlen(prefix);
	wchar_t *w = c->cand[c->ncand];
	mbstate_t ps;
	const char *src = name;

	if (c->ncand == COMP_CAND_MAX || irc_ncasecmp(name, prefix, plen) != 0)
		return;
	memset(&ps, 0, sizeof(ps));
	size_t n = mbsrtowcs(w, &src, COMP_WORD_MAX + 1, &ps);
	if (n == (size_t)-1 || n > COMP_WORD_MAX || src != NULL)
		return;	/* not valid in this locale, or too long: skip */
	wcscpy(w + n, suffix);
	for (size_t i = 0; i < c->ncand; i++)
		if (wcscmp(c->cand[i], w) == 0)
			return;
	c->ncand++;
}

static bool
comp_begin(struct comp *c, const wchar_t *buf, size_t pos,
    const struct comp_list *nicks, const struct comp_list *chans,
    const char *const *cmds)
{
	char word[COMP_WORD_MAX * MB_LEN_MAX + 1];
	size_t start = pos;

	while (start > 0 && buf[start - 1] != L' ')
		start--;
	if (pos - start > COMP_WORD_MAX)
		return false;
	size_t n = 0;
	mbstate_t ps;
	memset(&ps, 0, sizeof(ps));
	for (size_t i = start; i < pos; i++) {
		size_t k = wcrtomb(word + n, buf[i], &ps);
		if (k == (size_t)-1)
			return false;
		n += k;
	}
	word[n] = '\0';

	c->ncand = 0;
	if (word[0] == '/' && start == 0) {
		for (size_t i = 0; cmds != NULL && cmds[i] != NULL; i++)
			comp_offer(c, cmds[i], word, L" ");
	} else if (word[0] == '#' || word[0] == '&') {
		for (size_t i = 0; chans != NULL && i < chans->len; i++)
			comp_offer(c, chans->names[i], word, L" ");
	} else {
		/* "nick: " addresses someone at line start (IRC custom). */
		const wchar_t *suffix = start == 0 ? L": " : L" ";
		for (size_t i = 0; nicks != NULL && i < nicks->len; i++)
			comp_offer(c, nicks->names[i], word, suffix);
	}
	if (c->ncand == 0)
		return false;
	c->start = start;
	c->inserted = pos - start;
	c->active = true;
	return true;
}

bool
comp_step(struct comp *c, wchar_t *buf, size_t *len, size_t cap,
    size_t *pos, int dir, const struct comp_list *nicks,
    const struct comp_list *chans, const char *const *cmds)
{
	if (c->active && (c->start + c->inserted > *len ||
	    c->start + c->inserted != *pos))
		comp_reset(c);	/* the line changed under us */
	if (!c->active) {
		if (!comp_begin(c, buf, *pos, nicks, chans, cmds))
			return false;
		c->idx = dir < 0 ? c->ncand - 1 : 0;
	} else if (dir < 0)
		c->idx = (c->idx + c->ncand - 1) % c->ncand;
	else
		c->idx = (c->idx + 1) % c->ncand;

	const wchar_t *w = c->cand[c->idx];
	size_t wlen = wcslen(w);
	size_t tail = *len - (c->start + c->inserted);
	if (c->start + wlen + tail > cap)
		return false;
	wmemmove(buf + c->start + wlen, buf + c->start + c->inserted, tail);
	wmemcpy(buf + c->start, w, wlen);
	*len = c->start + wlen + tail;
	*pos = c->start + wlen;
	c->inserted = wlen;
	return true;
}

/* --- the cycle in the input line */

static struct comp cycle;
static bool cycle_keep;	/* the last key was Tab or Shift-Tab */

void
complete_spoke(struct buffer *b, const char *nick)
{
	if (nick[0] != '\0')
		comp_list_touch(&b->spoke, nick);
}

/* Speakers first, most recent first, then everyone else in the list. */
static void
complete_nicks(struct buffer *b, struct comp_list *out)
{
	for (size_t i = 0; i < b->spoke.len; i++)
		if (b->kind != BUFFER_CHANNEL || nick_find(b, b->spoke.names[i]))
			comp_list_add(out, b->spoke.names[i]);
	for (size_t i = 0; i < b->nnicks; i++)
		if (irc_casecmp(b->nicks[i].name, self.nick) != 0)
			comp_list_add(out, b->nicks[i].name);
	if (b->kind == BUFFER_QUERY)
		comp_list_add(out, b->name);
}

bool
complete_tab(struct buffer *b, int dir)
{
	struct comp_list nicks = { 0 }, chans = { 0 };
	const char *cmds[128];
	size_t n = 0;
	char name[64];

	cycle_keep = true;
	for (size_t i = 0; i < ncommands && n + 1 < nitems(cmds); i++) {
		snprintf(name, sizeof(name), "/%s", commands[i].name);
		cmds[n++] = xstrdup(name);
	}
	cmds[n] = NULL;
	if (!cycle.active) {
		complete_nicks(b, &nicks);
		for (size_t i = 0; i < nwindows; i++)
			if (windows[i]->kind == BUFFER_CHANNEL)
				comp_list_add(&chans, windows[i]->name);
	}
	bool ok = comp_step(&cycle, b->edit.buf, &b->edit.len, EDIT_MAX,
	    &b->edit.pos, dir, &nicks, &chans, cmds);
	for (size_t i = 0; i < n; i++)
		free((char *)cmds[i]);
	comp_list_free(&nicks);
	comp_list_free(&chans);
	dirty |= DIRTY_INPUT;
	return ok;
}

void
complete_key_done(void)
{
	if (!cycle_keep)
		comp_reset(&cycle);
	cycle_keep = false;
}
