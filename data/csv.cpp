// CSV reader: the file read whole, split into records by an RFC 4180 state
// machine that counts lines as it goes (a quoted field may span several), then
// the header resolved to column indices, each feature cell parsed as a number
// the moment its row is read, and the target cells kept as text until every row
// is in — only then is it known whether they are classes or values.
#include "data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>

#include "core/error.h"
#include "core/input_file.h"
#include "core/untrusted_text.h"

namespace ember::data {
namespace {

// A text file of 1 GiB is far past the tabular data an in-memory MLP trains on.
constexpr uint64_t max_csv_bytes = uint64_t{1} << 30;

struct Field {
  std::string text;
  bool quoted = false;
};

struct Record {
  std::vector<Field> fields;
  int64_t line = 0;  // where the record starts (1-based)
};

// Splits the file into records. `who` and `path` start every message.
class RecordReader {
 public:
  RecordReader(const std::string& text, char delimiter, const std::string& who, const std::string& path)
      : text_(text), delimiter_(delimiter), who_(who), path_(path) {
    // A UTF-8 byte-order mark (Excel writes one) is not part of the first name.
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
  }

  // The next record that is not an empty line, or false at the end of the file.
  bool next(Record& r) {
    while (pos_ < text_.size()) {
      if (skip_blank_line()) continue;
      r.fields.clear();
      r.line = line_;
      read_record(r);
      return true;
    }
    return false;
  }

 private:
  bool is_pad(char c) const { return (c == ' ' || c == '\t') && c != delimiter_; }
  bool at_line_end(size_t p) const {
    return p >= text_.size() || text_[p] == '\n' ||
           (text_[p] == '\r' && (p + 1 >= text_.size() || text_[p + 1] == '\n'));
  }
  // Moves past the line end at pos_ (LF, CRLF, or a CR that ends the file).
  void consume_line_end() {
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
  }

  // An empty line, or one of spaces only, holds no record: skipped.
  bool skip_blank_line() {
    size_t p = pos_;
    while (p < text_.size() && is_pad(text_[p])) ++p;
    if (!at_line_end(p)) return false;
    pos_ = p;
    consume_line_end();
    return true;
  }

  void read_record(Record& r) {
    for (;;) {
      r.fields.push_back(read_field(r));
      if (pos_ < text_.size() && text_[pos_] == delimiter_) {
        ++pos_;
        continue;
      }
      consume_line_end();  // read_field stops only at a delimiter or a line end
      return;
    }
  }

  Field read_field(const Record& r) {
    const int64_t column = static_cast<int64_t>(r.fields.size()) + 1;
    size_t p = pos_;
    while (p < text_.size() && is_pad(text_[p])) ++p;
    Field f;
    if (p < text_.size() && text_[p] == '"') {
      f.quoted = true;
      const int64_t opened = line_;
      ++p;
      for (;;) {
        if (p >= text_.size())
          fail(who_, ": ", path_, ": line ", opened, ", column ", column,
               ": a quoted field opened here is never closed (the file ends inside it)");
        const char c = text_[p];
        if (c == '"') {
          if (p + 1 < text_.size() && text_[p + 1] == '"') {  // "" is one quote
            f.text += '"';
            p += 2;
            continue;
          }
          ++p;
          break;
        }
        if (c == '\n') ++line_;
        f.text += c;
        ++p;
      }
      while (p < text_.size() && is_pad(text_[p])) ++p;
      if (p < text_.size() && text_[p] != delimiter_ && !at_line_end(p))
        fail(who_, ": ", path_, ": line ", line_, ", column ", column, ": ",
             detail::printable(std::string_view(&text_[p], 1)),
             " after the closing quote of a quoted field (a quote inside one is written twice: \"\")");
      pos_ = p;
      return f;
    }
    // Unquoted: up to the delimiter or the line end; a quote inside is kept as text.
    size_t end = p;
    while (end < text_.size() && text_[end] != delimiter_ && !at_line_end(end)) ++end;
    size_t last = end;
    while (last > p && is_pad(text_[last - 1])) --last;
    f.text.assign(text_, p, last - p);
    pos_ = end;
    return f;
  }

