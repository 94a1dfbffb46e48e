#!/usr/bin/env python3
"""Benchmark (not a test): the wisd client's flash.read() of 1 MiB, through
flash.stream (the raw bytes in a pipe) and through 1024-byte hex flash.reads
(16 in flight: the client's path before flash.stream, and its path on TCP),
in alternating rounds on one wisd and wisrpc-sim (datasheet busy times).

    cd build/dev && PYTHONPATH=../../bindings/python \\
        python3 ../../tests/bench/python_flash_bench.py [ROUNDS]

Each round reads the image once each way and checks it; the table gives the
median wall time, the client's CPU time (process_time) and wisd's CPU time
(utime+stime from /proc) per read.  Figures: docs/benchmarks.md, "Python".
"""
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))
os.environ.setdefault("WISRPC_SIM", "firmware/wisrpc-sim")
os.environ.setdefault("WISD", "daemon/wisd")

import wisdtest  # noqa: E402
import wisrpc  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
MIB = 1 << 20


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    rows = {}
    with tempfile.TemporaryDirectory(prefix="wisrpc-pyflash-") as tmp:
        sim = wisdtest.Sim(tmp)
        wisd = wisdtest.Wisd(tmp, sim.link)
        try:
            img = os.urandom(MIB)
            with wisrpc.connect(wisd.sock, timeout=120) as dev:
                dev.flash.write(0, img, erase=True)
                for _ in range(ROUNDS):
                    for name, stream in (("hex flash.read x1024", False),
                                         ("flash.stream", True)):
                        dev._can_stream = stream
                        w0, c0, d0 = time.perf_counter(), time.process_time(), cpu_s(wisd.p.pid)
                        assert dev.flash.read(0, MIB) == img
                        rows.setdefault(name, []).append(
                            (time.perf_counter() - w0, time.process_time() - c0,
                             cpu_s(wisd.p.pid) - d0))
        finally:
            wisd.stop()
            sim.kill()
    print("| 1 MiB flash.read() via | wall ms (median of %d) | client CPU ms | wisd CPU ms "
          "| wall ms, all rounds |\n|---|---|---|---|---|" % ROUNDS)
    for name, vs in rows.items():
        med = [statistics.median(v[i] for v in vs) * 1000 for i in range(3)]
        print("| %s | %.0f | %.0f | %.0f | %s |" % (name, med[0], med[1], med[2],
                                                   " ".join("%.0f" % (v[0] * 1000) for v in vs)))


if __name__ == "__main__":
    main()
