// Where a training run is, and the checkpoint that keeps it: RunState counts
// the epoch and batch reached and the running sums of the epoch in progress;
// Checkpoint saves it with the model, optimizer and scheduler, and --resume
// restores it, so that a resumed run continues exactly as an uninterrupted
// run with the same seed and threads would have. Used by train_mlp; nothing
// here trains or prints per-epoch results.
//
// optim::save_checkpoint keeps the model, the optimizer and scheduler state,
// the epoch and the generator in one file, replaced atomically; the run's own
// progress goes with it as metadata under "train_mlp.": the options that must
// match to resume, the batch reached, the epoch's running sums (doubles as
// exact text — a resumed run must continue from exactly the same numbers) and
// the finished epochs' metrics rows.
#pragma once

#include <ember.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "metrics.h"
#include "train_options.h"

namespace support {

struct RunState {
  int64_t epoch = 0;    // the epoch in progress (0-based)
  int64_t batch = 0;    // the next batch of that epoch
  double loss_sum = 0;  // this epoch so far: the sum of per-sample losses,
  int64_t correct = 0;  // the right predictions,
  int64_t seen = 0;     // the samples,
  double seconds = 0;   // and the time spent (while the clock ran)
  MetricsLog log;       // the finished epochs

  explicit RunState(bool classification) : log(classification) {}

  void start_clock() { started_ = std::chrono::steady_clock::now(); }
  void stop_clock() {
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  /// Closes the epoch in progress: stops the clock, records its row (the
  /// training sums with the test results and the epoch's learning rate),
  /// and moves to the first batch of the next epoch with the sums at zero.
  EpochRecord end_epoch(double test_loss, double test_accuracy, double lr) {
    stop_clock();
    const double n = static_cast<double>(seen);
    const EpochRecord r{epoch + 1, loss_sum / n, static_cast<double>(correct) / n, test_loss, test_accuracy,
                        lr,        seconds};
    log.add(r);
    loss_sum = 0, correct = 0, seen = 0, seconds = 0;
    ++epoch, batch = 0;
    return r;
  }

 private:
  std::chrono::steady_clock::time_point started_;
};

namespace detail {

// "\n  --lr: 0.001 in the checkpoint, 0.1 now" for each option that differs
// between two recipes ("key=value key=value …").
inline std::string recipe_difference(const std::string& saved, const std::string& now) {
  auto fields = [](const std::string& recipe) {
    std::map<std::string, std::string> f;
    std::istringstream in(recipe);
    for (std::string kv; in >> kv;) f[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    return f;
  };
  auto a = fields(saved), b = fields(now);
  std::string out;
  for (const auto& [key, value] : b)
    if (a[key] != value) {
      std::string option = "--" + key;
      std::replace(option.begin(), option.end(), '_', '-');
      out += "\n  " + option + ": " + a[key] + " in the checkpoint, " + value + " now";
    }
  return out;
}

}  // namespace detail

/// The checkpoint file of a run (--checkpoint) and what goes into it.
class Checkpoint {
 public:
  /// `extra`: more metadata to keep in every save (a --csv run's columns and scaling).
  Checkpoint(const TrainOptions& o, ember::nn::Module& model, ember::optim::Optimizer& opt,
             ember::optim::LRScheduler* sched, ember::nn::Metadata extra = {})
      : o_(o), model_(model), opt_(opt), sched_(sched), extra_(std::move(extra)) {}

  void save(const RunState& s) const {
    using ember::nn::exact_text;
    ember::nn::Metadata run{{"train_mlp.recipe", o_.recipe()},
                            {"train_mlp.epochs", std::to_string(o_.epochs)},
                            {"train_mlp.threads", std::to_string(ember::get_num_threads())},
                            {"train_mlp.batch", std::to_string(s.batch)},
                            {"train_mlp.loss_sum", exact_text(s.loss_sum)},
                            {"train_mlp.correct", std::to_string(s.correct)},
                            {"train_mlp.seen", std::to_string(s.seen)},
                            {"train_mlp.seconds", exact_text(s.seconds)},
                            {"train_mlp.metrics", s.log.rows_text()}};
    run.insert(extra_.begin(), extra_.end());
    ember::optim::save_checkpoint(o_.checkpoint, model_, opt_, sched_, s.epoch, run);
  }

