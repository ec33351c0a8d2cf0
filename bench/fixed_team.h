// EMBER_BENCH_FIXED_TEAM=1 turns the busy-machine back-off off (core/kernels/team.h)
// for a benchmark program, so that its 2-thread cases run on 2 threads whatever
// the machine's load: for comparing two builds, one of which has no back-off,
// on a shared machine where the back-off would otherwise decide the 2-thread
// numbers. Included by the programs that compare_builds.py runs.
#pragma once

#include <cstdlib>

#include <ember.h>

namespace ember::bench {

[[maybe_unused]] inline const bool fixed_team_from_environment = [] {
  const char* value = std::getenv("EMBER_BENCH_FIXED_TEAM");
  if (value && value[0] == '1') set_adaptive_threads(false);
  return true;
}();

}  // namespace ember::bench
