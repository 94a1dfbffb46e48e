"""The wisd client's flash reads (docs/python.md, Flash): through flash.stream
on a Unix socket (the raw bytes through a pipe passed with SCM_RIGHTS,
length and CRC-32 checked), one flash.read for 1 KiB or less, hex
flash.reads on TCP and from a wisd without flash.stream; the daemon's
errors, a short stream and a CRC mismatch raised; no descriptor left open
on any path.  Sync and asyncio clients."""
import asyncio
import json
import os
import socket
import threading
import time
import zlib

import pytest

import wisdtest
import wisrpc
from wisrpc.errors import E_PROTO

MIB = 1 << 20


def nfds():
    return len(os.listdir("/proc/self/fd"))


def requests(lab):
    with wisrpc.connect(lab.sock) as d:
        return d.call("daemon.status")["requests"]


@pytest.fixture(scope="module")
def image(lab):
    """1 MiB of random bytes written over the whole store."""
    img = os.urandom(MIB)
    with wisrpc.connect(lab.sock, timeout=60) as dev:
        dev.flash.write(0, img, erase=True)
        dev.release("SPI_CS")
    return img


def test_stream_reads_the_image(lab, image):
    with wisrpc.connect(lab.sock, timeout=20) as dev:
        fds0 = nfds()
        before = requests(lab)
        seen = []
        assert dev.flash.read(0, MIB, progress=lambda d, t: seen.append((d, t))) == image
        # One flash.stream (and daemon.status), not 1024 flash.reads.
        assert requests(lab) - before <= 3
        assert len(seen) > 1 and seen[-1] == (MIB, MIB)
        assert all(t == MIB for _, t in seen) and [d for d, _ in seen] == sorted(set(
            d for d, _ in seen))
        # Unaligned, up to the end of the store.
        assert dev.flash.read(12345, MIB - 12345) == image[12345:]
        # 1 KiB or less: one flash.read.
        before = requests(lab)
        assert dev.flash.read(0x800, 1024) == image[0x800:0xC00]
        assert requests(lab) - before == 2
        assert nfds() == fds0


def test_stream_from_threads(lab, image):
    with wisrpc.connect(lab.sock, timeout=20) as dev:
        got, errs = {}, []

        def work(i):
            try:
                got[i] = dev.flash.read(i * 4096, 200000)
            except Exception as e:  # noqa: BLE001
                errs.append(e)

        ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not errs
        for i in range(4):
            assert got[i] == image[i * 4096:i * 4096 + 200000]


def test_range_past_the_end_is_the_daemons_error(lab, image):
    with wisrpc.connect(lab.sock, timeout=20) as dev:
        fds0 = nfds()
        want = None
        try:
            dev.call("flash.stream", {"addr": 0, "len": 16})
        except wisrpc.WisError as e:
            want = e  # no pipe passed: refused
        assert want is not None and want.rpc_code == -32602
        for addr, length in ((MIB - 10, 2000), (MIB, 4096), (3 * MIB, 5000)):
            with pytest.raises(wisrpc.WisError) as e:
                dev.flash.read(addr, length)
            assert "past the end of the store" in e.value.detail, e.value
            assert ("0x%08x + %d" % (addr, length)) in e.value.detail, e.value
            assert e.value.rpc_code == -32602  # flash.stream's, as flash.read's
        assert nfds() == fds0
        assert dev.flash.read(0, 5000) == image[:5000]  # still usable


def test_a_progress_callback_that_raises(lab, image):
    with wisrpc.connect(lab.sock, timeout=20) as dev:
        fds0 = nfds()

        def stop(done, total):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            dev.flash.read(0, MIB, progress=stop)
        assert nfds() == fds0
        assert dev.flash.read(0, 300000) == image[:300000]


def test_tcp_falls_back_to_flash_read():
    from sectest import tcp_setup
    s, port, token = tcp_setup()
    try:
        with wisrpc.connect(s.wisd.sock, timeout=20) as unix:
            want = unix.flash.read(0, 64 * 1024)
        with wisrpc.connect("tcp://127.0.0.1:%d" % port, timeout=20) as tcp:
            assert tcp.call("rpc.auth", {"token": token})
            before = tcp.call("daemon.status")["requests"]
            seen = []
            assert tcp.flash.read(0, 64 * 1024, progress=lambda d, t: seen.append(d)) == want
            assert tcp.call("daemon.status")["requests"] - before >= 64
            assert seen[-1] == 64 * 1024

        async def aio():
            async with await wisrpc.aio.connect("tcp://127.0.0.1:%d" % port, timeout=20) as d:
                await d.call("rpc.auth", {"token": token})
                before = (await d.call("daemon.status"))["requests"]
                assert await d.flash.read(0, 64 * 1024) == want
                assert (await d.call("daemon.status"))["requests"] - before >= 64
        asyncio.run(asyncio.wait_for(aio(), 20))
    finally:
        s.close()


