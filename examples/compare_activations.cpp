// compare_activations: trains the same MLP with each activation on each task,
// over several seeds, and reports what differs — accuracy (or MSE for
// regression), speed of learning, divergence, and the health of the hidden
// layers that textbooks describe: dead ReLU units, saturated sigmoid/tanh
// units, SELU's self-normalised outputs, vanishing or exploding gradients,
// and the slopes PReLU and Swish learn.
//
//   compare_activations                  every activation × the 8 toy tasks × 3 seeds (about a minute)
//   compare_activations --quick          a smoke run: 2 tasks, 6 activations, 2 seeds, 20 epochs
//   compare_activations --tasks fashion --activations relu,gelu,selu --seeds 2
//   compare_activations --tasks spirals --depth 8 --init lecun --activations sigmoid,tanh,relu,selu
//   compare_activations --tasks spirals --depth 16 --norm none,batch,layer --dropout 0.05
//   compare_activations --tasks poisson  the physics-informed Poisson problem of examples/pinn.cpp
//   compare_activations --study depth    does SELU normalise a deep network by itself? 8 activations ×
//                                        none/batch/layer norm × 8, 16, 32 hidden layers (7-12 minutes)
//
// Read it top-down: main() is the experiment — which activations,
// normalisations, tasks and seeds; each task × activation × normalisation ×
// seed trained by support::train_one() (comparison_training.h), which trains
// one model and measures it after every epoch; a table and figures per task.
// The depth study, depth_study(), runs the same grid once per depth and
// reports by depth. Everything is reproducible from --seed: a task's data is
// drawn once from it (the same for every activation), and run s of every
// activation calls manual_seed(seed + s) before building its model, so its
// initial weights, shuffling and random draws depend on nothing else. Runs
// use one thread by default: these networks are so small that a second
// thread costs more in synchronisation than it saves.
//
// The plumbing is in examples/support/: the options (compare_options.h), the
// tasks (comparison_tasks.h), the network, its --init and --norm
// (comparison_model.h), one run (comparison_training.h), layer health — dead,
// saturated, spread, gradient norms, measured on a fixed probe batch, the first
// 512 test samples (layer_health.h) — and the outputs written into --out
// (comparison_report.h): results.md (one table per task, mean ± std over
// seeds, also printed; comparison_table.h, or depth_study.h for the study),
// runs.csv (every epoch of every run, one row per hidden layer) and
// <task>_*.png / .svg with the .dat files they are drawn from
// (comparison_plots.h, depth_study_plots.h).
#include <ember.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "support/compare_options.h"
#include "support/comparison.h"
#include "support/comparison_report.h"
#include "support/comparison_tasks.h"
#include "support/comparison_training.h"
#include "support/depth_study.h"
#include "support/interrupt.h"

using namespace ember;
using support::Run;
using support::RunSpec;
using support::Task;

/// The seeds of one activation and normalisation on a task, o.seed, o.seed + 1, …; a run cut
/// short by Ctrl-C is left out (it would skew the means).
std::vector<Run> train_seeds(const Task& task, const std::string& activation, const std::string& norm,
                             const support::CompareOptions& o, support::ComparisonReport& report) {
  std::vector<Run> seeds;
  for (int64_t s = 0; s < o.seeds && !support::interrupted(); ++s) {
    report.begin_run();
    const RunSpec spec{activation, norm, o.seed + static_cast<uint64_t>(s)};
    Run r = support::train_one(task, spec, o, /*keep_picture=*/s == 0,
                               [&](const Run& so_far) { report.epoch(task, so_far); });
    if (support::interrupted()) break;
    report.end_run(task, r);
    seeds.push_back(std::move(r));
  }
  return seeds;
}

/// --study depth: per task, every depth × normalisation × activation, then the study's tables and figures.
int depth_study(const support::CompareOptions& o, const std::vector<Task>& tasks,
                const std::vector<std::string>& activations, const std::vector<std::string>& norms) {
  const std::vector<int64_t> depths = support::study_depths(o);
  support::ComparisonReport report(o, tasks, activations, support::hidden_widths(o), norms, depths);
  support::catch_interrupts();
  for (const Task& task : tasks) {
    support::StudyRuns study;
    for (int64_t depth : depths)
      for (const auto& norm : norms)
        for (const auto& activation : activations) {
          if (support::interrupted()) break;
          support::CompareOptions at_depth = o;
          at_depth.depth = depth;
          study.push_back({depth, train_seeds(task, activation, norm, at_depth, report)});
        }
    std::erase_if(study, [](const support::StudyCell& c) { return c.seeds.empty(); });
    report.end_study_task(task, study);
    if (support::interrupted()) break;
  }
  return report.finish();
}

int run(int argc, char** argv) {
  support::CompareOptions o;  // every option, its default and its --help text
  if (auto exit_code = support::parse_compare_options(argc, argv, o)) return *exit_code;
  if (o.threads > 0) set_num_threads(o.threads);

  // What is compared: activations × normalisations × tasks × seeds o.seed, o.seed + 1, …
  const std::vector<std::string> activations = support::chosen_activations(o);
  const std::vector<std::string> norms = support::chosen_norms(o);
  const std::vector<int64_t> widths = support::hidden_widths(o);
  std::vector<Task> tasks;
  for (const auto& name : support::chosen_tasks(o)) tasks.push_back(support::make_task(name, o));
  std::filesystem::create_directories(o.out);
  if (o.study == "depth") return depth_study(o, tasks, activations, norms);

  support::ComparisonReport report(o, tasks, activations, widths, norms);  // prints the plan, starts runs.csv
  support::catch_interrupts();  // Ctrl-C: finish the epoch, then write what was measured
  for (const Task& task : tasks) {
    if (support::interrupted()) break;
    support::TaskRuns runs;  // [activation × norm][seed]
    for (const auto& activation : activations)
      for (const auto& norm : norms)
        if (!support::interrupted()) runs.push_back(train_seeds(task, activation, norm, o, report));
    std::erase_if(runs, [](const std::vector<Run>& seeds) { return seeds.empty(); });
    report.end_task(task, runs);  // the table (printed, results.md) and the figures
    if (runs.empty()) break;
  }
  return report.finish();
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_activations: %s\n", e.what());
    return 1;
  }
}
