"""The uartpty component: a module UART as a pseudo-terminal on the host.
A host program (here Python with os/termios, as pyserial would) opens the
pty's symlink, writes a burst larger than one frame and reads it back
through the simulator's UART loopback; the pty's speed and stop bits
become the port's uart.config (parity is a setting: Linux ptys clear
PARENB); the component holds the port's claim; the symlink goes
when wisd stops."""
import os
import select
import subprocess
import termios
import tty

from wisdtest import WISD, Setup, wait_for


def port_status(s, port="uart0"):
    return s.wisd.status()["components"]["uartpty"].get(port, {})


def read_exactly(fd, n, timeout=10.0):
    got = b""
    while len(got) < n:
        r, _, _ = select.select([fd], [], [], timeout)
        assert r, "pty: %d of %d bytes read back" % (len(got), n)
        got += os.read(fd, n - len(got))
    return got


def test_pty_round_trip(tmp_path):
    path = str(tmp_path / "run" / "uart0")
    s = Setup(wisd_args=("--set", "uartpty.uart0=" + path, "--set", "uartpty.baud=57600",
                         "--set", "uartpty.parity=even"))
    fd = -1
    try:
        wait_for(lambda: port_status(s).get("configured"), what="uart0 configured")
        st = port_status(s)
        assert os.readlink(path) == st["pty"] and st["pty"].startswith("/dev/pts/")
        assert st["baud"] == 57600 and st["parity"] == "even"
        assert "uart0" in s.wisd.status()["components"]["uartpty"]["claim"]
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        # The pty shows the port's speed; the host program sets its own.
        assert termios.tcgetattr(fd)[5] == termios.B57600
        burst = os.urandom(3000)  # three uart.write requests (1019 bytes each)
        os.write(fd, burst)
        assert read_exactly(fd, len(burst)) == burst
        st = port_status(s)
        assert st["to_device"] == 3000 and st["from_device"] == 3000, st
        assert st["writes"] >= 3 and st["dropped"] == 0, st
        # The component holds uart0: another client may not write to it.
        c = s.client()
        e = c.error("uart.write", {"port": "uart0", "data": "x"})
        assert e["code"] == -32003 and "uartpty" in e["message"], e
        # termios: 9600 baud, 2 stop bits -> uart.config.
        a = termios.tcgetattr(fd)
        a[2] |= termios.CSTOPB
        a[4] = a[5] = termios.B9600
        termios.tcsetattr(fd, termios.TCSANOW, a)
        wait_for(lambda: port_status(s)["baud"] == 9600 and port_status(s)["configured"],
                 what="uart0 reconfigured")
        st = port_status(s)
        assert st["parity"] == "even" and st["stop_bits"] == 2, st
        os.write(fd, b"after reconfig")
        assert read_exactly(fd, 14) == b"after reconfig"
        # A module reset: the port is configured again and still works.
        c.call("subscribe", {"topics": "device.state"})
        c.call("system.reset")
        while c.notification("device.state", 10)["params"]["state"] != "up":
            pass
        wait_for(lambda: port_status(s)["configured"], what="configured after reset")
        os.write(fd, b"after reset")
        assert read_exactly(fd, 11) == b"after reset"
    finally:
        if fd >= 0:
            os.close(fd)
        s.close()
    assert not os.path.lexists(path)


def test_refuses_a_file(tmp_path):
    path = tmp_path / "uart1"
    path.write_text("not a pty")
    r = subprocess.run([WISD, "--device", "/nonexistent", "--socket", str(tmp_path / "s"),
                        "--set", "uartpty.uart1=" + str(path)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode != 0 and "exists and is not a symlink" in r.stdout + r.stderr, r
    assert path.read_text() == "not a pty"
