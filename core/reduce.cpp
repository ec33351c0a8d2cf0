// Reductions. Every reduction over several dims is done one dim at a time,
// each as the sum over the middle axis of an [outer, n, inner] block — the
// shape any contiguous tensor takes around one of its dims.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "core/kernels/parallel.h"
#include "core/node.h"
#include "core/ops.h"

namespace ember {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Shape keepdim_shape(Shape shape, const std::vector<int64_t>& dims) {
  for (int64_t d : dims) shape[d] = 1;
  return shape;
}

Shape dropped_shape(const Shape& shape, const std::vector<int64_t>& dims) {
  Shape out;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i)
    if (std::find(dims.begin(), dims.end(), i) == dims.end()) out.push_back(shape[i]);
  return out;
}

// Sorted, unique, non-negative dims; an empty list means all dims (PyTorch).
std::vector<int64_t> normalized_dims(const std::vector<int64_t>& dims, int64_t rank, const char* op) {
  std::vector<int64_t> out;
  for (int64_t d : dims) {
    int64_t nd = normalize_dim(d, rank, op);
    if (std::find(out.begin(), out.end(), nd) != out.end()) fail(op, ": dim ", d, " appears more than once");
    out.push_back(nd);
  }
  if (rank == 0) return {};  // a 0-d tensor has no dims to reduce: dim 0 / -1 name the tensor itself
  if (dims.empty())
    for (int64_t d = 0; d < rank; ++d) out.push_back(d);
  std::sort(out.begin(), out.end());
  return out;
}

// The sum of n contiguous floats: float partial sums over blocks of 4096
// (Eigen keeps them in vector registers), each block's sum kept in double and
// the blocks added in order — as accurate as a pairwise sum for the sizes
// ember sees, at memory speed, and the same bits whatever the thread count.
float sum_contiguous(const float* x, int64_t n) {
  constexpr int64_t kBlock = 4096;
  auto block_sum = [&](int64_t b) {
    return static_cast<double>(
        Eigen::Map<const Eigen::VectorXf>(x + b * kBlock, std::min(kBlock, n - b * kBlock)).sum());
  };
  int64_t blocks = (n + kBlock - 1) / kBlock;
  if (blocks <= 1) return n == 0 ? 0.0f : static_cast<float>(block_sum(0));
  std::vector<double> partial(blocks);
  kernels::parallel_for(
      blocks,
      [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) partial[i] = block_sum(i);
      },
      kernels::kParallelGrain / kBlock);
  double total = 0;
  for (double p : partial) total += p;
  return static_cast<float>(total);
}

// Sum over one dim, keeping it as size 1. No autograd.
Tensor sum_one_dim(const Tensor& x, int64_t dim) {
  DimSplit a = split_at(x.shape(), dim);
  if (a.inner == 1) {  // each slice is contiguous
    Shape shape = x.shape();
    shape[dim] = 1;
    Tensor y = Tensor::empty(shape);
    kernels::parallel_for(
        a.outer,
        [&](int64_t b, int64_t e) {
          for (int64_t o = b; o < e; ++o) y.data()[o] = sum_contiguous(x.data() + o * a.n, a.n);
        },
        std::max<int64_t>(1, kernels::kParallelGrain / std::max<int64_t>(a.n, 1)));
    return y;
  }
  Shape shape = x.shape();
  shape[dim] = 1;
  Tensor y = Tensor::empty(shape);
  for (int64_t o = 0; o < a.outer; ++o) {
    Eigen::Map<const RowMajor> block(x.data() + o * a.n * a.inner, a.n, a.inner);
    Eigen::Map<Eigen::RowVectorXf> row(y.data() + o * a.inner, a.inner);
    if (a.n == 0)
      row.setZero();
    else
      row = block.colwise().sum();
  }
  return y;
}

// Sum over the given dims (keeping them as 1). No autograd.
Tensor sum_values(const Tensor& x, const std::vector<int64_t>& dims) {
  if (x.dim() > 1 && static_cast<int64_t>(dims.size()) == x.dim())  // everything: one flat pass
    return sum_one_dim(x.reshape({x.numel()}), 0).reshape(keepdim_shape(x.shape(), dims));
  Tensor y = x;
  for (int64_t d : dims) y = sum_one_dim(y, d);
  if (dims.empty()) y = x.clone();
  return y;
}

// Index of the first extreme value in each slice along dim (NaN wins, as in PyTorch).
template <class Better>
void arg_extreme(const Tensor& x, int64_t dim, std::vector<int64_t>& index, Tensor& values, const char* op,
                 Better better) {
  DimSplit a = split_at(x.shape(), dim);
  if (a.n == 0) fail(op, ": cannot reduce over dim ", dim, " of size 0 (shape ", x.shape(), ")");
  index.assign(a.outer * a.inner, 0);
  const float* px = x.data();
  float* pv = values.data();
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      const float* slice = px + o * a.n * a.inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < a.n && !std::isnan(slice[best * a.inner]); ++k)
        if (std::isnan(slice[k * a.inner]) || better(slice[k * a.inner], slice[best * a.inner])) best = k;
      index[o * a.inner + i] = best;
      pv[o * a.inner + i] = slice[best * a.inner];
    }
}

