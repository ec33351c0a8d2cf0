// One run of an activation comparison (examples/compare_activations): build
// the network for an activation and a normalisation, train it on a task with
// the task's recipe, and measure it as initialised (epoch 0) and after every
// epoch — test metrics, layer health (layer_health.h) and the gradient norm
// reaching each layer. A non-finite loss ends the run as diverged; it never
// throws or stops the comparison. Nothing here prints or writes files.
#pragma once

#include <ember.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "compare_options.h"
#include "comparison.h"
#include "comparison_model.h"
#include "comparison_plots.h"
#include "comparison_tasks.h"
#include "interrupt.h"
#include "layer_health.h"

namespace support {

/// What one run trains: an activation, the normalisation of its hidden blocks, a seed.
struct RunSpec {
  std::string activation;
  std::string norm = "none";
  uint64_t seed = 0;
};

inline ember::Tensor loss_of(const Task& task, const ember::Tensor& output, const ember::Tensor& target,
                             std::string_view reduction = "mean") {
  return task.classification() ? ember::F::cross_entropy(output, target, reduction)
                               : ember::F::mse_loss(output, target, reduction);
}

/// The training loss of one batch: against the targets, or the task's physics loss.
inline ember::Tensor batch_loss(const Task& task, ember::nn::Module& model, const ember::Tensor& x,
                                const ember::Tensor& y) {
  return task.physics_loss ? task.physics_loss(model, x) : loss_of(task, model(x), y);
}

/// Test loss, and accuracy (classification) or MSE (regression).
inline std::pair<double, double> evaluate(ember::nn::Module& model, const Task& task) {
  ember::NoGradGuard no_grad;
  model.eval();
  const ember::data::Dataset& test = task.data.test;
  const ember::Tensor out = model(test.inputs);
  const double n = static_cast<double>(test.size());
  const double loss = loss_of(task, out, test.targets, "sum").item() / n;
  if (!task.classification()) return {loss, loss};
  return {loss, (out.argmax(1) == test.targets).sum().item() / n};
}

/// Test metrics, layer health and learned parameters of the model as it is now.
inline EpochStats measure(ember::nn::Module& model, const Task& task, const MlpLayers& layers,
                          const ember::Tensor& probe) {
  EpochStats stats;
  std::tie(stats.test_loss, stats.test_metric) = evaluate(model, task);
  stats.layers = layer_health(model, layers, probe);
  stats.learned = learned_parameters(layers);
  return stats;
}

/// ‖∂L/∂W‖ per hidden layer of the untrained model: the mean over the first `batches`
/// training batches, each a forward and backward pass in training mode with no step — the
/// gradients epoch 1 starts from, on the same footing as the per-epoch means that follow.
/// What such a pass changes is put back — the random generator (dropout masks, RReLU's
/// slopes) and the buffers (BatchNorm's running statistics) — so the training that follows
/// is the one an unmeasured run would do.
inline std::vector<double> initial_gradient_norms(ember::nn::Module& model, const Task& task,
                                                  ember::data::DataLoader& loader, const MlpLayers& layers,
                                                  int64_t batches = 8) {
  const std::string generator = ember::default_generator().state();
  std::vector<std::pair<ember::Tensor, std::vector<float>>> buffers;
  for (auto& [name, b] : model.named_buffers()) buffers.emplace_back(b, b.to_vector());

  model.train();
  const int64_t n = std::min(batches, loader.size());
  std::vector<double> mean(layers.activation.size(), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const ember::data::Batch batch = loader.get(i);
    model.zero_grad();
    batch_loss(task, model, batch.inputs, batch.targets).backward();
    const std::vector<double> norms = gradient_norms(layers);
    for (size_t l = 0; l < norms.size(); ++l) mean[l] += norms[l] / static_cast<double>(n);
  }
  model.zero_grad();

  ember::default_generator().set_state(generator);
  for (auto& [b, values] : buffers) std::copy(values.begin(), values.end(), b.data());
  return mean;
}

/// Trains one model, measuring it as initialised (epoch 0) and after every
/// epoch; `on_epoch` sees the run so far after each measurement. A
/// non-finite loss ends the run (diverged). `o` gives the network (hidden
/// widths, --init, --dropout), the optimizer and the batch size.
inline Run train_one(const Task& task, const RunSpec& spec, const CompareOptions& o, bool keep_picture,
                     const std::function<void(const Run&)>& on_epoch) {
  using namespace ember;
  manual_seed(spec.seed);
  const data::Dataset& train = task.data.train;
  MlpLayers layers;
  auto model = make_mlp(train.num_features(), hidden_widths(o), spec.activation,
                        task.classification() ? train.num_classes : 1, o.init, layers,
                        HiddenBlock{.norm = spec.norm, .dropout = o.dropout});
  auto optimizer = make_optimizer(o.optimizer, model->parameters(), task.lr);
  // BatchNorm cannot normalise a batch of one: leave out such a last batch.
  const bool drop_last = spec.norm == "batch" && train.size() % o.batch_size == 1;
  data::DataLoader loader(train, o.batch_size, /*shuffle=*/true, spec.seed, drop_last);
  const Tensor probe = head(task.data.test, 512).inputs;

  Run run{spec.activation, spec.seed, {measure(*model, task, layers, probe)}, false, {}, spec.norm};
  run.epochs[0].train_loss = NAN;  // nothing trained yet
  const std::vector<double> initial = initial_gradient_norms(*model, task, loader, layers);
  for (size_t l = 0; l < initial.size(); ++l) run.epochs[0].layers[l].grad_norm = initial[l];
  on_epoch(run);
  for (int64_t epoch = 1; epoch <= task.epochs && !run.diverged && !interrupted(); ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    model->train();
    loader.set_epoch(epoch);
    double train_loss = 0;
    std::vector<double> grad_norms(layers.activation.size(), 0.0);
    for (auto [x, y] : loader) {
      Tensor loss = batch_loss(task, *model, x, y);
      optimizer->zero_grad();
      loss.backward();
      const double value = loss.item();
      if (!std::isfinite(value)) {
        run.diverged = true;
        break;
      }
      optimizer->step();
      train_loss += value / static_cast<double>(loader.size());
      const std::vector<double> norms = gradient_norms(layers);
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
  if (keep_picture && !run.diverged) run.picture = model_picture(*model, task);
  return run;
}

}  // namespace support
