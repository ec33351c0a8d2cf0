// Saving and restoring everything besides the weights that a resumed run
// needs to continue exactly where it stopped: the optimizer's per-parameter
// state (step counts, momentum buffers, Adam moments…) and lr, the scheduler's
// position, the epoch, and the state of ember's random generator (dropout
// masks, shuffling). Two ways to keep it, both safetensors files written
// atomically like nn::save — optimizer state tensors "state.<param index>.<name>" (and
// "shared.<name>" for the state of all parameters together, LBFGS's), the rest as metadata:
//
//   one file with the model too (tensors "model.<name>") and the caller's own metadata:
//     optim::save_checkpoint("ckpt.safetensors", model, optimizer, &scheduler, epoch, {{"note", "…"}});
//     … crash …
//     int64_t epoch = optim::load_checkpoint("ckpt.safetensors", model, optimizer, &scheduler);
//
//   or a file of its own next to nn::save's (which stays a plain model file, for PyTorch):
//     nn::save(model, "model.safetensors");
//     optim::save_state(optimizer, "model.optim.safetensors", &scheduler, epoch);
//     … crash …
//     nn::load(model, "model.safetensors");
//     int64_t epoch = optim::load_state(optimizer, "model.optim.safetensors", &scheduler);
//
// Loading checks the whole file before it changes anything; nothing here
// restores a model whose shapes or names differ, or an optimizer of another kind.
#pragma once

#include <cstdint>
#include <string>

#include "nn/module.h"
#include "nn/serialize.h"
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

/// Everything a resumed run needs, in one safetensors file written atomically: the model's
/// parameters and buffers ("model.<name>"), the optimizer's state, the scheduler's, the epoch,
/// ember's generator state, and the caller's own metadata (`extra`; its keys must not be the
/// file's own: format, optimizer, num_params, lr, epoch, rng, scheduler, step.*, scheduler.*,
/// shared.*).
void save_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                     const LRScheduler* scheduler = nullptr, int64_t epoch = 0,
                     const nn::Metadata& extra = {});

/// Checks the whole file against the model, optimizer and scheduler first; then restores all of
/// them (and the generator unless restore_rng is false). Returns the epoch; `extra`, when given,
/// receives the caller's metadata that save_checkpoint wrote. On any problem an ember::Error
/// names the file and what is wrong, and nothing is changed.
int64_t load_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer,
                        LRScheduler* scheduler = nullptr, nn::Metadata* extra = nullptr,
                        bool restore_rng = true);

}  // namespace ember::optim
