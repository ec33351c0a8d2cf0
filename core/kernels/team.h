// How many threads the next parallel region gets: OpenMP's count, except one
// thread when the work is small (forking costs more than it saves), and fewer
// when the machine was recently found busy.
//
// Why the second rule: an OpenMP region ends only when every thread of its
// team has finished. When another program holds a core, one of ember's
// threads often waits a whole scheduler time slice (4–12 ms here) before it
// runs, and a region of 20 µs then takes milliseconds: with two threads on a
// 2-core machine beside one busy process, training ran 2.3–2.8× slower than
// with one thread. So ember times its parallel regions (and, when it runs
// none of its own for a while, a tiny probe region before a oneDNN call). A
// region whose threads waited more than a millisecond, and longer than the
// work itself took, means a busy machine: the next regions run on one thread
// for a back-off period of 0.1 s. At the end of each period the team is
// sized to the cores that had time to spare during it (idle_cores.h): all
// of ember's threads once every core it wants was free, else as many as were
// free, for another period. Late again soon after a larger team was tried,
// the period doubles, up to 1.6 s. A run that starts while other programs
// hold cores starts with the rest. Idle, the cost is two clock reads per
// thread and region.
// set_adaptive_threads(false) turns the rule off (docs/threads.md).
#pragma once

#include <atomic>
#include <cstdint>

namespace ember::kernels {

/// Elements below which elementwise loops stay on one thread (see bench/).
constexpr int64_t kParallelGrain = 32768;

/// The threads for a region of `work` units: 1 when work < grain; while the
/// machine is found busy, the back-off's team (at most the OpenMP count);
/// otherwise the calling thread's OpenMP count.
int team_threads(int64_t work, int64_t grain = kParallelGrain);

/// Whether busy-machine back-off is on (default) — process-wide.
void set_adaptive(bool on);
bool adaptive();

/// Whether the machine counts as busy right now: a back-off gives the calling
/// thread fewer threads than its OpenMP count.
bool backing_off();

/// What the back-off rule has seen since the process started (for benchmarks
/// and tests): parallel regions timed, probes among them, and late ones.
struct TeamStats {
  int64_t regions = 0, probes = 0, late = 0;
};
TeamStats team_stats();

/// The steady clock in nanoseconds (a vDSO call, about 20 ns).
int64_t clock_ns();

/// Times one parallel region for the back-off rule: construct it before the
/// region, call record(busy) on each thread that worked (busy: how long it
/// worked), and finish() after the region.
class RegionClock {
 public:
  explicit RegionClock(int64_t start_ns = clock_ns());
  void record(int64_t busy_ns);
  void finish(int64_t now = clock_ns());

 private:
  int64_t start_ns_;
  std::atomic<int64_t> shortest_busy_ns_;
  std::atomic<int> threads_recorded_{0};
};

/// Sets the calling thread's OpenMP count to team_threads(work, grain) for a
/// scope, for oneDNN and Eigen calls that fork their own teams. Before a
/// parallel call it may run a probe region, when no region was timed lately.
class TeamScope {
 public:
  explicit TeamScope(int64_t work, int64_t grain = kParallelGrain);
  ~TeamScope();
  TeamScope(const TeamScope&) = delete;
  TeamScope& operator=(const TeamScope&) = delete;

 private:
  int saved_ = 0;  // the count to restore, or 0 when unchanged
};

}  // namespace ember::kernels
