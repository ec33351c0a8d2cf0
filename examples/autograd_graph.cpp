// autograd_graph: the graph autograd records for one small loss, as Graphviz
// text, and the backward pass through it traced node by node. It is the
// example of docs/autograd.md.
//
//   ./autograd_graph | dot -Tsvg > graph.svg    the graph (docs/images/autograd_example.svg)
//   ./autograd_graph --trace                    the backward pass, one node at a time
//   ./autograd_graph --values                   the graph with values and gradients
#include <ember.h>

#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
  using namespace ember;
  std::string_view mode = argc > 1 ? argv[1] : "";

  Tensor w = tensor({0.5f, -1.0f, 2.0f}, {3}, /*requires_grad=*/true);
  Tensor b = tensor({0.1f}, {}, true);
  Tensor x = tensor({1.0f, 2.0f, 3.0f}, {3});  // data: no gradient wanted
  Tensor y = tensor({0.2f, -0.5f, 0.9f}, {3});

  Tensor loss = ((w * x + b).tanh() - y).pow(2).mean();

  if (mode == "--trace") {
    BackwardTrace trace(std::cout);
    loss.backward();
  } else if (mode == "--values") {
    loss.backward({}, /*retain_graph=*/true);
    std::cout << to_dot(loss, {.values = true, .gradients = true});
  } else {
    std::cout << to_dot(loss);
  }
  return 0;
}
