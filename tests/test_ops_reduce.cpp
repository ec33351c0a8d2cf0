// Reductions: sum, mean, max, min, argmax, logsumexp over everything and over
// dims (keepdim, negative dims, several dims), sum_to; their gradients
// (gradcheck, ties as PyTorch breaks them, NaN).
#include <cmath>

#include "tests/core_test_util.h"

using namespace ember;
using ember::testing::Near;
using ember::testing::uniform;

namespace {
// [[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], [[12, ...], ...]]
Tensor cube() { return arange(0, 24).reshape({2, 3, 4}); }
}  // namespace

TEST(OpsReduce, SumAndMeanOfEverything) {
  EXPECT_TRUE(Near(cube().sum(), {}, {276}));
  EXPECT_TRUE(Near(cube().mean(), {}, {11.5f}));
  EXPECT_TRUE(Near(sum(zeros({0})), {}, {0}));
  EXPECT_TRUE(Near(mean(zeros({0})), {}, {NAN}));  // 0/0, as PyTorch
  EXPECT_TRUE(Near(scalar_tensor(3).sum(), {}, {3}));
}

TEST(OpsReduce, SumOverDimsWithKeepdimAndNegativeDims) {
  Tensor x = cube();
  EXPECT_TRUE(Near(x.sum({0}), {3, 4}, {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}));
  EXPECT_TRUE(Near(x.sum({1}), {2, 4}, {12, 15, 18, 21, 48, 51, 54, 57}));
  EXPECT_TRUE(Near(x.sum({2}), {2, 3}, {6, 22, 38, 54, 70, 86}));
  EXPECT_TRUE(Near(x.sum({-1}), {2, 3}, {6, 22, 38, 54, 70, 86}));
  EXPECT_TRUE(Near(x.sum({-1}, true), {2, 3, 1}, {6, 22, 38, 54, 70, 86}));
  EXPECT_TRUE(Near(x.sum({0, 2}), {3}, {60, 92, 124}));
  EXPECT_TRUE(Near(x.sum({2, -3}, true), {1, 3, 1}, {60, 92, 124}));
  EXPECT_TRUE(Near(x.sum({}, true), {1, 1, 1}, {276}));  // no dims: all of them
  EXPECT_TRUE(Near(zeros({2, 0}).sum({1}), {2}, {0, 0}));
}

TEST(OpsReduce, ReducingAZeroDimTensorOverItsOnlyDim) {
  // PyTorch accepts dim 0 and -1 for a 0-d tensor and returns it.
  Tensor s = scalar_tensor(3);
  EXPECT_TRUE(Near(sum(s, {0}), {}, {3}));
  EXPECT_TRUE(Near(mean(s, {-1}, true), {}, {3}));
  EXPECT_TRUE(Near(max(s, 0), {}, {3}));
  EXPECT_TRUE(Near(argmax(s, 0), {}, {0}));
  EXPECT_TRUE(Near(logsumexp(s, 0), {}, {3}));
}

TEST(OpsReduce, MeanOverDims) {
  Tensor x = cube();
  EXPECT_TRUE(Near(x.mean({1}), {2, 4}, {4, 5, 6, 7, 16, 17, 18, 19}));
  EXPECT_TRUE(Near(x.mean({-1}, true), {2, 3, 1}, {1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f}));
  EXPECT_TRUE(Near(x.mean({0, 1}), {4}, {10, 11, 12, 13}));
}

TEST(OpsReduce, MaxMinArgmaxOverDims) {
  Tensor x = tensor({3, 7, 1, 7, 2, 9, 4, 0}, {2, 4});
  EXPECT_TRUE(Near(x.max(), {}, {9}));
  EXPECT_TRUE(Near(min(x), {}, {0}));
  EXPECT_TRUE(Near(x.max(1), {2}, {7, 9}));
  EXPECT_TRUE(Near(x.max(-1, true), {2, 1}, {7, 9}));
  EXPECT_TRUE(Near(x.max(0), {4}, {3, 9, 4, 7}));
  EXPECT_TRUE(Near(min(x, 1), {2}, {1, 0}));
  EXPECT_TRUE(Near(min(x, 0, true), {1, 4}, {2, 7, 1, 0}));
  EXPECT_TRUE(Near(x.argmax(1), {2}, {1, 1}));  // the first of the tied 7s
  EXPECT_TRUE(Near(x.argmax(0), {4}, {0, 1, 1, 0}));
  EXPECT_TRUE(Near(x.argmax(-1, true), {2, 1}, {1, 1}));
  EXPECT_TRUE(Near(cube().max(1), {2, 4}, {8, 9, 10, 11, 20, 21, 22, 23}));
  EXPECT_FALSE(tensor({1, 2}, {2}, true).argmax(0).requires_grad());
}

