// The loops behind activation_loops.h. Each is one pass over the data,
// parallel over chunks only when the array is large (parallel_for's grain).
#include "core/kernels/activation_loops.h"

#include <algorithm>
#include <cmath>

#include "core/kernels/parallel.h"

namespace ember::kernels {
namespace {

// y[i] = f(x[i]) and dx[i] = f(x[i], dy[i]) in parallel chunks. The pointers
// and f are copied into locals of the chunk: reached through the closure, they
// might alias the output, and the compiler would reload them after every
// store instead of vectorising (prelu with a shared slope ran 30x slower).
template <class F>
void map1(const float* x, float* y, int64_t n, F f) {
  parallel_for(n, [x, y, f](int64_t b, int64_t e) {
    const float* in = x;
    float* out = y;
    F op = f;
    for (int64_t i = b; i < e; ++i) out[i] = op(in[i]);
  });
}
template <class F>
void map2(const float* x, const float* dy, float* dx, int64_t n, F f) {
  parallel_for(n, [x, dy, dx, f](int64_t b, int64_t e) {
    const float *in = x, *grad = dy;
    float* out = dx;
    F op = f;
    for (int64_t i = b; i < e; ++i) out[i] = op(in[i], grad[i]);
  });
}

float sigmoid(float v) {
  if (v >= 0) return 1.0f / (1.0f + std::exp(-v));
  float e = std::exp(v);
  return e / (1.0f + e);
}

}  // namespace

void relu_forward(const float* x, float* y, int64_t n) {
  map1(x, y, n, [](float v) { return v < 0.0f ? 0.0f : v; });
}

void relu_backward(const float* y, const float* dy, float* dx, int64_t n) {
  map2(y, dy, dx, n, [](float v, float g) { return v <= 0.0f ? 0.0f : g; });
}

void leaky_relu_backward(const float* v, const float* dy, float* dx, int64_t n, float slope) {
  map2(v, dy, dx, n, [slope](float u, float g) { return u > 0.0f ? g : g * slope; });
}

void hardtanh_backward(const float* x, const float* dy, float* dx, int64_t n, float lo, float hi) {
  map2(x, dy, dx, n, [lo, hi](float v, float g) { return v <= lo || v >= hi ? 0.0f : g; });
}

void hardtanh_forward(const float* x, float* y, int64_t n, float lo, float hi) {
  map1(x, y, n, [=](float v) { return v < lo ? lo : v > hi ? hi : v; });
}

void hardsigmoid_forward(const float* x, float* y, int64_t n) {
  // Selects rather than fmin/fmax, which gcc does not vectorise; NaN fails
  // both comparisons and stays NaN.
  map1(x, y, n, [](float v) {
    float t = v + 3.0f;
    t = t < 0.0f ? 0.0f : t;
    return (t > 6.0f ? 6.0f : t) / 6.0f;
  });
}

void hardsigmoid_backward(const float* x, const float* dy, float* dx, int64_t n) {
  map2(x, dy, dx, n, [](float v, float g) { return v > -3.0f && v < 3.0f ? g / 6.0f : 0.0f; });
}

void hardswish_backward(const float* x, const float* dy, float* dx, int64_t n) {
  map2(x, dy, dx, n, [](float v, float g) {
    if (std::isnan(v)) return v;
    return v < -3.0f ? 0.0f : v < 3.0f ? g * (v / 3.0f + 0.5f) : g;
  });
}

void softplus_finish(const float* x, float* y, int64_t n, float beta, float threshold) {
  parallel_for(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float z = x[i] * beta;
      y[i] = z > threshold ? x[i] : z < -5.0f ? std::log1p(std::exp(z)) / beta : y[i] / beta;
    }
  });
}

void logsigmoid_finish(const float* x, float* y, int64_t n) {
  parallel_for(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      if (x[i] > 5.0f) y[i] = -std::log1p(std::exp(-x[i]));
  });
}

void softplus_backward_finish(const float* x, const float* dy, float* dx, int64_t n, float beta,
                              float threshold) {
  parallel_for(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      if (x[i] * beta > threshold) dx[i] = dy[i];
  });
}

void hardshrink_forward(const float* x, float* y, int64_t n, float lambd) {
  map1(x, y, n, [=](float v) { return v >= -lambd && v <= lambd ? 0.0f : v; });
}

