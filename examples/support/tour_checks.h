// The measurements activation_tour makes: how far ember's output row is from
// a row the tutorial printed (to four decimals), and how far two ways of
// computing one function are apart over a range. Each returns the numbers and
// a verdict; printing is the caller's.
#pragma once

#include <ember.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace support {

using UnaryFunction = std::function<ember::Tensor(const ember::Tensor&)>;

/// The largest |a − b| over every element (same number of elements).
inline float largest_difference(const ember::Tensor& a, const ember::Tensor& b) {
  const std::vector<float> u = a.to_vector(), v = b.to_vector();
  float largest = 0;
  for (size_t i = 0; i < u.size() && i < v.size(); ++i) largest = std::max(largest, std::abs(u[i] - v[i]));
  return largest;
}

/// A row of numbers as PyTorch prints one: four decimals.
inline std::string format_row(const std::vector<float>& row) {
  std::string text = "[";
  char number[32];
  for (size_t i = 0; i < row.size(); ++i) {
    std::snprintf(number, sizeof number, "%s%8.4f", i ? "," : "", row[i]);
    text += number;
  }
  return text + "]";
}

struct RowComparison {
  std::vector<float> ours;       // f at the printed inputs
  float largest_difference = 0;  // max |ours − printed|
  float worst_ratio = 0;         // max |ours − printed| / allowed: at most 1 to pass
  bool ok = false;
};

/// Runs an elementwise (or per-channel) `f` on the tutorial's printed inputs,
/// as one row [1, n], and compares with the outputs it printed. Both rows are
/// rounded to four decimals: the true input is within 5e-5 of the printed one,
/// which moves f by up to 5e-5·|f′(x)|, and the printed output is within 5e-5
/// of the true one; so element i may differ by 1e-4·max(1, |f′(xᵢ)|). f′ comes
/// from autograd.
inline RowComparison compare_with_printed_row(const UnaryFunction& f, const std::vector<float>& x,
                                              const std::vector<float>& printed) {
  const int64_t n = static_cast<int64_t>(x.size());
  ember::Tensor input = ember::tensor(x, {1, n}, /*requires_grad=*/true);
  ember::Tensor y = f(input);
  y.backward(ember::ones_like(y));
  RowComparison result{.ours = y.to_vector()};
  const std::vector<float> slope = input.grad().to_vector();
  for (int64_t i = 0; i < n; ++i) {
    const float difference = std::abs(result.ours[i] - printed[i]);
    const float allowed = 1e-4f * std::max(1.0f, std::abs(slope[i]));
    result.largest_difference = std::max(result.largest_difference, difference);
    result.worst_ratio = std::max(result.worst_ratio, difference / allowed);
  }
  result.ok = result.worst_ratio <= 1.0f;
  return result;
}

struct Agreement {
  float largest_difference = 0;  // max |formula − builtin|
  bool ok = false;               // within tolerance · max(1, |builtin|) everywhere
};

/// Two computations of one function — a formula written out, as the tutorial's
/// own modules are, and ember's built-in — over the same inputs. float32
/// rounding alone separates them by a few 1e-7 relative; `tolerance` leaves room.
inline Agreement agreement(const UnaryFunction& formula, const UnaryFunction& builtin,
                           const ember::Tensor& xs, float tolerance = 1e-5f) {
  ember::NoGradGuard no_grad;
  const std::vector<float> a = formula(xs).to_vector(), b = builtin(xs).to_vector();
  Agreement result{.ok = a.size() == b.size()};
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const float difference = std::abs(a[i] - b[i]);
    result.largest_difference = std::max(result.largest_difference, difference);
    if (!(difference <= tolerance * std::max(1.0f, std::abs(b[i])))) result.ok = false;  // NaN fails too
  }
  return result;
}

/// "3.1e-05" — a difference, short.
inline std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2g", value);
  return text;
}

/// "0.1004" — a value, with a fixed number of decimals.
inline std::string fixed(double value, int decimals) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace support
