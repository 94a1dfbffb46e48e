/*
 * Fuzz target: arbitrary bytes from the host link into the firmware core,
 * behind a minimal HAL with a clock that moves on, inputs that toggle (so
 * watches and debounce run) and a link that sometimes refuses bytes.  Every
 * response the core sends must be a well-formed frame; nothing may crash or
 * touch memory out of bounds (run under ASan/UBSan).
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "rak4631_board.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t clock_us;
static uint8_t levels[WISFW_NRF_PINS];
static unsigned tx_calls;
static struct wis_deframer host_rx;

static void on_reply(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	(void)user;
	(void)p;
	if (h->version != WIS_PROTO_VERSION || h->type == WIS_MSG_REQUEST || len > WIS_MAX_PAYLOAD)
		abort();
}

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return clock_us;
}
static int f_tx(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	/* Every seventh call the link is full: the core must keep the tail. */
	if (++tx_calls % 7 == 0)
		return 0;
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
	if (nrf < WISFW_NRF_PINS)
		levels[nrf] = level;
}
static uint8_t f_read(void *ctx, uint8_t nrf)
{
	(void)ctx;
	return nrf < WISFW_NRF_PINS ? levels[nrf] : 0;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wisfw_board board;
	static struct wisfw_hal hal;
	static struct wisfw_core core;
	wisfw_rak4631_board(&board);
	board.fw_version = "fuzz";
	board.caps = WIS_CAP_GPIO | WIS_CAP_ADC | WIS_CAP_BATCH | WIS_CAP_EVENTS;
	board.nfc_pins_gpio = size % 2;
	static const struct wisfw_timebase tb = {f_now, NULL};
	static const struct wisfw_link link = {f_tx};
	static const struct wisfw_system sys = {f_reset, f_id};
	static const struct wisfw_gpio gpio = {f_config, f_write, f_read, NULL};
	static const struct wisfw_adc adc = {f_adc};
	hal = (struct wisfw_hal){
	    .board = &board, .time = &tb, .link = &link, .sys = &sys, .gpio = &gpio, .adc = &adc};
	clock_us = 1000;
	tx_calls = 0;
	memset(levels, 0, sizeof levels);
	wis_deframer_init(&host_rx);
	wisfw_core_init(&core, &hal);
	wisfw_core_boot(&core, WIS_CAUSE_POWER_ON);

	/* Feed in chunks; between chunks time passes and a pin toggles, so
	 * edge events and debounce timers interleave with requests. */
	for (size_t off = 0; off < size;) {
		size_t n = 1 + (data[off] % 64);
		if (n > size - off)
			n = size - off;
		wisfw_core_rx(&core, data + off, n);
		off += n;
		clock_us += 137 * n;
		uint8_t pin = (uint8_t)(data[off - 1] % WISFW_NRF_PINS);
		levels[pin] ^= 1;
		wisfw_core_pin_changed(&core, pin, levels[pin], clock_us);
		wisfw_core_poll(&core, clock_us);
	}
	clock_us += 2000000;
	wisfw_core_poll(&core, clock_us);
	return 0;
}
