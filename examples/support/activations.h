// Every activation that maps a hidden layer elementwise, as an nn module made
// by name — the names of the F:: functions (gelu_tanh is GELU("tanh")). Shared
// by the examples that take an --activation.
#pragma once

#include <ember.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace support {

using ActivationFactory = std::function<std::shared_ptr<ember::nn::Module>()>;

/// By name, in alphabetical order. Left out: glu (it halves the width),
/// softmax and friends (they normalise a whole row), threshold (it needs its
/// two values) and maxout (a layer of its own).
inline const std::map<std::string, ActivationFactory>& activations() {
  using namespace ember::nn;
  static const std::map<std::string, ActivationFactory> table{
      {"relu", [] { return std::make_shared<ReLU>(); }},
      {"leaky_relu", [] { return std::make_shared<LeakyReLU>(); }},
      {"relu6", [] { return std::make_shared<ReLU6>(); }},
      {"prelu", [] { return std::make_shared<PReLU>(); }},
      {"rrelu", [] { return std::make_shared<RReLU>(); }},
      {"elu", [] { return std::make_shared<ELU>(); }},
      {"selu", [] { return std::make_shared<SELU>(); }},
      {"celu", [] { return std::make_shared<CELU>(); }},
      {"gelu", [] { return std::make_shared<GELU>(); }},
      {"gelu_tanh", [] { return std::make_shared<GELU>("tanh"); }},
      {"silu", [] { return std::make_shared<SiLU>(); }},
      {"swish", [] { return std::make_shared<Swish>(); }},
      {"mish", [] { return std::make_shared<Mish>(); }},
      {"hardswish", [] { return std::make_shared<Hardswish>(); }},
      {"sigmoid", [] { return std::make_shared<Sigmoid>(); }},
      {"hardsigmoid", [] { return std::make_shared<Hardsigmoid>(); }},
      {"logsigmoid", [] { return std::make_shared<LogSigmoid>(); }},
      {"tanh", [] { return std::make_shared<Tanh>(); }},
      {"hardtanh", [] { return std::make_shared<Hardtanh>(); }},
      {"softplus", [] { return std::make_shared<Softplus>(); }},
      {"softsign", [] { return std::make_shared<Softsign>(); }},
      {"tanhshrink", [] { return std::make_shared<Tanhshrink>(); }},
      {"hardshrink", [] { return std::make_shared<Hardshrink>(); }},
      {"softshrink", [] { return std::make_shared<Softshrink>(); }},
  };
  return table;
}

}  // namespace support
