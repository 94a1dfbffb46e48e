/*
 * A fake HAL for the firmware core tests: a settable clock, a link whose
 * capacity a test controls, GPIO registers that log their writes, and a
 * SAADC that returns what the test says.  Plus helpers that send one
 * request and return its response.  Header-only: each test program is one
 * translation unit.
 */
#ifndef WIS_FAKE_HAL_H
#define WIS_FAKE_HAL_H

#include <stdlib.h>

#include "core.h"
#include "fwtest.h"
#include "rak4631_board.h"

#define IO1 WIS_NRF(0, 17)
#define IO2 WIS_NRF(1, 2)
#define IO4 WIS_NRF(0, 4)
#define IO5 WIS_NRF(0, 9)
#define SW1 WIS_NRF(1, 1)
#define AIN0 WIS_NRF(0, 5)

struct fake {
	uint64_t now;
	struct fw_frames out;
	long tx_budget;  /* bytes the link still takes; < 0: unlimited */
	size_t tx_chunk; /* most bytes one tx call takes; 0: unlimited */
	bool link_down;
	int tx_waits;
	uint8_t mode[48], latch[48], in[48];
	char log[256]; /* "w17=1 c17=4 ..." order of gpio hooks */
	size_t log_len;
	int16_t adc_raw;
	uint8_t adc_st;
	uint8_t adc_args[5];
	int resets;
	uint8_t reset_mode;
	struct wisfw_board board;
	struct wisfw_hal hal;
	struct wisfw_core core;
	uint16_t next_id;
};

static struct fake F;

static inline void logf_(const char *s)
{
	size_t n = strlen(s);
	if (F.log_len + n < sizeof F.log) {
		memcpy(F.log + F.log_len, s, n + 1);
		F.log_len += n;
	}
}

static inline uint64_t h_now(void *ctx)
{
	(void)ctx;
	return F.now;
}

static inline int h_tx(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	if (F.link_down)
		return -1;
	if (F.tx_chunk && n > F.tx_chunk)
		n = F.tx_chunk;
	if (F.tx_budget >= 0) {
		if ((long)n > F.tx_budget)
			n = (size_t)F.tx_budget;
		F.tx_budget -= (long)n;
	}
	fw_frames_feed(&F.out, p, n);
	return (int)n;
}

static inline bool h_tx_wait(void *ctx, uint32_t us)
{
	(void)ctx;
	F.tx_waits++;
	F.now += us; /* the wait used up its time */
	return false;
}

static inline void h_config(void *ctx, uint8_t nrf, uint8_t mode)
{
	(void)ctx;
	char b[24];
	snprintf(b, sizeof b, "c%u=%u ", nrf, mode);
	logf_(b);
	F.mode[nrf] = mode;
}

static inline void h_write(void *ctx, uint8_t nrf, uint8_t level)
{
	(void)ctx;
	char b[24];
	snprintf(b, sizeof b, "w%u=%u ", nrf, level);
	logf_(b);
	F.latch[nrf] = level;
}

static inline uint8_t h_read(void *ctx, uint8_t nrf)
{
	(void)ctx;
	if (F.mode[nrf] == WIS_GPIO_OUTPUT)
		return F.latch[nrf];
	return F.in[nrf];
}

static inline uint8_t h_adc(void *ctx, uint8_t ain, uint8_t gain, uint8_t ref, uint8_t bits,
                            uint8_t os, int16_t *raw)
{
	(void)ctx;
	uint8_t a[5] = {ain, gain, ref, bits, os};
	memcpy(F.adc_args, a, 5);
	*raw = F.adc_raw;
	return F.adc_st;
}

static inline void h_reset(void *ctx, uint8_t mode)
{
	(void)ctx;
	F.resets++;
	F.reset_mode = mode;
}

static inline void h_id(void *ctx, uint8_t id[8])
{
	(void)ctx;
	for (int i = 0; i < 8; i++)
		id[i] = (uint8_t)(0xa0 + i);
}

