// The ember half of bench/compare_pytorch.py: runs the named workloads and
// prints one JSON line per workload with its median time per call. The
// PyTorch half (bench/compare_torch.py) runs the same workloads with the same
// shapes and thread counts; the driver alternates the two and prints ratios.
//   compare_ember --threads 1 [--filter act_fwd/] [--samples 15]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <ember.h>

#include "core/kernels/parallel.h"

using namespace ember;
using Clock = std::chrono::steady_clock;

namespace {

using Workload = std::function<void()>;  // one call of the measured thing

// Median seconds per call: calls are batched so that one sample lasts >= 2 ms.
double median_seconds(const Workload& run, int samples) {
  for (int i = 0; i < 3; ++i) run();  // warm caches, primitives, the allocator
  int batch = 1;
  for (;;) {
    auto t0 = Clock::now();
    for (int i = 0; i < batch; ++i) run();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s >= 2e-3 || batch >= (1 << 20)) break;
    batch *= 2;
  }
  std::vector<double> times;
  for (int k = 0; k < samples; ++k) {
    auto t0 = Clock::now();
    for (int i = 0; i < batch; ++i) run();
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / batch);
  }
  std::nth_element(times.begin(), times.begin() + samples / 2, times.end());
  return times[samples / 2];
}

using Activation = std::function<Tensor(const Tensor&)>;
const std::vector<std::pair<std::string, Activation>>& activations() {
  static const std::vector<std::pair<std::string, Activation>> list = {
      {"relu", [](const Tensor& x) { return F::relu(x); }},
      {"leaky_relu", [](const Tensor& x) { return F::leaky_relu(x, 0.01f); }},
      {"relu6", [](const Tensor& x) { return F::relu6(x); }},
      {"hardtanh", [](const Tensor& x) { return F::hardtanh(x); }},
      {"elu", [](const Tensor& x) { return F::elu(x); }},
      {"selu", [](const Tensor& x) { return F::selu(x); }},
      {"celu", [](const Tensor& x) { return F::celu(x); }},
      {"sigmoid", [](const Tensor& x) { return F::sigmoid(x); }},
      {"tanh", [](const Tensor& x) { return F::tanh(x); }},
      {"logsigmoid", [](const Tensor& x) { return F::logsigmoid(x); }},
      {"silu", [](const Tensor& x) { return F::silu(x); }},
      {"mish", [](const Tensor& x) { return F::mish(x); }},
      {"hardswish", [](const Tensor& x) { return F::hardswish(x); }},
      {"hardsigmoid", [](const Tensor& x) { return F::hardsigmoid(x); }},
      {"gelu", [](const Tensor& x) { return F::gelu(x); }},
      {"gelu_tanh", [](const Tensor& x) { return F::gelu(x, "tanh"); }},
      {"softplus", [](const Tensor& x) { return F::softplus(x); }},
      {"softsign", [](const Tensor& x) { return F::softsign(x); }},
      {"tanhshrink", [](const Tensor& x) { return F::tanhshrink(x); }},
      {"hardshrink", [](const Tensor& x) { return F::hardshrink(x); }},
      {"softshrink", [](const Tensor& x) { return F::softshrink(x); }},
      {"threshold", [](const Tensor& x) { return F::threshold(x, 0.1f, 20.0f); }},
      {"rrelu_eval", [](const Tensor& x) { return F::rrelu(x); }},
  };
  return list;
}

struct Mlp {
  nn::Sequential model;
  Tensor x, y;
  std::unique_ptr<optim::Optimizer> opt;
  Mlp(int64_t batch, const std::string& optimizer, const std::vector<int64_t>& sizes) {
    for (size_t i = 0; i + 1 < sizes.size(); ++i) {
      model.push_back(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1]));
      if (i + 2 < sizes.size()) model.push_back(std::make_shared<nn::ReLU>());
    }
    x = randn({batch, sizes.front()});
    y = tensor(std::vector<float>(batch, 1.0f), {batch});
    if (optimizer == "sgd")
      opt =
          std::make_unique<optim::SGD>(model.parameters(), optim::SGDOptions{.lr = 0.01f, .momentum = 0.9f});
    else
      opt = std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{.lr = 1e-3f});
  }
  void step() {
    opt->zero_grad();
    F::cross_entropy(model(x), y).backward();
    opt->step();
  }
};

