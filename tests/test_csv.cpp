// The CSV reader (data/csv.h) on files written here — RFC 4180 quoting, CRLF,
// a byte-order mark, empty lines, every error it names — and on the Palmer
// penguins that Debian's r-cran-palmerpenguins installs; and the per-column
// standardisation (data/dataset.h) fitted on the training rows only.
#include <gtest/gtest.h>

#include <ember.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core_test_util.h"

using namespace ember;
using namespace ember::testing;
namespace fs = std::filesystem;

namespace {

// Where scripts/install_deps.sh (Debian's r-cran-palmerpenguins) puts the penguins.
const std::string penguins_csv = "/usr/lib/R/site-library/palmerpenguins/extdata/penguins.csv";
const std::string penguins_raw_csv = "/usr/lib/R/site-library/palmerpenguins/extdata/penguins_raw.csv";

// A fresh folder per test under the system temp dir.
fs::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::temp_directory_path() / ("ember_test_csv_" + std::string(info->name()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Writes `text` byte for byte into <temp dir>/<name> and returns its path.
std::string write_csv(const std::string& text, const std::string& name = "data.csv") {
  static fs::path dir;
  dir = temp_dir();
  const fs::path path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

std::vector<float> values(const Tensor& t) { return t.to_vector(); }

}  // namespace

TEST(Csv, ReadsHeaderFeaturesAndStringLabelsSorted) {
  const std::string path = write_csv("a,b,label\n1,2,zebra\n3,4.5,ant\n-5,6e-1,moth\n7,8,ant\n");
  data::Dataset d = data::load_csv(path);
  EXPECT_EQ(d.name, "data");
  EXPECT_EQ(d.inputs.shape(), (Shape{4, 2}));
  EXPECT_EQ(values(d.inputs), (std::vector<float>{1, 2, 3, 4.5f, -5, 0.6f, 7, 8}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"ant", "moth", "zebra"}));
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(values(d.targets), (std::vector<float>{2, 0, 1, 0}));
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.target_name, "label");
}

TEST(Csv, NumericLabelsSortAsNumbersNotAsText) {
  // As text "10" < "2" < "9"; as numbers 2 < 9 < 10.
  data::Dataset d = data::load_csv(write_csv("x,y\n0,10\n1,2\n2,9\n3,2\n4,-1\n"));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"-1", "2", "9", "10"}));
  EXPECT_EQ(values(d.targets), (std::vector<float>{3, 1, 2, 1, 0}));
}

TEST(Csv, FuzzLabelsBeyondFloatRangeStillSortAsNumbers) {
  // fuzz_csv: "4.2e99" is a number no float holds; it was sorted as text ("2" < "4.2e99" < "50").
  data::Dataset d = data::load_csv(write_csv("a,y\n1,50\n2,2\n3,4.2e99\n4,2\n"));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"2", "50", "4.2e99"}));
  EXPECT_EQ(values(d.targets), (std::vector<float>{1, 0, 2, 0}));
  EXPECT_TRUE(
      ThrowsWith([] { data::load_csv(write_csv("a,y\n1,0.5\n3,4.2e99\n")); },
                 {"line 3, column 2 (y): '4.2e99' is beyond the range of float", "task is regression"}));
}

