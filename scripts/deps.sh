#!/usr/bin/env bash
# Installs the Debian packages wisrpc needs to build and test, if any are
# missing.  Sourced by scripts/run.sh and scripts/test.sh.
wis_deps=(gcc pkg-config meson ninja-build libserialport-dev libusb-1.0-0-dev libjson-c-dev
          libuv1-dev libmosquitto-dev python3 python3-pytest valgrind flashrom
          mosquitto mosquitto-clients openssl python3-pip jq
          gcc-arm-none-eabi libnewlib-arm-none-eabi scdoc socat clang-tidy cppcheck)
# For the Debian packages (scripts/deb.sh, scripts/test.sh): the build
# tools and lintian.
wis_deb_deps=(debhelper dpkg-dev fakeroot lintian)

wis_install_deps() {
	local missing=()
	for p in "${wis_deps[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}" >&2
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -q >&2 &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
			"${missing[@]}" >&2
}
