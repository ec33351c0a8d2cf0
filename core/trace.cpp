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
      {"RsubBackward", "y = s - b:  db = -g"},
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
