#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang + ASan + UBSan) in build-fuzz/ and
# runs each for N seconds (default 20) over a copy of its seed corpus
# (fuzz/corpus/<target>/), so runs never grow the committed corpus.
# Fails, naming the target and the saved input, if any target finds a crash,
# a sanitizer report, a leak, a timeout, an out-of-memory or a wrong answer.
#   scripts/fuzz.sh [seconds-per-target]      (docs/fuzzing.md)
set -euo pipefail
seconds=${1:-20}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${EMBER_FUZZ_BUILD_DIR:-$root/build-fuzz}"
cxx=$(command -v clang++-14 || command -v clang++ || true)
cc=$(command -v clang-14 || command -v clang || true)
if [[ -z "$cxx" || -z "$cc" ]]; then
  echo "fuzz.sh: clang is needed (scripts/install_deps.sh --ci installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi
start=$SECONDS
cmake -S "$root/fuzz" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$build" -j"$(nproc)"
echo "fuzz.sh: built in $((SECONDS - start)) s"

work=$(mktemp -d "${TMPDIR:-/tmp}/ember-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=()
for corpus in "$root"/fuzz/corpus/*/; do
  target=$(basename "$corpus")
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  cp -r "$corpus". "$work/$target/corpus/"
  echo "== fuzz_$target: ${seconds} s"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: past 2 GB is a finding.
  if ! (cd "$work/$target" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$build/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/$target/artifacts/" -print_final_stats=1 corpus >"$work/$target/log" 2>&1); then
    mkdir -p "$build/findings/$target"
    cp "$work/$target"/artifacts/* "$build/findings/$target/" 2>/dev/null || true
    cp "$work/$target/log" "$build/findings/$target/log"
    grep -E "FUZZ_CHECK|ERROR|runtime error|SUMMARY" "$work/$target/log" | head -n 8 >&2 || true
    echo "fuzz.sh: fuzz_$target FOUND A PROBLEM; input and log in $build/findings/$target/" \
         "(reproduce: $build/fuzz_$target <input>)" >&2
    failed+=("$target")
  else
    grep -E "^stat::number_of_executed_units" "$work/$target/log" | sed "s/^/  /" || true
  fi
done
echo "fuzz.sh: finished in $((SECONDS - start)) s"
if ((${#failed[@]})); then
  echo "fuzz.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no findings"
