// The elementwise loops over raw float pointers, every one ember has: one
// input, two, an update in place, and two inputs with NumPy broadcasting. They
// know nothing of autograd; core/elementwise.h wraps them for tensors, and the
// activation kernels (activation_loops.cpp) call them directly.
//
// Each chunk copies the pointers and the function into locals: reached through
// the closure they might alias the output, and the compiler would reload them
// after every store instead of vectorising (prelu with a shared slope ran 30x
// slower before this).
#pragma once

#include <cstdint>
#include <vector>

#include "core/kernels/parallel.h"
#include "core/shape.h"

namespace ember::kernels {

/// y[i] = f(x[i]); y may be x.
template <class F>
void map_unary(const float* x, float* y, int64_t n, F f) {
  parallel_for(n, [x, y, f](int64_t begin, int64_t end) {
    const float* in = x;
    float* out = y;
    F op = f;
    for (int64_t i = begin; i < end; ++i) out[i] = op(in[i]);
  });
}

/// out[i] = f(a[i], b[i]) (a forward of two inputs, or dx = f(x, dy)); out may be a or b.
template <class F>
void map_binary(const float* a, const float* b, float* out, int64_t n, F f) {
  parallel_for(n, [a, b, out, f](int64_t begin, int64_t end) {
    const float *in1 = a, *in2 = b;
    float* o = out;
    F op = f;
    for (int64_t i = begin; i < end; ++i) o[i] = op(in1[i], in2[i]);
  });
}

/// io[i] = f(a[i], b[i], io[i]): a two-input update of io.
template <class F>
void map_update(const float* a, const float* b, float* io, int64_t n, F f) {
  parallel_for(n, [a, b, io, f](int64_t begin, int64_t end) {
    const float *in1 = a, *in2 = b;
    float* o = io;
    F op = f;
    for (int64_t i = begin; i < end; ++i) o[i] = op(in1[i], in2[i], o[i]);
  });
}

/// Strides of `in` as seen from `out`'s index space: 0 along broadcast dims.
inline std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  std::vector<int64_t> own = contiguous_strides(in);
  size_t offset = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) strides[offset + i] = in[i] == 1 ? 0 : own[i];
  return strides;
}

/// out = op(a, b) with a and b broadcast to out_shape.
template <class Op>
void binary_loop(const float* a, const Shape& a_shape, const float* b, const Shape& b_shape, float* out,
                 const Shape& out_shape, Op op) {
  int64_t n = numel_of(out_shape);
  if (a_shape == out_shape && b_shape == out_shape) return map_binary(a, b, out, n, op);  // no broadcasting
  if (n == 0) return;
  if (numel_of(b_shape) == 1 && a_shape == out_shape) {  // tensor op scalar
    const float bv = b[0];
    return map_unary(a, out, n, [op, bv](float u) { return op(u, bv); });
  }
  // General case: walk the output row by row (rows of its last dim); each row
  // starts at an offset in a and b found from the row's multi-index.
  std::vector<int64_t> sa = broadcast_strides(a_shape, out_shape), sb = broadcast_strides(b_shape, out_shape);
  int64_t rank = static_cast<int64_t>(out_shape.size());
  int64_t inner = rank ? out_shape.back() : 1, rows = n / inner;
  int64_t ia = rank ? sa.back() : 0, ib = rank ? sb.back() : 0;
  parallel_for(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          int64_t oa = 0, ob = 0, rest = r;
          for (int64_t d = rank - 2; d >= 0; --d) {
            int64_t idx = rest % out_shape[d];
            rest /= out_shape[d];
            oa += idx * sa[d];
            ob += idx * sb[d];
          }
          float* o = out + r * inner;
          for (int64_t j = 0; j < inner; ++j) o[j] = op(a[oa + j * ia], b[ob + j * ib]);
        }
      },
      std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1)));
}

}  // namespace ember::kernels
