"""The Semtech UDP bridge (daemon/comp_semtech.c) against a network-server
stand-in that follows the packet forwarder protocol v2 byte for byte
(tokens, acks, JSON fields).  Two simulated modules share a radio medium:
the gateway (wisd with the bridge on) and a node (its own wisd).  An uplink
from the node arrives as one PUSH_DATA rxpk; a downlink the server
schedules into RX1 (uplink tmst + 1 s) leaves the gateway within 100 µs of
that device time and the node receives it; every TX_ACK error code the
bridge can give, and malformed or foreign datagrams, are counted and
ignored without disturbing the next good downlink.
"""
import base64
import json
import os
import socket
import struct
import tempfile
import time

import pytest

from wisdtest import Sim, Wisd, wait_for

LORAWAN = {"freq_hz": 868100000, "sf": 7, "bw_hz": 125000, "cr": 5, "sync_word": 0x34}


class NetworkServer:
    """The server's two UDP ports; acks what the protocol says it acks."""

    def __init__(self):
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for s in (self.up, self.down):
            s.bind(("127.0.0.1", 0))
            s.settimeout(0.05)
        self.gw_down = None   # where PULL_DATA came from: PULL_RESPs go there
        self.rxpk, self.stats, self.tx_acks, self.pulls = [], [], [], []
        self.eui = None
        self.token = 0x4000

    @property
    def ports(self):
        return self.up.getsockname()[1], self.down.getsockname()[1]

    def pump(self, seconds=0.0):
        """Reads and answers every datagram for the given time (at least once)."""
        end = time.monotonic() + seconds
        while True:
            for s in (self.up, self.down):
                try:
                    data, addr = s.recvfrom(65536)
                except socket.timeout:
                    continue
                self.handle(s, data, addr)
            if time.monotonic() >= end:
                return

    def handle(self, s, data, addr):
        assert data[0] == 2, data
        tok, ident = data[1:3], data[3]
        if s is self.up:
            assert ident == 0, data          # PUSH_DATA only, on the up port
            self.eui = data[4:12]
            body = json.loads(data[12:])
            self.rxpk += body.get("rxpk", [])
            if "stat" in body:
                self.stats.append(body["stat"])
            s.sendto(bytes([2]) + tok + bytes([1]), addr)   # PUSH_ACK, same token
        elif ident == 2:                     # PULL_DATA
            assert len(data) == 12
            self.eui = data[4:12]
            self.gw_down = addr
            self.pulls.append(tok)
            s.sendto(bytes([2]) + tok + bytes([4]), addr)   # PULL_ACK
        elif ident == 5:                     # TX_ACK
            self.tx_acks.append((struct.unpack(">H", tok)[0], data[4:12],
                                 json.loads(data[12:]) if len(data) > 12 else None))
        else:
            raise AssertionError("unexpected datagram %r" % data)

    def wait(self, pred, timeout=8.0, what="datagram"):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(0.05)
            v = pred()
            if v:
                return v
        raise AssertionError("timed out waiting for " + what)

    def pull_resp(self, txpk=None, raw=None):
        """Sends a PULL_RESP; returns its token."""
        self.wait(lambda: self.gw_down, what="PULL_DATA")
        self.token += 1
        body = raw if raw is not None else json.dumps({"txpk": txpk}).encode()
        self.down.sendto(bytes([2]) + struct.pack(">H", self.token) + bytes([3]) + body,
                         self.gw_down)
        return self.token

    def tx_ack(self, tok, wisd=None):
        """The error of the TX_ACK for tok ("NONE" when accepted); with wisd
        given, a refusal's reason is added for the assertion message."""
        acks = self.wait(lambda: [a for a in self.tx_acks if a[0] == tok], what="TX_ACK")
        assert len(acks) == 1 and acks[0][1] == self.eui
        err = acks[0][2]["txpk_ack"]["error"]
        if wisd and err != "NONE":
            err += " (%s)" % semtech_status(wisd)["last_error"]
        return err

    def close(self):
        self.up.close()
        self.down.close()


