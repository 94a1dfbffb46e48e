/*
 * Fuzz target: arbitrary bytes from the host link into the firmware core,
 * behind a minimal HAL with a clock that moves on, inputs that toggle (so
 * watches and debounce run) and a link that sometimes refuses bytes.  Every
 * response the core sends must be a well-formed frame: the host side counts
 * no CRC, COBS, runt or oversize error and, once the core has nothing left
 * to send, holds no partial frame; there are never more responses than
 * requests.  No state is left behind: the same input run twice gives the
 * very same bytes on the link.  Nothing may crash or touch memory out of
 * bounds (run under ASan/UBSan).
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "rak4631_board.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t clock_us;
static uint8_t levels[WIS_CORE_NRF_PINS];
static unsigned tx_calls;
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

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return clock_us;
}
static int f_tx(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	/* Every fourth call the link is full, and the call before it takes
	 * only half: the core must keep the tail and send it first. */
	if (++tx_calls % 4 == 0)
		return 0;
	if (tx_calls % 4 == 3 && n > 1)
		n /= 2;
	link_crc = wis_crc32(link_crc, p, n);
	wis_deframer_feed(&host_rx, p, n, on_reply, NULL);
	return (int)n;
}
static void f_config(void *ctx, uint8_t nrf, uint8_t mode)
{
	(void)ctx;
	(void)nrf;
	(void)mode;
}
static void f_write(void *ctx, uint8_t nrf, uint8_t level)
{
	(void)ctx;
	if (nrf < WIS_CORE_NRF_PINS)
		levels[nrf] = level;
}
static uint8_t f_read(void *ctx, uint8_t nrf)
{
	(void)ctx;
	return nrf < WIS_CORE_NRF_PINS ? levels[nrf] : 0;
}
static uint8_t f_adc(void *ctx, uint8_t ain, uint8_t gain, uint8_t ref, uint8_t bits, uint8_t os,
                     int16_t *raw)
{
	(void)ctx;
	*raw = (int16_t)((ain * 977 + gain * 13 + ref + os) % (1 << bits));
	return WIS_ST_OK;
}
static void f_reset(void *ctx, uint8_t mode)
{
	(void)ctx;
	(void)mode;
}
static void f_id(void *ctx, uint8_t id[8])
{
	(void)ctx;
	memcpy(id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}

/* One run of the input; returns a digest of what went over the link. */
static uint32_t run(const uint8_t *data, size_t size)
{
	static struct wis_board board;
	static struct wis_hal hal;
	static struct wis_core core;
	wis_rak4631_board(&board);
	board.fw_version = "fuzz";
	board.caps = WIS_CAP_GPIO | WIS_CAP_ADC | WIS_CAP_BATCH | WIS_CAP_EVENTS;
	board.nfc_pins_gpio = size % 2;
	hal = (struct wis_hal){NULL,    &board, f_now, f_tx,    NULL, f_config,
	                       f_write, f_read, f_adc, f_reset, f_id};
	clock_us = 1000;
	tx_calls = 0;
	link_crc = 0;
	responses = 0;
	memset(levels, 0, sizeof levels);
	wis_deframer_init(&host_rx);
	wis_core_init(&core, &hal);
	wis_core_boot(&core, WIS_CAUSE_POWER_ON);

	/* Feed in chunks; between chunks time passes and a pin toggles, so
	 * edge events and debounce timers interleave with requests. */
	for (size_t off = 0; off < size;) {
		size_t n = 1 + (data[off] % 64);
		if (n > size - off)
			n = size - off;
		wis_core_rx(&core, data + off, n);
		off += n;
		clock_us += 137 * n;
		uint8_t pin = (uint8_t)(data[off - 1] % WIS_CORE_NRF_PINS);
		levels[pin] ^= 1;
		wis_core_pin_changed(&core, pin, levels[pin], clock_us);
		wis_core_poll(&core, clock_us);
	}
	/* Let debounce timers expire and the link drain (it refuses one call
	 * in four, so a few polls always suffice). */
	for (int i = 0; i < 64; i++) {
		clock_us += 2000000;
		wis_core_poll(&core, clock_us);
	}

	const struct wis_frame_stats *st = &host_rx.stats;
	if (st->crc_errors || st->cobs_errors || st->runts || st->oversize || st->bytes_dropped)
		abort();
	if (!wis_core_tx_pending(&core) && (host_rx.len || host_rx.discarding))
		abort();
	if (responses > wis_core_rx_stats(&core)->frames)
		abort();
	return link_crc ^ (uint32_t)responses << 16 ^ tx_calls;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (run(data, size) != run(data, size))
		abort();
	return 0;
}
