// compare_activations' command line: every option with its default and its
// --help text, parsed by CLI11 into one CompareOptions struct; --quick's and
// --study depth's settings; and the lists the options name (activations,
// tasks, hidden widths, normalisations, depths), checked. Nothing here loads
// data or trains.
#pragma once

#include <ember.h>
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "activations.h"

namespace support {

struct CompareOptions {
  std::string tasks = "spirals,moons,circles,xor,checkerboard,sine,abs,step";
  std::string activations = "all";
  int64_t seeds = 3;
  uint64_t seed = 0;
  std::string hidden = "32,32";
  int64_t depth = 0;          // 0: as many hidden layers as --hidden lists
  std::string norm = "none";  // comma-separated: none, batch, layer
  float dropout = 0;          // after each hidden activation; AlphaDropout for selu
  int64_t epochs = 0;         // 0: the task's default
  float lr = 0;               // 0: the task's default
  std::string init = "pytorch";
  std::string optimizer = "adam";
  int64_t batch_size = 64;
  double target_accuracy = 0;  // 0: the task's default
  double target_mse = 0;       // 0: the task's default
  int64_t toy_samples = 1000;
  int64_t fashion_train = 10000, fashion_test = 2000;
  std::string data_dir = ember::data::fashion_mnist_default_dir;
  int threads = 1;
  std::string out = "runs/compare_activations";
  bool quick = false;
  std::string study;               // "" or "depth"
  std::string depths = "8,16,32";  // the depth study's hidden-layer counts
};

/// "a,b,,c" → {a, b, c}.
inline std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string p; std::getline(in, p, ',');)
    if (!p.empty()) parts.push_back(p);
  return parts;
}

/// "32,32" → {32, 32}; `option` and `example` name the option in the error a bad list gives.
inline std::vector<int64_t> positive_list(const std::string& text, const char* option, const char* example) {
  std::vector<int64_t> values;
  for (const auto& v : split_list(text)) {
    if (v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9 || std::stoll(v) <= 0)
      ember::fail(option, ": \"", text, "\" is not a list of positive whole numbers like ", example);
    values.push_back(std::stoll(v));
  }
  if (values.empty()) ember::fail(option, ": give at least one number, like ", example);
  return values;
}

/// The hidden widths: --hidden, or --depth copies of its first width.
inline std::vector<int64_t> hidden_widths(const CompareOptions& o) {
  std::vector<int64_t> widths = positive_list(o.hidden, "--hidden", "32,32");
  if (o.depth > 0) widths.assign(static_cast<size_t>(o.depth), widths.front());
  return widths;
}

/// --depths: the hidden-layer counts the depth study compares.
inline std::vector<int64_t> study_depths(const CompareOptions& o) {
  return positive_list(o.depths, "--depths", "8,16,32");
}

/// --norm: the normalisations listed, each none, batch or layer.
inline std::vector<std::string> chosen_norms(const CompareOptions& o) {
  const std::vector<std::string> norms = split_list(o.norm);
  for (const auto& n : norms)
    if (n != "none" && n != "batch" && n != "layer")
      ember::fail("--norm: unknown normalisation \"", n, "\" (none, batch or layer)");
  if (norms.empty()) ember::fail("--norm: give none, batch, layer or a comma list of them");
  return norms;
}

/// --activations: the names listed, each known to support::activations(); "all": every one.
inline std::vector<std::string> chosen_activations(const CompareOptions& o) {
  std::vector<std::string> names;
  if (o.activations == "all")
    for (const auto& [name, make] : activations()) names.push_back(name);
  else
    names = split_list(o.activations);
  for (const auto& a : names)
    if (!activations().count(a)) ember::fail("--activations: unknown activation \"", a, "\"");
  return names;
}

/// --tasks: the names listed; "all": every toy task, then the Fashion-MNIST subset.
inline std::vector<std::string> chosen_tasks(const CompareOptions& o) {
  if (o.tasks != "all") return split_list(o.tasks);
  std::vector<std::string> names = ember::data::toy_tasks();
  names.push_back("fashion");
  return names;
}

