/*
 * The SPI NOR driver against the IS25LP080D model: probe (SFDP and the
 * fallbacks), not fitted, read/program/erase round trips across page and
 * sector boundaries, program-without-erase, alignment and range errors,
 * non-blocking operation, bounded WIP waits, deep power-down, protection.
 */
#include <stdlib.h>

#include "flash_bench.h"

static struct bench b;
static uint8_t buf[0x3000], back[0x3000];

static void setup(void)
{
	bench_fini(&b);
	bench_init(&b, NOR_MODEL_FITTED);
	CHECK_EQ(spinor_probe(&b.d), SPINOR_OK);
}

static void test_probe_sfdp(void)
{
	const struct spinor_info *in = &b.d.info;

	setup();
	CHECK(in->jedec[0] == 0x9D && in->jedec[1] == 0x60 && in->jedec[2] == 0x14);
	CHECK_EQ(in->source, SPINOR_SRC_SFDP);
	CHECK(in->sfdp_major == 1 && in->sfdp_minor == 6);
	CHECK_EQ(in->size, 1u << 20);
	CHECK_EQ(in->page_size, 256);
	CHECK_EQ(in->n_erase, 3);
	CHECK(in->erase_size[0] == 4096 && in->erase_op[0] == 0x20);
	CHECK(in->erase_size[1] == 32768 && in->erase_op[1] == 0x52);
	CHECK(in->erase_size[2] == 65536 && in->erase_op[2] == 0xD8);
	CHECK(strcmp(in->name, "IS25LP080D") == 0);
	/* Bounds at least the datasheet maximums (tSE 300 ms, tBE32 0.5 s,
	 * tBE64 1 s, tPP 0.8 ms, tCE 3 s). */
	CHECK(in->erase_max_us[0] >= 300000 && in->erase_max_us[1] >= 500000);
	CHECK(in->erase_max_us[2] >= 1000000 && in->pp_max_us >= 800);
	CHECK(in->ce_max_us >= 3000000);
	/* SFDP-derived: 8 x 80 ms for 4K, 6 x 1024 ms for chip erase. */
	CHECK_EQ(in->erase_max_us[0], 640000);
	CHECK_EQ(in->ce_max_us, 6144000);
}

/* A chip without SFDP falls back to the known-parts table; an unknown ID
 * to its capacity byte. */
static void test_probe_fallbacks(void)
{
	setup();
	memset(b.m.sfdp, 0xFF, sizeof(b.m.sfdp));
	CHECK_EQ(spinor_probe(&b.d), SPINOR_OK);
	CHECK_EQ(b.d.info.source, SPINOR_SRC_TABLE);
	CHECK_EQ(b.d.info.size, 1u << 20);
	CHECK_EQ(b.d.info.n_erase, 3);
	CHECK_EQ(b.d.info.erase_max_us[0], 300000);
	CHECK_EQ(b.d.info.sfdp_major, 0);
	/* A table that claims major revision 2 is not trusted either. */
	setup();
	b.m.sfdp[5] = 2;
	CHECK_EQ(spinor_probe(&b.d), SPINOR_OK);
	CHECK_EQ(b.d.info.source, SPINOR_SRC_TABLE);
}

/* A JESD216 v1.0 table (9 DWORDs): geometry from SFDP, page 256, no
 * times in the table, so the known part's maximums (or larger generic
 * ones) bound the waits. */
static void test_probe_sfdp_v10(void)
{
	setup();
	b.m.sfdp[4] = 0;     /* SFDP 1.0 */
	b.m.sfdp[8 + 1] = 0; /* BFPT 1.0 */
	b.m.sfdp[8 + 3] = 9; /* 9 DWORDs */
	CHECK_EQ(spinor_probe(&b.d), SPINOR_OK);
	CHECK_EQ(b.d.info.source, SPINOR_SRC_SFDP);
	CHECK(b.d.info.sfdp_major == 1 && b.d.info.sfdp_minor == 0);
	CHECK_EQ(b.d.info.size, 1u << 20);
	CHECK_EQ(b.d.info.page_size, 256);
	CHECK_EQ(b.d.info.n_erase, 3);
	CHECK(b.d.info.erase_max_us[0] >= 300000 && b.d.info.pp_max_us >= 800);
}

