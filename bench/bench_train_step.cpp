// One full training step of the README's MLP, 784-256-256-10 with ReLU:
// forward, cross_entropy, backward, optimizer step, zero_grad — at batches of
// 32, 128 and 512, with SGD (lr 0.01, momentum 0.9) and Adam (lr 1e-3), on 1
// and 2 threads. items_per_second is samples per second, the number the issue
// compares with PyTorch and dlib.
//
// The batch is fixed random data (Fashion-MNIST's shape, 10 classes): loading
// and shuffling are left out, bench/peer_mlp_ember.cpp measures those with
// the real data.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include <ember.h>

using namespace ember;

namespace {

std::shared_ptr<nn::Sequential> mlp() {
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(784, 256));
  model->push_back(std::make_shared<nn::ReLU>());
  model->push_back(std::make_shared<nn::Linear>(256, 256));
  model->push_back(std::make_shared<nn::ReLU>());
  model->push_back(std::make_shared<nn::Linear>(256, 10));
  return model;
}

std::unique_ptr<optim::Optimizer> optimizer(const std::string& name, std::vector<Tensor> params) {
  if (name == "sgd")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = 0.01f, .momentum = 0.9f});
  return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = 1e-3f});
}

void train_step(benchmark::State& state, const std::string& optimizer_name) {
  const int64_t batch = state.range(0);
  set_num_threads(static_cast<int>(state.range(1)));
  manual_seed(0);
  auto model = mlp();
  auto opt = optimizer(optimizer_name, model->parameters());
  Tensor x = randn({batch, 784});
  std::vector<float> labels(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) labels[i] = static_cast<float>(i % 10);
  Tensor y = tensor(labels, {batch});

  for (auto _ : state) {
    Tensor loss = F::cross_entropy((*model)(x), y);
    loss.backward();
    opt->step();
    opt->zero_grad();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

[[maybe_unused]] const bool registered = [] {
  for (std::string name : {"sgd", "adam"}) {
    auto* b =
        benchmark::RegisterBenchmark(("train_step/mlp_784_256_256_10/" + name).c_str(), train_step, name);
    b->ArgNames({"batch", "threads"})->UseRealTime();
    for (int64_t threads : {1, 2})
      for (int64_t batch : {32, 128, 512}) b->Args({batch, threads});
  }
  return true;
}();

}  // namespace
