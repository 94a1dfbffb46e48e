"""Flash benchmark through wisd (not a test): `wisctl flash read -o FILE` of
1 MiB through wisd against libwisrpc's own read (wis_flash_read) of the same
bytes (tests/bench/flash_bench --read), in the same run.  Two simulators
with the same flash image: wisd holds one for the whole run, the library
reads the other, so that the two sides are taken in turn, pair by pair
(library best of three, then wisctl best of three).  A round's ratio is its
pairs' sums (BENCH_PAIRS: 3); printed is the median over the rounds
(BENCH_ROUNDS: 9) with their range, and the best of each side: one 5-7 ms
read moves by half on this shared 2-core machine, pairs in turn put a burst
of load on both sides.  Usage (from a build dir; BENCH_VERBOSE=1 prints
every run):
WISD=daemon/wisd WISCTL=daemon/wisctl WISRPC_SIM=firmware/wisrpc-sim \\
  /usr/bin/python3 ../../tests/bench/flash_wisctl_bench.py [KIB]

Printed:
- the library's rate: wis_flash_read() timed inside flash_bench, the device
  already open (no process start, no HELLO);
- wisctl through wisd on the binary path (flash.stream: wisd writes the
  output file itself), as wall time of the whole command (process start, connect and the
  FLASH_INFO round trip included), and with a 1 KiB run of the same command
  subtracted, which leaves the time of the other KiB as the library's
  figure counts them (the comparison the target means);
- the same with WISCTL_FLASH_STREAM=pipe: the bytes through a pipe to
  wisctl, which writes the file (the path before wisd took files), and
  with WISCTL_FLASH_STREAM=0 (once a round, median): 1 KiB flash.read
  calls, hex in JSON, 16 in flight (the path before flash.stream);
- CPU time per MiB of each process on both paths (from /proc and
  getrusage, over 20 and 7 runs): where the time goes on a machine with
  fewer cores than busy processes.

BENCH_PIN=1 pins the simulators to CPU 0 and everything that reads them
(flash_bench, wisd and its threads, wisctl) to CPU 1: where the scheduler
puts the two busiest processes otherwise moves each run by a third (both
on one CPU, or apart), and pinned, both paths get the same placement.
"""
import os
import resource
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "daemon"))
from wisdtest import WISCTL, Sim, Wisd  # noqa: E402

RUNS = 3  # best of, per round
PIN = os.environ.get("BENCH_PIN") == "1"


def pin(pid, cpu):
    """Every thread of pid to cpu (BENCH_PIN)."""
    if PIN:
        for tid in os.listdir("/proc/%d/task" % pid):
            os.sched_setaffinity(int(tid), {cpu})
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "3"))
IMAGE = 1024 * 1024  # the simulated chip
BENCH = os.environ.get("FLASH_BENCH", os.path.join("tests", "bench", "flash_bench"))


def best_of(n, fn):
    times = [fn() for _ in range(n)]
    if os.environ.get("BENCH_VERBOSE"):
        print("  runs: " + ", ".join("%.4f" % t for t in times))
    return min(times)


def cpu_ms(pid):
    """User + system CPU time of a process so far, in ms."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def children_ms():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000.0


def cpu_per_mib(n, mib, run, pids):
    """CPU ms per MiB of each process in pids and of the children run
    starts, over n runs (where the time goes: this machine has 2 cores)."""
    before = [cpu_ms(p) for p in pids] + [children_ms()]
    for _ in range(n):
        run()
    after = [cpu_ms(p) for p in pids] + [children_ms()]
    return [(a - b) / (n * mib) for a, b in zip(after, before)]


def wisctl_read(sock, size, out, env):
    # No timeout= here: with one, Python waits for the child by polling
    # with sleeps growing to 50 ms, which rounds the times measured up to
    # about 32 or 64 ms (the earlier figures of this script had that).
    # A new file each time: truncating the last run's 1 MiB (O_TRUNC frees
    # its page cache, about 1 ms here) is the file system's cost, which the
    # 1 KiB run subtracted would not cancel, and the library's read has no
    # file at all.
    if os.path.exists(out):
        os.unlink(out)
    t0 = time.monotonic()
    rc = subprocess.run([WISCTL, "--socket", sock, "flash", "read", "0", str(size), "-o", out],
                        env=env).returncode
    dt = time.monotonic() - t0
    assert rc == 0, rc
    return dt


def image_file(path, data):
    """A simulator's --flash-image: the data, then erased bytes to 1 MiB."""
    with open(path, "wb") as f:
        f.write(data + b"\xff" * (IMAGE - len(data)))


def env_for(val):
    env = dict(os.environ)
    env.pop("WISCTL_FLASH_STREAM", None)
    if val is not None:
        env["WISCTL_FLASH_STREAM"] = val
    return env


