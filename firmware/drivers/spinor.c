/*
 * SPI NOR flash driver (see spinor.h): probe by JEDEC ID and SFDP (JESD216),
 * bounded waits on WIP, non-blocking page program and erase, BP-bit write
 * protection, deep power-down.  Design and datasheet citations: docs/flash.md.
 */
#include "spinor_priv.h"

#include <string.h>

/* Poll interval of the blocking wrappers: short against tPP (~200 us). */
#define POLL_US 20u

void spinor_init(struct spinor *d, const struct spinor_io *io)
{
	memset(d, 0, sizeof(*d));
	d->io = io;
}

int spinor_xfer(struct spinor *d, const uint8_t *tx, size_t ntx, uint8_t *rx, size_t nrx)
{
	return d->io->xfer(d->io->ctx, tx, ntx, rx, nrx) == 0 ? SPINOR_OK : SPINOR_E_IO;
}

int spinor_cmd1(struct spinor *d, uint8_t op)
{
	return spinor_xfer(d, &op, 1, NULL, 0);
}

void spinor_put_addr(uint8_t *p, uint8_t op, uint32_t addr)
{
	p[0] = op;
	p[1] = (uint8_t)(addr >> 16);
	p[2] = (uint8_t)(addr >> 8);
	p[3] = (uint8_t)addr;
}

static uint32_t elapsed(const struct spinor *d, uint32_t since)
{
	return d->io->now_us(d->io->ctx) - since; /* unsigned: wrap-safe */
}

int spinor_read_status(struct spinor *d, uint8_t *sr)
{
	uint8_t op = SPINOR_CMD_RDSR;

	if (d->asleep)
		return SPINOR_E_ASLEEP;
	return spinor_xfer(d, &op, 1, sr, 1);
}

int spinor_read_id(struct spinor *d, uint8_t id[3])
{
	uint8_t op = SPINOR_CMD_RDID;

	if (d->asleep)
		return SPINOR_E_ASLEEP;
	return spinor_xfer(d, &op, 1, id, 3);
}

/* ---- read ---- */

static int check_ready(struct spinor *d)
{
	if (!d->probed)
		return SPINOR_E_NOT_PROBED;
	if (d->asleep)
		return SPINOR_E_ASLEEP;
	return SPINOR_OK;
}

static int check_range(const struct spinor *d, uint32_t addr, size_t len)
{
	if (addr > d->info.size || len > d->info.size - addr)
		return SPINOR_E_RANGE; /* never wrap around the top */
	return SPINOR_OK;
}

int spinor_read(struct spinor *d, uint32_t addr, void *buf, size_t len)
{
	uint8_t tx[5];
	int rc = check_ready(d);

	if (rc == SPINOR_OK)
		rc = check_range(d, addr, len);
	if (rc != SPINOR_OK)
		return rc;
	/* Reads are not allowed while a program/erase runs: the chip
	 * ignores everything but RDSR until WIP clears. */
	if (d->op != SPINOR_OP_NONE)
		return SPINOR_E_STATE;
	if (len == 0)
		return SPINOR_OK;
	/* FAST READ (0x0B): one dummy byte; valid at any SPI clock. */
	spinor_put_addr(tx, SPINOR_CMD_FAST_READ, addr);
	tx[4] = 0xFF;
	return spinor_xfer(d, tx, sizeof(tx), buf, len);
}

/* ---- write protection (status register BP bits) ---- */

/* Range covered by bp (the BP field, SR[5:2]).  ISSI top scheme (IS25LP080D
 * datasheet, block protection table, TBS = 0): BP = 0 none, BP = n covers
 * the top 2^(n-1) 64 KiB blocks, capped at the whole chip. */
static void bp_range(const struct spinor_info *in, uint8_t bp, uint32_t *start, uint32_t *len)
{
	*start = *len = 0;
	if (bp == 0)
		return;
	uint32_t n = bp - 1u >= 16u ? 0 : 65536u << (bp - 1u);

	if (in->bp_scheme != SPINOR_BP_ISSI_TOP || n == 0 || n >= in->size) {
		*start = 0; /* unknown scheme: assume all */
		*len = in->size;
		return;
	}
	*start = in->size - n;
	*len = n;
}

