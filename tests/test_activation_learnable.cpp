// Activations with parameters, randomness or a dim: PReLU (shared and
// per-channel slopes, ranks 1–4, gradients for input and weight, the weight
// trains), RReLU (train-mode slopes in range, reproducible, used by the
// backward, statistically right; eval-mode mean slope), Swish with a learnable
// β, Maxout, and the softmax family and glu over every dim.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <ember.h>

#include "activation_test_util.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::to_double;

namespace {

// Random values with a few exact zeros (the kink) sprinkled in.
Tensor with_zeros(const Shape& shape) {
  Tensor x = randn(shape) * 3.0f;
  float* p = x.data();
  for (int64_t i = 0; i < x.numel(); i += 5) p[i] = 0.0f;
  return x;
}

struct Grads {
  std::vector<float> y, dx, dw;
};

// Output and gradients for inputs x and a parameter w under a random upstream gradient.
template <class Fn>
Grads run(Fn f, const Tensor& x, const Tensor& w, const Tensor& upstream) {
  Tensor xl = x.detach().clone().requires_grad_(), wl = w.detach().clone().requires_grad_();
  Tensor y = f(xl, wl);
  y.backward(upstream);
  return {y.to_vector(), xl.grad().to_vector(),
          wl.grad().defined() ? wl.grad().to_vector() : std::vector<float>{}};
}

void expect_same_as_reference(const Grads& fused, const Grads& ref, const char* what) {
  EXPECT_TRUE(all_close(fused.y, to_double(ref.y), 1e-5)) << what << " forward";
  EXPECT_TRUE(all_close(fused.dx, to_double(ref.dx), 1e-4)) << what << " input gradient";
  EXPECT_TRUE(all_close(fused.dw, to_double(ref.dw), 1e-4)) << what << " parameter gradient";
}

}  // namespace

// --- PReLU ------------------------------------------------------------------------------------

TEST(PReLU, SharedAndPerChannelSlopesOnRanks1To4) {
  manual_seed(3);
  std::vector<Shape> shapes = {{7}, {5, 3}, {4, 3, 6}, {2, 3, 4, 5}};
  for (const Shape& shape : shapes) {
    Tensor x = with_zeros(shape);
    // shared (shape [1] or []), and per channel where there is a dim 1
    std::vector<std::vector<float>> slopes = {{0.25f}, {-0.3f}, {0.1f, -0.2f, 0.7f}};
    for (const std::vector<float>& s : slopes) {
      if (s.size() > 1 && shape.size() < 2) continue;
      Tensor w = s.size() > 1 ? tensor(s, {3}) : tensor(s, s[0] < 0 ? Shape{} : Shape{1});
      Tensor up = randn(shape);
      auto fused = run([](auto& a, auto& b) { return F::prelu(a, b); }, x, w, up);
      auto ref = run([](auto& a, auto& b) { return reference::prelu(a, b); }, x, w, up);
      expect_same_as_reference(fused, ref, shape_str(shape).c_str());
      EXPECT_EQ(fused.dw.size(), static_cast<size_t>(w.numel()));
    }
  }
}

TEST(PReLU, ForwardIsTheFormula) {
  Tensor x = tensor({-2, -1, 0, 1, 2, 3, -4, 5}, {2, 2, 2});
  Tensor w = tensor({0.5f, 0.1f}, {2});
  // channel 0 holds x[:,0,:] = {-2,-1} and {-4,5}; channel 1 holds {0,1} and... (row-major [2,2,2])
  std::vector<float> expected = {-1.0f, -0.5f, 0, 1, -2.0f, 5, 2, 3};
  std::vector<float> y = F::prelu(tensor({-2, -1, 0, 1, -4, 5, 2, 3}, {2, 2, 2}), w).to_vector();
  EXPECT_EQ(y, expected);
  EXPECT_EQ(F::prelu(x, tensor({0.25f}, {1})).to_vector(),
            std::vector<float>({-0.5f, -0.25f, 0, 1, 2, 3, -1, 5}));
}

TEST(PReLU, GradcheckInputAndWeight) {
  manual_seed(4);
  Tensor x = randn({3, 4, 5}).requires_grad_();
  for (Tensor w : {tensor({0.2f, -0.4f, 0.9f, 0.1f}, {4}, true), tensor({0.3f}, {1}, true)}) {
    auto r = gradcheck([](const std::vector<Tensor>& in) { return F::prelu(in[0], in[1]); }, {x, w});
    EXPECT_TRUE(r.ok) << r.worst;
  }
}

