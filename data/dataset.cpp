// Dataset helpers: subsets, seeded splits, class counts, normalisation.
#include "data/dataset.h"

#include <cmath>
#include <cstring>
#include <new>
#include <stdexcept>

#include "core/error.h"
#include "core/random.h"

namespace ember::data {

namespace {
int64_t row_width(const Tensor& t) { return t.size(0) == 0 ? 0 : t.numel() / t.size(0); }
}  // namespace

std::vector<int64_t> permutation(int64_t n, uint64_t seed) {
  if (n < 0) fail("permutation: n must be >= 0, got ", n);
  if (n > max_samples) fail("permutation: n ", n, " is too large (at most ", max_samples, ")");
  Generator gen(seed);
  std::vector<int64_t> p;
  try {
    p.resize(static_cast<size_t>(n));
  } catch (const std::bad_alloc&) {
    fail("permutation: out of memory allocating ", n, " indices (", static_cast<double>(n) * 8 / 1e9, " GB)");
  }
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[gen.below(static_cast<uint64_t>(i) + 1)]);
  return p;
}

Dataset subset(const Dataset& d, const std::vector<int64_t>& indices, const std::string& name) {
  validate(d, "subset");  // a 0-dim or short tensor would be read past its end below
  Dataset out{
      name.empty() ? d.name : name, {}, {}, d.class_names, d.num_classes, d.feature_names, d.target_name};
  Shape in_shape = d.inputs.shape(), target_shape = d.targets.shape();
  in_shape[0] = target_shape[0] = static_cast<int64_t>(indices.size());
  out.inputs = Tensor::empty(in_shape);
  out.targets = Tensor::empty(target_shape);
  const int64_t n = d.size(), wi = row_width(d.inputs), wt = row_width(d.targets);
  for (size_t r = 0; r < indices.size(); ++r) {
    int64_t i = indices[r];
    if (i < 0 || i >= n) fail("subset: index ", i, " is out of range for ", d.name, " of ", n, " samples");
    std::memcpy(out.inputs.data() + r * wi, d.inputs.data() + i * wi, sizeof(float) * wi);
    std::memcpy(out.targets.data() + r * wt, d.targets.data() + i * wt, sizeof(float) * wt);
  }
  return out;
}

DatasetSplit train_test_split(const Dataset& d, int64_t test_size, uint64_t seed) {
  validate(d, "train_test_split");
  const int64_t n = d.size();
  if (test_size < 0 || test_size > n)
    fail("train_test_split: test_size ", test_size, " is not within 0..", n, " (the size of ", d.name, ")");
  std::vector<int64_t> p = permutation(n, seed);
  std::vector<int64_t> train(p.begin(), p.end() - test_size), test(p.end() - test_size, p.end());
  return {subset(d, train, d.name + " (train)"), subset(d, test, d.name + " (test)")};
}

std::vector<int64_t> class_counts(const Dataset& d) {
  validate(d, "class_counts");
  if (!d.is_classification())
    fail("class_counts: dataset ", d.name, " has no classes (num_classes 0: a regression dataset)");
  std::vector<int64_t> counts(static_cast<size_t>(d.num_classes), 0);
  const float* t = d.targets.data();
  for (int64_t i = 0; i < d.size(); ++i) ++counts[static_cast<size_t>(t[i])];
  return counts;
}

void validate(const Dataset& d, std::string_view caller) {
  const std::string who = (caller.empty() ? "" : std::string(caller) + ": ") + "dataset " + d.name;
  if (!d.inputs.defined() || d.inputs.dim() != 2)
    fail(who, ": inputs must be a tensor [N, D]",
         d.inputs.defined() ? detail::cat(", got ", d.inputs.shape()) : std::string(", got none"));
  if (!d.targets.defined() || d.targets.dim() < 1 || d.targets.size(0) != d.inputs.size(0))
    fail(who, ": targets must have one row per input (inputs ", d.inputs.shape(), ", targets ",
         d.targets.defined() ? d.targets.shape() : Shape{}, ")");
  if (!d.feature_names.empty() && static_cast<int64_t>(d.feature_names.size()) != d.inputs.size(1))
    fail(who, ": ", d.feature_names.size(), " feature names for ", d.inputs.size(1), " input columns");
  if (d.num_classes < 0) fail(who, ": num_classes is negative (", d.num_classes, ")");
  if (d.num_classes == 0) return;
  if (d.targets.dim() != 1) fail(who, ": class targets must be a tensor [N], got ", d.targets.shape());
  if (!d.class_names.empty() && static_cast<int64_t>(d.class_names.size()) != d.num_classes)
    fail(who, ": ", d.class_names.size(), " class names for ", d.num_classes, " classes");
  const float* t = d.targets.data();
  for (int64_t i = 0; i < d.size(); ++i)
    if (!(t[i] >= 0) || t[i] >= static_cast<float>(d.num_classes) || t[i] != std::floor(t[i]))
      fail(who, ": target ", t[i], " of sample ", i, " is not a class index in 0..", d.num_classes - 1);
}

