/*
 * A FLASH_WRITE kept behind the running one (firmware/core/flash.c), on the
 * internal store (no chip fitted in this harness): two writes back to back
 * both answered OK in order with the data in place, the second started in
 * the turn that answers the first; a third request of any kind BUSY naming
 * FLASH_WRITE; the waiting write's erase check made when it starts (not at
 * arrival); HELD listing it; RESET and link loss freeing both slots.
 */
#include "core_harness.h"
#include "flash_state.h"

#define STORE_MEM (F.hw.iflash_mem + (WISFW_IFLASH_STORE_BASE - SIMHAL_IFLASH_BASE))
#define N WIS_FLASH_WRITE_MAX

static uint16_t post(uint16_t op, const void *p, size_t len)
{
	uint16_t id = F.next_id++;
	send_frame(WIS_PROTO_VERSION, WIS_MSG_REQUEST, id, op, p, len);
	return id;
}

static uint16_t post_write(uint32_t addr, uint8_t flags, const uint8_t *d, size_t n)
{
	uint8_t b[5 + N];
	struct wis_wr w = wis_wr_init(b, sizeof b);
	wis_wr_u32(&w, addr);
	wis_wr_u8(&w, flags);
	wis_wr_bytes(&w, d, n);
	return post(WIS_OP_FLASH_WRITE, b, w.len);
}

static uint16_t post_addr_len(uint16_t op, uint32_t addr, uint32_t len, int len_bytes)
{
	uint8_t b[8];
	struct wis_wr w = wis_wr_init(b, sizeof b);
	wis_wr_u32(&w, addr);
	if (len_bytes == 2)
		wis_wr_u16(&w, (uint16_t)len);
	else
		wis_wr_u32(&w, len);
	return post(op, b, w.len);
}

/* The response to id from `from` on, NULL if none yet. */
static const struct fw_frame *answer(size_t from, uint16_t id)
{
	for (size_t i = from; i < F.out.n; i++)
		if (F.out.f[i].h.type == WIS_MSG_RESPONSE && F.out.f[i].h.id == id)
			return &F.out.f[i];
	return NULL;
}

/* Polls (the clock moving) until id is answered or the flash is idle. */
static const struct fw_frame *run_until(size_t from, uint16_t id)
{
	for (int i = 0; i < 10000 && !answer(from, id) && F.core.flash.op; i++)
		wisfw_core_poll(&F.core, F.hw.now += 100);
	return answer(from, id);
}

static void pattern(uint8_t *d, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)(i * 13u + seed + (i >> 7));
}

static void test_two_in_order(void)
{
	setup();
	static uint8_t a[N], b[N];
	pattern(a, N, 1);
	pattern(b, N, 2);
	size_t at = F.out.n;
	uint16_t w1 = post_write(100, 0, a, N);
	uint16_t w2 = post_write(100 + N, 0, b, N);
	CHECK(!answer(at, w1) && !answer(at, w2)); /* both kept */
	CHECK_EQ(wisfw_core_slots_held(&F.core), 2);
	/* The turn that answers the first starts the second. */
	const struct fw_frame *r1 = run_until(at, w1);
	CHECK(r1 && r1->h.status == WIS_ST_OK);
	/* (An NVMC step programs 1 KiB: the second may be done already.) */
	CHECK(answer(at, w2) || (F.core.flash.op == WIS_OP_FLASH_WRITE &&
	                         F.core.flash.addr == 100 + N && F.core.flash.pos > 0));
	CHECK_EQ(F.core.flash.wq_ticket, -1);
	const struct fw_frame *r2 = run_until(at, w2);
	CHECK(r2 && r2->h.status == WIS_ST_OK);
	CHECK(r1 && r2 && r1 < r2); /* in order */
	CHECK(memcmp(STORE_MEM + 100, a, N) == 0);
	CHECK(memcmp(STORE_MEM + 100 + N, b, N) == 0);
	CHECK(STORE_MEM[99] == 0xff && STORE_MEM[100 + 2 * N] == 0xff);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	CHECK_EQ(F.core.flash.op, 0);
	/* The queue is free again: two more go the same way. */
	at = F.out.n;
	w1 = post_write(8192, 0, a, 16);
	w2 = post_write(8192 + 16, 0, b, 16);
	CHECK(run_until(at, w2) && answer(at, w2)->h.status == WIS_ST_OK);
	CHECK(answer(at, w1) && answer(at, w1)->h.status == WIS_ST_OK);
	CHECK(memcmp(STORE_MEM + 8192 + 16, b, 16) == 0);
}

/* While a write runs and one waits, any further flash request is BUSY
 * naming FLASH_WRITE; an out-of-range write behind one is BAD_ARG at once. */
static void test_third_busy(void)
{
	setup();
	static uint8_t a[N];
	pattern(a, N, 3);
	size_t at = F.out.n;
	uint16_t w1 = post_write(0, 0, a, N);
	uint16_t bad = post_write(WISFW_IFLASH_STORE_SIZE - 10, 0, a, 11);
	const struct fw_frame *r = answer(at, bad);
	CHECK(r && r->h.status == WIS_ST_BAD_ARG);
	if (r)
		CHECK_CONTAINS(detail(r), "past the end of the store");
	uint16_t w2 = post_write(N, 0, a, N);
	uint16_t more[] = {
	    post_write(2 * N, 0, a, N),
	    post_addr_len(WIS_OP_FLASH_ERASE, 0, 4096, 4),
	    post_addr_len(WIS_OP_FLASH_READ, 0, 16, 2),
	    post_addr_len(WIS_OP_FLASH_VERIFY, 0, 16, 4),
	    post_addr_len(WIS_OP_FLASH_STREAM, 0, 16, 4),
	    post(WIS_OP_FLASH_INFO, NULL, 0),
	};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		r = answer(at, more[i]);
		CHECK(r && r->h.status == WIS_ST_BUSY);
		if (r)
			CHECK_CONTAINS(detail(r), "flash busy with FLASH_WRITE");
	}
	CHECK(!answer(at, w1) && !answer(at, w2));
	CHECK(run_until(at, w2) && answer(at, w2)->h.status == WIS_ST_OK);
	CHECK(memcmp(STORE_MEM + N, a, N) == 0);
	CHECK(STORE_MEM[2 * N] == 0xff); /* the refused third wrote nothing */
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
}

