"""Many clients at once: 50 concurrent clients with mixed calls and
matched responses, one client pipelining hundreds of requests, a client
that stops reading being dropped while the others carry on, the idle
timeout, and the TCP listener."""
import json
import random
import socket
import threading
import time

from wisdtest import Client, Setup, wait_for
from sectest import tcp_setup


def test_fifty_concurrent_clients(env):
    errors = []
    pins = ["IO3", "IO4", "IO5", "IO6", "LED1", "LED2", "LED3", "SPI_CS"]
    env.client().call("gpio.set", {"values": {p: 0 for p in pins}})

    def worker(n):
        try:
            c = Client(env.wisd.sock, timeout=20)
            rnd = random.Random(n)
            pending = {}
            for i in range(40):
                kind = rnd.choice(["ping", "uptime", "get", "state", "adc", "batch", "bad"])
                tag = "c%d-%d" % (n, i)
                if kind == "ping":
                    rid = c.request("system.ping", {"data": tag}, tag)
                elif kind == "uptime":
                    rid = c.request("system.uptime", None, tag)
                elif kind == "get":
                    rid = c.request("gpio.get", {"pins": [rnd.choice(pins)]}, tag)
                elif kind == "state":
                    rid = c.request("pin.state", {"pin": rnd.choice(pins)}, tag)
                elif kind == "adc":
                    rid = c.request("adc.read", {"pins": "AIN0"}, tag)
                elif kind == "batch":
                    rid = c.request("batch", {"steps": [
                        {"method": "system.ping", "params": {"data": tag}},
                        {"method": "gpio.get", "params": {"pins": pins[:2]}}]}, tag)
                else:
                    rid = c.request("gpio.get", {"pins": ["NOPE"]}, tag)
                pending[rid] = kind
                if rnd.random() < 0.5:  # sometimes wait, sometimes keep pipelining
                    while pending:
                        check(c, pending)
            while pending:
                check(c, pending)
            c.close()
        except Exception as e:  # reported below, in the main thread
            errors.append("client %d: %r" % (n, e))

    def check(c, pending):
        r = c.recv(20)
        assert r is not None, "timeout"
        rid = r["id"]
        kind = pending.pop(rid)
        if kind == "ping":
            assert r["result"] == {"data": rid}
        elif kind == "uptime":
            assert r["result"]["uptime_us"] > 0
        elif kind == "get":
            assert list(r["result"].values()) == [0]
        elif kind == "state":
            assert r["result"]["owner"] == "gpio"
        elif kind == "adc":
            assert abs(r["result"]["AIN0"]["millivolts"] - 1650) <= 2
        elif kind == "batch":
            assert r["result"]["results"][0] == {"result": {"data": rid}}
        else:
            assert r["error"]["code"] == -32602

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:5]
    assert env.wisd.status()["clients"] >= 1


def test_pipelined_requests_from_one_client(env):
    c = env.client()
    n = 500
    c.send_raw("".join('{"jsonrpc":"2.0","method":"system.ping","params":{"data":"%d"},"id":%d}\n'
                       % (i, i) for i in range(n)))
    seen = set()
    for _ in range(n):
        r = c.recv(20)
        assert r["result"]["data"] == str(r["id"])
        seen.add(r["id"])
    assert seen == set(range(n))


def test_slow_reader_is_dropped_others_carry_on():
    s = Setup(wisd_args=("--set", "max_write_queue=65536"))
    try:
        slow = s.client(rcvbuf=4096)
        fast = s.client()
        big = "y" * 900
        # Ask for ~9 MB of answers and never read them.  wisd may drop the
        # client before all of it is sent, which ends the send with an error.
        try:
            slow.send_raw("".join('{"jsonrpc":"2.0","method":"system.ping","params":{"data":"%s"},"id":%d}\n'
                                  % (big, i) for i in range(10000)))
        except OSError:
            pass
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:
            assert fast.call("system.ping", {"data": "f"}) == {"data": "f"}
        wait_for(lambda: "dropped: not reading" in s.wisd.logtext(), 10, what="slow client dropped")
        # The dropped client's connection ends after whatever it had buffered.
        got_eof = False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if slow.recv_line(1) is None:
                    continue
            except EOFError:
                got_eof = True
                break
        assert got_eof
        assert fast.call("system.uptime")["uptime_us"] > 0
    finally:
        s.close()


