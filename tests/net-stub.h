/*
 * tests/net-stub.c: net.c's interface without a socket, for the Check
 * programs and the client fuzz target. Lines "sent" are kept (the first
 * NET_STUB_MAX of them) and counted; net_stub_fd is what net_fd returns,
 * -1 (no connection) until a test says otherwise.
 */
#ifndef NET_STUB_H
#define NET_STUB_H

#include <stddef.h>

#include "natter.h"

#define NET_STUB_MAX 64

extern char net_sent[NET_STUB_MAX][IRC_LINE_MAX + 1];
extern size_t net_nsent;	/* lines sent, including any not kept */
extern int net_stub_fd;

/* Forget what was sent. */
void net_stub_reset(void);
/* Feed one line to natter as the server would send it. */
void net_stub_receive(const char *line);

#endif
