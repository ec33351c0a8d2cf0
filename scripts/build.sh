#!/usr/bin/env bash
# Configures and builds ember (Release) into build/, using both cores, for
# this machine's CPU (EMBER_NATIVE: the OpenMP loops use AVX2/AVX-512 where
# the CPU has them; pass -DEMBER_NATIVE=OFF for a build that runs anywhere).
#   scripts/build.sh [extra cmake options]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${EMBER_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DEMBER_NATIVE=ON "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
