// Elementwise ops: arithmetic with broadcasting (tensor–tensor, tensor–float,
// float–tensor), the unary functions, pow in its three forms, clamp,
// maximum/minimum, where, comparisons. Forward on hand-computed values,
// gradients against gradcheck (inputs away from kinks) and against the
// PyTorch conventions at ties and NaN.
#include <cmath>

#include "tests/core_test_util.h"

using namespace ember;
using ember::testing::away_from_zero;
using ember::testing::Near;
using ember::testing::uniform;

namespace {
Tensor t3x1() { return tensor({1, 2, 3}, {3, 1}); }
Tensor t1x4() { return tensor({10, 20, 30, 40}, {1, 4}); }
}  // namespace

// --- forward: arithmetic ----------------------------------------------------------

TEST(OpsArithmetic, TensorTensorSameShape) {
  Tensor a = tensor({1, 2, 3, 4}, {2, 2}), b = tensor({5, 6, 7, 8}, {2, 2});
  EXPECT_TRUE(Near(a + b, {2, 2}, {6, 8, 10, 12}));
  EXPECT_TRUE(Near(a - b, {2, 2}, {-4, -4, -4, -4}));
  EXPECT_TRUE(Near(a * b, {2, 2}, {5, 12, 21, 32}));
  EXPECT_TRUE(Near(b / a, {2, 2}, {5, 3, 7.0f / 3, 2}));
}

TEST(OpsArithmetic, BroadcastsColumnAgainstRow) {
  EXPECT_TRUE(Near(t3x1() + t1x4(), {3, 4}, {11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43}));
  EXPECT_TRUE(Near(t1x4() - t3x1(), {3, 4}, {9, 19, 29, 39, 8, 18, 28, 38, 7, 17, 27, 37}));
  EXPECT_TRUE(Near(t3x1() * t1x4(), {3, 4}, {10, 20, 30, 40, 20, 40, 60, 80, 30, 60, 90, 120}));
  EXPECT_TRUE(
      Near(t1x4() / t3x1(), {3, 4}, {10, 20, 30, 40, 5, 10, 15, 20, 10.f / 3, 20.f / 3, 10, 40.f / 3}));
}

