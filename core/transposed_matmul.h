// op(a) · op(b) for matrices, where op transposes when asked — without
// copying a transposed operand: the flags go to the gemm kernel. It is the
// product the differentiable backwards of matmul and Linear are written with
// (dA = g·Bᵀ, dB = Aᵀ·g), and its own backward is made of the same product, so
// gradients of any order never copy a transpose. Internal: not installed.
#pragma once

#include "core/tensor.h"

namespace ember::detail {

/// op(a) · op(b); a and b are 2-D, op(a) is [m, k] and op(b) is [k, n].
Tensor matmul_transposed(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b);

}  // namespace ember::detail
