// Activations along one dim: softmax, log_softmax and softmin on oneDNN 2.6's
// softmax_v2 primitive (softmax_accurate subtracts the row max first, so
// inputs of ±1000 are fine), and glu as an OpenMP loop. Any rank and dim is
// viewed as [outer, size, inner] with the op over the middle; a 0-dim tensor
// is one row of one element, as in PyTorch.
#include "core/kernels/activation_loops.h"
#include "core/kernels/onednn_eltwise.h"
#include "core/kernels/softmax.h"
#include "core/node.h"
#include "core/ops.h"
#include "nn/activation.h"
#include "nn/activation_detail.h"
#include "nn/reference.h"

namespace ember::F {
namespace {

using detail::backward_by_formula;
using detail::check_defined;

// softmax' (vector-Jacobian product) = y·(g − Σ g·y); log_softmax' = g − e^y·Σ g.
// softmin = softmax(−x), so its input is negated going in and its gradient coming out.
Tensor softmax_family(const char* op, NodeKind node, const Tensor& x, int64_t dim, bool log, bool negate) {
  check_defined(x, op);
  int64_t d = normalize_dim(dim, x.dim(), op);
  DimSplit r = split_at(x.shape(), d);
  Tensor in = negate ? neg(x.detach()) : x;
  Tensor y = Tensor::empty(x.shape());
  kernels::softmax_forward(log, in.data(), y.data(), r.outer, r.n, r.inner);
  if (!needs_grad(x)) return y;
  const SavedTensor saved = SavedTensor::output(y);
  record(node, y, {x},
         Backward{.fast =
                      [y = saved.values(), r, log, negate](const Tensor& g) {
                        Tensor dx = Tensor::empty(y.shape());
                        kernels::softmax_backward(log, y.data(), g.data(), dx.data(), r.outer, r.n, r.inner);
                        return grads(negate ? neg(dx) : dx);
                      },
                  .differentiable =  // the same rules in ember's ops, y re-attached to this node
                  [y = saved, d, log, negate](const Tensor& g) {
                    Tensor out = y.get();
                    Tensor dx = log ? g - exp(out) * sum(g, {d}, true) : out * (g - sum(g * out, {d}, true));
                    return grads(negate ? -dx : dx);
                  }},
         {y});
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  return softmax_family("softmax", {"SoftmaxBackward", "y = softmax(x): dx = y * (g - sum(g * y))"}, x, dim,
                        false, false);
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  return softmax_family("log_softmax", {"LogSoftmaxBackward", "y = log_softmax(x): dx = g - exp(y) * sum(g)"},
                        x, dim, true, false);
}

Tensor softmin(const Tensor& x, int64_t dim) {
  return softmax_family("softmin", {"SoftminBackward", "y = softmax(-x): dx = -y * (g - sum(g * y))"}, x, dim,
                        false, true);
}

// σ over every element of x on oneDNN's logistic primitive (no autograd): glu
// needs it only for the gates, but one pass over all of x is one primitive
// call, where the gates alone are one strided slice per outer index.
namespace {
Tensor sigmoid_of(const Tensor& x) {
  Tensor s = Tensor::empty(x.shape());
  kernels::eltwise_forward(kernels::Eltwise::logistic, 0, 0, x.data(), s.data(), x.numel());
  return s;
}
}  // namespace

// glu(a‖b) = a·σ(b) (Dauphin et al. 2017): the first half gated by the second.
// ∂/∂a = σ(b), ∂/∂b = a·σ(b)(1 − σ(b)); the backward reads the input.
Tensor glu(const Tensor& x, int64_t dim) {
  check_defined(x, "glu");
  if (x.dim() == 0) fail("glu: needs at least one dim, got a 0-dim tensor");
  int64_t d = normalize_dim(dim, x.dim(), "glu");
  DimSplit r = split_at(x.shape(), d);
  if (r.n % 2 != 0)
    fail("glu: halving dimension must be even, but dimension ", d, " is size ", r.n, " (input ", x.shape(),
         ")");
  Shape out_shape = x.shape();
  out_shape[d] = r.n / 2;
  Tensor y = Tensor::empty(out_shape);
  Tensor s = sigmoid_of(x);
  kernels::glu_forward(x.data(), s.data(), y.data(), r.outer, r.n / 2, r.inner);
  if (needs_grad(x)) {
    const SavedTensor saved(x);
    record(
        {"GluBackward", "y = a sigmoid(b): da = g sigmoid(b), db = g a sigmoid(b) (1 - sigmoid(b))"}, y, {x},
        Backward{.fast =
                     [x = saved.values(), r](const Tensor& g) {
                       Tensor dx = Tensor::empty(x.shape()), s = sigmoid_of(x);
                       kernels::glu_backward(x.data(), s.data(), g.data(), dx.data(), r.outer, r.n / 2,
                                             r.inner);
                       return grads(dx);
                     },
                 .differentiable = backward_by_formula(
                     {saved}, [dim](const std::vector<Tensor>& in) { return reference::glu(in[0], dim); })},
        {x});
  }
  return y;
}

}  // namespace ember::F
