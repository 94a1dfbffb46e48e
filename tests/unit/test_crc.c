/*
 * CRC-32 of the frame codec against a bit-at-a-time reference, for every
 * length up to 80 at each of eight alignments: built three times, once per
 * table method frame.c can be compiled with (nibble, byte, slicing-by-8).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
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

int main(void)
{
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
