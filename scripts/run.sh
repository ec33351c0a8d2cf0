#!/usr/bin/env bash
# One command per hands-on program: installs what is missing
# (scripts/install_deps.sh), builds if anything changed (scripts/build.sh,
# silent when the build is up to date), then runs build/examples/PROGRAM with
# ARGS from the repository root, so its outputs land in runs/, plots/, tour/…
# of the checkout.
#
#   scripts/run.sh PROGRAM [ARGS...]     e.g. scripts/run.sh compare_activations --quick
#   scripts/run.sh                       (or --help) lists the programs
#
# The programs are the files of examples/; README.md's "Learn with ember" says
# what each shows and leaves behind. EMBER_BUILD_DIR chooses the build folder,
# as for scripts/build.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${EMBER_BUILD_DIR:-$root/build}"

# One line per program, in the order a learner might take them.
describe() {
  case "$1" in
    readme_example) echo "the README's first model: a tiny classifier on random points, 200 Adam steps" ;;
    tutorial_mlp) echo "docs/tutorial.md's program: an MLP on Fashion-MNIST (args: [EPOCHS=5] [DATA_DIR])" ;;
    train_mlp) echo "the full trainer: Fashion-MNIST, MNIST digits or a toy task, with metrics and plots" ;;
    autograd_graph) echo "docs/autograd.md's graph as Graphviz text (--trace: the backward pass, --values)" ;;
    autograd_tour) echo "a guided walk through autograd: graphs, a traced backward pass, one SGD step" ;;
    activation_tour) echo "the PyTorch activation tutorial section by section, every printed number checked" ;;
    plot_activations) echo "every activation and its derivative, fused kernel vs reference formula (--overlays: the tutorial's)" ;;
    compare_activations) echo "the same MLP with every activation on toy tasks: a table and figures (--quick)" ;;
    pinn) echo "a physics-informed MLP solves two differential equations, per activation: table and figures (--quick)" ;;
    *) echo "(see the comment at the top of examples/$1.cpp)" ;;
  esac
}

# The programs: every examples/*.cpp, the described ones first, in that order.
programs() {
  local known=(readme_example tutorial_mlp train_mlp autograd_graph autograd_tour activation_tour
    plot_activations compare_activations pinn)
  local name
  for name in "${known[@]}"; do
    [[ -f "$root/examples/$name.cpp" ]] && echo "$name"
  done
  for name in "$root"/examples/*.cpp; do
    name=$(basename "$name" .cpp)
    [[ " ${known[*]} " == *" $name "* ]] || echo "$name"
  done
}

list_programs() {
  local name
  while read -r name; do
    printf '  %-20s %s\n' "$name" "$(describe "$name")"
  done < <(programs)
}

if [[ $# -eq 0 || $1 == -h || $1 == --help ]]; then
  echo "usage: scripts/run.sh PROGRAM [ARGS...]   (installs, builds if needed, runs from the repository root)"
  echo "programs (PROGRAM --help lists a program's options, where it has any):"
  list_programs
  exit 0
fi

program=$1
shift
if ! programs | grep -qx -- "$program"; then
  echo "run.sh: no program named '$program'; the programs are:" >&2
  list_programs >&2
  exit 2
fi

"$root/scripts/install_deps.sh"
# Show the compiler's progress and errors, not the lines an up-to-date build
# is made of ("Built target", the include check that runs every time; ninja
# says "no work to do").
EMBER_BUILD_DIR="$build" "$root/scripts/build.sh" 2>&1 |
  { grep -vE '^\[ *[0-9]+%\] (Built target |Checking the layers)|^ninja: no work to do|^gmake(\[[0-9]+\])?: (Entering|Leaving)' || true; }

cd "$root"
exec "$build/examples/$program" "$@"
