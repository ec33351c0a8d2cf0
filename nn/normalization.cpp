// F::batch_norm, F::layer_norm, their reference formulas and the modules.
// Each op: validate, run the kernel (core/kernels/normalization.cpp), record one
// node with the fused backward (fast) and the same derivative written with
// ember's ops (differentiable), which runs only under create_graph.
//
// The derivative both backwards compute, with x̂ = (x − μ)·r, r = 1/√(σ² + eps),
// ĝ = g·w and means taken over what was normalised together (a channel's N·L
// values, a row's last dims):
//   dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),  dw = Σ g·x̂,  db = Σ g.
// In evaluation mode batch norm's μ and r are the running statistics —
// constants — and dx = r·ĝ.
#include "nn/normalization.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/grad_mode.h"
#include "core/kernels/normalization.h"
#include "core/node.h"
#include "core/ops.h"

namespace ember {
namespace {

// [N, C, L] with L the product of the dims after C (1 for [N, C]).
Shape as_ncl(const Tensor& x) {
  const Shape& s = x.shape();
  int64_t l = 1;
  for (size_t d = 2; d < s.size(); ++d) l *= s[d];
  return {s[0], s[1], l};
}

void check_eps(float eps, const char* op) {
  if (!(eps >= 0.0f)) fail(op, ": eps must be non-negative, got ", eps);
}

void check_batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                      const Tensor& weight, const Tensor& bias, bool training, float eps) {
  if (!x.defined()) fail("batch_norm: the input is undefined");
  if (x.dim() < 2) fail("batch_norm: input must have at least 2 dims [N, C, ...], got shape ", x.shape());
  check_eps(eps, "batch_norm");
  const int64_t c = x.size(1);
  auto check_channels = [&](const Tensor& t, const char* what) {
    if (t.defined() && t.shape() != Shape{c})
      fail("batch_norm: input has ", c, " channels (dim 1 of ", x.shape(), ") but ", what, " has shape ",
           t.shape(), "; expected [", c, "]");
  };
  check_channels(running_mean, "running_mean");
  check_channels(running_var, "running_var");
  check_channels(weight, "weight");
  check_channels(bias, "bias");
  if (running_mean.defined() != running_var.defined())
    fail("batch_norm: running_mean and running_var must be both defined or both undefined");
  if (!training && !running_mean.defined())
    fail("batch_norm: running_mean and running_var must be defined in evaluation mode (training=false)");
  for (const Tensor* r : {&running_mean, &running_var})
    if (training && r->defined() && r->requires_grad())
      fail("batch_norm: the running statistics are updated in place and must not require grad");
  const Shape ncl = as_ncl(x);
  if (training && ncl[0] * ncl[2] == 1)
    fail("batch_norm: Expected more than 1 value per channel when training, got input size ", x.shape());
}

// dx, dw, db of batch norm as ember ops (see the top of the file); x, g: [N, C, L].
Gradients batch_norm_formula(const Tensor& x, const Tensor& weight, const Tensor& g, const Tensor& mean,
                             const Tensor& invstd, bool training, float eps, bool want_x, bool want_w,
                             bool want_b) {
  const Shape ncl = as_ncl(x);
  const int64_t c = ncl[1];
  Tensor x3 = x.reshape(ncl), g3 = g.reshape(ncl);
  Tensor r, xhat;
  if (training) {
    Tensor xc = x3 - x3.mean({0, 2}, true);
    r = 1.0f / sqrt((xc * xc).mean({0, 2}, true) + eps);
    xhat = xc * r;
  } else {
    r = invstd.reshape({1, c, 1});
    xhat = (x3 - mean.reshape({1, c, 1})) * r;
  }
  Tensor gx, gw, gb;
  if (want_x) {
    Tensor gh = weight.defined() ? g3 * weight.reshape({1, c, 1}) : g3;
    gx = training ? r * (gh - gh.mean({0, 2}, true) - xhat * (gh * xhat).mean({0, 2}, true)) : r * gh;
    gx = gx.reshape(x.shape());
  }
  if (want_w) gw = (g3 * xhat).sum({0, 2});
  if (want_b) gb = g3.sum({0, 2});
  return grads(gx, gw, gb);
}

// dx, dw, db of layer norm as ember ops; x, g: [rows, cols].
Gradients layer_norm_formula(const Tensor& x, const Tensor& weight, const Tensor& g, int64_t rows,
                             int64_t cols, float eps, bool want_x, bool want_w, bool want_b) {
  Tensor x2 = x.reshape({rows, cols}), g2 = g.reshape({rows, cols});
  Tensor xc = x2 - x2.mean({1}, true);
  Tensor r = 1.0f / sqrt((xc * xc).mean({1}, true) + eps);
  Tensor xhat = xc * r;
  Tensor gx, gw, gb;
  if (want_x) {
    Tensor gh = weight.defined() ? g2 * weight.reshape({cols}) : g2;
    gx = (r * (gh - gh.mean({1}, true) - xhat * (gh * xhat).mean({1}, true))).reshape(x.shape());
  }
  if (want_w) gw = (g2 * xhat).sum({0}).reshape(weight.shape());
  if (want_b) gb = g2.sum({0}).reshape(weight.defined() ? weight.shape() : Shape{cols});
  return grads(gx, gw, gb);
}

void check_layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                      const Tensor& bias, float eps) {
  if (!x.defined()) fail("layer_norm: the input is undefined");
  if (normalized_shape.empty())
    fail(
        "layer_norm: Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
        "element, but got normalized_shape = []");
  check_eps(eps, "layer_norm");
  const size_t k = normalized_shape.size();
  const Shape& s = x.shape();
  if (s.size() < k || !std::equal(normalized_shape.begin(), normalized_shape.end(), s.end() - k)) {
    std::string expected = "[*";
    for (int64_t d : normalized_shape) expected += ", " + std::to_string(d);
    fail("layer_norm: Given normalized_shape=", normalized_shape, ", expected input with shape ", expected,
         "], but got input of size ", s);
  }
  for (auto [t, what] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}})
    if (t->defined() && t->shape() != normalized_shape)
      fail("layer_norm: ", what, " has shape ", t->shape(), " but normalized_shape is ", normalized_shape);
}

}  // namespace

