/*
 * RADIO subsystem end to end inside one process: three firmware cores on
 * simhal, each with an SX1262 model, all on one radio medium, manual
 * clocks moved together.  Requests go in as frames and answers and events
 * come back as frames, as over USB: config validation, deferred SEND with
 * the measured time on air, RX events with RSSI/SNR, return to RX after a
 * TX, SEND_AT timing and its refusals, mismatches, collisions, a CRC-error
 * event, CAD, and an event burst beyond the queue counted exactly.
 */
#include <stdlib.h>

#include "core.h"
#include "fwtest.h"
#include "ops.h"
#include "radio_medium.h"
#include "simhal.h"
#include "simhal_radio.h"

#define NODES 3

struct node {
	struct simhal hw;
	struct simhal_radio radio;
	struct wisfw_core core;
	struct fw_frames out;
	uint16_t next_id;
};

static struct node N[NODES];
static struct radio_medium MD;
static uint64_t NOW = 1000000;

static void sink(void *user, const uint8_t *p, size_t n)
{
	struct node *nd = user;
	fw_frames_feed(&nd->out, p, n);
}

static void setup(void)
{
	struct radio_medium_cfg mc;
	radio_medium_default_cfg(&mc);
	radio_medium_init(&MD, &mc);
	NOW = 1000000;
	for (int i = 0; i < NODES; i++) {
		struct node *nd = &N[i];
		memset(nd, 0, sizeof *nd);
		simhal_init(&nd->hw, true);
		nd->hw.now = NOW;
		nd->hw.sink = sink;
		nd->hw.user = nd;
		wis__deframer_init(&nd->out.d);
		CHECK_EQ(simhal_radio_attach(&nd->hw, &nd->radio, &MD, NULL), 0);
		simhal_attach(&nd->hw, &nd->core);
		wisfw_core_init(&nd->core, &nd->hw.hal);
		nd->next_id = 1;
	}
}

/* A driver's delays move only its own node's clock: bring every clock
 * (and the air) to the latest, as one shared time. */
static void sync_clocks(void)
{
	for (int i = 0; i < NODES; i++)
		if (N[i].hw.now > NOW)
			NOW = N[i].hw.now;
	if (MD.now > NOW)
		NOW = MD.now;
	for (int i = 0; i < NODES; i++)
		N[i].hw.now = NOW;
}

/* Moves every clock to t, polling each core at every deadline on the way
 * and at least every 20 µs (a real port wakes on DIO1). */
static void run_until(uint64_t t)
{
	while (NOW < t) {
		uint64_t next = NOW + 20;
		for (int i = 0; i < NODES; i++) {
			uint64_t d = wisfw_core_next_deadline(&N[i].core);
			if (d > NOW && d < next)
				next = d;
		}
		if (next > t)
			next = t;
		NOW = next;
		for (int i = 0; i < NODES; i++) {
			sync_clocks();
			wisfw_core_poll(&N[i].core, N[i].hw.now);
		}
	}
}

/* Sends a request built from field values; returns its id. */
static uint16_t send_req(int n, uint16_t op, const union wis_val *v)
{
	uint8_t p[WIS_MAX_PAYLOAD], buf[WIS_MAX_ENCODED + 1];
	size_t len = v ? wis_op_encode(op, v, p, sizeof p) : 0;
	uint16_t id = N[n].next_id++;
	struct wis_hdr h = {WIS_PROTO_VERSION, WIS_MSG_REQUEST, id, op, 0, 0};
	size_t k = wis__frame_encode(buf, sizeof buf, &h, p, len);
	sync_clocks();
	wisfw_core_rx(&N[n].core, buf, k);
	sync_clocks();
	return id;
}

/* The response to request id of node n, NULL if none yet. */
static struct fw_frame *answer(int n, uint16_t id)
{
	for (size_t i = 0; i < N[n].out.n; i++)
		if (N[n].out.f[i].h.type == WIS_MSG_RESPONSE && N[n].out.f[i].h.id == id)
			return &N[n].out.f[i];
	return NULL;
}

