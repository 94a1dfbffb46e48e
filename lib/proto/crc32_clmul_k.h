/*
 * Constants of the carry-less-multiply CRC-32 (crc32_clmul.c): x^n mod P
 * reflected and shifted left by one; mu and P reflected (33 bits).  Printed by
 * scripts/gen_crc32_clmul.py (do not edit), which derives them from the
 * polynomial and checks a model of crc32_clmul.c's steps against zlib.
 */
static const uint64_t k_fold512[2] = {0x154442bd4, 0x1c6e41596}; /* x^544, x^480: 4 blocks on */
static const uint64_t k_fold128[2] = {0x1751997d0, 0x0ccaa009e}; /* x^160, x^96: 1 block on */
static const uint64_t k_reduce[2] = {0x0ccaa009e, 0x163cd6124}; /* x^96, x^64: to 64 bits */
static const uint64_t k_barrett[2] = {0x1f7011641, 0x1db710641}; /* mu = x^64 / P, P */
