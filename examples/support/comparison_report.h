// What compare_activations shows and writes while it runs: the plan (tasks ×
// activations × normalisations × seeds, and × depths for --study depth),
// runs.csv (a row per task, activation, normalisation, seed, epoch and hidden
// layer, written as each epoch is measured), a progress bar over all epochs on
// a terminal or a line per finished run otherwise, and after each task its
// Markdown tables (printed, and results.md rewritten) and its figures. It
// reads what the runs measured; nothing here trains.
#pragma once

#include <ember.h>

#include <algorithm>
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
#include "depth_study.h"
#include "depth_study_plots.h"
#include "interrupt.h"
#include "metrics.h"
#include "progress_bar.h"

namespace support {

/// runs.csv: one row per task, activation, normalisation, seed, epoch (0: as initialised) and
/// hidden layer; depth is the number of hidden layers.
class RunsCsv {
 public:
  explicit RunsCsv(const std::string& path) : out_(path) {
    out_ << "task,activation,norm,depth,seed,epoch,train_loss,test_loss,test_metric,seconds,diverged,layer,"
            "dead,saturated,mean,std,grad_norm,learned\n";
  }
  /// The last epoch of `run`.
  void add(const Task& task, const Run& run) {
    const EpochStats& e = run.epochs.back();
    for (size_t l = 0; l < e.layers.size(); ++l) {
      const LayerHealth& h = e.layers[l];
      out_ << task.name << ',' << run.activation << ',' << run.norm << ',' << e.layers.size() << ','
           << run.seed << ',' << run.epochs.size() - 1 << ',' << e.train_loss << ',' << e.test_loss << ','
           << e.test_metric << ',' << e.seconds << ',' << run.diverged << ',' << l + 1 << ',' << h.dead << ','
           << h.saturated << ',' << h.mean << ',' << h.std << ',' << h.grad_norm << ','
           << (l < e.learned.size() ? std::to_string(e.learned[l]) : "") << '\n';
    }
    out_.flush();
  }

 private:
  std::ofstream out_;
};

class ComparisonReport {
 public:
  /// Prints the plan and starts runs.csv and results.md's introduction. `depths`: the depth
  /// study's (each run's hidden layers are `widths` otherwise).
  ComparisonReport(const CompareOptions& o, const std::vector<Task>& tasks,
                   const std::vector<std::string>& activations, const std::vector<int64_t>& widths,
                   const std::vector<std::string>& norms, const std::vector<int64_t>& depths = {})
      : o_(o), recipe_(describe(o, widths, depths)), study_(!depths.empty()) {
    const int64_t per_task =
        static_cast<int64_t>(activations.size() * norms.size() * std::max<size_t>(1, depths.size())) *
        o.seeds;
    runs_total_ = static_cast<int64_t>(tasks.size()) * per_task;
    for (const auto& t : tasks) epochs_total_ += t.epochs * per_task;
    std::printf(
        "%zu tasks × %zu activations × %zu norm%s%s × %lld seeds = %lld runs (%lld epochs), %s, %d "
        "thread%s\n",
        tasks.size(), activations.size(), norms.size(), norms.size() == 1 ? "" : "s",
        study_ ? (" × " + std::to_string(depths.size()) + " depths").c_str() : "",
        static_cast<long long>(o.seeds), static_cast<long long>(runs_total_),
        static_cast<long long>(epochs_total_), recipe_.c_str(), ember::get_num_threads(),
        ember::get_num_threads() == 1 ? "" : "s");
    std::fflush(stdout);
    csv_.emplace((std::filesystem::path(o.out) / "runs.csv").string());
    markdown_ = study_ ? study_introduction() : comparison_introduction();
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
                     " · " + so_far.label() + layers_of(so_far) + " · seed " + std::to_string(so_far.seed) +
                     " · epoch " + std::to_string(so_far.epochs.size() - 1) + "/" +
                     std::to_string(task.epochs));
  }

  /// A finished run: a line for logs (a terminal has the progress bar).
  void end_run(const Task& task, const Run& r) {
    epochs_done_ += task.epochs + 1 - static_cast<int64_t>(r.epochs.size());  // a diverged run stops early
    if (terminal_) return;
    const double metric = r.epochs.empty() ? NAN : r.epochs.back().test_metric;
    double seconds = 0;
    for (const auto& e : r.epochs) seconds += e.seconds;
    std::printf(
        "[%lld/%lld] %s  %-12s%s seed %llu  %s %s  %.1f ms/epoch\n", static_cast<long long>(run_index_),
        static_cast<long long>(runs_total_), task.name.c_str(), r.label().c_str(), layers_of(r).c_str(),
        static_cast<unsigned long long>(r.seed), task.classification() ? "accuracy" : "MSE",
        r.diverged
            ? "diverged"
            : fmt(task.classification() ? "%.2f%%" : "%.3g", task.classification() ? 100 * metric : metric)
                  .c_str(),
        r.epochs.size() < 2 ? 0.0 : 1000 * seconds / static_cast<double>(r.epochs.size() - 1));
    std::fflush(stdout);
  }

