// Activations oneDNN 2.6 has no primitive for, each one OpenMP loop forward and
// one backward (core/kernels/activation_loops.h): the shrinks, threshold,
// softsign and tanhshrink (which borrows oneDNN's tanh). Kinks follow PyTorch: the gradient is 0 at ±λ and
// at the threshold itself.
#include <cmath>

#include "core/kernels/activation_loops.h"
#include "core/kernels/onednn_eltwise.h"
#include "core/node.h"
#include "nn/activation.h"
#include "nn/activation_detail.h"
#include "nn/reference.h"

namespace ember::F {

using detail::backward_by_formula;
using detail::backward_kernel;
using detail::check_defined;
using detail::unary_kernel;

namespace {
// hardshrink and softshrink both pass g where |x| > λ and 0 elsewhere; the mask is
// a constant, so the differentiable backward is g times it.
Backward shrink_backward(const Tensor& x, float lambd) {
  const SavedTensor saved(x);
  return Backward{
      .fast =
          [x = saved.values(), lambd](const Tensor& g) {
            return grads(backward_kernel(x, g, [&](const float* s, const float* dy, float* dx, int64_t n) {
              kernels::shrink_backward(s, dy, dx, n, lambd);
            }));
          },
      .differentiable =
          [x = saved, lambd](const Tensor& g) {
            Tensor v = x.get();
            return grads(detail::piecewise_constant_product(g, v.abs() > lambd, v));
          }};
}
}  // namespace

// hardshrink = |x| > λ ? x : 0; hardshrink' = |x| > λ ? 1 : 0.
Tensor hardshrink(const Tensor& x, float lambd) {
  check_defined(x, "hardshrink");
  check_not_nan(lambd, "hardshrink", "lambd");
  Tensor y = unary_kernel(
      x, [&](const float* s, float* d, int64_t n) { kernels::hardshrink_forward(s, d, n, lambd); });
  if (needs_grad(x))
    record({"HardshrinkBackward", "y = x where |x| > l, else 0: dx = g where |x| > l"}, y, {x},
           shrink_backward(x, lambd), {x});
  return y;
}

// softshrink = x − λ beyond λ, x + λ below −λ, else 0; the same gradient mask.
Tensor softshrink(const Tensor& x, float lambd) {
  check_defined(x, "softshrink");
  if (!(lambd >= 0)) fail("softshrink: lambd must be greater or equal to 0, got ", lambd);
  Tensor y = unary_kernel(
      x, [&](const float* s, float* d, int64_t n) { kernels::softshrink_forward(s, d, n, lambd); });
  if (needs_grad(x))
    record({"SoftshrinkBackward", "y = x - l sign(x) where |x| > l: dx = g where |x| > l"}, y, {x},
           shrink_backward(x, lambd), {x});
  return y;
}

// threshold = x <= t ? value : x; the gradient is 0 wherever x was replaced.
// With value <= t the output is above t exactly where the input is, so
// threshold_ reads its output; with value > t it keeps a copy of the input, as
// PyTorch does.
namespace {
void check_threshold_options(float threshold, float value, const char* op) {
  check_not_nan(threshold, op, "threshold");
  check_not_nan(value, op, "value");
}

Tensor threshold_into(const Tensor& x, float threshold, float value, Tensor y) {
  kernels::threshold_forward(x.data(), y.data(), x.numel(), threshold, value);
  if (!needs_grad(x)) return y;
  const SavedTensor saved = detail::saved_input(x, y);
  record({"ThresholdBackward", "y = x where x > th, else value: dx = g where x > th"}, y, {x},
         Backward{.fast =
                      [v = saved.values(), threshold](const Tensor& g) {
                        return grads(
                            backward_kernel(v, g, [&](const float* s, const float* dy, float* dx, int64_t n) {
                              kernels::threshold_backward(s, dy, dx, n, threshold);
                            }));
                      },
                  .differentiable =
                      [v = saved, threshold](const Tensor& g) {
                        Tensor t = v.get();
                        return grads(detail::piecewise_constant_product(g, t > threshold, t));
                      }},
         {x});
  return y;
}
}  // namespace

Tensor threshold(const Tensor& x, float threshold, float value) {
  check_defined(x, "threshold");
  check_threshold_options(threshold, value, "threshold");
  return threshold_into(x, threshold, value, Tensor::empty(x.shape()));
}

Tensor& threshold_(Tensor& x, float threshold, float value) {
  check_threshold_options(threshold, value, "threshold_");
  if (value > threshold)
    return detail::inplace_through_copy(x, "threshold_", [=](const Tensor& t) {
      return threshold_into(t, threshold, value, Tensor::empty(t.shape()));
    });
  begin_inplace(x, "threshold_");
  threshold_into(x, threshold, value, x);
  return x;
}

// softsign = x/(1 + |x|); softsign' = 1/(1 + |x|)² (smooth: 1 at 0).
Tensor softsign(const Tensor& x) {
  check_defined(x, "softsign");
  Tensor y = unary_kernel(x, kernels::softsign_forward);
  if (needs_grad(x)) {
    const SavedTensor saved(x);
    record({"SoftsignBackward", "y = x / (1 + |x|): dx = g / (1 + |x|)^2"}, y, {x},
           Backward{.fast =
                        [x = saved.values()](const Tensor& g) {
                          return grads(backward_kernel(x, g, kernels::softsign_backward));
                        },
                    .differentiable = backward_by_formula(
                        {saved}, [](const std::vector<Tensor>& in) { return reference::softsign(in[0]); })},
           {x});
  }
  return y;
}

// tanhshrink = x − tanh x; tanhshrink' = tanh² x. tanh runs on oneDNN's
// primitive (20x faster than std::tanh per element), a loop finishes.
Tensor tanhshrink(const Tensor& x) {
  check_defined(x, "tanhshrink");
  Tensor y = unary_kernel(x, [](const float* s, float* d, int64_t n) {
    kernels::eltwise_forward(kernels::Eltwise::tanh, 0, 0, s, d, n);
    kernels::tanhshrink_finish(s, d, n);
  });
  if (needs_grad(x)) {
    const SavedTensor saved(x);
    record({"TanhshrinkBackward", "y = x - tanh(x): dx = g * tanh(x)^2"}, y, {x},
           Backward{.fast =
                        [x = saved.values()](const Tensor& g) {
                          return grads(backward_kernel(
                              x, g, [](const float* s, const float* dy, float* dx, int64_t n) {
                                kernels::eltwise_forward(kernels::Eltwise::tanh, 0, 0, s, dx, n);
                                kernels::tanhshrink_backward_finish(dy, dx, n);
                              }));
                        },
                    .differentiable =
                        [x = saved](const Tensor& g) {
                          Tensor t = tanh(x.get());
                          return grads(g * t * t);
                        }},
           {x});
  }
  return y;
}

}  // namespace ember::F
