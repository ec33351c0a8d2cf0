// Shared plumbing of the activation files (nn/activation_*.cpp): input checks
// and the allocate → kernel pattern. Not part of the public API.
#pragma once

#include <cstdint>

#include "core/error.h"
#include "core/tensor.h"

namespace ember::detail {

/// Every activation's first line: the input exists.
inline void check_defined(const Tensor& x, const char* op) {
  if (!x.defined()) fail(op, ": the input tensor is undefined");
}

/// A fresh tensor of x's shape filled by kernel(x, y, n).
template <class Kernel>
Tensor unary_kernel(const Tensor& x, Kernel kernel) {
  Tensor y = Tensor::empty(x.shape());
  kernel(x.data(), y.data(), x.numel());
  return y;
}

/// The gradient dx of x's shape from kernel(saved, dy, dx, n).
template <class Kernel>
Tensor backward_kernel(const Tensor& saved, const Tensor& dy, Kernel kernel) {
  Tensor dx = Tensor::empty(saved.shape());
  kernel(saved.data(), dy.data(), dx.data(), saved.numel());
  return dx;
}

}  // namespace ember::detail
