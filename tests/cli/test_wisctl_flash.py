"""wisctl flash and the flash.* methods through wisd against the simulator's
IS25LP080D: info, write a file (erasing what it needs), verify by device
CRC (match and mismatch), read back to a file, hex dump, erase alignment
errors, usage errors, the raw transaction, no progress bar when piped,
wisd refusing a flash write while another client holds LED3 (QSPI DIO3),
one erase per unit (the simulator's erase counts), and two writes in
flight (a fake wisd counting them)."""
import json
import os
import subprocess
import time

from wisdtest import WISCTL, fake_flash_wisd, stderr_on_a_terminal, wisctl


def run(env, *args, **kw):
    return wisctl(env.wisd.sock, *args, **kw)


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert r.stderr == "", r.stderr  # no progress bar when stderr is not a terminal
    return r.stdout


def test_flash_info(env):
    out = ok(run(env, "flash", "info"))
    assert "store=external" in out and "jedec=9d6014" in out and "size=1048576" in out
    j = json.loads(ok(run(env, "--json", "flash", "info")))
    assert j == {"store": "external", "jedec": "9d6014", "size": 1048576, "erase_unit": 4096,
                 "page_size": 256, "name": "IS25LP080D"}


def test_flash_write_verify_read(env):
    data = os.urandom(9000)
    src = os.path.join(env.tmp, "in.bin")
    back = os.path.join(env.tmp, "out.bin")
    other = os.path.join(env.tmp, "other.bin")
    open(src, "wb").write(data)
    open(other, "wb").write(bytes(b ^ 1 for b in data))
    ok(run(env, "flash", "write", "0x3100", src))
    assert ok(run(env, "flash", "verify", "0x3100", src)).startswith("match crc32=")
    r = run(env, "flash", "verify", "0x3100", other)
    assert r.returncode == 1 and "MISMATCH" in r.stdout and r.stderr.count("\n") == 1
    ok(run(env, "flash", "read", "0x3100", str(len(data)), "-o", back))
    assert open(back, "rb").read() == data
    dump = ok(run(env, "flash", "read", "0x3100", "16"))
    assert dump == "00003100  " + " ".join("%02x" % b for b in data[:16]) + "\n"
    # Programming over data without erasing is refused, named, nothing changed.
    r = run(env, "flash", "write", "0x3100", other, "--no-erase")
    assert r.returncode == 1 and "not erased" in r.stderr and r.stderr.count("\n") == 1
    assert ok(run(env, "flash", "verify", "0x3100", src)).startswith("match")
    j = json.loads(ok(run(env, "--json", "flash", "verify", "0x3100", str(len(data)))))
    assert j["crc32"] == __import__("zlib").crc32(data)


