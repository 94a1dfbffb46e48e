"""The exceptions of both APIs (the direct binding and the wisd client).

Every failure is a WisError carrying:
  code     the libwisrpc code: negative; -1..-63 are the device's status
           codes negated, -100 and below are raised on the host.  For a
           wisd JSON-RPC error without a libwisrpc code, the JSON-RPC code.
  name     the code's name ("timeout", "pin busy", ...)
  detail   the one-line explanation ("IO3 is an input: set mode output first")
and, from the wisd client, rpc_code and data (the JSON-RPC error's code and
data member; None from the direct binding).

The common cases have their own classes, which also derive from the
matching built-in exception, so `except TimeoutError` works too.
"""
from __future__ import annotations

from typing import Any, Optional

# libwisrpc's host-side codes (include/wisrpc/wisrpc.h).
E_TIMEOUT = -100
E_IO = -101
E_DISCONNECTED = -102
E_NOMEM = -103
E_INVAL = -104
E_PROTO = -105
E_NOT_FOUND = -106
E_UNKNOWN_PIN = -107
E_NOT_IO = -108
E_WINDOW_FULL = -109
E_CLOSED = -110
E_VERSION = -111
E_TOO_BIG = -112
E_CANCELLED = -113
E_IN_USE = -114
E_REGULATION = -115
E_UNMAPPABLE = -116
E_RESET = -117  # the module reset before answering: the request was lost


class WisError(Exception):
    """A failed call: code, name and detail (see the module's help)."""

    def __init__(self, code: int, name: str, detail: str = "", *, rpc_code: Optional[int] = None,
                 data: Any = None) -> None:
        self.code = code
        self.name = name
        self.detail = detail
        self.rpc_code = rpc_code
        self.data = data
        super().__init__(code, name, detail)

    def __str__(self) -> str:
        return "%s: %s" % (self.name, self.detail) if self.detail else self.name


class Timeout(WisError, TimeoutError):
    """The device did not answer within the call's timeout."""


class Disconnected(WisError, ConnectionError):
    """No module on the other end: unplugged, reset, not found, or (wisd) its
    port held by another program.  A request the module lost in a reset is
    one too (code E_RESET, directly or through wisd's -32001 RESET)."""


class Closed(WisError):
    """The device (or wisd connection) was closed, also while this call was
    waiting."""


class InvalidArgument(WisError, ValueError):
    """A bad argument: unknown pin, value out of range, power pin, ..."""


class Regulation(WisError):
    """The regional radio plan forbids it now (duty cycle, frequency, EIRP)."""


class DeviceStatus(WisError):
    """The device refused the operation.  status is its status code (a
    positive number, enum wis_status) and status_name its name
    ("WRONG_MODE", "PIN_BUSY", "NOT_FITTED", ...)."""

    def __init__(self, code: int, name: str, detail: str = "", *, status_name: str = "",
                 rpc_code: Optional[int] = None, data: Any = None) -> None:
        super().__init__(code, name, detail, rpc_code=rpc_code, data=data)
        self.status = -code
        self.status_name = status_name


class RpcError(WisError):
    """A wisd JSON-RPC error with no more specific class (parse errors,
    method not found, ownership -32003, overload -32004, ...): rpc_code,
    detail (the message) and data as wisd sent them."""


def from_code(code: int, name: str, detail: str, status_name: str = "") -> WisError:
    """The exception for a libwisrpc code."""
    if code in (E_TIMEOUT,):
        return Timeout(code, name, detail)
    if code in (E_DISCONNECTED, E_NOT_FOUND, E_IN_USE, E_IO, E_RESET):
        return Disconnected(code, name, detail)
    if code in (E_CLOSED, E_CANCELLED):
        return Closed(code, name, detail)
    if code in (E_INVAL, E_UNKNOWN_PIN, E_NOT_IO):
        return InvalidArgument(code, name, detail)
    if code == E_REGULATION:
        return Regulation(code, name, detail)
    if -64 < code < 0:
        return DeviceStatus(code, name, detail, status_name=status_name)
    return WisError(code, name, detail)


# JSON-RPC error codes of wisd (docs/api.md, "Errors") -> class, and the
# libwisrpc code and name used when data carries none.
_RPC_CLASS = {-32602: (InvalidArgument, E_INVAL, "invalid argument"),
              -32001: (Disconnected, E_DISCONNECTED, "device disconnected"),
              -32002: (Timeout, E_TIMEOUT, "timeout"),
              -32005: (Closed, E_CLOSED, "wisd is shutting down")}


def from_rpc(err: dict) -> WisError:
    """The exception for a JSON-RPC error object {code, message, data}."""
    rc = int(err.get("code", -32603))
    msg = str(err.get("message", ""))
    data = err.get("data")
    status = data.get("status") if isinstance(data, dict) else None
    wcode = data.get("wis_code") if isinstance(data, dict) else None
    code = int(wcode) if isinstance(wcode, int) else rc
    name = str(status).lower().replace("_", " ") if status else "json-rpc %d" % rc
    if rc == -32000 and isinstance(wcode, int):
        return DeviceStatus(code, name, msg, status_name=str(status), rpc_code=rc, data=data)
    if status == "CANCELLED":
        return Closed(code, name, msg, rpc_code=rc, data=data)
    cls, hcode, hname = _RPC_CLASS.get(rc, (RpcError, rc, name))
    if not isinstance(wcode, int):
        code = hcode
    if not status:
        name = hname
    return cls(code, name, msg, rpc_code=rc, data=data)
