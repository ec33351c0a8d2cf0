// The depth study of compare_activations (--study depth): the same MLP with
// each activation, each normalisation (none, batch, layer) and each depth,
// over seeds. Its records — a cell per activation × normalisation × depth —
// the summary of a cell over its seeds, and the Markdown it writes: test
// accuracy by depth, then every cell's spread of the hidden layers' outputs and
// gradient norm by layer, at initialisation and after training, with the
// diverged runs counted. Figures are in depth_study_plots.h; nothing here trains.
#pragma once

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "comparison.h"
#include "comparison_table.h"

namespace support {

/// Every seed of one activation and normalisation (in each Run) at one depth.
struct StudyCell {
  int64_t depth = 0;
  std::vector<Run> seeds;
};

/// Every cell of one task.
using StudyRuns = std::vector<StudyCell>;

/// A cell's seeds, summarised: the metric over the runs that did not diverge, and per
/// hidden layer the seed means of the spread (std of the outputs on the probe) and the
/// gradient norm, as initialised (every run) and after the last epoch (runs that did not diverge).
struct CellSummary {
  Summary metric;
  int runs = 0, diverged = 0;
  std::vector<double> init_std, trained_std, init_grad, trained_grad;
};

namespace detail {

/// The seed mean of `field` for each hidden layer of `epochs` (one per run).
inline std::vector<double> layer_means(const std::vector<const EpochStats*>& epochs,
                                       double LayerHealth::*field) {
  size_t layers = 0;
  for (const EpochStats* e : epochs) layers = std::max(layers, e->layers.size());
  std::vector<double> means;
  for (size_t l = 0; l < layers; ++l) {
    std::vector<double> v;
    for (const EpochStats* e : epochs)
      if (l < e->layers.size()) v.push_back(e->layers[l].*field);
    means.push_back(summarize(v).mean);
  }
  return means;
}

}  // namespace detail

inline CellSummary summarize_cell(const StudyCell& cell) {
  CellSummary s;
  std::vector<const EpochStats*> init, trained;
  std::vector<double> metric;
  for (const Run& r : cell.seeds) {
    if (r.epochs.empty()) continue;
    ++s.runs;
    init.push_back(&r.epochs.front());
    if (r.diverged) {  // its last measurement says nothing about the activation any more
      ++s.diverged;
      continue;
    }
    if (r.epochs.size() < 2) continue;
    trained.push_back(&r.epochs.back());
    metric.push_back(r.epochs.back().test_metric);
  }
  s.metric = summarize(metric);
  s.init_std = detail::layer_means(init, &LayerHealth::std);
  s.init_grad = detail::layer_means(init, &LayerHealth::grad_norm);
  s.trained_std = detail::layer_means(trained, &LayerHealth::std);
  s.trained_grad = detail::layer_means(trained, &LayerHealth::grad_norm);
  return s;
}

/// The activations, normalisations and depths of a study, each in the order first met.
struct StudyAxes {
  std::vector<std::string> activations, norms;
  std::vector<int64_t> depths;
};

inline StudyAxes study_axes(const StudyRuns& study) {
  StudyAxes axes;
  auto add = [](auto& list, const auto& value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  };
  for (const StudyCell& c : study) {
    if (c.seeds.empty()) continue;
    add(axes.activations, c.seeds.front().activation);
    add(axes.norms, c.seeds.front().norm);
    add(axes.depths, c.depth);
  }
  return axes;
}

/// The cell of an activation, normalisation and depth; nullptr when the study has none.
inline const StudyCell* find_cell(const StudyRuns& study, const std::string& activation,
                                  const std::string& norm, int64_t depth) {
  for (const StudyCell& c : study)
    if (!c.seeds.empty() && c.depth == depth && c.seeds.front().activation == activation &&
        c.seeds.front().norm == norm)
      return &c;
  return nullptr;
}

/// The hidden layers a table shows of `layers`: the first, the middle one and the last (1-based).
inline std::vector<size_t> shown_layers(size_t layers) {
  std::vector<size_t> shown;
  for (size_t l : {size_t{1}, layers / 2, layers})
    if (l >= 1 && l <= layers && std::find(shown.begin(), shown.end(), l) == shown.end()) shown.push_back(l);
  return shown;
}

namespace detail {

/// "0.57 → 0.80 → 0.88": `values` at shown_layers, or "—".
inline std::string at_shown_layers(const std::vector<double>& values, const char* f) {
  std::string out;
  for (size_t l : shown_layers(values.size())) out += (out.empty() ? "" : " → ") + fmt(f, values[l - 1]);
  return out.empty() ? "—" : out;
}

/// "85.1 ± 0.3", "84.0 ± 1.2 (**1/3 diverged**)", or "**3/3 diverged**".
inline std::string metric_cell(const Task& task, const CellSummary& s) {
  std::string text = s.metric.n == 0 ? ""
                     : task.classification()
                         ? fmt("%.1f", 100 * s.metric.mean) + " ± " + fmt("%.1f", 100 * s.metric.std)
                         : fmt("%.3g", s.metric.mean) + " ± " + fmt("%.2g", s.metric.std);
  if (s.diverged == 0) return text.empty() ? "—" : text;
  const std::string diverged =
      "**" + std::to_string(s.diverged) + "/" + std::to_string(s.runs) + " diverged**";
  return text.empty() ? diverged : text + " (" + diverged + ")";
}

}  // namespace detail

/// The section of results.md for one task: test accuracy (or MSE) by depth, one row per
/// activation and a column per normalisation and depth; then a row per cell with the layers'
/// spread and gradient norm. `recipe` describes the network and optimizer.
inline std::string depth_study_tables(const Task& task, const StudyRuns& study, const std::string& recipe) {
  const StudyAxes axes = study_axes(study);
  const std::string metric = task.classification() ? "test accuracy (%)" : "test MSE";
  std::ostringstream md;
  md << "## " << task.name << "\n\n"
     << task.data.train.size() << " training / " << task.data.test.size() << " test samples; " << recipe
     << ", lr " << task.lr << ", " << task.epochs << " epochs.\n\n### " << metric
     << " by depth (mean ± std over the seeds that did not diverge)\n\n| activation |";
  for (const auto& n : axes.norms)
    for (int64_t d : axes.depths) md << ' ' << n << ' ' << d << " |";
  md << "\n|---|";
  for (size_t i = 0; i < axes.norms.size() * axes.depths.size(); ++i) md << "---|";
  md << '\n';
  for (const auto& a : axes.activations) {
    md << "| " << a << " |";
    for (const auto& n : axes.norms)
      for (int64_t d : axes.depths) {
        const StudyCell* c = find_cell(study, a, n, d);
        md << ' ' << (c ? detail::metric_cell(task, summarize_cell(*c)) : "—") << " |";
      }
    md << '\n';
  }
  md << "\n### Spread and gradient norm by layer (first → middle → last hidden layer)\n\n"
     << "| activation | norm | depth | " << metric
     << " | std at init | std trained | grad norm at init | grad norm trained |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  for (int64_t d : axes.depths)
    for (const auto& n : axes.norms)
      for (const auto& a : axes.activations) {
        const StudyCell* c = find_cell(study, a, n, d);
        if (!c) continue;
        const CellSummary s = summarize_cell(*c);
        md << "| " << a << " | " << n << " | " << d << " | " << detail::metric_cell(task, s) << " | "
           << detail::at_shown_layers(s.init_std, "%.2g") << " | "
           << detail::at_shown_layers(s.trained_std, "%.2g") << " | "
           << detail::at_shown_layers(s.init_grad, "%.2g") << " | "
           << detail::at_shown_layers(s.trained_grad, "%.2g") << " |\n";
      }
  return md.str();
}

}  // namespace support
