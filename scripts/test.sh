#!/usr/bin/env bash
# Runs every test: installs missing Debian packages, builds twice (warnings
# as errors; then ASan+UBSan) and runs the whole meson test suite in each,
# then the valgrind suite.  Ends with one line "N passed, N failed".
# Usage: scripts/test.sh [meson test args...]   e.g. --suite unit
set -u
cd "$(dirname "$0")/.."
. scripts/deps.sh
wis_install_deps || { echo "could not install dependencies" >&2; exit 1; }

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

passed=0
failed=0
status=0

# run_suite BUILD_DIR SETUP_ARGS... -- TEST_ARGS...
run_suite() {
	local dir=$1; shift
	local setup=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do setup+=("$1"); shift; done
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		local out
		out=$(meson setup "$dir" "${setup[@]}" 2>&1) ||
			{ echo "$out" | tail -20; echo "meson setup failed: $dir"; status=1; failed=$((failed + 1)); return; }
	fi
	ninja -C "$dir" >/dev/null ||
		{ ninja -C "$dir" | tail -40; echo "build failed: $dir"; status=1; failed=$((failed + 1)); return; }
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@"
	local rc=$?
	[ $rc -eq 0 ] || status=1
	local log="$dir/meson-logs/testlog.json"
	if [ -f "$log" ]; then
		local p f
		p=$(grep -c '"result": "OK"' "$log")
		f=$(grep -cE '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log")
		passed=$((passed + p))
		failed=$((failed + f))
	fi
}

run_suite build/ci --werror -Dbuildtype=debugoptimized -- "$@"
run_suite build/asan --werror -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -- "$@"

echo
echo "$passed passed, $failed failed"
exit $status
