// Linear kernels on oneDNN's matmul primitive. oneDNN picks its JIT kernel for
// the CPU at run time (AVX2, AVX-512), where Eigen is limited to what ember was
// compiled for; at the MLP's shapes this measured 4–7× faster than Eigen on
// an AVX-512 machine (bench/compare_pytorch.py, linear_fwdbwd/*). The
// transposes are free: a matmul reads its operands through strides, so wᵀ and
// dyᵀ are just descriptors with swapped strides over the same buffers.
#include "core/kernels/linear.h"

#include <algorithm>

#include <Eigen/Core>

#include "core/kernels/dnnl_context_detail.hpp"

namespace ember::kernels {
namespace {

using namespace dnnl_detail;
using dims = dnnl::memory::dims;

enum Kind { kForward = 21, kForwardBias = 22, kBackwardData = 23, kBackwardWeights = 24 };

// A [rows, cols] matrix stored row-major (transposed = false) or stored as the
// row-major [cols, rows] matrix it is the transpose of.
dnnl::memory::desc matrix(int64_t rows, int64_t cols, bool transposed = false) {
  return dnnl::memory::desc(dims{rows, cols}, dnnl::memory::data_type::f32,
                            transposed ? dims{1, rows} : dims{cols, 1});
}

// C[m, n] = A[m, k] · B[k, n] (+ bias[n]), each operand possibly a transposed view.
void matmul(int kind, const float* a, bool a_t, const float* b, bool b_t, const float* bias, float* c,
            int64_t m, int64_t k, int64_t n) {
  PrimitiveKey key{kind, 0, 0, 0, 0, {m, k, n}};
  CachedPrimitive& p = cached(key, [&] {
    auto a_md = matrix(m, k, a_t), b_md = matrix(k, n, b_t), c_md = matrix(m, n);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, unbound(a_md)}, {DNNL_ARG_WEIGHTS, unbound(b_md)}, {DNNL_ARG_DST, unbound(c_md)}};
    if (bias) {
      auto bias_md = matrix(1, n);
      args.emplace(DNNL_ARG_BIAS, unbound(bias_md));
      return CachedPrimitive{dnnl::matmul({dnnl::matmul::desc(a_md, b_md, bias_md, c_md), engine()}), args};
    }
    return CachedPrimitive{dnnl::matmul({dnnl::matmul::desc(a_md, b_md, c_md), engine()}), args};
  });
  if (bias)
    execute(p, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, c}});
  else
    execute(p, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
}

}  // namespace

void linear_forward(const float* x, const float* w, const float* b, float* y, int64_t n, int64_t in,
                    int64_t out) {
  if (n == 0 || out == 0) return;
  if (in == 0) {  // an empty sum: only the bias is left
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < out; ++j) y[i * out + j] = b ? b[j] : 0.0f;
    return;
  }
  matmul(b ? kForwardBias : kForward, x, false, w, true, b, y, n, in, out);  // y = x · wᵀ + b
}

void linear_backward(const float* dy, const float* x, const float* w, float* dx, float* dw, float* db,
                     int64_t n, int64_t in, int64_t out) {
  bool empty = n == 0 || in == 0 || out == 0;
  if (dx && empty) std::fill_n(dx, n * in, 0.0f);
  if (dw && empty) std::fill_n(dw, out * in, 0.0f);
  if (dx && !empty) matmul(kBackwardData, dy, false, w, false, nullptr, dx, n, out, in);    // dx = dy · w
  if (dw && !empty) matmul(kBackwardWeights, dy, true, x, false, nullptr, dw, out, n, in);  // dw = dyᵀ · x
  if (db) {
    Eigen::Map<Eigen::RowVectorXf> bias_grad(db, out);
    if (n == 0)
      bias_grad.setZero();
    else
      bias_grad =
          Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(dy, n, out)
              .colwise()
              .sum();  // db = Σ_n dy
  }
}

}  // namespace ember::kernels
