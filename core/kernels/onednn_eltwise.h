// oneDNN eltwise primitives over raw float arrays: y = f(x) and
// dx = f'(·)·dy, for the algorithms ember's activations use. The arrays are
// treated as flat (n elements): an eltwise op does not care about shape, and
// one primitive then serves every tensor of the same size. Nothing here knows
// of autograd; nn/activation_*.cpp wrap these.
#pragma once

#include <cstdint>

namespace ember::kernels {

/// oneDNN 2.6 eltwise algorithms (alpha/beta meanings as oneDNN documents them).
enum class Eltwise {
  relu,  // x > 0 ? x : alpha·x
  tanh,
  tanh_use_dst,      // backward reads y: 1 − y²
  logistic,          // σ(x)
  logistic_use_dst,  // backward reads y: y(1 − y)
  elu,               // x > 0 ? x : alpha(eˣ − 1)
  elu_use_dst,       // backward reads y (alpha >= 0)
  swish,             // x·σ(alpha·x)
  mish,              // x·tanh(ln(1 + eˣ))
  hardswish,         // x·min(max(x + 3, 0), 6)/6
  gelu_erf,          // x/2·(1 + erf(x/√2))
  gelu_tanh,         // x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))
  soft_relu,         // ln(1 + eˣ) (alpha, beta ignored in 2.6)
  logsigmoid,        // −ln(1 + e⁻ˣ)
  linear,            // alpha·x + beta
  exp,               // eˣ
};

/// dst[i] = f(src[i]); src and dst may be the same array.
void eltwise_forward(Eltwise alg, float alpha, float beta, const float* src, float* dst, int64_t n);

/// dst[i] = f(scale·src[i]): one primitive when scale is 1, else a loop scales
/// and f runs in place. A loop, not eltwise_linear: a primitive is cached per
/// alpha, and a learnable β changes every step.
void eltwise_forward_scaled(Eltwise alg, float scale, const float* src, float* dst, int64_t n);

/// True for the *_use_dst algorithms, whose backward reads the forward's
/// output y instead of its input x (the input may then be freed).
bool backward_reads_output(Eltwise alg);

/// diff_src[i] = f'(·)·diff_dst[i], where `data` is the forward's input — or
/// its output for the *_use_dst algorithms.
void eltwise_backward(Eltwise alg, float alpha, float beta, const float* data, const float* diff_dst,
                      float* diff_src, int64_t n);

}  // namespace ember::kernels
