"""Event delivery shared by both APIs: a hub with one thread of the
package's own that turns what the link produced into Event objects, hands
them to every open EventStream (iterators and async iterators) and runs the
user's callbacks.

Why a thread of its own: the library's event callback runs in whichever
thread reads the link (and the wisd client's reader thread must keep
reading while a callback makes a call), so no user code runs there; the
producers only put an item on this hub's queue.
"""
from __future__ import annotations

import asyncio
import collections
import queue
import sys
import threading
import traceback
import weakref
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, Union

from .types import TOPICS, Event

Topics = Union[None, str, Sequence[str]]


def topic_set(topics: Topics) -> Optional[frozenset]:
    """None (all) or the set of topics asked for, checked against TOPICS."""
    if topics is None:
        return None
    ts = frozenset([topics] if isinstance(topics, str) else topics)
    bad = sorted(t for t in ts if t not in TOPICS)
    if bad:
        raise ValueError("unknown topic %s; topics: %s" % (", ".join(bad), ", ".join(TOPICS)))
    return ts


class EventStream:
    """Events of some topics, in order, as an iterator and an async iterator.

        for ev in dev.events("gpio.edge", timeout=5): ...
        async for ev in dev.events("radio.rx"): ...

    Iteration ends when no event came for `timeout` seconds (None: wait for
    ever) or when the stream or its device is closed.  Events are kept from
    the moment the stream is made, so none is lost between making it and
    iterating.  Close it (or use `with`) to stop collecting.
    """

    def __init__(self, hub: "Hub", topics: Optional[frozenset], timeout: Optional[float]) -> None:
        self.topics = topics
        self.timeout = timeout
        self._hub = hub
        self._items: collections.deque = collections.deque()
        self._cond = threading.Condition()
        self._closed = False
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._waiter: Optional[asyncio.Future] = None

    # -- producer side (the hub's thread) --
    def _push(self, ev: Optional[Event]) -> None:
        with self._cond:
            if ev is None:
                self._closed = True
            else:
                self._items.append(ev)
            self._cond.notify_all()
            loop, waiter = self._loop, self._waiter
        if loop is not None and waiter is not None:
            try:
                loop.call_soon_threadsafe(_wake, waiter)
            except RuntimeError:  # the loop was closed meanwhile
                pass

    # -- consumer side --
    def get(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, or None after timeout seconds or once closed."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait_for(lambda: self._items or self._closed, timeout)
            return self._items.popleft() if self._items else None

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> Event:
        ev = self.get(self.timeout)
        if ev is None:
            raise StopIteration
        return ev

    def __aiter__(self) -> "EventStream":
        return self

    async def __anext__(self) -> Event:
        loop = asyncio.get_running_loop()
        while True:
            with self._cond:
                if self._items:
                    return self._items.popleft()
                if self._closed:
                    raise StopAsyncIteration
                self._loop = loop
                self._waiter = fut = loop.create_future()
            try:
                await asyncio.wait_for(fut, self.timeout)
            except asyncio.TimeoutError:
                raise StopAsyncIteration from None
            finally:
                with self._cond:
                    self._waiter = None

    def close(self) -> None:
        """Stop collecting; iteration ends after what was already kept."""
        self._hub._remove(self)
        self._push(None)

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _wake(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


class Hub:
    """The package's event thread: decodes items, feeds streams, runs
    callbacks.  decode(item) -> Event or None (ignored)."""

    def __init__(self, decode: Callable[[Any], Optional[Event]], name: str) -> None:
        self._decode = decode
        self._q: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        # Weak: a stream the program dropped without closing stops
        # collecting events once it is garbage.
        self._streams: "weakref.WeakSet[EventStream]" = weakref.WeakSet()
        self._callbacks: List[Tuple[Callable[[Event], Any], Optional[frozenset]]] = []
        self._closed = False
        self.errors: List[BaseException] = []  # what callbacks raised (kept, not lost)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, item: Any) -> None:
        """Thread-safe and cheap: the only thing producers do."""
        self._q.put(item)

    def stream(self, topics: Optional[frozenset], timeout: Optional[float]) -> EventStream:
        s = EventStream(self, topics, timeout)
        with self._lock:
            if self._closed:
                s._closed = True
            else:
                self._streams.add(s)
        return s

    def _remove(self, s: EventStream) -> None:
        with self._lock:
            self._streams.discard(s)

    def add_callback(self, fn: Callable[[Event], Any], topics: Optional[frozenset]) -> None:
        with self._lock:
            self._callbacks.append((fn, topics))

    def remove_callback(self, fn: Callable[[Event], Any]) -> None:
        with self._lock:
            self._callbacks = [(f, t) for f, t in self._callbacks if f is not fn]

    def topics_in_use(self) -> Iterable[Optional[frozenset]]:
        with self._lock:
            return [s.topics for s in list(self._streams)] + [t for _, t in self._callbacks]

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _STOP:
                break
            try:
                ev = self._decode(item)
            except Exception as e:  # a malformed item must not stop delivery
                self.errors.append(e)
                continue
            if ev is None:
                continue
            with self._lock:
                streams = list(self._streams)
                cbs = list(self._callbacks)
            for s in streams:
                if s.topics is None or ev.topic in s.topics:
                    s._push(ev)
            for fn, topics in cbs:
                if topics is None or ev.topic in topics:
                    try:
                        fn(ev)
                    except Exception as e:  # reported like an uncaught thread error
                        self.errors.append(e)
                        traceback.print_exc(file=sys.stderr)

    def close(self) -> None:
        """Deliver what is queued, end every stream, stop the thread (not
        waited for when called from a callback, i.e. from the thread)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._q.put(_STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join()
        with self._lock:
            streams, self._streams = list(self._streams), weakref.WeakSet()
            self._callbacks = []
        for s in streams:
            s._push(None)


_STOP = object()
