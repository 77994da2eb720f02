#!/usr/bin/env bash
# Configures and builds one build mode: release (default, build/), sanitize (build-asan/,
# ASan+UBSan, unit tests only), fuzz (build-fuzz/, clang libFuzzer targets).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-release}
jobs=${JOBS:-$(nproc)}
case "$mode" in
  release)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build -j "$jobs" ;;
  sanitize)
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVS_SANITIZE=ON \
      -DVS_BUILD_BENCH=OFF >/dev/null
    cmake --build build-asan -j "$jobs" ;;
  *) echo "usage: scripts/build.sh [release|sanitize]" >&2; exit 2 ;;
esac
