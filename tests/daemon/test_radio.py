"""The radio through wisd: three simulators on one shared medium, each with
its own wisd.  radio.* methods, radio.rx / radio.tx notifications, limits
from the opcode table, config and RX re-applied after a module reset, and
wisctl's radio commands (airtime offline), and the regional rules wisd
applies (radio_region: EU868 by default, duty cycle shared by all clients;
US915 dwell time; lab opts out).  SF7/BW500: packets of a few ms.
"""
import os
import subprocess
import tempfile
import time

import pytest

from wisdtest import Setup, Sim, Wisd, WISD, WISCTL, wait_for, wisctl

FAST = {"bw_hz": 500000}


@pytest.fixture
def trio(request):
    # radio_region of the three wisds: default (EU868) unless parametrized.
    region = getattr(request, "param", None)
    wargs = ("--set", "radio_region=" + region) if region else ()
    tmpdir = tempfile.TemporaryDirectory(prefix="wisd-radio-")
    tmp = tmpdir.name
    medium = os.path.join(tmp, "medium")
    os.mkdir(medium)
    sims, wisds, clients = [], [], []
    try:
        for n in "abc":
            s = Sim(tmp, ("--medium", medium), os.path.join(tmp, n + ".tty"),
                    os.path.join(tmp, n + ".ctl"))
            sims.append(s)
            wisds.append(Wisd(tmp, s.link, wargs, name="wisd-" + n))
            clients.append(wisds[-1].client())
        yield sims, wisds, clients
    finally:
        for c in clients:
            c.close()
        for w in wisds:
            assert w.stop() == 0
        for s in sims:
            s.kill()
        tmpdir.cleanup()


def test_exchange_three(trio):
    sims, wisds, (a, b, c) = trio
    for cl in (a, b, c):
        assert cl.call("radio.config", FAST) == {"ldro_on": 0, "symbol_us": 256}
    for cl in (b, c):
        cl.call("subscribe", {"topics": "radio.rx"})
        cl.call("radio.rx")
    a.call("subscribe", {"topics": "radio.tx"})
    r = a.call("radio.send", {"data": "hi there"})
    assert r["airtime_us"] >= 7000 and r["tx_end_us"] - r["tx_start_us"] == r["airtime_us"]
    for cl in (b, c):
        n = cl.notification("radio.rx")["params"]
        assert n["hex"] == b"hi there".hex() and n["len"] == 8
        assert n["rssi_dbm"] == -86.0 and n["snr_db"] > 0
        assert n["sf"] == 7 and n["bw_hz"] == 500000 and n["crc"] is True
    t = a.notification("radio.tx")["params"]
    assert t["len"] == 8 and t["airtime_us"] == r["airtime_us"]
    # The other way, by hex; A was not receiving: only C hears B.
    b.call("radio.send", {"hex": "00ff"})
    assert c.notification("radio.rx")["params"]["hex"] == "00ff"
    st = b.call("radio.status")
    assert st["state"] == "rx" and st["tx_packets"] == 1 and st["rx_packets"] == 1


def test_limits_and_errors(trio):
    _, _, (a, _, _) = trio
    e = a.error("radio.config", {"power_dbm": 23})
    assert "-9..22" in e["message"], e
    e = a.error("radio.config", {"sf": 13})
    assert "5..12" in e["message"], e
    e = a.error("radio.config", {"bw_hz": 100000})
    assert "bw_hz 100000 not a LoRa bandwidth" in e["message"], e
    assert "500000" in e["message"], e
    e = a.error("radio.send", {"data": "x"})
    assert "RADIO_CONFIG first" in e["message"], e
    a.call("radio.config", FAST)
    e = a.error("radio.send", {"hex": "0g"})
    assert "hex" in e["message"], e
    e = a.error("radio.send", {"data": "late", "at_us": 1})
    assert "too late" in e["message"], e
    assert a.call("radio.cad", {"symbols": 4}) == {"detected": 0}


def test_reapplied_after_reset(trio):
    sims, wisds, (a, b, _) = trio
    a.call("radio.config", dict(FAST, sf=8))
    b.call("radio.config", dict(FAST, sf=8))
    b.call("radio.rx")
    b.call("subscribe", {"topics": ["radio.rx", "device.state"]})
    assert sims[1].ctl("reset") == "ok"
    # wisd puts the radio back: SF8 and receiving.
    wait_for(lambda: b.call("radio.status")["state"] == "rx", 10, 0.1, "radio re-applied")
    assert b.call("radio.status")["sf"] == 8
    a.call("radio.send", {"data": "after reset"})
    n = b.notification("radio.rx")["params"]
    assert n["hex"] == b"after reset".hex() and n["sf"] == 8


def test_wisctl_radio(trio):
    _, wisds, _ = trio
    sa, sb = wisds[0].sock, wisds[1].sock
    for s in (sa, sb):
        r = wisctl(s, "radio", "config", "--bw", "500000")
        assert r.returncode == 0 and "symbol_us: 256" in r.stdout, r.stderr
    listen = subprocess.Popen([WISCTL, "--socket", sb, "radio", "listen", "--count", "1"],
                              stdout=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: wisctl(sb, "radio", "status").stdout.find("receiving: 1") >= 0,
                 5, 0.05, "listening")
        r = wisctl(sa, "radio", "send", "hello")
        assert r.returncode == 0 and "airtime_us" in r.stdout, r.stderr
        out, _ = listen.communicate(timeout=10)
    finally:
        if listen.poll() is None:
            listen.kill()
            listen.wait()
    assert "len=5 rssi_dbm=-86.0" in out and "hex=68656c6c6f" in out, out
    r = wisctl(sa, "radio", "config", "--power", "30")
    assert r.returncode == 2 and "--power '30' is not -9..22" in r.stderr


