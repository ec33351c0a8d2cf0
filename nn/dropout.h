// Dropout: in training, zero each element with probability p and scale the
// survivors by 1/(1−p) ("inverted" dropout, so eval needs no rescaling); in
// evaluation, the identity. The mask is drawn from ember's generator and kept
// for the backward, which multiplies the gradient by the same mask.
#pragma once

#include <string>

#include "core/tensor.h"
#include "nn/module.h"

namespace ember::F {

/// p in [0, 1]; p = 1 zeroes everything (as PyTorch). Not training, or p = 0: returns x.
Tensor dropout(const Tensor& x, float p = 0.5f, bool training = true);

}  // namespace ember::F

namespace ember::nn {

class Dropout : public Module {
 public:
  explicit Dropout(float p = 0.5f);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Dropout"; }
  std::string extra_repr() const override;  // "p=0.5, inplace=False"

  float p;
};

}  // namespace ember::nn
