// Linear kernels: three matrix products on kernels::gemm (oneDNN sgemm) and a column sum.
#include "core/kernels/linear.h"

#include <Eigen/Core>

#include "core/kernels/gemm.h"

namespace ember::kernels {

void linear_forward(const float* x, const float* w, const float* b, float* y, int64_t n, int64_t in,
                    int64_t out) {
  gemm(x, false, w, true, b, y, n, in, out);  // y = x · wᵀ + b
}

void linear_backward(const float* dy, const float* x, const float* w, float* dx, float* dw, float* db,
                     int64_t n, int64_t in, int64_t out) {
  if (dx) gemm(dy, false, w, false, nullptr, dx, n, out, in);  // dx = dy · w
  if (dw) gemm(dy, true, x, false, nullptr, dw, out, n, in);   // dw = dyᵀ · x
  if (db) {                                                    // db = Σ_n dy
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::Map<Eigen::RowVectorXf> bias_grad(db, out);
    if (n == 0)
      bias_grad.setZero();
    else
      bias_grad = Eigen::Map<const RowMajor>(dy, n, out).colwise().sum();
  }
}

}  // namespace ember::kernels
