#!/usr/bin/env bash
# Installs a built mneme under a prefix, the way users run it: bin/mneme without its symbol table
# (the release build keeps symbols: 260+ MB), the benchmark assets in share/mneme/assets (where
# the binary looks beside its bin/), and a man page per command in share/man/man1.
#
# Usage: scripts/install.sh BUILT_BINARY PREFIX   (`make install` passes the release build and
# PREFIX, default ~/.local). Prints the built and the installed binary's sizes.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILT_BINARY PREFIX" >&2
  exit 2
fi
built=$1
prefix=$2
here=$(cd "$(dirname "$0")/.." && pwd)

[ -x "$built" ] || { echo "install: $built is not a built mneme (run \`make build\`)" >&2; exit 1; }
install -d -m 0755 "$prefix/bin" "$prefix/share/mneme" "$prefix/share/man/man1"

# Stripped into a temporary name first, so a running mneme is never overwritten in place.
staged="$prefix/bin/.mneme.partial"
install -m 0755 -s "$built" "$staged"
mv -f "$staged" "$prefix/bin/mneme"

rm -rf "$prefix/share/mneme/assets.partial"
cp -R "$here/assets" "$prefix/share/mneme/assets.partial"
rm -rf "$prefix/share/mneme/assets"
mv "$prefix/share/mneme/assets.partial" "$prefix/share/mneme/assets"

"$prefix/bin/mneme" man --dir "$prefix/share/man/man1" > /dev/null

size() { stat -c %s "$1"; }
echo "installed $prefix/bin/mneme: $(( $(size "$prefix/bin/mneme") / 1048576 )) MB stripped (the build: $(( $(size "$built") / 1048576 )) MB)"
