// cross_entropy and nll_loss: losses over a class dim. Inputs are [N, C],
// [N, C, d1, …] (class dim 1) or unbatched [C]; every position (n, d…) is one
// sample, whose C scores sit `inner` floats apart.
//
// cross_entropy is fused: per sample it finds m = max_c x_c and
// lse = m + log Σ_c exp(x_c − m), so that logp_c = x_c − lse never overflows,
// and with the smoothed target q = (1 − ε)·onehot(t) + ε/C
//   loss = −Σ_c q_c·logp_c = lse − (1 − ε)·x_t − (ε/C)·Σ_c x_c
//   ∂loss/∂x_c = softmax_c − q_c
// The backward recomputes softmax from the saved logits and lse (one double
// per sample) instead of keeping an [N, C] softmax alive in the graph.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "core/kernels/parallel.h"
#include "core/node.h"
#include "core/ops.h"
#include "nn/activation.h"
#include "nn/backward_by_formula.h"
#include "nn/loss.h"
#include "nn/loss_detail.h"

namespace ember::F {
namespace {

using detail::Reduction;

// Where the class dim sits and how samples are laid out around it.
struct ClassLayout {
  int64_t outer = 1, classes = 0, inner = 1;
  int64_t samples() const { return outer * inner; }
  // Offset of class c of sample s.
  int64_t at(int64_t s, int64_t c) const { return (s / inner) * classes * inner + c * inner + s % inner; }
};

ClassLayout class_layout(const char* op, const Tensor& input) {
  if (!input.defined()) fail(op, ": input is undefined");
  if (input.dim() < 1) fail(op, ": input must be [C], [N, C] or [N, C, d1, ...], got shape ", input.shape());
  const DimSplit split = split_at(input.shape(), input.dim() == 1 ? 0 : 1);
  return ClassLayout{split.outer, split.n, split.inner};
}

// The target shape that class indices must have: the input's without the class dim.
Shape index_target_shape(const Tensor& input) {
  Shape s = input.shape();
  s.erase(s.begin() + (input.dim() == 1 ? 0 : 1));
  return s;
}

// Validates class-index targets and returns them as integers.
std::shared_ptr<std::vector<int64_t>> class_indices(const char* op, const Tensor& input, const Tensor& target,
                                                    const ClassLayout& l) {
  if (!target.defined()) fail(op, ": target is undefined");
  Shape expected = index_target_shape(input);
  if (target.shape() != expected)
    fail(op, ": target shape ", target.shape(), " does not match input shape ", input.shape(),
         " (class indices must have shape ", expected, ")");
  auto out = std::make_shared<std::vector<int64_t>>(l.samples());
  const float* t = target.data();
  for (int64_t s = 0; s < l.samples(); ++s) {
    float v = t[s];
    if (!(v >= 0.0f && v < static_cast<float>(l.classes)) || v != std::floor(v))
      fail(op, ": target ", v, " at index ", s, " is not a class index in [0, ", l.classes, ") (input ",
           input.shape(), ", target ", target.shape(), ")");
    (*out)[s] = static_cast<int64_t>(v);
  }
  return out;
}

// Output of a per-sample loss: the reduction of `losses`, or the losses with the target's shape.
Tensor reduce_samples(const std::vector<double>& losses, const Shape& per_sample_shape, Reduction reduction) {
  if (reduction == Reduction::None) {
    Tensor out = Tensor::empty(per_sample_shape);
    std::transform(losses.begin(), losses.end(), out.data(), [](double v) { return static_cast<float>(v); });
    return out;
  }
  double sum = 0;
  for (double v : losses) sum += v;
  return detail::reduced_output(sum, static_cast<int64_t>(losses.size()), reduction);
}

// Rough cost of one sample, so small batches stay on one thread.
int64_t sample_grain(int64_t classes) {
  return std::max<int64_t>(1, kernels::kParallelGrain / std::max<int64_t>(1, classes));
}

// The class losses in ember's ops, for gradients of gradients: −Σ_c q_c log softmax(x)_c
// over the class dim, q the (smoothed) target distribution, reduced over samples.
Tensor class_loss_formula(const Tensor& x, const Tensor& q, Reduction reduction) {
  const int64_t class_dim = x.dim() == 1 ? 0 : 1;
  Tensor per_sample = -(log_softmax(x, class_dim) * q).sum({class_dim});
  if (reduction == Reduction::None) return per_sample;
  return reduction == Reduction::Sum ? per_sample.sum() : per_sample.mean();
}

// One-hot class indices laid out like the logits (classes on dim 1 of [N, C, d1, …]).
Tensor one_hot_like(const Tensor& index, const Tensor& x) {
  Tensor h = one_hot(index, x.dim() == 1 ? x.size(0) : x.size(1));
  if (x.dim() <= 2) return h;
  std::vector<int64_t> order{0, x.dim() - 1};  // [N, d1, …, C] -> [N, C, d1, …]
  for (int64_t d = 1; d < x.dim() - 1; ++d) order.push_back(d);
  return permute(h, order);
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& target, std::string_view reduction_name,
                     float label_smoothing) {
  const char* op = "cross_entropy";
  Reduction reduction = detail::parse_reduction(reduction_name, op);
  if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f))
    fail(op, ": label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  ClassLayout l = class_layout(op, logits);
  if (!target.defined()) fail(op, ": target is undefined");
  // Class probabilities when the target has the logits' shape (PyTorch 1.10+), class indices otherwise.
  bool soft = target.shape() == logits.shape() && logits.dim() != 0;
  std::shared_ptr<std::vector<int64_t>> index;
  if (!soft) index = class_indices(op, logits, target, l);
  int64_t samples = l.samples(), C = l.classes;
  const float* x = logits.data();
  const float* tp = target.data();
  double eps = label_smoothing;
  // Kept in double: at logits near 1000 a float lse would be off by 6e-5, and so would every exp(x − lse).
  auto lse = std::make_shared<std::vector<double>>(samples);
  std::vector<double> losses(samples);
  kernels::parallel_for(
      samples,
      [&](int64_t begin, int64_t end) {
        for (int64_t s = begin; s < end; ++s) {
          float m = -std::numeric_limits<float>::infinity();
          for (int64_t c = 0; c < C; ++c) m = std::max(m, x[l.at(s, c)]);
          if (std::isinf(m)) m = 0.0f;  // all −inf (or a +inf): let the sum below say so
          double sum_exp = 0;
          for (int64_t c = 0; c < C; ++c) sum_exp += std::exp(static_cast<double>(x[l.at(s, c)]) - m);
          double log_z = m + std::log(sum_exp);
          (*lse)[s] = log_z;
          // loss = Σ_c q_c (lse − x_c) with q the (smoothed) target distribution.
          double loss = 0;
          if (soft) {
            for (int64_t c = 0; c < C; ++c) {
              double q = (1.0 - eps) * tp[l.at(s, c)] + eps / static_cast<double>(C);
              if (q != 0) loss += q * (log_z - x[l.at(s, c)]);
            }
          } else {
            double sum_x = 0;
            if (eps != 0)
              for (int64_t c = 0; c < C; ++c) sum_x += log_z - x[l.at(s, c)];
            loss = (1.0 - eps) * (log_z - x[l.at(s, (*index)[s])]) + eps / static_cast<double>(C) * sum_x;
          }
          losses[s] = loss;
        }
      },
      sample_grain(C));
  Tensor out = reduce_samples(losses, soft ? index_target_shape(logits) : target.shape(), reduction);
  bool want_x = logits.requires_grad(), want_t = soft && target.requires_grad();
  if (needs_grad({&logits, &target}) && (want_x || want_t)) {
    const SavedTensor saved_logits(logits), saved_target(target);
    record({"CrossEntropyLossBackward", "L = -log softmax(x)[t]: dx = (softmax(x) - onehot(t)) / N * g"}, out,
           {logits, target},
           Backward{
               .fast =
                   [x = saved_logits.values(), t = saved_target.values(), index, lse, l, soft, eps, reduction,
                    want_x, want_t](const Tensor& g) {
                     int64_t samples = l.samples(), C = l.classes;
                     Tensor gx, gt;
                     if (want_x) gx = Tensor::empty(x.shape());
                     if (want_t) gt = Tensor::empty(t.shape());
                     const float* xs = x.data();
                     const float* ts = t.data();
                     float* dx = want_x ? gx.data() : nullptr;
                     float* dt = want_t ? gt.data() : nullptr;
                     detail::GradScale scale = detail::grad_scale(g, samples, reduction);
                     float off = static_cast<float>(eps / static_cast<double>(C));
                     kernels::parallel_for(
                         samples,
                         [&](int64_t begin, int64_t end) {
                           for (int64_t s = begin; s < end; ++s) {
                             float k = scale(s);
                             double z = (*lse)[s];
                             if (soft) {
                               // loss = Σ_c q_c (lse − x_c): ∂/∂x_c = (Σ q)·p_c − q_c, ∂/∂t_c = (1 − ε)(lse −
                               // x_c).
                               float total = 0;
                               for (int64_t c = 0; c < C; ++c)
                                 total += static_cast<float>(1.0 - eps) * ts[l.at(s, c)] + off;
                               for (int64_t c = 0; c < C; ++c) {
                                 int64_t i = l.at(s, c);
                                 float q = static_cast<float>(1.0 - eps) * ts[i] + off;
                                 if (dx) dx[i] = k * (total * static_cast<float>(std::exp(xs[i] - z)) - q);
                                 if (dt) dt[i] = k * static_cast<float>((1.0 - eps) * (z - xs[i]));
                               }
                             } else {
                               int64_t target_class = (*index)[s];
                               for (int64_t c = 0; c < C; ++c) {
                                 int64_t i = l.at(s, c);
                                 float q = (c == target_class ? static_cast<float>(1.0 - eps) : 0.0f) + off;
                                 dx[i] = k * (static_cast<float>(std::exp(xs[i] - z)) - q);
                               }
                             }
                           }
                         },
                         sample_grain(C));
                     return grads(gx, gt);
                   },
               .differentiable = detail::backward_by_formula(
                   {saved_logits, saved_target},
                   [soft, eps, reduction](const std::vector<Tensor>& in) {
                     const int64_t C = in[0].dim() == 1 ? in[0].size(0) : in[0].size(1);
                     Tensor q = soft ? in[1] : one_hot_like(in[1].detach(), in[0]);
                     q = q * static_cast<float>(1.0 - eps) + static_cast<float>(eps / static_cast<double>(C));
                     return class_loss_formula(in[0], q, reduction);
                   })},
           {logits, target});
  }
  return out;
}

// loss = −logp[t]; ∂loss/∂logp_c = −1 at the target class, 0 elsewhere.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, std::string_view reduction_name) {
  const char* op = "nll_loss";
  Reduction reduction = detail::parse_reduction(reduction_name, op);
  ClassLayout l = class_layout(op, log_probs);
  auto index = class_indices(op, log_probs, target, l);
  int64_t samples = l.samples();
  const float* x = log_probs.data();
  std::vector<double> losses(samples);
  for (int64_t s = 0; s < samples; ++s) losses[s] = -static_cast<double>(x[l.at(s, (*index)[s])]);
  Tensor out = reduce_samples(losses, target.shape(), reduction);
  if (needs_grad(log_probs))
    record({"NllLossBackward", "L = -x[t]: dx = -onehot(t) / N * g"}, out, {log_probs, target},
           Backward{.fast =
                        [shape = log_probs.shape(), index, l, reduction](const Tensor& g) {
                          Tensor gx = zeros(shape);
                          float* dx = gx.data();
                          detail::GradScale scale = detail::grad_scale(g, l.samples(), reduction);
                          for (int64_t s = 0; s < l.samples(); ++s) dx[l.at(s, (*index)[s])] = -scale(s);
                          return grads(gx, Tensor());
                        },
                    .differentiable = detail::backward_by_formula(
                        {log_probs, target}, [reduction](const std::vector<Tensor>& in) {
                          Tensor per_sample =
                              -(in[0] * one_hot_like(in[1].detach(), in[0])).sum({in[0].dim() == 1 ? 0 : 1});
                          if (reduction == Reduction::None) return per_sample;
                          return reduction == Reduction::Sum ? per_sample.sum() : per_sample.mean();
                        })});
  return out;
}

}  // namespace ember::F
