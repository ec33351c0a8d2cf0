#!/usr/bin/env bash
# Test accuracy of train_mlp's default recipe against PyTorch 1.13 trained the
# same way (scripts/train_torch_reference.py), seed by seed, then the mean and
# standard deviation of each. A development tool: it needs an ember build and
# Debian's python3-torch; neither the build nor CI runs it.
#
#   scripts/compare_accuracy.sh [seeds] [threads] [ember-build-dir]     defaults: 10 1 build
#
# 1 thread by default: a run is then reproducible bit for bit (see
# docs/determinism.md). Each seed takes about 25 s in ember and a minute in PyTorch.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seeds=${1:-10}
threads=${2:-1}
build=${3:-$root/build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The last "NN.NN%" a program prints is its final test accuracy.
final_accuracy() { grep -o '[0-9.]*%' | tail -1 | tr -d '%'; }

echo "| seed | ember | PyTorch 1.13 |"
echo "|---:|---:|---:|"
for ((seed = 0; seed < seeds; ++seed)); do
  ember=$("$build/examples/train_mlp" --seed "$seed" --threads "$threads" --out "$out/run$seed" 2>&1 |
    grep -i 'test acc' | final_accuracy)
  torch=$(/usr/bin/python3 "$root/scripts/train_torch_reference.py" --seed "$seed" --threads "$threads" |
    final_accuracy)
  echo "| $seed | $ember | $torch |"
  echo "$ember $torch" >>"$out/pairs"
done
if [ "$seeds" -ge 2 ]; then
  awk '{ n++; e += $1; t += $2; ee += $1 * $1; tt += $2 * $2 }
       END { printf "| mean ± sd | %.2f ± %.2f | %.2f ± %.2f |\n",
                    e / n, sqrt((ee - e * e / n) / (n - 1)), t / n, sqrt((tt - t * t / n) / (n - 1)) }' "$out/pairs"
fi
