// Gradients of gradients: backward(create_graph), autograd::grad and the
// functional helpers, gradgradcheck of the core ops, no reference cycles, and
// the errors. Activations and layers have their own second-order tests.
#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/transposed_matmul.h"
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
  EXPECT_FLOAT_EQ(g[1].item(), 14.0f);                      // Σx²
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

// --- activations, layers and losses ------------------------------------------

namespace {

// Inputs away from every kink (0, ±0.5, ±1, ±3, ±6): finite differences of a
// piecewise function across a kink are not its derivative.
Tensor away_from_kinks(Shape shape) {
  const std::vector<float> pool = {-2.7f, -1.7f, -0.8f, -0.3f, 0.2f, 0.7f,
                                   1.3f,  2.4f,  -2.2f, 0.35f, 1.8f, -1.2f};
  std::vector<float> v(static_cast<size_t>(numel_of(shape)));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = pool[(i * 5) % pool.size()] + 0.01f * static_cast<float>(i % 3);
  return tensor(v, std::move(shape), true);
}

struct Unary {
  const char* name;
  std::function<Tensor(const Tensor&)> f;
};

const std::vector<Unary>& activations() {
  static const std::vector<Unary> all = {
      {"relu", [](const Tensor& x) { return F::relu(x) * x; }},  // * x: a non-zero second derivative
      {"leaky_relu", [](const Tensor& x) { return F::leaky_relu(x, 0.1f) * x; }},
      {"relu6", [](const Tensor& x) { return F::relu6(x) * x; }},
      {"hardtanh", [](const Tensor& x) { return F::hardtanh(x) * x; }},
      {"elu", [](const Tensor& x) { return F::elu(x); }},
      {"elu(-0.5)", [](const Tensor& x) { return F::elu(x, -0.5f); }},
      {"selu", [](const Tensor& x) { return F::selu(x); }},
      {"celu(0.7)", [](const Tensor& x) { return F::celu(x, 0.7f); }},
      {"sigmoid", [](const Tensor& x) { return F::sigmoid(x); }},
      {"tanh", [](const Tensor& x) { return F::tanh(x); }},
      {"logsigmoid", [](const Tensor& x) { return F::logsigmoid(x); }},
      {"silu", [](const Tensor& x) { return F::silu(x); }},
      {"mish", [](const Tensor& x) { return F::mish(x); }},
      {"hardswish", [](const Tensor& x) { return F::hardswish(x); }},
      {"hardsigmoid", [](const Tensor& x) { return F::hardsigmoid(x) * x; }},
      {"hardsigmoid(1, 2)", [](const Tensor& x) { return F::hardsigmoid(x, 1, 2) * x; }},
      {"gelu", [](const Tensor& x) { return F::gelu(x); }},
      {"gelu(tanh)", [](const Tensor& x) { return F::gelu(x, "tanh"); }},
      {"softplus", [](const Tensor& x) { return F::softplus(x, 2.0f, 3.0f); }},
      {"hardshrink", [](const Tensor& x) { return F::hardshrink(x) * x; }},
      {"softshrink", [](const Tensor& x) { return F::softshrink(x) * x; }},
      {"threshold", [](const Tensor& x) { return F::threshold(x, 0.1f, -2.0f) * x; }},
      {"softsign", [](const Tensor& x) { return F::softsign(x); }},
      {"tanhshrink", [](const Tensor& x) { return F::tanhshrink(x); }},
      {"rrelu (eval)", [](const Tensor& x) { return F::rrelu(x) * x; }},
      {"glu", [](const Tensor& x) { return F::glu(x, 1); }},
      {"softmax", [](const Tensor& x) { return F::softmax(x, 1); }},
      {"log_softmax", [](const Tensor& x) { return F::log_softmax(x, 1); }},
      {"softmin", [](const Tensor& x) { return F::softmin(x, 0); }},
  };
  return all;
}

}  // namespace

TEST(HigherOrder, GradgradcheckOfEveryActivation) {
  for (const Unary& a : activations()) {
    SCOPED_TRACE(a.name);
    expect_gradgradcheck([&](const std::vector<Tensor>& in) { return a.f(in[0]); },
                         {away_from_kinks({3, 4})});
  }
}

TEST(HigherOrder, ThirdOrderOfTheSmoothActivations) {
  // gradgradcheck of x ↦ f′(x) (recorded) checks f‴ against differences of f″.
  for (const char* name :
       {"sigmoid", "tanh", "gelu", "gelu(tanh)", "silu", "mish", "softplus", "logsigmoid"}) {
    SCOPED_TRACE(name);
    const Unary* a = nullptr;
    for (const Unary& u : activations())
      if (std::string(u.name) == name) a = &u;
    ASSERT_NE(a, nullptr);
    expect_gradgradcheck(
        [&](const std::vector<Tensor>& in) {
          return autograd::grad({a->f(in[0]).sum()}, {in[0]}, {}, std::nullopt, /*create_graph=*/true)[0];
        },
        {away_from_kinks({2, 3})});
  }
}

