// Threads: ember's kernels (OpenMP loops, oneDNN, Eigen) share one thread count.
#pragma once

namespace ember {
/// Sets the threads used by every kernel (OpenMP, and through it oneDNN and Eigen) on
/// the calling thread: like OpenMP's own setting it is per thread, and a std::thread
/// starts at OMP_NUM_THREADS (or one per core).
void set_num_threads(int n);
int get_num_threads();
}  // namespace ember
