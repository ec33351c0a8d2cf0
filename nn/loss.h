// Loss functions (functional and modules), with PyTorch 1.13's formulas,
// defaults and reductions: "mean" (the default), "sum", or "none" (one loss
// per element / sample); anything else is an ember::Error. Each loss is one
// op with its own backward (formula next to the forward in loss.cpp and
// loss_classification.cpp); all of them are gradient-checked in tests.
//
// Input and target must have the same shape for the elementwise losses —
// PyTorch broadcasts with a warning, which hides the classic [N, 1] vs [N]
// bug; ember refuses and names both shapes. Class targets are tensors of
// whole numbers stored as floats. Per-class weights, ignore_index and
// pos_weight are left out.
#pragma once

#include <string>
#include <string_view>

#include "core/tensor.h"
#include "nn/module.h"

namespace ember::F {

/// (x − t)².
Tensor mse_loss(const Tensor& input, const Tensor& target, std::string_view reduction = "mean");
/// |x − t|.
Tensor l1_loss(const Tensor& input, const Tensor& target, std::string_view reduction = "mean");
/// 0.5·d²/β where |d| < β, else |d| − 0.5·β (d = x − t); β = 0 is l1_loss.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, std::string_view reduction = "mean",
                      float beta = 1.0f);
/// 0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ); δ > 0.
Tensor huber_loss(const Tensor& input, const Tensor& target, std::string_view reduction = "mean",
                  float delta = 1.0f);
/// Softmax cross entropy from raw logits [N, C] (or [N, C, d…], or [C]) and class indices [N] ([N, d…], []),
/// or class probabilities of the logits' shape. With label smoothing ε the target is
/// (1 − ε)·onehot + ε/C. Computed stably in one pass (log-sum-exp); backward softmax − target.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, std::string_view reduction = "mean",
                     float label_smoothing = 0.0f);
/// −logp[target] from log-probabilities [N, C] (or [N, C, d…], or [C]) and class indices.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, std::string_view reduction = "mean");
/// −(t·log p + (1 − t)·log(1 − p)), each log clamped to ≥ −100 as PyTorch does; p must lie in [0, 1].
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, std::string_view reduction = "mean");
/// binary_cross_entropy(sigmoid(x), t) computed stably: max(x, 0) − x·t + log(1 + e^−|x|).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        std::string_view reduction = "mean");

}  // namespace ember::F

namespace ember::nn {

/// The base of the loss modules: called with (input, target).
class Loss : public Module {
 public:
  /// `name` is the module's, for the message when reduction is invalid.
  Loss(std::string reduction, const char* name);
  using Module::forward;
  using Module::operator();
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }

  std::string reduction;
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(std::string reduction = "mean") : Loss(std::move(reduction), "MSELoss") {}
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string name() const override { return "MSELoss"; }
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(std::string reduction = "mean") : Loss(std::move(reduction), "L1Loss") {}
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string name() const override { return "L1Loss"; }
};

class SmoothL1Loss : public Loss {
 public:
  explicit SmoothL1Loss(std::string reduction = "mean", float beta = 1.0f);
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string name() const override { return "SmoothL1Loss"; }
  float beta;
};

class HuberLoss : public Loss {
 public:
  explicit HuberLoss(std::string reduction = "mean", float delta = 1.0f);
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string name() const override { return "HuberLoss"; }
  float delta;
};

class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(std::string reduction = "mean", float label_smoothing = 0.0f);
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string name() const override { return "CrossEntropyLoss"; }
  float label_smoothing;
};

class NLLLoss : public Loss {
 public:
  explicit NLLLoss(std::string reduction = "mean") : Loss(std::move(reduction), "NLLLoss") {}
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string name() const override { return "NLLLoss"; }
};

class BCELoss : public Loss {
 public:
  explicit BCELoss(std::string reduction = "mean") : Loss(std::move(reduction), "BCELoss") {}
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string name() const override { return "BCELoss"; }
};

class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(std::string reduction = "mean")
      : Loss(std::move(reduction), "BCEWithLogitsLoss") {}
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string name() const override { return "BCEWithLogitsLoss"; }
};

}  // namespace ember::nn
