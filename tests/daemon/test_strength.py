"""Tests written to fail on specific planted bugs (issue 14): the order of
JSON-RPC batch answers, and parameter limits in the JSON mapping, checked
for every method rpc.discover lists, from the limits it publishes, so the
test grows by itself as methods and parameters are added.

The limits walk sends each integer parameter min-1, min, max and max+1,
each enum every value and one unknown, and each list or object parameter
its shortest and longest allowed sizes and one past each: -32602 exactly
where the schema says a value is out of range, and never for a value in
range (a mapping whose limit is off by one either refuses a good value or
lets a bad one reach the device, which answers -32000 instead)."""
import array
import itertools
import json
import os
import socket

import pytest

# Kept out of the in-range probes: every accepted value would act at once.
# Values the schema refuses are still sent, since they must never get as far
# as the device.
DESTRUCTIVE = {
    "system.reset": "resets the module (and re-runs wisd's whole reconnect) on every accepted value",
}

# Schema keys this test understands.  A key it does not know (a new kind of
# limit) fails the test, so it is taught the limit instead of skipping it.
KNOWN_KEYS = {"name", "type", "required", "description", "enum", "minimum", "maximum",
              "minItems", "maxItems"}

# Values that make a call valid, per parameter type, tried in order until
# one is accepted: a method needs only its required parameters filled.
CANDIDATES = {
    "pin name": ["IO1", "AIN0", "LED1"],
    "pin name or array of pin names": ["IO1", "AIN0"],
    "object of pin name -> 0|1": [{"LED1": 0}, {"IO1": 0}],
    "string or array of strings": ["gpio.edge", "IO1"],
    "array of {method, params}": [[{"method": "system.ping"}]],
    "string": ["x", "00"],  # "00": parameters carrying bytes as hex (flash.write data)
    "boolean": [False],
}

# Items for list and object parameters when the test builds long ones.
ITEM = {
    "pin name or array of pin names": lambda base, i: base if isinstance(base, str) else base[0],
    "array of {method, params}": lambda base, i: {"method": "system.ping"},
}


def is_invalid(r):
    """-32602 from the mapping itself.  A flash.read range past the end of
    the store is -32602 too, but the module's refusal (its range check knows
    the store's size, the schema cannot): that one carries the device status
    (data.wis_code -1..-63), which a value the mapping let through would."""
    if "error" not in r or r["error"]["code"] != -32602:
        return False
    data = r["error"].get("data")
    return not (isinstance(data, dict) and -64 < data.get("wis_code", 0) < 0)


def required_values(p):
    t = p["type"]
    if "enum" in p:
        return list(p["enum"])
    if t == "integer":
        return [p["minimum"], p["maximum"]]
    assert t in CANDIDATES, ("parameter %r has type %r: teach test_strength.py a valid value"
                             % (p["name"], t))
    return CANDIDATES[t]


def base_params(call, m):
    """Required parameters with values the mapping accepts (not refused as
    invalid).  call(method, params) is True if the call was refused so."""
    req = [p for p in m["params"] if p["required"]]
    if m["name"] in DESTRUCTIVE:
        # Never call it with good values: just fill in the first candidates.
        return {p["name"]: required_values(p)[0] for p in req}
    for combo in itertools.product(*(required_values(p) for p in req)):
        params = {p["name"]: v for p, v in zip(req, combo)}
        if not call(m["name"], params or None):
            return params
    raise AssertionError("no valid call of %s found from the candidates: teach test_strength.py"
                         % m["name"])


def sized(p, base, n):
    """A value of list parameter p with n items."""
    t = p["type"]
    assert t in ITEM, "parameter %r of type %r has an item count: teach ITEM" % (p["name"], t)
    return [ITEM[t](base, i) for i in range(n)]


def probes(p, base):
    """(value, must_be_refused) pairs for one parameter."""
    extra = set(p) - KNOWN_KEYS
    assert not extra, "parameter %r has schema keys %s: teach test_strength.py" % (p["name"], extra)
    out = []
    if "enum" in p:
        out += [(v, False) for v in p["enum"]]
        out.append(("no-such-" + p["name"], True))
    if "minimum" in p:
        lo, hi = p["minimum"], p["maximum"]
        out += [(lo - 1, True), (lo, False), (hi, False), (hi + 1, True)]
    if "minItems" in p:
        lo, hi = p["minItems"], p["maxItems"]
        if lo > 0:
            out.append((sized(p, base, lo - 1), True))
        out += [(sized(p, base, lo), False), (sized(p, base, hi), False),
                (sized(p, base, hi + 1), True)]
    return out


def limited(p):
    return any(k in p for k in ("enum", "minimum", "minItems"))


