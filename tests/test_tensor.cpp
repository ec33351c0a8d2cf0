// The Tensor handle and its factories: values and shapes, random numbers
// (statistics and reproducibility), arange/linspace edge cases as PyTorch
// has them, accessors, printing, detach/clone/requires_grad_ semantics, threads.
#include <cmath>
#include <numeric>
#include <sstream>

#include "tests/core_test_util.h"

using namespace ember;
using ember::testing::Near;
using ember::testing::ThrowsWith;

// --- factories -------------------------------------------------------------------

TEST(Factories, TensorHoldsValuesInRowMajorOrder) {
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(Near(t, {2, 3}, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(t.dim(), 2);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.size(0), 2);
  EXPECT_EQ(t.size(-1), 3);
  EXPECT_FALSE(t.requires_grad());
  EXPECT_TRUE(t.is_leaf());
  EXPECT_TRUE(tensor({1}, {1}, true).requires_grad());
}

TEST(Factories, TensorRejectsAValueCountThatDoesNotFillTheShape) {
  EXPECT_TRUE(ThrowsWith([] { tensor({1, 2, 3}, {2, 2}); }, {"tensor", "3 values", "[2, 2]"}));
}

TEST(Factories, ZerosOnesFull) {
  EXPECT_TRUE(Near(zeros({2, 2}), {2, 2}, {0, 0, 0, 0}));
  EXPECT_TRUE(Near(ones({3}), {3}, {1, 1, 1}));
  EXPECT_TRUE(Near(full({1, 2}, -2.5f), {1, 2}, {-2.5f, -2.5f}));
  EXPECT_TRUE(Near(scalar_tensor(4), {}, {4}));
  EXPECT_TRUE(Near(ones_like(zeros({2, 1})), {2, 1}, {1, 1}));
  EXPECT_TRUE(Near(zeros_like(ones({2})), {2}, {0, 0}));
  EXPECT_TRUE(Near(full_like(ones({1}), 7), {1}, {7}));
  EXPECT_EQ(zeros({}).numel(), 1);  // the scalar shape has one element
  EXPECT_EQ(zeros({2, 0, 3}).numel(), 0);
}

TEST(Factories, RandnHasStandardNormalStatistics) {
  manual_seed(0);
  Tensor t = randn({200001});  // odd: the last Box–Muller pair is cut in half
  double sum = 0, sum2 = 0, within1 = 0;
  for (float v : t.to_vector()) {
    sum += v;
    sum2 += double(v) * v;
    within1 += std::fabs(v) < 1.0f;
  }
  double n = t.numel(), mean = sum / n, var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(var, 1.0, 0.015);
  EXPECT_NEAR(within1 / n, 0.6827, 0.005);  // the 68% inside one standard deviation
}

TEST(Factories, RandIsUniformOnZeroOne) {
  manual_seed(1);
  std::vector<float> v = rand({200000}).to_vector();
  double sum = 0, sum2 = 0, below_quarter = 0;
  for (float x : v) {
    EXPECT_GE(x, 0.0f);
    EXPECT_LT(x, 1.0f);
    sum += x;
    sum2 += double(x) * x;
    below_quarter += x < 0.25f;
  }
  double n = v.size(), mean = sum / n;
  EXPECT_NEAR(mean, 0.5, 0.005);
  EXPECT_NEAR(sum2 / n - mean * mean, 1.0 / 12, 0.002);
  EXPECT_NEAR(below_quarter / n, 0.25, 0.005);
}

TEST(Factories, ManualSeedMakesDrawsReproducible) {
  manual_seed(42);
  std::vector<float> a = randn({50}).to_vector(), b = rand({7}).to_vector();
  manual_seed(42);
  EXPECT_EQ(randn({50}).to_vector(), a);
  EXPECT_EQ(rand({7}).to_vector(), b);
  manual_seed(43);
  EXPECT_NE(randn({50}).to_vector(), a);
}

TEST(Factories, GeneratorStateResumesTheStream) {
  manual_seed(5);
  std::string state = default_generator().state();
  std::vector<float> a = randn({9}).to_vector();
  default_generator().set_state(state);
  EXPECT_EQ(randn({9}).to_vector(), a);
  EXPECT_TRUE(ThrowsWith([] { default_generator().set_state("not a state"); }, {"set_state"}));
}

TEST(Factories, ArangeIntegerSteps) {
  EXPECT_TRUE(Near(arange(0, 5), {5}, {0, 1, 2, 3, 4}));
  EXPECT_TRUE(Near(arange(2, 11, 3), {3}, {2, 5, 8}));
  EXPECT_TRUE(Near(arange(5, 0, -2), {3}, {5, 3, 1}));
  EXPECT_EQ(arange(3, 3).numel(), 0);
}

TEST(Factories, ArangeFractionalStepsCountLikePyTorch) {
  // PyTorch: ceil((end - start) / step) elements, each start + i·step.
  EXPECT_TRUE(Near(arange(1, 2.5f, 0.5f), {3}, {1, 1.5f, 2}));
  Tensor tenth = arange(0, 1, 0.1);
  ASSERT_EQ(tenth.numel(), 10);  // not 11: 1.0 is excluded
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(tenth.data()[i], 0.1 * i, 1e-6);
  EXPECT_EQ(arange(0, 0.95, 0.1).numel(), 10);  // ceil(9.5)
  EXPECT_TRUE(Near(arange(-1, 1, 0.3), {7}, {-1, -0.7f, -0.4f, -0.1f, 0.2f, 0.5f, 0.8f}));
  // Counted in double like PyTorch's scalars: 0.3 / 0.1 is just under 3 (in float it is just over).
  EXPECT_TRUE(Near(arange(0, 0.3, 0.1), {3}, {0, 0.1f, 0.2f}));
  EXPECT_EQ(arange(0, 0.6, 0.2).numel(), 3);
  EXPECT_EQ(arange(0, 2.2, 0.2).numel(), 11);
  EXPECT_EQ(arange(1, 1.9, 0.3).numel(), 3);
}

TEST(Factories, ArangeRejectsBadSteps) {
  EXPECT_TRUE(ThrowsWith([] { arange(0, 1, 0); }, {"arange", "step"}));
  EXPECT_TRUE(ThrowsWith([] { arange(0, 5, -1); }, {"arange", "step -1"}));
  EXPECT_TRUE(ThrowsWith([] { arange(0, INFINITY); }, {"arange", "finite"}));
}

TEST(Factories, LinspaceHitsBothEndsExactly) {
  EXPECT_TRUE(Near(linspace(0, 1, 5), {5}, {0, 0.25f, 0.5f, 0.75f, 1}, 0));
  Tensor t = linspace(0.1f, 0.7f, 7);
  EXPECT_EQ(t.data()[0], 0.1f);
  EXPECT_EQ(t.data()[6], 0.7f);
  EXPECT_NEAR(t.data()[3], 0.4f, 1e-7);
  Tensor sym = linspace(-1, 1, 7);
  EXPECT_EQ(sym.data()[0], -1.0f);
  EXPECT_EQ(sym.data()[6], 1.0f);
  EXPECT_NEAR(sym.data()[2], -1.0f / 3, 1e-7);
  EXPECT_TRUE(Near(linspace(3, 9, 1), {1}, {3}));  // one point: the start
  EXPECT_EQ(linspace(0, 1, 0).numel(), 0);
  EXPECT_TRUE(ThrowsWith([] { linspace(0, 1, -1); }, {"linspace", "-1"}));
}

// --- accessors ----------------------------------------------------------------------

TEST(TensorAccess, ItemOfOneElement) {
  EXPECT_EQ(scalar_tensor(2.5f).item(), 2.5f);
  EXPECT_EQ(tensor({-3}, {1, 1}).item(), -3.0f);
  EXPECT_TRUE(ThrowsWith([] { ones({2}).item(); }, {"item", "[2]"}));
}

TEST(TensorAccess, DataIsWritableAndToVectorCopies) {
  Tensor t = zeros({3});
  t.data()[1] = 5;
  std::vector<float> v = t.to_vector();
  EXPECT_EQ(v, (std::vector<float>{0, 5, 0}));
  v[0] = 9;  // a copy: the tensor does not change
  EXPECT_EQ(t.data()[0], 0.0f);
}

TEST(TensorAccess, UndefinedTensorThrowsOnUse) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_TRUE(ThrowsWith([&] { (void)t.shape(); }, {"undefined"}));
  EXPECT_TRUE(ThrowsWith([&] { (void)t.item(); }, {"undefined"}));
}

