#include "core/random.h"

#include <cmath>
#include <numbers>
#include <sstream>

#include "core/error.h"

namespace ember {

void Generator::seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  engine_.seed(seed);
}

float Generator::next_unit() { return static_cast<float>(engine_() >> 40) * (1.0f / 16777216.0f); }

void Generator::uniform(float* out, int64_t n, float low, float high) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int64_t i = 0; i < n; ++i) out[i] = low + (high - low) * next_unit();
}

void Generator::normal(float* out, int64_t n, float mean, float std) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Box–Muller: two uniforms give two independent normals.
  for (int64_t i = 0; i < n; i += 2) {
    double u1 = 1.0 - static_cast<double>(engine_() >> 11) * 0x1.0p-53;  // (0, 1]
    double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    double r = std::sqrt(-2.0 * std::log(u1)), theta = 2.0 * std::numbers::pi * u2;
    out[i] = static_cast<float>(mean + std * r * std::cos(theta));
    if (i + 1 < n) out[i + 1] = static_cast<float>(mean + std * r * std::sin(theta));
  }
}

uint64_t Generator::below(uint64_t n) {
  if (n == 0) fail("Generator::below: n must be at least 1 (a number in [0, n) is drawn), got 0");
  std::lock_guard<std::mutex> lock(mutex_);
  return std::uniform_int_distribution<uint64_t>(0, n - 1)(engine_);
}

std::string Generator::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  out << engine_;
  return out.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream in(state);
  std::mt19937_64 restored;
  in >> restored;
  if (in.fail()) fail("Generator::set_state: the state text is not a saved generator state");
  std::lock_guard<std::mutex> lock(mutex_);
  engine_ = restored;
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().seed(seed); }

}  // namespace ember
