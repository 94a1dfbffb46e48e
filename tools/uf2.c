/*
 * UF2 writer and block-by-block validator (see uf2.h).  Host code: the
 * image is converted and checked by the build, never on the module.
 */
#include <stdio.h>
#include <string.h>

#include "uf2.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t uf2_block_count(size_t len)
{
	return (len + UF2_PAYLOAD - 1) / UF2_PAYLOAD;
}

int uf2_encode(const uint8_t *bin, size_t len, uint32_t base, uint32_t family, uint8_t *out)
{
	if (len == 0 || (base % UF2_PAYLOAD) != 0)
		return -1;
	size_t n = uf2_block_count(len);
	for (size_t i = 0; i < n; i++) {
		uint8_t *b = out + i * UF2_BLOCK;
		memset(b, 0, UF2_BLOCK);
		put32(b + UF2_OFF_MAGIC0, UF2_MAGIC_START0);
		put32(b + UF2_OFF_MAGIC1, UF2_MAGIC_START1);
		put32(b + UF2_OFF_FLAGS, UF2_FLAG_FAMILY_ID);
		put32(b + UF2_OFF_ADDR, base + (uint32_t)(i * UF2_PAYLOAD));
		put32(b + UF2_OFF_SIZE, UF2_PAYLOAD);
		put32(b + UF2_OFF_BLOCKNO, (uint32_t)i);
		put32(b + UF2_OFF_NBLOCKS, (uint32_t)n);
		put32(b + UF2_OFF_FAMILY, family);
		size_t off = i * UF2_PAYLOAD, k = len - off < UF2_PAYLOAD ? len - off : UF2_PAYLOAD;
		/* The last payload is padded with the erased-flash value. */
		memset(b + UF2_OFF_DATA, 0xFF, UF2_PAYLOAD);
		memcpy(b + UF2_OFF_DATA, bin + off, k);
		put32(b + UF2_OFF_MAGIC_END, UF2_MAGIC_END);
	}
	return 0;
}

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -1;                                                                         \
	} while (0)

int uf2_check(const uint8_t *uf2, size_t len, uint32_t base, uint32_t limit, uint32_t family,
              const uint8_t *bin, size_t bin_len, char *err, size_t errlen)
{
	if (len == 0 || len % UF2_BLOCK)
		FAIL("file size %zu is not a positive multiple of %u", len, UF2_BLOCK);
	size_t n = len / UF2_BLOCK;
	if (bin && uf2_block_count(bin_len) != n)
		FAIL("%zu blocks, the image needs %zu", n, uf2_block_count(bin_len));
	for (size_t i = 0; i < n; i++) {
		const uint8_t *b = uf2 + i * UF2_BLOCK;
		uint32_t addr = get32(b + UF2_OFF_ADDR);
		if (get32(b + UF2_OFF_MAGIC0) != UF2_MAGIC_START0)
			FAIL("block %zu: first magic 0x%08X", i, get32(b + UF2_OFF_MAGIC0));
		if (get32(b + UF2_OFF_MAGIC1) != UF2_MAGIC_START1)
			FAIL("block %zu: second magic 0x%08X", i, get32(b + UF2_OFF_MAGIC1));
		if (get32(b + UF2_OFF_MAGIC_END) != UF2_MAGIC_END)
			FAIL("block %zu: final magic 0x%08X", i, get32(b + UF2_OFF_MAGIC_END));
		if (get32(b + UF2_OFF_FLAGS) != UF2_FLAG_FAMILY_ID)
			FAIL("block %zu: flags 0x%08X, expected family ID only (0x%08X)", i,
			     get32(b + UF2_OFF_FLAGS), UF2_FLAG_FAMILY_ID);
		if (get32(b + UF2_OFF_FAMILY) != family)
			FAIL("block %zu: family 0x%08X, expected 0x%08X", i,
			     get32(b + UF2_OFF_FAMILY), family);
		if (get32(b + UF2_OFF_SIZE) != UF2_PAYLOAD)
			FAIL("block %zu: payload size %u, expected %u", i, get32(b + UF2_OFF_SIZE),
			     UF2_PAYLOAD);
		if (addr != base + (uint32_t)(i * UF2_PAYLOAD))
			FAIL("block %zu: target address 0x%08X, expected 0x%08zX", i, addr,
			     base + i * UF2_PAYLOAD);
		if (addr % UF2_PAYLOAD || addr < base || addr + UF2_PAYLOAD > limit)
			FAIL("block %zu: target address 0x%08X outside 0x%08X..0x%08X", i, addr,
			     base, limit);
		if (get32(b + UF2_OFF_BLOCKNO) != i)
			FAIL("block %zu: block number %u", i, get32(b + UF2_OFF_BLOCKNO));
		if (get32(b + UF2_OFF_NBLOCKS) != n)
			FAIL("block %zu: block count %u, the file has %zu", i,
			     get32(b + UF2_OFF_NBLOCKS), n);
		for (size_t k = UF2_OFF_DATA + UF2_PAYLOAD; k < UF2_OFF_MAGIC_END; k++)
			if (b[k])
				FAIL("block %zu: byte %zu after the payload is 0x%02X, not 0", i, k,
				     b[k]);
		if (bin) {
			for (size_t k = 0; k < UF2_PAYLOAD; k++) {
				size_t off = i * UF2_PAYLOAD + k;
				uint8_t want = off < bin_len ? bin[off] : 0xFF;
				if (b[UF2_OFF_DATA + k] != want)
					FAIL("block %zu: payload byte %zu is 0x%02X, the image has "
					     "0x%02X",
					     i, k, b[UF2_OFF_DATA + k], want);
			}
		}
	}
	return 0;
}
