"""The wisd client (blocking): JSON-RPC 2.0 lines over wisd's Unix socket
or TCP, with the same names and shapes as the direct binding.

    with wisrpc.connect("/run/wisd.sock") as dev:     # or "tcp://127.0.0.1:7000"
        dev.gpio.write("LED1", 1)

A Client may be used from many threads at once: requests are pipelined and
answers matched by id by a reader thread of the package's own, which also
takes notifications to the event thread (events.py).  On a Unix socket,
flash reads longer than one flash.read go through flash.stream's pipe
(stream.py).
"""
from __future__ import annotations

import itertools
import json
import os
import select
import socket
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .errors import E_CLOSED, Closed, Timeout, from_rpc
from .events import EventStream, Hub, Topics, topic_set
from .rpcops import RpcOps, drive
from .stream import FlashStream, PipeSink, fd_message, make_pipe
from .types import TOPICS, Event, event_from_json

Address = Union[None, str, Tuple[str, int]]
DEFAULT_SOCKET = "/run/wisd.sock"
STREAM_SLICE = 0.2  # s: a flash.stream's pipe is waited for in slices (see _flash_stream)


def parse_address(address: Address) -> Tuple[int, Any]:
    """(socket family, address) from a Unix socket path, "tcp://HOST:PORT"
    or (HOST, PORT); None: $WISD_SOCKET or /run/wisd.sock."""
    if address is None:
        address = os.environ.get("WISD_SOCKET") or DEFAULT_SOCKET
    if isinstance(address, tuple):
        return socket.AF_INET, address
    if address.startswith("tcp://"):
        host, _, port = address[6:].rpartition(":")
        return socket.AF_INET, (host.strip("[]") or "127.0.0.1", int(port))
    return socket.AF_UNIX, address


class _Pending:
    __slots__ = ("done", "msg")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.msg: Optional[Dict[str, Any]] = None


