// DataLoader: per-epoch seeded permutations and row copies into reused buffers.
#include "data/dataloader.h"

#include <cstring>

#include "core/error.h"

namespace ember::data {
namespace {

// splitmix64: turns (seed, epoch) into a well-mixed seed, so that neighbouring
// epochs (and neighbouring seeds) get unrelated permutations.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// `buffer` when nobody else holds it (neither the handle nor its storage) and
// its shape fits; otherwise a fresh tensor, left for the holder to keep.
Tensor reuse_or_allocate(Tensor& buffer, const Shape& shape) {
  bool free = buffer.defined() && buffer.impl_ptr().use_count() == 1 &&
              buffer.impl()->storage.use_count() == 1 && !buffer.requires_grad() && buffer.shape() == shape;
  if (!free) buffer = Tensor::empty(shape);
  return buffer;
}

}  // namespace

DataLoader::DataLoader(Dataset dataset, int64_t batch_size, bool shuffle, uint64_t seed, bool drop_last)
    : dataset_(std::move(dataset)),
      batch_size_(batch_size),
      shuffle_(shuffle),
      seed_(seed),
      drop_last_(drop_last) {
  validate(dataset_, "DataLoader");
  if (batch_size <= 0) fail("DataLoader: batch_size must be positive, got ", batch_size);
  set_epoch(0);
}

void DataLoader::set_epoch(int64_t epoch) {
  epoch_ = epoch;
  const int64_t n = dataset_.size();
  if (shuffle_) {
    order_ = permutation(n, mix(seed_ ^ mix(static_cast<uint64_t>(epoch))));
  } else {
    order_.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order_[i] = i;
  }
}

int64_t DataLoader::size() const {
  const int64_t n = dataset_.size();
  // Rounded up without n + batch_size - 1, which overflows for a batch_size near INT64_MAX.
  if (drop_last_ || n == 0) return n / batch_size_;
  return (n - 1) / batch_size_ + 1;
}

Batch DataLoader::get(int64_t i) {
  if (i < 0 || i >= size())
    fail("DataLoader::get: batch ", i, " is out of range (", size(), " batches of ", batch_size_, " from ",
         dataset_.size(), " samples)");
  const int64_t start = i * batch_size_;
  const int64_t rows = std::min(batch_size_, dataset_.size() - start);
  Shape in_shape = dataset_.inputs.shape(), target_shape = dataset_.targets.shape();
  in_shape[0] = target_shape[0] = rows;
  Batch b{reuse_or_allocate(inputs_buffer_, in_shape), reuse_or_allocate(targets_buffer_, target_shape)};
  const int64_t wi = dataset_.num_features(), wt = dataset_.targets.numel() / dataset_.size();
  const float* x = dataset_.inputs.data();
  const float* y = dataset_.targets.data();
  float* bx = b.inputs.data();
  float* by = b.targets.data();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t row = order_[static_cast<size_t>(start + r)];
    std::memcpy(bx + r * wi, x + row * wi, sizeof(float) * wi);
    std::memcpy(by + r * wt, y + row * wt, sizeof(float) * wt);
  }
  return b;
}

}  // namespace ember::data
