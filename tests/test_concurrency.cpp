// ember from several std::threads at once: inference on one shared model
// (NoGradGuard, eval) gives, bit for bit, what sequential calls give;
// separate models trained on separate threads end where each would end
// alone; tensors made on one thread and freed on another go back to the
// caching allocator safely. scripts/tsan.sh runs this suite under
// ThreadSanitizer.
//
// What is shared between threads, and why it is safe: the caching allocator
// (a mutex), the oneDNN engine (oneDNN allows it), the random generator (a
// mutex — but concurrent draws interleave in schedule order, so nothing here
// draws random numbers on two threads at once). Thread-local: grad mode, the
// oneDNN stream and primitive cache, the OpenMP thread count.
//
// Under ThreadSanitizer every thread keeps its OpenMP team at one thread:
// libgomp and libdnnl are not instrumented, and a team forked inside them
// would be invisible to TSan or reported falsely. The normal build also runs
// the cases with two OpenMP threads per std::thread.
#include <ember.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/node.h"

using namespace ember;

#if defined(__SANITIZE_THREAD__)
#define EMBER_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EMBER_TEST_TSAN 1
#endif
#endif

namespace {

#ifdef EMBER_TEST_TSAN
constexpr int kThreads = 4, kRounds = 3;
const std::vector<int> kOpenMPThreads = {1};
#else
constexpr int kThreads = 4, kRounds = 5;
const std::vector<int> kOpenMPThreads = {1, 2};
#endif

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

// Linear, PReLU (per channel), GELU, Bilinear, Tanh, Softmax: the primitives
// and loops of a typical MLP, each with its own cache entries.
class Net : public nn::Module {
 public:
  Net() {
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(24, 48));
    prelu = register_module("prelu", std::make_shared<nn::PReLU>(48));
    gelu = register_module("gelu", std::make_shared<nn::GELU>());
    bil = register_module("bil", std::make_shared<nn::Bilinear>(48, 48, 16));
    tanh = register_module("tanh", std::make_shared<nn::Tanh>());
    fc2 = register_module("fc2", std::make_shared<nn::Linear>(16, 10));
    softmax = register_module("softmax", std::make_shared<nn::Softmax>(1));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = (*gelu)((*prelu)((*fc1)(x)));
    return (*softmax)((*fc2)((*tanh)((*bil)(h, h))));
  }
  std::string name() const override { return "Net"; }
  std::shared_ptr<nn::Linear> fc1, fc2;
  std::shared_ptr<nn::PReLU> prelu;
  std::shared_ptr<nn::GELU> gelu;
  std::shared_ptr<nn::Bilinear> bil;
  std::shared_ptr<nn::Tanh> tanh;
  std::shared_ptr<nn::Softmax> softmax;
};

// Runs body(t) on `n` threads at once (released together) and joins them.
template <class Body>
void on_threads(int n, Body body) {
  std::atomic<int> waiting{n};
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t)
    threads.emplace_back([&, t] {
      --waiting;
      while (waiting.load() > 0) std::this_thread::yield();
      body(t);
    });
  for (auto& thread : threads) thread.join();
}

}  // namespace

// One model, eval mode, several threads calling it at once on batches of
// several sizes (several primitive-cache keys per thread): every output is
// bit for bit the sequential one, and no graph is recorded.
TEST(Concurrency, SharedModelInferenceMatchesSequentialBitwise) {
  manual_seed(17);
  Net model;
  model.eval();
  std::vector<Tensor> inputs;
  for (int64_t batch : {1, 7, 64, 300}) inputs.push_back(randn({batch, 24}));
  const auto parameters_before = model.parameters();
  std::vector<std::vector<float>> weights_before;
  for (auto& p : parameters_before) weights_before.push_back(p.to_vector());

  for (int omp : kOpenMPThreads) {
    SCOPED_TRACE("OpenMP threads per std::thread: " + std::to_string(omp));
    set_num_threads(omp);
    std::vector<Tensor> expected;
    {
      NoGradGuard no_grad;
      for (auto& x : inputs) expected.push_back(model(x));
    }
    const int64_t nodes = live_node_count();
    std::vector<std::string> mismatches(kThreads);
    on_threads(kThreads, [&](int t) {
      set_num_threads(omp);  // the OpenMP thread count is per thread
      NoGradGuard no_grad;   // so is grad mode
      for (int round = 0; round < kRounds; ++round)
        for (size_t i = 0; i < inputs.size(); ++i) {
          size_t k = (i + t) % inputs.size();  // threads start on different shapes
          Tensor y = model(inputs[k]);
          if (!bitwise_equal(y, expected[k]) && mismatches[t].empty())
            mismatches[t] =
                "round " + std::to_string(round) + ", batch of " + std::to_string(inputs[k].size(0));
          if (y.grad_fn() || y.requires_grad()) mismatches[t] = "a graph was recorded under NoGradGuard";
        }
    });
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], "") << "thread " << t;
    EXPECT_EQ(live_node_count(), nodes);
  }
  for (size_t i = 0; i < parameters_before.size(); ++i)
    EXPECT_EQ(parameters_before[i].to_vector(), weights_before[i]) << "inference changed a parameter";
}

