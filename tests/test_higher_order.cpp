// Gradients of gradients: backward(create_graph), autograd::grad and the
// functional helpers, gradgradcheck of the core ops, no reference cycles, and
// the errors. Activations and layers have their own second-order tests.
#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core_test_util.h"

using namespace ember;
using ember::testing::error_of;

namespace {

Tensor inputs_for(Shape shape, float lo, float hi, uint64_t seed = 3) {
  manual_seed(seed);
  return (rand(std::move(shape)) * (hi - lo) + lo).requires_grad_();
}

void expect_gradgradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs) {
  GradcheckResult r = gradgradcheck(f, inputs);
  EXPECT_TRUE(r.ok) << r.worst;
}

}  // namespace

TEST(HigherOrder, SecondDerivativeOfACubeByBackwardThenGrad) {
  Tensor a = tensor({2.0f}, {1}, true);
  (a * a * a).sum().backward({}, std::nullopt, /*create_graph=*/true);
  ASSERT_TRUE(a.grad().requires_grad());
  EXPECT_FLOAT_EQ(a.grad().item(), 12.0f);  // 3a²
  Tensor second = autograd::grad({a.grad().sum()}, {a})[0];
  EXPECT_FLOAT_EQ(second.item(), 12.0f);  // 6a
}

TEST(HigherOrder, ThirdDerivativeOfExpAndOfTanh) {
  Tensor x = tensor({0.3f, -0.7f}, {2}, true);
  Tensor g1 = autograd::grad({exp(x).sum()}, {x}, {}, std::nullopt, true)[0];
  Tensor g2 = autograd::grad({g1.sum()}, {x}, {}, std::nullopt, true)[0];
  Tensor g3 = autograd::grad({g2.sum()}, {x})[0];
  for (int i = 0; i < 2; ++i) EXPECT_NEAR(g3.to_vector()[i], std::exp(x.to_vector()[i]), 1e-5f);

  Tensor t1 = autograd::grad({tanh(x).sum()}, {x}, {}, std::nullopt, true)[0];
  Tensor t2 = autograd::grad({t1.sum()}, {x}, {}, std::nullopt, true)[0];
  Tensor t3 = autograd::grad({t2.sum()}, {x})[0];
  for (int i = 0; i < 2; ++i) {
    double t = std::tanh(static_cast<double>(x.to_vector()[i])), s = 1 - t * t;
    EXPECT_NEAR(t2.to_vector()[i], -2 * t * s, 1e-5);
    EXPECT_NEAR(t3.to_vector()[i], -2 * s * s + 4 * t * t * s, 1e-5);  // d/dx (−2ts) = −2s² + 4t²s
  }
}

TEST(HigherOrder, GradLeavesDotGradAloneAndReturnsOnePerInput) {
  Tensor x = tensor({1, 2, 3}, {3}, true), w = tensor({0.5f}, {1}, true);
  Tensor y = (x * x * w).sum();
  std::vector<Tensor> g = autograd::grad({y}, {x, w});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_TRUE(ember::testing::Near(g[0], {3}, {1, 2, 3}));  // 2xw
  EXPECT_FLOAT_EQ(g[1].item(), 14.0f);               // Σx²
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  EXPECT_FALSE(g[0].requires_grad());  // no graph unless asked
}

TEST(HigherOrder, GradWithRespectToAnIntermediateTensor) {
  Tensor x = tensor({1, 2}, {2}, true);
  Tensor h = x * 3.0f;
  Tensor y = (h * h).sum();
  EXPECT_TRUE(ember::testing::Near(autograd::grad({y}, {h})[0], {2}, {6, 12}));  // 2h
}

TEST(HigherOrder, UnusedInputIsAnErrorUnlessAllowed) {
  Tensor x = tensor({1}, {1}, true), unused = tensor({1, 2}, {2}, true);
  Tensor y = (x * x).sum();
  std::string message = error_of([&] { autograd::grad({y}, {x, unused}, {}, true); });
  EXPECT_NE(message.find("autograd::grad: input 1 (shape [2]) was not used"), std::string::npos) << message;
  EXPECT_NE(message.find("allow_unused=true"), std::string::npos);
  auto g = autograd::grad({y}, {x, unused}, {}, std::nullopt, false, /*allow_unused=*/true);
  EXPECT_FALSE(g[1].defined());
}

TEST(HigherOrder, RetainGraphDefaultsToCreateGraph) {
  Tensor x = tensor({1}, {1}, true);
  Tensor y = (x * x * x).sum();
  autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true);
  EXPECT_NO_THROW(autograd::grad({y}, {x}));  // kept by create_graph; freed by this one
  EXPECT_NE(error_of([&] { autograd::grad({y}, {x}); }).find("a second time"), std::string::npos);
}

TEST(HigherOrder, GradOfInputsThatDoNotRequireGradIsAnError) {
  Tensor x = tensor({1}, {1}, true), c = tensor({1}, {1});
  EXPECT_NE(error_of([&] {
              autograd::grad({(x * c).sum()}, {c});
            }).find("autograd::grad: input 0 (shape [1]) does not require grad"),
            std::string::npos);
  EXPECT_NE(error_of([&] { autograd::grad({c.sum()}, {x}); }).find("autograd::grad: output 0"),
            std::string::npos);
}

