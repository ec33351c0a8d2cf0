#include "core/trace.h"

#include <ostream>
#include <string_view>
#include <unordered_map>

namespace ember {
namespace {
thread_local std::ostream* active = nullptr;
thread_local int step = 0;
}  // namespace

BackwardTrace::BackwardTrace(std::ostream& out) : previous_(active) {
  active = &out;
  step = 0;
}
BackwardTrace::~BackwardTrace() { active = previous_; }

// The local rule each node applies, as a learner would write it: g is the
// gradient arriving at the node's output y.
static const char* rule_of(const char* name) {
  static const std::unordered_map<std::string_view, const char*> rules = {
      {"AddBackward", "y = a + b:  da = g, db = g (summed back over broadcast dims)"},
      {"SubBackward", "y = a - b:  da = g, db = -g"},
      {"MulBackward", "y = a * b:  da = g * b, db = g * a"},
      {"DivBackward", "y = a / b:  da = g / b, db = -g * a / b^2"},
      {"RdivBackward", "y = s / b:  db = -g * y / b"},
      {"NegBackward", "y = -x:  dx = -g"},
      {"ExpBackward", "y = exp(x):  dx = g * y"},
      {"LogBackward", "y = log(x):  dx = g / x"},
      {"Log1PBackward", "y = log(1 + x):  dx = g / (1 + x)"},
      {"SqrtBackward", "y = sqrt(x):  dx = g / (2 y)"},
      {"AbsBackward", "y = |x|:  dx = g * sign(x)"},
      {"TanhBackward", "y = tanh(x):  dx = g * (1 - y^2)"},
      {"SigmoidBackward", "y = sigmoid(x):  dx = g * y * (1 - y)"},
      {"ErfBackward", "y = erf(x):  dx = g * 2/sqrt(pi) * exp(-x^2)"},
      {"PowBackward", "y = x^p:  dx = g * p * x^(p-1)"},
      {"ClampBackward", "y = clamp(x, lo, hi):  dx = g where lo <= x <= hi, else 0"},
      {"MaximumBackward", "y = max(a, b):  the larger input gets g (ties: half each)"},
      {"MinimumBackward", "y = min(a, b):  the smaller input gets g (ties: half each)"},
      {"WhereBackward", "y = c ? a : b:  da = g where c, db = g elsewhere"},
      {"SumBackward", "y = sum(x):  dx = g copied to every summed element"},
      {"MaxBackward", "y = max(x):  dx = g at the position of the max, 0 elsewhere"},
      {"MinBackward", "y = min(x):  dx = g at the position of the min, 0 elsewhere"},
      {"ReshapeBackward", "y = reshape(x):  dx = reshape(g) back to x's shape"},
      {"PermuteBackward", "y = permute(x):  dx = g permuted back"},
      {"ExpandBackward", "y = expand(x):  dx = g summed over the expanded dims"},
      {"NarrowBackward", "y = x[slice]:  dx = g in the slice, 0 elsewhere"},
      {"CatBackward", "y = cat(a, b, ...):  each input gets its slice of g"},
      {"MmBackward", "y = A B:  dA = g B^T, dB = A^T g"},
      {"GatherBackward", "y = x[index]:  dx = g added back at the gathered positions"},
      {"CloneBackward", "y = x:  dx = g"},
      {"ClampMinBackward", "y = max(x, lo):  dx = g where x >= lo, else 0"},
      {"ClampMaxBackward", "y = min(x, hi):  dx = g where x <= hi, else 0"},
      {"RsubBackward", "y = s - b:  db = -g"},
      {"IndexSelectBackward", "y = x[rows]:  dx = g added back into the picked rows"},
      // nn layers and losses
      {"LinearBackward", "y = x W^T + b:  dx = g W, dW = g^T x, db = sum over rows of g"},
      // Linear with its activation fused in (nn::Sequential): first back through the activation, from y
      {"LinearReluBackward",
       "y = relu(z), z = x W^T + b:  dz = g * (y > 0), then dx = dz W, dW = dz^T x, "
       "db = sum over rows of dz"},
      {"LinearTanhBackward",
       "y = tanh(z), z = x W^T + b:  dz = g * (1 - y^2), then dx = dz W, "
       "dW = dz^T x, db = sum over rows of dz"},
      {"LinearSigmoidBackward",
       "y = sigmoid(z), z = x W^T + b:  dz = g * y (1 - y), then dx = dz W, "
       "dW = dz^T x, db = sum over rows of dz"},
      {"BilinearBackward",
       "y_k = x1^T A_k x2 + b_k:  dx1 = sum_k g_k A_k x2, dx2 = sum_k g_k A_k^T x1, dA_k = g_k x1 x2^T"},
      {"DropoutBackward", "y = x * mask / (1 - p):  dx = g * mask / (1 - p)"},
      {"MseLossBackward", "L = mean((x - t)^2):  dx = 2 (x - t) / N * g"},
      {"L1LossBackward", "L = mean(|x - t|):  dx = sign(x - t) / N * g"},
      {"SmoothL1LossBackward", "L = smooth_l1(x - t):  dx = clamp((x - t) / beta, -1, 1) / N * g"},
      {"HuberLossBackward", "L = huber(x - t):  dx = clamp(x - t, -delta, delta) / N * g"},
      {"CrossEntropyLossBackward", "L = -log softmax(x)[t]:  dx = (softmax(x) - onehot(t)) / N * g"},
      {"NllLossBackward", "L = -x[t]:  dx = -onehot(t) / N * g"},
      {"BinaryCrossEntropyBackward", "L = -(t log p + (1-t) log(1-p)):  dp = (p - t) / (p (1 - p)) / N * g"},
      {"BinaryCrossEntropyWithLogitsBackward", "L = bce(sigmoid(x), t):  dx = (sigmoid(x) - t) / N * g"},
      // activations (docs/activations.md has each derivative in full)
      {"ReluBackward", "y = max(x, 0):  dx = g where x > 0, else 0"},
      {"LeakyReluBackward", "y = x or s*x:  dx = g where x > 0, else s*g"},
      {"PreluBackward", "y = x or a*x:  dx = g or a*g; da = sum of g*x where x <= 0"},
      {"RreluBackward", "y = x or r*x (r drawn per element):  dx = g or r*g"},
      {"EluBackward", "y = x or a(e^x - 1):  dx = g where x > 0, else g * (y + a)"},
      {"CeluBackward", "y = x or a(e^(x/a) - 1):  dx = g where x > 0, else g * e^(x/a)"},
      {"SeluBackward", "y = l * elu(x, a):  dx = l * elu'(x) * g"},
      {"SiluBackward", "y = x sigmoid(x):  dx = g * s (1 + x (1 - s)), s = sigmoid(x)"},
      {"SwishBackward", "y = x sigmoid(bx):  dx = g * (s + b x s (1 - s)), db = g * x^2 s (1 - s)"},
      {"MishBackward",
       "y = x tanh(softplus(x)):  dx = g * (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x))"},
      {"GeluBackward", "y = x Phi(x):  dx = g * (Phi(x) + x phi(x))"},
      {"SoftplusBackward", "y = log(1 + e^(bx)) / b:  dx = g * sigmoid(bx)"},
      {"LogSigmoidBackward", "y = log sigmoid(x):  dx = g * (1 - sigmoid(x))"},
      {"HardswishBackward", "y = x relu6(x + 3) / 6:  dx = g * (2x + 3) / 6 on (-3, 3), 0 below, g above"},
      {"HardsigmoidBackward", "y = relu6(x + 3) / 6:  dx = g / 6 on (-3, 3), else 0"},
      {"HardtanhBackward", "y = clamp(x, lo, hi):  dx = g strictly inside (lo, hi), else 0"},
      {"HardshrinkBackward", "y = x where |x| > l, else 0:  dx = g where |x| > l"},
      {"SoftshrinkBackward", "y = x - l sign(x) where |x| > l:  dx = g where |x| > l"},
      {"SoftsignBackward", "y = x / (1 + |x|):  dx = g / (1 + |x|)^2"},
      {"TanhshrinkBackward", "y = x - tanh(x):  dx = g * tanh(x)^2"},
      {"ThresholdBackward", "y = x where x > th, else value:  dx = g where x > th"},
      {"GluBackward", "y = a sigmoid(b):  da = g sigmoid(b), db = g a sigmoid(b) (1 - sigmoid(b))"},
      {"SoftmaxBackward", "y = softmax(x):  dx = y * (g - sum(g * y))"},
      {"LogSoftmaxBackward", "y = log_softmax(x):  dx = g - exp(y) * sum(g)"},
      {"SoftminBackward", "y = softmax(-x):  dx = -y * (g - sum(g * y))"},
  };
  auto it = rules.find(name);
  return it == rules.end() ? "the op's local derivative (see its backward)" : it->second;
}

namespace trace {
void node_applied(const Node& node, const Tensor& grad_output, const Gradients& input_grads) {
  if (!active) return;
  std::ostream& out = *active;
  out << "step " << ++step << ": " << node.name() << "  output " << shape_str(node.output_shape())
      << "\n  rule:     " << rule_of(node.name()) << "\n  grad in:  " << grad_output << "\n";
  const auto& edges = node.next_edges();
  for (size_t i = 0; i < edges.size(); ++i) {
    const Edge& e = edges[i];
    out << "  input " << i << " -> ";
    if (e.node)
      out << e.node->name();
    else if (e.leaf)
      out << "leaf " << shape_str(e.shape) << " (.grad accumulates)";
    else
      out << "(no grad needed)";
    if (e.is_active() && input_grads[i].defined()) out << "\n    grad out: " << input_grads[i];
    out << "\n";
  }
}
}  // namespace trace

}  // namespace ember
