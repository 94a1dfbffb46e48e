"""wisctl tests written to fail on specific planted bugs (issue 14): exit 4
when the module stops answering behind wisd (not only when wisd itself is
mute), exit 2 for values just past a parameter's limit, and the limits walk
over every wisctl command's arguments, read from `wisctl --help` and
rpc.discover so that it grows with the commands: a value the schema
refuses must exit 2, a value in range must not.  The method walk of
tests/daemon/test_strength.py also runs here through `wisctl --device call`
(the mapping without wisd)."""
import json
import re
import signal
import subprocess
import time

from test_strength import DESTRUCTIVE, base_params, is_invalid, limited, probes, walk
from wisdtest import WISCTL, Setup, wisctl

# Commands the walk leaves out, and why.
SKIP = {
    "reset": DESTRUCTIVE["system.reset"],
    "discover": "lists USB modules without wisd: no parameter reaches a method",
    "call": "raw JSON: every method's parameters are walked through it below",
    # Commands whose arguments are not one method parameter each (their
    # methods are walked through "call" below; tests/cli/test_wisctl_flash.py
    # and test_wisctl_i2c.py check their arguments).
    "flash read": "LEN is a total split into flash.read requests of up to 1024 bytes",
    "flash write": "FILE is read by wisctl and sent as flash.write requests",
    "flash write-image": "FILE is read by wisctl and sent as flash.verify/flash.write requests",
    "flash verify": "FILE|LEN: a file's CRC and length, or a length",
    "i2c read": "a shorthand for i2c.xfer (LEN is rx_len, --reg is tx)",
    "i2c write": "a shorthand for i2c.xfer (HEX... is tx)",
    "i2c xfer": "HEX is tx as hex bytes",
    "spi xfer": "HEX... is tx as hex bytes",
    "uart write": "TEXT... is data, words joined by spaces",
    "uart read": "a subscription to uart.rx: PORT, --count and --idle are wisctl's own",
}

# Options that belong to wisctl itself, not to a method parameter:
# (smallest, largest) accepted value, None for no upper bound.
LOCAL = {"--count": (1, None)}
GLOBAL = {"--timeout": (1, 3600000)}

# Commands that stream until Ctrl-C or --count: an accepted value keeps them
# running, so "still running after a moment" means accepted.
STREAMING = {"gpio watch", "subscribe", "radio listen"}

# Commands whose method is not named after them.
METHOD = {"radio listen": "radio.rx"}


def commands():
    """(words, usage tokens) for every command in wisctl --help (the names;
    each one's usage from `wisctl help COMMAND`, wrapped lines joined)."""
    out = subprocess.run([WISCTL, "--help"], capture_output=True, text=True).stdout
    body = out.split("\ncommands", 1)[1].split(":\n", 1)[1].split("\n\n", 1)[0]
    cmds = []
    for line in body.splitlines():
        m = re.match(r"  (\S+(?: [a-z0-9-]+)?)  +\S", line)  # flash write-image
        if not m or line.startswith("   "):
            continue  # a wrapped help line
        name = m.group(1)
        text = subprocess.run([WISCTL, "help", *name.split()], capture_output=True,
                              text=True).stdout
        usage = " ".join(l.strip() for l in text.splitlines() if not l.startswith("    ")
                         or l.startswith("     "))
        usage = usage[len("usage: wisctl "):]
        toks = re.findall(r"\[[^\]]*\]|\S+", usage)
        n = len(name.split())
        end = n
        while end < len(toks) and re.fullmatch(r"\[.*\]|[A-Z][A-Z=.]*", toks[end]):
            end += 1
        cmds.append((name, toks[n:end]))
    assert len(cmds) >= 10, out
    return cmds


def method_of(cmd, names):
    if cmd in METHOD:
        return METHOD[cmd]
    w = cmd.split()
    for m in (".".join(w), "system." + w[0], "daemon." + w[0], w[0]):
        if m in names:
            return m
    raise AssertionError("wisctl %s: no method found for it: teach test_cli_strength.py" % cmd)


def param_for(opt, method):
    """The method parameter an option sets (--debounce sets debounce_us)."""
    name = opt.lstrip("-").replace("-", "_")
    for p in method["params"]:
        if p["name"] == name or p["name"].startswith(name + "_"):
            return p
    return None


