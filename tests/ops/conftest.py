"""pytest fixtures for the ops suite: the daemon suite's harness (a simulator
with IO1 wired to IO2, and wisd on it)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))

from wisdtest import env  # noqa: E402,F401
