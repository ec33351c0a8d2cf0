// The normalisation loops (see normalization.h for the formulas). Work is
// split over channels (batch norm) or rows (layer norm) with parallel_for, so
// each thread owns whole sums and no reduction crosses threads.
#include "core/kernels/normalization.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/kernels/parallel.h"

namespace ember::kernels {
namespace {

// Splits channels (or columns) over threads when each holds `per` values: about
// kParallelGrain values per chunk.
template <class Body>
void over_channels(int64_t channels, int64_t per, Body&& body) {
  parallel_for(channels, body, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, per)));
}

}  // namespace

void batch_norm_stats(const float* x, float* mean, float* var, int64_t n, int64_t c, int64_t l) {
  const int64_t m = n * l;
  over_channels(c, m, [=](int64_t begin, int64_t end) {
    std::vector<double> sums(end - begin, 0.0), squares(end - begin, 0.0);
    double* s = sums.data() - begin;  // indexed by channel
    double* q = squares.data() - begin;
    if (l == 1) {  // [N, C]: walk the rows, one channel per SIMD lane
      for (int64_t i = 0; i < n; ++i) {
        const float* row = x + i * c;
#pragma omp simd
        for (int64_t ch = begin; ch < end; ++ch) s[ch] += row[ch];
      }
      for (int64_t ch = begin; ch < end; ++ch) s[ch] /= static_cast<double>(m);
      for (int64_t i = 0; i < n; ++i) {
        const float* row = x + i * c;
#pragma omp simd
        for (int64_t ch = begin; ch < end; ++ch) q[ch] += (row[ch] - s[ch]) * (row[ch] - s[ch]);
      }
    } else {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t ch = begin; ch < end; ++ch) {
          const float* p = x + (i * c + ch) * l;
          double acc = 0;
#pragma omp simd reduction(+ : acc)
          for (int64_t k = 0; k < l; ++k) acc += p[k];
          s[ch] += acc;
        }
      for (int64_t ch = begin; ch < end; ++ch) s[ch] /= static_cast<double>(m);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t ch = begin; ch < end; ++ch) {
          const float* p = x + (i * c + ch) * l;
          const double mu = s[ch];
          double acc = 0;
#pragma omp simd reduction(+ : acc)
          for (int64_t k = 0; k < l; ++k) acc += (p[k] - mu) * (p[k] - mu);
          q[ch] += acc;
        }
    }
    for (int64_t ch = begin; ch < end; ++ch) {
      mean[ch] = static_cast<float>(s[ch]);
      var[ch] = static_cast<float>(q[ch] / static_cast<double>(m));
    }
  });
}

void batch_norm_forward(const float* x, const float* mean, const float* invstd, const float* weight,
                        const float* bias, float* y, int64_t n, int64_t c, int64_t l) {
  // y = x·scale + shift with scale = invstd·w, shift = b − mean·scale: one multiply-add per value.
  std::vector<float> scale(c), shift(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    scale[ch] = invstd[ch] * (weight ? weight[ch] : 1.0f);
    shift[ch] = (bias ? bias[ch] : 0.0f) - mean[ch] * scale[ch];
  }
  const float* sc = scale.data();
  const float* sh = shift.data();
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, c * l));
  parallel_for(
      n,
      [=](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const float* p = x + i * c * l;
          float* q = y + i * c * l;
          if (l == 1) {
#pragma omp simd
            for (int64_t ch = 0; ch < c; ++ch) q[ch] = p[ch] * sc[ch] + sh[ch];
            continue;
          }
          for (int64_t ch = 0; ch < c; ++ch)
#pragma omp simd
            for (int64_t k = 0; k < l; ++k) q[ch * l + k] = p[ch * l + k] * sc[ch] + sh[ch];
        }
      },
      grain);
}

