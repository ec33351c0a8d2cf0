// nn::init: filling parameters in place, as torch.nn.init does (PyTorch 1.13):
// the same names, defaults, fan computation and gains. Every function draws
// from ember's generator (so manual_seed makes it reproducible), writes the
// tensor's values without recording a graph, and returns the same handle.
// The values drawn are ember's own stream, not PyTorch's: same distribution,
// different numbers.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "core/tensor.h"

namespace ember::nn::init {

/// The recommended gain for a nonlinearity (torch.nn.init.calculate_gain):
/// linear/conv*/sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+a²)) with
/// a = param (default 0.01), selu 3/4. Anything else is an ember::Error.
double calculate_gain(std::string_view nonlinearity, std::optional<double> param = std::nullopt);

/// (fan_in, fan_out) of a weight of at least 2 dims: size(1)·receptive field, size(0)·receptive field.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double a = 0.0, double b = 1.0);
Tensor normal_(Tensor tensor, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor tensor, double val);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
/// U(−b, b) with b = gain·√(6 / (fan_in + fan_out)) (Glorot).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
/// N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);
/// U(−b, b) with b = √3 · gain / √fan, gain = calculate_gain(nonlinearity, a) (He).
Tensor kaiming_uniform_(Tensor tensor, double a = 0, std::string_view mode = "fan_in",
                        std::string_view nonlinearity = "leaky_relu");
/// N(0, std²) with std = gain / √fan.
Tensor kaiming_normal_(Tensor tensor, double a = 0, std::string_view mode = "fan_in",
                       std::string_view nonlinearity = "leaky_relu");

}  // namespace ember::nn::init
