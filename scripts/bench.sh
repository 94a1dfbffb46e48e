#!/usr/bin/env bash
# Runs every benchmark (tests/bench/*, daemon/bench/*) and the callgrind
# instruction counts (tests/perf/measure.sh), and prints ONE table: each
# figure beside the baseline measured in the same run (raw pty echo, the
# direct library, `true`) and its target.  Not part of CI: times on shared
# machines move with their load; the instruction counts do not.
# Usage: scripts/bench.sh [BUILD_DIR] [--quick]
#   BUILD_DIR: a gcc debugoptimized build (default build/bench, set up and
#   built if missing).  --quick: fewer round trips and shorter runs.
# Starts its own simulators and wisd under a temp dir; kills only those.
set -eu
cd "$(dirname "$0")/.."
b=build/bench
quick=0
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	*) b=$a ;;
	esac
done
if [ ! -f "$b/build.ninja" ]; then
	meson setup "$b" -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$b" >/dev/null
b=$(cd "$b" && pwd)
sim=$b/firmware/wisrpc-sim
trips=20000 secs=3 runs=300 pings=20000
[ $quick -eq 0 ] || { trips=5000; secs=1; runs=60; pings=4000; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
say() { echo "bench: $*" >&2; }
num() { sed -n "$1" "$2" | head -1; } # num SED_EXPR FILE: the first match
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
meets() { # meets VALUE OP LIMIT: yes/no
	awk -v v="$1" -v l="$3" -v op="$2" \
	    'BEGIN { if (v == "" || v == "-") { print "-"; exit }
	             ok = op == "<=" ? v + 0 <= l + 0 : v + 0 >= l + 0; print ok ? "yes" : "**no**" }'
}

say "library round trips and rates (tests/bench/wis_bench, $trips round trips)"
"$b/tests/bench/wis_bench" "$sim" "$trips" >"$tmp/wis_bench.txt"
echo_p50=$(num 's/.*raw pty echo.*p50 *\([0-9.]*\) us.*/\1/p' "$tmp/wis_bench.txt")
echo_p99=$(num 's/.*raw pty echo.*p99 *\([0-9.]*\) us.*/\1/p' "$tmp/wis_bench.txt")
lib_p50=$(num 's/.*libwisrpc -> wisrpc-sim.*p50 *\([0-9.]*\) us.*/\1/p' "$tmp/wis_bench.txt")
lib_p99=$(num 's/.*libwisrpc -> wisrpc-sim.*p99 *\([0-9.]*\) us.*/\1/p' "$tmp/wis_bench.txt")
lib_one=$(num 's/.*one at a time (sync) *\([0-9]*\) calls.*/\1/p' "$tmp/wis_bench.txt")
lib_pipe=$(num 's/.*pipelined (async, window 16) *\([0-9]*\) calls.*/\1/p' "$tmp/wis_bench.txt")
lib_cpu=$(num 's/.*pipelined CPU per call: this process \([0-9.]*\) us, simulator \([0-9.]*\) us.*/\1 \/ \2/p' \
    "$tmp/wis_bench.txt")

say "wisd latency, memory, throughput (daemon/bench/wisd_bench, ${secs} s per run)"
"$b/daemon/wisd_bench" "$sim" "$b/daemon/wisd" "$secs" >"$tmp/wisd_bench.txt"
d_p50=$(num 's/^| direct libwisrpc (wis_ping) | \([0-9.]*\) | \([0-9.]*\) |.*/\1/p' "$tmp/wisd_bench.txt")
w_p50=$(num 's/^| through wisd[^|]*| \([0-9.]*\) | \([0-9.]*\) |.*/\1/p' "$tmp/wisd_bench.txt")
w_p99=$(num 's/^| through wisd[^|]*| \([0-9.]*\) | \([0-9.]*\) |.*/\2/p' "$tmp/wisd_bench.txt")
w_16=$(num 's/^| 16 | \([0-9]*\).*/\1/p' "$tmp/wisd_bench.txt")
w_16_cpu=$(num 's/^| 16 | [0-9]* | \([0-9. /]*\) |.*/\1/p' "$tmp/wisd_bench.txt")
w_64=$(num 's/^| 64 | \([0-9]*\).*/\1/p' "$tmp/wisd_bench.txt")
w_rss=$(num 's/.*(VmHWM): \([0-9]*\) KiB.*/\1/p' "$tmp/wisd_bench.txt")

say "wisctl start to exit, beside true; wisd's writes per answer"
"$sim" --link "$tmp/sim" --quiet >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -e "$tmp/sim" ] && break; sleep 0.1; done
"$b/daemon/wisd" -d "$tmp/sim" -s "$tmp/wisd.sock" -l error &
wisd_pid=$!
pids+=($wisd_pid)
python3 tests/bench/wisd_pings.py "$tmp/wisd.sock" 10 # up and at the module
read -r _ ctl_p50 _ _ true_p50 _ _ _ < <(python3 tests/bench/cli_startup.py \
    "$b/daemon/wisctl" "$tmp/wisd.sock" "$runs")
# Every write-family call wisd makes while one client keeps 8 requests in
# flight: those that carry JSON-RPC lines are the client socket's.
writes=- answers_per_write=-
if command -v strace >/dev/null; then
	strace -qq -f -e trace=write,writev,sendmsg,sendto -s 12 -o "$tmp/strace.txt" -p "$wisd_pid" &
	st=$!
	sleep 0.5
	python3 tests/bench/wisd_pings.py "$tmp/wisd.sock" "$pings"
	kill -INT "$st" 2>/dev/null || true
	wait "$st" 2>/dev/null || true
	writes=$(grep -c '{\\"jsonrpc\\"' "$tmp/strace.txt" || true)
	answers_per_write=$(ratio "$pings" "$writes")
