/*
 * COBS + CRC-32 frame codec shared by firmware and host (see frame.h).
 *
 * Encoding streams header, payload and CRC through one COBS encoder so that
 * no contiguous copy of the body is needed.  Decoding gathers encoded bytes
 * up to a 0x00 delimiter and decodes them in place: a COBS-decoded frame is
 * never longer than its encoding.
 */
#include "frame.h"

/* CRC-32/ISO-HDLC (the zlib/Ethernet CRC): reflected poly 0xEDB88320,
 * init and xorout 0xFFFFFFFF.  Nibble table: 64 bytes, fine for an MCU. */
uint32_t wis__crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	static const uint32_t t[16] = {
	    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	    0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ t[crc & 15];
		crc = (crc >> 4) ^ t[crc & 15];
	}
	return ~crc;
}

struct cobs_enc {
	uint8_t *out;
	size_t cap, len;
	size_t code_at; /* index of the pending code byte */
	uint8_t code;
	bool err;
};

static void enc_put(struct cobs_enc *e, uint8_t b)
{
	if (e->len >= e->cap) {
		e->err = true;
		return;
	}
	e->out[e->len++] = b;
}

static void enc_start_block(struct cobs_enc *e)
{
	e->code_at = e->len;
	e->code = 1;
	enc_put(e, 0); /* placeholder for the code byte */
}

static void enc_byte(struct cobs_enc *e, uint8_t b)
{
	if (b == 0) {
		if (!e->err)
			e->out[e->code_at] = e->code;
		enc_start_block(e);
		return;
	}
	enc_put(e, b);
	if (++e->code == 0xff) {
		if (!e->err)
			e->out[e->code_at] = e->code;
		enc_start_block(e);
	}
}

static void enc_bytes(struct cobs_enc *e, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		enc_byte(e, p[i]);
}

size_t wis__frame_encode(uint8_t *out, size_t cap, const struct wis_hdr *hdr,
                         const uint8_t *payload, size_t len)
{
	if (len > WIS_MAX_PAYLOAD || (len && !payload))
		return 0;
	uint8_t h[WIS_HDR_LEN] = {
	    hdr->version,         hdr->type,
	    (uint8_t)hdr->id,     (uint8_t)(hdr->id >> 8),
	    (uint8_t)hdr->opcode, (uint8_t)(hdr->opcode >> 8),
	    hdr->status,          hdr->flags,
	};
	uint32_t crc = wis__crc32(0, h, sizeof h);
	crc = wis__crc32(crc, payload, len);
	uint8_t c[WIS_CRC_LEN] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
	                          (uint8_t)(crc >> 24)};

	/* A leading delimiter ends any garbage the receiver holds, so the
	 * first frame after line noise is not lost. */
	struct cobs_enc e = {out, cap, 0, 0, 0, false};
	enc_put(&e, 0);
	enc_start_block(&e);
	enc_bytes(&e, h, sizeof h);
	enc_bytes(&e, payload, len);
	enc_bytes(&e, c, sizeof c);
	if (!e.err)
		e.out[e.code_at] = e.code;
	enc_put(&e, 0);
	return e.err ? 0 : e.len;
}

void wis__deframer_init(struct wis_deframer *d)
{
	d->len = 0;
	d->discarding = false;
	struct wis_frame_stats zero = {0, 0, 0, 0, 0, 0};
	d->stats = zero;
}

/* Decodes buf[0..n) in place; returns the decoded length or -1. */
static long cobs_decode(uint8_t *buf, size_t n)
{
	size_t in = 0, out = 0;
	while (in < n) {
		uint8_t code = buf[in++];
		if (code == 0 || in + code - 1 > n)
			return -1;
		for (uint8_t i = 1; i < code; i++)
			buf[out++] = buf[in++];
		if (code != 0xff && in < n)
			buf[out++] = 0;
	}
	return (long)out;
}

static void end_frame(struct wis_deframer *d, wis_frame_cb cb, void *user)
{
	size_t n = d->len;
	d->len = 0;
	if (d->discarding) {
		d->discarding = false;
		return;
	}
	if (n == 0)
		return; /* back-to-back delimiters: idle line, not an error */
	long m = cobs_decode(d->buf, n);
	if (m < 0) {
		d->stats.cobs_errors++;
		d->stats.bytes_dropped += (uint32_t)n;
		return;
	}
	if ((size_t)m < WIS_HDR_LEN + WIS_CRC_LEN) {
		d->stats.runts++;
		d->stats.bytes_dropped += (uint32_t)n;
		return;
	}
	size_t body = (size_t)m - WIS_CRC_LEN;
	const uint8_t *b = d->buf;
	uint32_t want = (uint32_t)b[body] | (uint32_t)b[body + 1] << 8 |
	                (uint32_t)b[body + 2] << 16 | (uint32_t)b[body + 3] << 24;
	if (wis__crc32(0, b, body) != want) {
		d->stats.crc_errors++;
		d->stats.bytes_dropped += (uint32_t)n;
		return;
	}
	struct wis_hdr h = {
	    b[0], b[1], (uint16_t)(b[2] | b[3] << 8), (uint16_t)(b[4] | b[5] << 8), b[6], b[7],
	};
	d->stats.frames++;
	cb(user, &h, b + WIS_HDR_LEN, body - WIS_HDR_LEN);
}

void wis__deframer_feed(struct wis_deframer *d, const uint8_t *data, size_t n, wis_frame_cb cb,
                        void *user)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = data[i];
		if (b == 0) {
			end_frame(d, cb, user);
			continue;
		}
		if (d->discarding) {
			d->stats.bytes_dropped++;
			continue;
		}
		if (d->len == sizeof d->buf) {
			d->stats.oversize++;
			d->stats.bytes_dropped += (uint32_t)d->len + 1;
			d->discarding = true;
			d->len = 0;
			continue;
		}
		d->buf[d->len++] = b;
	}
}
