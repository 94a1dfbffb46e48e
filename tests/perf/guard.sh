#!/usr/bin/env bash
# The instruction-count regression guard (meson suite 'perf'): counts every
# hot path with tests/perf/measure.sh and fails when one is above its
# budget in tests/perf/budget.txt (the count measured when it was set,
# plus 10 %).  Not a timed test: the counts do not depend on machine load.
# Usage: guard.sh BUILD_DIR BUDGET_FILE measure|skip
#   skip: meson says this build's counts are not comparable (not gcc
#   debugoptimized, or a sanitizer, which valgrind cannot run): exit 77.
set -u
b=${1:?usage: guard.sh BUILD_DIR BUDGET_FILE measure|skip}
budget=${2:?budget file}
if [ "${3:-measure}" = skip ]; then
	echo "perf guard: counts are budgeted for the gcc debugoptimized build without sanitizers only; skipped"
	exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$(MEASURE_N1=300 MEASURE_N2=1300 "$here/measure.sh" "$b") || { echo "perf guard: measuring failed"; exit 1; }
status=0
printf '%-15s %9s %9s  %s\n' path count budget verdict
while read -r name count _; do
	limit=$(awk -v n="$name" '$1 == n && !/^#/ { print $2 }' "$budget")
	if [ -z "$limit" ]; then
		printf '%-15s %9s %9s  %s\n' "$name" "$count" - "no budget"
		status=1
	elif [ "$count" -gt "$limit" ]; then
		printf '%-15s %9s %9s  %s\n' "$name" "$count" "$limit" "OVER BUDGET"
		status=1
	else
		printf '%-15s %9s %9s  %s\n' "$name" "$count" "$limit" ok
	fi
done <<<"$out"
[ $status -eq 0 ] || echo "perf guard: a hot path costs more than its budget (tests/perf/budget.txt; docs/benchmarks.md says how budgets are set)"
exit $status
