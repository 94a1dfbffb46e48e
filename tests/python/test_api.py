"""Every subsystem through both APIs with the same code: the direct binding
(wisrpc.open on a simulator) and the wisd client (wisrpc.connect), so the
names, arguments, results and errors are shown to be the same."""
import os
import tempfile
import threading
import zlib

import pytest

import wisrpc


def test_info_and_pins(dev):
    i = dev.info()
    assert isinstance(i, wisrpc.Info)
    assert i.board == "RAK4631" and i.simulated and "radio" in i.capabilities
    assert len(i.device_id) == 16 and i.window == 16
    pins = {p.name: p for p in dev.pins()}
    assert pins["AIN0"].ain is not None and "adc" in pins["AIN0"].functions
    assert pins["IO2"].pad_name == "SW2" and pins["IO1"].nrf.startswith("P")
    assert "VBAT" not in pins


def test_system(dev):
    dev.ping()
    a = dev.uptime()
    b = dev.uptime()
    assert 0 < a <= b
    st = dev.stats()
    assert st["rx_frames"] > 0 and st["rx_crc_errors"] == 0
    assert set(wisrpc.types.STATS_FIELDS) <= set(st)


def test_gpio_through_the_wire(dev):
    dev.gpio.mode("IO1", "output", 1)
    assert dev.gpio.read("IO2") == 1  # IO1 and IO2 are wired together
    dev.gpio.write("IO1", 0)
    assert dev.gpio.read("IO2") == 0
    assert dev.pin_state("IO1") == wisrpc.PinState("gpio", "output", 0, "none")
    dev.release("IO1")
    assert dev.pin_state("IO1").owner == "none"


def test_adc(dev):
    assert dev.adc.read("AIN0") == 1650
    mv, raw = dev.adc.read_raw("AIN0", resolution=12)
    assert mv == 1650 and raw == 1877  # 1650 mV of 3600 full scale at 12 bits
    assert dev.pin_state("AIN0").owner == "adc"


def test_errors_carry_code_name_detail(dev):
    with pytest.raises(wisrpc.InvalidArgument) as e:
        dev.gpio.write("VBAT", 1)
    assert "VBAT is a power pin" in e.value.detail
    assert isinstance(e.value, ValueError)
    dev.gpio.mode("IO2", "input")
    with pytest.raises(wisrpc.DeviceStatus) as e:
        dev.gpio.write("IO2", 1)
    assert e.value.code == -7 and e.value.status == 7 and e.value.status_name == "WRONG_MODE"
    assert e.value.detail == "IO2 is an input: set mode output first"
    # not an analog pin: the library says NOT_CAPABLE, wisd "invalid params"
    with pytest.raises((wisrpc.InvalidArgument, wisrpc.DeviceStatus)) as e:
        dev.adc.read("IO1")
    assert "IO1 cannot be used as" in e.value.detail
    with pytest.raises(wisrpc.InvalidArgument):
        dev.i2c.scan(3)
    dev.release("IO2")


def test_gpio_events_iterator_and_callback(dev):
    got = []
    done = threading.Event()

    def cb(ev):
        got.append((ev.pin, ev.edge, threading.current_thread().name))
        if len(got) == 2:
            done.set()

    dev.gpio.mode("IO1", "output", 0)
    dev.on_event(cb, "gpio.edge")
    with dev.events("gpio.edge", timeout=2) as edges:
        dev.gpio.watch("IO2", "both")
        dev.gpio.write("IO1", 1)
        dev.gpio.write("IO1", 0)
        seen = [next(edges), next(edges)]
    assert [(e.pin, e.edge, e.level) for e in seen] == [("IO2", "rising", 1), ("IO2", "falling", 0)]
    assert seen[1].seq == seen[0].seq + 1 and seen[1].lost == 0
    assert seen[0].error_us is not None and seen[0].device_us < seen[1].device_us
    assert done.wait(2)
    assert [g[:2] for g in got] == [("IO2", "rising"), ("IO2", "falling")]
    assert got[0][2] == "wisrpc-events"  # the package's own thread
    dev.remove_callback(cb)
    dev.gpio.watch("IO2", "none")
    dev.release("IO1")


def test_radio(dev):
    dev.radio.configure(sf=7, bw_hz=125000, region="lab")
    st = dev.radio.status()
    assert (st.state, st.sf, st.freq_hz, st.bw_hz) == ("standby", 7, 868100000, 125000)
    assert dev.radio.time_on_air_us(10) == 41216
    assert dev.radio.time_on_air_us(10, sf=12) > 41216 * 20
    with dev.events("radio.tx", timeout=3) as txs:
        tx = dev.radio.send(b"hi")
        ev = next(txs)
    # measured by the simulated chip: the computed time on air at least (more
    # when the simulator runs late, e.g. under a sanitizer on a busy machine)
    assert isinstance(tx, wisrpc.TxResult)
    assert dev.radio.time_on_air_us(2) - 500 <= tx.airtime_us < 1000000
    assert tx.tx_end_us - tx.tx_start_us == tx.airtime_us
    assert ev.airtime_us == tx.airtime_us
    assert dev.radio.cad(2) is False
    dev.radio.rx(0)
    assert dev.radio.status().receiving
    dev.radio.stop()
    assert not dev.radio.status().receiving
    with pytest.raises(wisrpc.WisError):
        dev.radio.configure(sf=13)


