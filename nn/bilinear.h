// The bilinear layer: y[n, k] = Σ_i Σ_j x1[n, i] · A[k, i, j] · x2[n, j] + b[k],
// i.e. y_k = x1ᵀ A_k x2 + b_k, with extra leading dims allowed (they must
// match between x1 and x2). Forward and backward go one output feature k at a
// time through matrix products, never building an [N, out, in1, in2] tensor.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "nn/module.h"

namespace ember::F {

/// x1 [..., in1], x2 [..., in2], weight [out, in1, in2], bias [out] (optional) -> [..., out].
Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias = {});

}  // namespace ember::F

namespace ember::nn {

class Bilinear : public Module {
 public:
  /// weight and bias start as U(−1/√in1, 1/√in1), as in PyTorch.
  Bilinear(int64_t in1_features, int64_t in2_features, int64_t out_features, bool bias = true);

  using Module::operator();
  Tensor operator()(const Tensor& x1, const Tensor& x2) { return forward(x1, x2); }
  using Module::forward;
  Tensor forward(const Tensor& x1, const Tensor& x2);
  std::string name() const override { return "Bilinear"; }
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in1_features, in2_features, out_features;
  Tensor weight;  ///< [out_features, in1_features, in2_features]
  Tensor bias;    ///< [out_features], undefined when built with bias = false
};

}  // namespace ember::nn
