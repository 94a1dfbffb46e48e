"""Ownership: a client's claim makes other clients' writes to those pins
fail with an error naming the owner; reads stay open; claims end with
unclaim or disconnect; system.pins shows them."""
import time

from wisdtest import wait_for, wisctl


def test_claim_refuses_other_writers(env):
    a, b = env.client(), env.client()
    assert a.call("claim", {"resources": ["io1", "LED1"]}) == {"claimed": ["pin:IO1", "pin:LED1"]}
    a.call("gpio.mode", {"pin": "IO1", "mode": "output"})
    a.call("gpio.set", {"values": {"IO1": 1}})
    for m, p in [("gpio.set", {"values": {"IO1": 0}}),
                 ("gpio.mode", {"pin": "P0.17", "mode": "input"}),
                 ("gpio.watch", {"pin": "IO1"}),
                 ("pin.release", {"pin": "IO1"}),
                 ("gpio.set", {"values": {"IO3": 1, "LED1": 1}}),
                 ("batch", {"steps": [{"method": "system.ping"},
                                      {"method": "gpio.set", "params": {"values": {"LED1": 1}}}]})]:
        e = b.error(m, p)
        assert e["code"] == -32003, (m, e)
        assert "claimed by client" in e["message"] and "pid" in e["message"], e
        assert e["data"]["resource"] in ("pin:IO1", "pin:LED1")
    # Nothing of the refused batch ran: IO3 was not touched.
    assert b.call("pin.state", {"pin": "IO3"})["owner"] == "none"
    # Reads are open to everyone.
    assert b.call("gpio.get", {"pins": "IO1"}) == {"IO1": 1}
    e = b.error("claim", {"resources": "IO1"})
    assert e["code"] == -32003 and "pin:IO1 is claimed by" in e["message"]
    e = b.error("unclaim", {"resources": "IO1"})
    assert e["code"] == -32003
    pins = {p["name"]: p for p in b.call("system.pins")["pins"]}
    assert pins["IO1"]["claimed_by"].startswith("client ")
    assert "claimed_by" not in pins["IO2"]
    # Unclaim one, then disconnect releases the rest.
    assert a.call("unclaim", {"resources": "LED1"}) == {"claimed": ["pin:IO1"]}
    b.call("gpio.set", {"values": {"LED1": 1}})
    a.close()
    wait_for(lambda: "released" in env.wisd.logtext(), what="claims released on disconnect")
    b.call("gpio.set", {"values": {"IO1": 0}})
    assert b.call("claim", {"resources": ["IO1"]}) == {"claimed": ["pin:IO1"]}


def test_claim_errors(env):
    c = env.client()
    for bad in ["VBAT", "IO99", "GND1"]:
        e = c.error("claim", {"resources": bad})
        assert e["code"] == -32602 and bad in e["message"], e
    assert c.error("claim", {"resources": []})["code"] == -32602
    assert c.call("claim", {"resources": "IO4"}) == {"claimed": ["pin:IO4"]}
    # claiming twice is fine
    assert c.call("claim", {"resources": ["IO4"]}) == {"claimed": ["pin:IO4"]}
    # Giving back someone else's claim is refused like any other write,
    # with the same data naming the owner.
    other = env.client()
    e = other.error("unclaim", {"resources": "io4"})
    assert e["code"] == -32003 and e["data"]["resource"] == "pin:IO4", e
    assert e["data"]["owner"].startswith("client "), e


def test_wisctl_sees_refusal(env):
    a = env.client()
    a.call("claim", {"resources": "LED2"})
    r = wisctl(env.wisd.sock, "gpio", "set", "LED2=1")
    assert r.returncode == 1
    assert r.stderr.startswith("wisctl gpio set: pin:LED2 is claimed by client")
    assert r.stderr.count("\n") == 1
    time.sleep(0.05)
    r = wisctl(env.wisd.sock, "pins")
    assert r.returncode == 0 and "client" in [l for l in r.stdout.splitlines() if l.startswith("LED2")][0]