def placeholder_param(tok, method):
    """The method parameter a positional placeholder stands for: MODE is
    mode, US is delay_us, [LEN] is len."""
    t = tok.strip("[]").rstrip(".").lower()
    for p in method["params"]:
        n = p["name"]
        if n == t or n.endswith("_" + t) or n.startswith(t + "_"):
            return p
    return None


def positional(tok, base, method):
    """A good value for a required positional placeholder (NAME..., MODE, ...)."""
    t = tok.rstrip(".")
    if t == "NAME=VALUE":
        (k, v), = base["values"].items()
        return "%s=%s" % (k, v)
    if t == "NAME":
        v = base.get("pin", base.get("pins"))
        return v if isinstance(v, str) else v[0]
    if t == "TOPIC":
        return "gpio.edge"
    p = placeholder_param(tok, method)
    if p is not None and p["name"] in base:
        return str(base[p["name"]])
    if p is not None and "enum" in p:
        return p["enum"][0]
    if p is not None and "minimum" in p:
        return str(p["minimum"])
    raise AssertionError("placeholder %s: teach test_cli_strength.py a value" % tok)


class Runner:
    def __init__(self, sock):
        self.sock = sock
        self.runs = 0

    def exit_code(self, args, cmd, bad):
        """wisctl's exit code; None if a streaming command is still running
        (it accepted its arguments).  A value that must be refused gets all
        the time it needs to exit, so a slow machine cannot pass it off as
        accepted-and-streaming."""
        self.runs += 1
        self.stderr = ""
        argv = [WISCTL, "--socket", self.sock] + args
        if cmd not in STREAMING:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=20)
            self.stderr = r.stderr
            return r.returncode
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            return p.wait(10 if bad else 0.5)
        except subprocess.TimeoutExpired:
            return None
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                p.wait(5)


def test_wisctl_limits_from_the_table(env):
    c = env.client()
    d = c.call("rpc.discover")
    methods = {m["name"]: m for m in d["methods"]}
    run = Runner(env.wisd.sock)
    tried = refused = 0

    def check(cmd, args, bad, what):
        nonlocal tried, refused
        rc = run.exit_code(args, cmd, bad)
        if bad:
            assert rc == 2, "wisctl %s: %s must exit 2, got %s" % (cmd, what, rc)
            refused += 1
        else:
            assert rc != 2 or module_range_check(run.stderr), (
                "wisctl %s: %s is in range, got exit 2: %s" % (cmd, what, run.stderr))
        tried += 1

    def ranged(lo, hi):
        out = [(lo - 1, True), (lo, False)]
        if hi is not None:
            out += [(hi, False), (hi + 1, True)]
        return out

    for cmd, toks in commands():
        if cmd in SKIP:
            continue
        m = methods[method_of(cmd, methods)]
        base = base_params(lambda n, p: is_invalid(c.call_raw(n, p)), m)
        pos = [t for t in toks if not t.startswith("[")]
        args = cmd.split() + [positional(t, base, m) for t in pos]
        # Positional parameters with limits (gpio mode's MODE, delay's US),
        # optional ones ([LEN]) appended after the required ones.
        optional = [t for t in toks if re.fullmatch(r"\[[A-Z]+\]", t)]
        for i, t in enumerate(pos + optional):
            p = placeholder_param(t, m)
            if p is None or not limited(p):
                continue
            for value, bad in probes(p, base.get(p["name"])):
                a = list(args)
                at = len(cmd.split()) + i
                if at < len(a):
                    a[at] = str(value)
                else:
                    a.append(str(value))
                check(cmd, a, bad, "%s %s" % (t, value))
        # Options with a value.
        for t in toks:
            mo = re.fullmatch(r"\[(--[a-z-]+) [^\]|]+(\|[^\]]*)?\]|\[(--[a-z-]+) [^\]]+\]", t)
            if not mo:
                assert re.fullmatch(r"\[--[a-z|-]+\]|[A-Z=.]+|\[[A-Z]+\]", t), (
                    "wisctl %s: usage token %s: teach test_cli_strength.py" % (cmd, t))
                continue
            opt = mo.group(1) or mo.group(3)
            p = param_for(opt, m)
            listed = t[1:-1].split(" ", 1)[1].split("|") if "|" in t else None
            if p is not None:
                vals = probes(p, base.get(p["name"])) if limited(p) else []
                if listed:
                    # The usage names the values wisctl takes (a subset of
                    # the method's: watch --edge has no "none"): each listed
                    # one must work, what the schema refuses must still exit 2.
                    for v in listed:
                        assert v in p.get("enum", []) or (
                            p.get("minimum", 1) <= int(v) <= p.get("maximum", 0)), (cmd, opt, v)
                    vals = [(v, False) for v in listed] + [(v, b) for v, b in vals if b]
            else:
                assert opt in LOCAL, ("wisctl %s %s sets no parameter of %s: teach LOCAL"
                                      % (cmd, opt, m["name"]))
                vals = ranged(*LOCAL[opt])
            for value, bad in vals:
                check(cmd, args + [opt, str(value)], bad, "%s %s" % (opt, value))
    for opt, (lo, hi) in GLOBAL.items():
        for value, bad in ranged(lo, hi):
            check("info", [opt, str(value), "info"], bad, "%s %s" % (opt, value))
    assert tried > 30 and refused > 10, (tried, refused)