TEST(Csv, AutoRuleWholeNumbersAreClassesFractionsAreValues) {
  data::Dataset classes = data::load_csv(write_csv("x,y\n0,1\n1,3.0\n2,1\n"));
  EXPECT_TRUE(classes.is_classification());
  EXPECT_EQ(classes.class_names, (std::vector<std::string>{"1", "3.0"}));

  data::Dataset values_ = data::load_csv(write_csv("x,y\n0,1\n1,2.5\n2,-0.25\n"));
  EXPECT_FALSE(values_.is_classification());
  EXPECT_EQ(values_.targets.shape(), (Shape{3, 1}));
  EXPECT_EQ(values(values_.targets), (std::vector<float>{1, 2.5f, -0.25f}));
  EXPECT_TRUE(values_.class_names.empty());

  // The task named overrides the rule both ways.
  data::Dataset forced = data::load_csv(write_csv("x,y\n0,1\n1,3\n2,1\n"), {.task = "regression"});
  EXPECT_FALSE(forced.is_classification());
  data::Dataset halves = data::load_csv(write_csv("x,y\n0,0.5\n1,1.5\n2,0.5\n"), {.task = "classification"});
  EXPECT_EQ(halves.class_names, (std::vector<std::string>{"0.5", "1.5"}));
  EXPECT_TRUE(ThrowsWith([] { data::load_csv(write_csv("x,y\n0,a\n1,2\n"), {.task = "regression"}); },
                         {"load_csv: ", "line 2, column 2 (y): 'a' is not a number", "task is regression"}));
  EXPECT_TRUE(ThrowsWith([] { data::load_csv(write_csv("x,y\n0,1\n"), {.task = "cluster"}); },
                         {"load_csv: ", "task 'cluster' is not one of auto, classification, regression"}));
}

TEST(Csv, QuotedFieldsHoldDelimitersQuotesAndLineBreaks) {
  const std::string path = write_csv(
      "\"first, name\",x,\"la\"\"bel\"\n"
      "1,2,\"a, b\"\n"
      "\"3\",4,\"say \"\"hi\"\"\"\n"
      "5,6,\"two\nlines\"\n"
      "7,8,\"a, b\"\n"
      "9,10,oops\n");
  data::Dataset d = data::load_csv(path, {.target = "la\"bel", .features = {"x", "first, name"}});
  EXPECT_EQ(values(d.inputs), (std::vector<float>{2, 1, 4, 3, 6, 5, 8, 7, 10, 9}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a, b", "oops", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(values(d.targets), (std::vector<float>{0, 2, 3, 0, 1}));
  // The line count goes on past the line break inside quotes: the bad cell is on line 7.
  const std::string bad = write_csv("x,y\n1,\"a\nb\"\n2,\"c\nd\"\nz,e\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(bad); }, {"line 6, column 1 (x): 'z' is not a number"}));
}

TEST(Csv, CrlfBomEmptyLinesAndSpacesAreTolerated) {
  const std::string path = write_csv(
      "\xEF\xBB\xBF"
      "a, b ,c\r\n\r\n 1 , 2,x \r\n   \r\n3,4,y\r\n\r\n\r\n");
  data::Dataset d = data::load_csv(path);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));  // no BOM in the first name
  EXPECT_EQ(d.target_name, "c");
  EXPECT_EQ(values(d.inputs), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"x", "y"}));
  // A last line without a line break, and a CR ending the file.
  EXPECT_EQ(data::load_csv(write_csv("a,b\n1,2\n3,4")).size(), 2);
  EXPECT_EQ(data::load_csv(write_csv("a,b\r\n1,2\r\n3,4\r")).size(), 2);
}

TEST(Csv, NoHeaderNamesColumnsByPosition) {
  const std::string path = write_csv("5.1,3.5,setosa\n7.0,3.2,versicolor\n");
  data::Dataset d = data::load_csv(path, {.header = false});
  EXPECT_EQ(d.size(), 2);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"setosa", "versicolor"}));
  data::Dataset by_position =
      data::load_csv(path, {.target = "1", .features = {"2"}, .header = false, .task = "regression"});
  EXPECT_EQ(values(by_position.targets), (std::vector<float>{5.1f, 7.0f}));
  EXPECT_TRUE(
      ThrowsWith([&] { data::load_csv(path, {.target = "4", .header = false}); },
                 {"no target column '4'", "without a header the 3 columns are named by their position"}));
}

