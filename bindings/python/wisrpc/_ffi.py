"""ctypes mirror of include/wisrpc/wisrpc.h: the structs, the function
prototypes and the search for libwisrpc.

The struct layouts here must match the C headers byte for byte;
tests/python/test_layout.py compares every field's offset and size (and
every struct's size) with a C program compiled against the headers, so a
header change breaks that test rather than users' programs.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, Union, c_char, c_char_p, c_float, c_int,
                    c_long, c_size_t, c_uint, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)
from typing import Dict, Optional, Tuple

# ---- structs -----------------------------------------------------------------


class OpenOptions(Structure):
    _fields_ = [("size", c_size_t), ("timeout_ms", c_uint), ("window", c_uint),
                ("usb_vid", c_uint16), ("usb_pid", c_uint16), ("serial", c_char_p),
                ("no_hello", c_int)]


class Found(Structure):
    _fields_ = [("path", c_char * 256), ("serial", c_char * 64), ("product", c_char * 64),
                ("vid", c_uint16), ("pid", c_uint16)]


class Fault(Structure):
    _fields_ = [("kind", c_uint8), ("pc", c_uint32), ("lr", c_uint32), ("cfsr", c_uint32)]


class Info(Structure):
    _fields_ = [("proto_version", c_uint), ("fw_version", c_char * 32), ("board", c_char * 32),
                ("device_id", c_uint8 * 8), ("device_id_hex", c_char * 17), ("caps", c_uint32),
                ("max_payload", c_uint), ("window", c_uint), ("reset_cause", c_uint8),
                ("fault", Fault)]


class PinDef(Structure):
    _fields_ = [("name", c_char_p), ("connector", c_uint8), ("kind", c_uint8), ("nrf", c_uint8),
                ("ain", c_uint8), ("funcs", c_uint16), ("note", c_char_p), ("pad", c_uint8),
                ("pad_name", c_char_p)]


class Stats(Structure):
    _fields_ = [("uptime_us", c_uint64)] + [(n, c_uint32) for n in (
        "rx_frames", "rx_crc_errors", "rx_cobs_errors", "rx_oversize", "rx_runts",
        "rx_bytes_dropped", "tx_frames", "events_sent", "events_dropped", "requests_bad",
        "host_rx_frames", "host_rx_crc_errors", "host_rx_cobs_errors", "host_rx_oversize",
        "host_rx_runts", "host_rx_bytes_dropped", "host_events_lost", "host_stray_responses")]


class PinState(Structure):
    _fields_ = [("owner", c_uint8), ("mode", c_uint8), ("level", c_uint8), ("edge", c_uint8)]


class AdcConfig(Structure):
    _fields_ = [("gain", c_uint8), ("reference", c_uint8), ("resolution", c_uint8),
                ("oversample", c_uint8)]


class FlashInfo(Structure):
    _fields_ = [("store", c_uint), ("jedec", c_uint8 * 3), ("size", c_uint32),
                ("erase_unit", c_uint32), ("page_size", c_uint32), ("name", c_char * 64)]


class RadioTx(Structure):
    _fields_ = [("airtime_us", c_uint32), ("tx_start_us", c_uint64), ("tx_end_us", c_uint64)]


class RadioStatus(Structure):
    _fields_ = [("state", c_uint8), ("receiving", c_uint8), ("sf", c_uint8),
                ("freq_hz", c_uint32), ("bw_hz", c_uint32), ("tx_packets", c_uint32),
                ("rx_packets", c_uint32), ("rx_errors", c_uint32), ("device_errors", c_uint16)]


class Timespec(Structure):
    _fields_ = [("tv_sec", c_long), ("tv_nsec", c_long)]  # time_t is long on Linux (LP64)


class EvGpio(Structure):
    _fields_ = [("pin", c_uint8), ("name", c_char_p), ("level", c_uint8), ("edge", c_uint8)]


class EvReset(Structure):
    _fields_ = [("cause", c_uint8)]


class EvRadio(Structure):
    _fields_ = [("data", POINTER(c_uint8)), ("len", c_uint16), ("sf", c_uint8), ("cr", c_uint8),
                ("crc", c_uint8), ("error", c_uint8), ("rssi_dbm", c_float), ("snr_db", c_float),
                ("signal_rssi_dbm", c_float), ("freq_hz", c_uint32), ("bw_hz", c_uint32),
                ("airtime_us", c_uint32), ("tx_start_us", c_uint64), ("tx_end_us", c_uint64)]


class EvUnion(Union):
    _fields_ = [("gpio", EvGpio), ("reset", EvReset), ("radio", EvRadio),
                ("reserved_", c_uint8 * 64)]


class Event(Structure):
    _fields_ = [("type", c_uint16), ("seq", c_uint32), ("lost", c_uint32),
                ("device_us", c_uint64), ("realtime", Timespec), ("monotonic", Timespec),
                ("error_us", c_uint32), ("u", EvUnion), ("payload", POINTER(c_uint8)),
                ("payload_len", c_size_t)]


# The structs the layout test checks, by their C names.
STRUCTS = {
    "wis_open_options": OpenOptions, "wis_found": Found, "wis_info": Info,
    "wis_pin_def": PinDef, "wis_stats": Stats, "wis_pin_state": PinState,
    "wis_adc_config": AdcConfig, "wis_flash_info": FlashInfo, "wis_radio_tx": RadioTx,
    "wis_radio_status": RadioStatus, "wis_event": Event,
}


def layout() -> Dict[str, Tuple[int, int]]:
    """{"wis_event.u.radio.rssi_dbm": (offset, size), "wis_event": (0, sizeof), ...}
    for every mirrored struct and field (nested ones flattened, offsets from
    the outer struct's start)."""
    out: Dict[str, Tuple[int, int]] = {}

    def walk(prefix: str, cls, base: int) -> None:
        for fname, ftype in cls._fields_:
            f = getattr(cls, fname)
            key = prefix + "." + fname
            out[key] = (base + f.offset, f.size)
            if isinstance(ftype, type) and issubclass(ftype, (Structure, Union)) \
                    and ftype is not Timespec:
                walk(key, ftype, base + f.offset)

    for name, cls in STRUCTS.items():
        out[name] = (0, ctypes.sizeof(cls))
        walk(name, cls, 0)
    return out


# ---- callbacks ---------------------------------------------------------------

EVENT_CB = CFUNCTYPE(None, c_void_p, POINTER(Event), c_void_p)
PROGRESS_CB = CFUNCTYPE(None, c_uint64, c_uint64, c_void_p)

# ---- finding and loading the library -----------------------------------------

_HERE = os.path.dirname(os.path.abspath(__file__))
# bindings/python/wisrpc -> the source tree's root, when used from a checkout.
_SRC_ROOT = os.path.normpath(os.path.join(_HERE, "..", "..", ".."))


def find_library() -> Optional[str]:
    """Where libwisrpc is: $WISRPC_LIB, else the newest build tree of this
    checkout (SRC/build/lib/libwisrpc.so or SRC/build/*/lib/libwisrpc.so;
    sanitizer builds left out), else the system's
    (ctypes.util.find_library, after `meson install`)."""
    env = os.environ.get("WISRPC_LIB")
    if env:
        return env
    cands = glob.glob(os.path.join(_SRC_ROOT, "build", "lib", "libwisrpc.so")) + \
        glob.glob(os.path.join(_SRC_ROOT, "build", "*", "lib", "libwisrpc.so"))
    # A sanitizer build cannot be loaded into an uninstrumented python.
    cands = [c for c in cands if not _sanitized(c)]
    if cands:
        return max(cands, key=os.path.getmtime)
    return ctypes.util.find_library("wisrpc")


def _sanitized(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return True
    return b"__asan_init" in data or b"__ubsan_handle" in data


_lib: Optional[ctypes.CDLL] = None

_PROTOS = {
    # name: (restype, argtypes)
    "wis_version": (c_char_p, []),
    "wis_strerror": (c_char_p, [c_int]),
    "wis_last_error": (c_char_p, []),
    "wis_open_options_init_size": (None, [POINTER(OpenOptions), c_size_t]),
    "wis_open": (c_int, [POINTER(c_void_p), c_char_p, POINTER(OpenOptions)]),
    "wis_close": (None, [c_void_p]),
    "wis_discover": (c_int, [POINTER(Found), c_int, POINTER(OpenOptions)]),
    "wis_get_info": (POINTER(Info), [c_void_p]),
    "wis_get_pins": (POINTER(PinDef), [c_void_p, POINTER(c_size_t)]),
    "wis_pin_name": (c_char_p, [c_void_p, c_uint8]),
    "wis_pin_kind_name": (c_char_p, [c_uint]),
    "wis_nrf_name": (None, [c_uint8, c_char_p]),
    "wis_ping": (c_int, [c_void_p]),
    "wis_uptime": (c_int, [c_void_p, POINTER(c_uint64)]),
    "wis_reset": (c_int, [c_void_p, c_int]),
    "wis_stats_sized": (c_int, [c_void_p, POINTER(Stats), c_size_t]),
    "wis_gpio_mode": (c_int, [c_void_p, c_char_p, c_int, c_int]),
    "wis_gpio_read": (c_int, [c_void_p, c_char_p, POINTER(c_int)]),
    "wis_gpio_write": (c_int, [c_void_p, c_char_p, c_int]),
    "wis_gpio_watch": (c_int, [c_void_p, c_char_p, c_int, c_uint32]),
    "wis_pin_release": (c_int, [c_void_p, c_char_p]),
    "wis_pin_state": (c_int, [c_void_p, c_char_p, POINTER(PinState)]),
    "wis_adc_config_init": (None, [POINTER(AdcConfig)]),
    "wis_adc_read": (c_int, [c_void_p, c_char_p, POINTER(AdcConfig), POINTER(ctypes.c_int32),
                             POINTER(ctypes.c_int16)]),
    "wis_flash_info": (c_int, [c_void_p, POINTER(FlashInfo)]),
    "wis_flash_read": (c_int, [c_void_p, c_uint32, c_void_p, c_size_t, PROGRESS_CB, c_void_p]),
    "wis_flash_write": (c_int, [c_void_p, c_uint32, c_void_p, c_size_t, c_uint, PROGRESS_CB,
                                c_void_p]),
    "wis_flash_erase": (c_int, [c_void_p, c_uint32, c_uint32]),
    "wis_flash_verify": (c_int, [c_void_p, c_uint32, c_uint32, POINTER(c_uint32)]),
    "wis_flash_crc32": (c_uint32, [c_uint32, c_void_p, c_size_t]),
    "wis_flash_write_image": (c_int, [c_void_p, c_uint32, c_char_p, PROGRESS_CB, c_void_p,
                                      POINTER(c_uint64)]),
    "wis_flash_raw": (c_int, [c_void_p, c_void_p, c_size_t, c_void_p, c_size_t]),
    "wis_i2c_config": (c_int, [c_void_p, c_uint, c_uint32]),
    "wis_i2c_scan": (c_int, [c_void_p, c_uint, POINTER(c_uint8), POINTER(c_size_t)]),
    "wis_i2c_xfer": (c_int, [c_void_p, c_uint, c_uint8, c_void_p, c_size_t, c_void_p,
                             c_size_t]),
    "wis_spi_xfer": (c_int, [c_void_p, c_uint32, c_uint, c_void_p, c_void_p, c_size_t]),
    "wis_uart_config": (c_int, [c_void_p, c_uint, c_uint32, c_int, c_uint]),
    "wis_uart_write": (c_int, [c_void_p, c_uint, c_void_p, c_size_t]),
    "wis_set_event_cb": (None, [c_void_p, EVENT_CB, c_void_p]),
    "wis_fd": (c_int, [c_void_p]),
    "wis_process": (c_int, [c_void_p]),
    "wis_next_timeout_ms": (c_int, [c_void_p]),
    "wis_pending": (c_uint, [c_void_p]),
    "wis_radio_config_new": (c_void_p, []),
    "wis_radio_config_free": (None, [c_void_p]),
    "wis_radio_config_set_frequency": (c_int, [c_void_p, c_uint32]),
    "wis_radio_config_set_power": (c_int, [c_void_p, c_int]),
    "wis_radio_config_set_sf": (c_int, [c_void_p, c_uint]),
    "wis_radio_config_set_bandwidth": (c_int, [c_void_p, c_uint32]),
    "wis_radio_config_set_coding_rate": (c_int, [c_void_p, c_uint]),
    "wis_radio_config_set_ldro": (c_int, [c_void_p, c_uint]),
    "wis_radio_config_set_preamble": (c_int, [c_void_p, c_uint]),
    "wis_radio_config_set_implicit_header": (c_int, [c_void_p, c_int, c_uint]),
    "wis_radio_config_set_crc": (c_int, [c_void_p, c_int]),
    "wis_radio_config_set_invert_iq": (c_int, [c_void_p, c_int]),
    "wis_radio_config_set_sync_word": (c_int, [c_void_p, c_uint]),
    "wis_radio_config_set_tcxo_mv": (c_int, [c_void_p, c_uint]),
    "wis_radio_config_set_idle_xosc": (c_int, [c_void_p, c_int]),
    "wis_radio_config_set_region": (c_int, [c_void_p, c_char_p]),
    "wis_radio_config_set_antenna_gain": (c_int, [c_void_p, c_int]),
    "wis_radio_time_on_air_us": (c_uint32, [c_void_p, c_size_t]),
    "wis_radio_configure": (c_int, [c_void_p, c_void_p]),
    "wis_radio_send": (c_int, [c_void_p, c_void_p, c_size_t, POINTER(RadioTx)]),
    "wis_radio_send_at": (c_int, [c_void_p, c_uint64, c_void_p, c_size_t, POINTER(RadioTx)]),
    "wis_radio_rx": (c_int, [c_void_p, c_uint32]),
    "wis_radio_stop": (c_int, [c_void_p]),
    "wis_radio_cad": (c_int, [c_void_p, c_uint, POINTER(c_int)]),
    "wis_radio_status": (c_int, [c_void_p, POINTER(RadioStatus)]),
    "wis_uart_rx_parse": (c_int, [POINTER(Event), POINTER(c_uint), POINTER(c_uint32),
                                  POINTER(POINTER(c_uint8)), POINTER(c_size_t)]),
    "wis_name_of": (c_char_p, [c_void_p, c_uint]),
    "wis_path": (c_char_p, [c_void_p]),
}


def lib() -> ctypes.CDLL:
    """The loaded libwisrpc (loaded on first use), prototypes set."""
    global _lib
    if _lib is None:
        path = find_library()
        if not path:
            raise OSError("libwisrpc not found: set WISRPC_LIB to its path, build this checkout "
                          "(meson setup build/dev && ninja -C build/dev), or install it")
        dll = ctypes.CDLL(path)
        for name, (res, args) in _PROTOS.items():
            fn = getattr(dll, name)
            fn.restype = res
            fn.argtypes = args
        _lib = dll
    return _lib


_names: Dict[str, list] = {}


def names(table: str, count: Optional[int] = None) -> list:
    """A name table of the library (wis_status_names, ...): up to its NULL
    end, or exactly count entries (None for gaps) for a bit table."""
    key = "%s/%s" % (table, count)
    if key not in _names:
        arr = (c_char_p * (count or 256)).in_dll(lib(), table)
        out = []
        for i in range(count or 256):
            v = arr[i]  # read one by one: never past the table's NULL end
            if v is None and count is None:
                break
            out.append(v.decode() if v is not None else None)
        _names[key] = out
    return _names[key]


def name_of(table: str, value: int) -> str:
    """names[value], or "unknown" past the end (the library's rule)."""
    t = names(table)
    return t[value] if 0 <= value < len(t) else "unknown"
