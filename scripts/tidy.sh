#!/usr/bin/env bash
# clang-tidy (config: .clang-tidy) over the project's sources, warnings as errors. Needs a
# configured build/ (compile_commands.json): run scripts/build.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/compile_commands.json ] || { echo "tidy: run scripts/build.sh first" >&2; exit 2; }
mapfile -t files < <(git ls-files 'base/*.cpp' 'datapath/*.cpp' 'vswitchd/*.cpp' 'ctl/*.cpp' 'ovsdb/*.cpp' 'openflow/*.cpp' 'vm-runtime/*.cpp')
out=$(printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet \
  --warnings-as-errors='*' 2>/dev/null) || { echo "$out" | grep -E "error:|warning:" -A3; exit 1; }
echo "tidy: ${#files[@]} files clean"