/* Another maker's ID: SFDP alone, then the capacity byte alone. */
static void test_probe_unknown_part(void)
{
	setup();
	b.m.jedec[0] = 0xEF; /* a W25Q80-like ID: not in the table */
	b.m.jedec[1] = 0x40;
	CHECK_EQ(spinor_probe(&b.d), SPINOR_OK);
	CHECK_EQ(b.d.info.source, SPINOR_SRC_SFDP);
	CHECK(strcmp(b.d.info.name, "unknown") == 0);
	CHECK_EQ(b.d.info.bp_scheme, SPINOR_BP_UNKNOWN);
	CHECK_EQ(b.d.info.erase_max_us[2], 1280000); /* 8 x 160 ms from DWORD 10 */
	memset(b.m.sfdp, 0xFF, sizeof(b.m.sfdp));
	CHECK_EQ(spinor_probe(&b.d), SPINOR_OK);
	CHECK_EQ(b.d.info.source, SPINOR_SRC_CAPACITY);
	CHECK_EQ(b.d.info.size, 1u << 20);
	CHECK(b.d.info.n_erase == 2 && b.d.info.erase_size[1] == 65536);
	/* Still a working flash: round trip through the generic geometry. */
	uint8_t x = 0;
	CHECK_EQ(spinor_erase(&b.d, 0x20000, 0x1000), SPINOR_OK);
	CHECK_EQ(spinor_write(&b.d, 0x20010, "\x77", 1), SPINOR_OK);
	CHECK_EQ(spinor_read(&b.d, 0x20010, &x, 1), SPINOR_OK);
	CHECK_EQ(x, 0x77);
	b.m.jedec[2] = 0x30; /* capacity byte out of range: give up */
	CHECK_EQ(spinor_probe(&b.d), SPINOR_E_UNKNOWN);
}

static void test_not_fitted(void)
{
	uint8_t x;
	enum nor_model_presence p[2] = {NOR_MODEL_ABSENT_FF, NOR_MODEL_ABSENT_00};

	for (int i = 0; i < 2; i++) {
		bench_fini(&b);
		bench_init(&b, p[i]);
		CHECK_EQ(spinor_probe(&b.d), SPINOR_E_NOT_FITTED);
		CHECK_EQ(spinor_read(&b.d, 0, &x, 1), SPINOR_E_NOT_PROBED);
		CHECK_EQ(spinor_erase(&b.d, 0, 4096), SPINOR_E_NOT_PROBED);
		CHECK(strstr(spinor_strerror(SPINOR_E_NOT_FITTED), "not") != NULL ||
		      strstr(spinor_strerror(SPINOR_E_NOT_FITTED), "no ") != NULL);
	}
}

/* Across page and sector boundaries: split into pages correctly, nothing
 * outside the range touched. */
static void test_round_trip(void)
{
	const uint32_t at = 0x10F80, n = 0x2200;
	uint8_t edge[2];

	setup();
	pattern(buf, n, 7);
	CHECK_EQ(spinor_erase(&b.d, 0x10000, 0x10000), SPINOR_OK);
	memset(b.n_cmd, 0, sizeof(b.n_cmd));
	CHECK_EQ(spinor_write(&b.d, at, buf, n), SPINOR_OK);
	CHECK_EQ(b.n_cmd[0x02], 1 + (n - 0x80) / 256 + 1); /* head, whole pages, tail */
	CHECK_EQ(spinor_read(&b.d, at, back, n), SPINOR_OK);
	CHECK(memcmp(buf, back, n) == 0);
	CHECK_EQ(spinor_read(&b.d, at - 1, edge, 1), SPINOR_OK);
	CHECK_EQ(spinor_read(&b.d, at + n, edge + 1, 1), SPINOR_OK);
	CHECK(edge[0] == 0xFF && edge[1] == 0xFF);
	/* Erase a sector in the middle: only it goes back to 0xFF. */
	CHECK_EQ(spinor_erase(&b.d, 0x11000, 0x1000), SPINOR_OK);
	CHECK_EQ(spinor_read(&b.d, at, back, n), SPINOR_OK);
	for (uint32_t a = at; a < at + n; a++) {
		uint8_t want = (a >= 0x11000 && a < 0x12000) ? 0xFF : buf[a - at];

		if (back[a - at] != want) {
			CHECK_EQ(back[a - at], want);
			break;
		}
	}
	/* The last byte of the chip, and reads never wrap. */
	CHECK_EQ(spinor_write(&b.d, 0xFFFFF, "\x42", 1), SPINOR_OK);
	CHECK_EQ(spinor_read(&b.d, 0xFFFFF, edge, 1), SPINOR_OK);
	CHECK_EQ(edge[0], 0x42);
	CHECK_EQ(spinor_read(&b.d, 0xFFFFF, edge, 2), SPINOR_E_RANGE);
	CHECK_EQ(spinor_write(&b.d, 0x100000, edge, 1), SPINOR_E_RANGE);
}