TEST(Csv, OtherDelimiters) {
  data::Dataset semi = data::load_csv(write_csv("a;b;c\n1.5;2;\"x;y\"\n3;4;z\n"), {.delimiter = ';'});
  EXPECT_EQ(values(semi.inputs), (std::vector<float>{1.5f, 2, 3, 4}));
  EXPECT_EQ(semi.class_names, (std::vector<std::string>{"x;y", "z"}));
  // With tabs, spaces around a field are still dropped; a tab is the delimiter.
  data::Dataset tabs = data::load_csv(write_csv("a\tb\tc\n 1\t2 \tx\n3\t4\ty\n"), {.delimiter = '\t'});
  EXPECT_EQ(values(tabs.inputs), (std::vector<float>{1, 2, 3, 4}));
  // A decimal comma is not a number: the message says which cell.
  EXPECT_TRUE(ThrowsWith([] { data::load_csv(write_csv("a;y\n1,5;0\n"), {.delimiter = ';'}); },
                         {"line 2, column 1 (a): '1,5' is not a number"}));
  // The wrong delimiter reads one column: no feature is left.
  EXPECT_TRUE(ThrowsWith([] { data::load_csv(write_csv("a;b;y\n1;2;0\n")); }, {"no feature column"}));
}

TEST(Csv, ErrorsNameTheFileLineAndColumn) {
  const std::string bad_cell = write_csv("a,b,c\n1,2,x\n3,abc,y\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(bad_cell); },
                         {"load_csv: ", bad_cell, ": line 3, column 2 (b): 'abc' is not a number"}));
  const std::string ragged = write_csv("a,b,c\n1,2,x\n3,4\n");
  EXPECT_TRUE(
      ThrowsWith([&] { data::load_csv(ragged); },
                 {"load_csv: ", ragged, ": line 3, column 3: the row has 2 fields, the header has 3"}));
  const std::string long_row = write_csv("a,b,c\n1,2,x,9\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(long_row); },
                         {"line 2, column 4: the row has 4 fields, the header has 3", "double quotes"}));
  const std::string ok = write_csv("sepal,petal,species\n1,2,x\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(ok, {.target = "specie"}); },
                         {"load_csv: ", ok, ": line 1: no target column 'specie' in the header",
                          "(columns: sepal, petal, species)"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        data::load_csv(ok, {.features = {"sepal", "width"}});
      },
      {"no feature column 'width' in the header"}));
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(ok, {.target = "sepal", .features = {"sepal"}}); },
                         {"column 'sepal' is both the target and a feature"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        data::load_csv(ok, {.features = {"petal", "petal"}});
      },
      {"the feature column 'petal' is listed twice"}));
  const std::string header_only = write_csv("a,b,c\r\n\r\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(header_only); },
                         {"load_csv: ", header_only, ": line 1: the file has a header and no data rows"}));
  const std::string empty = write_csv("\n\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(empty); }, {"load_csv: ", empty, ": the file is empty"}));
  const std::string one_column = write_csv("y\n1\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(one_column); }, {"no feature column (the file has 1 column"}));
  const std::string unclosed = write_csv("a,b\n1,\"x\n2,y\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(unclosed); },
                         {"line 2, column 2: a quoted field opened here is never closed"}));
  const std::string after_quote = write_csv("a,b\n1,\"x\"y\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(after_quote); },
                         {"line 2, column 2: y after the closing quote", "written twice"}));
  const std::string dup = write_csv("a,a,y\n1,2,3\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(dup, {.features = {"a"}}); },
                         {"the feature column 'a' is ambiguous: columns 1 and 2"}));
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(ok, {.delimiter = '"'}); }, {"the delimiter cannot be"}));
  EXPECT_TRUE(ThrowsWith([] { data::load_csv("/nonexistent/x.csv"); },
                         {"load_csv: /nonexistent/x.csv: cannot open the file"}));
}

TEST(Csv, NumbersAreDecimalAndFinite) {
  for (const char* cell :
       {"inf", "-inf", "nan", "0x10", "1e", "1.2.3", "--1", "+-1", "1,5", "1e39", "1e999", "abc"}) {
    const std::string path = write_csv(std::string("a,y\n\"") + cell + "\",1\n");
    EXPECT_TRUE(ThrowsWith([&] { data::load_csv(path); }, {"line 2, column 1 (a): '", cell, "' is"})) << cell;
  }
  data::Dataset d = data::load_csv(write_csv("a,y\n+1.5,0\n-.5,0\n5.,1\n1E3,1\n-0,1\n"));
  EXPECT_EQ(values(d.inputs), (std::vector<float>{1.5f, -0.5f, 5, 1000, 0}));
}

