#!/usr/bin/env bash
# Checks the Debian packages scripts/deb.sh built in build/deb: lintian finds
# no error and no warning; each package holds what it promises; and, unpacked
# into a throw-away root (dpkg -x, nothing installed on this machine), the
# packaged wisd starts on the packaged simulator with the packaged config and
# the packaged wisctl gets an answer from it.  Prints "ok" or why not; exit 1
# on failure.  Run by scripts/test.sh.
set -u
cd "$(dirname "$0")/../.."
deb=build/deb
fail() { echo "deb check: $*" >&2; exit 1; }
ls $deb/wisd_*.deb $deb/libwisrpc0_*.deb $deb/libwisrpc-dev_*.deb $deb/wisrpc-sim_*.deb >/dev/null ||
	fail "packages missing in $deb (scripts/deb.sh)"

# lintian: E: and W: tags fail (I: and N: are notes; overrides carry reasons).
tags=$(lintian --tag-display-limit 0 $deb/*.changes 2>&1 | grep -E '^[EW]: ')
[ -z "$tags" ] || fail "lintian: $tags"

# What each package holds.
has() { dpkg-deb -c "$1" 2>/dev/null | grep -c -- "$2" >/dev/null || fail "$(basename "$1") has no $2"; }
w=$(ls $deb/wisd_*.deb)
for f in ./usr/sbin/wisd ./usr/bin/wisctl ./etc/wisd.conf ./lib/systemd/system/wisd.service \
	./lib/udev/rules.d/60-wisrpc.rules ./usr/lib/sysusers.d/wisrpc.conf \
	./usr/share/man/man8/wisd.8 ./usr/share/man/man5/wisd.conf.5 ./usr/share/man/man1/wisctl.1 \
	./usr/share/bash-completion/completions/wisctl; do has "$w" "$f"; done
dpkg-deb -I "$w" conffiles | grep -qx /etc/wisd.conf || fail "/etc/wisd.conf is not a conffile"
dpkg-deb -I "$w" postinst | grep -q "systemd-sysusers wisrpc.conf" || fail "postinst makes no group"
has $deb/wisrpc-sim_*.deb ./usr/bin/wisrpc-sim
has $deb/wisrpc-sim_*.deb ./usr/share/man/man1/wisrpc-sim.1
has $deb/libwisrpc0_*.deb 'libwisrpc.so.0'
has $deb/libwisrpc-dev_*.deb ./usr/include/wisrpc/wisrpc.h
has $deb/libwisrpc-dev_*.deb 'pkgconfig/wisrpc.pc'
has $deb/libwisrpc-dev_*.deb ./usr/share/man/man3/libwisrpc.3
# The unit runs the packaged wisd with the packaged config.
dpkg-deb --fsys-tarfile "$w" | tar -xOf - ./lib/systemd/system/wisd.service |
	grep -qx 'ExecStart=/usr/sbin/wisd --config /etc/wisd.conf --syslog' || fail "unit ExecStart"

# The smoke test, in a throw-away root.
root=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$root"; }
trap cleanup EXIT
for p in $deb/libwisrpc0_*.deb "$w" $deb/wisrpc-sim_*.deb; do dpkg -x "$p" "$root"; done
lib=$(dirname "$(ls "$root"/usr/lib/*/libwisrpc.so.0)")
sock=$root/wisd.sock
# The packaged config as it is, but for the group (wisrpc does not exist
# here: nothing was installed) and the device (no module on a test machine).
LD_LIBRARY_PATH=$lib "$root/usr/sbin/wisd" --config "$root/etc/wisd.conf" --set group= \
	--device sim --socket "$sock" 2>"$root/wisd.log" &
pid=$!
for _ in $(seq 100); do
	out=$(LD_LIBRARY_PATH=$lib "$root/usr/bin/wisctl" --socket "$sock" info 2>/dev/null) && break
	sleep 0.1
done
echo "$out" | grep -q "^board: RAK4631" || fail "wisctl info did not answer: $(cat "$root/wisd.log")"
grep -q "started simulator $root/usr/bin/wisrpc-sim" "$root/wisd.log" ||
	fail "wisd did not run the packaged simulator: $(cat "$root/wisd.log")"
echo ok