static struct fw_frame *call(int n, uint16_t op, const union wis_val *v)
{
	uint16_t id = send_req(n, op, v);
	struct fw_frame *r = answer(n, id);
	static struct fw_frame none = {.h.status = 0xff};
	CHECK(r != NULL);
	return r ? r : &none;
}

static const char *detail(const struct fw_frame *r)
{
	static char b[300];
	return fw_detail(r->p, r->len, b, sizeof b);
}

/* Events of one opcode on node n since frame index from. */
static size_t events(int n, size_t from, uint16_t op, struct fw_frame **last)
{
	size_t k = 0;
	for (size_t i = from; i < N[n].out.n; i++)
		if (N[n].out.f[i].h.type == WIS_MSG_EVENT && N[n].out.f[i].h.opcode == op) {
			k++;
			if (last)
				*last = &N[n].out.f[i];
		}
	return k;
}

/* Decodes a response or an event's data by the opcode's layout. */
static void parse(uint16_t op, const struct fw_frame *f, union wis_val *v, bool event)
{
	const struct wis_op_desc *d = wis_op_find(op);
	size_t bad, off = event ? WIS_EV_PREFIX_LEN : 0;
	CHECK(f->len >= off);
	CHECK_EQ(wis_fields_parse(d->resp, d->nresp, f->p + off, f->len - off, v, &bad),
	         WIS_DEC_OK);
}

static uint64_t ev_time(const struct fw_frame *f)
{
	struct wis_rd rd = wis_rd_init(f->p, f->len);
	(void)wis_rd_u32(&rd);
	return wis_rd_u64(&rd);
}

/* SF7/BW500/CR4/5 at 868.1 MHz, 14 dBm, CRC, private sync word. */
static void cfg_vals(union wis_val *v, uint8_t sf, uint8_t sync)
{
	uint64_t d[14] = {868100000, 14, sf, 500000, 5, 0, 8, 0, 0, 1, 0, sync, 1800, 0};
	for (int i = 0; i < 14; i++)
		v[i].u = d[i];
}

static struct fw_frame *configure(int n, uint8_t sf, uint8_t sync)
{
	union wis_val v[14];
	cfg_vals(v, sf, sync);
	return call(n, WIS_OP_RADIO_CONFIG, v);
}

static void rx_on(int n)
{
	union wis_val v[1] = {WIS_VAL(0)};
	CHECK_EQ(call(n, WIS_OP_RADIO_RX, v)->h.status, WIS_ST_OK);
}

static uint16_t send_pkt(int n, const char *s)
{
	union wis_val v[2] = {WIS_VAL(0)};
	v[1].b.p = (const uint8_t *)s;
	v[1].b.len = strlen(s);
	return send_req(n, WIS_OP_RADIO_SEND, v);
}

static uint32_t toa_us(uint8_t sf, uint8_t len)
{
	struct sx126x_lora_cfg c = {.freq_hz = 868100000,
	                            .power_dbm = 14,
	                            .sf = sf,
	                            .bw_hz = 500000,
	                            .cr = 5,
	                            .preamble = 8,
	                            .crc = true,
	                            .sync_word = 0x12};
	return sx126x_time_on_air_us(&c, len);
}