// ---- F::batch_norm ------------------------------------------------------------

Tensor F::batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                     const Tensor& weight, const Tensor& bias, bool training, float momentum, float eps) {
  check_batch_norm(x, running_mean, running_var, weight, bias, training, eps);
  const Shape ncl = as_ncl(x);
  const int64_t n = ncl[0], c = ncl[1], l = ncl[2], m = n * l;
  Tensor mean = Tensor::empty({c}), invstd = Tensor::empty({c});
  if (training) {
    Tensor var = Tensor::empty({c});
    kernels::batch_norm_stats(x.data(), mean.data(), var.data(), n, c, l);
    for (int64_t k = 0; k < c; ++k) invstd.data()[k] = 1.0f / std::sqrt(var.data()[k] + eps);
    if (running_mean.defined() && m > 0) {
      // The running variance is unbiased (·m/(m − 1)), the normalisation uses the biased one.
      Tensor rm = running_mean, rv = running_var;
      float* pm = rm.data();
      float* pv = rv.data();
      const float unbias = static_cast<float>(static_cast<double>(m) / static_cast<double>(m - 1));
      for (int64_t k = 0; k < c; ++k) {
        pm[k] = (1.0f - momentum) * pm[k] + momentum * mean.data()[k];
        pv[k] = (1.0f - momentum) * pv[k] + momentum * var.data()[k] * unbias;
      }
      rm.bump_version();
      rv.bump_version();
    }
  } else {
    for (int64_t k = 0; k < c; ++k) {
      mean.data()[k] = running_mean.data()[k];
      invstd.data()[k] = 1.0f / std::sqrt(running_var.data()[k] + eps);
    }
  }
  Tensor y = Tensor::empty(x.shape());
  kernels::batch_norm_forward(x.data(), mean.data(), invstd.data(),
                              weight.defined() ? weight.data() : nullptr,
                              bias.defined() ? bias.data() : nullptr, y.data(), n, c, l);
  if (needs_grad({&x, &weight, &bias})) {
    const bool want_x = x.requires_grad(), want_w = weight.defined() && weight.requires_grad(),
               want_b = bias.defined() && bias.requires_grad();
    NodeKind kind = training ? NodeKind{"BatchNormBackward",
                                        "y = x̂ w + b, x̂ = (x - mean)/sqrt(var + eps) over the batch: "
                                        "dx = w/sqrt(var + eps) (g - mean(g) - x̂ mean(g x̂)), dw = sum g x̂, "
                                        "db = sum g"}
                             : NodeKind{"BatchNormBackward",
                                        "y = x̂ w + b, x̂ = (x - running_mean)/sqrt(running_var + eps): "
                                        "dx = g w/sqrt(running_var + eps), dw = sum g x̂, db = sum g"};
    const SavedTensor saved_x(x), saved_w(weight);
    record(kind, y, {x, weight, bias},
           Backward{.fast =
                        [x = saved_x.values(), w = saved_w.values(), mean, invstd, training, want_x, want_w,
                         want_b, n, c, l](const Tensor& g) {
                          Tensor gx, gw, gb;
                          if (want_x) gx = Tensor::empty(x.shape());
                          if (want_w) gw = Tensor::empty({c});
                          if (want_b) gb = Tensor::empty({c});
                          kernels::batch_norm_backward(
                              g.data(), x.data(), mean.data(), invstd.data(),
                              w.defined() ? w.data() : nullptr, want_x ? gx.data() : nullptr,
                              want_w ? gw.data() : nullptr, want_b ? gb.data() : nullptr, n, c, l, training);
                          return grads(gx, gw, gb);
                        },
                    .differentiable =
                        [x = saved_x, w = saved_w, mean, invstd, training, eps, want_x, want_w,
                         want_b](const Tensor& g) {
                          return batch_norm_formula(x.get(), w.get(), g, mean, invstd, training, eps, want_x,
                                                    want_w, want_b);
                        }},
           {x, weight});
  }
  return y;
}

