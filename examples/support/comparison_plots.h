// The figures of an activation comparison, drawn by gnuplot as PNG and SVG
// from data files left next to them (so anyone can re-plot):
//   <task>_curves     test accuracy (or MSE) per epoch, one line per activation
//   <task>_health     dead and saturated units, spread of the first and last layer
//   <task>_gradients  gradient norm of every layer over training, one panel per activation
//   <task>_spread     std of every layer's outputs over training, one panel per activation
//   <task>_learned    PReLU's slope and Swish's β of every layer over training
//   <task>_boundaries 2-D tasks: the decision regions, one panel per activation
//   <task>_fits       regression: the fitted curves over the data
// Per-epoch values are means over seeds; the pictures come from each
// activation's first seed.
#pragma once

#include <ember.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "comparison.h"
#include "gnuplot.h"

namespace support {

// --- what a model draws -------------------------------------------------------------

/// 2-D tasks: the predicted class on a picture_side² grid over [-extent, extent]²;
/// regression: y on curve_points points of [-curve_extent, curve_extent].
inline constexpr int picture_side = 120, curve_points = 200;
inline constexpr float picture_extent = 1.6f, curve_extent = 1.2f;

inline float grid_coordinate(int i, int n, float extent) {
  return -extent + 2 * extent * (static_cast<float>(i) + 0.5f) / static_cast<float>(n);
}

/// The model's decision regions (2-D classification) or fitted curve (regression); empty otherwise.
inline std::vector<float> model_picture(ember::nn::Module& model, const Task& task) {
  using namespace ember;
  NoGradGuard no_grad;
  model.eval();
  if (task.planar()) {
    std::vector<float> xy;
    for (int r = 0; r < picture_side; ++r)
      for (int c = 0; c < picture_side; ++c)
        xy.insert(xy.end(), {grid_coordinate(c, picture_side, picture_extent),
                             grid_coordinate(r, picture_side, picture_extent)});
    return model(tensor(xy, {picture_side * picture_side, 2})).argmax(1).to_vector();
  }
  if (!task.classification() && task.data.train.num_features() == 1)
    return model(linspace(-curve_extent, curve_extent, curve_points).reshape({-1, 1})).to_vector();
  return {};
}

// --- data files -----------------------------------------------------------------------

namespace detail {

/// One block per activation (gnuplot's `index i`), one line per epoch (0: as initialised), the seed means of:
///   1 epoch, 2 test metric (% for accuracy), 3 dead %, 4 saturated %,
///   then per hidden layer l = 0…L-1: 5+3l mean, 6+3l std, 7+3l grad norm,
///   then 5+3L+l: learned parameter of layer l (NaN when the activation learns none).
inline int std_column(size_t l) { return 6 + 3 * static_cast<int>(l); }
inline int grad_column(size_t l) { return 7 + 3 * static_cast<int>(l); }
inline int learned_column(size_t l, size_t layers) {
  return 5 + 3 * static_cast<int>(layers) + static_cast<int>(l);
}

/// The mean over hidden layers of one health field; NaN without hidden layers.
inline double layer_mean(const EpochStats& e, double LayerHealth::*field) {
  double sum = 0;
  for (const auto& h : e.layers) sum += h.*field;
  return e.layers.empty() ? NAN : sum / static_cast<double>(e.layers.size());
}

inline void write_series(const Task& task, const TaskRuns& runs, size_t layers, const std::string& path) {
  std::ofstream out(path);
  const double scale = task.classification() ? 100 : 1;
  for (const auto& seeds : runs) {
    out << "# " << seeds.front().label() << "\n";
    size_t epochs = 0;
    for (const Run& r : seeds) epochs = std::max(epochs, r.epochs.size());
    for (size_t e = 0; e < epochs; ++e) {
      auto mean = [&](auto value) { return mean_at_epoch(seeds, e, value); };
      out << e << ' ' << mean([&](const EpochStats& s) { return scale * s.test_metric; }) << ' '
          << mean([](const EpochStats& s) { return 100 * layer_mean(s, &LayerHealth::dead); }) << ' '
          << mean([](const EpochStats& s) { return 100 * layer_mean(s, &LayerHealth::saturated); });
      for (size_t l = 0; l < layers; ++l)
        out << ' ' << mean([&](const EpochStats& s) { return s.layers.at(l).mean; }) << ' '
            << mean([&](const EpochStats& s) { return s.layers.at(l).std; }) << ' '
            << mean([&](const EpochStats& s) { return s.layers.at(l).grad_norm; });
      for (size_t l = 0; l < layers; ++l)
        out << ' ' << mean([&](const EpochStats& s) { return l < s.learned.size() ? s.learned[l] : NAN; });
      out << '\n';
    }
    if (epochs == 0) {  // no measurement: a block of NaN keeps the indices in step
      out << 0;
      for (size_t c = 0; c < 3 + 4 * layers; ++c) out << " nan";
      out << '\n';
    }
    out << "\n\n";
  }
}

/// The first seed's picture of every activation, one block each; then the training points.
inline void write_pictures(const Task& task, const TaskRuns& runs, const std::string& pictures,
                           const std::string& points) {
  std::ofstream pic(pictures);
  for (const auto& seeds : runs) {
    const Run& r = seeds.front();
    pic << "# " << r.label() << "\n";
    if (r.picture.empty()) pic << "0 0\n";    // a diverged run: a placeholder, never drawn
    if (task.planar() && !r.picture.empty())  // a matrix of classes, row r at y = grid_coordinate(r)
      for (int row = 0; row < picture_side; ++row) {
        for (int c = 0; c < picture_side; ++c) pic << (c ? " " : "") << r.picture[row * picture_side + c];
        pic << '\n';
      }
    if (!task.classification())
      for (size_t i = 0; i < r.picture.size(); ++i)
        pic << -curve_extent + 2 * curve_extent * static_cast<float>(i) / (curve_points - 1) << ' '
            << r.picture[i] << '\n';
    pic << "\n\n";
  }
  std::ofstream out(points);
  const auto& d = task.data.train;
  const int64_t features = d.num_features(), per_target = d.targets.numel() / std::max<int64_t>(1, d.size());
  for (int64_t i = 0; i < d.size(); ++i) {
    for (int64_t f = 0; f < features; ++f) out << d.inputs.data()[i * features + f] << ' ';
    out << d.targets.data()[i * per_target] << '\n';
  }
}

// Line styles: twelve colours, solid for the first twelve activations and dashed after.
inline const char* line_colour(size_t i) {
  static const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                  "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#f4a6c8"};
  return colours[i % 12];
}
inline std::string line_style(size_t i, size_t dash = 0) {
  return std::string("lw 1.6 lc rgb '") + line_colour(i) + "' dt " +
         std::to_string(1 + (dash ? dash : i / 12) % 5);
}

/// A quantity of an epoch, as a line plots it (its seed mean).
using Quantity = std::function<double(const EpochStats&)>;

/// Whether a line of `q` has a point to draw: finite, and positive on a log
/// scale. gnuplot stops a whole figure at a plot none of whose points is
/// defined (all runs diverged, gradients all 0), so such lines are left out.
inline bool drawable(const std::vector<Run>& seeds, const Quantity& q, bool log) {
  for (const Run& r : seeds)
    for (const EpochStats& e : r.epochs)
      if (const double v = q(e); std::isfinite(v) && (!log || v > 0)) return true;
  return false;
}

/// What stands in for a plot with nothing to draw.
inline std::string empty_plot() {
  return "set label 1 'nothing to draw' at graph 0.5, 0.5 center\nplot [0:1] [1:2] 3 notitle\nunset label "
         "1\n";
}

/// `plot` of `column` (a gnuplot using-expression) of every activation's block
/// that `keep` accepts and that has something to draw, titled by activation.
template <class Keep>
std::string plot_activations(const std::string& file, const TaskRuns& runs, const std::string& column,
                             const Quantity& q, bool log, Keep keep) {
  std::string plot;
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string& name = runs[i].front().label();
    if (!keep(runs[i].front().activation) || !drawable(runs[i], q, log)) continue;
    plot += std::string(plot.empty() ? "plot " : ", ") + gnuplot_quote(file) + " index " + std::to_string(i) +
            " using 1:" + column + " with lines " + line_style(i) + " title " + gnuplot_quote(name);
  }
  return plot.empty() ? empty_plot() : plot + "\n";
}
inline std::string plot_activations(const std::string& file, const TaskRuns& runs, const std::string& column,
                                    const Quantity& q, bool log = false) {
  return plot_activations(file, runs, column, q, log, [](const std::string&) { return true; });
}

