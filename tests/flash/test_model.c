/*
 * The IS25LP080D model on its own, driven byte by byte as the chip would be:
 * each test pins one datasheet rule (docs/flash.md "What the model
 * enforces"), so a lenient model fails here before it can make a driver
 * test pass for the wrong reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "flash_bench.h"

static struct bench b;

static void setup(void)
{
	bench_fini(&b);
	bench_init(&b, NOR_MODEL_FITTED);
}

static void program(uint32_t addr, const uint8_t *data, size_t n)
{
	raw1(&b, 0x06);
	raw_addr(&b, 0x02, addr, data, n, NULL, 0);
	raw_wait(&b);
}

static void read_at(uint32_t addr, uint8_t *out, size_t n)
{
	raw_addr(&b, 0x03, addr, NULL, 0, out, n);
}

static void test_ids(void)
{
	uint8_t id[4], op = 0x9F;

	setup();
	raw(&b, &op, 1, id, 3);
	CHECK(id[0] == 0x9D && id[1] == 0x60 && id[2] == 0x14);
	uint8_t ab[4] = {0xAB, 0, 0, 0}, dev;
	raw(&b, ab, 4, &dev, 1);
	CHECK_EQ(dev, 0x13);
	raw_addr(&b, 0x90, 0, NULL, 0, id, 2);
	CHECK(id[0] == 0x9D && id[1] == 0x13);
}

/* JESD216B layout, checked against hand-computed bytes, and the dummy byte
 * after 5A + address is clocked (the first byte read back is the dummy). */
static void test_sfdp_bytes(void)
{
	uint8_t h[9], t[64];
	static const uint8_t hdr[16] = {0x53, 0x46, 0x44, 0x50, 0x06, 0x01, 0x00, 0xFF,
	                                0x00, 0x06, 0x01, 0x10, 0x30, 0x00, 0x00, 0xFF};

	setup();
	raw_addr(&b, 0x5A, 0, NULL, 0, h, 9);
	CHECK_EQ(h[0], 0xFF); /* the dummy slot */
	CHECK(memcmp(h + 1, hdr, 8) == 0);
	uint8_t tx[5] = {0x5A, 0, 0, 0x08, 0xFF}, ph[8];
	raw(&b, tx, 5, ph, 8);
	CHECK(memcmp(ph, hdr + 8, 8) == 0);
	tx[3] = 0x30;
	raw(&b, tx, 5, t, 64);
	static const uint8_t dw2[4] = {0xFF, 0xFF, 0x7F, 0x00},
	                     dw89[8] = {0x0C, 0x20, 0x0F, 0x52, 0x10, 0xD8, 0x00, 0x00};
	CHECK(memcmp(t + 4, dw2, 4) == 0);
	CHECK(memcmp(t + 28, dw89, 8) == 0);
	CHECK_EQ(t[0], 0xE5); /* 4K erase uniform, >= 64 B write granularity */
	CHECK_EQ(t[1], 0x20);
	CHECK_EQ(t[41] & 0x3F, 0x23); /* PP typ: 4 x 64 us */
	CHECK_EQ(t[40] >> 4, 8);      /* page 2^8 */
	tx[3] = 0x70;                 /* past the table */
	raw(&b, tx, 5, h, 2);
	CHECK(h[0] == 0xFF && h[1] == 0xFF);
}

static void test_wel_and_busy(void)
{
	uint8_t d = 0x00, r;

	setup();
	raw_addr(&b, 0x02, 0x100, &d, 1, NULL, 0); /* no WREN: ignored */
	CHECK_EQ(raw_sr(&b), 0x00);
	read_at(0x100, &r, 1);
	CHECK_EQ(r, 0xFF);
	raw1(&b, 0x06);
	CHECK_EQ(raw_sr(&b), 0x02);
	raw1(&b, 0x04); /* WRDI */
	CHECK_EQ(raw_sr(&b), 0x00);
	raw1(&b, 0x06);
	raw_addr(&b, 0x02, 0x100, &d, 1, NULL, 0);
	CHECK_EQ(raw_sr(&b), 0x03); /* WIP and WEL while programming */
	read_at(0x100, &r, 1);      /* ignored while busy: bus floats high */
	CHECK_EQ(r, 0xFF);
	raw1(&b, 0x06); /* ignored too */
	bench_tick(&b, 180);
	CHECK_EQ(raw_sr(&b) & 1, 1); /* typical tPP (200 us) not yet over */
	bench_tick(&b, 10);
	CHECK_EQ(raw_sr(&b), 0x00); /* done: WEL cleared by the chip */
	read_at(0x100, &r, 1);
	CHECK_EQ(r, 0x00);
}

