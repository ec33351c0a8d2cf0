// Constructors that check their options, and printing as PyTorch prints:
// floats as Python shows them (1.0, 0.01), Softplus and Threshold as PyTorch's
// defaults print (beta=1, threshold=20), ", inplace=True" last when set.
#include "nn/activation_modules.h"

#include <charconv>
#include <cmath>

#include "core/grad_mode.h"
#include "core/ops.h"
#include "core/random.h"
#include "nn/activation_detail.h"

namespace ember::nn {
namespace {

// The shortest text that reads back as the same float ("0.01", not "0.0099999998").
std::string shortest(float v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// Python's repr of a float: whole numbers keep a ".0".
std::string py_float(float v) {
  std::string s = shortest(v);
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// PyTorch's modules end their options with ", inplace=True" only when it is set.
std::string inplace_repr(bool inplace) { return inplace ? ", inplace=True" : ""; }

}  // namespace

LeakyReLU::LeakyReLU(float negative_slope, bool inplace) : negative_slope(negative_slope), inplace(inplace) {
  check_not_nan(negative_slope, "LeakyReLU", "negative_slope");
}
std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + py_float(negative_slope) + inplace_repr(inplace);
}
ELU::ELU(float alpha, bool inplace) : alpha(alpha), inplace(inplace) { check_not_nan(alpha, "ELU", "alpha"); }
std::string ELU::extra_repr() const { return "alpha=" + py_float(alpha) + inplace_repr(inplace); }

CELU::CELU(float alpha, bool inplace) : alpha(alpha), inplace(inplace) {
  check_not_nan(alpha, "CELU", "alpha");
  if (alpha == 0) fail("CELU: alpha must not be 0 (the formula divides by it)");
}
std::string CELU::extra_repr() const { return "alpha=" + py_float(alpha) + inplace_repr(inplace); }

Hardsigmoid::Hardsigmoid(float bias, float divisor, float min_value, float max_value, bool inplace)
    : bias(bias), divisor(divisor), min_value(min_value), max_value(max_value), inplace(inplace) {
  detail::check_hardsigmoid_options("Hardsigmoid", bias, divisor, min_value, max_value);
}
// PyTorch's Hardsigmoid has no options and prints "Hardsigmoid()", even in place.
std::string Hardsigmoid::extra_repr() const {
  if (bias == 3.0f && divisor == 6.0f && min_value == 0.0f && max_value == 1.0f) return "";
  return "bias=" + py_float(bias) + ", divisor=" + py_float(divisor) + ", min_value=" + py_float(min_value) +
         ", max_value=" + py_float(max_value) + inplace_repr(inplace);
}

GELU::GELU(std::string approximate) : approximate(std::move(approximate)) {
  if (this->approximate != "none" && this->approximate != "tanh")
    fail("GELU: approximate must be \"none\" or \"tanh\", got \"", this->approximate, "\"");
}

Softplus::Softplus(float beta, float threshold) : beta(beta), threshold(threshold) {
  if (beta == 0 || !std::isfinite(beta)) fail("Softplus: beta must be finite and nonzero, got ", beta);
  check_not_nan(threshold, "Softplus", "threshold");
}
std::string Softplus::extra_repr() const {
  return "beta=" + shortest(beta) + ", threshold=" + shortest(threshold);
}

Hardtanh::Hardtanh(float min_val, float max_val, bool inplace)
    : min_val(min_val), max_val(max_val), inplace(inplace) {
  if (!(min_val <= max_val))
    fail("Hardtanh: min_val (", min_val, ") must not be greater than max_val (", max_val, ")");
}
std::string Hardtanh::extra_repr() const {
  return "min_val=" + py_float(min_val) + ", max_val=" + py_float(max_val) + inplace_repr(inplace);
}

Hardshrink::Hardshrink(float lambd) : lambd(lambd) { check_not_nan(lambd, "Hardshrink", "lambd"); }
std::string Hardshrink::extra_repr() const { return py_float(lambd); }

Softshrink::Softshrink(float lambd) : lambd(lambd) {
  if (!(lambd >= 0)) fail("Softshrink: lambd must be greater or equal to 0, got ", lambd);
}
std::string Softshrink::extra_repr() const { return py_float(lambd); }

Threshold::Threshold(float threshold, float value, bool inplace)
    : threshold(threshold), value(value), inplace(inplace) {
  check_not_nan(threshold, "Threshold", "threshold");
  check_not_nan(value, "Threshold", "value");
}
std::string Threshold::extra_repr() const {
  return "threshold=" + shortest(threshold) + ", value=" + shortest(value) + inplace_repr(inplace);
}

PReLU::PReLU(int64_t num_parameters, float init) : num_parameters(num_parameters) {
  if (num_parameters < 1) fail("PReLU: num_parameters must be at least 1, got ", num_parameters);
  check_not_nan(init, "PReLU", "init");
  checked_numel({num_parameters}, "PReLU");
  weight = register_parameter("weight", full({num_parameters}, init));
}

RReLU::RReLU(float lower, float upper, bool inplace) : lower(lower), upper(upper), inplace(inplace) {
  if (!std::isfinite(lower) || !std::isfinite(upper) || lower > upper)
    fail("RReLU: lower (", lower, ") must be less than or equal to upper (", upper, "), both finite");
}
std::string RReLU::extra_repr() const {
  return "lower=" + shortest(lower) + ", upper=" + shortest(upper) + inplace_repr(inplace);
}

Swish::Swish(float beta) {
  if (!std::isfinite(beta)) fail("Swish: beta must be finite, got ", beta);
  this->beta = register_parameter("beta", full({1}, beta));
}
std::string Swish::extra_repr() const { return "beta=" + py_float(beta.item()); }

Maxout::Maxout(int64_t in_features, int64_t out_features, int64_t pieces)
    : in_features(in_features), out_features(out_features), pieces(pieces) {
  if (in_features < 1 || out_features < 1 || pieces < 1)
    fail("Maxout: in_features, out_features and pieces must be at least 1, got ", in_features, ", ",
         out_features, ", ", pieces);
  // out_features · pieces rows: a product that wraps would build a weight of the wrong shape.
  int64_t rows = 0;
  if (__builtin_mul_overflow(out_features, pieces, &rows))
    fail("Maxout: out_features * pieces overflows (out_features=", out_features, ", pieces=", pieces, ")");
  checked_numel({rows, in_features}, "Maxout");
  // Linear's initialisation: U(−1/√in, 1/√in) for the weight and the bias.
  float bound = 1.0f / std::sqrt(static_cast<float>(in_features));
  Tensor w = Tensor::empty({rows, in_features}), b = Tensor::empty({rows});
  default_generator().uniform(w.data(), w.numel(), -bound, bound);
  default_generator().uniform(b.data(), b.numel(), -bound, bound);
  weight = register_parameter("weight", w);
  bias = register_parameter("bias", b);
}

Tensor Maxout::forward(const Tensor& x) {
  if (!x.defined() || x.dim() == 0 || x.size(-1) != in_features)
    fail("Maxout: input must have ", in_features, " features in its last dim, got shape ",
         x.defined() ? x.shape() : Shape{});
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  Tensor z = matmul(reshape(x, {-1, in_features}), transpose(weight, 0, 1)) + bias;  // [rows, out·pieces]
  return reshape(max(reshape(z, {-1, out_features, pieces}), 2), out_shape);
}

std::string Maxout::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", pieces=" + std::to_string(pieces);
}

}  // namespace ember::nn
