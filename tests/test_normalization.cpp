// BatchNorm1d, LayerNorm and AlphaDropout: PyTorch fixtures (train and eval,
// outputs, gradients, running statistics over several steps), the fused
// kernels held against the reference formulas, gradcheck and gradgradcheck,
// the errors, printing, checkpoints with buffers, and AlphaDropout's
// statistics in training mode and identity in evaluation.
#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core_test_util.h"
#include "nn_fixture.h"

using namespace ember;
using ember::testing::ThrowsWith;

namespace {

std::vector<int64_t> ints(const std::vector<std::string>& words, size_t from, size_t to) {
  std::vector<int64_t> out;
  for (size_t i = from; i < to; ++i) out.push_back(std::stoll(words[i]));
  return out;
}

size_t bar(const std::vector<std::string>& words, size_t from = 0) {
  for (size_t i = from; i < words.size(); ++i)
    if (words[i] == "|") return i;
  return words.size();
}

Tensor gradient_of(const Tensor& t) { return t.grad().defined() ? t.grad() : zeros(t.shape()); }

// Fused and reference results for the same inputs: the output, then the gradient of each input.
std::vector<Tensor> run(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                        const std::vector<Tensor>& inputs, const Tensor& g) {
  std::vector<Tensor> in;
  for (const Tensor& t : inputs) in.push_back(t.defined() ? t.detach().clone().requires_grad_() : Tensor());
  Tensor y = f(in);
  y.backward(g);
  std::vector<Tensor> out{y.detach()};
  for (const Tensor& t : in)
    if (t.defined()) out.push_back(gradient_of(t));
  return out;
}

void expect_all_close(const std::vector<Tensor>& a, const std::vector<Tensor>& b, double tol = 2e-5) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(nn_fixture::close(a[i], b[i], tol, tol)) << "result " << i;
}

}  // namespace

// ---- PyTorch fixtures -------------------------------------------------------------

TEST(Normalization, BatchNorm1dMatchesPyTorchOverTrainingStepsAndEval) {
  nn_fixture::Fixture fx = nn_fixture::read("nn_norms.txt");
  int cases = 0;
  for (const auto& words : fx.cases) {
    if (words[1] != "batch_norm") continue;
    ++cases;
    const std::string id = words[0];
    size_t b = bar(words);
    Shape shape = ints(words, 2, b);
    auto opt = nn_fixture::options(words, b + 1);
    std::optional<double> momentum = 0.1;
    if (opt.count("momentum"))
      momentum = opt["momentum"] == "none" ? std::nullopt : std::optional(std::stod(opt["momentum"]));
    double eps = opt.count("eps") ? std::stod(opt["eps"]) : 1e-5;
    bool affine = !opt.count("affine") || opt["affine"] == "1";
    bool track = !opt.count("track_running_stats") || opt["track_running_stats"] == "1";
    nn::BatchNorm1d m(shape[1], eps, momentum, affine, track);
    if (affine) {
      m.weight.detach().copy_(fx.tensor(id + ".weight"));
      m.bias.detach().copy_(fx.tensor(id + ".bias"));
    }
    for (int step = 0; step < 4; ++step) {
      SCOPED_TRACE(id + " step " + std::to_string(step));
      const std::string k = id + "." + std::to_string(step) + ".";
      m.train(step < 3);
      m.zero_grad();
      Tensor x = fx.tensor(k + "x").requires_grad_();
      Tensor y = m(x);
      y.backward(fx.tensor(k + "grad_y"));
      EXPECT_TRUE(nn_fixture::close(y, fx.tensor(k + "y"), 2e-5, 2e-5));
      EXPECT_TRUE(nn_fixture::close(x.grad(), fx.tensor(k + "grad_x"), 2e-5, 2e-5));
      if (affine) {
        EXPECT_TRUE(nn_fixture::close(m.weight.grad(), fx.tensor(k + "grad_weight"), 2e-5, 2e-5));
        EXPECT_TRUE(nn_fixture::close(m.bias.grad(), fx.tensor(k + "grad_bias"), 2e-5, 2e-5));
      }
      if (track) {
        EXPECT_TRUE(nn_fixture::close(m.running_mean, fx.tensor(k + "running_mean"), 1e-6, 1e-5));
        EXPECT_TRUE(nn_fixture::close(m.running_var, fx.tensor(k + "running_var"), 1e-6, 1e-5));
        EXPECT_EQ(m.num_batches_tracked.item(), fx.tensor(k + "num_batches_tracked").item());
      } else {
        EXPECT_TRUE(m.named_buffers().empty());
      }
    }
  }
  EXPECT_EQ(cases, 4);
}

