"""Radio benchmark through wisd (not a test): two wisrpc-sim on one medium,
a wisd on each; packets per second one client sends with radio.send at
SF7/BW500 (10 bytes), one request at a time and pipelined (8 in flight),
and how many the other side's subscriber got.  Usage (from a build dir):
WISD=daemon/wisd WISCTL=daemon/wisctl WISRPC_SIM=firmware/wisrpc-sim \\
  python3 ../../tests/bench/radio_wisd_bench.py [PACKETS]
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "daemon"))
from wisdtest import Sim, Wisd  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory(prefix="radio-bench-") as tmp:
        medium = os.path.join(tmp, "medium")
        os.mkdir(medium)
        sims = [Sim(tmp, ("--medium", medium), os.path.join(tmp, x + ".tty"),
                    os.path.join(tmp, x + ".ctl")) for x in "ab"]
        # Lab rules: at EU868's 1 % a packet per 100 x its time on air.
        wisds = [Wisd(tmp, s.link, ("--set", "radio_region=lab"), name="wisd-" + x)
                 for s, x in zip(sims, "ab")]
        a, b = wisds[0].client(timeout=30), wisds[1].client(timeout=30)
        try:
            for c in (a, b):
                c.call("radio.config", {"bw_hz": 500000, "idle_xosc": True})
            b.call("subscribe", {"topics": "radio.rx"})
            b.call("radio.rx")
            t0 = time.monotonic()
            for _ in range(n):
                a.call("radio.send", {"data": "0123456789"})
            one = n / (time.monotonic() - t0)
            t0 = time.monotonic()
            ids = [a.request("radio.send", {"data": "0123456789"}) for _ in range(n)]
            for i in ids:
                assert "result" in a.response(i), i
            piped = n / (time.monotonic() - t0)
            got = 0
            while b.recv(0.5) is not None:
                got += 1
            print("SF7/BW500, 10 bytes through wisd: %.0f packets/s one at a time, %.0f "
                  "packets/s %d requests queued at once; %d of %d received"
                  % (one, piped, n, got, 2 * n))
        finally:
            a.close()
            b.close()
            for w in wisds:
                w.stop()
            for s in sims:
                s.kill()


if __name__ == "__main__":
    main()
