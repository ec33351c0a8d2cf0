// In-place activations (F::relu_ & co. and the modules' `inplace` flag), and
// the tutorial's parametrised hardsigmoid. In place means PyTorch's semantics:
// the input's values are overwritten, the result is the same tensor with a new
// grad_fn, gradients equal the out-of-place ones, and misuse — a leaf that
// requires grad, a view of one, a tensor a node saved, a derivative that needs
// the overwritten input — is an ember::Error.
#include <gtest/gtest.h>

#include <cmath>
#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ember.h>

#include "activation_test_util.h"
#include "core_test_util.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::error_of;
using ember::testing::test_inputs;
using ember::testing::ThrowsWith;
using ember::testing::to_double;

namespace {

struct InPlaceRow {
  std::string name;
  std::function<Tensor(const Tensor&)> out_of_place;
  std::function<Tensor&(Tensor&)> in_place;
  const char* node;
};

std::vector<InPlaceRow> in_place_rows() {
  return {
      {"relu", [](auto& x) { return F::relu(x); }, [](Tensor& x) -> Tensor& { return F::relu_(x); },
       "ReluBackward"},
      {"leaky_relu", [](auto& x) { return F::leaky_relu(x); },
       [](Tensor& x) -> Tensor& { return F::leaky_relu_(x); }, "LeakyReluBackward"},
      {"leaky_relu(0.2)", [](auto& x) { return F::leaky_relu(x, 0.2f); },
       [](Tensor& x) -> Tensor& { return F::leaky_relu_(x, 0.2f); }, "LeakyReluBackward"},
      {"leaky_relu(0)", [](auto& x) { return F::leaky_relu(x, 0.0f); },
       [](Tensor& x) -> Tensor& { return F::leaky_relu_(x, 0.0f); }, "LeakyReluBackward"},
      {"relu6", [](auto& x) { return F::relu6(x); }, [](Tensor& x) -> Tensor& { return F::relu6_(x); },
       "HardtanhBackward"},
      {"hardtanh(-2, 3)", [](auto& x) { return F::hardtanh(x, -2, 3); },
       [](Tensor& x) -> Tensor& { return F::hardtanh_(x, -2, 3); }, "HardtanhBackward"},
      {"elu", [](auto& x) { return F::elu(x); }, [](Tensor& x) -> Tensor& { return F::elu_(x); },
       "EluBackward"},
      {"elu(0.5)", [](auto& x) { return F::elu(x, 0.5f); },
       [](Tensor& x) -> Tensor& { return F::elu_(x, 0.5f); }, "EluBackward"},
      {"elu(0)", [](auto& x) { return F::elu(x, 0.0f); },
       [](Tensor& x) -> Tensor& { return F::elu_(x, 0.0f); }, "EluBackward"},
      {"selu", [](auto& x) { return F::selu(x); }, [](Tensor& x) -> Tensor& { return F::selu_(x); },
       "SeluBackward"},
      {"celu", [](auto& x) { return F::celu(x); }, [](Tensor& x) -> Tensor& { return F::celu_(x); },
       "CeluBackward"},
      {"celu(2)", [](auto& x) { return F::celu(x, 2.0f); },
       [](Tensor& x) -> Tensor& { return F::celu_(x, 2.0f); }, "CeluBackward"},
      {"silu", [](auto& x) { return F::silu(x); }, [](Tensor& x) -> Tensor& { return F::silu_(x); },
       "SiluBackward"},
      {"mish", [](auto& x) { return F::mish(x); }, [](Tensor& x) -> Tensor& { return F::mish_(x); },
       "MishBackward"},
      {"hardswish", [](auto& x) { return F::hardswish(x); },
       [](Tensor& x) -> Tensor& { return F::hardswish_(x); }, "HardswishBackward"},
      {"hardsigmoid", [](auto& x) { return F::hardsigmoid(x); },
       [](Tensor& x) -> Tensor& { return F::hardsigmoid_(x); }, "HardsigmoidBackward"},
      {"hardsigmoid(1, 2)", [](auto& x) { return F::hardsigmoid(x, 1, 2); },
       [](Tensor& x) -> Tensor& { return F::hardsigmoid_(x, 1, 2); }, "HardsigmoidBackward"},
      {"threshold(-1, -2)", [](auto& x) { return F::threshold(x, -1, -2); },
       [](Tensor& x) -> Tensor& { return F::threshold_(x, -1, -2); }, "ThresholdBackward"},
      {"threshold(0.1, 20)", [](auto& x) { return F::threshold(x, 0.1f, 20); },  // value > threshold: a copy
       [](Tensor& x) -> Tensor& { return F::threshold_(x, 0.1f, 20); }, "ThresholdBackward"},
      {"rrelu(eval)", [](auto& x) { return F::rrelu(x); }, [](Tensor& x) -> Tensor& { return F::rrelu_(x); },
       "RreluBackward"},
      {"rrelu(0, 0, eval)", [](auto& x) { return F::rrelu(x, 0, 0); },
       [](Tensor& x) -> Tensor& { return F::rrelu_(x, 0, 0); }, "RreluBackward"},
  };
}

class InPlace : public ::testing::TestWithParam<InPlaceRow> {};

std::string row_name(const ::testing::TestParamInfo<InPlaceRow>& info) {
  std::string s;
  for (char c : info.param.name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

// y = f(leaf * 1) and its gradient, the op in place on the non-leaf leaf * 1 or not.
struct Result {
  std::vector<float> y, dx;
};
Result run_op(const InPlaceRow& row, const Tensor& values, bool in_place) {
  Tensor leaf = values.detach().clone().requires_grad_();
  Tensor x = leaf * 1.0f;
  Tensor y = in_place ? row.in_place(x) : row.out_of_place(x);
  manual_seed(3);
  Tensor upstream = randn(y.shape());
  y.backward(upstream);
  return {y.to_vector(), leaf.grad().to_vector()};
}

}  // namespace

// Same values and gradients as the out-of-place op, on the edge cases, the
// [-150, 150] sweep and random inputs (PyTorch's kinks included).
TEST_P(InPlace, MatchesTheOutOfPlaceOp) {
  const InPlaceRow& row = GetParam();
  Tensor x = test_inputs();
  Result a = run_op(row, x, false), b = run_op(row, x, true);
  EXPECT_TRUE(all_close(b.y, to_double(a.y), 0, x.to_vector())) << "forward";
  EXPECT_TRUE(all_close(b.dx, to_double(a.dx), 1e-6, x.to_vector())) << "backward";
}

// The result is x itself: one TensorImpl, its values overwritten, its version
// bumped, its grad_fn the op's node (which links to x's previous one).
TEST_P(InPlace, ReturnsTheSameTensorWithANewGradFn) {
  const InPlaceRow& row = GetParam();
  {
    Tensor leaf = randn({3, 4}).requires_grad_();
    Tensor x = leaf * 2.0f;
    const TensorImpl* impl = x.impl();
    const float* data = x.data();
    std::shared_ptr<Node> before = x.grad_fn();
    int64_t version = x.version();
    Tensor& y = row.in_place(x);
    EXPECT_EQ(&y, &x);
    EXPECT_EQ(x.impl(), impl);
    EXPECT_EQ(x.data(), data);
    EXPECT_EQ(x.version(), version + 1);
    ASSERT_TRUE(x.grad_fn());
    EXPECT_STREQ(x.grad_fn()->name(), row.node);
    ASSERT_EQ(x.grad_fn()->next_edges().size(), 1u);
    EXPECT_EQ(x.grad_fn()->next_edges()[0].node, before);
    EXPECT_EQ(before->output(), nullptr) << "the previous node's output is now an input, not x";
    EXPECT_EQ(x.grad_fn()->output().get(), x.impl());
    EXPECT_TRUE(all_close(x.to_vector(), to_double(row.out_of_place(leaf * 2.0f).to_vector()), 0));
  }
  EXPECT_EQ(live_node_count(), 0) << row.name << " leaked its graph";
}

// Without grad: values in place, no node, the version bumped all the same.
TEST_P(InPlace, WithoutGradRecordsNothing) {
  const InPlaceRow& row = GetParam();
  Tensor x = randn({5});
  std::vector<float> expected = row.out_of_place(x).to_vector();
  row.in_place(x);
  EXPECT_EQ(x.to_vector(), expected);
  EXPECT_FALSE(x.grad_fn());
  EXPECT_FALSE(x.requires_grad());
  EXPECT_EQ(x.version(), 1);
}

// PyTorch's rule: not on a leaf that requires grad while grad mode is on
// (under NoGradGuard it is how parameters are changed, and is allowed).
TEST_P(InPlace, RefusesALeafThatRequiresGrad) {
  const InPlaceRow& row = GetParam();
  Tensor w = tensor({-1.0f, 2.0f}, {2}, true);
  EXPECT_TRUE(ThrowsWith(
      [&] { row.in_place(w); },
      {"_:", "a leaf Variable that requires grad is being used in an in-place operation", "shape [2]"}));
  EXPECT_EQ(w.to_vector(), (std::vector<float>{-1.0f, 2.0f})) << "nothing written";
  EXPECT_EQ(w.version(), 0);
  NoGradGuard off;
  row.in_place(w);
  EXPECT_EQ(w.version(), 1);
  EXPECT_TRUE(w.requires_grad() && w.is_leaf());
}

// A node that saved x's old values refuses its backward (the version counter).
TEST_P(InPlace, OnATensorANodeSavedMakesItsBackwardAnError) {
  const InPlaceRow& row = GetParam();
  Tensor a = tensor({0.5f, -1.5f}, {2}, true);
  Tensor b = exp(a);  // ExpBackward saves its output b
  row.in_place(b);
  EXPECT_TRUE(ThrowsWith([&] { b.sum().backward(); }, {"ExpBackward", "modified by an in-place operation",
                                                       "version 1, expected version 0"}));
}

// ember keeps no view links: a reshape of a tensor that requires grad is refused.
TEST_P(InPlace, RefusesAViewOfATensorThatRequiresGrad) {
  const InPlaceRow& row = GetParam();
  Tensor w = randn({2, 3}).requires_grad_();
  Tensor v = w.reshape({6});
  EXPECT_TRUE(
      ThrowsWith([&] { row.in_place(v); }, {"is a view of a tensor that requires grad", "ReshapeBackward"}));
  Tensor h = w * 2.0f, hv = h.reshape({3, 2});
  EXPECT_TRUE(ThrowsWith([&] { row.in_place(hv); }, {"is a view", "clone()"}));
  Tensor c = hv.clone();  // a copy is fine
  row.in_place(c);
}

INSTANTIATE_TEST_SUITE_P(All, InPlace, ::testing::ValuesIn(in_place_rows()), row_name);

// Two in-place ops in a row: silu_ (which keeps a copy of its input) then
// relu_ gives the out-of-place gradients. elu_ then hardtanh_ overwrites the
// output elu_'s backward reads: an error at backward, as in PyTorch.
TEST(InPlaceActivations, ChainsOfInPlaceOps) {
  Tensor leaf = tensor({-2.0f, -0.5f, 0.5f, 2.0f}, {4}, true);
  Tensor x = leaf * 3.0f;
  F::silu_(x);
  F::relu_(x);
  (x * x).sum().backward();
  Tensor ref_leaf = leaf.detach().clone().requires_grad_();
  Tensor r = F::relu(F::silu(ref_leaf * 3.0f));
  (r * r).sum().backward();
  EXPECT_EQ(x.to_vector(), r.to_vector());
  EXPECT_TRUE(all_close(leaf.grad().to_vector(), to_double(ref_leaf.grad().to_vector()), 1e-6));

  Tensor y = leaf * 3.0f;
  F::elu_(y);
  F::hardtanh_(y);
  EXPECT_TRUE(
      ThrowsWith([&] { (y * y).sum().backward(); },
                 {"EluBackward", "modified by an in-place operation", "version 2, expected version 1"}));
}

// Where the derivative needs the input it overwrote, the forward runs and the
// backward refuses with PyTorch's reason (negative slope or alpha).
TEST(InPlaceActivations, NegativeSlopeOrAlphaCannotBeDifferentiated) {
  struct Case {
    std::function<void(Tensor&)> op;
    const char* node;
    const char* why;
  };
  std::vector<Case> cases = {
      {[](Tensor& x) { F::leaky_relu_(x, -0.1f); }, "LeakyReluBackward",
       "leaky_relu_ ran with a negative slope (-0.1)"},
      {[](Tensor& x) { F::elu_(x, -0.5f); }, "EluBackward", "elu_ ran with a negative alpha (-0.5)"},
      {[](Tensor& x) { F::celu_(x, -1.0f); }, "CeluBackward", "celu_ ran with a negative alpha (-1)"},
      {[](Tensor& x) { F::rrelu_(x, -0.5f, -0.1f); }, "RreluBackward",
       "rrelu_ ran with a negative mean slope (-0.3)"},
  };
  for (const Case& c : cases) {
    Tensor leaf = tensor({-2.0f, 1.0f}, {2}, true);
    Tensor x = leaf * 1.0f;
    c.op(x);
    EXPECT_STREQ(x.grad_fn()->name(), c.node);
    EXPECT_TRUE(ThrowsWith([&] { x.sum().backward(); },
                           {"backward: ", c.node, "cannot run", c.why, "call the out-of-place op instead"}));
  }
  // The forward alone is PyTorch's value.
  Tensor x = tensor({-2.0f, 1.0f}, {2});
  F::leaky_relu_(x, -0.1f);
  EXPECT_EQ(x.to_vector(), F::leaky_relu(tensor({-2.0f, 1.0f}, {2}), -0.1f).to_vector());
}

// rrelu_ in training: the drawn slopes are those of rrelu after the same seed.
TEST(InPlaceActivations, RreluTrainingDrawsTheSameSlopes) {
  Tensor values = randn({50});
  manual_seed(9);
  Tensor a_leaf = values.clone().requires_grad_();
  Tensor a = F::rrelu(a_leaf * 1.0f, 0.1f, 0.3f, true);
  a.sum().backward();
  manual_seed(9);
  Tensor b_leaf = values.clone().requires_grad_();
  Tensor b = b_leaf * 1.0f;
  F::rrelu_(b, 0.1f, 0.3f, true);
  b.sum().backward();
  EXPECT_EQ(a.to_vector(), b.to_vector());
  EXPECT_EQ(a_leaf.grad().to_vector(), b_leaf.grad().to_vector());
}

// Second derivatives through in-place ops: their backward is recorded like the
// out-of-place one's (it reads the output, re-attached to the node).
TEST(InPlaceActivations, GradgradcheckThroughInPlaceOps) {
  manual_seed(5);
  Tensor x = rand({3, 4}) * 4.0f - 2.0f;
  // Keep away from the kinks at 0, ±1 and ±3, where finite differences straddle a jump.
  for (int64_t i = 0; i < x.numel(); ++i)
    for (float k : {0.0f, 1.0f, -1.0f, 3.0f, -3.0f})
      if (std::fabs(x.data()[i] - k) < 0.1f) x.data()[i] = k + 0.2f;
  x.requires_grad_();
  std::vector<std::pair<const char*, TensorFunction>> fs = {
      {"relu_",
       [](const std::vector<Tensor>& in) {
         Tensor t = in[0] * 1.0f;
         return F::relu_(t) * in[0];
       }},
      {"elu_",
       [](const std::vector<Tensor>& in) {
         Tensor t = in[0] * 1.0f;
         return F::elu_(t) * in[0];
       }},
      {"selu_",
       [](const std::vector<Tensor>& in) {
         Tensor t = in[0] * 1.0f;
         return F::selu_(t);
       }},
      {"celu_",
       [](const std::vector<Tensor>& in) {
         Tensor t = in[0] * 1.0f;
         return F::celu_(t, 0.7f);
       }},
      {"silu_",
       [](const std::vector<Tensor>& in) {
         Tensor t = in[0] * 1.0f;
         return F::silu_(t);
       }},
      {"hardtanh_",
       [](const std::vector<Tensor>& in) {
         Tensor t = in[0] * 1.0f;
         return F::hardtanh_(t) * in[0];
       }},
      {"hardsigmoid_(1, 2)",
       [](const std::vector<Tensor>& in) {
         Tensor t = in[0] * 1.0f;
         return F::hardsigmoid_(t, 1, 2) * in[0];
       }},
      {"leaky_relu_",
       [](const std::vector<Tensor>& in) {
         Tensor t = in[0] * 1.0f;
         return F::leaky_relu_(t, 0.1f) * in[0];
       }},
  };
  for (auto& [name, f] : fs) {
    SCOPED_TRACE(name);
    GradcheckResult first = gradcheck(f, {x});
    EXPECT_TRUE(first.ok) << first.worst;
    GradcheckResult second = gradgradcheck(f, {x});
    EXPECT_TRUE(second.ok) << second.worst;
  }
  EXPECT_EQ(live_node_count(), 0);
}

// retain_grad() before an in-place op: .grad() is the gradient of the new values.
TEST(InPlaceActivations, RetainedGradIsOfTheNewValues) {
  Tensor leaf = tensor({-1.0f, 2.0f}, {2}, true);
  Tensor x = leaf * 1.0f;
  x.retain_grad();
  F::relu_(x);
  (x * 3.0f).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{3.0f, 3.0f}));
  EXPECT_EQ(leaf.grad().to_vector(), (std::vector<float>{0.0f, 3.0f}));
}