/* The waiting write's erase check reads the store when it starts: over
 * bytes the first one programs, without the erase flag it is refused
 * WRONG_MODE naming the byte (at arrival those bytes were still erased);
 * with the flag it merges over them. */
static void test_check_at_start(void)
{
	setup();
	static uint8_t a[N], b[N];
	memset(a, 0x00, N);
	memset(b, 0x55, N);
	size_t at = F.out.n;
	uint16_t w1 = post_write(4096, 0, a, N);
	uint16_t w2 = post_write(4096 + 8, 0, b, 8);
	const struct fw_frame *r2 = run_until(at, w2);
	const struct fw_frame *r1 = answer(at, w1);
	CHECK(r1 && r1->h.status == WIS_ST_OK);
	CHECK(r2 && r2->h.status == WIS_ST_WRONG_MODE);
	if (r2)
		CHECK_CONTAINS(detail(r2), "byte at 0x00001008 is not erased");
	CHECK(memcmp(STORE_MEM + 4096, a, N) == 0); /* nothing of the second */
	CHECK_EQ(F.core.flash.op, 0);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	/* With the erase flag: the unit is read, merged and programmed back. */
	at = F.out.n;
	pattern(a, N, 4);
	w1 = post_write(8192, 0, a, N);
	w2 = post_write(8192 + 8, WIS_FLASH_WRITE_ERASE, b, 8);
	CHECK(run_until(at, w2) && answer(at, w2)->h.status == WIS_ST_OK);
	CHECK(memcmp(STORE_MEM + 8192, a, 8) == 0);
	CHECK(memcmp(STORE_MEM + 8192 + 8, b, 8) == 0);
	CHECK(memcmp(STORE_MEM + 8192 + 16, a + 16, N - 16) == 0);
	/* A first write refused at once leaves nothing running: the next one
	 * runs on its own, not behind. */
	at = F.out.n;
	w1 = post_write(4096, 0, b, 8);
	CHECK(answer(at, w1) && answer(at, w1)->h.status == WIS_ST_WRONG_MODE);
	CHECK_EQ(F.core.flash.op, 0);
}

static void test_held(void)
{
	setup();
	static uint8_t a[N];
	pattern(a, N, 5);
	size_t at = F.out.n;
	uint16_t w1 = post_write(0, 0, a, N);
	uint16_t w2 = post_write(N, 0, a, N);
	struct fw_frame *r = call(WIS_OP_HELD, NULL, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(r->len, 5);
	if (r->len == 5) {
		struct wis_rd rd = rd_of(r);
		CHECK_EQ(wis_rd_u8(&rd), 2);
		uint16_t x = wis_rd_u16(&rd), y = wis_rd_u16(&rd);
		CHECK((x == w1 && y == w2) || (x == w2 && y == w1));
	}
	CHECK(run_until(at, w2) && answer(at, w2)->h.status == WIS_ST_OK);
}

/* RESET with a write running and one waiting: neither is answered, both
 * slots are freed, and the waiting one is forgotten with the running one. */
static void test_reset(void)
{
	setup();
	static uint8_t a[N];
	pattern(a, N, 6);
	size_t at = F.out.n;
	uint16_t w1 = post_write(0, 0, a, N);
	uint16_t w2 = post_write(N, 0, a, N);
	CHECK_EQ(F.core.flash.wq_ticket >= 0, 1);
	post(WIS_OP_RESET, (uint8_t[]){WIS_RESET_APP}, 1);
	for (int i = 0; i < 100; i++)
		wisfw_core_poll(&F.core, F.hw.now += 100);
	CHECK_EQ(F.hw.resets, 1);
	CHECK(!answer(at, w1) && !answer(at, w2));
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	CHECK_EQ(F.core.flash.op, 0);
	CHECK_EQ(F.core.flash.wq_ticket, -1);
	CHECK(STORE_MEM[N] == 0xff); /* the waiting one never started */
}

/* The link goes down with a write running and one waiting: both run to
 * their end (as a running write always did), their answers are lost with
 * the link, both slots are freed, and the flash takes requests again. */
static void test_link_down(void)
{
	setup();
	static uint8_t a[N], b[N];
	pattern(a, N, 7);
	pattern(b, N, 8);
	post_write(0, 0, a, N);
	post_write(N, 0, b, N);
	F.hw.link_up = false;
	wisfw_core_tx_discard(&F.core);
	for (int i = 0; i < 10000 && F.core.flash.op; i++)
		wisfw_core_poll(&F.core, F.hw.now += 100);
	CHECK_EQ(F.core.flash.op, 0);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	CHECK(memcmp(STORE_MEM, a, N) == 0 && memcmp(STORE_MEM + N, b, N) == 0);
	F.hw.link_up = true;
	struct fw_frame *r = call(WIS_OP_FLASH_INFO, NULL, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

int main(void)
{
	test_two_in_order();
	test_third_busy();
	test_check_at_start();
	test_held();
	test_reset();
	test_link_down();
	return CHECK_DONE();
}