def test_airtime_offline():
    # No wisd and no device: the socket does not exist.
    r = wisctl("/nonexistent.sock", "radio", "airtime", "--len", "23", "--sf", "12")
    assert r.returncode == 0 and r.stdout.strip() == "1482.752", r
    r = wisctl("/nonexistent.sock", "radio", "airtime", "--len", "23", "--json")
    assert r.stdout.strip() == '{"airtime_us":61696,"airtime_ms":61.696}', r
    r = wisctl("/nonexistent.sock", "radio", "airtime", "--len", "0")
    assert r.returncode == 2 and "--len '0' is not 1..255" in r.stderr


@pytest.mark.parametrize("trio", ["lab"], indirect=True)
def test_sends_from_two_clients_serialised(trio):
    # Two clients of one wisd send at once, unclaimed: the module queues the
    # sends (one on air at a time), every one is answered and heard.  With
    # radio_region = lab: under EU868 the second send would wait 100 x its
    # time on air (test_duty_cycle_shared).
    _, wisds, (a, b, _) = trio
    a2 = wisds[0].client()
    try:
        for cl in (a, b):
            cl.call("radio.config", FAST)
        b.call("subscribe", {"topics": "radio.rx"})
        b.call("radio.rx")
        ids = [(cl, cl.request("radio.send", {"data": "p%d" % i}))
               for i in range(6) for cl in (a, a2)]
        ends = []
        for cl, rid in ids:
            r = cl.response(rid, 10)
            assert "result" in r, r
            ends.append((r["result"]["tx_start_us"], r["result"]["tx_end_us"]))
        ends.sort()
        assert all(ends[i][1] < ends[i + 1][0] for i in range(len(ends) - 1)), ends
        got = sorted(bytes.fromhex(b.notification("radio.rx")["params"]["hex"]).decode()
                     for _ in ids)
        assert got == sorted("p%d" % i for i in range(6) for _ in (a, a2))
    finally:
        a2.close()


def test_duty_cycle_shared(trio):
    # EU868 (wisd's default), 868.1 MHz: the 1 % sub-band 868.0-868.6 MHz.
    # Two clients of one wisd share the module's budget; the refusal says
    # when the next send is allowed, and a send then goes through.
    _, wisds, (a, b, _) = trio
    a.call("radio.config", FAST)
    air = a.call("radio.airtime", {"len": 20, "bw_hz": 500000})["airtime_us"]
    t0 = time.monotonic()
    a.call("radio.send", {"data": "twenty bytes payload"})
    e = wisds[0].client().error("radio.send", {"data": "x"})
    elapsed_ms = (time.monotonic() - t0) * 1000
    assert "868.000-868.600 MHz (duty cycle 1.0 %)" in e["message"], e
    assert e["data"]["status"] == "REGULATION", e
    off_ms = air / 10  # 100 x time on air, in ms
    wait = e["data"]["retry_after_ms"]
    assert "allowed in %d ms" % wait in e["message"], e
    assert off_ms - elapsed_ms - 1 <= wait <= off_ms + 1, (wait, off_ms, elapsed_ms)
    # Another device's wisd has its own module and budget: B sends at once.
    b.call("radio.config", FAST)
    b.call("radio.send", {"data": "b"})
    time.sleep(wait / 1000 + 0.05)
    a.call("radio.send", {"data": "x"})
    # Outside the plan and above its EIRP: refused before the module is asked.
    e = a.error("radio.config", dict(FAST, freq_hz=915000000))
    assert "915.0000 MHz is outside the EU868 plan" in e["message"], e
    e = a.error("radio.config", dict(FAST, power_dbm=20))
    assert "EIRP 20 dBm" in e["message"] and "above EU868's 16 dBm" in e["message"], e
    # The module still runs the accepted configuration.
    assert a.call("radio.status")["freq_hz"] == 868100000


def test_us915_dwell_time():
    # US915: no duty cycle but 400 ms per send.  SF12/BW125: 20 bytes are
    # 1.3 s on air (refused, never allowed: retry_after_ms 0); SF7/BW500 is
    # a few ms, and back to back sends pass.
    s = Setup(sim_args=(), wisd_args=("--set", "radio_region=US915"))
    try:
        c = s.client()
        c.call("radio.config", {"freq_hz": 915000000, "sf": 12, "bw_hz": 125000})
        e = c.error("radio.send", {"data": "twenty bytes payload"})
        assert "US915 dwell time: 1318.912 ms on air for 20 bytes is above 400 ms" \
            in e["message"], e
        assert e["data"]["retry_after_ms"] == 0, e
        c.call("radio.config", {"freq_hz": 915000000, "sf": 7, "bw_hz": 500000})
        for _ in range(3):
            c.call("radio.send", {"data": "twenty bytes payload"})
        e = c.error("radio.config", {"freq_hz": 868100000})
        assert "outside the US915 plan" in e["message"], e
    finally:
        s.close()


def test_radio_region_setting():
    r = subprocess.run([WISD, "--device", "sim", "--socket", "/nonexistent/x.sock",
                        "--set", "radio_region=EU433"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0 and "radio_region: 'EU433' is not EU868" in r.stderr, r
