"""wisctl against the simulator: every command, human and --json output,
--help, exit codes (0 ok, 1 device refused, 2 usage, 3 unreachable,
4 timeout), one-line errors, Ctrl-C on watch, and --device (the module
directly, through the same JSON mapping as wisd)."""
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from wisdtest import WISCTL, wait_for, wisctl

COMMANDS = [["info"], ["pins"], ["gpio", "get"], ["gpio", "set"], ["gpio", "mode"],
            ["gpio", "watch"], ["adc", "read"], ["reset"], ["call"], ["subscribe"], ["status"], ["discover"]]


def run(env, *args, **kw):
    return wisctl(env.wisd.sock, *args, **kw)


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert r.stderr == ""
    return r.stdout


def test_help_for_every_command(env):
    r = subprocess.run([WISCTL, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "exit codes" in r.stdout
    for cmd in COMMANDS:
        r = subprocess.run([WISCTL, *cmd, "--help"], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.startswith("usage: wisctl " + " ".join(cmd)), cmd


def test_info_pins_status(env):
    out = ok(run(env, "info"))
    assert "board: RAK4631" in out and "simulated: true" in out
    j = json.loads(ok(run(env, "--json", "info")))
    assert j["board"] == "RAK4631"
    out = ok(run(env, "pins"))
    lines = out.splitlines()
    assert lines[0].split()[:6] == ["NAME", "CON", "PAD", "NRF", "ALIAS", "FUNCTIONS"]
    io1 = [l for l in lines if l.startswith("IO1 ")][0]
    assert io1.split()[:5] == ["IO1", "29", "8", "P0.17", "UART2_DE"]
    io2 = [l for l in lines if l.startswith("IO2 ")][0]
    assert io2.split()[:5] == ["IO2", "30", "26", "P1.02", "SW2"]
    assert [l for l in lines if l.startswith("LED1 ")][0].split()[:5] == ["LED1", "14", "27", "P1.03", "-"]
    assert "VBAT" not in out
    full = ok(run(env, "pins", "--all"))
    assert "VBAT" in full and "RF_LORA" in full
    j = json.loads(ok(run(env, "--json", "pins")))
    assert any(p["name"] == "SW1" for p in j["pins"])
    # system.pins: the module pad and its name (seed core-module table).
    pins = {p["name"]: p for p in j["pins"]}
    assert (pins["IO2"]["pad"], pins["IO2"]["pad_name"]) == (26, "SW2")
    assert (pins["LED3"]["pad"], pins["LED3"]["pad_name"], pins["LED3"]["ain"]) == (30, "QSPI_DIO3", 0)
    assert pins["IO7"]["connector"] == 0 and pins["IO7"]["pad"] == 31
    assert "device.state: up" in ok(run(env, "status"))


def test_gpio_get_set_mode(env):
    assert ok(run(env, "gpio", "set", "IO1=1")) == ""
    assert ok(run(env, "gpio", "get", "IO2", "io1")) == "IO2=1\nIO1=1\n"
    # A core-module pad name is an alias; results use the pin's own name.
    assert ok(run(env, "gpio", "get", "SW2", "uart2_de")) == "IO2=1\nIO1=1\n"
    assert ok(run(env, "gpio", "set", "IO1=off")) == ""
    assert json.loads(ok(run(env, "--json", "gpio", "get", "IO2"))) == {"IO2": 0}
    assert ok(run(env, "gpio", "mode", "LED1", "out", "--initial", "1")) == ""
    assert json.loads(ok(run(env, "call", "pin.state", '{"pin":"LED1"}')))["level"] == 1
    assert ok(run(env, "gpio", "mode", "IO3", "pullup")) == ""
    assert ok(run(env, "gpio", "get", "IO3")) == "IO3=1\n"
    # device refusal: exit 1, one line naming the pin
    r = run(env, "gpio", "set", "IO3=1")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "IO3" in r.stderr
    assert r.stderr.startswith("wisctl gpio set: ")


def test_usage_errors(env):
    for args in [["gpio", "set", "IO1"], ["gpio", "set", "IO1=7"], ["gpio", "mode", "IO1"],
                 ["gpio", "get"], ["gpio", "frob"], ["bogus"], ["gpio", "watch", "SW1", "--edge", "up"],
                 ["gpio", "get", "IO9"], ["gpio", "get", "VBAT"], ["gpio", "mode", "IO1", "sideways"],
                 ["call", "system.ping", "{not json"], ["call", "no.such"], ["info", "extra"],
                 ["adc", "read", "IO1"], ["pins", "--bogus"], ["reset", "--bootloader", "--dfu"]]:
        r = run(env, *args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("wisctl"), (args, r.stderr)
    r = subprocess.run([WISCTL], capture_output=True, text=True)
    assert r.returncode == 2
    # Numbers are whole or refused: "1x" is not quietly 1, "abc" not 0.
    for args, why in [(["adc", "read", "AIN0", "--oversample", "1x"], "'1x' is not a number"),
                      (["adc", "read", "AIN0", "--resolution", "abc"], "'abc' is not a number"),
                      (["call", "system.ping", '{"data":NaN}'], "'NaN' at byte 8"),
                      (["call", "system.ping", "{'data':'x'}"], "single quote")]:
        r = run(env, *args)
        assert r.returncode == 2 and why in r.stderr and r.stderr.count("\n") == 1, (args, r)
    r = subprocess.run([WISCTL, "--socket", env.wisd.sock, "--timeout"], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "--timeout needs a value" in r.stderr
    r = run(env, "gpio", "get", "VBAT")
    assert "VBAT is a power pin" in r.stderr


def test_adc_read(env):
    out = ok(run(env, "adc", "read", "AIN0"))
    mv = int(out.strip().split("=")[1].rstrip("mV"))
    assert out.startswith("AIN0=") and abs(mv - 1650) <= 2
    j = json.loads(ok(run(env, "--json", "adc", "read", "AIN0", "--resolution", "14", "--oversample", "2")))
    assert abs(j["AIN0"]["millivolts"] - 1650) <= 2 and j["AIN0"]["raw"] > 4096


def test_reset(env):
    c = env.client()
    c.call("subscribe", {"topics": "device.state"})
    assert ok(run(env, "reset")) == ""
    assert c.notification("device.state", 5)["params"]["state"] == "reset"
    r = run(env, "reset", "--bootloader")
    # the simulator has no bootloader: either it resets or refuses cleanly
    assert r.returncode in (0, 1), r.stderr


def test_call_raw(env):
    out = ok(run(env, "call", "system.ping", '{"data":"raw"}'))
    assert json.loads(out) == {"data": "raw"}
    out = ok(run(env, "call", "batch", json.dumps({"steps": [{"method": "system.uptime"}]})))
    assert "uptime_us" in json.loads(out)["results"][0]["result"]
    d = json.loads(ok(run(env, "call", "rpc.discover")))
    assert "gpio.watch" in [m["name"] for m in d["methods"]]


def press_later(env, cmds, delay=0.4):
    def go():
        time.sleep(delay)
        for c in cmds:
            env.sim.ctl(c)
            time.sleep(0.02)
    t = threading.Thread(target=go)
    t.start()
    return t


def test_gpio_watch_count(env):
    # SW1 is free: the module gives the button pin its pull-up when watched.
    t = press_later(env, ["press SW1", "release SW1", "press SW1"])
    out = ok(run(env, "gpio", "watch", "SW1", "--count", "3", timeout=15))
    t.join()
    lines = out.splitlines()
    assert [l.split()[0:2] for l in lines] == [["SW1=0", "falling"], ["SW1=1", "rising"],
                                               ["SW1=0", "falling"]]
    # the watch wisctl started was stopped on exit
    assert json.loads(ok(run(env, "call", "pin.state", '{"pin":"SW1"}')))["edge"] == "none"
    t = press_later(env, ["release SW1", "press SW1"])
    out = ok(run(env, "--json", "gpio", "watch", "SW1", "--edge", "falling", "--count", "1", timeout=15))
    t.join()
    e = json.loads(out)
    assert (e["pin"], e["edge"], e["level"]) == ("SW1", "falling", 0) and e["seq"] >= 1


def test_gpio_watch_ctrl_c(env):
    p = subprocess.Popen([WISCTL, "--socket", env.wisd.sock, "gpio", "watch", "IO2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    c = env.client()
    c.call("gpio.mode", {"pin": "IO1", "mode": "output"})
    time.sleep(0.3)
    c.call("gpio.set", {"values": {"IO1": 1}})
    r, _, _ = select.select([p.stdout], [], [], 5)
    assert r and p.stdout.readline().startswith("IO2=1 rising")
    p.send_signal(signal.SIGINT)
    assert p.wait(5) == 0
    assert p.stderr.read() == ""
    assert c.call("pin.state", {"pin": "IO2"})["edge"] == "none"


def test_subscribe(env):
    p = subprocess.Popen([WISCTL, "--socket", env.wisd.sock, "--json", "subscribe", "device.state",
                          "--count", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    env.client().call("system.reset")
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    lines = [json.loads(l) for l in out.splitlines()]
    assert [l["method"] for l in lines] == ["device.state"] * 2
    assert lines[0]["params"]["state"] == "reset"
    r = run(env, "subscribe", "no.topic")
    assert r.returncode == 2 and "no.topic" in r.stderr


def test_discover_without_module():
    # No USB module on test machines: exit 3 and one line saying so.
    r = subprocess.run([WISCTL, "discover"], capture_output=True, text=True, timeout=10)
    if r.returncode == 0:
        pytest.skip("a real module is plugged in")
    assert r.returncode == 3 and r.stderr.count("\n") == 1 and "239a:8029" in r.stderr
    r = subprocess.run([WISCTL, "--json", "discover"], capture_output=True, text=True, timeout=10)
    assert json.loads(r.stdout) == []


def test_unreachable_and_timeout(env):
    with tempfile.TemporaryDirectory() as tmp:
        r = wisctl(os.path.join(tmp, "none.sock"), "info")
        assert r.returncode == 3 and "cannot reach wisd" in r.stderr and r.stderr.count("\n") == 1
        # a socket that accepts and never answers: timeout
        path = os.path.join(tmp, "mute.sock")
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        s.listen(1)
        r = wisctl(path, "--timeout", "300", "info")
        s.close()
        assert r.returncode == 4 and "300 ms" in r.stderr
    env_var = dict(os.environ, WISD_SOCKET=env.wisd.sock)
    r = subprocess.run([WISCTL, "info"], capture_output=True, text=True, env=env_var)
    assert r.returncode == 0 and "RAK4631" in r.stdout
    r = wisctl(None, "info", device="/nonexistent/tty")
    assert r.returncode == 3 and r.stderr.count("\n") == 1
    assert r.stderr.count("/nonexistent/tty") == 1, r.stderr  # said once, not twice


def test_json_after_the_command_and_plain_paths(env):
    # Scripts write "wisctl gpio get IO1 --json" as often as "--json gpio get".
    assert json.loads(ok(run(env, "gpio", "get", "IO1", "--json"))) == {"IO1": 0}
    assert json.loads(ok(run(env, "info", "-j")))["board"] == "RAK4631"
    # Human output shows paths as they are, not JSON-escaped (\/dev\/pts).
    out = ok(run(env, "status"))
    assert "\\/" not in out and "device.path: /" in out, out


def test_device_direct_same_mapping(env):
    # While wisd holds the port, a direct open is refused at once (exit 3,
    # "in use") instead of stealing wisd's answers.
    dev = env.sim.link
    t0 = time.monotonic()
    r = wisctl(None, "info", device=dev)
    assert r.returncode == 3 and "in use by another program" in r.stderr, (r.returncode, r.stderr)
    assert time.monotonic() - t0 < 2
    assert env.client().call("system.ping") == {"data": ""}
    # Stop wisd so the link is free; then wisctl opens the module itself.
    env.wisd.stop()
    assert ok(wisctl(None, "info", device=dev)).startswith("board: RAK4631")
    assert ok(wisctl(None, "gpio", "set", "IO1=1", device=dev)) == ""
    assert ok(wisctl(None, "gpio", "get", "IO2", device=dev)) == "IO2=1\n"
    assert ok(wisctl(None, "adc", "read", "AIN0", device=dev)).startswith("AIN0=16")
    assert "IO1" in ok(wisctl(None, "pins", device=dev))
    r = wisctl(None, "gpio", "get", "IO9", device=dev)
    assert r.returncode == 2
    r = wisctl(None, "call", "claim", '{"resources":"IO1"}', device=dev)
    assert r.returncode == 2 and "served by wisd" in r.stderr
    ok(wisctl(None, "gpio", "mode", "SW1", "pullup", device=dev))
    t = press_later(env, ["press SW1"], 0.5)
    out = ok(wisctl(None, "gpio", "watch", "SW1", "--count", "1", device=dev, timeout=15))
    t.join()
    assert out.startswith("SW1=0 falling")
    # A reset seen directly: no made-up 1970 host time before the clock is mapped.
    t = press_later(env, ["reset"], 0.5)
    out = ok(wisctl(None, "--json", "subscribe", "device.state", "--count", "1", device=dev,
                    timeout=15))
    t.join()
    n = json.loads(out)["params"]
    assert n["state"] == "reset" and "time" not in n and "error_us" not in n, n


def test_two_watchers_on_one_pin(env):
    procs = [subprocess.Popen([WISCTL, "--socket", env.wisd.sock, "gpio", "watch", "IO2"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    c = env.client()
    c.call("gpio.mode", {"pin": "IO1", "mode": "output"})
    wait_for(lambda: c.call("pin.state", {"pin": "IO2"})["edge"] == "both", what="watches")
    time.sleep(0.2)
    procs[0].send_signal(signal.SIGINT)
    assert procs[0].wait(5) == 0
    c.call("gpio.set", {"values": {"IO1": 1}})
    r, _, _ = select.select([procs[1].stdout], [], [], 5)
    assert r and procs[1].stdout.readline().startswith("IO2=1 rising")
    procs[1].send_signal(signal.SIGINT)
    assert procs[1].wait(5) == 0
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert c.call("pin.state", {"pin": "IO2"})["edge"] == "none"