class FakeWisd:
    """A Unix socket server in a thread, answering each request line with
    answer(request, fds received with it) -> answer object."""

    def __init__(self, path, answer):
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(1)
        self.answer = answer
        self.seen = []
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        conn, _ = self.srv.accept()
        buf = b""
        fds = []
        while True:
            data, got, _, _ = socket.recv_fds(conn, 65536, 4)
            if not data:
                break
            fds += got
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                q = json.loads(line)
                self.seen.append(q["method"])
                mine = fds if q["method"] == "flash.stream" else []
                if mine:
                    fds = []
                a = {"result": {}} if q["method"] == "system.ping" else self.answer(q, mine)
                for fd in mine:
                    os.close(fd)
                if a is None:
                    continue  # no answer (a mute wisd)
                try:
                    conn.sendall((json.dumps(dict(a, jsonrpc="2.0", id=q["id"])) + "\n").encode())
                except OSError:
                    break  # the client went (on a stream longer than asked for)
        conn.close()
        self.srv.close()


def pattern_at(addr, n):
    return bytes((addr + i) * 7 & 0xFF for i in range(n))


def hex_answer(q):
    p = q["params"]
    return {"result": {"data": pattern_at(p["addr"], p["len"]).hex()}}


def test_older_wisd_falls_back(tmp_path):
    path = str(tmp_path / "old.sock")
    fake = FakeWisd(path, lambda q, fds: hex_answer(q) if q["method"] == "flash.read" else
                    {"error": {"code": -32601, "message": "method not found"}})
    with wisrpc.connect(path, timeout=5) as dev:
        dev.ping()  # the fake has accepted: its descriptors are counted too
        fds0 = nfds()
        assert dev.flash.read(100, 5000) == pattern_at(100, 5000)
        assert dev.flash.read(0, 3000) == pattern_at(0, 3000)
        assert nfds() == fds0
    fake.t.join(5)
    # flash.stream tried once; the rest through flash.read.
    assert fake.seen.count("flash.stream") == 1 and fake.seen.count("flash.read") == 5 + 3


@pytest.mark.parametrize("busy", [False, True])
@pytest.mark.parametrize("aio", [False, True])
def test_write_two_in_flight(tmp_path, busy, aio):
    # flash.write through wisd sends two requests at a time (the module keeps
    # one write behind the running one); against firmware that answers the
    # second BUSY, one at a time, and every byte lands.  Both clients.
    sock = str(tmp_path / "fake.sock")
    t, rec = wisdtest.fake_flash_wisd(sock, busy)
    data = os.urandom(3 * 4096 + 300)
    if aio:
        async def main():
            async with await wisrpc.aio.connect(sock, timeout=10) as dev:
                await dev.flash.write(0x10000, data)
        asyncio.run(asyncio.wait_for(main(), 20))
    else:
        with wisrpc.connect(sock, timeout=10) as dev:
            dev.flash.write(0x10000, data)
    t.join(5)
    got = b"".join(bytes.fromhex(rec["written"][a]) for a in sorted(rec["written"]))
    assert got == data and min(rec["written"]) == 0x10000
    assert rec["most"] == (1 if busy else 2) and rec["busy"] == busy, rec


def stream_answer(short=0, crc_off=0, len_off=0):
    def answer(q, fds):
        p = q["params"]
        data = pattern_at(p["addr"], p["len"] - short)
        for fd in fds:
            os.write(fd, data)
        return {"result": {"addr": p["addr"], "len": p["len"] + len_off,
                           "crc32": zlib.crc32(data) ^ crc_off}}
    return answer


