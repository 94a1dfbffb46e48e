/*
 * UF2 (USB Flashing Format, Microsoft's uf2 specification) writer and
 * validator for the RAK4631 image: 512-byte blocks, 256-byte payloads at
 * 256-aligned flash addresses, the family-ID flag with the Adafruit nRF52840
 * family 0xADA52840 (what the Adafruit nRF52 bootloader accepts).  Used by
 * tools/uf2conv.c and tests/board/test_uf2.c.
 */
#ifndef WIS_TOOLS_UF2_H
#define WIS_TOOLS_UF2_H

#include <stddef.h>
#include <stdint.h>

#define UF2_BLOCK 512u
#define UF2_PAYLOAD 256u
#define UF2_DATA_MAX 476u
#define UF2_MAGIC_START0 0x0A324655u /* "UF2\n" */
#define UF2_MAGIC_START1 0x9E5D5157u
#define UF2_MAGIC_END 0x0AB16F30u
#define UF2_FLAG_FAMILY_ID 0x00002000u
#define UF2_FAMILY_NRF52840 0xADA52840u

/* Field offsets in a block (little-endian u32 each). */
enum {
	UF2_OFF_MAGIC0 = 0,
	UF2_OFF_MAGIC1 = 4,
	UF2_OFF_FLAGS = 8,
	UF2_OFF_ADDR = 12,
	UF2_OFF_SIZE = 16,
	UF2_OFF_BLOCKNO = 20,
	UF2_OFF_NBLOCKS = 24,
	UF2_OFF_FAMILY = 28,
	UF2_OFF_DATA = 32,
	UF2_OFF_MAGIC_END = 508,
};

/* Blocks for an image of len bytes (the last one padded with 0xFF). */
size_t uf2_block_count(size_t len);

/* Writes uf2_block_count(len) blocks to out.  base must be 256-aligned;
 * returns 0, or -1 (bad base, empty image). */
int uf2_encode(const uint8_t *bin, size_t len, uint32_t base, uint32_t family, uint8_t *out);

/* Checks every block of a UF2 file: both start magics, the end magic,
 * flags (family ID only), target address = base + 256 * block number and
 * below limit, payload size 256, block number and count, family, zero
 * bytes after the payload; with bin, each payload equals the image (0xFF
 * past its end).  Returns 0, or -1 with a message naming the block and
 * the field in err. */
int uf2_check(const uint8_t *uf2, size_t len, uint32_t base, uint32_t limit, uint32_t family,
              const uint8_t *bin, size_t bin_len, char *err, size_t errlen);

#endif
