#!/usr/bin/env bash
# The main job: installs the dependencies, builds, starts berth-containerd
# (which starts a berth-shim per container, which drives berth-runtime) in a
# scratch directory, and runs a busybox container through it with berth-ctr.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(scripts/build.sh | tail -n 1)

work=$(mktemp -d /tmp/berth-demo-XXXXXX)
daemon=
cleanup() {
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$build_dir"/tests/testimage/berth-testimage rootfs "$work/rootfs"
"$build_dir"/containerd/berth-containerd --address "$work/containerd.sock" \
  --root "$work/root" --state "$work/state" 2>"$work/containerd.log" &
daemon=$!
for _ in $(seq 100); do [ -S "$work/containerd.sock" ] && break; sleep 0.05; done

ctr=("$build_dir"/containerd/berth-ctr --address "$work/containerd.sock")
"${ctr[@]}" version
"${ctr[@]}" run --rm --rootfs "$work/rootfs" "demo-$$" \
  sh -c 'echo hello from a berth container; uname -n; id; ls /'
