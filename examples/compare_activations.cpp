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
//
// The experiment is main()'s loop: task × activation × seed → train_one() →
// one Run of per-epoch measurements. Writes into --out:
//   results.md           one table per task (mean ± std over seeds), also printed
//   runs.csv             every epoch of every run, one row per hidden layer
//   <task>_*.png / .svg  the figures listed in support/comparison_plots.h,
//                        with the .dat files they are drawn from
// Layer health (dead, saturated, spread, gradient norms) is defined in
// support/layer_health.h and measured after every epoch on a fixed probe
// batch (the first 512 test samples).
//
// Everything is reproducible from --seed: a task's data is drawn once from
// it (the same for every activation), and run s of every activation calls
// manual_seed(seed + s) before building its model, so its initial weights,
// shuffling and RReLU's draws depend on nothing else. Runs use one thread by
// default: these networks are so small that a second thread costs more in
// synchronisation than it saves.
#include <ember.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "support/activations.h"
#include "support/comparison.h"
#include "support/comparison_plots.h"
#include "support/comparison_table.h"
#include "support/interrupt.h"
#include "support/layer_health.h"
#include "support/metrics.h"
#include "support/progress_bar.h"

using namespace ember;
using support::EpochStats;
using support::Run;
using support::Task;
namespace fs = std::filesystem;

// --- options ---------------------------------------------------------------------------

struct Options {
  std::string tasks = "spirals,moons,circles,xor,checkerboard,sine,abs,step";
  std::string activations = "all";
  int64_t seeds = 3;
  uint64_t seed = 0;
  std::string hidden = "32,32";
  int64_t depth = 0;   // 0: as many hidden layers as --hidden lists
  int64_t epochs = 0;  // 0: the task's default
  float lr = 0;        // 0: the task's default
  std::string init = "pytorch";
  std::string optimizer = "adam";
  int64_t batch_size = 64;
  double target_accuracy = 0;  // 0: the task's default
  double target_mse = 0;       // 0: the task's default
  int64_t toy_samples = 1000;
  int64_t fashion_train = 10000, fashion_test = 2000;
  std::string data_dir = data::fashion_mnist_default_dir;
  int threads = 1;
  std::string out = "runs/compare_activations";
  bool quick = false;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string p; std::getline(in, p, ',');)
    if (!p.empty()) parts.push_back(p);
  return parts;
}

/// The hidden widths: --hidden, or --depth copies of its first width.
std::vector<int64_t> hidden_widths(const Options& o) {
  std::vector<int64_t> widths;
  for (const auto& w : split_list(o.hidden)) {
    if (w.find_first_not_of("0123456789") != std::string::npos || std::stoll(w) <= 0)
      fail("--hidden: \"", o.hidden, "\" is not a list of positive widths like 32,32");
    widths.push_back(std::stoll(w));
  }
  if (widths.empty()) fail("--hidden: give at least one width");
  if (o.depth > 0) widths.assign(static_cast<size_t>(o.depth), widths.front());
  return widths;
}

// --- tasks -------------------------------------------------------------------------------

/// The first n rows of d.
data::Dataset head(const data::Dataset& d, int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(std::min(n, d.size())));
  std::iota(rows.begin(), rows.end(), 0);
  return data::subset(d, rows, d.name + " (first " + std::to_string(rows.size()) + ")");
}

