#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs the Debian packages, builds, runs the unit
# and end-to-end tests (ctest), the unit tests again under ASan+UBSan, a bounded fuzz run of
# every fuzz target, and the clang-format check. Needs root (namespaces, veth, TAP).
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_OUTPUT_ON_FAILURE=1

step() { printf '\n=== %s ===\n' "$*"; }

step "install dependencies"
bash scripts/install-deps.sh

step "format check"
bash scripts/check-format.sh

step "release build"
bash scripts/build.sh release

step "clang-tidy"
bash scripts/tidy.sh

step "unit and end-to-end tests"
(cd build && ctest --output-on-failure --timeout 600)

step "unit tests under ASan+UBSan"
bash scripts/build.sh sanitize
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -L unit --timeout 900)

step "fuzzing (bounded)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"

step "all tests passed"
