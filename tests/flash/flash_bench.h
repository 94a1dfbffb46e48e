/*
 * The flash test bench: the SPI NOR driver wired to the IS25LP080D model
 * through a struct spinor_io whose clock is simulated (each byte on the bus
 * takes 1 us, as at 8 MHz; delay_us advances it), plus checks that count
 * failures instead of aborting, so one run shows every broken rule.
 */
#ifndef WIS_FLASH_BENCH_H
#define WIS_FLASH_BENCH_H

#include <stdio.h>
#include <string.h>

#include "../check.h"
#include "nor_model.h"
#include "spinor.h"

struct bench {
	struct nor_model m;
	struct spinor_io io;
	struct spinor d;
	uint64_t now;
	bool clock_stuck;    /* now_us and delay_us stand still */
	unsigned n_cmd[256]; /* transactions per opcode */
};

static inline void bench_tick(struct bench *b, uint64_t us)
{
	if (b->clock_stuck)
		return;
	b->now += us;
	nor_model_set_time(&b->m, b->now);
}

static inline int bench_xfer(void *ctx, const uint8_t *tx, size_t ntx, uint8_t *rx, size_t nrx)
{
	struct bench *b = ctx;

	if (ntx > 0)
		b->n_cmd[tx[0]]++;
	nor_model_xfer(&b->m, tx, ntx, rx, nrx);
	bench_tick(b, ntx + nrx);
	return 0;
}

static inline uint32_t bench_now(void *ctx)
{
	return (uint32_t)((struct bench *)ctx)->now;
}

static inline void bench_delay(void *ctx, uint32_t us)
{
	bench_tick(ctx, us);
}

static inline void bench_init(struct bench *b, enum nor_model_presence presence)
{
	memset(b, 0, sizeof(*b));
	if (nor_model_init(&b->m, presence, NULL) != 0) {
		perror("nor_model_init");
		check_failures++;
	}
	b->io = (struct spinor_io){b, bench_xfer, bench_now, bench_delay};
	spinor_init(&b->d, &b->io);
}

static inline void bench_fini(struct bench *b)
{
	nor_model_fini(&b->m);
}

/* Raw bus helpers for tests that talk to the model directly. */
static inline void raw(struct bench *b, const uint8_t *tx, size_t ntx, uint8_t *rx, size_t nrx)
{
	(void)bench_xfer(b, tx, ntx, rx, nrx);
}

static inline void raw1(struct bench *b, uint8_t op)
{
	raw(b, &op, 1, NULL, 0);
}

static inline uint8_t raw_sr(struct bench *b)
{
	uint8_t op = 0x05, sr = 0;

	raw(b, &op, 1, &sr, 1);
	return sr;
}

static inline void raw_addr(struct bench *b, uint8_t op, uint32_t addr, const uint8_t *data,
                            size_t n, uint8_t *rx, size_t nrx)
{
	uint8_t tx[4 + 600];

	tx[0] = op;
	tx[1] = (uint8_t)(addr >> 16);
	tx[2] = (uint8_t)(addr >> 8);
	tx[3] = (uint8_t)addr;
	if (n > 600)
		n = 600;
	if (n)
		memcpy(tx + 4, data, n);
	raw(b, tx, 4 + n, rx, nrx);
}

/* Advance until the model is idle (bounded: 10 s of simulated time). */
static inline void raw_wait(struct bench *b)
{
	for (int i = 0; i < 10000 && (nor_model_status(&b->m) & 1); i++)
		bench_tick(b, 1000);
}

static inline void pattern(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

#define RUN(t)                                                                                     \
	do {                                                                                       \
		int before_ = check_failures;                                                      \
		t();                                                                               \
		printf("%s %s\n", check_failures == before_ ? "ok  " : "FAIL", #t);                \
	} while (0)

#endif
