#!/usr/bin/env bash
# The main job: install what is missing, build, and train an MLP on
# Fashion-MNIST with the default recipe. Extra arguments go to train_mlp
# (scripts/train.sh --help lists them).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install_deps.sh"
"$root/scripts/build.sh"
exec "$root/build/examples/train_mlp" --out "$root/runs/fashion" "$@"
