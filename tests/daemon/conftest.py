"""pytest fixtures for the daemon suite (see wisdtest.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wisdtest import env  # noqa: E402,F401
