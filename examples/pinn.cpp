// pinn: a physics-informed neural network (Raissi, Perdikaris & Karniadakis
// 2019) — an MLP u(x) trained not on data but on a differential equation: the
// loss is the equation's residual at collocation points plus the error of the
// boundary (or initial) conditions. The derivatives u′ and u″ that the residual
// needs come from autograd::grad(..., create_graph = true) with respect to the
// input points, and training differentiates them once more, in the weights.
// Two problems with exact solutions to measure against:
//   poisson     u″ = −π² sin(πx) on [−1, 1], u(±1) = 0             exact: sin πx
//   oscillator  u″ + 2ζω₀u′ + ω₀²u = 0 on [0, 1], u(0) = 1, u′(0) = 0, ω₀ = 20, ζ = 0.1
//               exact: e^(−ζω₀t)(cos ωt + (ζω₀/ω) sin ωt), ω = ω₀√(1 − ζ²)
// and one run per activation and seed: smooth ones (tanh, sigmoid, silu, gelu,
// softplus, mish), Swish with a learned β, an adaptive tanh with a learned
// slope (written below as a small nn::Module), and ReLU — to watch it fail: a
// ReLU network is piecewise linear in x, so u″ is 0 almost everywhere and the
// equation cannot be learned.
//
//   pinn                                   both problems × 9 activations × seeds 0,1,2 (a few minutes)
//   pinn --quick                           a few seconds: tanh, relu, adaptive_tanh, seed 0
//   pinn --problems poisson --activations tanh,silu --lbfgs-steps 20
//   pinn --bench --threads 1               the median time of one Poisson training step
//   pinn --bench --bench-to-target --seeds 3 --lbfgs-steps 0 --adam-steps 20000
//                                          the training time to the error 1e-3
//
// Read it top-down, as the PyTorch PINN you know: the adaptive tanh module, the
// problems (their residuals and exact solutions), the model, the derivatives,
// the loss, then train_one() — Adam, then optionally L-BFGS with a closure —
// and main(). The plumbing is in examples/support/: the options
// (pinn_options.h) and the table, runs.csv, figures and progress line written
// into --out (pinn_report.h). Left out: more than one input dimension, adaptive
// resampling of the collocation points, and loss-weight schedules.
#include <ember.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "support/activations.h"
#include "support/gnuplot.h"
#include "support/interrupt.h"
#include "support/metrics.h"
#include "support/pinn_options.h"
#include "support/pinn_report.h"

using namespace ember;
using support::PinnOptions;
using support::PinnRun;

// --- a custom activation: the adaptive tanh ------------------------------------------------

// Jagtap, Kawaguchi & Karniadakis (2020), "Adaptive activation functions accelerate
// convergence in deep and physics-informed neural networks": tanh(n·a·x), with a slope `a`
// trained with the weights (one per layer here, their "layer-wise" variant) and a fixed
// scale n ≥ 1. a starts at 1/n, so the layer starts as a plain tanh; the optimizer then moves
// n·a n times faster than a, and a steeper tanh lets the network bend sooner — against the
// spectral bias that makes plain networks learn sin(20t) slowly. A module with a registered
// parameter is all it takes: parameters() finds `a`, Adam and L-BFGS train it, and autograd
// differentiates tanh(n·a·x) in x (for u′, u″) and in a like any other expression.
class AdaptiveTanh : public nn::Module {
 public:
  explicit AdaptiveTanh(float n) : n(n), a(register_parameter("a", full({1}, 1 / n))) {}
  Tensor forward(const Tensor& x) override { return tanh(x * (a * n)); }
  std::string name() const override { return "AdaptiveTanh"; }
  std::string extra_repr() const override { return "n=" + support::detail::pinn_fmt("%g", n); }
  float n;
  Tensor a;  ///< [1]
};

// --- the problems ---------------------------------------------------------------------

/// u and its first two derivatives in x at some points.
struct Derivatives {
  Tensor u, du, d2u;
};

/// A condition u⁽ᵏ⁾(x) = value, k = `order` (0: the value, 1: the slope).
struct Condition {
  float x;
  int order;
  float value;
};

