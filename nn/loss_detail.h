// Shared by the loss files: parsing the reduction and the scale each
// element's gradient gets from it. Internal (not included by ember.h).
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/tensor.h"

namespace ember::detail {

enum class Reduction { None, Mean, Sum };

inline Reduction parse_reduction(std::string_view reduction, const char* op) {
  if (reduction == "mean") return Reduction::Mean;
  if (reduction == "sum") return Reduction::Sum;
  if (reduction == "none") return Reduction::None;
  fail(op, ": reduction must be \"mean\", \"sum\" or \"none\", got \"", std::string(reduction), "\"");
}

/// The output of a reduced loss: a scalar holding the sum, or the mean over `count` items.
inline Tensor reduced_output(double sum, int64_t count, Reduction reduction) {
  Tensor out = Tensor::empty({});
  out.data()[0] = static_cast<float>(reduction == Reduction::Mean ? sum / static_cast<double>(count) : sum);
  return out;
}

/// How the gradient of item i is scaled: g[i] for "none", g/count for "mean", g for "sum".
struct GradScale {
  const float* g;
  bool per_item;
  float factor;
  float operator()(int64_t i) const { return per_item ? g[i] : g[0] * factor; }
};

inline GradScale grad_scale(const Tensor& g, int64_t count, Reduction reduction) {
  return {g.data(), reduction == Reduction::None,
          reduction == Reduction::Mean ? static_cast<float>(1.0 / static_cast<double>(count)) : 1.0f};
}

}  // namespace ember::detail