TEST(Normalization, LayerNormMatchesPyTorch) {
  nn_fixture::Fixture fx = nn_fixture::read("nn_norms.txt");
  int cases = 0;
  for (const auto& words : fx.cases) {
    if (words[1] != "layer_norm") continue;
    ++cases;
    const std::string id = words[0];
    SCOPED_TRACE(id);
    size_t b1 = bar(words), b2 = bar(words, b1 + 1);
    Shape normalized = ints(words, b1 + 1, b2);
    auto opt = nn_fixture::options(words, b2 + 1);
    bool affine = opt["affine"] == "1";
    nn::LayerNorm m(normalized, std::stod(opt["eps"]), affine);
    if (affine) {
      m.weight.detach().copy_(fx.tensor(id + ".weight"));
      m.bias.detach().copy_(fx.tensor(id + ".bias"));
    }
    Tensor x = fx.tensor(id + ".x").requires_grad_();
    Tensor y = m(x);
    y.backward(fx.tensor(id + ".grad_y"));
    EXPECT_TRUE(nn_fixture::close(y, fx.tensor(id + ".y"), 2e-5, 2e-5));
    EXPECT_TRUE(nn_fixture::close(x.grad(), fx.tensor(id + ".grad_x"), 2e-5, 2e-5));
    if (affine) {
      EXPECT_TRUE(nn_fixture::close(m.weight.grad(), fx.tensor(id + ".grad_weight"), 2e-5, 2e-5));
      EXPECT_TRUE(nn_fixture::close(m.bias.grad(), fx.tensor(id + ".grad_bias"), 2e-5, 2e-5));
    }
  }
  EXPECT_EQ(cases, 3);
}

// ---- fused kernels against the reference formulas ---------------------------------

TEST(Normalization, FusedBatchNormEqualsTheReferenceForwardBackwardAndRunningStats) {
  for (Shape shape : {Shape{7, 5}, Shape{4, 3, 6}, Shape{2, 3, 2, 2}}) {
    for (bool training : {true, false}) {
      for (bool affine : {true, false}) {
        SCOPED_TRACE(shape_str(shape) + (training ? " train" : " eval") + (affine ? " affine" : ""));
        const int64_t c = shape[1];
        Tensor x = ember::testing::uniform(shape, -3, 5, 1, false);
        Tensor w = affine ? ember::testing::uniform({c}, 0.5f, 2, 2, false) : Tensor();
        Tensor b = affine ? ember::testing::uniform({c}, -1, 1, 3, false) : Tensor();
        Tensor g = ember::testing::uniform(shape, -1, 1, 4, false);
        Tensor rm1 = ember::testing::uniform({c}, -1, 1, 5, false),
               rv1 = ember::testing::uniform({c}, 0.5f, 2, 6, false);
        Tensor rm2 = rm1.clone(), rv2 = rv1.clone();
        auto fused = run(
            [&](const std::vector<Tensor>& in) {
              return F::batch_norm(in[0], rm1, rv1, in[1], in[2], training, 0.2f, 1e-4f);
            },
            {x, w, b}, g);
        auto ref = run(
            [&](const std::vector<Tensor>& in) {
              return reference::batch_norm(in[0], rm2, rv2, in[1], in[2], training, 0.2f, 1e-4f);
            },
            {x, w, b}, g);
        expect_all_close(fused, ref);
        EXPECT_TRUE(nn_fixture::close(rm1, rm2, 1e-6, 1e-6));
        EXPECT_TRUE(nn_fixture::close(rv1, rv2, 1e-6, 1e-6));
      }
    }
  }
}

