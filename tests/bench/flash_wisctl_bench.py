"""Flash benchmark through wisd (not a test): `wisctl flash read` of 1 MiB
(32 flash.read requests in flight through wisd) against libwisrpc's own
pipelined read of the same module (tests/bench/flash_bench --read), best of
three each, in the same run.  Usage (from a build dir):
WISD=daemon/wisd WISCTL=daemon/wisctl WISRPC_SIM=firmware/wisrpc-sim \\
  python3 ../tests/bench/flash_wisctl_bench.py [KIB]
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "daemon"))
from wisdtest import WISCTL, Sim, Wisd  # noqa: E402

BENCH = os.environ.get("FLASH_BENCH", os.path.join("tests", "bench", "flash_bench"))


def main():
    kib = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    size = kib * 1024
    with tempfile.TemporaryDirectory(prefix="flash-bench-") as tmp:
        sim = Sim(tmp)
        try:
            img = os.path.join(tmp, "image.bin")
            data = os.urandom(size)
            open(img, "wb").write(data)
            w = Wisd(tmp, sim.link)
            subprocess.run([WISCTL, "--socket", w.sock, "flash", "write-image", img],
                           check=True, timeout=600)
            assert w.stop() == 0
            # The library alone on the module's link (wisd stopped).
            out = subprocess.run([BENCH, "--read", sim.link, str(kib)], check=True,
                                 capture_output=True, text=True, timeout=120).stdout
            lib = float(re.search(r"([0-9.]+) MiB/s", out).group(1))
            w = Wisd(tmp, sim.link, name="wisd2")
            back = os.path.join(tmp, "back.bin")
            best = None
            for _ in range(3):
                t0 = time.monotonic()
                subprocess.run([WISCTL, "--socket", w.sock, "flash", "read", "0", str(size),
                                "-o", back], check=True, timeout=120)
                dt = time.monotonic() - t0
                best = dt if best is None else min(best, dt)
                assert open(back, "rb").read() == data
            assert w.stop() == 0
            cli = size / (1024 * 1024) / best
            print("library pipelined read %d KiB: %.2f MiB/s" % (kib, lib))
            print("wisctl flash read %d KiB through wisd: %.3f s, %.2f MiB/s (%.1f %% of the "
                  "library's rate)" % (kib, best, cli, 100 * cli / lib))
        finally:
            sim.kill()


if __name__ == "__main__":
    main()
