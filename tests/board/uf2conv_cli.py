#!/usr/bin/env python3
"""tools/uf2conv as the build uses it: convert an image, check the result,
and reject a corrupted copy, a wrong base and bad arguments.

  uf2conv_cli.py PATH/TO/uf2conv
"""
import os
import struct
import subprocess
import sys
import tempfile


def run(tool, *args):
    p = subprocess.run([tool] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main(argv):
    tool = argv[1]
    fails = []
    with tempfile.TemporaryDirectory() as d:
        binp, uf2p, bad = (os.path.join(d, n) for n in ("a.bin", "a.uf2", "bad.uf2"))
        data = bytes((i * 13 + 5) & 0xFF for i in range(3000))
        with open(binp, "wb") as f:
            f.write(data)
        rc, out = run(tool, "-o", uf2p, binp)
        if rc != 0:
            fails.append("convert failed: %s" % out)
        uf2 = open(uf2p, "rb").read()
        if len(uf2) != 12 * 512:
            fails.append("%d bytes for 3000 input bytes, expected 12 blocks" % len(uf2))
        # Defaults: base 0x26000, family 0xADA52840.
        addr, = struct.unpack_from("<I", uf2, 12)
        fam, = struct.unpack_from("<I", uf2, 28)
        if addr != 0x26000 or fam != 0xADA52840:
            fails.append("first block at 0x%X family 0x%X" % (addr, fam))
        rc, out = run(tool, "--check", "--bin", binp, uf2p)
        if rc != 0 or "12 blocks OK" not in out:
            fails.append("check of a good file: rc %d %s" % (rc, out))
        corrupt = bytearray(uf2)
        corrupt[5 * 512 + 32 + 17] ^= 0x40
        with open(bad, "wb") as f:
            f.write(corrupt)
        rc, out = run(tool, "--check", "--bin", binp, bad)
        if rc != 1 or "block 5" not in out:
            fails.append("corrupted payload: rc %d %s" % (rc, out))
        rc, out = run(tool, "--check", "-b", "0x27000", uf2p)
        if rc != 1 or "target address" not in out:
            fails.append("wrong base: rc %d %s" % (rc, out))
        for args in (["--check"], ["-o", uf2p], ["-b", "zz", "-o", uf2p, binp], ["-x"]):
            rc, out = run(tool, *args)
            if rc != 2:
                fails.append("%s: rc %d, expected 2 (usage)" % (args, rc))
        rc, out = run(tool, "-b", "0x26004", "-o", uf2p, binp)
        if rc != 1:
            fails.append("unaligned base accepted")
    for f in fails:
        print("FAIL:", f)
    print("ok" if not fails else "FAILED")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
