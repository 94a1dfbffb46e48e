"""docs/python.md names only what exists: every `dev.NS.METHOD(`,
`dev.METHOD(`, `wisrpc.NAME` and `stream.METHOD(` it mentions is checked
on both device classes (and the asyncio ones), and every `EV.FIELD` of the
events table is produced."""
import os
import re

import wisrpc
from wisrpc import aio, subsys

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "python.md")
SPACES = {"gpio": subsys.Gpio, "adc": subsys.Adc, "radio": subsys.Radio, "flash": subsys.Flash,
          "i2c": subsys.I2c, "spi": subsys.Spi, "uart": subsys.Uart}
DEVICES = [wisrpc.Device, wisrpc.Client, aio.AsyncClient]


def text():
    with open(DOC) as f:
        return f.read()


def test_namespace_methods_exist():
    found = set(re.findall(r"\bdev\.(\w+)\.(\w+)\(", text()))
    assert len(found) >= 25
    for ns, name in found:
        assert ns in SPACES, ns
        assert callable(getattr(SPACES[ns], name, None)), "dev.%s.%s" % (ns, name)


def test_device_methods_exist():
    found = set(re.findall(r"\bdev\.(\w+)\(", text()))
    assert {"info", "pins", "events", "on_event", "close"} <= found
    for name in found:
        # call(): any JSON method by name, the wisd client's only (as documented)
        for cls in DEVICES[1:] if name == "call" else DEVICES:
            assert callable(getattr(cls, name, None)), "%s.%s" % (cls.__name__, name)


def test_package_names_exist():
    found = set(re.findall(r"\bwisrpc\.(\w+)", text()))
    found |= {"aio." + n for n in re.findall(r"\bwisrpc\.aio\.(\w+)", text())}
    for name in found:
        obj = wisrpc
        for part in name.split("."):
            obj = getattr(obj, part, None)
        assert obj is not None, "wisrpc.%s" % name


def test_stream_methods_exist():
    for name in re.findall(r"\bstream\.(\w+)\(", text()):
        assert callable(getattr(wisrpc.EventStream, name, None)), name


def test_result_fields_match_the_dataclasses():
    t = text()
    for cls in (wisrpc.Info, wisrpc.Pin, wisrpc.PinState, wisrpc.FlashInfo, wisrpc.TxResult):
        m = re.search(r"`?%s\(([^)]*)\)" % cls.__name__, t)
        assert m, cls.__name__
        assert [f.strip() for f in m.group(1).split(",")] == list(cls.__dataclass_fields__), \
            cls.__name__
