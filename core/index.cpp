// Indexing with whole-number index tensors (stored as floats, like every
// ember tensor): gather, index_select and one_hot — what a classification loss
// needs. Indices are checked; an index out of range is an ember::Error.
#include <cmath>
#include <cstring>

#include "core/node.h"
#include "core/ops.h"

namespace ember {
namespace {

int64_t checked_index(float v, int64_t size, const char* op) {
  if (!(v >= 0) || v >= static_cast<float>(size) || v != std::floor(v)) {
    if (size == 0)
      fail(op, ": index ", v, " is out of range: the dim is empty (size 0), so no index is valid");
    fail(op, ": index ", v, " is out of range for a dim of size ", size, " (expected a whole number in 0..",
         size - 1, ")");
  }
  return static_cast<int64_t>(v);
}

}  // namespace

// out[o][j][i] = x[o][index[o][j][i]][i] around `dim`; the backward adds g back
// into the gathered positions (a scatter-add).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  if (x.dim() == 0) fail("gather: expects an input with at least 1 dim, got shape []");
  dim = normalize_dim(dim, x.dim(), "gather");
  bool ok = index.dim() == x.dim();
  for (int64_t d = 0; ok && d < x.dim(); ++d) ok = d == dim || index.shape()[d] == x.shape()[d];
  if (!ok)
    fail("gather: index of shape ", index.shape(), " does not fit input of shape ", x.shape(),
         " (same rank, same sizes except along dim ", dim, ")");
  const auto [outer, n, inner] = split_at(x.shape(), dim);
  const int64_t m = index.shape()[dim];
  std::vector<int64_t> source(index.numel());  // flat position in x of each output element
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < m; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t at = (o * m + j) * inner + i;
        source[at] = (o * n + checked_index(index.data()[at], n, "gather")) * inner + i;
      }
  Tensor y = Tensor::empty(index.shape());
  for (size_t k = 0; k < source.size(); ++k) y.data()[k] = x.data()[source[k]];
  if (needs_grad(x))
    record({"GatherBackward", "y = x[index]: dx = g added back at the gathered positions"}, y, {x},
           [source, shape = x.shape()](const Tensor& g) {
             Tensor gx = zeros(shape);
             for (size_t k = 0; k < source.size(); ++k) gx.data()[source[k]] += g.data()[k];
             return grads(gx);
           });
  return y;
}

Tensor index_select(const Tensor& x, const Tensor& index) {
  if (x.dim() == 0 || index.dim() != 1)
    fail("index_select: expected an input with dims and a 1-D index, got ", x.shape(), " and ",
         index.shape());
  int64_t rows = x.shape()[0], row = x.numel() / std::max<int64_t>(rows, 1);
  std::vector<int64_t> picked(index.numel());
  for (int64_t k = 0; k < index.numel(); ++k)
    picked[k] = checked_index(index.data()[k], rows, "index_select");
  Shape shape = x.shape();
  shape[0] = index.numel();
  Tensor y = Tensor::empty(shape);
  for (size_t k = 0; k < picked.size(); ++k)
    std::memcpy(y.data() + k * row, x.data() + picked[k] * row, sizeof(float) * row);
  if (needs_grad(x))
    record({"IndexSelectBackward", "y = x[rows]: dx = g added back into the picked rows"}, y, {x},
           [picked, row, shape = x.shape()](const Tensor& g) {
             Tensor gx = zeros(shape);
             for (size_t k = 0; k < picked.size(); ++k)
               for (int64_t j = 0; j < row; ++j) gx.data()[picked[k] * row + j] += g.data()[k * row + j];
             return grads(gx);
           });
  return y;
}

Tensor one_hot(const Tensor& index, int64_t num_classes) {
  if (num_classes <= 0) fail("one_hot: num_classes must be positive, got ", num_classes);
  Shape shape = index.shape();
  shape.push_back(num_classes);
  checked_numel(shape, "one_hot");  // a huge num_classes is refused by name, not as "empty"
  Tensor y = zeros(shape);
  for (int64_t k = 0; k < index.numel(); ++k)
    y.data()[k * num_classes + checked_index(index.data()[k], num_classes, "one_hot")] = 1.0f;
  return y;
}

}  // namespace ember