static void test_page_wrap(void)
{
	uint8_t d[300], r[256];

	setup();
	pattern(d, sizeof(d), 1);
	program(0x1F0, d, 32); /* 16 bytes fit, 16 wrap to 0x100 */
	read_at(0x100, r, 256);
	CHECK(memcmp(r + 0xF0, d, 16) == 0);
	CHECK(memcmp(r, d + 16, 16) == 0);
	CHECK_EQ(r[0x10], 0xFF);
	CHECK_EQ(b.m.mem[0x200], 0xFF); /* next page untouched */
	program(0x300, d, 300);         /* > 256: the last 256 are kept */
	read_at(0x300, r, 256);
	CHECK(memcmp(r + 44, d + 44, 212) == 0);
	CHECK(memcmp(r, d + 256, 44) == 0);
}

static void test_program_and(void)
{
	uint8_t a = 0xF0, c = 0x3C, r;

	setup();
	program(0x10, &a, 1);
	program(0x10, &c, 1);
	read_at(0x10, &r, 1);
	CHECK_EQ(r, 0x30); /* new = old & data: bits never go back to 1 */
}

static void test_erase_rules(void)
{
	uint8_t z[256] = {0}, r[2];

	setup();
	for (uint32_t a = 0x1F00; a < 0x2100; a += 256)
		program(a, z, 256);
	raw1(&b, 0x06);
	raw_addr(&b, 0x20, 0x2000, z, 1, NULL, 0); /* 5 bytes: not executed */
	CHECK_EQ(raw_sr(&b), 0x02);
	raw1(&b, 0x20); /* 1 byte: not executed either */
	CHECK_EQ(raw_sr(&b), 0x02);
	raw_addr(&b, 0x20, 0x2ABC, NULL, 0, NULL, 0); /* inside: whole sector */
	CHECK_EQ(raw_sr(&b), 0x03);
	bench_tick(&b, 69000);
	CHECK_EQ(raw_sr(&b) & 1, 1);
	raw_wait(&b);
	read_at(0x1FFF, r, 2);
	CHECK(r[0] == 0x00 && r[1] == 0xFF);
	read_at(0x2FFF, r, 2);
	CHECK(r[0] == 0xFF && r[1] == 0xFF);
	CHECK_EQ(b.m.wear[2], 1);
	CHECK_EQ(b.m.wear[1], 0);
	raw1(&b, 0x06);
	raw_addr(&b, 0xD8, 0x12345, NULL, 0, NULL, 0);
	raw_wait(&b);
	CHECK(b.m.wear[0x10] == 1 && b.m.wear[0x1F] == 1 && b.m.wear[0x20] == 0);
	raw1(&b, 0x06);
	raw1(&b, 0xC7);
	CHECK_EQ(raw_sr(&b), 0x03);
	raw_wait(&b);
	CHECK(b.m.wear[0] == 1 && b.m.wear[0x10] == 2 && b.m.wear[0xFF] == 1);
}

static void test_deep_power_down(void)
{
	uint8_t d = 0x5A, r;

	setup();
	program(0x40, &d, 1);
	raw1(&b, 0xB9);
	raw1(&b, 0xAB); /* within tDP: ignored */
	bench_tick(&b, 3);
	read_at(0x40, &r, 1);
	CHECK_EQ(r, 0xFF); /* asleep: only RDP is decoded */
	CHECK_EQ(raw_sr(&b), 0xFF);
	raw1(&b, 0xAB);
	read_at(0x40, &r, 1); /* before tRES1: not ready yet */
	CHECK_EQ(r, 0xFF);
	bench_tick(&b, 5);
	read_at(0x40, &r, 1);
	CHECK_EQ(r, 0x5A);
}

