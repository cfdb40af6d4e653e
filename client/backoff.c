/* backoff.c: when to try the server again after the connection dropped. */
#include "natter.h"

void
backoff_reset(struct backoff *b)
{
	b->attempts = 0;
}

int64_t
backoff_next(struct backoff *b, uint32_t r)
{
	int64_t delay = BACKOFF_FIRST_MS;

	for (unsigned i = 0; i < b->attempts && delay < BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX_MS)
		delay = BACKOFF_MAX_MS;
	if (b->attempts < 64)
		b->attempts++;
	/* Jitter only shortens: the schedule's promise is "at most". */
	return delay - (int64_t)(r % (uint32_t)(delay / 4 + 1));
}
