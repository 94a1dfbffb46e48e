"""The traps a new user hits, made safe (docs/api.md, "Pin rules"): LED1 and
LED2 are outputs, off, from the start; a read of an output reads its level
and keeps its mode; a bare write to the button pin SW1 is refused with the
mode to set, and works once that mode is set explicitly."""
import json

from wisdtest import wisctl


def run(env, *args):
    return wisctl(env.wisd.sock, *args)


def ok(r):
    assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
    return r.stdout


def state(env, pin):
    return env.client().call("pin.state", {"pin": pin})


def test_leds_are_outputs_from_the_start(env):
    for led in ("LED1", "LED2"):
        s = state(env, led)
        assert (s["owner"], s["mode"], s["level"]) == ("gpio", "output", 0), s
        assert env.sim.ctl("led " + led) == "ok %s off" % led
    # LED3 is also the flash's QSPI DIO3: left alone
    assert state(env, "LED3")["mode"] == "disabled"
    # read, then write: the write just works (it used to fail: the read had
    # made the LED an input)
    assert ok(run(env, "gpio", "get", "LED2")) == "LED2=0\n"
    ok(run(env, "gpio", "set", "LED2=1"))
    assert env.sim.ctl("led LED2") == "ok LED2 on"
    assert ok(run(env, "gpio", "get", "LED2")) == "LED2=1\n"
    assert state(env, "LED2")["mode"] == "output"


def test_read_of_an_output_keeps_its_mode(env):
    ok(run(env, "gpio", "mode", "IO1", "output", "--initial", "1"))
    assert ok(run(env, "gpio", "get", "IO1")) == "IO1=1\n"
    assert state(env, "IO1")["mode"] == "output"
    ok(run(env, "gpio", "set", "IO1=0"))
    assert ok(run(env, "gpio", "get", "IO1", "IO2")) == "IO1=0\nIO2=0\n"
    assert state(env, "IO1")["mode"] == "output"


def test_button_is_never_driven_by_a_bare_write(env):
    r = run(env, "gpio", "set", "SW1=1")
    assert r.returncode == 1, r
    assert "SW1 is a button to ground: set mode output_open_drain first" in r.stderr
    assert r.stderr.count("\n") == 1
    assert state(env, "SW1")["mode"] != "output"
    # the same after a read made it an input (with its pull-up)
    assert ok(run(env, "gpio", "get", "SW1")) == "SW1=1\n"
    r = run(env, "gpio", "set", "SW1=0")
    assert r.returncode == 1 and "output_open_drain" in r.stderr
    assert state(env, "SW1")["mode"] == "input_pullup"
    # through JSON-RPC as well: the module's WRONG_MODE
    e = env.client().error("gpio.set", {"values": {"SW1": 1}})
    assert "output_open_drain" in json.dumps(e), e
    # an explicit mode, then writes work
    ok(run(env, "gpio", "mode", "SW1", "od"))
    ok(run(env, "gpio", "set", "SW1=0"))
    assert state(env, "SW1")["mode"] == "output_open_drain"
    ok(run(env, "gpio", "mode", "SW1", "output"))
    ok(run(env, "gpio", "set", "SW1=1"))