void softshrink_forward(const float* x, float* y, int64_t n, float lambd) {
  // v − v is 0 for finite v and NaN for NaN, without a branch that stops vectorising.
  map1(x, y, n, [=](float v) { return v > lambd ? v - lambd : v < -lambd ? v + lambd : v - v; });
}

void shrink_backward(const float* x, const float* dy, float* dx, int64_t n, float lambd) {
  map2(x, dy, dx, n, [=](float v, float g) { return v >= -lambd && v <= lambd ? 0.0f : g; });
}

void threshold_forward(const float* x, float* y, int64_t n, float threshold, float value) {
  map1(x, y, n, [=](float v) { return v <= threshold ? value : v; });
}

void threshold_backward(const float* x, const float* dy, float* dx, int64_t n, float threshold) {
  map2(x, dy, dx, n, [=](float v, float g) { return v <= threshold ? 0.0f : g; });
}

void softsign_forward(const float* x, float* y, int64_t n) {
  map1(x, y, n, [](float v) { return v / (1.0f + std::fabs(v)); });
}

void softsign_backward(const float* x, const float* dy, float* dx, int64_t n) {
  map2(x, dy, dx, n, [](float v, float g) {
    float d = 1.0f + std::fabs(v);
    return g / (d * d);
  });
}

void tanhshrink_finish(const float* x, float* t, int64_t n) {
  map2(x, t, t, n, [](float v, float tv) { return v - tv; });
}

void tanhshrink_backward_finish(const float* dy, float* t, int64_t n) {
  map2(dy, t, t, n, [](float g, float tv) { return g * tv * tv; });
}

void glu_forward(const float* x, float* y, int64_t outer, int64_t half, int64_t inner) {
  int64_t block = half * inner;  // elements of one half in one outer slice
  parallel_for(outer * block, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      int64_t o = i / block, r = i % block;
      const float* a = x + o * 2 * block;
      y[i] = a[r] * sigmoid(a[block + r]);
    }
  });
}

void glu_backward(const float* x, const float* dy, float* dx, int64_t outer, int64_t half, int64_t inner) {
  int64_t block = half * inner;
  parallel_for(outer * block, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      int64_t o = i / block, r = i % block;
      const float* a = x + o * 2 * block;
      float* da = dx + o * 2 * block;
      float s = sigmoid(a[block + r]);
      da[r] = dy[i] * s;
      da[block + r] = dy[i] * a[r] * s * (1.0f - s);
    }
  });
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
  map1(x, y, n, [w](float v) { return v > 0.0f ? v : w * v; });
}

double prelu_shared_backward(const float* x, const float* dy, float* dx, int64_t n, float w) {
  map2(x, dy, dx, n, [w](float v, float g) { return v > 0.0f ? g : w * g; });
  // ∂/∂w = Σ x·dy over x <= 0, i.e. Σ min(x, 0)·dy (NaN stays NaN). Sixteen independent float partial sums
  // per block (which the compiler keeps in vector registers; one double sum would be a serial chain of adds),
  // flushed into a double every block for accuracy.
  constexpr int64_t kLanes = 16, kBlock = 4096;
  double total = 0;
  for (int64_t start = 0; start < n; start += kBlock) {
    int64_t end = std::min(n, start + kBlock), i = start;
    float partial[kLanes] = {};
    for (; i + kLanes <= end; i += kLanes)
      for (int64_t j = 0; j < kLanes; ++j) partial[j] += std::min(x[i + j], 0.0f) * dy[i + j];
    for (; i < end; ++i) total += std::min(x[i], 0.0f) * dy[i];
    for (float p : partial) total += p;
  }
  return total;
}

void swish_forward(const float* x, float* y, int64_t n, float beta) {
  parallel_for(n, [x, y, beta](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = x[i] * sigmoid(beta * x[i]);
  });
}

void swish_backward(const float* x, const float* dy, float* dx, int64_t n, float beta) {
  parallel_for(n, [x, dy, dx, beta](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float s = sigmoid(beta * x[i]);
      dx[i] = dy[i] * s * (1.0f + beta * x[i] * (1.0f - s));
    }
  });
}

double swish_beta_grad(const float* x, const float* dy, int64_t n, float beta) {
  double total = 0;
#pragma omp parallel for reduction(+ : total) if (n >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    float s = sigmoid(beta * x[i]);
    total += static_cast<double>(dy[i]) * x[i] * x[i] * s * (1.0f - s);
  }
  return total;
}

}  // namespace ember::kernels