static void test_reset(void)
{
	setup();
	raw1(&b, 0x06);
	raw1(&b, 0xC7);
	raw1(&b, 0x66);
	raw1(&b, 0x05);
	raw1(&b, 0x99); /* not right after 66: no reset */
	CHECK_EQ(raw_sr(&b), 0x03);
	raw1(&b, 0x66);
	raw1(&b, 0x99);
	CHECK_EQ(raw_sr(&b), 0xFF); /* recovering: not ready */
	bench_tick(&b, 35);
	CHECK_EQ(raw_sr(&b), 0x00);
}

static void test_protection(void)
{
	uint8_t w[2] = {0x01, 1 << 2}, d = 0, r;

	setup();
	raw1(&b, 0x06);
	raw(&b, w, 2, NULL, 0);
	raw_wait(&b);
	CHECK_EQ(raw_sr(&b), 0x04); /* BP0, WEL cleared */
	program(0xF0000, &d, 1);    /* top 64 KiB: refused */
	read_at(0xF0000, &r, 1);
	CHECK_EQ(r, 0xFF);
	CHECK_EQ(raw_sr(&b), 0x06); /* not executed: WEL still set */
	raw1(&b, 0x04);
	program(0xEFFFF, &d, 1); /* just below: allowed */
	read_at(0xEFFFF, &r, 1);
	CHECK_EQ(r, 0x00);
	raw1(&b, 0x06);
	raw1(&b, 0xC7); /* chip erase with any BP set: refused */
	CHECK_EQ(raw_sr(&b), 0x06);
	raw1(&b, 0x04);
	w[1] = 5 << 2; /* BP = 5: everything */
	raw1(&b, 0x06);
	raw(&b, w, 2, NULL, 0);
	raw_wait(&b);
	program(0x0, &d, 1);
	read_at(0x0, &r, 1);
	CHECK_EQ(r, 0xFF);
}

static void test_absent(void)
{
	uint8_t id[3], op = 0x9F;

	bench_fini(&b);
	bench_init(&b, NOR_MODEL_ABSENT_FF);
	raw(&b, &op, 1, id, 3);
	CHECK(id[0] == 0xFF && id[1] == 0xFF && id[2] == 0xFF);
	bench_fini(&b);
	bench_init(&b, NOR_MODEL_ABSENT_00);
	raw(&b, &op, 1, id, 3);
	CHECK(id[0] == 0x00 && id[1] == 0x00 && id[2] == 0x00);
}

static void test_image_file(void)
{
	char path[] = "/tmp/wis-nor-XXXXXX";
	int fd = mkstemp(path);
	uint8_t d[4] = {1, 2, 3, 4}, r[4];
	struct nor_model m2;

	CHECK(fd >= 0);
	close(fd);
	bench_fini(&b);
	memset(&b, 0, sizeof(b));
	CHECK_EQ(nor_model_init(&b.m, NOR_MODEL_FITTED, path), 0);
	program(0x8000, d, 4);
	nor_model_fini(&b.m);
	CHECK_EQ(nor_model_init(&m2, NOR_MODEL_FITTED, path), 0);
	CHECK(memcmp(nor_model_mem(&m2) + 0x8000, d, 4) == 0);
	CHECK_EQ(nor_model_mem(&m2)[0x8004], 0xFF);
	nor_model_fini(&m2);
	CHECK_EQ(truncate(path, 1000), 0); /* not an image of this part */
	errno = 0;
	CHECK_EQ(nor_model_init(&m2, NOR_MODEL_FITTED, path), -1);
	CHECK_EQ(errno, EINVAL);
	unlink(path);
	bench_init(&b, NOR_MODEL_FITTED);
	(void)r;
}

