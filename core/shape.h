// Shapes: the list of sizes of a tensor, and the NumPy/PyTorch broadcasting rule.
// Tensors are contiguous and row-major, so a shape is all the layout there is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ember {

using Shape = std::vector<int64_t>;

/// Number of elements of a tensor of this shape (1 for the scalar shape {}).
int64_t numel_of(const Shape& shape);

/// numel_of for a shape about to be allocated: throws ember::Error naming `op`
/// for a negative size or an element count whose bytes do not fit in int64
/// (module constructors call it so that the message names the module).
int64_t checked_numel(const Shape& shape, const char* op);

/// "[2, 3]" — how shapes appear in error messages.
std::string shape_str(const Shape& shape);

/// The shape two operands broadcast to, aligning trailing dims: each pair of
/// sizes must be equal or one of them 1. Throws ember::Error naming `op`.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

/// Turns a possibly negative dim into 0..rank-1, or throws naming `op`.
int64_t normalize_dim(int64_t dim, int64_t rank, const char* op);

/// Row-major strides: the distance in elements between neighbours along each dim.
std::vector<int64_t> contiguous_strides(const Shape& shape);

/// A shape seen around one dim: the sizes before it (outer), at it (n) and
/// after it (inner), so that element (o, k, i) of a contiguous tensor sits at
/// (o·n + k)·inner + i. Reductions, softmax, gather and the class losses all
/// walk a tensor this way.
struct DimSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
DimSplit split_at(const Shape& shape, int64_t dim);

}  // namespace ember
