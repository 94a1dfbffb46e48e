/*
 * BATCH: several operations in one round trip, with a status and a result
 * per step (docs/protocol.md).  The request is built in place as steps are
 * added, so wis_batch_payload() can hand it to wis_call_async() as is.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct wis_batch {
	wis_device *dev;
	int n;
	uint16_t ops[WIS_BATCH_MAX_STEPS];
	uint8_t req[WIS_MAX_PAYLOAD]; /* u8 flags, u8 n, steps */
	size_t req_len;
	bool have_results;
	int status[WIS_BATCH_MAX_STEPS];
	uint16_t res_off[WIS_BATCH_MAX_STEPS], res_len[WIS_BATCH_MAX_STEPS];
	uint8_t resp[WIS_MAX_PAYLOAD];
};

wis_batch *wis_batch_new(wis_device *dev)
{
	if (!dev) {
		wis__fail(WIS_E_INVAL, "device is NULL");
		return NULL;
	}
	wis_batch *b = calloc(1, sizeof *b);
	if (!b) {
		wis__fail(WIS_E_NOMEM, "out of memory");
		return NULL;
	}
	b->dev = dev;
	b->req_len = 2;
	return b;
}

void wis_batch_free(wis_batch *b)
{
	free(b);
}

void wis_batch_stop_on_error(wis_batch *b, int on)
{
	if (b)
		b->req[0] = on ? WIS_BATCH_STOP_ON_ERROR : 0;
}

int wis_batch_count(const wis_batch *b)
{
	return b ? b->n : 0;
}

int wis_batch_add(wis_batch *b, uint16_t opcode, const void *req, size_t len)
{
	if (!b)
		return wis__fail(WIS_E_INVAL, "batch is NULL");
	if (len && !req)
		return wis__fail(WIS_E_INVAL, "step request is NULL but its length is %zu", len);
	const struct wis_op_desc *d = wis_op_find(opcode);
	/* Unknown opcodes go through: the device names what it does not know. */
	if (d && !(d->flags & WIS_OPF_BATCH))
		return wis__fail(WIS_E_INVAL, "%s cannot be a batch step", d->name);
	if (b->n >= WIS_BATCH_MAX_STEPS)
		return wis__fail(WIS_E_TOO_BIG, "a batch holds at most %d steps",
		                 WIS_BATCH_MAX_STEPS);
	if (b->req_len + 4 + len > b->dev->max_payload)
		return wis__fail(WIS_E_TOO_BIG,
		                 "step of %zu bytes does not fit: the batch would exceed "
		                 "the device's %u-byte payload",
		                 len, b->dev->max_payload);
	struct wis_wr w = wis_wr_init(b->req + b->req_len, sizeof b->req - b->req_len);
	wis_wr_u16(&w, opcode);
	wis_wr_u16(&w, (uint16_t)len);
	wis_wr_bytes(&w, req, len);
	b->req_len += w.len;
	b->ops[b->n] = opcode;
	b->req[1] = (uint8_t)(b->n + 1);
	b->have_results = false;
	return b->n++;
}

#define V(x) ((union wis_val){.u = (uint64_t)(x)})

/* Adds a step from field values (layout and ranges from the opcode table). */
static int add_fields(wis_batch *b, uint16_t opcode, const union wis_val *v)
{
	uint8_t req[WIS_MAX_PAYLOAD];
	int n = wis__encode_fields(opcode, v, req);
	return n < 0 ? n : wis_batch_add(b, opcode, req, (size_t)n);
}

/* Resolves a pin for fn, or returns a negative code. */
static int batch_pin(wis_batch *b, const char *pin, unsigned fn)
{
	uint8_t nrf;
	if (!b)
		return wis__fail(WIS_E_INVAL, "batch is NULL");
	int rc = wis__pin_arg(b->dev, pin, fn, &nrf);
	return rc < 0 ? rc : nrf;
}

int wis_batch_add_gpio_mode(wis_batch *b, const char *pin, enum wis_gpio_mode mode, int initial)
{
	int nrf = batch_pin(b, pin, WIS_FN_GPIO);
	if (nrf < 0)
		return nrf;
	return add_fields(b, WIS_OP_GPIO_MODE,
	                  (union wis_val[]){V(nrf), V((unsigned)mode), V(initial != 0)});
}

int wis_batch_add_gpio_read(wis_batch *b, const char *pin)
{
	int nrf = batch_pin(b, pin, WIS_FN_GPIO);
	return nrf < 0 ? nrf : add_fields(b, WIS_OP_GPIO_READ, (union wis_val[]){V(nrf)});
}

int wis_batch_add_gpio_write(wis_batch *b, const char *pin, int level)
{
	int nrf = batch_pin(b, pin, WIS_FN_GPIO);
	if (nrf < 0)
		return nrf;
	return add_fields(b, WIS_OP_GPIO_WRITE, (union wis_val[]){V(nrf), V(level != 0)});
}

