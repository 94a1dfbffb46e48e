#!/usr/bin/env bash
# Instructions per operation on each hot path, counted by valgrind's
# callgrind: the figure that does not depend on how busy the machine is.
# Each is the difference between a run of N1 and one of N2 operations,
# divided by N2 - N1, so start-up (and the HELLO exchange) cancels out.
# Prints one line per path: NAME COUNT DESCRIPTION.
#   codec          encode + deframe of a GPIO_WRITE request frame (hotpaths)
#   fw-gpio-write  a GPIO_WRITE through the firmware core (hotpaths), without
#                  the simulated pin model behind its HAL hook
#   radio-rx-json  a RADIO_RX event frame to wisd's JSON notification (hotpaths)
#   library        user-space instructions inside wis_call() per synchronous PING
#   device         the firmware core (wisfw_core_rx) per PING, in wisrpc-sim
#   wisd           the whole wisd process per system.ping (one client, 8 in flight)
#   wisctl         one whole `wisctl gpio get IO1` process through wisd, start
#                  to exit (the dynamic loader's work included: not a difference)
#   flash-read-lib inside wis_flash_read() per KiB of a (streamed) flash read
#   flash-read-dev the whole wisrpc-sim process per KiB of that read (the core,
#                  the SPI NOR driver and the chip model, CRC, COBS, the link)
# Usage: tests/perf/measure.sh BUILD_DIR [PATH...]   (default: every path)
#        MEASURE_N1, MEASURE_N2: the two run lengths (default 1000 and 3000)
set -eu
b=$(cd "${1:?usage: measure.sh BUILD_DIR [PATH...]}" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(codec fw-gpio-write radio-rx-json library device wisd wisctl flash-read-lib
    flash-read-dev)
n1=${MEASURE_N1:-1000} n2=${MEASURE_N2:-3000} # the guard uses fewer: same counts, less time
k1=64 k2=320 # KiB of the flash read paths
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
per_op() { echo $(( ($(collected "$2") - $(collected "$1")) / (n2 - n1) )); }
stop_last() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; }

# Inclusive count of the function FILE:FN in a callgrind output (0 if absent).
inclusive() {
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
	    awk -v f="$2 [" 'index($0, f) && !/=>/ { gsub(",", "", $1); print $1; exit }' |
	    grep . || echo 0
}

