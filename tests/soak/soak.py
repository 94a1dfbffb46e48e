#!/usr/bin/env python3
"""Soak test: mixed load from many clients through wisd while the simulated
module's link misbehaves (wisrpc-sim's fault injection: bytes dropped,
corrupted, duplicated and delayed, stalls, resets, the module vanishing and
coming back).  Checks:

  * every request got exactly one answer (a response or an error), within a
    bound; notifications got none; each malformed line got one parse error;
    errors are only of the kinds faults explain (device unavailable,
    timeout, host link error, overloaded, a device refusal such as BUSY);
  * the state after the faults equals the declared state: each pin client's
    last acknowledged level is on the module's pin once the faults stop
    (pins whose last write was left unanswered excepted), and, after a
    final write and a clean reset, every declared pin is re-applied;
  * wisd's memory is flat: VmRSS (/proc) after warm-up grows by at most
    WIS_SOAK_RSS_KIB (default 2048 KiB);
  * wisd stops cleanly at the end (exit code 0).

Duration: WIS_SOAK_SECONDS (default 60) of load with faults, then the
checks.  WIS_SOAK_SEED (default 1) seeds the load, the fault schedule and
the simulator's fault draws: a failing run is repeated with the same seed.
Paths from the environment (WISD, WISRPC_SIM), as for tests/daemon.
Prints a summary; exits 1 on any failure.
"""
import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
import wisdtest as W  # noqa: E402

SECONDS = float(os.environ.get("WIS_SOAK_SECONDS", "60"))
SEED = int(os.environ.get("WIS_SOAK_SEED", "1"))
RSS_BOUND_KIB = int(os.environ.get("WIS_SOAK_RSS_KIB", "2048"))
ANSWER_BOUND_S = 20.0  # wisd's call timeout (1 s) + the longest fault + margin
PINS = ["IO1", "IO2", "IO3", "IO4", "IO5", "IO6", "LED1", "LED2"]
# Errors a faulty link explains; anything else is a failure.
FAULT_ERRORS = {-32000, -32001, -32002, -32004, -32006}

failures = []
fail_lock = threading.Lock()


def fail(msg):
    with fail_lock:
        if len(failures) < 50:
            failures.append(msg)
        print("FAIL:", msg, flush=True)


