// The eltwise kernels on oneDNN 2.6: memory desc → op desc → primitive desc →
// primitive (cached per configuration), then execute. The backward primitive
// desc is built with the forward one as its hint, as oneDNN requires.
#include "core/kernels/onednn_eltwise.h"

#include "core/kernels/dnnl_context_detail.hpp"
#include "core/kernels/parallel.h"

namespace ember::kernels {
namespace {

using namespace dnnl_detail;
using dnnl::algorithm;

algorithm to_dnnl(Eltwise alg) {
  switch (alg) {
    case Eltwise::relu:
      return algorithm::eltwise_relu;
    case Eltwise::tanh:
      return algorithm::eltwise_tanh;
    case Eltwise::tanh_use_dst:
      return algorithm::eltwise_tanh_use_dst_for_bwd;
    case Eltwise::logistic:
      return algorithm::eltwise_logistic;
    case Eltwise::logistic_use_dst:
      return algorithm::eltwise_logistic_use_dst_for_bwd;
    case Eltwise::elu:
      return algorithm::eltwise_elu;
    case Eltwise::elu_use_dst:
      return algorithm::eltwise_elu_use_dst_for_bwd;
    case Eltwise::swish:
      return algorithm::eltwise_swish;
    case Eltwise::mish:
      return algorithm::eltwise_mish;
    case Eltwise::hardswish:
      return algorithm::eltwise_hardswish;
    case Eltwise::gelu_erf:
      return algorithm::eltwise_gelu_erf;
    case Eltwise::gelu_tanh:
      return algorithm::eltwise_gelu_tanh;
    case Eltwise::soft_relu:
      return algorithm::eltwise_soft_relu;
    case Eltwise::logsigmoid:
      return algorithm::eltwise_logsigmoid;
    case Eltwise::linear:
      return algorithm::eltwise_linear;
    case Eltwise::exp:
      return algorithm::eltwise_exp;
  }
  return algorithm::eltwise_relu;
}

dnnl::eltwise_forward::primitive_desc forward_pd(algorithm alg, float alpha, float beta,
                                                 const dnnl::memory::desc& md) {
  dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_training, alg, md, alpha, beta);
  return dnnl::eltwise_forward::primitive_desc(d, engine());
}

}  // namespace

void eltwise_forward(Eltwise alg, float alpha, float beta, const float* src, float* dst, int64_t n) {
  if (n <= 0) return;
  algorithm a = to_dnnl(alg);
  PrimitiveKey key{PrimitiveKind::eltwise_forward, static_cast<int>(a), alpha, beta, 0, {n}};
  CachedPrimitive& p = cached(key, [&] {
    auto md = plain_desc({n});
    auto pd = forward_pd(a, alpha, beta, md);
    return CachedPrimitive{dnnl::eltwise_forward(pd),
                           {{DNNL_ARG_SRC, unbound(md)}, {DNNL_ARG_DST, unbound(md)}}};
  });
  execute(p, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
}

void eltwise_forward_scaled(Eltwise alg, float scale, const float* src, float* dst, int64_t n) {
  if (scale == 1.0f) return eltwise_forward(alg, 0, 0, src, dst, n);
  parallel_for(n, [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = scale * src[i];
  });
  eltwise_forward(alg, 0, 0, dst, dst, n);
}

void eltwise_backward(Eltwise alg, float alpha, float beta, const float* data, const float* diff_dst,
                      float* diff_src, int64_t n) {
  if (n <= 0) return;
  algorithm a = to_dnnl(alg);
  int data_arg = backward_reads_output(alg) ? DNNL_ARG_DST : DNNL_ARG_SRC;
  PrimitiveKey key{PrimitiveKind::eltwise_backward, static_cast<int>(a), alpha, beta, 0, {n}};
  CachedPrimitive& p = cached(key, [&] {
    auto md = plain_desc({n});
    auto hint = forward_pd(a, alpha, beta, md);
    dnnl::eltwise_backward::desc d(a, md, md, alpha, beta);
    dnnl::eltwise_backward::primitive_desc pd(d, engine(), hint);
    return CachedPrimitive{
        dnnl::eltwise_backward(pd),
        {{data_arg, unbound(md)}, {DNNL_ARG_DIFF_DST, unbound(md)}, {DNNL_ARG_DIFF_SRC, unbound(md)}}};
  });
  execute(p, {{data_arg, data}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_src}});
}

bool backward_reads_output(Eltwise alg) {
  return alg == Eltwise::tanh_use_dst || alg == Eltwise::logistic_use_dst || alg == Eltwise::elu_use_dst;
}

}  // namespace ember::kernels
