// Tensor ops: each records its backward when an input requires grad.
// Semantics and names follow PyTorch. Elementwise ops between two tensors
// broadcast (NumPy rules); the engine sums the gradient back to each input's shape.
// Files by family: pointwise.cpp, binary.cpp, reduce.cpp, shape_ops.cpp,
// matmul.cpp, index.cpp.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace ember {

// --- arithmetic (binary.cpp), broadcasting -----------------------------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, float b);
Tensor operator-(const Tensor& a, float b);
Tensor operator*(const Tensor& a, float b);
Tensor operator/(const Tensor& a, float b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(float a, const Tensor& b);
Tensor operator*(float a, const Tensor& b);
Tensor operator/(float a, const Tensor& b);
Tensor operator-(const Tensor& a);
/// Elementwise max / min. On ties the gradient is split half and half (PyTorch).
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
/// a ** b elementwise (both tensors, broadcasting).
Tensor pow(const Tensor& a, const Tensor& b);
/// cond ? a : b elementwise; cond holds 0/1 (any nonzero counts as true). Broadcasts all three.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, float b);
Tensor where(const Tensor& cond, float a, const Tensor& b);

// --- comparisons (binary.cpp): not differentiable, 0/1 results -----------------
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, float b);
Tensor operator<(const Tensor& a, float b);
Tensor operator>=(const Tensor& a, float b);
Tensor operator<=(const Tensor& a, float b);
Tensor operator==(const Tensor& a, float b);
Tensor operator!=(const Tensor& a, float b);

// --- pointwise (pointwise.cpp) --------------------------------------------------
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);  ///< gradient sign(x), 0 at 0
/// tanh and sigmoid on oneDNN's eltwise primitives; F::tanh and F::sigmoid are these
/// same functions, reference::tanh and reference::sigmoid the plain formulas.
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);  ///< 1 / (1 + e⁻ˣ)
Tensor erf(const Tensor& x);
Tensor sin(const Tensor& x);  ///< sin x (physics-informed losses, periodic targets)
Tensor cos(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
Tensor pow(float base, const Tensor& x);
/// Clamps to [min, max]; the gradient passes where min <= x <= max (PyTorch).
Tensor clamp(const Tensor& x, float min, float max);
Tensor clamp_min(const Tensor& x, float min);
Tensor clamp_max(const Tensor& x, float max);
Tensor sign(const Tensor& x);  ///< not differentiable (gradient 0)

// --- reductions (reduce.cpp) --------------------------------------------------
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
/// Largest element; tied largest elements share the gradient evenly (PyTorch).
Tensor max(const Tensor& x);
/// Largest values along dim; the gradient goes to the first largest in each slice.
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
Tensor min(const Tensor& x, int64_t dim, bool keepdim = false);
/// Index of the first largest value along dim (as floats; not differentiable).
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
/// log(sum(exp(x))) along dim, computed stably (subtracting the max).
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false);
/// Sums a broadcast gradient back to `shape` (the inverse of broadcasting).
Tensor sum_to(const Tensor& x, const Shape& shape);

// --- shape (shape_ops.cpp) ----------------------------------------------------
/// Same storage, new shape; one size may be -1 (inferred).
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);  ///< copies
/// Reorders the dims (copies): out.shape[i] = x.shape[dims[i]].
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
/// Broadcasts x to `shape` (copies); -1 keeps a dim's size, as in PyTorch. The gradient sums back.
Tensor expand(const Tensor& x, const Shape& shape);
/// The slice [start, start + length) along dim (copies).
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
/// Splits into pieces of `size` along dim (the last may be smaller).
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);

// --- matrix products (matmul.cpp) ----------------------------------------------
/// [m,k]×[k,n], [b,m,k]×[k,n] and [b,m,k]×[b,k,n]; 1-D operands as in torch.matmul.
Tensor matmul(const Tensor& a, const Tensor& b);

// --- indexing (index.cpp) -------------------------------------------------------
/// out[i][j] = x[i][index[i][j]] for dim 1 (torch.gather); index holds whole numbers.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
/// [N] class indices -> [N, num_classes] of 0/1 (not differentiable).
Tensor one_hot(const Tensor& index, int64_t num_classes);
/// Rows of x picked by whole-number indices along dim 0 (differentiable in x).
Tensor index_select(const Tensor& x, const Tensor& index);

}  // namespace ember
