"""flash.stream: wisd reads a flash range into a pipe the client passed with
SCM_RIGHTS (docs/api.md, Flash), and wisctl flash read -o uses it.

Covered: the bytes equal the image (and the hex flash.read path's bytes),
the answer's crc32; a reader that never reads (wisd serves others, memory
bounded, everything released when it goes); a reader that closes its end
or a client that disconnects mid-transfer; no fd, a TCP client, an fd that
is no pipe's write end, too many fds; claims and out-of-range ranges as
flash.read; wisctl's file, stdout, --device and older-wisd fallbacks.
A regular file passed instead of a pipe: wisd writes it itself, at its
position (test_flash_stream_file.py).
"""
import array
import json
import os
import select
import socket
import subprocess
import threading
import time
import zlib

import pytest

from sectest import nfds, rss_kib, tcp_setup, SANITIZED
from wisdtest import WISCTL, Client, Sim, wait_for, wisctl

MIB = 1 << 20


def send_fds(c, obj, fds):
    """One request line with fds passed alongside it."""
    line = (json.dumps(obj) + "\n").encode()
    c.s.sendmsg([line], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


def stream_req(c, addr, length, rid):
    """flash.stream with a new pipe's write end; returns the read end."""
    r, w = os.pipe()
    send_fds(c, {"jsonrpc": "2.0", "id": rid, "method": "flash.stream",
                 "params": {"addr": addr, "len": length}}, [w])
    os.close(w)
    return r


def read_all(fd, timeout=20):
    data = bytearray()
    end = time.monotonic() + timeout
    while True:
        r, _, _ = select.select([fd], [], [], max(0, end - time.monotonic()))
        assert r, "the pipe stayed silent (%d bytes so far)" % len(data)
        chunk = os.read(fd, 65536)
        if not chunk:
            return bytes(data)
        data += chunk


def stream(c, addr, length, rid=100):
    r = stream_req(c, addr, length, rid)
    try:
        data = read_all(r)
    finally:
        os.close(r)
    return data, c.response(rid, 20)


def write_image(env, size):
    img = os.urandom(size)
    path = os.path.join(env.tmp, "img.bin")
    with open(path, "wb") as f:
        f.write(img)
    r = wisctl(env.wisd.sock, "flash", "write-image", path, timeout=120)
    assert r.returncode == 0, r.stderr
    return img


def baseline(env):
    """A client, and wisd's fd count once every earlier client has gone."""
    c = env.client()
    wait_for(lambda: c.call("daemon.status")["clients"] == 1, what="earlier clients gone")
    return c, nfds(env.wisd.p.pid)


def hex_read(c, addr, length):
    """The same range through flash.read (hex JSON), 16 requests in flight."""
    out, ids, off = {}, {}, 0
    while off < length or ids:
        while off < length and len(ids) < 16:
            n = min(1024, length - off)
            ids[c.request("flash.read", {"addr": addr + off, "len": n})] = off
            off += n
        m = c.recv(10)
        assert m and "result" in m, m
        out[ids.pop(m["id"])] = bytes.fromhex(m["result"]["data"])
    return b"".join(out[k] for k in sorted(out))


def test_stream_equals_image_and_hex_path(env):
    img = write_image(env, MIB)
    c = env.client()
    data, resp = stream(c, 0, MIB)
    assert data == img
    assert resp["result"] == {"addr": 0, "len": MIB, "crc32": zlib.crc32(img)}
    assert hex_read(c, 0, MIB) == img
    # An unaligned range that ends at the end of the store.
    data, resp = stream(c, 12345, MIB - 12345, rid=101)
    assert data == img[12345:] and resp["result"]["crc32"] == zlib.crc32(img[12345:])
    # wisctl: to a file and to stdout, through flash.stream (a handful of
    # requests, not 1024 flash.reads).
    before = env.wisd.status()["requests"]
    out = os.path.join(env.tmp, "out.bin")
    r = wisctl(env.wisd.sock, "flash", "read", "0", "1M", "-o", out)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        assert f.read() == img
    with open(out, "wb") as f:
        r = subprocess.run([WISCTL, "--socket", env.wisd.sock, "flash", "read", "0", "1M",
                            "-o", "-"], stdout=f, stderr=subprocess.PIPE, timeout=20)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        assert f.read() == img
    r = subprocess.run([WISCTL, "--socket", env.wisd.sock, "flash", "read", "0x100", "1000",
                        "-o", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    assert r.returncode == 0 and r.stdout == img[0x100:0x100 + 1000], r.stderr
    assert env.wisd.status()["requests"] - before < 10
    # WISCTL_FLASH_STREAM=0: the same bytes through 1024 flash.reads.
    before = env.wisd.status()["requests"]
    r = wisctl(env.wisd.sock, "flash", "read", "0", "1M", "-o", out,
               env=dict(os.environ, WISCTL_FLASH_STREAM="0"))
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        assert f.read() == img
    assert env.wisd.status()["requests"] - before >= 1024


def test_reader_that_never_reads(env):
    pid = env.wisd.p.pid
    c0, fds0 = baseline(env)
    rss0 = rss_kib(pid)
    c = Client(env.wisd.sock)
    r = stream_req(c, 0, MIB, 7)
    time.sleep(1.0)
    assert c.recv(0.2) is None  # stalled, not finished
    assert nfds(pid) == fds0 + 2  # the client and its pipe
    other = Client(env.wisd.sock)
    for i in range(20):
        assert other.call("system.ping", {"data": str(i)})["data"] == str(i)
    assert len(bytes.fromhex(other.call("flash.read", {"addr": 0, "len": 1024})["data"])) == 1024
    assert other.call("daemon.status")["clients"] >= 3
    if not SANITIZED and not os.environ.get("WISD_WRAPPER"):  # valgrind: its own RSS
        # The pipe holds 64 KiB, wisd's queue to it about as much (100 KiB
        # more RSS measured), not the 1 MiB (1.1 MiB with its chunks).
        assert rss_kib(pid) - rss0 < 400, (rss0, rss_kib(pid))
    # The transfer waits for its reader; then the reader goes.
    assert len(os.read(r, 4096)) > 0
    c.close()
    other.close()
    os.close(r)
    wait_for(lambda: nfds(pid) == fds0, what="wisd's fds back to %d" % fds0)
    assert c0.call("system.ping")["data"] == ""


def test_reader_closes_its_end_mid_transfer(env):
    pid = env.wisd.p.pid
    c, fds0 = baseline(env)
    r = stream_req(c, 0, MIB, 8)
    got = 0
    while got < 10000:
        got += len(os.read(r, 4096))
    os.close(r)
    resp = c.response(8, 10)
    assert resp["error"]["code"] == -32602, resp
    assert "pipe" in resp["error"]["message"] and "0x000" in resp["error"]["message"], resp
    assert nfds(pid) == fds0
    assert c.call("system.ping", {"data": "still here"})["data"] == "still here"


def test_client_disconnects_mid_transfer(env):
    pid = env.wisd.p.pid
    _, fds0 = baseline(env)
    c = Client(env.wisd.sock)
    r = stream_req(c, 0, MIB, 9)
    assert len(os.read(r, 4096)) > 0
    c.close()
    # wisd stops and closes its end: the reader sees EOF, not all 1 MiB.
    data = read_all(r)
    os.close(r)
    assert len(data) < MIB - 4096
    wait_for(lambda: nfds(pid) == fds0, what="wisd's fds back to %d" % fds0)
    assert env.client().call("system.ping")["data"] == ""


def test_no_fd_and_unusable_fds(env):
    c = env.client()
    e = c.error("flash.stream", {"addr": 0, "len": 16})
    assert e["code"] == -32602 and "no file descriptor passed" in e["message"], e
    # A read end, and a regular file, are refused; each is taken (and closed).
    r, w = os.pipe()
    send_fds(c, {"jsonrpc": "2.0", "id": 20, "method": "flash.stream",
                 "params": {"addr": 0, "len": 16}}, [r])
    e = c.response(20)["error"]
    assert e["code"] == -32602 and "neither the write end of a pipe" in e["message"], e
    os.close(r)
    os.close(w)
    # A file open only for reading, and a socket, are refused too.
    plain = os.path.join(env.tmp, "plain")
    with open(plain, "wb") as f:
        f.write(b"keep")
    a, b = socket.socketpair()
    for rid, fd in ((21, os.open(plain, os.O_RDONLY)), (24, a.fileno())):
        send_fds(c, {"jsonrpc": "2.0", "id": rid, "method": "flash.stream",
                     "params": {"addr": 0, "len": 16}}, [fd])
        e = c.response(rid)["error"]
        assert e["code"] == -32602 and "neither the write end of a pipe nor a regular file open " \
            "for writing" in e["message"], e
    a.close()
    b.close()
    with open(plain, "rb") as f:
        assert f.read() == b"keep"
    e = c.error("flash.stream", {"addr": 0, "len": 16})
    assert "no file descriptor passed" in e["message"], e
    e = c.error("flash.stream", {"addr": 0})
    assert e["code"] == -32602, e
    # A refused request still takes (and closes) its pipe, so the next
    # request's pipe is the next one: pipes and requests stay paired.
    r1 = stream_req(c, 0, 0, 22)
    assert c.response(22)["error"]["code"] == -32602
    assert read_all(r1, 5) == b""
    os.close(r1)
    data, resp = stream(c, 0, 33, rid=23)
    assert len(data) == 33 and resp["result"]["len"] == 33, resp


def test_too_many_fds(env):
    pid = env.wisd.p.pid
    c, fds0 = baseline(env)
    pipes = [os.pipe() for _ in range(6)]
    send_fds(c, {"jsonrpc": "2.0", "id": 30, "method": "system.ping"}, [w for _, w in pipes])
    for _, w in pipes:
        os.close(w)
    assert "result" in c.response(30)
    assert nfds(pid) == fds0 + 4
    # The two beyond the bound were closed at once: EOF on their read ends.
    for r, _ in pipes[4:]:
        assert select.select([r], [], [], 2)[0] and os.read(r, 1) == b""
    for r, _ in pipes[:4]:
        assert not select.select([r], [], [], 0)[0]
    # The four kept are used oldest first, then there are none.
    for i, (r, _) in enumerate(pipes[:4]):
        c.request("flash.stream", {"addr": i, "len": 100}, rid=40 + i)
        assert len(read_all(r)) == 100
        assert c.response(40 + i)["result"]["len"] == 100
    e = c.error("flash.stream", {"addr": 0, "len": 100})
    assert "no file descriptor passed" in e["message"], e
    for r, _ in pipes:
        os.close(r)
    c.close()
    wait_for(lambda: nfds(pid) == fds0 - 1, what="wisd's fds released")


def test_unused_fds_released_with_client(env):
    pid = env.wisd.p.pid
    _, fds0 = baseline(env)
    c = Client(env.wisd.sock)
    pipes = [os.pipe() for _ in range(3)]
    send_fds(c, {"jsonrpc": "2.0", "id": 1, "method": "system.ping"}, [w for _, w in pipes])
    assert "result" in c.response(1)
    assert nfds(pid) == fds0 + 4
    c.close()
    wait_for(lambda: nfds(pid) == fds0, what="wisd's fds released")
    for r, w in pipes:
        os.close(w)
        assert os.read(r, 1) == b""
        os.close(r)


def test_out_of_range_and_claims_as_flash_read(env):
    c = env.client()
    for addr, length in ((MIB, 1), (MIB - 10, 11), (3 * MIB, 16)):
        data, resp = stream(c, addr, length)
        want = c.error("flash.read", {"addr": addr, "len": min(length, 1024)})
        assert data == b""
        # Both -32602 (invalid params) with the module's refusal in data:
        # flash.read's from lib/json/call.c, flash.stream's own check
        # (daemon/flashstream.c) before any byte is sent.
        assert resp["error"]["code"] == want["code"] == -32602, resp
        assert resp["error"]["data"]["status"] == want["data"]["status"] == "BAD_ARG"
        assert "past the end of the store (1048576 bytes)" in resp["error"]["message"]
        assert "past the end of the store (1048576 bytes)" in want["message"]
    # Another client's claim on flash: flash.stream gets what flash.read gets
    # (the same guard, FLASH_READ's checks).
    holder = env.client()
    holder.call("claim", {"resources": "flash"})
    read = c.call_raw("flash.read", {"addr": 0, "len": 64})
    data, resp = stream(c, 0, 64)
    assert ("error" in read) == ("error" in resp), (read, resp)
    if "error" in read:
        assert resp["error"]["code"] == read["error"]["code"] == -32003
        assert resp["error"]["data"]["owner"] == read["error"]["data"]["owner"]
    else:
        assert data == bytes.fromhex(read["result"]["data"])
    # flash.write, which changes flash, is refused naming the holder.
    e = c.error("flash.write", {"addr": 0, "data": "00"})
    assert e["code"] == -32003 and "client" in e["data"]["owner"], e


def test_tcp_client_refused():
    s, port, token = tcp_setup()
    try:
        c = Client(("127.0.0.1", port))
        s.clients.append(c)
        assert c.call("rpc.auth", {"token": token})
        e = c.error("flash.stream", {"addr": 0, "len": 16})
        assert e["code"] == -32602 and "needs a Unix socket connection" in e["message"], e
    finally:
        s.close()


def test_wisctl_fallback_over_device(env):
    sim = Sim(os.path.join(env.tmp), link=os.path.join(env.tmp, "own.tty"),
              control=os.path.join(env.tmp, "own.ctl"))
    try:
        img = os.urandom(64 * 1024)
        path = os.path.join(env.tmp, "small.bin")
        with open(path, "wb") as f:
            f.write(img)
        r = wisctl(None, "flash", "write-image", path, device=sim.link, timeout=60)
        assert r.returncode == 0, r.stderr
        out = os.path.join(env.tmp, "back.bin")
        r = wisctl(None, "flash", "read", "0", "64K", "-o", out, device=sim.link)
        assert r.returncode == 0, r.stderr
        with open(out, "rb") as f:
            assert f.read() == img
    finally:
        sim.kill()


def fake_old_wisd(path, pattern, seen, code=-32601):
    """A wisd of before flash.stream (-32601 for it; or one refusing the
    pipe, -32602), flash.read in hex."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        f = conn.makefile("rwb")
        for line in f:
            q = json.loads(line)
            seen.append(q["method"])
            if q["method"] == "flash.read":
                a, n = q["params"]["addr"], q["params"]["len"]
                a_ = {"jsonrpc": "2.0", "id": q["id"],
                      "result": {"data": pattern[a:a + n].hex()}}
            else:
                a_ = {"jsonrpc": "2.0", "id": q["id"],
                      "error": {"code": code, "message": "refused: " + q["method"]}}
            f.write((json.dumps(a_) + "\n").encode())
            f.flush()
        conn.close()
        srv.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("code", [-32601, -32602])
def test_wisctl_fallback_for_older_wisd(tmp_path, code):
    pattern = os.urandom(8192)
    seen = []
    sock = str(tmp_path / "old.sock")
    t = fake_old_wisd(sock, pattern, seen, code)
    out = str(tmp_path / "out.bin")
    r = wisctl(sock, "flash", "read", "0", "8K", "-o", out)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        assert f.read() == pattern
    # -32602 without data: the file refused, then the pipe, then hex.
    streams = 1 if code == -32601 else 2
    assert seen[:streams] == ["flash.stream"] * streams, seen
    assert seen.count("flash.read") == 8, seen
    t.join(5)


def test_module_lost_midway(env):
    c, fds0 = baseline(env)
    r = stream_req(c, 0, MIB, 50)
    time.sleep(0.3)  # the reader does not read: the transfer waits
    env.sim.kill()
    wait_for(lambda: c.call("daemon.status")["device"]["state"] != "up", what="device down")
    data = read_all(r)  # now the reads go on, find no module, and the pipe closes
    os.close(r)
    assert 0 < len(data) < MIB
    e = c.response(50)["error"]
    assert e["code"] == -32001 and "0x000" in e["message"], e
    env.restart_sim()
    env.wisd.wait_up()
    # Once the module is back: the device's fds again, not the pipe's.
    wait_for(lambda: nfds(env.wisd.p.pid) == fds0, what="wisd's fds back to %d" % fds0)


def test_api_md_python_example(env):
    """docs/api.md's flash.stream example, run as written."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "api.md")
    with open(src, encoding="utf-8") as f:
        text = f.read()
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    assert "flash.stream" in block
    r = subprocess.run(["/usr/bin/python3", "-c", block], capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, WISD_SOCKET=env.wisd.sock))
    assert r.returncode == 0, r.stderr


def test_device_error_midway(env):
    c, fds0 = baseline(env)
    r = stream_req(c, 0, MIB, 60)
    time.sleep(0.3)  # waiting for its reader: nothing at the device now
    assert env.sim.ctl("fault stall 3000").startswith("ok"), "no stall"
    # The reader reads: the next FLASH_READs meet the stalled link and time out.
    data = read_all(r, 20)
    os.close(r)
    assert 0 < len(data) < MIB
    e = c.response(60, 10)["error"]
    assert e["code"] == -32002 and "reading 0x000" in e["message"], e
    wait_for(lambda: nfds(env.wisd.p.pid) == fds0, what="wisd's fds back to %d" % fds0)
    wait_for(lambda: "result" in c.call_raw("system.ping"), timeout=10, what="module back")


def test_wisd_stops_during_a_stalled_transfer(env):
    c = env.client()
    r = stream_req(c, 0, MIB, 70)
    time.sleep(0.3)
    t0 = time.monotonic()
    assert env.wisd.stop() == 0
    assert time.monotonic() - t0 < 5
    data = read_all(r, 5)  # EOF: wisd closed its end on the way out
    os.close(r)
    assert len(data) < MIB


def test_other_clients_served_during_a_transfer(env):
    c = env.client()
    other = env.client()
    got = []
    for rid in range(3):
        r = stream_req(c, 0, MIB, 80 + rid)
        t = threading.Thread(target=lambda fd=r: got.append(len(read_all(fd))))
        t.start()
        worst = 0.0
        while t.is_alive():
            t0 = time.monotonic()
            assert other.call("system.ping", {"data": "x"})["data"] == "x"
            worst = max(worst, time.monotonic() - t0)
        t.join()
        os.close(r)
        assert c.response(80 + rid)["result"]["len"] == MIB
        # Their requests go to the module before the stream's next read.
        assert worst < 0.5, worst
    assert got == [MIB] * 3


def test_two_streams_and_reads_at_once(env):
    """The module streams one range at a time: wisd's second stream waits
    (BUSY, retried) while plain flash.reads go between the parts."""
    img = write_image(env, MIB)
    a, b, other = env.client(), env.client(), env.client()
    got = {}
    fds = {90: stream_req(a, 0, MIB, 90), 91: stream_req(b, 4096, MIB - 4096, 91)}
    threads = [threading.Thread(target=lambda k=k, fd=fd: got.__setitem__(k, read_all(fd)))
               for k, fd in fds.items()]
    for t in threads:
        t.start()
    reads = 0
    while any(t.is_alive() for t in threads):
        assert hex_read(other, 8192, 2048) == img[8192:8192 + 2048]
        reads += 1
    for t in threads:
        t.join()
    for fd in fds.values():
        os.close(fd)
    assert got[90] == img and got[91] == img[4096:]
    assert a.response(90)["result"]["crc32"] == zlib.crc32(img)
    assert b.response(91)["result"]["crc32"] == zlib.crc32(img[4096:])
    assert reads > 0


def test_flaky_link_loses_nothing(env):
    """Flipped bits from the module: parts dropped by their CRC, each
    segment then goes on from the first byte missing."""
    img = write_image(env, MIB)
    c = env.client()
    assert env.sim.ctl("fault seed 11").startswith("ok")
    assert env.sim.ctl("fault corrupt 3e-6").startswith("ok")
    try:
        data, resp = stream(c, 0, MIB, rid=95)
    finally:
        shown = env.sim.ctl("fault")
        env.sim.ctl("fault off")
    assert data == img
    assert resp["result"]["crc32"] == zlib.crc32(img)
    assert " corrupted=0 " not in shown, shown
