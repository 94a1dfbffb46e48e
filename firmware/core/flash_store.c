/*
 * FLASH stores: the one interface flash.c's handlers use for whichever
 * store is in use.  The external SPI NOR chip is reached through the
 * spinor driver over hal.spi with chip select on a GPIO (the QSPI pins,
 * which are also the IO-slot SPI bus); the fallback store is a range of
 * the nRF52840's own flash pages through hal.iflash (NVMC).  Program and
 * erase are started here and driven by wisfw_flash_store_poll() from the
 * subsystem's poll hook: no wait in the core.
 */
#include "core_priv.h"
#include "flash_priv.h"

/* The QSPI pins in spinor use: CS, CLK, DIO0 (MOSI), DIO1 (MISO), DIO2
 * (WP#, held high) and DIO3 (HOLD#, held high), hardware.md. */
#define PIN_CS WIS_NRF(0, 26)
#define PIN_CLK WIS_NRF(0, 3)
#define PIN_MOSI WIS_NRF(0, 30)
#define PIN_MISO WIS_NRF(0, 29)
#define PIN_WP WIS_NRF(0, 28)
#define PIN_HOLD WIS_NRF(0, 2)
/* SPI clock for the chip: well inside the IS25LP080D's 133 MHz and the
 * SPIM's 8 MHz. */
#define FLASH_SPI_HZ 8000000u
/* Internal store: bytes programmed per main-loop turn (256 words, about
 * 10 ms of NVMC time), so other requests keep being served. */
#define IFLASH_PROG_STEP 1024u

static struct wisfw_core *core_of(void *ctx)
{
	return ctx;
}

static int io_xfer(void *ctx, const uint8_t *tx, size_t ntx, uint8_t *rx, size_t nrx)
{
	struct wisfw_core *c = core_of(ctx);
	const struct wisfw_hal *h = c->hal;
	uint8_t st = WIS_ST_OK;
	h->gpio->write(h->ctx, PIN_CS, 0);
	/* The hook takes at most 1 KiB per call (its blocking bound). */
	for (size_t off = 0; st == WIS_ST_OK && off < ntx; off += 1024) {
		size_t n = ntx - off < 1024 ? ntx - off : 1024;
		st = h->spi->transfer(h->ctx, tx + off, NULL, n);
	}
	for (size_t off = 0; st == WIS_ST_OK && off < nrx; off += 1024) {
		size_t n = nrx - off < 1024 ? nrx - off : 1024;
		st = h->spi->transfer(h->ctx, NULL, rx + off, n);
	}
	h->gpio->write(h->ctx, PIN_CS, 1);
	return st == WIS_ST_OK ? 0 : -1;
}

static uint32_t io_now(void *ctx)
{
	struct wisfw_core *c = core_of(ctx);
	return (uint32_t)c->hal->time->now_us(c->hal->ctx);
}

/* The driver asks for at most 100 µs (tDP, tRES1, reset recovery), only
 * while probing or waking the chip.  Bounded by a turn count too, so a
 * clock that does not move (core tests) cannot hang it. */
static void io_delay(void *ctx, uint32_t us)
{
	struct wisfw_core *c = core_of(ctx);
	uint64_t end = c->hal->time->now_us(c->hal->ctx) + us;
	for (uint32_t i = 0; i < 100000u && c->hal->time->now_us(c->hal->ctx) < end; i++)
		;
}

static const uint8_t flash_pins[] = {PIN_CS, PIN_CLK, PIN_MOSI, PIN_MISO, PIN_WP, PIN_HOLD};
#define NPINS (sizeof flash_pins / sizeof flash_pins[0])

/* Claims the six pins for the flash, or names the one held elsewhere. */
static uint8_t claim_pins(struct wisfw_core *c)
{
	uint8_t st;
	for (size_t i = 0; i < NPINS; i++)
		if ((st = wisfw_claim_check(c, flash_pins[i], WIS_OWNER_FLASH)) != WIS_ST_OK) {
			wisfw_d_str(c, " (the flash chip needs it)");
			return st;
		}
	const struct wisfw_gpio *g = c->hal->gpio;
	void *x = c->hal->ctx;
	for (size_t i = 0; i < NPINS; i++) {
		c->pins[flash_pins[i]].owner = WIS_OWNER_FLASH;
		c->pins[flash_pins[i]].mode =
		    flash_pins[i] == PIN_MISO ? WIS_GPIO_INPUT : WIS_GPIO_OUTPUT;
	}
	/* Levels first, so CS, WP# and HOLD# never glitch low. */
	g->write(x, PIN_CS, 1);
	g->write(x, PIN_WP, 1);
	g->write(x, PIN_HOLD, 1);
	g->write(x, PIN_CLK, 0);
	for (size_t i = 0; i < NPINS; i++)
		g->config(x, flash_pins[i], c->pins[flash_pins[i]].mode);
	return WIS_ST_OK;
}

