// RMSprop — PyTorch 1.13's torch.optim.RMSprop (single-tensor form):
//   g ← g + wd·p;  s ← α·s + (1 − α)·g²
//   centered: ḡ ← α·ḡ + (1 − α)·g, avg = √(s − ḡ²) + eps; else avg = √s + eps
//   momentum μ > 0: b ← μ·b + g/avg, p ← p − lr·b;  else p ← p − lr·g/avg
#pragma once

#include <vector>

#include "optim/optimizer.h"

namespace ember::optim {

struct RMSpropOptions {
  float lr = 1e-2f;
  float alpha = 0.99f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  float momentum = 0.0f;
  bool centered = false;
  bool maximize = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  void step() override;
  std::optional<std::vector<StateSpec>> state_spec() const override;
  const RMSpropOptions& options() const { return options_; }

 private:
  RMSpropOptions options_;
};

}  // namespace ember::optim
