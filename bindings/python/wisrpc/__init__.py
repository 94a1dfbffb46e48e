"""wisrpc: drive a RAK4631 running the wisrpc companion firmware (or the
wisrpc-sim simulator) from Python.

Two ways in, with the same names and shapes once opened:

    dev = wisrpc.open("/dev/ttyACM0")         # directly, through libwisrpc
    dev = wisrpc.connect("/run/wisd.sock")    # through the wisd daemon

    with dev:
        dev.gpio.write("LED1", 1)
        print(dev.adc.read("AIN0"), "mV")
        dev.radio.configure(sf=9)
        dev.radio.send(b"hi")
        for ev in dev.events("radio.rx", timeout=5):
            print(ev.data, ev.rssi_dbm)

asyncio: wisrpc.aio.connect() / wisrpc.aio.open() give the same object
whose methods are coroutines, and `async for ev in dev.events()`.

Subsystems: dev.gpio, dev.adc, dev.radio, dev.flash, dev.i2c, dev.spi,
dev.uart; and dev.info(), pins(), ping(), uptime(), stats(), reset(),
pin_state(), release(), events(), on_event(), close().
Errors: wisrpc.WisError and its subclasses (wisrpc.errors).
"""
from .errors import (Closed, DeviceStatus, Disconnected, InvalidArgument, Regulation, RpcError,
                     Timeout, WisError)
from zlib import crc32

from . import aio
from .client import Client, connect
from .direct import Device, RadioConfig, open, time_on_air_us
from .events import EventStream
from .types import TOPICS, Event, FlashInfo, Info, Pin, PinState, RadioStatus, TxResult

__version__ = "0.1.0"

__all__ = [
    "open", "connect", "Device", "Client", "RadioConfig", "time_on_air_us", "crc32",
    "WisError", "Timeout", "Disconnected", "Closed", "InvalidArgument", "Regulation",
    "DeviceStatus", "RpcError", "Event", "EventStream", "Info", "Pin", "PinState", "FlashInfo",
    "RadioStatus", "TxResult", "TOPICS", "aio",
]
# (the direct binding loads libwisrpc at the first wisrpc.open(), so the wisd
# client also works on a host without the library)


