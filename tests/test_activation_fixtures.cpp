// ember's activations against PyTorch: tests/fixtures/activations.json holds,
// for every activation and parameter set, float32 inputs and PyTorch's float64
// outputs and gradients (scripts/make_activation_fixtures.py, PyTorch 1.13).
// ember's float32 results must be within 1e-5 (forward) and 1e-4 (gradient),
// relative or absolute whichever is larger, of those exact values — or, at the
// points the file marks "loose", within 1.5× PyTorch's own float32 error.
// Inputs include 0, ±1e-7, every kink, ±20, ±30, ±88, ±1000 and [-150, 150].
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <ember.h>

#include "activation_test_util.h"

using namespace ember;
using ember::testing::all_close;
using json = nlohmann::json;

namespace {

json load_fixtures() {
  std::ifstream in(std::string(EMBER_FIXTURE_DIR) + "/activations.json");
  if (!in) throw std::runtime_error("cannot open tests/fixtures/activations.json");
  return json::parse(in);
}

// The fused op a fixture case names, with its parameters.
Tensor apply(const json& c, const Tensor& x, const Tensor& weight) {
  std::string op = c["op"];
  std::vector<float> p = c["params"].get<std::vector<float>>();
  int64_t dim = c.value("dim", int64_t{0});
  static const std::map<std::string, std::function<Tensor(const Tensor&, const std::vector<float>&)>>
      pointwise = {
          {"sigmoid", [](auto& t, auto&) { return F::sigmoid(t); }},
          {"tanh", [](auto& t, auto&) { return F::tanh(t); }},
          {"logsigmoid", [](auto& t, auto&) { return F::logsigmoid(t); }},
          {"relu", [](auto& t, auto&) { return F::relu(t); }},
          {"relu6", [](auto& t, auto&) { return F::relu6(t); }},
          {"selu", [](auto& t, auto&) { return F::selu(t); }},
          {"silu", [](auto& t, auto&) { return F::silu(t); }},
          {"mish", [](auto& t, auto&) { return F::mish(t); }},
          {"hardswish", [](auto& t, auto&) { return F::hardswish(t); }},
          {"hardsigmoid", [](auto& t, auto&) { return F::hardsigmoid(t); }},
          {"hardsigmoid_tutorial",
           [](auto& t, auto& q) { return F::hardsigmoid(t, q[0], q[1], q[2], q[3]); }},
          {"softsign", [](auto& t, auto&) { return F::softsign(t); }},
          {"tanhshrink", [](auto& t, auto&) { return F::tanhshrink(t); }},
          {"leaky_relu", [](auto& t, auto& q) { return F::leaky_relu(t, q[0]); }},
          {"elu", [](auto& t, auto& q) { return F::elu(t, q[0]); }},
          {"celu", [](auto& t, auto& q) { return F::celu(t, q[0]); }},
          {"gelu", [](auto& t, auto&) { return F::gelu(t); }},
          {"gelu_tanh", [](auto& t, auto&) { return F::gelu(t, "tanh"); }},
          {"softplus", [](auto& t, auto& q) { return F::softplus(t, q[0], q[1]); }},
          {"hardtanh", [](auto& t, auto& q) { return F::hardtanh(t, q[0], q[1]); }},
          {"hardshrink", [](auto& t, auto& q) { return F::hardshrink(t, q[0]); }},
          {"softshrink", [](auto& t, auto& q) { return F::softshrink(t, q[0]); }},
          {"threshold", [](auto& t, auto& q) { return F::threshold(t, q[0], q[1]); }},
          {"rrelu_eval", [](auto& t, auto& q) { return F::rrelu(t, q[0], q[1], false); }},
      };
  if (auto it = pointwise.find(op); it != pointwise.end()) return it->second(x, p);
  if (op == "prelu") return F::prelu(x, weight);
  if (op == "swish") return F::swish(x, weight);
  if (op == "softmax") return F::softmax(x, dim);
  if (op == "log_softmax") return F::log_softmax(x, dim);
  if (op == "softmin") return F::softmin(x, dim);
  if (op == "glu") return F::glu(x, dim);
  throw std::runtime_error("fixture names an unknown op: " + op);
}

// Per-element bounds: tol·max(1, |exact|), widened at the "loose" points.
std::vector<double> bounds(const std::vector<double>& exact, double tol, const json& loose) {
  std::vector<double> b(exact.size());
  for (size_t i = 0; i < exact.size(); ++i) b[i] = tol * std::max(1.0, std::fabs(exact[i]));
  if (loose.is_array())
    for (const auto& entry : loose)
      b[entry[0].get<size_t>()] = std::max(b[entry[0].get<size_t>()], entry[1].get<double>());
  return b;
}

std::string describe(const json& c) {
  std::string s = c["op"].get<std::string>() + "(";
  for (auto& p : c["params"]) s += std::to_string(p.get<float>()) + ",";
  if (c.contains("dim")) s += "dim=" + std::to_string(c["dim"].get<int64_t>());
  return s + ") on " + shape_str(c["shape"].get<Shape>());
}

}  // namespace