  /// A finished task, [activation][seed]: its table, printed and added to
  /// results.md, and its figures. Nothing but clearing the bar when no run finished.
  void end_task(const Task& task, const TaskRuns& runs) {
    bar_->clear();
    if (runs.empty()) return;
    add_section(markdown_table(task, runs, recipe_));
    plot_task(task, runs, o_.out);
  }

  /// A finished task of the depth study: its tables, printed and added to results.md, and its figures.
  void end_study_task(const Task& task, const StudyRuns& study) {
    bar_->clear();
    if (study.empty()) return;
    add_section(depth_study_tables(task, study, recipe_));
    plot_depth_study(task, study, o_.out);
  }

  /// The last words; the exit code (130 when Ctrl-C cut the comparison short).
  int finish() const {
    if (interrupted()) std::printf("interrupted: the tables and figures cover the runs measured so far\n");
    std::printf("wrote %s: results.md, runs.csv and the figures\n", o_.out.c_str());
    return interrupted() ? 130 : 0;
  }

 private:
  /// "MLP 32-32, pytorch init, adam, batch 64"; the depth study's "MLP of 8, 16, 32 hidden layers of 64, …".
  static std::string describe(const CompareOptions& o, const std::vector<int64_t>& widths,
                              const std::vector<int64_t>& depths) {
    std::string recipe = "MLP";
    if (depths.empty()) {
      for (int64_t w : widths) recipe += (recipe == "MLP" ? " " : "-") + std::to_string(w);
    } else {
      recipe += " of";
      for (size_t i = 0; i < depths.size(); ++i) recipe += (i ? ", " : " ") + std::to_string(depths[i]);
      recipe += " hidden layers of " + std::to_string(widths.front());
    }
    recipe += ", " + o.init + " init, " + o.optimizer + ", batch " + std::to_string(o.batch_size);
    return o.dropout > 0 ? recipe + ", dropout " + fmt("%g", o.dropout) + " (selu: alpha dropout)" : recipe;
  }

  /// "MLP 32-32, …, batch 64; 5 seeds from 0. ", the first words of both introductions.
  std::string recipe_and_seeds() const {
    return recipe_ + "; " + std::to_string(o_.seeds) + " seeds from " + std::to_string(o_.seed) + ". ";
  }

  std::string comparison_introduction() const {
    return "# Activation comparison\n\n" + recipe_and_seeds() +
           "Cells are mean ± std over the seeds that did not diverge (epochs to target: over the "
           "runs that reached it). The health columns describe the last epoch, except "
           "\"std at init\", the untrained network's (dead: f'(x) = 0 on every probe sample; "
           "saturated: |f'(x)| < 0.02 on 90% of them; grad norm: ‖∂L/∂W‖ of the layer's "
           "weights, mean over the epoch's batches; see examples/support/layer_health.h).\n\n";
  }

  std::string study_introduction() const {
    return "# Depth study\n\n" + recipe_and_seeds() +
           "Each hidden block is Linear → activation (none), Linear → BatchNorm1d → activation "
           "(batch) or Linear → LayerNorm → activation (layer). std: of each hidden layer's outputs "
           "on a probe batch (the first 512 test samples; batch norm with the probe's own statistics); "
           "grad norm: ‖∂L/∂W‖ of the layer's weights — at init the mean over the first 8 training "
           "batches before any step, trained the mean over the last epoch's batches. A run diverges "
           "when its loss becomes NaN or infinite; it is counted and left out of the means "
           "(see examples/support/depth_study.h).\n\n";
  }

  /// Adds a section to results.md (rewritten whole) and prints it.
  void add_section(const std::string& markdown) {
    markdown_ += markdown + "\n";
    write_file_atomically((std::filesystem::path(o_.out) / "results.md").string(), markdown_);
    std::printf("\n%s\n", markdown.c_str());
    std::fflush(stdout);
  }

  /// " · 16 layers" in the depth study, where runs differ by depth; "" otherwise.
  std::string layers_of(const Run& r) const {
    if (!study_ || r.epochs.empty()) return "";
    return " · " + std::to_string(r.epochs.front().layers.size()) + " layers";
  }

  const CompareOptions& o_;
  std::string recipe_, markdown_;
  bool study_ = false;
  int64_t runs_total_ = 0, epochs_total_ = 0, run_index_ = 0, epochs_done_ = 0;
  bool terminal_ = stdout_is_terminal();
  std::optional<RunsCsv> csv_;
  std::optional<ProgressBar> bar_;
};

}  // namespace support
