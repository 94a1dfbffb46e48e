/*
 * SPI NOR driver, probe half (see spinor.h): JEDEC ID, the SFDP header and
 * JEDEC Basic Flash Parameter Table (JESD216B section 6.4), the known-parts
 * table, the capacity-byte fallback.  Datasheet citations: docs/flash.md.
 */
#include "spinor_priv.h"

#include <string.h>
/* Generic maximum times for a part we only know through SFDP or its
 * capacity byte: the slowest common 3-byte-address parts (W25Q128 class:
 * tPP 3 ms, 4K 400 ms, 32K 1.6 s, 64K 2 s, chip 200 s, tW 15 ms), rounded
 * up, so that a slow chip is never reported as timed out. */
#define GEN_PP_US 5000u
#define GEN_ERASE_US(size) ((size) <= 4096u ? 1000000u : (size) <= 32768u ? 2000000u : 4000000u)
#define GEN_CE_US 400000000u
#define GEN_WRSR_US 100000u

/* A known part: JEDEC ID, geometry, datasheet maximum times. */
struct spinor_part {
	uint8_t id[3];
	const char *name;
	uint32_t size;
	uint32_t erase_max_us[3]; /* 4 KiB, 32 KiB, 64 KiB */
	uint32_t pp_max_us, ce_max_us, wrsr_max_us;
	uint32_t dp_us, res_us, rst_us;
	enum spinor_bp_scheme bp;
};

/* IS25LP080D datasheet, AC characteristics / program-erase table: tPP 0.8 ms,
 * tSE 300 ms, tBE32 0.5 s, tBE64 1 s, tCE 3 s, tW 15 ms (max); tDP 3 us,
 * tRES1 5 us; software-reset recovery taken as 100 us (docs/flash.md lists
 * which values still need a check against the PDF). */
static const struct spinor_part parts[] = {
    {{0x9D, 0x60, 0x14},
     "IS25LP080D",
     1u << 20,
     {300000u, 500000u, 1000000u},
     800u,
     3000000u,
     15000u,
     3u,
     5u,
     100u,
     SPINOR_BP_ISSI_TOP},
};

/* ---- probe: SFDP (JESD216 section 6), known parts, capacity byte ---- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int sfdp_read(struct spinor *d, uint32_t addr, uint8_t *buf, size_t len)
{
	uint8_t tx[5];

	/* 5A, 24-bit address, one dummy byte (8 clocks) before data. */
	spinor_put_addr(tx, SPINOR_CMD_SFDP, addr);
	tx[4] = 0xFF;
	return spinor_xfer(d, tx, sizeof(tx), buf, len);
}

/* JESD216A DWORD 10/11 time fields: (count + 1) * unit. */
static uint32_t sfdp_time(uint32_t field, unsigned count_bits, const uint32_t *units)
{
	uint32_t count = field & ((1u << count_bits) - 1u);

	return (count + 1u) * units[(field >> count_bits) & 3u];
}

/* Erase types from DWORDs 8-9, and (JESD216A+) their times from DWORD 10. */
static void bfpt_erase(struct spinor_info *in, const uint8_t *t, unsigned ndw)
{
	static const uint32_t eunits[4] = {1000u, 16000u, 128000u, 1000000u};
	uint32_t dw10 = ndw >= 10 ? le32(t + 36) : 0;
	uint32_t mult = 2u * ((dw10 & 0xFu) + 1u);

	in->n_erase = 0;
	for (unsigned i = 0; i < 4; i++) {
		uint8_t n = t[28 + 2 * i], op = t[29 + 2 * i];

		if (n == 0 || n >= 32)
			continue; /* type not present */
		unsigned k = in->n_erase++;
		in->erase_size[k] = 1u << n;
		in->erase_op[k] = op;
		in->erase_max_us[k] = ndw >= 10 ? mult * sfdp_time(dw10 >> (4 + 7 * i), 5, eunits)
		                                : GEN_ERASE_US(in->erase_size[k]);
	}
	/* DWORD 8/9 are not required to be sorted: smallest first. */
	for (unsigned i = 1; i < in->n_erase; i++)
		for (unsigned j = i; j > 0 && in->erase_size[j] < in->erase_size[j - 1]; j--) {
			uint32_t s = in->erase_size[j], m = in->erase_max_us[j];
			uint8_t o = in->erase_op[j];

			in->erase_size[j] = in->erase_size[j - 1];
			in->erase_op[j] = in->erase_op[j - 1];
			in->erase_max_us[j] = in->erase_max_us[j - 1];
			in->erase_size[j - 1] = s;
			in->erase_op[j - 1] = o;
			in->erase_max_us[j - 1] = m;
		}
}