static void test_program_without_erase(void)
{
	uint8_t a[300], c[300], r[300];

	setup();
	pattern(a, sizeof(a), 1);
	pattern(c, sizeof(c), 2);
	CHECK_EQ(spinor_write(&b.d, 0x5F0, a, sizeof(a)), SPINOR_OK);
	CHECK_EQ(spinor_write(&b.d, 0x5F0, c, sizeof(c)), SPINOR_OK);
	CHECK_EQ(spinor_read(&b.d, 0x5F0, r, sizeof(r)), SPINOR_OK);
	int bad = 0;
	for (size_t i = 0; i < sizeof(r); i++)
		bad += r[i] != (a[i] & c[i]);
	CHECK_EQ(bad, 0);
}

static void test_erase_alignment(void)
{
	setup();
	CHECK_EQ(spinor_erase(&b.d, 0x1001, 0x1000), SPINOR_E_ALIGN);
	CHECK_EQ(spinor_erase(&b.d, 0x1000, 0x800), SPINOR_E_ALIGN);
	CHECK_EQ(spinor_erase(&b.d, 0xFF000, 0x2000), SPINOR_E_RANGE);
	/* Refused up front: not one sector erased before the misaligned tail. */
	CHECK_EQ(spinor_erase(&b.d, 0x1000, 0x1800), SPINOR_E_ALIGN);
	CHECK_EQ(b.n_cmd[0x20] + b.n_cmd[0x52] + b.n_cmd[0xD8], 0);
	CHECK(strstr(spinor_strerror(SPINOR_E_ALIGN), "aligned") != NULL);
	/* A mixed range: 4K up to a 32K boundary, 32K up to a 64K one, 64K,
	 * then 4K for the tail; each sector erased exactly once. */
	CHECK_EQ(spinor_erase(&b.d, 0x7000, 0x1A000), SPINOR_OK);
	CHECK_EQ(b.n_cmd[0x20], 2); /* 0x7000, 0x20000 */
	CHECK_EQ(b.n_cmd[0x52], 1); /* 0x8000 */
	CHECK_EQ(b.n_cmd[0xD8], 1); /* 0x10000 */
	int bad = 0;
	for (uint32_t s = 0; s < NOR_MODEL_SECTORS; s++)
		bad += b.m.wear[s] != (s >= 7 && s < 0x21 ? 1u : 0u);
	CHECK_EQ(bad, 0);
	CHECK_EQ(spinor_erase(&b.d, 0x10000, 0x20000), SPINOR_OK);
	CHECK_EQ(b.n_cmd[0xD8], 3);
	CHECK_EQ(spinor_chip_erase_start(&b.d), SPINOR_BUSY);
	CHECK_EQ(spinor_wait(&b.d), SPINOR_OK);
	CHECK_EQ(b.n_cmd[0xC7], 1);
}

