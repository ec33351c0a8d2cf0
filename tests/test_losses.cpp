// Losses: values and gradients against PyTorch fixtures for every loss and
// reduction, finite-difference gradchecks, stability at large logits, errors.
#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core_test_util.h"
#include "nn_fixture.h"

using namespace ember;
using ember::testing::error_of;
using nn_fixture::close;

namespace {

using LossFn = std::function<Tensor(const Tensor&, const Tensor&, const std::string&, float)>;

LossFn loss_named(const std::string& fn) {
  if (fn == "mse_loss") return [](auto& x, auto& t, auto& r, float) { return F::mse_loss(x, t, r); };
  if (fn == "l1_loss") return [](auto& x, auto& t, auto& r, float) { return F::l1_loss(x, t, r); };
  if (fn == "smooth_l1_loss")
    return [](auto& x, auto& t, auto& r, float p) { return F::smooth_l1_loss(x, t, r, p); };
  if (fn == "huber_loss") return [](auto& x, auto& t, auto& r, float p) { return F::huber_loss(x, t, r, p); };
  if (fn == "cross_entropy")
    return [](auto& x, auto& t, auto& r, float p) { return F::cross_entropy(x, t, r, p); };
  if (fn == "nll_loss") return [](auto& x, auto& t, auto& r, float) { return F::nll_loss(x, t, r); };
  if (fn == "binary_cross_entropy")
    return [](auto& x, auto& t, auto& r, float) { return F::binary_cross_entropy(x, t, r); };
  if (fn == "binary_cross_entropy_with_logits")
    return [](auto& x, auto& t, auto& r, float) { return F::binary_cross_entropy_with_logits(x, t, r); };
  throw std::runtime_error("unknown loss " + fn);
}

}  // namespace

TEST(Losses, MatchPyTorchValuesAndGradients) {
  auto fx = nn_fixture::read("nn_losses.txt");
  ASSERT_EQ(fx.cases.size(), 39u);  // 13 cases × 3 reductions
  for (const auto& c : fx.cases) {
    const std::string &id = c[0], &fn = c[1], &reduction = c[2];
    float param = std::stof(c[3]);
    bool target_grad = c[4] == "target_grad";
    SCOPED_TRACE(id);
    Tensor x = fx.tensor(id + ".input").requires_grad_(), t = fx.tensor(id + ".target");
    if (target_grad) t.requires_grad_();
    Tensor y = loss_named(fn)(x, t, reduction, param);
    EXPECT_TRUE(close(y, fx.tensor(id + ".output"), 1e-5, 1e-5));
    y.backward(fx.tensor(id + ".grad_output"));
    EXPECT_TRUE(close(x.grad(), fx.tensor(id + ".grad_input"), 1e-6, 1e-5));
    if (target_grad) {
      EXPECT_TRUE(close(t.grad(), fx.tensor(id + ".grad_target"), 1e-6, 1e-5));
    }
  }
}

