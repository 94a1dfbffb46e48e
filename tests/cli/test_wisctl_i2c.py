"""wisctl i2c/spi and the i2c.*/spi.xfer methods through wisd against the simulator's
buses: scan finds exactly the EEPROM (0x50 on I2C1) and the sensor (0x48 on
I2C2); EEPROM write then read back; a sensor register read with --reg;
address NACK named (exit 1); usage errors (exit 2); wisd refusing an
i2c2 transfer while another client claims I2C2_SDA, but not i2c1."""
import json
import time

from wisdtest import wisctl


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