// The values of x at one index per slice along dim; the gradient goes back to those positions.
template <class Better>
Tensor reduce_extreme(const Tensor& x, int64_t dim, bool keepdim, const char* op, NodeKind kind,
                      Better better) {
  dim = normalize_dim(dim, x.dim(), op);
  if (x.dim() == 0) return x.clone();
  std::vector<int64_t> index;
  Tensor y = Tensor::empty(keepdim_shape(x.shape(), {dim}));
  arg_extreme(x, dim, index, y, op, better);
  if (!keepdim) y = y.reshape(dropped_shape(x.shape(), {dim}));  // y is not in a graph yet: a plain reshape
  if (needs_grad(x))
    record(kind, y, {x}, [index, dim, shape = x.shape()](const Tensor& g) {
      DimSplit a = split_at(shape, dim);
      Tensor gx = zeros(shape);
      for (int64_t o = 0; o < a.outer; ++o)
        for (int64_t i = 0; i < a.inner; ++i)
          gx.data()[(o * a.n + index[o * a.inner + i]) * a.inner + i] = g.data()[o * a.inner + i];
      return grads(gx);
    });
  return y;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  std::vector<int64_t> nd = normalized_dims(dims, x.dim(), "sum");
  Tensor y = sum_values(x, nd);
  if (!keepdim) y = y.reshape(dropped_shape(x.shape(), nd));
  if (needs_grad(x))
    record(
        {"SumBackward", "y = sum(x): dx = g copied to every summed element"}, y, {x},
        Backward{.differentiable = [shape = x.shape(), kept = keepdim_shape(x.shape(), nd)](const Tensor& g) {
          return grads(expand(g.reshape(kept), shape));  // every summed element gets the whole gradient
        }});
  return y;
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  std::vector<int64_t> nd = normalized_dims(dims, x.dim(), "mean");
  int64_t count = 1;
  for (int64_t d : nd) count *= x.shape()[d];
  return sum(x, nd, keepdim) / static_cast<float>(count);
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce_extreme(x, dim, keepdim, "max",
                        {"MaxBackward", "y = max(x): dx = g at the position of the max, 0 elsewhere"},
                        [](float u, float v) { return u > v; });
}
Tensor min(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce_extreme(x, dim, keepdim, "min",
                        {"MinBackward", "y = min(x): dx = g at the position of the min, 0 elsewhere"},
                        [](float u, float v) { return u < v; });
}
// The full reductions share the gradient evenly among tied extremes (PyTorch's
// evenly_distribute_backward); a NaN result sends it to the NaNs.
static Tensor reduce_all_extreme(const Tensor& x, const char* op, NodeKind kind, bool largest) {
  if (x.numel() == 0) fail(op, ": the tensor is empty (shape ", x.shape(), ")");
  Tensor flat = x.detach().reshape({x.numel()});
  Tensor y = largest ? max(flat, 0, false) : min(flat, 0, false);
  if (needs_grad(x))
    record(kind, y, {x},
           Backward{.differentiable =  // the mask of tied extremes is a constant
                    [x = x.detach(), value = y.item()](const Tensor& g) {
                      Tensor hit = std::isnan(value) ? (x != x) : (x == value);
                      return grads(g * hit / sum(hit));
                    }},
           {x});
  return y;
}
Tensor max(const Tensor& x) {
  return reduce_all_extreme(
      x, "max", {"MaxBackward", "y = max(x): dx = g at the position of the max, 0 elsewhere"}, true);
}
Tensor min(const Tensor& x) {
  return reduce_all_extreme(
      x, "min", {"MinBackward", "y = min(x): dx = g at the position of the min, 0 elsewhere"}, false);
}

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  dim = normalize_dim(dim, x.dim(), "argmax");
  if (x.dim() == 0) return zeros({});
  std::vector<int64_t> index;
  Tensor values = Tensor::empty(keepdim_shape(x.shape(), {dim}));
  arg_extreme(x, dim, index, values, "argmax", [](float u, float v) { return u > v; });
  Tensor y = Tensor::empty(keepdim ? values.shape() : dropped_shape(x.shape(), {dim}));
  for (size_t i = 0; i < index.size(); ++i) y.data()[i] = static_cast<float>(index[i]);
  return y;
}

// log Σ exp(x) = m + log Σ exp(x − m) with m the max, so exp never overflows.
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim) {
  dim = normalize_dim(dim, x.dim(), "logsumexp");
  if (x.dim() > 0 && x.size(dim) == 0) return log(sum(exp(x), {dim}, keepdim));  // empty sum: log 0 = -inf
  Tensor m = max(x.detach(), dim, true);
  m = where(m.abs() == INFINITY, 0.0f, m);  // all -inf (or +inf): shift by nothing
  Tensor y = log(sum(exp(x - m), {dim}, true)) + m;
  return keepdim ? y : squeeze(y, dim);
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  if (lead < 0) fail("sum_to: cannot sum shape ", x.shape(), " to the larger rank of ", shape);
  for (int64_t i = lead; i < x.dim(); ++i)
    if (shape[i - lead] != 1 && shape[i - lead] != x.shape()[i])
      fail("sum_to: cannot sum shape ", x.shape(), " to ", shape, " (dim ", i - lead, " of the target is ",
           shape[i - lead], "; it must be ", x.shape()[i], " or 1)");
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) dims.push_back(i);
  return sum(x, dims, true).reshape(shape);
}

}  // namespace ember
