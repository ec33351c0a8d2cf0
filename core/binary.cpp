// Ops of two tensors, broadcasting as NumPy does. Each backward returns the
// gradient in the output's shape; the engine sums it back to each input's shape.
#include <cmath>

#include "core/elementwise.h"
#include "core/node.h"
#include "core/ops.h"

namespace ember {

using detail::map_values;
using detail::zip_values;

// --- tensor (op) tensor ------------------------------------------------------

Tensor operator+(const Tensor& a, const Tensor& b) {
  Tensor y = zip_values(a, b, "add", [](float u, float v) { return u + v; });
  if (needs_grad(a, b))
    record({"AddBackward", "y = a + b: da = g, db = g (summed back over broadcast dims)"}, y, {a, b},
           Backward{.differentiable = [](const Tensor& g) { return grads(g, g); }});
  return y;
}

Tensor operator-(const Tensor& a, const Tensor& b) {
  Tensor y = zip_values(a, b, "sub", [](float u, float v) { return u - v; });
  if (needs_grad(a, b))
    record({"SubBackward", "y = a - b: da = g, db = -g"}, y, {a, b},
           Backward{.differentiable = [](const Tensor& g) { return grads(g, -g); }});
  return y;
}

// d(ab) = b·da + a·db.
Tensor operator*(const Tensor& a, const Tensor& b) {
  Tensor y = zip_values(a, b, "mul", [](float u, float v) { return u * v; });
  if (needs_grad(a, b))
    record({"MulBackward", "y = a * b: da = g * b, db = g * a"}, y, {a, b},
           Backward{.differentiable = [a = SavedTensor(a), b = SavedTensor(b)](
                                          const Tensor& g) { return grads(g * b.get(), g * a.get()); }},
           {a, b});
  return y;
}

// d(a/b) = da/b − (a/b²)·db.
Tensor operator/(const Tensor& a, const Tensor& b) {
  Tensor y = zip_values(a, b, "div", [](float u, float v) { return u / v; });
  if (needs_grad(a, b))
    record({"DivBackward", "y = a / b: da = g / b, db = -g * a / b^2"}, y, {a, b},
           Backward{.differentiable =
                        [a = SavedTensor(a), b = SavedTensor(b)](const Tensor& g) {
                          Tensor av = a.get(), bv = b.get();
                          return grads(g / bv, -g * av / (bv * bv));
                        }},
           {a, b});
  return y;
}

// --- tensor (op) float and float (op) tensor --------------------------------------

Tensor operator+(const Tensor& a, float s) {
  Tensor y = map_values(a, [s](float u) { return u + s; });
  if (needs_grad(a))
    record({"AddBackward", "y = a + b: da = g, db = g (summed back over broadcast dims)"}, y, {a},
           Backward{.differentiable = [](const Tensor& g) { return grads(g); }});
  return y;
}
Tensor operator-(const Tensor& a, float s) { return a + (-s); }
Tensor operator*(const Tensor& a, float s) {
  Tensor y = map_values(a, [s](float u) { return u * s; });
  if (needs_grad(a))
    record({"MulBackward", "y = a * b: da = g * b, db = g * a"}, y, {a},
           Backward{.differentiable = [s](const Tensor& g) { return grads(g * s); }});
  return y;
}
Tensor operator/(const Tensor& a, float s) {
  Tensor y = map_values(a, [s](float u) { return u / s; });
  if (needs_grad(a))
    record({"DivBackward", "y = a / b: da = g / b, db = -g * a / b^2"}, y, {a},
           Backward{.differentiable = [s](const Tensor& g) { return grads(g / s); }});
  return y;
}
Tensor operator+(float s, const Tensor& b) { return b + s; }
Tensor operator*(float s, const Tensor& b) { return b * s; }
Tensor operator-(float s, const Tensor& b) {
  Tensor y = map_values(b, [s](float v) { return s - v; });
  if (needs_grad(b))
    record({"RsubBackward", "y = s - b: db = -g"}, y, {b},
           Backward{.differentiable = [](const Tensor& g) { return grads(-g); }});
  return y;
}
// d(s/b) = −s/b² · db = −(s/b)/b · db.
Tensor operator/(float s, const Tensor& b) {
  Tensor y = map_values(b, [s](float v) { return s / v; });
  if (needs_grad(b))
    record({"RdivBackward", "y = s / b: db = -g * y / b"}, y, {b},
           Backward{.differentiable = [b = SavedTensor(b), y = SavedTensor::output(y)](
                                          const Tensor& g) { return grads(-g * y.get() / b.get()); }},
           {b, y});
  return y;
}
Tensor operator-(const Tensor& a) { return neg(a); }

// --- maximum, minimum, pow, where ----------------------------------------------

// The larger of a and b; where they tie, each gets half the gradient, and
// where either is NaN both get all of it (PyTorch: g, halved at ties, zeroed
// where the input lost).
Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor y = zip_values(a, b, "maximum", [](float u, float v) { return std::isnan(u) || u > v ? u : v; });
  if (needs_grad(a, b))
    record({"MaximumBackward", "y = max(a, b): the larger input gets g (ties: half each)"}, y, {a, b},
           Backward{.differentiable =  // the masks are constants
                    [a = a.detach(), b = b.detach()](const Tensor& g) {
                      Tensor tie = (a == b) * 0.5f;
                      return grads(g * (1.0f - (a < b) - tie), g * (1.0f - (a > b) - tie));
                    }},
           {a, b});
  return y;
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor y = zip_values(a, b, "minimum", [](float u, float v) { return std::isnan(u) || u < v ? u : v; });
  if (needs_grad(a, b))
    record({"MinimumBackward", "y = min(a, b): the smaller input gets g (ties: half each)"}, y, {a, b},
           Backward{.differentiable =  // the masks are constants
                    [a = a.detach(), b = b.detach()](const Tensor& g) {
                      Tensor tie = (a == b) * 0.5f;
                      return grads(g * (1.0f - (a > b) - tie), g * (1.0f - (a < b) - tie));
                    }},
           {a, b});
  return y;
}

