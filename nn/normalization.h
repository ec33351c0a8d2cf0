// Normalisation layers, PyTorch's semantics:
//   F::batch_norm / nn::BatchNorm1d — each channel (dim 1) normalised over the
//     batch (and over L for [N, C, L] input) in training, with running
//     statistics kept for evaluation;
//   F::layer_norm / nn::LayerNorm — each sample normalised over its last dims.
// Each op is one node with a fused backward (core/kernels/normalization.h) and
// a differentiable backward written with ember's ops, so that gradients of
// gradients work (gradgradcheck in tests/test_normalization.cpp). The plain
// formulas, ember::reference::batch_norm and ::layer_norm, sit beside them; a
// test holds fused and reference equal, forward and backward.
//
// Not here: BatchNorm2d/3d, GroupNorm, InstanceNorm, synchronised statistics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/tensor.h"
#include "nn/module.h"

namespace ember::F {

/// x: [N, C] or [N, C, L] (any [N, C, …]); running_mean, running_var, weight, bias: [C] or undefined.
/// training: normalise with the batch's mean and biased variance, and, when the running
/// statistics are defined, update them in place: r ← (1 − momentum)·r + momentum·batch, with
/// the unbiased variance (·m/(m − 1), m = N·L) for running_var. Not training: normalise with
/// the running statistics (which must then be defined). y = (x − mean)/√(var + eps)·weight + bias.
/// Gradients flow to x, weight and bias, never to the running statistics.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  float momentum = 0.1f, float eps = 1e-5f);

/// Normalises x over its last normalized_shape.size() dims, which must equal normalized_shape:
/// y = (x − mean)/√(var + eps)·weight + bias, biased variance, weight and bias of normalized_shape.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, float eps = 1e-5f);

}  // namespace ember::F

namespace ember::reference {

/// F::batch_norm as a formula of ember's ops (mean, sqrt, …; autograd derives its gradient),
/// running statistics updated the same way, outside the graph.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  float momentum = 0.1f, float eps = 1e-5f);
/// F::layer_norm as a formula of ember's ops.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, float eps = 1e-5f);

}  // namespace ember::reference

namespace ember::nn {

/// Batch normalisation over [N, C] or [N, C, L] input (PyTorch's BatchNorm1d). Training mode
/// uses the batch's statistics and updates the running ones; evaluation mode uses the running
/// ones (or the batch's, when track_running_stats is false). momentum = std::nullopt keeps a
/// cumulative average (factor 1/num_batches_tracked), as PyTorch's momentum=None.
class BatchNorm1d : public Module {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "BatchNorm1d"; }
  /// "16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True"
  std::string extra_repr() const override;
  /// running_mean ← 0, running_var ← 1, num_batches_tracked ← 0.
  void reset_running_stats();
  /// The running statistics, and weight ← 1, bias ← 0.
  void reset_parameters();

  int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight, bias;  ///< [num_features]; undefined unless affine
  /// Buffers, under PyTorch's state_dict names; undefined unless track_running_stats.
  /// num_batches_tracked is a float32 scalar here (exact up to 2²⁴ batches) and int64 in a checkpoint.
  Tensor running_mean, running_var, num_batches_tracked;
};

/// Layer normalisation over the last dims (PyTorch's LayerNorm).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  /// The common case: normalise over the last dim, of this size.
  explicit LayerNorm(int64_t normalized_size, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "LayerNorm"; }
  /// "(16,), eps=1e-05, elementwise_affine=True"
  std::string extra_repr() const override;
  /// weight ← 1, bias ← 0.
  void reset_parameters();

  Shape normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;  ///< of normalized_shape; undefined unless elementwise_affine
};

}  // namespace ember::nn
