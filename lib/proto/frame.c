/*
 * COBS + CRC-32 frame codec shared by firmware and host (see frame.h).
 *
 * Encoding streams header, payload and CRC through one COBS encoder so that
 * no contiguous copy of the body is needed.  Decoding gathers encoded bytes
 * up to a 0x00 delimiter and decodes them in place: a COBS-decoded frame is
 * never longer than its encoding.
 */
#include "frame.h"

#include <string.h> /* memchr, memcpy: in every C library the firmware links */

/*
 * CRC-32/ISO-HDLC (the zlib/Ethernet CRC): reflected poly 0xEDB88320, init
 * and xorout 0xFFFFFFFF.  Three ways to compute the same value, chosen at
 * build time by what the target can spare:
 *   WIS_CRC32_NIBBLE: a 16-entry table (64 bytes), two steps per byte;
 *   default:          the 256-entry table (1 KiB of flash), one step per byte;
 *   WIS_CRC32_SLICE8: the host: seven more tables derived from it
 *                     (crc32_slice8.h, 7 KiB of constants), eight bytes per step;
 *                     on x86-64 CPUs with PCLMULQDQ, inputs of 64 bytes and more
 *                     are folded by carry-less multiplies (crc32_clmul.c, chosen
 *                     at run time), and only their last 0-15 bytes use the tables.
 * tests/unit/test_crc.c checks each against a bit-at-a-time reference,
 * tests/unit/test_codec.c the host's (as built for libwisrpc).
 */
