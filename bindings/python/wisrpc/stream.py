"""Bulk flash reads through wisd's flash.stream (docs/api.md, "Bulk reads"),
shared by the blocking and the asyncio client: the request object an
operation yields, and the reader of the pipe's bytes.

The client makes a pipe, passes its write end with the request line
(SCM_RIGHTS), closes its own copy and reads the read end until EOF; wisd
then answers {addr, len, crc32}, checked here against what came.
"""
from __future__ import annotations

import array
import fcntl
import os
import socket
import zlib
from typing import Any, Callable, Dict, Optional, Tuple

from .errors import E_PROTO, WisError

Progress = Optional[Callable[[int, int], Any]]
PIPE_SIZE = 1 << 20  # as wisctl: wisd's writes rarely find the pipe full


class FlashStream:
    """What an operation yields to have the client read [addr, addr+length)
    through flash.stream; the client sends back the bytes."""

    __slots__ = ("addr", "length", "progress")

    def __init__(self, addr: int, length: int, progress: Progress) -> None:
        self.addr, self.length, self.progress = addr, length, progress

    def params(self) -> Dict[str, int]:
        return {"addr": self.addr, "len": self.length}


def make_pipe() -> Tuple[int, int]:
    """(read end, write end), close-on-exec, the read end made large."""
    r, w = os.pipe2(os.O_CLOEXEC)
    try:
        # F_SETPIPE_SZ: Linux's 1031, named by fcntl from Python 3.10
        fcntl.fcntl(r, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
    except OSError:
        pass  # a lower per-user limit: the default size works too
    return r, w


def fd_message(fd: int) -> list:
    """sendmsg()'s ancillary data passing fd."""
    return [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))]


class PipeSink:
    """The bytes wisd writes into the pipe, in a buffer of the range's size
    (read straight into it), with their CRC-32 and the progress calls."""

    def __init__(self, req: FlashStream) -> None:
        self.req = req
        self.got = 0
        self.crc = 0
        self.eof = False
        # One byte more than asked for: a longer stream is seen, not cut.
        self._buf = bytearray(req.length + 1)
        self._view = memoryview(self._buf)

    def feed(self, fd: int) -> None:
        """Reads what the pipe holds now (raises BlockingIOError if nothing,
        on a non-blocking read end); sets eof at its end."""
        n = os.readv(fd, [self._view[self.got:]])
        if n == 0:
            self.eof = True
            return
        self.crc = zlib.crc32(self._view[self.got:self.got + n], self.crc)
        self.got += n
        if self.got > self.req.length:
            raise self.error("more bytes than asked for")
        if self.req.progress:
            self.req.progress(self.got, self.req.length)

    def error(self, what: str) -> WisError:
        return WisError(E_PROTO, "protocol error", "flash.stream at 0x%x: %s (%d of %d bytes)"
                        % (self.req.addr, what, self.got, self.req.length))

    def result(self, answer: Any) -> bytes:
        """The bytes, once wisd's answer confirms their length and CRC."""
        n = answer.get("len") if isinstance(answer, dict) else None
        crc = answer.get("crc32") if isinstance(answer, dict) else None
        if n != self.req.length or self.got != self.req.length or crc != self.crc:
            raise WisError(E_PROTO, "protocol error",
                           "flash.stream at 0x%x: got %d bytes with crc32 0x%08x; wisd sent %s "
                           "with crc32 %s" % (self.req.addr, self.got, self.crc, n,
                                              "0x%08x" % crc if isinstance(crc, int) else crc))
        self._view.release()
        del self._buf[self.got:]
        return bytes(self._buf)


__all__ = ["FlashStream", "PipeSink", "make_pipe", "fd_message"]