TEST(Csv, MissingValuesAreErrorsOrSkipped) {
  const std::string path = write_csv("a,b,y\n1,2,x\n3,NA,y\n,4,x\n5,6,\n7,8,\"NA\"\n");
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(path); },
                         {"line 3, column 2 (b): missing value 'NA'", "skip_missing"}));
  data::Dataset d = data::load_csv(path, {.skip_missing = true});
  // Rows 3, 4 (empty a) and 5 (empty target) go; a quoted "NA" is the label NA.
  EXPECT_EQ(values(d.inputs), (std::vector<float>{1, 2, 7, 8}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"NA", "x"}));
  EXPECT_TRUE(ThrowsWith([] { data::load_csv(write_csv("a,y\nNA,1\n?,2\n"), {.skip_missing = true}); },
                         {"no rows left: all 2 rows have a missing value"}));
}

TEST(Csv, NonRegularFilesAreRefused) {
  const fs::path dir = temp_dir();
  EXPECT_TRUE(
      ThrowsWith([&] { data::load_csv(dir.string()); }, {"load_csv: ", "is a folder, not a CSV file"}));
  const std::string fifo = (dir / "pipe.csv").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(fifo); }, {"is a named pipe (FIFO), not a CSV file"}));
  EXPECT_TRUE(ThrowsWith([] { data::load_csv("/dev/zero"); }, {"is a character device, not a CSV file"}));
}

TEST(Csv, FeaturesOfNewRowsIgnoreOtherColumns) {
  const std::string path = write_csv("note,b,a\n\"x, y\",2,1\nz,4,3\n");
  Tensor x = data::load_csv_features(path, {"a", "b"});
  EXPECT_EQ(x.shape(), (Shape{2, 2}));
  EXPECT_EQ(values(x), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        data::load_csv_features(path, {"a", "c"});
      },
      {"load_csv_features: ", "no feature column 'c' in the header"}));
  const std::string missing = write_csv("a,b\n1,NA\n");
  EXPECT_TRUE(ThrowsWith(
      [&] {
        data::load_csv_features(missing, {"a", "b"}, {.skip_missing = true});
      },
      {"load_csv_features: ", "line 2, column 2 (b): missing value 'NA'"}));
}

TEST(Csv, LoadedDataWorksWithSplitsAndLoaders) {
  std::string text = "f1,f2,cls\n";
  for (int i = 0; i < 50; ++i)
    text += std::to_string(i) + "," + std::to_string(i * 2) + "," + (i % 2 ? "odd" : "even") + "\n";
  data::Dataset d = data::load_csv(write_csv(text));
  data::DatasetSplit s = data::train_test_split(d, 10, 0);
  EXPECT_EQ(s.train.size(), 40);
  EXPECT_EQ(s.test.class_names, (std::vector<std::string>{"even", "odd"}));
  EXPECT_EQ(s.test.feature_names, d.feature_names);
  data::DataLoader loader(s.train, 16, true, 1);
  int64_t seen = 0;
  for (auto [x, y] : loader) seen += x.size(0);
  EXPECT_EQ(seen, 40);
  EXPECT_EQ(data::class_counts(d), (std::vector<int64_t>{25, 25}));
}

