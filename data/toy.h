// Toy datasets, generated from a seed: the classic playgrounds for watching
// an activation bend a decision boundary or fit a curve.
//
// Classification tasks live in the plane ([N, 2] inputs, roughly within
// [-1.5, 1.5]) with balanced classes (sample i has class i mod K); regression
// tasks map x in [-1, 1] ([N, 1]) to y ([N, 1] targets, so mse_loss sees the
// model's output shape). `noise` is the standard deviation of Gaussian noise
// added to each coordinate (classification) or to y (regression). Every draw
// comes from a Generator seeded with `seed`, never from the global one: the
// data does not depend on what else the program draws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"

namespace ember::data {

/// K interleaved spiral arms, `turns` turns each, radius growing from 0 to 1.
Dataset make_spirals(int64_t n, int64_t arms = 2, float noise = 0.03f, uint64_t seed = 0,
                     float turns = 1.25f);
/// Two interleaving half circles (scikit-learn's make_moons).
Dataset make_moons(int64_t n, float noise = 0.1f, uint64_t seed = 0);
/// An outer circle of radius 1 (class 0) around an inner one of radius `factor` (class 1).
Dataset make_circles(int64_t n, float noise = 0.05f, uint64_t seed = 0, float factor = 0.5f);
/// Uniform points in [-1, 1]²; class = colour of a `cells` × `cells` checkerboard
/// square, taken before the noise is added (so noise blurs the borders).
Dataset make_checkerboard(int64_t n, int64_t cells = 4, float noise = 0.0f, uint64_t seed = 0);
/// XOR: the 2 × 2 checkerboard, class 1 where x·y < 0.
Dataset make_xor(int64_t n, float noise = 0.05f, uint64_t seed = 0);
/// y = f(x) + noise for x uniform in [-1, 1]; f is "sine" (sin 2πx), "abs" (|x|) or "step" (0 or 1 at 0).
Dataset make_regression_1d(std::string_view function, int64_t n, float noise = 0.05f, uint64_t seed = 0);

/// By name, for command lines: "spirals", "moons", "circles", "xor",
/// "checkerboard", "sine", "abs", "step". A negative noise means the task's default.
struct ToyOptions {
  int64_t n = 2000;
  float noise = -1.0f;
  uint64_t seed = 0;
  int64_t arms = 2;   ///< spirals
  int64_t cells = 4;  ///< checkerboard
};
Dataset make_toy(std::string_view task, const ToyOptions& options = {});
/// The names make_toy knows.
const std::vector<std::string>& toy_tasks();

}  // namespace ember::data
