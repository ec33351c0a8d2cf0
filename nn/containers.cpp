#include "nn/containers.h"

#include <typeinfo>

#include "core/ops.h"
#include "nn/activation_modules.h"
#include "nn/linear.h"

namespace ember::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& modules) {
  for (const auto& m : modules) push_back(m);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  if (!module) fail("Sequential: push_back of a null module (at index ", modules_.size(), ")");
  add_child(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

const std::shared_ptr<Module>& Sequential::operator[](size_t i) const {
  if (i >= modules_.size())
    fail("Sequential: index ", i, " is out of range for ", modules_.size(), " modules");
  return modules_[i];
}

namespace {

// The activation module that F::linear can fuse into the product before it, if m is one.
F::LinearActivation fusable_activation(const Module& m) {
  if (typeid(m) == typeid(ReLU)) return F::LinearActivation::relu;
  if (typeid(m) == typeid(Tanh)) return F::LinearActivation::tanh;
  if (typeid(m) == typeid(Sigmoid)) return F::LinearActivation::sigmoid;
  return F::LinearActivation::none;
}

}  // namespace

// Runs the modules in order, except that a Linear followed by ReLU, Tanh or
// Sigmoid runs as one fused op (same values and gradients, one pass and one
// node fewer). typeid, not dynamic_cast: a subclass may override forward.
Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (size_t i = 0; i < modules_.size(); ++i) {
    Module& m = *modules_[i];
    auto activation =
        i + 1 < modules_.size() ? fusable_activation(*modules_[i + 1]) : F::LinearActivation::none;
    if (typeid(m) == typeid(Linear) && activation != F::LinearActivation::none) {
      const auto& linear = static_cast<const Linear&>(m);
      x = F::linear(x, linear.weight, linear.bias, activation);
      ++i;  // the activation ran inside the op
    } else {
      x = m(x);
    }
  }
  return x;
}

Tensor Flatten::forward(const Tensor& input) { return flatten(input, start_dim, end_dim); }

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

}  // namespace ember::nn
