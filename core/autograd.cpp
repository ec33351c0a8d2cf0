// autograd::grad and the helpers built on it (hvp, jacobian, hessian), and
// anomaly detection's switch. The walk itself is the engine's (engine.cpp).
#include "core/autograd.h"

#include <unordered_map>

#include "core/engine.h"
#include "core/grad_mode.h"
#include "core/ops.h"

namespace ember::autograd {
namespace {

thread_local bool anomaly_detection = false;

void check_requires_grad(const Tensor& t, const char* role, size_t k) {
  if (!t.defined()) fail("autograd::grad: ", role, " ", k, " is an undefined tensor");
  if (!t.requires_grad())
    fail("autograd::grad: ", role, " ", k, " (shape ", t.shape(),
         ") does not require grad and has no grad_fn, so it has no gradient");
}

// A leaf that shares x's values and requires grad: the variable a functional helper
// differentiates with respect to, whatever x itself is.
Tensor variable(const Tensor& x, const char* op) {
  if (!x.defined()) fail(op, ": the input tensor is undefined");
  return x.detach().requires_grad_();
}

// g, or zeros of x's shape where nothing flowed (f did not depend on x there).
Tensor or_zeros(const Tensor& g, const Tensor& x) { return g.defined() ? g : zeros(x.shape()); }

// Row i of a [rows, x.numel()] matrix of derivatives, one gradient at a time: the
// gradient of out (or of its element i) with respect to x.
Tensor rows_of_gradients(const Tensor& out, const Tensor& x, Shape shape, bool create_graph) {
  std::vector<float> values;
  values.reserve(static_cast<size_t>(out.numel() * x.numel()));
  for (int64_t i = 0; i < out.numel(); ++i) {
    Tensor direction = zeros(out.shape());
    direction.data()[i] = 1.0f;
    Tensor row = out.requires_grad() ? grad({out}, {x}, {direction}, true, create_graph, true)[0] : Tensor();
    std::vector<float> r = or_zeros(row, x).to_vector();
    values.insert(values.end(), r.begin(), r.end());
  }
  return tensor(values, std::move(shape));
}

Shape joined(const Shape& a, const Shape& b) {
  Shape s = a;
  s.insert(s.end(), b.begin(), b.end());
  return s;
}

}  // namespace

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph,
                         bool create_graph, bool allow_unused) {
  if (outputs.empty()) fail("autograd::grad: no outputs to differentiate");
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    fail("autograd::grad: ", grad_outputs.size(), " grad_outputs for ", outputs.size(),
         " outputs (give one per output, or none)");
  std::vector<Tensor> seeds;
  for (size_t k = 0; k < outputs.size(); ++k) {
    check_requires_grad(outputs[k], "output", k);
    seeds.push_back(detail::initial_gradient(outputs[k], grad_outputs.empty() ? Tensor() : grad_outputs[k],
                                             "autograd::grad"));
  }
  // Each input by its key: the node that made it, or the leaf itself. An input given
  // twice gets the same gradient twice.
  detail::Wanted wanted;
  std::vector<size_t> slot(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    check_requires_grad(inputs[k], "input", k);
    size_t next = wanted.grads.size();
    if (const Node* node = inputs[k].grad_fn().get())
      slot[k] = wanted.nodes.emplace(node, next).first->second;
    else
      slot[k] = wanted.leaves.emplace(inputs[k].impl(), next).first->second;
    if (slot[k] == next) wanted.grads.emplace_back();
  }
  detail::run_backward(outputs, seeds, retain_graph.value_or(create_graph), create_graph, &wanted);

  std::vector<Tensor> result;
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor g = wanted.grads[slot[k]];
    if (!g.defined() && !allow_unused)
      fail("autograd::grad: input ", k, " (shape ", inputs[k].shape(),
           ") was not used to compute the outputs; pass allow_unused=true to get an undefined gradient for "
           "it");
    result.push_back(g);
  }
  return result;
}

std::vector<Tensor> hvp(const TensorFunction& f, const std::vector<Tensor>& inputs,
                        const std::vector<Tensor>& v) {
  if (v.size() != inputs.size())
    fail("autograd::hvp: ", v.size(), " vectors for ", inputs.size(), " inputs (give one per input)");
  EnableGradGuard grad_mode;
  std::vector<Tensor> xs;
  for (size_t k = 0; k < inputs.size(); ++k) {
    xs.push_back(variable(inputs[k], "autograd::hvp"));
    if (!v[k].defined() || v[k].shape() != inputs[k].shape())
      fail("autograd::hvp: v[", k, "] must have input ", k, "'s shape ", inputs[k].shape(), ", got ",
           v[k].defined() ? shape_str(v[k].shape()) : std::string("an undefined tensor"));
  }
  Tensor y = f(xs);
  if (!y.defined() || y.numel() != 1)
    fail("autograd::hvp: f must return a single value, got shape ", y.defined() ? y.shape() : Shape{});
  std::vector<Tensor> out(xs.size());
  if (!y.requires_grad()) {  // f does not depend on its inputs: H = 0
    for (size_t k = 0; k < xs.size(); ++k) out[k] = zeros(xs[k].shape());
    return out;
  }
  // H·v = ∂(∇f · v)/∂x: the gradient, recorded, dotted with v, differentiated again.
  std::vector<Tensor> g = grad({y}, xs, {}, std::nullopt, /*create_graph=*/true, /*allow_unused=*/true);
  Tensor dot;
  for (size_t k = 0; k < xs.size(); ++k)
    if (g[k].defined() && g[k].requires_grad()) {
      Tensor term = (g[k] * v[k].detach()).sum();
      dot = dot.defined() ? dot + term : term;
    }
  std::vector<Tensor> hv = dot.defined() ? grad({dot}, xs, {}, std::nullopt, false, true) : out;
  for (size_t k = 0; k < xs.size(); ++k) out[k] = or_zeros(hv[k], xs[k]).detach();
  return out;
}

Tensor jacobian(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  EnableGradGuard grad_mode;
  Tensor xv = variable(x, "autograd::jacobian");
  Tensor y = f(xv);
  if (!y.defined()) fail("autograd::jacobian: f returned an undefined tensor");
  return rows_of_gradients(y, xv, joined(y.shape(), x.shape()), false);
}

Tensor hessian(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  EnableGradGuard grad_mode;
  Tensor xv = variable(x, "autograd::hessian");
  Tensor y = f(xv);
  if (!y.defined() || y.numel() != 1)
    fail("autograd::hessian: f must return a single value, got shape ", y.defined() ? y.shape() : Shape{});
  if (!y.requires_grad()) return zeros(joined(x.shape(), x.shape()));
  Tensor g = grad({y}, {xv}, {}, std::nullopt, /*create_graph=*/true, /*allow_unused=*/true)[0];
  return rows_of_gradients(or_zeros(g, xv), xv, joined(x.shape(), x.shape()), false);
}

DetectAnomalyGuard::DetectAnomalyGuard() : previous_(anomaly_detection) { anomaly_detection = true; }
DetectAnomalyGuard::~DetectAnomalyGuard() { anomaly_detection = previous_; }
bool anomaly_detection_enabled() { return anomaly_detection; }

}  // namespace ember::autograd
