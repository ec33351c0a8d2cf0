// Every activation, fused kernel against its reference formula: forward and
// backward on edge cases, a [-150, 150] sweep and random inputs; finite
// differences away from the kinks; PyTorch's values at the kinks; NaN in, NaN
// out; no inf or NaN where the true value is finite; defaults, printing,
// node names, errors; the primitive cache. PyTorch fixtures are in
// test_activation_fixtures.cpp; PReLU, RReLU, Swish, Maxout and the
// softmax family in test_activation_learnable.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <ember.h>

#include "activation_test_util.h"
#include "core/kernels/dnnl_context.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::test_inputs;
using ember::testing::to_double;
using ember::testing::value_and_grad;

namespace {

using Fn = std::function<Tensor(const Tensor&)>;

struct Row {
  std::string name;
  Fn fused, reference;
  std::vector<float> kinks;  // where the derivative jumps: finite differences stay away
  const char* node;          // the fused op's node name
};

// One row per activation and parameter set.
std::vector<Row> rows() {
  namespace R = reference;
  return {
      {"sigmoid",
       [](auto& x) { return F::sigmoid(x); },
       [](auto& x) { return R::sigmoid(x); },
       {},
       "SigmoidBackward"},
      {"tanh", [](auto& x) { return F::tanh(x); }, [](auto& x) { return R::tanh(x); }, {}, "TanhBackward"},
      {"logsigmoid",
       [](auto& x) { return F::logsigmoid(x); },
       [](auto& x) { return R::logsigmoid(x); },
       {},
       "LogSigmoidBackward"},
      {"relu", [](auto& x) { return F::relu(x); }, [](auto& x) { return R::relu(x); }, {0}, "ReluBackward"},
      {"relu6",
       [](auto& x) { return F::relu6(x); },
       [](auto& x) { return R::relu6(x); },
       {0, 6},
       "HardtanhBackward"},
      {"selu", [](auto& x) { return F::selu(x); }, [](auto& x) { return R::selu(x); }, {0}, "SeluBackward"},
      {"silu", [](auto& x) { return F::silu(x); }, [](auto& x) { return R::silu(x); }, {}, "SiluBackward"},
      {"mish", [](auto& x) { return F::mish(x); }, [](auto& x) { return R::mish(x); }, {}, "MishBackward"},
      {"hardswish",
       [](auto& x) { return F::hardswish(x); },
       [](auto& x) { return R::hardswish(x); },
       {-3, 3},
       "HardswishBackward"},
      {"hardsigmoid",
       [](auto& x) { return F::hardsigmoid(x); },
       [](auto& x) { return R::hardsigmoid(x); },
       {-3, 3},
       "HardsigmoidBackward"},
      {"hardsigmoid(1, 2)",  // the activation tutorial's HardSigmoid
       [](auto& x) { return F::hardsigmoid(x, 1, 2); },
       [](auto& x) { return R::hardsigmoid(x, 1, 2); },
       {-1, 1},
       "HardsigmoidBackward"},
      {"hardsigmoid(0.5, -4, -1, 2)",
       [](auto& x) { return F::hardsigmoid(x, 0.5f, -4, -1, 2); },
       [](auto& x) { return R::hardsigmoid(x, 0.5f, -4, -1, 2); },
       {-7.5f, 4.5f},
       "HardsigmoidBackward"},
      {"softsign",
       [](auto& x) { return F::softsign(x); },
       [](auto& x) { return R::softsign(x); },
       {},
       "SoftsignBackward"},
      {"tanhshrink",
       [](auto& x) { return F::tanhshrink(x); },
       [](auto& x) { return R::tanhshrink(x); },
       {},
       "TanhshrinkBackward"},
      {"leaky_relu",
       [](auto& x) { return F::leaky_relu(x); },
       [](auto& x) { return R::leaky_relu(x); },
       {0},
       "LeakyReluBackward"},
      {"leaky_relu(0.2)",
       [](auto& x) { return F::leaky_relu(x, 0.2f); },
       [](auto& x) { return R::leaky_relu(x, 0.2f); },
       {0},
       "LeakyReluBackward"},
      {"leaky_relu(0)",
       [](auto& x) { return F::leaky_relu(x, 0.0f); },
       [](auto& x) { return R::leaky_relu(x, 0.0f); },
       {0},
       "LeakyReluBackward"},
      {"leaky_relu(-0.5)",
       [](auto& x) { return F::leaky_relu(x, -0.5f); },
       [](auto& x) { return R::leaky_relu(x, -0.5f); },
       {0},
       "LeakyReluBackward"},
      {"elu", [](auto& x) { return F::elu(x); }, [](auto& x) { return R::elu(x); }, {0}, "EluBackward"},
      {"elu(0.5)",
       [](auto& x) { return F::elu(x, 0.5f); },
       [](auto& x) { return R::elu(x, 0.5f); },
       {0},
       "EluBackward"},
      {"elu(-0.5)",
       [](auto& x) { return F::elu(x, -0.5f); },
       [](auto& x) { return R::elu(x, -0.5f); },
       {0},
       "EluBackward"},
      {"celu", [](auto& x) { return F::celu(x); }, [](auto& x) { return R::celu(x); }, {}, "CeluBackward"},
      {"celu(2)",
       [](auto& x) { return F::celu(x, 2.0f); },
       [](auto& x) { return R::celu(x, 2.0f); },
       {0},
       "CeluBackward"},
      {"gelu", [](auto& x) { return F::gelu(x); }, [](auto& x) { return R::gelu(x); }, {}, "GeluBackward"},
      {"gelu(tanh)",
       [](auto& x) { return F::gelu(x, "tanh"); },
       [](auto& x) { return R::gelu(x, "tanh"); },
       {},
       "GeluBackward"},
      {"softplus",
       [](auto& x) { return F::softplus(x); },
       [](auto& x) { return R::softplus(x); },
       {20},
       "SoftplusBackward"},
      {"softplus(2, 10)",
       [](auto& x) { return F::softplus(x, 2, 10); },
       [](auto& x) { return R::softplus(x, 2, 10); },
       {5},
       "SoftplusBackward"},
      {"softplus(0.5, 3)",
       [](auto& x) { return F::softplus(x, 0.5f, 3); },
       [](auto& x) { return R::softplus(x, 0.5f, 3); },
       {6},
       "SoftplusBackward"},
      {"softplus(-1)",
       [](auto& x) { return F::softplus(x, -1.0f); },
       [](auto& x) { return R::softplus(x, -1.0f); },
       {-20},
       "SoftplusBackward"},
      {"hardtanh",
       [](auto& x) { return F::hardtanh(x); },
       [](auto& x) { return R::hardtanh(x); },
       {-1, 1},
       "HardtanhBackward"},
      {"hardtanh(-2, 3)",
       [](auto& x) { return F::hardtanh(x, -2, 3); },
       [](auto& x) { return R::hardtanh(x, -2, 3); },
       {-2, 3},
       "HardtanhBackward"},
      {"hardshrink",
       [](auto& x) { return F::hardshrink(x); },
       [](auto& x) { return R::hardshrink(x); },
       {-0.5, 0.5},
       "HardshrinkBackward"},
      {"hardshrink(1.5)",
       [](auto& x) { return F::hardshrink(x, 1.5f); },
       [](auto& x) { return R::hardshrink(x, 1.5f); },
       {-1.5, 1.5},
       "HardshrinkBackward"},
      {"softshrink",
       [](auto& x) { return F::softshrink(x); },
       [](auto& x) { return R::softshrink(x); },
       {-0.5, 0.5},
       "SoftshrinkBackward"},
      {"softshrink(1.5)",
       [](auto& x) { return F::softshrink(x, 1.5f); },
       [](auto& x) { return R::softshrink(x, 1.5f); },
       {-1.5, 1.5},
       "SoftshrinkBackward"},
      {"threshold(0.1, 20)",
       [](auto& x) { return F::threshold(x, 0.1f, 20); },
       [](auto& x) { return R::threshold(x, 0.1f, 20); },
       {0.1f},
       "ThresholdBackward"},
      {"threshold(-1, -2)",
       [](auto& x) { return F::threshold(x, -1, -2); },
       [](auto& x) { return R::threshold(x, -1, -2); },
       {-1},
       "ThresholdBackward"},
      {"rrelu(eval)",
       [](auto& x) { return F::rrelu(x); },
       [](auto& x) { return R::rrelu(x); },
       {0},
       "RreluBackward"},
      {"rrelu(0.1, 0.3, eval)",
       [](auto& x) { return F::rrelu(x, 0.1f, 0.3f); },
       [](auto& x) { return R::rrelu(x, 0.1f, 0.3f); },
       {0},
       "RreluBackward"},
      {"rrelu(0, 0, eval)",
       [](auto& x) { return F::rrelu(x, 0, 0); },
       [](auto& x) { return R::rrelu(x, 0, 0); },
       {0},
       "RreluBackward"},
      {"prelu(shared)",
       [](auto& x) { return F::prelu(x, full({1}, 0.25f)); },
       [](auto& x) { return R::prelu(x, full({1}, 0.25f)); },
       {0},
       "PreluBackward"},
      {"swish(1.5)",
       [](auto& x) { return F::swish(x, full({1}, 1.5f)); },
       [](auto& x) { return R::swish(x, full({1}, 1.5f)); },
       {},
       "SwishBackward"},
  };
}

class Activation : public ::testing::TestWithParam<Row> {};

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
  std::string s;
  for (char c : info.param.name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

}  // namespace

// Fused and reference agree on the edge cases, the sweep and random inputs,
// forward (1e-5) and backward (1e-4), kinks included: both follow PyTorch there.
TEST_P(Activation, FusedMatchesReference) {
  const Row& row = GetParam();
  Tensor x = test_inputs();
  auto fused = value_and_grad(row.fused, x), ref = value_and_grad(row.reference, x);
  EXPECT_TRUE(all_close(fused.y, to_double(ref.y), 1e-5, x.to_vector())) << row.name << " forward";
  EXPECT_TRUE(all_close(fused.dx, to_double(ref.dx), 1e-4, x.to_vector())) << row.name << " backward";
}

// Neither implementation produces inf or NaN anywhere on [-150, 150] or at
// ±1000 (every exact value there is finite).
TEST_P(Activation, FiniteEverywhereOnTheSweep) {
  const Row& row = GetParam();
  Tensor x = test_inputs();
  for (const Fn& f : {row.fused, row.reference}) {
    auto r = value_and_grad(f, x);
    for (size_t i = 0; i < r.y.size(); ++i) {
      ASSERT_TRUE(std::isfinite(r.y[i])) << row.name << " at x = " << x.data()[i];
      ASSERT_TRUE(std::isfinite(r.dx[i])) << row.name << " gradient at x = " << x.data()[i];
    }
  }
}

TEST_P(Activation, NanInNanOut) {
  const Row& row = GetParam();
  Tensor x = tensor({1.0f, NAN, -1.0f, NAN}, {4});
  std::vector<float> y = row.fused(x).to_vector();
  EXPECT_TRUE(std::isnan(y[1]) && std::isnan(y[3])) << row.name << ": " << y[1];
  EXPECT_FALSE(std::isnan(y[0]) || std::isnan(y[2])) << row.name;
}

// Central differences (float32 steps of 1e-3) on points at least 0.05 away
// from every kink, for the fused kernel and the reference alike.
TEST_P(Activation, GradcheckAwayFromKinks) {
  const Row& row = GetParam();
  manual_seed(7);
  std::vector<float> v;
  for (float r : (rand({64}) * 10.0f - 5.0f).to_vector()) {
    bool near = false;
    for (float k : row.kinks) near = near || std::fabs(r - k) < 0.05f;
    if (!near) v.push_back(r);
  }
  Tensor x = tensor(v, {static_cast<int64_t>(v.size())}, true);
  for (const Fn& f : {row.fused, row.reference}) {
    auto result = gradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
    EXPECT_TRUE(result.ok) << row.name << ": " << result.worst;
  }
}

TEST_P(Activation, RecordsItsNodeAndFreesTheGraph) {
  const Row& row = GetParam();
  {
    Tensor x = randn({3, 4}).requires_grad_();
    Tensor y = row.fused(x);
    ASSERT_TRUE(y.grad_fn());
    EXPECT_STREQ(y.grad_fn()->name(), row.node);
    y.sum().backward();
    EXPECT_EQ(x.grad().shape(), x.shape());
    NoGradGuard off;
    EXPECT_FALSE(row.fused(x).requires_grad()) << "no node under NoGradGuard";
  }
  EXPECT_EQ(live_node_count(), 0) << row.name << " leaked its graph";
}

INSTANTIATE_TEST_SUITE_P(All, Activation, ::testing::ValuesIn(rows()), row_name);

// --- PyTorch's values at the kinks (from PyTorch 1.13, float32) ------------------------

struct Kink {
  const char* what;
  Fn f;
  float x, y, dy;
};

TEST(Activations, KinksFollowPyTorch) {
  std::vector<Kink> kinks = {
      {"relu(0)", [](auto& x) { return F::relu(x); }, 0, 0, 0},
      {"leaky_relu(0)", [](auto& x) { return F::leaky_relu(x); }, 0, 0, 0.01f},
      {"relu6(0)", [](auto& x) { return F::relu6(x); }, 0, 0, 0},
      {"relu6(6)", [](auto& x) { return F::relu6(x); }, 6, 6, 0},
      {"hardtanh(-1)", [](auto& x) { return F::hardtanh(x); }, -1, -1, 0},
      {"hardtanh(1)", [](auto& x) { return F::hardtanh(x); }, 1, 1, 0},
      {"hardswish(-3)", [](auto& x) { return F::hardswish(x); }, -3, 0, -0.5f},
      // PyTorch 1.13's vectorised kernel gives 1 at 3; its scalar tail loop gives 1.5.
      {"hardswish(3)", [](auto& x) { return F::hardswish(x); }, 3, 3, 1.0f},
      {"hardsigmoid(-3)", [](auto& x) { return F::hardsigmoid(x); }, -3, 0, 0},
      {"hardsigmoid(3)", [](auto& x) { return F::hardsigmoid(x); }, 3, 1, 0},
      {"hardsigmoid(1, 2) at -1", [](auto& x) { return F::hardsigmoid(x, 1, 2); }, -1, 0, 0},
      {"hardsigmoid(1, 2) at 1", [](auto& x) { return F::hardsigmoid(x, 1, 2); }, 1, 1, 0},
      {"threshold(0.1, 20) at 0.1", [](auto& x) { return F::threshold(x, 0.1f, 20); }, 0.1f, 20, 0},
      {"hardshrink(-0.5)", [](auto& x) { return F::hardshrink(x); }, -0.5f, 0, 0},
      {"hardshrink(0.5)", [](auto& x) { return F::hardshrink(x); }, 0.5f, 0, 0},
      {"softshrink(-0.5)", [](auto& x) { return F::softshrink(x); }, -0.5f, 0, 0},
      {"softshrink(0.5)", [](auto& x) { return F::softshrink(x); }, 0.5f, 0, 0},
      {"elu(0)", [](auto& x) { return F::elu(x); }, 0, 0, 1},
      {"celu(0)", [](auto& x) { return F::celu(x); }, 0, 0, 1},
      {"selu(0)", [](auto& x) { return F::selu(x); }, 0, 0, 1.7580993175506592f},
      {"rrelu eval(0)", [](auto& x) { return F::rrelu(x); }, 0, 0, 0.2291666716337204f},
      {"prelu(0)", [](auto& x) { return F::prelu(x, full({1}, 0.25f)); }, 0, 0, 0.25f},
      {"softplus(20) at the threshold", [](auto& x) { return F::softplus(x); }, 20, 20, 1},
  };
  for (const Kink& k : kinks) {
    auto r = value_and_grad(k.f, tensor({k.x}, {1}));
    EXPECT_NEAR(r.y[0], k.y, 1e-6) << k.what;
    EXPECT_NEAR(r.dx[0], k.dy, 1e-6) << k.what;
  }
}

// --- defaults, printing, errors ---------------------------------------------------------

TEST(Activations, DefaultsArePyTorchs) {
  Tensor x = test_inputs();
  auto same = [&](const Tensor& a, const Tensor& b) { return a.to_vector() == b.to_vector(); };
  EXPECT_TRUE(same(F::leaky_relu(x), F::leaky_relu(x, 0.01f)));
  EXPECT_TRUE(same(F::elu(x), F::elu(x, 1.0f)));
  EXPECT_TRUE(same(F::celu(x), F::celu(x, 1.0f)));
  EXPECT_TRUE(same(F::gelu(x), F::gelu(x, "none")));
  EXPECT_TRUE(same(F::softplus(x), F::softplus(x, 1.0f, 20.0f)));
  EXPECT_TRUE(same(F::hardtanh(x), F::hardtanh(x, -1.0f, 1.0f)));
  EXPECT_TRUE(same(F::hardshrink(x), F::hardshrink(x, 0.5f)));
  EXPECT_TRUE(same(F::softshrink(x), F::softshrink(x, 0.5f)));
  EXPECT_TRUE(same(F::rrelu(x), F::rrelu(x, 1.0f / 8, 1.0f / 3, false)));
  Tensor m = randn({3, 4});
  EXPECT_TRUE(same(F::glu(m), F::glu(m, -1)));
  // Modules carry the same defaults.
  EXPECT_EQ(nn::LeakyReLU().negative_slope, 0.01f);
  EXPECT_EQ(nn::ELU().alpha, 1.0f);
  EXPECT_EQ(nn::CELU().alpha, 1.0f);
  EXPECT_EQ(nn::GELU().approximate, "none");
  EXPECT_EQ(nn::Softplus().beta, 1.0f);
  EXPECT_EQ(nn::Softplus().threshold, 20.0f);
  EXPECT_EQ(nn::Hardtanh().min_val, -1.0f);
  EXPECT_EQ(nn::Hardtanh().max_val, 1.0f);
  EXPECT_EQ(nn::Hardshrink().lambd, 0.5f);
  EXPECT_EQ(nn::Softshrink().lambd, 0.5f);
  EXPECT_EQ(nn::GLU().dim, -1);
  EXPECT_EQ(nn::PReLU().num_parameters, 1);
  EXPECT_EQ(nn::PReLU().weight.to_vector(), std::vector<float>{0.25f});
  EXPECT_EQ(nn::RReLU().lower, 1.0f / 8);
  EXPECT_EQ(nn::RReLU().upper, 1.0f / 3);
}

TEST(Activations, ModulesPrintLikePyTorch) {
  auto str = [](const nn::Module& m) { return m.to_string(); };
  EXPECT_EQ(str(nn::ReLU()), "ReLU()");
  EXPECT_EQ(str(nn::ReLU6()), "ReLU6()");
  EXPECT_EQ(str(nn::SELU()), "SELU()");
  EXPECT_EQ(str(nn::SiLU()), "SiLU()");
  EXPECT_EQ(str(nn::Mish()), "Mish()");
  EXPECT_EQ(str(nn::Sigmoid()), "Sigmoid()");
  EXPECT_EQ(str(nn::Tanh()), "Tanh()");
  EXPECT_EQ(str(nn::LogSigmoid()), "LogSigmoid()");
  EXPECT_EQ(str(nn::Hardswish()), "Hardswish()");
  EXPECT_EQ(str(nn::Hardsigmoid()), "Hardsigmoid()");
  EXPECT_EQ(str(nn::Softsign()), "Softsign()");
  EXPECT_EQ(str(nn::Tanhshrink()), "Tanhshrink()");
  EXPECT_EQ(str(nn::LeakyReLU()), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(str(nn::LeakyReLU(0.2f)), "LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(str(nn::ELU()), "ELU(alpha=1.0)");
  EXPECT_EQ(str(nn::ELU(0.5f)), "ELU(alpha=0.5)");
  EXPECT_EQ(str(nn::CELU()), "CELU(alpha=1.0)");
  EXPECT_EQ(str(nn::GELU()), "GELU(approximate='none')");
  EXPECT_EQ(str(nn::GELU("tanh")), "GELU(approximate='tanh')");
  EXPECT_EQ(str(nn::Softplus()), "Softplus(beta=1, threshold=20)");
  EXPECT_EQ(str(nn::Softplus(2.0f, 10.0f)), "Softplus(beta=2, threshold=10)");
  EXPECT_EQ(str(nn::Hardtanh()), "Hardtanh(min_val=-1.0, max_val=1.0)");
  EXPECT_EQ(str(nn::Hardtanh(-2.0f, 3.0f)), "Hardtanh(min_val=-2.0, max_val=3.0)");
  EXPECT_EQ(str(nn::Hardshrink()), "Hardshrink(0.5)");
  EXPECT_EQ(str(nn::Softshrink()), "Softshrink(0.5)");
  EXPECT_EQ(str(nn::Threshold(0.1f, 20.0f)), "Threshold(threshold=0.1, value=20)");
  EXPECT_EQ(str(nn::GLU()), "GLU(dim=-1)");
  EXPECT_EQ(str(nn::Softmax(1)), "Softmax(dim=1)");
  EXPECT_EQ(str(nn::LogSoftmax(1)), "LogSoftmax(dim=1)");
  EXPECT_EQ(str(nn::Softmin(1)), "Softmin(dim=1)");
  EXPECT_EQ(str(nn::PReLU()), "PReLU(num_parameters=1)");
  EXPECT_EQ(str(nn::PReLU(3)), "PReLU(num_parameters=3)");
  // PyTorch prints the Python double 1/3 (0.3333333333333333); ember's option is a float.
  EXPECT_EQ(str(nn::RReLU()), "RReLU(lower=0.125, upper=0.33333334)");
  EXPECT_EQ(str(nn::Swish()), "Swish(beta=1.0)");
  EXPECT_EQ(str(nn::Maxout(4, 3, 2)), "Maxout(in_features=4, out_features=3, pieces=2)");
}

// Every module's forward is its function with its options.
TEST(Activations, ModulesForwardTheirFunction) {
  Tensor x = randn({4, 6});
  auto same = [](const Tensor& a, const Tensor& b) { return a.to_vector() == b.to_vector(); };
  EXPECT_TRUE(same(nn::ReLU()(x), F::relu(x)));
  EXPECT_TRUE(same(nn::ReLU6()(x), F::relu6(x)));
  EXPECT_TRUE(same(nn::SELU()(x), F::selu(x)));
  EXPECT_TRUE(same(nn::SiLU()(x), F::silu(x)));
  EXPECT_TRUE(same(nn::Mish()(x), F::mish(x)));
  EXPECT_TRUE(same(nn::Sigmoid()(x), F::sigmoid(x)));
  EXPECT_TRUE(same(nn::Tanh()(x), F::tanh(x)));
  EXPECT_TRUE(same(nn::LogSigmoid()(x), F::logsigmoid(x)));
  EXPECT_TRUE(same(nn::Hardswish()(x), F::hardswish(x)));
  EXPECT_TRUE(same(nn::Hardsigmoid()(x), F::hardsigmoid(x)));
  EXPECT_TRUE(same(nn::Softsign()(x), F::softsign(x)));
  EXPECT_TRUE(same(nn::Tanhshrink()(x), F::tanhshrink(x)));
  EXPECT_TRUE(same(nn::LeakyReLU(0.2f)(x), F::leaky_relu(x, 0.2f)));
  EXPECT_TRUE(same(nn::ELU(0.5f)(x), F::elu(x, 0.5f)));
  EXPECT_TRUE(same(nn::CELU(2.0f)(x), F::celu(x, 2.0f)));
  EXPECT_TRUE(same(nn::GELU("tanh")(x), F::gelu(x, "tanh")));
  EXPECT_TRUE(same(nn::Softplus(2.0f, 10.0f)(x), F::softplus(x, 2.0f, 10.0f)));
  EXPECT_TRUE(same(nn::Hardtanh(-2.0f, 3.0f)(x), F::hardtanh(x, -2.0f, 3.0f)));
  EXPECT_TRUE(same(nn::Hardshrink(0.3f)(x), F::hardshrink(x, 0.3f)));
  EXPECT_TRUE(same(nn::Softshrink(0.3f)(x), F::softshrink(x, 0.3f)));
  EXPECT_TRUE(same(nn::Threshold(0.1f, 20.0f)(x), F::threshold(x, 0.1f, 20.0f)));
  EXPECT_TRUE(same(nn::GLU(1)(x), F::glu(x, 1)));
  EXPECT_TRUE(same(nn::Softmax(1)(x), F::softmax(x, 1)));
  EXPECT_TRUE(same(nn::LogSoftmax(0)(x), F::log_softmax(x, 0)));
  EXPECT_TRUE(same(nn::Softmin(-1)(x), F::softmin(x, -1)));
  EXPECT_TRUE(same(nn::PReLU()(x), F::prelu(x, full({1}, 0.25f))));
  nn::RReLU r;
  r.eval();
  EXPECT_TRUE(same(r(x), F::rrelu(x)));
  EXPECT_TRUE(same(nn::Swish(2.0f)(x), F::swish(x, full({1}, 2.0f))));
}

// Misuse throws ember::Error naming the op and the values.
TEST(Activations, ErrorsNameTheOp) {
  auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  Tensor x = randn({2, 5});
  EXPECT_NE(message([&] { F::softplus(x, 0.0f); }).find("softplus: beta must be finite and nonzero"),
            std::string::npos);
  EXPECT_NE(message([] { nn::Softplus(0.0f); }).find("Softplus: beta"), std::string::npos);
  EXPECT_NE(message([&] {
              F::gelu(x, "fast");
            }).find("gelu: approximate must be \"none\" or \"tanh\", got \"fast\""),
            std::string::npos);
  EXPECT_NE(message([] { nn::GELU("erf"); }).find("GELU: approximate"), std::string::npos);
  EXPECT_NE(message([&] {
              F::rrelu(x, 0.5f, 0.1f, true);
            }).find("rrelu: lower (0.5) must be less than or equal to upper (0.1)"),
            std::string::npos);
  EXPECT_NE(message([] { nn::RReLU(0.5f, 0.1f); }).find("RReLU: lower (0.5)"), std::string::npos);
  EXPECT_NE(message([&] {
              F::hardtanh(x, 3.0f, -2.0f);
            }).find("hardtanh: min_val (3) must not be greater than max_val (-2)"),
            std::string::npos);
  EXPECT_NE(message([] { nn::Hardtanh(3.0f, -2.0f); }).find("Hardtanh: min_val"), std::string::npos);
  EXPECT_NE(message([&] { F::softshrink(x, -1.0f); }).find("softshrink: lambd must be greater or equal to 0"),
            std::string::npos);
  EXPECT_NE(message([&] { F::celu(x, 0.0f); }).find("celu: alpha must not be 0"), std::string::npos);
  EXPECT_NE(
      message([&] { F::glu(x, 1); }).find("glu: halving dimension must be even, but dimension 1 is size 5"),
      std::string::npos);
  EXPECT_NE(message([&] { F::glu(x, 2); }).find("glu: dim 2 is out of range"), std::string::npos);
  EXPECT_NE(message([&] { F::softmax(x, 2); }).find("softmax: dim 2 is out of range"), std::string::npos);
  EXPECT_NE(message([&] { F::log_softmax(x, -3); }).find("log_softmax: dim -3 is out of range"),
            std::string::npos);
  EXPECT_NE(message([&] { F::softmin(x, 5); }).find("softmin: dim 5"), std::string::npos);
  EXPECT_NE(message([&] {
              F::prelu(x, full({3}, 0.25f));
            }).find("prelu: weight has 3 parameters but the input has 5 channels (input [2, 5]"),
            std::string::npos);
  EXPECT_NE(message([&] { F::prelu(randn({5}), full({5}, 0.25f)); }).find("input has 1 channels"),
            std::string::npos);
  EXPECT_NE(message([&] { nn::PReLU(4)(x); }).find("prelu: weight has 4 parameters"), std::string::npos);
  EXPECT_NE(message([] { nn::PReLU(0); }).find("PReLU: num_parameters must be at least 1"),
            std::string::npos);
  EXPECT_NE(message([&] {
              F::swish(x, full({2}, 1.0f));
            }).find("swish: beta must be a one-element tensor, got [2]"),
            std::string::npos);
  EXPECT_NE(message([&] { nn::Maxout(3, 2, 2)(x); }).find("Maxout: input must have 3 features"),
            std::string::npos);
  EXPECT_NE(message([] { F::relu(Tensor()); }).find("relu: the input tensor is undefined"),
            std::string::npos);
}

// --- the primitive cache --------------------------------------------------------------------

TEST(PrimitiveCache, CreatesEachPrimitiveOnce) {
  kernels::clear_primitive_cache();
  Tensor x = randn({64, 32}).requires_grad_();
  F::elu(x).sum().backward();  // forward + backward: two primitives
  auto first = kernels::primitive_cache_stats();
  EXPECT_EQ(first.entries, 2);
  EXPECT_EQ(first.misses, 2);
  for (int i = 0; i < 10; ++i) F::elu(x).sum().backward();
  auto later = kernels::primitive_cache_stats();
  EXPECT_EQ(later.entries, 2);
  EXPECT_EQ(later.misses, 2);
  EXPECT_EQ(later.hits, 20);
  F::elu(x, 0.5f);     // another alpha: another primitive
  F::elu(randn({7}));  // another size: another primitive
  EXPECT_EQ(kernels::primitive_cache_stats().entries, 4);
}

// Several threads run the same activations at once (each has its own cache
// and stream) and get the single-threaded results.
TEST(PrimitiveCache, ThreadsGetTheSameResults) {
  Tensor x = test_inputs();
  std::vector<Fn> fns = {[](auto& t) { return F::gelu(t); }, [](auto& t) { return F::softplus(t, 2, 10); },
                         [](auto& t) { return F::sigmoid(t); }, [](auto& t) { return F::softmax(t, 0); },
                         [](auto& t) { return F::prelu(t, full({1}, 0.1f)); }};
  std::vector<std::vector<float>> expected;
  for (auto& f : fns) expected.push_back(value_and_grad(f, x).dx);
  std::vector<int> ok(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      bool all = true;
      for (int rep = 0; rep < 20; ++rep)
        for (size_t i = 0; i < fns.size(); ++i) all = all && value_and_grad(fns[i], x).dx == expected[i];
      ok[t] = all;
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(ok[t]) << "thread " << t;
}

// Empty tensors pass through every kernel.
TEST(Activations, EmptyTensors) {
  Tensor e = zeros({0, 3}).requires_grad_();
  for (const Row& row : rows()) {
    Tensor y = row.fused(e);
    EXPECT_EQ(y.shape(), Shape({0, 3})) << row.name;
  }
  EXPECT_EQ(F::softmax(e, 1).shape(), Shape({0, 3}));
  F::softmax(e, 1).sum().backward();
  EXPECT_EQ(e.grad().shape(), Shape({0, 3}));
}
