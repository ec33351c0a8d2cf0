// Modules: registration and dotted names, train/eval propagation, printing,
// Sequential/Flatten/Identity, Dropout (statistically in train mode, exactly
// in eval mode), and nn::init (gains, fans, bounds and spreads).
#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core_test_util.h"
#include "nn_fixture.h"

using namespace ember;
using ember::testing::error_of;
using nn_fixture::close;

namespace {

// A user-defined model as one would write it: a submodule named "layers" and a buffer.
class Net : public nn::Module {
 public:
  Net() {
    layers =
        register_module("layers", std::make_shared<nn::Sequential>(nn::Sequential{
                                      std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::Dropout>(0.2f),
                                      std::make_shared<nn::Linear>(8, 2)}));
    scale = register_buffer("scale", ones({2}));
  }
  Tensor forward(const Tensor& x) override { return (*layers)(x)*scale; }
  std::string name() const override { return "Net"; }
  std::shared_ptr<nn::Sequential> layers;
  Tensor scale;
};

}  // namespace

TEST(Modules, DottedNamesAndRegistration) {
  Net net;
  auto named = net.named_parameters();
  ASSERT_EQ(named.size(), 4u);
  EXPECT_EQ(named[0].first, "layers.0.weight");
  EXPECT_EQ(named[1].first, "layers.0.bias");
  EXPECT_EQ(named[2].first, "layers.2.weight");
  EXPECT_EQ(named[3].first, "layers.2.bias");
  EXPECT_EQ(net.named_buffers().size(), 1u);
  EXPECT_EQ(net.named_buffers()[0].first, "scale");
  EXPECT_EQ(net.num_parameters(), 4 * 8 + 8 + 8 * 2 + 2);
  // The registered tensor and the member are one handle.
  auto lin = net.layers->at<nn::Linear>(0);
  EXPECT_EQ(lin->weight.impl(), named[0].second.impl());
  EXPECT_NE(error_of([&] { net.layers->at<nn::Linear>(1); }).find("is a Dropout"), std::string::npos);
  EXPECT_NE(error_of([&] { (*net.layers)[3]; }).find("index 3 is out of range for 3 modules"),
            std::string::npos);
}

TEST(Modules, TrainEvalPropagates) {
  Net net;
  EXPECT_TRUE(net.is_training());
  net.eval();
  EXPECT_FALSE(net.is_training());
  for (const auto& m : *net.layers) EXPECT_FALSE(m->is_training());
  net.train();
  for (const auto& m : *net.layers) EXPECT_TRUE(m->is_training());
  // eval is not no_grad: the graph is still recorded.
  net.eval();
  Tensor y = net(ones({2, 4}));
  EXPECT_TRUE(y.requires_grad());
  y.sum().backward();
  EXPECT_TRUE(net.layers->at<nn::Linear>(0)->weight.grad().defined());
  net.zero_grad();
  EXPECT_FALSE(net.layers->at<nn::Linear>(0)->weight.grad().defined());
}

TEST(Modules, PrintsLikePyTorch) {
  nn::Sequential seq{std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(784, 256),
                     std::make_shared<nn::Dropout>(0.1f), std::make_shared<nn::Linear>(256, 10, false),
                     std::make_shared<nn::Identity>()};
  EXPECT_EQ(seq.to_string(),
            "Sequential(\n"
            "  (0): Flatten(start_dim=1, end_dim=-1)\n"
            "  (1): Linear(in_features=784, out_features=256, bias=True)\n"
            "  (2): Dropout(p=0.1, inplace=False)\n"
            "  (3): Linear(in_features=256, out_features=10, bias=False)\n"
            "  (4): Identity()\n"
            ")");
  EXPECT_EQ(nn::Dropout().to_string(), "Dropout(p=0.5, inplace=False)");
  EXPECT_EQ(nn::Bilinear(2, 3, 4).to_string(),
            "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)");
  EXPECT_EQ(seq.size(), 5u);
}

TEST(Modules, SequentialChainsAndPushBack) {
  manual_seed(1);
  auto a = std::make_shared<nn::Linear>(3, 4), b = std::make_shared<nn::Linear>(4, 2);
  nn::Sequential seq;
  seq.push_back(a);
  seq.push_back(b);
  Tensor x = randn({5, 3});
  EXPECT_TRUE(close(seq(x), (*b)((*a)(x))));
  EXPECT_EQ(seq.named_parameters()[2].first, "1.weight");
  EXPECT_NE(error_of([&] { seq.push_back(nullptr); }).find("null"), std::string::npos);
}

