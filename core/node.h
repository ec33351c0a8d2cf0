// The autograd graph. Every op that touches a tensor requiring grad records a
// Node: its name ("MulBackward"), where the gradient goes next (one Edge per
// input), and a backward function that maps the gradient of the op's output to
// gradients of its inputs — the local chain rule. The function captures only
// what it reads (detached values, masks, random draws), never the output
// tensor itself, which would hold its own node and leak the graph.
//
//   Tensor exp(const Tensor& x) {
//     Tensor y = <compute>;
//     if (needs_grad({x}))
//       record({"ExpBackward", "y = exp(x):  dx = g * y"}, y, {x},
//              [y = y.detach()](const Tensor& g) { return grads(g * y); }, {y});
//     return y;
//   }
//
// The first argument names the node and gives the local rule as a learner
// would write it; to_dot and the backward trace (trace.h) show both, so each
// op documents its own derivative where it is defined.
//
// The last argument of record() lists the tensors the function saved (here
// y): the node notes their versions, and applying it after one of them was
// modified in place (fill_, copy_, an optimizer step) is an error, not a
// silently wrong gradient.
//
// Gradients of gradients. A backward function written with ember's own ops on
// the tensors it saved is itself differentiable: when backward(create_graph)
// asks for a graph of the gradient, the engine runs it with grad mode on and
// its ops record as any others. For that the function reads what it saved
// through SavedTensor::get(), which gives back the tensor with its place in the
// graph, and the op passes it as Backward{.differentiable = f}. Ops whose fast
// backward is a fused kernel give both: Backward{.fast = kernel, .differentiable
// = formula}; the formula runs only when a graph is asked for.
//
// The engine (engine.cpp) walks the graph in reverse topological order and
// calls each backward function once.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ember {

class Node;

/// Where one input's gradient goes: into the node that produced the input,
/// or, for a leaf that requires grad, into its .grad(). The engine sums a
/// broadcast gradient back to the input's shape: the node's output shape, or
/// the leaf's own. A leaf is held weakly: with create_graph its .grad() holds
/// nodes that lead back to it, and a strong link would be a cycle never freed.
/// A leaf that died before the backward has no .grad() anyone could read; its
/// gradient is dropped.
struct Edge {
  std::shared_ptr<Node> node;
  std::weak_ptr<TensorImpl> leaf;
  bool to_leaf = false;
  bool is_active() const { return node || to_leaf; }
};

/// A node's name ("ExpBackward") and its local rule in words
/// ("y = exp(x):  dx = g * y"); a bare name converts, with no rule. Both are
/// string literals as a rule: no copy per node. A rule that shows the op's
/// parameters ("y = clamp((x + 1) / 2, 0, 1): …") is composed at run time; the
/// std::string constructor keeps it alive in `owned_rule`, which the node holds.
struct NodeKind {
  const char* name;
  const char* rule = nullptr;
  std::shared_ptr<const std::string> owned_rule = nullptr;
  NodeKind(const char* name, const char* rule = nullptr) : name(name), rule(rule) {}
  NodeKind(const char* name, std::string rule)
      : name(name), owned_rule(std::make_shared<const std::string>(std::move(rule))) {
    this->rule = owned_rule->c_str();
  }
};

/// Gradients returned by a backward function, one per input (undefined = none).
using Gradients = std::vector<Tensor>;
using BackwardFunction = std::function<Gradients(const Tensor& grad_output)>;

/// How a node maps its output's gradient to its inputs'. `differentiable` is
/// written with ember's ops on SavedTensor::get() and is run with grad mode on
/// when a graph of the gradient is asked for (create_graph); `fast` (a fused
/// kernel, say) runs otherwise. Give `differentiable` alone when one function
/// is both.
struct Backward {
  BackwardFunction fast = {};
  BackwardFunction differentiable = {};
};

/// A tensor a backward function reads. It keeps the values (a detached handle
/// on the same storage), and get() gives them back — plain in a normal
/// backward, and with their place in the graph when the backward is being
/// recorded: a non-leaf input itself, a leaf while it lives (held weakly, for
/// the reason Edge gives), the op's own output re-attached to the node being
/// applied (held as values only: the output holds the node, so holding the
/// output would be a cycle).
class SavedTensor {
 public:
  SavedTensor() = default;
  /// An input of the op (any tensor but its own output).
  SavedTensor(const Tensor& t);  // NOLINT: implicit, so that a capture reads [x = SavedTensor(x)] or {x}
  /// The op's own output.
  static SavedTensor output(const Tensor& y);
  Tensor get() const;
  /// The values alone (detached, no graph), for an op's fast backward to read the same
  /// handle instead of detaching again: [v = saved.values()] beside [saved].
  const Tensor& values() const { return values_; }

