/*
 * nRF52840 bus masters for the port: TWIM0/TWIM1 (I2C1 on P0.13/P0.14,
 * I2C2 on P0.24/P0.25), SPIM2 for the SX1262 (P1.11/P1.12/P1.13, inside the
 * module) and SPIM3 for the IO slot (P0.03 CLK, P0.30 MOSI, P0.29 MISO),
 * which the external flash shares.  EasyDMA reads RAM only: transmit data
 * outside RAM (constants in flash) goes through a RAM bounce buffer, and
 * receive buffers are the core's (always RAM).  SPIM3 transmits from its
 * own bounce buffer, and for the length of each transfer the RAM blocks
 * holding it get SPIM3 priority (nRF52840 errata 198: SPIM3 TX data can be
 * corrupted when another master uses the same RAM block; the register
 * 0x40000E00 and its block mask are what Nordic's nrfx SPIM driver uses).  Chip selects are GPIOs
 * driven by the core.  Every transfer waits for its end with a bound.
 */
#include <string.h>

#include "nrf_port.h"
#include "wisrpc/protocol.h"

#define BOUNCE 1024u
#define TWIM_TIMEOUT_US 30000u /* hal.h: "blocks at most 30 ms" */

static const uint32_t twim_base[2] = {NRF_TWIM0_BASE, NRF_TWIM1_BASE};
static const uint8_t twim_sda[2] = {13, 24}, twim_scl[2] = {14, 25};
static uint8_t twim_tx[256];

static uint8_t spim3_tx[BOUNCE];

/* Errata 198: bit n = RAM block n (8 KiB each below 0x20010000), bit 8 =
 * RAM8 (0x20010000 up). */
#define ERRATA198_REG 0x40000E00u

static uint32_t errata198_mask(const uint8_t *p, size_t n)
{
	uint32_t a = (uint32_t)(uintptr_t)p, end = a + (uint32_t)n, mask = 0;
	for (uint32_t blk = a & ~0x1FFFu; blk < end; blk += 0x2000u)
		mask |= blk >= 0x20010000u ? 1u << 8 : 1u << ((blk >> 13) & 7u);
	return mask;
}
static uint8_t spim2_tx[256];

static bool in_ram(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	return a >= 0x20000000u && a < 0x20040000u;
}

/* ---- TWIM ---- */

static void twim_release(uint8_t nrf)
{
	for (int b = 0; b < 2; b++)
		if (nrf == twim_sda[b] || nrf == twim_scl[b]) {
			NRF_REG(twim_base[b], TWIM_ENABLE) = 0;
			NRF_REG(twim_base[b], TWIM_PSEL_SCL) = NRF_PSEL_DISCONNECTED;
			NRF_REG(twim_base[b], TWIM_PSEL_SDA) = NRF_PSEL_DISCONNECTED;
			nrf_pin_detach(twim_sda[b]);
			nrf_pin_detach(twim_scl[b]);
		}
}

static uint8_t i2c_configure(void *ctx, uint8_t bus, uint32_t hz)
{
	(void)ctx;
	if (bus > 1 || (hz != 100000u && hz != 400000u))
		return WIS_ST_BAD_ARG;
	uint32_t b = twim_base[bus];
	NRF_REG(b, TWIM_ENABLE) = 0;
	/* PS "TWIM", pin configuration: input connected, S0D1 (open drain);
	 * the internal pull-up helps a bus without external ones. */
	uint32_t cnf = GPIO_CNF_DRIVE_S0D1 | GPIO_CNF_PULL_UP;
	nrf_pin_cfg(twim_scl[bus], cnf);
	nrf_pin_cfg(twim_sda[bus], cnf);
	NRF_REG(b, TWIM_PSEL_SCL) = nrf_psel(twim_scl[bus]);
	NRF_REG(b, TWIM_PSEL_SDA) = nrf_psel(twim_sda[bus]);
	NRF_REG(b, TWIM_FREQUENCY) = hz == 400000u ? TWIM_FREQ_K400 : TWIM_FREQ_K100;
	NRF_REG(b, TWIM_ENABLE) = TWIM_ENABLE_ON;
	nrf_pin_attach(twim_scl[bus], twim_release);
	nrf_pin_attach(twim_sda[bus], twim_release);
	return WIS_ST_OK;
}

