// The backward engine: reverse-mode automatic differentiation over the graph
// that running the code recorded.
//
//   1. Order the nodes so that each comes after every node that consumes its
//      output (a reverse post-order of a depth-first walk from the roots). The
//      walk uses an explicit stack: a chain of a million ops must not recurse.
//   2. Give each root its gradient (1 for a scalar), then visit the nodes in
//      that order. Each node's gradient is complete when it is visited: apply
//      its local chain rule, sum each input's gradient back to the input's
//      shape (undoing broadcasting), and add it to what that input already got
//      — a tensor used twice receives the sum of both paths.
//   3. Gradients that reach a leaf accumulate into its .grad(); a node is freed
//      after use unless retain_graph is set.
//
// Two variations, one walk. create_graph: the backward functions run with grad
// mode on, so the ops they call record a graph of the gradient, which can be
// differentiated again (gradients of gradients). autograd::grad: the gradients
// of chosen tensors are returned instead of added into any .grad(), and only
// nodes on a path to one of them run.
//
// Several threads may run backward at once on graphs that share leaves (one
// model's parameters, Hogwild-style): each walk is private to its thread, and
// a leaf's .grad() is updated under a lock, so every gradient is summed.
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <memory_resource>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "core/autograd.h"
#include "core/engine.h"
#include "core/grad_mode.h"
#include "core/node.h"
#include "core/ops.h"
#include "core/trace.h"

namespace ember {
namespace {

// The walk's own bookkeeping (the order, each node's place in it, the gradients
// pending) comes from an arena whose first kWalkArenaBytes sit on the stack: a
// backward through a small graph (one op, an MLP's few layers) asks the heap for
// nothing, and a larger one spills over to it. At 4K values an op's whole
// backward costs about as much as six heap allocations.
constexpr size_t kWalkArenaBytes = 8192;

struct Walk {
  explicit Walk(std::pmr::memory_resource* arena) : order(arena), position(arena) {}
  std::pmr::vector<Node*> order;                          // each node before the nodes it consumes
  std::pmr::unordered_map<const Node*, size_t> position;  // a node's index in `order`
  size_t at(const Node* node) const { return position.find(node)->second; }
};

// Orders the nodes below `roots` so that each comes after every node that
// consumes its output: a reverse post-order of a depth-first walk, on an
// explicit stack (a chain of a million ops must not recurse).
void order_nodes(std::span<Node* const> roots, Walk& walk) {
  for (Node* root : roots) {
    if (!walk.position.emplace(root, 0).second) continue;  // `position` marks what was seen
    // Each stack entry: a node and the index of the next edge to explore.
    std::pmr::vector<std::pair<Node*, size_t>> stack({{root, 0}}, walk.order.get_allocator());
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& edges = node->next_edges();
      if (next < edges.size()) {
        Node* child = edges[next++].node.get();
        if (child && walk.position.emplace(child, 0).second) stack.push_back({child, 0});
      } else {
        walk.order.push_back(node);
        stack.pop_back();
      }
    }
  }
  std::reverse(walk.order.begin(), walk.order.end());
  for (size_t i = 0; i < walk.order.size(); ++i) walk.position[walk.order[i]] = i;
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
// used several times then costs no new buffer), else into a new tensor —
// always when a graph of the gradient is being recorded (an in-place add
// would change values the graph saw).
void add_into(Tensor& slot, const Tensor& g) {
  if (!slot.defined())
    slot = g;
  else if (!GradMode::is_enabled() && owned_only_here(slot) && slot.shape() == g.shape())
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
// With create_graph the .grad() keeps its graph (a new tensor each time, as in PyTorch).
void accumulate_into(TensorImpl& target, const Tensor& g) {
  std::lock_guard lock(grad_lock(target));
  if (!target.grad) {
    target.grad = owned_only_here(g) ? g.impl_ptr() : g.clone().impl_ptr();
    return;
  }
  Tensor grad(target.grad);
  if (GradMode::is_enabled() || grad.requires_grad())
    target.grad = (grad + g).impl_ptr();
  else
    add_in_place(grad, g);
}

// Grad mode for a scope: on while a graph of the gradient is recorded, off otherwise.
struct GradModeScope {
  bool previous = GradMode::is_enabled();
  explicit GradModeScope(bool enabled) { GradMode::set_enabled(enabled); }
  ~GradModeScope() { GradMode::set_enabled(previous); }
};

// The nodes that must run for autograd::grad: those with a path to a wanted
// tensor (a leaf, or the output of a wanted node). Children come after their
// parents in the order, so one pass from the end settles each node.
std::pmr::vector<bool> nodes_to_run(const Walk& walk, const detail::Wanted& wanted) {
  std::pmr::vector<bool> run(walk.order.size(), false, walk.order.get_allocator());
  for (size_t i = walk.order.size(); i-- > 0;)
    for (const Edge& e : walk.order[i]->next_edges()) {
      auto leaf = e.leaf.lock();
      if ((e.node && (run[walk.at(e.node.get())] || wanted.nodes.count(e.node.get()))) ||
          (leaf && wanted.leaves.count(leaf.get()))) {
        run[i] = true;
        break;
      }
    }
  return run;
}

// g summed back to the shape of the input its edge leads to (undoing
// broadcasting): the output shape of the edge's node, or the leaf's shape.
// Undefined where no gradient goes (an inactive edge, a leaf that died).
Tensor summed_to_input(const Tensor& g, const Edge& e) {
  if (e.node) return sum_to(g, e.node->output_shape());
  if (auto leaf = e.leaf.lock()) return sum_to(g, leaf->shape);
  return {};
}

// Anomaly mode: a NaN or an infinity a backward function produced, named with its node.
void check_finite(const Node& node, const Gradients& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) continue;
    const float* v = grads[i].data();
    for (int64_t k = 0; k < grads[i].numel(); ++k)
      if (!std::isfinite(v[k]))
        fail("backward (anomaly detection): ", node.name(), " returned ",
             std::isnan(v[k]) ? "NaN" : "an infinity", " in the gradient of its input ", i, " (element ", k,
             " of shape ", grads[i].shape(), "); the forward op that recorded it is ",
             std::string(node.name()).substr(0, std::string(node.name()).rfind("Backward")));
  }
}

}  // namespace

