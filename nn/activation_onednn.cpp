// The activations that run on oneDNN 2.6 eltwise primitives, forward and
// backward. Where a `_use_dst_for_bwd` algorithm exists the node keeps the
// output's storage instead of the input (the input may then be freed).
// Halves that oneDNN computes with another convention than PyTorch — NaN in
// relu/clip forwards, hardswish's gradient at ±3 — or that would take two
// primitives (hardsigmoid) are OpenMP loops from core/kernels/activation_loops.h.
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
using detail::piecewise_constant_product;
using detail::unary_kernel;
using kernels::Eltwise;

}  // namespace

// relu' = x > 0 ? 1 : 0 (0 at 0, PyTorch). The output is positive exactly
// where the input is, so the backward reads y and x may be freed. Both halves
// are loops: oneDNN's relu with alpha = 0 maps NaN to 0, and its backward is
// 3x slower than a loop on one thread.
namespace {
Tensor relu_from_loops(NodeKind node, const Tensor& x) {
  Tensor y = unary_kernel(x, kernels::relu_forward);
  if (needs_grad(x))
    record(node, y, {x},
           Backward{
               .fast = [y = y.detach()](
                           const Tensor& g) { return grads(backward_kernel(y, g, kernels::relu_backward)); },
               .differentiable =
                   [y = SavedTensor::output(y)](const Tensor& g) {
                     Tensor out = y.get();
                     return grads(piecewise_constant_product(g, out > 0.0f, out));
                   }},
           {y});
  return y;
}
}  // namespace

Tensor relu(const Tensor& x) {
  check_defined(x, "relu");
  return relu_from_loops({"ReluBackward", "y = max(x, 0): dx = g where x > 0, else 0"}, x);
}

// leaky_relu' = x > 0 ? 1 : slope (slope at 0, PyTorch). The forward is
// oneDNN's; the backward a loop that reads y when the slope is >= 0 (then
// y > 0 iff x > 0), and x otherwise.
Tensor leaky_relu(const Tensor& x, float negative_slope) {
  check_defined(x, "leaky_relu");
  check_not_nan(negative_slope, "leaky_relu", "negative_slope");
  if (negative_slope == 0)
    return relu_from_loops({"LeakyReluBackward", "y = x or s*x: dx = g where x > 0, else s*g"},
                           x);  // keeps NaN (see relu)
  Tensor y = eltwise(x, Eltwise::relu, negative_slope);
  if (needs_grad(x))
    record(
        {"LeakyReluBackward", "y = x or s*x: dx = g where x > 0, else s*g"}, y, {x},
        Backward{.fast =
                     [saved = negative_slope > 0 ? y.detach() : x.detach(), negative_slope](const Tensor& g) {
                       return grads(backward_kernel(
                           saved, g, [&](const float* v, const float* dy, float* dx, int64_t n) {
                             kernels::leaky_relu_backward(v, dy, dx, n, negative_slope);
                           }));
                     },
                 .differentiable =
                     [saved = negative_slope > 0 ? SavedTensor::output(y) : SavedTensor(x),
                      negative_slope](const Tensor& g) {
                       Tensor s = saved.get();
                       return grads(piecewise_constant_product(
                           g, where(s > 0.0f, 1.0f, full(s.shape(), negative_slope)), s));
                     }},
        {negative_slope > 0 ? y : x});
  return y;
}

// Both halves are loops: oneDNN's clip_v2 maps NaN to a bound, and its
// backward is slower than a loop. dy passes only inside the open interval
// (min, max) — PyTorch's convention, so relu6'(0) = relu6'(6) = 0.
Tensor hardtanh(const Tensor& x, float min_val, float max_val) {
  check_defined(x, "hardtanh");
  if (!(min_val <= max_val))
    fail("hardtanh: min_val (", min_val, ") must not be greater than max_val (", max_val, ")");
  Tensor y = unary_kernel(
      x, [&](const float* s, float* d, int64_t n) { kernels::hardtanh_forward(s, d, n, min_val, max_val); });
  if (needs_grad(x))
    record({"HardtanhBackward", "y = clamp(x, lo, hi): dx = g strictly inside (lo, hi), else 0"}, y, {x},
           Backward{.fast =
                        [x = x.detach(), min_val, max_val](const Tensor& g) {
                          return grads(backward_kernel(
                              x, g, [&](const float* s, const float* dy, float* dx, int64_t n) {
                                kernels::hardtanh_backward(s, dy, dx, n, min_val, max_val);
                              }));
                        },
                    .differentiable =
                        [x = SavedTensor(x), min_val, max_val](const Tensor& g) {
                          Tensor v = x.get();
                          return grads(piecewise_constant_product(g, (v > min_val) * (v < max_val), v));
                        }},
           {x});
  return y;
}

