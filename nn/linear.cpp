// F::linear and nn::Linear. The op flattens the leading dims of x into rows,
// calls the kernels in core/kernels/linear.h, and records one node whose
// backward computes only the gradients that some input actually needs (the
// first layer's input usually needs none, which saves a whole product).
#include "nn/linear.h"

#include <cmath>

#include "core/kernels/linear.h"
#include "core/node.h"
#include "nn/init.h"

namespace ember::F {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
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
  if (needs_grad({&x, &weight, &bias})) {
    bool want_x = x.requires_grad(), want_w = weight.requires_grad(),
         want_b = bias.defined() && bias.requires_grad();
    record("LinearBackward", y, {x, weight, bias},
           [x = x.detach(), w = weight.detach(), want_x, want_w, want_b, n, in, out](const Tensor& g) {
             Tensor gx, gw, gb;
             if (want_x) gx = Tensor::empty(x.shape());
             if (want_w) gw = Tensor::empty(w.shape());
             if (want_b) gb = Tensor::empty({out});
             kernels::linear_backward(g.data(), x.data(), w.data(), want_x ? gx.data() : nullptr,
                                      want_w ? gw.data() : nullptr, want_b ? gb.data() : nullptr, n, in, out);
             return grads(gx, gw, gb);
           });
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
