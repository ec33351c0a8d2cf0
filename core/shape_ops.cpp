// Shape ops. reshape (and flatten, squeeze, unsqueeze) share the storage;
// the others copy into a new contiguous tensor. Each backward moves the
// gradient back to where the values came from.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/elementwise.h"
#include "core/kernels/parallel.h"
#include "core/node.h"
#include "core/ops.h"

namespace ember {
namespace {

// Size before `dim` (outer) and after it (inner) — the block layout of a dim.
int64_t outer_size(const Shape& s, int64_t dim) {
  return std::accumulate(s.begin(), s.begin() + dim, int64_t{1}, std::multiplies<>());
}
int64_t inner_size(const Shape& s, int64_t dim) {
  return std::accumulate(s.begin() + dim + 1, s.end(), int64_t{1}, std::multiplies<>());
}

Shape inferred_shape(const Shape& shape, int64_t numel, const Shape& from) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  // A product past int64 cannot equal any numel; a zero size makes it 0 whatever the order.
  bool overflow = false, has_zero = false;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer >= 0) fail("reshape: only one dim can be -1, got ", shape);
      infer = static_cast<int64_t>(i);
    } else if (out[i] < 0) {
      fail("reshape: invalid size ", out[i], " in shape ", shape);
    } else {
      has_zero = has_zero || out[i] == 0;
      overflow = __builtin_mul_overflow(known, out[i], &known) || overflow;
    }
  }
  if (has_zero)
    known = 0;
  else if (overflow)
    fail("reshape: shape ", shape, " is invalid for input of shape ", from, " (", numel, " elements)");
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      fail("reshape: shape ", shape, " is invalid for input of shape ", from);
    out[infer] = numel / known;
    known *= out[infer];
  }
  if (known != numel)
    fail("reshape: shape ", shape, " is invalid for input of shape ", from, " (", numel, " elements)");
  return out;
}

// Copies a [outer, length] block window: for each outer row, `length` floats
// from src (row stride src_stride, starting at src_offset) to dst likewise.
void copy_blocks(const float* src, int64_t src_stride, int64_t src_offset, float* dst, int64_t dst_stride,
                 int64_t dst_offset, int64_t outer, int64_t length) {
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst + o * dst_stride + dst_offset, src + o * src_stride + src_offset, sizeof(float) * length);
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  Shape target = inferred_shape(shape, x.numel(), x.shape());
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;  // same values, new shape
  impl->shape = target;
  Tensor y(std::move(impl));
  if (needs_grad(x))
    record(
        {"ReshapeBackward", "y = reshape(x): dx = reshape(g) back to x's shape"}, y, {x},
        Backward{.differentiable = [shape = x.shape()](const Tensor& g) { return grads(g.reshape(shape)); }});
  return y;
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  // A scalar's dims are checked too (only -1 and 0 name its one dim, as in PyTorch).
  start_dim = normalize_dim(start_dim, x.dim(), "flatten");
  end_dim = normalize_dim(end_dim, x.dim(), "flatten");
  if (x.dim() == 0) return reshape(x, {1});
  if (start_dim > end_dim) fail("flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  Shape shape(x.shape().begin(), x.shape().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) merged *= x.shape()[d];
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + end_dim + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  dim = normalize_dim(dim, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + dim, 1);
  return reshape(x, shape);
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  dim = normalize_dim(dim, x.dim(), "squeeze");
  if (x.dim() == 0) return x;
  if (x.shape()[dim] != 1) return x;  // PyTorch leaves a dim that is not 1 alone
  Shape shape = x.shape();
  shape.erase(shape.begin() + dim);
  return reshape(x, shape);
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  int64_t rank = x.dim();
  if (static_cast<int64_t>(dims.size()) != rank)
    fail("permute: got ", dims.size(), " dims for a tensor of shape ", x.shape());
  std::vector<int64_t> order(rank), inverse(rank, -1);
  for (int64_t i = 0; i < rank; ++i) {
    order[i] = normalize_dim(dims[i], rank, "permute");
    if (inverse[order[i]] != -1) fail("permute: dim ", dims[i], " repeats");
    inverse[order[i]] = i;
  }
  Shape shape(rank);
  for (int64_t i = 0; i < rank; ++i) shape[i] = x.shape()[order[i]];
  Tensor y = Tensor::empty(shape);
  // Walk the output in order; step through x with x's strides taken in the new order.
  std::vector<int64_t> xs = contiguous_strides(x.shape()), step(rank), index(rank, 0);
  for (int64_t i = 0; i < rank; ++i) step[i] = xs[order[i]];
  const float* px = x.data();
  float* py = y.data();
  for (int64_t n = 0, total = y.numel(), offset = 0; n < total; ++n) {
    py[n] = px[offset];
    for (int64_t d = rank - 1; d >= 0; --d) {  // advance the multi-index like an odometer
      offset += step[d];
      if (++index[d] < shape[d]) break;
      offset -= step[d] * shape[d];
      index[d] = 0;
    }
  }
  if (needs_grad(x))
    record({"PermuteBackward", "y = permute(x): dx = g permuted back"}, y, {x},
           Backward{.differentiable = [inverse](const Tensor& g) { return grads(permute(g, inverse)); }});
  return y;
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  if (x.dim() == 0) {  // PyTorch allows transpose(0, 0) of a 0-d tensor: nothing to swap
    normalize_dim(dim0, 0, "transpose"), normalize_dim(dim1, 0, "transpose");
    return x;
  }
  std::vector<int64_t> dims(x.dim());
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[normalize_dim(dim0, x.dim(), "transpose")], dims[normalize_dim(dim1, x.dim(), "transpose")]);
  return permute(x, dims);
}

