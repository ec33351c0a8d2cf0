// The engine's entry point, shared by Tensor::backward and autograd::grad
// (core/autograd.cpp). Internal: not part of the public API.
#pragma once

#include <span>
#include <unordered_map>
#include <vector>

#include "core/node.h"
#include "core/tensor.h"

namespace ember::detail {

/// What autograd::grad asks of a walk: the gradients of these tensors — leaves
/// by their TensorImpl, non-leaves by the node that made them — summed into
/// grads[index] instead of into any .grad().
struct Wanted {
  std::unordered_map<const TensorImpl*, size_t> leaves;
  std::unordered_map<const Node*, size_t> nodes;
  std::vector<Tensor> grads;
};

/// One backward walk from `roots`, seeded with `seeds` (one per root, shapes checked
/// by the caller). Without `wanted`, gradients reaching leaves accumulate into their
/// .grad(); with it, only into wanted->grads. create_graph records the walk.
void run_backward(std::span<const Tensor> roots, std::span<const Tensor> seeds, bool retain_graph,
                  bool create_graph, Wanted* wanted);

/// The gradient a root starts from: `gradient` (same shape as root), or 1 for a one-element root.
Tensor initial_gradient(const Tensor& root, const Tensor& gradient, const char* op);

}  // namespace ember::detail
