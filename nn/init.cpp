// nn::init, following torch/nn/init.py of PyTorch 1.13 formula for formula.
#include "nn/init.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "core/grad_mode.h"
#include "core/random.h"

namespace ember::nn::init {

double calculate_gain(std::string_view nonlinearity, std::optional<double> param) {
  for (std::string_view linear : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                  "conv_transpose2d", "conv_transpose3d", "sigmoid"})
    if (nonlinearity == linear) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    double slope = param.value_or(0.01);
    check_not_nan(slope, "calculate_gain", "param");
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  // SELU keeps unit variance by itself; 3/4 is PyTorch's choice for it.
  if (nonlinearity == "selu") return 3.0 / 4.0;
  fail("calculate_gain: unsupported nonlinearity '", std::string(nonlinearity),
       "' (expected linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu or selu)");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  if (tensor.dim() < 2)
    fail("init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ",
         tensor.shape(), ")");
  // An empty tensor's other sizes may be anything: their product can overflow.
  int64_t receptive = 1, fan_in = 0, fan_out = 0;
  for (int64_t d = 2; d < tensor.dim(); ++d)
    if (__builtin_mul_overflow(receptive, tensor.size(d), &receptive)) receptive = -1;
  if (receptive < 0 || __builtin_mul_overflow(tensor.size(1), receptive, &fan_in) ||
      __builtin_mul_overflow(tensor.size(0), receptive, &fan_out))
    fail("init: fan in and fan out of shape ", tensor.shape(), " do not fit in int64");
  return {fan_in, fan_out};
}

namespace {

int64_t fan_for(const Tensor& tensor, std::string_view mode, const char* op) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  if (mode == "fan_in") return fan_in;
  if (mode == "fan_out") return fan_out;
  fail(op, ": mode '", std::string(mode), "' is not supported, expected 'fan_in' or 'fan_out'");
}

void check_defined(const Tensor& tensor, const char* op) {
  if (!tensor.defined()) fail(op, ": the tensor is undefined");
}

// The draws are made in float: a bound, or the width b − a, that is finite in
// double but not in float would give inf or NaN everywhere. PyTorch refuses
// the same ranges ("to - from must be <= the float max").
bool finite_in_float(double v) { return std::isfinite(static_cast<float>(v)); }

// uniform_ on behalf of `op` (uniform_, xavier_uniform_, kaiming_uniform_):
// `what` says which user argument gave the bounds, for the message.
Tensor uniform_for(Tensor tensor, double a, double b, const char* op, const std::string& what) {
  if (!(a <= b) || !finite_in_float(a) || !finite_in_float(b) ||
      !finite_in_float(static_cast<double>(static_cast<float>(b)) - static_cast<float>(a)))
    fail(op, ": expected a range [a, b) with a <= b, both and their width finite in float, got a=", a,
         " b=", b, what);
  NoGradGuard no_grad;
  default_generator().uniform(tensor.data(), tensor.numel(), static_cast<float>(a), static_cast<float>(b));
  tensor.bump_version();  // written in place
  return tensor;
}

Tensor normal_for(Tensor tensor, double mean, double std, const char* op, const std::string& what) {
  if (!finite_in_float(mean) || !(std >= 0.0) || !finite_in_float(std))
    fail(op, ": expected a mean and a std >= 0 finite in float, got mean=", mean, " std=", std, what);
  NoGradGuard no_grad;
  default_generator().normal(tensor.data(), tensor.numel(), static_cast<float>(mean),
                             static_cast<float>(std));
  tensor.bump_version();  // written in place
  return tensor;
}

// xavier's gain: PyTorch fails later on a negative one (a reversed range, a
// negative std); ember says so by name.
void check_gain(double gain, const char* op) {
  if (!(gain >= 0.0) || !std::isfinite(gain)) fail(op, ": gain must be finite and >= 0, got ", gain);
}

}  // namespace

Tensor uniform_(Tensor tensor, double a, double b) {
  check_defined(tensor, "uniform_");
  return uniform_for(std::move(tensor), a, b, "uniform_", "");
}

Tensor normal_(Tensor tensor, double mean, double std) {
  check_defined(tensor, "normal_");
  return normal_for(std::move(tensor), mean, std, "normal_", "");
}

Tensor constant_(Tensor tensor, double val) {
  check_defined(tensor, "constant_");
  // ±inf fill as in PyTorch; NaN, or a finite value beyond float's range, is refused
  // (PyTorch: "value cannot be converted to type float without overflow").
  if (std::isnan(val) || (std::isfinite(val) && !finite_in_float(val)))
    fail("constant_: val must be a number representable in float, got ", val);
  NoGradGuard no_grad;
  tensor.fill_(static_cast<float>(val));
  return tensor;
}

Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0.0); }
Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1.0); }

namespace {
// Glorot's standard deviation, gain·√(2 / (fan_in + fan_out)), after the checks both xavier_ share.
double xavier_std(const Tensor& tensor, double gain, const char* op) {
  check_defined(tensor, op);
  check_gain(gain, op);
  if (tensor.numel() == 0) return 0;  // nothing to draw (and fan_in + fan_out may be 0)
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
}
}  // namespace

Tensor xavier_uniform_(Tensor tensor, double gain) {
  const double std = xavier_std(tensor, gain, "xavier_uniform_");
  if (tensor.numel() == 0) return tensor;
  double bound = std::sqrt(3.0) * std;  // U(−b, b) has standard deviation b/√3
  return uniform_for(std::move(tensor), -bound, bound, "xavier_uniform_", detail::cat(" (gain=", gain, ")"));
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  const double std = xavier_std(tensor, gain, "xavier_normal_");
  if (tensor.numel() == 0) return tensor;
  return normal_for(std::move(tensor), 0.0, std, "xavier_normal_", detail::cat(" (gain=", gain, ")"));
}

Tensor kaiming_uniform_(Tensor tensor, double a, std::string_view mode, std::string_view nonlinearity) {
  check_defined(tensor, "kaiming_uniform_");
  check_not_nan(a, "kaiming_uniform_", "a");
  if (tensor.numel() == 0) return tensor;  // PyTorch warns and leaves an empty tensor alone
  int64_t fan = fan_for(tensor, mode, "kaiming_uniform_");
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  double bound = std::sqrt(3.0) * std;
  return uniform_for(std::move(tensor), -bound, bound, "kaiming_uniform_", detail::cat(" (a=", a, ")"));
}

Tensor kaiming_normal_(Tensor tensor, double a, std::string_view mode, std::string_view nonlinearity) {
  check_defined(tensor, "kaiming_normal_");
  check_not_nan(a, "kaiming_normal_", "a");
  if (tensor.numel() == 0) return tensor;
  int64_t fan = fan_for(tensor, mode, "kaiming_normal_");
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  return normal_for(std::move(tensor), 0.0, std, "kaiming_normal_", detail::cat(" (a=", a, ")"));
}

}  // namespace ember::nn::init