@pytest.fixture
def net():
    tmpdir = tempfile.TemporaryDirectory(prefix="wisd-semtech-")
    tmp = tmpdir.name
    medium = os.path.join(tmp, "medium")
    os.mkdir(medium)
    ns = NetworkServer()
    up, down = ns.ports
    sims, wisds, clients = [], [], []
    try:
        for n in ("gw", "node"):
            sims.append(Sim(tmp, ("--medium", medium), os.path.join(tmp, n + ".tty"),
                            os.path.join(tmp, n + ".ctl")))
        args = ["--set", "semtech.enabled=yes", "--set", "semtech.server=127.0.0.1",
                "--set", "semtech.port_up=%d" % up, "--set", "semtech.port_down=%d" % down,
                "--set", "semtech.keepalive_s=1", "--set", "semtech.stat_s=1",
                "--set", "semtech.max_advance_s=5"]
        # Lab rules: packets back to back, not EU868's duty cycle (wisd's default).
        lab = ["--set", "radio_region=lab"]
        wisds.append(Wisd(tmp, sims[0].link, args + lab, name="wisd-gw"))
        wisds.append(Wisd(tmp, sims[1].link, lab, name="wisd-node"))
        gw, node = wisds[0].client(), wisds[1].client()
        clients += [gw, node]
        node.call("radio.config", dict(LORAWAN, invert_iq=False))
        wait_for(lambda: wisds[0].status()["components"]["semtech"]["radio_ready"],
                 what="gateway radio ready")
        ns.wait(lambda: ns.gw_down, timeout=0.8, what="PULL_DATA as soon as the EUI is known")
        yield ns, gw, node, wisds[0]
    finally:
        for c in clients:
            c.close()
        for w in wisds:
            assert w.stop() == 0
        for s in sims:
            s.kill()
        ns.close()
        tmpdir.cleanup()


def semtech_status(w):
    return w.status()["components"]["semtech"]


def uplink(ns, gw, node, payload):
    gw.call("subscribe", {"topics": "radio.rx"})
    node.call("radio.send", {"data": payload})
    rx = gw.notification("radio.rx")["params"]
    pk = ns.wait(lambda: [p for p in ns.rxpk
                          if base64.b64decode(p["data"]) == payload.encode()], what="rxpk")
    assert len(pk) == 1
    return rx, pk[0]


def test_uplink_push_data_and_keepalive(net):
    ns, gw, node, w = net
    rx, pk = uplink(ns, gw, node, "hello")
    info = gw.call("system.info")
    assert ns.eui == bytes.fromhex(info["device_id"])
    assert pk["tmst"] == rx["device_us"] & 0xFFFFFFFF
    assert pk["freq"] == 868.1 and pk["chan"] == 0 and pk["rfch"] == 0
    assert pk["modu"] == "LORA" and pk["datr"] == "SF7BW125" and pk["codr"] == "4/5"
    assert pk["stat"] == 1 and pk["size"] == 5 and pk["data"] == "aGVsbG8="
    assert pk["rssi"] == round(rx["rssi_dbm"]) and abs(pk["lsnr"] - rx["snr_db"]) <= 0.05
    assert pk["time"].endswith("Z") and len(pk["time"]) == len("2026-11-30T01:02:03.456789Z")
    ns.wait(lambda: ns.stats and ns.stats[-1]["rxfw"] >= 1, what="stat")
    st = ns.stats[-1]
    assert st["rxnb"] == 1 and st["rxok"] == 1 and st["time"].endswith(" GMT")
    assert st["ackr"] > 0
    ns.wait(lambda: len(ns.pulls) >= 2, what="two PULL_DATA")
    s = wait_for(lambda: (lambda s: s if s["pull_acked"] >= 2 and s["push_acked"] >= 2
                          else None)(semtech_status(w)), what="acks counted")
    assert s["malformed"] == 0 and s["unexpected"] == 0


def test_downlink_rx1_on_time(net):
    """RX1 (uplink tmst + 1 s) leaves within 100 µs of that device time.  The
    simulator's process can be descheduled on a loaded machine: the best of
    up to three exchanges counts, as in tests/integration/test_radio.c."""
    ns, gw, node, w = net
    gw.call("subscribe", {"topics": "radio.tx"})
    best, n = None, 0
    while n < 3 and (best is None or best > 100):
        n += 1
        node.call("radio.config", dict(LORAWAN, invert_iq=False))
        rx, pk = uplink(ns, gw, node, "join%d" % n)
        # Answer at once, as a network server does; the node then has the
        # rest of the second to turn to the downlink's inverted IQ.
        tmst = (pk["tmst"] + 1000000) & 0xFFFFFFFF
        tok = ns.pull_resp({"imme": False, "tmst": tmst, "freq": 868.1, "rfch": 0, "powe": 14,
                            "modu": "LORA", "datr": "SF7BW125", "codr": "4/5", "ipol": True,
                            "size": 6, "data": base64.b64encode(b"accept").decode(),
                            "ncrc": True})
        node.call("radio.config", dict(LORAWAN, invert_iq=True))
        node.call("subscribe", {"topics": "radio.rx"})
        node.call("radio.rx")
        assert ns.tx_ack(tok, w) == "NONE"
        tx = gw.notification("radio.tx", timeout=5)["params"]
        try:
            got = node.notification("radio.rx", timeout=5)["params"]
        except AssertionError:
            # Once in a CI run under heavy load the node's simulator missed
            # a downlink that left on time: another exchange, as for a late
            # one; a downlink that never arrives fails all three.
            node.call("radio.stop")
            wait_for(lambda: gw.call("radio.status")["state"] == "rx", what="gateway in RX")
            continue
        assert bytes.fromhex(got["hex"]) == b"accept"
        err = abs(tx["tx_start_us"] - (rx["device_us"] + 1000000))
        best = err if best is None else min(best, err)
        # Back on the uplink channel before the next uplink.
        wait_for(lambda: gw.call("radio.status")["state"] == "rx", what="gateway back in RX")
        st = gw.call("radio.status")
        assert (st["freq_hz"], st["sf"], st["bw_hz"]) == (868100000, 7, 125000)
    assert best is not None, "none of %d downlinks reached the node" % n
    assert best <= 100, "best of %d downlinks: %d µs from the asked device time" % (n, best)
    node.call("radio.config", dict(LORAWAN, invert_iq=False))
    uplink(ns, gw, node, "again")
    s = semtech_status(w)
    assert s["txnb"] == n and s["tx_failed"] == 0 and s["dwnb"] == n