def test_flash_erase_and_errors(env):
    ok(run(env, "flash", "erase", "0x4000", "4K"))
    assert ok(run(env, "flash", "read", "0x4000", "4")) == "00004000  ff ff ff ff\n"
    # A range the store's geometry refuses is the caller's params: exit 2.
    r = run(env, "flash", "erase", "0x4100", "4096")
    assert r.returncode == 2 and "not a multiple of the erase unit 4096" in r.stderr
    r = run(env, "flash", "verify", "0xffff0", "0x20")
    assert r.returncode == 2 and "FLASH_VERIFY range 0x000ffff0 + 32 is past the end" in r.stderr
    small = os.path.join(env.tmp, "small.bin")
    open(small, "wb").write(b"\0" * 512)
    r = run(env, "flash", "write", "0xfff00", small)  # nothing written: checked first
    assert r.returncode == 2 and "512 bytes at 0x000fff00 do not fit the store" in r.stderr
    r = run(env, "flash", "read", "0xffff0", "0x20")  # flash.read: -32602, invalid params
    assert r.returncode == 2 and "past the end of the store" in r.stderr
    # -o FILE goes through flash.stream: the same refusal, no hex reads after it
    # (a -32602 that carries the module's status is not "wisd took no pipe").
    out = os.path.join(env.tmp, "past-end.bin")
    r = run(env, "flash", "read", "0xffff0", "0x2000", "-o", out)
    assert r.returncode == 2 and "past the end of the store" in r.stderr, r.stderr
    assert "FLASH_READ range 0x000ffff0 + 8192 is past the end" in r.stderr, r.stderr
    for args in (["flash", "read", "1"], ["flash", "erase", "x", "1"],
                 ["flash", "write", "0", "/nonexistent"], ["flash", "verify", "0"],
                 ["flash", "info", "extra"]):
        r = run(env, *args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (args, r.stderr)
    r = subprocess.run([WISCTL, "flash", "read", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("usage: wisctl flash read")


def test_flash_raw_and_claims(env):
    a, b = env.client(), env.client()
    assert a.call("flash.raw", {"tx": "9f", "rx_len": 3}) == {"data": "9d6014"}
    e = a.error("flash.raw", {"tx": "9g"})
    assert e["code"] == -32602 and "not a hex digit" in e["message"], e
    a.call("claim", {"resources": "LED3"})
    e = b.error("flash.write", {"addr": 0, "data": "00", "erase": True})
    assert e["code"] == -32003 and "LED3" in e["message"], e
    a.call("unclaim", {"resources": "LED3"})
    b.call("flash.write", {"addr": 0x5000, "data": "a55a", "erase": True})
    assert b.call("flash.read", {"addr": 0x5000, "len": 2}) == {"data": "a55a"}


def test_flash_write_image_resumes(env):
    # A 256 KiB image: write-image is killed once wisd has served the
    # requests of its first two 4 KiB units (daemon.status counts them; the
    # flash itself is not touched meanwhile: the module serves one flash
    # operation at a time and refuses a second as busy).  The second run
    # skips what is in place (one flash.verify per skipped unit instead of
    # 1 + 8 flash.write: wisd's count), writes the rest, verifies the whole.
    size, unit = 256 * 1024, 4096
    data = os.urandom(size)
    src = os.path.join(env.tmp, "image.bin")
    open(src, "wb").write(data)
    c = env.client()
    ok(run(env, "flash", "erase", "0x20000", "256K"))
    p = subprocess.Popen([WISCTL, "--socket", env.wisd.sock, "flash", "write-image", src,
                          "--addr", "0x20000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    start = env.wisd.status()["requests"] + 1
    try:
        # info, then per unit a verify and 8 writes; +1 for each status call.
        for k in range(20000):
            if env.wisd.status()["requests"] - start - k >= 1 + 2 * 9:
                break
        p.kill()
    finally:
        p.wait()
    assert p.returncode == -9, ("write-image ended before it could be interrupted",
                                p.returncode, p.stderr.read())
    # What the killed run left complete: whole units from the start.  The
    # flash.write it had in flight may still be running on the module
    # (BUSY meanwhile).
    def device_crc(addr, n):
        for _ in range(500):
            r = c.call_raw("flash.verify", {"addr": addr, "len": n})
            if "result" in r:
                return r["result"]["crc32"]
            assert r["error"]["data"]["status"] == "BUSY", r
            time.sleep(0.01)
        raise AssertionError("flash still busy")
    done = 0
    while done < size and device_crc(0x20000 + done, unit) == \
            __import__("zlib").crc32(data[done:done + unit]):
        done += unit
    assert unit <= done < size, done
    # The unit the killed run was writing is part written: erased once
    # (flash.erase) before it is written again.
    cut = device_crc(0x20000 + done, unit) != __import__("zlib").crc32(b"\xff" * unit)
    before = env.wisd.status()["requests"]
    j = json.loads(ok(run(env, "--json", "flash", "write-image", src, "--addr", "0x20000")))
    requests = env.wisd.status()["requests"] - before - 1  # minus this status call
    assert j["skipped"] == done and j["written"] == size - done, (j, done)
    assert j["len"] == size and j["crc32"] == __import__("zlib").crc32(data)
    # info + a verify per unit + 8 writes per written unit (+ the erase of a
    # cut unit) + the final verify.
    assert requests == 1 + size // unit + (size - done) // 512 + cut + 1, (requests, done, cut)
    assert ok(run(env, "flash", "verify", "0x20000", src)).startswith("match")
    # Run again: everything is in place, nothing is written.
    out = ok(run(env, "flash", "write-image", src, "--addr", "0x20000"))
    assert "wrote 0, skipped %d already in place" % size in out, out
    # On a terminal a progress bar; with --json none, terminal or not.
    for args, bar in ((["flash", "write-image", src, "--addr", "0x20000"], True),
                      (["--json", "flash", "write-image", src, "--addr", "0x20000"], False)):
        rc, err = stderr_on_a_terminal([WISCTL, "--socket", env.wisd.sock] + args)
        assert rc == 0
        assert (b"] 100% 262144/262144 bytes" in err) == bar, (args, err)
    r = run(env, "flash", "write-image", src, "--addr", "0xf0000")
    assert r.returncode == 2 and "do not fit the store" in r.stderr, r.stderr


def wear(env, addr):
    """How many erases of the simulated chip covered the sector at addr."""
    r = env.sim.ctl("flash wear 0x%x" % addr)
    assert r.startswith("ok flash sector 0x%05x wear=" % (addr & ~0xfff)), r
    return int(r.rsplit("=", 1)[1])


def test_flash_writes_erase_a_unit_once(env):
    # Over bytes that are not erased, a whole 4 KiB unit is erased once and
    # then programmed: the erase flag on each of its eight 512-byte
    # flash.write requests had the module merge and erase it eight times.
    # A unit only partly covered keeps the flag: the bytes around survive.
    # An erased unit is not erased at all.  Both for write and write-image.
    base, unit = 0x30000, 4096
    for bad in ("flash wear 0x100000", "flash wear", "flash wear x", "flash tear 0"):
        assert env.sim.ctl(bad).startswith("error usage: flash wear ADDR"), bad
    old = os.urandom(3 * unit)
    src = os.path.join(env.tmp, "old.bin")
    open(src, "wb").write(old)
    ok(run(env, "flash", "erase", "0x30000", "12K"))
    w0 = [wear(env, base + k * unit) for k in range(3)]
    ok(run(env, "flash", "write", "0x30000", src))
    assert [wear(env, base + k * unit) for k in range(3)] == w0  # erased: none
    for cmd in ("write", "write-image"):
        new = os.urandom(2 * unit + 100)
        img = os.path.join(env.tmp, "new.bin")
        open(img, "wb").write(new)
        args = ["flash", cmd, "0x30000", img] if cmd == "write" else \
            ["flash", cmd, img, "--addr", "0x30000"]
        ok(run(env, *args))
        w1 = [wear(env, base + k * unit) for k in range(3)]
        assert w1 == [w0[0] + 1, w0[1] + 1, w0[2] + 1], (cmd, w0, w1)
        back = os.path.join(env.tmp, "back.bin")
        ok(run(env, "flash", "read", "0x30000", str(3 * unit), "-o", back))
        got = open(back, "rb").read()
        assert got[:len(new)] == new and got[len(new):] == old[len(new):], cmd
        old, w0 = got, w1


def test_flash_write_two_in_flight(tmp_path):
    # wisctl flash write keeps two flash.write requests in flight (the
    # module programs one while the next travels); against firmware that
    # answers the second BUSY it goes one at a time, and every byte lands.
    data = os.urandom(3 * 4096 + 300)
    src = str(tmp_path / "in.bin")
    open(src, "wb").write(data)
    for busy in (False, True):
        sock = str(tmp_path / ("fake%d.sock" % busy))
        t, rec = fake_flash_wisd(sock, busy)
        r = wisctl(sock, "flash", "write", "0x10000", src, timeout=30)
        assert r.returncode == 0, (busy, r.stderr)
        t.join(5)
        got = b"".join(bytes.fromhex(rec["written"][a]) for a in sorted(rec["written"]))
        assert got == data and min(rec["written"]) == 0x10000, busy
        assert rec["most"] == (1 if busy else 2), (busy, rec["most"])
        assert rec["busy"] == busy, rec["busy"]


def test_largest_requests_through_wisd(env):
    # The opcode table's largest payloads fit one request through the JSON
    # mapping: flash.write of 1016 bytes, uart.write of 1019; as a step of
    # "batch" (BATCH framing) they do not, and say so.
    c = env.client()
    data = os.urandom(1016)
    c.call("flash.write", {"addr": 0x8000, "data": data.hex(), "erase": True})
    back = c.call("flash.read", {"addr": 0x8000, "len": 1016})["data"]
    assert back == data.hex()
    c.call("uart.config", {"port": "uart1", "baud": 115200})
    assert c.call("uart.write", {"port": "uart1", "data": "u" * 1019}) == {"taken": 1019}
    r = c.call_raw("batch", {"steps": [{"method": "uart.write",
                                        "params": {"port": "uart1", "data": "u" * 1019}}]})
    assert r["error"]["data"]["status"] == "TOO_BIG", r
    assert "exceed the device's 1024-byte payload" in r["error"]["message"], r
