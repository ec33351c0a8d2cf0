// The thread count rules of core/kernels/team.h: small work stays on one
// thread, and a parallel region whose threads waited (a busy machine) makes
// the next regions run on one thread for a back-off period. The regions here
// are timed by hand (a region clock given its start and end), so the tests do
// not depend on the machine's load; bench/threads_under_load.py measures the
// real thing.
#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <ember.h>

#include "core/kernels/dnnl_context.h"
#include "core/kernels/idle_cores.h"
#include "core/kernels/parallel.h"
#include "core/kernels/team.h"

using namespace ember;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kLarge = 1 << 22;

// Each test starts with two threads and a fresh back-off state (set_adaptive
// resets it), and leaves the defaults behind.
class Threads : public ::testing::Test {
 protected:
  void SetUp() override {
    set_num_threads(2);
    kernels::set_adaptive(true);
  }
  void TearDown() override {
    kernels::set_adaptive(true);
    kernels::set_idle_cores_for_testing(std::nullopt);
  }
};

// A region, ending now, in which two threads worked `busy` each but which took `took`.
void time_region(std::chrono::nanoseconds busy, std::chrono::nanoseconds took) {
  const int64_t end = kernels::clock_ns();
  kernels::RegionClock clock(end - took.count());
  clock.record(busy.count());
  clock.record(busy.count());
  clock.finish(end);
}

TEST_F(Threads, SmallWorkRunsOnOneThreadLargeWorkOnAll) {
  EXPECT_EQ(kernels::team_threads(100), 1);
  EXPECT_EQ(kernels::team_threads(kLarge), 2);
  set_num_threads(1);
  EXPECT_EQ(kernels::team_threads(kLarge), 1);
}

TEST_F(Threads, ARegionWhoseThreadsWaitedBacksOff) {
  const kernels::TeamStats before = kernels::team_stats();
  time_region(0ns, 3ms);  // nobody worked, yet the region took 3 ms: its team waited to run
  EXPECT_EQ(kernels::team_stats().late, before.late + 1);
  EXPECT_EQ(kernels::team_stats().regions, before.regions + 1);
  EXPECT_TRUE(kernels::backing_off());
  EXPECT_EQ(kernels::team_threads(kLarge), 1);
}

TEST_F(Threads, ARegionThatTookAsLongAsItsWorkIsNotLate) {
  time_region(5ms, 5ms);  // long, but all of it work
  EXPECT_FALSE(kernels::backing_off());
  time_region(400us, 900us);  // a wait, but under a millisecond: an idle machine's noise
  EXPECT_FALSE(kernels::backing_off());
  time_region(4ms, 7ms);  // waited 3 ms, but less than the work took: still faster than one thread
  EXPECT_FALSE(kernels::backing_off());
}

TEST_F(Threads, TheBackOffEndsWhenAnotherCoreHadTimeToSpare) {
  kernels::set_idle_cores_for_testing(1.0);  // as if the other core sat idle
  time_region(0ns, 2ms);
  ASSERT_TRUE(kernels::backing_off());
  std::this_thread::sleep_for(150ms);  // the first back-off is 0.1 s
  EXPECT_FALSE(kernels::backing_off());
  EXPECT_EQ(kernels::team_threads(kLarge), 2);
}

TEST_F(Threads, TheBackOffGoesOnWhileNoCoreIsFree) {
  kernels::set_idle_cores_for_testing(0.1);  // the other program still holds its core
  time_region(0ns, 2ms);
  const kernels::TeamStats before = kernels::team_stats();
  std::this_thread::sleep_for(150ms);
  EXPECT_TRUE(kernels::backing_off()) << "tried the full team although no core was free";
  EXPECT_EQ(kernels::team_threads(kLarge), 1);
  EXPECT_EQ(kernels::team_stats().probes, before.probes);
  kernels::set_idle_cores_for_testing(0.9);  // the load is gone
  std::this_thread::sleep_for(150ms);
  EXPECT_FALSE(kernels::backing_off());
}

TEST_F(Threads, TheTeamIsSizedToTheFreeCores) {
  set_num_threads(8);  // more than this machine's cores: the test only asks, never forks
  time_region(0ns, 2ms);
  EXPECT_EQ(kernels::team_threads(kLarge), 1);  // first a period on one thread, to measure
  kernels::set_idle_cores_for_testing(3.0);     // three cores sat idle
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(kernels::team_threads(kLarge), 4) << "the calling thread and the three free cores";
  EXPECT_TRUE(kernels::backing_off());
  kernels::set_idle_cores_for_testing(0.0);  // those four busy now: ember's own, nothing more free
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(kernels::team_threads(kLarge), 4);
  kernels::set_idle_cores_for_testing(4.0);  // the other program stopped
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(kernels::team_threads(kLarge), 8);
  EXPECT_FALSE(kernels::backing_off());
}

TEST_F(Threads, ALateRegionOfASmallerTeamGoesBackToOneThread) {
  set_num_threads(8);
  time_region(0ns, 2ms);
  kernels::set_idle_cores_for_testing(3.0);
  std::this_thread::sleep_for(150ms);
  ASSERT_EQ(kernels::team_threads(kLarge), 4);
  time_region(0ns, 2ms);  // four were too many after all
  EXPECT_EQ(kernels::team_threads(kLarge), 1);
}

