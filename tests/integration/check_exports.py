#!/usr/bin/env python3
# The shared libwisrpc exports exactly the functions its public headers
# declare: internals (wis_fail, wis_tx_send, ...) would otherwise become
# ABI by accident and could clash with an application's own names.
# The static archive may hold more global symbols (the shared library hides
# them with its version script), but only wis__ internals: a name an
# application or the firmware core could also define would collide.
# Usage: check_exports.py LIBWISRPC.so LIBWISRPC.a HEADER...
import re
import subprocess
import sys

lib, archive, headers = sys.argv[1], sys.argv[2], sys.argv[3:]
declared = set()
for h in headers:
    text = open(h).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
    # static inline helpers are not exported
    text = re.sub(r"static\s+inline[^{;]*\{.*?\n\}", "", text, flags=re.S)
    declared |= set(re.findall(r"\b(wis_\w+)\s*\(", text))
    # exported tables: extern const char *const wis_status_names[];
    declared |= set(re.findall(r"extern\s[^;]*?\b(wis_\w+)\s*\[", text))
out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True,
                     check=True).stdout
exported = {l.split()[-1] for l in out.splitlines() if len(l.split()) >= 3 and l.split()[1] in "TWDBR"}
exported = {s.split("@")[0] for s in exported if not s.startswith("_")}
extra, missing = sorted(exported - declared), sorted(declared - exported)
if extra:
    print("exported but not in the public headers:", " ".join(extra))
if missing:
    print("declared in the public headers but not exported:", " ".join(missing))
print(f"{len(exported)} symbols exported, {len(declared)} declared")
out = subprocess.run(["nm", "-g", "--defined-only", archive], capture_output=True, text=True,
                     check=True).stdout
globals_ = {l.split()[-1] for l in out.splitlines() if len(l.split()) >= 3 and l.split()[1] in "TWDBR"}
# ASan adds an ODR indicator, __odr_asan.NAME, for each global variable.
stray = sorted(s for s in globals_ - declared
               if not s.startswith("wis__") and not s.startswith("__odr_asan."))
if stray:
    print("static archive: global symbols that are neither public nor wis__:", " ".join(stray))
print(f"static archive: {len(globals_)} global symbols")
sys.exit(1 if extra or missing or stray else 0)
