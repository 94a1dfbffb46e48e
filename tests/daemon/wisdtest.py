"""Harness for the wisd and wisctl tests: starts a private wisrpc-sim and
wisd (sockets and links under a temp dir), gives JSON-RPC clients, and
kills only the processes it started, by pid.

Paths come from the environment set by meson (WISD, WISCTL, WISRPC_SIM).
Transport covered: wisd reaches the simulator through the POSIX termios
transport (the pty behind the --link symlink, or the pty the embedded
simulator prints); clients use the Unix socket (and TCP in one test).
"""
import ctypes
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
import zlib

import pytest

WISD = os.environ.get("WISD", "wisd")
WISCTL = os.environ.get("WISCTL", "wisctl")
SIM = os.environ.get("WISRPC_SIM", "wisrpc-sim")
# The exit code WISD_WRAPPER's checker gives on an error (tests/daemon/meson.build).
WRAPPER_ERROR_EXIT = 99


_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    """Runs in the child before exec: SIGTERM when the test process dies
    (a meson timeout kills pytest), so no simulator or wisd outlives it."""
    _libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def wait_for(pred, timeout=5.0, step=0.02, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out waiting for " + what)


class Client:
    """A JSON-RPC client on wisd's socket.  Notifications that arrive while
    waiting for a response are kept in self.notes."""

    def __init__(self, path, timeout=5.0, rcvbuf=None):
        if isinstance(path, tuple):
            self.s = socket.create_connection(path)
        else:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            if rcvbuf:
                self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.s.connect(path)
        self.timeout = timeout
        self.buf = b""
        self.notes = []
        self.next_id = 1

    def close(self):
        self.s.close()

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(obj) + "\n")

    def recv_line(self, timeout=None):
        """Next line as bytes, or None on timeout; raises EOFError on close."""
        end = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return None
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("wisd closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def recv(self, timeout=None):
        line = self.recv_line(timeout)
        return None if line is None else json.loads(line)

    def request(self, method, params=None, rid=None):
        if rid is None:
            rid = self.next_id
            self.next_id += 1
        msg = {"jsonrpc": "2.0", "method": method, "id": rid}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return rid

    def response(self, rid, timeout=None):
        end = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            m = self.recv(max(0.0, end - time.monotonic()))
            if m is None:
                raise AssertionError("no response to id %r" % (rid,))
            if isinstance(m, dict) and "method" in m and "id" not in m:
                self.notes.append(m)
                continue
            assert m.get("id") == rid, m
            return m

    def call_raw(self, method, params=None, timeout=None):
        return self.response(self.request(method, params), timeout)

    def call(self, method, params=None, timeout=None):
        r = self.call_raw(method, params, timeout)
        assert "result" in r, r
        return r["result"]

    def error(self, method, params=None):
        r = self.call_raw(method, params)
        assert "error" in r, r
        return r["error"]

    def notification(self, topic=None, timeout=None):
        """Next notification (of topic, if given), skipping others."""
        end = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            for i, n in enumerate(self.notes):
                if topic is None or n["method"] == topic:
                    return self.notes.pop(i)
            self.notes.clear()
            m = self.recv(max(0.0, end - time.monotonic()))
            if m is None:
                raise AssertionError("no %s notification" % (topic or "any"))
            if "method" in m and "id" not in m:
                self.notes.append(m)


class Sim:
    """wisrpc-sim on a pty with a --link symlink and a control socket."""

    def __init__(self, tmp, args=(), link=None, control=None):
        self.link = link or os.path.join(tmp, "sim.tty")
        self.control = control or os.path.join(tmp, "sim.ctl")
        self.p = subprocess.Popen(
            [SIM, "--link", self.link, "--control", self.control, "--quiet", *args],
            stdout=subprocess.PIPE, preexec_fn=_die_with_parent)
        r, _, _ = select.select([self.p.stdout], [], [], 5)
        assert r, "wisrpc-sim did not start"
        line = self.p.stdout.readline().decode()
        assert "wisrpc-sim ready" in line, line

    def ctl(self, cmd):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.control)
        s.sendall((cmd + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        return data.decode().strip()

    def kill(self, sig=signal.SIGTERM):
        """Stop the simulator: SIGTERM by default (it exits cleanly, so a
        coverage build writes its counts), SIGKILL if it has not gone in 5 s;
        a test that wants an abrupt death passes SIGKILL."""
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.p.stdout.close()


class Wisd:
    """wisd on a private socket; log in tmp/wisd.log."""

    def __init__(self, tmp, device, args=(), wait_up=True, name="wisd"):
        self.tmp = tmp
        self.sock = os.path.join(tmp, name + ".sock")
        self.logpath = os.path.join(tmp, name + ".log")
        self.log = open(self.logpath, "w")
        # WISD_WRAPPER="valgrind --leak-check=full --error-exitcode=99" runs
        # wisd under a checker; stop() fails on that exit code.
        wrapper = os.environ.get("WISD_WRAPPER", "").split()
        self.wrapped = wrapper[0] if wrapper else None
        if wrapper:
            assert "--error-exitcode=%d" % WRAPPER_ERROR_EXIT in wrapper, (
                "WISD_WRAPPER must make errors exit %d" % WRAPPER_ERROR_EXIT)
        self.p = subprocess.Popen(wrapper + [WISD, "--device", device, "--socket", self.sock,
                                   "--log-level", "debug", *args],
                                  stdout=self.log, stderr=subprocess.STDOUT,
                                  preexec_fn=_die_with_parent)
        try:
            wait_for(lambda: self._answers() or self.p.poll() is not None, what="wisd socket")
            assert self.p.poll() is None, self.logtext()
            if wait_up:
                self.wait_up()
        except BaseException:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()
            self.log.close()
            raise

    def _answers(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.sock)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def client(self, **kw):
        return Client(self.sock, **kw)

    def status(self):
        c = self.client()
        try:
            return c.call("daemon.status")
        finally:
            c.close()

    def wait_up(self, timeout=10.0):
        wait_for(lambda: self.status()["device"]["state"] == "up", timeout, 0.05, "device up")

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.logpath) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                raise AssertionError("wisd did not stop on %s" % sig)
        self.log.close()
        text = self.logtext_closed()
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "Invalid read",
                    "definitely lost"):
            assert bad not in text, text[-3000:]
        # A checker's own exit code catches every error it reports, whatever
        # its text, also where a test does not look at what stop() returns.
        if self.wrapped and self.p.returncode == WRAPPER_ERROR_EXIT:
            raise AssertionError("wisd under %s reported errors:\n%s"
                                 % (self.wrapped, text[-3000:]))
        return self.p.returncode

    def logtext_closed(self):
        with open(self.logpath) as f:
            return f.read()