TEST(Normalization, FusedLayerNormEqualsTheReferenceForwardAndBackward) {
  for (auto [shape, normalized] :
       {std::pair{Shape{6, 10}, Shape{10}}, std::pair{Shape{2, 3, 4, 5}, Shape{4, 5}},
        std::pair{Shape{5}, Shape{5}}}) {
    for (bool affine : {true, false}) {
      SCOPED_TRACE(shape_str(shape) + (affine ? " affine" : ""));
      Tensor x = ember::testing::uniform(shape, -4, 6, 1, false);
      Tensor w = affine ? ember::testing::uniform(normalized, 0.5f, 2, 2, false) : Tensor();
      Tensor b = affine ? ember::testing::uniform(normalized, -1, 1, 3, false) : Tensor();
      Tensor g = ember::testing::uniform(shape, -1, 1, 4, false);
      auto fused =
          run([&](const std::vector<Tensor>& in) { return F::layer_norm(in[0], normalized, in[1], in[2]); },
              {x, w, b}, g);
      auto ref = run(
          [&](const std::vector<Tensor>& in) {
            return reference::layer_norm(in[0], normalized, in[1], in[2]);
          },
          {x, w, b}, g);
      expect_all_close(fused, ref);
    }
  }
}

// Large batches go through the threaded loops; values far from 0 test the two-pass variance.
TEST(Normalization, LargeInputsAndAnOffsetStayAccurate) {
  Tensor x = ember::testing::uniform({512, 64, 3}, 999, 1001, 8, false);
  Tensor y = F::batch_norm(x, {}, {}, {}, {}, true);
  Tensor yr = reference::batch_norm(x.reshape({512, 64, 3}) - 1000.0f, {}, {}, {}, {}, true);
  EXPECT_TRUE(nn_fixture::close(y, yr, 1e-3, 1e-3));
  Tensor z = F::layer_norm(x.reshape({512, 192}), {192});
  Tensor zr = reference::layer_norm(x.reshape({512, 192}) - 1000.0f, {192});
  EXPECT_TRUE(nn_fixture::close(z, zr, 1e-3, 1e-3));
}

// ---- gradcheck, gradgradcheck and the two backwards ---------------------------------

TEST(Normalization, GradcheckAndGradgradcheck) {
  Tensor x = ember::testing::uniform({4, 3, 2}, -2, 2, 11);
  Tensor w = ember::testing::uniform({3}, 0.5f, 1.5f, 12), b = ember::testing::uniform({3}, -1, 1, 13);
  Tensor rm = ember::testing::uniform({3}, -0.5f, 0.5f, 14, false),
         rv = ember::testing::uniform({3}, 0.5f, 2, 15, false);
  GradcheckOptions opts{.eps = 1e-3, .atol = 2e-3, .rtol = 2e-2};
  std::vector<std::pair<std::string, TensorFunction>> fs = {
      {"batch_norm train",
       [](const std::vector<Tensor>& in) { return F::batch_norm(in[0], {}, {}, in[1], in[2], true); }},
      {"batch_norm eval",
       [&](const std::vector<Tensor>& in) { return F::batch_norm(in[0], rm, rv, in[1], in[2], false); }},
      {"batch_norm [N, C] no affine",
       [](const std::vector<Tensor>& in) {
         return F::batch_norm(in[0].reshape({4, 6}), {}, {}, {}, {}, true) * in[1].sum();
       }},
      {"layer_norm",
       [](const std::vector<Tensor>& in) {
         return F::layer_norm(in[0], {3, 2}, in[1].reshape({3, 1}) * ones({3, 2}),
                              in[2].reshape({3, 1}) * ones({3, 2}));
       }},
      // (rows of 6: a row of 2 normalises to about ±1 whatever x is, too flat for finite differences)
      {"layer_norm last dim",
       [](const std::vector<Tensor>& in) {
         return F::layer_norm(in[0].reshape({4, 6}), {6}) * in[2].sum();
       }},
  };
  for (const auto& [what, f] : fs) {
    SCOPED_TRACE(what);
    GradcheckResult r1 = gradcheck(f, {x, w, b}, opts);
    EXPECT_TRUE(r1.ok) << r1.worst;
    GradcheckResult r2 = gradgradcheck(f, {x, w, b}, opts);
    EXPECT_TRUE(r2.ok) << r2.worst;
  }
}

