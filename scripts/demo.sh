#!/usr/bin/env bash
# The main job: installs the dependencies, builds, starts berth-containerd
# (which starts a berth-shim per container, which drives berth-runtime) in a
# scratch directory, and runs a busybox container through it with berth-ctr;
# then starts berthd (which starts its own berth-containerd), loads busybox
# and runs it through the Engine API with the berth CLI (and with the docker
# CLI too, where it is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(scripts/build.sh | tail -n 1)

work=$(mktemp -d /tmp/berth-demo-XXXXXX)
daemon=
engine=
cleanup() {
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  if [ -n "$engine" ]; then kill "$engine" 2>/dev/null || true; wait "$engine" 2>/dev/null || true; fi
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

echo "{}" >"$work/daemon.json"
"$build_dir"/engined/berthd -H "unix://$work/berth.sock" --data-root "$work/engine" \
  --exec-root "$work/engine-run" --config-file "$work/daemon.json" 2>"$work/berthd.log" &
engine=$!
for _ in $(seq 200); do [ -S "$work/berth.sock" ] && break; sleep 0.05; done
berth=("$build_dir"/cli/berth -H "unix://$work/berth.sock")
"$build_dir"/tests/testimage/berth-testimage docker-archive "$work/busybox.tar" --tag busybox:latest >/dev/null
"${berth[@]}" load -i "$work/busybox.tar"
"${berth[@]}" run --rm --network none busybox sh -c 'echo hello from berthd via the berth CLI; uname -n; id'
docker_cli=$(command -v docker || true)
if [ -n "$docker_cli" ]; then
  DOCKER_HOST="unix://$work/berth.sock" docker run --rm --network none busybox \
    sh -c 'echo and via the docker CLI; uname -n'
fi
