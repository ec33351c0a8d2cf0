// gradcheck: holds autograd's gradient of a function against central finite
// differences. f maps tensors to one tensor; the check projects its output on
// a fixed random direction v (so one backward covers every output element)
// and compares ∂(v·f)/∂x from backward with (v·f(x+ε) − v·f(x−ε)) / 2ε,
// accumulated in float64. Steps are float32-sized (ε = 1e-3 by default).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ember {

struct GradcheckOptions {
  double eps = 1e-3;   ///< finite-difference step
  double atol = 1e-3;  ///< pass when |analytic − numeric| <= atol + rtol·|numeric|
  double rtol = 1e-2;
};

struct GradcheckResult {
  bool ok = true;
  double worst_error = 0;  ///< largest |analytic − numeric| / (atol + rtol·|numeric|)
  std::string worst;       ///< where it happened: "input 1 [3]: analytic 0.5 numeric 0.49"
};

using TensorFunction = std::function<Tensor(const std::vector<Tensor>&)>;

/// Checks every input that requires grad. The inputs are copied; f may be called many times.
GradcheckResult gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                          GradcheckOptions options = {});

/// The same check one order up: the gradient of f (its vector-Jacobian product with a fixed
/// random direction, computed with create_graph) is itself checked with gradcheck, so its
/// backward — the second derivative of f — is held against finite differences of the first.
GradcheckResult gradgradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                              GradcheckOptions options = {});

}  // namespace ember
