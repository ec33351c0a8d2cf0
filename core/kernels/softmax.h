// Softmax and log-softmax over one axis, on oneDNN 2.6's softmax_v2 primitive.
// Any tensor and axis is viewed as [outer, size, inner] with the softmax over
// the middle dim, so one layout serves every rank and every (negative) dim.
#pragma once

#include <cstdint>

namespace ember::kernels {

/// dst = softmax(src) (or log_softmax when `log`) along the middle dim of [outer, size, inner].
void softmax_forward(bool log, const float* src, float* dst, int64_t outer, int64_t size, int64_t inner);

/// diff_src from the forward's output `dst` and diff_dst:
/// softmax: y·(dy − Σ dy·y); log_softmax: dy − eʸ·Σ dy.
void softmax_backward(bool log, const float* dst, const float* diff_dst, float* diff_src, int64_t outer,
                      int64_t size, int64_t inner);

}  // namespace ember::kernels
