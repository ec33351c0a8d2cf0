// compare_activations: trains the same MLP with each activation on each task,
// over several seeds, and reports what differs — accuracy (or MSE for
// regression), speed of learning, divergence, and the health of the hidden
// layers that textbooks describe: dead ReLU units, saturated sigmoid/tanh
// units, SELU's self-normalised outputs, vanishing or exploding gradients,
// and the slopes PReLU and Swish learn.
//
//   compare_activations                  every activation × the 8 toy tasks × 3 seeds (about a minute)
//   compare_activations --quick          a smoke run: 2 tasks, 6 activations, 2 seeds, 20 epochs
//   compare_activations --tasks fashion --activations relu,gelu,selu --seeds 2
//   compare_activations --tasks spirals --depth 8 --init lecun --activations sigmoid,tanh,relu,selu
//   compare_activations --tasks poisson  the physics-informed Poisson problem of examples/pinn.cpp
//
// Read it top-down: main() is the experiment — which activations, which
// tasks, which seeds; each task × activation × seed trained by train_one();
// a table and figures per task. train_one(), below it, trains one model and
// measures it after every epoch. Everything is reproducible from --seed: a
// task's data is drawn once from it (the same for every activation), and run
// s of every activation calls manual_seed(seed + s) before building its model,
// so its initial weights, shuffling and RReLU's draws depend on nothing else.
// Runs use one thread by default: these networks are so small that a second
// thread costs more in synchronisation than it saves.
//
// The plumbing is in examples/support/: the options (compare_options.h), the
// tasks (comparison_tasks.h), the network and its --init (comparison_model.h),
// layer health — dead, saturated, spread, gradient norms, measured on a fixed
// probe batch, the first 512 test samples (layer_health.h) — and the outputs
// written into --out (comparison_report.h): results.md (one table per task,
// mean ± std over seeds, also printed; comparison_table.h), runs.csv (every
// epoch of every run, one row per hidden layer) and <task>_*.png / .svg with
// the .dat files they are drawn from (comparison_plots.h).
#include <ember.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "support/compare_options.h"
#include "support/comparison.h"
#include "support/comparison_model.h"
#include "support/comparison_plots.h"
#include "support/comparison_report.h"
#include "support/comparison_tasks.h"
#include "support/interrupt.h"
#include "support/layer_health.h"

using namespace ember;
using support::EpochStats;
using support::Run;
using support::Task;

Run train_one(const Task& task, const std::string& activation, uint64_t seed,
              const support::CompareOptions& o, bool keep_picture,
              const std::function<void(const Run&)>& on_epoch);

int run(int argc, char** argv) {
  support::CompareOptions o;  // every option, its default and its --help text
  if (auto exit_code = support::parse_compare_options(argc, argv, o)) return *exit_code;
  if (o.threads > 0) set_num_threads(o.threads);

  // What is compared: activations × tasks × seeds o.seed, o.seed + 1, …
  const std::vector<std::string> activations = support::chosen_activations(o);
  const std::vector<int64_t> widths = support::hidden_widths(o);
  std::vector<Task> tasks;
  for (const auto& name : support::chosen_tasks(o)) tasks.push_back(support::make_task(name, o));
  std::filesystem::create_directories(o.out);

  support::ComparisonReport report(o, tasks, activations, widths);  // prints the plan, starts runs.csv
  support::catch_interrupts();  // Ctrl-C: finish the epoch, then write what was measured
  for (const Task& task : tasks) {
    if (support::interrupted()) break;
    support::TaskRuns runs;  // [activation][seed]
    for (const auto& activation : activations) {
      if (support::interrupted()) break;
      runs.emplace_back();
      for (int64_t s = 0; s < o.seeds && !support::interrupted(); ++s) {
        const uint64_t seed = o.seed + static_cast<uint64_t>(s);
        report.begin_run();
        Run r = train_one(task, activation, seed, o, /*keep_picture=*/s == 0,
                          [&](const Run& so_far) { report.epoch(task, so_far); });
        if (support::interrupted()) break;  // a run cut short would skew the means: leave it out
        report.end_run(task, r);
        runs.back().push_back(std::move(r));
      }
    }
    std::erase_if(runs, [](const std::vector<Run>& seeds) { return seeds.empty(); });
    report.end_task(task, runs);  // the table (printed, results.md) and the figures
    if (runs.empty()) break;
  }
  return report.finish();
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_activations: %s\n", e.what());
    return 1;
  }
}

