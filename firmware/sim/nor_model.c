/*
 * IS25LP080D command-level model (see nor_model.h).  The rules and their
 * datasheet sections are listed in docs/flash.md; comments here say which
 * rule a branch implements.
 */
#include "nor_model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SR_WIP 0x01u
#define SR_WEL 0x02u
#define SR_BP_SHIFT 2
#define SR_BP_MASK 0x3Cu
#define SR_WRITABLE 0xFCu /* WRSR writes SRWD, QE, BP3..BP0 */

#define MFR_ID 0x9Du  /* ISSI */
#define TYPE_ID 0x60u /* IS25LP, 3 V */
#define CAP_ID 0x14u  /* 2^20 bytes */
#define DEV_ID 0x13u  /* 0xAB / 0x90 device ID of the 8 Mbit part */

/* Datasheet typical times: tPP 0.2 ms, tSE 70 ms, tBE32 0.1 s, tBE64 0.15 s,
 * tCE 1 s, tW 2 ms; tDP 3 us, tRES1 5 us; software-reset recovery modelled
 * as 35 us (docs/flash.md: which of these still need a check).  Checked
 * 2026-11-30: the ID 9D 60 14 with 16 x 64 KiB blocks and 4 KiB sectors
 * matches Linux's spi-nor ISSI table ("is25lp080d", INFO(0x9d6014, 0,
 * 64 * 1024, 16), SECT_4K) and RAK's RAK4631 Arduino variant
 * (EXTERNAL_FLASH_DEVICES IS25LP080D); no public copy of the IS25LP080D
 * datasheet's AC table or of a real chip's SFDP dump was found to check
 * the times and the SFDP bytes against, so they stay as they were. */
void nor_model_timing_default(struct nor_model_timing *t)
{
	t->pp_us = 200;
	t->se_us = 70000;
	t->be32_us = 100000;
	t->be64_us = 150000;
	t->ce_us = 1000000;
	t->wrsr_us = 2000;
	t->dp_us = 3;
	t->res_us = 5;
	t->rst_us = 35;
}

/* ---- SFDP (JESD216B): header, one parameter header, 16-DWORD BFPT ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* BFPT DWORDs; field layout per JESD216B section 6.4, values from the
 * IS25LP080D feature list and typical times (docs/flash.md, "SFDP"). */
static const uint32_t bfpt[16] = {
    /* 1: 4K erase uniform (01b), write granularity >= 64 B, volatile SR
     * no; 4K opcode 20h; 1-1-2, DTR, 1-2-2, 1-4-4, 1-1-4 supported;
     * 3-byte addresses only. */
    0xFFF920E5u,
    /* 2: density, bits - 1: 8 Mbit. */
    0x007FFFFFu,
    /* 3: 1-4-4 EBh 4 wait + 2 mode clocks; 1-1-4 6Bh 8 wait clocks. */
    0x6B08EB44u,
    /* 4: 1-1-2 3Bh 8 wait clocks; 1-2-2 BBh 0 wait + 4 mode clocks. */
    0xBB803B08u,
    /* 5: 2-2-2 no, 4-4-4 (QPI) yes. */
    0xFFFFFFFEu,
    /* 6: 2-2-2 not supported. */
    0x0000FFFFu,
    /* 7: 4-4-4 EBh 4 wait + 2 mode clocks. */
    0xEB44FFFFu,
    /* 8: erase type 1 2^12 B 20h, type 2 2^15 B 52h. */
    0x520F200Cu,
    /* 9: erase type 3 2^16 B D8h, type 4 absent. */
    0x0000D810u,
    /* 10: max = 2*(3+1) * typical; typ 4K 5*16 ms, 32K 7*16 ms,
     * 64K 10*16 ms, type 4 none. */
    (3u << 0) | (((1u << 5) | 4u) << 4) | (((1u << 5) | 6u) << 11) | (((1u << 5) | 9u) << 18),
    /* 11: max = 2*(2+1) * typical; page 2^8; PP typ 4*64 us; first byte
     * 8*1 us; next byte 1*1 us; chip erase 4*256 ms. */
    (2u << 0) | (8u << 4) | (((1u << 5) | 3u) << 8) | (7u << 14) | (0u << 19) |
        (((1u << 5) | 3u) << 24) | (1u << 31),
    /* 12-13: program/erase suspend (75h) and resume (7Ah) supported. */
    0x7FEEC1ECu,
    0x757A757Au,
    /* 14: deep power-down supported, enter B9h, exit ABh, exit delay
     * 5*1 us; status polling through 05h bit 0. */
    (0xB9u << 23) | (0xABu << 15) | (1u << 13) | (4u << 8) | 0xF7u,
    /* 15: quad enable = SR bit 6 set by 01h with one byte (QER 010b). */
    (2u << 20),
    /* 16: no 4-byte mode; soft reset 66h + 99h; SR1 non-volatile. */
    (0x10u << 8) | 0x81u,
};