struct Problem {
  std::string name, equation;
  float lo, hi;  ///< the domain
  /// The residual of the equation at points x, 0 where u solves it.
  std::function<Tensor(const Tensor& x, const Derivatives& d)> residual;
  std::vector<Condition> conditions;
  std::function<double(double)> exact;
  // The recipe (what --adam-steps, --lr and --residual-weight change).
  int64_t adam_steps;
  float lr;
  float residual_weight;
  float boundary_weight = 1;
};

Problem poisson() {
  constexpr float pi = std::numbers::pi_v<float>;
  return {.name = "poisson",
          .equation = "u″ = −π² sin(πx) on [−1, 1], u(−1) = u(1) = 0; exact solution sin(πx).",
          .lo = -1,
          .hi = 1,
          .residual = [](const Tensor& x, const Derivatives& d) { return d.d2u + pi * pi * sin(pi * x); },
          .conditions = {{-1, 0, 0}, {1, 0, 0}},
          .exact = [](double x) { return std::sin(std::numbers::pi * x); },
          .adam_steps = 1000,
          .lr = 1e-3f,
          .residual_weight = 1};
}

/// The residual is divided by ω₀² (= 400): u″/ω₀² + (2ζ/ω₀)u′ + u, each term of order u, like
/// the initial conditions. Even so, the residual needs the larger weight (10): with equal weights
/// Adam settles on a slowly decaying curve that misses the oscillation (relative error ~0.6).
/// A solution with three periods is hard for a network whose features start smooth (spectral
/// bias): this problem needs more steps, a larger learning rate, and L-BFGS to finish.
Problem oscillator(double omega0 = 20, double zeta = 0.1) {
  const double omega = omega0 * std::sqrt(1 - zeta * zeta);
  const auto w0 = static_cast<float>(omega0), z = static_cast<float>(zeta);
  return {.name = "oscillator",
          .equation =
              "u″ + 2ζω₀u′ + ω₀²u = 0 on [0, 1] with ω₀ = 20, ζ = 0.1, u(0) = 1, u′(0) = 0; exact "
              "solution e^(−ζω₀t)(cos ωt + (ζω₀/ω) sin ωt), ω = ω₀√(1 − ζ²). The residual is "
              "divided by ω₀².",
          .lo = 0,
          .hi = 1,
          .residual = [w0, z](const Tensor&,
                              const Derivatives& d) { return d.d2u / (w0 * w0) + (2 * z / w0) * d.du + d.u; },
          .conditions = {{0, 0, 1}, {0, 1, 0}},
          .exact =
              [=](double t) {
                return std::exp(-zeta * omega0 * t) *
                       (std::cos(omega * t) + zeta * omega0 / omega * std::sin(omega * t));
              },
          .adam_steps = 6000,
          .lr = 5e-3f,
          .residual_weight = 10};
}

// --- the model and its derivatives ---------------------------------------------------------

/// 1 → widths… → 1, the activation after each hidden Linear; Xavier-normal weights and zero
/// biases, the usual PINN initialisation. `hidden` gets the activation modules (to read what
/// Swish and the adaptive tanh learn).
std::shared_ptr<nn::Sequential> make_model(const std::vector<int64_t>& widths, const std::string& activation,
                                           float adaptive_n,
                                           std::vector<std::shared_ptr<nn::Module>>& hidden) {
  auto model = std::make_shared<nn::Sequential>();
  int64_t in = 1;
  for (int64_t width : widths) {
    auto linear = std::make_shared<nn::Linear>(in, width);
    NoGradGuard no_grad;
    nn::init::xavier_normal_(linear->weight);
    nn::init::zeros_(linear->bias);
    model->push_back(linear);
    hidden.push_back(activation == "adaptive_tanh" ? std::make_shared<AdaptiveTanh>(adaptive_n)
                                                   : support::activations().at(activation)());
    model->push_back(hidden.back());
    in = width;
  }
  auto last = std::make_shared<nn::Linear>(in, 1);
  NoGradGuard no_grad;
  nn::init::xavier_normal_(last->weight);
  nn::init::zeros_(last->bias);
  model->push_back(last);
  return model;
}

