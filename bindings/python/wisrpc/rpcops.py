"""The wisd client's operations, written once for the sync and the asyncio
client: each is a generator that yields the JSON-RPC requests it needs (one
(method, params) pair, or a list of them to pipeline) and gets their
results back; the client class runs it (client.Client._run blocks,
aio.AsyncClient._run is a coroutine).  Method names and parameters are
wisd's (docs/api.md, lib/json/methods.c).
"""
from __future__ import annotations

import os
import zlib
from typing import Any, Callable, Dict, Generator, Optional, Union

from .errors import DeviceStatus, RpcError
from .stream import FlashStream
from .subsys import DeviceBase, bus_number, port_number
from .types import STATS_FIELDS, FlashInfo, Info, Pin, PinState, RadioStatus, TxResult

Op = Generator[Any, Any, Any]
Progress = Optional[Callable[[int, int], Any]]

FLASH_READ_MAX = 1024  # flash.read's len limit (one response frame)
# flash.write's data per request: what wis_flash_write() sends (1016 bytes
# of data is the protocol's limit, but wisd's request must fit one frame too)
FLASH_WRITE_MAX = 512
UART_WRITE_MAX = 1019
PIPELINE = 16  # requests kept in flight by the long transfers (the device window)


def op(gen: Callable[..., Op]) -> Callable[..., Any]:
    """Makes a generator operation a method run by the client's _run()."""
    def method(self: "RpcOps", *args: Any, **kw: Any) -> Any:
        return self._run(gen(self, *args, **kw))
    method.__name__ = gen.__name__
    method.__doc__ = gen.__doc__
    return method


def _i2c_bus(bus: Union[int, str]) -> str:
    return "i2c%d" % bus_number(bus)


def _uart_port(port: Union[int, str]) -> str:
    return "uart%d" % port_number(port)


def _prepare_unit(at: int, n: int, unit: int, dev_crc: int) -> Op:
    """As prepare_unit() in lib/flash_write.c: a range inside one erase unit
    whose device CRC is dev_crc, made ready to be programmed.  Erased:
    nothing to do; a whole unit holding other bytes: erased once; part of a
    unit: its writes carry the erase flag (the module merges, the bytes
    around stay).  Left to the flag, a whole unit would be merged and erased
    again by each request.  Returns the erase flag for the writes."""
    if dev_crc == zlib.crc32(b"\xff" * n):
        return False
    if n == unit and at % unit == 0:
        yield ("flash.erase", {"addr": at, "len": unit})
        return False
    return True


def _write_pieces(addr: int, data: bytes, erase: bool, progress: Progress) -> Op:
    """flash.write requests of FLASH_WRITE_MAX bytes, two at a time (the
    module keeps one write behind the running one, in order); from the
    first BUSY (firmware that runs one write at a time) one at a time, that
    pair sent again (a piece it took, programmed again with the same bytes,
    is unchanged)."""
    offs = list(range(0, len(data), FLASH_WRITE_MAX))
    depth, i = 2, 0
    while i < len(offs):
        reqs = [("flash.write", {"addr": addr + off, "erase": erase,
                                 "data": data[off:off + FLASH_WRITE_MAX].hex()})
                for off in offs[i:i + depth]]
        try:
            yield reqs if depth > 1 else reqs[0]
        except DeviceStatus as e:
            if e.status_name != "BUSY" or depth == 1:
                raise
            depth = 1
            continue
        i += len(reqs)
        if progress:
            progress(min(offs[i - 1] + FLASH_WRITE_MAX, len(data)), len(data))


