"""The direct binding: a module opened through libwisrpc (ctypes).

    import wisrpc
    with wisrpc.open("/dev/ttyACM0") as dev:    # or "auto", "/dev/pts/N", "tcp://HOST:PORT"
        dev.gpio.write("LED1", 1)
        print(dev.adc.read("AIN0"), "mV")

Threads: a Device may be used from any number of threads at once (their
calls are pipelined on the link).  The package runs two threads per
device: the driver, which reads the link when nobody else does (so events
arrive), and the event thread, which runs your callbacks (see events.py).
"""
from __future__ import annotations

import ctypes
import os
import select
import threading
import time
from ctypes import byref, c_int, c_int16, c_int32, c_size_t, c_uint, c_uint8, c_uint32, c_uint64
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from . import _ffi
from .errors import E_CLOSED, E_DISCONNECTED, Closed, InvalidArgument, WisError, from_code
from .events import EventStream, Hub, Topics, topic_set
from .subsys import DeviceBase, bus_number, port_number
from .types import Event, FlashInfo, Info, Pin, PinState, RadioStatus, TxResult

Progress = Optional[Callable[[int, int], Any]]

_EV_GPIO_EDGE, _EV_RESET, _EV_DIAG = 0x0180, 0x0081, 0x0082
_EV_RADIO_RX, _EV_RADIO_TX_DONE, _EV_RADIO_RX_ERROR, _EV_UART_RX = 0x0380, 0x0381, 0x0382, 0x0780
_NO_TIME = 0xFFFFFFFF
_FLASH_WRITE_ERASE = 0x01


def _b(s: str) -> bytes:
    return s.encode()


def _index(table: str, name: Union[str, int], what: str) -> int:
    if isinstance(name, int):
        return name
    names = _ffi.names(table)
    if name not in names:
        raise InvalidArgument(-104, "invalid argument",
                              "%s %r: one of %s" % (what, name, ", ".join(names)))
    return names.index(name)