// --- modules: the inplace flag ------------------------------------------------------------

TEST(InPlaceActivations, ModulesWithInplaceOverwriteTheirInput) {
  std::vector<std::pair<std::shared_ptr<nn::Module>, std::shared_ptr<nn::Module>>> pairs = {
      {std::make_shared<nn::ReLU>(true), std::make_shared<nn::ReLU>()},
      {std::make_shared<nn::ReLU6>(true), std::make_shared<nn::ReLU6>()},
      {std::make_shared<nn::SELU>(true), std::make_shared<nn::SELU>()},
      {std::make_shared<nn::SiLU>(true), std::make_shared<nn::SiLU>()},
      {std::make_shared<nn::Mish>(true), std::make_shared<nn::Mish>()},
      {std::make_shared<nn::Hardswish>(true), std::make_shared<nn::Hardswish>()},
      {std::make_shared<nn::Hardsigmoid>(true), std::make_shared<nn::Hardsigmoid>()},
      {std::make_shared<nn::Hardsigmoid>(1.0f, 2.0f, 0.0f, 1.0f, true),
       std::make_shared<nn::Hardsigmoid>(1, 2)},
      {std::make_shared<nn::LeakyReLU>(0.2f, true), std::make_shared<nn::LeakyReLU>(0.2f)},
      {std::make_shared<nn::ELU>(0.5f, true), std::make_shared<nn::ELU>(0.5f)},
      {std::make_shared<nn::CELU>(2.0f, true), std::make_shared<nn::CELU>(2.0f)},
      {std::make_shared<nn::Hardtanh>(-2.0f, 3.0f, true), std::make_shared<nn::Hardtanh>(-2.0f, 3.0f)},
      {std::make_shared<nn::Threshold>(0.1f, 20.0f, true), std::make_shared<nn::Threshold>(0.1f, 20.0f)},
      {std::make_shared<nn::RReLU>(0.1f, 0.3f, true), std::make_shared<nn::RReLU>(0.1f, 0.3f)},
  };
  for (auto& [in_place, out_of_place] : pairs) {
    SCOPED_TRACE(in_place->to_string());
    in_place->eval();
    out_of_place->eval();
    Tensor x = randn({4, 5});
    Tensor expected = (*out_of_place)(x);
    EXPECT_NE(expected.impl(), x.impl());
    Tensor y = (*in_place)(x);
    EXPECT_EQ(y.impl(), x.impl());
    EXPECT_EQ(x.to_vector(), expected.to_vector());
  }
}

