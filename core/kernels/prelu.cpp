// The prelu primitive forward and backward (backward gives dx and the
// already-reduced dweight in one pass).
#include "core/kernels/prelu.h"

#include "core/kernels/dnnl_context_detail.hpp"

namespace ember::kernels {
namespace {

using namespace dnnl_detail;

dnnl::prelu_forward::primitive_desc forward_pd(const dnnl::memory::desc& data, const dnnl::memory::desc& w) {
  dnnl::prelu_forward::desc d(dnnl::prop_kind::forward_training, data, w);
  return dnnl::prelu_forward::primitive_desc(d, engine());
}

}  // namespace

void prelu_forward(const float* src, const float* weight, float* dst, int64_t batch, int64_t channels,
                   int64_t inner, int64_t weight_channels) {
  if (batch * channels * inner <= 0) return;
  PrimitiveKey key{PrimitiveKind::prelu_forward, 0, 0, 0, 0, {batch, channels, inner, weight_channels}};
  CachedPrimitive& p = cached(key, [&] {
    auto md = plain_desc({batch, channels, inner}), wd = plain_desc({1, weight_channels, 1});
    return CachedPrimitive{
        dnnl::prelu_forward(forward_pd(md, wd)),
        {{DNNL_ARG_SRC, unbound(md)}, {DNNL_ARG_WEIGHTS, unbound(wd)}, {DNNL_ARG_DST, unbound(md)}}};
  });
  execute(p, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weight}, {DNNL_ARG_DST, dst}});
}

void prelu_backward(const float* src, const float* weight, const float* diff_dst, float* diff_src,
                    float* diff_weight, int64_t batch, int64_t channels, int64_t inner,
                    int64_t weight_channels) {
  if (batch * channels * inner <= 0) {
    for (int64_t c = 0; c < weight_channels; ++c) diff_weight[c] = 0.0f;
    return;
  }
  PrimitiveKey key{PrimitiveKind::prelu_backward, 0, 0, 0, 0, {batch, channels, inner, weight_channels}};
  CachedPrimitive& p = cached(key, [&] {
    auto md = plain_desc({batch, channels, inner}), wd = plain_desc({1, weight_channels, 1});
    dnnl::prelu_backward::desc d(md, wd, md, wd);
    dnnl::prelu_backward::primitive_desc pd(d, engine(), forward_pd(md, wd));
    return CachedPrimitive{dnnl::prelu_backward(pd),
                           {{DNNL_ARG_SRC, unbound(md)},
                            {DNNL_ARG_WEIGHTS, unbound(wd)},
                            {DNNL_ARG_DIFF_DST, unbound(md)},
                            {DNNL_ARG_DIFF_SRC, unbound(md)},
                            {DNNL_ARG_DIFF_WEIGHTS, unbound(wd)}}};
  });
  execute(p, {{DNNL_ARG_SRC, src},
              {DNNL_ARG_WEIGHTS, weight},
              {DNNL_ARG_DIFF_DST, diff_dst},
              {DNNL_ARG_DIFF_SRC, diff_src},
              {DNNL_ARG_DIFF_WEIGHTS, diff_weight}});
}

}  // namespace ember::kernels
