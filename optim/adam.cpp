#include "optim/adam.h"

#include <cmath>

#include "core/grad_mode.h"
#include "core/kernels/parallel.h"

namespace ember::optim {

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::move(params), options, false, "Adam") {}

Adam::Adam(std::vector<Tensor> params, AdamOptions o, bool decoupled, const char* name)
    : Optimizer(std::move(params), o.lr, name), options_(o), decoupled_(decoupled) {
  if (!(o.eps >= 0.0f)) fail(name, ": invalid epsilon value: ", o.eps);
  if (!(o.beta1 >= 0.0f && o.beta1 < 1.0f)) fail(name, ": invalid beta parameter at index 0: ", o.beta1);
  if (!(o.beta2 >= 0.0f && o.beta2 < 1.0f)) fail(name, ": invalid beta parameter at index 1: ", o.beta2);
  if (!(o.weight_decay >= 0.0f)) fail(name, ": invalid weight_decay value: ", o.weight_decay);
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions o)
    : Adam(std::move(params),
           AdamOptions{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, o.amsgrad, o.maximize}, true, "AdamW") {
}

void Adam::step() {
  NoGradGuard no_grad;
  const AdamOptions& o = options_;
  // The scalars are Python floats (double) in PyTorch, rounded to float where they meet a tensor.
  const double b1 = o.beta1, b2 = o.beta2;
  const float beta1 = o.beta1, beta2 = o.beta2, eps = o.eps, wd = o.weight_decay;
  const float one_minus_b1 = static_cast<float>(1.0 - b1), one_minus_b2 = static_cast<float>(1.0 - b2);
  const float decay = static_cast<float>(1.0 - lr_ * static_cast<double>(o.weight_decay));
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor grad = params_[i].grad();
    if (!grad.defined()) continue;
    int64_t t = ++state_[i].step;
    double bias_correction1 = 1.0 - std::pow(b1, static_cast<double>(t));
    double bias_correction2 = 1.0 - std::pow(b2, static_cast<double>(t));
    const float step_size = static_cast<float>(lr_ / bias_correction1);
    const float bc2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
    float* p = params_[i].data();
    const float* gs = grad.data();
    float* m = buffer(i, "exp_avg").data();
    float* v = buffer(i, "exp_avg_sq").data();
    float* vmax = o.amsgrad ? buffer(i, "max_exp_avg_sq").data() : nullptr;
    const bool decoupled = decoupled_, maximize = o.maximize;
    kernels::parallel_for(params_[i].numel(), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        float g = maximize ? -gs[j] : gs[j];
        if (decoupled)
          p[j] = p[j] * decay;
        else if (wd != 0.0f)
          g = g + wd * p[j];
        m[j] = m[j] * beta1;
        m[j] = m[j] + one_minus_b1 * g;
        v[j] = v[j] * beta2;
        v[j] = v[j] + one_minus_b2 * g * g;
        float second = v[j];
        if (vmax) second = vmax[j] = std::max(vmax[j], v[j]);
        float denom = std::sqrt(second) / bc2_sqrt + eps;
        p[j] = p[j] + -step_size * m[j] / denom;
      }
    });
  }
}

}  // namespace ember::optim
