// The backward engine: reverse-mode automatic differentiation over the graph
// that running the code recorded.
//
//   1. Order the nodes so that each comes after every node that consumes its
//      output (a reverse post-order of a depth-first walk from the root). The
//      walk uses an explicit stack: a chain of a million ops must not recurse.
//   2. Give the root its gradient (1 for a scalar), then visit the nodes in
//      that order. Each node's gradient is complete when it is visited: apply
//      its local chain rule, sum each input's gradient back to the input's
//      shape (undoing broadcasting), and add it to what that input already got
//      — a tensor used twice receives the sum of both paths.
//   3. Gradients that reach a leaf accumulate into its .grad(); a node is freed
//      after use unless retain_graph is set.
//
// Several threads may run backward at once on graphs that share leaves (one
// model's parameters, Hogwild-style): each walk is private to its thread, and
// a leaf's .grad() is updated under a lock, so every gradient is summed.
#include <array>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "core/grad_mode.h"
#include "core/node.h"
#include "core/ops.h"
#include "core/trace.h"

namespace ember {
namespace {

std::vector<Node*> topological_order(Node* root) {
  std::vector<Node*> post_order;
  std::unordered_set<Node*> seen{root};
  // Each stack entry: a node and the index of the next edge to explore.
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    const auto& edges = node->next_edges();
    if (next < edges.size()) {
      Node* child = edges[next++].node.get();
      if (child && seen.insert(child).second) stack.push_back({child, 0});
    } else {
      post_order.push_back(node);
      stack.pop_back();
    }
  }
  return {post_order.rbegin(), post_order.rend()};
}

// True when g is the only handle on its tensor and on its values: nothing
// can see a change made to it in place.
bool owned_only_here(const Tensor& g) {
  return g.impl_ptr().use_count() == 1 && g.impl()->storage.use_count() == 1;
}

// dst += src, element by element (same shapes).
void add_in_place(Tensor& dst, const Tensor& src) {
  float* d = dst.data();
  const float* s = src.data();
  for (int64_t i = 0, n = dst.numel(); i < n; ++i) d[i] += s[i];
}

// Adds g into a gradient slot; the first gradient is taken as it is. Later
// ones are added in place when the slot's values are its own (a node output
// used several times then costs no new buffer), else into a new tensor.
void add_into(Tensor& slot, const Tensor& g) {
  if (!slot.defined())
    slot = g;
  else if (owned_only_here(slot) && slot.shape() == g.shape())
    add_in_place(slot, g);
  else
    slot = slot + g;
}

// The lock guarding a leaf's .grad() while a backward adds to it (PyTorch's
// AccumulateGrad locks the same way). A fixed table picked by the leaf's
// address keeps TensorImpl a plain struct; two leaves that share a lock only
// wait for each other.
std::mutex& grad_lock(const TensorImpl& leaf) {
  static std::array<std::mutex, 64> locks;
  return locks[std::hash<const TensorImpl*>{}(&leaf) % locks.size()];
}

// Leaves keep their gradient across backward calls (until zeroed), so it must
// be a tensor of their own, never one that an op or the caller also holds. A
// gradient that nothing else references is taken as it is, as PyTorch does;
// any other is copied.
void accumulate_into(TensorImpl& target, const Tensor& g) {
  std::lock_guard lock(grad_lock(target));
  if (!target.grad) {
    target.grad = owned_only_here(g) ? g.impl_ptr() : g.clone().impl_ptr();
    return;
  }
  Tensor grad(target.grad);
  add_in_place(grad, g);
}

Tensor initial_gradient(const Tensor& root, const Tensor& gradient) {
  if (gradient.defined()) {
    if (gradient.shape() != root.shape())
      fail("backward: gradient has shape ", gradient.shape(), " but the tensor has shape ", root.shape(),
           " (they must match)");
    return gradient;
  }
  if (root.numel() != 1)
    fail("backward: a gradient can be implied only for a scalar (one-element) tensor, this one has shape ",
         root.shape(), "; pass backward(gradient) with a tensor of that shape");
  return ones(root.shape());
}

}  // namespace

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  if (!defined()) fail("backward: called on an undefined tensor");
  if (!requires_grad())
    fail("backward: the tensor does not require grad and has no grad_fn (shape ", shape(),
         "); call requires_grad_() on the leaves it is computed from");
  Tensor seed = initial_gradient(*this, gradient);
  NoGradGuard no_grad;  // the backward pass itself is not recorded
  if (is_leaf()) {
    accumulate_into(*impl(), seed);
    return;
  }
  Node* root = grad_fn().get();
  std::unordered_map<Node*, Tensor> pending{{root, seed}};
  for (Node* node : topological_order(root)) {
    auto it = pending.find(node);
    if (it == pending.end()) continue;  // no gradient flowed into this node
    Tensor g = std::move(it->second);
    pending.erase(it);
    if (auto out = node->output(); out && out->retains_grad) accumulate_into(*out, g);
    Gradients input_grads = node->apply(g);
    if (!retain_graph) node->release();
    const auto& edges = node->next_edges();
    for (size_t i = 0; i < edges.size(); ++i)  // undo broadcasting: back to each input's shape
      if (edges[i].is_active() && input_grads[i].defined())
        input_grads[i] = sum_to(input_grads[i], edges[i].shape);
    trace::node_applied(*node, g, input_grads);
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.is_active() || !input_grads[i].defined()) continue;
      if (e.node)
        add_into(pending[e.node.get()], input_grads[i]);
      else
        accumulate_into(*e.leaf, input_grads[i]);
    }
  }
}

}  // namespace ember
