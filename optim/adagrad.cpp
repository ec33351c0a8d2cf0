#include "optim/adagrad.h"

#include <cmath>

#include "core/grad_mode.h"
#include "core/kernels/parallel.h"

namespace ember::optim {

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions o)
    : Optimizer(std::move(params), o.lr, "Adagrad"), options_(o) {
  if (!(o.lr_decay >= 0.0f)) fail("Adagrad: invalid lr_decay value: ", o.lr_decay);
  if (!(o.weight_decay >= 0.0f)) fail("Adagrad: invalid weight_decay value: ", o.weight_decay);
  if (!(o.initial_accumulator_value >= 0.0f))
    fail("Adagrad: invalid initial_accumulator_value value: ", o.initial_accumulator_value);
  if (!(o.eps >= 0.0f)) fail("Adagrad: invalid epsilon value: ", o.eps);
  // PyTorch creates the sum at construction, so it is in the state from the start.
  for (size_t i = 0; i < params_.size(); ++i) buffer(i, "sum").fill_(o.initial_accumulator_value);
}

namespace {

// Updates elements [begin, end) in PyTorch's order of operations; __restrict
// pointers let the compiler vectorise the loop.
void adagrad_update(float clr, float eps, float weight_decay, bool maximize, float* __restrict p,
                    const float* __restrict grad, float* __restrict sum, int64_t begin, int64_t end) {
  for (int64_t j = begin; j < end; ++j) {
    float g = maximize ? -grad[j] : grad[j];
    g = weight_decay != 0.0f ? g + weight_decay * p[j] : g;
    sum[j] = sum[j] + 1.0f * g * g;
    float std = std::sqrt(sum[j]) + eps;
    p[j] = p[j] + -clr * g / std;
  }
}

}  // namespace

void Adagrad::step() {
  const AdagradOptions& o = options_;
  for_each_param_with_grad([&](size_t i, int64_t t, float* p, const float* g, int64_t n) {
    const float clr = static_cast<float>(lr_ / (1.0 + static_cast<double>(t - 1) * o.lr_decay));
    float* sum = buffer(i, "sum").data();
    kernels::parallel_for(n, [&](int64_t begin, int64_t end) {
      adagrad_update(clr, o.eps, o.weight_decay, o.maximize, p, g, sum, begin, end);
    });
  });
}

std::optional<std::vector<StateSpec>> Adagrad::state_spec() const {
  return std::vector<StateSpec>{{"sum", true, true}};  // created by the constructor
}

}  // namespace ember::optim
