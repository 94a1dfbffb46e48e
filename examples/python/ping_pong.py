#!/usr/bin/env python3
"""Example: LoRa ping-pong between two modules.  Both receive continuously;
A sends "ping N", B answers with "pong N", A prints each round trip with the
pong's RSSI and SNR.  Events are read with dev.events() iterators.

With two simulators on one radio medium:
    wisrpc-sim --medium demo --link /tmp/a.tty &
    wisrpc-sim --medium demo --link /tmp/b.tty &
    python3 ping_pong.py /tmp/a.tty /tmp/b.tty [ROUNDS] [REGION]

REGION (default EU868): at 868.1 MHz EU868 allows a 1 % duty cycle, so a
second ping within seconds is refused (wisrpc.Regulation); "lab" lifts the
regional rules, for simulators and cabled setups only.
"""
import sys
import time

import wisrpc


def wait_packet(stream, want):
    for ev in stream:  # ends after the stream's timeout without an event
        if ev.params.get("data") == want:
            return ev
    return None


def main():
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    region = sys.argv[4] if len(sys.argv) > 4 else "EU868"
    ok = 0
    with wisrpc.open(sys.argv[1]) as a, wisrpc.open(sys.argv[2]) as b:
        heard_a = a.events("radio.rx", timeout=2)
        heard_b = b.events("radio.rx", timeout=2)
        for dev in (a, b):
            dev.radio.configure(freq_hz=868100000, sf=7, bw_hz=125000, region=region)
            dev.radio.rx()  # continuously; after a send the radio returns to RX
        for n in range(1, rounds + 1):
            t0 = time.monotonic()
            tx = a.radio.send(b"ping %d" % n)
            ev = wait_packet(heard_b, b"ping %d" % n)
            if ev is None:
                print("B did not hear ping %d" % n)
                continue
            print("B heard %r (RSSI %.1f dBm, SNR %.1f dB)" % (ev.data.decode(), ev.rssi_dbm,
                                                               ev.snr_db))
            b.radio.send(b"pong %d" % n)
            ev = wait_packet(heard_a, b"pong %d" % n)
            if ev is None:
                print("A did not hear pong %d" % n)
                continue
            print("A heard %r after %.0f ms (RSSI %.1f dBm, SNR %.1f dB; ping on air %d us)"
                  % (ev.data.decode(), (time.monotonic() - t0) * 1000, ev.rssi_dbm, ev.snr_db,
                     tx.airtime_us))
            ok += 1
    print("%d of %d rounds completed" % (ok, rounds))
    sys.exit(0 if ok == rounds else 1)


if __name__ == "__main__":
    main()
