#include "core/gradcheck.h"

#include <cmath>
#include <random>
#include <sstream>

#include "core/autograd.h"
#include "core/grad_mode.h"
#include "core/ops.h"

namespace ember {
namespace {

double projected(const Tensor& y, const std::vector<float>& v) {
  double s = 0;
  for (int64_t i = 0; i < y.numel(); ++i) s += static_cast<double>(y.data()[i]) * v[i];
  return s;
}

}  // namespace

GradcheckResult gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                          GradcheckOptions options) {
  if (!(options.eps > 0) || !std::isfinite(options.eps) || !(options.atol >= 0) || !(options.rtol >= 0))
    fail("gradcheck: expected eps > 0 (finite), atol >= 0 and rtol >= 0, got eps=", options.eps,
         " atol=", options.atol, " rtol=", options.rtol);
  std::vector<Tensor> xs;  // fresh leaves, so the caller's tensors keep their .grad()
  bool any = false;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].defined()) fail("gradcheck: input ", k, " is an undefined tensor");
    xs.push_back(inputs[k].detach().clone().requires_grad_(inputs[k].requires_grad()));
    any = any || inputs[k].requires_grad();
  }
  if (!any)
    fail("gradcheck: none of the ", inputs.size(), " inputs requires grad, so there is nothing to check");

  Tensor y = f(xs);
  if (!y.defined()) fail("gradcheck: f returned an undefined tensor");
  if (!y.requires_grad())
    fail("gradcheck: f's output (shape ", y.shape(), ") does not depend on any input that requires grad");
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> dist(0.5f, 1.5f);
  std::vector<float> v(y.numel());
  for (float& e : v) e = (rng() & 1) ? dist(rng) : -dist(rng);
  y.backward(tensor(v, y.shape()));

  GradcheckResult result;
  NoGradGuard no_grad;
  for (size_t k = 0; k < xs.size(); ++k) {
    if (!xs[k].requires_grad()) continue;
    Tensor analytic = xs[k].grad();
    float* x = xs[k].data();
    for (int64_t i = 0; i < xs[k].numel(); ++i) {
      float saved = x[i];
      x[i] = static_cast<float>(saved + options.eps);
      double plus = projected(f(xs), v);
      x[i] = static_cast<float>(saved - options.eps);
      double minus = projected(f(xs), v);
      x[i] = saved;
      double numeric = (plus - minus) / (2 * options.eps);
      double a = analytic.defined() ? analytic.data()[i] : 0.0;
      double error = std::fabs(a - numeric) / (options.atol + options.rtol * std::fabs(numeric));
      if (!(error <= 1.0)) result.ok = false;
      if (!(error <= result.worst_error)) {
        result.worst_error = std::isnan(error) ? INFINITY : error;
        std::ostringstream where;
        where << "input " << k << " element " << i << ": analytic " << a << " numeric " << numeric;
        result.worst = where.str();
      }
    }
  }
  return result;
}

GradcheckResult gradgradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                              GradcheckOptions options) {
  // The direction the first gradient is taken along: fixed, random, from f's output shape.
  std::vector<Tensor> probe;
  for (const Tensor& x : inputs) {
    if (!x.defined()) fail("gradgradcheck: an input is an undefined tensor");
    probe.push_back(x.detach().clone().requires_grad_(x.requires_grad()));
  }
  Tensor y = f(probe);
  if (!y.defined()) fail("gradgradcheck: f returned an undefined tensor");
  std::mt19937 rng(4321);
  std::uniform_real_distribution<float> dist(0.5f, 1.5f);
  std::vector<float> v(y.numel());
  for (float& e : v) e = (rng() & 1) ? dist(rng) : -dist(rng);
  const Tensor direction = tensor(v, y.shape());

  // x ↦ the gradient of v·f at x, every input's flattened and joined: a function whose
  // own backward is f's second derivative. It needs a graph even when gradcheck calls
  // it under NoGradGuard.
  TensorFunction first_gradient = [&f, direction](const std::vector<Tensor>& xs) {
    EnableGradGuard grad_mode;
    std::vector<Tensor> wrt;
    for (const Tensor& x : xs)
      if (x.requires_grad()) wrt.push_back(x);
    Tensor out = f(xs);
    if (!out.requires_grad())
      fail("gradgradcheck: f's output (shape ", out.shape(),
           ") does not depend on any input that requires grad");
    std::vector<Tensor> g =
        autograd::grad({out}, wrt, {direction}, std::nullopt, /*create_graph=*/true, true);
    std::vector<Tensor> flat;
    for (size_t k = 0; k < wrt.size(); ++k)
      flat.push_back((g[k].defined() ? g[k] : zeros(wrt[k].shape())).reshape({wrt[k].numel()}));
    // A gradient that does not depend on the inputs (f linear) still needs a graph to check.
    Tensor joined = cat(flat, 0);
    if (!joined.requires_grad()) joined = joined + (wrt[0] * 0.0f).sum();
    return joined;
  };
  return gradcheck(first_gradient, inputs, options);
}

}  // namespace ember
