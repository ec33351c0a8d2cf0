// The bad-input catalogue (docs/errors.md): every way a user can misuse the
// public API that the other suites do not already check. Each misuse must
// raise ember::Error whose message names the op and the shapes or values
// involved — each check is a substring of the message — and edge cases that
// PyTorch accepts (empty tensors, zero-size dims) must give PyTorch's answer
// rather than a crash or garbage.
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/core_test_util.h"

using namespace ember;
using ember::testing::Near;
using ember::testing::TempDir;
using ember::testing::ThrowsWith;

// --- tensors and ops ---------------------------------------------------------------------------

TEST(ErrorsCatalogue, UndefinedOperandOfABinaryOpNamesTheOp) {
  EXPECT_TRUE(ThrowsWith([] { Tensor() + ones({2}); }, {"add", "first operand", "undefined"}));
  EXPECT_TRUE(ThrowsWith([] { ones({2}) * Tensor(); }, {"mul", "second operand", "undefined"}));
  EXPECT_TRUE(ThrowsWith([] { maximum(ones({2}), Tensor()); }, {"maximum", "undefined"}));
  // Other uses of an undefined tensor get the generic message (no op name).
  EXPECT_TRUE(ThrowsWith([] { exp(Tensor()); }, {"undefined", "default-constructed"}));
}

TEST(ErrorsCatalogue, ExpandKeepsMinusOneAndRejectsOtherNegativeSizes) {
  EXPECT_TRUE(Near(expand(tensor({1, 2, 3}, {1, 3}), {2, -1}), {2, 3}, {1, 2, 3, 1, 2, 3}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        expand(ones({1, 3}), {-2, 3});
      },
      {"expand", "invalid size -2", "[1, 3]", "[-2, 3]"}));
  EXPECT_TRUE(ThrowsWith([] { expand(ones({3}), {-1, 3}); }, {"expand", "-1", "dim 0", "[3]", "[-1, 3]"}));
  EXPECT_TRUE(ThrowsWith([] { expand(ones({2, 3}), {3}); }, {"expand", "[2, 3]", "[3]", "fewer dims"}));
}

TEST(ErrorsCatalogue, SumToAnIncompatibleShape) {
  EXPECT_TRUE(ThrowsWith([] { sum_to(ones({2, 3}), {4}); }, {"sum_to", "[2, 3]", "[4]", "must be 3 or 1"}));
}

TEST(ErrorsCatalogue, NonFiniteIndicesAreNotIndices) {
  Tensor x = ones({2, 3});
  EXPECT_TRUE(ThrowsWith([&] { gather(x, 1, tensor({NAN, 0}, {2, 1})); }, {"gather", "index nan", "0..2"}));
  EXPECT_TRUE(ThrowsWith([&] { gather(x, 1, tensor({1e30f, 0}, {2, 1})); }, {"gather", "index 1e+30"}));
  EXPECT_TRUE(ThrowsWith([&] { index_select(x, tensor({NAN}, {1})); }, {"index_select", "index nan"}));
  EXPECT_TRUE(ThrowsWith([] { one_hot(tensor({INFINITY}, {1}), 3); }, {"one_hot", "index inf"}));
  EXPECT_TRUE(ThrowsWith([] { one_hot(zeros({1}), -2); }, {"one_hot", "num_classes", "-2"}));
}

// A shape whose element count overflows int64 would wrap around to a small buffer.
TEST(ErrorsCatalogue, ShapesTooLargeToHold) {
  const int64_t big = int64_t{1} << 62;
  EXPECT_TRUE(ThrowsWith([&] { zeros({big, 8}); }, {"empty", "[4611686018427387904, 8]", "more elements"}));
  EXPECT_TRUE(ThrowsWith([] { ones({int64_t{1} << 32, int64_t{1} << 32}); }, {"empty", "more elements"}));
  EXPECT_TRUE(ThrowsWith([&] { randn({big, big}); }, {"more elements"}));
}

TEST(ErrorsCatalogue, GeneratorBelowZero) {
  Generator gen(1);
  EXPECT_TRUE(ThrowsWith([&] { gen.below(0); }, {"below", "at least 1", "got 0"}));
}