/// A task's data and its recipe: epochs, learning rate and target. The toy
/// test set is drawn from the same distribution with another seed.
Task make_task(const std::string& name, const Options& o) {
  Task t{name, {}, 60, o.optimizer == "sgd" ? 0.1f : 0.01f, 0.95};
  if (name == "fashion") {
    t.data = {head(data::load_fashion_mnist(o.data_dir, true), o.fashion_train),
              head(data::load_fashion_mnist(o.data_dir, false), o.fashion_test)};
    data::normalize_(t.data.train, data::fashion_mnist_normalization);
    data::normalize_(t.data.test, data::fashion_mnist_normalization);
    t.epochs = 10, t.lr = o.optimizer == "sgd" ? 0.05f : 1e-3f, t.target = 0.84;
  } else {
    data::ToyOptions toy{.n = o.toy_samples, .seed = o.seed};
    t.data.train = data::make_toy(name, toy);
    toy.seed = o.seed + 1000003;
    t.data.test = data::make_toy(name, toy);
    if (name == "spirals" || name == "checkerboard") t.epochs = 100;
    if (name == "checkerboard") t.target = 0.9;
    if (!t.classification()) t.target = name == "step" ? 0.02 : 0.01;
  }
  if (o.epochs > 0) t.epochs = o.epochs;
  if (o.lr > 0) t.lr = o.lr;
  if (t.classification() && o.target_accuracy > 0) t.target = o.target_accuracy;
  if (!t.classification() && o.target_mse > 0) t.target = o.target_mse;
  return t;
}

// --- one run -------------------------------------------------------------------------------

/// A Linear layer initialised by `init`: "pytorch" keeps Linear's own U(±1/√in)
/// (weight variance 1/(3·in)); the others draw weights from a normal
/// distribution and zero the bias — "lecun" N(0, 1/in), the variance SELU's
/// self-normalisation assumes; "kaiming" N(0, 2/in), He's for ReLU;
/// "xavier" N(0, 2/(in + out)), Glorot's for tanh.
std::shared_ptr<nn::Linear> make_linear(int64_t in, int64_t out, const std::string& init) {
  auto linear = std::make_shared<nn::Linear>(in, out);
  if (init == "pytorch") return linear;
  NoGradGuard no_grad;
  if (init == "lecun") nn::init::kaiming_normal_(linear->weight, 0, "fan_in", "linear");
  if (init == "kaiming") nn::init::kaiming_normal_(linear->weight, 0, "fan_in", "relu");
  if (init == "xavier") nn::init::xavier_normal_(linear->weight);
  nn::init::zeros_(linear->bias);
  return linear;
}

