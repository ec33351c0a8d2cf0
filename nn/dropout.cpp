#include "nn/dropout.h"

#include <sstream>

#include "core/node.h"
#include "core/ops.h"
#include "core/random.h"

namespace ember::F {

Tensor dropout(const Tensor& x, float p, bool training) {
  if (!(p >= 0.0f && p <= 1.0f)) fail("dropout: probability has to be between 0 and 1, but got ", p);
  if (!x.defined()) fail("dropout: the input is undefined");
  if (!training || p == 0.0f) return x;
  // mask[i] = (u_i >= p) / (1 − p): kept with probability 1 − p.
  Tensor mask = Tensor::empty(x.shape());
  float* m = mask.data();
  int64_t n = x.numel();
  default_generator().uniform(m, n);
  float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  for (int64_t i = 0; i < n; ++i) m[i] = m[i] >= p ? scale : 0.0f;
  Tensor y = Tensor::empty(x.shape());
  const float* xs = x.data();
  float* ys = y.data();
  for (int64_t i = 0; i < n; ++i) ys[i] = xs[i] * m[i];
  if (needs_grad(x))
    record({"DropoutBackward", "y = x * mask / (1 - p): dx = g * mask / (1 - p)"}, y, {x},
           Backward{.differentiable = [mask](const Tensor& g) { return grads(g * mask); }});
  return y;
}

}  // namespace ember::F

namespace ember::nn {

Dropout::Dropout(float p) : p(p) {
  if (!(p >= 0.0f && p <= 1.0f)) fail("Dropout: probability has to be between 0 and 1, but got ", p);
}

Tensor Dropout::forward(const Tensor& input) { return F::dropout(input, p, is_training()); }

std::string Dropout::extra_repr() const {
  std::ostringstream out;
  out << "p=" << p << (p == static_cast<float>(static_cast<int>(p)) ? ".0" : "") << ", inplace=False";
  return out.str();
}

}  // namespace ember::nn
