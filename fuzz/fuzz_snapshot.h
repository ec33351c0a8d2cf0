// What the checkpoint fuzz targets compare before and after a load: the exact
// bits of a model, its optimizer's state, its scheduler and the random
// generator, so that "a failed load changed nothing" is checked to the bit.
#pragma once

#include <ember.h>

#include <string>
#include <vector>

namespace ember_fuzz {

// Bits, not values: NaN == NaN here, and -0 != 0.
inline std::string bits(const ember::Tensor& t) {
  std::vector<float> v = t.to_vector();
  std::string out = ember::shape_str(t.shape());
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  return out;
}

// The model's parameters, then (when given) the optimizer's lr, state and shared state, the
// scheduler's state, and the generator's.
inline std::string snapshot(const ember::nn::Module& model, const ember::optim::Optimizer* optimizer,
                            const ember::optim::LRScheduler* scheduler) {
  using namespace ember;
  std::string s;
  for (const auto& [name, t] : model.named_parameters()) s += name + bits(t);
  if (optimizer) {
    s += nn::exact_text(optimizer->lr());
    for (const optim::ParamState& p : optimizer->state()) {
      s += std::to_string(p.step);
      for (const auto& [name, t] : p.tensors) s += name + bits(t);
    }
    const optim::SharedState shared = optimizer->shared_state();
    for (const auto& [name, t] : shared.tensors) s += name + bits(t);
    for (const auto& [name, value] : shared.values) s += name + "=" + value + ";";
  }
  if (scheduler) {
    optim::LRScheduler::State st = scheduler->state();
    s += std::to_string(st.last_epoch) + "," + std::to_string(st.step_count) + "," +
         nn::exact_text(st.base_lr) + "," + nn::exact_text(st.last_lr);
  }
  return s + default_generator().state();
}

}  // namespace ember_fuzz
