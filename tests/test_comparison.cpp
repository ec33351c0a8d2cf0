// compare_activations' logic beyond plumbing (examples/support/): the hidden
// blocks --norm and --dropout build, the spread layer_health measures with
// and without normalisation (batch norm keeps every layer at unit spread,
// SELU with LeCun's init keeps it near 1 by itself, ReLU lets it shrink), the
// gradient norms at initialisation measured without changing the run that
// follows, divergence counted rather than thrown, --study depth's options,
// and the study's summaries and tables.
#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core_test_util.h"
#include "examples/support/compare_options.h"
#include "examples/support/comparison_model.h"
#include "examples/support/comparison_training.h"
#include "examples/support/depth_study.h"
#include "examples/support/layer_health.h"

using namespace ember;
using ember::testing::ThrowsWith;

namespace {

/// The module names of a Sequential, in order.
std::vector<std::string> names(nn::Sequential& model) {
  std::vector<std::string> out;
  for (size_t i = 0; i < model.size(); ++i) out.push_back(model[i]->name());
  return out;
}

/// A deep MLP of `depth` hidden layers of 64, LeCun's init, on 16 inputs.
std::shared_ptr<nn::Sequential> deep_mlp(const std::string& activation, const std::string& norm,
                                         int64_t depth, support::MlpLayers& layers) {
  manual_seed(0);
  return support::make_mlp(16, std::vector<int64_t>(static_cast<size_t>(depth), 64), activation, 10, "lecun",
                           layers, {.norm = norm});
}

/// A classification task of n moons points (train) and n more (test).
support::Task moons(int64_t n, float lr) {
  support::Task task{"moons", {}, 3, lr, 0.95, {}};
  task.data.train = data::make_toy("moons", {.n = n, .seed = 0});
  task.data.test = data::make_toy("moons", {.n = n, .seed = 1});
  return task;
}

/// Parses a compare_activations command line; fails the test when it asks to stop.
support::CompareOptions parse(std::vector<std::string> args) {
  args.insert(args.begin(), "compare_activations");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  support::CompareOptions o;
  EXPECT_FALSE(support::parse_compare_options(static_cast<int>(argv.size()), argv.data(), o).has_value());
  return o;
}

}  // namespace

// --- the hidden blocks --------------------------------------------------------------------

TEST(ComparisonModel, BlocksPutTheNormBetweenLinearAndActivation) {
  support::MlpLayers layers;
  auto batch = support::make_mlp(4, {8, 8}, "relu", 3, "lecun", layers, {.norm = "batch", .dropout = 0.1f});
  EXPECT_EQ(names(*batch), (std::vector<std::string>{"Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear",
                                                     "BatchNorm1d", "ReLU", "Dropout", "Linear"}));
  ASSERT_EQ(layers.norm.size(), 2u);
  EXPECT_EQ(layers.norm[1], (*batch)[5]);  // the handles are the model's own layers

  support::MlpLayers l2;
  auto layer = support::make_mlp(4, {8}, "tanh", 3, "pytorch", l2, {.norm = "layer"});
  EXPECT_EQ(names(*layer), (std::vector<std::string>{"Linear", "LayerNorm", "Tanh", "Linear"}));

  support::MlpLayers l3;
  auto none = support::make_mlp(4, {8}, "gelu", 3, "pytorch", l3);
  EXPECT_EQ(names(*none), (std::vector<std::string>{"Linear", "GELU", "Linear"}));
  ASSERT_EQ(l3.norm.size(), 1u);
  EXPECT_EQ(l3.norm[0], nullptr);
}

TEST(ComparisonModel, SeluGetsAlphaDropout) {
  support::MlpLayers layers;
  auto model = support::make_mlp(4, {8}, "selu", 3, "lecun", layers, {.dropout = 0.05f});
  EXPECT_EQ(names(*model), (std::vector<std::string>{"Linear", "SELU", "AlphaDropout", "Linear"}));
}

TEST(ComparisonModel, UnknownNormIsNamed) {
  EXPECT_TRUE(ThrowsWith([] { support::make_norm("group", 8); }, {"unknown normalisation \"group\""}));
  support::CompareOptions o;
  o.norm = "none,group";
  EXPECT_TRUE(ThrowsWith([&] { support::chosen_norms(o); }, {"--norm: unknown normalisation \"group\""}));
  o.norm = "none,batch,layer";
  EXPECT_EQ(support::chosen_norms(o), (std::vector<std::string>{"none", "batch", "layer"}));
}