void batch_norm_backward(const float* g, const float* x, const float* mean, const float* invstd,
                         const float* weight, float* dx, float* dw, float* db, int64_t n, int64_t c,
                         int64_t l, bool training) {
  const int64_t m = n * l;
  over_channels(c, m, [=](int64_t begin, int64_t end) {
    // Σ g and Σ g·x̂ per channel (indexed by channel), then dx from them.
    std::vector<double> sum_g(end - begin, 0.0), sum_gx(end - begin, 0.0);
    double* sg = sum_g.data() - begin;
    double* sgx = sum_gx.data() - begin;
    for (int64_t i = 0; i < n; ++i) {
      if (l == 1) {
        const float* gp = g + i * c;
        const float* xp = x + i * c;
#pragma omp simd
        for (int64_t ch = begin; ch < end; ++ch) {
          sg[ch] += gp[ch];
          sgx[ch] += gp[ch] * ((xp[ch] - mean[ch]) * invstd[ch]);
        }
        continue;
      }
      for (int64_t ch = begin; ch < end; ++ch) {
        const float* gp = g + (i * c + ch) * l;
        const float* xp = x + (i * c + ch) * l;
        const float mu = mean[ch], is = invstd[ch];
        double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
        for (int64_t k = 0; k < l; ++k) {
          a += gp[k];
          b += gp[k] * ((xp[k] - mu) * is);
        }
        sg[ch] += a;
        sgx[ch] += b;
      }
    }
    for (int64_t ch = begin; ch < end; ++ch) {
      if (db) db[ch] = static_cast<float>(sg[ch]);
      if (dw) dw[ch] = static_cast<float>(sgx[ch]);
    }
    if (!dx) return;
    // dx = k·(g − mean_g − x̂·mean_gx) in training, k·g in evaluation, k = invstd·w; per channel:
    // dx = k·g − (x − mean)·u + v with u = k·invstd·mean_gx, v = −k·mean_g (x − mean kept as a
    // difference: far from 0, x·u − mean·u would cancel).
    std::vector<float> ks(end - begin), us(end - begin), vs(end - begin);
    float* kk = ks.data() - begin;
    float* uu = us.data() - begin;
    float* vv = vs.data() - begin;
    for (int64_t ch = begin; ch < end; ++ch) {
      const double k = static_cast<double>(invstd[ch]) * (weight ? weight[ch] : 1.0f);
      const double mean_g = training ? sg[ch] / static_cast<double>(m) : 0.0;
      const double mean_gx = training ? sgx[ch] / static_cast<double>(m) : 0.0;
      kk[ch] = static_cast<float>(k);
      uu[ch] = static_cast<float>(k * invstd[ch] * mean_gx);
      vv[ch] = static_cast<float>(-k * mean_g);
    }
    for (int64_t i = 0; i < n; ++i) {
      if (l == 1) {
        const float* gp = g + i * c;
        const float* xp = x + i * c;
        float* dp = dx + i * c;
#pragma omp simd
        for (int64_t ch = begin; ch < end; ++ch)
          dp[ch] = kk[ch] * gp[ch] - (xp[ch] - mean[ch]) * uu[ch] + vv[ch];
        continue;
      }
      for (int64_t ch = begin; ch < end; ++ch) {
        const float* gp = g + (i * c + ch) * l;
        const float* xp = x + (i * c + ch) * l;
        float* dp = dx + (i * c + ch) * l;
        const float k = kk[ch], u = uu[ch], v = vv[ch], mu = mean[ch];
#pragma omp simd
        for (int64_t k2 = 0; k2 < l; ++k2) dp[k2] = k * gp[k2] - (xp[k2] - mu) * u + v;
      }
    }
  });
}

void layer_norm_forward(const float* x, const float* weight, const float* bias, float* y, float* mean,
                        float* rstd, int64_t rows, int64_t cols, float eps) {
  over_channels(rows, cols, [=](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* p = x + r * cols;
      float* q = y + r * cols;
      double s = 0, v = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t j = 0; j < cols; ++j) s += p[j];
      const double mu = s / static_cast<double>(cols);
#pragma omp simd reduction(+ : v)
      for (int64_t j = 0; j < cols; ++j) v += (p[j] - mu) * (p[j] - mu);
      const float m = static_cast<float>(mu);
      const float is = static_cast<float>(1.0 / std::sqrt(v / static_cast<double>(cols) + eps));
      mean[r] = m;
      rstd[r] = is;
      if (weight && bias) {
#pragma omp simd
        for (int64_t j = 0; j < cols; ++j) q[j] = (p[j] - m) * is * weight[j] + bias[j];
      } else {
        for (int64_t j = 0; j < cols; ++j)
          q[j] = (p[j] - m) * is * (weight ? weight[j] : 1.0f) + (bias ? bias[j] : 0.0f);
      }
    }
  });
}

void layer_norm_backward(const float* g, const float* x, const float* mean, const float* rstd,
                         const float* weight, float* dx, float* dw, float* db, int64_t rows, int64_t cols) {
  if (dx)
    over_channels(rows, cols, [=](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const float* gp = g + r * cols;
        const float* xp = x + r * cols;
        float* dp = dx + r * cols;
        const float mu = mean[r], is = rstd[r];
        double a = 0, b = 0;  // Σ ĝ and Σ ĝ·x̂
#pragma omp simd reduction(+ : a, b)
        for (int64_t j = 0; j < cols; ++j) {
          const float gh = gp[j] * (weight ? weight[j] : 1.0f);
          a += gh;
          b += gh * ((xp[j] - mu) * is);
        }
        const float mean_g = static_cast<float>(a / static_cast<double>(cols));
        const float mean_gx = static_cast<float>(b / static_cast<double>(cols));
#pragma omp simd
        for (int64_t j = 0; j < cols; ++j)
          dp[j] = is * (gp[j] * (weight ? weight[j] : 1.0f) - mean_g - (xp[j] - mu) * is * mean_gx);
      }
    });
  if (!dw && !db) return;
  over_channels(cols, rows, [=](int64_t begin, int64_t end) {
    std::vector<double> sw(end - begin, 0.0), sb(end - begin, 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      const float* gp = g + r * cols;
      const float* xp = x + r * cols;
      const float mu = mean[r], is = rstd[r];
#pragma omp simd
      for (int64_t j = begin; j < end; ++j) {
        sb[j - begin] += gp[j];
        sw[j - begin] += gp[j] * ((xp[j] - mu) * is);
      }
    }
    for (int64_t j = begin; j < end; ++j) {
      if (dw) dw[j] = static_cast<float>(sw[j - begin]);
      if (db) db[j] = static_cast<float>(sb[j - begin]);
    }
  });
}

}  // namespace ember::kernels
