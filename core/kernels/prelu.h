// PReLU on oneDNN 2.6's prelu primitive: y = x > 0 ? x : w·x with the weight
// broadcast over dim 1. The input is viewed as [batch, channels, inner]; one
// shared slope is channels == 1 in the weight (the data may have any size).
#pragma once

#include <cstdint>

namespace ember::kernels {

/// src, dst: [batch, channels, inner]; weight: `weight_channels` values (1 or channels).
void prelu_forward(const float* src, const float* weight, float* dst, int64_t batch, int64_t channels,
                   int64_t inner, int64_t weight_channels);

/// diff_src = dy·(x > 0 ? 1 : w); diff_weight = Σ dy·x over x <= 0, reduced
/// over every dim the weight is broadcast along (oneDNN does the reduction).
void prelu_backward(const float* src, const float* weight, const float* diff_dst, float* diff_src,
                    float* diff_weight, int64_t batch, int64_t channels, int64_t inner,
                    int64_t weight_channels);

}  // namespace ember::kernels
