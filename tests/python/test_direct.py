"""The direct binding's own promises: closing with calls pending in other
threads, events after a reset, disconnect, the opaque radio config."""
import threading
import time

import pytest

import wisrpc


def test_close_with_calls_pending_in_other_threads(lab):
    dev = wisrpc.open(lab.direct.link, timeout_ms=5000)
    results = []
    stream = dev.events(timeout=None)

    dev.radio.configure(sf=12, region="lab")

    def slow():
        try:
            # About 4 s on air: still pending when the device is closed.
            dev.radio.send(b"x" * 100)
            results.append("done")
        except wisrpc.WisError as e:
            results.append(e)

    def pinger():
        try:
            while True:
                dev.ping()
        except wisrpc.WisError as e:
            results.append(e)

    threads = [threading.Thread(target=slow), threading.Thread(target=pinger)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    dev.close()
    for t in threads:
        t.join(5)
    assert not any(t.is_alive() for t in threads)
    assert time.monotonic() - t0 < 3
    assert len(results) == 2 and all(isinstance(r, wisrpc.Closed) for r in results), results
    assert list(stream) == []  # the stream ended with the device
    with pytest.raises(wisrpc.Closed):
        dev.gpio.read("IO1")
    with pytest.raises(wisrpc.Closed):
        dev.info()  # not read from the freed device
    dev.close()  # twice is fine


def test_close_from_a_callback(lab):
    dev = wisrpc.open(lab.direct.link)
    closed = threading.Event()

    def cb(ev):
        dev.close()
        closed.set()

    dev.on_event(cb, "gpio.edge")
    dev.gpio.mode("IO1", "output", 0)
    dev.gpio.watch("IO2", "rising")
    dev.gpio.write("IO1", 1)
    assert closed.wait(3) and dev.closed


def test_reset_event_and_clock(lab):
    with wisrpc.open(lab.direct.link) as dev:
        with dev.events("device.state", timeout=5) as states:
            dev.reset()
            ev = next(states)
        assert ev.state == "reset" and ev.cause == 1  # WIS_CAUSE_REQUEST
        assert dev.uptime() < 5_000_000
        dev.ping()


def test_unknown_path_and_disconnect(lab, tmp_path):
    with pytest.raises(wisrpc.Disconnected) as e:
        wisrpc.open(str(tmp_path / "nothing.tty"))
    assert e.value.code < 0 and e.value.detail


def test_radio_config_object_and_regulation(lab):
    c = wisrpc.RadioConfig(sf=9, bw_hz=250000)
    assert c.time_on_air_us(20) == wisrpc.time_on_air_us(20, sf=9, bw_hz=250000)
    with pytest.raises(wisrpc.InvalidArgument) as e:
        wisrpc.RadioConfig(bw_hz=100000)
    assert "bandwidth" in e.value.detail or "bw" in e.value.detail
    with pytest.raises(TypeError):
        wisrpc.RadioConfig(spreading=7)
    with wisrpc.open(lab.direct.link) as dev:
        dev.radio.configure(region="EU868", freq_hz=868100000, sf=12)
        dev.radio.send(b"x" * 50)  # about 2 s on air at SF12: 1 % duty cycle exhausted
        with pytest.raises(wisrpc.Regulation) as e:
            dev.radio.send(b"y")
        assert "allowed in" in e.value.detail
        dev.radio.configure(region="lab")


def test_asyncio_direct(lab):
    import asyncio

    async def main():
        async with await wisrpc.aio.open(lab.direct.link) as dev:
            await dev.gpio.mode("IO1", "output", 0)
            await dev.gpio.watch("IO2", "rising")
            edges = dev.events("gpio.edge", timeout=2)
            await dev.gpio.write("IO1", 1)
            got = [ev async for ev in edges]
            assert [(e.pin, e.edge) for e in got] == [("IO2", "rising")]
            assert await dev.adc.read("AIN0") == 1650
            info = await dev.info()
            assert info.board == "RAK4631"
            await dev.gpio.watch("IO2", "none")
            await dev.release("IO1")

    asyncio.run(main())


def test_events_arrive_while_a_call_waits(lab):
    # The driver thread stands aside while a call reads the link; the call's
    # thread then delivers the events: none waits for the call to end.
    with wisrpc.open(lab.direct.link) as dev:
        dev.radio.configure(sf=10, region="lab")
        dev.gpio.watch("SW1", "falling")
        with dev.events("gpio.edge", timeout=3) as edges:
            t = threading.Thread(target=dev.radio.send, args=(b"x" * 40,))  # ~0.6 s on air
            t.start()
            time.sleep(0.15)
            assert lab.direct.ctl("press SW1").startswith("ok")
            ev = edges.get(0.3)
            assert ev is not None and ev.pin == "SW1" and t.is_alive()
            t.join()
        lab.direct.ctl("release SW1")
        dev.gpio.watch("SW1", "none")


def test_a_dropped_stream_stops_collecting(lab):
    import gc
    import weakref
    with wisrpc.open(lab.direct.link) as dev:
        kept = dev.events("gpio.edge")
        ref = weakref.ref(dev.events())
        gc.collect()
        assert ref() is None and list(dev._hub._streams) == [kept]
