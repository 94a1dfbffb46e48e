/*
 * simhal's SPI master and internal flash: the IO-slot SPI bus (SPIM) with
 * the IS25LP080D model (nor_model.c) on it, selected by the level of its
 * chip-select pin P0.26 in the pin model as on the board, MOSI looped
 * back to MISO on the IO slot (when the chip does not drive it), and the
 * nRF52840's internal flash pages that hold the fallback store, with NVMC
 * timing (page erase 85 ms, 41 µs per word: nRF52840 PS tERASEPAGE and
 * tWRITE maximums) spent as real time, or on the manual clock in tests.
 */
#include <string.h>
#include <time.h>

#include "nor_model.h"
#include "simhal.h"

#define PIN_CS WIS_NRF(0, 26)

/* Spends us of device time: the manual clock moves, the real one is
 * slept on (the NVMC stalls the CPU just so). */
static void spend(struct simhal *s, uint64_t us)
{
	if (!us)
		return;
	if (s->manual_clock) {
		s->now += us;
		return;
	}
	struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000};
	nanosleep(&ts, NULL);
}

void simhal_flash_cs(struct simhal *s)
{
	bool sel = s->pins[PIN_CS].mode == WIS_GPIO_OUTPUT && !simhal_pin_level(s, PIN_CS);
	if (sel == s->nor_selected)
		return;
	s->nor_selected = sel;
	if (!s->nor)
		return;
	nor_model_set_time(s->nor, simhal_now(s));
	if (sel)
		nor_model_select(s->nor);
	else
		nor_model_deselect(s->nor);
}

static uint8_t h_spi_configure(void *ctx, uint32_t hz, uint8_t mode)
{
	struct simhal *s = ctx;
	s->spi_hz = hz;
	s->spi_mode = mode;
	return WIS_ST_OK;
}

/* Full duplex; tx NULL sends 0xFF, rx NULL discards.  MISO reads 0xFF
 * (its pull-up) when nothing drives it. */
static uint8_t h_spi_transfer(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n)
{
	struct simhal *s = ctx;
	bool chip = s->nor && s->nor_selected;
	if (chip) {
		/* The SPIM clocks the buffer out in one DMA job; the chip sees
		 * the same bytes as one at a time (nor_model_bytes). */
		nor_model_set_time(s->nor, simhal_now(s));
		nor_model_bytes(s->nor, tx, rx, n);
	} else if (rx) {
		/* The IO slot's MOSI is looped back to MISO (spi_loopback);
		 * undriven, MISO reads its pull-up. */
		if (s->spi_loopback && tx)
			memmove(rx, tx, n);
		else
			memset(rx, 0xff, n);
	}
	s->spi_bytes += n;
	return WIS_ST_OK;
}

/* Offset of [addr, addr+n) in the modelled pages, or -1. */
static long iflash_off(const struct simhal *s, uint32_t addr, size_t n)
{
	(void)s;
	if (addr < SIMHAL_IFLASH_BASE ||
	    (uint64_t)addr + n > SIMHAL_IFLASH_BASE + SIMHAL_IFLASH_SIZE)
		return -1;
	return (long)(addr - SIMHAL_IFLASH_BASE);
}

static uint8_t h_if_erase(void *ctx, uint32_t addr)
{
	struct simhal *s = ctx;
	long off = iflash_off(s, addr, SIMHAL_IFLASH_PAGE);
	if (off < 0 || addr % SIMHAL_IFLASH_PAGE)
		return WIS_ST_HW_ERROR;
	memset(s->iflash_mem + off, 0xff, SIMHAL_IFLASH_PAGE);
	s->iflash_erases++;
	spend(s, s->iflash_erase_us);
	return WIS_ST_OK;
}

/* Whole aligned words only, and programming only clears bits. */
static uint8_t h_if_program(void *ctx, uint32_t addr, const uint8_t *p, size_t n)
{
	struct simhal *s = ctx;
	long off = iflash_off(s, addr, n);
	if (off < 0 || addr % 4 || n % 4)
		return WIS_ST_HW_ERROR;
	for (size_t i = 0; i < n; i++)
		s->iflash_mem[off + (long)i] &= p[i];
	spend(s, (uint64_t)s->iflash_word_us * (n / 4));
	return WIS_ST_OK;
}

static uint8_t h_if_read(void *ctx, uint32_t addr, uint8_t *p, size_t n)
{
	struct simhal *s = ctx;
	long off = iflash_off(s, addr, n);
	if (off < 0)
		return WIS_ST_HW_ERROR;
	memcpy(p, s->iflash_mem + off, n);
	return WIS_ST_OK;
}

void simhal_flash_init(struct simhal *s)
{
	s->spi = (struct wisfw_spi){h_spi_configure, h_spi_transfer};
	s->iflash = (struct wisfw_iflash){SIMHAL_IFLASH_PAGE, h_if_erase, h_if_program, h_if_read};
	s->hal.spi = &s->spi;
	s->hal.iflash = &s->iflash;
	memset(s->iflash_mem, 0xff, sizeof s->iflash_mem);
	s->iflash_erase_us = 85000;
	s->spi_loopback = true;
	s->iflash_word_us = 41;
}

void simhal_flash_timing(struct simhal *s, unsigned divisor)
{
	if (!divisor)
		divisor = 1;
	s->iflash_erase_us = 85000 / divisor;
	s->iflash_word_us = 41 / divisor;
	if (!s->nor)
		return;
	struct nor_model_timing *t = &s->nor->t;
	t->pp_us /= divisor;
	t->se_us /= divisor;
	t->be32_us /= divisor;
	t->be64_us /= divisor;
	t->ce_us /= divisor;
	t->wrsr_us /= divisor;
}
