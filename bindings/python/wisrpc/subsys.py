"""The subsystem namespaces (dev.gpio, dev.adc, dev.radio, dev.flash,
dev.i2c, dev.spi, dev.uart), written once for both APIs: each method checks
and normalises its arguments and calls the device object's private
implementation (libwisrpc in direct.py, JSON-RPC in client.py).  With the
asyncio client every method returns an awaitable instead of the value.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from .errors import E_INVAL, InvalidArgument
from .types import FlashInfo, RadioStatus, TxResult

Bus = Union[int, str]
Progress = Optional[Callable[[int, int], Any]]


def _bad(detail: str) -> InvalidArgument:
    return InvalidArgument(E_INVAL, "invalid argument", detail)


def bus_number(bus: Bus) -> int:
    """1 or 2 from 1, 2, "i2c1", "i2c2"."""
    if bus in (1, 2):
        return int(bus)
    if isinstance(bus, str) and bus.lower() in ("i2c1", "i2c2"):
        return int(bus[-1])
    raise _bad("I2C bus %r: 1, 2, \"i2c1\" or \"i2c2\"" % (bus,))


def port_number(port: Bus) -> int:
    """0 or 1 from 0, 1, "uart0", "uart1"."""
    if port in (0, 1):
        return int(port)
    if isinstance(port, str) and port.lower() in ("uart0", "uart1"):
        return int(port[-1])
    raise _bad("UART port %r: 0, 1, \"uart0\" or \"uart1\"" % (port,))


def as_bytes(data: Union[bytes, bytearray, memoryview, str]) -> bytes:
    """bytes from bytes-like data, or str as UTF-8."""
    return data.encode() if isinstance(data, str) else bytes(data)


class _Space:
    def __init__(self, dev: Any) -> None:
        self._d = dev


class Gpio(_Space):
    """Digital pins, by name ("IO1", "LED1", "SW1", "P0.17"; case-insensitive)."""

    def mode(self, pin: str, mode: str, initial: int = 0) -> None:
        """Set a pin's mode: "disabled", "input", "input_pullup",
        "input_pulldown", "output", "output_open_drain"; initial is an
        output's first level."""
        return self._d._gpio_mode(pin, mode, initial)

    def read(self, pin: str) -> int:
        """The pin's level, 0 or 1 (an unowned pin becomes an input)."""
        return self._d._gpio_read(pin)

    def write(self, pin: str, level: int) -> None:
        """Drive an output to level 0 or 1 (an unowned pin becomes a
        push-pull output)."""
        return self._d._gpio_write(pin, 1 if level else 0)

    def watch(self, pin: str, edge: str = "both", debounce_us: int = 0) -> None:
        """Report edges ("rising", "falling", "both"; "none" stops) as
        gpio.edge events."""
        return self._d._gpio_watch(pin, edge, debounce_us)


class Adc(_Space):
    """Analog inputs: AIN0, AIN1, IO4, IO7."""

    def read(self, pin: str, *, gain: str = "1/6", reference: str = "internal",
             resolution: int = 12, oversample: int = 0) -> int:
        """The pin's voltage in millivolts.  gain "1/6" .. "4", reference
        "internal" (0.6 V) or "vdd4", resolution 8/10/12/14 bits,
        oversample log2 of the samples averaged (0..8)."""
        return self._d._adc_read(pin, gain, reference, resolution, oversample, False)

    def read_raw(self, pin: str, *, gain: str = "1/6", reference: str = "internal",
                 resolution: int = 12, oversample: int = 0) -> Tuple[int, int]:
        """(millivolts, raw SAADC value), settings as read()."""
        return self._d._adc_read(pin, gain, reference, resolution, oversample, True)


# radio.airtime's parameters (the rest of a configuration does not change it)
_AIRTIME_KEYS = ("sf", "bw_hz", "cr", "preamble", "ldro", "implicit", "crc")


class Radio(_Space):
    """The SX1262 LoRa radio.  Received packets arrive as radio.rx events,
    finished transmissions as radio.tx events."""

    def __init__(self, dev: Any) -> None:
        super().__init__(dev)
        self._settings: Dict[str, Any] = {}

    def configure(self, **settings: Any) -> None:
        """Configure the radio; every setting is optional (defaults in
        brackets): freq_hz [868100000], power_dbm -9..22 [14], sf 5..12 [7],
        bw_hz 7812..500000 [125000], cr 5..8 = 4/5..4/8 [5], ldro
        "auto"/"off"/"on", preamble [8], implicit (bool) with payload_len,
        crc [True], invert_iq [False], sync_word [0x12], tcxo_mv [1800],
        idle_xosc [False], region ("EU868", "US915", ..., "lab") and
        antenna_gain_dbi.  Through wisd, region and antenna gain are not
        applied: wisd does not enforce regional rules (docs/api.md)."""
        settings = {k: v for k, v in settings.items() if v is not None}
        r = self._d._radio_configure(settings)
        self._settings = settings
        return r

    def send(self, data: Union[bytes, str], at_us: Optional[int] = None) -> TxResult:
        """Transmit 1..255 bytes and wait for TX done; at_us starts the
        preamble at that device time (uptime()'s clock)."""
        return self._d._radio_send(as_bytes(data), at_us)

    def send_at(self, at_us: int, data: Union[bytes, str]) -> TxResult:
        """send(data, at_us=at_us)."""
        return self._d._radio_send(as_bytes(data), at_us)

    def rx(self, timeout_ms: int = 0) -> None:
        """Receive: 0 continuously until stop(), else one packet or the
        timeout.  Packets arrive as radio.rx events."""
        return self._d._radio_rx(timeout_ms)

    def stop(self) -> None:
        """Stop receiving."""
        return self._d._radio_stop()

    def cad(self, symbols: int = 1) -> bool:
        """Channel activity detection over 1, 2, 4, 8 or 16 symbols."""
        return self._d._radio_cad(symbols)

    def status(self) -> RadioStatus:
        """State, channel and counters."""
        return self._d._radio_status()

    def time_on_air_us(self, length: int, **settings: Any) -> int:
        """Time on air of a length-byte packet with the configured settings
        (or these), microseconds."""
        merged = dict(self._settings)
        merged.update(settings)
        return self._d._radio_airtime(length, {k: v for k, v in merged.items()
                                               if k in _AIRTIME_KEYS})


