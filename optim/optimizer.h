// optim::Optimizer: the base of every optimizer. It holds the parameters (the
// same tensor handles the model holds), the learning rate, and per-parameter
// state — a step count and named tensors such as "exp_avg" — so that a
// checkpoint can save and restore it and a resumed run continues bit for bit
// (optim/checkpoint.h). An optimizer whose state belongs to all parameters together
// (L-BFGS's one history over the flattened parameters) keeps it as SharedState, which
// checkpoints hold beside the per-parameter state. One parameter group; PyTorch's
// param_groups are left out.
//
// step() updates the parameters' values in place, outside autograd, from
// their .grad(); a parameter whose .grad() is undefined is skipped and its
// state left alone, as in PyTorch.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/grad_mode.h"
#include "core/tensor.h"

namespace ember::optim {

/// The largest step count (of a parameter, or a scheduler's epoch and step count) a state may
/// hold: no run takes 2^53 steps; up to it a count is exact as the double the bias corrections
/// use, and the next step can still count (INT64_MAX + 1 would overflow).
constexpr int64_t kMaxStepCount = int64_t{1} << 53;

/// A state tensor an optimizer keeps per parameter (with its current options).
struct StateSpec {
  std::string name;           ///< "exp_avg_sq"
  bool from_start = false;    ///< present before any step (Adagrad's sum); otherwise once step > 0
  bool non_negative = false;  ///< a sum or average of squares: a negative value is not a state
};

/// What an optimizer remembers about one parameter between steps.
struct ParamState {
  int64_t step = 0;                       ///< steps taken with a gradient
  std::map<std::string, Tensor> tensors;  ///< "momentum_buffer", "exp_avg", …
};

/// What an optimizer remembers that belongs to all parameters together rather than to one
/// (L-BFGS's history), in the form a checkpoint keeps: tensors by name, scalars as exact text.
struct SharedState {
  std::map<std::string, Tensor> tensors;      ///< "d", "old_dirs", …
  std::map<std::string, std::string> values;  ///< "n_iter" → "12", "t" → nn::exact_text(t), …
  bool empty() const { return tensors.empty() && values.empty(); }
};

class Optimizer {
 public:
  Optimizer(std::vector<Tensor> params, double lr, const char* name);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter that has a gradient.
  virtual void step() = 0;
  /// Clears the parameters' gradients: undefined (PyTorch's set_to_none, the
  /// default from PyTorch 2.0) or, with set_to_none = false, filled with zeros.
  void zero_grad(bool set_to_none = true);

  const std::vector<Tensor>& params() const { return params_; }
  /// The learning rate; schedulers set it. Kept in double, as PyTorch's Python float.
  double lr() const { return lr_; }
  void set_lr(double lr);
  /// "SGD", "Adam", … (checked when state is restored).
  const std::string& name() const { return name_; }

  /// Per-parameter state, in the order of params() (for checkpoints).
  const std::vector<ParamState>& state() const { return state_; }
  /// Replaces the state after check_state.
  void set_state(std::vector<ParamState> state);
  /// Throws ember::Error "<where>: …" unless `state` is one this optimizer could have
  /// reached: a state per parameter, step counts >= 0, every tensor of state_spec()
  /// present once a parameter has stepped (and none other), shaped like the parameter,
  /// sums of squares not negative. A step reading a missing or foreign buffer would
  /// silently compute garbage, so a checkpoint is held to this before it is applied.
  void check_state(const std::vector<ParamState>& state, const std::string& where) const;
  /// The state tensors step() reads with the current options; nullopt (the default,
  /// for optimizers that do not say) checks only shapes.
  virtual std::optional<std::vector<StateSpec>> state_spec() const { return std::nullopt; }
  /// The state that belongs to all parameters together; empty for every optimizer but LBFGS.
  virtual SharedState shared_state() const { return {}; }
  /// Throws ember::Error "<where>: …" unless `shared` is a shared state this optimizer, with
  /// its current options, could have reached; the default accepts only an empty one. Like
  /// check_state, it guards against a step reading a missing, misshapen or foreign tensor.
  virtual void check_shared_state(const SharedState& shared, const std::string& where) const;
  /// Replaces the shared state after check_shared_state.
  void set_shared_state(const SharedState& shared);

 protected:
  /// Puts a checked shared state in place; overridden with shared_state and check_shared_state.
  virtual void restore_shared_state(const SharedState& /*checked*/) {}

  /// The loop every step() runs, written once: outside autograd, for each
  /// parameter that has a gradient, mark it changed in place (a graph that
  /// saved it can no longer backward), count its step, and call
  /// update(i, step, param, grad, n) with the raw arrays of its n values.
  template <class Update>
  void for_each_param_with_grad(Update update) {
    NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i) {
      Tensor grad = params_[i].grad();
      if (!grad.defined()) continue;
      params_[i].bump_version();
      const int64_t step = ++state_[i].step;
      update(i, step, params_[i].data(), static_cast<const float*>(grad.data()), params_[i].numel());
    }
  }

  /// The named state tensor of parameter i, created zero-filled (like the param) on first use.
  Tensor& buffer(size_t i, const std::string& name);
  bool has_buffer(size_t i, const std::string& name) const;

  std::vector<Tensor> params_;
  std::vector<ParamState> state_;
  double lr_;
  std::string name_;
};

}  // namespace ember::optim
