"""JSON-RPC 2.0 conformance of wisd: the specification's own examples
(jsonrpc.org/specification section 7) adapted to wisd's methods, plus ids
of every JSON type, params by position, application errors, limits on
line length and nesting, and garbage on the line."""
import json
import os

from wisdtest import wisctl


def test_call_with_named_and_positional_params(env):
    c = env.client()
    assert c.call("system.ping", {"data": "hi"}) == {"data": "hi"}
    r = c.call_raw("system.ping", ["pos"])
    assert r == {"jsonrpc": "2.0", "result": {"data": "pos"}, "id": r["id"]}
    assert c.call("system.uptime")["uptime_us"] > 0


def test_ids_of_any_type_are_echoed(env):
    c = env.client()
    for rid in ["abc", 7, -3, 2.5, None, {"k": [1, 2]}, [1, "x"], True, ""]:
        c.send({"jsonrpc": "2.0", "method": "system.ping", "id": rid})
        r = c.recv()
        assert r["id"] == rid and r["result"] == {"data": ""}, r


def test_notification_gets_no_answer(env):
    c = env.client()
    c.send({"jsonrpc": "2.0", "method": "system.ping", "params": {"data": "n"}})
    c.send({"jsonrpc": "2.0", "method": "no.such.method"})  # not even an error
    c.send({"jsonrpc": "2.0", "method": "gpio.get", "params": {"bad": 1}})
    r = c.call_raw("system.ping", {"data": "after"})
    assert r["result"] == {"data": "after"}
    assert c.recv(0.3) is None


def test_unknown_method(env):
    c = env.client()
    c.send_raw('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}\n')
    r = c.recv()
    assert r["error"]["code"] == -32601 and r["id"] == "1"
    assert "foobar" in r["error"]["message"]


def test_invalid_json(env):
    c = env.client()
    c.send_raw('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]\n')
    r = c.recv()
    assert r["error"]["code"] == -32700 and r["id"] is None
    assert c.call("system.ping") == {"data": ""}  # connection kept


def test_invalid_request(env):
    c = env.client()
    for bad in ['{"jsonrpc": "2.0", "method": 1, "params": "bar"}',
                '{"jsonrpc": "1.0", "method": "system.ping", "id": 1}',
                '{"method": "system.ping", "id": 1}',
                '{"jsonrpc": "2.0", "method": "system.ping", "params": 5, "id": 1}',
                '{"jsonrpc": "2.0", "method": "system.ping", "extra": 1, "id": 1}',
                '"a string"', '42', 'null']:
        c.send_raw(bad + "\n")
        r = c.recv()
        assert r["error"]["code"] == -32600, (bad, r)


def test_batch_examples(env):
    c = env.client()
    # invalid JSON inside a batch: one error, not an array
    c.send_raw('[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},'
               '{"jsonrpc": "2.0", "method"]\n')
    r = c.recv()
    assert isinstance(r, dict) and r["error"]["code"] == -32700
    # empty array
    c.send_raw("[]\n")
    r = c.recv()
    assert isinstance(r, dict) and r["error"]["code"] == -32600 and r["id"] is None
    # non-empty invalid batches
    c.send_raw("[1]\n")
    r = c.recv()
    assert [e["error"]["code"] for e in r] == [-32600]
    c.send_raw("[1,2,3]\n")
    r = c.recv()
    assert [e["error"]["code"] for e in r] == [-32600] * 3
    # the mixed example
    c.send_raw('[{"jsonrpc": "2.0", "method": "system.ping", "params": {"data": "a"}, "id": "1"},'
               '{"jsonrpc": "2.0", "method": "system.ping", "params": {"data": "n"}},'
               '{"jsonrpc": "2.0", "method": "system.uptime", "id": "2"},'
               '{"foo": "boo"},'
               '{"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},'
               '{"jsonrpc": "2.0", "method": "gpio.get", "params": {"pins": ["IO1"]}, "id": "9"}]\n')
    r = c.recv()
    assert len(r) == 5
    by_id = {e["id"]: e for e in r if e["id"] is not None}
    assert by_id["1"]["result"] == {"data": "a"}
    assert by_id["2"]["result"]["uptime_us"] > 0
    assert by_id["5"]["error"]["code"] == -32601
    assert "IO1" in by_id["9"]["result"]
    assert [e["error"]["code"] for e in r if e["id"] is None] == [-32600]
    # all notifications: nothing at all comes back
    c.send_raw('[{"jsonrpc": "2.0", "method": "system.ping"},'
               '{"jsonrpc": "2.0", "method": "system.uptime"}]\n')
    assert c.recv(0.3) is None


