"""Bounded resources (issue 10): max_clients, max_output, max_answer,
max_subscriptions and the drain rule for clients that do not read; each
refusal is an error (or a logged drop) naming the client."""
import json
import socket
import time

from wisdtest import Client, Setup, wait_for
from sectest import rss_below

DISCOVER = '{"jsonrpc":"2.0","method":"rpc.discover","id":%d}\n'


def test_max_clients():
    s = Setup(wisd_args=("--set", "max_clients=5"))
    try:
        # Setup's own probes may still be closing: start from none.
        wait_for(lambda: s.wisd.status()["clients"] == 1, what="Setup's clients gone")
        cs = [s.client() for _ in range(5)]
        for c in cs:
            assert c.call("system.ping", {"data": "in"}) == {"data": "in"}
        extra = Client(s.wisd.sock)
        r = extra.recv(5)
        assert r["error"]["code"] == -32008 and "max_clients 5" in r["error"]["message"], r
        try:
            assert extra.recv_line(5) is None and False
        except EOFError:
            pass
        log = s.wisd.logtext()
        assert "refused: 5 clients connected (max_clients 5)" in log
        assert "uid 0) refused" in log  # the refused client is named
        cs[0].close()
        s.clients.remove(cs[0])
        wait_for(lambda: cs[1].call("daemon.status")["clients"] == 4, what="a client gone")
        c = s.client()
        assert c.call("system.ping", {"data": "again"}) == {"data": "again"}
    finally:
        s.close()


def test_max_answer_single_answer_becomes_an_error():
    s = Setup(wisd_args=("--set", "max_answer=4096"))
    try:
        c = s.client()
        r = c.call_raw("rpc.discover")
        assert r["error"]["code"] == -32008 and "max_answer 4096" in r["error"]["message"], r
        assert c.call("system.ping", {"data": "x" * 100}) == {"data": "x" * 100}
        assert "answer of" in s.wisd.logtext() and "refused (max_answer 4096)" in s.wisd.logtext()
    finally:
        s.close()


def test_slow_reader_kept_non_reader_dropped():
    """Not reading means not draining over time: a client that reads its
    large answers slowly stays, one that reads nothing goes after
    drain_timeout."""
    s = Setup(wisd_args=("--set", "max_write_queue=4096", "--set", "drain_timeout=3"))
    try:
        slow = s.client(rcvbuf=4096)
        dead = s.client(rcvbuf=4096)
        n = 30
        for c in (slow, dead):
            c.send_raw("".join(DISCOVER % i for i in range(n)))
        got = 0
        t0 = time.monotonic()
        while got < n:
            assert time.monotonic() - t0 < 30
            time.sleep(0.1)
            chunk = slow.s.recv(32768)  # ~320 KB/s: about 2 s for the ~600 KB
            assert chunk, "the slow reader was dropped"
            slow.buf += chunk
            got = slow.buf.count(b"\n")
        assert time.monotonic() - t0 > 1.5  # its queue stayed above the limit for that long
        wait_for(lambda: "dropped: not reading" in s.wisd.logtext(), 5, what="the non-reader dropped")
        assert "none taken for 3 s" in s.wisd.logtext()
        assert s.wisd.logtext().count("dropped") == 1
    finally:
        s.close()


def test_max_output_bounds_all_clients_together():
    limit = 262144
    s = Setup(wisd_args=("--set", "max_output=%d" % limit))
    try:
        c = s.client()
        readers = [s.client(rcvbuf=4096) for _ in range(4)]
        for r in readers:
            r.send_raw("".join(DISCOVER % i for i in range(60)))  # ~1.2 MB each, never read
        peak = 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2:
            peak = max(peak, c.call("daemon.status")["output_queued"])
        assert peak <= limit + 25000, peak  # within one answer of the bound
        log = s.wisd.logtext()
        assert "(max_output %d)" % limit in log, log[-2000:]
        rss_below(s.wisd.p.pid, 30)
        assert c.call("system.ping", {"data": "ok"}) == {"data": "ok"}
    finally:
        s.close()


def test_max_subscriptions():
    s = Setup(wisd_args=("--set", "max_subscriptions=2"))
    try:
        c = s.client()
        assert c.call("subscribe", {"topics": ["gpio.edge"]}) == {"topics": ["gpio.edge"]}
        c.call("gpio.watch", {"pin": "IO2", "edge": "both"})
        # Changing a watch is not one more.
        c.call("gpio.watch", {"pin": "IO2", "edge": "rising"})
        e = c.error("gpio.watch", {"pin": "IO4"})
        assert e["code"] == -32008 and "max_subscriptions 2" in e["message"], e
        e = c.error("subscribe", {"topics": "device.state"})
        assert e["code"] == -32008, e
        assert c.call("pin.state", {"pin": "IO4"})["edge"] == "none"
        c.call("unsubscribe", {"topics": "gpio.edge"})
        assert c.call("subscribe", {"topics": "device.state"}) == {"topics": ["device.state"]}
        assert "refused: 1 topics and 2 pin watches would pass max_subscriptions 2" in s.wisd.logtext()
    finally:
        s.close()
