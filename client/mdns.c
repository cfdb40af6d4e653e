/*
 * mdns.c: browsing the LAN for IRC servers (DNS-SD _ircs._tcp and
 * _irc._tcp) through Avahi's client library, before the screen starts;
 * natter built without it says so instead. Blocking, with a deadline:
 * it runs once, before anything else is going on.
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "natter.h"

#ifdef HAVE_AVAHI_CLIENT
#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/error.h>
#include <avahi-common/simple-watch.h>

static const char *const types[] = { "_ircs._tcp", "_irc._tcp" };

struct browse {
	AvahiSimplePoll *poll;
	AvahiClient *client;
	struct disc_list *list;
	int resolving;		/* resolvers not answered yet */
	int browsing;		/* browsers without their ALL_FOR_NOW */
	bool failed;
};

static void
resolved(AvahiServiceResolver *r, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiResolverEvent event, const char *name, const char *type,
    const char *domain, const char *host, const AvahiAddress *a,
    uint16_t port, AvahiStringList *txt, AvahiLookupResultFlags flags,
    void *arg)
{
	struct browse *b = arg;
	struct disc_entry e;

	(void)proto;
	(void)domain;
	(void)txt;
	(void)flags;
	if (event == AVAHI_RESOLVER_FOUND && a != NULL) {
		memset(&e, 0, sizeof(e));
		str_copy(e.name, name, sizeof(e.name));
		str_copy(e.host, host, sizeof(e.host));
		avahi_address_snprint(e.addr, sizeof(e.addr), a);
		e.port = port;
		e.tls = strcmp(type, types[0]) == 0;
		e.ipv6 = a->proto == AVAHI_PROTO_INET6;
		/* fe80::/10 means nothing without its interface. */
		if (e.ipv6 && strncasecmp(e.addr, "fe80:", 5) == 0) {
			char ifname[IF_NAMESIZE];
			size_t n = strlen(e.addr);
			if (if_indextoname((unsigned)iface, ifname) != NULL)
				snprintf(e.addr + n, sizeof(e.addr) - n, "%%%s",
				    ifname);
		}
		disc_add(b->list, &e);
	}
	avahi_service_resolver_free(r);
	b->resolving--;
}

static void
browsed(AvahiServiceBrowser *sb, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiBrowserEvent event, const char *name, const char *type,
    const char *domain, AvahiLookupResultFlags flags, void *arg)
{
	struct browse *b = arg;

	(void)sb;
	(void)flags;
	switch (event) {
	case AVAHI_BROWSER_NEW:
		if (avahi_service_resolver_new(b->client, iface, proto, name,
		    type, domain, AVAHI_PROTO_UNSPEC, 0, resolved, b) != NULL)
			b->resolving++;
		break;
	case AVAHI_BROWSER_ALL_FOR_NOW:
		b->browsing--;
		break;
	case AVAHI_BROWSER_FAILURE:
		b->failed = true;
		break;
	case AVAHI_BROWSER_REMOVE:
	case AVAHI_BROWSER_CACHE_EXHAUSTED:
		break;
	}
}

static void
client_state(AvahiClient *c, AvahiClientState state, void *arg)
{
	struct browse *b = arg;

	(void)c;
	if (state == AVAHI_CLIENT_FAILURE)
		b->failed = true;
}

bool
mdns_browse(struct disc_list *l, int timeout_ms, char *err, size_t cap)
{
	struct browse b = { .list = l };
	int error;
	bool ok = false;

	if ((b.poll = avahi_simple_poll_new()) == NULL) {
		snprintf(err, cap, "LAN discovery: out of memory");
		return false;
	}
	b.client = avahi_client_new(avahi_simple_poll_get(b.poll), 0,
	    client_state, &b, &error);
	if (b.client == NULL) {
		snprintf(err, cap, "LAN discovery needs the Avahi daemon: %s",
		    avahi_strerror(error));
		goto out;
	}
	for (size_t i = 0; i < nitems(types); i++) {
		if (avahi_service_browser_new(b.client, AVAHI_IF_UNSPEC,
		    AVAHI_PROTO_UNSPEC, types[i], NULL, 0, browsed, &b) == NULL) {
			snprintf(err, cap, "LAN discovery: %s", avahi_strerror(
			    avahi_client_errno(b.client)));
			goto out;
		}
		b.browsing++;
	}
	/* Until both browsers have said all they know now and every
	 * service found is resolved, or the deadline. */
	int64_t deadline = time_mono_ms() + timeout_ms;
	while (!b.failed && (b.browsing > 0 || b.resolving > 0)) {
		int64_t left = deadline - time_mono_ms();
		if (left <= 0)
			break;
		if (avahi_simple_poll_iterate(b.poll, (int)left) != 0)
			break;
	}
	if (b.failed && l->n == 0) {
		snprintf(err, cap, "LAN discovery: %s",
		    avahi_strerror(avahi_client_errno(b.client)));
		goto out;
	}
	ok = true;
out:
	/* Freeing the client frees its browsers and resolvers. */
	if (b.client != NULL)
		avahi_client_free(b.client);
	avahi_simple_poll_free(b.poll);
	return ok;
}

#else

bool
mdns_browse(struct disc_list *l, int timeout_ms, char *err, size_t cap)
{
	(void)l;
	(void)timeout_ms;
	snprintf(err, cap, "this natter was built without Avahi "
	    "(libavahi-client): no LAN discovery");
	return false;
}

#endif
