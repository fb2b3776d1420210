#!/usr/bin/env bash
# Prints what tests could leave behind, one item per line, sorted, so two
# snapshots can be diffed: Berth processes, mounts under temp dirs, cgroups
# named by tests, network namespaces, and the tests' temp directories.
set -u
{
  ps -eo comm= | grep -E '^(berth|berth-)' | sed 's/^/process /' || true
  awk '{print $5}' /proc/self/mountinfo | grep -E '^/tmp/|berth' | sed 's/^/mount /' || true
  find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -name '*berth*' 2>/dev/null | sed 's/^/cgroup /' || true
  ip netns list 2>/dev/null | awk '{print "netns " $1}' || true
  ls -d /tmp/berth-* 2>/dev/null | sed 's/^/tmpdir /' || true
} | sort