/* Every out-of-range parameter is refused, named, with nothing sent. */
static void test_config_refused(void)
{
	struct {
		int field;
		int64_t value;
		const char *needle;
	} bad[] = {
	    {0, 100000000, "freq_hz 100000000 out of range 150000000..960000000"},
	    {1, 23, "power_dbm 23 out of range -9..22"},
	    {1, -10, "power_dbm -10 out of range -9..22"},
	    {2, 13, "sf 13 out of range 5..12"},
	    {2, 4, "sf 4 out of range 5..12"},
	    {3, 100000, "bw_hz 100000 not a LoRa bandwidth"},
	    {3, 600000, "bw_hz 600000 out of range 7812..500000"},
	    {4, 9, "cr 9 out of range 5..8"},
	    {5, 3, "ldro 3 out of range 0..2"},
	    {6, 0, "preamble 0 out of range 1..65535"},
	    {7, 2, "implicit 2 out of range 0..1"},
	    {9, 2, "crc 2 out of range 0..1"},
	    {10, 2, "invert_iq 2 out of range 0..1"},
	    {12, 1900, "tcxo_mv 1900 not a DIO3 voltage"},
	    {12, 3400, "tcxo_mv 3400 out of range 0..3300"},
	    {13, 2, "idle_xosc 2 out of range 0..1"},
	};
	setup();
	uint32_t cmds = N[0].radio.chip.commands;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		union wis_val v[14];
		cfg_vals(v, 7, 0x12);
		v[bad[i].field].i = bad[i].value;
		struct fw_frame *r = call(0, WIS_OP_RADIO_CONFIG, v);
		CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
		CHECK_CONTAINS(detail(r), bad[i].needle);
	}
	union wis_val v[14];
	cfg_vals(v, 7, 0x12);
	v[7].u = 1; /* implicit header without a length */
	struct fw_frame *r = call(0, WIS_OP_RADIO_CONFIG, v);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "payload_len 0 out of range 1..255");
	CHECK_EQ(N[0].radio.chip.commands, cmds);
	/* Before any config: status says off, a send is refused. */
	union wis_val st[9];
	parse(WIS_OP_RADIO_STATUS, r = call(0, WIS_OP_RADIO_STATUS, NULL), st, false);
	CHECK_EQ(r->h.status, WIS_ST_OK);
	CHECK_EQ(st[0].u, WIS_RADIO_OFF);
	uint16_t id = send_pkt(0, "x");
	CHECK_EQ(answer(0, id)->h.status, WIS_ST_WRONG_MODE);
	CHECK_CONTAINS(detail(answer(0, id)), "RADIO_CONFIG first");
}

/* A -> B and B -> A with RSSI/SNR; the receiver stays in RX after its own
 * TX; the time on air is measured. */
static void test_link(void)
{
	setup();
	for (int i = 0; i < 2; i++) {
		union wis_val v[2];
		struct fw_frame *r = configure(i, 7, 0x12);
		CHECK_EQ(r->h.status, WIS_ST_OK);
		if (r->h.status)
			fprintf(stderr, "config: %s\n", detail(r));
		parse(WIS_OP_RADIO_CONFIG, r, v, false);
		CHECK_EQ(v[0].u, 0);
		CHECK_EQ(v[1].u, 256); /* 2^7 / 500 kHz */
	}
	CHECK_EQ(N[0].radio.chip.violations, 0);
	CHECK_EQ(N[0].radio.chip.warnings, 0);
	rx_on(1);
	size_t a0 = N[0].out.n, b0 = N[1].out.n;
	uint16_t id = send_pkt(0, "hello");
	CHECK(answer(0, id) == NULL); /* deferred until TX done */
	run_until(NOW + 50000);
	struct fw_frame *r = answer(0, id), *ev = NULL;
	CHECK(r && r->h.status == WIS_ST_OK);
	if (r && r->h.status == WIS_ST_OK) {
		union wis_val v[3];
		parse(WIS_OP_RADIO_SEND, r, v, false);
		uint32_t toa = toa_us(7, 5);
		CHECK(v[0].u >= toa && v[0].u <= toa + 25); /* measured by DIO1 */
		CHECK_EQ(v[2].u - v[1].u, v[0].u);
	}
	CHECK_EQ(events(0, a0, WIS_EV_RADIO_TX_DONE, NULL), 1);
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX, &ev), 1);
	if (ev) {
		union wis_val v[9];
		parse(WIS_EV_RADIO_RX, ev, v, true);
		CHECK_EQ(v[8].b.len, 5);
		CHECK(memcmp(v[8].b.p, "hello", 5) == 0);
		CHECK_EQ((int16_t)v[0].i, 2 * (14 - 100) + 0); /* TX power - path loss */
		CHECK((int16_t)v[1].i > 0);                    /* SNR: strong signal  */
		CHECK_EQ(v[3].u, 868100000);
		CHECK_EQ(v[4].u, 7);
		CHECK_EQ(v[5].u, 500000);
		CHECK_EQ(v[6].u, 5);
		CHECK_EQ(v[7].u, 1);
	}
	/* B answers: A was not receiving, so it hears nothing; then it is. */
	b0 = N[1].out.n;
	id = send_pkt(1, "pong");
	run_until(NOW + 50000);
	CHECK(answer(1, id) && answer(1, id)->h.status == WIS_ST_OK);
	CHECK_EQ(events(0, a0, WIS_EV_RADIO_RX, NULL), 0);
	/* B went back to RX after its TX. */
	union wis_val st[9];
	parse(WIS_OP_RADIO_STATUS, call(1, WIS_OP_RADIO_STATUS, NULL), st, false);
	CHECK_EQ(st[0].u, WIS_RADIO_RX);
	CHECK_EQ(st[5].u, 1); /* tx_packets */
	CHECK_EQ(st[6].u, 1); /* rx_packets */
	rx_on(0);
	a0 = N[0].out.n;
	id = send_pkt(1, "back");
	run_until(NOW + 50000);
	CHECK_EQ(events(0, a0, WIS_EV_RADIO_RX, NULL), 1);
	id = send_pkt(0, "again");
	run_until(NOW + 50000);
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX, NULL), 1);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(N[i].radio.chip.violations, 0);
		CHECK_EQ(N[i].radio.chip.warnings, 0);
	}
}

