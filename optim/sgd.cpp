#include "optim/sgd.h"

#include <cmath>

#include "core/grad_mode.h"
#include "core/kernels/parallel.h"

namespace ember::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions o)
    : Optimizer(std::move(params), std::isnan(o.lr) ? 0.0 : o.lr, "SGD"), options_(o) {
  if (std::isnan(o.lr)) fail("SGD: the learning rate is required (SGDOptions{.lr = 0.1f})");
  if (!(o.momentum >= 0.0f)) fail("SGD: invalid momentum value: ", o.momentum);
  if (!(o.weight_decay >= 0.0f)) fail("SGD: invalid weight_decay value: ", o.weight_decay);
  if (o.nesterov && (o.momentum <= 0.0f || o.dampening != 0.0f))
    fail("SGD: Nesterov momentum requires a momentum and zero dampening (momentum=", o.momentum,
         ", dampening=", o.dampening, ")");
}

void SGD::step() {
  NoGradGuard no_grad;
  const float lr = static_cast<float>(lr_), wd = options_.weight_decay, mu = options_.momentum;
  const float keep = static_cast<float>(1.0 - static_cast<double>(options_.dampening));
  const bool nesterov = options_.nesterov, maximize = options_.maximize;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor grad = params_[i].grad();
    if (!grad.defined()) continue;
    ++state_[i].step;
    float* p = params_[i].data();
    const float* gs = grad.data();
    bool first = mu != 0.0f && !has_buffer(i, "momentum_buffer");
    float* buf = mu != 0.0f ? buffer(i, "momentum_buffer").data() : nullptr;
    kernels::parallel_for(params_[i].numel(), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        float g = maximize ? -gs[j] : gs[j];
        if (wd != 0.0f) g = g + wd * p[j];
        if (buf) {
          buf[j] = first ? g : buf[j] * mu + keep * g;
          g = nesterov ? g + mu * buf[j] : buf[j];
        }
        p[j] = p[j] + -lr * g;
      }
    });
  }
}

}  // namespace ember::optim