  const std::string& text_;
  char delimiter_;
  const std::string& who_;
  const std::string& path_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

// Written in quotes, "NA" is the text NA (a class label, say); "" is still missing.
bool is_missing(const Field& f) {
  const auto& m = csv_missing_values();
  return (!f.quoted || f.text.empty()) && std::find(m.begin(), m.end(), f.text) != m.end();
}

// A decimal number as a finite double: "5.1", "-3", "+.5", "1e-3". No hex, no
// "inf"/"nan", nothing after the number.
std::optional<double> parse_decimal(const std::string& text) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto digit_or_point = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; };
  // from_chars takes no leading '+'; after the sign must come a digit or a point,
  // which also refuses "inf", "nan", "+-1" and "--1".
  if (first != last && (*first == '+' || *first == '-')) {
    if (first + 1 == last || !digit_or_point(first[1])) return std::nullopt;
    if (*first == '+') ++first;
  } else if (first == last || !digit_or_point(*first)) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, error] = std::from_chars(first, last, value, std::chars_format::general);
  if (error != std::errc() || end != last || !std::isfinite(value)) return std::nullopt;
  return value;
}

// A decimal number that a float holds: a feature cell or a regression target.
std::optional<float> parse_number(const std::string& text) {
  std::optional<double> value = parse_decimal(text);
  if (!value || std::abs(*value) > std::numeric_limits<float>::max()) return std::nullopt;
  return static_cast<float>(*value);
}

// Why a non-numeric cell is not a number, for the message.
std::string why_not_a_number(const Field& f) {
  std::string shown = "'" + detail::printable(f.text) + "'";
  if (parse_number(f.text)) return shown;  // not reached: only for cells that failed
  double v = 0;
  auto [end, error] = std::from_chars(f.text.data(), f.text.data() + f.text.size(), v);
  if (error == std::errc::result_out_of_range ||
      (error == std::errc() && end == f.text.data() + f.text.size() && std::isfinite(v)))
    return shown + " is beyond the range of float (about ±3.4e38)";
  if (error == std::errc() && end == f.text.data() + f.text.size()) return shown + " is not a finite number";
  return shown + " is not a number";
}

// The columns of the file: named by the header, or "1".."N" without one.
struct Columns {
  std::vector<std::string> names;
  int64_t header_line = 0;  // 0 without a header

  // The index of `name`; an error naming the file if it is not a column (or is
  // the name of two), listing the columns there are.
  size_t find(const std::string& name, const std::string& who, const std::string& path,
              const char* role) const {
    std::vector<size_t> at;
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) at.push_back(i);
    if (at.size() == 1) return at[0];
    const std::string where = header_line > 0 ? detail::cat("line ", header_line, ": ") : std::string();
    if (at.size() > 1)
      fail(who, ": ", path, ": ", where, "the ", role, " column '", detail::printable(name),
           "' is ambiguous: columns ", at[0] + 1, " and ", at[1] + 1, " are both named so");
    std::string list;
    const size_t shown = std::min<size_t>(names.size(), 20);
    for (size_t i = 0; i < shown; ++i) list += (i ? ", " : "") + detail::printable(names[i], 32);
    if (shown < names.size()) list += detail::cat(", … (", names.size(), " columns)");
    if (header_line == 0)
      fail(who, ": ", path, ": no ", role, " column '", detail::printable(name), "': without a header the ",
           names.size(), " columns are named by their position, 1..", names.size());
    fail(who, ": ", path, ": ", where, "no ", role, " column '", detail::printable(name),
         "' in the header (columns: ", list, ")");
  }
};

struct Table {
  Columns columns;
  std::vector<size_t> feature_index;
  size_t target_index = 0;           // when a target is read
  std::vector<float> features;       // rows × features, row-major
  std::vector<Field> target;         // one per row kept (when a target is read)
  std::vector<int64_t> target_line;  // the line of each
  int64_t rows = 0, skipped = 0;
};

std::string column_label(const Columns& c, size_t i) {
  std::string s = detail::cat("column ", i + 1);
  if (c.header_line > 0) s += " (" + detail::printable(c.names[i], 40) + ")";
  return s;
}

