#include "core/shape.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace ember {

int64_t numel_of(const Shape& shape) {
  // A zero size means no elements, however large the others: multiplying them
  // first could overflow (reshape and empty accept [2^62, 4, 0]).
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

int64_t checked_numel(const Shape& shape, const char* op) {
  for (int64_t s : shape)
    if (s < 0) fail(op, ": negative size in shape ", shape);
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  // Checked before multiplying on: a wrapped product would hand out a too-small buffer.
  int64_t n = 1;
  for (int64_t s : shape)
    if (__builtin_mul_overflow(n, s, &n) || n > std::numeric_limits<int64_t>::max() / int64_t{sizeof(float)})
      fail(op, ": shape ", shape, " has more elements than a tensor can hold");
  return n;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the right; a missing dim counts as 1.
    int64_t sa = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t sb = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (sa != sb && sa != 1 && sb != 1)
      fail(op, ": shapes ", a, " and ", b, " cannot be broadcast together (dim ", i, " is ", sa, " vs ", sb,
           "; sizes must match or be 1)");
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

int64_t normalize_dim(int64_t dim, int64_t rank, const char* op) {
  int64_t lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
  if (dim < lo || dim > hi)
    fail(op, ": dim ", dim, " is out of range for a tensor of rank ", rank, " (expected ", lo, "..", hi, ")");
  return dim < 0 ? dim + std::max<int64_t>(rank, 1) : dim;
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

DimSplit split_at(const Shape& shape, int64_t dim) {
  DimSplit split;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    if (i < dim) split.outer *= shape[i];
    if (i == dim) split.n = shape[i];
    if (i > dim) split.inner *= shape[i];
  }
  return split;
}

}  // namespace ember
