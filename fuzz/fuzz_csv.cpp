// Fuzzes the CSV reader (data/csv.h) with the bytes of a file. Byte 0 picks the
// options — bits 0-2 the delimiter (, ; tab | space), bit 3 no header, bits 4-5
// the task (auto, classification, regression), bit 6 skip_missing — and byte 1
// the entry point (bit 0: load_csv_features instead of load_csv) and whether
// columns are named (bit 1: target "y" or "1", features "a","b" or "2","3") or
// left to the defaults. The rest is the file.
//
// What must hold: load_csv returns a dataset that passes validate(), with
// finite inputs, a name per feature, and class names sorted as the design says
// (as numbers when all are numbers, as text otherwise) and unique; or it throws
// an ember::Error that starts with the function's name and stays short. Any
// other exception, a crash or a sanitizer report is a finding.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "data/csv.h"
#include "fuzz_util.h"

namespace {

bool all_numbers(const std::vector<std::string>& names, std::vector<double>& values) {
  for (const auto& n : names) {
    // The design's "number": decimal and finite ("inf", "nan" and hex are text).
    const char* first = n.data();
    const char* last = n.data() + n.size();
    if (first != last && (*first == '+' || *first == '-') && last - first > 1 &&
        (std::isdigit(static_cast<unsigned char>(first[1])) || first[1] == '.'))
      first += *first == '+';
    if (first == last ||
        !(std::isdigit(static_cast<unsigned char>(*first)) || *first == '.' || *first == '-'))
      return false;
    double v = 0;
    auto [end, error] = std::from_chars(first, last, v);
    if (error != std::errc() || end != last || !std::isfinite(v)) return false;
    values.push_back(v);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const char delimiters[] = {',', ';', '\t', '|', ' ', ',', ',', ','};
  static const char* const tasks[] = {"auto", "classification", "regression", "auto"};
  ember::data::CsvOptions o;
  o.delimiter = delimiters[data[0] & 7];
  o.header = !(data[0] & 8);
  o.task = tasks[(data[0] >> 4) & 3];
  o.skip_missing = data[0] & 64;
  const bool features_only = data[1] & 1;
  if (data[1] & 2) {
    o.target = o.header ? "y" : "1";
    o.features = o.header ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"2", "3"};
  }
  const std::string path = ember_fuzz::write_file("input.csv", data + 2, size - 2);
  const char* who = features_only ? "load_csv_features: " : "load_csv: ";
  try {
    if (features_only) {
      std::vector<std::string> names =
          o.features.empty() ? std::vector<std::string>{o.header ? "a" : "1"} : o.features;
      ember::Tensor x = ember::data::load_csv_features(path, names, o);
      FUZZ_CHECK(x.dim() == 2 && x.size(1) == static_cast<int64_t>(names.size()) && x.size(0) > 0,
                 "load_csv_features: shape of rank %lld", static_cast<long long>(x.dim()));
      for (float v : x.to_vector()) FUZZ_CHECK(std::isfinite(v), "load_csv_features: value %g", v);
      return 0;
    }
    ember::data::Dataset d = ember::data::load_csv(path, o);
    ember::data::validate(d, "fuzz_csv");  // throws an Error not naming load_csv: a finding below
    FUZZ_CHECK(d.size() > 0 && d.num_features() > 0, "load_csv: %lld rows, %lld features",
               static_cast<long long>(d.size()), static_cast<long long>(d.num_features()));
    FUZZ_CHECK(static_cast<int64_t>(d.feature_names.size()) == d.num_features(),
               "load_csv: %zu feature names", d.feature_names.size());
    for (float v : d.inputs.to_vector()) FUZZ_CHECK(std::isfinite(v), "load_csv: input %g", v);
    if (o.task == "regression") FUZZ_CHECK(!d.is_classification(), "load_csv: classes for task regression");
    if (o.task == "classification")
      FUZZ_CHECK(d.is_classification(), "load_csv: no classes for classification");
    if (d.is_classification()) {
      FUZZ_CHECK(static_cast<int64_t>(d.class_names.size()) == d.num_classes,
                 "load_csv: %zu names, %lld classes", d.class_names.size(),
                 static_cast<long long>(d.num_classes));
      std::vector<double> numbers;
      if (all_numbers(d.class_names, numbers)) {
        for (size_t i = 1; i < numbers.size(); ++i)
          FUZZ_CHECK(numbers[i - 1] < numbers[i], "load_csv: numeric classes out of order at %zu", i);
      } else {
        for (size_t i = 1; i < d.class_names.size(); ++i)
          FUZZ_CHECK(d.class_names[i - 1] < d.class_names[i], "load_csv: text classes out of order at %zu",
                     i);
      }
    } else {
      FUZZ_CHECK(d.targets.shape() == (ember::Shape{d.size(), 1}),
                 "load_csv: regression targets of rank %lld", static_cast<long long>(d.targets.dim()));
      for (float v : d.targets.to_vector()) FUZZ_CHECK(std::isfinite(v), "load_csv: target %g", v);
    }
  } catch (const ember::Error& e) {
    const std::string message = e.what();
    FUZZ_CHECK(message.rfind(who, 0) == 0, "an Error not naming %s: %s", who, message.c_str());
    FUZZ_CHECK(message.size() < 2000, "a %zu-byte message", message.size());
  }
  return 0;
}