Tensor relu6(const Tensor& x) {
  check_defined(x, "relu6");
  return hardtanh(x, 0.0f, 6.0f);
}

// elu' = x > 0 ? 1 : α·eˣ = y + α (α at 0, PyTorch). With α >= 0 the sign of
// y is the sign of x, so the backward reads y (eltwise_elu_use_dst_for_bwd).
Tensor elu(const Tensor& x, float alpha) {
  check_defined(x, "elu");
  check_not_nan(alpha, "elu", "alpha");
  if (alpha >= 0)
    return eltwise_op(
        {"EluBackward", "y = x or a(e^x - 1): dx = g where x > 0, else g * (y + a)"}, x, Eltwise::elu_use_dst,
        [alpha](const Tensor& y) { return where(y > 0.0f, 1.0f, y + alpha); }, alpha);
  return eltwise_op(
      {"EluBackward", "y = x or a(e^x - 1): dx = g where x > 0, else g * (y + a)"}, x, Eltwise::elu,
      [alpha](const Tensor& v) {
        return derivative_by_formula(v, [alpha](const Tensor& t) { return reference::elu(t, alpha); });
      },
      alpha);
}

// selu = λ·elu(x, α) with the constants of Klambauer et al. 2017;
// selu' = λ·elu'(x) (λα at 0). Two primitives: elu, then linear (·λ) in place.
constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScale = 1.0507009873554804934193349852946f;

Tensor selu(const Tensor& x) {
  check_defined(x, "selu");
  Tensor y = eltwise(x, Eltwise::elu, kSeluAlpha);
  kernels::eltwise_forward(Eltwise::linear, kSeluScale, 0, y.data(), y.data(), y.numel());
  if (needs_grad(x))
    record({"SeluBackward", "y = l * elu(x, a): dx = l * elu'(x) * g"}, y, {x},
           Backward{.fast =
                        [x = x.detach()](const Tensor& g) {
                          Tensor dx = eltwise_grad(x, g, Eltwise::elu, kSeluAlpha);
                          kernels::eltwise_forward(Eltwise::linear, kSeluScale, 0, dx.data(), dx.data(),
                                                   dx.numel());
                          return grads(dx);
                        },
                    .differentiable = backward_by_formula(
                        {x}, [](const std::vector<Tensor>& in) { return reference::selu(in[0]); })},
           {x});
  return y;
}

// celu(x, α) = α·elu(x/α, 1); celu' = elu'(x/α, 1) (1 at 0, PyTorch): the α
// and the 1/α of the chain rule cancel. Forward: linear (·1/α), elu, linear (·α).
Tensor celu(const Tensor& x, float alpha) {
  check_defined(x, "celu");
  check_not_nan(alpha, "celu", "alpha");
  if (alpha == 0) fail("celu: alpha must not be 0 (the formula divides by it)");
  Tensor y = eltwise(x, Eltwise::linear, 1.0f / alpha);
  kernels::eltwise_forward(Eltwise::elu, 1.0f, 0, y.data(), y.data(), y.numel());
  kernels::eltwise_forward(Eltwise::linear, alpha, 0, y.data(), y.data(), y.numel());
  if (needs_grad(x))
    record(
        {"CeluBackward", "y = x or a(e^(x/a) - 1): dx = g where x > 0, else g * e^(x/a)"}, y, {x},
        Backward{.fast =
                     [x = x.detach(), alpha](const Tensor& g) {
                       Tensor scaled = eltwise(x, Eltwise::linear, 1.0f / alpha);
                       return grads(eltwise_grad(scaled, g, Eltwise::elu, 1.0f));
                     },
                 .differentiable = backward_by_formula(
                     {x}, [alpha](const std::vector<Tensor>& in) { return reference::celu(in[0], alpha); })},
        {x});
  return y;
}

