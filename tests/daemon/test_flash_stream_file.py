"""flash.stream into a regular file (docs/api.md, Flash): a client passes a
file open for writing instead of a pipe, and wisd writes the bytes itself
at the file's position, by libuv's worker threads; `wisctl flash read -o
FILE` (and `-o -` with stdout a file) does this, with no pipe and no copy
through wisctl.

Covered: the bytes and the answer, at the position and with O_APPEND; the
descriptor closed after the answer; a client that goes mid-transfer (the
file stops growing, nothing held); a module that stalls mid-transfer (the
error names the offset, the file holds what came before it); a file that
cannot take more (a file size limit: -32602 naming where, wisd lives on); wisctl's file,
stdout-file, stdout-pipe and WISCTL_FLASH_STREAM=pipe paths, by wisd's own
log; a wisd that refuses files (the pipe next) and one that never answers
(wisctl's timeout names how far the file got).
"""
import array
import json
import os
import resource
import socket
import stat
import subprocess
import threading
import time
import zlib

from sectest import nfds
from test_flash_stream import baseline, send_fds, write_image
from wisdtest import WISCTL, Client, stderr_on_a_terminal, wait_for, wisctl

MIB = 1 << 20


def stream_into(c, fd, addr, length, rid):
    send_fds(c, {"jsonrpc": "2.0", "id": rid, "method": "flash.stream",
                 "params": {"addr": addr, "len": length}}, [fd])


def test_file_written_at_its_position(env):
    img = write_image(env, MIB)
    c, fds0 = baseline(env)
    out = os.path.join(env.tmp, "out.bin")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, b"head")
    stream_into(c, fd, 0, MIB, 1)
    resp = c.response(1, 20)
    assert resp["result"] == {"addr": 0, "len": MIB, "crc32": zlib.crc32(img)}, resp
    # The position is shared: it moved by exactly the bytes written.
    assert os.lseek(fd, 0, os.SEEK_CUR) == 4 + MIB
    os.close(fd)
    with open(out, "rb") as f:
        assert f.read() == b"head" + img
    assert "into a file" in env.wisd.logtext()
    wait_for(lambda: nfds(env.wisd.p.pid) == fds0, what="wisd's fds back to %d" % fds0)
    # O_APPEND: at the end, wherever the position was.
    fd = os.open(out, os.O_WRONLY | os.O_APPEND)
    stream_into(c, fd, 0x100, 1000, 2)
    assert c.response(2, 20)["result"]["len"] == 1000
    os.close(fd)
    with open(out, "rb") as f:
        assert f.read() == b"head" + img + img[0x100:0x100 + 1000]
    wait_for(lambda: nfds(env.wisd.p.pid) == fds0, what="wisd's fds back to %d" % fds0)


def test_client_goes_mid_transfer(env):
    write_image(env, 64 * 1024)
    pid = env.wisd.p.pid
    _, fds0 = baseline(env)
    # The module's link held 40 ms about every 10 KB: 1 MiB takes seconds.
    assert env.sim.ctl("fault delay 1e-4 40").startswith("ok")
    c = Client(env.wisd.sock)
    out = os.path.join(env.tmp, "part.bin")
    with open(out, "wb") as f:
        stream_into(c, f.fileno(), 0, MIB, 3)
        wait_for(lambda: os.fstat(f.fileno()).st_size > 0, what="the first bytes")
        c.close()
        wait_for(lambda: nfds(pid) == fds0, what="wisd's fds back to %d" % fds0)
        size = os.fstat(f.fileno()).st_size
        time.sleep(0.3)
        assert os.fstat(f.fileno()).st_size == size < MIB
    env.sim.ctl("fault off")
    assert env.client().call("system.ping")["data"] == ""


