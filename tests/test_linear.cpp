// Linear and Bilinear: values against plain formulas and PyTorch, gradients
// against finite differences, errors, initialization bounds.
#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/kernels/linear.h"
#include "core_test_util.h"
#include "nn_fixture.h"

using namespace ember;
using ember::testing::error_of;
using nn_fixture::close;

namespace {

// y[r][o] = Σ_i x[r][i]·w[o][i] + b[o], as one would write it by hand.
Tensor naive_linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  int64_t in = w.size(1), out = w.size(0), rows = x.numel() / in;
  Shape shape = x.shape();
  shape.back() = out;
  Tensor y = zeros(shape);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = b.defined() ? b.data()[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += static_cast<double>(x.data()[r * in + i]) * w.data()[o * in + i];
      y.data()[r * out + o] = static_cast<float>(s);
    }
  return y;
}

}  // namespace

TEST(Linear, ForwardMatchesHandFormula) {
  manual_seed(1);
  Tensor x = randn({3, 4, 6}), w = randn({5, 6}), b = randn({5});
  EXPECT_TRUE(close(F::linear(x, w, b), naive_linear(x, w, b)));
  EXPECT_TRUE(close(F::linear(x, w), naive_linear(x, w, {})));
  Tensor v = randn({6});  // a single vector: [in] -> [out]
  EXPECT_TRUE(close(F::linear(v, w, b), naive_linear(v, w, b)));
  EXPECT_EQ(F::linear(v, w, b).shape(), Shape({5}));
}

TEST(Linear, KernelHandlesEmptySizes) {
  Tensor x = zeros({0, 3}), w = ones({2, 3}), b = ones({2});
  EXPECT_EQ(F::linear(x, w, b).shape(), Shape({0, 2}));
  Tensor x0 = ones({4, 0}), w0 = zeros({2, 0});
  EXPECT_TRUE(close(F::linear(x0, w0, b), ones({4, 2})));
}

TEST(Linear, GradcheckWithAndWithoutBias) {
  manual_seed(2);
  Tensor x = randn({2, 3, 4}).requires_grad_(), w = randn({5, 4}).requires_grad_(),
         b = randn({5}).requires_grad_();
  auto r = gradcheck([](const std::vector<Tensor>& in) { return F::linear(in[0], in[1], in[2]); }, {x, w, b});
  EXPECT_TRUE(r.ok) << r.worst;
  r = gradcheck([](const std::vector<Tensor>& in) { return F::linear(in[0], in[1]); }, {x, w});
  EXPECT_TRUE(r.ok) << r.worst;
}

namespace {

struct FusedCase {
  F::LinearActivation fused;
  Tensor (*plain)(const Tensor&);
  const char* node;
};

const FusedCase fused_cases[] = {
    {F::LinearActivation::relu, [](const Tensor& z) { return F::relu(z); }, "LinearReluBackward"},
    {F::LinearActivation::tanh, [](const Tensor& z) { return F::tanh(z); }, "LinearTanhBackward"},
    {F::LinearActivation::sigmoid, [](const Tensor& z) { return F::sigmoid(z); }, "LinearSigmoidBackward"},
};

// Gradients of sum(y · r) for a fixed random r, so each output element gets its own weight.
std::vector<std::vector<float>> grads_of(const Tensor& y, const Tensor& r, std::vector<Tensor> inputs) {
  (y * r).sum().backward();
  std::vector<std::vector<float>> out;
  for (Tensor& t : inputs) {
    out.push_back(t.grad().to_vector());
    t.set_grad({});
  }
  return out;
}

}  // namespace

TEST(Linear, FusedActivationEqualsTheTwoOpsBitForBit) {
  manual_seed(3);
  for (const FusedCase& c : fused_cases) {
    for (bool with_bias : {true, false}) {
      // 3-D input with large values, so that relu has zeros and tanh/sigmoid saturate.
      Tensor x = (randn({2, 3, 7}) * 4.0f).requires_grad_(), w = randn({5, 7}).requires_grad_(),
             b = with_bias ? randn({5}).requires_grad_() : Tensor(), r = randn({2, 3, 5});
      Tensor fused = F::linear(x, w, b, c.fused), plain = c.plain(F::linear(x, w, b));
      EXPECT_EQ(fused.to_vector(), plain.to_vector()) << c.node;
      EXPECT_STREQ(fused.grad_fn()->name(), c.node);
      std::vector<Tensor> inputs = with_bias ? std::vector<Tensor>{x, w, b} : std::vector<Tensor>{x, w};
      EXPECT_EQ(grads_of(fused, r, inputs), grads_of(plain, r, inputs)) << c.node;
    }
  }
}

