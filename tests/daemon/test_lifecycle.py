"""wisd's life: the module going away and coming back (state re-applied,
device.state events, immediate errors meanwhile), a module reset, SIGHUP,
SIGTERM with calls in flight, the socket's mode, stale and live socket
files, and the embedded simulator (--device sim)."""
import os
import signal
import socket
import stat
import subprocess
import tempfile
import time

from wisdtest import WISD, Client, Wisd, wait_for, wisctl


def try_connect(path):
    try:
        return Client(path)
    except OSError:
        return None


def declare_state(c):
    c.call("gpio.mode", {"pin": "LED1", "mode": "output", "initial": 1})
    c.call("gpio.set", {"values": {"LED2": 1}})
    c.call("gpio.mode", {"pin": "IO1", "mode": "output", "initial": 0})
    c.call("gpio.watch", {"pin": "IO2", "edge": "both", "debounce_us": 0})
    c.call("gpio.mode", {"pin": "IO3", "mode": "input_pullup"})


def check_state(c):
    s = c.call("pin.state", {"pin": "LED1"})
    assert (s["mode"], s["level"]) == ("output", 1), s
    s = c.call("pin.state", {"pin": "LED2"})
    assert (s["mode"], s["level"]) == ("output", 1), s
    assert c.call("pin.state", {"pin": "IO2"})["edge"] == "both"
    assert c.call("pin.state", {"pin": "IO3"})["mode"] == "input_pullup"


def test_sim_killed_and_restarted(env):
    c = env.client()
    watcher = env.client()
    watcher.call("subscribe", {"topics": ["device.state", "gpio.edge"]})
    declare_state(c)
    env.sim.kill(signal.SIGKILL)
    n = watcher.notification("device.state", 5)["params"]
    assert n["state"] == "down"
    # The reason names the link, not libuv's EBADF for a hang-up.
    assert "bad file descriptor" not in n["reason"], n
    # While the module is away requests fail at once, with a clear error.
    t0 = time.monotonic()
    e = c.error("gpio.get", {"pins": "IO1"})
    assert e["code"] == -32001 and time.monotonic() - t0 < 0.5
    assert env.sim.ctl is not None
    env.restart_sim()
    states = []
    while "up" not in states:
        states.append(watcher.notification("device.state", 10)["params"]["state"])
    assert states == ["connected", "up"]
    check_state(c)
    # Watches are live again: an edge on IO1 reaches the subscriber.
    c.call("gpio.set", {"values": {"IO1": 1}})
    e = watcher.notification("gpio.edge")["params"]
    assert (e["pin"], e["edge"]) == ("IO2", "rising")
    assert c.call("daemon.status")["device"]["connects"] == 2


