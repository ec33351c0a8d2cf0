// Nodes of the autograd graph: recording them, applying them, freeing them.
#include "core/node.h"

#include <atomic>
#include <span>

#include "core/grad_mode.h"

namespace ember {
namespace {

std::atomic<int64_t> live_nodes{0};
thread_local Node* applying = nullptr;  // the node whose backward runs on this thread

// Moves into `out` the children that only this edge list keeps alive.
void take_last_owned(std::vector<Edge>& edges, std::vector<std::shared_ptr<Node>>& out) {
  for (Edge& e : edges)
    if (e.node && e.node.use_count() == 1) out.push_back(std::move(e.node));
}

Edge edge_to(const Tensor& input) {
  Edge e;
  if (!input.defined() || !input.requires_grad()) return e;  // no gradient flows there
  if (input.grad_fn()) {
    e.node = input.grad_fn();
  } else {
    e.leaf = input.impl_ptr();
    e.to_leaf = true;
  }
  return e;
}

}  // namespace

Node::Node(NodeKind kind, std::vector<Edge> next, Backward backward, Shape output_shape)
    : name_(kind.name),
      rule_(kind.rule),
      owned_rule_(std::move(kind.owned_rule)),
      next_(std::move(next)),
      backward_(std::move(backward)),
      output_shape_(std::move(output_shape)) {
  ++live_nodes;
}

Node::~Node() {
  // Destroying a node destroys the children it alone owns, and theirs, and so
  // on: a chain of a million ops would recurse a million deep. Instead, take
  // over those children and destroy them one at a time (PyTorch's deleteNode).
  std::vector<std::shared_ptr<Node>> doomed;
  take_last_owned(next_, doomed);
  while (!doomed.empty()) {
    std::shared_ptr<Node> node = std::move(doomed.back());
    doomed.pop_back();
    take_last_owned(node->next_, doomed);
  }  // `node` dies here with its edges already taken: no recursion
  --live_nodes;
}

void Node::note_saved(const Tensor& saved) {
  if (!saved.defined()) return;
  saved_.push_back({saved.impl()->storage, saved.version(), saved.shape()});
  saved_requires_grad_ = saved_requires_grad_ || saved.requires_grad();
}

Node* Node::current() { return applying; }

// --- SavedTensor ----------------------------------------------------------------

SavedTensor::SavedTensor(const Tensor& t) {
  if (!t.defined()) return;
  values_ = t.detach();
  if (t.requires_grad() && t.grad_fn())
    graph_ = t;
  else if (t.requires_grad())
    leaf_ = t.impl_ptr();
}

SavedTensor SavedTensor::output(const Tensor& y) {
  SavedTensor s;
  s.values_ = y.detach();
  s.output_ = true;
  return s;
}

Tensor SavedTensor::get() const {
  if (!GradMode::is_enabled() || !values_.defined()) return values_;  // a normal backward: values
  if (graph_.defined()) return graph_;
  if (auto leaf = leaf_.lock()) return Tensor(leaf);
  if (output_ && applying) {  // the output again, as a new handle whose grad_fn is the node that made it
    Tensor y = values_.detach();
    y.impl()->grad_fn = applying->shared_from_this();
    y.impl()->requires_grad = true;
    return y;
  }
  return values_;  // a leaf gone: nothing can ask for its gradient
}

// PyTorch's check and message: the values this backward reads are no longer
// those the forward computed with, so its gradient would be wrong.
void Node::check_saved_unchanged() const {
  for (const SavedVersion& s : saved_) {
    auto storage = s.storage.lock();
    if (storage && storage->version() != s.version)
      fail("backward: one of the tensors needed by ", name_, " (shape ", s.shape,
           ") has been modified by an in-place operation: it is at version ", storage->version(),
           ", expected version ", s.version, "; modify a clone() instead, or after backward()");
  }
}

namespace {
// Sets the thread's applying node for a scope (a backward may run another, nested).
struct Applying {
  Node* previous;
  explicit Applying(Node* node) : previous(applying) { applying = node; }
  ~Applying() { applying = previous; }
};
}  // namespace

Gradients Node::apply(const Tensor& grad_output, bool create_graph) {
  if (released())
    fail("backward: trying to backward through the graph a second time (", name_,
         " was freed by an earlier backward); pass retain_graph=true to the first backward() to keep it");
  check_saved_unchanged();
  const bool recorded = create_graph && backward_.differentiable;
  const BackwardFunction& f = recorded || !backward_.fast ? backward_.differentiable : backward_.fast;
  Applying scope(this);
  Gradients g = f(grad_output);
  if (g.size() != next_.size())
    fail("backward: ", name_, " returned ", g.size(), " gradients for ", next_.size(),
         " inputs (bug in the op)");
  // A backward that cannot say it is differentiable, asked for a graph: a gradient
  // without one, where it should depend on something that requires grad, would be a
  // silently constant derivative.
  if (create_graph && !backward_.differentiable && (grad_output.requires_grad() || saved_requires_grad_))
    for (size_t i = 0; i < g.size(); ++i)
      if (next_[i].is_active() && g[i].defined() && !g[i].requires_grad())
        fail("backward: create_graph asks for a graph of the gradient, but ", name_, "'s backward returned ",
             "the gradient of input ", i, " without one; write its backward with ember ops on tensors saved ",
             "as SavedTensor and record it as Backward{.differentiable = ...}");
  return g;
}

void Node::release() { backward_ = {}; }

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

namespace {
void record_node(NodeKind kind, Tensor& output, std::span<const Tensor> inputs, Backward backward,
                 std::initializer_list<Tensor> saved) {
  std::vector<Edge> next;
  next.reserve(inputs.size());
  for (const Tensor& in : inputs) next.push_back(edge_to(in));
  auto node = std::make_shared<Node>(kind, std::move(next), std::move(backward), output.shape());
  node->reserve_saved(saved.size());
  for (const Tensor& t : saved) node->note_saved(t);
  // In place (begin_inplace), the output is the tensor its previous node made:
  // that node's output is now the new node's input, gone as a value.
  if (output.impl()->grad_fn) output.impl()->grad_fn->set_output(nullptr);
  node->set_output(output.impl_ptr());
  output.impl()->grad_fn = std::move(node);
  output.impl()->requires_grad = true;
}
}  // namespace

void record(NodeKind kind, Tensor& output, const std::vector<Tensor>& inputs, Backward backward,
            std::initializer_list<Tensor> saved) {
  record_node(std::move(kind), output, inputs, std::move(backward), saved);
}

void record(NodeKind kind, Tensor& output, std::initializer_list<Tensor> inputs, Backward backward,
            std::initializer_list<Tensor> saved) {
  record_node(std::move(kind), output, {inputs.begin(), inputs.size()}, std::move(backward), saved);
}

void record(NodeKind kind, Tensor& output, const std::vector<Tensor>& inputs, BackwardFunction backward,
            std::initializer_list<Tensor> saved) {
  record_node(std::move(kind), output, inputs, Backward{.fast = std::move(backward)}, saved);
}

void record(NodeKind kind, Tensor& output, std::initializer_list<Tensor> inputs, BackwardFunction backward,
            std::initializer_list<Tensor> saved) {
  record_node(std::move(kind), output, {inputs.begin(), inputs.size()}, Backward{.fast = std::move(backward)},
              saved);
}

void begin_inplace(const Tensor& x, const char* op) {
  if (!x.defined()) fail(op, ": the input tensor is undefined");
  if (GradMode::is_enabled() && x.requires_grad()) {
    if (x.is_leaf())
      fail(op, ": a leaf Variable that requires grad is being used in an in-place operation (shape ",
           x.shape(), "); use the out-of-place op, or write under NoGradGuard");
    // A view: the node that made x was given a tensor holding the same values.
    for (const Edge& e : x.grad_fn()->next_edges()) {
      std::shared_ptr<TensorImpl> base = e.node ? e.node->output() : e.leaf.lock();
      if (base && base->storage == x.impl()->storage)
        fail(op, ": the input (shape ", x.shape(),
             ") is a view of a tensor that requires grad (it shares its ", "values with the input of ",
             x.grad_fn()->name(), "); ember does not track views through in-place ops: apply ", op,
             " to that tensor, or to a clone()");
    }
  }
  x.impl()->storage->bump_version();
}

int64_t live_node_count() { return live_nodes.load(); }

}  // namespace ember