def module_range_check(stderr):
    """A flash range the store refuses (past its end, an erase off its
    erase unit) exits 2 as well, but is the module's check of its geometry
    (test_strength.is_invalid: -32602 carrying the device status), not the
    mapping's refusal of a value outside the schema."""
    return ("is past the end of the store" in stderr
            or "is not a multiple of the erase unit" in stderr)


def test_method_limits_through_wisctl_device(env):
    # The same walk as the daemon suite's, through wisctl's own use of the
    # mapping (--device, no wisd): -32602 is exit 2 there.
    d = env.client().call("rpc.discover")
    # The port must be free for wisctl; wisd-only methods cannot run there.
    assert env.wisd.stop() == 0
    link = env.sim.link
    methods = [m for m in d["methods"] if m["device"]]

    def call(method, params):
        # Long operations (system.delay's maximum is 10 s) get the time they need.
        args = ["--timeout", "60000", "call", method] + ([json.dumps(params)] if params else [])
        r = wisctl(None, *args, device=link, timeout=90)
        assert r.returncode in (0, 1, 2), (method, params, r.returncode, r.stderr)
        return r.returncode == 2 and not module_range_check(r.stderr)

    tried, refused = walk(methods, call)
    assert tried > 40 and refused > 10, (tried, refused)


def test_just_past_a_limit_exits_2(env):
    # Through wisd, values the mapping must refuse: exit 2, not 1 (which is
    # what a value that reached the device and came back BAD_ARG gives).
    for args in (["adc", "read", "AIN0", "--oversample", "9"],
                 ["adc", "read", "AIN0", "--resolution", "15"],
                 ["call", "gpio.watch", '{"pin": "IO2", "debounce_us": 1000001}'],
                 ["call", "gpio.mode", '{"pin": "IO1", "mode": "output", "initial": 2}'],
                 ["call", "adc.read", '{"pins": "AIN0", "oversample": 9}']):
        r = wisctl(env.wisd.sock, *args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr.count("\n") == 1, r.stderr


def test_device_timeout_through_wisd_exits_4():
    # The module stops answering (SIGSTOP the simulator) while wisd and its
    # socket are fine: wisd answers -32002 after its timeout_ms and wisctl
    # must exit 4 (a mute wisd is another path: wisctl's own deadline).
    s = Setup(wisd_args=("--set", "timeout_ms=300"))
    try:
        s.sim.p.send_signal(signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            r = wisctl(s.wisd.sock, "gpio", "get", "IO1")
            took = time.monotonic() - t0
            r2 = wisctl(s.wisd.sock, "--json", "call", "system.ping")
        finally:
            s.sim.p.send_signal(signal.SIGCONT)
        assert r.returncode == 4, (r.returncode, r.stderr)
        assert r.stderr.count("\n") == 1, r.stderr
        assert took < 4, took  # wisd's 300 ms, not wisctl's own 5 s
        assert r2.returncode == 4, (r2.returncode, r2.stderr)
        assert wisctl(s.wisd.sock, "gpio", "get", "IO1").returncode == 0
    finally:
        s.close()