// --- one run ---------------------------------------------------------------------------

Tensor loss_of(const Task& task, const Tensor& output, const Tensor& target,
               std::string_view reduction = "mean") {
  return task.classification() ? F::cross_entropy(output, target, reduction)
                               : F::mse_loss(output, target, reduction);
}

/// Test loss, and accuracy (classification) or MSE (regression).
std::pair<double, double> evaluate(nn::Module& model, const Task& task) {
  NoGradGuard no_grad;
  model.eval();
  const data::Dataset& test = task.data.test;
  const Tensor out = model(test.inputs);
  const double n = static_cast<double>(test.size());
  const double loss = loss_of(task, out, test.targets, "sum").item() / n;
  if (!task.classification()) return {loss, loss};
  return {loss, (out.argmax(1) == test.targets).sum().item() / n};
}

/// Test metrics, layer health and learned parameters of the model as it is now.
EpochStats measure(nn::Module& model, const Task& task, const support::MlpLayers& layers,
                   const Tensor& probe) {
  EpochStats stats;
  std::tie(stats.test_loss, stats.test_metric) = evaluate(model, task);
  stats.layers = support::layer_health(model, layers, probe);
  stats.learned = support::learned_parameters(layers);
  return stats;
}

/// Trains one model, measuring it as initialised (epoch 0) and after every
/// epoch; `on_epoch` sees the run so far after each measurement. A
/// non-finite loss ends the run (diverged).
Run train_one(const Task& task, const std::string& activation, uint64_t seed,
              const support::CompareOptions& o, bool keep_picture,
              const std::function<void(const Run&)>& on_epoch) {
  manual_seed(seed);
  const data::Dataset& train = task.data.train;
  support::MlpLayers layers;
  auto model = support::make_mlp(train.num_features(), support::hidden_widths(o), activation,
                                 task.classification() ? train.num_classes : 1, o.init, layers);
  auto optimizer = support::make_optimizer(o.optimizer, model->parameters(), task.lr);
  data::DataLoader loader(train, o.batch_size, /*shuffle=*/true, seed);
  const Tensor probe = support::head(task.data.test, 512).inputs;

  Run run{activation, seed, {measure(*model, task, layers, probe)}, false, {}};
  run.epochs[0].train_loss = NAN;  // nothing trained yet
  for (auto& h : run.epochs[0].layers) h.grad_norm = NAN;
  on_epoch(run);
  for (int64_t epoch = 1; epoch <= task.epochs && !run.diverged && !support::interrupted(); ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    model->train();
    loader.set_epoch(epoch);
    double train_loss = 0;
    std::vector<double> grad_norms(layers.activation.size(), 0.0);
    for (auto [x, y] : loader) {
      Tensor loss = task.physics_loss ? task.physics_loss(*model, x) : loss_of(task, (*model)(x), y);
      optimizer->zero_grad();
      loss.backward();
      const double value = loss.item();
      if (!std::isfinite(value)) {
        run.diverged = true;
        break;
      }
      optimizer->step();
      train_loss += value / static_cast<double>(loader.size());
      const std::vector<double> norms = support::gradient_norms(layers);
      for (size_t l = 0; l < norms.size(); ++l)
        grad_norms[l] += norms[l] / static_cast<double>(loader.size());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EpochStats stats = measure(*model, task, layers, probe);
    stats.train_loss = run.diverged ? NAN : train_loss;
    stats.seconds = seconds;
    for (size_t l = 0; l < grad_norms.size(); ++l) stats.layers[l].grad_norm = grad_norms[l];
    if (!std::isfinite(stats.test_loss)) run.diverged = true;
    run.epochs.push_back(stats);
    on_epoch(run);
  }
  if (keep_picture && !run.diverged) run.picture = support::model_picture(*model, task);
  return run;
}