def test_module_stalls_mid_transfer(env):
    img = write_image(env, MIB)
    c, fds0 = baseline(env)
    assert env.sim.ctl("fault delay 1e-4 40").startswith("ok")
    out = os.path.join(env.tmp, "stalled.bin")
    with open(out, "wb") as f:
        stream_into(c, f.fileno(), 0, MIB, 4)
        wait_for(lambda: os.fstat(f.fileno()).st_size > 0, what="the first bytes")
        assert env.sim.ctl("fault stall 3000").startswith("ok")
        e = c.response(4, 10)["error"]
    assert e["code"] == -32002 and "reading 0x000" in e["message"], e
    with open(out, "rb") as f:
        got = f.read()
    assert 0 < len(got) < MIB and got == img[:len(got)]
    wait_for(lambda: nfds(env.wisd.p.pid) == fds0, what="wisd's fds back to %d" % fds0)
    env.sim.ctl("fault off")
    wait_for(lambda: "result" in c.call_raw("system.ping"), timeout=10, what="module back")


def stream_logs(env):
    return [ln for ln in env.wisd.logtext().splitlines() if "flash.stream 0x" in ln]


def test_wisctl_paths(env):
    img = write_image(env, 256 * 1024)
    out = os.path.join(env.tmp, "out.bin")
    seen = len(stream_logs(env))

    def last_kind():
        logs = stream_logs(env)
        assert len(logs) == seen + 1, logs
        return logs[-1].rsplit(" ", 1)[1]

    r = wisctl(env.wisd.sock, "flash", "read", "0", "256K", "-o", out)
    assert r.returncode == 0, r.stderr
    assert open(out, "rb").read() == img and last_kind() == "file"
    seen += 1
    # stdout a file opened for appending (`>> FILE`): at its end.
    with open(out, "ab") as f:
        r = subprocess.run([WISCTL, "--socket", env.wisd.sock, "flash", "read", "16", "100",
                            "-o", "-"], stdout=f, stderr=subprocess.PIPE, timeout=20)
    assert r.returncode == 0, r.stderr
    assert open(out, "rb").read() == img + img[16:116] and last_kind() == "file"
    seen += 1
    # stdout a pipe: through a pipe of wisctl's own, as before.
    r = subprocess.run([WISCTL, "--socket", env.wisd.sock, "flash", "read", "0", "256K",
                        "-o", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    assert r.returncode == 0 and r.stdout == img, r.stderr
    assert last_kind() == "pipe"
    seen += 1
    r = wisctl(env.wisd.sock, "flash", "read", "0", "256K", "-o", out,
               env=dict(os.environ, WISCTL_FLASH_STREAM="pipe"))
    assert r.returncode == 0, r.stderr
    assert open(out, "rb").read() == img and last_kind() == "pipe"


def fake_wisd(path, pattern, seen, files):
    """A wisd that takes flash.stream's pipes and writes pattern into them;
    a file it refuses (files="refuse", a wisd of before files were taken)
    or keeps without a word (files="silent")."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        buf, kept = b"", []
        while True:
            fds = array.array("i")
            data, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(4 * fds.itemsize))
            if not data:
                break
            for level, kind, blob in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(blob[:len(blob) - len(blob) % fds.itemsize])
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                q = json.loads(line)
                fd = fds.pop(0)
                a, n = q["params"]["addr"], q["params"]["len"]
                seen.append("file" if stat.S_ISREG(os.fstat(fd).st_mode) else "pipe")
                if seen[-1] == "file" and files == "silent":
                    kept.append(fd)
                    continue
                if seen[-1] == "file":
                    a_ = {"error": {"code": -32602, "message": "not the write end of a pipe"}}
                else:
                    os.write(fd, pattern[a:a + n])
                    a_ = {"result": {"addr": a, "len": n, "crc32": zlib.crc32(pattern[a:a + n])}}
                os.close(fd)
                conn.sendall((json.dumps(dict(a_, jsonrpc="2.0", id=q["id"])) + "\n").encode())
        for fd in kept:
            os.close(fd)
        conn.close()
        srv.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


def test_wisctl_file_refused_then_pipe(tmp_path):
    pattern = os.urandom(8192)
    seen = []
    sock = str(tmp_path / "old.sock")
    t = fake_wisd(sock, pattern, seen, "refuse")
    out = str(tmp_path / "out.bin")
    r = wisctl(sock, "flash", "read", "0", "8K", "-o", out)
    assert r.returncode == 0, r.stderr
    assert open(out, "rb").read() == pattern
    assert seen == ["file", "pipe"], seen
    t.join(5)


def test_wisctl_times_out_on_a_silent_wisd(tmp_path):
    seen = []
    sock = str(tmp_path / "silent.sock")
    t = fake_wisd(sock, b"", seen, "silent")
    out = str(tmp_path / "out.bin")
    t0 = time.monotonic()
    r = wisctl(sock, "--timeout", "300", "flash", "read", "0", "8K", "-o", out)
    assert r.returncode != 0 and time.monotonic() - t0 < 5
    assert "nothing from wisd for 300 ms (0 of 8192 bytes)" in r.stderr, r.stderr
    assert seen == ["file"], seen
    t.join(5)


def test_file_past_a_size_limit(env):
    """A file that cannot take the bytes (here wisd's file size limit, as
    systemd's LimitFSIZE= sets it; a full file system alike): the stream
    ends with -32602 naming where and why, the file holds the bytes before
    it, and wisd (which would get SIGXFSZ) goes on."""
    img = write_image(env, MIB)
    c, fds0 = baseline(env)
    pid = env.wisd.p.pid
    # Not on a write's boundary (wisd writes 128 KiB at a time): the write
    # across it is short, and the error still says why, from the write of
    # the rest.
    limit = 256 * 1024 + 1000
    old = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, old[1]))  # the soft limit only
    try:
        out = os.path.join(env.tmp, "limited.bin")
        with open(out, "wb") as f:
            stream_into(c, f.fileno(), 0, MIB, 5)
            e = c.response(5, 20)["error"]
        assert e["code"] == -32602, e
        assert "into the passed file" in e["message"] and "0x000403e8" in e["message"], e
        assert "file too large" in e["message"], e  # the reason, not a guess
        with open(out, "rb") as f:
            assert f.read() == img[:limit]
        assert c.call("system.ping", {"data": "alive"})["data"] == "alive"
        wait_for(lambda: nfds(pid) == fds0, what="wisd's fds back to %d" % fds0)
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, old)


def test_wisctl_progress_bar(env):
    # On a terminal, the bar ends at 100 % on both paths (the file's: drawn
    # from how far the file has grown); with --json, none.
    write_image(env, 256 * 1024)
    out = os.path.join(env.tmp, "bar.bin")
    base = [WISCTL, "--socket", env.wisd.sock]
    read = ["flash", "read", "0", "256K", "-o", out]
    for argv, how, bar in ((base + read, None, True),
                           (base + read, "pipe", True),
                           (base + ["--json"] + read, None, False)):
        e = dict(os.environ)
        if how:
            e["WISCTL_FLASH_STREAM"] = how
        rc, err = stderr_on_a_terminal(argv, e)
        assert rc == 0, err
        assert (b"] 100% 262144/262144 bytes" in err) == bar, (argv, how, err)
        assert os.path.getsize(out) == 256 * 1024


def test_many_file_streams_at_once(env):
    """Five clients stream into files at once: every file gets its bytes, in
    order, and wisd lets go of them all.  (wisd keeps at most two file
    writes at libuv's workers, the rest waiting their turn; page-cache
    writes are too quick here for five streams to meet at that bound, so
    this checks that the bound loses and reorders nothing, not that it
    holds: its code is one counter in flashstream_out.c.)"""
    img = write_image(env, MIB)
    c0, fds0 = baseline(env)
    clients, files = [], []
    for i in range(5):
        c = Client(env.wisd.sock)
        f = open(os.path.join(env.tmp, "many%d.bin" % i), "wb")
        stream_into(c, f.fileno(), 4096 * i, MIB - 4096 * i, 10 + i)
        clients.append(c)
        files.append(f)
    for i, (c, f) in enumerate(zip(clients, files)):
        r = c.response(10 + i, 60)
        assert r["result"]["crc32"] == zlib.crc32(img[4096 * i:]), r
        f.close()
        c.close()
        with open(f.name, "rb") as g:
            assert g.read() == img[4096 * i:]
    wait_for(lambda: nfds(env.wisd.p.pid) == fds0, what="wisd's fds back to %d" % fds0)
    assert c0.call("system.ping")["data"] == ""
