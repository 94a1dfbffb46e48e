#!/usr/bin/env bash
# Instructions per call on the hot paths, counted by valgrind's callgrind:
# the figure that does not depend on how busy the machine is.  Each is the
# difference between a run of N1 and one of N2 calls, divided by N2 - N1,
# so start-up and the HELLO exchange cancel out.
#   library: user-space instructions inside wis_call() per synchronous PING
#   device:  instructions of the firmware core (wisfw_core_rx) per PING
#   wisd:    instructions of the whole wisd process per system.ping request
#            (one client, 8 requests in flight)
# Usage: tests/bench/instructions.sh BUILD_DIR   (e.g. build/bench)
set -eu
b=$(cd "${1:?usage: instructions.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
n1=1000 n2=3000
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

start_sim() { # start_sim LINK [valgrind args...]: waits for the pty link
	local link=$1; shift
	"$@" "$b/firmware/wisrpc-sim" --link "$link" --quiet >/dev/null 2>>"$tmp/sim.err" &
	pids+=($!)
	for _ in $(seq 100); do [ -e "$link" ] && return 0; sleep 0.1; done
	echo "wisrpc-sim did not start" >&2; return 1
}
collected() { sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$1"; }
per_call() { echo $(( ($2 - $1) / (n2 - n1) )); }

# library
start_sim "$tmp/sim"
for n in $n1 $n2; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/lib.$n" --toggle-collect=wis_call \
	    "$b/tests/bench/wis_pings" "$tmp/sim" $n 2>"$tmp/lib.$n.err"
done
echo "library  $(per_call "$(collected "$tmp/lib.$n1.err")" "$(collected "$tmp/lib.$n2.err")") instructions per wis_call() PING"

# device
for n in $n1 $n2; do
	rm -f "$tmp/vsim"
	start_sim "$tmp/vsim" valgrind --tool=callgrind --callgrind-out-file="$tmp/dev.$n" \
	    --toggle-collect=wisfw_core_rx --log-file="$tmp/dev.$n.err"
	sleep 1
	"$b/tests/bench/wis_pings" "$tmp/vsim" $n
	kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done
echo "device   $(per_call "$(collected "$tmp/dev.$n1.err")" "$(collected "$tmp/dev.$n2.err")") instructions per PING in the firmware core"

# wisd
for n in $n1 $n2; do
	rm -f "$tmp/wisd.sock"
	valgrind --tool=callgrind --callgrind-out-file="$tmp/wisd.$n" --log-file="$tmp/wisd.$n.err" \
	    "$b/daemon/wisd" -d "$tmp/sim" -s "$tmp/wisd.sock" -l error &
	pids+=($!)
	python3 "$here/wisd_pings.py" "$tmp/wisd.sock" $n
	kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done
echo "wisd     $(per_call "$(collected "$tmp/wisd.$n1.err")" "$(collected "$tmp/wisd.$n2.err")") instructions per system.ping request"