// Under create_graph the formula backward runs instead of the fused one: both give the same first derivative.
TEST(Normalization, DifferentiableBackwardEqualsTheFastOne) {
  Tensor x = ember::testing::uniform({5, 4, 3}, -3, 3, 21);
  Tensor w = ember::testing::uniform({4}, 0.5f, 1.5f, 22), b = ember::testing::uniform({4}, -1, 1, 23);
  Tensor rm = zeros({4}), rv = ones({4});
  Tensor g = ember::testing::uniform({5, 4, 3}, -1, 1, 24, false);
  Tensor lw = ember::testing::uniform({4, 3}, 0.5f, 1.5f, 25),
         lb = ember::testing::uniform({4, 3}, -1, 1, 26);
  for (int which = 0; which < 3; ++which) {
    auto f = [&]() {
      if (which == 2) return F::layer_norm(x, {4, 3}, lw, lb);
      return F::batch_norm(x, rm, rv, w, b, which == 0);
    };
    std::vector<Tensor> wrt = which == 2 ? std::vector<Tensor>{x, lw, lb} : std::vector<Tensor>{x, w, b};
    auto fast = autograd::grad({f()}, wrt, {g});
    auto formula = autograd::grad({f()}, wrt, {g}, std::nullopt, /*create_graph=*/true);
    for (size_t i = 0; i < wrt.size(); ++i) {
      // db = Σ g is constant in x and w: no graph, as in PyTorch.
      EXPECT_EQ(formula[i].requires_grad(), i < 2) << which << " " << i;
      EXPECT_TRUE(nn_fixture::close(fast[i], formula[i].detach(), 1e-5, 1e-4)) << which << " " << i;
    }
  }
}

// ---- modules: defaults, buffers, printing ---------------------------------------------

TEST(Normalization, ModulesPrintLikePyTorchAndStartAsPyTorch) {
  nn::BatchNorm1d bn(16);
  EXPECT_EQ(bn.to_string(),
            "BatchNorm1d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(nn::BatchNorm1d(3, 0.001, std::nullopt, false, false).to_string(),
            "BatchNorm1d(3, eps=0.001, momentum=None, affine=False, track_running_stats=False)");
  EXPECT_EQ(nn::LayerNorm(16).to_string(), "LayerNorm((16,), eps=1e-05, elementwise_affine=True)");
  EXPECT_EQ(nn::LayerNorm(Shape{3, 4}, 1e-6, false).to_string(),
            "LayerNorm((3, 4), eps=1e-06, elementwise_affine=False)");
  EXPECT_EQ(nn::BatchNorm1d(2, 1.5, 1).to_string(),
            "BatchNorm1d(2, eps=1.5, momentum=1.0, affine=True, track_running_stats=True)");
  EXPECT_EQ(nn::AlphaDropout().to_string(), "AlphaDropout(p=0.5, inplace=False)");
  EXPECT_EQ(nn::AlphaDropout(0.1f).to_string(), "AlphaDropout(p=0.1, inplace=False)");

  EXPECT_EQ(bn.weight.to_vector(), std::vector<float>(16, 1.0f));
  EXPECT_EQ(bn.bias.to_vector(), std::vector<float>(16, 0.0f));
  EXPECT_EQ(bn.running_mean.to_vector(), std::vector<float>(16, 0.0f));
  EXPECT_EQ(bn.running_var.to_vector(), std::vector<float>(16, 1.0f));
  EXPECT_EQ(bn.num_batches_tracked.shape(), Shape{});
  EXPECT_EQ(bn.num_batches_tracked.item(), 0.0f);
  std::vector<std::string> names;
  for (auto& [n, t] : bn.named_buffers()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(bn.parameters().size(), 2u);
  EXPECT_FALSE(bn.running_mean.requires_grad());
  nn::Sequential seq{std::make_shared<nn::Linear>(2, 3), std::make_shared<nn::BatchNorm1d>(3)};
  EXPECT_EQ(seq.int64_buffer_names(), std::vector<std::string>{"1.num_batches_tracked"});
}

// eval() uses the running statistics and leaves them alone; no_grad changes nothing of that.
TEST(Normalization, EvalUsesRunningStatisticsAndDoesNotCount) {
  nn::BatchNorm1d bn(2);
  bn(tensor({1, 2, 3, 6}, {2, 2}));
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0f);
  EXPECT_TRUE(ember::testing::Near(bn.running_mean, {2}, {0.2f, 0.4f}));
  EXPECT_TRUE(ember::testing::Near(bn.running_var, {2}, {0.9f + 0.1f * 2, 0.9f + 0.1f * 8}));  // unbiased
  bn.eval();
  Tensor y = bn(tensor({0.2f, 0.4f}, {1, 2}));  // a batch of one is fine in eval
  EXPECT_TRUE(ember::testing::Near(y, {1, 2}, {0, 0}));
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0f);
  EXPECT_TRUE(ember::testing::Near(bn.running_mean, {2}, {0.2f, 0.4f}));
}

