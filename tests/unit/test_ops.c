/*
 * The opcode table (lib/proto/ops.c): sorted and unique, every field layout
 * well formed, the generic codec's length and range checks at each edge,
 * and the resource a request names.
 */
#include <string.h>

#include "../check.h"
#include "ops.h"

static void table_is_sound(void)
{
	size_t n;
	const struct wis_op_desc *t = wis_op_table(&n);
	CHECK(n > 10);
	for (size_t i = 0; i < n; i++) {
		if (i)
			CHECK(t[i - 1].opcode < t[i].opcode);
		CHECK(wis_op_find(t[i].opcode) == &t[i]);
		CHECK(strcmp(wis_op_name(t[i].opcode), t[i].name) == 0);
		/* Variable parts only last. */
		for (size_t k = 0; k + 1 < t[i].nreq; k++)
			CHECK(t[i].req[k].type != WIS_FT_REST);
		CHECK(((t[i].flags & WIS_OPF_EVENT) != 0) == ((t[i].opcode & 0x80) != 0));
		/* A step answered later would hold the whole BATCH: long ones are not steps. */
		if (t[i].tclass == WIS_TC_LONG)
			CHECK(!(t[i].flags & WIS_OPF_BATCH) && t[i].bound_ms);
		if (t[i].res == WIS_RES_PIN && !(t[i].flags & WIS_OPF_EVENT))
			CHECK(wis_field_index(t[i].req, t[i].nreq, "pin") >= 0);
	}
	CHECK(wis_op_find(0x7777) == NULL);
	CHECK(strcmp(wis_op_name(0x7777), "opcode") == 0);
}

static void codec_edges(void)
{
	const struct wis_op_desc *d = wis_op_find(WIS_OP_GPIO_WATCH);
	size_t lo, hi, bad;
	wis_fields_len(d->req, d->nreq, &lo, &hi);
	CHECK_EQ(lo, 6);
	CHECK_EQ(hi, 6);
	union wis_val v[WIS_OP_MAX_FIELDS];
	uint8_t ok[] = {0x11, 3, 0x40, 0x42, 0x0f, 0x00}; /* debounce 1000000 = max */
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, ok, 6, v, &bad), WIS_DEC_OK);
	CHECK_EQ(v[0].u, 0x11);
	CHECK_EQ(v[1].u, 3);
	CHECK_EQ(v[2].u, 1000000);
	uint8_t over[] = {0x11, 3, 0x41, 0x42, 0x0f, 0x00};
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, over, 6, v, &bad), WIS_DEC_RANGE);
	CHECK_EQ(bad, 2);
	uint8_t edge4[] = {0x11, 4, 0, 0, 0, 0};
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, edge4, 6, v, &bad), WIS_DEC_RANGE);
	CHECK_EQ(bad, 1);
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, ok, 5, v, &bad), WIS_DEC_SHORT);
	CHECK_EQ(bad, 2);
	uint8_t seven[7] = {0x11, 3, 0, 0, 0, 0, 9};
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, seven, 7, v, &bad), WIS_DEC_LONG);
	uint8_t out[8];
	CHECK_EQ(wis_fields_encode(d->req, d->nreq, v, out, sizeof out), 6);
	CHECK(memcmp(out, seven, 6) == 0);
	CHECK_EQ(wis_fields_encode(d->req, d->nreq, v, out, 5), 0);

	/* ADC resolution 8..14, a signed response. */
	d = wis_op_find(WIS_OP_ADC_READ);
	uint8_t r7[] = {4, 0, 0, 7, 0}, r15[] = {4, 0, 0, 15, 0}, r14[] = {4, 7, 1, 14, 8};
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, r7, 5, v, &bad), WIS_DEC_RANGE);
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, r15, 5, v, &bad), WIS_DEC_RANGE);
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, r14, 5, v, &bad), WIS_DEC_OK);
	uint8_t resp[] = {0xff, 0xff, 0xfe, 0xff, 0xff, 0xff};
	CHECK_EQ(wis_fields_decode(d->resp, d->nresp, resp, 6, v, &bad), WIS_DEC_OK);
	CHECK_EQ(v[0].i, -1);
	CHECK_EQ(v[1].i, -2);

	/* HELLO's response: fixed bytes and two strings in the middle. */
	d = wis_op_find(WIS_OP_HELLO);
	uint8_t h[] = {1,   16, 0,   4,  1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 2, 'v',
	               '1', 1,  'B', 40, 4, 3, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 2, 0};
	CHECK_EQ(wis_fields_decode(d->resp, d->nresp, h, sizeof h, v, &bad), WIS_DEC_OK);
	CHECK_EQ(v[2].u, 1024);
	CHECK_EQ(v[4].b.len, 8);
	CHECK_EQ(v[5].b.len, 2);
	CHECK(memcmp(v[6].b.p, "B", 1) == 0);
	CHECK_EQ(v[7].u, 40);
	CHECK_EQ(v[8].u, WIS_CAUSE_FAULT);
	CHECK_EQ(v[9].u, 3);
	CHECK_EQ(v[12].u, 0x20000);
	h[16] = 4; /* the string swallows the next ones: the board name then runs past the end */
	CHECK_EQ(wis_fields_decode(d->resp, d->nresp, h, sizeof h, v, &bad), WIS_DEC_SHORT);
	CHECK_EQ(bad, 6);
	h[16] = 40; /* fw_version itself runs past the end */
	CHECK_EQ(wis_fields_decode(d->resp, d->nresp, h, sizeof h, v, &bad), WIS_DEC_SHORT);
	CHECK_EQ(bad, 5);
	uint8_t zero = 0;
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, &zero, 1, v, &bad), WIS_DEC_RANGE);

	/* PING: any payload up to the maximum. */
	d = wis_op_find(WIS_OP_PING);
	wis_fields_len(d->req, d->nreq, &lo, &hi);
	CHECK_EQ(lo, 0);
	CHECK_EQ(hi, WIS_MAX_PAYLOAD);
	CHECK_EQ(wis_fields_decode(d->req, d->nreq, h, 0, v, &bad), WIS_DEC_OK);
	CHECK_EQ(v[0].b.len, 0);
}

