// Gradients as values, with torch.autograd's names: grad() returns the
// gradients of outputs with respect to chosen inputs (leaving every .grad()
// alone), and with create_graph those gradients are themselves differentiable
// — so hvp, jacobian and hessian are a few lines each on top of it. Anomaly
// detection names the node whose backward produced a NaN or an infinity.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "core/gradcheck.h"
#include "core/tensor.h"

namespace ember::autograd {

/// One gradient per input: Σ over outputs of ∂(output · grad_output)/∂input. grad_outputs
/// default to 1 for one-element outputs. retain_graph defaults to create_graph; with
/// create_graph the gradients carry a graph and can be differentiated again. An input the
/// outputs do not depend on is an ember::Error naming it, or an undefined tensor with
/// allow_unused.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {},
                         std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                         bool allow_unused = false);

/// The Hessian of a scalar-valued f at `inputs` times `v`, one tensor per input
/// (torch.autograd.functional.hvp's product; the inputs need not require grad).
std::vector<Tensor> hvp(const TensorFunction& f, const std::vector<Tensor>& inputs,
                        const std::vector<Tensor>& v);

/// ∂f(x)/∂x, of shape f(x).shape() ++ x.shape() (the inputs need not require grad).
Tensor jacobian(const std::function<Tensor(const Tensor&)>& f, const Tensor& x);

/// ∂²f(x)/∂x², of shape x.shape() ++ x.shape(), for a scalar-valued f.
Tensor hessian(const std::function<Tensor(const Tensor&)>& f, const Tensor& x);

/// While one lives on this thread (PyTorch's detect_anomaly), a NaN or an infinity that a
/// backward function produces is an ember::Error naming the node and the forward op.
struct DetectAnomalyGuard {
  DetectAnomalyGuard();
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};
bool anomaly_detection_enabled();

}  // namespace ember::autograd
