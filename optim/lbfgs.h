// L-BFGS — PyTorch 1.13's torch.optim.LBFGS, same algorithm and order of operations: a
// quasi-Newton method that keeps the last history_size pairs (s = step taken, y = change of
// the gradient) and turns the gradient into a search direction with the two-loop recursion,
//   q ← −g;  for i newest..oldest: αᵢ = ρᵢ·sᵢᵀq,  q ← q − αᵢ·yᵢ        (ρᵢ = 1 / yᵢᵀsᵢ)
//   r ← H_diag·q;  for i oldest..newest: βᵢ = ρᵢ·yᵢᵀr,  r ← r + (αᵢ − βᵢ)·sᵢ;  d = r
// with H_diag = yᵀs / yᵀy of the newest pair, a pair kept only when yᵀs > 1e-10 (curvature).
// One step() runs up to max_iter iterations and max_eval evaluations of the closure; the very
// first iteration steps min(1, 1/‖g‖₁)·lr along −g, later ones lr along d, or, with
// line_search_fn = "strong_wolfe", the length a strong-Wolfe line search (cubic interpolation,
// c1 = 1e-4, c2 = 0.9, at most 25 evaluations) finds.
//
// It works on all parameters flattened into one vector (a parameter without a gradient counts
// as zeros), so its state — the history, d, t, H_diag, the previous gradient and loss, n_iter
// and func_evals — belongs to the whole parameter list, not to one parameter: it is the
// optimizer's SharedState (optim/lbfgs_state.cpp), which save_checkpoint / save_state write
// and load_checkpoint / load_state check and restore, so that a resumed run continues bit
// for bit (PyTorch's state_dict keeps the same entries on the first parameter). Left out, as
// in PyTorch: parameter groups.
//
//   optim::LBFGS opt(model.parameters(), {.line_search_fn = "strong_wolfe"});
//   for (int i = 0; i < 10; ++i)
//     opt.step([&] {
//       opt.zero_grad();
//       Tensor loss = F::mse_loss(model(x), y);
//       loss.backward();
//       return loss;
//     });
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace ember::optim {

/// PyTorch's LBFGS arguments, in its order and with its defaults. Python floats are doubles here.
struct LBFGSOptions {
  double lr = 1;
  int64_t max_iter = 20;            ///< iterations per step()
  int64_t max_eval = 0;             ///< closure evaluations per step(); 0: max_iter·5/4 (PyTorch's None)
  double tolerance_grad = 1e-7;     ///< stop when max|g| <= this
  double tolerance_change = 1e-9;   ///< stop when the step or the loss changes less than this
  int64_t history_size = 100;       ///< (s, y) pairs kept
  std::string line_search_fn = "";  ///< "" (PyTorch's None: a fixed step) or "strong_wolfe"
};

/// What L-BFGS remembers between steps — PyTorch's state entries, over the flattened parameters.
struct LBFGSState {
  int64_t func_evals = 0;        ///< closure evaluations, all steps together
  int64_t n_iter = 0;            ///< iterations, all steps together
  Tensor d;                      ///< the last search direction
  double t = 0;                  ///< the last step length
  std::vector<Tensor> old_dirs;  ///< y = g_new − g_old, oldest first
  std::vector<Tensor> old_stps;  ///< s = t·d
  std::vector<float> ro;         ///< 1 / yᵀs
  float H_diag = 1;              ///< the initial inverse-Hessian scale yᵀs / yᵀy
  Tensor prev_flat_grad;         ///< the gradient the next iteration differences against
  double prev_loss = 0;
};

class LBFGS : public Optimizer {
 public:
  LBFGS(std::vector<Tensor> params, LBFGSOptions options = {});

  /// Up to max_iter iterations; `closure` zeroes the gradients, computes the loss, calls
  /// backward and returns the loss (it runs with grad mode on). Returns the closure's first
  /// loss, before any update — PyTorch's orig_loss.
  Tensor step(const std::function<Tensor()>& closure);
  /// Always an ember::Error: L-BFGS re-evaluates the loss several times per step.
  void step() override;

  std::optional<std::vector<StateSpec>> state_spec() const override { return std::vector<StateSpec>{}; }
  /// lbfgs_state() for a checkpoint: values func_evals, n_iter, t, H_diag, prev_loss; once an
  /// iteration ran, tensors d and prev_flat_grad [numel]; with a history of k pairs, old_dirs
  /// and old_stps [k, numel] and ro [k].
  SharedState shared_state() const override;
  /// Exactly those names, shapes for these parameters, k <= history_size, counts in 0..2^53,
  /// t finite, ro and H_diag finite and > 0 (each comes from a pair with yᵀs > 1e-10).
  void check_shared_state(const SharedState& shared, const std::string& where) const override;

  const LBFGSOptions& options() const { return options_; }
  const LBFGSState& lbfgs_state() const { return s_; }

 protected:
  void restore_shared_state(const SharedState& shared) override;

 private:
  struct LineSearchResult;
  LBFGSState read_shared_state(const SharedState& shared, const std::string& where) const;
  Tensor evaluate(const std::function<Tensor()>& closure, double& loss);
  Tensor gather_flat_grad() const;
  void add_grad(double step_size, const Tensor& update);
  std::vector<float> clone_params() const;
  void set_params(const std::vector<float>& flat);
  LineSearchResult strong_wolfe(const std::function<Tensor()>& closure, const std::vector<float>& x, double t,
                                const Tensor& d, double f, const Tensor& g, float gtd);

  LBFGSOptions options_;
  int64_t max_eval_;  // options_.max_eval, or max_iter·5/4 when that is 0
  int64_t numel_ = 0;
  LBFGSState s_;
};

}  // namespace ember::optim