/// in → widths… → out, each hidden Linear followed by the activation; `layers` gets handles on both.
std::shared_ptr<nn::Sequential> make_mlp(int64_t in, const std::vector<int64_t>& widths,
                                         const std::string& activation, int64_t out, const std::string& init,
                                         support::MlpLayers& layers) {
  auto model = std::make_shared<nn::Sequential>();
  for (int64_t width : widths) {
    layers.linear.push_back(make_linear(in, width, init));
    layers.activation.push_back(support::activations().at(activation)());
    model->push_back(layers.linear.back());
    model->push_back(layers.activation.back());
    in = width;
  }
  layers.linear.push_back(make_linear(in, out, init));
  model->push_back(layers.linear.back());
  return model;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params,
                                                 float lr) {
  if (name == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = lr});
  if (name == "adamw") return std::make_unique<optim::AdamW>(params, optim::AdamWOptions{.lr = lr});
  if (name == "sgd")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = lr, .momentum = 0.9f});
  return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions{.lr = lr});
}

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
Run train_one(const Task& task, const std::string& activation, uint64_t seed, const Options& o,
              bool keep_picture, const std::function<void(const Run&)>& on_epoch) {
  manual_seed(seed);
  const data::Dataset& train = task.data.train;
  support::MlpLayers layers;
  auto model = make_mlp(train.num_features(), hidden_widths(o), activation,
                        task.classification() ? train.num_classes : 1, o.init, layers);
  auto optimizer = make_optimizer(o.optimizer, model->parameters(), task.lr);
  data::DataLoader loader(train, o.batch_size, /*shuffle=*/true, seed);
  const Tensor probe = head(task.data.test, 512).inputs;

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
      Tensor loss = loss_of(task, (*model)(x), y);
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

// --- output ---------------------------------------------------------------------------------

/// runs.csv: one row per task, activation, seed, epoch (0: as initialised) and hidden layer.
class CsvLog {
 public:
  explicit CsvLog(const std::string& path) : out_(path) {
    out_ << "task,activation,seed,epoch,train_loss,test_loss,test_metric,seconds,diverged,layer,dead,"
            "saturated,"
            "mean,std,grad_norm,learned\n";
  }
  /// The last epoch of `run`.
  void add(const Task& task, const Run& run) {
    const EpochStats& e = run.epochs.back();
    for (size_t l = 0; l < e.layers.size(); ++l) {
      const support::LayerHealth& h = e.layers[l];
      out_ << task.name << ',' << run.activation << ',' << run.seed << ',' << run.epochs.size() - 1 << ','
           << e.train_loss << ',' << e.test_loss << ',' << e.test_metric << ',' << e.seconds << ','
           << run.diverged << ',' << l + 1 << ',' << h.dead << ',' << h.saturated << ',' << h.mean << ','
           << h.std << ',' << h.grad_norm << ',' << (l < e.learned.size() ? std::to_string(e.learned[l]) : "")
           << '\n';
    }
    out_.flush();
  }

 private:
  std::ofstream out_;
};

/// One line per finished run, for logs (a terminal gets the progress bar).
void log_run(int64_t i, int64_t n, const Task& task, const Run& r) {
  const double metric = r.epochs.empty() ? NAN : r.epochs.back().test_metric;
  double seconds = 0;
  for (const auto& e : r.epochs) seconds += e.seconds;
  std::printf("[%lld/%lld] %s  %-12s seed %llu  %s %s  %.1f ms/epoch\n", static_cast<long long>(i),
              static_cast<long long>(n), task.name.c_str(), r.activation.c_str(),
              static_cast<unsigned long long>(r.seed), task.classification() ? "accuracy" : "MSE",
              r.diverged ? "diverged"
                         : support::fmt(task.classification() ? "%.2f%%" : "%.4f",
                                        task.classification() ? 100 * metric : metric)
                               .c_str(),
              r.epochs.size() < 2 ? 0.0 : 1000 * seconds / static_cast<double>(r.epochs.size() - 1));
  std::fflush(stdout);
}

// --- main ------------------------------------------------------------------------------------

void add_options(CLI::App& app, Options& o) {
  std::string toy;
  for (const auto& t : data::toy_tasks()) toy += t + ", ";
  app.add_option("--tasks", o.tasks,
                 "Comma-separated: " + toy + "fashion (a Fashion-MNIST subset); all: every one")
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
  app.add_option("--lr", o.lr, "Learning rate (0: the task's: 0.01 toy, 0.001 fashion; ×10 and ×50 for sgd)")
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
  app.add_option("--target-mse", o.target_mse, "Test MSE counted as reached (0: the task's: 0.01, step 0.02)")
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
               "A smoke run: moons and sine, 6 activations, 2 seeds, 20 epochs, 500 samples "
               "(options given explicitly still count)");
}

/// --quick's settings, for the options the user left at their defaults.
void apply_quick(const CLI::App& app, Options& o) {
  if (!app.count("--tasks")) o.tasks = "moons,sine";
  if (!app.count("--activations")) o.activations = "relu,tanh,sigmoid,selu,prelu,swish";
  if (!app.count("--seeds")) o.seeds = 2;
  if (!app.count("--epochs")) o.epochs = 20;
  if (!app.count("--toy-samples")) o.toy_samples = 500;
}