// The backward of a broadcast is a sum: the engine sums g back to x's shape.
Tensor expand(const Tensor& x, const Shape& sizes) {
  if (sizes.size() < x.shape().size())
    fail("expand: cannot expand shape ", x.shape(), " to ", sizes, ", which has fewer dims");
  // -1 keeps the size of the matching dim of x (PyTorch); a new leading dim needs a real size.
  Shape shape = sizes;
  size_t lead = sizes.size() - x.shape().size();
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && i >= lead) shape[i] = x.shape()[i - lead];
    if (shape[i] < 0)
      fail("expand: invalid size ", sizes[i], " for dim ", i, " when expanding ", x.shape(), " to ", sizes,
           " (-1 keeps an existing dim's size; new leading dims need a size >= 0)");
  }
  if (broadcast_shapes(x.shape(), shape, "expand") != shape)
    fail("expand: shape ", x.shape(), " cannot be expanded to ", shape);
  if (x.shape() == shape) return x;
  Tensor y = Tensor::empty(shape);
  if (x.numel() == 1) {  // a scalar everywhere: sum's backward, the common case
    float value = x.item();
    float* out = y.data();
    kernels::parallel_for(y.numel(),
                          [out, value](int64_t b, int64_t e) { std::fill(out + b, out + e, value); });
  } else {
    float zero = 0.0f;
    kernels::binary_loop(x.data(), x.shape(), &zero, Shape{}, y.data(), shape,
                         [](float u, float) { return u; });
  }
  if (needs_grad(x))
    record({"ExpandBackward", "y = expand(x): dx = g summed over the expanded dims"}, y, {x},
           Backward{.differentiable = [](const Tensor& g) { return grads(g); }});
  return y;
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  if (x.dim() == 0) fail("narrow: cannot be applied to a 0-dim tensor");
  dim = normalize_dim(dim, x.dim(), "narrow");
  int64_t size = x.shape()[dim];
  const int64_t asked = start;  // the message shows the start the user passed, not the wrapped one
  if (start < 0) start += size;
  if (start < 0 || length < 0 || length > size - start) {
    // start + length may not fit in int64 (either near its limits): say it in words then.
    int64_t sum = 0;
    std::string end = __builtin_add_overflow(asked, length, &sum)
                          ? std::to_string(asked) + " + " + std::to_string(length)
                          : std::to_string(sum);
    fail("narrow: slice [", asked, ", ", end, ") is outside dim ", dim, " of size ", size, " (shape ",
         x.shape(), ")");
  }
  Shape shape = x.shape();
  shape[dim] = length;
  Tensor y = Tensor::empty(shape);
  int64_t inner = inner_size(x.shape(), dim), outer = outer_size(x.shape(), dim);
  copy_blocks(x.data(), size * inner, start * inner, y.data(), length * inner, 0, outer, length * inner);
  if (needs_grad(x))
    record({"NarrowBackward", "y = x[slice]: dx = g in the slice, 0 elsewhere"}, y, {x},
           Backward{.fast =
                        [xshape = x.shape(), dim, start, length, inner, outer](const Tensor& g) {
                          Tensor gx = zeros(xshape);  // the gradient is zero outside the slice
                          int64_t size = xshape[dim];
                          copy_blocks(g.data(), length * inner, 0, gx.data(), size * inner, start * inner,
                                      outer, length * inner);
                          return grads(gx);
                        },
                    .differentiable =  // g between zeros: cat, whose own backward slices it out again
                    [xshape = x.shape(), dim, start, length](const Tensor& g) {
                      Shape before = xshape, after = xshape;
                      before[dim] = start;
                      after[dim] = xshape[dim] - start - length;
                      return grads(cat({zeros(before), g, zeros(after)}, dim));
                    }});
  return y;
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim) {
  if (x.dim() == 0) fail("split: cannot be applied to a 0-dim tensor");
  dim = normalize_dim(dim, x.dim(), "split");
  if (size <= 0) fail("split: size must be positive, got ", size);
  std::vector<Tensor> pieces;
  for (int64_t start = 0; start < x.shape()[dim]; start += size)
    pieces.push_back(narrow(x, dim, start, std::min(size, x.shape()[dim] - start)));
  return pieces;
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) fail("cat: expected at least one tensor");
  const Shape& first = tensors[0].shape();
  if (first.empty()) fail("cat: zero-dimensional tensors cannot be concatenated (use stack)");
  dim = normalize_dim(dim, static_cast<int64_t>(first.size()), "cat");
  Shape shape = first;
  shape[dim] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Shape& s = tensors[i].shape();
    bool same = s.size() == first.size();
    for (size_t d = 0; same && d < s.size(); ++d) same = static_cast<int64_t>(d) == dim || s[d] == first[d];
    if (!same)
      fail("cat: tensor ", i, " has shape ", s, " but tensor 0 has shape ", first, " (all dims but ", dim,
           " must match)");
    shape[dim] += s[dim];
  }
  Tensor y = Tensor::empty(shape);
  int64_t inner = inner_size(shape, dim), outer = outer_size(shape, dim), offset = 0;
  std::vector<int64_t> sizes;
  for (const Tensor& t : tensors) {
    int64_t len = t.shape()[dim] * inner;
    copy_blocks(t.data(), len, 0, y.data(), shape[dim] * inner, offset, outer, len);
    offset += len;
    sizes.push_back(t.shape()[dim]);
  }
  bool any = false;
  for (const Tensor& t : tensors) any = any || needs_grad(t);
  if (any)
    record({"CatBackward", "y = cat(a, b, ...): each input gets its slice of g"}, y, tensors,
           Backward{.differentiable = [sizes, dim](const Tensor& g) {
             Gradients out;  // each input gets its slice of the gradient back
             int64_t start = 0;
             for (int64_t s : sizes) {
               out.push_back(narrow(g, dim, start, s));
               start += s;
             }
             return out;
           }});
  return y;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) fail("stack: expected at least one tensor");
  dim = normalize_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].shape() != tensors[0].shape())
      fail("stack: tensor ", i, " has shape ", tensors[i].shape(), " but tensor 0 has shape ",
           tensors[0].shape(), " (all must match)");
    expanded.push_back(unsqueeze(tensors[i], dim));
  }
  return cat(expanded, dim);
}

}  // namespace ember
