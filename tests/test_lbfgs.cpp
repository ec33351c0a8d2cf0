// optim::LBFGS: PyTorch's Rosenbrock problem converging with and without the strong-Wolfe
// line search; trajectories matching PyTorch 1.13 step by step (tests/fixtures/lbfgs.json from
// scripts/make_lbfgs_fixtures.py: losses, parameters, n_iter and func_evals, every closure
// evaluation); max_iter, max_eval and the tolerances bounding a step; parameters without a
// gradient; option errors. Its checkpoints: test_lbfgs_checkpoint.cpp.
#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core_test_util.h"

using namespace ember;
using ember::testing::ThrowsWith;
using json = nlohmann::json;

namespace {

// (1 − x)² + 100·(y − x²)², PyTorch's test_optim.py rosenbrock, on p = [x, y].
Tensor rosenbrock(const Tensor& p) {
  Tensor x = narrow(p, 0, 0, 1).sum(), y = narrow(p, 0, 1, 1).sum();
  return pow(1.0f - x, 2) + 100.0f * pow(y - pow(x, 2), 2);
}

// The closure PyTorch's docs show: zero the gradients, the loss, backward, return the loss.
std::function<Tensor()> closure_of(optim::Optimizer& opt, std::function<Tensor()> loss_fn,
                                   std::vector<double>* evals = nullptr) {
  return [&opt, loss_fn, evals] {
    opt.zero_grad();
    Tensor loss = loss_fn();
    loss.backward();
    if (evals) evals->push_back(loss.item());
    return loss;
  };
}

json load_fixture() {
  std::ifstream in(std::string(EMBER_FIXTURE_DIR) + "/lbfgs.json");
  if (!in)
    throw std::runtime_error(
        "cannot open tests/fixtures/lbfgs.json (/usr/bin/python3 "
        "scripts/make_lbfgs_fixtures.py writes it)");
  return json::parse(in);
}

Tensor tensor_of(const json& j) {
  return tensor(j.at("values").get<std::vector<float>>(), j.at("shape").get<Shape>());
}

bool near(double actual, double expected, double atol, double rtol) {
  return std::fabs(actual - expected) <= atol + rtol * std::fabs(expected);
}

::testing::AssertionResult values_near(const Tensor& actual, const std::vector<double>& expected, double atol,
                                       double rtol) {
  std::vector<float> a = actual.to_vector();
  if (a.size() != expected.size())
    return ::testing::AssertionFailure() << a.size() << " values, expected " << expected.size();
  for (size_t i = 0; i < a.size(); ++i)
    if (!near(a[i], expected[i], atol, rtol))
      return ::testing::AssertionFailure()
             << "element " << i << ": " << a[i] << " vs PyTorch's " << expected[i];
  return ::testing::AssertionSuccess();
}

// A small least-squares problem: mse of x·wᵀ + b against y.
struct LeastSquares {
  Tensor x = tensor({1, 2, -1, 0.5f, 0, 1, -2, 1, 3, 1, -1, -1, 0.5f, 2, 2, -0.5f, 1, 0}, {6, 3});
  Tensor y = tensor({1, 2, -1, 0, 3, 0.5f}, {6, 1});
  Tensor w = tensor({0.1f, -0.2f, 0.3f}, {1, 3}).requires_grad_();
  Tensor b = zeros({1}).requires_grad_();
  Tensor loss() const { return F::mse_loss(F::linear(x, w, b), y); }
};

}  // namespace

TEST(LBFGS, RosenbrockConverges) {
  for (std::string search : {"", "strong_wolfe"}) {
    SCOPED_TRACE("line_search_fn '" + search + "'");
    Tensor p = tensor({1.5f, 1.5f}, {2}).requires_grad_();
    optim::LBFGS opt({p}, {.line_search_fn = search});
    auto closure = closure_of(opt, [&] { return rosenbrock(p); });
    const float first = opt.step(closure).item();
    EXPECT_EQ(first, 56.5f);  // the loss before any update
    for (int i = 0; i < 4; ++i) opt.step(closure);
    EXPECT_NEAR(p.to_vector()[0], 1.0f, 1e-4);
    EXPECT_NEAR(p.to_vector()[1], 1.0f, 1e-4);
    EXPECT_LT(rosenbrock(p).item(), 1e-8f);
  }
}

