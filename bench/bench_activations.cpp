// Every activation's forward, and forward + backward, at 4K, 256K and 16M
// elements on 1 and 2 threads. Names read act_fwd/<op>/n:<elements>/threads:<t>
// (act_fwdbwd/… for forward + backward), so --benchmark_filter=gelu picks one
// activation and --benchmark_filter=n:16777216 one size.
//
// Counters: items are elements; bytes are the minimum memory traffic — the
// forward reads x and writes y (2 floats per element), the backward then reads
// what it saved (x or y) and dy and writes dx (3 more). Google Benchmark
// prints them as rates, so a large size can be held against bench_core's
// BM_StreamCopy, the machine's bandwidth roofline.
//
// The backward is seeded with a ready-made dy of ones (not .sum().backward()),
// so the measured work is the activation's own and not a reduction's.
#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <ember.h>

using namespace ember;

namespace {

// An activation of x and, for prelu and the learnable swish, of a weight (undefined otherwise).
using Activation = std::function<Tensor(const Tensor& x, const Tensor& weight)>;

// Softmax-like ops and glu work on rows: the n elements are shaped [n / 1024, 1024].
constexpr int64_t kRowLength = 1024;
// prelu with one slope per channel: [n / 256, 256] with a weight of 256 slopes.
constexpr int64_t kChannels = 256;

struct Case {
  std::string name;
  Activation run;
  int64_t row_length = 0;   // 0: a flat tensor of n elements
  Shape weight_shape = {};  // empty: no weight
  float weight_value = 0;
};

// For the activations of x alone.
Activation of_x(Tensor (*f)(const Tensor&)) {
  return [f](const Tensor& x, const Tensor&) { return f(x); };
}

// The list of bench/compare_ember.cpp, then the ops that need a shape or a weight.
std::vector<Case> cases() {
  using T = const Tensor&;
  return {
      {"relu", of_x(F::relu)},
      {"leaky_relu", [](T x, T) { return F::leaky_relu(x, 0.01f); }},
      {"relu6", of_x(F::relu6)},
      {"hardtanh", [](T x, T) { return F::hardtanh(x); }},
      {"elu", [](T x, T) { return F::elu(x); }},
      {"selu", of_x(F::selu)},
      {"celu", [](T x, T) { return F::celu(x); }},
      {"sigmoid", of_x(F::sigmoid)},
      {"tanh", of_x(F::tanh)},
      {"logsigmoid", of_x(F::logsigmoid)},
      {"silu", of_x(F::silu)},
      {"mish", of_x(F::mish)},
      {"hardswish", of_x(F::hardswish)},
      {"hardsigmoid", [](const Tensor& x, const Tensor&) { return F::hardsigmoid(x); }},
      {"gelu", [](T x, T) { return F::gelu(x); }},
      {"gelu_tanh", [](T x, T) { return F::gelu(x, "tanh"); }},
      {"softplus", [](T x, T) { return F::softplus(x); }},
      {"softsign", of_x(F::softsign)},
      {"tanhshrink", of_x(F::tanhshrink)},
      {"hardshrink", [](T x, T) { return F::hardshrink(x); }},
      {"softshrink", [](T x, T) { return F::softshrink(x); }},
      {"threshold", [](T x, T) { return F::threshold(x, 0.1f, 20.0f); }},
      {"rrelu_eval", [](T x, T) { return F::rrelu(x); }},
      {"rrelu_train", [](T x, T) { return F::rrelu(x, 1.0f / 8, 1.0f / 3, /*training=*/true); }},
      {"softmax", [](T x, T) { return F::softmax(x, 1); }, kRowLength},
      {"log_softmax", [](T x, T) { return F::log_softmax(x, 1); }, kRowLength},
      {"softmin", [](T x, T) { return F::softmin(x, 1); }, kRowLength},
      {"glu", [](T x, T) { return F::glu(x, 1); }, kRowLength},
      {"prelu_shared", [](T x, T w) { return F::prelu(x, w); }, 0, {1}, 0.25f},
      {"prelu_channels", [](T x, T w) { return F::prelu(x, w); }, kChannels, {kChannels}, 0.25f},
      {"swish_learnable", [](T x, T w) { return F::swish(x, w); }, 0, {1}, 1.0f},
  };
}

Tensor input(int64_t n, int64_t row_length) {
  manual_seed(0);
  Tensor x = randn({n}) * 3.0f;  // a spread that reaches every branch of every activation
  return row_length ? x.reshape({n / row_length, row_length}) : x;
}

Tensor weight(const Case& c, bool requires_grad) {
  return c.weight_shape.empty() ? Tensor()
                                : full(c.weight_shape, c.weight_value).requires_grad_(requires_grad);
}

void forward(benchmark::State& state, const Case& c) {
  const int64_t n = state.range(0);
  set_num_threads(static_cast<int>(state.range(1)));
  Tensor x = input(n, c.row_length), w = weight(c, false);  // nothing recorded
  for (auto _ : state) {
    Tensor y = c.run(x, w);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 2 * static_cast<int64_t>(sizeof(float)));
}

void forward_backward(benchmark::State& state, const Case& c) {
  const int64_t n = state.range(0);
  set_num_threads(static_cast<int>(state.range(1)));
  Tensor x = input(n, c.row_length).detach().requires_grad_(), w = weight(c, true);
  Tensor dy = ones(c.run(x, w).shape());  // glu's output is half its input
  for (auto _ : state) {
    c.run(x, w).backward(dy);
    x.set_grad({});  // as zero_grad() does: the next backward writes, it does not add
    if (w.defined()) w.set_grad({});
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 5 * static_cast<int64_t>(sizeof(float)));
}

void apply_sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "threads"});
  for (int64_t threads : {1, 2})
    for (int64_t n : {int64_t{4096}, int64_t{262144}, int64_t{16777216}}) b->Args({n, threads});
  b->UseRealTime();  // with 2 threads CPU time counts both; wall time is what a user waits
}

[[maybe_unused]] const bool registered = [] {
  for (const Case& c : cases()) {
    apply_sizes(benchmark::RegisterBenchmark(("act_fwd/" + c.name).c_str(), forward, c));
    apply_sizes(benchmark::RegisterBenchmark(("act_fwdbwd/" + c.name).c_str(), forward_backward, c));
  }
  return true;
}();

}  // namespace
