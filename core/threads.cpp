#include "core/threads.h"

#include <omp.h>

#include "core/error.h"

namespace ember {
// The count is the calling thread's OpenMP setting, which oneDNN and Eigen both
// read (Eigen::nbThreads() is omp_get_max_threads() until setNbThreads is
// called). Eigen::setNbThreads is left alone on purpose: it writes one
// process-wide int that every thread's matrix products read unlocked, a data
// race when two threads set their counts (ThreadSanitizer, test_concurrency).
void set_num_threads(int n) {
  if (n < 1) fail("set_num_threads: expected at least 1 thread, got ", n);
  omp_set_num_threads(n);
}
int get_num_threads() { return omp_get_max_threads(); }
}  // namespace ember