// A model with in-place activations after Linear layers trains to the same
// gradients as the out-of-place model (Linear saves its input, not its output).
TEST(InPlaceActivations, SequentialWithInplaceActivationsGivesTheSameGradients) {
  auto build = [](bool inplace) {
    manual_seed(11);
    auto model = std::make_shared<nn::Sequential>();
    model->push_back(std::make_shared<nn::Linear>(6, 8));
    model->push_back(std::make_shared<nn::ELU>(1.0f, inplace));
    model->push_back(std::make_shared<nn::Linear>(8, 8));
    model->push_back(std::make_shared<nn::LeakyReLU>(0.01f, inplace));
    model->push_back(std::make_shared<nn::Linear>(8, 3));
    return model;
  };
  manual_seed(12);
  Tensor x = randn({10, 6});
  auto a = build(false), b = build(true);
  (*a)(x).pow(2.0f).sum().backward();
  (*b)(x).pow(2.0f).sum().backward();
  auto pa = a->parameters(), pb = b->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(all_close(pb[i].grad().to_vector(), to_double(pa[i].grad().to_vector()), 1e-6)) << i;
}

TEST(InPlaceActivations, ModulesPrintInplaceLikePyTorch) {
  auto str = [](const nn::Module& m) { return m.to_string(); };
  EXPECT_EQ(str(nn::ReLU(true)), "ReLU(inplace=True)");
  EXPECT_EQ(str(nn::ReLU(false)), "ReLU()");
  EXPECT_EQ(str(nn::ReLU6(true)), "ReLU6(inplace=True)");
  EXPECT_EQ(str(nn::SELU(true)), "SELU(inplace=True)");
  EXPECT_EQ(str(nn::SiLU(true)), "SiLU(inplace=True)");
  EXPECT_EQ(str(nn::Mish(true)), "Mish(inplace=True)");
  EXPECT_EQ(str(nn::LeakyReLU(0.2f, true)), "LeakyReLU(negative_slope=0.2, inplace=True)");
  EXPECT_EQ(str(nn::ELU(1.0f, true)), "ELU(alpha=1.0, inplace=True)");
  EXPECT_EQ(str(nn::CELU(1.0f, true)), "CELU(alpha=1.0, inplace=True)");
  EXPECT_EQ(str(nn::Hardtanh(-1.0f, 1.0f, true)), "Hardtanh(min_val=-1.0, max_val=1.0, inplace=True)");
  EXPECT_EQ(str(nn::RReLU(0.125f, 1.0f / 3, true)), "RReLU(lower=0.125, upper=0.33333334, inplace=True)");
  EXPECT_EQ(str(nn::Threshold(0.1f, 20.0f, true)), "Threshold(threshold=0.1, value=20, inplace=True)");
  // PyTorch's Hardswish and Hardsigmoid print no options, in place or not.
  EXPECT_EQ(str(nn::Hardswish(true)), "Hardswish()");
  EXPECT_EQ(str(nn::Hardsigmoid(true)), "Hardsigmoid()");
  EXPECT_EQ(str(nn::Hardsigmoid()), "Hardsigmoid()");
  EXPECT_EQ(str(nn::Hardsigmoid(3, 6)), "Hardsigmoid()");
  EXPECT_EQ(str(nn::Hardsigmoid(1, 2)), "Hardsigmoid(bias=1.0, divisor=2.0, min_value=0.0, max_value=1.0)");
  EXPECT_EQ(str(nn::Hardsigmoid(1, 2, -1, 1, true)),
            "Hardsigmoid(bias=1.0, divisor=2.0, min_value=-1.0, max_value=1.0, inplace=True)");
}

