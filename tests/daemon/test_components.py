"""wisd components: a component has its own config section, gets every
notification through its event sink and calls methods as an internal
client with its own label and permission class, through the same mapping,
guard and ownership as a socket client.  The selftest component (off by
default) shows all of it in daemon.status."""
import os
import subprocess

from wisdtest import WISD, Setup, wait_for


def selftest(s):
    return s.wisd.status()["components"]["selftest"]


def test_selftest_component(tmp_path):
    conf = tmp_path / "wisd.conf"
    conf.write_text("idle_timeout = 600\n[selftest]\nenabled = yes\ndata = hello\n")
    s = Setup(wisd_args=("--config", str(conf)))
    try:
        st = wait_for(lambda: selftest(s)["pings_ok"] >= 1 and selftest(s), what="ping")
        assert st["label"] == "selftest" and st["permission"] == "read"
        assert st["last"] == "hello"
        # Its class (read) does not allow gpio.set: the guard refused it.
        assert "needs permission class control" in st["refused"], st
        # The sink sees every notification, subscribed or not.
        c = s.client()
        n = st["events"].get("device.state", 0)
        c.call("system.reset")
        st = wait_for(lambda: selftest(s)["pings_ok"] >= 2 and selftest(s), what="re-ping")
        assert st["events"]["device.state"] > n and st["events"].get("log", 0) > 0
        # The socket server is a component too; the simulator one is not
        # running (the device is a path).
        assert set(s.wisd.status()["components"]) == {"server", "selftest"}
    finally:
        s.close()


def test_components_off_by_default(env):
    comps = env.wisd.status()["components"]
    assert "selftest" not in comps and "server" in comps
    # A read-class internal client is refused what a socket client may do.
    assert "needs permission class" not in env.wisd.logtext()


def test_component_settings_checked(tmp_path):
    sock = str(tmp_path / "w.sock")
    cases = [("[selftest]\nenabled = maybe\n", "wisd.conf:2: selftest.enabled: 'maybe'"),
             ("[nosuch]\n", "wisd.conf:1: [nosuch] is not [COMPONENT]"),
             ("[selftest]\ncolour = red\n", "wisd.conf:2: selftest.colour: unknown setting")]
    for text, why in cases:
        conf = tmp_path / "wisd.conf"
        conf.write_text(text)
        r = subprocess.run([WISD, "--device", "/nonexistent", "--socket", sock, "--config",
                            str(conf)], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and why in r.stderr, (text, r.stderr)
    r = subprocess.run([WISD, "--device", "/nonexistent", "--socket", sock, "--set",
                        "selftest.enabled=maybe"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "selftest.enabled: 'maybe'" in r.stderr, r.stderr
    assert not os.path.exists(sock)


def test_internal_client_claims_like_a_socket_client(tmp_path):
    conf = tmp_path / "wisd.conf"
    conf.write_text("[selftest]\nenabled = yes\nclass = control\nclaim = spi\n")
    s = Setup(wisd_args=("--config", str(conf)))
    try:
        st = wait_for(lambda: selftest(s)["claim"] and selftest(s), what="claim")
        assert st["claim"] == '{ "claimed": [ "spi" ] }' and st["refused"] == "", st
        c = s.client()
        e = c.error("gpio.set", {"values": {"SPI_CS": 1}})
        assert e["code"] == -32003 and e["data"] == {
            "resource": "pin:SPI_CS", "held": "spi", "owner": "selftest"}, e
        e = c.error("unclaim", {"resources": "spi"})
        assert e["code"] == -32003 and e["data"]["owner"] == "selftest", e
        pins = {p["name"]: p for p in c.call("system.pins")["pins"]}
        assert pins["SPI_CLK"]["claimed_by"] == "selftest"
        # A read-class internal client may not claim.
        conf.write_text("[selftest]\nenabled = yes\nclaim = uart1\n")
        t = Setup(wisd_args=("--config", str(conf)))
        try:
            st = wait_for(lambda: selftest(t)["claim"] and selftest(t), what="claim")
            assert "claim needs permission class control; selftest has read" in st["claim"]
            assert t.client().call("claim", {"resources": "uart1"}) == {"claimed": ["uart1"]}
        finally:
            t.close()
        # Its claims go when it stops, as a client's go when it leaves.
        assert s.wisd.stop() == 0
        assert "selftest gone: spi released" in s.wisd.logtext_closed()
    finally:
        s.close()
