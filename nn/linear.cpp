// F::linear and nn::Linear. The op flattens the leading dims of x into rows,
// calls the kernels in core/kernels/linear.h, and records one node whose
// backward computes only the gradients that some input actually needs (the
// first layer's input usually needs none, which saves a whole product).
// It can also apply relu, tanh or sigmoid to its output in place (see
// LinearActivation); nn::Sequential does so for a Linear and its activation.
#include "nn/linear.h"

#include <cmath>

#include "core/kernels/activation_loops.h"
#include "core/kernels/linear.h"
#include "core/kernels/onednn_eltwise.h"
#include "core/node.h"
#include "core/ops.h"
#include "core/transposed_matmul.h"
#include "nn/init.h"

namespace ember::F {
namespace {

void activation_forward(LinearActivation activation, float* y, int64_t n) {
  switch (activation) {
    case LinearActivation::none:
      return;
    case LinearActivation::relu:
      return kernels::relu_forward(y, y, n);
    // The algorithms F::tanh and F::sigmoid use, so that fused and unfused agree bit for bit.
    case LinearActivation::tanh:
      return kernels::eltwise_forward(kernels::Eltwise::tanh_use_dst, 0, 0, y, y, n);
    case LinearActivation::sigmoid:
      return kernels::eltwise_forward(kernels::Eltwise::logistic_use_dst, 0, 0, y, y, n);
  }
}

// dz = activation'(z) · dy, computed from the activation's output y.
void activation_backward(LinearActivation activation, const float* y, const float* dy, float* dz, int64_t n) {
  using kernels::Eltwise;
  switch (activation) {
    case LinearActivation::none:
      return;
    case LinearActivation::relu:
      return kernels::relu_backward(y, dy, dz, n);
    case LinearActivation::tanh:
      return kernels::eltwise_backward(Eltwise::tanh_use_dst, 0, 0, y, dy, dz, n);
    case LinearActivation::sigmoid:
      return kernels::eltwise_backward(Eltwise::logistic_use_dst, 0, 0, y, dy, dz, n);
  }
}

NodeKind node_kind(LinearActivation activation) {
  switch (activation) {
    case LinearActivation::relu:
      return {"LinearReluBackward",
              "y = relu(z), z = x W^T + b: dz = g * (y > 0), then dx = dz W, dW = dz^T x, "
              "db = sum over rows of dz"};
    case LinearActivation::tanh:
      return {"LinearTanhBackward",
              "y = tanh(z), z = x W^T + b: dz = g * (1 - y^2), then dx = dz W, "
              "dW = dz^T x, db = sum over rows of dz"};
    case LinearActivation::sigmoid:
      return {"LinearSigmoidBackward",
              "y = sigmoid(z), z = x W^T + b: dz = g * y (1 - y), then dx = dz W, "
              "dW = dz^T x, db = sum over rows of dz"};
    default:
      return {"LinearBackward", "y = x W^T + b: dx = g W, dW = g^T x, db = sum over rows of g"};
  }
}

// The same backward in ember's ops, differentiable: through the fused activation
// (from its output y), then dx = dz W, dW = dzᵀ x, db = Σ rows of dz.
Gradients linear_backward_formula(const Tensor& x, const Tensor& w, const Tensor& y, const Tensor& g,
                                  LinearActivation activation, int64_t n, int64_t in, int64_t out) {
  Tensor dz = g;
  if (activation == LinearActivation::relu) dz = g * (y > 0.0f);
  if (activation == LinearActivation::tanh) dz = g * (1.0f - y * y);
  if (activation == LinearActivation::sigmoid) dz = g * y * (1.0f - y);
  Tensor rows = dz.reshape({n, out});  // dx = dz W, dW = dzᵀ x: the transpose goes to the gemm, not a copy
  return grads(detail::matmul_transposed(rows, false, w, false).reshape(x.shape()),
               detail::matmul_transposed(rows, true, x.reshape({n, in}), false), rows.sum({0}));
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  return linear(x, weight, bias, LinearActivation::none);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, LinearActivation activation) {
  if (!x.defined() || !weight.defined()) fail("linear: input and weight must be defined tensors");
  if (weight.dim() != 2) fail("linear: weight must have 2 dims [out, in], got shape ", weight.shape());
  if (x.dim() < 1) fail("linear: input must have at least 1 dim [..., in], got shape ", x.shape());
  int64_t in = weight.size(1), out = weight.size(0);
  if (x.size(-1) != in)
    fail("linear: input has ", x.size(-1), " features but weight expects ", in, " (input ", x.shape(),
         ", weight ", weight.shape(), ")");
  if (bias.defined() && bias.shape() != Shape{out})
    fail("linear: bias must have shape [", out, "] to match weight ", weight.shape(), ", got ", bias.shape());
  int64_t n = in == 0 ? numel_of(Shape(x.shape().begin(), x.shape().end() - 1)) : x.numel() / in;
  Shape shape = x.shape();
  shape.back() = out;
  Tensor y = Tensor::empty(shape);
  kernels::linear_forward(x.data(), weight.data(), bias.defined() ? bias.data() : nullptr, y.data(), n, in,
                          out);
  activation_forward(activation, y.data(), y.numel());
  if (needs_grad({&x, &weight, &bias})) {
    bool want_x = x.requires_grad(), want_w = weight.requires_grad(),
         want_b = bias.defined() && bias.requires_grad();
    // A fused activation's backward reads the output, so the node keeps y's storage.
    const SavedTensor saved_x(x), saved_w(weight),
        saved_y = activation == LinearActivation::none ? SavedTensor() : SavedTensor::output(y);
    record(node_kind(activation), y, {x, weight, bias},
           Backward{.fast =
                        [x = saved_x.values(), w = saved_w.values(), y_saved = saved_y.values(), activation,
                         want_x, want_w, want_b, n, in, out](const Tensor& g) {
                          Tensor dz = g;  // the gradient at the product's output
                          if (activation != LinearActivation::none) {
                            dz = Tensor::empty(g.shape());
                            activation_backward(activation, y_saved.data(), g.data(), dz.data(), g.numel());
                          }
                          Tensor gx, gw, gb;
                          if (want_x) gx = Tensor::empty(x.shape());
                          if (want_w) gw = Tensor::empty(w.shape());
                          if (want_b) gb = Tensor::empty({out});
                          kernels::linear_backward(dz.data(), x.data(), w.data(),
                                                   want_x ? gx.data() : nullptr, want_w ? gw.data() : nullptr,
                                                   want_b ? gb.data() : nullptr, n, in, out);
                          return grads(gx, gw, gb);
                        },
                    .differentiable =
                        [x = saved_x, w = saved_w, y = saved_y, activation, n, in, out](const Tensor& g) {
                          return linear_backward_formula(x.get(), w.get(), y.get(), g, activation, n, in,
                                                         out);
                        }},
           {x, weight, saved_y.values()});
  }
  return y;
}

}  // namespace ember::F

namespace ember::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : in_features(in_features), out_features(out_features) {
  if (in_features < 0 || out_features < 0)
    fail("Linear: sizes must be non-negative, got in_features=", in_features,
         ", out_features=", out_features);
  checked_numel({out_features, in_features}, "Linear");  // named here, not as "empty"
  checked_numel({out_features}, "Linear");
  weight = register_parameter("weight", Tensor::empty({out_features, in_features}));
  if (bias) this->bias = register_parameter("bias", Tensor::empty({out_features}));
  reset_parameters();
}

void Linear::reset_parameters() {
  // kaiming_uniform_ with a = √5 gives bound = √3 · √(2/6) / √in = 1/√in.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& input) { return F::linear(input, weight, bias); }

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "True" : "False");
}

}  // namespace ember::nn
