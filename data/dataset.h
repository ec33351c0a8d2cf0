// Dataset: a whole dataset in memory as two tensors, inputs [N, D] and
// targets, with the names of its classes. MNIST-sized data (60,000 × 784
// floats = 188 MB) fits comfortably, and holding it as one tensor lets the
// DataLoader copy rows with memcpy. Streaming from disk and lazy transforms
// are deliberately left out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"

namespace ember::data {

struct Dataset {
  std::string name;  ///< "fashion-mnist (train)", "two-moons", …
  Tensor inputs;     ///< [N, D]
  Tensor targets;    ///< [N] class indices (whole numbers), or [N, 1] values for regression
  std::vector<std::string> class_names;  ///< num_classes names; empty for regression
  int64_t num_classes = 0;               ///< 0 for regression
  /// The names of the D input columns and of the target, where the data has
  /// them (a CSV file's header); empty otherwise.
  std::vector<std::string> feature_names = {};
  std::string target_name = {};

  int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
  int64_t num_features() const { return inputs.defined() ? inputs.size(1) : 0; }
  bool is_classification() const { return num_classes > 0; }
};

/// The most samples the data helpers (toy generators, permutation) handle:
/// larger counts are refused by name rather than allocated (2^31 - 1; a
/// dataset held in memory as one tensor is far smaller in practice).
inline constexpr int64_t max_samples = (int64_t{1} << 31) - 1;

struct DatasetSplit {
  Dataset train, test;
};

/// The rows of `d` at `indices`, in that order (a copy).
Dataset subset(const Dataset& d, const std::vector<int64_t>& indices, const std::string& name = "");

/// A seeded shuffle of all rows, the last `test_size` of them becoming the test set.
DatasetSplit train_test_split(const Dataset& d, int64_t test_size, uint64_t seed);

/// How many samples each class has (classification datasets).
std::vector<int64_t> class_counts(const Dataset& d);

/// A seeded random permutation of 0..n-1 (Fisher–Yates over ember's Generator).
std::vector<int64_t> permutation(int64_t n, uint64_t seed);

/// Checks the invariants (inputs [N, D], targets with the same N rows, class
/// targets whole numbers in 0..num_classes-1); throws ember::Error naming
/// `d.name` otherwise. Every helper taking a Dataset calls it first, passing
/// its own name as `caller` so that the message starts with it
/// ("subset: dataset x: targets must have one row per input …").
void validate(const Dataset& d, std::string_view caller = {});

// --- normalisation -----------------------------------------------------------
/// x -> (x - mean) / std, one mean and std for every input value (grey images).
struct Normalization {
  float mean = 0.0f, std = 1.0f;
};
/// The usual constants, measured on the training images in [0, 1].
inline constexpr Normalization mnist_normalization{0.1307f, 0.3081f};
inline constexpr Normalization fashion_mnist_normalization{0.2860f, 0.3530f};
/// Leaves inputs in [0, 1] as they are.
inline constexpr Normalization no_normalization{0.0f, 1.0f};

/// The mean and standard deviation of every input value of `d`.
Normalization compute_normalization(const Dataset& d);
/// Applies `n` to d.inputs in place (outside autograd).
void normalize_(Dataset& d, Normalization n);

// --- per-column standardisation (tabular data) --------------------------------
/// x[:, j] -> (x[:, j] - mean[j]) / std[j]: one mean and standard deviation per
/// column, as scikit-learn's StandardScaler. Fit it on the training rows only
/// and apply it to every set (and to the rows to predict), so that no test
/// value leaks into the scaling.
struct Standardization {
  std::vector<float> mean, std;
};
/// The mean and (population) standard deviation of each column of `x` [N, D]
/// (inputs, or [N, 1] regression targets). A constant column gets std 1, as in
/// scikit-learn, so that it maps to 0 rather than to NaN.
Standardization compute_standardization(const Tensor& x);
/// Applies `s` to x in place (outside autograd); x must be [N, s.mean.size()].
void standardize_(Tensor& x, const Standardization& s);
/// The inverse, x * std + mean in place: a regression output back in the target's units.
void unstandardize_(Tensor& x, const Standardization& s);

}  // namespace ember::data