class Flash(_Space):
    """The module's flash store: the SPI NOR chip, or the nRF52840's own
    pages when none is fitted.  Addresses are offsets in the store."""

    def info(self) -> FlashInfo:
        """Store, JEDEC id, size, erase unit, page size, name."""
        return self._d._flash_info()

    def read(self, addr: int, length: int, progress: Progress = None) -> bytes:
        """length bytes at addr; progress(done, total) is called as it goes."""
        return self._d._flash_read(addr, length, progress)

    def write(self, addr: int, data: bytes, *, erase: bool = False,
              progress: Progress = None) -> None:
        """Program data at addr.  erase: erase what the write needs first
        (keeping the other bytes of each erase unit); otherwise a range that
        is not erased is refused (DeviceStatus WRONG_MODE)."""
        return self._d._flash_write(addr, as_bytes(data), erase, progress)

    def erase(self, addr: int, length: int) -> None:
        """Erase [addr, addr+length): multiples of the erase unit."""
        return self._d._flash_erase(addr, length)

    def verify(self, addr: int, length: int) -> int:
        """CRC-32 (zlib's) of the range, computed on the module."""
        return self._d._flash_verify(addr, length)

    def write_image(self, addr: int, path: str, progress: Progress = None) -> int:
        """Write the file at path to addr and verify it.  Erase units whose
        CRC already matches are skipped (so a rerun resumes); returns the
        bytes skipped."""
        return self._d._flash_write_image(addr, path, progress)

    def raw(self, tx: bytes, rx_len: int = 0) -> bytes:
        """One SPI transaction to the flash chip, CS held: tx out, then
        rx_len bytes in (NOT_FITTED on the internal store)."""
        return self._d._flash_raw(as_bytes(tx), rx_len)


class I2c(_Space):
    """I2C masters: bus 1 (I2C1_SDA/SCL) and 2; 7-bit addresses."""

    def config(self, bus: Bus, hz: int = 100000) -> None:
        """Take the bus's pins, clock 100000 or 400000 Hz."""
        return self._d._i2c_config(bus, hz)

    def scan(self, bus: Bus) -> List[int]:
        """The addresses that acknowledge, ascending."""
        return self._d._i2c_scan(bus)

    def xfer(self, bus: Bus, addr: int, tx: bytes = b"", rx_len: int = 0) -> bytes:
        """Write tx, then read rx_len bytes with a repeated start."""
        return self._d._i2c_xfer(bus, addr, as_bytes(tx), rx_len)


class Spi(_Space):
    """The IO-slot SPI bus (shares its pins with the flash chip)."""

    def xfer(self, tx: bytes, hz: int = 1000000, mode: int = 0) -> bytes:
        """One full-duplex transfer with SPI_CS held; returns as many bytes
        as were sent."""
        return self._d._spi_xfer(as_bytes(tx), hz, mode)


class Uart(_Space):
    """UART ports 0 (TXD0/RXD0) and 1; received bytes arrive as uart.rx
    events."""

    def config(self, port: Bus, baud: int = 115200, parity: str = "none",
               stop_bits: int = 1) -> None:
        """Take the port's pins and start it (reception included)."""
        return self._d._uart_config(port, baud, parity, stop_bits)

    def write(self, port: Bus, data: Union[bytes, str]) -> int:
        """Send all of data; returns its length."""
        return self._d._uart_write(port, as_bytes(data))


class DeviceBase:
    """What both device classes share: the namespaces and `with`."""

    gpio: Gpio
    adc: Adc
    radio: Radio
    flash: Flash
    i2c: I2c
    spi: Spi
    uart: Uart

    def __init__(self) -> None:
        self.gpio = Gpio(self)
        self.adc = Adc(self)
        self.radio = Radio(self)
        self.flash = Flash(self)
        self.i2c = I2c(self)
        self.spi = Spi(self)
        self.uart = Uart(self)

    def close(self) -> None:  # pragma: no cover - each class has its own
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<%s %s%s>" % (type(self).__name__, getattr(self, "path", "?"),
                              " closed" if getattr(self, "_closed", False) else "")
