/*
 * chanstate.c: a channel's access state, kept while it has history.
 *
 * The history of a channel is for those its modes let in. So when a
 * channel with history, or one its owner registered (ChanServ), empties, what guards it (modes, key, limit, ban
 * list, its owner and operators by account) and its topic are kept, and a
 * JOIN that brings it back, by anyone, meets them as if it had never
 * emptied: the first joiner is checked against them and is operator only
 * when logged in to one of its operator accounts. A registered channel
 * is kept whether or not it has history, and whatever retention prunes
 * of it, until its owner drops it (ChanServ DROP) or its owner's account
 * goes. Any other channel without history is forgotten when it empties,
 * as IRC channels always were.
 *
 * With a database file the state is a channel row (history.c's, kept by
 * the file store), written at every change, so a channel that had people
 * in it when natterd stopped also comes back as it was. What anyone is
 * sent after a change in the same pass waits until it is stored
 * (conn_barrier), as messages do. With --db none (in-memory history, gone
 * at exit) emptied channels wait here, in memory.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natterd.h"

/* An emptied channel's state for --db none: the strings of hc are copies. */
struct parked {
	struct hist_chan hc;
	struct parked *next;
};

static struct parked *parked;

/*
 * ch's list modes (bans, invite exceptions) as "letter mask setter time"
 * lines, malloc'd: "b *!*@10.0.0.9 alice!a@host 1700000000".
 */
static char *
lists_text(const struct chan *ch)
{
	char letters[CHAN_MODES_MAX + 1];
	size_t cap = 1, n = 0;

	chan_mode_letters(letters, sizeof(letters), CMK_LIST);
	for (int l = 0; l < CHAN_LISTS; l++)
		for (uint32_t i = 0; i < ch->lists[l].n; i++)
			cap += strlen(ch->lists[l].v[i].mask) +
			    strlen(ch->lists[l].v[i].setter) + 28;
	char *s = xmalloc(cap);
	s[0] = '\0';
	for (const char *p = letters; *p != '\0'; p++) {
		const struct banlist *bl = &ch->lists[chan_mode_find(*p)->bit];
		for (uint32_t i = 0; i < bl->n; i++)
			n += snprintf(s + n, cap - n, "%s%c %s %s %lld",
			    n > 0 ? "\n" : "", *p, bl->v[i].mask,
			    bl->v[i].setter, (long long)bl->v[i].time);
	}
	return s;
}

/* Fill hc from ch; *bans is malloc'd for the caller to free. */
static void
state_of(const struct chan *ch, struct hist_chan *hc, char *modes,
    size_t cap, char **bans)
{
	chan_mode_flags(ch->modes, modes, cap);
	*bans = lists_text(ch);
	*hc = (struct hist_chan){
		.name = ch->name,
		.topic = ch->topic != NULL ? ch->topic : "",
		.topic_setter = ch->topic_who != NULL ? ch->topic_who : "",
		.topic_time = ch->topic_time,
		.modes = modes,
		.key = (ch->modes & CM_KEY) != 0 ? ch->key : "",
		.limit = (ch->modes & CM_LIMIT) != 0 ? (int)ch->limit : 0,
		.created = ch->created,
		.bans = *bans,
		.owner = ch->owner,
		.opaccs = ch->opaccs != NULL ? ch->opaccs : "",
		.registered = ch->registered,
	};
}

/* What c is sent next waits for the channel row (conn_barrier). */
static void
wait_for(struct hold *h)
{
	if (h != NULL) {
		conn_barrier(h);
		hold_unref(h);
	}
}

void
chanstate_save(const struct chan *ch)
{
	struct hist_chan hc;
	char modes[CHAN_MODES_MAX + 1], *bans;

	if (!hist_chan_kept())
		return;
	state_of(ch, &hc, modes, sizeof(modes), &bans);
	struct hold *h = hist_chan_save(&hc);
	free(bans);
	wait_for(h);
}

static struct parked **
parked_find(const char *name)
{
	struct parked **pp;

	for (pp = &parked; *pp != NULL; pp = &(*pp)->next)
		if (irc_casecmp((*pp)->hc.name, name) == 0)
			break;
	return pp;
}

static void
parked_free(struct parked *p)
{
	free((char *)p->hc.name);
	free((char *)p->hc.topic);
	free((char *)p->hc.topic_setter);
	free((char *)p->hc.modes);
	free((char *)p->hc.key);
	free((char *)p->hc.bans);
	free((char *)p->hc.owner);
	free((char *)p->hc.opaccs);
	free(p);
}

