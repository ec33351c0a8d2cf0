// Toy dataset generators. Each draws only from its own seeded Generator.
#include "data/toy.h"

#include <cmath>
#include <new>
#include <numbers>

#include "core/error.h"
#include "core/random.h"

namespace ember::data {
namespace {

constexpr float pi = std::numbers::pi_v<float>;

std::vector<std::string> numbered_classes(int64_t k) {
  std::vector<std::string> names;
  for (int64_t i = 0; i < k; ++i) names.push_back("class " + std::to_string(i));
  return names;
}

void check_n(int64_t n, const char* who) {
  if (n <= 0) fail(who, ": n must be positive, got ", n);
  if (n > max_samples) fail(who, ": n ", n, " is too large (at most ", max_samples, " samples)");
}

// A class count or grid size that is a size, not a sample count: bounded so
// that the class names and the arithmetic on it stay small.
constexpr int64_t max_classes = int64_t{1} << 16;

// std::vector's bad_alloc becomes an ember::Error naming the function and the size.
template <class F>
auto allocating(const char* who, int64_t n, F make) {
  try {
    return make();
  } catch (const std::bad_alloc&) {
    fail(who, ": out of memory generating ", n, " samples (", static_cast<double>(n) * 12 / 1e9, " GB)");
  }
}

void check_noise(float noise, const char* who) {
  if (!(noise >= 0) || !std::isfinite(noise)) fail(who, ": noise must be finite and >= 0, got ", noise);
}

// A classification dataset from per-sample (x, y, class), with noise added to x and y.
template <class Sample>
Dataset plane(const std::string& name, int64_t n, int64_t k, float noise, Generator& gen, Sample sample) {
  std::vector<float> xy, label, jitter(2);
  allocating(("make_" + name).c_str(), n, [&] {
    xy.resize(static_cast<size_t>(2 * n));
    label.resize(static_cast<size_t>(n));
    return 0;
  });
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = sample(i, xy[2 * i], xy[2 * i + 1]);
    label[i] = static_cast<float>(c);
    if (noise > 0) {
      gen.normal(jitter.data(), 2, 0.0f, noise);
      xy[2 * i] += jitter[0];
      xy[2 * i + 1] += jitter[1];
    }
  }
  Dataset d{name, tensor(std::move(xy), {n, 2}), tensor(std::move(label), {n}), numbered_classes(k), k};
  return d;
}

float unit(Generator& gen) {
  float u;
  gen.uniform(&u, 1);
  return u;
}

}  // namespace

Dataset make_spirals(int64_t n, int64_t arms, float noise, uint64_t seed, float turns) {
  check_n(n, "make_spirals");
  check_noise(noise, "make_spirals");
  if (arms < 2 || arms > max_classes)
    fail("make_spirals: need at least 2 arms and at most ", max_classes, ", got ", arms);
  if (!(turns > 0) || !std::isfinite(turns))
    fail("make_spirals: turns must be positive and finite, got ", turns);
  Generator gen(seed);
  // Arm k at radius r sits at angle 2π·turns·r + 2πk/K: arms wind together
  // at equal angular spacing. r is drawn so that points spread evenly along
  // the arm rather than bunching at the centre.
  return plane("spirals", n, arms, noise, gen, [&](int64_t i, float& x, float& y) {
    int64_t k = i % arms;
    float r = std::sqrt(unit(gen)) * 0.95f + 0.05f;
    float angle = 2 * pi * turns * r + 2 * pi * static_cast<float>(k) / static_cast<float>(arms);
    x = r * std::cos(angle);
    y = r * std::sin(angle);
    return k;
  });
}

Dataset make_moons(int64_t n, float noise, uint64_t seed) {
  check_n(n, "make_moons");
  check_noise(noise, "make_moons");
  Generator gen(seed);
  // scikit-learn's moons: the upper half circle, and the lower one shifted by (1, -0.5).
  return plane("moons", n, 2, noise, gen, [&](int64_t i, float& x, float& y) {
    float t = pi * unit(gen);
    int64_t k = i % 2;
    x = k == 0 ? std::cos(t) : 1 - std::cos(t);
    y = k == 0 ? std::sin(t) : 0.5f - std::sin(t);
    x -= 0.5f;  // centred on the origin
    y -= 0.25f;
    return k;
  });
}

