/*
 * Firmware core tests, protocol side: HELLO, header checks, PING/UPTIME,
 * lengths of every opcode, garbage and counters, the pin table, pins that
 * are not I/O pins, RESET, BATCH, and a randomised robustness run.
 */
#include "core_harness.h"
#include "ops.h"

static void test_hello(void)
{
	setup();
	struct fw_frame *r = CALL(WIS_OP_HELLO, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	struct wis_rd rd = rd_of(r);
	CHECK_EQ(wis_rd_u8(&rd), 1);
	CHECK_EQ(wis_rd_u8(&rd), 16);
	CHECK_EQ(wis_rd_u16(&rd), 1024);
	CHECK_EQ(wis_rd_u32(&rd), F.hw.board.caps);
	const uint8_t *id = wis_rd_bytes(&rd, 8);
	CHECK(id && id[0] == 0xa0 && id[7] == 0xa7);
	uint8_t n = wis_rd_u8(&rd);
	const uint8_t *fw = wis_rd_bytes(&rd, n);
	CHECK(n == 5 && fw && memcmp(fw, "9.8.7", 5) == 0);
	n = wis_rd_u8(&rd);
	const uint8_t *b = wis_rd_bytes(&rd, n);
	CHECK(n == 7 && b && memcmp(b, "RAK4631", 7) == 0);
	CHECK_EQ(wis_rd_u8(&rd), F.hw.board.pin_count);
	/* never booted through wisfw_core_boot: cause power_on, no fault */
	CHECK_EQ(wis_rd_u8(&rd), WIS_CAUSE_POWER_ON);
	CHECK_EQ(wis_rd_u8(&rd), 0);
	CHECK_EQ(wis_rd_u32(&rd), 0);
	CHECK_EQ(wis_rd_u32(&rd), 0);
	CHECK_EQ(wis_rd_u32(&rd), 0);
	CHECK_EQ(wis_rd_left(&rd), 0);
	CHECK(!rd.err);

	r = CALL(WIS_OP_HELLO, 0);
	CHECK_EQ(r->h.status, WIS_ST_VERSION);
	CHECK_CONTAINS(detail(r), "version 0");
	r = CALL(WIS_OP_HELLO, 2); /* a newer host gets our version */
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(r->p[0], 1);
	r = call(WIS_OP_HELLO, NULL, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
	CHECK_CONTAINS(detail(r), "HELLO takes 1 byte (u8 host_version), got 0");
}

static void test_header_version_and_types(void)
{
	setup();
	size_t before = F.out.n;
	send_frame(2, WIS_MSG_REQUEST, 77, WIS_OP_PING, "x", 1);
	CHECK_EQ(F.out.n, before + 1);
	struct fw_frame *r = &F.out.f[before];
	CHECK_EQ(r->h.status, WIS_ST_VERSION);
	CHECK_EQ(r->h.version, 1);
	CHECK_EQ(r->h.id, 77);
	CHECK_CONTAINS(detail(r), "protocol version 2 not supported");

	before = F.out.n;
	send_frame(1, WIS_MSG_RESPONSE, 5, WIS_OP_PING, NULL, 0);
	send_frame(1, WIS_MSG_EVENT, 0, WIS_EV_GPIO_EDGE, NULL, 0);
	send_frame(1, 9, 6, WIS_OP_PING, NULL, 0);
	CHECK_EQ(F.out.n, before); /* ignored, not answered */
	CHECK_EQ(stat(S_BAD), 3);
}

static void test_ping_uptime_unknown(void)
{
	setup();
	static uint8_t big[WIS_MAX_PAYLOAD];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7);
	struct fw_frame *r = call(WIS_OP_PING, big, sizeof big);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK(r->len == sizeof big && memcmp(r->p, big, sizeof big) == 0);
	r = call(WIS_OP_PING, NULL, 0);
	CHECK(r->h.status == WIS_ST_OK && r->len == 0);

	F.hw.now += 123456;
	r = call(WIS_OP_UPTIME, NULL, 0);
	struct wis_rd rd = rd_of(r);
	CHECK_EQ(wis_rd_u64(&rd), 123456);
	CHECK_EQ(r->len, 8);
	r = CALL(WIS_OP_UPTIME, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);

	r = call(0x0fff, NULL, 0);
	CHECK_EQ(r->h.status, WIS_ST_UNKNOWN_OP);
	CHECK_CONTAINS(detail(r), "opcode 0x0fff is not implemented");
	r = call(WIS_EV_GPIO_EDGE, NULL, 0); /* an event opcode is no request */
	CHECK_EQ(r->h.status, WIS_ST_UNKNOWN_OP);
}

/* Every fixed-length opcode refuses one byte more and one byte less. */
static void test_bad_lengths(void)
{
	static const struct {
		uint16_t op;
		size_t len;
		const char *name;
	} ops[] = {
	    {WIS_OP_HELLO, 1, "HELLO"},
	    {WIS_OP_UPTIME, 0, "UPTIME"},
	    {WIS_OP_RESET, 1, "RESET"},
	    {WIS_OP_STATS, 0, "STATS"},
	    {WIS_OP_PINS, 1, "PINS"},
	    {WIS_OP_RELEASE, 1, "RELEASE"},
	    {WIS_OP_PIN_STATE, 1, "PIN_STATE"},
	    {WIS_OP_GPIO_MODE, 3, "GPIO_MODE"},
	    {WIS_OP_GPIO_READ, 1, "GPIO_READ"},
	    {WIS_OP_GPIO_WRITE, 2, "GPIO_WRITE"},
	    {WIS_OP_GPIO_WATCH, 6, "GPIO_WATCH"},
	    {WIS_OP_ADC_READ, 5, "ADC_READ"},
	    {WIS_OP_DELAY, 4, "DELAY"},
	    {WIS_OP_EMIT, 3, "EMIT"},
	};
	setup();
	uint8_t p[16] = {IO1};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		struct fw_frame *r = call(ops[i].op, p, ops[i].len + 1);
		CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
		CHECK_CONTAINS(detail(r), ops[i].name);
		if (ops[i].len) {
			r = call(ops[i].op, p, ops[i].len - 1);
			CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
			char want[64];
			snprintf(want, sizeof want, "got %zu", ops[i].len - 1);
			CHECK_CONTAINS(detail(r), want);
		}
	}
	CHECK_EQ(F.hw.resets, 0);
	CHECK_EQ(wisfw_core_pin_owner(&F.core, IO1), WIS_OWNER_NONE); /* nothing ran */
}

