// What train_mlp shows and writes: the run's summary before training, a
// progress bar through each epoch, one line per epoch with metrics.csv
// rewritten after it, and at the end the confusion matrix (printed and
// confusion.csv), model.safetensors and the learning curves. It reads the
// numbers the program measured; nothing here trains or evaluates.
#pragma once

#include <ember.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "confusion.h"
#include "metrics.h"
#include "progress_bar.h"
#include "run_state.h"
#include "train_options.h"

namespace support {

/// The progress bar of one epoch: "epoch 3/15 [####....] 120/469  loss 0.3127  acc 88.41%  …".
class EpochBar {
 public:
  EpochBar(const RunState& s, int64_t epochs, int64_t batches, bool classification)
      : bar_("epoch " + std::to_string(s.epoch + 1) + "/" + std::to_string(epochs), batches, s.batch),
        seen_before_(s.seen),
        classification_(classification) {}

  /// After batch s.batch, counted in s.
  void update(const RunState& s) { bar_.update(s.batch + 1, s.seen - seen_before_, running_stats(s)); }
  void clear() { bar_.clear(); }

 private:
  // "loss 0.3127  acc 88.41%" (or "mse 0.0123") over the epoch so far.
  std::string running_stats(const RunState& s) const {
    char text[96];
    const double n = static_cast<double>(s.seen);
    if (classification_)
      std::snprintf(text, sizeof text, "loss %.4f  acc %.2f%%", s.loss_sum / n,
                    100.0 * static_cast<double>(s.correct) / n);
    else
      std::snprintf(text, sizeof text, "mse %.4g", s.loss_sum / n);
    return text;
  }

  ProgressBar bar_;
  int64_t seen_before_;
  bool classification_;
};

class TrainReport {
 public:
  TrainReport(const TrainOptions& o, const ember::data::DatasetSplit& data)
      : o_(o), data_(data), csv_path_((std::filesystem::path(o.out) / "metrics.csv").string()) {}

  /// The dataset, the model and the optimizer, before the first epoch.
  void start(const ember::nn::Module& model, const ember::optim::Optimizer& opt, int64_t batches) const {
    const auto& train = data_.train;
    std::printf("%s: %lld train / %lld test samples, %lld features\n", train.name.c_str(),
                static_cast<long long>(train.size()), static_cast<long long>(data_.test.size()),
                static_cast<long long>(train.num_features()));
    if (!train.feature_names.empty()) {  // a CSV file's columns
      std::string names;
      for (const auto& n : train.feature_names) names += (names.empty() ? "" : ", ") + n;
      std::printf("features: %s\n", names.c_str());
    }
    if (!train.target_name.empty() && train.is_classification()) {
      std::string names;
      for (const auto& n : train.class_names) names += (names.empty() ? "" : ", ") + n;
      std::printf("classes of %s: %s\n", train.target_name.c_str(), names.c_str());
    }
    std::printf("%s\n", model.to_string().c_str());
    std::printf("%s lr %g, schedule %s, %lld epochs of %lld batches of %lld, %d threads\n",
                opt.name().c_str(), o_.lr, o_.schedule.c_str(), static_cast<long long>(o_.epochs),
                static_cast<long long>(batches), static_cast<long long>(o_.batch_size),
                ember::get_num_threads());
    std::fflush(stdout);
  }

  /// The epoch's line, then metrics.csv with every epoch so far.
  void epoch(const EpochRecord& r, const MetricsLog& log) const {
    if (data_.train.is_classification())
      std::printf(
          "epoch %3lld/%lld  train loss %.4f  acc %6.2f%%   test loss %.4f  acc %6.2f%%   lr %.3g  %.1f s\n",
          static_cast<long long>(r.epoch), static_cast<long long>(o_.epochs), r.train_loss,
          100 * r.train_accuracy, r.test_loss, 100 * r.test_accuracy, r.lr, r.seconds);
    else
      std::printf("epoch %3lld/%lld  train mse %.5g   test mse %.5g   lr %.3g  %.1f s\n",
                  static_cast<long long>(r.epoch), static_cast<long long>(o_.epochs), r.train_loss,
                  r.test_loss, r.lr, r.seconds);
    std::fflush(stdout);
    log.write_csv(csv_path_);
  }

  /// The end of the run: the confusion matrix of the last evaluation
  /// (classification), model.safetensors (with `metadata`) and the learning curves.
  void finish(const ember::nn::Module& model, const ConfusionMatrix& confusion, double accuracy,
              const MetricsLog& log, const ember::nn::Metadata& metadata = {}) const {
    namespace fs = std::filesystem;
    const auto& names = data_.test.class_names;
    if (data_.train.is_classification()) {
      std::printf("\nconfusion matrix on the test set (rows: true class, columns: predicted)\n%s",
                  confusion.format(names).c_str());
      std::printf("test accuracy %.2f%%\n", 100 * accuracy);
      confusion.write_csv((fs::path(o_.out) / "confusion.csv").string(), names);
    }
    const std::string model_path = (fs::path(o_.out) / "model.safetensors").string();
    ember::nn::save(model, model_path, metadata);
    const std::string stem = (fs::path(o_.out) / "learning_curves").string();
    std::string dataset = data_.train.name;  // the title names the dataset, not its training split
    if (auto split = dataset.rfind(" (train)"); split != std::string::npos) dataset.erase(split);
    const std::string title = dataset + ": " + o_.activation + " " + o_.hidden + ", " + o_.optimizer;
    bool plotted = log.plot(csv_path_, stem, title);
    std::printf("wrote %s, %s%s, %s\n", csv_path_.c_str(), plotted ? (stem + ".png/.svg, ").c_str() : "",
                o_.checkpoint.c_str(), model_path.c_str());
  }

 private:
  const TrainOptions& o_;
  const ember::data::DatasetSplit& data_;
  std::string csv_path_;
};

}  // namespace support
