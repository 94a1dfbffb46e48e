"""`meson install` gives a working service with any prefix: installed into a
DESTDIR from this build (nothing on this machine changes), the layout is
checked (unit paths for the prefix, the udev rule and sysusers.d file where
they are read, man pages, completion), and the installed wisd runs the
installed wisrpc-sim; a missing default config is not fatal; the man pages
are valid and wisctl(1) lists every command."""
import os
import re
import subprocess
import tempfile
import time

import pytest

from wisdtest import WISCTL, wait_for

BUILD = os.environ["WISRPC_BUILD"]
MAN = os.environ["WISRPC_MAN"]


def meson_opt(name):
    out = subprocess.run(["meson", "introspect", "--buildoptions", BUILD], capture_output=True,
                         text=True, check=True).stdout
    import json
    return {o["name"]: o["value"] for o in json.loads(out)}[name]


@pytest.fixture(scope="module")
def dest():
    with tempfile.TemporaryDirectory(prefix="wisrpc-install-") as d:
        r = subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild", "--quiet",
                            "--destdir", d], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        yield d


def test_layout(dest):
    prefix = meson_opt("prefix")
    root = dest + prefix
    for f in ("sbin/wisd", "bin/wisctl", "bin/wisrpc-sim", "share/doc/wisrpc/wisd.conf.example",
              "share/man/man8/wisd.8", "share/man/man1/wisctl.1", "share/man/man1/wisrpc-sim.1",
              "share/man/man5/wisd.conf.5", "share/man/man3/libwisrpc.3",
              "share/bash-completion/completions/wisctl", "lib/systemd/system/wisd.service"):
        assert os.path.exists(os.path.join(root, f)), f
    # udev and systemd-sysusers read no PREFIX/lib: these go where they do
    assert os.path.exists(dest + "/usr/lib/udev/rules.d/60-wisrpc.rules")
    with open(dest + "/usr/lib/sysusers.d/wisrpc.conf") as f:
        assert re.search(r"^g wisrpc -$", f.read(), re.M)
    # the unit: this prefix's wisd and config, its docs
    with open(root + "/lib/systemd/system/wisd.service") as f:
        unit = f.read()
    etc = meson_opt("sysconfdir")
    conf = etc if etc.startswith("/") else prefix + "/" + etc
    assert "ExecStart=%s/sbin/wisd --config %s/wisd.conf --syslog" % (prefix, conf) in unit, unit
    assert ("Documentation=man:wisd(8) man:wisd.conf(5) file://%s/share/doc/wisrpc/"
            "wisd.conf.example" % prefix) in unit, unit
    # meson install never overwrites an admin's config: packages install it
    assert not os.path.exists(dest + conf + "/wisd.conf")


def lib_path(dest):
    for d, _, files in os.walk(dest):
        if "libwisrpc.so.0" in files:
            return d
    raise AssertionError("no libwisrpc.so.0 installed")


def test_installed_wisd_runs_installed_sim_without_config(dest):
    prefix = meson_opt("prefix")
    etc = meson_opt("sysconfdir")
    conf = etc if etc.startswith("/") else prefix + "/" + etc
    envv = dict(os.environ, LD_LIBRARY_PATH=lib_path(dest))
    with tempfile.TemporaryDirectory() as tmp:
        sock = tmp + "/s"
        log = open(tmp + "/log", "w")
        # the unit's command line, with its (missing) default config
        p = subprocess.Popen([dest + prefix + "/sbin/wisd", "--config", conf + "/wisd.conf",
                              "--device", "sim", "--socket", sock], stderr=log, env=envv)
        try:
            def answers():
                r = subprocess.run([dest + prefix + "/bin/wisctl", "--socket", sock, "info"],
                                   capture_output=True, text=True, env=envv)
                return r.returncode == 0 and r.stdout
            out = wait_for(answers, 10, 0.1, "installed wisd answering")
            assert out.startswith("board: RAK4631")
        finally:
            p.terminate()
            p.wait(10)
            log.close()
        text = open(tmp + "/log").read()
    if os.path.exists(conf + "/wisd.conf"):
        pytest.skip("this machine has %s/wisd.conf" % conf)
    assert "wisd.conf: not found, running on the defaults" in text, text
    assert "started simulator %s%s/bin/wisrpc-sim " % (dest, prefix) in text, text
    assert p.returncode == 0


def test_explicit_missing_config_still_fails():
    r = subprocess.run([os.environ["WISD"], "--config", "/nonexistent/my.conf"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "/nonexistent/my.conf" in r.stderr


def test_build_tree_wisd_runs_build_tree_sim():
    with tempfile.TemporaryDirectory() as tmp:
        log = open(tmp + "/log", "w")
        p = subprocess.Popen([os.environ["WISD"], "--device", "sim", "--socket", tmp + "/s"],
                             stderr=log)
        try:
            wait_for(lambda: "started simulator" in open(tmp + "/log").read(), 10)
        finally:
            p.terminate()
            p.wait(10)
            log.close()
        assert "started simulator %s " % os.environ["WISRPC_SIM"] in open(tmp + "/log").read()


def test_man_pages():
    with open(os.path.join(MAN, "wisctl.1")) as f:
        page = f.read()
    for name, sec in (("wisd", "8"), ("wisctl", "1"), ("wisrpc-sim", "1"), ("wisd.conf", "5"),
                      ("libwisrpc", "3")):
        with open(os.path.join(MAN, name + "." + sec)) as f:
            text = f.read()
        assert re.search(r'^\.TH "%s" "%s"' % (re.escape(name), sec), text, re.M), name
        assert ".SH NAME" in text and ".SH SEE ALSO" in text
    # every command of wisctl's table is in wisctl(1)
    out = subprocess.run([WISCTL, "help"], capture_output=True, text=True).stdout
    cmds = [m.group(1) for m in re.finditer(r"^  (\S+(?: [a-z]+)?)  +\S", out.split("\ncommands")[1], re.M)]
    assert len(cmds) >= 30
    plain = re.sub(r"\\f[BIR]", "", page)
    for c in cmds:
        assert re.search(r"^%s\b" % re.escape(c), plain, re.M), c
