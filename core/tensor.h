// Tensor: a handle to a float32, contiguous, row-major array that may take
// part in automatic differentiation. Copying a Tensor copies a shared pointer:
// a module's parameter, the optimizer and the user all see one object.
//
// What a tensor is made of (TensorImpl): the storage (shared by reshape),
// the shape, whether it requires grad, the gradient accumulated into it (for
// leaves), and the node that produced it (for results of ops on tensors that
// require grad). Views with strides, other dtypes and devices are left out on
// purpose: every op can assume a plain contiguous float buffer.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/shape.h"
#include "core/storage.h"

namespace ember {

class Node;

/// The object behind a Tensor handle.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  bool requires_grad = false;        // leaves: set by the user; results: set when a node is recorded
  bool retains_grad = false;         // non-leaf asked to keep its .grad() (retain_grad())
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient (leaves, or retains_grad)
  std::shared_ptr<Node> grad_fn;     // the node that produced this tensor, if recorded
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  /// A new tensor of this shape with uninitialised values.
  static Tensor empty(const Shape& shape);

  // --- what it is ---------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t d) const;  ///< negative d counts from the end
  int64_t numel() const;
  float* data();
  const float* data() const;
  std::vector<float> to_vector() const;
  float item() const;             ///< the value of a one-element tensor
  std::string to_string() const;  ///< like PyTorch's repr: "tensor([[1, 2], [3, 4]], requires_grad=True)"

  // --- autograd -----------------------------------------------------------
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);  ///< only for leaves, as in PyTorch
  bool is_leaf() const;                    ///< created by the user, not recorded by an op
  Tensor grad() const;                     ///< undefined until a backward reaches it
  void set_grad(const Tensor& g);          ///< replaces .grad() (undefined clears it)
  void retain_grad();                      ///< keep .grad() on a non-leaf too
  const std::shared_ptr<Node>& grad_fn() const;
  /// Runs reverse-mode autodiff from this tensor. A scalar needs no gradient;
  /// otherwise pass one of this tensor's shape. Frees the graph unless retain_graph.
  /// retain_graph defaults to create_graph (PyTorch); with create_graph the leaves'
  /// .grad() carry a graph of their own and can be differentiated again.
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  /// Same storage, cut from the graph: requires_grad() is false.
  Tensor detach() const;
  Tensor clone() const;  ///< a copy of the values (differentiable)

  // --- in-place, outside autograd (optimizers, init, data loading) ---------
  // Each bumps the version of the values (shared with detach() and reshape
  // views): a backward that saved them before the write is then an error.
  Tensor& fill_(float value);
  Tensor& zero_() { return fill_(0.0f); }
  Tensor& copy_(const Tensor& src);  ///< same numel required
  /// Says that the values were changed in place through data(), so that a
  /// backward which saved them refuses to run (optimizers call it).
  Tensor& bump_version();
  /// How many in-place writes the values have had (PyTorch's `_version`).
  int64_t version() const;

  // --- ops (the free functions in core/ops.h, as methods) ------------------
  Tensor reshape(const Shape& shape) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor sum() const;
  Tensor sum(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor max() const;
  Tensor max(int64_t dim, bool keepdim = false) const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor matmul(const Tensor& other) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor log1p() const;
  Tensor pow(float exponent) const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor tanh() const;
  Tensor erf() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor sigmoid() const;
  Tensor clamp(float min, float max) const;
  Tensor neg() const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  const TensorImpl& checked() const;
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& out, const Tensor& t);

// --- factories ---------------------------------------------------------------
/// A tensor holding `values` in row-major order; their count must match the shape.
Tensor tensor(std::vector<float> values, Shape shape, bool requires_grad = false);
Tensor scalar_tensor(float value);
Tensor zeros(Shape shape);
Tensor ones(Shape shape);
Tensor full(Shape shape, float value);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, float value);
Tensor randn(Shape shape);  ///< N(0, 1) from ember's generator
Tensor rand(Shape shape);   ///< U[0, 1) from ember's generator
/// start, start+step, … up to but excluding end (PyTorch's arange): ceil((end − start) / step)
/// elements. The bounds are doubles, as PyTorch's scalars are, so that arange(0, 0.3, 0.1) counts
/// 3 elements (in float, 0.3f / 0.1f rounds above 3 and would give 4).
Tensor arange(double start, double end, double step = 1);
/// n evenly spaced values from start to end inclusive.
Tensor linspace(float start, float end, int64_t n);

}  // namespace ember
