// The schedulers' get_lr, transcribed from torch/optim/lr_scheduler.py (1.13).
#include "optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "core/error.h"

namespace ember::optim {

LRScheduler::LRScheduler(Optimizer& optimizer, const char* name)
    : optimizer_(optimizer), name_(name), base_lr_(optimizer.lr()), last_lr_(optimizer.lr()) {}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  last_lr_ = get_lr();
  optimizer_.set_lr(last_lr_);
}

void LRScheduler::set_state(const State& state) {
  if (state.last_epoch < 0 || state.step_count < 0 || state.last_epoch > kMaxStepCount ||
      state.step_count > kMaxStepCount || !(state.last_lr >= 0) || !(state.base_lr >= 0))
    fail(name_, ": invalid scheduler state (last_epoch=", state.last_epoch, ", step_count=", state.step_count,
         ", base_lr=", state.base_lr, ", last_lr=", state.last_lr, ")");
  last_epoch_ = state.last_epoch;
  step_count_ = state.step_count;
  base_lr_ = state.base_lr;
  last_lr_ = state.last_lr;
  optimizer_.set_lr(last_lr_);
}

namespace {
// PyTorch does not check gamma; ember does, because a negative or non-finite lr is refused by the
// optimizer at some later step, far from the cause.
void check_gamma(double gamma, const char* scheduler) {
  if (!(gamma >= 0) || !std::isfinite(gamma)) fail(scheduler, ": gamma must be finite and >= 0, got ", gamma);
}
}  // namespace

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer, "StepLR"), step_size_(step_size), gamma_(gamma) {
  if (step_size <= 0) fail("StepLR: step_size must be positive, got ", step_size);
  check_gamma(gamma, "StepLR");
  initial_step();
}

double StepLR::get_lr() const {
  double lr = optimizer_.lr();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lr;
  return lr * gamma_;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer, "MultiStepLR"), milestones_(std::move(milestones)), gamma_(gamma) {
  check_gamma(gamma, "MultiStepLR");
  initial_step();
}

double MultiStepLR::get_lr() const {
  double lr = optimizer_.lr();
  auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lr;
  return lr * std::pow(gamma_, static_cast<double>(hits));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer, "ExponentialLR"), gamma_(gamma) {
  check_gamma(gamma, "ExponentialLR");
  initial_step();
}

double ExponentialLR::get_lr() const {
  double lr = optimizer_.lr();
  return last_epoch_ == 0 ? lr : lr * gamma_;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingLR"), T_max_(T_max), eta_min_(eta_min) {
  if (T_max <= 0) fail("CosineAnnealingLR: T_max must be positive, got ", T_max);
  // A negative floor would drive the lr below 0, which the optimizer refuses mid-run.
  if (!(eta_min >= 0) || !std::isfinite(eta_min))
    fail("CosineAnnealingLR: eta_min must be finite and >= 0, got ", eta_min);
  initial_step();
}

double CosineAnnealingLR::get_lr() const {
  constexpr double pi = std::numbers::pi;
  double lr = optimizer_.lr(), T = static_cast<double>(T_max_), t = static_cast<double>(last_epoch_);
  if (last_epoch_ == 0) return lr;
  // PyTorch's (last_epoch − 1 − T_max) % (2·T_max) == 0, without overflowing int64 where
  // Python's ints do not: x fits (last_epoch >= 0), and a period past INT64_MAX divides only 0.
  const int64_t x = last_epoch_ - 1 - T_max_;
  const bool restart = T_max_ > std::numeric_limits<int64_t>::max() / 2 ? x == 0 : x % (2 * T_max_) == 0;
  if (restart) return lr + (base_lr_ - eta_min_) * (1 - std::cos(pi / T)) / 2;
  return (1 + std::cos(pi * t / T)) / (1 + std::cos(pi * (t - 1) / T)) * (lr - eta_min_) + eta_min_;
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer, "LinearLR"),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  if (!(start_factor > 0 && start_factor <= 1))
    fail(
        "LinearLR: starting multiplicative factor expected to be greater than 0 and less or equal to 1, got ",
        start_factor);
  if (!(end_factor >= 0 && end_factor <= 1))
    fail("LinearLR: ending multiplicative factor expected to be between 0 and 1, got ", end_factor);
  initial_step();
}

double LinearLR::get_lr() const {
  double lr = optimizer_.lr();
  if (last_epoch_ == 0) return lr * start_factor_;
  if (last_epoch_ > total_iters_) return lr;
  double delta = end_factor_ - start_factor_;
  return lr * (1. + delta / (static_cast<double>(total_iters_) * start_factor_ +
                             static_cast<double>(last_epoch_ - 1) * delta));
}

}  // namespace ember::optim