TEST(Linear, FusedActivationGradcheck) {
  manual_seed(4);
  for (const FusedCase& c : fused_cases) {
    Tensor x = randn({3, 4}).requires_grad_(), w = randn({2, 4}).requires_grad_(),
           b = randn({2}).requires_grad_();
    auto r = gradcheck([&](const std::vector<Tensor>& in) { return F::linear(in[0], in[1], in[2], c.fused); },
                       {x, w, b});
    EXPECT_TRUE(r.ok) << c.node << ": " << r.worst;
  }
}

TEST(Linear, SequentialFusesLinearWithTheActivationAfterIt) {
  manual_seed(5);
  auto relu = std::make_shared<nn::ReLU>();
  nn::Sequential model{
      std::make_shared<nn::Linear>(6, 8), relu,
      std::make_shared<nn::Linear>(8, 8), std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Linear>(8, 4), std::make_shared<nn::Sigmoid>(),
      std::make_shared<nn::Linear>(4, 3), std::make_shared<nn::GELU>()};  // not fusable: stays two ops
  Tensor x = randn({10, 6}), r = randn({10, 3});
  Tensor fused = model(x);
  EXPECT_STREQ(fused.grad_fn()->name(), "GeluBackward");
  std::vector<Tensor> params = model.parameters();
  auto fused_grads = grads_of(fused, r, params);
  // The same modules called one by one, unfused.
  Tensor plain = x;
  for (size_t i = 0; i < model.size(); ++i) plain = (*model[i])(plain);
  EXPECT_EQ(fused.to_vector(), plain.to_vector());
  EXPECT_EQ(fused_grads, grads_of(plain, r, params));
  // A Linear with nothing after it stays a plain linear op.
  nn::Sequential tail{std::make_shared<nn::Linear>(6, 2)};
  EXPECT_STREQ(tail(x.requires_grad_()).grad_fn()->name(), "LinearBackward");
}

TEST(Linear, BackwardComputesOnlyWantedGradients) {
  Tensor x = randn({4, 3}), w = randn({2, 3}).requires_grad_(), b = randn({2});
  F::linear(x, w, b).sum().backward();
  EXPECT_TRUE(w.grad().defined());
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  // dW = dYᵀ·X with dY = 1: each row of dW is the column sums of X.
  auto xs = x.to_vector(), gw = w.grad().to_vector();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(gw[i], xs[i] + xs[3 + i] + xs[6 + i] + xs[9 + i], 1e-5);
}

TEST(Linear, ClearErrors) {
  EXPECT_EQ(error_of([] {
              F::linear(zeros({100, 30}), zeros({5, 10}));
            }),
            "linear: input has 30 features but weight expects 10 (input [100, 30], weight [5, 10])");
  EXPECT_NE(error_of([] {
              F::linear(zeros({2, 10}), zeros({5, 10}), zeros({4}));
            }).find("bias must have shape [5]"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              F::linear(zeros({2, 10}), zeros({10}));
            }).find("weight must have 2 dims"),
            std::string::npos);
}

TEST(Linear, ModuleInitAndRepr) {
  manual_seed(3);
  nn::Linear lin(784, 256);
  EXPECT_EQ(lin.weight.shape(), Shape({256, 784}));
  EXPECT_EQ(lin.bias.shape(), Shape({256}));
  EXPECT_TRUE(lin.weight.requires_grad());
  EXPECT_EQ(lin.extra_repr(), "in_features=784, out_features=256, bias=True");
  // U(−1/√in, 1/√in): every value inside the bound, variance bound²/3.
  double bound = 1.0 / std::sqrt(784.0), sum = 0, sq = 0;
  for (float v : lin.weight.to_vector()) {
    EXPECT_LE(std::fabs(v), bound);
    sum += v;
    sq += v * v;
  }
  double n = 256.0 * 784.0, var = sq / n - (sum / n) * (sum / n);
  EXPECT_NEAR(var, bound * bound / 3, 0.02 * bound * bound / 3);
  for (float v : lin.bias.to_vector()) EXPECT_LE(std::fabs(v), bound);
  nn::Linear nobias(3, 2, false);
  EXPECT_FALSE(nobias.bias.defined());
  EXPECT_EQ(nobias.named_parameters().size(), 1u);
  EXPECT_EQ(nobias.extra_repr(), "in_features=3, out_features=2, bias=False");
  EXPECT_EQ(nobias(ones({4, 3})).shape(), Shape({4, 2}));
}

