#include "optim/rmsprop.h"

#include <algorithm>
#include <charconv>
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

// Updates elements [begin, end) in PyTorch's order of operations, including
// where PyTorch's CPU kernels fuse a multiply and an add: its AVX2 build (the
// one a machine with FMA runs) contracts `self + s·a·b` in addcmul_ and add_
// into one fused multiply-add. std::fma rounds once on every machine, so the
// results are PyTorch's bit for bit and still the same on any CPU. The options
// that add buffers are template arguments and the pointers are __restrict, so
// each variant is a straight loop the compiler vectorises.
template <bool Centered, bool Momentum>
[[gnu::always_inline]] inline void rmsprop_body(const RMSpropScalars& c, float* __restrict p,
                                                const float* __restrict grad, float* __restrict square_avg,
                                                float* __restrict grad_avg, float* __restrict buf,
                                                int64_t begin, int64_t end) {
  for (int64_t j = begin; j < end; ++j) {
    float g = c.maximize ? -grad[j] : grad[j];
    g = c.weight_decay != 0.0f ? std::fma(c.weight_decay, p[j], g) : g;  // grad.add(param, alpha=wd)
    // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    square_avg[j] = std::fma(c.one_minus_alpha * g, g, square_avg[j] * c.alpha);
    float avg;
    if constexpr (Centered) {
      grad_avg[j] = std::fma(c.one_minus_alpha, g, grad_avg[j] * c.alpha);  // mul_(alpha).add_(grad, …)
      // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_(): a variance, >= 0 in exact
      // arithmetic; rounded in float it can fall just below 0 for a steady gradient, and its
      // root would be NaN (PyTorch's is). max keeps a NaN from a NaN gradient.
      avg = std::sqrt(std::max(std::fma(-grad_avg[j], grad_avg[j], square_avg[j]), 0.0f));
    } else {
      avg = std::sqrt(square_avg[j]);
    }
    avg = avg + c.eps;
    if constexpr (Momentum) {
      buf[j] = buf[j] * c.momentum + g / avg;  // buf.mul_(momentum).addcdiv_(grad, avg)
      p[j] = std::fma(-c.lr, buf[j], p[j]);    // param.add_(buf, alpha=-lr)
    } else {
      p[j] = p[j] + -c.lr * g / avg;  // param.addcdiv_(grad, avg, value=-lr): no fusion across a division
    }
  }
}

template <bool Centered, bool Momentum>
void rmsprop_update(const RMSpropScalars& c, float* __restrict p, const float* __restrict grad,
                    float* __restrict square_avg, float* __restrict grad_avg, float* __restrict buf,
                    int64_t begin, int64_t end) {
  rmsprop_body<Centered, Momentum>(c, p, grad, square_avg, grad_avg, buf, begin, end);
}

using RMSpropUpdate = void (*)(const RMSpropScalars&, float*, const float*, float*, float*, float*, int64_t,
                               int64_t);

#if defined(__x86_64__) && defined(__GNUC__)
// The same loop compiled for AVX2 + FMA, so that std::fma is one vectorised
// instruction rather than a libm call per element; picked when the CPU has them.
template <bool Centered, bool Momentum>
__attribute__((target("avx2,fma"))) void rmsprop_update_fma(const RMSpropScalars& c, float* __restrict p,
                                                            const float* __restrict grad,
                                                            float* __restrict square_avg,
                                                            float* __restrict grad_avg, float* __restrict buf,
                                                            int64_t begin, int64_t end) {
  rmsprop_body<Centered, Momentum>(c, p, grad, square_avg, grad_avg, buf, begin, end);
}

RMSpropUpdate pick_update(bool centered, bool momentum) {
  static const bool fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (fma) {
    if (centered) return momentum ? rmsprop_update_fma<true, true> : rmsprop_update_fma<true, false>;
    return momentum ? rmsprop_update_fma<false, true> : rmsprop_update_fma<false, false>;
  }
  if (centered) return momentum ? rmsprop_update<true, true> : rmsprop_update<true, false>;
  return momentum ? rmsprop_update<false, true> : rmsprop_update<false, false>;
}
#else
RMSpropUpdate pick_update(bool centered, bool momentum) {
  if (centered) return momentum ? rmsprop_update<true, true> : rmsprop_update<true, false>;
  return momentum ? rmsprop_update<false, true> : rmsprop_update<false, false>;
}
#endif

// PyTorch computes `1 - alpha` on the Python float the user typed (0.9 -> 0.1
// exactly, then 0.1f), not on alpha's float (0.9f -> 0.099999994f): the
// shortest decimal that reads back as alpha is that Python float.
float one_minus(float alpha) {
  char text[32];
  auto [end, ec] = std::to_chars(text, text + sizeof text, alpha);
  double typed = static_cast<double>(alpha);
  std::from_chars(text, end, typed);
  return static_cast<float>(1.0 - typed);
}

}  // namespace

void RMSprop::step() {
  const RMSpropOptions& o = options_;
  RMSpropScalars c{};
  c.lr = static_cast<float>(lr_);
  c.alpha = o.alpha;
  c.one_minus_alpha = one_minus(o.alpha);
  c.eps = o.eps;
  c.weight_decay = o.weight_decay;
  c.momentum = o.momentum;
  c.maximize = o.maximize;
  const RMSpropUpdate update = pick_update(o.centered, o.momentum > 0.0f);
  for_each_param_with_grad([&](size_t i, int64_t, float* p, const float* g, int64_t n) {
    float* square_avg = buffer(i, "square_avg").data();
    float* grad_avg = o.centered ? buffer(i, "grad_avg").data() : nullptr;
    float* buf = o.momentum > 0.0f ? buffer(i, "momentum_buffer").data() : nullptr;
    kernels::parallel_for(
        n, [&](int64_t begin, int64_t end) { update(c, p, g, square_avg, grad_avg, buf, begin, end); });
  });
}

std::optional<std::vector<StateSpec>> RMSprop::state_spec() const {
  std::vector<StateSpec> spec{{"square_avg", false, true}};
  if (options_.centered) spec.push_back({"grad_avg"});
  if (options_.momentum > 0.0f) spec.push_back({"momentum_buffer"});
  return spec;
}

}  // namespace ember::optim