TEST(OpsArithmetic, BroadcastsAcrossRanksAndScalars) {
  Tensor a = arange(0, 24).reshape({2, 3, 4}), row = tensor({1, 2, 3, 4}, {4});
  Tensor y = a * row;
  EXPECT_EQ(y.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(y.data()[5], 5.0f * 2);
  EXPECT_EQ(y.data()[23], 23.0f * 4);
  EXPECT_TRUE(Near(scalar_tensor(2) * tensor({1, 2}, {2}), {2}, {2, 4}));
  EXPECT_TRUE(Near(tensor({1, 2}, {2}) - scalar_tensor(1), {2}, {0, 1}));
  EXPECT_TRUE(Near(tensor({3, 4}, {2, 1, 1}) + tensor({1, 2, 3}, {1, 3}), {2, 1, 3}, {4, 5, 6, 5, 6, 7}));
}

TEST(OpsArithmetic, TensorFloatAndFloatTensor) {
  Tensor a = tensor({1, 2, 4}, {3});
  EXPECT_TRUE(Near(a + 1.0f, {3}, {2, 3, 5}));
  EXPECT_TRUE(Near(a - 1.0f, {3}, {0, 1, 3}));
  EXPECT_TRUE(Near(a * 3.0f, {3}, {3, 6, 12}));
  EXPECT_TRUE(Near(a / 2.0f, {3}, {0.5f, 1, 2}));
  EXPECT_TRUE(Near(1.0f + a, {3}, {2, 3, 5}));
  EXPECT_TRUE(Near(10.0f - a, {3}, {9, 8, 6}));
  EXPECT_TRUE(Near(3.0f * a, {3}, {3, 6, 12}));
  EXPECT_TRUE(Near(8.0f / a, {3}, {8, 4, 2}));
  EXPECT_TRUE(Near(-a, {3}, {-1, -2, -4}));
  EXPECT_TRUE(Near(a.neg(), {3}, {-1, -2, -4}));
}

TEST(OpsArithmetic, DivisionByZeroGivesInfinityAndNaN) {
  Tensor y = tensor({1, -1, 0}, {3}) / zeros({3});
  EXPECT_TRUE(Near(y, {3}, {INFINITY, -INFINITY, NAN}));
}

// --- forward: unary -----------------------------------------------------------------

TEST(OpsUnary, ExpTanhSigmoidErf) {
  Tensor x = tensor({-1.5f, -0.5f, 0.25f, 2}, {4});
  EXPECT_TRUE(Near(x.exp(), {4}, {0.22313016f, 0.60653066f, 1.28402542f, 7.38905610f}));
  EXPECT_TRUE(Near(x.tanh(), {4}, {-0.90514825f, -0.46211716f, 0.24491866f, 0.96402758f}));
  EXPECT_TRUE(Near(x.sigmoid(), {4}, {0.18242552f, 0.37754067f, 0.56217650f, 0.88079708f}));
  EXPECT_TRUE(Near(x.erf(), {4}, {-0.96610515f, -0.52049988f, 0.27632639f, 0.99532227f}));
}

TEST(OpsUnary, SigmoidAndExpAtExtremes) {
  Tensor x = tensor({-200, 200, 0}, {3});
  EXPECT_TRUE(Near(x.sigmoid(), {3}, {0, 1, 0.5f}));  // no overflow to NaN
  EXPECT_TRUE(Near(x.exp(), {3}, {0, INFINITY, 1}));
  EXPECT_TRUE(Near(x.tanh(), {3}, {-1, 1, 0}));
}

TEST(OpsUnary, LogLog1pSqrtAbs) {
  EXPECT_TRUE(Near(tensor({0.5f, 1, 4}, {3}).log(), {3}, {-0.69314718f, 0, 1.38629436f}));
  EXPECT_TRUE(Near(tensor({0, -1}, {2}).log(), {2}, {-INFINITY, NAN}));
  // log1p keeps tiny arguments that log(1 + x) would round away.
  EXPECT_TRUE(Near(tensor({1e-7f, 0.5f, 3}, {3}).log1p(), {3}, {1e-7f, 0.40546511f, 1.38629436f}, 1e-6f));
  EXPECT_NEAR(tensor({1e-7f}, {1}).log1p().item(), 1e-7, 1e-12);
  EXPECT_TRUE(Near(tensor({0, 4, 2.25f}, {3}).sqrt(), {3}, {0, 2, 1.5f}));
  EXPECT_TRUE(Near(tensor({-2, 0, 3}, {3}).abs(), {3}, {2, 0, 3}));
  EXPECT_TRUE(Near(sign(tensor({-2, 0, 3, NAN}, {4})), {4}, {-1, 0, 1, NAN}));
}

TEST(OpsUnary, PowWithFloatExponentTensorExponentAndFloatBase) {
  Tensor x = tensor({2, 3, 0.5f}, {3});
  EXPECT_TRUE(Near(x.pow(2), {3}, {4, 9, 0.25f}));
  EXPECT_TRUE(Near(x.pow(0.5f), {3}, {1.41421356f, 1.73205081f, 0.70710678f}));
  EXPECT_TRUE(Near(x.pow(-1), {3}, {0.5f, 1.0f / 3, 2}));
  EXPECT_TRUE(Near(x.pow(0), {3}, {1, 1, 1}));
  EXPECT_TRUE(Near(pow(x, tensor({3, -1.5f, 2}, {3})), {3}, {8, 0.19245009f, 0.25f}));
  EXPECT_TRUE(Near(pow(tensor({2, 3}, {2, 1}), tensor({1, 2}, {1, 2})), {2, 2}, {2, 4, 3, 9}));
  EXPECT_TRUE(Near(pow(2.0f, tensor({0, 3, -1}, {3})), {3}, {1, 8, 0.5f}));
}

TEST(OpsUnary, ClampAndItsOneSidedForms) {
  Tensor x = tensor({-2, -1, 0.5f, 1, 3}, {5});
  EXPECT_TRUE(Near(x.clamp(-1, 1), {5}, {-1, -1, 0.5f, 1, 1}));
  EXPECT_TRUE(Near(clamp_min(x, 0), {5}, {0, 0, 0.5f, 1, 3}));
  EXPECT_TRUE(Near(clamp_max(x, 0), {5}, {-2, -1, 0, 0, 0}));
}

TEST(OpsUnary, NaNPropagatesThroughClamp) {
  Tensor x = tensor({NAN, 5}, {2});
  EXPECT_TRUE(Near(x.clamp(0, 1), {2}, {NAN, 1}));
  EXPECT_TRUE(Near(clamp_min(x, 0), {2}, {NAN, 5}));
  EXPECT_TRUE(Near(clamp_max(x, 0), {2}, {NAN, 0}));
}

// --- forward: maximum, minimum, where, comparisons ------------------------------------

TEST(OpsBinary, MaximumMinimumBroadcast) {
  Tensor a = tensor({1, 5, 3}, {3}), b = tensor({2, 2, 3}, {3});
  EXPECT_TRUE(Near(maximum(a, b), {3}, {2, 5, 3}));
  EXPECT_TRUE(Near(minimum(a, b), {3}, {1, 2, 3}));
  EXPECT_TRUE(Near(maximum(tensor({0, 4}, {2, 1}), tensor({1, 2, 3}, {3})), {2, 3}, {1, 2, 3, 4, 4, 4}));
}

TEST(OpsBinary, MaximumMinimumPropagateNaNFromEitherSide) {
  Tensor a = tensor({NAN, 1, NAN}, {3}), b = tensor({1, NAN, NAN}, {3});
  EXPECT_TRUE(Near(maximum(a, b), {3}, {NAN, NAN, NAN}));
  EXPECT_TRUE(Near(minimum(a, b), {3}, {NAN, NAN, NAN}));
}

TEST(OpsBinary, WherePicksAndBroadcasts) {
  Tensor c = tensor({1, 0, 1}, {3});
  EXPECT_TRUE(Near(where(c, tensor({1, 2, 3}, {3}), tensor({-1, -2, -3}, {3})), {3}, {1, -2, 3}));
  EXPECT_TRUE(Near(where(c, tensor({7}, {1}), 0.0f), {3}, {7, 0, 7}));
  EXPECT_TRUE(Near(where(c, 5.0f, tensor({-1, -2, -3}, {3})), {3}, {5, -2, 5}));
  EXPECT_TRUE(Near(where(tensor({1, 0}, {2, 1}), ones({3}), zeros({2, 3})), {2, 3}, {1, 1, 1, 0, 0, 0}));
  EXPECT_TRUE(Near(where(tensor({2, -0.5f}, {2}), ones({2}), zeros({2})), {2}, {1, 1}));  // nonzero is true
}

TEST(OpsBinary, ComparisonsReturnZeroOne) {
  Tensor a = tensor({1, 2, 3}, {3}), b = tensor({3, 2, 1}, {3});
  EXPECT_TRUE(Near(a > b, {3}, {0, 0, 1}));
  EXPECT_TRUE(Near(a < b, {3}, {1, 0, 0}));
  EXPECT_TRUE(Near(a >= b, {3}, {0, 1, 1}));
  EXPECT_TRUE(Near(a <= b, {3}, {1, 1, 0}));
  EXPECT_TRUE(Near(a == b, {3}, {0, 1, 0}));
  EXPECT_TRUE(Near(a != b, {3}, {1, 0, 1}));
  EXPECT_TRUE(Near(a > 1.5f, {3}, {0, 1, 1}));
  EXPECT_TRUE(Near(a < 2.0f, {3}, {1, 0, 0}));
  EXPECT_TRUE(Near(a >= 2.0f, {3}, {0, 1, 1}));
  EXPECT_TRUE(Near(a <= 2.0f, {3}, {1, 1, 0}));
  EXPECT_TRUE(Near(a == 3.0f, {3}, {0, 0, 1}));
  EXPECT_TRUE(Near(a != 3.0f, {3}, {1, 1, 0}));
  EXPECT_TRUE(Near(tensor({1, 2}, {2, 1}) == tensor({1, 2}, {1, 2}), {2, 2}, {1, 0, 0, 1}));
  EXPECT_TRUE(Near(tensor({NAN}, {1}) == tensor({NAN}, {1}), {1}, {0}));
}

TEST(OpsBinary, ComparisonsAreNotDifferentiable) {
  Tensor a = tensor({1, 2}, {2}, true);
  EXPECT_FALSE((a > 1.0f).requires_grad());
  EXPECT_FALSE((a == a).requires_grad());
  EXPECT_FALSE(sign(a).requires_grad());
}

TEST(OpsBinary, LargeBroadcastRunsOnThreadsWithTheSameValues) {
  Tensor a = arange(0, 300).reshape({300, 1}), b = arange(0, 400).reshape({1, 400});
  Tensor y = a * 1000.0f + b;  // 120000 elements: above the parallel grain
  for (int64_t i : {0, 1, 399, 400, 119999, 54321})
    EXPECT_EQ(y.data()[i], float((i / 400) * 1000 + i % 400)) << "element " << i;
}

// --- gradients: hand-checked conventions ------------------------------------------------

TEST(OpsGradient, MaximumMinimumSplitTiesHalfAndHalf) {
  Tensor a = tensor({1, 3, 2}, {3}, true), b = tensor({2, 3, 1}, {3}, true);
  maximum(a, b).sum().backward();
  EXPECT_TRUE(Near(a.grad(), {3}, {0, 0.5f, 1}));
  EXPECT_TRUE(Near(b.grad(), {3}, {1, 0.5f, 0}));
  Tensor c = tensor({1, 3, 2}, {3}, true), d = tensor({2, 3, 1}, {3}, true);
  minimum(c, d).sum().backward();
  EXPECT_TRUE(Near(c.grad(), {3}, {1, 0.5f, 0}));
  EXPECT_TRUE(Near(d.grad(), {3}, {0, 0.5f, 1}));
}

TEST(OpsGradient, MaximumAtNaNSendsTheGradientToBothSides) {
  // PyTorch: where neither input lost (a NaN compares false both ways), both get g.
  Tensor a = tensor({NAN, 1}, {2}, true), b = tensor({1, NAN}, {2}, true);
  maximum(a, b).sum().backward();
  EXPECT_TRUE(Near(a.grad(), {2}, {1, 1}));
  EXPECT_TRUE(Near(b.grad(), {2}, {1, 1}));
}

TEST(OpsGradient, ClampPassesTheGradientInsideInclusiveBounds) {
  Tensor x = tensor({-2, -1, 0, 1, 2, NAN}, {6}, true);
  x.clamp(-1, 1).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {6}, {0, 1, 1, 1, 0, 0}));
  Tensor y = tensor({-1, 0, 1}, {3}, true);
  (clamp_min(y, 0) + clamp_max(y, 0) * 10.0f).sum().backward();
  EXPECT_TRUE(Near(y.grad(), {3}, {10, 11, 1}));
}