TEST(TensorAccess, SizeOfAZeroDimTensorIsAnError) {
  EXPECT_TRUE(ThrowsWith([] { (void)scalar_tensor(1).size(0); }, {"size", "[]"}));
  EXPECT_TRUE(ThrowsWith([] { (void)ones({2}).size(1); }, {"size", "dim 1"}));
}

TEST(TensorAccess, InPlaceHelpersWriteThrough) {
  Tensor t = ones({2, 2});
  Tensor view = t.reshape({4});  // reshape shares storage
  t.fill_(3);
  EXPECT_TRUE(Near(view, {4}, {3, 3, 3, 3}));
  t.zero_();
  EXPECT_TRUE(Near(view, {4}, {0, 0, 0, 0}));
  t.copy_(tensor({1, 2, 3, 4}, {4}));
  EXPECT_TRUE(Near(t, {2, 2}, {1, 2, 3, 4}));
  EXPECT_TRUE(ThrowsWith([&] { t.copy_(ones({3})); }, {"copy_", "[3]", "[2, 2]"}));
}

// --- printing -----------------------------------------------------------------------

std::string printed(const Tensor& t) {
  std::ostringstream out;
  out << t;
  return out.str();
}

TEST(TensorPrint, ScalarsVectorsMatrices) {
  EXPECT_EQ(printed(scalar_tensor(2.5f)), "tensor(2.5)");
  EXPECT_EQ(printed(tensor({1, 2, 3}, {3})), "tensor([1, 2, 3])");
  EXPECT_EQ(printed(tensor({1, 2, 3, 4}, {2, 2})), "tensor([[1, 2],\n        [3, 4]])");
  EXPECT_EQ(printed(zeros({0})), "tensor([])");
  EXPECT_EQ(printed(zeros({2, 0})), "tensor([], size=(2, 0))");  // PyTorch's form
  // An empty tensor with huge dims prints at once instead of walking 2^62 empty rows.
  EXPECT_EQ(printed(zeros({int64_t{1} << 62, 8, 0})), "tensor([], size=(4611686018427387904, 8, 0))");
  EXPECT_EQ(printed(Tensor()), "tensor(undefined)");
  EXPECT_EQ(tensor({0.5f}, {1}).to_string(), "tensor([0.5])");
}