 private:
  Tensor values_;                   // detached: the same storage, no graph
  Tensor graph_;                    // a non-leaf input that requires grad
  std::weak_ptr<TensorImpl> leaf_;  // a leaf input that requires grad
  bool output_ = false;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node(NodeKind kind, std::vector<Edge> next, Backward backward, Shape output_shape);
  ~Node();  // iterative: a million-node chain must not recurse a million deep
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  /// The local chain rule in words, as the op that recorded the node wrote it.
  const char* rule() const { return rule_ ? rule_ : "the op's local derivative (see its backward)"; }
  const std::vector<Edge>& next_edges() const { return next_; }
  const Shape& output_shape() const { return output_shape_; }
  /// The output tensor, if it is still alive (for retain_grad and graph pictures).
  std::shared_ptr<TensorImpl> output() const { return output_.lock(); }
  void set_output(const std::shared_ptr<TensorImpl>& out) { output_ = out; }

  /// Notes the version of a tensor the backward function saved (see record()).
  void note_saved(const Tensor& saved);
  void reserve_saved(size_t count) { saved_.reserve(count); }
  /// Applies the local chain rule: the differentiable function when
  /// create_graph (grad mode is then on), else the fast one. Throws if the
  /// graph was already freed, if a saved tensor was modified in place since it
  /// was saved, or if create_graph meets a backward that cannot record a graph.
  Gradients apply(const Tensor& grad_output, bool create_graph = false);
  /// Frees what the backward function saved (after a backward without retain_graph).
  void release();
  bool released() const { return !backward_.fast && !backward_.differentiable; }
  /// The node whose backward is running on this thread (SavedTensor::output re-attaches to it).
  static Node* current();

 private:
  const char* name_;
  const char* rule_;
  std::shared_ptr<const std::string> owned_rule_;  // rule_'s text, when composed at run time
  std::vector<Edge> next_;
  Backward backward_;
  bool saved_requires_grad_ = false;  // a saved tensor requires grad: its derivative is not constant
  Shape output_shape_;
  std::weak_ptr<TensorImpl> output_;
  struct SavedVersion {
    std::weak_ptr<Storage> storage;
    int64_t version;
    Shape shape;
  };
  std::vector<SavedVersion> saved_;
  void check_saved_unchanged() const;
};

/// True when grad mode is on and any of the tensors requires grad: only then
/// is a node worth recording.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
inline bool needs_grad(const Tensor& a) { return needs_grad({&a}); }
inline bool needs_grad(const Tensor& a, const Tensor& b) { return needs_grad({&a, &b}); }

/// Attaches a node of `kind` (name and rule) to `output`, with one edge per input (in the
/// order the backward function returns gradients). Call it only when
/// needs_grad(...) is true. `saved`: the tensors (inputs, output) whose values
/// the backward function reads, so that in-place changes to them are caught.
void record(NodeKind kind, Tensor& output, std::initializer_list<Tensor> inputs, Backward backward,
            std::initializer_list<Tensor> saved = {});
void record(NodeKind kind, Tensor& output, const std::vector<Tensor>& inputs, Backward backward,
            std::initializer_list<Tensor> saved = {});
/// A node with one backward function that says nothing of whether it can be
/// differentiated (a user's own op): run as `fast`, and under create_graph run
/// with grad mode on and checked — a gradient with no graph where the output's
/// gradient or a saved tensor requires grad is an ember::Error naming the node.
void record(NodeKind kind, Tensor& output, std::initializer_list<Tensor> inputs, BackwardFunction backward,
            std::initializer_list<Tensor> saved = {});
void record(NodeKind kind, Tensor& output, const std::vector<Tensor>& inputs, BackwardFunction backward,
            std::initializer_list<Tensor> saved = {});

/// In-place ops (F::relu_, F::elu_, …) call this before writing into x. It
/// refuses what would make a gradient wrong: while grad mode is on, a leaf that
/// requires grad (PyTorch's rule and words) and a reshape of a tensor that
/// requires grad (PyTorch re-bases the view's history; ember keeps no view
/// links, so it refuses). Then it bumps x's version: a backward that saved x's
/// old values refuses to run. After the write, the op records its node on x
/// itself, record(kind, x, {x}, …): the edges are taken from x's previous
/// grad_fn before x is re-pointed to the new node.
void begin_inplace(const Tensor& x, const char* op);

/// Builds a Gradients list: grads(ga, gb).
template <class... T>
Gradients grads(T&&... g) {
  return Gradients{std::forward<T>(g)...};
}

/// Number of nodes alive right now (tests check that graphs are freed).
int64_t live_node_count();

}  // namespace ember
