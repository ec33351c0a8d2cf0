// Memory over long runs: a real training loop (MLP, Adam, shuffled batches)
// keeps its resident memory and its heap flat after warm-up, graphs that are
// built and dropped without a backward are freed, and the caches (the caching
// allocator, the oneDNN primitive cache) stop growing once every shape has
// been seen. A detector that no leak could fail proves nothing, so the suite
// also leaks on purpose — one tensor per step — and checks that the same
// measurement catches it.
//
// Heap bytes come from glibc's mallinfo2 (every arena, mmapped blocks
// included): exact, so a leak of a one-float tensor per step shows. Resident
// memory (/proc/self/statm) is what a user watches in `top`; it moves in
// pages, so its tolerance is wider. Under AddressSanitizer both numbers
// describe ASan's own allocator and quarantine, so those tests are skipped.
#include <ember.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/kernels/dnnl_context.h"
#include "core/node.h"

using namespace ember;

#if defined(__SANITIZE_ADDRESS__)
#define EMBER_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EMBER_TEST_ASAN 1
#endif
#endif

namespace {

constexpr int64_t kKiB = 1024, kMiB = 1024 * 1024;
// Growth allowed over the measured steps. A leak of one [1] tensor per step
// (a storage block plus TensorImpl and its control block: ≈ 250 bytes) over
// kLeakSteps is ≈ 250 KiB on the heap; a leak of one hidden activation
// ([32, 64] floats, 8 KiB) is ≈ 8 MiB resident.
constexpr int64_t kHeapTolerance = 64 * kKiB;
constexpr int64_t kRssTolerance = 4 * kMiB;
constexpr int kWarmupSteps = 200;
constexpr int kMeasuredSteps = 2500;
constexpr int kLeakSteps = 1000;  // enough for either injected leak to pass its tolerance twice over
constexpr int64_t kFeatures = 196;

struct MemoryUse {
  int64_t rss = 0;   // resident bytes
  int64_t heap = 0;  // bytes malloc has handed out and not got back
};

MemoryUse memory_now() {
  MemoryUse m;
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  m.rss = resident_pages * sysconf(_SC_PAGESIZE);
  struct mallinfo2 info = mallinfo2();
  m.heap = static_cast<int64_t>(info.uordblks + info.hblkhd);
  return m;
}

// A synthetic classification set shaped like 14×14 digits: 196 features, 10 classes.
data::Dataset synthetic_digits(int64_t n) {
  data::Dataset d;
  d.name = "synthetic digits";
  manual_seed(11);
  d.inputs = rand({n, kFeatures});
  std::vector<float> labels(n);
  for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<float>(i % 10);
  d.targets = tensor(labels, {n});
  d.num_classes = 10;
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  return d;
}

// An MLP 196-64-10 with dropout, Adam and a shuffling loader: what a user's loop does.
struct Training {
  Training()
      : model{std::make_shared<nn::Linear>(kFeatures, 64), std::make_shared<nn::ReLU>(),
              std::make_shared<nn::Dropout>(0.1f), std::make_shared<nn::Linear>(64, 10)},
        optimizer(model.parameters(), {.lr = 1e-3}),
        loader(synthetic_digits(512), 32, /*shuffle=*/true, /*seed=*/3) {}

  // Runs `steps` steps; each step appends what `leak` returns for it (if given) to `leaked`.
  void run(int steps, const std::function<Tensor(const Tensor& hidden, const Tensor& loss)>& leak = {}) {
    for (int s = 0; s < steps; ++s) {
      if (next_batch == loader.size()) {
        loader.set_epoch(loader.epoch() + 1);
        next_batch = 0;
      }
      data::Batch batch = loader.get(next_batch++);
      optimizer.zero_grad();
      Tensor hidden = model[0]->forward(batch.inputs);
      Tensor logits = model[3]->forward(model[2]->forward(model[1]->forward(hidden)));
      Tensor loss = F::cross_entropy(logits, batch.targets);
      loss.backward();
      optimizer.step();
      if (leak) leaked.push_back(leak(hidden, loss));
    }
  }

  nn::Sequential model;
  optim::Adam optimizer;
  data::DataLoader loader;
  int64_t next_batch = 0;
  std::vector<Tensor> leaked;
};

struct Growth {
  int64_t rss = 0, heap = 0;
};

// Memory after `steps` steps minus memory before them, the loop already warm.
Growth growth_over(Training& training, int steps,
                   const std::function<Tensor(const Tensor&, const Tensor&)>& leak = {}) {
  MemoryUse before = memory_now();
  training.run(steps, leak);
  MemoryUse after = memory_now();
  return {after.rss - before.rss, after.heap - before.heap};
}

}  // namespace

// The lead check of the suite: thousands of real steps, nothing grows.
TEST(Memory, TrainingLoopKeepsResidentMemoryAndHeapFlat) {
#ifdef EMBER_TEST_ASAN
  GTEST_SKIP() << "AddressSanitizer replaces malloc and keeps freed blocks in quarantine: "
                  "RSS and mallinfo2 measure ASan, not ember";
#else
  set_num_threads(1);  // OpenMP teams allocate per-thread state on first use; keep the measurement to one
  Training training;
  training.run(kWarmupSteps);
  const int64_t nodes = live_node_count();
  const size_t cached = detail::allocator_cached_bytes();
  const kernels::PrimitiveCacheStats primitives = kernels::primitive_cache_stats();

  Growth g = growth_over(training, kMeasuredSteps);

  EXPECT_LE(g.heap, kHeapTolerance) << "the heap grew by " << g.heap << " bytes over " << kMeasuredSteps
                                    << " steps (" << g.heap / kMeasuredSteps << " per step)";
  EXPECT_LE(g.rss, kRssTolerance) << "resident memory grew by " << g.rss / kKiB << " KiB over "
                                  << kMeasuredSteps << " steps";
  EXPECT_EQ(live_node_count(), nodes) << "graph nodes outlived their step";
  EXPECT_EQ(detail::allocator_cached_bytes(), cached) << "the caching allocator kept growing";
  EXPECT_EQ(kernels::primitive_cache_stats().entries, primitives.entries)
      << "the oneDNN primitive cache kept growing with shapes it had already seen";
  EXPECT_EQ(kernels::primitive_cache_stats().misses, primitives.misses);
  RecordProperty("heap_growth_bytes", std::to_string(g.heap));
  RecordProperty("rss_growth_bytes", std::to_string(g.rss));
#endif
}