TEST(OpsGradient, AbsHasZeroGradientAtZero) {
  Tensor x = tensor({-2, 0, 3}, {3}, true);
  x.abs().sum().backward();
  EXPECT_TRUE(Near(x.grad(), {3}, {-1, 0, 1}));
}

TEST(OpsGradient, PowConventionsAtZero) {
  // x^0 has gradient 0 everywhere, even at x = 0 (PyTorch).
  Tensor x = tensor({0, 2}, {2}, true);
  x.pow(0).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {2}, {0, 0}));
  // a^b with a tensor exponent: da is 0 where b = 0, db is 0 where a = 0 and b >= 0.
  Tensor a = tensor({0, 2, 0}, {3}, true), b = tensor({0, 3, 2}, {3}, true);
  pow(a, b).sum().backward();
  EXPECT_TRUE(Near(a.grad(), {3}, {0, 12, 0}));
  EXPECT_TRUE(Near(b.grad(), {3}, {0, 8 * std::log(2.0f), 0}));
}

TEST(OpsGradient, SigmoidAndTanhGradientsFromTheirOutputs) {
  Tensor x = tensor({0, 1}, {2}, true);
  x.sigmoid().sum().backward();
  float s = 1 / (1 + std::exp(-1.0f));
  EXPECT_TRUE(Near(x.grad(), {2}, {0.25f, s * (1 - s)}));
  Tensor z = tensor({0, 1}, {2}, true);
  z.tanh().sum().backward();
  EXPECT_TRUE(Near(z.grad(), {2}, {1, 1 - std::tanh(1.0f) * std::tanh(1.0f)}));
}

