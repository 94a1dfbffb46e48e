"""Permission classes (issue 10): Unix peers get theirs from credentials
(root and wisd's user admin, admin_group, control_group, else unix_class),
TCP clients from the token in tcp_token_file given by rpc.auth first.
Other users are run with setpriv under numeric ids (nobody/nogroup and
groups that exist on any Debian system), so nothing is created."""
import grp
import json
import os
import socket
import subprocess
import tempfile
import time

from wisdtest import WISD, Client, Setup
from sectest import NOBODY, as_user, open_to_all, tcp_setup, token_file

DIALOUT = grp.getgrnam("dialout").gr_gid  # control_group in these tests (by number)
CDROM = "cdrom"                           # admin_group (by name)


def refused(answer, needed):
    e = answer["error"]
    assert e["code"] == -32007 and e["data"]["needed"] == needed, answer
    assert "needs permission class " + needed in e["message"], answer
    return e


def setup(*extra):
    s = Setup(wisd_args=("--set", "control_group=%d" % DIALOUT, "--set", "admin_group=" + CDROM,
                         *extra))
    open_to_all(s)
    return s


def test_read_class_for_other_users():
    s = setup()
    try:
        a = as_user(s, [{"method": "rpc.auth"},
                        {"method": "system.ping", "params": {"data": "r"}},
                        {"method": "gpio.get", "params": {"pins": "IO4"}},
                        {"method": "adc.read", "params": {"pins": "AIN0"}},
                        {"method": "daemon.status"},
                        {"method": "gpio.set", "params": {"values": {"IO3": 1}}},
                        {"method": "claim", "params": {"resources": "IO3"}},
                        {"method": "system.reset"},
                        {"method": "flash.erase", "params": {"addr": 0, "len": 4096}},
                        {"method": "subscribe", "params": {"topics": "log"}},
                        {"method": "batch", "params": {"steps": [
                            {"method": "system.ping"},
                            {"method": "gpio.set", "params": {"values": {"IO3": 1}}}]}}])
        assert a[0]["result"] == {"class": "read"}
        assert a[1]["result"] == {"data": "r"}
        assert a[2]["result"] == {"IO4": 0}
        assert 1500 < a[3]["result"]["AIN0"]["millivolts"] < 1800
        assert "uid 65534" in json.dumps(s.wisd.logtext())
        refused(a[5], "control")
        refused(a[6], "control")
        refused(a[7], "admin")
        refused(a[8], "admin")
        e = refused(a[9], "admin")
        assert "topic log" in e["message"]
        e = refused(a[10], "control")
        assert "GPIO_WRITE" in e["message"]
        # Nothing of the refused calls ran.
        c = s.client()
        assert c.call("pin.state", {"pin": "IO3"})["owner"] == "none"
        # The root test process is admin.
        assert c.call("rpc.auth") == {"class": "admin"}
    finally:
        s.close()


def test_control_by_group_admin_by_group_name():
    s = setup()
    try:
        ctl = [{"method": "rpc.auth"},
               {"method": "gpio.set", "params": {"values": {"IO3": 1}}},
               {"method": "claim", "params": {"resources": "IO5"}},
               {"method": "flash.erase", "params": {"addr": 0, "len": 4096}},
               {"method": "system.reset"}]
        # Supplementary group, then primary group: both count.
        for kw in ({"groups": [DIALOUT]}, {"gid": DIALOUT}):
            a = as_user(s, ctl, **kw)
            assert a[0]["result"] == {"class": "control"}, a
            assert a[1]["result"] == {"IO3": 1} and "result" in a[2]
            refused(a[3], "admin")
            refused(a[4], "admin")
        cdrom = grp.getgrnam(CDROM).gr_gid
        a = as_user(s, [{"method": "rpc.auth"},
                        {"method": "flash.erase", "params": {"addr": 0, "len": 4096}}],
                    groups=[DIALOUT, cdrom])
        assert a[0]["result"] == {"class": "admin"} and "result" in a[1], a
    finally:
        s.close()


def test_unix_class_setting():
    s = setup("--set", "unix_class=control")
    try:
        a = as_user(s, [{"method": "rpc.auth"}, {"method": "system.reset"}])
        assert a[0]["result"] == {"class": "control"}
        refused(a[1], "admin")
    finally:
        s.close()


