// gemm: C[m, n] = op(A)[m, k] · op(B)[k, n] (+ bias[n]) over row-major float
// buffers, where op transposes when asked. One oneDNN matmul primitive per
// shape and layout, from the primitive cache. oneDNN picks its JIT kernel for
// the CPU at run time (AVX2, AVX-512), where Eigen is limited to what ember was
// compiled for; at an MLP's shapes this measured 4–7× faster than Eigen on an
// AVX-512 machine (bench/compare_pytorch.py --filter linear).
#pragma once

#include <cstdint>

namespace ember::kernels {

/// a is [m, k] (or, when a_t, the row-major [k, m] it transposes); b is [k, n]
/// (or the [n, k] it transposes); bias may be null; c is [m, n], overwritten.
void gemm(const float* a, bool a_t, const float* b, bool b_t, const float* bias, float* c, int64_t m,
          int64_t k, int64_t n);

}  // namespace ember::kernels
