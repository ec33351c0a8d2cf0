// The bookkeeping of a program that checks things section by section
// (activation_tour): a check prints one line starting "ok" or "FAIL", a
// section ends in one PASS or FAIL line, and the summary lists every section
// and gives the exit status — non-zero when anything failed, so that a smoke
// test running the program fails too. It knows nothing of what is checked.
#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace support {

class TourReport {
 public:
  /// Starts a section, numbered from 1; the previous one, if still open, is closed first.
  void begin(const std::string& title) {
    end();
    title_ = std::to_string(sections_.size() + 1) + ". " + title;
    section_ok_ = true;
    open_ = true;
    std::printf("\n== %s ==\n", title_.c_str());
  }

  /// Text that is shown, not checked (a module's printout, a row of numbers).
  void show(const std::string& line) const { std::printf("  %s\n", line.c_str()); }

  /// One check; returns `ok` so a caller can stop early.
  bool check(bool ok, const std::string& what) {
    std::printf("  %-4s  %s\n", ok ? "ok" : "FAIL", what.c_str());
    section_ok_ = section_ok_ && ok;
    return ok;
  }

  /// Closes the open section with its verdict.
  void end() {
    if (!open_) return;
    std::printf("  %s  %s\n", section_ok_ ? "PASS" : "FAIL", title_.c_str());
    sections_.emplace_back(title_, section_ok_);
    open_ = false;
  }

  /// Prints every section's verdict and returns the exit status: 0 when all passed.
  int summary() {
    end();
    int failed = 0;
    std::printf("\n== Summary ==\n");
    for (const auto& [title, ok] : sections_) {
      std::printf("  %-4s  %s\n", ok ? "PASS" : "FAIL", title.c_str());
      failed += ok ? 0 : 1;
    }
    std::printf("%zu sections: %zu passed, %d failed\n", sections_.size(), sections_.size() - failed, failed);
    return failed == 0 ? 0 : 1;
  }

 private:
  std::string title_;
  bool section_ok_ = true;
  bool open_ = false;
  std::vector<std::pair<std::string, bool>> sections_;
};

}  // namespace support
