"""Every shell command the README and docs/*.md show works as written.

The convention (README.md, "Tests and benchmarks"): each line of a fenced
```sh block in README.md, docs/*.md and firmware/README.md is a command
(a line ending in '\\' continues on the next); comment lines are not; a
line whose comment holds "manual:" says why it is not run (hardware, root,
a long build, the test itself).  The commands run in bash, in a temporary
directory where build/run is this build (the directory scripts/run.sh
builds into), with wisctl and wisrpc-sim on PATH and WISD_SOCKET naming a
wisd on a simulated module (IO1 wired to IO2, AIN0 at 1650 mV), as after
scripts/run.sh.  A command must exit 0.  One that is still running after a
few seconds (a watch, a subscription, the simulator) is stopped the way
its docs say, with Ctrl-C (SIGINT to wisctl, socat and wisrpc-sim; the
rest of a pipeline then ends on its own), and must then exit 0 too.
Meanwhile SW1 is pressed and released now and then, so that watches of it
see edges."""
import glob
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from wisdtest import SIM, WISCTL, Wisd

SOURCE = os.environ["WISRPC_SOURCE"]
BUILD = os.environ["WISRPC_BUILD"]
RUN_FOR = 3.0  # seconds before a command that has not ended gets Ctrl-C
# What a command interrupted by Ctrl-C may exit with: 0, or a shell's 130.
INTERRUPTED_OK = (0, 130)
# Stopped with Ctrl-C: the programs a user would stop (their pipelines'
# readers, jq, then see the end of their input).
CTRL_C = ("wisctl", "socat", "wisrpc-sim", "sleep")


def doc_files():
    return sorted([os.path.join(SOURCE, "README.md"), os.path.join(SOURCE, "firmware", "README.md")]
                  + glob.glob(os.path.join(SOURCE, "docs", "*.md")))


def commands(path):
    """(line number, command) of every runnable line of path's sh blocks."""
    out = []
    inside = False
    pending = None
    with open(path) as f:
        for n, line in enumerate(f, 1):
            s = line.rstrip("\n")
            if s.startswith("```"):
                inside = s.strip() == "```sh"
                continue
            if not inside:
                continue
            if pending:
                pending = (pending[0], pending[1] + "\n" + s)
            elif s.strip() and not s.lstrip().startswith("#"):
                pending = (n, s)
            if pending and not s.endswith("\\"):
                out.append(pending)
                pending = None
    return out


def manual(cmd):
    m = re.search(r"#[^'\"]*$", cmd.splitlines()[-1])
    return m is not None and "manual:" in m.group(0)


ALL = [(os.path.relpath(p, SOURCE), n, c) for p in doc_files() for n, c in commands(p)]


def test_the_docs_have_commands():
    # the convention holds: the README's and docs' examples are sh blocks
    files = {f for f, _, _ in ALL}
    assert {"README.md", "docs/api.md", "docs/cli.md"} <= files, files
    assert sum(1 for a in ALL if not manual(a[2])) >= 20, ALL


@pytest.fixture(scope="module")
def world():
    tmp = tempfile.TemporaryDirectory(prefix="wisrpc-docs-")
    work = os.path.join(tmp.name, "work")
    os.makedirs(os.path.join(work, "build"))
    os.symlink(BUILD, os.path.join(work, "build", "run"))
    wisd = Wisd(tmp.name, "sim", ("--sim-path", SIM, "--sim-args",
                                  "--wire IO1:IO2 --adc AIN0=1650"))
    stop = threading.Event()

    def presses():
        # SW1 pressed and released now and then (its control socket:
        # SOCKET.sim), as a user at the board would.
        import socket
        while not stop.wait(0.4):
            for cmd in ("press SW1", "release SW1"):
                try:
                    s = socket.socket(socket.AF_UNIX)
                    s.settimeout(2)
                    s.connect(wisd.sock + ".sim")
                    s.sendall((cmd + "\n").encode())
                    s.recv(100)
                    s.close()
                except OSError:
                    pass
                time.sleep(0.1)
    t = threading.Thread(target=presses, daemon=True)
    t.start()
    envv = dict(os.environ, WISD_SOCKET=wisd.sock,
                PATH=os.path.dirname(WISCTL) + ":" + os.path.dirname(SIM) + ":" + os.environ["PATH"])
    yield work, envv, wisd
    stop.set()
    t.join()
    assert wisd.stop() == 0
    tmp.cleanup()


def group_members(pgid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:
            out.append((int(d), comm))
    return out


def run_command(cmd, work, envv):
    p = subprocess.Popen(["bash", "-c", "set -o pipefail\n" + cmd], cwd=work, env=envv,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    interrupted = False
    try:
        out, err = p.communicate(timeout=RUN_FOR)
    except subprocess.TimeoutExpired:
        interrupted = True
        for pid, comm in group_members(p.pid):
            if comm in CTRL_C:
                os.kill(pid, signal.SIGINT)
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            raise AssertionError("did not stop on Ctrl-C: %s\n%s%s" % (cmd, out, err))
    return p.returncode, out, err, interrupted


@pytest.mark.parametrize("where,line,cmd", [a for a in ALL if not manual(a[2])],
                         ids=["%s:%d" % (a[0], a[1]) for a in ALL if not manual(a[2])])
def test_doc_command(world, where, line, cmd):
    work, envv, wisd = world
    rc, out, err, interrupted = run_command(cmd, work, envv)
    ok = rc in INTERRUPTED_OK if interrupted else rc == 0
    assert ok, "%s:%d: %s\nexit %s%s\nstdout: %s\nstderr: %s" % (
        where, line, cmd, rc, " (after Ctrl-C)" if interrupted else "", out, err)
    # What some examples promise beyond their exit status.
    if "gpio.watch" in cmd and "socat" in cmd:
        assert '"method":"gpio.edge"' in out and '"pin":"SW1"' in out, out
    if "gpio.get" in cmd and "socat" in cmd:
        assert out.startswith('{"jsonrpc":"2.0","result":{"IO1":'), out
    if "adc read AIN0" in cmd and "--json" not in cmd:
        assert re.match(r"AIN0=16[45]\dmV\n", out), out
    if cmd.startswith("wisctl gpio watch SW1"):
        assert re.search(r"^SW1=[01] (rising|falling) \d{4}-", out, re.M), out
    if "&& echo pressed" in cmd:
        assert out.endswith("pressed\n"), out
    if "wisrpc-sim" in cmd and "--link /tmp/wis0" in cmd:
        assert "wisrpc-sim ready" in out, out
