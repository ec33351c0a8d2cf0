// Dropout: in training, zero each element with probability p and scale the
// survivors by 1/(1−p) ("inverted" dropout, so eval needs no rescaling); in
// evaluation, the identity. The mask is drawn from ember's generator and kept
// for the backward, which multiplies the gradient by the same mask.
//
// AlphaDropout, for SELU networks: a dropped element is set to SELU's negative
// saturation value −λα instead of 0, and an affine map a·(·) + b afterwards
// brings the mean and variance back to those of the input (0 and 1 for a
// self-normalising network), as PyTorch's alpha_dropout does.
#pragma once

#include <string>

#include "core/tensor.h"
#include "nn/module.h"

namespace ember::F {

/// p in [0, 1]; p = 1 zeroes everything (as PyTorch). Not training, or p = 0: returns x.
Tensor dropout(const Tensor& x, float p = 0.5f, bool training = true);

/// PyTorch's formula, with α' = λα = 1.7580993408473766, a mask of keep probability 1 − p,
///   a = 1/√((α'²p + 1)(1 − p)),  y = a·x + a·α'·p  where kept,  a·α'·(p − 1) where dropped,
/// so that x of mean 0, variance 1 gives y of mean 0, variance 1. dx = g·a where kept, 0 where
/// dropped. p = 1: zeros. Not training, p = 0 or an empty x: returns x.
Tensor alpha_dropout(const Tensor& x, float p = 0.5f, bool training = false);

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

class AlphaDropout : public Module {
 public:
  explicit AlphaDropout(float p = 0.5f);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "AlphaDropout"; }
  std::string extra_repr() const override;  // "p=0.5, inplace=False"

  float p;
};

}  // namespace ember::nn
