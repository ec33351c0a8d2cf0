// plot_activations: every activation and its derivative, drawn twice — by the
// fused kernel (oneDNN or an OpenMP loop) and by the plain reference formula
// of ember::reference — overlaid, so a reader sees the two agree (or where
// they would not). One PNG and one SVG per activation, rendered by gnuplot.
//
//   ./plot_activations                         into plots/activations/
//   ./plot_activations --out docs/images/activations --range 5 --points 401
//
// Derivatives come from autograd: y = f(x) on a leaf x, y.backward(ones), x.grad().
// With --second, f″ too: the first derivative taken with create_graph, then
// differentiated again (docs/autograd.md, section 9).
// With --overlays, also the four overlays the activation tutorial draws
// (support/activation_overlays.h): softplus against ReLU, exact GELU against
// its tanh form, the tutorial's HardSigmoid against PyTorch's, RReLU's
// training scatter against its evaluation line.
// Activations along a dim are drawn on pairs: softmax([x, 0])₀ (= σ(x)),
// glu([x, x]) (= x·σ(x)). Not drawn: nothing is left out; Maxout is drawn
// with fixed pieces (−x − 1, 0.2x, 1.5x − 2).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <ember.h>

#include "support/activation_overlays.h"

using namespace ember;
namespace fs = std::filesystem;

