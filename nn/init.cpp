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
  int64_t receptive = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive *= tensor.size(d);
  return {tensor.size(1) * receptive, tensor.size(0) * receptive};
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

}  // namespace

Tensor uniform_(Tensor tensor, double a, double b) {
  check_defined(tensor, "uniform_");
  if (!(a <= b) || !std::isfinite(b - a))
    fail("uniform_: expected a finite range [a, b) with a <= b, got a=", a, " b=", b);
  NoGradGuard no_grad;
  default_generator().uniform(tensor.data(), tensor.numel(), static_cast<float>(a), static_cast<float>(b));
  tensor.bump_version();  // written in place
  return tensor;
}

Tensor normal_(Tensor tensor, double mean, double std) {
  check_defined(tensor, "normal_");
  if (!std::isfinite(mean) || !(std >= 0.0) || !std::isfinite(std))
    fail("normal_: expected a finite mean and a finite std >= 0, got mean=", mean, " std=", std);
  NoGradGuard no_grad;
  default_generator().normal(tensor.data(), tensor.numel(), static_cast<float>(mean),
                             static_cast<float>(std));
  tensor.bump_version();  // written in place
  return tensor;
}

Tensor constant_(Tensor tensor, double val) {
  check_defined(tensor, "constant_");
  NoGradGuard no_grad;
  tensor.fill_(static_cast<float>(val));
  return tensor;
}

Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0.0); }
Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1.0); }

Tensor xavier_uniform_(Tensor tensor, double gain) {
  if (tensor.defined() && tensor.numel() == 0)
    return tensor;  // nothing to draw (and fan_in + fan_out may be 0)
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  double bound = std::sqrt(3.0) * std;  // U(−b, b) has standard deviation b/√3
  return uniform_(std::move(tensor), -bound, bound);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  if (tensor.defined() && tensor.numel() == 0)
    return tensor;  // nothing to draw (and fan_in + fan_out may be 0)
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return normal_(std::move(tensor), 0.0, std);
}

Tensor kaiming_uniform_(Tensor tensor, double a, std::string_view mode, std::string_view nonlinearity) {
  check_defined(tensor, "kaiming_uniform_");
  if (tensor.numel() == 0) return tensor;  // PyTorch warns and leaves an empty tensor alone
  int64_t fan = fan_for(tensor, mode, "kaiming_uniform_");
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  double bound = std::sqrt(3.0) * std;
  return uniform_(std::move(tensor), -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, std::string_view mode, std::string_view nonlinearity) {
  check_defined(tensor, "kaiming_normal_");
  if (tensor.numel() == 0) return tensor;
  int64_t fan = fan_for(tensor, mode, "kaiming_normal_");
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  return normal_(std::move(tensor), 0.0, std);
}

}  // namespace ember::nn::init