TEST(HigherOrder, GradgradcheckOfLearnableActivations) {
  Tensor x = away_from_kinks({2, 3, 2}), w = tensor({0.2f, -0.4f, 0.3f}, {3}, true);
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return F::prelu(in[0], in[1]) * in[0]; }, {x, w});
  Tensor beta = tensor({1.3f}, {1}, true);
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return F::swish(in[0], in[1]); }, {x, beta});
  manual_seed(5);  // training RReLU: the drawn slopes are constants of the graph
  Tensor fixed = away_from_kinks({2, 3});
  Tensor y = F::rrelu(fixed, 0.1f, 0.3f, true);
  Tensor g = autograd::grad({(y * fixed).sum()}, {fixed}, {}, std::nullopt, true)[0];
  Tensor h = autograd::grad({g.sum()}, {fixed})[0];  // d²/dx² (r x · x) = 2r where x < 0, 2 elsewhere
  for (int64_t i = 0; i < fixed.numel(); ++i) {
    float xv = fixed.to_vector()[i], r = (y.to_vector()[i]) / xv;
    EXPECT_NEAR(h.to_vector()[i], xv > 0 ? 2.0f : 2.0f * r, 1e-5f);
  }
}

TEST(HigherOrder, GradgradcheckOfLayers) {
  manual_seed(7);
  Tensor x = (randn({4, 3}) * 0.5f).requires_grad_(), w = (randn({5, 3}) * 0.5f).requires_grad_(),
         b = (randn({5}) * 0.1f).requires_grad_();
  for (auto act : {F::LinearActivation::none, F::LinearActivation::tanh, F::LinearActivation::sigmoid}) {
    expect_gradgradcheck([act](const std::vector<Tensor>& in) { return F::linear(in[0], in[1], in[2], act); },
                         {x, w, b});
  }
  // relu's second derivative is 0: the product with x keeps one to check
  expect_gradgradcheck(
      [](const std::vector<Tensor>& in) {
        return F::linear(in[0], in[1], in[2], F::LinearActivation::relu) * F::linear(in[0], in[1], in[2]);
      },
      {x, w, b});
  Tensor x2 = (randn({4, 2}) * 0.5f).requires_grad_(), bw = (randn({3, 3, 2}) * 0.5f).requires_grad_();
  expect_gradgradcheck(
      [](const std::vector<Tensor>& in) { return F::bilinear(in[0], in[1], in[2]) * in[0].sum(); },
      {x, x2, bw});
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return F::dropout(in[0], 0.0f, true) * in[0]; },
                       {x});
}

TEST(HigherOrder, GradgradcheckOfLosses) {
  manual_seed(9);
  Tensor x = (randn({4, 3})).requires_grad_(), t = (randn({4, 3})).requires_grad_();
  Tensor p = (rand({4, 3}) * 0.8f + 0.1f).requires_grad_(), q = rand({4, 3});
  Tensor labels = tensor({0, 2, 1, 2}, {4});
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    std::string r = reduction;
    expect_gradgradcheck([r](const std::vector<Tensor>& in) { return F::mse_loss(in[0], in[1], r); }, {x, t});
    expect_gradgradcheck(
        [r](const std::vector<Tensor>& in) { return F::huber_loss(in[0] * in[0], in[1], r, 0.5f); }, {x, t});
    expect_gradgradcheck(
        [r](const std::vector<Tensor>& in) { return F::smooth_l1_loss(in[0] * in[0], in[1], r, 0.7f); },
        {x, t});
    expect_gradgradcheck(
        [r, q](const std::vector<Tensor>& in) { return F::binary_cross_entropy(in[0], q, r); }, {p});
    expect_gradgradcheck(
        [r, q](const std::vector<Tensor>& in) { return F::binary_cross_entropy_with_logits(in[0], q, r); },
        {x});
    expect_gradgradcheck(
        [r, labels](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], labels, r, 0.1f); }, {x});
    expect_gradgradcheck(
        [r](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], F::softmax(in[1], 1), r); },
        {x, t});
    expect_gradgradcheck(
        [r, labels](const std::vector<Tensor>& in) {
          return F::nll_loss(F::log_softmax(in[0], 1), labels, r);
        },
        {x});
  }
}

