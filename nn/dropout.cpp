// Dropout and AlphaDropout (see dropout.h for the formulas).
#include "nn/dropout.h"

#include <cmath>
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

Tensor alpha_dropout(const Tensor& x, float p, bool training) {
  if (!(p >= 0.0f && p <= 1.0f)) fail("alpha_dropout: probability has to be between 0 and 1, but got ", p);
  if (!x.defined()) fail("alpha_dropout: the input is undefined");
  if (!training || p == 0.0f || x.numel() == 0) return x;
  if (p == 1.0f) return x * 0.0f;  // as PyTorch: zeros, and a zero gradient
  // y = x·scale + shift, per element: scale = a, shift = a·α'·p where kept;
  // scale = 0, shift = a·α'·(p − 1) where dropped (PyTorch: x·(mask·a) + (mask − 1)·α'·a + α'·a·p).
  constexpr double alpha = 1.7580993408473766;  // λα of SELU
  const double a = 1.0 / std::sqrt((alpha * alpha * p + 1) * (1 - p));
  const float kept_shift = static_cast<float>(alpha * a * p),
              dropped = static_cast<float>(alpha * a * (p - 1));
  const int64_t n = x.numel();
  Tensor scale = Tensor::empty(x.shape());
  float* m = scale.data();
  default_generator().uniform(m, n);
  Tensor y = Tensor::empty(x.shape());
  const float* xs = x.data();
  float* ys = y.data();
  for (int64_t i = 0; i < n; ++i) {
    const bool keep = m[i] >= p;
    m[i] = keep ? static_cast<float>(a) : 0.0f;
    ys[i] = keep ? xs[i] * m[i] + kept_shift : dropped;
  }
  if (needs_grad(x))
    record({"AlphaDropoutBackward",
            "y = a x + a alpha' p where kept, a alpha' (p - 1) where dropped: dx = g a where kept"},
           y, {x}, Backward{.differentiable = [scale](const Tensor& g) { return grads(g * scale); }});
  return y;
}

}  // namespace ember::F

namespace ember::nn {

Dropout::Dropout(float p) : p(p) {
  if (!(p >= 0.0f && p <= 1.0f)) fail("Dropout: probability has to be between 0 and 1, but got ", p);
}

Tensor Dropout::forward(const Tensor& input) { return F::dropout(input, p, is_training()); }

AlphaDropout::AlphaDropout(float p) : p(p) {
  if (!(p >= 0.0f && p <= 1.0f)) fail("AlphaDropout: probability has to be between 0 and 1, but got ", p);
}

Tensor AlphaDropout::forward(const Tensor& input) { return F::alpha_dropout(input, p, is_training()); }

std::string AlphaDropout::extra_repr() const {
  std::ostringstream out;
  out << "p=" << p << (p == static_cast<float>(static_cast<int>(p)) ? ".0" : "") << ", inplace=False";
  return out.str();
}

std::string Dropout::extra_repr() const {
  std::ostringstream out;
  out << "p=" << p << (p == static_cast<float>(static_cast<int>(p)) ? ".0" : "") << ", inplace=False";
  return out.str();
}

}  // namespace ember::nn
