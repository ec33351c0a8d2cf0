// One full training step of the README's MLP, 784-256-256-10 with ReLU:
// forward, cross_entropy, backward, optimizer step, zero_grad — at batches of
// 32, 128 and 512, with SGD (lr 0.01, momentum 0.9) and Adam (lr 1e-3), on 1
// and 2 threads. items_per_second is samples per second, the number the issue
// compares with PyTorch and dlib.
//
// The batch is fixed random data (Fashion-MNIST's shape, 10 classes): loading
// and shuffling are left out, bench/peer_mlp_ember.cpp measures those with
// the real data.
//
// floor/… is what the machine allows for the same step: its eight matrix
// products through oneDNN's sgemm (three forward, three weight gradients, two
// input gradients) and one Adam loop over all 269,322 parameters, with plain
// OpenMP. floor time / train_step time is the fraction of the machine ember
// reaches (bench/floor_fraction.py prints it).
//
// --background_load runs everything beside one busy process (bench/background_load.h).
#include <benchmark/benchmark.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <cmath>

#include <memory>
#include <string>
#include <vector>

#include <ember.h>

#include "background_load.h"
#include "fixed_team.h"

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

// C[m, n] = op(A) · op(B), row-major, as ember's gemm calls sgemm.
void sgemm(const std::vector<float>& a, bool a_t, const std::vector<float>& b, bool b_t,
           std::vector<float>& c, int64_t m, int64_t k, int64_t n) {
  dnnl_sgemm(a_t ? 'T' : 'N', b_t ? 'T' : 'N', m, n, k, 1.0f, a.data(), a_t ? m : k, b.data(), b_t ? k : n,
             0.0f, c.data(), n);
}

// The Adam update of ember and PyTorch over one flat array, fused and split
// evenly over the threads.
void adam_loop(std::vector<float>& p, const std::vector<float>& g, std::vector<float>& m,
               std::vector<float>& v) {
  const int64_t n = static_cast<int64_t>(p.size());
  float* __restrict pp = p.data();
  const float* __restrict gp = g.data();
  float* __restrict mp = m.data();
  float* __restrict vp = v.data();
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < n; ++j) {
    mp[j] = mp[j] * 0.9f + 0.1f * gp[j];
    vp[j] = vp[j] * 0.999f + 0.001f * gp[j] * gp[j];
    pp[j] = pp[j] - 1e-3f * mp[j] / (std::sqrt(vp[j]) / 0.99f + 1e-8f);
  }
}

void floor_step(benchmark::State& state) {
  const int64_t batch = state.range(0);
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const int64_t sizes[] = {784, 256, 256, 10};
  auto filled = [](int64_t n) { return std::vector<float>(static_cast<size_t>(n), 0.01f); };
  std::vector<std::vector<float>> w, dw, act,
      grad;  // per layer l: W[out, in], x_l[batch, in], dy_l[batch, out]
  for (int l = 0; l < 3; ++l) {
    w.push_back(filled(sizes[l + 1] * sizes[l]));
    dw.push_back(filled(sizes[l + 1] * sizes[l]));
    act.push_back(filled(batch * sizes[l]));
    grad.push_back(filled(batch * sizes[l + 1]));
  }
  std::vector<float> out = filled(batch * 10), params = filled(269322), g = filled(269322),
                     m = filled(269322), v = filled(269322);
  for (auto _ : state) {
    for (int l = 0; l < 3; ++l)  // forward: y_l = x_l · W_lᵀ
      sgemm(act[l], false, w[l], true, l < 2 ? act[l + 1] : out, batch, sizes[l], sizes[l + 1]);
    for (int l = 2; l >= 0; --l) {
      sgemm(grad[l], true, act[l], false, dw[l], sizes[l + 1], batch, sizes[l]);  // dW_l = dy_lᵀ · x_l
      if (l > 0) sgemm(grad[l], false, w[l], false, grad[l - 1], batch, sizes[l + 1], sizes[l]);  // dx_l
    }
    adam_loop(params, g, m, v);
    benchmark::ClobberMemory();
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
  auto* floor = benchmark::RegisterBenchmark("floor/mlp_784_256_256_10/sgemm_adam", floor_step);
  floor->ArgNames({"batch", "threads"})->UseRealTime();
  for (int64_t threads : {1, 2})
    for (int64_t batch : {32, 128, 512}) floor->Args({batch, threads});
  return true;
}();

}  // namespace

int main(int argc, char** argv) {
  const bool loaded = BackgroundLoad::take_flag(argc, argv, "--background_load");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("background_load", loaded ? "one busy process" : "none");
  BackgroundLoad load(loaded);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