TEST(Modules, FlattenAndIdentity) {
  Tensor x = randn({2, 3, 4, 5});
  EXPECT_EQ(nn::Flatten()(x).shape(), Shape({2, 60}));
  EXPECT_EQ(nn::Flatten(0, 1)(x).shape(), Shape({6, 4, 5}));
  EXPECT_EQ(nn::Flatten(2)(x).shape(), Shape({2, 3, 20}));
  EXPECT_EQ(nn::Identity()(x).impl(), x.impl());
}

TEST(Dropout, EvalIsIdentityAndTrainKeepsTheMean) {
  manual_seed(3);
  Tensor x = ones({200000});
  EXPECT_EQ(F::dropout(x, 0.3f, false).impl(), x.impl());
  EXPECT_EQ(F::dropout(x, 0.0f, true).impl(), x.impl());
  auto v = F::dropout(x, 0.3f, true).to_vector();
  int64_t kept = 0;
  double sum = 0;
  for (float e : v) {
    EXPECT_TRUE(e == 0.0f || std::fabs(e - 1.0f / 0.7f) < 1e-6f);
    kept += e != 0.0f;
    sum += e;
  }
  double n = static_cast<double>(v.size()), p_keep = 0.7;
  // 5 standard deviations of a binomial count.
  EXPECT_NEAR(kept / n, p_keep, 5 * std::sqrt(p_keep * (1 - p_keep) / n));
  EXPECT_NEAR(sum / n, 1.0, 0.01);
  nn::Dropout d(0.5f);
  d.eval();
  EXPECT_EQ(d(x).impl(), x.impl());
}

TEST(Dropout, BackwardUsesTheSameMaskAndEdgeProbabilities) {
  manual_seed(4);
  Tensor x = randn({1000}).requires_grad_();
  Tensor y = F::dropout(x, 0.4f, true);
  y.sum().backward();
  auto yv = y.to_vector(), xv = x.to_vector(), g = x.grad().to_vector();
  for (size_t i = 0; i < yv.size(); ++i) EXPECT_FLOAT_EQ(g[i] * xv[i], yv[i]);
  // p = 1 drops everything (as PyTorch); p outside [0, 1] is an error.
  for (float e : F::dropout(x, 1.0f, true).to_vector()) EXPECT_EQ(e, 0.0f);
  EXPECT_NE(error_of([&] { F::dropout(x, 1.5f, true); }).find("between 0 and 1, but got 1.5"),
            std::string::npos);
  EXPECT_NE(error_of([] { nn::Dropout(-0.1f); }).find("between 0 and 1"), std::string::npos);
}

TEST(Init, GainsAsPyTorch) {
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("linear"), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("conv2d"), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("tanh"), 5.0 / 3);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("selu"), 0.75);
  EXPECT_NE(error_of([] { nn::init::calculate_gain("swish"); }).find("unsupported nonlinearity 'swish'"),
            std::string::npos);
}