/* SEND_AT starts the preamble at the asked device time (all three cores
 * booted at one HAL time, so device times agree); too late and too far
 * ahead are refused with their own statuses. */
static void test_send_at(void)
{
	setup();
	for (int i = 0; i < 3; i++)
		CHECK_EQ(configure(i, 7, 0x12)->h.status, WIS_ST_OK);
	rx_on(1);
	rx_on(2);
	size_t b0 = N[1].out.n, c0 = N[2].out.n;
	uint16_t id = send_pkt(0, "warm-up"); /* measures the payload transfer */
	run_until(NOW + 50000);
	CHECK(answer(0, id) != NULL);
	uint64_t at = wisfw_core_uptime_us(&N[0].core) + 30000;
	union wis_val v[3] = {WIS_VAL(at), WIS_VAL(0)};
	v[2].b.p = (const uint8_t *)"timed";
	v[2].b.len = 5;
	id = send_req(0, WIS_OP_RADIO_SEND_AT, v);
	CHECK(answer(0, id) == NULL);
	run_until(NOW + 60000);
	struct fw_frame *r = answer(0, id), *ev = NULL;
	CHECK(r && r->h.status == WIS_ST_OK);
	if (r && r->h.status == WIS_ST_OK) {
		union wis_val a[3];
		parse(WIS_OP_RADIO_SEND_AT, r, a, false);
		CHECK((int64_t)a[1].u - (int64_t)at <= 100 && (int64_t)at - (int64_t)a[1].u <= 100);
	}
	/* Both receivers: RxDone at the asked start + time on air. */
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX, &ev), 2);
	if (ev) {
		int64_t start = (int64_t)ev_time(ev) - toa_us(7, 5);
		CHECK(start - (int64_t)at <= 100 && (int64_t)at - start <= 100);
	}
	CHECK_EQ(events(2, c0, WIS_EV_RADIO_RX, NULL), 2);
	/* Too late, too early. */
	v[0].u = wisfw_core_uptime_us(&N[0].core) + 100;
	r = call(0, WIS_OP_RADIO_SEND_AT, v);
	CHECK_EQ(r->h.status, WIS_ST_TOO_LATE);
	CHECK_CONTAINS(detail(r), "too late");
	v[0].u = wisfw_core_uptime_us(&N[0].core) + 61000000;
	r = call(0, WIS_OP_RADIO_SEND_AT, v);
	CHECK_EQ(r->h.status, WIS_ST_TOO_EARLY);
	CHECK_CONTAINS(detail(r), "at most 60000 ms");
	/* A send while a timed one waits goes after it; a second timed one
	 * or a CAD is BUSY. */
	v[0].u = wisfw_core_uptime_us(&N[0].core) + 20000;
	id = send_req(0, WIS_OP_RADIO_SEND_AT, v);
	uint16_t id2 = send_req(0, WIS_OP_RADIO_SEND, (union wis_val[]){WIS_VAL(0), v[2]});
	CHECK(answer(0, id2) == NULL);
	CHECK_EQ(call(0, WIS_OP_RADIO_SEND_AT, v)->h.status, WIS_ST_BUSY);
	CHECK_EQ(call(0, WIS_OP_RADIO_CAD, (union wis_val[]){WIS_VAL(1)})->h.status, WIS_ST_BUSY);
	run_until(NOW + 60000);
	CHECK(answer(0, id) && answer(0, id)->h.status == WIS_ST_OK);
	CHECK(answer(0, id2) && answer(0, id2)->h.status == WIS_ST_OK);
	if (answer(0, id) && answer(0, id2)) {
		union wis_val a[3], b[3];
		parse(WIS_OP_RADIO_SEND, answer(0, id), a, false);
		parse(WIS_OP_RADIO_SEND, answer(0, id2), b, false);
		CHECK(b[1].u > a[2].u); /* one after the other */
	}
}

