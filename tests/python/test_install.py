"""pip installs bindings/python without network access (the in-tree PEP 517
backend, no build dependencies) and the installed package imports and
works."""
import os
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.normpath(os.path.join(HERE, "..", "..", "bindings", "python"))


def test_pip_install_without_network():
    with tempfile.TemporaryDirectory() as target:
        env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        env.pop("PYTHONPATH", None)
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--no-cache-dir",
                            "--target", target, PKG], capture_output=True, text=True, env=env,
                           timeout=50)
        assert r.returncode == 0, r.stdout + r.stderr
        assert os.path.isfile(os.path.join(target, "wisrpc", "direct.py"))
        assert os.path.isfile(os.path.join(target, "wisrpc-0.1.0.dist-info", "RECORD"))
        code = ("import wisrpc, sys; assert wisrpc.__file__.startswith(sys.argv[1]), "
                "wisrpc.__file__; print(wisrpc.time_on_air_us(10, sf=7))")
        r = subprocess.run([sys.executable, "-c", code, target], capture_output=True, text=True,
                           env=dict(env, PYTHONPATH=target), cwd=target, timeout=20)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "41216"  # SX1261/2 datasheet formula, 10 bytes SF7 125 kHz


def test_wheel_record_is_complete():
    sys.path.insert(0, os.path.join(PKG, "_build"))
    import wisrpc_build
    with tempfile.TemporaryDirectory() as d:
        name = wisrpc_build.build_wheel(d)
        with zipfile.ZipFile(os.path.join(d, name)) as z:
            names = set(z.namelist())
            record = z.read("wisrpc-0.1.0.dist-info/RECORD").decode().split()
    listed = {line.split(",")[0] for line in record}
    assert names == listed
    assert "wisrpc/__init__.py" in names and "wisrpc-0.1.0.dist-info/METADATA" in names
