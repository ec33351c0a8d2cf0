// Core overheads: what one tiny op costs with and without recording the graph,
// a tiny backward, elementwise loops across sizes (where threads start to pay
// off), and a STREAM-like copy as the machine's memory-bandwidth roofline.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include <ember.h>

#include "core/kernels/parallel.h"

using namespace ember;

static void BM_TinyAddNoGrad(benchmark::State& state) {
  Tensor a = ones({8}), b = ones({8});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
}
BENCHMARK(BM_TinyAddNoGrad);

static void BM_TinyAddRecording(benchmark::State& state) {
  Tensor a = ones({8}).requires_grad_(), b = ones({8});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
}
BENCHMARK(BM_TinyAddRecording);

static void BM_TinyMulSumBackward(benchmark::State& state) {
  Tensor a = ones({8}).requires_grad_();
  for (auto _ : state) {
    (a * a).sum().backward();
    a.set_grad({});
  }
}
BENCHMARK(BM_TinyMulSumBackward);

static void BM_AddSameShape(benchmark::State& state) {
  int64_t n = state.range(0);
  Tensor a = ones({n}), b = ones({n});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
  state.SetBytesProcessed(state.iterations() * n * 3 * sizeof(float));
}
BENCHMARK(BM_AddSameShape)->RangeMultiplier(4)->Range(1 << 10, 1 << 24)->UseRealTime();

static void BM_ExpSize(benchmark::State& state) {
  int64_t n = state.range(0);
  Tensor a = ones({n});
  for (auto _ : state) benchmark::DoNotOptimize(a.exp());
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ExpSize)->RangeMultiplier(2)->Range(1 << 12, 1 << 18)->UseRealTime();

// The roofline: copying 16M floats between two buffers that already exist.
static void BM_StreamCopy(benchmark::State& state) {
  int64_t n = state.range(0);
  std::vector<float> src(n, 1.0f), dst(n, 0.0f);
  for (auto _ : state) {
    kernels::parallel_for(
        n, [&](int64_t b, int64_t e) { std::memcpy(dst.data() + b, src.data() + b, (e - b) * 4); });
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 2 * sizeof(float));
}
BENCHMARK(BM_StreamCopy)->Arg(1 << 24)->UseRealTime();