class Device(DeviceBase):
    """One module opened through libwisrpc.  Make it with wisrpc.open()."""

    def __init__(self, path: str = "auto", *, timeout_ms: int = 1000, window: int = 16,
                 serial: Optional[str] = None, usb_vid: Optional[int] = None,
                 usb_pid: Optional[int] = None) -> None:
        lib = self._lib = _ffi.lib()
        opts = _ffi.OpenOptions()
        lib.wis_open_options_init_size(byref(opts), ctypes.sizeof(opts))
        opts.timeout_ms = timeout_ms
        opts.window = window
        if serial is not None:
            opts.serial = _b(serial)
        if usb_vid is not None:
            opts.usb_vid = usb_vid
        if usb_pid is not None:
            opts.usb_pid = usb_pid
        dev = ctypes.c_void_p()
        rc = lib.wis_open(byref(dev), _b(path), byref(opts))
        if rc < 0:
            raise self._error(rc)
        self._dev = dev.value
        self._lock = threading.Lock()
        self._drive = threading.Lock()  # held by wis_process() and by flash calls
        self._active = 0
        self._closed = False
        self._stop = False
        self.path: str = lib.wis_path(self._dev).decode()
        self._hub = Hub(self._decode, "wisrpc-events")
        # The C callback only copies the event into the hub's queue.
        self._event_cb = _ffi.EVENT_CB(self._on_event)
        lib.wis_set_event_cb(self._dev, self._event_cb, None)
        self._wake_r, self._wake_w = os.pipe()
        self._driver = threading.Thread(target=self._drive_loop, name="wisrpc-driver", daemon=True)
        self._driver.start()
        super().__init__()

    # ---- calls ---------------------------------------------------------------

    def _error(self, rc: int) -> WisError:
        detail = self._lib.wis_last_error().decode(errors="replace")
        status = _ffi.name_of("wis_status_names", -rc) if -64 < rc < 0 else ""
        return from_code(rc, self._lib.wis_strerror(rc).decode(), detail, status)

    def _check_open(self) -> None:
        if self._closed:
            raise Closed(E_CLOSED, "device closed", "%s: the device is closed" % self.path)

    def _call(self, fname: str, *args: Any, drive: bool = False) -> int:
        """Runs one library function on this device; raises on a negative
        return.  drive: the function runs wis_process() itself (flash), so
        it must not overlap the driver thread's."""
        fn = getattr(self._lib, fname)
        with self._lock:
            if self._closed:
                raise Closed(E_CLOSED, "device closed", "%s: the device is closed" % self.path)
            self._active += 1
        try:
            if drive:
                with self._drive:
                    rc = fn(self._dev, *args)
            else:
                rc = fn(self._dev, *args)
            if rc < 0:
                raise self._error(rc)
            return rc
        finally:
            with self._lock:
                self._active -= 1

    # ---- the threads ---------------------------------------------------------

    def _drive_loop(self) -> None:
        """Reads the link whenever it is readable, so that events arrive
        while no call is running; stops at close()."""
        fd = self._lib.wis_fd(self._dev)
        p = select.poll()
        p.register(fd, select.POLLIN)
        p.register(self._wake_r, select.POLLIN)
        while not self._stop:
            ready = p.poll(200)
            if self._stop:
                break
            if ready and self._active:
                # A call is running, and it reads the link itself (events
                # included): stepping in would only fight it for the GIL.
                time.sleep(0.01)
                continue
            if not self._drive.acquire(timeout=0.05):
                continue
            try:
                if self._stop:
                    break
                rc = self._lib.wis_process(self._dev)
            finally:
                self._drive.release()
            if rc == E_DISCONNECTED:
                self._hub.put(("down", "link lost"))
                break
            if rc < 0:
                break

    def _on_event(self, _dev: Any, evp: Any, _user: Any) -> None:
        # Runs in the thread reading the link: copy, queue, return.
        ev = evp.contents
        raw = ctypes.string_at(evp, ctypes.sizeof(_ffi.Event))
        payload = ctypes.string_at(ev.payload, ev.payload_len) if ev.payload_len else b""
        extra: Any = None
        if ev.type == _EV_RADIO_RX and ev.u.radio.len:
            extra = ctypes.string_at(ev.u.radio.data, ev.u.radio.len)
        elif ev.type == _EV_GPIO_EDGE:
            extra = ev.u.gpio.name
        elif ev.type == _EV_UART_RX:
            port, ovf, data, n = c_uint(), c_uint32(), ctypes.POINTER(c_uint8)(), c_size_t()
            if self._lib.wis_uart_rx_parse(evp, byref(port), byref(ovf), byref(data),
                                           byref(n)) == 0:
                extra = (port.value, ovf.value, ctypes.string_at(data, n.value))
        self._hub.put((raw, payload, extra))

    def _decode(self, item: Tuple[Any, ...]) -> Optional[Event]:
        if item[0] == "down":
            return Event("device.state", params={"state": "down", "reason": item[1]})
        raw, payload, extra = item
        ev = _ffi.Event.from_buffer_copy(raw)  # its pointers are not followed
        t = ev.type
        timed = ev.error_us != _NO_TIME
        e = Event("", ev.seq, ev.lost, ev.device_us,
                  ev.realtime.tv_sec + ev.realtime.tv_nsec / 1e9 if timed else None,
                  ev.monotonic.tv_sec + ev.monotonic.tv_nsec / 1e9 if timed else None,
                  ev.error_us if timed else None)
        r = ev.u.radio
        if t == _EV_GPIO_EDGE:
            e.topic = "gpio.edge"
            e.params = {"pin": extra.decode(), "level": ev.u.gpio.level,
                        "edge": _ffi.name_of("wis_edge_names", ev.u.gpio.edge)}
        elif t == _EV_RESET:
            e.topic = "device.state"
            e.params = {"state": "reset", "cause": ev.u.reset.cause}
        elif t == _EV_DIAG:
            e.topic = "diag.event"
            e.params = {"data": payload}
        elif t == _EV_RADIO_RX:
            e.topic = "radio.rx"
            e.params = {"data": extra or b"", "rssi_dbm": r.rssi_dbm, "snr_db": r.snr_db,
                        "signal_rssi_dbm": r.signal_rssi_dbm, "freq_hz": r.freq_hz, "sf": r.sf,
                        "bw_hz": r.bw_hz, "cr": r.cr, "crc": bool(r.crc)}
        elif t == _EV_RADIO_RX_ERROR:
            e.topic = "radio.rx"
            e.params = {"error": _ffi.name_of("wis_radio_err_names", r.error),
                        "rssi_dbm": r.rssi_dbm, "snr_db": r.snr_db}
        elif t == _EV_RADIO_TX_DONE:
            e.topic = "radio.tx"
            e.params = {"len": r.len, "airtime_us": r.airtime_us, "tx_start_us": r.tx_start_us,
                        "tx_end_us": r.tx_end_us}
        elif t == _EV_UART_RX and extra is not None:
            e.topic = "uart.rx"
            e.params = {"port": "uart%d" % extra[0], "overflow": extra[1], "data": extra[2]}
        else:
            return None
        return e

    # ---- events --------------------------------------------------------------

    def events(self, topics: Topics = None, timeout: Optional[float] = None) -> EventStream:
        """Events of topics (None: all) from now on, as an iterator and an
        async iterator; iteration ends after timeout seconds without one."""
        return self._hub.stream(topic_set(topics), timeout)

    def on_event(self, callback: Callable[[Event], Any], topics: Topics = None) -> None:
        """Call callback(event) for every event of topics (None: all), on the
        package's event thread (one at a time, in order)."""
        self._hub.add_callback(callback, topic_set(topics))

    def remove_callback(self, callback: Callable[[Event], Any]) -> None:
        """Stop calling callback."""
        self._hub.remove_callback(callback)

    # ---- closing -------------------------------------------------------------

    def close(self) -> None:
        """Close the device.  Calls other threads are waiting in end with
        Closed; events already received are still delivered, then every
        event stream ends.  Safe to call twice and from a callback."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            active = self._active
        self._stop = True
        os.write(self._wake_w, b"x")
        if threading.current_thread() is not self._driver:
            self._driver.join()
        if active:
            # A thread may have passed the closed check but not yet entered
            # the library (wis_close() must not overlap a call's start):
            # give it the GIL to get in; calls inside are cancelled below.
            for _ in range(3):
                time.sleep(0.002)
        self._lib.wis_close(self._dev)
        self._hub.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    @property
    def closed(self) -> bool:
        return self._closed

    # ---- system --------------------------------------------------------------

    def info(self) -> Info:
        """What the module said at HELLO."""
        self._check_open()
        i = self._lib.wis_get_info(self._dev).contents
        caps = [n for b, n in enumerate(_ffi.names("wis_cap_names", 32))
                if n and i.caps & (1 << b)]
        fault = None
        if i.fault.kind:
            fault = {"kind": _ffi.name_of("wis_fault_kind_names", i.fault.kind),
                     "pc": "0x%08x" % i.fault.pc,
                     "lr": "0x%08x" % i.fault.lr, "cfsr": "0x%08x" % i.fault.cfsr}
        return Info(i.board.decode(), i.fw_version.decode(), i.proto_version,
                    i.device_id_hex.decode(), caps, "simulated" in caps, i.max_payload, i.window,
                    self.path, _ffi.name_of("wis_reset_cause_names", i.reset_cause), fault)

    def pins(self) -> List[Pin]:
        """The module's I/O pins."""
        self._check_open()
        n = c_size_t()
        t = self._lib.wis_get_pins(self._dev, byref(n))
        out = []
        for k in range(n.value):
            d = t[k]
            if d.kind != 0 or d.nrf == 0xFF:
                continue
            nb = ctypes.create_string_buffer(6)
            self._lib.wis_nrf_name(d.nrf, nb)
            funcs = [nm for b, nm in enumerate(_ffi.names("wis_fn_names")) if d.funcs & (1 << b)]
            out.append(Pin(d.name.decode(), d.connector, self._lib.wis_pin_kind_name(d.kind)
                           .decode(), nb.value.decode(), None if d.ain == 0xFF else d.ain, funcs,
                           (d.note or b"").decode(), d.pad or None,
                           d.pad_name.decode() if d.pad_name else None))
        return out

    def ping(self) -> None:
        """One round trip to the module."""
        self._call("wis_ping")

    def uptime(self) -> int:
        """Module time since boot, microseconds."""
        v = c_uint64()
        self._call("wis_uptime", byref(v))
        return v.value

    def stats(self) -> Dict[str, int]:
        """The module's link counters, and the host's (host_*)."""
        st = _ffi.Stats()
        self._call("wis_stats_sized", byref(st), ctypes.sizeof(st))
        return {n: getattr(st, n) for n, _ in _ffi.Stats._fields_}

    def reset(self, mode: str = "app") -> None:
        """Reset the module: mode "app", "bootloader" or "serial_dfu"."""
        self._call("wis_reset", _index("wis_reset_mode_names", mode, "reset mode"))

    def pin_state(self, pin: str) -> PinState:
        """A pin's owner, GPIO mode, level and watched edge."""
        s = _ffi.PinState()
        self._call("wis_pin_state", _b(pin), byref(s))
        return PinState(_ffi.name_of("wis_owner_names", s.owner),
                        _ffi.name_of("wis_gpio_mode_names", s.mode), s.level,
                        _ffi.name_of("wis_edge_names", s.edge))

    def release(self, pin: str) -> None:
        """Free a pin from whatever function holds it."""
        self._call("wis_pin_release", _b(pin))

    # ---- subsystems (called by subsys.py's namespaces) -------------------------

    def _gpio_mode(self, pin: str, mode: str, initial: int) -> None:
        self._call("wis_gpio_mode", _b(pin), _index("wis_gpio_mode_names", mode, "mode"),
                   int(initial))

    def _gpio_read(self, pin: str) -> int:
        v = c_int()
        self._call("wis_gpio_read", _b(pin), byref(v))
        return v.value

    def _gpio_write(self, pin: str, level: int) -> None:
        self._call("wis_gpio_write", _b(pin), int(level))

    def _gpio_watch(self, pin: str, edge: str, debounce_us: int) -> None:
        self._call("wis_gpio_watch", _b(pin), _index("wis_edge_names", edge, "edge"),
                   debounce_us)

    def _adc_read(self, pin: str, gain: str, reference: str, resolution: int, oversample: int,
                  raw_too: bool) -> Union[int, Tuple[int, int]]:
        cfg = _ffi.AdcConfig(_index("wis_adc_gain_names", gain, "gain"),
                             _index("wis_adc_ref_names", reference, "reference"), resolution,
                             oversample)
        mv, raw = c_int32(), c_int16()
        self._call("wis_adc_read", _b(pin), byref(cfg), byref(mv), byref(raw))
        return (mv.value, raw.value) if raw_too else mv.value

    def _radio_configure(self, settings: Dict[str, Any]) -> None:
        cfg = RadioConfig(**settings)
        self._call("wis_radio_configure", cfg._c)

    def _radio_send(self, data: bytes, at_us: Optional[int]) -> TxResult:
        tx = _ffi.RadioTx()
        if at_us is None:
            self._call("wis_radio_send", data, len(data), byref(tx))
        else:
            self._call("wis_radio_send_at", at_us, data, len(data), byref(tx))
        return TxResult(tx.airtime_us, tx.tx_start_us, tx.tx_end_us)

    def _radio_rx(self, timeout_ms: int) -> None:
        self._call("wis_radio_rx", timeout_ms)

    def _radio_stop(self) -> None:
        self._call("wis_radio_stop")

    def _radio_cad(self, symbols: int) -> bool:
        v = c_int()
        self._call("wis_radio_cad", symbols, byref(v))
        return bool(v.value)

    def _radio_status(self) -> RadioStatus:
        s = _ffi.RadioStatus()
        self._call("wis_radio_status", byref(s))
        return RadioStatus(_ffi.name_of("wis_radio_state_names", s.state), bool(s.receiving),
                           s.freq_hz, s.sf, s.bw_hz, s.tx_packets, s.rx_packets, s.rx_errors,
                           s.device_errors)

    def _radio_airtime(self, length: int, settings: Dict[str, Any]) -> int:
        return time_on_air_us(length, **settings)

    def _flash_info(self) -> FlashInfo:
        i = _ffi.FlashInfo()
        self._call("wis_flash_info", byref(i), drive=True)
        return FlashInfo(_ffi.name_of("wis_flash_store_names", i.store), bytes(i.jedec).hex(),
                         i.size, i.erase_unit, i.page_size, i.name.decode())

    def _flash_read(self, addr: int, length: int, progress: Progress) -> bytes:
        buf = ctypes.create_string_buffer(length)
        self._call("wis_flash_read", addr, buf, length, _progress(progress), None, drive=True)
        return buf.raw

    def _flash_write(self, addr: int, data: bytes, erase: bool, progress: Progress) -> None:
        self._call("wis_flash_write", addr, data, len(data), _FLASH_WRITE_ERASE if erase else 0,
                   _progress(progress), None, drive=True)

    def _flash_erase(self, addr: int, length: int) -> None:
        self._call("wis_flash_erase", addr, length, drive=True)

    def _flash_verify(self, addr: int, length: int) -> int:
        v = c_uint32()
        self._call("wis_flash_verify", addr, length, byref(v), drive=True)
        return v.value

    def _flash_write_image(self, addr: int, path: str, progress: Progress) -> int:
        skipped = c_uint64()
        self._call("wis_flash_write_image", addr, os.fsencode(path), _progress(progress), None,
                   byref(skipped), drive=True)
        return skipped.value

    def _flash_raw(self, tx: bytes, rx_len: int) -> bytes:
        rx = ctypes.create_string_buffer(max(rx_len, 1))
        self._call("wis_flash_raw", tx, len(tx), rx, rx_len, drive=True)
        return rx.raw[:rx_len]

    def _i2c_config(self, bus: Union[int, str], hz: int) -> None:
        self._call("wis_i2c_config", bus_number(bus), hz)

    def _i2c_scan(self, bus: Union[int, str]) -> List[int]:
        addrs, n = (c_uint8 * 112)(), c_size_t()
        self._call("wis_i2c_scan", bus_number(bus), addrs, byref(n))
        return list(addrs[:n.value])

    def _i2c_xfer(self, bus: Union[int, str], addr: int, tx: bytes, rx_len: int) -> bytes:
        rx = ctypes.create_string_buffer(max(rx_len, 1))
        self._call("wis_i2c_xfer", bus_number(bus), addr, tx, len(tx), rx, rx_len)
        return rx.raw[:rx_len]

    def _spi_xfer(self, tx: bytes, hz: int, mode: int) -> bytes:
        rx = ctypes.create_string_buffer(max(len(tx), 1))
        self._call("wis_spi_xfer", hz, mode, tx, rx, len(tx))
        return rx.raw[:len(tx)]

    def _uart_config(self, port: Union[int, str], baud: int, parity: str, stop_bits: int) -> None:
        self._call("wis_uart_config", port_number(port), baud,
                   _index("wis_uart_parity_names", parity, "parity"), stop_bits)

    def _uart_write(self, port: Union[int, str], data: bytes) -> int:
        self._call("wis_uart_write", port_number(port), data, len(data))
        return len(data)