// The back-off state is process-wide: threads of the user's that each run
// ember meet it at once (scripts/tsan.sh runs this under ThreadSanitizer).
TEST_F(Threads, ManyThreadsMeetTheBackOffAtOnce) {
  kernels::set_idle_cores_for_testing(1.0);
  const int64_t late_before = kernels::team_stats().late;
  std::vector<std::thread> threads;
  std::atomic<int64_t> one_thread_answers{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      set_num_threads(2);
      for (int i = 0; i < 200; ++i) {
        if ((i + t) % 7 == 0) time_region(0ns, 2ms);
        if (kernels::team_threads(kLarge) == 1) ++one_thread_answers;
        kernels::TeamScope team(kLarge);
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_GE(kernels::team_stats().late - late_before, 4 * 28) << "a late region went uncounted";
  EXPECT_GT(one_thread_answers.load(), 0);
}

TEST(IdleCores, ReadsIdleAndIowaitFromProcStat) {
  EXPECT_EQ(kernels::parse_idle_ticks("cpu  4705 356 584 3699176 23 0 5 0 0 0\n"), 3699176 + 23);
  EXPECT_EQ(kernels::parse_idle_ticks("cpu0 4705 356 584 3699176 23"), std::nullopt);  // one core's line
  EXPECT_EQ(kernels::parse_idle_ticks("cpu  1 2 3"), std::nullopt);                    // cut short
  EXPECT_EQ(kernels::parse_idle_ticks("intr 1 2 3 4 5"), std::nullopt);
}

TEST(IdleCores, ReadsTheRunnableCountFromLoadavg) {
  EXPECT_EQ(kernels::parse_runnable("0.50 0.40 0.30 3/250 12345\n"), 3);
  EXPECT_EQ(kernels::parse_runnable("12.00 9.10 8.25 17/1024 999"), 17);
  EXPECT_EQ(kernels::parse_runnable("0.50 0.40 0.30 3"), std::nullopt);
  EXPECT_EQ(kernels::parse_runnable("0.50 0.40"), std::nullopt);
  ASSERT_TRUE(kernels::other_runnable_tasks().has_value()) << "/proc/loadavg is readable on Linux";
  EXPECT_GE(*kernels::other_runnable_tasks(), 0);
}

TEST(IdleCores, MeasuresThisMachine) {
  kernels::IdleMeter meter;
  meter.start();
  std::this_thread::sleep_for(50ms);
  const std::optional<double> idle = meter.idle_cores();
  ASSERT_TRUE(idle.has_value()) << "/proc/stat is readable on Linux";
  EXPECT_GE(*idle, 0.0);
  EXPECT_LE(*idle, std::thread::hardware_concurrency() + 1.0);  // the clock ticks are coarse
}

TEST_F(Threads, TurnedOffItNeverBacksOff) {
  set_adaptive_threads(false);
  EXPECT_FALSE(adaptive_threads());
  const int64_t late = kernels::team_stats().late;
  time_region(0ns, 3ms);
  EXPECT_EQ(kernels::team_stats().late, late + 1) << "late regions are counted even with the back-off off";
  EXPECT_FALSE(kernels::backing_off());
  EXPECT_EQ(kernels::team_threads(kLarge), 2);
  set_adaptive_threads(true);
  EXPECT_TRUE(adaptive_threads());
}

TEST_F(Threads, ParallelForRunsOneChunkWhileBackingOff) {
  std::atomic<int> chunks{0};
  kernels::parallel_for(kLarge, [&](int64_t, int64_t) { ++chunks; });
  EXPECT_EQ(chunks.load(), 2);  // idle: one chunk per thread
  time_region(0ns, 3ms);
  chunks = 0;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  kernels::parallel_for(kLarge, [&](int64_t b, int64_t e) {
    ++chunks;
    ranges.emplace_back(b, e);
  });
  ASSERT_EQ(chunks.load(), 1);
  EXPECT_EQ(ranges[0], std::make_pair(int64_t{0}, kLarge));
}

TEST_F(Threads, OneDnnCallsGetOneThreadWhileBackingOffAndTheCountComesBack) {
  time_region(0ns, 3ms);
  {
    kernels::TeamScope team(kLarge);
    EXPECT_EQ(omp_get_max_threads(), 1);
  }
  EXPECT_EQ(get_num_threads(), 2) << "the user's count must come back after the call";
}

// oneDNN's primitives fork the thread count they were made for, whatever
// omp_set_num_threads says when they run: one made for two threads kept both
// busy through a back-off, which then read ember's own second thread as another
// program's load and never ended. While backing off, primitives are made anew
// for the back-off's team; when it ends, for the full one again.
TEST_F(Threads, OneDnnPrimitivesAreMadeForTheBackOffsTeam) {
  Tensor x = randn({256, 1024});
  time_region(0ns, 3ms);
  ASSERT_TRUE(kernels::backing_off());
  F::softmax(x, 1);
  EXPECT_EQ(kernels::primitive_cache_stats().threads, 1)
      << "a primitive made for two threads ran in a back-off";
  kernels::set_adaptive(false);  // the full team whatever the load (a slow machine may back off on its own)
  F::softmax(x, 1);
  EXPECT_EQ(kernels::primitive_cache_stats().threads, 2) << "the one-thread primitives outlived the back-off";
}

TEST_F(Threads, ResultsDoNotDependOnTheBackOff) {
  // Elementwise work is cut into independent chunks: one thread or two, the same bits.
  manual_seed(3);
  Tensor x = randn({kLarge});
  Tensor both = F::gelu(x) * x.sigmoid();
  time_region(0ns, 3ms);
  ASSERT_TRUE(kernels::backing_off());
  Tensor one = F::gelu(x) * x.sigmoid();
  ASSERT_EQ(both.numel(), one.numel());
  EXPECT_EQ(std::memcmp(both.data(), one.data(), sizeof(float) * both.numel()), 0);
}

}  // namespace