// ---- F::layer_norm ------------------------------------------------------------

Tensor F::layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                     float eps) {
  check_layer_norm(x, normalized_shape, weight, bias, eps);
  const int64_t cols = numel_of(normalized_shape);
  const int64_t rows = cols == 0
                           ? numel_of(Shape(x.shape().begin(), x.shape().end() - normalized_shape.size()))
                           : x.numel() / cols;
  Tensor mean = Tensor::empty({rows}), rstd = Tensor::empty({rows});
  Tensor y = Tensor::empty(x.shape());
  kernels::layer_norm_forward(x.data(), weight.defined() ? weight.data() : nullptr,
                              bias.defined() ? bias.data() : nullptr, y.data(), mean.data(), rstd.data(),
                              rows, cols, eps);
  if (needs_grad({&x, &weight, &bias})) {
    const bool want_x = x.requires_grad(), want_w = weight.defined() && weight.requires_grad(),
               want_b = bias.defined() && bias.requires_grad();
    const SavedTensor saved_x(x), saved_w(weight);
    record({"LayerNormBackward",
            "y = x̂ w + b, x̂ = (x - mean)/sqrt(var + eps) over the last dims: "
            "dx = (ĝ - mean(ĝ) - x̂ mean(ĝ x̂))/sqrt(var + eps) with ĝ = g w, dw = sum g x̂, db = sum g"},
           y, {x, weight, bias},
           Backward{.fast =
                        [x = saved_x.values(), w = saved_w.values(), mean, rstd, want_x, want_w, want_b, rows,
                         cols, shape = normalized_shape](const Tensor& g) {
                          Tensor gx, gw, gb;
                          if (want_x) gx = Tensor::empty(x.shape());
                          if (want_w) gw = Tensor::empty(shape);
                          if (want_b) gb = Tensor::empty(shape);
                          kernels::layer_norm_backward(
                              g.data(), x.data(), mean.data(), rstd.data(), w.defined() ? w.data() : nullptr,
                              want_x ? gx.data() : nullptr, want_w ? gw.data() : nullptr,
                              want_b ? gb.data() : nullptr, rows, cols);
                          return grads(gx, gw, gb);
                        },
                    .differentiable =
                        [x = saved_x, w = saved_w, eps, want_x, want_w, want_b, rows, cols](const Tensor& g) {
                          return layer_norm_formula(x.get(), w.get(), g, rows, cols, eps, want_x, want_w,
                                                    want_b);
                        }},
           {x, weight});
  }
  return y;
}

