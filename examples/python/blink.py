#!/usr/bin/env python3
"""Example: blink LED1 COUNT times and read the pin state back.

    python3 blink.py /dev/ttyACM0 [COUNT] [PERIOD_S]     (or /dev/pts/N, tcp://HOST:PORT, auto)
    python3 blink.py wisd:/run/wisd.sock [COUNT]          (the same through wisd)

Run from a checkout with PYTHONPATH=bindings/python, or after
`pip install bindings/python`.  The only line that differs between the
direct binding and wisd is the open call.
"""
import sys
import time

import wisrpc


def open_device(arg):
    return wisrpc.connect(arg[5:]) if arg.startswith("wisd:") else wisrpc.open(arg)


def main():
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    period = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
    with open_device(sys.argv[1]) as dev:
        for _ in range(count):
            for level in (1, 0):
                dev.gpio.write("LED1", level)
                print("LED1", "on" if level else "off", "(level %d)" % dev.pin_state("LED1").level)
                time.sleep(period / 2)


if __name__ == "__main__":
    main()
