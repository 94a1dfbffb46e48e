"""wisrpc-sim's fault injection (firmware/sim/sim_fault.c), each kind on its
own: what the host sees through wisd, the simulator's counters, the options'
checks, and that a seed gives the same faults for the same bytes.  The soak
test (soak.py) then runs them all under load."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
import wisdtest as W  # noqa: E402


def counters(sim):
    reply = sim.ctl("fault")
    assert reply.startswith("ok "), reply
    return dict(w.split("=", 1) for w in reply.split()[1:])


def ping_ms(c, timeout=10):
    t = time.monotonic()
    r = c.call_raw("system.ping", {"data": "x" * 16}, timeout=timeout)
    return r, (time.monotonic() - t) * 1000


def setup():
    return W.Setup(sim_args=("--fault-seed", "3"), wisd_args=("--set", "timeout_ms=500"))


def test_help_and_option_checks():
    out = subprocess.run([W.SIM, "--help"], capture_output=True, text=True).stdout
    for word in ("--fault SPEC", "--fault-seed N", "fault stall MS", "fault vanish MS",
                 "fault delay RATE MS"):
        assert word in out, word
    for bad in (["--fault", "drop=2"], ["--fault", "bogus=0.1"], ["--fault", "delay=0.1"],
                ["--fault", "drop=0.1:5"], ["--fault-seed", "-1"]):
        p = subprocess.run([W.SIM, *bad], capture_output=True, text=True, timeout=5)
        assert p.returncode == 2 and "wisrpc-sim: --fault" in p.stderr, (bad, p.stderr)


def test_drop_corrupt_dup_then_off():
    s = setup()
    try:
        c = s.client()
        sim_stats0 = s.sim.ctl("stats")
        for kind in ("drop", "corrupt", "dup"):
            assert s.sim.ctl("fault %s 1" % kind).startswith("ok")
            r, _ = ping_ms(c)
            # Every byte hit: no frame survives, wisd answers TIMEOUT.
            assert r["error"]["code"] == -32002, (kind, r)
            assert s.sim.ctl("fault off").startswith("ok")
            W.wait_for(lambda: "result" in ping_ms(c)[0], 10, 0.1, "ping after " + kind)
        f = counters(s.sim)
        assert int(f["dropped"]) > 0 and int(f["corrupted"]) > 0 and int(f["duplicated"]) > 0
        # The module counted the damage it received as link errors.
        assert s.sim.ctl("stats") != sim_stats0
        st = dict(w.split("=", 1) for w in s.sim.ctl("stats").split()[1:])
        assert int(st["crc_errors"]) + int(st["cobs_errors"]) + int(st["runts"]) > 0, st
    finally:
        s.close()


def test_delay_and_stall_hold_the_link():
    s = setup()
    try:
        c = s.client()
        assert "result" in ping_ms(c)[0]
        assert s.sim.ctl("fault delay 1 60").startswith("ok")
        r, ms = ping_ms(c)
        # Held at least 60 ms each way, well within the 500 ms timeout.
        assert "result" in r and 120 <= ms < 450, (r, ms)
        assert int(counters(s.sim)["delayed"]) > 0
        assert s.sim.ctl("fault off").startswith("ok")
        assert s.sim.ctl("fault stall 300") == "ok stalled for 300 ms"
        r, ms = ping_ms(c)
        assert "result" in r and 280 <= ms < 450, (r, ms)
        assert counters(s.sim)["stalls"] == "1"
    finally:
        s.close()


def test_vanish_and_come_back():
    s = setup()
    try:
        c = s.client()
        c.call("subscribe", {"topics": ["device.state"]})
        assert s.sim.ctl("fault vanish 800") == "ok gone for 800 ms"
        assert s.sim.ctl("fault vanish 800") == "error already gone"
        assert not os.path.exists(s.sim.link)  # the device node went away
        assert c.notification("device.state")["params"]["state"] == "down"
        r = c.call_raw("system.ping")
        assert r["error"]["code"] == -32001, r
        W.wait_for(lambda: os.path.exists(s.sim.link), 5, 0.05, "link back")
        s.wisd.wait_up()
        assert s.wisd.status()["device"]["connects"] == 2
        assert "result" in ping_ms(c)[0]
        f = counters(s.sim)
        assert f["vanished"] == "1" and f["gone"] == "no"
    finally:
        s.close()


def drops_for(seed, nbytes=20000):
    """Feeds fixed bytes to a simulator with 10 % drops; its drop count."""
    with tempfile.TemporaryDirectory(prefix="simfault-") as tmp:
        sim = W.Sim(tmp, ("--fault", "drop=0.1", "--fault-seed", str(seed)))
        try:
            fd = os.open(sim.link, os.O_RDWR | os.O_NOCTTY)
            try:
                data = bytes((i * 7 + 1) % 255 + 1 for i in range(nbytes))  # no 0x00
                for i in range(0, nbytes, 1000):
                    os.write(fd, data[i:i + 1000])
                W.wait_for(lambda: int(counters(sim)["dropped"]) > 0, 5, 0.05, "drops")
                time.sleep(0.3)
                return int(counters(sim)["dropped"])
            finally:
                os.close(fd)
        finally:
            sim.kill()


def test_same_seed_same_faults():
    a, b, other = drops_for(5), drops_for(5), drops_for(6)
    assert a == b, (a, b)
    assert a != other, (a, other)
    assert 1500 < a < 2500  # about 10 % of 20000