TEST(OpsReduce, MaxMinArgmaxPropagateNaN) {
  Tensor x = tensor({1, NAN, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(Near(x.max(), {}, {NAN}));
  EXPECT_TRUE(Near(min(x), {}, {NAN}));
  EXPECT_TRUE(Near(x.max(1), {2}, {NAN, 6}));
  EXPECT_TRUE(Near(min(x, 1), {2}, {NAN, 4}));
  EXPECT_TRUE(Near(x.argmax(1), {2}, {1, 2}));
}

TEST(OpsReduce, LogsumexpIsStable) {
  Tensor x = tensor({1, 2, 3, 1000, 1000, -INFINITY}, {2, 3});
  // log(e + e² + e³) = 3.40760596; log(2e^1000) = 1000 + log 2.
  EXPECT_TRUE(Near(logsumexp(x, 1), {2}, {3.40760596f, 1000.69314718f}));
  EXPECT_TRUE(Near(logsumexp(x, -1, true), {2, 1}, {3.40760596f, 1000.69314718f}));
  EXPECT_TRUE(Near(logsumexp(tensor({-INFINITY, -INFINITY}, {2}), 0), {}, {-INFINITY}));
  EXPECT_TRUE(Near(logsumexp(tensor({0, 0}, {1, 2}), 0), {2}, {0, 0}));
}

TEST(OpsReduce, SumToUndoesBroadcasting) {
  Tensor g = ones({2, 3, 4});
  EXPECT_TRUE(Near(sum_to(g, {4}), {4}, {6, 6, 6, 6}));
  EXPECT_TRUE(Near(sum_to(g, {3, 1}), {3, 1}, {8, 8, 8}));
  EXPECT_TRUE(Near(sum_to(g, {1, 1, 1}), {1, 1, 1}, {24}));
  EXPECT_TRUE(Near(sum_to(g, {}), {}, {24}));
  EXPECT_TRUE(Near(sum_to(cube(), {2, 1, 4}), {2, 1, 4}, {12, 15, 18, 21, 48, 51, 54, 57}));
}

// --- gradients ----------------------------------------------------------------------

TEST(OpsReduceGradient, MaxOverDimSendsTheGradientToTheFirstMax) {
  // torch.max(x, dim) backward goes to the index it returned.
  Tensor x = tensor({3, 7, 1, 7}, {1, 4}, true);
  x.max(1).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {1, 4}, {0, 1, 0, 0}));
}

TEST(OpsReduceGradient, FullMaxAndMinShareTheGradientAmongTies) {
  // torch.max(x) / torch.min(x) backward: evenly among all tied extremes.
  Tensor x = tensor({1, 3, 3, 2}, {2, 2}, true);
  (x.max() * 4.0f).backward();
  EXPECT_TRUE(Near(x.grad(), {2, 2}, {0, 2, 2, 0}));
  Tensor y = tensor({1, 5, 1, 1}, {4}, true);
  min(y).backward();
  EXPECT_TRUE(Near(y.grad(), {4}, {1.0f / 3, 0, 1.0f / 3, 1.0f / 3}));
  Tensor z = tensor({1, NAN, 2}, {3}, true);
  z.max().backward();  // a NaN maximum: the gradient goes to the NaN
  EXPECT_TRUE(Near(z.grad(), {3}, {0, 1, 0}));
}

TEST(OpsReduceGradient, MeanSpreadsTheGradient) {
  Tensor x = ones({2, 3}).requires_grad_();
  x.mean().backward();
  EXPECT_TRUE(Near(x.grad(), {2, 3}, std::vector<float>(6, 1.0f / 6)));
  Tensor y = ones({2, 3}).requires_grad_();
  y.mean({1}).sum().backward();
  EXPECT_TRUE(Near(y.grad(), {2, 3}, std::vector<float>(6, 1.0f / 3)));
}

TEST(OpsReduceGradcheck, SumMeanOverDims) {
  Tensor x = uniform({2, 3, 4}, -1, 1);
  EXPECT_GRADCHECK([](auto& v) { return v[0].sum(); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].mean(); }, {x});
  for (bool keep : {false, true}) {
    SCOPED_TRACE(keep ? "keepdim" : "no keepdim");
    EXPECT_GRADCHECK([keep](auto& v) { return v[0].sum({1}, keep); }, {x});
    EXPECT_GRADCHECK([keep](auto& v) { return v[0].sum({-1, 0}, keep); }, {x});
    EXPECT_GRADCHECK([keep](auto& v) { return v[0].mean({-2}, keep); }, {x});
    EXPECT_GRADCHECK([keep](auto& v) { return v[0].mean({0, 2}, keep) * v[0].sum({0, 2}, keep); }, {x});
  }
  EXPECT_GRADCHECK([](auto& v) { return sum(v[0], {0}) * 2.0f; }, {uniform({}, -1, 1)});
}

TEST(OpsReduceGradcheck, MaxMinWithoutTies) {
  Tensor x = uniform({3, 4}, -2, 2, 13);  // distinct values: no ties
  for (bool keep : {false, true}) {
    EXPECT_GRADCHECK([keep](auto& v) { return v[0].max(1, keep); }, {x});
    EXPECT_GRADCHECK([keep](auto& v) { return v[0].max(-2, keep); }, {x});
    EXPECT_GRADCHECK([keep](auto& v) { return min(v[0], 0, keep); }, {x});
  }
  EXPECT_GRADCHECK([](auto& v) { return v[0].max(); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return min(v[0]); }, {x});
}

TEST(OpsReduceGradcheck, Logsumexp) {
  Tensor x = uniform({3, 4}, -3, 3, 17);
  EXPECT_GRADCHECK([](auto& v) { return logsumexp(v[0], 1); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return logsumexp(v[0], 0, true); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return logsumexp(v[0] * 50.0f, -1); }, {x});  // large logits
}

TEST(OpsReduceGradient, LogsumexpGradientIsSoftmax) {
  Tensor x = tensor({1, 2, 3}, {3}, true);
  logsumexp(x, 0).backward();
  double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_TRUE(
      Near(x.grad(), {3}, {float(std::exp(1.0) / z), float(std::exp(2.0) / z), float(std::exp(3.0) / z)}));
}