// Finite differences for every loss and every reduction, away from kinks.
TEST(Losses, GradcheckEveryLossEveryReduction) {
  manual_seed(7);
  Tensor x = randn({3, 4}) * 2.0f, t = randn({3, 4}) * 2.0f;
  Tensor p = rand({3, 4}) * 0.8f + 0.1f, bt = rand({3, 4});
  Tensor logits = randn({3, 4}), classes = tensor({0, 3, 2}, {3});
  Tensor logits_nd = randn({2, 3, 2}), classes_nd = tensor({0, 2, 1, 1}, {2, 2});
  Tensor soft = F::softmax(randn({3, 4}), 1);
  struct Case {
    const char* name;
    std::function<Tensor(const std::vector<Tensor>&, const std::string&)> f;
    std::vector<Tensor> inputs;
  };
  std::vector<Case> cases = {
      {"mse", [](auto& in, auto& r) { return F::mse_loss(in[0], in[1], r); }, {x, t}},
      {"l1", [](auto& in, auto& r) { return F::l1_loss(in[0], in[1], r); }, {x, t}},
      {"smooth_l1", [](auto& in, auto& r) { return F::smooth_l1_loss(in[0], in[1], r, 1.5f); }, {x, t}},
      {"huber", [](auto& in, auto& r) { return F::huber_loss(in[0], in[1], r, 0.7f); }, {x, t}},
      {"bce", [](auto& in, auto& r) { return F::binary_cross_entropy(in[0], in[1], r); }, {p, bt}},
      {"bce_logits",
       [](auto& in, auto& r) { return F::binary_cross_entropy_with_logits(in[0], in[1], r); },
       {x, bt}},
      {"cross_entropy", [&](auto& in, auto& r) { return F::cross_entropy(in[0], classes, r); }, {logits}},
      {"cross_entropy_smooth",
       [&](auto& in, auto& r) { return F::cross_entropy(in[0], classes, r, 0.2f); },
       {logits}},
      {"cross_entropy_nd",
       [&](auto& in, auto& r) { return F::cross_entropy(in[0], classes_nd, r, 0.1f); },
       {logits_nd}},
      {"cross_entropy_soft",
       [](auto& in, auto& r) { return F::cross_entropy(in[0], in[1], r, 0.1f); },
       {logits, soft}},
      {"nll", [&](auto& in, auto& r) { return F::nll_loss(in[0], classes, r); }, {logits}},
  };
  for (const auto& c : cases)
    for (std::string reduction : {"mean", "sum", "none"}) {
      std::vector<Tensor> inputs;
      for (const Tensor& in : c.inputs) inputs.push_back(in.detach().clone().requires_grad_());
      auto r = gradcheck([&](const std::vector<Tensor>& in) { return c.f(in, reduction); }, inputs);
      EXPECT_TRUE(r.ok) << c.name << " " << reduction << ": " << r.worst;
    }
}

TEST(Losses, CrossEntropyIsStableForHugeLogits) {
  Tensor logits = tensor({1e4f, -1e4f, 0, 3e4f, 3e4f, -3e4f}, {2, 3}, true);
  Tensor loss = F::cross_entropy(logits, tensor({1, 0}, {2}), "none");
  auto v = loss.to_vector();
  EXPECT_FLOAT_EQ(v[0], 2e4f);
  EXPECT_NEAR(v[1], std::log(2.0f), 1e-6);
  loss.sum().backward();
  for (float g : logits.grad().to_vector()) EXPECT_TRUE(std::isfinite(g));
  Tensor big = tensor({200, -200}, {2}, true);
  auto bce = F::binary_cross_entropy_with_logits(big, tensor({0, 1}, {2}), "none").to_vector();
  EXPECT_FLOAT_EQ(bce[0], 200.0f);
  EXPECT_FLOAT_EQ(bce[1], 200.0f);
}

TEST(Losses, CrossEntropyEqualsNllOfLogSoftmax) {
  manual_seed(8);
  Tensor logits = randn({6, 5}), target = tensor({0, 1, 2, 3, 4, 0}, {6});
  EXPECT_TRUE(close(F::cross_entropy(logits, target), F::nll_loss(F::log_softmax(logits, 1), target), 1e-6));
  // Unbatched [C] logits with a scalar target.
  Tensor one = randn({5});
  EXPECT_TRUE(
      close(F::cross_entropy(one, tensor({2}, {})), F::cross_entropy(one.reshape({1, 5}), tensor({2}, {1}))));
}

