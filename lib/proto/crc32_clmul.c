/*
 * CRC-32/ISO-HDLC by carry-less multiplication on x86-64 hosts: the folding
 * of Intel's white paper "Fast CRC Computation for Generic Polynomials Using
 * PCLMULQDQ Instruction" (V. Gopal, E. Ozturk, J. Guilford, G. Wolrich,
 * W. Feghali, M. Dixon, D. Karakoyunlu, Intel, 2009), bit-reflected form.
 * Slicing-by-8 (frame.c) takes ~3.7 instructions a byte, which was more than
 * half of the library's and much of the simulator's cost per KiB of a bulk
 * flash read; folding takes a fraction of an instruction a byte.
 *
 * The compiler may assume only the x86-64 baseline (the Debian package runs
 * on any CPU): the functions using PCLMULQDQ and SSE4.1 say so with a target
 * attribute, and wis__crc32 calls them only once CPUID has said the CPU has
 * both.  Constants: crc32_clmul_k.h, printed by scripts/gen_crc32_clmul.py.
 *
 * Notation.  A 16-byte block loaded little-endian is the polynomial whose
 * x^127 coefficient is bit 0 (the first bit on the wire, as the reflected
 * CRC takes it): its low 64-bit half holds the high-degree terms.  A product
 * of two such halves (bit i: x^(63-i)) with a constant whose bit j stands for
 * x^(32-j), that is reflect32(K) << 1, has bit s: x^(95-s), which is K times
 * the half times x^32 in block notation.  Carrying a block T bits on is then
 * a multiply of its low half by x^(T+32) mod P, of its high half by
 * x^(T-32) mod P, and an XOR into the block there.
 */
#include "crc32_clmul.h"

#if defined(WIS__CRC32_CLMUL)
#include <cpuid.h>
#include <immintrin.h>

#include "crc32_clmul_k.h"

#define CLMUL __attribute__((target("pclmul,sse4.1")))

int wis__crc32_clmul_ok(void)
{
	/* 0: not asked yet, 1: yes, 2: no.  Two threads asking at once both
	 * store the same answer. */
	static int known;
	int k = __atomic_load_n(&known, __ATOMIC_RELAXED);
	if (k == 0) {
		unsigned a, b, c, d;
		/* CPUID leaf 1, ECX: bit 1 PCLMULQDQ, bit 19 SSE4.1 (Intel SDM vol. 2A) */
		int yes = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_PCLMUL) && (c & bit_SSE4_1);
		k = yes ? 1 : 2;
		__atomic_store_n(&known, k, __ATOMIC_RELAXED);
	}
	return k == 1;
}

static inline CLMUL __m128i pair(const uint64_t k[2])
{
	return _mm_set_epi64x((long long)k[1], (long long)k[0]);
}

static inline CLMUL __m128i load(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* x carried on by the distance k is for, added to the block there. */
static inline CLMUL __m128i fold(__m128i x, __m128i k, __m128i there)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
	__m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
	return _mm_xor_si128(_mm_xor_si128(lo, hi), there);
}

/* The CRC register of the 128-bit message v: v * x^32 mod P, reflected. */
static inline CLMUL uint32_t reduce(__m128i v)
{
	const __m128i kr = pair(k_reduce), kb = pair(k_barrett);
	const __m128i low32 = _mm_setr_epi32(-1, 0, 0, 0);
	/* To 96 bits: the high terms (low half) times x^96 mod P, the low
	 * half's x^32 taken by moving it down 64 bits. */
	__m128i s = _mm_xor_si128(_mm_clmulepi64_si128(v, kr, 0x00), _mm_srli_si128(v, 8));
	/* To 64 bits: the top 32 terms times x^64 mod P, the rest moved down. */
	s = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(s, low32), kr, 0x10),
	                  _mm_srli_si128(s, 4));
	/* Barrett (the paper's last step): the quotient q = floor(s / P) is
	 * the top 32 terms of (the top 32 terms of s) * mu; s + q * P is the
	 * remainder, in the upper 32 bits. */
	__m128i q = _mm_clmulepi64_si128(_mm_and_si128(s, low32), kb, 0x00);
	q = _mm_and_si128(q, low32);
	s = _mm_xor_si128(s, _mm_clmulepi64_si128(q, kb, 0x10));
	return (uint32_t)_mm_extract_epi32(s, 1);
}

CLMUL uint32_t wis__crc32_clmul(uint32_t reg, const uint8_t *p, size_t n)
{
	const __m128i k512 = pair(k_fold512), k128 = pair(k_fold128);
	/* The register so far is added to the first 32 message bits. */
	__m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128((int)reg));
	__m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
	/* Four independent chains, each carried 512 bits on per step, so the
	 * multiplies' latency overlaps. */
	for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
		x0 = fold(x0, k512, load(p));
		x1 = fold(x1, k512, load(p + 16));
		x2 = fold(x2, k512, load(p + 32));
		x3 = fold(x3, k512, load(p + 48));
	}
	x0 = fold(x0, k128, x1);
	x0 = fold(x0, k128, x2);
	x0 = fold(x0, k128, x3);
	for (; n >= 16; p += 16, n -= 16)
		x0 = fold(x0, k128, load(p));
	return reduce(x0);
}
#endif

const char *wis__crc32_method(void)
{
#if defined(WIS__CRC32_CLMUL)
	if (wis__crc32_clmul_ok())
		return "clmul";
#endif
#if defined(WIS_CRC32_SLICE8)
	return "slice8";
#elif defined(WIS_CRC32_NIBBLE)
	return "nibble";
#else
	return "byte";
#endif
}
