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
// the tensor and the problem. Only F32 tensors are written and read.
#pragma once

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

/// What a safetensors file holds.
struct SafetensorsFile {
  NamedTensors tensors;  ///< in the order of their data in the file
  Metadata metadata;
};

/// Writes tensors (in the given order) and metadata atomically. Names must be unique and non-empty.
void write_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});
/// Reads and validates a whole file; throws ember::Error for anything malformed.
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace ember::nn