int spinor_protected_range(struct spinor *d, uint32_t *start, uint32_t *len)
{
	uint8_t sr;
	int rc = check_ready(d);

	if (rc == SPINOR_OK)
		rc = spinor_read_status(d, &sr);
	if (rc != SPINOR_OK)
		return rc;
	bp_range(&d->info, (uint8_t)((sr & SPINOR_SR_BP_MASK) >> SPINOR_SR_BP_SHIFT), start, len);
	return SPINOR_OK;
}

static int check_unprotected(struct spinor *d, uint32_t addr, uint32_t len)
{
	uint32_t ps, pl;
	int rc = spinor_protected_range(d, &ps, &pl);

	if (rc != SPINOR_OK)
		return rc;
	if (pl != 0 && addr < ps + pl && ps < addr + len)
		return SPINOR_E_PROTECTED;
	return SPINOR_OK;
}

/* ---- program / erase state machine ---- */

/* WREN, then check that WEL latched (it does not while busy or asleep, or
 * when the chip is gone). */
static int write_enable(struct spinor *d)
{
	uint8_t sr;
	int rc = spinor_cmd1(d, SPINOR_CMD_WREN);

	if (rc == SPINOR_OK)
		rc = spinor_read_status(d, &sr);
	if (rc == SPINOR_OK && (sr & (SPINOR_SR_WEL | SPINOR_SR_WIP)) != SPINOR_SR_WEL)
		rc = SPINOR_E_WEL;
	return rc;
}

static void op_end(struct spinor *d)
{
	d->op = SPINOR_OP_NONE;
	d->step_running = false;
	d->left = 0;
}

static void step_begin(struct spinor *d, uint32_t len, uint32_t max_us)
{
	d->step_len = len;
	d->step_max_us = max_us;
	d->step_start = d->io->now_us(d->io->ctx);
	d->step_polls = 0;
	d->step_running = true;
}

/* One page program: never crosses a page boundary (the chip would wrap to
 * the start of the page, datasheet "Page Program"). */
static int issue_program(struct spinor *d)
{
	uint8_t tx[4 + 256];
	uint32_t page = d->info.page_size > 256 ? 256 : d->info.page_size;
	uint32_t n = page - d->addr % page;

	if (n > d->left)
		n = d->left;
	spinor_put_addr(tx, SPINOR_CMD_PP, d->addr);
	memcpy(tx + 4, d->src, n);
	int rc = write_enable(d);

	if (rc == SPINOR_OK)
		rc = spinor_xfer(d, tx, 4 + n, NULL, 0);
	if (rc == SPINOR_OK)
		step_begin(d, n, d->info.pp_max_us);
	return rc;
}

/* The largest erase type that is aligned here and fits; whole chip: CE. */
static int issue_erase(struct spinor *d)
{
	uint8_t tx[4];
	int k = -1, rc;

	if (d->addr == 0 && d->left == d->info.size) {
		rc = write_enable(d);
		if (rc == SPINOR_OK)
			rc = spinor_cmd1(d, SPINOR_CMD_CE);
		if (rc == SPINOR_OK)
			step_begin(d, d->left, d->info.ce_max_us);
		return rc;
	}
	for (int i = 0; i < d->info.n_erase; i++)
		if (d->addr % d->info.erase_size[i] == 0 && d->left >= d->info.erase_size[i])
			k = i;
	if (k < 0)
		return SPINOR_E_ALIGN; /* cannot happen after erase_start's check */
	spinor_put_addr(tx, d->info.erase_op[k], d->addr);
	rc = write_enable(d);
	if (rc == SPINOR_OK)
		rc = spinor_xfer(d, tx, sizeof(tx), NULL, 0);
	if (rc == SPINOR_OK)
		step_begin(d, d->info.erase_size[k], d->info.erase_max_us[k]);
	return rc;
}

static int issue_next(struct spinor *d)
{
	int rc = d->op == SPINOR_OP_WRITE ? issue_program(d) : issue_erase(d);

	if (rc != SPINOR_OK) {
		op_end(d);
		return rc;
	}
	return SPINOR_BUSY;
}

