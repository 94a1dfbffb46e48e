/*
 * Frame codec: COBS framing with a CRC-32 trailer, one source compiled by
 * both the firmware and the host library.  No malloc, no libc I/O: the
 * caller owns every buffer.  docs/protocol.md describes the format.
 */
#ifndef WISRPC_FRAME_H
#define WISRPC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wisrpc/protocol.h"

struct wis_hdr {
	uint8_t version;
	uint8_t type; /* enum wis_msg_type */
	uint16_t id;
	uint16_t opcode;
	uint8_t status;
	uint8_t flags;
};

/* Counters a deframer keeps; they only grow (wrap at 2^32). */
struct wis_frame_stats {
	uint32_t frames;        /* good frames delivered                   */
	uint32_t crc_errors;    /* decoded but the CRC did not match       */
	uint32_t cobs_errors;   /* a COBS code pointed past the delimiter  */
	uint32_t oversize;      /* longer than WIS_MAX_ENCODED: dropped    */
	uint32_t runts;         /* shorter than header + CRC               */
	uint32_t bytes_dropped; /* bytes thrown away in bad frames       */
};

/* Called once per good frame; payload points into the deframer's buffer and
 * is valid only during the call. */
typedef void (*wis_frame_cb)(void *user, const struct wis_hdr *hdr, const uint8_t *payload,
                             size_t len);

struct wis_deframer {
	uint8_t buf[WIS_MAX_ENCODED];
	size_t len;
	bool discarding; /* overflowed: drop until the next delimiter */
	struct wis_frame_stats stats;
};

uint32_t wis__crc32(uint32_t crc, const uint8_t *p, size_t n);

/*
 * Encode one frame (leading and trailing 0x00 delimiter included) into out.
 * Returns the number of bytes written, or 0 if out is too small or len is
 * above WIS_MAX_PAYLOAD.  WIS_MAX_ENCODED + 1 bytes always suffice.
 */
size_t wis__frame_encode(uint8_t *out, size_t cap, const struct wis_hdr *hdr,
                         const uint8_t *payload, size_t len);

void wis__deframer_init(struct wis_deframer *d);

/* Feed received bytes; cb runs for each good frame found.  Any garbage is
 * dropped and counted; decoding resynchronises at the next 0x00. */
void wis__deframer_feed(struct wis_deframer *d, const uint8_t *data, size_t n, wis_frame_cb cb,
                        void *user);
/* wis__deframer_feed in two steps, for a reader that already split its
 * input at the delimiters: gather bytes that hold no 0x00, then end the
 * frame when the delimiter comes. */
void wis__deframer_gather(struct wis_deframer *d, const uint8_t *p, size_t n);
void wis__deframer_end(struct wis_deframer *d, wis_frame_cb cb, void *user);

/* Little-endian cursor helpers used by every payload encoder and decoder.
 * A reader or writer that runs past its end sets err and stays there. */
struct wis_rd {
	const uint8_t *p;
	size_t len, pos;
	bool err;
};
struct wis_wr {
	uint8_t *p;
	size_t cap, len;
	bool err;
};

static inline struct wis_rd wis_rd_init(const uint8_t *p, size_t len)
{
	struct wis_rd r = {p, len, 0, false};
	return r;
}
static inline struct wis_wr wis_wr_init(uint8_t *p, size_t cap)
{
	struct wis_wr w = {p, cap, 0, false};
	return w;
}
static inline bool wis_rd_need(struct wis_rd *r, size_t n)
{
	if (r->err || r->len - r->pos < n) {
		r->err = true;
		return false;
	}
	return true;
}
static inline size_t wis_rd_left(const struct wis_rd *r)
{
	return r->err ? 0 : r->len - r->pos;
}
static inline uint8_t wis_rd_u8(struct wis_rd *r)
{
	return wis_rd_need(r, 1) ? r->p[r->pos++] : 0;
}
static inline uint16_t wis_rd_u16(struct wis_rd *r)
{
	if (!wis_rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->p[r->pos] | r->p[r->pos + 1] << 8);
	r->pos += 2;
	return v;
}
static inline uint32_t wis_rd_u32(struct wis_rd *r)
{
	uint32_t lo = wis_rd_u16(r);
	return lo | (uint32_t)wis_rd_u16(r) << 16;
}
static inline uint64_t wis_rd_u64(struct wis_rd *r)
{
	uint64_t lo = wis_rd_u32(r);
	return lo | (uint64_t)wis_rd_u32(r) << 32;
}
/* Returns a pointer to n bytes inside the buffer, or NULL. */
static inline const uint8_t *wis_rd_bytes(struct wis_rd *r, size_t n)
{
	if (!wis_rd_need(r, n))
		return NULL;
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}
static inline bool wis_wr_need(struct wis_wr *w, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = true;
		return false;
	}
	return true;
}
static inline void wis_wr_u8(struct wis_wr *w, uint8_t v)
{
	if (wis_wr_need(w, 1))
		w->p[w->len++] = v;
}
static inline void wis_wr_u16(struct wis_wr *w, uint16_t v)
{
	wis_wr_u8(w, (uint8_t)v);
	wis_wr_u8(w, (uint8_t)(v >> 8));
}
static inline void wis_wr_u32(struct wis_wr *w, uint32_t v)
{
	wis_wr_u16(w, (uint16_t)v);
	wis_wr_u16(w, (uint16_t)(v >> 16));
}
static inline void wis_wr_u64(struct wis_wr *w, uint64_t v)
{
	wis_wr_u32(w, (uint32_t)v);
	wis_wr_u32(w, (uint32_t)(v >> 32));
}
static inline void wis_wr_bytes(struct wis_wr *w, const void *src, size_t n)
{
	if (!wis_wr_need(w, n))
		return;
	const uint8_t *s = (const uint8_t *)src;
	for (size_t i = 0; i < n; i++)
		w->p[w->len++] = s[i];
}
/* u8 length + bytes, truncated to 255. */
static inline void wis_wr_str(struct wis_wr *w, const char *s)
{
	size_t n = 0;
	/* s is NUL-terminated: the loop stops at its end whatever its array's
	 * size (cppcheck assumes it may run to 254 in a shorter array). */
	// cppcheck-suppress arrayIndexOutOfBoundsCond
	while (n < 255 && s[n])
		n++;
	wis_wr_u8(w, (uint8_t)n);
	wis_wr_bytes(w, s, n);
}

#endif