fi

say "radio (tests/bench/radio_bench, radio_wisd_bench.py)"
"$b/tests/bench/radio_bench" "$sim" >"$tmp/radio.txt" 2>&1 || true
radio_p50=$(num 's/^SF7\/BW125.*p50 \([0-9]*\),.*/\1/p' "$tmp/radio.txt")
radio_lib=$(num 's/.*through libwisrpc: \([0-9]*\) packets.*/\1/p' "$tmp/radio.txt")
root=$(pwd)
py=python3 # the one with pytest (wisdtest.py imports it): Debian's
[ ! -x /usr/bin/python3 ] || py=/usr/bin/python3
(cd "$b" && WISD=daemon/wisd WISCTL=daemon/wisctl WISRPC_SIM=firmware/wisrpc-sim \
    "$py" "$root/tests/bench/radio_wisd_bench.py" 100) >"$tmp/radio_wisd.txt" 2>&1 || true
radio_wisd=$(num 's/.*through wisd: \([0-9]*\) packets\/s one at a time.*/\1/p' "$tmp/radio_wisd.txt")

say "instruction counts (tests/perf/measure.sh, callgrind)"
tests/perf/measure.sh "$b" >"$tmp/instr.txt"
instr() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/instr.txt"; }
true_instr=$(env -i "$(command -v valgrind)" --tool=callgrind --callgrind-out-file=/dev/null "$(type -P true)" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p')

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$(gcc -dumpfullversion 2>/dev/null | sed 's/^/gcc /'), build $b"
echo
echo "| figure | measured | baseline, same run | ratio | target | met |"
echo "|---|---|---|---|---|---|"
row() { echo "| $1 | $2 | $3 | $4 | $5 | $6 |"; }
r=$(ratio "$lib_p50" "$echo_p50")
row "libwisrpc PING p50" "$lib_p50 µs" "raw pty echo $echo_p50 µs" "$r" "≤ 2×" "$(meets "$r" '<=' 2)"
r=$(ratio "$lib_p99" "$echo_p99")
row "libwisrpc PING p99 (machine under its load)" "$lib_p99 µs" "raw pty echo $echo_p99 µs" "$r" "≤ 2×" \
    "$(meets "$r" '<=' 2)"
r=$(ratio "$lib_pipe" "$lib_one")
row "libwisrpc pipelined (async, window 16)" "$lib_pipe /s" "one at a time $lib_one /s" "$r" "≥ 5×" \
    "$(meets "$r" '>=' 5)"
add=$(awk -v a="$w_p50" -v b="$d_p50" 'BEGIN { printf "%.1f", a - b }')
row "system.ping through wisd p50 (p99 $w_p99 µs)" "$w_p50 µs" "direct libwisrpc $d_p50 µs" "+$add µs" \
    "≤ +100 µs" "$(meets "$add" '<=' 100)"
r=$(ratio "$w_16" "$lib_pipe")
row "wisd, 16 clients × 8 in flight" "$w_16 /s" "library async $lib_pipe /s" "$r" "≥ 0.85×" \
    "$(meets "$r" '>=' 0.85)"
row "CPU µs per request, 16 clients: clients / wisd / simulator" "$w_16_cpu" \
    "library async: bench / simulator $lib_cpu" "-" "-" "-"
row "wisd, 64 clients × 8 in flight" "$w_64 /s" "library async $lib_pipe /s" "$(ratio "$w_64" "$lib_pipe")" "-" "-"
row "wisd answers per write() to a client (strace, 8 in flight)" "$answers_per_write" \
    "$pings answers, $writes writes" "-" "≥ 1 (one write per client per pass)" "$(meets "$answers_per_write" '>=' 1)"
row "wisd peak RSS" "$w_rss KiB" "-" "-" "≤ 16 MiB" "$(meets "$w_rss" '<=' 16384)"
r=$(ratio "$ctl_p50" "$true_p50")
row "wisctl gpio get IO1, start to exit, p50" "$ctl_p50 ms" "true $true_p50 ms" "$r" "≤ 1.5×" \
    "$(meets "$r" '<=' 1.5)"
row "radio: send → RX event − time on air, SF7 p50" "$radio_p50 µs" "-" "-" "≤ 2000 µs" \
    "$(meets "$radio_p50" '<=' 2000)"
row "radio: SF7/BW500 packets/s, libwisrpc / through wisd" "$radio_lib / $radio_wisd" "air limit 102" "-" "-" "-"
row "instructions: encode + deframe of a frame" "$(instr codec)" "-" "-" "-" "-"
row "instructions: GPIO_WRITE in the firmware core" "$(instr fw-gpio-write)" "-" "-" "-" "-"
row "instructions: PING in the firmware core" "$(instr device)" "-" "-" "-" "-"
row "instructions: libwisrpc per synchronous PING" "$(instr library)" "-" "-" "≤ 2000" \
    "$(meets "$(instr library)" '<=' 2000)"
row "instructions: wisd per JSON request (system.ping)" "$(instr wisd)" "-" "-" "≤ 10000" \
    "$(meets "$(instr wisd)" '<=' 10000)"
row "instructions: RADIO_RX event to JSON notification" "$(instr radio-rx-json)" "-" "-" "-" "-"
row "instructions: one wisctl gpio get process, start to exit" "$(instr wisctl)" "true $true_instr" \
    "$(ratio "$(instr wisctl)" "$true_instr")" "-" "-"