/// dy/dx at each point, as a graph that can be differentiated again: y[i] depends on x[i]
/// alone, so the gradient of Σᵢ y[i] is the vector of the y′(x[i]) — PyTorch's
/// torch.autograd.grad(y, x, torch.ones_like(y), create_graph=True). When y's graph does not
/// reach x at all — u′ of a ReLU network is piecewise constant, a product of weights and 0/1
/// masks — the derivative is 0 (allow_unused hands back an undefined tensor, and `reached`
/// says so).
Tensor d_dx(const Tensor& y, const Tensor& x, bool* reached = nullptr) {
  Tensor g = autograd::grad({y}, {x}, {ones_like(y)}, std::nullopt, /*create_graph=*/true,
                            /*allow_unused=*/true)[0];
  if (reached) *reached = g.defined();
  return g.defined() ? g : zeros_like(x);
}

/// u, u′, u″ at the points x ([N, 1], requiring grad).
Derivatives derivatives(nn::Module& model, const Tensor& x, bool* second_reached = nullptr) {
  Tensor u = model(x);
  Tensor du = d_dx(u, x);
  Tensor d2u = d_dx(du, x, second_reached);
  return {u, du, d2u};
}

// --- the loss ---------------------------------------------------------------------------

struct PinnLoss {
  Tensor total, residual, boundary;
};

/// w_r · mean(residual²) at the collocation points + w_b · mean(condition error²).
PinnLoss pinn_loss(nn::Module& model, const Problem& p, const Tensor& points, const Tensor& boundary_points,
                   bool* second_reached = nullptr) {
  Tensor r = p.residual(points, derivatives(model, points, second_reached));
  Tensor residual = (r * r).mean();

  Tensor ub = model(boundary_points);  // one row per condition
  const bool slope = std::ranges::any_of(p.conditions, [](const Condition& c) { return c.order == 1; });
  Tensor dub = slope ? d_dx(ub, boundary_points) : Tensor();
  std::vector<Tensor> misses;
  for (size_t i = 0; i < p.conditions.size(); ++i) {
    const Condition& c = p.conditions[i];
    misses.push_back(narrow(c.order == 0 ? ub : dub, 0, static_cast<int64_t>(i), 1) - c.value);
  }
  Tensor miss = cat(misses);
  Tensor boundary = (miss * miss).mean();
  return {p.residual_weight * residual + p.boundary_weight * boundary, residual, boundary};
}

// --- measuring against the exact solution -------------------------------------------------

struct FineGrid {
  Tensor x;  ///< [M, 1]
  std::vector<double> exact;
};

FineGrid fine_grid(const Problem& p, int64_t n) {
  FineGrid g{linspace(p.lo, p.hi, n).reshape({n, 1}), {}};
  for (float x : g.x.to_vector()) g.exact.push_back(p.exact(x));
  return g;
}

/// ‖u − u*‖₂ / ‖u*‖₂ over the fine grid.
double relative_error(nn::Module& model, const FineGrid& g, std::vector<float>* u_out = nullptr) {
  NoGradGuard no_grad;
  std::vector<float> u = model(g.x).to_vector();
  double diff = 0, norm = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    diff += (u[i] - g.exact[i]) * (u[i] - g.exact[i]);
    norm += g.exact[i] * g.exact[i];
  }
  if (u_out) *u_out = std::move(u);
  return std::sqrt(diff / norm);
}

/// √mean r² of the equation's residual over the fine grid (u″ needs the graph: grad mode on).
double residual_rms(nn::Module& model, const Problem& p, const FineGrid& g) {
  Tensor x = g.x.detach().requires_grad_();
  Tensor r = p.residual(x, derivatives(model, x)).detach();
  return std::sqrt((r * r).mean().item());
}

// --- one run ------------------------------------------------------------------------------

struct Points {
  Tensor interior, boundary;
};

/// The collocation points: a grid over the domain or uniform draws from --points-seed; and
/// one row per condition. Both require grad: the loss differentiates u in them.
Points collocation_points(const Problem& p, const PinnOptions& o) {
  Tensor x;
  if (o.sampling == "grid") {
    x = linspace(p.lo, p.hi, o.points).reshape({o.points, 1});
  } else {
    manual_seed(o.points_seed);
    x = rand({o.points, 1}) * (p.hi - p.lo) + p.lo;
  }
  std::vector<float> xb;
  for (const Condition& c : p.conditions) xb.push_back(c.x);
  const auto m = static_cast<int64_t>(xb.size());
  return {x.requires_grad_(), tensor(xb, {m, 1}).requires_grad_()};
}