/// "relu (97.3%)": an activation and its run's final test accuracy or MSE.
inline std::string panel_title(const Task& task, const Run& r) {
  if (r.diverged) return r.label() + " (diverged)";
  if (r.epochs.empty()) return r.label();
  char text[32];
  const double m = r.epochs.back().test_metric;
  std::snprintf(text, sizeof text, task.classification() ? " (%.1f%%)" : " (%.4f)",
                task.classification() ? 100 * m : m);
  return r.label() + text;
}

/// Rows and columns of a grid of n panels, wider than tall.
inline std::pair<int, int> grid_of(size_t n) {
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  return {static_cast<int>((n + cols - 1) / cols), cols};
}

/// A panel of a multiplot that holds only a legend: line i in line_style(i), titled
/// titles[i]. It unsets the axes' settings (the panels after it set theirs again).
inline std::string legend_panel(const std::vector<std::string>& titles, const std::string& key_title = "") {
  std::string s =
      "unset title\nunset border\nunset tics\nunset grid\nunset logscale\nunset xlabel\nunset ylabel\n"
      "set xrange [0:1]\nset yrange [0:1]\nset key center center vertical font ',9'" +
      (key_title.empty() ? "" : " title " + gnuplot_quote(key_title)) + "\nplot ";
  for (size_t i = 0; i < titles.size(); ++i)
    s +=
        std::string(i ? ", " : "") + "NaN with lines " + line_style(i) + " title " + gnuplot_quote(titles[i]);
  return s + "\nset autoscale\nset border\nset tics\nunset key\n";
}