TEST(PReLU, ModuleRegistersItsWeight) {
  nn::PReLU shared, per_channel(3, 0.1f);
  ASSERT_EQ(shared.named_parameters().size(), 1u);
  EXPECT_EQ(shared.named_parameters()[0].first, "weight");
  EXPECT_TRUE(shared.weight.requires_grad());
  EXPECT_EQ(per_channel.weight.to_vector(), std::vector<float>({0.1f, 0.1f, 0.1f}));
  Tensor x = randn({2, 3, 4, 4});
  EXPECT_EQ(per_channel(x).shape(), x.shape());
  EXPECT_EQ(shared(randn({5})).shape(), Shape({5}));
}

// The slope is a parameter: a few SGD steps by hand on (PReLU(x) − target)²
// lower the loss and move each channel's slope toward the one that made the target.
TEST(PReLU, WeightTrains) {
  manual_seed(5);
  nn::PReLU act(2, 0.25f);
  Tensor x = randn({64, 2, 3});
  Tensor target = F::prelu(x, tensor({0.05f, 0.6f}, {2}));
  float first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    act.zero_grad();
    Tensor diff = act(x) - target;
    Tensor loss = (diff * diff).mean();
    loss.backward();
    if (step == 0) first = loss.item();
    last = loss.item();
    NoGradGuard off;
    float* w = act.weight.data();
    const float* g = act.weight.grad().data();
    for (int c = 0; c < 2; ++c) w[c] -= 1.0f * g[c];
  }
  EXPECT_LT(last, first * 0.01f);
  EXPECT_NEAR(act.weight.data()[0], 0.05f, 0.02f);
  EXPECT_NEAR(act.weight.data()[1], 0.6f, 0.02f);
}

// --- RReLU ------------------------------------------------------------------------------------

TEST(RReLU, TrainingSlopesLieInRangeAndPositivesPass) {
  manual_seed(11);
  Tensor x = cat({full({5000}, -1.0f), full({5000}, 2.0f)}, 0);
  std::vector<float> y = F::rrelu(x, 0.1f, 0.3f, true).to_vector();
  for (int i = 0; i < 5000; ++i) {
    ASSERT_GE(-y[i], 0.1f);
    ASSERT_LE(-y[i], 0.3f);
  }
  for (int i = 5000; i < 10000; ++i) ASSERT_EQ(y[i], 2.0f);
}

