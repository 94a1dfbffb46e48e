#!/usr/bin/env python3
"""Example: read AIN0 COUNT times, INTERVAL_S apart, then print the mean.

    python3 adc_loop.py /dev/ttyACM0 [COUNT] [INTERVAL_S]
    python3 adc_loop.py wisd:/run/wisd.sock [COUNT]

(PYTHONPATH=bindings/python from a checkout, or pip install bindings/python.)
"""
import statistics
import sys
import time

import wisrpc


def open_device(arg):
    return wisrpc.connect(arg[5:]) if arg.startswith("wisd:") else wisrpc.open(arg)


def main():
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.1
    readings = []
    with open_device(sys.argv[1]) as dev:
        for _ in range(count):
            mv, raw = dev.adc.read_raw("AIN0", oversample=2)  # average of 4 samples
            print("AIN0 %d mV (raw %d)" % (mv, raw))
            readings.append(mv)
            time.sleep(interval)
    print("mean of %d: %.0f mV" % (len(readings), statistics.mean(readings)))


if __name__ == "__main__":
    main()
