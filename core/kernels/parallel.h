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

/// Keeps the calling thread's OpenMP team at one thread for a scope when the
/// work is small. oneDNN and sgemm fork every thread whatever the size, and on
/// a small tensor the fork costs more than the work — far more when the other
/// cores are busy and the threads must wait to be scheduled.
class SerialBelow {
 public:
  SerialBelow(int64_t work, int64_t grain = kParallelGrain)
      : saved_(work < grain ? omp_get_max_threads() : 0) {
    if (saved_ > 1) omp_set_num_threads(1);
  }
  ~SerialBelow() {
    if (saved_ > 1) omp_set_num_threads(saved_);
  }
  SerialBelow(const SerialBelow&) = delete;
  SerialBelow& operator=(const SerialBelow&) = delete;

 private:
  int saved_;
};

}  // namespace ember::kernels
