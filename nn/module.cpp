#include "nn/module.h"

#include <ostream>
#include <sstream>
#include <unordered_set>

namespace ember::nn {

Tensor Module::forward(const Tensor& input) {
  fail(name(), ": forward(x) with one input (shape ", input.shape(), ") is not defined for this module");
}

void Module::collect(const std::string& prefix, bool buffers,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [n, t] : buffers ? buffers_ : parameters_)
    if (t.defined()) out.emplace_back(prefix + n, t);
  for (const auto& [n, child] : children_) child->collect(prefix + n + ".", buffers, out);
}

namespace {
// A tensor reached twice (a layer used at two places of a model, weights tied
// by hand) is listed once, under its first name, as PyTorch's
// named_parameters() does: an optimizer must not step it twice.
void drop_repeats(std::vector<std::pair<std::string, Tensor>>& named) {
  std::unordered_set<const TensorImpl*> seen;
  std::erase_if(named, [&](const auto& entry) { return !seen.insert(entry.second.impl()).second; });
}
}  // namespace

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", false, out);
  drop_repeats(out);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", true, out);
  drop_repeats(out);
  return out;
}

std::vector<std::string> Module::int64_buffer_names() const {
  // The same walk as collect(), with a stack of (module, prefix): names as named_buffers() gives them.
  std::vector<std::string> out;
  std::vector<std::pair<const Module*, std::string>> stack{{this, ""}};
  while (!stack.empty()) {
    auto [m, prefix] = stack.back();
    stack.pop_back();
    for (const std::string& n : m->int64_buffers_) out.push_back(prefix + n);
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(it->second.get(), prefix + it->first + ".");
  }
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const Tensor& p : parameters()) n += p.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.set_grad({});
}

Tensor Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  for (const auto& [n, t] : parameters_)
    if (n == name) fail(this->name(), ": parameter '", name, "' is already registered");
  if (value.defined()) value.requires_grad_(requires_grad);
  parameters_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value, BufferDtype saved_as) {
  for (const auto& [n, t] : buffers_)
    if (n == name) fail(this->name(), ": buffer '", name, "' is already registered");
  buffers_.emplace_back(name, value);
  if (saved_as == BufferDtype::int64) int64_buffers_.push_back(name);
  return value;
}

namespace {
// True when `inside` is `root` or one of its submodules at any depth. A walk
// with an explicit stack: the modules may nest deeply.
bool contains(const Module& root, const Module* inside) {
  std::vector<const Module*> stack{&root};
  std::unordered_set<const Module*> seen{&root};
  while (!stack.empty()) {
    const Module* m = stack.back();
    stack.pop_back();
    if (m == inside) return true;
    for (const auto& [n, child] : m->named_children())
      if (seen.insert(child.get()).second) stack.push_back(child.get());
  }
  return false;
}
}  // namespace

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  if (!module) fail(this->name(), ": submodule '", name, "' is null");
  // A module inside itself would make forward, parameters() and printing
  // recurse without end, and the shared pointers a cycle that never frees.
  if (contains(*module, this))
    fail(this->name(), ": submodule '", name, "' (", module->name(), ") ",
         module.get() == this ? "is this module itself" : "contains this module",
         "; a module cannot contain itself");
  for (const auto& [n, c] : children_)
    if (n == name) fail(this->name(), ": submodule '", name, "' is already registered");
  children_.emplace_back(name, std::move(module));
}

void Module::print(std::ostream& out, int indent) const {
  out << name() << "(" << extra_repr();
  if (!children_.empty()) {
    out << "\n";
    for (const auto& [n, child] : children_) {
      out << std::string(indent + 2, ' ') << "(" << n << "): ";
      child->print(out, indent + 2);
      out << "\n";
    }
    out << std::string(indent, ' ');
  }
  out << ")";
}

std::string Module::to_string() const {
  std::ostringstream out;
  print(out, 0);
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Module& module) {
  return out << module.to_string() << "\n"
             << "Total parameters: " << module.num_parameters() << "\n";
}

}  // namespace ember::nn
