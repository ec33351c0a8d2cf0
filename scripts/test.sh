#!/usr/bin/env bash
# Install what is missing, build, and run every test (CTest, both cores).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install_deps.sh"
"$root/scripts/build.sh"
cd "${EMBER_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j"$(nproc)" "$@"