namespace detail {
Tensor initial_gradient(const Tensor& root, const Tensor& gradient, const char* op) {
  if (gradient.defined()) {
    if (gradient.shape() != root.shape())
      fail(op, ": gradient has shape ", gradient.shape(), " but the tensor has shape ", root.shape(),
           " (they must match)");
    return gradient;
  }
  if (root.numel() != 1)
    fail(op, ": a gradient can be implied only for a scalar (one-element) tensor, this one has shape ",
         root.shape(), "; pass backward(gradient) with a tensor of that shape");
  return ones(root.shape());
}
}  // namespace detail

namespace detail {

void run_backward(std::span<const Tensor> roots, std::span<const Tensor> seeds, bool retain_graph,
                  bool create_graph, Wanted* wanted) {
  GradModeScope mode(create_graph);  // the walk itself is recorded only when a graph is asked for
  std::array<std::byte, kWalkArenaBytes> stack_bytes;
  std::pmr::monotonic_buffer_resource arena(stack_bytes.data(), stack_bytes.size());
  Walk walk(&arena);
  std::pmr::vector<Node*> root_nodes(&arena);
  for (const Tensor& root : roots)
    if (Node* node = root.grad_fn().get()) root_nodes.push_back(node);
  order_nodes(root_nodes, walk);
  // pending[i]: the gradient that has reached the output of order[i] so far.
  std::pmr::vector<Tensor> pending(walk.order.size(), &arena);
  for (size_t r = 0; r < roots.size(); ++r) {
    if (Node* node = roots[r].grad_fn().get())
      add_into(pending[walk.at(node)], seeds[r]);
    else if (!wanted)
      accumulate_into(*roots[r].impl(), seeds[r]);
    else if (auto it = wanted->leaves.find(roots[r].impl()); it != wanted->leaves.end())
      add_into(wanted->grads[it->second], seeds[r]);
  }
  const std::pmr::vector<bool> run = wanted ? nodes_to_run(walk, *wanted) : std::pmr::vector<bool>(&arena);
  for (size_t k = 0; k < walk.order.size(); ++k) {
    Node* node = walk.order[k];
    if (!pending[k].defined()) continue;  // no gradient flowed into this node
    Tensor g = std::move(pending[k]);
    if (wanted) {
      if (auto w = wanted->nodes.find(node); w != wanted->nodes.end()) add_into(wanted->grads[w->second], g);
      if (!run[k]) continue;  // no wanted tensor below it
    } else if (auto out = node->output(); out && out->retains_grad) {
      accumulate_into(*out, g);
    }
    Gradients input_grads = node->apply(g, create_graph);
    if (!retain_graph) node->release();
    const auto& edges = node->next_edges();
    for (size_t i = 0; i < edges.size(); ++i)
      if (input_grads[i].defined()) input_grads[i] = summed_to_input(input_grads[i], edges[i]);
    if (autograd::anomaly_detection_enabled()) check_finite(*node, input_grads);
    trace::node_applied(*node, g, input_grads);
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.is_active() || !input_grads[i].defined()) continue;
      if (e.node) {
        add_into(pending[walk.at(e.node.get())], input_grads[i]);
      } else if (auto leaf = e.leaf.lock()) {
        if (!wanted)
          accumulate_into(*leaf, input_grads[i]);
        else if (auto w = wanted->leaves.find(leaf.get()); w != wanted->leaves.end())
          add_into(wanted->grads[w->second], input_grads[i]);
      }
    }
  }
}

}  // namespace detail

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
  if (!defined()) fail("backward: called on an undefined tensor");
  if (!requires_grad())
    fail("backward: the tensor does not require grad and has no grad_fn (shape ", shape(),
         "); call requires_grad_() on the leaves it is computed from");
  Tensor seed = detail::initial_gradient(*this, gradient, "backward");
  // Spans over this call's own tensors: one backward of one small op allocates nothing here.
  detail::run_backward({this, 1}, {&seed, 1}, retain_graph.value_or(create_graph), create_graph, nullptr);
}

}  // namespace ember
