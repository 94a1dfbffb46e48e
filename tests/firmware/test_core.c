/*
 * Unit tests of the firmware core behind a fake HAL: every opcode, every
 * error path, BATCH semantics, events and debounce with a fake clock, link
 * back-pressure, and a randomised run for robustness (ASan/UBSan builds).
 */
#include <stdlib.h>

#include "core.h"
#include "fwtest.h"
#include "rak4631_board.h"

#define IO1 WIS_NRF(0, 17)
#define IO2 WIS_NRF(1, 2)
#define IO4 WIS_NRF(0, 4)
#define IO5 WIS_NRF(0, 9)
#define SW1 WIS_NRF(1, 1)
#define AIN0 WIS_NRF(0, 5)

struct fake {
	uint64_t now;
	struct fw_frames out;
	long tx_budget;  /* bytes the link still takes; < 0: unlimited */
	size_t tx_chunk; /* most bytes one tx call takes; 0: unlimited */
	bool link_down;
	int tx_waits;
	uint8_t mode[48], latch[48], in[48];
	char log[256]; /* "w17=1 c17=4 ..." order of gpio hooks */
	size_t log_len;
	int16_t adc_raw;
	uint8_t adc_st;
	uint8_t adc_args[5];
	int resets;
	uint8_t reset_mode;
	struct wis_board board;
	struct wis_hal hal;
	struct wis_core core;
	uint16_t next_id;
};

static struct fake F;

static void logf_(const char *s)
{
	size_t n = strlen(s);
	if (F.log_len + n < sizeof F.log) {
		memcpy(F.log + F.log_len, s, n + 1);
		F.log_len += n;
	}
}

static uint64_t h_now(void *ctx)
{
	(void)ctx;
	return F.now;
}

static int h_tx(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	if (F.link_down)
		return -1;
	if (F.tx_chunk && n > F.tx_chunk)
		n = F.tx_chunk;
	if (F.tx_budget >= 0) {
		if ((long)n > F.tx_budget)
			n = (size_t)F.tx_budget;
		F.tx_budget -= (long)n;
	}
	fw_frames_feed(&F.out, p, n);
	return (int)n;
}

static bool h_tx_wait(void *ctx, uint32_t us)
{
	(void)ctx;
	F.tx_waits++;
	F.now += us; /* the wait used up its time */
	return false;
}

static void h_config(void *ctx, uint8_t nrf, uint8_t mode)
{
	(void)ctx;
	char b[24];
	snprintf(b, sizeof b, "c%u=%u ", nrf, mode);
	logf_(b);
	F.mode[nrf] = mode;
}

static void h_write(void *ctx, uint8_t nrf, uint8_t level)
{
	(void)ctx;
	char b[24];
	snprintf(b, sizeof b, "w%u=%u ", nrf, level);
	logf_(b);
	F.latch[nrf] = level;
}

static uint8_t h_read(void *ctx, uint8_t nrf)
{
	(void)ctx;
	if (F.mode[nrf] == WIS_GPIO_OUTPUT)
		return F.latch[nrf];
	return F.in[nrf];
}

static uint8_t h_adc(void *ctx, uint8_t ain, uint8_t gain, uint8_t ref, uint8_t bits, uint8_t os,
                     int16_t *raw)
{
	(void)ctx;
	uint8_t a[5] = {ain, gain, ref, bits, os};
	memcpy(F.adc_args, a, 5);
	*raw = F.adc_raw;
	return F.adc_st;
}

static void h_reset(void *ctx, uint8_t mode)
{
	(void)ctx;
	F.resets++;
	F.reset_mode = mode;
}

static void h_id(void *ctx, uint8_t id[8])
{
	(void)ctx;
	for (int i = 0; i < 8; i++)
		id[i] = (uint8_t)(0xa0 + i);
}

static void setup_nfc(bool nfc_gpio)
{
	memset(&F, 0, sizeof F);
	F.now = 1000000;
	F.tx_budget = -1;
	wis_deframer_init(&F.out.d);
	wis_rak4631_board(&F.board);
	F.board.fw_version = "9.8.7";
	F.board.caps = WIS_CAP_GPIO | WIS_CAP_ADC | WIS_CAP_BATCH | WIS_CAP_EVENTS;
	F.board.nfc_pins_gpio = nfc_gpio;
	F.hal = (struct wis_hal){
		.ctx = &F,
		.board = &F.board,
		.now_us = h_now,
		.tx = h_tx,
		.tx_wait = h_tx_wait,
		.gpio_config = h_config,
		.gpio_write = h_write,
		.gpio_read = h_read,
		.adc_sample = h_adc,
		.reset = h_reset,
		.device_id = h_id,
	};
	wis_core_init(&F.core, &F.hal);
	F.log_len = 0;
	F.log[0] = 0;
	F.next_id = 1;
}

