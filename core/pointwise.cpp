// Pointwise ops of one tensor. Each forward is a loop over the elements; its
// backward, right under it, is the derivative times the incoming gradient.
#include <cmath>
#include <numbers>

#include "core/elementwise.h"
#include "core/node.h"
#include "core/ops.h"

namespace ember {

using detail::eltwise_op;
using detail::map_values;
using detail::zip_values;

Tensor neg(const Tensor& x) {
  Tensor y = map_values(x, [](float v) { return -v; });
  if (needs_grad(x))
    record({"NegBackward", "y = -x: dx = -g"}, y, {x},
           Backward{.differentiable = [](const Tensor& g) { return grads(-g); }});
  return y;
}

// d/dx e^x = e^x: the backward reads the output.
Tensor exp(const Tensor& x) {
  Tensor y = map_values(x, [](float v) { return std::exp(v); });
  if (needs_grad(x))
    record({"ExpBackward", "y = exp(x): dx = g * y"}, y, {x},
           Backward{.differentiable =
                        [y = SavedTensor::output(y)](const Tensor& g) { return grads(g * y.get()); }},
           {y});
  return y;
}

// d/dx log x = 1/x.
Tensor log(const Tensor& x) {
  Tensor y = map_values(x, [](float v) { return std::log(v); });
  if (needs_grad(x))
    record({"LogBackward", "y = log(x): dx = g / x"}, y, {x},
           Backward{.differentiable = [x = SavedTensor(x)](const Tensor& g) { return grads(g / x.get()); }},
           {x});
  return y;
}

// d/dx log(1 + x) = 1/(1 + x); accurate for tiny x where log(1 + x) rounds to 0.
Tensor log1p(const Tensor& x) {
  Tensor y = map_values(x, [](float v) { return std::log1p(v); });
  if (needs_grad(x))
    record({"Log1PBackward", "y = log(1 + x): dx = g / (1 + x)"}, y, {x},
           Backward{.differentiable =
                        [x = SavedTensor(x)](const Tensor& g) { return grads(g / (x.get() + 1.0f)); }},
           {x});
  return y;
}

// d/dx √x = 1/(2√x).
Tensor sqrt(const Tensor& x) {
  Tensor y = map_values(x, [](float v) { return std::sqrt(v); });
  if (needs_grad(x))
    record({"SqrtBackward", "y = sqrt(x): dx = g / (2 y)"}, y, {x},
           Backward{.differentiable = [y = SavedTensor::output(y)](
                                          const Tensor& g) { return grads(g / (y.get() * 2.0f)); }},
           {y});
  return y;
}

Tensor sign(const Tensor& x) {
  return map_values(x, [](float v) { return std::isnan(v) ? v : static_cast<float>((v > 0) - (v < 0)); });
}

// d/dx |x| = sign(x), taken as 0 at 0 (PyTorch's convention).
Tensor abs(const Tensor& x) {
  Tensor y = map_values(x, [](float v) { return std::fabs(v); });
  if (needs_grad(x))
    record({"AbsBackward", "y = |x|: dx = g * sign(x)"}, y, {x},
           Backward{
               .differentiable = [x = SavedTensor(x)](const Tensor& g) { return grads(g * sign(x.get())); }},
           {x});
  return y;
}

// tanh and sigmoid are one function each: oneDNN's eltwise primitives, whose
// *_use_dst algorithms make the backward read only the output —
// tanh' = 1 − y², σ' = y(1 − y). F::tanh and F::sigmoid name these same
// functions; reference::tanh and reference::sigmoid write the plain formulas.
Tensor tanh(const Tensor& x) {
  if (!x.defined()) fail("tanh: the input tensor is undefined");
  return eltwise_op({"TanhBackward", "y = tanh(x): dx = g * (1 - y^2)"}, x, kernels::Eltwise::tanh_use_dst,
                    [](const Tensor& y) { return 1.0f - y * y; });
}

Tensor sigmoid(const Tensor& x) {
  if (!x.defined()) fail("sigmoid: the input tensor is undefined");
  return eltwise_op({"SigmoidBackward", "y = sigmoid(x): dx = g * y * (1 - y)"}, x,
                    kernels::Eltwise::logistic_use_dst, [](const Tensor& y) { return y * (1.0f - y); });
}

Tensor detail::piecewise_constant_product(const Tensor& g, const Tensor& factor, const Tensor& x) {
  Tensor y = g.detach() * factor;
  if (needs_grad(g, x))
    record({"PiecewiseConstantProductBackward", "y = g * c(x), c piecewise constant: dg = h * c, dx = 0"}, y,
           {g, x},
           Backward{.differentiable = [factor = factor.detach(), x_shape = x.shape()](const Tensor& h) {
             return grads(h * factor, zeros(x_shape));
           }});
  return y;
}

// d/dx sin x = cos x, d/dx cos x = −sin x: each backward is the other op.
Tensor sin(const Tensor& x) {
  Tensor y = map_values(x, [](float v) { return std::sin(v); });
  if (needs_grad(x))
    record(
        {"SinBackward", "y = sin(x): dx = g * cos(x)"}, y, {x},
        Backward{.differentiable = [x = SavedTensor(x)](const Tensor& g) { return grads(g * cos(x.get())); }},
        {x});
  return y;
}

Tensor cos(const Tensor& x) {
  Tensor y = map_values(x, [](float v) { return std::cos(v); });
  if (needs_grad(x))
    record({"CosBackward", "y = cos(x): dx = -g * sin(x)"}, y, {x},
           Backward{
               .differentiable = [x = SavedTensor(x)](const Tensor& g) { return grads(-g * sin(x.get())); }},
           {x});
  return y;
}

// d/dx erf x = 2/√π · e^(−x²).
Tensor erf(const Tensor& x) {
  Tensor y = map_values(x, [](float v) { return std::erf(v); });
  if (needs_grad(x)) {
    const SavedTensor saved(x);
    record({"ErfBackward", "y = erf(x): dx = g * 2/sqrt(pi) * exp(-x^2)"}, y, {x},
           Backward{.fast =
                        [x = saved.values()](const Tensor& g) {
                          const float k = 2.0f / std::sqrt(std::numbers::pi_v<float>);
                          return grads(zip_values(
                              g, x, "erf", [k](float gv, float xv) { return gv * k * std::exp(-xv * xv); }));
                        },
                    .differentiable =
                        [x = saved](const Tensor& g) {
                          const float k = 2.0f / std::sqrt(std::numbers::pi_v<float>);
                          Tensor v = x.get();
                          return grads(g * k * exp(-(v * v)));
                        }},
           {x});
  }
  return y;
}

// d/dx xᵖ = p·xᵖ⁻¹ (and 0 when p = 0, as PyTorch).
Tensor pow(const Tensor& x, float p) {
  Tensor y = map_values(x, [p](float v) { return std::pow(v, p); });
  if (needs_grad(x))
    record({"PowBackward", "y = x^p: dx = g * p * x^(p-1)"}, y, {x},
           Backward{.fast =
                        [x = x.detach(), p](const Tensor& g) {
                          return grads(zip_values(g, x, "pow", [p](float gv, float xv) {
                            return p == 0 ? 0.0f : gv * p * std::pow(xv, p - 1);
                          }));
                        },
                    .differentiable =
                        [x = SavedTensor(x), p](const Tensor& g) {
                          return grads(p == 0 ? zeros(g.shape()) : g * p * pow(x.get(), p - 1));
                        }},
           {x});
  return y;
}

// d/dx bˣ = bˣ · ln b.
Tensor pow(float base, const Tensor& x) {
  Tensor y = map_values(x, [base](float v) { return std::pow(base, v); });
  if (needs_grad(x))
    record({"PowBackward", "y = x^p: dx = g * p * x^(p-1)"}, y, {x},
           Backward{.differentiable = [y = SavedTensor::output(y), base](
                                          const Tensor& g) { return grads(g * y.get() * std::log(base)); }},
           {y});
  return y;
}

// The gradient passes where lo <= x <= hi, inclusive at both bounds (PyTorch).
static Tensor clamp_between(const Tensor& x, float lo, float hi, NodeKind kind) {
  Tensor y = map_values(x, [lo, hi](float v) { return std::isnan(v) ? v : std::min(std::max(v, lo), hi); });
  if (needs_grad(x))
    record(kind, y, {x},
           Backward{.fast =
                        [x = x.detach(), lo, hi](const Tensor& g) {
                          return grads(zip_values(g, x, "clamp", [lo, hi](float gv, float xv) {
                            return xv >= lo && xv <= hi ? gv : 0.0f;
                          }));
                        },
                    .differentiable =  // the mask is a constant: its derivative is 0
                    [x = x.detach(), lo, hi](const Tensor& g) { return grads(g * ((x >= lo) * (x <= hi))); }},
           {x});
  return y;
}

Tensor clamp(const Tensor& x, float lo, float hi) {
  check_not_nan(lo, "clamp", "min");
  check_not_nan(hi, "clamp", "max");
  if (lo > hi) fail("clamp: min ", lo, " is greater than max ", hi);
  return clamp_between(x, lo, hi,
                       {"ClampBackward", "y = clamp(x, lo, hi): dx = g where lo <= x <= hi, else 0"});
}
Tensor clamp_min(const Tensor& x, float lo) {
  check_not_nan(lo, "clamp_min", "min");
  return clamp_between(x, lo, INFINITY, {"ClampMinBackward", "y = max(x, lo): dx = g where x >= lo, else 0"});
}
Tensor clamp_max(const Tensor& x, float hi) {
  check_not_nan(hi, "clamp_max", "max");
  return clamp_between(x, -INFINITY, hi,
                       {"ClampMaxBackward", "y = min(x, hi): dx = g where x <= hi, else 0"});
}

}  // namespace ember
