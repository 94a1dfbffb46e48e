#!/usr/bin/env bash
# Instructions per call on the library, device and wisd hot paths, counted
# by valgrind's callgrind (kept for the commands in docs/benchmarks.md;
# tests/perf/measure.sh does the counting, and has the other hot paths).
# Usage: tests/bench/instructions.sh BUILD_DIR   (e.g. build/bench)
set -eu
exec "$(dirname "$0")/../perf/measure.sh" "${1:?usage: instructions.sh BUILD_DIR}" library device wisd