/* Bring back the list modes of "letter mask setter time" lines. */
static void
lists_restore(struct chan *ch, const char *text)
{
	char mask[BAN_MASK_MAX + 1], setter[IRC_BODY_MAX], letter;
	long long when;

	for (const char *p = text; *p != '\0';) {
		const char *eol = strchr(p, '\n');
		size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
		char line[BAN_MASK_MAX + IRC_BODY_MAX + 32];
		const struct chan_mode *md;
		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			/* Widths: BAN_MASK_MAX and IRC_BODY_MAX - 1. */
			if (sscanf(line, "%c %120s %511s %lld", &letter, mask,
			    setter, &when) == 4 &&
			    (md = chan_mode_find(letter)) != NULL &&
			    md->kind == CMK_LIST &&
			    ch->lists[md->bit].n < CHAN_BANS_MAX &&
			    chan_ban_find(ch, md->bit, mask) == NULL)
				chan_ban_add(ch, md->bit, mask, setter, when);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
}

static void
restore(struct chan *ch, const struct hist_chan *hc)
{
	ch->modes = chan_mode_parse(hc->modes);
	if ((ch->modes & CM_KEY) != 0 && hc->key[0] != '\0')
		str_copy(ch->key, hc->key, sizeof(ch->key));
	else
		ch->modes &= ~CM_KEY;
	if ((ch->modes & CM_LIMIT) != 0 && hc->limit > 0)
		ch->limit = hc->limit;
	else
		ch->modes &= ~CM_LIMIT;
	if (hc->topic[0] != '\0') {
		ch->topic = xstrdup(hc->topic);
		ch->topic_who = xstrdup(hc->topic_setter);
		ch->topic_time = hc->topic_time;
	}
	if (hc->created > 0)
		ch->created = hc->created;
	lists_restore(ch, hc->bans);
	str_copy(ch->owner, hc->owner, sizeof(ch->owner));
	if (hc->opaccs[0] != '\0')
		ch->opaccs = xstrdup(hc->opaccs);
	ch->registered = ch->owner[0] != '\0' ? hc->registered : 0;
}

bool
chanstate_restore(struct chan *ch)
{
	struct hist_chan hc;
	struct parked **pp;

	if (hist_chan_get(ch->name, &hc)) {
		restore(ch, &hc);
		return true;
	}
	/* Kept parked until the channel empties again (chanstate_leave):
	 * a JOIN that brought it back may be refused. */
	if (*(pp = parked_find(ch->name)) != NULL) {
		restore(ch, &(*pp)->hc);
		return true;
	}
	chanstate_save(ch);
	return false;
}

void
chanstate_leave(const struct chan *ch)
{
	char key[HIST_KEY_MAX];
	struct parked **pp = parked_find(ch->name);

	if (*pp != NULL) {
		struct parked *old = *pp;
		*pp = old->next;
		parked_free(old);
	}
	hist_key(key, sizeof(key), NULL, ch->name);
	if (ch->registered == 0 && !hist_has(key)) {
		wait_for(hist_chan_forget(ch->name));
		return;
	}
	if (hist_chan_kept()) {
		chanstate_save(ch);
		return;
	}
	struct parked *p = xcalloc(1, sizeof(*p));
	char modes[CHAN_MODES_MAX + 1], *bans;
	state_of(ch, &p->hc, modes, sizeof(modes), &bans);
	p->hc.name = xstrdup(p->hc.name);
	p->hc.topic = xstrdup(p->hc.topic);
	p->hc.topic_setter = xstrdup(p->hc.topic_setter);
	p->hc.modes = xstrdup(modes);
	p->hc.key = xstrdup(p->hc.key);
	p->hc.bans = bans;
	p->hc.owner = xstrdup(p->hc.owner);
	p->hc.opaccs = xstrdup(p->hc.opaccs);
	p->next = parked;
	parked = p;
}

/* list (folded accounts, space-separated) without account, malloc'd. */
static char *
opaccs_without(const char *list, const char *account)
{
	char *out = xmalloc(strlen(list) + 1), *o = out;
	size_t al = strlen(account);

	for (const char *p = list; *p != '\0';) {
		size_t n = strcspn(p, " ");
		if (n > 0 && (n != al || strncmp(p, account, n) != 0)) {
			if (o > out)
				*o++ = ' ';
			memcpy(o, p, n);
			o += n;
		}
		p += n;
		p += strspn(p, " ");
	}
	*o = '\0';
	return out;
}

static void
forget_live(struct chan *ch, void *arg)
{
	const char *account = arg;
	bool changed = chan_opacc_set(ch, account, false);

	if (strcmp(ch->owner, account) == 0) {
		ch->owner[0] = '\0';
		ch->registered = 0;
		changed = true;
	}
	if (changed)
		chanstate_save(ch);
}

void
chanstate_forget_account(const char *account)
{
	chan_each(forget_live, (void *)account);
	/* Channel rows (a database) are history.c's: hist_forget_owner
	 * takes the account out of them; with --db none they wait here. */
	for (struct parked *p = parked; p != NULL; p = p->next) {
		char *ops = opaccs_without(p->hc.opaccs, account);
		free((char *)p->hc.opaccs);
		p->hc.opaccs = ops;
		if (strcmp(p->hc.owner, account) == 0) {
			free((char *)p->hc.owner);
			p->hc.owner = xstrdup("");
			p->hc.registered = 0;
		}
	}
}

bool
chanstate_kept(const char *name, struct hist_chan *hc)
{
	struct parked *p = *parked_find(name);

	if (p != NULL) {
		*hc = p->hc;
		return true;
	}
	return hist_chan_get(name, hc);
}

void
chanstate_drop(const char *name)
{
	struct parked **pp = parked_find(name);

	if (*pp != NULL) {
		struct parked *old = *pp;
		*pp = old->next;
		parked_free(old);
	}
	wait_for(hist_chan_forget(name));
}
