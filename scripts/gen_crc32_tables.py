#!/usr/bin/env python3
"""Prints lib/proto/crc32_slice8.h: the seven extra tables of the host's
slicing-by-8 CRC-32 (frame.c), as constants, so no process builds them at
start.  Usage: python3 scripts/gen_crc32_tables.py > lib/proto/crc32_slice8.h
       python3 scripts/gen_crc32_tables.py --check lib/proto/crc32_slice8.h
           (the unit suite: exit 1 if the file is not what this prints)
tests/unit/test_codec.c checks the CRC they give against a bit-at-a-time
reference, so a wrong table fails the unit suite."""

import sys

POLY = 0xEDB88320
t0 = []
for b in range(256):
    c = b
    for _ in range(8):
        c = (c >> 1) ^ (POLY if c & 1 else 0)
    t0.append(c)
tn = []
prev = t0
for k in range(7):
    cur = [(prev[b] >> 8) ^ t0[prev[b] & 0xFF] for b in range(256)]
    tn.append(cur)
    prev = cur

out = []
out.append("""/*
 * The seven extra tables of the host's slicing-by-8 CRC-32 (frame.c,
 * WIS_CRC32_SLICE8): tn[k][b] is b shifted through k + 1 more zero bytes
 * than t0[b], so eight input bytes fold into the register with eight
 * lookups.  Printed by scripts/gen_crc32_tables.py (do not edit): constants
 * rather than tables built at load time, which every process linking the
 * library paid for (14k instructions) whether it computed a CRC or not.
 */
static const uint32_t tn[7][256] = {""")
for k in range(7):
    out.append("    {")
    for i in range(0, 256, 7):
        out.append("        " + ", ".join("0x%08x" % v for v in tn[k][i:i + 7]) + ",")
    out.append("    },")
out.append("};")
text = "\n".join(out) + "\n"
if len(sys.argv) == 3 and sys.argv[1] == "--check":
    if open(sys.argv[2]).read() != text:
        sys.exit("%s differs from what %s prints" % (sys.argv[2], sys.argv[0]))
else:
    sys.stdout.write(text)
