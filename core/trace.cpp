#include "core/trace.h"

#include <ostream>

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

namespace trace {
void node_applied(const Node& node, const Tensor& grad_output, const Gradients& input_grads) {
  if (!active) return;
  std::ostream& out = *active;
  out << "step " << ++step << ": " << node.name() << "  output " << shape_str(node.output_shape())
      << "\n  rule:     " << node.rule() << "\n  grad in:  " << grad_output << "\n";
  const auto& edges = node.next_edges();
  for (size_t i = 0; i < edges.size(); ++i) {
    const Edge& e = edges[i];
    out << "  input " << i << " -> ";
    if (e.node)
      out << e.node->name();
    else if (auto leaf = e.leaf.lock())
      out << "leaf " << shape_str(leaf->shape) << " (.grad accumulates)";
    else if (e.to_leaf)
      out << "leaf (freed: its gradient is dropped)";
    else
      out << "(no grad needed)";
    if (e.is_active() && input_grads[i].defined()) out << "\n    grad out: " << input_grads[i];
    out << "\n";
  }
}
}  // namespace trace

}  // namespace ember
