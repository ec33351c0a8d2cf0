// Checkpoints in the safetensors format, which PyTorch and other tools read:
//   8 bytes   little-endian u64 N, the header's length
//   N bytes   JSON: {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …,
//                    "__metadata__": {"key": "value", …}}   (padded with spaces)
//   the rest  raw little-endian data; offsets are relative to its start
//
// nn::save writes named_parameters() then named_buffers() atomically: a
// temporary file in the same folder, fsync, rename over the target, fsync the
// folder — a crash mid-save leaves the previous checkpoint whole.
// nn::load reads and checks the whole file (format, offsets, every name,
// shape and dtype) before it writes a single value into the model, so a bad
// file leaves the model unchanged and throws an ember::Error naming the file,
// the tensor and the problem. Tensors are F32, except buffers registered as
// BufferDtype::int64 (BatchNorm's num_batches_tracked), written as I64 as
// PyTorch does; both F32 and I64 are read (I64 into float32: exact up to 2^24).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "nn/module.h"

namespace ember::nn {

using Metadata = std::map<std::string, std::string>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

/// Saves the module's parameters and buffers (dotted names) with optional string metadata.
void save(const Module& module, const std::string& path, const Metadata& metadata = {});
/// Loads every parameter and buffer of the module from the file; the names and shapes must match exactly.
void load(Module& module, const std::string& path);

/// Destinations in a module, each with the value to copy into it.
using TensorCopies = std::vector<std::pair<Tensor, Tensor>>;
/// nn::load's check, for callers that load more than a module from one file
/// (optim::load_checkpoint): each parameter and buffer `name` of the module must
/// be in `tensors` as `prefix + name`, with its shape, and `tensors` must hold no
/// other name. Writes nothing, so the caller can check the rest of its file
/// before copy_tensors. Errors read "load: <source>: …" and name tensors as in the list.
TensorCopies match_tensors(Module& module, const NamedTensors& tensors, const std::string& source,
                           const std::string& prefix = "");
/// Copies every value into its destination, outside autograd.
void copy_tensors(const TensorCopies& copies);

/// What a safetensors file holds.
struct SafetensorsFile {
  NamedTensors tensors;  ///< in the order of their data in the file
  Metadata metadata;
};

/// Writes tensors (in the given order) and metadata atomically. Names must be unique and non-empty.
/// Those in int64_names are written as I64 (their values must be whole numbers), the rest as F32.
void write_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {},
                       const std::vector<std::string>& int64_names = {});
/// Reads and validates a whole file; throws ember::Error for anything malformed.
SafetensorsFile read_safetensors(const std::string& path);

/// Typed reads of metadata values. A missing or malformed value is an
/// ember::Error "<context>: metadata '<key>' …", so that it names the file and the key.
struct MetadataReader {
  const Metadata& metadata;
  std::string context;       ///< the operation and the file: "load_state: run/state.safetensors"
  std::string missing_hint;  ///< ends a missing key's message: " (not an ember optimizer state file?)"

  const std::string& text(const std::string& key) const;
  int64_t integer(const std::string& key) const;
  /// Decimal or hexadecimal floating point; exact_text's output reads back bit for bit.
  double real(const std::string& key) const;
};
/// A double as text that reads back to the same bits: metadata is text, and a resumed run must
/// continue from exactly the numbers it stopped at.
std::string exact_text(double value);

}  // namespace ember::nn
