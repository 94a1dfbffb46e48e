/*
 * The host's fast CRC-32 (crc32_clmul.c): on x86-64, wis__crc32 (frame.c)
 * folds long inputs sixteen bytes at a time with carry-less multiplies when
 * the CPU has them, and uses its tables for the rest.  Host builds only: the
 * firmware compiles frame.c without WIS_CRC32_SLICE8 and never this.
 */
#ifndef WIS_CRC32_CLMUL_H
#define WIS_CRC32_CLMUL_H

#include <stddef.h>
#include <stdint.h>

/* How wis__crc32 computes a long input in this process: "clmul",
 * "slice8", "byte" or "nibble".  For the tests, which must fail if the
 * fast path is silently not taken where the CPU has it. */
const char *wis__crc32_method(void);

/* WIS_CRC32_NO_CLMUL leaves the tables alone (tests/unit's slice8 build,
 * which checks the table path by itself). */
#if defined(__x86_64__) && defined(WIS_CRC32_SLICE8) && !defined(WIS_CRC32_NO_CLMUL)
#define WIS__CRC32_CLMUL 1

/* Shorter inputs go to the tables: folding needs four blocks to start, and
 * its final reduction costs about as much as 16 table bytes. */
#define WIS__CRC32_CLMUL_MIN 64

/* Whether the CPU has PCLMULQDQ and SSE4.1 (asked once, then cached). */
int wis__crc32_clmul_ok(void);

/* The register (not inverted) after n bytes at p, n a multiple of 16 and at
 * least 64; only when wis__crc32_clmul_ok(). */
uint32_t wis__crc32_clmul(uint32_t reg, const uint8_t *p, size_t n);
#endif

#endif
