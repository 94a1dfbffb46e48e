#!/usr/bin/env bash
# Builds the Debian packages (debian/) from this tree without touching it:
# the tracked files are copied to build/deb/src, dpkg-buildpackage runs
# there, and the .debs (with .buildinfo, .changes) land in build/deb/.
# Tests are not run (they run in scripts/test.sh's builds) and two jobs
# are used, to keep this fourth compile short.
# Usage: scripts/deb.sh
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
wis_install_deps "${wis_deb_deps[@]}"

out=build/deb
rm -rf "$out"
mkdir -p "$out/src"
# The working tree's version of every tracked file (edits included).
git ls-files -z | while IFS= read -r -d '' f; do
	[ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$out/src"
cd "$out/src"
DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b >../build.log 2>&1 ||
	{ tail -40 ../build.log; echo "dpkg-buildpackage failed: $out/build.log" >&2; exit 1; }
ls ../*.deb