class Client(RpcOps):
    """A connection to wisd.  Make it with wisrpc.connect()."""

    def __init__(self, address: Address = None, *, timeout: Optional[float] = None) -> None:
        fam, addr = parse_address(address)
        self.path: str = addr if fam == socket.AF_UNIX else "tcp://%s:%d" % addr
        self.timeout = timeout
        self._sock = socket.create_connection(addr) if fam != socket.AF_UNIX else \
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if fam == socket.AF_UNIX:
            try:
                self._sock.connect(addr)
            except OSError:
                self._sock.close()
                raise
        self._can_stream = fam == socket.AF_UNIX  # SCM_RIGHTS needs a Unix socket
        self._ids = itertools.count(1)
        self._wlock = threading.Lock()
        self._lock = threading.Lock()
        self._pending: Dict[int, _Pending] = {}
        self._closed = False
        self._subscribed: set = set()
        self._hub = Hub(lambda m: event_from_json(m[0], m[1]), "wisrpc-events")
        self._reader = threading.Thread(target=self._read_loop, name="wisrpc-reader", daemon=True)
        self._reader.start()
        super().__init__()

    # ---- the wire ------------------------------------------------------------

    def _read_loop(self) -> None:
        f = self._sock.makefile("rb")
        try:
            for line in f:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if isinstance(msg, dict) and "id" not in msg and "method" in msg:
                    if msg["method"] in TOPICS:
                        self._hub.put((msg["method"], msg.get("params") or {}))
                    continue
                for m in msg if isinstance(msg, list) else [msg]:
                    with self._lock:
                        p = self._pending.pop(m.get("id"), None)
                    if p is not None:
                        p.msg = m
                        p.done.set()
        except (OSError, ValueError):
            pass
        finally:
            f.close()
            with self._lock:
                self._closed = True
                pending, self._pending = self._pending, {}
            for p in pending.values():
                p.done.set()  # msg None: closed
            self._hub.close()  # wisd went away: the event streams end too

    def _register(self, reqs: Sequence[Tuple[str, Any]]) -> Tuple[List[_Pending], bytes]:
        """Pending entries for reqs, and their request lines."""
        waits, lines = [], []
        with self._lock:
            if self._closed:
                raise Closed(E_CLOSED, "closed", "%s: the connection is closed" % self.path)
            for method, params in reqs:
                rid = next(self._ids)
                p = _Pending()
                self._pending[rid] = p
                waits.append(p)
                msg: Dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": rid}
                if params is not None:
                    msg["params"] = params
                lines.append(json.dumps(msg, separators=(",", ":")))
        return waits, ("\n".join(lines) + "\n").encode()

    def _send_many(self, reqs: Sequence[Tuple[str, Any]]) -> List[_Pending]:
        waits, data = self._register(reqs)
        try:
            with self._wlock:
                self._sock.sendall(data)
        except OSError as e:
            raise Closed(E_CLOSED, "closed", "%s: %s" % (self.path, e)) from None
        return waits

    def _result(self, p: _Pending) -> Any:
        if not p.done.wait(self.timeout):
            raise Timeout(-100, "timeout", "no answer from wisd within %s s" % self.timeout)
        if p.msg is None:
            raise Closed(E_CLOSED, "closed", "%s: the connection closed before the answer"
                         % self.path)
        if "error" in p.msg:
            raise from_rpc(p.msg["error"])
        return p.msg.get("result")

    def _send_fd(self, req: Tuple[str, Any], fd: int) -> _Pending:
        """One request with fd passed alongside its line (its first bytes
        carry it: wisd pairs descriptors and requests in order)."""
        waits, data = self._register([req])
        try:
            with self._wlock:
                n = self._sock.sendmsg([data], fd_message(fd))
                if n < len(data):
                    self._sock.sendall(data[n:])
        except OSError as e:
            raise Closed(E_CLOSED, "closed", "%s: %s" % (self.path, e)) from None
        return waits[0]

    def _flash_stream(self, req: FlashStream) -> bytes:
        sink = PipeSink(req)
        r, w = make_pipe()
        try:
            try:
                p = self._send_fd(("flash.stream", req.params()), w)
            finally:
                os.close(w)  # wisd's copy is the only writer: EOF when it is done
            poll = select.poll()
            poll.register(r, select.POLLIN)
            idle = 0.0
            while not sink.eof:
                # An error answer, or the connection gone: wisd has given up
                # (and closes its end), what came is not all.  Looked at
                # between slices of waiting, not to hang on a pipe it kept.
                if p.done.is_set() and (p.msg is None or "error" in p.msg):
                    break
                if poll.poll(int(STREAM_SLICE * 1000)):
                    idle = 0.0
                    sink.feed(r)
                    continue
                idle += STREAM_SLICE
                if self.timeout is not None and idle >= self.timeout:
                    raise Timeout(-100, "timeout", "flash.stream: nothing from wisd for %s s "
                                  "(%d of %d bytes)" % (self.timeout, sink.got, req.length))
            # An error answer is raised here, with the daemon's message.
            return sink.result(self._result(p))
        finally:
            os.close(r)

    def _exchange(self, req: Any) -> Any:
        if isinstance(req, FlashStream):
            return self._flash_stream(req)
        if isinstance(req, list):
            waits = self._send_many(req)
            out, err = [], None
            for p in waits:
                try:
                    out.append(self._result(p))
                except Exception as e:
                    err = err or e
            if err:
                raise err
            return out
        return self._result(self._send_many([req])[0])

    def _run(self, gen: Any) -> Any:
        return drive(gen, self._exchange)

    def call(self, method: str, params: Any = None) -> Any:
        """Any wisd method by name (docs/api.md); returns its JSON result."""
        return self._exchange((method, params))

    # ---- events --------------------------------------------------------------

    def _subscribe(self, topics: Optional[frozenset]) -> None:
        want = set(TOPICS if topics is None else topics) - self._subscribed
        if want:
            self.call("subscribe", {"topics": sorted(want)})
            self._subscribed |= want

    def events(self, topics: Topics = None, timeout: Optional[float] = None) -> EventStream:
        """Events of topics (None: all) from now on, as an iterator and an
        async iterator; iteration ends after timeout seconds without one.
        Subscribes to the topics at wisd."""
        ts = topic_set(topics)
        s = self._hub.stream(ts, timeout)
        self._subscribe(ts)
        return s

    def on_event(self, callback: Callable[[Event], Any], topics: Topics = None) -> None:
        """Call callback(event) for every event of topics (None: all), on the
        package's event thread (one at a time, in order)."""
        ts = topic_set(topics)
        self._hub.add_callback(callback, ts)
        self._subscribe(ts)

    def remove_callback(self, callback: Callable[[Event], Any]) -> None:
        """Stop calling callback."""
        self._hub.remove_callback(callback)

    # ---- closing -------------------------------------------------------------

    def close(self) -> None:
        """Close the connection.  Calls other threads are waiting in end
        with Closed; then every event stream ends."""
        with self._lock:
            already = self._closed and not self._reader.is_alive()
            self._closed = True
        if not already:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            if threading.current_thread() is not self._reader:
                self._reader.join()
        self._sock.close()
        self._hub.close()

    @property
    def closed(self) -> bool:
        return self._closed


def connect(address: Address = None, *, timeout: Optional[float] = None) -> Client:
    """Connect to wisd.

    address: the Unix socket's path (default $WISD_SOCKET or
    /run/wisd.sock), "tcp://HOST:PORT" or (HOST, PORT) for wisd's --tcp.
    timeout: seconds to wait for an answer (None: as long as wisd takes;
    wisd itself answers a device timeout with Timeout)."""
    return Client(address, timeout=timeout)
