// IDX files: the format of MNIST and Fashion-MNIST (Yann LeCun's, big-endian).
// A header — two zero bytes, an element-type byte, a dimension count, then
// each dimension as a 32-bit big-endian size — followed by the values.
//
// Everything is checked before a value is used: the magic bytes, the element
// type, the number of dims, the sizes, and that the payload has exactly the
// bytes the header promises (not one fewer, not one more). A bad file is an
// ember::Error naming the file and what is wrong. Plain and gzip-compressed
// files read the same (zlib's gzread passes plain files through).
//
// Only unsigned bytes (type 0x08) are read: every MNIST-style file uses them.
// The other IDX types (int8, int16, int32, float32, float64) are rejected by name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ember::data {

/// The raw content of an IDX file of unsigned bytes.
struct IdxArray {
  std::vector<int64_t> dims;   ///< e.g. {60000, 28, 28}
  std::vector<uint8_t> bytes;  ///< product(dims) values, row-major
};

/// Reads and checks an IDX file (.gz or plain).
IdxArray read_idx(const std::string& path);

/// An images file ([N, rows, cols]) as floats in [0, 1] (byte / 255):
/// a Tensor [N, rows * cols] when flatten, else [N, rows, cols].
Tensor read_idx_images(const std::string& path, bool flatten = true);

/// A labels file ([N]) as a Tensor [N] of whole numbers (floats, as every
/// ember index is).
Tensor read_idx_labels(const std::string& path);

}  // namespace ember::data
