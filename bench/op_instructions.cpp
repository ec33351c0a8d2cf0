// The instructions one activation costs, for callgrind: a timing-free measure
// of the fixed cost around the kernels (nodes, closures, allocations, the
// engine's walk) on a machine too noisy to time a 1 µs op to 5 %.
//
//   op_instructions <activation> <repetitions> [--forward]
//
// runs the activation of bench_activations' list on 4096 values, forward +
// backward (or forward alone), `repetitions` times on one thread, and prints
// nothing. bench/compare_instructions.py runs it under callgrind twice (100
// and 300 repetitions) so that the difference divided by 200 is the cost of
// one repetition, set-up excluded. `op_instructions --list` prints the names.
// valgrind cannot run AVX-512 code: build with -DEMBER_NATIVE=OFF.
#include <cstdlib>
#include <iostream>
#include <string>

#include <ember.h>

#include "activation_cases.h"

using namespace ember;
using namespace ember::bench;

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--list") {
    for (const Case& c : cases()) std::cout << c.name << "\n";
    return 0;
  }
  if (argc < 3) {
    std::cerr << "usage: op_instructions <activation> <repetitions> [--forward] | --list\n";
    return 2;
  }
  const std::string name = argv[1];
  const int repetitions = std::atoi(argv[2]);
  const bool forward_only = argc > 3 && std::string(argv[3]) == "--forward";
  set_num_threads(1);
  for (const Case& c : cases()) {
    if (c.name != name) continue;
    const int64_t n = 4096;
    Tensor x = input(n, c.row_length).detach().requires_grad_(!forward_only);
    Tensor w = weight(c, !forward_only);
    Tensor dy = ones(c.run(x, w).shape());
    for (int i = 0; i < repetitions; ++i)
      if (forward_only)
        c.run(x, w);
      else
        forward_backward_step(c, x, w, dy);
    return 0;
  }
  std::cerr << "op_instructions: no activation named '" << name << "' (see --list)\n";
  return 2;
}