TEST(Losses, ErrorsNameShapesAndValues) {
  Tensor logits = zeros({4, 3});
  std::string e = error_of([&] { F::cross_entropy(logits, tensor({0, 1, 3, 2}, {4})); });
  EXPECT_NE(e.find("target 3 at index 2"), std::string::npos) << e;
  EXPECT_NE(e.find("[4, 3]"), std::string::npos) << e;
  EXPECT_NE(e.find("target [4]"), std::string::npos) << e;
  e = error_of([&] { F::cross_entropy(logits, zeros({4, 1})); });
  EXPECT_NE(e.find("target shape [4, 1] does not match input shape [4, 3]"), std::string::npos) << e;
  e = error_of([&] { F::cross_entropy(logits, tensor({0, 1.5f, 0, 0}, {4})); });
  EXPECT_NE(e.find("1.5"), std::string::npos) << e;
  e = error_of([&] { F::cross_entropy(logits, tensor({0, -1, 0, 0}, {4})); });
  EXPECT_NE(e.find("not a class index in [0, 3)"), std::string::npos) << e;
  e = error_of([&] { F::nll_loss(logits, tensor({0, 0, 9, 0}, {4})); });
  EXPECT_NE(e.find("nll_loss: target 9"), std::string::npos) << e;
  e = error_of([&] { F::mse_loss(zeros({4, 1}), zeros({4})); });
  EXPECT_NE(e.find("mse_loss: target shape [4] does not match input shape [4, 1]"), std::string::npos) << e;
  e = error_of([&] { F::l1_loss(zeros({4}), zeros({4}), "avg"); });
  EXPECT_EQ(e, "l1_loss: reduction must be \"mean\", \"sum\" or \"none\", got \"avg\"");
  e = error_of([&] { F::binary_cross_entropy(tensor({0.5f, 1.5f}, {2}), zeros({2})); });
  EXPECT_NE(e.find("between 0 and 1"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { F::cross_entropy(logits, zeros({4}), "mean", 1.5f); }).find("label_smoothing"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::huber_loss(zeros({2}), zeros({2}), "mean", 0.0f); }).find("delta"),
            std::string::npos);
  EXPECT_NE(error_of([&] { F::smooth_l1_loss(zeros({2}), zeros({2}), "mean", -1.0f); }).find("beta"),
            std::string::npos);
  EXPECT_NE(error_of([] { nn::MSELoss("avg"); }).find("reduction"), std::string::npos);
}

TEST(Losses, ModulesCallTheFunctions) {
  manual_seed(9);
  Tensor x = randn({3, 4}), t = randn({3, 4}), p = rand({3, 4}), c = tensor({1, 0, 3}, {3});
  EXPECT_TRUE(close(nn::MSELoss()(x, t), F::mse_loss(x, t)));
  EXPECT_TRUE(close(nn::L1Loss("sum")(x, t), F::l1_loss(x, t, "sum")));
  EXPECT_TRUE(close(nn::SmoothL1Loss("none", 0.5f)(x, t), F::smooth_l1_loss(x, t, "none", 0.5f)));
  EXPECT_TRUE(close(nn::HuberLoss("mean", 2.0f)(x, t), F::huber_loss(x, t, "mean", 2.0f)));
  EXPECT_TRUE(close(nn::CrossEntropyLoss("mean", 0.1f)(x, c), F::cross_entropy(x, c, "mean", 0.1f)));
  EXPECT_TRUE(close(nn::NLLLoss()(x, c), F::nll_loss(x, c)));
  EXPECT_TRUE(close(nn::BCELoss()(p, p), F::binary_cross_entropy(p, p)));
  EXPECT_TRUE(close(nn::BCEWithLogitsLoss()(x, p), F::binary_cross_entropy_with_logits(x, p)));
  nn::CrossEntropyLoss loss;
  EXPECT_EQ(loss.to_string(), "CrossEntropyLoss()");
}

TEST(Losses, GraphIsFreed) {
  {
    Tensor w = randn({3, 4}).requires_grad_();
    Tensor loss = F::cross_entropy(F::linear(randn({5, 4}), w), tensor({0, 1, 2, 0, 1}, {5}));
    loss.backward();
  }
  EXPECT_EQ(live_node_count(), 0);
}
