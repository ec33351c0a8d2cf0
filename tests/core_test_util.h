// Helpers shared by the core suites (test_tensor, test_ops_*, test_engine,
// test_errors_core): compare a tensor with hand-computed values, check that a
// call throws ember::Error with a message naming what went wrong, make
// deterministic inputs for gradcheck.
#pragma once

#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include <unistd.h>

namespace ember::testing {

/// A folder of its own under the system temp dir, emptied at the start and removed at the end.
/// The pid is in its name: CTest runs each test as a process of its own, two at a time.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
};

/// The message of the ember::Error that f throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

/// Shape and values of t, elementwise within tol (relative to the value for large ones).
/// NaN matches NaN, infinities match exactly.
inline ::testing::AssertionResult Near(const Tensor& t, const Shape& shape, const std::vector<float>& values,
                                       float tol = 1e-5f) {
  if (!t.defined()) return ::testing::AssertionFailure() << "the tensor is undefined";
  if (t.shape() != shape)
    return ::testing::AssertionFailure()
           << "shape " << shape_str(t.shape()) << ", expected " << shape_str(shape);
  if (static_cast<int64_t>(values.size()) != t.numel())
    return ::testing::AssertionFailure()
           << values.size() << " expected values for " << t.numel() << " elements";
  for (size_t i = 0; i < values.size(); ++i) {
    float got = t.data()[i], want = values[i];
    bool ok = std::isnan(want)   ? std::isnan(got)
              : std::isinf(want) ? got == want
                                 : std::fabs(got - want) <= tol * std::max(1.0f, std::fabs(want));
    if (!ok)
      return ::testing::AssertionFailure() << "element " << i << " is " << got << ", expected " << want;
  }
  return ::testing::AssertionSuccess();
}

/// f() throws ember::Error whose message contains every one of `parts`.
inline ::testing::AssertionResult ThrowsWith(const std::function<void()>& f,
                                             std::initializer_list<std::string> parts) {
  try {
    f();
  } catch (const Error& e) {
    std::string message = e.what();
    for (const std::string& part : parts)
      if (message.find(part) == std::string::npos)
        return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << part << "\"";
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-ember exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

/// Values drawn from U[lo, hi) with a fixed seed: reproducible gradcheck inputs.
inline Tensor uniform(const Shape& shape, float lo, float hi, uint64_t seed = 7, bool requires_grad = true) {
  manual_seed(seed);
  NoGradGuard no_grad;
  Tensor t = (rand(shape) * (hi - lo) + lo).detach();
  return t.requires_grad_(requires_grad);
}

/// Like uniform but |x| >= margin: inputs kept away from a kink at 0.
inline Tensor away_from_zero(const Shape& shape, float margin, float hi, uint64_t seed = 11) {
  Tensor t = uniform(shape, margin, hi, seed, false);
  manual_seed(seed + 1);
  Tensor signs = rand(shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    if (signs.data()[i] < 0.5f) t.data()[i] = -t.data()[i];
  return t.requires_grad_();
}

}  // namespace ember::testing

/// gradcheck of f at the given inputs; prints the worst element on failure.
#define EXPECT_GRADCHECK(f, ...)                                  \
  do {                                                            \
    auto gradcheck_result_ = ::ember::gradcheck(f, __VA_ARGS__);  \
    EXPECT_TRUE(gradcheck_result_.ok) << gradcheck_result_.worst; \
  } while (0)
