#include "core/kernels/team.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
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
// The back-off period (team.h): its first length, and how long doubling may make it.
constexpr int64_t kFirstBackoffNs = std::chrono::nanoseconds(100ms).count();
constexpr int64_t kLongestBackoffNs = std::chrono::nanoseconds(1600ms).count();
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
std::atomic<int> backoff_team{1};  // the threads a region gets meanwhile
std::mutex backoff_mutex;
int64_t backoff_ns = kFirstBackoffNs;  // the current period
int64_t last_try_ns = 0;               // when a larger team was last tried
IdleMeter idle_since_backoff;

void begin_period(int64_t now) {
  idle_since_backoff.start();
  busy_until_ns.store(now + backoff_ns, std::memory_order_relaxed);
}

// A late region (or busy cores at the start): `team` threads for a period.
void found_busy(int64_t now, int team = 1) {
  std::lock_guard lock(backoff_mutex);
  if (now < busy_until_ns.load(std::memory_order_relaxed) && backoff_team.load() == 1) return;
  const bool soon_after_a_try = last_try_ns != 0 && now - last_try_ns < backoff_ns;
  backoff_ns = soon_after_a_try ? std::min(2 * backoff_ns, kLongestBackoffNs) : kFirstBackoffNs;
  backoff_team.store(team, std::memory_order_relaxed);
  begin_period(now);
}

// The first parallel call of the process: when other programs already hold
// the cores the team would need, back off at once rather than after a late
// region (a short run would pay that region's wait every time it starts).
std::atomic<bool> start_checked{false};

void check_load_at_start(int threads) {
  // A plain load first: every parallel call passes here, the exchange only once.
  if (start_checked.load(std::memory_order_relaxed) ||
      start_checked.exchange(true, std::memory_order_relaxed))
    return;
  const std::optional<int64_t> others = other_runnable_tasks();
  const int64_t cores = std::max(1u, std::thread::hardware_concurrency());
  // Only other programs count: more threads than cores with nothing else
  // running is the caller's own choice.
  if (!others || *others == 0 || cores - *others >= threads) return;
  found_busy(clock_ns(), static_cast<int>(std::max<int64_t>(1, cores - *others)));
}

// At the end of a period, the cores ember could have: those that sat idle,
// plus those its own team held beyond the calling thread. A team of 1 + that
// (rounded) runs the next period, or the full team ends the back-off.
bool backoff_goes_on(int64_t now, int full_team) {
  std::lock_guard lock(backoff_mutex);
  const int64_t until = busy_until_ns.load(std::memory_order_relaxed);
  if (until == 0) return false;
  if (now < until) return true;
  const int team = backoff_team.load(std::memory_order_relaxed);
  const std::optional<double> idle = idle_since_backoff.idle_cores();
  const double free = idle ? *idle + (team - 1) : full_team;
  const int next = 1 + static_cast<int>(std::min<double>(full_team, std::floor(free + 0.5)));
  if (next > team) last_try_ns = now;
  if (next >= full_team) {
    busy_until_ns.store(0, std::memory_order_relaxed);
    return false;
  }
  backoff_team.store(next, std::memory_order_relaxed);
  begin_period(now);
  return true;
}

// The threads a region may have: `threads`, or the back-off's team.
int backoff_threads(int threads) {
  if (!adaptive_on.load(std::memory_order_relaxed) || busy_until_ns.load(std::memory_order_relaxed) == 0)
    return threads;
  const int64_t now = clock_ns();
  if (now >= busy_until_ns.load(std::memory_order_relaxed) && !backoff_goes_on(now, threads)) return threads;
  return std::min(threads, backoff_team.load(std::memory_order_relaxed));
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
  backoff_team.store(1, std::memory_order_relaxed);
  backoff_ns = kFirstBackoffNs;
  last_try_ns = 0;
}
TeamStats team_stats() {
  return {regions_timed.load(std::memory_order_relaxed), probes_run.load(std::memory_order_relaxed),
          late_regions.load(std::memory_order_relaxed)};
}

bool adaptive() { return adaptive_on.load(std::memory_order_relaxed); }

bool backing_off() { return backoff_threads(omp_get_max_threads()) < omp_get_max_threads(); }

int team_threads(int64_t work, int64_t grain) {
  const int threads = omp_get_max_threads();
  if (threads == 1 || work < grain) return 1;
  if (adaptive()) check_load_at_start(threads);
  return backoff_threads(threads);
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
  int team = team_threads(work, grain);
  if (team > 1 && adaptive() && !omp_in_parallel() &&
      clock_ns() - last_timed_ns.load(std::memory_order_relaxed) > kProbeAfterNs) {
    probe_team(team);
    team = team_threads(work, grain);
  }
  if (team < threads) {
    saved_ = threads;
    omp_set_num_threads(team);
  }
}

TeamScope::~TeamScope() {
  if (saved_ > 0) omp_set_num_threads(saved_);
}

}  // namespace ember::kernels