// Reads the file: the header (or the first row's width), then every row.
// read_target false: no target column is read (load_csv_features).
Table read_table(const std::string& path, const CsvOptions& o, const std::string& who,
                 const std::vector<std::string>* wanted_features, bool read_target, bool skip_missing) {
  if (o.delimiter == '"' || o.delimiter == '\n' || o.delimiter == '\r' || o.delimiter == '\0')
    fail(who, ": ", path, ": the delimiter cannot be ", detail::printable(std::string(1, o.delimiter)),
         " (a quote or a line break has its own meaning in CSV)");
  const std::string text = detail::read_regular_file(path, who, "a CSV file", max_csv_bytes);
  RecordReader reader(text, o.delimiter, who, path);
  Table t;
  Record first;
  if (!reader.next(first))
    fail(who, ": ", path, ": the file is empty (", o.header ? "no header and no rows" : "no rows", ")");
  const size_t width = first.fields.size();
  if (o.header) {
    t.columns.header_line = first.line;
    for (auto& f : first.fields) t.columns.names.push_back(f.text);
  } else {
    for (size_t i = 0; i < width; ++i) t.columns.names.push_back(std::to_string(i + 1));
  }

  // Which columns are read, by index.
  size_t& target_index = t.target_index;
  target_index = width - 1;
  if (read_target && !o.target.empty()) target_index = t.columns.find(o.target, who, path, "target");
  if (wanted_features && !wanted_features->empty()) {
    for (const auto& name : *wanted_features) {
      size_t i = t.columns.find(name, who, path, "feature");
      if (read_target && i == target_index)
        fail(who, ": ", path, ": column '", detail::printable(name), "' is both the target and a feature");
      if (std::find(t.feature_index.begin(), t.feature_index.end(), i) != t.feature_index.end())
        fail(who, ": ", path, ": the feature column '", detail::printable(name), "' is listed twice");
      t.feature_index.push_back(i);
    }
  } else {
    for (size_t i = 0; i < width; ++i)
      if (!(read_target && i == target_index)) t.feature_index.push_back(i);
  }
  if (t.feature_index.empty())
    fail(who, ": ", path, ": no feature column (the file has ", width, " column", width == 1 ? "" : "s",
         ", the target among them)");
  const size_t d = t.feature_index.size();
  const bool every_column = !wanted_features || wanted_features->empty();  // none were named

  // The rows.
  std::vector<float> row(d);
  Record r;
  bool have = !o.header;
  if (have) r = std::move(first);
  while (have || reader.next(r)) {
    have = false;
    if (r.fields.size() != width) {
      const size_t n = r.fields.size();
      fail(who, ": ", path, ": line ", r.line, ", column ", std::min(n, width) + 1, ": the row has ", n,
           " field", n == 1 ? "" : "s", ", ", o.header ? "the header has " : "the first row has ", width,
           " (a field holding the delimiter must be in double quotes)");
    }
    // A missing cell among the used ones: leave the row out, or say which.
    std::optional<size_t> missing;
    for (size_t i : t.feature_index)
      if (is_missing(r.fields[i])) {
        missing = i;
        break;
      }
    if (!missing && read_target && is_missing(r.fields[target_index])) missing = target_index;
    if (missing) {
      if (skip_missing) {
        ++t.skipped;
        continue;
      }
      fail(who, ": ", path, ": line ", r.line, ", ", column_label(t.columns, *missing), ": missing value '",
           detail::printable(r.fields[*missing].text), "'",
           read_target ? " (CsvOptions::skip_missing, train_mlp --skip-missing, leaves such rows out)" : "");
    }
    for (size_t j = 0; j < d; ++j) {
      const Field& f = r.fields[t.feature_index[j]];
      std::optional<float> v = parse_number(f.text);
      if (!v)
        fail(
            who, ": ", path, ": line ", r.line, ", ", column_label(t.columns, t.feature_index[j]), ": ",
            why_not_a_number(f), " (feature cells must be numbers",
            every_column ? "; list the numeric columns in CsvOptions::features, train_mlp --features)" : ")");
      row[j] = *v;
    }
    t.features.insert(t.features.end(), row.begin(), row.end());
    if (read_target) {
      t.target.push_back(std::move(r.fields[target_index]));
      t.target_line.push_back(r.line);
    }
    ++t.rows;
    if (t.rows > max_samples) fail(who, ": ", path, ": more than ", max_samples, " rows");
  }
  if (t.rows == 0) {
    if (t.skipped > 0) fail(who, ": ", path, ": no rows left: all ", t.skipped, " rows have a missing value");
    fail(who, ": ", path, ": line ", first.line, ": the file has a header and no data rows");
  }
  return t;
}

