"""Fixtures of the Python suite: simulators (on one radio medium), wisd on
one of them, and opened devices of both APIs.  Processes are started on
private paths under a temp dir and killed by pid (the daemon suite's
harness, tests/daemon/wisdtest.py)."""
import os
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))

import wisdtest  # noqa: E402
import wisrpc  # noqa: E402

SIM_ARGS = ["--wire", "IO1:IO2", "--adc", "AIN0=1650", "--flash-fast"]


class Lab:
    """Two simulators on one medium: `direct` (opened with wisrpc.open) and
    `served` (behind wisd), plus wisd."""

    def __init__(self):
        self.tmpdir = tempfile.TemporaryDirectory(prefix="wisrpc-py-")
        tmp = self.tmpdir.name
        medium = ["--medium", os.path.join(tmp, "medium")]
        self.procs = []
        self.direct = wisdtest.Sim(tmp, SIM_ARGS + medium, link=os.path.join(tmp, "d.tty"),
                                   control=os.path.join(tmp, "d.ctl"))
        self.procs.append(self.direct)
        self.served = wisdtest.Sim(tmp, SIM_ARGS + medium, link=os.path.join(tmp, "s.tty"),
                                   control=os.path.join(tmp, "s.ctl"))
        self.procs.append(self.served)
        # a third module on the medium, free for examples that open two
        self.served2 = wisdtest.Sim(tmp, SIM_ARGS + medium, link=os.path.join(tmp, "t.tty"),
                                    control=os.path.join(tmp, "t.ctl"))
        self.procs.append(self.served2)
        # The radio tests send more than EU868's duty cycle allows in a second.
        self.wisd = wisdtest.Wisd(tmp, self.served.link, ("--set", "radio_region=lab"))
        self.sock = self.wisd.sock
        self.tmp = tmp

    def close(self):
        try:
            assert self.wisd.stop() == 0
        finally:
            for p in self.procs:
                p.kill()
            self.tmpdir.cleanup()


@pytest.fixture(scope="module")
def lab():
    lab = Lab()
    yield lab
    lab.close()


@pytest.fixture(params=["direct", "wisd"])
def dev(request, lab):
    """The same test against both APIs."""
    d = wisrpc.open(lab.direct.link) if request.param == "direct" else \
        wisrpc.connect(lab.sock, timeout=20)
    yield d
    d.close()
