/*
 * The generic payload codec: one value per field of a message, in and out
 * of its bytes, with the length and range checks the opcode table's field
 * descriptions imply (see ops.h).  Freestanding, like the rest of lib/proto.
 */
#include "ops.h"
#include "proto_priv.h"

/* ---- codec ----------------------------------------------------------------- */

size_t wis__field_size(uint8_t t)
{
	switch (t) {
	case WIS_FT_U8:
	case WIS_FT_PIN:
		return 1;
	case WIS_FT_U16:
	case WIS_FT_I16:
		return 2;
	case WIS_FT_U32:
	case WIS_FT_I32:
		return 4;
	case WIS_FT_U64:
		return 8;
	default:
		return 0;
	}
}

void wis_fields_len(const struct wis_field *f, size_t nf, size_t *min, size_t *max)
{
	size_t lo = 0, hi = 0;
	for (size_t i = 0; i < nf; i++) {
		size_t s = wis__field_size(f[i].type);
		if (s) {
			lo += s;
			hi += s;
		} else if (f[i].type == WIS_FT_STR) {
			lo += 1;
			hi += 1 + 255;
		} else if (f[i].type == WIS_FT_BYTES) {
			lo += f[i].min;
			hi += f[i].max;
		} else {
			hi = WIS_MAX_PAYLOAD;
		}
	}
	if (hi > WIS_MAX_PAYLOAD)
		hi = WIS_MAX_PAYLOAD;
	*min = lo;
	*max = hi;
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static bool in_range(const struct wis_field *f, uint64_t v)
{
	if (f->type == WIS_FT_I16 || f->type == WIS_FT_I32 || f->type == WIS_FT_U64)
		return true; /* signed and 64-bit values carry no range */
	return v >= f->min && v <= f->max;
}

static enum wis_decode decode(const struct wis_field *f, size_t nf, const uint8_t *p, size_t len,
                              union wis_val *vals, size_t *bad, bool ranges)
{
	size_t pos = 0;
	for (size_t i = 0; i < nf; i++) {
		size_t s = wis__field_size(f[i].type), n;
		*bad = i;
		if (s) {
			if (len - pos < s)
				return WIS_DEC_SHORT;
			vals[i].u = get_le(p + pos, s);
			if (f[i].type == WIS_FT_I16)
				vals[i].i = (int16_t)vals[i].u;
			else if (f[i].type == WIS_FT_I32)
				vals[i].i = (int32_t)vals[i].u;
			pos += s;
			if (ranges && !in_range(&f[i], vals[i].u))
				return WIS_DEC_RANGE;
			continue;
		}
		if (f[i].type == WIS_FT_STR) {
			if (len - pos < 1 || len - pos - 1 < p[pos])
				return WIS_DEC_SHORT;
			n = p[pos++];
		} else if (f[i].type == WIS_FT_BYTES) {
			n = i + 1 == nf ? len - pos : f[i].min;
			if (n < f[i].min || len - pos < n)
				return WIS_DEC_SHORT;
			if (n > f[i].max)
				return WIS_DEC_LONG;
		} else {
			n = len - pos;
		}
		vals[i].b.p = p + pos;
		vals[i].b.len = n;
		pos += n;
	}
	*bad = nf;
	return pos == len ? WIS_DEC_OK : WIS_DEC_LONG;
}

enum wis_decode wis_fields_decode(const struct wis_field *f, size_t nf, const uint8_t *p,
                                  size_t len, union wis_val *vals, size_t *bad)
{
	return decode(f, nf, p, len, vals, bad, true);
}

enum wis_decode wis_fields_parse(const struct wis_field *f, size_t nf, const uint8_t *p, size_t len,
                                 union wis_val *vals, size_t *bad)
{
	return decode(f, nf, p, len, vals, bad, false);
}

size_t wis_fields_encode(const struct wis_field *f, size_t nf, const union wis_val *vals,
                         uint8_t *out, size_t cap)
{
	size_t pos = 0;
	for (size_t i = 0; i < nf; i++) {
		size_t s = wis__field_size(f[i].type);
		if (s) {
			if (cap - pos < s)
				return 0;
			for (size_t k = 0; k < s; k++)
				out[pos++] = (uint8_t)(vals[i].u >> (8 * k));
			continue;
		}
		size_t n = vals[i].b.len;
		if (f[i].type == WIS_FT_STR) {
			if (n > 255 || cap - pos < 1)
				return 0;
			out[pos++] = (uint8_t)n;
		} else if (f[i].type == WIS_FT_BYTES && (n < f[i].min || n > f[i].max)) {
			return 0;
		}
		if (cap - pos < n)
			return 0;
		for (size_t k = 0; k < n; k++)
			out[pos++] = vals[i].b.p[k];
	}
	return pos;
}

size_t wis_op_encode(uint16_t opcode, const union wis_val *vals, uint8_t *out, size_t cap)
{
	const struct wis_op_desc *d = wis_op_find(opcode);
	return d ? wis_fields_encode(d->req, d->nreq, vals, out, cap) : 0;
}

enum wis_decode wis_op_parse_resp(uint16_t opcode, const uint8_t *p, size_t len,
                                  union wis_val *vals)
{
	const struct wis_op_desc *d = wis_op_find(opcode);
	size_t bad;
	if (!d)
		return WIS_DEC_SHORT;
	return wis_fields_parse(d->resp, d->nresp, p, len, vals, &bad);
}

int wis_field_index(const struct wis_field *f, size_t nf, const char *name)
{
	for (size_t i = 0; i < nf; i++)
		if (wis__str_eq(f[i].name, name))
			return (int)i;
	return -1;
}
