// Learning-rate schedulers, as PyTorch 1.13's torch.optim.lr_scheduler: the
// constructor takes one step (epoch 0, which may already change the lr, e.g.
// LinearLR's warm-up start); each step() advances the epoch and sets the
// optimizer's lr. Each schedule uses PyTorch's recursive form (the new lr from
// the optimizer's current one, in double), so the values match PyTorch's.
//
//   sched.step() once per epoch, after the epoch's optimizer steps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace ember::optim {

class LRScheduler {
 public:
  LRScheduler(Optimizer& optimizer, const char* name);
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one epoch and sets the optimizer's lr.
  void step();
  /// The lr set by the last step() (PyTorch returns one per parameter group; ember has one group).
  double get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  double base_lr() const { return base_lr_; }
  const std::string& name() const { return name_; }

  /// What a checkpoint keeps; set_state also puts last_lr back into the optimizer.
  struct State {
    int64_t last_epoch = -1;
    int64_t step_count = 0;
    double base_lr = 0, last_lr = 0;
  };
  State state() const { return {last_epoch_, step_count_, base_lr_, last_lr_}; }
  void set_state(const State& state);

 protected:
  /// The lr for epoch last_epoch_, from the optimizer's current lr (PyTorch's get_lr).
  virtual double get_lr() const = 0;
  /// Derived constructors end with this: PyTorch's initial step.
  void initial_step() { step(); }

  Optimizer& optimizer_;
  std::string name_;
  double base_lr_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  double last_lr_;
};

/// lr ·= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  double get_lr() const override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// lr ·= gamma at each milestone epoch (a milestone listed twice applies gamma twice).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  double get_lr() const override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

/// lr ·= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  double get_lr() const override;

 private:
  double gamma_;
};

/// lr = eta_min + (base − eta_min)·(1 + cos(π·t/T_max))/2, continuing as a cosine past T_max.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);

 protected:
  double get_lr() const override;

 private:
  int64_t T_max_;
  double eta_min_;
};

/// Multiplies lr by a factor going linearly from start_factor to end_factor over total_iters epochs
/// (warm-up).
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5);

 protected:
  double get_lr() const override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

}  // namespace ember::optim
