#!/usr/bin/env bash
# ember against dlib's DNN, the peer a C++ user would pick instead: the same
# MLP (784-256-256-10 ReLU), data (Fashion-MNIST), batches (128) and optimizers,
# timed over the training epochs only. Builds the dlib peer in build-dlib/ (it
# needs libdlib-dev: scripts/install_deps.sh --dev) and uses ember's
# peer_mlp_ember from an existing ember build folder.
#
#   bench/compare_dlib.sh [ember-build-dir] [runs] [epochs]     defaults: build 3 2
#
# Each (library, optimizer, threads) runs `runs` times, alternating the two
# libraries; the table shows the median samples/s. One-thread runs are pinned
# to one core with taskset (dlib's BLAS would otherwise start its own threads);
# OMP_NUM_THREADS is set for both, since dlib's BLAS is OpenBLAS on OpenMP.
# Both sides run on OpenMP: if another process keeps a core busy, 2-thread runs
# of either collapse (spinning barriers wait for a descheduled thread) — run on
# an idle machine, or compare under OMP_WAIT_POLICY=passive (inherited by both).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ember_build=${1:-$root/build}
runs=${2:-3}
epochs=${3:-2}

cmake -S "$root/bench/peer_dlib" -B "$root/build-dlib" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build-dlib" -j2 >/dev/null
cmake --build "$ember_build" -j2 --target peer_mlp_ember >/dev/null
dlib_bin=$root/build-dlib/mlp_dlib
ember_bin=$ember_build/bench/peer_mlp_ember

# samples/s from the line both programs print: "... = 12345 samples/s, test accuracy 85.10%"
rate() { sed -n 's/.* = \([0-9]*\) samples\/s.*/\1/p'; }
accuracy() { sed -n 's/.*test accuracy \([0-9.]*\)%.*/\1/p'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| optimizer | threads | dlib samples/s | ember samples/s | ember/dlib | dlib test acc | ember test acc |"
echo "|---|---|---:|---:|---:|---:|---:|"
for optimizer in adam sgd; do
  for threads in 1 2; do
    pin=()
    [ "$threads" = 1 ] && pin=(taskset -c 0)
    dlib_rates=() ember_rates=() dlib_acc='' ember_acc=''
    for ((run = 0; run < runs; ++run)); do
      out=$(OMP_NUM_THREADS=$threads "${pin[@]}" "$dlib_bin" --optimizer "$optimizer" --epochs "$epochs")
      echo "  $out" >&2
      dlib_rates+=("$(rate <<<"$out")") dlib_acc=$(accuracy <<<"$out")
      out=$(OMP_NUM_THREADS=$threads "${pin[@]}" "$ember_bin" --optimizer "$optimizer" --threads "$threads" \
        --epochs "$epochs")
      echo "  $out" >&2
      ember_rates+=("$(rate <<<"$out")") ember_acc=$(accuracy <<<"$out")
    done
    d=$(printf '%s\n' "${dlib_rates[@]}" | median)
    e=$(printf '%s\n' "${ember_rates[@]}" | median)
    printf '| %s | %s | %.0f | %.0f | %.2f | %s%% | %s%% |\n' "$optimizer" "$threads" "$d" "$e" \
      "$(awk -v e="$e" -v d="$d" 'BEGIN { print e / d }')" "$dlib_acc" "$ember_acc"
  done
done
