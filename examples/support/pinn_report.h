// What pinn measures and writes: the record of one run (its curves, final
// error and residual, timings, the solution it found), the Markdown table of a
// problem over activations and seeds (printed, and results.md), runs.csv (the
// curves of every run), the figures drawn by gnuplot as PNG and SVG from .dat
// files left next to them —
//   <problem>_loss      the training loss per epoch, one line per activation (first seed)
//   <problem>_error     the relative L2 error on the fine grid per epoch (first seed)
//   <problem>_solution  u(x) against the exact solution, one panel per activation (first seed)
// — and the progress line. Nothing here trains or knows the equations.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gnuplot.h"
#include "progress_bar.h"

namespace support {

/// After an Adam step or an L-BFGS step(): the loss and its two parts; the error where it was measured (NaN
/// between).
struct PinnPoint {
  int64_t epoch = 0;  ///< evaluations of the loss and its gradient so far
  double loss = NAN, residual = NAN, boundary = NAN, error = NAN;
};

struct PinnRun {
  std::string activation;
  uint64_t seed = 0;
  std::vector<PinnPoint> curve;          ///< a point per Adam step, then per L-BFGS step()
  int64_t adam_steps = 0;                ///< the epoch where L-BFGS starts
  double error = NAN;                    ///< ‖u − u*‖ / ‖u*‖ on the fine grid, at the end
  double residual_rms = NAN;             ///< √mean r² on the fine grid, at the end
  int64_t epochs_to_target = -1;         ///< the first measured epoch with error ≤ target; -1: never
  double adam_ms = NAN, lbfgs_ms = NAN;  ///< milliseconds per epoch: Adam step, L-BFGS evaluation
  bool diverged = false;
  std::vector<double> learned;     ///< Swish's β or adaptive tanh's n·a per hidden layer
  std::vector<float> x, u, exact;  ///< the solution on the fine grid
};

/// A problem as the report shows it.
struct PinnProblemInfo {
  std::string name, equation, recipe;
  double target = 1e-3;
};

namespace detail {

inline std::string pinn_fmt(const char* format, double v) {
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

/// Geometric mean ×/÷ geometric std for errors spanning decades; "—" without values.
inline std::string pinn_log_summary(const std::vector<double>& v) {
  std::vector<double> logs;
  for (double x : v)
    if (std::isfinite(x) && x > 0) logs.push_back(std::log10(x));
  if (logs.empty()) return "—";
  double mean = 0, var = 0;
  for (double l : logs) mean += l / static_cast<double>(logs.size());
  for (double l : logs) var += (l - mean) * (l - mean);
  const double sd = logs.size() > 1 ? std::sqrt(var / static_cast<double>(logs.size() - 1)) : 0.0;
  return pinn_fmt("%.2e", std::pow(10, mean)) + " ×/÷ " + pinn_fmt("%.1f", std::pow(10, sd));
}

inline std::string pinn_mean(const std::vector<double>& v, const char* f) {
  double sum = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) sum += x, ++n;
  return n ? pinn_fmt(f, sum / n) : "—";
}

}  // namespace detail

/// The section of results.md for one problem: a row per activation, cells over its seeds.
inline std::string pinn_table(const PinnProblemInfo& p, const std::vector<std::vector<PinnRun>>& runs) {
  std::ostringstream md;
  md << "## " << p.name << "\n\n"
     << p.equation << "\n\n"
     << p.recipe << "\n\n"
     << "| activation | rel. L2 error | best seed | RMS residual | epochs to "
     << detail::pinn_fmt("%g", p.target)
     << " (runs) | ms/epoch Adam | ms/epoch L-BFGS | learned β or n·a (layer 1 → last) |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  for (const auto& seeds : runs) {
    if (seeds.empty()) continue;
    std::vector<double> error, residual, to_target, adam, lbfgs;
    std::vector<std::vector<double>> learned;
    double best = INFINITY;
    int reached = 0, diverged = 0;
    for (const PinnRun& r : seeds) {
      adam.push_back(r.adam_ms), lbfgs.push_back(r.lbfgs_ms);
      if (r.diverged) {
        ++diverged;
        continue;
      }
      error.push_back(r.error), residual.push_back(r.residual_rms);
      best = std::min(best, r.error);
      if (r.epochs_to_target >= 0) to_target.push_back(static_cast<double>(r.epochs_to_target)), ++reached;
      learned.resize(r.learned.size());
      for (size_t l = 0; l < r.learned.size(); ++l) learned[l].push_back(r.learned[l]);
    }
    std::string learned_text;
    for (const auto& l : learned)
      learned_text += (learned_text.empty() ? "" : " → ") + detail::pinn_mean(l, "%.3g");
    const std::string n = std::to_string(seeds.size());
    md << "| " << seeds.front().activation << " | " << detail::pinn_log_summary(error)
       << (diverged ? " (**" + std::to_string(diverged) + "/" + n + " diverged**)" : "") << " | "
       << (std::isfinite(best) ? detail::pinn_fmt("%.2e", best) : "—") << " | "
       << detail::pinn_log_summary(residual) << " | "
       << (reached ? detail::pinn_mean(to_target, "%.0f") + " (" + std::to_string(reached) + "/" + n + ")"
                   : "not reached")
       << " | " << detail::pinn_mean(adam, "%.3f") << " | " << detail::pinn_mean(lbfgs, "%.1f") << " | "
       << (learned_text.empty() ? "—" : learned_text) << " |\n";
  }
  return md.str();
}