// ---- errors --------------------------------------------------------------------------

TEST(Normalization, ErrorsNameTheOpTheShapesAndWhatWasExpected) {
  nn::BatchNorm1d bn(4);
  EXPECT_TRUE(ThrowsWith(
      [&] {
        bn(ones({3, 5}));
      },
      {"batch_norm: input has 5 channels (dim 1 of [3, 5]) but running_mean has shape [4]"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        bn(ones({1, 4}));
      },
      {"batch_norm: Expected more than 1 value per channel when training, got input size [1, 4]"}));
  EXPECT_EQ(bn.num_batches_tracked.item(), 0.0f);  // a failed call changes nothing
  EXPECT_NO_THROW(bn(ones({1, 4, 2})));            // N·L = 2 values per channel
  EXPECT_TRUE(ThrowsWith(
      [&] {
        bn(ones({2, 4, 2, 2}));
      },
      {"BatchNorm1d: expected 2D or 3D input (got 4D input"}));
  EXPECT_TRUE(
      ThrowsWith([] { nn::BatchNorm1d(4, -1e-5); }, {"BatchNorm1d: eps must be non-negative, got -1e-05"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::batch_norm(ones({3, 2}), {}, {}, {}, {}, true, 0.1f, -1.0f);
      },
      {"batch_norm: eps must be non-negative, got -1"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::batch_norm(ones({3, 2}), {}, {}, {}, {}, false);
      },
      {"batch_norm: running_mean and running_var must be defined in evaluation mode"}));
  EXPECT_TRUE(ThrowsWith([] { F::batch_norm(ones({3}), {}, {}, {}, {}, true); },
                         {"batch_norm: input must have at least 2 dims [N, C, ...], got shape [3]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::batch_norm(ones({3, 2}), {}, {}, ones({3}), {}, true);
      },
      {"batch_norm: input has 2 channels", "weight has shape [3]; expected [2]"}));

  nn::LayerNorm ln(Shape{3, 4});
  EXPECT_TRUE(ThrowsWith(
      [&] {
        ln(ones({2, 4, 3}));
      },
      {"layer_norm: Given normalized_shape=[3, 4], expected input with shape [*, 3, 4], but got "
       "input of size [2, 4, 3]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::layer_norm(ones({2, 5}), {5}, ones({4}));
      },
      {"layer_norm: weight has shape [4] but normalized_shape is [5]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::layer_norm(ones({2, 5}), {5}, {}, {}, -1.0f);
      },
      {"layer_norm: eps must be non-negative, got -1"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::layer_norm(ones({2, 5}), {});
      },
      {"layer_norm: Expected normalized_shape to be at least 1-dimensional"}));
  EXPECT_TRUE(ThrowsWith([] { nn::LayerNorm(5, -1.0); }, {"LayerNorm: eps must be non-negative, got -1"}));

  EXPECT_TRUE(ThrowsWith([] { F::alpha_dropout(ones({2}), 1.5f, true); },
                         {"alpha_dropout: probability has to be between 0 and 1, but got 1.5"}));
  EXPECT_TRUE(
      ThrowsWith([] { nn::AlphaDropout(-0.1f); }, {"AlphaDropout: probability has to be between 0 and 1"}));
}

// ---- checkpoints with buffers -----------------------------------------------------

