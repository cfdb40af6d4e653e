/*
 * announce.c: natterd's DNS-SD services through the Avahi daemon. All of
 * Avahi runs in its threaded poll; the callbacks below run there, and
 * announce_stop takes its lock before touching anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natterd.h"

#ifdef HAVE_AVAHI_CLIENT
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/domain.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/thread-watch.h>

static struct {
	AvahiThreadedPoll *poll;
	AvahiClient *client;
	AvahiEntryGroup *group;
	char *name;		/* avahi_malloc'd: alternatives replace it */
	int port, tls_port;
} an;

static void add_services(AvahiClient *c);
static void client_state(AvahiClient *c, AvahiClientState state, void *arg);

static void
group_state(AvahiEntryGroup *g, AvahiEntryGroupState state, void *arg)
{
	(void)arg;
	switch (state) {
	case AVAHI_ENTRY_GROUP_ESTABLISHED:
		log_info("announced on the LAN as \"%s\" (DNS-SD%s%s)", an.name,
		    an.port ? ", _irc._tcp" : "", an.tls_port ? ", _ircs._tcp" : "");
		break;
	case AVAHI_ENTRY_GROUP_COLLISION: {
		/* Another box took the name: "name #2", and again. */
		char *alt = avahi_alternative_service_name(an.name);
		log_info("the name \"%s\" is taken on the LAN; trying \"%s\"",
		    an.name, alt);
		avahi_free(an.name);
		an.name = alt;
		avahi_entry_group_reset(g);
		add_services(avahi_entry_group_get_client(g));
		break;
	}
	case AVAHI_ENTRY_GROUP_FAILURE:
		log_warn("announcing on the LAN failed: %s", avahi_strerror(
		    avahi_client_errno(avahi_entry_group_get_client(g))));
		break;
	case AVAHI_ENTRY_GROUP_UNCOMMITED:
	case AVAHI_ENTRY_GROUP_REGISTERING:
		break;
	}
}

static void
add_services(AvahiClient *c)
{
	int err = 0;

	if (an.group == NULL &&
	    (an.group = avahi_entry_group_new(c, group_state, NULL)) == NULL) {
		log_warn("announcing on the LAN: %s",
		    avahi_strerror(avahi_client_errno(c)));
		return;
	}
	if (!avahi_entry_group_is_empty(an.group))
		return;
	if (an.port != 0)
		err = avahi_entry_group_add_service(an.group, AVAHI_IF_UNSPEC,
		    AVAHI_PROTO_UNSPEC, 0, an.name, "_irc._tcp", NULL, NULL,
		    (uint16_t)an.port, "server=natterd", NULL);
	if (err == 0 && an.tls_port != 0)
		err = avahi_entry_group_add_service(an.group, AVAHI_IF_UNSPEC,
		    AVAHI_PROTO_UNSPEC, 0, an.name, "_ircs._tcp", NULL, NULL,
		    (uint16_t)an.tls_port, "server=natterd", NULL);
	if (err == AVAHI_ERR_COLLISION) {
		group_state(an.group, AVAHI_ENTRY_GROUP_COLLISION, NULL);
		return;
	}
	if (err == 0)
		err = avahi_entry_group_commit(an.group);
	if (err != 0)
		log_warn("announcing on the LAN: %s", avahi_strerror(err));
}

static void
client_state(AvahiClient *c, AvahiClientState state, void *arg)
{
	int err;

	(void)arg;
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		add_services(c);
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		/* The host name changed: announce again once it settles. */
		if (an.group != NULL)
			avahi_entry_group_reset(an.group);
		break;
	case AVAHI_CLIENT_FAILURE:
		if (avahi_client_errno(c) != AVAHI_ERR_DISCONNECTED) {
			log_warn("announcing on the LAN: %s",
			    avahi_strerror(avahi_client_errno(c)));
			break;
		}
		/* The daemon went away: wait for the next one. */
		log_info("the Avahi daemon went away; announcing again when it "
		    "is back");
		avahi_client_free(c);
		an.client = NULL;
		an.group = NULL;
		an.client = avahi_client_new(avahi_threaded_poll_get(an.poll),
		    AVAHI_CLIENT_NO_FAIL, client_state, NULL, &err);
		if (an.client == NULL)
			log_warn("announcing on the LAN: %s", avahi_strerror(err));
		break;
	case AVAHI_CLIENT_CONNECTING:
		log_info("no Avahi daemon yet: natterd is announced once one "
		    "starts");
		break;
	}
}

void
announce_start(const char *name)
{
	int err;

	an.port = listen_lan_port(false);
	an.tls_port = listen_lan_port(true);
	if (an.port == 0 && an.tls_port == 0) {
		log_info("not announced on the LAN: listening on loopback only");
		return;
	}
	an.name = avahi_strndup(name, AVAHI_LABEL_MAX - 1);
	if ((an.poll = avahi_threaded_poll_new()) == NULL) {
		log_warn("not announced on the LAN: out of memory");
		return;
	}
	/* NO_FAIL: a daemon that is not up yet (natterd started first at
	 * boot) is waited for rather than an error. */
	avahi_threaded_poll_lock(an.poll);
	an.client = avahi_client_new(avahi_threaded_poll_get(an.poll),
	    AVAHI_CLIENT_NO_FAIL, client_state, NULL, &err);
	avahi_threaded_poll_unlock(an.poll);
	if (an.client == NULL) {
		log_info("not announced on the LAN: %s", avahi_strerror(err));
		avahi_threaded_poll_free(an.poll);
		an.poll = NULL;
		return;
	}
	if (avahi_threaded_poll_start(an.poll) < 0) {
		log_warn("not announced on the LAN: cannot start Avahi's thread");
		avahi_client_free(an.client);
		avahi_threaded_poll_free(an.poll);
		an.poll = NULL;
		an.client = NULL;
	}
}

void
announce_stop(void)
{
	if (an.poll == NULL)
		return;
	avahi_threaded_poll_stop(an.poll);
	/* Freeing the client withdraws its services from the daemon. */
	if (an.client != NULL)
		avahi_client_free(an.client);
	avahi_threaded_poll_free(an.poll);
	avahi_free(an.name);
	memset(&an, 0, sizeof(an));
}

#else

void
announce_start(const char *name)
{
	(void)name;
	log_info("not announced on the LAN: natterd was built without Avahi "
	    "(libavahi-client)");
}

void
announce_stop(void)
{
}

#endif
