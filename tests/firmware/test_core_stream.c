/*
 * Streamed answers (txq.c) through FLASH_STREAM on the internal store (no
 * chip fitted in this harness): parts in address order with the data,
 * made only as the link takes them, other answers going first, BUSY for
 * flash requests meanwhile, and the stream's end when the link goes down
 * or the module resets.
 */
#include "core_harness.h"
#include "flash_state.h"

#define STORE WISFW_IFLASH_STORE_SIZE
#define PART_FRAME_MAX (WIS_MAX_ENCODED + 1)

static uint16_t post(uint16_t op, const void *p, size_t len)
{
	uint16_t id = F.next_id++;
	send_frame(WIS_PROTO_VERSION, WIS_MSG_REQUEST, id, op, p, len);
	return id;
}

static uint16_t post_stream(uint32_t addr, uint32_t len)
{
	uint8_t b[8];
	struct wis_wr w = wis_wr_init(b, sizeof b);
	wis_wr_u32(&w, addr);
	wis_wr_u32(&w, len);
	return post(WIS_OP_FLASH_STREAM, b, sizeof b);
}

static uint8_t pattern(uint32_t at)
{
	return (uint8_t)(at * 7u + (at >> 8) + 1u);
}

/* Counts the store's reads: a stream must not read what it will not send. */
static unsigned reads;
static uint8_t (*real_read)(void *ctx, uint32_t addr, uint8_t *buf, size_t n);

static uint8_t counting_read(void *ctx, uint32_t addr, uint8_t *buf, size_t n)
{
	reads++;
	return real_read(ctx, addr, buf, n);
}

static void setup_store(void)
{
	setup();
	real_read = F.hw.iflash.read;
	F.hw.iflash.read = counting_read;
	uint32_t base = WISFW_IFLASH_STORE_BASE - SIMHAL_IFLASH_BASE;
	for (uint32_t i = 0; i < STORE; i++)
		F.hw.iflash_mem[base + i] = pattern(i);
}

/* Checks the frames from `from` on that answer id: parts cover
 * addr..addr+len in order with the store's data, then one final answer
 * with status st.  Returns the index of the final answer (or F.out.n). */
static size_t check_stream(size_t from, uint16_t id, uint32_t addr, uint32_t len, uint8_t st)
{
	uint32_t next = addr;
	size_t final = F.out.n;
	for (size_t i = from; i < F.out.n; i++) {
		const struct fw_frame *f = &F.out.f[i];
		if (f->h.type != WIS_MSG_RESPONSE || f->h.id != id)
			continue;
		CHECK_EQ(f->h.opcode, WIS_OP_FLASH_STREAM);
		CHECK(final == F.out.n); /* nothing after the final answer */
		if (!(f->h.flags & WIS_FLAG_MORE)) {
			final = i;
			CHECK_EQ(f->h.status, st);
			continue;
		}
		CHECK_EQ(f->h.status, WIS_ST_OK);
		CHECK(f->len > 4 && f->len <= WIS_MAX_PAYLOAD);
		struct wis_rd r = wis_rd_init(f->p, f->len);
		uint32_t at = wis_rd_u32(&r);
		CHECK_EQ(at, next);
		for (size_t k = 4; k < f->len; k++)
			if (f->p[k] != pattern(at + (uint32_t)(k - 4))) {
				CHECK_EQ(f->p[k], pattern(at + (uint32_t)(k - 4)));
				break;
			}
		next = at + (uint32_t)(f->len - 4);
	}
	if (st == WIS_ST_OK)
		CHECK_EQ(next, addr + len);
	CHECK(final < F.out.n);
	return final;
}

static void test_whole_store(void)
{
	setup_store();
	size_t at = F.out.n;
	uint16_t id = post_stream(0, STORE);
	check_stream(at, id, 0, STORE, WIS_ST_OK);
	size_t parts = 0;
	for (size_t i = at; i < F.out.n; i++)
		parts += (F.out.f[i].h.flags & WIS_FLAG_MORE) != 0;
	CHECK_EQ(parts, (STORE + WIS_FLASH_STREAM_DATA - 1) / WIS_FLASH_STREAM_DATA);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	CHECK(!wisfw_core_tx_pending(&F.core));
	/* An odd range, shorter than one part, and the store's last byte. */
	at = F.out.n;
	id = post_stream(1234, 5);
	check_stream(at, id, 1234, 5, WIS_ST_OK);
	at = F.out.n;
	id = post_stream(STORE - 1, 1);
	check_stream(at, id, STORE - 1, 1, WIS_ST_OK);
}

static void test_refused(void)
{
	setup_store();
	size_t at = F.out.n;
	uint16_t id = post_stream(STORE - 10, 11);
	size_t fin = check_stream(at, id, 0, 0, WIS_ST_BAD_ARG);
	if (fin < F.out.n)
		CHECK_CONTAINS(detail(&F.out.f[fin]), "past the end of the store");
	at = F.out.n;
	id = post_stream(0, 0); /* len 1..16 MiB: refused by the field check */
	fin = check_stream(at, id, 0, 0, WIS_ST_BAD_ARG);
	CHECK_EQ(fin, at);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
}

/* A link that takes 2.5 frames: the stream waits for it, answers to other
 * requests overtake the rest of the stream; a plain read goes, a second
 * stream is kept and follows the first, a third stream and flash requests
 * that change something get BUSY. */
