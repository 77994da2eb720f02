#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, build-fuzz/) if needed and runs every target in tests/fuzz
# for a bounded time each. Usage: scripts/fuzz.sh [seconds-per-target, default 30].
# Seeds come from tests/fuzz/corpus/<name>/ (name = target without _fuzz), a dictionary from
# tests/fuzz/<name>.dict when there is one; new inputs and crash
# artifacts go under build-fuzz/, never into the repository. Exits non-zero if any target fails.
set -euo pipefail

secs=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz

if [[ ! -f $build/build.ninja ]]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DVS_FUZZ=ON -DVS_BUILD_BENCH=OFF
fi

targets=()
for src in "$root"/tests/fuzz/*_fuzz.cpp; do
    targets+=("$(basename "$src" .cpp)")
done
cmake --build "$build" -j2 --target "${targets[@]}"

failed=()
for t in "${targets[@]}"; do
    name=${t%_fuzz}
    work=$build/fuzz-corpus/$name
    artifacts=$build/fuzz-artifacts/$name/
    mkdir -p "$work" "$artifacts"
    seeds=()
    [[ -d $root/tests/fuzz/corpus/$name ]] && seeds+=("$root/tests/fuzz/corpus/$name")
    dict=()
    [[ -f $root/tests/fuzz/$name.dict ]] && dict+=("-dict=$root/tests/fuzz/$name.dict")
    echo "== $t for ${secs}s"
    if ! "$build/bin/$t" -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="$artifacts" "${dict[@]}" "$work" "${seeds[@]}"; then
        failed+=("$t")
    fi
done

if ((${#failed[@]})); then
    echo "fuzz: FAILED: ${failed[*]} (artifacts in $build/fuzz-artifacts/)" >&2
    exit 1
fi
echo "fuzz: all ${#targets[@]} target(s) ran ${secs}s without a crash"
