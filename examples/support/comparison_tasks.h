// The tasks of an activation comparison by name: a toy task (drawn from
// --seed, its test set from another seed), a Fashion-MNIST subset, or the
// physics-informed Poisson problem of examples/pinn.cpp, each with its recipe —
// epochs, learning rate and the target counted as reached — unless the options
// override it. Nothing here trains.
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

/// The Poisson problem u″ = −π² sin(πx) on [−1, 1], u(±1) = 0 as a task: --toy-samples
/// collocation points drawn uniformly from --seed (the targets hold the exact solution sin πx,
/// which training never reads) and a test set of as many evenly spaced points with sin πx,
/// for the test MSE. The loss of a batch is examples/pinn.cpp's: mean(residual²) at its
/// points + mean(u(±1)²), u″ by autograd::grad with create_graph (see docs/pinn.md).
inline Task make_poisson_task(const CompareOptions& o) {
  using namespace ember;
  constexpr float pi = 3.14159265358979f;
  Task t{"poisson", {}, 60, o.optimizer == "sgd" ? 0.01f : 0.003f, 1e-4, {}};
  manual_seed(o.seed);
  Tensor train_x = rand({o.toy_samples, 1}) * 2.0f - 1.0f;
  Tensor test_x = linspace(-1, 1, o.toy_samples).reshape({o.toy_samples, 1});
  t.data.train = {"poisson collocation points", train_x, sin(pi * train_x), {}};
  t.data.test = {"poisson grid", test_x, sin(pi * test_x), {}};
  t.physics_loss = [](nn::Module& model, const Tensor& batch) {
    Tensor x = batch.detach().requires_grad_();
    auto d_dx = [&](const Tensor& y) {  // 0 where y's graph does not reach x (ReLU's u′)
      Tensor g = autograd::grad({y}, {x}, {ones_like(y)}, std::nullopt, true, /*allow_unused=*/true)[0];
      return g.defined() ? g : zeros_like(x);
    };
    Tensor u = model(x);
    Tensor r = d_dx(d_dx(u)) + pi * pi * sin(pi * x);
    Tensor ub = model(tensor({-1.0f, 1.0f}, {2, 1}));
    return (r * r).mean() + (ub * ub).mean();
  };
  return t;
}

/// A task's data and its recipe: epochs, learning rate and target. The toy
/// test set is drawn from the same distribution with another seed.
inline Task make_task(const std::string& name, const CompareOptions& o) {
  namespace data = ember::data;
  Task t{name, {}, 60, o.optimizer == "sgd" ? 0.1f : 0.01f, 0.95, {}};
  if (name == "poisson") {
    t = make_poisson_task(o);
  } else if (name == "fashion") {
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
