// The network and optimizer of one activation-comparison run: an MLP whose
// Linear layers are initialised as --init says, with the activation after
// each hidden one, and handles on both kinds of layer for the health
// measurements (layer_health.h); the optimizer by name. Nothing here trains.
#pragma once

#include <ember.h>

#include <memory>
#include <string>
#include <vector>

#include "activations.h"
#include "layer_health.h"

namespace support {

/// A Linear layer initialised by `init`: "pytorch" keeps Linear's own U(±1/√in)
/// (weight variance 1/(3·in)); the others draw weights from a normal
/// distribution and zero the bias — "lecun" N(0, 1/in), the variance SELU's
/// self-normalisation assumes; "kaiming" N(0, 2/in), He's for ReLU;
/// "xavier" N(0, 2/(in + out)), Glorot's for tanh.
inline std::shared_ptr<ember::nn::Linear> make_linear(int64_t in, int64_t out, const std::string& init) {
  namespace nn = ember::nn;
  auto linear = std::make_shared<nn::Linear>(in, out);
  if (init == "pytorch") return linear;
  ember::NoGradGuard no_grad;
  if (init == "lecun") nn::init::kaiming_normal_(linear->weight, 0, "fan_in", "linear");
  if (init == "kaiming") nn::init::kaiming_normal_(linear->weight, 0, "fan_in", "relu");
  if (init == "xavier") nn::init::xavier_normal_(linear->weight);
  nn::init::zeros_(linear->bias);
  return linear;
}

/// in → widths… → out, each hidden Linear followed by the activation; `layers` gets handles on both.
inline std::shared_ptr<ember::nn::Sequential> make_mlp(int64_t in, const std::vector<int64_t>& widths,
                                                       const std::string& activation, int64_t out,
                                                       const std::string& init, MlpLayers& layers) {
  auto model = std::make_shared<ember::nn::Sequential>();
  for (int64_t width : widths) {
    layers.linear.push_back(make_linear(in, width, init));
    layers.activation.push_back(activations().at(activation)());
    model->push_back(layers.linear.back());
    model->push_back(layers.activation.back());
    in = width;
  }
  layers.linear.push_back(make_linear(in, out, init));
  model->push_back(layers.linear.back());
  return model;
}

/// adam, adamw, sgd (momentum 0.9) or rmsprop, each with its defaults but the learning rate.
inline std::unique_ptr<ember::optim::Optimizer> make_optimizer(const std::string& name,
                                                               std::vector<ember::Tensor> params, float lr) {
  namespace optim = ember::optim;
  if (name == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = lr});
  if (name == "adamw") return std::make_unique<optim::AdamW>(params, optim::AdamWOptions{.lr = lr});
  if (name == "sgd")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = lr, .momentum = 0.9f});
  return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions{.lr = lr});
}

}  // namespace support
