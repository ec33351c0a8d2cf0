// train_mlp's optimizer and learning-rate schedule, chosen by name from its
// options (--optimizer, --lr, --momentum, --weight-decay; --schedule,
// --step-size, --gamma). Each is one ember constructor; this file only picks
// which.
#pragma once

#include <ember.h>

#include <memory>
#include <vector>

#include "train_options.h"

namespace support {

/// sgd, adam, adamw, rmsprop or adagrad over `params`.
inline std::unique_ptr<ember::optim::Optimizer> make_optimizer(const TrainOptions& o,
                                                               std::vector<ember::Tensor> params) {
  namespace optim = ember::optim;
  const float wd = o.weight_decay;
  if (o.optimizer == "sgd")
    return std::make_unique<optim::SGD>(
        params, optim::SGDOptions{.lr = o.lr, .momentum = o.momentum, .weight_decay = wd});
  if (o.optimizer == "adam")
    return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = o.lr, .weight_decay = wd});
  if (o.optimizer == "adamw")
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions{.lr = o.lr, .weight_decay = wd});
  if (o.optimizer == "rmsprop")
    return std::make_unique<optim::RMSprop>(
        params, optim::RMSpropOptions{.lr = o.lr, .weight_decay = wd, .momentum = o.momentum});
  return std::make_unique<optim::Adagrad>(params, optim::AdagradOptions{.lr = o.lr, .weight_decay = wd});
}

/// One scheduler step per epoch; nullptr for a constant learning rate.
inline std::unique_ptr<ember::optim::LRScheduler> make_scheduler(const TrainOptions& o,
                                                                 ember::optim::Optimizer& opt) {
  namespace optim = ember::optim;
  if (o.schedule == "cosine") return std::make_unique<optim::CosineAnnealingLR>(opt, o.epochs);
  if (o.schedule == "step") return std::make_unique<optim::StepLR>(opt, o.step_size, o.gamma);
  if (o.schedule == "exponential") return std::make_unique<optim::ExponentialLR>(opt, o.gamma);
  if (o.schedule == "linear") return std::make_unique<optim::LinearLR>(opt, 1.0, 0.0, o.epochs);  // down to 0
  return nullptr;
}

}  // namespace support
