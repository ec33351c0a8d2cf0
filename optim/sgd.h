// Stochastic gradient descent with momentum, dampening, L2 weight decay and
// Nesterov momentum — PyTorch 1.13's torch.optim.SGD (single-tensor form):
//   g ← g + wd·p
//   b ← g on the first step, else μ·b + (1 − dampening)·g
//   g ← g + μ·b (nesterov) or b
//   p ← p − lr·g
#pragma once

#include <limits>
#include <vector>

#include "optim/optimizer.h"

namespace ember::optim {

struct SGDOptions {
  float lr = std::numeric_limits<float>::quiet_NaN();  ///< required, as in PyTorch
  float momentum = 0.0f;
  float dampening = 0.0f;
  float weight_decay = 0.0f;
  bool nesterov = false;
  bool maximize = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  void step() override;
  std::optional<std::vector<StateSpec>> state_spec() const override;
  const SGDOptions& options() const { return options_; }

 private:
  SGDOptions options_;
};

}  // namespace ember::optim