TEST(ActivationFixtures, MatchPyTorchFloat64WithinTolerance) {
  json fixtures = load_fixtures();
  ASSERT_GE(fixtures["cases"].size(), 50u);
  for (const json& c : fixtures["cases"]) {
    SCOPED_TRACE(describe(c));
    Shape shape = c["shape"].get<Shape>();
    std::vector<float> xs = c["x"].get<std::vector<float>>();
    Tensor x = tensor(xs, shape, true);
    Tensor weight;
    if (c.contains("weight")) {
      std::vector<float> w = c["weight"].get<std::vector<float>>();
      weight = tensor(w, {static_cast<int64_t>(w.size())}, true);
    }
    Tensor y = apply(c, x, weight);
    ASSERT_EQ(y.shape(), c["y_shape"].get<Shape>());
    Tensor upstream =
        c.contains("upstream") ? tensor(c["upstream"].get<std::vector<float>>(), y.shape()) : ones_like(y);
    y.backward(upstream);

    std::vector<double> ey = c["y"].get<std::vector<double>>(), edx = c["dx"].get<std::vector<double>>();
    EXPECT_TRUE(all_close(y.to_vector(), ey, 1e-5, xs, bounds(ey, 1e-5, c.value("loose_y", json()))))
        << "forward";
    EXPECT_TRUE(
        all_close(x.grad().to_vector(), edx, 1e-4, xs, bounds(edx, 1e-4, c.value("loose_dx", json()))))
        << "input gradient";
    if (c.contains("dweight")) {
      std::vector<double> edw = c["dweight"].get<std::vector<double>>();
      EXPECT_TRUE(all_close(weight.grad().to_vector(), edw, 1e-4)) << "weight gradient";
    }
  }
}