/* The previous command finished: WEL must be clear again (the chip clears
 * it on completion); still set means the chip ignored the command. */
static int step_done(struct spinor *d, uint8_t sr)
{
	d->step_running = false;
	if (sr & SPINOR_SR_WEL) {
		(void)spinor_cmd1(d, SPINOR_CMD_WRDI);
		return SPINOR_E_REJECTED;
	}
	if (d->src)
		d->src += d->step_len;
	d->addr += d->step_len;
	d->left -= d->step_len;
	return SPINOR_OK;
}

int spinor_poll(struct spinor *d)
{
	uint8_t sr;
	int rc;

	if (d->op == SPINOR_OP_NONE)
		return SPINOR_OK;
	/* The time is taken before the status is read: WIP then proves the
	 * chip was still busy that long.  Taken after, a pause between the two
	 * (an interrupt, a descheduled simulator) would blame the chip. */
	uint32_t took = elapsed(d, d->step_start);
	rc = spinor_read_status(d, &sr);
	if (rc == SPINOR_OK && (sr & SPINOR_SR_WIP)) {
		if (took <= d->step_max_us)
			return SPINOR_BUSY;
		rc = SPINOR_E_TIMEOUT;
	}
	if (rc == SPINOR_OK && d->step_running)
		rc = step_done(d, sr);
	if (rc != SPINOR_OK || d->left == 0) {
		op_end(d);
		return rc;
	}
	return issue_next(d);
}

bool spinor_busy(const struct spinor *d)
{
	return d->op != SPINOR_OP_NONE;
}

static int op_start(struct spinor *d, enum spinor_op op, uint32_t addr, uint32_t len)
{
	int rc = check_ready(d);

	if (rc == SPINOR_OK && d->op != SPINOR_OP_NONE)
		rc = SPINOR_E_STATE;
	if (rc == SPINOR_OK)
		rc = check_range(d, addr, len);
	if (rc == SPINOR_OK && len > 0)
		rc = check_unprotected(d, addr, len);
	if (rc != SPINOR_OK || len == 0)
		return rc;
	d->op = op;
	d->addr = addr;
	d->left = len;
	d->src = NULL;
	d->step_running = false;
	return SPINOR_OK;
}

int spinor_write_start(struct spinor *d, uint32_t addr, const void *buf, size_t len)
{
	if (len > UINT32_MAX || (!buf && len))
		return SPINOR_E_INVAL;
	int rc = op_start(d, SPINOR_OP_WRITE, addr, (uint32_t)len);

	if (rc != SPINOR_OK || len == 0)
		return rc;
	d->src = buf;
	return issue_next(d);
}

int spinor_erase_start(struct spinor *d, uint32_t addr, uint32_t len)
{
	if (d->probed && d->info.n_erase > 0) {
		uint32_t unit = d->info.erase_size[0];

		/* Erase works on whole units only: refuse, never round. */
		if (addr % unit != 0 || len % unit != 0)
			return SPINOR_E_ALIGN;
	}
	int rc = op_start(d, SPINOR_OP_ERASE, addr, len);

	if (rc != SPINOR_OK || len == 0)
		return rc;
	return issue_next(d);
}

int spinor_chip_erase_start(struct spinor *d)
{
	int rc = check_ready(d);

	return rc != SPINOR_OK ? rc : spinor_erase_start(d, 0, d->info.size);
}

int spinor_wait(struct spinor *d)
{
	for (;;) {
		int rc = spinor_poll(d);

		if (rc != SPINOR_BUSY)
			return rc;
		/* Also bounded if the port's clock is stuck: count delays. */
		if (++d->step_polls > d->step_max_us / POLL_US + 100u) {
			op_end(d);
			return SPINOR_E_TIMEOUT;
		}
		d->io->delay_us(d->io->ctx, POLL_US);
	}
}

int spinor_write(struct spinor *d, uint32_t addr, const void *buf, size_t len)
{
	int rc = spinor_write_start(d, addr, buf, len);

	return rc == SPINOR_BUSY ? spinor_wait(d) : rc;
}