// ---- the reference formulas ---------------------------------------------------

// y = (x − μ)/√(σ² + eps)·w + b with μ, σ² the mean and biased variance of each
// channel over dims 0 and 2 of [N, C, L] (training) or the running statistics.
Tensor reference::batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                             const Tensor& weight, const Tensor& bias, bool training, float momentum,
                             float eps) {
  check_batch_norm(x, running_mean, running_var, weight, bias, training, eps);
  const Shape ncl = as_ncl(x);
  const int64_t c = ncl[1], m = ncl[0] * ncl[2];
  Tensor x3 = x.reshape(ncl), mean, var;
  if (training) {
    mean = x3.mean({0, 2}, true);
    var = ((x3 - mean) * (x3 - mean)).mean({0, 2}, true);
    if (running_mean.defined() && m > 0) {
      NoGradGuard no_grad;
      Tensor rm = running_mean, rv = running_var;
      rm.copy_((1.0f - momentum) * rm + momentum * mean.detach().reshape({c}));
      rv.copy_((1.0f - momentum) * rv +
               momentum * var.detach().reshape({c}) * (static_cast<float>(m) / static_cast<float>(m - 1)));
    }
  } else {
    mean = running_mean.detach().reshape({1, c, 1});
    var = running_var.detach().reshape({1, c, 1});
  }
  Tensor y = (x3 - mean) / sqrt(var + eps);
  if (weight.defined()) y = y * weight.reshape({1, c, 1});
  if (bias.defined()) y = y + bias.reshape({1, c, 1});
  return y.reshape(x.shape());
}

// y = (x − μ)/√(σ² + eps)·w + b with μ, σ² the mean and biased variance of each row of [rows, cols].
Tensor reference::layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                             const Tensor& bias, float eps) {
  check_layer_norm(x, normalized_shape, weight, bias, eps);
  const int64_t cols = numel_of(normalized_shape);
  const int64_t rows = cols == 0 ? 0 : x.numel() / cols;
  Tensor x2 = x.reshape({rows, cols});
  Tensor xc = x2 - x2.mean({1}, true);
  Tensor y = xc / sqrt((xc * xc).mean({1}, true) + eps);
  if (weight.defined()) y = y * weight.reshape({cols});
  if (bias.defined()) y = y + bias.reshape({cols});
  return y.reshape(x.shape());
}

}  // namespace ember

// ---- modules ------------------------------------------------------------------

namespace ember::nn {
namespace {

// Python's repr of a float: the shortest digits that read back, fixed notation
// for exponents in [−4, 16), else "1e-05" (two exponent digits at least); whole
// numbers keep a ".0".
std::string py_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, end);  // "-1.2345e-05"
  const size_t e = s.find('e');
  const int exponent = std::stoi(s.substr(e + 1));
  std::string sign = s[0] == '-' ? "-" : "";
  std::string digits;
  for (char ch : s.substr(sign.size(), e - sign.size()))
    if (ch != '.') digits += ch;
  if (exponent < -4 || exponent >= 16) {
    std::string mantissa = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "");
    char exp_text[16];
    std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return sign + mantissa + exp_text;
  }
  if (exponent < 0) return sign + "0." + std::string(-exponent - 1, '0') + digits;
  if (static_cast<int>(digits.size()) <= exponent + 1)
    return sign + digits + std::string(exponent + 1 - digits.size(), '0') + ".0";
  return sign + digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
}

std::string py_bool(bool b) { return b ? "True" : "False"; }

void check_module_eps(double eps, const char* module) {
  if (!(eps >= 0)) fail(module, ": eps must be non-negative, got ", eps);
}

}  // namespace

