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
