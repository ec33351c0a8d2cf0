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

#include <string>

#include <ember.h>

#include "activation_cases.h"
#include "fixed_team.h"

using namespace ember;
using namespace ember::bench;

namespace {

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
  for (auto _ : state) forward_backward_step(c, x, w, dy);
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
