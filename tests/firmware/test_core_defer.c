/*
 * Firmware core tests, the parts a handler cannot see: deferred responses
 * (DELAY with a manual clock and the port's alarm), the window of 16 slots
 * and BUSY beyond it, RESET discarding deferred requests, long events
 * (EMIT) and exact overflow accounting, the reserved header fields, id 0,
 * oversize payloads, missing HAL peripherals, the rail pin (IO2), and
 * HELD (the ids of the requests held in a slot, for a host after a reset).
 */
#define FW_MAX_FRAMES 1024 /* EMIT floods: 256 events in one go */
#include "core_harness.h"

static struct fw_frame *find_resp(size_t from, uint16_t id)
{
	for (size_t i = from; i < F.out.n; i++)
		if (F.out.f[i].h.type == WIS_MSG_RESPONSE && F.out.f[i].h.id == id)
			return &F.out.f[i];
	return NULL;
}

static size_t count_resp(size_t from, uint16_t op)
{
	size_t n = 0;
	for (size_t i = from; i < F.out.n; i++)
		n += F.out.f[i].h.type == WIS_MSG_RESPONSE && F.out.f[i].h.opcode == op;
	return n;
}

/* Sends a request without expecting an answer now; returns its id. */
static uint16_t post(uint16_t op, const void *p, size_t len)
{
	uint16_t id = F.next_id++;
	send_frame(WIS_PROTO_VERSION, WIS_MSG_REQUEST, id, op, p, len);
	return id;
}

static uint16_t post_delay(uint32_t us)
{
	uint8_t b[4] = {(uint8_t)us, (uint8_t)(us >> 8), (uint8_t)(us >> 16), (uint8_t)(us >> 24)};
	return post(WIS_OP_DELAY, b, sizeof b);
}

static void advance(uint64_t us)
{
	F.hw.now += us;
	wisfw_core_poll(&F.core, F.hw.now);
}