static void release_pins(struct wisfw_core *c)
{
	for (size_t i = 0; i < NPINS; i++)
		if (c->pins[flash_pins[i]].owner == WIS_OWNER_FLASH)
			wisfw_pin_release(c, flash_pins[i]);
}

static uint8_t use_internal(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	if (!c->hal->iflash) {
		f->store = WISFW_FLASH_NONE;
		wisfw_d_str(c, "no flash chip fitted, and this port has no hal.iflash for the "
		               "internal fallback store");
		return WIS_ST_NOT_FITTED;
	}
	f->store = WISFW_FLASH_INTERNAL;
	f->size = WISFW_IFLASH_STORE_SIZE;
	f->unit = c->hal->iflash->page_size;
	f->page = 4; /* the NVMC programs 32-bit words */
	return WIS_ST_OK;
}

/* Finds the store: probes the chip (holding the pins only if one answers). */
static uint8_t probe(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	if (!c->hal->spi || !c->hal->gpio)
		return use_internal(c);
	uint8_t st = claim_pins(c);
	if (st != WIS_ST_OK)
		return st;
	f->io = (struct spinor_io){c, io_xfer, io_now, io_delay};
	spinor_init(&f->nor, &f->io);
	c->hal->spi->configure(c->hal->ctx, FLASH_SPI_HZ, 0);
	int r = spinor_probe(&f->nor);
	if (r == SPINOR_E_NOT_FITTED) {
		release_pins(c);
		return use_internal(c);
	}
	if (r != SPINOR_OK) {
		release_pins(c);
		wisfw_d_str(c, "flash probe: ");
		wisfw_d_str(c, spinor_strerror(r));
		return WIS_ST_HW_ERROR;
	}
	f->store = WISFW_FLASH_EXTERNAL;
	f->size = f->nor.info.size;
	f->unit = f->nor.info.erase_size[0];
	f->page = f->nor.info.page_size;
	return WIS_ST_OK;
}

uint8_t wisfw_flash_ready(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	/* A RELEASE of one of its pins took the chip away: find it again. */
	if (f->store == WISFW_FLASH_EXTERNAL && c->pins[PIN_CS].owner != WIS_OWNER_FLASH) {
		release_pins(c);
		f->store = WISFW_FLASH_UNPROBED;
	}
	if (f->store == WISFW_FLASH_UNPROBED || f->store == WISFW_FLASH_NONE)
		return probe(c);
	return WIS_ST_OK;
}

uint8_t wisfw_flash_release(struct wisfw_core *c)
{
	if (c->flash.op) {
		wisfw_d_str(c, "RELEASE: the flash pins are busy with ");
		wisfw_d_str(c, wis_op_name(c->flash.op));
		return WIS_ST_BUSY;
	}
	release_pins(c);
	c->flash.store = WISFW_FLASH_UNPROBED;
	return WIS_ST_OK;
}

void wisfw_flash_forget(struct wisfw_core *c)
{
	c->flash.store = WISFW_FLASH_UNPROBED;
	c->flash.op = 0;
	c->flash.phase = 0; /* no phase: a streamed read ends with the module */
	c->flash.next_ticket = -1;
	c->flash.wq_ticket = -1; /* its slot is freed with the running one's */
	c->flash.i_op = 0;
}

/* Status of a driver error, with its text in the detail. */
uint8_t wisfw_flash_nor_status(struct wisfw_core *c, int r)
{
	wisfw_d_str(c, "flash chip: ");
	wisfw_d_str(c, spinor_strerror(r));
	switch (r) {
	case SPINOR_E_TIMEOUT:
		return WIS_ST_HW_TIMEOUT;
	case SPINOR_E_RANGE:
	case SPINOR_E_ALIGN:
	case SPINOR_E_INVAL:
		return WIS_ST_BAD_ARG;
	case SPINOR_E_STATE:
		return WIS_ST_BUSY;
	case SPINOR_E_PROTECTED:
		return WIS_ST_WRONG_MODE;
	default:
		return WIS_ST_HW_ERROR;
	}
}