def test_pins_hide_pids_from_non_admin():
    s = setup()
    try:
        c = s.client()
        c.call("claim", {"resources": "IO6"})
        a = as_user(s, [{"method": "system.pins"}])
        p = {x["name"]: x for x in a[0]["result"]["pins"]}["IO6"]
        assert p["claimed_by"].startswith("client ") and "pid" not in p["claimed_by"], p
        p = {x["name"]: x for x in c.call("system.pins")["pins"]}["IO6"]
        # The label and the class come from one SO_PEERCRED read at accept.
        assert "(pid %d, uid %d)" % (os.getpid(), os.getuid()) in p["claimed_by"], p
        # Nor do ownership refusals name them below admin.
        a = as_user(s, [{"method": "gpio.set", "params": {"values": {"IO6": 1}}}], groups=[DIALOUT])
        e = a[0]["error"]
        assert e["code"] == -32003 and "pid" not in json.dumps(e), e
        assert e["data"]["owner"].startswith("client ")
    finally:
        s.close()


def tcp(port):
    return Client(("127.0.0.1", port))


def closed(c, timeout=5):
    try:
        return c.recv_line(timeout) is None and False
    except EOFError:
        return True


def test_tcp_needs_the_token_first():
    s, port, token = tcp_setup()
    try:
        # Anything else first: refused, naming rpc.auth, then closed.
        c = tcp(port)
        e = c.error("system.ping")
        assert e["code"] == -32007 and "rpc.auth" in e["message"], e
        assert closed(c)
        # A wrong token (same length, one byte off): refused, closed.
        c = tcp(port)
        c.send_raw('{"jsonrpc":"2.0","method":"rpc.auth","params":{"token":"%s"},"id":1}\n'
                   '{"jsonrpc":"2.0","method":"gpio.set","params":{"values":{"IO3":1}},"id":2}\n'
                   % (token[:-1] + "x"))
        r = c.recv()
        assert r["id"] == 1 and r["error"]["code"] == -32007 and r["error"]["data"]["needed"] == "token"
        assert closed(c)
        assert s.client().call("pin.state", {"pin": "IO3"})["owner"] == "none"
        # A batch, even holding rpc.auth, is not the first request asked for.
        c = tcp(port)
        c.send([{"jsonrpc": "2.0", "method": "rpc.auth", "params": {"token": token}, "id": 1}])
        assert closed(c)
        # The token: class control (tcp_class), then requests run.
        c = tcp(port)
        assert c.call("rpc.auth", {"token": token}) == {"class": "control"}
        assert c.call("gpio.set", {"values": {"IO3": 1}}) == {"IO3": 1}
        refused(c.call_raw("system.reset"), "admin")
        assert c.call("rpc.auth", {"token": "anything"}) == {"class": "control"}
        log = s.wisd.logtext()
        assert "first request is not rpc.auth" in log and "wrong token" in log
        assert "authenticated: class control" in log
    finally:
        s.close()


def test_tcp_without_token_does_not_hold_a_place():
    s, port, token = tcp_setup(("--set", "auth_timeout=1"))
    try:
        idle = tcp(port)
        t0 = time.monotonic()
        assert closed(idle, 5)
        assert 0.9 < time.monotonic() - t0 < 2.5
        assert "dropped: no rpc.auth within 1 s" in s.wisd.logtext()
        # A client that authenticates in time stays.
        c = tcp(port)
        assert c.call("rpc.auth", {"token": token}) == {"class": "control"}
        time.sleep(1.6)
        assert c.call("system.ping", {"data": "kept"}) == {"data": "kept"}
    finally:
        s.close()


def test_tcp_class_admin():
    s, port, token = tcp_setup(("--set", "tcp_class=admin"))
    try:
        c = tcp(port)
        assert c.call("rpc.auth", {"token": token}) == {"class": "admin"}
        assert "result" in c.call_raw("flash.erase", {"addr": 0, "len": 4096})
    finally:
        s.close()


def test_token_file_must_be_private():
    with tempfile.TemporaryDirectory(prefix="wisd-test-") as tmp:
        sock = os.path.join(tmp, "w.sock")
        for mode, why in ((0o644, "only wisd's user can read"), (0o640, "only wisd's user")):
            path = token_file(mode=mode)
            try:
                r = subprocess.run([WISD, "--device", "/nonexistent", "--socket", sock, "--tcp",
                                    "127.0.0.1:1", "--set", "tcp_token_file=" + path],
                                   capture_output=True, text=True, timeout=10)
            finally:
                os.unlink(path)
            assert r.returncode != 0 and why in r.stderr, r
        r = subprocess.run([WISD, "--device", "/nonexistent", "--socket", sock, "--tcp",
                            "127.0.0.1:1"], capture_output=True, text=True, timeout=10)
        assert r.returncode != 0 and "tcp needs tcp_token_file" in r.stderr, r
        path = token_file(token="short")
        try:
            r = subprocess.run([WISD, "--device", "/nonexistent", "--socket", sock, "--tcp",
                                "127.0.0.1:1", "--set", "tcp_token_file=" + path],
                               capture_output=True, text=True, timeout=10)
        finally:
            os.unlink(path)
        assert r.returncode != 0 and "16..1024 bytes" in r.stderr, r
