#!/usr/bin/env python3
"""Writes frames.txt: wire test vectors computed independently of the C codec
(Python's zlib.crc32 and a plain COBS encoder), so that the C tests that read
them check the codec against a second implementation."""
import struct
import zlib


def cobs(data: bytes) -> bytes:
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out += bytes([255]) + block
                block = bytearray()
    out += bytes([len(block) + 1]) + block
    return bytes(out)


def frame(ver, typ, fid, op, status, flags, payload: bytes) -> bytes:
    body = struct.pack("<BBHHBB", ver, typ, fid, op, status, flags) + payload
    body += struct.pack("<I", zlib.crc32(body))
    return b"\x00" + cobs(body) + b"\x00"


VECTORS = [
    ("hello request", (1, 0, 1, 0x0001, 0, 0), bytes([1])),
    ("ping empty", (1, 0, 2, 0x0002, 0, 0), b""),
    ("ping with zeros", (1, 0, 0x1234, 0x0002, 0, 0), bytes([0, 0, 1, 0, 0xFF])),
    ("uptime response", (1, 1, 3, 0x0003, 0, 0), struct.pack("<Q", 123456789)),
    ("gpio write IO1=1", (1, 0, 7, 0x0103, 0, 0), bytes([17, 1])),
    ("error response with detail", (1, 1, 8, 0x0103, 7, 0),
     bytes([11]) + b"IO1 is input"),
    ("gpio edge event", (1, 2, 0, 0x0180, 0, 0),
     struct.pack("<IQBBB", 42, 5_000_000, 33, 0, 2)),
    ("adc read AIN0", (1, 0, 0xFFFF, 0x0201, 0, 0), bytes([5, 0, 0, 12, 0])),
    ("254 non-zero bytes", (1, 0, 9, 0x0002, 0, 0), bytes(range(1, 255))),
    ("1024 byte payload", (1, 0, 10, 0x0002, 0, 0), bytes((i * 7) & 0xFF for i in range(1024))),
    ("held request", (1, 0, 11, 0x000C, 0, 0), b""),
    ("held response: ids 3 and 0x1234", (1, 1, 11, 0x000C, 0, 0), struct.pack("<BHH", 2, 3, 0x1234)),
]

with open("frames.txt", "w") as f:
    f.write("# wisrpc wire test vectors (tests/vectors/gen_frames.py writes this file).\n")
    f.write("# name | version type id opcode status flags | payload hex | wire hex\n")
    for name, h, payload in VECTORS:
        wire = frame(*h, payload)
        f.write("%s | %d %d %d %d %d %d | %s | %s\n" % (name, *h, payload.hex() or "-", wire.hex()))
