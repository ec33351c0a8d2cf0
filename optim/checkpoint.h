// Saving and restoring everything besides the weights that a resumed run
// needs to continue exactly where it stopped: the optimizer's per-parameter
// state (step counts, momentum buffers, Adam moments…) and lr, the scheduler's
// position, the epoch, and the state of ember's random generator (dropout
// masks, shuffling). It is a safetensors file of its own, written atomically
// like nn::save: tensors "state.<param index>.<name>", the rest as metadata.
//
//   nn::save(model, "ckpt.safetensors");
//   optim::save_state(optimizer, "ckpt.optim.safetensors", &scheduler, epoch);
//   … crash …
//   nn::load(model, "ckpt.safetensors");
//   int64_t epoch = optim::load_state(optimizer, "ckpt.optim.safetensors", &scheduler);
#pragma once

#include <cstdint>
#include <string>

#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"

namespace ember::optim {

/// Writes the optimizer's state (and the scheduler's, if given), the epoch and the generator state.
void save_state(const Optimizer& optimizer, const std::string& path, const LRScheduler* scheduler = nullptr,
                int64_t epoch = 0);

/// Restores what save_state wrote and returns the epoch. Everything is checked
/// first (optimizer kind, parameter count and shapes, scheduler kind); on any
/// problem an ember::Error names it and nothing is changed. With
/// restore_rng = false the random generator is left alone.
int64_t load_state(Optimizer& optimizer, const std::string& path, LRScheduler* scheduler = nullptr,
                   bool restore_rng = true);

}  // namespace ember::optim
