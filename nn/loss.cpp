// The elementwise losses and the loss modules. Each elementwise loss is a
// per-element formula l(x, t) with its partial derivatives ∂l/∂x and ∂l/∂t,
// run by one shared op (pointwise_loss): the forward sums l (in double) or
// keeps it per element; the backward recomputes the derivatives from the saved
// input and target and scales them by the incoming gradient (÷N for "mean").
#include "nn/loss.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include "core/kernels/parallel.h"
#include "core/node.h"
#include "core/ops.h"
#include "nn/backward_by_formula.h"
#include "nn/loss_detail.h"

namespace ember::F {
namespace {

using detail::Reduction;

// The value of one element's loss and its partial derivatives.
struct Term {
  float loss, dx, dt;
};

void check_same_shape(const char* op, const Tensor& input, const Tensor& target) {
  if (!input.defined() || !target.defined()) fail(op, ": input and target must be defined tensors");
  if (input.shape() != target.shape())
    fail(op, ": target shape ", target.shape(), " does not match input shape ", input.shape(),
         " (they must be equal; ember does not broadcast losses)");
}

// The per-element losses as a tensor, reduced as asked: the formula a loss's
// differentiable backward goes through.
using LossFormula = std::function<Tensor(const Tensor& x, const Tensor& t)>;
Tensor reduce_elements(const Tensor& losses, Reduction reduction) {
  if (reduction == Reduction::None) return losses;
  return reduction == Reduction::Sum ? losses.sum() : losses.mean();
}

// term(x, t) -> Term. The forward uses only .loss; the compiler drops the rest.
// formula(x, t): the same per-element loss in ember's ops, for gradients of gradients.
template <class TermFn>
Tensor pointwise_loss(const char* op, NodeKind node, const Tensor& input, const Tensor& target,
                      std::string_view reduction_name, TermFn term, LossFormula formula) {
  Reduction reduction = detail::parse_reduction(reduction_name, op);
  check_same_shape(op, input, target);
  int64_t n = input.numel();
  const float* x = input.data();
  const float* t = target.data();
  Tensor out;
  if (reduction == Reduction::None) {
    out = Tensor::empty(input.shape());
    float* o = out.data();
    kernels::parallel_for(n, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) o[i] = term(x[i], t[i]).loss;
    });
  } else {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += term(x[i], t[i]).loss;
    out = detail::reduced_output(sum, n, reduction);
  }
  if (needs_grad(input, target)) {
    bool want_x = input.requires_grad(), want_t = target.requires_grad();
    const SavedTensor saved_input(input), saved_target(target);
    record(node, out, {input, target},
           Backward{.fast =
                        [input = saved_input.values(), target = saved_target.values(), want_x, want_t,
                         reduction, term](const Tensor& g) {
                          int64_t n = input.numel();
                          Tensor gx, gt;
                          if (want_x) gx = Tensor::empty(input.shape());
                          if (want_t) gt = Tensor::empty(target.shape());
                          float* dx = want_x ? gx.data() : nullptr;
                          float* dt = want_t ? gt.data() : nullptr;
                          const float* x = input.data();
                          const float* t = target.data();
                          detail::GradScale scale = detail::grad_scale(g, n, reduction);
                          kernels::parallel_for(n, [&](int64_t begin, int64_t end) {
                            for (int64_t i = begin; i < end; ++i) {
                              Term d = term(x[i], t[i]);
                              float s = scale(i);
                              if (dx) dx[i] = s * d.dx;
                              if (dt) dt[i] = s * d.dt;
                            }
                          });
                          return grads(gx, gt);
                        },
                    .differentiable = detail::backward_by_formula(
                        {saved_input, saved_target},
                        [formula, reduction](const std::vector<Tensor>& in) {
                          return reduce_elements(formula(in[0], in[1]), reduction);
                        })},
           {input, target});
  }
  return out;
}

float sign_of(float v) { return static_cast<float>((v > 0) - (v < 0)); }

}  // namespace

// d/dx (x − t)² = 2(x − t).
Tensor mse_loss(const Tensor& input, const Tensor& target, std::string_view reduction) {
  return pointwise_loss(
      "mse_loss", {"MseLossBackward", "L = mean((x - t)^2): dx = 2 (x - t) / N * g"}, input, target,
      reduction,
      [](float x, float t) {
        float d = x - t;
        return Term{d * d, 2.0f * d, -2.0f * d};
      },
      [](const Tensor& x, const Tensor& t) { return (x - t) * (x - t); });
}

// d/dx |x − t| = sign(x − t), 0 where x = t (PyTorch).
Tensor l1_loss(const Tensor& input, const Tensor& target, std::string_view reduction) {
  return pointwise_loss(
      "l1_loss", {"L1LossBackward", "L = mean(|x - t|): dx = sign(x - t) / N * g"}, input, target, reduction,
      [](float x, float t) {
        float d = x - t;
        return Term{std::fabs(d), sign_of(d), -sign_of(d)};
      },
      [](const Tensor& x, const Tensor& t) { return (x - t).abs(); });
}

// Quadratic inside |d| < β with slope d/β, linear outside with slope ±1; the two meet at |d| = β.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, std::string_view reduction, float beta) {
  if (!(beta >= 0.0f)) fail("smooth_l1_loss: beta must be non-negative, got ", beta);
  if (beta == 0.0f) return l1_loss(input, target, reduction);  // PyTorch falls back to L1 too
  return pointwise_loss(
      "smooth_l1_loss",
      {"SmoothL1LossBackward", "L = smooth_l1(x - t): dx = clamp((x - t) / beta, -1, 1) / N * g"}, input,
      target, reduction,
      [beta](float x, float t) {
        float d = x - t, a = std::fabs(d);
        float slope = d < -beta ? -1.0f : d > beta ? 1.0f : d / beta;
        float loss = a < beta ? 0.5f * d * d / beta : a - 0.5f * beta;
        return Term{loss, slope, -slope};
      },
      [beta](const Tensor& x, const Tensor& t) {
        Tensor d = x - t, a = d.abs();
        return where(a < beta, d * d * (0.5f / beta), a - 0.5f * beta);
      });
}