// Each fixture case replays PyTorch's run: the same problem, options and initial parameters,
// then after every step() the returned loss, the parameters, the state counters, and the loss
// of every closure evaluation (the first that differs shows where the runs part). Parameters
// agree to 1e-5; losses to 3e-5, as a line search's trial points far from the minimum turn the
// parameters' rounding-level differences (ember's matmul and tanh are not PyTorch's) into
// larger relative differences of the loss. The Rosenbrock runs agree bit for bit.
TEST(LBFGS, TrajectoriesMatchPyTorch) {
  const json fx = load_fixture();
  const json& data = fx.at("data");
  ASSERT_EQ(fx.at("cases").size(), 10u);
  for (const json& c : fx.at("cases")) {
    const std::string name = c.at("name"), problem = c.at("problem");
    SCOPED_TRACE(name);
    std::vector<Tensor> params;
    for (const json& p : c.at("init")) params.push_back(tensor_of(p).requires_grad_());
    std::function<Tensor()> loss_fn;
    if (problem == "rosenbrock") {
      loss_fn = [&] { return rosenbrock(params[0]); };
    } else if (problem == "lstsq") {
      Tensor x = tensor_of(data.at("lstsq").at("x")), y = tensor_of(data.at("lstsq").at("y"));
      loss_fn = [&, x, y] { return F::mse_loss(F::linear(x, params[0], params[1]), y); };
    } else {
      Tensor x = tensor_of(data.at("mlp").at("x")), y = tensor_of(data.at("mlp").at("y"));
      loss_fn = [&, x, y] {
        Tensor h = F::tanh(F::linear(x, params[0], params[1]));
        return F::mse_loss(F::linear(h, params[2], params[3]), y);  // params[4] is never used
      };
    }
    const json& o = c.at("options");
    optim::LBFGS opt(params, {.lr = o.at("lr"),
                              .max_iter = o.at("max_iter"),
                              .max_eval = o.at("max_eval"),
                              .tolerance_grad = o.at("tolerance_grad"),
                              .tolerance_change = o.at("tolerance_change"),
                              .history_size = o.at("history_size"),
                              .line_search_fn = o.at("line_search_fn")});
    std::vector<double> evals;
    auto closure = closure_of(opt, loss_fn, &evals);
    int step = 0;
    for (const json& expected : c.at("steps")) {
      SCOPED_TRACE("step " + std::to_string(step++));
      evals.clear();
      const double loss = opt.step(closure).item();
      EXPECT_TRUE(near(loss, expected.at("loss"), 1e-7, 3e-5))
          << loss << " vs PyTorch's " << expected.at("loss");
      for (size_t i = 0; i < params.size(); ++i)
        EXPECT_TRUE(values_near(params[i], expected.at("params")[i], 1e-5, 1e-5)) << "parameter " << i;
      EXPECT_EQ(opt.lbfgs_state().n_iter, expected.at("n_iter"));
      EXPECT_EQ(opt.lbfgs_state().func_evals, expected.at("func_evals"));
      const auto& want = expected.at("evals");
      ASSERT_EQ(evals.size(), want.size());
      for (size_t k = 0; k < evals.size(); ++k) {
        EXPECT_TRUE(near(evals[k], want[k], 1e-7, 3e-5))
            << "evaluation " << k << ": " << evals[k] << " vs PyTorch's " << want[k];
      }
    }
  }
}

