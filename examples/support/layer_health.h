// The health of an MLP's hidden layers — the effects textbooks describe, as
// numbers: dead ReLU units, saturated sigmoid/tanh units, the mean and spread
// of each layer's outputs (SELU keeps them near 0 and 1 through depth), the
// gradient norm reaching each layer (vanishing or exploding), and what PReLU
// and Swish learn.
//
// Measured on a fixed probe batch in eval mode, but for BatchNorm1d, which
// normalises the probe with the probe's own statistics, as training does with
// a batch: its running statistics start at mean 0, variance 1, so in eval mode
// an untrained network's batch norm would be the identity and its spread at
// initialisation would say nothing about batch normalisation. For every hidden unit, the
// local derivative f'(x) of its activation is taken with autograd: an
// elementwise activation's backward of sum(f(x)) is f'(x) itself, so one
// rule covers every activation, with no formula per activation to keep in
// step with the library. Then
//   dead       f'(x) = 0 on every probe sample: no gradient ever flows through the unit;
//   saturated  not dead, and |f'(x)| < 0.02 on at least 90% of the probe samples —
//              tanh beyond |y| > 0.99, sigmoid beyond y < 0.02 or y > 0.98
//              (for the ReLU family: a unit that is almost dead).
#pragma once

#include <ember.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "comparison.h"

namespace support {

inline constexpr double saturated_derivative = 0.02;  ///< |f'(x)| below this is saturated
inline constexpr double saturated_share = 0.9;        ///< … on at least this share of the samples

/// Handles on an MLP's layers, in order: linear[l] feeds norm[l] (nullptr: none),
/// which feeds activation[l]; the last Linear (the output layer) has neither.
struct MlpLayers {
  std::vector<std::shared_ptr<ember::nn::Linear>> linear;
  std::vector<std::shared_ptr<ember::nn::Module>> norm;
  std::vector<std::shared_ptr<ember::nn::Module>> activation;
};

/// A hidden block's normalisation of `x`, as in training: BatchNorm1d with the batch's
/// statistics, leaving its running statistics alone; LayerNorm does not depend on the mode.
inline ember::Tensor normalize_as_in_training(ember::nn::Module& norm, const ember::Tensor& x) {
  if (auto* bn = dynamic_cast<ember::nn::BatchNorm1d*>(&norm))
    return ember::F::batch_norm(x, {}, {}, bn->weight, bn->bias, /*training=*/true, 0.0f,
                                static_cast<float>(bn->eps));
  return norm(x);
}

/// Dead and saturated units, mean and std of the outputs of each hidden
/// layer, on `probe` (grad_norm is left 0: the training loop measures it).
inline std::vector<LayerHealth> layer_health(ember::nn::Module& model, const MlpLayers& layers,
                                             const ember::Tensor& probe) {
  using namespace ember;
  model.eval();
  std::vector<LayerHealth> health;
  Tensor x = probe;
  for (size_t l = 0; l < layers.activation.size(); ++l) {
    Tensor pre;
    {
      NoGradGuard no_grad;
      pre = (*layers.linear[l])(x);
      if (l < layers.norm.size() && layers.norm[l]) pre = normalize_as_in_training(*layers.norm[l], pre);
    }
    Tensor leaf = pre.detach().requires_grad_();
    Tensor post = (*layers.activation[l])(leaf);
    post.sum().backward();  // leaf.grad() = f'(pre), elementwise
    const float* d = leaf.grad().data();
    const int64_t n = pre.size(0), units = pre.size(1);
    LayerHealth h;
    for (int64_t j = 0; j < units; ++j) {
      int64_t zero = 0, small = 0;
      for (int64_t i = 0; i < n; ++i) {
        const float v = std::fabs(d[i * units + j]);
        zero += v == 0.0f;
        small += v < saturated_derivative;
      }
      const bool dead = zero == n;
      h.dead += dead;
      h.saturated += !dead && static_cast<double>(small) >= saturated_share * static_cast<double>(n);
    }
    h.dead /= static_cast<double>(units);
    h.saturated /= static_cast<double>(units);
    const std::vector<float> y = post.detach().to_vector();
    double sum = 0, sum2 = 0;
    for (float v : y) sum += v, sum2 += static_cast<double>(v) * v;
    h.mean = sum / static_cast<double>(y.size());
    h.std = std::sqrt(std::max(0.0, sum2 / static_cast<double>(y.size()) - h.mean * h.mean));
    health.push_back(h);
    x = post.detach();
  }
  model.zero_grad();  // PReLU's and Swish's parameters took gradients above
  return health;
}

/// ‖∂L/∂W‖ of the Linear feeding each hidden layer, after a backward pass.
inline std::vector<double> gradient_norms(const MlpLayers& layers) {
  std::vector<double> norms;
  for (size_t l = 0; l < layers.activation.size(); ++l) {
    const ember::Tensor g = layers.linear[l]->weight.grad();
    norms.push_back(g.defined() ? std::sqrt(static_cast<double>((g * g).sum().item())) : 0.0);
  }
  return norms;
}

/// PReLU's slope a or Swish's β of each hidden layer (the mean over channels);
/// empty for activations that learn nothing.
inline std::vector<double> learned_parameters(const MlpLayers& layers) {
  std::vector<double> out;
  for (const auto& a : layers.activation) {
    ember::Tensor p;
    if (auto prelu = std::dynamic_pointer_cast<ember::nn::PReLU>(a)) p = prelu->weight;
    if (auto swish = std::dynamic_pointer_cast<ember::nn::Swish>(a)) p = swish->beta;
    if (p.defined()) out.push_back(p.mean().item());
  }
  return out;
}

}  // namespace support
