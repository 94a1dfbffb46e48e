"""A PEP 517 build backend for the wisrpc package, standard library only,
so that pip builds the wheel without fetching setuptools (pip's build
isolation would, and the package has no other need of it).

It writes a pure-Python wheel with zipfile: the wisrpc/ sources plus
wisrpc-VERSION.dist-info/ METADATA, WHEEL and RECORD (the wheel format,
PEP 427 and PEP 376).  Name, version and description come from
pyproject.toml's [project] table.
"""
import base64
import hashlib
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "wisrpc"


def _project():
    text = open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8").read()
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]
    meta = {}
    for key in ("name", "version", "description", "requires-python"):
        m = re.search(r'^%s\s*=\s*"([^"]*)"' % re.escape(key), section, re.M)
        if m:
            meta[key] = m.group(1)
    return meta


def _metadata(meta):
    lines = ["Metadata-Version: 2.1", "Name: " + meta["name"], "Version: " + meta["version"],
             "Summary: " + meta.get("description", ""), "License: MIT"]
    if "requires-python" in meta:
        lines.append("Requires-Python: " + meta["requires-python"])
    return ("\n".join(lines) + "\n").encode()


def _wheel_file():
    return b"Wheel-Version: 1.0\nGenerator: wisrpc_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _sources():
    pkg = os.path.join(ROOT, PACKAGE)
    for dirpath, dirnames, filenames in os.walk(pkg):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for fn in sorted(filenames):
            if fn.endswith(".py") or fn == "py.typed":
                full = os.path.join(dirpath, fn)
                yield full, os.path.relpath(full, ROOT).replace(os.sep, "/")


def _digest(data):
    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "sha256=" + h


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    meta = _project()
    info = "%s-%s.dist-info" % (meta["name"], meta["version"])
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    with open(os.path.join(metadata_directory, info, "METADATA"), "wb") as f:
        f.write(_metadata(meta))
    with open(os.path.join(metadata_directory, info, "WHEEL"), "wb") as f:
        f.write(_wheel_file())
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    meta = _project()
    info = "%s-%s.dist-info" % (meta["name"], meta["version"])
    name = "%s-%s-py3-none-any.whl" % (meta["name"], meta["version"])
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w",
                         zipfile.ZIP_DEFLATED) as z:
        def add(arcname, data):
            z.writestr(zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0)), data,
                       zipfile.ZIP_DEFLATED)
            record.append("%s,%s,%d" % (arcname, _digest(data), len(data)))
        for full, arc in _sources():
            with open(full, "rb") as f:
                add(arc, f.read())
        add(info + "/METADATA", _metadata(meta))
        add(info + "/WHEEL", _wheel_file())
        record.append(info + "/RECORD,,")
        z.writestr(zipfile.ZipInfo(info + "/RECORD", date_time=(2020, 1, 1, 0, 0, 0)),
                   "\n".join(record) + "\n", zipfile.ZIP_DEFLATED)
    return name


def build_sdist(sdist_directory, config_settings=None):
    meta = _project()
    base = "%s-%s" % (meta["name"], meta["version"])
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in ["pyproject.toml", "_build/wisrpc_build.py"] + [a for _, a in _sources()]:
            t.add(os.path.join(ROOT, rel), arcname=base + "/" + rel)
        pkg_info = os.path.join(sdist_directory, "PKG-INFO.tmp")
        with open(pkg_info, "wb") as f:
            f.write(_metadata(meta))
        t.add(pkg_info, arcname=base + "/PKG-INFO")
        os.unlink(pkg_info)
    return name