// Without a line search every iteration but the last evaluates the closure once more;
// max_eval (0: max_iter·5/4) ends a step once the evaluations reach it.
TEST(LBFGS, MaxIterAndMaxEvalBoundAStep) {
  struct Case {
    int64_t max_iter, max_eval;
    size_t evaluations;
    int64_t iterations;
  };
  for (Case c : std::vector<Case>{{4, 0, 4, 4},     // max_eval 5 not reached: the 4th iteration is the last
                                  {3, 0, 3, 2},     // max_eval 3·5/4 = 3, reached in the 2nd iteration
                                  {20, 4, 4, 3},    // the 3rd iteration's evaluation is the 4th
                                  {1, 0, 1, 1}}) {  // one iteration, nothing evaluated after it
    SCOPED_TRACE("max_iter " + std::to_string(c.max_iter) + ", max_eval " + std::to_string(c.max_eval));
    LeastSquares ls;
    optim::LBFGS opt({ls.w, ls.b}, {.max_iter = c.max_iter, .max_eval = c.max_eval});
    std::vector<double> evals;
    opt.step(closure_of(
        opt, [&] { return ls.loss(); }, &evals));
    EXPECT_EQ(evals.size(), c.evaluations);
    EXPECT_EQ(opt.lbfgs_state().n_iter, c.iterations);
    EXPECT_EQ(opt.lbfgs_state().func_evals, static_cast<int64_t>(c.evaluations));
  }
  // The line search evaluates even in the last iteration, and max_eval is checked only after it.
  LeastSquares ls;
  optim::LBFGS opt({ls.w, ls.b}, {.max_iter = 5, .max_eval = 2, .line_search_fn = "strong_wolfe"});
  std::vector<double> evals;
  opt.step(closure_of(
      opt, [&] { return ls.loss(); }, &evals));
  EXPECT_EQ(opt.lbfgs_state().n_iter, 1);
  EXPECT_GE(evals.size(), 2u);
  EXPECT_EQ(opt.lbfgs_state().func_evals, static_cast<int64_t>(evals.size()));
}

// A gradient already below tolerance_grad: one evaluation, no update, no iteration.
TEST(LBFGS, ToleranceGradStopsBeforeAnyUpdate) {
  LeastSquares ls;
  const std::vector<float> w0 = ls.w.to_vector();
  optim::LBFGS opt({ls.w, ls.b}, {.tolerance_grad = std::numeric_limits<double>::infinity()});
  std::vector<double> evals;
  const float loss = opt.step(closure_of(
                                  opt, [&] { return ls.loss(); }, &evals))
                         .item();
  EXPECT_EQ(evals.size(), 1u);
  EXPECT_EQ(loss, ls.loss().item());
  EXPECT_EQ(ls.w.to_vector(), w0);
  EXPECT_EQ(opt.lbfgs_state().n_iter, 0);
  EXPECT_EQ(opt.lbfgs_state().func_evals, 1);
}

// PyTorch's test_lbfgs_return_type: a closure whose loss reaches no parameter (no gradients at
// all) with tolerance_grad = −inf. The zero direction has gtd = 0 > −tolerance_change, so the
// step stops in its first iteration without moving anything and returns the loss.
TEST(LBFGS, NoGradientAtAllStopsOnTheDirectionalDerivative) {
  Tensor a = ones({10, 5}).requires_grad_(), b = ones({10}).requires_grad_();
  optim::LBFGS opt({a, b}, {.lr = 0.01, .tolerance_grad = -std::numeric_limits<double>::infinity()});
  Tensor loss = opt.step([] { return tensor({10}, {1}); });
  EXPECT_EQ(loss.item(), 10.0f);
  EXPECT_EQ(a.to_vector(), std::vector<float>(50, 1.0f));
  EXPECT_EQ(b.to_vector(), std::vector<float>(10, 1.0f));
  EXPECT_EQ(opt.lbfgs_state().n_iter, 1);
  EXPECT_EQ(opt.lbfgs_state().t, 0.01);  // min(1, 1/‖0‖₁ = inf)·lr
}

// A parameter the loss never reaches has no gradient: it counts as zeros in the flat gradient,
// so every direction is zero there and it keeps its values, while the others train.
TEST(LBFGS, ParameterWithoutGradientStaysAndOthersTrain) {
  for (std::string search : {"", "strong_wolfe"}) {
    SCOPED_TRACE("line_search_fn '" + search + "'");
    LeastSquares ls;
    Tensor unused = tensor({0.25f, -4.0f, 7.0f}, {3}).requires_grad_();
    optim::LBFGS opt({ls.w, unused, ls.b}, {.line_search_fn = search});
    auto closure = closure_of(opt, [&] { return ls.loss(); });
    const float before = opt.step(closure).item();
    for (int i = 0; i < 3; ++i) opt.step(closure);
    EXPECT_FALSE(unused.grad().defined());
    EXPECT_EQ(unused.to_vector(), std::vector<float>({0.25f, -4.0f, 7.0f}));
    EXPECT_LT(ls.loss().item(), 0.5f * before);
    const std::vector<float> d = opt.lbfgs_state().d.to_vector();
    ASSERT_EQ(d.size(), 7u);
    EXPECT_EQ(d[3], 0.0f);
    EXPECT_EQ(d[4], 0.0f);
    EXPECT_EQ(d[5], 0.0f);
  }
}

