"""The diagnostic methods: system.delay is a long operation whose timeout
is wisd's timeout_ms plus the opcode's bound (the delay), and system.emit
makes the module send diag.event notifications of any length up to the
maximum, each carrying its data and whether it holds EMIT's pattern.
A module without DELAY/EMIT answers UNKNOWN_OP, which is reported as such
(the rest of each test then needs the newer firmware)."""
import pytest

from wisdtest import Setup, wisctl


@pytest.fixture
def short():
    """wisd with a 300 ms call timeout: shorter than the delays below."""
    s = Setup(wisd_args=("--set", "timeout_ms=300"))
    try:
        yield s
    finally:
        s.close()


def supported(r):
    if "error" in r:
        e = r["error"]
        assert e["code"] == -32000 and e["data"]["status"] == "UNKNOWN_OP", e
        pytest.skip("this module's firmware has no DELAY/EMIT yet")
    return r["result"]


def test_delay_longer_than_the_timeout(short):
    c = short.client()
    before = c.call("system.uptime")["uptime_us"]
    res = supported(c.call_raw("system.delay", {"delay_us": 800000}, timeout=5))
    assert res["uptime_us"] - before >= 800000
    # Other requests are answered meanwhile (the module keeps serving).
    slow = c.request("system.delay", {"delay_us": 600000})
    other = short.client()
    assert other.call("system.ping", {"data": "x"}, timeout=0.5) == {"data": "x"}
    assert "result" in c.response(slow, timeout=5)
    # wisctl waits for it too, through wisd and directly.
    r = wisctl(short.wisd.sock, "--timeout", "300", "delay", "700000")
    assert r.returncode == 0 and "uptime_us" in r.stdout, r


def test_emit_long_events(env):
    c = env.client()
    c.call("subscribe", {"topics": "diag.event"})
    res = supported(c.call_raw("system.emit", {"count": 3, "len": 240}))
    seqs = []
    for _ in range(3):
        e = c.notification("diag.event")["params"]
        assert e["len"] == 240 and len(e["data"]) == 480 and e["pattern_ok"], e
        seqs.append(e["seq"])
    assert seqs[0] == res["first_seq"] and seqs == list(range(seqs[0], seqs[0] + 3))
    r = wisctl(env.wisd.sock, "emit", "1", "7")
    assert r.returncode == 0 and "first_seq" in r.stdout, r
    e = c.notification("diag.event")["params"]
    assert e["len"] == 7 and e["pattern_ok"]