/// runs.csv: every Adam step and L-BFGS step() of every run.
class PinnCsv {
 public:
  explicit PinnCsv(const std::string& path) : out_(path) {
    out_ << "problem,activation,seed,epoch,optimizer,loss,residual_loss,boundary_loss,rel_l2_error\n";
  }
  void add(const std::string& problem, const PinnRun& r) {
    for (const PinnPoint& p : r.curve)
      out_ << problem << ',' << r.activation << ',' << r.seed << ',' << p.epoch << ','
           << (p.epoch <= r.adam_steps ? "adam" : "lbfgs") << ',' << p.loss << ',' << p.residual << ','
           << p.boundary << ',' << (std::isfinite(p.error) ? std::to_string(p.error) : "") << '\n';
    out_.flush();
  }

 private:
  std::ofstream out_;
};

/// The three figures of one problem, from the first seed of each activation.
inline void pinn_plots(const PinnProblemInfo& p, const std::vector<std::vector<PinnRun>>& runs,
                       const std::string& out) {
  namespace fs = std::filesystem;
  const std::string stem = (fs::path(out) / p.name).string();
  std::vector<const PinnRun*> first;
  for (const auto& seeds : runs)
    if (!seeds.empty()) first.push_back(&seeds.front());
  if (first.empty()) return;
  {  // curves: one block per activation; columns epoch, loss, error (NaN where not measured)
    std::ofstream dat(stem + "_curves.dat");
    for (const PinnRun* r : first) {
      dat << "# " << r->activation << " seed " << r->seed << "\n";
      for (const PinnPoint& q : r->curve)
        if (std::isfinite(q.loss) && q.loss > 0)
          dat << q.epoch << ' ' << q.loss << ' ' << (std::isfinite(q.error) ? q.error : NAN) << '\n';
      dat << "\n\n";
    }
  }
  const int64_t adam_steps = first.front()->adam_steps;
  const bool lbfgs = first.front()->curve.size() > static_cast<size_t>(adam_steps);
  const std::string lbfgs_mark = lbfgs ? "set arrow from " + std::to_string(adam_steps) + ", graph 0 to " +
                                             std::to_string(adam_steps) +
                                             ", graph 1 nohead dt 2 lc rgb 'gray'\n"
                                             "set label 'L-BFGS →' at " +
                                             std::to_string(adam_steps) + ", graph 0.95 offset 0.5,0\n"
                                       : "";
  auto curve_plot = [&](const std::string& what, int column, const std::string& ylabel) {
    std::string body = "set title " + gnuplot_quote(p.name + ": " + what + " (first seed)") +
                       "\nset xlabel 'epoch (loss and gradient evaluations)'\nset ylabel " +
                       gnuplot_quote(ylabel) +
                       "\nset logscale y\nset format y '%.0e'\nset key outside right\nset grid\n" +
                       lbfgs_mark + "set datafile missing 'nan'\nplot ";
    for (size_t i = 0; i < first.size(); ++i)
      body += std::string(i ? ", " : "") + gnuplot_quote(stem + "_curves.dat") + " index " +
              std::to_string(i) + " using 1:" + std::to_string(column) + " with lines lw 1.5 title " +
              gnuplot_quote(first[i]->activation);
    plot_png_and_svg(stem + "_" + what, 900, 500, body);
  };
  curve_plot("loss", 2, "training loss");
  curve_plot("error", 3, "relative L2 error");
  {  // solutions: one block per activation; columns x, u, exact
    std::ofstream dat(stem + "_solution.dat");
    for (const PinnRun* r : first) {
      dat << "# " << r->activation << " seed " << r->seed << "\n";
      for (size_t i = 0; i < r->x.size(); ++i) dat << r->x[i] << ' ' << r->u[i] << ' ' << r->exact[i] << '\n';
      dat << "\n\n";
    }
  }
  const int n = static_cast<int>(first.size());
  const int cols = std::min(n, 3), rows = (n + cols - 1) / cols;
  std::string body = "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) + " title " +
                     gnuplot_quote(p.name + ": u (solid) against the exact solution (dashed), first seed") +
                     "\nset grid\nset key off\n";
  for (int i = 0; i < n; ++i)
    body += "set title " +
            gnuplot_quote(first[static_cast<size_t>(i)]->activation + "  (error " +
                          detail::pinn_fmt("%.1e", first[static_cast<size_t>(i)]->error) + ")") +
            "\nplot " + gnuplot_quote(stem + "_solution.dat") + " index " + std::to_string(i) +
            " using 1:3 with lines dt 2 lw 2 lc rgb 'gray40', '' index " + std::to_string(i) +
            " using 1:2 with lines lw 1.5 lc rgb '#1f77b4'\n";
  body += "unset multiplot";
  plot_png_and_svg(stem + "_solution", 320 * cols, 240 * rows + 30, body);
}

