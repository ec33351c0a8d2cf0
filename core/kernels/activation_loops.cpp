// The loops behind activation_loops.h. Each is one pass over the data,
// parallel over chunks only when the array is large (parallel_for's grain).
#include "core/kernels/activation_loops.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "core/kernels/elementwise.h"
#include "core/kernels/parallel.h"

namespace ember::kernels {
namespace {

// Σ term(i) over [0, n): sixteen independent float partial sums per block
// (the compiler keeps them in vector registers; one double sum would be a
// serial chain of adds), flushed into a double every block for accuracy.
template <class Term>
double blocked_sum(int64_t n, Term term) {
  constexpr int64_t kLanes = 16, kBlock = 4096;
  double total = 0;
  for (int64_t start = 0; start < n; start += kBlock) {
    int64_t end = std::min(n, start + kBlock), i = start;
    float partial[kLanes] = {};
    for (; i + kLanes <= end; i += kLanes)
      for (int64_t j = 0; j < kLanes; ++j) partial[j] += term(i + j);
    for (; i < end; ++i) total += term(i);
    for (float p : partial) total += p;
  }
  return total;
}

// log1p(u) for 0 <= u <= e⁻⁵ from four terms of its series (error < u⁵/5).
inline float log1p_small(float u) { return u * (1.0f - u * (0.5f - u * (1.0f / 3.0f - u * 0.25f))); }

// y[i] = f(x[i]) over chunks, and whether any element satisfied `flag`.
template <class F, class Flag>
bool map_flagged(const float* x, float* y, int64_t n, F f, Flag flag) {
  std::atomic<bool> any{false};
  parallel_for(n, [x, y, f, flag, &any](int64_t b, int64_t e) {
    const float* in = x;
    float* out = y;
    F op = f;
    int found = 0;
    for (int64_t i = b; i < e; ++i) {
      out[i] = op(in[i], out[i]);
      found |= flag(in[i]);
    }
    if (found) any.store(true, std::memory_order_relaxed);
  });
  return any.load();
}

}  // namespace

void relu_forward(const float* x, float* y, int64_t n) {
  map_unary(x, y, n, [](float v) { return v < 0.0f ? 0.0f : v; });
}

void relu_backward(const float* y, const float* dy, float* dx, int64_t n) {
  map_binary(y, dy, dx, n, [](float v, float g) { return v <= 0.0f ? 0.0f : g; });
}

void leaky_relu_backward(const float* v, const float* dy, float* dx, int64_t n, float slope) {
  map_binary(v, dy, dx, n, [slope](float u, float g) { return u > 0.0f ? g : g * slope; });
}

void hardtanh_backward(const float* x, const float* dy, float* dx, int64_t n, float lo, float hi) {
  map_binary(x, dy, dx, n, [lo, hi](float v, float g) { return v <= lo || v >= hi ? 0.0f : g; });
}

void hardtanh_forward(const float* x, float* y, int64_t n, float lo, float hi) {
  map_unary(x, y, n, [=](float v) { return v < lo ? lo : v > hi ? hi : v; });
}

void hardsigmoid_forward(const float* x, float* y, int64_t n) {
  // Selects rather than fmin/fmax, which gcc does not vectorise; NaN fails
  // both comparisons and stays NaN.
  map_unary(x, y, n, [](float v) {
    float t = v + 3.0f;
    t = t < 0.0f ? 0.0f : t;
    return (t > 6.0f ? 6.0f : t) / 6.0f;
  });
}

void hardsigmoid_backward(const float* x, const float* dy, float* dx, int64_t n) {
  map_binary(x, dy, dx, n, [](float v, float g) { return v > -3.0f && v < 3.0f ? g / 6.0f : 0.0f; });
}

void hardsigmoid_forward(const float* x, float* y, int64_t n, float bias, float divisor, float lo, float hi) {
  map_unary(x, y, n, [=](float v) {
    float t = (v + bias) / divisor;
    t = t < lo ? lo : t;
    return t > hi ? hi : t;
  });
}

void hardsigmoid_backward_from_output(const float* y, const float* dy, float* dx, int64_t n, float divisor,
                                      float lo, float hi) {
  map_binary(y, dy, dx, n, [=](float v, float g) { return lo < v && v < hi ? g / divisor : 0.0f; });
}

void elu_backward_from_output(const float* y, const float* dy, float* dx, int64_t n, float alpha, float scale,
                              float input_scale) {
  const float neg = scale * alpha;
  map_binary(y, dy, dx, n,
             [=](float v, float g) { return v <= 0.0f ? g * input_scale * (v + neg) : g * scale; });
}

void hardswish_backward(const float* x, const float* dy, float* dx, int64_t n) {
  map_binary(x, dy, dx, n, [](float v, float g) {
    if (std::isnan(v)) return v;
    return v < -3.0f ? 0.0f : v < 3.0f ? g * (v / 3.0f + 0.5f) : g;
  });
}

bool softplus_finish(const float* x, float* y, int64_t n, float beta, float threshold) {
  // × 1/β rather than / β: a division per element was most of this loop's
  // time; exact for β = 1, within an ulp otherwise.
  float inv_beta = 1.0f / beta;
  return map_flagged(
      x, y, n, [=](float v, float sp) { return v * beta > threshold ? v : sp * inv_beta; },
      [=](float v) { return v * beta < -5.0f; });
}

void softplus_tail(const float* x, const float* u, float* y, int64_t n, float beta) {
  float inv_beta = 1.0f / beta;
  map_update(x, u, y, n,
             [=](float v, float e, float sp) { return v * beta < -5.0f ? log1p_small(e) * inv_beta : sp; });
}

bool logsigmoid_needs_tail(const float* x, int64_t n) {
  int found = 0;
  for (int64_t i = 0; i < n; ++i) found |= x[i] > 5.0f;
  return found;
}

void logsigmoid_tail(const float* x, const float* u, float* y, int64_t n) {
  map_update(x, u, y, n, [](float v, float e, float ls) { return v > 5.0f ? -log1p_small(e) : ls; });
}

void softplus_backward_finish(const float* x, const float* dy, float* dx, int64_t n, float beta,
                              float threshold) {
  map_update(x, dy, dx, n, [=](float v, float g, float d) { return v * beta > threshold ? g : d; });
}

void hardshrink_forward(const float* x, float* y, int64_t n, float lambd) {
  map_unary(x, y, n, [=](float v) { return v >= -lambd && v <= lambd ? 0.0f : v; });
}

void softshrink_forward(const float* x, float* y, int64_t n, float lambd) {
  // v − v is 0 for finite v and NaN for NaN, without a branch that stops vectorising.
  map_unary(x, y, n, [=](float v) { return v > lambd ? v - lambd : v < -lambd ? v + lambd : v - v; });
}

void shrink_backward(const float* x, const float* dy, float* dx, int64_t n, float lambd) {
  map_binary(x, dy, dx, n, [=](float v, float g) { return v >= -lambd && v <= lambd ? 0.0f : g; });
}

void threshold_forward(const float* x, float* y, int64_t n, float threshold, float value) {
  map_unary(x, y, n, [=](float v) { return v <= threshold ? value : v; });
}

void threshold_backward(const float* x, const float* dy, float* dx, int64_t n, float threshold) {
  map_binary(x, dy, dx, n, [=](float v, float g) { return v <= threshold ? 0.0f : g; });
}

void softsign_forward(const float* x, float* y, int64_t n) {
  map_unary(x, y, n, [](float v) { return v / (1.0f + std::fabs(v)); });
}

void softsign_backward(const float* x, const float* dy, float* dx, int64_t n) {
  map_binary(x, dy, dx, n, [](float v, float g) {
    float d = 1.0f + std::fabs(v);
    return g / (d * d);
  });
}

void tanhshrink_finish(const float* x, float* t, int64_t n) {
  map_binary(x, t, t, n, [](float v, float tv) { return v - tv; });
}

void tanhshrink_backward_finish(const float* dy, float* t, int64_t n) {
  map_binary(dy, t, t, n, [](float g, float tv) { return g * tv * tv; });
}

// One outer slice at a time: its a, b and y blocks are contiguous, so the
// inner loop vectorises.
void glu_forward(const float* x, const float* s, float* y, int64_t outer, int64_t half, int64_t inner) {
  int64_t block = half * inner;  // elements of one half in one outer slice
  parallel_for(
      outer,
      [=](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          const float* a = x + o * 2 * block;
          const float* gate = s + o * 2 * block + block;
          float* out = y + o * block;
          for (int64_t r = 0; r < block; ++r) out[r] = a[r] * gate[r];
        }
      },
      std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(block, 1)));
}

