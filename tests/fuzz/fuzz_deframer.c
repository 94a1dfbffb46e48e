/*
 * Fuzz target: arbitrary bytes into the deframer.  Every frame it delivers
 * must re-encode to bytes that decode to the very same frame; every byte
 * fed is accounted for exactly once (a delimiter, part of a delivered
 * frame, counted as dropped, or still pending); every frame end is exactly
 * one of delivered, CRC error, COBS error or runt; and feeding the input in
 * one call or byte by byte makes no difference.  Nothing may read or write
 * out of bounds (run under ASan).
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
	size_t n = wis__frame_encode(enc, sizeof enc, h, p, len);
	if (n == 0)
		abort();
	memset(&again, 0, sizeof again);
	wis__deframer_init(&d2);
	wis__deframer_feed(&d2, enc, n, keep, &again);
	if (again.count != 1 || again.len != len || memcmp(&again.h, h, sizeof *h) != 0 ||
	    memcmp(again.p, p, len) != 0)
		abort();
}

/* Counts, for the byte-by-byte feed, what each delimiter ended. */
struct tally {
	size_t delivered_bytes; /* encoded bytes of frames handed to the callback */
	size_t pending_at_end;  /* encoded bytes the deframer held at this delimiter */
	int frames;
};

static void count(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	struct tally *t = user;
	t->delivered_bytes += t->pending_at_end;
	t->frames++;
	recheck(NULL, h, p, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wis_deframer d, whole;
	struct tally t = {0, 0, 0};
	size_t delimiters = 0, frame_ends = 0, overflows = 0;
	wis__deframer_init(&d);
	for (size_t i = 0; i < size; i++) {
		bool was_discarding = d.discarding;
		if (data[i] == 0) {
			delimiters++;
			if (d.len && !d.discarding)
				frame_ends++;
			t.pending_at_end = d.len;
		}
		wis__deframer_feed(&d, data + i, 1, count, &t);
		if (d.discarding && !was_discarding)
			overflows++;
	}
	const struct wis_frame_stats *st = &d.stats;
	size_t pending = d.discarding ? 0 : d.len; /* a discarded run is counted as it comes */
	if (delimiters + t.delivered_bytes + st->bytes_dropped + pending != size)
		abort();
	if ((size_t)t.frames != st->frames ||
	    st->frames + st->crc_errors + st->cobs_errors + st->runts != frame_ends ||
	    st->oversize != overflows)
		abort();

	wis__deframer_init(&whole);
	wis__deframer_feed(&whole, data, size, recheck, NULL);
	if (memcmp(&whole.stats, st, sizeof *st) != 0 || whole.len != d.len ||
	    whole.discarding != d.discarding)
		abort();
	return 0;
}
