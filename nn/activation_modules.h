// One nn::Module per activation, each a thin wrapper of the F:: function in
// nn/activation.h: a constructor taking PyTorch's options in PyTorch's order,
// a one-line forward, and printing as PyTorch prints (ELU(alpha=1.0)).
// Learnable ones — PReLU, Swish, Maxout — register their parameters, so
// optimizers and checkpoints see them. RReLU draws slopes in train() mode and
// uses their mean in eval() mode.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "nn/activation.h"
#include "nn/module.h"

namespace ember::nn {

// Modules without options.
class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::relu(x); }
  std::string name() const override { return "ReLU"; }
};

class ReLU6 : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::relu6(x); }
  std::string name() const override { return "ReLU6"; }
};

class SELU : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::selu(x); }
  std::string name() const override { return "SELU"; }
};

class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::silu(x); }
  std::string name() const override { return "SiLU"; }
};

class Mish : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::mish(x); }
  std::string name() const override { return "Mish"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::sigmoid(x); }
  std::string name() const override { return "Sigmoid"; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::tanh(x); }
  std::string name() const override { return "Tanh"; }
};

class LogSigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::logsigmoid(x); }
  std::string name() const override { return "LogSigmoid"; }
};

class Hardswish : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::hardswish(x); }
  std::string name() const override { return "Hardswish"; }
};

class Hardsigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::hardsigmoid(x); }
  std::string name() const override { return "Hardsigmoid"; }
};

class Softsign : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::softsign(x); }
  std::string name() const override { return "Softsign"; }
};

class Tanhshrink : public Module {
 public:
  Tensor forward(const Tensor& x) override { return F::tanhshrink(x); }
  std::string name() const override { return "Tanhshrink"; }
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(float negative_slope = 0.01f);
  Tensor forward(const Tensor& x) override { return F::leaky_relu(x, negative_slope); }
  std::string name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;
  float negative_slope;
};

class ELU : public Module {
 public:
  explicit ELU(float alpha = 1.0f);
  Tensor forward(const Tensor& x) override { return F::elu(x, alpha); }
  std::string name() const override { return "ELU"; }
  std::string extra_repr() const override;
  float alpha;
};

class CELU : public Module {
 public:
  explicit CELU(float alpha = 1.0f);
  Tensor forward(const Tensor& x) override { return F::celu(x, alpha); }
  std::string name() const override { return "CELU"; }
  std::string extra_repr() const override;
  float alpha;
};

class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) override { return F::gelu(x, approximate); }
  std::string name() const override { return "GELU"; }
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }
  std::string approximate;
};

class Softplus : public Module {
 public:
  explicit Softplus(float beta = 1.0f, float threshold = 20.0f);
  Tensor forward(const Tensor& x) override { return F::softplus(x, beta, threshold); }
  std::string name() const override { return "Softplus"; }
  std::string extra_repr() const override;
  float beta, threshold;
};

class Hardtanh : public Module {
 public:
  explicit Hardtanh(float min_val = -1.0f, float max_val = 1.0f);
  Tensor forward(const Tensor& x) override { return F::hardtanh(x, min_val, max_val); }
  std::string name() const override { return "Hardtanh"; }
  std::string extra_repr() const override;
  float min_val, max_val;
};

class Hardshrink : public Module {
 public:
  explicit Hardshrink(float lambd = 0.5f);
  Tensor forward(const Tensor& x) override { return F::hardshrink(x, lambd); }
  std::string name() const override { return "Hardshrink"; }
  std::string extra_repr() const override;
  float lambd;
};

class Softshrink : public Module {
 public:
  explicit Softshrink(float lambd = 0.5f);
  Tensor forward(const Tensor& x) override { return F::softshrink(x, lambd); }
  std::string name() const override { return "Softshrink"; }
  std::string extra_repr() const override;
  float lambd;
};

class Threshold : public Module {
 public:
  Threshold(float threshold, float value);
  Tensor forward(const Tensor& x) override { return F::threshold(x, threshold, value); }
  std::string name() const override { return "Threshold"; }
  std::string extra_repr() const override;
  float threshold, value;
};

/// Modules of one dim option: GLU(dim = -1), Softmax(dim), LogSoftmax(dim), Softmin(dim).
class GLU : public Module {
 public:
  explicit GLU(int64_t dim = -1) : dim(dim) {}
  Tensor forward(const Tensor& x) override { return F::glu(x, dim); }
  std::string name() const override { return "GLU"; }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
  int64_t dim;
};

class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& x) override { return F::softmax(x, dim); }
  std::string name() const override { return "Softmax"; }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
  int64_t dim;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& x) override { return F::log_softmax(x, dim); }
  std::string name() const override { return "LogSoftmax"; }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
  int64_t dim;
};

class Softmin : public Module {
 public:
  explicit Softmin(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& x) override { return F::softmin(x, dim); }
  std::string name() const override { return "Softmin"; }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
  int64_t dim;
};

/// PReLU: a learnable slope, one shared (num_parameters = 1) or one per
/// channel (dim 1 of the input), initialised to `init` as in PyTorch.
class PReLU : public Module {
 public:
  explicit PReLU(int64_t num_parameters = 1, float init = 0.25f);
  Tensor forward(const Tensor& x) override { return F::prelu(x, weight); }
  std::string name() const override { return "PReLU"; }
  std::string extra_repr() const override { return "num_parameters=" + std::to_string(num_parameters); }
  int64_t num_parameters;
  Tensor weight;  ///< [num_parameters]
};

/// RReLU: random slopes from U(lower, upper) in training mode, their mean in eval mode.
class RReLU : public Module {
 public:
  explicit RReLU(float lower = 1.0f / 8, float upper = 1.0f / 3);
  Tensor forward(const Tensor& x) override { return F::rrelu(x, lower, upper, is_training()); }
  std::string name() const override { return "RReLU"; }
  std::string extra_repr() const override;
  float lower, upper;
};

/// Swish: x·σ(βx) with β a learnable parameter (one value, initialised to `beta`).
class Swish : public Module {
 public:
  explicit Swish(float beta = 1.0f);
  Tensor forward(const Tensor& x) override { return F::swish(x, beta); }
  std::string name() const override { return "Swish"; }
  std::string extra_repr() const override;
  Tensor beta;  ///< [1]
};

/// Maxout (Goodfellow et al. 2013): `pieces` affine maps per output feature,
/// and the largest of them — a learned convex piecewise-linear activation.
/// y[…, o] = max_k (x·W[o·pieces + k]ᵀ + b[o·pieces + k]); input [..., in].
/// weight [out·pieces, in] and bias [out·pieces] start as Linear's,
/// U(−1/√in, 1/√in).
class Maxout : public Module {
 public:
  Maxout(int64_t in_features, int64_t out_features, int64_t pieces);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "Maxout"; }
  std::string extra_repr() const override;
  int64_t in_features, out_features, pieces;
  Tensor weight, bias;
};

}  // namespace ember::nn
