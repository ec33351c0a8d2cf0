// The per-epoch record of a training run: a CSV file rewritten (atomically)
// after every epoch, and the learning curves drawn from it by gnuplot (PNG
// and SVG). The rows are kept as the text written, so a resumed run carries
// its history forward in its checkpoint and rewrites the same file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace support {

/// Writes `text` to `path` through a temporary file and a rename, so a reader
/// (or a crash) never sees half a file.
inline void write_file_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

struct EpochRecord {
  int64_t epoch;  // 1-based
  double train_loss, train_accuracy, test_loss, test_accuracy, lr, seconds;
};

class MetricsLog {
 public:
  /// Regression runs have no accuracy: those columns stay empty.
  explicit MetricsLog(bool classification) : classification_(classification) {}

  void add(const EpochRecord& r) {
    char row[256];
    if (classification_)
      std::snprintf(row, sizeof row, "%lld,%.6f,%.6f,%.6f,%.6f,%.6g,%.2f", static_cast<long long>(r.epoch),
                    r.train_loss, r.train_accuracy, r.test_loss, r.test_accuracy, r.lr, r.seconds);
    else
      std::snprintf(row, sizeof row, "%lld,%.6g,,%.6g,,%.6g,%.2f", static_cast<long long>(r.epoch),
                    r.train_loss, r.test_loss, r.lr, r.seconds);
    rows_.push_back(row);
  }

  /// The rows, without the header (what a checkpoint keeps).
  std::string rows_text() const {
    std::string out;
    for (const auto& r : rows_) out += r + "\n";
    return out;
  }
  void set_rows_text(const std::string& text) {
    rows_.clear();
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) rows_.push_back(line);
  }
  size_t size() const { return rows_.size(); }

  void write_csv(const std::string& path) const {
    write_file_atomically(
        path, "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds\n" + rows_text());
  }

  /// Draws `csv_path` into <stem>.png and <stem>.svg with gnuplot: loss on the
  /// left, accuracy on the right. Returns false (and says why) when gnuplot
  /// is missing or fails — the run's results do not depend on it.
  bool plot(const std::string& csv_path, const std::string& stem, const std::string& title) const {
    if (rows_.empty()) return false;
    FILE* gp = popen("gnuplot 2>&1", "w");
    if (!gp) {
      std::fprintf(stderr, "plot: cannot start gnuplot\n");
      return false;
    }
    // Two curves (train, test) of the CSV's columns x and y, scaled by `scale`.
    auto curves = [&](int train_column, int test_column, const std::string& scale) {
      auto col = [&](int c) {
        return scale.empty() ? std::to_string(c) : "($" + std::to_string(c) + scale + ")";
      };
      return "plot '" + csv_path + "' using 1:" + col(train_column) +
             " with linespoints lw 2 title 'train', '' using 1:" + col(test_column) +
             " with linespoints lw 2 title 'test'\n";
    };
    std::string panels;
    if (classification_) {
      panels = "set multiplot layout 1,2 title '" + title + "'\n";
      panels += "set title 'loss'\nset key top right\nset format y '%g'\n" + curves(2, 4, "");
      panels += "set title 'accuracy'\nset key bottom right\nset format y '%g%%'\n" + curves(3, 5, "*100");
      panels += "unset multiplot\n";
    } else {
      panels = "set title '" + title + "'\nset ylabel 'MSE'\nset logscale y\n" + curves(2, 4, "");
    }
    // noenhanced: names such as leaky_relu print as written, not with a subscript.
    std::string script =
        "set datafile separator ','\nset grid\nset xlabel 'epoch'\nset termoption noenhanced\n";
    // Epochs are whole numbers: the axis starts at 0 and has one tic per epoch
    // while that stays readable (a one-epoch run otherwise gets tics at 0.995…).
    script += "set xrange [0:" + std::to_string(rows_.size() + 1) + "]\n";
    if (rows_.size() <= 20) script += "set xtics 1\n";
    script +=
        "set terminal pngcairo size 1100,450 font ',10' noenhanced\nset output '" + stem + ".png'\n" + panels;
    script += "set terminal svg size 1100,450 dynamic font ',10' noenhanced\nset output '" + stem +
              ".svg'\n" + panels;
    script += "set output\n";
    std::fputs(script.c_str(), gp);
    int status = pclose(gp);
    if (status != 0) {
      std::fprintf(stderr, "plot: gnuplot failed (status %d); is gnuplot-nox installed?\n", status);
      return false;
    }
    return true;
  }

 private:
  bool classification_;
  std::vector<std::string> rows_;
};

}  // namespace support
