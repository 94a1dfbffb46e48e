/*
 * Fixed workloads for counting instructions (callgrind) on hot paths that
 * need no process of their own.  Each path is one function, hp_PATH, that
 * callgrind's --toggle-collect counts alone; setup runs outside it.
 *   codec:         encode a GPIO_WRITE request frame and deframe it
 *   fw-gpio-write: a GPIO_WRITE request through the firmware core (deframe,
 *                  check, dispatch, answer, encode), its output not decoded
 *   radio-rx-json: a RADIO_RX event frame (10-byte packet) deframed, parsed
 *                  by the opcode table's layout into a wis_event, turned into
 *                  wisd's JSON notification and printed
 * Usage: hotpaths PATH N.  Used by tests/perf/measure.sh (the regression
 * guard, scripts/bench.sh).  Each result is checked, so a path that stops
 * doing its work fails rather than getting cheaper.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"
#include "internal.h"
#include "jsonfast.h"
#include "wisjson.h"

static unsigned frames_seen;

static void count_frame(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	(void)user, (void)h, (void)p, (void)len;
	frames_seen++;
}

__attribute__((noinline)) static void hp_codec(unsigned n)
{
	static struct wis_deframer d;
	uint8_t buf[WIS_MAX_ENCODED + 1];
	const uint8_t pl[2] = {IO1, 1};
	for (unsigned i = 0; i < n; i++) {
		struct wis_hdr h = {
		    WIS_PROTO_VERSION, WIS_MSG_REQUEST, (uint16_t)(i + 1), WIS_OP_GPIO_WRITE, 0, 0};
		size_t k = wis__frame_encode(buf, sizeof buf, &h, pl, sizeof pl);
		wis__deframer_feed(&d, buf, k, count_frame, NULL);
	}
}

static size_t out_bytes;
static void count_bytes(void *user, const uint8_t *p, size_t n)
{
	(void)user, (void)p;
	out_bytes += n;
}

__attribute__((noinline)) static void hp_fw_gpio_write(const uint8_t *frames, const size_t *len,
                                                       unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		wisfw_core_rx(&F.core, frames, len[i]);
		frames += len[i];
	}
}

static void fw_gpio_write(unsigned n)
{
	setup();
	uint8_t out_mode[3] = {IO1, 4 /* output */, 0};
	CHECK_EQ(call(WIS_OP_GPIO_MODE, out_mode, sizeof out_mode)->h.status, WIS_ST_OK);
	CHECK_EQ(call(WIS_OP_GPIO_WRITE, (uint8_t[]){IO1, 1}, 2)->h.status, WIS_ST_OK);
	/* The frames are made before counting: only the core is measured. */
	uint8_t *frames = malloc((size_t)n * 32);
	size_t *len = malloc(n * sizeof *len), at = 0;
	for (unsigned i = 0; i < n; i++) {
		struct wis_hdr h = {WIS_PROTO_VERSION,
		                    WIS_MSG_REQUEST,
		                    (uint16_t)(100 + i % 1000),
		                    WIS_OP_GPIO_WRITE,
		                    0,
		                    0};
		len[i] =
		    wis__frame_encode(frames + at, 32, &h, (uint8_t[]){IO1, (uint8_t)(i & 1)}, 2);
		at += len[i];
	}
	F.hw.sink = count_bytes;
	hp_fw_gpio_write(frames, len, n);
	/* Each answer is an OK response of 8 + 4 bytes: 15 on the wire here. */
	CHECK_EQ(out_bytes, (size_t)n * 15);
	free(frames);
	free(len);
}

static struct jsonfast_buf note;

static void on_event(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	(void)user;
	struct wis_event ev = {0};
	struct wis_rd r = wis_rd_init(p, len);
	ev.type = h->opcode;
	ev.seq = wis_rd_u32(&r);
	ev.device_us = wis_rd_u64(&r);
	ev.payload = p + WIS_EV_PREFIX_LEN;
	ev.payload_len = len - WIS_EV_PREFIX_LEN;
	const struct wis_op_desc *d = wis_op_find(ev.type);
	union wis_val v[WIS_OP_MAX_FIELDS];
	size_t bad;
	if (wis_fields_parse(d->resp, d->nresp, ev.payload, ev.payload_len, v, &bad) != WIS_DEC_OK)
		return;
	wis__radio_event(&ev, v);
	const char *topic;
	json_object *params = wisj_event_to_json(NULL, &ev, &topic);
	/* As wisd's rpc_notify prints it. */
	note.len = 0;
	jsonfast_print_notification(&note, topic, params);
	json_object_put(params);
	frames_seen++;
}

__attribute__((noinline)) static void hp_radio_rx_json(const uint8_t *frame, size_t len, unsigned n)
{
	static struct wis_deframer d;
	for (unsigned i = 0; i < n; i++)
		wis__deframer_feed(&d, frame, len, on_event, NULL);
}

static void radio_rx_json(unsigned n)
{
	const struct wis_op_desc *d = wis_op_find(WIS_EV_RADIO_RX);
	static const uint8_t pkt[10] = "wisrpc-rx";
	union wis_val v[9] = {{.i = -150}, {.i = 28},     {.i = -148}, {.u = 868100000},
	                      {.u = 7},    {.u = 125000}, {.u = 5},    {.u = 1}};
	v[8].b.p = pkt;
	v[8].b.len = sizeof pkt;
	uint8_t pl[WIS_MAX_PAYLOAD];
	struct wis_wr w = {pl, sizeof pl, 0, false};
	wis_wr_u32(&w, 7);
	wis_wr_u64(&w, 123456789);
	size_t k = wis_fields_encode(d->resp, d->nresp, v, pl + w.len, sizeof pl - w.len);
	CHECK(k > 0);
	uint8_t frame[WIS_MAX_ENCODED + 1];
	struct wis_hdr h = {WIS_PROTO_VERSION, WIS_MSG_EVENT, 0, WIS_EV_RADIO_RX, 0, 0};
	size_t flen = wis__frame_encode(frame, sizeof frame, &h, pl, w.len + k);
	hp_radio_rx_json(frame, flen, n);
	CHECK_EQ(frames_seen, n);
	CHECK(note.len > 0 && strstr(note.p, "\"method\":\"radio.rx\"") &&
	      strstr(note.p, "\"freq_hz\":868100000"));
	free(note.p);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hotpaths codec|fw-gpio-write|radio-rx-json N\n");
		return 2;
	}
	unsigned n = (unsigned)atoi(argv[2]);
	if (!strcmp(argv[1], "codec")) {
		hp_codec(n);
		CHECK_EQ(frames_seen, n);
	} else if (!strcmp(argv[1], "fw-gpio-write")) {
		fw_gpio_write(n);
	} else if (!strcmp(argv[1], "radio-rx-json")) {
		radio_rx_json(n);
	} else {
		fprintf(stderr, "hotpaths: unknown path %s\n", argv[1]);
		return 2;
	}
	return check_failures ? 1 : 0;
}
