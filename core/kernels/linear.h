// The fully connected layer's kernels over raw row-major float buffers:
//   forward   y[n, out] = x[n, in] · w[out, in]ᵀ + b[out]
//   backward  dx = dy · w,  dw = dyᵀ · x,  db = Σ_n dy
// They know nothing of autograd (F::linear in nn/linear.cpp wraps them). Kept
// behind these two functions so that the implementation (oneDNN sgemm today,
// see linear.cpp for the measurement) can be swapped without touching the op.
#pragma once

#include <cstdint>

namespace ember::kernels {

/// y = x·wᵀ (+ b when b is not null). x [n, in], w [out, in], b [out], y [n, out].
void linear_forward(const float* x, const float* w, const float* b, float* y, int64_t n, int64_t in,
                    int64_t out);

/// Gradients of linear_forward given dy [n, out]. Any of dx [n, in], dw [out, in],
/// db [out] may be null (not wanted); the ones given are overwritten, not accumulated.
void linear_backward(const float* dy, const float* x, const float* w, float* dx, float* dw, float* db,
                     int64_t n, int64_t in, int64_t out);

}  // namespace ember::kernels