/* Start, poll from a "main loop", nothing else allowed meanwhile. */
static void test_non_blocking(void)
{
	uint8_t x;
	int polls = 0, rc;

	setup();
	uint64_t t0 = b.now;
	CHECK_EQ(spinor_erase_start(&b.d, 0x20000, 0x10000), SPINOR_BUSY);
	CHECK(spinor_busy(&b.d));
	CHECK_EQ(spinor_read(&b.d, 0, &x, 1), SPINOR_E_STATE);
	CHECK_EQ(spinor_erase_start(&b.d, 0, 0x1000), SPINOR_E_STATE);
	while ((rc = spinor_poll(&b.d)) == SPINOR_BUSY && polls < 100000) {
		bench_tick(&b, 1000); /* the main loop does other work */
		polls++;
	}
	CHECK_EQ(rc, SPINOR_OK);
	CHECK(b.now - t0 >= 150000 && b.now - t0 < 155000); /* typical tBE64 */
	CHECK(!spinor_busy(&b.d));
}

/* A chip that never clears WIP: every wait ends at its datasheet bound. */
static void test_wip_timeout(void)
{
	setup();
	nor_model_set_stuck(&b.m, true);
	CHECK_EQ(spinor_erase(&b.d, 0x1000, 0x1000), SPINOR_E_WEL); /* busy chip: no WEL */
	nor_model_set_stuck(&b.m, false);
	/* Stuck after the command was accepted. */
	CHECK_EQ(spinor_erase_start(&b.d, 0x1000, 0x1000), SPINOR_BUSY);
	nor_model_set_stuck(&b.m, true);
	uint64_t t0 = b.now;
	CHECK_EQ(spinor_wait(&b.d), SPINOR_E_TIMEOUT);
	uint64_t waited = b.now - t0;
	CHECK(waited >= b.d.info.erase_max_us[0] && waited < b.d.info.erase_max_us[0] + 1000);
	CHECK(!spinor_busy(&b.d));
	/* Same with the port's clock stuck: bounded by counting polls. */
	nor_model_set_stuck(&b.m, false);
	setup();
	CHECK_EQ(spinor_write_start(&b.d, 0, "x", 1), SPINOR_BUSY);
	nor_model_set_stuck(&b.m, true);
	b.clock_stuck = true;
	CHECK_EQ(spinor_wait(&b.d), SPINOR_E_TIMEOUT);
	b.clock_stuck = false;
}

static void test_deep_power_down(void)
{
	uint8_t x = 0, raw_x;

	setup();
	CHECK_EQ(spinor_write(&b.d, 0x40, "\x5A", 1), SPINOR_OK);
	CHECK_EQ(spinor_sleep(&b.d), SPINOR_OK);
	CHECK_EQ(spinor_read(&b.d, 0x40, &x, 1), SPINOR_E_ASLEEP);
	CHECK_EQ(spinor_write(&b.d, 0x41, "\x00", 1), SPINOR_E_ASLEEP);
	raw_addr(&b, 0x03, 0x40, NULL, 0, &raw_x, 1); /* the chip agrees */
	CHECK_EQ(raw_x, 0xFF);
	CHECK_EQ(spinor_wake(&b.d), SPINOR_OK);
	CHECK_EQ(spinor_read(&b.d, 0x40, &x, 1), SPINOR_OK);
	CHECK_EQ(x, 0x5A);
	/* A probe wakes a chip left asleep by an earlier run. */
	CHECK_EQ(spinor_sleep(&b.d), SPINOR_OK);
	spinor_init(&b.d, &b.io);
	CHECK_EQ(spinor_probe(&b.d), SPINOR_OK);
	CHECK_EQ(b.d.info.source, SPINOR_SRC_SFDP);
}