uint8_t wisfw_flash_read(struct wisfw_core *c, uint32_t addr, uint8_t *buf, size_t n)
{
	struct wisfw_flash *f = &c->flash;
	if (f->store == WISFW_FLASH_EXTERNAL) {
		int r = spinor_read(&f->nor, addr, buf, n);
		return r == SPINOR_OK ? WIS_ST_OK : wisfw_flash_nor_status(c, r);
	}
	uint8_t st = c->hal->iflash->read(c->hal->ctx, WISFW_IFLASH_STORE_BASE + addr, buf, n);
	if (st != WIS_ST_OK)
		wisfw_d_str(c, "internal flash read failed");
	return st;
}

uint8_t wisfw_flash_erase_start(struct wisfw_core *c, uint32_t addr, uint32_t len)
{
	struct wisfw_flash *f = &c->flash;
	if (f->store == WISFW_FLASH_EXTERNAL) {
		int r = spinor_erase_start(&f->nor, addr, len);
		return r == SPINOR_BUSY || r == SPINOR_OK ? WIS_ST_OK
		                                          : wisfw_flash_nor_status(c, r);
	}
	f->i_op = 1;
	f->i_addr = addr;
	f->i_left = len;
	return WIS_ST_OK;
}

uint8_t wisfw_flash_program_start(struct wisfw_core *c, uint32_t addr, const uint8_t *p, uint32_t n)
{
	struct wisfw_flash *f = &c->flash;
	if (f->store == WISFW_FLASH_EXTERNAL) {
		int r = spinor_write_start(&f->nor, addr, p, n);
		return r == SPINOR_BUSY || r == SPINOR_OK ? WIS_ST_OK
		                                          : wisfw_flash_nor_status(c, r);
	}
	f->i_op = 2;
	f->i_addr = addr;
	f->i_left = n;
	f->i_src = p;
	return WIS_ST_OK;
}

/* Programs up to IFLASH_PROG_STEP bytes.  The NVMC writes whole aligned
 * words: a partial word is padded with 0xFF, which leaves those bytes as
 * they were (programming only clears bits). */
static uint8_t iflash_prog_step(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	uint8_t w[IFLASH_PROG_STEP + 8];
	uint32_t lead = f->i_addr & 3u;
	uint32_t n = f->i_left < IFLASH_PROG_STEP ? f->i_left : IFLASH_PROG_STEP;
	uint32_t total = (lead + n + 3u) & ~3u;
	for (uint32_t i = 0; i < total; i++)
		w[i] = 0xff;
	for (uint32_t i = 0; i < n; i++)
		w[lead + i] = f->i_src[i];
	uint8_t st = c->hal->iflash->program(c->hal->ctx,
	                                     WISFW_IFLASH_STORE_BASE + f->i_addr - lead, w, total);
	f->i_addr += n;
	f->i_src += n;
	f->i_left -= n;
	return st;
}

/* WIS_ST_OK when the started step is done, WISFW_ST_DEFER while it runs,
 * another status (detail set) when it failed. */
uint8_t wisfw_flash_store_poll(struct wisfw_core *c)
{
	struct wisfw_flash *f = &c->flash;
	if (f->store == WISFW_FLASH_EXTERNAL) {
		int r = spinor_poll(&f->nor);
		if (r == SPINOR_BUSY)
			return WISFW_ST_DEFER;
		return r == SPINOR_OK ? WIS_ST_OK : wisfw_flash_nor_status(c, r);
	}
	if (f->i_op == 0 || f->i_left == 0) {
		f->i_op = 0;
		return WIS_ST_OK;
	}
	uint8_t st;
	if (f->i_op == 1) {
		st = c->hal->iflash->erase_page(c->hal->ctx, WISFW_IFLASH_STORE_BASE + f->i_addr);
		f->i_addr += f->unit;
		f->i_left -= f->unit;
	} else {
		st = iflash_prog_step(c);
	}
	if (st != WIS_ST_OK) {
		f->i_op = 0;
		wisfw_d_str(c, "internal flash (NVMC) ");
		wisfw_d_str(c, st == WIS_ST_HW_TIMEOUT ? "timed out" : "failed");
		return st;
	}
	return f->i_left ? WISFW_ST_DEFER : (f->i_op = 0, WIS_ST_OK);
}

bool wisfw_flash_store_busy(const struct wisfw_core *c)
{
	const struct wisfw_flash *f = &c->flash;
	return f->store == WISFW_FLASH_EXTERNAL ? spinor_busy(&f->nor) : f->i_op != 0;
}
