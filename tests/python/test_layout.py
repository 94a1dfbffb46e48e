"""The ctypes structs of the package against the C headers: every mirrored
struct's size and every field's offset and size, as a C program compiled
against include/wisrpc/ prints them (tests/python/layout.c)."""
import os
import subprocess

from wisrpc import _ffi


def c_layout():
    out = subprocess.run([os.environ["PY_LAYOUT"]], capture_output=True, text=True, check=True)
    res = {}
    for line in out.stdout.splitlines():
        name, off, size = line.split()
        res[name] = (int(off), int(size))
    return res


def test_every_field_matches_the_headers():
    c = c_layout()
    py = _ffi.layout()
    assert set(py) == set(c), "fields only in ctypes: %s; only in C: %s" % (
        sorted(set(py) - set(c)), sorted(set(c) - set(py)))
    bad = {k: (py[k], c[k]) for k in c if py[k] != c[k]}
    assert not bad, "(offset, size) ctypes vs C: %s" % bad


def test_the_check_sees_a_changed_field():
    # The comparison would fail for a struct whose field moved: prove the
    # layouts are not compared by name only.
    c = c_layout()
    assert c["wis_event.u.radio.rssi_dbm"][0] > c["wis_event.u"][0]
    assert c["wis_event"][1] == _ffi.layout()["wis_event"][1]
    assert len([k for k in c if k.startswith("wis_event.")]) >= 30


def test_library_is_the_build_trees():
    assert _ffi.find_library() == os.environ["WISRPC_LIB"]
    assert _ffi.lib().wis_version().decode() == "0.1.0"