// The history keeps at most history_size pairs, dropping the oldest.
TEST(LBFGS, HistoryIsBoundedByHistorySize) {
  Tensor p = tensor({1.5f, 1.5f}, {2}).requires_grad_();
  optim::LBFGS opt({p}, {.max_iter = 15, .history_size = 2});
  opt.step(closure_of(opt, [&] { return rosenbrock(p); }));
  EXPECT_GT(opt.lbfgs_state().n_iter, 3);
  EXPECT_EQ(opt.lbfgs_state().old_dirs.size(), 2u);
  EXPECT_EQ(opt.lbfgs_state().old_stps.size(), 2u);
  EXPECT_EQ(opt.lbfgs_state().ro.size(), 2u);
}

// The closure runs with grad mode on even when step() is called under NoGradGuard (PyTorch
// wraps it in torch.enable_grad()); the caller's mode is back afterwards.
TEST(LBFGS, ClosureRunsWithGradModeOn) {
  LeastSquares ls;
  optim::LBFGS opt({ls.w, ls.b}, {.max_iter = 2});
  bool all_on = true;
  NoGradGuard no_grad;
  opt.step([&] {
    all_on = all_on && GradMode::is_enabled();
    opt.zero_grad();
    Tensor loss = ls.loss();
    loss.backward();
    return loss;
  });
  EXPECT_TRUE(all_on);
  EXPECT_FALSE(GradMode::is_enabled());
}

TEST(LBFGS, DefaultsArePyTorchs) {
  optim::LBFGSOptions o;
  EXPECT_EQ(o.lr, 1.0);
  EXPECT_EQ(o.max_iter, 20);
  EXPECT_EQ(o.max_eval, 0);  // PyTorch's None: max_iter * 5 // 4
  EXPECT_EQ(o.tolerance_grad, 1e-7);
  EXPECT_EQ(o.tolerance_change, 1e-9);
  EXPECT_EQ(o.history_size, 100);
  EXPECT_EQ(o.line_search_fn, "");
}

TEST(LBFGS, InvalidOptionsAreErrors) {
  Tensor p = ones({2}).requires_grad_();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(ThrowsWith([&] { optim::LBFGS({p}, {.lr = -1}); }, {"LBFGS", "invalid learning rate: -1"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::LBFGS({p}, {.lr = nan}); }, {"LBFGS", "learning rate: nan"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::LBFGS({p}, {.max_iter = 0}); }, {"LBFGS", "invalid max_iter: 0"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::LBFGS({p}, {.max_eval = -2}); }, {"LBFGS", "invalid max_eval: -2"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::LBFGS({p}, {.tolerance_grad = nan}); },
                         {"LBFGS", "tolerance_grad must not be NaN"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::LBFGS({p}, {.tolerance_change = nan}); },
                         {"LBFGS", "tolerance_change must not be NaN"}));
  EXPECT_TRUE(
      ThrowsWith([&] { optim::LBFGS({p}, {.history_size = 0}); }, {"LBFGS", "invalid history_size: 0"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::LBFGS({p}, {.line_search_fn = "wolfe"}); },
                         {"LBFGS", "invalid line_search_fn: 'wolfe'", "strong_wolfe"}));
  EXPECT_TRUE(ThrowsWith([&] { optim::LBFGS({}); }, {"LBFGS", "empty parameter list"}));

  optim::LBFGS opt({p});
  optim::Optimizer& base = opt;
  EXPECT_TRUE(ThrowsWith([&] { base.step(); }, {"LBFGS", "step() needs a closure"}));
  EXPECT_TRUE(ThrowsWith([&] { opt.step(std::function<Tensor()>{}); }, {"LBFGS", "empty closure"}));
  EXPECT_TRUE(ThrowsWith([&] { opt.step([] { return Tensor(); }); }, {"LBFGS", "undefined tensor"}));
  EXPECT_TRUE(
      ThrowsWith([&] { opt.step([] { return ones({2}); }); }, {"LBFGS", "one-element tensor", "shape [2]"}));
}