TEST(TensorPrint, ShowsRequiresGradAndGradFn) {
  Tensor x = tensor({1, 2}, {2}, true);
  EXPECT_EQ(printed(x), "tensor([1, 2], requires_grad=True)");
  EXPECT_EQ(printed(x * 2.0f), "tensor([2, 4], grad_fn=<MulBackward>)");
}

TEST(TensorPrint, SummarizesOnlyLargeTensors) {
  // PyTorch prints every element up to 1000 of them, then the 3 at each end of long dims.
  std::string small = printed(arange(0, 10));
  EXPECT_EQ(small, "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])");
  EXPECT_EQ(printed(arange(0, 2000)), "tensor([0, 1, 2, ..., 1997, 1998, 1999])");
  EXPECT_EQ(printed(arange(0, 4000).reshape({1000, 4})),
            "tensor([[0, 1, 2, 3],\n        [4, 5, 6, 7],\n        [8, 9, 10, 11],\n        ...,\n"
            "        [3988, 3989, 3990, 3991],\n        [3992, 3993, 3994, 3995],\n"
            "        [3996, 3997, 3998, 3999]])");
}

TEST(TensorPrint, HundredThousandDimsPrintWithoutRecursion) {
  // Printing walked the dims recursively: 100,000 dims overflowed the stack.
  std::string text = printed(zeros(Shape(100000, 1)));
  EXPECT_EQ(text, "tensor(" + std::string(100000, '[') + "0" + std::string(100000, ']') + ")");
}

