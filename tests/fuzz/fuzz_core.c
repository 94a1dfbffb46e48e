/*
 * Fuzz target: arbitrary bytes from the host link into the firmware core,
 * on simhal (the simulator's peripherals, the one test double) with a
 * manual clock that moves on, inputs that toggle (so watches and debounce
 * run) and a link that sometimes takes nothing or only part of a frame.
 * Every frame the core sends must be well formed: the host side counts no
 * CRC, COBS, runt or oversize error and, once the core has nothing left to
 * send, holds no partial frame; there are never more responses than
 * requests, and every request is answered.  No state is left behind: the
 * same input run twice gives the very same bytes on the link.  Nothing may
 * crash or touch memory out of bounds (run under ASan/UBSan).
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "simhal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wis_deframer host_rx;
static uint32_t link_crc; /* of every byte the host received */
static unsigned responses;

static void on_reply(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	(void)user;
	(void)p;
	if (h->version != WIS_PROTO_VERSION || h->type == WIS_MSG_REQUEST || len > WIS_MAX_PAYLOAD)
		abort();
	if (h->type == WIS_MSG_RESPONSE)
		responses++;
}

static void sink(void *user, const uint8_t *p, size_t n)
{
	(void)user;
	link_crc = wis__crc32(link_crc, p, n);
	wis__deframer_feed(&host_rx, p, n, on_reply, NULL);
}

/* One run of the input; returns a digest of what went over the link. */
static uint32_t run(const uint8_t *data, size_t size)
{
	static struct simhal hw;
	static struct wisfw_core core;
	static uint8_t levels[WISFW_NRF_PINS];
	simhal_init(&hw, true);
	hw.now = 1000;
	hw.sink = sink;
	hw.board.nfc_pins_gpio = size % 2;
	memset(levels, 0, sizeof levels);
	link_crc = 0;
	responses = 0;
	wis__deframer_init(&host_rx);
	simhal_attach(&hw, &core);
	wisfw_core_init(&core, &hw.hal);
	wisfw_core_boot(&core, WIS_CAUSE_POWER_ON, NULL);

	/* Feed in chunks; between chunks time passes, a pin toggles and now
	 * and then the link is full, so edge events, debounce timers,
	 * deferred answers and queued output interleave with requests. */
	for (size_t off = 0; off < size;) {
		size_t n = 1 + (data[off] % 64);
		if (n > size - off)
			n = size - off;
		/* Now and then the link takes nothing, or only part of a frame:
		 * the core must keep the unsent tail and send it first. */
		hw.tx_budget = data[off] % 7 == 0 ? 0 : data[off] % 7 == 1 ? data[off] % 40 : -1;
		wisfw_core_rx(&core, data + off, n);
		off += n;
		hw.now += 137 * n;
		uint8_t pin = (uint8_t)(data[off - 1] % WISFW_NRF_PINS);
		levels[pin] ^= 1;
		wisfw_core_pin_changed(&core, pin, levels[pin], hw.now);
		wisfw_core_poll(&core, hw.now);
	}
	hw.tx_budget = -1;
	hw.now += 20000000; /* past every DELAY and debounce */
	wisfw_core_poll(&core, hw.now);
	if (wisfw_core_slots_held(&core) != 0 && !hw.reset_req)
		abort(); /* every request was answered */

	const struct wis_frame_stats *st = &host_rx.stats;
	if (st->crc_errors || st->cobs_errors || st->runts || st->oversize || st->bytes_dropped)
		abort();
	if (!wisfw_core_tx_pending(&core) && (host_rx.len || host_rx.discarding))
		abort();
	if (responses > wisfw_core_rx_stats(&core)->frames)
		abort();
	return link_crc ^ (uint32_t)responses << 16;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (run(data, size) != run(data, size))
		abort();
	return 0;
}
