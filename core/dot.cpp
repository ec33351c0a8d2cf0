#include "core/dot.h"

#include <iomanip>
#include <sstream>
#include <unordered_map>

#include "core/node.h"

namespace ember {
namespace {

std::string preview(const float* data, int64_t n) {
  std::ostringstream out;
  out << std::setprecision(4) << "[";
  for (int64_t i = 0; i < n && i < 4; ++i) out << (i ? ", " : "") << data[i];
  return out.str() + (n > 4 ? ", …]" : "]");
}

std::string tensor_label(const char* title, const TensorImpl& t, const DotOptions& options) {
  std::string label = std::string(title) + "\\n" + shape_str(t.shape);
  int64_t n = numel_of(t.shape);
  if (options.values) label += "\\nvalue " + preview(t.storage->data(), n);
  if (options.gradients && t.grad) label += "\\ngrad " + preview(t.grad->storage->data(), n);
  return label;
}

std::string leaf_title(const TensorImpl* leaf, const DotOptions& options) {
  for (const auto& [name, t] : options.names)
    if (t.impl() == leaf) return name;
  return "leaf (requires_grad)";
}

}  // namespace

std::string to_dot(const Tensor& root, DotOptions options) {
  std::ostringstream out;
  out << "digraph ember {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n";
  std::unordered_map<const void*, std::string> ids;
  auto id_of = [&](const void* p) {
    auto [it, added] = ids.emplace(p, std::string(1, 'n').append(std::to_string(ids.size())));
    return std::pair{it->second, added};
  };
  if (!root.defined()) return out.str() + "}\n";
  if (!root.grad_fn()) {  // a leaf alone
    out << "  " << id_of(root.impl()).first << " [shape=ellipse, label=\""
        << tensor_label("leaf", *root.impl(), options) << "\"];\n}\n";
    return out.str();
  }
  std::vector<Node*> stack{root.grad_fn().get()};
  id_of(stack.back());
  while (!stack.empty()) {  // an explicit stack: deep graphs do not recurse
    Node* node = stack.back();
    stack.pop_back();
    std::string label = std::string(node->name()) + "\\n" + shape_str(node->output_shape());
    if (auto outp = node->output(); outp && options.values)
      label += "\\nvalue " + preview(outp->storage->data(), numel_of(outp->shape));
    out << "  " << ids[node] << " [shape=box, style=rounded, label=\"" << label << "\"];\n";
    for (const Edge& e : node->next_edges()) {
      if (e.node) {
        auto [id, added] = id_of(e.node.get());
        if (added) stack.push_back(e.node.get());
        out << "  " << id << " -> " << ids[node] << ";\n";
      } else if (auto leaf = e.leaf.lock()) {
        auto [id, added] = id_of(leaf.get());
        if (added)
          out << "  " << id << " [shape=ellipse, style=filled, fillcolor=\"#cfe2ff\", label=\""
              << tensor_label(leaf_title(leaf.get(), options).c_str(), *leaf, options) << "\"];\n";
        out << "  " << id << " -> " << ids[node] << ";\n";
      }
    }
  }
  out << "}\n";
  return out.str();
}

}  // namespace ember