static void test_garbage_and_stats(void)
{
	setup();
	static const uint8_t noise[] = {0x13, 0x37, 0xff, 0x42, 0x99, 0x01, 0x02};
	send_raw(noise, sizeof noise);
	struct fw_frame *r = CALL(WIS_OP_PING, 0x55);
	CHECK(r->h.status == WIS_ST_OK && r->len == 1 && r->p[0] == 0x55);
	/* A frame with a broken CRC, then a good one. */
	uint8_t buf[64];
	struct wis_hdr h = {1, 0, 9, WIS_OP_PING, 0, 0};
	size_t n = wis__frame_encode(buf, sizeof buf, &h, (const uint8_t *)"abc", 3);
	buf[4] ^= 0x20;
	send_raw(buf, n);
	static const uint8_t runt[] = {0, 3, 1, 2, 0};
	send_raw(runt, sizeof runt);
	static const uint8_t badcobs[] = {0, 9, 1, 2, 0};
	send_raw(badcobs, sizeof badcobs);
	/* Oversized: more than WIS_MAX_ENCODED bytes without a delimiter. */
	static uint8_t huge[WIS_MAX_ENCODED + 10];
	memset(huge, 0x11, sizeof huge);
	send_raw(huge, sizeof huge);
	r = CALL(WIS_OP_PING, 0x66);
	CHECK(r->h.status == WIS_ST_OK && r->p[0] == 0x66);
	CHECK_EQ(stat(S_CRC), 1); /* the flipped bit */
	CHECK_EQ(stat(S_RUNT), 1);
	CHECK_EQ(stat(S_COBS), 2); /* the noise and the bad code byte */
	CHECK_EQ(stat(S_OVER), 1);
	CHECK(stat(S_DROP) > sizeof huge);
	CHECK_EQ(stat(S_RX), 2 + 6); /* 2 pings + 6 STATS calls so far */
	CHECK_EQ(stat(S_TX), 2 + 6); /* responses sent before this STATS */
	CHECK_EQ(stat(S_BAD), 0);
}

