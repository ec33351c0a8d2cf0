// Batch and layer normalisation as plain loops over float arrays: statistics,
// the normalising forward and the fused backward. They know nothing of
// autograd; F::batch_norm and F::layer_norm (nn/normalization.cpp) call them
// and record the nodes. Not oneDNN: these loops already beat PyTorch 1.13 on
// the shapes measured (docs/performance.md, "Normalisation layers"); oneDNN's
// batch/layer normalisation primitives have not been measured against them.
//
// Batch norm sees its input as [N, C, L] (L = 1 for [N, C]); each channel c
// is normalised over its N·L values. Layer norm sees [rows, cols]; each row is
// normalised over its cols values. Statistics are summed in double, in two
// passes (mean, then Σ(x − mean)²), so that the variance of values far from 0
// does not cancel.
#pragma once

#include <cstdint>

namespace ember::kernels {

/// Per channel: mean[c] and the biased variance var[c] (divided by N·L).
void batch_norm_stats(const float* x, float* mean, float* var, int64_t n, int64_t c, int64_t l);

/// y = (x − mean[c]) · invstd[c] · weight[c] + bias[c]; weight and bias may be null (1 and 0).
void batch_norm_forward(const float* x, const float* mean, const float* invstd, const float* weight,
                        const float* bias, float* y, int64_t n, int64_t c, int64_t l);

/// The backward of batch_norm_forward, with x̂ = (x − mean)·invstd, per channel over its N·L values:
///   db = Σ g,  dw = Σ g·x̂,
///   training (mean and invstd are the batch's, so they depend on x):
///     dx = w·invstd · (g − db/m − x̂·dw/m),  m = N·L
///   evaluation (running statistics, constants): dx = w·invstd · g
/// Any of dx, dw, db may be null (not wanted); weight may be null (1).
void batch_norm_backward(const float* g, const float* x, const float* mean, const float* invstd,
                         const float* weight, float* dx, float* dw, float* db, int64_t n, int64_t c,
                         int64_t l, bool training);

/// Per row: mean[r], rstd[r] = 1/√(var + eps) (biased variance), and
/// y = (x − mean)·rstd·weight[j] + bias[j]; weight and bias may be null.
void layer_norm_forward(const float* x, const float* weight, const float* bias, float* y, float* mean,
                        float* rstd, int64_t rows, int64_t cols, float eps);

/// The backward of layer_norm_forward, with x̂ = (x − mean)·rstd and ĝ = g·w, per row:
///   dx = rstd · (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂));  over rows: dw = Σ g·x̂, db = Σ g.
/// Any of dx, dw, db may be null; weight may be null (1).
void layer_norm_backward(const float* g, const float* x, const float* mean, const float* rstd,
                         const float* weight, float* dx, float* dw, float* db, int64_t rows, int64_t cols);

}  // namespace ember::kernels