class Load(threading.Thread):
    """One client: requests pipelined (a window of 4), each answer matched
    to its id exactly once."""

    def __init__(self, idx, wisd, pin, stop):
        super().__init__(name="client%d" % idx, daemon=True)
        self.idx, self.pin, self.stop = idx, pin, stop
        self.rng = random.Random(SEED * 1000 + idx)
        self.c = wisd.client(timeout=ANSWER_BOUND_S)
        self.next_id = 1
        self.out = {}  # id -> (method, sent, check)
        self.seen = set()
        self.malformed = 0
        self.parse_errors = 0
        self.answers = 0
        self.errors = {}
        self.declared = None  # last acknowledged level of self.pin
        self.ambiguous = False  # last write unanswered (module may have it)
        self.set_inflight = False

    def send(self, method, params=None, check=None):
        rid = "%d-%d" % (self.idx, self.next_id)
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "method": method, "id": rid}
        if params is not None:
            msg["params"] = params
        self.out[rid] = (method, time.monotonic(), check)
        self.c.send(msg)

    def one_op(self):
        r = self.rng.random()
        if self.pin and r < 0.3 and not self.set_inflight:
            level = self.rng.randint(0, 1)
            self.set_inflight = True
            self.send("gpio.set", {"values": {self.pin: level}}, ("set", level))
        elif self.pin and r < 0.4:
            # Not gpio.get: on a pin a module reset has just released it
            # configures an input, which then refuses writes (see
            # docs/testing.md, "Soak").
            self.send("pin.state", {"pin": self.pin})
        elif r < 0.6:
            data = "%08x" % self.rng.getrandbits(32) * self.rng.randint(0, 8)
            self.send("system.ping", {"data": data}, ("echo", data))
        elif r < 0.7:
            self.send("system.uptime")
        elif r < 0.76:
            self.send("batch", {"steps": [{"method": "system.ping"},
                                          {"method": "system.uptime"}]})
        elif r < 0.82:
            self.send("adc.read", {"pins": "AIN0"})
        elif r < 0.87:
            self.send("daemon.status")
        elif r < 0.9:
            self.send("rpc.discover")
        elif r < 0.95:
            self.malformed += 1
            self.c.send_raw('{"jsonrpc":"2.0","method":\n')
        else:
            # A notification: run, never answered.
            self.c.send({"jsonrpc": "2.0", "method": "system.ping"})

    def handle(self, m):
        if isinstance(m, list):
            fail("client %d: a batch answer to a single request: %r" % (self.idx, m))
            return
        if "method" in m and "id" not in m:
            return  # a notification (this client does not subscribe)
        rid = m.get("id")
        if rid is None:
            if m.get("error", {}).get("code") == -32700:
                self.parse_errors += 1
            else:
                fail("client %d: answer with id null: %r" % (self.idx, m))
            return
        if rid in self.seen:
            fail("client %d: a second answer to %s: %r" % (self.idx, rid, m))
            return
        if rid not in self.out:
            fail("client %d: an answer to an id never sent: %r" % (self.idx, m))
            return
        method, _, check = self.out.pop(rid)
        self.seen.add(rid)
        self.answers += 1
        if ("result" in m) == ("error" in m):
            fail("client %d: %s: neither or both of result and error: %r" % (self.idx, method, m))
            return
        if "error" in m:
            code = m["error"].get("code")
            key = "%s %s" % (code, (m["error"].get("data") or {}).get("status", ""))
            self.errors[key] = self.errors.get(key, 0) + 1
            if code not in FAULT_ERRORS:
                fail("client %d: %s: error faults do not explain: %r" % (self.idx, method, m))
            if check and check[0] == "set":
                self.set_inflight = False
                self.ambiguous = True
            return
        if check and check[0] == "set":
            self.set_inflight = False
            self.declared, self.ambiguous = check[1], False
        elif check and check[0] == "echo" and m["result"].get("data") != check[1]:
            fail("client %d: ping echoed %r, sent %r" % (self.idx, m["result"], check[1]))

    def pump(self, timeout):
        line = self.c.recv_line(timeout)
        if line is None:
            return
        try:
            m = json.loads(line)
        except ValueError:
            fail("client %d: not JSON: %r" % (self.idx, line[:200]))
            return
        self.handle(m)

    def run(self):
        try:
            if self.pin:
                claim = self.c.call("claim", {"resources": "pin:" + self.pin})
                if claim.get("claimed") != ["pin:" + self.pin]:
                    fail("client %d: claim %r" % (self.idx, claim))
            while not self.stop.is_set() or self.out:
                while not self.stop.is_set() and len(self.out) < 4:
                    self.one_op()
                self.pump(0.05)
                now = time.monotonic()
                for rid, (method, sent, _) in list(self.out.items()):
                    if now - sent > ANSWER_BOUND_S:
                        fail("client %d: no answer to %s (%s) in %.0f s"
                             % (self.idx, rid, method, ANSWER_BOUND_S))
                        del self.out[rid]
            # Parse errors still in the socket after the last answer.
            end = time.monotonic() + 2
            while self.parse_errors < self.malformed and time.monotonic() < end:
                self.pump(0.1)
            if self.parse_errors != self.malformed:
                fail("client %d: %d malformed lines, %d parse errors"
                     % (self.idx, self.malformed, self.parse_errors))
        except Exception as e:  # noqa: BLE001 - report, do not hang the run
            fail("client %d: %s: %s" % (self.idx, type(e).__name__, e))

    def final_set(self):
        """Without faults: write the pin until acknowledged."""
        level = self.rng.randint(0, 1)
        for _ in range(5):
            r = self.c.call_raw("gpio.set", {"values": {self.pin: level}}, timeout=10)
            if "result" in r:
                self.declared, self.ambiguous = level, False
                return
        fail("client %d: final gpio.set %s never acknowledged: %r" % (self.idx, self.pin, r))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fault_schedule(sim, stop, rng, log):
    """Cycles through the faults, ~2.8 s each: every round fires each kind
    once, in a seeded order."""
    kinds = ["drop", "corrupt", "dup", "delay", "stall", "reset", "vanish", "mix", "none"]
    order = []
    while not stop.is_set():
        if not order:
            order = kinds[:]
            rng.shuffle(order)
        k = order.pop()
        if k in ("drop", "corrupt", "dup"):
            cmd = ["fault %s %g" % (k, rng.choice([1e-4, 3e-4, 1e-3]))]
        elif k == "delay":
            cmd = ["fault delay %g %d" % (rng.choice([1e-3, 5e-3]), rng.randint(5, 80))]
        elif k == "stall":
            cmd = ["fault stall %d" % rng.randint(50, 800)]
        elif k == "reset":
            cmd = ["reset"]
        elif k == "vanish":
            cmd = ["fault vanish %d" % rng.randint(100, 1500)]
        elif k == "mix":
            cmd = ["fault drop 1e-4", "fault corrupt 1e-4", "fault dup 1e-4",
                   "fault delay 1e-3 20"]
        else:
            cmd = []
        for c in cmd:
            reply = sim.ctl(c)
            if not reply.startswith("ok"):
                fail("sim control %r: %r" % (c, reply))
        log[k] = log.get(k, 0) + 1
        stop.wait(2.5)
        if sim.ctl("fault off").startswith("ok") is False:
            fail("fault off refused")
        stop.wait(0.3)


def sim_pin(sim, pin):
    """(mode, out) from the simulator's own view of the pin."""
    reply = sim.ctl("get " + pin)
    f = dict(w.split("=", 1) for w in reply.split() if "=" in w)
    return f.get("mode"), int(f.get("out", "-1"))