namespace {

using Fn = std::function<Tensor(const Tensor&)>;

struct Plot {
  std::string file;   // file name without extension
  std::string title;  // as the module prints
  Fn fused, reference;
};

// f applied to the pair [x, 0] along dim 1, keeping component 0.
Fn on_pair(std::function<Tensor(const Tensor&, int64_t)> f) {
  return [f](const Tensor& x) { return narrow(f(stack({x, zeros_like(x)}, 1), 1), 1, 0, 1).reshape({-1}); };
}
// glu on [x, x]: x·σ(x).
Fn glu_twice(std::function<Tensor(const Tensor&, int64_t)> f) {
  return [f](const Tensor& x) { return f(stack({x, x}, 1), 1).reshape({-1}); };
}

std::vector<Plot> plots() {
  namespace R = reference;
  auto m = [](const nn::Module& module) { return module.to_string(); };
  Tensor w = full({1}, 0.25f), beta = full({1}, 1.5f);
  // Maxout with one input, one output and three fixed pieces.
  auto maxout = std::make_shared<nn::Maxout>(1, 1, 3);
  maxout->weight.copy_(tensor({-1.0f, 0.2f, 1.5f}, {3, 1}));
  maxout->bias.copy_(tensor({-1.0f, 0.0f, -2.0f}, {3}));
  auto maxout_ref = [maxout](const Tensor& x) {
    Tensor z = matmul(x.reshape({-1, 1}), transpose(maxout->weight.detach(), 0, 1)) + maxout->bias.detach();
    return max(z, 1);
  };
  return {
      {"relu", m(nn::ReLU()), [](auto& x) { return F::relu(x); }, [](auto& x) { return R::relu(x); }},
      {"leaky_relu", "LeakyReLU(negative_slope=0.1)", [](auto& x) { return F::leaky_relu(x, 0.1f); },
       [](auto& x) { return R::leaky_relu(x, 0.1f); }},
      {"relu6", m(nn::ReLU6()), [](auto& x) { return F::relu6(x); }, [](auto& x) { return R::relu6(x); }},
      {"prelu", "PReLU(num_parameters=1), weight 0.25", [w](auto& x) { return F::prelu(x, w); },
       [w](auto& x) { return R::prelu(x, w); }},
      {"rrelu", "RReLU(lower=0.125, upper=0.33333334) in eval mode", [](auto& x) { return F::rrelu(x); },
       [](auto& x) { return R::rrelu(x); }},
      {"elu", m(nn::ELU()), [](auto& x) { return F::elu(x); }, [](auto& x) { return R::elu(x); }},
      {"selu", m(nn::SELU()), [](auto& x) { return F::selu(x); }, [](auto& x) { return R::selu(x); }},
      {"celu", m(nn::CELU(2.0f)), [](auto& x) { return F::celu(x, 2.0f); },
       [](auto& x) { return R::celu(x, 2.0f); }},
      {"gelu", m(nn::GELU()), [](auto& x) { return F::gelu(x); }, [](auto& x) { return R::gelu(x); }},
      {"gelu_tanh", m(nn::GELU("tanh")), [](auto& x) { return F::gelu(x, "tanh"); },
       [](auto& x) { return R::gelu(x, "tanh"); }},
      {"silu", m(nn::SiLU()), [](auto& x) { return F::silu(x); }, [](auto& x) { return R::silu(x); }},
      {"swish", "Swish(beta=1.5)", [beta](auto& x) { return F::swish(x, beta); },
       [beta](auto& x) { return R::swish(x, beta); }},
      {"mish", m(nn::Mish()), [](auto& x) { return F::mish(x); }, [](auto& x) { return R::mish(x); }},
      {"hardswish", m(nn::Hardswish()), [](auto& x) { return F::hardswish(x); },
       [](auto& x) { return R::hardswish(x); }},
      {"sigmoid", m(nn::Sigmoid()), [](auto& x) { return F::sigmoid(x); },
       [](auto& x) { return R::sigmoid(x); }},
      {"hardsigmoid", m(nn::Hardsigmoid()), [](auto& x) { return F::hardsigmoid(x); },
       [](auto& x) { return R::hardsigmoid(x); }},
      {"hardsigmoid_tutorial", m(nn::Hardsigmoid(1, 2)), [](auto& x) { return F::hardsigmoid(x, 1, 2); },
       [](auto& x) { return R::hardsigmoid(x, 1, 2); }},
      {"logsigmoid", m(nn::LogSigmoid()), [](auto& x) { return F::logsigmoid(x); },
       [](auto& x) { return R::logsigmoid(x); }},
      {"tanh", m(nn::Tanh()), [](auto& x) { return F::tanh(x); }, [](auto& x) { return R::tanh(x); }},
      {"hardtanh", m(nn::Hardtanh()), [](auto& x) { return F::hardtanh(x); },
       [](auto& x) { return R::hardtanh(x); }},
      {"softplus", m(nn::Softplus(2.0f, 10.0f)), [](auto& x) { return F::softplus(x, 2.0f, 10.0f); },
       [](auto& x) { return R::softplus(x, 2.0f, 10.0f); }},
      {"softsign", m(nn::Softsign()), [](auto& x) { return F::softsign(x); },
       [](auto& x) { return R::softsign(x); }},
      {"tanhshrink", m(nn::Tanhshrink()), [](auto& x) { return F::tanhshrink(x); },
       [](auto& x) { return R::tanhshrink(x); }},
      {"hardshrink", m(nn::Hardshrink(1.0f)), [](auto& x) { return F::hardshrink(x, 1.0f); },
       [](auto& x) { return R::hardshrink(x, 1.0f); }},
      {"softshrink", m(nn::Softshrink(1.0f)), [](auto& x) { return F::softshrink(x, 1.0f); },
       [](auto& x) { return R::softshrink(x, 1.0f); }},
      {"threshold", m(nn::Threshold(1.0f, -0.5f)), [](auto& x) { return F::threshold(x, 1.0f, -0.5f); },
       [](auto& x) { return R::threshold(x, 1.0f, -0.5f); }},
      {"glu", "GLU(dim=-1) on [x, x]", glu_twice(F::glu), glu_twice(R::glu)},
      {"softmax", "Softmax(dim=1) of [x, 0], component 0", on_pair(F::softmax), on_pair(R::softmax)},
      {"log_softmax", "LogSoftmax(dim=1) of [x, 0], component 0", on_pair(F::log_softmax),
       on_pair(R::log_softmax)},
      {"softmin", "Softmin(dim=1) of [x, 0], component 0", on_pair(F::softmin), on_pair(R::softmin)},
      {"maxout", "Maxout(1, 1, pieces=3): max(-x - 1, 0.2x, 1.5x - 2)",
       [maxout](auto& x) {
         return (*maxout)(x.reshape({-1, 1})).reshape({-1});
       },
       [maxout_ref](auto& x) { return maxout_ref(x); }},
  };
}

struct Curve {
  std::vector<float> y, dy, d2y;  // d2y: empty unless asked for
};

// y, dy/dx and (when second) d²y/dx² of f at every x. Each y[i] depends on x[i]
// alone, so a gradient with ones is the elementwise derivative.
Curve curve(const Fn& f, const Tensor& xs, bool second) {
  Tensor x = xs.detach().clone().requires_grad_();
  Tensor y = f(x);
  if (!second) {
    y.backward(ones_like(y));
    return {y.to_vector(), x.grad().to_vector(), {}};
  }
  Tensor dy = autograd::grad({y}, {x}, {ones_like(y)}, std::nullopt, /*create_graph=*/true)[0];
  Tensor d2y = dy.requires_grad() ? autograd::grad({dy}, {x}, {ones_like(dy)}, std::nullopt, false, true)[0]
                                  : Tensor();
  return {y.to_vector(), dy.to_vector(),
          d2y.defined() ? d2y.to_vector() : std::vector<float>(y.numel(), 0.0f)};
}

// Plots columns 2..5 of `data`: the function and its derivative, fused and reference
// (and columns 6..7, the second derivative, when there).
std::string gnuplot_script(const Plot& p, const fs::path& data, const fs::path& out, float range, bool svg,
                           bool second) {
  std::string s;
  s += svg ? "set terminal svg size 560,400 font 'sans,11' background rgb 'white'\n"
           : "set terminal pngcairo size 560,400 font 'sans,10'\n";
  s += "set output '" + (out / (p.file + (svg ? ".svg" : ".png"))).string() + "'\n";
  s += "set title \"" + p.title + "\" noenhanced\n";
  s += "set grid lc rgb '#dddddd'\nset key below horizontal\nset xzeroaxis lt -1\nset yzeroaxis lt -1\n";
  s += "set xlabel 'x'\nset offsets 0, 0, 0.2, 0.2\n";
  s += "set xrange [" + std::to_string(-range) + ":" + std::to_string(range) + "]\n";
  const std::string d = "'" + data.string() + "'";
  s += "plot " + d + " using 1:2 with lines lw 3 lc rgb '#1f77b4' title 'f (fused)', \\\n";
  s += "  " + d + " using 1:3 with lines lw 1.5 dt 2 lc rgb '#ff7f0e' title 'f (reference)', \\\n";
  s += "  " + d + " using 1:4 with lines lw 3 lc rgb '#2ca02c' title \"f' (fused)\", \\\n";
  s += "  " + d + " using 1:5 with lines lw 1.5 dt 2 lc rgb '#d62728' title \"f' (reference)\"";
  if (second) {
    s += ", \\\n  " + d + " using 1:6 with lines lw 3 lc rgb '#9467bd' title \"f'' (fused)\", \\\n";
    s += "  " + d + " using 1:7 with lines lw 1.5 dt 2 lc rgb '#8c564b' title \"f'' (reference)\"";
  }
  return s + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "plot_activations: every activation and its derivative, fused kernel vs reference formula (gnuplot)"};
  std::string out_dir = "plots/activations";
  float range = 5.0f;
  int64_t points = 801;
  app.add_option("--out", out_dir, "folder for the .dat, .gp, .png and .svg files")->capture_default_str();
  app.add_option("--range", range, "plot x over [-range, range]")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--points", points, "samples per curve")
      ->capture_default_str()
      ->check(CLI::Range(2, 100000));
  bool second = false;
  app.add_flag("--second", second, "also draw f'' (autograd of the recorded first derivative)");
  bool overlays = false;
  app.add_flag("--overlays", overlays,
               "also draw the tutorial's overlays: softplus vs ReLU, exact vs tanh GELU, its HardSigmoid vs "
               "PyTorch's, RReLU training vs evaluation (overlay_*.png/.svg)");
  CLI11_PARSE(app, argc, argv);