/// One Adam step on the loss, the loop every PyTorch PINN writes; returns the step's loss.
PinnLoss adam_step(nn::Module& model, optim::Adam& adam, const Problem& p, const Points& pts,
                   bool* second_reached = nullptr) {
  PinnLoss loss = pinn_loss(model, p, pts.interior, pts.boundary, second_reached);
  adam.zero_grad();
  loss.total.backward();
  adam.step();
  return loss;
}

/// One L-BFGS step: PyTorch's closure — zero the gradients, compute the loss, backward, return
/// it — which step() calls as often as the strong-Wolfe line search needs. Returns the loss of
/// the last call.
PinnLoss lbfgs_step(nn::Module& model, optim::LBFGS& lbfgs, const Problem& p, const Points& pts) {
  PinnLoss last;
  lbfgs.step([&] {
    lbfgs.zero_grad();
    last = pinn_loss(model, p, pts.interior, pts.boundary);
    last.total.backward();
    return last.total;
  });
  return last;
}

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// Trains one model: Adam for p.adam_steps steps, then --lbfgs-steps L-BFGS steps. An epoch is
/// one evaluation of the loss and its gradient on every collocation point: an Adam step, or
/// one call of L-BFGS's closure (a step() makes up to --lbfgs-iter iterations, each with a
/// line search of one or more evaluations). The error on the fine grid is measured every
/// --eval-every Adam steps and after every L-BFGS step. A non-finite loss ends the run.
PinnRun train_one(const Problem& p, const std::string& activation, uint64_t seed, const Points& pts,
                  const FineGrid& grid, const PinnOptions& o, support::PinnProgress& progress, bool explain) {
  manual_seed(seed);
  std::vector<std::shared_ptr<nn::Module>> hidden;
  auto model =
      make_model(support::pinn_numbers("--hidden", o.hidden, true), activation, o.adaptive_n, hidden);
  PinnRun run;
  run.activation = activation, run.seed = seed, run.adam_steps = p.adam_steps;
  auto record = [&](const PinnLoss& l, int64_t epoch, bool measure) {
    support::PinnPoint q{epoch, l.total.item(), l.residual.item(), l.boundary.item(), NAN};
    if (!std::isfinite(q.loss)) run.diverged = true;
    if (measure && !run.diverged) {
      q.error = relative_error(*model, grid);
      if (run.epochs_to_target < 0 && q.error <= o.target) run.epochs_to_target = q.epoch;
    }
    run.curve.push_back(q);
    progress.step(p.name + " · " + activation + " · seed " + std::to_string(seed) +
                      (q.epoch <= p.adam_steps ? " · Adam" : " · L-BFGS"),
                  q.loss, q.error);
  };

  // Adam: the usual loop, on a loss that holds second derivatives.
  optim::Adam adam(model->parameters(), {.lr = p.lr});
  double adam_ms = 0;
  int64_t step = 1;
  for (; step <= p.adam_steps && !run.diverged && !support::interrupted(); ++step) {
    const auto start = Clock::now();
    bool second_reached = true;
    PinnLoss loss = adam_step(*model, adam, p, pts, &second_reached);
    adam_ms += ms_since(start);
    if (step == 1 && !second_reached && explain)
      std::printf(
          "%s · %s: u″ does not depend on x — autograd found no path from u′ back to the input, so u″ ≡ 0 "
          "(the network is piecewise linear in x: its second derivative is 0 wherever it exists), "
          "and the equation's u″ term cannot be fitted: expect this run to fail.\n",
          p.name.c_str(), activation.c_str());
    record(loss, step, step % o.eval_every == 0 || step == p.adam_steps);
  }
  run.adam_ms = adam_ms / static_cast<double>(std::max<int64_t>(step - 1, 1));

  // L-BFGS, once Adam has brought the model near a minimum.
  if (o.lbfgs_steps > 0 && !run.diverged) {
    optim::LBFGS lbfgs(model->parameters(), {.max_iter = o.lbfgs_iter, .line_search_fn = "strong_wolfe"});
    double lbfgs_ms = 0;
    for (int64_t s = 0; s < o.lbfgs_steps && !run.diverged && !support::interrupted(); ++s) {
      const auto start = Clock::now();
      PinnLoss last = lbfgs_step(*model, lbfgs, p, pts);
      lbfgs_ms += ms_since(start);
      record(last, p.adam_steps + lbfgs.lbfgs_state().func_evals, true);
    }
    run.lbfgs_ms = lbfgs_ms / static_cast<double>(std::max<int64_t>(lbfgs.lbfgs_state().func_evals, 1));
  }

  if (!run.diverged) {
    run.error = relative_error(*model, grid, &run.u);
    run.residual_rms = residual_rms(*model, p, grid);
    run.x = grid.x.to_vector();
    for (double e : grid.exact) run.exact.push_back(static_cast<float>(e));
  }
  for (const auto& h : hidden) {  // what the learnable activations learned
    if (auto a = std::dynamic_pointer_cast<AdaptiveTanh>(h)) run.learned.push_back(a->n * a->a.item());
    if (auto sw = std::dynamic_pointer_cast<nn::Swish>(h)) run.learned.push_back(sw->beta.item());
  }
  return run;
}

