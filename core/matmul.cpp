// Matrix products on kernels::gemm (oneDNN matmul). For C = A·B the backward is dA = dC·Bᵀ and
// dB = Aᵀ·dC. Batched and vector cases are reshaped onto the 2-D product,
// so autograd derives their gradients from it.
#include "core/kernels/gemm.h"
#include "core/node.h"
#include "core/ops.h"
#include "core/transposed_matmul.h"

namespace ember {
namespace {

// [b, m, k] × [b, k, n] (b = 1 for plain matrices).
Tensor batched_matmul(const Tensor& a, const Tensor& b) {
  int64_t batch = a.dim() == 3 ? a.size(0) : 1, m = a.size(-2), k = a.size(-1), n = b.size(-1);
  Shape shape = a.dim() == 3 ? Shape{batch, m, n} : Shape{m, n};
  Tensor y = Tensor::empty(shape);
  for (int64_t i = 0; i < batch; ++i)
    kernels::gemm(a.data() + i * m * k, false, b.data() + i * k * n, false, nullptr, y.data() + i * m * n, m,
                  k, n);
  if (needs_grad(a, b)) {
    const SavedTensor saved_a(a), saved_b(b);
    record({"MmBackward", "y = A B: dA = g B^T, dB = A^T g"}, y, {a, b},
           Backward{.fast =
                        [a = saved_a.values(), b = saved_b.values(), batch, m, k, n](const Tensor& g) {
                          Tensor ga = Tensor::empty(a.shape()), gb = Tensor::empty(b.shape());
                          for (int64_t i = 0; i < batch; ++i) {
                            kernels::gemm(g.data() + i * m * n, false, b.data() + i * k * n, true, nullptr,
                                          ga.data() + i * m * k, m, n, k);  // dC·Bᵀ
                            kernels::gemm(a.data() + i * m * k, true, g.data() + i * m * n, false, nullptr,
                                          gb.data() + i * k * n, k, m, n);  // Aᵀ·dC
                          }
                          return grads(ga, gb);
                        },
                    .differentiable =
                        [a = saved_a, b = saved_b, batch](const Tensor& g) {
                          Tensor av = a.get(), bv = b.get();
                          if (batch == 1 && av.dim() == 2)  // dC·Bᵀ and Aᵀ·dC, no transpose copied
                            return grads(detail::matmul_transposed(g, false, bv, true),
                                         detail::matmul_transposed(av, true, g, false));
                          return grads(matmul(g, transpose(bv, -2, -1)), matmul(transpose(av, -2, -1), g));
                        }},
           {a, b});
  }
  return y;
}

}  // namespace

// C = op(A)·op(B): dop(A) = g·op(B)ᵀ and dop(B) = op(A)ᵀ·g, each again a product of
// this kind; a transposed operand's gradient is the transpose of those, which swaps
// the factors: (g·op(B)ᵀ)ᵀ = op(B)·gᵀ and (op(A)ᵀ·g)ᵀ = gᵀ·op(A).
Tensor detail::matmul_transposed(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b) {
  if (a.dim() != 2 || b.dim() != 2)
    fail("matmul: the transposed product takes matrices, got shapes ", a.shape(), " and ", b.shape());
  const int64_t m = transpose_a ? a.size(1) : a.size(0), k = transpose_a ? a.size(0) : a.size(1);
  const int64_t n = transpose_b ? b.size(0) : b.size(1), kb = transpose_b ? b.size(1) : b.size(0);
  if (k != kb)
    fail("matmul: shapes ", a.shape(), " and ", b.shape(), " cannot be multiplied (", k, " vs ", kb, ")");
  Tensor y = Tensor::empty({m, n});
  kernels::gemm(a.data(), transpose_a, b.data(), transpose_b, nullptr, y.data(), m, k, n);
  if (needs_grad(a, b))
    record({"MmBackward", "y = A B: dA = g B^T, dB = A^T g"}, y, {a, b},
           Backward{.differentiable =
                        [a = SavedTensor(a), b = SavedTensor(b), transpose_a, transpose_b](const Tensor& g) {
                          Tensor av = a.get(), bv = b.get();
                          Tensor ga = transpose_a ? matmul_transposed(bv, transpose_b, g, true)
                                                  : matmul_transposed(g, false, bv, !transpose_b);
                          Tensor gb = transpose_b ? matmul_transposed(g, true, av, transpose_a)
                                                  : matmul_transposed(av, !transpose_a, g, false);
                          return grads(ga, gb);
                        }},
           {a, b});
  return y;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.dim() == 0 || b.dim() == 0)
    fail("matmul: both arguments need at least 1 dim, got shapes ", a.shape(), " and ", b.shape());
  int64_t rows_b = b.dim() == 1 ? b.size(0) : b.size(-2);  // checked here to name the caller's shapes
  if (a.size(-1) != rows_b)
    fail("matmul: shapes ", a.shape(), " and ", b.shape(), " cannot be multiplied (", a.size(-1), " vs ",
         rows_b, ")");
  // Checked before the vector cases below recurse with a reshaped operand, so
  // that messages show the caller's shapes ([3], not [1, 3]).
  if (a.dim() > 3 || b.dim() > 3)
    fail("matmul: supports up to 3 dims, got shapes ", a.shape(), " and ", b.shape());
  if (a.dim() < 3 && b.dim() == 3)
    fail("matmul: ", a.dim() == 1 ? "[k]" : "[m, k]", " x [b, k, n] is not supported, got ", a.shape(),
         " and ", b.shape());
  // Vectors as in torch.matmul: [k] is a row on the left, a column on the right.
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), b.dim() == 1 ? 0 : -2);  // [k]x[k] -> []
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  if (a.size(-1) != b.size(-2))
    fail("matmul: shapes ", a.shape(), " and ", b.shape(), " cannot be multiplied (", a.size(-1),
         " columns vs ", b.size(-2), " rows)");
  if (a.dim() == 3 && b.dim() == 2) {  // the batch folds into the rows of one product
    Tensor y = batched_matmul(a.reshape({a.size(0) * a.size(1), a.size(2)}), b);
    return y.reshape({a.size(0), a.size(1), b.size(1)});
  }
  if (a.dim() == 3 && a.size(0) != b.size(0))
    fail("matmul: batch sizes differ: ", a.shape(), " and ", b.shape());
  return batched_matmul(a, b);
}

}  // namespace ember