// The same measurement with a leak injected: it must see it. One leaked
// one-float tensor per step shows on the heap; one leaked [32, 64]
// activation per step shows in resident memory.
TEST(Memory, MeasurementCatchesALeakOfOneTensorPerStep) {
#ifdef EMBER_TEST_ASAN
  GTEST_SKIP() << "AddressSanitizer replaces malloc and keeps freed blocks in quarantine: "
                  "RSS and mallinfo2 measure ASan, not ember";
#else
  set_num_threads(1);
  Training training;
  training.run(kWarmupSteps);
  Growth small = growth_over(training, kLeakSteps,
                             [](const Tensor&, const Tensor& loss) { return loss.detach().clone(); });
  EXPECT_GT(small.heap, kHeapTolerance) << "a leaked [1] tensor per step went unnoticed on the heap";
  training.leaked.clear();
  training.run(kWarmupSteps);  // the freed blocks are reused first
  Growth large = growth_over(training, kLeakSteps,
                             [](const Tensor& hidden, const Tensor&) { return hidden.detach().clone(); });
  EXPECT_GT(large.rss, kRssTolerance) << "a leaked [32, 64] tensor per step went unnoticed in RSS";
  EXPECT_GT(large.heap, kHeapTolerance);
  RecordProperty("leak_1_float_heap_growth_bytes", std::to_string(small.heap));
  RecordProperty("leak_32x64_rss_growth_bytes", std::to_string(large.rss));
#endif
}

// Forward passes whose graph is dropped without backward — an evaluation
// forgotten outside NoGradGuard, an exception halfway — free every node and
// give every buffer back.
TEST(Memory, GraphsDroppedWithoutBackwardAreFreed) {
  set_num_threads(1);
  manual_seed(2);
  nn::Sequential model{std::make_shared<nn::Linear>(20, 32), std::make_shared<nn::GELU>(),
                       std::make_shared<nn::PReLU>(), std::make_shared<nn::Linear>(32, 5),
                       std::make_shared<nn::Softmax>(1)};
  Tensor x = randn({16, 20}), wrong = randn({16, 7});
  const int64_t nodes = live_node_count();
  auto step = [&](int i) {
    Tensor y = model.forward(x);
    EXPECT_GT(live_node_count(), nodes) << "the forward pass recorded no graph";
    if (i % 3 == 1) {
      Tensor loss = y.sum();
      loss.backward({}, /*retain_graph=*/true);  // kept for a second backward that never comes
    }
    if (i % 3 == 2) {
      EXPECT_THROW(model.forward(x).matmul(wrong), Error);  // [16, 5] @ [16, 7]: fails after the forward
    }
  };
  for (int i = 0; i < 30; ++i) step(i);  // warm: the allocator and primitive caches fill
  for (auto& p : model.parameters()) p.set_grad({});
  const size_t cached = detail::allocator_cached_bytes();
  const int64_t primitives = kernels::primitive_cache_stats().entries;
#ifndef EMBER_TEST_ASAN
  const int64_t heap = memory_now().heap;
#endif
  for (int i = 0; i < 3000; ++i) {
    step(i);
    ASSERT_EQ(live_node_count(), nodes) << "iteration " << i << " left graph nodes alive";
  }
  for (auto& p : model.parameters()) p.set_grad({});
  EXPECT_EQ(detail::allocator_cached_bytes(), cached);
  EXPECT_EQ(kernels::primitive_cache_stats().entries, primitives);
#ifndef EMBER_TEST_ASAN
  EXPECT_LE(memory_now().heap - heap, kHeapTolerance);
#endif
}

// empty_allocator_cache returns the cached buffers to the system: a program
// that trained a large model and moves on can give the memory back.
TEST(Memory, EmptyingTheAllocatorCacheReturnsItsBytes) {
  detail::empty_allocator_cache();
  {
    Tensor big = zeros({1024, 1024});  // 4 MiB
    EXPECT_EQ(detail::allocator_cached_bytes(), 0u);
  }
  EXPECT_GE(detail::allocator_cached_bytes(), size_t{4 * kMiB});
  {
    Tensor again = zeros({1024, 1024});  // reuses the cached buffer
    EXPECT_EQ(detail::allocator_cached_bytes(), 0u);
  }
#ifndef EMBER_TEST_ASAN
  const int64_t heap = memory_now().heap;
  detail::empty_allocator_cache();
  EXPECT_EQ(detail::allocator_cached_bytes(), 0u);
  EXPECT_LE(memory_now().heap, heap - 4 * kMiB) << "the cached buffer was not freed";
#else
  detail::empty_allocator_cache();
  EXPECT_EQ(detail::allocator_cached_bytes(), 0u);
#endif
}
