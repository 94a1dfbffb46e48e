"""Regression tests for the defects found while attacking wisd (issue 10,
defects 1-8 and 10).  Each failed before its fix; the permission classes,
TCP tokens and limits have their own files (test_security_classes.py,
test_security_limits.py)."""
import json
import os
import socket
import subprocess
import tempfile
import time

from wisdtest import WISD, Client, Setup, wait_for
from sectest import nfds, rss_below, tcp_setup


def test_half_closed_then_closed_subscribers_are_freed(env):
    """Defect 1: a quiet subscriber that half-closes and then closes must
    not keep its descriptor (wisd has nothing to send it)."""
    pid = env.wisd.p.pid
    env.client().call("system.ping")
    base = nfds(pid)
    subs = []
    for _ in range(50):
        c = Client(env.wisd.sock)
        c.call("subscribe", {"topics": "diag.event"})
        c.s.shutdown(socket.SHUT_WR)
        subs.append(c)
    wait_for(lambda: nfds(pid) >= base + 50, what="50 subscribers connected")
    time.sleep(0.3)  # wisd has seen every end of input and kept the subscribers
    assert nfds(pid) >= base + 50
    for c in subs:
        c.close()
    wait_for(lambda: nfds(pid) <= base, 5, 0.05, "descriptors back to the baseline")
    assert env.client().call("daemon.status")["clients"] == 2  # the two env.client()s


def test_half_closed_subscriber_still_gets_notifications(env):
    """The fix must keep what half-close is for: `echo subscribe | nc -U`."""
    c = Client(env.wisd.sock)
    c.call("subscribe", {"topics": "diag.event"})
    c.s.shutdown(socket.SHUT_WR)
    time.sleep(1.5)  # several sweeps of the dead-peer probe
    env.client().call("system.emit", {"count": 1, "len": 4})
    assert c.notification("diag.event", 5)["params"]["data"]
    c.close()


