// softmax_v2 forward (softmax_accurate: subtracts the max, so ±1000 is fine;
// softmax_log for log_softmax) and backward, which reads only the output.
#include "core/kernels/softmax.h"

#include <cmath>

#include "core/kernels/dnnl_context_detail.hpp"

namespace ember::kernels {
namespace {

using namespace dnnl_detail;
using dnnl::algorithm;

dnnl::softmax_v2_forward::primitive_desc forward_pd(algorithm alg, const dnnl::memory::desc& md) {
  dnnl::softmax_v2_forward::desc d(dnnl::prop_kind::forward_training, alg, md, md, 1);
  return dnnl::softmax_v2_forward::primitive_desc(d, engine());
}

}  // namespace

void softmax_forward(bool log, const float* src, float* dst, int64_t outer, int64_t size, int64_t inner) {
  if (outer * size * inner <= 0) return;
  if (size == 1) {  // one element per softmax: exactly 1 (log: 0), where oneDNN's log gives 1.4e-6
    for (int64_t i = 0, n = outer * inner; i < n; ++i) {
      float z = src[i] - src[i];  // 0, or NaN for NaN and ±inf, as PyTorch's x - max(x)
      dst[i] = log ? z : std::exp(z);
    }
    return;
  }
  algorithm a = log ? algorithm::softmax_log : algorithm::softmax_accurate;
  PrimitiveKey key{PrimitiveKind::softmax_forward, static_cast<int>(a), 0, 0, 1, {outer, size, inner}};
  CachedPrimitive& p = cached(key, [&] {
    auto md = plain_desc({outer, size, inner});
    return CachedPrimitive{dnnl::softmax_v2_forward(forward_pd(a, md)),
                           {{DNNL_ARG_SRC, unbound(md)}, {DNNL_ARG_DST, unbound(md)}}};
  });
  execute(p, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
}

void softmax_backward(bool log, const float* dst, const float* diff_dst, float* diff_src, int64_t outer,
                      int64_t size, int64_t inner) {
  if (outer * size * inner <= 0) return;
  algorithm a = log ? algorithm::softmax_log : algorithm::softmax_accurate;
  PrimitiveKey key{PrimitiveKind::softmax_backward, static_cast<int>(a), 0, 0, 1, {outer, size, inner}};
  CachedPrimitive& p = cached(key, [&] {
    auto md = plain_desc({outer, size, inner});
    dnnl::softmax_v2_backward::desc d(a, md, md, md, 1);
    dnnl::softmax_v2_backward::primitive_desc pd(d, engine(), forward_pd(a, md));
    return CachedPrimitive{
        dnnl::softmax_v2_backward(pd),
        {{DNNL_ARG_DST, unbound(md)}, {DNNL_ARG_DIFF_DST, unbound(md)}, {DNNL_ARG_DIFF_SRC, unbound(md)}}};
  });
  execute(p, {{DNNL_ARG_DST, dst}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_src}});
}

}  // namespace ember::kernels