// Separate models trained at once on separate threads (Adam, cross-entropy,
// a backward pass through every layer) end with the weights each reaches when
// trained alone. Their initial weights are drawn beforehand: the generator is
// shared, and draws from several threads would interleave.
TEST(Concurrency, IndependentTrainingOnSeparateThreadsMatchesSequential) {
  constexpr int kSteps = 15;
  struct Job {
    std::shared_ptr<Net> model;
    std::vector<Tensor> initial;
    Tensor x, target;
  };
  std::vector<Job> jobs(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    manual_seed(100 + t);
    jobs[t].model = std::make_shared<Net>();
    for (auto& p : jobs[t].model->parameters()) jobs[t].initial.push_back(p.detach().clone());
    jobs[t].x = randn({32 + 8 * t, 24});
    std::vector<float> labels;
    for (int64_t i = 0; i < jobs[t].x.size(0); ++i) labels.push_back(static_cast<float>((i * 7 + t) % 10));
    jobs[t].target = tensor(labels, {jobs[t].x.size(0)});
  }
  auto train = [&](Job& job) {
    {
      NoGradGuard no_grad;
      auto params = job.model->parameters();
      for (size_t i = 0; i < params.size(); ++i) params[i].copy_(job.initial[i]);
    }
    optim::Adam optimizer(job.model->parameters(), {.lr = 1e-2});
    for (int s = 0; s < kSteps; ++s) {
      optimizer.zero_grad();
      // The model ends in softmax; log of it + nll is cross-entropy through every layer.
      Tensor loss = F::nll_loss(job.model->forward(job.x).log(), job.target);
      loss.backward();
      optimizer.step();
    }
    std::vector<Tensor> out;
    for (auto& p : job.model->parameters()) out.push_back(p.detach().clone());
    return out;
  };

  for (int omp : kOpenMPThreads) {
    SCOPED_TRACE("OpenMP threads per std::thread: " + std::to_string(omp));
    set_num_threads(omp);
    std::vector<std::vector<Tensor>> alone;
    for (auto& job : jobs) alone.push_back(train(job));
    std::vector<std::vector<Tensor>> together(kThreads);
    on_threads(kThreads, [&](int t) {
      set_num_threads(omp);
      together[t] = train(jobs[t]);
    });
    for (int t = 0; t < kThreads; ++t) {
      ASSERT_EQ(together[t].size(), alone[t].size());
      for (size_t i = 0; i < alone[t].size(); ++i)
        EXPECT_TRUE(bitwise_equal(together[t][i], alone[t][i])) << "thread " << t << ", parameter " << i;
      EXPECT_FALSE(bitwise_equal(alone[t][0], jobs[t].initial[0])) << "training did not move the weights";
    }
  }
}

// Buffers made on one thread and released on another, sizes that collide in
// the allocator's free lists, and the cache emptied while other threads
// allocate: every tensor keeps its own values.
TEST(Concurrency, CachingAllocatorAcrossThreads) {
  set_num_threads(1);
  constexpr int kIterations = 2000;
  std::vector<std::string> errors(kThreads);
  on_threads(kThreads, [&](int t) {
    set_num_threads(1);
    std::vector<std::pair<Tensor, float>> held;  // a tensor and the value it was filled with
    for (int i = 0; i < kIterations; ++i) {
      int64_t n = 1 + (i * 37 + t * 11) % 300;  // sizes shared between threads
      float mark = static_cast<float>(t * kIterations + i);
      held.emplace_back(full({n}, mark), mark);
      if (held.size() > 8) {
        auto [oldest, value] = held.front();
        for (float v : oldest.to_vector())
          if (v != value && errors[t].empty()) errors[t] = "a buffer changed under its tensor";
        held.erase(held.begin());
      }
      if (t == 0 && i % 500 == 0) detail::empty_allocator_cache();
    }
  });
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;

  // Made here, freed there: a producer hands tensors to consumers.
  std::vector<Tensor> made;
  for (int i = 0; i < 400; ++i) made.push_back(full({64}, static_cast<float>(i)));
  std::atomic<int> wrong{0};
  on_threads(kThreads, [&](int t) {
    for (size_t i = t; i < made.size(); i += kThreads) {
      if (made[i].data()[63] != static_cast<float>(i)) ++wrong;
      made[i] = Tensor();  // the last handle: the buffer goes back to the cache on this thread
    }
  });
  EXPECT_EQ(wrong.load(), 0);
  Tensor reused = full({64}, -1.0f);  // comes from the cache the consumers filled
  EXPECT_EQ(reused.to_vector(), std::vector<float>(64, -1.0f));
}

