#include "core/kernels/idle_cores.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>

#include "core/kernels/team.h"

namespace ember::kernels {
namespace {

// A fixed answer for tests; negative: none.
std::atomic<double> idle_for_testing{-1.0};

// The first line of a /proc file, parsed.
std::optional<int64_t> read_first_line(const char* path, std::optional<int64_t> (*parse)(std::string_view)) {
  std::FILE* file = std::fopen(path, "r");
  if (!file) return std::nullopt;
  char line[256] = {};
  const bool read = std::fgets(line, sizeof line, file) != nullptr;
  std::fclose(file);
  return read ? parse(line) : std::nullopt;
}

std::optional<int64_t> read_idle_ticks() { return read_first_line("/proc/stat", parse_idle_ticks); }

}  // namespace

std::optional<int64_t> parse_idle_ticks(std::string_view line) {
  if (!line.starts_with("cpu ")) return std::nullopt;
  // user nice system idle iowait: the 4th and 5th numbers
  int64_t fields[5] = {};
  const char* p = line.data() + 4;
  const char* end = line.data() + line.size();
  for (int64_t& field : fields) {
    while (p < end && *p == ' ') ++p;
    auto [next, error] = std::from_chars(p, end, field);
    if (error != std::errc() || field < 0) return std::nullopt;
    p = next;
  }
  return fields[3] + fields[4];
}

std::optional<int64_t> parse_runnable(std::string_view line) {
  // three load averages, then "running/total"
  size_t field = 0;
  for (int spaces = 0; spaces < 3; ++spaces) {
    field = line.find(' ', field);
    if (field == std::string_view::npos) return std::nullopt;
    ++field;
  }
  int64_t running = 0;
  auto [end, error] = std::from_chars(line.data() + field, line.data() + line.size(), running);
  if (error != std::errc() || end == line.data() + line.size() || *end != '/' || running < 0)
    return std::nullopt;
  return running;
}

std::optional<int64_t> other_runnable_tasks() {
  const std::optional<int64_t> running = read_first_line("/proc/loadavg", parse_runnable);
  if (!running) return std::nullopt;
  return std::max<int64_t>(0, *running - 1);
}

void set_idle_cores_for_testing(std::optional<double> cores) {
  idle_for_testing.store(cores ? *cores : -1.0, std::memory_order_relaxed);
}

void IdleMeter::start() {
  idle_ticks_ = read_idle_ticks();
  start_ns_ = clock_ns();
}

std::optional<double> IdleMeter::idle_cores() const {
  if (double fixed = idle_for_testing.load(std::memory_order_relaxed); fixed >= 0) return fixed;
  const std::optional<int64_t> now = read_idle_ticks();
  const double seconds = static_cast<double>(clock_ns() - start_ns_) * 1e-9;
  if (!now || !idle_ticks_ || seconds <= 0) return std::nullopt;
  static const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  return static_cast<double>(*now - *idle_ticks_) / ticks_per_second / seconds;
}

}  // namespace ember::kernels
