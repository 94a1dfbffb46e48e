#!/usr/bin/env python3
"""Checks the RAK4631 image (ELF and raw .bin) the way the bootloader will
meet it, and prints its size report.

  check_image.py IMAGE.elf IMAGE.bin [--size arm-none-eabi-size]
  check_image.py IMAGE.elf IMAGE.bin --self-test

--self-test proves the checks can fail: it corrupts copies of the real
image (reset vector without the Thumb bit, a wrong initial stack pointer, a
vector outside the image, an image over the flash budget) and exits 0 only
if each copy is rejected with the expected message.

Fails (exit 1, one line per problem) unless: the vector table is the first
thing at 0x26000 (the .bin starts there); its initial stack pointer is the
top of RAM; the reset vector and every other non-zero vector is a Thumb
address (bit 0 set) inside the image, the reset vector being the ELF entry
point; the image ends below 0xEA000; no allocator (malloc, _sbrk) is linked;
flash use <= 128 KiB and static RAM <= 64 KiB (counted from the sections themselves, and matching the linker
script's own __flash_used/__ram_used).
"""
import struct
import subprocess
import sys

APP_START = 0x26000
APP_END = 0xEA000
RAM_START = 0x20006000
RAM_END = 0x20040000
FLASH_BUDGET = 128 * 1024
RAM_BUDGET = 64 * 1024
VECTORS = 16 + 48
SHF_ALLOC = 0x2
SHT_NOBITS = 8
SHT_SYMTAB = 2