// Several threads running backward at once on graphs that share one model's
// parameters (Hogwild-style data parallelism): every thread's gradient is
// added into the shared .grad(), none lost. Each backward adds exactly 2 to
// every bias and weight entry (a batch of two rows of ones), so the sums are
// whole numbers a float holds exactly, whatever the order of the additions.
// The first backward to reach a leaf creates its .grad(), so the race on
// creating it is exercised too.
TEST(Concurrency, BackwardIntoSharedParametersSumsEveryGradient) {
#ifdef EMBER_TEST_TSAN
  constexpr int kBackwards = 100;
#else
  constexpr int kBackwards = 1000;
#endif
  for (int omp : kOpenMPThreads) {
    SCOPED_TRACE("OpenMP threads per std::thread: " + std::to_string(omp));
    auto model = std::make_shared<nn::Sequential>();
    model->push_back(std::make_shared<nn::Linear>(8, 4));
    model->push_back(std::make_shared<nn::Linear>(4, 3));
    auto first = model->at<nn::Linear>(0), last = model->at<nn::Linear>(1);
    on_threads(kThreads, [&](int) {
      set_num_threads(omp);
      Tensor x = ones({2, 8});
      for (int i = 0; i < kBackwards; ++i) (*model)(x).sum().backward();
    });
    const float expected = 2.0f * kThreads * kBackwards;
    for (float g : last->bias.grad().to_vector()) EXPECT_EQ(g, expected);
    for (float g : first->bias.grad().to_vector()) EXPECT_NE(g, 0.0f);
    // The first layer's bias gradient is the column sums of the last weight,
    // times the count of backward passes: a check that needs no order either.
    std::vector<float> w = last->weight.to_vector(), g1 = first->bias.grad().to_vector();
    for (int j = 0; j < 4; ++j) {
      float column = w[j] + w[4 + j] + w[8 + j];
      EXPECT_NEAR(g1[j], expected * column, 1e-4f * expected * std::fabs(column) + 1e-3f) << "input " << j;
    }
  }
}

// Gradients of gradients on several threads through one shared model: each
// thread records its own graph of the gradient (create_graph) and takes a
// Hessian-vector product; autograd::grad touches no .grad(), so the threads
// share nothing but the parameters they read. Every thread gets what one
// thread alone gets, bit for bit.
TEST(Concurrency, SecondOrderGradientsOnSeparateThreadsMatchSequential) {
  manual_seed(21);
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(3, 8));
  model->push_back(std::make_shared<nn::Tanh>());
  model->push_back(std::make_shared<nn::Linear>(8, 1));
  std::vector<Tensor> inputs;
  for (int t = 0; t < kThreads; ++t) inputs.push_back(randn({4 + t, 3}));
  auto second_order = [&](const Tensor& x_values) {
    Tensor x = x_values.detach().requires_grad_();
    Tensor u = (*model)(x).sum();
    Tensor du = autograd::grad({u}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
    return autograd::grad({(du * du).sum()}, {x})[0];
  };
  std::vector<Tensor> alone;
  for (const Tensor& x : inputs) alone.push_back(second_order(x));
  std::vector<Tensor> together(kThreads);
  on_threads(kThreads, [&](int t) {
    set_num_threads(1);
    together[t] = second_order(inputs[t]);
  });
  for (int t = 0; t < kThreads; ++t) EXPECT_TRUE(bitwise_equal(together[t], alone[t])) << "thread " << t;
  for (const Tensor& p : model->parameters()) EXPECT_FALSE(p.grad().defined());
}