static void test_delay(void)
{
	setup();
	uint64_t boot = F.hw.now;
	F.hw.now += 1000;
	size_t at = F.out.n;
	uint16_t id = post_delay(200000);
	CHECK(find_resp(at, id) == NULL);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 1);
	/* The port's alarm is set for the answer: no polling needed before. */
	CHECK_EQ(F.hw.alarm, boot + 1000 + 200000);
	CHECK_EQ(wisfw_core_next_deadline(&F.core), boot + 1000 + 200000);
	/* Meanwhile the core keeps answering. */
	for (int i = 0; i < 5; i++) {
		advance(30000);
		struct fw_frame *r = CALL(WIS_OP_PING, (uint8_t)i);
		CHECK(r->h.status == WIS_ST_OK && r->len == 1 && r->p[0] == i);
	}
	CHECK(find_resp(at, id) == NULL);
	advance(200000 - 150000 - 1); /* 1 µs early */
	CHECK(find_resp(at, id) == NULL);
	advance(1);
	struct fw_frame *r = find_resp(at, id);
	CHECK(r != NULL);
	if (r) {
		CHECK_EQ(r->h.status, WIS_ST_OK);
		CHECK_EQ(r->h.opcode, WIS_OP_DELAY);
		struct wis_rd rd = rd_of(r);
		CHECK_EQ(wis_rd_u64(&rd), 1000 + 200000);
		CHECK_EQ(r->len, 8);
	}
	CHECK_EQ(count_resp(at, WIS_OP_DELAY), 1);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	CHECK_EQ(F.hw.alarm, UINT64_MAX);
	advance(1000000);
	CHECK_EQ(count_resp(at, WIS_OP_DELAY), 1); /* answered once */

	r = CALL(WIS_OP_DELAY, 0, 0, 0, 0); /* no delay: at once */
	CHECK(r->h.status == WIS_ST_OK && r->len == 8);
	r = CALL(WIS_OP_DELAY, 0x81, 0x96, 0x98, 0x00); /* 10000001 */
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "DELAY delay_us 10000001 out of range 0..10000000");
	r = CALL(WIS_OP_DELAY, 1, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
	CHECK_CONTAINS(detail(r), "DELAY takes 4 bytes (u32 delay_us), got 3");
	/* A long operation is no batch step. */
	r = CALL(WIS_OP_BATCH, 0, 1, WIS_OP_DELAY & 0xff, WIS_OP_DELAY >> 8, 4, 0, 1, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK(r->len == 6u + r->p[4] && r->p[3] == WIS_ST_BAD_ARG);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
}

static void test_window(void)
{
	setup();
	size_t at = F.out.n;
	uint16_t ids[WISFW_WINDOW];
	for (int i = 0; i < WISFW_WINDOW; i++)
		ids[i] = post_delay(1000000 + (uint32_t)i);
	CHECK_EQ(F.out.n, at);
	CHECK_EQ(wisfw_core_slots_held(&F.core), WISFW_WINDOW);
	/* The seventeenth request: BUSY, with why. */
	struct fw_frame *r = CALL(WIS_OP_PING, 1);
	CHECK_EQ(r->h.status, WIS_ST_BUSY);
	CHECK_CONTAINS(detail(r), "window full: 16 requests held (16 to be answered later");
	r = CALL(WIS_OP_GPIO_WRITE, IO1, 1);
	CHECK_EQ(r->h.status, WIS_ST_BUSY);
	CHECK_EQ(wisfw_core_pin_owner(&F.core, IO1), WIS_OWNER_NONE); /* did not run */
	/* HELLO (LOCAL, link management) is answered even now. */
	r = CALL(WIS_OP_HELLO, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(r->p[1], WISFW_WINDOW);
	/* The answers come in due order, each once; then the window is free. */
	advance(1000000 + WISFW_WINDOW);
	CHECK_EQ(count_resp(at, WIS_OP_DELAY), WISFW_WINDOW);
	size_t prev = 0;
	for (int i = 0; i < WISFW_WINDOW; i++) {
		struct fw_frame *d = find_resp(at, ids[i]);
		CHECK(d && d->h.status == WIS_ST_OK);
		if (d) {
			CHECK((size_t)(d - F.out.f) > prev);
			prev = (size_t)(d - F.out.f);
		}
	}
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	r = CALL(WIS_OP_PING, 2);
	CHECK_EQ(r->h.status, WIS_ST_OK);

	/* Slots held by responses waiting for a full link count too.  BUSY
	 * answers beyond the window take only the spare room (1 KiB, 16
	 * entries) and are dropped past it; the slots' responses never are. */
	F.hw.tx_budget = 0;
	at = F.out.n;
	uint16_t pings[WISFW_WINDOW], busy[30];
	for (int i = 0; i < WISFW_WINDOW; i++)
		pings[i] = post(WIS_OP_PING, "x", 1);
	CHECK_EQ(wisfw_core_slots_held(&F.core), WISFW_WINDOW);
	for (int i = 0; i < 30; i++)
		busy[i] = post(WIS_OP_PING, "y", 1);
	F.hw.tx_budget = -1;
	advance(0);
	for (int i = 0; i < WISFW_WINDOW; i++) {
		r = find_resp(at, pings[i]);
		CHECK(r && r->h.status == WIS_ST_OK && r->len == 1);
	}
	r = find_resp(at, busy[0]);
	CHECK(r && r->h.status == WIS_ST_BUSY);
	if (r)
		CHECK_CONTAINS(detail(r), "(0 to be answered later, 16 waiting for the link)");
	unsigned answered = 0;
	for (int i = 0; i < 30; i++)
		answered += find_resp(at, busy[i]) != NULL;
	CHECK(answered >= 8 && answered < 30);
	CHECK_EQ(F.core.n.responses_dropped, 30 - answered);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
}

static void test_reset_discards(void)
{
	setup();
	size_t at = F.out.n;
	for (int i = 0; i < 3; i++)
		post_delay(100000);
	struct fw_frame *r = CALL(WIS_OP_RESET, WIS_RESET_APP);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(F.hw.resets, 1);
	CHECK_EQ(wisfw_core_slots_held(&F.core), 0);
	advance(1000000);
	CHECK_EQ(count_resp(at, WIS_OP_DELAY), 0); /* never answered */
	/* The port re-initialises: nothing of the old boot fires, and an
	 * alarm it left armed is cancelled (the simulator would spin on it). */
	F.hw.alarm = 12345;
	wisfw_core_init(&F.core, &F.hw.hal);
	CHECK_EQ(F.hw.alarm, UINT64_MAX);
	wisfw_core_boot(&F.core, WIS_CAUSE_REQUEST, NULL);
	advance(1000000);
	CHECK_EQ(count_resp(at, WIS_OP_DELAY), 0);
	r = CALL(WIS_OP_PING, 1);
	CHECK_EQ(r->h.status, WIS_ST_OK);

	/* A link that takes nothing: the reset waits for the RESET response
	 * at most WISFW_RESET_FLUSH_US (a deadline, not a busy-wait). */
	setup();
	F.hw.tx_budget = 0;
	uint16_t id = post(WIS_OP_RESET, (uint8_t[]){0}, 1);
	CHECK_EQ(F.hw.resets, 0);
	CHECK_EQ(F.hw.alarm, F.hw.now + WISFW_RESET_FLUSH_US);
	advance(WISFW_RESET_FLUSH_US - 1);
	CHECK_EQ(F.hw.resets, 0);
	advance(1);
	CHECK_EQ(F.hw.resets, 1);
	CHECK_EQ(F.hw.alarm, UINT64_MAX); /* halted: no wake-up left armed */
	CHECK(find_resp(0, id) == NULL);
	CHECK_EQ(F.core.n.responses_dropped, 1);
	/* With the link back before the bound, the response leaves first. */
	setup();
	F.hw.tx_budget = 0;
	at = F.out.n;
	id = post(WIS_OP_RESET, (uint8_t[]){0}, 1);
	post(WIS_OP_PING, NULL, 0); /* behind the RESET: lost with the module */
	F.hw.tx_budget = -1;
	advance(1000);
	CHECK_EQ(F.hw.resets, 1);
	CHECK(find_resp(at, id) != NULL);
	CHECK_EQ(count_resp(at, WIS_OP_PING), 0);
}

/* Checks a DIAG event: len data bytes, byte i = (seq + i) & 0xff. */
static void check_diag(const struct fw_frame *e, uint32_t seq, size_t len)
{
	CHECK(e->h.type == WIS_MSG_EVENT && e->h.opcode == WIS_EV_DIAG && e->h.id == 0);
	CHECK_EQ(e->len, WIS_EV_PREFIX_LEN + len);
	struct wis_rd rd = rd_of(e);
	CHECK_EQ(wis_rd_u32(&rd), seq);
	wis_rd_u64(&rd);
	size_t bad = 0;
	for (size_t i = 0; i < len && i + WIS_EV_PREFIX_LEN < e->len; i++)
		bad += e->p[WIS_EV_PREFIX_LEN + i] != (uint8_t)(seq + i);
	CHECK_EQ(bad, 0);
}

static struct fw_frame *nth_event(size_t from, uint16_t op, size_t k)
{
	for (size_t i = from; i < F.out.n; i++)
		if (F.out.f[i].h.type == WIS_MSG_EVENT && F.out.f[i].h.opcode == op && k-- == 0)
			return &F.out.f[i];
	return NULL;
}

static void test_long_events(void)
{
	setup();
	wisfw_core_boot(&F.core, WIS_CAUSE_POWER_ON, NULL); /* seq 0 */
	size_t at = F.out.n;
	struct fw_frame *r = CALL(WIS_OP_EMIT, 1, 0xf4, 0x03); /* 1012 bytes */
	CHECK_EQ(r->h.status, WIS_ST_OK);
	struct wis_rd rd = rd_of(r);
	CHECK_EQ(wis_rd_u32(&rd), 1);
	r = CALL(WIS_OP_EMIT, 1, 0xff, 0x00); /* 255 bytes */
	rd = rd_of(r);
	CHECK_EQ(wis_rd_u32(&rd), 2);
	CHECK_EQ(count_events(at, WIS_EV_DIAG), 2);
	struct fw_frame *e = nth_event(at, WIS_EV_DIAG, 0);
	if (e)
		check_diag(e, 1, WIS_EV_MAX_DATA);
	e = nth_event(at, WIS_EV_DIAG, 1);
	if (e)
		check_diag(e, 2, 255);
	r = CALL(WIS_OP_EMIT, 0, 1, 0);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "EMIT count 0 out of range 1..255");
	r = CALL(WIS_OP_EMIT, 1, 0xf5, 0x03);
	CHECK_CONTAINS(detail(r), "EMIT len 1013 out of range 0..1012");
	CHECK_EQ(F.out.d.stats.crc_errors + F.out.d.stats.cobs_errors, 0);
}

static void test_overflow_exact(void)
{
	setup();
	wisfw_core_boot(&F.core, WIS_CAUSE_POWER_ON, NULL);
	uint64_t dropped0 = stat(S_EVD), sent0 = stat(S_EVS);
	/* A stuck link: 10 events of 1012 bytes; 3 fit the 4 KiB budget. */
	const unsigned fit = WISFW_EVQ_BYTES / (WISFW_EV_HDR + WIS_EV_MAX_DATA);
	CHECK_EQ(fit, 3);
	F.hw.tx_budget = 0;
	size_t at = F.out.n;
	uint16_t id = post(WIS_OP_EMIT, (uint8_t[]){10, 0xf4, 0x03}, 3);
	CHECK_EQ(F.out.n, at);
	F.hw.tx_budget = -1;
	advance(10);
	struct fw_frame *r = find_resp(at, id);
	CHECK(r && r->h.status == WIS_ST_OK);
	uint32_t first = 0;
	if (r) {
		struct wis_rd rd = rd_of(r);
		first = wis_rd_u32(&rd);
	}
	CHECK_EQ(count_events(at, WIS_EV_DIAG), fit);
	for (unsigned k = 0; k < fit; k++) {
		struct fw_frame *e = nth_event(at, WIS_EV_DIAG, k);
		if (e)
			check_diag(e, first + k, WIS_EV_MAX_DATA);
	}
	CHECK_EQ(stat(S_EVD) - dropped0, 10 - fit);
	CHECK_EQ(stat(S_EVS) - sent0, fit);
	/* The next event's seq shows exactly the dropped count as a gap. */
	r = CALL(WIS_OP_EMIT, 1, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	struct fw_frame *e = nth_event(at, WIS_EV_DIAG, fit);
	CHECK(e != NULL);
	if (e) {
		check_diag(e, first + 10, 0);
		struct fw_frame *last = nth_event(at, WIS_EV_DIAG, fit - 1);
		struct wis_rd a = rd_of(last), b = rd_of(e);
		CHECK_EQ(wis_rd_u32(&b) - wis_rd_u32(&a) - 1, stat(S_EVD) - dropped0);
	}
	/* Small events fill the budget by bytes, not by count. */
	dropped0 = stat(S_EVD);
	F.hw.tx_budget = 0;
	post(WIS_OP_EMIT, (uint8_t[]){255, 0, 0}, 3); /* 16 bytes each: 255 fit */
	post(WIS_OP_EMIT, (uint8_t[]){10, 0, 0}, 3);  /* 1 more fits (4096 / 16 = 256) */
	F.hw.tx_budget = -1;
	advance(10);
	CHECK_EQ(stat(S_EVD) - dropped0, 9);
}

/* COBS + CRC by hand: wis__frame_encode refuses payloads over the maximum. */
static size_t encode_any(uint8_t *out, const uint8_t *body, size_t n)
{
	size_t o = 0, code_at = 1;
	out[o++] = 0;
	out[o++] = 0;
	uint8_t code = 1;
	for (size_t i = 0; i < n; i++) {
		if (body[i] == 0 || code == 0xff) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
			if (body[i] == 0)
				continue;
		}
		out[o++] = body[i];
		code++;
	}
	out[code_at] = code;
	out[o++] = 0;
	return o;
}

static void test_header_rules(void)
{
	setup();
	/* Reserved flags: refused loudly, nothing runs. */
	size_t at = F.out.n;
	uint8_t buf[WIS_MAX_ENCODED + 64];
	struct wis_hdr h = {1, WIS_MSG_REQUEST, 300, WIS_OP_GPIO_WRITE, 0, 0x01};
	size_t n = wis__frame_encode(buf, sizeof buf, &h, (const uint8_t[]){IO1, 1}, 2);
	send_raw(buf, n);
	struct fw_frame *r = find_resp(at, 300);
	CHECK(r && r->h.status == WIS_ST_BAD_ARG);
	if (r)
		CHECK_CONTAINS(detail(r), "header flags 1: none are defined");
	CHECK_EQ(wisfw_core_pin_owner(&F.core, IO1), WIS_OWNER_NONE);
	/* id 0 belongs to events: not answered, counted as bad. */
	at = F.out.n;
	send_frame(1, WIS_MSG_REQUEST, 0, WIS_OP_PING, "z", 1);
	CHECK_EQ(F.out.n, at);
	CHECK_EQ(stat(S_BAD), 1);
	/* A payload over the advertised 1024 bytes is dropped as oversize. */
	static uint8_t body[WIS_HDR_LEN + WIS_MAX_PAYLOAD + 1 + WIS_CRC_LEN];
	size_t plen = WIS_MAX_PAYLOAD + 1;
	memset(body, 0x5a, sizeof body);
	uint8_t hd[WIS_HDR_LEN] = {1, 0, 0x2d, 0x01, WIS_OP_PING, 0, 0, 0};
	memcpy(body, hd, sizeof hd);
	uint32_t crc = wis__crc32(0, body, WIS_HDR_LEN + plen);
	for (int i = 0; i < 4; i++)
		body[WIS_HDR_LEN + plen + (size_t)i] = (uint8_t)(crc >> (8 * i));
	uint64_t frames0 = stat(S_RX), over0 = stat(S_OVER);
	at = F.out.n;
	n = encode_any(buf, body, WIS_HDR_LEN + plen + WIS_CRC_LEN);
	CHECK(n - 2 <= WIS_MAX_ENCODED); /* within the deframer's bound */
	send_raw(buf, n);
	CHECK_EQ(F.out.n, at);
	CHECK_EQ(stat(S_OVER) - over0, 1);
	CHECK_EQ(stat(S_RX) - frames0, 3); /* the three STATS calls since */
	r = CALL(WIS_OP_PING, 9);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

static bool no_channel(void *ctx, uint8_t nrf, uint8_t edge)
{
	(void)ctx;
	(void)nrf;
	return edge == WIS_EDGE_NONE;
}

static void test_missing_peripherals(void)
{
	setup();
	/* A port out of GPIOTE channels refuses a watch; the pin is untouched. */
	F.hw.gpio.watch = no_channel;
	struct fw_frame *w = CALL(WIS_OP_GPIO_WATCH, IO1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(w->h.status, WIS_ST_BUSY);
	CHECK_CONTAINS(detail(w), "IO1: no edge detector left");
	CHECK_EQ(wisfw_core_pin_owner(&F.core, IO1), WIS_OWNER_NONE);
	setup();
	F.hw.hal.adc = NULL;
	struct fw_frame *r = CALL(WIS_OP_ADC_READ, AIN0, 0, 0, 12, 0);
	CHECK_EQ(r->h.status, WIS_ST_NOT_SUPPORTED);
	CHECK_CONTAINS(detail(r), "ADC_READ: this port has no hal.adc");
	CHECK_EQ(wisfw_core_pin_owner(&F.core, AIN0), WIS_OWNER_NONE);
	F.hw.hal.gpio = NULL;
	r = CALL(WIS_OP_GPIO_READ, IO1);
	CHECK_EQ(r->h.status, WIS_ST_NOT_SUPPORTED);
	CHECK_CONTAINS(detail(r), "GPIO_READ: this port has no hal.gpio");
	r = CALL(WIS_OP_PIN_STATE, IO1);
	CHECK(r->h.status == WIS_ST_OK && r->p[0] == WIS_OWNER_NONE);
	r = CALL(WIS_OP_RELEASE, IO1);
	CHECK_EQ(r->h.status, WIS_ST_OK);
}

/* IO2 also switches the 3V3_S rail: only GPIO_MODE/GPIO_WRITE change it. */
static void test_rail_pin(void)
{
	setup();
	CHECK_EQ(F.hw.board.rail_nrf, IO2);
	CHECK_EQ(F.hw.pins[IO2].mode, WIS_GPIO_DISABLED);     /* boot: undriven */
	struct fw_frame *r = CALL(WIS_OP_GPIO_WRITE, IO2, 1); /* rail on */
	CHECK_EQ(r->h.status, WIS_ST_OK);
	F.hw.trace_len = 0, F.hw.trace[0] = 0;
	r = CALL(WIS_OP_GPIO_READ, IO2);
	CHECK(r->h.status == WIS_ST_OK && r->p[0] == 1);
	r = CALL(WIS_OP_GPIO_WATCH, IO2, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_WRONG_MODE);
	r = CALL(WIS_OP_PIN_STATE, IO2);
	CHECK(r->h.status == WIS_ST_OK && r->p[1] == WIS_GPIO_OUTPUT && r->p[2] == 1);
	CHECK_EQ(F.hw.trace_len, 0); /* no config, write or watch hook ran */
	CHECK(F.hw.pins[IO2].mode == WIS_GPIO_OUTPUT && F.hw.pins[IO2].latch == 1);

	/* Known as SW2 too: were it marked a button, an implicit read still
	 * must not give it a pull-up (that would switch the rail on). */
	static struct wis_pin_def pins[128];
	size_t np = F.hw.board.pin_count;
	CHECK(np <= 128);
	memcpy(pins, F.hw.board.pins, np * sizeof pins[0]);
	for (size_t i = 0; i < np; i++)
		if (pins[i].nrf == IO2)
			pins[i].funcs |= WIS_FN_BUTTON;
	setup();
	F.hw.board.pins = pins;
	r = CALL(WIS_OP_GPIO_READ, IO2);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(F.hw.pins[IO2].mode, WIS_GPIO_INPUT);
	r = CALL(WIS_OP_GPIO_WATCH, SW1, WIS_EDGE_BOTH, 0, 0, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(F.hw.pins[SW1].mode, WIS_GPIO_INPUT_PULLUP); /* a real button does */
}

/* HELD's answer: count and ids, the length checked; returns the count. */
static unsigned held_ids(const struct fw_frame *r, uint16_t *ids, unsigned cap)
{
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK(r->len >= 1 && r->len == 1u + 2u * r->p[0]);
	struct wis_rd rd = rd_of(r);
	unsigned n = wis_rd_u8(&rd);
	for (unsigned i = 0; i < n && i < cap; i++)
		ids[i] = wis_rd_u16(&rd);
	return n;
}

static bool has_id(const uint16_t *ids, unsigned n, uint16_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* HELD lists the requests held in a slot: deferred ones and answers
 * waiting for the link, never itself nor one already answered; with the
 * window full it is answered all the same (link management). */
static void test_held(void)
{
	setup();
	uint16_t ids[WISFW_WINDOW + 1];
	CHECK_EQ(held_ids(call(WIS_OP_HELD, NULL, 0), ids, WISFW_WINDOW), 0);
	uint16_t a = post_delay(100000), b = post_delay(300000);
	CHECK_EQ(CALL(WIS_OP_PING, 1)->h.status, WIS_ST_OK); /* answered: not held */
	struct fw_frame *r = call(WIS_OP_HELD, NULL, 0);
	CHECK_EQ(held_ids(r, ids, WISFW_WINDOW), 2);
	CHECK(has_id(ids, 2, a) && has_id(ids, 2, b) && !has_id(ids, 2, r->h.id));

	/* A response waiting for a full link: held, and it leaves before
	 * HELD's own answer (so a host has it by the time it reads the list). */
	F.hw.tx_budget = 0;
	size_t at = F.out.n;
	uint16_t p = post(WIS_OP_PING, NULL, 0);
	uint16_t h = post(WIS_OP_HELD, NULL, 0);
	F.hw.tx_budget = -1;
	advance(1);
	r = find_resp(at, h);
	CHECK(r != NULL);
	if (r) {
		CHECK_EQ(held_ids(r, ids, WISFW_WINDOW), 3);
		CHECK(has_id(ids, 3, a) && has_id(ids, 3, b) && has_id(ids, 3, p));
		CHECK(find_resp(at, p) != NULL && find_resp(at, p) < r);
	}
	advance(100000); /* a answered */
	CHECK_EQ(held_ids(call(WIS_OP_HELD, NULL, 0), ids, WISFW_WINDOW), 1);
	CHECK_EQ(ids[0], b);

	/* The window full of DELAYs: HELD still answered, listing all 16. */
	setup();
	uint16_t all[WISFW_WINDOW];
	for (int i = 0; i < WISFW_WINDOW; i++)
		all[i] = post_delay(1000000);
	CHECK_EQ(CALL(WIS_OP_PING, 1)->h.status, WIS_ST_BUSY);
	CHECK_EQ(held_ids(call(WIS_OP_HELD, NULL, 0), ids, WISFW_WINDOW), WISFW_WINDOW);
	for (int i = 0; i < WISFW_WINDOW; i++)
		CHECK(has_id(ids, WISFW_WINDOW, all[i]));
	advance(1000000);
	CHECK_EQ(count_resp(0, WIS_OP_DELAY), WISFW_WINDOW);

	/* No request payload; not a batch step. */
	r = CALL(WIS_OP_HELD, 1);
	CHECK_EQ(r->h.status, WIS_ST_BAD_LENGTH);
	CHECK_CONTAINS(detail(r), "HELD takes 0 bytes (none), got 1");
	r = CALL(WIS_OP_BATCH, 0, 1, WIS_OP_HELD & 0xff, WIS_OP_HELD >> 8, 0, 0);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK(r->len == 6u + r->p[4] && r->p[3] == WIS_ST_BAD_ARG);
}

int main(void)
{
	test_delay();
	test_window();
	test_reset_discards();
	test_long_events();
	test_overflow_exact();
	test_header_rules();
	test_missing_peripherals();
	test_rail_pin();
	test_held();
	if (check_failures) {
		fprintf(stderr, "test_core_defer: %d failure(s)\n", check_failures);
		return 1;
	}
	printf("test_core_defer: all checks passed\n");
	return 0;
}
