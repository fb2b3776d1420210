#!/usr/bin/env bash
# Runs the OCI runtime-tools validation suite against one runtime and prints
# TAP totals per program and overall. The suite is built by hand from its
# public sources (see ../shared/CONFORMANCE.md); nothing of it is committed.
#   bench/oci-validation.sh SUITE_DIR RUNTIME_BINARY [OUT_DIR]
set -uo pipefail
suite=${1:?runtime-tools source dir with built validation/*/*.t and runtimetest}
runtime=${2:?runtime binary}
out=${3:-$(mktemp -d /tmp/oci-validation-XXXXXX)}
mkdir -p "$out"
cd "$suite"
total_pass=0 total_fail=0 total_skip=0 total_missing=0
for t in validation/*/*.t; do
  name=$(basename "$t" .t)
  RUNTIME="$runtime" timeout 300 "./$t" >"$out/$name.tap" 2>"$out/$name.err"
  pass=$(grep -cE '^ok [0-9]+( |$)' "$out/$name.tap")
  skip=$(grep -cE '^ok [0-9]+ # SKIP' "$out/$name.tap")
  fail=$(grep -cE '^not ok' "$out/$name.tap")
  pass=$((pass - skip))
  # Only the last plan line counts (programs may print several).
  planned=$(grep -oE '^1\.\.[0-9]+' "$out/$name.tap" | tail -n 1 | cut -d. -f3)
  ran=$((pass + fail + skip))
  # A program that died before its plan: its missing tests are not counted
  # as passed; report them separately.
  missing=0
  if [ -n "$planned" ] && [ "$ran" -lt "$planned" ]; then missing=$((planned - ran)); fi
  printf '%-40s pass %4d fail %3d skip %3d missing %3d\n' "$name" "$pass" "$fail" "$skip" "$missing"
  total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail))
  total_skip=$((total_skip + skip)) total_missing=$((total_missing + missing))
done
printf 'TOTAL %s: %d passed, %d failed (not ok), %d skipped, %d planned but not run (TAP in %s)\n' \
  "$runtime" "$total_pass" "$total_fail" "$total_skip" "$total_missing" "$out"