// --- the tutorial's HardSigmoid -------------------------------------------------------------

// Overload resolution: Hardsigmoid(true) is in place with PyTorch's curve; a
// lone float or a bool bias does not compile rather than meaning something else.
static_assert(std::is_constructible_v<nn::Hardsigmoid, bool>);
static_assert(!std::is_constructible_v<nn::Hardsigmoid, float>);
static_assert(!std::is_constructible_v<nn::Hardsigmoid, int>);
static_assert(!std::is_constructible_v<nn::Hardsigmoid, bool, float>);
static_assert(!std::is_constructible_v<nn::Hardsigmoid, bool, int>);
static_assert(std::is_constructible_v<nn::Hardsigmoid, int, int>);
static_assert(std::is_constructible_v<nn::Hardsigmoid, float, float, float, float, bool>);
static_assert(!std::is_convertible_v<bool, nn::Hardsigmoid>, "explicit");
// ELU(true), LeakyReLU(true), CELU(true), Hardtanh(true), RReLU(true) would set a parameter to 1.
static_assert(!std::is_constructible_v<nn::ELU, bool>);
static_assert(!std::is_constructible_v<nn::LeakyReLU, bool>);
static_assert(!std::is_constructible_v<nn::CELU, bool>);
static_assert(!std::is_constructible_v<nn::Hardtanh, bool>);
static_assert(!std::is_constructible_v<nn::RReLU, bool>);
static_assert(std::is_constructible_v<nn::ELU, float, bool>);

