// The activations that bench_activations times and op_instructions counts:
// one list, so that both measure the same calls on the same inputs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <ember.h>

namespace ember::bench {

// An activation of x and, for prelu and the learnable swish, of a weight (undefined otherwise).
using Activation = std::function<Tensor(const Tensor& x, const Tensor& weight)>;

// Softmax-like ops and glu work on rows: the n elements are shaped [n / 1024, 1024].
constexpr int64_t kRowLength = 1024;
// prelu with one slope per channel: [n / 256, 256] with a weight of 256 slopes.
constexpr int64_t kChannels = 256;

struct Case {
  std::string name;
  Activation run;
  int64_t row_length = 0;   // 0: a flat tensor of n elements
  Shape weight_shape = {};  // empty: no weight
  float weight_value = 0;
};

// For the activations of x alone.
inline Activation of_x(Tensor (*f)(const Tensor&)) {
  return [f](const Tensor& x, const Tensor&) { return f(x); };
}

// The list of bench/compare_ember.cpp, then the ops that need a shape or a weight.
inline std::vector<Case> cases() {
  using T = const Tensor&;
  return {
      {"relu", of_x(F::relu)},
      {"leaky_relu", [](T x, T) { return F::leaky_relu(x, 0.01f); }},
      {"relu6", of_x(F::relu6)},
      {"hardtanh", [](T x, T) { return F::hardtanh(x); }},
      {"elu", [](T x, T) { return F::elu(x); }},
      {"selu", of_x(F::selu)},
      {"celu", [](T x, T) { return F::celu(x); }},
      {"sigmoid", of_x(F::sigmoid)},
      {"tanh", of_x(F::tanh)},
      {"logsigmoid", of_x(F::logsigmoid)},
      {"silu", of_x(F::silu)},
      {"mish", of_x(F::mish)},
      {"hardswish", of_x(F::hardswish)},
      {"hardsigmoid", [](const Tensor& x, const Tensor&) { return F::hardsigmoid(x); }},
      {"gelu", [](T x, T) { return F::gelu(x); }},
      {"gelu_tanh", [](T x, T) { return F::gelu(x, "tanh"); }},
      {"softplus", [](T x, T) { return F::softplus(x); }},
      {"softsign", of_x(F::softsign)},
      {"tanhshrink", of_x(F::tanhshrink)},
      {"hardshrink", [](T x, T) { return F::hardshrink(x); }},
      {"softshrink", [](T x, T) { return F::softshrink(x); }},
      {"threshold", [](T x, T) { return F::threshold(x, 0.1f, 20.0f); }},
      {"rrelu_eval", [](T x, T) { return F::rrelu(x); }},
      {"rrelu_train", [](T x, T) { return F::rrelu(x, 1.0f / 8, 1.0f / 3, /*training=*/true); }},
      {"softmax", [](T x, T) { return F::softmax(x, 1); }, kRowLength},
      {"log_softmax", [](T x, T) { return F::log_softmax(x, 1); }, kRowLength},
      {"softmin", [](T x, T) { return F::softmin(x, 1); }, kRowLength},
      {"glu", [](T x, T) { return F::glu(x, 1); }, kRowLength},
      {"prelu_shared", [](T x, T w) { return F::prelu(x, w); }, 0, {1}, 0.25f},
      {"prelu_channels", [](T x, T w) { return F::prelu(x, w); }, kChannels, {kChannels}, 0.25f},
      {"swish_learnable", [](T x, T w) { return F::swish(x, w); }, 0, {1}, 1.0f},
  };
}

inline Tensor input(int64_t n, int64_t row_length) {
  manual_seed(0);
  Tensor x = randn({n}) * 3.0f;  // a spread that reaches every branch of every activation
  return row_length ? x.reshape({n / row_length, row_length}) : x;
}

inline Tensor weight(const Case& c, bool requires_grad) {
  return c.weight_shape.empty() ? Tensor()
                                : full(c.weight_shape, c.weight_value).requires_grad_(requires_grad);
}

/// One forward + backward of c, seeded with a ready-made dy (so that the work
/// measured is the activation's own, not a reduction's).
inline void forward_backward_step(const Case& c, Tensor& x, Tensor& w, const Tensor& dy) {
  c.run(x, w).backward(dy);
  x.set_grad({});  // as zero_grad() does: the next backward writes, it does not add
  if (w.defined()) w.set_grad({});
}

}  // namespace ember::bench
