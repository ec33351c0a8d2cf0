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

namespace {

struct RMSpropScalars {
  float lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
  bool maximize;
};

// Updates elements [begin, end) in PyTorch's order of operations. The options
// that add buffers are template arguments and the pointers are __restrict, so
// each variant is a straight loop the compiler vectorises.
template <bool Centered, bool Momentum>
void rmsprop_update(const RMSpropScalars& c, float* __restrict p, const float* __restrict grad,
                    float* __restrict square_avg, float* __restrict grad_avg, float* __restrict buf,
                    int64_t begin, int64_t end) {
  for (int64_t j = begin; j < end; ++j) {
    float g = c.maximize ? -grad[j] : grad[j];
    g = c.weight_decay != 0.0f ? g + c.weight_decay * p[j] : g;
    square_avg[j] = square_avg[j] * c.alpha;
    square_avg[j] = square_avg[j] + c.one_minus_alpha * g * g;
    float avg;
    if constexpr (Centered) {
      grad_avg[j] = grad_avg[j] * c.alpha;
      grad_avg[j] = grad_avg[j] + c.one_minus_alpha * g;
      avg = std::sqrt(square_avg[j] + -1.0f * grad_avg[j] * grad_avg[j]);
    } else {
      avg = std::sqrt(square_avg[j]);
    }
    avg = avg + c.eps;
    if constexpr (Momentum) {
      buf[j] = buf[j] * c.momentum;
      buf[j] = buf[j] + g / avg;
      p[j] = p[j] + -c.lr * buf[j];
    } else {
      p[j] = p[j] + -c.lr * g / avg;
    }
  }
}

using RMSpropUpdate = void (*)(const RMSpropScalars&, float*, const float*, float*, float*, float*, int64_t,
                               int64_t);

RMSpropUpdate pick_update(bool centered, bool momentum) {
  if (centered) return momentum ? rmsprop_update<true, true> : rmsprop_update<true, false>;
  return momentum ? rmsprop_update<false, true> : rmsprop_update<false, false>;
}

}  // namespace

void RMSprop::step() {
  NoGradGuard no_grad;
  const RMSpropOptions& o = options_;
  RMSpropScalars c{};
  c.lr = static_cast<float>(lr_);
  c.alpha = o.alpha;
  c.one_minus_alpha = static_cast<float>(1.0 - static_cast<double>(o.alpha));
  c.eps = o.eps;
  c.weight_decay = o.weight_decay;
  c.momentum = o.momentum;
  c.maximize = o.maximize;
  const RMSpropUpdate update = pick_update(o.centered, o.momentum > 0.0f);
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor grad = params_[i].grad();
    if (!grad.defined()) continue;
    params_[i].bump_version();  // updated in place: a graph that saved it can no longer backward
    ++state_[i].step;
    float* p = params_[i].data();
    const float* g = grad.data();
    float* square_avg = buffer(i, "square_avg").data();
    float* grad_avg = o.centered ? buffer(i, "grad_avg").data() : nullptr;
    float* buf = o.momentum > 0.0f ? buffer(i, "momentum_buffer").data() : nullptr;
    kernels::parallel_for(params_[i].numel(), [&](int64_t begin, int64_t end) {
      update(c, p, g, square_avg, grad_avg, buf, begin, end);
    });
  }
}

std::optional<std::vector<StateSpec>> RMSprop::state_spec() const {
  std::vector<StateSpec> spec{{"square_avg", false, true}};
  if (options_.centered) spec.push_back({"grad_avg"});
  if (options_.momentum > 0.0f) spec.push_back({"momentum_buffer"});
  return spec;
}

}  // namespace ember::optim
