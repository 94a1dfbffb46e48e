"""asyncio: the same objects, whose methods are coroutines.

    dev = await wisrpc.aio.connect("/run/wisd.sock")   # wisd, native asyncio
    dev = await wisrpc.aio.open("/dev/pts/3")          # libwisrpc, calls run in threads
    async with dev:
        await dev.gpio.write("LED1", 1)
        async for ev in dev.events("radio.rx", timeout=10):
            print(ev.data)

Cancelling a task that awaits a call abandons the call (its answer, when it
comes, is dropped); the connection stays usable.  On a Unix socket, flash
reads longer than one flash.read go through flash.stream's pipe, read with
loop.add_reader (stream.py).
"""
from __future__ import annotations

import asyncio
import functools
import itertools
import json
import os
import socket
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import direct
from .client import Address, parse_address
from .errors import E_CLOSED, Closed, Timeout, from_rpc
from .events import EventStream, Hub, Topics, topic_set
from .rpcops import RpcOps
from .stream import FlashStream, PipeSink, fd_message, make_pipe
from .subsys import DeviceBase
from .types import TOPICS, Event, event_from_json

_LIMIT = 1 << 22  # longest line accepted from wisd


class AsyncClient(RpcOps):
    """A connection to wisd for asyncio.  Make it with `await aio.connect()`."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str,
                 timeout: Optional[float]) -> None:
        self.path = path
        self.timeout = timeout
        self._r, self._w = reader, writer
        sock = writer.get_extra_info("socket")
        self._can_stream = sock is not None and sock.family == socket.AF_UNIX
        self._ids = itertools.count(1)
        self._pending: Dict[int, asyncio.Future] = {}
        self._closed = False
        self._subscribed: set = set()
        self._hub = Hub(lambda m: event_from_json(m[0], m[1]), "wisrpc-events")
        self._task = asyncio.get_running_loop().create_task(self._read_loop())
        super().__init__()

    async def _read_loop(self) -> None:
        try:
            while True:
                line = await self._r.readline()
                if not line:
                    break
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if isinstance(msg, dict) and "id" not in msg and "method" in msg:
                    if msg["method"] in TOPICS:
                        self._hub.put((msg["method"], msg.get("params") or {}))
                    continue
                for m in msg if isinstance(msg, list) else [msg]:
                    fut = self._pending.pop(m.get("id"), None)
                    if fut is not None and not fut.done():
                        fut.set_result(m)
        except (OSError, ValueError, asyncio.CancelledError):
            pass
        finally:
            self._closed = True
            pending, self._pending = self._pending, {}
            for fut in pending.values():
                if not fut.done():
                    fut.set_exception(Closed(E_CLOSED, "closed", "%s: the connection closed "
                                             "before the answer" % self.path))
            # wisd went away: the event streams end too (joining the event
            # thread may wait for a callback: not in the event loop)
            threading.Thread(target=self._hub.close, daemon=True).start()

    def _send(self, reqs: Sequence[Tuple[str, Any]]) -> List[asyncio.Future]:
        futs, data = self._register(reqs)
        self._w.write(data)
        return futs

    def _register(self, reqs: Sequence[Tuple[str, Any]]) -> Tuple[List[asyncio.Future], bytes]:
        """Futures for reqs' answers, and their request lines."""
        if self._closed:
            raise Closed(E_CLOSED, "closed", "%s: the connection is closed" % self.path)
        loop = asyncio.get_running_loop()
        futs, lines = [], []
        for method, params in reqs:
            rid = next(self._ids)
            fut = loop.create_future()
            self._pending[rid] = fut
            futs.append(fut)
            fut.add_done_callback(functools.partial(self._forget, rid))
            msg: Dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": rid}
            if params is not None:
                msg["params"] = params
            lines.append(json.dumps(msg, separators=(",", ":")))
        return futs, ("\n".join(lines) + "\n").encode()

    async def _send_fd(self, req: Tuple[str, Any], fd: int) -> asyncio.Future:
        """One request with fd passed alongside its line.  sendmsg() on the
        transport's socket, once the transport has no bytes of its own
        waiting (they go first: wisd pairs descriptors and requests in
        order); what the socket does not take goes through the transport."""
        transport = self._w.transport
        fileno = self._w.get_extra_info("socket").fileno()
        fut, data = None, b""
        while True:
            if self._closed or transport.is_closing():
                if fut is not None:
                    fut.cancel()
                raise Closed(E_CLOSED, "closed", "%s: the connection is closed" % self.path)
            if fut is None:
                (fut,), data = self._register([req])
            if transport.get_write_buffer_size() == 0:
                s = socket.socket(fileno=fileno)  # no sendmsg() on the transport's
                try:
                    n = s.sendmsg([data], fd_message(fd))
                except (BlockingIOError, InterruptedError):
                    n = -1
                except OSError as e:
                    fut.cancel()
                    raise Closed(E_CLOSED, "closed", "%s: %s" % (self.path, e)) from None
                finally:
                    s.detach()  # the transport's descriptor stays open
                if n >= 0:
                    if n < len(data):
                        self._w.write(data[n:])
                    return fut
            await asyncio.sleep(0.001)  # rare: the socket's buffer is full

    async def _flash_stream(self, req: FlashStream) -> bytes:
        loop = asyncio.get_running_loop()
        sink = PipeSink(req)
        done = loop.create_future()

        def readable() -> None:
            try:
                sink.feed(r)
            except BlockingIOError:
                return
            except Exception as e:  # noqa: BLE001 - a short or long stream, a progress callback
                loop.remove_reader(r)
                if not done.done():
                    done.set_exception(e)
                return
            if sink.eof:
                loop.remove_reader(r)
                if not done.done():
                    done.set_result(None)

        r, w = make_pipe()
        fut = None
        try:
            try:
                fut = await self._send_fd(("flash.stream", req.params()), w)
            finally:
                os.close(w)  # wisd's copy is the only writer: EOF when it is done
            os.set_blocking(r, False)
            loop.add_reader(r, readable)
            while not done.done():
                watch = {done} if fut.done() else {done, fut}
                got = sink.got
                finished, _ = await asyncio.wait(watch, timeout=self.timeout,
                                                 return_when=asyncio.FIRST_COMPLETED)
                if fut in finished and (fut.cancelled() or fut.exception() is not None
                                        or "error" in fut.result()):
                    break  # wisd has given up (and closes its end): what came is not all
                if not finished and sink.got == got:
                    raise Timeout(-100, "timeout", "flash.stream: nothing from wisd for %s s "
                                  "(%d of %d bytes)" % (self.timeout, sink.got, req.length))
            if done.done():
                done.result()  # a stream longer than asked for, a progress callback's error
            # An error answer is raised here, with the daemon's message.
            return sink.result(await self._result(fut))
        finally:
            loop.remove_reader(r)
            os.close(r)
            if fut is not None and not fut.done():
                fut.cancel()  # given up: its answer is dropped

    def _forget(self, rid: int, _fut: asyncio.Future) -> None:
        self._pending.pop(rid, None)  # a cancelled call's answer is dropped

    async def _result(self, fut: asyncio.Future) -> Any:
        try:
            msg = await asyncio.wait_for(fut, self.timeout)
        except asyncio.TimeoutError:
            raise Timeout(-100, "timeout", "no answer from wisd within %s s"
                          % self.timeout) from None
        if "error" in msg:
            raise from_rpc(msg["error"])
        return msg.get("result")

    async def _exchange(self, req: Any) -> Any:
        if isinstance(req, FlashStream):
            return await self._flash_stream(req)
        if isinstance(req, list):
            futs = self._send(req)
            await self._w.drain()
            out = await asyncio.gather(*(self._result(f) for f in futs), return_exceptions=True)
            for r in out:
                if isinstance(r, BaseException):
                    raise r
            return out
        fut = self._send([req])[0]
        await self._w.drain()
        return await self._result(fut)

    async def _run(self, gen: Any) -> Any:
        try:
            req = next(gen)
            while True:
                try:
                    res = await self._exchange(req)
                except Exception as e:
                    req = gen.throw(e)
                else:
                    req = gen.send(res)
        except StopIteration as stop:
            return stop.value

    async def call(self, method: str, params: Any = None) -> Any:
        """Any wisd method by name (docs/api.md); returns its JSON result."""
        return await self._exchange((method, params))

    def _subscribe(self, topics: Optional[frozenset]) -> None:
        # Written now (before events() returns), answered later.
        want = set(TOPICS if topics is None else topics) - self._subscribed
        if want:
            fut = self._send([("subscribe", {"topics": sorted(want)})])[0]
            fut.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._subscribed |= want

    def events(self, topics: Topics = None, timeout: Optional[float] = None) -> EventStream:
        """Events of topics (None: all) from now on: `async for ev in ...`;
        iteration ends after timeout seconds without one.  Subscribes to
        the topics at wisd."""
        ts = topic_set(topics)
        s = self._hub.stream(ts, timeout)
        self._subscribe(ts)
        return s

    def on_event(self, callback: Callable[[Event], Any], topics: Topics = None) -> None:
        """Call callback(event) for every event of topics, on the package's
        event thread (not the event loop: use loop.call_soon_threadsafe to
        get back to it)."""
        ts = topic_set(topics)
        self._hub.add_callback(callback, ts)
        self._subscribe(ts)

    def remove_callback(self, callback: Callable[[Event], Any]) -> None:
        """Stop calling callback."""
        self._hub.remove_callback(callback)

    async def close(self) -> None:
        """Close the connection; pending calls end with Closed."""
        self._closed = True
        self._w.close()
        try:
            await self._w.wait_closed()
        except OSError:
            pass
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._hub.close()

    @property
    def closed(self) -> bool:
        return self._closed

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


