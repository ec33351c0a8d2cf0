// Shared plumbing of the activation files (nn/activation_*.cpp): the input
// check, and the tensor-level loops and oneDNN eltwise helpers of
// core/elementwise.h. Not part of the public API.
#pragma once

#include "core/elementwise.h"
#include "core/error.h"
#include "core/tensor.h"
#include "nn/backward_by_formula.h"

namespace ember::detail {

/// Every activation's first line: the input exists.
inline void check_defined(const Tensor& x, const char* op) {
  if (!x.defined()) fail(op, ": the input tensor is undefined");
}

}  // namespace ember::detail
