// Threads: ember's kernels (OpenMP loops, oneDNN, Eigen) share one thread count.
#pragma once

namespace ember {
/// Sets the threads used by every kernel (OpenMP, and through it oneDNN and Eigen) on
/// the calling thread: like OpenMP's own setting it is per thread, and a std::thread
/// starts at OMP_NUM_THREADS (or one per core).
/// At most max_num_threads() (the larger of 256 and 8 per core); more is an ember::Error.
void set_num_threads(int n);
int max_num_threads();
int get_num_threads();
}  // namespace ember
