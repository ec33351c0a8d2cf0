#include "optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "core/untrusted_text.h"

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
  check_state(state, name_);
  state_ = std::move(state);
}

void Optimizer::check_state(const std::vector<ParamState>& state, const std::string& where) const {
  if (state.size() != params_.size())
    fail(where, ": state has ", state.size(), " parameters but the optimizer has ", params_.size());
  const std::optional<std::vector<StateSpec>> spec = state_spec();
  std::string kept;  // "exp_avg, exp_avg_sq", for the messages
  if (spec)
    for (const StateSpec& s : *spec) kept += (kept.empty() ? "" : ", ") + s.name;
  if (kept.empty()) kept = "no state tensors";
  for (size_t i = 0; i < state.size(); ++i) {
    const ParamState& p = state[i];
    if (p.step < 0) fail(where, ": parameter ", i, " has a negative step count ", p.step);
    if (p.step > kMaxStepCount)
      fail(where, ": parameter ", i, " has a step count of ", p.step, ", more than any run takes (2^53)");
    for (const auto& [n, t] : p.tensors) {
      if (spec &&
          std::none_of(spec->begin(), spec->end(), [&n = n](const StateSpec& s) { return s.name == n; }))
        fail(where, ": parameter ", i, " has state '", detail::printable(n), "', which ", name_,
             " with these options does not keep (it keeps ", kept, ")");
      if (!t.defined() || t.shape() != params_[i].shape())
        fail(where, ": state '", detail::printable(n), "' of parameter ", i, " has shape ",
             t.defined() ? t.shape() : Shape{}, " but the parameter has shape ", params_[i].shape());
    }
    if (!spec) continue;
    for (const StateSpec& s : *spec) {
      auto it = p.tensors.find(s.name);
      if (it == p.tensors.end()) {
        if (s.from_start || p.step > 0)
          fail(where, ": state '", s.name, "' of parameter ", i, " is missing (", name_, " keeps ", kept,
               s.from_start ? " from the start" : " once a parameter has taken a step",
               "; this one has taken ", p.step, ")");
        continue;
      }
      if (!s.non_negative) continue;
      const float* v = it->second.data();
      for (int64_t k = 0; k < it->second.numel(); ++k)
        if (v[k] < 0)
          fail(where, ": state '", s.name, "' of parameter ", i, " has a negative value ", v[k], " at index ",
               k, " (it is a sum of squares)");
    }
  }
}

void Optimizer::check_shared_state(const SharedState& shared, const std::string& where) const {
  if (shared.empty()) return;
  const std::string first = !shared.tensors.empty() ? "tensor '" + shared.tensors.begin()->first + "'"
                                                    : "value '" + shared.values.begin()->first + "'";
  fail(where, ": shared state ", detail::printable(first), " given, but ", name_,
       " keeps its state per parameter (only LBFGS keeps shared state)");
}

void Optimizer::set_shared_state(const SharedState& shared) {
  check_shared_state(shared, name_);
  restore_shared_state(shared);
}

}  // namespace ember::optim
