// Every activation PyTorch has, as functions with PyTorch's names, parameters
// and defaults (torch.nn.functional), plus swish with a learnable β. Each runs
// on a fused kernel — a oneDNN 2.6 primitive or an OpenMP loop, see
// docs/activations.md for which — and records a node whose backward reads only
// what it needs. The plain formulas they are tested against are in
// nn/reference.h; the modules wrapping them are in nn/activation_modules.h.
//
// Conventions at kinks are PyTorch's (relu'(0) = 0, leaky_relu'(0) = slope,
// hardtanh and relu6 pass no gradient at their bounds, hardswish'(−3) = −1/2,
// hardswish'(3) = 1 …); the tests pin each one.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/ops.h"
#include "core/tensor.h"

namespace ember::F {

// --- oneDNN eltwise (nn/activation_onednn.cpp) ----------------------------------
Tensor relu(const Tensor& x);                                                   ///< max(x, 0)
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);               ///< x > 0 ? x : slope·x
Tensor relu6(const Tensor& x);                                                  ///< min(max(x, 0), 6)
Tensor hardtanh(const Tensor& x, float min_val = -1.0f, float max_val = 1.0f);  ///< min(max(x, min), max)
Tensor elu(const Tensor& x, float alpha = 1.0f);                                ///< x > 0 ? x : α(eˣ − 1)
Tensor selu(const Tensor& x);                      ///< λ·elu(x, α), λ ≈ 1.0507, α ≈ 1.6733
Tensor celu(const Tensor& x, float alpha = 1.0f);  ///< x > 0 ? x : α(e^(x/α) − 1)
using ember::sigmoid;  ///< 1 / (1 + e⁻ˣ): the one sigmoid, in core (ember::sigmoid, x.sigmoid())
using ember::tanh;     ///< the one tanh, in core (ember::tanh, x.tanh())
Tensor logsigmoid(const Tensor& x);   ///< −ln(1 + e⁻ˣ)
Tensor silu(const Tensor& x);         ///< x·σ(x)
Tensor mish(const Tensor& x);         ///< x·tanh(ln(1 + eˣ))
Tensor hardswish(const Tensor& x);    ///< x·relu6(x + 3)/6
Tensor hardsigmoid(const Tensor& x);  ///< relu6(x + 3)/6
/// x/2·(1 + erf(x/√2)) for "none"; the tanh approximation for "tanh".
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
/// ln(1 + e^(βx))/β, and x itself where βx > threshold.
Tensor softplus(const Tensor& x, float beta = 1.0f, float threshold = 20.0f);

// --- OpenMP loops (nn/activation_piecewise.cpp) ------------------------------------
Tensor hardshrink(const Tensor& x, float lambd = 0.5f);           ///< |x| > λ ? x : 0
Tensor softshrink(const Tensor& x, float lambd = 0.5f);           ///< x − λ·sign(x) beyond ±λ, else 0
Tensor threshold(const Tensor& x, float threshold, float value);  ///< x <= threshold ? value : x
Tensor softsign(const Tensor& x);                                 ///< x / (1 + |x|)
Tensor tanhshrink(const Tensor& x);                               ///< x − tanh x

// --- along a dim (nn/activation_softmax.cpp) -------------------------------------------
/// a·σ(b) where a, b are the two halves of x along dim (its size must be even).
Tensor glu(const Tensor& x, int64_t dim = -1);
Tensor softmax(const Tensor& x, int64_t dim);      ///< eˣ / Σ eˣ along dim
Tensor log_softmax(const Tensor& x, int64_t dim);  ///< x − log Σ eˣ along dim
Tensor softmin(const Tensor& x, int64_t dim);      ///< softmax(−x)

// --- with parameters or randomness (nn/activation_learnable.cpp) --------------------------
/// x > 0 ? x : w·x, with w of one value (shared) or one per channel (dim 1 of x).
Tensor prelu(const Tensor& x, const Tensor& weight);
/// Training: each x <= 0 gets a slope drawn from U(lower, upper) (ember's generator),
/// kept for the backward. Evaluation: the slope (lower + upper)/2.
Tensor rrelu(const Tensor& x, float lower = 1.0f / 8, float upper = 1.0f / 3, bool training = false);
/// x·σ(βx) with β a one-element tensor that may require grad (Ramachandran et al. 2017).
Tensor swish(const Tensor& x, const Tensor& beta);

}  // namespace ember::F