static void setup(void)
{
	setup_nfc(true);
}

static void send_raw(const uint8_t *p, size_t n)
{
	wis_core_rx(&F.core, p, n);
}

static void send_frame(uint8_t version, uint8_t type, uint16_t id, uint16_t op, const void *p,
                       size_t len)
{
	uint8_t buf[WIS_MAX_ENCODED + 1];
	struct wis_hdr h = {version, type, id, op, 0, 0};
	size_t n = wis_frame_encode(buf, sizeof buf, &h, p, len);
	CHECK(n > 0);
	send_raw(buf, n);
}

/* Sends one request and returns its response (checked to be the only one). */
static struct fw_frame *call(uint16_t op, const void *p, size_t len)
{
	size_t before = F.out.n;
	uint16_t id = F.next_id++;
	send_frame(WIS_PROTO_VERSION, WIS_MSG_REQUEST, id, op, p, len);
	struct fw_frame *r = NULL;
	int nresp = 0;
	for (size_t i = before; i < F.out.n; i++)
		if (F.out.f[i].h.type == WIS_MSG_RESPONSE) {
			r = &F.out.f[i];
			nresp++;
		}
	CHECK_EQ(nresp, 1);
	if (!r) {
		static struct fw_frame none;
		none.h.status = 0xff;
		return &none;
	}
	CHECK_EQ(r->h.id, id);
	CHECK_EQ(r->h.opcode, op);
	CHECK_EQ(r->h.version, WIS_PROTO_VERSION);
	return r;
}

static const char *detail(const struct fw_frame *r)
{
	static char b[300];
	return fw_detail(r->p, r->len, b, sizeof b);
}

#define CALL(op, ...) call(op, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static size_t count_events(size_t from, uint16_t op)
{
	size_t n = 0;
	for (size_t i = from; i < F.out.n; i++)
		if (F.out.f[i].h.type == WIS_MSG_EVENT && F.out.f[i].h.opcode == op)
			n++;
	return n;
}

static struct wis_rd rd_of(const struct fw_frame *r)
{
	return wis_rd_init(r->p, r->len);
}

/* STATS response fields by index: 0 uptime, 1.. the u32 counters. */
static uint64_t stat(int idx)
{
	struct fw_frame *r = call(WIS_OP_STATS, NULL, 0);
	CHECK_EQ(r->len, 8 + 10 * 4);
	struct wis_rd rd = rd_of(r);
	uint64_t up = wis_rd_u64(&rd);
	if (idx == 0)
		return up;
	uint32_t v = 0;
	for (int i = 1; i <= idx; i++)
		v = wis_rd_u32(&rd);
	return v;
}
enum { S_UP, S_RX, S_CRC, S_COBS, S_OVER, S_RUNT, S_DROP, S_TX, S_EVS, S_EVD, S_BAD };