static void test_pins(void)
{
	setup();
	size_t total = F.hw.board.pin_count, got = 0;
	uint8_t first = 0;
	while (got < total) {
		struct fw_frame *r = CALL(WIS_OP_PINS, first);
		CHECK_EQ(r->h.status, WIS_ST_OK);
		struct wis_rd rd = rd_of(r);
		CHECK_EQ(wis_rd_u8(&rd), total);
		CHECK_EQ(wis_rd_u8(&rd), first);
		uint8_t n = wis_rd_u8(&rd);
		CHECK(n > 0);
		if (n == 0)
			break;
		for (uint8_t i = 0; i < n; i++) {
			const struct wis_pin_def *d = &F.hw.board.pins[first + i];
			CHECK_EQ(wis_rd_u8(&rd), d->connector);
			CHECK_EQ(wis_rd_u8(&rd), d->pad);
			CHECK_EQ(wis_rd_u8(&rd), d->kind);
			CHECK_EQ(wis_rd_u8(&rd), d->nrf);
			CHECK_EQ(wis_rd_u8(&rd), d->ain);
			CHECK_EQ(wis_rd_u16(&rd), d->funcs);
			uint8_t nl = wis_rd_u8(&rd);
			const uint8_t *name = wis_rd_bytes(&rd, nl);
			CHECK(name && nl == strlen(d->name) && memcmp(name, d->name, nl) == 0);
			const char *pn = d->pad_name ? d->pad_name : "";
			uint8_t pl = wis_rd_u8(&rd);
			const uint8_t *pad_name = wis_rd_bytes(&rd, pl);
			CHECK(pl == strlen(pn) &&
			      (pl == 0 || (pad_name && !memcmp(pad_name, pn, pl))));
		}
		CHECK_EQ(wis_rd_left(&rd), 0);
		got += n;
		first = (uint8_t)(first + n);
	}
	CHECK_EQ(got, total);
	struct fw_frame *r = CALL(WIS_OP_PINS, (uint8_t)total);
	CHECK(r->h.status == WIS_ST_OK && r->len == 3 && r->p[2] == 0);
	r = CALL(WIS_OP_PINS, (uint8_t)(total + 1));
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "past the end");
}

/* Every number that is not an IO pin of the board is refused, for every
 * pin-taking opcode. */
