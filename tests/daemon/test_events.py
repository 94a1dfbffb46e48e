"""Notifications: every gpio edge reaches every subscriber, in order and
with consecutive device sequence numbers; unsubscribe stops them; the
log topic carries wisd's log records."""
from wisdtest import Client, wait_for


def test_every_edge_in_order(env):
    ctl = env.client()
    subs = [env.client() for _ in range(3)]
    for s in subs:
        assert "gpio.edge" in s.call("subscribe", {"topics": ["gpio.edge"]})["topics"]
    ctl.call("gpio.mode", {"pin": "IO1", "mode": "output", "initial": 0})
    ctl.call("gpio.watch", {"pin": "IO2", "edge": "both"})
    n = 200
    # Toggle IO1 (wired to IO2) in batches of 32 writes: 200 edges.
    level, left = 0, n
    while left:
        steps = []
        for _ in range(min(32, left)):
            level ^= 1
            steps.append({"method": "gpio.set", "params": {"values": {"IO1": level}}})
        left -= len(steps)
        r = ctl.call("batch", {"steps": steps})
        assert all("result" in x for x in r["results"])
    for s in subs:
        seqs = []
        for i in range(n):
            e = s.notification("gpio.edge")["params"]
            assert e["pin"] == "IO2"
            assert e["edge"] == ("rising" if i % 2 == 0 else "falling"), (i, e)
            assert e["level"] == (1 if i % 2 == 0 else 0)
            assert e["lost"] == 0
            assert e["time"] > 1e9 and e["error_us"] >= 0
            seqs.append(e["seq"])
        assert seqs == list(range(seqs[0], seqs[0] + n))
    # The controller never subscribed: it got no notifications.
    assert ctl.recv(0.2) is None and not ctl.notes


def test_unsubscribe_and_unknown_topic(env):
    c = env.client()
    assert c.call("subscribe", {"topics": "gpio.edge"}) == {"topics": ["gpio.edge"]}
    assert c.call("unsubscribe", {"topics": ["gpio.edge"]}) == {"topics": []}
    e = c.error("subscribe", {"topics": ["gpio.nonsense"]})
    assert e["code"] == -32602 and "gpio.nonsense" in e["message"]
    # later topics are accepted now so that clients can be written ahead
    assert "radio.rx" in c.call("subscribe", {"topics": ["radio.rx", "uart.rx"]})["topics"]
    c.call("gpio.mode", {"pin": "IO1", "mode": "output"})
    c.call("gpio.watch", {"pin": "IO2"})
    c.call("gpio.set", {"values": {"IO1": 1}})
    assert c.recv(0.3) is None


def test_button_edges_via_simulator(env):
    c = env.client()
    c.call("subscribe", {"topics": "gpio.edge"})
    c.call("gpio.mode", {"pin": "SW1", "mode": "input_pullup"})
    c.call("gpio.watch", {"pin": "sw1", "edge": "falling"})
    env.sim.ctl("press SW1")
    e = c.notification("gpio.edge")["params"]
    assert (e["pin"], e["edge"], e["level"]) == ("SW1", "falling", 0)
    env.sim.ctl("release SW1")
    assert c.recv(0.3) is None  # rising edges were not asked for


def test_log_topic(env):
    c = env.client()
    c.call("subscribe", {"topics": "log"})
    other = Client(env.wisd.sock)
    other.call("claim", {"resources": "IO5"})
    n = c.notification("log")["params"]
    assert n["level"] in ("info", "debug") and n["message"]
    other.close()


def test_watches_are_per_client(env):
    ctl = env.client()
    a, b = env.client(), env.client()
    for c in (a, b):
        c.call("subscribe", {"topics": "gpio.edge"})
    ctl.call("gpio.mode", {"pin": "IO1", "mode": "output", "initial": 0})
    a.call("gpio.watch", {"pin": "IO2", "edge": "rising"})
    b.call("gpio.watch", {"pin": "IO2", "edge": "falling"})
    assert ctl.call("pin.state", {"pin": "IO2"})["edge"] == "both"
    ctl.call("gpio.set", {"values": {"IO1": 1}})
    ctl.call("gpio.set", {"values": {"IO1": 0}})
    # every subscriber sees the module's edges (the union of the wishes)
    assert [a.notification("gpio.edge")["params"]["edge"] for _ in range(2)] == ["rising", "falling"]
    assert [b.notification("gpio.edge")["params"]["edge"] for _ in range(2)] == ["rising", "falling"]
    # a's "none" withdraws only a's wish
    a.call("gpio.watch", {"pin": "IO2", "edge": "none"})
    assert ctl.call("pin.state", {"pin": "IO2"})["edge"] == "falling"
    ctl.call("gpio.set", {"values": {"IO1": 1}})
    ctl.call("gpio.set", {"values": {"IO1": 0}})
    assert b.notification("gpio.edge")["params"]["edge"] == "falling"
    # b leaving ends the last wish: the module stops watching
    b.close()
    env.clients.remove(b)
    wait_for(lambda: ctl.call("pin.state", {"pin": "IO2"})["edge"] == "none", what="watch narrowed")


def test_answer_before_the_edge_it_caused(env):
    """The module sends a write's answer before the edge event the write
    caused (responses leave before events); wisd keeps that order for a
    client that both called and subscribed, though it completes answers
    after its pass's reads (daemon/device.c: an event completes the answers
    that came before it)."""
    c = env.client()
    c.call("subscribe", {"topics": ["gpio.edge"]})
    c.call("gpio.mode", {"pin": "IO1", "mode": "output", "initial": 0})
    c.call("gpio.watch", {"pin": "IO2", "edge": "both"})
    for level in (1, 0, 1, 0, 1, 0, 1, 0):
        rid = c.request("gpio.set", {"values": {"IO1": level}})
        first = c.recv()
        assert first is not None and first.get("id") == rid and "result" in first, first
        e = c.recv()
        assert e is not None and e.get("method") == "gpio.edge", e
        assert e["params"]["level"] == level
