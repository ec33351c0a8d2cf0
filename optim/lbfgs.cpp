// L-BFGS, following torch/optim/lbfgs.py (PyTorch 1.13) line by line: the same iterations,
// tolerance checks and their order, the same strong-Wolfe line search. Where PyTorch's
// scalars are float32 0-dim tensors (dot products, ys, ro, H_diag, the directional
// derivatives gtd, the bounds compared with them) they are floats here, and Python floats
// (losses, lr, step lengths, tolerances) are doubles; a tensor compared with a Python float
// compares in float32, so those comparisons round the double first. Results agree with
// PyTorch's to float rounding (its kernels vectorise sums and fuse multiply-adds in their own
// way), not bit for bit; where a run is chaotic at that level (a fixed-step Rosenbrock) the two
// trajectories part after a few iterations and meet again at the minimum.
#include "optim/lbfgs.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "core/error.h"
#include "core/grad_mode.h"
#include "core/untrusted_text.h"

namespace ember::optim {
namespace {

constexpr double kC1 = 1e-4;  // sufficient decrease (Armijo)
constexpr double kC2 = 0.9;   // curvature
constexpr int64_t kMaxLineSearch = 25;
// PyTorch's step() does not pass its tolerance_change to _strong_wolfe, which keeps its default.
constexpr double kLineSearchToleranceChange = 1e-9;

// --- flat float vectors (PyTorch's 1-D tensors over all parameters) ---------------------------

// PyTorch's dot calls BLAS sdot; Debian's (netlib) sums the rounded products one after another
// in float, and so does this loop (no FMA contraction, no reordering), bit for bit.
float dot(const Tensor& a, const Tensor& b) {
  const float *x = a.data(), *y = b.data();
  float sum = 0;
  for (int64_t j = 0, n = a.numel(); j < n; ++j) sum += x[j] * y[j];
  return sum;
}

float abs_max(const Tensor& a) {
  const float* x = a.data();
  float m = 0;
  for (int64_t j = 0, n = a.numel(); j < n; ++j) {
    if (std::isnan(x[j])) return x[j];  // torch.max propagates NaN
    m = std::max(m, std::abs(x[j]));
  }
  return m;
}

// max |a·alpha|, PyTorch's d.mul(t).abs().max() without the temporary.
float abs_max_scaled(const Tensor& a, float alpha) {
  const float* x = a.data();
  float m = 0;
  for (int64_t j = 0, n = a.numel(); j < n; ++j) {
    float v = x[j] * alpha;
    if (std::isnan(v)) return v;
    m = std::max(m, std::abs(v));
  }
  return m;
}

float abs_sum(const Tensor& a) {
  const float* x = a.data();
  double sum = 0;
  for (int64_t j = 0, n = a.numel(); j < n; ++j) sum += std::abs(x[j]);
  return static_cast<float>(sum);
}

Tensor scaled(const Tensor& a, float alpha) {  // a.mul(alpha); neg() is alpha = −1, exact
  Tensor out = Tensor::empty(a.shape());
  const float* x = a.data();
  float* y = out.data();
  for (int64_t j = 0, n = a.numel(); j < n; ++j) y[j] = x[j] * alpha;
  return out;
}

Tensor difference(const Tensor& a, const Tensor& b) {  // a.sub(b)
  Tensor out = Tensor::empty(a.shape());
  const float *x = a.data(), *z = b.data();
  float* y = out.data();
  for (int64_t j = 0, n = a.numel(); j < n; ++j) y[j] = x[j] - z[j];
  return out;
}

// y.add_(x, alpha=alpha): PyTorch's vectorised add_ computes fmadd(x, alpha, y), one rounding.
void add_scaled(Tensor& y, const Tensor& x, float alpha) {
  float* v = y.data();
  const float* u = x.data();
  for (int64_t j = 0, n = y.numel(); j < n; ++j) v[j] = std::fma(alpha, u[j], v[j]);
}

// PyTorch's _cubic_interpolate: the minimiser of the cubic through (x1, f1) and (x2, f2) with
// slopes g1 and g2, clamped to the bounds (by default [min(x1, x2), max(x1, x2)]), or the
// middle of the bounds when the cubic has no minimum:
//   d1 = g1 + g2 − 3(f1 − f2)/(x1 − x2),  d2 = √(d1² − g1·g2),
//   min_pos = x2 − (x2 − x1)·(g2 + d2 − d1)/(g2 − g1 + 2·d2)   (x1 <= x2; mirrored otherwise).
// The slopes are float32 tensors there, so d1, d2 and min_pos are float32 too.
double cubic_interpolate(double x1, double f1, float g1, double x2, double f2, float g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  auto [lo, hi] = bounds ? *bounds : (x1 <= x2 ? std::pair{x1, x2} : std::pair{x2, x1});
  const float d1 = (g1 + g2) - static_cast<float>(3 * (f1 - f2) / (x1 - x2));
  const float d2_square = d1 * d1 - g1 * g2;
  if (!(d2_square >= 0)) return (lo + hi) / 2.;
  const float d2 = std::sqrt(d2_square);
  const float min_pos =
      x1 <= x2 ? static_cast<float>(x2) - static_cast<float>(x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
               : static_cast<float>(x1) - static_cast<float>(x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  // Python's min(max(min_pos, lo), hi): a comparison with the tensor min_pos is in float32.
  const bool kept = !(min_pos < static_cast<float>(lo));
  const double r = kept ? static_cast<double>(min_pos) : lo;
  const bool above = kept ? min_pos > static_cast<float>(hi) : hi < r;
  return above ? hi : r;
}

}  // namespace

struct LBFGS::LineSearchResult {
  double f;  // the loss at the accepted point
  Tensor g;  // its flat gradient
  double t;  // its step length
  int64_t evals;
};

LBFGS::LBFGS(std::vector<Tensor> params, LBFGSOptions options)
    : Optimizer(std::move(params), options.lr, "LBFGS"), options_(std::move(options)) {
  const LBFGSOptions& o = options_;
  if (o.max_iter < 1) fail("LBFGS: invalid max_iter: ", o.max_iter, " (must be >= 1)");
  if (o.max_eval < 0)
    fail("LBFGS: invalid max_eval: ", o.max_eval, " (must be >= 1, or 0 for max_iter * 5 / 4)");
  check_not_nan(o.tolerance_grad, "LBFGS", "tolerance_grad");
  check_not_nan(o.tolerance_change, "LBFGS", "tolerance_change");
  // PyTorch pops from an empty history at 0 and never trims a negative one.
  if (o.history_size < 1) fail("LBFGS: invalid history_size: ", o.history_size, " (must be >= 1)");
  if (!o.line_search_fn.empty() && o.line_search_fn != "strong_wolfe")
    fail("LBFGS: invalid line_search_fn: '", detail::printable(o.line_search_fn),
         "' (only \"strong_wolfe\" is supported, or \"\" for a fixed step)");
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  max_eval_ = o.max_eval != 0 ? o.max_eval : (o.max_iter > kMax / 5 ? kMax : o.max_iter * 5 / 4);
  for (const Tensor& p : params_) numel_ += p.numel();
}

void LBFGS::step() {
  fail(
      "LBFGS: step() needs a closure that re-evaluates the loss, as L-BFGS evaluates it several times "
      "per step: opt.step([&] { opt.zero_grad(); Tensor loss = …; loss.backward(); return loss; })");
}

Tensor LBFGS::evaluate(const std::function<Tensor()>& closure, double& loss) {
  Tensor out;
  {
    EnableGradGuard grad_on;
    out = closure();
  }
  if (!out.defined()) fail("LBFGS: the closure returned an undefined tensor; it must return the loss");
  if (out.numel() != 1)
    fail("LBFGS: the closure must return the loss, a one-element tensor, but returned shape ", out.shape());
  loss = out.item();  // PyTorch's float(closure())
  return out;
}

// PyTorch's _gather_flat_grad: the gradients laid end to end, zeros for a parameter without one.
Tensor LBFGS::gather_flat_grad() const {
  Tensor flat = Tensor::empty({numel_});
  float* out = flat.data();
  for (size_t i = 0; i < params_.size(); ++i) {
    const int64_t n = params_[i].numel();
    const Tensor g = params_[i].grad();
    if (!g.defined()) {
      std::fill(out, out + n, 0.0f);
    } else {
      if (g.numel() != n)
        fail("LBFGS: the gradient of parameter ", i, " has shape ", g.shape(),
             " but the parameter has shape ", params_[i].shape());
      std::copy(g.data(), g.data() + n, out);
    }
    out += n;
  }
  return flat;
}

// PyTorch's _add_grad: p += step_size·update, slice by slice, outside autograd.
void LBFGS::add_grad(double step_size, const Tensor& update) {
  const float alpha = static_cast<float>(step_size);
  const float* u = update.data();
  for (Tensor& p : params_) {
    float* v = p.data();
    for (int64_t j = 0, n = p.numel(); j < n; ++j) v[j] = std::fma(alpha, u[j], v[j]);
    u += p.numel();
    p.bump_version();
  }
}

std::vector<float> LBFGS::clone_params() const {
  std::vector<float> flat;
  flat.reserve(static_cast<size_t>(numel_));
  for (const Tensor& p : params_) flat.insert(flat.end(), p.data(), p.data() + p.numel());
  return flat;
}

void LBFGS::set_params(const std::vector<float>& flat) {
  const float* u = flat.data();
  for (Tensor& p : params_) {
    std::copy(u, u + p.numel(), p.data());
    u += p.numel();
    p.bump_version();
  }
}

// PyTorch's _strong_wolfe (ported from minFunc's lswolfe): find t along d from x with
//   f(x + t·d) <= f + c1·t·gtd   and   |g(x + t·d)ᵀd| <= −c2·gtd,
// first by growing t until a bracket holds such a point, then by zooming into the bracket with
// cubic interpolation. The parameters are left at x; the caller takes the step.
LBFGS::LineSearchResult LBFGS::strong_wolfe(const std::function<Tensor()>& closure,
                                            const std::vector<float>& x, double t, const Tensor& d, double f,
                                            const Tensor& g, float gtd) {
  const float d_norm = abs_max(d);
  // _directional_evaluate: the loss and gradient at x + step·d, then back to x.
  auto obj = [&](double step, double& loss) {
    add_grad(step, d);
    evaluate(closure, loss);
    Tensor grad = gather_flat_grad();
    set_params(x);
    return grad;
  };
  // f + c1·t·gtd is a float32 tensor in PyTorch, and so is the comparison with it.
  auto insufficient_decrease = [&](double f_try, double step) {
    return static_cast<float>(f_try) > static_cast<float>(f) + static_cast<float>(kC1 * step) * gtd;
  };
  auto curvature_holds = [&](float gtd_try) { return std::abs(gtd_try) <= static_cast<float>(-kC2) * gtd; };

  double f_new = 0;
  Tensor g_new = obj(t, f_new);
  int64_t evals = 1;
  float gtd_new = dot(g_new, d);

  // Bracket an interval holding a point that satisfies the conditions.
  double t_prev = 0, f_prev = f;
  Tensor g_prev = g;
  float gtd_prev = gtd;
  bool done = false;
  int64_t ls_iter = 0;
  std::array<double, 2> bracket{}, bracket_f{};
  std::array<Tensor, 2> bracket_g;
  std::array<float, 2> bracket_gtd{};
  size_t size = 2;
  while (ls_iter < kMaxLineSearch) {
    auto bracket_last_two = [&] {
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
    };
    if (insufficient_decrease(f_new, t) || (ls_iter > 1 && f_new >= f_prev)) {
      bracket_last_two();
      break;
    }
    if (curvature_holds(gtd_new)) {  // before the sign test: a small positive slope is accepted
      bracket = {t, t};
      bracket_f = {f_new, f_new};
      bracket_g = {g_new, g_new};
      size = 1;
      done = true;
      break;
    }
    if (gtd_new >= 0) {  // the minimum lies behind t
      bracket_last_two();
      break;
    }
    // Extrapolate: a cubic step between 1.01·t and 10·t.
    const double min_step = t + 0.01 * (t - t_prev), max_step = t * 10;
    const double previous = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, std::pair{min_step, max_step});
    t_prev = previous;
    f_prev = f_new;
    g_prev = g_new;
    gtd_prev = gtd_new;
    g_new = obj(t, f_new);
    ++evals;
    gtd_new = dot(g_new, d);
    ++ls_iter;
  }
  if (ls_iter == kMaxLineSearch) {  // no bracket: between the start and the last try
    bracket = {0, t};
    bracket_f = {f, f_new};
    bracket_g = {g, g_new};
  }

  // Zoom: shrink the bracket until a point satisfies the conditions.
  bool insufficient_progress = false;
  size_t low = bracket_f[0] <= bracket_f[size - 1] ? 0 : 1, high = 1 - low;
  if (size == 1) low = 0;
  while (!done && ls_iter < kMaxLineSearch) {
    if (static_cast<float>(std::abs(bracket[1] - bracket[0])) * d_norm <
        static_cast<float>(kLineSearchToleranceChange))
      break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
    // A trial too close to an end of the bracket (twice in a row, or outside it) moves to 10% of
    // the bracket's length inside the nearer end.
    const double b_max = std::max(bracket[0], bracket[1]), b_min = std::min(bracket[0], bracket[1]);
    const double eps = 0.1 * (b_max - b_min);
    if (std::min(b_max - t, t - b_min) < eps) {
      if (insufficient_progress || t >= b_max || t <= b_min) {
        t = std::abs(t - b_max) < std::abs(t - b_min) ? b_max - eps : b_min + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    g_new = obj(t, f_new);
    ++evals;
    gtd_new = dot(g_new, d);
    ++ls_iter;
    if (insufficient_decrease(f_new, t) || f_new >= bracket_f[low]) {
      bracket[high] = t;
      bracket_f[high] = f_new;
      bracket_g[high] = g_new;
      bracket_gtd[high] = gtd_new;
      low = bracket_f[0] <= bracket_f[1] ? 0 : 1;
      high = 1 - low;
    } else {
      if (curvature_holds(gtd_new)) {
        done = true;
      } else if (gtd_new * static_cast<float>(bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low];  // the old high becomes the new low
        bracket_f[high] = bracket_f[low];
        bracket_g[high] = bracket_g[low];
        bracket_gtd[high] = bracket_gtd[low];
      }
      bracket[low] = t;
      bracket_f[low] = f_new;
      bracket_g[low] = g_new;
      bracket_gtd[low] = gtd_new;
    }
  }
  return {bracket_f[low], bracket_g[low], bracket[low], evals};
}

Tensor LBFGS::step(const std::function<Tensor()>& closure) {
  if (!closure) fail("LBFGS: step() was given an empty closure");
  const LBFGSOptions& o = options_;
  const double lr = lr_;  // read at every step: schedulers set it
  const int64_t max_iter = o.max_iter;
  const size_t history_size = static_cast<size_t>(o.history_size);
  const bool wolfe = o.line_search_fn == "strong_wolfe";
  // Compared with float32 tensors, so in float32.
  const float tolerance_grad = static_cast<float>(o.tolerance_grad);
  const float tolerance_change_f = static_cast<float>(o.tolerance_change);
  LBFGSState& s = s_;

  double loss = 0;
  Tensor orig_loss = evaluate(closure, loss);
  int64_t current_evals = 1;
  s.func_evals += 1;
  Tensor flat_grad = gather_flat_grad();
  bool opt_cond = abs_max(flat_grad) <= tolerance_grad;
  if (opt_cond) return orig_loss;

  Tensor& d = s.d;
  double& t = s.t;
  std::vector<float> al;
  int64_t n_iter = 0;
  while (n_iter < max_iter) {
    ++n_iter;
    ++s.n_iter;

    // The descent direction.
    if (s.n_iter == 1) {
      d = scaled(flat_grad, -1.0f);
      s.old_dirs.clear();
      s.old_stps.clear();
      s.ro.clear();
      s.H_diag = 1;
    } else {
      // Update the memory with the last step's pair, if it has positive curvature.
      Tensor y = difference(flat_grad, s.prev_flat_grad);
      Tensor step_taken = scaled(d, static_cast<float>(t));
      const float ys = dot(y, step_taken);
      if (ys > 1e-10f) {
        if (s.old_dirs.size() == history_size) {
          s.old_dirs.erase(s.old_dirs.begin());
          s.old_stps.erase(s.old_stps.begin());
          s.ro.erase(s.ro.begin());
        }
        s.old_dirs.push_back(y);
        s.old_stps.push_back(step_taken);
        s.ro.push_back(1.0f / ys);
        s.H_diag = ys / dot(y, y);
      }
      // The two-loop recursion: d = −H·g with the approximate inverse Hessian H.
      const size_t num_old = s.old_dirs.size();
      al.assign(num_old, 0.0f);
      Tensor q = scaled(flat_grad, -1.0f);
      for (size_t i = num_old; i-- > 0;) {
        al[i] = dot(s.old_stps[i], q) * s.ro[i];
        add_scaled(q, s.old_dirs[i], -al[i]);
      }
      Tensor r = scaled(q, s.H_diag);
      for (size_t i = 0; i < num_old; ++i) {
        const float be_i = dot(s.old_dirs[i], r) * s.ro[i];
        add_scaled(r, s.old_stps[i], al[i] - be_i);
      }
      d = r;
    }
    s.prev_flat_grad = flat_grad.clone();
    s.prev_loss = loss;

    // The step length: the first iteration ever is scaled by min(1, 1/‖g‖₁), a float32 tensor
    // in PyTorch when it is below 1 (so then times lr in float32 too).
    if (s.n_iter == 1) {
      const float inv = 1.0f / abs_sum(flat_grad);
      t = inv < 1.0f ? static_cast<double>(inv * static_cast<float>(lr)) : lr;
    } else {
      t = lr;
    }
    const float gtd = dot(flat_grad, d);  // the directional derivative
    if (gtd > static_cast<float>(-o.tolerance_change)) break;

    int64_t ls_func_evals = 0;
    if (wolfe) {
      const std::vector<float> x_init = clone_params();
      LineSearchResult found = strong_wolfe(closure, x_init, t, d, loss, flat_grad, gtd);
      loss = found.f;
      flat_grad = found.g;
      t = found.t;
      ls_func_evals = found.evals;
      add_grad(t, d);
      opt_cond = abs_max(flat_grad) <= tolerance_grad;
    } else {
      add_grad(t, d);
      // No evaluation after the last iteration: in a stochastic setting it would be wasted.
      if (n_iter != max_iter) {
        evaluate(closure, loss);
        flat_grad = gather_flat_grad();
        opt_cond = abs_max(flat_grad) <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    s.func_evals += ls_func_evals;

    if (n_iter == max_iter) break;
    if (current_evals >= max_eval_) break;
    if (opt_cond) break;
    if (abs_max_scaled(d, static_cast<float>(t)) <= tolerance_change_f) break;  // no progress
    if (std::abs(loss - s.prev_loss) < o.tolerance_change) break;
  }
  return orig_loss;
}

}  // namespace ember::optim
