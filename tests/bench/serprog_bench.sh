#!/usr/bin/env bash
# flashrom through wisd's serprog bridge versus `wisctl flash read`, the
# same 1 MiB from the same simulated IS25LP080D in one run (issue 13's
# figure: wisctl should be >= 1.5x faster).  Not part of CI.
# Usage: tests/bench/serprog_bench.sh [BUILD_DIR]   (default build/ci)
set -eu
B=${1:-build/ci}
T=$(mktemp -d /tmp/wis-serprog-bench.XXXXXX)
port=$((20000 + RANDOM % 20000))
head -c 1048576 /dev/urandom >"$T/img.bin"
"$B/firmware/wisrpc-sim" --link "$T/link" --flash-image "$T/img.bin" --quiet >/dev/null &
sim=$!
sleep 0.3
"$B/daemon/wisd" --device "$T/link" --socket "$T/wisd.sock" --set serprog.enabled=yes \
	--set serprog.listen=127.0.0.1:$port >"$T/wisd.log" 2>&1 &
wisd=$!
trap 'kill $wisd $sim 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do
	"$B/daemon/wisctl" --socket "$T/wisd.sock" ping >/dev/null 2>&1 && break
	sleep 0.1
done
best() { # best of 3 wall-clock seconds of "$@"
	local b=999
	for _ in 1 2 3; do
		local s e
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s.%N)
		b=$(awk -v s="$s" -v e="$e" -v b="$b" 'BEGIN { d = e - s; print (d < b) ? d : b }')
	done
	echo "$b"
}
fr=$(best flashrom -p serprog:ip=127.0.0.1:$port -r "$T/fr.bin")
wc=$(best "$B/daemon/wisctl" --socket "$T/wisd.sock" flash read 0 1M -o "$T/wc.bin")
cmp -s "$T/fr.bin" "$T/img.bin" || { echo "flashrom read differs" >&2; exit 1; }
cmp -s "$T/wc.bin" "$T/img.bin" || { echo "wisctl read differs" >&2; exit 1; }
printf '%-44s %8s\n' "1 MiB read, best of 3" "seconds"
printf '%-44s %8.3f\n' "flashrom -p serprog (through wisd)" "$fr"
printf '%-44s %8.3f\n' "wisctl flash read (through wisd)" "$wc"
printf '%-44s %8.2fx (target >= 1.5x)\n' "wisctl speed-up" "$(awk -v a="$fr" -v b="$wc" 'BEGIN { print a / b }')"