int wis_batch_add_adc_read(wis_batch *b, const char *pin, const struct wis_adc_config *cfg)
{
	uint8_t req[5];
	if (!b)
		return wis__fail(WIS_E_INVAL, "batch is NULL");
	int rc = wis__adc_encode(b->dev, pin, cfg, req);
	return rc < 0 ? rc : wis_batch_add(b, WIS_OP_ADC_READ, req, sizeof req);
}

const uint8_t *wis_batch_payload(const wis_batch *b, size_t *len)
{
	if (!b) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = b->req_len;
	return b->req;
}

int wis_batch_parse(wis_batch *b, const uint8_t *payload, size_t len)
{
	if (!b || (len && !payload))
		return wis__fail(WIS_E_INVAL, "batch or payload is NULL");
	if (len > sizeof b->resp)
		return wis__fail(WIS_E_PROTO, "BATCH response of %zu bytes is too long", len);
	memcpy(b->resp, payload, len);
	b->have_results = false;
	struct wis_rd r = wis_rd_init(b->resp, len);
	unsigned n = wis_rd_u8(&r);
	if (r.err || n != (unsigned)b->n)
		return wis__fail(WIS_E_PROTO, "BATCH response has %u results for %d steps", n,
		                 b->n);
	for (unsigned i = 0; i < n; i++) {
		uint16_t op = wis_rd_u16(&r);
		uint8_t st = wis_rd_u8(&r);
		uint16_t l = wis_rd_u16(&r);
		size_t off = r.pos;
		if (!wis_rd_bytes(&r, l) || op != b->ops[i])
			return wis__fail(WIS_E_PROTO, "BATCH result %u is %s", i,
			                 r.err ? "truncated" : "for another opcode");
		b->status[i] = st ? -(int)st : 0;
		b->res_off[i] = (uint16_t)off;
		b->res_len[i] = l;
		/* A failed step's bytes are "u8 len + text": keep the text. */
		if (st && l >= 1 && b->resp[off] <= l - 1) {
			b->res_off[i] = (uint16_t)(off + 1);
			b->res_len[i] = b->resp[off];
		}
	}
	if (wis_rd_left(&r))
		return wis__fail(WIS_E_PROTO, "BATCH response has %zu trailing bytes",
		                 wis_rd_left(&r));
	b->have_results = true;
	return 0;
}

int wis_batch_run(wis_batch *b, unsigned timeout_ms)
{
	wis__clear_error();
	if (!b)
		return wis__fail(WIS_E_INVAL, "batch is NULL");
	if (b->n == 0)
		return wis__fail(WIS_E_INVAL, "batch is empty");
	uint8_t resp[WIS_MAX_PAYLOAD];
	size_t len = 0;
	int rc =
	    wis_call(b->dev, WIS_OP_BATCH, b->req, b->req_len, resp, sizeof resp, &len, timeout_ms);
	if (rc < 0)
		return rc;
	return wis_batch_parse(b, resp, len);
}

static int step_ok(const wis_batch *b, int i)
{
	if (!b || i < 0 || i >= b->n)
		return wis__fail(WIS_E_INVAL, "no batch step %d", i);
	if (!b->have_results)
		return wis__fail(WIS_E_INVAL, "batch has not been run");
	return 0;
}

int wis_batch_status(const wis_batch *b, int i)
{
	int rc = step_ok(b, i);
	return rc < 0 ? rc : b->status[i];
}

const uint8_t *wis_batch_result(const wis_batch *b, int i, size_t *len)
{
	if (step_ok(b, i) < 0) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = b->res_len[i];
	return b->resp + b->res_off[i];
}

/* Step i's result decoded by want's response layout into v. */
static int step_fields(const wis_batch *b, int i, uint16_t want, union wis_val *v)
{
	int rc = step_ok(b, i);
	if (rc < 0)
		return rc;
	if (b->ops[i] != want)
		return wis__fail(WIS_E_INVAL, "batch step %d is %s, not %s", i,
		                 wis_op_name(b->ops[i]), wis_op_name(want));
	if (b->status[i] < 0)
		return wis__fail(b->status[i], "batch step %d failed: %.*s", i, (int)b->res_len[i],
		                 (const char *)b->resp + b->res_off[i]);
	return wis__decode_fields(want, b->resp + b->res_off[i], b->res_len[i], v);
}

int wis_batch_level(const wis_batch *b, int i, int *level)
{
	union wis_val v[1];
	int rc = step_fields(b, i, WIS_OP_GPIO_READ, v);
	if (rc == 0 && level)
		*level = v[0].u != 0;
	return rc;
}

int wis_batch_millivolts(const wis_batch *b, int i, int32_t *mv)
{
	union wis_val v[2];
	int rc = step_fields(b, i, WIS_OP_ADC_READ, v);
	if (rc == 0 && mv)
		*mv = (int32_t)v[1].i;
	return rc;
}
