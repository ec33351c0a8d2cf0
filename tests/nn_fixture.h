// Reads the plain-text PyTorch fixtures written by scripts/make_nn_fixtures.py
// (tests/fixtures/nn_*.txt) and compares tensors with a tolerance.
#pragma once

#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace nn_fixture {

struct Entry {
  ember::Shape shape;
  std::vector<double> values;
};

struct Fixture {
  std::map<std::string, Entry> entries;
  std::vector<std::vector<std::string>> cases;  // "case" lines split into words (without "case")

  bool has(const std::string& key) const { return entries.count(key) != 0; }
  const Entry& at(const std::string& key) const {
    auto it = entries.find(key);
    if (it == entries.end()) throw std::runtime_error("fixture key missing: " + key);
    return it->second;
  }
  ember::Tensor tensor(const std::string& key) const {
    const Entry& e = at(key);
    return ember::tensor(std::vector<float>(e.values.begin(), e.values.end()), e.shape);
  }
};

inline Fixture read(const std::string& name) {
  std::ifstream in(std::string(EMBER_FIXTURE_DIR) + "/" + name);
  if (!in)
    throw std::runtime_error("cannot open fixture " + name +
                             " (run /usr/bin/python3 scripts/make_nn_fixtures.py)");
  Fixture f;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string key, w;
    words >> key;
    if (key == "case") {
      std::vector<std::string> c;
      while (words >> w) c.push_back(w);
      f.cases.push_back(c);
      continue;
    }
    Entry e;
    while (words >> w && w != "|") e.shape.push_back(std::stoll(w));
    while (words >> w) e.values.push_back(std::stod(w));
    f.entries[key] = e;
  }
  return f;
}

/// "key=value" words from index `from` on.
inline std::map<std::string, std::string> options(const std::vector<std::string>& words, size_t from) {
  std::map<std::string, std::string> out;
  for (size_t i = from; i < words.size(); ++i) {
    auto eq = words[i].find('=');
    if (eq != std::string::npos) out[words[i].substr(0, eq)] = words[i].substr(eq + 1);
  }
  return out;
}

/// Every element within atol + rtol·|expected|; reports the worst one.
inline ::testing::AssertionResult close(const ember::Tensor& actual, const ember::Tensor& expected,
                                        double atol = 1e-5, double rtol = 1e-5) {
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape " << ember::shape_str(actual.shape()) << " vs expected "
                                         << ember::shape_str(expected.shape());
  auto a = actual.to_vector(), e = expected.to_vector();
  for (size_t i = 0; i < a.size(); ++i) {
    bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
    if (!both_nan && !(std::fabs(a[i] - e[i]) <= atol + rtol * std::fabs(e[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs expected " << e[i];
  }
  return ::testing::AssertionSuccess();
}

}  // namespace nn_fixture