/* Mismatched SF or sync word: nothing; a corrupted frame: CRC error
 * event; two senders at once: a collision, nobody hears either. */
static void test_mismatch_crc_collision(void)
{
	setup();
	CHECK_EQ(configure(0, 7, 0x12)->h.status, WIS_ST_OK);
	CHECK_EQ(configure(1, 8, 0x12)->h.status, WIS_ST_OK);
	CHECK_EQ(configure(2, 7, 0x34)->h.status, WIS_ST_OK);
	rx_on(1);
	rx_on(2);
	size_t b0 = N[1].out.n, c0 = N[2].out.n;
	send_pkt(0, "nobody");
	run_until(NOW + 50000);
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX, NULL) + events(2, c0, WIS_EV_RADIO_RX, NULL), 0);
	/* Matching control: B on SF7 hears the same. */
	CHECK_EQ(configure(1, 7, 0x12)->h.status, WIS_ST_OK);
	send_pkt(0, "now");
	run_until(NOW + 50000);
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX, NULL), 1);
	/* CRC corruption. */
	struct fw_frame *ev = NULL;
	MD.corrupt_next = 1;
	send_pkt(0, "bad");
	run_until(NOW + 50000);
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX, NULL), 1);
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX_ERROR, &ev), 1);
	if (ev) {
		union wis_val v[3];
		parse(WIS_EV_RADIO_RX_ERROR, ev, v, true);
		CHECK_EQ(v[0].u, WIS_RADIO_ERR_CRC);
	}
	/* Collision: A and C (now on 0x12) send at once to B. */
	CHECK_EQ(call(2, WIS_OP_RADIO_STOP, NULL)->h.status, WIS_ST_OK);
	CHECK_EQ(configure(2, 7, 0x12)->h.status, WIS_ST_OK);
	size_t before = events(1, b0, WIS_EV_RADIO_RX, NULL);
	send_pkt(0, "one");
	send_pkt(2, "two");
	run_until(NOW + 50000);
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX, NULL), before);
	CHECK(MD.collisions > 0);
}

/* CAD: idle channel, then a busy one (another node's long preamble). */
static void test_cad(void)
{
	setup();
	CHECK_EQ(configure(0, 7, 0x12)->h.status, WIS_ST_OK);
	union wis_val v[1] = {WIS_VAL(4)};
	uint16_t id = send_req(0, WIS_OP_RADIO_CAD, v);
	CHECK(answer(0, id) == NULL);
	run_until(NOW + 20000);
	struct fw_frame *r = answer(0, id);
	CHECK(r && r->h.status == WIS_ST_OK && r->len == 1 && r->p[0] == 0);
	v[0].u = 3;
	r = call(0, WIS_OP_RADIO_CAD, v);
	CHECK_EQ(r->h.status, WIS_ST_BAD_ARG);
	CHECK_CONTAINS(detail(r), "symbols 3: must be 1, 2, 4, 8 or 16");
	/* B sends a long packet; A's CAD during it detects it. */
	CHECK_EQ(configure(1, 7, 0x12)->h.status, WIS_ST_OK);
	send_pkt(1, "a longer packet for the CAD to find on the air .....");
	run_until(NOW + 6000); /* past B's TCXO start-up: on air */
	v[0].u = 2;
	id = send_req(0, WIS_OP_RADIO_CAD, v);
	run_until(NOW + 20000);
	r = answer(0, id);
	CHECK(r && r->h.status == WIS_ST_OK && r->len == 1 && r->p[0] == 1);
}