static uint8_t i2c_transfer(void *ctx, uint8_t bus, uint8_t addr, const uint8_t *w, size_t wn,
                            uint8_t *r, size_t rn, size_t *done)
{
	(void)ctx;
	*done = 0;
	if (bus > 1 || (wn == 0 && rn == 0) || wn > 0xFFFFu || rn > 0xFFFFu)
		return WIS_ST_BAD_ARG;
	if (wn && !in_ram(w)) {
		if (wn > sizeof twim_tx)
			return WIS_ST_BAD_ARG;
		memcpy(twim_tx, w, wn);
		w = twim_tx;
	}
	uint32_t b = twim_base[bus];
	if (NRF_REG(b, TWIM_ENABLE) != TWIM_ENABLE_ON)
		return WIS_ST_BAD_ARG;
	/* An idle bus has both lines high: one held low is a stuck bus. */
	if (!nrf_gpio.read(NULL, twim_sda[bus]) || !nrf_gpio.read(NULL, twim_scl[bus]))
		return WIS_ST_BUSY;
	NRF_REG(b, TWIM_ADDRESS) = addr;
	NRF_REG(b, TWIM_TXD_PTR) = (uint32_t)(uintptr_t)w;
	NRF_REG(b, TWIM_TXD_MAXCNT) = (uint32_t)wn;
	NRF_REG(b, TWIM_RXD_PTR) = (uint32_t)(uintptr_t)r;
	NRF_REG(b, TWIM_RXD_MAXCNT) = (uint32_t)rn;
	NRF_REG(b, TWIM_EVENTS_STOPPED) = 0;
	NRF_REG(b, TWIM_EVENTS_ERROR) = 0;
	NRF_REG(b, TWIM_ERRORSRC) = TWIM_ERRORSRC_OVERRUN | TWIM_ERRORSRC_ANACK |
	                            TWIM_ERRORSRC_DNACK; /* write 1 to clear */
	if (wn && rn)
		NRF_REG(b, TWIM_SHORTS) = TWIM_SHORTS_LASTTX_STARTRX | TWIM_SHORTS_LASTRX_STOP;
	else if (wn)
		NRF_REG(b, TWIM_SHORTS) = TWIM_SHORTS_LASTTX_STOP;
	else
		NRF_REG(b, TWIM_SHORTS) = TWIM_SHORTS_LASTRX_STOP;
	NRF_REG(b, wn ? TWIM_TASKS_STARTTX : TWIM_TASKS_STARTRX) = 1;

	uint32_t start = nrf_cycles(), limit = TWIM_TIMEOUT_US * (NRF_CPU_HZ / 1000000u);
	bool error = false, stopped = false;
	while (!(stopped = NRF_REG(b, TWIM_EVENTS_STOPPED) != 0)) {
		if (NRF_REG(b, TWIM_EVENTS_ERROR)) {
			error = true;
			break;
		}
		if (nrf_cycles() - start > limit)
			break;
	}
	if (!stopped) {
		/* Error or timeout: a STOP ends the transfer (the PS's way out of
		 * a NACK; a held clock keeps it waiting, bounded again). */
		NRF_REG(b, TWIM_TASKS_STOP) = 1;
		nrf_wait_event(b + TWIM_EVENTS_STOPPED, 1000u);
	}
	uint32_t src = NRF_REG(b, TWIM_ERRORSRC);
	uint32_t txn = NRF_REG(b, TWIM_TXD_AMOUNT);
	NRF_REG(b, TWIM_SHORTS) = 0;
	if (src & TWIM_ERRORSRC_ANACK)
		return WIS_ST_NOT_FITTED;
	if (src & TWIM_ERRORSRC_DNACK) {
		/* AMOUNT counts the byte that was NACKed. */
		*done = txn ? txn - 1u : 0u;
		return WIS_ST_HW_ERROR;
	}
	if (error)
		return WIS_ST_BUSY;
	if (!stopped)
		return WIS_ST_HW_TIMEOUT;
	*done = wn;
	return WIS_ST_OK;
}

const struct wisfw_i2c nrf_i2c = {i2c_transfer, i2c_configure};

/* ---- SPIM ---- */

struct spim {
	uint32_t base;
	uint8_t sck, mosi, miso;
	uint8_t *tx;    /* bounce buffer for transmit data */
	uint32_t cap;   /* its size */
	bool tx_always; /* SPIM3: every transmit goes through tx (errata 198) */
	uint32_t hz;
};

static struct spim io_spim = {NRF_SPIM3_BASE, 3, 30, 29, spim3_tx, BOUNCE, true, 0};
static struct spim radio_spim = {NRF_SPIM2_BASE, 32 + 11,         32 + 12, 32 + 13,
                                 spim2_tx,       sizeof spim2_tx, false,   0};

static void io_release(uint8_t nrf)
{
	(void)nrf;
	NRF_REG(io_spim.base, SPIM_ENABLE) = 0;
	NRF_REG(io_spim.base, SPIM_PSEL_SCK) = NRF_PSEL_DISCONNECTED;
	NRF_REG(io_spim.base, SPIM_PSEL_MOSI) = NRF_PSEL_DISCONNECTED;
	NRF_REG(io_spim.base, SPIM_PSEL_MISO) = NRF_PSEL_DISCONNECTED;
	nrf_pin_detach(io_spim.sck);
	nrf_pin_detach(io_spim.mosi);
	nrf_pin_detach(io_spim.miso);
	io_spim.hz = 0;
}

