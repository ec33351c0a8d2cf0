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
  check_not_nan(o.dampening, "SGD", "dampening");  // PyTorch checks nothing; NaN would poison the buffer
  if (o.nesterov && (o.momentum <= 0.0f || o.dampening != 0.0f))
    fail("SGD: Nesterov momentum requires a momentum and zero dampening (momentum=", o.momentum,
         ", dampening=", o.dampening, ")");
}

namespace {

struct SGDScalars {
  float lr, weight_decay, momentum, keep;  // keep = 1 − dampening
  bool nesterov, maximize, first;          // first: the momentum buffer starts as the gradient
};

// Updates elements [begin, end) in PyTorch's order of operations. Momentum,
// which adds a buffer, is a template argument and the pointers are __restrict,
// so each variant is a straight loop the compiler vectorises.
template <bool Momentum>
void sgd_update(const SGDScalars& s, float* __restrict p, const float* __restrict grad, float* __restrict buf,
                int64_t begin, int64_t end) {
  for (int64_t j = begin; j < end; ++j) {
    float g = s.maximize ? -grad[j] : grad[j];
    g = s.weight_decay != 0.0f ? g + s.weight_decay * p[j] : g;
    if constexpr (Momentum) {
      buf[j] = s.first ? g : buf[j] * s.momentum + s.keep * g;
      g = s.nesterov ? g + s.momentum * buf[j] : buf[j];
    }
    p[j] = p[j] + -s.lr * g;
  }
}

}  // namespace

void SGD::step() {
  const bool momentum = options_.momentum != 0.0f;
  SGDScalars s{};
  s.lr = static_cast<float>(lr_);
  s.weight_decay = options_.weight_decay;
  s.momentum = options_.momentum;
  s.keep = static_cast<float>(1.0 - static_cast<double>(options_.dampening));
  s.nesterov = options_.nesterov;
  s.maximize = options_.maximize;
  for_each_param_with_grad([&](size_t i, int64_t, float* p, const float* g, int64_t n) {
    s.first = momentum && !has_buffer(i, "momentum_buffer");
    float* buf = momentum ? buffer(i, "momentum_buffer").data() : nullptr;
    kernels::parallel_for(n, [&](int64_t begin, int64_t end) {
      if (momentum)
        sgd_update<true>(s, p, g, buf, begin, end);
      else
        sgd_update<false>(s, p, g, buf, begin, end);
    });
  });
}

std::optional<std::vector<StateSpec>> SGD::state_spec() const {
  if (options_.momentum == 0.0f) return std::vector<StateSpec>{};
  return std::vector<StateSpec>{{"momentum_buffer"}};
}

}  // namespace ember::optim