/* Page size, page-program and chip-erase times from DWORD 11 (JESD216A+);
 * a JESD216 v1.0 table (9 DWORDs) has none: 256 B pages, generic times. */
static void bfpt_program(struct spinor_info *in, const uint8_t *t, unsigned ndw)
{
	static const uint32_t punits[4] = {8u, 64u, 8u, 64u};
	static const uint32_t cunits[4] = {16000u, 256000u, 4000000u, 64000000u};

	in->page_size = 256;
	in->pp_max_us = GEN_PP_US;
	in->ce_max_us = GEN_CE_US;
	if (ndw < 11)
		return;
	uint32_t dw11 = le32(t + 40);
	uint32_t mult = 2u * ((dw11 & 0xFu) + 1u);

	in->page_size = 1u << ((dw11 >> 4) & 0xFu);
	in->pp_max_us = mult * sfdp_time(dw11 >> 8, 5, punits);
	in->ce_max_us = mult * sfdp_time(dw11 >> 24, 5, cunits);
}

/* Density (DWORD 2): bit 31 clear = bits - 1, set = log2(bits). */
static int bfpt_density(struct spinor_info *in, uint32_t dw2)
{
	uint64_t bits = (dw2 & 0x80000000u)
	                    ? (dw2 & 0x7FFFFFFFu) < 40 ? 1ull << (dw2 & 0x7FFFFFFFu) : 0
	                    : (uint64_t)dw2 + 1u;

	/* Only 3-byte addressing is supported: at most 16 MiB. */
	if (bits < 8 * 256 || bits > 8ull << 24)
		return SPINOR_E_UNKNOWN;
	in->size = (uint32_t)(bits / 8);
	return SPINOR_OK;
}

static int sfdp_parse_bfpt(struct spinor_info *in, const uint8_t *t, unsigned ndw)
{
	if (bfpt_density(in, le32(t + 4)) != SPINOR_OK)
		return SPINOR_E_UNKNOWN;
	bfpt_erase(in, t, ndw);
	bfpt_program(in, t, ndw);
	if (in->n_erase == 0 || in->page_size < 1 || in->page_size > in->size)
		return SPINOR_E_UNKNOWN;
	return SPINOR_OK;
}

/* Find the JEDEC Basic Flash Parameter header (ID 0xFF00) and parse it. */
static int sfdp_probe(struct spinor *d)
{
	uint8_t h[8], ph[8], t[16 * 4];
	int rc = sfdp_read(d, 0, h, sizeof(h));

	if (rc != SPINOR_OK)
		return rc;
	if (le32(h) != 0x50444653u || h[5] != 1) /* "SFDP", major revision 1 */
		return SPINOR_E_UNKNOWN;
	for (unsigned i = 0; i <= h[6]; i++) {
		rc = sfdp_read(d, 8 + 8 * i, ph, sizeof(ph));
		if (rc != SPINOR_OK)
			return rc;
		if (ph[0] != 0x00 || ph[7] != 0xFF || ph[2] != 1 || ph[3] < 9)
			continue;
		unsigned ndw = ph[3] > 16 ? 16 : ph[3];
		uint32_t ptp = (uint32_t)ph[4] | (uint32_t)ph[5] << 8 | (uint32_t)ph[6] << 16;

		rc = sfdp_read(d, ptp, t, ndw * 4u);
		if (rc != SPINOR_OK)
			return rc;
		d->info.sfdp_major = h[5];
		d->info.sfdp_minor = h[4];
		return sfdp_parse_bfpt(&d->info, t, ndw);
	}
	return SPINOR_E_UNKNOWN;
}

static const struct spinor_part *find_part(const uint8_t id[3])
{
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (memcmp(parts[i].id, id, 3) == 0)
			return &parts[i];
	return NULL;
}

