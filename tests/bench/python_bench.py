#!/usr/bin/env python3
"""Benchmark (not a test): calls per second from Python, through the direct
binding (ctypes -> libwisrpc -> wisrpc-sim) and through the wisd client
(JSON-RPC over the Unix socket -> wisd -> another wisrpc-sim), beside the C
library's own figure (tests/bench/wis_bench) measured in the same run.

    cd build/dev && WISRPC_LIB=lib/libwisrpc.so PYTHONPATH=../../bindings/python \\
        python3 ../../tests/bench/python_bench.py [SECONDS] [ROUNDS]

Runs in the build directory (wisrpc-sim, wisd and wis_bench are found there,
or through WISRPC_SIM, WISD, WIS_BENCH).  Figures: docs/benchmarks.md, "Python".
"""
import os
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))
os.environ.setdefault("WISRPC_SIM", "firmware/wisrpc-sim")
os.environ.setdefault("WISD", "daemon/wisd")

import wisdtest  # noqa: E402
import wisrpc  # noqa: E402

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def rate(fn, seconds=SECONDS):
    fn()  # warm up
    n, t0 = 0, time.perf_counter()
    end = t0 + seconds
    while time.perf_counter() < end:
        for _ in range(20):
            fn()
        n += 20
    return n / (time.perf_counter() - t0)


def threaded(fn, threads=8, seconds=SECONDS):
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def work(i):
        while time.perf_counter() < stop:
            fn()
            counts[i] += 1

    ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


def c_figure():
    exe = os.environ.get("WIS_BENCH", "tests/bench/wis_bench")
    out = subprocess.run([exe, os.environ["WISRPC_SIM"], "500"], capture_output=True,
                         text=True, timeout=300).stdout
    m = re.search(r"one at a time \(sync\)\s+(\d+) calls/s", out)
    p = re.search(r"pipelined \(async, window 16\)\s+(\d+) calls/s", out)
    return (int(m.group(1)) if m else 0), (int(p.group(1)) if p else 0)


def main():
    import tempfile
    # Rounds alternate between the C library, the direct binding and the
    # wisd client, so that a busy machine weighs on all of them alike; the
    # table gives each row's median over the rounds.
    rows = {}

    def add(what, v):
        rows.setdefault(what, []).append(v)

    with tempfile.TemporaryDirectory(prefix="wisrpc-pybench-") as tmp:
        sim_d = wisdtest.Sim(tmp, ["--adc", "AIN0=1650"], link=os.path.join(tmp, "d.tty"),
                             control=os.path.join(tmp, "d.ctl"))
        sim_w = wisdtest.Sim(tmp, ["--adc", "AIN0=1650"], link=os.path.join(tmp, "w.tty"),
                             control=os.path.join(tmp, "w.ctl"))
        wisd = wisdtest.Wisd(tmp, sim_w.link)
        try:
            for _ in range(ROUNDS):
                c_one, c_pipe = c_figure()
                add("C libwisrpc: wis_ping() one at a time (wis_bench)", c_one)
                add("C libwisrpc: pipelined, window 16 (wis_bench)", c_pipe)
                with wisrpc.open(sim_d.link) as dev:
                    add("Python direct: ping() one at a time", rate(dev.ping))
                    add("Python direct: gpio.read(\"IO1\")", rate(lambda: dev.gpio.read("IO1")))
                    add("Python direct: ping() from 8 threads", threaded(dev.ping))
                with wisrpc.connect(wisd.sock) as dev:
                    add("Python wisd client: ping() one at a time", rate(dev.ping))
                    add("Python wisd client: gpio.read(\"IO1\")",
                        rate(lambda: dev.gpio.read("IO1")))
                    add("Python wisd client: ping() from 8 threads", threaded(dev.ping))
                    reqs = [("system.ping", None)] * 16
                    add("Python wisd client: 16 requests per write (pipelined)",
                        16 * rate(lambda: dev._exchange(reqs)))
        finally:
            wisd.stop()
            sim_d.kill()
            sim_w.kill()
    print("| what | calls/s (median of %d rounds) | all rounds |\n|---|---|---|" % ROUNDS)
    for what, vs in rows.items():
        print("| %s | %.0f | %s |" % (what, statistics.median(vs),
                                     " ".join("%.0f" % v for v in vs)))


if __name__ == "__main__":
    main()