Dataset make_circles(int64_t n, float noise, uint64_t seed, float factor) {
  check_n(n, "make_circles");
  check_noise(noise, "make_circles");
  if (!(factor > 0 && factor < 1)) fail("make_circles: factor must be in (0, 1), got ", factor);
  Generator gen(seed);
  return plane("circles", n, 2, noise, gen, [&](int64_t i, float& x, float& y) {
    float t = 2 * pi * unit(gen);
    int64_t k = i % 2;
    float r = k == 0 ? 1.0f : factor;
    x = r * std::cos(t);
    y = r * std::sin(t);
    return k;
  });
}

Dataset make_checkerboard(int64_t n, int64_t cells, float noise, uint64_t seed) {
  check_n(n, "make_checkerboard");
  check_noise(noise, "make_checkerboard");
  if (cells < 2 || cells > max_classes)
    fail("make_checkerboard: need at least 2 cells per side and at most ", max_classes, ", got ", cells);
  Generator gen(seed);
  // Balanced classes: draw a square of the wanted colour, then a point in it.
  Dataset d = plane("checkerboard", n, 2, noise, gen, [&](int64_t i, float& x, float& y) {
    int64_t k = i % 2;
    int64_t row = static_cast<int64_t>(gen.below(static_cast<uint64_t>(cells)));
    int64_t col = static_cast<int64_t>(gen.below(static_cast<uint64_t>(cells)));
    if ((row + col) % 2 != k) col = (col + 1) % cells;  // the neighbour has the other colour
    float side = 2.0f / static_cast<float>(cells);
    x = -1 + side * (static_cast<float>(col) + unit(gen));
    y = -1 + side * (static_cast<float>(row) + unit(gen));
    return k;
  });
  return d;
}

Dataset make_xor(int64_t n, float noise, uint64_t seed) {
  check_n(n, "make_xor");  // checked here so that the message names make_xor, not make_checkerboard
  check_noise(noise, "make_xor");
  Dataset d = make_checkerboard(n, 2, noise, seed);
  d.name = "xor";
  return d;
}

Dataset make_regression_1d(std::string_view function, int64_t n, float noise, uint64_t seed) {
  check_n(n, "make_regression_1d");
  check_noise(noise, "make_regression_1d");
  float (*f)(float) = nullptr;
  if (function == "sine") f = [](float x) { return std::sin(2 * pi * x); };
  if (function == "abs") f = [](float x) { return std::fabs(x); };
  if (function == "step") f = [](float x) { return x > 0 ? 1.0f : 0.0f; };
  if (!f) fail("make_regression_1d: unknown function \"", function, "\" (expected sine, abs or step)");
  Generator gen(seed);
  std::vector<float> xs, ys;
  allocating("make_regression_1d", n, [&] {
    xs.resize(static_cast<size_t>(n));
    ys.resize(static_cast<size_t>(n));
    return 0;
  });
  gen.uniform(xs.data(), n, -1.0f, 1.0f);
  if (noise > 0)
    gen.normal(ys.data(), n, 0.0f, noise);
  else
    std::fill(ys.begin(), ys.end(), 0.0f);
  for (int64_t i = 0; i < n; ++i) ys[i] += f(xs[i]);
  return Dataset{std::string(function), tensor(std::move(xs), {n, 1}), tensor(std::move(ys), {n, 1}), {}, 0};
}

const std::vector<std::string>& toy_tasks() {
  static const std::vector<std::string> names{"spirals",      "moons", "circles", "xor",
                                              "checkerboard", "sine",  "abs",     "step"};
  return names;
}

Dataset make_toy(std::string_view task, const ToyOptions& o) {
  auto noise = [&](float fallback) { return o.noise < 0 ? fallback : o.noise; };
  if (task == "spirals") return make_spirals(o.n, o.arms, noise(0.03f), o.seed);
  if (task == "moons") return make_moons(o.n, noise(0.1f), o.seed);
  if (task == "circles") return make_circles(o.n, noise(0.05f), o.seed);
  if (task == "xor") return make_xor(o.n, noise(0.05f), o.seed);
  if (task == "checkerboard") return make_checkerboard(o.n, o.cells, noise(0.0f), o.seed);
  if (task == "sine" || task == "abs" || task == "step")
    return make_regression_1d(task, o.n, noise(0.05f), o.seed);
  std::string known;
  for (const auto& t : toy_tasks()) known += (known.empty() ? "" : ", ") + t;
  fail("make_toy: unknown task \"", task, "\" (expected one of ", known, ")");
}

}  // namespace ember::data
