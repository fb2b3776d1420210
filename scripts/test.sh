#!/usr/bin/env bash
# Installs the dependencies, builds once, and runs the whole test suite
# (unit + integration, in parallel), then fails if any test left something
# behind (processes, mounts, cgroups, network namespaces, temp dirs).
#   scripts/test.sh [--sanitize] [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

build_args=()
if [ "${1:-}" = "--sanitize" ]; then
  build_args+=(--sanitize)
  shift
fi
build_dir=$(scripts/build.sh "${build_args[@]}" | tail -n 1)

before=$(mktemp)
after=$(mktemp)
trap 'rm -f "$before" "$after"' EXIT
scripts/leak-snapshot.sh >"$before"

status=0
(cd "$build_dir" && ctest --output-on-failure -j "$(nproc)" "$@") || status=$?

scripts/leak-snapshot.sh >"$after"
if ! diff -u "$before" "$after" >/dev/null; then
  echo "test suite leaked resources (- before, + after):" >&2
  diff -u "$before" "$after" | grep '^+[^+]' >&2 || true
  status=1
fi
exit "$status"
