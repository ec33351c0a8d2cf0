#include "optim/optimizer.h"

#include <cmath>
#include <map>

#include "core/error.h"

namespace ember::optim {

Optimizer::Optimizer(std::vector<Tensor> params, double lr, const char* name)
    : params_(std::move(params)), state_(params_.size()), lr_(lr), name_(name) {
  if (params_.empty()) fail(name_, ": got an empty parameter list");
  std::map<const TensorImpl*, size_t> seen;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].defined()) fail(name_, ": parameter ", i, " is an undefined tensor");
    if (!params_[i].is_leaf())
      fail(name_, ": can't optimize a non-leaf tensor (parameter ", i, ", shape ", params_[i].shape(), ")");
    // A parameter listed twice would take two updates per step from one gradient.
    if (auto [it, inserted] = seen.emplace(params_[i].impl(), i); !inserted)
      fail(name_, ": parameter ", i, " is the same tensor as parameter ", it->second, " (shape ",
           params_[i].shape(), "); list each parameter once");
  }
  set_lr(lr);
}

void Optimizer::set_lr(double lr) {
  if (!(lr >= 0.0)) fail(name_, ": invalid learning rate: ", lr, " (must be >= 0)");
  lr_ = lr;
}

void Optimizer::zero_grad(bool set_to_none) {
  for (Tensor& p : params_) {
    if (set_to_none)
      p.set_grad({});
    else if (p.grad().defined())
      p.grad().zero_();
  }
}

Tensor& Optimizer::buffer(size_t i, const std::string& name) {
  Tensor& t = state_[i].tensors[name];
  if (!t.defined()) t = zeros(params_[i].shape());
  return t;
}

bool Optimizer::has_buffer(size_t i, const std::string& name) const {
  return state_[i].tensors.count(name) != 0;
}

void Optimizer::set_state(std::vector<ParamState> state) {
  if (state.size() != params_.size())
    fail(name_, ": state has ", state.size(), " parameters but the optimizer has ", params_.size());
  for (size_t i = 0; i < state.size(); ++i) {
    if (state[i].step < 0) fail(name_, ": parameter ", i, " has a negative step count ", state[i].step);
    for (const auto& [n, t] : state[i].tensors)
      if (!t.defined() || t.shape() != params_[i].shape())
        fail(name_, ": state '", n, "' of parameter ", i, " has shape ", t.defined() ? t.shape() : Shape{},
             " but the parameter has shape ", params_[i].shape());
  }
  state_ = std::move(state);
}

}  // namespace ember::optim