int run(int argc, char** argv) {
  Options o;
  CLI::App app{"compare_activations: train one MLP per task, activation and seed; write a table and plots"};
  app.get_formatter()->column_width(28);
  add_options(app, o);
  CLI11_PARSE(app, argc, argv);
  if (o.quick) apply_quick(app, o);

  if (o.threads > 0) set_num_threads(o.threads);
  std::vector<std::string> activations;
  if (o.activations == "all")
    for (const auto& [name, make] : support::activations()) activations.push_back(name);
  else
    activations = split_list(o.activations);
  for (const auto& a : activations)
    if (!support::activations().count(a)) fail("--activations: unknown activation \"", a, "\"");
  const std::vector<int64_t> widths = hidden_widths(o);
  std::vector<Task> tasks;
  std::vector<std::string> task_names = split_list(o.tasks);
  if (o.tasks == "all") {  // every toy task, then the Fashion-MNIST subset
    task_names = data::toy_tasks();
    task_names.push_back("fashion");
  }
  for (const auto& name : task_names) tasks.push_back(make_task(name, o));
  fs::create_directories(o.out);

  std::string recipe = "MLP";
  for (int64_t w : widths) recipe += (recipe == "MLP" ? " " : "-") + std::to_string(w);
  recipe += ", " + o.init + " init, " + o.optimizer + ", batch " + std::to_string(o.batch_size);
  const int64_t runs_total = static_cast<int64_t>(tasks.size() * activations.size()) * o.seeds;
  int64_t epochs_total = 0;
  for (const auto& t : tasks) epochs_total += t.epochs * static_cast<int64_t>(activations.size()) * o.seeds;
  std::printf(
      "%zu tasks × %zu activations × %lld seeds = %lld runs (%lld epochs), hidden layers %s, %d thread%s\n",
      tasks.size(), activations.size(), static_cast<long long>(o.seeds), static_cast<long long>(runs_total),
      static_cast<long long>(epochs_total), recipe.c_str(), get_num_threads(),
      get_num_threads() == 1 ? "" : "s");
  std::fflush(stdout);

  CsvLog csv((fs::path(o.out) / "runs.csv").string());
  std::string markdown =
      "# Activation comparison\n\n" + recipe + "; " + std::to_string(o.seeds) + " seeds from " +
      std::to_string(o.seed) +
      ". Cells are mean ± std over the seeds that did not diverge (epochs to target: over the "
      "runs that reached it). The health columns describe the last epoch, except "
      "\"std at init\", the untrained network's (dead: f'(x) = 0 on every probe sample; "
      "saturated: |f'(x)| < 0.02 on 90% of them; grad norm: ‖∂L/∂W‖ of the layer's "
      "weights, mean over the epoch's batches; see examples/support/layer_health.h).\n\n";
  const bool terminal = support::stdout_is_terminal();
  support::catch_interrupts();  // Ctrl-C: finish the epoch, then write what was measured
  support::ProgressBar bar("runs", epochs_total, 0, terminal, "epochs");
  int64_t run_index = 0, epochs_done = 0;
  for (const Task& task : tasks) {
    if (support::interrupted()) break;
    support::TaskRuns runs;  // [activation][seed]
    for (const auto& activation : activations) {
      if (support::interrupted()) break;
      runs.emplace_back();
      for (int64_t s = 0; s < o.seeds && !support::interrupted(); ++s) {
        const uint64_t seed = o.seed + static_cast<uint64_t>(s);
        ++run_index;
        Run r = train_one(task, activation, seed, o, s == 0, [&](const Run& so_far) {
          csv.add(task, so_far);
          if (so_far.epochs.size() == 1) return;  // epoch 0, before training
          ++epochs_done;
          bar.update(epochs_done, epochs_done,
                     "run " + std::to_string(run_index) + "/" + std::to_string(runs_total) + " " + task.name +
                         " · " + activation + " · seed " + std::to_string(seed) + " · epoch " +
                         std::to_string(so_far.epochs.size() - 1) + "/" + std::to_string(task.epochs));
        });
        if (support::interrupted()) break;  // a run cut short would skew the means: leave it out
        epochs_done += task.epochs + 1 - static_cast<int64_t>(r.epochs.size());  // a diverged run stops early
        if (!terminal) log_run(run_index, runs_total, task, r);
        runs.back().push_back(std::move(r));
      }
    }
    bar.clear();
    std::erase_if(runs, [](const std::vector<Run>& seeds) { return seeds.empty(); });
    if (runs.empty()) break;
    const std::string table = support::markdown_table(task, runs, recipe);
    markdown += table + "\n";
    support::write_file_atomically((fs::path(o.out) / "results.md").string(), markdown);
    support::plot_task(task, runs, o.out);
    std::printf("\n%s\n", table.c_str());
    std::fflush(stdout);
  }
  if (support::interrupted())
    std::printf("interrupted: the tables and figures cover the runs measured so far\n");
  std::printf("wrote %s: results.md, runs.csv and the figures\n", o.out.c_str());
  return support::interrupted() ? 130 : 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_activations: %s\n", e.what());
    return 1;
  }
}