static void test_protection(void)
{
	uint32_t ps = 1, pl = 1;
	uint8_t x;

	setup();
	CHECK_EQ(spinor_protected_range(&b.d, &ps, &pl), SPINOR_OK);
	CHECK(ps == 0 && pl == 0);
	CHECK_EQ(spinor_set_bp(&b.d, 1), SPINOR_OK);
	CHECK_EQ(spinor_protected_range(&b.d, &ps, &pl), SPINOR_OK);
	CHECK(ps == 0xF0000 && pl == 0x10000);
	CHECK_EQ(spinor_write(&b.d, 0xF8000, "\x00", 1), SPINOR_E_PROTECTED);
	CHECK_EQ(spinor_write(&b.d, 0xEFFFF, "\x00\x00", 2), SPINOR_E_PROTECTED);
	CHECK_EQ(spinor_erase(&b.d, 0xE0000, 0x20000), SPINOR_E_PROTECTED);
	CHECK_EQ(spinor_chip_erase_start(&b.d), SPINOR_E_PROTECTED);
	CHECK_EQ(b.n_cmd[0x02], 0);
	CHECK_EQ(spinor_write(&b.d, 0xEFFFF, "\x00", 1), SPINOR_OK);
	CHECK(strstr(spinor_strerror(SPINOR_E_PROTECTED), "protect") != NULL);
	CHECK_EQ(spinor_set_bp(&b.d, 4), SPINOR_OK); /* top 512 KiB */
	CHECK_EQ(spinor_protected_range(&b.d, &ps, &pl), SPINOR_OK);
	CHECK(ps == 0x80000 && pl == 0x80000);
	/* A part whose BP decoding is unknown: any BP bit protects all. */
	b.d.info.bp_scheme = SPINOR_BP_UNKNOWN;
	CHECK_EQ(spinor_protected_range(&b.d, &ps, &pl), SPINOR_OK);
	CHECK(ps == 0 && pl == 0x100000);
	CHECK_EQ(spinor_write(&b.d, 0, "\x00", 1), SPINOR_E_PROTECTED);
	/* Unprotected again: the top block takes a program. */
	b.d.info.bp_scheme = SPINOR_BP_ISSI_TOP;
	CHECK_EQ(spinor_set_bp(&b.d, 0), SPINOR_OK);
	CHECK_EQ(spinor_write(&b.d, 0xF0000, "\x00", 1), SPINOR_OK);
	CHECK_EQ(spinor_read(&b.d, 0xF0000, &x, 1), SPINOR_OK);
	CHECK_EQ(x, 0x00);
}

/* The chip ignoring a program (protected behind the driver's back): WEL
 * is still set when WIP reads 0, and the driver says so. */
static void test_rejected(void)
{
	setup();
	/* Start while BP reads 0; the chip gets protected before the
	 * second page (as by another master, or a driver bug). */
	pattern(buf, 512, 3);
	CHECK_EQ(spinor_write_start(&b.d, 0xEFF00, buf, 512), SPINOR_BUSY);
	b.m.sr |= 1 << 2; /* BP0 set directly in the chip: top 64 KiB */
	CHECK_EQ(spinor_wait(&b.d), SPINOR_E_REJECTED);
	CHECK_EQ(nor_model_status(&b.m) & 0x02, 0); /* WRDI sent */
	b.m.sr &= (uint8_t) ~(1 << 2);
}

static void test_reset(void)
{
	setup();
	CHECK_EQ(spinor_chip_erase_start(&b.d), SPINOR_BUSY);
	CHECK_EQ(spinor_reset(&b.d), SPINOR_OK);
	CHECK(!spinor_busy(&b.d));
	CHECK_EQ(nor_model_status(&b.m), 0x00);
	uint8_t id[3];
	CHECK_EQ(spinor_read_id(&b.d, id), SPINOR_OK);
	CHECK_EQ(id[0], 0x9D);
}

int main(void)
{
	bench_init(&b, NOR_MODEL_FITTED);
	RUN(test_probe_sfdp);
	RUN(test_probe_fallbacks);
	RUN(test_probe_sfdp_v10);
	RUN(test_probe_unknown_part);
	RUN(test_not_fitted);
	RUN(test_round_trip);
	RUN(test_program_without_erase);
	RUN(test_erase_alignment);
	RUN(test_non_blocking);
	RUN(test_wip_timeout);
	RUN(test_deep_power_down);
	RUN(test_protection);
	RUN(test_rejected);
	RUN(test_reset);
	bench_fini(&b);
	printf("%d failures\n", check_failures);
	return check_failures != 0;
}
