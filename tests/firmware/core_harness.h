/*
 * Harness for the firmware core tests: the core on simhal (the simulated
 * peripherals wisrpc-sim runs on, firmware/sim/simhal.h) with a manual
 * clock, a link whose capacity a test controls (budget, bytes per call,
 * down) feeding a frame collector, and a SAADC whose answer a test fixes.
 * Plus helpers that send one request and return its response.
 * Header-only: each test program is one translation unit.
 */
#ifndef WIS_CORE_HARNESS_H
#define WIS_CORE_HARNESS_H

#include <stdlib.h>

#include "core.h"
#include "fwtest.h"
#include "simhal.h"

#define IO1 WIS_NRF(0, 17)
#define IO2 WIS_NRF(1, 2)
#define IO4 WIS_NRF(0, 4)
#define IO5 WIS_NRF(0, 9)
#define SW1 WIS_NRF(1, 1)
#define AIN0 WIS_NRF(0, 5)

struct fake {
	struct simhal hw;
	struct fw_frames out;
	struct wisfw_core core;
	uint16_t next_id;
};

static struct fake F;

static inline void sink(void *user, const uint8_t *p, size_t n)
{
	(void)user;
	fw_frames_feed(&F.out, p, n);
}

static inline void setup_nfc(bool nfc_gpio)
{
	memset(&F, 0, sizeof F);
	simhal_init(&F.hw, true);
	F.hw.now = 1000000;
	F.hw.sink = sink;
	F.hw.adc_fixed = true;
	for (int i = 0; i < 8; i++)
		F.hw.id[i] = (uint8_t)(0xa0 + i);
	wis__deframer_init(&F.out.d);
	F.hw.board.fw_version = "9.8.7";
	F.hw.board.caps = WIS_CAP_GPIO | WIS_CAP_ADC | WIS_CAP_BATCH | WIS_CAP_EVENTS;
	F.hw.board.nfc_pins_gpio = nfc_gpio;
	simhal_attach(&F.hw, &F.core);
	wisfw_core_init(&F.core, &F.hw.hal);
	F.hw.trace_len = 0;
	F.hw.trace[0] = 0;
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
	size_t n = wis__frame_encode(buf, sizeof buf, &h, p, len);
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
