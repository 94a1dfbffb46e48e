"""The serprog bridge (daemon/comp_serprog.c): Debian's flashrom, through
wisd's serprog port, detects the simulator's IS25LP080D through SFDP, reads
the whole chip equal to the simulator's image file and to what libwisrpc
reads (wisctl through wisd), writes and verifies an image; the protocol
answers byte for byte as flashrom's serprog-protocol.txt says; the flash
resource is held for the session and given back after; a second session
is refused; malformed input gets NAKs, never a crash.

Skipped when flashrom is not installed (scripts/deps.sh installs it)."""
import os
import shutil
import socket
import subprocess

import pytest

from wisdtest import Setup, wait_for, wisctl

FLASHROM = shutil.which("flashrom") or "/usr/sbin/flashrom"
needs_flashrom = pytest.mark.skipif(not os.path.exists(FLASHROM), reason="flashrom missing")
SIZE = 1 << 20


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def bridge(tmp_path):
    img = tmp_path / "flash.bin"
    data = bytearray(os.urandom(SIZE))
    img.write_bytes(data)
    port = free_port()
    st = Setup(sim_args=("--flash-image", str(img), "--flash-fast"),
               wisd_args=("--set", "serprog.enabled=yes",
                          "--set", "serprog.listen=127.0.0.1:%d" % port))
    st.port = port
    st.img = img
    st.orig = bytes(data)
    try:
        yield st
    finally:
        st.close()


