#include "core/threads.h"

#include <omp.h>

#include <algorithm>
#include <thread>

#include "core/error.h"
#include "core/kernels/team.h"

namespace ember {
// The count is the calling thread's OpenMP setting, which oneDNN and Eigen both
// read (Eigen::nbThreads() is omp_get_max_threads() until setNbThreads is
// called). Eigen::setNbThreads is left alone on purpose: it writes one
// process-wide int that every thread's matrix products read unlocked, a data
// race when two threads set their counts (ThreadSanitizer, test_concurrency).
//
// The count is capped: OpenMP starts that many threads at the next parallel
// region and has no way to report failure — 40,000 ends the process, 100,000
// crashes inside libgomp. Past a few threads per core nothing runs faster.
int max_num_threads() {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(256, 8 * cores);
}

void set_num_threads(int n) {
  if (n < 1) fail("set_num_threads: expected at least 1 thread, got ", n);
  if (n > max_num_threads())
    fail("set_num_threads: ", n, " threads is more than ember allows (at most ", max_num_threads(),
         ", the larger of 256 and 8 per core; this machine has ", std::thread::hardware_concurrency(),
         " cores)");
  omp_set_num_threads(n);
}
int get_num_threads() { return omp_get_max_threads(); }
void set_adaptive_threads(bool on) { kernels::set_adaptive(on); }
bool adaptive_threads() { return kernels::adaptive(); }
}  // namespace ember
