// gemm: C[m, n] = op(A)[m, k] · op(B)[k, n] (+ bias[n]) over row-major float
// buffers, where op transposes when asked. It runs oneDNN's sgemm, which
// JIT-compiles for the CPU it runs on (AVX2, AVX-512) — Eigen only gets the
// instruction set ember was compiled for (SSE2 without -march=native). On the
// MLP's shapes sgemm measured 3–7× faster than Eigen's product
// (bench/compare_pytorch.py --filter linear). sgemm needs no primitive, so
// there is nothing to create or cache per shape.
#pragma once

#include <cstdint>

namespace ember::kernels {

/// a is [m, k] (or, when a_t, the row-major [k, m] it transposes); b is [k, n]
/// (or the [n, k] it transposes); bias may be null; c is [m, n], overwritten.
void gemm(const float* a, bool a_t, const float* b, bool b_t, const float* bias, float* c, int64_t m,
          int64_t k, int64_t n);

}  // namespace ember::kernels