Normalization compute_normalization(const Dataset& d) {
  validate(d, "compute_normalization");
  const float* x = d.inputs.data();
  const int64_t n = d.inputs.numel();
  if (n == 0) fail("compute_normalization: ", d.name, " has no input values");
  double sum = 0, sum_sq = 0;  // doubles: 47M floats would lose digits in a float sum
  for (int64_t i = 0; i < n; ++i) {
    sum += x[i];
    sum_sq += double{x[i]} * x[i];
  }
  double mean = sum / n, var = std::max(0.0, sum_sq / n - mean * mean);
  return {static_cast<float>(mean), static_cast<float>(std::sqrt(var))};
}

void normalize_(Dataset& d, Normalization n) {
  validate(d, "normalize_");
  if (!(n.std > 0) || !std::isfinite(n.std) || !std::isfinite(n.mean))
    fail("normalize_: std must be positive (mean and std finite), got mean=", n.mean, " std=", n.std);
  float* x = d.inputs.data();
  const int64_t count = d.inputs.numel();
  for (int64_t i = 0; i < count; ++i) x[i] = (x[i] - n.mean) / n.std;  // as torchvision's Normalize
  d.inputs.bump_version();
}

namespace {
// x must be [N, D] with D = s.mean.size() = s.std.size(), every std positive and finite.
void check_standardization(const Tensor& x, const Standardization& s, const char* who) {
  if (!x.defined() || x.dim() != 2)
    fail(who, ": expected a tensor [N, D], got ", x.defined() ? detail::cat(x.shape()) : std::string("none"));
  if (s.mean.size() != s.std.size())
    fail(who, ": the standardization has ", s.mean.size(), " means but ", s.std.size(),
         " standard deviations");
  if (static_cast<int64_t>(s.mean.size()) != x.size(1))
    fail(who, ": the standardization is for ", s.mean.size(), " columns, the tensor has ", x.size(1), " (",
         x.shape(), ")");
  for (size_t j = 0; j < s.mean.size(); ++j)
    if (!(s.std[j] > 0) || !std::isfinite(s.std[j]) || !std::isfinite(s.mean[j]))
      fail(who, ": column ", j, ": std must be positive (mean and std finite), got mean=", s.mean[j],
           " std=", s.std[j]);
}
}  // namespace

Standardization compute_standardization(const Tensor& x) {
  if (!x.defined() || x.dim() != 2)
    fail("compute_standardization: expected a tensor [N, D], got ",
         x.defined() ? detail::cat(x.shape()) : std::string("none"));
  const int64_t n = x.size(0), cols = x.size(1);
  if (n == 0) fail("compute_standardization: no rows to measure (", x.shape(), ")");
  // Two passes in doubles: the mean first, then the squared deviations from it —
  // one pass (E[x²] - E[x]²) cancels badly for a column like body mass in grams.
  std::vector<double> mean(static_cast<size_t>(cols), 0.0), var(static_cast<size_t>(cols), 0.0);
  const float* p = x.data();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < cols; ++j) mean[j] += p[i * cols + j];
  for (double& m : mean) m /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      const double d = p[i * cols + j] - mean[j];
      var[j] += d * d;
    }
  Standardization s;
  for (int64_t j = 0; j < cols; ++j) {
    const double sd = std::sqrt(var[j] / static_cast<double>(n));
    s.mean.push_back(static_cast<float>(mean[j]));
    // A constant column (or one whose spread float cannot hold) scales by 1.
    const auto f = static_cast<float>(sd);
    s.std.push_back(f > 0 && std::isfinite(f) ? f : 1.0f);
    if (!std::isfinite(s.mean.back()))
      fail("compute_standardization: column ", j, " has a mean beyond float range (", mean[j], ")");
  }
  return s;
}

void standardize_(Tensor& x, const Standardization& s) {
  check_standardization(x, s, "standardize_");
  const int64_t n = x.size(0), cols = x.size(1);
  float* p = x.data();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < cols; ++j) p[i * cols + j] = (p[i * cols + j] - s.mean[j]) / s.std[j];
  x.bump_version();
}

void unstandardize_(Tensor& x, const Standardization& s) {
  check_standardization(x, s, "unstandardize_");
  const int64_t n = x.size(0), cols = x.size(1);
  float* p = x.data();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < cols; ++j) p[i * cols + j] = p[i * cols + j] * s.std[j] + s.mean[j];
  x.bump_version();
}

}  // namespace ember::data
