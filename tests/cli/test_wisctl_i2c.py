"""wisctl i2c/spi and the i2c.*/spi.xfer methods through wisd against the simulator's
buses: scan finds exactly the EEPROM (0x50 on I2C1) and the sensor (0x48 on
I2C2); EEPROM write then read back; a sensor register read with --reg;
address NACK named (exit 1); usage errors (exit 2); wisd refusing an
i2c2 transfer while another client claims I2C2_SDA, but not i2c1; wisctl uart
config/write/read on the looped-back ports."""
import json
import socket
import subprocess
import threading
import time

from wisdtest import WISCTL, wait_for, wisctl


def run(env, *args, **kw):
    return wisctl(env.wisd.sock, *args, **kw)


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert r.stderr == "", r.stderr
    return r.stdout


def test_i2c_scan_read_write(env):
    assert ok(run(env, "i2c", "scan", "1")) == "0x50\n"
    assert json.loads(ok(run(env, "--json", "i2c", "scan", "i2c2"))) == {"addresses": [0x48]}
    ok(run(env, "i2c", "write", "1", "0x50", "30", "de ad".replace(" ", ""), "beef"))
    time.sleep(0.02)  # the EEPROM's write cycle
    assert ok(run(env, "i2c", "read", "1", "0x50", "4", "--reg", "30")) == "deadbeef\n"
    assert ok(run(env, "i2c", "xfer", "2", "0x48", "00", "2")) == "1910\n"
    r = run(env, "i2c", "read", "1", "0x51", "1")
    assert r.returncode == 1 and "no device acknowledged" in r.stderr, r
    assert r.stderr.count("\n") == 1
    for args in (["i2c", "scan"], ["i2c", "scan", "3"], ["i2c", "read", "1", "x", "1"],
                 ["i2c", "write", "1", "0x50", "zz"], ["i2c", "xfer", "1", "0x50", "00"]):
        r = run(env, *args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (args, r.stderr)


def test_i2c_claims(env):
    a, b = env.client(), env.client()
    a.call("claim", {"resources": "I2C2_SDA"})
    e = b.error("i2c.xfer", {"bus": "i2c2", "addr": 0x48, "tx": "00", "rx_len": 2})
    assert e["code"] == -32003 and "I2C2_SDA" in e["message"], e
    assert b.call("i2c.xfer", {"bus": "i2c1", "addr": 0x50, "rx_len": 1}) == {"data": "ff"}
    e = b.error("i2c.xfer", {"bus": "i2c1", "addr": 0x50, "tx": "0"})
    assert e["code"] == -32602, e


def test_spi_xfer(env):
    # The sim's chip is on the IO-slot bus's CS: it answers its JEDEC ID.
    assert ok(run(env, "spi", "xfer", "9f", "000000")) == "ff9d6014\n"
    j = json.loads(ok(run(env, "--json", "spi", "xfer", "9f00", "--hz", "8000000", "--mode", "3")))
    assert j == {"data": "ff9d"}
    for args in (["spi", "xfer"], ["spi", "xfer", "9g"], ["spi", "xfer", "00", "--hz", "x"]):
        r = run(env, *args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (args, r.stderr)
    r = run(env, "flash", "info")
    assert r.returncode == 1 and "owned by spi" in r.stderr, r


def test_uart_through_wisd(env):
    c = env.client()
    c.call("subscribe", {"topics": "uart.rx"})
    assert ok(run(env, "uart", "config", "0", "115200", "--parity", "even")) == ""
    ok(run(env, "uart", "write", "0", "hello", "world"))
    got = b""
    while len(got) < 11:
        n = c.notification("uart.rx", timeout=5)
        assert n["params"]["port"] == "uart0" and n["params"]["overflow"] == 0, n
        got += bytes.fromhex(n["params"]["hex"])
    assert got == b"hello world"
    j = json.loads(ok(run(env, "--json", "uart", "write", "0", "--hex", "00ff")))
    assert j == {"taken": 2}
    r = run(env, "uart", "write", "1", "x")
    assert r.returncode == 1 and "UART1 is not configured" in r.stderr, r
    for args in (["uart", "config", "2", "9600"], ["uart", "config", "0", "x"],
                 ["uart", "write", "0"], ["uart", "write", "0", "--hex", "zz"]):
        r = run(env, *args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (args, r.stderr)
    e = c.error("uart.config", {"port": "uart0", "baud": 300})
    assert e["code"] == -32602, e


def start_reader(env, c, *args):
    """wisctl uart read ARGS in the background, once wisd has its subscribe
    (wisd's request count: one more than this client's own calls)."""
    r0 = c.call("daemon.status")["requests"]
    p = subprocess.Popen([WISCTL, "--socket", env.wisd.sock, "uart", "read", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    calls = 0

    def subscribed():
        nonlocal calls
        calls += 1
        return c.call("daemon.status")["requests"] >= r0 + calls + 1

    wait_for(subscribed, what="wisctl uart read's subscribe")
    return p


def test_uart_read(env):
    c = env.client()
    ok(run(env, "uart", "config", "1", "9600"))
    # The bytes, raw, ending after --count of them (two writes: the second
    # half not printed).
    p = start_reader(env, c, "1", "--count", "11")
    ok(run(env, "uart", "write", "1", "hello"))
    ok(run(env, "uart", "write", "1", " world, and more"))
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0 and out == b"hello world" and err == b"", (p.returncode, out, err)
    # --hex, a line per notification; uart0's bytes are not uart1's.
    ok(run(env, "uart", "config", "0", "115200"))
    p = start_reader(env, c, "uart1", "--hex", "--count", "3")
    ok(run(env, "uart", "write", "0", "zzz"))
    ok(run(env, "uart", "write", "1", "--hex", "00ff7f"))
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0 and out.replace(b"\n", b"") == b"00ff7f", (out, err)
    # --idle: silence ends it (exit 0, nothing printed), and --json.
    t0 = time.monotonic()
    r = run(env, "uart", "read", "1", "--idle", "300")
    assert r.returncode == 0 and r.stdout == "" and 0.25 < time.monotonic() - t0 < 5, r
    p = start_reader(env, c, "1", "--json", "--count", "2")
    ok(run(env, "uart", "write", "1", "ok"))
    out, _ = p.communicate(timeout=10)
    j = json.loads(out.splitlines()[0])
    assert j["port"] == "uart1" and bytes.fromhex(j["hex"]) == b"ok", j
    for args in (["uart", "read"], ["uart", "read", "2"], ["uart", "read", "0", "--count", "0"],
                 ["uart", "read", "0", "--idle", "x"], ["uart", "read", "0", "extra"]):
        r = run(env, *args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (args, r.stderr)


def test_uart_read_malformed_notification(tmp_path):
    # A wisd (here a fake one) whose uart.rx carries no hex bytes: said on
    # stderr, nothing printed for it; the good one after it still is.
    sock = str(tmp_path / "fake.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(sock)
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        q = json.loads(conn.makefile().readline())
        for m in ({"jsonrpc": "2.0", "id": q["id"], "result": {}},
                  {"jsonrpc": "2.0", "method": "uart.rx",
                   "params": {"port": "uart0", "overflow": 0, "hex": "6zz"}},
                  {"jsonrpc": "2.0", "method": "uart.rx",
                   "params": {"port": "uart0", "overflow": 0, "hex": "6f6b"}}):
            conn.sendall((json.dumps(m) + "\n").encode())
        conn.recv(1)  # until wisctl goes
        conn.close()
        srv.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    r = wisctl(sock, "uart", "read", "0", "--count", "2")
    assert r.returncode == 0 and r.stdout == "ok", r
    assert r.stderr == "wisctl uart read: a uart.rx notification without its bytes as hex\n", r
    t.join(5)
