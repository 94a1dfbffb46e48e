#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus (deframer/ and core/): a few inputs
that reach each path on their own (every opcode with good arguments, a
batch, a watch with its edges, damage of each kind the deframer counts), so
that the replay in the test suite and a libFuzzer run start from them.
Frames are built with tests/vectors/gen_frames.py's encoder.  The output
is checked in; run this again after changing it."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "..", "vectors", "gen_frames.py")
# gen_frames.py writes frames.txt when run: take only its two functions.
ns = {}
exec(compile(open(GEN).read().split("VECTORS = [")[0], GEN, "exec"), ns)
frame = ns["frame"]


def req(fid, op, payload=b""):
    return frame(1, 0, fid, op, 0, 0, payload)


IO1, IO2, AIN0 = 17, 34, 5
CORE = {
    "hello_pins": req(1, 0x0001, b"\x01") + req(2, 0x0006, b"\x00") + req(3, 0x0006, b"\x20"),
    "ping_uptime_stats": req(4, 0x0002, b"\x00\x01\x00") + req(5, 0x0003) + req(6, 0x0005),
    "gpio": req(7, 0x0101, bytes([IO1, 4, 1])) + req(8, 0x0103, bytes([IO1, 0])) +
            req(9, 0x0102, bytes([IO1])) + req(10, 0x0009, bytes([IO1])) +
            req(11, 0x0008, bytes([IO1])),
    "watch": req(12, 0x0101, bytes([IO2, 1, 0])) +
             req(13, 0x0104, bytes([IO2, 3]) + struct.pack("<I", 1000)) +
             req(14, 0x0104, bytes([IO2, 0]) + struct.pack("<I", 0)),
    "adc": req(15, 0x0201, bytes([AIN0, 0, 0, 12, 2])) + req(16, 0x0201, bytes([AIN0, 9, 0, 12, 0])),
    "batch": req(17, 0x0007, bytes([1, 2]) + struct.pack("<HH", 0x0002, 1) + b"x" +
                 struct.pack("<HH", 0x0102, 1) + bytes([IO1])),
    "bad_args": req(18, 0x0101, bytes([IO1, 99, 0])) + req(19, 0x0102, b"") +
                req(20, 0x7777, b"??") + frame(2, 0, 21, 0x0002, 0, 0, b""),
    "reset": req(22, 0x0004, b"\x00") + req(23, 0x0002),
    "held": req(24, 0x000A, struct.pack("<I", 1000)) + req(25, 0x000C) + req(26, 0x000C, b"x"),
}
DEFRAMER = {
    "good_frames": req(1, 0x0002, bytes(range(1, 255))) + req(2, 0x0002, bytes(300)),
    "truncated_copy": req(3, 0x0002, b"abc") + req(3, 0x0002, b"abc")[:-2] + b"\x00",
    "short_block": bytes([0, 4, 1, 2, 0]) + req(4, 0x0003),
    "runt_and_crc": bytes([0, 3, 1, 1, 0]) + req(5, 0x0002, b"zz").replace(b"zz", b"zy"),
    "oversize": b"\x00" + b"\x55" * 1400 + req(6, 0x0002),
    "idle": bytes(8),
}
for d, items in (("core", CORE), ("deframer", DEFRAMER)):
    os.makedirs(os.path.join(HERE, d), exist_ok=True)
    for name, data in items.items():
        with open(os.path.join(HERE, d, name), "wb") as f:
            f.write(data)