TEST(Init, FansBoundsAndSpreads) {
  manual_seed(5);
  auto [fan_in, fan_out] = nn::init::calculate_fan_in_and_fan_out(zeros({3, 4, 5}));
  EXPECT_EQ(fan_in, 20);
  EXPECT_EQ(fan_out, 15);
  EXPECT_NE(error_of([] { nn::init::xavier_uniform_(zeros({5})); }).find("fewer than 2 dimensions"),
            std::string::npos);
  auto stats = [](const Tensor& t) {
    double s = 0, q = 0, m = 0;
    auto v = t.to_vector();
    for (float e : v)
      s += e, q += static_cast<double>(e) * e, m = std::max(m, std::fabs(static_cast<double>(e)));
    double n = static_cast<double>(v.size());
    return std::tuple{s / n, std::sqrt(q / n - (s / n) * (s / n)), m};
  };
  Tensor w = Tensor::empty({400, 300});
  nn::init::kaiming_uniform_(w, 0, "fan_in", "relu");
  auto [mean, std, max] = stats(w);
  double bound = std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(300.0);
  EXPECT_LE(max, bound);
  EXPECT_NEAR(std, bound / std::sqrt(3.0), 0.01 * bound);
  nn::init::kaiming_normal_(w, 0, "fan_out", "relu");
  std::tie(mean, std, max) = stats(w);
  EXPECT_NEAR(std, std::sqrt(2.0) / std::sqrt(400.0), 0.01 * std::sqrt(2.0 / 400));
  EXPECT_NEAR(mean, 0.0, 0.002);
  nn::init::xavier_uniform_(w, 2.0);
  std::tie(mean, std, max) = stats(w);
  EXPECT_LE(max, 2.0 * std::sqrt(6.0 / 700));
  EXPECT_NEAR(std, 2.0 * std::sqrt(2.0 / 700), 0.02 * std::sqrt(2.0 / 700));
  nn::init::xavier_normal_(w);
  std::tie(mean, std, max) = stats(w);
  EXPECT_NEAR(std, std::sqrt(2.0 / 700), 0.01 * std::sqrt(2.0 / 700));
  nn::init::uniform_(w, 2, 3);
  std::tie(mean, std, max) = stats(w);
  EXPECT_NEAR(mean, 2.5, 0.01);
  nn::init::normal_(w, -1, 0.5);
  std::tie(mean, std, max) = stats(w);
  EXPECT_NEAR(mean, -1, 0.01);
  EXPECT_NEAR(std, 0.5, 0.01);
  EXPECT_EQ(nn::init::constant_(zeros({2}), 0.25).to_vector(), std::vector<float>({0.25f, 0.25f}));
  EXPECT_EQ(nn::init::ones_(zeros({2})).to_vector(), std::vector<float>({1, 1}));
  EXPECT_EQ(nn::init::zeros_(ones({2})).to_vector(), std::vector<float>({0, 0}));
  EXPECT_NE(error_of([&] { nn::init::kaiming_uniform_(w, 0, "fan_avg"); }).find("'fan_avg'"),
            std::string::npos);
  // Same seed, same values.
  manual_seed(11);
  auto first = nn::Linear(5, 3).weight.to_vector();
  manual_seed(11);
  EXPECT_EQ(nn::Linear(5, 3).weight.to_vector(), first);
}

TEST(Module, ALayerUsedTwiceIsListedOnceAndTrains) {
  // Weight sharing: the same Linear at two places of a Sequential. Its
  // parameters are listed once, under the first name (PyTorch's
  // named_parameters()), so an optimizer accepts them and steps them once.
  auto shared = std::make_shared<nn::Linear>(3, 3);
  nn::Sequential model{shared, std::make_shared<nn::Tanh>(), shared};
  auto named = model.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "0.weight");
  EXPECT_EQ(named[1].first, "0.bias");
  optim::SGD opt(model.parameters(), optim::SGDOptions{.lr = 0.1f});
  std::vector<float> before = shared->weight.to_vector();
  model(ones({2, 3})).sum().backward();
  opt.step();
  std::vector<float> after = shared->weight.to_vector(), grad = shared->weight.grad().to_vector();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_FLOAT_EQ(after[i], before[i] - 0.1f * grad[i]);
}

TEST(Module, ASequentialCannotContainItself) {
  // A module inside itself made forward, parameters() and printing recurse
  // until the stack overflowed, and its shared pointers a cycle never freed.
  auto outer = std::make_shared<nn::Sequential>();
  outer->push_back(std::make_shared<nn::Linear>(2, 2));
  EXPECT_NE(error_of([&] { outer->push_back(outer); }).find("is this module itself"), std::string::npos)
      << error_of([&] { outer->push_back(outer); });
  auto inner = std::make_shared<nn::Sequential>();
  inner->push_back(std::make_shared<nn::ReLU>());
  outer->push_back(inner);
  std::string message = error_of([&] { inner->push_back(outer); });
  EXPECT_NE(message.find("Sequential: submodule '1' (Sequential) contains this module"), std::string::npos)
      << message;
  // Nothing was added: the model still runs and prints.
  EXPECT_EQ(outer->size(), 2u);
  EXPECT_EQ(inner->size(), 1u);
  EXPECT_EQ((*outer)(ones({1, 2})).shape(), (Shape{1, 2}));
  EXPECT_NE(outer->to_string().find("(1): Sequential"), std::string::npos);
  // The same module twice (weight sharing) is no cycle and stays allowed.
  auto shared = std::make_shared<nn::Tanh>();
  nn::Sequential twice{shared, shared};
  EXPECT_EQ(twice.size(), 2u);
}
