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
// The engine (engine.cpp) walks the graph in reverse topological order and
// calls each backward function once.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "core/tensor.h"

namespace ember {

class Node;

/// Where one input's gradient goes: into the node that produced the input,
/// or, for a leaf that requires grad, into its .grad(). The input's shape is
/// kept so that the engine can sum a broadcast gradient back to it.
struct Edge {
  std::shared_ptr<Node> node;
  std::shared_ptr<TensorImpl> leaf;
  Shape shape;
  bool is_active() const { return node || leaf; }
};

/// A node's name ("ExpBackward") and its local rule in words
/// ("y = exp(x):  dx = g * y"); a bare name converts, with no rule.
struct NodeKind {
  const char* name;
  const char* rule = nullptr;
  NodeKind(const char* name, const char* rule = nullptr) : name(name), rule(rule) {}
};

/// Gradients returned by a backward function, one per input (undefined = none).
using Gradients = std::vector<Tensor>;
using BackwardFunction = std::function<Gradients(const Tensor& grad_output)>;

class Node {
 public:
  Node(NodeKind kind, std::vector<Edge> next, BackwardFunction backward, Shape output_shape);
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
  /// Applies the local chain rule. Throws if the graph was already freed, or
  /// if a saved tensor was modified in place since it was saved.
  Gradients apply(const Tensor& grad_output);
  /// Frees what the backward function saved (after a backward without retain_graph).
  void release();
  bool released() const { return !backward_; }

 private:
  const char* name_;
  const char* rule_;
  std::vector<Edge> next_;
  BackwardFunction backward_;
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
void record(NodeKind kind, Tensor& output, std::initializer_list<Tensor> inputs, BackwardFunction backward,
            std::initializer_list<Tensor> saved = {});
void record(NodeKind kind, Tensor& output, const std::vector<Tensor>& inputs, BackwardFunction backward,
            std::initializer_list<Tensor> saved = {});

/// Builds a Gradients list: grads(ga, gb).
template <class... T>
Gradients grads(T&&... g) {
  return Gradients{std::forward<T>(g)...};
}

/// Number of nodes alive right now (tests check that graphs are freed).
int64_t live_node_count();

}  // namespace ember