  /// Ctrl-C after a finished batch: counts it and the time, saves, says how
  /// to continue. Returns the exit code (130, the shell's for SIGINT).
  int save_interrupted(RunState& s, int64_t batches) const {
    ++s.batch;
    s.stop_clock();
    save(s);
    std::printf(
        "interrupted in epoch %lld after batch %lld/%lld: saved %s\ncontinue with the same options "
        "and --resume\n",
        static_cast<long long>(s.epoch + 1), static_cast<long long>(s.batch), static_cast<long long>(batches),
        o_.checkpoint.c_str());
    return 130;
  }

  /// Restores what save wrote into the freshly built model, optimizer,
  /// scheduler and `s`. The run's own entries are read and checked first, so
  /// that a checkpoint of other options is refused by naming them rather than
  /// by the first tensor whose shape differs; optim::load_checkpoint then
  /// checks the rest of the file before it changes anything. (The file is
  /// read twice; it is small.)
  void resume(RunState& s, int64_t batches) const {
    using ember::fail;
    const std::string& path = o_.checkpoint;
    if (!std::filesystem::exists(path)) fail("--resume: no checkpoint at ", path);
    const ember::nn::Metadata saved = ember::nn::read_safetensors(path).metadata;
    const ember::nn::MetadataReader r{saved, "resume: " + path, " (not a train_mlp checkpoint?)"};
    const std::string& recipe = r.text("train_mlp.recipe");
    if (recipe != o_.recipe())
      fail("resume: ", path,
           " was trained with other options:", detail::recipe_difference(recipe, o_.recipe()),
           "\npass the same options to continue it (or another --out to start afresh)");
    const int64_t epochs = r.integer("train_mlp.epochs"), threads = r.integer("train_mlp.threads");
    const int64_t batch = r.integer("train_mlp.batch");
    const double loss_sum = r.real("train_mlp.loss_sum");
    const int64_t correct = r.integer("train_mlp.correct"), seen = r.integer("train_mlp.seen");
    const double seconds = r.real("train_mlp.seconds");
    if (batch < 0 || batch > batches)
      fail(r.context, ": metadata 'train_mlp.batch' = ", batch, " is outside an epoch of ", batches,
           " batches");
    if (seen < 0 || correct < 0 || correct > seen)
      fail(r.context, ": metadata 'train_mlp.correct' = ", correct, " and 'train_mlp.seen' = ", seen,
           " are not counts of this epoch's samples");
    const std::string& metrics = r.text("train_mlp.metrics");

    const int64_t epoch = ember::optim::load_checkpoint(path, model_, opt_, sched_);
    if (epoch < 0) fail(r.context, ": the checkpoint's epoch ", epoch, " is negative");
    s.epoch = epoch, s.batch = batch, s.loss_sum = loss_sum, s.correct = correct, s.seen = seen,
    s.seconds = seconds;
    s.log.set_rows_text(metrics);
    if (epochs != o_.epochs)
      std::printf("note: the checkpoint's run had --epochs %lld; continuing with %lld\n",
                  static_cast<long long>(epochs), static_cast<long long>(o_.epochs));
    if (threads != ember::get_num_threads())
      std::printf(
          "note: the checkpoint was written with %lld threads, this run uses %d: sums may round "
          "differently\n",
          static_cast<long long>(threads), ember::get_num_threads());
    std::printf("resumed %s at epoch %lld, batch %lld\n", path.c_str(), static_cast<long long>(s.epoch + 1),
                static_cast<long long>(s.batch));
  }

 private:
  const TrainOptions& o_;
  ember::nn::Module& model_;
  ember::optim::Optimizer& opt_;
  ember::optim::LRScheduler* sched_;
  ember::nn::Metadata extra_;
};

}  // namespace support
