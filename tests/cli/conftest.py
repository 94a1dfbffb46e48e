"""pytest fixtures for the CLI suite: the daemon suite's harness."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))

from wisdtest import env  # noqa: E402,F401
