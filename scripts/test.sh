#!/usr/bin/env bash
# Runs every test: installs missing Debian packages, builds the RAK4631
# image (arm-none-eabi cross build), then builds three times with
# warnings as errors (gcc; gcc with ASan+UBSan; clang, whose build also has
# the libFuzzer targets) and runs the whole meson test suite in the gcc
# builds (the valgrind suite in the first) and the unit, firmware,
# integration and fuzz suites in the clang one, then builds and checks the
# Debian packages (scripts/deb.sh, tests/ops/deb_check.sh).  The soak suite
# (about a minute of load with faults) runs in the first gcc build only,
# and the static analysis (scripts/static.sh: clang-tidy, cppcheck) on its
# compile_commands.json.  Ends with one line "N passed, N failed".
# Usage: scripts/test.sh [meson test args...]   e.g. --suite unit
#        scripts/test.sh --coverage [meson test args...]
#            instead: one gcc build with -Db_coverage=true, every suite but
#            valgrind and fuzz's libFuzzer runs, then line and branch
#            coverage per directory (gcovr) and an HTML report in
#            build/coverage/coverage/index.html.  Not part of CI.
set -u
cd "$(dirname "$0")/.."
. scripts/deps.sh

coverage=0
if [ "${1:-}" = "--coverage" ]; then
	coverage=1
	shift
fi
extra_deps=(clang libclang-rt-14-dev "${wis_deb_deps[@]}")
[ $coverage -eq 1 ] && extra_deps=(gcovr)
wis_install_deps "${extra_deps[@]}" || { echo "could not install dependencies" >&2; exit 1; }

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

passed=0
failed=0
status=0

# run_suite BUILD_DIR SETUP_ARGS... -- TEST_ARGS...   (CC from the caller's environment)
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

if [ $coverage -eq 1 ]; then
	# Coverage counts what the tests run, so every suite runs except the
	# valgrind one (the same tests again, slower) and the benchmarks.
	[ $# -gt 0 ] || set -- --no-suite valgrind --no-suite bench
	# A fresh build: counts of an earlier run would add up with this one's,
	# and notes of targets since removed or changed make gcovr fail.
	rm -rf build/coverage
	# Atomic counters: threads (the library, wisd) otherwise leave negative
	# counts that gcovr refuses.
	CC=gcc run_suite build/coverage -Db_coverage=true -Dbuildtype=debug -Dc_args=-fprofile-update=atomic -- "$@"
	echo
	# Per directory; the tests, examples, bindings and benchmarks are left
	# out: they are what measures, not what is measured.
	mkdir -p build/coverage/coverage
	gcovr -r . build/coverage --exclude-throw-branches \
		--exclude 'tests/' --exclude 'examples/' --exclude 'bindings/' \
		--exclude 'daemon/bench/' --exclude 'build/' \
		--html-details build/coverage/coverage/index.html \
		--json-summary build/coverage/coverage.json >/dev/null ||
		{ echo "gcovr failed"; exit 1; }
	python3 scripts/coverage_dirs.py build/coverage/coverage.json || status=1
	echo "HTML report: build/coverage/coverage/index.html"
	echo
	echo "$passed passed, $failed failed"
	exit $status
fi

# The RAK4631 image (cross build, warnings as errors): its size report, the
# vector table and budgets, and the UF2 file block by block (suite image).
run_suite build/fw --cross-file cross/arm-none-eabi.txt --werror -Dbuildtype=minsize -- --suite image --verbose
CC=gcc run_suite build/ci --werror -Dbuildtype=debugoptimized -- "$@"
if [ $# -eq 0 ]; then
	if scripts/static.sh build/ci; then
		passed=$((passed + 1))
	else
		echo "static analysis: findings (above)"
		failed=$((failed + 1))
		status=1
	fi
fi
# The soak test's load and timing are measured in the optimised build; a
# sanitizer build would only make it slower.
asan_args=("$@")
[ $# -gt 0 ] || asan_args=(--no-suite soak)
CC=gcc run_suite build/asan --werror -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -- "${asan_args[@]}"
# clang -Werror, and the fuzz targets as libFuzzer binaries run for a
# bounded time; the daemon and CLI suites (Python, the same C) are not
# repeated here to keep CI short.
clang_args=("$@")
[ $# -gt 0 ] || clang_args=(--suite unit --suite firmware --suite integration --suite fuzz --no-suite valgrind)
CC=clang run_suite build/clang --werror -Dbuildtype=debugoptimized -Dfuzz=true -- "${clang_args[@]}"

# The Debian packages, a fourth compile (about 2 min: two jobs, no tests),
# in a copy under build/deb: lintian, contents, and the packaged wisd
# answering in a throw-away root (tests/ops/deb_check.sh).  With a suite
# given, only for the ops suite.
if [ $# -eq 0 ] || [[ " $* " == *" ops "* ]]; then
	if scripts/deb.sh >/dev/null && tests/ops/deb_check.sh >/dev/null; then
		echo "debian packages: built, lintian clean, smoke test ok"
		passed=$((passed + 1))
	else
		echo "debian packages: FAILED (build/deb/build.log)"
		failed=$((failed + 1))
		status=1
	fi
fi

echo
echo "$passed passed, $failed failed"
exit $status