// --- --bench: the time of one training step, or of training to the target ----------------

/// One value per line, to 9 significant digits (a float read back exactly by bench/compare_pinn.py).
void write_numbers(const std::filesystem::path& path, const Tensor& values) {
  std::ofstream out(path);
  out.precision(9);
  for (float v : values.to_vector()) out << v << '\n';
}

/// The model of --bench (the first problem, activation and seed) and its collocation points.
/// The initial weights and the points go to --out/bench_init.safetensors and
/// --out/bench_points.txt so that bench/compare_pinn.py can start PyTorch from the same ones.
struct BenchStart {
  std::shared_ptr<nn::Sequential> model;
  Points pts;
};

BenchStart bench_start(const Problem& p, const std::string& activation, uint64_t seed, const PinnOptions& o) {
  manual_seed(seed);
  std::vector<std::shared_ptr<nn::Module>> hidden;
  auto model =
      make_model(support::pinn_numbers("--hidden", o.hidden, true), activation, o.adaptive_n, hidden);
  const Points pts = collocation_points(p, o);
  std::filesystem::create_directories(o.out);
  nn::save(*model, (std::filesystem::path(o.out) / "bench_init.safetensors").string());
  write_numbers(std::filesystem::path(o.out) / "bench_points.txt", pts.interior);
  return {model, pts};
}

/// The median time of one Adam step — what bench/compare_pinn.py holds against PyTorch. The
/// losses of the first step, of the first timed step and of the last are printed to check that
/// both trained the same thing.
int bench(const Problem& p, const std::string& activation, uint64_t seed, const PinnOptions& o) {
  auto [model, pts] = bench_start(p, activation, seed, o);
  optim::Adam adam(model->parameters(), {.lr = p.lr});
  constexpr int warmup = 20;
  std::vector<double> ms;
  std::vector<float> losses;
  for (int64_t step = 0; step < warmup + o.bench_steps; ++step) {
    const auto start = Clock::now();
    PinnLoss loss = adam_step(*model, adam, p, pts);
    const double t = ms_since(start);
    if (step >= warmup) ms.push_back(t);
    losses.push_back(loss.total.item());
  }
  std::vector<double> sorted = ms;
  std::ranges::sort(sorted);
  std::printf("pinn --bench: %s, %s, MLP 1-%s-1, %lld %s points, Adam lr %g, %d thread%s\n", p.name.c_str(),
              activation.c_str(), o.hidden.c_str(), static_cast<long long>(o.points), o.sampling.c_str(),
              p.lr, get_num_threads(), get_num_threads() == 1 ? "" : "s");
  std::printf("loss at step 1: %.7g   at step %d: %.7g   at step %zu: %.7g\n", losses.front(), warmup + 1,
              losses[warmup], losses.size(), losses.back());
  std::printf("median step %.4f ms  (min %.4f, %lld steps after %d warm-up)\n", sorted[sorted.size() / 2],
              sorted.front(), static_cast<long long>(o.bench_steps), warmup);
  return 0;
}

