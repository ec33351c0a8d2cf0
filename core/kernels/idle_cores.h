// What Linux's /proc says about the machine's load, for the back-off of
// team.h: IdleMeter, how many cores sat idle on average over a stretch of
// time (/proc/stat's idle and iowait), read at the end of each back-off period
// to size the team without paying a time slice's wait to find out; and
// other_runnable_tasks(), the programs ready to run right now (/proc/loadavg),
// read once at the first parallel call.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ember::kernels {

class IdleMeter {
 public:
  /// Starts a stretch: remembers the machine's idle time and the clock.
  void start();
  /// The average number of idle cores since start(); nullopt when /proc/stat
  /// cannot be read (not Linux, or no /proc).
  std::optional<double> idle_cores() const;

 private:
  std::optional<int64_t> idle_ticks_;
  int64_t start_ns_ = 0;
};

/// Tasks running or ready to run on the whole machine right now, besides the
/// caller — /proc/loadavg's fourth field less one; nullopt when unreadable.
std::optional<int64_t> other_runnable_tasks();

/// The runnable count of a /proc/loadavg line ("0.50 0.40 0.30 3/250 12345").
std::optional<int64_t> parse_runnable(std::string_view loadavg_line);

/// idle + iowait of a /proc/stat "cpu  user nice system idle iowait …" line, in
/// clock ticks; nullopt if the line is not one.
std::optional<int64_t> parse_idle_ticks(std::string_view cpu_line);

/// Tests replace the measurement with a fixed number of idle cores (nullopt:
/// measure again).
void set_idle_cores_for_testing(std::optional<double> cores);

}  // namespace ember::kernels
