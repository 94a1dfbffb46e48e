/*
 * The UF2 writer and validator (tools/uf2.c): an image is converted, every
 * block is decoded here field by field and compared with what the UF2
 * specification and the Adafruit nRF52 bootloader require (both start
 * magics, the end magic, flags = family ID only, target address = base +
 * 256 * n, payload size 256, block number and count, family 0xADA52840,
 * zeros after the payload, payload = image bytes, 0xFF padding), then
 * uf2_check must accept it and must reject each single-field corruption.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uf2.h"

static int fails;
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);                                \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
			fails++;                                                                   \
		}                                                                                  \
	} while (0)

static uint32_t rd(const uint8_t *b, size_t off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
	       (uint32_t)b[off + 3] << 24;
}

static void wr(uint8_t *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

#define BASE 0x26000u
#define LIMIT 0xEA000u
#define FAMILY 0xADA52840u

/* Corrupts one field of one block and expects uf2_check to name it. */
static void expect_reject(const uint8_t *good, size_t len, const uint8_t *bin, size_t bin_len,
                          size_t block, size_t off, uint32_t value, const char *word)
{
	uint8_t *b = malloc(len);
	memcpy(b, good, len);
	wr(b + block * UF2_BLOCK, off, value);
	char err[160] = "";
	int rc = uf2_check(b, len, BASE, LIMIT, FAMILY, bin, bin_len, err, sizeof err);
	CHECK(rc == -1 && strstr(err, word), "block %zu offset %zu = 0x%08X: rc %d, \"%s\"", block,
	      off, value, rc, err);
	free(b);
}

int main(void)
{
	/* 1000 bytes: 3 full payloads and one of 232 bytes (padded). */
	size_t len = 1000;
	uint8_t bin[1000];
	for (size_t i = 0; i < len; i++)
		bin[i] = (uint8_t)(i * 7 + 3);
	size_t n = uf2_block_count(len);
	CHECK(n == 4, "block count %zu for 1000 bytes", n);
	CHECK(uf2_block_count(256) == 1 && uf2_block_count(257) == 2, "block count rounding");
	uint8_t *uf2 = calloc(n, UF2_BLOCK);
	CHECK(uf2_encode(bin, len, BASE, FAMILY, uf2) == 0, "encode");
	CHECK(uf2_encode(bin, len, BASE + 4, FAMILY, uf2) == -1, "unaligned base accepted");
	CHECK(uf2_encode(bin, 0, BASE, FAMILY, uf2) == -1, "empty image accepted");
	uf2_encode(bin, len, BASE, FAMILY, uf2);

	for (size_t i = 0; i < n; i++) {
		const uint8_t *b = uf2 + i * UF2_BLOCK;
		CHECK(rd(b, 0) == 0x0A324655u, "block %zu magic0", i);
		CHECK(rd(b, 4) == 0x9E5D5157u, "block %zu magic1", i);
		CHECK(rd(b, 8) == 0x00002000u, "block %zu flags 0x%08X", i, rd(b, 8));
		CHECK(rd(b, 12) == BASE + 256u * i, "block %zu address 0x%08X", i, rd(b, 12));
		CHECK(rd(b, 16) == 256u, "block %zu payload size %u", i, rd(b, 16));
		CHECK(rd(b, 20) == i, "block %zu number %u", i, rd(b, 20));
		CHECK(rd(b, 24) == n, "block %zu count %u", i, rd(b, 24));
		CHECK(rd(b, 28) == FAMILY, "block %zu family 0x%08X", i, rd(b, 28));
		CHECK(rd(b, 508) == 0x0AB16F30u, "block %zu final magic", i);
		for (size_t k = 0; k < 256; k++) {
			size_t off = i * 256 + k;
			uint8_t want = off < len ? bin[off] : 0xFF;
			if (b[32 + k] != want) {
				CHECK(0, "block %zu payload byte %zu", i, k);
				break;
			}
		}
		for (size_t k = 32 + 256; k < 508; k++)
			if (b[k]) {
				CHECK(0, "block %zu byte %zu after the payload not 0", i, k);
				break;
			}
	}

	char err[160];
	size_t ulen = n * UF2_BLOCK;
	CHECK(uf2_check(uf2, ulen, BASE, LIMIT, FAMILY, bin, len, err, sizeof err) == 0,
	      "valid file rejected: %s", err);
	CHECK(uf2_check(uf2, ulen, BASE, LIMIT, FAMILY, NULL, 0, err, sizeof err) == 0,
	      "valid file rejected without the image: %s", err);

	expect_reject(uf2, ulen, bin, len, 2, 0, 0x0A324656u, "first magic");
	expect_reject(uf2, ulen, bin, len, 1, 4, 0, "second magic");
	expect_reject(uf2, ulen, bin, len, 3, 508, 0x0AB16F31u, "final magic");
	expect_reject(uf2, ulen, bin, len, 0, 8, 0x00002001u, "flags");
	expect_reject(uf2, ulen, bin, len, 1, 8, 0, "flags");
	expect_reject(uf2, ulen, bin, len, 2, 28, 0xE48BFF56u, "family");
	expect_reject(uf2, ulen, bin, len, 3, 16, 232, "payload size");
	expect_reject(uf2, ulen, bin, len, 1, 12, BASE + 0x200u, "target address");
	expect_reject(uf2, ulen, bin, len, 2, 20, 1, "block number");
	expect_reject(uf2, ulen, bin, len, 0, 24, 5, "block count");
	expect_reject(uf2, ulen, bin, len, 1, 32 + 256, 1, "after the payload");
	expect_reject(uf2, ulen, bin, len, 2, 32 + 8, 0x12345678u, "payload byte");
	/* The image must fit under the limit (0xEA000: app data above). */
	CHECK(uf2_check(uf2, ulen, BASE, BASE + 0x300u, FAMILY, bin, len, err, sizeof err) == -1 &&
	          strstr(err, "outside"),
	      "block past the limit accepted: %s", err);
	CHECK(uf2_check(uf2, ulen - 1, BASE, LIMIT, FAMILY, NULL, 0, err, sizeof err) == -1,
	      "truncated file accepted");
	CHECK(uf2_check(uf2, ulen - UF2_BLOCK, BASE, LIMIT, FAMILY, bin, len, err, sizeof err) ==
	          -1,
	      "missing block accepted");
	free(uf2);
	printf("%s\n", fails ? "FAILED" : "ok");
	return fails ? 1 : 0;
}
