// nn::Module: the base of every layer. A module owns named parameters
// (tensors that require grad and that optimizers update), named buffers
// (state saved with the model but not trained) and named submodules, so that
// parameters(), named_parameters() ("layers.0.weight"), train()/eval(),
// zero_grad(), printing and checkpoints all recurse through one structure.
//
// A module's parameter members (Linear::weight) and the registered entries are
// handles to the same tensors; code that replaces a parameter's values writes
// into it (copy_) rather than assigning a new tensor.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ember::nn {

/// How a buffer is written to a checkpoint. ember holds every tensor as
/// float32; some of PyTorch's buffers are integers (BatchNorm's
/// num_batches_tracked is int64), and a checkpoint PyTorch loads must say so.
enum class BufferDtype { float32, int64 };

class Module {
 public:
  virtual ~Module() = default;

  /// The layer's computation. Modules of two inputs (Bilinear) override their
  /// own operator() and leave this one throwing.
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  /// The class name as PyTorch prints it: "Linear".
  virtual std::string name() const = 0;
  /// The options inside the parentheses when printed: "in_features=784, out_features=256, bias=True".
  virtual std::string extra_repr() const { return ""; }

  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  /// The dotted names of the buffers registered as BufferDtype::int64 (nn::save writes them as I64).
  std::vector<std::string> int64_buffer_names() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }
  /// Number of parameter values (what the printout's total shows).
  int64_t num_parameters() const;

  /// Training mode (the default) vs evaluation mode; recurses. Changes what
  /// Dropout and RReLU do — not whether the graph is recorded (NoGradGuard does that).
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  /// Clears every parameter's .grad() (PyTorch's set_to_none).
  void zero_grad();

  /// The model printed as PyTorch prints it, with a parameter count at the top level.
  std::string to_string() const;

 protected:
  /// Registers a parameter (sets requires_grad) and returns the same handle.
  Tensor register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  /// Registers a buffer: saved and loaded with the parameters, not trained. `saved_as` int64
  /// writes it as an integer tensor (its values must be whole numbers).
  Tensor register_buffer(const std::string& name, Tensor value, BufferDtype saved_as = BufferDtype::float32);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  void add_child(const std::string& name, std::shared_ptr<Module> module);

 private:
  void collect(const std::string& prefix, bool buffers,
               std::vector<std::pair<std::string, Tensor>>& out) const;
  void print(std::ostream& out, int indent) const;

  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::string> int64_buffers_;  // names (in buffers_) saved as int64
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

std::ostream& operator<<(std::ostream& out, const Module& module);

}  // namespace ember::nn
