#!/usr/bin/env bash
# Installs every package Berth needs to build, test and benchmark, from Debian's
# archive only. Idempotent: a second run installs nothing and exits quickly.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries (see third_party/README.md for why each is here)
  libabsl-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libseccomp-dev libcap-dev libarchive-dev libssl-dev nettle-dev libsqlite3-dev libre2-dev libcurl4-openssl-dev libboost-dev zlib1g-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # tests
  catch2 busybox-static iproute2 procps util-linux docker-registry
  # comparisons: other OCI runtimes and containerd, driven by tests and bench/
  runc crun containerd skopeo umoci
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