def lib_read(link, kib, mib):
    """wis_flash_read()'s time per MiB, best of three in one process."""
    out = subprocess.run([BENCH, "--read", link, str(kib)], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    return mib / float(re.search(r"([0-9.]+) MiB/s", out).group(1))


def main():
    kib = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    size = kib * 1024
    mib = size / (1024 * 1024)
    assert size <= IMAGE, "at most 1024 KiB (the chip)"
    with tempfile.TemporaryDirectory(prefix="flash-bench-") as tmp:
        if PIN:  # this process and all it starts (not through a preexec_fn:
            # Python would fork instead of vfork, 3 ms of wisctl's CPU per run)
            os.sched_setaffinity(0, {1})
        data = os.urandom(size)
        # Two modules with the same flash: wisd holds one, the library reads
        # the other, so that a pair (library, wisctl) is taken in turn
        # without restarting wisd.
        sims = []
        try:
            for name in ("a", "b"):
                img = os.path.join(tmp, "image-%s.bin" % name)
                image_file(img, data)
                sims.append(Sim(tmp, ["--flash-image", img],
                                link=os.path.join(tmp, "sim-%s.tty" % name),
                                control=os.path.join(tmp, "sim-%s.ctl" % name)))
                pin(sims[-1].p.pid, 0)
            sim, lib_sim = sims
            w = Wisd(tmp, sim.link)
            back = os.path.join(tmp, "back.bin")
            paths = (("flash.stream into the file", None),
                     ("flash.stream through a pipe", "pipe"))
            lib_t, best, ratios = [], {}, {}
            hex_t = []
            for rnd in range(ROUNDS):
                sums = {label: [0.0, 0.0] for label, _ in paths}
                for _ in range(PAIRS):
                    for label, val in paths:
                        t = lib_read(lib_sim.link, kib, mib)
                        lib_t.append(t)
                        env = env_for(val)
                        whole = best_of(RUNS, lambda: wisctl_read(w.sock, size, back, env))
                        assert open(back, "rb").read() == data
                        start = best_of(RUNS, lambda: wisctl_read(w.sock, 1024, back, env))
                        old = best.get(label, (1e9, 1e9))
                        best[label] = (min(old[0], whole), min(old[1], start))
                        sums[label][0] += t * (mib - 1 / 1024) / mib
                        sums[label][1] += whole - start
                for label, (lib_sum, net_sum) in sums.items():
                    ratios.setdefault(label, []).append(lib_sum / net_sum)
                # The hex path (before flash.stream): 30-50 ms a run, once a round.
                env = env_for("0")
                whole = wisctl_read(w.sock, size, back, env)
                hex_t.append(whole - wisctl_read(w.sock, 1024, back, env))
            cpu_w = {}
            for label, val in (("into the file", None), ("through a pipe", "pipe")):
                env = env_for(val)
                cpu_w[label] = cpu_per_mib(20, mib, lambda: wisctl_read(w.sock, size, back, env),
                                           [sim.p.pid, w.p.pid])
            assert w.stop() == 0
            cpu_l = cpu_per_mib(7, 3 * mib, lambda: subprocess.run(
                [BENCH, "--read", lib_sim.link, str(kib)], check=True, capture_output=True,
                timeout=120), [lib_sim.p.pid])
            lib = mib / min(lib_t)
            if PIN:
                print("BENCH_PIN=1: the simulators on CPU 0; flash_bench, wisd, wisctl on CPU 1")
            print("library read %d KiB: %.2f MiB/s best (%.4f s; device open, no "
                  "process start)" % (kib, lib, mib / lib))
            for label, (whole, start) in best.items():
                net = max(whole - start, 1e-9)
                print("wisctl flash read %d KiB -o FILE through wisd, %s: best %.4f s whole "
                      "command (%.2f MiB/s, %.1f %% of the library's best); minus a 1 KiB run "
                      "(%.4f s): %.4f s for %d KiB (%.2f MiB/s, %.1f %%)"
                      % (kib, label, whole, mib / whole, 100 * mib / whole / lib, start, net,
                         kib - 1, (mib - 1 / 1024) / net, 100 * (mib - 1 / 1024) / net / lib))
            med = lambda v: sorted(v)[len(v) // 2]  # noqa: E731
            print("flash.read (hex), less the 1 KiB run: median %.2f ms for %d KiB"
                  % (med(hex_t) * 1e3, kib - 1))
            for label, rs in ratios.items():
                print("median of %d rounds of %d pairs: wisctl %s, less the 1 KiB run, at "
                      "%.1f %% of the library's rate (rounds %.1f-%.1f)"
                      % (len(rs), PAIRS, label, 100 * med(rs), 100 * min(rs), 100 * max(rs)))
            print("CPU ms per MiB: library path: simulator %.1f, flash_bench %.1f (with its "
                  "start)" % (cpu_l[0], cpu_l[1]))
            for label, cpu in cpu_w.items():
                print("CPU ms per MiB: flash.stream %s: simulator %.1f, wisd %.1f, wisctl %.1f "
                      "(with its start)" % (label, cpu[0], cpu[1], cpu[2]))
        finally:
            for s_ in sims:
                s_.kill()


if __name__ == "__main__":
    main()