def test_radio_between_the_two_simulators(lab):
    with wisrpc.open(lab.direct.link) as a, wisrpc.connect(lab.sock) as b:
        b.radio.configure(sf=8)
        with b.events("radio.rx", timeout=3) as rx:
            b.radio.rx()
            a.radio.configure(sf=8, region="lab")
            a.radio.send(b"\x00\xffhello")
            ev = next(rx)
        b.radio.stop()
        assert ev.data == b"\x00\xffhello" and ev.sf == 8 and ev.crc is True
        assert -120 < ev.rssi_dbm < 0
        with a.events("radio.rx", timeout=3) as rx:
            a.radio.rx()
            b.radio.send("text too")
            ev = next(rx)
        a.radio.stop()
        assert ev.data == b"text too" and ev.freq_hz == 868100000


def test_flash(dev):
    fi = dev.flash.info()
    assert (fi.store, fi.jedec, fi.size, fi.erase_unit, fi.name) == \
        ("external", "9d6014", 1 << 20, 4096, "IS25LP080D")
    dev.flash.erase(0x10000, 0x2000)
    assert dev.flash.read(0x10000, 16) == b"\xff" * 16
    data = b"\x00" + os.urandom(4999)
    seen = []
    dev.flash.write(0x10000, data, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (5000, 5000)
    assert dev.flash.read(0x10000, 5000) == data
    assert dev.flash.verify(0x10000, 5000) == zlib.crc32(data) == wisrpc.crc32(data)
    with pytest.raises(wisrpc.DeviceStatus) as e:
        dev.flash.write(0x10000, b"\xff\x01")  # 0 bits to 1: not erased, no erase flag
    assert e.value.status_name == "WRONG_MODE"
    dev.flash.write(0x10000, b"\xff\x01", erase=True)
    assert dev.flash.read(0x10000, 3) == b"\xff\x01" + data[2:3]
    assert dev.flash.raw(b"\x9f", 3) == bytes.fromhex("9d6014")  # JEDEC READ ID
    with tempfile.NamedTemporaryFile() as f:
        img = os.urandom(3 * 4096)
        f.write(img)
        f.flush()
        dev.flash.erase(0x20000, 3 * 4096)
        assert dev.flash.write_image(0x20000, f.name) == 0
        assert dev.flash.write_image(0x20000, f.name) == len(img)  # all in place: skipped
        assert dev.flash.read(0x20000, len(img)) == img
    with pytest.raises(wisrpc.WisError):
        dev.flash.read(fi.size - 4, 8)  # past the end
    dev.release("SPI_CS")


def test_flash_write_image_erases_a_unit_once(dev, lab, request):
    # Over other bytes, write_image (and write with erase) erases each
    # whole unit once, then programs it; a unit it covers in part keeps the
    # bytes around (the erase flag); an erased unit is not erased.  Counted
    # on the chip.
    sim = lab.direct if request.node.callspec.params["dev"] == "direct" else lab.served
    base, unit = 0x40000, 4096

    def wear():
        return [int(sim.ctl("flash wear 0x%x" % (base + k * unit)).rsplit("=", 1)[1])
                for k in range(3)]

    dev.flash.erase(base, 3 * unit)
    old = os.urandom(3 * unit)
    w0 = wear()
    with tempfile.NamedTemporaryFile() as f:
        f.write(old)
        f.flush()
        assert dev.flash.write_image(base, f.name) == 0
    assert wear() == w0
    new = os.urandom(2 * unit + 100)
    with tempfile.NamedTemporaryFile() as f:
        f.write(new)
        f.flush()
        assert dev.flash.write_image(base, f.name) == 0
    assert wear() == [w + 1 for w in w0]
    assert dev.flash.read(base, 3 * unit) == new + old[len(new):]
    # write(erase=True) alike.
    newer = os.urandom(2 * unit + 100)
    dev.flash.write(base, newer, erase=True)
    assert wear() == [w + 2 for w in w0]
    assert dev.flash.read(base, 3 * unit) == newer + old[len(newer):]


def test_i2c_spi_uart(dev):
    dev.i2c.config(1, 400000)
    addrs = dev.i2c.scan("i2c1")
    assert addrs and addrs == sorted(addrs)
    with pytest.raises(wisrpc.DeviceStatus) as e:
        dev.i2c.xfer(1, 0x08 if 0x08 not in addrs else 0x77, b"\x00", 1)
    assert e.value.status_name == "NOT_FITTED"
    dev.release("SPI_CS")
    # The fitted flash chip sees SPI_CS too: JEDEC READ ID clocks in its id
    assert dev.spi.xfer(b"\x9f\x00\x00\x00", hz=1000000, mode=0) == bytes.fromhex("ff9d6014")
    dev.uart.config("uart0", 115200)
    with dev.events("uart.rx", timeout=2) as rx:
        assert dev.uart.write(0, b"hello uart") == 10
        got = b""
        for ev in rx:
            assert ev.port == "uart0"
            got += ev.data
            if len(got) >= 10:
                break
    assert got == b"hello uart"
    dev.release("TXD0")
    dev.release("RXD0")