def wait_state_up(sub, after, timeout=15):
    """The device.state "up" notification (declared state re-applied)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        n = sub.notification("device.state", timeout=max(0.1, end - time.monotonic()))
        if n["params"]["state"] == "up" and time.monotonic() >= after:
            return n
    raise AssertionError("no device.state up")


def check_pins(sim, loads, what, skip_ambiguous):
    wrong = []
    for ld in loads:
        if ld.declared is None or (skip_ambiguous and ld.ambiguous):
            continue
        mode, out = sim_pin(sim, ld.pin)
        if mode != "output" or out != ld.declared:
            wrong.append("%s: module %s/%s, declared output/%d" % (ld.pin, mode, out, ld.declared))
    if wrong:
        fail("%s: pins differ from the declared state: %s" % (what, "; ".join(wrong)))
    return len(wrong)


def main():
    setup = W.Setup(sim_args=("--adc", "AIN0=1650", "--fault-seed", str(SEED)),
                    wisd_args=("--log-level", "warn", "--set", "timeout_ms=1000"))
    rng = random.Random(SEED)
    try:
        sub = setup.client(timeout=20)
        sub.call("subscribe", {"topics": ["device.state"]})
        stop = threading.Event()
        pin_loads = [Load(i, setup.wisd, p, stop) for i, p in enumerate(PINS)]
        loads = pin_loads + [Load(len(PINS) + i, setup.wisd, None, stop) for i in range(4)]
        for ld in loads:
            ld.start()
        fstop = threading.Event()
        log = {}
        faults = threading.Thread(target=fault_schedule, args=(setup.sim, fstop, rng, log),
                                  daemon=True)
        faults.start()
        pid = setup.wisd.p.pid
        t0 = time.monotonic()
        samples = []
        while time.monotonic() - t0 < SECONDS and not failures:
            time.sleep(1)
            samples.append((time.monotonic() - t0, rss_kib(pid)))
        fstop.set()
        faults.join(10)
        setup.sim.ctl("fault off")
        stop.set()
        for ld in loads:
            ld.join(ANSWER_BOUND_S + 10)
            if ld.is_alive():
                fail("%s did not finish" % ld.name)

        # After the faults: wait until the module is up with the state
        # re-applied (a reset or vanish may have been the last fault).
        after = time.monotonic()
        W.wait_for(lambda: setup.wisd.status()["device"]["state"] == "up", 20, 0.1,
                   "device up after the faults")
        time.sleep(1.0)  # a re-apply in progress finishes
        sub.notes.clear()
        n_amb = sum(1 for ld in pin_loads if ld.ambiguous)
        check_pins(setup.sim, pin_loads, "after the faults", True)

        # Each pin written once more without faults, then a clean reset:
        # every declared pin must be re-applied.
        for ld in pin_loads:
            ld.final_set()
        while sub.recv_line(0.2) is not None:  # notifications of the faults
            pass
        sub.notes.clear()
        after = time.monotonic()
        if setup.sim.ctl("reset") != "ok":
            fail("reset refused")
        wait_state_up(sub, after)
        check_pins(setup.sim, pin_loads, "after a reset", False)

        warm = [r for t, r in samples if t >= SECONDS * 0.25]
        early = [r for t, r in samples if SECONDS * 0.25 <= t < SECONDS * 0.5] or warm[:1]
        late = [r for t, r in samples if t >= SECONDS * 0.75] or warm[-1:]
        growth = max(late) - max(early) if early and late else 0
        answers = sum(ld.answers for ld in loads)
        errors = {}
        for ld in loads:
            for k, v in ld.errors.items():
                errors[k] = errors.get(k, 0) + v
        fstat = setup.sim.ctl("fault")
        print("soak: %.0f s, seed %d, %d clients: %d answers (%d malformed lines, each "
              "answered once), errors by code %s" % (
                  SECONDS, SEED, len(loads), answers, sum(ld.malformed for ld in loads),
                  dict(sorted(errors.items()))))
        print("soak: faults fired %s; simulator: %s" % (dict(sorted(log.items())), fstat))
        print("soak: %d pins left ambiguous by unanswered writes; wisd VmRSS %d KiB at start, "
              "max %d KiB in the second quarter, %d KiB in the last: growth %d KiB "
              "(bound %d)" % (n_amb, samples[0][1] if samples else 0, max(early or [0]),
                              max(late or [0]), growth, RSS_BOUND_KIB))
        if growth > RSS_BOUND_KIB:
            fail("wisd's memory grew by %d KiB after warm-up (bound %d)" % (growth, RSS_BOUND_KIB))
        if answers < 100 * SECONDS / 60:
            fail("only %d answers: the load did not run" % answers)
    except Exception as e:  # noqa: BLE001
        fail("%s: %s" % (type(e).__name__, e))
    finally:
        try:
            setup.close()
        except Exception as e:  # noqa: BLE001
            fail("stopping: %s" % e)
    if failures:
        print("soak: %d failures" % len(failures))
        return 1
    print("soak: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
