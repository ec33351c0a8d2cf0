// The records of an activation comparison (examples/compare_activations):
// a task, what one epoch of one run measured, a whole run, and the summary
// statistics taken over seeds. Shared by the program, its table and its plots;
// nothing here trains or draws.
#pragma once

#include <ember.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace support {

/// A dataset with the recipe that suits it.
struct Task {
  std::string name;
  ember::data::DatasetSplit data;
  int64_t epochs = 60;
  float lr = 0.01f;
  double target = 0.95;  ///< test accuracy to reach (classification), or test MSE to get under
  /// A physics-informed task (poisson): the training loss of a batch of collocation points,
  /// in place of the loss against the targets (which hold the exact solution, for the test MSE).
  std::function<ember::Tensor(ember::nn::Module&, const ember::Tensor&)> physics_loss;

  bool classification() const { return data.train.is_classification(); }
  /// 2-D classification: the tasks whose decision regions can be drawn.
  bool planar() const { return classification() && data.train.num_features() == 2; }
  /// Higher accuracy or lower MSE.
  bool better(double a, double b) const { return classification() ? a > b : a < b; }
  bool reached(double metric) const { return classification() ? metric >= target : metric <= target; }
};

/// One hidden layer after an epoch (see support/layer_health.h for the definitions).
struct LayerHealth {
  double dead = 0, saturated = 0;  ///< fractions of the layer's units
  double mean = 0, std = 0;        ///< of the layer's outputs over the probe batch
  double grad_norm = 0;  ///< ‖∂L/∂W‖ of the Linear feeding the layer, mean over the epoch's batches
};

struct EpochStats {
  double train_loss = 0, test_loss = 0;
  double test_metric = 0;           ///< accuracy (classification) or MSE (regression)
  double seconds = 0;               ///< training time of the epoch, without the measurements
  std::vector<LayerHealth> layers;  ///< one per hidden layer
  std::vector<double> learned;      ///< PReLU's slope or Swish's β per hidden layer; empty for the others
};

struct Run {
  std::string activation;
  uint64_t seed = 0;
  /// epochs[e]: after e epochs of training — epochs[0] is the model as
  /// initialised (no train loss, time or gradient norm) — up to the first non-finite loss.
  std::vector<EpochStats> epochs;
  bool diverged = false;       ///< the loss became NaN or infinite
  std::vector<float> picture;  ///< the model's decision regions or fitted curve (see comparison_plots.h)
  std::string norm = "none";   ///< each hidden block's normalisation layer: none, batch or layer

  /// How tables and figures name the run: "selu", or "selu + batch" with a normalisation layer.
  std::string label() const { return norm == "none" ? activation : activation + " + " + norm; }
};

/// Every run of one task: [activation][seed].
using TaskRuns = std::vector<std::vector<Run>>;

/// Mean and sample standard deviation of the finite values (n of them).
struct Summary {
  double mean = NAN, std = NAN;
  int n = 0;
};

inline Summary summarize(const std::vector<double>& values) {
  Summary s{0, 0, 0};
  for (double v : values)
    if (std::isfinite(v)) s.mean += v, ++s.n;
  if (s.n == 0) return {};
  s.mean /= s.n;
  for (double v : values)
    if (std::isfinite(v)) s.std += (v - s.mean) * (v - s.mean);
  s.std = s.n > 1 ? std::sqrt(s.std / (s.n - 1)) : 0.0;
  return s;
}

/// The seed-mean of `value(run.epochs[epoch])` over the runs that got that far; NaN when none did.
template <class Value>
double mean_at_epoch(const std::vector<Run>& seeds, size_t epoch, Value value) {
  std::vector<double> v;
  for (const Run& r : seeds)
    if (epoch < r.epochs.size()) v.push_back(value(r.epochs[epoch]));
  return summarize(v).mean;
}

}  // namespace support