static void test_bad_pins(void)
{
	setup();
	for (unsigned nrf = 0; nrf < 256; nrf++) {
		bool io =
		    wis_pin_by_nrf(F.hw.board.pins, F.hw.board.pin_count, (uint8_t)nrf) != NULL;
		F.out.n = 0;
		struct fw_frame *r = CALL(WIS_OP_PIN_STATE, (uint8_t)nrf);
		CHECK_EQ(r->h.status, io ? WIS_ST_OK : WIS_ST_NO_SUCH_PIN);
	}
	struct fw_frame *r = CALL(WIS_OP_GPIO_READ, 40);
	CHECK_EQ(r->h.status, WIS_ST_NO_SUCH_PIN);
	CHECK_CONTAINS(detail(r), "pin 40 (P1.08) is not an I/O pin of this board");
	r = CALL(WIS_OP_GPIO_WRITE, WIS_NRF(1, 10), 1);
	CHECK_EQ(r->h.status, WIS_ST_NO_SUCH_PIN);
	CHECK_CONTAINS(detail(r), "SX1262 NSS");
	r = CALL(WIS_OP_GPIO_MODE, 200, 1, 0);
	CHECK_EQ(r->h.status, WIS_ST_NO_SUCH_PIN);
	CHECK_CONTAINS(detail(r), "pin 200 is not an nRF52840 GPIO");
	r = CALL(WIS_OP_GPIO_WATCH, 255, 1, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_NO_SUCH_PIN);
	r = CALL(WIS_OP_ADC_READ, 47, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_NO_SUCH_PIN);
	r = CALL(WIS_OP_RELEASE, 0xff);
	CHECK_EQ(r->h.status, WIS_ST_NO_SUCH_PIN);
	/* No radio pin was touched. */
	CHECK_EQ(F.hw.pins[WIS_NRF(1, 10)].mode, 0);
	CHECK_EQ(F.hw.pins[WIS_NRF(1, 10)].latch, 0);
}

