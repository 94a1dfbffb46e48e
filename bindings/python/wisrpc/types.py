"""The values both APIs return: small dataclasses with the same fields
whether they came from libwisrpc or from wisd, so code moves between the
two unchanged."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Info:
    """What the module said at HELLO."""
    board: str
    firmware: str
    protocol: int
    device_id: str  # 16 hex digits
    capabilities: List[str]  # "gpio", "adc", "radio", "flash", ..., "simulated"
    simulated: bool
    max_payload: int
    window: int
    path: str
    # Why the module last booted: "power_on", "request", "watchdog", "pin"
    # or "fault"; after a fault, where: {"kind", "pc", "lr", "cfsr"}.
    reset_cause: str = "power_on"
    fault: Optional[Dict[str, str]] = None


@dataclass
class Pin:
    """One entry of the module's pin table (I/O pins only)."""
    name: str  # "IO1", "LED1", "AIN0"
    connector: int  # WisConnector pin, 0 if none
    kind: str  # "IO"
    nrf: str  # "P0.17"
    ain: Optional[int]  # SAADC channel, or None
    functions: List[str]  # "gpio", "adc", "i2c", ...
    note: str
    pad: Optional[int]  # RAK4630 module pad, or None
    pad_name: Optional[str]  # the pad's name (an alias), or None


@dataclass
class PinState:
    """A pin's owner ("none", "gpio", "adc", ...), GPIO mode, input level and
    watched edge."""
    owner: str
    mode: str
    level: int
    edge: str


@dataclass
class FlashInfo:
    """The flash store in use."""
    store: str  # "external" (the SPI NOR chip) or "internal" (nRF52840 pages)
    jedec: str  # "9d6014", "000000" for the internal store
    size: int
    erase_unit: int
    page_size: int
    name: str


@dataclass
class TxResult:
    """A finished transmission: measured time on air and the device times of
    the preamble start and of TX done (microseconds)."""
    airtime_us: int
    tx_start_us: int
    tx_end_us: int


@dataclass
class RadioStatus:
    """The radio's state ("off", "standby", "tx", "rx", "cad"), channel and
    counters."""
    state: str
    receiving: bool
    freq_hz: int
    sf: int
    bw_hz: int
    tx_packets: int
    rx_packets: int
    rx_errors: int
    device_errors: int


# The device's link counters (system.stats); the direct binding adds the
# host's own view (host_*) to the dict it returns.
STATS_FIELDS = ("uptime_us", "rx_frames", "rx_crc_errors", "rx_cobs_errors", "rx_oversize",
                "rx_runts", "rx_bytes_dropped", "tx_frames", "events_sent", "events_dropped",
                "requests_bad")

# The topics events come under, as wisd names them (docs/api.md).
TOPICS = ("gpio.edge", "radio.rx", "radio.tx", "uart.rx", "diag.event", "device.state")


@dataclass
class Event:
    """One event from the module.

    topic      "gpio.edge", "radio.rx", "radio.tx", "uart.rx", "diag.event"
               or "device.state"
    seq, lost  the module's event counter, and how many were missed just
               before this one
    device_us  the module's timestamp
    time, monotonic, error_us
               the same instant on the host's CLOCK_REALTIME and
               CLOCK_MONOTONIC (seconds), accurate to error_us; None while
               the module's clock is not mapped (just after a reset)
    params     the topic's fields; also readable as attributes:
               gpio.edge: pin, level, edge ("rising"/"falling")
               radio.rx: data (bytes), rssi_dbm, snr_db, signal_rssi_dbm,
                 freq_hz, sf, bw_hz, cr, crc; or error ("crc", "header",
                 "timeout"), rssi_dbm, snr_db
               radio.tx: airtime_us, tx_start_us, tx_end_us
               uart.rx: port ("uart0"), overflow, data (bytes)
               diag.event: data (bytes)
               device.state: state ("reset", "down", ...), cause
    """
    topic: str
    seq: int = 0
    lost: int = 0
    device_us: int = 0
    time: Optional[float] = None
    monotonic: Optional[float] = None
    error_us: Optional[int] = None
    params: Dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not fields: the topic's own.
        params = self.__dict__.get("params", {})
        if name in params:
            return params[name]
        raise AttributeError("%s event has no %r" % (self.__dict__.get("topic"), name))


def event_from_json(topic: str, p: Dict[str, Any]) -> Event:
    """An Event from a wisd notification's params (hex fields as bytes)."""
    p = dict(p)
    common = {k: p.pop(k, None) for k in ("seq", "lost", "device_us", "time", "monotonic",
                                          "error_us")}
    if "hex" in p:
        p["data"] = bytes.fromhex(p.pop("hex"))
    elif topic == "diag.event" and isinstance(p.get("data"), str):
        p["data"] = bytes.fromhex(p["data"])
    p.pop("len", None) if "data" in p else None
    return Event(topic, common["seq"] or 0, common["lost"] or 0, common["device_us"] or 0,
                 common["time"], common["monotonic"], common["error_us"], p)