TEST(RReLU, ReproducibleWithManualSeed) {
  Tensor x = randn({100});
  manual_seed(42);
  std::vector<float> a = F::rrelu(x, 0.1f, 0.3f, true).to_vector();
  manual_seed(42);
  std::vector<float> b = F::rrelu(x, 0.1f, 0.3f, true).to_vector();
  manual_seed(43);
  std::vector<float> c = F::rrelu(x, 0.1f, 0.3f, true).to_vector();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

// The backward multiplies by the very slopes the forward drew (y/x where x < 0).
TEST(RReLU, BackwardUsesTheDrawnSlopes) {
  manual_seed(8);
  Tensor x = with_zeros({200}).requires_grad_();
  Tensor y = F::rrelu(x, 1.0f / 8, 1.0f / 3, true);
  y.backward(ones_like(y));
  std::vector<float> xv = x.to_vector(), yv = y.to_vector(), g = x.grad().to_vector();
  for (size_t i = 0; i < xv.size(); ++i) {
    if (xv[i] > 0) {
      EXPECT_EQ(g[i], 1.0f);
    } else if (xv[i] < 0) {
      EXPECT_FLOAT_EQ(g[i], yv[i] / xv[i]);
    } else {
      EXPECT_GE(g[i], 1.0f / 8);  // at 0 the drawn slope, as PyTorch (x <= 0 draws)
      EXPECT_LE(g[i], 1.0f / 3);
    }
  }
  // The reference drawing from the same generator state gets the same slopes.
  manual_seed(8);
  Tensor x2 = x.detach().clone().requires_grad_();
  Tensor fused = F::rrelu(x2, 0.2f, 0.4f, true);
  fused.backward(ones_like(fused));
  manual_seed(8);
  Tensor x3 = x.detach().clone().requires_grad_();
  Tensor ref = reference::rrelu(x3, 0.2f, 0.4f, true);
  ref.backward(ones_like(ref));
  EXPECT_EQ(fused.to_vector(), ref.to_vector());
  EXPECT_EQ(x2.grad().to_vector(), x3.grad().to_vector());
}

// Slopes are U(lower, upper): mean (l + u)/2 within 5 standard errors, and
// variance (u − l)²/12 within 5%.
TEST(RReLU, SlopesAreUniformStatistically) {
  manual_seed(99);
  const int n = 200000;
  const float lower = 0.1f, upper = 0.5f;
  std::vector<float> y = F::rrelu(full({n}, -1.0f), lower, upper, true).to_vector();
  double mean = 0, var = 0;
  for (float v : y) mean += -v;
  mean /= n;
  for (float v : y) var += (-v - mean) * (-v - mean);
  var /= n - 1;
  double expected_var = (upper - lower) * (upper - lower) / 12.0;
  EXPECT_NEAR(mean, (lower + upper) / 2, 5 * std::sqrt(expected_var / n));
  EXPECT_NEAR(var, expected_var, 0.05 * expected_var);
}

TEST(RReLU, EvalUsesTheMeanSlope) {
  Tensor x = tensor({-4, -1, 0, 2}, {4}, true);
  Tensor y = F::rrelu(x, 0.1f, 0.3f, false);
  y.backward(ones_like(y));
  EXPECT_EQ(y.to_vector(), std::vector<float>({-4 * 0.2f, -0.2f, 0, 2}));
  EXPECT_EQ(x.grad().to_vector(), std::vector<float>({0.2f, 0.2f, 0.2f, 1}));
}

// train()/eval() switch the module; NoGradGuard does not (eval is not no_grad).
TEST(RReLU, ModuleFollowsTrainAndEval) {
  nn::RReLU act(0.1f, 0.3f);
  Tensor x = full({1000}, -1.0f);
  EXPECT_TRUE(act.is_training());
  std::vector<float> train = act(x).to_vector();
  EXPECT_GT(*std::max_element(train.begin(), train.end()) - *std::min_element(train.begin(), train.end()),
            0.1f);
  {
    NoGradGuard off;
    std::vector<float> still_random = act(x).to_vector();
    EXPECT_NE(still_random, train);
  }
  act.eval();
  std::vector<float> eval = act(x).to_vector();
  for (float v : eval) ASSERT_FLOAT_EQ(v, -0.2f);
  act.train();
  EXPECT_NE(act(x).to_vector(), eval);
}

// --- Swish with a learnable beta -----------------------------------------------------------------

TEST(Swish, GradientsForInputAndBetaMatchTheReference) {
  manual_seed(12);
  Tensor x = with_zeros({6, 7});
  for (float b : {1.0f, 1.5f, -0.7f, 0.0f}) {
    Tensor beta = tensor({b}, {1}), up = randn({6, 7});
    auto fused = run([](auto& a, auto& w) { return F::swish(a, w); }, x, beta, up);
    auto ref = run([](auto& a, auto& w) { return reference::swish(a, w); }, x, beta, up);
    expect_same_as_reference(fused, ref, "swish");
  }
  Tensor xs = randn({10}).requires_grad_(), beta = tensor({1.3f}, {}, true);
  auto r = gradcheck([](const std::vector<Tensor>& in) { return F::swish(in[0], in[1]); }, {xs, beta});
  EXPECT_TRUE(r.ok) << r.worst;
}

TEST(Swish, ModuleBetaIsAParameterThatTrains) {
  nn::Swish act;
  ASSERT_EQ(act.named_parameters().size(), 1u);
  EXPECT_EQ(act.named_parameters()[0].first, "beta");
  manual_seed(13);
  Tensor x = randn({256});
  Tensor target = F::swish(x, tensor({2.0f}, {1}));
  float first = 0, last = 0;
  for (int step = 0; step < 100; ++step) {
    act.zero_grad();
    Tensor d = act(x) - target;
    Tensor loss = (d * d).mean();
    loss.backward();
    if (step == 0) first = loss.item();
    last = loss.item();
    act.beta.data()[0] -= 2.0f * act.beta.grad().item();
  }
  EXPECT_LT(last, first * 0.01f);
  EXPECT_NEAR(act.beta.item(), 2.0f, 0.1f);
}

// --- Maxout ------------------------------------------------------------------------------------

TEST(Maxout, IsTheLargestOfItsAffinePieces) {
  manual_seed(21);
  nn::Maxout m(4, 3, 2);
  EXPECT_EQ(m.weight.shape(), Shape({6, 4}));
  EXPECT_EQ(m.bias.shape(), Shape({6}));
  EXPECT_EQ(m.num_parameters(), 6 * 4 + 6);
  float bound = 1.0f / 2.0f;  // 1/√in
  for (float w : m.weight.to_vector()) ASSERT_LE(std::fabs(w), bound);
  Tensor x = randn({5, 4});
  std::vector<float> y = m(x).to_vector(), xv = x.to_vector(), w = m.weight.to_vector(),
                     b = m.bias.to_vector();
  for (int n = 0; n < 5; ++n)
    for (int o = 0; o < 3; ++o) {
      float best = -INFINITY;
      for (int k = 0; k < 2; ++k) {
        float z = b[o * 2 + k];
        for (int i = 0; i < 4; ++i) z += xv[n * 4 + i] * w[(o * 2 + k) * 4 + i];
        best = std::max(best, z);
      }
      EXPECT_NEAR(y[n * 3 + o], best, 1e-5);
    }
  EXPECT_EQ(m(randn({2, 7, 4})).shape(), Shape({2, 7, 3}));
  EXPECT_EQ(m(randn({4})).shape(), Shape({3}));
}

TEST(Maxout, Gradcheck) {
  manual_seed(22);
  nn::Maxout m(3, 2, 3);
  Tensor x = randn({4, 3}).requires_grad_();
  auto r = gradcheck(
      [&](const std::vector<Tensor>& in) {
        Tensor z = matmul(in[0], transpose(in[1], 0, 1)) + in[2];
        return max(reshape(z, {-1, 2, 3}), 2);
      },
      {x, m.weight.detach().clone().requires_grad_(), m.bias.detach().clone().requires_grad_()});
  EXPECT_TRUE(r.ok) << r.worst;
  Tensor y = m(x);
  y.sum().backward();
  EXPECT_EQ(m.weight.grad().shape(), m.weight.shape());
  EXPECT_EQ(m.bias.grad().shape(), m.bias.shape());
}

// --- softmax family and glu over every dim --------------------------------------------------------

TEST(SoftmaxFamily, EveryDimIncludingNegativeMatchesTheReference) {
  manual_seed(31);
  std::vector<Shape> shapes = {{6}, {3, 5}, {2, 3, 4}, {2, 3, 2, 3}};
  for (const Shape& shape : shapes)
    for (int64_t d = -static_cast<int64_t>(shape.size()); d < static_cast<int64_t>(shape.size()); ++d) {
      Tensor x = randn(shape) * 4.0f, up = randn(shape), none;
      auto check = [&](auto fused, auto ref, const char* what) {
        auto a = run([&](auto& t, auto&) { return fused(t, d); }, x, zeros({1}), up);
        auto b = run([&](auto& t, auto&) { return ref(t, d); }, x, zeros({1}), up);
        EXPECT_TRUE(all_close(a.y, to_double(b.y), 1e-5)) << what << " dim " << d << " " << shape_str(shape);
        EXPECT_TRUE(all_close(a.dx, to_double(b.dx), 1e-4))
            << what << " dim " << d << " " << shape_str(shape);
      };
      check([](auto& t, int64_t k) { return F::softmax(t, k); },
            [](auto& t, int64_t k) { return reference::softmax(t, k); }, "softmax");
      check([](auto& t, int64_t k) { return F::log_softmax(t, k); },
            [](auto& t, int64_t k) { return reference::log_softmax(t, k); }, "log_softmax");
      check([](auto& t, int64_t k) { return F::softmin(t, k); },
            [](auto& t, int64_t k) { return reference::softmin(t, k); }, "softmin");
      // softmax along d sums to 1 in every slice
      Tensor s = sum(F::softmax(x, d), {d});
      for (float v : s.to_vector()) ASSERT_NEAR(v, 1.0f, 1e-5);
    }
}

TEST(SoftmaxFamily, StableAtPlusMinus1000) {
  Tensor x = tensor({1000, -1000, 999, 0, -1000, -999, -998, -1000}, {2, 4}, true);
  Tensor y = F::softmax(x, 1), ly = F::log_softmax(x, 1), my = F::softmin(x, 1);
  for (const Tensor& t : {y, ly, my})
    for (float v : t.to_vector()) ASSERT_TRUE(std::isfinite(v));
  std::vector<float> p = y.to_vector();
  EXPECT_NEAR(p[0], 1 / (1 + std::exp(-1.0f)), 1e-6);
  EXPECT_NEAR(p[2], std::exp(-1.0f) / (1 + std::exp(-1.0f)), 1e-6);
  EXPECT_EQ(p[1], 0.0f);
  EXPECT_NEAR(ly.to_vector()[1], -2000.0f - std::log1p(std::exp(-1.0f)), 1e-3);
  EXPECT_NEAR(my.to_vector()[1], 1.0f, 1e-6);  // softmin picks the smallest
  (y.sum() + ly.sum() + my.sum()).backward();
  for (float g : x.grad().to_vector()) ASSERT_TRUE(std::isfinite(g));
}

TEST(SoftmaxFamily, ZeroDimTensorIsOneElement) {
  Tensor s = scalar_tensor(3.0f);
  EXPECT_EQ(F::softmax(s, 0).item(), 1.0f);
  EXPECT_EQ(F::log_softmax(s, -1).item(), 0.0f);
  EXPECT_EQ(F::softmin(s, 0).shape(), Shape{});
}

// Over a dim of size 1 each softmax has one element: exactly 1, log exactly 0
// (oneDNN's softmax_log gives 1.4e-6 there, a positive log-probability), and
// NaN for NaN or ±inf, as PyTorch's x − max(x). The gradient is exactly 0.
TEST(SoftmaxFamily, DimOfSizeOneIsExact) {
  float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  Tensor x = tensor({-1000, 0, 3, 1e30f, nan, inf}, {6, 1}, true);
  std::vector<float> p = F::softmax(x, 1).to_vector(), lp = F::log_softmax(x, 1).to_vector();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(p[i], 1.0f);
    EXPECT_EQ(lp[i], 0.0f);
  }
  for (int i = 4; i < 6; ++i) EXPECT_TRUE(std::isnan(p[i]) && std::isnan(lp[i])) << i;
  Tensor finite = tensor({-2, 0.5f, 7}, {1, 3, 1}, true);
  (F::log_softmax(finite, -1) * 5.0f + F::softmax(finite, 2)).sum().backward();
  for (float g : finite.grad().to_vector()) EXPECT_EQ(g, 0.0f);
}