static void test_hello(void)
{
	setup();
	struct fw_frame *r = CALL(WIS_OP_HELLO, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	struct wis_rd rd = rd_of(r);
	CHECK_EQ(wis_rd_u8(&rd), 1);
	CHECK_EQ(wis_rd_u8(&rd), 16);
	CHECK_EQ(wis_rd_u16(&rd), 1024);
	CHECK_EQ(wis_rd_u32(&rd), F.board.caps);
	const uint8_t *id = wis_rd_bytes(&rd, 8);
	CHECK(id && id[0] == 0xa0 && id[7] == 0xa7);
	uint8_t n = wis_rd_u8(&rd);
	const uint8_t *fw = wis_rd_bytes(&rd, n);
	CHECK(n == 5 && fw && memcmp(fw, "9.8.7", 5) == 0);
	n = wis_rd_u8(&rd);
	const uint8_t *b = wis_rd_bytes(&rd, n);
	CHECK(n == 7 && b && memcmp(b, "RAK4631", 7) == 0);
	CHECK_EQ(wis_rd_u8(&rd), F.board.pin_count);
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
	CHECK_CONTAINS(detail(r), "HELLO takes 1 byte (u8 host version), got 0");
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

	F.now += 123456;
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
		{WIS_OP_HELLO, 1, "HELLO"},         {WIS_OP_UPTIME, 0, "UPTIME"},
		{WIS_OP_RESET, 1, "RESET"},         {WIS_OP_STATS, 0, "STATS"},
		{WIS_OP_PINS, 1, "PINS"},           {WIS_OP_RELEASE, 1, "RELEASE"},
		{WIS_OP_PIN_STATE, 1, "PIN_STATE"}, {WIS_OP_GPIO_MODE, 3, "GPIO_MODE"},
		{WIS_OP_GPIO_READ, 1, "GPIO_READ"}, {WIS_OP_GPIO_WRITE, 2, "GPIO_WRITE"},
		{WIS_OP_GPIO_WATCH, 6, "GPIO_WATCH"}, {WIS_OP_ADC_READ, 5, "ADC_READ"},
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
	CHECK_EQ(F.resets, 0);
	CHECK_EQ(wis_core_pin_owner(&F.core, IO1), WIS_OWNER_NONE); /* nothing ran */
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
	size_t n = wis_frame_encode(buf, sizeof buf, &h, (const uint8_t *)"abc", 3);
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
	CHECK_EQ(stat(S_CRC), 1);  /* the flipped bit */
	CHECK_EQ(stat(S_RUNT), 1);
	CHECK_EQ(stat(S_COBS), 2); /* the noise and the bad code byte */
	CHECK_EQ(stat(S_OVER), 1);
	CHECK(stat(S_DROP) > sizeof huge);
	CHECK_EQ(stat(S_RX), 2 + 6);  /* 2 pings + 6 STATS calls so far */
	CHECK_EQ(stat(S_TX), 2 + 6);  /* responses sent before this STATS */
	CHECK_EQ(stat(S_BAD), 0);
}

static void test_pins(void)
{
	setup();
	size_t total = F.board.pin_count, got = 0;
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
			const struct wis_pin_def *d = &F.board.pins[first + i];
			CHECK_EQ(wis_rd_u8(&rd), d->connector);
			CHECK_EQ(wis_rd_u8(&rd), d->kind);
			CHECK_EQ(wis_rd_u8(&rd), d->nrf);
			CHECK_EQ(wis_rd_u8(&rd), d->ain);
			CHECK_EQ(wis_rd_u16(&rd), d->funcs);
			uint8_t nl = wis_rd_u8(&rd);
			const uint8_t *name = wis_rd_bytes(&rd, nl);
			CHECK(name && nl == strlen(d->name) && memcmp(name, d->name, nl) == 0);
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
		bool io = wis_pin_by_nrf(F.board.pins, F.board.pin_count, (uint8_t)nrf) != NULL;
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
	CHECK_EQ(F.mode[WIS_NRF(1, 10)], 0);
	CHECK_EQ(F.latch[WIS_NRF(1, 10)], 0);
}

static void test_gpio_modes(void)
{
	setup();
	for (uint8_t m = 1; m < WIS_GPIO__MODE_COUNT; m++) {
		struct fw_frame *r = CALL(WIS_OP_GPIO_MODE, IO1, m, 0);
		CHECK_EQ(r->h.status, WIS_ST_OK);
		CHECK_EQ(F.mode[IO1], m);
		r = CALL(WIS_OP_PIN_STATE, IO1);
		CHECK(r->len == 4 && r->p[0] == WIS_OWNER_GPIO && r->p[1] == m);
	}
	struct fw_frame *r = CALL(WIS_OP_GPIO_MODE, IO1, 6, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "mode 6 out of range 0..5");
	r = CALL(WIS_OP_GPIO_MODE, IO1, WIS_GPIO_OUTPUT, 2);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "initial level 2 out of range 0..1");

	/* The latch is set before the pin turns output: no glitch. */
	F.log_len = 0;
	r = CALL(WIS_OP_GPIO_MODE, IO2, WIS_GPIO_OUTPUT, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_CONTAINS(F.log, "w34=1 c34=4");
	r = CALL(WIS_OP_GPIO_READ, IO2);
	CHECK(r->h.status == WIS_ST_OK && r->len == 1 && r->p[0] == 1);

	/* Disabled releases. */
	r = CALL(WIS_OP_GPIO_MODE, IO2, WIS_GPIO_DISABLED, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(wis_core_pin_owner(&F.core, IO2), WIS_OWNER_NONE);
	CHECK_EQ(F.mode[IO2], WIS_GPIO_DISABLED);
}

static void test_gpio_read_write(void)
{
	setup();
	/* Read of an unowned pin makes it an input. */
	F.in[IO1] = 1;
	struct fw_frame *r = CALL(WIS_OP_GPIO_READ, IO1);
	CHECK(r->h.status == WIS_ST_OK && r->p[0] == 1);
	CHECK_EQ(F.mode[IO1], WIS_GPIO_INPUT);
	r = CALL(WIS_OP_GPIO_WRITE, IO1, 1);
	CHECK_EQ(r->h.status, WIS_ST_WRONG_MODE);
	CHECK_CONTAINS(detail(r), "IO1 is an input: set mode output first");
	CHECK_EQ(F.latch[IO1], 0);

	/* Write of an unowned pin makes it a push-pull output. */
	r = CALL(WIS_OP_GPIO_WRITE, IO2, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK(F.mode[IO2] == WIS_GPIO_OUTPUT && F.latch[IO2] == 1);
	r = CALL(WIS_OP_GPIO_WRITE, IO2, 0);
	CHECK(r->h.status == WIS_ST_OK && F.latch[IO2] == 0);
	r = CALL(WIS_OP_GPIO_WRITE, IO2, 2);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "level 2 out of range 0..1");
	r = CALL(WIS_OP_GPIO_MODE, IO2, WIS_GPIO_OUTPUT_OPEN_DRAIN, 0);
	r = CALL(WIS_OP_GPIO_WRITE, IO2, 1);
	CHECK(r->h.status == WIS_ST_OK && F.latch[IO2] == 1);
	r = CALL(WIS_OP_GPIO_WATCH, IO2, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_WRONG_MODE);
	CHECK_CONTAINS(detail(r), "IO2 is an output: set an input mode first");

	/* The LED pins are ordinary GPIOs. */
	r = CALL(WIS_OP_GPIO_WRITE, WIS_NRF(1, 3), 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

static void test_ownership(void)
{
	setup();
	F.adc_raw = 100;
	struct fw_frame *r = CALL(WIS_OP_ADC_READ, IO4, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(wis_core_pin_owner(&F.core, IO4), WIS_OWNER_ADC);
	r = CALL(WIS_OP_GPIO_WRITE, IO4, 1);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	CHECK_CONTAINS(detail(r), "IO4 is owned by ADC: release it first");
	r = CALL(WIS_OP_GPIO_READ, IO4);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	r = CALL(WIS_OP_GPIO_MODE, IO4, WIS_GPIO_DISABLED, 0);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	r = CALL(WIS_OP_GPIO_WATCH, IO4, 1, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	r = CALL(WIS_OP_PIN_STATE, IO4);
	CHECK(r->h.status == WIS_ST_OK && r->p[0] == WIS_OWNER_ADC && r->p[1] == 0);
	r = CALL(WIS_OP_RELEASE, IO4);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(wis_core_pin_owner(&F.core, IO4), WIS_OWNER_NONE);
	r = CALL(WIS_OP_GPIO_WRITE, IO4, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	r = CALL(WIS_OP_ADC_READ, IO4, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	CHECK_CONTAINS(detail(r), "IO4 is owned by GPIO: release it first");
	r = CALL(WIS_OP_RELEASE, IO4);
	r = CALL(WIS_OP_ADC_READ, IO4, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	r = CALL(WIS_OP_RELEASE, IO1); /* releasing a free pin is fine */
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

static void test_nfc_reserved(void)
{
	setup_nfc(false);
	struct fw_frame *r = CALL(WIS_OP_GPIO_WRITE, IO5, 1);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	CHECK_CONTAINS(detail(r), "IO5 is reserved by the system");
	r = CALL(WIS_OP_RELEASE, IO5);
	CHECK_EQ(r->h.status, WIS_ST_PIN_BUSY);
	r = CALL(WIS_OP_PIN_STATE, IO5);
	CHECK(r->h.status == WIS_ST_OK && r->p[0] == WIS_OWNER_SYSTEM);
	setup_nfc(true);
	r = CALL(WIS_OP_GPIO_WRITE, IO5, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

static void test_adc(void)
{
	setup();
	struct fw_frame *r = CALL(WIS_OP_ADC_READ, IO1, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_NOT_CAPABLE);
	CHECK_CONTAINS(detail(r), "IO1 has no analog input (ADC pins: AIN0, AIN1, IO4, IO7)");
	CHECK_EQ(wis_core_pin_owner(&F.core, IO1), WIS_OWNER_NONE);
	r = CALL(WIS_OP_ADC_READ, AIN0, 9, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "gain 9 out of range 0..7");
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 2, 12, 0);
	CHECK_CONTAINS(detail(r), "reference 2 out of range 0..1");
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 9, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "resolution 9 bits");
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 16, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 12, 9);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "oversample 9 out of range 0..8");
	CHECK_EQ(wis_core_pin_owner(&F.core, AIN0), WIS_OWNER_NONE); /* refused: not taken */

	/* The HAL sees the parameters and the pin's AIN channel. */
	F.adc_raw = 1877;
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 12, 3);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK(memcmp(F.adc_args, (uint8_t[]){3, 0, 0, 12, 3}, 5) == 0);
	struct wis_rd rd = rd_of(r);
	CHECK_EQ((int16_t)wis_rd_u16(&rd), 1877);
	CHECK_EQ((int32_t)wis_rd_u32(&rd), 1650); /* 1877 * 3600 / 4096 = 1649.7 */
	CHECK_EQ(F.mode[AIN0], WIS_GPIO_DISABLED);

	/* Conversion: mv = raw * ref / gain / 2^bits, rounded. */
	struct {
		int16_t raw;
		uint8_t gain, ref, bits;
		int32_t mv;
	} cases[] = {
		{4095, WIS_ADC_GAIN_1_6, 0, 12, 3599}, /* 4095*3600/4096 = 3599.1 */
		{0, WIS_ADC_GAIN_1_6, 0, 12, 0},
		{255, WIS_ADC_GAIN_1_6, 0, 8, 3586},    /* 255*3600/256 = 3585.9 */
		{512, WIS_ADC_GAIN_1, 0, 10, 300},      /* 512*600/1024 */
		{8192, WIS_ADC_GAIN_4, 0, 14, 75},      /* 8192*150/16384 */
		{1000, WIS_ADC_GAIN_1_4, 1, 12, 806},   /* 1000*3300/4096 = 805.66 */
		{2048, WIS_ADC_GAIN_2, 1, 12, 206},     /* 2048*412.5/4096 = 206.25 */
		{-3, WIS_ADC_GAIN_1_6, 0, 12, -3},      /* -3*3600/4096 = -2.64 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		F.adc_raw = cases[i].raw;
		r = CALL(WIS_OP_ADC_READ, AIN0, cases[i].gain, cases[i].ref, cases[i].bits, 0);
		CHECK_EQ(r->h.status, WIS_ST_OK);
		rd = rd_of(r);
		CHECK_EQ((int16_t)wis_rd_u16(&rd), cases[i].raw);
		CHECK_EQ((int32_t)wis_rd_u32(&rd), cases[i].mv);
	}
	/* The inverse the simulator uses: ideal converter, clamped. */
	CHECK_EQ(wis_adc_raw_from_mv(1650, 0, 0, 12, 3300), 1877);
	CHECK_EQ(wis_adc_raw_from_mv(5000, 0, 0, 12, 3300), 4095);
	CHECK_EQ(wis_adc_raw_from_mv(-5, 0, 0, 12, 3300), 0);
	CHECK_EQ(wis_adc_raw_from_mv(700, WIS_ADC_GAIN_1, 0, 10, 3300), 1023);
	CHECK_EQ(wis_adc_raw_from_mv(300, WIS_ADC_GAIN_1, 0, 10, 3300), 512);
	CHECK_EQ(wis_adc_raw_from_mv(3300, WIS_ADC_GAIN_1_4, 1, 14, 3300), 16383);
	for (int32_t mv = 0; mv <= 3600; mv += 7) {
		int16_t raw = wis_adc_raw_from_mv(mv, 0, 0, 14, 3300);
		int32_t back = wis_adc_mv_from_raw(raw, 0, 0, 14, 3300);
		CHECK(back - mv <= 1 && mv - back <= 1);
	}
	CHECK(wis_adc_params_ok(7, 1, 14, 8));
	CHECK(!wis_adc_params_ok(8, 0, 12, 0));

	F.adc_st = WIS_ST_HW_TIMEOUT;
	r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_HW_TIMEOUT);
	CHECK_CONTAINS(detail(r), "AIN3 did not finish");
}

static void test_reset(void)
{
	setup();
	struct fw_frame *r = CALL(WIS_OP_RESET, 3);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "reset mode 3 out of range 0..2");
	CHECK_EQ(F.resets, 0);
	/* RESET then PING in one chunk: the response goes out, then the
	 * reset; the PING dies with the module. */
	uint8_t buf[128];
	struct wis_hdr h1 = {1, 0, 40, WIS_OP_RESET, 0, 0}, h2 = {1, 0, 41, WIS_OP_PING, 0, 0};
	uint8_t mode = WIS_RESET_BOOTLOADER;
	size_t n = wis_frame_encode(buf, sizeof buf, &h1, &mode, 1);
	n += wis_frame_encode(buf + n, sizeof buf - n, &h2, NULL, 0);
	size_t before = F.out.n;
	send_raw(buf, n);
	CHECK_EQ(F.out.n, before + 1);
	CHECK(F.out.f[before].h.id == 40 && F.out.f[before].h.status == WIS_ST_OK);
	CHECK_EQ(F.resets, 1);
	CHECK_EQ(F.reset_mode, WIS_RESET_BOOTLOADER);
	send_frame(1, 0, 42, WIS_OP_PING, NULL, 0);
	CHECK_EQ(F.out.n, before + 1); /* halted until re-initialised */

	/* The port re-initialises: boot event, uptime and seq restart. */
	F.now += 5000;
	wis_core_init(&F.core, &F.hal);
	wis_core_boot(&F.core, WIS_CAUSE_REQUEST);
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
	CHECK_EQ(F.latch[IO2], 1); /* the skipped write did not happen */

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
	CHECK_EQ(F.resets, 0);

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
	CHECK_CONTAINS(detail(r), "batch step count 33 out of range 0..32");

	/* Malformed batches run nothing. */
	r = call(WIS_OP_BATCH, (uint8_t[]){0}, 1);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
	r = call(WIS_OP_BATCH, (uint8_t[]){0, 2, 0x03, 0x01, 2, 0, IO1, 0}, 8);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
	CHECK_CONTAINS(detail(r), "batch step 1 runs past the end");
	CHECK_EQ(F.latch[IO1], 1); /* step 0 (write 0) did not run */
	r = call(WIS_OP_BATCH, (uint8_t[]){0, 1, 0x02, 0x00, 0, 0, 9, 9}, 8);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
	CHECK_CONTAINS(detail(r), "2 stray bytes");
	r = call(WIS_OP_BATCH, (uint8_t[]){2, 0}, 2);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "only bit 0");
	r = call(WIS_OP_BATCH, (uint8_t[]){0, 0}, 2);
	CHECK(r->h.status == WIS_ST_OK && r->len == 1 && r->p[0] == 0);
}

static struct fw_frame *event_at(size_t i)
{
	return &F.out.f[i];
}

static void check_edge(struct fw_frame *e, uint32_t seq, uint64_t t, uint8_t pin, uint8_t level)
{
	CHECK(e->h.type == WIS_MSG_EVENT && e->h.opcode == WIS_EV_GPIO_EDGE && e->h.id == 0);
	CHECK_EQ(e->len, 15);
	struct wis_rd rd = rd_of(e);
	CHECK_EQ(wis_rd_u32(&rd), seq);
	CHECK_EQ(wis_rd_u64(&rd), t);
	CHECK_EQ(wis_rd_u8(&rd), pin);
	CHECK_EQ(wis_rd_u8(&rd), level);
	CHECK_EQ(wis_rd_u8(&rd), level ? WIS_EDGE_RISING : WIS_EDGE_FALLING);
}

static void test_events(void)
{
	setup();
	uint64_t boot = F.now;
	wis_core_boot(&F.core, WIS_CAUSE_POWER_ON); /* seq 0 */
	struct fw_frame *r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(F.mode[IO1], WIS_GPIO_INPUT); /* watch claims a free pin as input */
	r = CALL(WIS_OP_PIN_STATE, IO1);
	CHECK(r->p[0] == WIS_OWNER_GPIO && r->p[1] == WIS_GPIO_INPUT && r->p[3] == WIS_EDGE_BOTH);
	size_t at = F.out.n;
	wis_core_pin_changed(&F.core, IO1, 1, boot + 100);
	wis_core_pin_changed(&F.core, IO1, 1, boot + 150); /* no change: nothing */
	wis_core_pin_changed(&F.core, IO1, 0, boot + 200);
	wis_core_pin_changed(&F.core, IO2, 1, boot + 250); /* not watched */
	wis_core_poll(&F.core, boot + 300);
	CHECK_EQ(F.out.n, at + 2);
	check_edge(event_at(at), 1, 100, IO1, 1);
	check_edge(event_at(at + 1), 2, 200, IO1, 0);

	/* Rising only. */
	r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_RISING, 0, 0, 0, 0);
	at = F.out.n;
	wis_core_pin_changed(&F.core, IO1, 1, boot + 400);
	wis_core_pin_changed(&F.core, IO1, 0, boot + 500);
	wis_core_poll(&F.core, boot + 600);
	CHECK_EQ(F.out.n, at + 1);
	check_edge(event_at(at), 3, 400, IO1, 1);

	/* Stop watching; a mode change also stops it. */
	r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_NONE, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	at = F.out.n;
	wis_core_pin_changed(&F.core, IO1, 1, boot + 700);
	wis_core_poll(&F.core, boot + 800);
	CHECK_EQ(F.out.n, at);
	r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	r = CALL(WIS_OP_GPIO_MODE, IO1, WIS_GPIO_INPUT_PULLUP, 0);
	at = F.out.n;
	wis_core_pin_changed(&F.core, IO1, 0, boot + 900);
	wis_core_poll(&F.core, boot + 950);
	CHECK_EQ(F.out.n, at);
	r = CALL(WIS_OP_GPIO_WATCH, IO1, 4, 0, 0, 0, 0);
	CHECK_CONTAINS(detail(r), "edge 4 out of range 0..3");
	r = CALL(WIS_OP_GPIO_WATCH, IO1, 1, 0x41, 0x42, 0x0f, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "debounce_us 1000001 out of range 0..1000000");

	/* A stuck link: events wait in the queue (32), then drop, and the
	 * sequence numbers show the gap. */
	r = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	F.in[IO1] = 0;
	F.tx_budget = 0;
	uint8_t level = 1;
	for (int i = 0; i < 40; i++, level ^= 1)
		wis_core_pin_changed(&F.core, IO1, level, boot + 2000 + (uint64_t)i);
	wis_core_poll(&F.core, boot + 3000);
	CHECK(wis_core_tx_pending(&F.core));
	at = F.out.n;
	F.tx_budget = -1;
	wis_core_poll(&F.core, boot + 3100);
	CHECK(!wis_core_tx_pending(&F.core));
	CHECK_EQ(F.out.n, at + WIS_CORE_EVQ_LEN);
	struct wis_rd rd = rd_of(event_at(at));
	uint32_t seq0 = wis_rd_u32(&rd);
	rd = rd_of(event_at(at + WIS_CORE_EVQ_LEN - 1));
	CHECK_EQ(wis_rd_u32(&rd), seq0 + WIS_CORE_EVQ_LEN - 1);
	wis_core_pin_changed(&F.core, IO1, level, boot + 4000);
	wis_core_poll(&F.core, boot + 4001);
	rd = rd_of(event_at(F.out.n - 1));
	CHECK_EQ(wis_rd_u32(&rd), seq0 + 40); /* 8 numbers lost to drops */
	CHECK_EQ(stat(S_EVD), 8);

	/* Link down: events are dropped, not queued. */
	F.link_down = true;
	wis_core_pin_changed(&F.core, IO1, level ^ 1, boot + 5000);
	wis_core_poll(&F.core, boot + 5001);
	CHECK(!wis_core_tx_pending(&F.core));
	F.link_down = false;
	CHECK_EQ(stat(S_EVD), 9);
}

static void test_debounce(void)
{
	setup();
	uint64_t b = F.now;
	struct fw_frame *r = CALL(WIS_OP_GPIO_MODE, SW1, WIS_GPIO_INPUT_PULLUP, 0);
	F.in[SW1] = 1;
	r = CALL(WIS_OP_GPIO_WATCH, SW1, WIS_EDGE_BOTH, 0xe8, 0x03, 0, 0); /* 1000 us */
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(wis_core_next_deadline(&F.core), UINT64_MAX);
	size_t at = F.out.n;
	/* A bouncing press: 1->0 at 10000, bounces, settles 0 at 10300. */
	wis_core_pin_changed(&F.core, SW1, 0, b + 10000);
	wis_core_pin_changed(&F.core, SW1, 1, b + 10100);
	wis_core_pin_changed(&F.core, SW1, 0, b + 10300);
	CHECK_EQ(wis_core_next_deadline(&F.core), b + 11300);
	wis_core_poll(&F.core, b + 11299);
	CHECK_EQ(F.out.n, at);
	wis_core_poll(&F.core, b + 11300);
	CHECK_EQ(F.out.n, at + 1);
	check_edge(event_at(at), 0, 10000, SW1, 0); /* time of the first transition */
	CHECK_EQ(wis_core_next_deadline(&F.core), UINT64_MAX);

	/* A glitch shorter than the debounce time is no edge at all. */
	wis_core_pin_changed(&F.core, SW1, 1, b + 20000);
	wis_core_pin_changed(&F.core, SW1, 0, b + 20500);
	wis_core_poll(&F.core, b + 30000);
	CHECK_EQ(F.out.n, at + 1);

	/* Release, held long enough. */
	wis_core_pin_changed(&F.core, SW1, 1, b + 40000);
	wis_core_poll(&F.core, b + 40999);
	CHECK_EQ(F.out.n, at + 1);
	wis_core_poll(&F.core, b + 41000);
	CHECK_EQ(F.out.n, at + 2);
	check_edge(event_at(at + 1), 1, 40000, SW1, 1);

	/* Releasing the pin cancels a pending debounce. */
	wis_core_pin_changed(&F.core, SW1, 0, b + 50000);
	r = CALL(WIS_OP_RELEASE, SW1);
	CHECK_EQ(wis_core_next_deadline(&F.core), UINT64_MAX);
	wis_core_poll(&F.core, b + 60000);
	CHECK_EQ(count_events(at + 2, WIS_EV_GPIO_EDGE), 0);
}

static void test_tx_backpressure(void)
{
	setup();
	/* The link takes 5 bytes per call: frames still arrive whole. */
	F.tx_chunk = 5;
	struct fw_frame *r = CALL(WIS_OP_PING, 1, 2, 3, 4, 5, 6, 7, 8, 9);
	CHECK(r->h.status == WIS_ST_OK && r->len == 9 && r->p[8] == 9);
	F.tx_chunk = 0;

	/* The link takes 10 bytes, then nothing: the rest waits for poll. */
	F.tx_budget = 10;
	size_t at = F.out.n;
	send_frame(1, 0, 900, WIS_OP_PING, "hello", 5);
	CHECK_EQ(F.out.n, at);
	CHECK(wis_core_tx_pending(&F.core));
	F.tx_budget = -1;
	wis_core_poll(&F.core, F.now);
	CHECK_EQ(F.out.n, at + 1);
	CHECK(F.out.f[at].h.id == 900 && F.out.f[at].len == 5);

	/* A link that never drains: the response waits (bounded), then drops. */
	F.tx_budget = 0;
	int waits = F.tx_waits;
	send_frame(1, 0, 901, WIS_OP_PING, NULL, 0);
	CHECK(F.tx_waits > waits);
	F.tx_budget = -1;
	CHECK_EQ(F.core.n.responses_dropped, 1);
	r = call(WIS_OP_PING, NULL, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(F.out.d.stats.crc_errors + F.out.d.stats.cobs_errors, 0);
}

/* Random requests and random bytes: never a crash, one answer per request. */
static void test_random(void)
{
	setup();
	srand(1234);
	static const uint16_t ops[] = {
		WIS_OP_PING,      WIS_OP_UPTIME,    WIS_OP_STATS,     WIS_OP_PINS,
		WIS_OP_BATCH,     WIS_OP_RELEASE,   WIS_OP_PIN_STATE, WIS_OP_GPIO_MODE,
		WIS_OP_GPIO_READ, WIS_OP_GPIO_WRITE, WIS_OP_GPIO_WATCH, WIS_OP_ADC_READ,
		WIS_OP_HELLO,     0x0000,           0x0300,           0xffff,
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
		wis_core_pin_changed(&F.core, nrf, (uint8_t)rand(), F.now);
		F.now += (uint64_t)(rand() % 3000);
		wis_core_poll(&F.core, F.now);
	}
	CHECK_EQ(F.resets, 0);
}

int main(void)
{
	test_hello();
	test_header_version_and_types();
	test_ping_uptime_unknown();
	test_bad_lengths();
	test_garbage_and_stats();
	test_pins();
	test_bad_pins();
	test_gpio_modes();
	test_gpio_read_write();
	test_ownership();
	test_nfc_reserved();
	test_adc();
	test_reset();
	test_batch();
	test_events();
	test_debounce();
	test_tx_backpressure();
	test_random();
	if (fw_failures) {
		fprintf(stderr, "test_core: %d failure(s)\n", fw_failures);
		return 1;
	}
	printf("test_core: all checks passed\n");
	return 0;
}
