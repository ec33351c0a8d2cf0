// The transposes are free: a matmul reads its operands through strides, so Aᵀ
// is a descriptor with swapped strides over the same buffer.
#include "core/kernels/gemm.h"

#include <algorithm>

#include "core/kernels/dnnl_context_detail.hpp"

namespace ember::kernels {
namespace {

using namespace dnnl_detail;
using dims = dnnl::memory::dims;

enum Kind { kGemm = 21 };

// A [rows, cols] matrix stored row-major, or stored as the row-major
// [cols, rows] matrix it is the transpose of.
dnnl::memory::desc matrix(int64_t rows, int64_t cols, bool transposed = false) {
  return dnnl::memory::desc(dims{rows, cols}, dnnl::memory::data_type::f32,
                            transposed ? dims{1, rows} : dims{cols, 1});
}

}  // namespace

void gemm(const float* a, bool a_t, const float* b, bool b_t, const float* bias, float* c, int64_t m,
          int64_t k, int64_t n) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: only the bias is left
    for (int64_t i = 0; i < m; ++i) std::fill_n(c + i * n, n, 0.0f);
    if (bias)
      for (int64_t i = 0; i < m; ++i) std::copy_n(bias, n, c + i * n);
    return;
  }
  // The layout flags and the bias are part of what the primitive is.
  int layout = (a_t ? 1 : 0) | (b_t ? 2 : 0) | (bias ? 4 : 0);
  PrimitiveKey key{kGemm, layout, 0, 0, 0, {m, k, n}};
  CachedPrimitive& p = cached(key, [&] {
    auto a_md = matrix(m, k, a_t), b_md = matrix(k, n, b_t), c_md = matrix(m, n);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, unbound(a_md)}, {DNNL_ARG_WEIGHTS, unbound(b_md)}, {DNNL_ARG_DST, unbound(c_md)}};
    if (!bias) return CachedPrimitive{dnnl::matmul({dnnl::matmul::desc(a_md, b_md, c_md), engine()}), args};
    auto bias_md = matrix(1, n);
    args.emplace(DNNL_ARG_BIAS, unbound(bias_md));
    return CachedPrimitive{dnnl::matmul({dnnl::matmul::desc(a_md, b_md, bias_md, c_md), engine()}), args};
  });
  if (bias)
    execute(p, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, c}});
  else
    execute(p, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
}

}  // namespace ember::kernels