TEST(SoftmaxFamily, Gradcheck) {
  manual_seed(32);
  Tensor x = randn({3, 4}).requires_grad_();
  for (int64_t d : {0, 1, -1}) {
    for (auto f : {F::softmax, F::log_softmax, F::softmin}) {
      auto r = gradcheck([&](const std::vector<Tensor>& in) { return f(in[0], d); }, {x});
      EXPECT_TRUE(r.ok) << r.worst;
    }
  }
}

TEST(GLU, EveryDimMatchesTheReference) {
  manual_seed(33);
  std::vector<Shape> shapes = {{4}, {3, 4}, {2, 4, 6}, {2, 2, 2, 4}};
  for (const Shape& shape : shapes)
    for (int64_t d = -static_cast<int64_t>(shape.size()); d < static_cast<int64_t>(shape.size()); ++d) {
      if (shape[d < 0 ? d + shape.size() : d] % 2) continue;
      Tensor x = randn(shape) * 3.0f;
      Shape out = shape;
      out[d < 0 ? d + shape.size() : d] /= 2;
      Tensor up = randn(out);
      auto a = run([&](auto& t, auto&) { return F::glu(t, d); }, x, zeros({1}), up);
      auto b = run([&](auto& t, auto&) { return reference::glu(t, d); }, x, zeros({1}), up);
      EXPECT_TRUE(all_close(a.y, to_double(b.y), 1e-5)) << "dim " << d << " " << shape_str(shape);
      EXPECT_TRUE(all_close(a.dx, to_double(b.dx), 1e-4)) << "dim " << d << " " << shape_str(shape);
    }
  Tensor x = randn({2, 6}).requires_grad_();
  auto r = gradcheck([](const std::vector<Tensor>& in) { return F::glu(in[0], 1); }, {x});
  EXPECT_TRUE(r.ok) << r.worst;
}