TEST(TutorialHardsigmoid, TrueMeansInPlaceNeverBiasOne) {
  nn::Hardsigmoid m(true);
  EXPECT_TRUE(m.inplace);
  EXPECT_EQ(m.bias, 3.0f);
  EXPECT_EQ(m.divisor, 6.0f);
  nn::Hardsigmoid d;
  EXPECT_FALSE(d.inplace);
  EXPECT_EQ(d.bias, 3.0f);
  nn::Hardsigmoid t(1, 2);
  EXPECT_FALSE(t.inplace);
  EXPECT_EQ(t.bias, 1.0f);
  EXPECT_EQ(t.divisor, 2.0f);
  EXPECT_EQ(t.min_value, 0.0f);
  EXPECT_EQ(t.max_value, 1.0f);
}

// clamp((x + 1)/2, 0, 1) on the tutorial's row of inputs; the default stays PyTorch's.
TEST(TutorialHardsigmoid, ValuesAndDefaults) {
  Tensor x = tensor({-3.0f, -1.0f, 0.0f, 0.5f, 1.0f, 3.0f}, {6});
  EXPECT_EQ(F::hardsigmoid(x, 1, 2).to_vector(), (std::vector<float>{0.0f, 0.0f, 0.5f, 0.75f, 1.0f, 1.0f}));
  EXPECT_EQ(nn::Hardsigmoid(1, 2)(x).to_vector(), F::hardsigmoid(x, 1, 2).to_vector());
  EXPECT_EQ(F::hardsigmoid(x, 1, 2, -1, 0.5f).to_vector(),
            (std::vector<float>{-1.0f, 0.0f, 0.5f, 0.5f, 0.5f, 0.5f}));
  Tensor big = test_inputs();
  EXPECT_EQ(F::hardsigmoid(big).to_vector(), F::hardsigmoid(big, 3, 6, 0, 1).to_vector());
  EXPECT_EQ(nn::Hardsigmoid()(big).to_vector(), F::hardsigmoid(big).to_vector());
  // A negative divisor flips the curve; bounds still clamp.
  EXPECT_EQ(F::hardsigmoid(x, 1, -2).to_vector(), (std::vector<float>{1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}));
}

