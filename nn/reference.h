// ember::reference: every activation written as a plain formula with ember's
// own differentiable ops (exp, log1p, tanh, erf, where, clamp, …), so that
// autograd derives its gradient. These are the readable half of each
// activation — the fused kernels in nn/activation.h are the fast half — and the
// tests hold the two against each other, forward and backward.
//
// Two rules shape the formulas:
// - exp never sees a large positive argument. A where() computes both
//   branches, and an overflowed branch poisons the gradient even when masked
//   out (0·inf = NaN), so each branch gets an input clipped to its own side
//   (positive_part / nonpositive_part below) before exp.
// - At a kink the formula is arranged to give PyTorch's one-sided value (the
//   comment of each function says which), so fused and reference agree there too.
//
// Slow on purpose: several passes and temporaries per call. Use nn/activation.h
// for real work.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/tensor.h"

namespace ember::reference {

Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor logsigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor relu6(const Tensor& x);
Tensor selu(const Tensor& x);
Tensor silu(const Tensor& x);
Tensor mish(const Tensor& x);
Tensor hardswish(const Tensor& x);
Tensor hardsigmoid(const Tensor& x, float bias = 3.0f, float divisor = 6.0f, float min_value = 0.0f,
                   float max_value = 1.0f);
Tensor softsign(const Tensor& x);
Tensor tanhshrink(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor elu(const Tensor& x, float alpha = 1.0f);
Tensor celu(const Tensor& x, float alpha = 1.0f);
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
Tensor softplus(const Tensor& x, float beta = 1.0f, float threshold = 20.0f);
Tensor hardtanh(const Tensor& x, float min_val = -1.0f, float max_val = 1.0f);
Tensor hardshrink(const Tensor& x, float lambd = 0.5f);
Tensor softshrink(const Tensor& x, float lambd = 0.5f);
Tensor threshold(const Tensor& x, float threshold, float value);
Tensor glu(const Tensor& x, int64_t dim = -1);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
Tensor softmin(const Tensor& x, int64_t dim);
Tensor prelu(const Tensor& x, const Tensor& weight);
/// Training mode draws its slopes from ember's generator exactly as F::rrelu
/// does (one per element, U(lower, upper)), so after the same manual_seed the
/// two see the same slopes.
Tensor rrelu(const Tensor& x, float lower = 1.0f / 8, float upper = 1.0f / 3, bool training = false);
Tensor swish(const Tensor& x, const Tensor& beta);

}  // namespace ember::reference