std::map<std::string, Workload> workloads() {
  std::map<std::string, Workload> w;
  for (int64_t n : {int64_t{4096}, int64_t{262144}, int64_t{16777216}}) {
    std::string size = n == 4096 ? "4K" : n == 262144 ? "256K" : "16M";
    Tensor x = randn({n}) * 3.0f;
    Tensor xg = x.detach().requires_grad_();
    for (const auto& [name, act] : activations()) {
      w["act_fwd/" + name + "/" + size] = [x, act] { act(x); };
      w["act_fwdbwd/" + name + "/" + size] = [xg, act]() mutable {
        act(xg).sum().backward();
        xg.set_grad({});
      };
    }
  }
  Tensor logits = randn({512, 1000});
  w["softmax/512x1000"] = [logits] { F::softmax(logits, 1); };
  w["log_softmax/512x1000"] = [logits] { F::log_softmax(logits, 1); };
  // The roofline: copying 16M floats between buffers that exist already
  // (memcpy in one chunk per thread, as bench_core's BM_StreamCopy).
  auto src = std::make_shared<std::vector<float>>(1 << 24, 1.0f);
  auto dst = std::make_shared<std::vector<float>>(1 << 24, 0.0f);
  w["roofline/copy/16M"] = [src, dst] {
    kernels::parallel_for(static_cast<int64_t>(src->size()), [&](int64_t b, int64_t e) {
      std::memcpy(dst->data() + b, src->data() + b, (e - b) * sizeof(float));
    });
  };
  Tensor a8 = ones({8}), b8 = ones({8}), a8g = ones({8}).requires_grad_();
  w["tiny/add_nograd"] = [a8, b8] { a8 + b8; };
  w["tiny/add_recording"] = [a8g, b8] { a8g + b8; };
  w["tiny/relu_nograd"] = [a8] { F::relu(a8); };
  w["tiny/relu_sum_backward"] = [a8g]() mutable {
    F::relu(a8g).sum().backward();
    a8g.set_grad({});
  };
  auto tiny = std::make_shared<Mlp>(1, "sgd", std::vector<int64_t>{4, 16, 3});
  tiny->y = zeros({1});
  w["tiny/mlp_4_16_3_step"] = [tiny] { tiny->step(); };
  for (int64_t batch : {32, 128, 512}) {
    auto x = randn({batch, 784}).requires_grad_();
    nn::Linear lin(784, 256);
    w["linear_fwdbwd/784x256/b" + std::to_string(batch)] = [x, lin]() mutable { lin(x).sum().backward(); };
    for (std::string opt : {"sgd", "adam"}) {
      auto mlp = std::make_shared<Mlp>(batch, opt, std::vector<int64_t>{784, 256, 256, 10});
      w["mlp_step/" + opt + "/b" + std::to_string(batch)] = [mlp] { mlp->step(); };
    }
  }
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, samples = 15;
  std::string filter;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--filter")) filter = argv[i + 1];
    if (!std::strcmp(argv[i], "--samples")) samples = std::atoi(argv[i + 1]);
  }
  set_num_threads(threads);
  manual_seed(0);
  for (const auto& [name, run] : workloads()) {
    if (name.find(filter) == std::string::npos) continue;
    std::printf("{\"name\": \"%s\", \"threads\": %d, \"seconds\": %.9g}\n", name.c_str(), threads,
                median_seconds(run, samples));
    std::fflush(stdout);
  }
}