def walk(methods, call):
    """Probes every limited parameter of every method; call(method, params)
    returns True if the call was refused as invalid.  Returns (probes sent,
    probes that had to be refused)."""
    tried = refused = 0
    for m in methods:
        params = [p for p in m["params"] if limited(p)]
        if not params:
            continue
        base = base_params(call, m)
        for p in params:
            for value, bad in probes(p, base.get(p["name"])):
                if m["name"] in DESTRUCTIVE and not bad:
                    continue
                q = dict(base)
                q[p["name"]] = value
                shown = json.dumps(value)[:60]
                if bad:
                    assert call(m["name"], q), ("%s %s=%s must be refused as invalid"
                                                % (m["name"], p["name"], shown))
                    refused += 1
                else:
                    assert not call(m["name"], q), ("%s %s=%s is in range but was refused"
                                                    % (m["name"], p["name"], shown))
                tried += 1
    return tried, refused


def call_with_pipe(c, method, params):
    """flash.stream needs a pipe passed with its request (SCM_RIGHTS): one
    per call, read to its end, so that only the parameters are judged."""
    r, w = os.pipe()
    rid = "pipe%d" % c.next_id
    c.next_id += 1
    line = json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
    c.s.sendmsg([line.encode() + b"\n"],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [w]))])
    os.close(w)
    while os.read(r, 65536):
        pass
    os.close(r)
    return c.response(rid, 60)


def test_limits_from_the_table(env):
    c = env.client()
    d = c.call("rpc.discover")
    names = [m["name"] for m in d["methods"]]
    # The walk must see the methods the table has today; more are welcome.
    assert {"gpio.mode", "gpio.watch", "adc.read", "gpio.get", "batch"} <= set(names), names
    # Long operations (system.delay's maximum is 10 s) get the time they need.
    tried, refused = walk(d["methods"], lambda m, p: is_invalid(
        call_with_pipe(c, m, p) if m == "flash.stream" else c.call_raw(m, p, timeout=60)))
    assert tried > 40 and refused > 10, (tried, refused)
    # The module is still there and nobody's state is stuck.
    assert c.call("system.ping", {"data": "end"}) == {"data": "end"}


@pytest.mark.parametrize("method,params", [
    ("gpio.watch", {"pin": "IO2", "debounce_us": 1000001}),
    ("gpio.watch", {"pin": "IO2", "debounce_us": -1}),
    ("adc.read", {"pins": "AIN0", "resolution": 15}),
    ("adc.read", {"pins": "AIN0", "resolution": 7}),
    ("adc.read", {"pins": "AIN0", "oversample": 9}),
    ("gpio.mode", {"pin": "IO1", "mode": "output", "initial": 2}),
])
def test_just_past_a_limit_is_refused_before_the_device(env, method, params):
    # Pinned values as well as the walk above: a walk that reads the
    # limits from the schema cannot notice a limit that moved in the schema.
    c = env.client()
    frames = []
    for _ in range(3):
        before = c.call("system.stats")["rx_frames"]
        e = c.error(method, params)
        assert e["code"] == -32602, e
        assert "out of range" in e["message"], e
        frames.append(c.call("system.stats")["rx_frames"] - before)
        if frames[-1] == 1:
            break
    # The device never saw it: the only frame it got since is the STATS
    # (a clock resync of wisd's may add one, so up to three tries).
    assert 1 in frames, frames


def test_batch_answers_in_request_order(env):
    # docs/api.md: "an array of requests is answered by one array of the
    # responses (in request order, notifications left out)".  Device calls
    # (answered after a round trip) come first and wisd's own answers
    # (answered at once) after them, so answers gathered in completion order
    # or reversed cannot pass.
    c = env.client()
    reqs = []
    for i in range(6):
        reqs.append({"jsonrpc": "2.0", "method": "system.ping", "params": {"data": "p%d" % i},
                     "id": "ping%d" % i})
    reqs.append({"jsonrpc": "2.0", "method": "system.ping", "params": {"data": "note"}})
    reqs.append({"jsonrpc": "2.0", "method": "gpio.get", "params": {"pins": "IO1"}, "id": 7})
    reqs.append({"jsonrpc": "2.0", "method": "daemon.status", "id": "status"})
    reqs.append({"jsonrpc": "2.0", "method": "no.such.method", "id": "nomethod"})
    reqs.append({"jsonrpc": "2.0", "method": "gpio.get", "params": {"pins": "IO9"}, "id": "badpin"})
    reqs.append({"jsonrpc": "2.0", "method": "rpc.discover", "id": "discover"})
    reqs.append({"jsonrpc": "2.0", "method": "system.uptime", "id": 12})
    c.send(reqs)
    r = c.recv()
    assert isinstance(r, list), r
    want = [q["id"] for q in reqs if "id" in q]
    assert [a.get("id") for a in r] == want
    assert [a["result"]["data"] for a in r[:6]] == ["p%d" % i for i in range(6)]
    assert r[9]["error"]["code"] == -32602
    # And the same order when every answer comes at once from wisd.
    reqs = [{"jsonrpc": "2.0", "method": "daemon.status", "id": i} for i in range(5)]
    c.send(reqs)
    assert [a["id"] for a in c.recv()] == list(range(5))
