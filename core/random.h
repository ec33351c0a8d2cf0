// ember's random numbers: one explicit generator (a 64-bit Mersenne Twister)
// that every random op draws from — randn, rand, dropout masks, RReLU slopes,
// init, shuffling. manual_seed resets it, so a run is reproducible from its seed.
// Draws are serialised by a mutex so threads never corrupt the state.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace ember {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : engine_(seed) {}
  void seed(uint64_t seed);
  /// Fills n floats with U[low, high).
  void uniform(float* out, int64_t n, float low = 0.0f, float high = 1.0f);
  /// Fills n floats with N(mean, std) (Box–Muller).
  void normal(float* out, int64_t n, float mean = 0.0f, float std = 1.0f);
  /// A whole number in [0, n).
  uint64_t below(uint64_t n);
  /// The raw engine state, so that a checkpoint can resume the same stream.
  std::string state() const;
  void set_state(const std::string& state);

 private:
  float next_unit();  // U[0, 1) with 24 random bits
  mutable std::mutex mutex_;
  std::mt19937_64 engine_;
};

/// The generator behind every random op.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace ember
