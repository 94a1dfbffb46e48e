"""The wisd client's own promises: JSON-RPC errors as exceptions with code,
message and data, closing with calls pending, many threads, device.state
events, any method by name."""
import threading
import time

import pytest

import wisrpc


def test_rpc_errors(lab):
    with wisrpc.connect(lab.sock) as dev:
        with pytest.raises(wisrpc.RpcError) as e:
            dev.call("no.such.method")
        assert e.value.rpc_code == -32601 and e.value.code == -32601
        dev.gpio.mode("IO2", "input")
        with pytest.raises(wisrpc.DeviceStatus) as e:
            dev.gpio.write("IO2", 1)
        assert e.value.rpc_code == -32000
        assert e.value.data == {"status": "WRONG_MODE", "wis_code": -7,
                                "detail": "IO2 is an input: set mode output first"}
        with pytest.raises(wisrpc.InvalidArgument) as e:
            dev.gpio.mode("IO1", "sideways")
        assert e.value.rpc_code == -32602 and e.value.code == -104
        dev.release("IO2")


def test_ownership_error_names_the_holder(lab):
    with wisrpc.connect(lab.sock) as a, wisrpc.connect(lab.sock) as b:
        a.call("claim", {"resources": "IO1"})
        with pytest.raises(wisrpc.RpcError) as e:
            b.gpio.write("IO1", 1)
        assert e.value.rpc_code == -32003 and e.value.data["resource"] == "pin:IO1"


def test_close_with_calls_pending(lab):
    dev = wisrpc.connect(lab.sock)
    results = []

    def slow():
        try:
            dev.call("system.delay", {"delay_us": 3000000})
            results.append("done")
        except wisrpc.WisError as e:
            results.append(e)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    dev.close()
    t.join(5)
    assert not t.is_alive() and time.monotonic() - t0 < 1
    assert len(results) == 1 and isinstance(results[0], wisrpc.Closed), results
    with pytest.raises(wisrpc.Closed):
        dev.ping()


def test_client_timeout(lab):
    with wisrpc.connect(lab.sock, timeout=0.3) as dev:
        with pytest.raises(wisrpc.Timeout):
            dev.call("system.delay", {"delay_us": 1000000})
        assert isinstance(dev.uptime(), int)  # the late answer is dropped


def test_pipelining_from_threads(lab):
    with wisrpc.connect(lab.sock) as dev:
        errs = []

        def work():
            try:
                for _ in range(20):
                    assert dev.adc.read("AIN0") == 1650
            except Exception as e:  # noqa: BLE001
                errs.append(e)

        ts = [threading.Thread(target=work) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not errs


def test_device_state_events_on_reset(lab):
    with wisrpc.connect(lab.sock) as dev:
        with dev.events("device.state", timeout=5) as states:
            dev.reset()
            seen = []
            for ev in states:
                seen.append(ev.state)
                if ev.state == "up":
                    break
        assert "reset" in seen and seen[-1] == "up"
        dev.ping()


def test_address_forms():
    from wisrpc.client import parse_address
    import socket
    assert parse_address("tcp://127.0.0.1:7000") == (socket.AF_INET, ("127.0.0.1", 7000))
    assert parse_address(("::1", 5)) == (socket.AF_INET, ("::1", 5))
    assert parse_address("/tmp/x.sock") == (socket.AF_UNIX, "/tmp/x.sock")


def test_module_gone_is_disconnected(tmp_path):
    import wisdtest
    sim = wisdtest.Sim(str(tmp_path))
    wisd = wisdtest.Wisd(str(tmp_path), sim.link)
    try:
        with wisrpc.connect(wisd.sock) as dev:
            dev.ping()
            with dev.events("device.state", timeout=5) as states:
                sim.kill()
                assert next(ev for ev in states if ev.state == "down")
            with pytest.raises(wisrpc.Disconnected) as e:
                dev.gpio.read("IO1")
            assert e.value.rpc_code == -32001 and e.value.code == -102  # WIS_E_DISCONNECTED
            assert isinstance(e.value, ConnectionError)
    finally:
        assert wisd.stop() == 0
        sim.kill()


def test_a_request_lost_in_a_module_reset(tmp_path):
    """wisd's -32001 RESET and the direct code E_RESET are both
    Disconnected, with the library's code."""
    from wisrpc.errors import E_RESET, from_code
    e = from_code(E_RESET, "reset", "PING: the module reset before answering it")
    assert isinstance(e, wisrpc.Disconnected) and e.code == -117
    import wisdtest
    sim = wisdtest.Sim(str(tmp_path))
    wisd = wisdtest.Wisd(str(tmp_path), sim.link)
    try:
        with wisrpc.connect(wisd.sock) as dev:
            dev.ping()
            assert sim.ctl("fault stall 20000").startswith("ok")
            done = []
            t = threading.Thread(target=lambda: done.append(_catch(dev.gpio.read, "IO1")))
            t.start()
            time.sleep(0.2)
            assert sim.ctl("reset").startswith("ok") and sim.ctl("fault off").startswith("ok")
            t.join(5)
            e = done[0]
            assert isinstance(e, wisrpc.Disconnected), e
            assert e.rpc_code == -32001 and e.code == E_RESET and e.data["status"] == "RESET"
            dev.ping()
    finally:
        assert wisd.stop() == 0
        sim.kill()


def _catch(fn, *args):
    try:
        fn(*args)
    except wisrpc.WisError as e:
        return e
    return None


def test_wisd_going_away_ends_streams_and_calls(tmp_path):
    import wisdtest
    sim = wisdtest.Sim(str(tmp_path))
    wisd = wisdtest.Wisd(str(tmp_path), sim.link)
    try:
        dev = wisrpc.connect(wisd.sock)
        stream = dev.events("gpio.edge")  # no timeout: ends only with the connection
        assert wisd.stop() == 0
        t0 = time.monotonic()
        assert list(stream) == [] and time.monotonic() - t0 < 3
        with pytest.raises(wisrpc.Closed):
            dev.ping()
        dev.close()
    finally:
        sim.kill()
