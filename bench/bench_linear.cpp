// nn::Linear at the shapes of the 784-256-256-10 MLP, batches of 32, 128 and
// 512, on 1 and 2 threads:
//   linear_fwd/<in>x<out>/batch:<b>/threads:<t>     inference (NoGradGuard)
//   linear_fwdbwd/<in>x<out>/batch:<b>/threads:<t>  forward, then backward from
//       a ready-made dy: dweight, dbias, and dx except for 784x256, whose input
//       is the data (in the MLP nothing asks for its gradient)
// Items are samples (rows); FLOP/s counts the multiply-adds as two flops:
// 2·b·in·out for the forward, as much again for dweight and for dx.
#include <benchmark/benchmark.h>

#include <string>

#include <ember.h>

using namespace ember;

namespace {

struct LayerShape {
  int64_t in, out;
  bool input_needs_grad;  // false for the first layer: its input is the data
};
constexpr LayerShape kShapes[] = {{784, 256, false}, {256, 256, true}, {256, 10, true}};

void set_flops(benchmark::State& state, double flops_per_step) {
  state.counters["FLOP/s"] =
      benchmark::Counter(flops_per_step, benchmark::Counter::kIsIterationInvariantRate);
}

void forward(benchmark::State& state, LayerShape s) {
  const int64_t batch = state.range(0);
  set_num_threads(static_cast<int>(state.range(1)));
  manual_seed(0);
  nn::Linear layer(s.in, s.out);
  Tensor x = randn({batch, s.in});
  NoGradGuard no_grad;
  for (auto _ : state) {
    Tensor y = layer(x);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  set_flops(state, 2.0 * batch * s.in * s.out);
}

void forward_backward(benchmark::State& state, LayerShape s) {
  const int64_t batch = state.range(0);
  set_num_threads(static_cast<int>(state.range(1)));
  manual_seed(0);
  nn::Linear layer(s.in, s.out);
  Tensor x = randn({batch, s.in}).requires_grad_(s.input_needs_grad);
  Tensor dy = ones({batch, s.out});
  for (auto _ : state) {
    layer(x).backward(dy);
    layer.zero_grad();  // set to none: each backward writes fresh gradients, as in training
    if (s.input_needs_grad) x.set_grad({});
  }
  state.SetItemsProcessed(state.iterations() * batch);
  set_flops(state, (s.input_needs_grad ? 6.0 : 4.0) * batch * s.in * s.out);
}

struct Kind {
  const char* prefix;
  void (*body)(benchmark::State&, LayerShape);
};

[[maybe_unused]] const bool registered = [] {
  for (const LayerShape& s : kShapes) {
    const std::string shape = std::to_string(s.in) + "x" + std::to_string(s.out);
    for (auto [kind, body] : {Kind{"linear_fwd/", forward}, Kind{"linear_fwdbwd/", forward_backward}}) {
      auto* b = benchmark::RegisterBenchmark((kind + shape).c_str(), body, s);
      b->ArgNames({"batch", "threads"})->UseRealTime();
      for (int64_t threads : {1, 2})
        for (int64_t batch : {32, 128, 512}) b->Args({batch, threads});
    }
  }
  return true;
}();

}  // namespace