BatchNorm1d::BatchNorm1d(int64_t num_features, double eps, std::optional<double> momentum, bool affine,
                         bool track_running_stats)
    : num_features(num_features),
      eps(eps),
      momentum(momentum),
      affine(affine),
      track_running_stats(track_running_stats) {
  if (num_features < 0) fail("BatchNorm1d: num_features must be non-negative, got ", num_features);
  check_module_eps(eps, "BatchNorm1d");
  if (momentum) check_not_nan(*momentum, "BatchNorm1d", "momentum");
  if (affine) {
    weight = register_parameter("weight", Tensor::empty({num_features}));
    bias = register_parameter("bias", Tensor::empty({num_features}));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", Tensor::empty({num_features}));
    running_var = register_buffer("running_var", Tensor::empty({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor::empty({}), BufferDtype::int64);
  }
  reset_parameters();
}

void BatchNorm1d::reset_running_stats() {
  if (!track_running_stats) return;
  running_mean.zero_();
  running_var.fill_(1.0f);
  num_batches_tracked.zero_();
}

void BatchNorm1d::reset_parameters() {
  reset_running_stats();
  if (!affine) return;
  NoGradGuard no_grad;
  weight.fill_(1.0f);
  bias.zero_();
}

Tensor BatchNorm1d::forward(const Tensor& input) {
  if (!input.defined()) fail("BatchNorm1d: the input is undefined");
  if (input.dim() != 2 && input.dim() != 3)
    fail("BatchNorm1d: expected 2D or 3D input (got ", input.dim(), "D input of shape ", input.shape(), ")");
  // As PyTorch: in training, count the batch and take momentum as the factor
  // (1/num_batches_tracked without one); in evaluation, the running statistics
  // normalise, unless there are none, and then the batch's do.
  const float e = static_cast<float>(eps);
  float factor = 0.0f;
  if (is_training() && track_running_stats) {
    // Checked before counting (PyTorch counts first), so that a failed call changes nothing.
    check_batch_norm(input, running_mean, running_var, weight, bias, /*training=*/true, e);
    num_batches_tracked.data()[0] += 1.0f;
    num_batches_tracked.bump_version();
    factor = static_cast<float>(momentum ? *momentum : 1.0 / num_batches_tracked.item());
  }
  return F::batch_norm(input, running_mean, running_var, weight, bias, is_training() || !track_running_stats,
                       factor, e);
}

std::string BatchNorm1d::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + py_repr(eps) +
         ", momentum=" + (momentum ? py_repr(*momentum) : "None") + ", affine=" + py_bool(affine) +
         ", track_running_stats=" + py_bool(track_running_stats);
}

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine)
    : normalized_shape(std::move(normalized_shape)), eps(eps), elementwise_affine(elementwise_affine) {
  if (this->normalized_shape.empty()) fail("LayerNorm: normalized_shape must have at least one dim, got []");
  for (int64_t d : this->normalized_shape)
    if (d < 0) fail("LayerNorm: normalized_shape must have non-negative sizes, got ", this->normalized_shape);
  check_module_eps(eps, "LayerNorm");
  if (elementwise_affine) {
    weight = register_parameter("weight", Tensor::empty(this->normalized_shape));
    bias = register_parameter("bias", Tensor::empty(this->normalized_shape));
  }
  reset_parameters();
}

LayerNorm::LayerNorm(int64_t normalized_size, double eps, bool elementwise_affine)
    : LayerNorm(Shape{normalized_size}, eps, elementwise_affine) {}

void LayerNorm::reset_parameters() {
  if (!elementwise_affine) return;
  NoGradGuard no_grad;
  weight.fill_(1.0f);
  bias.zero_();
}

Tensor LayerNorm::forward(const Tensor& input) {
  return F::layer_norm(input, normalized_shape, weight, bias, static_cast<float>(eps));
}

std::string LayerNorm::extra_repr() const {
  std::string shape = "(";
  for (size_t i = 0; i < normalized_shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(normalized_shape[i]);
  shape += normalized_shape.size() == 1 ? ",)" : ")";
  return shape + ", eps=" + py_repr(eps) + ", elementwise_affine=" + py_bool(elementwise_affine);
}

}  // namespace ember::nn