def test_invalid_params(env):
    c = env.client()
    for m, p in [("gpio.get", {}), ("gpio.get", {"pins": 5}), ("gpio.mode", {"pin": "IO1", "mode": "sideways"}),
                 ("gpio.set", {"values": {"IO1": 2}}), ("gpio.get", {"pins": ["IO1"], "bogus": 1}),
                 ("gpio.get", {"pins": ["IO9"]}), ("gpio.get", {"pins": ["VBAT"]}),
                 ("adc.read", {"pins": "IO1"}), ("gpio.watch", {"pin": "IO2", "debounce_us": 5000000}),
                 ("system.ping", ["a", "b"])]:
        e = c.error(m, p)
        assert e["code"] == -32602, (m, p, e)
        assert e["message"], e
    e = c.error("gpio.get", {"pins": ["VBAT"]})
    assert "VBAT" in e["message"] and "power" in e["message"]


def test_device_error_carries_status(env):
    c = env.client()
    c.call("gpio.mode", {"pin": "IO3", "mode": "input"})
    e = c.error("gpio.set", {"values": {"IO3": 1}})
    assert e["code"] == -32000
    assert e["data"]["status"] == "WRONG_MODE" and e["data"]["wis_code"] == -7
    assert "IO3" in e["message"] or e["data"].get("detail")


def test_flash_read_out_of_range_is_invalid_params(env):
    """An address or length out of range is -32602 naming what was wrong:
    past the end of the store (the module's range check: the range and the
    store's size, data as a device error's), len 0 or above one frame's
    1024 (the parameter table), in a batch step too; and wisctl's flash.read
    path exits 2 (invalid params) with that message."""
    c = env.client()
    size = c.call("flash.info")["size"]
    for addr, length in ((size, 1), (size - 10, 11), (0xFFFFFFFF, 4), (3 * size, 1024)):
        e = c.error("flash.read", {"addr": addr, "len": length})
        assert e["code"] == -32602, (addr, length, e)
        want = "FLASH_READ range 0x%08x + %d is past the end of the store (%d bytes)" % (
            addr, length, size)
        assert e["message"] == want, e
        assert e["data"]["status"] == "BAD_ARG" and e["data"]["wis_code"] == -3, e
    for length in (0, 1025, 4096):
        e = c.error("flash.read", {"addr": 0, "len": length})
        assert e["code"] == -32602, e
        assert e["message"] == "parameter 'len' = %d is out of range 1..1024" % length, e
    e = c.error("flash.read", {"addr": -1, "len": 4})
    assert e["code"] == -32602 and "parameter 'addr' = -1 is out of range" in e["message"], e
    r = c.call("batch", {"steps": [{"method": "flash.read", "params": {"addr": size - 2,
                                                                      "len": 4}}]})["results"]
    assert r[0]["error"]["code"] == -32602, r
    assert "past the end of the store (%d bytes)" % size in r[0]["error"]["message"], r
    # The other flash methods too: the module's BAD_ARG is the caller's
    # range (past the end, an erase off the erase unit), -32602 with the
    # module's status kept in data.
    for method, params, want in (
            ("flash.verify", {"addr": size - 10, "len": 11},
             "FLASH_VERIFY range 0x%08x + 11 is past the end of the store (%d bytes)"
             % (size - 10, size)),
            ("flash.write", {"addr": size - 2, "data": "00112233"},
             "FLASH_WRITE range 0x%08x + 4 is past the end of the store (%d bytes)"
             % (size - 2, size)),
            ("flash.erase", {"addr": size, "len": 4096}, "past the end of the store"),
            ("flash.erase", {"addr": 0x100, "len": 4096}, "not a multiple of the erase unit")):
        e = c.error(method, params)
        assert e["code"] == -32602 and e["data"]["status"] == "BAD_ARG", (method, e)
        assert want in e["message"], (method, e)
    # A refusal of another kind stays the module's: -32000.
    c.call("flash.erase", {"addr": 0, "len": 4096})
    c.call("flash.write", {"addr": 0, "data": "00"})
    e = c.error("flash.write", {"addr": 0, "data": "ff", "erase": False})
    assert e["code"] == -32000, e
    # In range up to the last byte still reads.
    assert len(c.call("flash.read", {"addr": size - 1024, "len": 1024})["data"]) == 2048
    # wisctl through flash.read (the hex dump, and -o with the stream off).
    no_stream = dict(os.environ, WISCTL_FLASH_STREAM="0")
    for args in (["flash", "read", "0xffff0", "0x20"],
                 ["flash", "read", "0x100000", "16", "-o", os.path.join(env.tmp, "x.bin")]):
        r = wisctl(env.wisd.sock, *args, env=no_stream)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert "past the end of the store (%d bytes)" % size in r.stderr, r.stderr


