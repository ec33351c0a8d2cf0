// A one-line progress display for a loop of known length — batch i/N, a bar,
// the caller's running statistics, samples per second and the time left —
// redrawn in place ("\r") at most ten times a second, and only when stdout is
// a terminal: output sent to a file or a pipe gets no control codes, and the
// caller logs one plain line per epoch instead.
#pragma once

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace support {

inline bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

/// "1:05" or "1:02:05".
inline std::string format_duration(double seconds) {
  auto s = static_cast<long>(std::max(0.0, seconds) + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  return text;
}

class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  /// `first` is where the loop starts (a resumed epoch starts part-way).
  /// `unit` names what the rate counts ("samples" per second).
  ProgressBar(std::string label, int64_t total, int64_t first = 0, bool enabled = stdout_is_terminal(),
              std::string unit = "samples")
      : label_(std::move(label)),
        unit_(std::move(unit)),
        total_(total),
        first_(first),
        enabled_(enabled),
        start_(Clock::now()) {}

  /// After step `done` (1-based) of total, having counted `samples` units since
  /// construction. `stats` is shown as given ("loss 0.3127  acc 88.41%").
  void update(int64_t done, int64_t samples, const std::string& stats) {
    if (!enabled_) return;
    auto now = Clock::now();
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    double elapsed = std::chrono::duration<double>(now - start_).count();
    double per_step = done > first_ ? elapsed / static_cast<double>(done - first_) : 0.0;
    double rate = elapsed > 0 ? static_cast<double>(samples) / elapsed : 0.0;

    constexpr int width = 20;
    int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
    std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    char line[512];
    std::snprintf(line, sizeof line, "%s [%s] %lld/%lld  %s  %.0f %s/s  ETA %s", label_.c_str(), bar.c_str(),
                  static_cast<long long>(done), static_cast<long long>(total_), stats.c_str(), rate,
                  unit_.c_str(), format_duration(per_step * static_cast<double>(total_ - done)).c_str());
    // A line wider than the terminal would wrap, and "\r" would then redraw
    // only its last row: cut it to the terminal's width.
    std::string text = line;
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && text.size() >= ws.ws_col)
      text.resize(ws.ws_col - 1);
    std::printf("\r%s\033[K", text.c_str());  // \033[K clears what a longer previous line left
    std::fflush(stdout);
  }

  /// Erases the bar so that the caller's summary line takes its place.
  void clear() {
    if (!enabled_) return;
    std::printf("\r\033[K");
    std::fflush(stdout);
  }

 private:
  std::string label_, unit_;
  int64_t total_, first_;
  bool enabled_;
  Clock::time_point start_, last_draw_{};
};

}  // namespace support
