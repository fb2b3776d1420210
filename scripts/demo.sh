#!/usr/bin/env bash
# The main job: installs the dependencies, builds, makes a busybox bundle
# with the project's test-image tool and runs it with berth-runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(scripts/build.sh | tail -n 1)

work=$(mktemp -d /tmp/berth-demo-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$build_dir"/tests/testimage/berth-testimage bundle "$work/bundle" \
  --args "sh -c 'echo hello from a berth container; uname -n; id; ls /'"
"$build_dir"/runtime/berth-runtime --root "$work/state" run --bundle "$work/bundle" "demo-$$"
