// The figures of the depth study (depth_study.h), drawn by gnuplot as PNG and
// SVG from data files left next to them:
//   <task>_depth_accuracy   test accuracy (or MSE) against depth, a panel per normalisation
//   <task>_depth_spread     std of each hidden layer's outputs against the layer, at the
//                           deepest depth: at initialisation (top row) and after training
//                           (bottom row), a panel per normalisation
//   <task>_depth_gradients  the same for the gradient norm ‖∂L/∂W‖ of each layer
// One line per activation, seed means; each figure's legend has a panel of its own.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "comparison_plots.h"
#include "depth_study.h"
#include "gnuplot.h"

namespace support {

namespace detail {

/// Whether a line through `values` has a point to draw (finite, and positive on a log scale).
inline bool drawable(const std::vector<double>& values, bool log) {
  return std::any_of(values.begin(), values.end(),
                     [&](double v) { return std::isfinite(v) && (!log || v > 0); });
}

/// One panel per normalisation: for each activation, `column` of block (norm, activation)
/// of `file` against column 1, when `values(activation, norm)` has something to draw.
template <class Values>
std::string norm_panels(const std::string& file, const StudyAxes& axes, const std::string& title,
                        const std::string& column, bool log, Values values) {
  std::string s;
  for (size_t n = 0; n < axes.norms.size(); ++n) {
    s += "set title " + gnuplot_quote(title + ", norm: " + axes.norms[n]) + "\n";
    std::string plot;
    for (size_t a = 0; a < axes.activations.size(); ++a)
      if (drawable(values(axes.activations[a], axes.norms[n]), log))
        plot += std::string(plot.empty() ? "plot " : ", ") + gnuplot_quote(file) + " index " +
                std::to_string(n * axes.activations.size() + a) + " using 1:" + column +
                " with linespoints pt 7 ps 0.4 " + line_style(a) + " notitle";
    s += plot.empty() ? empty_plot() : plot + "\n";
  }
  return s;
}

}  // namespace detail

/// Writes the data files and the figures of one task's study into `out`.
inline void plot_depth_study(const Task& task, const StudyRuns& study, const std::string& out) {
  using namespace detail;
  const StudyAxes axes = study_axes(study);
  if (axes.depths.empty()) return;
  const std::string stem = (std::filesystem::path(out) / task.name).string();
  const bool cls = task.classification();
  const double scale = cls ? 100 : 1;
  auto summary = [&](const std::string& a, const std::string& n, int64_t d) {
    const StudyCell* c = find_cell(study, a, n, d);
    return c ? summarize_cell(*c) : CellSummary{};
  };

  // Test metric against depth: block (norm, activation), rows "depth mean std diverged".
  const std::string by_depth = stem + "_depth.dat";
  {
    std::ofstream dat(by_depth);
    for (const auto& n : axes.norms)
      for (const auto& a : axes.activations) {
        dat << "# " << n << ' ' << a << "\n";
        for (int64_t d : axes.depths) {
          const CellSummary s = summary(a, n, d);
          dat << d << ' ' << scale * s.metric.mean << ' ' << scale * s.metric.std << ' ' << s.diverged
              << '\n';
        }
        dat << "\n\n";
      }
  }
  auto metric_by_depth = [&](const std::string& a, const std::string& n) {
    std::vector<double> v;
    for (int64_t d : axes.depths) v.push_back(summary(a, n, d).metric.mean);
    return v;
  };
  const int cols = static_cast<int>(axes.norms.size()) + 1;
  std::string xtics;
  for (int64_t d : axes.depths) xtics += (xtics.empty() ? "" : ", ") + std::to_string(d);
  const std::string metric = cls ? "test accuracy (%)" : "test MSE";
  plot_png_and_svg(stem + "_depth_accuracy", 330 * cols, 380,
                   "set grid\nunset key\nset logscale x 2\nset xtics (" + xtics +
                       ")\nset xlabel 'hidden layers'\n" + "set ylabel '" + metric + "'\n" +
                       (cls ? "set yrange [0:100]\n" : "set logscale y\n") + "set multiplot layout 1," +
                       std::to_string(cols) + " title " +
                       gnuplot_quote(task.name + ": " + metric +
                                     " against depth (mean over seeds; a "
                                     "missing point: every seed diverged)") +
                       "\n" + norm_panels(by_depth, axes, task.name, "2", !cls, metric_by_depth) +
                       legend_panel(axes.activations) + "unset multiplot\n");

  // By layer at the deepest depth: block (norm, activation), rows
  // "layer std_init std_trained grad_init grad_trained".
  const int64_t deepest = *std::max_element(axes.depths.begin(), axes.depths.end());
  const std::string by_layer = stem + "_depth_layers.dat";
  {
    std::ofstream dat(by_layer);
    for (const auto& n : axes.norms)
      for (const auto& a : axes.activations) {
        const CellSummary s = summary(a, n, deepest);
        dat << "# " << n << ' ' << a << " depth " << deepest << "\n";
        for (size_t l = 0; l < s.init_std.size(); ++l) {
          auto at = [&](const std::vector<double>& v) { return l < v.size() ? v[l] : NAN; };
          dat << l + 1 << ' ' << at(s.init_std) << ' ' << at(s.trained_std) << ' ' << at(s.init_grad) << ' '
              << at(s.trained_grad) << '\n';
        }
        if (s.init_std.empty()) dat << "1 nan nan nan nan\n";  // keeps the block indices in step
        dat << "\n\n";
      }
  }
  auto layer_figure = [&](const std::string& name, const std::string& what, int init_column,
                          std::vector<double> CellSummary::*init, std::vector<double> CellSummary::*trained) {
    auto values = [&](std::vector<double> CellSummary::*field) {
      return [&, field](const std::string& a, const std::string& n) { return summary(a, n, deepest).*field; };
    };
    // One y range for all panels, so that the normalisations compare at a glance.
    double low = INFINITY, high = 0;
    for (const auto& n : axes.norms)
      for (const auto& a : axes.activations) {
        const CellSummary s = summary(a, n, deepest);
        for (auto field : {init, trained})
          for (double v : s.*field)
            if (std::isfinite(v) && v > 0) low = std::min(low, v), high = std::max(high, v);
      }
    const std::string yrange =
        high > 0 ? "set yrange [" + fmt("%g", low / 1.5) + ":" + fmt("%g", high * 1.5) + "]\n" : "";
    const std::string xtics = deepest <= 10 ? "set xtics 1\n" : "";  // no ticks between layers
    const std::string axes_settings =
        "set grid\nset logscale y\nset format y '%g'\nset tics font ',8'\n"
        "set xlabel 'hidden layer'\n" +
        xtics + yrange;
    plot_png_and_svg(
        stem + name, 330 * cols, 620,
        "unset key\n" + axes_settings + "set multiplot layout 2," + std::to_string(cols) + " title " +
            gnuplot_quote(
                task.name + ": " + what + " by layer, " + std::to_string(deepest) +
                " hidden layers (mean over seeds; top: at initialisation, bottom: after training)") +
            "\n" + norm_panels(by_layer, axes, "at init", std::to_string(init_column), true, values(init)) +
            legend_panel(axes.activations) + axes_settings +
            norm_panels(by_layer, axes, "trained", std::to_string(init_column + 1), true, values(trained)) +
            "unset multiplot\n");
  };
  layer_figure("_depth_spread", "std of the layer's outputs", 2, &CellSummary::init_std,
               &CellSummary::trained_std);
  layer_figure("_depth_gradients", "gradient norm ‖∂L/∂W‖", 4, &CellSummary::init_grad,
               &CellSummary::trained_grad);
}

}  // namespace support