hotpath() { # hotpath PATH DESCRIPTION [FILE:FN to leave out]
	local fn=hp_${1//-/_} c=()
	for n in $n1 $n2; do
		valgrind --tool=callgrind --callgrind-out-file="$tmp/$1.$n" --toggle-collect="$fn" \
		    "$b/tests/perf/hotpaths" "$1" $n 2>"$tmp/$1.$n.err" ||
		    { cat "$tmp/$1.$n.err" >&2; exit 1; }
		local total; total=$(collected "$tmp/$1.$n.err")
		[ -z "${3:-}" ] || total=$((total - $(inclusive "$tmp/$1.$n" "$3")))
		c+=("$total")
	done
	echo "$1 $(( (c[1] - c[0]) / (n2 - n1) )) $2"
}

for p in "${paths[@]}"; do
	case $p in
	codec) hotpath codec "instr per encode + deframe of a GPIO_WRITE frame" ;;
	# The simulated pin model behind the HAL's write hook is not the core.
	fw-gpio-write) hotpath fw-gpio-write "instr per GPIO_WRITE in the firmware core" simhal.c:h_write ;;
	radio-rx-json) hotpath radio-rx-json "instr per RADIO_RX event frame to JSON notification" ;;
	library)
		[ -e "$tmp/sim" ] || start_sim "$tmp/sim"
		for n in $n1 $n2; do
			valgrind --tool=callgrind --callgrind-out-file="$tmp/lib.$n" --toggle-collect=wis_call \
			    "$b/tests/bench/wis_pings" "$tmp/sim" $n 2>"$tmp/lib.$n.err"
		done
		echo "library $(per_op "$tmp/lib.$n1.err" "$tmp/lib.$n2.err") instr per wis_call() PING"
		;;
	device)
		for n in $n1 $n2; do
			rm -f "$tmp/vsim"
			start_sim "$tmp/vsim" valgrind --tool=callgrind --callgrind-out-file="$tmp/dev.$n" \
			    --toggle-collect=wisfw_core_rx --log-file="$tmp/dev.$n.err"
			"$b/tests/bench/wis_pings" "$tmp/vsim" $n
			stop_last
		done
		echo "device $(per_op "$tmp/dev.$n1.err" "$tmp/dev.$n2.err") instr per PING in the firmware core"
		;;
	wisd)
		[ -e "$tmp/sim" ] || start_sim "$tmp/sim"
		for n in $n1 $n2; do
			rm -f "$tmp/wisd.sock"
			valgrind --tool=callgrind --callgrind-out-file="$tmp/wisd.$n" --log-file="$tmp/wisd.$n.err" \
			    "$b/daemon/wisd" -d "$tmp/sim" -s "$tmp/wisd.sock" -l error &
			pids+=($!)
			python3 "$here/../bench/wisd_pings.py" "$tmp/wisd.sock" $n
			stop_last
		done
		echo "wisd $(per_op "$tmp/wisd.$n1.err" "$tmp/wisd.$n2.err") instr per system.ping request"
		;;
	wisctl)
		[ -e "$tmp/sim" ] || start_sim "$tmp/sim"
		"$b/daemon/wisd" -d "$tmp/sim" -s "$tmp/ctl.sock" -l error &
		pids+=($!)
		python3 "$here/../bench/wisd_pings.py" "$tmp/ctl.sock" 1 # up and at its module
		# In an empty environment: a whole process is counted, not a
		# difference, and its start scans the environment (meson test's
		# MALLOC_PERTURB_ also fills every block malloc hands out; CI's
		# longer environment was 4 k more).
		env -i "$(command -v valgrind)" --tool=callgrind --callgrind-out-file="$tmp/ctl" \
		    --log-file="$tmp/ctl.err" "$b/daemon/wisctl" --socket "$tmp/ctl.sock" gpio get IO1 >/dev/null
		stop_last
		# Linked fully statically where glibc's libc.a is there (lib/meson.build);
		# a dynamic one (with an interpreter) has its own budget.
		name=wisctl
		readelf -l "$b/daemon/wisctl" | grep -q INTERP && name=wisctl-dynamic
		echo "$name $(collected "$tmp/ctl.err") instr per wisctl gpio get process, start to exit"
		;;
	# Per KiB: flash_bench --read reads K1, then K2 KiB three times each
	# (best of three); the flash model starts erased.
	flash-read-lib)
		[ -e "$tmp/sim" ] || start_sim "$tmp/sim"
		for k in $k1 $k2; do
			valgrind --tool=callgrind --callgrind-out-file="$tmp/fl.$k" \
			    --toggle-collect=wis_flash_read --log-file="$tmp/fl.$k.err" \
			    "$b/tests/bench/flash_bench" --read "$tmp/sim" $k >/dev/null
		done
		echo "flash-read-lib $(( ($(collected "$tmp/fl.$k2.err") - $(collected "$tmp/fl.$k1.err")) / (3 * (k2 - k1)) )) instr per KiB in wis_flash_read()"
		;;
	# The simulator's side: what its core's output (wisfw_flush: the store
	# read, framing, CRC, COBS into the link buffer) costs per KiB.  Not the
	# whole process: its poll loop turns once per pty write the reader makes
	# room for, which a loaded machine multiplies (6.2 k per KiB once in CI
	# against 3.4 k idle).
	flash-read-dev)
		for k in $k1 $k2; do
			rm -f "$tmp/fsim"
			start_sim "$tmp/fsim" valgrind --tool=callgrind --callgrind-out-file="$tmp/fd.$k" \
			    --toggle-collect=wisfw_flush --log-file="$tmp/fd.$k.err"
			"$b/tests/bench/flash_bench" --read "$tmp/fsim" $k >/dev/null
			stop_last
		done
		echo "flash-read-dev $(( ($(collected "$tmp/fd.$k2.err") - $(collected "$tmp/fd.$k1.err")) / (3 * (k2 - k1)) )) instr per KiB read, the simulator's core output"
		;;
	*) echo "measure.sh: unknown path $p" >&2; exit 2 ;;
	esac
done