/* Geometry of the 4 KiB / 32 KiB / 64 KiB JEDEC erase commands. */
static void std_erase(struct spinor_info *in, const uint32_t *max_us, bool with32)
{
	static const uint32_t size[3] = {4096u, 32768u, 65536u};
	static const uint8_t op[3] = {SPINOR_CMD_SE, SPINOR_CMD_BE32, SPINOR_CMD_BE64};

	in->n_erase = 0;
	for (unsigned i = 0; i < 3; i++) {
		if (i == 1 && !with32)
			continue;
		in->erase_size[in->n_erase] = size[i];
		in->erase_op[in->n_erase] = op[i];
		in->erase_max_us[in->n_erase++] = max_us ? max_us[i] : GEN_ERASE_US(size[i]);
	}
	in->page_size = 256;
}

/* A known part: its datasheet maximums replace (or, when SFDP gave a
 * larger bound, stay below) the SFDP-derived ones. */
static void apply_part(struct spinor_info *in, const struct spinor_part *p, bool have_sfdp)
{
	in->name = p->name;
	in->bp_scheme = p->bp;
	in->dp_us = p->dp_us;
	in->res_us = p->res_us;
	in->rst_us = p->rst_us;
	in->wrsr_max_us = p->wrsr_max_us;
	if (!have_sfdp) {
		in->size = p->size;
		std_erase(in, p->erase_max_us, true);
		in->pp_max_us = p->pp_max_us;
		in->ce_max_us = p->ce_max_us;
		in->source = SPINOR_SRC_TABLE;
		return;
	}
	for (unsigned i = 0; i < in->n_erase; i++) {
		uint32_t s = in->erase_size[i];
		uint32_t m = p->erase_max_us[s <= 4096u ? 0 : s <= 32768u ? 1 : 2];

		if (m > in->erase_max_us[i])
			in->erase_max_us[i] = m;
	}
	if (p->pp_max_us > in->pp_max_us)
		in->pp_max_us = p->pp_max_us;
	if (p->ce_max_us > in->ce_max_us)
		in->ce_max_us = p->ce_max_us;
}

static void generic_defaults(struct spinor_info *in)
{
	in->name = "unknown";
	in->bp_scheme = SPINOR_BP_UNKNOWN;
	in->dp_us = 10;
	in->res_us = 50;
	in->rst_us = 100;
	in->wrsr_max_us = GEN_WRSR_US;
}

int spinor_probe(struct spinor *d)
{
	struct spinor_info *in = &d->info;
	int rc;

	d->probed = false;
	d->op = SPINOR_OP_NONE;
	memset(in, 0, sizeof(*in));
	generic_defaults(in);
	/* A chip left in deep power-down answers nothing but 0xAB. */
	d->asleep = false;
	rc = spinor_cmd1(d, SPINOR_CMD_RDP);
	if (rc != SPINOR_OK)
		return rc;
	d->io->delay_us(d->io->ctx, in->res_us);
	rc = spinor_read_id(d, in->jedec);
	if (rc != SPINOR_OK)
		return rc;
	const uint8_t *id = in->jedec;
	if ((id[0] == 0x00 && id[1] == 0x00 && id[2] == 0x00) ||
	    (id[0] == 0xFF && id[1] == 0xFF && id[2] == 0xFF))
		return SPINOR_E_NOT_FITTED;
	rc = sfdp_probe(d);
	if (rc == SPINOR_E_IO)
		return rc;
	bool have_sfdp = rc == SPINOR_OK;
	const struct spinor_part *p = find_part(id);

	if (have_sfdp) {
		in->source = SPINOR_SRC_SFDP;
		in->wrsr_max_us = GEN_WRSR_US;
	} else {
		in->sfdp_major = in->sfdp_minor = 0;
	}
	if (p) {
		apply_part(in, p, have_sfdp);
	} else if (!have_sfdp) {
		/* Capacity byte = log2(bytes) on most JEDEC parts. */
		if (id[2] < 0x10 || id[2] > 0x18)
			return SPINOR_E_UNKNOWN;
		in->size = 1u << id[2];
		std_erase(in, NULL, false);
		in->pp_max_us = GEN_PP_US;
		in->ce_max_us = GEN_CE_US;
		in->source = SPINOR_SRC_CAPACITY;
	}
	d->probed = true;
	return SPINOR_OK;
}