TEST(HigherOrder, CreateGraphLeavesNoCycleBehind) {
  const int64_t before = live_node_count();
  {
    Tensor a = tensor({2.0f, 3.0f}, {2}, true);
    (exp(a) * a * a).sum().backward({}, std::nullopt, /*create_graph=*/true);
    Tensor second = autograd::grad({a.grad().sum()}, {a}, {}, std::nullopt, true)[0];
    EXPECT_GT(live_node_count(), before);
  }  // a, its .grad() with its graph, the second gradient: all gone
  EXPECT_EQ(live_node_count(), before);
}

TEST(HigherOrder, LongChainDifferentiatedTwiceWithoutRecursion) {
  Tensor x = tensor({0.5f}, {1}, true);
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0f;
  y = y * y;  // y = x², so dy/dx = 2x and d²y/dx² = 2
  Tensor g = autograd::grad({y.sum()}, {x}, {}, std::nullopt, true)[0];
  EXPECT_FLOAT_EQ(g.item(), 1.0f);
  EXPECT_FLOAT_EQ(autograd::grad({g.sum()}, {x})[0].item(), 2.0f);
}

TEST(HigherOrder, AUsersNodeWithoutAGraphIsAnErrorUnderCreateGraph) {
  // A custom op whose backward reads detached values: fine at first order, but
  // its derivative would silently be a constant.
  auto square = [](const Tensor& x) {
    Tensor y = x.detach() * x.detach();
    record({"MySquareBackward"}, y, {x}, [x = x.detach()](const Tensor& g) { return grads(g * x * 2.0f); },
           {x});
    return y;
  };
  Tensor x = tensor({3.0f}, {1}, true);
  EXPECT_FLOAT_EQ(autograd::grad({square(x).sum()}, {x})[0].item(), 6.0f);
  std::string message = error_of([&] { autograd::grad({square(x).sum()}, {x}, {}, std::nullopt, true); });
  EXPECT_NE(message.find("MySquareBackward's backward returned the gradient of input 0 without one"),
            std::string::npos)
      << message;
}

TEST(HigherOrder, HvpJacobianHessian) {
  auto hv = autograd::hvp([](const std::vector<Tensor>& in) { return (in[0] * in[0] * in[0]).sum(); },
                          {tensor({1.0f, 2.0f}, {2})}, {ones({2})});
  EXPECT_TRUE(ember::testing::Near(hv[0], {2}, {6, 12}));  // 6x·v
  Tensor j = autograd::jacobian([](const Tensor& v) { return v * v; }, tensor({1, 2, 3}, {3}));
  EXPECT_TRUE(ember::testing::Near(j, {3, 3}, {2, 0, 0, 0, 4, 0, 0, 0, 6}));
  Tensor h = autograd::hessian([](const Tensor& v) { return (v * v * v).sum(); }, tensor({1, 2}, {2}));
  EXPECT_TRUE(ember::testing::Near(h, {2, 2}, {6, 0, 0, 12}));
  Tensor constant = autograd::hessian([](const Tensor& v) { return (v * 2.0f).sum(); }, tensor({1, 2}, {2}));
  EXPECT_TRUE(ember::testing::Near(constant, {2, 2}, {0, 0, 0, 0}));
  EXPECT_NE(error_of([] {
              autograd::hessian([](const Tensor& v) { return v * 2.0f; }, ones({2}));
            }).find("autograd::hessian: f must return a single value, got shape [2]"),
            std::string::npos);
}

TEST(HigherOrder, AnomalyDetectionNamesTheNode) {
  Tensor x = tensor({0.0f}, {1}, true);
  Tensor y = sqrt(x).sum();  // d/dx √x at 0 is infinite
  {
    autograd::DetectAnomalyGuard anomaly;
    std::string message = error_of([&] { y.backward({}, true); });
    EXPECT_NE(message.find("SqrtBackward returned an infinity"), std::string::npos) << message;
    EXPECT_NE(message.find("the forward op that recorded it is Sqrt"), std::string::npos) << message;
  }
  EXPECT_NO_THROW(y.backward());  // off again: infinities flow as in PyTorch
}

TEST(HigherOrder, GradgradcheckOfCoreOps) {
  Tensor a = inputs_for({2, 3}, 0.5f, 2.0f, 1), b = inputs_for({2, 3}, 0.5f, 2.0f, 2);
  Tensor m = inputs_for({3, 4}, -1.0f, 1.0f, 3);
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return in[0] * in[1]; }, {a, b});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return in[0] / in[1]; }, {a, b});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return pow(in[0], in[1]); }, {a, b});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return 2.0f / in[0]; }, {a});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return exp(in[0]) + log(in[1]); }, {a, b});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return sqrt(in[0]) * log1p(in[1]); }, {a, b});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return erf(in[0]) * pow(in[1], 3.0f); }, {a, b});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return tanh(in[0]) * sigmoid(in[1]); }, {a, b});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return matmul(in[0] * in[0], in[1]); }, {a, m});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return (in[0] * in[0]).sum({1}) * in[1].mean(); },
                       {a, b});
  expect_gradgradcheck(
      [](const std::vector<Tensor>& in) {
        Tensor t = cat({in[0] * in[0], in[1]}, 1);
        return narrow(t, 1, 1, 4).reshape({4, 2}).t() * t.sum();
      },
      {a, b});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return maximum(in[0], in[1]) * in[0]; }, {a, b});
}
