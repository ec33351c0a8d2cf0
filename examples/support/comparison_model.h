// The network and optimizer of one activation-comparison run: an MLP whose
// Linear layers are initialised as --init says, each hidden block
// Linear → [BatchNorm1d | LayerNorm] → activation → [Dropout | AlphaDropout],
// and handles on its layers for the health measurements (layer_health.h);
// the optimizer by name. Nothing here trains.
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

/// The normalisation layer of a hidden block of `width` units: nullptr for "none",
/// BatchNorm1d for "batch", LayerNorm for "layer" (PyTorch's defaults: eps 1e-5, affine).
inline std::shared_ptr<ember::nn::Module> make_norm(const std::string& norm, int64_t width) {
  if (norm == "batch") return std::make_shared<ember::nn::BatchNorm1d>(width);
  if (norm == "layer") return std::make_shared<ember::nn::LayerNorm>(width);
  if (norm != "none") ember::fail("make_norm: unknown normalisation \"", norm, "\" (none, batch or layer)");
  return nullptr;
}

/// The dropout after a hidden activation, nullptr for p = 0. SELU gets AlphaDropout: plain
/// dropout's zeros would pull its outputs off the mean 0, variance 1 it keeps (Klambauer et al.).
inline std::shared_ptr<ember::nn::Module> make_dropout(const std::string& activation, float p) {
  if (p <= 0) return nullptr;
  if (activation == "selu") return std::make_shared<ember::nn::AlphaDropout>(p);
  return std::make_shared<ember::nn::Dropout>(p);
}

/// What each hidden block holds besides its Linear and activation.
struct HiddenBlock {
  std::string norm = "none";  ///< none, batch or layer, between the Linear and the activation
  float dropout = 0;          ///< after the activation
};

/// in → widths… → out, each hidden block Linear → norm → activation → dropout (the last two
/// as `block` asks); `layers` gets handles on the Linear, norm and activation of each.
inline std::shared_ptr<ember::nn::Sequential> make_mlp(int64_t in, const std::vector<int64_t>& widths,
                                                       const std::string& activation, int64_t out,
                                                       const std::string& init, MlpLayers& layers,
                                                       const HiddenBlock& block = {}) {
  auto model = std::make_shared<ember::nn::Sequential>();
  for (int64_t width : widths) {
    layers.linear.push_back(make_linear(in, width, init));
    layers.norm.push_back(make_norm(block.norm, width));
    layers.activation.push_back(activations().at(activation)());
    model->push_back(layers.linear.back());
    if (layers.norm.back()) model->push_back(layers.norm.back());
    model->push_back(layers.activation.back());
    if (auto dropout = make_dropout(activation, block.dropout)) model->push_back(dropout);
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