// --- gradcheck: every differentiable elementwise op ----------------------------------------

TEST(OpsGradcheck, UnaryOps) {
  Tensor x = uniform({2, 3}, -2, 2), pos = uniform({2, 3}, 0.3f, 3, 3), nz = away_from_zero({2, 3}, 0.2f, 2);
  EXPECT_GRADCHECK([](auto& v) { return -v[0]; }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].neg(); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].exp(); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].tanh(); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].sigmoid(); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].erf(); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].log(); }, {pos});
  EXPECT_GRADCHECK([](auto& v) { return v[0].log1p(); }, {pos});
  EXPECT_GRADCHECK([](auto& v) { return (v[0] - 0.25f).log1p(); }, {pos});  // arguments in (0.05, 2.75)
  EXPECT_GRADCHECK([](auto& v) { return v[0].sqrt(); }, {pos});
  EXPECT_GRADCHECK([](auto& v) { return v[0].abs(); }, {nz});
  EXPECT_GRADCHECK([](auto& v) { return v[0].clone(); }, {x});
}

TEST(OpsGradcheck, PowInItsThreeForms) {
  Tensor pos = uniform({2, 3}, 0.3f, 2), x = uniform({2, 3}, -1.5f, 1.5f), e = uniform({2, 3}, -1, 2.5f, 5);
  EXPECT_GRADCHECK([](auto& v) { return v[0].pow(2); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].pow(3); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].pow(0.5f); }, {pos});
  EXPECT_GRADCHECK([](auto& v) { return v[0].pow(-1.5f); }, {pos});
  EXPECT_GRADCHECK([](auto& v) { return pow(v[0], v[1]); }, {pos, e});
  EXPECT_GRADCHECK([](auto& v) { return pow(2.5f, v[0]); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return pow(0.5f, v[0]); }, {x});
}

