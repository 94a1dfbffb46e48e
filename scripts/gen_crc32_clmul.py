#!/usr/bin/env python3
"""Prints lib/proto/crc32_clmul_k.h: the folding constants of the host's
carry-less-multiply CRC-32 (lib/proto/crc32_clmul.c), derived here from the
polynomial rather than copied.  Before printing, it runs a model of that
file's instruction sequence (PCLMULQDQ as a carry-less product of two 64-bit
halves, byte shifts, masks) over random data and checks the result against
zlib.crc32, so a wrong constant or a wrong step fails here too.
Usage: python3 scripts/gen_crc32_clmul.py > lib/proto/crc32_clmul_k.h
       python3 scripts/gen_crc32_clmul.py --check lib/proto/crc32_clmul_k.h
           (the unit suite: exit 1 if the file is not what this prints)

The method is Intel's white paper "Fast CRC Computation for Generic
Polynomials Using PCLMULQDQ Instruction" (Gopal et al., 2009), in its
bit-reflected form.  Conventions (derived in crc32_clmul.c's comments):
a 16-byte block loaded little-endian is the polynomial whose x^127
coefficient is bit 0; a constant "K" is stored as reflect32(K) << 1, so
that the product of a reflected 64-bit half with it lands one bit where
the next block's terms are, with the x^32 the CRC needs folded in."""

import random
import sys
import zlib

P = 0x104C11DB7  # x^32 + x^26 + ... + 1, the normal (unreflected) form


def xpow_mod(n):
    """x^n mod P as an integer (bit i = coefficient of x^i)."""
    r = 1
    for _ in range(n):
        r <<= 1
        if r & (1 << 32):
            r ^= P
    return r


def floor_div(a, b):
    """floor(a / b) for GF(2) polynomials."""
    q = 0
    db = b.bit_length() - 1
    while a.bit_length() - 1 >= db:
        s = a.bit_length() - 1 - db
        q |= 1 << s
        a ^= b << s
    return q


def reflect(v, bits):
    return int(format(v, "0%db" % bits)[::-1], 2)


def k(n):
    """The stored form of x^n mod P: reflected and shifted left by one."""
    return reflect(xpow_mod(n), 32) << 1


# The folds: a 128-bit block carried T bits on is its first (low) half times
# x^(T+64) and its second half times x^T; the stored x^32 comes off each.
FOLD512 = (k(512 + 32), k(512 - 32))
FOLD128 = (k(128 + 32), k(128 - 32))
# 128 -> 96 bits (the first half times x^96), 96 -> 64 bits (x^64).
R96, R64 = k(96 - 0), k(64 - 0)
# Barrett: mu = floor(x^64 / P) and P itself, 33 bits each, reflected.
MU = reflect(floor_div(1 << 64, P), 33)
POLY = reflect(P, 33)

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1


def clmul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        b >>= 1
    return r


def fold(x, kk):
    """_mm_clmulepi64_si128(x, K, 0x00) ^ _mm_clmulepi64_si128(x, K, 0x11)."""
    return clmul(x & M64, kk[0]) ^ clmul(x >> 64, kk[1])


def block(data, i):
    return int.from_bytes(data[i:i + 16], "little")


def model(reg, data):
    """crc32_clmul.c's steps: reg is the register (not inverted), len(data)
    a multiple of 16 and at least 64; returns the register after it."""
    x = [block(data, 16 * j) for j in range(4)]
    x[0] ^= reg
    i = 64
    while len(data) - i >= 64:
        x = [fold(x[j], FOLD512) ^ block(data, i + 16 * j) for j in range(4)]
        i += 64
    v = x[0]
    for j in range(1, 4):
        v = fold(v, FOLD128) ^ x[j]
    while len(data) - i >= 16:
        v = fold(v, FOLD128) ^ block(data, i)
        i += 16
    s = clmul(v & M64, R96) ^ (v >> 64)  # 96 bits, low bit 0
    s = clmul(s & 0xFFFFFFFF, R64) ^ (s >> 32)  # 64 bits
    q = clmul(s & 0xFFFFFFFF, MU) & 0xFFFFFFFF
    return ((s ^ clmul(q, POLY)) >> 32) & 0xFFFFFFFF


def self_check():
    rng = random.Random(1)
    for n in list(range(64, 400, 16)) + [1024, 4096 + 48]:
        for _ in range(3):
            data = bytes(rng.randrange(256) for _ in range(n))
            crc = rng.randrange(1 << 32)
            got = model(crc ^ 0xFFFFFFFF, data) ^ 0xFFFFFFFF
            want = zlib.crc32(data, crc)
            if got != want:
                sys.exit("model: n=%d gives %08x, zlib %08x" % (n, got, want))


def text():
    def pair(name, kk, what):
        return "static const uint64_t %s[2] = {0x%09x, 0x%09x}; /* %s */" % (
            name, kk[0], kk[1], what)

    return "\n".join([
        "/*",
        " * Constants of the carry-less-multiply CRC-32 (crc32_clmul.c): x^n mod P",
        " * reflected and shifted left by one; mu and P reflected (33 bits).  Printed by",
        " * scripts/gen_crc32_clmul.py (do not edit), which derives them from the",
        " * polynomial and checks a model of crc32_clmul.c's steps against zlib.",
        " */",
        pair("k_fold512", FOLD512, "x^544, x^480: 4 blocks on"),
        pair("k_fold128", FOLD128, "x^160, x^96: 1 block on"),
        pair("k_reduce", (R96, R64), "x^96, x^64: to 64 bits"),
        pair("k_barrett", (MU, POLY), "mu = x^64 / P, P"),
    ]) + "\n"


self_check()
out = text()
if len(sys.argv) == 3 and sys.argv[1] == "--check":
    with open(sys.argv[2]) as f:
        if f.read() != out:
            sys.exit("%s differs from what %s prints" % (sys.argv[2], sys.argv[0]))
else:
    sys.stdout.write(out)