def test_browser_post_to_tcp_runs_nothing():
    """Defect 2: a cross-origin text/plain POST whose body holds JSON-RPC
    lines gets nothing executed: the connection is closed at its first line."""
    s, port, _ = tcp_setup()
    try:
        body = "".join(json.dumps(m) + "\n" for m in [
            {"jsonrpc": "2.0", "method": "claim", "params": {"resources": "IO3"}, "id": 1},
            {"jsonrpc": "2.0", "method": "gpio.set", "params": {"values": {"IO3": 1}}, "id": 2},
            {"jsonrpc": "2.0", "method": "system.reset", "params": {"mode": "bootloader"}, "id": 3}])
        req = ("POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: http://evil.example\r\n"
               "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (port, len(body), body))
        t = socket.create_connection(("127.0.0.1", port))
        t.sendall(req.encode())
        t.settimeout(5)
        assert t.recv(4096) == b""  # closed without a single byte answered
        t.close()
        u = s.client()
        assert u.call("pin.state", {"pin": "IO3"})["owner"] == "none"
        assert "claimed_by" not in {p["name"]: p for p in u.call("system.pins")["pins"]}["IO3"]
        assert u.call("daemon.status")["device"]["state"] == "up"
        assert "not a JSON-RPC request: closed" in s.wisd.logtext()
    finally:
        s.close()


def test_sw1_pullup_restored_after_reset(env):
    """Defect 3: a watch on SW1 made the module pull it up; after a module
    reset wisd must restore input_pullup, not input."""
    c = env.client()
    c.call("subscribe", {"topics": ["gpio.edge", "device.state"]})
    c.call("gpio.watch", {"pin": "SW1", "edge": "falling"})
    assert c.call("pin.state", {"pin": "SW1"})["mode"] == "input_pullup"
    c.call("system.reset", {"mode": "app"})
    assert c.notification("device.state", 5)["params"]["state"] == "reset"
    assert c.notification("device.state", 5)["params"]["state"] == "up"
    st = c.call("pin.state", {"pin": "SW1"})
    assert (st["mode"], st["edge"]) == ("input_pullup", "falling"), st
    env.sim.ctl("press SW1")
    assert c.notification("gpio.edge", 5)["params"]["pin"] == "SW1"
    env.sim.ctl("release SW1")


def test_watch_of_client_gone_before_answer_is_withdrawn(env):
    """Defect 4: the client disconnects while its gpio.watch waits behind
    a full device window; the watch must not stay (nor come back after a
    reset)."""
    c = Client(env.wisd.sock)
    lines = [{"jsonrpc": "2.0", "method": "system.delay", "params": {"delay_us": 300000}, "id": i}
             for i in range(20)]
    lines.append({"jsonrpc": "2.0", "method": "gpio.watch",
                  "params": {"pin": "IO2", "edge": "both"}, "id": 99})
    c.send_raw("".join(json.dumps(m) + "\n" for m in lines))
    time.sleep(0.05)
    c.close()
    o = env.client()
    o.call("subscribe", {"topics": "device.state"})
    wait_for(lambda: o.call("daemon.status")["inflight"] == 0, 5, 0.05, "the delays answered")
    time.sleep(0.1)
    assert o.call("pin.state", {"pin": "IO2"})["edge"] == "none"
    o.call("system.reset", {"mode": "app"})
    assert o.notification("device.state", 5)["params"]["state"] == "reset"
    assert o.notification("device.state", 5)["params"]["state"] == "up"
    assert o.call("pin.state", {"pin": "IO2"})["edge"] == "none"


def test_one_large_answer_is_an_error_not_a_drop(env):
    """Defect 5: a batch of many rpc.discover makes an answer above
    max_answer: the client gets an error answer per request and stays."""
    c = env.client()
    n = 300
    c.send([{"jsonrpc": "2.0", "method": "rpc.discover", "id": i} for i in range(n)])
    line = c.recv_line(20)
    assert line is not None and len(line) < 1 << 20
    r = json.loads(line)
    assert [x["id"] for x in r] == list(range(n))
    assert all(x["error"]["code"] == -32008 and "max_answer" in x["error"]["message"] for x in r)
    assert c.call("system.ping", {"data": "still here"}) == {"data": "still here"}
    rss_below(env.wisd.p.pid, 30)
    assert "dropped" not in env.wisd.logtext()


def test_get_of_claimed_unconfigured_pin_is_refused(env):
    """Defect 7: gpio.get by another client must not make a claimed, not
    yet configured pin an input."""
    a, b = env.client(), env.client()
    a.call("claim", {"resources": "IO3"})
    e = b.error("gpio.get", {"pins": "IO3"})
    assert e["code"] == -32003 and "pin:IO3" in e["message"], e
    assert a.call("pin.state", {"pin": "IO3"})["owner"] == "none"
    # Once the owner configured it, reading it is open again.
    a.call("gpio.mode", {"pin": "IO3", "mode": "output", "initial": 1})
    assert b.call("gpio.get", {"pins": "IO3"}) == {"IO3": 1}
    assert a.call("gpio.get", {"pins": "IO4"}) == {"IO4": 0}


def test_utf8_strictness(env):
    """Defect 8: overlong, surrogate and beyond-U+10FFFF UTF-8 is refused."""
    c = env.client()
    for bad in (b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80",
                b"\xc3", b"\x80"):
        c.send_raw(b'{"jsonrpc":"2.0","method":"system.ping","params":{"data":"' + bad + b'"},"id":1}\n')
        line = c.recv_line()
        line.decode("utf-8")  # wisd never sends invalid UTF-8
        r = json.loads(line)
        assert r["error"]["code"] == -32700 and r["id"] is None, (bad, r)
    good = "é€😀"
    assert c.call("system.ping", {"data": good}) == {"data": good}


def test_ids_are_echoed_exactly(env):
    c = env.client()
    for raw in ('"\\ud800"', '-0', '1.50', '"a\\/b\\u00e9"', '1e2', '"\\ud83d\\ude00"', '-0.0'):
        c.send_raw('{"jsonrpc":"2.0","method":"system.ping","id":%s}\n' % raw)
        line = c.recv_line().decode()
        assert line.endswith('"id":%s}' % raw), (raw, line)
    c.send_raw('[{"jsonrpc":"2.0","method":"system.ping","id":-0},'
               '{"jsonrpc":"2.0","method":"nope","id":"\\u0041"}]\n')
    line = c.recv_line().decode()
    assert '"id":-0}' in line and '"id":"\\u0041"}' in line, line


def test_nul_in_batch_step_method(env):
    c = env.client()
    e = c.error("batch", {"steps": [{"method": "system.ping\u0000zz"}]})
    assert e["code"] == -32602 and "is not a method" in e["message"], e
    c.send_raw('{"jsonrpc":"2.0","method":"system.ping\\u0000zz","id":7}\n')
    assert c.recv()["error"]["code"] == -32601


def test_sim_socket_path_too_long_for_its_control_is_refused():
    """Defect 10: the embedded simulator's control socket is the socket
    path plus ".sim"; a path of 104..107 bytes must be refused at start."""
    with tempfile.TemporaryDirectory(prefix="wisd-test-") as tmp:
        for n in (104, 107):
            sock = tmp + "/" + "s" * (n - len(tmp) - 1)
            assert len(sock) == n
            r = subprocess.run([WISD, "--device", "sim", "--socket", sock], capture_output=True,
                               text=True, timeout=10)
            assert r.returncode != 0 and "too long" in r.stderr, r
            assert not os.path.exists(sock)