// y_k = Σ_i Σ_j x1_i A_kij x2_j + b_k, summed by hand.
TEST(Bilinear, MatchesExplicitSumOverKIJ) {
  manual_seed(4);
  int64_t N = 3, in1 = 4, in2 = 5, out = 2;
  Tensor x1 = randn({N, in1}), x2 = randn({N, in2}), A = randn({out, in1, in2}), b = randn({out});
  Tensor y = F::bilinear(x1, x2, A, b);
  ASSERT_EQ(y.shape(), Shape({N, out}));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < out; ++k) {
      double s = b.data()[k];
      for (int64_t i = 0; i < in1; ++i)
        for (int64_t j = 0; j < in2; ++j)
          s += static_cast<double>(x1.data()[n * in1 + i]) * A.data()[(k * in1 + i) * in2 + j] *
               x2.data()[n * in2 + j];
      EXPECT_NEAR(y.data()[n * out + k], s, 1e-4) << "n=" << n << " k=" << k;
    }
}

TEST(Bilinear, Gradcheck) {
  manual_seed(5);
  Tensor x1 = randn({2, 2, 3}).requires_grad_(), x2 = randn({2, 2, 4}).requires_grad_();
  Tensor A = randn({3, 3, 4}).requires_grad_(), b = randn({3}).requires_grad_();
  auto r = gradcheck([](const std::vector<Tensor>& in) { return F::bilinear(in[0], in[1], in[2], in[3]); },
                     {x1, x2, A, b});
  EXPECT_TRUE(r.ok) << r.worst;
  r = gradcheck([](const std::vector<Tensor>& in) { return F::bilinear(in[0], in[1], in[2]); }, {x1, x2, A});
  EXPECT_TRUE(r.ok) << r.worst;
}

TEST(Bilinear, MatchesPyTorch) {
  auto fx = nn_fixture::read("nn_bilinear.txt");
  Tensor x1 = fx.tensor("bilinear.x1").requires_grad_(), x2 = fx.tensor("bilinear.x2").requires_grad_();
  nn::Bilinear m(4, 5, 6);
  m.weight.copy_(fx.tensor("bilinear.weight"));
  m.bias.copy_(fx.tensor("bilinear.bias"));
  Tensor y = m(x1, x2);
  EXPECT_TRUE(close(y, fx.tensor("bilinear.y"), 1e-5, 1e-4));
  y.backward(fx.tensor("bilinear.grad_y"));
  EXPECT_TRUE(close(x1.grad(), fx.tensor("bilinear.grad_x1"), 1e-5, 1e-4));
  EXPECT_TRUE(close(x2.grad(), fx.tensor("bilinear.grad_x2"), 1e-5, 1e-4));
  EXPECT_TRUE(close(m.weight.grad(), fx.tensor("bilinear.grad_weight"), 1e-5, 1e-4));
  EXPECT_TRUE(close(m.bias.grad(), fx.tensor("bilinear.grad_bias"), 1e-5, 1e-4));
}

TEST(Bilinear, ModuleInitShapesAndErrors) {
  nn::Bilinear m(6, 3, 5);
  EXPECT_EQ(m.weight.shape(), Shape({5, 6, 3}));
  double bound = 1.0 / std::sqrt(6.0);
  for (float v : m.weight.to_vector()) EXPECT_LE(std::fabs(v), bound);
  for (float v : m.bias.to_vector()) EXPECT_LE(std::fabs(v), bound);
  EXPECT_EQ(m.extra_repr(), "in1_features=6, in2_features=3, out_features=5, bias=True");
  EXPECT_NE(error_of([&] { m(zeros({4, 6}), zeros({3, 3})); }).find("same leading dims"), std::string::npos);
  EXPECT_NE(error_of([&] {
              m(zeros({4, 5}), zeros({4, 3}));
            }).find("weight expects 6 and 3"),
            std::string::npos);
  EXPECT_NE(error_of([&] { m(zeros({4, 6})); }).find("forward(x) with one input"), std::string::npos);
}
