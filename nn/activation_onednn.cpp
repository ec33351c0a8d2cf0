// The activations that run on oneDNN 2.6 eltwise primitives, forward and
// backward. Where a `_use_dst_for_bwd` algorithm exists the node keeps the
// output's storage instead of the input (the input may then be freed).
// Halves that oneDNN computes with another convention than PyTorch — NaN in
// relu/clip forwards, hardswish's gradient at ±3 — or that would take two
// primitives (hardsigmoid) are OpenMP loops from core/kernels/activation_loops.h.
#include <charconv>
#include <cmath>
#include <string>

#include "core/kernels/activation_loops.h"
#include "core/kernels/onednn_eltwise.h"
#include "core/node.h"
#include "nn/activation.h"
#include "nn/activation_detail.h"
#include "nn/reference.h"

namespace ember::F {
namespace {

using detail::backward_by_formula;
using detail::backward_kernel;
using detail::check_defined;
using detail::derivative_by_formula;
using detail::eltwise;
using detail::eltwise_grad;
using detail::eltwise_op;
using detail::input_was_overwritten;
using detail::piecewise_constant_product;
using detail::same_tensor;
using detail::unary_kernel;
using kernels::Eltwise;

}  // namespace

// relu' = x > 0 ? 1 : 0 (0 at 0, PyTorch). The output is positive exactly
// where the input is, so the backward reads y and x may be freed — or
// overwritten: relu_ is the same code writing into x. Both halves are loops:
// oneDNN's relu with alpha = 0 maps NaN to 0, and its backward is 3x slower
// than a loop on one thread.
namespace {
constexpr const char* kReluRule = "y = max(x, 0): dx = g where x > 0, else 0";
constexpr const char* kLeakyReluRule = "y = x or s*x: dx = g where x > 0, else s*g";

Tensor relu_into(NodeKind node, const Tensor& x, Tensor y) {
  kernels::relu_forward(x.data(), y.data(), x.numel());
  if (needs_grad(x)) {
    const SavedTensor saved = SavedTensor::output(y);
    record(node, y, {x},
           Backward{
               .fast = [y = saved.values()](
                           const Tensor& g) { return grads(backward_kernel(y, g, kernels::relu_backward)); },
               .differentiable =
                   [y = saved](const Tensor& g) {
                     Tensor out = y.get();
                     return grads(piecewise_constant_product(g, out > 0.0f, out));
                   }},
           {y});
  }
  return y;
}
}  // namespace

Tensor relu(const Tensor& x) {
  check_defined(x, "relu");
  return relu_into({"ReluBackward", kReluRule}, x, Tensor::empty(x.shape()));
}

Tensor& relu_(Tensor& x) {
  begin_inplace(x, "relu_");
  relu_into({"ReluBackward", kReluRule}, x, x);
  return x;
}

// leaky_relu' = x > 0 ? 1 : slope (slope at 0, PyTorch). The forward is
// oneDNN's; the backward a loop that reads y when the slope is >= 0 (then
// y > 0 iff x > 0), and x otherwise — which leaky_relu_ has overwritten: its
// backward is then an error, as in PyTorch.
namespace {
Tensor leaky_relu_into(const Tensor& x, float negative_slope, Tensor y) {
  if (negative_slope == 0)
    return relu_into({"LeakyReluBackward", kLeakyReluRule}, x, y);  // keeps NaN (see relu)
  kernels::eltwise_forward(Eltwise::relu, negative_slope, 0, x.data(), y.data(), x.numel());
  if (!needs_grad(x)) return y;
  if (negative_slope < 0 && same_tensor(x, y)) {
    record({"LeakyReluBackward", kLeakyReluRule}, y, {x},
           input_was_overwritten("LeakyReluBackward", detail::cat("leaky_relu_ ran with a negative slope (",
                                                                  negative_slope, ")")));
    return y;
  }
  const SavedTensor saved = negative_slope > 0 ? SavedTensor::output(y) : SavedTensor(x);
  record({"LeakyReluBackward", kLeakyReluRule}, y, {x},
         Backward{.fast =
                      [saved = saved.values(), negative_slope](const Tensor& g) {
                        return grads(backward_kernel(
                            saved, g, [&](const float* v, const float* dy, float* dx, int64_t n) {
                              kernels::leaky_relu_backward(v, dy, dx, n, negative_slope);
                            }));
                      },
                  .differentiable =
                      [saved, negative_slope](const Tensor& g) {
                        Tensor s = saved.get();
                        return grads(piecewise_constant_product(
                            g, where(s > 0.0f, 1.0f, full(s.shape(), negative_slope)), s));
                      }},
         {negative_slope > 0 ? y : x});
  return y;
}
}  // namespace

Tensor leaky_relu(const Tensor& x, float negative_slope) {
  check_defined(x, "leaky_relu");
  check_not_nan(negative_slope, "leaky_relu", "negative_slope");
  return leaky_relu_into(x, negative_slope, Tensor::empty(x.shape()));
}

Tensor& leaky_relu_(Tensor& x, float negative_slope) {
  check_not_nan(negative_slope, "leaky_relu_", "negative_slope");
  begin_inplace(x, "leaky_relu_");
  leaky_relu_into(x, negative_slope, x);
  return x;
}

// Both halves are loops: oneDNN's clip_v2 maps NaN to a bound, and its
// backward is slower than a loop. dy passes only inside the open interval
// (min, max) — PyTorch's convention, so relu6'(0) = relu6'(6) = 0. The output
// is strictly inside exactly where the input is, so hardtanh_ reads its output.
namespace {
void check_hardtanh_bounds(float min_val, float max_val, const char* op) {
  if (!(min_val <= max_val))
    fail(op, ": min_val (", min_val, ") must not be greater than max_val (", max_val, ")");
}

Tensor hardtanh_into(const Tensor& x, float min_val, float max_val, Tensor y) {
  kernels::hardtanh_forward(x.data(), y.data(), x.numel(), min_val, max_val);
  if (!needs_grad(x)) return y;
  const SavedTensor saved = detail::saved_input(x, y);
  record({"HardtanhBackward", "y = clamp(x, lo, hi): dx = g strictly inside (lo, hi), else 0"}, y, {x},
         Backward{.fast =
                      [v = saved.values(), min_val, max_val](const Tensor& g) {
                        return grads(
                            backward_kernel(v, g, [&](const float* s, const float* dy, float* dx, int64_t n) {
                              kernels::hardtanh_backward(s, dy, dx, n, min_val, max_val);
                            }));
                      },
                  .differentiable =
                      [v = saved, min_val, max_val](const Tensor& g) {
                        Tensor t = v.get();
                        return grads(piecewise_constant_product(g, (t > min_val) * (t < max_val), t));
                      }},
         {x});
  return y;
}
}  // namespace

Tensor hardtanh(const Tensor& x, float min_val, float max_val) {
  check_defined(x, "hardtanh");
  check_hardtanh_bounds(min_val, max_val, "hardtanh");
  return hardtanh_into(x, min_val, max_val, Tensor::empty(x.shape()));
}

Tensor& hardtanh_(Tensor& x, float min_val, float max_val) {
  check_hardtanh_bounds(min_val, max_val, "hardtanh_");
  begin_inplace(x, "hardtanh_");
  hardtanh_into(x, min_val, max_val, x);
  return x;
}

Tensor relu6(const Tensor& x) {
  check_defined(x, "relu6");
  return hardtanh(x, 0.0f, 6.0f);
}

Tensor& relu6_(Tensor& x) {
  begin_inplace(x, "relu6_");
  hardtanh_into(x, 0.0f, 6.0f, x);
  return x;
}

// elu' = x > 0 ? 1 : α·eˣ = y + α (α at 0, PyTorch). With α >= 0 the sign of
// y is the sign of x, so the backward reads y (eltwise_elu_use_dst_for_bwd),
// and elu_ writes over x. With α < 0 it reads x, which elu_ cannot keep.
namespace {
constexpr const char* kEluRule = "y = x or a(e^x - 1): dx = g where x > 0, else g * (y + a)";

Tensor elu_into(const Tensor& x, float alpha, Tensor y) {
  if (alpha >= 0)
    return eltwise_op(
        {"EluBackward", kEluRule}, x, Eltwise::elu_use_dst,
        [alpha](const Tensor& out) { return where(out > 0.0f, 1.0f, out + alpha); }, alpha, 0, y);
  if (same_tensor(x, y)) {
    kernels::eltwise_forward(Eltwise::elu, alpha, 0, x.data(), y.data(), x.numel());
    if (needs_grad(x))
      record(
          {"EluBackward", kEluRule}, y, {x},
          input_was_overwritten("EluBackward", detail::cat("elu_ ran with a negative alpha (", alpha, ")")));
    return y;
  }
  return eltwise_op(
      {"EluBackward", kEluRule}, x, Eltwise::elu,
      [alpha](const Tensor& v) {
        return derivative_by_formula(v, [alpha](const Tensor& t) { return reference::elu(t, alpha); });
      },
      alpha, 0, y);
}

// The node of selu_ and celu_ (elu_ with α >= 0 has oneDNN's): PyTorch's
// elu_backward on the result — f′ = input_scale·(y + scale·α) where y <= 0,
// scale elsewhere; right for α >= 0, where y <= 0 exactly where x <= 0.
void record_elu_from_output(NodeKind kind, Tensor& y, float alpha, float scale, float input_scale) {
  const SavedTensor saved = SavedTensor::output(y);
  record(kind, y, {y},
         Backward{.fast =
                      [v = saved.values(), alpha, scale, input_scale](const Tensor& g) {
                        return grads(
                            backward_kernel(v, g, [&](const float* s, const float* dy, float* dx, int64_t n) {
                              kernels::elu_backward_from_output(s, dy, dx, n, alpha, scale, input_scale);
                            }));
                      },
                  .differentiable =
                      [v = saved, alpha, scale, input_scale](const Tensor& g) {
                        Tensor out = v.get();
                        return grads(g * where(out > 0.0f, scale, (out + scale * alpha) * input_scale));
                      }},
         {y});
}
}  // namespace

Tensor elu(const Tensor& x, float alpha) {
  check_defined(x, "elu");
  check_not_nan(alpha, "elu", "alpha");
  return elu_into(x, alpha, Tensor::empty(x.shape()));
}

Tensor& elu_(Tensor& x, float alpha) {
  check_not_nan(alpha, "elu_", "alpha");
  begin_inplace(x, "elu_");
  elu_into(x, alpha, x);
  return x;
}

// selu = λ·elu(x, α) with the constants of Klambauer et al. 2017;
// selu' = λ·elu'(x) (λα at 0). Two primitives: elu, then linear (·λ) in place.
constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr const char* kSeluRule = "y = l * elu(x, a): dx = l * elu'(x) * g";

Tensor selu(const Tensor& x) {
  check_defined(x, "selu");
  Tensor y = eltwise(x, Eltwise::elu, kSeluAlpha);
  kernels::eltwise_forward(Eltwise::linear, kSeluScale, 0, y.data(), y.data(), y.numel());
  if (needs_grad(x)) {
    const SavedTensor saved(x);
    record({"SeluBackward", kSeluRule}, y, {x},
           Backward{.fast =
                        [x = saved.values()](const Tensor& g) {
                          Tensor dx = eltwise_grad(x, g, Eltwise::elu, kSeluAlpha);
                          kernels::eltwise_forward(Eltwise::linear, kSeluScale, 0, dx.data(), dx.data(),
                                                   dx.numel());
                          return grads(dx);
                        },
                    .differentiable = backward_by_formula(
                        {saved}, [](const std::vector<Tensor>& in) { return reference::selu(in[0]); })},
           {x});
  }
  return y;
}

Tensor& selu_(Tensor& x) {
  begin_inplace(x, "selu_");
  kernels::eltwise_forward(Eltwise::elu, kSeluAlpha, 0, x.data(), x.data(), x.numel());
  kernels::eltwise_forward(Eltwise::linear, kSeluScale, 0, x.data(), x.data(), x.numel());
  if (needs_grad(x)) record_elu_from_output({"SeluBackward", kSeluRule}, x, kSeluAlpha, kSeluScale, 1.0f);
  return x;
}

// celu(x, α) = α·elu(x/α, 1); celu' = elu'(x/α, 1) (1 at 0, PyTorch): the α
// and the 1/α of the chain rule cancel. Forward: linear (·1/α), elu, linear (·α).
namespace {
constexpr const char* kCeluRule = "y = x or a(e^(x/a) - 1): dx = g where x > 0, else g * e^(x/a)";

void check_celu_alpha(float alpha, const char* op) {
  check_not_nan(alpha, op, "alpha");
  if (alpha == 0) fail(op, ": alpha must not be 0 (the formula divides by it)");
}

void celu_forward(const float* x, float* y, int64_t n, float alpha) {
  kernels::eltwise_forward(Eltwise::linear, 1.0f / alpha, 0, x, y, n);
  kernels::eltwise_forward(Eltwise::elu, 1.0f, 0, y, y, n);
  kernels::eltwise_forward(Eltwise::linear, alpha, 0, y, y, n);
}
}  // namespace

Tensor celu(const Tensor& x, float alpha) {
  check_defined(x, "celu");
  check_celu_alpha(alpha, "celu");
  Tensor y = Tensor::empty(x.shape());
  celu_forward(x.data(), y.data(), y.numel(), alpha);
  if (needs_grad(x)) {
    const SavedTensor saved(x);
    record({"CeluBackward", kCeluRule}, y, {x},
           Backward{.fast =
                        [x = saved.values(), alpha](const Tensor& g) {
                          Tensor scaled = eltwise(x, Eltwise::linear, 1.0f / alpha);
                          return grads(eltwise_grad(scaled, g, Eltwise::elu, 1.0f));
                        },
                    .differentiable = backward_by_formula(
                        {saved},
                        [alpha](const std::vector<Tensor>& in) { return reference::celu(in[0], alpha); })},
           {x});
  }
  return y;
}

// celu_ reads its output: celu' = (y + α)/α where y <= 0 (α > 0).
Tensor& celu_(Tensor& x, float alpha) {
  check_celu_alpha(alpha, "celu_");
  begin_inplace(x, "celu_");
  celu_forward(x.data(), x.data(), x.numel(), alpha);
  if (!needs_grad(x)) return x;
  if (alpha > 0)
    record_elu_from_output({"CeluBackward", kCeluRule}, x, alpha, 1.0f, 1.0f / alpha);
  else
    record(
        {"CeluBackward", kCeluRule}, x, {x},
        input_was_overwritten("CeluBackward", detail::cat("celu_ ran with a negative alpha (", alpha, ")")));
  return x;
}

Tensor logsigmoid(const Tensor& x) {
  check_defined(x, "logsigmoid");
  Tensor y = eltwise(x, Eltwise::logsigmoid);
  if (kernels::logsigmoid_needs_tail(x.data(), x.numel())) {
    Tensor u = Tensor::empty(x.shape());  // e^(−x)
    kernels::eltwise_forward_scaled(Eltwise::exp, -1.0f, x.data(), u.data(), u.numel());
    kernels::logsigmoid_tail(x.data(), u.data(), y.data(), y.numel());
  }
  if (needs_grad(x)) {
    const SavedTensor saved(x);
    record({"LogSigmoidBackward", "y = log sigmoid(x): dx = g * (1 - sigmoid(x))"}, y, {x},
           Backward{.fast = [x = saved.values()](
                                const Tensor& g) { return grads(eltwise_grad(x, g, Eltwise::logsigmoid)); },
                    .differentiable = [x = saved](const Tensor& g) { return grads(g * sigmoid(-x.get())); }},
           {x});
  }
  return y;
}

// silu = swish with β = 1; silu' = σ(x)(1 + x(1 − σ(x))).
Tensor silu(const Tensor& x) {
  check_defined(x, "silu");
  return eltwise_op(
      {"SiluBackward", "y = x sigmoid(x): dx = g * s (1 + x (1 - s)), s = sigmoid(x)"}, x, Eltwise::swish,
      [](const Tensor& v) {
        Tensor s = sigmoid(v);
        return s * (1.0f + v * (1.0f - s));
      },
      1.0f);
}

// mish' = tanh(sp) + x·σ(x)(1 − tanh²(sp)), sp = ln(1 + eˣ).
Tensor mish(const Tensor& x) {
  check_defined(x, "mish");
  return eltwise_op({"MishBackward",
                     "y = x tanh(softplus(x)): dx = g * (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x))"},
                    x, Eltwise::mish,
                    [](const Tensor& v) { return derivative_by_formula(v, reference::mish); });
}

// hardswish forward on oneDNN; the backward is a loop with PyTorch's values
// at the kinks: x < −3 → 0, x < 3 → x/3 + 1/2, else 1 (so −1/2 at −3, 1 at 3;
// oneDNN's backward gives 0 at −3).
Tensor hardswish(const Tensor& x) {
  check_defined(x, "hardswish");
  Tensor y = eltwise(x, Eltwise::hardswish);
  if (needs_grad(x)) {
    const SavedTensor saved(x);
    record(
        {"HardswishBackward", "y = x relu6(x + 3) / 6: dx = g * (2x + 3) / 6 on (-3, 3), 0 below, g above"},
        y, {x},
        Backward{.fast =
                     [x = saved.values()](const Tensor& g) {
                       return grads(backward_kernel(x, g, kernels::hardswish_backward));
                     },
                 .differentiable =  // PyTorch's pieces: 0 below −3, x/3 + 1/2 up to 3 (−1/2 at −3), 1 above
                 [x = saved](const Tensor& g) {
                   Tensor v = x.get();
                   return grads(g * where(v < -3.0f, 0.0f, where(v <= 3.0f, v / 3.0f + 0.5f, 1.0f)));
                 }},
        {x});
  }
  return y;
}

// silu_, mish_ and hardswish_: their derivative is not a function of the
// output (none is monotone), so, as PyTorch does, the node keeps a copy of the input.
Tensor& silu_(Tensor& x) {
  return detail::inplace_through_copy(x, "silu_", [](const Tensor& t) { return silu(t); });
}
Tensor& mish_(Tensor& x) {
  return detail::inplace_through_copy(x, "mish_", [](const Tensor& t) { return mish(t); });
}
Tensor& hardswish_(Tensor& x) {
  return detail::inplace_through_copy(x, "hardswish_", [](const Tensor& t) { return hardswish(t); });
}

// hardsigmoid = clamp((x + b)/d, lo, hi): PyTorch's relu6(x + 3)/6 with the
// defaults (3, 6, 0, 1), the activation tutorial's HardSigmoid with (1, 2).
// hardsigmoid' = 1/d strictly between the bounds, 0 at them and outside — PyTorch's
// hardsigmoid'(±3) = 0 (torch.clamp's gradient would pass at the bounds).
// The default is one loop pass (oneDNN 2.6 would need two primitives, linear
// then clip_v2) whose backward reads x: −3 < x < 3. Other parameters, and
// hardsigmoid_, read the output: lo < y < hi exactly where lo < (x + b)/d < hi,
// so the input may be freed or overwritten. (The default's x-mask and the
// y-mask differ only at the largest float below 3, where x + 3 rounds to 6.)
namespace {
constexpr const char* kHardsigmoidRule = "y = relu6(x + 3) / 6: dx = g / 6 on (-3, 3), else 0";

bool is_default_hardsigmoid(float bias, float divisor, float min_value, float max_value) {
  return bias == 3.0f && divisor == 6.0f && min_value == 0.0f && max_value == 1.0f;
}

std::string shortest(float v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// The rule with the parameters in it: the text lives in the node (NodeKind's owned_rule).
NodeKind hardsigmoid_kind(float bias, float divisor, float min_value, float max_value) {
  std::string b = shortest(bias), d = shortest(divisor), lo = shortest(min_value), hi = shortest(max_value);
  return {"HardsigmoidBackward", "y = clamp((x + " + b + ") / " + d + ", " + lo + ", " + hi + "): dx = g / " +
                                     d + " where " + lo + " < y < " + hi + ", else 0"};
}

Tensor hardsigmoid_into(const Tensor& x, float bias, float divisor, float min_value, float max_value,
                        Tensor y) {
  const bool by_default = is_default_hardsigmoid(bias, divisor, min_value, max_value);
  if (by_default)
    kernels::hardsigmoid_forward(x.data(), y.data(), x.numel());
  else
    kernels::hardsigmoid_forward(x.data(), y.data(), x.numel(), bias, divisor, min_value, max_value);
  if (!needs_grad(x)) return y;
  if (by_default && !same_tensor(x, y)) {
    const SavedTensor saved(x);
    record({"HardsigmoidBackward", kHardsigmoidRule}, y, {x},
           Backward{.fast =
                        [x = saved.values()](const Tensor& g) {
                          return grads(backward_kernel(x, g, kernels::hardsigmoid_backward));
                        },
                    .differentiable =
                        [x = saved](const Tensor& g) {
                          Tensor v = x.get();
                          return grads(piecewise_constant_product(g, (v > -3.0f) * (v < 3.0f) / 6.0f, v));
                        }},
           {x});
    return y;
  }
  const SavedTensor saved = SavedTensor::output(y);
  record(by_default ? NodeKind{"HardsigmoidBackward", kHardsigmoidRule}
                    : hardsigmoid_kind(bias, divisor, min_value, max_value),
         y, {x},
         Backward{.fast =
                      [y = saved.values(), divisor, min_value, max_value](const Tensor& g) {
                        return grads(
                            backward_kernel(y, g, [&](const float* v, const float* dy, float* dx, int64_t n) {
                              kernels::hardsigmoid_backward_from_output(v, dy, dx, n, divisor, min_value,
                                                                        max_value);
                            }));
                      },
                  .differentiable =
                      [y = saved, divisor, min_value, max_value](const Tensor& g) {
                        Tensor out = y.get();
                        return grads(piecewise_constant_product(
                            g, (out > min_value) * (out < max_value) / divisor, out));
                      }},
         {y});
  return y;
}
}  // namespace

Tensor hardsigmoid(const Tensor& x, float bias, float divisor, float min_value, float max_value) {
  check_defined(x, "hardsigmoid");
  detail::check_hardsigmoid_options("hardsigmoid", bias, divisor, min_value, max_value);
  return hardsigmoid_into(x, bias, divisor, min_value, max_value, Tensor::empty(x.shape()));
}

Tensor& hardsigmoid_(Tensor& x, float bias, float divisor, float min_value, float max_value) {
  detail::check_hardsigmoid_options("hardsigmoid_", bias, divisor, min_value, max_value);
  begin_inplace(x, "hardsigmoid_");
  hardsigmoid_into(x, bias, divisor, min_value, max_value, x);
  return x;
}

// gelu (erf): x·Φ(x), gelu' = Φ(x) + x·φ(x). gelu (tanh): Hendrycks & Gimpel's
// approximation x/2·(1 + tanh(√(2/π)(x + 0.044715x³))). Both smooth: no kinks.
Tensor gelu(const Tensor& x, std::string_view approximate) {
  check_defined(x, "gelu");
  if (approximate == "none")
    return eltwise_op({"GeluBackward", "y = x Phi(x): dx = g * (Phi(x) + x phi(x))"}, x, Eltwise::gelu_erf,
                      [](const Tensor& v) {
                        return derivative_by_formula(
                            v, [](const Tensor& t) { return reference::gelu(t, "none"); });
                      });
  if (approximate == "tanh")
    return eltwise_op({"GeluBackward", "y = x Phi(x): dx = g * (Phi(x) + x phi(x))"}, x, Eltwise::gelu_tanh,
                      [](const Tensor& v) {
                        return derivative_by_formula(
                            v, [](const Tensor& t) { return reference::gelu(t, "tanh"); });
                      });
  fail("gelu: approximate must be \"none\" or \"tanh\", got \"", std::string(approximate), "\"");
}

// softplus = ln(1 + e^(βx))/β, and x where βx > threshold (PyTorch's switch
// to the linear asymptote); softplus' = σ(βx), and 1 beyond the threshold.
// oneDNN 2.6's soft_relu has no β, so it runs on βx, and a loop divides by β,
// applies the threshold and redoes the far-left tail from e^(βx).
Tensor softplus(const Tensor& x, float beta, float threshold) {
  check_defined(x, "softplus");
  if (beta == 0 || !std::isfinite(beta)) fail("softplus: beta must be finite and nonzero, got ", beta);
  check_not_nan(threshold, "softplus", "threshold");
  Tensor y = Tensor::empty(x.shape());
  kernels::eltwise_forward_scaled(Eltwise::soft_relu, beta, x.data(), y.data(), y.numel());
  if (kernels::softplus_finish(x.data(), y.data(), y.numel(), beta, threshold)) {
    Tensor u = Tensor::empty(x.shape());  // e^(βx), for the far-left tail
    kernels::eltwise_forward_scaled(Eltwise::exp, beta, x.data(), u.data(), u.numel());
    kernels::softplus_tail(x.data(), u.data(), y.data(), y.numel(), beta);
  }
  if (!needs_grad(x)) return y;
  const SavedTensor saved(x);
  record({"SoftplusBackward", "y = log(1 + e^(bx)) / b: dx = g * sigmoid(bx)"}, y, {x},
         Backward{.fast =
                      [x = saved.values(), beta, threshold](const Tensor& g) {
                        Tensor bx = beta == 1.0f ? x : eltwise(x, Eltwise::linear, beta);
                        Tensor dx = eltwise_grad(bx, g, Eltwise::soft_relu);
                        kernels::softplus_backward_finish(x.data(), g.data(), dx.data(), dx.numel(), beta,
                                                          threshold);
                        return grads(dx);
                      },
                  .differentiable =  // σ(βx), and 1 past the threshold where softplus is x
                  [x = saved, beta, threshold](const Tensor& g) {
                    Tensor bx = x.get() * beta;
                    return grads(where(bx > threshold, g, g * sigmoid(bx)));
                  }},
         {x});
  return y;
}

}  // namespace ember::F
