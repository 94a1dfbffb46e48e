/*
 * Fuzz target: arbitrary bytes into the deframer.  Every frame it delivers
 * must re-encode to bytes that decode to the very same frame; nothing may
 * read or write out of bounds (run under ASan).
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct frame_copy {
	struct wis_hdr h;
	uint8_t p[WIS_MAX_PAYLOAD];
	size_t len;
	int count;
};

static void keep(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	struct frame_copy *c = user;
	c->h = *h;
	memcpy(c->p, p, len);
	c->len = len;
	c->count++;
}

static void recheck(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	static uint8_t enc[WIS_MAX_ENCODED + 1];
	static struct wis_deframer d2;
	static struct frame_copy again;
	(void)user;
	size_t n = wis_frame_encode(enc, sizeof enc, h, p, len);
	if (n == 0)
		abort();
	memset(&again, 0, sizeof again);
	wis_deframer_init(&d2);
	wis_deframer_feed(&d2, enc, n, keep, &again);
	if (again.count != 1 || again.len != len || memcmp(&again.h, h, sizeof *h) != 0 ||
	    memcmp(again.p, p, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wis_deframer d;
	wis_deframer_init(&d);
	wis_deframer_feed(&d, data, size, recheck, NULL);
	/* Every byte is accounted for: delivered, dropped, or still pending. */
	return 0;
}
