// Adagrad — PyTorch 1.13's torch.optim.Adagrad (single-tensor form, dense):
//   g ← g + wd·p;  clr = lr / (1 + (t − 1)·lr_decay)
//   s ← s + g²;    p ← p − clr · g / (√s + eps)
// s starts at initial_accumulator_value.
#pragma once

#include <vector>

#include "optim/optimizer.h"

namespace ember::optim {

struct AdagradOptions {
  float lr = 1e-2f;
  float lr_decay = 0.0f;
  float weight_decay = 0.0f;
  float initial_accumulator_value = 0.0f;
  float eps = 1e-10f;
  bool maximize = false;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, AdagradOptions options = {});
  void step() override;
  std::optional<std::vector<StateSpec>> state_spec() const override;
  const AdagradOptions& options() const { return options_; }

 private:
  AdagradOptions options_;
};

}  // namespace ember::optim