def test_discover(env):
    c = env.client()
    d = c.call("rpc.discover")
    names = {m["name"]: m for m in d["methods"]}
    for n in ["system.info", "system.pins", "gpio.get", "gpio.set", "gpio.mode", "gpio.watch",
              "adc.read", "batch", "pin.release", "pin.state", "subscribe", "unsubscribe",
              "claim", "unclaim", "daemon.status", "rpc.discover"]:
        assert n in names, n
    mode = {p["name"]: p for p in names["gpio.mode"]["params"]}
    assert mode["pin"]["required"] and "output" in mode["mode"]["enum"]
    assert "gpio.edge" in d["topics"] and "device.state" in d["topics"]


def test_batch_method(env):
    c = env.client()
    r = c.call("batch", {"steps": [
        {"method": "gpio.mode", "params": {"pin": "IO1", "mode": "output", "initial": 1}},
        {"method": "gpio.get", "params": {"pins": ["IO2"]}},
        {"method": "gpio.set", "params": {"values": {"IO1": 0}}},
        {"method": "gpio.get", "params": {"pins": "IO2"}},
        {"method": "adc.read", "params": {"pins": "AIN0"}},
        {"method": "gpio.set", "params": {"values": {"IO3": 1}}},
        {"method": "gpio.mode", "params": {"pin": "IO3", "mode": "input"}},
        {"method": "gpio.set", "params": {"values": {"IO3": 1}}},
    ]})["results"]
    assert r[0] == {"result": {}}
    assert r[1] == {"result": {"IO2": 1}}
    assert r[3] == {"result": {"IO2": 0}}
    assert abs(r[4]["result"]["AIN0"]["millivolts"] - 1650) <= 2
    assert r[7]["error"]["data"]["status"] == "WRONG_MODE"
    e = c.error("batch", {"steps": [{"method": "system.reset"}]})
    assert e["code"] == -32602
    # A misspelt "params" in a step is reported, not run without params.
    e = c.error("batch", {"steps": [{"method": "system.ping", "parms": {"data": "x"}}]})
    assert e["code"] == -32602 and 'unknown member "parms"' in e["message"], e


def test_param_messages_and_binary_safe_ping(env):
    c = env.client()
    e = c.error("gpio.mode", {"pin": "IO1", "mode": "output", "initial": True})
    assert e["message"] == "parameter 'initial' must be an integer", e
    e = c.error("gpio.set", {"values": [1]})
    assert "must be an object" in e["message"], e
    # "\u0000" is part of the data, not its end.
    assert c.call("system.ping", {"data": "a\u0000b"}) == {"data": "a\u0000b"}


def test_long_line_deep_nesting_and_garbage(env):
    c = env.client()
    c.send_raw('{"jsonrpc":"2.0","method":"system.ping","params":{"data":"' + "x" * 70000 + '"},"id":1}\n')
    r = c.recv()
    assert r["error"]["code"] == -32600 and "longer than" in r["error"]["message"]
    assert c.call("system.ping", {"data": "ok"}) == {"data": "ok"}
    c.send_raw("[" * 100 + "]" * 100 + "\n")
    r = c.recv()
    assert r["error"]["code"] == -32600 and "nested" in r["error"]["message"]
    c.send_raw(b"\x00\xff\xfe garbage \x01\n")
    assert c.recv()["error"]["code"] == -32700
    c.send_raw('{"jsonrpc":"2.0","method":"system.ping","id":3} trailing\n')
    assert c.recv()["error"]["code"] == -32700
    c.send_raw("\n   \n\r\n")  # blank lines are ignored
    c.send_raw('{"jsonrpc":"2.0","method":"system.ping","params":{"data":"crlf"},"id":4}\r\n')
    assert c.recv()["result"] == {"data": "crlf"}
    # a request split over many writes still parses
    msg = json.dumps({"jsonrpc": "2.0", "method": "system.ping", "params": {"data": "split"}, "id": 5}) + "\n"
    for ch in msg:
        c.send_raw(ch)
    assert c.recv()["result"] == {"data": "split"}
    assert c.call("system.ping", {"data": "still"}) == {"data": "still"}


