#!/bin/sh
# Example: log the RSSI of received LoRa packets to CSV with wisctl --json
# and jq.  Configures the radio through wisd, listens for COUNT packets (0:
# until Ctrl-C) and appends one line per packet to OUT.csv:
#   time (s since the epoch),rssi_dbm,snr_db,len,freq_hz,sf
#
#   wisd --device /dev/ttyACM0 &          (or --device sim)
#   sh rssi_log.sh [OUT.csv] [COUNT]      (WISD_SOCKET selects the socket; WISCTL the binary)
set -eu
out=${1:-rssi.csv}
count=${2:-0}
wisctl=${WISCTL:-wisctl}
[ -s "$out" ] || echo "time,rssi_dbm,snr_db,len,freq_hz,sf" > "$out"
"$wisctl" radio config --freq 868100000 --sf 7 --bw 125000 > /dev/null
# One JSON object per packet; receive errors (no "len") are skipped.
"$wisctl" --json radio listen --count "$count" |
	jq --unbuffered -r 'select(.len != null) | [.time, .rssi_dbm, .snr_db, .len, .freq_hz, .sf] | @csv' >> "$out"
echo "$(($(wc -l < "$out") - 1)) packets in $out" >&2
