// Helpers shared by the activation tests: the inputs every activation is
// tried on, and a comparison that names the worst element.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <ember.h>

namespace ember::testing {

/// The edge cases of the issue: 0, ±1e-7, the kinks of every op (±0.1, ±0.5,
/// ±1, ±1.5, ±2, ±3, 6), and ±20, ±30, ±88, ±1000.
inline std::vector<float> edge_values() {
  std::vector<float> v = {0.0f, 1e-7f, 0.1f,  0.5f,  1.0f,  1.5f,  2.0f,   3.0f,   5.0f,
                          6.0f, 10.0f, 20.0f, 30.0f, 88.0f, 89.0f, 100.0f, 1000.0f};
  size_t n = v.size();
  for (size_t i = 1; i < n; ++i) v.push_back(-v[i]);
  return v;
}

/// Edge cases, a sweep of [-150, 150] (ggml's overflow check) and random N(0, 3²) values.
inline Tensor test_inputs() {
  std::vector<float> v = edge_values();
  Tensor sweep = linspace(-150.0f, 150.0f, 3001);
  for (float s : sweep.to_vector()) v.push_back(s);
  manual_seed(1234);
  for (float r : randn({400}).to_vector()) v.push_back(3.0f * r);
  return tensor(v, {static_cast<int64_t>(v.size())});
}

/// |actual − expected| <= tol·max(1, |expected|) elementwise (relative or
/// absolute, whichever is larger); NaN only where expected is NaN. On failure
/// reports the worst element and its input.
inline ::testing::AssertionResult all_close(const std::vector<float>& actual,
                                            const std::vector<double>& expected, double tol,
                                            const std::vector<float>& inputs = {},
                                            const std::vector<double>& allowed = {}) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << "size " << actual.size() << " vs expected " << expected.size();
  double worst = 0;
  size_t at = 0;
  int bad = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double a = actual[i], e = expected[i];
    if (std::isnan(e) && std::isnan(a)) continue;
    double bound = allowed.empty() ? tol * std::max(1.0, std::fabs(e)) : allowed[i];
    double err = std::isnan(a) || std::isnan(e) ? INFINITY : std::fabs(a - e);
    if (!(err <= bound)) ++bad;
    double ratio = err / bound;
    if (!(ratio <= worst)) worst = ratio, at = i;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  std::ostringstream out;
  out.precision(9);
  out << bad << " of " << actual.size() << " elements off; worst at [" << at << "]";
  if (at < inputs.size()) out << " x = " << inputs[at];
  out << ": got " << actual[at] << ", expected " << expected[at] << " (" << worst << "x the tolerance)";
  return ::testing::AssertionFailure() << out.str();
}

inline std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

/// y = f(x) and dy/dx·upstream for a fresh leaf copy of x.
struct ValueAndGrad {
  std::vector<float> y, dx;
};
inline ValueAndGrad value_and_grad(const std::function<Tensor(const Tensor&)>& f, const Tensor& x,
                                   const Tensor& upstream = {}) {
  Tensor leaf = x.detach().clone().requires_grad_();
  Tensor y = f(leaf);
  y.backward(upstream.defined() ? upstream : ones_like(y));
  return {y.to_vector(), leaf.grad().to_vector()};
}

}  // namespace ember::testing