/// --bench --bench-to-target: the wall time that training needs to reach the error --target —
/// what bench/compare_pinn.py --to-error holds against PyTorch. The recipe of train_one(): Adam
/// for at most p.adam_steps steps, then at most --lbfgs-steps L-BFGS steps; the error is measured
/// on the fine grid every --eval-every Adam steps and after every L-BFGS step, and training stops
/// at the first measurement below the target. The time counts the training steps only, not the
/// measurements (reported apart); the fine grid goes to --out/bench_grid.txt so that PyTorch
/// measures on the same points.
int bench_to_target(const Problem& p, const std::string& activation, uint64_t seed, const PinnOptions& o) {
  auto [model, pts] = bench_start(p, activation, seed, o);
  const FineGrid grid = fine_grid(p, o.fine_points);
  write_numbers(std::filesystem::path(o.out) / "bench_grid.txt", grid.x);
  double train_ms = 0, measure_ms = 0, error = NAN;
  int64_t epoch = 0;
  std::vector<float> losses;  // of the first 21 Adam steps, to check against PyTorch's
  auto reached = [&] {        // measures the error at `epoch`; true when below the target
    const auto start = Clock::now();
    error = relative_error(*model, grid);
    measure_ms += ms_since(start);
    return error < o.target;
  };

  bool done = false;
  optim::Adam adam(model->parameters(), {.lr = p.lr});
  for (int64_t step = 1; step <= p.adam_steps && !done; ++step) {
    const auto start = Clock::now();
    PinnLoss loss = adam_step(*model, adam, p, pts);
    train_ms += ms_since(start);
    epoch = step;
    if (step <= 21) losses.push_back(loss.total.item());
    if (step % o.eval_every == 0 || step == p.adam_steps) done = reached();
  }
  if (!done && o.lbfgs_steps > 0) {
    optim::LBFGS lbfgs(model->parameters(), {.max_iter = o.lbfgs_iter, .line_search_fn = "strong_wolfe"});
    for (int64_t s = 0; s < o.lbfgs_steps && !done; ++s) {
      const auto start = Clock::now();
      lbfgs_step(*model, lbfgs, p, pts);
      train_ms += ms_since(start);
      epoch = p.adam_steps + lbfgs.lbfgs_state().func_evals;
      done = reached();
    }
  }
  std::printf(
      "pinn --bench-to-target: %s, %s, seed %llu, MLP 1-%s-1, %lld %s points, Adam lr %g for at most %lld "
      "steps, then %lld L-BFGS steps; error every %lld steps on %lld points; %d thread%s\n",
      p.name.c_str(), activation.c_str(), static_cast<unsigned long long>(seed), o.hidden.c_str(),
      static_cast<long long>(o.points), o.sampling.c_str(), p.lr, static_cast<long long>(p.adam_steps),
      static_cast<long long>(o.lbfgs_steps), static_cast<long long>(o.eval_every),
      static_cast<long long>(o.fine_points), get_num_threads(), get_num_threads() == 1 ? "" : "s");
  if (losses.size() >= 21) std::printf("loss at step 1: %.7g   at step 21: %.7g\n", losses[0], losses[20]);
  std::printf("target %g %s: epoch %lld, error %.4g, training %.4f s, measuring %.4f s (left out)\n",
              o.target, done ? "reached" : "not reached", static_cast<long long>(epoch), error,
              train_ms / 1e3, measure_ms / 1e3);
  return 0;
}

// --- main ---------------------------------------------------------------------------------

/// The problems named by --problems, their recipes changed by what the options give.
std::vector<Problem> chosen_problems(const PinnOptions& o) {
  std::vector<Problem> problems;
  for (const auto& name : support::pinn_split(o.problems)) {
    if (name == "poisson")
      problems.push_back(poisson());
    else if (name == "oscillator")
      problems.push_back(oscillator());
    else
      fail("--problems: unknown problem \"", name, "\" (poisson, oscillator)");
    Problem& p = problems.back();
    if (o.adam_steps >= 0) p.adam_steps = o.adam_steps;
    if (o.lr > 0) p.lr = o.lr;
    if (o.residual_weight >= 0) p.residual_weight = o.residual_weight;
    if (o.boundary_weight >= 0) p.boundary_weight = o.boundary_weight;
  }
  if (problems.empty()) fail("--problems: give at least one problem");
  return problems;
}