/* nor_model_bytes serves a READ's data phase as one copy: it must give
 * what the chip gives byte by byte, wherever a transfer is cut (inside
 * the address, on the dummy byte, mid-data) and across the top of the
 * array (the address counter wraps to 0), page and sector boundaries, and
 * while the chip ignores the command (busy: all FF). */
static void test_bulk_equals_bytes(void)
{
	static struct nor_model one, bulk;
	CHECK_EQ(nor_model_init(&one, NOR_MODEL_FITTED, NULL), 0);
	CHECK_EQ(nor_model_init(&bulk, NOR_MODEL_FITTED, NULL), 0);
	uint32_t r = 1;
	for (uint32_t i = 0; i < NOR_MODEL_SIZE; i++) {
		r = r * 1103515245u + 12345u;
		one.mem[i] = bulk.mem[i] = (uint8_t)(r >> 16);
	}
	static const uint32_t addrs[] = {
	    0,       0xFF, 0x1000 - 3, 0x7FFF0, NOR_MODEL_SIZE - 700, NOR_MODEL_SIZE - 1,
	    0xABCDEF /* A23-A20 ignored */};
	static const uint8_t ops[] = {0x03, 0x0B, 0x5A, 0x9F};
	static const size_t cuts[] = {1, 2, 3, 4, 5, 6, 300, 1029};
	uint8_t a[1200], c[1200];
	for (size_t o = 0; o < sizeof ops; o++)
		for (size_t k = 0; k < sizeof addrs / sizeof addrs[0]; k++)
			for (size_t cut = 0; cut < sizeof cuts / sizeof cuts[0]; cut++) {
				uint8_t tx[1200];
				memset(tx, 0x5A, sizeof tx); /* MOSI is ignored in the data */
				tx[0] = ops[o];
				tx[1] = (uint8_t)(addrs[k] >> 16);
				tx[2] = (uint8_t)(addrs[k] >> 8);
				tx[3] = (uint8_t)addrs[k];
				size_t n = 1030, first = cuts[cut];
				nor_model_select(&one);
				for (size_t i = 0; i < n; i++)
					a[i] = nor_model_byte(&one, tx[i]);
				nor_model_deselect(&one);
				memset(c, 0, sizeof c);
				nor_model_select(&bulk);
				nor_model_bytes(&bulk, tx, c, first);
				nor_model_bytes(&bulk, tx + first, c + first, n - first - 1);
				nor_model_bytes(&bulk, NULL, c + n - 1, 1);
				nor_model_deselect(&bulk);
				CHECK(memcmp(a, c, n) == 0);
				CHECK_EQ(one.n, bulk.n);
			}
	/* The wrap itself: the last byte of the array, then byte 0. */
	uint8_t top[6] = {0x03, 0x0F, 0xFF, 0xFF}, got[2];
	nor_model_xfer(&bulk, top, 4, got, 2);
	CHECK(got[0] == bulk.mem[NOR_MODEL_SIZE - 1] && got[1] == bulk.mem[0]);
	/* rx NULL discards; a busy chip ignores the read: MISO reads FF. */
	nor_model_xfer(&bulk, top, 4, NULL, 100);
	bulk.busy = true;
	bulk.busy_until = UINT64_MAX;
	memset(c, 0, 64);
	nor_model_xfer(&bulk, top, 4, c, 64);
	for (int i = 0; i < 64; i++)
		CHECK_EQ(c[i], 0xFF);
	nor_model_fini(&one);
	nor_model_fini(&bulk);
}

int main(void)
{
	bench_init(&b, NOR_MODEL_FITTED);
	RUN(test_ids);
	RUN(test_sfdp_bytes);
	RUN(test_wel_and_busy);
	RUN(test_page_wrap);
	RUN(test_program_and);
	RUN(test_erase_rules);
	RUN(test_deep_power_down);
	RUN(test_reset);
	RUN(test_protection);
	RUN(test_absent);
	RUN(test_image_file);
	RUN(test_bulk_equals_bytes);
	bench_fini(&b);
	printf("%d failures\n", check_failures);
	return check_failures != 0;
}