static void resources(void)
{
	size_t np;
	const struct wis_pin_def *pins = wis_pins_rak4631(&np);
	char buf[24];
	uint8_t req[] = {WIS_NRF(0, 17), 1};
	CHECK_EQ(wis_op_resource(wis_op_find(WIS_OP_GPIO_WRITE), req, 2, pins, np, buf, sizeof buf),
	         WIS_RES_PIN);
	CHECK(strcmp(buf, "pin:IO1") == 0);
	req[0] = WIS_NRF(1, 9); /* internal: no connector name */
	wis_op_resource(wis_op_find(WIS_OP_GPIO_READ), req, 1, pins, np, buf, sizeof buf);
	CHECK(strcmp(buf, "pin:P1.09") == 0);
	CHECK_EQ(wis_op_resource(wis_op_find(WIS_OP_GPIO_READ), req, 0, pins, np, buf, sizeof buf),
	         -1);
	CHECK_EQ(wis_op_resource(wis_op_find(WIS_OP_PING), req, 0, pins, np, buf, sizeof buf),
	         WIS_RES_NONE);
	CHECK(buf[0] == 0);
	char tiny[6];
	req[0] = WIS_NRF(0, 17);
	wis_op_resource(wis_op_find(WIS_OP_GPIO_READ), req, 1, pins, np, tiny, sizeof tiny);
	CHECK(strcmp(tiny, "pin:I") == 0);
	CHECK_EQ(wis_res_parse("radio"), WIS_RES_RADIO);
	CHECK_EQ(wis_res_parse("pin:IO1"), WIS_RES_PIN);
	CHECK_EQ(wis_res_parse("pin:"), -1);
	CHECK_EQ(wis_res_parse("uart2"), -1);
	CHECK(wis_res_pins(WIS_RES_SPI)[4] == WIS_NRF_NONE);
	CHECK(wis_res_pins(WIS_RES_RADIO)[0] == WIS_NRF_NONE);
}

static void names(void)
{
	CHECK_EQ(wis_name_index(wis_gpio_mode_names, "input_pullup"), WIS_GPIO_INPUT_PULLUP);
	CHECK_EQ(wis_name_index(wis_gpio_mode_names, "input-pullup"), -1);
	CHECK(strcmp(wis_name_of(wis_status_names, WIS_ST_INTERNAL), "INTERNAL") == 0);
	CHECK(strcmp(wis_name_of(wis_status_names, WIS_ST__COUNT), "unknown") == 0);
	CHECK(strcmp(wis_name_of(wis_owner_names, WIS_OWNER_SYSTEM), "system") == 0);
	CHECK(strcmp(wis_name_of(wis_adc_gain_names, WIS_ADC_GAIN_4), "4") == 0);
	CHECK(strcmp(wis_cap_names[31], "simulated") == 0);
	/* HELLO's fault_kind is the ARMv7-M exception number (docs/api.md's
	 * system.info fault.kind names). */
	CHECK(strcmp(wis_name_of(wis_fault_kind_names, 3), "hardfault") == 0);
	CHECK(strcmp(wis_name_of(wis_fault_kind_names, 6), "usagefault") == 0);
	CHECK(strcmp(wis_name_of(wis_fault_kind_names, 7), "unknown") == 0);
}

int main(void)
{
	table_is_sound();
	codec_edges();
	resources();
	names();
	return CHECK_DONE();
}
