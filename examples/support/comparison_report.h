// What compare_activations shows and writes while it runs: the plan (tasks ×
// activations × seeds), runs.csv (a row per task, activation, seed, epoch
// and hidden layer, written as each epoch is measured), a progress bar over
// all epochs on a terminal or a line per finished run otherwise, and after
// each task its Markdown table (printed, and results.md rewritten) and its
// figures. It reads what the runs measured; nothing here trains.
#pragma once

#include <ember.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "compare_options.h"
#include "comparison.h"
#include "comparison_plots.h"
#include "comparison_table.h"
#include "interrupt.h"
#include "metrics.h"
#include "progress_bar.h"

namespace support {

/// runs.csv: one row per task, activation, seed, epoch (0: as initialised) and hidden layer.
class RunsCsv {
 public:
  explicit RunsCsv(const std::string& path) : out_(path) {
    out_ << "task,activation,seed,epoch,train_loss,test_loss,test_metric,seconds,diverged,layer,dead,"
            "saturated,"
            "mean,std,grad_norm,learned\n";
  }
  /// The last epoch of `run`.
  void add(const Task& task, const Run& run) {
    const EpochStats& e = run.epochs.back();
    for (size_t l = 0; l < e.layers.size(); ++l) {
      const LayerHealth& h = e.layers[l];
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

class ComparisonReport {
 public:
  /// Prints the plan and starts runs.csv and results.md's introduction.
  ComparisonReport(const CompareOptions& o, const std::vector<Task>& tasks,
                   const std::vector<std::string>& activations, const std::vector<int64_t>& widths)
      : o_(o), recipe_(describe(o, widths)) {
    runs_total_ = static_cast<int64_t>(tasks.size() * activations.size()) * o.seeds;
    for (const auto& t : tasks)
      epochs_total_ += t.epochs * static_cast<int64_t>(activations.size()) * o.seeds;
    std::printf(
        "%zu tasks × %zu activations × %lld seeds = %lld runs (%lld epochs), hidden layers %s, %d thread%s\n",
        tasks.size(), activations.size(), static_cast<long long>(o.seeds),
        static_cast<long long>(runs_total_), static_cast<long long>(epochs_total_), recipe_.c_str(),
        ember::get_num_threads(), ember::get_num_threads() == 1 ? "" : "s");
    std::fflush(stdout);
    csv_.emplace((std::filesystem::path(o.out) / "runs.csv").string());
    markdown_ = "# Activation comparison\n\n" + recipe_ + "; " + std::to_string(o.seeds) + " seeds from " +
                std::to_string(o.seed) +
                ". Cells are mean ± std over the seeds that did not diverge (epochs to target: over the "
                "runs that reached it). The health columns describe the last epoch, except "
                "\"std at init\", the untrained network's (dead: f'(x) = 0 on every probe sample; "
                "saturated: |f'(x)| < 0.02 on 90% of them; grad norm: ‖∂L/∂W‖ of the layer's "
                "weights, mean over the epoch's batches; see examples/support/layer_health.h).\n\n";
    bar_.emplace("runs", epochs_total_, 0, terminal_, "epochs");
  }

  void begin_run() { ++run_index_; }

  /// After each measurement of a run (epoch 0: as initialised): its row in
  /// runs.csv, and the progress bar.
  void epoch(const Task& task, const Run& so_far) {
    csv_->add(task, so_far);
    if (so_far.epochs.size() == 1) return;  // epoch 0, before training
    ++epochs_done_;
    bar_->update(epochs_done_, epochs_done_,
                 "run " + std::to_string(run_index_) + "/" + std::to_string(runs_total_) + " " + task.name +
                     " · " + so_far.activation + " · seed " + std::to_string(so_far.seed) + " · epoch " +
                     std::to_string(so_far.epochs.size() - 1) + "/" + std::to_string(task.epochs));
  }

  /// A finished run: a line for logs (a terminal has the progress bar).
  void end_run(const Task& task, const Run& r) {
    epochs_done_ += task.epochs + 1 - static_cast<int64_t>(r.epochs.size());  // a diverged run stops early
    if (terminal_) return;
    const double metric = r.epochs.empty() ? NAN : r.epochs.back().test_metric;
    double seconds = 0;
    for (const auto& e : r.epochs) seconds += e.seconds;
    std::printf("[%lld/%lld] %s  %-12s seed %llu  %s %s  %.1f ms/epoch\n", static_cast<long long>(run_index_),
                static_cast<long long>(runs_total_), task.name.c_str(), r.activation.c_str(),
                static_cast<unsigned long long>(r.seed), task.classification() ? "accuracy" : "MSE",
                r.diverged ? "diverged"
                           : fmt(task.classification() ? "%.2f%%" : "%.3g",
                                 task.classification() ? 100 * metric : metric)
                                 .c_str(),
                r.epochs.size() < 2 ? 0.0 : 1000 * seconds / static_cast<double>(r.epochs.size() - 1));
    std::fflush(stdout);
  }

  /// A finished task, [activation][seed]: its table, printed and added to
  /// results.md, and its figures. Nothing but clearing the bar when no run finished.
  void end_task(const Task& task, const TaskRuns& runs) {
    bar_->clear();
    if (runs.empty()) return;
    const std::string table = markdown_table(task, runs, recipe_);
    markdown_ += table + "\n";
    write_file_atomically((std::filesystem::path(o_.out) / "results.md").string(), markdown_);
    plot_task(task, runs, o_.out);
    std::printf("\n%s\n", table.c_str());
    std::fflush(stdout);
  }

  /// The last words; the exit code (130 when Ctrl-C cut the comparison short).
  int finish() const {
    if (interrupted()) std::printf("interrupted: the tables and figures cover the runs measured so far\n");
    std::printf("wrote %s: results.md, runs.csv and the figures\n", o_.out.c_str());
    return interrupted() ? 130 : 0;
  }

 private:
  /// "MLP 32-32, pytorch init, adam, batch 64".
  static std::string describe(const CompareOptions& o, const std::vector<int64_t>& widths) {
    std::string recipe = "MLP";
    for (int64_t w : widths) recipe += (recipe == "MLP" ? " " : "-") + std::to_string(w);
    return recipe + ", " + o.init + " init, " + o.optimizer + ", batch " + std::to_string(o.batch_size);
  }

  const CompareOptions& o_;
  std::string recipe_, markdown_;
  int64_t runs_total_ = 0, epochs_total_ = 0, run_index_ = 0, epochs_done_ = 0;
  bool terminal_ = stdout_is_terminal();
  std::optional<RunsCsv> csv_;
  std::optional<ProgressBar> bar_;
};

}  // namespace support
