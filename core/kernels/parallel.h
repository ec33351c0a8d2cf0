// parallel_for: splits [0, n) into one contiguous chunk per thread of the
// team that team_threads() grants — one thread when n is too small for the
// fork to pay, fewer while the machine is busy (see team.h). Each region is
// timed so that a busy machine is noticed.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "core/kernels/team.h"

namespace ember::kernels {

/// Calls body(begin, end) over chunks of [0, n); serially when n < grain.
template <class Body>
void parallel_for(int64_t n, Body&& body, int64_t grain = kParallelGrain) {
  if (n <= 0) return;
  // Small work (most calls) decided here, without a call: one thread.
  const int threads = n < grain ? 1 : team_threads(n, grain);
  if (threads == 1) {
    body(int64_t{0}, n);
    return;
  }
  RegionClock clock;
#pragma omp parallel num_threads(threads)
  {
    const int64_t begun = clock_ns();
    int64_t team = omp_get_num_threads(), id = omp_get_thread_num();
    int64_t chunk = (n + team - 1) / team;
    int64_t begin = std::min(n, id * chunk), end = std::min(n, begin + chunk);
    if (begin < end) {
      body(begin, end);
      clock.record(clock_ns() - begun);
    }
  }
  clock.finish();
}

}  // namespace ember::kernels