TEST(Csv, StandardizationIsFittedOnTrainOnlyAndReusedForNewRows) {
  data::Dataset d = data::load_csv(write_csv("a,b,y\n1,100,0\n2,100,1\n3,100,0\n10,100,1\n"));
  data::DatasetSplit s{data::subset(d, {0, 1, 2}), data::subset(d, {3})};
  data::Standardization st = data::compute_standardization(s.train.inputs);
  EXPECT_FLOAT_EQ(st.mean[0], 2.0f);
  EXPECT_FLOAT_EQ(st.std[0], std::sqrt(2.0f / 3.0f));  // population std, as StandardScaler
  EXPECT_FLOAT_EQ(st.mean[1], 100.0f);
  EXPECT_FLOAT_EQ(st.std[1], 1.0f);  // a constant column: std 1, not 0
  data::standardize_(s.train.inputs, st);
  data::standardize_(s.test.inputs, st);
  // The test row uses the training statistics: (10 - 2) / 0.816, not 0.
  EXPECT_NEAR(s.test.inputs.data()[0], 8.0f / std::sqrt(2.0f / 3.0f), 1e-4);
  EXPECT_FLOAT_EQ(s.test.inputs.data()[1], 0.0f);
  // New rows read later get the same numbers, and the inverse undoes it.
  Tensor x = data::load_csv_features(write_csv("a,b\n10,100\n"), {"a", "b"});
  data::standardize_(x, st);
  EXPECT_EQ(values(x), values(s.test.inputs));
  data::unstandardize_(x, st);
  EXPECT_TRUE(Near(x, {1, 2}, {10, 100}, 1e-5f));
  EXPECT_TRUE(ThrowsWith([&] { data::standardize_(s.train.targets, st); },
                         {"standardize_: expected a tensor [N, D]"}));
  Tensor three = zeros({2, 3});
  EXPECT_TRUE(ThrowsWith([&] { data::standardize_(three, st); },
                         {"standardize_: the standardization is for 2 columns"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        data::compute_standardization(zeros({0, 2}));
      },
      {"compute_standardization: no rows"}));
}

TEST(Csv, PalmerPenguinsFromDebian) {
  ASSERT_TRUE(fs::exists(penguins_csv)) << penguins_csv << " is missing: run scripts/install_deps.sh";
  const std::vector<std::string> measures{"bill_length_mm", "bill_depth_mm", "flipper_length_mm",
                                          "body_mass_g"};
  // The whole file has text features (island, sex) and NA cells.
  EXPECT_TRUE(ThrowsWith([] { data::load_csv(penguins_csv, {.target = "species"}); },
                         {"line 2, column 2 (island): 'Torgersen' is not a number", "CsvOptions::features"}));
  EXPECT_TRUE(ThrowsWith([&] { data::load_csv(penguins_csv, {.target = "species", .features = measures}); },
                         {"line 5, column 3 (bill_length_mm): missing value 'NA'"}));
  data::Dataset d =
      data::load_csv(penguins_csv, {.target = "species", .features = measures, .skip_missing = true});
  EXPECT_EQ(d.name, "penguins");
  EXPECT_EQ(d.size(), 342);  // 344 penguins, 2 without measurements
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"Adelie", "Chinstrap", "Gentoo"}));
  EXPECT_EQ(data::class_counts(d), (std::vector<int64_t>{151, 68, 123}));
  EXPECT_EQ(values(d.inputs).at(0), 39.1f);
  EXPECT_EQ(values(d.inputs).at(3), 3750.0f);
  // body mass in whole grams: "auto" calls it classes, "regression" a value.
  data::Dataset mass = data::load_csv(
      penguins_csv, {.target = "body_mass_g", .features = {"flipper_length_mm"}, .skip_missing = true});
  EXPECT_TRUE(mass.is_classification());
  data::Dataset reg = data::load_csv(penguins_csv, {.target = "body_mass_g",
                                                    .features = {"flipper_length_mm"},
                                                    .task = "regression",
                                                    .skip_missing = true});
  EXPECT_EQ(reg.targets.shape(), (Shape{342, 1}));
  // penguins_raw.csv quotes fields that hold commas ("Adult, 1 Egg Stage").
  data::Dataset raw = data::load_csv(penguins_raw_csv, {.target = "Stage", .features = {"Sample Number"}});
  EXPECT_EQ(raw.class_names, (std::vector<std::string>{"Adult, 1 Egg Stage"}));
  EXPECT_EQ(raw.size(), 344);
}
