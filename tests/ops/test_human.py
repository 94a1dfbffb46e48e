"""wisctl's human output: status as lines, event times as local time with
µs, reset causes by name; --json unchanged.  The permission hint points to
the socket's group; wisd warns about --tcp beyond loopback."""
import datetime
import json
import os
import re
import subprocess
import tempfile
import threading
import time

import pytest

from wisdtest import WISCTL, WISD, wisctl

LOCAL = r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})"


def run(env, *args, **kw):
    return wisctl(env.wisd.sock, *args, **kw)


def ok(r):
    assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
    return r.stdout


def test_status_lines_and_json_unchanged(env):
    j = json.loads(ok(run(env, "--json", "status")))
    out = ok(run(env, "status"))
    lines = dict(l.split(": ", 1) for l in out.splitlines())
    assert lines["device.state"] == "up" and lines["device.path"] == j["device"]["path"]
    assert lines["clients"] == str(j["clients"]) and lines["version"] == j["version"]
    assert lines["components"] == ", ".join(j["components"])
    assert "{" not in out, out
    # --json: the method's result, one line, exactly as before
    raw = env.client().call("daemon.status")
    assert set(j) == set(raw) and j["device"].keys() == raw["device"].keys()


def local(ts):
    return datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%dT%H:%M:%S.%f")


def test_edge_time_is_local_with_microseconds(env):
    def press():
        time.sleep(0.5)
        env.sim.ctl("press SW1")
    t = threading.Thread(target=press)
    t.start()
    before = time.time()
    out = ok(run(env, "gpio", "watch", "SW1", "--count", "1", timeout=15))
    t.join()
    m = re.fullmatch(r"SW1=0 falling " + LOCAL + r"\n", out)
    assert m, out
    # the local clock's rendering of an instant within this test
    assert local(before) <= m.group(1) <= local(time.time() + 1), (m.group(1), local(before))
    # JSON keeps the number
    env.sim.ctl("release SW1")
    t = threading.Thread(target=press)
    t.start()
    j = json.loads(ok(run(env, "--json", "gpio", "watch", "SW1", "--count", "1", timeout=15)))
    t.join()
    assert isinstance(j["time"], float) and j["edge"] == "falling"


def test_subscribe_lines_with_reset_cause_by_name(env):
    p = subprocess.Popen([WISCTL, "--socket", env.wisd.sock, "subscribe", "device.state",
                          "--count", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(0.4)
    env.client().call("system.reset")
    out, err = p.communicate(timeout=15)
    assert p.returncode == 0 and err == "", err
    lines = out.splitlines()
    # wisd's notifications carry no module time ("-"); the cause by name
    assert re.match(r'- device\.state state=reset path=\S+ reason="module reset \(cause request\)"',
                    lines[0]), out
    assert re.match(r"- device\.state state=up ", lines[1]), out
    assert "{" not in out


def test_direct_reset_event_time_and_cause(env):
    # With --device the module's own RESET event comes through: its time as
    # local time, the cause by name (the JSON keeps the number).
    env.wisd.stop()
    p = subprocess.Popen([WISCTL, "--device", env.sim.link, "subscribe", "device.state",
                          "--count", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(0.8)
    env.sim.ctl("reset")
    out, err = p.communicate(timeout=15)
    env.wisd = type(env.wisd)(env.tmp, env.sim.link)  # for the fixture's close
    assert p.returncode == 0, err
    assert re.fullmatch(r"(" + LOCAL + r"|-) device\.state state=reset cause=\w+ seq=\d+ lost=\d+ "
                        r"device_us=\d+\n", out), out
    assert "cause=power_on" in out or "cause=request" in out or "cause=pin" in out, out


def test_permission_hint_names_the_group(env):
    if os.geteuid() != 0:
        pytest.skip("needs root to run wisctl as another user")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        sock = os.path.join(tmp, "w.sock")
        p = subprocess.Popen([WISD, "--device", env.sim.link, "--socket", sock, "--group",
                              "dialout"], stderr=subprocess.DEVNULL)
        try:
            env.wisd.stop()  # the module is used by this wisd now
            deadline = time.monotonic() + 10
            while not os.path.exists(sock) and time.monotonic() < deadline:
                time.sleep(0.05)
            r = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534",
                                "--clear-groups", WISCTL, "--socket", sock, "info"],
                               capture_output=True, text=True, timeout=10)
        finally:
            p.terminate()
            p.wait(10)
    assert r.returncode == 3, r
    assert "permission denied: add yourself to group dialout" in r.stderr, r.stderr
    assert "is wisd running" not in r.stderr
    # a socket that is not there still asks whether wisd runs
    r = wisctl("/nonexistent/wisd.sock", "info")
    assert r.returncode == 3 and "is wisd running" in r.stderr


def test_tcp_beyond_loopback_warns():
    # 192.0.2.1 (TEST-NET-1) is on no interface: the bind fails after the
    # warning, so nothing listens beyond loopback during the test.
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([WISD, "--device", "/nonexistent", "--socket", tmp + "/s",
                            "--tcp", "192.0.2.1:7565"], capture_output=True, text=True,
                           timeout=10)
    assert "--tcp 192.0.2.1: listening on a non-loopback address" in r.stderr, r.stderr
    assert r.returncode != 0


def test_tcp_on_loopback_does_not_warn(env):
    log = env.wisd.logtext()
    assert "non-loopback" not in log
