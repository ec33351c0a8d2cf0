// to_dot: the graph behind a tensor as Graphviz text — the first teaching tool.
//   ember::to_dot(loss)  |  dot -Tsvg > graph.svg
// Ops are boxes named after their backward node with the output shape; leaves
// are ellipses (filled when they require grad); arrows run from inputs to ops,
// the direction of the forward pass.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ember {

struct DotOptions {
  bool values = false;     ///< print (the first few) values of leaves and of outputs still alive
  bool gradients = false;  ///< print the .grad() of leaves that have one
  /// Names for leaves, e.g. a model's named_parameters(): "0.weight" instead of "leaf".
  std::vector<std::pair<std::string, Tensor>> names = {};
};

std::string to_dot(const Tensor& root, DotOptions options = {});

}  // namespace ember
