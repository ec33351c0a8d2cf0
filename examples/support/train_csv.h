// train_mlp on your own CSV file: --csv loads it (data::load_csv), splits off
// --test-fraction of the rows for testing (seeded, the same rows every run),
// and standardises each feature with the training rows' mean and standard
// deviation — and, for regression, the target too, so the network fits values
// near 0 rather than thousands of grams. CsvModel is everything --predict needs
// to use the trained network on new rows: the columns, the class names, both
// scalings and the layer sizes. It goes into the checkpoint and model.safetensors
// as metadata ("csv.*"), so either file alone is enough to predict.
//
// Predictions are CSV on stdout: "row,<target>,p_<class>…" — the class name and
// each class's probability — or "row,<target>" with the value in the target's units.
#pragma once

#include <ember.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "train_options.h"

namespace support {

namespace detail {

// A list of names as one metadata value: one per line, "\" and line breaks escaped.
inline std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += '\n';
    for (char c : names[i])
      out += c == '\\' ? std::string("\\\\") : c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}
inline std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      names.emplace_back();
    } else if (text[i] == '\\' && i + 1 < text.size()) {
      names.back() += text[++i] == 'n' ? '\n' : text[i];
    } else {
      names.back() += text[i];
    }
  }
  return names;
}

// Floats as exact text, comma-separated, and back.
inline std::string join_floats(const std::vector<float>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + ember::nn::exact_text(v[i]);
  return out;
}
inline std::vector<float> split_floats(const std::string& text, const std::string& context,
                                       const std::string& key) {
  std::vector<float> v;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    const ember::nn::Metadata one{{key, part}};
    v.push_back(static_cast<float>(ember::nn::MetadataReader{one, context, ""}.real(key)));
  }
  return v;
}

// A CSV field, quoted when it must be (RFC 4180).
inline std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace detail

/// What a --csv run keeps with its model for --predict.
struct CsvModel {
  std::string target;
  std::vector<std::string> features;
  char delimiter = ',';
  bool header = true;
  std::vector<std::string> class_names;           // empty: regression
  ember::data::Standardization inputs, response;  // response: the regression target's scaling
  std::string hidden, activation;
  float dropout = 0;

  bool used() const { return !features.empty(); }
  bool classification() const { return !class_names.empty(); }
  int64_t outputs() const { return classification() ? static_cast<int64_t>(class_names.size()) : 1; }

  /// The "csv.*" metadata, or nothing when the run is not a --csv run.
  ember::nn::Metadata metadata() const {
    if (!used()) return {};
    using detail::join_floats;
    ember::nn::Metadata m{{"csv.target", target},
                          {"csv.features", detail::join_names(features)},
                          {"csv.delimiter", std::string(1, delimiter)},
                          {"csv.header", header ? "1" : "0"},
                          {"csv.task", classification() ? "classification" : "regression"},
                          {"csv.input_mean", join_floats(inputs.mean)},
                          {"csv.input_std", join_floats(inputs.std)},
                          {"csv.hidden", hidden},
                          {"csv.activation", activation},
                          {"csv.dropout", ember::nn::exact_text(dropout)}};
    if (classification())
      m["csv.classes"] = detail::join_names(class_names);
    else
      m["csv.target_mean"] = join_floats(response.mean), m["csv.target_std"] = join_floats(response.std);
    return m;
  }

  /// Reads what metadata() wrote from a checkpoint or a model file of a --csv run.
  static CsvModel read(const std::string& path) {
    const std::string context = "predict: " + path;
    const ember::nn::Metadata meta = ember::nn::read_safetensors(path).metadata;
    const ember::nn::MetadataReader r{meta, context,
                                      " (not the checkpoint or model of a train_mlp --csv run?)"};
    CsvModel m;
    m.target = r.text("csv.target");
    m.features = detail::split_names(r.text("csv.features"));
    const std::string& delimiter = r.text("csv.delimiter");
    if (delimiter.size() != 1) ember::fail(context, ": metadata 'csv.delimiter' is not one character");
    m.delimiter = delimiter[0];
    m.header = r.text("csv.header") == "1";
    const bool classification = r.text("csv.task") == "classification";
    m.inputs = {detail::split_floats(r.text("csv.input_mean"), context, "csv.input_mean"),
                detail::split_floats(r.text("csv.input_std"), context, "csv.input_std")};
    if (classification)
      m.class_names = detail::split_names(r.text("csv.classes"));
    else
      m.response = {detail::split_floats(r.text("csv.target_mean"), context, "csv.target_mean"),
                    detail::split_floats(r.text("csv.target_std"), context, "csv.target_std")};
    m.hidden = r.text("csv.hidden");
    m.activation = r.text("csv.activation");
    m.dropout = static_cast<float>(r.real("csv.dropout"));
    if (m.inputs.mean.size() != m.features.size())
      ember::fail(context, ": ", m.features.size(), " features but ", m.inputs.mean.size(), " means");
    return m;
  }

