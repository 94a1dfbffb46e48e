"""The asyncio wisd client: the same calls awaited, subscriptions as async
iterators, cancellation of a pending call, closing with calls pending."""
import asyncio

import pytest

import wisrpc


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_calls_and_async_for(lab):
    async def main():
        async with await wisrpc.aio.connect(lab.sock) as dev:
            assert (await dev.info()).board == "RAK4631"
            await dev.gpio.mode("IO1", "output", 0)
            edges = dev.events("gpio.edge", timeout=2)
            await dev.gpio.watch("IO2", "both")
            await dev.gpio.write("IO1", 1)
            await dev.gpio.write("IO1", 0)
            got = []
            async for ev in edges:
                got.append((ev.pin, ev.edge))
                if len(got) == 2:
                    break
            assert got == [("IO2", "rising"), ("IO2", "falling")]
            assert await dev.adc.read("AIN0") == 1650
            data = bytes(range(256)) * 10
            await dev.flash.write(0x30000, data, erase=True)
            assert await dev.flash.read(0x30000, len(data)) == data
            await dev.gpio.watch("IO2", "none")
            await dev.release("IO1")
            with pytest.raises(wisrpc.InvalidArgument):
                await dev.gpio.read("VBAT")
    run(main())


def test_cancelling_a_call_keeps_the_connection(lab):
    async def main():
        async with await wisrpc.aio.connect(lab.sock) as dev:
            task = asyncio.ensure_future(dev.call("system.delay", {"delay_us": 2000000}))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert dev._pending == {}  # forgotten at once
            assert await dev.uptime() > 0
            # cancelling an async for
            stream = dev.events("radio.rx")
            waiter = asyncio.ensure_future(stream.__anext__())
            await asyncio.sleep(0.05)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            stream.close()
            assert [ev async for ev in stream] == []
    run(main())


def test_close_with_calls_pending(lab):
    async def main():
        dev = await wisrpc.aio.connect(lab.sock)
        task = asyncio.ensure_future(dev.call("system.delay", {"delay_us": 3000000}))
        await asyncio.sleep(0.1)
        await dev.close()
        with pytest.raises(wisrpc.Closed):
            await task
        with pytest.raises(wisrpc.Closed):
            await dev.ping()
    run(main())


def test_radio_packets_async(lab):
    async def main():
        async with await wisrpc.aio.connect(lab.sock) as dev:
            await dev.radio.configure(sf=7)
            packets = dev.events("radio.rx", timeout=3)
            await dev.radio.rx()
            with wisrpc.open(lab.direct.link) as other:
                other.radio.configure(sf=7, region="lab")
                await asyncio.get_running_loop().run_in_executor(None, other.radio.send, b"aio")
            ev = await packets.__anext__()
            assert ev.data == b"aio" and ev.topic == "radio.rx"
            await dev.radio.stop()
    run(main())
