// The tasks of an activation comparison by name: a toy task (drawn from
// --seed, its test set from another seed) or a Fashion-MNIST subset, each with
// its recipe — epochs, learning rate and the target counted as reached —
// unless the options override it. Nothing here trains.
#pragma once

#include <ember.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "compare_options.h"
#include "comparison.h"

namespace support {

/// The first n rows of d.
inline ember::data::Dataset head(const ember::data::Dataset& d, int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(std::min(n, d.size())));
  std::iota(rows.begin(), rows.end(), 0);
  return ember::data::subset(d, rows, d.name + " (first " + std::to_string(rows.size()) + ")");
}

/// A task's data and its recipe: epochs, learning rate and target. The toy
/// test set is drawn from the same distribution with another seed.
inline Task make_task(const std::string& name, const CompareOptions& o) {
  namespace data = ember::data;
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

}  // namespace support
