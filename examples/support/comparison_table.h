// The Markdown table of an activation comparison: one row per activation of a
// task, each cell a summary over seeds — the final test accuracy (or MSE) as
// mean ± std, the best epoch, the epochs to the target, the training time per epoch,
// how many runs diverged, and the hidden layers' health on the last epoch.
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "comparison.h"

namespace support {

/// printf-style formatting of one number.
inline std::string fmt(const char* format, double v) {
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

namespace detail {

/// "12.34 ± 0.56" (scaled), or "—" when no run gave a value.
inline std::string plus_minus(const std::vector<double>& v, const char* f, double scale = 1) {
  const Summary s = summarize(v);
  return s.n == 0 ? "—" : fmt(f, scale * s.mean) + " ± " + fmt(f, scale * s.std);
}

/// Seed means per layer, "layer 1 → … → last", or "—".
inline std::string per_layer(const std::vector<std::vector<double>>& layers, const char* f) {
  std::string out;
  for (const auto& v : layers) out += (out.empty() ? "" : " → ") + fmt(f, summarize(v).mean);
  return out.empty() ? "—" : out;
}

/// One activation's row.
inline std::string table_row(const Task& task, const std::vector<Run>& seeds) {
  std::vector<double> final_metric, best_epoch, to_target, seconds, dead, saturated;
  std::vector<std::vector<double>> init_std_of, mean_of, std_of, grad_of, learned_of;
  int diverged = 0, reached = 0;
  for (const Run& r : seeds) {
    if (r.epochs.size() < 2) continue;  // not one epoch trained
    double total_seconds = 0;
    for (const auto& e : r.epochs) total_seconds += e.seconds;
    seconds.push_back(total_seconds / static_cast<double>(r.epochs.size() - 1));
    init_std_of.resize(r.epochs.front().layers.size());
    for (size_t l = 0; l < r.epochs.front().layers.size(); ++l)
      init_std_of[l].push_back(r.epochs.front().layers[l].std);
    if (r.diverged) {  // its accuracy and health say nothing about the activation any more
      ++diverged;
      continue;
    }
    size_t best = 0, first_reach = 0;
    for (size_t e = 0; e < r.epochs.size(); ++e) {
      if (task.better(r.epochs[e].test_metric, r.epochs[best].test_metric)) best = e;
      if (!first_reach && e > 0 && task.reached(r.epochs[e].test_metric)) first_reach = e;
    }
    const EpochStats& last = r.epochs.back();
    final_metric.push_back(last.test_metric);
    best_epoch.push_back(static_cast<double>(best));
    if (first_reach) to_target.push_back(static_cast<double>(first_reach)), ++reached;
    const size_t layers = last.layers.size();
    double d = 0, s = 0;
    for (auto* v : {&mean_of, &std_of, &grad_of}) v->resize(layers);
    learned_of.resize(last.learned.size());
    for (size_t l = 0; l < layers; ++l) {
      d += last.layers[l].dead / static_cast<double>(layers);
      s += last.layers[l].saturated / static_cast<double>(layers);
      mean_of[l].push_back(last.layers[l].mean);
      std_of[l].push_back(last.layers[l].std);
      grad_of[l].push_back(last.layers[l].grad_norm);
    }
    for (size_t l = 0; l < last.learned.size(); ++l) learned_of[l].push_back(last.learned[l]);
    dead.push_back(100 * d);
    saturated.push_back(100 * s);
  }
  const std::string n = std::to_string(seeds.size());
  std::ostringstream row;
  row << "| " << seeds.front().label() << " | "
      << (task.classification() ? plus_minus(final_metric, "%.2f", 100) : plus_minus(final_metric, "%.3g"))
      << " | " << plus_minus(best_epoch, "%.0f") << " | "
      << (reached ? fmt("%.1f", summarize(to_target).mean) + " (" + std::to_string(reached) + "/" + n + ")"
                  : "not reached")
      << " | " << fmt("%.1f", 1000 * summarize(seconds).mean) << " | "
      << (diverged ? "**" + std::to_string(diverged) + "/" + n + "**" : "no") << " | "
      << plus_minus(dead, "%.1f") << " | " << plus_minus(saturated, "%.1f") << " | "
      << per_layer(init_std_of, "%.2f") << " | " << per_layer(mean_of, "%.2f") << " | "
      << per_layer(std_of, "%.2f") << " | " << per_layer(grad_of, "%.2g") << " | "
      << per_layer(learned_of, "%.3f") << " |\n";
  return row.str();
}

}  // namespace detail

/// The section of results.md for one task; `recipe` describes the network and optimizer.
inline std::string markdown_table(const Task& task, const TaskRuns& runs, const std::string& recipe) {
  const bool cls = task.classification();
  std::ostringstream md;
  md << "## " << task.name << "\n\n"
     << task.data.train.size() << " training / " << task.data.test.size() << " test samples; " << recipe
     << ", lr " << task.lr << ", " << task.epochs << " epochs. Target: "
     << (cls ? "test accuracy ≥ " + fmt("%.1f%%", 100 * task.target) : "test MSE ≤ " + fmt("%g", task.target))
     << ".\n\n"
     << "| activation | " << (cls ? "test accuracy (%)" : "test MSE")
     << " | best epoch | epochs to target (runs) | ms/epoch | diverged | dead units (%) | saturated units "
        "(%) "
        "| std at init (layer 1 → last) | mean (layer 1 → last) | std (layer 1 → last) | grad norm (layer 1 "
        "→ last) "
        "| learned a / β |\n"
     << "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& seeds : runs) md << detail::table_row(task, seeds);
  return md.str();
}

}  // namespace support