// d(aᵇ) = b·aᵇ⁻¹·da + aᵇ·ln a·db; the da term is 0 where b = 0, the db term is 0
// where a = 0 and b >= 0 (PyTorch).
Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor y = zip_values(a, b, "pow", [](float u, float v) { return std::pow(u, v); });
  if (needs_grad(a, b))
    record(
        {"PowBackward", "y = x^p: dx = g * p * x^(p-1)"}, y, {a, b},
        Backward{.differentiable =
                     [a = SavedTensor(a), b = SavedTensor(b), y = SavedTensor::output(y)](const Tensor& g) {
                       Tensor av = a.get(), bv = b.get();
                       Tensor ga = where(bv == 0.0f, 0.0f, g * bv * pow(av, bv - 1.0f));
                       Tensor gb = where((av == 0.0f) * (bv >= 0.0f), 0.0f, g * y.get() * log(av));
                       return grads(ga, gb);
                     }},
        {a, b, y});
  return y;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  // Broadcast the three to one shape, then pick element by element.
  Tensor c = cond.shape() == shape ? cond : expand(cond.detach(), shape);
  Tensor ea = a.shape() == shape ? a.detach() : expand(a.detach(), shape);
  Tensor eb = b.shape() == shape ? b.detach() : expand(b.detach(), shape);
  Tensor y = Tensor::empty(shape);
  const float *pc = c.data(), *pa = ea.data(), *pb = eb.data();
  float* py = y.data();
  kernels::parallel_for(y.numel(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) py[i] = pc[i] != 0.0f ? pa[i] : pb[i];
  });
  if (needs_grad(a, b))
    record({"WhereBackward", "y = c ? a : b: da = g where c, db = g elsewhere"}, y, {a, b},
           Backward{.differentiable =
                        [c = c.detach()](const Tensor& g) {
                          Tensor take_a = c != 0.0f;
                          return grads(g * take_a, g * (1.0f - take_a));
                        }},
           {c});
  return y;
}
Tensor where(const Tensor& cond, const Tensor& a, float b) { return where(cond, a, scalar_tensor(b)); }
Tensor where(const Tensor& cond, float a, const Tensor& b) { return where(cond, scalar_tensor(a), b); }

// --- comparisons: 0/1 tensors, outside autograd --------------------------------

#define EMBER_COMPARISON(OP, NAME)                                                              \
  Tensor operator OP(const Tensor& a, const Tensor& b) {                                        \
    return zip_values(a, b, NAME, [](float u, float v) { return static_cast<float>(u OP v); }); \
  }                                                                                             \
  Tensor operator OP(const Tensor& a, float s) {                                                \
    return map_values(a, [s](float u) { return static_cast<float>(u OP s); });                  \
  }
EMBER_COMPARISON(>, "gt")
EMBER_COMPARISON(<, "lt")
EMBER_COMPARISON(>=, "ge")
EMBER_COMPARISON(<=, "le")
EMBER_COMPARISON(==, "eq")
EMBER_COMPARISON(!=, "ne")
#undef EMBER_COMPARISON

}  // namespace ember
