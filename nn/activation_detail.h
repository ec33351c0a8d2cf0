// Shared plumbing of the activation files (nn/activation_*.cpp): the input
// check, the two ways an activation runs in place, and the tensor-level loops
// and oneDNN eltwise helpers of core/elementwise.h. Not part of the public API.
#pragma once

#include <algorithm>
#include <memory>
#include <string>

#include "core/elementwise.h"
#include "core/error.h"
#include "core/node.h"
#include "core/tensor.h"
#include "nn/backward_by_formula.h"

namespace ember::detail {

/// Every activation's first line: the input exists.
inline void check_defined(const Tensor& x, const char* op) {
  if (!x.defined()) fail(op, ": the input tensor is undefined");
}

/// The options of hardsigmoid (functional and module): clamp((x + bias)/divisor,
/// min_value, max_value) needs a nonzero divisor, bounds in order, and no NaN.
inline void check_hardsigmoid_options(const char* op, float bias, float divisor, float min_value,
                                      float max_value) {
  check_not_nan(bias, op, "bias");
  check_not_nan(min_value, op, "min_value");
  check_not_nan(max_value, op, "max_value");
  if (divisor == 0 || std::isnan(divisor)) fail(op, ": divisor must be nonzero and not NaN, got ", divisor);
  if (min_value > max_value)
    fail(op, ": min_value (", min_value, ") must not be greater than max_value (", max_value, ")");
}

/// An activation's `_into` implementation writes into a new tensor, or — for its
/// in-place form, once begin_inplace (core/node.h) has allowed it — into x itself
/// (every kernel here may write over its input). It then saves the output, never
/// the input, for its backward; this tells it which case it is in.
inline bool same_tensor(const Tensor& a, const Tensor& b) { return a.impl() == b.impl(); }

/// What such an op saves of x when its backward reads x's values: x itself or,
/// in place, the op's own output y — the same storage, and saving x as an input
/// would hold the node that x is about to take (a cycle).
inline SavedTensor saved_input(const Tensor& x, const Tensor& y) {
  return same_tensor(x, y) ? SavedTensor::output(y) : SavedTensor(x);
}

/// The backward of an in-place op whose derivative needs the input it overwrote
/// (leaky_relu_ with a negative slope, elu_ and celu_ with a negative alpha, rrelu_
/// with a negative mean slope): PyTorch's answer — the forward runs, the backward
/// refuses. `why` names the op and the option.
inline Backward input_was_overwritten(const char* node, std::string why) {
  return Backward{.differentiable = [node, why = std::move(why)](const Tensor&) -> Gradients {
    fail("backward: ", node, " cannot run: ", why,
         ", so its derivative needs the input, which the in-place op overwrote; "
         "call the out-of-place op instead");
  }};
}

/// In place for an op whose backward reads its input (silu, mish, hardswish,
/// threshold with value > threshold), as PyTorch does it: the node keeps a copy
/// of the input. The op runs on that copy — a tensor standing where x stands in
/// the graph — and its result is written back into x, which takes over the op's
/// node. The semantics of in place (one tensor, a new grad_fn, the version
/// bumped), without its memory saving.
template <class Op>
Tensor& inplace_through_copy(Tensor& x, const char* name, Op op) {
  begin_inplace(x, name);
  Tensor before = x.detach().clone();
  before.impl()->grad_fn = x.grad_fn();  // a fresh impl, so x's place in the graph is lent, not moved
  before.impl()->requires_grad = x.requires_grad();
  Tensor y = op(before);
  std::copy(y.data(), y.data() + y.numel(), x.data());
  if (y.grad_fn()) {
    if (x.grad_fn()) x.grad_fn()->set_output(nullptr);
    x.impl()->grad_fn = y.grad_fn();
    x.impl()->requires_grad = true;
    x.grad_fn()->set_output(x.impl_ptr());
  }
  return x;
}

}  // namespace ember::detail