int spinor_erase(struct spinor *d, uint32_t addr, uint32_t len)
{
	int rc = spinor_erase_start(d, addr, len);

	return rc == SPINOR_BUSY ? spinor_wait(d) : rc;
}

/* WRSR keeps SRWD/QE, replaces BP3..BP0; busy for up to tW. */
int spinor_set_bp(struct spinor *d, uint8_t bp)
{
	uint8_t tx[2] = {SPINOR_CMD_WRSR, 0}, sr;
	int rc = check_ready(d);

	if (rc == SPINOR_OK && d->op != SPINOR_OP_NONE)
		rc = SPINOR_E_STATE;
	if (rc == SPINOR_OK && bp > SPINOR_SR_BP_MASK >> SPINOR_SR_BP_SHIFT)
		rc = SPINOR_E_INVAL;
	if (rc == SPINOR_OK)
		rc = spinor_read_status(d, &sr);
	if (rc == SPINOR_OK)
		rc = write_enable(d);
	if (rc != SPINOR_OK)
		return rc;
	tx[1] = (uint8_t)((sr & 0xC0) | (bp << SPINOR_SR_BP_SHIFT));
	rc = spinor_xfer(d, tx, sizeof(tx), NULL, 0);
	if (rc != SPINOR_OK)
		return rc;
	d->op = SPINOR_OP_WRSR;
	d->addr = 0;
	d->src = NULL;
	step_begin(d, 0, d->info.wrsr_max_us);
	return spinor_wait(d);
}

/* ---- power ---- */

int spinor_sleep(struct spinor *d)
{
	int rc = check_ready(d);

	if (rc == SPINOR_OK && d->op != SPINOR_OP_NONE)
		rc = SPINOR_E_STATE;
	if (rc == SPINOR_OK)
		rc = spinor_cmd1(d, SPINOR_CMD_DP);
	if (rc != SPINOR_OK)
		return rc;
	d->io->delay_us(d->io->ctx, d->info.dp_us); /* tDP: CS high to DPD */
	d->asleep = true;
	return SPINOR_OK;
}

int spinor_wake(struct spinor *d)
{
	int rc = spinor_cmd1(d, SPINOR_CMD_RDP);

	if (rc != SPINOR_OK)
		return rc;
	d->io->delay_us(d->io->ctx, d->info.res_us); /* tRES1: CS high to standby */
	d->asleep = false;
	return SPINOR_OK;
}

int spinor_reset(struct spinor *d)
{
	int rc = d->asleep ? SPINOR_E_ASLEEP : spinor_cmd1(d, SPINOR_CMD_RSTEN);

	if (rc == SPINOR_OK)
		rc = spinor_cmd1(d, SPINOR_CMD_RST);
	if (rc != SPINOR_OK)
		return rc;
	op_end(d);
	d->io->delay_us(d->io->ctx, d->info.rst_us);
	return SPINOR_OK;
}

const char *spinor_strerror(int status)
{
	switch (status) {
	case SPINOR_OK:
		return "ok";
	case SPINOR_BUSY:
		return "busy";
	case SPINOR_E_IO:
		return "SPI transaction failed";
	case SPINOR_E_NOT_FITTED:
		return "no flash chip fitted (JEDEC ID all 0x00 or 0xFF)";
	case SPINOR_E_UNKNOWN:
		return "unknown flash chip (no SFDP, unknown JEDEC ID)";
	case SPINOR_E_TIMEOUT:
		return "flash still busy after the datasheet maximum time";
	case SPINOR_E_ALIGN:
		return "range is not aligned to the erase unit";
	case SPINOR_E_RANGE:
		return "offset or length outside the flash";
	case SPINOR_E_PROTECTED:
		return "range is write-protected by the status register BP bits";
	case SPINOR_E_ASLEEP:
		return "flash is in deep power-down";
	case SPINOR_E_STATE:
		return "a program or erase is still running";
	case SPINOR_E_WEL:
		return "write enable did not latch";
	case SPINOR_E_REJECTED:
		return "flash ignored the command (WEL still set)";
	case SPINOR_E_NOT_PROBED:
		return "flash not probed";
	case SPINOR_E_INVAL:
		return "invalid argument";
	default:
		return "unknown error";
	}
}