static void test_paced(void)
{
	setup_store();
	F.hw.tx_budget = 5 * PART_FRAME_MAX / 2;
	size_t at = F.out.n;
	uint16_t id = post_stream(0, 8 * WIS_FLASH_STREAM_DATA);
	size_t parts = F.out.n - at;
	CHECK_EQ(parts, 2);
	CHECK(wisfw_core_tx_pending(&F.core));
	/* Nothing is made while the link is full, however often the core runs. */
	for (int i = 0; i < 5; i++)
		wisfw_core_poll(&F.core, F.hw.now += 100);
	CHECK_EQ(F.out.n - at, 2);
	CHECK_EQ(wisfw_core_next_deadline(&F.core), UINT64_MAX); /* no busy loop */
	uint16_t read = post(WIS_OP_FLASH_READ, (uint8_t[]){0x10, 0, 0, 0, 4, 0}, 6);
	uint16_t busy = post(WIS_OP_FLASH_ERASE, (uint8_t[]){0, 0, 0, 0, 0, 16, 0, 0}, 8);
	uint16_t behind = post_stream(100, 3000); /* kept, starts after the first */
	uint16_t third = post_stream(0, 10);      /* one waits at most: BUSY */
	uint16_t ping = post(WIS_OP_PING, (uint8_t[]){7}, 1);
	F.hw.tx_budget = -1;
	wisfw_core_poll(&F.core, F.hw.now += 100);
	size_t fin = check_stream(at, id, 0, 8 * WIS_FLASH_STREAM_DATA, WIS_ST_OK);
	size_t fin2 = check_stream(fin, behind, 100, 3000, WIS_ST_OK);
	CHECK(fin2 > fin + 3); /* three parts between */
	/* The answers left right after the part the link was taking. */
	size_t k = at + 3;
	CHECK(k + 3 < F.out.n);
	if (k + 3 < F.out.n) {
		/* A plain read goes through: the stream changes nothing. */
		CHECK_EQ(F.out.f[k].h.id, read);
		CHECK_EQ(F.out.f[k].h.status, WIS_ST_OK);
		CHECK_EQ(F.out.f[k].len, 4);
		CHECK_EQ(F.out.f[k].p[0], pattern(0x10));
		CHECK_EQ(F.out.f[k + 1].h.id, busy);
		CHECK_EQ(F.out.f[k + 1].h.status, WIS_ST_BUSY);
		CHECK_CONTAINS(detail(&F.out.f[k + 1]), "busy with FLASH_STREAM");
		CHECK_EQ(F.out.f[k + 2].h.id, third);
		CHECK_EQ(F.out.f[k + 2].h.status, WIS_ST_BUSY);
		CHECK_EQ(F.out.f[k + 3].h.id, ping);
		CHECK(fin > k + 3);
	}
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	/* Done: flash free again. */
	struct fw_frame *r = call(WIS_OP_FLASH_INFO, NULL, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

static void test_link_down(void)
{
	setup_store();
	F.hw.tx_budget = 3 * PART_FRAME_MAX / 2;
	size_t at = F.out.n;
	post_stream(0, STORE);
	CHECK_EQ(F.out.n - at, 1);
	post_stream(0, STORE); /* kept behind it: ends with it */
	unsigned before = reads;
	F.hw.link_up = false;
	wisfw_core_poll(&F.core, F.hw.now += 100);
	CHECK(reads - before <= 1); /* not the rest of the store into the void */
	CHECK(!wisfw_core_tx_pending(&F.core));
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	F.hw.link_up = true;
	F.hw.tx_budget = -1;
	size_t after = F.out.n;
	wisfw_core_poll(&F.core, F.hw.now += 100);
	CHECK_EQ(F.out.n, after); /* the stream ended with the link */
	struct fw_frame *r = call(WIS_OP_FLASH_INFO, NULL, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

static void test_reset(void)
{
	setup_store();
	F.hw.tx_budget = 3 * PART_FRAME_MAX / 2;
	size_t at = F.out.n;
	uint16_t id = post_stream(0, STORE);
	uint16_t behind = post_stream(0, STORE);
	post(WIS_OP_RESET, (uint8_t[]){WIS_RESET_APP}, 1);
	F.hw.tx_budget = -1;
	wisfw_core_poll(&F.core, F.hw.now += 100);
	CHECK_EQ(F.hw.resets, 1);
	size_t parts = 0, finals = 0;
	for (size_t i = at; i < F.out.n; i++) {
		const struct fw_frame *f = &F.out.f[i];
		CHECK(f->h.id != behind || f->h.opcode != WIS_OP_FLASH_STREAM);
		if (f->h.id != id)
			continue;
		parts += (f->h.flags & WIS_FLAG_MORE) != 0;
		finals += !(f->h.flags & WIS_FLAG_MORE);
	}
	CHECK(parts <= 2);   /* the one being sent, and at most the next */
	CHECK_EQ(finals, 0); /* discarded, never answered */
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	CHECK(!wisfw_core_tx_pending(&F.core));
}

int main(void)
{
	test_whole_store();
	test_refused();
	test_paced();
	test_link_down();
	test_reset();
	return CHECK_DONE();
}
