// A confusion matrix (rows: true class, columns: predicted class) with the
// per-class accuracy next to each row, printed for a terminal and written as CSV.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace support {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int64_t classes)
      : n_(classes), counts_(static_cast<size_t>(classes * classes), 0) {}

  void add(int64_t truth, int64_t predicted) { ++counts_[static_cast<size_t>(truth * n_ + predicted)]; }
  /// A batch: class indices as a tensor's values (Tensor::to_vector()).
  void add(const std::vector<float>& truth, const std::vector<float>& predicted) {
    for (size_t i = 0; i < truth.size(); ++i)
      add(static_cast<int64_t>(truth[i]), static_cast<int64_t>(predicted[i]));
  }
  int64_t at(int64_t truth, int64_t predicted) const {
    return counts_[static_cast<size_t>(truth * n_ + predicted)];
  }

  int64_t row_total(int64_t truth) const {
    int64_t s = 0;
    for (int64_t p = 0; p < n_; ++p) s += at(truth, p);
    return s;
  }
  /// The fraction of class `truth` predicted right (recall).
  double class_accuracy(int64_t truth) const {
    int64_t total = row_total(truth);
    return total ? static_cast<double>(at(truth, truth)) / static_cast<double>(total) : 0.0;
  }

  /// The matrix with numbered columns, each row named, and its accuracy at the end.
  std::string format(const std::vector<std::string>& names) const {
    size_t name_width = 5;
    for (const auto& s : names) name_width = std::max(name_width, s.size());
    int cell = 6;
    std::string out = std::string(name_width + 5, ' ');
    char text[64];
    for (int64_t p = 0; p < n_; ++p) {
      std::snprintf(text, sizeof text, "%*lld", cell, static_cast<long long>(p));
      out += text;
    }
    out += "   accuracy\n";
    for (int64_t t = 0; t < n_; ++t) {
      std::snprintf(text, sizeof text, "%2lld  %-*s ", static_cast<long long>(t),
                    static_cast<int>(name_width),
                    t < static_cast<int64_t>(names.size()) ? names[t].c_str() : "");
      out += text;
      for (int64_t p = 0; p < n_; ++p) {
        std::snprintf(text, sizeof text, "%*lld", cell, static_cast<long long>(at(t, p)));
        out += text;
      }
      std::snprintf(text, sizeof text, "   %6.2f%%\n", 100 * class_accuracy(t));
      out += text;
    }
    return out;
  }

  /// CSV: a header of class names, then one row per true class.
  void write_csv(const std::string& path, const std::vector<std::string>& names) const {
    std::ofstream out(path);
    out << "true\\predicted";
    for (int64_t p = 0; p < n_; ++p) out << ",\"" << names.at(p) << '"';
    out << '\n';
    for (int64_t t = 0; t < n_; ++t) {
      out << '"' << names.at(t) << '"';
      for (int64_t p = 0; p < n_; ++p) out << ',' << at(t, p);
      out << '\n';
    }
  }

 private:
  int64_t n_;
  std::vector<int64_t> counts_;
};

}  // namespace support