static inline void setup_nfc(bool nfc_gpio)
{
	memset(&F, 0, sizeof F);
	F.now = 1000000;
	F.tx_budget = -1;
	wis_deframer_init(&F.out.d);
	wisfw_rak4631_board(&F.board);
	F.board.fw_version = "9.8.7";
	F.board.caps = WIS_CAP_GPIO | WIS_CAP_ADC | WIS_CAP_BATCH | WIS_CAP_EVENTS;
	F.board.nfc_pins_gpio = nfc_gpio;
	F.hal = (struct wisfw_hal){
	    .ctx = &F,
	    .board = &F.board,
	    .now_us = h_now,
	    .tx = h_tx,
	    .tx_wait = h_tx_wait,
	    .gpio_config = h_config,
	    .gpio_write = h_write,
	    .gpio_read = h_read,
	    .adc_sample = h_adc,
	    .reset = h_reset,
	    .device_id = h_id,
	};
	wisfw_core_init(&F.core, &F.hal);
	F.log_len = 0;
	F.log[0] = 0;
	F.next_id = 1;
}

static inline void setup(void)
{
	setup_nfc(true);
}

static inline void send_raw(const uint8_t *p, size_t n)
{
	wisfw_core_rx(&F.core, p, n);
}

static inline void send_frame(uint8_t version, uint8_t type, uint16_t id, uint16_t op,
                              const void *p, size_t len)
{
	uint8_t buf[WIS_MAX_ENCODED + 1];
	struct wis_hdr h = {version, type, id, op, 0, 0};
	size_t n = wis_frame_encode(buf, sizeof buf, &h, p, len);
	CHECK(n > 0);
	send_raw(buf, n);
}

/* Sends one request and returns its response (checked to be the only one). */
static inline struct fw_frame *call(uint16_t op, const void *p, size_t len)
{
	size_t before = F.out.n;
	uint16_t id = F.next_id++;
	send_frame(WIS_PROTO_VERSION, WIS_MSG_REQUEST, id, op, p, len);
	struct fw_frame *r = NULL;
	int nresp = 0;
	for (size_t i = before; i < F.out.n; i++)
		if (F.out.f[i].h.type == WIS_MSG_RESPONSE) {
			r = &F.out.f[i];
			nresp++;
		}
	CHECK_EQ(nresp, 1);
	if (!r) {
		static struct fw_frame none;
		none.h.status = 0xff;
		return &none;
	}
	CHECK_EQ(r->h.id, id);
	CHECK_EQ(r->h.opcode, op);
	CHECK_EQ(r->h.version, WIS_PROTO_VERSION);
	return r;
}

static inline const char *detail(const struct fw_frame *r)
{
	static char b[300];
	return fw_detail(r->p, r->len, b, sizeof b);
}

#define CALL(op, ...)                                                                              \
	call(op, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static inline size_t count_events(size_t from, uint16_t op)
{
	size_t n = 0;
	for (size_t i = from; i < F.out.n; i++)
		if (F.out.f[i].h.type == WIS_MSG_EVENT && F.out.f[i].h.opcode == op)
			n++;
	return n;
}

static inline struct wis_rd rd_of(const struct fw_frame *r)
{
	return wis_rd_init(r->p, r->len);
}

/* STATS response fields by index: 0 uptime, 1.. the u32 counters. */
static inline uint64_t stat(int idx)
{
	struct fw_frame *r = call(WIS_OP_STATS, NULL, 0);
	CHECK_EQ(r->len, 8 + 10 * 4);
	struct wis_rd rd = rd_of(r);
	uint64_t up = wis_rd_u64(&rd);
	if (idx == 0)
		return up;
	uint32_t v = 0;
	for (int i = 1; i <= idx; i++)
		v = wis_rd_u32(&rd);
	return v;
}
enum { S_UP, S_RX, S_CRC, S_COBS, S_OVER, S_RUNT, S_DROP, S_TX, S_EVS, S_EVD, S_BAD };

#endif