def parse_elf(data):
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise ValueError("not a 32-bit little-endian ELF")
    (e_type, e_machine, _ver, e_entry, _phoff, e_shoff, _flags, _ehsize, _phentsize, _phnum,
     e_shentsize, e_shnum, e_shstrndx) = struct.unpack_from("<HHIIIIIHHHHHH", data, 16)
    if e_machine != 40:
        raise ValueError("machine %d is not ARM (40)" % e_machine)
    secs = []
    for i in range(e_shnum):
        f = struct.unpack_from("<IIIIIIIIII", data, e_shoff + i * e_shentsize)
        secs.append(dict(name_off=f[0], type=f[1], flags=f[2], addr=f[3], offset=f[4],
                         size=f[5], link=f[6], entsize=f[9]))
    strtab = secs[e_shstrndx]

    def cstr(off):
        end = data.index(b"\0", off)
        return data[off:end].decode()

    for s in secs:
        s["name"] = cstr(strtab["offset"] + s["name_off"])
    syms = {}
    for s in secs:
        if s["type"] != SHT_SYMTAB:
            continue
        names = secs[s["link"]]
        for k in range(s["size"] // 16):
            st_name, st_value, _sz, _info, _other, _shndx = struct.unpack_from(
                "<IIIBBH", data, s["offset"] + 16 * k)
            if st_name:
                syms[cstr(names["offset"] + st_name)] = st_value
    return e_entry, secs, syms


def check(elf, image):
    """Returns (errors, flash_used, ram_used)."""
    entry, secs, syms = parse_elf(elf)
    errors = []

    alloc = [s for s in secs if s["flags"] & SHF_ALLOC and s["size"]]
    flash_secs = [s for s in alloc if APP_START <= s["addr"] < APP_END]
    ram_secs = [s for s in alloc if RAM_START <= s["addr"] < RAM_END]
    first = min(flash_secs, key=lambda s: s["addr"]) if flash_secs else None
    if not first or first["addr"] != APP_START:
        errors.append("the first flash section is not at 0x%05X" % APP_START)
    # .data is stored in flash after the code: the .bin holds all of it.
    flash_used = len(image)
    ram_used = max(s["addr"] + s["size"] for s in ram_secs) - RAM_START if ram_secs else 0
    for name, mine in (("__flash_used", flash_used), ("__ram_used", ram_used)):
        if syms.get(name) != mine:
            errors.append("%s = %s in the ELF, %d counted here" % (name, syms.get(name), mine))
    if APP_START + flash_used > APP_END:
        errors.append("image ends at 0x%05X, past 0x%05X" % (APP_START + flash_used, APP_END))
    if flash_used > FLASH_BUDGET:
        errors.append("flash %d bytes > budget %d" % (flash_used, FLASH_BUDGET))
    if ram_used > RAM_BUDGET:
        errors.append("static RAM %d bytes > budget %d" % (ram_used, RAM_BUDGET))

    if len(image) < 4 * VECTORS:
        errors.append("image shorter than its vector table")
    else:
        vec = struct.unpack_from("<%dI" % VECTORS, image, 0)
        if vec[0] != RAM_END or vec[0] != syms.get("__stack_top"):
            errors.append("initial SP 0x%08X, expected the top of RAM 0x%08X" % (vec[0], RAM_END))
        reset = vec[1]
        if not reset & 1:
            errors.append("reset vector 0x%08X lacks the Thumb bit" % reset)
        # Thumb function symbols carry bit 0 in the ELF already.
        if reset != entry | 1 or reset != syms.get("nrf_reset_handler", 0) | 1:
            errors.append("reset vector 0x%08X is not the entry point nrf_reset_handler (0x%08X)"
                          % (reset, entry))
        for i, v in enumerate(vec[1:], 1):
            if v and (not v & 1 or not APP_START <= (v & ~1) < APP_START + flash_used):
                errors.append("vector %d = 0x%08X is not a Thumb address in the image" % (i, v))

    # No allocator in the image (issue 9: no malloc): newlib's would bring
    # these in.
    for name in ("malloc", "_malloc_r", "free", "_free_r", "_sbrk", "_sbrk_r"):
        if name in syms:
            errors.append("the image links %s (no heap allocation allowed)" % name)

    return errors, flash_used, ram_used


def self_test(elf, image):
    def with_word(img, index, value):
        b = bytearray(img)
        struct.pack_into("<I", b, 4 * index, value)
        return bytes(b)

    reset = struct.unpack_from("<I", image, 4)[0]
    cases = [
        ("reset vector without the Thumb bit", with_word(image, 1, reset & ~1), "Thumb bit"),
        ("initial SP in the SoftDevice's RAM", with_word(image, 0, 0x20001000), "initial SP"),
        ("vector outside the image", with_word(image, 3, 0x00001001), "vector 3"),
        ("image over the flash budget", image + b"\xff" * (FLASH_BUDGET + 1 - len(image)),
         "> budget %d" % FLASH_BUDGET),
    ]
    failed = 0
    for what, img, word in cases:
        errors = check(elf, img)[0]
        if not any(word in e for e in errors):
            print("FAIL: %s was not rejected (errors: %s)" % (what, errors))
            failed += 1
        else:
            print("ok: %s rejected" % what)
    if check(elf, image)[0]:
        print("FAIL: the real image itself is rejected")
        failed += 1
    return 1 if failed else 0


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    elf_path, bin_path = argv[1], argv[2]
    size_tool = argv[argv.index("--size") + 1] if "--size" in argv else None
    with open(elf_path, "rb") as f:
        elf = f.read()
    with open(bin_path, "rb") as f:
        image = f.read()
    if "--self-test" in argv:
        return self_test(elf, image)
    errors, flash_used, ram_used = check(elf, image)

    if size_tool:
        out = subprocess.run([size_tool, "-A", elf_path], capture_output=True, text=True)
        print("\n".join(l for l in out.stdout.splitlines() if l and not l.startswith(".debug")))
    print("flash: %d bytes (%.1f%% of the %d KiB budget), image 0x%05X..0x%05X" %
          (flash_used, 100.0 * flash_used / FLASH_BUDGET, FLASH_BUDGET // 1024, APP_START,
           APP_START + flash_used))
    print("static RAM: %d bytes (%.1f%% of the %d KiB budget, from 0x%08X)" %
          (ram_used, 100.0 * ram_used / RAM_BUDGET, RAM_BUDGET // 1024, RAM_START))
    for e in errors:
        print("FAIL:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