TEST(HigherOrder, PhysicsInformedResidualOfATanhMlp) {
  // u(x) = MLP(x); the residual u″ + π² sin(πx) needs the second derivative of the
  // network with respect to its input, and training needs its gradient in the weights.
  manual_seed(3);
  nn::Sequential model{std::make_shared<nn::Linear>(1, 8), std::make_shared<nn::Tanh>(),
                       std::make_shared<nn::Linear>(8, 8), std::make_shared<nn::Tanh>(),
                       std::make_shared<nn::Linear>(8, 1)};
  Tensor x = linspace(-1, 1, 5).reshape({5, 1}).requires_grad_();
  auto residual_loss = [&](const Tensor& xs) {
    Tensor u = model(xs);
    Tensor du = autograd::grad({u.sum()}, {xs}, {}, std::nullopt, true)[0];
    Tensor d2u = autograd::grad({du.sum()}, {xs}, {}, std::nullopt, true)[0];
    const float pi = 3.14159265f;
    Tensor r = d2u + (xs * pi).sin() * (pi * pi);
    return (r * r).mean();
  };
  // d²u/dx² by autograd equals finite differences of du/dx.
  Tensor du = autograd::grad({model(x).sum()}, {x}, {}, std::nullopt, true)[0];
  Tensor d2u = autograd::grad({du.sum()}, {x})[0];
  const float h = 1e-2f;
  Tensor xp = (x.detach() + h).requires_grad_(), xm = (x.detach() - h).requires_grad_();
  Tensor dup = autograd::grad({model(xp).sum()}, {xp})[0], dum = autograd::grad({model(xm).sum()}, {xm})[0];
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(d2u.to_vector()[i], (dup.to_vector()[i] - dum.to_vector()[i]) / (2 * h), 2e-3f);
  // The residual loss trains: its gradient reaches the weights and Adam lowers it.
  optim::Adam opt(model.parameters(), {.lr = 1e-2f});
  float first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    Tensor loss = residual_loss(x);
    if (step == 0) first = loss.item();
    last = loss.item();
    opt.zero_grad();
    loss.backward();
    auto params = model.parameters();  // u″ does not depend on the last bias: it alone gets no gradient
    for (size_t i = 0; i + 1 < params.size(); ++i)
      ASSERT_TRUE(params[i].grad().defined()) << "parameter " << i;
    EXPECT_FALSE(params.back().grad().defined());
    opt.step();
  }
  EXPECT_LT(last, first);
}

TEST(HigherOrder, SinAndCos) {
  Tensor x = tensor({0.3f, -1.2f, 2.0f}, {3}, true);
  EXPECT_TRUE(ember::testing::Near(sin(x), {3}, {std::sin(0.3f), std::sin(-1.2f), std::sin(2.0f)}));
  Tensor g = autograd::grad({sin(x).sum()}, {x}, {}, std::nullopt, true)[0];
  Tensor h = autograd::grad({g.sum()}, {x})[0];
  EXPECT_TRUE(ember::testing::Near(g, {3}, {std::cos(0.3f), std::cos(-1.2f), std::cos(2.0f)}));
  EXPECT_TRUE(ember::testing::Near(h, {3}, {-std::sin(0.3f), -std::sin(-1.2f), -std::sin(2.0f)}));
  expect_gradgradcheck([](const std::vector<Tensor>& in) { return sin(in[0]) * cos(in[0] * 2.0f); },
                       {away_from_kinks({2, 3})});
}

TEST(HigherOrder, DifferentiableBackwardEqualsTheFastOneAtFirstOrder) {
  // The two backward functions of each op must agree: gradgradcheck only holds
  // the differentiable one against itself. Inputs across [−150, 150] (and the
  // usual points between the kinks).
  manual_seed(11);
  std::vector<Tensor> inputs = {away_from_kinks({3, 4}), (rand({3, 4}) * 300.0f - 150.0f).requires_grad_()};
  for (const Unary& a : activations()) {
    for (const Tensor& x : inputs) {
      SCOPED_TRACE(std::string(a.name) + (x.numel() && std::fabs(x.to_vector()[0]) > 3 ? " wide" : ""));
      Tensor fast = autograd::grad({a.f(x).sum()}, {x})[0];
      Tensor recorded = autograd::grad({a.f(x).sum()}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
      ASSERT_TRUE(recorded.requires_grad());
      std::vector<float> f = fast.to_vector(), r = recorded.to_vector();
      for (size_t i = 0; i < f.size(); ++i)
        EXPECT_NEAR(r[i], f[i], 1e-4f * std::max(1.0f, std::fabs(f[i])))
            << "element " << i << " x=" << x.to_vector()[i];
    }
  }
}

TEST(HigherOrder, TransposedProductsAndTheirGradients) {
  // detail::matmul_transposed is what the differentiable backwards of matmul and
  // Linear are made of: every flag combination, against explicit transposes.
  manual_seed(13);
  Tensor a = randn({3, 4}).requires_grad_(), b = randn({4, 2}).requires_grad_();
  Tensor at = a.detach().t().clone().requires_grad_(), bt = b.detach().t().clone().requires_grad_();
  std::vector<float> expected = matmul(a, b).to_vector();
  for (int flags = 0; flags < 4; ++flags) {
    SCOPED_TRACE(flags);
    bool ta = flags & 1, tb = flags & 2;
    Tensor x = ta ? at : a, y = tb ? bt : b;
    Tensor c = detail::matmul_transposed(x, ta, y, tb);
    std::vector<float> got = c.to_vector();
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5f);
    expect_gradgradcheck(
        [ta, tb](const std::vector<Tensor>& in) {
          return detail::matmul_transposed(in[0] * in[0], ta, in[1], tb);
        },
        {x, y});
  }
}
