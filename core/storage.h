// Storage: the float buffer behind one or more tensors (reshape shares it).
// Buffers come from a caching allocator: a training step asks for the same
// sizes every batch, and reusing a buffer avoids the first-touch page faults
// that a fresh allocation pays (they cost far more than writing the data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ember {

class Storage {
 public:
  /// n floats, uninitialised, 64-byte aligned.
  explicit Storage(size_t n);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return size_; }

  /// How many in-place writes the values have had (fill_, copy_, optimizer
  /// steps, …). Autograd notes it when an op saves a tensor for backward and
  /// refuses to run that backward if it has changed — PyTorch's version counter.
  int64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  float* data_;
  size_t size_;
  int64_t version_ = 0;
};

namespace detail {
/// The caching allocator under Storage. Thread-safe.
float* allocate_floats(size_t n);
void release_floats(float* p, size_t n);
/// Returns every cached buffer to the system (tests and memory checks use it).
void empty_allocator_cache();
/// Bytes currently held in the cache, not in use.
size_t allocator_cached_bytes();
}  // namespace detail

}  // namespace ember
