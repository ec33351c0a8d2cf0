// autograd_tour: a guided walk through ember's autograd, for a reader of
// docs/autograd.md. Three stops:
//   1. a small expression — its value, the graph autograd recorded, the
//      backward pass traced node by node, and the gradients checked by hand;
//   2. one training step of a tiny MLP — the same, at the size of a real model,
//      followed by the SGD update the gradients drive;
//   3. a gradient of a gradient — the backward pass recorded as a graph of its
//      own (create_graph), drawn, and differentiated again (section 9).
// Each graph is written as Graphviz text with values and gradients, and as SVG
// when Graphviz's `dot` is installed (Debian package graphviz).
//   autograd_tour [--out tour]
#include <ember.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace ember;
namespace fs = std::filesystem;

// Writes name.dot and, through Graphviz, name.svg; leaves are labelled with `names`.
static void write_graph(const Tensor& root, const fs::path& dir, const std::string& name,
                        std::vector<std::pair<std::string, Tensor>> names = {}) {
  fs::path dot_file = dir / (name + ".dot"), svg_file = dir / (name + ".svg");
  std::ofstream(dot_file) << to_dot(root, {.values = true, .gradients = true, .names = std::move(names)});
  std::string command = "dot -Tsvg '" + dot_file.string() + "' -o '" + svg_file.string() + "' 2>/dev/null";
  bool drawn = std::system(command.c_str()) == 0;
  std::printf("  graph: %s%s\n", (drawn ? svg_file : dot_file).c_str(),
              drawn ? "" : "  (install graphviz for the SVG)");
}

static void banner(const char* title) { std::printf("\n=== %s ===\n", title); }

int main(int argc, char** argv) {
  CLI::App app{"A guided tour of ember's autograd: graphs, the traced backward pass, one SGD step."};
  std::string out = "tour";
  app.add_option("--out", out, "folder for the .dot and .svg graphs");
  CLI11_PARSE(app, argc, argv);
  fs::create_directories(out);

  banner("1. A small expression: z = log(x*y + exp(x))");
  Tensor x = tensor({2.0f}, {}, true), y = tensor({3.0f}, {}, true);
  Tensor z = log(x * y + x.exp());
  std::printf("  x = 2, y = 3, z = %.6f\n", z.item());
  std::printf("  Backward, node by node (g is the gradient arriving at each node's output):\n");
  {
    BackwardTrace trace(std::cout);
    z.backward({}, /*retain_graph=*/true);
  }
  // By hand: dz/dx = (y + e^x) / (xy + e^x), dz/dy = x / (xy + e^x).
  double u = 2.0 * 3.0 + std::exp(2.0);
  std::printf("  autograd: dz/dx = %.6f  dz/dy = %.6f\n", x.grad().item(), y.grad().item());
  std::printf("  by hand:  dz/dx = %.6f  dz/dy = %.6f\n", (3.0 + std::exp(2.0)) / u, 2.0 / u);
  write_graph(z, out, "expression", {{"x", x}, {"y", y}});

  banner("2. One training step of a 2-3-1 MLP on four points");
  manual_seed(0);
  nn::Sequential model;
  model.push_back(std::make_shared<nn::Linear>(2, 3));
  model.push_back(std::make_shared<nn::Tanh>());
  model.push_back(std::make_shared<nn::Linear>(3, 1));
  std::cout << model;
  Tensor inputs = tensor({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2}), targets = tensor({0, 1, 1, 0}, {4, 1});
  Tensor loss = F::mse_loss(model(inputs), targets);
  std::printf("  loss before the step: %.6f\n", loss.item());
  {
    BackwardTrace trace(std::cout);
    loss.backward({}, /*retain_graph=*/true);
  }
  for (const auto& [name, p] : model.named_parameters())
    std::cout << "  " << name << ".grad = " << p.grad() << "\n";
  write_graph(loss, out, "mlp_step", model.named_parameters());

  optim::SGD sgd(model.parameters(), optim::SGDOptions{.lr = 0.5f});
  sgd.step();  // p ← p − lr · p.grad(), for every parameter
  {
    NoGradGuard no_grad;  // evaluating only: nothing to record
    std::printf("  loss after one SGD step (lr 0.5): %.6f\n", F::mse_loss(model(inputs), targets).item());
  }

  banner("3. A gradient of a gradient: f(x) = x * sin(x)");
  // With create_graph the backward's own ops (cos, *, +) are recorded: f'(x) is a
  // tensor with a graph, and differentiating it again gives f''(x).
  Tensor t = tensor({1.0f}, {}, true);
  Tensor f = t * t.sin();
  Tensor df = autograd::grad({f}, {t}, {}, std::nullopt, /*create_graph=*/true)[0];
  std::printf("  f'(1) = sin 1 + cos 1 = %.6f   (autograd %.6f)\n", std::sin(1.0) + std::cos(1.0), df.item());
  std::printf("  The graph of f'(x), recorded while the backward ran:\n");
  write_graph(df, out, "gradient_graph", {{"x", t}});
  std::printf("  Backward through that graph, node by node:\n");
  Tensor d2f;
  {
    BackwardTrace trace(std::cout);
    d2f = autograd::grad({df}, {t})[0];
  }
  std::printf("  f''(1) = 2 cos 1 - sin 1 = %.6f   (autograd %.6f)\n", 2 * std::cos(1.0) - std::sin(1.0),
              d2f.item());
  std::printf("\nNext: docs/autograd.md explains each of these steps in the engine's code.\n");
  return 0;
}