#if defined(WIS_CRC32_NIBBLE)
/* The register in and out as is (not inverted): wis__crc32 does that. */
static uint32_t crc_nibble(uint32_t crc, const uint8_t *p, size_t n)
{
	static const uint32_t t[16] = {
	    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	    0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	while (n--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ t[crc & 15];
		crc = (crc >> 4) ^ t[crc & 15];
	}
	return crc;
}
#define CRC_UPDATE crc_nibble
#else
/* t0[b]: the register after shifting the byte b through 8 bit steps.
 * Printed by: for b in 0..255: c = b; 8 times c = c>>1 ^ (0xEDB88320 if c&1). */
static const uint32_t t0[256] = {
    0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
    0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988, 0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
    0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
    0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
    0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172, 0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
    0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
    0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
    0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924, 0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
    0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
    0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
    0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e, 0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
    0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
    0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
    0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0, 0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
    0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
    0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
    0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a, 0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
    0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
    0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
    0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc, 0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
    0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
    0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
    0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236, 0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
    0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
    0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
    0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38, 0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
    0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
    0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
    0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2, 0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
    0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
    0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
    0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94, 0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

#if defined(WIS_CRC32_SLICE8)
#include "crc32_clmul.h"
#include "crc32_slice8.h"
#endif

/* With the folding, crc_table has two callers (wis__crc32 and crc_long):
 * inlined into both, so that short inputs' path makes no call. */
#if defined(WIS__CRC32_CLMUL)
#define CRC_TABLE_INLINE inline __attribute__((always_inline))
#else
#define CRC_TABLE_INLINE
#endif

static CRC_TABLE_INLINE uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t n)
{
#if defined(WIS_CRC32_SLICE8)
	for (; n >= 8; n -= 8, p += 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		                     (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
		              (uint32_t)p[7] << 24;
		crc = tn[6][lo & 0xff] ^ tn[5][(lo >> 8) & 0xff] ^ tn[4][(lo >> 16) & 0xff] ^
		      tn[3][lo >> 24] ^ tn[2][hi & 0xff] ^ tn[1][(hi >> 8) & 0xff] ^
		      tn[0][(hi >> 16) & 0xff] ^ t0[hi >> 24];
	}
#endif
	while (n--)
		crc = (crc >> 8) ^ t0[(crc ^ *p++) & 0xff];
	return crc;
}
#define CRC_UPDATE crc_table
#endif

#if defined(WIS__CRC32_CLMUL) /* x86-64 hosts: crc32_clmul.h */
/* Whole 16-byte blocks folded where the CPU can, the rest by table.  Not
 * inlined, and called last with the CRC as is: its calls would make short
 * inputs' path save and restore registers (+13 instructions a call,
 * tests/perf's codec path). */
__attribute__((noinline)) static uint32_t crc_long(uint32_t crc, const uint8_t *p, size_t n)
{
	uint32_t reg = ~crc;
	if (wis__crc32_clmul_ok()) {
		size_t whole = n & ~(size_t)15;
		reg = wis__crc32_clmul(reg, p, whole);
		p += whole;
		n -= whole;
	}
	return ~crc_table(reg, p, n);
}
#endif

/* One definition whichever way is built (coverage tools merge functions
 * by name and line across the builds that compile this file). */
uint32_t wis__crc32(uint32_t crc, const uint8_t *p, size_t n)
{
#if defined(WIS__CRC32_CLMUL)
	if (n >= WIS__CRC32_CLMUL_MIN)
		return crc_long(crc, p, n); /* a jump: the finished CRC */
#endif
	return ~CRC_UPDATE(~crc, p, n);
}

/* COBS: each block is a code byte (1 + the number of data bytes that
 * follow, 0xff for 254 data bytes and no implied zero) and its data bytes.
 * o is the next output byte, *code the pending block's code byte: the code
 * is the distance between them when the block ends. */
static uint8_t *cobs_put(uint8_t *o, uint8_t **code, const uint8_t *p, size_t n)
{
	uint8_t *c = *code;
	const uint8_t *end = p + n;
	while (p < end) {
		/* Copy up to the next zero or the block's end, whichever is
		 * first (memchr and memcpy take whole words at a time). */
		size_t room = (size_t)(c + 0xff - o);
		size_t span = (size_t)(end - p) < room ? (size_t)(end - p) : room;
		const uint8_t *z = memchr(p, 0, span);
		size_t run = z ? (size_t)(z - p) : span;
		memcpy(o, p, run);
		o += run;
		p += run;
		if (z) {
			/* The zero's place becomes the next block's code byte. */
			*c = (uint8_t)(o - c);
			c = o++;
			p++;
		} else if (o - c == 0xff) {
			*c = 0xff; /* 254 data bytes: a full block, no implied zero */
			c = o++;
		}
	}
	*code = c;
	return o;
}

/* The most an encoded frame with len payload bytes can take: its body, a
 * code byte per block (one per 254 bytes at worst), two delimiters. */
static size_t encoded_max(size_t len)
{
	size_t body = WIS_HDR_LEN + len + WIS_CRC_LEN;
	return body + body / 254 + 3;
}

static size_t encode(uint8_t *out, const struct wis_hdr *hdr, const uint8_t *payload, size_t len)
{
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
	out[0] = 0;
	size_t body = sizeof h + len + sizeof c;
	if (body < 0xfe) {
		/* No block can fill up: lay the body out after the first code
		 * byte, then turn each zero into the code byte of the block it
		 * starts, the previous code byte pointing at it. */
		uint8_t *b = out + 2, *end = b + body;
		memcpy(b, h, sizeof h);
		if (len)
			memcpy(b + sizeof h, payload, len);
		memcpy(b + sizeof h + len, c, sizeof c);
		uint8_t *code = out + 1;
		for (; b < end; b++)
			if (!*b) {
				*code = (uint8_t)(b - code);
				code = b;
			}
		*code = (uint8_t)(end - code);
		*end = 0;
		return body + 3;
	}
	uint8_t *code = out + 1;
	uint8_t *o = out + 2;
	o = cobs_put(o, &code, h, sizeof h);
	o = cobs_put(o, &code, payload, len);
	o = cobs_put(o, &code, c, sizeof c);
	*code = (uint8_t)(o - code);
	*o++ = 0;
	return (size_t)(o - out);
}

/* out may be too small for the worst case but big enough for this frame:
 * encode into a full-size buffer, kept off the common path's stack. */
static __attribute__((noinline)) size_t encode_small(uint8_t *out, size_t cap,
                                                     const struct wis_hdr *hdr,
                                                     const uint8_t *payload, size_t len)
{
	uint8_t tmp[WIS_MAX_ENCODED + 1];
	size_t n = encode(tmp, hdr, payload, len);
	if (n > cap)
		return 0;
	memcpy(out, tmp, n);
	return n;
}

size_t wis__frame_encode(uint8_t *out, size_t cap, const struct wis_hdr *hdr,
                         const uint8_t *payload, size_t len)
{
	if (len > WIS_MAX_PAYLOAD || (len && !payload))
		return 0;
	if (cap < encoded_max(len))
		return encode_small(out, cap, hdr, payload, len);
	return encode(out, hdr, payload, len);
}

void wis__deframer_init(struct wis_deframer *d)
{
	d->len = 0;
	d->discarding = false;
	struct wis_frame_stats zero = {0, 0, 0, 0, 0, 0};
	d->stats = zero;
}

/* Decodes buf[0..n) in place: returns the decoded length, or -1, and in
 * *at where the decoded bytes begin. */
static long cobs_decode(uint8_t *buf, size_t n, uint8_t **at)
{
	/* The code bytes form a chain (each says how far the next is).  Check
	 * it, and whether it has a full block (0xff: no implied zero). */
	bool full = false;
	for (size_t pos = 0; pos < n;) {
		unsigned code = buf[pos];
		if (code == 0 || code > n - pos)
			return -1;
		full |= code == 0xff;
		pos += code;
	}
	if (!full) {
		/* Then the decoded frame is the encoding without its first code
		 * byte, each later code byte standing for a zero: overwrite them,
		 * nothing moves. */
		for (size_t pos = buf[0]; pos < n;) {
			size_t next = pos + buf[pos];
			buf[pos] = 0;
			pos = next;
		}
		*at = buf + 1;
		return (long)n - 1;
	}
	/* A run of 254 nonzero bytes: what follows moves back a byte per full
	 * block, so copy block by block. */
	const uint8_t *in = buf, *end = buf + n;
	uint8_t *out = buf;
	while (in < end) {
		size_t len = (size_t)*in++ - 1;
		memmove(out, in, len);
		out += len, in += len;
		if (len != 0xfe && in < end)
			*out++ = 0;
	}
	*at = buf;
	return (long)(out - buf);
}

void wis__deframer_end(struct wis_deframer *d, wis_frame_cb cb, void *user)
{
	size_t n = d->len;
	d->len = 0;
	if (d->discarding) {
		d->discarding = false;
		return;
	}
	if (n == 0)
		return; /* back-to-back delimiters: idle line, not an error */
	uint8_t *b;
	long m = cobs_decode(d->buf, n, &b);
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

void wis__deframer_gather(struct wis_deframer *d, const uint8_t *p, size_t n)
{
	if (d->discarding) {
		d->stats.bytes_dropped += (uint32_t)n;
		return;
	}
	if (n > sizeof d->buf - d->len) {
		/* Longer than any frame: drop it all, up to the next delimiter. */
		d->stats.oversize++;
		d->stats.bytes_dropped += (uint32_t)(d->len + n);
		d->discarding = true;
		d->len = 0;
		return;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

void wis__deframer_feed(struct wis_deframer *d, const uint8_t *data, size_t n, wis_frame_cb cb,
                        void *user)
{
	while (n) {
		const uint8_t *z = memchr(data, 0, n);
		size_t run = z ? (size_t)(z - data) : n;
		if (run)
			wis__deframer_gather(d, data, run);
		if (!z)
			return;
		wis__deframer_end(d, cb, user);
		data = z + 1;
		n -= run + 1;
	}
}
