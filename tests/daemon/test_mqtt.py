"""The MQTT bridge (daemon/comp_mqtt.c, mqtt_link.c) with Debian's mosquitto
broker on loopback and its mosquitto_sub / mosquitto_pub clients: every
radio packet a simulated node sends arrives once and in order, also across
a broker restart in the middle of the stream; beyond the queue bound the
loss is counted and reported; JSON-RPC commands come back on the MQTT v5
response topic with their correlation data, or on PREFIX/reply for 3.1.1
clients; the bridge's permission class is enforced.

Skipped when mosquitto is not installed (scripts/deps.sh installs it)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from wisdtest import Sim, Wisd, wait_for

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
pytestmark = pytest.mark.skipif(not os.path.exists(MOSQUITTO) or not shutil.which("mosquitto_sub"),
                                reason="mosquitto missing")
FAST = {"bw_hz": 500000}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Broker:
    """mosquitto on a private port, persisting sessions in tmp across restarts."""

    def __init__(self, tmp):
        self.port = free_port()
        self.conf = os.path.join(tmp, "mosquitto.conf")
        with open(self.conf, "w") as f:
            # As root, mosquitto would switch to its own user, which cannot
            # write the session store into our private temp dir.
            if os.geteuid() == 0:
                f.write("user root\n")
            f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence true\n"
                    "persistence_location %s/\n" % (self.port, tmp))
        self.log = open(os.path.join(tmp, "mosquitto.log"), "a")
        self.p = None
        self.start()

    def start(self):
        self.p = subprocess.Popen([MOSQUITTO, "-c", self.conf], stdout=self.log,
                                  stderr=subprocess.STDOUT)

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False
        wait_for(up, what="mosquitto listening")

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)   # saves the sessions
            self.p.wait(10)

    def close(self):
        self.stop()
        self.log.close()


class Sub:
    """mosquitto_sub with a persistent session, one line per message."""

    def __init__(self, tmp, port, topic, fmt="%t %p", name="sub"):
        self.path = os.path.join(tmp, name + ".out")
        self.out = open(self.path, "w")
        self.p = subprocess.Popen(
            ["mosquitto_sub", "-p", str(port), "-V", "mqttv5", "-q", "1", "-c",
             "-i", "wistest-" + name, "-x", "600", "-t", topic, "-F", fmt],
            stdout=self.out, stderr=subprocess.STDOUT)

    def lines(self):
        self.out.flush()
        # Only whole lines: mosquitto_sub may be half-way through writing
        # the last one (a line cut there is not a wrong message).
        with open(self.path) as f:
            return [ln.rstrip("\n") for ln in f if ln.endswith("\n") and ln.strip()]

    def close(self):
        if self.p.poll() is None:
            self.p.terminate()
            self.p.wait(5)
        self.out.close()


@pytest.fixture
def gw():
    tmpdir = tempfile.TemporaryDirectory(prefix="wisd-mqtt-")
    tmp = tmpdir.name
    medium = os.path.join(tmp, "medium")
    os.mkdir(medium)
    broker = Broker(tmp)
    sims, wisds, subs = [], [], []
    env = {"tmp": tmp, "broker": broker, "subs": subs}

    def start(*extra):
        for n in ("gw", "node"):
            sims.append(Sim(tmp, ("--medium", medium), os.path.join(tmp, n + ".tty"),
                            os.path.join(tmp, n + ".ctl")))
        args = ["--set", "mqtt.enabled=yes", "--set", "mqtt.port=%d" % broker.port,
                "--set", "mqtt.reconnect_max_s=1", *extra]
        # Lab rules: packets back to back, not EU868's duty cycle (wisd's default).
        lab = ["--set", "radio_region=lab"]
        wisds.append(Wisd(tmp, sims[0].link, args + lab, name="wisd-gw"))
        wisds.append(Wisd(tmp, sims[1].link, lab, name="wisd-node"))
        g, n = wisds[0].client(), wisds[1].client()
        env.update(wisd=wisds[0], g=g, n=n, id=g.call("system.info")["device_id"],
                   gw_link=sims[0].link, wisds=wisds)
        for c in (g, n):
            c.call("radio.config", FAST)
        g.call("radio.rx")
        wait_for(lambda: mqtt_status(wisds[0])["connected"], what="bridge connected")
        return env
    env["start"] = start
    try:
        yield env
    finally:
        for s in subs:
            s.close()
        for w in wisds:
            assert w.stop() == 0
        for s in sims:
            s.kill()
        broker.close()
        tmpdir.cleanup()


def mqtt_status(w):
    return w.status()["components"]["mqtt"]


def send(env, payloads):
    for p in payloads:
        env["n"].call("radio.send", {"data": p})


def rx_payloads(sub):
    out = []
    for ln in sub.lines():
        topic, _, body = ln.partition(" ")
        if topic.endswith("/event/radio.rx"):
            out.append(bytes.fromhex(json.loads(body)["hex"]).decode())
    return out


def test_events_once_in_order_across_a_broker_restart(gw):
    env = gw["start"]()
    w, broker = env["wisd"], env["broker"]
    sub = Sub(env["tmp"], broker.port, "wisrpc/%s/event/#" % env["id"])
    env["subs"].append(sub)
    time.sleep(0.3)  # the subscription is in place
    first = ["p%02d" % i for i in range(5)]
    send(env, first)
    wait_for(lambda: rx_payloads(sub) == first, what="first five")
    wait_for(lambda: mqtt_status(w)["queued"] == 0, what="acknowledged")
    broker.stop()
    wait_for(lambda: not mqtt_status(w)["connected"], what="bridge noticed")
    mid = ["p%02d" % i for i in range(5, 10)]
    send(env, mid)
    st = wait_for(lambda: (lambda s: s if s["queued"] == 5 else None)(mqtt_status(w)),
                  what="five queued")
    assert st["dropped"] == 0
    broker.start()
    last = ["p%02d" % i for i in range(10, 15)]
    wait_for(lambda: mqtt_status(w)["connected"], timeout=10, what="reconnected")
    send(env, last)
    wait_for(lambda: len(rx_payloads(sub)) >= 15, timeout=15, what="all fifteen")
    time.sleep(0.5)  # anything extra (a duplicate) would come now
    assert rx_payloads(sub) == first + mid + last
    st = mqtt_status(w)
    assert st["dropped"] == 0 and st["queued"] == 0 and st["disconnects"] >= 1
    # Every event carried its device sequence number, so a consumer can
    # also tell.
    seqs = [json.loads(ln.partition(" ")[2])["seq"] for ln in sub.lines()
            if ln.partition(" ")[0].endswith("/event/radio.rx")]
    assert seqs == sorted(seqs) and len(set(seqs)) == 15


def test_queue_bound_counts_what_is_lost(gw):
    env = gw["start"]("--set", "mqtt.max_queue=3", "--set", "mqtt.events=radio.rx")
    w, broker = env["wisd"], env["broker"]
    sub = Sub(env["tmp"], broker.port, "wisrpc/%s/#" % env["id"])
    env["subs"].append(sub)
    time.sleep(0.3)
    broker.stop()
    wait_for(lambda: not mqtt_status(w)["connected"], what="bridge noticed")
    send(env, ["q%d" % i for i in range(6)])
    st = wait_for(lambda: (lambda s: s if s["dropped"] == 3 else None)(mqtt_status(w)),
                  what="three dropped")
    assert st["queued"] == 3
    assert "queue full" in w.logtext()
    broker.start()
    wait_for(lambda: rx_payloads(sub) == ["q0", "q1", "q2"], timeout=10, what="the kept three")
    # The state message says how many were lost.
    wait_for(lambda: any(s.get("dropped") == 3 for s in
                         [json.loads(ln.partition(" ")[2]) for ln in sub.lines()
                          if ln.partition(" ")[0].endswith("/state")]),
             what="state with dropped 3")


def test_commands_v5_and_v311(gw):
    env = gw["start"]()
    broker, prefix = env["broker"], "wisrpc/%s" % env["id"]
    port = str(broker.port)
    resp = Sub(env["tmp"], broker.port, "resp/test", fmt="%t|%D|%p", name="resp")
    reply = Sub(env["tmp"], broker.port, prefix + "/reply", fmt="%t|%p", name="reply")
    env["subs"] += [resp, reply]
    time.sleep(0.3)
    req = {"jsonrpc": "2.0", "id": 11, "method": "system.ping", "params": {"data": "v5"}}
    subprocess.run(["mosquitto_pub", "-p", port, "-V", "mqttv5", "-q", "1", "-t", prefix + "/cmd",
                    "-D", "publish", "response-topic", "resp/test",
                    "-D", "publish", "correlation-data", "corr-42",
                    "-m", json.dumps(req)], check=True, timeout=10)
    line = wait_for(lambda: resp.lines(), what="v5 response")[0]
    topic, corr, body = line.split("|", 2)
    assert topic == "resp/test" and corr == "corr-42"
    assert json.loads(body) == {"jsonrpc": "2.0", "id": 11, "result": {"data": "v5"}}
    # MQTT 3.1.1: no properties; the answer goes to PREFIX/reply.
    req = {"jsonrpc": "2.0", "id": "a", "method": "gpio.set", "params": {"values": {"LED1": 1}}}
    subprocess.run(["mosquitto_pub", "-p", port, "-V", "mqttv311", "-q", "1",
                    "-t", prefix + "/cmd", "-m", json.dumps(req)], check=True, timeout=10)
    body = wait_for(lambda: reply.lines(), what="3.1.1 reply")[0].split("|", 1)[1]
    assert json.loads(body)["id"] == "a" and "result" in json.loads(body)
    assert env["g"].call("gpio.get", {"pins": "LED1"})["LED1"] == 1
    # The bridge's class (control) may not reset the module; garbage is
    # answered, not executed.
    for payload, code in ((json.dumps({"jsonrpc": "2.0", "id": 2, "method": "system.reset",
                                       "params": {"mode": "normal"}}), -32007),
                          ("{not json", -32700),
                          (json.dumps({"jsonrpc": "2.0", "id": 3, "method": "system.ping",
                                       "params": [1]}), -32602)):
        n = len(reply.lines())
        subprocess.run(["mosquitto_pub", "-p", port, "-q", "1", "-t", prefix + "/cmd",
                        "-m", payload], check=True, timeout=10)
        body = wait_for(lambda: reply.lines()[n:], what="error reply")[0].split("|", 1)[1]
        assert json.loads(body)["error"]["code"] == code, body
    st = mqtt_status(env["wisd"])
    assert st["commands"] == 5 and st["dropped"] == 0


def make_pki(tmp):
    """A CA, a server certificate for 127.0.0.1 and a client certificate."""
    def run(*a):
        subprocess.run(["openssl", *a], check=True, capture_output=True, cwd=tmp, timeout=60)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=wistest CA",
        "-keyout", "ca.key", "-out", "ca.crt")
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1"), ("client", "extendedKeyUsage=clientAuth")):
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=wistest " + name,
            "-keyout", name + ".key", "-out", name + ".csr")
        with open(os.path.join(tmp, name + ".ext"), "w") as f:
            f.write(ext + "\n")
        run("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", name + ".ext", "-out", name + ".crt")
    return {n: os.path.join(tmp, n) for n in ("ca.crt", "server.crt", "server.key",
                                               "client.crt", "client.key")}


@pytest.mark.skipif(not shutil.which("openssl") or not shutil.which("mosquitto_passwd"),
                    reason="openssl or mosquitto_passwd missing")
def test_tls_client_certificate_and_password(tmp_path):
    tmp = str(tmp_path)
    pki = make_pki(tmp)
    pw = os.path.join(tmp, "passwd")
    subprocess.run(["mosquitto_passwd", "-c", "-b", pw, "gateway", "s3cret"], check=True,
                   capture_output=True, timeout=30)
    port = free_port()
    conf = os.path.join(tmp, "tls.conf")
    with open(conf, "w") as f:
        if os.geteuid() == 0:
            f.write("user root\n")
        f.write("listener %d 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\n"
                "require_certificate true\nallow_anonymous false\npassword_file %s\n"
                % (port, pki["ca.crt"], pki["server.crt"], pki["server.key"], pw))
    log = open(os.path.join(tmp, "broker.log"), "w")
    broker = subprocess.Popen([MOSQUITTO, "-c", conf], stdout=log, stderr=subprocess.STDOUT)
    sim = wisd = None
    try:
        wait_for(lambda: subprocess.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d" % port],
                                        capture_output=True).returncode == 0,
                 what="TLS broker listening")
        sim = Sim(tmp)
        tls = ["--set", "mqtt.enabled=yes", "--set", "mqtt.port=%d" % port,
               "--set", "mqtt.cafile=" + pki["ca.crt"],
               "--set", "mqtt.certfile=" + pki["client.crt"],
               "--set", "mqtt.keyfile=" + pki["client.key"],
               "--set", "mqtt.username=gateway", "--set", "mqtt.password=s3cret"]
        wisd = Wisd(tmp, sim.link, tls)
        wait_for(lambda: mqtt_status(wisd)["connected"], what="connected over TLS")
        ident = wisd.client().call("system.info")["device_id"]
        r = subprocess.run(
            ["mosquitto_rr", "-h", "127.0.0.1", "-p", str(port), "-V", "mqttv5", "--cafile", pki["ca.crt"],
             "--cert", pki["client.crt"], "--key", pki["client.key"], "-u", "gateway",
             "-P", "s3cret", "-t", "wisrpc/%s/cmd" % ident, "-e", "tls/resp", "-W", "10",
             "-m", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "system.ping",
                               "params": {"data": "tls"}})],
            capture_output=True, text=True, timeout=20)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == {"jsonrpc": "2.0", "id": 1, "result": {"data": "tls"}}
        wisd.stop()
        # A wrong password is refused by the broker; the bridge says so and
        # keeps retrying rather than giving up.
        wisd = Wisd(tmp, sim.link, tls[:-2] + ["--set", "mqtt.password=wrong"], name="wisd2")
        st = wait_for(lambda: (lambda s: s if "refused" in s["last_error"] else None)(
            mqtt_status(wisd)), what="refusal reported")
        assert not st["connected"]
    finally:
        if wisd:
            wisd.stop()
        if sim:
            sim.kill()
        broker.terminate()
        broker.wait(5)
        log.close()


def test_queue_file_keeps_events_across_a_wisd_restart(gw):
    tmp = gw["tmp"]
    qf = os.path.join(tmp, "mqtt.queue")
    env = gw["start"]("--set", "mqtt.queue_file=" + qf, "--set", "mqtt.events=radio.rx")
    w, broker = env["wisd"], env["broker"]
    sub = Sub(tmp, broker.port, "wisrpc/%s/event/#" % env["id"])
    env["subs"].append(sub)
    time.sleep(0.3)
    send(env, ["a0", "a1"])
    wait_for(lambda: rx_payloads(sub) == ["a0", "a1"], what="delivered through the file")
    wait_for(lambda: os.path.getsize(qf) == 0, what="file emptied once acknowledged")
    broker.stop()
    wait_for(lambda: not mqtt_status(w)["connected"], what="bridge noticed")
    send(env, ["b0", "b1", "b2"])
    wait_for(lambda: mqtt_status(w)["queued"] == 3, what="three queued")
    assert w.stop() == 0
    with open(qf) as f:
        lines = f.read().splitlines()
    assert [ln.split("\t")[0] for ln in lines] == ["event/radio.rx"] * 3
    broker.start()
    w2 = Wisd(tmp, env["gw_link"], ["--set", "mqtt.enabled=yes",
                                    "--set", "mqtt.port=%d" % broker.port,
                                    "--set", "mqtt.queue_file=" + qf,
                                    "--set", "mqtt.events=radio.rx"], name="wisd-gw2")
    env["wisds"].append(w2)
    wait_for(lambda: rx_payloads(sub) == ["a0", "a1", "b0", "b1", "b2"], timeout=10,
             what="the three kept in the file")
    wait_for(lambda: os.path.getsize(qf) == 0, what="file emptied again")
    assert "kept in" in w2.logtext()
