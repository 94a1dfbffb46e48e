"""pytest fixtures for the CLI suite: the daemon suite's harness."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))

from wisdtest import Setup  # noqa: E402


@pytest.fixture
def env():
    s = Setup()
    try:
        yield s
    finally:
        s.close()
