"""Helpers for the security tests: descriptor and memory counts of wisd,
a wisd with a TCP listener and its token, and clients run as another
user (setpriv, numeric ids: nothing is created on the system)."""
import json
import os
import socket
import subprocess
import sys
import tempfile

from wisdtest import WISD, Setup

NOBODY = 65534  # uid nobody and gid nogroup on Debian


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _sanitized():
    try:
        with open(WISD, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


# An ASan build keeps freed memory in quarantine: its RSS says nothing.
SANITIZED = _sanitized()


def rss_below(pid, mib):
    """wisd's resident memory is below mib MiB (not checked under ASan)."""
    if not SANITIZED:
        kib = rss_kib(pid)
        assert kib < mib * 1024, "wisd RSS %d KiB" % kib


def free_port():
    p = socket.socket()
    p.bind(("127.0.0.1", 0))
    port = p.getsockname()[1]
    p.close()
    return port


def token_file(token="0123456789abcdef0123456789abcdef", mode=0o600):
    fd, path = tempfile.mkstemp(prefix="wisd-token-")
    os.write(fd, (token + "\n").encode())
    os.close(fd)
    os.chmod(path, mode)
    return path


def tcp_setup(extra=(), token="0123456789abcdef0123456789abcdef"):
    """Setup with a TCP listener on a free loopback port (retried if the
    port is taken meanwhile) and a token file; returns (setup, port, token)."""
    path = token_file(token)
    try:
        for attempt in range(3):
            port = free_port()
            try:
                s = Setup(wisd_args=("--tcp", str(port), "--set", "tcp_token_file=" + path,
                                     *extra))
                return s, port, token
            except AssertionError:
                if attempt == 2:
                    raise
    finally:
        os.unlink(path)  # read once at start


def open_to_all(setup):
    """Let other users reach the socket (the test dir is 0700, the socket
    0660): the classes, not the file mode, are under test."""
    os.chmod(setup.tmp, 0o755)
    os.chmod(setup.wisd.sock, 0o666)


_CLIENT = r"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile("rwb")
for line in sys.stdin:
    f.write(line.encode()); f.flush()
    sys.stdout.write(f.readline().decode()); sys.stdout.flush()
"""


def as_user(setup, requests, uid=NOBODY, gid=NOBODY, groups=None):
    """Send requests (dicts, one answer each) from a client running as
    uid/gid with the given supplementary groups; returns the answers."""
    cmd = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid]
    cmd += ["--groups=" + ",".join(map(str, groups))] if groups else ["--clear-groups"]
    cmd += [sys.executable, "-c", _CLIENT, setup.wisd.sock]
    lines = "".join(json.dumps(dict({"jsonrpc": "2.0", "id": i}, **r)) + "\n"
                    for i, r in enumerate(requests))
    p = subprocess.run(cmd, input=lines, capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    return [json.loads(x) for x in p.stdout.splitlines()]
