#include "core/kernels/team.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <thread>

#include "core/kernels/idle_cores.h"

namespace ember::kernels {
namespace {

using namespace std::chrono_literals;

// A region counts as late when its threads waited this long beyond the
// shortest thread's work. An idle machine forks in 1–50 µs; a thread that
// lost its core to another program waits a time slice, 4–12 ms.
constexpr int64_t kLateNs = std::chrono::nanoseconds(1ms).count();
// Back-off after a late region: one thread for this long. At its end the
// full team is tried again if another core sat idle for at least half the
// period (idle_cores.h); if not, the back-off goes on without trying. Late
// again soon after a try, the period doubles, up to the maximum.
constexpr int64_t kFirstBackoffNs = std::chrono::nanoseconds(100ms).count();
constexpr int64_t kLongestBackoffNs = std::chrono::nanoseconds(1600ms).count();
constexpr double kSpareCores = 0.5;
// A parallel oneDNN or sgemm call probes the team first when no region was
// timed for this long.
constexpr int64_t kProbeAfterNs = std::chrono::nanoseconds(2ms).count();

// Process-wide: the load is the machine's, whichever thread meets it.
std::atomic<bool> adaptive_on{true};
std::atomic<int64_t> last_timed_ns{0};
std::atomic<int64_t> regions_timed{0}, probes_run{0}, late_regions{0};

// The back-off. busy_until_ns is read on every parallel call without a lock
// (0: none); it changes, rarely, under the mutex with the rest.
std::atomic<int64_t> busy_until_ns{0};
std::mutex backoff_mutex;
int64_t backoff_ns = kFirstBackoffNs;  // the current period
int64_t last_try_ns = 0;               // when the full team was last tried again
IdleMeter idle_since_backoff;

void begin_period(int64_t now) {
  idle_since_backoff.start();
  busy_until_ns.store(now + backoff_ns, std::memory_order_relaxed);
}

void found_busy(int64_t now) {
  std::lock_guard lock(backoff_mutex);
  if (now < busy_until_ns.load(std::memory_order_relaxed)) return;  // already backing off
  const bool soon_after_a_try = last_try_ns != 0 && now - last_try_ns < backoff_ns;
  backoff_ns = soon_after_a_try ? std::min(2 * backoff_ns, kLongestBackoffNs) : kFirstBackoffNs;
  begin_period(now);
}

// The first parallel call of the process: when other programs already hold
// the cores the team would need, back off at once rather than after a late
// region (a short run would pay that region's wait every time it starts).
std::atomic<bool> start_checked{false};

void check_load_at_start(int threads) {
  if (start_checked.exchange(true, std::memory_order_relaxed)) return;
  const std::optional<int64_t> others = other_runnable_tasks();
  const int64_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (others && cores - *others < threads) found_busy(clock_ns());
}

// At the end of a period: another one if no core had time to spare,
// otherwise the full team is tried again.
bool backoff_goes_on(int64_t now) {
  std::lock_guard lock(backoff_mutex);
  const int64_t until = busy_until_ns.load(std::memory_order_relaxed);
  if (until == 0) return false;
  if (now < until) return true;
  const std::optional<double> idle = idle_since_backoff.idle_cores();
  if (idle && *idle < kSpareCores) {
    begin_period(now);
    return true;
  }
  busy_until_ns.store(0, std::memory_order_relaxed);
  last_try_ns = now;
  return false;
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
  start_checked.store(true, std::memory_order_relaxed);  // a choice made: no guess at start
  std::lock_guard lock(backoff_mutex);
  adaptive_on.store(on, std::memory_order_relaxed);
  busy_until_ns.store(0, std::memory_order_relaxed);
  backoff_ns = kFirstBackoffNs;
  last_try_ns = 0;
}
TeamStats team_stats() {
  return {regions_timed.load(std::memory_order_relaxed), probes_run.load(std::memory_order_relaxed),
          late_regions.load(std::memory_order_relaxed)};
}

bool adaptive() { return adaptive_on.load(std::memory_order_relaxed); }

bool backing_off() {
  if (!adaptive() || busy_until_ns.load(std::memory_order_relaxed) == 0) return false;
  const int64_t now = clock_ns();
  return now < busy_until_ns.load(std::memory_order_relaxed) || backoff_goes_on(now);
}

int team_threads(int64_t work, int64_t grain) {
  const int threads = omp_get_max_threads();
  if (threads == 1 || work < grain) return 1;
  if (adaptive()) check_load_at_start(threads);
  if (backing_off()) return 1;
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
