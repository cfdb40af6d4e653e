/*
 * discover.c: the IRC servers mdns.c found on the LAN, as a list to pick
 * from before the screen starts. Everything here is what the network
 * said, so every name is cleaned before it reaches the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "natter.h"

/* Sorted by name, the TLS service before the plain one. */
static int
disc_cmp(const struct disc_entry *a, const struct disc_entry *b)
{
	int c = strcasecmp(a->name, b->name);

	if (c != 0)
		return c;
	return (int)b->tls - (int)a->tls;
}

bool
disc_add(struct disc_list *l, const struct disc_entry *e)
{
	size_t i;

	/* One service is seen once per interface and address family: keep
	 * one entry, with an IPv4 address when there is one (a link-local
	 * IPv6 address needs its interface, and is a worse guess). One
	 * address and port under two names (natterd's own announcement and
	 * a static Avahi file) is one server too. */
	for (i = 0; i < l->n; i++) {
		struct disc_entry *o = &l->e[i];
		if (strcmp(o->addr, e->addr) == 0 && o->port == e->port)
			return true;
		if (strcasecmp(o->name, e->name) != 0 || o->tls != e->tls)
			continue;
		if (o->ipv6 && !e->ipv6)
			*o = *e;
		return true;
	}
	if (l->n == DISC_MAX)
		return false;
	for (i = l->n; i > 0 && disc_cmp(&l->e[i - 1], e) > 0; i--)
		l->e[i] = l->e[i - 1];
	l->e[i] = *e;
	l->n++;
	return true;
}

size_t
disc_line(char *buf, size_t cap, size_t i, const struct disc_entry *e)
{
	char name[DISC_NAME_MAX], host[DISC_HOST_MAX], addr[DISC_ADDR_MAX];
	int n;

	utf_clean(name, sizeof(name), e->name, strlen(e->name));
	utf_clean(host, sizeof(host), e->host, strlen(e->host));
	utf_clean(addr, sizeof(addr), e->addr, strlen(e->addr));
	n = snprintf(buf, cap, "%2zu) %s: %s port %u, %s (%s)", i + 1, name,
	    addr, (unsigned)e->port, e->tls ? "TLS" : "plain", host);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

int
disc_choose(const char *answer, size_t n)
{
	char *end;
	unsigned long k;

	answer += strspn(answer, " \t");
	if (*answer == '\0' || *answer == '\n')
		return n > 0 ? 0 : -2;
	if (*answer == 'q' || *answer == 'Q')
		return -1;
	if (*answer < '0' || *answer > '9')
		return -2;
	k = strtoul(answer, &end, 10);
	end += strspn(end, " \t\r\n");
	if (*end != '\0' || k < 1 || k > n)
		return -2;
	return (int)(k - 1);
}

int
discover_pick(FILE *out, FILE *in, const struct disc_list *l, bool ask)
{
	char line[DISC_HOST_MAX + DISC_NAME_MAX + DISC_ADDR_MAX + 64];

	for (size_t i = 0; i < l->n; i++) {
		disc_line(line, sizeof(line), i, &l->e[i]);
		fprintf(out, "%s\n", line);
	}
	if (!ask || l->n == 0)
		return -1;
	for (;;) {
		fprintf(out, "Connect to which? [1-%zu, Enter for 1, q to "
		    "quit] ", l->n);
		fflush(out);
		if (fgets(line, sizeof(line), in) == NULL)
			return -1;
		int k = disc_choose(line, l->n);
		if (k != -2)
			return k;
	}
}