TEST(TensorPrint, NestedDimsKeepPyTorchsLayout) {
  EXPECT_EQ(printed(arange(0, 8).reshape({2, 2, 2})),
            "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])");
  EXPECT_EQ(printed(zeros({1, 1, 0})), "tensor([], size=(1, 1, 0))");
  EXPECT_EQ(printed(zeros({2, 1})), "tensor([[0],\n        [0]])");
}

// --- autograd flags -----------------------------------------------------------------

TEST(TensorAutogradFlags, DetachSharesStorageAndLeavesTheGraph) {
  Tensor x = tensor({1, 2}, {2}, true);
  Tensor y = x * 3.0f;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.grad_fn(), nullptr);
  d.data()[0] = 100;  // same storage: y sees the write
  EXPECT_EQ(y.data()[0], 100.0f);
  EXPECT_FALSE((d * 2.0f).requires_grad());
}

TEST(TensorAutogradFlags, CloneCopiesValuesAndIsDifferentiable) {
  Tensor x = tensor({1, 2}, {2}, true);
  Tensor c = x.clone();
  c.data()[0] = 50;  // its own storage
  EXPECT_EQ(x.data()[0], 1.0f);
  ASSERT_NE(c.grad_fn(), nullptr);
  EXPECT_STREQ(c.grad_fn()->name(), "CloneBackward");
  (c * tensor({3, 4}, {2})).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {2}, {3, 4}));
  EXPECT_FALSE(ones({2}).clone().requires_grad());
}

TEST(TensorAutogradFlags, RequiresGradOnLeavesOnly) {
  Tensor x = ones({2});
  EXPECT_EQ(&x.requires_grad_(), &x);  // returns itself, for chaining
  EXPECT_TRUE(x.requires_grad());
  x.requires_grad_(false);
  EXPECT_FALSE(x.requires_grad());
  x.requires_grad_();
  Tensor y = x * 2.0f;
  EXPECT_FALSE(y.is_leaf());
  EXPECT_TRUE(y.requires_grad());
  EXPECT_TRUE(
      ThrowsWith([&] { y.requires_grad_(false); }, {"requires_grad_", "leaf", "MulBackward", "detach"}));
  EXPECT_TRUE(ThrowsWith([&] { y.requires_grad_(true); }, {"requires_grad_", "leaf"}));
}

TEST(TensorAutogradFlags, OpsOnTensorsNotRequiringGradRecordNothing) {
  int64_t before = live_node_count();
  Tensor y = (ones({2}) * 2.0f + 1.0f).exp();
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
  EXPECT_EQ(live_node_count(), before);
}

TEST(TensorAutogradFlags, SetGradChecksTheShape) {
  Tensor x = ones({2}).requires_grad_();
  x.set_grad(full({2}, 3));
  EXPECT_TRUE(Near(x.grad(), {2}, {3, 3}));
  x.set_grad({});
  EXPECT_FALSE(x.grad().defined());
  EXPECT_TRUE(ThrowsWith([&] { x.set_grad(ones({3})); }, {"set_grad", "[3]", "[2]"}));
  EXPECT_TRUE(ThrowsWith([] { Tensor().set_grad({}); }, {"undefined"}));
}

// --- threads ------------------------------------------------------------------------

TEST(Threads, SetAndGetNumThreads) {
  int original = get_num_threads();
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  set_num_threads(3);
  EXPECT_EQ(get_num_threads(), 3);
  // A large elementwise op runs on the threads and gives the same values.
  Tensor x = arange(0, 100000);
  std::vector<float> many = (x * 2.0f + 1.0f).to_vector();
  set_num_threads(1);
  EXPECT_EQ((x * 2.0f + 1.0f).to_vector(), many);
  EXPECT_EQ(many[99999], 199999.0f);
  EXPECT_TRUE(ThrowsWith([] { set_num_threads(0); }, {"set_num_threads", "0"}));
  set_num_threads(original);
  EXPECT_EQ(get_num_threads(), original);
}
