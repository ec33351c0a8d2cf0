// CSV files: your own tabular data as a Dataset. One row per sample, the
// feature columns as numbers, one target column — class labels (any text, or
// whole numbers) or values to regress.
//
//   auto d = data::load_csv("penguins.csv", {.target = "species",
//                                            .features = {"bill_length_mm", "bill_depth_mm"}});
//
// The reader follows RFC 4180: fields separated by the delimiter, a field in
// double quotes may hold the delimiter, a line break, or a quote written twice
// (""); lines end in LF or CRLF; a UTF-8 byte-order mark is skipped, and so are
// empty lines. Spaces around an unquoted field are dropped (" 5.1" is 5.1,
// " setosa" is setosa); a quoted field is kept exactly.
//
// Every row is read, in file order, unscaled: split and standardise with
// train_test_split and compute_standardization / standardize_ (data/dataset.h),
// fitted on the training part only. Anything the reader cannot use — a
// non-numeric feature cell, a row with too few or too many fields, a column the
// header lacks, a file with a header and no rows, a quote never closed — is an
// ember::Error naming the function, the file, the line and the column
// ("load_csv: iris.csv: line 7, column 2 (sepal_width): 'abc' is not a number").
//
// Left out: type inference of feature columns (text features are refused, not
// one-hot encoded), imputation of missing values (skip_missing drops the row),
// other quote characters and escape styles, encodings other than UTF-8/ASCII.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/dataset.h"

namespace ember::data {

struct CsvOptions {
  /// The target's column name; empty: the last column. Without a header the
  /// columns are named by their position, "1", "2", … (as errors count them).
  std::string target = {};
  /// The feature columns, in this order; empty: every column but the target.
  std::vector<std::string> features = {};
  char delimiter = ',';
  /// The first non-empty line names the columns.
  bool header = true;
  /// "classification", "regression" or "auto": classification when the target
  /// is non-numeric or all whole numbers, regression otherwise.
  std::string task = "auto";
  /// A row whose feature or target cell is missing — empty, NA, N/A, n/a,
  /// NaN, nan, NULL, null, None or ? — is left out (R's na.omit) instead of
  /// being an error. ember's addition to the design's options.
  bool skip_missing = false;
};

/// Reads the whole file: inputs [N, D] (the features, as floats), targets [N]
/// class indices or [N, 1] values. Class labels are sorted — as numbers when
/// every label is one ("2" < "10"), as text otherwise — and numbered 0..K-1;
/// their text is kept in class_names. The dataset is named after the file
/// ("penguins" for …/penguins.csv) and keeps its feature and target names.
Dataset load_csv(const std::string& path, const CsvOptions& options = {});

/// The named feature columns of a CSV file as a tensor [N, features.size()],
/// unscaled: the inputs of new rows to predict. Other columns (the target
/// among them) may be present or not. Read as load_csv reads (options.delimiter
/// and options.header apply; target, task and features do not), with its errors
/// under this function's name; a missing value is always an error here, since a
/// prediction per row is expected.
Tensor load_csv_features(const std::string& path, const std::vector<std::string>& features,
                         const CsvOptions& options = {});

/// The strings load_csv reads as a missing value.
const std::vector<std::string>& csv_missing_values();

}  // namespace ember::data
