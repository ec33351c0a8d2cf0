// A step-through trace of the backward pass, for learners: while a
// BackwardTrace is alive, the engine prints each node as it runs it — the
// gradient arriving at the node's output and the gradient it passes to each
// input. It is the chain rule happening, one node at a time.
//
//   { ember::BackwardTrace trace(std::cout); loss.backward(); }
#pragma once

#include <iosfwd>

#include "core/node.h"

namespace ember {

class BackwardTrace {
 public:
  explicit BackwardTrace(std::ostream& out);
  ~BackwardTrace();
  BackwardTrace(const BackwardTrace&) = delete;
  BackwardTrace& operator=(const BackwardTrace&) = delete;

 private:
  std::ostream* previous_;
};

namespace trace {
/// Called by the engine after each node; prints only when a trace is active.
void node_applied(const Node& node, const Tensor& grad_output, const Gradients& input_grads);
}  // namespace trace

}  // namespace ember
