#include "core/kernels/team.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <limits>

namespace ember::kernels {
namespace {

using namespace std::chrono_literals;

// A region counts as late when its threads waited this long beyond the
// shortest thread's work. An idle machine forks in 1–50 µs; a thread that
// lost its core to another program waits a time slice, 4–12 ms.
constexpr int64_t kLateNs = std::chrono::nanoseconds(1ms).count();
// Back-off after a late region: one thread for this long, doubling while the
// load lasts, up to the maximum; then the full team is tried again.
constexpr int64_t kFirstBackoffNs = std::chrono::nanoseconds(100ms).count();
constexpr int64_t kLongestBackoffNs = std::chrono::nanoseconds(1600ms).count();
// A parallel oneDNN or sgemm call probes the team first when no region was
// timed for this long.
constexpr int64_t kProbeAfterNs = std::chrono::nanoseconds(2ms).count();

// Process-wide: the load is the machine's, whichever thread meets it.
std::atomic<bool> adaptive_on{true};
std::atomic<int64_t> busy_until_ns{0};
std::atomic<int64_t> backoff_ns{kFirstBackoffNs};
std::atomic<int64_t> last_timed_ns{0};
std::atomic<int64_t> regions_timed{0}, probes_run{0}, late_regions{0};

void found_busy(int64_t now) {
  // Late again within one back-off period of the last one ending: the load
  // lasts, so wait twice as long before trying the full team again.
  const int64_t previous_end = busy_until_ns.load(std::memory_order_relaxed);
  int64_t backoff = backoff_ns.load(std::memory_order_relaxed);
  backoff = now - previous_end < backoff ? std::min(2 * backoff, kLongestBackoffNs) : kFirstBackoffNs;
  backoff_ns.store(backoff, std::memory_order_relaxed);
  busy_until_ns.store(now + backoff, std::memory_order_relaxed);
}

// A region of two or more threads with nothing inside: times how long the
// team takes to gather.
void probe_team(int threads) {
  probes_run.fetch_add(1, std::memory_order_relaxed);
  RegionClock clock;
#pragma omp parallel num_threads(threads)
  clock.record(0);
  clock.finish();
}

}  // namespace

int64_t clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void set_adaptive(bool on) {
  adaptive_on.store(on, std::memory_order_relaxed);
  busy_until_ns.store(0, std::memory_order_relaxed);
  backoff_ns.store(kFirstBackoffNs, std::memory_order_relaxed);
}
TeamStats team_stats() {
  return {regions_timed.load(std::memory_order_relaxed), probes_run.load(std::memory_order_relaxed),
          late_regions.load(std::memory_order_relaxed)};
}

bool adaptive() { return adaptive_on.load(std::memory_order_relaxed); }

bool backing_off() { return adaptive() && clock_ns() < busy_until_ns.load(std::memory_order_relaxed); }

int team_threads(int64_t work, int64_t grain) {
  const int threads = omp_get_max_threads();
  if (threads == 1 || work < grain || backing_off()) return 1;
  return threads;
}

RegionClock::RegionClock(int64_t start_ns)
    : start_ns_(start_ns), shortest_busy_ns_(std::numeric_limits<int64_t>::max()) {}

void RegionClock::record(int64_t busy_ns) {
  int64_t shortest = shortest_busy_ns_.load(std::memory_order_relaxed);
  while (busy_ns < shortest &&
         !shortest_busy_ns_.compare_exchange_weak(shortest, busy_ns, std::memory_order_relaxed)) {
  }
  threads_recorded_.fetch_add(1, std::memory_order_relaxed);
}

void RegionClock::finish(int64_t now) {
  last_timed_ns.store(now, std::memory_order_relaxed);
  regions_timed.fetch_add(1, std::memory_order_relaxed);
  if (threads_recorded_.load(std::memory_order_relaxed) < 2) return;
  // The wait: how much longer the region took than its least busy thread
  // worked. Longer than that work itself, the region ran slower than one
  // thread doing all of it would have.
  const int64_t shortest = shortest_busy_ns_.load(std::memory_order_relaxed);
  const int64_t waited = now - start_ns_ - shortest;
  if (waited <= std::max(kLateNs, shortest)) return;
  late_regions.fetch_add(1, std::memory_order_relaxed);
  if (adaptive()) found_busy(now);
}

TeamScope::TeamScope(int64_t work, int64_t grain) {
  const int threads = omp_get_max_threads();
  if (threads == 1) return;
  if (team_threads(work, grain) == 1) {
    saved_ = threads;
    omp_set_num_threads(1);
    return;
  }
  if (adaptive() && !omp_in_parallel() &&
      clock_ns() - last_timed_ns.load(std::memory_order_relaxed) > kProbeAfterNs) {
    probe_team(threads);
    if (backing_off()) {
      saved_ = threads;
      omp_set_num_threads(1);
    }
  }
}

TeamScope::~TeamScope() {
  if (saved_ > 0) omp_set_num_threads(saved_);
}

}  // namespace ember::kernels