def test_tx_ack_errors(net):
    ns, gw, node, w = net
    _, pk = uplink(ns, gw, node, "up")
    base = {"freq": 868.1, "powe": 14, "modu": "LORA", "datr": "SF7BW125", "codr": "4/5",
            "ipol": True, "data": base64.b64encode(b"x").decode()}
    t = pk["tmst"]
    cases = [
        (dict(base, tmst=(t + 1000) & 0xFFFFFFFF), "TOO_LATE"),
        (dict(base, tmst=(t + 10000000) & 0xFFFFFFFF), "TOO_EARLY"),
        (dict(base, tmst=(t + 3000000) & 0xFFFFFFFF), "NONE"),
        (dict(base, tmst=(t + 3010000) & 0xFFFFFFFF), "COLLISION_PACKET"),
        (dict(base, tmst=(t + 3000000) & 0xFFFFFFFF, freq=1000.0), "TX_FREQ"),
        (dict(base, tmst=(t + 3500000) & 0xFFFFFFFF, powe=30), "TX_POWER"),
        (dict(base, tmms=1234567890), "GPS_UNLOCKED"),
        (dict(base, imme=True, data="!!!"), "INVALID_TXPK"),
        (dict(base, imme=True, size=9), "INVALID_TXPK"),
        (dict(base, imme=True, modu="FSK"), "INVALID_TXPK"),
        (dict(base, imme=True, datr="SF13BW125"), "INVALID_TXPK"),
    ]
    for txpk, want in cases:
        tok = ns.pull_resp(txpk)
        assert ns.tx_ack(tok, w).split(" (")[0] == want, (txpk, want, ns.tx_ack(tok, w))
    tok = ns.pull_resp(raw=b"{not json")
    assert ns.tx_ack(tok) == "INVALID_TXPK"
    s = semtech_status(w)
    r = s["tx_rejected"]
    assert (r["TOO_LATE"], r["TOO_EARLY"], r["COLLISION_PACKET"], r["TX_FREQ"], r["TX_POWER"],
            r["GPS_UNLOCKED"], r["INVALID_TXPK"]) == (1, 1, 1, 1, 1, 1, 5)
    assert s["malformed"] == 5 and s["queued"] == 1


def test_malformed_and_foreign_datagrams_ignored(net):
    ns, gw, node, w = net
    ns.wait(lambda: ns.gw_down, what="PULL_DATA")
    before = semtech_status(w)
    junk = [b"", b"\x02", b"\x01\x00\x01\x04", b"\x02\x00\x01\x09",
            b"\x02\xde\xad\x04",               # PULL_ACK with a token never sent
            b"\x02\x00\x01\x01",               # PUSH_ACK on the downstream socket
            b"\x02\x00\x01\x04extra"]
    for j in junk:
        ns.down.sendto(j, ns.gw_down)
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.sendto(b"\x02\x00\x07\x03" + json.dumps(
        {"txpk": {"imme": True, "freq": 868.1, "datr": "SF7BW125",
                  "data": "eA=="}}).encode(), ns.gw_down)
    stranger.close()
    # A good imme downlink still goes out.
    node.call("radio.config", dict(LORAWAN, invert_iq=True))
    node.call("subscribe", {"topics": "radio.rx"})
    node.call("radio.rx")
    tok = ns.pull_resp({"imme": True, "freq": 868.1, "powe": 10, "datr": "SF7BW125",
                        "codr": "4/5", "ipol": True, "data": base64.b64encode(b"ok").decode()})
    assert ns.tx_ack(tok, w) == "NONE"
    assert bytes.fromhex(node.notification("radio.rx", timeout=5)["params"]["hex"]) == b"ok"
    s = wait_for(lambda: (lambda s: s if s["txnb"] == 1 else None)(semtech_status(w)),
                 what="TX counted")
    # b"" is no datagram at all to a UDP reader: libuv reports nothing for it.
    assert s["malformed"] - before["malformed"] == 4   # short, version 1, ident 9, long PULL_ACK
    assert s["unexpected"] - before["unexpected"] == 3  # stale token, PUSH_ACK down, stranger