static void test_reset(void)
{
	setup();
	struct fw_frame *r = CALL(WIS_OP_RESET, 3);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "RESET mode 3 out of range 0..2");
	CHECK_EQ(F.hw.resets, 0);
	/* RESET then PING in one chunk: the response goes out, then the
	 * reset; the PING dies with the module. */
	uint8_t buf[128];
	struct wis_hdr h1 = {1, 0, 40, WIS_OP_RESET, 0, 0}, h2 = {1, 0, 41, WIS_OP_PING, 0, 0};
	uint8_t mode = WIS_RESET_BOOTLOADER;
	size_t n = wis__frame_encode(buf, sizeof buf, &h1, &mode, 1);
	n += wis__frame_encode(buf + n, sizeof buf - n, &h2, NULL, 0);
	size_t before = F.out.n;
	send_raw(buf, n);
	CHECK_EQ(F.out.n, before + 1);
	CHECK(F.out.f[before].h.id == 40 && F.out.f[before].h.status == WIS_ST_OK);
	CHECK_EQ(F.hw.resets, 1);
	CHECK_EQ(F.hw.reset_mode, WIS_RESET_BOOTLOADER);
	send_frame(1, 0, 42, WIS_OP_PING, NULL, 0);
	CHECK_EQ(F.out.n, before + 1); /* halted until re-initialised */

	/* The port re-initialises: boot event, uptime and seq restart. */
	F.hw.now += 5000;
	wisfw_core_init(&F.core, &F.hw.hal);
	wisfw_core_boot(&F.core, WIS_CAUSE_REQUEST, NULL);
	CHECK_EQ(F.out.n, before + 2);
	struct fw_frame *e = &F.out.f[before + 1];
	CHECK(e->h.type == WIS_MSG_EVENT && e->h.opcode == WIS_EV_RESET && e->h.id == 0);
	struct wis_rd rd = rd_of(e);
	CHECK_EQ(wis_rd_u32(&rd), 0);
	CHECK_EQ(wis_rd_u64(&rd), 0);
	CHECK_EQ(wis_rd_u8(&rd), WIS_CAUSE_REQUEST);
	CHECK_EQ(wis_rd_left(&rd), 0);
	r = call(WIS_OP_PING, NULL, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

/* Appends one batch step. */
static void step(struct wis_wr *w, uint16_t op, const uint8_t *p, uint16_t len)
{
	wis_wr_u16(w, op);
	wis_wr_u16(w, len);
	wis_wr_bytes(w, p, len);
}

struct step_res {
	uint16_t op;
	uint8_t st;
	uint16_t len;
	const uint8_t *p;
};

static int parse_batch(struct fw_frame *r, struct step_res *s, int max)
{
	struct wis_rd rd = rd_of(r);
	int n = wis_rd_u8(&rd);
	for (int i = 0; i < n && i < max; i++) {
		s[i].op = wis_rd_u16(&rd);
		s[i].st = wis_rd_u8(&rd);
		s[i].len = wis_rd_u16(&rd);
		s[i].p = wis_rd_bytes(&rd, s[i].len);
	}
	CHECK(!rd.err);
	CHECK_EQ(wis_rd_left(&rd), 0);
	return n;
}

static void test_batch(void)
{
	setup();
	uint8_t req[WIS_MAX_PAYLOAD];
	struct step_res s[40];
	/* Mixed success and failure, no stop: every step runs in order. */
	struct wis_wr w = wis_wr_init(req, sizeof req);
	wis_wr_u8(&w, 0);
	wis_wr_u8(&w, 5);
	step(&w, WIS_OP_GPIO_WRITE, (uint8_t[]){IO1, 1}, 2);
	step(&w, WIS_OP_GPIO_READ, (uint8_t[]){IO1}, 1);
	step(&w, WIS_OP_GPIO_READ, (uint8_t[]){40}, 1);
	step(&w, WIS_OP_PING, (uint8_t[]){1, 2, 3}, 3);
	step(&w, WIS_OP_GPIO_WRITE, (uint8_t[]){IO1}, 1);
	struct fw_frame *r = call(WIS_OP_BATCH, req, w.len);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(parse_batch(r, s, 40), 5);
	CHECK(s[0].op == WIS_OP_GPIO_WRITE && s[0].st == WIS_ST_OK && s[0].len == 0);
	CHECK(s[1].st == WIS_ST_OK && s[1].len == 1 && s[1].p[0] == 1);
	CHECK_EQ(s[2].st, WIS_ST_NO_SUCH_PIN);
	char d[300];
	CHECK_CONTAINS(fw_detail(s[2].p, s[2].len, d, sizeof d), "pin 40 (P1.08)");
	CHECK(s[3].st == WIS_ST_OK && s[3].len == 3 && s[3].p[2] == 3);
	CHECK_EQ(s[4].st, WIS_ST_BAD_LENGTH);

	/* Stop on error: later steps are SKIPPED and do not run. */
	w = wis_wr_init(req, sizeof req);
	wis_wr_u8(&w, WIS_BATCH_STOP_ON_ERROR);
	wis_wr_u8(&w, 3);
	step(&w, WIS_OP_GPIO_WRITE, (uint8_t[]){IO2, 1}, 2);
	step(&w, WIS_OP_ADC_READ, (uint8_t[]){IO1, 0, 0, 12, 0}, 5);
	step(&w, WIS_OP_GPIO_WRITE, (uint8_t[]){IO2, 0}, 2);
	r = call(WIS_OP_BATCH, req, w.len);
	CHECK_EQ(parse_batch(r, s, 40), 3);
	CHECK_EQ(s[0].st, WIS_ST_OK);
	CHECK_EQ(s[1].st, WIS_ST_NOT_CAPABLE);
	CHECK(s[2].st == WIS_ST_SKIPPED && s[2].len == 0);
	CHECK_EQ(F.hw.pins[IO2].latch, 1); /* the skipped write did not happen */

	/* Nested BATCH, RESET and HELLO are refused per step. */
	w = wis_wr_init(req, sizeof req);
	wis_wr_u8(&w, 0);
	wis_wr_u8(&w, 4);
	step(&w, WIS_OP_BATCH, (uint8_t[]){0, 0}, 2);
	step(&w, WIS_OP_RESET, (uint8_t[]){0}, 1);
	step(&w, WIS_OP_HELLO, (uint8_t[]){1}, 1);
	step(&w, 0x7777, NULL, 0);
	r = call(WIS_OP_BATCH, req, w.len);
	CHECK_EQ(parse_batch(r, s, 40), 4);
	CHECK_EQ(s[0].st, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(fw_detail(s[0].p, s[0].len, d, sizeof d), "BATCH cannot be a batch step");
	CHECK_EQ(s[1].st, WIS_ST_BAD_ARG);
	CHECK_EQ(s[2].st, WIS_ST_BAD_ARG);
	CHECK_EQ(s[3].st, WIS_ST_UNKNOWN_OP);
	CHECK_EQ(F.hw.resets, 0);

	/* TOO_BIG: a step whose result overflows; later steps SKIPPED. */
	static uint8_t big[900];
	memset(big, 0xab, sizeof big);
	w = wis_wr_init(req, sizeof req);
	wis_wr_u8(&w, 0);
	wis_wr_u8(&w, 21);
	step(&w, WIS_OP_PING, big, 900);
	for (int i = 0; i < 20; i++) /* 48 bytes of result from none */
		step(&w, WIS_OP_STATS, NULL, 0);
	CHECK(!w.err);
	r = call(WIS_OP_BATCH, req, w.len);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(parse_batch(r, s, 40), 21);
	CHECK(s[0].st == WIS_ST_OK && s[0].len == 900);
	CHECK(s[1].st == WIS_ST_TOO_BIG && s[1].len == 0);
	for (int i = 2; i < 21; i++)
		CHECK(s[i].st == WIS_ST_SKIPPED && s[i].len == 0);
	/* The same PING alone is fine, and a PING too big for the batch's
	 * remaining room is TOO_BIG. */
	w = wis_wr_init(req, sizeof req);
	wis_wr_u8(&w, 0);
	wis_wr_u8(&w, 2);
	step(&w, WIS_OP_PIN_STATE, (uint8_t[]){IO1}, 1);
	step(&w, WIS_OP_PING, big, 900);
	r = call(WIS_OP_BATCH, req, w.len);
	CHECK_EQ(parse_batch(r, s, 40), 2);
	CHECK(s[0].st == WIS_ST_OK && s[1].st == WIS_ST_OK && s[1].len == 900);

	/* Thirty-two steps fit; thirty-three do not. */
	w = wis_wr_init(req, sizeof req);
	wis_wr_u8(&w, 0);
	wis_wr_u8(&w, 32);
	for (int i = 0; i < 32; i++)
		step(&w, WIS_OP_PIN_STATE, (uint8_t[]){IO1}, 1);
	r = call(WIS_OP_BATCH, req, w.len);
	CHECK_EQ(parse_batch(r, s, 40), 32);
	CHECK(s[31].st == WIS_ST_OK && s[31].len == 4);
	req[1] = 33;
	step(&w, WIS_OP_PIN_STATE, (uint8_t[]){IO1}, 1);
	r = call(WIS_OP_BATCH, req, w.len);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "BATCH count 33 out of range 0..32");

	/* Malformed batches run nothing. */
	r = call(WIS_OP_BATCH, (uint8_t[]){0}, 1);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
	CHECK_CONTAINS(detail(r),
	               "BATCH takes at least 2 bytes (u8 flags, u8 count, bytes steps), got 1");
	r = call(WIS_OP_BATCH, (uint8_t[]){0, 2, 0x03, 0x01, 2, 0, IO1, 0}, 8);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
	CHECK_CONTAINS(detail(r), "batch step 1 runs past the end");
	CHECK_EQ(F.hw.pins[IO1].latch, 1); /* step 0 (write 0) did not run */
	r = call(WIS_OP_BATCH, (uint8_t[]){0, 1, 0x02, 0x00, 0, 0, 9, 9}, 8);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
	CHECK_CONTAINS(detail(r), "2 stray bytes");
	r = call(WIS_OP_BATCH, (uint8_t[]){2, 0}, 2);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "BATCH flags 2 out of range 0..1");
	r = call(WIS_OP_BATCH, (uint8_t[]){0, 0}, 2);
	CHECK(r->h.status == WIS_ST_OK && r->len == 1 && r->p[0] == 0);
}

