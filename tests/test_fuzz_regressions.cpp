// Inputs the fuzz targets (fuzz/, docs/fuzzing.md) found, fed through the
// ordinary build: each was a crash, a sanitizer report or a wrong answer, and
// must now be an ember::Error that says what is wrong. The bytes are the
// crashing inputs, without the fuzz target's leading selector byte; each file
// is also in fuzz/corpus/<target>/ under the same name.
#include <gtest/gtest.h>

#include <ember.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace ember;
namespace fs = std::filesystem;

namespace {

std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::temp_directory_path() / ("ember_test_fuzz_" + std::string(info->name()));
  fs::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return path;
}

// The message of the ember::Error that f throws ("" if it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// fuzz/corpus/idx/regression_gzip_header_claims_2e34_bytes: 32 bytes of gzip whose
// IDX header announces [16777215, 1024] values. The reader allocated the whole
// 17 GB payload before reading a byte of it (libFuzzer: out-of-memory).
TEST(FuzzRegressions, IdxGzipHeaderAloneDoesNotAllocateItsClaim) {
  const std::vector<uint8_t> gz{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63,
                                0x60, 0xe0, 0x60, 0x62, 0xf8, 0xff, 0xff, 0x3f, 0x03, 0x03, 0x0b,
                                0x03, 0x00, 0x69, 0x4d, 0x0e, 0x9e, 0x0c, 0x00, 0x00, 0x00};
  const std::string path = write_file("claims.idx.gz", gz);
  EXPECT_EQ(error_of([&] { data::read_idx(path); }),
            "idx: " + path + ": expected 17179868160 bytes of data ([16777215, 1024]), file ends after 0");
}

// fuzz/corpus/idx/regression_dims_product_overflows: dims 2^32-1 and 2^32-1; their
// product overflowed int64 before the 2^34 limit was checked (UBSan: signed overflow).
TEST(FuzzRegressions, IdxHugeDimsAreRejectedBeforeTheirProductOverflows) {
  const std::vector<uint8_t> bytes{0x00, 0x00, 0x08, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x02, 0x24, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
  const std::string path = write_file("huge.idx", bytes);
  EXPECT_EQ(error_of([&] { data::read_idx_images(path, false); }),
            "idx: " + path +
                ": header sizes [4294967295, 4294967295]... describe more than 2^34 values; corrupt header?");
}

// fuzz/corpus/idx/regression_zero_images_huge_rows_cols: 0 images of 4278190083 x
// 2495209077 pixels passed the 2^34 check (0 values) and rows * cols overflowed.
TEST(FuzzRegressions, IdxEmptyFileWithHugeImageSizesIsRejected) {
  const std::vector<uint8_t> bytes{0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x00, 0x00,
                                   0xff, 0x00, 0x00, 0x03, 0x94, 0xb9, 0xde, 0x75};
  const std::string path = write_file("empty.idx", bytes);
  EXPECT_EQ(
      error_of([&] { data::read_idx_images(path, true); }),
      "idx: " + path +
          ": header sizes [0, 4278190083, 2495209077]... describe more than 2^34 values; corrupt header?");
  // A file of 0 real-sized images is still fine.
  const std::vector<uint8_t> no_images{0x00, 0x00, 0x08, 0x03, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28};
  EXPECT_EQ(data::read_idx_images(write_file("none.idx", no_images), true).shape(), Shape({0, 784}));
}

// fuzz_ops: flatten and squeeze of a 0-dim tensor ignored their dims and
// returned a result where PyTorch raises "Dimension out of range".
TEST(FuzzRegressions, ScalarFlattenAndSqueezeCheckTheirDims) {
  Tensor scalar = scalar_tensor(2.0f);
  EXPECT_EQ(error_of([&] { flatten(scalar, 1, -2); }),
            "flatten: dim 1 is out of range for a tensor of rank 0 (expected -1..0)");
  EXPECT_EQ(error_of([&] { squeeze(scalar, 5); }),
            "squeeze: dim 5 is out of range for a tensor of rank 0 (expected -1..0)");
  EXPECT_EQ(flatten(scalar, -1, 0).shape(), Shape({1}));
  EXPECT_EQ(squeeze(scalar, -1).shape(), Shape({}));
}

// fuzz/corpus/ops/regression_reshape_product_overflows: reshape multiplied the
// target sizes in int64 unchecked (UBSan: signed overflow); a product that
// wrapped around to the numel was even accepted: [2^62, 4] for 0 elements.
TEST(FuzzRegressions, ReshapeSizesWhoseProductOverflowsAreRejected) {
  const int64_t big = int64_t{1} << 62;
  EXPECT_EQ(error_of([&] {
              reshape(zeros({5}), {big + 1, 5});
            }),
            "reshape: shape [4611686018427387905, 5] is invalid for input of shape [5] (5 elements)");
  EXPECT_EQ(error_of([&] {
              reshape(zeros({0}), {big, 4});
            }),
            "reshape: shape [4611686018427387904, 4] is invalid for input of shape [0] (0 elements)");
  Tensor empty = reshape(zeros({0}), {big, 4, 0});  // a zero size: 0 elements, whatever the others
  EXPECT_EQ(empty.shape(), Shape({big, 4, 0}));
  EXPECT_EQ(empty.numel(), 0);  // numel_of multiplied 2^62 by 4 first
  EXPECT_EQ(empty.sum().item(), 0.0f);
  EXPECT_EQ(reshape(zeros({6}), {-1, 3}).shape(), Shape({2, 3}));
}

// narrow's check computed start + length, which overflows for a length near INT64_MAX.
TEST(FuzzRegressions, NarrowWithAHugeLengthIsRejectedWithoutOverflow) {
  EXPECT_EQ(error_of([&] {
              narrow(zeros({2, 3}), 1, 1, INT64_MAX);
            }),
            "narrow: slice [1, 1 + 9223372036854775807) is outside dim 1 of size 3 (shape [2, 3])");
  EXPECT_EQ(error_of([&] {
              narrow(zeros({2, 3}), 1, 2, 2);
            }),
            "narrow: slice [2, 4) is outside dim 1 of size 3 (shape [2, 3])");
  // fuzz/corpus/ops/regression_narrow_message_overflows: then the message's end overflowed.
  // The slice shows the start the user passed, not the one wrapped by the size (issue 17).
  EXPECT_EQ(
      error_of([&] {
        narrow(zeros({2, 3}), 1, INT64_MIN + 1, -(int64_t{1} << 62));
      }),
      "narrow: slice [-9223372036854775807, -9223372036854775807 + -4611686018427387904) is outside dim 1 "
      "of size 3 (shape [2, 3])");
}