namespace detail {

inline void add_compare_options(CLI::App& app, CompareOptions& o) {
  std::string toy;
  for (const auto& t : ember::data::toy_tasks()) toy += t + ", ";
  app.add_option("--tasks", o.tasks,
                 "Comma-separated: " + toy +
                     "fashion (a Fashion-MNIST subset), poisson (a physics-informed network, "
                     "see examples/pinn.cpp); all: every one but poisson")
      ->capture_default_str();
  app.add_option("--activations", o.activations, "Comma-separated activation names, or all")
      ->capture_default_str();
  app.add_option("--seeds", o.seeds, "Runs per task and activation")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", o.seed, "First seed: run s uses seed + s; the task data uses seed")
      ->capture_default_str();
  app.add_option("--hidden", o.hidden, "Hidden layer widths, comma-separated")->capture_default_str();
  app.add_option("--depth", o.depth, "Hidden layers, each as wide as --hidden's first (0: as --hidden lists)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option(
         "--norm", o.norm,
         "Normalisation in each hidden block: none; batch: Linear → BatchNorm1d → activation; layer: "
         "Linear → LayerNorm → activation (PyTorch's usual placement, before the activation); a comma "
         "list compares them in one run")
      ->capture_default_str();
  app.add_option("--dropout", o.dropout,
                 "Dropout probability after each hidden activation; SELU gets AlphaDropout, which keeps its "
                 "self-normalised mean and variance (0: none)")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  app.add_option("--epochs", o.epochs,
                 "Epochs per run (0: the task's: 100 spirals and checkerboard, 10 fashion, 60 others)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option(
         "--init", o.init,
         "Weights: pytorch (Linear's U(±1/√in)), lecun N(0,1/in) (what SELU assumes), kaiming N(0,2/in), "
         "xavier N(0,2/(in+out)); the last three zero the bias")
      ->check(CLI::IsMember({"pytorch", "lecun", "kaiming", "xavier"}))
      ->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "adam, adamw, sgd (momentum 0.9) or rmsprop")
      ->check(CLI::IsMember({"adam", "adamw", "sgd", "rmsprop"}))
      ->capture_default_str();
  app.add_option("--lr", o.lr,
                 "Learning rate (0: the task's: 0.01 toy, 0.001 fashion, 0.003 poisson (sgd 0.01); ×10 and "
                 "×50 for sgd)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "Samples per batch")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option(
         "--target-accuracy", o.target_accuracy,
         "Test accuracy (0-1) counted as reached (0: the task's: 0.95, checkerboard 0.9, fashion 0.84)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--target-mse", o.target_mse,
                 "Test MSE counted as reached (0: the task's: 0.01, step 0.02, poisson 1e-4)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--toy-samples", o.toy_samples, "Samples in each toy task's training set (and its test set)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--fashion-train", o.fashion_train, "Training images of the Fashion-MNIST subset")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--fashion-test", o.fashion_test, "Test images of the Fashion-MNIST subset")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--threads", o.threads, "Threads for the kernels (0: all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--out", o.out, "Folder for results.md, runs.csv and the figures")->capture_default_str();
  app.add_flag("--quick", o.quick,
               "A smoke run: moons and sine, 6 activations, 2 seeds, 20 epochs, 500 samples; with --study "
               "depth: moons, 3 activations, depths 2,4, 1 seed, 3 epochs (options given explicitly still "
               "count)");
  app.add_option(
         "--study", o.study,
         "depth: the depth study (docs/comparing_activations.md) — fashion and spirals, 8 activations "
         "× none,batch,layer × --depths hidden layers of 64, lecun init, 3 seeds; one table and "
         "figures per task (options given explicitly still count)")
      ->check(CLI::IsMember({"depth"}));
  app.add_option("--depths", o.depths, "The depth study's hidden-layer counts, comma-separated")
      ->capture_default_str();
}

/// --quick's settings, for the options the user left at their defaults.
inline void apply_quick(const CLI::App& app, CompareOptions& o) {
  if (!app.count("--tasks")) o.tasks = "moons,sine";
  if (!app.count("--activations")) o.activations = "relu,tanh,sigmoid,selu,prelu,swish";
  if (!app.count("--seeds")) o.seeds = 2;
  if (!app.count("--epochs")) o.epochs = 20;
  if (!app.count("--toy-samples")) o.toy_samples = 500;
}

/// --study depth's settings, for the options the user left at their defaults; with --quick,
/// a smoke run of the same program in a few seconds.
inline void apply_depth_study(const CLI::App& app, CompareOptions& o) {
  if (app.count("--depth")) ember::fail("--depth: the depth study takes its depths from --depths");
  auto unless_given = [&](const char* option, auto& field, auto value) {
    if (!app.count(option)) field = value;
  };
  unless_given("--norm", o.norm, "none,batch,layer");
  unless_given("--init", o.init, "lecun");
  if (o.quick) {
    unless_given("--tasks", o.tasks, "moons");
    unless_given("--activations", o.activations, "relu,tanh,selu");
    unless_given("--depths", o.depths, "2,4");
    unless_given("--hidden", o.hidden, "16");
    unless_given("--seeds", o.seeds, int64_t{1});
    unless_given("--epochs", o.epochs, int64_t{3});
    unless_given("--toy-samples", o.toy_samples, int64_t{200});
    return;
  }
  unless_given("--tasks", o.tasks, "fashion,spirals");
  unless_given("--activations", o.activations, "relu,leaky_relu,elu,selu,gelu,silu,tanh,sigmoid");
  unless_given("--hidden", o.hidden, "64");
  unless_given("--out", o.out, "runs/depth_study");
}

}  // namespace detail

/// Parses the command line into `o`. Returns the exit code when the program
/// should stop here (--help, or an option CLI11 refused, already reported);
/// nothing when it should run.
inline std::optional<int> parse_compare_options(int argc, char** argv, CompareOptions& o) {
  CLI::App app{"compare_activations: train one MLP per task, activation and seed; write a table and plots"};
  app.get_formatter()->column_width(28);
  detail::add_compare_options(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // --help prints and gives 0; a refused option prints why
  }
  if (o.study == "depth")
    detail::apply_depth_study(app, o);
  else if (o.quick)
    detail::apply_quick(app, o);
  return std::nullopt;
}

}  // namespace support
