/*
 * Test harness of the radio suite: nodes made of an SX1262 model, the
 * driver and the port hooks that join them (as the simulator's port will),
 * all on one radio medium whose clock the hooks advance: an SPI frame takes
 * 1 us per byte (8 MHz SCK), a delay takes its length, so BUSY waits and
 * timeouts run in simulated time and every run is the same.
 */
#ifndef WIS_RADIO_HARNESS_H
#define WIS_RADIO_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "radio_medium.h"
#include "sx126x.h"
#include "sx126x_model.h"

static int fails, checks;

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		checks++;                                                                          \
		if (!(c)) {                                                                        \
			fails++;                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		checks++;                                                                          \
		if (a_ != b_) {                                                                    \
			fails++;                                                                   \
			fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, #a, \
			        #b, a_, b_);                                                       \
		}                                                                                  \
	} while (0)

#define DONE() (printf("%d checks, %d failed\n", checks, fails), fails != 0)

struct node {
	struct sx126x_model chip;
	struct sx126x drv;
	struct sx126x_io io;
	struct radio_medium *md;
	bool ant;
	int id;
};

static inline int h_spi(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n)
{
	struct node *nd = ctx;

	/* 1 us per byte; the chip acts on the NSS rising edge.  A frame the
	 * chip ignores still goes over the wire: the model counts it. */
	radio_medium_advance(nd->md, nd->md->now + n);
	sx126x_model_spi(&nd->chip, tx, rx, n);
	return (int)n;
}

static inline bool h_busy(void *ctx)
{
	struct node *nd = ctx;

	return sx126x_model_busy(&nd->chip);
}

static inline bool h_dio1(void *ctx)
{
	struct node *nd = ctx;

	return sx126x_model_dio1(&nd->chip);
}

static inline void h_nreset(void *ctx, bool level)
{
	struct node *nd = ctx;

	sx126x_model_nreset(&nd->chip, level);
}

static inline void h_ant(void *ctx, bool on)
{
	struct node *nd = ctx;

	nd->ant = on;
}

static inline uint64_t h_now(void *ctx)
{
	struct node *nd = ctx;

	return nd->md->now;
}

static inline void h_delay(void *ctx, uint32_t us)
{
	struct node *nd = ctx;

	radio_medium_advance(nd->md, nd->md->now + us);
}

/* A node with a 1.8 V TCXO board, as the RAK4631. */
static inline void node_init(struct node *nd, struct radio_medium *md)
{
	struct sx126x_model_cfg mc = {.tcxo_mv = 1800};

	memset(nd, 0, sizeof *nd);
	nd->md = md;
	sx126x_model_init(&nd->chip, &mc);
	nd->id = radio_medium_attach(md, &nd->chip);
	nd->io = (struct sx126x_io){.ctx = nd,
	                            .spi = h_spi,
	                            .busy = h_busy,
	                            .dio1 = h_dio1,
	                            .nreset = h_nreset,
	                            .ant_power = h_ant,
	                            .now_us = h_now,
	                            .delay_us = h_delay};
	sx126x_init(&nd->drv, &nd->io);
}

static inline struct sx126x_lora_cfg lora_cfg(uint8_t sf, uint32_t bw, uint8_t cr)
{
	return (struct sx126x_lora_cfg){.freq_hz = 868100000,
	                                .power_dbm = 14,
	                                .sf = sf,
	                                .bw_hz = bw,
	                                .cr = cr,
	                                .preamble = 8,
	                                .crc = true,
	                                .sync_word = 0x12};
}

/* probe + setup + configure; 0 or the first error. */
static inline int node_up(struct node *nd, const struct sx126x_lora_cfg *c)
{
	int r = sx126x_probe(&nd->drv);

	if (r == 0)
		r = sx126x_setup(&nd->drv);
	if (r == 0)
		r = sx126x_configure(&nd->drv, c);
	return r;
}

/* Polls the driver until an event or the deadline (simulated us). */
static inline uint32_t wait_event(struct node *nd, uint64_t deadline, struct sx126x_event *ev)
{
	memset(ev, 0, sizeof *ev);
	while (nd->md->now < deadline) {
		if (sx126x_poll(&nd->drv, ev) < 0 || ev->flags)
			return ev->flags;
		radio_medium_advance(nd->md, nd->md->now + 10);
	}
	return 0;
}

#endif
