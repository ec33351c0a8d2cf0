#include "core/threads.h"

#include <omp.h>

#include <Eigen/Core>

#include "core/error.h"

namespace ember {
void set_num_threads(int n) {
  if (n < 1) fail("set_num_threads: expected at least 1 thread, got ", n);
  omp_set_num_threads(n);
  Eigen::setNbThreads(n);
}
int get_num_threads() { return omp_get_max_threads(); }
}  // namespace ember
