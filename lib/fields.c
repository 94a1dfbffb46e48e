/*
 * Calls described by the opcode table (lib/proto/ops.c): the typed calls in
 * gpio.c, adc.c, system.c and batch.c give their parameters as field values
 * and get the answer back as field values, so no payload layout is written
 * by hand on the host.  The table's ranges are checked before anything is
 * sent, so a caller's mistake is named ("GPIO_WATCH debounce_us 2000000 out
 * of range 0..1000000") without a round trip.
 */
#include <inttypes.h>

#include "internal.h"

static _Thread_local uint8_t last_resp[WIS_MAX_PAYLOAD];

static int range_fail(const struct wis_op_desc *d, const struct wis_field *f, uint64_t v)
{
	if (f->names && v <= f->max) /* a gap in an enumeration */
		return wis__fail(WIS_E_INVAL, "%s %s %" PRIu64 " is not a valid value", d->name,
		                 f->name, v);
	return wis__fail(WIS_E_INVAL, "%s %s %" PRIu64 " out of range %" PRIu32 "..%" PRIu32,
	                 d->name, f->name, v, f->min, f->max);
}

int wis__encode_fields(uint16_t opcode, const union wis_val *req, uint8_t *out)
{
	const struct wis_op_desc *d = wis_op_find(opcode);
	if (!d)
		return wis__fail(WIS_E_INVAL, "opcode 0x%04x is not in the table", opcode);
	size_t n = wis_fields_encode(d->req, d->nreq, req, out, WIS_MAX_PAYLOAD);
	if (n == 0 && d->nreq)
		return wis__fail(WIS_E_TOO_BIG, "%s request does not fit in a frame", d->name);
	/* Decoding what was encoded applies the table's checks in one place. */
	union wis_val back[WIS_OP_MAX_FIELDS];
	size_t bad;
	if (wis_fields_decode(d->req, d->nreq, out, n, back, &bad) == WIS_DEC_RANGE)
		return range_fail(d, &d->req[bad], back[bad].u);
	return (int)n;
}

int wis__decode_fields(uint16_t opcode, const uint8_t *p, size_t len, union wis_val *resp)
{
	const struct wis_op_desc *d = wis_op_find(opcode);
	union wis_val scratch[WIS_OP_MAX_FIELDS];
	size_t bad;
	if (!d)
		return wis__fail(WIS_E_INVAL, "opcode 0x%04x is not in the table", opcode);
	enum wis_decode r =
	    wis_fields_parse(d->resp, d->nresp, p, len, resp ? resp : scratch, &bad);
	if (r == WIS_DEC_OK)
		return 0;
	if (r == WIS_DEC_LONG)
		return wis__fail(WIS_E_PROTO, "%s response has %zu bytes: more than its fields",
		                 d->name, len);
	return wis__fail(WIS_E_PROTO, "%s response of %zu bytes ends inside %s", d->name, len,
	                 d->resp[bad].name);
}

int wis__call_fields(wis_device *dev, uint16_t opcode, const union wis_val *req,
                     union wis_val *resp, unsigned timeout_ms)
{
	uint8_t buf[WIS_MAX_PAYLOAD];
	int n = wis__encode_fields(opcode, req, buf);
	if (n < 0)
		return n;
	size_t got = 0;
	int rc =
	    wis_call(dev, opcode, buf, (size_t)n, last_resp, sizeof last_resp, &got, timeout_ms);
	if (rc < 0)
		return rc;
	return wis__decode_fields(opcode, last_resp, got, resp);
}
