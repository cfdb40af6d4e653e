/*
 * chanstate.c: channel state that outlives a restart. A channel is saved
 * when its topic or modes change, forgotten when it empties, and looked
 * up when a JOIN creates it, so a channel that had people in it when
 * natterd stopped comes back as it was. The rows are history.c's (the
 * file store's); bans and member modes are not among them. What anyone
 * is sent after a change in the same pass waits until it is stored
 * (conn_barrier), as messages do; what was sent before it (the PART
 * that empties a channel) does not.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "natterd.h"

void
chanstate_save(const struct chan *ch)
{
	char modes[CHAN_MODES_MAX + 1];

	chan_mode_flags(ch->modes, modes, sizeof(modes));
	struct hist_chan hc = {
		.name = ch->name,
		.topic = ch->topic != NULL ? ch->topic : "",
		.topic_setter = ch->topic_who != NULL ? ch->topic_who : "",
		.topic_time = ch->topic_time,
		.modes = modes,
		.key = (ch->modes & CM_KEY) != 0 ? ch->key : "",
		.limit = (ch->modes & CM_LIMIT) != 0 ? (int)ch->limit : 0,
		.created = ch->created,
	};
	struct hold *h = hist_chan_save(&hc);
	if (h != NULL) {
		conn_barrier(h);
		hold_unref(h);
	}
}

void
chanstate_restore(struct chan *ch)
{
	struct hist_chan hc;

	if (!hist_chan_get(ch->name, &hc)) {
		chanstate_save(ch);
		return;
	}
	ch->modes = chan_mode_parse(hc.modes);
	if ((ch->modes & CM_KEY) != 0 && hc.key[0] != '\0')
		str_copy(ch->key, hc.key, sizeof(ch->key));
	else
		ch->modes &= ~CM_KEY;
	if ((ch->modes & CM_LIMIT) != 0 && hc.limit > 0)
		ch->limit = hc.limit;
	else
		ch->modes &= ~CM_LIMIT;
	if (hc.topic[0] != '\0') {
		ch->topic = xstrdup(hc.topic);
		ch->topic_who = xstrdup(hc.topic_setter);
		ch->topic_time = hc.topic_time;
	}
	if (hc.created > 0)
		ch->created = hc.created;
}

void
chanstate_forget(const struct chan *ch)
{
	struct hold *h = hist_chan_forget(ch->name);
	if (h != NULL) {
		conn_barrier(h);
		hold_unref(h);
	}
}
