"""Resources: claims, refusals and system.pins are keyed on resources
("pin:IO1", "spi", "flash"...); a bare pin name is short for pin:NAME;
resources that share nRF pins (the IO-slot SPI and the QSPI flash, IO7 and
LED3 as QSPI data lines, a bus and its own pins) exclude each other, and
the refusal names who holds what.  rpc.discover shows each method's
permission class and the ranges and values that come from the wire fields
in the opcode table."""
from wisdtest import wait_for


def test_canonical_names_and_shorthand(env):
    c = env.client()
    assert c.call("claim", {"resources": ["io1", "pin:led1", "radio", "i2c2"]}) == {
        "claimed": ["pin:IO1", "pin:LED1", "radio", "i2c2"]}
    # The same pin by another spelling (its nRF name) is the same claim.
    assert c.call("claim", {"resources": "pin:P0.17"})["claimed"].count("pin:IO1") == 1
    assert c.call("unclaim", {"resources": ["IO1", "radio"]}) == {"claimed": ["pin:LED1", "i2c2"]}
    for bad in ["bus9", "pin:", "pin:VBAT", "Radio"]:
        e = c.error("claim", {"resources": bad})
        assert e["code"] == -32602, (bad, e)
    assert "radio, flash" in c.error("claim", {"resources": "bus9"})["message"]


def refused(client, method, params, resource, held, owner):
    e = client.error(method, params)
    assert e["code"] == -32003, (method, params, e)
    assert e["data"]["resource"] == resource and e["data"]["held"] == held, e
    assert e["data"]["owner"] == owner, e
    assert held in e["message"] and owner.split(" (")[0] in e["message"], e
    return e


def label(env, client):
    """The label wisd gives a client, as system.pins shows it."""
    client.call("claim", {"resources": "IO6"})
    pins = {p["name"]: p for p in client.call("system.pins")["pins"]}
    client.call("unclaim", {"resources": "IO6"})
    return pins["IO6"]["claimed_by"]


def test_shared_pins_refused_both_ways(env):
    a, b = env.client(), env.client()
    la = label(env, a)
    a.call("claim", {"resources": "SPI_CS"})
    e = refused(b, "claim", {"resources": "spi"}, "spi", "pin:SPI_CS", la)
    assert "shares pins with pin:SPI_CS" in e["message"]
    # The flash is the QSPI bus on the same pins.
    refused(b, "claim", {"resources": ["uart0", "flash"]}, "flash", "pin:SPI_CS", la)
    # All or nothing: uart0 was not claimed by the refused call.
    assert b.call("claim", {"resources": "uart0"}) == {"claimed": ["uart0"]}
    a.call("unclaim", {"resources": "SPI_CS"})
    # The other way round: a bus held refuses its pins and the buses on them.
    a.call("claim", {"resources": "spi"})
    refused(b, "claim", {"resources": "SPI_MISO"}, "pin:SPI_MISO", "spi", la)
    refused(b, "gpio.set", {"values": {"SPI_CLK": 1}}, "pin:SPI_CLK", "spi", la)
    refused(b, "claim", {"resources": "flash"}, "flash", "spi", la)
    # IO7 and LED3 are QSPI DIO2/DIO3: free with spi held, not with flash.
    assert b.call("claim", {"resources": "IO7"})["claimed"] == ["uart0", "pin:IO7"]
    a.call("unclaim", {"resources": "spi"})
    refused(a, "claim", {"resources": "flash"}, "flash", "pin:IO7", label(env, b))
    b.call("unclaim", {"resources": "IO7"})
    a.call("claim", {"resources": "flash"})
    refused(b, "gpio.set", {"values": {"LED3": 1}}, "pin:LED3", "flash", la)
    # Reading LED3 would make the unconfigured pin an input under the flash
    # (issue 10, defect 7); resources on other pins are unaffected.
    refused(b, "gpio.get", {"pins": "LED3"}, "pin:LED3", "flash", la)
    assert b.call("claim", {"resources": ["i2c1", "uart1"]})["claimed"] == ["uart0", "i2c1",
                                                                              "uart1"]
    # system.pins names the claim that covers a pin.
    pins = {p["name"]: p for p in b.call("system.pins")["pins"]}
    assert pins["SPI_MOSI"]["claimed_by"] == la and pins["SPI_MOSI"]["claim"] == "flash"
    assert pins["I2C1_SDA"]["claim"] == "i2c1" and "claimed_by" not in pins["IO1"]
    # A client's claims go with it.
    a.close()
    wait_for(lambda: "flash released" in env.wisd.logtext(), what="flash released")
    b.call("claim", {"resources": "spi"})


def discover(env):
    return {m["name"]: m for m in env.client().call("rpc.discover")["methods"]}


def test_permission_classes_in_discover(env):
    ms = discover(env)
    want = {"system.reset": "admin", "gpio.set": "control", "gpio.mode": "control",
            "adc.read": "read", "pin.release": "control", "claim": "control",
            "flash.write": "admin", "flash.erase": "admin", "flash.raw": "admin",
            "flash.read": "read", "rpc.auth": "read", "radio.send": "control",
            "system.emit": "control", "gpio.get": "read", "system.ping": "read",
            "system.pins": "read", "pin.state": "read", "daemon.status": "read",
            "system.delay": "read", "rpc.discover": "read", "subscribe": "read"}
    for name, perm in want.items():
        assert ms[name]["permission"] == perm, (name, ms[name])
    assert all(m["permission"] in ("read", "control", "admin") for m in ms.values())
    assert ms["gpio.set"]["ownership"] and not ms["gpio.get"]["ownership"]


def param(ms, method, name):
    return next(p for p in ms[method]["params"] if p["name"] == name)


def test_limits_come_from_the_wire_fields(env):
    """Each limit is the opcode table's: discovery shows it, and the
    validation refuses one past it and accepts it."""
    ms, c = discover(env), env.client()
    deb = param(ms, "gpio.watch", "debounce_us")
    assert (deb["minimum"], deb["maximum"]) == (0, 1000000)
    res = param(ms, "adc.read", "resolution")
    assert (res["minimum"], res["maximum"]) == (8, 14)
    assert param(ms, "system.delay", "delay_us")["maximum"] == 10000000
    assert param(ms, "system.emit", "count")["minimum"] == 1
    assert param(ms, "gpio.mode", "mode")["enum"] == [
        "disabled", "input", "input_pullup", "input_pulldown", "output", "output_open_drain"]
    assert param(ms, "gpio.watch", "edge")["enum"] == ["none", "rising", "falling", "both"]
    assert param(ms, "system.reset", "mode")["enum"] == ["app", "bootloader", "serial_dfu"]
    assert param(ms, "adc.read", "gain")["enum"][0] == "1/6"
    e = c.error("gpio.watch", {"pin": "IO3", "debounce_us": 1000001})
    assert e["code"] == -32602 and "0..1000000" in e["message"], e
    c.call("gpio.watch", {"pin": "IO3", "debounce_us": 1000000})
    for bits in (6, 16):
        assert c.error("adc.read", {"pins": "AIN0", "resolution": bits})["code"] == -32602
    assert c.error("adc.read", {"pins": "AIN0", "resolution": 11})["code"] == -32602
    assert c.call("adc.read", {"pins": "AIN0", "resolution": 14})["AIN0"]["millivolts"] > 0
    assert c.error("system.delay", {"delay_us": 10000001})["code"] == -32602
    assert c.error("system.emit", {"count": 0})["code"] == -32602
