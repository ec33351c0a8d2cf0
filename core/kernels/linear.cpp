// Linear kernels on Eigen's matrix products (which use OpenMP threads for
// large products). Row-major maps let Eigen read ember's buffers in place.
#include "core/kernels/linear.h"

#include <Eigen/Core>

namespace ember::kernels {
namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapConst = Eigen::Map<const Matrix>;
using Map = Eigen::Map<Matrix>;
using RowConst = Eigen::Map<const Eigen::RowVectorXf>;
using Row = Eigen::Map<Eigen::RowVectorXf>;

}  // namespace

void linear_forward(const float* x, const float* w, const float* b, float* y, int64_t n, int64_t in,
                    int64_t out) {
  MapConst X(x, n, in), W(w, out, in);
  Map Y(y, n, out);
  if (in == 0)
    Y.setZero();
  else
    Y.noalias() = X * W.transpose();
  if (b) Y.rowwise() += RowConst(b, out);
}

void linear_backward(const float* dy, const float* x, const float* w, float* dx, float* dw, float* db,
                     int64_t n, int64_t in, int64_t out) {
  MapConst dY(dy, n, out), X(x, n, in), W(w, out, in);
  if (dx) {
    Map dX(dx, n, in);
    if (out == 0)
      dX.setZero();
    else
      dX.noalias() = dY * W;
  }
  if (dw) {
    Map dW(dw, out, in);
    if (n == 0)
      dW.setZero();
    else
      dW.noalias() = dY.transpose() * X;
  }
  if (db) {
    Row dB(db, out);
    if (n == 0)
      dB.setZero();
    else
      dB = dY.colwise().sum();
  }
}

}  // namespace ember::kernels