def _progress(fn: Progress) -> Any:
    if fn is None:
        return _ffi.PROGRESS_CB()
    return _ffi.PROGRESS_CB(lambda done, total, _u: fn(done, total))


# radio settings -> (setter, how the value is passed)
_RADIO_SETTERS = {
    "freq_hz": "frequency", "power_dbm": "power", "sf": "sf", "bw_hz": "bandwidth",
    "cr": "coding_rate", "ldro": "ldro", "preamble": "preamble", "crc": "crc",
    "invert_iq": "invert_iq", "sync_word": "sync_word", "tcxo_mv": "tcxo_mv",
    "idle_xosc": "idle_xosc", "region": "region", "antenna_gain_dbi": "antenna_gain",
}


class RadioConfig:
    """libwisrpc's radio settings object (wis_radio_config), checked value by
    value as it is built: RadioConfig(sf=9, bw_hz=250000, region="lab").
    Names as in Radio.configure()."""

    def __init__(self, **settings: Any) -> None:
        self._lib = _ffi.lib()
        self._c = self._lib.wis_radio_config_new()
        if not self._c:
            raise MemoryError("wis_radio_config_new")
        implicit = settings.pop("implicit", None)
        payload_len = settings.pop("payload_len", 0)
        for k, v in settings.items():
            if k not in _RADIO_SETTERS:
                raise TypeError("unknown radio setting %r; settings: %s"
                                % (k, ", ".join(list(_RADIO_SETTERS) + ["implicit",
                                                                       "payload_len"])))
            if v is None:
                continue
            if k == "ldro":
                v = _index("wis_radio_ldro_names", v, "ldro")
            elif k == "region":
                v = _b(v)
            self._set(_RADIO_SETTERS[k], int(v) if k != "region" else v)
        if implicit is not None:
            self._set("implicit_header", int(bool(implicit)), payload_len)

    def _set(self, name: str, *args: Any) -> None:
        rc = getattr(self._lib, "wis_radio_config_set_" + name)(self._c, *args)
        if rc < 0:
            raise from_code(rc, self._lib.wis_strerror(rc).decode(),
                            self._lib.wis_last_error().decode())

    def time_on_air_us(self, length: int) -> int:
        """Time on air of a length-byte packet, microseconds."""
        return self._lib.wis_radio_time_on_air_us(self._c, length)

    def __del__(self) -> None:
        if getattr(self, "_c", None):
            self._lib.wis_radio_config_free(self._c)
            self._c = None


def time_on_air_us(length: int, **settings: Any) -> int:
    """Time on air of a LoRa packet of length bytes (SX1261/2 datasheet
    6.1.4), microseconds; needs no device.  Settings as Radio.configure()."""
    return RadioConfig(**settings).time_on_air_us(length)


def open(path: str = "auto", **options: Any) -> Device:  # noqa: A001 (like io.open)
    """Open a module through libwisrpc.

    path: "/dev/ttyACM0" (a real port), "/dev/pts/N" (wisrpc-sim),
    "tcp://HOST:PORT" (raw TCP), or "auto" (USB discovery).  options:
    timeout_ms (per call, default 1000), window (calls in flight, 16),
    serial, usb_vid, usb_pid (discovery filters)."""
    return Device(path, **options)
