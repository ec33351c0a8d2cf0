// Building blocks for elementwise ops: run a per-element function over one
// tensor, or over two with broadcasting, into a new tensor. No autograd here;
// the op that calls them records its own node.
#pragma once

#include "core/kernels/elementwise.h"
#include "core/tensor.h"

namespace ember::detail {

/// y[i] = op(x[i]).
template <class Op>
Tensor map_values(const Tensor& x, Op op) {
  Tensor y = Tensor::empty(x.shape());
  kernels::unary_loop(x.data(), y.data(), x.numel(), op);
  return y;
}

/// out = op(a, b) with NumPy broadcasting; `name` appears in shape errors.
template <class Op>
Tensor zip_values(const Tensor& a, const Tensor& b, const char* name, Op op) {
  if (!a.defined() || !b.defined())
    fail(name, ": the ", a.defined() ? "second" : "first", " operand is an undefined tensor");
  Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = Tensor::empty(shape);
  kernels::binary_loop(a.data(), a.shape(), b.data(), b.shape(), out.data(), shape, op);
  return out;
}

}  // namespace ember::detail