/// "MLP 1-32-32-1 (Xavier init), 128 grid collocation points, loss …": results.md's recipe line.
std::string describe(const Problem& p, const PinnOptions& o) {
  using support::detail::pinn_fmt;
  return "MLP 1-" + o.hidden + "-1 (Xavier init), " + std::to_string(o.points) + " " + o.sampling +
         " collocation points, loss " + pinn_fmt("%g", p.residual_weight) + "·mean(residual²) + " +
         pinn_fmt("%g", p.boundary_weight) + "·mean(condition error²); Adam lr " + pinn_fmt("%g", p.lr) +
         " for " + std::to_string(p.adam_steps) + " steps" +
         (o.lbfgs_steps > 0 ? ", then " + std::to_string(o.lbfgs_steps) + " L-BFGS steps of up to " +
                                  std::to_string(o.lbfgs_iter) + " iterations (strong Wolfe)"
                            : "") +
         "; seeds " + o.seeds + ", " + std::to_string(get_num_threads()) +
         " thread(s). An epoch is one evaluation of the loss and its gradient (an Adam step, or one closure "
         "call "
         "of L-BFGS). Errors: geometric mean ×/÷ geometric std over the seeds, on " +
         std::to_string(o.fine_points) + " evenly spaced points.";
}

int run(int argc, char** argv) {
  PinnOptions o;  // every option, its default and its --help text
  if (auto exit_code = support::parse_pinn_options(argc, argv, o)) return *exit_code;
  if (o.threads > 0) set_num_threads(o.threads);

  // What is compared: problems × activations × seeds.
  const std::vector<Problem> problems = chosen_problems(o);
  const std::vector<std::string> activations = support::pinn_split(o.activations);
  for (const auto& a : activations)
    if (a != "adaptive_tanh" && !support::activations().count(a))
      fail("--activations: unknown activation \"", a, "\"");
  if (activations.empty()) fail("--activations: give at least one activation");
  std::vector<uint64_t> seeds;
  for (int64_t s : support::pinn_numbers("--seeds", o.seeds, false))
    seeds.push_back(static_cast<uint64_t>(s));
  if (o.bench && o.bench_to_target)
    return bench_to_target(problems.front(), activations.front(), seeds.front(), o);
  if (o.bench) return bench(problems.front(), activations.front(), seeds.front(), o);

  int64_t total_steps = 0;
  for (const Problem& p : problems)
    total_steps += static_cast<int64_t>(activations.size() * seeds.size()) * (p.adam_steps + o.lbfgs_steps);
  std::printf(
      "%zu problems × %zu activations × %zu seeds, MLP 1-%s-1, %lld %s collocation points, %d thread%s\n",
      problems.size(), activations.size(), seeds.size(), o.hidden.c_str(), static_cast<long long>(o.points),
      o.sampling.c_str(), get_num_threads(), get_num_threads() == 1 ? "" : "s");
  std::filesystem::create_directories(o.out);
  support::PinnCsv csv((std::filesystem::path(o.out) / "runs.csv").string());
  support::PinnProgress progress(total_steps);
  std::string markdown = "# Physics-informed networks: activations compared\n\n";

  support::catch_interrupts();  // Ctrl-C: finish the step, then write what was measured
  for (const Problem& p : problems) {
    const Points pts = collocation_points(p, o);  // the same for every activation and seed
    const FineGrid grid = fine_grid(p, o.fine_points);
    std::vector<std::vector<PinnRun>> runs;  // [activation][seed]
    for (const auto& activation : activations) {
      runs.emplace_back();
      for (uint64_t seed : seeds) {
        if (support::interrupted()) break;
        PinnRun r = train_one(p, activation, seed, pts, grid, o, progress, /*explain=*/seed == seeds.front());
        progress.end_run(p.name, r, p.adam_steps + o.lbfgs_steps);
        csv.add(p.name, r);
        runs.back().push_back(std::move(r));
      }
    }
    const support::PinnProblemInfo info{p.name, p.equation, describe(p, o), o.target};
    const std::string table = support::pinn_table(info, runs);
    markdown += table + "\n";
    support::write_file_atomically((std::filesystem::path(o.out) / "results.md").string(), markdown);
    support::pinn_plots(info, runs, o.out);
    std::printf("\n%s\n", table.c_str());
    if (support::interrupted()) break;
  }
  std::printf("wrote %s: results.md, runs.csv and the figures\n", o.out.c_str());
  return support::interrupted() ? 130 : 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pinn: %s\n", e.what());
    return 1;
  }
}
