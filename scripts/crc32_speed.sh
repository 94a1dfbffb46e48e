#!/bin/sh
# Speed of the host's CRC-32 (lib/proto/frame.c's wis__crc32) both ways:
# as the library builds it (carry-less-multiply folding where the CPU has
# PCLMULQDQ: crc32_clmul.c) and slicing-by-8 alone (WIS_CRC32_NO_CLMUL).
# Each is compiled at -O2 from the tree, then times calls over 1 MiB (or SIZE
# bytes, about 1 MiB of them a round) and prints the best of ROUNDS rounds as
# MiB/s and ns per KiB: wall-clock figures, so noisy on a busy machine
# (callgrind's counts in tests/perf are the stable ones).
# Usage: scripts/crc32_speed.sh [SIZE [ROUNDS]]   (CC=clang for clang)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
size=${1:-1048576} rounds=${2:-50}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/speed.c" <<'EOF'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crc32_clmul.h"
#include "frame.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	size_t n = strtoul(argv[1], NULL, 0);
	int rounds = atoi(argv[2]);
	uint8_t *buf = malloc(n);
	if (!buf)
		return 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 24);
	/* Short inputs are timed many calls at a time (each call chained to the
	 * last, so none can be left out), about 1 MiB a round. */
	size_t reps = n < 1048576 ? 1048576 / n : 1;
	double best = 1e9;
	uint32_t crc = 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = now();
		for (size_t i = 0; i < reps; i++)
			crc = wis__crc32(crc, buf, n);
		double t = (now() - t0) / (double)reps;
		best = t < best ? t : best;
	}
	printf("%-7s %8.0f MiB/s %8.1f ns/KiB  (crc %08x, best of %d rounds, %zu-byte calls)\n",
	       wis__crc32_method(), (double)n / best / 1048576.0, best * 1e9 * 1024 / (double)n,
	       (unsigned)crc, rounds, n);
	free(buf);
	return 0;
}
EOF
src="$top/lib/proto/frame.c $top/lib/proto/crc32_clmul.c"
for extra in "" -DWIS_CRC32_NO_CLMUL; do
	# shellcheck disable=SC2086 # $src and $extra are word lists
	$cc -O2 -std=c11 -D_GNU_SOURCE -DWIS_CRC32_SLICE8 $extra -I"$top/include" -I"$top/lib/proto" \
	    -o "$tmp/speed" "$tmp/speed.c" $src
	"$tmp/speed" "$size" "$rounds"
done
