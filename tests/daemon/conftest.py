"""pytest fixtures for the daemon and CLI suites (see wisdtest.py)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wisdtest import Setup  # noqa: E402


@pytest.fixture
def env():
    s = Setup()
    try:
        yield s
    finally:
        s.close()