// Class indices are floats, as every ember index: past 2^24 two would share one.
void check_class_count(size_t count, const std::string& who, const std::string& path) {
  constexpr size_t most = size_t{1} << 24;
  if (count > most)
    fail(who, ": ", path, ": the target has ", count, " distinct labels, more than the ", most,
         " classes float indices can number (a regression target? use task \"regression\")");
}

}  // namespace

const std::vector<std::string>& csv_missing_values() {
  static const std::vector<std::string> values{"",    "NA",   "N/A",  "n/a",  "NaN",
                                               "nan", "NULL", "null", "None", "?"};
  return values;
}

Dataset load_csv(const std::string& path, const CsvOptions& o) {
  const std::string who = "load_csv";
  if (o.task != "auto" && o.task != "classification" && o.task != "regression")
    fail(who, ": ", path, ": task '", detail::printable(o.task),
         "' is not one of auto, classification, regression");
  Table t = read_table(path, o, who, &o.features, /*read_target=*/true, o.skip_missing);
  const size_t target_index = t.target_index;
  const int64_t n = t.rows, d = static_cast<int64_t>(t.feature_index.size());

  Dataset out;
  out.name = std::filesystem::path(path).stem().string();
  if (out.name.empty()) out.name = "csv";
  out.inputs = tensor(std::move(t.features), {n, d});
  for (size_t i : t.feature_index) out.feature_names.push_back(t.columns.names[i]);
  out.target_name = t.columns.names[target_index];

  // The target: numbers, or text? Labels are compared as doubles, so that a
  // label like 1e39, which no float holds, still sorts as the number it is.
  std::vector<double> numbers(static_cast<size_t>(n));
  std::vector<float> values(static_cast<size_t>(n));
  std::optional<size_t> first_text;  // the first cell that is not a number
  bool whole = true;
  for (int64_t i = 0; i < n; ++i) {
    std::optional<double> v = parse_decimal(t.target[i].text);
    if (!v) {
      if (!first_text) first_text = static_cast<size_t>(i);
      continue;
    }
    numbers[i] = *v;
    if (*v != std::floor(*v)) whole = false;
  }
  const bool classification = o.task == "classification" || (o.task == "auto" && (first_text || whole));
  if (!classification) {
    for (int64_t i = 0; i < n; ++i) {
      std::optional<float> v = parse_number(t.target[i].text);
      if (!v)
        fail(who, ": ", path, ": line ", t.target_line[i], ", ", column_label(t.columns, target_index), ": ",
             why_not_a_number(t.target[i]), " (task is regression: every target must be a number)");
      values[i] = *v;
    }
    out.targets = tensor(std::move(values), {n, 1});
  } else if (!first_text) {
    // Numeric labels sort as numbers ("2" < "10"); "1" and "1.0" are one class,
    // named as it is first written.
    std::map<double, std::string> classes;
    for (int64_t i = 0; i < n; ++i) classes.emplace(numbers[i], t.target[i].text);
    check_class_count(classes.size(), who, path);
    std::map<double, float> index;
    for (const auto& [value, name] : classes) {
      index[value] = static_cast<float>(out.class_names.size());
      out.class_names.push_back(name);
    }
    for (int64_t i = 0; i < n; ++i) values[i] = index[numbers[i]];
    out.targets = tensor(std::move(values), {n});
  } else {
    std::map<std::string, float> index;
    for (const auto& f : t.target) index.emplace(f.text, 0.0f);
    check_class_count(index.size(), who, path);
    for (auto& [name, i] : index) {
      i = static_cast<float>(out.class_names.size());
      out.class_names.push_back(name);
    }
    for (int64_t i = 0; i < n; ++i) values[i] = index[t.target[i].text];
    out.targets = tensor(std::move(values), {n});
  }
  out.num_classes = static_cast<int64_t>(out.class_names.size());
  validate(out, who);
  return out;
}

Tensor load_csv_features(const std::string& path, const std::vector<std::string>& features,
                         const CsvOptions& o) {
  Table t =
      read_table(path, o, "load_csv_features", &features, /*read_target=*/false, /*skip_missing=*/false);
  return tensor(std::move(t.features), {t.rows, static_cast<int64_t>(t.feature_index.size())});
}

}  // namespace ember::data