/* Sends while the radio is busy wait their turn, in order, up to the
 * window (one on air + WISFW_RADIO_TXQ waiting); the next request finds
 * the window full; all reach the receiver. */
static void test_queue(void)
{
	setup();
	CHECK_EQ(configure(0, 7, 0x12)->h.status, WIS_ST_OK);
	CHECK_EQ(configure(1, 7, 0x12)->h.status, WIS_ST_OK);
	rx_on(1);
	size_t b0 = N[1].out.n;
	enum { SENDS = WISFW_RADIO_TXQ + 1 };
	CHECK_EQ(SENDS, WISFW_WINDOW);
	uint16_t ids[SENDS];
	for (int i = 0; i < SENDS; i++)
		ids[i] = send_pkt(0, "queued");
	struct fw_frame *r = answer(0, send_pkt(0, "one too many"));
	CHECK(r && r->h.status == WIS_ST_BUSY);
	if (r)
		CHECK_CONTAINS(detail(r), "window full");
	CHECK(answer(0, ids[SENDS - 1]) == NULL);
	run_until(NOW + SENDS * 20000);
	uint64_t last_end = 0;
	for (int i = 0; i < SENDS; i++) {
		r = answer(0, ids[i]);
		CHECK(r && r->h.status == WIS_ST_OK);
		if (r && r->h.status == WIS_ST_OK) {
			union wis_val a[3];
			parse(WIS_OP_RADIO_SEND, r, a, false);
			CHECK(a[1].u > last_end);
			last_end = a[2].u;
		}
	}
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX, NULL), SENDS);
	union wis_val st[9];
	parse(WIS_OP_RADIO_STATUS, call(1, WIS_OP_RADIO_STATUS, NULL), st, false);
	CHECK_EQ(st[0].u, WIS_RADIO_RX);
}

/* A host that does not read: the events that fit the 4 KiB queue are
 * delivered whole, the rest dropped and counted exactly. */
static void test_burst(void)
{
	setup();
	CHECK_EQ(configure(0, 7, 0x12)->h.status, WIS_ST_OK);
	CHECK_EQ(configure(1, 7, 0x12)->h.status, WIS_ST_OK);
	rx_on(1);
	size_t b0 = N[1].out.n;
	N[1].hw.tx_budget = 0; /* B's host stops reading */
	char pl[256];
	memset(pl, 'z', 255);
	pl[255] = 0;
	const int sent = 20;
	for (int i = 0; i < sent; i++) {
		uint16_t id = send_pkt(0, pl);
		run_until(NOW + toa_us(7, 255) + 10000);
		CHECK(answer(0, id) && answer(0, id)->h.status == WIS_ST_OK);
	}
	N[1].hw.tx_budget = -1;
	run_until(NOW + 1000);
	/* The ring holds this many (17 bytes of metadata each), plus the one
	 * frame the link was handed and holds. */
	size_t fit = WISFW_EVQ_BYTES / (WISFW_EV_HDR + 17 + 255) + 1;
	CHECK_EQ(events(1, b0, WIS_EV_RADIO_RX, NULL), fit);
	CHECK_EQ(N[1].core.n.events_dropped, sent - (int)fit);
	union wis_val st[9];
	parse(WIS_OP_RADIO_STATUS, call(1, WIS_OP_RADIO_STATUS, NULL), st, false);
	CHECK_EQ(st[6].u, sent);
}

int main(void)
{
	test_config_refused();
	test_link();
	test_send_at();
	test_mismatch_crc_collision();
	test_cad();
	test_queue();
	test_burst();
	printf("%s\n", check_failures ? "FAIL" : "ok");
	return check_failures != 0;
}