/// The progress line over every step of every run: a bar on a terminal, a line per run otherwise.
class PinnProgress {
 public:
  explicit PinnProgress(int64_t total_steps) : bar_("steps", total_steps, 0, stdout_is_terminal(), "steps") {}
  bool terminal() const { return stdout_is_terminal(); }
  void step(const std::string& what, double loss, double error) {
    ++done_;
    bar_.update(done_, done_,
                what + "  loss " + detail::pinn_fmt("%.2e", loss) +
                    (std::isfinite(error) ? "  error " + detail::pinn_fmt("%.2e", error) : ""));
  }
  /// A finished run (its remaining steps skipped when it diverged).
  void end_run(const std::string& problem, const PinnRun& r, int64_t planned_steps) {
    done_ += planned_steps - static_cast<int64_t>(r.curve.size());
    bar_.clear();
    std::printf("%-10s %-14s seed %llu  rel. L2 error %s  RMS residual %.2e  %s  %.3f ms/Adam step\n",
                problem.c_str(), r.activation.c_str(), static_cast<unsigned long long>(r.seed),
                r.diverged ? "diverged" : detail::pinn_fmt("%.2e", r.error).c_str(), r.residual_rms,
                r.epochs_to_target >= 0 ? ("target at epoch " + std::to_string(r.epochs_to_target)).c_str()
                                        : "target not reached",
                r.adam_ms);
    std::fflush(stdout);
  }

 private:
  ProgressBar bar_;
  int64_t done_ = 0;
};

}  // namespace support