TEST(OpsGradcheck, ClampAwayFromItsBounds) {
  Tensor x = tensor({-1.7f, -0.4f, 0.1f, 0.6f, 1.3f, 2.2f}, {2, 3}, true);  // none within 0.1 of ±1 or 0
  EXPECT_GRADCHECK([](auto& v) { return v[0].clamp(-1, 1); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return clamp_min(v[0], 0); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return clamp_max(v[0], 0); }, {x});
}

TEST(OpsGradcheck, ArithmeticSameShape) {
  Tensor a = uniform({2, 3}, -2, 2, 1), b = away_from_zero({2, 3}, 0.5f, 2, 2);
  EXPECT_GRADCHECK([](auto& v) { return v[0] + v[1]; }, {a, b});
  EXPECT_GRADCHECK([](auto& v) { return v[0] - v[1]; }, {a, b});
  EXPECT_GRADCHECK([](auto& v) { return v[0] * v[1]; }, {a, b});
  EXPECT_GRADCHECK([](auto& v) { return v[0] / v[1]; }, {a, b});
}

TEST(OpsGradcheck, ArithmeticWithFloats) {
  Tensor a = uniform({4}, -2, 2, 1), b = away_from_zero({4}, 0.5f, 2, 2);
  EXPECT_GRADCHECK([](auto& v) { return v[0] + 2.0f; }, {a});
  EXPECT_GRADCHECK([](auto& v) { return v[0] - 2.0f; }, {a});
  EXPECT_GRADCHECK([](auto& v) { return v[0] * -3.0f; }, {a});
  EXPECT_GRADCHECK([](auto& v) { return v[0] / 4.0f; }, {a});
  EXPECT_GRADCHECK([](auto& v) { return 2.0f + v[0]; }, {a});
  EXPECT_GRADCHECK([](auto& v) { return 2.0f - v[0]; }, {a});
  EXPECT_GRADCHECK([](auto& v) { return 3.0f * v[0]; }, {a});
  EXPECT_GRADCHECK([](auto& v) { return 3.0f / v[0]; }, {b});
}