def test_silent_module_times_out(env):
    # A module that stops answering (stopped, wedged) must not leave
    # requests waiting: each gets -32002 after timeout_ms (2 s), even though
    # nothing else happens on the loop meanwhile.
    # More requests than the device window (16): those waiting for room
    # count their timeout from the request too, not one window-wave after
    # another (100 requests would take 7 timeouts).
    c = env.client()
    env.sim.p.send_signal(signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        n = 100
        c.send_raw("".join('{"jsonrpc":"2.0","method":"gpio.get","params":{"pins":"IO1"},'
                           '"id":%d}\n' % i for i in range(n)))
        got = set()
        while len(got) < n:
            r = c.recv(6)
            assert r is not None, "only %d answers" % len(got)
            assert r["error"]["code"] == -32002, r
            assert r["error"]["data"]["status"] == "TIMEOUT"
            got.add(r["id"])
        assert time.monotonic() - t0 < 4
    finally:
        env.sim.p.send_signal(signal.SIGCONT)
    # Woken, the module first answers the backlog wisd gave up on; under a
    # loaded CI machine (valgrind, ASan) its window may still be full of
    # those answers for a moment: BUSY then, and the ping goes through soon.
    wait_for(lambda: c.call_raw("system.ping", {"data": "back"}).get("result") == {"data": "back"},
             what="the module answering again")


def test_module_reset_reapplies_state(env):
    c = env.client()
    w = env.client()
    w.call("subscribe", {"topics": "device.state"})
    declare_state(c)
    c.call("system.reset", {"mode": "app"})
    assert w.notification("device.state", 5)["params"]["state"] == "reset"
    assert w.notification("device.state", 5)["params"]["state"] == "up"
    check_state(c)


def test_release_forgets_state(env):
    c = env.client()
    # IO3: LED1 and LED2 are outputs again after any reset (the module's
    # default), whatever was released.
    c.call("gpio.mode", {"pin": "IO3", "mode": "output", "initial": 1})
    c.call("pin.release", {"pin": "IO3"})
    w = env.client()
    w.call("subscribe", {"topics": "device.state"})
    c.call("system.reset")
    assert w.notification("device.state", 5)["params"]["state"] == "reset"
    assert w.notification("device.state", 5)["params"]["state"] == "up"
    assert c.call("pin.state", {"pin": "IO3"})["owner"] == "none"


def test_sighup_reopens(env):
    c = env.client()
    c.call("subscribe", {"topics": "device.state"})
    env.wisd.p.send_signal(signal.SIGHUP)
    states = [c.notification("device.state", 5)["params"]["state"] for _ in range(3)]
    assert states == ["down", "connected", "up"]
    assert c.call("system.ping") == {"data": ""}


def test_sigterm_answers_requests_in_flight(env):
    c = env.client()
    n = 300
    c.send_raw("".join('{"jsonrpc":"2.0","method":"pin.state","params":{"pin":"IO%d"},"id":%d}\n'
                       % (1 + i % 7, i) for i in range(n)))
    wait_for(lambda: "client" in env.wisd.logtext(), what="request read")
    time.sleep(0.01)
    env.wisd.p.send_signal(signal.SIGTERM)
    got = set()
    try:
        while True:
            r = c.recv(5)
            if r is None:
                break
            assert "result" in r or r["error"]["code"] == -32005, r
            got.add(r["id"])
    except EOFError:
        pass
    assert got == set(range(n))
    assert env.wisd.p.wait(10) == 0
    assert not os.path.exists(env.wisd.sock)


def test_sigterm_with_a_silent_module_answers_everything(env):
    # The module stops answering: after the 5 s grace every request taken
    # from the client still gets an answer (timeout, cancelled, or shutting
    # down for those never sent), none is silently dropped.
    c = env.client()
    env.sim.p.send_signal(signal.SIGSTOP)
    try:
        n = 100
        c.send_raw("".join('{"jsonrpc":"2.0","method":"gpio.get","params":{"pins":"IO1"},'
                           '"id":%d}\n' % i for i in range(n)))
        time.sleep(0.2)
        env.wisd.p.send_signal(signal.SIGTERM)
        got = {}
        try:
            while True:
                r = c.recv(8)
                if r is None:
                    break
                got[r["id"]] = r["error"]["code"]
        except EOFError:
            pass
        assert set(got) == set(range(n)), sorted(set(range(n)) - set(got))
        assert set(got.values()) <= {-32001, -32002, -32005}, got
        assert env.wisd.p.wait(10) == 0
    finally:
        env.sim.p.send_signal(signal.SIGCONT)


def test_socket_mode_stale_and_live_socket():
    with tempfile.TemporaryDirectory(prefix="wisd-test-") as tmp:
        path = os.path.join(tmp, "wisd.sock")
        # A socket file nobody answers on is removed at start.
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        s.close()
        w = Wisd(tmp, "sim", wait_up=True)
        try:
            assert stat.S_IMODE(os.stat(w.sock).st_mode) == 0o660
            assert "removing stale socket" in w.logtext()
            # A second daemon on the same socket refuses to start and
            # leaves the first one's socket alone.
            r = subprocess.run([WISD, "--device", "sim", "--socket", w.sock], capture_output=True,
                               text=True, timeout=10)
            assert r.returncode != 0 and "already serving" in r.stderr
            assert Client(w.sock).call("system.ping") == {"data": ""}
        finally:
            rc = w.stop()
        assert rc == 0
        # A regular file in the way is not removed.
        with open(path, "w") as f:
            f.write("not a socket")
        r = subprocess.run([WISD, "--device", "sim", "--socket", path], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode != 0 and "not a socket" in r.stderr
        assert os.path.exists(path)


def test_embedded_sim_and_wisctl(tmp_path):
    w = Wisd(str(tmp_path), "sim", args=("--sim-args", "--wire IO1:IO2"))
    try:
        info = w.client().call("system.info")
        assert info["simulated"] and info["board"] == "RAK4631"
        r = wisctl(w.sock, "gpio", "set", "IO1=1")
        assert r.returncode == 0, r.stderr
        r = wisctl(w.sock, "gpio", "get", "IO2")
        assert r.stdout == "IO2=1\n"
        ctl = w.client().call("daemon.status")["device"]["sim_control"]
        assert os.path.exists(ctl)
    finally:
        rc = w.stop()
    assert rc == 0
    assert not os.path.exists(w.sock)


def test_device_absent_at_start(tmp_path):
    w = Wisd(str(tmp_path), str(tmp_path / "no-such-tty"), wait_up=False)
    try:
        c = w.client()
        e = c.error("system.ping")
        assert e["code"] == -32001
        st = c.call("daemon.status")["device"]
        assert st["state"] in ("down", "opening") and "no-such-tty" in st.get("last_error", "no-such-tty")
        r = wisctl(w.sock, "info")
        assert r.returncode == 3 and r.stderr.count("\n") == 1
    finally:
        rc = w.stop()
    assert rc == 0


def test_config_file_and_group(env):
    import grp
    tmp = env.tmp
    group = grp.getgrgid(os.getgid()).gr_name
    conf = os.path.join(tmp, "wisd.conf")
    with open(conf, "w") as f:
        f.write("# test config\n"
                "device = %s\n"
                "socket = %s/conf.sock   # trailing comment\n"
                "group = %s\n"
                "log_level = debug\n"
                "pin.LED1 = output 1\n"
                "pin.io3 = input_pullup\n" % (env.sim.link, tmp, group))
    env.wisd.stop()  # the module is used by the config-file daemon below
    p = subprocess.Popen([WISD, "--config", conf], stderr=subprocess.PIPE, text=True)
    try:
        sock = os.path.join(tmp, "conf.sock")
        c = wait_for(lambda: try_connect(sock), what="socket from the config file")
        wait_for(lambda: c.call("daemon.status")["device"]["state"] == "up", what="up")
        wait_for(lambda: c.call("pin.state", {"pin": "LED1"})["mode"] == "output", what="LED1 set")
        s = c.call("pin.state", {"pin": "LED1"})
        assert (s["mode"], s["level"]) == ("output", 1)
        assert c.call("pin.state", {"pin": "IO3"})["mode"] == "input_pullup"
        assert os.stat(sock).st_gid == os.getgid()
        c.close()
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0
        p.stderr.close()
    with open(conf, "a") as f:
        f.write("bogus_key = 1\n")
    r = subprocess.run([WISD, "--config", conf], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "wisd.conf:8: unknown setting 'bogus_key'" in r.stderr
    r = subprocess.run([WISD, "--set", "max_line=5"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "max_line" in r.stderr
    r = subprocess.run([WISD, "--bogus"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2


def test_embedded_sim_restarted_after_crash(tmp_path):
    w = Wisd(str(tmp_path), "sim")
    try:
        c = w.client()
        c.call("subscribe", {"topics": "device.state"})
        c.call("gpio.mode", {"pin": "LED3", "mode": "output", "initial": 1})
        pid = c.call("daemon.status")["device"]["sim_pid"]
        os.kill(pid, signal.SIGKILL)
        states = []
        while "up" not in states:
            states.append(c.notification("device.state", 10)["params"]["state"])
        assert states[0] == "down" and states[-2:] == ["connected", "up"]
        assert c.call("daemon.status")["device"]["sim_pid"] not in (0, pid)
        s = c.call("pin.state", {"pin": "LED3"})
        assert (s["mode"], s["level"]) == ("output", 1)
    finally:
        assert w.stop() == 0


def test_auto_without_module(tmp_path):
    w = Wisd(str(tmp_path), "auto", args=("--set", "rescan_ms=200"), wait_up=False)
    try:
        c = w.client()
        st = wait_for(lambda: c.call("daemon.status")["device"].get("last_error"), what="scan")
        assert "no module found" in st
        assert c.error("gpio.get", {"pins": "IO1"})["code"] == -32001
    finally:
        assert w.stop() == 0


def test_bad_settings_refused_at_start(tmp_path):
    # Every bad setting stops the start with exit 2 and one line naming it,
    # before any socket is created; nothing is half-parsed ("80abc" as 80).
    def start(*args):
        return subprocess.run([WISD, "--device", "sim", *args], capture_output=True, text=True,
                              timeout=10)
    sock = str(tmp_path / "w.sock")
    for tcp, why in (("80abc", "port must be"), ("127.0.0.1:81x", "port must be"),
                     ("0", "port must be"), ("localhost:8080", "not a numeric"),
                     ("1.2.3.4.5:80", "not a numeric"), (":80", "expected PORT")):
        r = start("--socket", sock, "--tcp", tcp)
        assert r.returncode == 2 and why in r.stderr and r.stderr.count("\n") == 1, (tcp, r)
        assert not os.path.exists(sock)
    conf = tmp_path / "bad.conf"
    conf.write_text("tcp = 8080abc\n")
    r = start("--config", str(conf), "--socket", sock)
    assert r.returncode == 2 and "bad.conf:1: tcp '8080abc'" in r.stderr, r.stderr
    conf.write_text("pin.LED1 = output 1 extra\n")
    r = start("--config", str(conf), "--socket", sock)
    assert r.returncode == 2 and "bad.conf:1: pin.LED1" in r.stderr, r.stderr
    r = start("--set", "socket=")
    assert r.returncode == 2 and "socket: empty path" in r.stderr
    r = start("--socket", "/tmp/" + "x" * 110)
    assert r.returncode == 2 and "longer than 107 bytes" in r.stderr
    # libuv says "permission denied" for a missing directory: wisd says what is wrong.
    r = start("--socket", str(tmp_path / "no-dir" / "w.sock"))
    assert r.returncode == 1 and "No such file or directory" in r.stderr, r.stderr


def test_stopping_wisd_leaves_a_successors_socket(tmp_path):
    # The socket file was deleted under a running wisd and a second wisd
    # now serves the same path: stopping the first must not remove it.
    a = Wisd(str(tmp_path), "sim", name="a")
    try:
        os.unlink(a.sock)
        b = subprocess.Popen([WISD, "--device", "sim", "--socket", a.sock],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            c = wait_for(lambda: try_connect(a.sock), what="second wisd")
            c.close()
            assert a.stop() == 0
            assert os.path.exists(a.sock)
            # The second wisd listens before its simulator is up: wait for
            # the device, then check the socket really is the second's.
            def device_up():
                c = Client(a.sock)
                try:
                    return c.call("daemon.status")["device"]["state"] == "up"
                finally:
                    c.close()
            wait_for(device_up, timeout=15, what="second wisd's device")
            assert Client(a.sock).call("system.ping") == {"data": ""}
        finally:
            b.send_signal(signal.SIGTERM)
            assert b.wait(10) == 0
    finally:
        a.stop()


def test_requests_lost_in_a_module_reset(env):
    """Requests the module's old boot took with it in a reset are answered
    -32001 with data.status RESET as soon as wisd has seen the reset (the
    library's HELD barrier, lib/reset.c), not -32002 at their timeout: quick
    ones and a long system.delay alike.  A system.delay sent after the reset
    but before wisd saw it reaches the new boot, which holds it: it is
    answered normally.  The module then answers as before."""
    c = env.client()
    w = env.client()
    w.call("subscribe", {"topics": "device.state"})
    assert env.sim.ctl("fault stall 20000").startswith("ok")
    ids = [c.request("gpio.get", {"pins": ["IO1"]}) for _ in range(4)]
    # A long operation: wisd waits 1 s plus its 3 s delay for it.
    lost_delay = c.request("system.delay", {"delay_us": 3000000})
    time.sleep(0.2)  # in the pty, where the stalled module does not read
    assert env.sim.ctl("reset").startswith("ok")
    # The new boot's RESET event waits behind the stall: this one reaches it.
    kept_delay = c.request("system.delay", {"delay_us": 200000})
    time.sleep(0.2)
    t0 = time.monotonic()
    assert env.sim.ctl("fault off").startswith("ok")
    got = responses_any_order(c, ids + [lost_delay, kept_delay], 6)
    for rid in ids + [lost_delay]:
        r, at = got[rid]
        assert "error" in r, r
        e = r["error"]
        assert e["code"] == -32001 and e["data"]["status"] == "RESET", e
        assert "the module reset before answering" in e["message"], e
        assert at - t0 < 0.9, at - t0  # wisd's call timeout is 1 s: not a timeout
    r, at = got[kept_delay]
    assert "uptime_us" in r.get("result", {}), r
    assert 0.2 <= at - t0 < 0.9, at - t0
    assert w.notification("device.state", 5)["params"]["state"] == "reset"
    assert c.call("system.ping", {"data": "after"}) == {"data": "after"}


def responses_any_order(c, rids, timeout):
    """{id: (response, when it came)} for each of rids, in whatever order."""
    got = {}
    end = time.monotonic() + timeout
    while len(got) < len(rids):
        m = c.recv(max(0.0, end - time.monotonic()))
        assert m is not None, "no response to %r" % (set(rids) - set(got),)
        if "method" in m and "id" not in m:
            c.notes.append(m)
            continue
        got[m["id"]] = (m, time.monotonic())
    return got