class RpcOps(DeviceBase):
    """The operations of a wisd client (see client.Client)."""

    def _run(self, gen: Op) -> Any:  # pragma: no cover - each client has its own
        raise NotImplementedError

    # ---- system --------------------------------------------------------------

    @op
    def info(self) -> Op:
        """What the module said at HELLO."""
        r = yield ("system.info", None)
        return Info(r["board"], r["firmware"], r["protocol"], r["device_id"],
                    list(r["capabilities"]), bool(r["simulated"]), r["max_payload"],
                    r["window"], r["path"], r.get("reset_cause", "power_on"), r.get("fault"))

    @op
    def pins(self) -> Op:
        """The module's I/O pins."""
        r = yield ("system.pins", None)
        return [Pin(p["name"], p["connector"], p["kind"], p["nrf"], p.get("ain"),
                    list(p["functions"]), p["note"], p.get("pad"), p.get("pad_name"))
                for p in r["pins"]]

    @op
    def ping(self) -> Op:
        """One round trip to the module."""
        yield ("system.ping", None)

    @op
    def uptime(self) -> Op:
        """Module time since boot, microseconds."""
        r = yield ("system.uptime", None)
        return r["uptime_us"]

    @op
    def stats(self) -> Op:
        """The module's link counters."""
        r = yield ("system.stats", None)
        return {k: r[k] for k in STATS_FIELDS}

    @op
    def reset(self, mode: str = "app") -> Op:
        """Reset the module: mode "app", "bootloader" or "serial_dfu"."""
        yield ("system.reset", {"mode": mode})

    @op
    def pin_state(self, pin: str) -> Op:
        """A pin's owner, GPIO mode, level and watched edge."""
        r = yield ("pin.state", {"pin": pin})
        return PinState(r["owner"], r["mode"], r["level"], r["edge"])

    @op
    def release(self, pin: str) -> Op:
        """Free a pin from whatever function holds it."""
        yield ("pin.release", {"pin": pin})

    # ---- gpio, adc -----------------------------------------------------------

    @op
    def _gpio_mode(self, pin: str, mode: str, initial: int) -> Op:
        yield ("gpio.mode", {"pin": pin, "mode": mode, "initial": int(initial)})

    @op
    def _gpio_read(self, pin: str) -> Op:
        r = yield ("gpio.get", {"pins": [pin]})
        return next(iter(r.values()))

    @op
    def _gpio_write(self, pin: str, level: int) -> Op:
        yield ("gpio.set", {"values": {pin: level}})

    @op
    def _gpio_watch(self, pin: str, edge: str, debounce_us: int) -> Op:
        yield ("gpio.watch", {"pin": pin, "edge": edge, "debounce_us": debounce_us})

    @op
    def _adc_read(self, pin: str, gain: str, reference: str, resolution: int, oversample: int,
                  raw_too: bool) -> Op:
        r = yield ("adc.read", {"pins": [pin], "gain": gain, "reference": reference,
                                "resolution": resolution, "oversample": oversample})
        v = next(iter(r.values()))
        return (v["millivolts"], v["raw"]) if raw_too else v["millivolts"]

    # ---- radio ---------------------------------------------------------------

    @op
    def _radio_configure(self, settings: Dict[str, Any]) -> Op:
        # Regional rules are libwisrpc's, not wisd's (docs/api.md).
        params = {k: v for k, v in settings.items() if k not in ("region", "antenna_gain_dbi")}
        yield ("radio.config", params)

    @op
    def _radio_send(self, data: bytes, at_us: Optional[int]) -> Op:
        params: Dict[str, Any] = {"hex": data.hex()}
        if at_us is not None:
            params["at_us"] = at_us
        r = yield ("radio.send", params)
        return TxResult(r["airtime_us"], r["tx_start_us"], r["tx_end_us"])

    @op
    def _radio_rx(self, timeout_ms: int) -> Op:
        yield ("radio.rx", {"timeout_ms": timeout_ms})

    @op
    def _radio_stop(self) -> Op:
        yield ("radio.stop", None)

    @op
    def _radio_cad(self, symbols: int) -> Op:
        r = yield ("radio.cad", {"symbols": symbols})
        return bool(r["detected"])

    @op
    def _radio_status(self) -> Op:
        r = yield ("radio.status", None)
        return RadioStatus(r["state"], bool(r["receiving"]), r["freq_hz"], r["sf"], r["bw_hz"],
                           r["tx_packets"], r["rx_packets"], r["rx_errors"], r["device_errors"])

    @op
    def _radio_airtime(self, length: int, settings: Dict[str, Any]) -> Op:
        params = dict(settings)
        params["len"] = length
        r = yield ("radio.airtime", params)
        return r["airtime_us"]

    # ---- flash ---------------------------------------------------------------

    @op
    def _flash_info(self) -> Op:
        r = yield ("flash.info", None)
        return FlashInfo(r["store"], r["jedec"], r["size"], r["erase_unit"], r["page_size"],
                         r["name"])

    # Whether flash.stream may be tried: a Unix socket connection whose wisd
    # has not answered it -32601 (each client sets it at connect).
    _can_stream = False

    @op
    def _flash_read(self, addr: int, length: int, progress: Progress) -> Op:
        # More than one flash.read's worth: the raw bytes through a pipe
        # (flash.stream) rather than hex in JSON, which doubles each byte.
        if length > FLASH_READ_MAX and self._can_stream:
            try:
                return (yield FlashStream(addr, length, progress))
            except RpcError as e:
                if e.rpc_code != -32601:
                    raise
                self._can_stream = False  # an older wisd: flash.read from now on
        out = bytearray()
        chunks = [(a, min(FLASH_READ_MAX, addr + length - a))
                  for a in range(addr, addr + length, FLASH_READ_MAX)]
        for i in range(0, len(chunks), PIPELINE):
            rs = yield [("flash.read", {"addr": a, "len": n}) for a, n in chunks[i:i + PIPELINE]]
            for r in rs:
                out += bytes.fromhex(r["data"])
            if progress:
                progress(len(out), length)
        return bytes(out)

    @op
    def _flash_write(self, addr: int, data: bytes, erase: bool, progress: Progress) -> Op:
        if erase and len(data) >= 4096:
            # As wis_flash_write(): each whole erase unit of the range is
            # asked its CRC and prepared before the range is written.
            unit = (yield ("flash.info", None))["erase_unit"]
            at = -(-addr // unit) * unit
            while at + unit <= addr + len(data):
                r = yield ("flash.verify", {"addr": at, "len": unit})
                yield from _prepare_unit(at, unit, unit, r["crc32"])
                at += unit
        yield from _write_pieces(addr, data, erase, progress)

    @op
    def _flash_erase(self, addr: int, length: int) -> Op:
        yield ("flash.erase", {"addr": addr, "len": length})

    @op
    def _flash_verify(self, addr: int, length: int) -> Op:
        r = yield ("flash.verify", {"addr": addr, "len": length})
        return r["crc32"]

    @op
    def _flash_write_image(self, addr: int, path: str, progress: Progress) -> Op:
        # As wis_flash_write_image(): unit by unit, skipping units whose
        # device CRC already matches the file's, then verifying the whole.
        with open(os.fspath(path), "rb") as f:
            image = f.read()
        info = yield ("flash.info", None)
        unit = info["erase_unit"]
        skipped = 0
        start = addr - addr % unit
        pos = 0
        while pos < len(image):
            end_unit = start + unit * (1 + (addr + pos - start) // unit)
            piece = image[pos:pos + (end_unit - (addr + pos))]
            r = yield ("flash.verify", {"addr": addr + pos, "len": len(piece)})
            if r["crc32"] == zlib.crc32(piece):
                skipped += len(piece)
            else:
                erase = yield from _prepare_unit(addr + pos, len(piece), unit, r["crc32"])
                yield from _write_pieces(addr + pos, piece, erase, None)
            pos += len(piece)
            if progress:
                progress(pos, len(image))
        if image:
            r = yield ("flash.verify", {"addr": addr, "len": len(image)})
            if r["crc32"] != zlib.crc32(image):
                from .errors import WisError
                raise WisError(-11, "hardware error", "flash image verify failed at 0x%x" % addr)
        return skipped

    @op
    def _flash_raw(self, tx: bytes, rx_len: int) -> Op:
        r = yield ("flash.raw", {"tx": tx.hex(), "rx_len": rx_len})
        return bytes.fromhex(r["data"])

    # ---- buses ---------------------------------------------------------------

    @op
    def _i2c_config(self, bus: Union[int, str], hz: int) -> Op:
        yield ("i2c.config", {"bus": _i2c_bus(bus), "hz": hz})

    @op
    def _i2c_scan(self, bus: Union[int, str]) -> Op:
        r = yield ("i2c.scan", {"bus": _i2c_bus(bus)})
        return list(r["addresses"])

    @op
    def _i2c_xfer(self, bus: Union[int, str], addr: int, tx: bytes, rx_len: int) -> Op:
        params: Dict[str, Any] = {"bus": _i2c_bus(bus), "addr": addr, "rx_len": rx_len}
        if tx:
            params["tx"] = tx.hex()
        r = yield ("i2c.xfer", params)
        return bytes.fromhex(r["data"])

    @op
    def _spi_xfer(self, tx: bytes, hz: int, mode: int) -> Op:
        r = yield ("spi.xfer", {"tx": tx.hex(), "hz": hz, "mode": mode})
        return bytes.fromhex(r["data"])

    @op
    def _uart_config(self, port: Union[int, str], baud: int, parity: str, stop_bits: int) -> Op:
        yield ("uart.config", {"port": _uart_port(port), "baud": baud, "parity": parity,
                               "stop_bits": stop_bits})

    @op
    def _uart_write(self, port: Union[int, str], data: bytes) -> Op:
        # As wis_uart_write(): until every byte is taken.
        sent = 0
        while sent < len(data):
            piece = data[sent:sent + UART_WRITE_MAX]
            r = yield ("uart.write", {"port": _uart_port(port), "data": piece.hex(), "hex": True})
            sent += r["taken"]
        return len(data)


def drive(gen: Op, send: Callable[[Any], Any]) -> Any:
    """Runs an operation synchronously: send(request or list) -> result(s),
    raising the request's error into the generator."""
    try:
        req = next(gen)
        while True:
            try:
                res = send(req)
            except Exception as e:  # the generator may handle it; else it propagates
                req = gen.throw(e)
            else:
                req = gen.send(res)
    except StopIteration as stop:
        return stop.value


__all__ = ["RpcOps", "drive", "op"]
