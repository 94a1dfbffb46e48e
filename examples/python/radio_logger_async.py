#!/usr/bin/env python3
"""Example: an asyncio subscriber that logs received LoRa packets through
wisd, one line each (time, RSSI, SNR, length, payload), while another task
prints the radio's counters every few seconds.

    wisd --device /dev/ttyACM0 &       (or --device sim)
    python3 radio_logger_async.py /run/wisd.sock [COUNT] [IDLE_S]

It configures the radio, starts continuous reception and stops after COUNT
packets (default: never) or IDLE_S seconds without one.
"""
import asyncio
import sys
import time

import wisrpc


async def report(dev):
    while True:
        await asyncio.sleep(5)
        st = await dev.radio.status()
        print("# status: %s, %d packets received" % (st.state, st.rx_packets), flush=True)


async def main():
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    idle = float(sys.argv[3]) if len(sys.argv) > 3 else None
    async with await wisrpc.aio.connect(sys.argv[1]) as dev:
        packets = dev.events("radio.rx", timeout=idle)  # subscribe before receiving
        await dev.radio.configure(freq_hz=868100000, sf=7, bw_hz=125000)
        await dev.radio.rx()
        reporter = asyncio.create_task(report(dev))
        n = 0
        try:
            async for ev in packets:
                if "error" in ev.params:
                    print("# receive error: %s" % ev.error, flush=True)
                    continue
                stamp = time.strftime("%H:%M:%S", time.localtime(ev.time or time.time()))
                print("%s rssi=%.1f snr=%.1f len=%d %r" % (stamp, ev.rssi_dbm, ev.snr_db,
                                                           len(ev.data), ev.data), flush=True)
                n += 1
                if n == count:
                    break
        finally:
            reporter.cancel()
            await dev.radio.stop()
    print("# %d packets" % n)


if __name__ == "__main__":
    asyncio.run(main())
