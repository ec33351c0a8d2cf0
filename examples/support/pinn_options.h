// pinn's command line: every option with its default and its --help text,
// parsed by CLI11 into one PinnOptions struct; --quick's settings; and the
// lists the options name (problems, activations, seeds, hidden widths),
// checked. Nothing here builds a model or trains.
#pragma once

#include <ember.h>
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace support {

struct PinnOptions {
  std::string problems = "poisson,oscillator";
  std::string activations = "tanh,sigmoid,silu,gelu,softplus,mish,swish,adaptive_tanh,relu";
  std::string seeds = "0,1,2";
  std::string hidden = "32,32";
  int64_t points = 128;           // collocation points inside the domain
  std::string sampling = "grid";  // grid or random (drawn from --points-seed)
  uint64_t points_seed = 1234;
  int64_t adam_steps = -1;   // -1: the problem's
  float lr = 0;              // 0: the problem's
  int64_t lbfgs_steps = 50;  // L-BFGS step() calls after Adam, each up to --lbfgs-iter iterations
  int64_t lbfgs_iter = 20;
  float residual_weight = -1, boundary_weight = -1;  // -1: the problem's
  float adaptive_n = 10;                             // the fixed scale n of the adaptive tanh tanh(n·a·x)
  double target = 1e-3;                              // relative L2 error counted as reached
  int64_t eval_every = 25;                           // steps between two error measurements on the fine grid
  int64_t fine_points = 1001;
  int threads = 1;
  std::string out = "runs/pinn";
  bool quick = false;
  bool bench = false;
  int64_t bench_steps = 300;
  bool bench_to_target = false;
};

/// "a,b,,c" → {a, b, c}.
inline std::vector<std::string> pinn_split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string p; std::getline(in, p, ',');)
    if (!p.empty()) parts.push_back(p);
  return parts;
}

/// A comma-separated list of whole numbers (--hidden, --seeds); `positive` refuses 0.
inline std::vector<int64_t> pinn_numbers(const std::string& option, const std::string& text, bool positive) {
  std::vector<int64_t> numbers;
  for (const auto& w : pinn_split(text)) {
    if (w.find_first_not_of("0123456789") != std::string::npos || (positive && std::stoll(w) <= 0))
      ember::fail(option, ": \"", text, "\" is not a list of ", positive ? "positive " : "",
                  "whole numbers like 32,32");
    numbers.push_back(std::stoll(w));
  }
  if (numbers.empty()) ember::fail(option, ": give at least one number");
  return numbers;
}

/// Parses the command line into `o`. Returns the exit code when the program
/// should stop here (--help, or an option CLI11 refused, already reported).
inline std::optional<int> parse_pinn_options(int argc, char** argv, PinnOptions& o) {
  CLI::App app{
      "pinn: solve two differential equations with a physics-informed MLP, once per activation and "
      "seed; write a table and plots"};
  app.get_formatter()->column_width(30);
  app.add_option("--problems", o.problems,
                 "Comma-separated: poisson (u'' = -pi^2 sin(pi x) on [-1,1], u(+-1) = 0), oscillator "
                 "(u'' + 2 zeta w0 u' + w0^2 u = 0 on [0,1], u(0) = 1, u'(0) = 0)")
      ->capture_default_str();
  app.add_option("--activations", o.activations,
                 "Comma-separated: any of compare_activations' names, adaptive_tanh (tanh(n a x), a learned)")
      ->capture_default_str();
  app.add_option("--seeds", o.seeds, "Seeds of the runs (initial weights), comma-separated")
      ->capture_default_str();
  app.add_option("--hidden", o.hidden, "Hidden layer widths, comma-separated (2-4 layers of 16-64 suit)")
      ->capture_default_str();
  app.add_option("--points", o.points, "Collocation points inside the domain")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
  app.add_option("--sampling", o.sampling, "Collocation points: grid (evenly spaced) or random (uniform)")
      ->check(CLI::IsMember({"grid", "random"}))
      ->capture_default_str();
  app.add_option("--points-seed", o.points_seed, "Seed of the random collocation points")
      ->capture_default_str();
  app.add_option(
         "--adam-steps", o.adam_steps,
         "Adam steps, each on every collocation point (-1: the problem's: poisson 1000, oscillator 6000)")
      ->check(CLI::Range(int64_t{-1}, int64_t{100000000}))
      ->capture_default_str();
  app.add_option("--lr", o.lr, "Adam's learning rate (0: the problem's: poisson 1e-3, oscillator 5e-3)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--lbfgs-steps", o.lbfgs_steps, "L-BFGS steps (strong Wolfe) after Adam; 0: none")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--lbfgs-iter", o.lbfgs_iter, "Iterations per L-BFGS step (its max_iter)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option(
         "--residual-weight", o.residual_weight,
         "Weight of the mean squared residual in the loss (-1: the problem's: poisson 1, oscillator 10)")
      ->check(CLI::Range(-1.0, 1e9))
      ->capture_default_str();
  app.add_option("--boundary-weight", o.boundary_weight,
                 "Weight of the mean squared boundary (or initial) condition error in the loss (-1: the "
                 "problem's: 1)")
      ->check(CLI::Range(-1.0, 1e9))
      ->capture_default_str();
  app.add_option("--adaptive-n", o.adaptive_n, "The fixed scale n of adaptive_tanh; a starts at 1/n")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--target", o.target,
                 "Relative L2 error counted as reached (the table counts the epochs to it)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--eval-every", o.eval_every, "Steps between two measurements of the error on the fine grid")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--fine-points", o.fine_points, "Points of the fine grid the error is measured on")
      ->check(CLI::Range(2, 10000000))
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Threads for the kernels (0: all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--out", o.out, "Folder for results.md, runs.csv and the figures")->capture_default_str();
  app.add_flag(
      "--quick", o.quick,
      "A smoke run of about a second: tanh, relu and adaptive_tanh, seed 0, 300 Adam steps, 5 L-BFGS "
      "steps, 64 points (options given explicitly still count)");
  app.add_flag(
      "--bench", o.bench,
      "Time one Adam step (the first problem, activation and seed) and print the median; writes the initial "
      "weights and points into --out for bench/compare_pinn.py");
  app.add_option("--bench-steps", o.bench_steps, "Steps timed by --bench (after 20 warm-up steps)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--bench-to-target", o.bench_to_target,
               "With --bench: train the first problem, activation and seed until the error (measured every "
               "--eval-every Adam steps and after every L-BFGS step) is below --target, Adam for at most "
               "--adam-steps steps then --lbfgs-steps L-BFGS steps; print the steps and the training time, "
               "the measurements left out; also writes the fine grid into --out");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // --help prints and gives 0; a refused option prints why
  }
  if (o.quick) {
    if (!app.count("--activations")) o.activations = "tanh,relu,adaptive_tanh";
    if (!app.count("--seeds")) o.seeds = "0";
    if (!app.count("--adam-steps")) o.adam_steps = 300;
    if (!app.count("--lbfgs-steps")) o.lbfgs_steps = 5;
    if (!app.count("--points")) o.points = 64;
    if (!app.count("--fine-points")) o.fine_points = 201;
  }
  return std::nullopt;
}

}  // namespace support