/// One panel per activation, one line per hidden layer: `column(l)` of its
/// block over epochs (`quantity(l)` as measured); the legend gets a panel of
/// its own, so it covers no data.
template <class Column, class LayerQuantity>
std::string per_layer_panels(const std::string& file, const TaskRuns& runs, size_t layers,
                             const std::string& title, Column column, LayerQuantity quantity, bool log) {
  const auto [rows, cols] = grid_of(runs.size() + 1);
  std::string s = "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) + " title " +
                  gnuplot_quote(title) + "\nunset key\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    s += "set title " + gnuplot_quote(runs[i].front().label()) + "\n";
    std::string plot;
    for (size_t l = 0; l < layers; ++l)
      if (drawable(runs[i], quantity(l), log))
        plot += std::string(plot.empty() ? "plot " : ", ") + gnuplot_quote(file) + " index " +
                std::to_string(i) + " using 1:" + std::to_string(column(l)) + " with lines " + line_style(l) +
                " notitle";
    s += plot.empty() ? empty_plot() : plot + "\n";
  }
  std::vector<std::string> titles;
  for (size_t l = 0; l < layers; ++l) titles.push_back("layer " + std::to_string(l + 1));
  return s + legend_panel(titles, "x: epoch") + "unset multiplot\n";
}

}  // namespace detail

// --- the figures ------------------------------------------------------------------------