// The gradient is 1/divisor strictly between the bounds, 0 at them (PyTorch's
// hardsigmoid convention, whatever the parameters).
TEST(TutorialHardsigmoid, GradientAndKinks) {
  Tensor x = tensor({-3.0f, -1.0f, -0.5f, 0.0f, 0.999f, 1.0f, 3.0f}, {7}, true);
  F::hardsigmoid(x, 1, 2).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0.0f, 0.0f, 0.5f, 0.5f, 0.5f, 0.0f, 0.0f}));
  Tensor z = tensor({-3.0f, 0.0f, 3.0f}, {3}, true);
  F::hardsigmoid(z, 3, 6).sum().backward();
  EXPECT_EQ(z.grad().to_vector(), (std::vector<float>{0.0f, 1.0f / 6, 0.0f}));
}

// The node's rule shows the parameters; the default keeps its static text.
TEST(TutorialHardsigmoid, RuleTextFollowsTheParameters) {
  Tensor x = randn({3}).requires_grad_();
  Tensor a = F::hardsigmoid(x), b = F::hardsigmoid(x, 1, 2), c = F::hardsigmoid(x, 0.5f, -4, -1, 2);
  EXPECT_STREQ(a.grad_fn()->rule(), "y = relu6(x + 3) / 6: dx = g / 6 on (-3, 3), else 0");
  EXPECT_STREQ(b.grad_fn()->rule(), "y = clamp((x + 1) / 2, 0, 1): dx = g / 2 where 0 < y < 1, else 0");
  EXPECT_STREQ(c.grad_fn()->rule(), "y = clamp((x + 0.5) / -4, -1, 2): dx = g / -4 where -1 < y < 2, else 0");
  // The text lives as long as the node, not the call that composed it.
  std::shared_ptr<Node> node = b.grad_fn();
  b = Tensor();
  EXPECT_STREQ(node->rule(), "y = clamp((x + 1) / 2, 0, 1): dx = g / 2 where 0 < y < 1, else 0");
}