// Broadcasting: [3,1]×[1,4], [4]×[2,3,4], scalar shapes on either side.
struct BroadcastCase {
  Shape a, b;
};
const BroadcastCase kBroadcastCases[] = {{{3, 1}, {1, 4}}, {{4}, {2, 3, 4}}, {{2, 3, 4}, {4}},
                                         {{}, {2, 3}},     {{2, 3}, {}},     {{2, 1, 3}, {4, 1}}};

TEST(OpsGradcheck, ArithmeticBroadcasts) {
  for (const auto& c : kBroadcastCases) {
    SCOPED_TRACE(shape_str(c.a) + " with " + shape_str(c.b));
    Tensor a = uniform(c.a, -2, 2, 3), b = away_from_zero(c.b, 0.5f, 2, 4);
    EXPECT_GRADCHECK([](auto& v) { return v[0] + v[1]; }, {a, b});
    EXPECT_GRADCHECK([](auto& v) { return v[0] - v[1]; }, {a, b});
    EXPECT_GRADCHECK([](auto& v) { return v[0] * v[1]; }, {a, b});
    EXPECT_GRADCHECK([](auto& v) { return v[0] / v[1]; }, {a, b});
    EXPECT_GRADCHECK([](auto& v) { return pow(v[1].abs(), v[0]); }, {a, b});
  }
}

TEST(OpsGradcheck, MaximumMinimumBroadcastAwayFromTies) {
  for (const auto& c : kBroadcastCases) {
    SCOPED_TRACE(shape_str(c.a) + " with " + shape_str(c.b));
    // a on the whole numbers -2..2, b on the half-way points: never closer than 0.5.
    Tensor a = tensor(std::vector<float>(numel_of(c.a)), c.a, true),
           b = tensor(std::vector<float>(numel_of(c.b)), c.b, true);
    for (int64_t i = 0; i < a.numel(); ++i) a.data()[i] = float(i % 5) - 2.0f;
    for (int64_t i = 0; i < b.numel(); ++i) b.data()[i] = float((i * 3) % 5) - 2.0f + 0.5f;
    EXPECT_GRADCHECK([](auto& v) { return maximum(v[0], v[1]); }, {a, b});
    EXPECT_GRADCHECK([](auto& v) { return minimum(v[0], v[1]); }, {a, b});
  }
}

TEST(OpsGradcheck, WhereBroadcasts) {
  Tensor cond = tensor({1, 0, 0, 1}, {4});
  Tensor a = uniform({3, 1}, -1, 1, 1), b = uniform({4}, -1, 1, 2);
  EXPECT_GRADCHECK([cond](auto& v) { return where(cond, v[0], v[1]); }, {a, b});
  EXPECT_GRADCHECK([cond](auto& v) { return where(cond, v[0], 2.0f); }, {a});
  EXPECT_GRADCHECK([cond](auto& v) { return where(cond, -1.0f, v[0]) * v[0]; }, {b});
  Tensor c2 = tensor({1, 0}, {2, 1, 1});
  EXPECT_GRADCHECK([c2](auto& v) { return where(c2, v[0], v[1]); },
                   {uniform({}, -1, 1, 3), uniform({3, 4}, -1, 1, 4)});
}

TEST(OpsGradcheck, CompositionOfEverything) {
  Tensor x = uniform({3, 4}, 0.2f, 1.5f, 21), w = uniform({4}, -1, 1, 22);
  EXPECT_GRADCHECK(
      [](auto& v) {
        Tensor h = (v[0] * v[1] + 0.5f).tanh() * v[0].log() - v[1].exp() / (v[0] + 1.0f);
        return maximum(h, v[1].sigmoid() - 0.5f) + v[0].sqrt().erf();
      },
      {x, w});
}
