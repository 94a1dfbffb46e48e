"""--help of wisd, wisrpc-sim, wisctl and every wisctl command fits 80
columns; --version everywhere (wisctl -V too); `wisctl help [COMMAND]`."""
import os
import re
import subprocess

from wisdtest import SIM, WISCTL, WISD

VERSION = os.environ["WISRPC_VERSION"]


def run(*cmd):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=10)


def commands():
    """Every command of wisctl's table, as `wisctl help` lists them."""
    out = run(WISCTL, "help").stdout
    names = []
    for line in out.split("\ncommands")[1].splitlines()[1:]:
        m = re.match(r"  (\S+(?: [a-z]+)?)  +\S", line)
        if m and not line.startswith("   "):
            names.append(m.group(1).split())
    return names


def narrow(text, what):
    assert text.strip(), what
    for line in text.splitlines():
        assert len(line) <= 80, "%s: %d columns: %r" % (what, len(line), line)


def test_every_help_fits_80_columns():
    for prog in (WISD, SIM, WISCTL):
        r = run(prog, "--help")
        assert r.returncode == 0, (prog, r.stderr)
        narrow(r.stdout, prog)
    cmds = commands()
    assert len(cmds) >= 30 and ["radio", "config"] in cmds and ["info"] in cmds, cmds
    for c in cmds:
        r = run(WISCTL, *c, "--help")
        assert r.returncode == 0 and r.stdout.startswith("usage: wisctl " + " ".join(c)), c
        narrow(r.stdout, "wisctl %s --help" % " ".join(c))
        # `wisctl help CMD` says the same
        assert run(WISCTL, "help", *c).stdout == r.stdout, c
    # the longest usage wraps between option groups, never inside one
    out = run(WISCTL, "help", "radio", "config").stdout
    assert "[--tcxo MV]" in out and "[--freq HZ]" in out, out
    assert len(out.splitlines()) >= 4, out


def test_versions():
    for prog, name in ((WISD, "wisd"), (SIM, "wisrpc-sim"), (WISCTL, "wisctl")):
        for opt in ("--version", "-V") if prog != SIM else ("--version",):
            r = run(prog, opt)
            assert r.returncode == 0 and r.stdout == "%s %s\n" % (name, VERSION), (prog, opt, r)


def test_wisctl_help_command():
    r = run(WISCTL, "help")
    assert r.returncode == 0 and r.stdout == run(WISCTL, "--help").stdout
    r = run(WISCTL, "help", "gpio")
    assert r.returncode == 0
    assert [l.split()[3] for l in r.stdout.splitlines() if l.startswith("usage:")] == \
        ["get", "set", "mode", "watch"]
    r = run(WISCTL, "help", "nope")
    assert r.returncode == 2 and "nope" in r.stderr and r.stdout == ""
    r = run(WISCTL, "help", "gpio", "nope")
    assert r.returncode == 2
    assert run(WISCTL, "help", "help").returncode == 0
