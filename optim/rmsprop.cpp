#include "optim/rmsprop.h"

#include <cmath>

#include "core/grad_mode.h"
#include "core/kernels/parallel.h"

namespace ember::optim {

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions o)
    : Optimizer(std::move(params), o.lr, "RMSprop"), options_(o) {
  if (!(o.eps >= 0.0f)) fail("RMSprop: invalid epsilon value: ", o.eps);
  if (!(o.momentum >= 0.0f)) fail("RMSprop: invalid momentum value: ", o.momentum);
  if (!(o.weight_decay >= 0.0f)) fail("RMSprop: invalid weight_decay value: ", o.weight_decay);
  if (!(o.alpha >= 0.0f)) fail("RMSprop: invalid alpha value: ", o.alpha);
}

void RMSprop::step() {
  NoGradGuard no_grad;
  const RMSpropOptions& o = options_;
  const float lr = static_cast<float>(lr_), alpha = o.alpha, eps = o.eps, wd = o.weight_decay,
              mu = o.momentum;
  const float one_minus_alpha = static_cast<float>(1.0 - static_cast<double>(o.alpha));
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor grad = params_[i].grad();
    if (!grad.defined()) continue;
    ++state_[i].step;
    float* p = params_[i].data();
    const float* gs = grad.data();
    float* s = buffer(i, "square_avg").data();
    float* gavg = o.centered ? buffer(i, "grad_avg").data() : nullptr;
    float* buf = mu > 0.0f ? buffer(i, "momentum_buffer").data() : nullptr;
    const bool maximize = o.maximize;
    kernels::parallel_for(params_[i].numel(), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        float g = maximize ? -gs[j] : gs[j];
        if (wd != 0.0f) g = g + wd * p[j];
        s[j] = s[j] * alpha;
        s[j] = s[j] + one_minus_alpha * g * g;
        float avg;
        if (gavg) {
          gavg[j] = gavg[j] * alpha;
          gavg[j] = gavg[j] + one_minus_alpha * g;
          avg = std::sqrt(s[j] + -1.0f * gavg[j] * gavg[j]);
        } else {
          avg = std::sqrt(s[j]);
        }
        avg = avg + eps;
        if (buf) {
          buf[j] = buf[j] * mu;
          buf[j] = buf[j] + g / avg;
          p[j] = p[j] + -lr * buf[j];
        } else {
          p[j] = p[j] + -lr * g / avg;
        }
      }
    });
  }
}

}  // namespace ember::optim
