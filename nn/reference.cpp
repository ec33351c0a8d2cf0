// The reference formulas (see reference.h for the two rules they follow).
// Each comment gives the function, its derivative and the value chosen at
// any kink — PyTorch's.
#include "nn/reference.h"

#include <cmath>
#include <numbers>
#include <string>

#include "core/ops.h"

namespace ember::reference {
namespace {

// x where x > 0, else 0 — and the mirror. Feeding each branch of a where()
// only its own side keeps exp's argument <= 0 in both branches.
Tensor positive_part(const Tensor& x) { return where(x > 0.0f, x, 0.0f); }
Tensor nonpositive_part(const Tensor& x) { return where(x > 0.0f, 0.0f, x); }

// softplus(z) = ln(1 + eᶻ) = z + ln(1 + e⁻ᶻ) for z > 0: both forms only ever
// exponentiate a non-positive number. Derivative σ(z) (½ at 0, from the z <= 0 branch).
Tensor stable_softplus(const Tensor& z) {
  return where(z > 0.0f, z + log1p(exp(-positive_part(z))), log1p(exp(nonpositive_part(z))));
}

}  // namespace

// σ(x) = 1/(1 + e⁻ˣ) for x > 0, eˣ/(1 + eˣ) otherwise (the same number, no
// overflow either way). σ' = σ(1 − σ), ¼ at 0.
Tensor sigmoid(const Tensor& x) {
  Tensor e = exp(nonpositive_part(x));
  return where(x > 0.0f, 1.0f / (1.0f + exp(-positive_part(x))), e / (1.0f + e));
}

// tanh from core (std::tanh); tanh' = 1 − tanh².
Tensor tanh(const Tensor& x) { return ember::tanh(x); }

// logsigmoid(x) = ln σ(x) = −softplus(−x); derivative σ(−x).
Tensor logsigmoid(const Tensor& x) { return -stable_softplus(-x); }

// relu(x) = x <= 0 ? 0 : x, written so NaN passes through; relu' = 0 at 0 (PyTorch).
Tensor relu(const Tensor& x) { return where(x <= 0.0f, 0.0f, x); }

// relu6 = hardtanh(x, 0, 6): gradient 0 at 0 and at 6 (PyTorch).
Tensor relu6(const Tensor& x) { return hardtanh(x, 0.0f, 6.0f); }

// selu = λ·elu(x, α) (Klambauer et al. 2017); selu'(0) = λα (the x <= 0 side, PyTorch).
Tensor selu(const Tensor& x) {
  constexpr float alpha = 1.6732632423543772848170429916717f, scale = 1.0507009873554804934193349852946f;
  return scale * elu(x, alpha);
}

// silu = x·σ(x); silu' = σ(x)(1 + x(1 − σ(x))).
Tensor silu(const Tensor& x) { return x * reference::sigmoid(x); }

// mish = x·tanh(softplus(x)) (Misra 2019; no threshold, as PyTorch's mish);
// mish' = tanh(sp) + x·σ(x)(1 − tanh²(sp)).
Tensor mish(const Tensor& x) { return x * ember::tanh(stable_softplus(x)); }

// hardswish = x·clamp(x + 3, 0, 6)/6 (Howard et al. 2019), and x itself from 3
// on. Derivative 0 below −3, x/3 + ½ on [−3, 3), 1 from 3 on: PyTorch's values
// at the kinks, −½ at −3 (clamp passes its gradient at its bound) and 1 at 3
// (the where picks the x branch).
Tensor hardswish(const Tensor& x) { return where(x >= 3.0f, x, x * clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f); }

// hardsigmoid = hardtanh((x + b)/d, lo, hi), PyTorch's with (3, 6, 0, 1); derivative 1/d strictly
// between the bounds, 0 at them and outside (hardtanh's convention: 1/6 on (−3, 3), 0 at ±3).
Tensor hardsigmoid(const Tensor& x, float bias, float divisor, float min_value, float max_value) {
  check_not_nan(bias, "reference::hardsigmoid", "bias");
  if (divisor == 0 || std::isnan(divisor))
    fail("reference::hardsigmoid: divisor must be nonzero and not NaN, got ", divisor);
  return hardtanh((x + bias) / divisor, min_value, max_value);
}

// softsign = x/(1 + |x|); derivative 1/(1 + |x|)² (|x|' = 0 at 0 does not matter: the terms cancel).
Tensor softsign(const Tensor& x) { return x / (1.0f + abs(x)); }

// tanhshrink = x − tanh x; derivative tanh² x.
Tensor tanhshrink(const Tensor& x) { return x - ember::tanh(x); }

// leaky_relu = x > 0 ? x : s·x; derivative s at 0 (PyTorch).
Tensor leaky_relu(const Tensor& x, float negative_slope) {
  check_not_nan(negative_slope, "reference::leaky_relu", "negative_slope");
  return where(x > 0.0f, x, x * negative_slope);
}

// elu = x > 0 ? x : α(eˣ − 1) (Clevert et al. 2015); elu' = α·eˣ for x <= 0, so α at 0 (PyTorch).
Tensor elu(const Tensor& x, float alpha) {
  check_not_nan(alpha, "reference::elu", "alpha");
  return where(x > 0.0f, x, alpha * (exp(nonpositive_part(x)) - 1.0f));
}

// celu = x > 0 ? x : α(e^(x/α) − 1) (Barron 2017); celu' = e^(x/α) for x <= 0, so 1 at 0.
Tensor celu(const Tensor& x, float alpha) {
  check_not_nan(alpha, "reference::celu", "alpha");
  return where(x > 0.0f, x, alpha * (exp(nonpositive_part(x) / alpha) - 1.0f));
}

// gelu = x·Φ(x) = x/2·(1 + erf(x/√2)) (Hendrycks & Gimpel 2016); gelu' = Φ(x) + x·φ(x).
// "tanh": x/2·(1 + tanh(√(2/π)(x + 0.044715x³))), differentiated as written.
Tensor gelu(const Tensor& x, std::string_view approximate) {
  if (approximate == "tanh") {
    const float k = std::sqrt(2.0f / std::numbers::pi_v<float>);
    return 0.5f * x * (1.0f + ember::tanh(k * (x + 0.044715f * x * x * x)));
  }
  if (approximate != "none")
    fail("reference::gelu: approximate must be \"none\" or \"tanh\", got \"", std::string(approximate), "\"");
  return 0.5f * x * (1.0f + erf(x / std::numbers::sqrt2_v<float>));
}

// softplus = ln(1 + e^(βx))/β, and x where βx > threshold (PyTorch's switch);
// softplus' = σ(βx), 1 beyond the threshold.
Tensor softplus(const Tensor& x, float beta, float threshold) {
  check_not_nan(beta, "reference::softplus", "beta");
  check_not_nan(threshold, "reference::softplus", "threshold");
  return where(x * beta > threshold, x, stable_softplus(x * beta) / beta);
}

// hardtanh = clamp(x, min, max), but with PyTorch's gradient: 1 strictly
// inside (min, max), 0 at the bounds and outside. Outside the open interval the
// value is a constant bound, so that branch is detached.
Tensor hardtanh(const Tensor& x, float min_val, float max_val) {
  return where((x > min_val) * (x < max_val), x, clamp(x, min_val, max_val).detach());
}

// hardshrink = x where |x| > λ, else 0; derivative 1 where |x| > λ, 0 at ±λ.
Tensor hardshrink(const Tensor& x, float lambd) {
  check_not_nan(lambd, "reference::hardshrink", "lambd");
  return where((x >= -lambd) * (x <= lambd), 0.0f, x);
}

// softshrink = x − λ above λ, x + λ below −λ, 0 between (inclusive);
// derivative 1 outside [−λ, λ], 0 at ±λ. The middle branch is x·0 so that NaN stays NaN.
Tensor softshrink(const Tensor& x, float lambd) {
  return where(x > lambd, x - lambd, where(x < -lambd, x + lambd, x * 0.0f));
}

// threshold = x <= t ? value : x; derivative 0 at t itself (it is replaced).
Tensor threshold(const Tensor& x, float threshold, float value) {
  check_not_nan(threshold, "reference::threshold", "threshold");
  check_not_nan(value, "reference::threshold", "value");
  return where(x <= threshold, value, x);
}

// glu(a‖b) = a·σ(b), halves along dim; ∂/∂a = σ(b), ∂/∂b = a·σ(b)(1 − σ(b)).
Tensor glu(const Tensor& x, int64_t dim) {
  int64_t d = normalize_dim(dim, x.dim(), "reference::glu");
  int64_t half = x.size(d) / 2;
  return narrow(x, d, 0, half) * reference::sigmoid(narrow(x, d, half, half));
}

// softmax = e^(x − m)/Σ e^(x − m) with m the max along dim: the shift leaves
// the value unchanged (so it carries no gradient: detached) and keeps every
// exponent <= 0. Jacobian-vector product: y·(g − Σ g·y).
Tensor softmax(const Tensor& x, int64_t dim) {
  Tensor e = exp(x - max(x, dim, true).detach());
  return e / sum(e, {dim}, true);
}

// log_softmax = (x − m) − ln Σ e^(x − m); gradient g − softmax·Σ g.
Tensor log_softmax(const Tensor& x, int64_t dim) {
  Tensor shifted = x - max(x, dim, true).detach();
  return shifted - log(sum(exp(shifted), {dim}, true));
}

// softmin = softmax(−x).
Tensor softmin(const Tensor& x, int64_t dim) { return softmax(-x, dim); }

// prelu = x > 0 ? x : w·x, one w or one per channel (dim 1); ∂/∂x = w at 0
// (PyTorch); ∂/∂w = x where x <= 0, summed by the broadcast's backward.
Tensor prelu(const Tensor& x, const Tensor& weight) {
  Tensor w = weight;
  if (weight.numel() != 1 && x.dim() >= 2) {
    Shape s(static_cast<size_t>(x.dim() - 1), 1);
    s[0] = weight.numel();
    w = reshape(weight, s);  // [C, 1, …]: broadcasts over dim 1 of x
  } else {
    w = reshape(weight, {});
  }
  return where(x > 0.0f, x, w * x);
}

// rrelu = x <= 0 ? r·x : x, with r ~ U(lower, upper) per element in training
// (derivative r) and r = (lower + upper)/2 in evaluation (derivative r at 0).
Tensor rrelu(const Tensor& x, float lower, float upper, bool training) {
  if (!training) return where(x <= 0.0f, x * ((lower + upper) / 2), x);
  Tensor r = ember::rand(x.shape()) * (upper - lower) + lower;  // the same draws and rounding as F::rrelu
  return where(x <= 0.0f, x * r, x);
}

// swish = x·σ(βx) (Ramachandran et al. 2017); ∂/∂x = σ(βx)(1 + βx(1 − σ(βx))),
// ∂/∂β = x²·σ(βx)(1 − σ(βx)) — both by autograd through sigmoid above.
Tensor swish(const Tensor& x, const Tensor& beta) { return x * reference::sigmoid(reshape(beta, {}) * x); }

}  // namespace ember::reference