  /// The feature columns of `path` (new rows), scaled as the training rows were.
  ember::Tensor read_inputs(const std::string& path) const {
    ember::Tensor x =
        ember::data::load_csv_features(path, features, {.delimiter = delimiter, .header = header});
    ember::data::standardize_(x, inputs);
    return x;
  }

  /// One CSV line per row of the network's outputs: the class and its
  /// probabilities, or the value in the target's units.
  void write_predictions(const ember::Tensor& outputs, std::FILE* out) const {
    std::string head = "row," + detail::csv_field(target);
    for (const auto& name : class_names) head += "," + detail::csv_field("p_" + name);
    std::fprintf(out, "%s\n", head.c_str());
    if (classification()) {
      const ember::Tensor p = ember::F::softmax(outputs, 1);
      const std::vector<float> best = p.argmax(1).to_vector(), probs = p.to_vector();
      const size_t k = class_names.size();
      for (size_t i = 0; i < best.size(); ++i) {
        std::fprintf(out, "%zu,%s", i + 1,
                     detail::csv_field(class_names[static_cast<size_t>(best[i])]).c_str());
        for (size_t c = 0; c < k; ++c) std::fprintf(out, ",%.4f", probs[i * k + c]);
        std::fprintf(out, "\n");
      }
    } else {
      ember::Tensor values = outputs.detach().clone();
      ember::data::unstandardize_(values, response);
      const std::vector<float> v = values.to_vector();
      for (size_t i = 0; i < v.size(); ++i) std::fprintf(out, "%zu,%.6g\n", i + 1, v[i]);
    }
  }
};

/// Copies the weights of a checkpoint (tensors "model.<name>") or of a model
/// file (nn::save's) into `model`, checking every name and shape first.
inline void load_weights(ember::nn::Module& model, const std::string& path) {
  ember::nn::SafetensorsFile file = ember::nn::read_safetensors(path);
  const bool checkpoint = file.metadata.count("format") > 0;
  ember::nn::NamedTensors weights;
  for (const auto& named : file.tensors)
    if (!checkpoint || named.first.rfind("model.", 0) == 0) weights.push_back(named);
  ember::nn::copy_tensors(ember::nn::match_tensors(model, weights, path, checkpoint ? "model." : ""));
}

/// --csv: the file's rows split into training and test sets, standardised
/// with the training rows' statistics (as --normalize says), and `saved` filled in.
inline ember::data::DatasetSplit load_csv_split(const TrainOptions& o, CsvModel& saved) {
  namespace data = ember::data;
  data::CsvOptions options{.target = o.target,
                           .features = o.feature_list(),
                           .delimiter = o.delimiter_char(),
                           .header = !o.no_header,
                           .task = o.task,
                           .skip_missing = o.skip_missing};
  data::Dataset all = data::load_csv(o.csv, options);
  const auto test_size =
      static_cast<int64_t>(std::llround(o.test_fraction * static_cast<double>(all.size())));
  if (test_size < 1 || test_size >= all.size())
    ember::fail("--test-fraction ", o.test_fraction, " of ", all.size(), " rows leaves ", test_size,
                " for testing and ", all.size() - test_size, " for training (each needs at least one)");
  // Seed 0 whatever --seed is: every run tests on the same rows.
  data::DatasetSplit s = data::train_test_split(all, test_size, /*seed=*/0);
  if (o.train_limit > 0 && o.train_limit < s.train.size()) {  // quick runs on the first rows
    std::vector<int64_t> first(static_cast<size_t>(o.train_limit));
    for (int64_t i = 0; i < o.train_limit; ++i) first[i] = i;
    s.train = data::subset(s.train, first);
  }

  saved =
      CsvModel{all.target_name, all.feature_names, options.delimiter, options.header, all.class_names, {}, {},
               o.hidden,        o.activation,      o.dropout};
  const auto features = static_cast<size_t>(all.num_features());
  saved.inputs = {std::vector<float>(features, 0.0f), std::vector<float>(features, 1.0f)};
  saved.response = {{0.0f}, {1.0f}};
  if (o.normalize != "none") {
    saved.inputs = data::compute_standardization(s.train.inputs);
    if (!s.train.is_classification()) saved.response = data::compute_standardization(s.train.targets);
  }
  for (data::Dataset* d : {&s.train, &s.test}) {
    data::standardize_(d->inputs, saved.inputs);
    if (!d->is_classification()) data::standardize_(d->targets, saved.response);
  }

  if (all.is_classification()) {
    std::printf("target %s: %lld classes", all.target_name.c_str(), static_cast<long long>(all.num_classes));
    if (o.task == "auto" && all.num_classes > 10)
      std::printf(" (auto: its values are whole numbers; --task regression to predict a value)");
    std::printf("\n");
  } else {
    std::printf("target %s: regression, standardised (mean %g, std %g): mse is in units of its variance\n",
                all.target_name.c_str(), saved.response.mean[0], saved.response.std[0]);
  }
  return s;
}

}  // namespace support
