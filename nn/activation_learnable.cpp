// Activations with a parameter or a random draw: prelu (oneDNN's prelu
// primitive, which also reduces the weight gradient, for per-channel slopes; a
// loop for one shared slope, which oneDNN runs 40x slower), rrelu (random
// slopes in training, kept for the backward; a fixed slope in evaluation) and
// swish with a learnable β (loops: oneDNN would bake each new β into a new primitive).
#include <cmath>
#include <string>

#include "core/kernels/activation_loops.h"
#include "core/kernels/onednn_eltwise.h"
#include "core/kernels/prelu.h"
#include "core/node.h"
#include "core/ops.h"
#include "core/random.h"
#include "nn/activation.h"
#include "nn/activation_detail.h"
#include "nn/reference.h"

namespace ember::F {

using detail::backward_by_formula;
using detail::check_defined;

// prelu = x > 0 ? x : w·x (w at 0, PyTorch); ∂/∂x = x > 0 ? 1 : w and
// ∂/∂w = x > 0 ? 0 : x, summed over every element sharing the slope.
// PyTorch's rule for which slope an element uses: the weight has one value
// (shared by all), or one per channel, the channels being dim 1 — a tensor of
// rank 0 or 1 has a single channel.
Tensor prelu(const Tensor& x, const Tensor& weight) {
  check_defined(x, "prelu");
  if (!weight.defined()) fail("prelu: the weight tensor is undefined");
  if (weight.dim() > 1) fail("prelu: weight must be a scalar or 1-D tensor, got shape ", weight.shape());
  int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
  int64_t wn = weight.numel();
  if (wn != 1 && wn != channels)
    fail("prelu: weight has ", wn, " parameters but the input has ", channels, " channels (input ", x.shape(),
         ", channels are dim 1); expected ",
         channels == 1 ? std::string("1") : "1 or " + std::to_string(channels));
  int64_t batch = x.dim() >= 2 ? x.size(0) : 1;
  int64_t inner = channels * batch == 0 ? 0 : x.numel() / (batch * channels);
  Tensor y = Tensor::empty(x.shape());
  if (wn == 1)
    kernels::prelu_shared_forward(x.data(), y.data(), x.numel(), weight.item());
  else
    kernels::prelu_forward(x.data(), weight.data(), y.data(), batch, channels, inner, wn);
  if (needs_grad(x, weight)) {
    const SavedTensor saved_x(x), saved_w(weight);
    record({"PreluBackward", "y = x or a*x: dx = g or a*g; da = sum of g*x where x <= 0"}, y, {x, weight},
           Backward{
               .fast =
                   [x = saved_x.values(), w = saved_w.values(), batch, channels, inner, wn](const Tensor& g) {
                     Tensor dx = Tensor::empty(x.shape()), dw = Tensor::empty(w.shape());
                     if (wn == 1)
                       dw.fill_(static_cast<float>(kernels::prelu_shared_backward(
                           x.data(), g.data(), dx.data(), x.numel(), w.item())));
                     else
                       kernels::prelu_backward(x.data(), w.data(), g.data(), dx.data(), dw.data(), batch,
                                               channels, inner, wn);
                     return grads(dx, dw);
                   },
               .differentiable = backward_by_formula(
                   {saved_x, saved_w},
                   [](const std::vector<Tensor>& in) { return reference::prelu(in[0], in[1]); })},
           {x, weight});
  }
  return y;
}

// rrelu (Xu et al. 2015). Training: slope r ~ U(lower, upper) drawn for every
// element from ember's generator (so manual_seed reproduces it), used where
// x <= 0; y = x·r and ∂y/∂x = r — the drawn slopes are what the node keeps.
// Evaluation: leaky_relu with the mean slope (lower + upper)/2, whose backward
// rrelu_ reads from the output when that slope is >= 0 (y > 0 iff x > 0), and
// cannot run when it is negative (PyTorch's rule).
namespace {
void check_rrelu_bounds(float lower, float upper, const char* op) {
  if (!std::isfinite(lower) || !std::isfinite(upper) || lower > upper)
    fail(op, ": lower (", lower, ") must be less than or equal to upper (", upper, "), both finite");
}

constexpr const char* kRreluRule = "y = x or r*x (r drawn per element): dx = g or r*g";

Tensor rrelu_into(const Tensor& x, float lower, float upper, bool training, Tensor y) {
  const bool in_place = detail::same_tensor(x, y);
  if (!training) {
    float slope = (lower + upper) / 2;
    if (slope == 0)  // oneDNN's relu with alpha = 0 would turn NaN into 0
      kernels::relu_forward(x.data(), y.data(), y.numel());
    else
      kernels::eltwise_forward(kernels::Eltwise::relu, slope, 0, x.data(), y.data(), y.numel());
    if (!needs_grad(x)) return y;
    if (in_place && slope < 0) {
      record({"RreluBackward", kRreluRule}, y, {x},
             detail::input_was_overwritten(
                 "RreluBackward", detail::cat("rrelu_ ran with a negative mean slope (", slope, ")")));
      return y;
    }
    const SavedTensor saved = detail::saved_input(x, y);
    record({"RreluBackward", kRreluRule}, y, {x},
           Backward{.fast =
                        [v = saved.values(), slope, in_place](const Tensor& g) {
                          Tensor dx = Tensor::empty(v.shape());
                          if (in_place)  // v is the output: y > 0 where x > 0 (slope >= 0)
                            kernels::leaky_relu_backward(v.data(), g.data(), dx.data(), dx.numel(), slope);
                          else
                            kernels::eltwise_backward(kernels::Eltwise::relu, slope, 0, v.data(), g.data(),
                                                      dx.data(), dx.numel());
                          return grads(dx);
                        },
                    .differentiable =
                        [v = saved, slope](const Tensor& g) {
                          Tensor t = v.get();
                          return grads(detail::piecewise_constant_product(
                              g, where(t > 0.0f, 1.0f, full(t.shape(), slope)), t));
                        }},
           {x});
    return y;
  }
  Tensor slopes = Tensor::empty(x.shape());
  default_generator().uniform(slopes.data(), slopes.numel(), lower, upper);
  kernels::rrelu_forward(x.data(), slopes.data(), y.data(), y.numel());
  if (needs_grad(x))
    record({"RreluBackward", kRreluRule}, y, {x},
           Backward{.differentiable = [slopes, v = detail::saved_input(x, y)](const Tensor& g) {
             return grads(detail::piecewise_constant_product(g, slopes, v.get()));
           }});
  return y;
}
}  // namespace

Tensor rrelu(const Tensor& x, float lower, float upper, bool training) {
  check_defined(x, "rrelu");
  check_rrelu_bounds(lower, upper, "rrelu");
  return rrelu_into(x, lower, upper, training, Tensor::empty(x.shape()));
}

Tensor& rrelu_(Tensor& x, float lower, float upper, bool training) {
  check_rrelu_bounds(lower, upper, "rrelu_");
  begin_inplace(x, "rrelu_");
  rrelu_into(x, lower, upper, training, x);
  return x;
}

namespace {
// σ(βx): a loop scales, oneDNN's logistic (which does not depend on β) follows.
Tensor sigmoid_of_scaled(const Tensor& x, float beta) {
  Tensor s = Tensor::empty(x.shape());
  kernels::eltwise_forward_scaled(kernels::Eltwise::logistic, beta, x.data(), s.data(), x.numel());
  return s;
}
}  // namespace

// swish = x·σ(βx), σ(βx) kept for the backward (F::silu is the oneDNN
// eltwise_swish with β = 1);
// ∂/∂x = σ(βx)(1 + βx(1 − σ(βx))), ∂/∂β = x²·σ(βx)(1 − σ(βx)), summed.
Tensor swish(const Tensor& x, const Tensor& beta) {
  check_defined(x, "swish");
  if (!beta.defined() || beta.numel() != 1)
    fail("swish: beta must be a one-element tensor, got ",
         beta.defined() ? shape_str(beta.shape()) : "undefined");
  float b = beta.item();
  Tensor y = Tensor::empty(x.shape());
  Tensor s = sigmoid_of_scaled(x, b);
  kernels::swish_forward(x.data(), s.data(), y.data(), y.numel());
  if (needs_grad(x, beta)) {
    const SavedTensor saved_x(x), saved_beta(beta);
    record({"SwishBackward", "y = x sigmoid(bx): dx = g * (s + b x s (1 - s)), db = g * x^2 s (1 - s)"}, y,
           {x, beta},
           Backward{.fast =
                        [x = saved_x.values(), s, b, beta_shape = beta.shape(),
                         want_beta = beta.requires_grad()](const Tensor& g) {
                          Tensor dx = Tensor::empty(x.shape()), dbeta;
                          kernels::swish_backward(x.data(), s.data(), g.data(), dx.data(), dx.numel(), b);
                          if (want_beta)
                            dbeta = full(beta_shape, static_cast<float>(kernels::swish_beta_grad(
                                                         x.data(), s.data(), g.data(), x.numel())));
                          return grads(dx, dbeta);
                        },
                    .differentiable = backward_by_formula(
                        {saved_x, saved_beta},
                        [](const std::vector<Tensor>& in) { return reference::swish(in[0], in[1]); })},
           {x});
  }
  return y;
}

}  // namespace ember::F