/* Random requests and random bytes: never a crash, one answer per request. */
static void test_random(void)
{
	setup();
	srand(1234);
	static const uint16_t ops[] = {
	    WIS_OP_PING,
	    WIS_OP_UPTIME,
	    WIS_OP_STATS,
	    WIS_OP_PINS,
	    WIS_OP_BATCH,
	    WIS_OP_RELEASE,
	    WIS_OP_PIN_STATE,
	    WIS_OP_GPIO_MODE,
	    WIS_OP_GPIO_READ,
	    WIS_OP_GPIO_WRITE,
	    WIS_OP_GPIO_WATCH,
	    WIS_OP_ADC_READ,
	    WIS_OP_HELLO,
	    0x0000,
	    0x0300,
	    0xffff,
	};
	uint8_t p[64];
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)rand() % 12;
		if (rand() % 8 == 0)
			len = (size_t)rand() % sizeof p;
		for (size_t j = 0; j < len; j++)
			p[j] = (uint8_t)(rand() % 4 ? rand() % 50 : rand());
		uint16_t op = ops[rand() % (int)(sizeof ops / sizeof ops[0])];
		if (op == WIS_OP_BATCH && len >= 2)
			p[1] = (uint8_t)(rand() % 5);
		F.out.n = 0;
		if (rand() % 10 == 0) {
			uint8_t junk[16];
			for (size_t j = 0; j < sizeof junk; j++)
				junk[j] = (uint8_t)rand();
			send_raw(junk, sizeof junk);
		}
		struct fw_frame *r = call(op, p, len);
		CHECK(r->h.status < WIS_ST__COUNT);
		if (r->h.status != WIS_ST_OK && r->len) /* a detail is a well-formed string */
			CHECK_EQ(r->p[0] + 1, r->len);
		uint8_t nrf = (uint8_t)(rand() % 50);
		wisfw_core_pin_changed(&F.core, nrf, (uint8_t)rand(), F.hw.now);
		F.hw.now += (uint64_t)(rand() % 3000);
		wisfw_core_poll(&F.core, F.hw.now);
	}
	CHECK_EQ(F.hw.resets, 0);
}