TEST(Normalization, SaveAndLoadKeepTheBuffersAndWriteTheCountAsInt64) {
  auto dir = std::filesystem::temp_directory_path() / "ember_test_normalization";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "bn.safetensors").string();
  manual_seed(5);
  nn::Sequential a{std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::BatchNorm1d>(4),
                   std::make_shared<nn::LayerNorm>(4)};
  for (int i = 0; i < 3; ++i) a(randn({8, 3}));
  nn::save(a, path);
  nn::Sequential b{std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::BatchNorm1d>(4),
                   std::make_shared<nn::LayerNorm>(4)};
  nn::load(b, path);
  auto ta = a.named_buffers(), tb = b.named_buffers();
  ASSERT_EQ(ta.size(), 3u);
  for (size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].first, tb[i].first);
    EXPECT_EQ(ta[i].second.to_vector(), tb[i].second.to_vector()) << ta[i].first;
  }
  EXPECT_EQ(b.named_buffers()[2].second.item(), 3.0f);
  a.eval();
  b.eval();
  Tensor x = randn({5, 3});
  EXPECT_EQ(a(x).to_vector(), b(x).to_vector());

  // The header says I64 with shape [] for the count, and the data is the int64 3.
  std::ifstream in(path, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_NE(bytes.find(R"("1.num_batches_tracked":{"dtype":"I64","shape":[])"), std::string::npos);
  auto file = nn::read_safetensors(path);
  for (auto& [n, t] : file.tensors) {
    if (n == "1.num_batches_tracked") {
      EXPECT_EQ(t.item(), 3.0f);
    }
  }

  // A file with the count as F32 (an older ember checkpoint) loads too.
  nn::NamedTensors tensors = a.named_parameters();
  for (auto& named : a.named_buffers()) tensors.push_back(named);
  nn::write_safetensors(path, tensors);
  nn::Sequential c{std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::BatchNorm1d>(4),
                   std::make_shared<nn::LayerNorm>(4)};
  nn::load(c, path);
  EXPECT_EQ(c.named_buffers()[2].second.item(), 3.0f);

  // A count that is not a whole number cannot be written as int64.
  auto bn = std::static_pointer_cast<nn::BatchNorm1d>(a.named_children()[1].second);
  bn->num_batches_tracked.fill_(2.5f);
  EXPECT_TRUE(ThrowsWith([&] { nn::save(a, path); },
                         {"tensor '1.num_batches_tracked' is saved as int64 but holds 2.5"}));
  std::filesystem::remove_all(dir);
}

// ---- AlphaDropout ------------------------------------------------------------------

TEST(Normalization, AlphaDropoutKeepsMeanAndVarianceInTrainingAndIsTheIdentityInEval) {
  manual_seed(42);
  const int64_t n = 400000;
  Tensor x = randn({n}).requires_grad_();
  for (float p : {0.1f, 0.5f}) {
    SCOPED_TRACE(p);
    Tensor y = F::alpha_dropout(x, p, true);
    double sum = 0, sq = 0;
    int64_t dropped = 0;
    const double alpha = 1.7580993408473766, a = 1 / std::sqrt((alpha * alpha * p + 1) * (1 - p));
    const float dropped_value = static_cast<float>(alpha * a * (p - 1));
    for (float v : y.to_vector()) {
      sum += v;
      sq += static_cast<double>(v) * v;
      dropped += v == dropped_value;
    }
    const double mean = sum / n, var = sq / n - mean * mean;
    EXPECT_NEAR(mean, 0.0, 0.01);
    EXPECT_NEAR(var, 1.0, 0.02);
    EXPECT_NEAR(static_cast<double>(dropped) / n, p, 0.01);
    // dx = a where kept, 0 where dropped.
    Tensor gx = autograd::grad({y}, {x}, {ones({n})})[0];
    auto yv = y.to_vector(), gv = gx.to_vector();
    for (int64_t i = 0; i < 1000; ++i)
      EXPECT_FLOAT_EQ(gv[i], yv[i] == dropped_value ? 0.0f : static_cast<float>(a)) << i;
  }
  nn::AlphaDropout m(0.3f);
  m.eval();
  Tensor ye = m(x);
  EXPECT_EQ(ye.impl(), x.impl());  // eval: x itself
  EXPECT_EQ(F::alpha_dropout(x, 0.0f, true).impl(), x.impl());
  Tensor z = F::alpha_dropout(x, 1.0f, true);
  EXPECT_EQ(z.to_vector(), std::vector<float>(n, 0.0f));
}