// --- the spread of the layers' outputs -------------------------------------------------------

// The textbook effects, at initialisation on N(0, 1) inputs: ReLU halves the variance at each
// layer with LeCun's init; SELU keeps it near 1 (its fixed point); batch norm feeds every
// activation unit-variance inputs, so ReLU's output std stays near √(1/2 − 1/(2π)) ≈ 0.58.
TEST(LayerHealth, SpreadThroughDepthWithAndWithoutNormalisation) {
  manual_seed(1);
  const Tensor probe = randn({512, 16});
  auto spread = [&](const std::string& activation, const std::string& norm) {
    support::MlpLayers layers;
    auto model = deep_mlp(activation, norm, 16, layers);
    std::vector<double> stds;
    for (const auto& h : support::layer_health(*model, layers, probe)) stds.push_back(h.std);
    return stds;
  };
  const std::vector<double> relu = spread("relu", "none");
  EXPECT_LT(relu.back(), 0.05);
  EXPECT_LT(relu.back(), relu.front() / 10);
  for (double s : spread("selu", "none")) EXPECT_NEAR(s, 1.0, 0.25);
  // Near, not at: a deep unit's pre-activations are not exactly normal, so ReLU's share varies.
  for (double s : spread("relu", "batch")) EXPECT_NEAR(s, 0.58, 0.12);
  for (double s : spread("relu", "layer")) EXPECT_NEAR(s, 0.58, 0.12);
}

TEST(LayerHealth, BatchNormIsMeasuredWithTheProbesStatisticsAndKeepsItsRunningOnes) {
  support::MlpLayers layers;
  auto model = deep_mlp("tanh", "batch", 2, layers);
  auto bn = std::dynamic_pointer_cast<nn::BatchNorm1d>(layers.norm[0]);
  ASSERT_TRUE(bn);
  manual_seed(2);
  const Tensor probe = randn({64, 16}) * 5.0f + 3.0f;  // far from the running mean 0, variance 1
  const auto health = support::layer_health(*model, layers, probe);
  // tanh of unit-variance inputs: std ≈ 0.63, whatever the probe's scale.
  EXPECT_NEAR(health[0].std, 0.63, 0.05);
  EXPECT_EQ(bn->running_mean.to_vector(), std::vector<float>(64, 0.0f));
  EXPECT_EQ(bn->running_var.to_vector(), std::vector<float>(64, 1.0f));
}

// --- gradient norms at initialisation -----------------------------------------------------------

TEST(ComparisonTraining, InitialGradientNormsChangeNothingTheRunReads) {
  const support::Task task = moons(256, 0.01f);
  support::MlpLayers layers;
  manual_seed(3);
  auto model =
      support::make_mlp(2, {16, 16, 16}, "relu", 2, "lecun", layers, {.norm = "batch", .dropout = 0.2f});
  data::DataLoader loader(task.data.train, 64, true, 3);
  const std::string generator = default_generator().state();
  const std::vector<double> norms = support::initial_gradient_norms(*model, task, loader, layers);
  ASSERT_EQ(norms.size(), 3u);
  for (double n : norms) {
    EXPECT_TRUE(std::isfinite(n));
    EXPECT_GT(n, 0);
  }
  EXPECT_EQ(default_generator().state(), generator);  // the same dropout masks follow
  for (const auto& [name, buffer] : model->named_buffers())
    if (name.find("running_var") != std::string::npos)
      EXPECT_EQ(buffer.to_vector(), std::vector<float>(16, 1.0f)) << name;
    else
      EXPECT_EQ(buffer.sum().item(), 0.0f) << name;
  for (const Tensor& p : model->parameters())  // no gradient left behind for the first step
    EXPECT_TRUE(!p.grad().defined() || p.grad().abs().sum().item() == 0.0f);
}

// --- divergence ------------------------------------------------------------------------------------