Tensor logsigmoid(const Tensor& x) {
  check_defined(x, "logsigmoid");
  Tensor y = eltwise(x, Eltwise::logsigmoid);
  if (kernels::logsigmoid_needs_tail(x.data(), x.numel())) {
    Tensor u = Tensor::empty(x.shape());  // e^(−x)
    kernels::eltwise_forward_scaled(Eltwise::exp, -1.0f, x.data(), u.data(), u.numel());
    kernels::logsigmoid_tail(x.data(), u.data(), y.data(), y.numel());
  }
  if (needs_grad(x))
    record({"LogSigmoidBackward", "y = log sigmoid(x): dx = g * (1 - sigmoid(x))"}, y, {x},
           Backward{.fast = [x = x.detach()](
                                const Tensor& g) { return grads(eltwise_grad(x, g, Eltwise::logsigmoid)); },
                    .differentiable =
                        [x = SavedTensor(x)](const Tensor& g) { return grads(g * sigmoid(-x.get())); }},
           {x});
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
  if (needs_grad(x))
    record(
        {"HardswishBackward", "y = x relu6(x + 3) / 6: dx = g * (2x + 3) / 6 on (-3, 3), 0 below, g above"},
        y, {x},
        Backward{.fast =
                     [x = x.detach()](const Tensor& g) {
                       return grads(backward_kernel(x, g, kernels::hardswish_backward));
                     },
                 .differentiable =  // PyTorch's pieces: 0 below −3, x/3 + 1/2 up to 3 (−1/2 at −3), 1 above
                 [x = SavedTensor(x)](const Tensor& g) {
                   Tensor v = x.get();
                   return grads(g * where(v < -3.0f, 0.0f, where(v <= 3.0f, v / 3.0f + 0.5f, 1.0f)));
                 }},
        {x});
  return y;
}

// hardsigmoid = relu6(x + 3)/6, one loop pass (oneDNN 2.6 would need two
// primitives, linear then clip_v2); hardsigmoid' = 1/6 inside (−3, 3), else 0.
Tensor hardsigmoid(const Tensor& x) {
  check_defined(x, "hardsigmoid");
  Tensor y = unary_kernel(x, kernels::hardsigmoid_forward);
  if (needs_grad(x))
    record({"HardsigmoidBackward", "y = relu6(x + 3) / 6: dx = g / 6 on (-3, 3), else 0"}, y, {x},
           Backward{.fast =
                        [x = x.detach()](const Tensor& g) {
                          return grads(backward_kernel(x, g, kernels::hardsigmoid_backward));
                        },
                    .differentiable =
                        [x = SavedTensor(x)](const Tensor& g) {
                          Tensor v = x.get();
                          return grads(piecewise_constant_product(g, (v > -3.0f) * (v < 3.0f) / 6.0f, v));
                        }},
           {x});
  return y;
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
  if (needs_grad(x))
    record({"SoftplusBackward", "y = log(1 + e^(bx)) / b: dx = g * sigmoid(bx)"}, y, {x},
           Backward{.fast =
                        [x = x.detach(), beta, threshold](const Tensor& g) {
                          Tensor bx = beta == 1.0f ? x : eltwise(x, Eltwise::linear, beta);
                          Tensor dx = eltwise_grad(bx, g, Eltwise::soft_relu);
                          kernels::softplus_backward_finish(x.data(), g.data(), dx.data(), dx.numel(), beta,
                                                            threshold);
                          return grads(dx);
                        },
                    .differentiable =  // σ(βx), and 1 past the threshold where softplus is x
                    [x = SavedTensor(x), beta, threshold](const Tensor& g) {
                      Tensor bx = x.get() * beta;
                      return grads(where(bx > threshold, g, g * sigmoid(bx)));
                    }},
           {x});
  return y;
}

}  // namespace ember::F
