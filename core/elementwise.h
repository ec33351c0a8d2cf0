// Elementwise ops over tensors, the tensor side of core/kernels/elementwise.h:
// allocate the result, run a loop or a kernel over the raw arrays. No autograd
// here except eltwise_op, which records the node of a oneDNN eltwise
// algorithm; every other op records its own. Internal: not installed.
#pragma once

#include <functional>

#include "core/kernels/elementwise.h"
#include "core/kernels/onednn_eltwise.h"
#include "core/node.h"
#include "core/ops.h"
#include "core/tensor.h"

namespace ember::detail {

/// y[i] = op(x[i]).
template <class Op>
Tensor map_values(const Tensor& x, Op op) {
  Tensor y = Tensor::empty(x.shape());
  kernels::map_unary(x.data(), y.data(), x.numel(), op);
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

/// A fresh tensor of x's shape filled by kernel(x, y, n).
template <class Kernel>
Tensor unary_kernel(const Tensor& x, Kernel kernel) {
  Tensor y = Tensor::empty(x.shape());
  kernel(x.data(), y.data(), x.numel());
  return y;
}

/// The gradient dx of saved's shape from kernel(saved, dy, dx, n).
template <class Kernel>
Tensor backward_kernel(const Tensor& saved, const Tensor& dy, Kernel kernel) {
  Tensor dx = Tensor::empty(saved.shape());
  kernel(saved.data(), dy.data(), dx.data(), saved.numel());
  return dx;
}

/// y = f(x) by a oneDNN eltwise algorithm, no node.
inline Tensor eltwise(const Tensor& x, kernels::Eltwise alg, float alpha = 0, float beta = 0) {
  return unary_kernel(
      x, [&](const float* s, float* d, int64_t n) { kernels::eltwise_forward(alg, alpha, beta, s, d, n); });
}

/// dx = f'(·)·g, where `data` is the forward's input, or its output for a *_use_dst algorithm.
inline Tensor eltwise_grad(const Tensor& data, const Tensor& g, kernels::Eltwise alg, float alpha = 0,
                           float beta = 0) {
  return backward_kernel(data, g, [&](const float* s, const float* dy, float* dx, int64_t n) {
    kernels::eltwise_backward(alg, alpha, beta, s, dy, dx, n);
  });
}

/// g · factor, where factor (a mask, a leaky slope) is a piecewise-constant function of x,
/// taken as a constant: the backward of a piecewise-linear op when a graph of the gradient is
/// recorded. It is an op of g and of x — derivative `factor` in g, 0 in x — so that, as with
/// PyTorch's threshold_backward, the result has a graph whenever x requires grad and a second
/// derivative is zeros rather than "does not require grad".
Tensor piecewise_constant_product(const Tensor& g, const Tensor& factor, const Tensor& x);

/// dy/dx of an elementwise op written with ember's ops, from what its node
/// saved: the output y for the *_use_dst algorithms, else the input x.
using Derivative = std::function<Tensor(const Tensor& saved)>;

/// One oneDNN eltwise algorithm forward and backward, with its node. For a
/// *_use_dst algorithm the node saves the output (as values: the output holds
/// its node), otherwise the input. The fast backward is oneDNN's; when a graph
/// of the gradient is asked for, it is g · derivative(saved), recorded. `out` is
/// where to write: a new tensor when undefined, or x itself for an in-place op
/// (only with a *_use_dst algorithm: the input is gone).
inline Tensor eltwise_op(NodeKind kind, const Tensor& x, kernels::Eltwise alg, Derivative derivative,
                         float alpha = 0, float beta = 0, Tensor out = {}) {
  Tensor y = out.defined() ? out : Tensor::empty(x.shape());
  kernels::eltwise_forward(alg, alpha, beta, x.data(), y.data(), x.numel());
  if (needs_grad(x)) {
    const bool reads_output = kernels::backward_reads_output(alg);
    const SavedTensor saved = reads_output ? SavedTensor::output(y) : SavedTensor(x);
    record(kind, y, {x},
           Backward{
               .fast = [saved, alg, alpha, beta](
                           const Tensor& g) { return grads(eltwise_grad(saved.get(), g, alg, alpha, beta)); },
               .differentiable = [saved, derivative = std::move(derivative)](
                                     const Tensor& g) { return grads(g * derivative(saved.get())); }},
           {reads_output ? y : x});
  }
  return y;
}

}  // namespace ember::detail