def test_random_garbage_and_random_requests(env):
    """Random bytes and randomly built requests: wisd answers every line
    that is not blank and not a notification, and keeps serving."""
    import random
    rnd = random.Random(1234)
    c = env.client()
    methods = ["system.ping", "gpio.get", "gpio.set", "gpio.mode", "adc.read", "batch", "pin.state",
               "claim", "subscribe", "nope", "", "rpc.discover"]
    values = [None, True, 0, -1, 2 ** 40, 1.5, "", "IO1", "VBAT", [], {}, ["IO2"], {"IO1": 1},
              [{"method": "system.ping"}], "x" * 300]
    for i in range(1500):
        if i % 3 == 0:
            line = bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(1, 200)))
            line = line.replace(b"\n", b" ")
            c.send_raw(line + b"\n")
            if line.strip(b" \t\r"):
                r = c.recv(5)
                assert r is not None and "error" in r, (line, r)
            continue
        req = {"jsonrpc": "2.0", "id": i, "method": rnd.choice(methods)}
        if rnd.random() < 0.8:
            req["params"] = {rnd.choice(["pins", "pin", "values", "mode", "data", "steps", "topics",
                                         "resources", "edge", "zz"]): rnd.choice(values)
                             for _ in range(rnd.randrange(0, 3))}
        if rnd.random() < 0.1:
            req["params"] = rnd.choice(values)
        c.send(req)
        r = c.recv(5)
        assert r is not None and r["id"] in (i, None) and ("result" in r or "error" in r), (req, r)
    assert c.call("system.ping", {"data": "alive"}) == {"data": "alive"}


def strict_json(line):
    """Parses a line as RFC 8259 JSON: valid UTF-8, no NaN/Infinity."""
    def no_constant(name):
        raise AssertionError("%s is not JSON: %r" % (name, line))
    return json.loads(line.decode("utf-8"), parse_constant=no_constant)


def test_only_strict_json_in_and_out(env):
    # What json-c lets through by default must be a parse error, since the
    # echo of such an id (NaN, 1., a clipped huge integer, invalid UTF-8)
    # would not be JSON or would match no request.
    c = env.client()
    head = b'{"jsonrpc":"2.0","method":"system.ping","id":'
    for bad in [b"NaN}", b"Infinity}", b"-Infinity}", b"1.}", b"01}", b"1,}",
                b"123456789012345678901234567890}", b"-9223372036854775809}",
                b'"\xc3\x28"}', b'"\xff"}', b'"a\tb"}', b"1}\x00", b"1} /* c */",
                b"'single'}"]:
        c.send_raw(head + bad + b"\n")
        r = strict_json(c.recv_line())
        assert r["error"]["code"] == -32700 and r["id"] is None, (bad, r)
    c.send_raw(b"{'jsonrpc':'2.0','method':'system.ping','id':1}\n")
    assert strict_json(c.recv_line())["error"]["code"] == -32700
    # The edges of the 64-bit range, exponents and UTF-8 are echoed exactly,
    # as written (escapes included).
    for good in [b"18446744073709551615", b"-9223372036854775808", b"1e400", b"-0.5e-3",
                 b'"\xc3\xa9\\u00e9"', b"[true,false,null]"]:
        c.send_raw(head + good + b"}\n")
        line = c.recv_line()
        assert line.endswith(b'"id":' + good + b"}"), line
        assert strict_json(line)["result"] == {"data": ""}
    assert c.call("system.ping", {"data": "still"}) == {"data": "still"}


def test_nul_in_names_is_not_cut_short(env):
    # json-c strings are C strings to every lookup: "IO1\u0000zz" must not
    # quietly be IO1, nor "system.ping\u0000x" system.ping.
    c = env.client()
    r = c.call_raw("system.ping\u0000x")
    assert r["error"]["code"] == -32601, r
    for method, params in [("gpio.get", {"pins": "IO1\u0000zz"}),
                           ("gpio.mode", {"pin": "IO3", "mode": "input\u0000zz"}),
                           ("subscribe", {"topics": ["log\u0000"]}),
                           ("claim", {"resources": "IO1\u0000"})]:
        e = c.error(method, params)
        assert e["code"] == -32602 and "NUL" in e["message"], (method, e)
    c.send_raw('{"jsonrpc":"2.0\\u0000","method":"system.ping","id":1}\n')
    assert c.recv()["error"]["code"] == -32600
    c.send_raw('{"jsonrpc":"2.0","method":"gpio.set","params":{"values":{"LED1\\u0000x":1}},'
               '"id":2}\n')
    assert c.recv()["error"]["code"] == -32700
    # In free text (ping data, ids) it is just a character.
    assert c.call("system.ping", {"data": "\u0000"}) == {"data": "\u0000"}