/* A fault before this boot (the port's record) is in HELLO, as the RESET
 * event's cause says. */
static void test_hello_after_a_fault(void)
{
	setup();
	const struct wisfw_fault f = {3, 0x00027a4du, 0x00026f11u, 0x00020000u};
	wisfw_core_boot(&F.core, WIS_CAUSE_FAULT, &f);
	struct fw_frame *r = CALL(WIS_OP_HELLO, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	const struct wis_op_desc *d = wis_op_find(WIS_OP_HELLO);
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad;
	CHECK_EQ(wis_fields_decode(d->resp, d->nresp, r->p, r->len, v, &bad), WIS_DEC_OK);
	CHECK_EQ(v[8].u, WIS_CAUSE_FAULT);
	CHECK_EQ(v[9].u, 3);
	CHECK_EQ(v[10].u, 0x00027a4du);
	CHECK_EQ(v[11].u, 0x00026f11u);
	CHECK_EQ(v[12].u, 0x00020000u);
	/* a later boot without a fault clears nothing the port did not say:
	 * the watchdog's cause with the record of that boot */
	setup();
	wisfw_core_boot(&F.core, WIS_CAUSE_WATCHDOG, NULL);
	r = CALL(WIS_OP_HELLO, 1);
	CHECK_EQ(wis_fields_decode(d->resp, d->nresp, r->p, r->len, v, &bad), WIS_DEC_OK);
	CHECK_EQ(v[8].u, WIS_CAUSE_WATCHDOG);
	CHECK_EQ(v[9].u, 0);
}

int main(void)
{
	test_hello();
	test_hello_after_a_fault();
	test_header_version_and_types();
	test_ping_uptime_unknown();
	test_bad_lengths();
	test_garbage_and_stats();
	test_pins();
	test_bad_pins();
	test_reset();
	test_batch();
	test_random();
	if (check_failures) {
		fprintf(stderr, "test_core_sys: %d failure(s)\n", check_failures);
		return 1;
	}
	printf("test_core_sys: all checks passed\n");
	return 0;
}
