/*
 * CRC-32 of the frame codec against a bit-at-a-time reference, for every
 * length up to 80 at each of eight alignments: built four times, once per
 * method frame.c can be compiled with (nibble, byte, slicing-by-8, and
 * slicing-by-8 with PCLMULQDQ folding for long inputs on x86-64).
 * Also the encoder's two paths (short bodies laid out and patched, long
 * ones block by block) against a byte-at-a-time COBS reference, at the
 * lengths where full 254-byte blocks begin, and back through the deframer.
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "frame.h"

static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Reference: delimiter, COBS of header + payload + CRC, delimiter. */
static size_t ref_encode(uint8_t *out, const uint8_t *body, size_t n)
{
	size_t o = 0, code_at = 1, code = 1;
	out[o++] = 0;
	o++;
	for (size_t i = 0; i < n; i++) {
		if (body[i] == 0) {
			out[code_at] = (uint8_t)code, code_at = o++, code = 1;
			continue;
		}
		out[o++] = body[i];
		if (++code == 0xff)
			out[code_at] = (uint8_t)code, code_at = o++, code = 1;
	}
	out[code_at] = (uint8_t)code;
	out[o++] = 0;
	return o;
}

static int delivered;
static void on_frame(void *user, const struct wis_hdr *h, const uint8_t *p, size_t len)
{
	const uint8_t *want = user;
	CHECK_EQ(h->opcode, 0x1234);
	CHECK(memcmp(p, want, len) == 0);
	delivered = (int)len;
}

static void test_encoder_paths(void)
{
	static uint8_t pl[WIS_MAX_PAYLOAD], body[WIS_MAX_BODY], enc[WIS_MAX_ENCODED + 1],
	    ref[WIS_MAX_ENCODED + 1];
	static struct wis_deframer d;
	struct wis_hdr h = {1, 2, 0x0101, 0x1234, 5, 6}; /* no zero: runs of 254 happen */
	for (int fill = 0; fill < 2; fill++)
		for (size_t len = 0; len <= 600; len += len < 230 ? 23 : len < 260 ? 1 : 37) {
			for (size_t i = 0; i < len; i++)
				pl[i] = fill ? (uint8_t)(1 + i % 255) : (i % 100 == 7 ? 0 : 0x5a);
			size_t n = wis__frame_encode(enc, sizeof enc, &h, pl, len);
			uint8_t hb[WIS_HDR_LEN] = {1, 2, 1, 1, 0x34, 0x12, 5, 6};
			memcpy(body, hb, sizeof hb);
			memcpy(body + sizeof hb, pl, len);
			uint32_t crc = crc_bitwise(0, body, sizeof hb + len);
			for (int k = 0; k < 4; k++)
				body[sizeof hb + len + (size_t)k] = (uint8_t)(crc >> (8 * k));
			size_t rn = ref_encode(ref, body, sizeof hb + len + 4);
			CHECK_EQ(n, rn);
			CHECK(n == rn && memcmp(enc, ref, n) == 0);
			wis__deframer_init(&d);
			delivered = -1;
			wis__deframer_feed(&d, enc, n, on_frame, pl);
			CHECK_EQ(delivered, (int)len);
		}
}

int main(void)
{
	test_encoder_paths();
	static const char check[] = "123456789"; /* the catalogue's check value */
	CHECK_EQ(wis__crc32(0, (const uint8_t *)check, 9), 0xCBF43926u);
	uint8_t buf[96];
	srand(15);
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < sizeof buf; i++)
			buf[i] = round == 0 ? 0 : round == 1 ? 0xff : (uint8_t)rand();
		for (size_t off = 0; off < 8; off++)
			for (size_t n = 0; n <= 80; n++) {
				uint32_t want = crc_bitwise(0, buf + off, n);
				CHECK_EQ(wis__crc32(0, buf + off, n), want);
				/* in two pieces, as the encoder feeds header then payload */
				uint32_t two = wis__crc32(wis__crc32(0, buf + off, n / 3),
				                          buf + off + n / 3, n - n / 3);
				CHECK_EQ(two, want);
			}
	}
	return CHECK_DONE();
}
