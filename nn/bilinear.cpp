// F::bilinear and nn::Bilinear. With X1 [N, in1], X2 [N, in2] and A_k the
// k-th [in1, in2] slice of the weight, one output column is
//   y[:, k] = rowwise_dot(X1·A_k, X2) + b_k
// and the backward, with g = dy[:, k] as a column:
//   dX1 += diag(g) · (X2·A_kᵀ)     dX2 += diag(g) · (X1·A_k)
//   dA_k = (diag(g)·X1)ᵀ · X2      db_k = Σ_n g
// Each needs only [N, in] temporaries, so memory stays O(N·(in1 + in2)).
#include "nn/bilinear.h"

#include <cmath>

#include <Eigen/Core>

#include "core/kernels/team.h"
#include "core/node.h"
#include "core/ops.h"
#include "nn/backward_by_formula.h"
#include "nn/init.h"

namespace ember::F {
namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapConst = Eigen::Map<const Matrix>;
using Map = Eigen::Map<Matrix>;

}  // namespace

Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias) {
  if (!x1.defined() || !x2.defined() || !weight.defined())
    fail("bilinear: x1, x2 and weight must be defined");
  if (weight.dim() != 3)
    fail("bilinear: weight must have 3 dims [out, in1, in2], got shape ", weight.shape());
  int64_t out = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  if (x1.dim() < 1 || x2.dim() < 1)
    fail("bilinear: inputs must have at least 1 dim ([..., in1] and [..., in2]), got x1 ", x1.shape(),
         " and x2 ", x2.shape());
  if (x1.dim() < 1 || x2.dim() < 1 || x1.dim() != x2.dim() ||
      !std::equal(x1.shape().begin(), x1.shape().end() - 1, x2.shape().begin()))
    fail("bilinear: x1 and x2 must have the same leading dims, got x1 ", x1.shape(), " and x2 ", x2.shape());
  if (x1.size(-1) != in1 || x2.size(-1) != in2)
    fail("bilinear: inputs have ", x1.size(-1), " and ", x2.size(-1), " features but weight expects ", in1,
         " and ", in2, " (x1 ", x1.shape(), ", x2 ", x2.shape(), ", weight ", weight.shape(), ")");
  if (bias.defined() && bias.shape() != Shape{out})
    fail("bilinear: bias must have shape [", out, "] to match weight ", weight.shape(), ", got ",
         bias.shape());
  int64_t n = numel_of(Shape(x1.shape().begin(), x1.shape().end() - 1));
  Shape shape = x1.shape();
  shape.back() = out;
  Tensor y = Tensor::empty(shape);
  {
    MapConst X1(x1.data(), n, in1), X2(x2.data(), n, in2);
    Map Y(y.data(), n, out);
    Matrix t(n, in2);
    // Eigen's products fork OpenMP teams too: same rule as oneDNN's calls.
    kernels::TeamScope team(n * in1 * in2, 64 * kernels::kParallelGrain);
    for (int64_t k = 0; k < out; ++k) {
      MapConst A(weight.data() + k * in1 * in2, in1, in2);
      t.noalias() = X1 * A;
      Y.col(k) = t.cwiseProduct(X2).rowwise().sum();
      if (bias.defined()) Y.col(k).array() += bias.data()[k];
    }
  }
  if (needs_grad({&x1, &x2, &weight, &bias})) {
    bool want_x1 = x1.requires_grad(), want_x2 = x2.requires_grad(), want_w = weight.requires_grad(),
         want_b = bias.defined() && bias.requires_grad();
    const SavedTensor saved_x1(x1), saved_x2(x2), saved_w(weight), saved_b(bias);
    record({"BilinearBackward",
            "y_k = x1^T A_k x2 + b_k: dx1 = sum_k g_k A_k x2, dx2 = sum_k g_k A_k^T x1, dA_k = g_k x1 x2^T"},
           y, {x1, x2, weight, bias},
           Backward{.fast =
                        [x1 = saved_x1.values(), x2 = saved_x2.values(), w = saved_w.values(), want_x1,
                         want_x2, want_w, want_b, n, in1, in2, out](const Tensor& g) {
                          Tensor g1, g2, gw, gb;
                          MapConst X1(x1.data(), n, in1), X2(x2.data(), n, in2), G(g.data(), n, out);
                          Matrix t;
                          kernels::TeamScope team(n * in1 * in2, 64 * kernels::kParallelGrain);
                          if (want_x1) g1 = zeros(x1.shape());
                          if (want_x2) g2 = zeros(x2.shape());
                          if (want_w) gw = Tensor::empty(w.shape());
                          for (int64_t k = 0; k < out; ++k) {
                            MapConst A(w.data() + k * in1 * in2, in1, in2);
                            auto gk = G.col(k);
                            if (want_x1) {
                              t.noalias() = X2 * A.transpose();
                              Map(g1.data(), n, in1) += gk.asDiagonal() * t;
                            }
                            if (want_x2) {
                              t.noalias() = X1 * A;
                              Map(g2.data(), n, in2) += gk.asDiagonal() * t;
                            }
                            if (want_w)
                              Map(gw.data() + k * in1 * in2, in1, in2).noalias() =
                                  (gk.asDiagonal() * X1).transpose() * X2;
                          }
                          if (want_b) {
                            gb = Tensor::empty({out});
                            Eigen::Map<Eigen::RowVectorXf>(gb.data(), out) = G.colwise().sum();
                          }
                          return grads(g1, g2, gw, gb);
                        },
                    .differentiable = detail::backward_by_formula(
                        {saved_x1, saved_x2, saved_w, saved_b},
                        [n, in1, in2, out](const std::vector<Tensor>& in) {
                          // y[r, k] = Σ_ij x1[r, i] A[k, i, j] x2[r, j] (+ b[k]), with two matrix products
                          Tensor a = permute(in[2], {1, 0, 2}).reshape({in1, out * in2});
                          Tensor t = matmul(in[0].reshape({n, in1}), a).reshape({n, out, in2});
                          Tensor y = (t * unsqueeze(in[1].reshape({n, in2}), 1)).sum({2});
                          if (in[3].defined()) y = y + in[3];
                          Shape shape = in[0].shape();
                          shape.back() = out;
                          return y.reshape(shape);
                        })},
           {x1, x2, weight});
  }
  return y;
}

}  // namespace ember::F

namespace ember::nn {

Bilinear::Bilinear(int64_t in1_features, int64_t in2_features, int64_t out_features, bool bias)
    : in1_features(in1_features), in2_features(in2_features), out_features(out_features) {
  if (in1_features < 0 || in2_features < 0 || out_features < 0)
    fail("Bilinear: sizes must be non-negative, got in1_features=", in1_features,
         ", in2_features=", in2_features, ", out_features=", out_features);
  checked_numel({out_features, in1_features, in2_features}, "Bilinear");  // named here, not as "empty"
  checked_numel({out_features}, "Bilinear");
  weight = register_parameter("weight", Tensor::empty({out_features, in1_features, in2_features}));
  if (bias) this->bias = register_parameter("bias", Tensor::empty({out_features}));
  reset_parameters();
}

void Bilinear::reset_parameters() {
  double bound = in1_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in1_features)) : 0.0;
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor Bilinear::forward(const Tensor& x1, const Tensor& x2) { return F::bilinear(x1, x2, weight, bias); }

std::string Bilinear::extra_repr() const {
  return "in1_features=" + std::to_string(in1_features) + ", in2_features=" + std::to_string(in2_features) +
         ", out_features=" + std::to_string(out_features) + ", bias=" + (bias.defined() ? "True" : "False");
}

}  // namespace ember::nn