// PyTorch's answers on empty tensors: sum 0, mean NaN, logsumexp -inf, products of
// zero-size dims are zeros; max of an empty tensor is an error (ErrorsCore.EmptyShapesWhereTheyMatter).
TEST(ErrorsCatalogue, EmptyTensorsGivePyTorchsAnswers) {
  EXPECT_TRUE(Near(zeros({0}).sum(), {}, {0}));
  EXPECT_TRUE(Near(zeros({0}).mean(), {}, {NAN}));
  EXPECT_TRUE(Near(zeros({2, 0}).mean({1}), {2}, {NAN, NAN}));
  EXPECT_TRUE(Near(zeros({2, 0}).mean({0}), {0}, {}));
  EXPECT_TRUE(Near(logsumexp(zeros({2, 0}), 1), {2}, {-INFINITY, -INFINITY}));
  EXPECT_TRUE(Near(logsumexp(zeros({2, 0}), 1, true), {2, 1}, {-INFINITY, -INFINITY}));
  EXPECT_TRUE(Near(matmul(zeros({2, 0}), zeros({0, 3})), {2, 3}, {0, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(Near(matmul(zeros({0, 3}), ones({3, 4})), {0, 4}, {}));
  EXPECT_TRUE(Near(matmul(zeros({0}), zeros({0})), {}, {0}));
  EXPECT_TRUE(Near(zeros({0, 3}) + ones({3}), {0, 3}, {}));
  EXPECT_TRUE(Near(cat({zeros({0, 3}), ones({1, 3})}), {1, 3}, {1, 1, 1}));
  EXPECT_TRUE(Near(narrow(ones({2, 3}), 1, 3, 0), {2, 0}, {}));
  EXPECT_TRUE(Near(one_hot(zeros({0}), 3), {0, 3}, {}));
  // Broadcasting a zero-size dim against a size other than 1 is still a shape error.
  EXPECT_TRUE(ThrowsWith([] { zeros({0}) + ones({2}); }, {"add", "[0]", "[2]"}));
}

// --- autograd --------------------------------------------------------------------------------

TEST(ErrorsCatalogue, BackwardOfAGraphBuiltWithoutGradMode) {
  Tensor x = ones({2}).requires_grad_();
  Tensor y;
  {
    NoGradGuard no_grad;
    y = (x * x).sum();
  }
  EXPECT_TRUE(ThrowsWith([&] { y.backward(); }, {"backward", "does not require grad", "shape []"}));
}

TEST(ErrorsCatalogue, BackwardThroughEmptyTensorsGivesEmptyGradients) {
  Tensor a = zeros({2, 0}).requires_grad_(), b = zeros({0, 3}).requires_grad_();
  matmul(a, b).sum().backward();
  EXPECT_TRUE(Near(a.grad(), {2, 0}, {}));
  EXPECT_TRUE(Near(b.grad(), {0, 3}, {}));
  Tensor c = zeros({0, 3}).requires_grad_();
  F::softmax(c, 1).sum().backward();
  EXPECT_TRUE(Near(c.grad(), {0, 3}, {}));
  Tensor d = zeros({0}).requires_grad_();
  EXPECT_TRUE(ThrowsWith([&] { (d * 2.0f).backward(); }, {"backward", "scalar", "[0]"}));
}

TEST(ErrorsCatalogue, GradcheckMisuse) {
  auto twice = [](const std::vector<Tensor>& in) { return in[0] * 2.0f; };
  EXPECT_TRUE(ThrowsWith([&] { gradcheck(twice, {ones({2})}); }, {"gradcheck", "none of the 1 inputs"}));
  EXPECT_TRUE(ThrowsWith([&] { gradcheck(twice, {Tensor()}); }, {"gradcheck", "input 0", "undefined"}));
  EXPECT_TRUE(ThrowsWith(
      [] { gradcheck([](const std::vector<Tensor>&) { return Tensor(); }, {ones({1}).requires_grad_()}); },
      {"gradcheck", "undefined"}));
  EXPECT_TRUE(ThrowsWith(
      [] { gradcheck([](const std::vector<Tensor>&) { return ones({3}); }, {ones({1}).requires_grad_()}); },
      {"gradcheck", "[3]", "does not depend"}));
  GradcheckOptions zero_step;
  zero_step.eps = 0;
  EXPECT_TRUE(
      ThrowsWith([&] { gradcheck(twice, {ones({1}).requires_grad_()}, zero_step); }, {"gradcheck", "eps=0"}));
}

// --- activations -----------------------------------------------------------------------------

TEST(ErrorsCatalogue, NonFiniteActivationOptions) {
  Tensor x = ones({2});
  EXPECT_TRUE(ThrowsWith([&] { F::softplus(x, NAN); }, {"softplus", "beta", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::hardtanh(x, NAN, 1); }, {"hardtanh", "min_val (nan)"}));
  EXPECT_TRUE(ThrowsWith([&] { F::softshrink(x, NAN); }, {"softshrink", "lambd", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::rrelu(x, NAN, 0.3f, true); }, {"rrelu", "lower (nan)", "finite"}));
  EXPECT_TRUE(ThrowsWith([] { nn::RReLU(NAN, 1); }, {"RReLU", "lower (nan)"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Softplus(NAN); }, {"Softplus", "beta", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Softshrink(-1); }, {"Softshrink", "lambd", "-1"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Swish(NAN); }, {"Swish", "beta must be finite", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::CELU(0); }, {"CELU", "alpha must not be 0"}));
}

TEST(ErrorsCatalogue, PReLUWeightMisuse) {
  EXPECT_TRUE(ThrowsWith([] { F::prelu(ones({2, 3}), ones({3, 1})); }, {"prelu", "scalar or 1-D", "[3, 1]"}));
  EXPECT_TRUE(ThrowsWith([] { F::prelu(ones({2}), Tensor()); }, {"prelu", "weight", "undefined"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::prelu(ones({2, 3}), zeros({0}));
      },
      {"prelu", "0 parameters", "3 channels", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([] { F::prelu(scalar_tensor(-1), full({3}, 0.25f)); },
                         {"prelu", "3 parameters", "1 channels", "input []", "expected 1"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        nn::PReLU(3)(ones({2, 4}));
      },
      {"prelu", "3 parameters", "4 channels", "[2, 4]"}));
  EXPECT_TRUE(ThrowsWith([] { nn::PReLU(-1); }, {"PReLU", "num_parameters", "-1"}));
  // A 0-dim input has one channel: one shared slope works, as in PyTorch.
  EXPECT_TRUE(Near(F::prelu(scalar_tensor(-1), full({1}, 0.25f)), {}, {-0.25f}));
}

TEST(ErrorsCatalogue, MaxoutSizes) {
  EXPECT_TRUE(ThrowsWith([] { nn::Maxout(0, 1, 1); }, {"Maxout", "at least 1", "got 0, 1, 1"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Maxout(2, 1, 2)(scalar_tensor(1)); }, {"Maxout", "2 features", "[]"}));
}

TEST(ErrorsCatalogue, ActivationsOnEmptyTensors) {
  EXPECT_TRUE(Near(F::relu(zeros({0, 3})), {0, 3}, {}));
  EXPECT_TRUE(Near(F::gelu(zeros({0})), {0}, {}));
  EXPECT_TRUE(Near(F::softplus(zeros({0})), {0}, {}));
  EXPECT_TRUE(Near(F::softmax(zeros({3, 0}), 1), {3, 0}, {}));
  EXPECT_TRUE(Near(F::log_softmax(zeros({0, 3}), 1), {0, 3}, {}));
  EXPECT_TRUE(Near(F::glu(zeros({0, 4})), {0, 2}, {}));
  EXPECT_TRUE(Near(F::prelu(zeros({0, 3}), full({3}, 0.25f)), {0, 3}, {}));
  EXPECT_TRUE(Near(F::rrelu(zeros({0}), 0.1f, 0.3f, true), {0}, {}));
  EXPECT_TRUE(Near(F::dropout(zeros({0}), 0.5f, true), {0}, {}));
  EXPECT_TRUE(Near(F::softmax(scalar_tensor(3), 0), {}, {1}));  // a 0-dim tensor is one slice
}

// --- nn modules ------------------------------------------------------------------------------

TEST(ErrorsCatalogue, LinearAndBilinearRanksAndSizes) {
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::linear(scalar_tensor(1), ones({2, 1}));
      },
      {"linear", "at least 1 dim", "[]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::linear(ones({2, 3}), ones({2, 3, 1}));
      },
      {"linear", "2 dims", "[2, 3, 1]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        nn::Linear(3, 2)(ones({2, 4}));
      },
      {"linear", "4 features", "expects 3", "[2, 4]"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Linear(-1, 3); }, {"Linear", "non-negative", "in_features=-1"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::bilinear(ones({2, 3}), scalar_tensor(1), ones({1, 3, 1}));
      },
      {"bilinear", "at least 1 dim", "x1 [2, 3]", "x2 []"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::bilinear(ones({2, 3}), ones({2, 3}), ones({3, 3}));
      },
      {"bilinear", "3 dims", "[3, 3]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::bilinear(ones({2, 3}), ones({2, 4}), ones({5, 3, 4}), ones({4}));
      },
      {"bilinear", "bias", "[5]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Bilinear(2, -1, 3); }, {"Bilinear", "non-negative", "in2_features=-1"}));
}

// Zero features are allowed, as in PyTorch: the output is the bias (zero-initialised: its bound
// 1/√in is taken as 0), and gradients have the empty shapes.
TEST(ErrorsCatalogue, LinearWithZeroFeatures) {
  nn::Linear lin(0, 3);
  EXPECT_TRUE(Near(lin.bias, {3}, {0, 0, 0}));
  EXPECT_TRUE(Near(lin(zeros({2, 0})), {2, 3}, {0, 0, 0, 0, 0, 0}));
  Tensor x = zeros({2, 0}).requires_grad_();
  nn::Linear(0, 3)(x).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {2, 0}, {}));
  EXPECT_TRUE(Near(nn::Linear(3, 0)(ones({2, 3})), {2, 0}, {}));
  EXPECT_TRUE(Near(F::linear(zeros({0, 3}), ones({4, 3}), ones({4})), {0, 4}, {}));
}

TEST(ErrorsCatalogue, DropoutProbabilityAndTheEdgeP1) {
  EXPECT_TRUE(ThrowsWith([] { F::dropout(ones({4}), NAN, true); }, {"dropout", "between 0 and 1", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { F::dropout(ones({4}), -0.1f, false); }, {"dropout", "-0.1"}));  // even in eval
  EXPECT_TRUE(ThrowsWith([] { nn::Dropout(1.5f); }, {"Dropout", "1.5"}));
  // p = 1 zeroes everything and passes zero gradients — no 0·inf NaN from the 1/(1−p) scale.
  Tensor x = ones({4}).requires_grad_();
  Tensor y = F::dropout(x, 1.0f, true);
  EXPECT_TRUE(Near(y, {4}, {0, 0, 0, 0}));
  y.sum().backward();
  EXPECT_TRUE(Near(x.grad(), {4}, {0, 0, 0, 0}));
}

TEST(ErrorsCatalogue, ContainersAndOneInputForwardOfTwoInputModules) {
  EXPECT_TRUE(ThrowsWith([] { nn::Flatten(3)(ones({2, 3})); }, {"flatten", "dim 3", "rank 2"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Flatten()(ones({3})); }, {"flatten", "dim 1", "rank 1"}));
  EXPECT_TRUE(ThrowsWith([] { nn::MSELoss()(ones({2})); }, {"MSELoss", "forward(x) with one input", "[2]"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Sequential({nullptr}); }, {"Sequential", "null", "index 0"}));
  EXPECT_TRUE(Near(nn::Sequential()(ones({2})), {2}, {1, 1}));  // an empty Sequential is the identity
}

TEST(ErrorsCatalogue, InitRangesAndUndefinedTensors) {
  EXPECT_TRUE(ThrowsWith([] { nn::init::uniform_(ones({3}), 1, 0); }, {"uniform_", "a=1", "b=0"}));
  EXPECT_TRUE(
      ThrowsWith([] { nn::init::uniform_(ones({3}), 0, INFINITY); }, {"uniform_", "finite", "b=inf"}));
  EXPECT_TRUE(ThrowsWith([] { nn::init::normal_(ones({3}), 0, -1); }, {"normal_", "std >= 0", "std=-1"}));
  EXPECT_TRUE(ThrowsWith([] { nn::init::normal_(ones({3}), NAN, 1); }, {"normal_", "mean=nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::init::zeros_(Tensor()); }, {"constant_", "undefined"}));
  EXPECT_TRUE(ThrowsWith([] { nn::init::kaiming_uniform_(Tensor()); }, {"kaiming_uniform_", "undefined"}));
  EXPECT_TRUE(ThrowsWith([] { nn::init::kaiming_uniform_(ones({3})); }, {"fewer than 2 dimensions", "[3]"}));
  // Empty weights are left alone (PyTorch warns), whatever their fans.
  EXPECT_TRUE(Near(nn::init::xavier_uniform_(zeros({0, 0})), {0, 0}, {}));
  EXPECT_TRUE(Near(nn::init::kaiming_normal_(zeros({3, 0})), {3, 0}, {}));
}

// --- losses ------------------------------------------------------------------------------------

TEST(ErrorsCatalogue, ClassTargetsAndLossInputs) {
  Tensor logits = zeros({2, 3});
  EXPECT_TRUE(ThrowsWith([] { F::cross_entropy(scalar_tensor(1), scalar_tensor(0)); },
                         {"cross_entropy", "[C], [N, C]", "got shape []"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        F::cross_entropy(logits, tensor({NAN, 0}, {2}));
      },
      {"cross_entropy", "target nan at index 0", "[0, 3)", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([&] { F::cross_entropy(logits, tensor({INFINITY, 0}, {2})); }, {"target inf"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::cross_entropy(zeros({2, 0}), zeros({2}));
      },
      {"cross_entropy", "[0, 0)", "[2, 0]"}));
  EXPECT_TRUE(ThrowsWith([&] { F::cross_entropy(logits, zeros({3})); },
                         {"cross_entropy", "target shape [3]", "[2, 3]", "must have shape [2]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::cross_entropy(zeros({2, 3, 4}), zeros({2, 5}));
      },
      {"must have shape [2, 4]"}));
  EXPECT_TRUE(
      ThrowsWith([&] { F::cross_entropy(logits, zeros({2}), "mean", NAN); }, {"label_smoothing", "nan"}));
  EXPECT_TRUE(
      ThrowsWith([&] { F::cross_entropy(logits, Tensor()); }, {"cross_entropy", "target is undefined"}));
  EXPECT_TRUE(ThrowsWith([&] { F::cross_entropy(logits, zeros({2}), "avg"); },
                         {"cross_entropy", "reduction", "\"avg\""}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        F::nll_loss(logits, zeros({2, 3}));
      },
      {"nll_loss", "target shape [2, 3]", "[2]"}));
  EXPECT_TRUE(ThrowsWith([&] { F::nll_loss(logits, tensor({-1, 0}, {2})); }, {"nll_loss", "target -1"}));
  EXPECT_TRUE(
      ThrowsWith([] { F::nll_loss(scalar_tensor(1), scalar_tensor(0)); }, {"nll_loss", "got shape []"}));
}

TEST(ErrorsCatalogue, ElementwiseLossInputs) {
  EXPECT_TRUE(ThrowsWith([] { F::binary_cross_entropy(tensor({NAN}, {1}), zeros({1})); },
                         {"binary_cross_entropy", "between 0 and 1", "nan at index 0"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        F::binary_cross_entropy_with_logits(zeros({2, 1}), zeros({2}));
      },
      {"binary_cross_entropy_with_logits", "[2]", "[2, 1]"}));
  EXPECT_TRUE(ThrowsWith([] { F::l1_loss(zeros({3}), zeros({2})); }, {"l1_loss", "[2]", "[3]"}));
  EXPECT_TRUE(ThrowsWith([] { F::mse_loss(Tensor(), zeros({1})); }, {"mse_loss", "defined"}));
  EXPECT_TRUE(
      ThrowsWith([] { F::huber_loss(zeros({2}), zeros({2}), "mean", NAN); }, {"huber_loss", "delta", "nan"}));
  EXPECT_TRUE(
      ThrowsWith([] { F::smooth_l1_loss(zeros({2}), zeros({2}), "mean", NAN); }, {"smooth_l1_loss", "nan"}));
  // The module checks its option when built (issue 17), naming itself.
  EXPECT_TRUE(
      ThrowsWith([] { nn::HuberLoss("mean", 0)(zeros({2}), zeros({2})); }, {"HuberLoss", "delta", "0"}));
}

TEST(ErrorsCatalogue, LossModulesNameThemselvesForABadReduction) {
  EXPECT_TRUE(ThrowsWith([] { nn::CrossEntropyLoss("avg"); }, {"CrossEntropyLoss", "reduction", "\"avg\""}));
  EXPECT_TRUE(ThrowsWith([] { nn::BCELoss("Mean"); }, {"BCELoss", "\"Mean\""}));
  EXPECT_TRUE(ThrowsWith([] { nn::HuberLoss("avg"); }, {"HuberLoss", "reduction"}));
}

// An empty batch: "mean" is 0/0 = NaN and "sum" is 0, as in PyTorch; backward gives empty gradients.
TEST(ErrorsCatalogue, LossesOfAnEmptyBatch) {
  EXPECT_TRUE(Near(F::mse_loss(zeros({0}), zeros({0})), {}, {NAN}));
  EXPECT_TRUE(Near(F::mse_loss(zeros({0}), zeros({0}), "sum"), {}, {0}));
  EXPECT_TRUE(Near(F::cross_entropy(zeros({0, 3}), zeros({0})), {}, {NAN}));
  EXPECT_TRUE(Near(F::cross_entropy(zeros({0, 3}), zeros({0}), "sum"), {}, {0}));
  EXPECT_TRUE(Near(F::binary_cross_entropy(zeros({0}), zeros({0})), {}, {NAN}));
  Tensor x = zeros({0, 3}).requires_grad_();
  F::cross_entropy(x, zeros({0})).backward();
  EXPECT_TRUE(Near(x.grad(), {0, 3}, {}));
}

// --- optimizers and schedulers -----------------------------------------------------------------

TEST(ErrorsCatalogue, OptimizerOptions) {
  Tensor p = ones({2}).requires_grad_();
  EXPECT_TRUE(ThrowsWith([&] { optim::Adam({p}, {.lr = -1}); }, {"Adam", "invalid learning rate: -1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::AdamW({p}, {.lr = NAN}); }, {"AdamW", "learning rate: nan"}));
  EXPECT_TRUE(
      ThrowsWith([&] { optim::Adam({p}, {.beta1 = NAN}); }, {"Adam", "beta parameter at index 0: nan"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::SGD({p}, {.lr = 0.1f, .weight_decay = NAN}); },
                         {"SGD", "weight_decay", "nan"}));
  EXPECT_TRUE(ThrowsWith(
      [&] { optim::SGD({p}, {.lr = 0.1f, .momentum = 0.9f, .dampening = 0.1f, .nesterov = true}); },
      {"SGD", "Nesterov", "zero dampening", "dampening=0.1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::RMSprop({p}, {.lr = -1}); }, {"RMSprop", "learning rate: -1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::RMSprop({p}, {.eps = -1}); }, {"RMSprop", "epsilon value: -1"}));
  EXPECT_TRUE(
      ThrowsWith([&] { optim::RMSprop({p}, {.weight_decay = -1}); }, {"RMSprop", "weight_decay value: -1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::RMSprop({p}, {.momentum = -1}); }, {"RMSprop", "momentum value: -1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::Adagrad({p}, {.lr = -1}); }, {"Adagrad", "learning rate: -1"}));
  EXPECT_TRUE(
      ThrowsWith([&] { optim::Adagrad({p}, {.weight_decay = -1}); }, {"Adagrad", "weight_decay value: -1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::Adagrad({p}, {.initial_accumulator_value = -1}); },
                         {"Adagrad", "initial_accumulator_value", "-1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::Adagrad({p}, {.eps = -1}); }, {"Adagrad", "epsilon value: -1"}));
  optim::SGD sgd({p}, {.lr = 0.1f});
  EXPECT_TRUE(ThrowsWith([&] { sgd.set_lr(-1); }, {"SGD", "learning rate: -1"}));
  EXPECT_TRUE(ThrowsWith([&] { sgd.set_lr(NAN); }, {"SGD", "learning rate: nan"}));
}

TEST(ErrorsCatalogue, OptimizerParameterLists) {
  Tensor p = ones({2}).requires_grad_();
  EXPECT_TRUE(ThrowsWith(
      [&] {
        optim::SGD({p, p}, {.lr = 0.1f});
      },
      {"SGD", "parameter 1 is the same tensor as parameter 0", "[2]"}));
  // Listing a model's parameters twice by hand: each would be stepped twice.
  // (A layer used twice inside a model is listed once by parameters().)
  auto layer = std::make_shared<nn::Linear>(2, 2);
  std::vector<Tensor> twice = layer->parameters();
  twice.push_back(layer->weight);
  EXPECT_TRUE(ThrowsWith([&] { optim::Adam opt(twice); }, {"Adam", "parameter 2", "parameter 0", "[2, 2]"}));
  EXPECT_TRUE(ThrowsWith([] { optim::SGD({Tensor()}, {.lr = 0.1f}); }, {"SGD", "parameter 0", "undefined"}));
}

TEST(ErrorsCatalogue, OptimizerStateThatDoesNotFit) {
  Tensor p = ones({2}).requires_grad_();
  optim::SGD sgd({p}, {.lr = 0.1f, .momentum = 0.9f});
  EXPECT_TRUE(ThrowsWith([&] { sgd.set_state({}); }, {"SGD", "state has 0 parameters", "has 1"}));
  optim::ParamState wrong;
  wrong.tensors["momentum_buffer"] = ones({3});
  EXPECT_TRUE(ThrowsWith([&] { sgd.set_state({wrong}); }, {"SGD", "momentum_buffer", "[3]", "[2]"}));
}

TEST(ErrorsCatalogue, SchedulerOptions) {
  Tensor p = ones({2}).requires_grad_();
  optim::SGD sgd({p}, {.lr = 0.1f});
  EXPECT_TRUE(ThrowsWith([&] { optim::StepLR(sgd, -2); }, {"StepLR", "step_size", "-2"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::StepLR(sgd, 1, -1); }, {"StepLR", "gamma", "-1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::MultiStepLR(sgd, {1}, INFINITY); }, {"MultiStepLR", "gamma", "inf"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::ExponentialLR(sgd, NAN); }, {"ExponentialLR", "gamma", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::CosineAnnealingLR(sgd, -1); }, {"CosineAnnealingLR", "T_max", "-1"}));
  EXPECT_TRUE(
      ThrowsWith([&] { optim::CosineAnnealingLR(sgd, 2, -1.0); }, {"CosineAnnealingLR", "eta_min", "-1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::LinearLR(sgd, 2.0); }, {"LinearLR", "starting", "got 2"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::LinearLR(sgd, 0.5, 2.0); }, {"LinearLR", "ending", "got 2"}));
  optim::StepLR sched(sgd, 1);
  EXPECT_TRUE(ThrowsWith(
      [&] {
        sched.set_state({-5, 0, 0.1, 0.1});
      },
      {"StepLR", "invalid scheduler state", "last_epoch=-5"}));
  EXPECT_EQ(sgd.lr(), static_cast<double>(0.1f));  // nothing changed
}

// --- checkpoints ---------------------------------------------------------------------------------

TEST(ErrorsCatalogue, SafetensorsWriteAndReadMisuse) {
  TempDir dir("ember_errors");
  std::string f = dir.file("t.safetensors");
  EXPECT_TRUE(ThrowsWith(
      [&] {
        nn::write_safetensors(f, {{"a", ones({1})}, {"a", ones({1})}});
      },
      {"save", "t.safetensors", "'a' appears twice"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        nn::write_safetensors(f, {{"", ones({1})}});
      },
      {"save", "invalid tensor name ''"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::write_safetensors(f, {{"a", Tensor()}}); }, {"save", "'a' is undefined"}));
  nn::Linear lin(2, 2);
  EXPECT_TRUE(
      ThrowsWith([&] { nn::load(lin, dir.path.string()); }, {"load", dir.path.string(), "is a folder"}));
  // An empty tensor round-trips.
  nn::write_safetensors(f, {{"a", zeros({0, 3})}});
  EXPECT_TRUE(Near(nn::read_safetensors(f).tensors.at(0).second, {0, 3}, {}));
}

TEST(ErrorsCatalogue, OptimizerStateFromTheWrongFile) {
  TempDir dir("ember_errors");
  nn::Linear model(2, 3);
  nn::save(model, dir.file("model.safetensors"));
  optim::SGD sgd(model.parameters(), {.lr = 0.1f});
  EXPECT_TRUE(ThrowsWith(
      [&] { optim::load_state(sgd, dir.file("model.safetensors")); },
      {"load_state", "model.safetensors", "metadata 'format' is missing", "optimizer state file"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::load_checkpoint(dir.file("model.safetensors"), model, sgd); },
                         {"load_checkpoint", "metadata 'format' is missing", "checkpoint"}));
  optim::save_checkpoint(dir.file("ckpt.safetensors"), model, sgd);
  optim::StepLR sched(sgd, 1);
  EXPECT_TRUE(ThrowsWith([&] { optim::load_checkpoint(dir.file("ckpt.safetensors"), model, sgd, &sched); },
                         {"load_checkpoint", "a scheduler was given", "no scheduler state"}));
  nn::Linear other(3, 3);
  optim::SGD other_sgd(other.parameters(), {.lr = 0.1f});
  EXPECT_TRUE(ThrowsWith([&] { optim::load_checkpoint(dir.file("ckpt.safetensors"), other, other_sgd); },
                         {"load", "'model.weight'", "[3, 2] in the file", "[3, 3] in the model"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::load_state(sgd, dir.file("none.safetensors")); },
                         {"none.safetensors", "cannot open the file"}));
}

// --- data ----------------------------------------------------------------------------------------

TEST(ErrorsCatalogue, DatasetHelpers) {
  EXPECT_TRUE(ThrowsWith([] { data::permutation(-1, 0); }, {"permutation", "n must be >= 0", "-1"}));
  EXPECT_TRUE(ThrowsWith([] { data::class_counts(data::make_regression_1d("sine", 10)); },
                         {"class_counts", "sine", "no classes"}));
  data::Dataset moons = data::make_moons(10);
  EXPECT_TRUE(ThrowsWith([&] { data::subset(moons, {-1}); }, {"subset", "index -1", "10 samples"}));
  EXPECT_TRUE(ThrowsWith([&] { data::normalize_(moons, {NAN, 1}); }, {"normalize_", "mean=nan"}));
  EXPECT_TRUE(ThrowsWith([&] { data::normalize_(moons, {0, INFINITY}); }, {"normalize_", "std=inf"}));
  data::Dataset empty{"empty", zeros({0, 2}), zeros({0}), {"a", "b"}, 2};
  EXPECT_TRUE(ThrowsWith([&] { data::compute_normalization(empty); },
                         {"compute_normalization", "empty", "no input values"}));
  data::Dataset bad{"mine", ones({2, 2}), tensor({NAN, 0}, {2}), {"a", "b"}, 2};
  EXPECT_TRUE(ThrowsWith([&] { data::validate(bad); }, {"dataset mine", "target nan of sample 0", "0..1"}));
}

TEST(ErrorsCatalogue, DataLoaderInputs) {
  EXPECT_TRUE(
      ThrowsWith([] { data::DataLoader(data::make_moons(10), -1); }, {"DataLoader", "batch_size", "-1"}));
  EXPECT_TRUE(
      ThrowsWith([] { data::DataLoader(data::Dataset{}, 4); }, {"inputs must be a tensor [N, D]", "none"}));
  data::Dataset rows{"mine", ones({4, 2}), zeros({3}), {"a", "b"}, 2};
  EXPECT_TRUE(
      ThrowsWith([&] { data::DataLoader(rows, 2); }, {"dataset mine", "one row per input", "[4, 2]", "[3]"}));
  data::DataLoader loader(data::make_moons(10), 4);
  EXPECT_TRUE(
      ThrowsWith([&] { loader.get(-1); }, {"DataLoader::get", "batch -1", "3 batches of 4 from 10 samples"}));
  // An empty dataset gives no batches (not an error).
  data::DataLoader none(data::Dataset{"empty", zeros({0, 2}), zeros({0}), {"a", "b"}, 2}, 4, true);
  EXPECT_EQ(none.size(), 0);
}

TEST(ErrorsCatalogue, ToyDataAndMissingFiles) {
  EXPECT_TRUE(ThrowsWith([] { data::make_xor(0); }, {"make_xor", "n must be positive", "0"}));
  EXPECT_TRUE(ThrowsWith([] { data::make_moons(10, NAN); }, {"make_moons", "noise", "nan"}));
  EXPECT_TRUE(
      ThrowsWith([] { data::make_circles(10, 0.1f, 0, 1.0f); }, {"make_circles", "factor", "(0, 1)", "1"}));
  EXPECT_TRUE(ThrowsWith([] { data::make_checkerboard(10, 1); }, {"make_checkerboard", "2 cells", "1"}));
  EXPECT_TRUE(
      ThrowsWith([] { data::make_regression_1d("sine", 0); }, {"make_regression_1d", "n must be positive"}));
  EXPECT_TRUE(ThrowsWith([] { data::make_toy("moons", {.n = -1}); }, {"make_moons", "-1"}));
  EXPECT_TRUE(ThrowsWith([] { data::load_fashion_mnist("/nonexistent/ember"); },
                         {"load_fashion_mnist", "/nonexistent/ember/train-images-idx3-ubyte", "exists"}));
  EXPECT_TRUE(ThrowsWith([] { data::load_mnist_idx("/nonexistent/ember", false); },
                         {"load_mnist_idx", "/nonexistent/ember/t10k-images-idx3-ubyte"}));
  EXPECT_TRUE(ThrowsWith([] { data::read_idx("/tmp"); }, {"idx: /tmp"}));
}
