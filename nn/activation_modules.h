// One nn::Module per activation, each a thin wrapper of the F:: function in
// nn/activation.h: a constructor taking PyTorch's options in PyTorch's order,
// a one-line forward, and printing as PyTorch prints (ELU(alpha=1.0)).
// Learnable ones — PReLU, Swish, Maxout — register their parameters, so
// optimizers and checkpoints see them. RReLU draws slopes in train() mode and
// uses their mean in eval() mode.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "nn/activation.h"
#include "nn/module.h"

namespace ember::nn {

// With `inplace`, forward hands F::relu_ & co. a copy of the caller's handle
// (`Tensor t = x`): the same values and place in the graph, overwritten.

// Modules without options.
class ReLU : public Module {
 public:
  explicit ReLU(bool inplace = false) : inplace(inplace) {}
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::relu_(t) : F::relu(x);
  }
  std::string name() const override { return "ReLU"; }
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
  bool inplace;
};

class ReLU6 : public Module {
 public:
  explicit ReLU6(bool inplace = false) : inplace(inplace) {}
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::relu6_(t) : F::relu6(x);
  }
  std::string name() const override { return "ReLU6"; }
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
  bool inplace;
};

class SELU : public Module {
 public:
  explicit SELU(bool inplace = false) : inplace(inplace) {}
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::selu_(t) : F::selu(x);
  }
  std::string name() const override { return "SELU"; }
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
  bool inplace;
};

class SiLU : public Module {
 public:
  explicit SiLU(bool inplace = false) : inplace(inplace) {}
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::silu_(t) : F::silu(x);
  }
  std::string name() const override { return "SiLU"; }
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
  bool inplace;
};

class Mish : public Module {
 public:
  explicit Mish(bool inplace = false) : inplace(inplace) {}
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::mish_(t) : F::mish(x);
  }
  std::string name() const override { return "Mish"; }
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
  bool inplace;
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

/// PyTorch prints Hardswish() whether in place or not; so does ember.
class Hardswish : public Module {
 public:
  explicit Hardswish(bool inplace = false) : inplace(inplace) {}
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::hardswish_(t) : F::hardswish(x);
  }
  std::string name() const override { return "Hardswish"; }
  bool inplace;
};

/// clamp((x + bias)/divisor, min_value, max_value). Hardsigmoid() is PyTorch's
/// (3, 6, 0, 1) and prints as PyTorch prints it, "Hardsigmoid()" (in place or not);
/// Hardsigmoid(1, 2) is the activation tutorial's HardSigmoid and prints its options.
/// Hardsigmoid(true) is PyTorch's curve in place: a lone argument must be a bool
/// (Hardsigmoid(0.5f) does not compile, rather than becoming inplace = true), and
/// a bool cannot be the bias (Hardsigmoid(true, 2) does not compile).
class Hardsigmoid : public Module {
 public:
  Hardsigmoid() = default;
  template <std::same_as<bool> Bool>
  explicit Hardsigmoid(Bool inplace) : inplace(inplace) {}
  Hardsigmoid(float bias, float divisor, float min_value = 0.0f, float max_value = 1.0f,
              bool inplace = false);
  template <std::same_as<bool> Bool, class... Rest>
  Hardsigmoid(Bool, float, Rest...) = delete;
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::hardsigmoid_(t, bias, divisor, min_value, max_value)
                   : F::hardsigmoid(x, bias, divisor, min_value, max_value);
  }
  std::string name() const override { return "Hardsigmoid"; }
  std::string extra_repr() const override;
  float bias = 3.0f, divisor = 6.0f, min_value = 0.0f, max_value = 1.0f;
  bool inplace = false;
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
  explicit LeakyReLU(float negative_slope = 0.01f, bool inplace = false);
  /// LeakyReLU(true) would be a parameter of 1, not in place: write LeakyReLU(0.01f, true).
  template <std::same_as<bool> Bool>
  LeakyReLU(Bool) = delete;
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::leaky_relu_(t, negative_slope) : F::leaky_relu(x, negative_slope);
  }
  std::string name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;
  float negative_slope;
  bool inplace;
};

class ELU : public Module {
 public:
  explicit ELU(float alpha = 1.0f, bool inplace = false);
  /// ELU(true) would be a parameter of 1, not in place: write ELU(1.0f, true).
  template <std::same_as<bool> Bool>
  ELU(Bool) = delete;
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::elu_(t, alpha) : F::elu(x, alpha);
  }
  std::string name() const override { return "ELU"; }
  std::string extra_repr() const override;
  float alpha;
  bool inplace;
};

class CELU : public Module {
 public:
  explicit CELU(float alpha = 1.0f, bool inplace = false);
  /// CELU(true) would be a parameter of 1, not in place: write CELU(1.0f, true).
  template <std::same_as<bool> Bool>
  CELU(Bool) = delete;
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::celu_(t, alpha) : F::celu(x, alpha);
  }
  std::string name() const override { return "CELU"; }
  std::string extra_repr() const override;
  float alpha;
  bool inplace;
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
  explicit Hardtanh(float min_val = -1.0f, float max_val = 1.0f, bool inplace = false);
  /// Hardtanh(true) would be a parameter of 1, not in place: write Hardtanh(-1.0f, 1.0f, true).
  template <std::same_as<bool> Bool>
  Hardtanh(Bool) = delete;
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::hardtanh_(t, min_val, max_val) : F::hardtanh(x, min_val, max_val);
  }
  std::string name() const override { return "Hardtanh"; }
  std::string extra_repr() const override;
  float min_val, max_val;
  bool inplace;
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
  Threshold(float threshold, float value, bool inplace = false);
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::threshold_(t, threshold, value) : F::threshold(x, threshold, value);
  }
  std::string name() const override { return "Threshold"; }
  std::string extra_repr() const override;
  float threshold, value;
  bool inplace;
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
  explicit RReLU(float lower = 1.0f / 8, float upper = 1.0f / 3, bool inplace = false);
  /// RReLU(true) would be lower = 1: write RReLU(1.0f / 8, 1.0f / 3, true).
  template <std::same_as<bool> Bool>
  RReLU(Bool) = delete;
  Tensor forward(const Tensor& x) override {
    Tensor t = x;
    return inplace ? F::rrelu_(t, lower, upper, is_training()) : F::rrelu(x, lower, upper, is_training());
  }
  std::string name() const override { return "RReLU"; }
  std::string extra_repr() const override;
  float lower, upper;
  bool inplace;
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
