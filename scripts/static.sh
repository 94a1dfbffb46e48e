#!/usr/bin/env bash
# Static analysis of the product's C sources (lib/, daemon/, firmware/):
# clang-tidy with the checked-in .clang-tidy and cppcheck with the options
# below and .cppcheck-suppressions.  Zero findings is the pass mark; every
# check left out or finding suppressed says why where it is configured.
# Uses BUILD_DIR's compile_commands.json (the flags each file is built with);
# about a minute on 2 cores.  Run by scripts/test.sh after the gcc build.
# Usage: scripts/static.sh [BUILD_DIR]     (default build/ci)
set -u
cd "$(dirname "$0")/.."
build=${1:-build/ci}
if [ ! -f "$build/compile_commands.json" ]; then
	echo "static: $build/compile_commands.json missing (meson setup $build first)" >&2
	exit 1
fi
for tool in clang-tidy cppcheck; do
	command -v $tool >/dev/null || { echo "static: $tool not installed (scripts/deps.sh)" >&2; exit 1; }
done

# Each product source once (the fuzz and test targets compile some again).
mapfile -t files < <(python3 - "$build" <<'PY'
import json, os, sys
root = os.getcwd()
seen = []
for e in json.load(open(os.path.join(sys.argv[1], "compile_commands.json"))):
    f = os.path.relpath(os.path.normpath(os.path.join(e["directory"], e["file"])), root)
    if f.split("/")[0] in ("lib", "daemon", "firmware") and f not in seen:
        seen.append(f)
print("\n".join(sorted(seen)))
PY
)
[ ${#files[@]} -gt 0 ] || { echo "static: no sources found in $build" >&2; exit 1; }

status=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

printf '%s\n' "${files[@]}" | xargs -P2 -n8 clang-tidy -p "$build" --quiet >"$out" 2>/dev/null
n_tidy=$(grep -cE '(warning|error): ' "$out")
if [ "$n_tidy" -gt 0 ]; then
	grep -E -A3 '(warning|error): ' "$out"
	status=1
fi

# Flow analysis (uninitialised reads, out-of-bounds, leaks, undefined
# shifts) with warning, portability and performance messages; style is
# left to clang-format and review.  System headers are described by
# cppcheck's posix library instead of being parsed.
cppcheck --enable=warning,portability,performance --std=c11 -D_GNU_SOURCE -D__GNUC__ \
	--inline-suppr --quiet -j2 --library=posix --library=scripts/cppcheck-json-c.cfg \
	--suppressions-list=.cppcheck-suppressions \
	-I include -I "$build/include" -I lib/proto -I lib -I lib/json -I daemon \
	-I firmware/core -I firmware/boards/rak4631 -I firmware/drivers -I firmware/sim \
	-DWISD_COMPONENT_LIST= -DWIS_FW_VERSION='"static"' \
	--template='{file}:{line}: {severity}: {message} [{id}]' "${files[@]}" >"$out" 2>&1
n_cpp=$(grep -c ': \(error\|warning\|portability\|performance\|style\|information\): ' "$out")
if [ "$n_cpp" -gt 0 ]; then
	cat "$out"
	status=1
fi
echo "static: ${#files[@]} files; clang-tidy $n_tidy findings, cppcheck $n_cpp findings"
exit $status