void glu_backward(const float* x, const float* s, const float* dy, float* dx, int64_t outer, int64_t half,
                  int64_t inner) {
  int64_t block = half * inner;
  parallel_for(
      outer,
      [=](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          const float* a = x + o * 2 * block;
          const float* gate = s + o * 2 * block + block;
          const float* g = dy + o * block;
          float* da = dx + o * 2 * block;
          float* db = da + block;
          for (int64_t r = 0; r < block; ++r) {
            da[r] = g[r] * gate[r];
            db[r] = g[r] * a[r] * gate[r] * (1.0f - gate[r]);
          }
        }
      },
      std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(block, 1)));
}

void rrelu_forward(const float* x, float* slopes, float* y, int64_t n) {
  parallel_for(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (!(x[i] <= 0.0f)) slopes[i] = 1.0f;  // positive (or NaN): passes unchanged
      y[i] = x[i] * slopes[i];
    }
  });
}

void prelu_shared_forward(const float* x, float* y, int64_t n, float w) {
  map_unary(x, y, n, [w](float v) { return v > 0.0f ? v : w * v; });
}

double prelu_shared_backward(const float* x, const float* dy, float* dx, int64_t n, float w) {
  map_binary(x, dy, dx, n, [w](float v, float g) { return v > 0.0f ? g : w * g; });
  // ∂/∂w = Σ x·dy over x <= 0, i.e. Σ min(x, 0)·dy (NaN stays NaN).
  return blocked_sum(n, [=](int64_t i) { return std::min(x[i], 0.0f) * dy[i]; });
}

void swish_forward(const float* x, const float* s, float* y, int64_t n) {
  map_binary(x, s, y, n, [](float v, float sv) { return v * sv; });
}

void swish_backward(const float* x, const float* s, const float* dy, float* dx, int64_t n, float beta) {
  parallel_for(n, [x, s, dy, dx, beta](int64_t b, int64_t e) {
    const float *in = x, *sig = s, *grad = dy;  // locals: see core/kernels/elementwise.h
    float* out = dx;
    for (int64_t i = b; i < e; ++i) out[i] = grad[i] * sig[i] * (1.0f + beta * in[i] * (1.0f - sig[i]));
  });
}

double swish_beta_grad(const float* x, const float* s, const float* dy, int64_t n) {
  return blocked_sum(n, [=](int64_t i) { return dy[i] * x[i] * x[i] * s[i] * (1.0f - s[i]); });
}

}  // namespace ember::kernels
