#!/usr/bin/env python3
"""Example: dump and restore flash.  "dump" reads LEN bytes at ADDR into
FILE; "restore" writes FILE back at ADDR (erase units already equal are
skipped, so an interrupted restore resumes) and verifies it by a CRC-32
computed on the module.

    python3 flash_dump.py /dev/ttyACM0 dump FILE [ADDR] [LEN]
    python3 flash_dump.py /dev/ttyACM0 restore FILE [ADDR]
    python3 flash_dump.py wisd:/run/wisd.sock dump FILE      (the same through wisd)
"""
import sys
import zlib

import wisrpc


def open_device(arg):
    return wisrpc.connect(arg[5:]) if arg.startswith("wisd:") else wisrpc.open(arg)


def progress(done, total):
    print("\r%d/%d bytes" % (done, total), end="\n" if done == total else "", file=sys.stderr)


def main():
    if len(sys.argv) < 4 or sys.argv[2] not in ("dump", "restore"):
        sys.exit("usage: flash_dump.py DEVICE dump FILE [ADDR] [LEN] | DEVICE restore FILE [ADDR]")
    what, path = sys.argv[2], sys.argv[3]
    addr = int(sys.argv[4], 0) if len(sys.argv) > 4 else 0
    with open_device(sys.argv[1]) as dev:
        info = dev.flash.info()
        print("%s: %d bytes, erase unit %d" % (info.name, info.size, info.erase_unit))
        if what == "dump":
            length = int(sys.argv[5], 0) if len(sys.argv) > 5 else 65536
            data = dev.flash.read(addr, length, progress=progress)
            with open(path, "wb") as f:
                f.write(data)
            print("dumped %d bytes at 0x%x to %s, crc32 %08x" % (len(data), addr, path,
                                                                 zlib.crc32(data)))
        else:
            skipped = dev.flash.write_image(addr, path, progress=progress)
            print("restored %s at 0x%x and verified (%d bytes were already in place)"
                  % (path, addr, skipped))


if __name__ == "__main__":
    main()
