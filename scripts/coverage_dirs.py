#!/usr/bin/env python3
"""Prints line and branch coverage per source directory from gcovr's JSON
summary (scripts/test.sh --coverage), with the floor docs/testing.md sets
for each directory; exits 1 if a directory is below its floor, so the
coverage run fails when the suite loses ground."""
import json
import os
import sys

# Lines floor in percent, per directory: just below the figures measured
# when it was set (docs/testing.md gives them, the aims, and what is left
# out on purpose).  Raise a floor when the suite gains ground.
FLOORS = {
    "lib/proto": 95,
    "lib": 84,
    "lib/json": 88,
    # 96 % of the pin-only core; the radio, flash, I2C, SPI and UART
    # subsystems brought it to 90.9 % (their fault paths: docs/testing.md).
    "firmware/core": 90,
    "daemon": 85,
    "firmware/drivers": 88,
    "firmware/sim": 90,
    "firmware/usb": 95,
}


def main():
    with open(sys.argv[1]) as f:
        files = json.load(f)["files"]
    dirs = {}
    for e in files:
        d = os.path.dirname(e["filename"]) or "."
        t = dirs.setdefault(d, [0, 0, 0, 0])
        t[0] += e["line_covered"]
        t[1] += e["line_total"]
        t[2] += e["branch_covered"]
        t[3] += e["branch_total"]
    below = []
    print("%-22s %16s %18s  %s" % ("directory", "lines", "branches", "floor (lines)"))
    tot = [0, 0, 0, 0]
    for d in sorted(dirs):
        lc, lt, bc, bt = dirs[d]
        tot = [a + b for a, b in zip(tot, dirs[d])]
        lp = 100.0 * lc / lt if lt else 100.0
        bp = 100.0 * bc / bt if bt else 100.0
        floor = FLOORS.get(d)
        mark = ""
        if floor is not None:
            mark = "%d %%%s" % (floor, "  BELOW" if lp < floor else "")
            if lp < floor:
                below.append(d)
        print("%-22s %6.1f %% %4d/%-5d %6.1f %% %5d/%-5d  %s" % (d, lp, lc, lt, bp, bc, bt, mark))
    lc, lt, bc, bt = tot
    print("%-22s %6.1f %% %4d/%-5d %6.1f %% %5d/%-5d" %
          ("total", 100.0 * lc / lt, lc, lt, 100.0 * bc / max(bt, 1), bc, bt))
    if below:
        print("below the floor: " + ", ".join(below))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
