// Issue 17: an outside probe's crashes and silent wrong results in the public
// API, and what the API fuzzer (fuzz/fuzz_api.cpp) found afterwards. Each case
// must return the right answer or throw ember::Error naming the function the
// user called and the value at fault; the checks are substrings of the message.
#include <cmath>
#include <cstdint>
#include <limits>

#include "tests/core_test_util.h"

using namespace ember;
using ember::testing::ThrowsWith;

namespace {
constexpr int64_t kHuge = int64_t{1} << 62;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
}  // namespace

// --- data helpers ----------------------------------------------------------------------------

TEST(ProbeApi, DataHelpersValidateTheirDataset) {
  data::Dataset d{"x", zeros({3, 2}), scalar_tensor(1), {}, 0};  // 0-d targets: was a SIGSEGV
  EXPECT_TRUE(ThrowsWith([&] { data::subset(d, {0}); }, {"subset: dataset x", "targets", "inputs [3, 2]"}));
  EXPECT_TRUE(
      ThrowsWith([&] { data::train_test_split(d, 1, 0); }, {"train_test_split: dataset x", "targets"}));
  EXPECT_TRUE(ThrowsWith([&] { data::compute_normalization(d); }, {"compute_normalization: dataset x"}));
  EXPECT_TRUE(ThrowsWith([&] { data::normalize_(d, {0, 1}); }, {"normalize_: dataset x", "targets"}));
  EXPECT_TRUE(ThrowsWith([&] { data::class_counts(d); }, {"class_counts: dataset x", "targets"}));
  data::Dataset scalar_inputs{"y", scalar_tensor(1), zeros({3}), {}, 0};
  EXPECT_TRUE(
      ThrowsWith([&] { data::subset(scalar_inputs, {0}); }, {"dataset y", "inputs must be a tensor [N, D]"}));
  EXPECT_TRUE(ThrowsWith([&] { data::train_test_split(scalar_inputs, 0, 0); }, {"dataset y", "[N, D]"}));
}

TEST(ProbeApi, TargetsWithFewerRowsThanInputsAreRefused) {
  data::Dataset d = data::make_moons(1000);
  d.targets = narrow(d.targets, 0, 0, 999);
  EXPECT_TRUE(ThrowsWith([&] { data::validate(d); }, {"dataset moons", "inputs [1000, 2]", "targets [999]"}));
  EXPECT_TRUE(ThrowsWith([&] { data::DataLoader(d, 64); }, {"DataLoader: dataset moons", "targets [999]"}));
  data::Dataset r = data::make_regression_1d("sine", 1000);
  r.targets = narrow(r.targets, 0, 0, 999);
  EXPECT_TRUE(
      ThrowsWith([&] { data::DataLoader(r, 64); }, {"dataset sine", "inputs [1000, 1]", "targets [999, 1]"}));
}

TEST(ProbeApi, HugeSizesInDataHelpersAreNamedErrors) {
  EXPECT_TRUE(ThrowsWith([] { data::make_xor(kHuge); }, {"make_xor", "4611686018427387904", "too large"}));
  EXPECT_TRUE(ThrowsWith([] { data::make_moons(3LL << 30); }, {"make_moons", "3221225472", "too large"}));
  EXPECT_TRUE(ThrowsWith([] { data::make_spirals(10, 1LL << 40); }, {"make_spirals", "1099511627776"}));
  EXPECT_TRUE(
      ThrowsWith([] { data::make_regression_1d("sine", kMax); }, {"make_regression_1d", "too large"}));
  EXPECT_TRUE(ThrowsWith([] { data::make_checkerboard(10, kMax); }, {"make_checkerboard", "cells"}));
  EXPECT_TRUE(
      ThrowsWith([] { data::permutation(kHuge, 0); }, {"permutation", "4611686018427387904", "too large"}));
  EXPECT_TRUE(ThrowsWith([] { data::permutation(kMax, 0); }, {"permutation", "too large"}));
  EXPECT_TRUE(ThrowsWith([] { data::make_moons(10, INFINITY); }, {"make_moons", "noise", "inf"}));
  EXPECT_TRUE(
      ThrowsWith([] { data::make_spirals(10, 2, 0.1f, 0, INFINITY); }, {"make_spirals", "turns", "inf"}));
  EXPECT_EQ(data::permutation(5, 0).size(), 5u);  // ordinary sizes still work
}