static void sfdp_build(uint8_t *s)
{
	memset(s, 0xFF, NOR_MODEL_SFDP_SIZE);
	/* Header: "SFDP", revision 1.6 (JESD216B), 1 parameter header (NPH
	 * is zero-based), access protocol FFh (legacy). */
	put32(s, 0x50444653u);
	s[4] = 0x06;
	s[5] = 0x01;
	s[6] = 0x00;
	s[7] = 0xFF;
	/* JEDEC BFPT header: ID LSB 00h, rev 1.6, 16 DWORDs at 0x30, ID MSB FFh. */
	const uint8_t ph[8] = {0x00, 0x06, 0x01, 16, 0x30, 0x00, 0x00, 0xFF};
	memcpy(s + 8, ph, sizeof(ph));
	for (int i = 0; i < 16; i++)
		put32(s + 0x30 + 4 * i, bfpt[i]);
}

/* ---- array, backing file, wear ---- */

static void persist(struct nor_model *m, uint32_t addr, uint32_t len)
{
	if (m->fd < 0)
		return;
	if (pwrite(m->fd, m->mem + addr, len, (off_t)addr) != (ssize_t)len)
		m->io_errors++;
}

static int open_image(struct nor_model *m, const char *path)
{
	struct stat st;

	m->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (m->fd < 0 || fstat(m->fd, &st) != 0)
		return -1;
	if (st.st_size == 0) {
		persist(m, 0, NOR_MODEL_SIZE); /* a new chip: all 0xFF */
		return m->io_errors ? -1 : 0;
	}
	if (st.st_size != (off_t)NOR_MODEL_SIZE) {
		errno = EINVAL; /* not an image of this part */
		return -1;
	}
	if (pread(m->fd, m->mem, NOR_MODEL_SIZE, 0) != (ssize_t)NOR_MODEL_SIZE) {
		errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

int nor_model_init(struct nor_model *m, enum nor_model_presence presence, const char *image)
{
	memset(m, 0, sizeof(*m));
	m->presence = presence;
	m->fd = -1;
	nor_model_timing_default(&m->t);
	sfdp_build(m->sfdp);
	m->jedec[0] = MFR_ID;
	m->jedec[1] = TYPE_ID;
	m->jedec[2] = CAP_ID;
	m->mem = malloc(NOR_MODEL_SIZE);
	if (!m->mem)
		return -1;
	memset(m->mem, 0xFF, NOR_MODEL_SIZE); /* shipped erased */
	if (image && open_image(m, image) != 0) {
		int e = errno;

		nor_model_fini(m);
		errno = e;
		return -1;
	}
	return 0;
}

void nor_model_fini(struct nor_model *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	free(m->mem);
	m->mem = NULL;
}

const uint8_t *nor_model_mem(const struct nor_model *m)
{
	return m->mem;
}

/* ---- time and status ---- */

/* WIP clears when the operation's time is up; WEL with it (datasheet:
 * "the WEL bit is reset at the completion of" PP, SE, BE, CE and WRSR). */
static void settle(struct nor_model *m)
{
	if (m->busy && !m->stuck && m->now >= m->busy_until) {
		m->busy = false;
		m->sr &= (uint8_t)~SR_WEL;
	}
}

void nor_model_set_time(struct nor_model *m, uint64_t now_us)
{
	if (now_us > m->now)
		m->now = now_us;
	settle(m);
}

void nor_model_advance(struct nor_model *m, uint64_t us)
{
	nor_model_set_time(m, m->now + us);
}

void nor_model_set_stuck(struct nor_model *m, bool stuck)
{
	m->stuck = stuck;
	if (stuck)
		m->busy = true;
	settle(m);
}

uint8_t nor_model_status(struct nor_model *m)
{
	settle(m);
	return (uint8_t)(m->sr | (m->busy ? SR_WIP : 0));
}

static void start_busy(struct nor_model *m, uint32_t us)
{
	m->busy = true;
	m->busy_until = m->now + us;
}

/* BP3..BP0 with TBS = 0: the top 2^(BP-1) 64 KiB blocks, capped at all
 * (datasheet, block protection table). */
static bool protected_range(const struct nor_model *m, uint32_t addr, uint32_t len)
{
	unsigned bp = (m->sr & SR_BP_MASK) >> SR_BP_SHIFT;

	if (bp == 0)
		return false;
	uint32_t n = bp - 1 >= 4 ? NOR_MODEL_SIZE : 65536u << (bp - 1);
	uint32_t start = NOR_MODEL_SIZE - n;

	return addr + len > start;
}

/* ---- bus: command start, per-byte output, command end ---- */

void nor_model_select(struct nor_model *m)
{
	settle(m);
	m->selected = true;
	m->ignored = false;
	m->n = 0;
	m->addr = 0;
	memset(m->page_set, 0, sizeof(m->page_set));
}

/* Which opcodes the chip decodes in its present state. */
static bool accepts(struct nor_model *m, uint8_t op)
{
	if (m->now < m->ready_at)
		return false; /* tRES1 / reset recovery: not ready */
	if (m->dpd)           /* only RDP, and only once tDP has passed */
		return op == 0xAB && m->now >= m->dpd_at;
	if (m->busy) /* RDSR, and reset to abort */
		return op == 0x05 || op == 0x66 || op == 0x99;
	return true;
}

static uint8_t data_out(struct nor_model *m, uint32_t first)
{
	uint32_t i = m->n - first;

	switch (m->op) {
	case 0x03:
	case 0x0B: /* the address counter wraps at the top of the array */
		return m->mem[(m->addr + i) & (NOR_MODEL_SIZE - 1)];
	case 0x5A: /* outside the table: FFh */
		return m->addr + i < NOR_MODEL_SFDP_SIZE ? m->sfdp[m->addr + i] : 0xFF;
	case 0x90: /* manufacturer, device, alternating; A0 picks the first */
		return ((m->addr + i) & 1) ? DEV_ID : MFR_ID;
	default:
		return 0xFF;
	}
}

static void latch_data(struct nor_model *m, uint8_t mosi)
{
	if (m->op == 0x02) {
		/* Page program: the column wraps inside the 256-byte page, so
		 * with more than 256 bytes the last 256 are kept. */
		uint32_t col = (m->addr + (m->n - 4)) & (NOR_MODEL_PAGE - 1);

		m->page[col] = mosi;
		m->page_set[col] = true;
	} else if (m->op == 0x01 && m->n == 1) {
		m->wrsr_val = mosi;
	}
}

static uint8_t byte_out(struct nor_model *m, uint8_t mosi)
{
	uint8_t op = m->op;

	if (op == 0x05)
		return nor_model_status(m); /* repeats while CS stays low */
	if (op == 0x9F)
		return m->n <= 3 ? m->jedec[m->n - 1] : 0xFF;
	if (op == 0xAB) /* 3 dummy bytes, then the device ID */
		return m->n >= 4 ? DEV_ID : 0xFF;
	bool addressed = op == 0x03 || op == 0x0B || op == 0x5A || op == 0x90 || op == 0x02 ||
	                 op == 0x20 || op == 0x52 || op == 0xD8;

	if (addressed && m->n <= 3) {
		m->addr = (m->addr << 8) | mosi;
		return 0xFF;
	}
	latch_data(m, mosi);
	/* FAST READ and SFDP clock one dummy byte before data. */
	uint32_t first = (op == 0x0B || op == 0x5A) ? 5 : 4;

	return m->n >= first ? data_out(m, first) : 0xFF;
}

uint8_t nor_model_byte(struct nor_model *m, uint8_t mosi)
{
	uint8_t out = 0xFF;

	if (m->presence != NOR_MODEL_FITTED)
		return m->presence == NOR_MODEL_ABSENT_00 ? 0x00 : 0xFF;
	if (!m->selected)
		return 0xFF; /* CS high: SO is high-impedance */
	if (m->n == 0) {
		m->op = mosi;
		m->ignored = !accepts(m, mosi);
	} else if (!m->ignored) {
		out = byte_out(m, mosi);
	}
	m->n++;
	return out;
}

/* ---- command execution at CS high ---- */

static void do_program(struct nor_model *m)
{
	uint32_t base = (m->addr & (NOR_MODEL_SIZE - 1)) & ~(NOR_MODEL_PAGE - 1);

	if (protected_range(m, base, NOR_MODEL_PAGE)) {
		m->n_ignored++; /* protected: not executed, WEL stays */
		return;
	}
	for (uint32_t c = 0; c < NOR_MODEL_PAGE; c++)
		if (m->page_set[c])
			m->mem[base + c] &= m->page[c]; /* only 1 -> 0 */
	persist(m, base, NOR_MODEL_PAGE);
	start_busy(m, m->t.pp_us);
}

static void do_erase(struct nor_model *m, uint32_t unit, uint32_t us)
{
	/* Any address inside the unit selects the whole unit. */
	uint32_t base = (m->addr & (NOR_MODEL_SIZE - 1)) & ~(unit - 1);

	if (protected_range(m, base, unit)) {
		m->n_ignored++;
		return;
	}
	memset(m->mem + base, 0xFF, unit);
	for (uint32_t s = base / NOR_MODEL_SECTOR; s < (base + unit) / NOR_MODEL_SECTOR; s++)
		m->wear[s]++;
	persist(m, base, unit);
	start_busy(m, us);
}

static void do_reset(struct nor_model *m)
{
	/* Aborts a running operation; the array keeps what was done. */
	m->busy = false;
	m->sr &= (uint8_t)~SR_WEL;
	m->ready_at = m->now + m->t.rst_us;
}

/* Program/erase/WRSR commands: run only with WEL set and the exact length
 * (CS must rise on the byte boundary after the last address or data byte). */
static void exec_write(struct nor_model *m)
{
	uint8_t op = m->op;
	uint32_t n = m->n;
	bool ok = (m->sr & SR_WEL) && ((op == 0x02 && n >= 5) || (op == 0x01 && n == 2) ||
	                               ((op == 0x20 || op == 0x52 || op == 0xD8) && n == 4) ||
	                               ((op == 0xC7 || op == 0x60) && n == 1));

	if (!ok) {
		m->n_ignored++;
		return;
	}
	if (op == 0x02) {
		do_program(m);
	} else if (op == 0x01) {
		m->sr = (uint8_t)((m->wrsr_val & SR_WRITABLE) | (m->sr & SR_WEL));
		start_busy(m, m->t.wrsr_us);
	} else if (op == 0x20) {
		do_erase(m, 4096, m->t.se_us);
	} else if (op == 0x52) {
		do_erase(m, 32768, m->t.be32_us);
	} else if (op == 0xD8) {
		do_erase(m, 65536, m->t.be64_us);
	} else if (m->sr & SR_BP_MASK) {
		m->n_ignored++; /* chip erase: refused if any block is protected */
	} else {
		do_erase(m, NOR_MODEL_SIZE, m->t.ce_us);
	}
}

static void exec_simple(struct nor_model *m)
{
	switch (m->op) {
	case 0x06:
		if (m->n == 1)
			m->sr |= SR_WEL;
		break;
	case 0x04:
		if (m->n == 1)
			m->sr &= (uint8_t)~SR_WEL;
		break;
	case 0xB9: /* deep power-down, reached tDP after CS high */
		if (m->n == 1) {
			m->dpd = true;
			m->dpd_at = m->now + m->t.dp_us;
		}
		break;
	case 0xAB: /* release: standby after tRES1 */
		if (m->dpd) {
			m->dpd = false;
			m->ready_at = m->now + m->t.res_us;
		}
		break;
	case 0x99:
		if (m->n == 1) /* the caller checked that 66h came just before */
			do_reset(m);
		break;
	default:
		exec_write(m);
		break;
	}
}

void nor_model_deselect(struct nor_model *m)
{
	bool was_rsten;

	if (m->presence != NOR_MODEL_FITTED || !m->selected)
		return;
	m->selected = false;
	settle(m);
	if (m->n == 0)
		return;
	if (m->ignored) {
		m->n_ignored++;
		return;
	}
	/* Reset-enable arms only the command that immediately follows. */
	was_rsten = m->rst_enabled;
	m->rst_enabled = m->op == 0x66 && m->n == 1;
	if (m->op == 0x99 && !was_rsten)
		return;
	if (m->op == 0x05 || m->op == 0x66 || m->op == 0x9F || m->op == 0x03 || m->op == 0x0B ||
	    m->op == 0x5A || m->op == 0x90)
		return; /* reads and ID: nothing to execute */
	exec_simple(m);
}

/* Bytes of a READ (03h) or FAST READ (0Bh) data phase that may follow now:
 * 0 unless the chip is past the address (and dummy) bytes of such a
 * command it accepted.  In that phase MOSI is ignored and MISO is the
 * array from the address counter on, so a run of bytes is a copy. */
static bool in_read_data(const struct nor_model *m)
{
	if (m->presence != NOR_MODEL_FITTED || !m->selected || m->n == 0 || m->ignored)
		return false;
	return (m->op == 0x03 && m->n >= 4) || (m->op == 0x0B && m->n >= 5);
}

/* k bytes of the data phase: what k calls of data_out would return, the
 * counter wrapping at the top of the array. */
static void read_run(struct nor_model *m, uint8_t *rx, size_t k)
{
	uint32_t at = (m->addr + (m->n - (m->op == 0x0B ? 5u : 4u))) & (NOR_MODEL_SIZE - 1);
	m->n += (uint32_t)k;
	while (k) {
		size_t c = NOR_MODEL_SIZE - at < k ? NOR_MODEL_SIZE - at : k;
		if (rx) {
			memcpy(rx, m->mem + at, c);
			rx += c;
		}
		at = (at + (uint32_t)c) & (NOR_MODEL_SIZE - 1);
		k -= c;
	}
}

void nor_model_bytes(struct nor_model *m, const uint8_t *tx, uint8_t *rx, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (in_read_data(m)) {
			read_run(m, rx ? rx + i : NULL, n - i);
			return;
		}
		uint8_t b = nor_model_byte(m, tx ? tx[i] : 0xFF);
		if (rx)
			rx[i] = b;
		i++;
	}
}

void nor_model_xfer(struct nor_model *m, const uint8_t *tx, size_t ntx, uint8_t *rx, size_t nrx)
{
	nor_model_select(m);
	nor_model_bytes(m, tx, NULL, ntx);
	nor_model_bytes(m, NULL, rx, nrx);
	nor_model_deselect(m);
}
