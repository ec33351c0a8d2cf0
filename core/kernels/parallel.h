// parallel_for: splits [0, n) into one contiguous chunk per OpenMP thread —
// but only when n is large enough for the threads to pay for their start-up.
// Forking two threads costs about a microsecond, more than a small loop.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace ember::kernels {

/// Elements below which elementwise loops stay on one thread (see bench/).
constexpr int64_t kParallelGrain = 32768;

/// Calls body(begin, end) over chunks of [0, n); serially when n < grain.
template <class Body>
void parallel_for(int64_t n, Body&& body, int64_t grain = kParallelGrain) {
  if (n < grain || omp_get_max_threads() == 1) {
    if (n > 0) body(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    int64_t threads = omp_get_num_threads(), id = omp_get_thread_num();
    int64_t chunk = (n + threads - 1) / threads;
    int64_t begin = std::min(n, id * chunk), end = std::min(n, begin + chunk);
    if (begin < end) body(begin, end);
  }
}

}  // namespace ember::kernels
