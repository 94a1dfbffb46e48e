"""wisctl commands made from one row of its command table (delay, emit):
help, usage errors, and the call they make (the module may not have the
diagnostic opcodes yet: then the device's refusal is exit 1, named)."""
import subprocess

from wisdtest import WISCTL, wisctl


def test_rows_help_and_usage(env):
    r = subprocess.run([WISCTL, "--help"], capture_output=True, text=True)
    assert "\n  delay " in r.stdout and "\n  emit " in r.stdout
    r = subprocess.run([WISCTL, "help", "emit"], capture_output=True, text=True)
    assert r.stdout.startswith("usage: wisctl emit COUNT [LEN]\n"), r.stdout
    for cmd in (["delay"], ["emit"]):
        r = subprocess.run([WISCTL, *cmd, "--help"], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.startswith("usage: wisctl " + cmd[0]), r
    for args in (["delay"], ["delay", "1", "2"], ["delay", "1x"], ["emit", "1", "2", "3"],
                 ["emit", "--bogus", "1"], ["emit", "0"], ["delay", "10000001"]):
        r = wisctl(env.wisd.sock, *args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (args, r)
        assert r.stderr.startswith("wisctl " + args[0] + ": "), (args, r.stderr)


def test_rows_call_their_method(env):
    r = wisctl(env.wisd.sock, "--json", "emit", "2", "3")
    if r.returncode == 1:
        assert "not implemented" in r.stderr and r.stderr.count("\n") == 1, r.stderr
        return
    assert r.returncode == 0 and '"first_seq"' in r.stdout, r
    r = wisctl(env.wisd.sock, "--timeout", "200", "delay", "500000")
    assert r.returncode == 0 and r.stdout.startswith("uptime_us"), r
