#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs wisd in the
# foreground — on a plugged-in RAK4631 if discovery finds one, otherwise on
# an embedded simulated module (wisrpc-sim with IO1 wired to IO2 and a
# voltage on AIN0, so every command has something to show).
# Usage: scripts/run.sh [extra wisd options...]
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
wis_install_deps

build=build/run
[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release >/dev/null
ninja -C "$build" >/dev/null

if [ -z "${WISD_SOCKET:-}" ]; then
	if [ -w /run ]; then WISD_SOCKET=/run/wisd.sock
	else WISD_SOCKET="${XDG_RUNTIME_DIR:-/tmp}/wisd.sock"; fi
fi
export WISD_SOCKET

if "$build/daemon/wisctl" discover >/dev/null 2>&1; then
	device=auto
	what="the RAK4631 found on USB"
else
	device=sim
	what="an embedded simulated RAK4631 (no module found on USB)"
fi

cat <<MSG
wisd on $what, socket $WISD_SOCKET
In another terminal:
  export WISD_SOCKET=$WISD_SOCKET PATH=\$PWD/$build/daemon:\$PATH
  wisctl info;  wisctl pins;  wisctl gpio set LED1=1;  wisctl adc read AIN0
  wisctl gpio watch SW1          (on the simulator IO1 is wired to IO2: also try
  wisctl gpio watch IO2 &  wisctl gpio set IO1=1;  wisctl gpio set IO1=0)
  wisctl call rpc.discover
Stop with Ctrl-C.
MSG
exec "$build/daemon/wisd" --device "$device" --socket "$WISD_SOCKET" \
	--sim-path "$build/firmware/wisrpc-sim" --sim-args "--wire IO1:IO2 --adc AIN0=1650" "$@"