  fs::path out(out_dir);
  fs::create_directories(out);
  Tensor xs = linspace(-range, range, points);
  int failures = 0;
  for (const Plot& p : plots()) {
    Curve fused = curve(p.fused, xs, second), ref = curve(p.reference, xs, second);
    fs::path data = out / (p.file + ".dat");
    {
      std::ofstream f(data);
      f << "# x  f_fused  f_reference  df_fused  df_reference" << (second ? "  d2f_fused  d2f_reference" : "")
        << "   (" << p.title << ")\n";
      for (int64_t i = 0; i < points; ++i) {
        f << xs.data()[i] << ' ' << fused.y[i] << ' ' << ref.y[i] << ' ' << fused.dy[i] << ' ' << ref.dy[i];
        if (second) f << ' ' << fused.d2y[i] << ' ' << ref.d2y[i];
        f << '\n';
      }
    }
    std::string script = gnuplot_script(p, data, out, range, false, second) +
                         gnuplot_script(p, data, out, range, true, second);
    std::ofstream(out / (p.file + ".gp")) << script;
    FILE* gp = popen("gnuplot", "w");
    if (!gp) {
      std::cerr << "plot_activations: cannot run gnuplot (install gnuplot-nox)\n";
      return 1;
    }
    std::fputs(script.c_str(), gp);
    if (pclose(gp) != 0) {
      std::cerr << "plot_activations: gnuplot failed on " << p.file << "\n";
      ++failures;
      continue;
    }
    std::cout << (out / (p.file + ".png")).string() << "  " << p.title << "\n";
  }
  if (overlays)
    for (const support::Overlay& o : support::tutorial_overlays(range, points)) {
      if (!support::draw_overlay(o, out, range)) {
        ++failures;
        continue;
      }
      std::cout << (out / (o.file + ".png")).string() << "  " << o.title << "\n";
    }
  return failures == 0 ? 0 : 1;
}