// Quadratic inside |d| < δ with slope d, linear outside with slope ±δ.
Tensor huber_loss(const Tensor& input, const Tensor& target, std::string_view reduction, float delta) {
  if (!(delta > 0.0f)) fail("huber_loss: delta must be positive, got ", delta);
  return pointwise_loss(
      "huber_loss", {"HuberLossBackward", "L = huber(x - t): dx = clamp(x - t, -delta, delta) / N * g"},
      input, target, reduction,
      [delta](float x, float t) {
        float d = x - t, a = std::fabs(d);
        float slope = d < -delta ? -delta : d > delta ? delta : d;
        float loss = a < delta ? 0.5f * d * d : delta * (a - 0.5f * delta);
        return Term{loss, slope, -slope};
      },
      [delta](const Tensor& x, const Tensor& t) {
        Tensor d = x - t, a = d.abs();
        return where(a < delta, d * d * 0.5f, (a - 0.5f * delta) * delta);
      });
}

// l = (t − 1)·max(log(1 − p), −100) − t·max(log p, −100).
// ∂l/∂p = (p − t) / max(p(1 − p), 1e-12) (PyTorch's guard against 0/0);
// ∂l/∂t = log(1 − p) − log p.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, std::string_view reduction) {
  check_same_shape("binary_cross_entropy", input, target);
  const float* p = input.data();
  for (int64_t i = 0, n = input.numel(); i < n; ++i)
    if (!(p[i] >= 0.0f && p[i] <= 1.0f))
      fail("binary_cross_entropy: all elements of input should be between 0 and 1, got ", p[i], " at index ",
           i, " (input ", input.shape(), "); use binary_cross_entropy_with_logits on raw scores");
  return pointwise_loss(
      "binary_cross_entropy",
      {"BinaryCrossEntropyBackward", "L = -(t log p + (1-t) log(1-p)): dp = (p - t) / (p (1 - p)) / N * g"},
      input, target, reduction,
      [](float x, float t) {
        float log_p = std::max(std::log(x), -100.0f);
        float log_q = std::max(std::log1p(-x), -100.0f);
        float loss = (t - 1.0f) * log_q - t * log_p;
        float dx = static_cast<float>((static_cast<double>(x) - t) /
                                      std::max((1.0 - x) * static_cast<double>(x), 1e-12));
        return Term{loss, dx, log_q - log_p};
      },
      [](const Tensor& p, const Tensor& t) {
        return (t - 1.0f) * clamp_min(log1p(-p), -100.0f) - t * clamp_min(log(p), -100.0f);
      });
}

// l = max(x, 0) − x·t + log(1 + e^−|x|): never exponentiates a positive number.
// ∂l/∂x = σ(x) − t, ∂l/∂t = −x.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        std::string_view reduction) {
  return pointwise_loss(
      "binary_cross_entropy_with_logits",
      {"BinaryCrossEntropyWithLogitsBackward", "L = bce(sigmoid(x), t): dx = (sigmoid(x) - t) / N * g"},
      input, target, reduction,
      [](float x, float t) {
        float e = std::exp(-std::fabs(x));
        float loss = std::max(x, 0.0f) - x * t + std::log1p(e);
        float sig = x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
        return Term{loss, sig - t, -x};
      },
      [](const Tensor& x, const Tensor& t) { return clamp_min(x, 0.0f) - x * t + log1p(exp(-x.abs())); });
}

}  // namespace ember::F

namespace ember::nn {

Loss::Loss(std::string reduction, const char* name) : reduction(std::move(reduction)) {
  detail::parse_reduction(this->reduction, name);
}

// Options are checked here, at construction, with the functional's rules: a
// bad one would otherwise surface only at the first forward, far from its cause.
SmoothL1Loss::SmoothL1Loss(std::string reduction, float beta)
    : Loss(std::move(reduction), "SmoothL1Loss"), beta(beta) {
  if (!(beta >= 0.0f)) fail("SmoothL1Loss: beta must be non-negative, got ", beta);
}
HuberLoss::HuberLoss(std::string reduction, float delta)
    : Loss(std::move(reduction), "HuberLoss"), delta(delta) {
  if (!(delta > 0.0f)) fail("HuberLoss: delta must be positive, got ", delta);
}
CrossEntropyLoss::CrossEntropyLoss(std::string reduction, float label_smoothing)
    : Loss(std::move(reduction), "CrossEntropyLoss"), label_smoothing(label_smoothing) {
  if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f))
    fail("CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
}

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) {
  return F::mse_loss(input, target, reduction);
}
Tensor L1Loss::forward(const Tensor& input, const Tensor& target) {
  return F::l1_loss(input, target, reduction);
}
Tensor SmoothL1Loss::forward(const Tensor& input, const Tensor& target) {
  return F::smooth_l1_loss(input, target, reduction, beta);
}
Tensor HuberLoss::forward(const Tensor& input, const Tensor& target) {
  return F::huber_loss(input, target, reduction, delta);
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, reduction, label_smoothing);
}
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  return F::nll_loss(input, target, reduction);
}
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, reduction);
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target, reduction);
}

}  // namespace ember::nn
