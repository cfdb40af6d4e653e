/* net.c for tests: see tests/net-stub.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "net-stub.h"

char net_sent[NET_STUB_MAX][IRC_LINE_MAX + 1];
size_t net_nsent;
int net_stub_fd = -1;
char net_error[NET_ERROR_MAX];
bool net_reached;

void
net_stub_reset(void)
{
	net_nsent = 0;
}

void
net_sendf(const char *fmt, ...)
{
	va_list ap;

	if (net_nsent < NET_STUB_MAX) {
		va_start(ap, fmt);
		vsnprintf(net_sent[net_nsent], sizeof(net_sent[0]), fmt, ap);
		va_end(ap);
	}
	net_nsent++;
}

int
net_fd(void)
{
	return net_stub_fd;
}

void
net_close(void)
{
	net_stub_fd = -1;
}

void
net_connect(const char *host, const char *port)
{
	(void)host;
	(void)port;
}

/* The rest of net.c's interface, for pipe.c's loop, which no test runs
 * over the stub. */
short
net_events(void)
{
	return 0;
}

int
net_timeout(int64_t now_mono)
{
	(void)now_mono;
	return -1;
}

void
net_tick(int64_t now_mono)
{
	(void)now_mono;
}

void
net_ready(short revents)
{
	(void)revents;
}

const char *
net_prompt(void)
{
	return NULL;
}

void
net_answer(bool yes)
{
	(void)yes;
}

void
net_stub_receive(const char *line)
{
	char buf[IRC_LINE_MAX + 1];

	str_copy(buf, line, sizeof(buf));
	handle_line(buf, strlen(buf));
}