static uint8_t spim_configure(struct spim *s, uint32_t hz, uint8_t mode)
{
	uint32_t f = nrf_spim_freq(hz);
	if (!f || mode > 3)
		return WIS_ST_BAD_ARG;
	NRF_REG(s->base, SPIM_ENABLE) = 0;
	/* SCK idles at CPOL: set the output latch before it drives. */
	nrf_gpio.write(NULL, s->sck, (mode & 2u) ? 1 : 0);
	nrf_pin_cfg(s->sck, GPIO_CNF_DIR_OUT);
	nrf_pin_cfg(s->mosi, GPIO_CNF_DIR_OUT);
	nrf_pin_cfg(s->miso, 0);
	NRF_REG(s->base, SPIM_PSEL_SCK) = nrf_psel(s->sck);
	NRF_REG(s->base, SPIM_PSEL_MOSI) = nrf_psel(s->mosi);
	NRF_REG(s->base, SPIM_PSEL_MISO) = nrf_psel(s->miso);
	NRF_REG(s->base, SPIM_FREQUENCY) = f;
	NRF_REG(s->base, SPIM_CONFIG) =
	    ((mode & 1u) ? SPIM_CONFIG_CPHA : 0) | ((mode & 2u) ? SPIM_CONFIG_CPOL : 0);
	NRF_REG(s->base, SPIM_ORC) = 0xFF; /* clocked out when there is no tx */
	NRF_REG(s->base, SPIM_ENABLE) = SPIM_ENABLE_ON;
	s->hz = hz;
	return WIS_ST_OK;
}

static uint8_t spim_transfer(struct spim *s, const uint8_t *tx, uint8_t *rx, size_t n)
{
	if (!s->hz)
		return WIS_ST_BAD_ARG; /* not configured, or its pins were taken */
	while (n) {
		bool bounce = !tx || s->tx_always || !in_ram(tx);
		uint32_t k = n > 0xFFFFu ? 0xFFFFu : (uint32_t)n;
		if (bounce && k > s->cap)
			k = s->cap;
		if (bounce && tx)
			memcpy(s->tx, tx, k);
		else if (bounce)
			memset(s->tx, 0xFF, k); /* clocks only: send 0xFF */
		NRF_REG(s->base, SPIM_TXD_PTR) = (uint32_t)(uintptr_t)(bounce ? s->tx : tx);
		NRF_REG(s->base, SPIM_TXD_MAXCNT) = k;
		NRF_REG(s->base, SPIM_RXD_PTR) = (uint32_t)(uintptr_t)rx;
		/* No rx: the bytes clocked in are not stored (MAXCNT 0). */
		NRF_REG(s->base, SPIM_RXD_MAXCNT) = rx ? k : 0;
		NRF_REG(s->base, SPIM_EVENTS_END) = 0;
		uint32_t saved = 0;
		if (s->tx_always) {
			saved = NRF_REG(ERRATA198_REG, 0);
			NRF_REG(ERRATA198_REG, 0) = errata198_mask(s->tx, k);
		}
		NRF_REG(s->base, SPIM_TASKS_START) = 1;
		/* k bytes at the configured rate, plus 1 ms. */
		uint32_t bound = (uint32_t)((uint64_t)k * 8u * 1000000u / s->hz) + 1000u;
		bool ended = nrf_wait_event(s->base + SPIM_EVENTS_END, bound);
		if (s->tx_always)
			NRF_REG(ERRATA198_REG, 0) = saved;
		if (!ended) {
			NRF_REG(s->base, SPIM_EVENTS_STOPPED) = 0;
			NRF_REG(s->base, SPIM_TASKS_STOP) = 1;
			nrf_wait_event(s->base + SPIM_EVENTS_STOPPED, 1000u);
			return WIS_ST_HW_TIMEOUT;
		}
		n -= k;
		if (tx)
			tx += k;
		if (rx)
			rx += k;
	}
	return WIS_ST_OK;
}

static uint8_t io_configure(void *ctx, uint32_t hz, uint8_t mode)
{
	(void)ctx;
	uint8_t st = spim_configure(&io_spim, hz, mode);
	if (st == WIS_ST_OK) {
		nrf_pin_attach(io_spim.sck, io_release);
		nrf_pin_attach(io_spim.mosi, io_release);
		nrf_pin_attach(io_spim.miso, io_release);
	}
	return st;
}

static uint8_t io_transfer(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n)
{
	(void)ctx;
	return spim_transfer(&io_spim, tx, rx, n);
}

static uint8_t radio_configure(void *ctx, uint32_t hz, uint8_t mode)
{
	(void)ctx;
	return spim_configure(&radio_spim, hz, mode);
}

static uint8_t radio_transfer(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n)
{
	(void)ctx;
	return spim_transfer(&radio_spim, tx, rx, n);
}

const struct wisfw_spi nrf_spi = {io_configure, io_transfer};
const struct wisfw_spi nrf_radio_spi = {radio_configure, radio_transfer};
