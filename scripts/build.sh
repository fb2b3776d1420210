#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds everything once.
#   scripts/build.sh            -> build/        (RelWithDebInfo)
#   scripts/build.sh --sanitize -> build-asan/   (ASan + UBSan)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=()
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  cmake_args+=(-DBERTH_SANITIZE=ON)
fi

scripts/install-deps.sh >&2
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so clones and worktrees share the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >&2
ninja -C "$build_dir" >&2
echo "$build_dir"