TEST(TutorialHardsigmoid, BadOptionsAreErrors) {
  Tensor x = randn({2, 3});
  EXPECT_TRUE(
      ThrowsWith([&] { F::hardsigmoid(x, 1, 0); }, {"hardsigmoid: divisor must be nonzero", "got 0"}));
  EXPECT_TRUE(ThrowsWith([&] { F::hardsigmoid(x, 1, NAN); }, {"hardsigmoid: divisor", "got nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::hardsigmoid(x, NAN, 2); }, {"hardsigmoid: bias must not be NaN"}));
  EXPECT_TRUE(
      ThrowsWith([&] { F::hardsigmoid(x, 1, 2, NAN, 1); }, {"hardsigmoid: min_value must not be NaN"}));
  EXPECT_TRUE(
      ThrowsWith([&] { F::hardsigmoid(x, 1, 2, 0, NAN); }, {"hardsigmoid: max_value must not be NaN"}));
  EXPECT_TRUE(ThrowsWith([&] { F::hardsigmoid(x, 1, 2, 2, 1); },
                         {"hardsigmoid: min_value (2) must not be greater than max_value (1)"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Hardsigmoid(1, 0); }, {"Hardsigmoid: divisor must be nonzero"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Hardsigmoid(1, 2, 2, 1); }, {"Hardsigmoid: min_value (2)"}));
  Tensor t = randn({2});
  EXPECT_TRUE(ThrowsWith([&] { F::hardsigmoid_(t, 1, 0); }, {"hardsigmoid_: divisor"}));
  EXPECT_EQ(t.version(), 0) << "a refused call writes nothing";
  EXPECT_TRUE(ThrowsWith([] { F::hardsigmoid(Tensor()); }, {"hardsigmoid: the input tensor is undefined"}));
  Tensor undefined;
  EXPECT_TRUE(ThrowsWith([&] { F::relu_(undefined); }, {"relu_: the input tensor is undefined"}));
}