TEST(ComparisonTraining, DivergedRunIsCountedNotThrown) {
  support::CompareOptions o;
  o.hidden = "16,16";
  const support::Task task = moons(128, 1e30f);  // Adam's first step moves every weight by 1e30
  const support::Run r =
      support::train_one(task, {"relu", "none", 0}, o, /*keep_picture=*/true, [](const support::Run&) {});
  EXPECT_TRUE(r.diverged);
  EXPECT_LE(r.epochs.size(), static_cast<size_t>(task.epochs + 1));
  EXPECT_TRUE(r.picture.empty());  // nothing to draw from a diverged model

  const support::Run fine =
      support::train_one(moons(128, 0.01f), {"relu", "none", 0}, o, false, [](const support::Run&) {});
  EXPECT_FALSE(fine.diverged);
  ASSERT_EQ(fine.epochs.size(), 4u);
  EXPECT_GT(fine.epochs[0].layers[0].grad_norm, 0);  // measured at init too

  const support::CellSummary s = support::summarize_cell({2, {r, fine}});
  EXPECT_EQ(s.runs, 2);
  EXPECT_EQ(s.diverged, 1);
  EXPECT_EQ(s.metric.n, 1);
  EXPECT_EQ(s.metric.mean, fine.epochs.back().test_metric);
  EXPECT_EQ(s.init_std.size(), 2u);  // every run was measured at init
}

// --- the depth study's options ---------------------------------------------------------------------

TEST(CompareOptions, DepthStudyDefaultsYieldToExplicitOptions) {
  const support::CompareOptions o = parse({"--study", "depth"});
  EXPECT_EQ(o.norm, "none,batch,layer");
  EXPECT_EQ(o.init, "lecun");
  EXPECT_EQ(o.tasks, "fashion,spirals");
  EXPECT_EQ(support::study_depths(o), (std::vector<int64_t>{8, 16, 32}));
  EXPECT_EQ(support::hidden_widths(o), (std::vector<int64_t>{64}));

  const support::CompareOptions mine = parse({"--study", "depth", "--norm", "batch", "--depths", "3,5"});
  EXPECT_EQ(mine.norm, "batch");
  EXPECT_EQ(support::study_depths(mine), (std::vector<int64_t>{3, 5}));

  const support::CompareOptions quick = parse({"--study", "depth", "--quick"});
  EXPECT_EQ(quick.tasks, "moons");
  EXPECT_EQ(support::study_depths(quick), (std::vector<int64_t>{2, 4}));
}

TEST(CompareOptions, DepthStudyRefusesDepthAndBadDepths) {
  std::vector<std::string> args{"compare_activations", "--study", "depth", "--depth", "8"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  support::CompareOptions o;
  EXPECT_TRUE(
      ThrowsWith([&] { support::parse_compare_options(static_cast<int>(argv.size()), argv.data(), o); },
                 {"--depth: the depth study takes its depths from --depths"}));
  o.depths = "8,x";
  EXPECT_TRUE(ThrowsWith([&] { support::study_depths(o); }, {"--depths: \"8,x\" is not a list of positive"}));
}

// --- the study's tables ------------------------------------------------------------------------------

TEST(DepthStudy, ShownLayersAreFirstMiddleLast) {
  EXPECT_EQ(support::shown_layers(32), (std::vector<size_t>{1, 16, 32}));
  EXPECT_EQ(support::shown_layers(2), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(support::shown_layers(1), (std::vector<size_t>{1}));
  EXPECT_TRUE(support::shown_layers(0).empty());
}

TEST(DepthStudy, TablesHaveACellPerActivationNormAndDepth) {
  // Two runs that measured layers with std 1, 2, 3, 4 and accuracy 0.8 / 0.9; one that diverged.
  auto run = [](const std::string& activation, const std::string& norm, double accuracy, bool diverged) {
    support::Run r;
    r.activation = activation, r.norm = norm, r.diverged = diverged;
    for (int e = 0; e < 2; ++e) {
      support::EpochStats stats;
      stats.test_metric = accuracy;
      for (int l = 1; l <= 4; ++l) stats.layers.push_back({.std = double(l), .grad_norm = 0.5});
      r.epochs.push_back(stats);
    }
    return r;
  };
  const support::StudyRuns study{{4, {run("selu", "none", 0.8, false), run("selu", "none", 0.9, false)}},
                                 {4, {run("selu", "batch", 0.5, true)}}};
  const support::Task task = moons(16, 0.01f);
  const std::string md = support::depth_study_tables(task, study, "MLP");
  EXPECT_NE(md.find("| activation | none 4 | batch 4 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| selu | 85.0 ± 7.1 | **1/1 diverged** |"), std::string::npos) << md;
  EXPECT_NE(md.find("| selu | none | 4 | 85.0 ± 7.1 | 1 → 2 → 4 | 1 → 2 → 4 | 0.5 → 0.5 → 0.5 |"),
            std::string::npos)
      << md;
  // A diverged cell: its init is measured, its trained columns have nothing.
  EXPECT_NE(md.find("| selu | batch | 4 | **1/1 diverged** | 1 → 2 → 4 | — |"), std::string::npos) << md;
}
