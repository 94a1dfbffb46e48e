#!/bin/sh
# meson install script (not run for DESTDIR or package builds): creates the
# wisrpc group from the sysusers.d file just installed, as root with
# systemd-sysusers; otherwise says how.
conf="$1"
if [ "$(id -u)" -eq 0 ] && command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers "$conf" || echo "systemd-sysusers $conf failed: create group wisrpc" >&2
else
	echo "note: group wisrpc is created at the next boot, or now with: sudo systemd-sysusers $conf" >&2
fi
exit 0
