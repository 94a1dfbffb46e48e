/*
 * The opcode table's generic codec on the paths test_ops.c leaves out:
 * encoding strings and byte runs (and refusing what does not fit), a
 * round trip through decode, fixed-size BYTES fields, the timeout bound of
 * a long operation, and the pins each bus resource takes.  A separate file
 * so that test_ops.c stays the table's own test.
 */
#include <string.h>

#include "../check.h"
#include "ops.h"

static void strings_and_bytes(void)
{
	/* HELLO's response: integers, a fixed 8-byte id, then two strings. */
	const struct wis_op_desc *d = wis_op_find(WIS_OP_HELLO);
	CHECK(d != NULL);
	if (!d)
		return;
	union wis_val v[WIS_OP_MAX_FIELDS], back[WIS_OP_MAX_FIELDS];
	memset(v, 0, sizeof v);
	int id = wis_field_index(d->resp, d->nresp, "device_id");
	int fw = wis_field_index(d->resp, d->nresp, "fw_version");
	CHECK(id >= 0 && fw >= 0);
	if (id < 0 || fw < 0)
		return;
	for (size_t i = 0; i < d->nresp; i++) {
		if (d->resp[i].type == WIS_FT_STR || d->resp[i].type == WIS_FT_BYTES) {
			v[i].b.p = (const uint8_t *)"abcdefgh";
			v[i].b.len = d->resp[i].type == WIS_FT_BYTES ? d->resp[i].min : 3;
		} else {
			v[i].u = d->resp[i].min;
		}
	}
	uint8_t out[64];
	size_t n = wis_fields_encode(d->resp, d->nresp, v, out, sizeof out);
	CHECK(n > 0);
	size_t bad;
	CHECK_EQ(wis_fields_decode(d->resp, d->nresp, out, n, back, &bad), WIS_DEC_OK);
	CHECK_EQ(back[fw].b.len, 3);
	CHECK(memcmp(back[fw].b.p, "abc", 3) == 0);
	CHECK_EQ(back[id].b.len, 8);
	/* Every buffer one byte short of the encoding is refused, not overrun. */
	for (size_t cap = 0; cap < n; cap++)
		CHECK_EQ(wis_fields_encode(d->resp, d->nresp, v, out, cap), 0);
	/* A string longer than its u8 length can say, with room to spare. */
	static const uint8_t big[300];
	static uint8_t room[WIS_MAX_PAYLOAD];
	v[fw].b.p = big;
	v[fw].b.len = 255;
	CHECK(wis_fields_encode(d->resp, d->nresp, v, room, sizeof room) > 255);
	v[fw].b.len = 256;
	CHECK_EQ(wis_fields_encode(d->resp, d->nresp, v, room, sizeof room), 0);
	/* A fixed BYTES field of the wrong length. */
	v[fw].b.len = 3;
	v[id].b.len = 7;
	CHECK_EQ(wis_fields_encode(d->resp, d->nresp, v, out, sizeof out), 0);
	/* Decoding: a fixed BYTES field cut short. */
	CHECK_EQ(wis_fields_decode(d->resp, d->nresp, out, (size_t)id + 4, back, &bad),
	         WIS_DEC_SHORT);
}

static void open_bytes(void)
{
	/* DIAG event data: 0..max bytes, the last field. */
	const struct wis_op_desc *d = wis_op_find(WIS_EV_DIAG);
	CHECK(d != NULL && d->nresp == 1);
	if (!d || d->nresp != 1)
		return;
	static uint8_t data[WIS_EV_MAX_DATA + 1], out[WIS_EV_MAX_DATA + 8];
	union wis_val v = {0}, back;
	size_t bad;
	v.b.p = data;
	v.b.len = WIS_EV_MAX_DATA;
	CHECK_EQ(wis_fields_encode(d->resp, 1, &v, out, sizeof out), WIS_EV_MAX_DATA);
	CHECK_EQ(wis_fields_decode(d->resp, 1, out, WIS_EV_MAX_DATA, &back, &bad), WIS_DEC_OK);
	CHECK_EQ(back.b.len, WIS_EV_MAX_DATA);
	v.b.len = WIS_EV_MAX_DATA + 1;
	CHECK_EQ(wis_fields_encode(d->resp, 1, &v, out, sizeof out), 0);
	CHECK_EQ(wis_fields_decode(d->resp, 1, out, WIS_EV_MAX_DATA + 1, &back, &bad),
	         WIS_DEC_LONG);
}

static void long_operations(void)
{
	/* DELAY is answered after its delay: the bound is that delay, rounded
	 * up to whole milliseconds; quick operations add nothing. */
	const struct wis_op_desc *d = wis_op_find(WIS_OP_DELAY);
	CHECK(d != NULL && d->tclass == WIS_TC_LONG);
	if (!d)
		return;
	const uint8_t us_2500[] = {0xc4, 0x09, 0, 0};
	CHECK_EQ(wis_op_bound_ms(d, us_2500, 4), 3);
	const uint8_t us_0[] = {0, 0, 0, 0};
	CHECK_EQ(wis_op_bound_ms(d, us_0, 4), 1);
	CHECK_EQ(wis_op_bound_ms(d, us_0, 3), 0);
	CHECK_EQ(wis_op_bound_ms(wis_op_find(WIS_OP_PING), us_2500, 4), 0);
}

static int count_pins(const uint8_t *p)
{
	int n = 0;
	while (p[n] != WIS_NRF_NONE)
		n++;
	return n;
}

static void bus_pins(void)
{
	/* Each bus names its own pins; the QSPI flash shares the IO-slot SPI
	 * pins (shared/hardware.md), which is what makes them conflict. */
	CHECK_EQ(count_pins(wis_res_pins(WIS_RES_I2C1)), 2);
	CHECK_EQ(count_pins(wis_res_pins(WIS_RES_I2C2)), 2);
	CHECK_EQ(count_pins(wis_res_pins(WIS_RES_UART0)), 2);
	CHECK_EQ(count_pins(wis_res_pins(WIS_RES_UART1)), 2);
	CHECK_EQ(count_pins(wis_res_pins(WIS_RES_SPI)), 4);
	CHECK_EQ(count_pins(wis_res_pins(WIS_RES_FLASH)), 6);
	const uint8_t *spi = wis_res_pins(WIS_RES_SPI), *flash = wis_res_pins(WIS_RES_FLASH);
	for (int i = 0; spi[i] != WIS_NRF_NONE; i++)
		CHECK(memchr(flash, spi[i], 6) != NULL);
	CHECK(memchr(wis_res_pins(WIS_RES_I2C1), wis_res_pins(WIS_RES_I2C2)[0], 2) == NULL);
	CHECK(strcmp(wis_res_name(WIS_RES_FLASH), "flash") == 0);
	CHECK(strcmp(wis_res_name(WIS_RES__COUNT), "") == 0);
	CHECK_EQ(wis_res_parse(""), -1);
	CHECK_EQ(wis_res_parse("pin"), -1);
}

int main(void)
{
	strings_and_bytes();
	open_bytes();
	long_operations();
	bus_pins();
	return CHECK_DONE();
}
