"""Every shell command the README and docs/*.md show works as written.

The convention (README.md, "Tests and benchmarks"): a fenced ```sh block in
README.md, docs/*.md or firmware/README.md is run as one bash script
(`set -e -o pipefail`), its commands in order; a command whose comment holds
"manual:" says why it is left out (hardware, root, a long build, the test
itself).  The script runs in a temporary directory that looks like the
checkout (its top-level entries linked) where build is this build and
build/run is too (the directory scripts/run.sh builds into), with wisctl
and wisrpc-sim on PATH and WISD_SOCKET naming a wisd on a simulated module
(IO1 wired to IO2, AIN0 at 1650 mV), as after scripts/run.sh.  It must
exit 0.  A program that runs until Ctrl-C (a watch, a subscription, the
simulator, socat) is given Ctrl-C (SIGINT) once it has run a few seconds
and nothing else in the script is at work, as the docs say to, and the
script goes on; a script that ends on that may also exit
130.  Meanwhile SW1 is pressed and released now and then, so that watches
of it see edges."""
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
RUN_FOR = 2.0  # seconds a program that runs until Ctrl-C gets before it
# What a command interrupted by Ctrl-C may exit with: 0, or a shell's 130.
INTERRUPTED_OK = (0, 130)
# Stopped with Ctrl-C: the programs a user would stop (their pipelines'
# readers, jq, then see the end of their input).
CTRL_C = ("wisctl", "socat", "wisrpc-sim", "sleep")
# Programs that only wait for others (the script's shell, pipe readers).
WAITING = ("bash", "sh", "jq", "cat", "grep", "head", "tail", "tee", "sed", "awk")


def doc_files():
    return sorted([os.path.join(SOURCE, "README.md"), os.path.join(SOURCE, "firmware", "README.md")]
                  + glob.glob(os.path.join(SOURCE, "docs", "*.md")))


def blocks(path):
    """(line number, [commands]) of every sh block of path; a command is a
    line with its '\\' continuations and here-document."""
    out = []
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        start = i + 1
        i += 1
        cmds = []
        while i < len(lines) and not lines[i].startswith("```"):
            cmd = [lines[i]]
            while cmd[-1].endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd.append(lines[i])
            m = re.search(r"<<-?\s*'?\"?(\w+)", cmd[0])
            if m:
                while i + 1 < len(lines) and lines[i + 1].strip() != m.group(1):
                    i += 1
                    cmd.append(lines[i])
                i += 1
                cmd.append(lines[i] if i < len(lines) else "")
            i += 1
            text = "\n".join(cmd)
            if text.strip() and not text.lstrip().startswith("#"):
                cmds.append(text)
        i += 1
        out.append((start + 1, cmds))
    return out


def manual(cmd):
    """The command's comment says it is not run here."""
    return any(re.search(r"#[^'\"]*manual:", l) for l in cmd.splitlines())


ALL = [(os.path.relpath(p, SOURCE), n, [c for c in cmds if not manual(c)])
       for p in doc_files() for n, cmds in blocks(p)]
RUN = [a for a in ALL if a[2]]


def test_the_docs_have_commands():
    # the convention holds: the README's and docs' examples are sh blocks
    files = {f for f, _, _ in RUN}
    assert {"README.md", "docs/api.md", "docs/cli.md"} <= files, files
    assert sum(len(c) for _, _, c in RUN) >= 20, RUN
    # a manual command is left out, the rest of its block stays
    readme = [c for f, _, cmds in ALL if f == "README.md" for c in cmds]
    assert "wisctl info" in " ".join(readme) and "scripts/run.sh" not in " ".join(readme)


@pytest.fixture(scope="module")
def world():
    tmp = tempfile.TemporaryDirectory(prefix="wisrpc-docs-")
    work = os.path.join(tmp.name, "work")
    os.makedirs(work)
    for e in os.listdir(SOURCE):
        if e not in ("build", ".git"):
            os.symlink(os.path.join(SOURCE, e), os.path.join(work, e))
    os.symlink(BUILD, os.path.join(work, "build"))
    # build/run: this build too (removed at the end)
    run_link = os.path.join(BUILD, "run")
    made_run = not os.path.lexists(run_link)
    if made_run:
        os.symlink(".", run_link)
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
    if os.environ.get("WISRPC_DOC_PRELOAD"):
        # a sanitizer build (tests/ops/meson.build)
        envv.update(LD_PRELOAD=os.environ["WISRPC_DOC_PRELOAD"], ASAN_OPTIONS="detect_leaks=0")
    yield work, envv, wisd
    stop.set()
    t.join()
    if made_run:
        os.unlink(run_link)
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


def run_script(script, work, envv):
    p = subprocess.Popen(["bash", "-c", "set -e -o pipefail\n" + script], cwd=work, env=envv,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    stop = threading.Event()
    interrupted = []

    def ctrl_c():
        # Ctrl-C for each program that has run for RUN_FOR seconds
        # ... while nothing else is at work: a background simulator waits
        # for the python that uses it, a watch's pipe reader (jq) for it.
        seen = {}
        while not stop.wait(0.2):
            now = time.monotonic()
            members = group_members(p.pid)
            if any(c not in CTRL_C and c not in WAITING for _, c in members):
                continue
            for pid, comm in members:
                if comm not in CTRL_C or pid in interrupted:
                    continue
                seen.setdefault(pid, now)
                if now - seen[pid] >= RUN_FOR:
                    try:
                        os.kill(pid, signal.SIGINT)
                        interrupted.append(pid)
                    except OSError:
                        pass
    t = threading.Thread(target=ctrl_c, daemon=True)
    t.start()
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        raise AssertionError("still running after 120 s:\n%s\n%s%s" % (script, out, err))
    finally:
        stop.set()
        t.join()
    return p.returncode, out, err, bool(interrupted)


@pytest.mark.parametrize("where,line,cmds", RUN, ids=["%s:%d" % (a[0], a[1]) for a in RUN])
def test_doc_block(world, where, line, cmds):
    work, envv, wisd = world
    script = "\n".join(cmds)
    rc, out, err, interrupted = run_script(script, work, envv)
    ok = rc in INTERRUPTED_OK if interrupted else rc == 0
    assert ok, "%s:%d:\n%s\nexit %s%s\nstdout: %s\nstderr: %s" % (
        where, line, script, rc, " (after Ctrl-C)" if interrupted else "", out, err)
    # What some examples promise beyond their exit status.
    if "gpio.watch" in script and "socat" in script:
        assert '"method":"gpio.edge"' in out and '"pin":"SW1"' in out, out
    if "gpio.get" in script and "socat" in script:
        assert out.startswith('{"jsonrpc":"2.0","result":{"IO1":'), out
    if "wisctl adc read AIN0" in script:
        assert re.search(r"^AIN0=16[45]\dmV$", out, re.M), out
    if "wisctl gpio watch SW1" in script:
        assert re.search(r"^SW1=[01] (rising|falling) \d{4}-", out, re.M), out
    if "&& echo pressed" in script:
        assert re.search(r"^pressed$", out, re.M), out
    if "wisrpc-sim" in script and "--link /tmp/wis0" in script:
        assert "wisrpc-sim ready" in out, out
