#!/usr/bin/env python3
"""Process start to exit of `wisctl gpio get IO1` through a running wisd,
beside `true` (the least a process start costs here), interleaved run by
run so both see the same machine load.  Prints one line:
    wisctl_ms P50 P90  true_ms P50 P90  ratio R
Usage: cli_startup.py WISCTL SOCKET [RUNS]   (not a test: for scripts/bench.sh)"""
import shutil
import subprocess
import sys
import time

wisctl, sock = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 200
true = shutil.which("true")
cmds = {"wisctl": [wisctl, "--socket", sock, "gpio", "get", "IO1"], "true": [true]}
times = {k: [] for k in cmds}
for _ in range(10):  # warm the page cache and wisd's device window
    for c in cmds.values():
        subprocess.run(c, stdout=subprocess.DEVNULL, check=True)
for _ in range(runs):
    for k, c in cmds.items():
        t0 = time.perf_counter()
        subprocess.run(c, stdout=subprocess.DEVNULL, check=True)
        times[k].append((time.perf_counter() - t0) * 1e3)


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


w50, t50 = pct(times["wisctl"], 0.5), pct(times["true"], 0.5)
print("wisctl_ms %.3f %.3f true_ms %.3f %.3f ratio %.2f" %
      (w50, pct(times["wisctl"], 0.9), t50, pct(times["true"], 0.9), w50 / t50))
