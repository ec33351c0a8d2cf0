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
Tensor logsigmoid(const Tensor& x);  ///< −ln(1 + e⁻ˣ)
Tensor silu(const Tensor& x);        ///< x·σ(x)
Tensor mish(const Tensor& x);        ///< x·tanh(ln(1 + eˣ))
Tensor hardswish(const Tensor& x);   ///< x·relu6(x + 3)/6
/// clamp((x + bias)/divisor, min_value, max_value): PyTorch's relu6(x + 3)/6 by default,
/// the activation tutorial's HardSigmoid with (1, 2). The gradient is 1/divisor strictly
/// between the bounds, 0 at them (PyTorch's hardsigmoid′(±3) = 0, whatever the parameters).
Tensor hardsigmoid(const Tensor& x, float bias = 3.0f, float divisor = 6.0f, float min_value = 0.0f,
                   float max_value = 1.0f);
/// x/2·(1 + erf(x/√2)) for "none"; the tanh approximation for "tanh".
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
/// ln(1 + e^(βx))/β, and x itself where βx > threshold.
Tensor softplus(const Tensor& x, float beta = 1.0f, float threshold = 20.0f);

// --- in place (nn/activation_onednn.cpp; threshold_ in activation_piecewise.cpp, rrelu_ in
// activation_learnable.cpp) ------------------------------------------------------------------
// PyTorch's F.relu_ & co.: x's values are overwritten and x itself is returned, with a new
// grad_fn. Refused, as in PyTorch, while grad mode is on: a leaf that requires grad; and (ember)
// a reshape of a tensor that requires grad. Each bumps x's version, so a backward that saved x's
// old values refuses to run. The backward reads the output where it determines the derivative
// (relu, leaky_relu and rrelu with a slope >= 0, elu and celu with alpha >= 0, selu, hardtanh,
// relu6, hardsigmoid, threshold with value <= threshold): the input's buffer is saved. With a
// negative slope or alpha it cannot, and backward() is an error, as in PyTorch. silu_, mish_,
// hardswish_ and threshold_ with value > threshold keep a copy of the input, as PyTorch does
// (no memory saved). PyTorch reaches relu6_, hardsigmoid_, hardswish_, silu_ and mish_ through
// an `inplace` flag; ember's F:: functions take no flag, so they are named like the others.
Tensor& relu_(Tensor& x);
Tensor& leaky_relu_(Tensor& x, float negative_slope = 0.01f);
Tensor& relu6_(Tensor& x);
Tensor& hardtanh_(Tensor& x, float min_val = -1.0f, float max_val = 1.0f);
Tensor& elu_(Tensor& x, float alpha = 1.0f);
Tensor& selu_(Tensor& x);
Tensor& celu_(Tensor& x, float alpha = 1.0f);
Tensor& silu_(Tensor& x);
Tensor& mish_(Tensor& x);
Tensor& hardswish_(Tensor& x);
Tensor& hardsigmoid_(Tensor& x, float bias = 3.0f, float divisor = 6.0f, float min_value = 0.0f,
                     float max_value = 1.0f);
Tensor& threshold_(Tensor& x, float threshold, float value);
Tensor& rrelu_(Tensor& x, float lower = 1.0f / 8, float upper = 1.0f / 3, bool training = false);

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
