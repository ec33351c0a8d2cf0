// The overlays the activation tutorial draws, drawn by ember (plot_activations
// --overlays): softplus against ReLU, the exact GELU against its tanh form,
// the tutorial's HardSigmoid against PyTorch's, and RReLU's training-mode
// scatter against its evaluation line. Each is one figure of several curves
// over the same x, written as <file>.dat (the numbers), <file>.gp (the gnuplot
// commands) and <file>.png / .svg. The gallery (one activation, fused against
// reference) is plot_activations' own; this file only knows the overlays.
#pragma once

#include <ember.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gnuplot.h"

namespace support {

struct OverlayCurve {
  std::string title;
  std::vector<float> y;
  std::string style;  // gnuplot's "with …" clause
};

struct Overlay {
  std::string file;   // file name without extension
  std::string title;  // the figure's title
  std::vector<float> x;
  std::vector<OverlayCurve> curves;
  std::string settings = "";  // extra gnuplot settings (a second y axis)
};

namespace overlay_style {
inline const std::string first = "with lines lw 3 lc rgb '#1f77b4'";
inline const std::string second = "with lines lw 2 dt 2 lc rgb '#ff7f0e'";
inline const std::string bound = "with lines lw 1.5 dt 2 lc rgb '#555555'";
inline const std::string scatter = "with points pt 7 ps 0.35 lc rgb '#d62728'";
inline const std::string right_axis = "axes x1y2 with lines lw 1 lc rgb '#2ca02c'";
}  // namespace overlay_style

/// The tutorial's four overlays over [-range, range], `points` samples each.
/// RReLU's scatter is one training-mode forward: a slope drawn per point.
inline std::vector<Overlay> tutorial_overlays(float range, int64_t points) {
  using namespace ember;
  namespace S = overlay_style;
  NoGradGuard no_grad;
  Tensor x = linspace(-range, range, points);
  auto values = [](const Tensor& t) { return t.to_vector(); };
  const float lower = 0.1f, upper = 0.3f;  // the tutorial's nn.RReLU(0.1, 0.3)
  nn::RReLU rrelu(lower, upper);           // training mode, a module's default
  const std::vector<float> training = values(rrelu(x));
  rrelu.eval();
  const std::vector<float> evaluation = values(rrelu(x));
  Tensor exact = F::gelu(x), approximate = F::gelu(x, "tanh");
  return {
      {"overlay_softplus_relu",
       "Softplus() against ReLU(): a smooth ReLU, log 2 above it at 0",
       values(x),
       {{"softplus(x) = log(1 + exp(x))", values(F::softplus(x)), S::first},
        {"relu(x) = max(0, x)", values(F::relu(x)), S::second}}},
      {"overlay_gelu_tanh",
       "GELU(): exact x·Φ(x) against the tanh form (the tutorial's)",
       values(x),
       {{"exact: x/2·(1 + erf(x/√2))", values(exact), S::first},
        {"tanh form: x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))", values(approximate), S::second},
        {"tanh form − exact (right axis)", values(approximate - exact), S::right_axis}},
       "set y2tics\nset ytics nomirror\nset format y2 '%.0e'\n"},
      {"overlay_hardsigmoid",
       "Hardsigmoid: the tutorial's (bias 1, divisor 2) against PyTorch's",
       values(x),
       {{"Hardsigmoid(1, 2): the tutorial's", values(F::hardsigmoid(x, 1, 2)), S::first},
        {"Hardsigmoid(): PyTorch's", values(F::hardsigmoid(x)), S::second}}},
      {"overlay_rrelu",
       "RReLU(0.1, 0.3): training draws a slope per element; evaluation uses their mean",
       values(x),
       {{"training: one forward, a slope from U(0.1, 0.3) per point", training, S::scatter},
        {"evaluation: slope (0.1 + 0.3)/2 = 0.2", evaluation, S::first},
        {"0.1·x and 0.3·x", values(F::leaky_relu(x, lower)), S::bound},
        {"", values(F::leaky_relu(x, upper)), S::bound}}},
  };
}

/// Writes <out>/<file>.dat and .gp and draws .png and .svg; false when gnuplot failed.
inline bool draw_overlay(const Overlay& o, const std::filesystem::path& out, float range) {
  const std::filesystem::path data = out / (o.file + ".dat");
  {
    std::ofstream f(data);
    f << "# x";
    for (const OverlayCurve& c : o.curves) f << "  '" << (c.title.empty() ? "(unnamed)" : c.title) << "'";
    f << "   (" << o.title << ")\n";
    for (size_t i = 0; i < o.x.size(); ++i) {
      f << o.x[i];
      for (const OverlayCurve& c : o.curves) f << ' ' << c.y[i];
      f << '\n';
    }
  }
  std::string body = "set title " + gnuplot_quote(o.title) + "\n";
  body += "set grid lc rgb '#dddddd'\nset key below vertical\nset xzeroaxis lt -1\nset yzeroaxis lt -1\n";
  body += "set xlabel 'x'\nset offsets 0, 0, 0.1, 0.1\nset xrange [" + std::to_string(-range) + ":" +
          std::to_string(range) + "]\n";
  body += o.settings + "plot ";
  for (size_t i = 0; i < o.curves.size(); ++i) {
    const OverlayCurve& c = o.curves[i];
    body += (i ? ", \\\n  " : "") + gnuplot_quote(data.string()) + " using 1:" + std::to_string(i + 2) + " " +
            c.style + (c.title.empty() ? " notitle" : " title " + gnuplot_quote(c.title));
  }
  std::ofstream(out / (o.file + ".gp")) << body << "\n";
  return plot_png_and_svg((out / o.file).string(), 560, 420, body);
}

}  // namespace support