// The references match PyTorch too (forward and backward), so the teaching
// formulas are the real functions, kinks included.
TEST(ActivationFixtures, ReferencesMatchPyTorch) {
  json fixtures = load_fixtures();
  for (const json& c : fixtures["cases"]) {
    std::string op = c["op"];
    std::vector<float> p = c["params"].get<std::vector<float>>();
    int64_t dim = c.value("dim", int64_t{0});
    std::function<Tensor(const Tensor&, const Tensor&)> f;
    namespace R = reference;
    if (op == "sigmoid") f = [](auto& t, auto&) { return R::sigmoid(t); };
    if (op == "logsigmoid") f = [](auto& t, auto&) { return R::logsigmoid(t); };
    if (op == "relu") f = [](auto& t, auto&) { return R::relu(t); };
    if (op == "relu6") f = [](auto& t, auto&) { return R::relu6(t); };
    if (op == "selu") f = [](auto& t, auto&) { return R::selu(t); };
    if (op == "silu") f = [](auto& t, auto&) { return R::silu(t); };
    if (op == "mish") f = [](auto& t, auto&) { return R::mish(t); };
    if (op == "hardswish") f = [](auto& t, auto&) { return R::hardswish(t); };
    if (op == "hardsigmoid") f = [](auto& t, auto&) { return R::hardsigmoid(t); };
    if (op == "hardsigmoid_tutorial")
      f = [p](auto& t, auto&) { return R::hardsigmoid(t, p[0], p[1], p[2], p[3]); };
    if (op == "softsign") f = [](auto& t, auto&) { return R::softsign(t); };
    if (op == "tanhshrink") f = [](auto& t, auto&) { return R::tanhshrink(t); };
    if (op == "leaky_relu") f = [p](auto& t, auto&) { return R::leaky_relu(t, p[0]); };
    if (op == "elu") f = [p](auto& t, auto&) { return R::elu(t, p[0]); };
    if (op == "celu") f = [p](auto& t, auto&) { return R::celu(t, p[0]); };
    if (op == "gelu") f = [](auto& t, auto&) { return R::gelu(t); };
    if (op == "gelu_tanh") f = [](auto& t, auto&) { return R::gelu(t, "tanh"); };
    if (op == "softplus") f = [p](auto& t, auto&) { return R::softplus(t, p[0], p[1]); };
    if (op == "hardtanh") f = [p](auto& t, auto&) { return R::hardtanh(t, p[0], p[1]); };
    if (op == "hardshrink") f = [p](auto& t, auto&) { return R::hardshrink(t, p[0]); };
    if (op == "softshrink") f = [p](auto& t, auto&) { return R::softshrink(t, p[0]); };
    if (op == "threshold") f = [p](auto& t, auto&) { return R::threshold(t, p[0], p[1]); };
    if (op == "rrelu_eval") f = [p](auto& t, auto&) { return R::rrelu(t, p[0], p[1], false); };
    if (op == "prelu") f = [](auto& t, auto& w) { return R::prelu(t, w); };
    if (op == "swish") f = [](auto& t, auto& w) { return R::swish(t, w); };
    if (op == "softmax") f = [dim](auto& t, auto&) { return R::softmax(t, dim); };
    if (op == "log_softmax") f = [dim](auto& t, auto&) { return R::log_softmax(t, dim); };
    if (op == "softmin") f = [dim](auto& t, auto&) { return R::softmin(t, dim); };
    if (op == "glu") f = [dim](auto& t, auto&) { return R::glu(t, dim); };
    if (op == "tanh") f = [](auto& t, auto&) { return R::tanh(t); };
    ASSERT_TRUE(f) << "no reference for " << op;
    SCOPED_TRACE("reference " + describe(c));
    std::vector<float> xs = c["x"].get<std::vector<float>>();
    Tensor x = tensor(xs, c["shape"].get<Shape>(), true), weight;
    if (c.contains("weight")) {
      std::vector<float> w = c["weight"].get<std::vector<float>>();
      weight = tensor(w, {static_cast<int64_t>(w.size())}, true);
    }
    Tensor y = f(x, weight);
    y.backward(c.contains("upstream") ? tensor(c["upstream"].get<std::vector<float>>(), y.shape())
                                      : ones_like(y));
    std::vector<double> ey = c["y"].get<std::vector<double>>(), edx = c["dx"].get<std::vector<double>>();
    EXPECT_TRUE(all_close(y.to_vector(), ey, 1e-5, xs, bounds(ey, 1e-5, c.value("loose_y", json()))));
    EXPECT_TRUE(
        all_close(x.grad().to_vector(), edx, 1e-4, xs, bounds(edx, 1e-4, c.value("loose_dx", json()))));
    if (c.contains("dweight")) {
      EXPECT_TRUE(all_close(weight.grad().to_vector(), c["dweight"].get<std::vector<double>>(), 1e-4));
    }
  }
}
