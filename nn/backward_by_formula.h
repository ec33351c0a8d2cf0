// Differentiable backwards from formulas: for an op whose fast backward is a
// fused kernel (an activation, a loss, a layer), the backward used when a graph
// of the gradient is asked for is autograd through the op written with ember's
// own ops — its reference formula — recorded, so that it can be differentiated
// again. Internal: not part of the public API.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "core/autograd.h"
#include "core/node.h"
#include "core/ops.h"
#include "core/tensor.h"

namespace ember::detail {

/// f′(x) by autograd through a formula written with ember's ops (the reference
/// formulas, nn/reference.cpp), recorded so that it can be differentiated again:
/// the derivative a fused activation's differentiable backward multiplies g by.
template <class F>
Tensor derivative_by_formula(const Tensor& x, F f) {
  Tensor y = f(x);
  return autograd::grad({y}, {x}, {ones(y.shape())}, std::nullopt, /*create_graph=*/true)[0];
}

/// A differentiable backward for an op of several inputs whose fast backward is a
/// fused kernel: the vector-Jacobian product of g with formula(inputs…), by
/// autograd through the formula, recorded. `saved` are the node's inputs in
/// order, `{x}` or `{x, weight}`; one that does not require grad gets no
/// gradient. They are kept in a std::array: an op records this closure in every
/// forward that needs grad, and a vector would be one more heap allocation each time.
template <class Formula, size_t N>
BackwardFunction backward_by_formula(const SavedTensor (&saved)[N], Formula formula) {
  return [kept = std::to_array(saved), formula](const Tensor& g) {
    std::vector<Tensor> inputs, wrt;
    for (const SavedTensor& s : kept) inputs.push_back(s.get());
    for (const Tensor& t : inputs)
      if (t.defined() && t.requires_grad()) wrt.push_back(t);
    Gradients out(inputs.size());
    if (wrt.empty()) return out;
    std::vector<Tensor> g_wrt = autograd::grad({formula(inputs)}, wrt, {g}, std::nullopt,
                                               /*create_graph=*/true, /*allow_unused=*/true);
    for (size_t i = 0, k = 0; i < inputs.size(); ++i)
      if (inputs[i].defined() && inputs[i].requires_grad()) out[i] = g_wrt[k++];
    return out;
  };
}

}  // namespace ember::detail