class Serprog:
    """A raw serprog session on the bridge's port."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)

    def send(self, b):
        self.s.sendall(bytes(b))

    def recv(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            assert chunk, "bridge closed the connection after %r" % out
            out += chunk
        return out

    def spiop(self, tx, rlen, nak=False):
        """ACK + rlen bytes, or the one NAK byte when nak is expected."""
        self.send([0x13] + list(len(tx).to_bytes(3, "little")) +
                  list(rlen.to_bytes(3, "little")) + list(tx))
        return self.recv(1 if nak else 1 + rlen)

    def close(self):
        self.s.close()


def closed_unanswered(sock, data):
    """Sends data (if the bridge still takes it) and checks the bridge closed
    the connection without a byte of answer: an orderly close, or a reset
    (a close with our bytes unread)."""
    try:
        sock.sendall(data)
        got = sock.recv(64)
    except (ConnectionResetError, BrokenPipeError):
        got = b""
    assert got == b"", got


def flashrom(bridge, *args, timeout=60):
    r = subprocess.run([FLASHROM, "-p", "serprog:ip=127.0.0.1:%d" % bridge.port, *args],
                       capture_output=True, text=True, timeout=timeout)
    return r


def status(bridge):
    return bridge.wisd.status()["components"]["serprog"]


def test_protocol_answers(bridge):
    sp = Serprog(bridge.port)
    try:
        sp.send([0x10])                       # SYNCNOP
        assert sp.recv(2) == b"\x15\x06"
        sp.send([0x01])                       # Q_IFACE: version 1, little-endian
        assert sp.recv(3) == b"\x06\x01\x00"
        sp.send([0x02])                       # Q_CMDMAP: 32-byte bitmap
        m = sp.recv(33)
        assert m[0] == 0x06
        bits = {i for i in range(256) if m[1 + i // 8] >> (i % 8) & 1}
        assert bits == {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x10, 0x11, 0x12, 0x13}
        sp.send([0x03])                       # Q_PGMNAME: 16 bytes, NUL padded
        name = sp.recv(17)
        assert name[0] == 0x06 and name[1:].rstrip(b"\0") == b"wisd RAK4631"
        sp.send([0x05])                       # Q_BUSTYPE: SPI only
        assert sp.recv(2) == b"\x06\x08"
        sp.send([0x11, 0x08])                 # Q_RDNMAXLEN, Q_WRNMAXLEN: 24-bit 1022
        assert sp.recv(8) == b"\x06\xfe\x03\x00" * 2
        sp.send([0x12, 0x01])                 # S_BUSTYPE parallel: NAK
        assert sp.recv(1) == b"\x15"
        sp.send([0x12, 0x08])                 # S_BUSTYPE SPI: ACK
        assert sp.recv(1) == b"\x06"
        sp.send([0x09, 0x0A, 0xFF])           # unimplemented commands: NAK each
        assert sp.recv(3) == b"\x15\x15\x15"
        # JEDEC ID of the IS25LP080D, and the SFDP signature (5A, 24-bit
        # address, one dummy byte clocked).
        assert sp.spiop([0x9F], 3) == b"\x06\x9d\x60\x14"
        assert sp.spiop([0x5A, 0, 0, 0, 0], 4) == b"\x06SFDP"
        # A command split across writes, and several in one write, are
        # answered in order.
        sp.send([0x13, 1, 0])
        sp.send([0, 3])
        sp.send([0, 0, 0x9F, 0x00, 0x10])
        assert sp.recv(4 + 1 + 2) == b"\x06\x9d\x60\x14\x06\x15\x06"
        # Beyond the advertised limits: NAK, and the stream stays in step.
        assert sp.spiop([0x03, 0, 0, 0], 1023, nak=True) == b"\x15"
        assert sp.spiop(b"\x00" * 1023, 0, nak=True) == b"\x15"
        assert sp.spiop([], 0) == b"\x06"
        sp.send([0x10])
        assert sp.recv(2) == b"\x15\x06"
        # READ (03) of 16 bytes at 0x1000 is what the image holds there.
        assert sp.spiop([0x03, 0x00, 0x10, 0x00], 16) == b"\x06" + bridge.orig[0x1000:0x1010]
    finally:
        sp.close()
    st = wait_for(lambda: (lambda s: s if s["session"] is None else None)(status(bridge)),
                  what="session end")
    assert st["sessions"] == 1 and st["naks"] == 6 and st["spi_ops"] == 7


def test_flash_held_for_the_session_and_released(bridge):
    c = bridge.client()
    sp = Serprog(bridge.port)
    try:
        sp.send([0x10])
        assert sp.recv(2) == b"\x15\x06"
        # The claim is granted before any command is answered: flash is now
        # the session's, other clients are refused changes with the holder
        # named (reads, which change nothing, are still served).
        e = c.error("flash.erase", {"addr": 0, "len": 4096})
        assert "serprog 127.0.0.1" in e["message"], e
        # Other methods keep working meanwhile.
        assert c.call("system.ping", {"data": "x"})["data"] == "x"
        # A second flashrom is turned away while the first is connected.
        sp2 = socket.create_connection(("127.0.0.1", bridge.port), timeout=5)
        closed_unanswered(sp2, b"\x10")
        sp2.close()
        assert status(bridge)["refused"] == 1
    finally:
        sp.close()
    wait_for(lambda: "error" not in c.call_raw("flash.erase", {"addr": 0, "len": 4096}),
             what="flash released")
    assert status(bridge)["session"] is None


def test_refused_while_another_client_holds_flash(bridge):
    c = bridge.client()
    c.call("claim", {"resources": "flash"})
    s = socket.create_connection(("127.0.0.1", bridge.port), timeout=5)
    closed_unanswered(s, b"\x10")
    s.close()
    wait_for(lambda: status(bridge)["refused"] == 1, what="refusal counted")
    assert "refused" in bridge.wisd.logtext()


@needs_flashrom
def test_flashrom_probe_read_write_verify(bridge, tmp_path):
    r = flashrom(bridge)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'Found Unknown flash chip "SFDP-capable chip" (1024 kB, SPI) on serprog' in r.stdout
    out = tmp_path / "read.bin"
    r = flashrom(bridge, "-r", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert out.read_bytes() == bridge.orig
    # The same bytes libwisrpc reads through wisd.
    lib = tmp_path / "lib.bin"
    w = wisctl(bridge.wisd.sock, "flash", "read", "0", str(SIZE), "-o", str(lib), timeout=60)
    assert w.returncode == 0, w.stderr
    assert lib.read_bytes() == bridge.orig
    # Write an image differing in one sector and a few bytes elsewhere;
    # flashrom erases and programs what changed and verifies it.
    new = bytearray(bridge.orig)
    new[0x2000:0x3000] = b"\xa5" * 0x1000
    new[0x80001:0x80011] = b"wisrpc serprog!!"
    src = tmp_path / "new.bin"
    src.write_bytes(new)
    r = flashrom(bridge, "-w", str(src))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "VERIFIED" in r.stdout
    assert bridge.img.read_bytes() == bytes(new)
    r = flashrom(bridge, "-v", str(src))
    assert r.returncode == 0 and "VERIFIED" in r.stdout, r.stdout + r.stderr
    st = status(bridge)
    assert st["sessions"] == 4 and st["refused"] == 0 and st["naks"] == 0


def test_no_chip_fitted_naks(tmp_path):
    port = free_port()
    st = Setup(sim_args=("--no-flash",),
               wisd_args=("--set", "serprog.enabled=yes",
                          "--set", "serprog.listen=127.0.0.1:%d" % port))
    try:
        sp = Serprog(port)
        try:
            assert sp.spiop([0x9F], 3, nak=True) == b"\x15"
            sp.send([0x10])
            assert sp.recv(2) == b"\x15\x06"
        finally:
            sp.close()
        wait_for(lambda: "SPI operation refused" in st.wisd.logtext(), what="NAK logged")
        # The simulator's control socket has no chip to count erases of.
        assert st.sim.ctl("flash wear 0") == "error no flash chip fitted"
    finally:
        st.close()


def test_web_page_request_closed_unread(bridge):
    """A browser's cross-origin POST to the port (its body could hold SPI
    operations: 13 = O_SPIOP, then a chip erase) is closed before any byte
    is acted on."""
    c = socket.create_connection(("127.0.0.1", bridge.port), timeout=5)
    body = bytes([0x13, 1, 0, 0, 0, 0, 0, 0x06, 0x13, 1, 0, 0, 0, 0, 0, 0xC7])
    closed_unanswered(c, b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body)
    c.close()
    st = wait_for(lambda: (lambda s: s if s["refused"] == 1 else None)(status(bridge)),
                  what="refusal counted")
    assert st["spi_ops"] == 0 and st["sessions"] == 1
    assert "not serprog" in bridge.wisd.logtext()
    # The chip is untouched (a chip erase would have made it all 0xff).
    assert bridge.img.read_bytes() == bridge.orig
