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

/// On a busy machine (another program holding a core), ember's parallel regions
/// wait for threads that cannot run; with this on (the default) ember notices
/// and runs its parallel work on the cores that are free (on one thread at
/// first, for 0.1 to 1.6 s), then on all its threads once they are free again.
/// Turn it off for bit-identical results at a fixed thread count on any load
/// (docs/determinism.md). Process-wide.
void set_adaptive_threads(bool on);
bool adaptive_threads();
}  // namespace ember