TEST(ProbeApi, BatchSizeLargerThanTheDataGivesOneBatch) {
  data::DataLoader loader(data::make_moons(10), kMax);  // was size() == 0: every sample dropped
  EXPECT_EQ(loader.size(), 1);
  data::Batch b = loader.get(0);
  EXPECT_EQ(b.inputs.shape(), (Shape{10, 2}));
  EXPECT_EQ(b.targets.shape(), (Shape{10}));
  data::DataLoader dropping(data::make_moons(10), kMax, false, 0, /*drop_last=*/true);
  EXPECT_EQ(dropping.size(), 0);  // PyTorch: drop_last leaves out the one short batch
  EXPECT_EQ(data::DataLoader(data::make_moons(10), kMax - 1, true).size(), 1);
  EXPECT_EQ(data::DataLoader(data::make_moons(10), 3).size(), 4);
}

// --- NaN options -------------------------------------------------------------------------------

TEST(ProbeApi, NaNOptionsAreErrorsNamingTheOption) {
  Tensor x = tensor({-2, -0.5f, 0, 0.5f, 2}, {5});
  EXPECT_TRUE(ThrowsWith([&] { clamp(x, NAN, 1); }, {"clamp", "min", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { clamp(x, 0, NAN); }, {"clamp", "max", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { x.clamp(NAN, 1); }, {"clamp", "min"}));
  EXPECT_TRUE(ThrowsWith([&] { clamp_max(x, NAN); }, {"clamp_max", "max", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { clamp_min(x, NAN); }, {"clamp_min", "min", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::softplus(x, 1, NAN); }, {"softplus", "threshold", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::hardshrink(x, NAN); }, {"hardshrink", "lambd", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::threshold(x, NAN, 1); }, {"threshold", "threshold", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::threshold(x, 0, NAN); }, {"threshold", "value", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::leaky_relu(x, NAN); }, {"leaky_relu", "negative_slope", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::elu(x, NAN); }, {"elu", "alpha", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { F::celu(x, NAN); }, {"celu", "alpha", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { reference::leaky_relu(x, NAN); }, {"reference::leaky_relu", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { reference::threshold(x, NAN, 0); }, {"reference::threshold", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { reference::softplus(x, 1, NAN); }, {"reference::softplus", "nan"}));
  // Modules refuse them at construction.
  EXPECT_TRUE(ThrowsWith([] { nn::LeakyReLU(NAN); }, {"LeakyReLU", "negative_slope", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::ELU(NAN); }, {"ELU", "alpha", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::CELU(NAN); }, {"CELU", "alpha", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Softplus(1, NAN); }, {"Softplus", "threshold", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Hardshrink(NAN); }, {"Hardshrink", "lambd", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Threshold(NAN, 0); }, {"Threshold", "threshold", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Threshold(0, NAN); }, {"Threshold", "value", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::PReLU(1, NAN); }, {"PReLU", "init", "nan"}));
  Tensor p = ones({2}).requires_grad_();
  EXPECT_TRUE(
      ThrowsWith([&] { optim::SGD({p}, {.lr = 0.1f, .dampening = NAN}); }, {"SGD", "dampening", "nan"}));
  EXPECT_TRUE(
      ThrowsWith([] { nn::init::calculate_gain("leaky_relu", NAN); }, {"calculate_gain", "param", "nan"}));
}

TEST(ProbeApi, InfiniteOptionsKeepPyTorchsMeaning) {
  Tensor x = tensor({-2, -0.5f, 0, 0.5f, 2}, {5});
  EXPECT_EQ(clamp(x, -INFINITY, INFINITY).to_vector(), x.to_vector());
  EXPECT_EQ(clamp_max(x, INFINITY).to_vector(), x.to_vector());
  EXPECT_EQ(F::hardshrink(x, INFINITY).to_vector(), std::vector<float>(5, 0.0f));  // |x| > inf never
  EXPECT_EQ(F::threshold(x, INFINITY, 7).to_vector(), std::vector<float>(5, 7.0f));
  EXPECT_EQ(F::softplus(x, 1, -INFINITY).to_vector(), x.to_vector());  // every βx is past the threshold
  EXPECT_EQ(F::leaky_relu(x, 0.5f).to_vector(), (std::vector<float>{-1, -0.25f, 0, 0.5f, 2}));
}

// --- init --------------------------------------------------------------------------------------

TEST(ProbeApi, InitRangesMustBeFiniteInFloat) {
  Tensor t = zeros({4, 5});
  // Finite in double, not in float: every value was inf or NaN.
  EXPECT_TRUE(ThrowsWith([&] { nn::init::uniform_(t, -3e38, 3e38); }, {"uniform_", "width", "a=-3e+38"}));
  EXPECT_TRUE(
      ThrowsWith([&] { nn::init::uniform_(t, -1e39, 1e39); }, {"uniform_", "finite in float", "b=1e+39"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::init::normal_(t, 0, 1e39); }, {"normal_", "std=1e+39"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::init::normal_(t, 1e39, 1); }, {"normal_", "mean=1e+39"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::init::constant_(t, 1e39); }, {"constant_", "val", "1e+39"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::init::constant_(t, NAN); }, {"constant_", "val", "nan"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::init::xavier_uniform_(t, 1e39); }, {"xavier_uniform_", "gain=1e+39"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::init::xavier_normal_(t, 1e39); }, {"xavier_normal_", "gain=1e+39"}));
  // What still works: wide but representable ranges, and ±inf as a constant (PyTorch's fill_).
  nn::init::uniform_(t, -1e38, 1e38);
  for (float v : t.to_vector()) EXPECT_TRUE(std::isfinite(v));
  nn::init::constant_(t, -INFINITY);
  EXPECT_EQ(t.to_vector()[0], -INFINITY);
}

TEST(ProbeApi, InitErrorsNameTheFunctionAndArgumentTheUserPassed) {
  Tensor t = zeros({4, 5});
  EXPECT_TRUE(
      ThrowsWith([&] { nn::init::kaiming_uniform_(t, NAN); }, {"kaiming_uniform_", "a must not be NaN"}));
  EXPECT_TRUE(
      ThrowsWith([&] { nn::init::kaiming_normal_(t, NAN); }, {"kaiming_normal_", "a must not be NaN"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::init::xavier_uniform_(t, -1); }, {"xavier_uniform_", "gain", "-1"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::init::xavier_normal_(t, -1); }, {"xavier_normal_", "gain", "-1"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::init::xavier_uniform_(t, NAN); }, {"xavier_uniform_", "gain", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::init::xavier_uniform_(Tensor()); }, {"xavier_uniform_", "undefined"}));
  // kaiming with a = inf: the gain is 0, so zeros, as PyTorch.
  nn::init::kaiming_uniform_(t, INFINITY);
  EXPECT_EQ(t.to_vector(), std::vector<float>(20, 0.0f));
  // Fans of an empty tensor whose other sizes multiply past int64.
  EXPECT_TRUE(ThrowsWith(
      [] {
        nn::init::calculate_fan_in_and_fan_out(zeros({0, kHuge, 4}));
      },
      {"fan in and fan out", "do not fit"}));
}

// --- module sizes ------------------------------------------------------------------------------

TEST(ProbeApi, ModuleConstructorSizesThatOverflowAreRefused) {
  EXPECT_TRUE(ThrowsWith([] { nn::Maxout(1, 1LL << 32, 1LL << 32); },
                         {"Maxout", "out_features * pieces overflows", "4294967296"}));
  EXPECT_TRUE(
      ThrowsWith([] { nn::Maxout(kHuge, 2, 1); }, {"Maxout", "more elements than a tensor can hold"}));
  EXPECT_TRUE(
      ThrowsWith([] { nn::Linear(kHuge, 4); }, {"Linear", "[4, 4611686018427387904]", "more elements"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Linear(0, kMax); }, {"Linear", "more elements"}));  // the bias [2^63-1]
  EXPECT_TRUE(ThrowsWith([] { nn::Bilinear(1LL << 32, 1LL << 32, 2); }, {"Bilinear", "more elements"}));
  EXPECT_TRUE(ThrowsWith([] { nn::PReLU prelu(kHuge); }, {"PReLU", "more elements"}));
  EXPECT_TRUE(ThrowsWith([] { nn::Bilinear bilinear(0, 0, kMax); }, {"Bilinear", "more elements"}));
  // Zero-size modules are PyTorch's and stay allowed.
  nn::Linear empty(kHuge, 0, /*bias=*/true);
  EXPECT_EQ(empty.weight.shape(), (Shape{0, kHuge}));
}

// --- RMSprop -----------------------------------------------------------------------------------

TEST(ProbeApi, CenteredRMSpropStaysFiniteWithASteadyGradient) {
  // g = -4.995 with alpha 0.9 made square_avg − grad_avg² round below 0 at step 135: NaN.
  Tensor p = zeros({4}).requires_grad_();
  optim::RMSprop opt({p}, {.alpha = 0.9f, .centered = true});
  for (int s = 0; s < 1000; ++s) {
    p.set_grad(tensor({-4.995f, 0.7f, 3.3f, -1.25f}, {4}));
    opt.step();
    for (float v : p.to_vector()) ASSERT_TRUE(std::isfinite(v)) << "step " << s;
  }
}

TEST(ProbeApi, CenteredRMSpropMatchesPyTorchBitForBit) {
  // torch.optim.RMSprop([p], lr=1e-2, alpha=0.9, centered=True), p = 0, the same gradient each of
  // 200 steps (PyTorch 1.13, whose AVX2 kernels fuse the multiply-adds ember fuses with std::fma).
  Tensor p = zeros({4}).requires_grad_();
  optim::RMSprop opt({p}, {.alpha = 0.9f, .centered = true});
  for (int s = 0; s < 200; ++s) {
    p.set_grad(tensor({-4.995f, 0.7f, 3.3f, -1.25f}, {4}));
    opt.step();
  }
  EXPECT_EQ(p.to_vector(),
            (std::vector<float>{0x1.606ea6p+9f, -0x1.d8255p+9f, -0x1.d8c8ecp+9f, 0x1.eef944p+9f}));
}

// --- messages that name the user's call -------------------------------------------------------

TEST(ProbeApi, MessagesShowWhatTheUserPassed) {
  EXPECT_TRUE(ThrowsWith([] { matmul(ones({3}), ones({2, 3, 4})); }, {"matmul", "[3] and [2, 3, 4]"}));
  EXPECT_TRUE(ThrowsWith([] { matmul(ones({3}), ones({2, 4, 4})); }, {"matmul", "[3] and [2, 4, 4]"}));
  EXPECT_TRUE(ThrowsWith([] { matmul(ones({2, 3}), ones({2, 3, 4})); }, {"matmul", "[2, 3] and [2, 3, 4]"}));
  EXPECT_TRUE(ThrowsWith([] { matmul(ones({3}), ones({1, 1, 3, 2})); }, {"matmul", "up to 3 dims", "[3]"}));
  EXPECT_TRUE(ThrowsWith([] { narrow(ones({3}), 0, -5, 1); }, {"narrow", "slice [-5, -4)", "size 3"}));
  EXPECT_TRUE(ThrowsWith([] { narrow(ones({3}), 0, -4, 2); }, {"narrow", "slice [-4, -2)"}));
  EXPECT_EQ(narrow(tensor({1, 2, 3}, {3}), 0, -2, 2).to_vector(), (std::vector<float>{2, 3}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        index_select(zeros({0, 2}), tensor({0}, {1}));
      },
      {"index_select", "index 0", "the dim is empty (size 0)"}));
  EXPECT_TRUE(ThrowsWith([] { gather(zeros({2, 0}), 1, zeros({2, 1})); }, {"gather", "dim is empty"}));
}

TEST(ProbeApi, LossModulesCheckTheirOptionsAtConstruction) {
  EXPECT_TRUE(
      ThrowsWith([] { nn::CrossEntropyLoss("mean", 2); }, {"CrossEntropyLoss", "label_smoothing", "2"}));
  EXPECT_TRUE(
      ThrowsWith([] { nn::CrossEntropyLoss("mean", NAN); }, {"CrossEntropyLoss", "label_smoothing", "nan"}));
  EXPECT_TRUE(ThrowsWith([] { nn::HuberLoss("mean", 0); }, {"HuberLoss", "delta must be positive", "0"}));
  EXPECT_TRUE(ThrowsWith([] { nn::HuberLoss("mean", NAN); }, {"HuberLoss", "delta", "nan"}));
  EXPECT_TRUE(
      ThrowsWith([] { nn::SmoothL1Loss("mean", -1); }, {"SmoothL1Loss", "beta must be non-negative", "-1"}));
  EXPECT_TRUE(ThrowsWith([] { nn::SmoothL1Loss("mean", NAN); }, {"SmoothL1Loss", "beta", "nan"}));
  // inf is PyTorch's meaning: smooth_l1 with beta = inf is 0.5·d²/inf = 0.
  nn::SmoothL1Loss wide("sum", INFINITY);
  EXPECT_EQ(wide(ones({3}), zeros({3})).item(), 0.0f);
}

// --- found by fuzz/fuzz_api.cpp ------------------------------------------------------------------

TEST(ProbeApi, FuzzOneHotWithAHugeNumClassesNamesItself) {
  // fuzz/corpus/api/regression_one_hot_huge_num_classes: the message blamed "empty".
  EXPECT_TRUE(ThrowsWith(
      [] {
        one_hot(zeros({1, 2}), kMax);
      },
      {"one_hot: shape [1, 2, 9223372036854775807]", "more elements than a tensor can hold"}));
  EXPECT_EQ(one_hot(tensor({1}, {1}), 3).to_vector(), (std::vector<float>{0, 1, 0}));
}

TEST(ProbeApi, FuzzCosineAnnealingWithAHugeTMaxDoesNotOverflow) {
  // fuzz/corpus/api/regression_cosine_annealing_huge_t_max: 2·T_max overflowed int64 (UB).
  for (int64_t t_max : {kHuge, kMax, kMax / 2, kMax / 2 + 1}) {
    Tensor p = zeros({1}).requires_grad_();
    optim::SGD opt({p}, {.lr = 0.1f});
    optim::CosineAnnealingLR sched(opt, t_max, 0.0);
    for (int s = 0; s < 3; ++s) {
      sched.step();
      EXPECT_NEAR(sched.get_last_lr(), double{0.1f}, 1e-12) << t_max;  // torch: 0.1 each step (t ≪ T)
    }
  }
  // An ordinary T_max still restarts where PyTorch does: epoch 2·T_max + 1 after the minimum.
  Tensor p = zeros({1}).requires_grad_();
  optim::SGD opt({p}, {.lr = 1.0f});
  optim::CosineAnnealingLR sched(opt, 2, 0.0);
  std::vector<double> lrs;
  for (int s = 0; s < 5; ++s) {
    sched.step();
    lrs.push_back(sched.get_last_lr());
  }
  EXPECT_NEAR(lrs[0], 0.5, 1e-12);  // torch: 0.5, 0.0, 0.5, 1.0, 0.5
  EXPECT_NEAR(lrs[1], 0.0, 1e-12);
  EXPECT_NEAR(lrs[2], 0.5, 1e-12);
  EXPECT_NEAR(lrs[3], 1.0, 1e-12);
  EXPECT_NEAR(lrs[4], 0.5, 1e-12);
}