/// Writes the data files and every figure of one task into `out`.
inline void plot_task(const Task& task, const TaskRuns& runs, const std::string& out) {
  using namespace detail;
  if (runs.empty()) return;
  const std::string stem = (std::filesystem::path(out) / task.name).string();
  size_t layers = 0;
  for (const auto& seeds : runs)
    for (const Run& r : seeds)
      if (!r.epochs.empty()) layers = std::max(layers, r.epochs.front().layers.size());
  const std::string series = stem + "_series.dat";
  write_series(task, runs, layers, series);
  const std::string common = "set grid\nset xlabel 'epoch'\nset key outside right top vertical font ',8'\n";
  const bool cls = task.classification();
  const std::string metric = cls ? "test accuracy (%)" : "test MSE";

  plot_png_and_svg(stem + "_curves", 1000, 560,
                   common + "set ylabel '" + metric + "'\n" + (cls ? "" : "set logscale y\n") + "set title " +
                       gnuplot_quote(task.name + ": " + metric + " per epoch (mean over seeds)") + "\n" +
                       plot_activations(
                           series, runs, "2", [](const EpochStats& e) { return e.test_metric; }, !cls));

  if (layers > 0) {
    const std::string last = std::to_string(layers);
    plot_png_and_svg(
        stem + "_health", 1400, 900,
        common + "set multiplot layout 2,2 title " +
            gnuplot_quote(task.name + ": hidden-layer health (mean over seeds)") + "\n" +
            "set title 'dead units (f'' = 0 on every probe sample), mean over layers'\nset ylabel '%'\n" +
            plot_activations(series, runs, "3",
                             [](const EpochStats& e) { return layer_mean(e, &LayerHealth::dead); }) +
            "set title 'saturated units (|f''| < 0.02 on 90% of the probe), mean over layers'\n" +
            plot_activations(series, runs, "4",
                             [](const EpochStats& e) { return layer_mean(e, &LayerHealth::saturated); }) +
            "set title 'std of layer-" + last +
            " outputs (SELU: near 1 at init with --init lecun)'\nset ylabel 'std'\n" +
            plot_activations(series, runs, std::to_string(std_column(layers - 1)),
                             [&](const EpochStats& e) { return e.layers.at(layers - 1).std; }) +
            "set title 'gradient norm, layer 1 / layer " + last +
            " (< 1: vanishing towards the input)'\nset ylabel 'ratio'\nset logscale y\n" +
            plot_activations(
                series, runs,
                "($" + std::to_string(grad_column(0)) + "/$" + std::to_string(grad_column(layers - 1)) + ")",
                [&](const EpochStats& e) {
                  return e.layers.at(0).grad_norm / e.layers.at(layers - 1).grad_norm;
                },
                true) +
            "unset multiplot\n");
    const auto [rows, cols] = grid_of(runs.size() + 1);
    plot_png_and_svg(
        stem + "_gradients", std::max(260 * cols, 720), 200 * rows,
        "set grid\nset logscale y\nset format y '%.0e'\nset tics font ',7'\n" +
            per_layer_panels(
                series, runs, layers, task.name + ": gradient norm ‖∂L/∂W‖ per layer over epochs",
                [](size_t l) { return grad_column(l); },
                [](size_t l) { return [l](const EpochStats& e) { return e.layers.at(l).grad_norm; }; },
                true));
    plot_png_and_svg(
        stem + "_spread", std::max(260 * cols, 720), 200 * rows,
        "set grid\nset tics font ',7'\n" +
            per_layer_panels(
                series, runs, layers, task.name + ": std of each layer's outputs over epochs",
                [](size_t l) { return std_column(l); },
                [](size_t l) { return [l](const EpochStats& e) { return e.layers.at(l).std; }; }, false));
  }

  auto learns = [](const std::string& a) { return a == "prelu" || a == "swish"; };
  if (std::any_of(runs.begin(), runs.end(), [&](const auto& s) { return learns(s.front().activation); })) {
    std::string plot;
    size_t colour = 0;  // blue for the first, red for the second; one dash per layer
    for (size_t i = 0; i < runs.size(); ++i) {
      if (!learns(runs[i].front().activation)) continue;
      colour += 3;
      for (size_t l = 0; l < layers; ++l)
        if (drawable(
                runs[i], [l](const EpochStats& e) { return l < e.learned.size() ? e.learned[l] : NAN; },
                false))
          plot += std::string(plot.empty() ? "plot " : ", ") + gnuplot_quote(series) + " index " +
                  std::to_string(i) + " using 1:" + std::to_string(learned_column(l, layers)) +
                  " with lines " + line_style(colour - 3, l) + " title " +
                  gnuplot_quote(runs[i].front().label() + " layer " + std::to_string(l + 1));
    }
    plot_png_and_svg(stem + "_learned", 900, 450,
                     common + "set ylabel 'PReLU slope a, Swish β'\nset title " +
                         gnuplot_quote(task.name + ": learned parameters (mean over seeds and channels)") +
                         "\n" + (plot.empty() ? empty_plot() : plot + "\n"));
  }

  const std::string pictures = stem + "_pictures.dat", points = stem + "_points.dat";
  write_pictures(task, runs, pictures, points);
  if (task.planar()) {
    const auto [rows, cols] = grid_of(runs.size());
    const std::string extent = std::to_string(picture_extent);
    std::string s =
        "unset key\nunset colorbox\nset size ratio -1\nset xrange [-" + extent + ":" + extent +
        "]\nset yrange [-" + extent + ":" + extent +
        "]\nset tics scale 0\nset format x ''\nset format y ''\n"
        "set palette maxcolors 5\nset palette defined (0 '#a6cee3', 1 '#fdbf6f', 2 '#b2df8a', "
        "3 '#cab2d6', 4 '#fb9a99')\nset cbrange [-0.5:4.5]\n"
        // cell(i): the centre of matrix cell i; point(c): class c's colour, darker than its region
        "cell(i) = -" +
        extent + " + (i + 0.5) * 2 * " + extent + " / " + std::to_string(picture_side) + "\n" +
        "point(c) = c == 0 ? 0x1f5a8a : c == 1 ? 0xc05f00 : c == 2 ? 0x2a7a2a : c == 3 ? 0x5e3c99 "
        ": 0xb2182b\n"
        "set multiplot layout " +
        std::to_string(rows) + "," + std::to_string(cols) + " title " +
        gnuplot_quote(task.name +
                      ": decision regions of the first seed, training points; test accuracy in brackets") +
        "\n";
    for (size_t i = 0; i < runs.size(); ++i) {
      s += "set title " + gnuplot_quote(panel_title(task, runs[i].front())) + "\nplot ";
      if (!runs[i].front().picture.empty())  // a diverged run shows its points on white
        s += gnuplot_quote(pictures) + " index " + std::to_string(i) +
             " matrix using (cell($1)):(cell($2)):3 with image, ";
      s +=
          gnuplot_quote(points) + " every 3 using 1:2:(point($3)) with points pt 7 ps 0.25 lc rgb variable\n";
    }
    plot_png_and_svg(stem + "_boundaries", std::max(230 * cols, 720), 240 * rows, s + "unset multiplot\n");
  } else if (!cls) {
    const auto [rows, cols] = grid_of(runs.size());
    float low = 0, high = 0;
    for (float y : task.data.train.targets.to_vector()) low = std::min(low, y), high = std::max(high, y);
    const float margin = 0.15f * (high - low);
    std::string s = "unset key\nset grid\nset tics font ',7'\nset xrange [-" + std::to_string(curve_extent) +
                    ":" + std::to_string(curve_extent) + "]\nset yrange [" + std::to_string(low - margin) +
                    ":" + std::to_string(high + margin) + "]\nset multiplot layout " + std::to_string(rows) +
                    "," + std::to_string(cols) + " title " +
                    gnuplot_quote(task.name +
                                  ": fitted curve y(x) of the first seed (line) over the training "
                                  "points (grey); test MSE in brackets") +
                    "\n";
    for (size_t i = 0; i < runs.size(); ++i)
      s += "set title " + gnuplot_quote(panel_title(task, runs[i].front())) + "\nplot " +
           gnuplot_quote(points) + " every 2 using 1:2 with points pt 7 ps 0.2 lc rgb '#bbbbbb', " +
           gnuplot_quote(pictures) + " index " + std::to_string(i) + " using 1:2 with lines lw 2 lc rgb '" +
           line_colour(3) + "'\n";
    plot_png_and_svg(stem + "_fits", std::max(260 * cols, 720), 210 * rows, s + "unset multiplot\n");
  }
}

}  // namespace support
