// The fully connected layer: F::linear(x, weight, bias) computes
// y = x·weightᵀ + bias over the last dim of x (any leading dims), as one op
// with its own backward; nn::Linear owns the weight [out, in] and bias [out].
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "nn/module.h"

namespace ember::F {

/// y[..., out] = x[..., in] · weight[out, in]ᵀ + bias[out]; bias may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

/// Activations that F::linear can apply to its own output, in place, right
/// after the product while the output is still in cache — oneDNN's "eltwise
/// post-op" idea. Only activations whose derivative is a function of their
/// output qualify (relu' = y > 0, tanh' = 1 − y², σ' = y(1 − y)): the fused op
/// keeps just y, never the pre-activation, and records one node instead of two.
enum class LinearActivation { none, relu, tanh, sigmoid };

/// activation(linear(x, weight, bias)) as one op; the same values and gradients,
/// bit for bit, as the two ops one after the other. nn::Sequential uses it for
/// a Linear followed by ReLU, Tanh or Sigmoid.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, LinearActivation activation);

}  // namespace ember::F

namespace ember::nn {

class Linear : public Module {
 public:
  /// weight and bias start as U(−1/√in, 1/√in), as in PyTorch.
  Linear(int64_t in_features, int64_t out_features, bool bias = true);

  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Linear"; }
  std::string extra_repr() const override;
  /// Draws weight and bias again (PyTorch's reset_parameters).
  void reset_parameters();

  int64_t in_features, out_features;
  Tensor weight;  ///< [out_features, in_features]
  Tensor bias;    ///< [out_features], undefined when built with bias = false
};

}  // namespace ember::nn
