"""Every example in examples/ run to completion against wisrpc-sim (and
wisd where it talks to wisd), its output checked."""
import os
import re
import subprocess
import sys
import threading
import time

import wisrpc

HERE = os.path.dirname(os.path.abspath(__file__))
EX = os.path.normpath(os.path.join(HERE, "..", "..", "examples"))
BUILD = os.environ.get("EXAMPLES_BUILD", "")
# The examples import the package from the checkout, as their comments say.
os.environ["PYTHONPATH"] = os.path.normpath(os.path.join(HERE, "..", "..", "bindings", "python"))


def run(args, timeout=30, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def c(name):
    return os.path.join(BUILD, "example_" + name)


def py(name):
    return [sys.executable, os.path.join(EX, "python", name + ".py")]


def check_blink(out, count):
    assert out.splitlines() == ["LED1 on (level 1)", "LED1 off (level 0)"] * count


def test_blink(lab):
    check_blink(run([c("blink"), lab.direct.link, "2", "20"]), 2)
    check_blink(run(py("blink") + [lab.direct.link, "2", "0.02"]), 2)
    check_blink(run(py("blink") + ["wisd:" + lab.sock, "1", "0.02"]), 1)


def test_adc_loop(lab):
    for args in ([c("adc_loop"), lab.direct.link, "3", "5"],
                 py("adc_loop") + [lab.direct.link, "3", "0.005"]):
        out = run(args)
        assert out.count("AIN0 1650 mV (raw 1877)") == 3
        assert out.splitlines()[-1] == "mean of 3: 1650 mV"


def test_ping_pong(lab):
    for args in ([c("ping_pong")], py("ping_pong")):
        out = run(args + [lab.direct.link, lab.served2.link, "3", "lab"])
        assert out.splitlines()[-1] == "3 of 3 rounds completed", out
        assert len(re.findall(r"A heard .pong \d. after \d+ ms \(RSSI -\d", out)) == 3


def test_ping_pong_eu868_duty_cycle(lab):
    # With the EU868 rules the second ping is refused: the example says so.
    r = subprocess.run([c("ping_pong"), lab.direct.link, lab.served2.link, "2"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "duty cycle" in r.stderr, r.stderr


def test_flash_dump_restore(lab, tmp_path):
    with wisrpc.open(lab.direct.link) as dev:
        original = os.urandom(8192)
        dev.flash.write(0x50000, original, erase=True)
    for i, tool in enumerate([[c("flash_dump")], py("flash_dump")]):
        f = str(tmp_path / ("dump%d.bin" % i))
        out = run(tool + [lab.direct.link, "dump", f, "0x50000", "8192"])
        assert "dumped 8192 bytes at 0x50000" in out
        assert open(f, "rb").read() == original
        with wisrpc.open(lab.direct.link) as dev:
            dev.flash.write(0x50000 + 4096, b"\x00" * 16, erase=True)  # damage one unit
        out = run(tool + [lab.direct.link, "restore", f, "0x50000"])
        assert "verified (4096 bytes were already in place)" in out
        with wisrpc.open(lab.direct.link) as dev:
            assert dev.flash.read(0x50000, 8192) == original
    out = run(py("flash_dump") + ["wisd:" + lab.sock, "dump", str(tmp_path / "w.bin"), "0", "2048"])
    assert "dumped 2048 bytes" in out


def send_later(lab, packets):
    """Sends packets from the direct module once the module behind wisd is
    receiving (the example under test has started its reception)."""
    def go():
        with wisrpc.connect(lab.sock) as served:
            end = time.monotonic() + 20
            while not served.radio.status().receiving and time.monotonic() < end:
                time.sleep(0.05)
        time.sleep(0.2)  # the example's subscription is made before its radio.rx
        with wisrpc.open(lab.direct.link) as dev:
            dev.radio.configure(sf=7, region="lab")
            for p in packets:
                dev.radio.send(p)
    t = threading.Thread(target=go)
    t.start()
    return t


def test_asyncio_radio_logger(lab):
    t = send_later(lab, [b"one", b"two"])
    out = run(py("radio_logger_async") + [lab.sock, "2", "10"])
    t.join()
    lines = out.splitlines()
    assert re.match(r"\d\d:\d\d:\d\d rssi=-\d+\.\d snr=\d+\.\d len=3 b'one'$", lines[0]), out
    assert lines[1].endswith("len=3 b'two'") and lines[-1] == "# 2 packets"


def test_shell_rssi_to_csv(lab, tmp_path):
    csv = tmp_path / "rssi.csv"
    env = dict(os.environ, WISD_SOCKET=lab.sock, WISCTL=os.environ["WISCTL"])
    t = send_later(lab, [b"abc", b"defgh"])
    r = subprocess.run(["sh", os.path.join(EX, "rssi_log.sh"), str(csv), "2"], env=env,
                       capture_output=True, text=True, timeout=30)
    t.join()
    assert r.returncode == 0, r.stderr
    rows = csv.read_text().splitlines()
    assert rows[0] == "time,rssi_dbm,snr_db,len,freq_hz,sf"
    assert [row.split(",")[3:] for row in rows[1:]] == [["3", "868100000", "7"],
                                                        ["5", "868100000", "7"]]
    assert float(rows[1].split(",")[0]) > 1.6e9 and float(rows[1].split(",")[1]) < 0
    assert r.stderr.strip() == "2 packets in %s" % csv