async def connect(address: Address = None, *, timeout: Optional[float] = None) -> AsyncClient:
    """Connect to wisd (address as wisrpc.connect())."""
    fam, addr = parse_address(address)
    if isinstance(addr, str):
        r, w = await asyncio.open_unix_connection(addr, limit=_LIMIT)
        path = addr
    else:
        r, w = await asyncio.open_connection(addr[0], addr[1], limit=_LIMIT)
        path = "tcp://%s:%d" % addr
    return AsyncClient(r, w, path, timeout)


class AsyncDevice(DeviceBase):
    """A direct (libwisrpc) device for asyncio: every call runs in the
    event loop's default executor.  Make it with `await aio.open()`."""

    _SYNC = ("events", "on_event", "remove_callback", "path", "closed")

    def __init__(self, dev: direct.Device) -> None:
        self._dev = dev
        self.path = dev.path
        super().__init__()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._dev, name)
        if name in self._SYNC or not callable(target):
            return target

        async def call(*args: Any, **kw: Any) -> Any:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, functools.partial(target, *args, **kw))
        call.__name__ = name
        call.__doc__ = target.__doc__
        return call

    def events(self, topics: Topics = None, timeout: Optional[float] = None) -> EventStream:
        """As Device.events(): `async for ev in dev.events(...)`."""
        return self._dev.events(topics, timeout)

    async def close(self) -> None:
        """Close the device (pending calls end with Closed)."""
        await asyncio.get_running_loop().run_in_executor(None, self._dev.close)

    async def __aenter__(self) -> "AsyncDevice":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


async def open(path: str = "auto", **options: Any) -> AsyncDevice:  # noqa: A001
    """Open a module through libwisrpc (arguments as wisrpc.open())."""
    loop = asyncio.get_running_loop()
    dev = await loop.run_in_executor(None, functools.partial(direct.Device, path, **options))
    return AsyncDevice(dev)


__all__ = ["connect", "open", "AsyncClient", "AsyncDevice", "topic_set"]