class Setup:
    """A simulator with IO1 wired to IO2 and AIN0 at 1650 mV, and wisd on it."""

    def __init__(self, sim_args=("--wire", "IO1:IO2", "--adc", "AIN0=1650"), wisd_args=()):
        self.tmpdir = tempfile.TemporaryDirectory(prefix="wisd-test-")
        self.tmp = self.tmpdir.name
        self.sim_args = sim_args
        self.sim = Sim(self.tmp, sim_args)
        try:
            self.wisd = Wisd(self.tmp, self.sim.link, wisd_args)
        except BaseException:
            self.sim.kill()
            self.tmpdir.cleanup()
            raise
        self.clients = []

    def client(self, **kw):
        c = self.wisd.client(**kw)
        self.clients.append(c)
        return c

    def restart_sim(self):
        self.sim = Sim(self.tmp, self.sim_args, self.sim.link, self.sim.control)

    def close(self):
        for c in self.clients:
            try:
                c.close()
            except OSError:
                pass
        try:
            rc = self.wisd.stop()
            assert rc == 0, "wisd exited with %s" % rc
        finally:
            self.sim.kill()
            self.tmpdir.cleanup()


def wisctl(sock, *args, timeout=10, env=None, device=None):
    cmd = [WISCTL] + (["--device", device] if device else ["--socket", sock]) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def stderr_on_a_terminal(argv, env=None):
    """Runs argv with stderr a pty (progress bars are drawn on terminals
    only); returns (exit code, what it wrote there)."""
    master, slave = os.openpty()
    try:
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=slave, timeout=30, env=env)
        os.close(slave)
        err = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO once the slave side is closed and read empty
                break
            if not chunk:
                break
            err += chunk
    finally:
        os.close(master)
    return r.returncode, err


def fake_flash_wisd(sock, busy_second):
    """A fake wisd for flash write: an erased 1 MiB store; each flash.write
    is answered once another arrives behind it or 0.05 s pass, so wisctl's
    writes in flight are counted.  busy_second: a write sent while another
    is in flight is answered BUSY (firmware that runs one at a time).
    Returns the thread and its record: the most in flight, and the bytes
    written by address."""
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(sock)
    srv.listen(1)
    rec = {"most": 0, "written": {}, "busy": 0}

    def answer(conn, q, result=None, error=None):
        m = {"jsonrpc": "2.0", "id": q["id"]}
        m.update({"error": error} if error else {"result": result})
        conn.sendall((json.dumps(m) + "\n").encode())

    def lines(conn):
        """Request lines, None after 0.05 s without one."""
        buf = b""
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                yield line
            if not select.select([conn], [], [], 0.05)[0]:
                yield None
                continue
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk

    def serve():
        conn, _ = srv.accept()
        pending = []
        for line in lines(conn):
            if line is None:
                for q in pending:
                    rec["written"][q["params"]["addr"]] = q["params"]["data"]
                    answer(conn, q, {})
                pending = []
                continue
            q = json.loads(line)
            if q["method"] == "flash.info":
                answer(conn, q, {"store": "external", "size": 1 << 20, "erase_unit": 4096})
            elif q["method"] == "flash.verify":
                answer(conn, q, {"crc32": zlib.crc32(b"\xff" * q["params"]["len"])})
            elif q["method"] == "flash.write" and pending and busy_second:
                rec["busy"] += 1
                answer(conn, q, error={"code": -32000, "message": "FLASH_WRITE: flash busy",
                                       "data": {"status": "BUSY", "wis_code": -9}})
            elif q["method"] == "flash.write":
                pending.append(q)
                rec["most"] = max(rec["most"], len(pending))
                if len(pending) == 2:
                    q0 = pending.pop(0)
                    rec["written"][q0["params"]["addr"]] = q0["params"]["data"]
                    answer(conn, q0, {})
            else:
                answer(conn, q, error={"code": -32601, "message": "no " + q["method"]})
        conn.close()
        srv.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t, rec


@pytest.fixture
def env():
    """A fresh Setup per test (the daemon and CLI suites' conftests use it)."""
    s = Setup()
    try:
        yield s
    finally:
        s.close()