@pytest.mark.parametrize("kind", ["good", "short", "crc", "len", "long"])
def test_stream_checks_length_and_crc(tmp_path, kind):
    path = str(tmp_path / "fake.sock")
    answer = {"good": stream_answer(), "short": stream_answer(short=100),
              "crc": stream_answer(crc_off=1), "len": stream_answer(len_off=1),
              "long": stream_answer(short=-1)}[kind]
    FakeWisd(path, answer)
    with wisrpc.connect(path, timeout=5) as dev:
        dev.ping()  # the fake has accepted: its descriptors are counted too
        fds0 = nfds()
        if kind == "good":
            assert dev.flash.read(10, 70000) == pattern_at(10, 70000)
        else:
            with pytest.raises(wisrpc.WisError) as e:
                dev.flash.read(10, 70000)
            assert e.value.code == E_PROTO and "flash.stream at 0xa" in e.value.detail, e.value
        dev.ping()  # answered after the stream: the fake has closed what it received
        assert nfds() == fds0


@pytest.mark.parametrize("aio", [False, True])
@pytest.mark.parametrize("answer", [True, False])
def test_pipe_kept_open(tmp_path, answer, aio):
    """A wisd that keeps the pipe open: its error answer is raised at once;
    without an answer, the client's timeout (a silent pipe) ends the read."""
    path = str(tmp_path / "fake.sock")
    kept = []

    def keep(q, fds):
        kept.extend(os.dup(fd) for fd in fds)
        if answer:
            return {"error": {"code": -32000, "message": "wisd gave up at 0x100",
                              "data": {"status": "HW_ERROR", "wis_code": -11}}}
        return None

    FakeWisd(path, keep)
    want = wisrpc.DeviceStatus if answer else wisrpc.Timeout
    timeout = 2.0 if answer else 0.5

    def check(e, took, fds0):
        if answer:
            assert e.detail == "wisd gave up at 0x100" and took < 1.5, (e, took)
        else:
            assert "nothing from wisd" in e.detail and 0.45 < took < 3, (e, took)
        assert nfds() == fds0 + len(kept)  # the fake's copy only

    try:
        if aio:
            async def main():
                async with await wisrpc.aio.connect(path, timeout=timeout) as dev:
                    await dev.ping()
                    fds0, t0 = nfds(), time.monotonic()
                    with pytest.raises(want) as e:
                        await dev.flash.read(0, 70000)
                    check(e.value, time.monotonic() - t0, fds0)
            asyncio.run(asyncio.wait_for(main(), 10))
        else:
            with wisrpc.connect(path, timeout=timeout) as dev:
                dev.ping()
                fds0, t0 = nfds(), time.monotonic()
                with pytest.raises(want) as e:
                    dev.flash.read(0, 70000)
                check(e.value, time.monotonic() - t0, fds0)
    finally:
        for fd in kept:
            os.close(fd)


def test_aio_stream(lab, image):
    async def main():
        async with await wisrpc.aio.connect(lab.sock, timeout=20) as dev:
            fds0 = nfds()
            seen = []
            assert await dev.flash.read(0, MIB, progress=lambda d, t: seen.append(d)) == image
            assert len(seen) > 1 and seen[-1] == MIB
            got = await asyncio.gather(dev.flash.read(4096, 300000), dev.flash.read(7, 5000),
                                       dev.ping(), dev.flash.read(MIB - 2000, 2000))
            assert got[0] == image[4096:304096] and got[1] == image[7:5007]
            assert got[3] == image[-2000:]
            with pytest.raises(wisrpc.WisError) as e:
                await dev.flash.read(MIB - 10, 2000)
            assert "past the end of the store" in e.value.detail
            # Cancelled midway: the pipe is closed, the connection usable.
            task = asyncio.ensure_future(dev.flash.read(0, MIB, progress=lambda d, t: None))
            await asyncio.sleep(0)
            await asyncio.sleep(0.001)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await dev.flash.read(0, 3000) == image[:3000]
            assert nfds() == fds0
    asyncio.run(asyncio.wait_for(main(), 30))


def test_aio_checks_crc(tmp_path):
    path = str(tmp_path / "fake.sock")
    FakeWisd(path, stream_answer(crc_off=4))

    async def main():
        async with await wisrpc.aio.connect(path, timeout=5) as dev:
            await dev.ping()
            fds0 = nfds()
            with pytest.raises(wisrpc.WisError) as e:
                await dev.flash.read(10, 70000)
            assert e.value.code == E_PROTO and "crc32" in e.value.detail
            await dev.ping()
            assert nfds() == fds0
    asyncio.run(asyncio.wait_for(main(), 20))