def test_flooding_client_cannot_starve_others():
    # One client pipelines far more requests than the shared device queue
    # holds.  wisd stops reading from it while it has many pending, so its
    # requests all get answers (none refused as "queue full"), and another
    # client's calls keep being served meanwhile.
    s = Setup(wisd_args=("--set", "queue_limit=1024"))
    try:
        flood = s.client(timeout=30)
        fast = s.client()
        n = 3000
        lines = "".join('{"jsonrpc":"2.0","method":"system.ping","id":%d}\n' % i for i in range(n))
        sender = threading.Thread(target=flood.send_raw, args=(lines,))
        sender.start()
        for _ in range(50):
            assert fast.call("system.ping", {"data": "f"}) == {"data": "f"}
        ids = set()
        while len(ids) < n:
            r = flood.recv(10)
            assert r is not None, "only %d of %d answers" % (len(ids), n)
            assert "result" in r, r
            ids.add(r["id"])
        sender.join(10)
        assert ids == set(range(n))
        assert "reading paused" in s.wisd.logtext()
    finally:
        s.close()


def test_idle_client_dropped_subscriber_kept():
    s = Setup(wisd_args=("--set", "idle_timeout=1"))
    try:
        idle = s.client()
        sub = s.client()
        sub.call("subscribe", {"topics": "device.state"})
        wait_for(lambda: "idle for 1 s" in s.wisd.logtext(), 6, what="idle drop")
        try:
            assert idle.recv_line(2) is None
            assert False, "idle client still connected"
        except EOFError:
            pass
        assert sub.call("system.ping") == {"data": ""}
    finally:
        s.close()


def test_tcp_listener_on_loopback():
    # tcp_setup picks a free port (retried if taken meanwhile) and a token
    # file; TCP clients authenticate first (test_security_classes.py).
    s, port, token = tcp_setup()
    try:
        c = Client(("127.0.0.1", port))
        s.clients.append(c)
        assert c.call("rpc.auth", {"token": token}) == {"class": "control"}
        assert c.call("system.ping", {"data": "tcp"}) == {"data": "tcp"}
        assert "tcp 127.0.0.1" in s.wisd.logtext()
    finally:
        s.close()


def test_overload_is_refused_not_queued_forever():
    s = Setup(wisd_args=("--set", "queue_limit=1"))
    try:
        c = s.client()
        n = 300
        c.send_raw("".join('{"jsonrpc":"2.0","method":"system.ping","id":%d}\n' % i for i in range(n)))
        codes = []
        for _ in range(n):
            r = c.recv(10)
            codes.append(r["error"]["code"] if "error" in r else 0)
        assert codes.count(0) >= 16 and -32004 in codes
        assert set(codes) <= {0, -32004}
        assert c.call("system.ping") == {"data": ""}
    finally:
        s.close()


def test_half_closed_client_gets_every_answer(env):
    # `echo REQUEST | socat - UNIX:...` (docs/api.md's first example) and
    # "nc -N" shut down their writing side after the request: the answers
    # must still come, then wisd closes.  A last line without its newline
    # still counts.
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.connect(env.wisd.sock)
    n = 500
    s.sendall(b"".join(b'{"jsonrpc":"2.0","method":"gpio.get","params":{"pins":"IO1"},"id":%d}\n'
                       % i for i in range(n)) +
              b'{"jsonrpc":"2.0","method":"system.ping","id":"last"}')
    s.shutdown(socket.SHUT_WR)
    s.settimeout(10)
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    ids = {json.loads(l)["id"] for l in buf.splitlines()}
    assert ids == set(range(n)) | {"last"}
    # A subscriber that half-closes keeps its notifications (gpsd style).
    sub = socket.socket(socket.AF_UNIX)
    sub.connect(env.wisd.sock)
    sub.sendall(b'{"jsonrpc":"2.0","method":"subscribe","params":{"topics":"gpio.edge"},"id":1}\n')
    sub.shutdown(socket.SHUT_WR)
    c = env.client()
    c.call("gpio.mode", {"pin": "IO1", "mode": "output"})
    c.call("gpio.watch", {"pin": "IO2"})
    c.call("gpio.set", {"values": {"IO1": 1}})
    sub.settimeout(5)
    buf = b""
    while buf.count(b"\n") < 2:
        buf += sub.recv(4096)
    assert json.loads(buf.splitlines()[1])["params"]["pin"] == "IO2"
    sub.close()
